package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/benchgen"
	"github.com/entitle-portal/entitle/internal/store"
	"github.com/entitle-portal/entitle/internal/store/storetest"
)

// The import tests run on the backend of the test run (storetest); some
// also import into a SQLite file beside it and compare, so that a run on
// PostgreSQL proves both backends give the same results.

var importNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func generated(scale float64, seed int64) *benchgen.Dataset {
	return benchgen.Generate(benchgen.Config{Scale: scale, Seed: seed, Today: entitle.MustDate("2026-06-01")})
}

// dataCounts is Counts without the audit events (every import adds one).
func dataCounts(t *testing.T, db *store.DB) map[string]int64 {
	t.Helper()
	c, err := db.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	delete(c, "audit_events")
	return c
}

func auditCount(t *testing.T, db *store.DB) int64 {
	t.Helper()
	c, err := db.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c["audit_events"]
}

func entitlementsOf(b entitle.Batch) int {
	n := 0
	for _, o := range b.Orders {
		n += len(o.Record.Lines)
	}
	return n
}

// TestImportGeneratedChannel: a generated channel imports with the counts
// it should, progress reported up to the end and one audit event; importing
// it again changes nothing and says so.
func TestImportGeneratedChannel(t *testing.T) {
	ctx := context.Background()
	ds := generated(0.002, 11)
	b := ds.Batch
	db := storetest.New(t)

	var calls [][2]int
	res, problems, err := db.Import(ctx, b, entitle.ImportOptions{Actor: "cli", Progress: func(done, total int) {
		calls = append(calls, [2]int{done, total})
	}}, importNow)
	if err != nil || len(problems) > 0 {
		t.Fatal(err, problems)
	}
	want := entitle.ImportResult{
		Companies:    entitle.Counts{Created: len(b.Companies)},
		MSAs:         entitle.Counts{Created: len(b.MSAs)},
		Orders:       entitle.Counts{Created: len(b.Orders)},
		Entitlements: entitlementsOf(b),
	}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("first import (-want +got):\n%s", diff)
	}
	if len(calls) == 0 || calls[len(calls)-1] != [2]int{b.Len(), b.Len()} {
		t.Errorf("progress calls %v, want the last to be (%d, %d)", calls, b.Len(), b.Len())
	}
	for i := 1; i < len(calls); i++ {
		if calls[i][0] <= calls[i-1][0] {
			t.Errorf("progress goes back: %v", calls)
		}
	}
	counts := dataCounts(t, db)
	wantCounts := map[string]int64{"companies": int64(len(b.Companies)), "msas": int64(len(b.MSAs)),
		"orders": int64(len(b.Orders)), "entitlements": int64(want.Entitlements)}
	for table, n := range wantCounts {
		if counts[table] != n {
			t.Errorf("%d rows in %s, want %d", counts[table], table, n)
		}
	}
	events, err := db.AuditEvents(ctx, "", 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || events[0].Action != "import" || events[0].Actor != "cli" || events[0].Outcome != "ok" ||
		!strings.Contains(events[0].Detail, fmt.Sprintf("entitlements created %d", want.Entitlements)) {
		t.Errorf("audit events %+v, want one import event", events)
	}

	// Again: nothing changes, and the result says so.
	res, problems, err = db.Import(ctx, b, entitle.ImportOptions{}, importNow)
	if err != nil || len(problems) > 0 {
		t.Fatal(err, problems)
	}
	want = entitle.ImportResult{
		Companies: entitle.Counts{Unchanged: len(b.Companies)},
		MSAs:      entitle.Counts{Unchanged: len(b.MSAs)},
		Orders:    entitle.Counts{Unchanged: len(b.Orders)},
	}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("re-import (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(counts, dataCounts(t, db)); diff != "" {
		t.Errorf("re-import changed the tables (-before +after):\n%s", diff)
	}
	if n := auditCount(t, db); n != 2 {
		t.Errorf("%d audit events after two imports, want 2", n)
	}
}

// TestImportUpdatesCompaniesAndMSAs: a company's name or kind and an MSA's
// dates change in place; the rest is unchanged.
func TestImportUpdatesCompaniesAndMSAs(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	mustImport(t, db, smallChannel(), importNow)
	b := smallChannel()
	b.Orders = nil
	b.Companies[3].Record.Name = "Customer One, renamed"
	b.Companies[4].Record.Kind = entitle.KindMSP
	b.MSAs[1].Record.End = entitle.MustDate("2027-12-31")
	res := mustImport(t, db, b, importNow)
	want := entitle.ImportResult{
		Companies: entitle.Counts{Updated: 2, Unchanged: len(b.Companies) - 2},
		MSAs:      entitle.Counts{Updated: 1, Unchanged: len(b.MSAs) - 1},
	}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, c := range b.Companies {
		got, err := db.Company(ctx, c.Record.Key)
		if err != nil || got != c.Record {
			t.Errorf("company %s is %+v (%v), want %+v", c.Record.Key, got, err, c.Record)
		}
	}
	// The longer MSA now covers an order dated in 2027.
	o := smallChannel().Orders[1]
	o.Record.PONumber, o.Record.OrderDate = "PO-2027", entitle.MustDate("2027-06-01")
	o.Record.Lines[0].SubscriptionID, o.Record.Lines[1].SubscriptionID = "SUB-2027-1", "SUB-2027-2"
	res = mustImport(t, db, entitle.Batch{Orders: []entitle.Sourced[entitle.Order]{o}}, importNow)
	if res.Orders.Created != 1 || res.Entitlements != 2 {
		t.Errorf("order under the extended MSA: %+v", res)
	}
	want = entitle.ImportResult{Companies: entitle.Counts{Unchanged: len(b.Companies)}, MSAs: entitle.Counts{Unchanged: len(b.MSAs)}}
	if diff := cmp.Diff(want, mustImport(t, db, b, importNow)); diff != "" {
		t.Errorf("again (-want +got):\n%s", diff)
	}
}

// smallChannel is a hand-written channel: the vendor, a distributor, a
// reseller, two customers, their MSAs and two orders (one through the
// channel, one direct).
func smallChannel() entitle.Batch {
	d := entitle.MustDate
	co := func(line int, key, name string, kind entitle.Kind) entitle.Sourced[entitle.Company] {
		return entitle.Sourced[entitle.Company]{File: "base.jsonl", Line: line, Record: entitle.Company{Key: key, Name: name, Kind: kind}}
	}
	msa := func(line int, number, company, start, end string) entitle.Sourced[entitle.MSA] {
		return entitle.Sourced[entitle.MSA]{File: "base.jsonl", Line: line, Record: entitle.MSA{Number: number, Company: company, Start: d(start), End: d(end)}}
	}
	return entitle.Batch{
		Companies: []entitle.Sourced[entitle.Company]{
			co(1, "VENDOR", "The Vendor", entitle.KindVendor),
			co(2, "DIST-1", "Distribution One", entitle.KindDistributor),
			co(3, "RES-1", "Reseller One", entitle.KindReseller),
			co(4, "CUST-1", "Customer One", entitle.KindCustomer),
			co(5, "CUST-2", "Customer Two", entitle.KindCustomer),
		},
		MSAs: []entitle.Sourced[entitle.MSA]{
			msa(6, "MSA-D1", "DIST-1", "2025-01-01", "2028-12-31"),
			msa(7, "MSA-C1", "CUST-1", "2025-01-01", "2026-12-31"),
			msa(8, "MSA-R1", "RES-1", "2025-01-01", "2028-12-31"),
		},
		Orders: []entitle.Sourced[entitle.Order]{
			{File: "base.jsonl", Line: 9, Record: entitle.Order{PONumber: "PO-1", MSA: "MSA-D1", OrderDate: d("2026-01-15"), Currency: "EUR",
				PurchasingEntity: "DIST-1", Owner: "CUST-1", Resellers: []string{"RES-1"}, Installers: []string{"CUST-2"},
				BillTo:           &entitle.Address{Name: "Distribution One", Address: "1 rue de la Paix, Paris", Country: "FR"},
				InstallationSite: &entitle.Address{Name: "Customer One HQ", Country: "FR"},
				Lines: []entitle.Line{{Line: 1, SKU: "EBO-ENT-1Y", Description: "Enterprise, 1 year", Quantity: 10, UnitPrice: "120.00",
					SubscriptionID: "SUB-1", StartDate: d("2026-02-01"), EndDate: d("2027-01-31")}}}},
			{File: "base.jsonl", Line: 10, Record: entitle.Order{PONumber: "PO-2", MSA: "MSA-C1", OrderDate: d("2026-03-01"), Currency: "USD",
				PurchasingEntity: "CUST-1", Owner: "CUST-1",
				Lines: []entitle.Line{
					{Line: 1, SKU: "EBO-STD-1Y", Quantity: 5, UnitPrice: "80.50", SubscriptionID: "SUB-2", StartDate: d("2026-03-01"), EndDate: d("2027-02-28")},
					{Line: 2, SKU: "EBO-SUP", Quantity: 1, UnitPrice: "0", SubscriptionID: "SUB-3", StartDate: d("2026-03-01"), EndDate: d("2026-03-01")},
				}}},
		},
	}
}

// badBatch breaks, against smallChannel, every rule Validate checks against
// what is recorded — and against itself.
func badBatch() entitle.Batch {
	d := entitle.MustDate
	b := entitle.Batch{}
	add := func(r any) {
		line := b.Len() + 1
		switch r := r.(type) {
		case entitle.Company:
			b.Companies = append(b.Companies, entitle.Sourced[entitle.Company]{File: "bad.jsonl", Line: line, Record: r})
		case entitle.MSA:
			b.MSAs = append(b.MSAs, entitle.Sourced[entitle.MSA]{File: "bad.jsonl", Line: line, Record: r})
		case entitle.Order:
			b.Orders = append(b.Orders, entitle.Sourced[entitle.Order]{File: "bad.jsonl", Line: line, Record: r})
		}
	}
	order := func(pe, po, msa, date string, subs ...string) entitle.Order {
		o := entitle.Order{PONumber: po, MSA: msa, OrderDate: d(date), Currency: "EUR", PurchasingEntity: pe, Owner: "CUST-2"}
		for i, s := range subs {
			o.Lines = append(o.Lines, entitle.Line{Line: i + 1, SKU: "EBO-ENT-1Y", Quantity: 1, UnitPrice: "10.00", SubscriptionID: s,
				StartDate: d("2026-06-01"), EndDate: d("2027-05-31")})
		}
		return o
	}
	add(entitle.Company{Key: "CUST-1", Name: "Customer One, renamed", Kind: entitle.KindCustomer}) // fine, but not written
	add(entitle.Company{Key: "DIST-1", Name: "Distribution One", Kind: entitle.KindVendor})
	add(entitle.Company{Key: "VENDOR", Name: "The Vendor", Kind: entitle.KindReseller})
	add(entitle.Company{Key: "RES-2", Name: "Reseller Two", Kind: entitle.KindReseller})
	add(entitle.Company{Key: "RES-2", Name: "Reseller Two", Kind: entitle.KindReseller})
	add(entitle.MSA{Number: "MSA-R1", Company: "DIST-1", Start: d("2025-01-01"), End: d("2028-12-31")})
	add(entitle.MSA{Number: "MSA-X", Company: "NOPE", Start: d("2025-01-01"), End: d("2028-12-31")})
	changed := smallChannel().Orders[0].Record
	changed.Currency = "USD"
	add(changed)
	add(order("DIST-1", "PO-9", "MSA-C1", "2026-06-01", "SUB-9"))
	add(order("CUST-1", "PO-10", "MSA-C1", "2027-03-01", "SUB-10"))
	add(order("DIST-1", "PO-11", "MSA-D1", "2026-06-01", "SUB-11", "SUB-2"))
	ghost := order("DIST-1", "PO-12", "MSA-D1", "2026-06-01", "SUB-12")
	ghost.Owner, ghost.Resellers = "GHOST", []string{"RES-1", "PHANTOM"}
	add(ghost)
	add(order("DIST-1", "PO-13", "MSA-D1", "2026-06-01", "SUB-NEW"))
	add(order("DIST-1", "PO-14", "MSA-D1", "2026-06-01", "SUB-NEW"))
	add(order("DIST-1", "PO-13", "MSA-D1", "2026-06-01", "SUB-13"))
	add(order("DIST-1", "PO-15", "MSA-NONE", "2026-06-01", "SUB-15"))
	zero := order("DIST-1", "PO-16", "MSA-D1", "2026-06-01", "SUB-16")
	zero.Lines[0].Quantity = 0
	add(zero)
	add(order("RES-2", "PO-17", "MSA-D1", "2026-06-01", "SUB-1"))
	return b
}

// badBatchProblems are the problems of badBatch on smallChannel, the same
// on every backend.
var badBatchProblems = []string{
	"bad.jsonl:2: kind: only one company can be the vendor and VENDOR already is",
	"bad.jsonl:3: kind: VENDOR is the vendor; its kind cannot change",
	"bad.jsonl:5: key: company RES-2 appears twice in this import",
	"bad.jsonl:6: company: MSA MSA-R1 belongs to RES-1, not DIST-1",
	"bad.jsonl:7: company: unknown company NOPE (import it as a company record first)",
	"bad.jsonl:8: po_number: PO PO-1 of DIST-1 is already recorded with different content; orders cannot be changed by import",
	"bad.jsonl:9: msa: MSA MSA-C1 belongs to CUST-1, not to the purchasing entity DIST-1",
	"bad.jsonl:10: order_date: MSA MSA-C1 is not in force on 2027-03-01 (it runs 2025-01-01 to 2026-12-31)",
	"bad.jsonl:11: lines[1].subscription_id: subscription ID SUB-2 already belongs to PO PO-2 of CUST-1",
	"bad.jsonl:12: owner: unknown company GHOST (import it as a company record first)",
	"bad.jsonl:12: resellers[1]: unknown company PHANTOM (import it as a company record first)",
	"bad.jsonl:14: lines[0].subscription_id: subscription ID SUB-NEW is also on line 13 of this import",
	"bad.jsonl:15: po_number: PO PO-13 of DIST-1 appears twice in this import (first on line 13)",
	"bad.jsonl:16: msa: unknown MSA MSA-NONE",
	"bad.jsonl:17: lines[0].quantity: must be a positive whole number, not 0",
	"bad.jsonl:18: msa: MSA MSA-D1 belongs to DIST-1, not to the purchasing entity RES-2",
	"bad.jsonl:18: lines[0].subscription_id: subscription ID SUB-1 already belongs to PO PO-1 of DIST-1",
}

func problemStrings(ps entitle.Problems) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

// TestImportProblemsWriteNothing: a batch with problems is refused whole,
// with every problem named, as a dry run or not; nothing is written, not
// even an audit event.
func TestImportProblemsWriteNothing(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	mustImport(t, db, smallChannel(), importNow)
	before, audits := dataCounts(t, db), auditCount(t, db)
	for _, dryRun := range []bool{false, true} {
		res, problems, err := db.Import(ctx, badBatch(), entitle.ImportOptions{DryRun: dryRun}, importNow)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(badBatchProblems, problemStrings(problems)); diff != "" {
			t.Errorf("dry run %v: problems (-want +got):\n%s", dryRun, diff)
		}
		if diff := cmp.Diff(entitle.ImportResult{DryRun: dryRun}, res); diff != "" {
			t.Errorf("dry run %v: result of a refused import (-want +got):\n%s", dryRun, diff)
		}
		if diff := cmp.Diff(before, dataCounts(t, db)); diff != "" {
			t.Errorf("dry run %v: a refused import changed the tables (-before +after):\n%s", dryRun, diff)
		}
		if n := auditCount(t, db); n != audits {
			t.Errorf("dry run %v: %d audit events, want %d", dryRun, n, audits)
		}
	}
	c, err := db.Company(ctx, "CUST-1")
	if err != nil || c.Name != "Customer One" {
		t.Errorf("CUST-1 is %+v (%v): the refused import renamed it", c, err)
	}
}

// TestImportDryRun: a dry run says what an import would do and writes
// nothing; the import then does exactly that.
func TestImportDryRun(t *testing.T) {
	ctx := context.Background()
	ds := generated(0.002, 12)
	db := storetest.New(t)
	half := ds.Batch
	half.Orders = half.Orders[:len(half.Orders)/2]
	mustImport(t, db, half, importNow)
	before, audits := dataCounts(t, db), auditCount(t, db)

	dry, problems, err := db.Import(ctx, ds.Batch, entitle.ImportOptions{DryRun: true}, importNow)
	if err != nil || len(problems) > 0 {
		t.Fatal(err, problems)
	}
	if diff := cmp.Diff(before, dataCounts(t, db)); diff != "" {
		t.Errorf("a dry run changed the tables (-before +after):\n%s", diff)
	}
	if n := auditCount(t, db); n != audits {
		t.Errorf("a dry run added %d audit events", n-audits)
	}
	want := entitle.ImportResult{
		Companies:    entitle.Counts{Unchanged: len(ds.Batch.Companies)},
		MSAs:         entitle.Counts{Unchanged: len(ds.Batch.MSAs)},
		Orders:       entitle.Counts{Created: len(ds.Batch.Orders) - len(half.Orders), Unchanged: len(half.Orders)},
		Entitlements: entitlementsOf(ds.Batch) - entitlementsOf(half),
		DryRun:       true,
	}
	if diff := cmp.Diff(want, dry); diff != "" {
		t.Errorf("dry run (-want +got):\n%s", diff)
	}
	want.DryRun = false
	if diff := cmp.Diff(want, mustImport(t, db, ds.Batch, importNow)); diff != "" {
		t.Errorf("import after the dry run (-want +got):\n%s", diff)
	}
}

// TestImportFailingHalfWayLeavesNothing: an import that fails while it
// writes — its context cancelled, or a row the database refuses after
// thousands were written — leaves nothing behind, and the next import
// works.
func TestImportFailingHalfWayLeavesNothing(t *testing.T) {
	t.Run("cancelled", func(t *testing.T) {
		// More than 5,000 records: progress is reported among the orders on both backends.
		b := generated(0.02, 13).Batch
		db := storetest.New(t)
		empty := dataCounts(t, db)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var at int
		_, _, err := db.Import(ctx, b, entitle.ImportOptions{Progress: func(done, total int) {
			if at == 0 && done >= total/2 { // among the orders
				at = done
				cancel()
			}
		}}, importNow)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("import cancelled after %d of %d records: err %v, want context.Canceled", at, b.Len(), err)
		}
		t.Logf("cancelled after %d of %d records", at, b.Len())
		if at == 0 || at >= b.Len() {
			t.Errorf("cancelled after %d of %d records, want half-way", at, b.Len())
		}
		if diff := cmp.Diff(empty, dataCounts(t, db)); diff != "" {
			t.Errorf("a cancelled import left rows (-before +after):\n%s", diff)
		}
		if n := auditCount(t, db); n != 0 {
			t.Errorf("a cancelled import left %d audit events", n)
		}
		if res := mustImport(t, db, smallChannel(), importNow); res.Orders.Created != 2 {
			t.Errorf("import after the cancelled one: %+v", res)
		}
	})

	t.Run("refused row", func(t *testing.T) {
		b := generated(0.002, 13).Batch
		lastOrder := b.Orders[len(b.Orders)-1].Record
		lastSub := lastOrder.Lines[len(lastOrder.Lines)-1].SubscriptionID
		dsn := storetest.DSN(t)
		db, err := store.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		empty := dataCounts(t, db)
		drop := refuseEntitlement(t, dsn, lastSub)
		_, _, err = db.Import(context.Background(), b, entitle.ImportOptions{}, importNow)
		if err == nil || !strings.Contains(err.Error(), "deliberately refused") {
			t.Fatalf("import with a refused last row: err %v", err)
		}
		if diff := cmp.Diff(empty, dataCounts(t, db)); diff != "" {
			t.Errorf("a failed import left rows (-before +after):\n%s", diff)
		}
		if n := auditCount(t, db); n != 0 {
			t.Errorf("a failed import left %d audit events", n)
		}
		drop()
		if res := mustImport(t, db, b, importNow); res.Orders.Created != len(b.Orders) {
			t.Errorf("import after the failed one: %+v", res)
		}
	})
}

// refuseEntitlement makes the database refuse to insert the entitlement
// sub, with a trigger (written for each dialect: a failure the validation
// cannot foresee); the returned function removes the trigger.
func refuseEntitlement(t *testing.T, dsn, sub string) (drop func()) {
	t.Helper()
	driver, path := "sqlite", dsn
	create := []string{`CREATE TRIGGER refuse BEFORE INSERT ON entitlements WHEN NEW.subscription_id = '` + sub + `'
		BEGIN SELECT RAISE(ABORT, 'deliberately refused'); END`}
	remove := []string{`DROP TRIGGER refuse`}
	if store.IsPostgres(dsn) {
		driver = "pgx"
		create = []string{`CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN RAISE EXCEPTION 'deliberately refused'; END $$`,
			`CREATE TRIGGER refuse BEFORE INSERT ON entitlements FOR EACH ROW WHEN (NEW.subscription_id = '` + sub + `') EXECUTE FUNCTION refuse()`}
		remove = []string{`DROP TRIGGER refuse ON entitlements`, `DROP FUNCTION refuse()`}
	} else {
		path = "file:" + filepath.ToSlash(dsn) + "?_pragma=busy_timeout(10000)"
	}
	raw, err := sql.Open(driver, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	run := func(stmts []string) {
		for _, s := range stmts {
			if _, err := raw.Exec(s); err != nil {
				t.Fatalf("%s: %v", s, err)
			}
		}
	}
	run(create)
	return func() { run(remove) }
}

// TestConcurrentImports: two imports of overlapping batches at once, from
// two store handles (two server processes) on one database, both succeed;
// the end state is that of importing them one after the other.
func TestConcurrentImports(t *testing.T) {
	ctx := context.Background()
	ds := generated(0.002, 14)
	b := ds.Batch
	n := len(b.Orders)
	first, second := b, b
	first.Orders, second.Orders = b.Orders[:n*6/10], b.Orders[n*4/10:]
	overlap := n*6/10 - n*4/10

	dsn := storetest.DSN(t)
	var dbs [2]*store.DB
	for i := range dbs {
		db, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		dbs[i] = db
	}
	var results [2]entitle.ImportResult
	var errs [2]error
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, batch := range []entitle.Batch{first, second} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			var problems entitle.Problems
			results[i], problems, errs[i] = dbs[i].Import(ctx, batch, entitle.ImportOptions{}, importNow)
			if errs[i] == nil && len(problems) > 0 {
				errs[i] = problems
			}
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("import %d: %v", i+1, err)
		}
	}
	sum := func(f func(entitle.ImportResult) int) int { return f(results[0]) + f(results[1]) }
	for _, c := range []struct {
		what      string
		got, want int
	}{
		{"companies created", sum(func(r entitle.ImportResult) int { return r.Companies.Created }), len(b.Companies)},
		{"companies unchanged", sum(func(r entitle.ImportResult) int { return r.Companies.Unchanged }), len(b.Companies)},
		{"orders created", sum(func(r entitle.ImportResult) int { return r.Orders.Created }), n},
		{"orders unchanged", sum(func(r entitle.ImportResult) int { return r.Orders.Unchanged }), overlap},
		{"entitlements created", sum(func(r entitle.ImportResult) int { return r.Entitlements }), entitlementsOf(b)},
	} {
		if c.got != c.want {
			t.Errorf("%s: %d, want %d (results %+v)", c.what, c.got, c.want, results)
		}
	}

	sequential := storetest.New(t)
	mustImport(t, sequential, first, importNow)
	mustImport(t, sequential, second, importNow)
	if diff := cmp.Diff(dataCounts(t, sequential), dataCounts(t, dbs[0])); diff != "" {
		t.Errorf("concurrent imports differ from sequential ones (-sequential +concurrent):\n%s", diff)
	}
	if diff := cmp.Diff(entitle.ImportResult{
		Companies: entitle.Counts{Unchanged: len(b.Companies)},
		MSAs:      entitle.Counts{Unchanged: len(b.MSAs)},
		Orders:    entitle.Counts{Unchanged: n},
	}, mustImport(t, dbs[1], b, importNow)); diff != "" {
		t.Errorf("re-import after the concurrent imports (-want +got):\n%s", diff)
	}
	compareStores(t, sequential, dbs[0], ds)
}

// TestImportBackendsAgree imports the same batches into a store of the
// run's backend and into a SQLite file, and compares what each says and
// holds: results, problems, table counts, lists and orders.
func TestImportBackendsAgree(t *testing.T) {
	ctx := context.Background()
	ds := generated(0.002, 15)
	db := storetest.New(t)
	lite, err := store.Open(ctx, filepath.Join(t.TempDir(), "reference.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	t.Logf("comparing %s with SQLite", storetest.Backend())

	type outcome struct {
		Result   entitle.ImportResult
		Problems []string
		Err      string
	}
	both := func(b entitle.Batch, opt entitle.ImportOptions) {
		t.Helper()
		var got [2]outcome
		for i, s := range []*store.DB{lite, db} {
			res, problems, err := s.Import(ctx, b, opt, importNow)
			got[i] = outcome{res, problemStrings(problems), fmt.Sprint(err)}
		}
		if diff := cmp.Diff(got[0], got[1]); diff != "" {
			t.Errorf("(-sqlite +%s):\n%s", storetest.Backend(), diff)
		}
	}
	both(smallChannel(), entitle.ImportOptions{DryRun: true})
	both(smallChannel(), entitle.ImportOptions{})
	both(badBatch(), entitle.ImportOptions{})
	both(ds.Batch, entitle.ImportOptions{DryRun: true})
	both(ds.Batch, entitle.ImportOptions{})
	both(ds.Batch, entitle.ImportOptions{})
	both(smallChannel(), entitle.ImportOptions{})
	if diff := cmp.Diff(dataCounts(t, lite), dataCounts(t, db)); diff != "" {
		t.Errorf("table counts (-sqlite +%s):\n%s", storetest.Backend(), diff)
	}
	compareStores(t, lite, db, ds)
	for _, o := range append(smallChannel().Orders, ds.Batch.Orders[:20]...) {
		want, _, err := lite.OrderByPO(ctx, o.Record.PurchasingEntity, o.Record.PONumber)
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := db.OrderByPO(ctx, o.Record.PurchasingEntity, o.Record.PONumber)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Equal(want.Order) || !got.Equal(o.Record) {
			t.Errorf("PO %s of %s: %+v on %s, %+v on SQLite, imported %+v", o.Record.PONumber, o.Record.PurchasingEntity,
				got.Order, storetest.Backend(), want.Order, o.Record)
		}
	}
}

// compareStores compares the complete lists of a few companies of the
// generated channel (the largest reseller and distributor, a median
// reseller, a small customer, the outsider, the vendor) in two stores.
func compareStores(t *testing.T, want, got *store.DB, ds *benchgen.Dataset) {
	t.Helper()
	p := ds.Probes
	for _, company := range []string{p.LargestReseller, p.LargestDistributor, p.MedianReseller, p.SmallCustomer, p.Outsider, "VENDOR"} {
		c := entitle.Actor{Company: company, Vendor: company == "VENDOR"}
		w, g := listCandidates(t, want, c), listCandidates(t, got, c)
		if len(w) == 0 && company != p.Outsider {
			t.Errorf("%s lists nothing", company)
		}
		if diff := cmp.Diff(w, g, cmpopts.IgnoreFields(entitle.Candidate{}, "OrderID"), cmpopts.EquateEmpty(),
			cmp.Comparer(func(a, b entitle.Date) bool { return a == b })); diff != "" {
			t.Errorf("the list of %s differs (-want +got):\n%s", company, diff)
		}
	}
}

func listCandidates(t *testing.T, db *store.DB, c entitle.Actor) []entitle.Candidate {
	t.Helper()
	var out []entitle.Candidate
	after := ""
	for {
		page, err := db.List(context.Background(), c, after, 100, entitle.ListFilter{}, importNow)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Candidates...)
		if !page.More {
			return out
		}
		after = page.Next
	}
}

// priceList is a hand-written price list: two SKUs of smallChannel in two
// currencies, and a third SKU in one.
func priceList() entitle.Batch {
	p := func(line int, sku, currency, amount string) entitle.Sourced[entitle.Price] {
		return entitle.Sourced[entitle.Price]{File: "prices.jsonl", Line: line,
			Record: entitle.Price{SKU: sku, Currency: currency, PartnerPrice: entitle.Decimal(amount)}}
	}
	return entitle.Batch{Prices: []entitle.Sourced[entitle.Price]{
		p(1, "EBO-ENT-1Y", "EUR", "96.00"),
		p(2, "EBO-ENT-1Y", "USD", "104.50"),
		p(3, "EBO-STD-1Y", "EUR", "64.40"),
		p(4, "EBO-STD-1Y", "USD", "0.000001"),
		p(5, "EBO-SUP", "EUR", "0"),
	}}
}

// recordedPrices returns every recorded price of the SKUs of b, by SKU and
// currency, checking that Price agrees with Prices.
func recordedPrices(t *testing.T, db *store.DB, b entitle.Batch) []entitle.Price {
	t.Helper()
	ctx := context.Background()
	var skus []string
	for _, p := range b.Prices {
		if !slices.Contains(skus, p.Record.SKU) {
			skus = append(skus, p.Record.SKU)
		}
	}
	slices.Sort(skus)
	var out []entitle.Price
	for _, sku := range skus {
		ps, err := db.Prices(ctx, sku)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			got, ok, err := db.Price(ctx, p.SKU, p.Currency)
			if err != nil || !ok || got != p.PartnerPrice {
				t.Errorf("Price(%s, %s) = %q %v %v; Prices says %q", p.SKU, p.Currency, got, ok, err, p.PartnerPrice)
			}
		}
		out = append(out, ps...)
	}
	return out
}

func pricesOf(b entitle.Batch) []entitle.Price {
	var out []entitle.Price
	for _, p := range b.Prices {
		out = append(out, p.Record)
	}
	return out
}

// priceUpdatedAt returns the updated_at of a price, read from the database
// itself: no API shows it.
func priceUpdatedAt(t *testing.T, dsn, sku, currency string) time.Time {
	t.Helper()
	driver, path, q := "sqlite", "file:"+filepath.ToSlash(dsn)+"?_pragma=busy_timeout(10000)", `SELECT updated_at FROM prices WHERE sku = ? AND currency = ?`
	if store.IsPostgres(dsn) {
		driver, path, q = "pgx", dsn, `SELECT updated_at FROM prices WHERE sku = $1 AND currency = $2`
	}
	raw, err := sql.Open(driver, path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var micros int64
	if err := raw.QueryRow(q, sku, currency).Scan(&micros); err != nil {
		t.Fatalf("updated_at of %s in %s: %v", sku, currency, err)
	}
	return time.UnixMicro(micros).UTC()
}

// TestImportPrices: a price list imports alone, re-imports unchanged, and
// changes over time: a new price of a (SKU, currency) replaces the recorded
// one in place and is counted as updated.
func TestImportPrices(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.DSN(t)
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	if p, ok, err := db.Price(ctx, "EBO-ENT-1Y", "EUR"); err != nil || ok || p != "" {
		t.Errorf("a price before any import: %q %v %v", p, ok, err)
	}
	if ps, err := db.Prices(ctx, "EBO-ENT-1Y"); err != nil || len(ps) != 0 {
		t.Errorf("prices before any import: %v %v", ps, err)
	}

	// Alone: every price created, progress to the end, one audit event.
	b := priceList()
	var calls [][2]int
	res, problems, err := db.Import(ctx, b, entitle.ImportOptions{Actor: "cli", Progress: func(done, total int) {
		calls = append(calls, [2]int{done, total})
	}}, importNow)
	if err != nil || len(problems) > 0 {
		t.Fatal(err, problems)
	}
	if diff := cmp.Diff(entitle.ImportResult{Prices: entitle.Counts{Created: 5}}, res); diff != "" {
		t.Errorf("first import (-want +got):\n%s", diff)
	}
	if len(calls) == 0 || calls[len(calls)-1] != [2]int{5, 5} {
		t.Errorf("progress calls %v, want the last to be (5, 5)", calls)
	}
	if diff := cmp.Diff(pricesOf(b), recordedPrices(t, db, b)); diff != "" {
		t.Errorf("recorded prices (-want +got):\n%s", diff)
	}
	events, err := db.AuditEvents(ctx, "", 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || events[0].Action != "import" || events[0].Detail != "companies: 0 created, 0 updated, 0 unchanged; MSAs: 0 created, 0 updated, 0 unchanged; orders: 0 created, 0 updated, 0 unchanged; prices: 5 created, 0 updated, 0 unchanged; entitlements created 0" {
		t.Errorf("audit events %+v, want one import event that counts the prices", events)
	}
	if at := priceUpdatedAt(t, dsn, "EBO-SUP", "EUR"); !at.Equal(importNow) {
		t.Errorf("updated_at %v, want %v", at, importNow)
	}

	// Again, later: unchanged, and not touched.
	later := importNow.Add(24 * time.Hour)
	if diff := cmp.Diff(entitle.ImportResult{Prices: entitle.Counts{Unchanged: 5}}, mustImport(t, db, priceList(), later)); diff != "" {
		t.Errorf("re-import (-want +got):\n%s", diff)
	}
	if at := priceUpdatedAt(t, dsn, "EBO-ENT-1Y", "EUR"); !at.Equal(importNow) {
		t.Errorf("an unchanged price's updated_at moved to %v", at)
	}

	// A new price list: one price changed, one new currency, one new SKU,
	// one written otherwise ("0.0" is not the recorded text "0"), the rest
	// as before; prices not in the list stay.
	b = priceList()
	b.Prices[0].Record.PartnerPrice = "99.00"
	b.Prices[4].Record.PartnerPrice = "0.0"
	b.Prices = append(b.Prices[:3],
		entitle.Sourced[entitle.Price]{Record: entitle.Price{SKU: "EBO-ENT-1Y", Currency: "GBP", PartnerPrice: "84.00"}},
		entitle.Sourced[entitle.Price]{Record: entitle.Price{SKU: "EBO-NEW", Currency: "EUR", PartnerPrice: "12.34"}},
		b.Prices[4])
	res = mustImport(t, db, b, later)
	if diff := cmp.Diff(entitle.ImportResult{Prices: entitle.Counts{Created: 2, Updated: 2, Unchanged: 2}}, res); diff != "" {
		t.Errorf("changed price list (-want +got):\n%s", diff)
	}
	want := []entitle.Price{
		{SKU: "EBO-ENT-1Y", Currency: "EUR", PartnerPrice: "99.00"},
		{SKU: "EBO-ENT-1Y", Currency: "GBP", PartnerPrice: "84.00"},
		{SKU: "EBO-ENT-1Y", Currency: "USD", PartnerPrice: "104.50"},
		{SKU: "EBO-NEW", Currency: "EUR", PartnerPrice: "12.34"},
		{SKU: "EBO-STD-1Y", Currency: "EUR", PartnerPrice: "64.40"},
		{SKU: "EBO-STD-1Y", Currency: "USD", PartnerPrice: "0.000001"}, // not in the new list: kept
		{SKU: "EBO-SUP", Currency: "EUR", PartnerPrice: "0.0"},
	}
	if diff := cmp.Diff(want, recordedPrices(t, db, entitle.Batch{Prices: append(b.Prices, priceList().Prices...)})); diff != "" {
		t.Errorf("recorded prices (-want +got):\n%s", diff)
	}
	for _, c := range []struct {
		sku, currency string
		at            time.Time
	}{{"EBO-ENT-1Y", "EUR", later}, {"EBO-ENT-1Y", "USD", importNow}, {"EBO-NEW", "EUR", later}} {
		if got := priceUpdatedAt(t, dsn, c.sku, c.currency); !got.Equal(c.at) {
			t.Errorf("updated_at of %s in %s: %v, want %v", c.sku, c.currency, got, c.at)
		}
	}

	// The same price twice in one import: the first counts, the second
	// finds it unchanged.
	twice := entitle.Batch{Prices: []entitle.Sourced[entitle.Price]{b.Prices[0], b.Prices[0]}}
	twice.Prices[0].Record.PartnerPrice, twice.Prices[1].Record.PartnerPrice = "100.00", "100.00"
	if diff := cmp.Diff(entitle.ImportResult{Prices: entitle.Counts{Updated: 1, Unchanged: 1}}, mustImport(t, db, twice, later)); diff != "" {
		t.Errorf("the same price twice (-want +got):\n%s", diff)
	}
}

// TestImportPricesWithTheRest: prices mixed with companies, MSAs and orders
// in one batch; a dry run says what it would do and writes nothing; one bad
// price refuses the whole batch.
func TestImportPricesWithTheRest(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)

	mixed := smallChannel()
	mixed.Prices = priceList().Prices
	want := entitle.ImportResult{
		Companies:    entitle.Counts{Created: len(mixed.Companies)},
		MSAs:         entitle.Counts{Created: len(mixed.MSAs)},
		Orders:       entitle.Counts{Created: len(mixed.Orders)},
		Prices:       entitle.Counts{Created: len(mixed.Prices)},
		Entitlements: entitlementsOf(mixed),
		DryRun:       true,
	}
	dry, problems, err := db.Import(ctx, mixed, entitle.ImportOptions{DryRun: true}, importNow)
	if err != nil || len(problems) > 0 {
		t.Fatal(err, problems)
	}
	if diff := cmp.Diff(want, dry); diff != "" {
		t.Errorf("dry run (-want +got):\n%s", diff)
	}
	if got := recordedPrices(t, db, mixed); len(got) != 0 || auditCount(t, db) != 0 || dataCounts(t, db)["orders"] != 0 {
		t.Errorf("a dry run wrote prices %v, or orders, or an audit event", got)
	}
	want.DryRun = false
	if diff := cmp.Diff(want, mustImport(t, db, mixed, importNow)); diff != "" {
		t.Errorf("import (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(pricesOf(mixed), recordedPrices(t, db, mixed)); diff != "" {
		t.Errorf("recorded prices (-want +got):\n%s", diff)
	}

	// A dry run of a change: counted as updated, not written.
	change := priceList()
	change.Prices[1].Record.PartnerPrice = "110.00"
	dry, problems, err = db.Import(ctx, change, entitle.ImportOptions{DryRun: true}, importNow)
	if err != nil || len(problems) > 0 {
		t.Fatal(err, problems)
	}
	if diff := cmp.Diff(entitle.ImportResult{Prices: entitle.Counts{Updated: 1, Unchanged: 4}, DryRun: true}, dry); diff != "" {
		t.Errorf("dry run of a change (-want +got):\n%s", diff)
	}
	if p, _, err := db.Price(ctx, "EBO-ENT-1Y", "USD"); err != nil || p != "104.50" {
		t.Errorf("after a dry run the price is %q (%v), want 104.50 still", p, err)
	}

	// Bad prices in a batch that would otherwise rename a company, add an
	// order and change a price: refused whole, each problem named, as a dry
	// run or not.
	bad := smallChannel()
	bad.Companies[3].Record.Name = "Customer One, renamed"
	o := smallChannel().Orders[1] // a new order
	o.Record.PONumber, o.Record.Lines[0].SubscriptionID, o.Record.Lines[1].SubscriptionID = "PO-3", "SUB-31", "SUB-32"
	bad.Orders = append(bad.Orders, o)
	bad.Prices = priceList().Prices
	bad.Prices[0].Record.PartnerPrice = "97.00" // a change, fine alone
	add := func(line int, sku, currency, amount string) {
		bad.Prices = append(bad.Prices, entitle.Sourced[entitle.Price]{File: "prices.jsonl", Line: line,
			Record: entitle.Price{SKU: sku, Currency: currency, PartnerPrice: entitle.Decimal(amount)}})
	}
	add(6, "EBO-ENT-1Y", "eur", "1.00")
	add(7, "EBO-ENT-1Y", "USD", "-104.50")
	add(8, "EBO-ENT-1Y", "EUR", "98.00")
	add(9, "EBO ENT", "EUR", "1.00")
	wantProblems := []string{
		`prices.jsonl:6: currency: "eur" is not a three-letter currency code such as EUR`,
		`prices.jsonl:7: partner_price: "-104.50" is not a non-negative decimal such as "120.00"`,
		"prices.jsonl:8: partner_price: SKU EBO-ENT-1Y in EUR has two prices in this import: 98.00 here, 97.00 on line 1",
		`prices.jsonl:9: sku: "EBO ENT" may contain only A-Z a-z 0-9 . _ -`,
	}
	before, audits, pricesBefore := dataCounts(t, db), auditCount(t, db), recordedPrices(t, db, bad)
	for _, dryRun := range []bool{false, true} {
		res, problems, err := db.Import(ctx, bad, entitle.ImportOptions{DryRun: dryRun}, importNow)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantProblems, problemStrings(problems)); diff != "" {
			t.Errorf("dry run %v: problems (-want +got):\n%s", dryRun, diff)
		}
		if diff := cmp.Diff(entitle.ImportResult{DryRun: dryRun}, res); diff != "" {
			t.Errorf("dry run %v: result of a refused import (-want +got):\n%s", dryRun, diff)
		}
		if diff := cmp.Diff(before, dataCounts(t, db)); diff != "" {
			t.Errorf("dry run %v: a refused import changed the tables (-before +after):\n%s", dryRun, diff)
		}
		if diff := cmp.Diff(pricesBefore, recordedPrices(t, db, bad)); diff != "" {
			t.Errorf("dry run %v: a refused import changed the prices (-before +after):\n%s", dryRun, diff)
		}
		if n := auditCount(t, db); n != audits {
			t.Errorf("dry run %v: %d audit events, want %d", dryRun, n, audits)
		}
	}
	if c, err := db.Company(ctx, "CUST-1"); err != nil || c.Name != "Customer One" {
		t.Errorf("CUST-1 is %+v (%v): the refused import renamed it", c, err)
	}
}

// TestImportPricesBackendsAgree: the price list gives the same results and
// problems on the run's backend as on SQLite.
func TestImportPricesBackendsAgree(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	lite, err := store.Open(ctx, filepath.Join(t.TempDir(), "reference.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	type outcome struct {
		Result   entitle.ImportResult
		Problems []string
		Err      string
	}
	changed := priceList()
	changed.Prices[2].Record.PartnerPrice = "70.00"
	bad := priceList()
	bad.Prices[3].Record.Currency = "usd"
	bad.Prices = append(bad.Prices, bad.Prices[0])
	bad.Prices[len(bad.Prices)-1].Record.PartnerPrice = "1.00"
	mixed := smallChannel()
	mixed.Prices = changed.Prices
	for i, b := range []entitle.Batch{priceList(), priceList(), changed, bad, mixed, priceList()} {
		var got [2]outcome
		for j, s := range []*store.DB{lite, db} {
			res, problems, err := s.Import(ctx, b, entitle.ImportOptions{}, importNow)
			got[j] = outcome{res, problemStrings(problems), fmt.Sprint(err)}
		}
		if diff := cmp.Diff(got[0], got[1]); diff != "" {
			t.Errorf("import %d (-sqlite +%s):\n%s", i, storetest.Backend(), diff)
		}
	}
	if diff := cmp.Diff(recordedPrices(t, lite, changed), recordedPrices(t, db, changed)); diff != "" {
		t.Errorf("recorded prices (-sqlite +%s):\n%s", storetest.Backend(), diff)
	}
}

// streamed is b with its orders in a stream, as importer.Stream gives those
// of a file, rather than held.
func streamed(b entitle.Batch) entitle.Batch {
	b.Streams, b.Orders = []entitle.OrderStream{entitle.StreamOf(b.Orders)}, nil
	return b
}

// TestImportStreamedOrders: orders streamed rather than held import as the
// same orders held do — more than one round of orders on PostgreSQL — and
// a problem on the last order, found after the others were written,
// still leaves nothing written and is reported with every other problem.
func TestImportStreamedOrders(t *testing.T) {
	ctx := context.Background()
	ds := generated(0.03, 16)
	if ds.Batch.Len() < 6000 {
		t.Fatalf("%d records: too few for two rounds of orders", ds.Batch.Len())
	}
	db := storetest.New(t)

	// Problems on the last lines: a subscription ID of the first order
	// again, and an unknown owner.
	bad := ds.Batch
	bad.Orders = slices.Clone(bad.Orders)
	for i := range bad.Orders {
		bad.Orders[i].File, bad.Orders[i].Line = "c.jsonl", i+1
	}
	last := len(bad.Orders) + 1
	dup, ghost := bad.Orders[0].Record, bad.Orders[1].Record
	dup.PONumber, dup.Lines = "PO-DUP", slices.Clone(dup.Lines[:1])
	ghost.PONumber, ghost.Owner = "PO-GHOST", "GHOST"
	ghost.Lines = slices.Clone(ghost.Lines)
	for i := range ghost.Lines {
		ghost.Lines[i].SubscriptionID += "-G"
	}
	bad.Orders = append(bad.Orders, entitle.Sourced[entitle.Order]{File: "c.jsonl", Line: last, Record: dup},
		entitle.Sourced[entitle.Order]{File: "c.jsonl", Line: last + 1, Record: ghost})
	held, err := bad.Validate(ctx, emptyCatalog{})
	if err != nil {
		t.Fatal(err)
	}
	wantProblems := []string{
		fmt.Sprintf("c.jsonl:%d: lines[0].subscription_id: subscription ID %s is also on line 1 of this import", last, dup.Lines[0].SubscriptionID),
		fmt.Sprintf("c.jsonl:%d: owner: unknown company GHOST (import it as a company record first)", last+1),
	}
	if diff := cmp.Diff(wantProblems, problemStrings(held)); diff != "" {
		t.Fatalf("Validate (-want +got):\n%s", diff)
	}
	for _, dryRun := range []bool{false, true} {
		res, problems, err := db.Import(ctx, streamed(bad), entitle.ImportOptions{DryRun: dryRun}, importNow)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantProblems, problemStrings(problems)); diff != "" {
			t.Errorf("dry run %v: problems (-want +got):\n%s", dryRun, diff)
		}
		if diff := cmp.Diff(entitle.ImportResult{DryRun: dryRun}, res); diff != "" {
			t.Errorf("dry run %v: result of a refused import (-want +got):\n%s", dryRun, diff)
		}
		if c := dataCounts(t, db); c["companies"] != 0 || c["orders"] != 0 || c["entitlements"] != 0 || auditCount(t, db) != 0 {
			t.Errorf("dry run %v: a refused import wrote %v, %d audit events", dryRun, c, auditCount(t, db))
		}
	}

	// The channel itself, streamed: what the held batch's dry run says.
	want, problems, err := db.Import(ctx, ds.Batch, entitle.ImportOptions{DryRun: true}, importNow)
	if err != nil || len(problems) > 0 {
		t.Fatal(err, problems)
	}
	want.DryRun = false
	var last2 [2]int
	res, problems, err := db.Import(ctx, streamed(ds.Batch), entitle.ImportOptions{Progress: func(done, total int) {
		if done <= last2[0] {
			t.Errorf("progress goes back: %d after %d", done, last2[0])
		}
		last2 = [2]int{done, total}
	}}, importNow)
	if err != nil || len(problems) > 0 {
		t.Fatal(err, problems)
	}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("streamed import (-held dry run +streamed):\n%s", diff)
	}
	if n := ds.Batch.Len(); last2 != [2]int{n, n} {
		t.Errorf("last progress %v, want (%d, %d)", last2, n, n)
	}
	if c := dataCounts(t, db); c["orders"] != int64(len(ds.Batch.Orders)) || c["entitlements"] != int64(entitlementsOf(ds.Batch)) {
		t.Errorf("tables %v after the streamed import of %d orders", c, len(ds.Batch.Orders))
	}
	res, problems, err = db.Import(ctx, streamed(ds.Batch), entitle.ImportOptions{}, importNow)
	if err != nil || len(problems) > 0 {
		t.Fatal(err, problems)
	}
	if res.Orders != (entitle.Counts{Unchanged: len(ds.Batch.Orders)}) || res.Entitlements != 0 {
		t.Errorf("streamed re-import: %+v, want every order unchanged", res)
	}
}

// emptyCatalog records nothing.
type emptyCatalog struct{}

func (emptyCatalog) Company(context.Context, string) (entitle.Company, bool, error) {
	return entitle.Company{}, false, nil
}
func (emptyCatalog) VendorKey(context.Context) (string, error) { return "", nil }
func (emptyCatalog) MSA(context.Context, string) (entitle.MSA, bool, error) {
	return entitle.MSA{}, false, nil
}
func (emptyCatalog) Order(context.Context, string, string) (entitle.Order, bool, error) {
	return entitle.Order{}, false, nil
}
func (emptyCatalog) SubscriptionOrder(context.Context, string) (string, string, bool, error) {
	return "", "", false, nil
}
