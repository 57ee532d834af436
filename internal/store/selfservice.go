package store

import (
	"context"
	"database/sql"
	"maps"
	"slices"
	"time"

	"github.com/entitle-portal/entitle"
)

// Self-service for company administrators (issue 14): the notice
// preferences of each user, and the recent deliveries of an endpoint as its
// company reads them.

// NoticeReaders returns the active users of company who receive notices of
// kind (entitle.NoticeKinds) — those who chose to, and the administrators
// who did not choose otherwise — by email, each with the language they read
// mails in ("" when left to the browser). It is the one question every
// sender of a notice asks — expiry digests, renewal requests, access
// requests — and writes to each reader in their own language.
func (db *DB) NoticeReaders(ctx context.Context, company, kind string) ([]entitle.Recipient, error) {
	return db.recipients(ctx, `SELECT u.email, u.language FROM users u
		JOIN companies c ON c.id = u.company_id
		LEFT JOIN notice_preferences p ON p.user_id = u.id AND p.kind = ?
		WHERE c.key = ? AND u.status = ? AND (p.receive OR (p.receive IS NULL AND u.admin))
		ORDER BY u.email`, kind, company, string(entitle.UserActive))
}

// NoticeChoices returns the choices user made, by kind (a kind not chosen
// is absent: its default applies).
func (db *DB) NoticeChoices(ctx context.Context, user int64) (map[string]bool, error) {
	rows, err := db.r().QueryContext(ctx, db.d.q(`SELECT kind, receive FROM notice_preferences WHERE user_id = ?`), user)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var kind string
		var on bool
		if err := rows.Scan(&kind, &on); err != nil {
			return nil, err
		}
		out[kind] = on
	}
	return out, rows.Err()
}

// SetNoticeChoices records user's choices (by kind) at now, with the audit
// event ev, in one transaction. A kind not in choices keeps what it had.
func (db *DB) SetNoticeChoices(ctx context.Context, user int64, choices map[string]bool, now time.Time, ev entitle.AuditEvent) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		for _, kind := range slices.Sorted(maps.Keys(choices)) {
			if _, err := tx.ExecContext(ctx, db.d.q(`INSERT INTO notice_preferences (user_id, kind, receive, changed_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (user_id, kind) DO UPDATE SET receive = excluded.receive, changed_at = excluded.changed_at`),
				user, kind, choices[kind], now.UnixMicro()); err != nil {
				return err
			}
		}
		return db.appendAudit(ctx, tx, ev)
	})
}

// SetUserLanguage records the language user reads the portal and its mails
// in ("" for the browser's), with its audit event.
func (db *DB) SetUserLanguage(ctx context.Context, user int64, lang string, ev entitle.AuditEvent) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.d.q(`UPDATE users SET language = ? WHERE id = ?`), lang, user); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, ev)
	})
}

// RecentDeliveries returns the latest deliveries to endpoint webhookID
// still kept, newest first, at most limit, without the endpoint's secret.
func (db *DB) RecentDeliveries(ctx context.Context, webhookID int64, limit int) ([]entitle.Delivery, error) {
	return withoutSecrets(db.r().QueryContext(ctx, db.d.q(`SELECT `+deliveryColumns+deliveryFrom+` WHERE d.webhook_id = ?
		ORDER BY d.created_at DESC, d.id DESC LIMIT ?`), webhookID, limit))
}
