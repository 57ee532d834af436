package store_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy/policytest"
	"github.com/entitle-portal/entitle/internal/store"
	"github.com/entitle-portal/entitle/internal/store/storetest"
)

// webhookWorld is the policy's basics scenario on the run's backend, its
// companies imported (and AGENT, a company to delegate to), its orders not
// yet: load imports them.
type webhookWorld struct {
	t    *testing.T
	db   *store.DB
	now  time.Time
	load entitle.Batch // the orders
}

func newWebhookWorld(t *testing.T) *webhookWorld {
	t.Helper()
	s, err := policytest.Load("../policy/testdata/basics.txt")
	if err != nil {
		t.Fatal(err)
	}
	b := s.Batch()
	b.Companies = append(b.Companies, entitle.Sourced[entitle.Company]{Record: entitle.Company{Key: "AGENT", Name: "Company AGENT", Kind: entitle.KindCustomer}})
	w := &webhookWorld{t: t, db: storetest.New(t), now: s.Now, load: entitle.Batch{Orders: b.Orders}}
	b.Orders = nil
	w.importBatch(b)
	return w
}

func (w *webhookWorld) importBatch(b entitle.Batch) {
	w.t.Helper()
	if _, ps, err := w.db.Import(context.Background(), b, entitle.ImportOptions{}, w.now); err != nil || len(ps) > 0 {
		w.t.Fatal(err, ps)
	}
}

func (w *webhookWorld) events() []string {
	w.t.Helper()
	evs, err := w.db.WebhookEvents(context.Background())
	if err != nil {
		w.t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		out = append(out, e.Type+" "+e.Subject)
	}
	return out
}

func (w *webhookWorld) addWebhook(company string) entitle.Webhook {
	w.t.Helper()
	h, err := w.db.AddWebhook(context.Background(), entitle.Webhook{Company: company, URL: "https://hooks.example/" + company, Secret: "whsec_x",
		CreatedAt: w.now, CreatedBy: "cli"}, entitle.AuditEvent{At: w.now, Actor: "cli", Company: company, Action: "webhook.add", Outcome: "ok"})
	if err != nil {
		w.t.Fatal(err)
	}
	return h
}

// changes makes one change of every kind that has an event, through the
// store's public methods, and returns the ids they name.
func (w *webhookWorld) changes(round int) (delegations []string, renewal int64, transfers []int64) {
	w.t.Helper()
	ctx := context.Background()
	ev := entitle.AuditEvent{At: w.now, Actor: "admin@plant.example", Company: "PLANT", Action: "test", Outcome: "ok"}
	grant := func(subs ...string) string {
		d, err := w.db.GrantDelegation(ctx, entitle.Delegation{Owner: "PLANT", Delegate: "AGENT", SubscriptionIDs: subs, CreatedAt: w.now, CreatedBy: "admin@plant.example"}, ev)
		if err != nil {
			w.t.Fatal(err)
		}
		return d.ID
	}
	revoked, ended := grant("S-100"), grant("S-101")
	if err := w.db.RevokeDelegation(ctx, revoked, "PLANT", "admin@plant.example", w.now, ev); err != nil {
		w.t.Fatal(err)
	}
	r, err := w.db.CreateRenewalRequest(ctx, entitle.RenewalRequest{SubscriptionID: "S-100", Requester: "PLANT", RequestedBy: "admin@plant.example",
		Route: entitle.RoutePartnerOfRecord, Recipient: "SHOP", Message: "round " + strconv.Itoa(round), CreatedAt: w.now}, ev)
	if err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.db.UpdateRenewalRequest(ctx, r.ID, func(entitle.RenewalRequest) error { return nil }, "withdrawn", nil, "admin@plant.example", w.now, ev); err != nil {
		w.t.Fatal(err)
	}
	// S-101 goes to OTHERCO and back (an offer accepted, then the vendor's
	// direct move): the first ends the listed delegation of S-101.
	t, err := w.db.OfferTransfer(ctx, entitle.Transfer{SubscriptionID: "S-101", From: "PLANT", To: "OTHERCO", CreatedAt: w.now,
		CreatedBy: "admin@plant.example", ExpiresAt: w.now.Add(time.Hour)}, false, ev)
	if err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.db.DecideTransfer(ctx, t.ID, func(entitle.Transfer) error { return nil }, entitle.TransferAccepted, "admin@otherco.example", w.now, ev); err != nil {
		w.t.Fatal(err)
	}
	back, err := w.db.OfferTransfer(ctx, entitle.Transfer{SubscriptionID: "S-101", From: "OTHERCO", To: "PLANT", CreatedAt: w.now,
		CreatedBy: "ops@maker.example", ExpiresAt: w.now.Add(time.Hour)}, true, ev)
	if err != nil {
		w.t.Fatal(err)
	}
	return []string{revoked, ended}, r.ID, []int64{t.ID, back.ID}
}

// TestWebhookEvents: no change writes an event while no endpoint is active
// (an import, delegations, a renewal request, transfers); with one, each
// writes exactly its events, in its own transaction; once the last endpoint
// is removed, none again. A change refused writes no event.
func TestWebhookEvents(t *testing.T) {
	ctx := context.Background()
	w := newWebhookWorld(t)
	w.importBatch(w.load)
	w.changes(1)
	if got := w.events(); len(got) != 0 {
		t.Fatalf("events without any endpoint: %v", got)
	}

	h := w.addWebhook("NOBODY")
	w.importBatch(w.load) // nothing new: no event
	more := entitle.Batch{Orders: []entitle.Sourced[entitle.Order]{w.load.Orders[0]}}
	o := &more.Orders[0].Record
	o.PONumber, o.Lines = "N-79", append([]entitle.Line(nil), o.Lines...)
	for i := range o.Lines {
		o.Lines[i].SubscriptionID += "-2"
	}
	// A dry run and a refused import write nothing, a real one an event per new order.
	if _, _, err := w.db.Import(ctx, more, entitle.ImportOptions{DryRun: true}, w.now); err != nil {
		t.Fatal(err)
	}
	bad := more
	bad.Orders = []entitle.Sourced[entitle.Order]{more.Orders[0]}
	bad.Orders[0].Record.Owner = "GHOST"
	if _, ps, err := w.db.Import(ctx, bad, entitle.ImportOptions{}, w.now); err != nil || len(ps) == 0 {
		t.Fatalf("a bad import was not refused: %v %v", err, ps)
	}
	if got := w.events(); len(got) != 0 {
		t.Fatalf("events of a dry run or refused import: %v", got)
	}
	w.importBatch(more)
	subs, err := w.db.OrderSubscriptions(ctx, mustOrderID(t, w.db, "NORTH", "N-79"))
	if err != nil || !cmp.Equal(subs, []string{"S-100-2", "S-101-2"}) {
		t.Fatalf("subscriptions of the new order: %v %v", subs, err)
	}
	dls, renewal, transfers := w.changes(2)
	want := []string{
		"entitlement.created " + strconv.FormatInt(mustOrderID(t, w.db, "NORTH", "N-79"), 10),
		"delegation.granted " + dls[0],
		"delegation.granted " + dls[1],
		"delegation.revoked " + dls[0],
		"renewal.requested " + strconv.FormatInt(renewal, 10),
		// accepted: the owner changed, and the listed delegation of S-101 ended
		"entitlement.changed S-101",
		"ownership.transferred " + strconv.FormatInt(transfers[0], 10),
		"delegation.revoked " + dls[1],
		// moved back by the vendor
		"entitlement.changed S-101",
		"ownership.transferred " + strconv.FormatInt(transfers[1], 10),
	}
	if diff := cmp.Diff(want, w.events()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	// A refused change writes nothing: a revocation of what is not there,
	// a renewal already pending, a transfer by a company that no longer owns.
	ev := entitle.AuditEvent{At: w.now, Actor: "x", Action: "test", Outcome: "ok"}
	if _, err := w.db.CreateRenewalRequest(ctx, entitle.RenewalRequest{SubscriptionID: "S-101", Requester: "PLANT", RequestedBy: "x",
		Route: entitle.RoutePartnerOfRecord, Recipient: "SHOP", CreatedAt: w.now}, ev); err != nil {
		t.Fatal(err)
	}
	before := w.events()
	if err := w.db.RevokeDelegation(ctx, "dlg_nope", "PLANT", "x", w.now, ev); !errors.Is(err, entitle.ErrNotFound) {
		t.Errorf("revoke of nothing: %v", err)
	}
	if err := w.db.RevokeDelegation(ctx, dls[0], "PLANT", "x", w.now, ev); err != nil { // revoked already: no change
		t.Errorf("revoke again: %v", err)
	}
	if _, err := w.db.CreateRenewalRequest(ctx, entitle.RenewalRequest{SubscriptionID: "S-101", Requester: "PLANT", RequestedBy: "x",
		Route: entitle.RoutePartnerOfRecord, Recipient: "SHOP", CreatedAt: w.now}, ev); !errors.Is(err, entitle.ErrRenewalPending) {
		t.Errorf("renewal again: %v", err)
	}
	if _, err := w.db.OfferTransfer(ctx, entitle.Transfer{SubscriptionID: "S-200", From: "PLANT", To: "NOBODY", CreatedAt: w.now, ExpiresAt: w.now.Add(time.Hour)}, true, ev); !errors.Is(err, entitle.ErrNotOwner) {
		t.Errorf("transfer by a non-owner: %v", err)
	}
	if diff := cmp.Diff(before, w.events()); diff != "" {
		t.Errorf("refused changes wrote events (-before +after):\n%s", diff)
	}

	if err := w.db.RemoveWebhook(ctx, h.ID, w.now, ev); err != nil {
		t.Fatal(err)
	}
	if err := w.db.RemoveWebhook(ctx, h.ID, w.now, ev); !errors.Is(err, entitle.ErrNotFound) {
		t.Errorf("removed twice: %v", err)
	}
	w.changes(3)
	if diff := cmp.Diff(before, w.events()); diff != "" {
		t.Errorf("events after the last endpoint was removed (-before +after):\n%s", diff)
	}
	if hooks, err := w.db.Webhooks(ctx, ""); err != nil || len(hooks) != 0 {
		t.Errorf("active endpoints after removal: %v %v", hooks, err)
	}
	if got, err := w.db.Webhook(ctx, h.ID); err != nil || got.RemovedAt.IsZero() || got.Secret != "" {
		t.Errorf("the removed endpoint: %+v %v", got, err)
	}
}

func mustOrderID(t *testing.T, db *store.DB, pe, po string) int64 {
	t.Helper()
	o, _, err := db.OrderByPO(context.Background(), pe, po)
	if err != nil {
		t.Fatal(err)
	}
	return o.ID
}

// TestWebhookClaims: events and deliveries are claimed once while the
// claim's lease runs; a lost claim records nothing; only the holder
// finishes a delivery; removing an endpoint cancels what it had pending.
func TestWebhookClaims(t *testing.T) {
	ctx := context.Background()
	w := newWebhookWorld(t)
	a, b := w.addWebhook("NORTH"), w.addWebhook("PLANT")
	w.importBatch(w.load)
	now, lease := w.now, time.Minute
	evs, err := w.db.ClaimEvents(ctx, "one", now, lease, 10)
	if err != nil || len(evs) != 2 || evs[0].Type != entitle.EventEntitlementCreated {
		t.Fatalf("claim: %+v %v", evs, err)
	}
	if again, err := w.db.ClaimEvents(ctx, "two", now.Add(lease-time.Second), lease, 10); err != nil || len(again) != 0 {
		t.Fatalf("claimed twice within the lease: %+v %v", again, err)
	}
	// "one" dies; after the lease "two" takes the events over, and "one"
	// can no longer record its fan-out.
	evs, err = w.db.ClaimEvents(ctx, "two", now.Add(lease), lease, 1)
	if err != nil || len(evs) != 1 {
		t.Fatalf("take over: %+v %v", evs, err)
	}
	nd := func(h entitle.Webhook, id string) entitle.NewDelivery {
		return entitle.NewDelivery{WebhookID: h.ID, PublicID: id, Body: []byte(`{"id":"` + id + `"}`),
			Audit: entitle.AuditEvent{At: now, Actor: "webhook:" + strconv.FormatInt(h.ID, 10), Company: h.Company, Action: "webhook.test", Outcome: "ok"}}
	}
	if _, err := w.db.FanOut(ctx, evs[0], "one", []entitle.NewDelivery{nd(a, "whd_lost")}, now); !errors.Is(err, entitle.ErrClaimLost) {
		t.Fatalf("fan-out with a lost claim: %v", err)
	}
	if n, err := w.db.FanOut(ctx, evs[0], "two", []entitle.NewDelivery{nd(a, "whd_a"), nd(b, "whd_b")}, now); err != nil || n != 2 {
		t.Fatalf("fan-out: %d %v", n, err)
	}
	if _, err := w.db.FanOut(ctx, evs[0], "two", []entitle.NewDelivery{nd(a, "whd_again")}, now); !errors.Is(err, entitle.ErrClaimLost) {
		t.Fatalf("fanned out twice: %v", err)
	}
	// The other event: nobody to receive it, so it goes.
	rest, err := w.db.ClaimEvents(ctx, "two", now.Add(lease), lease, 10)
	if err != nil || len(rest) != 1 {
		t.Fatalf("the other event: %+v %v", rest, err)
	}
	if n, err := w.db.FanOut(ctx, rest[0], "two", nil, now); err != nil || n != 0 {
		t.Fatalf("empty fan-out: %d %v", n, err)
	}
	if got := w.events(); len(got) != 1 {
		t.Errorf("events kept: %v, want the one with deliveries", got)
	}

	ds, err := w.db.ClaimDeliveries(ctx, "x", now, lease, 10)
	if err != nil || len(ds) != 2 || ds[0].Webhook.Secret != "whsec_x" || ds[0].Event.ID != evs[0].ID {
		t.Fatalf("claim deliveries: %+v %v", ds, err)
	}
	if again, err := w.db.ClaimDeliveries(ctx, "y", now, lease, 10); err != nil || len(again) != 0 {
		t.Fatalf("deliveries claimed twice: %+v %v", again, err)
	}
	failed := entitle.DeliveryOutcome{State: entitle.DeliveryPending, Attempted: true, Status: 500, Error: "HTTP 500", NextAttemptAt: now.Add(time.Hour)}
	if err := w.db.FinishDelivery(ctx, ds[0].ID, "y", failed, now); !errors.Is(err, entitle.ErrClaimLost) {
		t.Errorf("finished by another: %v", err)
	}
	if err := w.db.FinishDelivery(ctx, ds[0].ID, "x", failed, now); err != nil {
		t.Fatal(err)
	}
	if err := w.db.FinishDelivery(ctx, ds[1].ID, "x", entitle.DeliveryOutcome{State: entitle.DeliveryDelivered, Attempted: true, Status: 204}, now); err != nil {
		t.Fatal(err)
	}
	// The failed one is due again in an hour, not before; the delivered never.
	if got, err := w.db.ClaimDeliveries(ctx, "z", now.Add(time.Hour-time.Second), lease, 10); err != nil || len(got) != 0 {
		t.Errorf("claimed before due: %+v %v", got, err)
	}
	got, err := w.db.ClaimDeliveries(ctx, "z", now.Add(time.Hour), lease, 10)
	if err != nil || len(got) != 1 || got[0].ID != ds[0].ID || got[0].Attempts != 1 || got[0].LastError != "HTTP 500" {
		t.Fatalf("due again: %+v %v", got, err)
	}
	if st, err := w.db.WebhookStats(ctx, a.ID); err != nil || st.Pending != 1 || st.LastError != "HTTP 500" {
		t.Errorf("stats of %d: %+v %v", a.ID, st, err)
	}
	if st, err := w.db.WebhookStats(ctx, b.ID); err != nil || st.Delivered != 1 || st.LastError != "" {
		t.Errorf("stats of %d: %+v %v", b.ID, st, err)
	}
	// Removing the endpoint cancels its pending delivery, claimed or not.
	if err := w.db.RemoveWebhook(ctx, a.ID, now, entitle.AuditEvent{At: now, Actor: "cli", Action: "webhook.remove", Outcome: "ok"}); err != nil {
		t.Fatal(err)
	}
	if err := w.db.FinishDelivery(ctx, ds[0].ID, "z", failed, now); !errors.Is(err, entitle.ErrClaimLost) {
		t.Errorf("finished after removal: %v", err)
	}
	if st, err := w.db.WebhookStats(ctx, a.ID); err != nil || st.Pending != 0 || st.Cancelled != 1 {
		t.Errorf("stats after removal: %+v %v", st, err)
	}
	// Pruning keeps what is recent and drops what ended long ago.
	if n, err := w.db.PruneWebhooks(ctx, now); err != nil || n != 0 {
		t.Errorf("pruned %d (%v), want 0", n, err)
	}
	if n, err := w.db.PruneWebhooks(ctx, now.Add(time.Second)); err != nil || n != 2 {
		t.Errorf("pruned %d (%v), want 2", n, err)
	}
	if got := w.events(); len(got) != 0 {
		t.Errorf("events left after pruning: %v", got)
	}
}
