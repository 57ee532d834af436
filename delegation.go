package entitle

import (
	"slices"
	"time"
)

// Delegation is access granted by an owner company to another company: to all
// entitlements the owner owns, now and later (SubscriptionIDs nil), or to a
// listed set of them. It may expire, and it stops working the instant it is
// revoked or expires (R5).
type Delegation struct {
	ID              string
	Owner           string   // granting company key
	Delegate        string   // receiving company key
	SubscriptionIDs []string // nil: every entitlement the owner owns
	ExpiresAt       time.Time
	CreatedAt       time.Time
	CreatedBy       string // email of the granting admin
	RevokedAt       time.Time
	RevokedBy       string
}

// All reports whether the delegation covers every entitlement of the owner.
func (d Delegation) All() bool { return d.SubscriptionIDs == nil }

// ActiveAt reports whether the delegation is in force at now: not revoked and
// not expired (an expiry instant is the first instant it no longer works).
func (d Delegation) ActiveAt(now time.Time) bool {
	if !d.RevokedAt.IsZero() && !now.Before(d.RevokedAt) {
		return false
	}
	return d.ExpiresAt.IsZero() || now.Before(d.ExpiresAt)
}

// Covers reports whether the delegation's scope includes subscription sub of
// its owner.
func (d Delegation) Covers(sub string) bool {
	return d.All() || slices.Contains(d.SubscriptionIDs, sub)
}

// Validate checks the delegation's own fields.
func (d Delegation) Validate() error {
	var ps Problems
	checkKey(&ps, "owner", d.Owner)
	checkKey(&ps, "delegate", d.Delegate)
	if d.Owner != "" && d.Owner == d.Delegate {
		ps.Add("delegate", "a company cannot delegate to itself")
	}
	if d.SubscriptionIDs != nil && len(d.SubscriptionIDs) == 0 {
		ps.Add("subscription_ids", "list at least one subscription ID, or omit the list to delegate all")
	}
	checkKeyList(&ps, "subscription_ids", d.SubscriptionIDs)
	return ps.Err()
}
