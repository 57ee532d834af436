package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestErrorPagesKeepTheFrame: a page that is not there (404) or not
// allowed (403) keeps a signed-in user's frame — the navigation, their
// name and company, the sign-out form — so they are not left on a bare
// page; signed out, the same pages have none. Their sentences start with a
// capital letter. A hidden entitlement's page and a missing one's stay the
// same but for the ID (R7).
func TestErrorPagesKeepTheFrame(t *testing.T) {
	w := newWorld(t)
	member := vendSignIn(t, w, "member@plant.example")
	frame := []string{`<nav aria-label="Portal">`, `<a href="/orders"`, `action="/logout"`, "Sign out"}
	for _, c := range []struct {
		path, want string
		status     int
	}{
		{"/no-such-page", "There is no page at /no-such-page.", http.StatusNotFound},
		{"/audit", "Only administrators", http.StatusForbidden},
	} {
		st, body := member.get(c.path)
		if st != c.status || !strings.Contains(body, `<p class="error" role="alert">`+c.want) {
			t.Errorf("%s: %d, want %d and %q\n%s", c.path, st, c.status, c.want, body)
		}
		for _, f := range frame {
			if !strings.Contains(body, f) {
				t.Errorf("%s signed in lacks %q of the frame", c.path, f)
			}
		}
	}
	st, body := fetch(t, w, w.browser(), "/no-such-page")
	if st != http.StatusNotFound || strings.Contains(body, `<nav aria-label="Portal">`) || !strings.Contains(body, "There is no page at /no-such-page.") {
		t.Errorf("signed out: %d %s", st, body)
	}

	// NOBODY sees no entitlement of the world: S-100's page and a missing
	// one's are the same page, frame and all.
	nobody := vendSignIn(t, w, "admin@nobody.example")
	st1, hidden := nobody.get("/entitlements/S-100")
	st2, missing := nobody.get("/entitlements/S-999")
	if st1 != http.StatusNotFound || st2 != http.StatusNotFound || strings.ReplaceAll(hidden, "S-100", "S-X") != strings.ReplaceAll(missing, "S-999", "S-X") ||
		!strings.Contains(hidden, `<nav aria-label="Portal">`) {
		t.Errorf("hidden and missing differ: %d %d\n%s\n%s", st1, st2, hidden, missing)
	}
}

// TestInviteFormCancel: once the invite form has been sent back with a
// problem, it offers Cancel, a way back to the empty form; the fresh form
// has nothing to cancel.
func TestInviteFormCancel(t *testing.T) {
	w := newWorld(t)
	c := signIn(t, w, "admin@shop.example")
	if _, page := fetch(t, w, c, "/coworkers"); strings.Contains(page, `id="invite-cancel"`) {
		t.Error("the fresh invite form offers Cancel")
	}
	st, page, _ := cwPost(t, w, c, "/coworkers/invite", url.Values{"email": {"not-an-address"}})
	if st != http.StatusUnprocessableEntity || !strings.Contains(page, `<a href="/coworkers" class="cancel" id="invite-cancel">Cancel</a>`) ||
		!strings.Contains(page, `value="not-an-address"`) {
		t.Errorf("the form sent back: %d\n%s", st, page)
	}
}

// TestFormsOfferCancel: a form with a way back offers Cancel — a link that
// sends nothing — where it leads: on a page of its own always (renew, offer a
// transfer), on a list page once the form is sent back with a problem.
func TestFormsOfferCancel(t *testing.T) {
	w := newWorld(t)
	plant := vendSignIn(t, w, "admin@plant.example")
	vendor := vendSignIn(t, w, "admin@maker.example")
	for _, c := range []struct {
		name string
		b    *vendBrowser
		page string     // the form's page
		post string     // where it posts; "" when Cancel is always there
		form url.Values // a submission sent back with a problem
		link string     // the Cancel link
	}{
		{"renewal request", plant, "/entitlements/S-100/renew", "", nil, `<a href="/entitlements/S-100" class="cancel" id="renew-cancel">Cancel</a>`},
		{"transfer offer", plant, "/entitlements/S-100/renew", "", nil, `<a href="/entitlements/S-100" class="cancel" id="transfer-cancel">Cancel</a>`},
		{"delegation", plant, "/delegations", "/delegations", url.Values{"delegate": {"NOPE"}, "scope": {"all"}},
			`<a href="/delegations" class="cancel" id="grant-cancel">Cancel</a>`},
		{"access request", vendSignIn(t, w, "admin@shop.example"), "/access-requests", "/access-requests", url.Values{"owner": {""}},
			`<a href="/access-requests" class="cancel" id="ask-cancel">Cancel</a>`},
		{"webhook", plant, "/webhooks", "/webhooks", url.Values{"url": {"http://insecure.example/"}, "event": {"entitlement.changed"}},
			`<a href="/webhooks" class="cancel" id="webhook-cancel">Cancel</a>`},
		{"password", plant, "/account", "/account/password", url.Values{"current_password": {"wrong"}, "new_password": {"x"}},
			`<a href="/account" class="cancel" id="password-cancel">Cancel</a>`},
		{"token", plant, "/account", "/account/tokens", url.Values{"name": {""}},
			`<a href="/account" class="cancel" id="token-cancel">Cancel</a>`},
		{"announcement", vendor, "/vendor/announcements", "/vendor/announcements", url.Values{"title": {""}},
			`<a href="/vendor/announcements" class="cancel" id="ann-cancel">Cancel</a>`},
	} {
		st, page := c.b.get(c.page)
		if st != http.StatusOK {
			t.Fatalf("%s: %s: %d", c.name, c.page, st)
		}
		if c.post == "" {
			if !strings.Contains(page, c.link) {
				t.Errorf("%s: no Cancel on its page: want %s", c.name, c.link)
			}
			continue
		}
		if strings.Contains(page, "cancel\"") {
			t.Errorf("%s: the fresh form offers Cancel", c.name)
		}
		st, page, _ = c.b.post(c.post, c.form)
		if st < 400 || st >= 500 || !strings.Contains(page, c.link) {
			t.Errorf("%s sent back: %d, want a problem and %s\n%s", c.name, st, c.link, page)
		}
	}
}
