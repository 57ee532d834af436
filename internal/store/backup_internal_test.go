package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckSQLiteBackupOlderSchema: a backup made by an older entitle (a
// database a migration behind) is refused by backup's check, and
// migrated, then checked, by restore's, as serve would migrate it.
// (SQLite files only: it runs the same on either backend's test run.)
func TestCheckSQLiteBackupOlderSchema(t *testing.T) {
	ctx := context.Background()
	want, err := SchemaVersion()
	if err != nil || want == 0 {
		t.Fatalf("SchemaVersion: %d %v", want, err)
	}
	path := filepath.Join(t.TempDir(), "old.db")
	raw, err := openRaw(path)
	if err != nil {
		t.Fatal(err)
	}
	raw.SetMaxOpenConns(2) // migration 27 rebuilds on a connection of its own
	p, err := Migrator(raw, sqlite.name)
	if err != nil {
		t.Fatal(err)
	}
	// The migration before the last (their numbers may have gaps).
	sources := p.ListSources()
	older := sources[len(sources)-2].Version
	if _, err := p.UpTo(ctx, older); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	if _, err := CheckSQLiteBackup(ctx, path, false); err == nil || !strings.Contains(err.Error(), "older than this entitle's") {
		t.Errorf("backup's check of an older database: %v", err)
	}
	c, err := CheckSQLiteBackup(ctx, path, true)
	if err != nil {
		t.Fatalf("restore's check of an older database: %v", err)
	}
	if c.Migrated != older || c.Version != want || c.Audit.Problem != nil || c.Counts == nil {
		t.Errorf("restore's check of an older database: migrated from %d to %d, audit %+v, counts %v; want from %d to %d",
			c.Migrated, c.Version, c.Audit.Problem, c.Counts, older, want)
	}
}

// TestSchemaVersion: this binary's schema version is its last migration,
// and what a database it migrates reports.
func TestSchemaVersion(t *testing.T) {
	want, err := SchemaVersion()
	if err != nil {
		t.Fatal(err)
	}
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "new.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got, err := db.Version(context.Background()); err != nil || got != want {
		t.Errorf("a new database has schema version %d (%v), SchemaVersion says %d", got, err, want)
	}
}
