package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/disclose"
	"github.com/entitle-portal/entitle/internal/policy"
)

// Envelope is the JSON body of every delivery.
type Envelope struct {
	ID        string    `json:"id"`   // the delivery's id, also in the Entitle-Delivery header
	Type      string    `json:"type"` // the event type, also in the Entitle-Event header
	CreatedAt time.Time `json:"created_at"`
	Data      any       `json:"data"`
}

// CreatedData is the data of entitlement.created: the new order's
// entitlements the receiving company may see, each as the API's
// entitlement object (GET /api/v1/entitlements/{id}) for that company.
type CreatedData struct {
	Entitlements []disclose.Entitlement `json:"entitlements"`
}

// PingData is the data of a ping.
type PingData struct {
	Webhook int64 `json:"webhook"`
}

// Party names a company.
type Party = disclose.Party

// The data of delegation, renewal and transfer events are the API's own
// views of them for the receiving company (package disclose encodes both).
type (
	Delegation      = disclose.Delegation
	EntitlementInfo = disclose.EntitlementInfo
	RenewalRequest  = disclose.RenewalRequest
	Transfer        = disclose.Transfer
)

// rendered is what one company may know of one event, now.
type rendered struct {
	body  []byte
	basis []entitle.Basis // of the entitlements disclosed, for the audit event
}

// render builds the body of event ev for endpoint w with delivery id id, as
// the endpoint's company may know it at now — ok false when it may know
// nothing of the event (it then gets no delivery at all: R7). Entitlements
// are disclosed through disclose.Service.Get, which audits each one.
func (d *Dispatcher) render(ctx context.Context, ev entitle.Event, w entitle.Webhook, id string, now time.Time) (r rendered, ok bool, err error) {
	svc := svcOf(d, now)
	c, err := svc.CallerForCompany(ctx, w.Company, actorOf(w))
	if err != nil {
		return r, false, err
	}
	var data any
	switch ev.Type {
	case entitle.EventEntitlementCreated:
		order, err := strconv.ParseInt(ev.Subject, 10, 64)
		if err != nil {
			return r, false, fmt.Errorf("event %d: subject %q is no order id", ev.ID, ev.Subject)
		}
		subs, err := d.DB.OrderSubscriptions(ctx, order)
		if err != nil {
			return r, false, err
		}
		ents, basis, err := entitlements(ctx, svc, c, subs, now)
		if err != nil || len(ents) == 0 {
			return r, false, err
		}
		data, r.basis = CreatedData{Entitlements: ents}, basis
	case entitle.EventEntitlementChanged:
		ents, basis, err := entitlements(ctx, svc, c, []string{ev.Subject}, now)
		if err != nil || len(ents) == 0 {
			return r, false, err
		}
		data, r.basis = ents[0], basis
	case entitle.EventOwnershipTransferred:
		if data, ok, err = d.transfer(ctx, c, ev.Subject, now); !ok || err != nil {
			return r, false, err
		}
	case entitle.EventDelegationGranted, entitle.EventDelegationRevoked:
		if data, ok, err = d.delegation(ctx, c, ev.Subject, now); !ok || err != nil {
			return r, false, err
		}
	case entitle.EventRenewalRequested:
		if data, ok, err = d.renewal(ctx, c, ev.Subject); !ok || err != nil {
			return r, false, err
		}
	default: // pings are rendered once, by Ping; nothing else is known
		return r, false, nil
	}
	r.body, err = json.Marshal(Envelope{ID: id, Type: ev.Type, CreatedAt: ev.At, Data: data})
	return r, err == nil, err
}

// svcOf is the disclosure service on d's store, at now.
func svcOf(d *Dispatcher, now time.Time) *disclose.Service {
	return &disclose.Service{DB: d.DB, Now: func() time.Time { return now }}
}

// actorOf names an endpoint in the audit trail.
func actorOf(w entitle.Webhook) string { return "webhook:" + strconv.FormatInt(w.ID, 10) }

// entitlements returns the entitlements among subs that c may get, as the
// API's entitlement object for c, and the union of c's bases. The policy
// decides first, on the facts alone, so that nothing c may not see is even
// asked for in c's name (an audited not_found would tell c's
// administrators the subscription ID); Get then projects and audits.
func entitlements(ctx context.Context, svc *disclose.Service, c entitle.Actor, subs []string, now time.Time) ([]disclose.Entitlement, []entitle.Basis, error) {
	var out []disclose.Entitlement
	var basis []entitle.Basis
	for _, sub := range subs {
		cand, err := svc.DB.Entitlement(ctx, sub, c.Company)
		if errors.Is(err, entitle.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		if !policy.Decide(c, policy.Get, cand.Facts, now).Allowed {
			continue
		}
		e, dec, err := svc.Get(ctx, c, sub)
		var de *entitle.Error
		if errors.As(err, &de) && de.Code == entitle.CodeNotFound {
			continue // access ended between the two questions
		}
		if err != nil {
			return nil, nil, err
		}
		out = append(out, e)
		basis = append(basis, dec.Basis...)
	}
	slices.Sort(basis)
	return out, slices.Compact(basis), nil
}

// delegation renders a delegation for the owner (granted side) or the
// delegate (received side); anyone else may not know it exists (R7).
func (d *Dispatcher) delegation(ctx context.Context, c entitle.Actor, id string, now time.Time) (Delegation, bool, error) {
	dl, err := d.DB.Delegation(ctx, id)
	if errors.Is(err, entitle.ErrNotFound) {
		return Delegation{}, false, nil
	}
	if err != nil {
		return Delegation{}, false, err
	}
	// The same R5/R7 decision as revoking it through the API: visible to
	// the owner and the delegate only.
	if _, visible := policy.RevokeDelegation(c, dl.Owner, dl.Delegate); !visible {
		return Delegation{}, false, nil
	}
	out, err := disclose.DelegationOf(c, dl, now, svcOf(d, now).Parties(ctx))
	return out, err == nil, err
}

// renewal renders a renewal request for its recipient only.
func (d *Dispatcher) renewal(ctx context.Context, c entitle.Actor, subject string) (RenewalRequest, bool, error) {
	id, err := strconv.ParseInt(subject, 10, 64)
	if err != nil {
		return RenewalRequest{}, false, fmt.Errorf("renewal request %q: %w", subject, err)
	}
	rr, err := d.DB.RenewalRequest(ctx, id)
	if errors.Is(err, entitle.ErrNotFound) {
		return RenewalRequest{}, false, nil
	}
	if err != nil {
		return RenewalRequest{}, false, err
	}
	if asRecipient, _ := policy.RenewalRequestParty(c, rr.Requester, rr.Recipient); !asRecipient {
		return RenewalRequest{}, false, nil
	}
	out, err := svcOf(d, time.Time{}).RenewalRequestView(ctx, c, rr)
	return out, err == nil, err
}

// transfer renders an ownership transfer for the former and the new owner.
func (d *Dispatcher) transfer(ctx context.Context, c entitle.Actor, subject string, now time.Time) (Transfer, bool, error) {
	id, err := strconv.ParseInt(subject, 10, 64)
	if err != nil {
		return Transfer{}, false, fmt.Errorf("transfer %q: %w", subject, err)
	}
	t, err := d.DB.Transfer(ctx, id)
	if errors.Is(err, entitle.ErrNotFound) {
		return Transfer{}, false, nil
	}
	if err != nil {
		return Transfer{}, false, err
	}
	if _, _, visible := policy.TransferParty(c, t.From, t.To); !visible {
		return Transfer{}, false, nil
	}
	svc := svcOf(d, now)
	out, err := svc.TransferView(ctx, c, t, now, svc.Parties(ctx))
	return out, err == nil, err
}
