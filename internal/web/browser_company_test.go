package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestBrowserCompanyPages: the outsider, a company with no entitlement,
// follows its empty My entitlements to Where to buy (the listed partners
// with their contacts, and the vendor direct at the premium); the
// distributor's administrator opens its company's profile from the header,
// has a bad address sent back next to its field, then adds a phone number
// and lists the company in the partner directory, where the outsider then
// finds it.
func TestBrowserCompanyPages(t *testing.T) {
	p := newDemoPortal(t)
	out := p.newTab(t)
	out.signIn(p.login(t, "outsider"))
	if st := out.submit(`#empty-where-to-buy`); st != http.StatusOK || out.text("h1") != "Where to buy" {
		out.fail("Where to buy from the empty list: %d %q", st, out.text("h1"))
	}
	partners := func() string { return out.text("#partners") }
	for _, want := range []string{"Bellerive", "Kesselbach", "Ridgeford", "Tamberlin", "Vanterpool", "renewals@tamberlin.example", "+44 118 496 0321"} {
		if !strings.Contains(partners(), want) {
			out.fail("the partners lack %q: %q", want, partners())
		}
	}
	if strings.Contains(partners(), "Norrvik") || strings.Contains(partners(), "Schnellwerk") {
		out.fail("an unlisted company is listed: %q", partners())
	}
	if d := out.text("#direct"); !strings.Contains(d, "at the partner price plus 10 %") || !strings.Contains(d, "sales@schnellwerk.example") {
		out.fail("the direct option: %q", d)
	}
	out.shot("where-to-buy")

	b := p.newTab(t)
	b.signIn(p.user(t, "sofia.lindqvist@norrvik.example"))
	b.openMenu()
	if st := b.submit(`#me a[href="/company"]`); st != http.StatusOK || b.text("h1") != "Company profile" {
		b.fail("the profile from the header: %d %q", st, b.text("h1"))
	}
	if b.exists("#profile-listed:checked") || b.exists("#profile-cancel") {
		b.fail("Norrvik is listed already, or the fresh form offers Cancel")
	}
	b.fill("profile-email", "not an address")
	if st := b.submit(button("Save the profile")); st != http.StatusUnprocessableEntity ||
		b.text("#profile-email-error") != "Must be a plain address such as sales@example.com, or empty" || !b.exists("#profile-cancel") {
		b.fail("a bad address: %d %q", st, b.text("#profile-email-error"))
	}
	if st := b.submit("#profile-cancel"); st != http.StatusOK || b.exists("#profile-email-error") || b.attr("#profile-email", "value") != "partner.sales@norrvik.example" {
		b.fail("Cancel: %d, the address %q", st, b.attr("#profile-email", "value"))
	}
	b.fill("profile-phone", "+46 8 555 018 99")
	if !eval[bool](b, `(e => e ? (e.click(), e.checked) : false)(document.getElementById("profile-listed"))`) {
		b.fail("could not tick the listing")
	}
	if st := b.submit(button("Save the profile")); st != http.StatusOK ||
		b.text(".flash") != "The profile of Norrvik Distribution AB is saved. It is listed under Where to buy." || !b.exists("#profile-listed:checked") {
		b.fail("save: %d %q", st, b.text(".flash"))
	}
	b.shot("company-profile")

	if st := out.open("/where-to-buy"); st != http.StatusOK || !strings.Contains(partners(), "Norrvik") || !strings.Contains(partners(), "+46 8 555 018 99") {
		out.fail("Norrvik is not listed: %q", partners())
	}
}
