package policy

import (
	"slices"
	"time"

	"github.com/entitle-portal/entitle"
)

// R8 through time (issue 14): who could see an entitlement at a past
// instant, and over which intervals each company could, computed from its
// timeline (entitle.Timeline) by WhoHasAccess itself at every instant the
// record changes — so the history can never disagree with what R8 answers
// at any instant.

// OwnerAt is the company that owned the entitlement of tl at t: the
// order's owner, then the recipient of each transfer made by then.
func OwnerAt(tl entitle.Timeline, t time.Time) string {
	owner := ""
	for _, r := range tl.Roles {
		if r.Role == entitle.RoleOwner {
			owner = r.Company
		}
	}
	for _, m := range tl.Moves {
		if !m.At.After(t) {
			owner = m.To
		}
	}
	return owner
}

// FactsAt is the facts of the entitlement of tl as they stood at instant t
// (what WhoHasAccess needs: every role assignment, with the owner role
// naming the owner then, and every delegation its owner then had granted
// that covered it), and whether the entitlement was in the portal then.
func FactsAt(tl entitle.Timeline, t time.Time) (entitle.Facts, bool) {
	if !tl.Imported.IsZero() && t.Before(tl.Imported) {
		return entitle.Facts{}, false
	}
	owner := OwnerAt(tl, t)
	f := entitle.Facts{SubscriptionID: tl.SubscriptionID, Owner: owner}
	for _, r := range tl.Roles {
		if r.Role == entitle.RoleOwner {
			r.Company = owner
		}
		if r.Role == entitle.RolePurchasingEntity {
			f.PurchasingEntity = r.Company
		}
		f.Roles = append(f.Roles, r)
	}
	for _, d := range tl.Delegations {
		granted := !d.CreatedAt.After(t)
		stillListed := d.All() || d.Dropped.IsZero() || t.Before(d.Dropped)
		if d.Owner == owner && granted && stillListed {
			f.Delegations = append(f.Delegations, d.Delegation)
		}
	}
	return f, true
}

// WhoHadAccess answers R8's question for instant t: every company that
// could see the entitlement of tl then, and why (WhoHasAccess on the facts
// of then); nobody before the entitlement came into the portal.
func WhoHadAccess(tl entitle.Timeline, vendor string, t time.Time) []Access {
	f, ok := FactsAt(tl, t)
	if !ok {
		return nil
	}
	return WhoHasAccess(f, vendor, t)
}

// Span is one company's access to an entitlement over one interval, on
// one basis (a change of basis starts a new span).
type Span struct {
	Company string
	entitle.Interval
	Basis       []entitle.Basis
	Delegations []string
	// Incomplete: the span began before the timeline's CompleteFrom, where
	// the record may be missing what happened.
	Incomplete bool
}

// changes lists the instants at which the answer of WhoHadAccess may
// change, up to now, in order: the import (zero when not recorded),
// transfers, and each delegation's grant, revocation, expiry and loss of
// the entitlement.
func changes(tl entitle.Timeline, now time.Time) []time.Time {
	ts := []time.Time{tl.Imported}
	add := func(t time.Time) {
		if !t.IsZero() && t.After(tl.Imported) && !t.After(now) {
			ts = append(ts, t)
		}
	}
	for _, m := range tl.Moves {
		add(m.At)
	}
	for _, d := range tl.Delegations {
		add(d.CreatedAt)
		add(d.RevokedAt)
		add(d.ExpiresAt)
		add(d.Dropped)
	}
	slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
	return slices.CompactFunc(ts, time.Time.Equal)
}

// AccessHistory lists every company that could see the entitlement of tl
// from its import to now, with the spans of its access, sorted by company
// then time; a span still running at now has no end. vendor is the vendor
// company's key. Ask AskWhoHasAccess first, and show the caller only
// Clip(tl, spans, HistoryWindow(…)).
func AccessHistory(tl entitle.Timeline, vendor string, now time.Time) []Span {
	ts := changes(tl, now)
	open := map[string]int{} // company → index in out of its running span
	var out []Span
	for _, t := range ts {
		seen := map[string]bool{}
		for _, a := range WhoHadAccess(tl, vendor, t) {
			seen[a.Company] = true
			if i, ok := open[a.Company]; ok {
				if slices.Equal(out[i].Basis, a.Basis) && slices.Equal(out[i].Delegations, a.Delegations) {
					continue
				}
				out[i].To = t
			}
			open[a.Company] = len(out)
			out = append(out, Span{Company: a.Company, Interval: entitle.Interval{From: t}, Basis: a.Basis, Delegations: a.Delegations})
		}
		for k, i := range open {
			if !seen[k] {
				out[i].To = t
				delete(open, k)
			}
		}
	}
	for i := range out {
		out[i].Incomplete = incomplete(tl, out[i].From)
	}
	slices.SortStableFunc(out, func(a, b Span) int {
		if a.Company != b.Company {
			if a.Company < b.Company {
				return -1
			}
			return 1
		}
		return a.From.Compare(b.From)
	})
	return out
}

// Owned lists the intervals over which company owned the entitlement of
// tl, up to now (the last one still running has no end).
func Owned(tl entitle.Timeline, company string, now time.Time) []entitle.Interval {
	var out []entitle.Interval
	owner := OwnerAt(tl, tl.Imported)
	if owner == company {
		out = append(out, entitle.Interval{From: tl.Imported})
	}
	for _, m := range tl.Moves {
		if m.At.After(now) || (!tl.Imported.IsZero() && m.At.Before(tl.Imported)) {
			continue
		}
		if m.From == company && len(out) > 0 && out[len(out)-1].To.IsZero() {
			out[len(out)-1].To = m.At
		}
		if m.To == company && (len(out) == 0 || !out[len(out)-1].To.IsZero()) {
			out = append(out, entitle.Interval{From: m.At})
		}
	}
	return out
}

// HistoryWindow is the time about which c, whose question d allowed
// (AskWhoHasAccess), may learn who could see the entitlement of tl: the
// vendor, its whole record (R6); the owner, the time it has owned it — an
// owner learns nothing of the entitlement's life under another owner.
func HistoryWindow(c entitle.Actor, d Decision, tl entitle.Timeline, now time.Time) []entitle.Interval {
	switch {
	case !d.Allowed:
		return nil
	case d.On(entitle.BasisVendor):
		return []entitle.Interval{{From: tl.Imported}}
	}
	return Owned(tl, c.Company, now)
}

// AskAccessAt decides whether c, whose question d allowed (AskWhoHasAccess),
// may ask who could see the entitlement of tl at instant at: within its
// HistoryWindow, or before the entitlement came into the portal (nobody
// could see it then, which the vendor may know). An owner asking about a
// time it did not own it is refused, knowing the entitlement exists.
func AskAccessAt(c entitle.Actor, d Decision, tl entitle.Timeline, at, now time.Time) Decision {
	if !d.Allowed {
		return d
	}
	for _, w := range HistoryWindow(c, d, tl, now) {
		if w.Contains(at) {
			return d
		}
	}
	if d.On(entitle.BasisVendor) {
		return d // before the import: nobody could see it
	}
	return refuse("R8: your company did not own this entitlement at that instant; the owner asks about the time it has owned it")
}

// incomplete reports whether a span of tl beginning at from began where the
// record may be missing what happened: before tl.CompleteFrom.
func incomplete(tl entitle.Timeline, from time.Time) bool {
	return from.IsZero() || from.Before(tl.CompleteFrom)
}

// Clip is the spans of tl as seen through window: each cut to the
// intervals of the window, in order; spans outside it are left out.
func Clip(tl entitle.Timeline, spans []Span, window []entitle.Interval) []Span {
	var out []Span
	for _, s := range spans {
		for _, w := range window {
			from := s.From
			if w.From.After(from) {
				from = w.From
			}
			to := s.To
			if !w.To.IsZero() && (to.IsZero() || w.To.Before(to)) {
				to = w.To
			}
			if !to.IsZero() && !from.Before(to) {
				continue
			}
			c := s
			c.From, c.To = from, to
			c.Incomplete = incomplete(tl, from)
			out = append(out, c)
		}
	}
	return out
}
