package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
)

// Schema returns the schema version the database is at and the latest one
// this build knows (its newest embedded migration), for a readiness check:
// a server whose database is behind answers with a schema it was not
// written for.
//
// It reads goose's version table on the read pool rather than through
// goose (as Version does): goose takes the single SQLite writer connection,
// and a readiness probe must not queue behind writes or create tables.
func (db *DB) Schema(ctx context.Context) (have, want int64, err error) {
	want, err = latestMigration(db.d.name)
	if err != nil {
		return 0, 0, err
	}
	var v sql.NullInt64
	if err := db.ro.QueryRowContext(ctx, `SELECT MAX(version_id) FROM goose_db_version`).Scan(&v); err != nil {
		return 0, want, fmt.Errorf("read the schema version: %w", err)
	}
	return v.Int64, want, nil
}

// latestMigration is the number of the newest migration of a dialect: its
// embedded files, named NNNNN_name.sql, and its Go migrations.
func latestMigration(dialect string) (int64, error) {
	entries, err := fs.ReadDir(migrations, "migrations/"+dialect)
	if err != nil {
		return 0, err
	}
	var latest int64
	for _, m := range goMigrations(dialect) {
		latest = max(latest, m.Version)
	}
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		if !ok || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("migration %s: the name does not start with its number", e.Name())
		}
		latest = max(latest, n)
	}
	return latest, nil
}
