// Package audit is the audit trail as the portal's users read it: a
// company's administrators page through their own company's events, the
// vendor's administrators through every company's (or one company's), as
// internal/policy's ReadAudit decides (R7: nobody else reads any). Writing
// the trail, its hash chain, verification and export are the store's and
// the console's (entitle audit …).
package audit

import (
	"context"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
)

// Store reads audit events.
type Store interface {
	// AuditEvents returns events of company ("": all) after id after,
	// oldest first; AuditEventsNewest those before id before (0: from the
	// newest), newest first.
	AuditEvents(ctx context.Context, company string, after int64, limit int) ([]entitle.AuditEvent, error)
	AuditEventsNewest(ctx context.Context, company string, before int64, limit int) ([]entitle.AuditEvent, error)
	// FindAuditEvents reads as AuditEvents (newest false) or
	// AuditEventsNewest do, narrowed by the filters of f.
	FindAuditEvents(ctx context.Context, company string, f entitle.AuditFilter, at int64, newest bool, limit int) ([]entitle.AuditEvent, error)
}

// Service reads the audit trail for users.
type Service struct {
	Store Store
}

// Readable says whether a may read any audit event: nil, or the refusal
// to answer. The portal's navigation shows its Audit entry on it: the very
// decision that guards the reading.
func (s *Service) Readable(a entitle.Actor) error {
	return policy.ReadAudit(a).Err("audit trail of", a.Company)
}

// Query is a page of the trail asked for.
type Query struct {
	// Company narrows the vendor's reading to one company; "" is every
	// company for the vendor, the own company for anybody else.
	Company string
	Newest  bool  // newest first (else oldest first)
	At      int64 // the event ID the page continues from (0: the start)
	Limit   int
	// Filter narrows the events read (by user, action, object, dates);
	// it never widens whose events are read.
	Filter entitle.AuditFilter
}

// Events returns a page of the events a may read, as q asks, and the
// company it was read for ("" for every company).
func (s *Service) Events(ctx context.Context, a entitle.Actor, q Query) ([]entitle.AuditEvent, string, error) {
	d := policy.ReadAudit(a)
	if err := s.Readable(a); err != nil {
		return nil, "", err
	}
	company := q.Company
	switch {
	case company != "" && d.Scope != policy.ScopeAll:
		return nil, "", entitle.Problems{{Field: "company", Message: "only the vendor reads other companies' events; leave it out to read your own"}}
	case d.Scope != policy.ScopeAll:
		company = a.Company
	}
	var events []entitle.AuditEvent
	var err error
	if !q.Filter.IsZero() {
		events, err = s.Store.FindAuditEvents(ctx, company, q.Filter, q.At, q.Newest, q.Limit)
	} else if q.Newest {
		events, err = s.Store.AuditEventsNewest(ctx, company, q.At, q.Limit)
	} else {
		events, err = s.Store.AuditEvents(ctx, company, q.At, q.Limit)
	}
	return events, company, err
}
