package coworkers

import (
	"context"
	"errors"
	"strconv"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
)

// Users returns a page of the users of by's company, by email, after the
// address after. Any member sees their co-workers.
func (s *Service) Users(ctx context.Context, by entitle.Actor, after string, limit int) ([]User, error) {
	if err := policy.ListCoworkers(by, by.Company).Err("company", by.Company); err != nil {
		return nil, err
	}
	us, err := s.Store.CompanyUsers(ctx, by.Company, after, limit)
	if err != nil {
		return nil, err
	}
	out := make([]User, len(us))
	for i, u := range us {
		// Whether by administers this user at all; a change that would
		// leave the company without an administrator is refused when it
		// is asked for, with the policy's reason.
		out[i] = User{UserRecord: u, MayChange: policy.ChangeCoworker(by, u.User, entitle.UserChange{}, 1).Allowed,
			MayReset: policy.SendPasswordReset(by, u.User).Allowed}
	}
	return out, nil
}

// User is a co-worker as a user of the company sees them, with whether
// they may change them (disable, enable, promote, demote) and send them a
// password reset link.
type User struct {
	entitle.UserRecord
	MayChange bool
	MayReset  bool
}

// ChangeUser applies ch to the user with id, as by (an administrator of the
// user's company): disable (the user's sessions end; tokens stop working at
// once), enable, promote to or demote from administrator. The last active
// administrator of a company can be neither disabled nor demoted; the check
// and the change are one transaction. Every effective change is audited.
func (s *Service) ChangeUser(ctx context.Context, by entitle.Actor, id int64, ch entitle.UserChange) (entitle.UserRecord, error) {
	if ch.Status != nil && *ch.Status != entitle.UserActive && *ch.Status != entitle.UserDisabled {
		return entitle.UserRecord{}, entitle.Problems{{Field: "status", Message: `must be "active" or "disabled", not "` + string(*ch.Status) + `"`}}
	}
	check := func(u entitle.UserRecord, others int) error {
		d := policy.ChangeCoworker(by, u.User, ch, others)
		if !d.Visible {
			return entitle.ErrNotFound
		}
		return d.Err("user", strconv.FormatInt(id, 10))
	}
	ev := entitle.AuditEvent{At: s.now(), Actor: by.Email, Company: by.Company, Outcome: "ok"}
	u, err := s.Store.ChangeUser(ctx, id, ch, check, ev)
	if errors.Is(err, entitle.ErrNotFound) {
		return u, entitle.Errorf(entitle.CodeNotFound, "user %d not found", id)
	}
	return u, err
}
