package entitle

// Status of an entitlement on a given day (UTC).
type Status string

const (
	StatusFuture  Status = "future"  // starts after today
	StatusActive  Status = "active"  // today is within start and end, inclusive
	StatusExpired Status = "expired" // ended before today
)

// ParseStatus returns the status named s.
func ParseStatus(s string) (Status, bool) {
	switch Status(s) {
	case StatusFuture, StatusActive, StatusExpired:
		return Status(s), true
	}
	return "", false
}

// Entitlement is a subscription yielded by one order line. Its subscription ID
// is unique across the portal.
type Entitlement struct {
	SubscriptionID   string
	SKU              string
	Quantity         int64
	StartDate        Date
	EndDate          Date
	PONumber         string // the purchasing entity's PO number
	PurchasingEntity string // company key
	Owner            string // company key
	Line             int    // order line it came from
}

// StatusOn returns the entitlement's status on day today.
func (e Entitlement) StatusOn(today Date) Status {
	switch {
	case today.Before(e.StartDate):
		return StatusFuture
	case today.After(e.EndDate):
		return StatusExpired
	}
	return StatusActive
}
