package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
)

// The checkers of R8 through time (issue 14): who could see an entitlement
// at an instant (GET …/access?at=), its access history (GET
// …/access/history) and the portal's access history page. Expectations
// come from the policy: AskWhoHasAccess on the subject's decision, then
// AskAccessAt, HistoryWindow, AccessHistory and Clip on the world's
// timeline, built here from the world's plain data.

// timeline is sub's timeline in the matrix world: its order imported at
// the world's instant, no ownership moved (the world's one transfer offer
// was declined), every delegation of the owner that covers it.
func (m *mx) timeline(sub string) entitle.Timeline {
	tl := entitle.Timeline{SubscriptionID: sub, Imported: m.now}
	o, ok := m.orderOf(sub)
	if !ok {
		return tl
	}
	tl.Roles = o.Assignments()
	for _, d := range m.dels {
		if d.Owner == o.Owner && d.Covers(sub) {
			if d.SubscriptionIDs != nil {
				d.SubscriptionIDs = []string{sub}
			}
			tl.Delegations = append(tl.Delegations, entitle.TimedDelegation{Delegation: d})
		}
	}
	slices.SortFunc(tl.Delegations, func(a, b entitle.TimedDelegation) int { return strings.Compare(a.ID, b.ID) })
	return tl
}

// historyAsk is s's question about sub's history: R8's AskWhoHasAccess on
// its decision now.
func (m *mx) historyAsk(s *subject, sub string) policy.Decision {
	return policy.AskWhoHasAccess(s.actor, m.entitlement(s.company(), policy.Get, sub))
}

// atInstants are the instants asked about: the world's (the import), an
// hour before the import, and an hour in the future (invalid for anyone,
// before anything is looked up).
func (m *mx) atInstants() []time.Time {
	return []time.Time{m.now, m.now.Add(-time.Hour), m.now.Add(time.Hour)}
}

// checkAccessAndAt: who has access now (checkAccess), then at instants.
func checkAccessAndAt(t *testing.T, m *mx, s *subject) {
	checkAccess(t, m, s)
	checkAccessAt(t, m, s)
}

// checkAccessAt: ?at= answers who could see the entitlement then
// (policy.WhoHadAccess), to whom policy.AskAccessAt allows it; an instant
// in the future is 422 for everyone, an unreadable one too.
func checkAccessAt(t *testing.T, m *mx, s *subject) {
	for _, sub := range m.subsAfterMissing() {
		tl := m.timeline(sub)
		ask := m.historyAsk(s, sub)
		for _, at := range m.atInstants() {
			q := "?at=" + url.QueryEscape(at.Format(time.RFC3339))
			path := "/api/v1/entitlements/" + sub + "/access" + q
			res := m.api(t, s, http.MethodGet, path, nil)
			if at.After(m.now) {
				m.check(t, res.status == http.StatusUnprocessableEntity && res.errCode() == "invalid_input", "%s: GET %s: %d %s", s.name, path, res.status, clip(res.body))
				continue
			}
			d := policy.AskAccessAt(s.actor, ask, tl, at, m.now)
			again := func(id string) response {
				return m.api(t, s, http.MethodGet, "/api/v1/entitlements/"+id+"/access"+q, nil)
			}
			if !m.answers(t, s, "GET "+path, res, d, http.StatusOK, http.StatusForbidden, sub, missingSub, again) {
				if res.status == http.StatusForbidden {
					m.check(t, res.errCode() == "forbidden", "%s: GET %s: %s", s.name, path, res.body)
				}
				continue
			}
			var page struct {
				At    time.Time `json:"at"`
				Items []struct {
					Company     struct{ Key string }
					Basis       []entitle.Basis
					Delegations []string
				} `json:"items"`
			}
			res.json(t, &page)
			var got, want []string
			for _, it := range page.Items {
				got = append(got, fmt.Sprint(it.Company.Key, it.Basis, it.Delegations))
			}
			for _, a := range policy.WhoHadAccess(tl, m.vendor, at) {
				want = append(want, fmt.Sprint(a.Company, a.Basis, a.Delegations))
			}
			m.check(t, page.At.Equal(at) && slices.Equal(got, want), "%s: GET %s: %s %v, want %v", s.name, path, page.At, got, want)
		}
	}
	res := m.api(t, s, http.MethodGet, "/api/v1/entitlements/"+missingSub+"/access?at=yesterday", nil)
	m.check(t, res.status == http.StatusUnprocessableEntity && res.errCode() == "invalid_input", "%s: at=yesterday: %d %s", s.name, res.status, clip(res.body))
}

// wantHistory is the history s is shown of sub: the policy's spans cut to
// its window, as "company basis delegations from–to".
func (m *mx) wantHistory(s *subject, sub string, ask policy.Decision) []string {
	tl := m.timeline(sub)
	out := []string{}
	for _, sp := range policy.Clip(tl, policy.AccessHistory(tl, m.vendor, m.now), policy.HistoryWindow(s.actor, ask, tl, m.now)) {
		out = append(out, spanWords(sp.Company, sp.Basis, sp.Delegations, sp.From, sp.To))
	}
	return out
}

func spanWords(company string, basis []entitle.Basis, dels []string, from, to time.Time) string {
	f, u := "…", "still"
	if !from.IsZero() {
		f = from.UTC().Format(time.RFC3339Nano)
	}
	if !to.IsZero() {
		u = to.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprintf("%s %v %v %s–%s", company, basis, dels, f, u)
}

// checkAccessHistory: the history, for the owner (its window) and the
// vendor; 403 to a company that sees the entitlement otherwise, R7's 404
// to one that does not.
func checkAccessHistory(t *testing.T, m *mx, s *subject) {
	for _, sub := range m.subsAfterMissing() {
		ask := m.historyAsk(s, sub)
		path := "/api/v1/entitlements/" + sub + "/access/history"
		res := m.api(t, s, http.MethodGet, path, nil)
		again := func(id string) response {
			return m.api(t, s, http.MethodGet, "/api/v1/entitlements/"+id+"/access/history", nil)
		}
		if !m.answers(t, s, "GET "+path, res, ask, http.StatusOK, http.StatusForbidden, sub, missingSub, again) {
			if res.status == http.StatusForbidden {
				m.check(t, res.errCode() == "forbidden", "%s: GET %s: %s", s.name, path, res.body)
			}
			continue
		}
		var h struct {
			SubscriptionID string `json:"subscription_id"`
			Items          []struct {
				Company   struct{ Key string }
				Intervals []struct {
					From, To    time.Time
					Basis       []entitle.Basis
					Delegations []string
				}
			} `json:"items"`
		}
		res.json(t, &h)
		got := []string{}
		for _, it := range h.Items {
			for _, p := range it.Intervals {
				got = append(got, spanWords(it.Company.Key, p.Basis, p.Delegations, p.From, p.To))
			}
		}
		want := m.wantHistory(s, sub, ask)
		m.check(t, h.SubscriptionID == sub && slices.Equal(got, want), "%s: GET %s:\n%s\nwant\n%s", s.name, path, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// checkAccessHistoryPage: the portal's access history page answers as the
// API does — the history to the owner and the vendor, 403 to a company
// that sees the entitlement otherwise, the 404 page of a missing one to
// any other — and with ?at= who could see it then, or the owner's refusal
// for an instant before it owned it.
func checkAccessHistoryPage(t *testing.T, m *mx, s *subject) {
	for _, sub := range m.subsAfterMissing() {
		ask := m.historyAsk(s, sub)
		path := "/entitlements/" + sub + "/access-history"
		res := m.page(t, s, http.MethodGet, path, nil)
		again := func(id string) response {
			return m.page(t, s, http.MethodGet, "/entitlements/"+id+"/access-history", nil)
		}
		if !m.answers(t, s, "GET "+path, res, ask, http.StatusOK, http.StatusForbidden, sub, missingSub, again) {
			continue
		}
		body := string(res.body)
		tl := m.timeline(sub)
		for _, sp := range policy.Clip(tl, policy.AccessHistory(tl, m.vendor, m.now), policy.HistoryWindow(s.actor, ask, tl, m.now)) {
			m.check(t, strings.Contains(body, "("+sp.Company+")</td><td>"), "%s: GET %s: %s not listed", s.name, path, sp.Company)
		}
		before := m.now.Add(-time.Hour)
		q := path + "?at=" + url.QueryEscape(before.Format("2006-01-02T15:04:05"))
		res = m.page(t, s, http.MethodGet, q, nil)
		d := policy.AskAccessAt(s.actor, ask, tl, before, m.now)
		m.check(t, res.status == wantStatus(d, http.StatusOK, http.StatusForbidden), "%s: GET %s: %d (%s)", s.name, q, res.status, reasons(d))
		m.check(t, strings.Contains(string(res.body), "Nobody: the entitlement was not in the portal yet.") == d.Allowed,
			"%s: GET %s: the empty answer shown: %v, want %v", s.name, q, !d.Allowed, d.Allowed)
	}
}
