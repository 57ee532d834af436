package store

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/entitle-portal/entitle"
)

// Import on PostgreSQL. The semantics are those of the SQLite path in
// import.go — one transaction, Batch.Validate against what is recorded, the
// same counts, problems and audit event — but a statement per record would
// be a network round trip per record. So, on one connection of the write
// pool, through pgx directly:
//
//  1. a session advisory lock (importLockKey) queues imports one behind the
//     other. It is taken before the transaction begins, so that the
//     transaction's snapshot (taken at its first statement) already sees the
//     import that held the lock before. A transaction-scoped lock
//     (pg_advisory_xact_lock) can only be taken by a statement, after the
//     snapshot: the second of two overlapping imports would read and
//     validate without the first one's rows, fail with a serialization
//     failure at its first write, and start over;
//  2. a serializable transaction (as db.tx), retried when it loses a race;
//  3. pgCatalog: what validation needs — the companies, MSAs, orders (whole)
//     and subscription IDs the batch names — read in a few queries with
//     array parameters, so that the entitle.Validator answers from memory:
//     for the companies, MSAs and prices first, then for each round of
//     orders (pgWriter.rounds), whose orders are forgotten once written;
//  4. pgWriter: new rows by COPY (ids of new companies, MSAs and orders
//     drawn from their sequences first, so that rows can refer to each
//     other), updated companies and MSAs by one UPDATE … FROM unnest each;
//     prices (a price list is a few hundred rows) by a statement each, as
//     on SQLite; orders in chunks of importChunk, reporting progress after
//     each;
//  5. the audit event, then commit (or roll back: problems, dry run).
//
// A first import (no order recorded yet) of many orders that may lock the
// tables it fills (ImportOptions.Exclusive) writes its rows with their
// foreign keys set aside (pgSetKeysAside): one query per key at the end
// instead of one per row and key.

// importLockKey is the advisory lock held by the import running on a
// PostgreSQL database ("entimp"; goose's migration lock uses another key).
const importLockKey int64 = 0x656e74696d70

// importChunk is how many records are written per round of COPY statements
// for orders (orders, role assignments, entitlements, list index): progress
// is reported after the companies, after the MSAs, after the prices, and
// after each round, whose last order is a multiple of importChunk records
// into the batch.
const importChunk = 5000

// pgAnalyzeAfter is how many new orders and companies make an import
// refresh the planner's statistics of the tables it fills.
const pgAnalyzeAfter = 1000

func (db *DB) importPostgres(ctx context.Context, b entitle.Batch, opt entitle.ImportOptions, now time.Time) (entitle.ImportResult, entitle.Problems, error) {
	res := entitle.ImportResult{DryRun: opt.DryRun}
	var problems entitle.Problems
	conn, err := db.rw.Conn(ctx)
	if err != nil {
		return importOutcome(res, nil, err)
	}
	defer conn.Close()
	err = conn.Raw(func(driverConn any) error {
		c := driverConn.(interface{ Unwrap() driver.Conn }).Unwrap().(*stdlib.Conn).Conn()
		return pgWithImportLock(ctx, c, func() error {
			return retryRaces(ctx, db.d, func() error {
				res, problems = entitle.ImportResult{DryRun: opt.DryRun}, nil
				return pgSerializable(ctx, c, func(tx pgx.Tx) error {
					head := entitle.Batch{Companies: b.Companies, MSAs: b.MSAs, Prices: b.Prices}
					cat, err := loadPgCatalog(ctx, tx, head)
					if err != nil {
						return err
					}
					v, err := entitle.NewValidator(ctx, cat, head)
					if err != nil {
						return err
					}
					w := pgWriter{tx: tx, cat: cat, res: &res, now: now, progress: importProgress{total: b.Len(), fn: opt.Progress}}
					if w.events, err = pgWebhooksActive(ctx, tx); err != nil { // webhooks: entitlement.created per new order
						return err
					}
					var keys pgKeysAside
					if opt.Exclusive {
						if keys, err = pgSetKeysAside(ctx, tx, b); err != nil {
							return err
						}
					}
					if v.OK() {
						if err := w.write(ctx, head); err != nil {
							return err
						}
					}
					if err := w.rounds(ctx, b, v); err != nil {
						return err
					}
					if !v.OK() {
						problems = v.Problems()
						return errProblems // the keys set aside come back with the rollback
					}
					if err := keys.restore(ctx, tx); err != nil {
						return err
					}
					if opt.DryRun {
						return errDryRun
					}
					return db.pgAppendAudit(ctx, tx, importEvent(res, opt, now))
				})
			})
		})
	})
	if err == nil && !opt.DryRun && res.Orders.Created+res.Companies.Created >= pgAnalyzeAfter {
		// Fresh statistics for the planner: without them (autovacuum off,
		// or not yet run) a list page planned a scan of every company.
		// Best effort: the import has committed, whatever this says.
		_, _ = db.rw.ExecContext(ctx, `ANALYZE companies, msas, orders, order_roles, entitlements, entitlement_access`)
	}
	return importOutcome(res, problems, err)
}

// pgWithImportLock runs fn holding the import lock on c's session. A
// connection that could not release the lock is closed (which releases it)
// rather than returned to the pool still holding it.
func pgWithImportLock(ctx context.Context, c *pgx.Conn, fn func() error) error {
	if _, err := c.Exec(ctx, `SELECT pg_advisory_lock($1)`, importLockKey); err != nil {
		return fmt.Errorf("wait for another import to finish: %w", err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if _, err := c.Exec(ctx, `SELECT pg_advisory_unlock($1)`, importLockKey); err != nil {
			c.Close(ctx)
		}
	}()
	return fn()
}

// pgSerializable runs fn in a serializable transaction on c, committing when
// it returns nil.
func pgSerializable(ctx context.Context, c *pgx.Conn, fn func(pgx.Tx) error) error {
	tx, err := c.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable})
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		// pgx closes the connection if the rollback fails, and a closed
		// connection leaves the pool: no transaction outlives the import.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		tx.Rollback(rctx)
		return err
	}
	return tx.Commit(ctx)
}

// pgCatalog answers entitle.Catalog from memory: loadPgCatalog reads, in a
// few queries, everything the batch names. A question about anything else
// (Validate asking what was not foreseen) is answered by a query, so the
// answers never depend on the preloading, only the speed does. A nil entry
// in a map means "known not to be recorded".
type pgCatalog struct {
	tx        pgx.Tx
	vendor    string
	companies map[string]*companyRow
	msas      map[string]*msaRow
	orders    map[orderKey]*orderRow
	subs      map[string]*orderKey // subscription ID → its order
}

type msaRow struct {
	id int64
	entitle.MSA
}

type orderRow struct {
	id int64
	entitle.Order
}

// orderKey is a PO number of a purchasing entity (a company key).
type orderKey struct{ pe, po string }

// pgBulk is the query mode of the catalog's bulk reads: an unnamed statement,
// planned for the actual arrays each time (a cached statement could fall
// back to a generic plan, made for arrays of unknown size).
const pgBulk = pgx.QueryExecModeDescribeExec

func loadPgCatalog(ctx context.Context, tx pgx.Tx, b entitle.Batch) (*pgCatalog, error) {
	c := &pgCatalog{tx: tx, companies: map[string]*companyRow{}, msas: map[string]*msaRow{},
		orders: map[orderKey]*orderRow{}, subs: map[string]*orderKey{}}
	err := tx.QueryRow(ctx, `SELECT key FROM companies WHERE kind = 'vendor'`).Scan(&c.vendor)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, err
	}
	return c, c.load(ctx, b)
}

// load reads what the catalog does not know yet of everything b names.
func (c *pgCatalog) load(ctx context.Context, b entitle.Batch) error {
	companies, msas := keySet[string]{}, keySet[string]{}
	orders := keySet[orderKey]{}
	company := func(k string) {
		if _, known := c.companies[k]; !known {
			companies.add(k)
		}
	}
	for _, s := range b.Companies {
		company(s.Record.Key)
	}
	for _, s := range b.MSAs {
		msas.add(s.Record.Number)
		company(s.Record.Company)
	}
	for _, s := range b.Orders {
		o := &s.Record
		if _, known := c.msas[o.MSA]; !known {
			msas.add(o.MSA)
		}
		company(o.PurchasingEntity)
		company(o.Owner)
		for _, k := range o.Resellers {
			company(k)
		}
		for _, k := range o.Installers {
			company(k)
		}
		orders.add(orderKey{o.PurchasingEntity, o.PONumber})
	}
	if err := c.loadCompanies(ctx, companies.list()); err != nil {
		return err
	}
	if err := c.loadMSAs(ctx, msas.list()); err != nil {
		return err
	}
	if err := c.loadOrders(ctx, orders.list()); err != nil {
		return err
	}
	// Validate asks whose a subscription ID is only for orders not recorded.
	subs := keySet[string]{}
	for _, s := range b.Orders {
		if c.orders[orderKey{s.Record.PurchasingEntity, s.Record.PONumber}] == nil {
			for _, l := range s.Record.Lines {
				subs.add(l.SubscriptionID)
			}
		}
	}
	return c.loadSubscriptions(ctx, subs.list())
}

// keySet is a set of comparable values, listed in no particular order.
type keySet[T comparable] map[T]struct{}

func (s keySet[T]) add(v T) { s[v] = struct{}{} }

func (s keySet[T]) list() []T {
	out := make([]T, 0, len(s))
	for v := range s {
		out = append(out, v)
	}
	return out
}

func (c *pgCatalog) loadCompanies(ctx context.Context, keys []string) error {
	for _, k := range keys {
		c.companies[k] = nil
	}
	rows, err := c.tx.Query(ctx, `SELECT id, key, name, kind FROM companies WHERE key = ANY($1)`, pgBulk, keys)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		r := &companyRow{}
		var kind string
		if err := rows.Scan(&r.id, &r.Key, &r.Name, &kind); err != nil {
			return err
		}
		r.Kind = entitle.Kind(kind)
		c.companies[r.Key] = r
	}
	return rows.Err()
}

func (c *pgCatalog) loadMSAs(ctx context.Context, numbers []string) error {
	for _, n := range numbers {
		c.msas[n] = nil
	}
	rows, err := c.tx.Query(ctx, `SELECT m.id, m.number, c.key, m.start_date, m.end_date
		FROM msas m JOIN companies c ON c.id = m.company_id WHERE m.number = ANY($1)`, pgBulk, numbers)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		r := &msaRow{}
		var start, end string
		if err := rows.Scan(&r.id, &r.Number, &r.Company, &start, &end); err != nil {
			return err
		}
		if r.Start, err = entitle.ParseDate(start); err != nil {
			return err
		}
		if r.End, err = entitle.ParseDate(end); err != nil {
			return err
		}
		c.msas[r.Number] = r
	}
	return rows.Err()
}

// loadOrders reads the recorded orders among keys, whole (as loadOrder
// does, in three queries for all of them).
func (c *pgCatalog) loadOrders(ctx context.Context, keys []orderKey) error {
	pes, pos := make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		pes[i], pos[i] = k.pe, k.po
		c.orders[k] = nil
	}
	rows, err := c.tx.Query(ctx, `SELECT o.id, o.po_number, m.number, o.order_date, o.currency, pe.key, ow.key,
			o.bill_to_name, o.bill_to_address, o.bill_to_country, o.site_name, o.site_address, o.site_country
		FROM unnest($1::text[], $2::text[]) AS k(pe, po)
		JOIN companies pe ON pe.key = k.pe
		JOIN orders o ON o.purchasing_entity_id = pe.id AND o.po_number = k.po
		JOIN msas m ON m.id = o.msa_id JOIN companies ow ON ow.id = o.owner_id`, pgBulk, pes, pos)
	if err != nil {
		return err
	}
	byID := map[int64]*orderRow{}
	var ids []int64
	for rows.Next() {
		o := &orderRow{}
		var orderDate string
		var bt, site [3]sql.NullString
		if err := rows.Scan(&o.id, &o.PONumber, &o.MSA, &orderDate, &o.Currency, &o.PurchasingEntity, &o.Owner,
			&bt[0], &bt[1], &bt[2], &site[0], &site[1], &site[2]); err != nil {
			rows.Close()
			return err
		}
		if o.OrderDate, err = entitle.ParseDate(orderDate); err != nil {
			rows.Close()
			return err
		}
		o.BillTo, o.InstallationSite = address(bt), address(site)
		byID[o.id] = o
		ids = append(ids, o.id)
		c.orders[orderKey{o.PurchasingEntity, o.PONumber}] = o
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(ids) == 0 {
		return err
	}

	rows, err = c.tx.Query(ctx, `SELECT r.order_id, r.role, c.key FROM order_roles r JOIN companies c ON c.id = r.company_id
		WHERE r.order_id = ANY($1) AND r.role IN ('reseller', 'installer') ORDER BY r.order_id, r.role, r.position`, pgBulk, ids)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		var role, key string
		if err := rows.Scan(&id, &role, &key); err != nil {
			rows.Close()
			return err
		}
		o := byID[id]
		if role == string(entitle.RoleReseller) {
			o.Resellers = append(o.Resellers, key)
		} else {
			o.Installers = append(o.Installers, key)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	rows, err = c.tx.Query(ctx, `SELECT order_id, line_no, sku, description, quantity, unit_price, subscription_id, start_date, end_date
		FROM entitlements WHERE order_id = ANY($1) ORDER BY order_id, line_no`, pgBulk, ids)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var l entitle.Line
		var price, start, end string
		if err := rows.Scan(&id, &l.Line, &l.SKU, &l.Description, &l.Quantity, &price, &l.SubscriptionID, &start, &end); err != nil {
			return err
		}
		l.UnitPrice = entitle.Decimal(price)
		if l.StartDate, err = entitle.ParseDate(start); err != nil {
			return err
		}
		if l.EndDate, err = entitle.ParseDate(end); err != nil {
			return err
		}
		o := byID[id]
		o.Lines = append(o.Lines, l)
	}
	return rows.Err()
}

func (c *pgCatalog) loadSubscriptions(ctx context.Context, subs []string) error {
	for _, s := range subs {
		c.subs[s] = nil
	}
	rows, err := c.tx.Query(ctx, `SELECT e.subscription_id, c.key, e.po_number
		FROM entitlements e JOIN companies c ON c.id = e.purchasing_entity_id WHERE e.subscription_id = ANY($1)`, pgBulk, subs)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var sub string
		k := &orderKey{}
		if err := rows.Scan(&sub, &k.pe, &k.po); err != nil {
			return err
		}
		c.subs[sub] = k
	}
	return rows.Err()
}

func (c *pgCatalog) company(ctx context.Context, key string) (*companyRow, error) {
	if r, known := c.companies[key]; known {
		return r, nil
	}
	err := c.loadCompanies(ctx, []string{key})
	return c.companies[key], err
}

func (c *pgCatalog) msa(ctx context.Context, number string) (*msaRow, error) {
	if r, known := c.msas[number]; known {
		return r, nil
	}
	err := c.loadMSAs(ctx, []string{number})
	return c.msas[number], err
}

func (c *pgCatalog) order(ctx context.Context, k orderKey) (*orderRow, error) {
	if r, known := c.orders[k]; known {
		return r, nil
	}
	err := c.loadOrders(ctx, []orderKey{k})
	return c.orders[k], err
}

func (c *pgCatalog) Company(ctx context.Context, key string) (entitle.Company, bool, error) {
	r, err := c.company(ctx, key)
	if r == nil || err != nil {
		return entitle.Company{}, false, err
	}
	return r.Company, true, nil
}

func (c *pgCatalog) VendorKey(context.Context) (string, error) { return c.vendor, nil }

func (c *pgCatalog) MSA(ctx context.Context, number string) (entitle.MSA, bool, error) {
	r, err := c.msa(ctx, number)
	if r == nil || err != nil {
		return entitle.MSA{}, false, err
	}
	return r.MSA, true, nil
}

func (c *pgCatalog) Order(ctx context.Context, pe, po string) (entitle.Order, bool, error) {
	r, err := c.order(ctx, orderKey{pe, po})
	if r == nil || err != nil {
		return entitle.Order{}, false, err
	}
	return r.Order, true, nil
}

func (c *pgCatalog) SubscriptionOrder(ctx context.Context, sub string) (string, string, bool, error) {
	k, known := c.subs[sub]
	if !known {
		if err := c.loadSubscriptions(ctx, []string{sub}); err != nil {
			return "", "", false, err
		}
		k = c.subs[sub]
	}
	if k == nil {
		return "", "", false, nil
	}
	return k.pe, k.po, true, nil
}

// pgWriter writes a validated batch: the rows of the SQLite path's
// importWriter, by COPY.
type pgWriter struct {
	tx       pgx.Tx
	cat      *pgCatalog
	res      *entitle.ImportResult
	now      time.Time // of updated prices
	progress importProgress
	events   bool // write webhook events (an active endpoint exists)
}

// rounds checks the orders of b with v and, while there is no problem,
// writes them, a round of orders at a time: what the catalog needs of a
// round is read in bulk before it is checked, and its orders and
// subscription IDs are forgotten after it is written. A round ends where
// the count of records is a multiple of importChunk, as a chunk of orders
// does.
func (w *pgWriter) rounds(ctx context.Context, b entitle.Batch, v *entitle.Validator) error {
	records := len(b.Companies) + len(b.MSAs) + len(b.Prices)
	var round []entitle.Sourced[entitle.Order]
	flush := func() error {
		if len(round) == 0 {
			return nil
		}
		if err := w.cat.load(ctx, entitle.Batch{Orders: round}); err != nil {
			return err
		}
		for _, s := range round {
			if _, err := v.Order(ctx, s); err != nil {
				return err
			}
		}
		if v.OK() {
			if err := w.orders(ctx, round); err != nil {
				return err
			}
			v.Written()
		}
		clear(w.cat.orders)
		clear(w.cat.subs)
		clear(round) // let the orders go
		round = round[:0]
		return nil
	}
	if err := b.EachOrder(func(s entitle.Sourced[entitle.Order]) error {
		round = append(round, s)
		if records++; records%importChunk == 0 {
			return flush()
		}
		return nil
	}); err != nil {
		return err
	}
	return flush()
}

func (w *pgWriter) write(ctx context.Context, b entitle.Batch) error {
	if err := w.companies(ctx, b.Companies); err != nil {
		return err
	}
	w.progress.add(len(b.Companies))
	if err := w.msas(ctx, b.MSAs); err != nil {
		return err
	}
	w.progress.add(len(b.MSAs))
	if err := writePrices(b.Prices, w.now, &w.res.Prices, w.priceRows(ctx), func() {}); err != nil {
		return err
	}
	w.progress.add(len(b.Prices))
	return w.orders(ctx, b.Orders)
}

func (w *pgWriter) priceRows(ctx context.Context) priceRows {
	return priceRows{
		get: func(sku, currency string) (string, bool, error) {
			var p string
			err := w.tx.QueryRow(ctx, postgres.q(selectPriceSQL), sku, currency).Scan(&p)
			if errors.Is(err, pgx.ErrNoRows) {
				return "", false, nil
			}
			return p, err == nil, err
		},
		exec: func(query string, args ...any) error {
			_, err := w.tx.Exec(ctx, postgres.q(query), args...)
			return err
		},
	}
}

// nextIDs draws n ids from the sequence of table's id column, ascending.
func (w *pgWriter) nextIDs(ctx context.Context, table string, n int) ([]int64, error) {
	if n == 0 {
		return nil, nil
	}
	var seq string
	if err := w.tx.QueryRow(ctx, `SELECT pg_get_serial_sequence($1, 'id')`, table).Scan(&seq); err != nil {
		return nil, fmt.Errorf("the id sequence of %s: %w", table, err)
	}
	rows, err := w.tx.Query(ctx, `SELECT nextval($1::regclass) FROM generate_series(1, $2)`, pgBulk, seq, n)
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("ids for %s: %w", table, err)
	}
	slices.Sort(ids)
	return ids, nil
}

// copyRows writes rows into table by COPY.
func (w *pgWriter) copyRows(ctx context.Context, table string, columns []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if _, err := w.tx.CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("write %s: %w", table, err)
	}
	return nil
}

func (w *pgWriter) companies(ctx context.Context, cs []entitle.Sourced[entitle.Company]) error {
	var created []*companyRow
	var ids []int64
	var names, kinds []string
	for _, s := range cs {
		c := s.Record
		old, err := w.cat.company(ctx, c.Key)
		switch {
		case err != nil:
			return err
		case old == nil:
			r := &companyRow{Company: c}
			w.cat.companies[c.Key] = r
			created = append(created, r)
			w.res.Companies.Created++
		case old.Company != c:
			ids, names, kinds = append(ids, old.id), append(names, c.Name), append(kinds, string(c.Kind))
			old.Company = c
			w.res.Companies.Updated++
		default:
			w.res.Companies.Unchanged++
		}
	}
	newIDs, err := w.nextIDs(ctx, "companies", len(created))
	if err != nil {
		return err
	}
	rows := make([][]any, len(created))
	for i, r := range created {
		r.id = newIDs[i]
		rows[i] = []any{r.id, r.Key, r.Name, string(r.Kind)}
	}
	if err := w.copyRows(ctx, "companies", []string{"id", "key", "name", "kind"}, rows); err != nil {
		return err
	}
	if len(ids) > 0 {
		if _, err := w.tx.Exec(ctx, `UPDATE companies c SET name = u.name, kind = u.kind
			FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u(id, name, kind) WHERE c.id = u.id`, pgBulk, ids, names, kinds); err != nil {
			return fmt.Errorf("update companies: %w", err)
		}
	}
	return nil
}

func (w *pgWriter) msas(ctx context.Context, ms []entitle.Sourced[entitle.MSA]) error {
	var created []*msaRow
	var companyIDs []int64
	var numbers, starts, ends []string
	for _, s := range ms {
		m := s.Record
		old, err := w.cat.msa(ctx, m.Number)
		if err != nil {
			return err
		}
		switch {
		case old == nil:
			cr, err := w.cat.company(ctx, m.Company)
			if err == nil && cr == nil {
				err = fmt.Errorf("company %s vanished", m.Company)
			}
			if err != nil {
				return fmt.Errorf("MSA %s: %w", m.Number, err)
			}
			r := &msaRow{MSA: m}
			w.cat.msas[m.Number] = r
			created = append(created, r)
			companyIDs = append(companyIDs, cr.id)
			w.res.MSAs.Created++
		case old.MSA != m:
			numbers, starts, ends = append(numbers, m.Number), append(starts, m.Start.String()), append(ends, m.End.String())
			old.MSA = m
			w.res.MSAs.Updated++
		default:
			w.res.MSAs.Unchanged++
		}
	}
	newIDs, err := w.nextIDs(ctx, "msas", len(created))
	if err != nil {
		return err
	}
	rows := make([][]any, len(created))
	for i, r := range created {
		r.id = newIDs[i]
		rows[i] = []any{r.id, r.Number, companyIDs[i], r.Start.String(), r.End.String()}
	}
	if err := w.copyRows(ctx, "msas", []string{"id", "number", "company_id", "start_date", "end_date"}, rows); err != nil {
		return err
	}
	if len(numbers) > 0 {
		if _, err := w.tx.Exec(ctx, `UPDATE msas m SET start_date = u.start_date, end_date = u.end_date
			FROM unnest($1::text[], $2::text[], $3::text[]) AS u(number, start_date, end_date) WHERE m.number = u.number`,
			pgBulk, numbers, starts, ends); err != nil {
			return fmt.Errorf("update MSAs: %w", err)
		}
	}
	return nil
}

var (
	copyOrderColumns = []string{"id", "purchasing_entity_id", "po_number", "msa_id", "order_date", "currency", "owner_id",
		"bill_to_name", "bill_to_address", "bill_to_country", "site_name", "site_address", "site_country", "imported_at"}
	copyRoleColumns        = []string{"order_id", "role", "company_id", "position"}
	copyEntitlementColumns = []string{"subscription_id", "order_id", "line_no", "sku", "description", "quantity", "unit_price",
		"start_date", "end_date", "po_number", "purchasing_entity_id", "owner_id"}
	copyAccessColumns = []string{"company_id", "subscription_id", "roles", "end_date"}
)

// orders writes the orders not yet recorded, importChunk of the batch's
// orders at a time, with their role assignments, entitlements and list-index
// rows, as orderInserter does one by one.
func (w *pgWriter) orders(ctx context.Context, batch []entitle.Sourced[entitle.Order]) error {
	isNew := make([]bool, len(batch))
	n := 0
	for i, s := range batch {
		old, err := w.cat.order(ctx, orderKey{s.Record.PurchasingEntity, s.Record.PONumber})
		if err != nil {
			return err
		}
		if old == nil {
			isNew[i] = true
			n++
		}
	}
	ids, err := w.nextIDs(ctx, "orders", n)
	if err != nil {
		return err
	}
	for start := 0; start < len(batch); {
		// Chunks end where the count of records written is a multiple of importChunk.
		end := min(len(batch), start+importChunk-w.progress.done%importChunk)
		var orders, roles, ents, access, events [][]any
		for i := start; i < end; i++ {
			o := &batch[i].Record
			if !isNew[i] {
				w.res.Orders.Unchanged++ // Validate proved it identical
				continue
			}
			id := ids[0]
			ids = ids[1:]
			if err := w.order(ctx, id, o, &orders, &roles, &ents, &access); err != nil {
				return fmt.Errorf("PO %s of %s: %w", o.PONumber, o.PurchasingEntity, err)
			}
			w.res.Orders.Created++
			w.res.Entitlements += len(o.Lines)
			if w.events {
				events = append(events, w.eventRow(id))
			}
		}
		// In key order, the list index's rows go into its B-tree (and their
		// foreign keys are looked up) page after page: ~10 % faster.
		slices.SortFunc(access, func(a, b []any) int {
			if c := cmp.Compare(a[0].(int64), b[0].(int64)); c != 0 {
				return c
			}
			return strings.Compare(a[1].(string), b[1].(string))
		})
		for _, t := range []struct {
			table   string
			columns []string
			rows    [][]any
		}{{"orders", copyOrderColumns, orders}, {"order_roles", copyRoleColumns, roles}, {"entitlements", copyEntitlementColumns, ents}, {"entitlement_access", copyAccessColumns, access}, {"webhook_events", copyEventColumns, events}} {
			if err := w.copyRows(ctx, t.table, t.columns, t.rows); err != nil {
				return err
			}
		}
		w.progress.add(end - start)
		start = end
	}
	return nil
}

// order appends the rows of new order o, with id id, to those of its chunk.
func (w *pgWriter) order(ctx context.Context, id int64, o *entitle.Order, orders, roles, ents, access *[][]any) error {
	companyID := func(key string) (int64, error) {
		r, err := w.cat.company(ctx, key)
		if err == nil && r == nil {
			err = fmt.Errorf("company %s vanished", key)
		}
		if err != nil {
			return 0, err
		}
		return r.id, nil
	}
	pe, err := companyID(o.PurchasingEntity)
	if err != nil {
		return err
	}
	owner, err := companyID(o.Owner)
	if err != nil {
		return err
	}
	m, err := w.cat.msa(ctx, o.MSA)
	if err == nil && m == nil {
		err = errors.New("not found")
	}
	if err != nil {
		return fmt.Errorf("MSA %s: %w", o.MSA, err)
	}
	bt, site := nullable(o.BillTo), nullable(o.InstallationSite)
	*orders = append(*orders, []any{id, pe, o.PONumber, m.id, o.OrderDate.String(), o.Currency, owner,
		bt[0], bt[1], bt[2], site[0], site[1], site[2], w.now.UnixMicro()})
	type grant struct{ company, roles int64 }
	var grants []grant // one per company, in the order of its first role
	for pos, a := range o.Assignments() {
		cid, err := companyID(a.Company)
		if err != nil {
			return err
		}
		*roles = append(*roles, []any{id, string(a.Role), cid, pos})
		if i := slices.IndexFunc(grants, func(g grant) bool { return g.company == cid }); i >= 0 {
			grants[i].roles |= roleBits[a.Role]
		} else {
			grants = append(grants, grant{cid, roleBits[a.Role]})
		}
	}
	for _, l := range o.Lines {
		*ents = append(*ents, []any{l.SubscriptionID, id, l.Line, l.SKU, l.Description, l.Quantity, string(l.UnitPrice),
			l.StartDate.String(), l.EndDate.String(), o.PONumber, pe, owner})
		for _, g := range grants {
			*access = append(*access, []any{g.company, l.SubscriptionID, g.roles, l.EndDate.String()})
		}
	}
	return nil
}
