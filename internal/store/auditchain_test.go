package store_test

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/store"
	"github.com/entitle-portal/entitle/internal/store/storetest"
)

// The audit chain's tests (auditchain.go): the chain holds under every way
// of appending, on both backends and from two store handles at once; verify
// names the first bad event of a trail tampered with in each way; old events
// are chained by the migration; checkpoints sign and check.

var chainNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// chainStore is a fresh store on the run's backend with two companies and
// a user of each: enough for events of companies and for store methods that
// audit inside their own transactions.
func chainStore(tb testing.TB) *store.DB {
	tb.Helper()
	return chainStoreAt(tb, storetest.DSN(tb))
}

// chainStoreAt is chainStore on the database dsn.
func chainStoreAt(tb testing.TB, dsn string) *store.DB {
	tb.Helper()
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	ctx := context.Background()
	company := func(line int, key string, kind entitle.Kind) entitle.Sourced[entitle.Company] {
		return entitle.Sourced[entitle.Company]{File: "companies.jsonl", Line: line, Record: entitle.Company{Key: key, Name: key + " Inc.", Kind: kind}}
	}
	_, ps, err := db.Import(ctx, entitle.Batch{Companies: []entitle.Sourced[entitle.Company]{
		company(1, "VENDOR", entitle.KindVendor), company(2, "ACME", entitle.KindReseller), company(3, "BETA", entitle.KindCustomer),
	}}, entitle.ImportOptions{}, chainNow)
	if err != nil || len(ps) > 0 {
		tb.Fatal(err, ps)
	}
	for _, u := range []entitle.User{
		{Email: "ann@acme.example", Name: "Ann", Company: "ACME", Admin: true, Status: entitle.UserActive},
		{Email: "bob@beta.example", Name: "Bob", Company: "BETA", Status: entitle.UserActive},
	} {
		if _, err := db.AddUser(ctx, u, "hash", chainNow); err != nil {
			tb.Fatal(err)
		}
	}
	return db
}

// migrator is goose on the raw database of the run's backend, with the
// store's migrations: for tests that start from an older schema version
// (UpTo) or go back to one (DownTo).
func migrator(t *testing.T, raw *sql.DB) *goose.Provider {
	t.Helper()
	p, err := store.Migrator(raw, storetest.Backend())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// rawDB opens the store's database directly, for tampering as someone with
// access to the database would; q rebinds ? placeholders for the backend.
func rawDB(t *testing.T, dsn string) (*sql.DB, func(string) string) {
	t.Helper()
	driver, path, q := "sqlite", "file:"+filepath.ToSlash(dsn)+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)", func(s string) string { return s }
	if storetest.Backend() == "postgres" {
		driver, path = "pgx", dsn
		q = func(s string) string {
			var out strings.Builder
			n := 0
			for _, r := range s {
				if r == '?' {
					n++
					fmt.Fprintf(&out, "$%d", n)
					continue
				}
				out.WriteRune(r)
			}
			return out.String()
		}
	}
	raw, err := sql.Open(driver, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw, q
}

// rawExec runs statements on raw, failing the test on an error.
func rawExec(t *testing.T, raw *sql.DB, q func(string) string, stmts ...string) {
	t.Helper()
	for _, s := range stmts {
		if _, err := raw.Exec(q(s)); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// outsideHash is the chain's hash written anew from the description in
// auditchain.go, as an outside auditor would: SHA-256 of the previous hash
// and the event's fields, integers as 8 bytes big-endian, strings prefixed
// with their length as 4 bytes big-endian.
func outsideHash(prev []byte, e entitle.AuditEvent) []byte {
	h := sha256.New()
	h.Write(prev)
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(e.ID))
	h.Write(n[:])
	binary.BigEndian.PutUint64(n[:], uint64(e.At.UnixMicro()))
	h.Write(n[:])
	basis := make([]string, len(e.Basis))
	for i, b := range e.Basis {
		basis[i] = string(b)
	}
	for _, s := range []string{e.Actor, e.Company, e.Action, e.Object, strings.Join(basis, ","), e.Outcome, e.Detail} {
		var l [4]byte
		binary.BigEndian.PutUint32(l[:], uint32(len(s)))
		h.Write(l[:])
		h.Write([]byte(s))
	}
	return h.Sum(nil)
}

// trail reads the whole trail through AuditEvents.
func trail(t *testing.T, db *store.DB) []entitle.AuditEvent {
	t.Helper()
	var out []entitle.AuditEvent
	var after int64
	for {
		page, err := db.AuditEvents(context.Background(), "", after, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			return out
		}
		out = append(out, page...)
		after = page[len(page)-1].ID
	}
}

// mustVerify checks that the trail verifies, both by VerifyAudit and by
// recomputing every hash outside the store, and returns the verification.
func mustVerify(t *testing.T, db *store.DB, cps ...store.AuditCheckpoint) store.AuditVerification {
	t.Helper()
	v, err := db.VerifyAudit(context.Background(), cps...)
	if err != nil {
		t.Fatal(err)
	}
	if v.Problem != nil {
		t.Fatalf("the trail does not verify: %+v", *v.Problem)
	}
	events := trail(t, db)
	prev, pruned := make([]byte, 32), int64(0)
	if v.Pruned != nil { // the chain begins after the prune's cut
		prev, _ = hex.DecodeString(v.Pruned.LastHash)
		pruned = v.Pruned.Events
	}
	for _, e := range events {
		if want := outsideHash(prev, e); string(want) != string(e.Hash) {
			t.Fatalf("event %d: hash %x, recomputed from the documented encoding %x", e.ID, e.Hash, want)
		}
		prev = e.Hash
	}
	if v.Events != pruned+int64(len(events)) || len(events) > 0 && (v.LastID != events[len(events)-1].ID || string(v.LastHash) != string(prev)) {
		t.Fatalf("verification %+v, but the trail has %d events ending with %d", v, len(events), v.LastID)
	}
	return v
}

// verifyProblem verifies the trail and returns what it found (nil: nothing).
func verifyProblem(t *testing.T, db *store.DB, cps ...store.AuditCheckpoint) *store.AuditProblem {
	t.Helper()
	v, err := db.VerifyAudit(context.Background(), cps...)
	if err != nil {
		t.Fatal(err)
	}
	return v.Problem
}

func auditN(t *testing.T, db *store.DB, n int, company string) {
	t.Helper()
	for i := range n {
		if err := db.Audit(context.Background(), entitle.AuditEvent{At: chainNow.Add(time.Duration(i) * time.Second), Actor: "ann@acme.example",
			Company: company, Action: "entitlement.get", Object: fmt.Sprintf("S-%d", i), Basis: []entitle.Basis{entitle.BasisReseller}, Outcome: "ok"}); err != nil {
			t.Fatal(err)
		}
	}
}

// hammer appends from every handle at once, in every way there is: group
// commits from many goroutines, store methods that audit inside their own
// transactions (one of them twice in one transaction), and an import.
func hammer(t *testing.T, dbs ...*store.DB) {
	t.Helper()
	ctx := context.Background()
	var wg sync.WaitGroup
	bob, err := dbs[0].UserByEmail(ctx, "bob@beta.example")
	if err != nil {
		t.Fatal(err)
	}
	ok := func(entitle.UserRecord, int) error { return nil }
	for h, db := range dbs {
		for g := range 6 {
			wg.Go(func() {
				for i := range 30 {
					err := db.Audit(ctx, entitle.AuditEvent{At: chainNow, Actor: "ann@acme.example", Company: []string{"ACME", "BETA", ""}[i%3],
						Action: "entitlement.list", Object: fmt.Sprintf("h%d g%d i%d", h, g, i), Outcome: "ok"})
					if err != nil {
						t.Errorf("audit: %v", err)
						return
					}
				}
			})
		}
		wg.Go(func() {
			for i := range 10 {
				status, admin := entitle.UserActive, i%2 == 0
				if i%2 == 0 {
					status = entitle.UserDisabled
				}
				// Status and admin: two events in one transaction, when both change.
				if _, err := db.ChangeUser(ctx, bob.ID, entitle.UserChange{Status: &status, Admin: &admin}, ok,
					entitle.AuditEvent{At: chainNow, Actor: "cli", Company: "BETA", Outcome: "ok"}); err != nil {
					t.Errorf("change user: %v", err)
					return
				}
			}
		})
		wg.Go(func() {
			for i := range 10 {
				if err := db.CreateSession(ctx, bob.ID, fmt.Sprintf("session-%d-%d", h, i), "", entitle.SessionMeta{}, chainNow, chainNow.Add(time.Hour),
					entitle.AuditEvent{At: chainNow, Actor: "bob@beta.example", Company: "BETA", Action: "login", Outcome: "ok"}); err != nil {
					t.Errorf("session: %v", err)
					return
				}
			}
		})
		wg.Go(func() {
			if _, ps, err := db.Import(ctx, entitle.Batch{Companies: []entitle.Sourced[entitle.Company]{{File: "c.jsonl", Line: 1,
				Record: entitle.Company{Key: fmt.Sprintf("NEW%d", h), Name: "New", Kind: entitle.KindCustomer}}}}, entitle.ImportOptions{}, chainNow); err != nil || len(ps) > 0 {
				t.Errorf("import: %v %v", err, ps)
				return
			}
		})
	}
	wg.Wait()
}

// TestAuditChainMixedAppends: after appends of every kind at once, the
// trail verifies, its ids run 1, 2, 3… without a gap, and every hash is the
// documented one.
func TestAuditChainMixedAppends(t *testing.T) {
	db := chainStore(t)
	hammer(t, db)
	v := mustVerify(t, db)
	for i, e := range trail(t, db) {
		if e.ID != int64(i+1) {
			t.Fatalf("event %d has id %d: ids have a gap", i+1, e.ID)
		}
	}
	if v.Events < 1+6*30+10+1 {
		t.Errorf("%d events", v.Events)
	}
}

// TestAuditChainTwoHandles: two store handles on one database (two server
// processes) appending at once keep one chain.
func TestAuditChainTwoHandles(t *testing.T) {
	dsn := storetest.DSN(t)
	first := chainStoreAt(t, dsn)
	second, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	before := mustVerify(t, first).Events
	hammer(t, first, second)
	v := mustVerify(t, second)
	counts, err := first.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if v.Events != counts["audit_events"] || v.LastID != v.Events || v.Events < before+2*(6*30+10+1) {
		t.Errorf("verified %d events up to %d; %d in the table", v.Events, v.LastID, counts["audit_events"])
	}
}

// TestAuditChainRetries: transactions that audit and lose races (on
// PostgreSQL: serialization failures on one user's row, from two handles)
// are run again, appending their events anew; nothing is lost or doubled.
func TestAuditChainRetries(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.DSN(t)
	first := chainStoreAt(t, dsn)
	second, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	before := mustVerify(t, first).Events
	var wg sync.WaitGroup
	for i := range 8 {
		db := []*store.DB{first, second}[i%2]
		wg.Go(func() {
			for j := range 5 {
				status := []entitle.UserStatus{entitle.UserActive, entitle.UserDisabled}[(i+j)%2]
				if err := db.SetUserStatus(ctx, "bob@beta.example", status, entitle.AuditEvent{At: chainNow, Actor: "cli", Company: "BETA",
					Action: "user.status", Object: fmt.Sprintf("%d-%d", i, j), Outcome: "ok"}); err != nil {
					t.Errorf("set status: %v", err)
				}
			}
		})
	}
	wg.Wait()
	if v := mustVerify(t, second); v.Events != before+8*5 {
		t.Errorf("%d events, want %d", v.Events, before+8*5)
	}
}

// TestAuditImportUnderLoad: an import (a long write transaction) commits
// while disclosures are audited all the time; on PostgreSQL, a transaction
// that audits must not conflict with every append made since it began.
func TestAuditImportUnderLoad(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	ds := generated(0.002, 31)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var n atomic.Int64
	for g := range 8 {
		wg.Go(func() {
			// At most 2,000 each: on SQLite disclosures go to the audit
			// spool and no longer wait for the import, and an unbounded
			// loop appends hundreds of thousands of events.
			for i := 0; i < 2000; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if err := db.Audit(ctx, entitle.AuditEvent{At: chainNow, Actor: "cli", Action: "entitlement.get", Object: fmt.Sprintf("%d-%d", g, i), Outcome: "ok"}); err != nil {
					t.Errorf("audit: %v", err)
					return
				}
				n.Add(1)
			}
		})
	}
	time.Sleep(50 * time.Millisecond)
	for range 3 {
		if _, ps, err := db.Import(ctx, ds.Batch, entitle.ImportOptions{}, chainNow); err != nil || len(ps) > 0 {
			t.Errorf("import under load: %v %v", err, ps)
		}
		if err := db.SetUserStatus(ctx, "nobody@example.com", entitle.UserActive, entitle.AuditEvent{At: chainNow, Outcome: "ok"}); err != entitle.ErrNotFound {
			t.Errorf("set status of nobody: %v", err)
		}
	}
	close(stop)
	wg.Wait()
	v := mustVerify(t, db)
	t.Logf("%d events appended during 3 imports; %d in the trail", n.Load(), v.Events)
}

// tamperStore is a store with 20 events, ids 1 to 20, and a checkpoint of
// them.
func tamperStore(t *testing.T) (*store.DB, *sql.DB, func(string) string, store.AuditCheckpoint) {
	t.Helper()
	dsn := storetest.DSN(t)
	db := chainStoreAt(t, dsn)
	auditN(t, db, 19, "ACME")
	v := mustVerify(t, db)
	if v.Events != 20 || v.LastID != 20 {
		t.Fatalf("%d events up to %d, want 20", v.Events, v.LastID)
	}
	_, key, _ := ed25519.GenerateKey(nil)
	raw, q := rawDB(t, dsn)
	return db, raw, q, store.NewAuditCheckpoint(v, chainNow, key)
}

// TestAuditTampering: every way of changing the trail behind the store's
// back is found, and verify names the first bad event.
func TestAuditTampering(t *testing.T) {
	type fix struct {
		raw *sql.DB
		q   func(string) string
		db  *store.DB
	}
	for _, c := range []struct {
		name   string
		tamper func(t *testing.T, f fix)
		id     int64
		kind   string
		onlyCP bool // found only against the checkpoint (the head was fixed up too)
	}{
		{"edit a field", func(t *testing.T, f fix) {
			rawExec(t, f.raw, f.q, `UPDATE audit_events SET detail = 'nothing to see' WHERE id = 7`)
		}, 7, store.AuditEdited, false},
		{"edit the time", func(t *testing.T, f fix) {
			rawExec(t, f.raw, f.q, `UPDATE audit_events SET at = at + 1 WHERE id = 12`)
		}, 12, store.AuditEdited, false},
		{"move an event to another company", func(t *testing.T, f fix) {
			rawExec(t, f.raw, f.q, `UPDATE audit_events SET company_id = (SELECT id FROM companies WHERE key = 'BETA') WHERE id = 9`)
		}, 9, store.AuditEdited, false},
		{"rename a company", func(t *testing.T, f fix) {
			rawExec(t, f.raw, f.q, `UPDATE companies SET key = 'ACME2' WHERE key = 'ACME'`)
		}, 2, store.AuditChanged, false}, // every event of ACME changed: nothing to tell an edit from an insertion
		{"delete a middle event", func(t *testing.T, f fix) {
			rawExec(t, f.raw, f.q, `DELETE FROM audit_events WHERE id = 7`)
		}, 7, store.AuditDeleted, false},
		{"delete the first event", func(t *testing.T, f fix) {
			rawExec(t, f.raw, f.q, `DELETE FROM audit_events WHERE id = 1`)
		}, 1, store.AuditDeleted, false},
		{"insert a forged event without a hash", func(t *testing.T, f fix) {
			rawExec(t, f.raw, f.q, `INSERT INTO audit_events (id, at, actor, action, object, outcome) VALUES (21, 1, 'eve', 'entitlement.get', 'S-1', 'ok')`)
		}, 21, store.AuditInserted, false},
		{"insert a forged event with a made-up hash", func(t *testing.T, f fix) {
			if _, err := f.raw.Exec(f.q(`INSERT INTO audit_events (id, at, actor, action, object, outcome, hash) VALUES (21, 1, 'eve', 'entitlement.get', 'S-1', 'ok', ?)`),
				make([]byte, 32)); err != nil {
				t.Fatal(err)
			}
		}, 21, store.AuditChanged, false},
		{"swap two events' contents", func(t *testing.T, f fix) { swapEvents(t, f.raw, f.q, 5, 7, false) }, 5, store.AuditEdited, false},
		{"swap two events, hashes and all", func(t *testing.T, f fix) { swapEvents(t, f.raw, f.q, 5, 7, true) }, 5, store.AuditChanged, false},
		{"truncate the tail", func(t *testing.T, f fix) {
			rawExec(t, f.raw, f.q, `DELETE FROM audit_events WHERE id > 15`)
		}, 16, store.AuditTruncated, false},
		{"truncate the tail and set the head back", func(t *testing.T, f fix) {
			rawExec(t, f.raw, f.q, `DELETE FROM audit_events WHERE id > 15`,
				`UPDATE audit_chain SET last_id = 15, last_hash = (SELECT hash FROM audit_events WHERE id = 15)`)
		}, 16, store.AuditTruncated, true},
		{"delete the head row", func(t *testing.T, f fix) {
			rawExec(t, f.raw, f.q, `DELETE FROM audit_chain`)
		}, 0, store.AuditHead, false},
		{"edit the last event and hash it again", func(t *testing.T, f fix) {
			rawExec(t, f.raw, f.q, `UPDATE audit_events SET outcome = 'denied' WHERE id = 20`)
			rehash(t, f.db, f.raw, f.q, 20, false)
		}, 20, store.AuditHead, false},
		{"edit an event and rewrite the chain after it", func(t *testing.T, f fix) {
			rawExec(t, f.raw, f.q, `UPDATE audit_events SET outcome = 'denied' WHERE id = 3`)
			rehash(t, f.db, f.raw, f.q, 3, true)
		}, 20, store.AuditRewritten, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			db, raw, q, cp := tamperStore(t)
			c.tamper(t, fix{raw, q, db})
			p := verifyProblem(t, db)
			if c.onlyCP {
				if p != nil {
					t.Fatalf("without the checkpoint: %+v, want nothing found (the head was fixed up too)", *p)
				}
				p = verifyProblem(t, db, cp)
			}
			if p == nil {
				t.Fatalf("nothing found, want event %d %s", c.id, c.kind)
			}
			if p.ID != c.id || p.Kind != c.kind {
				t.Errorf("found event %d %s (%s), want event %d %s", p.ID, p.Kind, p.Text, c.id, c.kind)
			}
			t.Logf("%s", p.Text)
		})
	}
}

// swapEvents exchanges the contents of events a and b, and their hashes
// too when withHash.
func swapEvents(t *testing.T, raw *sql.DB, q func(string) string, a, b int64, withHash bool) {
	t.Helper()
	cols := "at, actor, company_id, action, object, basis, outcome, detail"
	if withHash {
		cols += ", hash"
	}
	read := func(id int64) []any {
		vals := make([]any, len(strings.Split(cols, ",")))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := raw.QueryRow(q(`SELECT `+cols+` FROM audit_events WHERE id = ?`), id).Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		return vals
	}
	va, vb := read(a), read(b)
	set := strings.Join(strings.Split(cols, ","), " = ?,") + " = ?"
	for _, w := range []struct {
		id   int64
		vals []any
	}{{a, vb}, {b, va}} {
		if _, err := raw.Exec(q(`UPDATE audit_events SET `+set+` WHERE id = ?`), append(w.vals, w.id)...); err != nil {
			t.Fatal(err)
		}
	}
}

// rehash recomputes the hash of event from (and, when onward, of every
// event after it, and the head) as someone who knows the encoding would.
func rehash(t *testing.T, db *store.DB, raw *sql.DB, q func(string) string, from int64, onward bool) {
	t.Helper()
	prev := make([]byte, 32)
	for _, e := range trail(t, db) {
		if e.ID >= from && (onward || e.ID == from) {
			e.Hash = outsideHash(prev, e)
			if _, err := raw.Exec(q(`UPDATE audit_events SET hash = ? WHERE id = ?`), e.Hash, e.ID); err != nil {
				t.Fatal(err)
			}
			if onward {
				if _, err := raw.Exec(q(`UPDATE audit_chain SET last_id = ?, last_hash = ?`), e.ID, e.Hash); err != nil {
					t.Fatal(err)
				}
			}
		}
		prev = e.Hash
	}
}

// TestAuditCheckpoints: a checkpoint signs and checks; one altered, or of
// another key, does not; a trail that goes on after it agrees with it, one
// cut below it (head fixed up) or of another database does not.
func TestAuditCheckpoints(t *testing.T) {
	ctx := context.Background()
	db, raw, q, _ := tamperStore(t)
	pub, key, _ := ed25519.GenerateKey(nil)
	v := mustVerify(t, db)
	cp := store.NewAuditCheckpoint(v, chainNow.Add(123456789*time.Nanosecond), key)
	if err := cp.Verify(pub); err != nil {
		t.Fatal(err)
	}
	if cp.LastID != 20 || cp.Events != 20 || cp.LastHash != hex.EncodeToString(v.LastHash) {
		t.Errorf("checkpoint %+v of %+v", cp, v)
	}
	otherPub, otherKey, _ := ed25519.GenerateKey(nil)
	if err := cp.Verify(otherPub); err == nil || !strings.Contains(err.Error(), "another key") {
		t.Errorf("checked with another key: %v", err)
	}
	forged := store.NewAuditCheckpoint(store.AuditVerification{LastID: 3, LastHash: make([]byte, 32), Events: 3}, chainNow, otherKey)
	forged.PublicKey = cp.PublicKey // claims to be the operator's
	if err := forged.Verify(pub); err == nil || !strings.Contains(err.Error(), "signature is not valid") {
		t.Errorf("a checkpoint signed with another key that names ours: %v", err)
	}
	for name, alter := range map[string]func(*store.AuditCheckpoint){
		"last_id":   func(c *store.AuditCheckpoint) { c.LastID-- },
		"last_hash": func(c *store.AuditCheckpoint) { c.LastHash = strings.Repeat("0", 64) },
		"events":    func(c *store.AuditCheckpoint) { c.Events++ },
		"at":        func(c *store.AuditCheckpoint) { c.At = c.At.Add(time.Nanosecond) },
	} {
		c := cp
		alter(&c)
		if err := c.Verify(pub); err == nil {
			t.Errorf("%s altered: verified", name)
		}
	}

	// The trail goes on: the checkpoint still holds.
	auditN(t, db, 5, "BETA")
	if v := mustVerify(t, db, cp); v.Checkpoints != 1 || v.Events != 25 {
		t.Errorf("after 5 more events: %+v", v)
	}
	// An empty trail's checkpoint holds for any trail.
	empty := store.NewAuditCheckpoint(store.AuditVerification{}, chainNow, key)
	if err := empty.Verify(pub); err != nil {
		t.Fatal(err)
	}
	mustVerify(t, db, empty, cp)

	// A checkpoint of another trail, longer or as long.
	other := chainStore(t)
	auditN(t, other, 30, "")
	longer := store.NewAuditCheckpoint(mustVerify(t, other), chainNow, key)
	if p := verifyProblem(t, db, longer); p == nil || p.Kind != store.AuditTruncated || p.ID != 26 {
		t.Errorf("checkpoint of a longer trail: %+v", p)
	}
	otherV, err := other.VerifyAudit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	otherV.LastID, otherV.Events = 25, 25 // as long as ours, different events
	rows, _ := other.AuditEvents(ctx, "", 24, 1)
	otherV.LastHash = rows[0].Hash
	if p := verifyProblem(t, db, store.NewAuditCheckpoint(otherV, chainNow, key)); p == nil || p.Kind != store.AuditRewritten || p.ID != 25 {
		t.Errorf("checkpoint of another trail as long: %+v", p)
	}

	// Cut below the checkpoint, head set back: only the checkpoint knows.
	rawExec(t, raw, q, `DELETE FROM audit_events WHERE id > 12`,
		`UPDATE audit_chain SET last_id = 12, last_hash = (SELECT hash FROM audit_events WHERE id = 12)`)
	if p := verifyProblem(t, db); p != nil {
		t.Fatalf("without the checkpoint: %+v", *p)
	}
	if p := verifyProblem(t, db, cp); p == nil || p.Kind != store.AuditTruncated || p.ID != 13 {
		t.Errorf("cut below the checkpoint: %+v", p)
	}
	// The store goes on after the cut as after any end; once the trail is
	// as long as the checkpoint's again, it disagrees with it.
	auditN(t, db, 8, "")
	if p := verifyProblem(t, db); p != nil {
		t.Fatalf("without the checkpoint: %+v", *p)
	}
	if p := verifyProblem(t, db, cp); p == nil || p.Kind != store.AuditRewritten || p.ID != 20 {
		t.Errorf("cut below the checkpoint, then as many events again: %+v", p)
	}
}

// TestAuditChainMigration: events written before the chain (schema version
// 4, ids with gaps) are chained when the store opens, in batches, once;
// new events go on from them without gaps; tampering among the old events
// is found too.
func TestAuditChainMigration(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.DSN(t)
	raw, q := rawDB(t, dsn)
	if _, err := migrator(t, raw).UpTo(ctx, 4); err != nil {
		t.Fatal(err)
	}
	var acme int64
	if err := raw.QueryRow(q(`INSERT INTO companies (key, name, kind) VALUES ('ACME', 'Acme', 'reseller') RETURNING id`)).Scan(&acme); err != nil {
		t.Fatal(err)
	}
	const old = 12000 // more than one batch; ids 3, 6, 9, … (gaps, as a sequence may leave)
	if _, err := raw.Exec(q(`WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < ?)
		INSERT INTO audit_events (id, at, actor, company_id, action, object, basis, outcome, detail)
		SELECT 3 * k, 1780000000000000 + k, 'old@acme.example', CASE WHEN k % 2 = 0 THEN CAST(? AS BIGINT) END,
			'entitlement.get', 'S-' || k, 'reseller', 'ok', '' FROM n`), old, acme); err != nil {
		t.Fatal(err)
	}

	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	v := mustVerify(t, db)
	if v.Events != old || v.LastID != 3*old {
		t.Fatalf("after the migration: %+v", v)
	}
	var lastID, gapless int64
	if err := raw.QueryRow(`SELECT last_id, gapless_from FROM audit_chain`).Scan(&lastID, &gapless); err != nil || lastID != 3*old || gapless != 3*old+1 {
		t.Fatalf("head %d, gapless from %d (%v)", lastID, gapless, err)
	}
	auditN(t, db, 3, "ACME")
	v = mustVerify(t, db)
	if v.Events != old+3 || v.LastID != 3*old+3 {
		t.Fatalf("after 3 new events: %+v", v)
	}
	// Opening again changes nothing.
	again, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if w := mustVerify(t, again); string(w.LastHash) != string(v.LastHash) || w.Events != v.Events {
		t.Errorf("after opening again: %+v, was %+v", w, v)
	}
	again.Close()

	// Among the old events, ids have gaps: a forged event fits in one, and
	// a deleted one leaves no gap to see, but the chain breaks.
	for _, c := range []struct {
		name      string
		do, undo  []string
		args      []any
		id        int64
		kind      string
		reopenToo bool
	}{
		{"forged in a gap, without hash", []string{`INSERT INTO audit_events (id, at, actor, action, outcome) VALUES (301, 1, 'eve', 'x', 'ok')`},
			[]string{`DELETE FROM audit_events WHERE id = 301`}, nil, 301, store.AuditInserted, true},
		{"forged in a gap, with a made-up hash", []string{`INSERT INTO audit_events (id, at, actor, action, outcome, hash) VALUES (301, 1, 'eve', 'x', 'ok', ` + zeroHash() + `)`},
			[]string{`DELETE FROM audit_events WHERE id = 301`}, nil, 301, store.AuditInserted, false},
		{"an old event deleted", []string{`CREATE TABLE saved AS SELECT * FROM audit_events WHERE id = 300`, `DELETE FROM audit_events WHERE id = 300`},
			[]string{`INSERT INTO audit_events SELECT * FROM saved`, `DROP TABLE saved`}, nil, 303, store.AuditChanged, false},
		{"the last old event deleted", []string{`CREATE TABLE saved AS SELECT * FROM audit_events WHERE id = 36000`, `DELETE FROM audit_events WHERE id = 36000`},
			[]string{`INSERT INTO audit_events SELECT * FROM saved`, `DROP TABLE saved`}, nil, 36000, store.AuditDeleted, false},
	} {
		rawExec(t, raw, q, c.do...)
		if p := verifyProblem(t, db); p == nil || p.ID != c.id || p.Kind != c.kind {
			t.Errorf("%s: found %+v, want event %d %s", c.name, p, c.id, c.kind)
		}
		if c.reopenToo { // Open leaves an event it did not expect alone
			again, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			if p := verifyProblem(t, again); p == nil || p.ID != c.id {
				t.Errorf("%s, opened again: found %+v", c.name, p)
			}
			again.Close()
		}
		rawExec(t, raw, q, c.undo...)
		mustVerify(t, db)
	}
}

func zeroHash() string {
	if storetest.Backend() == "postgres" {
		return `decode(repeat('00', 32), 'hex')`
	}
	return `zeroblob(32)`
}

// BenchmarkAudit is the cost of recording audit events: one Audit call at a
// time (a commit each), many at once (group commit), and an event appended
// inside a store method's own write transaction (SetUserStatus).
//
//	go test -run '^$' -bench 'Audit' -benchtime 2s ./internal/store/
func BenchmarkAudit(b *testing.B) {
	ev := func(i int) entitle.AuditEvent {
		return entitle.AuditEvent{At: chainNow.Add(time.Duration(i) * time.Microsecond), Actor: "ann@acme.example", Company: "ACME",
			Action: "entitlement.get", Object: fmt.Sprintf("S-%d", i), Basis: []entitle.Basis{"reseller"}, Outcome: "ok"}
	}
	b.Run("serial", func(b *testing.B) {
		db := chainStore(b)
		ctx := context.Background()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := db.Audit(ctx, ev(i)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		db := chainStore(b)
		ctx := context.Background()
		var n atomic.Int64
		b.SetParallelism(8) // × GOMAXPROCS goroutines
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := db.Audit(ctx, ev(int(n.Add(1)))); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("in-transaction", func(b *testing.B) {
		db := chainStore(b)
		ctx := context.Background()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			status := entitle.UserActive
			if i%2 == 0 {
				status = entitle.UserDisabled
			}
			if err := db.SetUserStatus(ctx, "bob@beta.example", status, entitle.AuditEvent{At: chainNow, Actor: "cli", Company: "BETA",
				Action: "user.status", Object: "bob@beta.example", Outcome: "ok", Detail: string(status)}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
