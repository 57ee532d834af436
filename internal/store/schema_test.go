package store_test

import (
	"context"
	"testing"

	"github.com/entitle-portal/entitle/internal/store"
	"github.com/entitle-portal/entitle/internal/store/storetest"
)

// TestSchema: an opened store is at the newest migration of the build; when
// the version table says otherwise (a database restored from an older backup
// under a running server, or one a newer build migrated), Schema reports
// what the database holds, read anew each time.
func TestSchema(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.DSN(t)
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	have, want, err := db.Schema(ctx)
	if err != nil || have != want || want < 20 {
		t.Fatalf("a migrated store: schema %d, latest %d, %v", have, want, err)
	}
	if v, err := db.Version(ctx); err != nil || v != want {
		t.Errorf("goose says %d (%v), Schema %d", v, err, want)
	}
	raw, q := rawDB(t, dsn)
	if _, err := raw.ExecContext(ctx, q(`DELETE FROM goose_db_version WHERE version_id = ?`), want); err != nil {
		t.Fatal(err)
	}
	behind, latest, err := db.Schema(ctx)
	if err != nil || behind >= want || latest != want {
		t.Errorf("the newest migration undone: schema %d, latest %d, %v; want below %d", behind, latest, err, want)
	}
	if _, err := raw.ExecContext(ctx, q(`INSERT INTO goose_db_version (version_id, is_applied) VALUES (?, ?)`), want+5, true); err != nil {
		t.Fatal(err)
	}
	if ahead, latest, err := db.Schema(ctx); err != nil || ahead != want+5 || latest != want {
		t.Errorf("a newer build's migration: schema %d, latest %d, %v", ahead, latest, err)
	}
}
