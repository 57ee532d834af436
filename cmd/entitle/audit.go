package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/store"
)

// The audit commands (issue 6, tamper-evident audit): verify the hash
// chain, sign checkpoints of it, export it, and make the signing key. The
// chain and the checkpoint's format are described in
// internal/store/auditchain.go.

func auditVerifyCommand() command {
	return command{
		name:    "audit verify",
		args:    "[--public-key FILE [--checkpoint FILE]]",
		summary: "check the audit trail's hash chain",
		help: `Recomputes the hash chain over every audit event, in id order, and checks
the chain's head. On success it prints the number of events and the last
event's hash; on the first problem it names the event and what it shows
(edited, inserted, deleted, truncated, …) and exits with status 1.

With --checkpoint, the trail must also contain each checkpoint's last event
with the checkpoint's hash and count: it was not rewritten or cut before it.
FILE holds one checkpoint as printed by 'entitle audit checkpoint', or
several, one per line. --public-key is the public key of the signer (PEM, as
printed by 'entitle audit keygen' or 'openssl pkey -pubout', or the base64
of its 32 bytes): a checkpoint proves nothing with the key it names itself.

After 'entitle audit prune', the chain begins after the cut: from the
checkpoint the prune signed and recorded, whose signature is checked too
(with --public-key, it must be that key's: without it, a prune record
forged with another key cannot be told from a genuine one). The count
includes the pruned events. A checkpoint that ends before the cut can no
longer be checked (its events are gone): it is reported as covered by the
prune, whose checkpoint was signed after the trail up to the cut verified.`,
		run: runAuditVerify,
	}
}

func auditCheckpointCommand() command {
	return command{
		name:    "audit checkpoint",
		args:    "--key FILE",
		summary: "print a signed checkpoint of the audit trail",
		help: `Verifies the audit trail and prints, on one line of JSON, a checkpoint of
it signed with the ed25519 private key in FILE (PKCS#8 PEM, from 'entitle
audit keygen' or 'openssl genpkey -algorithm ed25519'):

  {"last_id":…,"last_hash":"…","events":…,"at":"…","public_key":"…","signature":"…"}

Keep checkpoints where whoever can write to the database cannot, e.g.
'entitle audit checkpoint --key k.pem >> /elsewhere/checkpoints.jsonl'
every day, and check the trail against them with 'entitle audit verify
--checkpoint'. A trail that does not verify is not signed.`,
		run: runAuditCheckpoint,
	}
}

func auditExportCommand() command {
	return command{
		name:    "audit export",
		args:    "[--company KEY] [--after ID] [--out FILE]",
		summary: "write audit events as JSONL",
		help: `Writes audit events oldest first, one JSON object a line:

  {"id":…,"at":"2026-06-01T12:00:00.000000Z","actor":"…","company":"…","action":"…",
   "object":"…","basis":["…"],"outcome":"…","detail":"…","hash":"…"}

every field the chain's hash covers, and the hash in hexadecimal, so that
the chain can be recomputed from a whole export (see
internal/store/auditchain.go; basis is hashed joined by commas). --company
keeps one company's events; --after ID starts after event ID.

After 'entitle audit prune', a whole export (no --company) that starts at or
before the cut begins with one more line, the prune's signed checkpoint:

  {"pruned":{"last_id":…,"last_hash":"…","events":…,"at":"…","public_key":"…","signature":"…"}}

the chain goes on from its last_hash (the hash before the first event
exported) and its count.`,
		run: runAuditExport,
	}
}

func auditKeygenCommand() command {
	return command{
		name:    "audit keygen",
		args:    "--out FILE",
		summary: "create an ed25519 key for signing checkpoints",
		help: `Writes a new ed25519 private key to FILE (PKCS#8 PEM, mode 0600; an existing
file is never overwritten) and prints its public key on standard output
(PEM, SubjectPublicKeyInfo, as 'openssl pkey -pubout' does). Keep the
private key away from the database's host and its backups; give the public
key to whoever checks the trail ('entitle audit verify --public-key').`,
		run: runAuditKeygen,
	}
}

func runAuditVerify(ctx context.Context, e *env, c command, args []string) error {
	f := newFlags(e, c)
	cpFile := f.String("checkpoint", "", "check the trail against the checkpoint(s) in FILE")
	keyFile := f.String("public-key", "", "the public key that signed the checkpoints (with --checkpoint)")
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return errUsage{"audit verify takes no arguments"}
	case *cpFile != "" && *keyFile == "":
		return errUsage{"--checkpoint needs --public-key: a checkpoint proves nothing with the key it names itself"}
	}
	var cps []store.AuditCheckpoint
	var pub ed25519.PublicKey
	if *keyFile != "" {
		if pub, err = readPublicKey(*keyFile); err != nil {
			return err
		}
	}
	if *cpFile != "" {
		if cps, err = readCheckpoints(*cpFile, pub); err != nil {
			return err
		}
	}
	db, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := db.VerifyAuditSignedBy(ctx, pub, cps...)
	if err != nil {
		return err
	}
	if v.Problem != nil {
		return fmt.Errorf("the audit trail does not verify: %s", v.Problem.Text)
	}
	fmt.Fprintf(e.stdout, "audit trail verified: %d events, the last is event %d, hash %s\n", v.Events, v.LastID, hexHash(v.LastHash))
	if p := v.Pruned; p != nil {
		signer := "signed by the key it names, " + p.PublicKey + " (give --public-key to check it is yours)"
		if pub != nil {
			signer = "signed by the key given"
		}
		fmt.Fprintf(e.stdout, "begins after the prune of %s: %d events up to event %d were removed; its checkpoint is %s\n",
			p.At.UTC().Format(time.RFC3339), p.Events, p.LastID, signer)
	}
	if v.Checkpoints > 0 {
		latest := cps[len(cps)-1] // the one up to the last event: never before the cut, as one is matched
		for _, cp := range cps {
			if cp.LastID >= latest.LastID {
				latest = cp
			}
		}
		fmt.Fprintf(e.stdout, "agrees with %d checkpoint%s, the latest of %s up to event %d\n", v.Checkpoints, plural(v.Checkpoints),
			latest.At.UTC().Format(time.RFC3339), latest.LastID)
	}
	if n := v.PrunedCheckpoints; n > 0 {
		verb := "end"
		if n == 1 {
			verb = "ends"
		}
		fmt.Fprintf(e.stdout, "%d checkpoint%s %s before the prune's cut: pruned, covered by the prune's checkpoint\n", n, plural(n), verb)
	}
	return nil
}

func hexHash(h []byte) string {
	if h == nil {
		h = make([]byte, 32) // the empty trail's head
	}
	return hex.EncodeToString(h)
}

// readCheckpoints reads the checkpoints in path (one JSON object, or one a
// line) and checks each one's signature with pub.
func readCheckpoints(path string, pub ed25519.PublicKey) ([]store.AuditCheckpoint, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var cps []store.AuditCheckpoint
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	for n := 1; ; n++ {
		var cp store.AuditCheckpoint
		if err := dec.Decode(&cp); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, fmt.Errorf("%s: checkpoint %d: not a checkpoint: %v", path, n, err)
		}
		if err := cp.Verify(pub); err != nil {
			return nil, fmt.Errorf("%s: checkpoint %d (of %s): %w", path, n, cp.At.UTC().Format(time.RFC3339), err)
		}
		cps = append(cps, cp)
	}
	if len(cps) == 0 {
		return nil, fmt.Errorf("%s holds no checkpoint", path)
	}
	return cps, nil
}

func runAuditCheckpoint(ctx context.Context, e *env, c command, args []string) error {
	f := newFlags(e, c)
	keyFile := f.String("key", "", "the ed25519 private key to sign with (PKCS#8 PEM)")
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return errUsage{"audit checkpoint takes no arguments"}
	case *keyFile == "":
		return errUsage{"give --key FILE: the private key to sign with (make one with 'entitle audit keygen')"}
	}
	key, err := readPrivateKey(*keyFile)
	if err != nil {
		return err
	}
	if fi, err := os.Stat(*keyFile); err == nil && fi.Mode().Perm()&0o077 != 0 {
		fmt.Fprintf(e.stderr, "entitle audit checkpoint: warning: %s can be read by others (mode %v)\n", *keyFile, fi.Mode().Perm())
	}
	db, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := db.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if v.Problem != nil {
		return fmt.Errorf("the audit trail does not verify, so it is not signed: %s", v.Problem.Text)
	}
	line, err := json.Marshal(store.NewAuditCheckpoint(v, e.now(), key))
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(e.stdout, "%s\n", line)
	return err
}

// keyHelp says which keys are understood.
const keyHelp = "an ed25519 private key in PKCS#8 PEM (-----BEGIN PRIVATE KEY-----), as written by 'entitle audit keygen' or 'openssl genpkey -algorithm ed25519'"

func readPrivateKey(path string) (ed25519.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%s is not %s", path, keyHelp)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s is not %s: %v", path, keyHelp, err)
	}
	key, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s holds a %T, not %s", path, k, keyHelp)
	}
	return key, nil
}

// readPublicKey reads an ed25519 public key: PEM (SubjectPublicKeyInfo), or
// the standard base64 of its 32 bytes (a checkpoint's public_key).
func readPublicKey(path string) (ed25519.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	const want = "an ed25519 public key: PEM (-----BEGIN PUBLIC KEY-----, as printed by 'entitle audit keygen' or 'openssl pkey -pubout'), or the base64 of its 32 bytes"
	block, _ := pem.Decode(data)
	switch {
	case block != nil && block.Type == "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s is not %s: %v", path, want, err)
		}
		key, ok := k.(ed25519.PublicKey)
		if !ok {
			return nil, fmt.Errorf("%s holds a %T, not %s", path, k, want)
		}
		return key, nil
	case block != nil && strings.Contains(block.Type, "PRIVATE"):
		return nil, fmt.Errorf("%s is a private key: give its public key (printed by 'entitle audit keygen', or 'openssl pkey -in KEY -pubout')", path)
	case block != nil:
		return nil, fmt.Errorf("%s holds a PEM %q block, not %s", path, block.Type, want)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(raw) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%s is not %s", path, want)
	}
	return ed25519.PublicKey(raw), nil
}

func runAuditKeygen(ctx context.Context, e *env, c command, args []string) error {
	f := newFlags(e, c) // --db too, as every command, though keygen needs no database
	out := f.String("out", "", "write the private key to FILE (never overwritten)")
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return errUsage{"audit keygen takes no arguments"}
	case *out == "":
		return errUsage{"give --out FILE: where to write the private key"}
	}
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	pubDER, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return err
	}
	file, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s exists: not overwritten (a signing key is replaced by hand, if ever)", *out)
	}
	if err != nil {
		return err
	}
	err = pem.Encode(file, &pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if err == nil {
		err = file.Sync()
	}
	if cerr := file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(*out)
		return err
	}
	if err := pem.Encode(e.stdout, &pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "wrote the private key to %s; its public key is above\n", *out)
	return nil
}

// auditEventJSON is a line of the export: every field the hash covers.
type auditEventJSON struct {
	ID      int64    `json:"id"`
	At      string   `json:"at"` // RFC 3339, UTC, microseconds
	Actor   string   `json:"actor"`
	Company string   `json:"company"`
	Action  string   `json:"action"`
	Object  string   `json:"object"`
	Basis   []string `json:"basis"`
	Outcome string   `json:"outcome"`
	Detail  string   `json:"detail"`
	Hash    string   `json:"hash"`
}

// exportPage is how many events the export reads at a time.
const exportPage = 1000

func runAuditExport(ctx context.Context, e *env, c command, args []string) error {
	f := newFlags(e, c)
	company := f.String("company", "", "only the events of the company with this key")
	after := f.Int64("after", 0, "only the events after the one with this id")
	out := f.String("out", "", "write to FILE instead of standard output (replaced only when complete)")
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) > 0:
		return errUsage{"audit export takes no arguments"}
	case *after < 0:
		return errUsage{fmt.Sprintf("--after must be an event id (0 or more), not %d", *after)}
	case *company != "" && !entitle.ValidKey(*company):
		return errUsage{fmt.Sprintf("--company %q is not a company key", *company)}
	}
	db, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	if *company != "" {
		if _, err := db.Company(ctx, *company); errors.Is(err, entitle.ErrNotFound) {
			return fmt.Errorf("no company %s is recorded", *company)
		} else if err != nil {
			return err
		}
	}

	w := bufio.NewWriterSize(e.stdout, 64<<10)
	var tmp *os.File
	if *out != "" {
		if tmp, err = os.CreateTemp(filepath.Dir(*out), ".audit-export-*"); err != nil {
			return err
		}
		defer os.Remove(tmp.Name())
		defer tmp.Close()
		w = bufio.NewWriterSize(tmp, 64<<10)
	}
	enc := json.NewEncoder(w)
	if *company == "" {
		pruned, err := db.AuditPruned(ctx)
		if err != nil {
			return err
		}
		if pruned != nil && *after <= pruned.LastID {
			if err := enc.Encode(struct {
				Pruned *store.AuditCheckpoint `json:"pruned"`
			}{pruned}); err != nil {
				return err
			}
		}
	}
	n := 0
	for last := *after; ; {
		events, err := db.AuditEvents(ctx, *company, last, exportPage)
		if err != nil {
			return err
		}
		for _, ev := range events {
			basis := make([]string, len(ev.Basis))
			for i, b := range ev.Basis {
				basis[i] = string(b)
			}
			if err := enc.Encode(auditEventJSON{ID: ev.ID, At: ev.At.UTC().Format("2006-01-02T15:04:05.000000Z07:00"), Actor: ev.Actor,
				Company: ev.Company, Action: ev.Action, Object: ev.Object, Basis: basis, Outcome: ev.Outcome, Detail: ev.Detail,
				Hash: hex.EncodeToString(ev.Hash)}); err != nil {
				return err
			}
			n++
		}
		if len(events) < exportPage {
			break
		}
		last = events[len(events)-1].ID
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if tmp != nil {
		if err := tmp.Sync(); err != nil {
			return err
		}
		if err := tmp.Close(); err != nil {
			return err
		}
		if err := os.Rename(tmp.Name(), *out); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "wrote %d audit events to %s\n", n, *out)
	}
	return nil
}
