package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/entitle-portal/entitle/internal/accounts"
	"github.com/entitle-portal/entitle/internal/demo"
)

// TestBrowserTwoFactor walks two-factor sign-in in a real browser: the
// customer's administrator sets it up on the account page (the QR code is
// shown, the code is computed from the key the page shows), keeps the
// recovery codes, requires it for the company; a co-worker signing in is
// asked to set it up before the first page; the administrator signs in
// again with the password and a code.
func TestBrowserTwoFactor(t *testing.T) {
	p := newDemoPortal(t)
	admin := p.login(t, "customer admin")
	member := p.user(t, "felix.gruber@grauwald.example")
	if member.Company != admin.Company {
		t.Fatalf("%s and %s are not co-workers", admin.Email, member.Email)
	}
	code := func(secret string) string {
		t.Helper()
		c, err := accounts.TOTPCode(secret, p.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	// The administrator sets it up.
	b := p.newTab(t)
	b.signIn(admin)
	if st := b.open("/account/two-factor"); st != http.StatusOK {
		b.fail("/account/two-factor: status %d", st)
	}
	if s := b.text("#two-factor-status"); !strings.HasPrefix(s, "off") {
		b.fail("status %q, want off", s)
	}
	if st := b.submit(button("Set up two-factor sign-in")); st != http.StatusOK {
		b.fail("set up: status %d", st)
	}
	secret := b.text("#totp-secret")
	if len(secret) != 32 {
		b.fail("no key shown: %q", secret)
	}
	// The QR code is an image the page's policy lets the browser show.
	if w := eval[int](b, `document.querySelector(".totp-key img").naturalWidth`); w < 100 {
		b.fail("the QR code did not load: width %d", w)
	}
	b.shot("two-factor-setup")
	b.fill("confirm-code", code(secret))
	if st := b.submit(button("Turn on")); st != http.StatusOK {
		b.fail("turn on: status %d", st)
	}
	if h := b.text("h1"); h != "Your recovery codes" {
		b.fail("after turning on: heading %q", h)
	}
	if n := eval[int](b, `document.querySelectorAll("#recovery-codes li").length`); n != 10 {
		b.fail("%d recovery codes shown, want 10", n)
	}
	b.shot("two-factor-recovery-codes")
	if st := b.open("/account/two-factor"); st != http.StatusOK {
		b.fail("/account/two-factor: status %d", st)
	}
	if st := b.submit(button("Require two-factor sign-in")); st != http.StatusOK {
		b.fail("require: status %d", st)
	}
	if f := b.text(".flash"); !strings.Contains(f, "now requires two-factor sign-in") {
		b.fail("after requiring: message %q", f)
	}
	b.shot("two-factor-account")

	// A co-worker without it sets it up while signing in.
	m := p.newTab(t)
	signInPassword(m, member)
	if h := m.text("h1"); h != "Set up two-factor sign-in" {
		m.fail("after the password: heading %q, want the set-up", h)
	}
	mSecret := m.text("#totp-secret")
	m.shot("two-factor-signin-setup")
	m.fill("code", "000000")
	if code(mSecret) != "000000" {
		if st := m.submit(button("Turn on and sign in")); st != http.StatusUnauthorized && st != http.StatusUnprocessableEntity {
			m.fail("a wrong code: status %d", st)
		}
		if e := m.text("#code-error"); !strings.Contains(e, "does not match") {
			m.fail("a wrong code: message %q", e)
		}
	}
	m.fill("code", code(mSecret))
	if st := m.submit(button("Turn on and sign in")); st != http.StatusOK {
		m.fail("turn on and sign in: status %d", st)
	}
	if n := eval[int](m, `document.querySelectorAll("#recovery-codes li").length`); n != 10 {
		m.fail("%d recovery codes shown, want 10", n)
	}
	if st := m.submit(`//a[normalize-space()="I have saved them: continue"]`); st != http.StatusOK {
		m.fail("continue: status %d", st)
	}
	if h := m.text("h1"); h != "My entitlements" {
		m.fail("after setting up: heading %q", h)
	}

	// The administrator signs in again: the password, then a code.
	p.clock.Advance(time.Minute) // a new time step: the one used above is spent
	a := p.newTab(t)
	signInPassword(a, admin)
	if h := a.text("h1"); h != "Enter your code" {
		a.fail("after the password: heading %q", h)
	}
	a.shot("two-factor-signin")
	a.fill("code", code(secret))
	if st := a.submit(button("Sign in")); st != http.StatusOK {
		a.fail("sign in with the code: status %d", st)
	}
	if h := a.text("h1"); h != "My entitlements" {
		a.fail("after the code: heading %q", h)
	}
}

// signInPassword submits the sign-in form with u's password (the page
// that follows is the second step's).
func signInPassword(b *tab, u demo.User) {
	b.t.Helper()
	if st := b.open("/login"); st != http.StatusOK {
		b.fail("sign-in page: status %d", st)
	}
	b.fill("email", u.Email)
	b.fill("password", u.Password)
	if st := b.submit(button("Sign in")); st != http.StatusOK {
		b.fail("sign in as %s: status %d", u.Email, st)
	}
	b.who = u.Email
}
