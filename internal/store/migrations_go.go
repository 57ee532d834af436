package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/pressly/goose/v3"
)

// Migrations written in Go, beside the SQL files of migrations/: the
// schema changes SQL cannot make inside goose's transaction.

// Migrator is goose with the store's migrations for backend ("sqlite" or
// "postgres") on raw: the SQL files of the backend's folder and its Go
// migrations. The store migrates with it; tests that start from an older
// schema version (UpTo) or go back to one (DownTo) use it too. On SQLite,
// raw must allow two connections: goose keeps one while it migrates, and a
// migration that sets foreign keys aside takes another.
func Migrator(raw *sql.DB, backend string, opts ...goose.ProviderOption) (*goose.Provider, error) {
	d := sqlite
	if backend == postgres.name {
		d = postgres
	} else if backend != sqlite.name {
		return nil, fmt.Errorf("no migrations for %q", backend)
	}
	fsys, err := fs.Sub(migrations, "migrations/"+d.name)
	if err != nil {
		return nil, err
	}
	opts = append([]goose.ProviderOption{goose.WithDisableGlobalRegistry(true), goose.WithGoMigrations(goMigrations(d.name)...)}, opts...)
	return goose.NewProvider(d.goose, raw, fsys, opts...)
}

// goMigrations are a dialect's migrations written in Go, numbered among its
// SQL files.
func goMigrations(dialect string) []*goose.Migration {
	if dialect != sqlite.name {
		return nil
	}
	return []*goose.Migration{
		goose.NewGoMigration(27,
			&goose.GoFunc{RunDB: func(ctx context.Context, db *sql.DB) error { return sqliteRebuildEntitlements(ctx, db, true) }},
			&goose.GoFunc{RunDB: func(ctx context.Context, db *sql.DB) error { return sqliteRebuildEntitlements(ctx, db, false) }}),
	}
}

// sqliteRebuildEntitlements (version 27) stores the entitlements in a
// B-tree keyed by their subscription ID (WITHOUT ROWID), or back in a rowid
// table (down). Every read of an entitlement is by its subscription ID — a
// get, and each row of a list, joined from entitlement_access — and in a
// rowid table that was two searches: the primary key's index for the rowid,
// then the table for the row. Now it is one: the complete list of the
// largest reseller got about 14 % faster (BENCHMARKS.md, "A complete list
// without the second search").
//
// SQLite cannot change a table's kind in place: the table is built anew
// from its own definition, filled in key order, and renamed, with its
// indexes created again from their own SQL — the way SQLite's
// documentation gives for any schema change ("Making Other Kinds Of Table
// Schema Changes"). Other tables refer to entitlements, so foreign keys are
// off on the connection for the rebuild (dropping the old table would
// otherwise check every row of theirs against it) and the rows that refer
// to an entitlement are checked before the commit; the connection gets
// foreign keys back whatever happens. The rebuild is one transaction, and
// it is skipped when the table already has the kind asked for, so a crash
// between its commit and goose's record of the version only repeats the
// check.
func sqliteRebuildEntitlements(ctx context.Context, db *sql.DB, withoutRowid bool) (err error) {
	if db.Stats().MaxOpenConnections == 1 {
		// goose holds that one: waiting for it would never end.
		return errors.New("rebuild entitlements: the migration needs a second connection to the database (goose holds one)")
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var ddl string
	if err := conn.QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'entitlements'`).Scan(&ddl); err != nil {
		return fmt.Errorf("entitlements: %w", err)
	}
	// The new table is the table's own definition, with or without the
	// clause (after a rename SQLite keeps the name quoted: everything up to
	// the column list is written anew).
	const clause = "WITHOUT ROWID"
	body := strings.TrimSpace(ddl)
	if strings.HasSuffix(strings.ToUpper(body), clause) == withoutRowid {
		return nil
	}
	if withoutRowid {
		body += " " + clause
	} else {
		body = strings.TrimSpace(body[:len(body)-len(clause)])
	}
	cols := strings.Index(body, "(")
	if cols < 0 {
		return fmt.Errorf("rebuild entitlements: no column list in %q", ddl)
	}
	create := "CREATE TABLE entitlements_rebuilt " + body[cols:]
	if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
		return err
	}
	defer func() {
		if _, e := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`); e != nil {
			err = errors.Join(err, e)
			conn.Raw(func(any) error { return driver.ErrBadConn }) // never hand a connection without its foreign keys back to the pool
		}
	}()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	idx, err := sqliteIndexes(ctx, tx, `tbl_name = 'entitlements'`)
	if err != nil {
		return err
	}
	for _, q := range []string{
		create,
		`INSERT INTO entitlements_rebuilt SELECT * FROM entitlements ORDER BY subscription_id`,
		`DROP TABLE entitlements`,
		`ALTER TABLE entitlements_rebuilt RENAME TO entitlements`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("rebuild entitlements: %w", err)
		}
	}
	if err := sqliteIndexesBack(ctx, tx, idx); err != nil {
		return fmt.Errorf("rebuild entitlements: %w", err)
	}
	// The tables that refer to entitlements still find every row they name.
	var broken int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT DISTINCT m.name FROM sqlite_master m, pragma_foreign_key_list(m.name) f
		WHERE m.type = 'table' AND f."table" = 'entitlements') t, pragma_foreign_key_check(t.name) c WHERE c.parent = 'entitlements'`).Scan(&broken); err != nil {
		return err
	}
	if broken > 0 {
		return fmt.Errorf("rebuild entitlements: %d rows name an entitlement that is not there", broken)
	}
	return tx.Commit()
}
