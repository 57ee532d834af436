package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestBrowserAccount: a user who forgot the password asks for a link from
// the sign-in page, follows the mailed link, is told why a guessable
// password is refused, sets a good one, signs in with it, and on the
// Account page makes an API token (shown once) and revokes it.
func TestBrowserAccount(t *testing.T) {
	p := newDemoPortal(t)
	b := p.newTab(t)
	u := p.login(t, "reseller member")
	if st := b.open("/login"); st != http.StatusOK {
		b.fail("sign-in page: %d", st)
	}
	if st := b.submit(`//a[normalize-space()="Forgot your password?"]`); st != http.StatusOK || b.text("h1") != "Forgot your password?" {
		b.builtYet("/password/forgot")
		b.fail("forgot page: %d %q", st, b.text("h1"))
	}
	b.fill("email", u.Email)
	if st := b.submit(button("Send the link")); st != http.StatusAccepted || !strings.HasPrefix(b.text("#forgot-sent"), "If an account uses this address") {
		b.fail("asked for a link: %d %q", st, b.text("#forgot-sent"))
	}
	b.shot("password-forgot-sent")
	links := resetLinks(t, p.testServer)[u.Email]
	if len(links) != 1 {
		t.Fatalf("reset mails to %s: %v", u.Email, links)
	}
	if st := b.open("/password/reset?token=" + url.QueryEscape(links[0])); st != http.StatusOK || b.text("h1") != "Set a new password" {
		b.fail("reset page: %d %q", st, b.text("h1"))
	}
	b.fill("password", "zxcvbnm,./asdfg")
	if st := b.submit(button("Set the password")); st != http.StatusUnprocessableEntity || !strings.Contains(b.text("#reset-error"), "neighbouring keys") {
		b.fail("a keyboard walk: %d %q", st, b.text("#reset-error"))
	}
	b.shot("password-reset-refused")
	const fresh = "lantern zebra quietly folds"
	b.fill("password", fresh)
	if st := b.submit(button("Set the password")); st != http.StatusOK || b.text("h1") != "Sign in" || !strings.Contains(b.text("#login-notice"), "Your new password is set") {
		b.fail("set the password: %d %q %q", st, b.text("h1"), b.text("#login-notice"))
	}
	u.Password = fresh
	b.signIn(u)

	// The Account page, from the user's menu (their name in the header).
	b.openMenu()
	if st := b.submit(`#me a[href="/account"]`); st != http.StatusOK || b.text("h1") != "Your account" {
		b.fail("account page: %d %q", st, b.text("h1"))
	}
	if !strings.Contains(b.text("#sessions"), "this session") {
		b.fail("the sessions table does not mark this session:\n%s", b.text("#sessions"))
	}
	b.shot("account")
	b.fill("token-name", "reporting script")
	if st := b.submit(button("Create the token")); st != http.StatusCreated {
		b.fail("create a token: %d", st)
	}
	token := b.text("#new-token-value")
	if !strings.HasPrefix(token, "ent_") {
		b.fail("the new token is %q", token)
	}
	if res := p.get("/api/v1/me", token); res.status != http.StatusOK {
		t.Errorf("the token made on the page: %d", res.status)
	}
	if st := b.submit(`#tokens button[aria-label="Revoke the token reporting script"]`); st != http.StatusOK || !strings.Contains(b.text(".flash"), "is revoked") {
		b.fail("revoke: %d %q", st, b.text(".flash"))
	}
	if res := p.get("/api/v1/me", token); res.status != http.StatusUnauthorized {
		t.Errorf("the revoked token: %d", res.status)
	}
	if strings.Contains(b.text("main"), token) {
		t.Error("the token is shown again")
	}
}
