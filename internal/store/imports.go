package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/entitle-portal/entitle"
)

// The imports of the ingest API (POST /api/v1/imports): each upload's
// report, read while it runs and after. The import itself is Import's one
// transaction; these rows never take part in it, so that its progress can
// be read (and, on PostgreSQL, written) while it runs.

const importJobColumns = `id, idempotency_key, body_sha256, format, name, bytes, dry_run, status, records, done, total,
	result, problems, problem_count, error, requested_by, company, created_at, finished_at, heartbeat_at`

func scanImportJob(row interface{ Scan(...any) error }) (entitle.ImportJob, error) {
	var j entitle.ImportJob
	var key sql.NullString
	var result, problems string
	var created, heartbeat int64
	var finished sql.NullInt64
	err := row.Scan(&j.ID, &key, &j.BodySHA256, &j.Format, &j.Name, &j.Bytes, &j.DryRun, &j.Status, &j.Records, &j.Done, &j.Total,
		&result, &problems, &j.ProblemCount, &j.Error, &j.RequestedBy, &j.Company, &created, &finished, &heartbeat)
	if err != nil {
		return j, err
	}
	j.IdempotencyKey = key.String
	j.CreatedAt, j.HeartbeatAt, j.FinishedAt = time.UnixMicro(created).UTC(), time.UnixMicro(heartbeat).UTC(), fromMicros(finished)
	if result != "" {
		if err := json.Unmarshal([]byte(result), &j.Result); err != nil {
			return j, fmt.Errorf("import %d: its result: %w", j.ID, err)
		}
	}
	if problems != "" {
		if err := json.Unmarshal([]byte(problems), &j.Problems); err != nil {
			return j, fmt.Errorf("import %d: its problems: %w", j.ID, err)
		}
	}
	return j, nil
}

// CreateImportJob records j (its ID is ignored) and returns it as recorded,
// with created true. When j has an idempotency key that an import holds
// already, nothing is recorded and that import is returned instead, with
// created false: of two uploads with one key, however close, one wins.
func (db *DB) CreateImportJob(ctx context.Context, j entitle.ImportJob) (rec entitle.ImportJob, created bool, err error) {
	key := sql.NullString{String: j.IdempotencyKey, Valid: j.IdempotencyKey != ""}
	var id int64
	err = db.tx(ctx, func(tx *sql.Tx) error {
		created = false
		err := tx.QueryRowContext(ctx, db.d.q(`INSERT INTO imports (idempotency_key, body_sha256, format, name, bytes, dry_run, status,
			requested_by, company, created_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`),
			key, j.BodySHA256, j.Format, j.Name, j.Bytes, j.DryRun, j.Status, j.RequestedBy, j.Company,
			j.CreatedAt.UnixMicro(), j.CreatedAt.UnixMicro()).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) { // the key is taken
			return tx.QueryRowContext(ctx, db.d.q(`SELECT id FROM imports WHERE idempotency_key = ?`), key).Scan(&id)
		}
		created = err == nil
		return err
	})
	if err != nil {
		return rec, false, err
	}
	rec, err = db.ImportJob(ctx, id)
	return rec, created, err
}

// ImportJob returns the import with id (ErrNotFound).
func (db *DB) ImportJob(ctx context.Context, id int64) (entitle.ImportJob, error) {
	j, err := scanImportJob(db.r().QueryRowContext(ctx, db.d.q(`SELECT `+importJobColumns+` FROM imports WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return j, entitle.ErrNotFound
	}
	return j, err
}

// ImportJobs returns the latest limit imports, newest first.
func (db *DB) ImportJobs(ctx context.Context, limit int) ([]entitle.ImportJob, error) {
	rows, err := db.r().QueryContext(ctx, db.d.q(`SELECT `+importJobColumns+` FROM imports ORDER BY id DESC LIMIT ?`), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []entitle.ImportJob
	for rows.Next() {
		j, err := scanImportJob(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// ImportJobProgress records how far the running import id got, and that
// its process is alive at now.
func (db *DB) ImportJobProgress(ctx context.Context, id int64, records, done, total int, now time.Time) error {
	_, err := db.rw.ExecContext(ctx, db.d.q(`UPDATE imports SET records = ?, done = ?, total = ?, heartbeat_at = ? WHERE id = ? AND status = ?`),
		records, done, total, now.UnixMicro(), id, entitle.ImportRunning)
	return err
}

// FinishImportJob records how the import j.ID ended: its status, counts,
// problems and error, at j.FinishedAt. Only the process that ran it
// finishes it, and it knows best: an import another process declared
// stopped meanwhile (FailStaleImportJob, on a heartbeat that SQLite's one
// writer held back) is recorded as it really ended.
func (db *DB) FinishImportJob(ctx context.Context, j entitle.ImportJob) error {
	result, err := json.Marshal(j.Result)
	if err != nil {
		return err
	}
	problems := []byte{}
	if len(j.Problems) > 0 {
		if problems, err = json.Marshal(j.Problems); err != nil {
			return err
		}
	}
	_, err = db.rw.ExecContext(ctx, db.d.q(`UPDATE imports SET status = ?, records = ?, done = ?, total = ?, result = ?, problems = ?,
		problem_count = ?, error = ?, finished_at = ?, heartbeat_at = ? WHERE id = ?`),
		j.Status, j.Records, j.Done, j.Total, string(result), string(problems), j.ProblemCount, j.Error,
		j.FinishedAt.UnixMicro(), j.FinishedAt.UnixMicro(), j.ID)
	return err
}

// FailStaleImportJob marks the import id failed, with message, when it is
// still running with a heartbeat older than before: the process running
// it stopped, and its transaction with it. failed says whether it did.
func (db *DB) FailStaleImportJob(ctx context.Context, id int64, before, now time.Time, message string) (failed bool, err error) {
	res, err := db.rw.ExecContext(ctx, db.d.q(`UPDATE imports SET status = ?, error = ?, finished_at = ? WHERE id = ? AND status = ? AND heartbeat_at < ?`),
		entitle.ImportFailed, message, now.UnixMicro(), id, entitle.ImportRunning, before.UnixMicro())
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ReleaseImportKey frees the idempotency key of the import id, which
// failed without a problem of its own (its server stopped, its database
// went away): the client's retry with the same key imports the file anew.
func (db *DB) ReleaseImportKey(ctx context.Context, id int64) error {
	_, err := db.rw.ExecContext(ctx, db.d.q(`UPDATE imports SET idempotency_key = NULL WHERE id = ? AND status = ? AND problem_count = 0`),
		id, entitle.ImportFailed)
	return err
}
