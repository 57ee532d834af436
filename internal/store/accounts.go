package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/entitle-portal/entitle"
)

// An account's own things: password resets, the user's sessions and
// personal API tokens. Every change is written with its audit event in one
// transaction.

// sessionIDLen is how many hex digits of a session's hash name it.
const sessionIDLen = 16

// CreatePasswordReset records a password reset link of a user by the hash of
// its secret, with its audit event.
func (db *DB) CreatePasswordReset(ctx context.Context, r entitle.PasswordReset, tokenHash string, ev entitle.AuditEvent) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		var by sql.NullInt64
		if r.RequestedBy != 0 {
			by = sql.NullInt64{Int64: r.RequestedBy, Valid: true}
		}
		if _, err := tx.ExecContext(ctx, db.d.q(`INSERT INTO password_resets (user_id, token_hash, requested_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`),
			r.UserID, tokenHash, by, r.CreatedAt.UnixMicro(), r.ExpiresAt.UnixMicro()); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, ev)
	})
}

// PasswordResetUser returns the user a password reset link with tokenHash
// is for, if the link works at now (entitle.ErrResetUnknown, ErrResetUsed,
// ErrResetExpired).
func (db *DB) PasswordResetUser(ctx context.Context, tokenHash string, now time.Time) (entitle.UserRecord, error) {
	var expires int64
	var used sql.NullInt64
	u, err := scanUser(db.r().QueryRowContext(ctx, db.d.q(`SELECT `+userColumns+`, r.expires_at, r.used_at
		FROM password_resets r JOIN users u ON u.id = r.user_id JOIN companies c ON c.id = u.company_id
		WHERE r.token_hash = ?`), tokenHash), &expires, &used)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return u, entitle.ErrResetUnknown
	case err != nil:
		return u, err
	case used.Valid:
		return u, entitle.ErrResetUsed
	case expires <= now.UnixMicro():
		return u, entitle.ErrResetExpired
	}
	return u, nil
}

// ResetPassword uses the password reset link with tokenHash: it sets the
// user's password hash, ends every session of the user and every other open
// reset link, with its audit event (its Actor and Company filled in), in
// one transaction. Of two concurrent uses exactly one wins.
func (db *DB) ResetPassword(ctx context.Context, tokenHash, passwordHash string, now time.Time, ev entitle.AuditEvent) (entitle.UserRecord, error) {
	var u entitle.UserRecord
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var userID int64
		err := tx.QueryRowContext(ctx, db.d.q(`UPDATE password_resets SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING user_id`),
			now.UnixMicro(), tokenHash, now.UnixMicro()).Scan(&userID)
		if errors.Is(err, sql.ErrNoRows) {
			_, err = db.PasswordResetUser(ctx, tokenHash, now) // why it does not work
			if err == nil {
				err = entitle.ErrResetUsed
			}
			return err
		}
		if err != nil {
			return err
		}
		if u, err = db.setPassword(ctx, tx, userID, passwordHash, "", now); err != nil {
			return err
		}
		ev.Actor, ev.Company = u.Email, u.Company
		return db.appendAudit(ctx, tx, ev)
	})
	return u, err
}

// ChangePassword sets the password hash of the user with id and ends every
// session of the user but the one with keepSession's hash ("" : all) and
// every open reset link, with its audit event, in one transaction.
func (db *DB) ChangePassword(ctx context.Context, id int64, passwordHash, keepSession string, now time.Time, ev entitle.AuditEvent) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := db.setPassword(ctx, tx, id, passwordHash, keepSession, now); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, ev)
	})
}

func (db *DB) setPassword(ctx context.Context, tx *sql.Tx, id int64, passwordHash, keepSession string, now time.Time) (entitle.UserRecord, error) {
	res, err := tx.ExecContext(ctx, db.d.q(`UPDATE users SET password_hash = ? WHERE id = ?`), passwordHash, id)
	if err != nil {
		return entitle.UserRecord{}, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return entitle.UserRecord{}, entitle.ErrNotFound
	}
	if _, err := tx.ExecContext(ctx, db.d.q(`DELETE FROM sessions WHERE user_id = ? AND hash <> ?`), id, keepSession); err != nil {
		return entitle.UserRecord{}, err
	}
	if _, err := tx.ExecContext(ctx, db.d.q(`UPDATE password_resets SET used_at = ? WHERE user_id = ? AND used_at IS NULL`), now.UnixMicro(), id); err != nil {
		return entitle.UserRecord{}, err
	}
	u, err := scanUser(tx.QueryRowContext(ctx, db.d.q(`SELECT `+userColumns+` FROM users u JOIN companies c ON c.id = u.company_id WHERE u.id = ?`), id))
	return u, err
}

// Sessions returns the user's unexpired sessions, the latest used first.
func (db *DB) Sessions(ctx context.Context, userID int64, now time.Time) ([]entitle.Session, error) {
	rows, err := db.r().QueryContext(ctx, db.d.q(`SELECT hash, created_at, last_seen_at, expires_at, address, user_agent
		FROM sessions WHERE user_id = ? AND expires_at > ? ORDER BY last_seen_at DESC, hash`), userID, now.UnixMicro())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []entitle.Session
	for rows.Next() {
		var s entitle.Session
		var created, seen, expires int64
		if err := rows.Scan(&s.ID, &created, &seen, &expires, &s.Address, &s.UserAgent); err != nil {
			return nil, err
		}
		s.ID = SessionID(s.ID)
		s.CreatedAt, s.LastSeenAt, s.ExpiresAt = time.UnixMicro(created).UTC(), time.UnixMicro(seen).UTC(), time.UnixMicro(expires).UTC()
		out = append(out, s)
	}
	return out, rows.Err()
}

// SessionID is the ID under which a session with hash is listed.
func SessionID(hash string) string {
	if len(hash) < sessionIDLen {
		return hash
	}
	return hash[:sessionIDLen]
}

// EndSessions ends sessions of the user with userID: the one listed as id,
// or, when id is "", every one but keep's hash. It records its audit event
// (with the count in its Detail) when it ended any, and returns how many it
// ended; ending a session that is not the user's is ErrNotFound.
func (db *DB) EndSessions(ctx context.Context, userID int64, id, keep string, ev entitle.AuditEvent) (int, error) {
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		q, args := `DELETE FROM sessions WHERE user_id = ? AND hash <> ?`, []any{userID, keep}
		if id != "" {
			if len(id) != sessionIDLen {
				return entitle.ErrNotFound
			}
			q, args = `DELETE FROM sessions WHERE user_id = ? AND substr(hash, 1, 16) = ?`, []any{userID, id}
		}
		res, err := tx.ExecContext(ctx, db.d.q(q), args...)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		switch {
		case n == 0 && id != "":
			return entitle.ErrNotFound
		case n == 0:
			return nil
		}
		ev.Detail = strconv.FormatInt(n, 10) + " ended"
		return db.appendAudit(ctx, tx, ev)
	})
	return int(n), err
}

// Tokens returns the user's API tokens that work at now, the newest first.
func (db *DB) Tokens(ctx context.Context, userID int64, now time.Time) ([]entitle.APIToken, error) {
	rows, err := db.r().QueryContext(ctx, db.d.q(`SELECT id, name, scopes, created_at, last_used_at, expires_at FROM api_tokens
		WHERE user_id = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?) ORDER BY id DESC`), userID, now.UnixMicro())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []entitle.APIToken
	for rows.Next() {
		var t entitle.APIToken
		var created int64
		var used, expires sql.NullInt64
		var scopes string
		if err := rows.Scan(&t.ID, &t.Name, &scopes, &created, &used, &expires); err != nil {
			return nil, err
		}
		t.Scopes = storedScopes(scopes)
		t.CreatedAt, t.LastUsedAt, t.ExpiresAt = time.UnixMicro(created).UTC(), fromMicros(used), fromMicros(expires)
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeToken revokes the user's working API token with id, with its audit
// event; another user's token, or one revoked or expired already, is
// ErrNotFound.
func (db *DB) RevokeToken(ctx context.Context, userID, id int64, now time.Time, ev entitle.AuditEvent) (entitle.APIToken, error) {
	var t entitle.APIToken
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var created int64
		var expires sql.NullInt64
		err := tx.QueryRowContext(ctx, db.d.q(`UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL
			AND (expires_at IS NULL OR expires_at > ?) RETURNING id, name, created_at, expires_at`), now.UnixMicro(), id, userID, now.UnixMicro()).
			Scan(&t.ID, &t.Name, &created, &expires)
		if errors.Is(err, sql.ErrNoRows) {
			return entitle.ErrNotFound
		}
		if err != nil {
			return err
		}
		t.CreatedAt, t.ExpiresAt = time.UnixMicro(created).UTC(), fromMicros(expires)
		ev.Object = t.Name
		return db.appendAudit(ctx, tx, ev)
	})
	return t, err
}
