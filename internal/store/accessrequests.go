package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/entitle-portal/entitle"
)

// Access requests (issue 14): who may create, open, answer and withdraw one
// is the policy's (internal/policy, accessrequests.go); the store keeps the
// record true under races — a request is answered once, while open.

const accessRequestColumns = `a.id, r.key, r.name, a.requested_by, a.message, a.days, a.suggestions, a.secret_hash, a.status,
	a.created_at, a.expires_at, COALESCE(o.key, ''), COALESCE(o.name, ''), COALESCE(d.key, ''), COALESCE(d.name, ''),
	a.decided_by, a.decided_at, a.reason, COALESCE(a.delegation_id, '')`

const accessRequestFrom = ` FROM access_requests a JOIN companies r ON r.id = a.requester_company_id
	LEFT JOIN companies o ON o.id = a.opened_company_id LEFT JOIN companies d ON d.id = a.decider_company_id`

func scanAccessRequest(row interface{ Scan(...any) error }) (entitle.AccessRequest, error) {
	var a entitle.AccessRequest
	var suggestions string
	var created, expires int64
	var decided sql.NullInt64
	err := row.Scan(&a.ID, &a.Requester, &a.RequesterName, &a.RequestedBy, &a.Message, &a.Days, &suggestions, &a.SecretHash, &a.Status,
		&created, &expires, &a.Opened, &a.OpenedName, &a.Decider, &a.DeciderName, &a.DecidedBy, &decided, &a.Reason, &a.DelegationID)
	a.CreatedAt, a.ExpiresAt, a.DecidedAt = time.UnixMicro(created).UTC(), time.UnixMicro(expires).UTC(), fromMicros(decided)
	if suggestions != "" {
		a.SubscriptionIDs = strings.Fields(suggestions)
	}
	return a, err
}

// CreateAccessRequest records a new open request of a.Requester, with its
// audit event, and returns it with its ID.
func (db *DB) CreateAccessRequest(ctx context.Context, a entitle.AccessRequest, ev entitle.AuditEvent) (entitle.AccessRequest, error) {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, db.d.q(`INSERT INTO access_requests (requester_company_id, requested_by, message, days, suggestions,
			secret_hash, status, created_at, expires_at)
			SELECT c.id, ?, ?, ?, ?, ?, ?, ?, ? FROM companies c WHERE c.key = ? RETURNING id`),
			a.RequestedBy, a.Message, a.Days, strings.Join(a.SubscriptionIDs, " "), a.SecretHash, entitle.AccessRequestOpen,
			a.CreatedAt.UnixMicro(), a.ExpiresAt.UnixMicro(), a.Requester).Scan(&a.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return entitle.Errorf(entitle.CodeNotFound, "no company with key %s", a.Requester)
		}
		if err != nil {
			return err
		}
		ev.Object = strconv.FormatInt(a.ID, 10)
		return db.appendAudit(ctx, tx, ev)
	})
	if err != nil {
		return a, err
	}
	return db.accessRequest(ctx, db.r(), `a.id = ?`, a.ID)
}

func (db *DB) accessRequest(ctx context.Context, q querier, where string, arg any) (entitle.AccessRequest, error) {
	a, err := scanAccessRequest(q.QueryRowContext(ctx, db.d.q(`SELECT `+accessRequestColumns+accessRequestFrom+` WHERE `+where), arg))
	if errors.Is(err, sql.ErrNoRows) {
		return a, entitle.ErrNotFound
	}
	return a, err
}

// AccessRequest returns request id (ErrNotFound).
func (db *DB) AccessRequest(ctx context.Context, id int64) (entitle.AccessRequest, error) {
	return db.accessRequest(ctx, db.r(), `a.id = ?`, id)
}

// AccessRequestBySecret returns the request whose link's secret hashes to
// hash (ErrNotFound).
func (db *DB) AccessRequestBySecret(ctx context.Context, hash string) (entitle.AccessRequest, error) {
	return db.accessRequest(ctx, db.r(), `a.secret_hash = ?`, hash)
}

// AccessRequests returns, newest first, at most limit requests company
// sent, or (received) those it answered or whose link one of its users
// opened.
func (db *DB) AccessRequests(ctx context.Context, company string, received bool, limit int) ([]entitle.AccessRequest, error) {
	where := `a.requester_company_id = (SELECT id FROM companies WHERE key = ?)`
	args := []any{company}
	if received {
		where = `(a.decider_company_id = (SELECT id FROM companies WHERE key = ?) OR a.opened_company_id = (SELECT id FROM companies WHERE key = ?))`
		args = append(args, company)
	}
	rows, err := db.r().QueryContext(ctx, db.d.q(`SELECT `+accessRequestColumns+accessRequestFrom+` WHERE `+where+` ORDER BY a.id DESC LIMIT ?`),
		append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []entitle.AccessRequest
	for rows.Next() {
		a, err := scanAccessRequest(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// OpenAccessRequest records that a user of company opened request id's
// link while it is open, with the audit event of the opening, in one
// transaction.
func (db *DB) OpenAccessRequest(ctx context.Context, id int64, company string, ev entitle.AuditEvent) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.d.q(`UPDATE access_requests SET opened_company_id = (SELECT id FROM companies WHERE key = ?)
			WHERE id = ? AND status = ? AND decider_company_id IS NULL`), company, id, entitle.AccessRequestOpen); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, ev)
	})
}

// closeAccessRequest checks request id inside tx (check's error is
// returned as is) and sets its answer; the request must still be open.
func (db *DB) closeAccessRequest(ctx context.Context, tx *sql.Tx, id int64, check func(entitle.AccessRequest) error, status, decider, by, reason, delegation string, now time.Time) (entitle.AccessRequest, error) {
	a, err := db.accessRequest(ctx, tx, `a.id = ?`, id)
	if err != nil {
		return a, err
	}
	if err := check(a); err != nil {
		return a, err
	}
	var deciderID, dlg any
	if decider != "" {
		deciderID = decider
	}
	if delegation != "" {
		dlg = delegation
	}
	res, err := tx.ExecContext(ctx, db.d.q(`UPDATE access_requests SET status = ?, decided_by = ?, decided_at = ?, reason = ?, delegation_id = ?,
		decider_company_id = (SELECT id FROM companies WHERE key = ?) WHERE id = ? AND status = ?`),
		status, by, now.UnixMicro(), reason, dlg, deciderID, id, entitle.AccessRequestOpen)
	if err != nil {
		return a, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return a, entitle.Errorf(entitle.CodeConflict, "this access request was answered already")
	}
	return db.accessRequest(ctx, tx, `a.id = ?`, id)
}

// ApproveAccessRequest closes open request id as approved by d.Owner,
// after check has seen it, and records delegation d (the gate decided R5
// and wrote grantEv) with both audit events, in one transaction: an
// approval and its delegation exist together or not at all.
func (db *DB) ApproveAccessRequest(ctx context.Context, id int64, check func(entitle.AccessRequest) error, d entitle.Delegation, grantEv, ev entitle.AuditEvent) (entitle.Delegation, entitle.AccessRequest, error) {
	if err := withDelegationID(&d); err != nil {
		return d, entitle.AccessRequest{}, err
	}
	if err := d.Validate(); err != nil {
		return d, entitle.AccessRequest{}, err
	}
	var a entitle.AccessRequest
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := db.grantDelegation(ctx, tx, d, grantEv); err != nil {
			return err
		}
		var err error
		if a, err = db.closeAccessRequest(ctx, tx, id, check, entitle.AccessRequestApproved, d.Owner, d.CreatedBy, "", d.ID, d.CreatedAt); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, ev)
	})
	return d, a, err
}

// CloseAccessRequest closes open request id with status (declined by
// decider, or withdrawn: decider ""), after check has seen it, with its
// audit event, in one transaction.
func (db *DB) CloseAccessRequest(ctx context.Context, id int64, check func(entitle.AccessRequest) error, status, decider, by, reason string, now time.Time, ev entitle.AuditEvent) (entitle.AccessRequest, error) {
	var a entitle.AccessRequest
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		if a, err = db.closeAccessRequest(ctx, tx, id, check, status, decider, by, reason, "", now); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, ev)
	})
	return a, err
}
