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
	Status         string // open, quoted, won, lost, withdrawn
	Note           string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	UpdatedBy      string
	// The entitlement as the recipient may know it (R1 information only).
	Entitlement Entitlement
}

// How a renewal request was routed.
const (
	RoutePartnerOfRecord = "partner_of_record"
	RoutePartner         = "partner"
	RouteDirect          = "direct"
)

// ErrRenewalPending: the requester already has an open request for the
// entitlement with the same recipient.
var ErrRenewalPending = errors.New("renewal already requested")
