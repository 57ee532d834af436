package web_test

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The Delegations and Orders pages, over HTTP as a browser sends them: the
// grant form for owner admins only, its refusals next to their inputs,
// grant and revoke (here and from an entitlement's page), what the delegate
// sees, and the PO lookup (R3, R7).

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// pagePost GETs page (for its CSRF token) and posts form to action with it;
// it returns the answer's status, body and Location. A page without a form
// for this user (a forged post) takes the token of the Co-workers page,
// whose invite form every user has.
func pagePost(t *testing.T, w *world, c *http.Client, page, action string, form url.Values) (int, string, string) {
	t.Helper()
	var m []string
	for _, p := range []string{page, "/coworkers"} {
		if st, body := fetch(t, w, c, p); st == http.StatusOK {
			if m = csrfField.FindStringSubmatch(body); m != nil {
				break
			}
		}
	}
	if m == nil {
		t.Fatalf("no CSRF token on %s nor /coworkers", page)
	}
	f := url.Values{"csrf": {html.UnescapeString(m[1])}}
	for k, vs := range form {
		f[k] = vs
	}
	res, err := c.PostForm(w.srv.URL+action, f)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b), res.Header.Get("Location")
}

// section is the part of body from the element with id on, to the end of its
// table (or the page).
func section(body, id string) string {
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		return ""
	}
	rest := body[i:]
	if j := strings.Index(rest, "</table>"); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

var revokeAction = regexp.MustCompile(`action="(/delegations/[^"/]+/revoke)"`)

func TestDelegationsPageGrantAndRevoke(t *testing.T) {
	w := newWorld(t)
	plant := signIn(t, w, "admin@plant.example")
	nobody := signIn(t, w, "member@nobody.example")

	st, body := fetch(t, w, plant, "/delegations")
	for _, want := range []string{`<h1>Delegations</h1>`, `aria-current="page">Delegations`, `<form method="post" action="/delegations"`,
		`<label for="grant-delegate">Company key</label>`, `id="grant-delegate" name="delegate"`, `name="scope" value="all" checked`,
		`name="scope" value="listed"`, `id="grant-subs" name="subscription_ids"`, `placeholder="YYYY-MM-DD" size="10" maxlength="10" autocomplete="off" spellcheck="false" id="grant-expires" name="expires_at"`,
		`<button type="submit">Grant access</button>`, "No delegations granted yet", "No delegations to your company yet"} {
		if !strings.Contains(body, want) {
			t.Errorf("PLANT's empty page lacks %s", want)
		}
	}
	if st != http.StatusOK || t.Failed() {
		t.Fatalf("%d %s", st, body)
	}

	// Grant all: back to the page with what was done.
	st, _, loc := pagePost(t, w, plant, "/delegations", "/delegations", url.Values{"delegate": {" NOBODY "}, "scope": {"all"}})
	if st != http.StatusSeeOther || loc != "/delegations" {
		t.Fatalf("grant all: %d %s", st, loc)
	}
	_, body = fetch(t, w, plant, loc)
	granted := section(body, "granted")
	if !strings.Contains(body, `class="flash" role="status">Access granted: Company NOBODY now sees all entitlements your company owns.`) ||
		!strings.Contains(granted, "Company NOBODY") || !strings.Contains(granted, "All entitlements") ||
		!strings.Contains(granted, `<span class="badge active">active</span>`) || !strings.Contains(granted, "by admin@plant.example") ||
		!strings.Contains(granted, ">never<") || !strings.Contains(granted, ">Revoke</button>") {
		t.Errorf("after grant all: %s", body)
	}
	// The delegate sees the owner company's name only (R4, R7), and the entitlements.
	_, body = fetch(t, w, nobody, "/delegations")
	received := section(body, "received")
	if !strings.Contains(received, "Company PLANT") || strings.Contains(body, "admin@plant") || strings.Contains(body, `id="grant-delegate"`) ||
		!strings.Contains(received, `<a href="/?role=delegate">All entitlements Company PLANT owns</a>`) || strings.Contains(received, "(PLANT)") {
		t.Errorf("NOBODY's page: %s", body)
	}
	if st, _ := fetch(t, w, nobody, "/entitlements/S-100"); st != http.StatusOK {
		t.Errorf("the delegate opens S-100: %d", st)
	}

	// Revoke from the Delegations page.
	_, body = fetch(t, w, plant, "/delegations")
	m := revokeAction.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no revoke button: %s", body)
	}
	st, _, loc = pagePost(t, w, plant, "/delegations", m[1], nil)
	if st != http.StatusSeeOther || loc != "/delegations" {
		t.Fatalf("revoke: %d %s", st, loc)
	}
	_, body = fetch(t, w, plant, loc)
	granted = section(body, "granted")
	if !strings.Contains(body, "Access revoked: Company NOBODY no longer has access to all entitlements through this delegation.") ||
		!strings.Contains(granted, `<span class="badge revoked">revoked</span>`) || strings.Contains(granted, ">Revoke</button>") {
		t.Errorf("after revoke: %s", body)
	}
	if st, _ := fetch(t, w, nobody, "/entitlements/S-100"); st != http.StatusNotFound {
		t.Errorf("the delegate opens S-100 after revocation: %d", st)
	}
	if _, body := fetch(t, w, nobody, "/delegations"); !strings.Contains(section(body, "received"), `<span class="badge revoked">revoked</span>`) {
		t.Errorf("NOBODY's page after revocation: %s", body)
	}

	// Grant one listed entitlement until a date.
	until := w.clock.Now().AddDate(0, 0, 2).Format(time.DateOnly)
	st, _, loc = pagePost(t, w, plant, "/delegations", "/delegations",
		url.Values{"delegate": {"NOBODY"}, "scope": {"listed"}, "subscription_ids": {"S-101,\r\nS-101\r\n"}, "expires_at": {until}})
	if st != http.StatusSeeOther {
		t.Fatalf("grant listed: %d %s", st, loc)
	}
	_, body = fetch(t, w, plant, loc)
	granted = section(body, "granted")
	if !strings.Contains(body, "now sees 1 listed entitlement, until "+until+" 00:00 UTC.") ||
		!strings.Contains(granted, `1 listed entitlement: <a href="/entitlements/S-101">S-101</a>`) ||
		!strings.Contains(granted, until+" 00:00 UTC <span class=\"hint\">(in 2 days)</span>") {
		t.Errorf("after grant listed: %s", body)
	}
	_, body = fetch(t, w, nobody, "/delegations")
	if !strings.Contains(section(body, "received"), `<a href="/entitlements/S-101">S-101</a>`) {
		t.Errorf("NOBODY's received list: %s", body)
	}
	if a, b := status(t, w, nobody, "/entitlements/S-101"), status(t, w, nobody, "/entitlements/S-100"); a != http.StatusOK || b != http.StatusNotFound {
		t.Errorf("the delegate opens S-101 and S-100: %d %d", a, b)
	}

	// Revoke from the entitlement's page: back there.
	_, body = fetch(t, w, plant, "/entitlements/S-101")
	m = revokeAction.FindStringSubmatch(body)
	if m == nil || !strings.Contains(body, `name="back" value="/entitlements/S-101"`) {
		t.Fatalf("no revoke button on the entitlement's page: %s", body)
	}
	st, _, loc = pagePost(t, w, plant, "/entitlements/S-101", m[1], url.Values{"back": {"/entitlements/S-101"}})
	if st != http.StatusSeeOther || loc != "/entitlements/S-101" {
		t.Fatalf("revoke from the entitlement's page: %d %s", st, loc)
	}
	if _, body := fetch(t, w, plant, loc); !strings.Contains(body, "Access revoked: Company NOBODY") || revokeAction.MatchString(body) {
		t.Errorf("the entitlement's page after revoke: %s", body)
	}
	if st := status(t, w, nobody, "/entitlements/S-101"); st != http.StatusNotFound {
		t.Errorf("the delegate opens S-101 after revocation: %d", st)
	}
	// Revoking again says so; back never leaves the portal.
	st, _, loc = pagePost(t, w, plant, "/delegations", m[1], url.Values{"back": {"//evil.example/x"}})
	if st != http.StatusSeeOther || loc != "/" {
		t.Errorf("revoke again with a foreign back: %d %s", st, loc)
	} else if _, body := fetch(t, w, plant, loc); !strings.Contains(body, "This delegation to Company NOBODY was already revoked.") {
		t.Errorf("the page after revoking again: %s", body)
	}

	// Expiry shows as such, to both sides, the very day it comes.
	tomorrow := w.clock.Now().AddDate(0, 0, 1).Format(time.DateOnly)
	if st, _, loc := pagePost(t, w, plant, "/delegations", "/delegations",
		url.Values{"delegate": {"FITTER"}, "scope": {"listed"}, "subscription_ids": {"S-100"}, "expires_at": {tomorrow}}); st != http.StatusSeeOther {
		t.Fatalf("grant until tomorrow: %d %s", st, loc)
	}
	w.clock.Advance(12 * time.Hour)
	if _, body := fetch(t, w, signIn(t, w, "member@fitter.example"), "/delegations"); !strings.Contains(section(body, "received"),
		`<span class="badge expired">expired</span></td>
    <td>`+tomorrow+` 00:00 UTC <span class="hint">(today)</span>`) {
		t.Errorf("an expired delegation, received: %s", body)
	}
	if _, body := fetch(t, w, signIn(t, w, "admin@plant.example"), "/delegations"); strings.Count(section(body, "granted"), `<span class="badge expired">expired</span>`) != 1 ||
		strings.Contains(body, ">Revoke</button>") {
		t.Errorf("an expired delegation, granted: %s", body)
	}
}

func status(t *testing.T, w *world, c *http.Client, path string) int {
	t.Helper()
	st, _ := fetch(t, w, c, path)
	return st
}

// TestDelegationsPageRefusals: only an owner's administrator gets the form,
// and a forged post by anyone else is refused as the API refuses it;
// another company's delegation cannot be revoked, nor learnt of (R5, R7);
// what the API refuses is shown next to its input, and nothing is granted.
func TestDelegationsPageRefusals(t *testing.T) {
	w := newWorld(t)
	for _, email := range []string{"member@plant.example", "admin@shop.example", "admin@maker.example"} {
		c := signIn(t, w, email)
		st, body := fetch(t, w, c, "/delegations")
		if st != http.StatusOK || strings.Contains(body, `id="grant-delegate"`) || strings.Contains(body, "Grant access</button>") ||
			!strings.Contains(body, "Only administrators of a company that owns entitlements") {
			t.Errorf("%s sees the grant form: %d %s", email, st, body)
		}
		st, body, _ = pagePost(t, w, c, "/delegations", "/delegations", url.Values{"delegate": {"NOBODY"}, "scope": {"all"}})
		if st != http.StatusForbidden || !strings.Contains(body, "R5: only") || strings.Contains(body, `id="grant-delegate"`) {
			t.Errorf("%s's forged grant: %d %s", email, st, body)
		}
	}

	plant := signIn(t, w, "admin@plant.example")
	for _, c := range []struct {
		name   string
		form   url.Values
		status int
		id     string // the input the message stands next to
		want   string
	}{
		{"no company", url.Values{"scope": {"all"}}, 422, "grant-delegate", "required: the key of the company that receives access"},
		{"itself", url.Values{"delegate": {"PLANT"}, "scope": {"all"}}, 422, "grant-delegate", "a company cannot delegate to itself"},
		{"bad key", url.Values{"delegate": {"a b"}, "scope": {"all"}}, 422, "grant-delegate", `"a b" may contain only A-Z a-z 0-9 . _ -`},
		{"unknown company", url.Values{"delegate": {"NOPE"}, "scope": {"all"}}, 422, "grant-delegate", "no company with key NOPE"},
		{"no scope", url.Values{"delegate": {"NOBODY"}}, 422, "grant-scope", "choose all entitlements or listed ones"},
		{"listed without IDs", url.Values{"delegate": {"NOBODY"}, "scope": {"listed"}}, 422, "grant-subs", "list at least one subscription ID"},
		{"all with IDs", url.Values{"delegate": {"NOBODY"}, "scope": {"all"}, "subscription_ids": {"S-100"}}, 422, "grant-subs", "choose “Listed entitlements”"},
		{"bad ID", url.Values{"delegate": {"NOBODY"}, "scope": {"listed"}, "subscription_ids": {"S-100 S/1"}}, 422, "grant-subs", `"S/1" may contain only`},
		{"another's entitlement", url.Values{"delegate": {"NOBODY"}, "scope": {"listed"}, "subscription_ids": {"S-100\nS-200"}}, 404, "grant-subs", "entitlement S-200 not found"},
		{"no such entitlement", url.Values{"delegate": {"NOBODY"}, "scope": {"listed"}, "subscription_ids": {"S-999"}}, 404, "grant-subs", "entitlement S-999 not found"},
		{"not a date", url.Values{"delegate": {"NOBODY"}, "scope": {"all"}, "expires_at": {"next week"}}, 422, "grant-expires", "enter a date as YYYY-MM-DD"},
		{"today", url.Values{"delegate": {"NOBODY"}, "scope": {"all"}, "expires_at": {w.clock.Now().Format(time.DateOnly)}}, 422, "grant-expires", "must be in the future"},
	} {
		st, body, _ := pagePost(t, w, plant, "/delegations", "/delegations", c.form)
		msg := regexp.MustCompile(`<p class="field-error" id="` + c.id + `-error" role="alert">([^<]*)</p>`).FindStringSubmatch(body)
		if st != c.status || msg == nil || !hasMessage(html.UnescapeString(msg[1]), c.want) {
			t.Errorf("%s: %d, want %d and %q next to #%s: %s", c.name, st, c.status, c.want, c.id, body)
			continue
		}
		if c.id != "grant-scope" && !regexp.MustCompile(`id="`+c.id+`"[^>]*aria-describedby="[^"]*`+c.id+`-error"`).MatchString(body) {
			t.Errorf("%s: #%s is not described by its error: %s", c.name, c.id, body)
		}
		// The form keeps what was typed.
		if d := c.form.Get("delegate"); d != "" && !strings.Contains(body, `name="delegate" value="`+html.EscapeString(d)+`"`) {
			t.Errorf("%s: the form lost the company key: %s", c.name, body)
		}
	}
	if _, body := fetch(t, w, plant, "/delegations"); !strings.Contains(body, "No delegations granted yet") {
		t.Errorf("a refused grant took effect: %s", body)
	}

	// A delegation PLANT granted: another company cannot learn it exists
	// (the same page as for no such delegation); the delegate and a plain
	// member of the owner are told they may not.
	res := w.do(request{method: "POST", path: "/api/v1/delegations", token: w.admin["PLANT"], body: map[string]any{"delegate": "NOBODY"}})
	var d struct{ ID string }
	res.json(t, &d)
	shop := signIn(t, w, "admin@shop.example")
	st, foreign, _ := pagePost(t, w, shop, "/delegations", "/delegations/"+d.ID+"/revoke", nil)
	st2, missing, _ := pagePost(t, w, shop, "/delegations", "/delegations/dlg_nosuch/revoke", nil)
	if st != http.StatusNotFound || st2 != http.StatusNotFound || strings.ReplaceAll(foreign, d.ID, "dlg_nosuch") != missing {
		t.Errorf("another company revokes: %d %d\n%s\n%s", st, st2, foreign, missing)
	}
	for _, email := range []string{"admin@nobody.example", "member@plant.example"} {
		st, body, _ := pagePost(t, w, signIn(t, w, email), "/delegations", "/delegations/"+d.ID+"/revoke", url.Values{"back": {"/"}})
		if st != http.StatusForbidden {
			t.Errorf("%s revokes: %d %s", email, st, body)
		}
	}
	if _, body := fetch(t, w, signIn(t, w, "member@plant.example"), "/delegations"); !strings.Contains(section(body, "granted"), "Company NOBODY") ||
		strings.Contains(body, ">Revoke</button>") || !strings.Contains(body, "by admin@plant.example") {
		t.Errorf("a plain member of the owner sees the grants without Revoke buttons: %s", body)
	}
	if st := status(t, w, signIn(t, w, "member@nobody.example"), "/entitlements/S-100"); st != http.StatusOK {
		t.Errorf("the refused revocations took effect: %d", st)
	}
}

// TestOrdersPage: the PO lookup of the purchasing entity shows the order's
// details, lines and total (R2), without the owner or the site (R4); any
// other company's lookup — and a PO that does not exist — is the same 404
// page, PO number aside (R3, R7); the vendor names the purchasing entity.
func TestOrdersPage(t *testing.T) {
	w := newWorld(t)
	north := signIn(t, w, "member@north.example")
	st, body := fetch(t, w, north, "/orders")
	for _, want := range []string{`<h1>Orders</h1>`, `<form method="get" action="/orders"`, `<label for="po">PO number</label>`, `<input id="po" name="po"`,
		`<button type="submit">Look up</button>`, `<h2 id="my-orders-title">Your company's orders</h2>`, `aria-label="Order N-77"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the empty Orders page lacks %s", want)
		}
	}
	if st != http.StatusOK || strings.Contains(body, `id="pe"`) {
		t.Errorf("the empty Orders page: %d %s", st, body)
	}

	st, body = fetch(t, w, north, "/orders?po=N-77")
	lines := section(body, "lines")
	for _, want := range []string{"<h1>Order N-77</h1>", "because your company placed the purchase order", "<dt>Order date</dt><dd>2026-05-02 <span class=\"hint\">(30 days ago)</span>",
		"<dd>EUR</dd>", "<dd>MSA-NORTH</dd>", "Company NORTH", "Company SHOP", "Company FITTER", "Accounts of NORTH, 1 Ledger Street, FR"} {
		if !strings.Contains(body, want) {
			t.Errorf("NORTH's N-77 lacks %s", want)
		}
	}
	for _, want := range []string{`<a href="/entitlements/S-100">S-100</a>`, `<a href="/entitlements/S-101">S-101</a>`, "SKU-S101", "Licence S-101",
		`<td class="num">2</td><td class="num">100.00</td><td class="num">200.00</td>`, "<strong>300.00 EUR</strong>"} {
		if !strings.Contains(lines, want) {
			t.Errorf("NORTH's N-77 lines lack %s", want)
		}
	}
	if st != http.StatusOK || strings.Contains(body, "Site of PLANT") || strings.Contains(body, "Company PLANT") || t.Failed() {
		t.Fatalf("NORTH's N-77: %d %s", st, body)
	}

	// Not the caller's PO, or none at all: one answer.
	notFound := func(c *http.Client, po string) string {
		t.Helper()
		st, body := fetch(t, w, c, "/orders?po="+url.QueryEscape(po))
		want := "No order with PO number " + po + " among your company's purchase orders."
		if st != http.StatusNotFound || !strings.Contains(html.UnescapeString(body), `id="po-error" role="alert">`+want+"</p>") ||
			strings.Contains(body, `id="lines"`) || strings.Contains(body, `id="my-orders"`) {
			t.Errorf("%s: %d %s", po, st, body)
		}
		return strings.ReplaceAll(body, po, "PO")
	}
	for _, email := range []string{"member@shop.example", "admin@plant.example", "member@nobody.example"} {
		c := signIn(t, w, email)
		if notFound(c, "N-77") != notFound(c, "N-99") {
			t.Errorf("%s: N-77 and a PO that does not exist differ", email)
		}
	}
	notFound(north, "N-99")

	// The vendor names the purchasing entity; without it, its own POs.
	maker := signIn(t, w, "admin@maker.example")
	if _, body := fetch(t, w, maker, "/orders"); !strings.Contains(body, `<input id="pe" name="purchasing_entity"`) || !strings.Contains(body, `<label for="pe">`) {
		t.Errorf("the vendor's form: %s", body)
	}
	st, body = fetch(t, w, maker, "/orders?po=N-77&purchasing_entity=NORTH")
	if st != http.StatusOK || !strings.Contains(section(body, "lines"), "<strong>300.00 EUR</strong>") || !strings.Contains(body, "Site of PLANT") ||
		!strings.Contains(body, `name="purchasing_entity" value="NORTH"`) {
		t.Errorf("the vendor's N-77 of NORTH: %d %s", st, body)
	}
	notFound(maker, "N-77")
	if st, body := fetch(t, w, maker, "/orders?po=N-77&purchasing_entity=a+b"); st != http.StatusUnprocessableEntity || !strings.Contains(body, `id="pe-error"`) {
		t.Errorf("a bad purchasing entity: %d %s", st, body)
	}
	if st, body := fetch(t, w, north, "/orders?po="); st != http.StatusUnprocessableEntity || !strings.Contains(body, `id="po-error"`) {
		t.Errorf("an empty PO: %d %s", st, body)
	}
}
