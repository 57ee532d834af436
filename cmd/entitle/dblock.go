package main

import (
	"fmt"

	"github.com/gofrs/flock"

	"github.com/entitle-portal/entitle/internal/store"
)

// A server and a restore must never use one SQLite file at once: a restore
// renames the file away under the server, which would go on writing to the
// old one. serve holds a shared lock on the database's lock file (DB.lock,
// beside it) for as long as it runs, so several servers may share one file;
// restore takes the lock exclusively, and refuses when it cannot. The
// operating system drops the lock of a process that dies, so a lock is never
// stale. (flock on Unix, LockFileEx on Windows; no cgo.)

// lockPath is the lock file of the SQLite database at path.
func lockPath(path string) string { return path + ".lock" }

// holdDatabase takes serve's shared lock on a SQLite database; release
// gives it back. A PostgreSQL database needs none: it is never restored
// by entitle.
func holdDatabase(dsn string) (release func(), err error) {
	if store.IsPostgres(dsn) {
		return func() {}, nil
	}
	l := flock.New(lockPath(dsn))
	ok, err := l.TryRLock()
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", lockPath(dsn), err)
	}
	if !ok {
		l.Close()
		return nil, fmt.Errorf("%s is being restored (entitle restore): start serve when the restore has finished", dsn)
	}
	return func() { l.Unlock(); l.Close() }, nil
}

// takeDatabase takes restore's exclusive lock on a SQLite database, without
// waiting: it fails while a server holds the database.
func takeDatabase(path string) (release func(), err error) {
	l := flock.New(lockPath(path))
	ok, err := l.TryLock()
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", lockPath(path), err)
	}
	if !ok {
		l.Close()
		return nil, fmt.Errorf("a server is using %s: stop it first (every 'entitle serve' on it)", path)
	}
	return func() { l.Unlock(); l.Close() }, nil
}
