package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/disclose"
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
// the endpoint's company may know it now — ok false when it may know
// nothing of the event (it then gets no delivery at all: R7). Everything a
// body tells comes from the gate: entitlements as a message of the portal's
// own (disclose.Message), delegations, renewal requests and transfers as the
// company's view of them. The sender audits the delivery, with r.basis.
func (d *Dispatcher) render(ctx context.Context, ev entitle.Event, w entitle.Webhook, id string) (r rendered, ok bool, err error) {
	to, err := d.Gate.ActorFor(ctx, w.Company, actorOf(w))
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
		subs, err := d.Store.OrderSubscriptions(ctx, order)
		if err != nil {
			return r, false, err
		}
		m, err := d.Gate.Message(ctx, to, subs)
		if err != nil || len(m.Items) == 0 {
			return r, false, err
		}
		data, r.basis = CreatedData{Entitlements: m.Items}, m.Basis()
	case entitle.EventEntitlementChanged:
		m, err := d.Gate.Message(ctx, to, []string{ev.Subject})
		if err != nil || len(m.Items) == 0 {
			return r, false, err
		}
		data, r.basis = m.Items[0], m.Basis()
	case entitle.EventOwnershipTransferred:
		if data, ok, err = d.transfer(ctx, to, ev.Subject); !ok || err != nil {
			return r, false, err
		}
	case entitle.EventDelegationGranted, entitle.EventDelegationRevoked:
		if data, ok, err = d.delegation(ctx, to, ev.Subject); !ok || err != nil {
			return r, false, err
		}
	case entitle.EventRenewalRequested:
		if data, ok, err = d.renewal(ctx, to, ev.Subject); !ok || err != nil {
			return r, false, err
		}
	default: // pings are rendered once, by Ping; nothing else is known
		return r, false, nil
	}
	r.body, err = json.Marshal(Envelope{ID: id, Type: ev.Type, CreatedAt: ev.At, Data: data})
	return r, err == nil, err
}

// actorOf names an endpoint in the audit trail.
func actorOf(w entitle.Webhook) string { return "webhook:" + strconv.FormatInt(w.ID, 10) }

// hidden reports whether err is the gate's "not found": the company may
// not know of the object (R7), which is no failure of the delivery.
func hidden(err error) bool {
	var e *entitle.Error
	return errors.As(err, &e) && e.Code == entitle.CodeNotFound
}

// delegation renders a delegation for the owner (granted side) or the
// delegate (received side); anyone else may not know it exists (R7).
func (d *Dispatcher) delegation(ctx context.Context, to entitle.Actor, id string) (Delegation, bool, error) {
	dl, err := d.Store.Delegation(ctx, id)
	if errors.Is(err, entitle.ErrNotFound) {
		return Delegation{}, false, nil
	}
	if err != nil {
		return Delegation{}, false, err
	}
	out, err := d.Gate.Delegation(ctx, to, dl)
	if hidden(err) {
		return Delegation{}, false, nil
	}
	return out, err == nil, err
}

// renewal renders a renewal request for its recipient only.
func (d *Dispatcher) renewal(ctx context.Context, to entitle.Actor, subject string) (RenewalRequest, bool, error) {
	id, err := strconv.ParseInt(subject, 10, 64)
	if err != nil {
		return RenewalRequest{}, false, fmt.Errorf("renewal request %q: %w", subject, err)
	}
	rr, err := d.Store.RenewalRequest(ctx, id)
	if errors.Is(err, entitle.ErrNotFound) {
		return RenewalRequest{}, false, nil
	}
	if err != nil {
		return RenewalRequest{}, false, err
	}
	out, err := d.Gate.RenewalRequest(ctx, to, rr)
	if hidden(err) || (err == nil && !out.Received) {
		return RenewalRequest{}, false, nil // the event tells the recipient that a request arrived
	}
	return out, err == nil, err
}

// transfer renders an ownership transfer for the former and the new owner.
func (d *Dispatcher) transfer(ctx context.Context, to entitle.Actor, subject string) (Transfer, bool, error) {
	id, err := strconv.ParseInt(subject, 10, 64)
	if err != nil {
		return Transfer{}, false, fmt.Errorf("transfer %q: %w", subject, err)
	}
	t, err := d.Store.Transfer(ctx, id)
	if errors.Is(err, entitle.ErrNotFound) {
		return Transfer{}, false, nil
	}
	if err != nil {
		return Transfer{}, false, err
	}
	if to.Company != t.From && to.Company != t.To {
		return Transfer{}, false, nil // the event tells the former and the new owner
	}
	out, err := d.Gate.Transfer(ctx, to, t, d.Gate.Parties(ctx))
	if hidden(err) {
		return Transfer{}, false, nil
	}
	return out, err == nil, err
}
