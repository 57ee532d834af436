package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/entitle-portal/entitle"
)

// Two-factor sign-in (internal/accounts decides; the store keeps): a
// user's TOTP key, sealed, pending until confirmed; its recovery codes,
// hashed and single-use; the challenges of sign-ins waiting for their
// second factor; and the companies that require it.

// errTOTPOn is the refusal to start an enrolment over a confirmed key.
var errTOTPOn = entitle.Errorf(entitle.CodeConflict, "two-factor sign-in is already on for your account: turn it off first to set up another authenticator")

// TOTPKey returns the user's TOTP key with how many recovery codes are
// left (ErrNotFound: none).
func (db *DB) TOTPKey(ctx context.Context, userID int64) (entitle.TOTPKey, error) {
	k := entitle.TOTPKey{UserID: userID}
	var created int64
	var confirmed sql.NullInt64
	err := db.r().QueryRowContext(ctx, db.d.q(`SELECT sealed, created_at, confirmed_at, last_step,
		(SELECT COUNT(*) FROM recovery_codes r WHERE r.user_id = k.user_id AND r.used_at IS NULL)
		FROM totp_keys k WHERE k.user_id = ?`), userID).Scan(&k.Sealed, &created, &confirmed, &k.LastStep, &k.RecoveryLeft)
	if errors.Is(err, sql.ErrNoRows) {
		return k, entitle.ErrNotFound
	}
	k.CreatedAt = time.UnixMicro(created).UTC()
	if confirmed.Valid {
		k.ConfirmedAt = time.UnixMicro(confirmed.Int64).UTC()
	}
	return k, err
}

// StartTOTP records a new pending TOTP key of the user, replacing a
// pending one; a confirmed key is left alone (a conflict). ev is audited
// with it.
func (db *DB) StartTOTP(ctx context.Context, userID int64, sealed string, now time.Time, ev entitle.AuditEvent) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		var confirmed sql.NullInt64
		err := tx.QueryRowContext(ctx, db.d.q(`SELECT confirmed_at FROM totp_keys WHERE user_id = ?`), userID).Scan(&confirmed)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if _, err := tx.ExecContext(ctx, db.d.q(`INSERT INTO totp_keys (user_id, sealed, created_at, last_step) VALUES (?, ?, ?, 0)`),
				userID, sealed, now.UnixMicro()); err != nil {
				return err
			}
		case err != nil:
			return err
		case confirmed.Valid:
			return errTOTPOn
		default:
			if _, err := tx.ExecContext(ctx, db.d.q(`UPDATE totp_keys SET sealed = ?, created_at = ?, last_step = 0 WHERE user_id = ?`),
				sealed, now.UnixMicro(), userID); err != nil {
				return err
			}
		}
		return db.appendAudit(ctx, tx, ev)
	})
}

// ConfirmTOTP turns the user's pending key on with the time step of its
// first code, and gives it the recovery codes with hashes (replacing any),
// audited with ev. It reports false, changing nothing, when there is no
// pending key (none, or confirmed already) or step is not after its last.
func (db *DB) ConfirmTOTP(ctx context.Context, userID, step int64, codeHashes []string, now time.Time, ev entitle.AuditEvent) (bool, error) {
	ok := false
	err := db.tx(ctx, func(tx *sql.Tx) error {
		ok = false
		res, err := tx.ExecContext(ctx, db.d.q(`UPDATE totp_keys SET confirmed_at = ?, last_step = ?
			WHERE user_id = ? AND confirmed_at IS NULL AND last_step < ?`), now.UnixMicro(), step, userID, step)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil
		}
		if err := db.putRecoveryCodes(ctx, tx, userID, codeHashes); err != nil {
			return err
		}
		ok = true
		return db.appendAudit(ctx, tx, ev)
	})
	return ok, err
}

func (db *DB) putRecoveryCodes(ctx context.Context, tx *sql.Tx, userID int64, hashes []string) error {
	if _, err := tx.ExecContext(ctx, db.d.q(`DELETE FROM recovery_codes WHERE user_id = ?`), userID); err != nil {
		return err
	}
	for _, h := range hashes {
		if _, err := tx.ExecContext(ctx, db.d.q(`INSERT INTO recovery_codes (user_id, hash) VALUES (?, ?)`), userID, h); err != nil {
			return err
		}
	}
	return nil
}

// UseTOTPStep records that a code of the user's confirmed key was accepted
// for time step step; it reports false, changing nothing, when that step
// or a later one was used already (a replay) or the key is not confirmed.
func (db *DB) UseTOTPStep(ctx context.Context, userID, step int64) (bool, error) {
	ok := false
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.d.q(`UPDATE totp_keys SET last_step = ?
			WHERE user_id = ? AND confirmed_at IS NOT NULL AND last_step < ?`), step, userID, step)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		ok = n == 1
		return nil
	})
	return ok, err
}

// UseRecoveryCode spends the user's unused recovery code with hash, with
// its audit event; it reports false, changing nothing, when there is none
// such (unknown, or used already).
func (db *DB) UseRecoveryCode(ctx context.Context, userID int64, hash string, now time.Time, ev entitle.AuditEvent) (bool, error) {
	ok := false
	err := db.tx(ctx, func(tx *sql.Tx) error {
		ok = false
		res, err := tx.ExecContext(ctx, db.d.q(`UPDATE recovery_codes SET used_at = ?
			WHERE user_id = ? AND hash = ? AND used_at IS NULL
			AND EXISTS (SELECT 1 FROM totp_keys k WHERE k.user_id = ? AND k.confirmed_at IS NOT NULL)`), now.UnixMicro(), userID, hash, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil
		}
		ok = true
		return db.appendAudit(ctx, tx, ev)
	})
	return ok, err
}

// ReplaceRecoveryCodes gives the user's confirmed key new recovery codes,
// the old ones void, audited with ev (ErrNotFound: no confirmed key).
func (db *DB) ReplaceRecoveryCodes(ctx context.Context, userID int64, hashes []string, ev entitle.AuditEvent) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, db.d.q(`SELECT COUNT(*) FROM totp_keys WHERE user_id = ? AND confirmed_at IS NOT NULL`), userID).Scan(&n); err != nil {
			return err
		}
		if n != 1 {
			return entitle.ErrNotFound
		}
		if err := db.putRecoveryCodes(ctx, tx, userID, hashes); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, ev)
	})
}

// DeleteTOTP turns two-factor sign-in off for the user (its key, pending
// or confirmed, and its recovery codes), audited with ev; ErrNotFound when
// it has no key.
func (db *DB) DeleteTOTP(ctx context.Context, userID int64, ev entitle.AuditEvent) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.d.q(`DELETE FROM totp_keys WHERE user_id = ?`), userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return entitle.ErrNotFound
		}
		if _, err := tx.ExecContext(ctx, db.d.q(`DELETE FROM recovery_codes WHERE user_id = ?`), userID); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, ev)
	})
}

// AddLoginChallenge records a sign-in waiting for its second factor under
// the hash of its secret (forgetting the user's expired ones).
func (db *DB) AddLoginChallenge(ctx context.Context, hash string, userID int64, purpose string, now, expires time.Time) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.d.q(`DELETE FROM login_challenges WHERE user_id = ? AND expires_at <= ?`), userID, now.UnixMicro()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, db.d.q(`INSERT INTO login_challenges (hash, user_id, purpose, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`),
			hash, userID, purpose, now.UnixMicro(), expires.UnixMicro())
		return err
	})
}

// LoginChallenge returns the user and the purpose of the unexpired
// challenge with hash (ErrNotFound: none).
func (db *DB) LoginChallenge(ctx context.Context, hash string, now time.Time) (entitle.UserRecord, string, error) {
	var purpose string
	u, err := scanUser(db.r().QueryRowContext(ctx, db.d.q(`SELECT `+userColumns+`, l.purpose
		FROM login_challenges l JOIN users u ON u.id = l.user_id JOIN companies c ON c.id = u.company_id
		WHERE l.hash = ? AND l.expires_at > ?`), hash, now.UnixMicro()), &purpose)
	if errors.Is(err, sql.ErrNoRows) {
		return u, "", entitle.ErrNotFound
	}
	return u, purpose, err
}

// DeleteLoginChallenge spends the challenge with hash: it reports whether
// it was there (of two requests completing one sign-in, one wins).
func (db *DB) DeleteLoginChallenge(ctx context.Context, hash string) (bool, error) {
	ok := false
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.d.q(`DELETE FROM login_challenges WHERE hash = ?`), hash)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		ok = n == 1
		return nil
	})
	return ok, err
}

// SetRequireTwoFactor records whether company requires two-factor sign-in,
// audited with ev. Requiring it ends the sessions of the company's users
// who have not turned it on, so that each signs in again through it.
func (db *DB) SetRequireTwoFactor(ctx context.Context, company string, on bool, ev entitle.AuditEvent) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.d.q(`UPDATE companies SET require_two_factor = ? WHERE key = ?`), on, company)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return entitle.ErrNotFound
		}
		if on {
			if _, err := tx.ExecContext(ctx, db.d.q(`DELETE FROM sessions WHERE user_id IN (
				SELECT u.id FROM users u JOIN companies c ON c.id = u.company_id WHERE c.key = ?
				AND NOT EXISTS (SELECT 1 FROM totp_keys k WHERE k.user_id = u.id AND k.confirmed_at IS NOT NULL))`), company); err != nil {
				return err
			}
		}
		return db.appendAudit(ctx, tx, ev)
	})
}

// RequiresTwoFactor reports whether company requires two-factor sign-in.
func (db *DB) RequiresTwoFactor(ctx context.Context, company string) (bool, error) {
	var on bool
	err := db.r().QueryRowContext(ctx, db.d.q(`SELECT require_two_factor FROM companies WHERE key = ?`), company).Scan(&on)
	if errors.Is(err, sql.ErrNoRows) {
		return false, entitle.ErrNotFound
	}
	return on, err
}
