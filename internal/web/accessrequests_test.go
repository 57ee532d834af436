package web_test

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/mail"
	"github.com/entitle-portal/entitle/internal/mail/mailtest"
	"github.com/entitle-portal/entitle/internal/policy/policytest"
	"github.com/entitle-portal/entitle/internal/web/webtest"
)

// Access requests over HTTP (issue 14), on the backend ENTITLE_TEST_BACKEND
// names: an MSP asks by a link, the owner's administrator approves or
// declines, the MSP withdraws one and lets another expire. The world is the
// matrix's orders (OWN owns SUB-A1, SUB-A2 and SUB-D1; DIRECT owns SUB-B1;
// PE and RES own nothing) and the requesting MSP.

type arWorld struct {
	*testServer
	asker, mspOther, mspAdmin, ownAdmin, ownMember, resAdmin, peAdmin string
}

func newAccessWorld(t *testing.T, configure func(*webtest.Options)) *arWorld {
	t.Helper()
	ts := newServerWith(t, testNow, configure)
	sc := policytest.Scenario{Now: testNow, Vendor: "VENDOR", Orders: matrixOrders(), Expects: []policytest.Expect{{Actor: entitle.Actor{Company: "MSP"}}}}
	ts.importBatch(sc.Batch(), nil)
	return &arWorld{testServer: ts,
		asker: ts.user("MSP", "asker@msp.example", false), mspOther: ts.user("MSP", "other@msp.example", false),
		mspAdmin: ts.user("MSP", "admin@msp.example", true), ownAdmin: ts.user("OWN", "admin@own.example", true),
		ownMember: ts.user("OWN", "member@own.example", false), resAdmin: ts.user("RES", "admin@res.example", true),
		peAdmin: ts.user("PE", "admin@pe.example", true)}
}

type arCreated struct {
	ID        int64     `json:"id"`
	Link      string    `json:"link"`
	ExpiresAt time.Time `json:"expires_at"`
}

// ask creates a request as the asker and returns it with its link's secret.
func (w *arWorld) ask(t *testing.T, days int, subs ...string) (arCreated, string) {
	t.Helper()
	body := map[string]any{"message": "We look after your sites since March.", "days": days}
	if subs != nil {
		body["subscription_ids"] = subs
	}
	res := w.do(request{method: http.MethodPost, path: "/api/v1/access-requests", token: w.asker, body: body})
	if res.status != http.StatusCreated {
		t.Fatalf("create: %d %s", res.status, res.body)
	}
	var c arCreated
	res.json(t, &c)
	u, err := url.Parse(c.Link)
	if err != nil || u.Path != "/access-requests/open" || u.Query().Get("token") == "" || !c.ExpiresAt.Equal(testNow.Add(90*24*time.Hour)) {
		t.Fatalf("create: link %q, expires %v", c.Link, c.ExpiresAt)
	}
	return c, u.Query().Get("token")
}

func (w *arWorld) link(tok, secret, action string, body any) response {
	if action == "" {
		return w.do(request{method: http.MethodGet, path: "/api/v1/access-requests/link/" + secret, token: tok})
	}
	return w.do(request{method: http.MethodPost, path: "/api/v1/access-requests/link/" + secret + "/" + action, token: tok, body: body})
}

// requesterView is everything the requesting company's users can read
// that an opening of the link could change.
func (w *arWorld) requesterView() []byte {
	var b bytes.Buffer
	for _, tok := range []string{w.asker, w.mspAdmin} {
		for _, p := range []string{"/api/v1/access-requests?box=sent", "/api/v1/access-requests?box=received", "/api/v1/delegations", "/api/v1/entitlements"} {
			res := w.get(p, tok)
			b.WriteString(p + "\n")
			b.Write(res.body)
		}
	}
	return b.Bytes()
}

func wantStatus2(t *testing.T, what string, res response, status int, contains ...string) {
	t.Helper()
	if res.status != status {
		t.Errorf("%s: %d, want %d: %s", what, res.status, status, res.body)
		return
	}
	for _, c := range contains {
		if !strings.Contains(string(res.body), c) {
			t.Errorf("%s: the answer lacks %q: %s", what, c, res.body)
		}
	}
}

func refuses(t *testing.T, what string, res response, hidden ...string) {
	t.Helper()
	for _, h := range hidden {
		if strings.Contains(string(res.body), h) {
			t.Errorf("%s: the answer names %q: %s", what, h, res.body)
		}
	}
}

// TestAccessRequestApproved: the happy path, with every refusal on the
// way; the requester learns nothing before the approval.
func TestAccessRequestApproved(t *testing.T) {
	w := newAccessWorld(t, nil)
	created, secret := w.ask(t, 60, "SUB-A1", "SUB-B1", "SUB-NONE")
	before := w.requesterView()

	// A member is told to ask an administrator.
	res := w.link(w.ownMember, secret, "", nil)
	wantStatus2(t, "a member opens", res, http.StatusOK, `"may_approve":false`, `"may_decline":false`, "ask one of your administrators", `"name":"Company MSP"`, `"days":60`)
	refuses(t, "a member opens", res, "SUB-A1", "asker@")
	wantStatus2(t, "a member approves", w.link(w.ownMember, secret, "approve", map[string]any{}), http.StatusForbidden, "ask one of your administrators")
	// The requester's own company cannot answer.
	wantStatus2(t, "the requester approves", w.link(w.mspAdmin, secret, "approve", map[string]any{}), http.StatusForbidden, "your company made this request")
	wantStatus2(t, "the requester declines", w.link(w.mspAdmin, secret, "decline", map[string]string{"reason": "x"}), http.StatusForbidden, "your company made this request")
	// A company that owns nothing cannot approve, but may decline.
	res = w.link(w.resAdmin, secret, "", nil)
	wantStatus2(t, "an owner of nothing opens", res, http.StatusOK, `"may_approve":false`, `"may_decline":true`, "owns no entitlements")
	wantStatus2(t, "an owner of nothing approves", w.link(w.resAdmin, secret, "approve", map[string]any{}), http.StatusForbidden, "owns no entitlements")
	// The owner's administrator, by the link's token parameter: only the
	// suggestion it owns is named.
	res = w.do(request{method: http.MethodGet, path: "/api/v1/access-requests/link/open?token=" + url.QueryEscape(secret), token: w.ownAdmin})
	wantStatus2(t, "the owner opens", res, http.StatusOK, `"may_approve":true`, `"may_decline":true`, `"suggested":["SUB-A1"]`)
	refuses(t, "the owner opens", res, "SUB-B1", "SUB-NONE", "asker@")

	// The requester learns nothing: its answers are byte for byte the same.
	if after := w.requesterView(); !bytes.Equal(before, after) {
		t.Errorf("the requester's answers changed when the link was opened:\n%s\n---\n%s", before, after)
	}

	// More days than asked, or none of the picked owned: refused, nothing
	// changes; then approve SUB-A1 (SUB-B1 and SUB-NONE are ignored).
	pick := []string{"SUB-B1", "SUB-NONE", "SUB-A1"}
	wantStatus2(t, "too many days", w.link(w.ownAdmin, secret, "approve", map[string]any{"days": 61, "subscription_ids": pick}), http.StatusUnprocessableEntity, "days")
	res = w.link(w.ownAdmin, secret, "approve", map[string]any{"subscription_ids": []string{"SUB-B1", "SUB-NONE"}})
	wantStatus2(t, "none owned", res, http.StatusUnprocessableEntity, "none of these is an entitlement your company owns")
	refuses(t, "none owned", res, "SUB-B1", "SUB-NONE")
	res = w.link(w.ownAdmin, secret, "approve", map[string]any{"days": 30, "subscription_ids": pick})
	wantStatus2(t, "approve", res, http.StatusOK, `"status":"approved"`, `"delegation_id":"dlg_`, `"decided_by":"admin@own.example"`)
	refuses(t, "approve", res, "SUB-B1", "SUB-NONE", "asker@")

	// Single use.
	wantStatus2(t, "approve again", w.link(w.ownAdmin, secret, "approve", map[string]any{}), http.StatusConflict, "used already")
	res = w.link(w.peAdmin, secret, "", nil)
	wantStatus2(t, "another company opens it afterwards", res, http.StatusConflict, "used already")
	refuses(t, "another company opens it afterwards", res, "OWN", "approved")
	res = w.link(w.peAdmin, secret, "decline", map[string]string{"reason": "no"})
	wantStatus2(t, "another company declines it afterwards", res, http.StatusConflict, "used already")

	// The requester sees the answer and the delegation, as every delegate.
	res = w.get("/api/v1/access-requests?box=sent", w.asker)
	wantStatus2(t, "the requester's list", res, http.StatusOK, `"status":"approved"`, `"decider":{"key":"OWN","name":"Company OWN"}`, `"delegation_id":"dlg_`)
	refuses(t, "the requester's list", res, "admin@own.example")
	res = w.get("/api/v1/delegations", w.asker)
	wantStatus2(t, "the requester's delegations", res, http.StatusOK, `"scope":"listed"`, `"subscription_ids":["SUB-A1"]`, `"status":"active"`)
	wantStatus2(t, "SUB-A1 as a delegate", w.get("/api/v1/entitlements/SUB-A1", w.asker), http.StatusOK, `"access":["delegate"]`)
	wantStatus2(t, "SUB-A2 is not delegated", w.get("/api/v1/entitlements/SUB-A2", w.asker), http.StatusNotFound)
	res = w.get("/api/v1/access-requests?box=received", w.ownMember)
	wantStatus2(t, "the owner's received box", res, http.StatusOK, `"status":"approved"`, `"decided_by":"admin@own.example"`)
	refuses(t, "the owner's received box", res, "asker@", "SUB-B1", "SUB-NONE")

	// The delegation expires after the days given.
	w.clock.Advance(30*24*time.Hour + time.Second)
	wantStatus2(t, "SUB-A1 after the expiry", w.get("/api/v1/entitlements/SUB-A1", w.asker), http.StatusNotFound)

	// Every step is audited, on the side that took it.
	w.clock.Advance(-30*24*time.Hour - time.Second)
	res = w.get("/api/v1/audit?limit=500", w.ownAdmin)
	wantStatus2(t, "the owner's audit", res, http.StatusOK, `"access_request.open"`, `"access_request.approve"`, `"delegation.grant"`)
	res = w.get("/api/v1/audit?limit=500", w.mspAdmin)
	wantStatus2(t, "the requester's audit", res, http.StatusOK, `"access_request.create"`, `"access_request.approve"`)
	refuses(t, "the requester's audit", res, `"access_request.open"`, "admin@own.example")
	_ = created
}

// TestAccessRequestDeclinedWithdrawnExpired: a decline tells the requester
// the company's name and reason only; the asker or its administrator
// withdraws, another member may not, another company finds nothing; an
// unanswered link expires after 90 days.
func TestAccessRequestDeclinedWithdrawnExpired(t *testing.T) {
	w := newAccessWorld(t, nil)

	_, s1 := w.ask(t, 30)
	wantStatus2(t, "decline without a reason", w.link(w.ownAdmin, s1, "decline", map[string]string{"reason": " "}), http.StatusUnprocessableEntity, "reason")
	wantStatus2(t, "a member declines", w.link(w.ownMember, s1, "decline", map[string]string{"reason": "no"}), http.StatusForbidden, "administrator")
	wantStatus2(t, "decline", w.link(w.ownAdmin, s1, "decline", map[string]string{"reason": "We have a partner already."}), http.StatusOK, `"status":"declined"`)
	res := w.get("/api/v1/access-requests?box=sent", w.asker)
	wantStatus2(t, "declined, as the requester sees it", res, http.StatusOK, `"status":"declined"`, `"decider":{"key":"OWN","name":"Company OWN"}`, `"reason":"We have a partner already."`)
	refuses(t, "declined, as the requester sees it", res, "admin@own.example", "delegation_id")
	wantStatus2(t, "no delegation", w.get("/api/v1/delegations", w.asker), http.StatusOK, `"received":[]`)

	// Withdraw.
	c2, s2 := w.ask(t, 30)
	w.link(w.ownAdmin, s2, "", nil) // opened: OWN's administrators are told of the withdrawal
	id := "/api/v1/access-requests/" + itoa(c2.ID) + "/withdraw"
	wantStatus2(t, "another member withdraws", w.do(request{method: http.MethodPost, path: id, token: w.mspOther}), http.StatusForbidden, "only the user who asked")
	hidden := w.do(request{method: http.MethodPost, path: id, token: w.ownAdmin})
	missing := w.do(request{method: http.MethodPost, path: "/api/v1/access-requests/987654321/withdraw", token: w.ownAdmin})
	if hidden.status != http.StatusNotFound || !bytes.Equal(bytes.ReplaceAll(hidden.body, []byte(itoa(c2.ID)), []byte("987654321")), missing.body) {
		t.Errorf("another company withdraws: %d %s; a missing one: %s", hidden.status, hidden.body, missing.body)
	}
	wantStatus2(t, "the administrator withdraws", w.do(request{method: http.MethodPost, path: id, token: w.mspAdmin}), http.StatusOK, `"status":"withdrawn"`, `"decided_by":"admin@msp.example"`)
	wantStatus2(t, "withdraw again", w.do(request{method: http.MethodPost, path: id, token: w.asker}), http.StatusConflict, "withdrawn already")
	wantStatus2(t, "the link after a withdrawal", w.link(w.ownAdmin, s2, "", nil), http.StatusConflict, "withdrawn")
	res = w.get("/api/v1/access-requests?box=received", w.ownAdmin)
	wantStatus2(t, "the opener's box", res, http.StatusOK, `"status":"withdrawn"`)
	refuses(t, "the opener's box", res, "admin@msp.example", "asker@")

	// Expire.
	c3, s3 := w.ask(t, 10)
	w.clock.Advance(90 * 24 * time.Hour)
	wantStatus2(t, "the link at its expiry", w.link(w.ownAdmin, s3, "", nil), http.StatusConflict, "expired on")
	wantStatus2(t, "approve after the expiry", w.link(w.ownAdmin, s3, "approve", map[string]any{}), http.StatusConflict, "expired on")
	res = w.get("/api/v1/access-requests?box=sent", w.asker)
	wantStatus2(t, "expired, as the requester sees it", res, http.StatusOK, `"status":"expired"`)
	wantStatus2(t, "withdraw an expired one", w.do(request{method: http.MethodPost, path: "/api/v1/access-requests/" + itoa(c3.ID) + "/withdraw", token: w.asker}),
		http.StatusConflict, "expired already")
	wantStatus2(t, "the expired refusals are audited", w.get("/api/v1/audit?limit=500", w.ownAdmin), http.StatusOK, `"access_request.expired"`)

	// Bad input changes nothing.
	for _, body := range []map[string]any{{"message": "", "days": 5}, {"message": "x", "days": 0}, {"message": "x", "days": 731},
		{"message": "x", "days": 5, "subscription_ids": []string{"not a key"}}} {
		wantStatus2(t, "create a bad request", w.do(request{method: http.MethodPost, path: "/api/v1/access-requests", token: w.asker, body: body}), http.StatusUnprocessableEntity)
	}
	wantStatus2(t, "a link that is none", w.link(w.ownAdmin, "nothing-of-the-sort", "", nil), http.StatusNotFound, "not valid")
	wantStatus2(t, "a box that is none", w.get("/api/v1/access-requests?box=all", w.asker), http.StatusUnprocessableEntity)
}

// TestAccessRequestMail: over a real SMTP server, each step tells each
// side what its own view shows: the asker gets the link; the approval
// and the decline reach the asker and the answering company's
// administrators; the asker's mail never names the answering user.
func TestAccessRequestMail(t *testing.T) {
	ms := mailtest.Start(t)
	w := newAccessWorld(t, func(o *webtest.Options) {
		o.Mailer = mail.SMTP{Addr: ms.Addr, From: "portal@vendor.example", TLS: mail.TLSNone}
	})
	_, s1 := w.ask(t, 30, "SUB-A1", "SUB-B1")
	_, s2 := w.ask(t, 30)
	w.link(w.ownAdmin, s1, "", nil)
	if n := len(ms.Messages()); n != 2 {
		t.Fatalf("%d messages after two requests and an opening, want 2 (the links to the asker)", n)
	}
	w.link(w.ownAdmin, s1, "approve", map[string]any{"subscription_ids": []string{"SUB-A1", "SUB-B1"}})
	w.link(w.ownAdmin, s2, "decline", map[string]string{"reason": "Not this year."})
	msgs := ms.Messages()
	if len(msgs) != 6 {
		t.Fatalf("%d messages, want 6", len(msgs))
	}
	unfold := func(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "=\r\n", ""), "\r\n", "\n") }
	if m := unfold(msgs[0]); !strings.Contains(m, "To: asker@msp.example") || !strings.Contains(m, "/access-requests/open?token=3D"+s1) && !strings.Contains(m, "/access-requests/open?token="+s1) {
		t.Errorf("the link's mail:\n%s", m)
	}
	var toAsker, toOwner []string
	for _, m := range msgs[2:] {
		m = unfold(m)
		switch {
		case strings.Contains(m, "To: asker@msp.example"):
			toAsker = append(toAsker, m)
		case strings.Contains(m, "To: admin@own.example"):
			toOwner = append(toOwner, m)
		}
	}
	if len(toAsker) != 2 || len(toOwner) != 2 {
		t.Fatalf("%d messages to the asker, %d to the owner's administrators; want 2 and 2", len(toAsker), len(toOwner))
	}
	for _, m := range toAsker {
		for _, h := range []string{"admin@own.example", "SUB-B1", "member@own.example"} {
			if strings.Contains(m, h) {
				t.Errorf("a mail to the asker names %q:\n%s", h, m)
			}
		}
	}
	if !strings.Contains(toAsker[0], "Company OWN approved") || !strings.Contains(toAsker[1], "Not this year.") {
		t.Errorf("the asker's mails:\n%s\n%s", toAsker[0], toAsker[1])
	}
	if slices.ContainsFunc(toOwner, func(m string) bool { return strings.Contains(m, "asker@msp.example") }) {
		t.Errorf("the owner's mail names the asker: %v", toOwner)
	}
}

// TestAccessRequestApprovedOnce: two administrators approving one link at
// once make one delegation; the other is told the link was used.
func TestAccessRequestApprovedOnce(t *testing.T) {
	w := newAccessWorld(t, nil)
	second := w.user("OWN", "second@own.example", true)
	_, secret := w.ask(t, 30)
	path := "/api/v1/access-requests/link/" + secret + "/approve"
	rs := w.doAll(request{method: http.MethodPost, path: path, token: w.ownAdmin, body: map[string]any{}},
		request{method: http.MethodPost, path: path, token: second, body: map[string]any{}})
	got := []int{rs[0].status, rs[1].status}
	slices.Sort(got)
	if !slices.Equal(got, []int{http.StatusOK, http.StatusConflict}) {
		t.Fatalf("two approvals at once: %d %s / %d %s", rs[0].status, rs[0].body, rs[1].status, rs[1].body)
	}
	var ds struct {
		Granted []map[string]any `json:"granted"`
	}
	w.get("/api/v1/delegations", w.ownAdmin).json(t, &ds)
	if len(ds.Granted) != 1 {
		t.Errorf("%d delegations granted, want 1", len(ds.Granted))
	}
}

// TestAccessRequestMailFollowsPreferences: the deciding company's mail goes
// to who chose access-request notices — a member who opted in, not an
// administrator who opted out.
func TestAccessRequestMailFollowsPreferences(t *testing.T) {
	ms := mailtest.Start(t)
	w := newAccessWorld(t, func(o *webtest.Options) {
		o.Mailer = mail.SMTP{Addr: ms.Addr, From: "portal@vendor.example", TLS: mail.TLSNone}
	})
	for tok, receive := range map[string]bool{w.ownMember: true, w.ownAdmin: false} {
		res := w.do(request{method: http.MethodPut, path: "/api/v1/me/notices", token: tok, body: map[string]bool{entitle.NoticeAccessRequests: receive}})
		if res.status != http.StatusOK {
			t.Fatalf("PUT /api/v1/me/notices: %d %s", res.status, res.body)
		}
	}
	_, secret := w.ask(t, 30)
	if res := w.link(w.ownAdmin, secret, "decline", map[string]string{"reason": "Not this year."}); res.status != http.StatusOK {
		t.Fatalf("decline: %d %s", res.status, res.body)
	}
	var toMember, toAdmin int
	for _, m := range ms.Messages() {
		toMember += strings.Count(m, "To: member@own.example")
		toAdmin += strings.Count(m, "To: admin@own.example")
	}
	if toMember != 1 || toAdmin != 0 {
		t.Errorf("the decline's mail: %d to the member who opted in, %d to the administrator who opted out; want 1 and 0", toMember, toAdmin)
	}
}
