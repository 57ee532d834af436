package web_test

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/entitle-portal/entitle/internal/disclose"
	"github.com/entitle-portal/entitle/internal/policy/policytest"
	"github.com/entitle-portal/entitle/internal/store/storetest"
)

// newSearchWorld is the world of testdata/search.txt: SHOP resells PLANT's
// S-100 and S-101 and owns S-200; PLANT owns S-300 too, delegated to
// OUTSIDER.
func newSearchWorld(t *testing.T) *world {
	t.Helper()
	s, err := policytest.Load("testdata/search.txt")
	if err != nil {
		t.Fatal(err)
	}
	ts := newServerOn(t, storetest.New(t), s.Now, nil)
	ts.importBatch(s.Batch(), s.Delegations)
	w := &world{testServer: ts, admin: map[string]string{}, member: map[string]string{}}
	for _, co := range s.Companies() {
		lc := strings.ToLower(co)
		w.admin[co] = ts.user(co, "admin@"+lc+".example", true)
		w.member[co] = ts.user(co, "member@"+lc+".example", false)
	}
	return w
}

// searchList is the subscription IDs of company's list with query (all
// pages), through the API.
func searchList(t *testing.T, w *world, company, query string) string {
	t.Helper()
	var subs []string
	cursor := ""
	for {
		path := "/api/v1/entitlements?limit=1&" + query
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		res := w.get(path, w.member[company])
		if res.status != http.StatusOK {
			t.Fatalf("%s ?%s: %d %s", company, query, res.status, res.body)
		}
		var p disclose.Page
		res.json(t, &p)
		for _, it := range p.Items {
			subs = append(subs, it.SubscriptionID)
		}
		if p.Next == "" {
			return strings.Join(subs, " ")
		}
		cursor = p.Next
	}
}

// TestSearch: q matches the subscription ID, SKU and PO number in any case,
// as a prefix or a part, for everyone who sees the row; the owner's name and
// site only on the rows whose owner view the caller has (R4, SPEC §7). SHOP,
// reseller of PLANT's entitlements and owner of its own, finds nothing of
// PLANT's by PLANT's name or site, and its own by its own.
func TestSearch(t *testing.T) {
	w := newSearchWorld(t)
	for _, tc := range []struct{ company, q, want string }{
		{"SHOP", "", "S-100 S-101 S-200"},
		{"SHOP", "s-10", "S-100 S-101"},   // subscription, prefix, lower case
		{"SHOP", "-101", "S-101"},         // a part
		{"SHOP", "sKu-S2", "S-200"},       // SKU, any case
		{"SHOP", "n-77", "S-100 S-101"},   // the PO, which a reseller sees (R1)
		{"SHOP", "Company PLANT", ""},     // the owner's name: not SHOP's to see (R4)
		{"SHOP", "plant", "S-200"},        // only its own site's address ("2 Plant Road")
		{"SHOP", "site of plant", ""},     // PLANT's site
		{"SHOP", "company shop", "S-200"}, // its own name, on its own row
		{"PLANT", "company plant", "S-100 S-101 S-300"},
		{"PLANT", "SITE OF PLANT", "S-100 S-101 S-300"},
		{"PLANT", "company shop", ""},  // SHOP is only the reseller: not a searched field
		{"NORTH", "company plant", ""}, // the purchasing entity: no owner view
		{"NORTH", "n-78", "S-200"},
		{"OUTSIDER", "company plant", ""}, // a delegate: no owner view
		{"OUTSIDER", "p-1", "S-300"},
		{"MAKER", "company plant", "S-100 S-101 S-300"}, // the vendor (R6)
		{"MAKER", "site of shop", "S-200"},
		{"MAKER", "100%", ""}, // LIKE's wildcards are text
		{"MAKER", "s_1", ""},
		{"NOBODY", "s-1", ""},
	} {
		if tc.company == "NOBODY" {
			continue // no such company in this world
		}
		if got := searchList(t, w, tc.company, "q="+url.QueryEscape(tc.q)); got != tc.want {
			t.Errorf("%s q=%q: %q, want %q", tc.company, tc.q, got, tc.want)
		}
	}
	// The SKU filter is exact, in any case.
	for _, tc := range []struct{ q, want string }{{"sku=sku-s100", "S-100"}, {"sku=SKU-S100", "S-100"}, {"sku=sku-s10", ""}} {
		if got := searchList(t, w, "SHOP", tc.q); got != tc.want {
			t.Errorf("SHOP ?%s: %q, want %q", tc.q, got, tc.want)
		}
	}
	// With the other filters.
	if got := searchList(t, w, "PLANT", "q=s-&role=owner&sku=sku-s300"); got != "S-300" {
		t.Errorf("q with role and sku: %q", got)
	}
	// A bad q is a clear 422 that changes nothing.
	for _, q := range []string{strings.Repeat("x", 101), "a\x01b"} {
		res := w.get("/api/v1/entitlements?q="+url.QueryEscape(q), w.member["SHOP"])
		if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.errMessage(), "q: must") {
			t.Errorf("q=%q: %d %s", q, res.status, res.body)
		}
	}
	if res := w.get("/api/v1/entitlements?q="+strings.Repeat("é", 100), w.member["SHOP"]); res.status != http.StatusOK {
		t.Errorf("100 characters: %d %s", res.status, res.body)
	}
	// A cursor is bound to its search.
	res := w.get("/api/v1/entitlements?limit=1&q=s-1", w.member["PLANT"])
	var p disclose.Page
	res.json(t, &p)
	if p.Next == "" {
		t.Fatal("no next page")
	}
	if res := w.get("/api/v1/entitlements?limit=1&q=s-3&cursor="+url.QueryEscape(p.Next), w.member["PLANT"]); res.status != http.StatusUnprocessableEntity {
		t.Errorf("a cursor of another search: %d %s", res.status, res.body)
	}
}

// TestSearchPageAndCSV: the portal's filter form searches, keeps q in its
// links, and the CSV download is the searched list.
func TestSearchPageAndCSV(t *testing.T) {
	w := newSearchWorld(t)
	shop := signIn(t, w, "member@shop.example")
	st, body := fetch(t, w, shop, "/?q=Company+PLANT")
	if st != http.StatusOK || strings.Contains(body, "S-100") || !strings.Contains(body, "No entitlement matches these filters") {
		t.Errorf("SHOP searching PLANT's name: %d %s", st, body)
	}
	st, body = fetch(t, w, shop, "/?q=s-1")
	if st != http.StatusOK || !strings.Contains(body, `href="/entitlements/S-100"`) || strings.Contains(body, `href="/entitlements/S-200"`) ||
		!strings.Contains(body, `name="q" type="search" value="s-1"`) || !strings.Contains(body, `/entitlements.csv?q=s-1`) {
		t.Errorf("SHOP searching s-1: %d %s", st, body)
	}
	if st, body := fetch(t, w, shop, "/?q="+strings.Repeat("x", 101)); st != http.StatusUnprocessableEntity || !strings.Contains(body, "q: must be at most 100 characters") {
		t.Errorf("a long q: %d %s", st, body)
	}
	plant := signIn(t, w, "member@plant.example")
	st, body = fetch(t, w, plant, "/entitlements.csv?q=site+of+plant&sort=-end_date")
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if st != http.StatusOK || err != nil || len(rows) != 4 {
		t.Fatalf("PLANT's CSV: %d %v %q", st, err, body)
	}
	var subs []string
	for _, r := range rows[1:] {
		subs = append(subs, r[0])
	}
	slices.Sort(subs)
	if strings.Join(subs, " ") != "S-100 S-101 S-300" {
		t.Errorf("PLANT's searched CSV: %v", subs)
	}
	_, body = fetch(t, w, shop, "/entitlements.csv?q=company+plant")
	if strings.Count(strings.TrimSpace(body), "\n") != 0 {
		t.Errorf("SHOP's CSV searching PLANT's name has rows: %q", body)
	}
}
