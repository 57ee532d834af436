package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/disclose"
	"github.com/entitle-portal/entitle/internal/policy/policytest"
	"github.com/entitle-portal/entitle/internal/store"
	"github.com/entitle-portal/entitle/internal/store/storetest"
	"github.com/entitle-portal/entitle/internal/web/webtest"
)

// world is the basics scenario (internal/policy/testdata/basics.txt) served
// over HTTP: NORTH placed PO N-77 (S-100, S-101) for PLANT through reseller
// SHOP, installed by FITTER, and N-78 (S-200) for OTHERCO; MAKER is the
// vendor; NOBODY holds no role. admin[K] and member[K] are API tokens of an
// administrator and a plain member of company K.
type world struct {
	*testServer
	admin, member map[string]string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	return newWorldWith(t, nil)
}

// newWorldWith is newWorld on a server configured by configure.
func newWorldWith(t *testing.T, configure func(*webtest.Options)) *world {
	t.Helper()
	return newWorldOn(t, storetest.New(t), configure)
}

// newWorldOn is newWorldWith on a store of the test's own.
func newWorldOn(t *testing.T, db *store.DB, configure func(*webtest.Options)) *world {
	t.Helper()
	s, err := policytest.Load("../policy/testdata/basics.txt")
	if err != nil {
		t.Fatal(err)
	}
	ts := newServerOn(t, db, s.Now, configure)
	ts.importBatch(s.Batch(), s.Delegations)
	w := &world{testServer: ts, admin: map[string]string{}, member: map[string]string{}}
	for _, co := range s.Companies() {
		lc := strings.ToLower(co)
		w.admin[co] = ts.user(co, "admin@"+lc+".example", true)
		w.member[co] = ts.user(co, "member@"+lc+".example", false)
	}
	return w
}

// TestNotEntitledIsNotFound: the answer to a company not entitled to an
// object is byte for byte the answer for an object that does not exist,
// identifier aside (R7) — on every route that names an object.
func TestNotEntitledIsNotFound(t *testing.T) {
	w := newWorld(t)
	for _, tc := range []struct {
		token          string
		hidden, absent string // paths with an existing but hidden object, and a missing one
		hiddenID       string
		absentID       string
	}{
		{w.admin["NOBODY"], "/api/v1/entitlements/S-100", "/api/v1/entitlements/S-999", "S-100", "S-999"},
		{w.admin["SHOP"], "/api/v1/entitlements/S-200", "/api/v1/entitlements/S-999", "S-200", "S-999"},
		{w.admin["NOBODY"], "/api/v1/entitlements/S-100/access", "/api/v1/entitlements/S-999/access", "S-100", "S-999"},
		{w.admin["SHOP"], "/api/v1/entitlements/S-200/access", "/api/v1/entitlements/S-999/access", "S-200", "S-999"},
		{w.admin["SHOP"], "/api/v1/orders/N-77", "/api/v1/orders/N-99", "N-77", "N-99"},
		{w.admin["PLANT"], "/api/v1/orders/N-77/entitlements", "/api/v1/orders/N-99/entitlements", "N-77", "N-99"},
		{w.admin["NOBODY"], "/api/v1/orders/N-77?purchasing_entity=NORTH", "/api/v1/orders/N-99?purchasing_entity=NORTH", "N-77", "N-99"},
	} {
		hidden, absent := w.get(tc.hidden, tc.token), w.get(tc.absent, tc.token)
		if hidden.status != http.StatusNotFound || absent.status != http.StatusNotFound {
			t.Errorf("%s: %d, %s: %d; want 404 for both", tc.hidden, hidden.status, tc.absent, absent.status)
			continue
		}
		if got := bytes.ReplaceAll(hidden.body, []byte(tc.hiddenID), []byte(tc.absentID)); !bytes.Equal(got, absent.body) {
			t.Errorf("%s and %s differ beyond the identifier:\n%s\n%s", tc.hidden, tc.absent, hidden.body, absent.body)
		}
		for _, h := range []string{"Content-Type", "Cache-Control", "Www-Authenticate"} {
			if hidden.header.Get(h) != absent.header.Get(h) {
				t.Errorf("%s: header %s differs: %q vs %q", tc.hidden, h, hidden.header.Get(h), absent.header.Get(h))
			}
		}
	}
}

// TestWhoHasAccessForbidden: a company that sees an entitlement but is
// neither its owner nor the vendor is told it may not ask who has access
// (403, R8) — the entitlement exists for it; one that does not see it
// still gets R7's 404 (TestNotEntitledIsNotFound).
func TestWhoHasAccessForbidden(t *testing.T) {
	w := newWorld(t)
	for _, co := range []string{"SHOP", "NORTH", "FITTER"} {
		for _, token := range []string{w.admin[co], w.member[co]} {
			res := w.get("/api/v1/entitlements/S-100/access", token)
			if res.status != http.StatusForbidden || res.errCode() != "forbidden" || !strings.Contains(res.errMessage(), "only the owner and the vendor") {
				t.Errorf("%s: %d %s", co, res.status, res.body)
			}
		}
	}
	for _, co := range []string{"PLANT", "MAKER"} {
		if res := w.get("/api/v1/entitlements/S-100/access", w.member[co]); res.status != http.StatusOK {
			t.Errorf("%s: %d %s", co, res.status, res.body)
		}
	}
}

// TestProjections: a field that is not disclosed is absent from the JSON —
// not null, not empty (R4) — and order details carry prices as decimal
// strings.
func TestProjections(t *testing.T) {
	w := newWorld(t)
	for co, wantOwner := range map[string]bool{"NORTH": false, "SHOP": false, "FITTER": false, "PLANT": true, "MAKER": true} {
		res := w.get("/api/v1/entitlements/S-100", w.member[co])
		if res.status != http.StatusOK {
			t.Fatalf("%s: %d %s", co, res.status, res.body)
		}
		var m map[string]any
		res.json(t, &m)
		_, owner := m["owner"]
		_, site := m["installation_site"]
		if owner != wantOwner || site != wantOwner {
			t.Errorf("%s: owner present %v, site present %v; want %v: %s", co, owner, site, wantOwner, res.body)
		}
		for _, field := range []string{"subscription_id", "sku", "quantity", "start_date", "end_date", "po_number", "status", "access"} {
			if _, ok := m[field]; !ok {
				t.Errorf("%s: no %s in %s", co, field, res.body)
			}
		}
		if bytes.Contains(res.body, []byte("null")) {
			t.Errorf("%s: null in %s", co, res.body)
		}
	}
	res := w.get("/api/v1/orders/N-77", w.member["NORTH"])
	if res.status != http.StatusOK {
		t.Fatalf("order: %d %s", res.status, res.body)
	}
	var o map[string]any
	res.json(t, &o)
	if _, ok := o["owner"]; ok {
		t.Errorf("R4: the purchasing entity's order details name the owner: %s", res.body)
	}
	if _, ok := o["installation_site"]; ok {
		t.Errorf("R4: the purchasing entity's order details show the site: %s", res.body)
	}
	line := o["lines"].([]any)[1].(map[string]any)
	if line["unit_price"] != "100.00" || line["amount"] != "200.00" || o["total"] != "300.00" {
		t.Errorf("prices: want decimal strings 100.00 × 2 = 200.00, total 300.00: %s", res.body)
	}
	// The vendor names the purchasing entity, and sees owner and site.
	res = w.get("/api/v1/orders/N-77?purchasing_entity=NORTH", w.member["MAKER"])
	if res.status != http.StatusOK || !bytes.Contains(res.body, []byte(`"owner":{"key":"PLANT"`)) {
		t.Errorf("vendor order: %d %s", res.status, res.body)
	}
}

// TestListFilters: role, sku, status and expires_before narrow the list, and
// bad values are refused with a message naming the parameter.
func TestListFilters(t *testing.T) {
	w := newWorld(t)
	list := func(query, token string) []string {
		t.Helper()
		res := w.get("/api/v1/entitlements?"+query, token)
		if res.status != http.StatusOK {
			t.Fatalf("%s: %d %s", query, res.status, res.body)
		}
		var p disclose.Page
		res.json(t, &p)
		var subs []string
		for _, it := range p.Items {
			subs = append(subs, it.SubscriptionID)
		}
		return subs
	}
	today := entitle.DateOf(w.clock.Now())
	for _, tc := range []struct {
		query, company string
		want           string
	}{
		{"", "NORTH", "S-100 S-101 S-200"},
		{"role=purchasing_entity", "NORTH", "S-100 S-101 S-200"},
		{"role=reseller", "NORTH", ""},
		{"role=vendor", "MAKER", "S-100 S-101 S-200"},
		{"sku=SKU-S100", "NORTH", "S-100"},
		{"status=active", "NORTH", "S-100 S-101 S-200"},
		{"status=expired", "NORTH", ""},
		{"status=future", "NORTH", ""},
		{"expires_before=" + today.AddDays(356).String(), "NORTH", "S-100 S-101 S-200"},
		{"expires_before=" + today.AddDays(355).String(), "NORTH", ""},
		{"limit=1", "NORTH", "S-100"},
		{"role=reseller&sku=SKU-S101", "SHOP", "S-101"},
		// The three end on the same day: the subscription ID breaks the tie.
		{"sort=end_date", "NORTH", "S-100 S-101 S-200"},
		{"sort=-end_date", "NORTH", "S-200 S-101 S-100"},
		{"sort=subscription_id", "NORTH", "S-100 S-101 S-200"},
		{"sort=-end_date&limit=1", "NORTH", "S-200"},
	} {
		if got := strings.Join(list(tc.query, w.member[tc.company]), " "); got != tc.want {
			t.Errorf("%s ?%s: got %q, want %q", tc.company, tc.query, got, tc.want)
		}
	}
	// Later the entitlements have expired.
	w.clock.Advance(400 * 24 * time.Hour)
	if got := strings.Join(list("status=expired", w.member["NORTH"]), " "); got != "S-100 S-101 S-200" {
		t.Errorf("a year later, expired: %q", got)
	}
}

// TestBadRequests: every bad input gets its code, a message saying what is
// wrong, and changes nothing.
func TestBadRequests(t *testing.T) {
	w := newWorld(t)
	tok := w.admin["PLANT"]
	before, err := w.db.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	big := `{"delegate":"NOBODY","subscription_ids":["` + strings.Repeat("S", 70<<10) + `"]}`
	for _, tc := range []struct {
		name   string
		req    request
		status int
		code   string
		msg    string // a part of the message
	}{
		{"no credentials", request{method: "GET", path: "/api/v1/me"}, 401, "unauthenticated", "sign in"},
		{"unknown token", request{method: "GET", path: "/api/v1/me", token: "ent_nope"}, 401, "unauthenticated", "not valid"},
		{"not bearer", request{method: "GET", path: "/api/v1/me", header: map[string]string{"Authorization": "Basic eDp5"}}, 401, "unauthenticated", "Bearer"},
		{"limit 0", request{method: "GET", path: "/api/v1/entitlements?limit=0", token: tok}, 422, "invalid_input", "limit"},
		{"limit 501", request{method: "GET", path: "/api/v1/entitlements?limit=501", token: tok}, 422, "invalid_input", "1 to 500"},
		{"limit word", request{method: "GET", path: "/api/v1/entitlements?limit=ten", token: tok}, 422, "invalid_input", "limit"},
		{"unknown parameter", request{method: "GET", path: "/api/v1/entitlements?rolle=owner", token: tok}, 422, "invalid_input", `unknown parameter "rolle"`},
		{"parameter twice", request{method: "GET", path: "/api/v1/entitlements?limit=1&limit=2", token: tok}, 422, "invalid_input", "once"},
		{"bad role", request{method: "GET", path: "/api/v1/entitlements?role=king", token: tok}, 422, "invalid_input", "role"},
		{"bad status", request{method: "GET", path: "/api/v1/entitlements?status=old", token: tok}, 422, "invalid_input", "status"},
		{"bad date", request{method: "GET", path: "/api/v1/entitlements?expires_before=31.01.2027", token: tok}, 422, "invalid_input", "expires_before"},
		{"bad sort", request{method: "GET", path: "/api/v1/entitlements?sort=price", token: tok}, 422, "invalid_input", "sort must be subscription_id, end_date or -end_date"},
		{"forged cursor", request{method: "GET", path: "/api/v1/entitlements?cursor=U1ZCLTEwMA", token: tok}, 422, "invalid_cursor", "cursor"},
		{"malformed JSON", request{method: "POST", path: "/api/v1/delegations", token: tok, body: `{"delegate":`}, 400, "bad_request", "not valid JSON"},
		{"empty body", request{method: "POST", path: "/api/v1/delegations", token: tok, body: ""}, 400, "bad_request", "empty"},
		{"not an object", request{method: "POST", path: "/api/v1/delegations", token: tok, body: `["NOBODY"]`}, 400, "bad_request", "object"},
		{"unknown field", request{method: "POST", path: "/api/v1/delegations", token: tok, body: `{"delegate":"NOBODY","scope":"all"}`}, 422, "invalid_input", `"scope"`},
		{"duplicate key", request{method: "POST", path: "/api/v1/delegations", token: tok, body: `{"delegate":"SHOP","delegate":"NOBODY"}`}, 400, "bad_request", `duplicate field "delegate"`},
		{"duplicate key in another case", request{method: "POST", path: "/api/v1/delegations", token: tok, body: `{"delegate":"SHOP","Delegate":"NOBODY"}`}, 400, "bad_request", `duplicate field "Delegate"`},
		{"trailing data", request{method: "POST", path: "/api/v1/delegations", token: tok, body: `{"delegate":"NOBODY"} {"delegate":"SHOP"}`}, 400, "bad_request", "after the JSON object"},
		{"wrong type", request{method: "POST", path: "/api/v1/delegations", token: tok, body: `{"delegate":7}`}, 422, "invalid_input", "delegate: must be a string"},
		{"too large", request{method: "POST", path: "/api/v1/delegations", token: tok, body: big}, 413, "payload_too_large", "larger than"},
		{"form body", request{method: "POST", path: "/api/v1/delegations", token: tok, body: "delegate=NOBODY",
			header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}, 415, "unsupported_media_type", "application/json"},
		{"no delegate", request{method: "POST", path: "/api/v1/delegations", token: tok, body: `{}`}, 422, "invalid_input", "delegate"},
		{"unknown delegate", request{method: "POST", path: "/api/v1/delegations", token: tok, body: `{"delegate":"GHOST"}`}, 422, "invalid_input", "GHOST"},
		{"to itself", request{method: "POST", path: "/api/v1/delegations", token: tok, body: `{"delegate":"PLANT"}`}, 422, "invalid_input", "itself"},
		{"empty list", request{method: "POST", path: "/api/v1/delegations", token: tok, body: `{"delegate":"NOBODY","subscription_ids":[]}`}, 422, "invalid_input", "at least one"},
		{"past expiry", request{method: "POST", path: "/api/v1/delegations", token: tok, body: `{"delegate":"NOBODY","expires_at":"2020-01-01T00:00:00Z"}`}, 422, "invalid_input", "future"},
		{"bad expiry", request{method: "POST", path: "/api/v1/delegations", token: tok, body: `{"delegate":"NOBODY","expires_at":"tomorrow"}`}, 422, "invalid_input", "RFC 3339"},
		{"wrong method", request{method: "PUT", path: "/api/v1/delegations", token: tok}, 405, "method_not_allowed", "GET or POST"},
		{"no such route", request{method: "GET", path: "/api/v1/nothing", token: tok}, 404, "not_found", "no API route"},
		{"query on get", request{method: "GET", path: "/api/v1/entitlements/S-100?fields=all", token: tok}, 422, "invalid_input", "takes none"},
	} {
		res := w.do(tc.req)
		if res.status != tc.status || res.errCode() != tc.code || !strings.Contains(res.errMessage(), tc.msg) {
			t.Errorf("%s: got %d %s; want %d %s with %q", tc.name, res.status, res.body, tc.status, tc.code, tc.msg)
		}
		if res.header.Get("Content-Type") != "application/json; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", tc.name, res.header.Get("Content-Type"))
		}
	}
	after, err := w.db.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for table, n := range before {
		if table != "audit_events" && after[table] != n {
			t.Errorf("bad requests changed %s: %d → %d rows", table, n, after[table])
		}
	}
}

// TestCursors: paging is stable, and a cursor works only for the query and
// company it was issued for, and only as issued.
func TestCursors(t *testing.T) {
	w := newWorld(t)
	first := w.get("/api/v1/entitlements?limit=1", w.member["NORTH"])
	var p disclose.Page
	first.json(t, &p)
	if len(p.Items) != 1 || p.Next == "" {
		t.Fatalf("first page: %s", first.body)
	}
	next := "/api/v1/entitlements?limit=1&cursor=" + url.QueryEscape(p.Next)
	if res := w.get(next, w.member["NORTH"]); res.status != http.StatusOK || !bytes.Contains(res.body, []byte("S-101")) {
		t.Errorf("second page: %d %s", res.status, res.body)
	}
	// Paged by end date, last first, one at a time: each entitlement once,
	// in order.
	var got []string
	for path := "/api/v1/entitlements?limit=1&sort=-end_date"; ; {
		res := w.get(path, w.member["NORTH"])
		var pg disclose.Page
		res.json(t, &pg)
		if res.status != http.StatusOK || len(pg.Items) > 1 || len(got) > 3 {
			t.Fatalf("%s: %d %s", path, res.status, res.body)
		}
		for _, it := range pg.Items {
			got = append(got, it.SubscriptionID)
		}
		if pg.Next == "" {
			break
		}
		path = "/api/v1/entitlements?limit=1&sort=-end_date&cursor=" + url.QueryEscape(pg.Next)
	}
	if strings.Join(got, " ") != "S-200 S-101 S-100" {
		t.Errorf("paged by -end_date: %v", got)
	}
	// Another company, another filter or order, an edited cursor: refused.
	tampered := []byte(p.Next)
	tampered[len(tampered)/2] ^= 1
	for name, path := range map[string]string{
		"other company": next,
		"other filter":  "/api/v1/entitlements?limit=1&role=purchasing_entity&cursor=" + url.QueryEscape(p.Next),
		"other order":   "/api/v1/entitlements?limit=1&sort=end_date&cursor=" + url.QueryEscape(p.Next),
		"edited":        "/api/v1/entitlements?limit=1&cursor=" + url.QueryEscape(string(tampered)),
	} {
		token := w.member["NORTH"]
		if name == "other company" {
			token = w.member["SHOP"]
		}
		if res := w.get(path, token); res.status != http.StatusUnprocessableEntity || res.errCode() != "invalid_cursor" {
			t.Errorf("%s: %d %s", name, res.status, res.body)
		}
	}
}

// TestDelegationLifecycle: grant, see, revoke, expire — each effective on
// the very next request.
func TestDelegationLifecycle(t *testing.T) {
	w := newWorld(t)
	nobodySees := func() string {
		t.Helper()
		res := w.get("/api/v1/entitlements", w.member["NOBODY"])
		var p disclose.Page
		res.json(t, &p)
		var subs []string
		for _, it := range p.Items {
			subs = append(subs, it.SubscriptionID+":"+joinBasis(it.Access))
		}
		return strings.Join(subs, " ")
	}
	if got := nobodySees(); got != "" {
		t.Fatalf("before: %q", got)
	}
	expires := w.clock.Now().Add(48 * time.Hour).Format(time.RFC3339)
	res := w.do(request{method: "POST", path: "/api/v1/delegations", token: w.admin["PLANT"],
		body: map[string]any{"delegate": "NOBODY", "subscription_ids": []string{"S-101", "S-101"}, "expires_at": expires}})
	if res.status != http.StatusCreated {
		t.Fatalf("grant: %d %s", res.status, res.body)
	}
	var d struct {
		ID              string
		Scope           string
		SubscriptionIDs []string `json:"subscription_ids"`
		Status          string
		CreatedBy       string `json:"created_by"`
	}
	res.json(t, &d)
	if d.Scope != "listed" || len(d.SubscriptionIDs) != 1 || d.Status != "active" || d.CreatedBy != "admin@plant.example" {
		t.Errorf("grant answer: %s", res.body)
	}
	if loc := res.header.Get("Location"); loc != "/api/v1/delegations/"+d.ID {
		t.Errorf("Location %q", loc)
	}
	if got := nobodySees(); got != "S-101:delegate" {
		t.Errorf("after grant: %q", got)
	}
	// The delegate sees the owner's company name, not who granted it (R4, R7).
	res = w.get("/api/v1/delegations", w.member["NOBODY"])
	if !bytes.Contains(res.body, []byte(`"owner":{"key":"PLANT","name":"Company PLANT"}`)) || bytes.Contains(res.body, []byte("admin@plant")) {
		t.Errorf("received delegations: %s", res.body)
	}
	// Neither the delegate nor a plain member of the owner may revoke or re-delegate.
	for name, r := range map[string]request{
		"delegate revokes":      {method: "DELETE", path: "/api/v1/delegations/" + d.ID, token: w.admin["NOBODY"]},
		"member revokes":        {method: "DELETE", path: "/api/v1/delegations/" + d.ID, token: w.member["PLANT"]},
		"member grants":         {method: "POST", path: "/api/v1/delegations", token: w.member["PLANT"], body: map[string]any{"delegate": "SHOP"}},
		"delegate re-delegates": {method: "POST", path: "/api/v1/delegations", token: w.admin["NOBODY"], body: map[string]any{"delegate": "SHOP", "subscription_ids": []string{"S-101"}}},
	} {
		if res := w.do(r); res.status != http.StatusForbidden {
			t.Errorf("%s: %d %s", name, res.status, res.body)
		}
	}
	// Another company cannot even learn the delegation exists.
	if res := w.do(request{method: "DELETE", path: "/api/v1/delegations/" + d.ID, token: w.admin["SHOP"]}); res.status != http.StatusNotFound {
		t.Errorf("outsider revokes: %d %s", res.status, res.body)
	}
	// A listed subscription the owner does not own: not found (it cannot see it).
	if res := w.do(request{method: "POST", path: "/api/v1/delegations", token: w.admin["PLANT"],
		body: map[string]any{"delegate": "NOBODY", "subscription_ids": []string{"S-200"}}}); res.status != http.StatusNotFound {
		t.Errorf("delegating S-200: %d %s", res.status, res.body)
	}
	// Expiry: the very instant it passes.
	w.clock.Advance(48 * time.Hour)
	if got := nobodySees(); got != "" {
		t.Errorf("after expiry: %q", got)
	}
	// Revocation of an "all" delegation.
	res = w.do(request{method: "POST", path: "/api/v1/delegations", token: w.admin["PLANT"], body: map[string]any{"delegate": "NOBODY"}})
	if res.status != http.StatusCreated {
		t.Fatalf("grant all: %d %s", res.status, res.body)
	}
	res.json(t, &d)
	if got := nobodySees(); got != "S-100:delegate S-101:delegate" {
		t.Errorf("after grant all: %q", got)
	}
	for range 2 { // revoking twice is fine
		if res := w.do(request{method: "DELETE", path: "/api/v1/delegations/" + d.ID, token: w.admin["PLANT"]}); res.status != http.StatusNoContent {
			t.Fatalf("revoke: %d %s", res.status, res.body)
		}
	}
	if got := nobodySees(); got != "" {
		t.Errorf("after revoke: %q", got)
	}
	if res := w.get("/api/v1/entitlements/S-100", w.member["NOBODY"]); res.status != http.StatusNotFound {
		t.Errorf("get after revoke: %d", res.status)
	}
	res = w.get("/api/v1/delegations", w.admin["PLANT"])
	var list struct {
		Granted []struct {
			Status    string
			RevokedBy string `json:"revoked_by"`
		}
	}
	res.json(t, &list)
	if len(list.Granted) != 2 || list.Granted[0].Status != "revoked" || list.Granted[0].RevokedBy != "admin@plant.example" || list.Granted[1].Status != "expired" {
		t.Errorf("granted list: %s", res.body)
	}
}

func joinBasis(bs []entitle.Basis) string {
	s := make([]string, len(bs))
	for i, b := range bs {
		s[i] = string(b)
	}
	return strings.Join(s, ",")
}

// TestAudit: every disclosure and change is recorded; company admins read
// their own company's events, the vendor all; members and other companies
// none (R7).
func TestAudit(t *testing.T) {
	w := newWorld(t)
	w.get("/api/v1/entitlements", w.member["SHOP"])
	w.get("/api/v1/entitlements/S-100", w.member["SHOP"])
	w.get("/api/v1/entitlements/S-200", w.member["SHOP"])
	w.get("/api/v1/orders/N-77", w.member["SHOP"])
	w.get("/api/v1/orders/N-77", w.member["NORTH"])
	w.do(request{method: "POST", path: "/api/v1/delegations", token: w.admin["PLANT"], body: map[string]any{"delegate": "SHOP"}})

	events := func(token, query string) (int, []map[string]any, string) {
		t.Helper()
		res := w.get("/api/v1/audit"+query, token)
		var p struct {
			Items []map[string]any
			Next  string `json:"next_cursor"`
		}
		if res.status == http.StatusOK {
			res.json(t, &p)
		}
		return res.status, p.Items, p.Next
	}
	st, shop, _ := events(w.admin["SHOP"], "")
	if st != http.StatusOK {
		t.Fatalf("audit: %d", st)
	}
	var got []string
	for _, e := range shop {
		if e["company"] != "SHOP" {
			t.Errorf("SHOP sees another company's event: %v", e)
		}
		got = append(got, fmt.Sprint(e["action"], " ", e["object"], " ", e["outcome"]))
	}
	want := []string{"entitlement.list <nil> ok", "entitlement.get S-100 ok", "entitlement.get S-200 not_found", "order.get N-77 not_found"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("SHOP's events:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if st, _, _ := events(w.member["SHOP"], ""); st != http.StatusForbidden {
		t.Errorf("a member reads the audit log: %d", st)
	}
	if st, _, _ := events(w.admin["SHOP"], "?company=NORTH"); st != http.StatusUnprocessableEntity {
		t.Errorf("SHOP asks for NORTH's events: %d", st)
	}
	// The vendor pages through everything, one event at a time.
	var all int
	cursor := ""
	for range 100 {
		q := "?limit=1"
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		st, items, next := events(w.admin["MAKER"], q)
		if st != http.StatusOK {
			t.Fatalf("vendor audit: %d", st)
		}
		all += len(items)
		if cursor = next; cursor == "" {
			break
		}
	}
	if all < 7 {
		t.Errorf("the vendor saw %d events, want every one (≥ 7)", all)
	}
	_, plant, _ := events(w.admin["PLANT"], "?limit=500")
	if len(plant) != 1 || plant[0]["action"] != "delegation.grant" {
		t.Errorf("PLANT's events: %v", plant)
	}
}

// TestConcurrentReads: many clients at once get complete, correct answers
// and every disclosure is audited (group commit under load).
func TestConcurrentReads(t *testing.T) {
	w := newWorld(t)
	before, _ := w.db.Counts(context.Background())
	var wg sync.WaitGroup
	const n = 200
	errs := make(chan string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			co, id, want := "SHOP", "S-100", http.StatusOK
			if i%2 == 1 {
				co, id, want = "NOBODY", "S-101", http.StatusNotFound
			}
			req, _ := http.NewRequest("GET", w.srv.URL+"/api/v1/entitlements/"+id, nil)
			req.Header.Set("Authorization", "Bearer "+w.member[co])
			res, err := w.srv.Client().Do(req)
			if err != nil {
				errs <- err.Error()
				return
			}
			res.Body.Close()
			if res.StatusCode != want {
				errs <- fmt.Sprintf("%s %s: %d", co, id, res.StatusCode)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	after, _ := w.db.Counts(context.Background())
	if got := after["audit_events"] - before["audit_events"]; got != n {
		t.Errorf("%d audit events for %d disclosures", got, n)
	}
}

// TestOperations: /healthz names the version; /metrics, with the metrics
// token, counts requests by route (ops_test.go: who else gets them).
func TestOperations(t *testing.T) {
	w := newWorldWith(t, func(o *webtest.Options) { o.Version, o.MetricsToken = "v1.2.3", testMetricsToken })
	if res := w.get("/healthz", ""); res.status != http.StatusOK || string(res.body) != `{"status":"ok","version":"v1.2.3"}`+"\n" {
		t.Errorf("healthz: %d %q", res.status, res.body)
	}
	w.get("/api/v1/entitlements/S-100", w.member["SHOP"])
	w.get("/api/v1/entitlements/S-999", w.member["SHOP"])
	res := w.get("/metrics", testMetricsToken)
	for _, want := range []string{
		`entitle_http_requests_total{method="GET",route="/api/v1/entitlements/{id}",status="200"} 1`,
		`entitle_http_requests_total{method="GET",route="/api/v1/entitlements/{id}",status="404"} 1`,
		`entitle_http_request_duration_seconds_bucket{method="GET",route="/api/v1/entitlements/{id}"`,
	} {
		if !bytes.Contains(res.body, []byte(want)) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if bytes.Contains(res.body, []byte("S-100")) {
		t.Error("a subscription ID became a metric label")
	}
}

// TestStoreFailure: when the database fails, the answer is a generic 500 (or
// 503 for the health check) that discloses nothing of the failure, and the
// failure is logged.
func TestStoreFailure(t *testing.T) {
	w := newWorld(t)
	token := w.member["SHOP"]
	if res := w.get("/api/v1/me", token); res.status != http.StatusOK {
		t.Fatal(res.status)
	}
	w.db.Close() // storetest's cleanup closes it again, harmlessly
	res := w.get("/api/v1/me", token)
	if res.status != http.StatusInternalServerError || res.errCode() != "internal" || strings.Contains(res.errMessage(), "sql") {
		t.Errorf("me on a closed store: %d %s", res.status, res.body)
	}
	if res := w.get("/healthz", ""); res.status != http.StatusServiceUnavailable || res.errCode() != "unavailable" {
		t.Errorf("healthz on a closed store: %d %s", res.status, res.body)
	}
}

// TestEveryRouteRefusesUnknownParameters: no route quietly ignores a
// parameter it does not know.
func TestEveryRouteRefusesUnknownParameters(t *testing.T) {
	w := newWorld(t)
	for _, r := range []request{
		{method: "GET", path: "/api/v1/me?x=1", token: w.member["SHOP"]},
		{method: "POST", path: "/api/v1/login?x=1", body: map[string]string{"email": "member@shop.example", "password": testPassword}},
		{method: "POST", path: "/api/v1/logout?x=1"},
		{method: "GET", path: "/api/v1/delegations?x=1", token: w.member["SHOP"]},
		{method: "GET", path: "/api/v1/audit?x=1", token: w.admin["SHOP"]},
		{method: "GET", path: "/api/v1/audit?company=not%20a%20key", token: w.admin["MAKER"]},
	} {
		if res := w.do(r); res.status != http.StatusUnprocessableEntity || res.errCode() != "invalid_input" {
			t.Errorf("%s %s: %d %s", r.method, r.path, res.status, res.body)
		}
	}
}
