package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/entitle-portal/entitle/internal/i18n"
)

// TestBrowserAnnouncementOnSignIn: the vendor posts a webinar through its
// form, with a link text; a visitor's sign-in page shows the banner with
// those words as the link (not the raw address) and no Dismiss.
func TestBrowserAnnouncementOnSignIn(t *testing.T) {
	p := newDemoPortal(t)
	v := p.newTab(t)
	v.signIn(p.login(t, "vendor admin"))
	if st := v.open("/vendor/announcements"); st != http.StatusOK {
		v.fail("announcements: %d", st)
	}
	v.fill("ann-title", "Webinar: licensing in 2027")
	v.fill("ann-text", "Thursday, 15:00 UTC, one hour.")
	v.fill("ann-link", "https://schnellwerk.example/webinar")
	v.fill("ann-link-text", "Register for the webinar")
	v.fill("ann-ends", p.today.AddDays(10).String())
	if st := v.submit(button("Post announcement")); st != http.StatusOK {
		v.fail("post: %d", st)
	}

	b := p.newTab(t)
	if st := b.open("/login"); st != http.StatusOK {
		b.fail("sign-in page: %d", st)
	}
	if h := b.text("aside.banner h2"); h != "Webinar: licensing in 2027" {
		t.Errorf("sign-in page banner: %q", h)
	}
	link := b.text(`aside.banner a[href="https://schnellwerk.example/webinar"]`)
	if link != "Register for the webinar" {
		t.Errorf("the banner's link shows %q, want its link text", link)
	}
	if b.exists("aside.banner form") {
		t.Error("a visitor is offered Dismiss")
	}
	b.shot("login-announcement")
}

// TestBrowserDateFields: a date is typed as every page shows it, YYYY-MM-DD
// (shotAt refuses a date picker on any page): the list filtered by its end
// shows the date typed, and only what ends before it.
func TestBrowserDateFields(t *testing.T) {
	p := newDemoPortal(t)
	b := p.newTab(t)
	b.signIn(p.login(t, "customer admin"))
	before := p.today.AddDays(60).String()
	if ph := b.attr("#f-exp", "placeholder"); ph != "YYYY-MM-DD" {
		t.Errorf("Ends before: placeholder %q", ph)
	}
	b.fill("f-exp", before)
	if st := b.submit(button("Filter")); st != http.StatusOK {
		b.fail("filter: %d", st)
	}
	if v := eval[string](b, `document.getElementById('f-exp').value`); v != before {
		t.Errorf("Ends before shows %q after filtering, want %q", v, before)
	}
	ends := eval[[]string](b, `Array.from(document.querySelectorAll('#entitlements tbody td[data-value^="20"]'), td => td.dataset.value)`)
	if len(ends) == 0 {
		b.fail("nothing ends before %s in the demo channel", before)
	}
	for _, e := range ends {
		if e >= before {
			t.Errorf("%s is listed, ends before %s asked", e, before)
		}
	}
	b.shot("entitlements-ends-before")

	// A date as a browser in America would write it: the page says how to
	// write it, next to the field.
	b.fill("f-exp", "07/01/2026")
	if st := b.submit(button("Filter")); st != http.StatusBadRequest && st != http.StatusUnprocessableEntity {
		t.Errorf("07/01/2026: status %d", st)
	}
	if msg := b.text(`[role="alert"]`); !strings.Contains(msg, "must be a date such as") || !strings.Contains(msg, `"07/01/2026"`) {
		t.Errorf("07/01/2026: %q", msg)
	}
}

// TestBrowserGerman: a user chooses German on the Account page; the next
// pages speak it, still one line of header at 1280 px (shotAt), and the
// choice outlives the session.
func TestBrowserGerman(t *testing.T) {
	p := newDemoPortal(t)
	b := p.newTab(t)
	u := p.login(t, "customer admin")
	b.signIn(u)
	if st := b.open("/account"); st != http.StatusOK {
		b.fail("account: %d", st)
	}
	b.do("choose Deutsch", chromedp.SetValue(chromedp.ID("language"), "de"))
	if st := b.submit(button("Save the language")); st != http.StatusOK {
		b.fail("save the language: %d", st)
	}
	if l := eval[string](b, `document.documentElement.lang`); l != "de" {
		t.Errorf("<html lang=%q> after choosing German", l)
	}
	if f := b.text(".flash"); f != "Das Portal spricht jetzt Deutsch mit Ihnen." {
		t.Errorf("flash: %q", f)
	}
	if st := b.open("/"); st != http.StatusOK {
		b.fail("home: %d", st)
	}
	if h := b.text("h1"); h != "Meine Berechtigungen" {
		t.Errorf("My entitlements in German: heading %q", h)
	}
	b.shot("entitlements-german")
	if st := b.open("/coworkers"); st != http.StatusOK {
		b.fail("co-workers: %d", st)
	}
	b.shot("coworkers-german")

	// A refused form: the service's sentence in German, next to its field.
	if st := b.open("/delegations"); st != http.StatusOK {
		b.fail("delegations: %d", st)
	}
	b.fill("grant-delegate", u.Company)
	b.do("scope: all", chromedp.Click(chromedp.ID("grant-scope-all")))
	if st := b.submit(button("Zugriff gewähren")); st != http.StatusUnprocessableEntity {
		b.fail("grant to itself: %d", st)
	}
	want := i18n.For(i18n.German).Refusal("a company cannot delegate to itself")
	if got := b.text("#grant-delegate-error"); !strings.EqualFold(got, want) || got == "a company cannot delegate to itself" {
		t.Errorf("the refusal in German: %q, want %q", got, want)
	}
	b.shot("delegations-refused-german")

	// Signed out and in again: still German, whatever the browser asks.
	b.openMenu()
	if st := b.submit(button("Abmelden")); st != http.StatusOK {
		b.fail("sign out: %d", st)
	}
	if st := b.open("/login"); st != http.StatusOK {
		b.fail("sign-in page: %d", st)
	}
	b.fill("email", u.Email)
	b.fill("password", u.Password)
	if st := b.submit(button("Sign in")); st != http.StatusOK {
		b.fail("sign in again: %d", st)
	}
	if h := b.text("h1"); h != "Meine Berechtigungen" {
		t.Errorf("after signing in again: heading %q", h)
	}
}
