package web_test

import (
	"net/http"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func invite(w *world, token, email string) response {
	return w.do(request{method: "POST", path: "/api/v1/invitations", token: token, body: map[string]string{"email": email}})
}

// TestInvitationOutcomes: the four outcomes of SPEC §4, with their statuses,
// codes and messages word for word.
func TestInvitationOutcomes(t *testing.T) {
	w := newWorld(t)
	const msgInvalid = "You have entered an invalid email address. Please re-enter the email address."
	for _, tc := range []struct {
		token, email string
		status       int
		code, msg    string
	}{
		{w.member["SHOP"], "", 422, "email_required", "Please enter email address"},
		{w.member["SHOP"], "   ", 422, "email_required", "Please enter email address"},
		{w.member["SHOP"], "bob", 422, "invalid_email", "You have entered an invalid email address. Please re-enter the email address."},
		{w.member["SHOP"], "bob@", 422, "invalid_email", "You have entered an invalid email address. Please re-enter the email address."},
		{w.member["SHOP"], "a b@x.com", 422, "invalid_email", "You have entered an invalid email address. Please re-enter the email address."},
		{w.member["SHOP"], "Bob <bob@x.com>", 422, "invalid_email", "You have entered an invalid email address. Please re-enter the email address."},
		{w.member["SHOP"], "bob@x.com, eve@x.com", 422, "invalid_email", "You have entered an invalid email address. Please re-enter the email address."},
		{w.member["SHOP"], "bob@[127.0.0.1]", 422, "invalid_email", "You have entered an invalid email address. Please re-enter the email address."},
		{w.member["SHOP"], "bob@x.com.", 422, "invalid_email", "You have entered an invalid email address. Please re-enter the email address."},
		{w.member["SHOP"], "bob(comment)@x.com", 422, "invalid_email", msgInvalid},
		{w.member["SHOP"], "bob@x.com (Bob)", 422, "invalid_email", msgInvalid},
		{w.member["SHOP"], "\"bob smith\"@x.com", 422, "invalid_email", msgInvalid},
		{w.member["SHOP"], "\"bob\"@x.com", 422, "invalid_email", msgInvalid},
		{w.member["SHOP"], "bob@[IPv6:2001:db8::1]", 422, "invalid_email", msgInvalid},
		{w.member["SHOP"], "bob@x.com\r\nBcc: eve@x.com", 422, "invalid_email", msgInvalid},
		{w.member["SHOP"], "bob\n@x.com", 422, "invalid_email", msgInvalid},
		{w.member["SHOP"], "bob@x..com", 422, "invalid_email", msgInvalid},
		{w.member["SHOP"], "bob@-x.com", 422, "invalid_email", msgInvalid},
		{w.member["SHOP"], "bob@x-.com", 422, "invalid_email", msgInvalid},
		{w.member["SHOP"], "bob@x_y.com", 422, "invalid_email", msgInvalid},
		{w.member["SHOP"], "bob@localhost", 422, "invalid_email", msgInvalid},
		{w.member["SHOP"], ".bob@x.com", 422, "invalid_email", msgInvalid},
		{w.member["SHOP"], "bob.@x.com", 422, "invalid_email", msgInvalid},
		{w.member["SHOP"], "bob..b@x.com", 422, "invalid_email", msgInvalid},
		{w.member["SHOP"], "bob@x.com;eve@x.com", 422, "invalid_email", msgInvalid},
		{w.member["SHOP"], "<bob@x.com>", 422, "invalid_email", msgInvalid},
		{w.member["SHOP"], "bob@@x.com", 422, "invalid_email", msgInvalid},
		{w.member["SHOP"], strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 61) + ".com", 422, "invalid_email", msgInvalid}, // 257 bytes
		{w.member["SHOP"], strings.Repeat("a", 65) + "@x.com", 422, "invalid_email", msgInvalid},                                                                                               // local part over 64
		{w.member["SHOP"], "bob@" + strings.Repeat("x", 64) + ".com", 422, "invalid_email", msgInvalid},                                                                                        // label over 63
		{w.member["SHOP"], " Colleague@Shop.example ", 201, "", "Your invitation was sent. Thanks for sharing the portal with your co-worker."},
		{w.member["SHOP"], "colleague@shop.example", 409, "already_invited", "This co-worker has already been invited to the portal. Please invite another co-worker."},
		// Another company, same address: still one invitation per address.
		{w.admin["NORTH"], "COLLEAGUE@shop.example", 409, "already_invited", "This co-worker has already been invited to the portal. Please invite another co-worker."},
		// An existing user of any company.
		{w.member["SHOP"], "admin@north.example", 409, "already_invited", "This co-worker has already been invited to the portal. Please invite another co-worker."},
	} {
		res := invite(w, tc.token, tc.email)
		msg := res.errMessage()
		if tc.status == 201 {
			var ok struct{ Message string }
			res.json(t, &ok)
			msg = ok.Message
		}
		if res.status != tc.status || res.errCode() != tc.code || msg != tc.msg {
			t.Errorf("invite %q: %d %s; want %d %s %q", tc.email, res.status, res.body, tc.status, tc.code, tc.msg)
		}
	}
}

// outboxMail returns the one message in the outbox and the invitation token
// of its link.
func outboxMail(t *testing.T, w *world) (*mail.Message, string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(w.outbox, "*.eml"))
	if err != nil || len(files) != 1 {
		t.Fatalf("outbox: %v %v", files, err)
	}
	f, err := os.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	m, err := mail.ReadMessage(f)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	// The link is in both parts (quoted-printable may fold it: unfold first).
	unfolded := strings.ReplaceAll(strings.ReplaceAll(string(data), "=\r\n", ""), "=3D", "=")
	match := regexp.MustCompile(`http://portal\.example/invitations/accept\?token=([A-Za-z0-9_%=-]+)`).FindStringSubmatch(unfolded)
	if match == nil {
		t.Fatalf("no invitation link in\n%s", data)
	}
	token, err := url.QueryUnescape(match[1])
	if err != nil {
		t.Fatal(err)
	}
	return m, token
}

// TestInvitationAccept: the invited co-worker follows the mailed link, sets
// a name and password, joins the inviter's company and is signed in; the
// link never works again.
func TestInvitationAccept(t *testing.T) {
	w := newWorld(t)
	if res := invite(w, w.member["SHOP"], "Colleague@Shop.example"); res.status != http.StatusCreated {
		t.Fatalf("invite: %d %s", res.status, res.body)
	}
	m, token := outboxMail(t, w)
	if to := m.Header.Get("To"); !strings.Contains(to, "colleague@shop.example") {
		t.Errorf("To: %q", to)
	}
	if subj := m.Header.Get("Subject"); !strings.Contains(subj, "member invited you") {
		t.Errorf("Subject: %q", subj)
	}
	if len(token) < 43 { // 32 random bytes in base64url
		t.Errorf("token %q is shorter than 256 bits", token)
	}
	// The page behind the link.
	c := w.browser()
	res, err := c.Get(w.srv.URL + "/invitations/accept?token=" + url.QueryEscape(token))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("accept page: %d", res.StatusCode)
	}
	accept := func(c *http.Client, body map[string]string) response {
		return w.do(request{method: "POST", path: "/api/v1/invitations/accept", client: c, body: body})
	}
	// A short password, the email as password, no name: refused, nothing used up.
	for _, bad := range []map[string]string{
		{"token": token, "name": "Col League", "password": "short"},
		{"token": token, "name": "Col League", "password": "colleague@shop.example"},
		{"token": token, "name": " ", "password": "a long enough password"},
		{"token": token, "name": "Col League", "password": "aaaaaaaaaaaa"},
		{"token": token, "name": "Col League", "password": "Password123!"},
	} {
		if res := accept(c, bad); res.status != http.StatusUnprocessableEntity {
			t.Errorf("accept %v: %d %s", bad, res.status, res.body)
		}
	}
	res2 := accept(c, map[string]string{"token": token, "name": "Col League", "password": "a long enough password"})
	if res2.status != http.StatusCreated || !strings.Contains(string(res2.body), `"key":"SHOP"`) {
		t.Fatalf("accept: %d %s", res2.status, res2.body)
	}
	if me := w.do(request{method: "GET", path: "/api/v1/me", client: c}); me.status != http.StatusOK || !strings.Contains(string(me.body), "Col League") {
		t.Errorf("signed in after accepting: %d %s", me.status, me.body)
	}
	// The new co-worker sees what SHOP sees.
	if res := login(w, w.browser(), "colleague@shop.example", "a long enough password"); res.status != http.StatusOK {
		t.Errorf("login as the new user: %d %s", res.status, res.body)
	}
	again := accept(w.browser(), map[string]string{"token": token, "name": "Eve", "password": "another long password"})
	if again.status != http.StatusGone || again.errCode() != "invalid_token" || !strings.Contains(again.errMessage(), "already been used") {
		t.Errorf("second accept: %d %s", again.status, again.body)
	}
	forged := accept(w.browser(), map[string]string{"token": token + "x", "name": "Eve", "password": "another long password"})
	if forged.status != http.StatusGone || !strings.Contains(forged.errMessage(), "not valid") {
		t.Errorf("forged token: %d %s", forged.status, forged.body)
	}
}

// TestInvitationExpiry: a link works for 7 days; after that it is refused,
// and the address can be invited again.
func TestInvitationExpiry(t *testing.T) {
	w := newWorld(t)
	invite(w, w.member["SHOP"], "late@shop.example")
	_, token := outboxMail(t, w)
	w.clock.Advance(7*24*time.Hour + time.Second)
	res := w.do(request{method: "POST", path: "/api/v1/invitations/accept", body: map[string]string{"token": token, "name": "Late", "password": "a long enough password"}})
	if res.status != http.StatusGone || !strings.Contains(res.errMessage(), "expired") {
		t.Errorf("expired: %d %s", res.status, res.body)
	}
	if res := invite(w, w.member["SHOP"], "late@shop.example"); res.status != http.StatusCreated {
		t.Errorf("inviting again after expiry: %d %s", res.status, res.body)
	}
}

// TestConcurrentInvitesAndAccepts: co-workers inviting one address at the
// same instant make exactly one invitation; accepting one token at the same
// instant makes exactly one user.
func TestConcurrentInvitesAndAccepts(t *testing.T) {
	w := newWorld(t)
	const n = 12
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			token := w.member["SHOP"]
			if i%2 == 1 {
				token = w.admin["SHOP"]
			}
			statuses[i] = invite(w, token, "same@shop.example").status
		}()
	}
	wg.Wait()
	if created := count(statuses, http.StatusCreated); created != 1 || count(statuses, http.StatusConflict) != n-1 {
		t.Fatalf("concurrent invites: %v", statuses)
	}
	_, token := outboxMail(t, w)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = w.do(request{method: "POST", path: "/api/v1/invitations/accept",
				body: map[string]string{"token": token, "name": "Same", "password": "a long enough password"}}).status
		}()
	}
	wg.Wait()
	if count(statuses, http.StatusCreated) != 1 || count(statuses, http.StatusGone) != n-1 {
		t.Errorf("concurrent accepts: %v", statuses)
	}
}

func count(xs []int, x int) int {
	n := 0
	for _, v := range xs {
		if v == x {
			n++
		}
	}
	return n
}
