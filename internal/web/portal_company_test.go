package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/entitle-portal/entitle/internal/web/webtest"
)

// The company pages over HTTP (issue 17): Where to buy, for every
// signed-in company, and the company profile, read by its users and kept by
// its administrators.

// listedPartners are the keys of the partners a Where to buy page lists,
// in its order.
func listedPartners(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<h3 id="partner-([^"]+)-h">`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// companyProfile is GET /api/v1/company as the company's administrator
// (token) reads it.
type companyProfile struct {
	Name         string `json:"name"`
	ContactEmail string `json:"contact_email"`
	ContactPhone string `json:"contact_phone"`
	Website      string `json:"website"`
	Listed       bool   `json:"listed"`
}

func apiProfile(t *testing.T, w *world, token string) companyProfile {
	t.Helper()
	res := w.do(request{method: http.MethodGet, path: "/api/v1/company", token: token})
	if res.status != http.StatusOK {
		t.Fatalf("GET /api/v1/company: %d %s", res.status, res.body)
	}
	var p companyProfile
	res.json(t, &p)
	return p
}

// TestWhereToBuyPage: every signed-in company finds Where to buy in the
// navigation; it lists exactly the partners that chose to be listed, with
// their contacts as links, the vendor aside, and buying direct from the
// vendor at the premium; a partner that lists itself appears there.
func TestWhereToBuyPage(t *testing.T) {
	w := lifecycleWorld(t) // RIVAL is listed; SHOP has contacts but is not
	for _, email := range []string{"member@plant.example", "admin@nobody.example", "member@shop.example", "admin@maker.example"} {
		b := lifeSignIn(t, w, email)
		_, start := b.get("/")
		if !strings.Contains(start, `<a href="/where-to-buy" >Where to buy</a>`) {
			t.Errorf("%s: no Where to buy in the navigation", email)
		}
		st, body := b.get("/where-to-buy")
		if st != http.StatusOK || !strings.Contains(body, "<title>Where to buy · entitle</title>") || !strings.Contains(body, `<a href="/where-to-buy" aria-current="page">Where to buy</a>`) {
			t.Fatalf("%s: %d\n%s", email, st, body)
		}
		if got := listedPartners(body); !slices.Equal(got, []string{"RIVAL"}) {
			t.Errorf("%s: the page lists %v, want [RIVAL]", email, got)
		}
		for _, want := range []string{
			"We recommend buying through a partner", "Rival Resellers", `<dt>Phone</dt><dd><a href="tel:&#43;44%2020%207946%200000">&#43;44 20 7946 0000</a></dd>`,
			`<h2 id="direct-h">Direct from the vendor</h2>`, "<h3>Company MAKER</h3>", "Buying direct from the vendor, at the partner price plus 10 %.",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: the page lacks %q\n%s", email, want, body)
			}
		}
		if main := body[strings.Index(body, `<main`):]; strings.Contains(main, "Company SHOP") || strings.Contains(main, "sales@shop.example") {
			t.Errorf("%s: an unlisted partner is shown", email)
		}
	}

	// SHOP lists itself on its profile page: every company finds it, with
	// its contacts, by name before RIVAL's "Rival Resellers".
	shop := lifeSignIn(t, w, "admin@shop.example")
	if st, _, loc := shop.post("/company", "/company", url.Values{"contact_email": {"sales@shop.example"}, "contact_phone": {""},
		"website": {"https://shop.example"}, "listed": {"true"}}); st != http.StatusSeeOther || loc != "/company" {
		t.Fatalf("list SHOP: %d %s", st, loc)
	}
	_, body := lifeSignIn(t, w, "admin@nobody.example").get("/where-to-buy")
	if got := listedPartners(body); !slices.Equal(got, []string{"SHOP", "RIVAL"}) {
		t.Errorf("after SHOP listed itself: %v", got)
	}
	if !lifeInOrder(body, "Company SHOP", `<a href="mailto:sales@shop.example">sales@shop.example</a>`,
		`<a href="https://shop.example" rel="noopener">https://shop.example</a>`, "Rival Resellers") {
		t.Errorf("SHOP's contacts: %s", body)
	}
	// Its own listing is marked for SHOP.
	if _, own := shop.get("/where-to-buy"); !strings.Contains(own, `Company SHOP <span class="hint">(your company)</span>`) {
		t.Errorf("SHOP's own listing is not marked")
	}
	if st, _ := shop.get("/where-to-buy?x=1"); st != http.StatusUnprocessableEntity {
		t.Errorf("an unknown parameter: %d", st)
	}
}

// TestWhereToBuyPremium: the page states the premium serve was given
// (--direct-premium), and with no partner listed says to buy direct.
func TestWhereToBuyPremium(t *testing.T) {
	w := newWorldWith(t, func(o *webtest.Options) { o.DirectPremium = "12.5" })
	_, body := lifeSignIn(t, w, "member@plant.example").get("/where-to-buy")
	for _, want := range []string{"at the partner price plus 12.5 %.", "No partner is listed yet: you can buy direct from the vendor.",
		"No partner is listed in the directory yet."} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q\n%s", want, body)
		}
	}
}

// TestNoEntitlementsPointToWhereToBuy: a company without entitlements
// finds, on its empty My entitlements, the way to Where to buy, and
// reaches it.
func TestNoEntitlementsPointToWhereToBuy(t *testing.T) {
	w := newWorld(t)
	nobody := lifeSignIn(t, w, "admin@nobody.example")
	_, start := nobody.get("/")
	if !strings.Contains(start, "No entitlements yet") || !strings.Contains(start, `<a href="/where-to-buy" id="empty-where-to-buy">where to buy</a>`) {
		t.Fatalf("the empty list does not point to Where to buy:\n%s", start)
	}
	if st, body := nobody.get("/where-to-buy"); st != http.StatusOK || !strings.Contains(body, "<h1>Where to buy</h1>") {
		t.Errorf("Where to buy: %d", st)
	}
	// A filtered empty list is no invitation to buy.
	if _, body := nobody.get("/?sku=NONE"); strings.Contains(body, `id="empty-where-to-buy"`) {
		t.Error("a filtered empty list points to Where to buy")
	}
}

// TestCompanyProfilePage: an administrator changes the profile through the
// form and sees the change, as the API does; the name stays the vendor's;
// a bad field is shown next to it and changes nothing; a member reads the
// profile without a form, and its post is refused and changes nothing.
func TestCompanyProfilePage(t *testing.T) {
	w := lifecycleWorld(t) // SHOP is a reseller: sales@shop.example, https://shop.example, not listed
	admin := lifeSignIn(t, w, "admin@shop.example")
	st, page := admin.get("/company")
	for _, want := range []string{
		"<title>Company profile · entitle</title>", `<a href="/company" aria-current="page"`,
		"<dt>Name</dt><dd>Company SHOP</dd>", "<dt>Account key</dt><dd>SHOP</dd>", "<dt>Kind</dt><dd>reseller</dd>",
		"are the vendor's record of your company", `<form method="post" action="/company"`,
		`name="contact_email" type="email"`, `value="sales@shop.example"`, `value="https://shop.example"`,
		`<input type="checkbox" id="profile-listed" name="listed" value="true" aria-describedby`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the admin's page lacks %q", want)
		}
	}
	if st != http.StatusOK || strings.Contains(page, `name="name"`) || strings.Contains(page, `id="profile-cancel"`) {
		t.Errorf("the admin's page: %d (a name field, or Cancel on a fresh form)\n%s", st, page)
	}

	// Saved: back to the page with the message; the API agrees.
	st, page = admin.follow("/company", "/company", url.Values{"contact_email": {" Quotes@Shop.example "}, "contact_phone": {"+49 30 555 0100"},
		"website": {"https://shop.example/partners"}, "listed": {"true"}})
	for _, want := range []string{
		`<p class="flash" role="status">The profile of Company SHOP is saved. It is listed under Where to buy.</p>`,
		`value="quotes@shop.example"`, `value="&#43;49 30 555 0100"`, `value="https://shop.example/partners"`, `id="profile-listed" name="listed" value="true" checked`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("after saving, the page lacks %q\n%s", want, page)
		}
	}
	want := companyProfile{Name: "Company SHOP", ContactEmail: "quotes@shop.example", ContactPhone: "+49 30 555 0100", Website: "https://shop.example/partners", Listed: true}
	if got := apiProfile(t, w, w.admin["SHOP"]); st != http.StatusOK || got != want {
		t.Errorf("the API after saving: %+v, want %+v", got, want)
	}

	// A bad address and a bad website: each next to its field, as sent,
	// with Cancel; nothing changes.
	st, page, _ = admin.post("/company", "/company", url.Values{"contact_email": {"not an address"}, "contact_phone": {""},
		"website": {"ftp://shop.example"}})
	for _, want := range []string{
		`<p class="field-error" id="profile-email-error" role="alert">Must be a plain address such as sales@example.com, or empty</p>`,
		`<p class="field-error" id="profile-website-error" role="alert">Must be an http(s):// address of at most 200 characters, or empty</p>`,
		`value="not an address"`, `value="ftp://shop.example"`, `aria-invalid="true" autofocus`,
		`<a href="/company" class="cancel" id="profile-cancel">Cancel</a>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the form sent back lacks %q", want)
		}
	}
	if st != http.StatusUnprocessableEntity || strings.Contains(page, `class="flash"`) || strings.Contains(page, `id="profile-listed" name="listed" value="true" checked`) {
		t.Errorf("the form sent back: %d\n%s", st, page)
	}
	if got := apiProfile(t, w, w.admin["SHOP"]); got != want {
		t.Errorf("a refused form changed the profile: %+v", got)
	}

	// A member reads it, without a form; its post is refused (403).
	member := lifeSignIn(t, w, "member@shop.example")
	st, page = member.get("/company")
	for _, want := range []string{
		`<dt>Contact email</dt><dd><a href="mailto:quotes@shop.example">quotes@shop.example</a></dd>`,
		`<dt>Website</dt><dd><a href="https://shop.example/partners" rel="noopener">https://shop.example/partners</a></dd>`,
		`<dt>Partner directory</dt><dd>listed under <a href="/where-to-buy">Where to buy</a></dd>`,
		"Only your company's administrators can change the profile.",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the member's page lacks %q", want)
		}
	}
	if st != http.StatusOK || strings.Contains(page, `action="/company"`) || strings.Contains(page, "<input") && strings.Contains(page, `name="contact_email"`) {
		t.Errorf("the member's page: %d, with a form\n%s", st, page)
	}
	st, page, _ = member.post("/coworkers", "/company", url.Values{"contact_email": {"member@shop.example"}, "contact_phone": {""}, "website": {""}})
	if st != http.StatusForbidden || !strings.Contains(page, `<p class="error" role="alert">Only administrators of your company may change its profile</p>`) {
		t.Errorf("the member's post: %d\n%s", st, page)
	}
	if got := apiProfile(t, w, w.admin["SHOP"]); got != want {
		t.Errorf("a member's post changed the profile: %+v", got)
	}
}

// TestCompanyFormNeedsTheCSRFToken: the profile form without the session's
// token, or with a forged one, is refused (403) and changes nothing.
func TestCompanyFormNeedsTheCSRFToken(t *testing.T) {
	w := lifecycleWorld(t)
	admin := signIn(t, w, "admin@shop.example")
	before := apiProfile(t, w, w.admin["SHOP"])
	for _, token := range []string{"", "forged"} {
		form := url.Values{"contact_email": {"sneaky@shop.example"}, "contact_phone": {""}, "website": {""}, "listed": {"true"}}
		if token != "" {
			form.Set("csrf", token)
		}
		if st, page, _ := cwPostRaw(t, w, admin, "/company", form); st != http.StatusForbidden || !strings.Contains(page, "This form has expired") {
			t.Errorf("csrf %q: %d\n%s", token, st, page)
		}
	}
	if after := apiProfile(t, w, w.admin["SHOP"]); after != before {
		t.Errorf("the profile changed: %+v, was %+v", after, before)
	}
}

// TestCompanyProfileKinds: a customer's administrator keeps its contacts
// but is offered no listing (a "listed" sent anyway changes nothing); the
// vendor's administrator keeps the vendor's contacts, which Where to buy
// shows as buying direct.
func TestCompanyProfileKinds(t *testing.T) {
	w := lifecycleWorld(t)
	plant := lifeSignIn(t, w, "admin@plant.example")
	_, page := plant.get("/company")
	if strings.Contains(page, `id="profile-listed"`) || !strings.Contains(page, "Only distributors, resellers and MSPs are listed in the partner directory.") {
		t.Errorf("the customer's form offers a listing:\n%s", page)
	}
	if st, page := plant.follow("/company", "/company", url.Values{"contact_email": {"it@plant.example"}, "contact_phone": {""}, "website": {""}, "listed": {"true"}}); st != http.StatusOK ||
		!strings.Contains(page, `<p class="flash" role="status">The profile of Company PLANT is saved.</p>`) {
		t.Errorf("the customer saves: %d\n%s", st, page)
	}
	if got := apiProfile(t, w, w.admin["PLANT"]); got.ContactEmail != "it@plant.example" || got.Listed {
		t.Errorf("the customer's profile: %+v", got)
	}

	maker := lifeSignIn(t, w, "admin@maker.example")
	_, page = maker.get("/company")
	if strings.Contains(page, `id="profile-listed"`) || !strings.Contains(page, "The vendor is not listed in the partner directory: its contacts are the direct option under Where to buy.") {
		t.Errorf("the vendor's form:\n%s", page)
	}
	if st, _ := maker.follow("/company", "/company", url.Values{"contact_email": {"sales@maker.example"}, "contact_phone": {"+49 89 555 7000"}, "website": {""}}); st != http.StatusOK {
		t.Fatalf("the vendor saves: %d", st)
	}
	_, body := lifeSignIn(t, w, "member@nobody.example").get("/where-to-buy")
	direct := body[strings.Index(body, `id="direct"`):]
	if !strings.Contains(direct, `<a href="mailto:sales@maker.example">sales@maker.example</a>`) || !strings.Contains(direct, "&#43;49 89 555 7000") {
		t.Errorf("the direct option lacks the vendor's contacts:\n%s", direct)
	}
	if slices.Contains(listedPartners(body), "MAKER") {
		t.Error("the vendor is listed as a partner")
	}
}
