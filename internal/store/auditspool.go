package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/entitle-portal/entitle"
	sqlitedriver "modernc.org/sqlite"
)

// The audit spool (SQLite only; issue 16).
//
// Every disclosure is audited and answered only once its event is durable.
// Committed straight into the database, those events made it change a
// thousand times a second under load, and in WAL mode every change makes
// every other connection drop its page cache at its next read: every read
// of the portal started cold (BENCHMARKS.md, "HTTP").
//
// So on SQLite the audit writer (DB.Audit, the group commit of disclosures)
// commits the events into a second SQLite file beside the database,
// DB-audit-spool, with synchronous=FULL: an event is on disk before its
// request is answered, exactly as before. The spool mover takes them from
// there into the chain, in the database, every spoolInterval, in one
// transaction: the database changes ten times a second instead, and reads
// stay warm.
//
//   - One chain, in order: a write transaction that appends its own event
//     (appendAudit: a change, an import) first moves every spooled event
//     into the chain, so the chain keeps the order in which events were
//     committed; every reader of the trail (the audit pages, verify, export,
//     prune, Counts, backups) moves the spool first (settleAudit) and so
//     reads all of it. Until it is moved, a spooled event has no id and no
//     hash yet; that is the only difference it makes.
//   - Exactly once: spool rows have ids that are never used again
//     (AUTOINCREMENT) and the spool file a random generation, made with it.
//     The chain's head row (audit_chain) records the generation and the
//     last spool id moved, in the transaction that moves them; a move takes
//     only rows after that mark. Moved rows are deleted from the spool after
//     the commit (or at the next move, should the process die in between).
//   - A process killed with events in the spool: the next Open of the
//     database, by any process, moves them.
//
// The spool is part of the database: the files DB, DB-wal, DB-shm,
// DB-audit-spool, DB-audit-spool-wal and DB-audit-spool-shm go together
// (restore moves them together). Several processes may share one spool.

// spoolInterval is how often the mover takes the spool into the chain.
const spoolInterval = 100 * time.Millisecond

// spoolPage bounds the spooled events one query reads.
const spoolPage = 5000

// SpoolSuffixes are the suffixes of the spool's files beside a SQLite
// database file.
var SpoolSuffixes = []string{"-audit-spool", "-audit-spool-wal", "-audit-spool-shm", "-audit-spool-journal"}

// auditSpool is the spool file of a SQLite database.
type auditSpool struct {
	db         *sql.DB
	generation string
	insert     *sql.Stmt
	// trim is the spool id up to which the chain holds the events (set by
	// a move); trimmed, up to which write has deleted them. Only write
	// deletes, in its own transaction: a DELETE of its own would take the
	// spool's write lock and make the next group commit sleep for it.
	trim    atomic.Int64
	trimmed int64
}

// spoolable reports whether a SQLite path names a file (a spool needs one
// beside it): not an in-memory database.
func spoolable(path string) bool {
	return path != "" && !strings.Contains(path, ":memory:") && !strings.Contains(path, "mode=memory")
}

// openSpool opens (creating) the spool of the SQLite database at path.
func openSpool(ctx context.Context, path string) (*auditSpool, error) {
	c, err := sqlitedriver.NewConnector("file:" + path + SpoolSuffixes[0] +
		"?_pragma=busy_timeout(10000)&_pragma=synchronous(FULL)&_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	s := &auditSpool{db: sql.OpenDB(c)}
	// One connection writes (the audit writer), one reads (a move), so that
	// a move never waits for a group commit.
	s.db.SetMaxOpenConns(2)
	s.db.SetMaxIdleConns(2)
	if err := s.init(ctx); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("audit spool %s: %w", path+SpoolSuffixes[0], err)
	}
	return s, nil
}

func (s *auditSpool) init(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, q := range []string{
		`CREATE TABLE IF NOT EXISTS spool_generation (generation TEXT NOT NULL)`,
		`CREATE TABLE IF NOT EXISTS spool_events (
			id      INTEGER PRIMARY KEY AUTOINCREMENT,
			at      INTEGER NOT NULL,
			actor   TEXT NOT NULL,
			company TEXT NOT NULL,
			action  TEXT NOT NULL,
			object  TEXT NOT NULL,
			basis   TEXT NOT NULL,
			outcome TEXT NOT NULL,
			detail  TEXT NOT NULL)`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	err = tx.QueryRowContext(ctx, `SELECT generation FROM spool_generation`).Scan(&s.generation)
	if errors.Is(err, sql.ErrNoRows) {
		b := make([]byte, 16)
		rand.Read(b)
		s.generation = hex.EncodeToString(b)
		_, err = tx.ExecContext(ctx, `INSERT INTO spool_generation (generation) VALUES (?)`, s.generation)
	}
	if err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	s.insert, err = s.db.PrepareContext(ctx, `INSERT INTO spool_events (at, actor, company, action, object, basis, outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
	return err
}

// write commits events to the spool: one transaction, one sync to disk. It
// deletes the events the chain holds in the same transaction. Only the
// audit writer calls it (and Close, once the writer has stopped).
func (s *auditSpool) write(ctx context.Context, batch []auditRequest) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	trim := s.trim.Load()
	if trim > s.trimmed {
		if _, err := tx.ExecContext(ctx, `DELETE FROM spool_events WHERE id <= ?`, trim); err != nil {
			return err
		}
	}
	insert := tx.StmtContext(ctx, s.insert)
	for _, req := range batch {
		for _, e := range req.events {
			r := newAuditRecord(e, nil)
			if _, err := insert.ExecContext(ctx, r.at, r.actor, r.company, r.action, r.object, r.basis, r.outcome, r.detail); err != nil {
				return err
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	s.trimmed = max(s.trimmed, trim)
	return nil
}

func (s *auditSpool) close() error {
	var errs []error
	if s.insert != nil {
		errs = append(errs, s.insert.Close())
	}
	return errors.Join(append(errs, s.db.Close())...)
}

// spoolMark is where the chain stands in the spool: the last spool id moved
// (0 when the head row names another spool's generation).
func (db *DB) spoolMark(ctx context.Context, tx *sql.Tx) (int64, error) {
	var generation string
	var moved int64
	if err := tx.QueryRowContext(ctx, `SELECT spool_generation, spool_moved FROM audit_chain WHERE id = 1`).Scan(&generation, &moved); err != nil {
		return 0, fmt.Errorf("audit chain: %w", err)
	}
	if generation != db.spool.generation {
		return 0, nil
	}
	return moved, nil
}

// unspool moves, inside tx (a write transaction on SQLite), the events
// spooled after the chain's mark and before it began into the chain, in
// spool order, and moves the mark. It returns the mark. Events spooled
// while it runs are left to the next move: with disclosures arriving
// faster than one transaction chains them, it would never end.
func (db *DB) unspool(ctx context.Context, tx *sql.Tx) (int64, error) {
	mark, err := db.spoolMark(ctx, tx)
	if err != nil {
		return 0, err
	}
	var upto int64
	if err := db.spool.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM spool_events`).Scan(&upto); err != nil {
		return 0, err
	}
	start := mark
	for mark < upto {
		recs, last, err := db.spooled(ctx, mark, upto)
		if err != nil {
			return 0, err
		}
		if len(recs) == 0 {
			break
		}
		if err := db.chainSQLite(ctx, tx, recs); err != nil {
			return 0, err
		}
		mark = last
		if len(recs) < spoolPage {
			break
		}
	}
	if mark != start {
		if _, err := tx.ExecContext(ctx, `UPDATE audit_chain SET spool_generation = ?, spool_moved = ? WHERE id = 1`, db.spool.generation, mark); err != nil {
			return 0, err
		}
	}
	return mark, nil
}

// spooled reads up to spoolPage spooled events after spool id after and
// up to upto, as chain records, and the last one's spool id.
func (db *DB) spooled(ctx context.Context, after, upto int64) ([]auditRecord, int64, error) {
	rows, err := db.spool.db.QueryContext(ctx, `SELECT id, at, actor, company, action, object, basis, outcome, detail
		FROM spool_events WHERE id > ? AND id <= ? ORDER BY id LIMIT ?`, after, upto, spoolPage)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var recs []auditRecord
	last := after
	for rows.Next() {
		var r auditRecord
		if err := rows.Scan(&last, &r.at, &r.actor, &r.company, &r.action, &r.object, &r.basis, &r.outcome, &r.detail); err != nil {
			return nil, 0, err
		}
		recs = append(recs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	rows.Close()
	for i := range recs {
		if recs[i].company == "" {
			continue
		}
		switch id, err := db.companyID(ctx, recs[i].company); {
		case err == nil:
			recs[i].companyID = id
		case !errors.Is(err, entitle.ErrNotFound):
			return nil, 0, err
		}
	}
	return recs, last, nil
}

// settleAudit moves the spool into the chain (a no-op without a spool): the
// readers of the trail call it first, so that they read every event
// committed before.
func (db *DB) settleAudit(ctx context.Context) error {
	if db.spool == nil {
		return nil
	}
	db.spoolMu.Lock()
	defer db.spoolMu.Unlock()
	var max sql.NullInt64
	if err := db.spool.db.QueryRowContext(ctx, `SELECT MAX(id) FROM spool_events`).Scan(&max); err != nil {
		return fmt.Errorf("audit spool: %w", err)
	}
	if !max.Valid || max.Int64 <= db.spoolMoved {
		return nil // nothing spooled since the last move
	}
	var mark int64
	if err := db.tx(ctx, func(tx *sql.Tx) (err error) {
		mark, err = db.unspool(ctx, tx)
		return err
	}); err != nil {
		return fmt.Errorf("audit spool: %w", err)
	}
	db.spoolMoved = mark
	// The moved rows are in the chain now; the audit writer's next group
	// commit deletes them (Close, the last ones). Until then a move skips
	// them by the mark.
	db.spool.trim.Store(mark)
	return nil
}

// spoolMover moves the spool into the chain every spoolInterval until the
// store closes.
func (db *DB) spoolMover() {
	defer close(db.spoolDone)
	t := time.NewTicker(spoolInterval)
	defer t.Stop()
	for {
		select {
		case <-db.closing:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), auditBatchTimeout)
		// On failure the events stay in the spool, durable: the next tick,
		// a reader of the trail, Close or the next Open moves them.
		_ = db.settleAudit(ctx)
		cancel()
	}
}

// removeSpool removes the spool files beside the SQLite database at path,
// for a copy that nothing else uses (a backup being checked).
func removeSpool(path string) error {
	var errs []error
	for _, sfx := range SpoolSuffixes {
		if err := os.Remove(path + sfx); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
