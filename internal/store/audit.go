package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/entitle-portal/entitle"
)

// AuditEvent is one disclosure or change: who, which company, what, on what
// basis, with what outcome, when.
type AuditEvent struct {
	ID      int64
	At      time.Time
	Actor   string // user email, or "cli"
	Company string // the actor's company key; "" for the console
	Action  string // e.g. entitlement.export, import, user.add
	Object  string
	Basis   []entitle.Basis
	Outcome string // ok, denied, invalid
	Detail  string
}

// appendAudit writes an audit event inside tx, so that it commits or rolls
// back with what it records.
func appendAudit(ctx context.Context, d dialect, tx querier, e AuditEvent) error {
	basis := make([]string, len(e.Basis))
	for i, b := range e.Basis {
		basis[i] = string(b)
	}
	var company any
	if e.Company != "" {
		var id int64
		if err := tx.QueryRowContext(ctx, d.q(`SELECT id FROM companies WHERE key = ?`), e.Company).Scan(&id); err != nil {
			return err
		}
		company = id
	}
	if e.Actor == "" {
		e.Actor = "cli"
	}
	_, err := tx.ExecContext(ctx, d.q(`INSERT INTO audit_events (at, actor, company_id, action, object, basis, outcome, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), e.At.UnixMicro(), e.Actor, company, e.Action, e.Object, strings.Join(basis, ","), e.Outcome, e.Detail)
	return err
}

// Audit records events in one transaction.
func (db *DB) Audit(ctx context.Context, events ...AuditEvent) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		for _, e := range events {
			if err := appendAudit(ctx, db.d, tx, e); err != nil {
				return err
			}
		}
		return nil
	})
}

// AuditEvents returns up to limit events after id after, oldest first: of
// one company, or of all when company is "".
func (db *DB) AuditEvents(ctx context.Context, company string, after int64, limit int) ([]AuditEvent, error) {
	q := `SELECT a.id, a.at, a.actor, COALESCE(c.key, ''), a.action, a.object, a.basis, a.outcome, a.detail
		FROM audit_events a LEFT JOIN companies c ON c.id = a.company_id WHERE a.id > ?`
	args := []any{after}
	if company != "" {
		q += ` AND c.key = ?`
		args = append(args, company)
	}
	q += ` ORDER BY a.id LIMIT ?`
	args = append(args, limit)
	rows, err := db.ro.QueryContext(ctx, db.d.q(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AuditEvent
	for rows.Next() {
		var e AuditEvent
		var at int64
		var basis string
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Company, &e.Action, &e.Object, &basis, &e.Outcome, &e.Detail); err != nil {
			return nil, err
		}
		e.At = time.UnixMicro(at).UTC()
		for _, b := range strings.Split(basis, ",") {
			if b != "" {
				e.Basis = append(e.Basis, entitle.Basis(b))
			}
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
