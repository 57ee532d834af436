package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/entitle-portal/entitle"
)

// ErrAlreadyInvited: a user or an open, unexpired invitation has the address.
var ErrAlreadyInvited = errors.New("already invited")

// Invitation is a co-worker invitation as recorded (the token only as hash).
type Invitation struct {
	ID        int64
	Email     string
	Company   string
	InviterID int64
	TokenHash string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// CreateInvitation records an invitation with its audit event, unless a user
// of any company or an open, unexpired invitation already has the address
// (ErrAlreadyInvited). An expired open invitation is closed first. Checking
// and writing happen in one write transaction, so two co-workers inviting the
// same address at the same instant make exactly one invitation.
func (db *DB) CreateInvitation(ctx context.Context, inv Invitation, ev AuditEvent) (Invitation, error) {
	inv.Email = entitle.NormalizeEmail(inv.Email)
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, db.d.q(`SELECT COUNT(*) FROM users WHERE email = ?`), inv.Email).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ErrAlreadyInvited
		}
		var openID, expires int64
		err := tx.QueryRowContext(ctx, db.d.q(`SELECT id, expires_at FROM invitations WHERE email = ? AND accepted_at IS NULL AND revoked_at IS NULL`),
			inv.Email).Scan(&openID, &expires)
		switch {
		case err == nil && expires > inv.CreatedAt.UnixMicro():
			return ErrAlreadyInvited
		case err == nil:
			if _, err := tx.ExecContext(ctx, db.d.q(`UPDATE invitations SET revoked_at = ? WHERE id = ?`), inv.CreatedAt.UnixMicro(), openID); err != nil {
				return err
			}
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		if err := tx.QueryRowContext(ctx, db.d.q(`INSERT INTO invitations (email, company_id, inviter_id, token_hash, created_at, expires_at)
			SELECT ?, id, ?, ?, ?, ? FROM companies WHERE key = ? RETURNING id`),
			inv.Email, inv.InviterID, inv.TokenHash, inv.CreatedAt.UnixMicro(), inv.ExpiresAt.UnixMicro(), inv.Company).Scan(&inv.ID); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, ev)
	})
	return inv, err
}

// Why an invitation token does not work.
var (
	ErrInvitationUnknown = errors.New("invitation unknown")
	ErrInvitationExpired = errors.New("invitation expired")
	ErrInvitationUsed    = errors.New("invitation already used")
	ErrInvitationRevoked = errors.New("invitation revoked")
)

// AcceptInvitation turns the open invitation with tokenHash into a user of
// the inviting company, named name, with passwordHash, and records the audit
// event; all in one transaction. The invitation is closed in the same
// transaction, so of two concurrent accepts of one token exactly one wins;
// the other gets ErrInvitationUsed. The user must not exist yet.
func (db *DB) AcceptInvitation(ctx context.Context, tokenHash, name, passwordHash string, now time.Time, ev AuditEvent) (UserRecord, error) {
	var u UserRecord
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var id, companyID, expires int64
		var accepted, revoked sql.NullInt64
		err := tx.QueryRowContext(ctx, db.d.q(`SELECT i.id, i.email, i.company_id, c.key, i.expires_at, i.accepted_at, i.revoked_at
			FROM invitations i JOIN companies c ON c.id = i.company_id WHERE i.token_hash = ?`), tokenHash).
			Scan(&id, &u.Email, &companyID, &u.Company, &expires, &accepted, &revoked)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return ErrInvitationUnknown
		case err != nil:
			return err
		case accepted.Valid:
			return ErrInvitationUsed
		case revoked.Valid:
			return ErrInvitationRevoked
		case expires <= now.UnixMicro():
			return ErrInvitationExpired
		}
		var n int
		if err := tx.QueryRowContext(ctx, db.d.q(`SELECT COUNT(*) FROM users WHERE email = ?`), u.Email).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return entitle.Errorf(entitle.CodeConflict, "a user with email %s already exists: sign in instead", u.Email)
		}
		u.Name, u.Status, u.PasswordHash = name, entitle.UserActive, passwordHash
		u.CreatedAt = now.UTC().Truncate(time.Microsecond)
		if err := u.User.Validate(); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, db.d.q(`UPDATE invitations SET accepted_at = ? WHERE id = ? AND accepted_at IS NULL`), now.UnixMicro(), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrInvitationUsed
		}
		if err := tx.QueryRowContext(ctx, db.d.q(`INSERT INTO users (email, name, company_id, admin, status, password_hash, created_at)
			VALUES (?, ?, ?, FALSE, ?, ?, ?) RETURNING id`),
			u.Email, u.Name, companyID, string(u.Status), passwordHash, now.UnixMicro()).Scan(&u.ID); err != nil {
			return err
		}
		ev.Actor, ev.Company, ev.Object = u.Email, u.Company, u.Email
		return db.appendAudit(ctx, tx, ev)
	})
	return u, err
}

// InvitationEmail returns the address of the invitation with tokenHash, for
// the password check of an accept.
func (db *DB) InvitationEmail(ctx context.Context, tokenHash string) (string, error) {
	var email string
	err := db.ro.QueryRowContext(ctx, db.d.q(`SELECT email FROM invitations WHERE token_hash = ?`), tokenHash).Scan(&email)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrInvitationUnknown
	}
	return email, err
}
