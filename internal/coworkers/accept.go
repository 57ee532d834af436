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
// inviting company, named a.Name, signing in with a.Password (the policy of
// auth.CheckNewPassword). The token works once: of two
// concurrent accepts exactly one wins. An unknown, expired, used or revoked
// token is a entitle.CodeInvalidToken error that says which.
//
// addr is the client's address: links that do not work count against its
// limit of failed attempts (Limits.AcceptPerAddress); while it is exceeded,
// even a working link is refused (a *ratelimit.Exceeded).
func (s *Service) Accept(ctx context.Context, a Acceptance, addr string) (entitle.UserRecord, error) {
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
	now := s.now()
	key := "accept-address:" + addr
	if s.Limiter != nil {
		if err := s.Limiter.Check(ctx, s.Limits.AcceptPerAddress, "invitation links that did not work, from your address", key, now); err != nil {
			return entitle.UserRecord{}, err
		}
	}
	failed := func(err error) (entitle.UserRecord, error) {
		if s.Limiter != nil {
			if err := s.Limiter.Hit(ctx, s.Limits.AcceptPerAddress, key, now); err != nil {
				return entitle.UserRecord{}, err
			}
		}
		return entitle.UserRecord{}, tokenError(err)
	}
	hash := auth.HashToken(a.Token)
	inv, err := s.Store.InvitationByToken(ctx, hash)
	if err != nil {
		return failed(err)
	}
	switch inv.State(now) {
	case entitle.InvitationAccepted:
		return failed(entitle.ErrInvitationUsed)
	case entitle.InvitationRevoked:
		return failed(entitle.ErrInvitationRevoked)
	case entitle.InvitationExpired:
		return failed(entitle.ErrInvitationExpired)
	}
	co, err := s.Store.Company(ctx, inv.Company)
	if err != nil {
		return entitle.UserRecord{}, err
	}
	if err := auth.CheckNewPassword(a.Password, auth.PasswordOwner{Email: inv.Email, CompanyName: co.Name, CompanyKey: co.Key}); err != nil {
		return entitle.UserRecord{}, entitle.Problems{{Field: "password", Message: err.Error()}}
	}
	pw, err := auth.HashPassword(a.Password)
	if err != nil {
		return entitle.UserRecord{}, err
	}
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
