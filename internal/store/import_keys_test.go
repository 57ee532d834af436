package store_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/benchgen"
	"github.com/entitle-portal/entitle/internal/store"
	"github.com/entitle-portal/entitle/internal/store/storetest"
)

// pgConstraint is a constraint as PostgreSQL's catalog defines it; oid
// tells a constraint added again from the original.
type pgConstraint struct {
	Table, Name, Type, Def          string
	Deferrable, Deferred, Validated bool
	OnUpdate, OnDelete, Match       string
	oid                             int64
}

// pgSchema is every constraint of the database's tables, and the count of
// internal triggers (those of the foreign keys) per table.
type pgSchema struct {
	Constraints []pgConstraint
	Triggers    map[string]int
}

func readPgSchema(t *testing.T, raw *sql.DB) pgSchema {
	t.Helper()
	rows, err := raw.Query(`SELECT c.conrelid::regclass::text, c.conname, c.contype, pg_get_constraintdef(c.oid),
			c.condeferrable, c.condeferred, c.convalidated, c.confupdtype, c.confdeltype, c.confmatchtype, c.oid::bigint
		FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
		WHERE n.nspname = current_schema() AND c.conrelid <> 0
		ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	s := pgSchema{Triggers: map[string]int{}}
	for rows.Next() {
		var c pgConstraint
		if err := rows.Scan(&c.Table, &c.Name, &c.Type, &c.Def, &c.Deferrable, &c.Deferred, &c.Validated,
			&c.OnUpdate, &c.OnDelete, &c.Match, &c.oid); err != nil {
			t.Fatal(err)
		}
		s.Constraints = append(s.Constraints, c)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	trows, err := raw.Query(`SELECT tgrelid::regclass::text, count(*) FROM pg_trigger WHERE tgisinternal GROUP BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer trows.Close()
	for trows.Next() {
		var table string
		var n int
		if err := trows.Scan(&table, &n); err != nil {
			t.Fatal(err)
		}
		s.Triggers[table] = n
	}
	return s
}

// foreignKeyOIDs returns the oids of the foreign keys of table.
func (s pgSchema) foreignKeyOIDs(table string) map[string]int64 {
	out := map[string]int64{}
	for _, c := range s.Constraints {
		if c.Table == table && c.Type == "f" {
			out[c.Name] = c.oid
		}
	}
	return out
}

// TestFirstImportPostgresForeignKeys: a first import of many orders on
// PostgreSQL, allowed to lock the tables (ImportOptions.Exclusive), sets the
// foreign keys of the tables it writes aside and adds them again — checked
// over every row, exactly as the migrations define them. An import
// cancelled half-way, or that breaks a key, fails and rolls back whole, the
// keys intact; without Exclusive the keys are checked row by row. The next
// import works, writes what SQLite writes, and leaves the schema as it was;
// the keys hold afterwards.
func TestFirstImportPostgresForeignKeys(t *testing.T) {
	if storetest.Backend() != "postgres" {
		t.Skip("PostgreSQL only: SQLite checks foreign keys on its own path")
	}
	ctx := context.Background()
	ds := generated(0.006, 17) // more orders than a first import needs to set the keys aside
	b := ds.Batch
	if len(b.Orders) < 1000 {
		t.Fatalf("%d orders: too few for the test", len(b.Orders))
	}
	dsn := storetest.DSN(t)
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	migrated := readPgSchema(t, raw)
	if n := len(migrated.foreignKeyOIDs("entitlements")); n != 3 {
		t.Fatalf("%d foreign keys on entitlements after the migrations, want 3: %+v", n, migrated.Constraints)
	}
	empty := dataCounts(t, db)

	// Cancelled once the keys are set aside (after the companies are written).
	cctx, cancel := context.WithCancel(ctx)
	_, _, err = db.Import(cctx, b, entitle.ImportOptions{Exclusive: true, Progress: func(done, total int) { cancel() }}, importNow)
	cancel()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled import: err %v, want context.Canceled", err)
	}
	if diff := cmp.Diff(empty, dataCounts(t, db)); diff != "" {
		t.Errorf("a cancelled import left rows (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(migrated, readPgSchema(t, raw), cmp.AllowUnexported(pgConstraint{})); diff != "" {
		t.Errorf("a cancelled import changed the constraints (-migrated +after):\n%s", diff)
	}

	// An entitlement whose owner is no company: validation cannot see it
	// (a trigger changes the row as it is written); only the foreign key can.
	lastOrder := b.Orders[len(b.Orders)-1].Record
	lastSub := lastOrder.Lines[len(lastOrder.Lines)-1].SubscriptionID
	for _, s := range []string{`CREATE FUNCTION orphan() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN NEW.owner_id := -1; RETURN NEW; END $$`,
		`CREATE TRIGGER orphan BEFORE INSERT ON entitlements FOR EACH ROW WHEN (NEW.subscription_id = '` + lastSub + `') EXECUTE FUNCTION orphan()`} {
		if _, err := raw.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	for _, c := range []struct {
		exclusive bool
		want      string
	}{
		// Exclusive: the key, added again at the end, refuses the row.
		{true, "check the foreign key entitlements_owner_id_fkey"},
		// Otherwise the row is refused as it is written.
		{false, `write entitlements: ERROR: insert or update on table "entitlements" violates foreign key constraint "entitlements_owner_id_fkey"`},
	} {
		_, _, err = db.Import(ctx, b, entitle.ImportOptions{Exclusive: c.exclusive}, importNow)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Fatalf("import of an entitlement without owner, exclusive %v: err %v, want %q", c.exclusive, err, c.want)
		}
		if diff := cmp.Diff(empty, dataCounts(t, db)); diff != "" {
			t.Errorf("a failed import left rows (-before +after):\n%s", diff)
		}
		if n := auditCount(t, db); n != 0 {
			t.Errorf("a failed import left %d audit events", n)
		}
		if diff := cmp.Diff(migrated, readPgSchema(t, raw), cmp.AllowUnexported(pgConstraint{})); diff != "" {
			t.Errorf("a failed import changed the constraints (-migrated +after):\n%s", diff)
		}
	}
	for _, s := range []string{`DROP TRIGGER orphan ON entitlements`, `DROP FUNCTION orphan()`} {
		if _, err := raw.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}

	res, problems, err := db.Import(ctx, b, entitle.ImportOptions{Exclusive: true}, importNow)
	if err != nil || len(problems) > 0 {
		t.Fatal(err, problems)
	}
	if res.Orders.Created != len(b.Orders) || res.Entitlements != entitlementsOf(b) {
		t.Errorf("first import: %+v", res)
	}
	// The import refreshed the planner's statistics (ANALYZE sets
	// reltuples; a table never analyzed has -1).
	var tuples float64
	if err := raw.QueryRow(`SELECT reltuples FROM pg_class WHERE relname = 'entitlements'`).Scan(&tuples); err != nil || tuples < float64(entitlementsOf(b))/2 {
		t.Errorf("statistics of entitlements after the first import: %v rows (%v), want about %d", tuples, err, entitlementsOf(b))
	}
	after := readPgSchema(t, raw)
	if diff := cmp.Diff(migrated, after, cmpopts.IgnoreUnexported(pgConstraint{})); diff != "" {
		t.Errorf("the first import changed the constraints (-migrated +after):\n%s", diff)
	}
	for _, table := range []string{"msas", "orders", "order_roles", "entitlements"} {
		before, now := migrated.foreignKeyOIDs(table), after.foreignKeyOIDs(table)
		for name, oid := range before {
			if now[name] == oid {
				t.Errorf("foreign key %s of %s: the same oid %d, want it set aside and added again", name, table, oid)
			}
		}
	}

	// What SQLite holds after the same import, and a second import (row by
	// row: orders are recorded) that changes nothing.
	lite, err := store.Open(ctx, filepath.Join(t.TempDir(), "reference.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	mustImport(t, lite, b, importNow)
	if diff := cmp.Diff(dataCounts(t, lite), dataCounts(t, db)); diff != "" {
		t.Errorf("table counts (-sqlite +postgres):\n%s", diff)
	}
	compareStores(t, lite, db, ds)
	if res, _, err := db.Import(ctx, b, entitle.ImportOptions{Exclusive: true}, importNow); err != nil || res.Orders.Unchanged != len(b.Orders) {
		t.Errorf("second import: %+v %v", res, err)
	}
	if diff := cmp.Diff(after, readPgSchema(t, raw), cmp.AllowUnexported(pgConstraint{})); diff != "" {
		t.Errorf("the second import changed the constraints (-before +after):\n%s", diff)
	}
	v, err := db.VerifyAudit(ctx)
	if err != nil || v.Problem != nil || v.Events != 2 {
		t.Errorf("audit verification after two imports: %+v %v", v, err)
	}

	// The keys hold: an order role of no order is refused.
	if _, err := raw.Exec(`INSERT INTO order_roles (order_id, role, company_id, position) VALUES (-1, 'reseller', (SELECT min(id) FROM companies), 0)`); err == nil ||
		!strings.Contains(err.Error(), "order_roles_order_id_fkey") {
		t.Errorf("an order role of no order: %v, want the foreign key to refuse it", err)
	}
}

// sqliteIndexes reads the plain indexes of an SQLite file: name → SQL and
// root page (a new root page: the index was built again).
func sqliteIndexes(t *testing.T, raw *sql.DB) map[string][2]string {
	t.Helper()
	rows, err := raw.Query(`SELECT name, sql, rootpage FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][2]string{}
	for rows.Next() {
		var name, q, root string
		if err := rows.Scan(&name, &q, &root); err != nil {
			t.Fatal(err)
		}
		out[name] = [2]string{q, root}
	}
	return out
}

// TestFirstImportSQLiteIndexes: a first import of many orders on SQLite
// builds the plain indexes of the tables it fills after its rows
// (import_sqlite_indexes.go): the same indexes afterwards, each one
// consistent with its table (integrity_check), built anew; a cancelled
// import leaves them as they were; a later import writes through them.
func TestFirstImportSQLiteIndexes(t *testing.T) {
	if storetest.Backend() != "sqlite" {
		t.Skip("SQLite only: PostgreSQL sets its foreign keys aside instead")
	}
	ctx := context.Background()
	b := generated(0.006, 17).Batch
	if len(b.Orders) < 1000 {
		t.Fatalf("%d orders: too few for the test", len(b.Orders))
	}
	path := storetest.DSN(t)
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	migrated := sqliteIndexes(t, raw)
	for _, name := range []string{"entitlements_owner", "entitlement_access_end", "orders_date"} {
		if _, ok := migrated[name]; !ok {
			t.Fatalf("no index %s after the migrations: %v", name, migrated)
		}
	}
	empty := dataCounts(t, db)

	cctx, cancel := context.WithCancel(ctx)
	_, _, err = db.Import(cctx, b, entitle.ImportOptions{Progress: func(done, total int) { cancel() }}, importNow)
	cancel()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled import: err %v, want context.Canceled", err)
	}
	if diff := cmp.Diff(empty, dataCounts(t, db)); diff != "" {
		t.Errorf("a cancelled import left rows (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(migrated, sqliteIndexes(t, raw)); diff != "" {
		t.Errorf("a cancelled import changed the indexes (-migrated +after):\n%s", diff)
	}

	res, problems, err := db.Import(ctx, b, entitle.ImportOptions{}, importNow)
	if err != nil || len(problems) > 0 {
		t.Fatal(err, problems)
	}
	if res.Orders.Created != len(b.Orders) || res.Entitlements != entitlementsOf(b) {
		t.Errorf("first import: %+v", res)
	}
	after := sqliteIndexes(t, raw)
	if len(after) != len(migrated) {
		t.Errorf("indexes after the first import: %d, want %d", len(after), len(migrated))
	}
	for name, m := range migrated {
		switch a, ok := after[name]; {
		case !ok:
			t.Errorf("index %s: gone after the first import", name)
		case a[0] != m[0]:
			t.Errorf("index %s: %s after the first import, want %s", name, a[0], m[0])
		}
	}
	for _, name := range []string{"entitlements_owner", "entitlements_end", "entitlement_access_end", "orders_pe_date"} {
		if after[name][1] == migrated[name][1] {
			t.Errorf("index %s: the same root page %s, want it built again after the rows", name, after[name][1])
		}
	}
	var check string
	if err := raw.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check after the first import: %q %v", check, err)
	}

	// A second import writes through the indexes (they are not set aside
	// with orders recorded): the same root pages.
	if _, problems, err := db.Import(ctx, b, entitle.ImportOptions{}, importNow); err != nil || len(problems) > 0 {
		t.Fatal(err, problems)
	}
	if diff := cmp.Diff(after, sqliteIndexes(t, raw)); diff != "" {
		t.Errorf("a second import changed the indexes (-first +second):\n%s", diff)
	}
}

// TestImportRefusesPartialOrders: an order its reader read only in part
// (entitle.Sourced.Partial, with the problem reported by the reader) is
// checked by a dry run and never written: an import that would write it is
// refused, and a dry run of it changes nothing.
func TestImportRefusesPartialOrders(t *testing.T) {
	ctx := context.Background()
	today := entitle.MustDate("2026-03-15")
	now := today.Time().Add(12 * time.Hour)
	ds := benchgen.Generate(benchgen.Config{Scale: 0.001, Seed: 3, Today: today})
	db := storetest.New(t)
	b := ds.Batch
	b.Orders = slices.Clone(b.Orders)
	b.Orders[0].Partial = true
	if _, _, err := db.Import(ctx, b, entitle.ImportOptions{}, now); err == nil || !strings.Contains(err.Error(), "read only in part") {
		t.Errorf("writing a partial order: %v, want refused", err)
	}
	if _, problems, err := db.Import(ctx, b, entitle.ImportOptions{DryRun: true}, now); err != nil || len(problems) != 0 {
		t.Errorf("a dry run with a partial order: %v %v", problems, err)
	}
	n, err := db.Counts(ctx)
	if _, counted := n["orders"]; err != nil || !counted || n["orders"] != 0 || n["companies"] != 0 {
		t.Errorf("after both: %v (%v), want no order and no company", n, err)
	}
}
