package web

import (
	"net/http"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/disclose"
)

// Page sizes of lists.
const (
	defaultLimit = 100
	maxLimit     = disclose.MaxLimit
)

// listFilter reads the list filters of SPEC §5: role, sku, status,
// expires_before; and the search q (SPEC §7).
func listFilter(q *query) entitle.ListFilter {
	var f entitle.ListFilter
	if role := q.str("role"); role != "" {
		b, ok := entitle.ParseBasis(role)
		if !ok {
			q.fail("role must be one of %s, not %q", basisList, clipParam(role))
		}
		f.Basis = b
	}
	if sku := q.str("sku"); sku != "" {
		if !entitle.ValidKey(sku) {
			q.fail("sku %q is not a SKU (1–64 of A-Z a-z 0-9 . _ -)", clipParam(sku))
		}
		f.SKU = sku
	}
	switch st := entitle.Status(q.str("status")); st {
	case "", entitle.StatusFuture, entitle.StatusActive, entitle.StatusExpired:
		f.Status = st
	default:
		q.fail("status must be future, active or expired, not %q", clipParam(string(st)))
	}
	if s := q.str("expires_before"); s != "" {
		d, err := entitle.ParseDate(s)
		if err != nil {
			q.fail("expires_before must be a date such as 2027-01-31, not %q", clipParam(s))
		}
		f.ExpiresBefore = d
	}
	companyFilter(q, &f)
	// q: the search (README "Search"); the gate checks it again.
	f.Search = entitle.Search{Text: q.str("q")}
	if err := f.Search.Validate(); err != nil {
		q.fail("%s", err.Error())
	}
	switch o := q.str("sort"); o {
	case "", "subscription_id":
	case string(entitle.ByEndDate), string(entitle.ByEndDateDesc):
		f.Order = entitle.ListOrder(o)
	default:
		q.fail("sort must be subscription_id, end_date or -end_date, not %q", clipParam(o))
	}
	return f
}

// listBinding is what a list cursor is bound to: the company, the filters
// and the order, so a cursor is never read against another list.
func listBinding(company string, f entitle.ListFilter) string {
	parts := []string{"entitlements", company, string(f.Basis), f.SKU, string(f.Status), f.ExpiresBefore.String(), string(f.Order), "company=" + f.Company}
	if f.Search.Text != "" { // a search's own field: the cursors of lists without one stay as they were
		parts = append(parts, "q="+f.Search.Text)
	}
	return bind(parts...)
}

const basisList = "delegate, installer, owner, purchasing_entity, reseller, vendor"

// GET /api/v1/entitlements?role=&sku=&status=&expires_before=&company=&q=&limit=&cursor=
func (s *Server) listEntitlements(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	q := newQuery(r, "role", "sku", "status", "expires_before", "sort", "company", "limit", "cursor", "q")
	f := listFilter(q)
	limit := q.limit(defaultLimit, maxLimit)
	if q.err != nil {
		return q.err
	}
	bound := listBinding(c.Company, f)
	after, err := s.openCursor(q.str("cursor"), bound)
	if err != nil {
		return err
	}
	page, err := s.cfg.Gate.ListObjects(r.Context(), c, after, limit, f)
	if err != nil {
		return err
	}
	page.Next = s.sealCursor(page.Next, bound)
	writeJSON(w, http.StatusOK, page)
	return nil
}

// GET /api/v1/entitlements/{id}
func (s *Server) getEntitlement(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	e, err := s.cfg.Gate.GetObject(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, e)
	return nil
}

type items[T any] struct {
	Items []T `json:"items"`
}

// GET /api/v1/entitlements/{id}/access: who has access and why (R8), for the
// owner and the vendor; 403 for a company that sees the entitlement
// otherwise, 404 for one that does not see it (R7). With ?at=RFC3339: who
// could see it at that instant (R8 through time, history.go).
func (s *Server) entitlementAccess(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	q := newQuery(r, "at")
	if q.err != nil {
		return q.err
	}
	if _, ok := q.v["at"]; ok {
		return s.entitlementAccessAt(w, r, c, q.str("at"))
	}
	acc, err := s.cfg.Gate.Explain(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, items[disclose.Access]{acc})
	return nil
}

// orderKey reads an order lookup's purchasing entity: the caller's own, or
// for the vendor the one it names.
func orderKey(r *http.Request, c entitle.Actor) (string, error) {
	q := newQuery(r, "purchasing_entity")
	if q.err != nil {
		return "", q.err
	}
	pe := q.str("purchasing_entity")
	if pe != "" && !entitle.ValidKey(pe) {
		return "", errorf(codeInvalid, "purchasing_entity %q is not a company key", clipParam(pe))
	}
	return pe, nil
}

// GET /api/v1/orders/{po}: order details (R2), looked up among the caller's
// own POs (R3).
func (s *Server) getOrder(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	pe, err := orderKey(r, c)
	if err != nil {
		return err
	}
	o, err := s.cfg.Gate.Order(r.Context(), c, r.PathValue("po"), pe)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, o)
	return nil
}

// GET /api/v1/orders/{po}/entitlements (R3).
func (s *Server) orderEntitlements(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	pe, err := orderKey(r, c)
	if err != nil {
		return err
	}
	es, err := s.cfg.Gate.OrderEntitlements(r.Context(), c, r.PathValue("po"), pe)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, items[disclose.Entitlement]{es})
	return nil
}
