package policy_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// randomTimeline is a random entitlement's timeline: an order with random
// roles among a few companies, imported at t0 (or before the record), then
// transfers, and delegations of its owners granted, revoked, expiring and
// losing it, at random hours.
func randomTimeline(r *rand.Rand) (entitle.Timeline, time.Time) {
	cos := []string{"A", "B", "C", "D", "E", "V"}
	pick := func() string { return cos[r.IntN(len(cos))] }
	at := func() time.Time { return t0.Add(time.Duration(r.IntN(40)) * time.Hour) }
	tl := entitle.Timeline{SubscriptionID: "S-1", Imported: t0}
	switch r.IntN(4) {
	case 0: // imported before the record began
		tl.Imported, tl.CompleteFrom = time.Time{}, t0.Add(3*time.Hour)
	case 1:
		tl.CompleteFrom = t0.Add(-time.Hour)
	}
	owner := pick()
	tl.Roles = []entitle.RoleAssignment{{Role: entitle.RolePurchasingEntity, Company: pick()}, {Role: entitle.RoleOwner, Company: owner}}
	for range r.IntN(3) {
		tl.Roles = append(tl.Roles, entitle.RoleAssignment{Role: []entitle.Role{entitle.RoleReseller, entitle.RoleInstaller}[r.IntN(2)], Company: pick()})
	}
	owners := []string{owner}
	var moves []time.Time
	for range r.IntN(4) {
		moves = append(moves, at())
	}
	slices.SortFunc(moves, time.Time.Compare)
	for _, m := range moves {
		to := pick()
		if to == owner {
			continue
		}
		tl.Moves = append(tl.Moves, entitle.OwnerMove{At: m, From: owner, To: to})
		owner = to
		owners = append(owners, to)
	}
	for i := range r.IntN(6) {
		d := entitle.TimedDelegation{Delegation: entitle.Delegation{ID: fmt.Sprintf("D%d", i), Owner: owners[r.IntN(len(owners))],
			Delegate: pick(), CreatedAt: at().Add(-5 * time.Hour)}}
		if r.IntN(2) == 0 {
			d.SubscriptionIDs = []string{"S-1"}
			if r.IntN(2) == 0 {
				d.Dropped = at()
			}
		}
		if r.IntN(3) == 0 {
			d.RevokedAt = d.CreatedAt.Add(time.Duration(1+r.IntN(20)) * time.Hour)
		}
		if r.IntN(3) == 0 {
			d.ExpiresAt = d.CreatedAt.Add(time.Duration(1+r.IntN(20))*time.Hour + 30*time.Minute)
		}
		tl.Delegations = append(tl.Delegations, d)
	}
	return tl, t0.Add(time.Duration(20+r.IntN(30)) * time.Hour)
}

func accessWords(as []policy.Access) []string {
	out := []string{}
	for _, a := range as {
		out = append(out, fmt.Sprintf("%s %v %v", a.Company, a.Basis, a.Delegations))
	}
	return out
}

// TestAccessHistoryAgreesWithWhoHasAccess is the property of R8 through
// time: for random timelines and instants, the spans of the history that
// contain an instant name exactly the companies WhoHasAccess answers for
// the facts of that instant, with the same basis and delegations — at
// random instants, at each instant the record changes and just around it.
func TestAccessHistoryAgreesWithWhoHasAccess(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 8))
	for n := range 3000 {
		tl, now := randomTimeline(r)
		spans := policy.AccessHistory(tl, "V", now)
		instants := []time.Time{now, t0, t0.Add(-time.Hour)}
		for range 10 {
			instants = append(instants, t0.Add(time.Duration(r.Int64N(int64(60*time.Hour)))-5*time.Hour))
		}
		for _, s := range spans {
			instants = append(instants, s.From, s.From.Add(-time.Microsecond), s.To, s.To.Add(-time.Microsecond))
		}
		for _, at := range instants {
			if at.After(now) || at.Year() < 2000 {
				continue
			}
			var got []string
			for _, s := range spans {
				if s.Contains(at) {
					got = append(got, fmt.Sprintf("%s %v %v", s.Company, s.Basis, s.Delegations))
				}
			}
			want := accessWords(policy.WhoHadAccess(tl, "V", at))
			if got == nil {
				got = []string{}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("timeline %d at %s: the history says %v, WhoHasAccess %v\n%+v\n%+v", n, at, got, want, tl, spans)
			}
		}
		// Spans of one company never overlap, and a span never starts
		// before the import.
		for i := 1; i < len(spans); i++ {
			if a, b := spans[i-1], spans[i]; a.Company == b.Company && (a.To.IsZero() || a.To.After(b.From)) {
				t.Fatalf("timeline %d: overlapping spans %+v %+v", n, a, b)
			}
		}
		for _, s := range spans {
			if s.From.Before(tl.Imported) || (!s.To.IsZero() && !s.From.Before(s.To)) {
				t.Fatalf("timeline %d: span %+v", n, s)
			}
			if s.Incomplete != (s.From.IsZero() || s.From.Before(tl.CompleteFrom)) {
				t.Fatalf("timeline %d: span %+v incomplete %v, complete from %s", n, s, s.Incomplete, tl.CompleteFrom)
			}
		}
	}
}

// TestFactsAtNow: the facts of now are those the store gives WhoHasAccess
// today — the order's roles with the owner now, and the delegations of
// the owner now that cover the entitlement.
func TestFactsAtNow(t *testing.T) {
	tl := entitle.Timeline{SubscriptionID: "S-1", Imported: t0,
		Roles: []entitle.RoleAssignment{{Role: entitle.RolePurchasingEntity, Company: "P"}, {Role: entitle.RoleOwner, Company: "A"}},
		Moves: []entitle.OwnerMove{{At: t0.Add(2 * time.Hour), From: "A", To: "B"}},
		Delegations: []entitle.TimedDelegation{
			{Delegation: entitle.Delegation{ID: "DA", Owner: "A", Delegate: "X", CreatedAt: t0.Add(time.Hour)}},
			{Delegation: entitle.Delegation{ID: "DL", Owner: "A", Delegate: "Y", SubscriptionIDs: []string{"S-1"}, CreatedAt: t0.Add(time.Hour)}, Dropped: t0.Add(2 * time.Hour)},
			{Delegation: entitle.Delegation{ID: "DB", Owner: "B", Delegate: "Z", CreatedAt: t0.Add(-time.Hour)}},
		}}
	for _, c := range []struct {
		at   time.Time
		want []string
	}{
		{t0.Add(-time.Second), []string{}},
		{t0, []string{"A [owner] []", "P [purchasing_entity] []", "V [vendor] []"}},
		{t0.Add(time.Hour), []string{"A [owner] []", "P [purchasing_entity] []", "V [vendor] []", "X [delegate] [DA]", "Y [delegate] [DL]"}},
		{t0.Add(2 * time.Hour), []string{"B [owner] []", "P [purchasing_entity] []", "V [vendor] []", "Z [delegate] [DB]"}},
	} {
		if got := accessWords(policy.WhoHadAccess(tl, "V", c.at)); !slices.Equal(got, c.want) {
			t.Errorf("at %s: %v, want %v", c.at, got, c.want)
		}
	}
	spans := policy.AccessHistory(tl, "V", t0.Add(5*time.Hour))
	var got []string
	for _, s := range spans {
		to := "still"
		if !s.To.IsZero() {
			to = s.To.Sub(t0).String()
		}
		got = append(got, fmt.Sprintf("%s %v %s–%s", s.Company, s.Basis, s.From.Sub(t0), to))
	}
	want := []string{"A [owner] 0s–2h0m0s", "B [owner] 2h0m0s–still", "P [purchasing_entity] 0s–still", "V [vendor] 0s–still",
		"X [delegate] 1h0m0s–2h0m0s", "Y [delegate] 1h0m0s–2h0m0s", "Z [delegate] 2h0m0s–still"}
	if !slices.Equal(got, want) {
		t.Errorf("history:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestAskAccessAt decides R8 through time cell by cell: who asks (the
// vendor, the owner now, a former owner that still sees it, a company that
// sees it otherwise, one that does not), about which instant (before the
// import, under the former owner, under the owner now).
func TestAskAccessAt(t *testing.T) {
	tl := entitle.Timeline{SubscriptionID: "S-1", Imported: t0,
		Roles: []entitle.RoleAssignment{{Role: entitle.RolePurchasingEntity, Company: "P"}, {Role: entitle.RoleOwner, Company: "P"},
			{Role: entitle.RoleReseller, Company: "R"}},
		Moves: []entitle.OwnerMove{{At: t0.Add(2 * time.Hour), From: "P", To: "B"}}}
	now := t0.Add(5 * time.Hour)
	f, _ := policy.FactsAt(tl, now)
	before, former, current := t0.Add(-time.Hour), t0.Add(time.Hour), t0.Add(3*time.Hour)
	const ok, forbidden, notFound = "ok", "forbidden", "not_found"
	for _, c := range []struct {
		who    string
		vendor bool
		want   [3]string // before, former, current
		window string
	}{
		{"V", true, [3]string{ok, ok, ok}, "[{0s still}]"},
		{"B", false, [3]string{forbidden, forbidden, ok}, "[{2h0m0s still}]"},
		{"P", false, [3]string{forbidden, forbidden, forbidden}, "[]"}, // the former owner sees it as purchasing entity: R8 refuses
		{"R", false, [3]string{forbidden, forbidden, forbidden}, "[]"},
		{"X", false, [3]string{notFound, notFound, notFound}, "[]"},
	} {
		a := entitle.Actor{Company: c.who, Vendor: c.vendor}
		d := policy.AskWhoHasAccess(a, policy.Decide(a, policy.Get, f, now))
		for i, at := range []time.Time{before, former, current} {
			got := policy.AskAccessAt(a, d, tl, at, now)
			word := ok
			switch {
			case !got.Allowed && got.Visible:
				word = forbidden
			case !got.Allowed:
				word = notFound
			}
			if word != c.want[i] {
				t.Errorf("%s asks about %s: %s (%v), want %s", c.who, at.Sub(t0), word, got.Reasons, c.want[i])
			}
		}
		var ws []string
		for _, w := range policy.HistoryWindow(a, d, tl, now) {
			to := "still"
			if !w.To.IsZero() {
				to = w.To.Sub(t0).String()
			}
			ws = append(ws, fmt.Sprintf("{%s %s}", w.From.Sub(t0), to))
		}
		if got := "[" + strings.Join(ws, " ") + "]"; got != c.window {
			t.Errorf("%s's window: %s, want %s", c.who, got, c.window)
		}
	}
	// The owner's history is clipped to its ownership: it learns nothing
	// of the time before.
	a := entitle.Actor{Company: "B"}
	d := policy.AskWhoHasAccess(a, policy.Decide(a, policy.Get, f, now))
	for _, s := range policy.Clip(tl, policy.AccessHistory(tl, "", now), policy.HistoryWindow(a, d, tl, now)) {
		if s.From.Before(t0.Add(2 * time.Hour)) {
			t.Errorf("B learns of %+v, before it owned the entitlement", s)
		}
	}
}
