// Package store is the only package that speaks SQL. It keeps entitle's
// records in SQLite (a file, the default) and — through the same queries and
// a second set of migrations — PostgreSQL. Dialect differences live in
// dialect.go and the per-dialect migrations; every query is written once.
//
// The store fetches facts; internal/policy decides. Queries may narrow rows
// for speed (the list index of entitlement_access, active delegations), but
// never decide what a caller sees: a test runs every policy scenario through
// the store and proves the two agree.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	sqlitedriver "modernc.org/sqlite" // the pure-Go SQLite driver: no C toolchain needed
)

//go:embed migrations
var migrations embed.FS

// DB is an open store. It is safe for concurrent use.
type DB struct {
	d  dialect
	rw *sql.DB // writes; one connection on SQLite, so writers queue in Go, not on SQLITE_BUSY
	ro *sql.DB // reads
	// keys serves only single-row lookups of company ids and keys. Reads on
	// ro resolve ids while their rows are still open; were those lookups
	// drawn from ro too, a burst of concurrent reads could take every ro
	// connection and then wait forever for one more. A lookup on keys never
	// holds its connection while waiting for anything else, so it always
	// completes.
	keys *sql.DB

	stmt statements

	auditq      chan auditRequest // group commit of audit events
	auditMu     sync.RWMutex      // guards auditClosed against sends
	auditClosed bool
	closing     chan struct{}
	auditDone   chan struct{}

	// SQLite: the spool of disclosure events (auditspool.go); nil on
	// PostgreSQL and for an in-memory database.
	spool      *auditSpool
	spoolMu    sync.Mutex // one move at a time
	spoolMoved int64      // the spool id the last move of this process reached
	spoolDone  chan struct{}

	vendor  atomic.Value // the vendor's key, once known
	trace   atomic.Pointer[func(Statement)]
	stmtSQL map[*sql.Stmt]string // the text of each prepared statement, for Trace

	mu      sync.RWMutex
	idOfKey map[string]int64 // key → id; keys and ids never change once written
	keyOfID map[int64]string
}

// Open opens (creating if needed) the store named by dsn — a file path for
// SQLite, a postgres:// URL for PostgreSQL — and applies pending migrations.
func Open(ctx context.Context, dsn string) (*DB, error) {
	if dsn == "" {
		return nil, errors.New("no database: give --db or set ENTITLE_DB")
	}
	db := &DB{idOfKey: map[string]int64{}, keyOfID: map[int64]string{}}
	var err error
	if IsPostgres(dsn) {
		err = db.openPostgres(dsn)
	} else {
		err = db.openSQLite(dsn)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", Redact(dsn), err)
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", Redact(dsn), err)
	}
	if err := db.chainOldAuditEvents(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", Redact(dsn), err)
	}
	if err := db.prepare(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if !db.d.serializable && spoolable(dsn) {
		if db.spool, err = openSpool(ctx, dsn); err != nil {
			db.Close()
			return nil, err
		}
		// Events a process killed before it moved them (auditspool.go).
		if err := db.settleAudit(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("open %s: %w", Redact(dsn), err)
		}
	}
	db.auditq, db.closing, db.auditDone = make(chan auditRequest, 1024), make(chan struct{}), make(chan struct{})
	go db.auditWriter()
	if db.spool != nil {
		db.spoolDone = make(chan struct{})
		go db.spoolMover()
	}
	return db, nil
}

// IsPostgres reports whether dsn names a PostgreSQL database (a postgres://
// or postgresql:// URL); anything else is a SQLite file path.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Redact hides the password of a DSN, for messages.
func Redact(dsn string) string {
	if !IsPostgres(dsn) {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "the PostgreSQL database"
	}
	return u.Redacted()
}

// openSQLite opens the three pools on a SQLite file: one writer connection
// (writers queue in Go, not on SQLITE_BUSY), readers, and key lookups.
func (db *DB) openSQLite(path string) error {
	db.d = sqlite
	open := func(readOnly bool) (*sql.DB, error) {
		c, err := sqlitedriver.NewConnector(sqliteDSN(path, readOnly))
		if err != nil {
			return nil, err
		}
		return sql.OpenDB(markingConnector{c}), nil
	}
	var err error
	if db.rw, err = open(false); err != nil {
		return err
	}
	db.rw.SetMaxOpenConns(1)
	db.rw.SetConnMaxIdleTime(0)
	if db.ro, err = open(true); err != nil {
		return err
	}
	db.ro.SetMaxOpenConns(max(4, 2*runtime.GOMAXPROCS(0)))
	db.ro.SetMaxIdleConns(max(4, 2*runtime.GOMAXPROCS(0)))
	if db.keys, err = open(true); err != nil {
		return err
	}
	db.keys.SetMaxOpenConns(2)
	db.keys.SetMaxIdleConns(2)
	return nil
}

// openPostgres opens the pools on a PostgreSQL database through pgx: reads
// (2 × cores, at least 4), writes (cores, at least 4) and key lookups (2, for
// the reason given on DB.keys). The DSN parameter pool_max_conns=N, when
// given, sets the reads and writes pools to N each; connect_timeout=SECONDS
// bounds a connection attempt (10 s when not given).
func (db *DB) openPostgres(dsn string) error {
	db.d = postgres
	u, err := url.Parse(dsn)
	if err != nil {
		return errors.New("the PostgreSQL URL is malformed")
	}
	cores := runtime.GOMAXPROCS(0)
	reads, writes := max(4, 2*cores), max(4, cores)
	q := u.Query()
	if v := q.Get("pool_max_conns"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("pool_max_conns must be a positive whole number, not %q", v)
		}
		reads, writes = n, n
		q.Del("pool_max_conns")
		u.RawQuery = q.Encode()
	}
	cfg, err := pgx.ParseConfig(u.String())
	if err != nil {
		return err
	}
	if cfg.ConnectTimeout == 0 {
		// A server that takes the connection and never answers must not
		// hold a pool's connection attempt (and the audit writer) forever.
		cfg.ConnectTimeout = defaultConnectTimeout
	}
	open := func(maxConns int) *sql.DB {
		d := sql.OpenDB(markingConnector{stdlib.GetConnector(*cfg)})
		d.SetMaxOpenConns(maxConns)
		d.SetMaxIdleConns(maxConns)
		d.SetConnMaxIdleTime(5 * time.Minute)
		return d
	}
	db.rw, db.ro, db.keys = open(writes), open(reads), open(2)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return db.ro.PingContext(ctx)
}

// defaultConnectTimeout bounds a connection attempt to PostgreSQL when the
// DSN does not (connect_timeout=SECONDS).
const defaultConnectTimeout = 10 * time.Second

// statements are the prepared queries of the hot read paths.
type statements struct {
	entitlementFacts, entitlementRoles, ownerDelegations, userByToken, ownerView *sql.Stmt
	insertAudit, auditTip, auditHead                                             *sql.Stmt // on rw: used inside write transactions
}

func (db *DB) prepare(ctx context.Context) error {
	db.stmtSQL = map[*sql.Stmt]string{}
	for _, s := range []struct {
		dst   **sql.Stmt
		query string
	}{
		// An entitlement with every fact one company's question needs, in one
		// read: a row per role assignment on its order, then a row per
		// delegation from the owner to the company that covers it (any state).
		{&db.stmt.entitlementFacts, `SELECT ` + entitlementColumns + `, r.role, r.company_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL
			FROM entitlements e JOIN order_roles r ON r.order_id = e.order_id
			WHERE e.subscription_id = ?
			UNION ALL
			SELECT ` + entitlementColumns + `, NULL, NULL, d.id, d.all_scope, d.expires_at, d.created_at, d.created_by, d.revoked_at, COALESCE(d.revoked_by, '')
			FROM entitlements e JOIN delegations d ON d.owner_id = e.owner_id
			WHERE e.subscription_id = ? AND d.delegate_id = ?
			AND (d.all_scope OR EXISTS (SELECT 1 FROM delegation_items i WHERE i.delegation_id = d.id AND i.subscription_id = e.subscription_id))`},
		// An entitlement with its order's role assignments: one row per assignment.
		{&db.stmt.entitlementRoles, `SELECT ` + entitlementColumns + `, r.role, r.company_id
			FROM entitlements e JOIN order_roles r ON r.order_id = e.order_id
			WHERE e.subscription_id = ? ORDER BY r.position`},
		{&db.stmt.userByToken, `SELECT ` + userColumns + `, t.last_used_at, t.scopes
			FROM api_tokens t JOIN users u ON u.id = t.user_id JOIN companies c ON c.id = u.company_id
			WHERE t.hash = ? AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?)`},
		// Every delegation of the owner that covers the subscription, in any state.
		{&db.stmt.ownerDelegations, `SELECT d.id, d.delegate_id, d.all_scope, d.expires_at, d.created_at, d.created_by, d.revoked_at, COALESCE(d.revoked_by, '')
			FROM delegations d WHERE d.owner_id = ?
			AND (d.all_scope OR EXISTS (SELECT 1 FROM delegation_items i WHERE i.delegation_id = d.id AND i.subscription_id = ?))
			ORDER BY d.id`},
		// Owner & location of one order (R4).
		{&db.stmt.ownerView, `SELECT ` + ownerViewColumns + `
			FROM orders o JOIN companies c ON c.id = o.owner_id WHERE o.id = ?`},
	} {
		st, err := db.ro.PrepareContext(ctx, db.d.q(s.query))
		if err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
		*s.dst = st
		db.stmtSQL[st] = db.d.q(s.query)
	}
	for _, s := range []struct {
		dst   **sql.Stmt
		query string
	}{{&db.stmt.insertAudit, insertAuditSQL}, {&db.stmt.auditTip, auditTipSQL}, {&db.stmt.auditHead, auditHeadSQL}} {
		st, err := db.rw.PrepareContext(ctx, db.d.q(s.query))
		if err != nil {
			return fmt.Errorf("prepare: %w", err)
		}
		*s.dst = st
	}
	return nil
}

// sqliteCacheKiB is the page cache of each SQLite connection, in KiB.
const sqliteCacheKiB = 32768

// sqliteDSN sets what every connection needs: WAL (readers never block the
// writer), synchronous=FULL (a committed write survives power loss), foreign
// keys, a busy timeout for other processes, and immediate write transactions
// (no deadlock upgrading a read lock).
func sqliteDSN(path string, readOnly bool) string {
	q := "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)&_pragma=journal_mode(WAL)" +
		fmt.Sprintf("&_pragma=cache_size(-%d)", sqliteCacheKiB)
	if readOnly {
		q += "&_pragma=query_only(1)"
	} else {
		q += "&_txlock=immediate"
	}
	return "file:" + path + "?" + q
}

func (db *DB) migrate(ctx context.Context) error {
	var opts []goose.ProviderOption
	if db.d.goose == goose.DialectPostgres {
		// Several processes starting at once: one migrates, the others wait.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := Migrator(db.rw, db.d.name, opts...)
	if err != nil {
		return err
	}
	if db.d.name == sqlite.name {
		// goose holds a connection while it migrates; a Go migration
		// that runs outside goose's transaction takes a second one
		// (migrations_go.go). Writes queue on one connection again after.
		db.rw.SetMaxOpenConns(2)
		defer db.rw.SetMaxOpenConns(1)
	}
	_, err = p.Up(ctx)
	return err
}

// Version returns the schema version applied.
func (db *DB) Version(ctx context.Context) (int64, error) {
	p, err := Migrator(db.rw, db.d.name)
	if err != nil {
		return 0, err
	}
	return p.GetDBVersion(ctx)
}

// Close closes the store. Audit events already acknowledged are committed;
// callers must not use the store during or after Close.
func (db *DB) Close() error {
	if db.closing != nil {
		db.auditMu.Lock()
		db.auditClosed = true
		db.auditMu.Unlock()
		close(db.closing)
		<-db.auditDone
		if db.spoolDone != nil {
			<-db.spoolDone
		}
		db.closing = nil
	}
	var errs []error
	if db.spool != nil {
		// The last events of this process into the chain and out of the
		// spool (the audit writer has stopped); should that fail, they stay
		// in the spool for the next Open.
		ctx, cancel := context.WithTimeout(context.Background(), auditBatchTimeout)
		errs = append(errs, db.settleAudit(ctx), db.spool.write(ctx, nil), db.spool.close())
		cancel()
		db.spool = nil
	}
	for _, st := range []*sql.Stmt{db.stmt.entitlementFacts, db.stmt.entitlementRoles, db.stmt.ownerDelegations, db.stmt.userByToken,
		db.stmt.ownerView, db.stmt.insertAudit, db.stmt.auditTip, db.stmt.auditHead} {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	if db.ro != nil {
		errs = append(errs, db.ro.Close())
	}
	if db.keys != nil {
		errs = append(errs, db.keys.Close())
	}
	if db.rw != nil {
		errs = append(errs, db.rw.Close())
	}
	return errors.Join(errs...)
}

// tx runs fn in a write transaction, committing when it returns nil.
func (db *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	if !db.d.serializable {
		return db.tx1(ctx, nil, fn)
	}
	// PostgreSQL: serializable transactions, so that several server
	// processes never interleave a check and its write; a transaction that
	// lost a race is run again, never reported to the user.
	opts := &sql.TxOptions{Isolation: sql.LevelSerializable}
	return retryRaces(ctx, db.d, func() error { return db.tx1(ctx, opts, fn) })
}

// retryRaces runs fn, and again (after a short random pause, growing) while
// it fails by losing a race with another transaction.
func retryRaces(ctx context.Context, d dialect, fn func() error) error {
	var err error
	for attempt := range maxTxAttempts {
		if err = fn(); err == nil || !d.retryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(1+rand.IntN(5<<attempt)) * time.Millisecond):
		}
	}
	return fmt.Errorf("gave up after %d attempts: %w", maxTxAttempts, err)
}

// cancelled is err, or when ctx ended first, ctx's error with err's words:
// database/sql rolls a transaction back and closes its statements as soon as
// its context is cancelled, so the statement running then fails with
// "sql: statement is closed" or "sql: transaction has already been committed
// or rolled back" — the cancellation is the cause, and callers ask for it
// with errors.Is(err, context.Canceled).
func cancelled(ctx context.Context, err error) error {
	if err == nil || ctx.Err() == nil || errors.Is(err, ctx.Err()) {
		return err
	}
	return fmt.Errorf("%w (%v)", ctx.Err(), err)
}

// maxTxAttempts bounds the retries of a transaction that keeps losing races.
const maxTxAttempts = 10

func (db *DB) tx1(ctx context.Context, opts *sql.TxOptions, fn func(*sql.Tx) error) error {
	tx, err := db.rw.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return cancelled(ctx, err)
	}
	return cancelled(ctx, tx.Commit())
}

// micros and fromMicros convert instants to and from their stored form.
func micros(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMicro(), Valid: true}
}

func fromMicros(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.UnixMicro(n.Int64).UTC()
}

// tables lists every table, for Counts.
var tables = []string{"companies", "users", "api_tokens", "msas", "orders", "order_roles", "entitlements",
	"entitlement_access", "delegations", "delegation_items", "delegation_items_dropped", "audit_events", "sessions", "invitations", "settings",
	"rate_limits", "prices", "renewal_requests", "transfers", "notice_claims",
	"webhooks", "webhook_events", "webhook_deliveries", "announcements", "announcement_dismissals",
	"password_resets", "audit_prunes"}

// Counts returns the number of rows of each table: what an operator checks
// after an import, and what tests compare to prove nothing changed.
func (db *DB) Counts(ctx context.Context) (map[string]int64, error) {
	if err := db.settleAudit(ctx); err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, t := range tables {
		var n int64
		if err := db.ro.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+t).Scan(&n); err != nil {
			return nil, err
		}
		out[t] = n
	}
	return out, nil
}

// Ping checks that the database answers a query.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.ro.QueryRowContext(ctx, `SELECT 1`).Scan(&one)
}
