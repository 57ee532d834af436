package store

import (
	"context"
	"database/sql"
	"errors"
	"math/bits"

	"github.com/entitle-portal/entitle"
)

// Role bits of entitlement_access.roles.
var roleBits = map[entitle.Role]int64{
	entitle.RolePurchasingEntity: 1,
	entitle.RoleOwner:            2,
	entitle.RoleReseller:         4,
	entitle.RoleInstaller:        8,
}

// roleAssignments are the roles of a role bit set, held by company, in
// Roles order (nil for none), in one allocation.
func roleAssignments(set int64, company string) []entitle.RoleAssignment {
	if set == 0 {
		return nil
	}
	out := make([]entitle.RoleAssignment, 0, bits.OnesCount64(uint64(set)))
	for _, r := range entitle.Roles {
		if set&roleBits[r] != 0 {
			out = append(out, entitle.RoleAssignment{Role: r, Company: company})
		}
	}
	return out
}

// loadOrder reads a whole order: the order row, its role assignments and its
// lines. Company keys are read by join, so it works inside a transaction.
func loadOrder(ctx context.Context, d dialect, q querier, id int64) (entitle.OrderRecord, error) {
	o := entitle.OrderRecord{ID: id}
	var orderDate string
	var bt, site [3]sql.NullString
	err := q.QueryRowContext(ctx, d.q(`SELECT o.po_number, m.number, o.order_date, o.currency, pe.key, ow.key,
			o.bill_to_name, o.bill_to_address, o.bill_to_country, o.site_name, o.site_address, o.site_country
		FROM orders o JOIN msas m ON m.id = o.msa_id
		JOIN companies pe ON pe.id = o.purchasing_entity_id JOIN companies ow ON ow.id = o.owner_id
		WHERE o.id = ?`), id).Scan(&o.PONumber, &o.MSA, &orderDate, &o.Currency, &o.PurchasingEntity, &o.Owner,
		&bt[0], &bt[1], &bt[2], &site[0], &site[1], &site[2])
	if errors.Is(err, sql.ErrNoRows) {
		return o, entitle.ErrNotFound
	}
	if err != nil {
		return o, err
	}
	if o.OrderDate, err = entitle.ParseDate(orderDate); err != nil {
		return o, err
	}
	o.BillTo, o.InstallationSite = address(bt), address(site)

	rows, err := q.QueryContext(ctx, d.q(`SELECT r.role, c.key FROM order_roles r JOIN companies c ON c.id = r.company_id
		WHERE r.order_id = ? AND r.role IN ('reseller', 'installer') ORDER BY r.role, r.position`), id)
	if err != nil {
		return o, err
	}
	for rows.Next() {
		var role, key string
		if err := rows.Scan(&role, &key); err != nil {
			rows.Close()
			return o, err
		}
		if role == string(entitle.RoleReseller) {
			o.Resellers = append(o.Resellers, key)
		} else {
			o.Installers = append(o.Installers, key)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return o, err
	}

	rows, err = q.QueryContext(ctx, d.q(`SELECT e.line_no, e.sku, e.description, e.quantity, e.unit_price, e.subscription_id, e.start_date, e.end_date, c.key
		FROM entitlements e JOIN companies c ON c.id = e.owner_id WHERE e.order_id = ? ORDER BY e.line_no`), id)
	if err != nil {
		return o, err
	}
	defer rows.Close()
	for rows.Next() {
		var l entitle.Line
		var start, end, owner string
		if err := rows.Scan(&l.Line, &l.SKU, &l.Description, &l.Quantity, &l.UnitPrice, &l.SubscriptionID, &start, &end, &owner); err != nil {
			return o, err
		}
		if o.Owners == nil {
			o.Owners = map[string]string{}
		}
		o.Owners[l.SubscriptionID] = owner
		if l.StartDate, err = entitle.ParseDate(start); err != nil {
			return o, err
		}
		if l.EndDate, err = entitle.ParseDate(end); err != nil {
			return o, err
		}
		o.Lines = append(o.Lines, l)
	}
	return o, rows.Err()
}

func address(f [3]sql.NullString) *entitle.Address {
	if !f[0].Valid {
		return nil
	}
	return &entitle.Address{Name: f[0].String, Address: f[1].String, Country: f[2].String}
}

func nullable(a *entitle.Address) [3]any {
	if a == nil {
		return [3]any{nil, nil, nil}
	}
	return [3]any{a.Name, a.Address, a.Country}
}
