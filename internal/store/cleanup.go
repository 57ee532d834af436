package store

import (
	"context"
	"database/sql"
	"time"
)

// Cleanup (issue 15): the rows that have served their purpose go, on a
// schedule (`serve --cleanup-interval`, or `entitle cleanup` from cron).
// Audit events are never touched here: only `entitle audit prune` removes
// them, with a signed checkpoint.

// CleanupKeep is how long closed invitations and finished webhook
// deliveries are kept after they closed: the co-workers page and `entitle
// webhook list` show them for that long.
const CleanupKeep = 30 * 24 * time.Hour

// ImportKeep is how long the report of a finished upload to the ingest API
// is kept: the ERP polls it, and a retry with its Idempotency-Key answers
// it, for that long (a retry after that imports the file again, which
// changes nothing: imports are idempotent).
const ImportKeep = 90 * 24 * time.Hour

// rateWindowKeep is how long a rate limit's window is kept after it
// started: twice the longest period a limit may have (ratelimit.MaxPer, a
// day), so that the window before the current one, which the sliding count
// weighs in, is always still there.
const rateWindowKeep = 2 * 24 * time.Hour

// cleanupBatch is how many rows one delete removes: each transaction stays
// short, so that serving never waits long for the single writer.
const cleanupBatch = 1000

// CleanupCounts is how many rows Cleanup removed, by kind.
type CleanupCounts struct {
	Sessions          int64 // expired sessions
	Invitations       int64 // invitations accepted, revoked or expired more than CleanupKeep ago
	PasswordResets    int64 // password reset links used or expired
	LoginChallenges   int64 // two-factor challenges expired (a used one is deleted when used)
	SSOLogins         int64 // single sign-on login states expired (a used one is deleted when used)
	RateLimits        int64 // rate limit windows long past
	WebhookDeliveries int64 // deliveries that ended (delivered, failed, cancelled) more than CleanupKeep ago
	Imports           int64 // reports of ingest API uploads finished more than ImportKeep ago
}

// Total is the number of rows removed.
func (c CleanupCounts) Total() int64 {
	return c.Sessions + c.Invitations + c.PasswordResets + c.LoginChallenges + c.SSOLogins + c.RateLimits + c.WebhookDeliveries + c.Imports
}

// Cleanup removes, as of now, what has expired or been used: see
// CleanupCounts. Every delete is idempotent and runs in short transactions
// of at most cleanupBatch rows, so several serve processes may clean up at
// once. What is still current (a valid session, an open invitation, a
// pending delivery) is kept.
func (db *DB) Cleanup(ctx context.Context, now time.Time) (CleanupCounts, error) {
	var c CleanupCounts
	t, old := now.UnixMicro(), now.Add(-CleanupKeep).UnixMicro()
	for _, d := range []struct {
		n          *int64
		table, key string
		where      string
		args       []any
	}{
		{&c.Sessions, "sessions", "hash", `expires_at <= ?`, []any{t}},
		{&c.Invitations, "invitations", "id", `accepted_at < ? OR revoked_at < ? OR (accepted_at IS NULL AND revoked_at IS NULL AND expires_at < ?)`, []any{old, old, old}},
		{&c.PasswordResets, "password_resets", "id", `used_at IS NOT NULL OR expires_at <= ?`, []any{t}},
		{&c.LoginChallenges, "login_challenges", "hash", `expires_at <= ?`, []any{t}},
		{&c.SSOLogins, "sso_logins", "state_hash", `expires_at <= ?`, []any{t}},
		{&c.RateLimits, "rate_limits", "bucket", `window_start < ?`, []any{now.Add(-rateWindowKeep).UnixMicro()}},
		{&c.Imports, "imports", "id", `finished_at < ?`, []any{now.Add(-ImportKeep).UnixMicro()}},
	} {
		n, err := db.deleteBatches(ctx, d.table, d.key, d.where, d.args)
		*d.n += n
		if err != nil {
			return c, err
		}
	}
	n, err := db.PruneWebhooks(ctx, now.Add(-CleanupKeep))
	c.WebhookDeliveries = int64(n)
	return c, err
}

// deleteBatches deletes the rows of table that match where, cleanupBatch
// at a time (by key, which need not be unique: rate_limits' buckets), each
// batch in its own transaction, and returns how many it deleted.
func (db *DB) deleteBatches(ctx context.Context, table, key, where string, args []any) (int64, error) {
	query := db.d.q(`DELETE FROM ` + table + ` WHERE ` + key + ` IN (SELECT ` + key + ` FROM ` + table + ` WHERE ` + where + ` LIMIT ?) AND (` + where + `)`)
	args = append(append(append([]any{}, args...), cleanupBatch), args...)
	var total int64
	for {
		var n int64
		err := db.tx(ctx, func(tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, query, args...)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		total += n
		if err != nil || n < cleanupBatch {
			return total, err
		}
	}
}
