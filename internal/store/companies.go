package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/entitle-portal/entitle"
)

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// Company returns the company with key.
func (db *DB) Company(ctx context.Context, key string) (entitle.Company, error) {
	var c entitle.Company
	err := db.ro.QueryRowContext(ctx, db.d.q(`SELECT key, name, kind FROM companies WHERE key = ?`), key).
		Scan(&c.Key, &c.Name, &c.Kind)
	if errors.Is(err, sql.ErrNoRows) {
		return c, entitle.ErrNotFound
	}
	return c, err
}

// Companies returns every company, by key.
func (db *DB) Companies(ctx context.Context) ([]entitle.Company, error) {
	rows, err := db.ro.QueryContext(ctx, `SELECT key, name, kind FROM companies ORDER BY key`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []entitle.Company
	for rows.Next() {
		var c entitle.Company
		if err := rows.Scan(&c.Key, &c.Name, &c.Kind); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// VendorKey returns the vendor company's key, "" when none is recorded.
// Once recorded, the vendor never changes (an import may not alter a
// company), so the answer is remembered.
func (db *DB) VendorKey(ctx context.Context) (string, error) {
	if k, ok := db.vendor.Load().(string); ok {
		return k, nil
	}
	k, err := vendorKey(ctx, db.keys)
	if err == nil && k != "" {
		db.vendor.Store(k)
	}
	return k, err
}

func vendorKey(ctx context.Context, q querier) (string, error) {
	var key string
	err := q.QueryRowContext(ctx, `SELECT key FROM companies WHERE kind = 'vendor'`).Scan(&key)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return key, err
}

// companyID returns the id of the company with key, from committed data.
func (db *DB) companyID(ctx context.Context, key string) (int64, error) {
	db.mu.RLock()
	id, ok := db.idOfKey[key]
	db.mu.RUnlock()
	if ok {
		return id, nil
	}
	err := db.keys.QueryRowContext(ctx, db.d.q(`SELECT id FROM companies WHERE key = ?`), key).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, entitle.ErrNotFound
	}
	if err != nil {
		return 0, err
	}
	db.remember(id, key)
	return id, nil
}

// companyKey returns the key of the company with id, from committed data.
func (db *DB) companyKey(ctx context.Context, id int64) (string, error) {
	db.mu.RLock()
	key, ok := db.keyOfID[id]
	db.mu.RUnlock()
	if ok {
		return key, nil
	}
	err := db.keys.QueryRowContext(ctx, db.d.q(`SELECT key FROM companies WHERE id = ?`), id).Scan(&key)
	if err != nil {
		return "", fmt.Errorf("company %d: %w", id, err)
	}
	db.remember(id, key)
	return key, nil
}

func (db *DB) remember(id int64, key string) {
	db.mu.Lock()
	db.idOfKey[key] = id
	db.keyOfID[id] = key
	db.mu.Unlock()
}
