package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"time"

	"github.com/entitle-portal/entitle"
)

// CreateSession records a sign-in session of a user under the hash of its
// secret, opened from where meta says, replacing the session with hash old, if any (rotation at login),
// with its audit event, in one transaction.
func (db *DB) CreateSession(ctx context.Context, userID int64, hash, old string, meta entitle.SessionMeta, now, expires time.Time, ev entitle.AuditEvent) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if old != "" {
			if _, err := tx.ExecContext(ctx, db.d.q(`DELETE FROM sessions WHERE hash = ?`), old); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, db.d.q(`INSERT INTO sessions (hash, user_id, created_at, expires_at, last_seen_at, address, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?)`),
			hash, userID, now.UnixMicro(), expires.UnixMicro(), now.UnixMicro(), meta.Address, meta.UserAgent); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, ev)
	})
}

// UserBySession returns the user of the unexpired session with hash, and
// when the session was last seen.
func (db *DB) UserBySession(ctx context.Context, hash string, now time.Time) (entitle.UserRecord, time.Time, error) {
	var last int64
	u, err := scanUser(db.r().QueryRowContext(ctx, db.d.q(`SELECT `+userColumns+`, s.last_seen_at
		FROM sessions s JOIN users u ON u.id = s.user_id JOIN companies c ON c.id = u.company_id
		WHERE s.hash = ? AND s.expires_at > ?`), hash, now.UnixMicro()), &last)
	if errors.Is(err, sql.ErrNoRows) {
		return u, time.Time{}, entitle.ErrNotFound
	}
	return u, time.UnixMicro(last).UTC(), err
}

// TouchSession moves a session's expiry (sliding sessions).
func (db *DB) TouchSession(ctx context.Context, hash string, now, expires time.Time) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.d.q(`UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE hash = ?`), now.UnixMicro(), expires.UnixMicro(), hash)
		return err
	})
}

// DeleteSession ends a session, with the audit event of the user's sign-out
// (filled in with the session's user) when there was one.
func (db *DB) DeleteSession(ctx context.Context, hash string, ev entitle.AuditEvent) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		var email, company string
		err := tx.QueryRowContext(ctx, db.d.q(`SELECT u.email, c.key FROM sessions s JOIN users u ON u.id = s.user_id
			JOIN companies c ON c.id = u.company_id WHERE s.hash = ?`), hash).Scan(&email, &company)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, db.d.q(`DELETE FROM sessions WHERE hash = ?`), hash); err != nil {
			return err
		}
		ev.Actor, ev.Company = email, company
		return db.appendAudit(ctx, tx, ev)
	})
}

// TouchToken records that a token was used.
func (db *DB) TouchToken(ctx context.Context, hash string, now time.Time) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.d.q(`UPDATE api_tokens SET last_used_at = ? WHERE hash = ?`), now.UnixMicro(), hash)
		return err
	})
}

// Secret returns the deployment's secret called name (32 random bytes),
// creating it on first use. Every process on the database shares it.
func (db *DB) Secret(ctx context.Context, name string) ([]byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	var value string
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.d.q(`INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`),
			"secret."+name, hex.EncodeToString(b)); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, db.d.q(`SELECT value FROM settings WHERE key = ?`), "secret."+name).Scan(&value)
	})
	if err != nil {
		return nil, err
	}
	return hex.DecodeString(value)
}
