package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/entitle-portal/entitle"
)

const invitationColumns = `i.id, i.email, c.key, COALESCE(i.inviter_id, 0), COALESCE(u.email, ''), COALESCE(u.name, ''), i.admin,
	i.token_hash, i.created_at, i.expires_at, i.accepted_at, i.revoked_at, i.mail_status, i.mail_attempts, i.mail_error, i.mail_at`

const invitationFrom = ` FROM invitations i JOIN companies c ON c.id = i.company_id LEFT JOIN users u ON u.id = i.inviter_id`

func scanInvitation(row interface{ Scan(...any) error }) (entitle.Invitation, error) {
	var inv entitle.Invitation
	var created, expires int64
	var accepted, revoked, mailAt sql.NullInt64
	err := row.Scan(&inv.ID, &inv.Email, &inv.Company, &inv.InviterID, &inv.InviterEmail, &inv.InviterName, &inv.Admin,
		&inv.TokenHash, &created, &expires, &accepted, &revoked, &inv.Mail.Status, &inv.Mail.Attempts, &inv.Mail.Error, &mailAt)
	inv.CreatedAt, inv.ExpiresAt = time.UnixMicro(created).UTC(), time.UnixMicro(expires).UTC()
	inv.AcceptedAt, inv.RevokedAt, inv.Mail.At = fromMicros(accepted), fromMicros(revoked), fromMicros(mailAt)
	return inv, err
}

// CreateInvitation records an invitation with its audit event, unless a user
// of any company or an open, unexpired invitation already has the address
// (ErrAlreadyInvited). An expired open invitation is closed first. Checking
// and writing happen in one write transaction, so two co-workers inviting the
// same address at the same instant make exactly one invitation.
func (db *DB) CreateInvitation(ctx context.Context, inv entitle.Invitation, ev entitle.AuditEvent) (entitle.Invitation, error) {
	inv.Email = entitle.NormalizeEmail(inv.Email)
	inv.Mail = entitle.MailState{Status: entitle.MailQueued}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, db.d.q(`SELECT COUNT(*) FROM users WHERE email = ?`), inv.Email).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return entitle.ErrAlreadyInvited
		}
		var openID, expires int64
		err := tx.QueryRowContext(ctx, db.d.q(`SELECT id, expires_at FROM invitations WHERE email = ? AND accepted_at IS NULL AND revoked_at IS NULL`),
			inv.Email).Scan(&openID, &expires)
		switch {
		case err == nil && expires > inv.CreatedAt.UnixMicro():
			return entitle.ErrAlreadyInvited
		case err == nil:
			if _, err := tx.ExecContext(ctx, db.d.q(`UPDATE invitations SET revoked_at = ? WHERE id = ?`), inv.CreatedAt.UnixMicro(), openID); err != nil {
				return err
			}
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		var inviter any
		if inv.InviterID != 0 {
			inviter = inv.InviterID
		}
		err = tx.QueryRowContext(ctx, db.d.q(`INSERT INTO invitations (email, company_id, inviter_id, admin, token_hash, created_at, expires_at, mail_status)
			SELECT ?, id, ?, ?, ?, ?, ?, ? FROM companies WHERE key = ? RETURNING id`),
			inv.Email, inviter, inv.Admin, inv.TokenHash, inv.CreatedAt.UnixMicro(), inv.ExpiresAt.UnixMicro(), entitle.MailQueued, inv.Company).Scan(&inv.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return entitle.Errorf(entitle.CodeNotFound, "no company with key %s", inv.Company)
		}
		if err != nil {
			return err
		}
		ev.Object = inv.Email
		return db.appendAudit(ctx, tx, ev)
	})
	if err != nil {
		return inv, err
	}
	return db.Invitation(ctx, inv.ID)
}

// Invitation returns the invitation with id (ErrNotFound).
func (db *DB) Invitation(ctx context.Context, id int64) (entitle.Invitation, error) {
	return db.invitation(ctx, db.r(), id)
}

func (db *DB) invitation(ctx context.Context, q querier, id int64) (entitle.Invitation, error) {
	inv, err := scanInvitation(q.QueryRowContext(ctx, db.d.q(`SELECT `+invitationColumns+invitationFrom+` WHERE i.id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return inv, entitle.ErrNotFound
	}
	return inv, err
}

// OpenInvitations returns a page of the company's open invitations (neither
// accepted nor revoked; expired ones included), oldest first, after the
// invitation with ID after. With inviterID set, only that user's.
func (db *DB) OpenInvitations(ctx context.Context, company string, inviterID, after int64, limit int) ([]entitle.Invitation, error) {
	q, args := `SELECT `+invitationColumns+invitationFrom+`
		WHERE i.company_id = (SELECT id FROM companies WHERE key = ?) AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.id > ?`,
		[]any{company, after}
	if inviterID != 0 {
		q, args = q+` AND i.inviter_id = ?`, append(args, inviterID)
	}
	rows, err := db.r().QueryContext(ctx, db.d.q(q+` ORDER BY i.id LIMIT ?`), append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []entitle.Invitation
	for rows.Next() {
		inv, err := scanInvitation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, inv)
	}
	return out, rows.Err()
}

// RevokeInvitation closes the open invitation id: its link stops working at
// once. check sees the invitation first, inside the transaction, and may
// refuse (its error is returned as is). A closed invitation gives
// ErrInvitationClosed (with the invitation), an unknown one ErrNotFound.
func (db *DB) RevokeInvitation(ctx context.Context, id int64, check func(entitle.Invitation) error, now time.Time, ev entitle.AuditEvent) (entitle.Invitation, error) {
	var inv entitle.Invitation
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		if inv, err = db.invitation(ctx, tx, id); err != nil {
			return err
		}
		if err := check(inv); err != nil {
			return err
		}
		if !inv.Open() {
			return entitle.ErrInvitationClosed
		}
		if _, err := tx.ExecContext(ctx, db.d.q(`UPDATE invitations SET revoked_at = ? WHERE id = ?`), now.UnixMicro(), id); err != nil {
			return err
		}
		inv.RevokedAt = now.UTC().Truncate(time.Microsecond)
		ev.Object = inv.Email
		return db.appendAudit(ctx, tx, ev)
	})
	return inv, err
}

// ReissueInvitation gives the open invitation id a new link: tokenHash
// replaces the old one (whose link stops working at once), the invitation
// runs until expires, and its mail is queued again. check sees the
// invitation first, inside the transaction, and may refuse. A closed
// invitation gives ErrInvitationClosed; an address that has become a user's
// meanwhile gives ErrAlreadyInvited.
func (db *DB) ReissueInvitation(ctx context.Context, id int64, check func(entitle.Invitation) error, tokenHash string, expires time.Time, ev entitle.AuditEvent) (entitle.Invitation, error) {
	var inv entitle.Invitation
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		if inv, err = db.invitation(ctx, tx, id); err != nil {
			return err
		}
		if err := check(inv); err != nil {
			return err
		}
		if !inv.Open() {
			return entitle.ErrInvitationClosed
		}
		var n int
		if err := tx.QueryRowContext(ctx, db.d.q(`SELECT COUNT(*) FROM users WHERE email = ?`), inv.Email).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return entitle.ErrAlreadyInvited
		}
		if _, err := tx.ExecContext(ctx, db.d.q(`UPDATE invitations SET token_hash = ?, expires_at = ?, mail_status = ?, mail_attempts = 0, mail_error = '', mail_at = NULL
			WHERE id = ?`), tokenHash, expires.UnixMicro(), entitle.MailQueued, id); err != nil {
			return err
		}
		inv.TokenHash, inv.ExpiresAt, inv.Mail = tokenHash, expires.UTC().Truncate(time.Microsecond), entitle.MailState{Status: entitle.MailQueued}
		ev.Object = inv.Email
		return db.appendAudit(ctx, tx, ev)
	})
	return inv, err
}

// RecordMail records how the delivery of the invitation's link with
// tokenHash went. A link replaced meanwhile (ReissueInvitation) is not the
// invitation's any more: its outcome is not recorded.
func (db *DB) RecordMail(ctx context.Context, id int64, tokenHash string, m entitle.MailState) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.d.q(`UPDATE invitations SET mail_status = ?, mail_attempts = ?, mail_error = ?, mail_at = ?
			WHERE id = ? AND token_hash = ?`), m.Status, m.Attempts, m.Error, micros(m.At), id, tokenHash)
		return err
	})
}

// AcceptInvitation turns the open invitation with tokenHash into a user of
// the inviting company (an administrator if the invitation says so), named
// name, with passwordHash, and records the audit event; all in one
// transaction. The invitation is closed in the same transaction, so of two
// concurrent accepts of one token exactly one wins; the other gets
// ErrInvitationUsed. The user must not exist yet.
func (db *DB) AcceptInvitation(ctx context.Context, tokenHash, name, passwordHash string, now time.Time, ev entitle.AuditEvent) (entitle.UserRecord, error) {
	var u entitle.UserRecord
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var id, companyID, expires int64
		var accepted, revoked sql.NullInt64
		err := tx.QueryRowContext(ctx, db.d.q(`SELECT i.id, i.email, i.company_id, c.key, i.admin, i.expires_at, i.accepted_at, i.revoked_at
			FROM invitations i JOIN companies c ON c.id = i.company_id WHERE i.token_hash = ?`), tokenHash).
			Scan(&id, &u.Email, &companyID, &u.Company, &u.Admin, &expires, &accepted, &revoked)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return entitle.ErrInvitationUnknown
		case err != nil:
			return err
		case accepted.Valid:
			return entitle.ErrInvitationUsed
		case revoked.Valid:
			return entitle.ErrInvitationRevoked
		case expires <= now.UnixMicro():
			return entitle.ErrInvitationExpired
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
			return entitle.ErrInvitationUsed
		}
		if err := tx.QueryRowContext(ctx, db.d.q(`INSERT INTO users (email, name, company_id, admin, status, password_hash, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			u.Email, u.Name, companyID, u.Admin, string(u.Status), passwordHash, now.UnixMicro()).Scan(&u.ID); err != nil {
			return err
		}
		ev.Actor, ev.Company, ev.Object = u.Email, u.Company, u.Email
		return db.appendAudit(ctx, tx, ev)
	})
	return u, err
}

// InvitationByToken returns the invitation whose link carries the token
// with tokenHash (ErrInvitationUnknown).
func (db *DB) InvitationByToken(ctx context.Context, tokenHash string) (entitle.Invitation, error) {
	inv, err := scanInvitation(db.r().QueryRowContext(ctx, db.d.q(`SELECT `+invitationColumns+invitationFrom+` WHERE i.token_hash = ?`), tokenHash))
	if errors.Is(err, sql.ErrNoRows) {
		return inv, entitle.ErrInvitationUnknown
	}
	return inv, err
}
