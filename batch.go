package entitle

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
)

// Sourced is a record with where it was read from: the file and 1-based line
// (zero values when it was not read from a file).
type Sourced[T any] struct {
	File   string
	Line   int
	Record T
	// Rows, for an order read from CSV (one row per order line), holds the
	// input line of each order line, so that a problem with lines[i] is
	// reported on the row it came from.
	Rows []int
	// Partial marks an order some of whose rows could not be read (each
	// reported as a problem of its own): it is checked as far as it goes,
	// so that one run names every problem of a file, and never written —
	// an import with problems writes nothing. It is not compared with the
	// recorded order of its PO (a part differs from the whole).
	Partial bool
}

// Batch is a set of records to be written together, all or nothing: usually
// one import of one or more ERP files.
type Batch struct {
	Companies []Sourced[Company]
	MSAs      []Sourced[MSA]
	Prices    []Sourced[Price]
	Orders    []Sourced[Order]
	// Streams yields further orders, after Orders, that are read as they
	// are needed rather than held (the orders of a large file, read again
	// from the file): an import then holds a few thousand orders at a time.
	Streams []OrderStream `json:"-"`
}

// OrderStream is a list of orders read as they are needed.
type OrderStream struct {
	Len int // how many orders Each yields
	// Each calls fn with each order in turn, from the first, and stops at
	// the first error, which it returns. It may be called more than once
	// (an import that is retried reads its orders again).
	Each func(fn func(Sourced[Order]) error) error
}

// StreamOf is a stream of orders held in memory (a CSV file's, which is
// read whole, and tests').
func StreamOf(orders []Sourced[Order]) OrderStream {
	return OrderStream{Len: len(orders), Each: func(fn func(Sourced[Order]) error) error {
		for _, o := range orders {
			if err := fn(o); err != nil {
				return err
			}
		}
		return nil
	}}
}

// Len is the number of records in the batch.
func (b Batch) Len() int {
	n := len(b.Companies) + len(b.MSAs) + len(b.Prices) + len(b.Orders)
	for _, s := range b.Streams {
		n += s.Len
	}
	return n
}

// EachOrder calls fn with each order of the batch, Orders then Streams, and
// stops at the first error, which it returns.
func (b Batch) EachOrder(fn func(Sourced[Order]) error) error {
	for _, o := range b.Orders {
		if err := fn(o); err != nil {
			return err
		}
	}
	for _, s := range b.Streams {
		if err := s.Each(fn); err != nil {
			return err
		}
	}
	return nil
}

// Catalog answers what is already recorded, for validating a batch against
// it. The store implements it inside the transaction that writes the batch:
// a method may query the database, under its ctx.
type Catalog interface {
	// Company returns the recorded company with the key.
	Company(ctx context.Context, key string) (Company, bool, error)
	// VendorKey returns the key of the vendor company, "" when none is recorded.
	VendorKey(ctx context.Context) (string, error)
	// MSA returns the recorded MSA with the number.
	MSA(ctx context.Context, number string) (MSA, bool, error)
	// Order returns the recorded order of purchasingEntity with the PO number.
	Order(ctx context.Context, purchasingEntity, po string) (Order, bool, error)
	// SubscriptionOrder returns the order (purchasing entity, PO number) a
	// recorded subscription ID belongs to.
	SubscriptionOrder(ctx context.Context, sub string) (purchasingEntity, po string, ok bool, err error)
}

// Validate checks every rule of SPEC §2 on the batch, against itself and
// against what cat already records, and returns every problem found (not only
// the first), each with its line and field. Validate itself does no I/O
// (other than reading b's Streams); ctx is passed on to cat. It returns a
// non-nil error only when cat or a stream fails.
func (b Batch) Validate(ctx context.Context, cat Catalog) (Problems, error) {
	v, err := NewValidator(ctx, cat, b)
	if err != nil {
		return nil, err
	}
	if err := b.EachOrder(func(o Sourced[Order]) error {
		_, err := v.Order(ctx, o)
		return err
	}); err != nil {
		return nil, err
	}
	return v.Problems(), nil
}

// Validator is [Batch.Validate] one order at a time, so that an import can
// write each order once it is checked and let it go: [NewValidator] checks
// the batch's companies, MSAs and prices, then [Validator.Order] each order,
// in the batch's order. Of the orders, a Validator keeps the PO numbers,
// and the subscription IDs of those checked since the last call of
// [Validator.Written]. Checked against a catalog that already holds the
// orders written so far, an order gets the same problems as with Validate:
// a PO number of this import is looked up among its earlier orders before
// the catalog, and a subscription ID the catalog gives to one of this
// import's orders is named as on that order's line.
type Validator struct {
	cat       Catalog
	ps        Problems
	file      string              // the file of the record being checked
	companies map[string]struct{} // of the batch
	msas      map[string]MSA      // of the batch
	pos       map[poKey]int       // PO of the import → line of its first order ×2, +1 once its subscription IDs count
	subs      map[string]subSeen  // subscription ID → where it was introduced, since the last Written
	partial   bool                // an order was Partial: nothing may be written
}

type poKey struct{ pe, po string }

// subSeen is where a subscription ID was met: its order's line, and the
// input line of its order line (the CSV row; the order's line for JSONL).
type subSeen struct{ order, row int }

// NewValidator checks the companies, MSAs and prices of b (not its orders)
// and returns the validator of its orders.
func NewValidator(ctx context.Context, cat Catalog, b Batch) (*Validator, error) {
	v := &Validator{cat: cat, companies: map[string]struct{}{}, msas: map[string]MSA{},
		pos: map[poKey]int{}, subs: map[string]subSeen{}}

	// Companies: valid, one record per key, at most one vendor.
	vendor, err := cat.VendorKey(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range b.Companies {
		v.file = c.File
		v.own(c.Line, c.Record.Validate())
		if _, dup := v.companies[c.Record.Key]; dup {
			v.at(c.Line, "key", "company %s appears twice in this import", c.Record.Key)
		}
		v.companies[c.Record.Key] = struct{}{}
		if c.Record.Kind == KindVendor {
			if vendor != "" && vendor != c.Record.Key {
				v.at(c.Line, "kind", "only one company can be the vendor and %s already is", vendor)
			} else {
				vendor = c.Record.Key
			}
		} else if vendor == c.Record.Key {
			old, _, err := cat.Company(ctx, c.Record.Key)
			if err != nil {
				return nil, err
			}
			if old.Kind == KindVendor {
				v.at(c.Line, "kind", "%s is the vendor; its kind cannot change", c.Record.Key)
			}
		}
	}

	// MSAs: valid, one record per number, counterparty exists.
	for _, m := range b.MSAs {
		v.file = m.File
		v.own(m.Line, m.Record.Validate())
		if _, dup := v.msas[m.Record.Number]; dup {
			v.at(m.Line, "number", "MSA %s appears twice in this import", m.Record.Number)
		}
		v.msas[m.Record.Number] = m.Record
		if err := v.refCompany(ctx, m.Line, "company", m.Record.Company); err != nil {
			return nil, err
		}
		if old, ok, err := cat.MSA(ctx, m.Record.Number); err != nil {
			return nil, err
		} else if ok && old.Company != m.Record.Company {
			v.at(m.Line, "company", "MSA %s belongs to %s, not %s", m.Record.Number, old.Company, m.Record.Company)
		}
	}

	// Prices: valid, one price per SKU and currency. The same price twice is
	// harmless; two different ones leave no way to tell which is meant.
	type priceKey struct{ sku, currency string }
	prices := map[priceKey]Sourced[Price]{}
	for _, p := range b.Prices {
		v.file = p.File
		if err := p.Record.Validate(); err != nil {
			v.own(p.Line, err)
			continue // compared with no other: its problems are enough
		}
		k := priceKey{p.Record.SKU, p.Record.Currency}
		first, dup := prices[k]
		switch {
		case !dup:
			prices[k] = p
		case first.Record.PartnerPrice != p.Record.PartnerPrice:
			v.at(p.Line, "partner_price", "SKU %s in %s has two prices in this import: %s here, %s on %s",
				p.Record.SKU, p.Record.Currency, p.Record.PartnerPrice, first.Record.PartnerPrice, first.place(p.File))
		}
	}
	return v, nil
}

func (v *Validator) at(line int, field, format string, args ...any) {
	v.ps = append(v.ps, Problem{File: v.file, Line: line, Field: field, Message: fmt.Sprintf(format, args...)})
}

func (v *Validator) own(line int, err error) {
	if p, ok := err.(Problems); ok {
		v.ps = append(v.ps, p.At(v.file, line)...)
	}
}

func (v *Validator) refCompany(ctx context.Context, line int, field, key string) error {
	if !ValidKey(key) {
		return nil // reported by the record's own Validate
	}
	if _, ok := v.companies[key]; ok {
		return nil
	}
	_, ok, err := v.cat.Company(ctx, key)
	if err == nil && !ok {
		v.at(line, field, "unknown company %s (import it as a company record first)", key)
	}
	return err
}

// Written tells v that every order it checked so far is in its catalog now
// (written by the import, or recorded already and identical), which then
// answers for their subscription IDs: v forgets them. Only an import that
// found no problem so far (OK) writes, and may call Written.
func (v *Validator) Written() {
	if v.OK() {
		clear(v.subs)
	}
}

// OK reports whether no problem has been found so far (and no order was
// partial: its reader reported what it left out).
func (v *Validator) OK() bool { return len(v.ps) == 0 && !v.partial }

// Problems returns every problem found so far, by file and line.
func (v *Validator) Problems() Problems {
	ps := slices.Clone(v.ps)
	slices.SortStableFunc(ps, func(a, b Problem) int {
		if c := cmp.Compare(a.File, b.File); c != 0 {
			return c
		}
		return a.Line - b.Line
	})
	return ps
}

// Order checks the next order of the batch. recorded is true when the
// order is already recorded, identical (a re-import, which changes
// nothing). It returns a non-nil error only when the catalog fails.
func (v *Validator) Order(ctx context.Context, o Sourced[Order]) (recorded bool, err error) {
	ord, line := &o.Record, o.Line
	v.file = o.File
	v.partial = v.partial || o.Partial
	if err := ord.Validate(); err != nil {
		v.ps = append(v.ps, o.relocate(err.(Problems))...)
	}
	if o.Rows != nil {
		// Read from CSV: the problems found below go to the row and
		// column they are about (lines[2].subscription_id: the third
		// row's subscription_id), as Validate's do.
		start := len(v.ps)
		defer func() { copy(v.ps[start:], o.relocate(v.ps[start:])) }()
	}
	for _, ref := range []struct{ field, key string }{{"purchasing_entity", ord.PurchasingEntity}, {"owner", ord.Owner}} {
		if err := v.refCompany(ctx, line, ref.field, ref.key); err != nil {
			return false, err
		}
	}
	for _, ref := range []struct {
		field string
		keys  []string
	}{{"resellers", ord.Resellers}, {"installers", ord.Installers}} {
		for i, k := range ref.keys {
			if err := v.refCompany(ctx, line, fmt.Sprintf("%s[%d]", ref.field, i), k); err != nil {
				return false, err
			}
		}
	}
	// The MSA exists, belongs to the purchasing entity and is in force on the order date.
	if ValidKey(ord.MSA) {
		m, ok := v.msas[ord.MSA]
		if !ok {
			var err error
			if m, ok, err = v.cat.MSA(ctx, ord.MSA); err != nil {
				return false, err
			}
		}
		switch {
		case !ok:
			v.at(line, "msa", "unknown MSA %s", ord.MSA)
		case m.Company != ord.PurchasingEntity:
			v.at(line, "msa", "MSA %s belongs to %s, not to the purchasing entity %s", ord.MSA, m.Company, ord.PurchasingEntity)
		case !ord.OrderDate.IsZero() && !m.InForce(ord.OrderDate):
			v.at(line, "order_date", "MSA %s is not in force on %s (it runs %s to %s)", ord.MSA, ord.OrderDate, m.Start, m.End)
		}
	}
	// The PO number is new for its purchasing entity, or the record is identical.
	k := poKey{ord.PurchasingEntity, ord.PONumber}
	if first, dup := v.pos[k]; dup {
		v.at(line, "po_number", "PO %s of %s appears twice in this import (first on line %d)", ord.PONumber, ord.PurchasingEntity, first/2)
		return false, nil
	}
	v.pos[k] = 2 * line
	old, exists, err := v.cat.Order(ctx, ord.PurchasingEntity, ord.PONumber)
	if err != nil {
		return false, err
	}
	if exists && !o.Partial && !old.Equal(*ord) {
		v.at(line, "po_number", "PO %s of %s is already recorded with different content; orders cannot be changed by import", ord.PONumber, ord.PurchasingEntity)
		return false, nil
	}
	// Subscription IDs are unique across the portal.
	v.pos[k]++ // a subscription ID the catalog gives to this PO is on this line
	for i, l := range ord.Lines {
		if !ValidKey(l.SubscriptionID) {
			continue
		}
		field := fmt.Sprintf("lines[%d].subscription_id", i)
		if first, dup := v.subs[l.SubscriptionID]; dup && first.order != line {
			v.at(line, field, "subscription ID %s is also on line %d of this import", l.SubscriptionID, first.row)
			continue
		}
		seen := subSeen{order: line, row: line}
		if i < len(o.Rows) {
			seen.row = o.Rows[i]
		}
		v.subs[l.SubscriptionID] = seen
		if exists {
			continue // identical re-import: its subscriptions are its own
		}
		pe, po, ok, err := v.cat.SubscriptionOrder(ctx, l.SubscriptionID)
		if err != nil {
			return false, err
		}
		first, ours := v.pos[poKey{pe, po}]
		switch {
		case !ok:
		case ours && first%2 == 1: // an order of this import, written since
			v.at(line, field, "subscription ID %s is also on line %d of this import", l.SubscriptionID, first/2)
		default:
			v.at(line, field, "subscription ID %s already belongs to PO %s of %s", l.SubscriptionID, po, pe)
		}
	}
	return exists, nil
}

// place names where s was read, for a problem on another record of file:
// "line 3", or "prices.jsonl:3" when s is in another file.
func (s Sourced[T]) place(file string) string {
	if s.File != file && s.File != "" {
		return fmt.Sprintf("%s:%d", s.File, s.Line)
	}
	return fmt.Sprintf("line %d", s.Line)
}

// relocate places an order's problems at their input lines: a problem with
// lines[i] goes to the row of line i when the order came from CSV rows.
func (o Sourced[T]) relocate(ps Problems) Problems {
	out := make(Problems, 0, len(ps))
	for _, p := range ps {
		p.File, p.Line = o.File, o.Line
		var i int
		var rest string
		if n, _ := fmt.Sscanf(p.Field, "lines[%d]", &i); n == 1 && i >= 0 && i < len(o.Rows) {
			p.Line = o.Rows[i]
			if j := strings.Index(p.Field, "]."); j >= 0 {
				rest = p.Field[j+2:]
			}
			p.Field = rest
		} else if o.Rows != nil {
			p.Field = csvColumn(p.Field)
		}
		out = append(out, p)
	}
	return out
}

// csvColumn names the CSV column of an order-level field: bill_to.name is
// bill_to_name, resellers[1] is resellers.
func csvColumn(field string) string {
	if i := strings.IndexByte(field, '['); i >= 0 {
		field = field[:i]
	}
	return strings.ReplaceAll(field, ".", "_")
}
