package main

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/entitle-portal/entitle/internal/store"
	"github.com/entitle-portal/entitle/internal/store/storetest"
)

// A key made by 'openssl genpkey -algorithm ed25519', and its public key
// from 'openssl pkey -pubout': checkpoints accept keys from elsewhere.
const (
	opensslKey = `-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIKIK+x6azslvcAmA57eLsDwsyKX5TybEpE7+aGdUIiA5
-----END PRIVATE KEY-----
`
	opensslPub = `-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAwfBTEmr255WfFWdVlBXqKX7uhf3JT3fsZ+4J+ytpIDU=
-----END PUBLIC KEY-----
`
)

// exportLine is a line of 'audit export'.
type exportLine struct {
	ID      int64    `json:"id"`
	At      string   `json:"at"`
	Actor   string   `json:"actor"`
	Company string   `json:"company"`
	Action  string   `json:"action"`
	Object  string   `json:"object"`
	Basis   []string `json:"basis"`
	Outcome string   `json:"outcome"`
	Detail  string   `json:"detail"`
	Hash    string   `json:"hash"`
}

func parseExport(t *testing.T, out string) []exportLine {
	t.Helper()
	var lines []exportLine
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	for dec.More() {
		var l exportLine
		if err := dec.Decode(&l); err != nil {
			t.Fatalf("%v in:\n%s", err, out)
		}
		lines = append(lines, l)
	}
	return lines
}

// recompute checks the chain of a whole export as an outside auditor would,
// from the encoding documented in internal/store/auditchain.go.
func recompute(t *testing.T, lines []exportLine) {
	t.Helper()
	recomputeFrom(t, make([]byte, 32), lines)
}

// recomputeFrom is recompute of an export whose first event follows the
// hash prev (a pruned trail's: the prune's checkpoint's last_hash).
func recomputeFrom(t *testing.T, prev []byte, lines []exportLine) {
	t.Helper()
	for _, l := range lines {
		at, err := time.Parse(time.RFC3339Nano, l.At)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		h.Write(prev)
		h.Write(binary.BigEndian.AppendUint64(nil, uint64(l.ID)))
		h.Write(binary.BigEndian.AppendUint64(nil, uint64(at.UnixMicro())))
		for _, s := range []string{l.Actor, l.Company, l.Action, l.Object, strings.Join(l.Basis, ","), l.Outcome, l.Detail} {
			h.Write(binary.BigEndian.AppendUint32(nil, uint32(len(s))))
			h.Write([]byte(s))
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != l.Hash {
			t.Fatalf("event %d: exported hash %s, recomputed %s", l.ID, l.Hash, got)
		}
		prev = h.Sum(nil)
	}
}

// rawExec changes the database behind the store's back.
func rawExec(t *testing.T, dsn string, stmts ...string) {
	t.Helper()
	driver, path := "sqlite", "file:"+filepath.ToSlash(dsn)+"?_pragma=busy_timeout(10000)"
	if storetest.Backend() == "postgres" {
		driver, path = "pgx", dsn
	}
	raw, err := sql.Open(driver, path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, s := range stmts {
		if _, err := raw.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// TestAuditCommands: keygen, checkpoint, verify (with and without
// checkpoints) and export work together; each refuses what it should, with
// status 2 for a wrong call and 1 for a failure; a tampered trail fails
// verify and is not signed.
func TestAuditCommands(t *testing.T) {
	db := newWorld(t)
	dir := t.TempDir()
	for range 3 { // audited exports: events of SHOP
		if r := cli(t, db, "", "export", "--company", "SHOP"); r.code != 0 {
			t.Fatal(r.stderr)
		}
	}

	// keygen
	key, pub := filepath.Join(dir, "k.pem"), filepath.Join(dir, "k.pub")
	r := cli(t, db, "", "audit", "keygen", "--out", key)
	if r.code != 0 || !strings.HasPrefix(r.stdout, "-----BEGIN PUBLIC KEY-----\n") || !strings.Contains(r.stderr, "wrote the private key to "+key) {
		t.Fatalf("keygen: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if fi, err := os.Stat(key); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file: %v %v", fi.Mode(), err)
	}
	if err := os.WriteFile(pub, []byte(r.stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	keyBefore, _ := os.ReadFile(key)
	if r := cli(t, db, "", "audit", "keygen", "--out", key); r.code != 1 || !strings.Contains(r.stderr, "exists: not overwritten") {
		t.Errorf("keygen over an existing file: %d %q", r.code, r.stderr)
	}
	if after, _ := os.ReadFile(key); !bytes.Equal(after, keyBefore) {
		t.Error("keygen changed an existing key file")
	}

	// checkpoint
	r = cli(t, db, "", "audit", "checkpoint", "--key", key)
	if r.code != 0 || strings.Count(r.stdout, "\n") != 1 {
		t.Fatalf("checkpoint: %d %q %q", r.code, r.stdout, r.stderr)
	}
	var cp store.AuditCheckpoint
	if err := json.Unmarshal([]byte(r.stdout), &cp); err != nil {
		t.Fatal(err)
	}
	if cp.LastID != 4 || cp.Events != 4 || len(cp.LastHash) != 64 || !cp.At.Equal(today) || cp.Signature == "" {
		t.Errorf("checkpoint %+v", cp)
	}
	checkpoints := filepath.Join(dir, "checkpoints.jsonl")
	if err := os.WriteFile(checkpoints, []byte(r.stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	if path, err := exec.LookPath("openssl"); err == nil { // an outside tool checks the signature too
		msg, sig := filepath.Join(dir, "msg"), filepath.Join(dir, "sig")
		s, _ := base64.StdEncoding.DecodeString(cp.Signature)
		os.WriteFile(msg, cp.SignedBytes(), 0o600)
		os.WriteFile(sig, s, 0o600)
		if out, err := exec.Command(path, "pkeyutl", "-verify", "-pubin", "-inkey", pub, "-rawin", "-in", msg, "-sigfile", sig).CombinedOutput(); err != nil {
			t.Errorf("openssl does not verify the checkpoint's signature: %v\n%s", err, out)
		}
	}

	// verify
	r = cli(t, db, "", "audit", "verify")
	if want := "audit trail verified: 4 events, the last is event 4, hash " + cp.LastHash + "\n"; r.code != 0 || r.stdout != want {
		t.Errorf("verify: %d %q %q, want %q", r.code, r.stdout, r.stderr, want)
	}
	if r := cli(t, db, "", "export", "--company", "SHOP"); r.code != 0 { // one more event after the checkpoint
		t.Fatal(r.stderr)
	}
	r = cli(t, db, "", "audit", "verify", "--checkpoint", checkpoints, "--public-key", pub)
	if r.code != 0 || !strings.Contains(r.stdout, "5 events") || !strings.Contains(r.stdout, "agrees with 1 checkpoint, the latest of 2026-06-01T12:00:00Z up to event 4\n") {
		t.Errorf("verify against the checkpoint: %d %q %q", r.code, r.stdout, r.stderr)
	}
	// A second checkpoint, by a key made with openssl, appended to the file.
	osslKey, osslPub := writeFile(t, "openssl.pem", opensslKey), writeFile(t, "openssl.pub", opensslPub)
	if r := cli(t, db, "", "audit", "checkpoint", "--key", osslKey); r.code != 0 {
		t.Fatalf("checkpoint with openssl's key: %s", r.stderr)
	} else {
		osslCheckpoints := writeFile(t, "ossl.jsonl", r.stdout)
		if r := cli(t, db, "", "audit", "verify", "--checkpoint", osslCheckpoints, "--public-key", osslPub); r.code != 0 {
			t.Errorf("verify against openssl's key: %s", r.stderr)
		}
	}
	r = cli(t, db, "", "audit", "checkpoint", "--key", key)
	f, _ := os.OpenFile(checkpoints, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(r.stdout)
	f.Close()
	if r := cli(t, db, "", "audit", "verify", "--checkpoint", checkpoints, "--public-key", pub); r.code != 0 || !strings.Contains(r.stdout, "agrees with 2 checkpoints") {
		t.Errorf("verify against two checkpoints: %d %q %q", r.code, r.stdout, r.stderr)
	}

	// export
	r = cli(t, db, "", "audit", "export")
	lines := parseExport(t, r.stdout)
	if r.code != 0 || len(lines) != 5 {
		t.Fatalf("export: %d %d lines %q", r.code, len(lines), r.stderr)
	}
	recompute(t, lines)
	if l := lines[1]; l.ID != 2 || l.Actor != "cli" || l.Company != "SHOP" || l.Action != "entitlement.export" || l.Outcome != "ok" ||
		l.At != "2026-06-01T12:00:00.000000Z" || l.Basis == nil || l.Hash == "" {
		t.Errorf("line 2: %+v", l)
	}
	if lines[0].Action != "import" || lines[0].Company != "" {
		t.Errorf("line 1: %+v", lines[0])
	}
	if got := parseExport(t, cli(t, db, "", "audit", "export", "--company", "SHOP", "--after", "2").stdout); len(got) != 3 || got[0].ID != 3 {
		t.Errorf("SHOP's events after 2: %+v", got)
	}
	if got := parseExport(t, cli(t, db, "", "audit", "export", "--company", "PLANT").stdout); len(got) != 0 {
		t.Errorf("PLANT's events: %+v", got)
	}
	out := filepath.Join(dir, "audit.jsonl")
	if r := cli(t, db, "", "audit", "export", "--out", out); r.code != 0 || r.stdout != "" || !strings.Contains(r.stderr, "wrote 5 audit events to "+out) {
		t.Errorf("export to a file: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if data, _ := os.ReadFile(out); len(parseExport(t, string(data))) != 5 {
		t.Errorf("export file: %s", data)
	}

	// Refusals.
	otherPub := filepath.Join(dir, "other.pub")
	if r := cli(t, db, "", "audit", "keygen", "--out", filepath.Join(dir, "other.pem")); r.code != 0 {
		t.Fatal(r.stderr)
	} else {
		os.WriteFile(otherPub, []byte(r.stdout), 0o644)
	}
	cpData, _ := os.ReadFile(checkpoints)
	altered := writeFile(t, "altered.jsonl", strings.Replace(string(cpData), `"last_id":4`, `"last_id":3`, 1))
	for name, tc := range map[string]struct {
		args []string
		code int
		want string
	}{
		"verify: an argument":              {[]string{"audit", "verify", "extra"}, 2, "takes no arguments"},
		"verify: checkpoint without key":   {[]string{"audit", "verify", "--checkpoint", checkpoints}, 2, "--checkpoint needs --public-key"},
		"verify: another key":              {[]string{"audit", "verify", "--checkpoint", checkpoints, "--public-key", otherPub}, 1, "signed with another key"},
		"verify: a private key":            {[]string{"audit", "verify", "--checkpoint", checkpoints, "--public-key", key}, 1, "is a private key: give its public key"},
		"verify: altered checkpoint":       {[]string{"audit", "verify", "--checkpoint", altered, "--public-key", pub}, 1, "signature is not valid"},
		"verify: not a checkpoint":         {[]string{"audit", "verify", "--checkpoint", writeFile(t, "x.json", `{"hello":1}`), "--public-key", pub}, 1, "checkpoint 1: not a checkpoint"},
		"verify: empty checkpoint file":    {[]string{"audit", "verify", "--checkpoint", writeFile(t, "e.json", ""), "--public-key", pub}, 1, "holds no checkpoint"},
		"verify: no such checkpoint file":  {[]string{"audit", "verify", "--checkpoint", filepath.Join(dir, "nope"), "--public-key", pub}, 1, "no such file"},
		"verify: not a public key":         {[]string{"audit", "verify", "--checkpoint", checkpoints, "--public-key", checkpoints}, 1, "is not an ed25519 public key"},
		"checkpoint: no key":               {[]string{"audit", "checkpoint"}, 2, "give --key FILE"},
		"checkpoint: an argument":          {[]string{"audit", "checkpoint", "--key", key, "x"}, 2, "takes no arguments"},
		"checkpoint: not a key":            {[]string{"audit", "checkpoint", "--key", pub}, 1, "is not an ed25519 private key in PKCS#8 PEM"},
		"checkpoint: no such key":          {[]string{"audit", "checkpoint", "--key", filepath.Join(dir, "nope")}, 1, "no such file"},
		"keygen: no --out":                 {[]string{"audit", "keygen"}, 2, "give --out FILE"},
		"keygen: into a missing directory": {[]string{"audit", "keygen", "--out", filepath.Join(dir, "no", "k.pem")}, 1, "no such file"},
		"export: negative --after":         {[]string{"audit", "export", "--after", "-1"}, 2, "--after must be an event id"},
		"export: --after not a number":     {[]string{"audit", "export", "--after", "x"}, 2, "invalid value"},
		"export: unknown company":          {[]string{"audit", "export", "--company", "GHOST"}, 1, "no company GHOST is recorded"},
		"export: not a company key":        {[]string{"audit", "export", "--company", "a b"}, 2, "is not a company key"},
		"export: an argument":              {[]string{"audit", "export", "x"}, 2, "takes no arguments"},
		"export: into a missing directory": {[]string{"audit", "export", "--out", filepath.Join(dir, "no", "a.jsonl")}, 1, "no such file"},
	} {
		if r := cli(t, db, "", tc.args...); r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want %d and %q", name, r.code, r.stderr, tc.code, tc.want)
		}
	}

	// Tampering: verify names the event and fails, checkpoint signs nothing.
	rawExec(t, db, `UPDATE audit_events SET detail = 'nothing happened' WHERE id = 3`)
	r = cli(t, db, "", "audit", "verify")
	if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, "the audit trail does not verify: event 3: its contents no longer match its hash: edited") {
		t.Errorf("verify of an edited trail: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := cli(t, db, "", "audit", "checkpoint", "--key", key); r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, "does not verify, so it is not signed: event 3") {
		t.Errorf("checkpoint of an edited trail: %d %q %q", r.code, r.stdout, r.stderr)
	}
	rawExec(t, db, `DELETE FROM audit_events WHERE id >= 3`,
		`UPDATE audit_chain SET last_id = 2, last_hash = (SELECT hash FROM audit_events WHERE id = 2)`)
	if r := cli(t, db, "", "audit", "verify"); r.code != 0 {
		t.Errorf("a trail cut with its head set back verifies without a checkpoint: %d %q", r.code, r.stderr)
	}
	r = cli(t, db, "", "audit", "verify", "--checkpoint", checkpoints, "--public-key", pub)
	if r.code != 1 || !strings.Contains(r.stderr, "event 3: missing: the trail ends at event 2, but the checkpoint of 2026-06-01T12:00:00Z goes up to event 5") {
		t.Errorf("verify of a cut trail against its checkpoints: %d %q", r.code, r.stderr)
	}
}

// TestAuditVerifyEmpty: a new database's empty trail verifies and can be
// checkpointed.
func TestAuditVerifyEmpty(t *testing.T) {
	db := storetest.DSN(t)
	if r := cli(t, db, "", "audit", "verify"); r.code != 0 || r.stdout != "audit trail verified: 0 events, the last is event 0, hash "+strings.Repeat("0", 64)+"\n" {
		t.Errorf("empty trail: %d %q %q", r.code, r.stdout, r.stderr)
	}
	key := writeFile(t, "k.pem", opensslKey)
	r := cli(t, db, "", "audit", "checkpoint", "--key", key)
	var cp store.AuditCheckpoint
	if err := json.Unmarshal([]byte(r.stdout), &cp); r.code != 0 || err != nil || cp.LastID != 0 || cp.Events != 0 {
		t.Errorf("checkpoint of the empty trail: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := cli(t, db, "", "audit", "verify", "--checkpoint", writeFile(t, "cp.json", r.stdout), "--public-key", writeFile(t, "k.pub", opensslPub)); r.code != 0 {
		t.Errorf("verify against the empty trail's checkpoint: %q", r.stderr)
	}
}
