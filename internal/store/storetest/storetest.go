// Package storetest gives tests a fresh, migrated store: New(t) opens a new
// SQLite file in the test's temporary directory, closed when the test ends.
// Every store test goes through it, so that when a second backend is added
// each test runs on both.
package storetest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/entitle-portal/entitle/internal/store"
)

// New returns a migrated, empty store for the test.
func New(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "entitle.db"))
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
