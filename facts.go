package entitle

// Candidate is an entitlement with the policy's facts about it. The store
// returns candidates; only the policy says whether and how they are shown.
type Candidate struct {
	Entitlement Entitlement
	OrderID     int64
	Facts       Facts
}

// OwnerView is owner & location (R4): the owner company and the order's
// installation site.
type OwnerView struct {
	Owner Company
	Site  *Address
}

// OrderRecord is an order as recorded, with its id.
type OrderRecord struct {
	ID int64
	Order
	// Owners holds, by subscription ID, the company that owns each line's
	// entitlement now: the order's owner unless an ownership transfer moved it.
	Owners map[string]string
}

// Facts is what the policy needs to know about one entitlement or one order.
// The store gathers it; the policy decides.
type Facts struct {
	// SubscriptionID of the entitlement asked about; "" when asking about an
	// order as a whole (OrderDetails).
	SubscriptionID string
	// Owner is the owner company's key; PurchasingEntity the company that
	// placed the PO.
	Owner, PurchasingEntity string
	// Roles are the order's role assignments. Only those naming the caller's
	// company matter to Decide, so a store may pass just those.
	Roles []RoleAssignment
	// Delegations are delegations that name the caller's company as delegate,
	// in any state: revoked and expired ones are ignored here, not by the store.
	Delegations []Delegation
}
