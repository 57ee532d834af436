package store

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/entitle-portal/entitle"
)

// Orders returns up to limit orders of f's purchasing entity (every
// company's when it is ""), newest first — order date descending, then
// the order's id descending, a total order — after cursor after ("DATE ID",
// "" from the newest). It reads one range of orders_pe_date (or
// orders_date) and then each order of the page; the PO prefix and date
// filters narrow that range. Whose orders may be listed is the gate's to
// decide, and the policy's for each order.
func (db *DB) Orders(ctx context.Context, f entitle.OrderFilter, after string, limit int) (entitle.OrderPage, error) {
	var page entitle.OrderPage
	var where []string
	var args []any
	if after != "" {
		d, id, ok := strings.Cut(after, " ")
		n, err := strconv.ParseInt(id, 10, 64)
		if _, derr := entitle.ParseDate(d); !ok || err != nil || derr != nil {
			return page, entitle.Errorf(entitle.CodeInvalid, "cursor %q is not a position in the list of orders", after)
		}
		where, args = append(where, `(o.order_date, o.id) < (?, ?)`), append(args, d, n)
	}
	if f.PurchasingEntity != "" {
		pe, err := db.companyID(ctx, f.PurchasingEntity)
		if errors.Is(err, entitle.ErrNotFound) {
			return page, nil
		}
		if err != nil {
			return page, err
		}
		where, args = append(where, `o.purchasing_entity_id = ?`), append(args, pe)
	}
	if !f.From.IsZero() {
		where, args = append(where, `o.order_date >= ?`), append(args, f.From.String())
	}
	if !f.To.IsZero() {
		where, args = append(where, `o.order_date <= ?`), append(args, f.To.String())
	}
	if f.POPrefix != "" {
		where = append(where, `LOWER(SUBSTR(o.po_number, 1, ?)) = ?`)
		args = append(args, utf8.RuneCountInString(f.POPrefix), strings.ToLower(f.POPrefix))
	}
	q := `SELECT o.id, o.order_date FROM orders o`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	rows, err := db.r().QueryContext(ctx, db.d.q(q+` ORDER BY o.order_date DESC, o.id DESC LIMIT ?`), append(args, limit+1)...)
	if err != nil {
		return page, err
	}
	var ids []int64
	var dates []string
	for rows.Next() {
		var id int64
		var date string
		if err := rows.Scan(&id, &date); err != nil {
			rows.Close()
			return page, err
		}
		ids, dates = append(ids, id), append(dates, date)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return page, err
	}
	if len(ids) > limit {
		ids = ids[:limit]
		page.Next = dates[limit-1] + " " + strconv.FormatInt(ids[limit-1], 10)
	}
	for _, id := range ids {
		o, err := loadOrder(ctx, db.d, db.r(), id)
		if err != nil {
			return page, err
		}
		page.Orders = append(page.Orders, o)
	}
	return page, nil
}

// Resellers returns the resellers of each of the orders, in the order the
// PO listed them; an order without one is absent.
func (db *DB) Resellers(ctx context.Context, orderIDs []int64) (map[int64][]string, error) {
	out := map[int64][]string{}
	if len(orderIDs) == 0 {
		return out, nil
	}
	args := make([]any, len(orderIDs))
	for i, id := range orderIDs {
		args[i] = id
	}
	rows, err := db.r().QueryContext(ctx, db.d.q(`SELECT r.order_id, c.key FROM order_roles r JOIN companies c ON c.id = r.company_id
		WHERE r.role = 'reseller' AND r.order_id IN (`+placeholders(len(orderIDs))+`) ORDER BY r.order_id, r.position`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var key string
		if err := rows.Scan(&id, &key); err != nil {
			return nil, err
		}
		out[id] = append(out[id], key)
	}
	return out, rows.Err()
}
