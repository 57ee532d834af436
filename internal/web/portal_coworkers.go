package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/coworkers"
	"github.com/entitle-portal/entitle/internal/i18n"
)

// The Co-workers page: the invite form with SPEC §4's outcomes word for
// word, the pending invitations (revoke, resend) and the company's users
// (disable or enable, make or remove an administrator). Every decision and
// every write is internal/coworkers' — the very calls the API's handlers
// make (invitations.go, users.go) — and what a row offers comes from
// internal/policy, so the page and the API agree and no rule lives here or
// in the template.

// coworkersPageSize is how many invitations, and how many users, one page
// lists.
const coworkersPageSize = 100

// The query parameters of the page: the cursors of its two lists.
const (
	invitationsCursor = "invitations_cursor"
	usersCursor       = "users_cursor"
)

// inviteFormData is the invite form as the user filled it in.
type inviteFormData struct {
	Email    string
	Admin    bool
	Error    string // why the invitation was refused, shown next to the field
	CanAdmin bool   // the caller may invite an administrator: the checkbox is shown
}

// invitationRow is one open invitation as the page shows it.
type invitationRow struct {
	entitle.Invitation
	State     string // pending or expired
	Expires   string // ISO date
	ExpiresAt string // ISO date and time, UTC
	ExpiresIn string // "in 6 days", "yesterday"
	Sent      string // the day it was created
	InvitedBy string // who invited, in words
	Delivery  string // how the mail's delivery went, beyond its status, in words
	Manage    bool   // the caller may revoke or resend it
}

// userRow is one user of the company as the page shows it.
type userRow struct {
	entitle.User
	Since  string // when the user joined
	You    bool   // the signed-in user
	Manage bool   // the caller may disable, enable, promote or demote them
	Reset  bool   // the caller may send them a password reset link
}

type coworkersPage struct {
	Form        inviteFormData
	Problem     string // why the last action on a row was refused
	Admin       bool   // the caller sees every invitation of the company
	Invitations []invitationRow
	Users       []userRow
	ManageUsers bool   // the caller administers some of the users: the actions column is shown
	LinkWorks   string // how long an invitation link works, in words
	// Paging: the next page of each list (a path with its query), and
	// whether a list is past its first page.
	NextInvitations, NextUsers   string
	PagedInvitations, PagedUsers bool
	// The first page of each list, the other list staying where it is.
	FirstInvitations, FirstUsers string
}

// GET /coworkers: the invite form, the pending invitations and the users.
func (s *Server) coworkersPage(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	q := newQuery(r, invitationsCursor, usersCursor, "done")
	if q.err != nil {
		return q.err
	}
	data := coworkersPage{}
	if err := s.coworkersLists(r, c, v, &data, q.str(invitationsCursor), q.str(usersCursor)); err != nil {
		return err
	}
	return s.showCoworkers(w, r, c, v, http.StatusOK, &data)
}

// coworkersLists fills the page's two lists, from the pages the cursors
// name (the first pages when empty).
func (s *Server) coworkersLists(r *http.Request, c entitle.Actor, v *view, data *coworkersPage, icur, ucur string) error {
	ctx := r.Context()
	now := s.now()
	// The same cursors as the API's lists: bound to the company (and, for
	// invitations, the user: a member sees their own).
	ibound := bind("invitations", c.Company, strconv.FormatInt(c.UserID, 10))
	ubound := bind("users", c.Company)
	ipos, err := s.openCursor(icur, ibound)
	if err != nil {
		return err
	}
	var after int64
	if ipos != "" {
		if after, err = strconv.ParseInt(ipos, 10, 64); err != nil {
			return errInvalidCursor
		}
	}
	upos, err := s.openCursor(ucur, ubound)
	if err != nil {
		return err
	}
	invs, err := s.cfg.Coworkers.Invitations(ctx, c, after, coworkersPageSize+1)
	if err != nil {
		return err
	}
	us, err := s.cfg.Coworkers.Users(ctx, c, upos, coworkersPageSize+1)
	if err != nil {
		return err
	}
	data.Admin = s.cfg.Coworkers.Abilities(c).AllInvitations
	next := url.Values{}
	if icur != "" {
		next.Set(invitationsCursor, icur)
	}
	if ucur != "" {
		next.Set(usersCursor, ucur)
	}
	data.PagedInvitations, data.PagedUsers = icur != "", ucur != ""
	first := func(drop string) string {
		n := cloneValues(next)
		n.Del(drop)
		if len(n) == 0 {
			return "/coworkers"
		}
		return "/coworkers?" + n.Encode()
	}
	data.FirstInvitations, data.FirstUsers = first(invitationsCursor), first(usersCursor)
	if len(invs) > coworkersPageSize {
		invs = invs[:coworkersPageSize]
		n := cloneValues(next)
		n.Set(invitationsCursor, s.sealCursor(strconv.FormatInt(invs[coworkersPageSize-1].ID, 10), ibound))
		data.NextInvitations = "/coworkers?" + n.Encode()
	}
	if len(us) > coworkersPageSize {
		us = us[:coworkersPageSize]
		n := cloneValues(next)
		n.Set(usersCursor, s.sealCursor(us[coworkersPageSize-1].Email, ubound))
		data.NextUsers = "/coworkers?" + n.Encode()
	}
	for _, inv := range invs {
		row := invitationRow{Invitation: inv.Invitation, State: inv.State(now), Expires: inv.ExpiresAt.UTC().Format("2006-01-02"), ExpiresAt: when(inv.ExpiresAt),
			ExpiresIn: relDays(entitle.DateOf(inv.ExpiresAt), v.Today), Sent: inv.CreatedAt.UTC().Format("2006-01-02"), Delivery: deliveryWords(i18n.For(v.Lang), inv.Mail)}
		switch {
		case inv.InviterID == 0:
			row.InvitedBy = "the vendor's operator"
		case inv.InviterID == c.UserID:
			row.InvitedBy = "you"
		case inv.InviterName != "":
			row.InvitedBy = inv.InviterName + " (" + inv.InviterEmail + ")"
		default:
			row.InvitedBy = inv.InviterEmail
		}
		row.Manage = inv.MayManage
		data.Invitations = append(data.Invitations, row)
	}
	for _, u := range us {
		data.Users = append(data.Users, userRow{User: u.User, Since: u.CreatedAt.UTC().Format("2006-01-02"), You: u.ID == c.UserID, Manage: u.MayChange, Reset: u.MayReset})
		data.ManageUsers = data.ManageUsers || u.MayChange
	}
	return nil
}

// linkLifetime writes how long a link works, for people: "7 days", "36
// hours" ("7 Tage", "36 Stunden").
func linkLifetime(p *i18n.Printer, d time.Duration) string {
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return p.N("duration.days", int(d/(24*time.Hour)))
	case d >= time.Hour:
		return p.N("duration.hours", int(d/time.Hour))
	}
	return p.N("duration.minutes", max(int(d/time.Minute), 1))
}

// deliveryWords says how the delivery of an invitation's mail went, beside
// its status: the attempts and the last one's time where they matter.
func deliveryWords(p *i18n.Printer, m entitle.MailState) string {
	switch m.Status {
	case entitle.MailQueued:
		return p.T("delivery.queued")
	case entitle.MailSent:
		if m.Attempts > 1 {
			return p.N("delivery.sent_after", m.Attempts)
		}
		return ""
	case entitle.MailRetrying:
		return p.N("delivery.retrying", m.Attempts, "At", when(m.At))
	case entitle.MailFailed:
		return p.N("delivery.failed", m.Attempts, "At", when(m.At))
	}
	return ""
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// showCoworkers renders the page with status.
func (s *Server) showCoworkers(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view, status int, data *coworkersPage) error {
	data.Form.CanAdmin = s.cfg.Coworkers.Abilities(c).InviteAdmins
	data.LinkWorks = linkLifetime(i18n.For(v.Lang), s.cfg.InvitationTTL)
	v.Title, v.Section, v.Data = i18n.For(v.Lang).T("coworkers.title"), "coworkers", data
	s.show(w, status, "coworkers", v)
	return nil
}

// refusedOnPage renders the page again (first pages of its lists) after a
// refused form, with status and Retry-After as the API answers err. An
// error that is not the user's (5xx) is returned for the error page.
func (s *Server) refusedOnPage(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view, data *coworkersPage, err error, set func(message string)) error {
	status, body := s.describe(r, err)
	if status >= http.StatusInternalServerError {
		return err
	}
	set(body.Error.Message)
	if err := s.coworkersLists(r, c, v, data, "", ""); err != nil {
		return err
	}
	setRetryAfter(w, status, err)
	return s.showCoworkers(w, r, c, v, status, data)
}

// POST /coworkers/invite (email, admin): invite a co-worker (SPEC §4). Sent:
// back to the page with §4's message; refused: the page again with the
// message next to the field and the API's status (422, 409, 429, 403).
func (s *Server) inviteForm(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	email := r.PostForm.Get("email")
	asAdmin := r.PostForm.Get("admin") != ""
	if _, err := s.cfg.Coworkers.Invite(r.Context(), c, email, asAdmin); err != nil {
		data := coworkersPage{Form: inviteFormData{Email: email, Admin: asAdmin}}
		return s.refusedOnPage(w, r, c, v, &data, err, func(m string) { data.Form.Error = m })
	}
	return s.done(w, r, "/coworkers", coworkers.MsgInvited)
}

// POST /coworkers/invitations/{id}/revoke: withdraw an open invitation; its
// link stops working at once.
func (s *Server) revokeInvitationForm(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	inv, err := s.invitationAction(r, c, s.cfg.Coworkers.Revoke)
	if err != nil {
		data := coworkersPage{}
		return s.refusedOnPage(w, r, c, v, &data, err, func(m string) { data.Problem = m })
	}
	return s.done(w, r, "/coworkers", "The invitation of "+inv.Email+" was withdrawn: its link no longer works.")
}

// POST /coworkers/invitations/{id}/resend: a new link, valid for the full
// period again, mailed at once; the old link stops working.
func (s *Server) resendInvitationForm(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	inv, err := s.invitationAction(r, c, s.cfg.Coworkers.Resend)
	if err != nil {
		data := coworkersPage{}
		return s.refusedOnPage(w, r, c, v, &data, err, func(m string) { data.Problem = m })
	}
	return s.done(w, r, "/coworkers", "A new invitation link was sent to "+inv.Email+"; the previous link no longer works.")
}

// invitationAction applies act (revoke or resend) to the invitation of the
// route's {id}.
func (s *Server) invitationAction(r *http.Request, c entitle.Actor, act func(ctx context.Context, by entitle.Actor, id int64) (entitle.Invitation, error)) (entitle.Invitation, error) {
	id, err := pathID(r, "invitation")
	if err != nil {
		return entitle.Invitation{}, err
	}
	return act(r.Context(), c, id)
}

// POST /coworkers/users/{id} (status "active" or "disabled", or admin
// "true" or "false"): an administrator changes a co-worker's standing. A
// refusal (e.g. the last administrator) is shown on the page, with the
// API's status.
func (s *Server) changeUserForm(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	refused := func(err error) error {
		data := coworkersPage{}
		return s.refusedOnPage(w, r, c, v, &data, err, func(m string) { data.Problem = m })
	}
	id, err := pathID(r, "user")
	if err != nil {
		return refused(err)
	}
	var ch entitle.UserChange
	if st := r.PostForm.Get("status"); st != "" {
		us := entitle.UserStatus(st)
		ch.Status = &us
	}
	if a := r.PostForm.Get("admin"); a != "" {
		admin, err := strconv.ParseBool(a)
		if err != nil {
			return refused(errorf(codeInvalid, `admin must be "true" or "false", not %q`, clipParam(a)))
		}
		ch.Admin = &admin
	}
	if ch.Status == nil && ch.Admin == nil {
		return refused(errorf(codeInvalid, `give "status" ("active" or "disabled") or "admin" (true or false), or both`))
	}
	u, err := s.cfg.Coworkers.ChangeUser(r.Context(), c, id, ch)
	if err != nil {
		return refused(err)
	}
	return s.done(w, r, "/coworkers", changedWords(u.User, ch))
}

// changedWords says what a change did to u.
func changedWords(u entitle.User, ch entitle.UserChange) string {
	var what []string
	if ch.Status != nil {
		if *ch.Status == entitle.UserDisabled {
			what = append(what, "is disabled: their sessions ended and their API tokens no longer work")
		} else {
			what = append(what, "is enabled: they can sign in again")
		}
	}
	if ch.Admin != nil {
		if *ch.Admin {
			what = append(what, "is an administrator of your company now")
		} else {
			what = append(what, "is no longer an administrator of your company")
		}
	}
	return u.Email + " " + strings.Join(what, "; ") + "."
}
