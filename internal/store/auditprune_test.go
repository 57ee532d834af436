package store_test

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/store"
	"github.com/entitle-portal/entitle/internal/store/storetest"
)

// The tests of audit retention (auditprune.go) and of Cleanup (cleanup.go).

// pruneNow is when the tests prune: after every event of tamperStore.
var pruneNow = chainNow.Add(48 * time.Hour)

// mustPrune prunes the events recorded before chainNow + secs seconds.
func mustPrune(t *testing.T, db *store.DB, secs int, key ed25519.PrivateKey) store.AuditPruneResult {
	t.Helper()
	r, err := db.PruneAudit(context.Background(), chainNow.Add(time.Duration(secs)*time.Second), pruneNow, key, false)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestAuditPrune: a prune removes exactly the events before the date, signs
// a checkpoint of the cut, audits itself after the cut, and leaves a trail
// that verifies (with the operator's key too, not with another) and agrees
// with the checkpoints of before; a dry run and a date with nothing before
// it change nothing; a second, later prune verifies as well.
func TestAuditPrune(t *testing.T) {
	ctx := context.Background()
	db, _, _, cpBefore := tamperStore(t) // events 1..20: 1 and 2 at chainNow, then one a second
	pub, key, _ := ed25519.GenerateKey(nil)
	before := trail(t, db)
	early := store.NewAuditCheckpoint(store.AuditVerification{LastID: 3, LastHash: before[2].Hash, Events: 3}, chainNow, key)

	counts, _ := db.Counts(ctx)
	if r, err := db.PruneAudit(ctx, chainNow.Add(5*time.Second), pruneNow, key, true); err != nil || r.Removed != 6 || r.Checkpoint.LastID != 6 {
		t.Fatalf("dry run: %+v %v", r, err)
	}
	if r := mustPrune(t, db, 0, key); r.Removed != 0 { // nothing recorded before chainNow
		t.Fatalf("nothing to prune: %+v", r)
	}
	if after, _ := db.Counts(ctx); !maps.Equal(after, counts) {
		t.Fatalf("a dry run or an empty prune changed the database: %v, was %v", after, counts)
	}

	r := mustPrune(t, db, 5, key) // events 1..6 are before chainNow+5s
	if r.Removed != 6 || r.Checkpoint.LastID != 6 || r.Checkpoint.Events != 6 || r.Checkpoint.LastHash != fmt.Sprintf("%x", before[5].Hash) ||
		!r.FirstAt.Equal(chainNow) || !r.LastAt.Equal(chainNow.Add(4*time.Second)) {
		t.Errorf("prune: %+v", r)
	}
	if err := r.Checkpoint.Verify(pub); err != nil {
		t.Error(err)
	}
	after := trail(t, db)
	if len(after) != 15 || after[0].ID != 7 {
		t.Fatalf("after the prune: %d events from %d, want 7..21", len(after), after[0].ID)
	}
	for i, e := range after[:14] {
		if b := before[6+i]; e.ID != b.ID || string(e.Hash) != string(b.Hash) || e.Detail != b.Detail {
			t.Errorf("event %d changed by the prune: %+v, was %+v", e.ID, e, b)
		}
	}
	if ev := after[14]; ev.ID != 21 || ev.Action != "audit.prune" || ev.Object != "6" || !strings.Contains(ev.Detail, "removed 6 events, up to event 6") {
		t.Errorf("the prune's event: %+v", ev)
	}
	v := mustVerify(t, db, cpBefore, early)
	if v.Events != 21 || v.LastID != 21 || v.Pruned == nil || *v.Pruned != r.Checkpoint || v.Checkpoints != 1 || v.PrunedCheckpoints != 1 {
		t.Errorf("verify after the prune: %+v", v)
	}
	if v, err := db.VerifyAuditSignedBy(ctx, pub); err != nil || v.Problem != nil {
		t.Errorf("verify with the operator's key: %+v %v", v.Problem, err)
	}
	otherPub, _, _ := ed25519.GenerateKey(nil)
	if v, err := db.VerifyAuditSignedBy(ctx, otherPub); err != nil || v.Problem == nil || v.Problem.Kind != store.AuditPrune {
		t.Errorf("verify with another key: %+v %v", v.Problem, err)
	}
	// A checkpoint at the cut itself must agree with the prune's.
	atCut := store.NewAuditCheckpoint(store.AuditVerification{LastID: 6, LastHash: before[5].Hash, Events: 6}, chainNow, key)
	if v := mustVerify(t, db, atCut); v.Checkpoints != 1 {
		t.Errorf("a checkpoint at the cut: %+v", v)
	}
	wrongAtCut := store.NewAuditCheckpoint(store.AuditVerification{LastID: 6, LastHash: before[4].Hash, Events: 6}, chainNow, key)
	if p := verifyProblem(t, db, wrongAtCut); p == nil || p.Kind != store.AuditRewritten {
		t.Errorf("a checkpoint at the cut that disagrees: %+v", p)
	}

	// Events go on; a second prune, later, cuts after the first.
	auditN(t, db, 3, "BETA")
	r2 := mustPrune(t, db, 10, key) // events 7..11
	if r2.Removed != 5 || r2.Checkpoint.LastID != 11 || r2.Checkpoint.Events != 11 {
		t.Errorf("second prune: %+v", r2)
	}
	if v := mustVerify(t, db, cpBefore); v.Events != 25 || v.Pruned.LastID != 11 {
		t.Errorf("verify after two prunes: %+v", v)
	}
	if got, err := db.AuditPruned(ctx); err != nil || got == nil || *got != r2.Checkpoint {
		t.Errorf("AuditPruned: %+v %v", got, err)
	}
	// The cut stops before the first event at or after the date, though
	// later ones (22..24, audited with an earlier time) are older: event 21,
	// the first prune's, is of pruneNow.
	if r3 := mustPrune(t, db, 3600, key); r3.Removed != 9 || r3.Checkpoint.LastID != 20 {
		t.Errorf("prune up to an event recorded late: %+v", r3)
	}
	// Everything before the date: the trail keeps the prune's own event.
	r4, err := db.PruneAudit(ctx, pruneNow.Add(time.Second), pruneNow, key, false)
	if err != nil || r4.Removed != 6 || r4.Checkpoint.LastID != 26 || r4.Checkpoint.Events != 26 {
		t.Errorf("prune of everything: %+v %v", r4, err)
	}
	if v := mustVerify(t, db); v.Events != 27 || v.LastID != 27 {
		t.Errorf("after pruning everything: %+v", v)
	}
	auditN(t, db, 2, "ACME")
	mustVerify(t, db)
}

// TestAuditPruneRefusesTampering: a trail that does not verify up to the cut
// is not pruned, and nothing changes.
func TestAuditPruneRefusesTampering(t *testing.T) {
	ctx := context.Background()
	db, raw, q, _ := tamperStore(t)
	_, key, _ := ed25519.GenerateKey(nil)
	rawExec(t, raw, q, `UPDATE audit_events SET detail = 'nothing to see' WHERE id = 4`)
	counts, _ := db.Counts(ctx)
	_, err := db.PruneAudit(ctx, chainNow.Add(10*time.Second), pruneNow, key, false)
	var p *store.AuditProblem
	if !errors.As(err, &p) || p.ID != 4 || p.Kind != store.AuditEdited {
		t.Fatalf("prune of a tampered trail: %v", err)
	}
	if after, _ := db.Counts(ctx); !maps.Equal(after, counts) {
		t.Errorf("the refused prune changed the database: %v, was %v", after, counts)
	}
	if p := verifyProblem(t, db); p == nil || p.ID != 4 {
		t.Errorf("after the refusal: %+v", p)
	}
}

// TestAuditPruneTampering: after a prune, tampering still shows: an event
// deleted after the cut, the stored cut changed, a prune record forged
// (without a valid signature; or signed with another key, which only the
// operator's public key tells), the prune record deleted, an event put
// back before the cut.
func TestAuditPruneTampering(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name   string
		tamper func(t *testing.T, f fix2)
		kind   string
		id     int64
		keyed  bool // found only with the operator's public key
	}{
		{"delete the first event after the cut", func(t *testing.T, f fix2) {
			rawExec(t, f.raw, f.q, `DELETE FROM audit_events WHERE id = 7`)
		}, store.AuditDeleted, 7, false},
		{"change the cut's hash", func(t *testing.T, f fix2) {
			f.rewrite(t, func(cp *store.AuditCheckpoint) { cp.LastHash = strings.Repeat("ab", 32) })
		}, store.AuditPrune, 0, false},
		{"move the cut and delete up to it", func(t *testing.T, f fix2) {
			f.rewrite(t, func(cp *store.AuditCheckpoint) { cp.LastID, cp.Events = 9, 9 })
			rawExec(t, f.raw, f.q, `DELETE FROM audit_events WHERE id <= 9`)
		}, store.AuditPrune, 0, false},
		{"forge a prune signed with another key", func(t *testing.T, f fix2) {
			v := f.trail[9] // event 10: cut there, as if pruned
			_, other, _ := ed25519.GenerateKey(nil)
			cp := store.NewAuditCheckpoint(store.AuditVerification{LastID: v.ID, LastHash: v.Hash, Events: 10}, pruneNow, other)
			text, _ := json.Marshal(cp)
			if _, err := f.raw.Exec(f.q(`INSERT INTO audit_prunes (checkpoint, removed) VALUES (?, 4)`), string(text)); err != nil {
				t.Fatal(err)
			}
			rawExec(t, f.raw, f.q, `DELETE FROM audit_events WHERE id <= 10`)
		}, store.AuditPrune, 0, true},
		{"delete the prune record", func(t *testing.T, f fix2) {
			rawExec(t, f.raw, f.q, `DELETE FROM audit_prunes`)
		}, store.AuditDeleted, 1, false},
		{"put an event back before the cut", func(t *testing.T, f fix2) {
			if _, err := f.raw.Exec(f.q(`INSERT INTO audit_events (id, at, actor, action, object, outcome, hash) VALUES (3, 1, 'eve', 'entitlement.get', 'S-1', 'ok', ?)`),
				f.trail[2].Hash); err != nil {
				t.Fatal(err)
			}
		}, store.AuditInserted, 3, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel() // a database each: PostgreSQL makes one in seconds
			db, raw, q, _ := tamperStore(t)
			pub, key, _ := ed25519.GenerateKey(nil)
			f := fix2{raw: raw, q: q, trail: trail(t, db)}
			mustPrune(t, db, 5, key) // events 1..6
			mustVerify(t, db)
			c.tamper(t, f)
			v, err := db.VerifyAudit(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if c.keyed {
				if v.Problem != nil {
					t.Fatalf("without the key: %+v, want nothing found (a valid signature of another key)", *v.Problem)
				}
				if v, err = db.VerifyAuditSignedBy(ctx, pub); err != nil {
					t.Fatal(err)
				}
			}
			if p := v.Problem; p == nil || p.Kind != c.kind || p.ID != c.id {
				t.Fatalf("found %+v, want event %d %s", p, c.id, c.kind)
			}
			if _, err := db.PruneAudit(ctx, chainNow.Add(15*time.Second), pruneNow, key, false); err == nil && !c.keyed {
				t.Error("a tampered trail was pruned again")
			}
		})
	}
}

// fix2 is what a case of TestAuditPruneTampering works on.
type fix2 struct {
	raw   *sql.DB
	q     func(string) string
	trail []entitle.AuditEvent // before the prune
}

// rewrite alters the stored checkpoint of the prune, as someone with access
// to the database but not to the key would: without signing it again.
func (f fix2) rewrite(t *testing.T, alter func(*store.AuditCheckpoint)) {
	t.Helper()
	var text string
	if err := f.raw.QueryRow(`SELECT checkpoint FROM audit_prunes`).Scan(&text); err != nil {
		t.Fatal(err)
	}
	var cp store.AuditCheckpoint
	if err := json.Unmarshal([]byte(text), &cp); err != nil {
		t.Fatal(err)
	}
	alter(&cp)
	b, _ := json.Marshal(cp)
	if _, err := f.raw.Exec(f.q(`UPDATE audit_prunes SET checkpoint = ?`), string(b)); err != nil {
		t.Fatal(err)
	}
}

// TestAuditPruneConcurrent: appends of every kind (hammer) while prunes
// run, each up to the last event then, leave a chain that verifies, with
// every event counted.
func TestAuditPruneConcurrent(t *testing.T) {
	ctx := context.Background()
	db := chainStore(t)
	_, key, _ := ed25519.GenerateKey(nil)
	auditN(t, db, 10, "ACME")
	done := make(chan struct{})
	go func() {
		defer close(done)
		hammer(t, db)
	}()
	var prunes int
	var removed int64
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		// Everything recorded so far is before the date, the prune's own
		// event too: each prune cuts at the end of the trail as it is then.
		r, err := db.PruneAudit(ctx, chainNow.Add(time.Hour), chainNow, key, false)
		if err != nil {
			<-done // the load ends before the store closes
			t.Fatal(err)
		}
		prunes++
		removed += r.Removed
	}
	v := mustVerify(t, db)
	t.Logf("%d prunes removed %d of %d events", prunes, removed, v.Events)
	if prunes < 2 || v.Pruned == nil || v.Events <= removed || v.Events != v.Pruned.Events+int64(len(trail(t, db))) {
		t.Errorf("after %d prunes under load (%d events removed): %+v", prunes, removed, v)
	}
}

// TestCleanup: Cleanup removes exactly what expired or was used, keeps what
// is current, and never touches audit events; running it again removes
// nothing.
func TestCleanup(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.DSN(t)
	db := chainStoreAt(t, dsn)
	raw, q := rawDB(t, dsn)
	now := chainNow.Add(90 * 24 * time.Hour)
	us := func(d time.Duration) int64 { return now.Add(d).UnixMicro() }
	day := 24 * time.Hour
	exec := func(query string, args ...any) {
		t.Helper()
		if _, err := raw.Exec(q(query), args...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}
	const user, company = `(SELECT id FROM users WHERE email = 'ann@acme.example')`, `(SELECT id FROM companies WHERE key = 'ACME')`
	for i, exp := range []time.Duration{-time.Hour, -time.Second, time.Hour} { // two expired, one valid
		exec(`INSERT INTO sessions (hash, user_id, created_at, expires_at, last_seen_at) VALUES (?, `+user+`, ?, ?, ?)`,
			fmt.Sprintf("s%d", i), us(-day), us(exp), us(-day))
	}
	for i, inv := range []struct{ expires, accepted, revoked any }{
		{us(-40 * day), us(-31 * day), nil}, // accepted long ago: removed
		{us(-40 * day), nil, us(-31 * day)}, // revoked long ago: removed
		{us(-31 * day), nil, nil},           // expired long ago, never closed: removed
		{us(-40 * day), us(-29 * day), nil}, // accepted recently: kept
		{us(-day), nil, nil},                // expired recently: kept
		{us(day), nil, nil},                 // open: kept
	} {
		exec(`INSERT INTO invitations (email, company_id, inviter_id, token_hash, created_at, expires_at, accepted_at, revoked_at)
			VALUES (?, `+company+`, `+user+`, ?, ?, ?, ?, ?)`, fmt.Sprintf("i%d@acme.example", i), fmt.Sprintf("t%d", i), us(-50*day), inv.expires, inv.accepted, inv.revoked)
	}
	for i, pr := range []struct{ expires, used any }{{us(-time.Hour), nil}, {us(time.Hour), us(-time.Minute)}, {us(time.Hour), nil}} {
		exec(`INSERT INTO password_resets (user_id, token_hash, created_at, expires_at, used_at) VALUES (`+user+`, ?, ?, ?, ?)`,
			fmt.Sprintf("r%d", i), us(-2*time.Hour), pr.expires, pr.used)
	}
	for i, exp := range []time.Duration{-time.Minute, time.Minute} {
		exec(`INSERT INTO login_challenges (hash, user_id, purpose, created_at, expires_at) VALUES (?, `+user+`, 'login', ?, ?)`,
			fmt.Sprintf("c%d", i), us(-time.Hour), us(exp))
		exec(`INSERT INTO sso_logins (state_hash, binding_hash, company_id, nonce, verifier, next, created_at, expires_at) VALUES (?, 'b', `+company+`, 'n', 'v', '/', ?, ?)`,
			fmt.Sprintf("l%d", i), us(-time.Hour), us(exp))
	}
	for i, start := range []time.Duration{-3 * day, -time.Hour} {
		exec(`INSERT INTO rate_limits (bucket, window_start, hits) VALUES ('b', ?, ?)`, us(start), i+1)
	}
	exec(`INSERT INTO webhooks (id, company_id, url, events, secret, created_at, created_by) VALUES (77, `+company+`, 'https://x.example', '', 's', ?, 'cli')`, us(-50*day))
	for i, d := range []struct {
		state   string
		created time.Duration
	}{{"delivered", -31 * day}, {"failed", -31 * day}, {"pending", -31 * day}, {"delivered", -day}} {
		exec(`INSERT INTO webhook_events (type, subject, at, fanned_out_at) VALUES ('entitlement.created', 'S', ?, ?)`, us(d.created), us(d.created))
		exec(`INSERT INTO webhook_deliveries (public_id, webhook_id, event_id, body, state, next_attempt_at, created_at)
			VALUES (?, 77, (SELECT MAX(id) FROM webhook_events), '{}', ?, ?, ?)`,
			fmt.Sprintf("d%d", i), d.state, us(d.created), us(d.created))
	}
	for i, finished := range []any{us(-91 * day), us(-89 * day), nil} { // finished long ago: removed; recently, running: kept
		exec(`INSERT INTO imports (idempotency_key, body_sha256, format, name, bytes, dry_run, status, requested_by, company, created_at, finished_at, heartbeat_at)
			VALUES (?, 'h', 'jsonl', 'upload.jsonl', 1, ?, 'succeeded', 'cli', 'ACME', ?, ?, ?)`, fmt.Sprintf("k%d", i), false, us(-92*day), finished, us(-92*day))
	}
	auditN(t, db, 3, "ACME")
	v := mustVerify(t, db)

	got, err := db.Cleanup(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	want := store.CleanupCounts{Sessions: 2, Invitations: 3, PasswordResets: 2, LoginChallenges: 1, SSOLogins: 1, RateLimits: 1, WebhookDeliveries: 2, Imports: 1}
	if got != want || got.Total() != 13 {
		t.Errorf("cleanup removed %+v, want %+v", got, want)
	}
	left := func(query string) string {
		var out []string
		rows, err := raw.Query(query)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
		return strings.Join(out, " ")
	}
	for query, want := range map[string]string{
		`SELECT hash FROM sessions ORDER BY hash`:                             "s2",
		`SELECT token_hash FROM invitations ORDER BY token_hash`:              "t3 t4 t5",
		`SELECT token_hash FROM password_resets ORDER BY token_hash`:          "r2",
		`SELECT hash FROM login_challenges`:                                   "c1",
		`SELECT state_hash FROM sso_logins`:                                   "l1",
		`SELECT CAST(hits AS TEXT) FROM rate_limits`:                          "2",
		`SELECT public_id FROM webhook_deliveries ORDER BY public_id`:         "d2 d3",
		`SELECT CAST(COUNT(*) AS TEXT) FROM webhook_events`:                   "2",
		`SELECT idempotency_key FROM imports ORDER BY idempotency_key`:        "k1 k2",
		`SELECT CAST(COUNT(*) AS TEXT) FROM audit_events WHERE action <> 'x'`: fmt.Sprint(v.Events),
	} {
		if got := left(query); got != want {
			t.Errorf("%s: %q left, want %q", query, got, want)
		}
	}
	if v2 := mustVerify(t, db); v2.Events != v.Events {
		t.Errorf("audit events after cleanup: %d, were %d", v2.Events, v.Events)
	}
	if again, err := db.Cleanup(ctx, now); err != nil || again.Total() != 0 {
		t.Errorf("cleanup again: %+v %v", again, err)
	}
}
