package store_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/entitle-portal/entitle/internal/store"
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

// TestPostgresDSN: pool_max_conns is understood, a bad value is refused
// with a clear message, and no message shows the password.
func TestPostgresDSN(t *testing.T) {
	if storetest.Backend() != "postgres" {
		t.Skip("PostgreSQL only")
	}
	ctx := context.Background()
	dsn := storetest.DSN(t)
	db, err := store.Open(ctx, dsn+"&pool_max_conns=3")
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := store.Open(ctx, dsn+"&pool_max_conns=lots"); err == nil || !strings.Contains(err.Error(), "pool_max_conns must be a positive whole number") {
		t.Errorf("bad pool_max_conns: %v", err)
	}
	u, _ := url.Parse(dsn)
	u.User = url.UserPassword("nobody-here", "s3cret-pw")
	u.Host = "127.0.0.1:1" // nothing listens
	if _, err := store.Open(ctx, u.String()); err == nil || strings.Contains(err.Error(), "s3cret-pw") {
		t.Errorf("unreachable server: %v", err)
	}
}
