package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/entitle-portal/entitle"
)

// Audit records events and returns once they are committed. Concurrent
// calls are committed together (group commit): one transaction, one sync to
// disk, for all the events waiting at that moment, so that disclosures — each
// of which is a write — never queue one by one behind the single writer. On
// SQLite they are committed to the audit spool and enter the chain within
// spoolInterval (auditspool.go); on PostgreSQL, into the chain directly.
func (db *DB) Audit(ctx context.Context, events ...entitle.AuditEvent) error {
	req := auditRequest{events: events, done: make(chan error, 1)}
	db.auditMu.RLock()
	if db.auditClosed {
		db.auditMu.RUnlock()
		return errors.New("the store is closed")
	}
	select {
	case db.auditq <- req:
		db.auditMu.RUnlock()
	case <-ctx.Done():
		db.auditMu.RUnlock()
		return ctx.Err()
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

type auditRequest struct {
	events []entitle.AuditEvent
	done   chan error
}

// maxAuditBatch bounds the events one group commit writes.
const maxAuditBatch = 1000

// auditBatchTimeout bounds the commit of one batch: longer than any request
// waits for its events.
const auditBatchTimeout = time.Minute

// auditWriter commits queued audit events in groups until the store closes,
// and then commits what is still queued.
func (db *DB) auditWriter() {
	defer close(db.auditDone)
	for {
		var batch []auditRequest
		select {
		case req := <-db.auditq:
			batch = append(batch, req)
		case <-db.closing:
			select {
			case req := <-db.auditq:
				batch = append(batch, req) // drain: nothing new can arrive once closing
			default:
				return
			}
		}
		n := len(batch[0].events)
	drain:
		for n < maxAuditBatch {
			select {
			case req := <-db.auditq:
				batch = append(batch, req)
				n += len(req.events)
			default:
				break drain
			}
		}
		// One transaction for the batch, which extends the chain once. A
		// transaction run again (PostgreSQL: a deadlock) reads the chain's
		// end again and hashes every event anew. It is bounded: a database
		// that stopped answering must not hold the writer, and every batch
		// behind it, past the time any caller waits.
		ctx, cancel := context.WithTimeout(context.Background(), auditBatchTimeout)
		var err error
		if db.spool != nil {
			err = db.spool.write(ctx, batch) // auditspool.go: chained within spoolInterval
		} else {
			err = db.chainTx(ctx, func(tx *sql.Tx) error {
				recs := make([]auditRecord, 0, n)
				for _, req := range batch {
					for _, e := range req.events {
						r, err := db.auditRecord(ctx, tx, e)
						if err != nil {
							return err
						}
						recs = append(recs, r)
					}
				}
				return db.chain(ctx, tx, true, recs)
			})
		}
		if err != nil && ctx.Err() != nil {
			err = fmt.Errorf("%w: the audit events could not be committed in %s (%w)", entitle.ErrUnavailable, auditBatchTimeout, err)
		}
		cancel()
		for _, req := range batch {
			req.done <- err
		}
	}
}

// AuditEvents returns up to limit events after id after, oldest first: of
// one company, or of all when company is "".
func (db *DB) AuditEvents(ctx context.Context, company string, after int64, limit int) ([]entitle.AuditEvent, error) {
	q := `SELECT ` + auditColumns + ` FROM ` + auditFrom + ` WHERE a.id > ?`
	args := []any{after}
	if company != "" {
		q += ` AND c.key = ?`
		args = append(args, company)
	}
	return db.queryAuditEvents(ctx, q+` ORDER BY a.id LIMIT ?`, append(args, limit)...)
}

// queryAuditEvents runs q, a SELECT of auditColumns, and reads the events.
func (db *DB) queryAuditEvents(ctx context.Context, q string, args ...any) ([]entitle.AuditEvent, error) {
	if err := db.settleAudit(ctx); err != nil {
		return nil, err
	}
	rows, err := db.r().QueryContext(ctx, db.d.q(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []entitle.AuditEvent
	for rows.Next() {
		var e entitle.AuditEvent
		var at int64
		var basis string
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Company, &e.Action, &e.Object, &basis, &e.Outcome, &e.Detail, &e.Hash); err != nil {
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

// FindAuditEvents is AuditEvents (newest false: after id at, oldest first)
// or AuditEventsNewest (newest: before id at, 0 from the newest, newest
// first) narrowed by f's filters, which combine. Each is read in event
// order from one index range (00018 and 00026): a user's or an object's
// events over every company when that filter is given (a company's own
// kept by the company filter), else the company's own events, else, over
// every company, the action's.
func (db *DB) FindAuditEvents(ctx context.Context, company string, f entitle.AuditFilter, at int64, newest bool, limit int) ([]entitle.AuditEvent, error) {
	var where []string
	var args []any
	// A column in an expression (+ 0, || '') keeps its index out of the
	// plan, on both databases: the company's range is read only when no user
	// or object narrows the events more, and an action narrows a company's
	// range, never leads it.
	companyCol, actionCol := `a.company_id`, `a.action`
	if company != "" {
		actionCol = `a.action || ''`
		if f.Actor != "" || f.Object != "" {
			companyCol = `a.company_id + 0`
		}
		where, args = append(where, companyCol+` = (SELECT id FROM companies WHERE key = ?)`), append(args, company)
	}
	for _, c := range []struct{ col, v string }{{"a.actor", f.Actor}, {actionCol, f.Action}, {"a.object", f.Object}} {
		if c.v != "" {
			where, args = append(where, c.col+` = ?`), append(args, c.v)
		}
	}
	if !f.From.IsZero() {
		where, args = append(where, `a.at >= ?`), append(args, f.From.Time().UnixMicro())
	}
	if !f.To.IsZero() {
		where, args = append(where, `a.at < ?`), append(args, f.To.AddDays(1).Time().UnixMicro())
	}
	order := `a.id`
	switch {
	case newest && at > 0:
		where, args = append(where, `a.id < ?`), append(args, at)
	case !newest:
		where, args = append(where, `a.id > ?`), append(args, at)
	}
	if newest {
		order = `a.id DESC`
	}
	q := `SELECT ` + auditColumns + ` FROM ` + auditFrom
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	return db.queryAuditEvents(ctx, q+` ORDER BY `+order+` LIMIT ?`, append(args, limit)...)
}
