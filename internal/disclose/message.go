package disclose

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
)

// Message is what a message the portal sends by itself — a webhook
// delivery, an expiry notice — may tell its receiving company about some
// entitlements: each as the entitlement object the company would get from
// the API now, in the order asked.
type Message struct {
	To    entitle.Actor
	Items []Entitlement
}

// Message projects, for company to (the actor the audit trail names the
// sender by, e.g. "webhook:3" or "notices"), the entitlements among subs
// that to may see now (R1–R6, as a List would show them). Those it may not
// see are left out silently: to never asked, so nothing about them is
// audited — a request-time "not found" in to's audit trail would tell its
// administrators the subscription ID. Nothing is audited here at all: the
// sender records [Message.Event] with the message it sends or queues, in
// the same transaction.
func (s *Service) Message(ctx context.Context, to entitle.Actor, subs []string) (Message, error) {
	now := s.now()
	var ds []decided
	for _, sub := range subs {
		cand, err := s.store.Entitlement(ctx, sub, to.Company)
		if errors.Is(err, entitle.ErrNotFound) {
			continue
		}
		if err != nil {
			return Message{}, err
		}
		if d := policy.Decide(to, policy.List, cand.Facts, now); d.Allowed {
			ds = append(ds, decided{cand, d})
		}
	}
	items, err := s.project(ctx, ds, entitle.DateOf(now))
	if err != nil {
		return Message{}, err
	}
	return Message{To: to, Items: items}, nil
}

// Only is m with the items among subs (sorted) only: what was claimed for
// sending.
func (m Message) Only(subs []string) Message {
	out := Message{To: m.To}
	for _, e := range m.Items {
		if _, ok := slices.BinarySearch(subs, e.SubscriptionID); ok {
			out.Items = append(out.Items, e)
		}
	}
	return out
}

// Basis is the union of the bases the message's items are told on.
func (m Message) Basis() []entitle.Basis {
	var out []entitle.Basis
	for _, e := range m.Items {
		out = append(out, e.Access...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Event is the audit event of sending m at at: a disclosure to m.To, as
// action on object.
func (m Message) Event(at time.Time, action, object, detail string) entitle.AuditEvent {
	return entitle.AuditEvent{At: at, Actor: m.To.Email, Company: m.To.Company, Action: action, Object: object,
		Basis: m.Basis(), Outcome: "ok", Detail: detail}
}
