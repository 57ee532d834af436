package store

import (
	"context"
	"database/sql"
	"errors"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/entitle-portal/entitle"
)

// Timeline returns what the record holds about subscription sub through
// time (ErrNotFound when there is none): when its order came into the
// portal, the order's role assignments as placed, the ownership transfers
// made, and every delegation of the companies that owned it which covered
// it, in any state — listed ones whose entitlement a transfer took away
// too, with the instant — and from when the record is complete. The
// policy computes who could see it when (R8 through time).
func (db *DB) Timeline(ctx context.Context, sub string) (entitle.Timeline, error) {
	q := db.r()
	tl := entitle.Timeline{SubscriptionID: sub}
	var orderID int64
	var imported sql.NullInt64
	err := q.QueryRowContext(ctx, db.d.q(`SELECT e.order_id, o.imported_at FROM entitlements e JOIN orders o ON o.id = e.order_id
		WHERE e.subscription_id = ?`), sub).Scan(&orderID, &imported)
	if errors.Is(err, sql.ErrNoRows) {
		return tl, entitle.ErrNotFound
	}
	if err != nil {
		return tl, err
	}
	tl.Imported = fromMicros(imported)
	var complete sql.NullInt64
	err = q.QueryRowContext(ctx, `SELECT complete_from FROM access_history WHERE id = 1`).Scan(&complete)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return tl, err
	}
	tl.CompleteFrom = fromMicros(complete)

	rows, err := q.QueryContext(ctx, db.d.q(`SELECT r.role, c.key FROM order_roles r JOIN companies c ON c.id = r.company_id
		WHERE r.order_id = ? ORDER BY r.position`), orderID)
	if err != nil {
		return tl, err
	}
	owners := map[string]bool{}
	for rows.Next() {
		var a entitle.RoleAssignment
		if err := rows.Scan(&a.Role, &a.Company); err != nil {
			rows.Close()
			return tl, err
		}
		if a.Role == entitle.RoleOwner {
			owners[a.Company] = true
		}
		tl.Roles = append(tl.Roles, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return tl, err
	}

	// Ownership moves: accepted offers and the vendor's direct moves.
	rows, err = q.QueryContext(ctx, db.d.q(`SELECT t.decided_at, fc.key, tc.key FROM transfers t
		JOIN companies fc ON fc.id = t.from_company_id JOIN companies tc ON tc.id = t.to_company_id
		WHERE t.subscription_id = ? AND t.status IN (?, ?) AND t.decided_at IS NOT NULL ORDER BY t.decided_at, t.id`),
		sub, entitle.TransferAccepted, entitle.TransferDone)
	if err != nil {
		return tl, err
	}
	for rows.Next() {
		var m entitle.OwnerMove
		var at int64
		if err := rows.Scan(&at, &m.From, &m.To); err != nil {
			rows.Close()
			return tl, err
		}
		m.At = time.UnixMicro(at).UTC()
		owners[m.To] = true
		tl.Moves = append(tl.Moves, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return tl, err
	}

	// The delegations of its owners that covered it: all-scope ones, listed
	// ones that list it still, and listed ones a transfer took it from.
	for _, owner := range slices.Sorted(maps.Keys(owners)) {
		rows, err := q.QueryContext(ctx, db.d.q(`SELECT `+delegationColumns+`,
			(SELECT MIN(x.dropped_at) FROM delegation_items_dropped x WHERE x.delegation_id = d.id AND x.subscription_id = ?)
			FROM delegations d JOIN companies o ON o.id = d.owner_id JOIN companies g ON g.id = d.delegate_id
			WHERE o.key = ? AND (d.all_scope
				OR EXISTS (SELECT 1 FROM delegation_items i WHERE i.delegation_id = d.id AND i.subscription_id = ?)
				OR EXISTS (SELECT 1 FROM delegation_items_dropped x WHERE x.delegation_id = d.id AND x.subscription_id = ?))
			ORDER BY d.id`), sub, owner, sub, sub)
		if err != nil {
			return tl, err
		}
		for rows.Next() {
			var d entitle.TimedDelegation
			var all bool
			var expires, revoked, dropped sql.NullInt64
			var created int64
			if err := rows.Scan(&d.ID, &d.Owner, &d.Delegate, &all, &expires, &created, &d.CreatedBy, &revoked, &d.RevokedBy, &dropped); err != nil {
				rows.Close()
				return tl, err
			}
			d.ExpiresAt, d.RevokedAt, d.CreatedAt = fromMicros(expires), fromMicros(revoked), time.UnixMicro(created).UTC()
			if !all {
				d.SubscriptionIDs = []string{sub}
				d.Dropped = fromMicros(dropped)
			}
			tl.Delegations = append(tl.Delegations, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return tl, err
		}
	}
	slices.SortFunc(tl.Delegations, func(a, b entitle.TimedDelegation) int { return strings.Compare(a.ID, b.ID) })
	return tl, nil
}
