package store

import (
	"bytes"
	"cmp"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/jackc/pgx/v5"
)

// The tamper-evident audit trail (SPEC §6, issue 6).
//
// # The chain
//
// Audit events form a hash chain in id order. Each event's hash is
//
//	hash(e) = SHA-256(prev || canonical(e))
//
// where prev is the hash of the event before it (the one with the next
// smaller id), or 32 zero bytes for the first event, and canonical(e) is, in
// this order and with nothing in between:
//
//	id        8 bytes, big-endian, two's complement
//	at        8 bytes, big-endian, two's complement: Unix microseconds (UTC)
//	actor     string: the user's email, or "cli"
//	company   string: the actor's company KEY as recorded (what an auditor
//	          reads; keys never change), "" for none
//	action    string, e.g. entitlement.get
//	object    string
//	basis     string: the basis values joined by "," (e.g. "reseller,owner"),
//	          "" for none (empty values are dropped when recorded)
//	outcome   string: ok, denied, invalid
//	detail    string
//
// each string being its length in bytes (4 bytes, big-endian) followed by its
// bytes (UTF-8, exactly as stored). The length prefixes make the encoding
// unambiguous: no two different events encode to the same bytes. `entitle
// audit export` writes every one of these fields (at as RFC 3339 with six
// decimals, basis as a list), with the hash in hexadecimal, so that an auditor
// can recompute the chain from an export alone.
//
// # Appending
//
// Every event is appended inside the write transaction that records what it
// describes (appendAudit) or in a group commit of the audit writer
// (DB.Audit), and takes the next id: the last event's id + 1, so that ids
// have no gaps and a deleted event shows as a missing number. A transaction
// that is run again after losing a race reads the chain's end again and
// hashes its events anew. Appends are serialized: on SQLite by its single
// writer; on PostgreSQL by a transaction-scoped advisory lock (chainLockKey),
// held from the append to the commit. There, a serializable transaction's
// snapshot may be older than the last event, so the last event is read on
// another connection once the lock is held (committed data, which the lock
// keeps from changing), or is the one the transaction appended itself (a
// transaction-local setting); and the head row is left alone: updating it
// would make every transaction that audits conflict with every other one,
// and an import of many seconds would never commit while the portal serves.
// The audit writer's transactions run at READ COMMITTED on PostgreSQL, read
// the last event themselves, and move the head row. On PostgreSQL the events
// of a transaction and the head (or the setting) are written by one
// statement.
//
// # The head
//
// The one row of audit_chain holds the last event the head knows and its
// hash. The trail must contain that event with that hash: a tail cut off
// shows. It may lag behind the trail (events appended in serializable
// transactions on PostgreSQL move it only with the audit writer's next
// group commit), never run ahead. It also holds gapless_from: the ids of
// events written before the chain existed (schema version 5) may have gaps,
// those from gapless_from on may not. Open chains those older events, in id
// order, once.
//
// # Checkpoints
//
// A checkpoint (`entitle audit checkpoint`) is the last event's id and hash
// and the number of events, signed with an ed25519 key the operator keeps
// away from the database. A trail that still contains the checkpoint's event
// with the checkpoint's hash and count was not rewritten or cut before it.
// Without a checkpoint, someone able to write to the database could rewrite
// the whole chain consistently, since the hash has no secret; and no check
// tells events forged after the last checkpoint, hashed as the store would,
// from genuine ones.
//
// # Pruning
//
// `entitle audit prune` removes the events up to a cut and keeps, in
// audit_prunes, a checkpoint of the cut signed by the operator. The chain
// then begins after it: the first event is the cut's id + 1, its previous
// hash is the cut's hash, and the count goes on from the checkpoint's (see
// auditprune.go).

// chainLockKey is the PostgreSQL advisory lock that serializes appends to
// the chain ("entaud"; imports and migrations use other keys).
const chainLockKey int64 = 0x656e74617564

// auditRecord is an audit event as stored: what its hash covers, and the
// company's row id for the insert.
type auditRecord struct {
	id                                     int64
	at                                     int64 // Unix microseconds
	actor, company                         string
	companyID                              any // nil or the company's id
	action, object, basis, outcome, detail string
}

// appendCanonical appends canonical(r) to b.
func (r *auditRecord) appendCanonical(b []byte) []byte {
	b = binary.BigEndian.AppendUint64(b, uint64(r.id))
	b = binary.BigEndian.AppendUint64(b, uint64(r.at))
	for _, s := range [...]string{r.actor, r.company, r.action, r.object, r.basis, r.outcome, r.detail} {
		b = binary.BigEndian.AppendUint32(b, uint32(min(len(s), math.MaxUint32)))
		b = append(b, s...)
	}
	return b
}

// chainHash is the hash of r following an event whose hash is prev.
func chainHash(prev []byte, r *auditRecord) []byte {
	b := make([]byte, 0, 32+16+7*4+len(r.actor)+len(r.company)+len(r.action)+len(r.object)+len(r.basis)+len(r.outcome)+len(r.detail))
	b = append(b, prev...)
	sum := sha256.Sum256(r.appendCanonical(b))
	return sum[:]
}

// genesis is the "previous hash" of the first event.
var genesis = make([]byte, sha256.Size)

// link is an event's place in the chain: its id and hash.
type link struct {
	id   int64
	hash []byte
}

// newAuditRecord is e as stored, with its company's row id.
func newAuditRecord(e entitle.AuditEvent, companyID any) auditRecord {
	basis := make([]string, 0, len(e.Basis))
	for _, b := range e.Basis {
		if b != "" {
			basis = append(basis, string(b))
		}
	}
	if e.Actor == "" {
		e.Actor = "cli"
	}
	return auditRecord{at: e.At.UnixMicro(), actor: e.Actor, company: e.Company, companyID: companyID, action: e.Action,
		object: e.Object, basis: strings.Join(basis, ","), outcome: e.Outcome, detail: e.Detail}
}

// auditRecord resolves e's company (perhaps created in tx itself) and
// returns e as stored.
func (db *DB) auditRecord(ctx context.Context, tx *sql.Tx, e entitle.AuditEvent) (auditRecord, error) {
	var company any
	if e.Company != "" {
		id, err := db.companyID(ctx, e.Company)
		if errors.Is(err, entitle.ErrNotFound) { // created in this very transaction
			err = tx.QueryRowContext(ctx, db.d.q(`SELECT id FROM companies WHERE key = ?`), e.Company).Scan(&id)
		}
		if err != nil {
			return auditRecord{}, fmt.Errorf("audit event of company %q: %w", e.Company, err)
		}
		company = id
	}
	return newAuditRecord(e, company), nil
}

const (
	insertAuditSQL = `INSERT INTO audit_events (id, at, actor, company_id, action, object, basis, outcome, detail, hash)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	// The last event: where the chain goes on.
	auditTipSQL = `SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1`
	// The head moves forward only: a transaction that read an older last
	// event cannot have appended (the lock), but the guard costs nothing.
	auditHeadSQL = `UPDATE audit_chain SET last_id = ?, last_hash = ? WHERE id = 1 AND last_id < ?`
	// PostgreSQL: the chain lock, and the last event this transaction
	// appended, if any (a transaction-local setting: it is not data, so
	// reading it conflicts with nothing).
	pgChainLockSQL = `SELECT current_setting('entitle.audit_tip', true) FROM (SELECT pg_advisory_xact_lock($1)) l`
)

func (r *auditRecord) insertArgs(hash []byte) []any {
	return []any{r.id, r.at, r.actor, r.companyID, r.action, r.object, r.basis, r.outcome, r.detail, hash}
}

// errUnchained refuses to extend a chain whose last event has no hash.
func errUnchained(id int64) error {
	return fmt.Errorf("audit event %d has no hash: the audit trail is not chained (run entitle audit verify)", id)
}

// scanTip reads the last event (the genesis when there is none).
func scanTip(row *sql.Row) (link, error) {
	var l link
	err := row.Scan(&l.id, &l.hash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return link{hash: genesis}, nil
	case err != nil:
		return link{}, err
	case l.hash == nil:
		return link{}, errUnchained(l.id)
	}
	return l, nil
}

// appendAudit writes an audit event inside tx, so that it commits or rolls
// back with what it records, as the next link of the chain.
func (db *DB) appendAudit(ctx context.Context, tx *sql.Tx, e entitle.AuditEvent) error {
	r, err := db.auditRecord(ctx, tx, e)
	if err != nil {
		return err
	}
	return db.chain(ctx, tx, !db.d.serializable, []auditRecord{r})
}

// chain appends recs to the chain inside tx, in order, each with the next id
// and its hash. fresh says that tx reads the latest committed rows once it
// holds the lock (SQLite's single writer; READ COMMITTED on PostgreSQL): it
// reads the last event itself and moves the head. Otherwise (a serializable
// transaction on PostgreSQL), the last event is the one this transaction
// appended before, or else read on another connection.
func (db *DB) chain(ctx context.Context, tx *sql.Tx, fresh bool, recs []auditRecord) error {
	var tip link
	var err error
	switch {
	case !db.d.serializable: // SQLite: this is the only writer
		if db.spool != nil {
			// What the spool holds was committed before: it goes first.
			if _, err := db.unspool(ctx, tx); err != nil {
				return err
			}
		}
		return db.chainSQLite(ctx, tx, recs)
	case fresh:
		if _, err = tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, chainLockKey); err == nil {
			tip, err = scanTip(tx.StmtContext(ctx, db.stmt.auditTip).QueryRowContext(ctx))
		}
	default:
		var mark sql.NullString
		if err = tx.QueryRowContext(ctx, pgChainLockSQL, chainLockKey).Scan(&mark); err == nil {
			tip, err = db.serializableTip(ctx, mark.String)
		}
	}
	if err != nil {
		return fmt.Errorf("audit chain: %w", err)
	}
	query, args := pgAppend(tip, recs, fresh)
	_, err = tx.ExecContext(ctx, query, args...)
	return err
}

// chainSQLite appends recs to the chain inside tx, a write transaction on
// SQLite (the only writer), and moves the head.
func (db *DB) chainSQLite(ctx context.Context, tx *sql.Tx, recs []auditRecord) error {
	tip, err := scanTip(tx.StmtContext(ctx, db.stmt.auditTip).QueryRowContext(ctx))
	if err != nil {
		return fmt.Errorf("audit chain: %w", err)
	}
	insert := tx.StmtContext(ctx, db.stmt.insertAudit)
	for i := range recs {
		tip = extend(tip, &recs[i])
		if _, err := insert.ExecContext(ctx, recs[i].insertArgs(tip.hash)...); err != nil {
			return err
		}
	}
	_, err = tx.StmtContext(ctx, db.stmt.auditHead).ExecContext(ctx, tip.id, tip.hash, tip.id)
	return err
}

// extend appends r after tip: r gets the next id; the result is r's link.
func extend(tip link, r *auditRecord) link {
	r.id = tip.id + 1
	return link{r.id, chainHash(tip.hash, r)}
}

// pgAppend is the one PostgreSQL statement (a round trip, whatever the
// number of events) that appends recs after tip and then moves the head
// (fresh) or marks this transaction's last event (see chain).
func pgAppend(tip link, recs []auditRecord, fresh bool) (string, []any) {
	n := len(recs)
	ids, ats, companies := make([]int64, n), make([]int64, n), make([]*int64, n)
	actors, actions, objects, bases, outcomes, details := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	hashes := make([][]byte, n)
	for i := range recs {
		r := &recs[i]
		tip = extend(tip, r)
		ids[i], ats[i], actors[i], actions[i], objects[i], bases[i], outcomes[i], details[i], hashes[i] = r.id, r.at, r.actor, r.action, r.object, r.basis, r.outcome, r.detail, tip.hash
		if id, ok := r.companyID.(int64); ok {
			companies[i] = &id
		}
	}
	args := []any{ids, ats, actors, companies, actions, objects, bases, outcomes, details, hashes}
	if fresh {
		return pgAppendSQL + `UPDATE audit_chain SET last_id = $11, last_hash = $12 WHERE id = 1 AND last_id < $11`, append(args, tip.id, tip.hash)
	}
	return pgAppendSQL + `SELECT set_config('entitle.audit_tip', $11, true)`, append(args, markOf(tip))
}

const pgAppendSQL = `WITH appended AS (INSERT INTO audit_events (id, at, actor, company_id, action, object, basis, outcome, detail, hash)
	SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::bytea[])) `

// serializableTip is where a serializable transaction on PostgreSQL that
// holds the chain lock goes on: after its own last event (mark, when it
// appended one already), or else after the last committed event, read on
// another connection (its snapshot may be older).
func (db *DB) serializableTip(ctx context.Context, mark string) (link, error) {
	if mark != "" {
		id, h, ok := strings.Cut(mark, ":")
		n, err := strconv.ParseInt(id, 10, 64)
		hash, herr := hex.DecodeString(h)
		if !ok || err != nil || herr != nil {
			return link{}, fmt.Errorf("bad chain mark %q", mark)
		}
		return link{n, hash}, nil
	}
	return scanTip(db.keys.QueryRowContext(ctx, auditTipSQL))
}

func markOf(l link) string { return strconv.FormatInt(l.id, 10) + ":" + hex.EncodeToString(l.hash) }

// chainTx runs fn in a write transaction for the audit writer and the
// chaining of old events: READ COMMITTED on PostgreSQL, where the chain lock
// serializes what matters (see chain), so that these transactions wait for
// one another instead of failing and starting over.
func (db *DB) chainTx(ctx context.Context, fn func(*sql.Tx) error) error {
	if !db.d.serializable {
		return db.tx(ctx, fn)
	}
	opts := &sql.TxOptions{Isolation: sql.LevelReadCommitted}
	return retryRaces(ctx, db.d, func() error { return db.tx1(ctx, opts, fn) })
}

// pgAppendAudit is appendAudit on a pgx transaction (serializable): an
// import's event.
func (db *DB) pgAppendAudit(ctx context.Context, tx pgx.Tx, e entitle.AuditEvent) error {
	var company any
	if e.Company != "" {
		var id int64
		if err := tx.QueryRow(ctx, `SELECT id FROM companies WHERE key = $1`, e.Company).Scan(&id); err != nil {
			return fmt.Errorf("audit event of company %q: %w", e.Company, err)
		}
		company = id
	}
	r := newAuditRecord(e, company)
	var mark *string
	if err := tx.QueryRow(ctx, pgChainLockSQL, chainLockKey).Scan(&mark); err != nil {
		return fmt.Errorf("audit chain: %w", err)
	}
	tip, err := db.serializableTip(ctx, deref(mark))
	if err != nil {
		return fmt.Errorf("audit chain: %w", err)
	}
	query, args := pgAppend(tip, []auditRecord{r}, false)
	_, err = tx.Exec(ctx, query, args...)
	return err
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// chainHead is the head row.
type chainHead struct {
	last        link
	gaplessFrom int64
}

func scanHead(row *sql.Row) (chainHead, error) {
	var h chainHead
	err := row.Scan(&h.last.id, &h.last.hash, &h.gaplessFrom)
	return h, err
}

const auditHeadRowSQL = `SELECT last_id, last_hash, gapless_from FROM audit_chain WHERE id = 1`

// chainBatch is how many old events one transaction chains.
const chainBatch = 5000

// chainOldAuditEvents chains, in id order, the events written before the
// chain existed: those between the head and gapless_from. It runs at Open,
// in transactions of chainBatch events under the chain's serialization, so
// that it is idempotent and a process killed half-way leaves a consistent
// chain that the next Open continues. It never overwrites a hash: finding
// one where it expects none (a head row set back), it stops and leaves the
// finding to VerifyAudit. With the head row missing, it does nothing (appends
// fail until the trail is looked at).
func (db *DB) chainOldAuditEvents(ctx context.Context) error {
	h, err := scanHead(db.rw.QueryRowContext(ctx, auditHeadRowSQL))
	if errors.Is(err, sql.ErrNoRows) || err == nil && h.last.id+1 >= h.gaplessFrom {
		return nil // the usual case: nothing to do
	}
	if err != nil {
		return fmt.Errorf("audit chain: %w", err)
	}
	for more := true; more; {
		err := db.chainTx(ctx, func(tx *sql.Tx) error {
			more = false
			if db.d.serializable {
				if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, chainLockKey); err != nil {
					return err
				}
			}
			h, err := scanHead(tx.QueryRowContext(ctx, auditHeadRowSQL))
			if errors.Is(err, sql.ErrNoRows) || err == nil && h.last.id+1 >= h.gaplessFrom {
				return nil
			}
			if err != nil {
				return err
			}
			page, err := db.storedEvents(ctx, tx, `a.id > ? AND a.id < ?`, chainBatch, h.last.id, h.gaplessFrom)
			if err != nil {
				return err
			}
			if len(page) == 0 { // the last old events were deleted before they were chained
				_, err := tx.ExecContext(ctx, `UPDATE audit_chain SET gapless_from = last_id + 1 WHERE id = 1`)
				return err
			}
			tip := h.last
			ids, hashes := make([]int64, len(page)), make([][]byte, len(page))
			for i := range page {
				if page[i].hash != nil {
					return nil // not ours to overwrite
				}
				tip = link{page[i].id, chainHash(tip.hash, &page[i].auditRecord)} // old ids are kept
				ids[i], hashes[i] = tip.id, tip.hash
			}
			if err := db.setHashes(ctx, tx, ids, hashes); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, db.d.q(auditHeadSQL), tip.id, tip.hash, tip.id); err != nil {
				return err
			}
			more = true
			return nil
		})
		if err != nil {
			return fmt.Errorf("chain the audit events written before version 5: %w", err)
		}
	}
	return nil
}

// setHashes records the hashes of events that have none.
func (db *DB) setHashes(ctx context.Context, tx *sql.Tx, ids []int64, hashes [][]byte) error {
	if db.d.serializable { // one statement, not a round trip per event
		_, err := tx.ExecContext(ctx, `UPDATE audit_events AS a SET hash = v.hash
			FROM unnest($1::bigint[], $2::bytea[]) AS v(id, hash) WHERE a.id = v.id AND a.hash IS NULL`, ids, hashes)
		return err
	}
	st, err := tx.PrepareContext(ctx, `UPDATE audit_events SET hash = ? WHERE id = ? AND hash IS NULL`)
	if err != nil {
		return err
	}
	defer st.Close()
	for i := range ids {
		if _, err := st.ExecContext(ctx, hashes[i], ids[i]); err != nil {
			return err
		}
	}
	return nil
}

// auditColumns and auditFrom read events as stored, with their company's key.
const (
	auditColumns = `a.id, a.at, a.actor, COALESCE(c.key, ''), a.action, a.object, a.basis, a.outcome, a.detail, a.hash`
	auditFrom    = `audit_events a LEFT JOIN companies c ON c.id = a.company_id`
)

// storedEvent is an event as read back: its record and its stored hash.
type storedEvent struct {
	auditRecord
	hash []byte
}

// storedEvents reads up to limit events that match where, in id order.
func (db *DB) storedEvents(ctx context.Context, tx *sql.Tx, where string, limit int, args ...any) ([]storedEvent, error) {
	rows, err := tx.QueryContext(ctx, db.d.q(`SELECT `+auditColumns+` FROM `+auditFrom+` WHERE `+where+` ORDER BY a.id LIMIT ?`), append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []storedEvent
	for rows.Next() {
		var s storedEvent
		if err := rows.Scan(&s.id, &s.at, &s.actor, &s.company, &s.action, &s.object, &s.basis, &s.outcome, &s.detail, &s.hash); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Kinds of AuditProblem: what the first bad event shows.
const (
	AuditEdited    = "edited"    // an event's contents changed after it was recorded
	AuditInserted  = "inserted"  // an event that was not appended through the chain
	AuditDeleted   = "deleted"   // an event is missing from the middle
	AuditTruncated = "truncated" // events are missing from the end
	AuditChanged   = "changed"   // the chain breaks: edited, inserted or reordered
	AuditRewritten = "rewritten" // the trail disagrees with a checkpoint
	AuditHead      = "head"      // the head row is missing or disagrees with the trail
	AuditPrune     = "prune"     // a prune's checkpoint is altered, forged or not the operator's
)

// AuditProblem is the first thing wrong with the audit trail.
type AuditProblem struct {
	ID   int64  // the first bad event: for missing events, the first missing id
	Kind string // AuditEdited, AuditInserted, …
	Text string // what is wrong, for the operator
}

// Error makes a problem an error, for PruneAudit's refusal.
func (p *AuditProblem) Error() string { return "the audit trail does not verify: " + p.Text }

// AuditVerification is what VerifyAudit found.
type AuditVerification struct {
	Events      int64  // events in the trail
	LastID      int64  // the last event (0: none)
	LastHash    []byte // its hash: the chain's head
	Checkpoints int    // checkpoints the trail agrees with
	// Pruned is the checkpoint of the last prune, where the chain now
	// begins (nil: never pruned); Events counts the pruned events too.
	Pruned *AuditCheckpoint
	// PrunedCheckpoints is the number of checkpoints given that end
	// before the prune's cut: their events are gone, so the trail cannot be
	// checked against them; the prune's checkpoint, made after verifying
	// the trail up to the cut, stands for them.
	PrunedCheckpoints int
	Problem           *AuditProblem
}

// verifyPage is how many events VerifyAudit reads at a time.
const verifyPage = 5000

// VerifyAudit recomputes the chain over the whole trail, in id order, in
// one consistent snapshot, a page at a time, and reports the first problem:
// an event whose hash does not follow from its contents and the events
// before it, a missing id where ids have no gaps, a trail that ends before
// the head row's event or disagrees with its hash. Each checkpoint (whose
// signatures the caller has checked, see AuditCheckpoint.Verify) must name an
// event of the trail with the checkpoint's hash and count. An error is a
// failure to read, not a finding.
func (db *DB) VerifyAudit(ctx context.Context, checkpoints ...AuditCheckpoint) (AuditVerification, error) {
	return db.VerifyAuditSignedBy(ctx, nil, checkpoints...)
}

// VerifyAuditSignedBy is VerifyAudit that also requires the checkpoints of
// the prunes (audit_prunes) to be signed with key, the operator's public
// key (nil: any key, as long as each signature is valid for the key its
// checkpoint names). Without the operator's key, a prune record forged with
// another key cannot be told from a genuine one.
func (db *DB) VerifyAuditSignedBy(ctx context.Context, key ed25519.PublicKey, checkpoints ...AuditCheckpoint) (AuditVerification, error) {
	if err := db.settleAudit(ctx); err != nil {
		return AuditVerification{}, err
	}
	tx, err := db.ro.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return AuditVerification{}, err
	}
	defer tx.Rollback()
	head, err := scanHead(tx.QueryRowContext(ctx, auditHeadRowSQL))
	noHead := errors.Is(err, sql.ErrNoRows)
	if err != nil && !noHead {
		return AuditVerification{}, err
	}
	// The event after one whose hash does not follow, to say what it shows.
	next := func(id int64) (*storedEvent, error) {
		next, err := db.storedEvents(ctx, tx, `a.id > ?`, 1, id)
		if err != nil || len(next) == 0 {
			return nil, err
		}
		return &next[0], nil
	}
	v := newVerifier(head, noHead, checkpoints, next)
	start, problem, err := db.pruneStart(ctx, tx, key)
	if err != nil {
		return AuditVerification{}, err
	}
	if problem != nil {
		v.problem = problem
		return v.result(), nil
	}
	v.startAfter(start)
	after := int64(math.MinInt64)
	for v.problem == nil {
		page, err := db.storedEvents(ctx, tx, `a.id > ?`, verifyPage, after)
		if err != nil {
			return AuditVerification{}, err
		}
		for i := range page {
			if err := v.step(&page[i]); err != nil {
				return AuditVerification{}, err
			}
			if v.problem != nil {
				break
			}
		}
		if len(page) < verifyPage {
			break
		}
		after = page[len(page)-1].id
	}
	if v.problem == nil {
		v.end()
	}
	return v.result(), nil
}

// verifier walks the trail in id order.
type verifier struct {
	next      func(id int64) (*storedEvent, error) // the event after id, if any
	head      chainHead
	noHead    bool
	prev      link // the last event checked (id 0 and the genesis hash before the first)
	seen      bool // prev is an event
	events    int64
	cps       []AuditCheckpoint // sorted, not yet reached
	matched   int
	pruned    *AuditCheckpoint // the cut the trail begins after, if any
	prunedCPs int              // checkpoints that end before the cut
	problem   *AuditProblem
}

// newVerifier starts a walk of a trail whose head row is head (noHead: it
// has none) against the checkpoints; next reads the event after an id.
func newVerifier(head chainHead, noHead bool, checkpoints []AuditCheckpoint, next func(id int64) (*storedEvent, error)) *verifier {
	cps := slices.Clone(checkpoints)
	slices.SortFunc(cps, func(a, b AuditCheckpoint) int { return cmp.Compare(a.LastID, b.LastID) })
	v := &verifier{next: next, head: head, noHead: noHead, prev: link{hash: genesis}}
	if noHead {
		v.head = chainHead{gaplessFrom: math.MaxInt64}
	}
	for len(cps) > 0 && cps[0].LastID <= 0 { // of an empty trail: every trail goes on from it
		cps = cps[1:]
		v.matched++
	}
	v.cps = cps
	return v
}

// result is what the walk found.
func (v *verifier) result() AuditVerification {
	return AuditVerification{Events: v.events, LastID: v.prev.id, LastHash: v.prev.hash, Checkpoints: v.matched,
		Pruned: v.pruned, PrunedCheckpoints: v.prunedCPs, Problem: v.problem}
}

// startAfter begins the walk after the prune whose (signature-checked)
// checkpoint is cp, if any: the trail goes on from its event, hash and
// count. The checkpoints given that end before the cut can no longer be
// checked; one that ends at the cut must agree with the prune's.
func (v *verifier) startAfter(cp *AuditCheckpoint) {
	if cp == nil {
		return
	}
	hash, _ := hex.DecodeString(cp.LastHash) // checked by Verify
	v.pruned, v.prev, v.events = cp, link{cp.LastID, hash}, cp.Events
	for len(v.cps) > 0 && v.cps[0].LastID <= cp.LastID {
		c := v.cps[0]
		v.cps = v.cps[1:]
		switch {
		case c.LastID < cp.LastID:
			v.prunedCPs++
		case !strings.EqualFold(c.LastHash, cp.LastHash) || c.Events != cp.Events:
			v.fail(c.LastID, AuditRewritten, "differs from the checkpoint of %s (hash %s, %d events; the prune of %s has %s, %d events): the trail up to it was rewritten before it was pruned",
				c.At.UTC().Format(time.RFC3339), c.LastHash, c.Events, cp.At.UTC().Format(time.RFC3339), cp.LastHash, cp.Events)
			return
		default:
			v.matched++
		}
	}
}

func (v *verifier) fail(id int64, kind, format string, args ...any) {
	v.problem = &AuditProblem{ID: id, Kind: kind, Text: fmt.Sprintf("event %d: ", id) + fmt.Sprintf(format, args...)}
}

// step checks one event, s, following v.prev.
func (v *verifier) step(s *storedEvent) error {
	if v.pruned != nil && s.id <= v.pruned.LastID {
		v.fail(s.id, AuditInserted, "is at or before the cut of the prune of %s (up to event %d), which removed it: inserted, or the prune record was altered",
			v.pruned.At.UTC().Format(time.RFC3339), v.pruned.LastID)
		return nil
	}
	if s.id >= v.head.gaplessFrom {
		// The last event before the chain began, gapless_from - 1, exists
		// (Open chains up to it), and every event after it follows its
		// predecessor directly.
		want := v.prev.id + 1
		if v.head.gaplessFrom-1 > v.prev.id {
			want = v.head.gaplessFrom - 1
		}
		if s.id != want {
			switch {
			case !v.seen && v.pruned != nil:
				v.fail(want, AuditDeleted, "missing: deleted (the trail begins with event %d, and the prune of %s removed the events up to event %d)",
					s.id, v.pruned.At.UTC().Format(time.RFC3339), v.pruned.LastID)
			case !v.seen:
				v.fail(want, AuditDeleted, "missing: deleted (the trail begins with event %d)", s.id)
			default:
				v.fail(want, AuditDeleted, "missing: deleted (the trail goes from event %d to event %d)", v.prev.id, s.id)
			}
			return nil
		}
	}
	if !v.noHead && v.head.last.id > v.prev.id && v.head.last.id < s.id {
		v.fail(v.head.last.id, AuditDeleted, "missing: deleted (it is the chain's head, and the trail goes from event %d to event %d)", v.prev.id, s.id)
		return nil
	}
	if s.hash == nil {
		v.fail(s.id, AuditInserted, "has no hash: it was not appended through the chain (inserted)")
		return nil
	}
	want := chainHash(v.prev.hash, &s.auditRecord)
	if !bytes.Equal(want, s.hash) {
		return v.classify(s)
	}
	if !v.noHead && s.id == v.head.last.id && !bytes.Equal(s.hash, v.head.last.hash) {
		v.fail(s.id, AuditHead, "differs from the chain's head: it was changed and hashed again, or the head row (audit_chain) was altered")
		return nil
	}
	v.events++
	v.prev, v.seen = link{s.id, s.hash}, true
	for len(v.cps) > 0 && v.cps[0].LastID <= s.id {
		cp := v.cps[0]
		v.cps = v.cps[1:]
		if cp.LastID < s.id {
			v.fail(cp.LastID, AuditDeleted, "missing: deleted (it is the last event of the checkpoint of %s)", cp.At.UTC().Format(time.RFC3339))
			return nil
		}
		if !strings.EqualFold(cp.LastHash, hex.EncodeToString(s.hash)) || cp.Events != v.events {
			v.fail(s.id, AuditRewritten, "differs from the checkpoint of %s (hash %s, %d events; the trail has %x, %d events): the trail up to it was rewritten",
				cp.At.UTC().Format(time.RFC3339), cp.LastHash, cp.Events, s.hash, v.events)
			return nil
		}
		v.matched++
	}
	return nil
}

// classify names what an event whose hash does not follow shows, looking at
// the event after it: if that one follows from this one's stored hash, the
// stored hash is genuine and this event's contents changed; if it follows
// from the hash before, this event is not part of the chain.
func (v *verifier) classify(s *storedEvent) error {
	next, err := v.next(s.id)
	if err != nil {
		return err
	}
	follows := func(prev []byte) bool { // next's stored hash follows from prev
		return next != nil && next.hash != nil && bytes.Equal(next.hash, chainHash(prev, &next.auditRecord))
	}
	genuine := follows(s.hash) || next == nil && !v.noHead && s.id == v.head.last.id && bytes.Equal(s.hash, v.head.last.hash)
	switch {
	case genuine && s.id >= v.head.gaplessFrom: // (a deletion before it would have been a gap)
		v.fail(s.id, AuditEdited, "its contents no longer match its hash: edited after it was recorded (or swapped with another event's)")
	case genuine:
		v.fail(s.id, AuditChanged, "its contents no longer match its hash: edited, or an event just before it was deleted")
	case follows(v.prev.hash):
		v.fail(s.id, AuditInserted, "not part of the chain (event %d follows event %d directly): inserted", next.id, v.prev.id)
	default:
		v.fail(s.id, AuditChanged, "its hash does not follow from its contents and the events before it: edited, inserted or reordered")
	}
	return nil
}

// end checks, after the last event, what the head and the checkpoints say
// should be there.
func (v *verifier) end() {
	switch {
	case v.noHead:
		v.problem = &AuditProblem{Kind: AuditHead, Text: "the chain's head row (audit_chain) is missing: deleted"}
		return
	case v.head.last.id > v.prev.id:
		v.fail(v.prev.id+1, AuditTruncated, "missing: %s, but the chain's head is event %d: events were deleted from the end (truncated)",
			v.ending(), v.head.last.id)
	case len(v.cps) > 0:
		cp := v.cps[len(v.cps)-1]
		v.fail(v.prev.id+1, AuditTruncated, "missing: %s, but the checkpoint of %s goes up to event %d: events were deleted from the end (truncated), or the checkpoint is not of this trail",
			v.ending(), cp.At.UTC().Format(time.RFC3339), cp.LastID)
	}
}

func (v *verifier) ending() string {
	if !v.seen && v.pruned != nil {
		return fmt.Sprintf("the trail ends at the prune's cut, event %d", v.prev.id)
	}
	if !v.seen {
		return "the trail is empty"
	}
	return fmt.Sprintf("the trail ends at event %d", v.prev.id)
}

// AuditCheckpoint is a signed statement of the audit trail's head: the last
// event's id and hash and how many events the trail held then. Written as
// JSON, it is kept outside the database; `entitle audit verify --checkpoint`
// checks that the trail still agrees with it.
type AuditCheckpoint struct {
	LastID    int64     `json:"last_id"`
	LastHash  string    `json:"last_hash"` // hexadecimal
	Events    int64     `json:"events"`
	At        time.Time `json:"at"`         // when it was made
	PublicKey string    `json:"public_key"` // the signer's ed25519 public key: standard base64 of its 32 bytes
	Signature string    `json:"signature"`  // standard base64 of the ed25519 signature of SignedBytes
}

// NewAuditCheckpoint signs a checkpoint of a verified trail.
func NewAuditCheckpoint(v AuditVerification, at time.Time, key ed25519.PrivateKey) AuditCheckpoint {
	hash := v.LastHash
	if hash == nil {
		hash = genesis
	}
	cp := AuditCheckpoint{LastID: v.LastID, LastHash: hex.EncodeToString(hash), Events: v.Events, At: at.UTC(),
		PublicKey: base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))}
	cp.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(key, cp.SignedBytes()))
	return cp
}

// SignedBytes is what the signature covers: these lines, each ending in a
// newline, the hash in lower-case hexadecimal, at in RFC 3339 with
// nanoseconds as needed (time.RFC3339Nano), in UTC:
//
//	entitle audit checkpoint v1
//	last_id <decimal>
//	last_hash <hex>
//	events <decimal>
//	at <RFC 3339>
//	public_key <base64>
func (c AuditCheckpoint) SignedBytes() []byte {
	return fmt.Appendf(nil, "entitle audit checkpoint v1\nlast_id %d\nlast_hash %s\nevents %d\nat %s\npublic_key %s\n",
		c.LastID, strings.ToLower(c.LastHash), c.Events, c.At.UTC().Format(time.RFC3339Nano), c.PublicKey)
}

// Verify checks that c was signed with key (the operator's public key, held
// apart from the checkpoint: the key a checkpoint names proves nothing).
func (c AuditCheckpoint) Verify(key ed25519.PublicKey) error {
	if h, err := hex.DecodeString(c.LastHash); err != nil || len(h) != sha256.Size {
		return errors.New("the checkpoint's last_hash is not a SHA-256 hash in hexadecimal")
	}
	if c.LastID < 0 || c.Events < 0 {
		return errors.New("the checkpoint's last_id and events cannot be negative")
	}
	named, err := base64.StdEncoding.DecodeString(c.PublicKey)
	if err != nil || len(named) != ed25519.PublicKeySize {
		return errors.New("the checkpoint's public_key is not an ed25519 public key in base64")
	}
	if !bytes.Equal(named, key) {
		return fmt.Errorf("the checkpoint was signed with another key (%s), not with the public key given (%s)",
			c.PublicKey, base64.StdEncoding.EncodeToString(key))
	}
	sig, err := base64.StdEncoding.DecodeString(c.Signature)
	if err != nil || !ed25519.Verify(key, c.SignedBytes(), sig) {
		return errors.New("the checkpoint's signature is not valid: it was altered after it was signed")
	}
	return nil
}
