package entitle

import (
	"errors"
	"time"
)

// Transfer is an offer (or, by the vendor, a direct move) of one
// entitlement's ownership from one company to another.
type Transfer struct {
	ID             int64
	SubscriptionID string
	From, To       string // company keys
	Message        string
	Status         string // TransferOffered, TransferAccepted, TransferDeclined, TransferCancelled, TransferDone
	CreatedAt      time.Time
	CreatedBy      string
	ExpiresAt      time.Time
	DecidedAt      time.Time // zero while offered
	DecidedBy      string
	// The entitlement offered, as the recipient may know it (R1 information).
	Entitlement Entitlement
}

// The states of a transfer.
const (
	TransferOffered   = "offered"
	TransferAccepted  = "accepted"
	TransferDeclined  = "declined"
	TransferCancelled = "cancelled"
	TransferDone      = "done"    // moved directly by the vendor
	TransferExpired   = "expired" // not answered in time
)

// State is the transfer's state at now: an offer past its expiry is
// expired even before the next offer closes it.
func (t Transfer) State(now time.Time) string {
	if t.Status == TransferOffered && !t.ExpiresAt.After(now) {
		return TransferExpired
	}
	return t.Status
}

// ErrTransferPending: the entitlement has an open offer already.
var ErrTransferPending = errors.New("transfer already offered")

// ErrNotOwner: the company offering or giving up the entitlement does not
// own it (any more).
var ErrNotOwner = errors.New("not the owner")
