package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/entitle-portal/entitle"
)

const entitlementColumns = `e.subscription_id, e.sku, e.quantity, e.start_date, e.end_date, e.po_number, e.line_no, e.order_id, e.purchasing_entity_id, e.owner_id`

// scanEntitlement reads entitlementColumns (plus extra destinations).
func (db *DB) scanEntitlement(ctx context.Context, row interface{ Scan(...any) error }, extra ...any) (entitle.Candidate, error) {
	return db.scanEntitlementInto(ctx, row, newEntitlementRow(extra...))
}

// entitlementRow holds the destinations of one row of entitlementColumns
// (plus extra ones): a query that reads many rows scans them all into one,
// instead of allocating a dozen destinations a row (a complete list of
// thousands of rows spent a tenth of its time on them).
type entitlementRow struct {
	c          entitle.Candidate
	start, end string
	pe, owner  int64
	dst        []any
}

func newEntitlementRow(extra ...any) *entitlementRow {
	r := &entitlementRow{}
	e := &r.c.Entitlement
	r.dst = append([]any{&e.SubscriptionID, &e.SKU, &e.Quantity, &r.start, &r.end, &e.PONumber, &e.Line, &r.c.OrderID, &r.pe, &r.owner}, extra...)
	return r
}

// scanEntitlementInto reads the current row through r and returns it.
func (db *DB) scanEntitlementInto(ctx context.Context, row interface{ Scan(...any) error }, r *entitlementRow) (entitle.Candidate, error) {
	r.c = entitle.Candidate{}
	c, e := &r.c, &r.c.Entitlement
	if err := row.Scan(r.dst...); err != nil {
		return *c, err
	}
	var err error
	if e.StartDate, err = entitle.ParseDate(r.start); err != nil {
		return *c, err
	}
	if e.EndDate, err = entitle.ParseDate(r.end); err != nil {
		return *c, err
	}
	if e.PurchasingEntity, err = db.companyKey(ctx, r.pe); err != nil {
		return *c, err
	}
	if e.Owner, err = db.companyKey(ctx, r.owner); err != nil {
		return *c, err
	}
	c.Facts.SubscriptionID, c.Facts.Owner, c.Facts.PurchasingEntity = e.SubscriptionID, e.Owner, e.PurchasingEntity
	return *c, nil
}

// Entitlement returns subscription sub with the facts the policy needs to
// decide for a member of company: all the order's role assignments and the
// delegations from the owner that name company and cover sub (in any state).
// With company "" the delegations are every one of the owner's that covers
// sub, for explaining who has access (R8).
//
// It is the hot path of every "may I see this" question: one prepared
// query of index lookups.
func (db *DB) Entitlement(ctx context.Context, sub, company string) (entitle.Candidate, error) {
	if company == "" {
		return db.entitlementForExplain(ctx, sub)
	}
	var c entitle.Candidate
	cid, err := db.companyID(ctx, company)
	if errors.Is(err, entitle.ErrNotFound) {
		cid = -1 // no such company: no delegation names it
	} else if err != nil {
		return c, err
	}
	db.traceStmt(db.stmt.entitlementFacts, sub, sub, cid)
	rows, err := db.stmt.entitlementFacts.QueryContext(ctx, sub, sub, cid)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	found := false
	for rows.Next() {
		var role, id, createdBy, revokedBy sql.NullString
		var roleCompany, expires, created, revoked sql.NullInt64
		var all sql.NullBool
		cand, err := db.scanEntitlement(ctx, rows, &role, &roleCompany, &id, &all, &expires, &created, &createdBy, &revoked, &revokedBy)
		if err != nil {
			return c, err
		}
		if !found {
			c, found = cand, true
		}
		if role.Valid {
			key, err := db.companyKey(ctx, roleCompany.Int64)
			if err != nil {
				return c, err
			}
			c.Facts.Roles = append(c.Facts.Roles, currentOwner(entitle.RoleAssignment{Role: entitle.Role(role.String), Company: key}, c.Entitlement.Owner))
			continue
		}
		d := entitle.Delegation{ID: id.String, Owner: c.Entitlement.Owner, Delegate: company,
			ExpiresAt: fromMicros(expires), CreatedAt: fromMicros(created), CreatedBy: createdBy.String,
			RevokedAt: fromMicros(revoked), RevokedBy: revokedBy.String}
		if !all.Bool {
			d.SubscriptionIDs = []string{sub} // the part of its scope this question is about
		}
		c.Facts.Delegations = append(c.Facts.Delegations, d)
	}
	if err := rows.Err(); err != nil {
		return c, err
	}
	if !found {
		return c, entitle.ErrNotFound
	}
	return c, nil
}

// entitlementForExplain returns sub with all its order's role assignments
// and every delegation of the owner that covers it, in any state.
func (db *DB) entitlementForExplain(ctx context.Context, sub string) (entitle.Candidate, error) {
	var c entitle.Candidate
	db.traceStmt(db.stmt.entitlementRoles, sub)
	rows, err := db.stmt.entitlementRoles.QueryContext(ctx, sub)
	if err != nil {
		return c, err
	}
	found := false
	for rows.Next() {
		var role entitle.Role
		var cid int64
		cand, err := db.scanEntitlement(ctx, rows, &role, &cid)
		if err != nil {
			rows.Close()
			return c, err
		}
		if !found {
			c, found = cand, true
		}
		key, err := db.companyKey(ctx, cid)
		if err != nil {
			rows.Close()
			return c, err
		}
		c.Facts.Roles = append(c.Facts.Roles, currentOwner(entitle.RoleAssignment{Role: role, Company: key}, c.Entitlement.Owner))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return c, err
	}
	if !found {
		return c, entitle.ErrNotFound
	}
	ownerID, err := db.companyID(ctx, c.Entitlement.Owner)
	if err != nil {
		return c, err
	}
	db.traceStmt(db.stmt.ownerDelegations, ownerID, sub)
	rows, err = db.stmt.ownerDelegations.QueryContext(ctx, ownerID, sub)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	for rows.Next() {
		var d entitle.Delegation
		var all bool
		var expires, revoked sql.NullInt64
		var created, delegate int64
		if err := rows.Scan(&d.ID, &delegate, &all, &expires, &created, &d.CreatedBy, &revoked, &d.RevokedBy); err != nil {
			return c, err
		}
		d.ExpiresAt, d.RevokedAt, d.CreatedAt = fromMicros(expires), fromMicros(revoked), time.UnixMicro(created).UTC()
		d.Owner = c.Entitlement.Owner
		if d.Delegate, err = db.companyKey(ctx, delegate); err != nil {
			return c, err
		}
		if !all {
			d.SubscriptionIDs = []string{sub}
		}
		c.Facts.Delegations = append(c.Facts.Delegations, d)
	}
	return c, rows.Err()
}

// currentOwner returns a role assignment of an entitlement's order as it
// holds for the entitlement now: the order's owner role names the company
// that owns the entitlement today, which an ownership transfer may have
// changed (the order itself, a record of the PO as placed, never changes).
func currentOwner(a entitle.RoleAssignment, owner string) entitle.RoleAssignment {
	if a.Role == entitle.RoleOwner {
		a.Company = owner
	}
	return a
}

// OrderByPO finds the order with PO number po among the POs placed by
// purchasing entity pe (R3: a PO is only ever looked up among its purchasing
// entity's own), with the policy's facts for a member of company.
func (db *DB) OrderByPO(ctx context.Context, pe, po string) (entitle.OrderRecord, entitle.Facts, error) {
	var id int64
	err := db.r().QueryRowContext(ctx, db.d.q(`SELECT o.id FROM orders o JOIN companies c ON c.id = o.purchasing_entity_id
		WHERE c.key = ? AND o.po_number = ?`), pe, po).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return entitle.OrderRecord{}, entitle.Facts{}, entitle.ErrNotFound
	}
	if err != nil {
		return entitle.OrderRecord{}, entitle.Facts{}, err
	}
	o, err := loadOrder(ctx, db.d, db.r(), id)
	if err != nil {
		return o, entitle.Facts{}, err
	}
	return o, entitle.Facts{Owner: o.Owner, PurchasingEntity: o.PurchasingEntity, Roles: o.Assignments()}, nil
}

// OwnerViews returns the owner & location of orders, by order id. Callers ask
// only for orders whose decision includes policy.ViewOwner.
func (db *DB) OwnerViews(ctx context.Context, orderIDs []int64) (map[int64]entitle.OwnerView, error) {
	out := map[int64]entitle.OwnerView{}
	ids := slices.Compact(slices.Sorted(slices.Values(orderIDs)))
	if len(ids) == 1 { // a get: the prepared query
		db.traceStmt(db.stmt.ownerView, ids[0])
		id, v, err := scanOwnerView(db.stmt.ownerView.QueryRowContext(ctx, ids[0]))
		if errors.Is(err, sql.ErrNoRows) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out[id] = v
		return out, nil
	}
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := db.r().QueryContext(ctx, db.d.q(`SELECT `+ownerViewColumns+`
			FROM orders o JOIN companies c ON c.id = o.owner_id WHERE o.id IN (`+placeholders(len(chunk))+`)`), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			id, v, err := scanOwnerView(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = v
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ownerViewColumns are what scanOwnerView reads, from orders o joined with
// their owner c.
const ownerViewColumns = `o.id, c.key, c.name, c.kind, o.site_name, o.site_address, o.site_country`

func scanOwnerView(row interface{ Scan(...any) error }) (int64, entitle.OwnerView, error) {
	var id int64
	var v entitle.OwnerView
	var site [3]sql.NullString
	err := row.Scan(&id, &v.Owner.Key, &v.Owner.Name, &v.Owner.Kind, &site[0], &site[1], &site[2])
	v.Site = address(site)
	return id, v, err
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

// listKey is an entitlement's position in the order: for the end-date orders
// the date (fixed width) and the subscription ID, so that comparing keys
// as strings compares the pairs.
func listKey(o entitle.ListOrder, e entitle.Entitlement) string {
	if o == entitle.BySubscription {
		return e.SubscriptionID
	}
	return e.EndDate.String() + " " + e.SubscriptionID
}

// orderBefore reports whether key a comes before key b in the order.
func orderBefore(o entitle.ListOrder, a, b string) bool {
	if o == entitle.ByEndDateDesc {
		return a > b
	}
	return a < b
}

// position is a cursor read in its list's order: the last subscription
// shown and, in the end-date orders, its end date. The zero position (no
// cursor) is before the first row.
type position struct {
	order     entitle.ListOrder
	date, sub string
	first     bool
}

// readPosition reads cursor after in order o.
func readPosition(o entitle.ListOrder, after string) (position, error) {
	p := position{order: o, sub: after, first: after == ""}
	switch o {
	case entitle.BySubscription:
		return p, nil
	case entitle.ByEndDate, entitle.ByEndDateDesc:
		if p.first {
			return p, nil
		}
		d, s, ok := strings.Cut(after, " ")
		if _, err := entitle.ParseDate(d); !ok || err != nil || s == "" {
			return p, entitle.Errorf(entitle.CodeInvalid, "cursor %q is not a position in end-date order", after)
		}
		p.date, p.sub = d, s
		return p, nil
	}
	return p, entitle.Errorf(entitle.CodeInvalid, "no list order %q", string(o))
}

// keyset returns the condition that selects the rows after p, and the
// ORDER BY, on a branch whose end date and subscription columns are date and
// sub (an index of the branch holds them in this order).
func (p position) keyset(date, sub string) (cond string, args []any, orderBy string) {
	if p.order == entitle.BySubscription {
		return sub + ` > ?`, []any{p.sub}, sub
	}
	cmp, dir := ">", ""
	if p.order == entitle.ByEndDateDesc {
		cmp, dir = "<", " DESC"
	}
	orderBy = date + dir + `, ` + sub + dir
	if p.first {
		return "1 = 1", nil, orderBy
	}
	return `(` + date + `, ` + sub + `) ` + cmp + ` (?, ?)`, []any{p.date, p.sub}, orderBy
}

// filterSQL returns the filter's conditions on entitlements e.
func filterSQL(f entitle.ListFilter) (string, []any) {
	var conds []string
	var args []any
	if f.SKU != "" {
		conds, args = append(conds, "lower(e.sku) = lower(?)"), append(args, f.SKU)
	}
	today := f.Today.String()
	switch f.Status {
	case entitle.StatusFuture:
		conds, args = append(conds, "e.start_date > ?"), append(args, today)
	case entitle.StatusActive:
		conds, args = append(conds, "e.start_date <= ? AND e.end_date >= ?"), append(args, today, today)
	case entitle.StatusExpired:
		conds, args = append(conds, "e.end_date < ?"), append(args, today)
	}
	if !f.ExpiresBefore.IsZero() {
		conds, args = append(conds, "e.end_date < ?"), append(args, f.ExpiresBefore.String())
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " AND " + strings.Join(conds, " AND "), args
}

// branch is one index range of the list: its rows in the list's order.
type branch struct {
	rows      []entitle.Candidate
	exhausted bool
}

// List returns, in the filter's order after cursor after, up to limit
// candidates the caller's company may see: those on whose order it holds a
// role (the entitlement_access index), those of owners that delegated all to
// it, those listed in delegations to it, and for the vendor every one. Each
// branch is an index range read in key order, merged here; cost grows with
// the page, not with the number of entitlements. Facts are complete for
// every candidate; the policy decides.
func (db *DB) List(ctx context.Context, c entitle.Actor, after string, limit int, f entitle.ListFilter, now time.Time) (entitle.ListPage, error) {
	var page entitle.ListPage
	order := f.Order
	// The order and cursor are read before anything else: a bad one is the
	// caller's error, whoever the caller is.
	pos, err := readPosition(order, after)
	if err != nil {
		return page, err
	}
	cid, err := db.companyID(ctx, c.Company)
	if errors.Is(err, entitle.ErrNotFound) {
		return page, nil
	}
	if err != nil {
		return page, err
	}
	n := limit + 1
	cond, condArgs := filterSQL(f)
	nowMicros := now.UnixMicro()

	// Active delegations naming the company (a short list). Revoked and
	// expired ones are skipped here for speed; the policy checks again.
	ds, err := db.activeDelegations(ctx, cid, nowMicros)
	if err != nil {
		return page, err
	}
	var branches []branch
	listed := map[string][]string{} // subscription → listed delegations covering it
	roleBit, wantRoles := int64(0), f.Basis == "" || f.Basis != entitle.BasisDelegate && f.Basis != entitle.BasisVendor
	if r := entitle.Role(f.Basis); roleBits[r] != 0 {
		roleBit = roleBits[r]
	}
	wantDelegations := f.Basis == "" || f.Basis == entitle.BasisDelegate
	// The company filter (issue 14): for the vendor, one range of the list
	// index of that company replaces every branch (the page's facts are
	// completed below); for anyone else, a condition on each branch.
	byCompany := int64(0)
	if f.Company != "" {
		if byCompany, err = db.companyID(ctx, f.Company); errors.Is(err, entitle.ErrNotFound) {
			return page, nil
		} else if err != nil {
			return page, err
		}
		if c.Vendor {
			wantRoles, wantDelegations = false, false
		} else {
			cond += ` AND EXISTS (SELECT 1 FROM entitlement_access x WHERE x.company_id = ? AND x.subscription_id = e.subscription_id)`
			condArgs = append(condArgs, byCompany)
		}
	}
	run := func(query string, args ...any) error {
		rows, err := db.r().QueryContext(ctx, db.d.q(query), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		var b branch
		var bits sql.NullInt64
		var delegation sql.NullString
		row := newEntitlementRow(&bits, &delegation)
		for rows.Next() {
			cand, err := db.scanEntitlementInto(ctx, rows, row)
			if err != nil {
				return err
			}
			cand.Facts.Roles = roleAssignments(bits.Int64, c.Company)
			if delegation.Valid {
				sub := cand.Entitlement.SubscriptionID
				listed[sub] = append(listed[sub], delegation.String)
			}
			b.rows = append(b.rows, cand)
		}
		b.exhausted = len(b.rows) < n
		branches = append(branches, b)
		return rows.Err()
	}
	// Each branch reads one index range in the list's order: ks is the
	// branch's cursor condition, ksArgs its arguments, by its ORDER BY.
	// Roles: one range of the list index.
	if wantRoles {
		ks, ksArgs, by := pos.keyset("a.end_date", "a.subscription_id")
		q := `SELECT ` + entitlementColumns + `, a.roles, NULL FROM entitlement_access a JOIN entitlements e ON e.subscription_id = a.subscription_id
			WHERE a.company_id = ? AND ` + ks
		args := append([]any{cid}, ksArgs...)
		if roleBit != 0 {
			q += ` AND (a.roles & ?) <> 0`
			args = append(args, roleBit)
		}
		sq, sqArgs := searchSQL(f.Search, namesByRole(f.Search))
		args = append(append(append(args, condArgs...), sqArgs...), n)
		if err := run(q+cond+sq+` ORDER BY `+by+` LIMIT ?`, args...); err != nil {
			return page, err
		}
	}
	// The vendor: every entitlement, by primary key (or the end-date
	// index); with the company filter, that company's range of the list
	// index.
	if c.Vendor && byCompany != 0 {
		ks, ksArgs, by := pos.keyset("a.end_date", "a.subscription_id")
		sq, sqArgs := searchSQL(f.Search, namesOn(f.Search, entitle.BasisVendor))
		if err := run(`SELECT `+entitlementColumns+`, NULL, NULL FROM entitlement_access a JOIN entitlements e ON e.subscription_id = a.subscription_id
			WHERE a.company_id = ? AND `+ks+cond+sq+` ORDER BY `+by+` LIMIT ?`, append(append(append(append([]any{byCompany}, ksArgs...), condArgs...), sqArgs...), n)...); err != nil {
			return page, err
		}
	} else if c.Vendor && (f.Basis == "" || f.Basis == entitle.BasisVendor) {
		ks, ksArgs, by := pos.keyset("e.end_date", "e.subscription_id")
		sq, sqArgs := searchSQL(f.Search, namesOn(f.Search, entitle.BasisVendor))
		if err := run(`SELECT `+entitlementColumns+`, NULL, NULL FROM entitlements e WHERE `+ks+cond+sq+` ORDER BY `+by+` LIMIT ?`,
			append(append(append(ksArgs, condArgs...), sqArgs...), n)...); err != nil {
			return page, err
		}
	}
	if wantDelegations {
		sq, sqArgs := searchSQL(f.Search, namesOn(f.Search, entitle.BasisDelegate))
		// All-scope delegations: each owner's entitlements, by (owner, subscription)
		// or (owner, end date, subscription).
		for _, d := range ds {
			if !d.all {
				continue
			}
			ks, ksArgs, by := pos.keyset("e.end_date", "e.subscription_id")
			if err := run(`SELECT `+entitlementColumns+`, NULL, NULL FROM entitlements e WHERE e.owner_id = ? AND `+ks+cond+sq+` ORDER BY `+by+` LIMIT ?`,
				append(append(append(append([]any{d.ownerID}, ksArgs...), condArgs...), sqArgs...), n)...); err != nil {
				return page, err
			}
		}
		// Listed delegations: one range of delegation_items by delegate.
		if slices.ContainsFunc(ds, func(d activeDelegation) bool { return !d.all }) {
			ks, ksArgs, by := pos.keyset("i.end_date", "i.subscription_id")
			if err := run(`SELECT `+entitlementColumns+`, NULL, i.delegation_id FROM delegation_items i
				JOIN delegations d ON d.id = i.delegation_id
				JOIN entitlements e ON e.subscription_id = i.subscription_id AND e.owner_id = d.owner_id
				WHERE i.delegate_id = ? AND `+ks+`
				AND (d.revoked_at IS NULL OR d.revoked_at > ?) AND (d.expires_at IS NULL OR d.expires_at > ?)`+cond+sq+`
				ORDER BY `+by+` LIMIT ?`, append(append(append(append(append([]any{cid}, ksArgs...), nowMicros, nowMicros), condArgs...), sqArgs...), n)...); err != nil {
				return page, err
			}
		}
	}

	// Merge. A branch that was cut off bounds what is known to be complete.
	bound, bounded := "", false
	for _, b := range branches {
		if !b.exhausted {
			last := listKey(order, b.rows[len(b.rows)-1].Entitlement)
			if !bounded || orderBefore(order, last, bound) {
				bound, bounded = last, true
			}
		}
	}
	rows := 0
	for _, b := range branches {
		rows += len(b.rows)
	}
	merged := make(map[string]*entitle.Candidate, rows)
	keys := make(map[string]string, rows) // subscription → its key in the order
	subs := make([]string, 0, rows)
	for _, b := range branches {
		for i := range b.rows {
			cand := &b.rows[i]
			sub, key := cand.Entitlement.SubscriptionID, listKey(order, cand.Entitlement)
			if bounded && orderBefore(order, bound, key) {
				break
			}
			if m, ok := merged[sub]; ok {
				m.Facts.Roles = append(m.Facts.Roles, cand.Facts.Roles...)
				continue
			}
			merged[sub], keys[sub] = cand, key
			subs = append(subs, sub)
		}
	}
	slices.SortFunc(subs, func(a, b string) int {
		switch {
		case orderBefore(order, keys[a], keys[b]):
			return -1
		case orderBefore(order, keys[b], keys[a]):
			return 1
		}
		return 0
	})
	page.More = bounded || len(subs) > limit
	if len(subs) > limit {
		subs = subs[:limit]
	}
	// With a basis filter, some branches did not run: complete the facts.
	if !wantRoles && len(subs) > 0 {
		if err := db.pageRoles(ctx, cid, c.Company, subs, merged); err != nil {
			return page, err
		}
	}
	if !wantDelegations && len(subs) > 0 && len(ds) > 0 {
		if err := db.pageListed(ctx, cid, subs, listed); err != nil {
			return page, err
		}
	}
	for _, sub := range subs {
		cand := merged[sub]
		for _, d := range ds {
			if d.Owner != cand.Entitlement.Owner {
				continue
			}
			if d.all {
				cand.Facts.Delegations = append(cand.Facts.Delegations, d.Delegation)
			} else if slices.Contains(listed[sub], d.ID) {
				dl := d.Delegation
				dl.SubscriptionIDs = []string{sub} // the part of its scope this page is about
				cand.Facts.Delegations = append(cand.Facts.Delegations, dl)
			}
		}
		page.Candidates = append(page.Candidates, *cand)
	}
	if page.More && len(subs) > 0 {
		page.Next = keys[subs[len(subs)-1]]
	}
	return page, nil
}

// activeDelegation is a delegation naming the caller, with its owner's id
// and whether it covers all the owner's entitlements.
type activeDelegation struct {
	entitle.Delegation
	ownerID int64
	all     bool
}

// pageRoles fills in the company's roles on the page's entitlements.
func (db *DB) pageRoles(ctx context.Context, cid int64, company string, subs []string, merged map[string]*entitle.Candidate) error {
	args := append([]any{cid}, anys(subs)...)
	rows, err := db.r().QueryContext(ctx, db.d.q(`SELECT subscription_id, roles FROM entitlement_access
		WHERE company_id = ? AND subscription_id IN (`+placeholders(len(subs))+`)`), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var sub string
		var bits int64
		if err := rows.Scan(&sub, &bits); err != nil {
			return err
		}
		merged[sub].Facts.Roles = append(merged[sub].Facts.Roles, roleAssignments(bits, company)...)
	}
	return rows.Err()
}

// pageListed fills in which listed delegations to the company name the
// page's entitlements.
func (db *DB) pageListed(ctx context.Context, cid int64, subs []string, listed map[string][]string) error {
	args := append([]any{cid}, anys(subs)...)
	rows, err := db.r().QueryContext(ctx, db.d.q(`SELECT subscription_id, delegation_id FROM delegation_items
		WHERE delegate_id = ? AND subscription_id IN (`+placeholders(len(subs))+`)`), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var sub, id string
		if err := rows.Scan(&sub, &id); err != nil {
			return err
		}
		listed[sub] = append(listed[sub], id)
	}
	return rows.Err()
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func (db *DB) activeDelegations(ctx context.Context, delegateID, now int64) ([]activeDelegation, error) {
	rows, err := db.r().QueryContext(ctx, db.d.q(`SELECT `+delegationColumns+`, d.owner_id
		FROM delegations d JOIN companies o ON o.id = d.owner_id JOIN companies g ON g.id = d.delegate_id
		WHERE d.delegate_id = ? AND (d.revoked_at IS NULL OR d.revoked_at > ?) AND (d.expires_at IS NULL OR d.expires_at > ?)
		ORDER BY d.id`), delegateID, now, now)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []activeDelegation
	for rows.Next() {
		var a activeDelegation
		var all bool
		var expires, revoked sql.NullInt64
		var created int64
		d := &a.Delegation
		if err := rows.Scan(&d.ID, &d.Owner, &d.Delegate, &all, &expires, &created, &d.CreatedBy, &revoked, &d.RevokedBy, &a.ownerID); err != nil {
			return nil, err
		}
		d.ExpiresAt, d.RevokedAt, d.CreatedAt = fromMicros(expires), fromMicros(revoked), time.UnixMicro(created).UTC()
		a.all = all
		out = append(out, a)
	}
	return out, rows.Err()
}

// Owns reports whether company owns at least one entitlement.
func (db *DB) Owns(ctx context.Context, company string) (bool, error) {
	var n int
	err := db.r().QueryRowContext(ctx, db.d.q(`SELECT COUNT(*) FROM (SELECT 1 FROM entitlements e JOIN companies c ON c.id = e.owner_id
		WHERE c.key = ? LIMIT 1) x`), company).Scan(&n)
	return n > 0, err
}
