package entitle

import "time"

// Expiring is an entitlement whose end date falls in the notices' window:
// what a notice run needs to choose its stage and its recipients. These are
// facts, not answers: what a notice tells a company is decided by the
// policy, on the facts the store gives for one entitlement.
type Expiring struct {
	SubscriptionID string
	EndDate        Date
	Owner          string           // the current owner's key
	Roles          []RoleAssignment // the order's, in the order listed; the owner role names the current owner
	Claims         []NoticeClaim    // every claim made for it: any stage, any company
}

// NoticeClaim is the state of one (entitlement, stage, recipient company)
// notice.
type NoticeClaim struct {
	SubscriptionID string
	Stage          int // days before the end date
	Company        string
	ClaimedAt      time.Time // zero: released after a failed send, free to take
	SentAt         time.Time // zero: not sent
	Attempts       int
	LastError      string
}

// ExpiringAfter is a position in the (end date, subscription ID) order of
// ExpiringEntitlements: the last entitlement of the previous page. The zero
// value is the beginning.
type ExpiringAfter struct {
	EndDate        Date
	SubscriptionID string
}

// NoticeBatch is the notices of one stage to one company: what one digest
// lists.
type NoticeBatch struct {
	Company string
	Stage   int
	Items   []NoticeItem
}

// NoticeItem is one entitlement of a NoticeBatch.
type NoticeItem struct {
	SubscriptionID string
	EndDate        Date
}

// The kinds of notices a user chooses to receive (issue 14). Administrators
// receive each kind unless they opt out; members receive none unless they
// opt in. A kind's senders ask the store for its recipients
// (NoticeReaders), never for the administrators directly.
const (
	NoticeExpiryDigest    = "expiry_digest"    // the expiry digests of internal/notices
	NoticeRenewalRequests = "renewal_requests" // renewal requests received, and answers to those sent
	NoticeAccessRequests  = "access_requests"  // access requests (the owner's side)
)

// Recipient is an addressee of a notice and the language they read the
// portal and its mails in (User.Language: "en", "de", or "" for their
// browser's — a mail, which has no browser, is English to them).
type Recipient struct {
	Email, Language string
}

// NoticeKinds lists the kinds, in the order pages show them.
var NoticeKinds = []string{NoticeExpiryDigest, NoticeRenewalRequests, NoticeAccessRequests}

// NoticeChoice is a user's choice for one kind of notice.
type NoticeChoice struct {
	Kind    string
	Receive bool // what applies: the user's choice, else the default
	Default bool // what applies without a choice: true for administrators
	Chosen  bool // the user chose (Receive may still equal Default)
}
