package coworkers

import (
	"context"
	"errors"
	"strings"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/auth"
)

// Acceptance is what an invited co-worker sends from the invitation link.
type Acceptance struct {
	Token    string `json:"token"`
	Name     string `json:"name"`
	Password string `json:"password"`
}

// Accept turns the invitation whose link carries a.Token into a user of the
// inviting company, named a.Name, signing in with a.Password (at least 12
// characters, not the email address). The token works once: of two
// concurrent accepts exactly one wins. An unknown, expired, used or revoked
// token is a entitle.CodeInvalidToken error that says which.
func (s *Service) Accept(ctx context.Context, a Acceptance) (entitle.UserRecord, error) {
	var ps entitle.Problems
	if a.Token == "" {
		ps.Add("token", "required: the token of the invitation link")
	}
	name := strings.TrimSpace(a.Name)
	if name == "" {
		ps.Add("name", "required: your name as your co-workers know it")
	}
	if err := ps.Err(); err != nil {
		return entitle.UserRecord{}, err
	}
	hash := auth.HashToken(a.Token)
	email, err := s.Store.InvitationEmail(ctx, hash)
	if err != nil {
		return entitle.UserRecord{}, tokenError(err)
	}
	if err := auth.CheckPassword(a.Password, email); err != nil {
		return entitle.UserRecord{}, entitle.Problems{{Field: "password", Message: err.Error()}}
	}
	pw, err := auth.HashPassword(a.Password)
	if err != nil {
		return entitle.UserRecord{}, err
	}
	now := s.now()
	u, err := s.Store.AcceptInvitation(ctx, hash, name, pw, now, entitle.AuditEvent{At: now, Action: "invitation.accept", Outcome: "ok"})
	if err != nil {
		return u, tokenError(err)
	}
	return u, nil
}

// Lookup returns the invitation whose link carries token, if the link still
// works: for the page behind the link, before the co-worker fills in the form.
func (s *Service) Lookup(ctx context.Context, token string) (entitle.Invitation, error) {
	inv, err := s.Store.InvitationByToken(ctx, auth.HashToken(token))
	if err != nil {
		return inv, tokenError(err)
	}
	switch inv.State(s.now()) {
	case entitle.InvitationAccepted:
		return inv, tokenError(entitle.ErrInvitationUsed)
	case entitle.InvitationRevoked:
		return inv, tokenError(entitle.ErrInvitationRevoked)
	case entitle.InvitationExpired:
		return inv, tokenError(entitle.ErrInvitationExpired)
	}
	return inv, nil
}

// tokenError says why an invitation link does not work.
func tokenError(err error) error {
	switch {
	case errors.Is(err, entitle.ErrInvitationUnknown):
		return entitle.Errorf(entitle.CodeInvalidToken, "This invitation link is not valid. Check that you copied the whole link, or ask your co-worker to invite you again.")
	case errors.Is(err, entitle.ErrInvitationExpired):
		return entitle.Errorf(entitle.CodeInvalidToken, "This invitation has expired. Ask your co-worker to invite you again.")
	case errors.Is(err, entitle.ErrInvitationUsed):
		return entitle.Errorf(entitle.CodeInvalidToken, "This invitation has already been used. Sign in with your email address and password.")
	case errors.Is(err, entitle.ErrInvitationRevoked):
		return entitle.Errorf(entitle.CodeInvalidToken, "This invitation was withdrawn. Ask your co-worker to invite you again.")
	}
	return err
}
