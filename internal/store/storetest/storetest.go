// Package storetest gives tests a fresh, migrated store. Every test that
// needs a database goes through it, so that the whole suite runs on either
// backend:
//
//   - by default, SQLite: a new file in the test's temporary directory;
//   - with ENTITLE_TEST_BACKEND=postgres, PostgreSQL: a new database per test
//     on the server of ENTITLE_TEST_POSTGRES (default
//     postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable), dropped
//     when the test ends. A server that does not answer fails the test: CI
//     sets the variable, so the PostgreSQL suite is never silently skipped.
package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"github.com/entitle-portal/entitle/internal/store"
)

// Backend is the backend of this test run: "sqlite" or "postgres".
func Backend() string {
	if os.Getenv("ENTITLE_TEST_BACKEND") == "postgres" {
		return "postgres"
	}
	return "sqlite"
}

// ServerDSN is the PostgreSQL server tests create their databases on.
func ServerDSN() string {
	if dsn := os.Getenv("ENTITLE_TEST_POSTGRES"); dsn != "" {
		return dsn
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

var seq atomic.Int64

// DSN returns the DSN of a new, empty database for the test on the run's
// backend; it is removed when the test ends.
func DSN(t testing.TB) string {
	t.Helper()
	if Backend() != "postgres" {
		return filepath.Join(t.TempDir(), "entitle.db")
	}
	return NewPostgresDatabase(t)
}

// NewPostgresDatabase creates an empty database on the test server, dropped
// when the test ends, and returns its DSN.
func NewPostgresDatabase(t testing.TB) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := sql.Open("pgx", ServerDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := fmt.Sprintf("entitle_test_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9, seq.Add(1))
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
		t.Fatalf("PostgreSQL at %s: %v (ENTITLE_TEST_BACKEND=postgres needs a server; see ENTITLE_TEST_POSTGRES)", redacted(ServerDSN()), err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		admin, err := sql.Open("pgx", ServerDSN())
		if err != nil {
			t.Error(err)
			return
		}
		defer admin.Close()
		if _, err := admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
	})
	u, err := url.Parse(ServerDSN())
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

func redacted(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "?"
	}
	return u.Redacted()
}

// New returns a migrated, empty store for the test on the run's backend.
func New(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return db
}
