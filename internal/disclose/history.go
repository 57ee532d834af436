package disclose

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
)

// R8 through time: who could see an entitlement at a past instant, and the
// history of who could see it when. The store gives the timeline; the
// policy says who may ask, about which time, and computes the answer.

// AccessAt is who could see an entitlement at one instant (R8 through time).
type AccessAt struct {
	At    time.Time `json:"at"`
	Items []Access  `json:"items"`
	// CompleteFrom is from when the record is complete, when it is not
	// always; Incomplete says At is before it: the answer may miss what
	// was not recorded then.
	CompleteFrom *time.Time `json:"complete_from,omitempty"`
	Incomplete   bool       `json:"incomplete,omitempty"`
}

// History is who could see an entitlement when (R8 through time), as far
// as the caller may know it.
type History struct {
	SubscriptionID string `json:"subscription_id"`
	// Window is the time the answer covers: the vendor's whole record from
	// the import; for the owner, the time(s) it has owned the entitlement.
	Window []Period `json:"window"`
	// CompleteFrom is from when the record is complete, when it is not
	// always: a period beginning before it says so (Incomplete).
	CompleteFrom *time.Time      `json:"complete_from,omitempty"`
	Items        []CompanyAccess `json:"items"`
}

// CompanyAccess is one company's access through time.
type CompanyAccess struct {
	Company Party    `json:"company"`
	Periods []Period `json:"intervals"`
}

// Period is an interval of time, with the basis of the access over it
// (absent in a window). From is absent when it began before the record
// did; To when it lasts still.
type Period struct {
	From        *time.Time      `json:"from,omitempty"`
	To          *time.Time      `json:"to,omitempty"`
	Basis       []entitle.Basis `json:"basis,omitempty"`
	Delegations []string        `json:"delegations,omitempty"`
	// Incomplete: it began before the record was complete; it may have
	// begun at another instant than From says.
	Incomplete bool `json:"incomplete,omitempty"`
}

func instant(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// timeline decides whether a may ask who had access to sub (R8's
// AskWhoHasAccess on a's decision now: not_found when a does not see it,
// forbidden when it sees it otherwise) and returns its timeline with the
// decision.
func (s *Service) timeline(ctx context.Context, a entitle.Actor, sub string, now time.Time) (entitle.Timeline, policy.Decision, error) {
	cand, err := s.store.Entitlement(ctx, sub, "")
	if errors.Is(err, entitle.ErrNotFound) {
		return entitle.Timeline{}, policy.Decision{}, notFound("entitlement", sub)
	}
	if err != nil {
		return entitle.Timeline{}, policy.Decision{}, err
	}
	d := policy.AskWhoHasAccess(a, policy.Decide(a, policy.Get, cand.Facts, now))
	if err := d.Err("entitlement", sub); err != nil {
		return entitle.Timeline{}, d, err
	}
	tl, err := s.store.Timeline(ctx, sub)
	if errors.Is(err, entitle.ErrNotFound) {
		return tl, policy.Decision{}, notFound("entitlement", sub)
	}
	return tl, d, err
}

// ExplainAt answers who could see sub at instant at, and why, for the
// owner (about a time it owned sub) and the vendor; before sub came into
// the portal nobody could. An owner asking about another time is refused
// (forbidden); a company that sees sub otherwise too; one that does not
// see it gets not_found (R7). An instant after now is refused as invalid.
// Audited like Explain.
func (s *Service) ExplainAt(ctx context.Context, a entitle.Actor, sub string, at time.Time) (AccessAt, error) {
	now := s.now()
	out, d, err := s.explainAt(ctx, a, sub, at.UTC(), now)
	return out, s.audit(ctx, a, now, "entitlement.access", sub, d.Basis, "at "+at.UTC().Format(time.RFC3339Nano), err)
}

func (s *Service) explainAt(ctx context.Context, a entitle.Actor, sub string, at, now time.Time) (AccessAt, policy.Decision, error) {
	if at.After(now) {
		return AccessAt{}, policy.Decision{}, entitle.Errorf(entitle.CodeInvalid, "at: %s is in the future; ask without at for who has access now", at.Format(time.RFC3339))
	}
	tl, d, err := s.timeline(ctx, a, sub, now)
	if err != nil {
		return AccessAt{}, d, err
	}
	if ad := policy.AskAccessAt(a, d, tl, at, now); !ad.Allowed {
		return AccessAt{}, d, ad.Err("entitlement", sub)
	}
	vendor, err := s.store.VendorKey(ctx)
	if err != nil {
		return AccessAt{}, d, err
	}
	out := AccessAt{At: at, Items: []Access{}, CompleteFrom: instant(tl.CompleteFrom), Incomplete: at.Before(tl.CompleteFrom)}
	names := s.names()
	for _, acc := range policy.WhoHadAccess(tl, vendor, at) {
		p, err := names(ctx, acc.Company)
		if err != nil {
			return AccessAt{}, d, err
		}
		out.Items = append(out.Items, Access{Company: p, Basis: acc.Basis, Delegations: acc.Delegations})
	}
	return out, d, nil
}

// names returns a function naming companies, each read once.
func (s *Service) names() func(ctx context.Context, key string) (Party, error) {
	seen := map[string]Party{}
	return func(ctx context.Context, key string) (Party, error) {
		if p, ok := seen[key]; ok {
			return p, nil
		}
		co, err := s.store.Company(ctx, key)
		if err != nil {
			return Party{}, err
		}
		seen[key] = Party{Key: co.Key, Name: co.Name}
		return seen[key], nil
	}
}

// AccessHistory lists every company that could see sub, with the basis
// and the intervals of its access, for the vendor (from the import on)
// and the owner (clipped to the time it has owned sub: it learns nothing
// of the entitlement's life under another owner). A company that sees sub
// otherwise is refused (forbidden); one that does not see it gets
// not_found (R7). Audited.
func (s *Service) AccessHistory(ctx context.Context, a entitle.Actor, sub string) (History, error) {
	now := s.now()
	out, d, err := s.accessHistory(ctx, a, sub, now)
	detail := ""
	if err == nil {
		detail = fmt.Sprintf("%d companies", len(out.Items))
	}
	return out, s.audit(ctx, a, now, "entitlement.access_history", sub, d.Basis, detail, err)
}

func (s *Service) accessHistory(ctx context.Context, a entitle.Actor, sub string, now time.Time) (History, policy.Decision, error) {
	tl, d, err := s.timeline(ctx, a, sub, now)
	if err != nil {
		return History{}, d, err
	}
	vendor, err := s.store.VendorKey(ctx)
	if err != nil {
		return History{}, d, err
	}
	window := policy.HistoryWindow(a, d, tl, now)
	out := History{SubscriptionID: sub, Window: []Period{}, CompleteFrom: instant(tl.CompleteFrom), Items: []CompanyAccess{}}
	for _, w := range window {
		out.Window = append(out.Window, Period{From: instant(w.From), To: instant(w.To)})
	}
	names := s.names()
	for _, sp := range policy.Clip(tl, policy.AccessHistory(tl, vendor, now), window) {
		if n := len(out.Items); n == 0 || out.Items[n-1].Company.Key != sp.Company {
			p, err := names(ctx, sp.Company)
			if err != nil {
				return History{}, d, err
			}
			out.Items = append(out.Items, CompanyAccess{Company: p})
		}
		it := &out.Items[len(out.Items)-1]
		it.Periods = append(it.Periods, Period{From: instant(sp.From), To: instant(sp.To), Basis: sp.Basis,
			Delegations: sp.Delegations, Incomplete: sp.Incomplete})
	}
	return out, d, nil
}
