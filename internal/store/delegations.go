package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/entitle-portal/entitle"
)

// AddDelegations records delegations as given, in one transaction. It checks
// the records' own fields and that the companies and subscriptions exist; R5
// (who may grant what) is the caller's to decide through the policy.
func (db *DB) AddDelegations(ctx context.Context, ds []entitle.Delegation) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		ins, err := tx.PrepareContext(ctx, db.d.q(`INSERT INTO delegations (id, owner_id, delegate_id, all_scope, expires_at, created_at, created_by, revoked_at, revoked_by)
			SELECT ?, o.id, g.id, ?, ?, ?, ?, ?, ? FROM companies o, companies g WHERE o.key = ? AND g.key = ?`))
		if err != nil {
			return err
		}
		defer ins.Close()
		item, err := tx.PrepareContext(ctx, db.d.q(`INSERT INTO delegation_items (delegation_id, subscription_id, delegate_id)
			SELECT ?, ?, id FROM companies WHERE key = ?`))
		if err != nil {
			return err
		}
		defer item.Close()
		for _, d := range ds {
			if err := d.Validate(); err != nil {
				return fmt.Errorf("delegation %s: %w", d.ID, err)
			}
			var revokedBy any
			if d.RevokedBy != "" {
				revokedBy = d.RevokedBy
			}
			res, err := ins.ExecContext(ctx, d.ID, d.All(), micros(d.ExpiresAt), d.CreatedAt.UnixMicro(), d.CreatedBy,
				micros(d.RevokedAt), revokedBy, d.Owner, d.Delegate)
			if err != nil {
				return fmt.Errorf("delegation %s: %w", d.ID, err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return entitle.Errorf(entitle.CodeNotFound, "delegation %s: no company %s or %s", d.ID, d.Owner, d.Delegate)
			}
			for _, sub := range d.SubscriptionIDs {
				if _, err := item.ExecContext(ctx, d.ID, sub, d.Delegate); err != nil {
					return fmt.Errorf("delegation %s, subscription %s: %w", d.ID, sub, err)
				}
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
		rows, err := db.ro.QueryContext(ctx, db.d.q(`SELECT `+delegationColumns+`
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
	rows, err := db.ro.QueryContext(ctx, db.d.q(`SELECT subscription_id FROM delegation_items WHERE delegation_id = ? ORDER BY subscription_id`), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	subs := []string{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		subs = append(subs, s)
	}
	return subs, rows.Err()
}
