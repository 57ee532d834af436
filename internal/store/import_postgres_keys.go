package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/entitle-portal/entitle"
)

// Foreign keys during a first import on PostgreSQL. PostgreSQL checks a
// foreign key row by row, whichever way the rows arrive (COPY included): a
// query per row and key, which was about two thirds of a first import's time.
// Adding a foreign key to a filled table checks every row in one query (an
// anti-join). So a first import of many orders, inside its own transaction,
// drops the foreign keys of the tables it writes by COPY, writes, and adds
// them again, exactly as they were (their names and pg_get_constraintdef),
// before its audit event and commit. Nothing is checked less: the keys are
// added again over every row of the tables, and a row that breaks one fails
// the import, which rolls back whole — the dropped keys with it (DDL is
// transactional in PostgreSQL).
//
// The price is the lock: dropping a foreign key takes an ACCESS EXCLUSIVE
// lock on its table and on the table it references (companies, msas, orders,
// order_roles, entitlements), held until the import commits, so that nothing
// else reads or writes these tables meanwhile, not even a login's audit event
// (its company's foreign key). That is why it is done only when the caller
// allows it (ImportOptions.Exclusive: the console's import, not the API's,
// whose progress the server answers polls of meanwhile), and only for a
// first import — no order recorded, so nothing to serve yet — of at least
// bulkMinOrders orders; any other import checks row by row and locks
// nothing beyond its rows. The audit chain's lock is taken first, so that a
// transaction appending an audit event, which waits for these tables (the
// foreign key of its company), does not hold the lock the import needs at
// its end: a deadlock, if any other remains, happens before the rows are
// written, and the import starts over like any transaction that lost a race.

// bulkMinOrders is the least number of orders of a first import for which
// its foreign keys (PostgreSQL) or its indexes (SQLite,
// import_sqlite_indexes.go) are set aside: below it, row by row costs less
// than a few tenths of a second.
var bulkMinOrders = 1000

// pgKeyTables are the tables an import writes by COPY.
var pgKeyTables = []string{"companies", "msas", "orders", "order_roles", "entitlements", "entitlement_access", "webhook_events"}

// pgForeignKey is a foreign key as pg_constraint defines it.
type pgForeignKey struct {
	table, name, def string // def: pg_get_constraintdef
}

// pgKeysAside are the foreign keys an import dropped, to be added again.
type pgKeysAside []pgForeignKey

// pgSetKeysAside drops the foreign keys of the tables an import writes, if
// the import is a first import of at least bulkMinOrders orders and the
// importing role may add them again (it owns the tables); it returns them.
func pgSetKeysAside(ctx context.Context, tx pgx.Tx, b entitle.Batch) (pgKeysAside, error) {
	if batchOrders(b) < bulkMinOrders {
		return nil, nil
	}
	var recorded bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM orders)`).Scan(&recorded); err != nil {
		return nil, err
	}
	if recorded {
		return nil, nil
	}
	keys, err := pgForeignKeys(ctx, tx, pgKeyTables)
	if err != nil || keys == nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, chainLockKey); err != nil {
		return nil, fmt.Errorf("audit chain: %w", err)
	}
	for _, k := range keys {
		if _, err := tx.Exec(ctx, `ALTER TABLE `+k.table+` DROP CONSTRAINT `+pgx.Identifier{k.name}.Sanitize()); err != nil {
			return nil, fmt.Errorf("set the foreign key %s aside: %w", k.name, err)
		}
	}
	return keys, nil
}

// restore adds the foreign keys again: each checks every row of its table.
func (keys pgKeysAside) restore(ctx context.Context, tx pgx.Tx) error {
	for _, k := range keys {
		if _, err := tx.Exec(ctx, `ALTER TABLE `+k.table+` ADD CONSTRAINT `+pgx.Identifier{k.name}.Sanitize()+` `+k.def); err != nil {
			return fmt.Errorf("check the foreign key %s: %w", k.name, err)
		}
	}
	return nil
}

// pgForeignKeys returns the foreign keys of tables, or nil if the role
// running the import could not drop and add one of them again (it must own
// the table and may reference the other).
func pgForeignKeys(ctx context.Context, tx pgx.Tx, tables []string) ([]pgForeignKey, error) {
	rows, err := tx.Query(ctx, `SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid),
			pg_has_role(t.relowner, 'USAGE') AND has_table_privilege(c.confrelid, 'REFERENCES')
		FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
		WHERE c.contype = 'f' AND c.conrelid = ANY($1::text[]::regclass[])
		ORDER BY c.conrelid::regclass::text, c.conname`, tables)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys []pgForeignKey
	for rows.Next() {
		var k pgForeignKey
		var allowed bool
		if err := rows.Scan(&k.table, &k.name, &k.def, &allowed); err != nil {
			return nil, err
		}
		if !allowed {
			return nil, nil
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}
