package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	sqlitedriver "modernc.org/sqlite"
)

// Backups of a SQLite database (entitle backup, entitle restore). A
// PostgreSQL database is backed up with PostgreSQL's own tools; these work on
// files only.

// SchemaVersion is the schema version this binary's migrations reach: the
// number of the last migration (both dialects number theirs alike).
func SchemaVersion() (int64, error) {
	return latestMigration("sqlite")
}

// BackupSQLite writes a consistent copy of the SQLite database at path into
// dst, which must not exist or be empty, while other processes go on writing
// to it: VACUUM INTO reads the whole database in one read transaction (a
// snapshot of the WAL, which never blocks a writer) and writes a compact
// copy with no WAL of its own. It does not sync dst: the caller does, once
// it has checked the copy. The audit events in the database's spool are
// moved into its chain first (auditspool.go), so that the copy holds every
// event committed before the backup began.
func BackupSQLite(ctx context.Context, path, dst string) error {
	if IsPostgres(path) {
		return errors.New("not a SQLite database")
	}
	if err := isSQLiteFile(path); err != nil {
		return err
	}
	if _, err := os.Stat(path + SpoolSuffixes[0]); err == nil {
		db, err := Open(ctx, path)
		if err != nil {
			return err
		}
		if err := db.Close(); err != nil {
			return err
		}
	}
	db, err := openRaw(path)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, dst); err != nil {
		return fmt.Errorf("copy %s: %w", path, err)
	}
	return nil
}

// BackupCheck is what CheckSQLiteBackup found in a good copy.
type BackupCheck struct {
	Version  int64            // the schema version (after migrating, when it was older)
	Migrated int64            // the version it had, when it was older and was migrated; else 0
	Counts   map[string]int64 // rows of each table
	Audit    AuditVerification
}

// ErrAuditUnverified is CheckSQLiteBackup's error for a copy whose data
// passed every check but whose audit trail does not verify: the check it
// returns with it is complete, so that a backup can still save the data
// (and say so) while an operator finds out what changed the trail.
var ErrAuditUnverified = errors.New("the audit trail was changed after it was written")

// CheckSQLiteBackup checks the SQLite file at path as a backup that this
// binary can serve: SQLite's integrity and foreign-key checks, the schema
// version (this binary's; with allowOlder, an older one is first migrated up
// as serve would), and the audit trail's hash chain. It writes to the file
// (its journal mode becomes DELETE, so the file stands alone with no -wal
// beside it; an older schema is migrated), so it must be given a copy that
// nothing else uses. An error says what is wrong, for the operator.
func CheckSQLiteBackup(ctx context.Context, path string, allowOlder bool) (BackupCheck, error) {
	if err := isSQLiteFile(path); err != nil {
		return BackupCheck{}, err
	}
	want, err := SchemaVersion()
	if err != nil {
		return BackupCheck{}, err
	}
	var out BackupCheck
	check, err := checkSQLiteFile(ctx, path)
	if err != nil {
		return BackupCheck{}, err
	}
	switch {
	case check.Version > want:
		return BackupCheck{}, fmt.Errorf("it has schema version %d, newer than this entitle's %d: use the entitle that made it", check.Version, want)
	case check.Version < want && !allowOlder:
		return BackupCheck{}, fmt.Errorf("it has schema version %d, older than this entitle's %d: use the entitle that serves the database", check.Version, want)
	case check.Version < want:
		// What serve would do on opening it: migrate it (and chain any
		// audit events from before the chain), then check it again.
		db, err := Open(ctx, path)
		if err != nil {
			return BackupCheck{}, fmt.Errorf("migrate it from schema version %d: %w", check.Version, err)
		}
		if err := db.Close(); err != nil {
			return BackupCheck{}, err
		}
		// Nothing was audited into the copy: its spool, empty, goes.
		if err := removeSpool(path); err != nil {
			return BackupCheck{}, err
		}
		out.Migrated = check.Version
		if check, err = checkSQLiteFile(ctx, path); err != nil {
			return BackupCheck{}, err
		}
	}
	out.Version, out.Counts, out.Audit = check.Version, check.Counts, check.Audit
	if out.Audit.Problem != nil {
		return out, fmt.Errorf("its audit trail does not verify: %s: %w", out.Audit.Problem.Text, ErrAuditUnverified)
	}
	return out, nil
}

// checkSQLiteFile makes the file stand alone (journal mode DELETE) and runs
// the checks that need no particular schema version: integrity, foreign
// keys; then reads the version and, at this binary's version, the counts and
// the audit chain.
func checkSQLiteFile(ctx context.Context, path string) (BackupCheck, error) {
	raw, err := openRaw(path)
	if err != nil {
		return BackupCheck{}, err
	}
	defer raw.Close()
	var mode string
	if err := raw.QueryRowContext(ctx, `PRAGMA journal_mode = DELETE`).Scan(&mode); err != nil {
		return BackupCheck{}, notADatabase(err)
	}
	if problems, err := pragmaRows(ctx, raw, `PRAGMA integrity_check(10)`); err != nil {
		return BackupCheck{}, notADatabase(err)
	} else if len(problems) != 1 || problems[0] != "ok" {
		return BackupCheck{}, fmt.Errorf("SQLite's integrity check fails: %s", strings.ReplaceAll(strings.Join(problems, "; "), "\n", " "))
	}
	if problems, err := pragmaRows(ctx, raw, `PRAGMA foreign_key_check`); err != nil {
		return BackupCheck{}, err
	} else if len(problems) > 0 {
		return BackupCheck{}, fmt.Errorf("SQLite's foreign key check fails: %d rows refer to rows that are missing, the first: %s",
			len(problems), problems[0])
	}
	var n int
	if err := raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'goose_db_version'`).Scan(&n); err != nil {
		return BackupCheck{}, err
	}
	if n == 0 {
		return BackupCheck{}, errors.New("it is not an entitle database (it has no schema version)")
	}
	var out BackupCheck
	if err := raw.QueryRowContext(ctx, `SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version`).Scan(&out.Version); err != nil {
		return BackupCheck{}, err
	}
	if want, err := SchemaVersion(); err != nil || out.Version != want {
		return out, err
	}
	// The store's own readers, on this connection: the counts and the audit
	// trail's verification are those of `entitle audit verify`.
	db := &DB{d: sqlite, rw: raw, ro: raw, keys: raw, idOfKey: map[string]int64{}, keyOfID: map[int64]string{}}
	if out.Counts, err = db.Counts(ctx); err != nil {
		return BackupCheck{}, fmt.Errorf("count its rows: %w", err)
	}
	if out.Audit, err = db.VerifyAudit(ctx); err != nil {
		return BackupCheck{}, fmt.Errorf("verify its audit trail: %w", err)
	}
	return out, nil
}

// openRaw opens a SQLite file as it is: no migrations, no pragmas but a
// busy timeout, one connection.
func openRaw(path string) (*sql.DB, error) {
	c, err := sqlitedriver.NewConnector("file:" + path + "?_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(1)
	return db, nil
}

// pragmaRows returns a pragma's rows, each row's columns joined by spaces.
func pragmaRows(ctx context.Context, db *sql.DB, pragma string) ([]string, error) {
	rows, err := db.QueryContext(ctx, pragma)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		words := make([]string, len(vals))
		for i, v := range vals {
			words[i] = v.String
		}
		out = append(out, strings.Join(words, " "))
	}
	return out, rows.Err()
}

// sqliteHeader begins every SQLite database file.
var sqliteHeader = []byte("SQLite format 3\x00")

// isSQLiteFile checks that path is a regular file that begins as a SQLite
// database does: SQLite would take an empty file for an empty database, and
// opening a missing one would create it.
func isSQLiteFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("there is no file %s", path)
		}
		return err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return err
	} else if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", path)
	}
	head := make([]byte, len(sqliteHeader))
	if _, err := io.ReadFull(f, head); err != nil || !bytes.Equal(head, sqliteHeader) {
		return errors.New("it is not a SQLite database")
	}
	return nil
}

// notADatabase words SQLite's answer to a damaged file for the operator.
func notADatabase(err error) error {
	if strings.Contains(err.Error(), "not a database") || strings.Contains(err.Error(), "malformed") {
		return fmt.Errorf("it is not a SQLite database, or it is damaged (%v)", err)
	}
	return err
}
