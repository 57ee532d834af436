package coworkers

import (
	"context"
	"errors"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
)

// Users returns a page of the users of by's company, by email, after the
// address after. Any member sees their co-workers.
func (s *Service) Users(ctx context.Context, by entitle.Actor, after string, limit int) ([]entitle.UserRecord, error) {
	d, _ := policy.ListCoworkers(by, by.Company)
	if !d.Allowed {
		return nil, entitle.Errorf(entitle.CodeForbidden, "%s", reason(d))
	}
	return s.DB.CompanyUsers(ctx, by.Company, after, limit)
}

// Change is a change of one user: nil fields stay as they are.
type Change struct {
	Status *entitle.UserStatus
	Admin  *bool
}

// ChangeUser applies ch to the user with id, as by (an administrator of the
// user's company): disable (the user's sessions end; tokens stop working at
// once), enable, promote to or demote from administrator. The last active
// administrator of a company can be neither disabled nor demoted; the check
// and the change are one transaction. Every effective change is audited.
func (s *Service) ChangeUser(ctx context.Context, by entitle.Actor, id int64, ch Change) (entitle.UserRecord, error) {
	if ch.Status != nil && *ch.Status != entitle.UserActive && *ch.Status != entitle.UserDisabled {
		return entitle.UserRecord{}, entitle.Problems{{Field: "status", Message: `must be "active" or "disabled", not "` + string(*ch.Status) + `"`}}
	}
	check := func(u entitle.UserRecord, others int) error {
		pc := policy.UserChange{}
		if ch.Status != nil {
			pc.Disable = *ch.Status == entitle.UserDisabled
			pc.Enable = *ch.Status == entitle.UserActive
		}
		if ch.Admin != nil {
			pc.Promote, pc.Demote = *ch.Admin, !*ch.Admin
		}
		d, visible := policy.ChangeCoworker(by, u.User, pc, others)
		switch {
		case !visible:
			return entitle.ErrNotFound
		case !d.Allowed:
			return entitle.Errorf(entitle.CodeForbidden, "%s", reason(d))
		}
		return nil
	}
	ev := entitle.AuditEvent{At: s.now(), Actor: by.Email, Company: by.Company, Outcome: "ok"}
	u, err := s.DB.ChangeUser(ctx, id, entitle.UserChange{Status: ch.Status, Admin: ch.Admin}, check, ev)
	if errors.Is(err, entitle.ErrNotFound) {
		return u, entitle.Errorf(entitle.CodeNotFound, "user %d not found", id)
	}
	return u, err
}
