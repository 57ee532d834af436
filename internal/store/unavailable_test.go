package store_test

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/store"
	"github.com/entitle-portal/entitle/internal/store/storetest"
)

// TestUnavailableErrors: an error that means the database cannot be reached
// carries entitle.ErrUnavailable (callers answer "try again"), and an error
// of a statement does not — with the real drivers' errors.
//
// SQLite has no connection to lose: a running server holds its file open
// (a file removed under it is a broken installation, and the open
// connections go on with the removed file). What SQLite can fail with is
// opening or reading the file, as here with paths that cannot be opened.
// PostgreSQL goes away through a proxy (see also the web's
// TestDatabaseGoesAway).
func TestUnavailableErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()

	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		if err := os.Mkdir(filepath.Join(dir, "a-directory.db"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "not-a-database.db"), []byte("this is not a SQLite file, and longer than its header of a hundred bytes: "+
			"lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor"), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			path        string
			unavailable bool
		}{
			{filepath.Join(dir, "missing", "entitle.db"), true}, // SQLITE_CANTOPEN: no such directory
			{filepath.Join(dir, "a-directory.db"), true},        // SQLITE_CANTOPEN: a directory
			{filepath.Join(dir, "not-a-database.db"), false},    // SQLITE_NOTADB: a broken installation, not an outage
		} {
			db, err := store.Open(ctx, tc.path)
			if err == nil {
				db.Close()
				t.Errorf("%s: opened", tc.path)
				continue
			}
			if got := errors.Is(err, entitle.ErrUnavailable); got != tc.unavailable {
				t.Errorf("%s: %v: unavailable %v, want %v", tc.path, err, got, tc.unavailable)
			}
		}
	})

	t.Run("statement", func(t *testing.T) {
		t.Parallel()
		db := coworkersStore(t)
		coUser(t, db, "ACME", "a@acme.example", false)
		_, err := db.AddUser(ctx, entitle.User{Email: "a@acme.example", Name: "a", Company: "ACME"}, "hash", coNow) // the same address again
		if err == nil || errors.Is(err, entitle.ErrUnavailable) {
			t.Errorf("a second user with the same address: %v, want an error that is not unavailable", err)
		}
	})

	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		if storetest.Backend() != "postgres" {
			t.Skip("runs with ENTITLE_TEST_BACKEND=postgres")
		}
		// Nothing listens: connection refused.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		closed := ln.Addr().String()
		ln.Close()
		if db, err := store.Open(ctx, "postgres://postgres@"+closed+"/entitle?sslmode=disable"); err == nil {
			db.Close()
			t.Error("opened a database where nothing listens")
		} else if !errors.Is(err, entitle.ErrUnavailable) {
			t.Errorf("nothing listens: %v, want unavailable", err)
		}

		// The database goes away under an open store, and comes back.
		dsn, proxy := storetest.ProxiedPostgres(t)
		db, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		cut := time.Now()
		proxy.Cut()
		if err := db.Ping(ctx); !errors.Is(err, entitle.ErrUnavailable) {
			t.Errorf("a read while the database is away: %v, want unavailable", err)
		}
		if err := db.Audit(ctx, entitle.AuditEvent{Actor: "test", Action: "test", Outcome: "ok", At: time.Now()}); !errors.Is(err, entitle.ErrUnavailable) {
			t.Errorf("a write while the database is away: %v, want unavailable", err)
		}
		time.Sleep(time.Until(cut.Add(1100 * time.Millisecond))) // see the web's TestDatabaseGoesAway
		if err := proxy.Restore(); err != nil {
			t.Fatal(err)
		}
		if err := db.Ping(ctx); err != nil {
			t.Errorf("a read once the database is back: %v", err)
		}
		if err := db.Audit(ctx, entitle.AuditEvent{Actor: "test", Action: "test", Outcome: "ok", At: time.Now()}); err != nil {
			t.Errorf("a write once the database is back: %v", err)
		}
	})
}
