package web

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/disclose"
	"github.com/entitle-portal/entitle/internal/i18n"
)

// The entitlement pages: My entitlements (filters, keyset paging, badges,
// CSV download) and one entitlement (its fields, the caller's basis in
// words, and for the owner who has access and why).

// entitlementRow is a list row with its days-to-expiry hint.
type entitlementRow struct {
	disclose.Entitlement
	Ends        string // "in 23 days", "5 days ago"
	StatusWords string // the status in words: "active", "aktiv"
	Soon        bool   // ends within 90 days
	Basis       []string
	Distinct    string // the entitlement's page
	// OrderHref is the order's page, when the gate says the caller may
	// open it (disclose.Entitlement.Order): else the PO is plain text.
	OrderHref string
	Picked    bool // checked in the bulk delegation form
}

// rowOf is e's row, its words in p's language.
func rowOf(p *i18n.Printer, e disclose.Entitlement, today entitle.Date) entitlementRow {
	r := entitlementRow{Entitlement: e, Ends: relDaysIn(p, e.EndDate, today), StatusWords: entitlementStatusWords(p, e.Status),
		Distinct: "/entitlements/" + url.PathEscape(e.SubscriptionID)}
	if e.Order != nil {
		r.OrderHref = orderHref(e.Order.PONumber, e.Order.PurchasingEntity.Key)
	}
	n := today.DaysUntil(e.EndDate)
	r.Soon = e.Status == entitle.StatusActive && n <= 90
	for _, b := range e.Access {
		r.Basis = append(r.Basis, basisWordsIn(p, b))
	}
	return r
}

// entitlementStatusWords is an entitlement's status in words, in p's
// language (a badge's text; its class stays the status): the message
// "status."+s, or s as it is when it is no status. The ID is built, so
// TestEveryIDKnown does not see it: TestBasisAndStatusWordsKnown holds every
// status to its message instead.
func entitlementStatusWords(p *i18n.Printer, s entitle.Status) string {
	return statusWords(p, "status.", string(s))
}

// joinAnd joins phrases with "and" in p's language: why a company sees
// something (basisWordsIn) as one clause, "your company owns it and your
// company installs it".
func joinAnd(p *i18n.Printer, words []string) string {
	out := ""
	for i, w := range words {
		if i > 0 {
			out += " " + p.T("list.and") + " "
		}
		out += w
	}
	return out
}

type entitlementsPage struct {
	Rows              []entitlementRow
	Role, SKU, Status string
	Q                 string // the search
	CanPick           bool   // some row may be picked for bulk delegation (policy.DelegateRow): the form is shown
	Bulk              bulkForm
	MinExpiry         string
	ExpiresBefore     string
	Company           string         // the vendor's filter: a company holding a role on the order
	Sort              string         // "", "end_date" or "-end_date"
	Problem           string         // a filter that could not be read
	Next, First       string         // the next and the first page's paths
	CSV               string         // the download of the filtered list
	Filtered          bool           // some filter is set
	Paged             bool           // not the first page
	Roles             []filterChoice // the bases, for the form
	Statuses          []filterChoice // the statuses, for the form
	Sorts             []filterChoice // the orders, for the form
	// The column headers that sort the whole list: the first page in that
	// order (End toggles between ends first and ends last), and the
	// header's aria-sort when the list is in its order.
	BySubscription, ByEnd         string
	SubscriptionSorted, EndSorted string
	// Expiring is the "expiring soon" panel (on the first page of the
	// unfiltered list only); nil when not shown.
	Expiring *expiringPanel
}

// The "expiring soon" panel of My entitlements: the caller's active
// entitlements that end within expiringDays, the soonest first, at most
// expiringShown of them, and a link to the whole list so filtered. It is a
// list of the gate (disclose.List, with a filter), audited as a disclosure
// like any list.
const (
	expiringDays  = 90
	expiringShown = 5
)

type expiringPanel struct {
	Rows  []entitlementRow
	More  bool   // more than the rows shown end within the window
	All   string // the whole list, filtered: active, ending before Until, soonest first
	Until entitle.Date
	Days  int
}

// expiring fills the panel for c, in p's language.
func (s *Server) expiring(r *http.Request, c entitle.Actor, p *i18n.Printer, today entitle.Date) (*expiringPanel, error) {
	until := today.AddDays(expiringDays + 1) // expires_before is exclusive: ends on day 90 included
	f := entitle.ListFilter{Status: entitle.StatusActive, ExpiresBefore: until, Order: entitle.ByEndDate}
	page, err := s.cfg.Gate.List(r.Context(), c, "", expiringShown, f)
	if err != nil {
		return nil, err
	}
	panel := &expiringPanel{More: page.Next != "", Until: until, Days: expiringDays,
		All: withQuery("/", url.Values{"status": {string(entitle.StatusActive)}, "expires_before": {until.String()}, "sort": {string(entitle.ByEndDate)}})}
	for _, e := range page.Items {
		panel.Rows = append(panel.Rows, rowOf(p, e, today))
	}
	return panel, nil
}

// filterChoice is one choice of a filter of My entitlements: the value the
// form sends (the API's, in every language) and its words.
type filterChoice struct{ Value, Words string }

// sortChoices are the orders of My entitlements, in p's language.
func sortChoices(p *i18n.Printer) []filterChoice {
	return []filterChoice{{"", p.T("entitlements.sort_subscription")}, {string(entitle.ByEndDate), p.T("entitlements.sort_end")},
		{string(entitle.ByEndDateDesc), p.T("entitlements.sort_end_desc")}}
}

// roleChoices are the bases of Your basis, in entitle.Bases' order, in p's
// language: each named as the helpers name it (basisName).
func roleChoices(p *i18n.Printer) []filterChoice {
	out := make([]filterChoice, 0, len(entitle.Bases))
	for _, b := range entitle.Bases {
		out = append(out, filterChoice{string(b), basisName(p, b)})
	}
	return out
}

// statusChoices are the statuses of the Status filter, in p's language.
func statusChoices(p *i18n.Printer) []filterChoice {
	out := []filterChoice{}
	for _, st := range []entitle.Status{entitle.StatusFuture, entitle.StatusActive, entitle.StatusExpired} {
		out = append(out, filterChoice{string(st), entitlementStatusWords(p, st)})
	}
	return out
}

// GET / (signed in): My entitlements.
func (s *Server) entitlementsPage(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	return s.showEntitlements(w, r, c, v, http.StatusOK, bulkForm{})
}

// showEntitlements renders My entitlements for r's query, with the bulk
// delegation form as posted (bulk.go) and its refusal, at status.
func (s *Server) showEntitlements(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view, status int, form bulkForm) error {
	q := newQuery(r, "role", "sku", "status", "expires_before", "sort", "company", "cursor", "done", "q")
	f := listFilter(q)
	p := i18n.For(v.Lang)
	data := entitlementsPage{Role: q.str("role"), SKU: q.str("sku"), Status: q.str("status"), ExpiresBefore: q.str("expires_before"),
		Sort: string(f.Order), Roles: roleChoices(p), Statuses: statusChoices(p), Sorts: sortChoices(p), Q: q.str("q"), Bulk: form}
	data.Company = q.str("company")
	v.Title, v.Data = p.T("entitlements.title"), &data
	if q.err != nil {
		data.Problem = q.err.Error()
		s.show(w, http.StatusUnprocessableEntity, "entitlements", v)
		return nil
	}
	bound := listBinding(c.Company, f)
	after, err := s.openCursor(q.str("cursor"), bound)
	if err != nil {
		return err
	}
	page, err := s.cfg.Gate.List(r.Context(), c, after, defaultLimit, f)
	if err != nil {
		return err
	}
	for _, e := range page.Items {
		row := rowOf(p, e, v.Today)
		row.Picked = e.Delegable && slices.Contains(form.Picked, e.SubscriptionID)
		data.CanPick = data.CanPick || e.Delegable
		data.Rows = append(data.Rows, row)
	}
	data.Bulk.Action = withQuery("/entitlements/bulk", listQuery(r))
	data.MinExpiry = v.Today.AddDays(1).String()
	filters := url.Values{}
	for k, val := range map[string]string{"role": data.Role, "sku": data.SKU, "status": data.Status, "expires_before": data.ExpiresBefore, "company": data.Company, "q": data.Q} {
		if val != "" {
			filters.Set(k, val)
		}
	}
	data.Filtered, data.Paged = len(filters) > 0, after != ""
	if !data.Filtered && !data.Paged && f.Order == entitle.BySubscription {
		if data.Expiring, err = s.expiring(r, c, p, v.Today); err != nil {
			return err
		}
	}
	data.BySubscription = withQuery("/", filters)
	byEnd := entitle.ByEndDate
	switch f.Order {
	case entitle.BySubscription:
		data.SubscriptionSorted = "ascending"
	case entitle.ByEndDate:
		data.EndSorted, byEnd = "ascending", entitle.ByEndDateDesc
	case entitle.ByEndDateDesc:
		data.EndSorted = "descending"
	}
	data.ByEnd = withQuery("/", withParam(filters, "sort", string(byEnd)))
	if f.Order != entitle.BySubscription {
		filters.Set("sort", string(f.Order))
	}
	data.First, data.CSV = withQuery("/", filters), withQuery("/entitlements.csv", filters)
	if page.Next != "" {
		filters.Set("cursor", s.sealCursor(page.Next, bound))
		data.Next = withQuery("/", filters)
	}
	s.show(w, status, "entitlements", v)
	return nil
}

// bulkForm is the bulk delegation form as posted: the picked
// subscriptions, the delegate, the expiry, and what was refused.
type bulkForm struct {
	Picked            []string
	Delegate, Expires string
	Problem           string
	Action            string // where the form posts: the list's own query
}

// listQuery is the list's query in r (filters, order, cursor), without
// anything else.
func listQuery(r *http.Request) url.Values {
	out := url.Values{}
	for k, vs := range r.URL.Query() {
		switch k {
		case "role", "sku", "status", "expires_before", "sort", "company", "cursor", "q":
			out[k] = vs
		}
	}
	return out
}

// GET /entitlements.csv: exactly what the caller may see (with the list's
// filters), as CSV; audited as an export.
func (s *Server) entitlementsCSV(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	q := newQuery(r, "role", "sku", "status", "expires_before", "sort", "company", "q")
	f := listFilter(q)
	if q.err != nil {
		return q.err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="entitlements-`+c.Company+`-`+v.Today.String()+`.csv"`)
	_, err := s.cfg.Gate.ExportCSV(r.Context(), c, f, w)
	return err
}

type entitlementPage struct {
	E         entitlementRow
	Basis     []string // why the caller sees it, in words
	Because   string   // Basis as one clause ("… and …")
	Access    []disclose.Access
	Explains  bool // the caller may ask who has access (owner, vendor)
	CanRevoke bool // the caller may revoke the delegations shown (owner admins, R5)
	Renew     bool // the caller may see renewal options
}

// GET /entitlements/{id}: one entitlement. Another company's is the same
// "not found" page as one that does not exist (R7).
func (s *Server) entitlementPage(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	sub := r.PathValue("id")
	d, err := s.cfg.Gate.Detail(r.Context(), c, sub)
	if err != nil {
		return err
	}
	p := i18n.For(v.Lang)
	data := entitlementPage{E: rowOf(p, d.Entitlement, v.Today), Renew: d.MayRenew, Access: d.Access, Explains: d.MayExplain, CanRevoke: d.MayRevoke}
	for _, b := range d.Entitlement.Access {
		data.Basis = append(data.Basis, basisWordsIn(p, b))
	}
	data.Because = joinAnd(p, data.Basis)
	v.Title, v.Section, v.Data = p.T("entitlement.title", "ID", sub), "entitlements", &data
	s.show(w, http.StatusOK, "entitlement", v)
	return nil
}

// withParam is a copy of q with k set to v.
func withParam(q url.Values, k, v string) url.Values {
	c := make(url.Values, len(q)+1)
	for key, vals := range q {
		c[key] = vals
	}
	c.Set(k, v)
	return c
}

// withQuery is path with the query q, if any: built here, whole, because
// html/template escapes a query string written after "?" in an href.
func withQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}
