package entitle

import "time"

// Timeline is what the record holds about one entitlement through time:
// everything that decides who could see it at a past instant (R8 through
// time). The store gathers it; the policy computes who could see it when.
type Timeline struct {
	SubscriptionID string
	// Imported is when the entitlement's order came into the portal; zero
	// when that was before CompleteFrom (not recorded then).
	Imported time.Time
	// Roles are the order's role assignments as placed: its owner role names
	// the order's owner, the entitlement's first.
	Roles []RoleAssignment
	// Moves are the ownership transfers of the entitlement, oldest first.
	Moves []OwnerMove
	// Delegations are the delegations granted by the companies that ever
	// owned the entitlement which covered it at some time, in any state:
	// all-scope ones, and listed ones naming it (SubscriptionIDs holds just
	// it).
	Delegations []TimedDelegation
	// CompleteFrom is the instant from which the record is complete (the
	// upgrade that began recording it, on a database that held orders
	// already); zero when it always was. Before it, the import of an order
	// and a listed delegation's loss of an entitlement by a transfer were
	// not recorded.
	CompleteFrom time.Time
}

// OwnerMove is one change of an entitlement's owner: from At on, To owns
// it instead of From.
type OwnerMove struct {
	At       time.Time
	From, To string
}

// TimedDelegation is a delegation as a timeline holds it.
type TimedDelegation struct {
	Delegation
	// Dropped is the instant an ownership transfer took the entitlement out
	// of the listed delegation's scope; zero when it never did.
	Dropped time.Time
}

// Interval is a span of time: from From (included; zero: since before the
// record) to To (excluded; zero: still).
type Interval struct {
	From, To time.Time
}

// Contains reports whether instant t lies in the interval.
func (i Interval) Contains(t time.Time) bool {
	return !t.Before(i.From) && (i.To.IsZero() || t.Before(i.To))
}
