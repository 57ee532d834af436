package entitle

import "time"

// AccessRequest is a company's request for access to another company's
// entitlements, sent as a link that names no owner (issue 14): the
// requesting company's user creates it, forwards the link however it likes,
// and an administrator of the company that opens it approves it (an
// ordinary delegation to the requester, R5) or declines it. The link's
// secret is stored hashed; it works once and for AccessRequestTTL unless
// answered.
type AccessRequest struct {
	ID              int64
	Requester       string // the requesting company's key
	RequesterName   string
	RequestedBy     string // the requesting user's email
	Message         string
	Days            int      // the asked duration of the delegation
	SubscriptionIDs []string // the requester's suggestions (may name anything; never shown unfiltered to the decider)
	SecretHash      string
	Status          string // AccessRequestOpen, …Approved, …Declined, …Withdrawn (expired is derived: State)
	CreatedAt       time.Time
	ExpiresAt       time.Time
	// Opened is the last company whose user opened the link (never shown to
	// the requester); Decider the company that approved or declined it.
	Opened, OpenedName   string
	Decider, DeciderName string
	DecidedBy            string // the user who answered or withdrew it
	DecidedAt            time.Time
	Reason               string // a decline's reason
	DelegationID         string // the delegation an approval created
}

// Access request statuses.
const (
	AccessRequestOpen      = "open"
	AccessRequestApproved  = "approved"
	AccessRequestDeclined  = "declined"
	AccessRequestExpired   = "expired" // derived: open past its expiry
	AccessRequestWithdrawn = "withdrawn"
)

// AccessRequestTTL is how long an unanswered access request link works.
const AccessRequestTTL = 90 * 24 * time.Hour

// MaxAccessDays bounds the duration an access request asks for.
const MaxAccessDays = 730

// State is the request's status at now: open becomes expired at ExpiresAt.
func (r AccessRequest) State(now time.Time) string {
	if r.Status == AccessRequestOpen && !now.Before(r.ExpiresAt) {
		return AccessRequestExpired
	}
	return r.Status
}
