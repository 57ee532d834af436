package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/entitle-portal/entitle"
)

// Indexes during a first import on SQLite. Each row an import writes goes
// into every index of its table at a place given by its key (an owner, an
// end date, a SKU), so once the indexes outgrow SQLite's page cache nearly
// every row reads and writes pages of each: an import of 290,000 lines took
// 2.6–2.9× the time of half as many. Building an index over a filled table
// sorts its keys once. So a first import of many orders — no order recorded
// yet, at least bulkMinOrders — drops the plain (non-unique) indexes of the
// tables it fills inside its transaction, writes, and creates them again
// from their own SQL (sqlite_master) before its audit event and commit.
// Nothing else changes: unique indexes and primary keys, which the rows
// are checked against, stay; a failed import rolls the indexes back with
// its rows (DDL is transactional in SQLite); readers meanwhile read the
// database as it was before the import, indexes included (WAL), as they
// would of any import. See BENCHMARKS.md, "Import time, linear in size".

// sqliteBulkTables are the tables whose plain indexes a first import sets
// aside: the ones that grow with the orders.
var sqliteBulkTables = []string{"orders", "order_roles", "entitlements", "entitlement_access"}

// sqliteIndex is an index as sqlite_master records it.
type sqliteIndex struct{ name, sql string }

// sqliteSetIndexesAside drops the plain indexes of sqliteBulkTables, if b
// is a first import of at least bulkMinOrders orders, and returns them.
func sqliteSetIndexesAside(ctx context.Context, tx *sql.Tx, b entitle.Batch) ([]sqliteIndex, error) {
	if batchOrders(b) < bulkMinOrders {
		return nil, nil
	}
	var recorded bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM orders)`).Scan(&recorded); err != nil || recorded {
		return nil, err
	}
	idx, err := sqliteIndexes(ctx, tx, `sql LIKE 'CREATE INDEX %' AND tbl_name IN (`+placeholders(len(sqliteBulkTables))+`)`, anys(sqliteBulkTables)...)
	if err != nil {
		return nil, err
	}
	for _, i := range idx {
		if _, err := tx.ExecContext(ctx, `DROP INDEX "`+strings.ReplaceAll(i.name, `"`, `""`)+`"`); err != nil {
			return nil, fmt.Errorf("set the index %s aside: %w", i.name, err)
		}
	}
	return idx, nil
}

// sqliteIndexes are the indexes sqlite_master records with their SQL (not
// those SQLite makes for a primary key or UNIQUE) that match cond, by name.
func sqliteIndexes(ctx context.Context, tx *sql.Tx, cond string, args ...any) ([]sqliteIndex, error) {
	rows, err := tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_master
		WHERE type = 'index' AND sql IS NOT NULL AND `+cond+` ORDER BY name`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var idx []sqliteIndex
	for rows.Next() {
		var i sqliteIndex
		if err := rows.Scan(&i.name, &i.sql); err != nil {
			return nil, err
		}
		idx = append(idx, i)
	}
	return idx, rows.Err()
}

// sqliteSortCacheKiB is the page cache (KiB) of the connection while it
// builds the indexes again: SQLite's sorter takes as much memory as the
// page cache may, and with the import's own memory on top, 32 MiB put the
// peak of an import of scale 1.0 at 317 MB, 8 MiB at 244 MB, 2 MiB at
// 226 MB (the same as writing through the indexes), all in about the same
// time.
const sqliteSortCacheKiB = 2048

// sqliteIndexesBack creates the indexes set aside again.
func sqliteIndexesBack(ctx context.Context, tx *sql.Tx, idx []sqliteIndex) error {
	if len(idx) == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA cache_size = -%d`, sqliteSortCacheKiB)); err != nil {
		return err
	}
	// The connection's own size again, whatever happens (a pragma is the
	// connection's, not the transaction's).
	defer tx.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf(`PRAGMA cache_size = -%d`, sqliteCacheKiB))
	for _, i := range idx {
		if _, err := tx.ExecContext(ctx, i.sql); err != nil {
			return fmt.Errorf("create the index %s again: %w", i.name, err)
		}
	}
	return nil
}

// batchOrders is the number of orders in b, held or streamed.
func batchOrders(b entitle.Batch) int {
	n := len(b.Orders)
	for _, st := range b.Streams {
		n += st.Len
	}
	return n
}
