// Package coworkers is the co-worker flow of SPEC §4 and its administration:
// inviting a co-worker by email, the invitation mail and its delivery,
// accepting an invitation, and a company administrator's view and changes of
// the company's users and pending invitations. The web API and the CLI both
// call it; every decision it takes comes from internal/policy, every change
// is written with its audit event by the store it is given.
//
// Mail goes out after the invitation is committed: one attempt while the
// inviter waits, then, after a transient failure, more attempts in the
// background with growing pauses. Each attempt's outcome is recorded on the
// invitation (entitle.MailState), so that an administrator sees a delivery
// that failed and can send the link again ([Service.Resend]).
package coworkers

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/auth"
	"github.com/entitle-portal/entitle/internal/mail"
	"github.com/entitle-portal/entitle/internal/policy"
	"github.com/entitle-portal/entitle/internal/ratelimit"
)

// The invitation outcomes of SPEC §4, word for word.
const (
	MsgEmailRequired  = "Please enter email address"
	MsgInvalidEmail   = "You have entered an invalid email address. Please re-enter the email address."
	MsgAlreadyInvited = "This co-worker has already been invited to the portal. Please invite another co-worker."
	MsgInvited        = "Your invitation was sent. Thanks for sharing the portal with your co-worker."
)

// Limits are the invitation rate limits: invitations (and resends) per
// inviting user and per company; accepts with a link that does not work per
// client address (as failed sign-ins are limited).
type Limits struct {
	PerUser, PerCompany ratelimit.Limit
	AcceptPerAddress    ratelimit.Limit
}

// DefaultLimits are the limits of a server that sets none.
var DefaultLimits = Limits{
	PerUser:          ratelimit.Limit{N: 20, Per: time.Hour},
	PerCompany:       ratelimit.Limit{N: 100, Per: time.Hour},
	AcceptPerAddress: ratelimit.Limit{N: 100, Per: 15 * time.Minute},
}

// Delivery is how hard the service tries to deliver an invitation mail.
type Delivery struct {
	Attempts int           // in all, the first (while the inviter waits) included; 6 when zero
	Backoff  time.Duration // before the second attempt, doubling after; 30s when zero
	Timeout  time.Duration // of one attempt; 30s when zero
}

// Store is what the co-worker flow reads and records.
type Store interface {
	VendorKey(ctx context.Context) (string, error)
	Company(ctx context.Context, key string) (entitle.Company, error)
	CreateInvitation(ctx context.Context, inv entitle.Invitation, ev entitle.AuditEvent) (entitle.Invitation, error)
	Invitation(ctx context.Context, id int64) (entitle.Invitation, error)
	OpenInvitations(ctx context.Context, company string, inviterID, after int64, limit int) ([]entitle.Invitation, error)
	RevokeInvitation(ctx context.Context, id int64, check func(entitle.Invitation) error, now time.Time, ev entitle.AuditEvent) (entitle.Invitation, error)
	ReissueInvitation(ctx context.Context, id int64, check func(entitle.Invitation) error, tokenHash string, expires time.Time, ev entitle.AuditEvent) (entitle.Invitation, error)
	RecordMail(ctx context.Context, id int64, tokenHash string, m entitle.MailState) error
	InvitationByToken(ctx context.Context, tokenHash string) (entitle.Invitation, error)
	AcceptInvitation(ctx context.Context, tokenHash, name, passwordHash string, now time.Time, ev entitle.AuditEvent) (entitle.UserRecord, error)
	CompanyUsers(ctx context.Context, company, after string, limit int) ([]entitle.UserRecord, error)
	ChangeUser(ctx context.Context, id int64, ch entitle.UserChange, check func(u entitle.UserRecord, otherActiveAdmins int) error, ev entitle.AuditEvent) (entitle.UserRecord, error)
	Audit(ctx context.Context, events ...entitle.AuditEvent) error
}

// Service is the co-worker flow on a store.
type Service struct {
	Store   Store
	Mailer  mail.Sender // where invitation mail goes; required
	Now     func() time.Time
	Logger  *slog.Logger
	BaseURL string        // how users reach the portal: the link is BaseURL/invitations/accept?token=…
	TTL     time.Duration // how long an invitation link works; 7 days when zero
	Limits  Limits
	Limiter *ratelimit.Limiter // nil: no rate limits
	Delivery

	mu       sync.Mutex
	stopping chan struct{}
	stopped  bool
	pending  sync.WaitGroup
}

func (s *Service) now() time.Time { return s.Now().UTC() }

func (s *Service) ttl() time.Duration {
	if s.TTL <= 0 {
		return 7 * 24 * time.Hour
	}
	return s.TTL
}

// Operator is the vendor's operator at the command line, acting as an
// administrator of company.
func Operator(company string) entitle.Actor {
	return entitle.Actor{Company: company, Admin: true, Email: "cli"}
}

// Invite invites the co-worker at email into the inviter's company (SPEC
// §4), as an administrator of it when asAdmin. The outcomes are those of
// SPEC §4: entitle.CodeEmailRequired, entitle.CodeInvalidEmail, entitle.CodeAlreadyInvited (audited:
// it is the one answer that tells an address is known), or the invitation,
// with how its mail went so far. A refusal by a rate limit is a
// *ratelimit.Exceeded.
func (s *Service) Invite(ctx context.Context, from entitle.Actor, email string, asAdmin bool) (entitle.Invitation, error) {
	email = strings.TrimSpace(email)
	switch {
	case email == "":
		return entitle.Invitation{}, entitle.Errorf(entitle.CodeEmailRequired, MsgEmailRequired)
	case entitle.CheckPlainEmail(email) != nil:
		return entitle.Invitation{}, entitle.Errorf(entitle.CodeInvalidEmail, MsgInvalidEmail)
	}
	email = entitle.NormalizeEmail(email)
	if err := policy.Invite(from, asAdmin).Err("company", from.Company); err != nil {
		return entitle.Invitation{}, err
	}
	now := s.now()
	ev := entitle.AuditEvent{At: now, Actor: from.Email, Company: from.Company, Action: "invitation.create", Object: email, Outcome: "ok"}
	if asAdmin {
		ev.Detail = "as administrator"
	}
	if err := s.limit(ctx, from, now); err != nil {
		return entitle.Invitation{}, s.refused(ctx, ev, err)
	}
	token, err := auth.NewSecret()
	if err != nil {
		return entitle.Invitation{}, err
	}
	inv, err := s.Store.CreateInvitation(ctx, entitle.Invitation{Email: email, Company: from.Company, InviterID: from.UserID, Admin: asAdmin,
		TokenHash: auth.HashToken(token), CreatedAt: now, ExpiresAt: now.Add(s.ttl())}, ev)
	if errors.Is(err, entitle.ErrAlreadyInvited) {
		ev.Outcome = entitle.CodeAlreadyInvited
		return inv, s.refused(ctx, ev, entitle.Errorf(entitle.CodeAlreadyInvited, MsgAlreadyInvited))
	}
	if err != nil {
		return inv, err
	}
	inv.Mail = s.deliver(ctx, from, inv, token)
	return inv, nil
}

// limit takes one invitation from the inviter's and the company's hourly
// allowance. The operator is not limited.
func (s *Service) limit(ctx context.Context, from entitle.Actor, now time.Time) error {
	if s.Limiter == nil || !from.User() {
		return nil
	}
	user := fmt.Sprintf("invite-user:%d", from.UserID)
	company := "invite-company:" + from.Company
	if err := s.Limiter.Check(ctx, s.Limits.PerUser, "invitations from you", user, now); err != nil {
		return err
	}
	if err := s.Limiter.Check(ctx, s.Limits.PerCompany, "invitations from your company", company, now); err != nil {
		return err
	}
	if err := s.Limiter.Hit(ctx, s.Limits.PerUser, user, now); err != nil {
		return err
	}
	return s.Limiter.Hit(ctx, s.Limits.PerCompany, company, now)
}

// refused records a refused attempt in the audit trail and returns why.
func (s *Service) refused(ctx context.Context, ev entitle.AuditEvent, why error) error {
	var ex *ratelimit.Exceeded
	switch {
	case errors.As(why, &ex):
		ev.Outcome = "rate_limited"
	case ev.Outcome == "ok":
		ev.Outcome = "denied"
	}
	if err := s.Store.Audit(ctx, ev); err != nil {
		return err
	}
	return why
}

// Invitations returns a page of the open invitations of the inviter's
// company that the inviter may see (an administrator all, a member their
// own), after the invitation with ID after.
func (s *Service) Invitations(ctx context.Context, by entitle.Actor, after int64, limit int) ([]Invitation, error) {
	d := policy.ListInvitations(by, by.Company)
	if err := d.Err("company", by.Company); err != nil {
		return nil, err
	}
	var only int64
	if d.Scope != policy.ScopeCompany {
		only = by.UserID
	}
	invs, err := s.Store.OpenInvitations(ctx, by.Company, only, after, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Invitation, len(invs))
	for i, inv := range invs {
		out[i] = Invitation{Invitation: inv, MayManage: policy.ManageInvitation(by, inv).Allowed}
	}
	return out, nil
}

// Invitation is an open invitation as a co-worker sees it, with whether
// they may revoke or resend it.
type Invitation struct {
	entitle.Invitation
	MayManage bool
}

// Abilities is what a user may do on the co-workers page.
type Abilities struct {
	AllInvitations bool // sees every invitation of the company (else the ones they sent)
	InviteAdmins   bool // may invite an administrator
}

// Abilities says what by may do with co-workers, as the policy decides.
func (s *Service) Abilities(by entitle.Actor) Abilities {
	return Abilities{AllInvitations: policy.ListInvitations(by, by.Company).Scope == policy.ScopeCompany,
		InviteAdmins: policy.Invite(by, true).Allowed}
}

// Revoke withdraws an open invitation: its link stops working at once.
func (s *Service) Revoke(ctx context.Context, by entitle.Actor, id int64) (entitle.Invitation, error) {
	now := s.now()
	ev := entitle.AuditEvent{At: now, Actor: by.Email, Company: by.Company, Action: "invitation.revoke", Outcome: "ok"}
	inv, err := s.Store.RevokeInvitation(ctx, id, s.manage(by), now, ev)
	return inv, s.invitationError(id, inv, err)
}

// Resend gives an open invitation (expired or not) a new link, valid for the
// full TTL again, and mails it; the old link stops working at once. It counts
// against the same rate limits as an invitation.
func (s *Service) Resend(ctx context.Context, by entitle.Actor, id int64) (entitle.Invitation, error) {
	now := s.now()
	ev := entitle.AuditEvent{At: now, Actor: by.Email, Company: by.Company, Action: "invitation.resend", Outcome: "ok"}
	// Refuse a foreign or closed invitation before counting the attempt.
	cur, err := s.Store.Invitation(ctx, id)
	if err == nil {
		err = s.manage(by)(cur)
	}
	if err != nil {
		return cur, s.invitationError(id, cur, err)
	}
	if err := s.limit(ctx, by, now); err != nil {
		ev.Object = cur.Email
		return cur, s.refused(ctx, ev, err)
	}
	token, err := auth.NewSecret()
	if err != nil {
		return cur, err
	}
	inv, err := s.Store.ReissueInvitation(ctx, id, s.manage(by), auth.HashToken(token), now.Add(s.ttl()), ev)
	if err != nil {
		return inv, s.invitationError(id, inv, err)
	}
	inv.Mail = s.deliver(ctx, by, inv, token)
	return inv, nil
}

// manage returns the check of a change to an invitation by by.
func (s *Service) manage(by entitle.Actor) func(entitle.Invitation) error {
	return func(inv entitle.Invitation) error {
		d := policy.ManageInvitation(by, inv)
		if !d.Visible {
			return entitle.ErrNotFound
		}
		return d.Err("invitation", strconv.FormatInt(inv.ID, 10))
	}
}

// invitationError words the store's answers about invitation id.
func (s *Service) invitationError(id int64, inv entitle.Invitation, err error) error {
	switch {
	case errors.Is(err, entitle.ErrNotFound):
		return entitle.Errorf(entitle.CodeNotFound, "invitation %d not found", id)
	case errors.Is(err, entitle.ErrInvitationClosed) && !inv.AcceptedAt.IsZero():
		return entitle.Errorf(entitle.CodeConflict, "the invitation of %s was accepted already: %s is a user now", inv.Email, inv.Email)
	case errors.Is(err, entitle.ErrInvitationClosed):
		return entitle.Errorf(entitle.CodeConflict, "the invitation of %s was withdrawn: invite %s again instead", inv.Email, inv.Email)
	case errors.Is(err, entitle.ErrAlreadyInvited):
		return entitle.Errorf(entitle.CodeConflict, "%s has become a user meanwhile: no invitation needed", inv.Email)
	}
	return err
}
