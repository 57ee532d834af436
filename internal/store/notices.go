package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/entitle-portal/entitle"
)

// Expiry notices (internal/notices): the entitlements nearing their end
// date, and the claims that make each (entitlement, stage, recipient
// company) notice go out once, however many processes run the notices.

// ExpiringEntitlements returns up to limit entitlements whose end date is in
// [from, to], after position after, in (end date, subscription ID) order:
// one range of the entitlements_end index, paged by key. Each comes with its
// order's role assignments and the claims already made for it.
func (db *DB) ExpiringEntitlements(ctx context.Context, from, to entitle.Date, after entitle.ExpiringAfter, limit int) ([]entitle.Expiring, error) {
	if after.EndDate.IsZero() || after.EndDate.Before(from) {
		after = entitle.ExpiringAfter{EndDate: from} // (from, "") precedes every entitlement ending on from
	}
	rows, err := db.r().QueryContext(ctx, db.d.q(`SELECT e.subscription_id, e.end_date, e.owner_id, e.order_id FROM entitlements e
		WHERE (e.end_date, e.subscription_id) > (?, ?) AND e.end_date <= ?
		ORDER BY e.end_date, e.subscription_id LIMIT ?`), after.EndDate.String(), after.SubscriptionID, to.String(), limit)
	if err != nil {
		return nil, err
	}
	var out []entitle.Expiring
	var orders []int64
	orderOf := map[string]int64{}
	for rows.Next() {
		var x entitle.Expiring
		var end string
		var owner, order int64
		if err := rows.Scan(&x.SubscriptionID, &end, &owner, &order); err != nil {
			rows.Close()
			return nil, err
		}
		if x.EndDate, err = entitle.ParseDate(end); err != nil {
			rows.Close()
			return nil, err
		}
		if x.Owner, err = db.companyKey(ctx, owner); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, x)
		orders = append(orders, order)
		orderOf[x.SubscriptionID] = order
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	roles, err := db.orderRoles(ctx, orders)
	if err != nil {
		return nil, err
	}
	subs := make([]string, len(out))
	for i := range out {
		subs[i] = out[i].SubscriptionID
		for _, a := range roles[orderOf[subs[i]]] {
			if a.Role == entitle.RoleOwner {
				a.Company = out[i].Owner // an ownership transfer may have changed it since the PO
			}
			out[i].Roles = append(out[i].Roles, a)
		}
	}
	claims, err := db.NoticeClaims(ctx, subs)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Claims = claims[out[i].SubscriptionID]
	}
	return out, nil
}

// orderRoles returns the role assignments of orders, in the order listed,
// by order id.
func (db *DB) orderRoles(ctx context.Context, orders []int64) (map[int64][]entitle.RoleAssignment, error) {
	ids := slices.Compact(slices.Sorted(slices.Values(orders)))
	out := map[int64][]entitle.RoleAssignment{}
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := db.r().QueryContext(ctx, db.d.q(`SELECT order_id, role, company_id FROM order_roles
			WHERE order_id IN (`+placeholders(len(chunk))+`) ORDER BY order_id, position`), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var order, cid int64
			var a entitle.RoleAssignment
			if err := rows.Scan(&order, &a.Role, &cid); err != nil {
				rows.Close()
				return nil, err
			}
			if a.Company, err = db.companyKey(ctx, cid); err != nil {
				rows.Close()
				return nil, err
			}
			out[order] = append(out[order], a)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// NoticeClaims returns the claims made for subs, by subscription ID.
func (db *DB) NoticeClaims(ctx context.Context, subs []string) (map[string][]entitle.NoticeClaim, error) {
	out := map[string][]entitle.NoticeClaim{}
	for len(subs) > 0 {
		chunk := subs[:min(len(subs), 500)]
		subs = subs[len(chunk):]
		rows, err := db.r().QueryContext(ctx, db.d.q(`SELECT subscription_id, stage, company_id, claimed_at, sent_at, attempts, last_error
			FROM notice_claims WHERE subscription_id IN (`+placeholders(len(chunk))+`)
			ORDER BY subscription_id, stage, company_id`), anys(chunk)...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var c entitle.NoticeClaim
			var cid int64
			var claimed, sent sql.NullInt64
			if err := rows.Scan(&c.SubscriptionID, &c.Stage, &cid, &claimed, &sent, &c.Attempts, &c.LastError); err != nil {
				rows.Close()
				return nil, err
			}
			if c.Company, err = db.companyKey(ctx, cid); err != nil {
				rows.Close()
				return nil, err
			}
			c.ClaimedAt, c.SentAt = fromMicros(claimed), fromMicros(sent)
			out[c.SubscriptionID] = append(out[c.SubscriptionID], c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// claimChunk bounds the rows one claim statement names.
const claimChunk = 200

// ClaimNotices claims the notices of batch for the run holding token, at
// now, in one transaction, and returns the subscription IDs it claimed, in
// order. A notice nobody claimed yet is inserted (INSERT … ON CONFLICT DO
// NOTHING: the rows inserted are this run's); one claimed before but never
// sent is taken over when its claim was released (a failed send) or is older
// than lease (its run died), by an UPDATE whose condition is that very
// state, so that of two runs only one takes it. A notice already sent, or
// claimed by a live run, is not claimed.
//
// When anything was claimed, the event audit returns for the claimed IDs is
// appended in the same transaction: the disclosure is recorded before the
// mail goes out.
func (db *DB) ClaimNotices(ctx context.Context, batch entitle.NoticeBatch, token string, now time.Time, lease time.Duration,
	audit func(claimed []string) entitle.AuditEvent) ([]string, error) {
	cid, err := db.companyID(ctx, batch.Company)
	if err != nil {
		return nil, fmt.Errorf("company %s: %w", batch.Company, err)
	}
	at, cutoff := now.UnixMicro(), now.Add(-lease).UnixMicro()
	var claimed []string
	err = db.tx(ctx, func(tx *sql.Tx) error {
		claimed = claimed[:0]
		got := map[string]bool{}
		for items := batch.Items; len(items) > 0; {
			chunk := items[:min(len(items), claimChunk)]
			items = items[len(chunk):]
			args := make([]any, 0, 6*len(chunk))
			for _, it := range chunk {
				args = append(args, it.SubscriptionID, batch.Stage, it.EndDate.String(), cid, token, at)
			}
			values := slices.Repeat([]string{"(?, ?, ?, ?, ?, ?)"}, len(chunk))
			if err := collect(ctx, tx, db.d.q(`INSERT INTO notice_claims (subscription_id, stage, end_date, company_id, claim, claimed_at)
				VALUES `+strings.Join(values, ", ")+` ON CONFLICT DO NOTHING RETURNING subscription_id`), args, got); err != nil {
				return fmt.Errorf("claim notices: %w", err)
			}
		}
		var rest []string
		for _, it := range batch.Items {
			if !got[it.SubscriptionID] {
				rest = append(rest, it.SubscriptionID)
			}
		}
		for len(rest) > 0 {
			chunk := rest[:min(len(rest), claimChunk)]
			rest = rest[len(chunk):]
			args := append([]any{token, at, cid, batch.Stage}, anys(chunk)...)
			args = append(args, cutoff)
			if err := collect(ctx, tx, db.d.q(`UPDATE notice_claims SET claim = ?, claimed_at = ?, attempts = attempts + 1
				WHERE company_id = ? AND stage = ? AND subscription_id IN (`+placeholders(len(chunk))+`)
				AND sent_at IS NULL AND (claimed_at IS NULL OR claimed_at <= ?)
				RETURNING subscription_id`), args, got); err != nil {
				return fmt.Errorf("take over notices: %w", err)
			}
		}
		for sub := range got {
			claimed = append(claimed, sub)
		}
		slices.Sort(claimed)
		if len(claimed) == 0 || audit == nil {
			return nil
		}
		return db.appendAudit(ctx, tx, audit(claimed))
	})
	if err != nil {
		return nil, err
	}
	return claimed, nil
}

// collect runs a statement that returns subscription IDs and adds them to got.
func collect(ctx context.Context, tx *sql.Tx, query string, args []any, got map[string]bool) error {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var sub string
		if err := rows.Scan(&sub); err != nil {
			return err
		}
		got[sub] = true
	}
	return rows.Err()
}

// MarkNoticesSent records that the digest listing batch was sent, for the
// notices token still holds, and returns how many those were. Fewer than
// the batch means another run took some over while this one was sending
// (the send outlived the lease): they may go out twice.
func (db *DB) MarkNoticesSent(ctx context.Context, batch entitle.NoticeBatch, token string, now time.Time) (int, error) {
	return db.settleNotices(ctx, batch, token, `sent_at = ?, last_error = ''`, []any{now.UnixMicro()}, nil)
}

// ReleaseNotices gives up token's claims of batch after a failed send,
// recording why, so that a later run takes them over at once; ev (the failed
// delivery) is audited in the same transaction.
func (db *DB) ReleaseNotices(ctx context.Context, batch entitle.NoticeBatch, token, reason string, ev entitle.AuditEvent) error {
	_, err := db.settleNotices(ctx, batch, token, `claimed_at = NULL, last_error = ?`, []any{reason}, &ev)
	return err
}

func (db *DB) settleNotices(ctx context.Context, batch entitle.NoticeBatch, token, set string, setArgs []any, ev *entitle.AuditEvent) (int, error) {
	cid, err := db.companyID(ctx, batch.Company)
	if err != nil {
		return 0, fmt.Errorf("company %s: %w", batch.Company, err)
	}
	var n int64
	err = db.tx(ctx, func(tx *sql.Tx) error {
		n = 0
		for subs := batchSubs(batch); len(subs) > 0; {
			chunk := subs[:min(len(subs), claimChunk)]
			subs = subs[len(chunk):]
			args := append(append(slices.Clone(setArgs), cid, batch.Stage, token), anys(chunk)...)
			res, err := tx.ExecContext(ctx, db.d.q(`UPDATE notice_claims SET `+set+`
				WHERE company_id = ? AND stage = ? AND claim = ? AND sent_at IS NULL
				AND subscription_id IN (`+placeholders(len(chunk))+`)`), args...)
			if err != nil {
				return err
			}
			k, err := res.RowsAffected()
			if err != nil {
				return err
			}
			n += k
		}
		if ev == nil {
			return nil
		}
		return db.appendAudit(ctx, tx, *ev)
	})
	return int(n), err
}

// PruneNoticeClaims deletes the claims of entitlements that ended before
// before, and returns how many. An ended entitlement gets no more notices,
// so its claims are no longer needed; the audit trail keeps what was sent.
func (db *DB) PruneNoticeClaims(ctx context.Context, before entitle.Date) (int64, error) {
	// Most runs find nothing to prune: a read spares them a write.
	var one int
	err := db.ro.QueryRowContext(ctx, db.d.q(`SELECT 1 FROM notice_claims WHERE end_date < ? LIMIT 1`), before.String()).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var n int64
	err = db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.d.q(`DELETE FROM notice_claims WHERE end_date < ?`), before.String())
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// batchSubs lists the subscription IDs of batch b.
func batchSubs(b entitle.NoticeBatch) []string {
	out := make([]string, len(b.Items))
	for i, it := range b.Items {
		out[i] = it.SubscriptionID
	}
	return out
}
