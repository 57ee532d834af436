package web

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/coworkers"
	"github.com/entitle-portal/entitle/internal/i18n"
)

// The co-worker routes (SPEC §4): inviting, the pending invitations, and
// accepting. Every rule and every write is internal/coworkers'; these
// handlers read requests and write answers.

type inviteRequest struct {
	Email string `json:"email"`
	Admin bool   `json:"admin"`
}

// invitationJSON is an invitation in an answer.
type invitationJSON struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email"`
	Admin     bool      `json:"admin"`
	Status    string    `json:"status"` // pending, expired, accepted or revoked
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	InvitedBy *userRef  `json:"invited_by,omitempty"` // absent when the vendor's operator invited
	Mail      mailJSON  `json:"mail"`
}

type userRef struct {
	Email string `json:"email"`
	Name  string `json:"name"`
}

// mailJSON is how the delivery of an invitation's link went.
type mailJSON struct {
	Status        string     `json:"status"` // queued, sent, retrying or failed
	Attempts      int        `json:"attempts"`
	LastAttemptAt *time.Time `json:"last_attempt_at,omitempty"`
	Error         string     `json:"error,omitempty"`
}

func invitationJSONOf(inv entitle.Invitation, now time.Time) invitationJSON {
	out := invitationJSON{ID: inv.ID, Email: inv.Email, Admin: inv.Admin, Status: inv.State(now), CreatedAt: inv.CreatedAt, ExpiresAt: inv.ExpiresAt,
		Mail: mailJSON{Status: inv.Mail.Status, Attempts: inv.Mail.Attempts, Error: inv.Mail.Error}}
	if inv.InviterID != 0 {
		out.InvitedBy = &userRef{Email: inv.InviterEmail, Name: inv.InviterName}
	}
	if !inv.Mail.At.IsZero() {
		at := inv.Mail.At
		out.Mail.LastAttemptAt = &at
	}
	return out
}

type inviteAnswer struct {
	Message    string         `json:"message"`
	Invitation invitationJSON `json:"invitation"`
}

// POST /api/v1/invitations {"email","admin"}: any active user invites a
// co-worker into their own company (SPEC §4); an administrator may invite an
// administrator.
func (s *Server) invite(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	var req inviteRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	inv, err := s.cfg.Coworkers.Invite(mailLang(r, c), c, req.Email, req.Admin)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, inviteAnswer{Message: coworkers.MsgInvited, Invitation: invitationJSONOf(inv, s.now())})
	return nil
}

type invitationsAnswer struct {
	Invitations []invitationJSON `json:"items"`
	NextCursor  string           `json:"next_cursor,omitempty"`
}

// GET /api/v1/invitations: the open invitations of the caller's company
// (pending and expired; an administrator sees all, a member their own),
// oldest first, paged.
func (s *Server) listInvitations(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	q := newQuery(r, "limit", "cursor")
	limit := q.limit(100, 500)
	if q.err != nil {
		return q.err
	}
	bound := bind("invitations", c.Company, strconv.FormatInt(c.UserID, 10))
	pos, err := s.openCursor(q.str("cursor"), bound)
	if err != nil {
		return err
	}
	var after int64
	if pos != "" {
		if after, err = strconv.ParseInt(pos, 10, 64); err != nil {
			return errInvalidCursor
		}
	}
	invs, err := s.cfg.Coworkers.Invitations(r.Context(), c, after, limit+1)
	if err != nil {
		return err
	}
	out := invitationsAnswer{Invitations: []invitationJSON{}}
	invs, last := cutPage(invs, limit, func(i coworkers.Invitation) string { return strconv.FormatInt(i.ID, 10) })
	out.NextCursor = s.sealCursor(last, bound)
	now := s.now()
	for _, inv := range invs {
		out.Invitations = append(out.Invitations, invitationJSONOf(inv.Invitation, now))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// pathID reads the numeric {id} of a route; anything else is not found.
func pathID(r *http.Request, what string) (int64, error) {
	raw := r.PathValue("id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return 0, errorf(codeNotFound, "%s %s not found", what, clipParam(raw))
	}
	return id, nil
}

// DELETE /api/v1/invitations/{id}: withdraw an open invitation; its link
// stops working at once. Answers the invitation, now revoked.
func (s *Server) revokeInvitation(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	id, err := pathID(r, "invitation")
	if err != nil {
		return err
	}
	inv, err := s.cfg.Coworkers.Revoke(r.Context(), c, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, invitationJSONOf(inv, s.now()))
	return nil
}

type resendAnswer struct {
	Message    string         `json:"message"`
	Invitation invitationJSON `json:"invitation"`
}

// POST /api/v1/invitations/{id}/resend: a new link for an open invitation
// (expired or not), valid for the full period again, mailed at once; the
// old link stops working.
func (s *Server) resendInvitation(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	id, err := pathID(r, "invitation")
	if err != nil {
		return err
	}
	inv, err := s.cfg.Coworkers.Resend(mailLang(r, c), c, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, resendAnswer{Message: "A new invitation link was sent to " + inv.Email + "; the previous link no longer works.",
		Invitation: invitationJSONOf(inv, s.now())})
	return nil
}

// POST /api/v1/invitations/accept {"token","name","password"}: the invited
// co-worker joins the inviter's company and is signed in.
func (s *Server) acceptInvitation(w http.ResponseWriter, r *http.Request) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	var req coworkers.Acceptance
	if err := decode(w, r, &req); err != nil {
		return err
	}
	u, err := s.cfg.Coworkers.Accept(r.Context(), req, s.clientAddr(r))
	if err != nil {
		return err
	}
	// Signed in at once, with a fresh session (the password was just set:
	// no need to verify it again).
	a, err := s.openSession(w, r, u)
	if err != nil {
		return err
	}
	body, err := s.meBody(r.Context(), a)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, body)
	return nil
}

// mailLang is the request's context with the language of the mail it
// sends: the caller's own setting, else the Accept-Language of its request
// (a page's handler has it in its context already).
func mailLang(r *http.Request, c entitle.Actor) context.Context {
	return i18n.WithLang(r.Context(), i18n.Choose(c.Language, r.Header.Get("Accept-Language")))
}
