package disclose

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/entitle-portal/entitle"
)

// Bulk delegation (README "Bulk delegation"): the owner's administrator
// picks entitlements of its list and delegates them in one step — one
// listed delegation, through Grant — or ends one delegate's access to them
// in one step (RevokeFor).

// BulkRevoke asks to end Delegate's access to the listed subscriptions.
type BulkRevoke struct {
	Delegate        string   `json:"delegate"`
	SubscriptionIDs []string `json:"subscription_ids"`
}

// BulkRevoked is what a bulk revocation changed: the listed delegations it
// ended and, for each that covered more than the picked entitlements, the
// new delegation that keeps the rest (same delegate, same expiry).
type BulkRevoked struct {
	Revoked []Delegation `json:"revoked"`
	Kept    []Delegation `json:"kept"`
}

// MaxBulk bounds the subscriptions of one bulk step.
const MaxBulk = 500

// BulkStore is what a bulk revocation needs of the store (part of Store).
type BulkStore interface {
	ReplaceDelegations(ctx context.Context, owner, by string, now time.Time,
		revoke []string, revokeEvents []entitle.AuditEvent, grant []entitle.Delegation, grantEvents []entitle.AuditEvent) ([]entitle.Delegation, error)
}

// RevokeFor ends r.Delegate's access to r.SubscriptionIDs when a may (R5:
// an administrator of the company that owns every one of them; a
// subscription a cannot see is not_found, R7): every listed delegation in
// force to r.Delegate that covers a picked subscription is revoked, and
// what it covered besides is granted again in a new listed delegation with
// the same expiry — all in one transaction, each change audited. An
// all-scope delegation to r.Delegate in force refuses the whole step (it
// covers every entitlement, the future ones too: it is revoked whole, on
// the Delegations page); so does a delegate no delegation of the picked
// entitlements names. A refusal changes nothing.
func (s *Service) RevokeFor(ctx context.Context, a entitle.Actor, r BulkRevoke) (BulkRevoked, error) {
	now := s.now()
	var ps entitle.Problems
	r.Delegate = strings.TrimSpace(r.Delegate)
	if r.Delegate == "" {
		ps.Add("delegate", "required: the key of the company whose access ends")
	}
	picked := slices.Compact(slices.Sorted(slices.Values(r.SubscriptionIDs)))
	switch {
	case len(picked) == 0:
		ps.Add("subscription_ids", "pick at least one entitlement")
	case len(picked) > MaxBulk:
		ps.Add("subscription_ids", "at most %d entitlements in one step, not %d", MaxBulk, len(picked))
	}
	if err := ps.Err(); err != nil {
		return BulkRevoked{}, err
	}
	dec, err := s.delegable(ctx, a, picked, now)
	if err != nil {
		return BulkRevoked{}, err
	}
	if err := dec.Err("delegation", ""); err != nil {
		return BulkRevoked{}, err
	}
	granted, _, err := s.store.Delegations(ctx, a.Company)
	if err != nil {
		return BulkRevoked{}, err
	}
	var revoke, keep []entitle.Delegation
	var ended []int // how many picked subscriptions each revoked delegation covered
	for _, d := range granted {
		if d.Delegate != r.Delegate || !d.ActiveAt(now) {
			continue
		}
		if d.All() {
			return BulkRevoked{}, entitle.Errorf(entitle.CodeConflict,
				"%s holds a delegation of all your entitlements (%s), which covers these and every other: revoke it on the Delegations page, then grant what it should keep; nothing was changed", r.Delegate, d.ID)
		}
		rest := slices.DeleteFunc(slices.Clone(d.SubscriptionIDs), func(sub string) bool { _, found := slices.BinarySearch(picked, sub); return found })
		if len(rest) == len(d.SubscriptionIDs) {
			continue // covers none of the picked
		}
		revoke, ended = append(revoke, d), append(ended, len(d.SubscriptionIDs)-len(rest))
		if len(rest) > 0 {
			keep = append(keep, entitle.Delegation{Owner: a.Company, Delegate: d.Delegate, SubscriptionIDs: rest,
				ExpiresAt: d.ExpiresAt, CreatedAt: now, CreatedBy: a.Email})
		}
	}
	if len(revoke) == 0 {
		return BulkRevoked{}, entitle.Errorf(entitle.CodeInvalid,
			"delegate: no delegation in force gives %s access to the picked entitlements; nothing was changed", r.Delegate)
	}
	ids := make([]string, len(revoke))
	revokeEvs := make([]entitle.AuditEvent, len(revoke))
	for i, d := range revoke {
		ids[i] = d.ID
		revokeEvs[i] = entitle.AuditEvent{At: now, Actor: a.Email, Company: a.Company, Action: "delegation.revoke", Basis: dec.Basis, Outcome: "ok",
			Detail: fmt.Sprintf("from %s, bulk: %d picked of %s", d.Delegate, ended[i], scopeText(d))}
	}
	keepEvs := make([]entitle.AuditEvent, len(keep))
	for i, d := range keep {
		keepEvs[i] = entitle.AuditEvent{At: now, Actor: a.Email, Company: a.Company, Action: "delegation.grant", Basis: dec.Basis, Outcome: "ok",
			Detail: fmt.Sprintf("to %s, %s, the rest of a bulk revocation", d.Delegate, scopeText(d))}
	}
	kept, err := s.store.ReplaceDelegations(ctx, a.Company, a.Email, now, ids, revokeEvs, keep, keepEvs)
	if err != nil {
		if err == entitle.ErrNotFound {
			return BulkRevoked{}, notFound("delegation", "")
		}
		return BulkRevoked{}, err
	}
	party := s.Parties(ctx)
	out := BulkRevoked{Revoked: []Delegation{}, Kept: []Delegation{}}
	for _, d := range revoke {
		d.RevokedAt, d.RevokedBy = now, a.Email
		v, err := s.delegationView(a, d, now, party)
		if err != nil {
			return BulkRevoked{}, err
		}
		out.Revoked = append(out.Revoked, v)
	}
	for _, d := range kept {
		v, err := s.delegationView(a, d, now, party)
		if err != nil {
			return BulkRevoked{}, err
		}
		out.Kept = append(out.Kept, v)
	}
	return out, nil
}
