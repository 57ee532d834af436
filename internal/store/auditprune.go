package store

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/entitle-portal/entitle"
)

// Audit retention (issue 15): pruning the trail without breaking the chain.
//
// A prune removes the oldest events, up to a cut, in one transaction under
// the chain's serialization (SQLite's single writer; the advisory lock
// chainLockKey on PostgreSQL), so that it never races an append. It first
// verifies the trail up to the cut (a tampered trail is never pruned: that
// would destroy the evidence), then signs a checkpoint of the cut with the
// operator's key (the cut's id and hash, and the number of events up to it,
// counting those removed by earlier prunes), appends its own event
// (audit.prune, after the cut, so the trail is never empty afterwards and
// the chain goes on from it), records the checkpoint in audit_prunes and
// deletes the events up to the cut.
//
// Verification then begins after the newest prune: the first event must be
// the cut's id + 1 and follow from the cut's hash, and the count goes on
// from the checkpoint's. Each prune's checkpoint must carry a valid
// signature; given the operator's public key (VerifyAuditSignedBy), it must
// be that key's. So an event deleted after the cut shows as a gap, a cut
// hash changed in the database breaks the signature, and a prune row forged
// to hide deletions needs the operator's key.

// errPruneDryRun rolls back a prune that was only asked what it would do.
var errPruneDryRun = errors.New("dry run")

// AuditPruneResult is what PruneAudit did (or, in a dry run, would do).
type AuditPruneResult struct {
	// Checkpoint is the signed checkpoint of the cut: the last event
	// removed, its hash, and the number of events up to it, counting
	// those removed by earlier prunes. Zero when nothing was to prune.
	Checkpoint AuditCheckpoint
	Removed    int64     // events removed
	FirstAt    time.Time // the oldest event removed
	LastAt     time.Time // the cut's event's time
}

// pruneStart reads the prunes (audit_prunes) in q and returns the newest
// one's checkpoint: where the chain now begins (nil: never pruned). Each
// checkpoint's signature must be valid, with key when it is given, and each
// prune must cut after the one before; otherwise it returns the problem.
func (db *DB) pruneStart(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, key ed25519.PublicKey) (*AuditCheckpoint, *AuditProblem, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, checkpoint FROM audit_prunes ORDER BY id`)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var last *AuditCheckpoint
	for rows.Next() {
		var id int64
		var text string
		if err := rows.Scan(&id, &text); err != nil {
			return nil, nil, err
		}
		bad := func(format string, args ...any) *AuditProblem {
			return &AuditProblem{Kind: AuditPrune, Text: fmt.Sprintf("the record of prune %d (audit_prunes): ", id) + fmt.Sprintf(format, args...)}
		}
		var cp AuditCheckpoint
		if err := json.Unmarshal([]byte(text), &cp); err != nil {
			return nil, bad("its checkpoint is not a checkpoint (%v): altered", err), nil
		}
		signer := key
		if signer == nil {
			named, err := base64.StdEncoding.DecodeString(cp.PublicKey)
			if err != nil || len(named) != ed25519.PublicKeySize {
				return nil, bad("its checkpoint names no ed25519 public key: altered"), nil
			}
			signer = named
		}
		if err := cp.Verify(signer); err != nil {
			return nil, bad("%v (the cut, its hash or its count was changed, or the record was forged)", err), nil
		}
		if last != nil && (cp.LastID <= last.LastID || cp.Events <= last.Events) {
			return nil, bad("it cuts at event %d, not after the prune before it (event %d): forged or reordered", cp.LastID, last.LastID), nil
		}
		last = &cp
	}
	return last, nil, rows.Err()
}

// PruneAudit removes the audit events older than before: those up to the
// cut, the last event such that it and every event before it happened
// before before (so that an event recorded out of time order is never
// removed ahead of an older one). See the top of this file. It refuses,
// changing nothing, when the trail does not verify up to the cut (the error
// is the *AuditProblem). Nothing to prune is no error: the result's Removed
// is 0. With dryRun it reports what it would remove and changes nothing.
// now is the checkpoint's and the audit.prune event's time.
func (db *DB) PruneAudit(ctx context.Context, before, now time.Time, key ed25519.PrivateKey, dryRun bool) (AuditPruneResult, error) {
	var res AuditPruneResult
	if err := db.settleAudit(ctx); err != nil {
		return res, err
	}
	err := db.chainTx(ctx, func(tx *sql.Tx) error {
		res = AuditPruneResult{}
		if db.d.serializable { // wait for the appends in flight; none starts until commit
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, chainLockKey); err != nil {
				return fmt.Errorf("audit chain: %w", err)
			}
		}
		head, err := scanHead(tx.QueryRowContext(ctx, auditHeadRowSQL))
		if errors.Is(err, sql.ErrNoRows) {
			return &AuditProblem{Kind: AuditHead, Text: "the chain's head row (audit_chain) is missing: deleted"}
		} else if err != nil {
			return err
		}
		start, problem, err := db.pruneStart(ctx, tx, nil)
		if err != nil {
			return err
		}
		if problem != nil {
			return problem
		}
		// The first event at or after before: the cut is the event before it.
		var firstKept sql.NullInt64
		if err := tx.QueryRowContext(ctx, db.d.q(`SELECT MIN(id) FROM audit_events WHERE at >= ?`), before.UnixMicro()).Scan(&firstKept); err != nil {
			return err
		}
		limit := int64(math.MaxInt64)
		if firstKept.Valid {
			limit = firstKept.Int64
		}
		v := newVerifier(head, false, nil, func(id int64) (*storedEvent, error) {
			next, err := db.storedEvents(ctx, tx, `a.id > ?`, 1, id)
			if err != nil || len(next) == 0 {
				return nil, err
			}
			return &next[0], nil
		})
		v.startAfter(start)
		startEvents := v.events
		for after := int64(math.MinInt64); v.problem == nil; {
			page, err := db.storedEvents(ctx, tx, `a.id > ? AND a.id < ?`, verifyPage, after, limit)
			if err != nil {
				return err
			}
			for i := range page {
				if err := v.step(&page[i]); err != nil {
					return err
				}
				if v.problem != nil {
					return v.problem
				}
				if res.FirstAt.IsZero() {
					res.FirstAt = time.UnixMicro(page[i].at).UTC()
				}
				res.LastAt = time.UnixMicro(page[i].at).UTC()
			}
			if len(page) < verifyPage {
				break
			}
			after = page[len(page)-1].id
		}
		if v.problem != nil {
			return v.problem
		}
		if !v.seen {
			return nil // nothing to prune
		}
		res.Removed = v.events - startEvents
		res.Checkpoint = NewAuditCheckpoint(v.result(), now, key)
		if dryRun {
			return errPruneDryRun
		}
		ev := entitle.AuditEvent{At: now, Actor: "cli", Action: "audit.prune", Object: fmt.Sprint(v.prev.id), Outcome: "ok",
			Detail: fmt.Sprintf("removed %d events, up to event %d (%d events in all up to it), recorded before %s",
				res.Removed, v.prev.id, v.events, before.UTC().Format(time.RFC3339))}
		r, err := db.auditRecord(ctx, tx, ev)
		if err != nil {
			return err
		}
		if err := db.chain(ctx, tx, true, []auditRecord{r}); err != nil {
			return err
		}
		text, err := json.Marshal(res.Checkpoint)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, db.d.q(`INSERT INTO audit_prunes (checkpoint, removed) VALUES (?, ?)`), string(text), res.Removed); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, db.d.q(`DELETE FROM audit_events WHERE id <= ?`), v.prev.id)
		return err
	})
	if errors.Is(err, errPruneDryRun) {
		err = nil
	}
	return res, err
}

// AuditPruned returns the checkpoint of the newest prune, where the chain
// now begins (nil: the trail was never pruned). It does not check the
// signature: VerifyAudit does.
func (db *DB) AuditPruned(ctx context.Context) (*AuditCheckpoint, error) {
	var text string
	err := db.r().QueryRowContext(ctx, `SELECT checkpoint FROM audit_prunes ORDER BY id DESC LIMIT 1`).Scan(&text)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var cp AuditCheckpoint
	if err := json.Unmarshal([]byte(text), &cp); err != nil {
		return nil, fmt.Errorf("the record of the last prune (audit_prunes) is not a checkpoint: %w", err)
	}
	return &cp, nil
}
