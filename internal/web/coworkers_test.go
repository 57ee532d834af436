package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/entitle-portal/entitle/internal/accounts"
	"github.com/entitle-portal/entitle/internal/coworkers"
	"github.com/entitle-portal/entitle/internal/mail"
	"github.com/entitle-portal/entitle/internal/mail/mailtest"
	"github.com/entitle-portal/entitle/internal/ratelimit"
	"github.com/entitle-portal/entitle/internal/web/webtest"
)

// linkToken returns the invitation token of the link in a raw message.
func linkToken(t testing.TB, raw string) string {
	t.Helper()
	// Quoted-printable may fold the link: unfold first.
	unfolded := strings.ReplaceAll(strings.ReplaceAll(raw, "=\r\n", ""), "=3D", "=")
	match := regexp.MustCompile(`http://portal\.example/invitations/accept\?token=([A-Za-z0-9_%=-]+)`).FindStringSubmatch(unfolded)
	if match == nil {
		t.Fatalf("no invitation link in\n%s", raw)
	}
	token, err := url.QueryUnescape(match[1])
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// mailbox reads the outbox: new(to) returns the token of the one message
// to that address that arrived since the last call, failing otherwise.
type mailbox struct {
	w    *world
	seen map[string]bool
}

func (m *mailbox) new(t testing.TB, to string) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(m.w.outbox, "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	var tokens []string
	for _, f := range files {
		if m.seen[f] {
			continue
		}
		m.seen[f] = true
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), "\r\nTo: "+to+"\r\n") {
			t.Fatalf("unexpected mail %s:\n%s", f, data)
		}
		tokens = append(tokens, linkToken(t, string(data)))
	}
	if len(tokens) != 1 {
		t.Fatalf("%d new mails to %s, want 1", len(tokens), to)
	}
	return tokens[0]
}

type invitationItem struct {
	ID        int64  `json:"id"`
	Email     string `json:"email"`
	Admin     bool   `json:"admin"`
	Status    string `json:"status"`
	InvitedBy *struct {
		Email string `json:"email"`
	} `json:"invited_by"`
	Mail struct {
		Status   string `json:"status"`
		Attempts int    `json:"attempts"`
		Error    string `json:"error"`
	} `json:"mail"`
}

type userItem struct {
	ID     int64  `json:"id"`
	Email  string `json:"email"`
	Admin  bool   `json:"admin"`
	Status string `json:"status"`
}

func (w *world) inviteAs(t testing.TB, token, email string, admin bool) (response, invitationItem) {
	t.Helper()
	res := w.do(request{method: "POST", path: "/api/v1/invitations", token: token, body: map[string]any{"email": email, "admin": admin}})
	var body struct{ Invitation invitationItem }
	if res.status == http.StatusCreated {
		res.json(t, &body)
	}
	return res, body.Invitation
}

func (w *world) invitations(t testing.TB, token string) []invitationItem {
	t.Helper()
	res := w.get("/api/v1/invitations", token)
	if res.status != http.StatusOK {
		t.Fatalf("list invitations: %d %s", res.status, res.body)
	}
	var page struct{ Items []invitationItem }
	res.json(t, &page)
	return page.Items
}

func (w *world) users(t testing.TB, token string) map[string]userItem {
	t.Helper()
	res := w.get("/api/v1/users", token)
	if res.status != http.StatusOK {
		t.Fatalf("list users: %d %s", res.status, res.body)
	}
	var page struct{ Items []userItem }
	res.json(t, &page)
	out := map[string]userItem{}
	for _, u := range page.Items {
		out[u.Email] = u
	}
	return out
}

func (w *world) accept(token, name string) response {
	return w.do(request{method: "POST", path: "/api/v1/invitations/accept", client: w.browser(),
		body: map[string]string{"token": token, "name": name, "password": "a long enough password"}})
}

func emails(items []invitationItem) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Email)
	}
	slices.Sort(out)
	return out
}

// TestInvitationAdministration: who sees which pending invitations, and who
// may revoke and resend them; a revoked link and a replaced link stop
// working at once, a resent one works.
func TestInvitationAdministration(t *testing.T) {
	w := newWorld(t)
	box := &mailbox{w: w, seen: map[string]bool{}}
	_, a := w.inviteAs(t, w.member["SHOP"], "a@shop.example", false)
	tokenA := box.new(t, "a@shop.example")
	_, b := w.inviteAs(t, w.admin["SHOP"], "b@shop.example", false)
	tokenB := box.new(t, "b@shop.example")
	if a.Status != "pending" || a.Mail.Status != "sent" || a.Mail.Attempts != 1 || a.InvitedBy == nil || a.InvitedBy.Email != "member@shop.example" {
		t.Errorf("invitation as created: %+v", a)
	}

	// An administrator sees every invitation of the company, a member those
	// they sent, another company none.
	if got := emails(w.invitations(t, w.admin["SHOP"])); !slices.Equal(got, []string{"a@shop.example", "b@shop.example"}) {
		t.Errorf("SHOP admin sees %v", got)
	}
	if got := emails(w.invitations(t, w.member["SHOP"])); !slices.Equal(got, []string{"a@shop.example"}) {
		t.Errorf("SHOP member sees %v", got)
	}
	if got := w.invitations(t, w.admin["NORTH"]); len(got) != 0 {
		t.Errorf("NORTH admin sees %v", got)
	}

	revoke := func(token string, id int64) response {
		return w.do(request{method: "DELETE", path: fmt.Sprintf("/api/v1/invitations/%d", id), token: token})
	}
	resend := func(token string, id int64) response {
		return w.do(request{method: "POST", path: fmt.Sprintf("/api/v1/invitations/%d/resend", id), token: token})
	}
	// Another company's invitation does not exist for NORTH: the answer is
	// the one for an invitation that does not exist.
	foreign, missing := revoke(w.admin["NORTH"], a.ID), revoke(w.admin["NORTH"], 999)
	if foreign.status != http.StatusNotFound || strings.Replace(string(foreign.body), strconv.FormatInt(a.ID, 10), "999", 1) != string(missing.body) {
		t.Errorf("foreign revoke: %d %s; missing: %d %s", foreign.status, foreign.body, missing.status, missing.body)
	}
	if res := resend(w.admin["NORTH"], a.ID); res.status != http.StatusNotFound {
		t.Errorf("foreign resend: %d %s", res.status, res.body)
	}
	if res := revoke(w.admin["SHOP"], 0); res.status != http.StatusNotFound {
		t.Errorf("id 0: %d %s", res.status, res.body)
	}
	if res := w.do(request{method: "DELETE", path: "/api/v1/invitations/abc", token: w.admin["SHOP"]}); res.status != http.StatusNotFound {
		t.Errorf("id abc: %d %s", res.status, res.body)
	}
	// A member may not touch a co-worker's invitation.
	if res := revoke(w.member["SHOP"], b.ID); res.status != http.StatusForbidden {
		t.Errorf("member revokes the admin's invitation: %d %s", res.status, res.body)
	}
	if res := resend(w.member["SHOP"], b.ID); res.status != http.StatusForbidden {
		t.Errorf("member resends the admin's invitation: %d %s", res.status, res.body)
	}

	// The member withdraws their own invitation: its link stops working.
	res := revoke(w.member["SHOP"], a.ID)
	var revoked invitationItem
	res.json(t, &revoked)
	if res.status != http.StatusOK || revoked.Status != "revoked" {
		t.Errorf("revoke: %d %s", res.status, res.body)
	}
	if res := revoke(w.member["SHOP"], a.ID); res.status != http.StatusConflict {
		t.Errorf("revoke twice: %d %s", res.status, res.body)
	}
	if res := resend(w.member["SHOP"], a.ID); res.status != http.StatusConflict {
		t.Errorf("resend a revoked invitation: %d %s", res.status, res.body)
	}
	if res := w.accept(tokenA, "A"); res.status != http.StatusGone || !strings.Contains(res.errMessage(), "withdrawn") {
		t.Errorf("accept a revoked invitation: %d %s", res.status, res.body)
	}
	if got := emails(w.invitations(t, w.admin["SHOP"])); !slices.Equal(got, []string{"b@shop.example"}) {
		t.Errorf("after the revocation SHOP admin sees %v", got)
	}

	// Resending, even after expiry: a new link valid for the full period;
	// the old link stops working.
	w.clock.Advance(8 * 24 * time.Hour)
	if got := w.invitations(t, w.admin["SHOP"]); len(got) != 1 || got[0].Status != "expired" {
		t.Errorf("an expired invitation is listed as expired: %+v", got)
	}
	res = resend(w.admin["SHOP"], b.ID)
	var resent struct {
		Message    string
		Invitation invitationItem
	}
	res.json(t, &resent)
	if res.status != http.StatusOK || resent.Invitation.Status != "pending" || resent.Invitation.Mail.Status != "sent" || !strings.Contains(resent.Message, "b@shop.example") {
		t.Errorf("resend: %d %s", res.status, res.body)
	}
	newB := box.new(t, "b@shop.example")
	if newB == tokenB {
		t.Fatal("the resent link carries the old token")
	}
	if res := w.accept(tokenB, "B"); res.status != http.StatusGone {
		t.Errorf("the replaced link: %d %s", res.status, res.body)
	}
	if res := w.accept(newB, "B"); res.status != http.StatusCreated {
		t.Errorf("the new link: %d %s", res.status, res.body)
	}
	if res := resend(w.admin["SHOP"], b.ID); res.status != http.StatusConflict || !strings.Contains(res.errMessage(), "accepted") {
		t.Errorf("resend an accepted invitation: %d %s", res.status, res.body)
	}
	if u, ok := w.users(t, w.member["SHOP"])["b@shop.example"]; !ok || u.Admin || u.Status != "active" {
		t.Errorf("b joined SHOP as a member: %+v", u)
	}
}

// TestInviteAdministrator: only an administrator may invite an
// administrator; the invited one joins as administrator.
func TestInviteAdministrator(t *testing.T) {
	w := newWorld(t)
	box := &mailbox{w: w, seen: map[string]bool{}}
	if res, _ := w.inviteAs(t, w.member["SHOP"], "boss@shop.example", true); res.status != http.StatusForbidden {
		t.Errorf("member invites an administrator: %d %s", res.status, res.body)
	}
	res, inv := w.inviteAs(t, w.admin["SHOP"], "boss@shop.example", true)
	if res.status != http.StatusCreated || !inv.Admin {
		t.Fatalf("admin invites an administrator: %d %s", res.status, res.body)
	}
	if res := w.accept(box.new(t, "boss@shop.example"), "Boss"); res.status != http.StatusCreated || !strings.Contains(string(res.body), `"admin":true`) {
		t.Errorf("accept: %d %s", res.status, res.body)
	}
}

// TestCompanyUsers: members list their co-workers (paged); administrators
// disable, enable, promote and demote them; the last active administrator
// stays; every change is audited.
func TestCompanyUsers(t *testing.T) {
	w := newWorld(t)
	shop := w.users(t, w.member["SHOP"])
	if len(shop) != 2 || !shop["admin@shop.example"].Admin || shop["member@shop.example"].Admin {
		t.Fatalf("SHOP users: %+v", shop)
	}
	for email := range w.users(t, w.member["NORTH"]) {
		if !strings.HasSuffix(email, "@north.example") {
			t.Errorf("NORTH sees %s", email)
		}
	}
	// Paging, with a cursor bound to the company.
	res := w.get("/api/v1/users?limit=1", w.admin["SHOP"])
	var page struct {
		Items      []userItem
		NextCursor string `json:"next_cursor"`
	}
	res.json(t, &page)
	if len(page.Items) != 1 || page.Items[0].Email != "admin@shop.example" || page.NextCursor == "" {
		t.Fatalf("first page: %s", res.body)
	}
	if res := w.get("/api/v1/users?limit=1&cursor="+page.NextCursor, w.admin["NORTH"]); res.status != http.StatusUnprocessableEntity || res.errCode() != "invalid_cursor" {
		t.Errorf("SHOP's cursor used by NORTH: %d %s", res.status, res.body)
	}
	res = w.get("/api/v1/users?limit=1&cursor="+page.NextCursor, w.admin["SHOP"])
	page.Items, page.NextCursor = nil, ""
	res.json(t, &page)
	if len(page.Items) != 1 || page.Items[0].Email != "member@shop.example" || page.NextCursor != "" {
		t.Errorf("second page: %s", res.body)
	}

	member, admin := shop["member@shop.example"], shop["admin@shop.example"]
	patch := func(token string, id int64, body any) response {
		return w.do(request{method: "PATCH", path: fmt.Sprintf("/api/v1/users/%d", id), token: token, body: body})
	}
	// A member's session, to see it end.
	member2 := w.browser()
	if res := login(w, member2, "member@shop.example", testPassword); res.status != http.StatusOK {
		t.Fatalf("login: %d %s", res.status, res.body)
	}
	for _, tc := range []struct {
		name   string
		token  string
		id     int64
		body   any
		status int
	}{
		{"a member may not", w.member["SHOP"], admin.ID, map[string]any{"status": "disabled"}, http.StatusForbidden},
		{"another company's user does not exist", w.admin["NORTH"], member.ID, map[string]any{"status": "disabled"}, http.StatusNotFound},
		{"no change given", w.admin["SHOP"], member.ID, map[string]any{}, http.StatusUnprocessableEntity},
		{"unknown status", w.admin["SHOP"], member.ID, map[string]any{"status": "gone"}, http.StatusUnprocessableEntity},
		{"the last admin may not be demoted", w.admin["SHOP"], admin.ID, map[string]any{"admin": false}, http.StatusForbidden},
		{"the last admin may not be disabled", w.admin["SHOP"], admin.ID, map[string]any{"status": "disabled"}, http.StatusForbidden},
	} {
		if res := patch(tc.token, tc.id, tc.body); res.status != tc.status {
			t.Errorf("%s: %d %s; want %d", tc.name, res.status, res.body, tc.status)
		}
	}
	if res := patch(w.admin["SHOP"], admin.ID, map[string]any{"admin": false}); !strings.Contains(res.errMessage(), "last active administrator") {
		t.Errorf("last admin message: %s", res.body)
	}

	// Disabled: the member's token and session stop working at once.
	res = patch(w.admin["SHOP"], member.ID, map[string]any{"status": "disabled"})
	if res.status != http.StatusOK || !strings.Contains(string(res.body), `"status":"disabled"`) {
		t.Fatalf("disable: %d %s", res.status, res.body)
	}
	if res := w.get("/api/v1/me", w.member["SHOP"]); res.status != http.StatusUnauthorized {
		t.Errorf("a disabled user's token: %d %s", res.status, res.body)
	}
	if res := w.do(request{method: "GET", path: "/api/v1/me", client: member2}); res.status != http.StatusUnauthorized {
		t.Errorf("a disabled user's session: %d %s", res.status, res.body)
	}
	if res := patch(w.admin["SHOP"], member.ID, map[string]any{"status": "active", "admin": true}); res.status != http.StatusOK {
		t.Fatalf("enable and promote: %d %s", res.status, res.body)
	}
	if res := w.get("/api/v1/me", w.member["SHOP"]); res.status != http.StatusOK || !strings.Contains(string(res.body), `"admin":true`) {
		t.Errorf("enabled again, as admin: %d %s", res.status, res.body)
	}
	if res := w.do(request{method: "GET", path: "/api/v1/me", client: member2}); res.status != http.StatusUnauthorized {
		t.Errorf("the session ended by disabling stays ended: %d %s", res.status, res.body)
	}
	// Two admins now: one may step down; then the other is the last.
	if res := patch(w.member["SHOP"], admin.ID, map[string]any{"admin": false}); res.status != http.StatusOK {
		t.Errorf("demote the other admin: %d %s", res.status, res.body)
	}
	if res := patch(w.member["SHOP"], member.ID, map[string]any{"admin": false}); res.status != http.StatusForbidden {
		t.Errorf("the last admin demotes himself: %d %s", res.status, res.body)
	}
	// A change to what the user already is records nothing.
	if res := patch(w.member["SHOP"], admin.ID, map[string]any{"admin": false}); res.status != http.StatusOK {
		t.Errorf("no-op change: %d %s", res.status, res.body)
	}

	var events struct {
		Items []struct{ Action, Actor, Object, Outcome string }
	}
	w.get("/api/v1/audit?limit=500", w.member["SHOP"]).json(t, &events)
	var got []string
	for _, e := range events.Items {
		if strings.HasPrefix(e.Action, "user.") {
			got = append(got, e.Action+" "+e.Object+" by "+e.Actor)
		}
	}
	want := []string{
		"user.disable member@shop.example by admin@shop.example",
		"user.enable member@shop.example by admin@shop.example",
		"user.promote member@shop.example by admin@shop.example",
		"user.demote admin@shop.example by member@shop.example",
	}
	if !slices.Equal(got, want) {
		t.Errorf("audit:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestInvitationOverSMTP: the whole flow through a real SMTP server: the
// invitation mail arrives with a text and an HTML part naming the inviter
// and the company, its link lets the co-worker join.
func TestInvitationOverSMTP(t *testing.T) {
	ms := mailtest.Start(t)
	w := newWorldWith(t, func(c *webtest.Options) {
		c.Mailer = mail.SMTP{Addr: ms.Addr, From: "portal@vendor.example", TLS: mail.TLSNone}
	})
	res, inv := w.inviteAs(t, w.member["SHOP"], "Colleague@Shop.example", false)
	if res.status != http.StatusCreated || inv.Mail.Status != "sent" {
		t.Fatalf("invite: %d %s", res.status, res.body)
	}
	msgs := ms.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages delivered", len(msgs))
	}
	raw := msgs[0]
	for _, want := range []string{"To: colleague@shop.example", "Content-Type: text/plain", "Content-Type: text/html", "member of", "X-Entitle-Invitation: "} {
		if !strings.Contains(strings.ReplaceAll(raw, "=\r\n", ""), want) {
			t.Errorf("the message lacks %q:\n%s", want, raw)
		}
	}
	if res := w.accept(linkToken(t, raw), "Col League"); res.status != http.StatusCreated || !strings.Contains(string(res.body), `"key":"SHOP"`) {
		t.Errorf("accept: %d %s", res.status, res.body)
	}
}

// TestInvitationMailFailures: a refused address fails at once and is shown
// as failed; a busy server is retried in the background until the mail is
// taken; a server that stays busy is given up on; an administrator resends.
func TestInvitationMailFailures(t *testing.T) {
	ms := mailtest.Start(t)
	w := newWorldWith(t, func(c *webtest.Options) {
		c.Mailer = mail.SMTP{Addr: ms.Addr, From: "portal@vendor.example", TLS: mail.TLSNone}
		c.Delivery = coworkers.Delivery{Attempts: 3, Backoff: time.Millisecond}
	})
	find := func(email string) invitationItem {
		for _, it := range w.invitations(t, w.admin["SHOP"]) {
			if it.Email == email {
				return it
			}
		}
		t.Fatalf("no invitation of %s", email)
		return invitationItem{}
	}

	// Refused: failed after one attempt, with the server's answer.
	ms.Set([]string{"gone@shop.example"}, 0)
	res, inv := w.inviteAs(t, w.member["SHOP"], "gone@shop.example", false)
	if res.status != http.StatusCreated || inv.Mail.Status != "failed" || inv.Mail.Attempts != 1 || !strings.Contains(inv.Mail.Error, "550") {
		t.Errorf("refused recipient: %d %s", res.status, res.body)
	}
	w.svc.Coworkers.Wait()
	if got := find("gone@shop.example"); got.Mail.Status != "failed" {
		t.Errorf("listed: %+v", got)
	}
	// The address is fixed on the server's side; the admin resends.
	ms.Set(nil, 0)
	res = w.do(request{method: "POST", path: fmt.Sprintf("/api/v1/invitations/%d/resend", inv.ID), token: w.admin["SHOP"]})
	if res.status != http.StatusOK || !strings.Contains(string(res.body), `"status":"sent"`) {
		t.Errorf("resend: %d %s", res.status, res.body)
	}

	// Busy once: retried in the background, then sent.
	ms.Set(nil, 1)
	_, inv = w.inviteAs(t, w.member["SHOP"], "busy@shop.example", false)
	if inv.Mail.Status != "retrying" || inv.Mail.Attempts != 1 || !strings.Contains(inv.Mail.Error, "451") {
		t.Errorf("first attempt: %+v", inv.Mail)
	}
	w.svc.Coworkers.Wait()
	if got := find("busy@shop.example"); got.Mail.Status != "sent" || got.Mail.Attempts != 2 || got.Mail.Error != "" {
		t.Errorf("after the retry: %+v", got.Mail)
	}

	// Busy for good: given up after the configured attempts.
	ms.Set(nil, 1000)
	_, inv = w.inviteAs(t, w.member["SHOP"], "never@shop.example", false)
	w.svc.Coworkers.Wait()
	if got := find("never@shop.example"); got.Mail.Status != "failed" || got.Mail.Attempts != 3 || !strings.Contains(got.Mail.Error, "451") {
		t.Errorf("given up: %+v", got.Mail)
	}
	if n := len(ms.Messages()); n != 2 {
		t.Errorf("%d messages delivered, want 2 (the resent and the retried one)", n)
	}
}

// TestRateLimits: failed sign-ins per account (known or not, alike) and per
// client address, and invitations per user and per company, are refused
// with 429 and Retry-After once over the limit, and allowed again later.
func TestRateLimits(t *testing.T) {
	per15 := func(n int) ratelimit.Limit { return ratelimit.Limit{N: n, Per: 15 * time.Minute} }
	w := newWorldWith(t, func(c *webtest.Options) {
		c.LoginLimits = &accounts.Limits{PerAccount: per15(3), PerAddress: per15(8)}
		c.InviteLimits = &coworkers.Limits{PerUser: ratelimit.Limit{N: 2, Per: time.Hour}, PerCompany: ratelimit.Limit{N: 3, Per: time.Hour}}
	})
	c := w.browser()
	checkLimited := func(what string, res response, want string) {
		t.Helper()
		retry, err := strconv.Atoi(res.header.Get("Retry-After"))
		if res.status != http.StatusTooManyRequests || res.errCode() != "rate_limited" || err != nil || retry < 1 || retry > 3600 || !strings.Contains(res.errMessage(), want) {
			t.Errorf("%s: %d Retry-After %q %s", what, res.status, res.header.Get("Retry-After"), res.body)
		}
	}
	for range 3 {
		if res := login(w, c, "member@shop.example", "wrong password!"); res.status != http.StatusUnauthorized {
			t.Fatalf("wrong password: %d %s", res.status, res.body)
		}
		if res := login(w, c, "nobody@shop.example", "wrong password!"); res.status != http.StatusUnauthorized {
			t.Fatalf("unknown account: %d %s", res.status, res.body)
		}
	}
	known, unknown := login(w, c, "member@shop.example", testPassword), login(w, c, "nobody@shop.example", testPassword)
	checkLimited("the right password after 3 failures", known, "for this account")
	checkLimited("an unknown account after 3 failures", unknown, "for this account")
	if string(known.body) != string(unknown.body) {
		t.Errorf("a known and an unknown account are told apart:\n%s\n%s", known.body, unknown.body)
	}
	// Another account is not limited by these, until the address is.
	if res := login(w, c, "admin@shop.example", "wrong password!"); res.status != http.StatusUnauthorized {
		t.Errorf("another account: %d %s", res.status, res.body)
	}
	login(w, c, "admin@shop.example", "wrong password!")
	checkLimited("the address after 8 failures", login(w, c, "admin@north.example", testPassword), "from your address")
	// The sign-in form says the same.
	form := url.Values{"email": {"admin@north.example"}, "password": {testPassword}}
	fres := w.do(request{method: "POST", path: "/login", client: c, body: form.Encode(), header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}})
	if fres.status != http.StatusTooManyRequests || fres.header.Get("Retry-After") == "" || !strings.Contains(string(fres.body), "try again in") {
		t.Errorf("sign-in form: %d %s", fres.status, fres.body)
	}
	w.clock.Advance(31 * time.Minute)
	if res := login(w, c, "member@shop.example", testPassword); res.status != http.StatusOK {
		t.Errorf("after the period: %d %s", res.status, res.body)
	}

	// Invitations: 2 per user, 3 per company, an hour.
	for _, e := range []string{"x1@shop.example", "x2@shop.example"} {
		if res, _ := w.inviteAs(t, w.member["SHOP"], e, false); res.status != http.StatusCreated {
			t.Fatalf("invite %s: %d %s", e, res.status, res.body)
		}
	}
	res, _ := w.inviteAs(t, w.member["SHOP"], "x3@shop.example", false)
	checkLimited("a third invitation by one user", res, "invitations from you")
	if res, _ := w.inviteAs(t, w.admin["SHOP"], "y1@shop.example", false); res.status != http.StatusCreated {
		t.Errorf("another user of the company: %d %s", res.status, res.body)
	}
	res, _ = w.inviteAs(t, w.admin["SHOP"], "y2@shop.example", false)
	checkLimited("a fourth invitation by the company", res, "invitations from your company")
	if res, _ := w.inviteAs(t, w.member["NORTH"], "z1@north.example", false); res.status != http.StatusCreated {
		t.Errorf("another company: %d %s", res.status, res.body)
	}
	w.clock.Advance(2 * time.Hour)
	if res, _ := w.inviteAs(t, w.member["SHOP"], "x3@shop.example", false); res.status != http.StatusCreated {
		t.Errorf("after the hour: %d %s", res.status, res.body)
	}
	var events struct {
		Items []struct{ Action, Object, Outcome string }
	}
	w.get("/api/v1/audit?limit=500", w.admin["SHOP"]).json(t, &events)
	limited := 0
	for _, e := range events.Items {
		if e.Action == "invitation.create" && e.Outcome == "rate_limited" {
			limited++
		}
	}
	if limited != 2 {
		t.Errorf("%d rate-limited invitations audited, want 2", limited)
	}
}

// TestClientAddress: behind a trusted proxy the limit counts the address
// the proxy names, and an IPv6 client counts as its /64.
func TestClientAddress(t *testing.T) {
	w := newWorldWith(t, func(c *webtest.Options) {
		c.ClientIPHeader = "X-Forwarded-For"
		c.LoginLimits = &accounts.Limits{PerAddress: ratelimit.Limit{N: 2, Per: time.Hour}}
	})
	try := func(xff string) int {
		body, _ := json.Marshal(map[string]string{"email": "nobody@x.example", "password": "wrong password!"})
		return w.do(request{method: "POST", path: "/api/v1/login", body: body, header: map[string]string{"X-Forwarded-For": xff}}).status
	}
	for _, tc := range []struct {
		xff  string
		want int
	}{
		{"198.51.100.1, 203.0.113.7", 401},
		{"203.0.113.7", 401},
		{"10.0.0.1, 203.0.113.7", 429}, // the proxy's last entry is what counts
		{"203.0.113.8", 401},
		{"2001:db8:1:2::1", 401},
		{"2001:db8:1:2::ffff", 401},
		{"2001:db8:1:2:abcd::1", 429}, // the same /64
		{"2001:db8:1:3::1", 401},
	} {
		if got := try(tc.xff); got != tc.want {
			t.Errorf("X-Forwarded-For %s: %d, want %d", tc.xff, got, tc.want)
		}
	}
}
