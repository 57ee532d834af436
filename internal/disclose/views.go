package disclose

import (
	"context"
	"strconv"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
)

// The views of delegations, renewal requests and transfers: what each
// company that takes part in one may know of it, field by field as
// internal/policy decides (SeeDelegation, SeeRenewalRequest, SeeTransfer).
// The API, the portal and webhook deliveries all encode them here, so that
// they never disagree on what a company is told (R4: the delegate never
// sees who granted; R7: a company never sees another company's users).

// Parties names companies, looking each up once: for one answer.
func (s *Service) Parties(ctx context.Context) func(key string) (Party, error) {
	seen := map[string]Party{}
	return func(key string) (Party, error) {
		if p, ok := seen[key]; ok {
			return p, nil
		}
		co, err := s.store.Company(ctx, key)
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
	// MayRevoke says whether the viewer may revoke it (R5): for the portal's
	// buttons, never encoded.
	MayRevoke bool `json:"-"`
}

// Delegation returns delegation d as a's company — its owner or its
// delegate — sees it now; not_found for anyone else (R7). It audits
// nothing: it is for a message the portal sends (a webhook delivery),
// whose sender audits it.
func (s *Service) Delegation(ctx context.Context, a entitle.Actor, d entitle.Delegation) (Delegation, error) {
	return s.delegationView(a, d, s.now(), s.Parties(ctx))
}

func (s *Service) delegationView(a entitle.Actor, d entitle.Delegation, now time.Time, party func(string) (Party, error)) (Delegation, error) {
	see := policy.SeeDelegation(a, d.Owner, d.Delegate)
	if err := see.Err("delegation", d.ID); err != nil {
		return Delegation{}, err
	}
	out := Delegation{ID: d.ID, Scope: "all", SubscriptionIDs: d.SubscriptionIDs, CreatedAt: d.CreatedAt, Status: "active",
		MayRevoke: d.RevokedAt.IsZero() && policy.RevokeDelegation(a, d.Owner, d.Delegate).Allowed}
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
	if see.Views.Has(policy.ViewOwnSide) {
		out.CreatedBy, out.RevokedBy = d.CreatedBy, d.RevokedBy
	}
	return out, nil
}

// EntitlementInfo is what a renewal request or a transfer offer tells of
// its entitlement: entitlement information (R1), without the PO number to
// a company that holds no role on the order, and only the subscription ID
// to one that may no longer see the entitlement (a former owner, after a
// transfer).
type EntitlementInfo struct {
	SubscriptionID string       `json:"subscription_id"`
	SKU            string       `json:"sku,omitzero"`
	Quantity       int64        `json:"quantity,omitzero"`
	StartDate      entitle.Date `json:"start_date,omitzero"`
	EndDate        entitle.Date `json:"end_date,omitzero"`
	PONumber       string       `json:"po_number,omitempty"`
}

// infoOf is what views v tell of e.
func infoOf(e entitle.Entitlement, v policy.View) EntitlementInfo {
	out := EntitlementInfo{SubscriptionID: e.SubscriptionID}
	if v.Has(policy.ViewEntitlement) || v.Has(policy.ViewSubscription) {
		out.SKU, out.Quantity, out.StartDate, out.EndDate = e.SKU, e.Quantity, e.StartDate, e.EndDate
	}
	if v.Has(policy.ViewEntitlement) {
		out.PONumber = e.PONumber
	}
	return out
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

// RenewalRequest returns r as a's company sees it; not_found when a takes
// no part in it (R7). Unaudited: the caller audits the answer it is part of.
func (s *Service) RenewalRequest(ctx context.Context, a entitle.Actor, r entitle.RenewalRequest) (RenewalRequest, error) {
	var now policy.Decision
	if r.Status == entitle.RenewalTransferred {
		// Closed by a transfer: the entitlement is shown to those who may
		// still see it.
		d, err := s.decide(ctx, a, r.SubscriptionID, s.now())
		if err != nil && !isNotFound(err) {
			return RenewalRequest{}, err
		}
		now = d.Decision
	}
	see := policy.SeeRenewalRequest(a, r, now)
	if err := see.Err("renewal request", strconv.FormatInt(r.ID, 10)); err != nil {
		return RenewalRequest{}, err
	}
	out := RenewalRequest{ID: r.ID, Entitlement: infoOf(r.Entitlement, see.Views), Route: r.Route, Message: r.Message, Status: r.Status,
		Note: r.Note, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Received: r.Recipient == a.Company}
	if see.Views.Has(policy.ViewOwnSide) {
		p, err := s.store.Profile(ctx, r.Recipient)
		if err != nil {
			return out, err
		}
		pp := PartnerOf(p)
		out.Recipient, out.RequestedBy = &pp, r.RequestedBy
	}
	return out, nil
}

// Transfer is an ownership transfer as the offering and the receiving
// company see it: the entitlement information without the PO number (the
// recipient is not the purchasing entity), both companies.
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
	// MayAnswer and MayCancel say what the viewer may do with an open
	// offer (internal/lifecycle fills them): for the portal's buttons,
	// never encoded.
	MayAnswer bool `json:"-"`
	MayCancel bool `json:"-"`
}

// Transfer returns t as a's company sees it at now; not_found when a takes
// no part in it (R7). Unaudited, as RenewalRequest.
func (s *Service) Transfer(ctx context.Context, a entitle.Actor, t entitle.Transfer, party func(string) (Party, error)) (Transfer, error) {
	see := policy.SeeTransfer(a, t)
	if err := see.Err("transfer", strconv.FormatInt(t.ID, 10)); err != nil {
		return Transfer{}, err
	}
	from, err := party(t.From)
	if err != nil {
		return Transfer{}, err
	}
	to, err := party(t.To)
	if err != nil {
		return Transfer{}, err
	}
	out := Transfer{ID: t.ID, Entitlement: infoOf(t.Entitlement, see.Views), From: from, To: to, Message: t.Message,
		Status: t.State(s.now()), CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt}
	if see.Views.Has(policy.ViewOwnSide) {
		out.CreatedBy = t.CreatedBy
	}
	if !t.DecidedAt.IsZero() {
		at := t.DecidedAt
		out.DecidedAt = &at
	}
	return out, nil
}
