package entitle

import (
	"errors"
	"time"
)

// RenewalRequest is one request to renew an entitlement.
type RenewalRequest struct {
	ID             int64
	SubscriptionID string
	Requester      string // company key
	RequestedBy    string // user email
	Route          string // RoutePartnerOfRecord, RoutePartner or RouteDirect
	Recipient      string // company key
	Message        string
	Status         string // RenewalOpen, RenewalQuoted, RenewalWon, RenewalLost, RenewalWithdrawn or RenewalTransferred
	Note           string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	UpdatedBy      string
	// The entitlement as the recipient may know it (R1 information only).
	Entitlement Entitlement
}

// The states of a renewal request. Open and quoted are open; the others
// are closed and change no more.
const (
	RenewalOpen      = "open"
	RenewalQuoted    = "quoted"
	RenewalWon       = "won"
	RenewalLost      = "lost"
	RenewalWithdrawn = "withdrawn"
	// RenewalTransferred: the entitlement changed hands while the request
	// was open; its new owner asks anew.
	RenewalTransferred = "transferred"
)

// Open reports whether the request still awaits an answer.
func (r RenewalRequest) Open() bool { return r.Status == RenewalOpen || r.Status == RenewalQuoted }

// How a renewal request was routed.
const (
	RoutePartnerOfRecord = "partner_of_record"
	RoutePartner         = "partner"
	RouteDirect          = "direct"
)

// ErrRenewalPending: the requester already has an open request for the
// entitlement with the same recipient.
var ErrRenewalPending = errors.New("renewal already requested")
