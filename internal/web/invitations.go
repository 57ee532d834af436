package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/auth"
	"github.com/entitle-portal/entitle/internal/mail"
	"github.com/entitle-portal/entitle/internal/store"
)

// The invitation outcomes of SPEC §4, word for word.
const (
	msgEmailRequired  = "Please enter email address"
	msgInvalidEmail   = "You have entered an invalid email address. Please re-enter the email address."
	msgAlreadyInvited = "This co-worker has already been invited to the portal. Please invite another co-worker."
	msgInvited        = "Your invitation was sent. Thanks for sharing the portal with your co-worker."
)

type inviteRequest struct {
	Email string `json:"email"`
}

type invitationJSON struct {
	Email     string    `json:"email"`
	ExpiresAt time.Time `json:"expires_at"`
}

type inviteAnswer struct {
	Message    string         `json:"message"`
	Invitation invitationJSON `json:"invitation"`
}

// POST /api/v1/invitations {"email"}: any active user invites a co-worker
// into their own company (SPEC §4).
func (s *Server) invite(w http.ResponseWriter, r *http.Request, c who) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	var req inviteRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	ctx := r.Context()
	email := strings.TrimSpace(req.Email)
	switch {
	case email == "":
		return errorf(codeEmailRequired, msgEmailRequired)
	case entitle.CheckPlainEmail(email) != nil:
		return errorf(codeInvalidEmail, msgInvalidEmail)
	}
	email = entitle.NormalizeEmail(email)
	token, err := newSecret()
	if err != nil {
		return err
	}
	now := s.now()
	inv := store.Invitation{Email: email, Company: c.Company, InviterID: c.UserID, TokenHash: auth.HashToken(token),
		CreatedAt: now, ExpiresAt: now.Add(s.cfg.InvitationTTL)}
	ev := store.AuditEvent{At: now, Actor: c.Email, Company: c.Company, Action: "invitation.create", Object: email, Outcome: "ok"}
	inv, err = s.cfg.DB.CreateInvitation(ctx, inv, ev)
	if errors.Is(err, store.ErrAlreadyInvited) {
		ev.Outcome = "already_invited" // the one answer that tells an address is known: audited
		if err := s.cfg.DB.Audit(ctx, ev); err != nil {
			return err
		}
		return errorf(codeAlreadyInvited, msgAlreadyInvited)
	}
	if err != nil {
		return err
	}
	// The invitation is committed; now the mail goes out.
	if err := s.sendInvitation(ctx, c, inv, token); err != nil {
		s.cfg.Logger.ErrorContext(ctx, "invitation mail not sent", slog.String("to", inv.Email), slog.Any("err", err))
	}
	writeJSON(w, http.StatusCreated, inviteAnswer{Message: msgInvited, Invitation: invitationJSON{Email: inv.Email, ExpiresAt: inv.ExpiresAt}})
	return nil
}

// newSecret returns a random 256-bit secret, base64url: invitation tokens
// and session cookies.
func newSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

var invitationHTML = template.Must(template.New("invitation").Parse(`<!doctype html>
<html><body style="font-family: sans-serif; line-height: 1.5">
<p>Hello,</p>
<p>{{.Inviter}} of {{.Company}} invited you to the {{.Portal}}, where {{.Company}} sees its software orders and entitlements.</p>
<p><a href="{{.Link}}">Join {{.Company}} on the portal</a></p>
<p>The link works once and until {{.Expires}}. If you did not expect this invitation, ignore this message.</p>
</body></html>
`))

// sendInvitation mails the invitation link. The secret is only ever in the
// mail; the database holds its hash.
func (s *Server) sendInvitation(ctx context.Context, c who, inv store.Invitation, token string) error {
	if s.cfg.Mailer == nil {
		return nil
	}
	co, err := s.cfg.DB.Company(ctx, c.Company)
	if err != nil {
		return err
	}
	portal := "entitlement portal"
	if vendor, err := s.cfg.DB.VendorKey(ctx); err == nil && vendor != "" {
		if v, err := s.cfg.DB.Company(ctx, vendor); err == nil {
			portal = v.Name + " entitlement portal"
		}
	}
	data := struct{ Inviter, Company, Portal, Link, Expires string }{
		Inviter: c.User.Name, Company: co.Name, Portal: portal,
		Link:    strings.TrimSuffix(s.cfg.BaseURL, "/") + "/invitations/accept?token=" + url.QueryEscape(token),
		Expires: inv.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC"),
	}
	var html strings.Builder
	if err := invitationHTML.Execute(&html, data); err != nil {
		return err
	}
	text := fmt.Sprintf("Hello,\n\n%s of %s invited you to the %s, where %s sees its software orders and entitlements.\n\nJoin %s on the portal:\n%s\n\nThe link works once and until %s. If you did not expect this invitation, ignore this message.\n",
		data.Inviter, data.Company, data.Portal, data.Company, data.Company, data.Link, data.Expires)
	return s.cfg.Mailer.Send(ctx, mail.Message{
		To:      []string{inv.Email},
		Subject: fmt.Sprintf("%s invited you to the %s", data.Inviter, data.Portal),
		Text:    text,
		HTML:    html.String(),
	})
}

type acceptRequest struct {
	Token    string `json:"token"`
	Name     string `json:"name"`
	Password string `json:"password"`
}

// POST /api/v1/invitations/accept {"token","name","password"}: the invited
// co-worker joins the inviter's company and is signed in.
func (s *Server) acceptInvitation(w http.ResponseWriter, r *http.Request) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	var req acceptRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	u, err := s.accept(r.Context(), req)
	if err != nil {
		return err
	}
	// Signed in at once, with a fresh session (the password was just set:
	// no need to verify it again).
	if err := s.openSession(w, r, u); err != nil {
		return err
	}
	body, err := s.meBody(r.Context(), u.User)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, body)
	return nil
}

func (s *Server) accept(ctx context.Context, req acceptRequest) (store.UserRecord, error) {
	var ps entitle.Problems
	if req.Token == "" {
		ps.Add("token", "required: the token of the invitation link")
	}
	name := strings.TrimSpace(req.Name)
	if name == "" {
		ps.Add("name", "required: your name as your co-workers know it")
	}
	if err := ps.Err(); err != nil {
		return store.UserRecord{}, err
	}
	hash := auth.HashToken(req.Token)
	email, err := s.cfg.DB.InvitationEmail(ctx, hash)
	if err != nil {
		return store.UserRecord{}, invitationError(err)
	}
	if err := auth.CheckPassword(req.Password, email); err != nil {
		return store.UserRecord{}, entitle.Problems{{Field: "password", Message: err.Error()}}
	}
	pw, err := auth.HashPassword(req.Password)
	if err != nil {
		return store.UserRecord{}, err
	}
	ev := store.AuditEvent{At: s.now(), Action: "invitation.accept", Outcome: "ok"}
	u, err := s.cfg.DB.AcceptInvitation(ctx, hash, name, pw, s.now(), ev)
	if err != nil {
		return u, invitationError(err)
	}
	return u, nil
}

// invitationError says why an invitation link does not work.
func invitationError(err error) error {
	switch {
	case errors.Is(err, store.ErrInvitationUnknown):
		return errorf(codeInvalidToken, "This invitation link is not valid. Check that you copied the whole link, or ask your co-worker to invite you again.")
	case errors.Is(err, store.ErrInvitationExpired):
		return errorf(codeInvalidToken, "This invitation has expired. Ask your co-worker to invite you again.")
	case errors.Is(err, store.ErrInvitationUsed):
		return errorf(codeInvalidToken, "This invitation has already been used. Sign in with your email address and password.")
	case errors.Is(err, store.ErrInvitationRevoked):
		return errorf(codeInvalidToken, "This invitation was withdrawn. Ask your co-worker to invite you again.")
	}
	return err
}
