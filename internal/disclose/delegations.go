package disclose

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
)

// Delegations are the other half of what the gate decides on: an owner's
// grant of access to another company (R5). Granting needs the entitlements
// it covers to be visible to the owner, as the owner (R7 first, then R5);
// each side of a delegation sees it as policy.SeeDelegation says.

// Grant is what an owner's administrator asks to delegate.
type Grant struct {
	Delegate        string    `json:"delegate"`
	SubscriptionIDs *[]string `json:"subscription_ids"` // absent (or null): every entitlement the owner owns, now and later
	ExpiresAt       string    `json:"expires_at"`       // RFC 3339, optional
}

// Grant records the delegation g asks for, when a may grant it (R5), with
// its audit event, and returns it as the owner sees it.
func (s *Service) Grant(ctx context.Context, a entitle.Actor, g Grant) (Delegation, error) {
	return s.GrantWith(ctx, a, g, s.store.GrantDelegation)
}

// GrantWith is Grant — the same checks, the same R5 decision, the same audit
// event — with the last step, the store's write of the delegation and its
// event, done by record: an access request's approval records the
// delegation and closes the request in one transaction. There is one way
// to grant.
func (s *Service) GrantWith(ctx context.Context, a entitle.Actor, g Grant, record func(context.Context, entitle.Delegation, entitle.AuditEvent) (entitle.Delegation, error)) (Delegation, error) {
	now := s.now()
	d := entitle.Delegation{Owner: a.Company, Delegate: g.Delegate, CreatedAt: now, CreatedBy: a.Email}
	var ps entitle.Problems
	if g.Delegate == "" {
		ps.Add("delegate", "required: the key of the company that receives access")
	}
	if g.SubscriptionIDs != nil {
		d.SubscriptionIDs = slices.Compact(slices.Sorted(slices.Values(*g.SubscriptionIDs)))
		if d.SubscriptionIDs == nil {
			d.SubscriptionIDs = []string{}
		}
	}
	if g.ExpiresAt != "" {
		t, err := time.Parse(time.RFC3339, g.ExpiresAt)
		switch {
		case err != nil:
			ps.Add("expires_at", "%q is not an RFC 3339 time such as 2027-01-31T00:00:00Z", clip(g.ExpiresAt, 40))
		case !t.After(now):
			ps.Add("expires_at", "must be in the future")
		default:
			d.ExpiresAt = t.UTC()
		}
	}
	if len(ps) == 0 {
		if err := d.Validate(); err != nil {
			return Delegation{}, err
		}
	}
	if err := ps.Err(); err != nil {
		return Delegation{}, err
	}
	var subs []string
	if !d.All() {
		subs = d.SubscriptionIDs
	}
	dec, err := s.delegable(ctx, a, subs, now)
	if err != nil {
		return Delegation{}, err
	}
	if err := dec.Err("delegation", ""); err != nil {
		return Delegation{}, err
	}
	ev := entitle.AuditEvent{At: now, Actor: a.Email, Company: a.Company, Action: "delegation.grant", Basis: dec.Basis, Outcome: "ok",
		Detail: fmt.Sprintf("to %s, %s", d.Delegate, scopeText(d))}
	if d, err = record(ctx, d, ev); err != nil {
		return Delegation{}, err
	}
	return s.delegationView(a, d, now, s.Parties(ctx))
}

func scopeText(d entitle.Delegation) string {
	if d.All() {
		return "all entitlements"
	}
	if len(d.SubscriptionIDs) == 1 {
		return "1 listed entitlement"
	}
	return fmt.Sprintf("%d listed entitlements", len(d.SubscriptionIDs))
}

// delegable decides R5 for a: may it grant or revoke delegations of the
// listed subscriptions (nil: of all it owns)? A subscription a cannot see
// is not_found (R7); one it sees but does not own is refused.
func (s *Service) delegable(ctx context.Context, a entitle.Actor, subs []string, now time.Time) (policy.Decision, error) {
	owns, err := s.store.Owns(ctx, a.Company)
	if err != nil {
		return policy.Decision{}, err
	}
	if subs == nil {
		return policy.ManageDelegations(a, a.Company, owns), nil
	}
	var d policy.Decision
	for _, sub := range subs {
		seen, err := s.decide(ctx, a, sub, now)
		if err != nil {
			return policy.Decision{}, err
		}
		if d = policy.ManageDelegations(a, seen.Entitlement.Owner, owns); !d.Allowed {
			return d, nil
		}
	}
	return d, nil
}

// Delegations is what a company granted and received.
type Delegations struct {
	Granted  []Delegation `json:"granted"`
	Received []Delegation `json:"received"`
}

// Delegations returns what a's company granted and received, each as that
// side may see it (R4, R7); the listing is audited.
func (s *Service) Delegations(ctx context.Context, a entitle.Actor) (Delegations, error) {
	now := s.now()
	granted, received, err := s.store.Delegations(ctx, a.Company)
	if err != nil {
		return Delegations{}, err
	}
	out := Delegations{Granted: []Delegation{}, Received: []Delegation{}}
	party := s.Parties(ctx)
	for _, side := range []struct {
		from []entitle.Delegation
		to   *[]Delegation
	}{{granted, &out.Granted}, {received, &out.Received}} {
		for _, d := range side.from {
			v, err := s.delegationView(a, d, now, party)
			if err != nil {
				return Delegations{}, err
			}
			*side.to = append(*side.to, v)
		}
	}
	return out, s.audit(ctx, a, now, "delegation.list", "", nil, fmt.Sprintf("%d granted, %d received", len(out.Granted), len(out.Received)), nil)
}

// Revoke ends delegation id when a may (R5) and returns it as a saw it
// before (revoked already, when it was); another company's is not_found
// (R7). It takes effect on the very next request of the delegate: nothing
// caches access. Revoking a revoked delegation again changes nothing.
func (s *Service) Revoke(ctx context.Context, a entitle.Actor, id string) (Delegation, error) {
	d, err := s.store.Delegation(ctx, id)
	switch {
	case errors.Is(err, entitle.ErrNotFound):
		return Delegation{}, notFound("delegation", id)
	case err != nil:
		return Delegation{}, err
	}
	dec := policy.RevokeDelegation(a, d.Owner, d.Delegate)
	if err := dec.Err("delegation", id); err != nil {
		return Delegation{}, err
	}
	now := s.now()
	ev := entitle.AuditEvent{At: now, Actor: a.Email, Company: a.Company, Action: "delegation.revoke", Basis: dec.Basis, Outcome: "ok",
		Detail: "from " + d.Delegate}
	if err := s.store.RevokeDelegation(ctx, id, a.Company, a.Email, now, ev); errors.Is(err, entitle.ErrNotFound) {
		return Delegation{}, notFound("delegation", id)
	} else if err != nil {
		return Delegation{}, err
	}
	return s.delegationView(a, d, now, s.Parties(ctx))
}

// MayGrant says whether a may grant delegations at all (R5: an
// administrator of a company that owns entitlements): nil, or the refusal.
func (s *Service) MayGrant(ctx context.Context, a entitle.Actor) error {
	d, err := s.delegable(ctx, a, nil, s.now())
	if err != nil {
		return err
	}
	return d.Err("delegation", "")
}

// ScopeWords says what a delegation covers, for people: "all
// entitlements", "1 listed entitlement", "3 listed entitlements".
func (d Delegation) ScopeWords() string {
	switch {
	case d.Scope == "all":
		return "all entitlements"
	case len(d.SubscriptionIDs) == 1:
		return "1 listed entitlement"
	}
	return fmt.Sprintf("%d listed entitlements", len(d.SubscriptionIDs))
}

// clip shortens s to at most n bytes for a message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
