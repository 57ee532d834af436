package web

import (
	"net/http"
	"net/url"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/disclose"
	"github.com/entitle-portal/entitle/internal/policy"
)

// The entitlement pages: My entitlements (filters, keyset paging, badges,
// CSV download) and one entitlement (its fields, the caller's basis in
// words, and for the owner who has access and why).

// entitlementRow is a list row with its days-to-expiry hint.
type entitlementRow struct {
	disclose.Entitlement
	Ends     string // "in 23 days", "5 days ago"
	Soon     bool   // ends within 90 days
	Basis    []string
	Distinct string // the entitlement's page
}

func rowOf(e disclose.Entitlement, today entitle.Date) entitlementRow {
	r := entitlementRow{Entitlement: e, Ends: relDays(e.EndDate, today), Distinct: "/entitlements/" + url.PathEscape(e.SubscriptionID)}
	n := today.DaysUntil(e.EndDate)
	r.Soon = e.Status == entitle.StatusActive && n <= 90
	for _, b := range e.Access {
		r.Basis = append(r.Basis, basisWords(b))
	}
	return r
}

type entitlementsPage struct {
	Rows              []entitlementRow
	Role, SKU, Status string
	ExpiresBefore     string
	Problem           string // a filter that could not be read
	Next, First       string // the next and the first page's paths
	CSV               string // the download of the filtered list
	Filtered          bool   // some filter is set
	Paged             bool   // not the first page
	Roles             []entitle.Basis
}

// GET / (signed in): My entitlements.
func (s *Server) entitlementsPage(w http.ResponseWriter, r *http.Request, c who, v *view) error {
	q := newQuery(r, "role", "sku", "status", "expires_before", "cursor", "done")
	f := listFilter(q)
	data := entitlementsPage{Role: q.str("role"), SKU: q.str("sku"), Status: q.str("status"), ExpiresBefore: q.str("expires_before"),
		Roles: entitle.Bases}
	v.Title, v.Data = "My entitlements", &data
	if q.err != nil {
		data.Problem = q.err.Error()
		s.show(w, http.StatusUnprocessableEntity, "entitlements", v)
		return nil
	}
	bound := bind("entitlements", c.Company, string(f.Basis), f.SKU, string(f.Status), f.ExpiresBefore.String())
	after, err := s.openCursor(q.str("cursor"), bound)
	if err != nil {
		return err
	}
	page, err := s.svc.List(r.Context(), c.Caller, after, defaultLimit, f)
	if err != nil {
		return err
	}
	for _, e := range page.Items {
		data.Rows = append(data.Rows, rowOf(e, v.Today))
	}
	filters := url.Values{}
	for k, val := range map[string]string{"role": data.Role, "sku": data.SKU, "status": data.Status, "expires_before": data.ExpiresBefore} {
		if val != "" {
			filters.Set(k, val)
		}
	}
	data.Filtered, data.Paged = len(filters) > 0, after != ""
	data.First, data.CSV = withQuery("/", filters), withQuery("/entitlements.csv", filters)
	if page.Next != "" {
		filters.Set("cursor", s.sealCursor(page.Next, bound))
		data.Next = withQuery("/", filters)
	}
	s.show(w, http.StatusOK, "entitlements", v)
	return nil
}

// GET /entitlements.csv: exactly what the caller may see (with the list's
// filters), as CSV; audited as an export.
func (s *Server) entitlementsCSV(w http.ResponseWriter, r *http.Request, c who, v *view) error {
	q := newQuery(r, "role", "sku", "status", "expires_before")
	f := listFilter(q)
	if q.err != nil {
		return q.err
	}
	owns, err := s.cfg.DB.Owns(r.Context(), c.Company)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="entitlements-`+c.Company+`-`+v.Today.String()+`.csv"`)
	cw, err := disclose.NewCSV(w, c.Vendor || owns)
	if err != nil {
		return err
	}
	_, err = s.svc.Export(r.Context(), c.Caller, f, cw.Write)
	return err
}

type entitlementPage struct {
	E         entitlementRow
	Basis     []string // why the caller sees it, in words
	Access    []disclose.Access
	Explains  bool // the caller may ask who has access (owner, vendor)
	CanRevoke bool // the caller may revoke the delegations shown (owner admins, R5)
	Renew     bool // the caller may see renewal options
}

// GET /entitlements/{id}: one entitlement. Another company's is the same
// "not found" page as one that does not exist (R7).
func (s *Server) entitlementPage(w http.ResponseWriter, r *http.Request, c who, v *view) error {
	sub := r.PathValue("id")
	e, d, err := s.svc.Get(r.Context(), c.Caller, sub)
	if err != nil {
		return err
	}
	data := entitlementPage{E: rowOf(e, v.Today), Renew: policy.RenewalOptions(d).Allowed}
	for _, b := range d.Basis {
		data.Basis = append(data.Basis, basisWords(b))
	}
	if policy.AsksWhoHasAccess(c.Caller.Caller, d) {
		acc, err := s.svc.Explain(r.Context(), c.Caller, sub)
		if err != nil {
			return err
		}
		data.Access, data.Explains = acc, true
		if e.Owner != nil {
			data.CanRevoke = policy.ManageDelegations(c.Caller.Caller, e.Owner.Key, true).Allowed
		}
	}
	v.Title, v.Section, v.Data = "Entitlement "+sub, "entitlements", &data
	s.show(w, http.StatusOK, "entitlement", v)
	return nil
}

// withQuery is path with the query q, if any: built here, whole, because
// html/template escapes a query string written after "?" in an href.
func withQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}
