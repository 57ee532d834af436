package store_test

import (
	"testing"

	"github.com/entitle-portal/entitle/internal/store/storetest"
)

// TestBackend says which backend this run covers; the other is skipped, and
// said so here (CI runs both).
func TestBackend(t *testing.T) {
	if storetest.Backend() == "sqlite" {
		t.Skip("this run is on SQLite only; ENTITLE_TEST_BACKEND=postgres runs the store, disclose, API and CLI suites on PostgreSQL (CI runs both)")
	}
	t.Logf("this run is on PostgreSQL at %s", storetest.ServerDSN())
}
