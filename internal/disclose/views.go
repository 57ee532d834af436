package disclose

import (
	"context"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
)

// The views of delegations, renewal requests and transfers: what each
// company that takes part in one may know of it, field by field as
// internal/policy decides (views.go there). The API and webhook
// deliveries both encode them here, so that the two never disagree on what
// a company is told (R4: the delegate never sees who granted; R7: a company
// never sees another company's users).

// Parties names companies, looking each up once: for one answer.
func (s *Service) Parties(ctx context.Context) func(key string) (Party, error) {
	seen := map[string]Party{}
	return func(key string) (Party, error) {
		if p, ok := seen[key]; ok {
			return p, nil
		}
		co, err := s.DB.Company(ctx, key)
		if err != nil {
			return Party{}, err
		}
		seen[key] = Party{Key: co.Key, Name: co.Name}
		return seen[key], nil
	}
}

// Delegation is a delegation as one side of it sees it. The granting
// company (the owner) sees who granted and revoked it; the delegate sees the
// owner company's key and name only (R4, R7).
type Delegation struct {
	ID              string     `json:"id"`
	Owner           Party      `json:"owner"`
	Delegate        Party      `json:"delegate"`
	Scope           string     `json:"scope"` // "all" or "listed"
	SubscriptionIDs []string   `json:"subscription_ids,omitempty"`
	Status          string     `json:"status"` // active, expired or revoked
	ExpiresAt       *time.Time `json:"expires_at,omitempty"`
	CreatedAt       time.Time  `json:"created_at"`
	CreatedBy       string     `json:"created_by,omitempty"`
	RevokedAt       *time.Time `json:"revoked_at,omitempty"`
	RevokedBy       string     `json:"revoked_by,omitempty"`
}

// DelegationOf is d as c's company — its owner or its delegate — sees it at
// now.
func DelegationOf(c entitle.Actor, d entitle.Delegation, now time.Time, party func(string) (Party, error)) (Delegation, error) {
	out := Delegation{ID: d.ID, Scope: "all", SubscriptionIDs: d.SubscriptionIDs, CreatedAt: d.CreatedAt, Status: "active"}
	var err error
	if out.Owner, err = party(d.Owner); err != nil {
		return out, err
	}
	if out.Delegate, err = party(d.Delegate); err != nil {
		return out, err
	}
	if !d.All() {
		out.Scope = "listed"
	}
	if !d.ExpiresAt.IsZero() {
		t := d.ExpiresAt
		out.ExpiresAt = &t
		if !now.Before(t) {
			out.Status = "expired"
		}
	}
	if !d.RevokedAt.IsZero() {
		t := d.RevokedAt
		out.RevokedAt, out.Status = &t, "revoked"
	}
	if policy.DelegationActors(c, d.Owner) {
		out.CreatedBy, out.RevokedBy = d.CreatedBy, d.RevokedBy
	}
	return out, nil
}

// EntitlementInfo is entitlement information (R1) about a subscription, as
// carried by a renewal request or a transfer offer.
type EntitlementInfo struct {
	SubscriptionID string       `json:"subscription_id"`
	SKU            string       `json:"sku"`
	Quantity       int64        `json:"quantity"`
	StartDate      entitle.Date `json:"start_date"`
	EndDate        entitle.Date `json:"end_date"`
	PONumber       string       `json:"po_number,omitempty"`
}

// InfoOf is the entitlement information of e.
func InfoOf(e entitle.Entitlement) EntitlementInfo {
	return EntitlementInfo{SubscriptionID: e.SubscriptionID, SKU: e.SKU, Quantity: e.Quantity, StartDate: e.StartDate, EndDate: e.EndDate, PONumber: e.PONumber}
}

// RenewalRequest is a renewal request as a company taking part in it sees
// it. The recipient sees the entitlement information and the message only —
// never who asked (R4, R7), and a listed partner with no role on the order
// not the PO number; the requester also sees where it went and which of its
// users asked.
type RenewalRequest struct {
	ID          int64           `json:"id"`
	Entitlement EntitlementInfo `json:"entitlement"`
	Route       string          `json:"route"`
	Recipient   *Partner        `json:"recipient,omitempty"`
	RequestedBy string          `json:"requested_by,omitempty"`
	Message     string          `json:"message,omitempty"`
	Status      string          `json:"status"`
	Note        string          `json:"note,omitempty"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
	Received    bool            `json:"received"` // the caller's company received it
}

// RenewalRequestView is rr as c's company sees it; c takes part in it.
func (s *Service) RenewalRequestView(ctx context.Context, c entitle.Actor, rr entitle.RenewalRequest) (RenewalRequest, error) {
	poNumber, requesterSide := policy.RenewalRequestFields(c, rr.Requester, rr.Recipient, rr.Route == entitle.RoutePartner)
	info := InfoOf(rr.Entitlement)
	if !poNumber {
		info.PONumber = ""
	}
	out := RenewalRequest{ID: rr.ID, Entitlement: info, Route: rr.Route, Message: rr.Message, Status: rr.Status,
		Note: rr.Note, CreatedAt: rr.CreatedAt, UpdatedAt: rr.UpdatedAt, Received: rr.Recipient == c.Company}
	if requesterSide {
		p, err := s.DB.Profile(ctx, rr.Recipient)
		if err != nil {
			return out, err
		}
		pp := PartnerOf(p)
		out.Recipient, out.RequestedBy = &pp, rr.RequestedBy
	}
	return out, nil
}

// Transfer is an ownership transfer as the offering and the receiving
// company (and the vendor) see it: the entitlement information without the
// PO number (the recipient is not the purchasing entity), both companies.
type Transfer struct {
	ID          int64           `json:"id"`
	Entitlement EntitlementInfo `json:"entitlement"`
	From        Party           `json:"from"`
	To          Party           `json:"to"`
	Message     string          `json:"message,omitempty"`
	Status      string          `json:"status"` // offered, accepted, declined, cancelled, expired, done
	CreatedAt   time.Time       `json:"created_at"`
	CreatedBy   string          `json:"created_by,omitempty"` // to the offering company (and the vendor) only
	ExpiresAt   time.Time       `json:"expires_at"`
	DecidedAt   *time.Time      `json:"decided_at,omitempty"`
}

// TransferView is t as c's company sees it at now; c takes part in it.
func (s *Service) TransferView(ctx context.Context, c entitle.Actor, t entitle.Transfer, now time.Time, party func(string) (Party, error)) (Transfer, error) {
	from, err := party(t.From)
	if err != nil {
		return Transfer{}, err
	}
	to, err := party(t.To)
	if err != nil {
		return Transfer{}, err
	}
	info := InfoOf(t.Entitlement)
	info.PONumber = ""
	out := Transfer{ID: t.ID, Entitlement: info, From: from, To: to, Message: t.Message,
		Status: t.State(now), CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt}
	if policy.TransferCreator(c, t.From, t.Status == entitle.TransferDone) {
		out.CreatedBy = t.CreatedBy
	}
	if !t.DecidedAt.IsZero() {
		at := t.DecidedAt
		out.DecidedAt = &at
	}
	return out, nil
}
