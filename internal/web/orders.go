package web

import (
	"net/http"
	"strings"
	"unicode"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/disclose"
)

// My orders (issue 14): the orders the caller's company placed as
// purchasing entity, newest first, each as GET /api/v1/orders/{po} shows
// it; the vendor lists every company's, or one purchasing entity's.

const defaultOrderLimit = 25

// orderFilter reads the filters of a list of orders: ordered_from and
// ordered_to (order dates, inclusive), the PO prefix (parameter prefix:
// "po" in the API, "po_prefix" on the Orders page, whose "po" is the
// lookup) and the vendor's purchasing_entity.
func orderFilter(q *query, prefix string) entitle.OrderFilter {
	var f entitle.OrderFilter
	for _, d := range []struct {
		name string
		dst  *entitle.Date
	}{{"ordered_from", &f.From}, {"ordered_to", &f.To}} {
		if s := q.str(d.name); s != "" {
			v, err := entitle.ParseDate(s)
			if err != nil {
				q.fail("%s must be a date such as 2026-01-31, not %q", d.name, clipParam(s))
			}
			*d.dst = v
		}
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		q.fail("ordered_to (%s) is before ordered_from (%s)", f.To, f.From)
	}
	if p := strings.TrimSpace(q.str(prefix)); p != "" {
		if len(p) > 64 || strings.IndexFunc(p, unicode.IsControl) >= 0 {
			q.fail("%s must be the start of a PO number (at most 64 characters)", prefix)
		}
		f.POPrefix = p
	}
	if pe := strings.TrimSpace(q.str("purchasing_entity")); pe != "" {
		if !entitle.ValidKey(pe) {
			q.fail("purchasing_entity %q is not a company key", clipParam(pe))
		}
		f.PurchasingEntity = pe
	}
	return f
}

// orderBinding is what a cursor of a list of orders is bound to.
func orderBinding(company string, f entitle.OrderFilter) string {
	return bind("orders", company, f.PurchasingEntity, f.From.String(), f.To.String(), f.POPrefix)
}

// GET /api/v1/orders?ordered_from=&ordered_to=&po=&purchasing_entity=&limit=&cursor=
func (s *Server) listOrders(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	q := newQuery(r, "ordered_from", "ordered_to", "po", "purchasing_entity", "limit", "cursor")
	f := orderFilter(q, "po")
	limit := q.limit(defaultOrderLimit, disclose.MaxOrderLimit)
	if q.err != nil {
		return q.err
	}
	bound := orderBinding(c.Company, f)
	after, err := s.openCursor(q.str("cursor"), bound)
	if err != nil {
		return err
	}
	page, err := s.cfg.Gate.Orders(r.Context(), c, after, limit, f)
	if err != nil {
		return err
	}
	page.Next = s.sealCursor(page.Next, bound)
	writeJSON(w, http.StatusOK, page)
	return nil
}
