package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestUnreachable: what the store counts as "the database cannot be
// reached", on errors made by hand where the real thing cannot produce
// them on demand, and on PostgreSQL's own word for a connection terminated
// by its administrator (57P01, as in a restart), produced for real.
func TestUnreachable(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{io.EOF, false}, // the end of rows
		{driver.ErrSkip, false},
		{context.Canceled, false},
		{fmt.Errorf("query: %w", context.DeadlineExceeded), false},
		{errors.New("no such table: users"), false},
		{&pgconn.PgError{Code: "23505"}, false}, // unique_violation
		{&pgconn.PgError{Code: "40001"}, false}, // serialization_failure: retried, not unavailable
		{&pgconn.PgError{Code: "08006"}, true},  // connection_failure
		{&pgconn.PgError{Code: "57P03"}, true},  // cannot_connect_now: starting up
		{fmt.Errorf("read: %w", io.EOF), true},  // the connection closed mid-message
		{io.ErrUnexpectedEOF, true},
		{driver.ErrBadConn, true},
		{fmt.Errorf("x: %w", pgconn.ErrConnClosed), true},
	} {
		if got := unreachable(tc.err); got != tc.want {
			t.Errorf("unreachable(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}

	if os.Getenv("ENTITLE_TEST_BACKEND") != "postgres" {
		t.Skip("the rest runs with ENTITLE_TEST_BACKEND=postgres")
	}
	dsn := os.Getenv("ENTITLE_TEST_POSTGRES")
	if dsn == "" {
		dsn = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	victim, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer victim.Close(ctx)
	admin, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, `SELECT pg_terminate_backend($1)`, victim.PgConn().PID()); err != nil {
		t.Fatal(err)
	}
	// The server closes the connection once its message is sent; wait for
	// it, so that the next query reads the message.
	time.Sleep(100 * time.Millisecond)
	_, err = victim.Exec(ctx, `SELECT 1`)
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "57P01" {
		t.Logf("the terminated connection's error is %v, not 57P01", err)
	}
	if err == nil || !unreachable(err) {
		t.Errorf("a query on a terminated connection: %v; unreachable %v, want true", err, unreachable(err))
	}
}
