package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/entitle-portal/entitle/internal/store"
)

func restoreCommand() command {
	return command{
		name:    "restore",
		args:    "--from FILE [--force] [--unverified-audit]",
		summary: "put a backup in place of the SQLite database (servers stopped)",
		help: `Puts the backup FILE (from 'entitle backup') in place of the SQLite database
named by --db. Every 'entitle serve' on the database must be stopped first:
restore refuses while one runs (serve holds a shared lock on DB.lock).

The backup is copied beside the database and the copy is checked before
anything else is touched: SQLite's integrity and foreign-key checks, the
schema version (a backup from an older entitle is migrated, as serve would;
one from a newer entitle is refused), and the audit trail's hash chain. A
backup that fails a check changes nothing. A backup whose audit trail does
not verify (backup wrote it and said so) is restored only with
--unverified-audit, once you know what changed the trail.

An existing database is replaced only with --force, and is not deleted: it
is renamed DB.before-restore-YYYYMMDDTHHMMSS (with its -wal, which may hold
its last commits), a safeguard to delete once the restored database is
known to be good. Then the checked copy is synced and renamed into place,
with the replaced file's permissions. Run restore as the user that runs
serve: the files it makes are that user's.

For a PostgreSQL database, restore prints the pg_restore command and exits
with status 1.`,
		run: runRestore,
	}
}

func runRestore(ctx context.Context, e *env, c command, args []string) error {
	f := newFlags(e, c)
	from := f.String("from", "", "the backup file to restore")
	force := f.Bool("force", false, "replace an existing database (it is kept as DB.before-restore-TIME)")
	unverifiedAudit := f.Bool("unverified-audit", false, "restore a backup whose audit trail does not verify")
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return errUsage{"restore takes no arguments"}
	case *from == "":
		return errUsage{"give the backup file: --from FILE"}
	}
	target := *f.db
	if store.IsPostgres(target) {
		return postgresRecipe(target)
	}
	if _, err := os.Stat(*from); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("there is no backup file %s", *from)
		}
		return err
	}
	if same, err := sameFile(*from, target); err == nil && same {
		return fmt.Errorf("--from names the database itself (%s)", target)
	}
	exists := false
	mode := fs.FileMode(0o600) // the restored file's: the replaced one's, else private
	if fi, err := os.Lstat(target); err == nil {
		exists, mode = true, fi.Mode().Perm()
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if exists && !*force {
		return fmt.Errorf("%s exists: give --force to replace it (it is kept as %s.before-restore-…)", target, target)
	}
	release, err := takeDatabase(target)
	if err != nil {
		return err
	}
	defer release()

	// Check a copy beside the database, not the backup itself: the check
	// writes to the file, and the copy is what is renamed into place.
	tmp, err := os.CreateTemp(filepath.Dir(target), filepath.Base(target)+".restore-*.tmp")
	if err != nil {
		return err
	}
	tmpName := tmp.Name()
	done := false
	defer func() {
		if !done {
			for _, sfx := range append([]string{"", "-journal", "-wal", "-shm"}, store.SpoolSuffixes...) {
				os.Remove(tmpName + sfx)
			}
		}
	}()
	err = copyFrom(tmp, *from)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("copy %s: %w", *from, err)
	}
	check, err := store.CheckSQLiteBackup(ctx, tmpName, true)
	if errors.Is(err, store.ErrAuditUnverified) && *unverifiedAudit {
		fmt.Fprintf(e.stderr, "restoring %s although %v (--unverified-audit)\n", *from, err)
		err = nil
	} else if errors.Is(err, store.ErrAuditUnverified) {
		err = fmt.Errorf("%w (give --unverified-audit to restore it all the same)", err)
	}
	if err != nil {
		return fmt.Errorf("%s cannot be restored, nothing was changed: %w", *from, err)
	}
	if err := os.Chmod(tmpName, mode); err != nil {
		return err
	}
	if err := syncFile(tmpName); err != nil {
		return err
	}

	// Move the current database aside with the files SQLite keeps beside
	// it: its -wal may hold commits not yet in the main file, its audit
	// spool events not yet in its chain, and a stale -wal, -shm or spool
	// left beside the restored file would be read as its own.
	kept := ""
	for _, sfx := range append([]string{"", "-wal", "-shm", "-journal"}, store.SpoolSuffixes...) {
		if _, err := os.Lstat(target + sfx); err != nil {
			continue
		}
		if kept == "" {
			if kept, err = keptName(target, e); err != nil {
				return err
			}
		}
		if err := os.Rename(target+sfx, kept+sfx); err != nil {
			return fmt.Errorf("keep the current database as %s: %w", kept, err)
		}
	}
	if err := os.Rename(tmpName, target); err != nil {
		return fmt.Errorf("put the backup in place (the previous database is %s): %w", kept, err)
	}
	done = true
	syncDir(filepath.Dir(target))

	fmt.Fprintf(e.stdout, "restored %s into %s: schema version %d, %s; integrity ok, audit trail verified\n",
		*from, target, check.Version, countsSummary(check.Counts))
	if check.Migrated != 0 {
		fmt.Fprintf(e.stdout, "the backup had schema version %d and was migrated\n", check.Migrated)
	}
	if exists {
		fmt.Fprintf(e.stdout, "the previous database is kept as %s: delete it once the restored one is known to be good\n", kept)
	}
	return nil
}

// keptName is a name for the current database that no file has:
// DB.before-restore-YYYYMMDDTHHMMSS, with -2, -3, … after it for a second
// restore within one second.
func keptName(target string, e *env) (string, error) {
	base := target + ".before-restore-" + e.now().UTC().Format("20060102T150405")
	for i := 1; i < 100; i++ {
		name := base
		if i > 1 {
			name += "-" + strconv.Itoa(i)
		}
		if _, err := os.Lstat(name); errors.Is(err, fs.ErrNotExist) {
			return name, nil
		}
	}
	return "", fmt.Errorf("%s and 98 more exist: remove old ones", base)
}

// copyFrom copies the file src into w.
func copyFrom(w io.Writer, src string) error {
	r, err := os.Open(src)
	if err != nil {
		return err
	}
	defer r.Close()
	_, err = io.Copy(w, r)
	return err
}
