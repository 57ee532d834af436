package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/store"
	"github.com/entitle-portal/entitle/internal/store/storetest"
)

// The audit spool's tests (auditspool.go, SQLite): a disclosure's event is
// on disk in the spool when Audit returns; it enters the chain exactly
// once, in order with the events of write transactions, whichever process
// moves it, and after a process dies with events still spooled.

func sqliteOnly(t *testing.T) string {
	t.Helper()
	if storetest.Backend() != "sqlite" {
		t.Skip("the audit spool is SQLite's (PostgreSQL commits disclosures into the chain)")
	}
	return storetest.DSN(t)
}

// rawCount counts rows of table in the SQLite file path, read as it is on
// disk by another connection.
func rawCount(t *testing.T, path, table string) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func disclosure(i int) entitle.AuditEvent {
	return entitle.AuditEvent{At: chainNow, Actor: "ann@acme.example", Company: "ACME", Action: "entitlement.get",
		Object: fmt.Sprintf("SUB-%07d", i), Basis: []entitle.Basis{entitle.BasisReseller}, Outcome: "ok"}
}

// TestAuditSpoolDurableBeforeChained: when Audit returns, the event is in
// the spool file on disk (another connection reads it), whether or not the
// mover has chained it yet; a second store on the same file (another
// process) and the first one both move, and every event is chained once.
func TestAuditSpoolDurableBeforeChained(t *testing.T) {
	path := sqliteOnly(t)
	ctx := context.Background()
	db1 := chainStoreAt(t, path)
	before := int(auditCount(t, db1))

	const n = 200
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := db1.Audit(ctx, disclosure(i)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	spooled := rawCount(t, path+store.SpoolSuffixes[0], "spool_events")
	chained := rawCount(t, path, "audit_events") - before
	if spooled+chained < n {
		t.Fatalf("after Audit returned for %d events: %d in the spool and %d chained: some were not on disk", n, spooled, chained)
	}

	// Another handle, as another process would: it moves what is spooled
	// at Open, and both go on auditing.
	db2, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		wg.Add(2)
		go func() { defer wg.Done(); db1.Audit(ctx, disclosure(n+i)) }()
		go func() { defer wg.Done(); db2.Audit(ctx, disclosure(2*n+i)) }()
	}
	wg.Wait()
	if err := db2.Close(); err != nil {
		t.Fatal(err)
	}
	got := int(auditCount(t, db1)) - before // settles: reads the whole trail
	if got != 3*n {
		t.Errorf("the trail holds %d events of the %d audited", got, 3*n)
	}
	objects := map[string]int{}
	events, err := db1.AuditEvents(ctx, "", 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		if e.Action == "entitlement.get" {
			objects[e.Object]++
		}
	}
	for i := range 3 * n {
		if c := objects[fmt.Sprintf("SUB-%07d", i)]; c != 1 {
			t.Errorf("event %d is in the trail %d times", i, c)
		}
	}
	verifyOK(t, db1)
	if left := rawCount(t, path+store.SpoolSuffixes[0], "spool_events"); left != 0 {
		t.Errorf("%d events left in the spool after the trail was read", left)
	}
}

// TestAuditSpoolOrder: a write transaction's own event follows the
// disclosures committed before it, although the mover had not moved them.
func TestAuditSpoolOrder(t *testing.T) {
	path := sqliteOnly(t)
	ctx := context.Background()
	db := chainStoreAt(t, path)
	for i := range 3 {
		if err := db.Audit(ctx, disclosure(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.SetUserStatus(ctx, "bob@beta.example", entitle.UserDisabled, entitle.AuditEvent{At: chainNow, Actor: "cli",
		Company: "BETA", Action: "user.disable", Object: "bob@beta.example", Outcome: "ok"}); err != nil {
		t.Fatal(err)
	}
	events, err := db.AuditEventsNewest(ctx, "", 0, 4)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range events {
		got = append(got, e.Action+" "+e.Object)
	}
	want := []string{"user.disable bob@beta.example", "entitlement.get SUB-0000002", "entitlement.get SUB-0000001", "entitlement.get SUB-0000000"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("newest events %q, want %q", got, want)
	}
	verifyOK(t, db)
}

// TestAuditSpoolLeftByADeadProcess: events spooled by a process that died
// before moving them are chained by the next Open, exactly once, also when
// the process died between the move's commit and the spool's cleanup; a
// spool made anew (its files deleted) is recognised as another one.
func TestAuditSpoolLeftByADeadProcess(t *testing.T) {
	path := sqliteOnly(t)
	ctx := context.Background()
	db := chainStoreAt(t, path)
	before := int(auditCount(t, db))
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	spool, err := sql.Open("sqlite", "file:"+path+store.SpoolSuffixes[0]+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer spool.Close()
	spoolRow := func(i int) {
		t.Helper()
		e := disclosure(i)
		if _, err := spool.Exec(`INSERT INTO spool_events (at, actor, company, action, object, basis, outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?, '')`,
			e.At.UnixMicro(), e.Actor, e.Company, e.Action, e.Object, string(e.Basis[0]), e.Outcome); err != nil {
			t.Fatal(err)
		}
	}
	// A process died with two events spooled.
	spoolRow(1)
	spoolRow(2)
	db = chainStoreReopen(t, path)
	if got := int(auditCount(t, db)) - before; got != 2 {
		t.Fatalf("after reopening: %d events chained, want the 2 spooled", got)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// A process died after its move committed, before it deleted the
	// moved rows: put them back, as they would have stayed.
	var maxID int64
	if err := spool.QueryRow(`SELECT seq FROM sqlite_sequence WHERE name = 'spool_events'`).Scan(&maxID); err != nil {
		t.Fatal(err)
	}
	e := disclosure(2)
	if _, err := spool.Exec(`INSERT INTO spool_events (id, at, actor, company, action, object, basis, outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '')`,
		maxID, e.At.UnixMicro(), e.Actor, e.Company, e.Action, e.Object, string(e.Basis[0]), e.Outcome); err != nil {
		t.Fatal(err)
	}
	spoolRow(3)
	db = chainStoreReopen(t, path)
	if got := int(auditCount(t, db)) - before; got != 3 {
		t.Fatalf("after a move whose cleanup did not happen: %d events chained, want 3", got)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// The spool's files deleted (an operator's mistake, or a copy without
	// them): a new spool, whose ids start again, is moved from its start.
	spool.Close()
	for _, sfx := range store.SpoolSuffixes {
		os.Remove(path + sfx)
	}
	db = chainStoreReopen(t, path)
	if err := db.Audit(ctx, disclosure(4)); err != nil {
		t.Fatal(err)
	}
	if got := int(auditCount(t, db)) - before; got != 4 {
		t.Fatalf("with a new spool: %d events chained, want 4", got)
	}
	verifyOK(t, db)
}

func chainStoreReopen(t *testing.T, path string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func verifyOK(t *testing.T, db *store.DB) {
	t.Helper()
	v, err := db.VerifyAudit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if v.Problem != nil {
		t.Fatalf("the trail does not verify: %s", v.Problem.Text)
	}
}

// TestAuditSpoolTrimmedByTheNextCommit: events the chain holds leave the
// spool with the audit writer's next group commit (the mover never takes
// the spool's write lock from it), so the spool holds about one interval
// of events however long the store serves.
func TestAuditSpoolTrimmedByTheNextCommit(t *testing.T) {
	path := sqliteOnly(t)
	ctx := context.Background()
	db := chainStoreAt(t, path)
	for round := range 3 {
		for i := range 50 {
			if err := db.Audit(ctx, disclosure(round*100+i)); err != nil {
				t.Fatal(err)
			}
		}
		// A reader of the trail moves the spool into the chain first.
		if _, err := db.AuditEvents(ctx, "", 0, 1); err != nil {
			t.Fatal(err)
		}
		if err := db.Audit(ctx, disclosure(round*100+99)); err != nil {
			t.Fatal(err)
		}
		// The 50 moved are gone; what is left is the last event (or none,
		// had the mover chained it too in between).
		if left := rawCount(t, path+store.SpoolSuffixes[0], "spool_events"); left > 1 {
			t.Fatalf("round %d: %d events left in the spool after the commit that follows a move, want at most 1", round, left)
		}
	}
}
