package entitle

import (
	"errors"
	"slices"
	"time"
)

// The event types. A change writes an event only while an active endpoint
// exists (see webhooksActive); what each tells which company is decided by
// internal/webhooks through the policy when the event is fanned out.
const (
	EventEntitlementCreated   = "entitlement.created"   // subject: the new order's id (its entitlements)
	EventEntitlementChanged   = "entitlement.changed"   // subject: a subscription ID
	EventOwnershipTransferred = "ownership.transferred" // subject: a transfer's id
	EventDelegationGranted    = "delegation.granted"    // subject: a delegation's id
	EventDelegationRevoked    = "delegation.revoked"    // subject: a delegation's id
	EventRenewalRequested     = "renewal.requested"     // subject: a renewal request's id
	EventPing                 = "ping"                  // subject: the endpoint's id; `entitle webhook test`
)

// EventTypes lists the event types an endpoint may subscribe to.
var EventTypes = []string{EventEntitlementCreated, EventEntitlementChanged, EventOwnershipTransferred,
	EventDelegationGranted, EventDelegationRevoked, EventRenewalRequested}

// Event is one change, as the outbox records it.
type Event struct {
	ID      int64
	Type    string
	Subject string
	At      time.Time
}

// Webhook is an endpoint of one company.
type Webhook struct {
	ID        int64
	Company   string // key
	URL       string
	Events    []string // the types it receives; nil: all
	Secret    string   // set by AddWebhook and on claimed deliveries only
	CreatedAt time.Time
	CreatedBy string
	RemovedAt time.Time // zero while active
}

// Wants reports whether the endpoint receives events of type typ. Every
// endpoint receives its own pings.
func (w Webhook) Wants(typ string) bool {
	return w.Events == nil || typ == EventPing || slices.Contains(w.Events, typ)
}

// DeliveryStats counts an endpoint's deliveries (those still kept, see
// PruneWebhooks) by state.
type DeliveryStats struct {
	Pending, Delivered, Failed, Cancelled int
	LastError                             string // of the latest attempt that failed
	LastErrorAt                           time.Time
}

// The states of a delivery.
const (
	DeliveryPending   = "pending"   // waiting for its next attempt
	DeliveryDelivered = "delivered" // a 2xx answer
	DeliveryFailed    = "failed"    // every attempt failed
	DeliveryCancelled = "cancelled" // its endpoint was removed, or the company may no longer see it
)

// ErrClaimLost: the claim on an event or a delivery is no longer this
// dispatcher's (its lease ran out and another took it over).
var ErrClaimLost = errors.New("the claim was lost")

// NewDelivery is a delivery of an event to one endpoint, as fan-out decided
// it, with the audit event of its disclosure.
type NewDelivery struct {
	WebhookID int64
	PublicID  string
	Body      []byte
	Audit     AuditEvent
}

// Delivery is one event's delivery to one endpoint.
type Delivery struct {
	ID            int64
	PublicID      string
	Webhook       Webhook // with its secret when claimed
	Event         Event
	Body          []byte
	State         string
	Attempts      int // made so far
	NextAttemptAt time.Time
	LastAttemptAt time.Time
	LastStatus    int
	LastError     string
	DeliveredAt   time.Time
	CreatedAt     time.Time
}

// DeliveryOutcome is what became of a claimed delivery.
type DeliveryOutcome struct {
	State     string // DeliveryPending (to retry, or released), DeliveryDelivered, DeliveryFailed or DeliveryCancelled
	Attempted bool   // an attempt was made (counted); false: released or cancelled without sending
	Status    int    // the HTTP status of the answer, 0 for none
	Error     string // why the attempt failed, or why it was cancelled
	// NextAttemptAt is when a pending delivery is due again.
	NextAttemptAt time.Time
	// Body is the body sent, when it differs from the one recorded (nil:
	// unchanged).
	Body []byte
}
