package web_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/coworkers"
	"github.com/entitle-portal/entitle/internal/mail"
	"github.com/entitle-portal/entitle/internal/mail/mailtest"
	"github.com/entitle-portal/entitle/internal/ratelimit"
	"github.com/entitle-portal/entitle/internal/web/webtest"
)

var cwCSRFField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// cwPost posts form to path as a browser on the Co-workers page would: with
// the csrf token read from the page. It returns the status, the body and
// the headers of the answer (redirects are not followed).
func cwPost(t *testing.T, w *world, c *http.Client, path string, form url.Values) (int, string, http.Header) {
	t.Helper()
	_, page := fetch(t, w, c, "/coworkers")
	m := cwCSRFField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no csrf field on the Co-workers page:\n%s", page)
	}
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", m[1])
	return cwPostRaw(t, w, c, path, form)
}

// cwPostRaw posts form as it is (e.g. without a csrf field).
func cwPostRaw(t *testing.T, w *world, c *http.Client, path string, form url.Values) (int, string, http.Header) {
	t.Helper()
	res, err := c.PostForm(w.srv.URL+path, form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b), res.Header
}

// cwDone checks that a form's answer sends the browser back to the
// Co-workers page, and that the page shows message as the flash.
func cwDone(t *testing.T, w *world, c *http.Client, what string, status int, body string, h http.Header, message string) string {
	t.Helper()
	loc := h.Get("Location")
	if status != http.StatusSeeOther || loc != "/coworkers" {
		t.Fatalf("%s: %d Location %q\n%s", what, status, loc, body)
	}
	st, page := fetch(t, w, c, loc)
	if st != http.StatusOK || !strings.Contains(page, `<p class="flash" role="status">`+html.EscapeString(message)+`</p>`) {
		t.Fatalf("%s: the page after it does not say %q: %d\n%s", what, message, st, page)
	}
	return page
}

// cwFieldError is the invite form's refusal as the page must show it.
func cwFieldError(message string) string {
	return `<p class="field-error" id="invite-email-error" role="alert">` + html.EscapeString(asSentence(message)) + `</p>`
}

// cwAlert is a refused row action as the page must show it.
func cwAlert(message string) string {
	return `<p class="error" role="alert" id="coworkers-error">` + html.EscapeString(asSentence(message)) + `</p>`
}

// cwTable returns the table with id of a page ("" when absent).
func cwTable(page, id string) string {
	i := strings.Index(page, `<table id="`+id+`"`)
	if i < 0 {
		return ""
	}
	j := strings.Index(page[i:], "</table>")
	return page[i : i+j]
}

// cwRow returns the row of a table that mentions email ("" when none).
func cwRow(table, email string) string {
	for _, row := range strings.Split(table, "<tr>") {
		if strings.Contains(row, email) {
			return row
		}
	}
	return ""
}

// TestCoworkersInviteForm: the invite form's outcomes of SPEC §4, word for
// word, with their statuses; a refused address stays in the field; only an
// administrator is offered (and allowed) to invite an administrator.
func TestCoworkersInviteForm(t *testing.T) {
	w := newWorld(t)
	member := signIn(t, w, "member@shop.example")
	st, page := fetch(t, w, member, "/coworkers")
	for _, want := range []string{
		"<title>Co-workers · entitle</title>", "<h1>Co-workers</h1>", `aria-current="page">Co-workers`,
		`<form method="post" action="/coworkers/invite"`, `<label for="invite-email">Co-worker's email address</label>`,
		`id="invite-email" name="email"`, `<button type="submit">Send invitation</button>`,
		"No pending invitations.", `<table id="users" class="cw-table">`, "for 7 days",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the member's page lacks %q", want)
		}
	}
	if st != http.StatusOK || strings.Contains(page, `id="invite-admin"`) || strings.Contains(page, "invite-email-error") {
		t.Errorf("the member's page: %d\n%s", st, page)
	}

	refusals := []struct {
		email   string
		admin   bool
		status  int
		message string
	}{
		{"", false, http.StatusUnprocessableEntity, coworkers.MsgEmailRequired},
		{"   ", false, http.StatusUnprocessableEntity, coworkers.MsgEmailRequired},
		{"bob", false, http.StatusUnprocessableEntity, coworkers.MsgInvalidEmail},
		{"bob@", false, http.StatusUnprocessableEntity, coworkers.MsgInvalidEmail},
		{"a b@x.com", false, http.StatusUnprocessableEntity, coworkers.MsgInvalidEmail},
		{"Bob <bob@x.com>", false, http.StatusUnprocessableEntity, coworkers.MsgInvalidEmail},
		{"Admin@North.example", false, http.StatusConflict, coworkers.MsgAlreadyInvited}, // a user of another company
		{"boss@shop.example", true, http.StatusForbidden, "only administrators of your company may invite an administrator"},
	}
	for _, tc := range refusals {
		form := url.Values{"email": {tc.email}}
		if tc.admin {
			form.Set("admin", "true")
		}
		st, page, _ := cwPost(t, w, member, "/coworkers/invite", form)
		if st != tc.status || !strings.Contains(page, cwFieldError(tc.message)) {
			t.Errorf("invite %q: %d, want %d and %q next to the field\n%s", tc.email, st, tc.status, tc.message, page)
			continue
		}
		if !strings.Contains(page, `aria-describedby="invite-email-error invite-email-hint" aria-invalid="true"`) {
			t.Errorf("invite %q: the field does not point at its error", tc.email)
		}
		if !strings.Contains(page, `value="`+html.EscapeString(tc.email)+`"`) {
			t.Errorf("invite %q: the address is not kept in the field", tc.email)
		}
		if strings.Count(page, `role="alert"`) != 1 || !strings.Contains(page, `<table id="users" class="cw-table">`) {
			t.Errorf("invite %q: the page around the refusal\n%s", tc.email, page)
		}
	}

	// Sent: back to the page, with §4's message, and listed.
	st, body, h := cwPost(t, w, member, "/coworkers/invite", url.Values{"email": {"  New.Person@Shop.example "}})
	page = cwDone(t, w, member, "invite", st, body, h, coworkers.MsgInvited)
	row := cwRow(cwTable(page, "invitations"), "new.person@shop.example")
	for _, want := range []string{`<span class="badge pending">pending</span>`, `<span class="badge sent">sent</span>`, "you", "(in 7 days)", ">Revoke</button>", ">Resend</button>"} {
		if !strings.Contains(row, want) {
			t.Errorf("the new invitation's row lacks %q:\n%s", want, row)
		}
	}
	if strings.Contains(page, "No pending invitations") {
		t.Errorf("the empty state shows beside an invitation")
	}
	// The same address again, in any case: already invited.
	st, page, _ = cwPost(t, w, member, "/coworkers/invite", url.Values{"email": {"new.person@SHOP.example"}})
	if st != http.StatusConflict || !strings.Contains(page, cwFieldError(coworkers.MsgAlreadyInvited)) {
		t.Errorf("invite twice: %d\n%s", st, page)
	}

	// An administrator is offered the checkbox; the invitation says so.
	admin := signIn(t, w, "admin@shop.example")
	if _, page := fetch(t, w, admin, "/coworkers"); !strings.Contains(page, `<input type="checkbox" id="invite-admin" name="admin" value="true"`) || !strings.Contains(page, `<label for="invite-admin">`) {
		t.Errorf("the admin's form has no administrator checkbox:\n%s", page)
	}
	st, body, h = cwPost(t, w, admin, "/coworkers/invite", url.Values{"email": {"boss@shop.example"}, "admin": {"true"}})
	page = cwDone(t, w, admin, "invite an administrator", st, body, h, coworkers.MsgInvited)
	if row := cwRow(cwTable(page, "invitations"), "boss@shop.example"); !strings.Contains(row, `<span class="badge admin">administrator</span>`) {
		t.Errorf("the administrator's invitation:\n%s", row)
	}
	if _, inv := w.inviteAs(t, w.admin["SHOP"], "boss2@shop.example", true); !inv.Admin {
		t.Errorf("the API's invitation as administrator: %+v", inv)
	}
}

// TestCoworkersInviteRateLimited: over the invitation limit the form says
// so next to the field, with 429 and Retry-After, and sends nothing.
func TestCoworkersInviteRateLimited(t *testing.T) {
	w := newWorldWith(t, func(c *webtest.Options) {
		c.InviteLimits = &coworkers.Limits{PerUser: ratelimit.Limit{N: 1, Per: time.Hour}}
	})
	member := signIn(t, w, "member@shop.example")
	st, body, h := cwPost(t, w, member, "/coworkers/invite", url.Values{"email": {"one@shop.example"}})
	cwDone(t, w, member, "the first invitation", st, body, h, coworkers.MsgInvited)
	st, page, h := cwPost(t, w, member, "/coworkers/invite", url.Values{"email": {"two@shop.example"}})
	if st != http.StatusTooManyRequests || h.Get("Retry-After") == "" ||
		!regexp.MustCompile(`<p class="field-error" id="invite-email-error" role="alert">Too many invitations from you [^<]*try again in [^<]+</p>`).MatchString(page) {
		t.Errorf("over the limit: %d Retry-After %q\n%s", st, h.Get("Retry-After"), page)
	}
	if strings.Contains(cwTable(page, "invitations"), "two@shop.example") {
		t.Errorf("the refused invitation is listed")
	}
}

// TestCoworkersInvitations: a member sees only the invitations they sent
// and may revoke or resend only those; an administrator sees and manages
// all; another company's invitation is "not found"; an expired invitation
// shows as expired and can be sent again.
func TestCoworkersInvitations(t *testing.T) {
	w := newWorld(t)
	box := &mailbox{w: w, seen: map[string]bool{}}
	_, mine := w.inviteAs(t, w.member["SHOP"], "mine@shop.example", false)
	box.new(t, "mine@shop.example")
	_, theirs := w.inviteAs(t, w.admin["SHOP"], "theirs@shop.example", false)
	box.new(t, "theirs@shop.example")
	_, foreign := w.inviteAs(t, w.admin["NORTH"], "far@north.example", false)
	box.new(t, "far@north.example")

	member := signIn(t, w, "member@shop.example")
	_, page := fetch(t, w, member, "/coworkers")
	table := cwTable(page, "invitations")
	if !strings.Contains(table, "mine@shop.example") || strings.Contains(page, "theirs@shop.example") || strings.Contains(page, "far@north.example") {
		t.Errorf("the member's invitations:\n%s", table)
	}
	admin := signIn(t, w, "admin@shop.example")
	_, page = fetch(t, w, admin, "/coworkers")
	table = cwTable(page, "invitations")
	if !strings.Contains(table, "mine@shop.example") || !strings.Contains(table, "theirs@shop.example") || strings.Contains(page, "far@north.example") {
		t.Errorf("the admin's invitations:\n%s", table)
	}
	if row := cwRow(table, "mine@shop.example"); !strings.Contains(row, "member (member@shop.example)") {
		t.Errorf("invited by:\n%s", row)
	}

	// A member may not revoke or resend a co-worker's invitation.
	forbidden := "only an administrator of your company or the co-worker who sent it may change an invitation"
	for _, action := range []string{"revoke", "resend"} {
		st, page, _ := cwPost(t, w, member, fmt.Sprintf("/coworkers/invitations/%d/%s", theirs.ID, action), nil)
		if st != http.StatusForbidden || !strings.Contains(page, cwAlert(forbidden)) || !strings.Contains(page, `<form method="post" action="/coworkers/invite"`) {
			t.Errorf("the member's %s of the admin's invitation: %d\n%s", action, st, page)
		}
	}
	// Another company's invitation is the same "not found" as none.
	for _, id := range []int64{foreign.ID, 9999} {
		st, page, _ := cwPost(t, w, admin, fmt.Sprintf("/coworkers/invitations/%d/revoke", id), nil)
		if st != http.StatusNotFound || !strings.Contains(page, cwAlert(fmt.Sprintf("invitation %d not found", id))) {
			t.Errorf("revoke invitation %d: %d\n%s", id, st, page)
		}
	}
	if got := emails(w.invitations(t, w.admin["SHOP"])); len(got) != 2 {
		t.Errorf("after the refusals SHOP has %v", got)
	}
	if got := emails(w.invitations(t, w.admin["NORTH"])); len(got) != 1 {
		t.Errorf("after the refusals NORTH has %v", got)
	}
	// A member revokes their own.
	st, body, h := cwPost(t, w, member, fmt.Sprintf("/coworkers/invitations/%d/revoke", mine.ID), nil)
	page = cwDone(t, w, member, "revoke", st, body, h, "The invitation of mine@shop.example was withdrawn: its link no longer works.")
	if cwTable(page, "invitations") != "" || !strings.Contains(page, "No pending invitations.") {
		t.Errorf("after the revocation the member's page:\n%s", page)
	}
	// Revoking it again is refused, on the page.
	st, page, _ = cwPost(t, w, admin, fmt.Sprintf("/coworkers/invitations/%d/revoke", mine.ID), nil)
	if st != http.StatusConflict || !strings.Contains(page, "was withdrawn") || !strings.Contains(page, `role="alert"`) {
		t.Errorf("revoke twice: %d\n%s", st, page)
	}

	// Expired: shown as such, and the admin sends a new link.
	w.clock.Advance(8 * 24 * time.Hour)
	admin = signIn(t, w, "admin@shop.example") // the session ended meanwhile
	_, page = fetch(t, w, admin, "/coworkers")
	if row := cwRow(cwTable(page, "invitations"), "theirs@shop.example"); !strings.Contains(row, `<span class="badge expired">expired</span>`) || !strings.Contains(row, "(yesterday)") {
		t.Errorf("the expired invitation:\n%s", row)
	}
	st, body, h = cwPost(t, w, admin, fmt.Sprintf("/coworkers/invitations/%d/resend", theirs.ID), nil)
	page = cwDone(t, w, admin, "resend", st, body, h, "A new invitation link was sent to theirs@shop.example; the previous link no longer works.")
	if row := cwRow(cwTable(page, "invitations"), "theirs@shop.example"); !strings.Contains(row, `<span class="badge pending">pending</span>`) || !strings.Contains(row, "(in 7 days)") {
		t.Errorf("the resent invitation:\n%s", row)
	}
	box.new(t, "theirs@shop.example")
}

// TestCoworkersMailStatus: a delivery the mail server refused shows as
// failed, with the server's answer.
func TestCoworkersMailStatus(t *testing.T) {
	ms := mailtest.Start(t)
	w := newWorldWith(t, func(c *webtest.Options) {
		c.Mailer = mail.SMTP{Addr: ms.Addr, From: "portal@vendor.example", TLS: mail.TLSNone}
		c.Delivery = coworkers.Delivery{Attempts: 2, Backoff: time.Millisecond}
	})
	ms.Set([]string{"gone@shop.example"}, 0)
	admin := signIn(t, w, "admin@shop.example")
	st, body, h := cwPost(t, w, admin, "/coworkers/invite", url.Values{"email": {"gone@shop.example"}})
	page := cwDone(t, w, admin, "invite", st, body, h, coworkers.MsgInvited)
	w.svc.Coworkers.Wait()
	row := cwRow(cwTable(page, "invitations"), "gone@shop.example")
	if !strings.Contains(row, `<span class="badge failed">failed</span>`) || !strings.Contains(row, "550") || !strings.Contains(row, "gave up after 1 attempt, the last ") {
		t.Errorf("the failed delivery:\n%s", row)
	}
}

// TestCoworkersUsers: everyone sees the company's users; only an
// administrator gets the buttons, and they work; the last active
// administrator is kept, with the reason on the page; another company's
// user is "not found".
func TestCoworkersUsers(t *testing.T) {
	w := newWorld(t)
	ids := w.users(t, w.admin["PLANT"])
	memberID, adminID := ids["member@plant.example"].ID, ids["admin@plant.example"].ID
	userPath := func(id int64) string { return fmt.Sprintf("/coworkers/users/%d", id) }

	member := signIn(t, w, "member@plant.example")
	_, page := fetch(t, w, member, "/coworkers")
	users := cwTable(page, "users")
	if !strings.Contains(users, "admin@plant.example") || !strings.Contains(users, "member@plant.example") || strings.Contains(page, "shop.example") {
		t.Errorf("the member's users:\n%s", users)
	}
	if row := cwRow(users, "admin@plant.example"); !strings.Contains(row, `<span class="badge active">active</span>`) || !strings.Contains(row, `<span class="badge admin">administrator</span>`) {
		t.Errorf("the admin's row:\n%s", row)
	}
	for _, button := range []string{">Disable<", ">Enable<", ">Make admin<", ">Remove admin<", `action="/coworkers/users/`, ">Actions<"} {
		if strings.Contains(users, button) {
			t.Errorf("the member sees %q", button)
		}
	}
	// A member's crafted change is refused, on the page.
	st, page, _ := cwPost(t, w, member, userPath(adminID), url.Values{"status": {"disabled"}})
	if st != http.StatusForbidden || !strings.Contains(page, cwAlert("only administrators of your company may disable, enable, promote or demote its users")) {
		t.Errorf("the member disables the admin: %d\n%s", st, page)
	}

	admin := signIn(t, w, "admin@plant.example")
	_, page = fetch(t, w, admin, "/coworkers")
	row := cwRow(cwTable(page, "users"), "member@plant.example")
	if !strings.Contains(row, `<input type="hidden" name="status" value="disabled"><button type="submit" class="danger" aria-label="Disable member@plant.example">Disable</button>`) ||
		!strings.Contains(row, `<input type="hidden" name="admin" value="true"><button type="submit" class="secondary" aria-label="Make admin: member@plant.example">Make admin</button>`) {
		t.Errorf("the admin's buttons for the member:\n%s", row)
	}

	// The last active administrator can be neither demoted nor disabled.
	last := "admin@plant.example is the last active administrator of your company: make another user an administrator first"
	for _, form := range []url.Values{{"admin": {"false"}}, {"status": {"disabled"}}} {
		st, page, _ := cwPost(t, w, admin, userPath(adminID), form)
		if st != http.StatusForbidden || !strings.Contains(page, cwAlert(last)) || !strings.Contains(page, `<table id="users" class="cw-table">`) {
			t.Errorf("%v the last admin: %d\n%s", form, st, page)
		}
	}
	if u := w.users(t, w.admin["PLANT"])["admin@plant.example"]; !u.Admin || u.Status != "active" {
		t.Errorf("the last admin changed: %+v", u)
	}

	// Disable: the member can no longer sign in; enable: they can again.
	st, body, h := cwPost(t, w, admin, userPath(memberID), url.Values{"status": {"disabled"}})
	page = cwDone(t, w, admin, "disable", st, body, h, "member@plant.example is disabled: their sessions ended and their API tokens no longer work.")
	row = cwRow(cwTable(page, "users"), "member@plant.example")
	if !strings.Contains(row, `<span class="badge disabled">disabled</span>`) || !strings.Contains(row, ">Enable</button>") {
		t.Errorf("the disabled member:\n%s", row)
	}
	if st, _ := fetch(t, w, member, "/coworkers"); st != http.StatusSeeOther {
		t.Errorf("the disabled member's session still works: %d", st)
	}
	if res := login(w, w.browser(), "member@plant.example", testPassword); res.status == http.StatusOK {
		t.Errorf("the disabled member signs in")
	}
	st, body, h = cwPost(t, w, admin, userPath(memberID), url.Values{"status": {"active"}})
	cwDone(t, w, admin, "enable", st, body, h, "member@plant.example is enabled: they can sign in again.")
	if res := login(w, w.browser(), "member@plant.example", testPassword); res.status != http.StatusOK {
		t.Errorf("the enabled member cannot sign in: %d %s", res.status, res.body)
	}

	// Make admin; then the former last admin may step down.
	st, body, h = cwPost(t, w, admin, userPath(memberID), url.Values{"admin": {"true"}})
	page = cwDone(t, w, admin, "make admin", st, body, h, "member@plant.example is an administrator of your company now.")
	if row := cwRow(cwTable(page, "users"), "member@plant.example"); !strings.Contains(row, `<span class="badge admin">administrator</span>`) || !strings.Contains(row, ">Remove admin</button>") {
		t.Errorf("the new admin:\n%s", row)
	}
	st, body, h = cwPost(t, w, admin, userPath(adminID), url.Values{"admin": {"false"}})
	page = cwDone(t, w, admin, "remove admin", st, body, h, "admin@plant.example is no longer an administrator of your company.")
	if strings.Contains(cwTable(page, "users"), ">Disable<") || strings.Contains(page, `id="invite-admin"`) {
		t.Errorf("a former admin still gets the admin's buttons:\n%s", page)
	}
	if u := w.users(t, w.admin["PLANT"]); !u["member@plant.example"].Admin || u["admin@plant.example"].Admin {
		t.Errorf("after the toggles: %+v", u)
	}

	// Bad forms and another company's user, on the page.
	newAdmin := signIn(t, w, "member@plant.example")
	shopID := w.users(t, w.admin["SHOP"])["member@shop.example"].ID
	for _, tc := range []struct {
		path   string
		form   url.Values
		status int
		want   string
	}{
		{userPath(shopID), url.Values{"status": {"disabled"}}, http.StatusNotFound, fmt.Sprintf("user %d not found", shopID)},
		{userPath(99999), url.Values{"status": {"disabled"}}, http.StatusNotFound, "user 99999 not found"},
		{userPath(adminID), url.Values{}, http.StatusUnprocessableEntity, `give "status"`},
		{userPath(adminID), url.Values{"admin": {"maybe"}}, http.StatusUnprocessableEntity, `admin must be "true" or "false"`},
		{userPath(adminID), url.Values{"status": {"gone"}}, http.StatusUnprocessableEntity, `must be "active" or "disabled"`},
	} {
		st, page, _ := cwPost(t, w, newAdmin, tc.path, tc.form)
		if st != tc.status || !strings.Contains(page, `<p class="error" role="alert" id="coworkers-error">`) || !hasMessage(page, html.EscapeString(tc.want)) {
			t.Errorf("%s %v: %d, want %d and %q\n%s", tc.path, tc.form, st, tc.status, tc.want, page)
		}
	}
	if u := w.users(t, w.admin["SHOP"])["member@shop.example"]; u.Status != "active" {
		t.Errorf("another company's user changed: %+v", u)
	}
}

// TestCoworkersFormsNeedTheCSRFToken: every Co-workers form posted without
// the session's token is refused with 403 and changes nothing.
func TestCoworkersFormsNeedTheCSRFToken(t *testing.T) {
	w := newWorld(t)
	_, inv := w.inviteAs(t, w.admin["PLANT"], "pending@plant.example", false)
	memberID := w.users(t, w.admin["PLANT"])["member@plant.example"].ID
	admin := signIn(t, w, "admin@plant.example")
	for _, tc := range []struct {
		path string
		form url.Values
	}{
		{"/coworkers/invite", url.Values{"email": {"sneaky@plant.example"}}},
		{fmt.Sprintf("/coworkers/invitations/%d/revoke", inv.ID), url.Values{}},
		{fmt.Sprintf("/coworkers/invitations/%d/resend", inv.ID), url.Values{}},
		{fmt.Sprintf("/coworkers/users/%d", memberID), url.Values{"status": {"disabled"}}},
		{fmt.Sprintf("/coworkers/users/%d", memberID), url.Values{"admin": {"true"}}},
	} {
		for _, token := range []string{"", "forged"} {
			form := url.Values{}
			for k, v := range tc.form {
				form[k] = v
			}
			if token != "" {
				form.Set("csrf", token)
			}
			if st, page, _ := cwPostRaw(t, w, admin, tc.path, form); st != http.StatusForbidden || !strings.Contains(page, "This form has expired") {
				t.Errorf("%s with csrf %q: %d\n%s", tc.path, token, st, page)
			}
		}
	}
	invs := w.invitations(t, w.admin["PLANT"])
	if len(invs) != 1 || invs[0].Email != "pending@plant.example" || invs[0].Mail.Attempts != 1 {
		t.Errorf("the invitations changed: %+v", invs)
	}
	if u := w.users(t, w.admin["PLANT"])["member@plant.example"]; u.Status != "active" || u.Admin {
		t.Errorf("the member changed: %+v", u)
	}
	// Signed out: to the sign-in page, and back after.
	if st, _, h := cwPostRaw(t, w, w.browser(), "/coworkers/invite", url.Values{"email": {"x@plant.example"}}); st != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/login?next=") {
		t.Errorf("signed out: %d %v", st, h)
	}
}

// TestCoworkersPaging: a long list of users is paged by email, each page
// linking to the next; a cursor from elsewhere is refused.
func TestCoworkersPaging(t *testing.T) {
	w := newWorld(t)
	for i := range 100 {
		if _, err := w.db.AddUser(context.Background(), entitle.User{Email: fmt.Sprintf("u%03d@nobody.example", i), Name: "U", Company: "NOBODY"},
			passwordHash(t), w.clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	c := signIn(t, w, "member@nobody.example")
	st, page := fetch(t, w, c, "/coworkers")
	users := cwTable(page, "users")
	next := regexp.MustCompile(`<a href="/coworkers\?(users_cursor=[^"]+)" rel="next">More users</a>`).FindStringSubmatch(page)
	if st != http.StatusOK || strings.Count(users, "<tr>") != 101 || !strings.Contains(users, "admin@nobody.example") || strings.Contains(users, "u099@") || next == nil {
		t.Fatalf("the first page: %d, %d rows\n%s", st, strings.Count(users, "<tr>")-1, page[strings.Index(page, "Pages of users")-200:])
	}
	st, page = fetch(t, w, c, "/coworkers?"+html.UnescapeString(next[1]))
	users = cwTable(page, "users")
	if st != http.StatusOK || strings.Count(users, "<tr>") != 3 || !strings.Contains(users, "u099@") || !strings.Contains(users, "u098@") ||
		strings.Contains(page, "More users") || !strings.Contains(page, `<a href="/coworkers">Back to the first users</a>`) {
		t.Errorf("the second page: %d\n%s", st, page)
	}
	// The cursor is NOBODY's: another company cannot use it.
	if st, _ := fetch(t, w, signIn(t, w, "member@shop.example"), "/coworkers?"+html.UnescapeString(next[1])); st != http.StatusUnprocessableEntity {
		t.Errorf("another company's cursor: %d", st)
	}
	if st, _ := fetch(t, w, c, "/coworkers?bogus=1"); st != http.StatusUnprocessableEntity {
		t.Errorf("an unknown parameter: %d", st)
	}
}

// asSentence is a message as the portal shows it in an alert: its first
// letter capital (the pages' sentence), unless it starts with a name of
// the API (a field or parameter: "q: …", "ordered_from …").
func asSentence(msg string) string {
	first, _, _ := strings.Cut(msg, " ")
	if msg == "" || strings.ContainsAny(first, "_.[") || strings.HasSuffix(first, ":") && len(first) <= 3 {
		return msg
	}
	return strings.ToUpper(msg[:1]) + msg[1:]
}

// hasMessage reports whether a page shows msg: within a sentence as
// written, or starting one (asSentence).
func hasMessage(body, msg string) bool {
	return strings.Contains(body, msg) || strings.Contains(body, asSentence(msg))
}
