package web_test

import (
	"encoding/csv"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
)

// The matrix checkers of issue 14's "My orders" and the vendor's and
// administrators' filters. Expectations come from the policy: an order is
// listed exactly when the subject's OrderDetails decision on it allows
// (R2, R6) and, for a company other than the vendor, it placed the PO
// (R3); every listed order carries the keys of its views (table_test.go's
// orderFields); the company filter is the vendor's (FilterByCompany); the
// audit's filters never widen whose events are read (ReadAudit, R7).

// both runs every checker in turn: a route's own checker and the checks
// this file adds to it.
func both(cs ...checker) checker {
	return func(t *testing.T, m *mx, s *subject) {
		for _, c := range cs {
			c(t, m, s)
		}
	}
}

// listedOrders are the orders s lists when naming purchasing entity pe
// ("" none): those its OrderDetails decision allows, of pe when named, of
// its own company when it is not the vendor.
func (m *mx) listedOrders(s *subject, pe string) []entitle.Order {
	var out []entitle.Order
	for _, o := range m.orders {
		d := m.order(s.company(), policy.OrderDetails, o)
		switch {
		case !d.Allowed:
		case pe != "" && o.PurchasingEntity != pe:
		case !s.actor.Vendor && o.PurchasingEntity != s.company():
		default:
			out = append(out, o)
		}
	}
	return out
}

func orderIDs(os []entitle.Order) []string {
	var out []string
	for _, o := range os {
		out = append(out, o.PurchasingEntity+"/"+o.PONumber)
	}
	slices.Sort(out)
	return out
}

// checkOrderList: GET /api/v1/orders lists what the policy allows, newest
// first, each order with the keys and basis of its decision; with every
// purchasing entity named; and paged by two, the same orders.
func checkOrderList(t *testing.T, m *mx, s *subject) {
	pes := []string{""}
	for _, o := range m.orders {
		if !slices.Contains(pes, o.PurchasingEntity) {
			pes = append(pes, o.PurchasingEntity)
		}
	}
	for _, pe := range pes {
		q := url.Values{"limit": {"100"}}
		if pe != "" {
			q.Set("purchasing_entity", pe)
		}
		path := "/api/v1/orders?" + q.Encode()
		res := m.api(t, s, http.MethodGet, path, nil)
		if !m.check(t, res.status == http.StatusOK, "%s: GET %s: %d %s", s.name, path, res.status, clip(res.body)) {
			continue
		}
		var page struct {
			Items []map[string]any `json:"items"`
			Next  string           `json:"next_cursor"`
		}
		res.json(t, &page)
		want := m.listedOrders(s, pe)
		var got []string
		last := ""
		for _, it := range page.Items {
			po, _ := it["po_number"].(string)
			date, _ := it["order_date"].(string)
			party, _ := it["purchasing_entity"].(map[string]any)
			key, _ := party["key"].(string)
			got = append(got, key+"/"+po)
			m.check(t, last == "" || date <= last, "%s: GET %s: %s ordered %s after one of %s: not newest first", s.name, path, po, date, last)
			last = date
			i := slices.IndexFunc(want, func(o entitle.Order) bool { return o.PONumber == po && o.PurchasingEntity == key })
			if !m.check(t, i >= 0, "%s: GET %s: lists %s/%s, which the policy does not allow", s.name, path, key, po) {
				continue
			}
			d := m.order(s.company(), policy.OrderDetails, want[i])
			wantKeys := fieldsOf(d.Views, orderFields)
			if want[i].BillTo == nil {
				delete(wantKeys, "bill_to")
			}
			if want[i].InstallationSite == nil {
				delete(wantKeys, "installation_site")
			}
			m.check(t, maps.Equal(keysOf(it), wantKeys), "%s: GET %s: %s keys %v, want %v (views %s)", s.name, path, po, sortedKeys(keysOf(it)), sortedKeys(wantKeys), d.Views)
			m.check(t, slices.Equal(basisOf(it["access"]), d.Basis), "%s: GET %s: %s access %v, want %v", s.name, path, po, it["access"], d.Basis)
		}
		slices.Sort(got)
		m.check(t, slices.Equal(got, orderIDs(want)) && page.Next == "", "%s: GET %s lists %v (next %q), want %v", s.name, path, got, page.Next, orderIDs(want))
	}
	// Paged by two: the same orders, each once.
	var got []string
	for cursor, n := "", 0; n < 50; n++ {
		path := "/api/v1/orders?limit=2"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		res := m.api(t, s, http.MethodGet, path, nil)
		if !m.check(t, res.status == http.StatusOK, "%s: GET %s: %d %s", s.name, path, res.status, clip(res.body)) {
			return
		}
		var page struct {
			Items []struct {
				PO string `json:"po_number"`
				PE struct {
					Key string `json:"key"`
				} `json:"purchasing_entity"`
			} `json:"items"`
			Next string `json:"next_cursor"`
		}
		res.json(t, &page)
		for _, it := range page.Items {
			got = append(got, it.PE.Key+"/"+it.PO)
		}
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	slices.Sort(got)
	m.check(t, slices.Equal(got, orderIDs(m.listedOrders(s, ""))), "%s: GET /api/v1/orders by two: %v, want %v", s.name, got, orderIDs(m.listedOrders(s, "")))
}

// checkOrdersCSV: /orders.csv has one row per line of each listed order,
// with its price; never an owner or site column (R4).
func checkOrdersCSV(t *testing.T, m *mx, s *subject) {
	res := m.page(t, s, http.MethodGet, "/orders.csv", nil)
	if !m.check(t, res.status == http.StatusOK, "%s: GET /orders.csv: %d", s.name, res.status) {
		return
	}
	rows, err := csv.NewReader(strings.NewReader(string(res.body))).ReadAll()
	if !m.check(t, err == nil && len(rows) > 0, "%s: the orders CSV does not read: %v", s.name, err) {
		return
	}
	m.check(t, !slices.ContainsFunc(rows[0], func(c string) bool { return strings.Contains(c, "owner") || strings.Contains(c, "site") }) &&
		slices.Contains(rows[0], "unit_price") && slices.Contains(rows[0], "amount"), "%s: orders CSV header %v", s.name, rows[0])
	var got, want []string
	for _, r := range rows[1:] {
		got = append(got, r[2]+"/"+r[0]+"/"+r[8])
	}
	for _, o := range m.listedOrders(s, "") {
		for _, l := range o.Lines {
			want = append(want, o.PurchasingEntity+"/"+o.PONumber+"/"+l.SubscriptionID)
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	m.check(t, slices.Equal(got, want), "%s: orders CSV rows %v, want %v", s.name, got, want)
}

// checkCompanyFilter: ?company=KEY lists, for the vendor, what it lists
// on whose order KEY holds any role; anyone else is refused (422).
func checkCompanyFilter(t *testing.T, m *mx, s *subject) {
	d := policy.FilterByCompany(s.actor)
	for _, k := range []string{"OWN", missingCompany} {
		path := "/api/v1/entitlements?company=" + k
		res := m.api(t, s, http.MethodGet, path, nil)
		if !d.Allowed {
			m.check(t, res.status == http.StatusUnprocessableEntity, "%s: GET %s: %d, want 422 (%s)", s.name, path, res.status, reasons(d))
			continue
		}
		if !m.check(t, res.status == http.StatusOK, "%s: GET %s: %d %s", s.name, path, res.status, clip(res.body)) {
			continue
		}
		var page struct {
			Items []struct {
				Sub string `json:"subscription_id"`
			} `json:"items"`
		}
		res.json(t, &page)
		var got, want []string
		for _, it := range page.Items {
			got = append(got, it.Sub)
		}
		for _, sub := range m.visible(s, "") {
			o, _ := m.orderOf(sub)
			if slices.ContainsFunc(o.Assignments(), func(a entitle.RoleAssignment) bool { return a.Company == k }) {
				want = append(want, sub)
			}
		}
		m.check(t, slices.Equal(got, want), "%s: GET %s lists %v, want %v", s.name, path, got, want)
	}
}

// missingCompany is a company key no company has.
const missingCompany = "NO-SUCH-COMPANY"

// checkAuditFilters: filtering by a user, whoever it is, reads only events
// the subject may read: its own company's (an administrator), anybody's
// (the vendor), none (the rest: refused as without filters).
func checkAuditFilters(portal bool) checker {
	return func(t *testing.T, m *mx, s *subject) {
		d := policy.ReadAudit(s.actor)
		for _, o := range m.subjects {
			path := "/api/v1/audit?limit=500&user=" + url.QueryEscape(o.user.Email)
			if portal {
				path = "/audit?user=" + url.QueryEscape(o.user.Email)
			}
			var res response
			if portal {
				res = m.page(t, s, http.MethodGet, path, nil)
			} else {
				res = m.api(t, s, http.MethodGet, path, nil)
			}
			if !m.check(t, res.status == wantStatus(d, http.StatusOK, http.StatusForbidden), "%s: GET %s: %d (%s)", s.name, path, res.status, reasons(d)) || !d.Allowed {
				continue
			}
			if portal {
				m.check(t, d.Scope == policy.ScopeAll || o.company() == s.company() || !strings.Contains(string(res.body), "<td>"+o.user.Email+"</td>"),
					"%s: GET %s shows another company's user's events", s.name, path)
				continue
			}
			var page struct {
				Items []struct {
					Actor   string `json:"actor"`
					Company string `json:"company"`
				} `json:"items"`
			}
			res.json(t, &page)
			for _, it := range page.Items {
				m.check(t, strings.EqualFold(it.Actor, o.user.Email) && (d.Scope == policy.ScopeAll || it.Company == s.company()),
					"%s: GET %s: an event of %s of %s", s.name, path, it.Actor, it.Company)
			}
		}
	}
}
