package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/entitle-portal/entitle/internal/store"
	"github.com/entitle-portal/entitle/internal/store/storetest"
)

// cliAt is cli with the clock at now.
func cliAt(t *testing.T, now time.Time, db string, args ...string) cliResult {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string {
		if k == "ENTITLE_DB" {
			return db
		}
		return ""
	}
	code := runAt(context.Background(), args, getenv, strings.NewReader(""), &out, &errb, func() time.Time { return now })
	return cliResult{out.String(), errb.String(), code}
}

// writeFileAt writes content to path.
func writeFileAt(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// auditEvents is the number of events 'audit verify' counts.
func auditEvents(t *testing.T, db string) string {
	t.Helper()
	r := cli(t, db, "", "audit", "verify")
	if r.code != 0 {
		t.Fatalf("verify: %s", r.stderr)
	}
	return strings.SplitN(r.stdout, ",", 2)[0]
}

// TestAuditPruneCommand: prune refuses what it should and changes nothing
// then; it removes the old events, prints a checkpoint of the cut signed
// with the key, and audits itself; verify then starts from the cut (with
// the key's public key too, not with another), reports an older checkpoint
// as covered by the prune, and the export begins with the prune's
// checkpoint, from which the chain can be recomputed.
func TestAuditPruneCommand(t *testing.T) {
	db := storetest.DSN(t)
	dir := t.TempDir()
	long := today.AddDate(0, 0, -100) // 2026-02-21
	key, pub, otherPub := filepath.Join(dir, "k.pem"), filepath.Join(dir, "k.pub"), filepath.Join(dir, "o.pub")
	r := cli(t, db, "", "audit", "keygen", "--out", key)
	writeFileAt(t, pub, r.stdout)
	writeFileAt(t, otherPub, cli(t, db, "", "audit", "keygen", "--out", filepath.Join(dir, "o.pem")).stdout)

	// Events 1..3 a hundred days ago, a checkpoint after the first; event 4 today.
	if r := cliAt(t, long, db, "import", writeFile(t, "world.jsonl", world)); r.code != 0 {
		t.Fatal(r.stderr)
	}
	early := cliAt(t, long, db, "audit", "checkpoint", "--key", key).stdout
	for range 2 {
		cliAt(t, long, db, "export", "--company", "SHOP")
	}
	cli(t, db, "", "export", "--company", "SHOP")
	late := cli(t, db, "", "audit", "checkpoint", "--key", key).stdout
	checkpoints := writeFile(t, "cps.jsonl", early+late)

	for name, tc := range map[string]struct {
		args []string
		code int
		want string
	}{
		"no date":         {[]string{"--key", key}, 2, "give --before DATE"},
		"no key":          {[]string{"--before", "2026-03-01"}, 2, "give --key FILE"},
		"not a date":      {[]string{"--before", "March", "--key", key}, 2, `"March" is not a date`},
		"in the future":   {[]string{"--before", "2026-07-01", "--key", key}, 2, "is in the future"},
		"too recent":      {[]string{"--before", "2026-05-01", "--key", key}, 2, "less than 90 days ago (--min-age)"},
		"negative age":    {[]string{"--before", "2026-03-01", "--key", key, "--min-age", "-1"}, 2, "--min-age must be 0 or more"},
		"public key":      {[]string{"--before", "2026-03-01", "--key", pub}, 1, "is not an ed25519 private key"},
		"an argument":     {[]string{"--before", "2026-03-01", "--key", key, "x"}, 2, "takes no arguments"},
		"dry run":         {[]string{"--before", "2026-03-01", "--key", key, "--dry-run"}, 0, "would remove 3 audit events recorded before 2026-03-01T00:00:00Z (2026-02-21T12:00:00Z to 2026-02-21T12:00:00Z), up to event 3 (dry run: nothing changed)"},
		"nothing earlier": {[]string{"--before", "2026-02-01", "--key", key}, 0, "nothing to prune: no audit event still in the trail was recorded before 2026-02-01T00:00:00Z"},
	} {
		r := cli(t, db, "", append([]string{"audit", "prune"}, tc.args...)...)
		if r.code != tc.code || !strings.Contains(r.stderr, tc.want) || r.stdout != "" {
			t.Errorf("%s: exit %d, %q %q; want %d and %q", name, r.code, r.stdout, r.stderr, tc.code, tc.want)
		}
	}
	if n := auditEvents(t, db); n != "audit trail verified: 4 events" {
		t.Fatalf("after the refusals: %s", n)
	}

	// A tampered trail is not pruned.
	rawExec(t, db, `UPDATE audit_events SET detail = detail || 'x' WHERE id = 2`)
	if r := cli(t, db, "", "audit", "prune", "--before", "2026-03-01", "--key", key); r.code != 1 || r.stdout != "" ||
		!strings.Contains(r.stderr, "nothing was pruned: the audit trail does not verify up to the cut: event 2: its contents no longer match its hash") {
		t.Errorf("prune of a tampered trail: %d %q %q", r.code, r.stdout, r.stderr)
	}
	rawExec(t, db, `UPDATE audit_events SET detail = substr(detail, 1, length(detail) - 1) WHERE id = 2`)

	r = cli(t, db, "", "audit", "prune", "--before", "2026-03-01", "--key", key)
	var cp store.AuditCheckpoint
	if err := json.Unmarshal([]byte(r.stdout), &cp); r.code != 0 || err != nil || strings.Count(r.stdout, "\n") != 1 {
		t.Fatalf("prune: %d %q %q %v", r.code, r.stdout, r.stderr, err)
	}
	if cp.LastID != 3 || cp.Events != 3 || !cp.At.Equal(today) || !strings.Contains(r.stderr, "removed 3 audit events recorded before 2026-03-01T00:00:00Z") {
		t.Errorf("prune: %+v %q", cp, r.stderr)
	}
	if r := cli(t, db, "", "audit", "prune", "--before", "2026-03-01", "--key", key); r.code != 0 || !strings.Contains(r.stderr, "nothing to prune") {
		t.Errorf("prune again: %d %q", r.code, r.stderr)
	}

	// verify starts from the cut.
	r = cli(t, db, "", "audit", "verify")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "audit trail verified: 5 events, the last is event 5, hash ") ||
		!strings.Contains(r.stdout, "begins after the prune of 2026-06-01T12:00:00Z: 3 events up to event 3 were removed; its checkpoint is signed by the key it names, "+cp.PublicKey) {
		t.Errorf("verify after the prune: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := cli(t, db, "", "audit", "verify", "--public-key", pub); r.code != 0 || !strings.Contains(r.stdout, "its checkpoint is signed by the key given") {
		t.Errorf("verify with the public key: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := cli(t, db, "", "audit", "verify", "--public-key", otherPub); r.code != 1 || !strings.Contains(r.stderr, "the record of prune 1 (audit_prunes): the checkpoint was signed with another key") {
		t.Errorf("verify with another public key: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = cli(t, db, "", "audit", "verify", "--checkpoint", checkpoints, "--public-key", pub)
	if r.code != 0 || !strings.Contains(r.stdout, "agrees with 1 checkpoint, the latest of 2026-06-01T12:00:00Z up to event 4\n") ||
		!strings.Contains(r.stdout, "1 checkpoint ends before the prune's cut: pruned, covered by the prune's checkpoint\n") {
		t.Errorf("verify against checkpoints from before the prune: %d %q %q", r.code, r.stdout, r.stderr)
	}

	// The export begins with the prune's checkpoint; the chain goes on from it.
	r = cli(t, db, "", "audit", "export")
	first, rest, _ := strings.Cut(r.stdout, "\n")
	var head struct {
		Pruned store.AuditCheckpoint `json:"pruned"`
	}
	if err := json.Unmarshal([]byte(first), &head); err != nil || head.Pruned != cp {
		t.Fatalf("export's first line %q: %v", first, err)
	}
	lines := parseExport(t, rest)
	if len(lines) != 2 || lines[0].ID != 4 || lines[1].Action != "audit.prune" || lines[1].Object != "3" {
		t.Fatalf("export after the prune: %+v", lines)
	}
	prev, _ := hex.DecodeString(head.Pruned.LastHash)
	recomputeFrom(t, prev, lines)
	if r := cli(t, db, "", "audit", "export", "--after", "3"); !strings.HasPrefix(r.stdout, first+"\n") { // from the cut: still the line
		t.Errorf("export --after the cut: %q", r.stdout)
	}
	if r := cli(t, db, "", "audit", "export", "--after", "4"); len(parseExport(t, r.stdout)) != 1 {
		t.Errorf("export after the cut: %q", r.stdout)
	}
}

// TestCleanupCommand: cleanup removes what expired, says how much, and
// finds nothing the second time; serve's schedule does the same and stops.
func TestCleanupCommand(t *testing.T) {
	db := newWorld(t)
	if r := cli(t, db, "a long enough password\n", "user", "add", "--company", "SHOP", "--email", "ann@shop.example", "--name", "Ann", "--password-stdin"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	session := func(hash string, expires time.Time) {
		rawExec(t, db, fmt.Sprintf(`INSERT INTO sessions (hash, user_id, created_at, expires_at, last_seen_at)
			SELECT '%s', id, 0, %d, 0 FROM users WHERE email = 'ann@shop.example'`, hash, expires.UnixMicro()))
	}
	session("old", today.Add(-time.Minute))
	session("current", today.Add(time.Hour))
	before := auditEvents(t, db)
	r := cli(t, db, "", "cleanup")
	if r.code != 0 || !strings.Contains(r.stdout, "     1 expired sessions\n") || !strings.Contains(r.stdout, "     1 rows removed in all\n") {
		t.Errorf("cleanup: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := cli(t, db, "", "cleanup"); r.code != 0 || r.stdout != "nothing to clean up\n" {
		t.Errorf("cleanup again: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := cli(t, db, "", "cleanup", "x"); r.code != 2 {
		t.Errorf("cleanup with an argument: %d %q", r.code, r.stderr)
	}
	if r := cli(t, db, "", "serve", "--cleanup-interval", "-1s"); r.code != 2 || !strings.Contains(r.stderr, "--cleanup-interval must be 0 (off) or more") {
		t.Errorf("serve --cleanup-interval -1s: %d %q", r.code, r.stderr)
	}

	// serve's schedule: at once, logged, and stopped on demand.
	session("old2", today.Add(-time.Minute))
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var logs syncBuffer
	ctx, stop := context.WithCancel(context.Background())
	wait := startCleanup(ctx, st, time.Hour, func() time.Time { return today }, slog.New(slog.NewTextHandler(&logs, nil)))
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "expired_sessions=1") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	wait()
	if !strings.Contains(logs.String(), "msg=cleanup removed=1 expired_sessions=1") {
		t.Errorf("serve's cleanup logged %q", logs.String())
	}
	if after := auditEvents(t, db); after != before {
		t.Errorf("cleanup changed the audit trail: %s, was %s", after, before)
	}
}
