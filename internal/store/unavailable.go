package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"reflect"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
	sqlitedriver "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/entitle-portal/entitle"
)

// A database that cannot be reached is nobody's fault and passes: callers
// answer "try again in a few seconds", not "something went wrong". So every
// error of the database drivers that means so is marked, where it comes out
// of the driver, with entitle.ErrUnavailable in its chain: each pool of the
// store opens its connections through a markingConnector, whose
// connections, statements, rows and transactions mark their errors. No
// query of the store has to remember to; the one path that leaves
// database/sql (the PostgreSQL import, on the pgx connection itself) marks
// its error on the way out (importOutcome).
//
// database/sql and pgx reconnect by themselves: a connection that failed is
// discarded (pgx also pings one idle for over a second before reusing it),
// and a new one is opened once the database is back.

// unreachable reports whether err, an error of a database driver, means
// that the database cannot be reached rather than that the statement
// failed: the connection could not be made, was lost or refused; PostgreSQL
// is shutting down or not accepting connections; the SQLite file cannot be
// opened or read. A cancelled or expired context is the caller's, not the
// database's, and is not.
func unreachable(err error) bool {
	if err == nil || err == io.EOF || err == driver.ErrSkip {
		return false // io.EOF alone is the end of rows, ErrSkip a driver's "not this way"
	}
	var connect *pgconn.ConnectError
	if errors.As(err, &connect) {
		return true // refused, timed out, authentication, too many connections: no connection
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// Class 08: connection exception; 57P01 admin_shutdown, 57P02
		// crash_shutdown, 57P03 cannot_connect_now.
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	var se *sqlitedriver.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff { // the primary result code, without the extended bits
		case sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR:
			return true
		}
		return false
	}
	var ne net.Error
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, pgconn.ErrConnClosed), errors.As(err, &ne),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), // io.EOF wrapped: the connection closed mid-message
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNABORTED),
		errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ETIMEDOUT), errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.ENETUNREACH):
		return true
	}
	return false
}

// unavailable returns err with entitle.ErrUnavailable in its chain when it
// means the database cannot be reached (see markUnavailable) — unless ctx
// has ended: the caller's deadline or cancellation, not the database, is
// then the cause.
func unavailable(ctx context.Context, err error) error {
	if err == nil || ctx.Err() != nil {
		return err
	}
	return markUnavailable(err)
}

// markUnavailable returns err with entitle.ErrUnavailable in its chain when
// it means the database cannot be reached, and err as it is otherwise.
func markUnavailable(err error) error {
	if !unreachable(err) || errors.Is(err, entitle.ErrUnavailable) {
		return err
	}
	return fmt.Errorf("%w: %w", entitle.ErrUnavailable, err)
}

// markingConnector opens a pool's connections through a driver's
// connector, wrapped so that their errors are marked. database/sql must
// treat a wrapped connection exactly as the driver's own, so the wrappers
// implement the optional interfaces of database/sql/driver that the drivers
// (pgx's stdlib, modernc's sqlite) do: the context methods both implement
// (required, innerConn), driver.NamedValueChecker (pgx's; ErrSkip, which
// is database/sql's default, for SQLite), and driver.Validator only for a
// driver whose connections have it (SQLite's).
type markingConnector struct{ driver.Connector }

func (c markingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, unavailable(ctx, err)
	}
	inner, ok := dc.(innerConn)
	if !ok {
		dc.Close()
		return nil, fmt.Errorf("store: the driver's connection %T lacks a context method database/sql uses", dc)
	}
	w := &markedConn{c: inner}
	if _, ok := dc.(driver.Validator); ok {
		// SQLite's driver prepares a query's SQL anew for every run; pgx
		// keeps its own statement cache.
		w.stmts = map[string]*cachedStmt{}
		return markedValidatingConn{w}, nil
	}
	return w, nil
}

// Close closes the driver's connector when it has anything to close
// (database/sql calls it when the pool closes).
func (c markingConnector) Close() error {
	if cl, ok := c.Connector.(io.Closer); ok {
		return cl.Close()
	}
	return nil
}

// innerConn is what a driver's connection must implement to be wrapped:
// what pgx's and SQLite's connections both do.
type innerConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
}

// markedConn is a driver's connection whose errors are marked. On SQLite
// it also keeps the statements of the queries (not the Execs: migrations
// run several statements in one) it ran prepared (stmts), so that the
// queries built per request — list pages, owner views, orders — are parsed
// once per connection, not once per run (issue 16).
type markedConn struct {
	c     innerConn
	stmts map[string]*cachedStmt // nil: no cache
}

// cachedStmt is a prepared statement of a connection's cache; busy while
// rows read from it are open, when a query of the same text prepares a
// statement of its own.
type cachedStmt struct {
	s    innerStmt
	busy bool
}

// maxCachedStmts bounds a connection's statement cache: the queries the
// store builds come in a few hundred shapes at most (filters × orders ×
// page sizes); past the bound, queries are prepared per run, as before.
const maxCachedStmts = 512

// cached returns the idle cached statement of query, preparing it if there
// is room; nil when it is busy or the cache is full.
func (c *markedConn) cached(ctx context.Context, query string) (*cachedStmt, error) {
	cs, ok := c.stmts[query]
	switch {
	case ok && cs.busy:
		return nil, nil
	case ok:
		return cs, nil
	case len(c.stmts) >= maxCachedStmts:
		return nil, nil
	}
	s, err := c.c.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	inner, ok := s.(innerStmt)
	if !ok {
		s.Close()
		return nil, nil
	}
	cs = &cachedStmt{s: inner}
	c.stmts[query] = cs
	return cs, nil
}

// Unwrap returns the driver's connection (modernc's sqlite and the pgx
// import look through the wrapper this way).
func (c *markedConn) Unwrap() driver.Conn { return c.c }

func (c *markedConn) Close() error {
	for _, cs := range c.stmts {
		cs.s.Close()
	}
	c.stmts = nil
	return c.c.Close()
}

func (c *markedConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *markedConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	s, err := c.c.PrepareContext(ctx, query)
	if err != nil {
		return nil, unavailable(ctx, err)
	}
	inner, ok := s.(innerStmt)
	if !ok {
		s.Close()
		return nil, fmt.Errorf("store: the driver's statement %T lacks a context method database/sql uses", s)
	}
	return markedStmt{inner}, nil
}

func (c *markedConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *markedConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	t, err := c.c.BeginTx(ctx, opts)
	if err != nil {
		return nil, unavailable(ctx, err)
	}
	return markedTx{t}, nil
}

func (c *markedConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	r, err := c.c.ExecContext(ctx, query, args)
	return r, unavailable(ctx, err)
}

func (c *markedConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if c.stmts != nil {
		cs, err := c.cached(ctx, query)
		if err != nil {
			return nil, unavailable(ctx, err)
		}
		if cs != nil {
			r, err := cs.s.QueryContext(ctx, args)
			if err != nil {
				return nil, unavailable(ctx, err)
			}
			cs.busy = true
			return markedRows{r: r, release: cs}, nil
		}
	}
	r, err := c.c.QueryContext(ctx, query, args)
	if err != nil {
		return nil, unavailable(ctx, err)
	}
	return markedRows{r: r}, nil
}

func (c *markedConn) Ping(ctx context.Context) error { return unavailable(ctx, c.c.Ping(ctx)) }

// ResetSession is the driver's own: its driver.ErrBadConn tells database/sql
// to discard the connection, and is never seen by a caller.
func (c *markedConn) ResetSession(ctx context.Context) error { return c.c.ResetSession(ctx) }

// CheckNamedValue is the driver's when it has one (pgx takes its own types
// of arguments); driver.ErrSkip sends database/sql to its default checks, as
// when a driver has none.
func (c *markedConn) CheckNamedValue(nv *driver.NamedValue) error {
	if nvc, ok := c.c.(driver.NamedValueChecker); ok {
		return nvc.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

// markedValidatingConn is a markedConn of a driver that validates its connections
// (SQLite); pgx's do not, and database/sql then behaves differently (it
// keeps a connection after a cancelled transaction only when it can ask).
type markedValidatingConn struct{ *markedConn }

func (c markedValidatingConn) IsValid() bool { return c.c.(driver.Validator).IsValid() }

// innerStmt is what a driver's statement must implement to be wrapped.
type innerStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

// markedStmt is a driver's prepared statement whose errors are marked. Neither
// driver's statements check arguments themselves (driver.NamedValueChecker,
// driver.ColumnConverter): database/sql asks the connection.
type markedStmt struct{ s innerStmt }

func (s markedStmt) Close() error  { return s.s.Close() }
func (s markedStmt) NumInput() int { return s.s.NumInput() }

// Exec and Query are driver.Stmt's context-free methods, which database/sql
// never calls on a statement that has the context ones.
func (s markedStmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.ExecContext(context.Background(), named(args))
}

func (s markedStmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.QueryContext(context.Background(), named(args))
}

func named(args []driver.Value) []driver.NamedValue {
	nv := make([]driver.NamedValue, len(args))
	for i, v := range args {
		nv[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return nv
}

func (s markedStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	r, err := s.s.ExecContext(ctx, args)
	return r, unavailable(ctx, err)
}

func (s markedStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	r, err := s.s.QueryContext(ctx, args)
	if err != nil {
		return nil, unavailable(ctx, err)
	}
	return markedRows{r: r}, nil
}

// markedRows are a driver's rows whose errors are marked; the column types are
// the driver's, or database/sql's defaults when it gives none. Rows of a
// cached statement free it when closed.
type markedRows struct {
	r       driver.Rows
	release *cachedStmt
}

func (r markedRows) Columns() []string { return r.r.Columns() }
func (r markedRows) Close() error {
	err := r.r.Close()
	if r.release != nil {
		r.release.busy = false
	}
	return markUnavailable(err)
}

// Next returns io.EOF itself at the end of the rows: database/sql compares.
func (r markedRows) Next(dest []driver.Value) error { return markUnavailable(r.r.Next(dest)) }

func (r markedRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.r.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}

func (r markedRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.r.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r markedRows) ColumnTypeLength(i int) (int64, bool) {
	if t, ok := r.r.(driver.RowsColumnTypeLength); ok {
		return t.ColumnTypeLength(i)
	}
	return 0, false
}

func (r markedRows) ColumnTypeNullable(i int) (nullable, ok bool) {
	if t, ok := r.r.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}

func (r markedRows) ColumnTypePrecisionScale(i int) (precision, scale int64, ok bool) {
	if t, ok := r.r.(driver.RowsColumnTypePrecisionScale); ok {
		return t.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}

// markedTx is a driver's transaction whose errors are marked.
type markedTx struct{ t driver.Tx }

func (t markedTx) Commit() error   { return markUnavailable(t.t.Commit()) }
func (t markedTx) Rollback() error { return markUnavailable(t.t.Rollback()) }
