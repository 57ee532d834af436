package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/benchgen"
	sqlitedriver "modernc.org/sqlite"
)

// TestEntitlementsKeyedBySubscription: migration 27 turns SQLite's
// entitlements into a table keyed by the subscription (WITHOUT ROWID) and
// back (down), keeping every row and every index, with the tables that
// refer to it intact and foreign keys on again on every connection. A crash
// between its commit and goose's record of the version only repeats a check;
// a database where a row names a missing entitlement is refused with a
// clear message and left as it was. (SQLite files only: it runs the same
// on either backend's test run.)
func TestEntitlementsKeyedBySubscription(t *testing.T) {
	ctx := context.Background()
	today := entitle.MustDate("2026-03-15")
	now := today.Time().Add(12 * time.Hour)
	ds := benchgen.Generate(benchgen.Config{Scale: 0.002, Seed: 7, Today: today})
	path := filepath.Join(t.TempDir(), "e.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, problems, err := db.Import(ctx, ds.Batch, entitle.ImportOptions{}, now); err != nil || len(problems) > 0 {
		t.Fatalf("import: %v %v", problems, err)
	}
	if err := db.AddDelegations(ctx, ds.Delegations); err != nil {
		t.Fatal(err)
	}
	var fk int
	if err := db.rw.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil || fk != 1 {
		t.Errorf("the store's writer after migrating: foreign_keys = %d (%v), want 1", fk, err)
	}
	db.Close()

	c, err := sqlitedriver.NewConnector("file:" + path + "?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	raw := sql.OpenDB(c)
	defer raw.Close()
	raw.SetMaxOpenConns(2)
	p, err := Migrator(raw, sqlite.name)
	if err != nil {
		t.Fatal(err)
	}
	keyed := snapshotEntitlements(t, raw)
	if !keyed.withoutRowid || keyed.rows < 100 || keyed.children == 0 {
		t.Fatalf("a new database: WITHOUT ROWID %v, %d entitlements, %d rows referring to them; want keyed, ≥ 100, some", keyed.withoutRowid, keyed.rows, keyed.children)
	}
	wantFKs := func(when string) {
		t.Helper()
		conns := make([]*sql.Conn, 2) // both of the pool's connections at once
		for i := range conns {
			if conns[i], err = raw.Conn(ctx); err != nil {
				t.Fatal(err)
			}
			defer conns[i].Close()
			var on int
			if err := conns[i].QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&on); err != nil || on != 1 {
				t.Errorf("%s: connection %d has foreign_keys = %d (%v), want 1", when, i, on, err)
			}
		}
	}

	if _, err := p.DownTo(ctx, 26); err != nil {
		t.Fatal(err)
	}
	down := snapshotEntitlements(t, raw)
	if down.withoutRowid {
		t.Error("down to 26: still WITHOUT ROWID")
	}
	if d := keyed.diff(down); d != "" {
		t.Errorf("down to 26 changed %s", d)
	}
	wantFKs("down to 26")

	if _, err := p.UpTo(ctx, 27); err != nil {
		t.Fatal(err)
	}
	up := snapshotEntitlements(t, raw)
	if !up.withoutRowid {
		t.Error("up to 27: not WITHOUT ROWID")
	}
	if d := keyed.diff(up); d != "" {
		t.Errorf("up to 27 changed %s", d)
	}
	wantFKs("up to 27")

	// Committed, but goose did not record it (a crash in between): the next
	// start runs it again, finds the table rebuilt, and records it.
	if _, err := raw.ExecContext(ctx, `DELETE FROM goose_db_version WHERE version_id = 27`); err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 27); err != nil {
		t.Fatalf("27 again on a rebuilt table: %v", err)
	}
	if v, err := p.GetDBVersion(ctx); err != nil || v != 27 {
		t.Errorf("27 again: version %d (%v), want 27", v, err)
	}
	if d := keyed.diff(snapshotEntitlements(t, raw)); d != "" {
		t.Errorf("27 again changed %s", d)
	}

	// A row that names an entitlement not there (written with foreign keys
	// off): the rebuild would carry it on, so it is refused, and nothing
	// changes.
	if _, err := p.DownTo(ctx, 26); err != nil {
		t.Fatal(err)
	}
	conn, err := raw.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`PRAGMA foreign_keys = OFF`,
		`INSERT INTO delegation_items (delegation_id, delegate_id, subscription_id, end_date) SELECT id, delegate_id, 'SUB-NOT-THERE', '2027-01-01' FROM delegations LIMIT 1`,
		`PRAGMA foreign_keys = ON`} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	conn.Close()
	before := snapshotEntitlements(t, raw)
	if _, err := p.UpTo(ctx, 27); err == nil || !strings.Contains(err.Error(), "1 rows name an entitlement that is not there") {
		t.Errorf("27 over a broken reference: %v, want refused", err)
	}
	if v, err := p.GetDBVersion(ctx); err != nil || v != 26 {
		t.Errorf("after the refused migration: version %d (%v), want 26", v, err)
	}
	after := snapshotEntitlements(t, raw)
	if after.withoutRowid || before.diff(after) != "" {
		t.Errorf("the refused migration changed the table: WITHOUT ROWID %v, %s", after.withoutRowid, before.diff(after))
	}
	wantFKs("after the refused migration")

	// On a pool of one connection it says so instead of waiting forever.
	if _, err := raw.ExecContext(ctx, `DELETE FROM delegation_items WHERE subscription_id = 'SUB-NOT-THERE'`); err != nil {
		t.Fatal(err)
	}
	raw.SetMaxOpenConns(1)
	ctx1, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := p.Up(ctx1); err == nil || !strings.Contains(err.Error(), "needs a second connection") {
		t.Errorf("27 on one connection: %v, want a clear refusal", err)
	}
}

// entitlementsSnapshot is what migration 27 must keep: the rows, the
// indexes (name and SQL) and the rows of other tables that refer to them.
type entitlementsSnapshot struct {
	withoutRowid bool
	rows         int
	content      []string
	indexes      []string
	children     int
}

func snapshotEntitlements(t *testing.T, raw *sql.DB) entitlementsSnapshot {
	t.Helper()
	var s entitlementsSnapshot
	var ddl string
	if err := raw.QueryRow(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'entitlements'`).Scan(&ddl); err != nil {
		t.Fatal(err)
	}
	s.withoutRowid = strings.HasSuffix(ddl, "WITHOUT ROWID")
	for q, dst := range map[string]*[]string{
		`SELECT * FROM entitlements ORDER BY subscription_id`:                                                                      &s.content,
		`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'entitlements' AND sql IS NOT NULL ORDER BY name`: &s.indexes,
	} {
		rows, err := raw.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			v := make([]any, len(cols))
			p := make([]any, len(cols))
			for i := range v {
				p[i] = &v[i]
			}
			if err := rows.Scan(p...); err != nil {
				t.Fatal(err)
			}
			*dst = append(*dst, fmt.Sprint(v...))
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	s.rows = len(s.content)
	if err := raw.QueryRow(`SELECT (SELECT count(*) FROM entitlement_access) + (SELECT count(*) FROM delegation_items)`).Scan(&s.children); err != nil {
		t.Fatal(err)
	}
	return s
}

// diff names what differs between two snapshots beyond the table's kind.
func (s entitlementsSnapshot) diff(o entitlementsSnapshot) string {
	var d []string
	if !slices.Equal(s.content, o.content) {
		d = append(d, fmt.Sprintf("the rows (%d, now %d)", s.rows, o.rows))
	}
	if !slices.Equal(s.indexes, o.indexes) {
		d = append(d, fmt.Sprintf("the indexes (%q, now %q)", s.indexes, o.indexes))
	}
	if s.children != o.children {
		d = append(d, fmt.Sprintf("the rows referring to them (%d, now %d)", s.children, o.children))
	}
	return strings.Join(d, ", ")
}
