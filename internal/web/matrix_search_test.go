package web_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
)

// The matrix's checkers of search (q) and bulk delegation. Expectations
// come from the policy: a row is found by a field only when
// policy.SearchFields of the subject's decision on it names the field; a
// bulk step on an entitlement is allowed as policy.ManageDelegations
// allows its owner's delegations to the subject (what policy.DelegateRow
// decides per row), refused when the subject sees it otherwise, and not
// found when it does not see it (R7).

// checkListAndSearch: the list as checkList asks it, then searched.
func checkListAndSearch(t *testing.T, m *mx, s *subject) {
	checkList(t, m, s)
	checkSearch(t, m, s)
}

// checkSearch asks the subject's list with two searches, in mixed case: the
// name of a company that owns entitlements other than the subject's own
// (found only where the subject sees the owner view: its own rows, or
// every row for the vendor; never a reseller's), and a part of a
// subscription ID.
func checkSearch(t *testing.T, m *mx, s *subject) {
	var other string
	for _, o := range m.orders {
		if o.Owner != s.company() {
			other = o.Owner
			break
		}
	}
	subs := m.subs()
	for _, q := range []string{"cOMPANY " + other, strings.ToUpper(subs[len(subs)/2][1:4])} {
		path := "/api/v1/entitlements?limit=500&q=" + url.QueryEscape(q)
		res := m.api(t, s, http.MethodGet, path, nil)
		if !m.check(t, res.status == http.StatusOK, "%s: GET %s: %d %s", s.name, path, res.status, clip(res.body)) {
			continue
		}
		var page struct {
			Items []struct {
				SubscriptionID string `json:"subscription_id"`
			} `json:"items"`
		}
		res.json(t, &page)
		var got []string
		for _, it := range page.Items {
			got = append(got, it.SubscriptionID)
		}
		var want []string
		for _, sub := range m.visible(s, "") {
			if m.searchFinds(s, sub, q) {
				want = append(want, sub)
			}
		}
		m.check(t, slices.Equal(got, want), "%s: GET %s lists %v, want %v", s.name, path, got, want)
	}
}

// searchFinds says whether q finds sub for s: in a field s's decision on
// it discloses (policy.SearchFields).
func (m *mx) searchFinds(s *subject, sub, q string) bool {
	f := policy.SearchFields(m.entitlement(s.company(), policy.List, sub))
	o, _ := m.orderOf(sub)
	folded := entitle.FoldSearch(q)
	in := func(field policy.Field, v string) bool { return f.Has(field) && entitle.SearchMatches(v, folded) }
	sku := ""
	for _, l := range o.Lines {
		if l.SubscriptionID == sub {
			sku = l.SKU
		}
	}
	site := o.InstallationSite
	return in(policy.FieldSubscription, sub) || in(policy.FieldSKU, sku) || in(policy.FieldPO, o.PONumber) ||
		in(policy.FieldOwner, "Company "+o.Owner) ||
		(site != nil && (in(policy.FieldSite, site.Name) || in(policy.FieldSite, site.Address)))
}

// checkBulkRevoke: ending the access of GHOST (a company that holds no
// delegation) to each entitlement in one bulk step: the allowed party is
// told that no delegation gives GHOST access (422, nothing changes); a
// subject that sees the entitlement otherwise is refused (403); one that
// does not see it finds nothing, exactly as for a missing one (R7).
func checkBulkRevoke(portal bool) checker {
	return func(t *testing.T, m *mx, s *subject) {
		revoke := func(sub string) response {
			if portal {
				return m.page(t, s, http.MethodPost, "/entitlements/bulk", url.Values{"action": {"revoke"}, "delegate": {"GHOST"}, "sub": {sub}})
			}
			return m.api(t, s, http.MethodPost, "/api/v1/delegations/revoke", map[string]any{"delegate": "GHOST", "subscription_ids": []string{sub}})
		}
		owns := m.owns(s.company())
		for _, sub := range m.subsAfterMissing() {
			d := policy.Decision{}
			if gd := m.entitlement(s.company(), policy.Get, sub); gd.Allowed {
				o, _ := m.orderOf(sub)
				d = policy.ManageDelegations(s.actor, o.Owner, owns)
			}
			m.answers(t, s, "bulk revoke "+sub, revoke(sub), d, http.StatusUnprocessableEntity, http.StatusForbidden, sub, missingSub, revoke)
		}
	}
}

// checkBulkPortalGrant: the bulk form's Delegate asks the gate's grant:
// to GHOST (no such company), the allowed party's 422; otherwise as
// checkBulkRevoke. The checkbox is on exactly the rows the policy allows.
func checkBulkPortal(t *testing.T, m *mx, s *subject) {
	checkBulkRevoke(true)(t, m, s)
	owns := m.owns(s.company())
	grant := func(sub string) response {
		return m.page(t, s, http.MethodPost, "/entitlements/bulk", url.Values{"action": {"grant"}, "delegate": {"GHOST"}, "sub": {sub}})
	}
	for _, sub := range m.subsAfterMissing() {
		d := policy.Decision{}
		if gd := m.entitlement(s.company(), policy.Get, sub); gd.Allowed {
			o, _ := m.orderOf(sub)
			d = policy.ManageDelegations(s.actor, o.Owner, owns)
		}
		m.answers(t, s, "bulk grant "+sub, grant(sub), d, http.StatusUnprocessableEntity, http.StatusForbidden, sub, missingSub, grant)
	}
	res := m.page(t, s, http.MethodGet, "/", nil)
	if !m.check(t, res.status == http.StatusOK, "%s: GET /: %d", s.name, res.status) {
		return
	}
	body := string(res.body)
	for _, sub := range m.visible(s, "") {
		o, _ := m.orderOf(sub)
		want := policy.DelegateRow(s.actor, m.entitlement(s.company(), policy.List, sub), o.Owner).Allowed
		m.check(t, strings.Contains(body, `id="pick-`+sub+`"`) == want, "%s: My entitlements: a checkbox for %s %v, want %v", s.name, sub, !want, want)
	}
}
