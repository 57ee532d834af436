package disclose

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
)

// My orders (issue 14): a company lists the orders it placed as purchasing
// entity, each with its order details (R2) as Order shows one; the vendor
// lists every company's, or one purchasing entity's (R6). The store narrows
// to the purchasing entity's own POs (R3: a company only ever finds its
// own); the policy decides each order as order details (policy.OrderDetails,
// the way Order asks), so a listed order carries exactly what its lookup
// by PO number would: owner & location only with the owner view (R4).

// OrderPage is one page of a list of orders.
type OrderPage struct {
	Items []Order `json:"items"`
	Next  string  `json:"next_cursor,omitempty"`
}

// MaxOrderLimit bounds a page of orders (each carries its lines).
const MaxOrderLimit = 100

// Orders returns one page of a's orders as purchasing entity, newest first,
// after cursor after, narrowed by f; f.PurchasingEntity is the vendor's to
// name ("" for every company's). Another company naming a purchasing entity
// other than its own gets an empty page: it finds no PO but its own (R3).
// Audited as one disclosure a page.
func (s *Service) Orders(ctx context.Context, a entitle.Actor, after string, limit int, f entitle.OrderFilter) (OrderPage, error) {
	now := s.now()
	page, err := s.orders(ctx, a, after, limit, f, now)
	if err != nil {
		return page, err
	}
	return page, s.audit(ctx, a, now, "order.list", f.PurchasingEntity, nil, fmt.Sprintf("%d orders", len(page.Items)), nil)
}

func (s *Service) orders(ctx context.Context, a entitle.Actor, after string, limit int, f entitle.OrderFilter, now time.Time) (OrderPage, error) {
	page := OrderPage{Items: []Order{}}
	if limit < 1 || limit > MaxOrderLimit {
		return page, entitle.Errorf(entitle.CodeInvalid, "limit must be between 1 and %d", MaxOrderLimit)
	}
	switch {
	case a.Company == "":
		return page, nil
	case a.Vendor:
	case f.PurchasingEntity == "" || f.PurchasingEntity == a.Company:
		f.PurchasingEntity = a.Company
	default:
		return page, nil // R3: only its own POs, whatever it names
	}
	op, err := s.store.Orders(ctx, f, after, limit)
	if err != nil {
		return page, err
	}
	for _, o := range op.Orders {
		d := policy.Decide(a, policy.OrderDetails, entitle.Facts{Owner: o.Owner, PurchasingEntity: o.PurchasingEntity, Roles: o.Assignments()}, now)
		if !d.Allowed {
			continue
		}
		out, err := s.projectOrder(ctx, o, d)
		if err != nil {
			return page, err
		}
		page.Items = append(page.Items, out)
	}
	page.Next = op.Next
	return page, nil
}

// ExportOrdersCSV writes every order a may list (as Orders, with f) to w
// as CSV, one row per order line with its price and amount (R2), after a
// header; owner & location are never among its columns (R4). Audited as
// one disclosure.
func (s *Service) ExportOrdersCSV(ctx context.Context, a entitle.Actor, f entitle.OrderFilter, w io.Writer) (int, error) {
	now := s.now()
	cw := csv.NewWriter(w)
	header := []string{"po_number", "order_date", "purchasing_entity", "msa", "currency", "resellers", "installers",
		"line", "subscription_id", "sku", "description", "quantity", "unit_price", "amount", "start_date", "end_date", "order_total"}
	if err := cw.Write(header); err != nil {
		return 0, err
	}
	n, after := 0, ""
	for {
		page, err := s.orders(ctx, a, after, MaxOrderLimit, f, now)
		if err != nil {
			return n, err
		}
		for _, o := range page.Items {
			for _, l := range o.Lines {
				row := []string{o.PONumber, o.OrderDate.String(), o.PurchasingEntity.Key, o.MSA, o.Currency, partyKeys(o.Resellers), partyKeys(o.Installers),
					strconv.Itoa(l.Line), l.SubscriptionID, l.SKU, l.Description, strconv.FormatInt(l.Quantity, 10), string(l.UnitPrice), string(l.Amount),
					l.StartDate.String(), l.EndDate.String(), string(o.Total)}
				for i, cell := range row {
					row[i] = SafeCell(cell)
				}
				if err := cw.Write(row); err != nil {
					return n, err
				}
			}
			n++
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return n, err
		}
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	return n, s.audit(ctx, a, now, "order.export", f.PurchasingEntity, nil, fmt.Sprintf("%d orders", n), nil)
}

func partyKeys(ps []Party) string {
	keys := make([]string, len(ps))
	for i, p := range ps {
		keys[i] = p.Key
	}
	return strings.Join(keys, ";")
}

// orderRefs sets out[i].Order where the policy lets a open the order of
// ds[i] by its PO number (policy.OrderDetails on the entitlement's facts:
// the purchasing entity, the vendor — R2, R3, R6), with the order's
// parties, in one query for the page.
func (s *Service) orderRefs(ctx context.Context, a entitle.Actor, ds []decided, out []Entitlement, now time.Time) error {
	var ids []int64
	open := make([]bool, len(ds))
	for i, d := range ds {
		if open[i] = policy.Decide(a, policy.OrderDetails, d.Facts, now).Views.Has(policy.ViewOrder); open[i] {
			ids = append(ids, d.OrderID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	resellers, err := s.store.Resellers(ctx, ids)
	if err != nil {
		return err
	}
	party := s.Parties(ctx)
	for i, d := range ds {
		if !open[i] {
			continue
		}
		ref := &OrderRef{PONumber: d.Entitlement.PONumber}
		if ref.PurchasingEntity, err = party(d.Entitlement.PurchasingEntity); err != nil {
			return err
		}
		for _, k := range resellers[d.OrderID] {
			p, err := party(k)
			if err != nil {
				return err
			}
			ref.Resellers = append(ref.Resellers, p)
		}
		out[i].Order = ref
	}
	return nil
}
