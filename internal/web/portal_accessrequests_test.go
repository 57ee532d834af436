package web_test

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The Access requests pages as a browser sends them: the form and the link
// shown once; a visitor who opens a link signs in and comes back to it; a
// member is told to ask an administrator; the administrator sees what it
// owns (the owned suggestion checked, the others never named) and
// approves; the requester's page shows the answer; a withdrawal.

// arBrowse GETs path with c and returns status, body and Location.
func arBrowse(t *testing.T, w *arWorld, c *http.Client, method, path string, form url.Values) (int, string, string) {
	t.Helper()
	var res *http.Response
	var err error
	if method == http.MethodPost {
		res, err = c.PostForm(w.srv.URL+path, form)
	} else {
		res, err = c.Get(w.srv.URL + path)
	}
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

// arSignIn signs email in through the sign-in form, with next; it returns
// the browser and where it was sent.
func arSignIn(t *testing.T, w *arWorld, c *http.Client, email, next string) string {
	t.Helper()
	st, _, loc := arBrowse(t, w, c, http.MethodPost, "/login", url.Values{"email": {email}, "password": {testPassword}, "next": {next}})
	if st != http.StatusSeeOther {
		t.Fatalf("sign in %s: %d", email, st)
	}
	return loc
}

func arCSRF(t *testing.T, body string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no CSRF token on the page")
	}
	return html.UnescapeString(m[1])
}

func TestAccessRequestPages(t *testing.T) {
	w := newAccessWorld(t, nil)

	// The requester asks through the form; the link is shown once.
	msp := w.browser()
	arSignIn(t, w, msp, "asker@msp.example", "/")
	st, body, _ := arBrowse(t, w, msp, http.MethodGet, "/access-requests", nil)
	if st != http.StatusOK || !strings.Contains(body, `href="/access-requests" aria-current="page"`) || !strings.Contains(body, `id="ask-message"`) {
		t.Fatalf("the page: %d\n%s", st, body)
	}
	csrf := arCSRF(t, body)
	st, body, _ = arBrowse(t, w, msp, http.MethodPost, "/access-requests", url.Values{"csrf": {csrf}, "message": {"Hello"}, "days": {"0"}})
	if st != http.StatusUnprocessableEntity || !strings.Contains(body, `id="ask-error"`) || !strings.Contains(body, "from 1 to 730") {
		t.Errorf("a bad form: %d", st)
	}
	st, body, _ = arBrowse(t, w, msp, http.MethodPost, "/access-requests", url.Values{"csrf": {csrf}, "message": {"We manage your sites now."},
		"days": {"45"}, "subscription_ids": {"SUB-A1, SUB-B1"}})
	if st != http.StatusCreated || !strings.Contains(body, `id="created-link"`) {
		t.Fatalf("create: %d\n%s", st, body)
	}
	i := strings.Index(body, "/access-requests/open?token=")
	link := html.UnescapeString(body[i : i+strings.IndexByte(body[i:], '"')])
	if _, body2, _ := arBrowse(t, w, msp, http.MethodGet, "/access-requests", nil); strings.Contains(body2, link) || !strings.Contains(body2, "open") {
		t.Errorf("the link is shown again, or the request is not listed")
	}

	// A visitor opening the link signs in and comes back to it.
	owner := w.browser()
	st, _, loc := arBrowse(t, w, owner, http.MethodGet, link, nil)
	if st != http.StatusSeeOther || loc != "/login?next="+url.QueryEscape(link) {
		t.Fatalf("a visitor: %d %s", st, loc)
	}
	if back := arSignIn(t, w, owner, "admin@own.example", link); back != link {
		t.Fatalf("after signing in: sent to %q, want %q", back, link)
	}
	st, body, _ = arBrowse(t, w, owner, http.MethodGet, link, nil)
	if st != http.StatusOK || !strings.Contains(body, "Company MSP") || !strings.Contains(body, "We manage your sites now.") || !strings.Contains(body, "45 days") {
		t.Fatalf("the link's page: %d\n%s", st, body)
	}
	for _, want := range []string{`value="SUB-A1" checked`, `value="SUB-A2">`, `value="SUB-D1">`, `name="scope" value="picked" checked`, `max="45"`, `id="decline-reason"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the approval form lacks %q", want)
		}
	}
	if strings.Contains(body, "SUB-B1") || strings.Contains(body, "asker@") {
		t.Errorf("the link's page names a suggestion not owned, or the asker")
	}

	// A member is told to ask an administrator, and gets no form.
	member := w.browser()
	arSignIn(t, w, member, "member@own.example", "/")
	if st, body, _ := arBrowse(t, w, member, http.MethodGet, link, nil); st != http.StatusOK || !strings.Contains(body, "ask one of your administrators") || strings.Contains(body, `name="action"`) {
		t.Errorf("a member's page: %d", st)
	}

	// Approve SUB-A1 and SUB-A2 for 20 days.
	csrf = arCSRF(t, body)
	token := strings.TrimPrefix(link, "/access-requests/open?token=")
	st, _, loc = arBrowse(t, w, owner, http.MethodPost, "/access-requests/open", url.Values{"csrf": {csrf}, "token": {token}, "action": {"approve"},
		"scope": {"picked"}, "subscription_ids": {"SUB-A1", "SUB-A2"}, "days": {"20"}})
	if st != http.StatusSeeOther || loc != "/delegations" {
		t.Fatalf("approve: %d %s", st, loc)
	}
	if st, body, _ := arBrowse(t, w, owner, http.MethodGet, "/delegations", nil); st != http.StatusOK || !strings.Contains(body, "You approved the access request of Company MSP") || !strings.Contains(body, "2 listed entitlements") {
		t.Errorf("the owner's delegations: %d", st)
	}
	st, body, _ = arBrowse(t, w, owner, http.MethodPost, "/access-requests/open", url.Values{"csrf": {csrf}, "token": {token}, "action": {"approve"}})
	if st != http.StatusConflict || !strings.Contains(body, "used already") {
		t.Errorf("approve again: %d", st)
	}

	// The requester sees the answer; it withdraws a second request.
	st, body, _ = arBrowse(t, w, msp, http.MethodGet, "/access-requests", nil)
	if st != http.StatusOK || !strings.Contains(section(body, "sent"), "approved") || !strings.Contains(body, "Company OWN") || strings.Contains(body, "admin@own.example") {
		t.Errorf("the requester's page after the approval: %d", st)
	}
	c, _ := w.ask(t, 10)
	csrf = arCSRF(t, body)
	st, _, loc = arBrowse(t, w, msp, http.MethodPost, "/access-requests/"+itoa(c.ID)+"/withdraw", url.Values{"csrf": {csrf}})
	if st != http.StatusSeeOther || loc != "/access-requests" {
		t.Fatalf("withdraw: %d %s", st, loc)
	}
	if _, body, _ := arBrowse(t, w, msp, http.MethodGet, "/access-requests", nil); !strings.Contains(body, "You withdrew access request "+itoa(c.ID)) || !strings.Contains(body, "withdrawn") {
		t.Errorf("after the withdrawal:\n%s", body)
	}
}
