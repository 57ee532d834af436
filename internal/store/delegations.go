package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/entitle-portal/entitle"
)

// AddDelegations records delegations as given, in one transaction. It checks
// the records' own fields and that the companies and subscriptions exist; R5
// (who may grant what) is the caller's to decide through the policy.
func (db *DB) AddDelegations(ctx context.Context, ds []entitle.Delegation) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		for _, d := range ds {
			if err := d.Validate(); err != nil {
				return fmt.Errorf("delegation %s: %w", d.ID, err)
			}
			if err := insertDelegation(ctx, db.d, tx, d); err != nil {
				return err
			}
		}
		return nil
	})
}

const delegationColumns = `d.id, o.key, g.key, d.all_scope, d.expires_at, d.created_at, d.created_by, d.revoked_at, COALESCE(d.revoked_by, '')`

func scanDelegation(row interface{ Scan(...any) error }) (entitle.Delegation, bool, error) {
	var d entitle.Delegation
	var all bool
	var expires, revoked sql.NullInt64
	var created int64
	err := row.Scan(&d.ID, &d.Owner, &d.Delegate, &all, &expires, &created, &d.CreatedBy, &revoked, &d.RevokedBy)
	d.ExpiresAt, d.RevokedAt, d.CreatedAt = fromMicros(expires), fromMicros(revoked), time.UnixMicro(created).UTC()
	return d, all, err
}

// Delegations returns the delegations granted by company (granted) and
// those naming it as delegate (received), in any state, newest first. Listed
// subscription IDs are filled in.
func (db *DB) Delegations(ctx context.Context, company string) (granted, received []entitle.Delegation, err error) {
	for _, side := range []struct {
		col string
		dst *[]entitle.Delegation
	}{{"o.key", &granted}, {"g.key", &received}} {
		rows, err := db.r().QueryContext(ctx, db.d.q(`SELECT `+delegationColumns+`
			FROM delegations d JOIN companies o ON o.id = d.owner_id JOIN companies g ON g.id = d.delegate_id
			WHERE `+side.col+` = ? ORDER BY d.created_at DESC, d.id`), company)
		if err != nil {
			return nil, nil, err
		}
		var listed []int
		for rows.Next() {
			d, all, err := scanDelegation(rows)
			if err != nil {
				rows.Close()
				return nil, nil, err
			}
			if !all {
				listed = append(listed, len(*side.dst))
			}
			*side.dst = append(*side.dst, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, err
		}
		for _, i := range listed {
			d := &(*side.dst)[i]
			if d.SubscriptionIDs, err = db.delegationItems(ctx, d.ID); err != nil {
				return nil, nil, err
			}
		}
	}
	return granted, received, nil
}

func (db *DB) delegationItems(ctx context.Context, id string) ([]string, error) {
	subs, err := db.strings(ctx, `SELECT subscription_id FROM delegation_items WHERE delegation_id = ? ORDER BY subscription_id`, id)
	if subs == nil && err == nil {
		subs = []string{} // a listed delegation of nothing is not one of everything
	}
	return subs, err
}

// GrantDelegation records a delegation granted by d.Owner, with its audit
// event, in one transaction. The delegate must exist, and every listed
// subscription must be owned by the granting company at that moment (R5 is
// decided by the policy before; this keeps the record true under races).
func (db *DB) GrantDelegation(ctx context.Context, d entitle.Delegation, ev entitle.AuditEvent) (entitle.Delegation, error) {
	if err := withDelegationID(&d); err != nil {
		return d, err
	}
	if err := d.Validate(); err != nil {
		return d, err
	}
	return d, db.tx(ctx, func(tx *sql.Tx) error { return db.grantDelegation(ctx, tx, d, ev) })
}

// withDelegationID gives d a new random ID unless it has one.
func withDelegationID(d *entitle.Delegation) error {
	if d.ID != "" {
		return nil
	}
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return err
	}
	d.ID = "dlg_" + hex.EncodeToString(b)
	return nil
}

// grantDelegation is GrantDelegation inside tx (d has its ID): an access
// request's approval records the delegation and closes the request in one
// transaction.
func (db *DB) grantDelegation(ctx context.Context, tx *sql.Tx, d entitle.Delegation, ev entitle.AuditEvent) error {
	var delegate int64
	err := tx.QueryRowContext(ctx, db.d.q(`SELECT id FROM companies WHERE key = ?`), d.Delegate).Scan(&delegate)
	if errors.Is(err, sql.ErrNoRows) {
		return entitle.Errorf(entitle.CodeInvalid, "delegate: no company with key %s", d.Delegate)
	}
	if err != nil {
		return err
	}
	for _, sub := range d.SubscriptionIDs {
		var n int
		if err := tx.QueryRowContext(ctx, db.d.q(`SELECT COUNT(*) FROM entitlements e JOIN companies c ON c.id = e.owner_id
			WHERE e.subscription_id = ? AND c.key = ?`), sub, d.Owner).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return entitle.Errorf(entitle.CodeNotFound, "entitlement %s not found", sub)
		}
	}
	if err := insertDelegation(ctx, db.d, tx, d); err != nil {
		return err
	}
	if err := db.appendEvent(ctx, tx, entitle.Event{Type: entitle.EventDelegationGranted, Subject: d.ID, At: d.CreatedAt}); err != nil {
		return err
	}
	ev.Object = d.ID
	return db.appendAudit(ctx, tx, ev)
}

func insertDelegation(ctx context.Context, dl dialect, tx *sql.Tx, d entitle.Delegation) error {
	var revokedBy any
	if d.RevokedBy != "" {
		revokedBy = d.RevokedBy
	}
	res, err := tx.ExecContext(ctx, dl.q(`INSERT INTO delegations (id, owner_id, delegate_id, all_scope, expires_at, created_at, created_by, revoked_at, revoked_by)
		SELECT ?, o.id, g.id, ?, ?, ?, ?, ?, ? FROM companies o, companies g WHERE o.key = ? AND g.key = ?`),
		d.ID, d.All(), micros(d.ExpiresAt), d.CreatedAt.UnixMicro(), d.CreatedBy, micros(d.RevokedAt), revokedBy, d.Owner, d.Delegate)
	if err != nil {
		return fmt.Errorf("delegation %s: %w", d.ID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return entitle.Errorf(entitle.CodeNotFound, "delegation %s: no company %s or %s", d.ID, d.Owner, d.Delegate)
	}
	for _, sub := range d.SubscriptionIDs {
		res, err := tx.ExecContext(ctx, dl.q(`INSERT INTO delegation_items (delegation_id, subscription_id, delegate_id, end_date)
			SELECT ?, e.subscription_id, g.id, e.end_date FROM companies g, entitlements e WHERE g.key = ? AND e.subscription_id = ?`), d.ID, d.Delegate, sub)
		if err != nil {
			return fmt.Errorf("delegation %s, subscription %s: %w", d.ID, sub, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return entitle.Errorf(entitle.CodeNotFound, "delegation %s: no entitlement %s", d.ID, sub)
		}
	}
	return nil
}

// Delegation returns one delegation by id, with its listed subscriptions.
func (db *DB) Delegation(ctx context.Context, id string) (entitle.Delegation, error) {
	d, all, err := scanDelegation(db.r().QueryRowContext(ctx, db.d.q(`SELECT `+delegationColumns+`
		FROM delegations d JOIN companies o ON o.id = d.owner_id JOIN companies g ON g.id = d.delegate_id WHERE d.id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return d, entitle.ErrNotFound
	}
	if err != nil || all {
		return d, err
	}
	d.SubscriptionIDs, err = db.delegationItems(ctx, id)
	return d, err
}

// RevokeDelegation ends delegation id of owner at now, with its audit event,
// in one transaction. Revoking one already revoked changes nothing.
func (db *DB) RevokeDelegation(ctx context.Context, id, owner, by string, now time.Time, ev entitle.AuditEvent) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		var revoked sql.NullInt64
		err := tx.QueryRowContext(ctx, db.d.q(`SELECT d.revoked_at FROM delegations d JOIN companies o ON o.id = d.owner_id
			WHERE d.id = ? AND o.key = ?`), id, owner).Scan(&revoked)
		if errors.Is(err, sql.ErrNoRows) {
			return entitle.ErrNotFound
		}
		if err != nil || revoked.Valid {
			return err
		}
		if _, err := tx.ExecContext(ctx, db.d.q(`UPDATE delegations SET revoked_at = ?, revoked_by = ? WHERE id = ?`), now.UnixMicro(), by, id); err != nil {
			return err
		}
		if err := db.appendEvent(ctx, tx, entitle.Event{Type: entitle.EventDelegationRevoked, Subject: id, At: now}); err != nil {
			return err
		}
		ev.Object = id
		return db.appendAudit(ctx, tx, ev)
	})
}
