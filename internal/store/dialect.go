package store

import (
	"errors"
	"strconv"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pressly/goose/v3"
)

// dialect is everything that differs between SQLite and PostgreSQL, in one
// place: queries are written once with ? placeholders and rebound here.
type dialect struct {
	name  string // migrations folder
	goose goose.Dialect
	// dollar placeholders ($1, $2, …) instead of ?
	dollar bool
	// serializable write transactions, retried when they lose a race
	// (SQLite has one writer at a time: its transactions never race)
	serializable bool
}

var (
	sqlite   = dialect{name: "sqlite", goose: goose.DialectSQLite3}
	postgres = dialect{name: "postgres", goose: goose.DialectPostgres, dollar: true, serializable: true}
)

// retryable reports whether err is a transaction that lost a race and may
// simply run again: a serialization failure or a deadlock (PostgreSQL).
func (d dialect) retryable(err error) bool {
	var pe *pgconn.PgError
	return d.serializable && errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// q returns query in the dialect's placeholder syntax.
func (d dialect) q(query string) string {
	if !d.dollar {
		return query
	}
	out := make([]byte, 0, len(query)+8)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			out = append(out, '$')
			out = strconv.AppendInt(out, int64(n), 10)
			continue
		}
		out = append(out, query[i])
	}
	return string(out)
}
