package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/entitle-portal/entitle"
)

// Import validates b against itself and the recorded data and writes it, all
// or nothing, in one transaction. Re-importing a record that is already
// recorded unchanged changes nothing. Companies and MSAs are updated in place
// when their name, kind or dates changed, and prices when their amount
// changed (the price list changes over time); orders are never changed by
// import.
// When b has problems, Import writes nothing and returns them all.
//
// Both backends validate with [entitle.Validator] and give the same results
// as [entitle.Batch.Validate]. The companies, MSAs and prices are checked
// and written first, then the orders, each checked and written in turn
// (on PostgreSQL in rounds of importChunk, loaded in bulk and written with
// COPY: import_postgres.go), so that orders read from b's Streams are let
// go once written. After the first problem nothing more is written, but
// every order is still checked; the transaction is then rolled back.
func (db *DB) Import(ctx context.Context, b entitle.Batch, opt entitle.ImportOptions, now time.Time) (entitle.ImportResult, entitle.Problems, error) {
	if !opt.DryRun && slices.ContainsFunc(b.Orders, func(o entitle.Sourced[entitle.Order]) bool { return o.Partial }) {
		// Its reader reported what it left out, and an import with
		// problems is checked only: a caller that would write one errs.
		return entitle.ImportResult{}, nil, errors.New("import: an order read only in part cannot be written (its reader reported why): import it as a dry run")
	}
	if db.d.name == postgres.name {
		return db.importPostgres(ctx, b, opt, now)
	}
	res := entitle.ImportResult{DryRun: opt.DryRun}
	var problems entitle.Problems
	err := db.tx(ctx, func(tx *sql.Tx) error {
		cat, err := newTxCatalog(ctx, db.d, tx)
		if err != nil {
			return err
		}
		defer cat.close()
		v, err := entitle.NewValidator(ctx, cat, b)
		if err != nil {
			return err
		}
		w := importWriter{d: db.d, tx: tx, cat: cat, res: &res, now: now, progress: importProgress{total: b.Len(), fn: opt.Progress}}
		if w.events, err = db.webhooksActive(ctx, tx); err != nil { // webhooks: entitlement.created per new order
			return err
		}
		var aside []sqliteIndex
		if v.OK() {
			if aside, err = sqliteSetIndexesAside(ctx, tx, b); err != nil {
				return err
			}
			if err := w.head(ctx, b); err != nil {
				return err
			}
		}
		defer w.close()
		if err := b.EachOrder(func(s entitle.Sourced[entitle.Order]) error {
			recorded, err := v.Order(ctx, s)
			if err != nil || !v.OK() {
				return err
			}
			if err := w.order(ctx, s.Record, recorded); err != nil {
				return err
			}
			v.Written()
			return nil
		}); err != nil {
			return err
		}
		if !v.OK() {
			problems = v.Problems()
			return errProblems
		}
		if opt.DryRun {
			return errDryRun
		}
		if err := sqliteIndexesBack(ctx, tx, aside); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, importEvent(res, opt, now))
	})
	return importOutcome(res, problems, err)
}

// errProblems and errDryRun roll an import's transaction back.
var (
	errProblems = errors.New("the batch has problems")
	errDryRun   = errors.New("dry run")
)

// importOutcome turns how an import's transaction ended into Import's results.
func importOutcome(res entitle.ImportResult, problems entitle.Problems, err error) (entitle.ImportResult, entitle.Problems, error) {
	switch {
	case errors.Is(err, errProblems):
		return entitle.ImportResult{DryRun: res.DryRun}, problems, nil
	case errors.Is(err, errDryRun):
		return res, nil, nil
	case err != nil:
		// The PostgreSQL import runs on the pgx connection itself, past the
		// wrapper that marks the other errors of the drivers.
		return entitle.ImportResult{DryRun: res.DryRun}, nil, markUnavailable(err)
	}
	return res, nil, nil
}

// importEvent is the audit event of an import, written in its transaction.
func importEvent(res entitle.ImportResult, opt entitle.ImportOptions, now time.Time) entitle.AuditEvent {
	detail := fmt.Sprintf("companies: %s; MSAs: %s; orders: %s; prices: %s; entitlements created %d",
		res.Companies, res.MSAs, res.Orders, res.Prices, res.Entitlements)
	return entitle.AuditEvent{At: now, Actor: opt.Actor, Company: opt.Company, Action: "import", Outcome: "ok", Detail: detail}
}

// importProgress calls ImportOptions.Progress as records are written: each
// time the count passes a multiple of 1,000, and at the end.
type importProgress struct {
	done, total int
	fn          func(done, total int)
}

func (p *importProgress) add(n int) {
	before := p.done
	p.done += n
	if p.fn != nil && n > 0 && (p.done/1000 != before/1000 || p.done == p.total) {
		p.fn(p.done, p.total)
	}
}

// txCatalog answers entitle.Catalog inside the import's transaction.
type txCatalog struct {
	d                               dialect
	tx                              *sql.Tx
	company, msa, orderID, subOrder *sql.Stmt
	companies                       map[string]companyRow // read-through cache, valid for this transaction only
}

type companyRow struct {
	id int64
	entitle.Company
}

func newTxCatalog(ctx context.Context, d dialect, tx *sql.Tx) (*txCatalog, error) {
	c := &txCatalog{d: d, tx: tx, companies: map[string]companyRow{}}
	for _, s := range []struct {
		dst   **sql.Stmt
		query string
	}{
		{&c.company, `SELECT id, key, name, kind FROM companies WHERE key = ?`},
		{&c.msa, `SELECT m.number, c.key, m.start_date, m.end_date FROM msas m JOIN companies c ON c.id = m.company_id WHERE m.number = ?`},
		{&c.orderID, `SELECT o.id FROM orders o JOIN companies c ON c.id = o.purchasing_entity_id WHERE c.key = ? AND o.po_number = ?`},
		{&c.subOrder, `SELECT c.key, e.po_number FROM entitlements e JOIN companies c ON c.id = e.purchasing_entity_id WHERE e.subscription_id = ?`},
	} {
		st, err := tx.PrepareContext(ctx, d.q(s.query))
		if err != nil {
			c.close()
			return nil, err
		}
		*s.dst = st
	}
	return c, nil
}

func (c *txCatalog) close() {
	for _, s := range []*sql.Stmt{c.company, c.msa, c.orderID, c.subOrder} {
		if s != nil {
			s.Close()
		}
	}
}

func (c *txCatalog) companyRow(ctx context.Context, key string) (companyRow, bool, error) {
	if r, ok := c.companies[key]; ok {
		return r, true, nil
	}
	var r companyRow
	err := c.company.QueryRowContext(ctx, key).Scan(&r.id, &r.Key, &r.Name, &r.Kind)
	if errors.Is(err, sql.ErrNoRows) {
		return r, false, nil
	}
	if err != nil {
		return r, false, err
	}
	c.companies[key] = r
	return r, true, nil
}

func (c *txCatalog) Company(ctx context.Context, key string) (entitle.Company, bool, error) {
	r, ok, err := c.companyRow(ctx, key)
	return r.Company, ok, err
}

func (c *txCatalog) VendorKey(ctx context.Context) (string, error) { return vendorKey(ctx, c.tx) }

func (c *txCatalog) MSA(ctx context.Context, number string) (entitle.MSA, bool, error) {
	var m entitle.MSA
	var start, end string
	err := c.msa.QueryRowContext(ctx, number).Scan(&m.Number, &m.Company, &start, &end)
	if errors.Is(err, sql.ErrNoRows) {
		return m, false, nil
	}
	if err != nil {
		return m, false, err
	}
	if m.Start, err = entitle.ParseDate(start); err != nil {
		return m, false, err
	}
	m.End, err = entitle.ParseDate(end)
	return m, err == nil, err
}

func (c *txCatalog) Order(ctx context.Context, pe, po string) (entitle.Order, bool, error) {
	var id int64
	err := c.orderID.QueryRowContext(ctx, pe, po).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return entitle.Order{}, false, nil
	}
	if err != nil {
		return entitle.Order{}, false, err
	}
	o, err := loadOrder(ctx, c.d, c.tx, id)
	return o.Order, err == nil, err
}

func (c *txCatalog) SubscriptionOrder(ctx context.Context, sub string) (string, string, bool, error) {
	var pe, po string
	err := c.subOrder.QueryRowContext(ctx, sub).Scan(&pe, &po)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", false, nil
	}
	return pe, po, err == nil, err
}

// importWriter writes a validated batch: head, then each order.
type importWriter struct {
	d        dialect
	tx       *sql.Tx
	cat      *txCatalog
	res      *entitle.ImportResult
	now      time.Time // of updated prices
	progress importProgress
	events   bool           // write webhook events (an active endpoint exists)
	ins      *orderInserter // prepared at the first new order
}

func (w *importWriter) tick() { w.progress.add(1) }

// head writes the companies, MSAs and prices of b.
func (w *importWriter) head(ctx context.Context, b entitle.Batch) error {
	tx := w.tx
	for _, s := range b.Companies {
		c := s.Record
		old, ok, err := w.cat.companyRow(ctx, c.Key)
		switch {
		case err != nil:
			return err
		case !ok:
			var id int64
			if err := tx.QueryRowContext(ctx, w.d.q(`INSERT INTO companies (key, name, kind) VALUES (?, ?, ?) RETURNING id`),
				c.Key, c.Name, string(c.Kind)).Scan(&id); err != nil {
				return fmt.Errorf("company %s: %w", c.Key, err)
			}
			w.cat.companies[c.Key] = companyRow{id, c}
			w.res.Companies.Created++
		case old.Company != c:
			if _, err := tx.ExecContext(ctx, w.d.q(`UPDATE companies SET name = ?, kind = ? WHERE id = ?`), c.Name, string(c.Kind), old.id); err != nil {
				return fmt.Errorf("company %s: %w", c.Key, err)
			}
			w.cat.companies[c.Key] = companyRow{old.id, c}
			w.res.Companies.Updated++
		default:
			w.res.Companies.Unchanged++
		}
		w.tick()
	}
	for _, s := range b.MSAs {
		m := s.Record
		old, ok, err := w.cat.MSA(ctx, m.Number)
		if err != nil {
			return err
		}
		cr, _, err := w.cat.companyRow(ctx, m.Company)
		if err != nil {
			return err
		}
		switch {
		case !ok:
			_, err = tx.ExecContext(ctx, w.d.q(`INSERT INTO msas (number, company_id, start_date, end_date) VALUES (?, ?, ?, ?)`),
				m.Number, cr.id, m.Start.String(), m.End.String())
			w.res.MSAs.Created++
		case old != m:
			_, err = tx.ExecContext(ctx, w.d.q(`UPDATE msas SET start_date = ?, end_date = ? WHERE number = ?`), m.Start.String(), m.End.String(), m.Number)
			w.res.MSAs.Updated++
		default:
			w.res.MSAs.Unchanged++
		}
		if err != nil {
			return fmt.Errorf("MSA %s: %w", m.Number, err)
		}
		w.tick()
	}
	return writePrices(b.Prices, w.now, &w.res.Prices, w.priceRows(ctx), w.tick)
}

// order writes o, checked, unless it is recorded already (identical).
func (w *importWriter) order(ctx context.Context, o entitle.Order, recorded bool) error {
	if recorded {
		w.res.Orders.Unchanged++
		w.tick()
		return nil
	}
	if w.ins == nil {
		ins, err := newOrderInserter(ctx, w.d, w.tx)
		if err != nil {
			return err
		}
		w.ins = ins
	}
	if err := w.ins.insert(ctx, w, o); err != nil {
		return fmt.Errorf("PO %s of %s: %w", o.PONumber, o.PurchasingEntity, err)
	}
	w.res.Orders.Created++
	w.res.Entitlements += len(o.Lines)
	w.tick()
	return nil
}

func (w *importWriter) close() {
	if w.ins != nil {
		w.ins.close()
	}
}

func (w *importWriter) priceRows(ctx context.Context) priceRows {
	return priceRows{
		get: func(sku, currency string) (string, bool, error) {
			var p string
			err := w.tx.QueryRowContext(ctx, w.d.q(selectPriceSQL), sku, currency).Scan(&p)
			if errors.Is(err, sql.ErrNoRows) {
				return "", false, nil
			}
			return p, err == nil, err
		},
		exec: func(query string, args ...any) error {
			_, err := w.tx.ExecContext(ctx, w.d.q(query), args...)
			return err
		},
	}
}

type orderInserter struct {
	order, role, ent, access, msaID *sql.Stmt
	msaIDs                          map[string]int64 // MSA number → id, as looked up
}

func newOrderInserter(ctx context.Context, d dialect, tx *sql.Tx) (*orderInserter, error) {
	ins := &orderInserter{msaIDs: map[string]int64{}}
	for _, s := range []struct {
		dst   **sql.Stmt
		query string
	}{
		{&ins.order, `INSERT INTO orders (purchasing_entity_id, po_number, msa_id, order_date, currency, owner_id,
			bill_to_name, bill_to_address, bill_to_country, site_name, site_address, site_country, imported_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`},
		{&ins.role, `INSERT INTO order_roles (order_id, role, company_id, position) VALUES (?, ?, ?, ?)`},
		{&ins.ent, `INSERT INTO entitlements (subscription_id, order_id, line_no, sku, description, quantity, unit_price,
			start_date, end_date, po_number, purchasing_entity_id, owner_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&ins.access, `INSERT INTO entitlement_access (company_id, subscription_id, roles, end_date) VALUES (?, ?, ?, ?)`},
		{&ins.msaID, `SELECT id FROM msas WHERE number = ?`},
	} {
		st, err := tx.PrepareContext(ctx, d.q(s.query))
		if err != nil {
			ins.close()
			return nil, err
		}
		*s.dst = st
	}
	return ins, nil
}

func (ins *orderInserter) close() {
	for _, s := range []*sql.Stmt{ins.order, ins.role, ins.ent, ins.access, ins.msaID} {
		if s != nil {
			s.Close()
		}
	}
}

func (ins *orderInserter) insert(ctx context.Context, w *importWriter, o entitle.Order) error {
	id := func(key string) (int64, error) {
		r, ok, err := w.cat.companyRow(ctx, key)
		if err == nil && !ok {
			err = fmt.Errorf("company %s vanished", key)
		}
		return r.id, err
	}
	pe, err := id(o.PurchasingEntity)
	if err != nil {
		return err
	}
	owner, err := id(o.Owner)
	if err != nil {
		return err
	}
	msaID, ok := ins.msaIDs[o.MSA]
	if !ok {
		if err := ins.msaID.QueryRowContext(ctx, o.MSA).Scan(&msaID); err != nil {
			return fmt.Errorf("MSA %s: %w", o.MSA, err)
		}
		ins.msaIDs[o.MSA] = msaID
	}
	bt, site := nullable(o.BillTo), nullable(o.InstallationSite)
	var orderID int64
	if err := ins.order.QueryRowContext(ctx, pe, o.PONumber, msaID, o.OrderDate.String(), o.Currency, owner,
		bt[0], bt[1], bt[2], site[0], site[1], site[2], w.now.UnixMicro()).Scan(&orderID); err != nil {
		return err
	}
	if err := w.event(ctx, orderID); err != nil {
		return err
	}
	access := map[int64]int64{} // company id → role bits
	var order []int64
	for pos, a := range o.Assignments() {
		cid, err := id(a.Company)
		if err != nil {
			return err
		}
		if _, err := ins.role.ExecContext(ctx, orderID, string(a.Role), cid, pos); err != nil {
			return err
		}
		if _, seen := access[cid]; !seen {
			order = append(order, cid)
		}
		access[cid] |= roleBits[a.Role]
	}
	for _, l := range o.Lines {
		if _, err := ins.ent.ExecContext(ctx, l.SubscriptionID, orderID, l.Line, l.SKU, l.Description, l.Quantity, string(l.UnitPrice),
			l.StartDate.String(), l.EndDate.String(), o.PONumber, pe, owner); err != nil {
			return err
		}
		for _, cid := range order {
			if _, err := ins.access.ExecContext(ctx, cid, l.SubscriptionID, access[cid], l.EndDate.String()); err != nil {
				return err
			}
		}
	}
	return nil
}
