package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/entitle-portal/entitle/internal/store"
)

func backupCommand() command {
	return command{
		name:    "backup",
		args:    "--out FILE [--force]",
		summary: "write a checked copy of the SQLite database, while serve runs",
		help: `Writes a consistent copy of the SQLite database to FILE while servers go on
reading and writing it: one snapshot of the database, as it was when the
copy began, compacted (VACUUM INTO), in one file with no -wal beside it.

The copy is written beside FILE under a temporary name and checked before
it becomes FILE: SQLite's integrity and foreign-key checks, the schema
version (this entitle's), and the audit trail's hash chain (as 'entitle
audit verify'). Then it is synced to disk and renamed to FILE, so FILE is
either the whole checked backup or not there. A copy whose data checks out
but whose audit trail does not verify is still written (the data is saved),
and backup says so and exits with status 1. An existing FILE is replaced
only with --force. The last line says what the backup holds.

A PostgreSQL database is backed up with PostgreSQL's own tools: for one,
backup prints the pg_dump and pg_restore commands and exits with status 1.`,
		run: runBackup,
	}
}

func runBackup(ctx context.Context, e *env, c command, args []string) error {
	f := newFlags(e, c)
	out := f.String("out", "", "the backup file to write")
	force := f.Bool("force", false, "replace FILE if it exists")
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return errUsage{"backup takes no arguments"}
	case *out == "":
		return errUsage{"give the backup file: --out FILE"}
	}
	if store.IsPostgres(*f.db) {
		return postgresRecipe(*f.db)
	}
	if same, err := sameFile(*f.db, *out); err == nil && same {
		return fmt.Errorf("--out names the database itself (%s)", *out)
	}
	if _, err := os.Lstat(*out); err == nil && !*force {
		return fmt.Errorf("%s exists: give --force to replace it", *out)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}

	// VACUUM INTO writes into an empty file: a new temporary one beside
	// FILE, so that the rename at the end is atomic and a failed backup
	// leaves no partial FILE.
	tmp, err := os.CreateTemp(filepath.Dir(*out), filepath.Base(*out)+".*.tmp")
	if err != nil {
		return err
	}
	tmpName := tmp.Name()
	tmp.Close()
	done := false
	defer func() {
		if !done {
			os.Remove(tmpName)
		}
	}()
	if err := store.BackupSQLite(ctx, *f.db, tmpName); err != nil {
		return fmt.Errorf("cannot back up %s: %w", *f.db, err)
	}
	check, checkErr := store.CheckSQLiteBackup(ctx, tmpName, false)
	// A copy whose data checks out is kept even when its audit trail does
	// not verify: refusing it would leave the data without a backup just
	// when something is wrong. The command still fails, saying so.
	unverified := errors.Is(checkErr, store.ErrAuditUnverified)
	if checkErr != nil && !unverified {
		return fmt.Errorf("the copy of %s does not check out, so no backup was written: %w", *f.db, checkErr)
	}
	if err := syncFile(tmpName); err != nil {
		return err
	}
	if err := os.Rename(tmpName, *out); err != nil {
		return err
	}
	done = true
	syncDir(filepath.Dir(*out))
	fi, err := os.Stat(*out)
	if err != nil {
		return err
	}
	if unverified {
		return fmt.Errorf("backup %s written (%s, schema version %d, %s; integrity ok), but %w.\n"+
			"The data is saved; find out what changed the trail ('entitle audit verify') before you trust it, and keep this "+
			"backup apart: restore takes it only with --unverified-audit", *out, humanSize(fi.Size()), check.Version, countsSummary(check.Counts), checkErr)
	}
	fmt.Fprintf(e.stdout, "backup %s: %s, schema version %d, %s; integrity ok, audit trail verified\n",
		*out, humanSize(fi.Size()), check.Version, countsSummary(check.Counts))
	return nil
}

// postgresRecipe is the answer of backup and restore for a PostgreSQL
// database: the commands that do it, with the DSN in the environment, never
// its password.
func postgresRecipe(dsn string) error {
	return fmt.Errorf(`%s is a PostgreSQL database: back it up and restore it with PostgreSQL's own tools:

  pg_dump --format=custom --file=entitle.dump "$ENTITLE_DB"
  pg_restore --clean --if-exists --no-owner --dbname="$ENTITLE_DB" entitle.dump

(restore into an empty database, or over this one with every server stopped; give
$ENTITLE_DB without entitle's own parameters, such as pool_max_conns, which libpq does not know)`, store.Redact(dsn))
}

// countsSummary says what a database holds, in the words an operator uses.
func countsSummary(c map[string]int64) string {
	return fmt.Sprintf("%d companies, %d orders, %d entitlements, %d delegations, %d audit events",
		c["companies"], c["orders"], c["entitlements"], c["delegations"], c["audit_events"])
}

// sameFile reports whether a and b name one existing file.
func sameFile(a, b string) (bool, error) {
	fa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	fb, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(fa, fb), nil
}

// syncFile makes the file's contents durable.
func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// syncDir makes a rename in dir durable where the system allows it: on
// Windows a directory cannot be synced, and the error is of no use.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
