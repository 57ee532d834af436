package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/entitle-portal/entitle"
)

const transferColumns = `t.id, t.subscription_id, fc.key, tc.key, t.message, t.status, t.created_at, t.created_by, t.expires_at, t.decided_at, t.decided_by,
	e.sku, e.quantity, e.start_date, e.end_date`

const transferFrom = ` FROM transfers t JOIN companies fc ON fc.id = t.from_company_id JOIN companies tc ON tc.id = t.to_company_id
	JOIN entitlements e ON e.subscription_id = t.subscription_id`

func scanTransfer(row interface{ Scan(...any) error }) (entitle.Transfer, error) {
	var t entitle.Transfer
	var created, expires int64
	var decided sql.NullInt64
	var start, end string
	err := row.Scan(&t.ID, &t.SubscriptionID, &t.From, &t.To, &t.Message, &t.Status, &created, &t.CreatedBy, &expires, &decided, &t.DecidedBy,
		&t.Entitlement.SKU, &t.Entitlement.Quantity, &start, &end)
	if err != nil {
		return t, err
	}
	t.CreatedAt, t.ExpiresAt, t.DecidedAt = time.UnixMicro(created).UTC(), time.UnixMicro(expires).UTC(), fromMicros(decided)
	t.Entitlement.SubscriptionID = t.SubscriptionID
	if t.Entitlement.StartDate, err = entitle.ParseDate(start); err != nil {
		return t, err
	}
	t.Entitlement.EndDate, err = entitle.ParseDate(end)
	return t, err
}

// Transfer returns the transfer with id (ErrNotFound).
func (db *DB) Transfer(ctx context.Context, id int64) (entitle.Transfer, error) {
	return db.transfer(ctx, db.r(), id)
}

func (db *DB) transfer(ctx context.Context, q querier, id int64) (entitle.Transfer, error) {
	t, err := scanTransfer(q.QueryRowContext(ctx, db.d.q(`SELECT `+transferColumns+transferFrom+` WHERE t.id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, entitle.ErrNotFound
	}
	return t, err
}

// Transfers returns a page of the transfers a company offered (sent) or was
// offered, newest first, before the transfer with ID before (0: newest).
func (db *DB) Transfers(ctx context.Context, company string, sent bool, before int64, limit int) ([]entitle.Transfer, error) {
	side := "t.to_company_id"
	if sent {
		side = "t.from_company_id"
	}
	q, args := `SELECT `+transferColumns+transferFrom+` WHERE `+side+` = (SELECT id FROM companies WHERE key = ?)`, []any{company}
	if before > 0 {
		q, args = q+` AND t.id < ?`, append(args, before)
	}
	rows, err := db.r().QueryContext(ctx, db.d.q(q+` ORDER BY t.id DESC LIMIT ?`), append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []entitle.Transfer
	for rows.Next() {
		t, err := scanTransfer(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// OfferTransfer records an open offer of t.SubscriptionID from t.From to
// t.To, with its audit event, if t.From owns the entitlement now
// (ErrNotOwner) and no other offer is open (ErrTransferPending). With
// direct, the vendor's move: the ownership changes at once (status done).
func (db *DB) OfferTransfer(ctx context.Context, t entitle.Transfer, direct bool, ev entitle.AuditEvent) (entitle.Transfer, error) {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		fromID, toID, err := db.transferParties(ctx, tx, t.SubscriptionID, t.From, t.To)
		if err != nil {
			return err
		}
		var open, expires int64
		err = tx.QueryRowContext(ctx, db.d.q(`SELECT id, expires_at FROM transfers WHERE subscription_id = ? AND status = ?`), t.SubscriptionID, entitle.TransferOffered).Scan(&open, &expires)
		switch {
		case err == nil && expires <= t.CreatedAt.UnixMicro():
			// An offer nobody answered in time is closed by the next one.
			if _, err := tx.ExecContext(ctx, db.d.q(`UPDATE transfers SET status = ?, decided_at = ? WHERE id = ?`),
				entitle.TransferExpired, expires, open); err != nil {
				return err
			}
		case err == nil && direct:
			// The vendor's move supersedes an open offer.
			if _, err := tx.ExecContext(ctx, db.d.q(`UPDATE transfers SET status = ?, decided_at = ?, decided_by = ? WHERE id = ?`),
				entitle.TransferCancelled, t.CreatedAt.UnixMicro(), t.CreatedBy, open); err != nil {
				return err
			}
		case err == nil:
			t.ID = open
			return entitle.ErrTransferPending
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		t.Status = entitle.TransferOffered
		var decided any
		if direct {
			t.Status, t.DecidedAt, t.DecidedBy = entitle.TransferDone, t.CreatedAt, t.CreatedBy
			decided = t.CreatedAt.UnixMicro()
		}
		if err := tx.QueryRowContext(ctx, db.d.q(`INSERT INTO transfers (subscription_id, from_company_id, to_company_id, message, status,
			created_at, created_by, expires_at, decided_at, decided_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			t.SubscriptionID, fromID, toID, t.Message, t.Status, t.CreatedAt.UnixMicro(), t.CreatedBy, t.ExpiresAt.UnixMicro(), decided, t.DecidedBy).Scan(&t.ID); err != nil {
			return err
		}
		if direct {
			if err := db.moveOwnerWithEvents(ctx, tx, t.ID, t.SubscriptionID, fromID, toID, t.CreatedAt, t.CreatedBy); err != nil {
				return err
			}
		}
		return db.appendAudit(ctx, tx, ev)
	})
	if errors.Is(err, entitle.ErrTransferPending) {
		pending, perr := db.Transfer(ctx, t.ID)
		if perr != nil {
			return t, perr
		}
		return pending, err
	}
	if err != nil {
		return t, err
	}
	return db.Transfer(ctx, t.ID)
}

// transferParties checks that from owns sub now and returns the companies'
// ids.
func (db *DB) transferParties(ctx context.Context, tx *sql.Tx, sub, from, to string) (fromID, toID int64, err error) {
	var owner string
	err = tx.QueryRowContext(ctx, db.d.q(`SELECT c.key, c.id FROM entitlements e JOIN companies c ON c.id = e.owner_id WHERE e.subscription_id = ?`), sub).Scan(&owner, &fromID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, entitle.ErrNotFound
	}
	if err != nil {
		return 0, 0, err
	}
	if owner != from {
		return 0, 0, entitle.ErrNotOwner
	}
	err = tx.QueryRowContext(ctx, db.d.q(`SELECT id FROM companies WHERE key = ?`), to).Scan(&toID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, entitle.Errorf(entitle.CodeInvalid, "no company with key %s", to)
	}
	return fromID, toID, err
}

// DecideTransfer closes the open offer id with status (accepted, declined
// or cancelled), after check has seen it (inside the transaction; its error
// is returned as is). Accepting moves the ownership — if the offering
// company still owns the entitlement (ErrNotOwner otherwise) — in the same
// transaction: see moveOwner. An offer past its expiry can only be
// cancelled or declined.
func (db *DB) DecideTransfer(ctx context.Context, id int64, check func(entitle.Transfer) error, status, by string, now time.Time, ev entitle.AuditEvent) (entitle.Transfer, error) {
	var t entitle.Transfer
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		if t, err = db.transfer(ctx, tx, id); err != nil {
			return err
		}
		if err := check(t); err != nil {
			return err
		}
		if status == entitle.TransferAccepted {
			fromID, toID, err := db.transferParties(ctx, tx, t.SubscriptionID, t.From, t.To)
			if err != nil {
				return err
			}
			if err := db.moveOwnerWithEvents(ctx, tx, id, t.SubscriptionID, fromID, toID, now, by); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, db.d.q(`UPDATE transfers SET status = ?, decided_at = ?, decided_by = ? WHERE id = ? AND status = ?`),
			status, now.UnixMicro(), by, id, entitle.TransferOffered)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return entitle.Errorf(entitle.CodeConflict, "this transfer is %s already", t.Status)
		}
		t.Status, t.DecidedAt, t.DecidedBy = status, now.UTC().Truncate(time.Microsecond), by
		return db.appendAudit(ctx, tx, ev)
	})
	return t, err
}

// moveOwner makes toID the owner of sub instead of fromID, inside tx: the
// entitlement's owner, the list index (fromID loses its owner role on it
// and, holding no other, the entitlement; toID gains it), and fromID's
// delegations of it end — listed ones lose the subscription (and are
// revoked when nothing is left); all-scope ones cover only what fromID owns,
// which sub no longer is. Open renewal requests of sub by anyone but toID
// are closed (entitle.RenewalTransferred).
func (db *DB) moveOwner(ctx context.Context, tx *sql.Tx, sub string, fromID, toID int64, now time.Time, by string) error {
	const ownerBit = 2 // entitlement_access.roles: see the 00001 migration
	res, err := tx.ExecContext(ctx, db.d.q(`UPDATE entitlements SET owner_id = ? WHERE subscription_id = ? AND owner_id = ?`), toID, sub, fromID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return entitle.ErrNotOwner
	}
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE entitlement_access SET roles = roles - ? WHERE company_id = ? AND subscription_id = ? AND (roles & ?) <> 0`, []any{ownerBit, fromID, sub, ownerBit}},
		{`DELETE FROM entitlement_access WHERE company_id = ? AND subscription_id = ? AND roles = 0`, []any{fromID, sub}},
		{`INSERT INTO entitlement_access (company_id, subscription_id, roles, end_date) SELECT ?, subscription_id, ?, end_date FROM entitlements WHERE subscription_id = ?
			ON CONFLICT (company_id, subscription_id) DO UPDATE SET roles = entitlement_access.roles | ?`, []any{toID, ownerBit, sub, ownerBit}},
		// The history keeps what the listed delegations lose (R8 through time).
		{`INSERT INTO delegation_items_dropped (delegation_id, subscription_id, dropped_at) SELECT delegation_id, subscription_id, ?
			FROM delegation_items WHERE subscription_id = ? AND delegation_id IN (SELECT id FROM delegations d WHERE d.owner_id = ?)`, []any{now.UnixMicro(), sub, fromID}},
		{`DELETE FROM delegation_items WHERE subscription_id = ? AND delegation_id IN (SELECT id FROM delegations WHERE owner_id = ?)`, []any{sub, fromID}},
		{`UPDATE delegations SET revoked_at = ?, revoked_by = ? WHERE owner_id = ? AND NOT all_scope AND revoked_at IS NULL
			AND NOT EXISTS (SELECT 1 FROM delegation_items i WHERE i.delegation_id = delegations.id)`, []any{now.UnixMicro(), by + " (ownership transfer of " + sub + ")", fromID}},
		// The former owner's (and its delegates') open renewal requests
		// close: nobody acts on an entitlement it no longer holds, and the
		// new owner asks anew. The new owner's own request (it may have
		// asked as a delegate) stays open.
		{`UPDATE renewal_requests SET status = ?, updated_at = ?, updated_by = ? WHERE subscription_id = ? AND status IN (?, ?)
			AND requester_company_id <> ?`, []any{entitle.RenewalTransferred, now.UnixMicro(), by + " (ownership transfer of " + sub + ")", sub,
			entitle.RenewalOpen, entitle.RenewalQuoted, toID}},
	} {
		if _, err := tx.ExecContext(ctx, db.d.q(q.sql), q.args...); err != nil {
			return err
		}
	}
	return nil
}
