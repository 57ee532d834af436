package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/entitle-portal/entitle"
)

// Webhooks (internal/webhooks explains the whole protocol): the endpoints
// the vendor's operator configures per company, the outbox of events that
// every change writes in its own transaction, and the deliveries — one per
// (event, endpoint) the receiving company may know of — claimed by
// dispatchers like jobs of a queue.

// webhooksActive reports whether an active endpoint exists, as q sees the
// database. Inside a write transaction it decides whether the change writes
// its event: the answer is never cached, so that a change serialized after
// an endpoint's creation always writes its event (see internal/webhooks).
func (db *DB) webhooksActive(ctx context.Context, q querier) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM webhooks WHERE removed_at IS NULL LIMIT 1`).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// pgWebhooksActive is webhooksActive on a pgx transaction (an import's).
func pgWebhooksActive(ctx context.Context, tx pgx.Tx) (bool, error) {
	var one int
	err := tx.QueryRow(ctx, `SELECT 1 FROM webhooks WHERE removed_at IS NULL LIMIT 1`).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// appendEvent writes event e inside tx, the change's own transaction — so
// that no change commits without its event, and no event without its change
// — unless no active endpoint exists.
func (db *DB) appendEvent(ctx context.Context, tx *sql.Tx, e entitle.Event) error {
	on, err := db.webhooksActive(ctx, tx)
	if err != nil || !on {
		return err
	}
	return insertEvent(ctx, db.d, tx, e)
}

func insertEvent(ctx context.Context, d dialect, q querier, e entitle.Event) error {
	_, err := q.ExecContext(ctx, d.q(`INSERT INTO webhook_events (type, subject, at) VALUES (?, ?, ?)`), e.Type, e.Subject, e.At.UnixMicro())
	if err != nil {
		return fmt.Errorf("webhook event %s: %w", e.Type, err)
	}
	return nil
}

// event writes the entitlement.created event of a new order of an import
// (SQLite), when the import found an active endpoint.
func (w *importWriter) event(ctx context.Context, orderID int64) error {
	if !w.events {
		return nil
	}
	return insertEvent(ctx, w.d, w.tx, entitle.Event{Type: entitle.EventEntitlementCreated, Subject: strconv.FormatInt(orderID, 10), At: w.now})
}

// copyEventColumns are the columns of webhook_events an import writes by COPY.
var copyEventColumns = []string{"type", "subject", "at"}

// eventRow is the entitlement.created event of a new order of an import
// (PostgreSQL), for COPY.
func (w *pgWriter) eventRow(orderID int64) []any {
	return []any{entitle.EventEntitlementCreated, strconv.FormatInt(orderID, 10), w.now.UnixMicro()}
}

// moveOwnerWithEvents is moveOwner writing the events of the ownership
// change of sub (transfer transferID): entitlement.changed,
// ownership.transferred, and delegation.revoked for each delegation of the
// former owner that the move ends.
func (db *DB) moveOwnerWithEvents(ctx context.Context, tx *sql.Tx, transferID int64, sub string, fromID, toID int64, now time.Time, by string) error {
	on, err := db.webhooksActive(ctx, tx)
	if err != nil {
		return err
	}
	if !on {
		return db.moveOwner(ctx, tx, sub, fromID, toID, now, by)
	}
	// The listed delegations of sub still active before the move: those
	// revoked after it were ended by it.
	rows, err := tx.QueryContext(ctx, db.d.q(`SELECT d.id FROM delegations d JOIN delegation_items i ON i.delegation_id = d.id
		WHERE d.owner_id = ? AND i.subscription_id = ? AND d.revoked_at IS NULL ORDER BY d.id`), fromID, sub)
	if err != nil {
		return err
	}
	var covering []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		covering = append(covering, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if err := db.moveOwner(ctx, tx, sub, fromID, toID, now, by); err != nil {
		return err
	}
	events := []entitle.Event{
		{Type: entitle.EventEntitlementChanged, Subject: sub, At: now},
		{Type: entitle.EventOwnershipTransferred, Subject: strconv.FormatInt(transferID, 10), At: now},
	}
	for _, id := range covering {
		var revoked sql.NullInt64
		if err := tx.QueryRowContext(ctx, db.d.q(`SELECT revoked_at FROM delegations WHERE id = ?`), id).Scan(&revoked); err != nil {
			return err
		}
		if revoked.Valid {
			events = append(events, entitle.Event{Type: entitle.EventDelegationRevoked, Subject: id, At: now})
		}
	}
	for _, e := range events {
		if err := insertEvent(ctx, db.d, tx, e); err != nil {
			return err
		}
	}
	return nil
}

// AddWebhook records an endpoint of w.Company with its audit event (whose
// Object becomes the endpoint's id). The caller validates the URL and event
// types (internal/webhooks) and draws the secret.
func (db *DB) AddWebhook(ctx context.Context, w entitle.Webhook, ev entitle.AuditEvent) (entitle.Webhook, error) {
	if w.Secret == "" || w.URL == "" {
		return w, errors.New("a webhook needs a URL and a secret")
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, db.d.q(`INSERT INTO webhooks (company_id, url, events, secret, created_at, created_by)
			SELECT id, ?, ?, ?, ?, ? FROM companies WHERE key = ? RETURNING id`),
			w.URL, eventsText(w.Events), w.Secret, w.CreatedAt.UnixMicro(), w.CreatedBy, w.Company).Scan(&w.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return entitle.Errorf(entitle.CodeNotFound, "no company with key %s", w.Company)
		}
		if err != nil {
			return err
		}
		ev.Object = strconv.FormatInt(w.ID, 10)
		return db.appendAudit(ctx, tx, ev)
	})
	w.CreatedAt = w.CreatedAt.UTC().Truncate(time.Microsecond)
	return w, err
}

func eventsText(types []string) string {
	if types == nil {
		return "all"
	}
	return strings.Join(types, ",")
}

func parseEventsText(s string) []string {
	if s == "all" {
		return nil
	}
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

const webhookColumns = `w.id, c.key, w.url, w.events, w.created_at, w.created_by, w.removed_at`

func scanWebhook(row interface{ Scan(...any) error }, extra ...any) (entitle.Webhook, error) {
	var w entitle.Webhook
	var events string
	var created int64
	var removed sql.NullInt64
	err := row.Scan(append([]any{&w.ID, &w.Company, &w.URL, &events, &created, &w.CreatedBy, &removed}, extra...)...)
	w.Events, w.CreatedAt, w.RemovedAt = parseEventsText(events), time.UnixMicro(created).UTC(), fromMicros(removed)
	return w, err
}

// Webhook returns the endpoint with id, active or removed, without its
// secret (ErrNotFound).
func (db *DB) Webhook(ctx context.Context, id int64) (entitle.Webhook, error) {
	w, err := scanWebhook(db.r().QueryRowContext(ctx, db.d.q(`SELECT `+webhookColumns+`
		FROM webhooks w JOIN companies c ON c.id = w.company_id WHERE w.id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return w, entitle.ErrNotFound
	}
	return w, err
}

// Webhooks returns the active endpoints of company (of every company when
// ""), by id, without their secrets or statistics (WebhookStats).
func (db *DB) Webhooks(ctx context.Context, company string) ([]entitle.Webhook, error) {
	q, args := `SELECT `+webhookColumns+` FROM webhooks w JOIN companies c ON c.id = w.company_id WHERE w.removed_at IS NULL`, []any{}
	if company != "" {
		q, args = q+` AND c.key = ?`, append(args, company)
	}
	rows, err := db.r().QueryContext(ctx, db.d.q(q+` ORDER BY w.id`), args...)
	if err != nil {
		return nil, err
	}
	var out []entitle.Webhook
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, w)
	}
	rows.Close()
	return out, rows.Err()
}

// WebhookStats counts the deliveries to endpoint webhookID still kept by
// state, with the error of the latest failed attempt.
func (db *DB) WebhookStats(ctx context.Context, webhookID int64) (entitle.DeliveryStats, error) {
	var s entitle.DeliveryStats
	rows, err := db.r().QueryContext(ctx, db.d.q(`SELECT state, COUNT(*) FROM webhook_deliveries WHERE webhook_id = ? GROUP BY state`), webhookID)
	if err != nil {
		return s, err
	}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			rows.Close()
			return s, err
		}
		switch state {
		case entitle.DeliveryPending:
			s.Pending = n
		case entitle.DeliveryDelivered:
			s.Delivered = n
		case entitle.DeliveryFailed:
			s.Failed = n
		case entitle.DeliveryCancelled:
			s.Cancelled = n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return s, err
	}
	var at sql.NullInt64
	err = db.r().QueryRowContext(ctx, db.d.q(`SELECT last_error, last_attempt_at FROM webhook_deliveries
		WHERE webhook_id = ? AND last_error <> '' AND last_attempt_at IS NOT NULL ORDER BY last_attempt_at DESC, id DESC LIMIT 1`), webhookID).Scan(&s.LastError, &at)
	if errors.Is(err, sql.ErrNoRows) {
		err = nil
	}
	s.LastErrorAt = fromMicros(at)
	return s, err
}

// RemoveWebhook removes the active endpoint id at now, with its audit
// event: its secret is erased and its pending deliveries are cancelled, in
// one transaction (ErrNotFound when no such endpoint is active).
func (db *DB) RemoveWebhook(ctx context.Context, id int64, now time.Time, ev entitle.AuditEvent) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.d.q(`UPDATE webhooks SET removed_at = ?, secret = '' WHERE id = ? AND removed_at IS NULL`), now.UnixMicro(), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return entitle.ErrNotFound
		}
		if _, err := tx.ExecContext(ctx, db.d.q(`UPDATE webhook_deliveries SET state = ?, last_error = 'endpoint removed', claim = '', claimed_until = NULL
			WHERE webhook_id = ? AND state = ?`), entitle.DeliveryCancelled, id, entitle.DeliveryPending); err != nil {
			return err
		}
		ev.Object = strconv.FormatInt(id, 10)
		return db.appendAudit(ctx, tx, ev)
	})
}

// WebhookEvents returns the events in the outbox (waiting to be fanned
// out, or kept with their deliveries), oldest first.
func (db *DB) WebhookEvents(ctx context.Context) ([]entitle.Event, error) {
	rows, err := db.r().QueryContext(ctx, `SELECT id, type, subject, at FROM webhook_events ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []entitle.Event
	for rows.Next() {
		var e entitle.Event
		var at int64
		if err := rows.Scan(&e.ID, &e.Type, &e.Subject, &at); err != nil {
			return nil, err
		}
		e.At = time.UnixMicro(at).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// ClaimEvents claims up to limit events not yet fanned out — those never
// claimed, or whose claim's lease ran out — for token until now + lease, in
// one guarded UPDATE: of two dispatchers, only one gets each event.
func (db *DB) ClaimEvents(ctx context.Context, token string, now time.Time, lease time.Duration, limit int) ([]entitle.Event, error) {
	var out []entitle.Event
	err := db.tx(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, db.d.q(`UPDATE webhook_events SET claim = ?, claimed_until = ?
			WHERE id IN (SELECT id FROM webhook_events WHERE fanned_out_at IS NULL AND (claimed_until IS NULL OR claimed_until <= ?) ORDER BY id LIMIT ?)
			AND fanned_out_at IS NULL AND (claimed_until IS NULL OR claimed_until <= ?)
			RETURNING id, type, subject, at`), token, now.Add(lease).UnixMicro(), now.UnixMicro(), limit, now.UnixMicro())
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e entitle.Event
			var at int64
			if err := rows.Scan(&e.ID, &e.Type, &e.Subject, &at); err != nil {
				return err
			}
			e.At = time.UnixMicro(at).UTC()
			out = append(out, e)
		}
		return rows.Err()
	})
	slices.SortFunc(out, func(a, b entitle.Event) int { return cmp.Compare(a.ID, b.ID) })
	return out, err
}

// FanOut records the deliveries of event e, which token claimed, in one
// transaction: each delivery (unless its endpoint was removed meanwhile)
// with its audit event, due at now; then e is marked fanned out — or
// deleted, when nobody is to receive it. It returns how many deliveries it
// recorded, or ErrClaimLost (recording nothing) when e is no longer token's.
func (db *DB) FanOut(ctx context.Context, e entitle.Event, token string, ds []entitle.NewDelivery, now time.Time) (int, error) {
	var n int
	err := db.tx(ctx, func(tx *sql.Tx) error {
		n = 0
		var claim string
		var fanned sql.NullInt64
		err := tx.QueryRowContext(ctx, db.d.q(`SELECT claim, fanned_out_at FROM webhook_events WHERE id = ?`), e.ID).Scan(&claim, &fanned)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && (claim != token || fanned.Valid)) {
			return entitle.ErrClaimLost
		}
		if err != nil {
			return err
		}
		for _, d := range ds {
			res, err := tx.ExecContext(ctx, db.d.q(`INSERT INTO webhook_deliveries (public_id, webhook_id, event_id, body, state, next_attempt_at, created_at)
				SELECT ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM webhooks WHERE id = ? AND removed_at IS NULL)
				ON CONFLICT DO NOTHING`), d.PublicID, d.WebhookID, e.ID, string(d.Body), entitle.DeliveryPending, now.UnixMicro(), now.UnixMicro(), d.WebhookID)
			if err != nil {
				return fmt.Errorf("delivery of event %d to webhook %d: %w", e.ID, d.WebhookID, err)
			}
			if k, _ := res.RowsAffected(); k == 0 {
				continue
			}
			n++
			if err := db.appendAudit(ctx, tx, d.Audit); err != nil {
				return err
			}
		}
		if n == 0 {
			_, err = tx.ExecContext(ctx, db.d.q(`DELETE FROM webhook_events WHERE id = ?`), e.ID)
			return err
		}
		_, err = tx.ExecContext(ctx, db.d.q(`UPDATE webhook_events SET fanned_out_at = ?, claim = '', claimed_until = NULL WHERE id = ?`), now.UnixMicro(), e.ID)
		return err
	})
	return n, err
}

const deliveryColumns = `d.id, d.public_id, d.body, d.state, d.attempts, d.next_attempt_at, d.last_attempt_at, d.last_status, d.last_error,
	d.delivered_at, d.created_at, ev.id, ev.type, ev.subject, ev.at, w.secret, ` + webhookColumns

const deliveryFrom = ` FROM webhook_deliveries d JOIN webhook_events ev ON ev.id = d.event_id
	JOIN webhooks w ON w.id = d.webhook_id JOIN companies c ON c.id = w.company_id`

func scanDelivery(row interface{ Scan(...any) error }) (entitle.Delivery, error) {
	var d entitle.Delivery
	var body string
	var next, created, evAt int64
	var last, delivered sql.NullInt64
	var w entitle.Webhook
	var events string
	var wCreated int64
	var removed sql.NullInt64
	err := row.Scan(&d.ID, &d.PublicID, &body, &d.State, &d.Attempts, &next, &last, &d.LastStatus, &d.LastError, &delivered, &created,
		&d.Event.ID, &d.Event.Type, &d.Event.Subject, &evAt, &w.Secret,
		&w.ID, &w.Company, &w.URL, &events, &wCreated, &w.CreatedBy, &removed)
	if err != nil {
		return d, err
	}
	w.Events, w.CreatedAt, w.RemovedAt = parseEventsText(events), time.UnixMicro(wCreated).UTC(), fromMicros(removed)
	d.Webhook, d.Body = w, []byte(body)
	d.NextAttemptAt, d.CreatedAt, d.Event.At = time.UnixMicro(next).UTC(), time.UnixMicro(created).UTC(), time.UnixMicro(evAt).UTC()
	d.LastAttemptAt, d.DeliveredAt = fromMicros(last), fromMicros(delivered)
	return d, nil
}

// Delivery returns the delivery with id, without its endpoint's secret
// (ErrNotFound).
func (db *DB) Delivery(ctx context.Context, id int64) (entitle.Delivery, error) {
	d, err := scanDelivery(db.r().QueryRowContext(ctx, db.d.q(`SELECT `+deliveryColumns+deliveryFrom+` WHERE d.id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return d, entitle.ErrNotFound
	}
	d.Webhook.Secret = ""
	return d, err
}

// Deliveries returns the deliveries to endpoint webhookID still kept, oldest
// first, without the endpoint's secret.
func (db *DB) Deliveries(ctx context.Context, webhookID int64) ([]entitle.Delivery, error) {
	return withoutSecrets(db.r().QueryContext(ctx, db.d.q(`SELECT `+deliveryColumns+deliveryFrom+` WHERE d.webhook_id = ? ORDER BY d.id`), webhookID))
}

// withoutSecrets reads the deliveries rows hold, without their endpoint's
// secret.
func withoutSecrets(rows *sql.Rows, err error) ([]entitle.Delivery, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []entitle.Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		d.Webhook.Secret = ""
		out = append(out, d)
	}
	return out, rows.Err()
}

// ClaimDeliveries claims up to limit pending deliveries due at now — never
// claimed, released, or whose claim's lease ran out — for token until now +
// lease, in one UPDATE guarded on that very state, so that of several
// dispatchers (processes) only one gets each delivery. It returns them with
// their endpoints (and secrets) and events, soonest due first.
func (db *DB) ClaimDeliveries(ctx context.Context, token string, now time.Time, lease time.Duration, limit int) ([]entitle.Delivery, error) {
	return db.claimDeliveries(ctx, token, now, lease, `SELECT id FROM webhook_deliveries
		WHERE state = 'pending' AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?)
		ORDER BY next_attempt_at, id LIMIT ?`, now.UnixMicro(), now.UnixMicro(), limit)
}

// ClaimDelivery claims delivery id as ClaimDeliveries would, if it is due;
// none (and no error) otherwise.
func (db *DB) ClaimDelivery(ctx context.Context, id int64, token string, now time.Time, lease time.Duration) ([]entitle.Delivery, error) {
	return db.claimDeliveries(ctx, token, now, lease, `SELECT id FROM webhook_deliveries
		WHERE id = ? AND state = 'pending' AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?)`, id, now.UnixMicro(), now.UnixMicro())
}

func (db *DB) claimDeliveries(ctx context.Context, token string, now time.Time, lease time.Duration, due string, dueArgs ...any) ([]entitle.Delivery, error) {
	var out []entitle.Delivery
	err := db.tx(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		args := append([]any{token, now.Add(lease).UnixMicro()}, dueArgs...)
		args = append(args, now.UnixMicro(), now.UnixMicro())
		rows, err := tx.QueryContext(ctx, db.d.q(`UPDATE webhook_deliveries SET claim = ?, claimed_until = ?
			WHERE id IN (`+due+`) AND state = 'pending' AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?)
			RETURNING id`), args...)
		if err != nil {
			return err
		}
		var ids []any
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(ids) == 0 {
			return err
		}
		rows, err = tx.QueryContext(ctx, db.d.q(`SELECT `+deliveryColumns+deliveryFrom+` WHERE d.id IN (`+placeholders(len(ids))+`)
			ORDER BY d.next_attempt_at, d.id`), ids...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scanDelivery(rows)
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		return rows.Err()
	})
	return out, err
}

// FinishDelivery records the outcome of delivery id at now, if token still
// holds its claim (ErrClaimLost otherwise), and releases the claim.
func (db *DB) FinishDelivery(ctx context.Context, id int64, token string, o entitle.DeliveryOutcome, now time.Time) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		set := `state = ?, claim = '', claimed_until = NULL`
		args := []any{o.State}
		if o.Attempted {
			set += `, attempts = attempts + 1, last_attempt_at = ?, last_status = ?, last_error = ?`
			args = append(args, now.UnixMicro(), o.Status, o.Error)
		} else if o.Error != "" {
			set += `, last_error = ?`
			args = append(args, o.Error)
		}
		switch o.State {
		case entitle.DeliveryDelivered:
			set += `, delivered_at = ?`
			args = append(args, now.UnixMicro())
		case entitle.DeliveryPending:
			if !o.NextAttemptAt.IsZero() {
				set += `, next_attempt_at = ?`
				args = append(args, o.NextAttemptAt.UnixMicro())
			}
		}
		if o.Body != nil {
			set += `, body = ?`
			args = append(args, string(o.Body))
		}
		res, err := tx.ExecContext(ctx, db.d.q(`UPDATE webhook_deliveries SET `+set+` WHERE id = ? AND claim = ? AND state = 'pending'`),
			append(args, id, token)...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return entitle.ErrClaimLost
		}
		return nil
	})
}

// AddPing records a ping of endpoint webhookID at now, due at once: an
// event fanned out to that endpoint alone, and its delivery, with the
// audit event ev (whose Object becomes publicID). It returns the delivery's
// id (ErrNotFound: no such active endpoint).
func (db *DB) AddPing(ctx context.Context, webhookID int64, publicID string, body []byte, now time.Time, ev entitle.AuditEvent) (int64, error) {
	var id int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, db.d.q(`SELECT 1 FROM webhooks WHERE id = ? AND removed_at IS NULL`), webhookID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return entitle.ErrNotFound
		}
		if err != nil {
			return err
		}
		var eventID int64
		if err := tx.QueryRowContext(ctx, db.d.q(`INSERT INTO webhook_events (type, subject, at, fanned_out_at) VALUES (?, ?, ?, ?) RETURNING id`),
			entitle.EventPing, strconv.FormatInt(webhookID, 10), now.UnixMicro(), now.UnixMicro()).Scan(&eventID); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, db.d.q(`INSERT INTO webhook_deliveries (public_id, webhook_id, event_id, body, state, next_attempt_at, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`), publicID, webhookID, eventID, string(body), entitle.DeliveryPending, now.UnixMicro(), now.UnixMicro()).Scan(&id); err != nil {
			return err
		}
		ev.Object = publicID
		return db.appendAudit(ctx, tx, ev)
	})
	return id, err
}

// PruneWebhooks deletes the deliveries that ended (delivered, failed or
// cancelled) before before, and the events left without deliveries that
// were fanned out before it. It returns how many deliveries it deleted.
func (db *DB) PruneWebhooks(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.d.q(`DELETE FROM webhook_deliveries WHERE state <> 'pending' AND created_at < ?`), before.UnixMicro())
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		_, err = tx.ExecContext(ctx, db.d.q(`DELETE FROM webhook_events WHERE fanned_out_at IS NOT NULL AND fanned_out_at < ?
			AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = webhook_events.id)`), before.UnixMicro())
		return err
	})
	return int(n), err
}

// OrderSubscriptions returns the subscription IDs of the order with id, by
// line (an entitlement.created event's subject).
func (db *DB) OrderSubscriptions(ctx context.Context, orderID int64) ([]string, error) {
	return db.strings(ctx, `SELECT subscription_id FROM entitlements WHERE order_id = ? ORDER BY line_no`, orderID)
}
