package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Query plans: every read of a user-facing path goes through db.r() (or, for
// the prepared statements, reports itself with db.traceStmt), so that a test
// or an operator can record the statements a question runs and have the
// database explain them. Tracing is off unless Trace is called.

// Statement is one statement a store call ran, as sent to the database.
type Statement struct {
	Query string
	Args  []any
}

// Trace makes every user-facing read call f with its statement, until the
// returned function is called. For plans and diagnostics, not for
// production traffic.
func (db *DB) Trace(f func(Statement)) (stop func()) {
	db.trace.Store(&f)
	return func() { db.trace.Store(nil) }
}

// r is the reader of the user-facing paths: the read pool, traced when
// tracing is on.
func (db *DB) r() querier {
	if f := db.trace.Load(); f != nil {
		return tracer{db.ro, *f}
	}
	return db.ro
}

// traceStmt reports a prepared statement's run when tracing is on.
func (db *DB) traceStmt(st *sql.Stmt, args ...any) {
	if f := db.trace.Load(); f != nil {
		(*f)(Statement{Query: db.stmtSQL[st], Args: args})
	}
}

type tracer struct {
	q querier
	f func(Statement)
}

func (t tracer) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	t.f(Statement{query, args})
	return t.q.QueryRowContext(ctx, query, args...)
}

func (t tracer) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	t.f(Statement{query, args})
	return t.q.QueryContext(ctx, query, args...)
}

func (t tracer) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	t.f(Statement{query, args})
	return t.q.ExecContext(ctx, query, args...)
}

// Explain returns the database's plan for s, one line per step: EXPLAIN
// QUERY PLAN on SQLite, EXPLAIN on PostgreSQL. With indexOnly (PostgreSQL),
// sequential scans and sorts are disabled for the explanation, so that on a
// small table the plan shows whether an index path (in the order asked for)
// exists at all.
func (db *DB) Explain(ctx context.Context, s Statement, indexOnly bool) (string, error) {
	conn, err := db.ro.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	prefix := "EXPLAIN QUERY PLAN "
	if db.d.name == "postgres" {
		prefix = "EXPLAIN "
		if indexOnly {
			for _, setting := range []string{"enable_seqscan", "enable_sort"} {
				if _, err := conn.ExecContext(ctx, `SET `+setting+` = off`); err != nil {
					return "", err
				}
				defer conn.ExecContext(context.WithoutCancel(ctx), `RESET `+setting)
			}
		}
	}
	rows, err := conn.QueryContext(ctx, prefix+s.Query, s.Args...)
	if err != nil {
		return "", fmt.Errorf("explain %s: %w", s.Query, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", err
	}
	var lines []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		// SQLite: id, parent, notused, detail; PostgreSQL: one text column.
		lines = append(lines, fmt.Sprint(vals[len(vals)-1]))
	}
	return strings.Join(lines, "\n"), rows.Err()
}

// FullScans returns the steps of plan that read a whole table: on
// PostgreSQL a sequential scan of one of tables; on SQLite, whose plans name
// tables by their aliases, any SCAN that uses no index.
func (db *DB) FullScans(plan string, tables ...string) []string {
	var out []string
	for _, line := range strings.Split(plan, "\n") {
		l := strings.TrimSpace(strings.TrimLeft(line, " ->"))
		switch {
		case db.d.name == "sqlite":
			if strings.HasPrefix(l, "SCAN ") && !strings.Contains(l, " USING ") && !strings.HasPrefix(l, "SCAN CONSTANT ROW") {
				out = append(out, l)
			}
		default:
			for _, t := range tables {
				if strings.Contains(l, "Seq Scan on "+t+" ") || strings.HasSuffix(l, "Seq Scan on "+t) {
					out = append(out, l)
				}
			}
		}
	}
	return out
}

// Sorts returns the steps of plan that sort rows (SQLite's temporary
// B-tree for an ORDER BY, PostgreSQL's Sort nodes): a keyset page read in
// index order has none, so its cost is the page's, not the range's.
func (db *DB) Sorts(plan string) []string {
	var out []string
	for _, line := range strings.Split(plan, "\n") {
		l := strings.TrimSpace(strings.TrimLeft(line, " ->"))
		if db.d.name == "sqlite" && strings.HasPrefix(l, "USE TEMP B-TREE FOR") && strings.Contains(l, "ORDER BY") ||
			db.d.name != "sqlite" && (strings.HasPrefix(l, "Sort ") || strings.HasPrefix(l, "Incremental Sort ")) {
			out = append(out, l)
		}
	}
	return out
}
