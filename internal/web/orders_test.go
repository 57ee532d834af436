package web_test

import (
	"encoding/csv"
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy/policytest"
	"github.com/entitle-portal/entitle/internal/store/storetest"
)

// ordersWorld: ALPHA placed three POs on three dates (PO-1 for CUST, sold
// via RES and installed by INS; PO-2 for itself; XQ-3 for CUST), BETA
// placed a PO-1 of its own (a PO number is unique per purchasing entity,
// not globally); CUST delegated all to DEL. Order dates: PO-1 of ALPHA 40
// days ago, BETA's PO-1 35, PO-2 20, XQ-3 10.
func ordersWorld(t *testing.T) (*world, entitle.Date) {
	t.Helper()
	s := &policytest.Scenario{Now: testNow, Vendor: "MAKER",
		Orders: []entitle.Order{
			{PONumber: "PO-1", PurchasingEntity: "ALPHA", Owner: "CUST", Resellers: []string{"RES"}, Installers: []string{"INS"},
				Lines: []entitle.Line{{Line: 1, SubscriptionID: "A-1"}, {Line: 2, SubscriptionID: "A-2"}}},
			{PONumber: "PO-1", PurchasingEntity: "BETA", Owner: "CUST2", Lines: []entitle.Line{{Line: 1, SubscriptionID: "B-1"}}},
			{PONumber: "PO-2", PurchasingEntity: "ALPHA", Owner: "ALPHA", Lines: []entitle.Line{{Line: 1, SubscriptionID: "A-3"}}},
			{PONumber: "XQ-3", PurchasingEntity: "ALPHA", Owner: "CUST", Lines: []entitle.Line{{Line: 1, SubscriptionID: "A-4"}}},
		},
		Delegations: []entitle.Delegation{{ID: "D-1", Owner: "CUST", Delegate: "DEL", CreatedAt: testNow.AddDate(0, -1, 0)}},
		Expects:     []policytest.Expect{{Actor: entitle.Actor{Company: "NOBODY"}}}}
	today := entitle.DateOf(testNow)
	b := s.Batch()
	for i, days := range []int{-40, -35, -20, -10} {
		b.Orders[i].Record.OrderDate = today.AddDays(days)
	}
	b.Orders[3].Record.Lines[0].Description = "=HYPERLINK(\"http://evil.example\")"
	ts := newServerOn(t, storetest.New(t), s.Now, nil)
	ts.importBatch(b, s.Delegations)
	w := &world{testServer: ts, admin: map[string]string{}, member: map[string]string{}}
	for _, co := range s.Companies() {
		lc := strings.ToLower(co)
		w.admin[co] = ts.user(co, "admin@"+lc+".example", true)
		w.member[co] = ts.user(co, "member@"+lc+".example", false)
	}
	return w, today
}

type orderItem struct {
	PO               string `json:"po_number"`
	OrderDate        string `json:"order_date"`
	PurchasingEntity struct {
		Key string `json:"key"`
	} `json:"purchasing_entity"`
	Lines []struct {
		Sub       string `json:"subscription_id"`
		UnitPrice string `json:"unit_price"`
		Amount    string `json:"amount"`
	} `json:"lines"`
	Total string          `json:"total"`
	Owner *map[string]any `json:"owner"`
	Site  *map[string]any `json:"installation_site"`
}

type orderPage struct {
	Items []orderItem `json:"items"`
	Next  string      `json:"next_cursor"`
}

// listOrders GETs /api/v1/orders with query q and returns the status, the
// page and "PE/PO" of each item in order.
func listOrders(t *testing.T, w *world, token, q string) (int, orderPage, []string) {
	t.Helper()
	res := w.get("/api/v1/orders"+q, token)
	var p orderPage
	if res.status != http.StatusOK {
		return res.status, p, nil
	}
	res.json(t, &p)
	var ids []string
	for _, it := range p.Items {
		ids = append(ids, it.PurchasingEntity.Key+"/"+it.PO)
	}
	return res.status, p, ids
}

// TestMyOrders: the purchasing entity lists its own orders, newest first,
// with lines, prices and total, and the owner only of the PO it placed for
// itself (R4); every other role lists nothing and its lookup stays 404
// (R3); the vendor lists all, or one purchasing entity's.
func TestMyOrders(t *testing.T) {
	w, _ := ordersWorld(t)
	st, p, got := listOrders(t, w, w.member["ALPHA"], "")
	if st != http.StatusOK || !slices.Equal(got, []string{"ALPHA/XQ-3", "ALPHA/PO-2", "ALPHA/PO-1"}) || p.Next != "" {
		t.Fatalf("ALPHA's orders: %d %v %q", st, got, p.Next)
	}
	po1 := p.Items[2]
	if len(po1.Lines) != 2 || po1.Lines[1].UnitPrice != "100.00" || po1.Lines[1].Amount != "200.00" || po1.Total != "300.00" || po1.Owner != nil || po1.Site != nil {
		t.Errorf("ALPHA's PO-1: %+v; want lines with prices, total 300.00, no owner or site (R4)", po1)
	}
	if p.Items[1].Owner == nil {
		t.Errorf("ALPHA's PO-2, which it placed for itself: no owner: %+v", p.Items[1])
	}
	// BETA's PO-1 is its own: the same PO number, another order.
	if st, p, got := listOrders(t, w, w.admin["BETA"], ""); st != http.StatusOK || !slices.Equal(got, []string{"BETA/PO-1"}) || p.Items[0].Lines[0].Sub != "B-1" {
		t.Errorf("BETA's orders: %d %v", st, got)
	}
	// Every other role: an empty list, and the lookup stays R3's 404.
	for _, co := range []string{"RES", "CUST", "INS", "DEL", "NOBODY", "CUST2"} {
		res := w.get("/api/v1/orders", w.member[co])
		if res.status != http.StatusOK || string(res.body) != `{"items":[]}`+"\n" {
			t.Errorf("%s's orders: %d %s; want an empty list", co, res.status, res.body)
		}
		if res := w.get("/api/v1/orders/PO-1", w.member[co]); res.status != http.StatusNotFound {
			t.Errorf("%s looks up PO-1: %d", co, res.status)
		}
		// Naming the purchasing entity changes nothing (R3: its own POs only).
		if st, _, got := listOrders(t, w, w.member[co], "?purchasing_entity=ALPHA"); st != http.StatusOK || len(got) != 0 {
			t.Errorf("%s lists ALPHA's orders: %d %v", co, st, got)
		}
	}
	// The vendor: every company's, or one purchasing entity's.
	for q, want := range map[string][]string{
		"":                             {"ALPHA/XQ-3", "ALPHA/PO-2", "BETA/PO-1", "ALPHA/PO-1"},
		"?purchasing_entity=ALPHA":     {"ALPHA/XQ-3", "ALPHA/PO-2", "ALPHA/PO-1"},
		"?purchasing_entity=BETA":      {"BETA/PO-1"},
		"?purchasing_entity=NO-SUCH-1": nil,
	} {
		st, p, got := listOrders(t, w, w.member["MAKER"], q)
		if st != http.StatusOK || !slices.Equal(got, want) {
			t.Errorf("the vendor's orders%s: %d %v, want %v", q, st, got, want)
		}
		if len(p.Items) > 0 && p.Items[len(p.Items)-1].Owner == nil {
			t.Errorf("the vendor's orders%s: no owner (R6)", q)
		}
	}
}

// TestMyOrdersPagingAndFilters: keyset paging by one, cursors bound to
// their filters, order dates and PO prefix, and what is refused.
func TestMyOrdersPagingAndFilters(t *testing.T) {
	w, today := ordersWorld(t)
	var all []string
	cursor := ""
	for range 5 {
		q := "?limit=1"
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		st, p, got := listOrders(t, w, w.admin["ALPHA"], q)
		if st != http.StatusOK || len(got) != 1 {
			t.Fatalf("page %s: %d %v", q, st, got)
		}
		all = append(all, got...)
		if cursor = p.Next; cursor == "" {
			break
		}
	}
	if !slices.Equal(all, []string{"ALPHA/XQ-3", "ALPHA/PO-2", "ALPHA/PO-1"}) {
		t.Errorf("paged by one: %v", all)
	}
	_, first, _ := listOrders(t, w, w.admin["ALPHA"], "?limit=1")
	for _, q := range []string{"?limit=1&po=PO&cursor=", "?limit=1&cursor="} {
		token := w.admin["ALPHA"]
		if q == "?limit=1&cursor=" {
			token = w.admin["BETA"] // another company's cursor
		}
		if res := w.get("/api/v1/orders"+q+url.QueryEscape(first.Next), token); res.status != http.StatusUnprocessableEntity || res.errCode() != "invalid_cursor" {
			t.Errorf("a cursor of another query %s: %d %s", q, res.status, res.body)
		}
	}
	for q, want := range map[string][]string{
		"?ordered_from=" + today.AddDays(-25).String():                                                {"ALPHA/XQ-3", "ALPHA/PO-2"},
		"?ordered_to=" + today.AddDays(-20).String():                                                  {"ALPHA/PO-2", "ALPHA/PO-1"},
		"?ordered_from=" + today.AddDays(-20).String() + "&ordered_to=" + today.AddDays(-20).String(): {"ALPHA/PO-2"},
		"?po=po-": {"ALPHA/PO-2", "ALPHA/PO-1"},
		"?po=XQ":  {"ALPHA/XQ-3"},
		"?po=PO-1&ordered_to=" + today.AddDays(-30).String(): {"ALPHA/PO-1"},
		"?po=nothing": nil,
	} {
		if st, _, got := listOrders(t, w, w.member["ALPHA"], q); st != http.StatusOK || !slices.Equal(got, want) {
			t.Errorf("ALPHA's orders%s: %d %v, want %v", q, st, got, want)
		}
	}
	for _, q := range []string{"?ordered_from=yesterday", "?ordered_to=2026-02-30", "?ordered_from=2026-05-01&ordered_to=2026-04-01",
		"?limit=0", "?limit=101", "?purchasing_entity=a+b", "?po=" + strings.Repeat("P", 65), "?sku=X"} {
		if res := w.get("/api/v1/orders"+q, w.member["ALPHA"]); res.status != http.StatusUnprocessableEntity || res.errCode() != "invalid_input" {
			t.Errorf("GET /api/v1/orders%s: %d %s; want 422 invalid_input", q, res.status, res.body)
		}
	}
	// One audit event a page.
	res := w.get("/api/v1/audit?action=order.list&user=member@alpha.example", w.admin["ALPHA"])
	var ev struct {
		Items []struct{ Detail string } `json:"items"`
	}
	res.json(t, &ev)
	if res.status != http.StatusOK || len(ev.Items) != 7 || !strings.HasSuffix(ev.Items[0].Detail, " orders") {
		t.Errorf("ALPHA's member's order.list events: %d %s", res.status, res.body)
	}
}

// TestOrdersCSV: the order CSV has one row per line with its price, of the
// list's orders and filters, cells neutralised, never the owner (R4);
// another role downloads a header alone.
func TestOrdersCSV(t *testing.T) {
	w, _ := ordersWorld(t)
	read := func(email, q string) [][]string {
		t.Helper()
		st, body := fetch(t, w, signIn(t, w, email), "/orders.csv"+q)
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if st != http.StatusOK || err != nil || len(rows) == 0 {
			t.Fatalf("%s: /orders.csv%s: %d %v %s", email, q, st, err, body)
		}
		return rows
	}
	rows := read("member@alpha.example", "")
	header := strings.Join(rows[0], ",")
	if header != "po_number,order_date,purchasing_entity,msa,currency,resellers,installers,line,subscription_id,sku,description,quantity,unit_price,amount,start_date,end_date,order_total" {
		t.Errorf("header: %s", header)
	}
	var got []string
	for _, r := range rows[1:] {
		got = append(got, r[0]+" "+r[8]+" "+r[12]+" "+r[13]+" "+r[16])
	}
	want := []string{"XQ-3 A-4 100.00 100.00 100.00", "PO-2 A-3 100.00 100.00 100.00", "PO-1 A-1 100.00 100.00 300.00", "PO-1 A-2 100.00 200.00 300.00"}
	if !slices.Equal(got, want) {
		t.Errorf("ALPHA's CSV rows %v, want %v", got, want)
	}
	if rows[1][10] != `'=HYPERLINK("http://evil.example")` || rows[3][5] != "RES" || rows[3][6] != "INS" {
		t.Errorf("ALPHA's CSV: %v", rows[1:])
	}
	if rows := read("member@alpha.example", "?po_prefix=xq"); len(rows) != 2 || rows[1][0] != "XQ-3" {
		t.Errorf("ALPHA's CSV of XQ: %v", rows)
	}
	if rows := read("member@maker.example", "?purchasing_entity=BETA"); len(rows) != 2 || rows[1][8] != "B-1" {
		t.Errorf("the vendor's CSV of BETA: %v", rows)
	}
	for _, email := range []string{"member@res.example", "admin@cust.example", "member@del.example"} {
		if rows := read(email, ""); len(rows) != 1 {
			t.Errorf("%s: CSV rows %v; want the header alone", email, rows)
		}
	}
	if !strings.Contains(html.UnescapeString(string(w.get("/api/v1/audit?action=order.export", w.admin["ALPHA"]).body)), `"detail":"3 orders"`) {
		t.Errorf("the export is not audited")
	}
}

// TestOrdersPageList: the Orders page lists the company's orders with lines
// and totals (paged, filtered) and keeps the lookup; a company without
// orders is told so.
func TestOrdersPageList(t *testing.T) {
	w, _ := ordersWorld(t)
	alpha := signIn(t, w, "member@alpha.example")
	st, body := fetch(t, w, alpha, "/orders")
	list := body[strings.Index(body, `id="my-orders"`)+1:]
	for _, want := range []string{`aria-label="Order XQ-3"`, `aria-label="Order PO-2"`, `aria-label="Order PO-1"`, "<strong>300.00 EUR</strong>",
		`<a href="/orders?po=PO-1&amp;purchasing_entity=ALPHA">PO-1</a>`, `<a href="/entitlements/A-2">A-2</a>`, `href="/orders.csv"`} {
		if !strings.Contains(list+body, want) {
			t.Errorf("ALPHA's Orders page lacks %s", want)
		}
	}
	if st != http.StatusOK || strings.Index(list, "Order XQ-3") > strings.Index(list, "Order PO-1") || strings.Contains(body, "Company CUST") {
		t.Fatalf("ALPHA's Orders page: %d %s", st, body)
	}
	// The link of a listed order opens it.
	if st, body := fetch(t, w, alpha, "/orders?po=PO-1&purchasing_entity=ALPHA"); st != http.StatusOK || !strings.Contains(body, "<h1>Order PO-1</h1>") {
		t.Errorf("ALPHA opens PO-1: %d", st)
	}
	if st, body := fetch(t, w, alpha, "/orders?po_prefix=xq"); st != http.StatusOK || !strings.Contains(body, "Order XQ-3") || strings.Contains(body, `aria-label="Order PO-2"`) ||
		!strings.Contains(body, `href="/orders.csv?po_prefix=xq"`) {
		t.Errorf("filtered by xq: %d %s", st, body)
	}
	if st, body := fetch(t, w, alpha, "/orders?ordered_from=someday"); st != http.StatusUnprocessableEntity || !strings.Contains(body, "ordered_from must be a date") {
		t.Errorf("a bad date: %d %s", st, body)
	}
	if st, body := fetch(t, w, alpha, "/orders?po_prefix=nothing"); st != http.StatusOK || !strings.Contains(body, "No order matches these filters.") {
		t.Errorf("no match: %d %s", st, body)
	}
	for _, email := range []string{"member@res.example", "admin@cust.example", "member@ins.example", "member@del.example"} {
		st, body := fetch(t, w, signIn(t, w, email), "/orders")
		if st != http.StatusOK || !strings.Contains(body, "No orders placed by your company yet.") || strings.Contains(body, `id="my-orders"`) {
			t.Errorf("%s's Orders page: %d %s", email, st, body)
		}
	}
}

// TestPOLinks: the PO on My entitlements and on an entitlement's page links
// to the order where the gate says the caller may open it (the purchasing
// entity, the vendor); for every other company it stays plain text. The
// vendor's list shows owner, purchasing entity and resellers.
func TestPOLinks(t *testing.T) {
	w, _ := ordersWorld(t)
	link := `<a href="/orders?po=PO-1&amp;purchasing_entity=ALPHA" class="po-link">PO-1</a>`
	for email, want := range map[string]bool{"member@alpha.example": true, "member@maker.example": true, "member@res.example": false,
		"admin@cust.example": false, "member@ins.example": false, "member@del.example": false} {
		c := signIn(t, w, email)
		_, list := fetch(t, w, c, "/")
		_, page := fetch(t, w, c, "/entitlements/A-1")
		if strings.Contains(list, link) != want || strings.Contains(page, link) != want || strings.Contains(page, "<dd>PO-1</dd>") == want {
			t.Errorf("%s: the PO-1 link on the list %v, on the page %v; want %v", email, strings.Contains(list, link), strings.Contains(page, link), want)
		}
		if strings.Contains(list, "<th scope=\"col\">Purchasing entity</th>") != (email == "member@maker.example") {
			t.Errorf("%s: the party columns", email)
		}
	}
	_, list := fetch(t, w, signIn(t, w, "member@maker.example"), "/?company=RES")
	rows := section(list, "entitlements")
	if !strings.Contains(rows, "Company CUST") || !strings.Contains(rows, "Company ALPHA") || !strings.Contains(rows, "Company RES") ||
		!strings.Contains(rows, ">A-2<") || strings.Contains(rows, ">A-3<") || !strings.Contains(list, `id="f-company" name="company" value="RES"`) {
		t.Errorf("the vendor's list of RES: %s", rows)
	}
}

// TestCompanyFilter: the vendor's list by a company holding any role on
// the order (API, CSV); anyone else is refused (422), and learns nothing.
func TestCompanyFilter(t *testing.T) {
	w, _ := ordersWorld(t)
	subs := func(token, q string) (int, []string) {
		res := w.get("/api/v1/entitlements"+q, token)
		var p struct {
			Items []struct {
				Sub string `json:"subscription_id"`
			} `json:"items"`
			Next string `json:"next_cursor"`
		}
		if res.status != http.StatusOK {
			return res.status, nil
		}
		res.json(t, &p)
		var out []string
		for _, it := range p.Items {
			out = append(out, it.Sub)
		}
		return res.status, out
	}
	for q, want := range map[string][]string{
		"?company=RES":                 {"A-1", "A-2"},
		"?company=CUST":                {"A-1", "A-2", "A-4"},
		"?company=ALPHA":               {"A-1", "A-2", "A-3", "A-4"},
		"?company=BETA":                {"B-1"},
		"?company=DEL":                 nil, // a delegate holds no role on the order
		"?company=NO-SUCH":             nil,
		"?company=CUST&sort=-end_date": {"A-4", "A-2", "A-1"},
		"?company=ALPHA&role=vendor":   {"A-1", "A-2", "A-3", "A-4"},
	} {
		if st, got := subs(w.member["MAKER"], q); st != http.StatusOK || !slices.Equal(got, want) {
			t.Errorf("the vendor's list%s: %d %v, want %v", q, st, got, want)
		}
	}
	// Paged by one, the same.
	var all []string
	cursor := ""
	for range 6 {
		res := w.get("/api/v1/entitlements?company=CUST&limit=1&cursor="+url.QueryEscape(cursor), w.member["MAKER"])
		var p struct {
			Items []struct {
				Sub string `json:"subscription_id"`
			} `json:"items"`
			Next string `json:"next_cursor"`
		}
		res.json(t, &p)
		for _, it := range p.Items {
			all = append(all, it.Sub)
		}
		if cursor = p.Next; cursor == "" {
			break
		}
	}
	if !slices.Equal(all, []string{"A-1", "A-2", "A-4"}) {
		t.Errorf("the vendor's list of CUST by one: %v", all)
	}
	for _, co := range []string{"ALPHA", "RES", "CUST", "DEL", "NOBODY"} {
		for _, k := range []string{"CUST", "NO-SUCH"} {
			res := w.get("/api/v1/entitlements?company="+k, w.admin[co])
			if res.status != http.StatusUnprocessableEntity || res.errCode() != "invalid_input" {
				t.Errorf("%s filters by %s: %d %s; want 422", co, k, res.status, res.body)
			}
		}
		st, body := fetch(t, w, signIn(t, w, "admin@"+strings.ToLower(co)+".example"), "/entitlements.csv?company=CUST")
		if st != http.StatusUnprocessableEntity || strings.Contains(body, "A-1") {
			t.Errorf("%s's CSV by company: %d %s", co, st, body)
		}
	}
	if res := w.get("/api/v1/entitlements?company=a+b", w.member["MAKER"]); res.status != http.StatusUnprocessableEntity {
		t.Errorf("a company that is no key: %d", res.status)
	}
	st, body := fetch(t, w, signIn(t, w, "member@maker.example"), "/entitlements.csv?company=BETA")
	if st != http.StatusOK || !strings.Contains(body, "B-1") || strings.Contains(body, "A-1") {
		t.Errorf("the vendor's CSV of BETA: %d %s", st, body)
	}
}

// TestAuditFilters: the audit by user, action, object and dates, combined,
// paged; an administrator reads only its own company's events whatever it
// names (R7), the vendor everybody's.
func TestAuditFilters(t *testing.T) {
	w, today := ordersWorld(t)
	w.get("/api/v1/entitlements/A-1", w.member["ALPHA"])
	w.get("/api/v1/entitlements/A-1", w.member["ALPHA"])
	w.get("/api/v1/entitlements/A-2", w.member["ALPHA"])
	w.get("/api/v1/entitlements/A-1", w.member["RES"])
	w.get("/api/v1/orders", w.member["ALPHA"])
	type event struct{ Actor, Company, Action, Object string }
	read := func(token, q string) (int, []event) {
		t.Helper()
		var all []event
		cursor := ""
		for range 20 {
			res := w.get("/api/v1/audit?limit=1"+q+"&cursor="+url.QueryEscape(cursor), token)
			if res.status != http.StatusOK {
				return res.status, nil
			}
			var p struct {
				Items []event `json:"items"`
				Next  string  `json:"next_cursor"`
			}
			res.json(t, &p)
			all = append(all, p.Items...)
			if cursor = p.Next; cursor == "" {
				break
			}
		}
		return http.StatusOK, all
	}
	a1 := event{"member@alpha.example", "ALPHA", "entitlement.get", "A-1"}
	for _, tc := range []struct {
		who, q string
		want   []event
	}{
		{"ALPHA", "&user=member@alpha.example&action=entitlement.get&object=A-1", []event{a1, a1}},
		{"ALPHA", "&object=A-2", []event{{"member@alpha.example", "ALPHA", "entitlement.get", "A-2"}}},
		{"ALPHA", "&user=member@res.example", nil}, // another company's user: nothing (R7)
		{"ALPHA", "&object=A-1&from=" + today.String() + "&to=" + today.String(), []event{a1, a1}},
		{"ALPHA", "&object=A-1&from=" + today.AddDays(1).String(), nil},
		{"ALPHA", "&object=A-1&to=" + today.AddDays(-1).String(), nil},
		{"RES", "&object=A-1", []event{{"member@res.example", "RES", "entitlement.get", "A-1"}}},
		{"MAKER", "&object=A-1&action=entitlement.get", []event{a1, a1, {"member@res.example", "RES", "entitlement.get", "A-1"}}},
		{"MAKER", "&user=member@res.example", []event{{"member@res.example", "RES", "entitlement.get", "A-1"}}},
		{"MAKER", "&company=RES&object=A-1", []event{{"member@res.example", "RES", "entitlement.get", "A-1"}}},
	} {
		st, got := read(w.admin[tc.who], tc.q)
		if st != http.StatusOK || !slices.Equal(got, tc.want) {
			t.Errorf("%s's audit%s: %d %v, want %v", tc.who, tc.q, st, got, tc.want)
		}
	}
	for _, q := range []string{"?from=today", "?to=2026-13-01", "?from=2026-06-02&to=2026-06-01", "?user=a%0Ab"} {
		if res := w.get("/api/v1/audit"+q, w.admin["ALPHA"]); res.status != http.StatusUnprocessableEntity {
			t.Errorf("audit%s: %d %s", q, res.status, res.body)
		}
	}
	if res := w.get("/api/v1/audit?user=member@alpha.example", w.member["ALPHA"]); res.status != http.StatusForbidden {
		t.Errorf("a member's audit with a filter: %d", res.status)
	}
	// A cursor is bound to its filters.
	res := w.get("/api/v1/audit?limit=1&object=A-1", w.admin["ALPHA"])
	var p struct {
		Next string `json:"next_cursor"`
	}
	res.json(t, &p)
	if res := w.get("/api/v1/audit?limit=1&object=A-2&cursor="+url.QueryEscape(p.Next), w.admin["ALPHA"]); res.status != http.StatusUnprocessableEntity || res.errCode() != "invalid_cursor" {
		t.Errorf("a cursor of another filter: %d %s", res.status, res.body)
	}
	// The page: the same filters, in the form and the pager.
	st, body := fetch(t, w, signIn(t, w, "admin@alpha.example"), "/audit?object=A-1&action=entitlement.get")
	if st != http.StatusOK || !strings.Contains(body, `id="a-object" name="object" value="A-1"`) || strings.Contains(body, "<td>A-2</td>") ||
		strings.Count(body, `<td class="wrap">A-1</td>`) != 2 {
		t.Errorf("the audit page filtered: %d %s", st, body)
	}
	if st, body := fetch(t, w, signIn(t, w, "admin@alpha.example"), "/audit?user=member@res.example"); st != http.StatusOK || !strings.Contains(body, "No audit event matches these filters.") {
		t.Errorf("the audit page of another company's user: %d %s", st, body)
	}
}
