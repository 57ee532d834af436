package entitle

// OrderFilter narrows a list of orders ("My orders"), listed newest first
// (order date, then the order's record). Zero fields do not filter.
type OrderFilter struct {
	// PurchasingEntity is the company whose orders are listed: the
	// caller's own, or for the vendor any company's ("" the vendor: every
	// company's).
	PurchasingEntity string
	From, To         Date   // order date on or after From, on or before To
	POPrefix         string // PO numbers that start with it, case-insensitively
}

// OrderPage is one page of orders for a caller's list.
type OrderPage struct {
	Orders []OrderRecord
	// Next is the position of the last order when more follow ("" at the
	// end): the next page starts after it.
	Next string
}

// AuditFilter narrows the audit trail as its readers page through it.
// Zero fields do not filter; the filters combine.
type AuditFilter struct {
	Actor  string // the user (email, as recorded) who acted
	Action string // e.g. entitlement.get
	Object string // e.g. a subscription ID
	From   Date   // events on or after this day (UTC)
	To     Date   // events on or before this day (UTC)
}

// IsZero reports whether f filters nothing.
func (f AuditFilter) IsZero() bool { return f == AuditFilter{} }
