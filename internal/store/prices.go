package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/entitle-portal/entitle"
)

// The vendor's partner price list (SKU × currency → price). Import writes it
// (import.go, import_postgres.go) with these statements, one price at a
// time: a price list is a few hundred rows, not worth a COPY.
const (
	selectPriceSQL = `SELECT partner_price FROM prices WHERE sku = ? AND currency = ?`
	insertPriceSQL = `INSERT INTO prices (sku, currency, partner_price, updated_at) VALUES (?, ?, ?, ?)`
	updatePriceSQL = `UPDATE prices SET partner_price = ?, updated_at = ? WHERE sku = ? AND currency = ?`
)

// Price returns the partner price of sku in currency, and whether there is one.
func (db *DB) Price(ctx context.Context, sku, currency string) (entitle.Decimal, bool, error) {
	var p string
	err := db.ro.QueryRowContext(ctx, db.d.q(selectPriceSQL), sku, currency).Scan(&p)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return entitle.Decimal(p), true, nil
}

// Prices returns the partner prices of sku in every currency it has one in,
// by currency (none: an empty list).
func (db *DB) Prices(ctx context.Context, sku string) ([]entitle.Price, error) {
	rows, err := db.ro.QueryContext(ctx, db.d.q(`SELECT currency, partner_price FROM prices WHERE sku = ? ORDER BY currency`), sku)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []entitle.Price
	for rows.Next() {
		p := entitle.Price{SKU: sku}
		var price string
		if err := rows.Scan(&p.Currency, &price); err != nil {
			return nil, err
		}
		p.PartnerPrice = entitle.Decimal(price)
		out = append(out, p)
	}
	return out, rows.Err()
}

// priceRows is how writePrices reads and writes the prices table inside an
// import's transaction: through database/sql (SQLite) or pgx (PostgreSQL).
type priceRows struct {
	// get returns the recorded price of sku in currency.
	get func(sku, currency string) (price string, ok bool, err error)
	// exec runs a statement written with ? placeholders.
	exec func(query string, args ...any) error
}

// writePrices records validated prices: a new (SKU, currency) is created, a
// recorded one with another price is updated in place, the same price is
// left unchanged; c counts which. A price's text is its value: "120.0" over
// "120.00" is an update, as an order line's unit price is compared as text.
// tick is called after each price.
func writePrices(ps []entitle.Sourced[entitle.Price], now time.Time, c *entitle.Counts, rows priceRows, tick func()) error {
	for _, s := range ps {
		p := s.Record
		old, ok, err := rows.get(p.SKU, p.Currency)
		switch {
		case err != nil:
		case !ok:
			err = rows.exec(insertPriceSQL, p.SKU, p.Currency, string(p.PartnerPrice), now.UnixMicro())
			c.Created++
		case old != string(p.PartnerPrice):
			err = rows.exec(updatePriceSQL, string(p.PartnerPrice), now.UnixMicro(), p.SKU, p.Currency)
			c.Updated++
		default:
			c.Unchanged++
		}
		if err != nil {
			return fmt.Errorf("price of %s in %s: %w", p.SKU, p.Currency, err)
		}
		tick()
	}
	return nil
}
