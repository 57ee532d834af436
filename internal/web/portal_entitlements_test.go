package web_test

import (
	"encoding/csv"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// signIn signs a browser client in through the sign-in form.
func signIn(t *testing.T, w *world, email string) *http.Client {
	t.Helper()
	c := w.browser()
	res, err := c.PostForm(w.srv.URL+"/login", url.Values{"email": {email}, "password": {testPassword}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in %s: %d", email, res.StatusCode)
	}
	return c
}

// fetch GETs a page and returns its status and body.
func fetch(t *testing.T, w *world, c *http.Client, path string) (int, string) {
	t.Helper()
	res, err := c.Get(w.srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

// TestEntitlementsPage: My entitlements lists what the company may see with
// its basis; filters narrow it; a bad filter says so; the CSV download is
// exactly the list; the entitlement page says why in words, shows the owner
// who has access, and is "not found" for another company (R7).
func TestEntitlementsPage(t *testing.T) {
	w := newWorld(t)
	shop := signIn(t, w, "member@shop.example")
	st, body := fetch(t, w, shop, "/")
	if st != http.StatusOK || !strings.Contains(body, `href="/entitlements/S-100"`) || !strings.Contains(body, `href="/entitlements/S-101"`) || strings.Contains(body, "S-200") {
		t.Fatalf("SHOP's list: %d %s", st, body)
	}
	if !strings.Contains(body, `aria-current="page">My entitlements`) || !strings.Contains(body, "<h1>My entitlements</h1>") {
		t.Errorf("navigation and title: %s", body)
	}
	if _, body := fetch(t, w, shop, "/?status=expired"); !strings.Contains(body, "No entitlement matches these filters") {
		t.Errorf("a filter matching nothing: %s", body)
	}
	if st, body := fetch(t, w, shop, "/?status=bogus"); st != http.StatusUnprocessableEntity || !hasMessage(body, "status must be future, active or expired") {
		t.Errorf("a bad filter: %d %s", st, body)
	}
	if st, body := fetch(t, w, shop, "/?sort=price"); st != http.StatusUnprocessableEntity || !hasMessage(body, "sort must be subscription_id, end_date or -end_date") {
		t.Errorf("a bad order: %d %s", st, body)
	}
	// Ends last: the rows, the End header's state and link, and the CSV
	// link in that order.
	_, body = fetch(t, w, shop, "/?sort=-end_date")
	if i, j := strings.Index(body, `href="/entitlements/S-101"`), strings.Index(body, `href="/entitlements/S-100"`); i < 0 || j < 0 || i > j {
		t.Errorf("SHOP's list, ends last (same end date: S-101 first): %s", body)
	}
	for _, want := range []string{`aria-sort="descending"><a class="sort" href="/?sort=end_date">End</a>`,
		`<a class="sort" href="/">Subscription</a>`, `href="/entitlements.csv?sort=-end_date"`, `<option value="-end_date" selected>ends last</option>`} {
		if !strings.Contains(body, want) {
			t.Errorf("SHOP's list, ends last, lacks %s", want)
		}
	}
	// The CSV is what the API lists.
	res, err := shop.Get(w.srv.URL + "/entitlements.csv")
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(res.Body).ReadAll()
	res.Body.Close()
	if err != nil || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("csv: %v %v", err, res.Header)
	}
	var subs []string
	for _, r := range rows[1:] {
		subs = append(subs, r[0])
	}
	if !slices.Equal(subs, []string{"S-100", "S-101"}) || slices.Contains(rows[0], "owner_key") {
		t.Errorf("SHOP's CSV: %v", rows)
	}
	// The entitlement page.
	st, body = fetch(t, w, shop, "/entitlements/S-100")
	if st != http.StatusOK || !strings.Contains(body, "You see this because your company is the reseller on the purchase order") || strings.Contains(body, "Who has access") {
		t.Errorf("SHOP's S-100: %d %s", st, body)
	}
	plant := signIn(t, w, "admin@plant.example")
	if _, body := fetch(t, w, plant, "/entitlements/S-100"); !strings.Contains(body, "Who has access, and why") || !strings.Contains(body, "Company SHOP") || !strings.Contains(body, "Installation site") {
		t.Errorf("the owner's S-100: %s", body)
	}
	foreign, _ := fetch(t, w, shop, "/entitlements/S-200")
	missing, _ := fetch(t, w, shop, "/entitlements/S-999")
	if foreign != http.StatusNotFound || missing != http.StatusNotFound {
		t.Errorf("another company's and a missing entitlement: %d %d", foreign, missing)
	}
	nobody := signIn(t, w, "member@nobody.example")
	if _, body := fetch(t, w, nobody, "/"); !strings.Contains(body, "No entitlements yet") {
		t.Errorf("an outsider's list: %s", body)
	}
	// Signed out: to the sign-in page, and back after.
	st, _ = fetch(t, w, w.browser(), "/entitlements/S-100")
	if st != http.StatusSeeOther {
		t.Errorf("signed out: %d", st)
	}
}

// TestPortalFormsNeedTheCSRFToken: a signed-in form post without the
// session's token is refused and changes nothing.
func TestPortalFormsNeedTheCSRFToken(t *testing.T) {
	w := newWorld(t)
	plant := signIn(t, w, "admin@plant.example")
	res, err := plant.PostForm(w.srv.URL+"/delegations", url.Values{"delegate": {"NOBODY"}, "scope": {"all"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("a form without its token: %d", res.StatusCode)
	}
	if _, body := fetch(t, w, signIn(t, w, "admin@nobody.example"), "/"); !strings.Contains(body, "No entitlements yet") {
		t.Errorf("the refused grant took effect: %s", body)
	}
}
