package entitle

// ListFilter narrows a list, and orders it. Zero fields do not filter.
type ListFilter struct {
	Basis         Basis     // only entitlements seen on this basis
	SKU           string    // exact SKU, in any case
	Status        Status    // on Today
	Today         Date      // for Status
	ExpiresBefore Date      // end date before it
	Order         ListOrder // the order of the list (and of its cursors)

	// Company (the vendor's filter, issue 14): only entitlements on whose
	// order this company holds any role.
	Company string

	// Search is the text search q (search.go).
	Search Search
}

// ListOrder is the order of a list. Every order is total (ties broken by
// subscription ID) and read from an index in that order, so keyset paging
// costs the page, whatever the order.
type ListOrder string

const (
	// BySubscription: subscription ID, ascending. A cursor is the last
	// subscription ID.
	BySubscription ListOrder = ""
	// ByEndDate: end date, then subscription ID — what ends first. A
	// cursor is "END_DATE SUBSCRIPTION_ID".
	ByEndDate ListOrder = "end_date"
	// ByEndDateDesc: end date descending, then subscription ID descending.
	ByEndDateDesc ListOrder = "-end_date"
)

// ListOrders are the orders a list may be asked for.
var ListOrders = []ListOrder{BySubscription, ByEndDate, ByEndDateDesc}

// ListPage is one page of candidates for a caller's list.
type ListPage struct {
	Candidates []Candidate
	// More is true when entitlements after the last candidate may be visible;
	// the next page starts after Next.
	More bool
	Next string
}
