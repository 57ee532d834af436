package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entitle-portal/entitle/internal/accounts"
	"github.com/entitle-portal/entitle/internal/coworkers"
	"github.com/entitle-portal/entitle/internal/mail"
	"github.com/entitle-portal/entitle/internal/policy/policytest"
	"github.com/entitle-portal/entitle/internal/ratelimit"
	"github.com/entitle-portal/entitle/internal/web/webtest"
)

// resetLinks returns the reset links in the outbox's mail to each
// recipient, oldest first (the tokens, unescaped).
func resetLinks(t *testing.T, w interface{ server() *testServer }) map[string][]string {
	t.Helper()
	ts := w.server()
	ts.svc.Accounts.Wait()
	files, err := filepath.Glob(filepath.Join(ts.outbox, "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	link := regexp.MustCompile(`http://portal\.example/password/reset\?token=([A-Za-z0-9_%=-]+)`)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		unfolded := strings.ReplaceAll(strings.ReplaceAll(string(data), "=\r\n", ""), "=3D", "=")
		m := link.FindStringSubmatch(unfolded)
		if m == nil {
			continue
		}
		to := regexp.MustCompile(`(?m)^To: <?([^>\r\n]+)`).FindStringSubmatch(unfolded)
		token, err := url.QueryUnescape(m[1])
		if err != nil || to == nil {
			t.Fatalf("reset mail %s: %v\n%s", f, err, data)
		}
		out[to[1]] = append(out[to[1]], token)
	}
	return out
}

func (ts *testServer) server() *testServer { return ts }

func forgot(w *world, email string) response {
	return w.do(request{method: "POST", path: "/api/v1/password/forgot", body: map[string]string{"email": email}})
}

// TestForgotPassword: "forgot password" answers the same to an address with
// an account and to one without; only the first gets a mail, with a link
// that works once, for an hour, and ends every session of the user.
func TestForgotPassword(t *testing.T) {
	w := newWorld(t)
	old := w.browser()
	if res := login(w, old, "member@shop.example", testPassword); res.status != http.StatusOK {
		t.Fatalf("login: %d %s", res.status, res.body)
	}
	known, unknown := forgot(w, "Member@Shop.example"), forgot(w, "nobody@shop.example")
	if known.status != http.StatusAccepted || unknown.status != known.status || string(unknown.body) != string(known.body) {
		t.Fatalf("forgot: known %d %s, unknown %d %s: want the same 202", known.status, known.body, unknown.status, unknown.body)
	}
	for _, h := range []string{"Content-Type", "Cache-Control", "Set-Cookie", "Retry-After"} {
		if known.header.Get(h) != unknown.header.Get(h) {
			t.Errorf("header %s: %q for the known address, %q for the unknown", h, known.header.Get(h), unknown.header.Get(h))
		}
	}
	links := resetLinks(t, w)
	if len(links) != 1 || len(links["member@shop.example"]) != 1 {
		t.Fatalf("reset mails: %v, want one to member@shop.example", links)
	}
	token := links["member@shop.example"][0]

	// The page behind the link.
	page := w.do(request{method: "GET", path: "/password/reset?token=" + url.QueryEscape(token), client: w.browser()})
	if page.status != http.StatusOK || !strings.Contains(string(page.body), "Set a new password") {
		t.Errorf("reset page: %d", page.status)
	}
	reset := func(token, password string) response {
		return w.do(request{method: "POST", path: "/api/v1/password/reset", body: map[string]string{"token": token, "password": password}})
	}
	// A guessable password is refused, saying why, and the link still works.
	if res := reset(token, "aaaaaaaaaaaa"); res.status != http.StatusUnprocessableEntity || !strings.Contains(string(res.body), "too easy to guess") {
		t.Errorf("guessable password: %d %s", res.status, res.body)
	}
	if res := reset(token, "member@shop.example and more"); res.status != http.StatusUnprocessableEntity || !strings.Contains(string(res.body), "email address") {
		t.Errorf("password with the email: %d %s", res.status, res.body)
	}
	if res := reset("not-a-token", "a new and long password"); res.status != http.StatusGone || !strings.Contains(string(res.body), "not valid") {
		t.Errorf("unknown link: %d %s", res.status, res.body)
	}
	if res := reset(token, "a new and long password"); res.status != http.StatusOK {
		t.Fatalf("reset: %d %s", res.status, res.body)
	}
	// Once only; every session ended; the new password signs in, the old
	// one no more.
	if res := reset(token, "yet another long password"); res.status != http.StatusGone || !strings.Contains(string(res.body), "used already") {
		t.Errorf("second use: %d %s", res.status, res.body)
	}
	if res := w.do(request{method: "GET", path: "/api/v1/me", client: old}); res.status != http.StatusUnauthorized {
		t.Errorf("the session of before the reset: %d", res.status)
	}
	if res := login(w, w.browser(), "member@shop.example", testPassword); res.status != http.StatusUnauthorized {
		t.Errorf("the old password: %d", res.status)
	}
	if res := login(w, w.browser(), "member@shop.example", "a new and long password"); res.status != http.StatusOK {
		t.Errorf("the new password: %d %s", res.status, res.body)
	}
	// API tokens keep working (the Account page lists them).
	if res := w.get("/api/v1/me", w.member["SHOP"]); res.status != http.StatusOK {
		t.Errorf("the member's API token after the reset: %d", res.status)
	}
	// An hour, not more.
	forgot(w, "admin@shop.example")
	late := resetLinks(t, w)["admin@shop.example"]
	if len(late) != 1 {
		t.Fatalf("reset mails to the admin: %v", late)
	}
	w.clock.Advance(accounts.DefaultResetTTL + time.Second)
	if res := reset(late[0], "a new and long password"); res.status != http.StatusGone || !strings.Contains(string(res.body), "expired") {
		t.Errorf("a link after an hour: %d %s", res.status, res.body)
	}
	// Audited: the request (also for the unknown address), the reset.
	events, err := w.db.AuditEvents(context.Background(), "", 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range events {
		if strings.HasPrefix(ev.Action, "password.") {
			got = append(got, ev.Action+" "+ev.Object+" "+ev.Company+" "+ev.Outcome)
		}
	}
	for _, want := range []string{"password.forgot member@shop.example SHOP ok", "password.forgot nobody@shop.example  unknown_email",
		"password.reset  SHOP ok"} {
		if !strings.Contains(strings.Join(got, "\n"), want) {
			t.Errorf("audit: no %q in\n%s", want, strings.Join(got, "\n"))
		}
	}
	// A malformed address is refused, alike for everybody.
	if res := forgot(w, "Bob <bob@shop.example>"); res.status != http.StatusUnprocessableEntity {
		t.Errorf("malformed address: %d %s", res.status, res.body)
	}
}

// blockingMailer holds every message until released.
type blockingMailer struct {
	release chan struct{}
	mu      sync.Mutex
	sent    []mail.Message
}

func (b *blockingMailer) Send(ctx context.Context, m mail.Message) error {
	select {
	case <-b.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	b.mu.Lock()
	b.sent = append(b.sent, m)
	b.mu.Unlock()
	return nil
}

// TestForgotPasswordAnswersBeforeLooking: the answer does not wait for the
// address to be looked up or the mail to go: with the mail server stuck,
// the answer for an address with an account comes at once, as for one
// without — the same work in the request, whatever the address.
func TestForgotPasswordAnswersBeforeLooking(t *testing.T) {
	bm := &blockingMailer{release: make(chan struct{})}
	w := newWorldWith(t, func(o *webtest.Options) { o.Mailer = bm })
	done := make(chan response, 1)
	go func() { done <- forgot(w, "member@shop.example") }()
	select {
	case res := <-done:
		if res.status != http.StatusAccepted {
			t.Errorf("forgot: %d %s", res.status, res.body)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the answer waits for the mail")
	}
	close(bm.release)
	w.svc.Accounts.Wait()
	bm.mu.Lock()
	defer bm.mu.Unlock()
	if len(bm.sent) != 1 || bm.sent[0].To[0] != "member@shop.example" || !strings.Contains(bm.sent[0].Text, "/password/reset?token=") {
		t.Errorf("sent %+v", bm.sent)
	}
}

// TestForgotPasswordRateLimited: the limits per address asked for and per
// client count every request, alike for known and unknown addresses.
func TestForgotPasswordRateLimited(t *testing.T) {
	limits := accounts.DefaultLimits
	limits.ForgotPerAccount = ratelimit.Limit{N: 2, Per: time.Hour}
	limits.ForgotPerAddress = ratelimit.Limit{N: 5, Per: time.Hour}
	w := newWorldWith(t, func(o *webtest.Options) { o.LoginLimits = &limits })
	for _, email := range []string{"member@shop.example", "nobody@shop.example"} {
		for i := range 3 {
			res := forgot(w, email)
			want := http.StatusAccepted
			if i == 2 {
				want = http.StatusTooManyRequests
			}
			if res.status != want || (want == http.StatusTooManyRequests && res.header.Get("Retry-After") == "") {
				t.Errorf("%s, request %d: %d %s, want %d", email, i+1, res.status, res.body, want)
			}
		}
	}
	// 4 accepted and 2 refused from this client: one more is accepted, then
	// the client's limit holds for any address.
	if res := forgot(w, "third@shop.example"); res.status != http.StatusAccepted {
		t.Errorf("fifth: %d", res.status)
	}
	if res := forgot(w, "fourth@shop.example"); res.status != http.StatusTooManyRequests || !strings.Contains(string(res.body), "from your address") {
		t.Errorf("sixth: %d %s", res.status, res.body)
	}
}

// TestTokenLinksRateLimited: reset and invitation links that do not work
// count against the client's limit, as failed sign-ins do; past it even a
// working link is refused for a while.
func TestTokenLinksRateLimited(t *testing.T) {
	limits := accounts.DefaultLimits
	limits.PerAddress = ratelimit.Limit{N: 3, Per: 15 * time.Minute}
	w := newWorldWith(t, func(o *webtest.Options) {
		o.LoginLimits = &limits
		il := coworkers.DefaultLimits
		il.AcceptPerAddress = ratelimit.Limit{N: 3, Per: 15 * time.Minute}
		o.InviteLimits = &il
	})
	for i := range 4 {
		res := w.do(request{method: "POST", path: "/api/v1/password/reset", body: map[string]string{"token": "wrong", "password": "a long enough password"}})
		want := http.StatusGone
		if i == 3 {
			want = http.StatusTooManyRequests
		}
		if res.status != want {
			t.Errorf("reset %d: %d %s, want %d", i+1, res.status, res.body, want)
		}
		res = w.do(request{method: "POST", path: "/api/v1/invitations/accept", body: map[string]string{"token": "wrong", "name": "N", "password": "a long enough password"}})
		if res.status != want {
			t.Errorf("accept %d: %d %s, want %d", i+1, res.status, res.body, want)
		}
	}
	w.clock.Advance(31 * time.Minute)
	if res := w.do(request{method: "POST", path: "/api/v1/password/reset", body: map[string]string{"token": "wrong", "password": "a long enough password"}}); res.status != http.StatusGone {
		t.Errorf("after the window: %d", res.status)
	}
}

// TestChangePassword: a signed-in user changes the password with the
// current one; the other sessions end, this one lives on.
func TestChangePassword(t *testing.T) {
	w := newWorld(t)
	here, there := w.browser(), w.browser()
	for _, c := range []*http.Client{here, there} {
		if res := login(w, c, "member@shop.example", testPassword); res.status != http.StatusOK {
			t.Fatalf("login: %d", res.status)
		}
	}
	change := func(current, next string) response {
		return w.do(request{method: "POST", path: "/api/v1/password", client: here, body: map[string]string{"current_password": current, "new_password": next}})
	}
	for _, tc := range []struct{ current, next, why string }{
		{"wrong password!", "a new and long password", "not your password now"},
		{testPassword, testPassword, "must differ"},
		{testPassword, "Password123!", "too easy to guess"},
		{testPassword, "short", "at least 12 characters"},
		{"", "a new and long password", "current_password"},
	} {
		if res := change(tc.current, tc.next); res.status != http.StatusUnprocessableEntity || !strings.Contains(string(res.body), tc.why) {
			t.Errorf("change %q → %q: %d %s, want 422 %q", tc.current, tc.next, res.status, res.body, tc.why)
		}
	}
	if res := change(testPassword, "a new and long password"); res.status != http.StatusNoContent {
		t.Fatalf("change: %d %s", res.status, res.body)
	}
	if res := w.do(request{method: "GET", path: "/api/v1/me", client: here}); res.status != http.StatusOK {
		t.Errorf("this session after the change: %d", res.status)
	}
	if res := w.do(request{method: "GET", path: "/api/v1/me", client: there}); res.status != http.StatusUnauthorized {
		t.Errorf("the other session after the change: %d", res.status)
	}
	if res := login(w, w.browser(), "member@shop.example", "a new and long password"); res.status != http.StatusOK {
		t.Errorf("the new password: %d", res.status)
	}
}

// TestAdminSendsResetLink: an administrator sends a co-worker a reset link;
// a member may not; another company's user does not exist (R7).
func TestAdminSendsResetLink(t *testing.T) {
	w := newWorld(t)
	u, err := w.db.UserByEmail(context.Background(), "member@shop.example")
	if err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/users/" + itoa(u.ID) + "/password-reset"
	if res := w.do(request{method: "POST", path: path, token: w.member["SHOP"]}); res.status != http.StatusForbidden {
		t.Errorf("a member sends: %d %s", res.status, res.body)
	}
	hidden := w.do(request{method: "POST", path: path, token: w.admin["NORTH"]})
	missing := w.do(request{method: "POST", path: "/api/v1/users/987654/password-reset", token: w.admin["NORTH"]})
	if hidden.status != http.StatusNotFound || strings.Replace(string(hidden.body), itoa(u.ID), "987654", 1) != string(missing.body) {
		t.Errorf("another company's admin: %d %s; missing: %s", hidden.status, hidden.body, missing.body)
	}
	if len(resetLinks(t, w)) != 0 {
		t.Fatal("a refused request sent a mail")
	}
	res := w.do(request{method: "POST", path: path, token: w.admin["SHOP"]})
	if res.status != http.StatusAccepted || !strings.Contains(string(res.body), "member@shop.example") {
		t.Fatalf("the admin sends: %d %s", res.status, res.body)
	}
	links := resetLinks(t, w)["member@shop.example"]
	if len(links) != 1 {
		t.Fatalf("mails: %v", links)
	}
	if res := w.do(request{method: "POST", path: "/api/v1/password/reset", body: map[string]string{"token": links[0], "password": "a new and long password"}}); res.status != http.StatusOK {
		t.Errorf("the link: %d %s", res.status, res.body)
	}
}

// TestOwnTokens: a user makes personal API tokens that expire, lists them
// (never the token again) and revokes them — with a session: no token may —
// and another user's token does not exist for it.
func TestOwnTokens(t *testing.T) {
	w := newWorld(t)
	ms, as := w.session(t, "member@shop.example"), w.session(t, "admin@shop.example")
	res := w.do(request{method: "POST", path: "/api/v1/me/tokens", client: ms, body: map[string]any{"name": "ERP sync", "expires_in_days": 1}})
	var made struct {
		ID        int64
		Name      string
		Token     string
		ExpiresAt time.Time `json:"expires_at"`
	}
	if res.status != http.StatusCreated || json.Unmarshal(res.body, &made) != nil || !strings.HasPrefix(made.Token, "ent_") {
		t.Fatalf("create: %d %s", res.status, res.body)
	}
	if !made.ExpiresAt.Equal(w.clock.Now().Add(24 * time.Hour)) {
		t.Errorf("expires %v, want a day from now", made.ExpiresAt)
	}
	if me := w.get("/api/v1/me", made.Token); me.status != http.StatusOK || !strings.Contains(string(me.body), "member@shop.example") {
		t.Errorf("the new token: %d %s", me.status, me.body)
	}
	list := w.get("/api/v1/me/tokens", w.member["SHOP"])
	if list.status != http.StatusOK || strings.Contains(string(list.body), made.Token) || !strings.Contains(string(list.body), `"ERP sync"`) {
		t.Errorf("list: %d %s", list.status, list.body)
	}
	for _, bad := range []map[string]any{{"name": ""}, {"name": "x", "expires_in_days": 367}, {"name": "x", "expires_in_days": -1},
		{"name": strings.Repeat("x", 101)}, {"name": "a\nb"}} {
		if res := w.do(request{method: "POST", path: "/api/v1/me/tokens", client: ms, body: bad}); res.status != http.StatusUnprocessableEntity {
			t.Errorf("create %v: %d %s", bad, res.status, res.body)
		}
	}
	// Another user's token, as a token that does not exist.
	other := w.do(request{method: "DELETE", path: "/api/v1/me/tokens/" + itoa(made.ID), client: as})
	missing := w.do(request{method: "DELETE", path: "/api/v1/me/tokens/987654", client: as})
	if other.status != http.StatusNotFound || strings.Replace(string(other.body), itoa(made.ID), "987654", 1) != string(missing.body) {
		t.Errorf("another user's token: %d %s; missing %s", other.status, other.body, missing.body)
	}
	// Expired after a day.
	w.clock.Advance(24*time.Hour + time.Second)
	if me := w.get("/api/v1/me", made.Token); me.status != http.StatusUnauthorized || !strings.Contains(string(me.body), "expired") {
		t.Errorf("the token after a day: %d %s", me.status, me.body)
	}
	// Revoked at once (signed in again: the session ended in the day).
	ms = w.session(t, "member@shop.example")
	res = w.do(request{method: "POST", path: "/api/v1/me/tokens", client: ms, body: map[string]any{"name": "laptop"}})
	if err := json.Unmarshal(res.body, &made); err != nil || res.status != http.StatusCreated {
		t.Fatalf("create: %d %s", res.status, res.body)
	}
	if !made.ExpiresAt.Equal(w.clock.Now().Add(accounts.DefaultTokenTTL)) {
		t.Errorf("default expiry %v", made.ExpiresAt)
	}
	if res := w.do(request{method: "DELETE", path: "/api/v1/me/tokens/" + itoa(made.ID), client: ms}); res.status != http.StatusNoContent {
		t.Errorf("revoke: %d %s", res.status, res.body)
	}
	if me := w.get("/api/v1/me", made.Token); me.status != http.StatusUnauthorized {
		t.Errorf("the revoked token: %d", me.status)
	}
}

// TestOwnSessions: a user sees its sessions — which is this one, from
// where — signs one out, or every other.
func TestOwnSessions(t *testing.T) {
	w := newWorld(t)
	a, b, c := w.browser(), w.browser(), w.browser()
	for _, cl := range []*http.Client{a, b, c} {
		if res := login(w, cl, "member@shop.example", testPassword); res.status != http.StatusOK {
			t.Fatalf("login: %d", res.status)
		}
	}
	type sess struct {
		ID        string
		Current   bool
		Address   string
		UserAgent string `json:"user_agent"`
	}
	list := func(cl *http.Client) []sess {
		res := w.do(request{method: "GET", path: "/api/v1/me/sessions", client: cl})
		var out struct{ Items []sess }
		if res.status != http.StatusOK || json.Unmarshal(res.body, &out) != nil {
			t.Fatalf("sessions: %d %s", res.status, res.body)
		}
		return out.Items
	}
	ss := list(a)
	current := 0
	for _, s := range ss {
		if s.Current {
			current++
		}
		if s.Address != "127.0.0.1" || s.UserAgent == "" {
			t.Errorf("session %+v: where from?", s)
		}
	}
	if len(ss) != 3 || current != 1 {
		t.Fatalf("sessions %+v: want 3, one current", ss)
	}
	// Sign out b's session from a.
	var bID string
	for _, s := range list(b) {
		if s.Current {
			bID = s.ID
		}
	}
	if res := w.do(request{method: "DELETE", path: "/api/v1/me/sessions/" + bID, client: a}); res.status != http.StatusNoContent {
		t.Fatalf("end session: %d %s", res.status, res.body)
	}
	if res := w.do(request{method: "GET", path: "/api/v1/me", client: b}); res.status != http.StatusUnauthorized {
		t.Errorf("b after it was signed out: %d", res.status)
	}
	// Another user's session does not exist for it.
	if res := w.do(request{method: "DELETE", path: "/api/v1/me/sessions/" + list(c)[0].ID, client: w.session(t, "admin@shop.example")}); res.status != http.StatusNotFound {
		t.Errorf("another user's session: %d", res.status)
	}
	res := w.do(request{method: "POST", path: "/api/v1/me/sessions/end-others", client: a})
	if res.status != http.StatusOK || string(res.body) != `{"ended":1}`+"\n" {
		t.Errorf("end others: %d %s", res.status, res.body)
	}
	if res := w.do(request{method: "GET", path: "/api/v1/me", client: c}); res.status != http.StatusUnauthorized {
		t.Errorf("c after end-others: %d", res.status)
	}
	if got := list(a); len(got) != 1 || !got[0].Current {
		t.Errorf("left: %+v", got)
	}
}

// TestPortalPasswordPages: the portal's forgot and reset pages, and the
// Account page's forms, without a browser.
func TestPortalPasswordPages(t *testing.T) {
	w := newWorld(t)
	form := func(c *http.Client, path string, v url.Values) response {
		return w.do(request{method: "POST", path: path, client: c, body: v.Encode(), header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}})
	}
	c := w.browser()
	if res := w.do(request{method: "GET", path: "/login", client: c}); !strings.Contains(string(res.body), `href="/password/forgot"`) {
		t.Error("the sign-in page has no link to reset a password")
	}
	known := form(c, "/password/forgot", url.Values{"email": {"member@shop.example"}})
	unknown := form(c, "/password/forgot", url.Values{"email": {"nobody@shop.example"}})
	if known.status != http.StatusAccepted || string(known.body) != string(unknown.body) || !strings.Contains(string(known.body), "If an account uses this address") {
		t.Errorf("forgot page: %d / %d", known.status, unknown.status)
	}
	token := resetLinks(t, w)["member@shop.example"][0]
	if res := form(c, "/password/reset", url.Values{"token": {token}, "password": {"aaaaaaaaaaaa"}}); res.status != http.StatusUnprocessableEntity || !strings.Contains(string(res.body), "too easy to guess") {
		t.Errorf("reset page, weak: %d", res.status)
	}
	res := form(c, "/password/reset", url.Values{"token": {token}, "password": {"a new and long password"}})
	if res.status != http.StatusOK || !strings.Contains(string(res.body), "Your new password is set") {
		t.Errorf("reset page: %d %s", res.status, clipBody(res.body))
	}
	if res := form(c, "/password/reset", url.Values{"token": {token}, "password": {"a new and long password"}}); res.status != http.StatusGone {
		t.Errorf("reset page again: %d", res.status)
	}
	// The Account page.
	if res := form(c, "/login", url.Values{"email": {"member@shop.example"}, "password": {"a new and long password"}}); res.status != http.StatusSeeOther {
		t.Fatalf("sign in: %d", res.status)
	}
	page := w.do(request{method: "GET", path: "/account", client: c})
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(string(page.body))
	if page.status != http.StatusOK || csrf == nil || !strings.Contains(string(page.body), "this session") {
		t.Fatalf("account page: %d", page.status)
	}
	res = form(c, "/account/tokens", url.Values{"csrf": {csrf[1]}, "name": {"reporting"}, "expires_in_days": {"30"}, "scope": {"read"}})
	tok := regexp.MustCompile(`id="new-token-value">(ent_[A-Za-z0-9_-]+)<`).FindStringSubmatch(string(res.body))
	if res.status != http.StatusCreated || tok == nil {
		t.Fatalf("create token on the page: %d", res.status)
	}
	if me := w.get("/api/v1/me", tok[1]); me.status != http.StatusOK {
		t.Errorf("the page's token: %d", me.status)
	}
	if again := w.do(request{method: "GET", path: "/account", client: c}); strings.Contains(string(again.body), tok[1]) {
		t.Error("the token is shown again")
	}
	if res := form(c, "/account/password", url.Values{"csrf": {csrf[1]}, "current_password": {"nope nope nope"}, "new_password": {"another long password"}}); res.status != http.StatusUnprocessableEntity {
		t.Errorf("change with a wrong password: %d", res.status)
	}
	if res := form(c, "/account/password", url.Values{"csrf": {csrf[1]}, "current_password": {"a new and long password"}, "new_password": {"another quite long password"}}); res.status != http.StatusSeeOther {
		t.Errorf("change: %d %s", res.status, clipBody(res.body))
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// BenchmarkForgotPassword: the answer to "forgot password" costs the same
// for an address with an account and one without (the lookup and the mail
// happen after it, in the background). Rate limits off: they are the same
// work for both, and would refuse a benchmark.
//
//	go test -run '^$' -bench BenchmarkForgotPassword -benchtime 2000x ./internal/web
func BenchmarkForgotPassword(b *testing.B) {
	limits := accounts.DefaultLimits
	limits.ForgotPerAccount, limits.ForgotPerAddress = ratelimit.Limit{}, ratelimit.Limit{}
	sc, err := policytest.Load("../policy/testdata/basics.txt")
	if err != nil {
		b.Fatal(err)
	}
	ts := newServerWith(b, sc.Now, func(o *webtest.Options) {
		o.LoginLimits = &limits
		o.Mailer = discardMailer{}
	})
	ts.importBatch(sc.Batch(), sc.Delegations)
	ts.user("SHOP", "member@shop.example", false)
	for _, who := range []string{"member@shop.example", "nobody@shop.example"} {
		name := "known"
		if strings.HasPrefix(who, "nobody") {
			name = "unknown"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if res := ts.doAs(b, request{method: "POST", path: "/api/v1/password/forgot", body: map[string]string{"email": who}}); res.status != http.StatusAccepted {
					b.Fatalf("%d %s", res.status, res.body)
				}
			}
			b.StopTimer()
			ts.svc.Accounts.Wait()
		})
	}
}

type discardMailer struct{}

func (discardMailer) Send(context.Context, mail.Message) error { return nil }
