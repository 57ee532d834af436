package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/entitle-portal/entitle"
)

const profileColumns = `key, name, kind, contact_email, contact_phone, website, listed, require_two_factor`

func scanProfile(row interface{ Scan(...any) error }) (entitle.Profile, error) {
	var p entitle.Profile
	err := row.Scan(&p.Company.Key, &p.Company.Name, &p.Company.Kind, &p.ContactEmail, &p.ContactPhone, &p.Website, &p.Listed, &p.RequireTwoFactor)
	return p, err
}

// Profile returns the profile of the company with key (ErrNotFound).
func (db *DB) Profile(ctx context.Context, key string) (entitle.Profile, error) {
	p, err := scanProfile(db.r().QueryRowContext(ctx, db.d.q(`SELECT `+profileColumns+` FROM companies WHERE key = ?`), key))
	if errors.Is(err, sql.ErrNoRows) {
		return p, entitle.ErrNotFound
	}
	return p, err
}

// SetProfile records a company's profile with its audit event.
func (db *DB) SetProfile(ctx context.Context, p entitle.Profile, ev entitle.AuditEvent) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.d.q(`UPDATE companies SET contact_email = ?, contact_phone = ?, website = ?, listed = ? WHERE key = ?`),
			p.ContactEmail, p.ContactPhone, p.Website, p.Listed, p.Company.Key)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return entitle.ErrNotFound
		}
		return db.appendAudit(ctx, tx, ev)
	})
}

// Directory returns the companies listed in the partner directory, by name.
func (db *DB) Directory(ctx context.Context) ([]entitle.Profile, error) {
	rows, err := db.r().QueryContext(ctx, db.d.q(`SELECT `+profileColumns+` FROM companies WHERE listed ORDER BY name, key`))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []entitle.Profile
	for rows.Next() {
		p, err := scanProfile(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// PartnersOf returns the partner of record (entitle.PartnerOfRecord) of the
// entitlements of each order, by order id; a direct purchase has none.
func (db *DB) PartnersOf(ctx context.Context, orderIDs []int64) (map[int64]string, error) {
	out := map[int64]string{}
	for len(orderIDs) > 0 {
		chunk := orderIDs[:min(len(orderIDs), 500)]
		orderIDs = orderIDs[len(chunk):]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := db.r().QueryContext(ctx, db.d.q(`SELECT r.order_id, r.role, r.company_id FROM order_roles r
			WHERE r.order_id IN (`+placeholders(len(chunk))+`) ORDER BY r.order_id, r.position`), args...)
		if err != nil {
			return nil, err
		}
		roles := map[int64][]entitle.RoleAssignment{}
		owner := map[int64]string{}
		for rows.Next() {
			var id, cid int64
			var a entitle.RoleAssignment
			if err := rows.Scan(&id, &a.Role, &cid); err != nil {
				rows.Close()
				return nil, err
			}
			if a.Company, err = db.companyKey(ctx, cid); err != nil {
				rows.Close()
				return nil, err
			}
			roles[id] = append(roles[id], a)
			if a.Role == entitle.RoleOwner {
				owner[id] = a.Company
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		for id, rs := range roles {
			if p, ok := entitle.PartnerOfRecord(rs, owner[id]); ok {
				out[id] = p
			}
		}
	}
	return out, nil
}

const renewalColumns = `r.id, r.subscription_id, rc.key, r.requested_by, r.route, pc.key, r.message, r.status, r.note,
	r.created_at, r.updated_at, r.updated_by, e.sku, e.quantity, e.start_date, e.end_date, e.po_number`

const renewalFrom = ` FROM renewal_requests r JOIN companies rc ON rc.id = r.requester_company_id
	JOIN companies pc ON pc.id = r.recipient_company_id JOIN entitlements e ON e.subscription_id = r.subscription_id`

func scanRenewal(row interface{ Scan(...any) error }) (entitle.RenewalRequest, error) {
	var r entitle.RenewalRequest
	var created, updated int64
	var start, end string
	err := row.Scan(&r.ID, &r.SubscriptionID, &r.Requester, &r.RequestedBy, &r.Route, &r.Recipient, &r.Message, &r.Status, &r.Note,
		&created, &updated, &r.UpdatedBy, &r.Entitlement.SKU, &r.Entitlement.Quantity, &start, &end, &r.Entitlement.PONumber)
	if err != nil {
		return r, err
	}
	r.CreatedAt, r.UpdatedAt = time.UnixMicro(created).UTC(), time.UnixMicro(updated).UTC()
	r.Entitlement.SubscriptionID = r.SubscriptionID
	if r.Entitlement.StartDate, err = entitle.ParseDate(start); err != nil {
		return r, err
	}
	r.Entitlement.EndDate, err = entitle.ParseDate(end)
	return r, err
}

// CreateRenewalRequest records a renewal request with its audit event,
// unless the requester has an open (or quoted) request for the entitlement
// with the same recipient (ErrRenewalPending, with that request).
func (db *DB) CreateRenewalRequest(ctx context.Context, r entitle.RenewalRequest, ev entitle.AuditEvent) (entitle.RenewalRequest, error) {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var open int64
		err := tx.QueryRowContext(ctx, db.d.q(`SELECT r.id FROM renewal_requests r
			JOIN companies rc ON rc.id = r.requester_company_id JOIN companies pc ON pc.id = r.recipient_company_id
			WHERE r.subscription_id = ? AND rc.key = ? AND pc.key = ? AND r.status IN ('open', 'quoted')`),
			r.SubscriptionID, r.Requester, r.Recipient).Scan(&open)
		switch {
		case err == nil:
			r.ID = open
			return entitle.ErrRenewalPending
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		err = tx.QueryRowContext(ctx, db.d.q(`INSERT INTO renewal_requests (subscription_id, requester_company_id, requested_by, route,
			recipient_company_id, message, status, note, created_at, updated_at, updated_by)
			SELECT ?, rc.id, ?, ?, pc.id, ?, 'open', '', ?, ?, ? FROM companies rc, companies pc WHERE rc.key = ? AND pc.key = ?
			RETURNING id`),
			r.SubscriptionID, r.RequestedBy, r.Route, r.Message, r.CreatedAt.UnixMicro(), r.CreatedAt.UnixMicro(), r.RequestedBy,
			r.Requester, r.Recipient).Scan(&r.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return entitle.ErrNotFound
		}
		if err != nil {
			return err
		}
		if err := db.appendEvent(ctx, tx, entitle.Event{Type: entitle.EventRenewalRequested, Subject: strconv.FormatInt(r.ID, 10), At: r.CreatedAt}); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, ev)
	})
	if errors.Is(err, entitle.ErrRenewalPending) {
		pending, perr := db.RenewalRequest(ctx, r.ID)
		if perr != nil {
			return r, perr
		}
		return pending, err
	}
	if err != nil {
		return r, err
	}
	return db.RenewalRequest(ctx, r.ID)
}

// RenewalRequest returns the request with id (ErrNotFound).
func (db *DB) RenewalRequest(ctx context.Context, id int64) (entitle.RenewalRequest, error) {
	return db.renewalRequest(ctx, db.r(), id)
}

func (db *DB) renewalRequest(ctx context.Context, q querier, id int64) (entitle.RenewalRequest, error) {
	r, err := scanRenewal(q.QueryRowContext(ctx, db.d.q(`SELECT `+renewalColumns+renewalFrom+` WHERE r.id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, entitle.ErrNotFound
	}
	return r, err
}

// RenewalRequests returns a page of the requests a company received (or,
// with sent, made), newest first, before the request with ID before (0: from
// the newest). With open, only those not yet closed (open or quoted).
func (db *DB) RenewalRequests(ctx context.Context, company string, sent, open bool, before int64, limit int) ([]entitle.RenewalRequest, error) {
	side := "r.recipient_company_id"
	if sent {
		side = "r.requester_company_id"
	}
	q := `SELECT ` + renewalColumns + renewalFrom + ` WHERE ` + side + ` = (SELECT id FROM companies WHERE key = ?)`
	args := []any{company}
	if before > 0 {
		q, args = q+` AND r.id < ?`, append(args, before)
	}
	if open {
		q += ` AND r.status IN ('open', 'quoted')`
	}
	rows, err := db.r().QueryContext(ctx, db.d.q(q+` ORDER BY r.id DESC LIMIT ?`), append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []entitle.RenewalRequest
	for rows.Next() {
		r, err := scanRenewal(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// UpdateRenewalRequest changes a request's status and (unless note is nil)
// its note in one transaction: check sees the request first and may refuse (its error is
// returned as is).
func (db *DB) UpdateRenewalRequest(ctx context.Context, id int64, check func(entitle.RenewalRequest) error, status string, note *string, by string, now time.Time, ev entitle.AuditEvent) (entitle.RenewalRequest, error) {
	var r entitle.RenewalRequest
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		if r, err = db.renewalRequest(ctx, tx, id); err != nil {
			return err
		}
		if err := check(r); err != nil {
			return err
		}
		if note != nil {
			r.Note = *note
		}
		if _, err := tx.ExecContext(ctx, db.d.q(`UPDATE renewal_requests SET status = ?, note = ?, updated_at = ?, updated_by = ? WHERE id = ?`),
			status, r.Note, now.UnixMicro(), by, id); err != nil {
			return err
		}
		r.Status, r.UpdatedAt, r.UpdatedBy = status, now.UTC().Truncate(time.Microsecond), by
		return db.appendAudit(ctx, tx, ev)
	})
	return r, err
}

// OrderCurrency returns the currency of the order with id.
func (db *DB) OrderCurrency(ctx context.Context, orderID int64) (string, error) {
	var cur string
	err := db.r().QueryRowContext(ctx, db.d.q(`SELECT currency FROM orders WHERE id = ?`), orderID).Scan(&cur)
	if errors.Is(err, sql.ErrNoRows) {
		return "", entitle.ErrNotFound
	}
	return cur, err
}
