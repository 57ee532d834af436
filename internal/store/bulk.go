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

// ReplaceDelegations is a bulk revocation: it ends the delegations revoke
// of owner at now (by user by) and grants the delegations grant (what each
// ended listed delegation still covered), each change with its audit event
// (revokeEvents[i] for revoke[i], grantEvents[i] for grant[i]), in one
// transaction — all of it or nothing. A delegation of the list that is no
// longer in force (revoked meanwhile) is a conflict that changes nothing.
// It returns grant with their new IDs.
func (db *DB) ReplaceDelegations(ctx context.Context, owner, by string, now time.Time,
	revoke []string, revokeEvents []entitle.AuditEvent, grant []entitle.Delegation, grantEvents []entitle.AuditEvent) ([]entitle.Delegation, error) {
	out := make([]entitle.Delegation, len(grant))
	copy(out, grant)
	for i := range out {
		id := make([]byte, 12)
		if _, err := rand.Read(id); err != nil {
			return nil, err
		}
		out[i].ID = "dlg_" + hex.EncodeToString(id)
		if err := out[i].Validate(); err != nil {
			return nil, err
		}
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		for i, id := range revoke {
			var revokedAt, expiresAt sql.NullInt64
			err := tx.QueryRowContext(ctx, db.d.q(`SELECT d.revoked_at, d.expires_at FROM delegations d
				JOIN companies o ON o.id = d.owner_id WHERE o.key = ? AND d.id = ?`), owner, id).Scan(&revokedAt, &expiresAt)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				return entitle.ErrNotFound
			case err != nil:
				return err
			case revokedAt.Valid || (expiresAt.Valid && expiresAt.Int64 <= now.UnixMicro()):
				return entitle.Errorf(entitle.CodeConflict, "delegation %s ended meanwhile: nothing was changed; look again and retry", id)
			}
			if _, err := tx.ExecContext(ctx, db.d.q(`UPDATE delegations SET revoked_by = ?, revoked_at = ? WHERE id = ?`), by, now.UnixMicro(), id); err != nil {
				return err
			}
			if err := db.appendEvent(ctx, tx, entitle.Event{Type: entitle.EventDelegationRevoked, Subject: id, At: now}); err != nil {
				return err
			}
			ev := revokeEvents[i]
			ev.Object = id
			if err := db.appendAudit(ctx, tx, ev); err != nil {
				return err
			}
		}
		for i, d := range out {
			if err := insertDelegation(ctx, db.d, tx, d); err != nil {
				return err
			}
			if err := db.appendEvent(ctx, tx, entitle.Event{Type: entitle.EventDelegationGranted, Subject: d.ID, At: d.CreatedAt}); err != nil {
				return err
			}
			ev := grantEvents[i]
			ev.Object = d.ID
			if err := db.appendAudit(ctx, tx, ev); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
