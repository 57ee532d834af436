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
}

// Batch is a set of records to be written together, all or nothing: usually
// one import of one or more ERP files.
type Batch struct {
	Companies []Sourced[Company]
	MSAs      []Sourced[MSA]
	Prices    []Sourced[Price]
	Orders    []Sourced[Order]
}

// Len is the number of records in the batch.
func (b Batch) Len() int { return len(b.Companies) + len(b.MSAs) + len(b.Prices) + len(b.Orders) }

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
// the first), each with its line and field. Validate itself does no I/O; ctx
// is passed on to cat. It returns a non-nil error only when cat fails.
func (b Batch) Validate(ctx context.Context, cat Catalog) (Problems, error) {
	var ps Problems
	var file string // the file of the record being checked
	at := func(line int, field, format string, args ...any) {
		ps = append(ps, Problem{File: file, Line: line, Field: field, Message: fmt.Sprintf(format, args...)})
	}
	own := func(line int, err error) {
		if p, ok := err.(Problems); ok {
			ps = append(ps, p.At(file, line)...)
		}
	}

	// Companies: valid, one record per key, at most one vendor.
	companies := map[string]Company{}
	vendor, err := cat.VendorKey(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range b.Companies {
		file = c.File
		own(c.Line, c.Record.Validate())
		if _, dup := companies[c.Record.Key]; dup {
			at(c.Line, "key", "company %s appears twice in this import", c.Record.Key)
		}
		companies[c.Record.Key] = c.Record
		if c.Record.Kind == KindVendor {
			if vendor != "" && vendor != c.Record.Key {
				at(c.Line, "kind", "only one company can be the vendor and %s already is", vendor)
			} else {
				vendor = c.Record.Key
			}
		} else if vendor == c.Record.Key {
			old, _, err := cat.Company(ctx, c.Record.Key)
			if err != nil {
				return nil, err
			}
			if old.Kind == KindVendor {
				at(c.Line, "kind", "%s is the vendor; its kind cannot change", c.Record.Key)
			}
		}
	}
	companyExists := func(key string) (bool, error) {
		if _, ok := companies[key]; ok {
			return true, nil
		}
		_, ok, err := cat.Company(ctx, key)
		return ok, err
	}
	refCompany := func(line int, field, key string) error {
		if !ValidKey(key) {
			return nil // reported by the record's own Validate
		}
		ok, err := companyExists(key)
		if err == nil && !ok {
			at(line, field, "unknown company %s (import it as a company record first)", key)
		}
		return err
	}

	// MSAs: valid, one record per number, counterparty exists.
	msas := map[string]MSA{}
	for _, m := range b.MSAs {
		file = m.File
		own(m.Line, m.Record.Validate())
		if _, dup := msas[m.Record.Number]; dup {
			at(m.Line, "number", "MSA %s appears twice in this import", m.Record.Number)
		}
		msas[m.Record.Number] = m.Record
		if err := refCompany(m.Line, "company", m.Record.Company); err != nil {
			return nil, err
		}
		if old, ok, err := cat.MSA(ctx, m.Record.Number); err != nil {
			return nil, err
		} else if ok && old.Company != m.Record.Company {
			at(m.Line, "company", "MSA %s belongs to %s, not %s", m.Record.Number, old.Company, m.Record.Company)
		}
	}

	// Prices: valid, one price per SKU and currency. The same price twice is
	// harmless; two different ones leave no way to tell which is meant.
	type priceKey struct{ sku, currency string }
	prices := map[priceKey]Sourced[Price]{}
	for _, p := range b.Prices {
		file = p.File
		if err := p.Record.Validate(); err != nil {
			own(p.Line, err)
			continue // compared with no other: its problems are enough
		}
		k := priceKey{p.Record.SKU, p.Record.Currency}
		first, dup := prices[k]
		switch {
		case !dup:
			prices[k] = p
		case first.Record.PartnerPrice != p.Record.PartnerPrice:
			at(p.Line, "partner_price", "SKU %s in %s has two prices in this import: %s here, %s on %s",
				p.Record.SKU, p.Record.Currency, p.Record.PartnerPrice, first.Record.PartnerPrice, first.place(p.File))
		}
	}

	// Orders.
	type poKey struct{ pe, po string }
	pos := map[poKey]int{}
	subs := map[string]int{} // subscription ID → line that introduced it
	for _, o := range b.Orders {
		ord, line := o.Record, o.Line
		file = o.File
		if err := ord.Validate(); err != nil {
			ps = append(ps, o.relocate(err.(Problems))...)
		}
		for _, ref := range []struct{ field, key string }{{"purchasing_entity", ord.PurchasingEntity}, {"owner", ord.Owner}} {
			if err := refCompany(line, ref.field, ref.key); err != nil {
				return nil, err
			}
		}
		for field, keys := range map[string][]string{"resellers": ord.Resellers, "installers": ord.Installers} {
			for i, k := range keys {
				if err := refCompany(line, fmt.Sprintf("%s[%d]", field, i), k); err != nil {
					return nil, err
				}
			}
		}
		// The MSA exists, belongs to the purchasing entity and is in force on the order date.
		if ValidKey(ord.MSA) {
			m, ok := msas[ord.MSA]
			if !ok {
				var err error
				if m, ok, err = cat.MSA(ctx, ord.MSA); err != nil {
					return nil, err
				}
			}
			switch {
			case !ok:
				at(line, "msa", "unknown MSA %s", ord.MSA)
			case m.Company != ord.PurchasingEntity:
				at(line, "msa", "MSA %s belongs to %s, not to the purchasing entity %s", ord.MSA, m.Company, ord.PurchasingEntity)
			case !ord.OrderDate.IsZero() && !m.InForce(ord.OrderDate):
				at(line, "order_date", "MSA %s is not in force on %s (it runs %s to %s)", ord.MSA, ord.OrderDate, m.Start, m.End)
			}
		}
		// The PO number is new for its purchasing entity, or the record is identical.
		k := poKey{ord.PurchasingEntity, ord.PONumber}
		if first, dup := pos[k]; dup {
			at(line, "po_number", "PO %s of %s appears twice in this import (first on line %d)", ord.PONumber, ord.PurchasingEntity, first)
			continue
		}
		pos[k] = line
		old, exists, err := cat.Order(ctx, ord.PurchasingEntity, ord.PONumber)
		if err != nil {
			return nil, err
		}
		if exists && !old.Equal(ord) {
			at(line, "po_number", "PO %s of %s is already recorded with different content; orders cannot be changed by import", ord.PONumber, ord.PurchasingEntity)
			continue
		}
		// Subscription IDs are unique across the portal.
		for i, l := range ord.Lines {
			if !ValidKey(l.SubscriptionID) {
				continue
			}
			field := fmt.Sprintf("lines[%d].subscription_id", i)
			if first, dup := subs[l.SubscriptionID]; dup && first != line {
				at(line, field, "subscription ID %s is also on line %d of this import", l.SubscriptionID, first)
				continue
			}
			subs[l.SubscriptionID] = line
			if exists {
				continue // identical re-import: its subscriptions are its own
			}
			pe, po, ok, err := cat.SubscriptionOrder(ctx, l.SubscriptionID)
			if err != nil {
				return nil, err
			}
			if ok {
				at(line, field, "subscription ID %s already belongs to PO %s of %s", l.SubscriptionID, po, pe)
			}
		}
	}
	slices.SortStableFunc(ps, func(a, b Problem) int {
		if c := cmp.Compare(a.File, b.File); c != 0 {
			return c
		}
		return a.Line - b.Line
	})
	return ps, nil
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
