package webhooks_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/disclose"
	"github.com/entitle-portal/entitle/internal/webhooks"
)

// collect takes every receiver's receipts and checks what holds for all of
// them: the signature verifies at the clock's time, the headers name the
// event and the delivery, and the body is an envelope. It returns, per
// company, one line per receipt (its type and what it is about), sorted —
// deliveries are not ordered — and the receipts themselves.
func (h *harness) collect() (map[string][]string, map[string][]receipt) {
	h.t.Helper()
	lines, all := map[string][]string{}, map[string][]receipt{}
	for _, c := range companies {
		for _, r := range h.recv[c].take() {
			if r.verify != nil {
				h.t.Errorf("%s: %s delivery %s: signature: %v", c, r.env.Type, r.env.ID, r.verify)
			}
			if r.header.Get("Content-Type") != "application/json" || r.header.Get("Entitle-Event") != r.env.Type ||
				r.header.Get("Entitle-Delivery") != r.env.ID || !strings.HasPrefix(r.env.ID, "whd_") || r.env.CreatedAt.IsZero() {
				h.t.Errorf("%s: headers %v for %s", c, r.header, r.body)
			}
			lines[c] = append(lines[c], r.env.Type+" "+about(h.t, r))
			all[c] = append(all[c], r)
		}
		slices.Sort(lines[c])
	}
	return lines, all
}

// about says what a receipt is about: the subscriptions of entitlement
// events, the id of the others.
func about(t testing.TB, r receipt) string {
	var data struct {
		ID             any
		SubscriptionID string `json:"subscription_id"`
		Entitlements   []struct {
			SubscriptionID string `json:"subscription_id"`
		}
	}
	if err := json.Unmarshal(r.env.Data, &data); err != nil {
		t.Fatalf("%s data: %v", r.env.Type, err)
	}
	switch {
	case r.env.Type == entitle.EventEntitlementCreated:
		var subs []string
		for _, e := range data.Entitlements {
			subs = append(subs, e.SubscriptionID)
		}
		return strings.Join(subs, ",")
	case r.env.Type == entitle.EventEntitlementChanged:
		return data.SubscriptionID
	}
	return fmt.Sprint(data.ID)
}

// sameAsAPI checks that every receipt's data is what the API shows its
// company: each entitlement as GET /api/v1/entitlements/{id}, a delegation
// as its side of GET /api/v1/delegations, a renewal request as the
// recipient's inbox, a transfer as GET /api/v1/transfers.
func (h *harness) sameAsAPI(all map[string][]receipt) {
	h.t.Helper()
	for _, c := range sortedKeys(all) {
		for _, r := range all[c] {
			data := decode(h.t, r.env.Data)
			var want []any
			var got []any
			switch r.env.Type {
			case entitle.EventEntitlementCreated:
				for _, e := range data.(map[string]any)["entitlements"].([]any) {
					status, api := h.apiGet(c, "/api/v1/entitlements/"+e.(map[string]any)["subscription_id"].(string))
					if status != http.StatusOK {
						h.t.Errorf("%s: the API does not show %v", c, e)
					}
					want, got = append(want, api), append(got, e)
				}
			case entitle.EventEntitlementChanged:
				_, api := h.apiGet(c, "/api/v1/entitlements/"+data.(map[string]any)["subscription_id"].(string))
				want, got = []any{api}, []any{data}
			case entitle.EventDelegationGranted, entitle.EventDelegationRevoked:
				_, api := h.apiGet(c, "/api/v1/delegations")
				side := "received"
				if data.(map[string]any)["owner"].(map[string]any)["key"] == c {
					side = "granted"
				}
				item, ok := findItem(api.(map[string]any)[side], data.(map[string]any)["id"])
				if !ok {
					h.t.Errorf("%s: the API lists no %s delegation %v", c, side, data)
				}
				want, got = []any{item}, []any{data}
			case entitle.EventRenewalRequested:
				_, api := h.apiGet(c, "/api/v1/renewal-requests?box=received")
				item, _ := findItem(api.(map[string]any)["items"], data.(map[string]any)["id"])
				want, got = []any{item}, []any{data}
			case entitle.EventOwnershipTransferred:
				box := "received"
				if data.(map[string]any)["from"].(map[string]any)["key"] == c {
					box = "sent"
				}
				_, api := h.apiGet(c, "/api/v1/transfers?box="+box)
				item, _ := findItem(api.(map[string]any)["items"], data.(map[string]any)["id"])
				if item != nil && data.(map[string]any)["status"] == entitle.TransferDone && box == "sent" {
					// The vendor's direct move: the API names the vendor's user
					// who made it to the former owner; the webhook does not (R7).
					delete(item, "created_by")
				}
				want, got = []any{item}, []any{data}
			default:
				h.t.Errorf("%s: unexpected %s", c, r.env.Type)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				h.t.Errorf("%s: %s differs from the API (-api +webhook):\n%s", c, r.env.Type, diff)
			}
		}
	}
}

// expect checks who received what.
func (h *harness) expect(step string, want map[string][]string) map[string][]receipt {
	h.t.Helper()
	got, all := h.collect()
	for c := range want {
		slices.Sort(want[c])
	}
	if diff := cmp.Diff(want, got); diff != "" {
		h.t.Errorf("%s: deliveries (-want +got):\n%s", step, diff)
	}
	h.sameAsAPI(all)
	return all
}

// field is a top-level field of an entitlement object in a receipt.
func field(t testing.TB, r receipt, i int, name string) (any, bool) {
	t.Helper()
	var data map[string]any
	if err := json.Unmarshal(r.env.Data, &data); err != nil {
		t.Fatal(err)
	}
	obj := data
	if ents, ok := data["entitlements"].([]any); ok {
		obj = ents[i].(map[string]any)
	}
	v, ok := obj[name]
	return v, ok
}

// TestWhoReceivesWhat: each event type reaches exactly the companies
// entitled to know of it, each with exactly what the API shows that
// company; NOBODY, entitled to nothing, never hears of anything.
func TestWhoReceivesWhat(t *testing.T) {
	h := newHarness(t)

	// entitlement.created: every company with a role on the order, and the
	// vendor; owner & location only for the owner and the vendor (R4).
	h.importBatch(h.orders)
	if rep := h.run(); rep.Events != 2 || rep.Delivered != 8 || rep.Attempts != 8 {
		t.Errorf("report %+v", rep)
	}
	all := h.expect("import", map[string][]string{
		"NORTH":   {"entitlement.created S-100,S-101", "entitlement.created S-200"},
		"SHOP":    {"entitlement.created S-100,S-101"},
		"PLANT":   {"entitlement.created S-100,S-101"},
		"FITTER":  {"entitlement.created S-100,S-101"},
		"OTHERCO": {"entitlement.created S-200"},
		"MAKER":   {"entitlement.created S-100,S-101", "entitlement.created S-200"},
	})
	for c, owner := range map[string]bool{"SHOP": false, "NORTH": false, "FITTER": false, "PLANT": true, "MAKER": true} {
		for _, r := range all[c] {
			_, hasOwner := field(t, r, 0, "owner")
			_, hasSite := field(t, r, 0, "installation_site")
			access, _ := field(t, r, 0, "access")
			if hasOwner != owner || hasSite != owner {
				t.Errorf("%s: owner %v, site %v; want %v (access %v)", c, hasOwner, hasSite, owner, access)
			}
		}
	}

	// delegation.granted: the owner (who granted) and the delegate (the
	// owner's name only).
	ctx := h.ctx
	grant := func(owner string, subs ...string) string {
		d, err := h.db.GrantDelegation(ctx, entitle.Delegation{Owner: owner, Delegate: "AGENT", SubscriptionIDs: subs, CreatedAt: h.clock.Now(),
			CreatedBy: "admin@" + strings.ToLower(owner) + ".example"}, h.ev(owner))
		if err != nil {
			t.Fatal(err)
		}
		return d.ID
	}
	d1, d2, d3 := grant("PLANT", "S-100"), grant("PLANT", "S-101"), grant("OTHERCO")
	h.run()
	all = h.expect("grants", map[string][]string{
		"PLANT":   {"delegation.granted " + d1, "delegation.granted " + d2},
		"OTHERCO": {"delegation.granted " + d3},
		"AGENT":   {"delegation.granted " + d1, "delegation.granted " + d2, "delegation.granted " + d3},
	})
	for _, r := range all["AGENT"] {
		if strings.Contains(string(r.body), "admin@") || !strings.Contains(string(r.body), `"owner":{"key":`) {
			t.Errorf("the delegate learns who granted, or not whose: %s", r.body)
		}
	}
	if !strings.Contains(string(all["PLANT"][0].body), `"created_by":"admin@plant.example"`) {
		t.Errorf("the owner does not see who granted: %s", all["PLANT"][0].body)
	}

	// renewal.requested: the recipient only, never who asked.
	rr, err := h.db.CreateRenewalRequest(ctx, entitle.RenewalRequest{SubscriptionID: "S-100", Requester: "PLANT", RequestedBy: "admin@plant.example",
		Route: entitle.RoutePartnerOfRecord, Recipient: "SHOP", Message: "Please call Ann", CreatedAt: h.clock.Now()}, h.ev("PLANT"))
	if err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(time.Minute)
	h.run()
	all = h.expect("renewal", map[string][]string{"SHOP": {fmt.Sprintf("renewal.requested %d", rr.ID)}})
	if b := string(all["SHOP"][0].body); strings.Contains(b, "PLANT") || strings.Contains(b, "admin@") || !strings.Contains(b, "Please call Ann") {
		t.Errorf("the recipient's renewal request: %s", b)
	}

	// delegation.revoked.
	if err := h.db.RevokeDelegation(ctx, d1, "PLANT", "boss@plant.example", h.clock.Now(), h.ev("PLANT")); err != nil {
		t.Fatal(err)
	}
	h.run()
	all = h.expect("revoke", map[string][]string{"PLANT": {"delegation.revoked " + d1}, "AGENT": {"delegation.revoked " + d1}})
	if strings.Contains(string(all["AGENT"][0].body), "boss@") || !strings.Contains(string(all["PLANT"][0].body), `"revoked_by":"boss@plant.example"`) {
		t.Errorf("revoked_by: owner %s, delegate %s", all["PLANT"][0].body, all["AGENT"][0].body)
	}

	// An offer is not yet a change; its acceptance is: entitlement.changed
	// to whoever may see S-101 now (the former owner no longer; OTHERCO's
	// delegate now does), ownership.transferred to both owners, and the
	// end of PLANT's delegation of S-101.
	tr, err := h.db.OfferTransfer(ctx, entitle.Transfer{SubscriptionID: "S-101", From: "PLANT", To: "OTHERCO", Message: "yours now",
		CreatedAt: h.clock.Now(), CreatedBy: "admin@plant.example", ExpiresAt: h.clock.Now().Add(24 * time.Hour)}, false, h.ev("PLANT"))
	if err != nil {
		t.Fatal(err)
	}
	if rep := h.run(); rep.Events != 0 {
		t.Errorf("an offer made events: %+v", rep)
	}
	if _, err := h.db.DecideTransfer(ctx, tr.ID, func(entitle.Transfer) error { return nil }, entitle.TransferAccepted, "admin@otherco.example", h.clock.Now(), h.ev("OTHERCO")); err != nil {
		t.Fatal(err)
	}
	h.run()
	transferred := fmt.Sprintf("ownership.transferred %d", tr.ID)
	all = h.expect("transfer", map[string][]string{
		"NORTH":   {"entitlement.changed S-101"},
		"SHOP":    {"entitlement.changed S-101"},
		"FITTER":  {"entitlement.changed S-101"},
		"MAKER":   {"entitlement.changed S-101"},
		"OTHERCO": {"entitlement.changed S-101", transferred},
		"AGENT":   {"entitlement.changed S-101", "delegation.revoked " + d2},
		"PLANT":   {transferred, "delegation.revoked " + d2},
	})
	for _, r := range all["AGENT"] {
		if r.env.Type != entitle.EventEntitlementChanged {
			continue
		}
		if access, _ := field(t, r, 0, "access"); fmt.Sprint(access) != "[delegate]" {
			t.Errorf("the delegate's access: %v", access)
		}
		if _, ok := field(t, r, 0, "owner"); ok {
			t.Errorf("the delegate sees the owner: %s", r.body)
		}
	}

	// The vendor moves S-200 directly: the former owner is not told which
	// of the vendor's users did it.
	back, err := h.db.OfferTransfer(ctx, entitle.Transfer{SubscriptionID: "S-200", From: "OTHERCO", To: "PLANT", CreatedAt: h.clock.Now(),
		CreatedBy: "ops@maker.example", ExpiresAt: h.clock.Now().Add(time.Hour)}, true, h.ev("MAKER"))
	if err != nil {
		t.Fatal(err)
	}
	h.run()
	moved := fmt.Sprintf("ownership.transferred %d", back.ID)
	all = h.expect("direct move", map[string][]string{
		"NORTH":   {"entitlement.changed S-200"},
		"MAKER":   {"entitlement.changed S-200"},
		"PLANT":   {"entitlement.changed S-200", moved},
		"OTHERCO": {moved},
	})
	for _, r := range append(all["OTHERCO"], all["PLANT"]...) {
		if strings.Contains(string(r.body), "ops@maker") {
			t.Errorf("a company learns the vendor's user: %s", r.body)
		}
	}

	// NOBODY heard of nothing, and its trail shows no question asked in its name.
	evs, err := h.db.AuditEvents(ctx, "NOBODY", 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		if e.Action != "webhook.add" {
			t.Errorf("NOBODY's audit trail: %+v", e)
		}
	}
	// Each disclosure is in the receiving company's trail.
	evs, err = h.db.AuditEvents(ctx, "SHOP", 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range evs {
		if strings.HasPrefix(e.Actor, "webhook:") {
			actions = append(actions, e.Action+" "+e.Outcome)
		}
	}
	slices.Sort(actions)
	actions = slices.Compact(actions)
	// A delivery is audited once, as what was sent (with the bases of the
	// entitlements it discloses): no request-time "get" in SHOP's name,
	// which SHOP never made.
	if want := []string{"webhook.entitlement.changed ok", "webhook.entitlement.created ok", "webhook.renewal.requested ok"}; !slices.Equal(actions, want) {
		t.Errorf("SHOP's trail of webhook disclosures: %v, want %v", actions, want)
	}
}

// TestSubscribedTypes: an endpoint receives only the types it subscribed
// to.
func TestSubscribedTypes(t *testing.T) {
	h := newHarness(t)
	for _, c := range companies {
		if err := h.db.RemoveWebhook(h.ctx, h.hooks[c].ID, h.clock.Now(), h.ev(c)); err != nil {
			t.Fatal(err)
		}
	}
	h.addWebhook("PLANT", h.recv["PLANT"], []string{entitle.EventDelegationGranted})
	h.importBatch(h.orders)
	d, err := h.db.GrantDelegation(h.ctx, entitle.Delegation{Owner: "PLANT", Delegate: "AGENT", CreatedAt: h.clock.Now(), CreatedBy: "admin@plant.example"}, h.ev("PLANT"))
	if err != nil {
		t.Fatal(err)
	}
	h.run()
	h.expect("subscribed", map[string][]string{"PLANT": {"delegation.granted " + d.ID}})
}

// TestRetryAfterBackoff: a receiver that answers 500 gets the same delivery
// again after the backoff — not before — and, once it answered 2xx, never
// again.
func TestRetryAfterBackoff(t *testing.T) {
	h := newHarness(t)
	h.recv["PLANT"].status = func(n int, _ string) int {
		if n == 0 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	}
	h.importBatch(h.orders)
	h.run()
	first := h.recv["PLANT"].take()
	if len(first) != 1 {
		t.Fatalf("first round: %d receipts", len(first))
	}
	ds, err := h.db.Deliveries(h.ctx, h.hooks["PLANT"].ID)
	if err != nil || len(ds) != 1 || ds[0].State != entitle.DeliveryPending || ds[0].Attempts != 1 || ds[0].LastStatus != 500 ||
		!strings.Contains(ds[0].LastError, "500") || !strings.Contains(ds[0].LastError, "try again later") {
		t.Fatalf("after the failure: %+v %v", ds, err)
	}
	wait := ds[0].NextAttemptAt.Sub(h.clock.Now())
	if wait < 30*time.Second || wait > 33*time.Second {
		t.Errorf("first backoff %v, want 30 s plus at most 10 %%", wait)
	}
	h.clock.Advance(29 * time.Second)
	if rep := h.run(); rep.Attempts != 0 {
		t.Errorf("tried again before the backoff: %+v", rep)
	}
	h.clock.Advance(5 * time.Second)
	if rep := h.run(); rep.Attempts != 1 || rep.Delivered != 1 {
		t.Errorf("retry: %+v", rep)
	}
	second := h.recv["PLANT"].take()
	if len(second) != 1 || second[0].env.ID != first[0].env.ID || string(second[0].body) != string(first[0].body) || second[0].verify != nil ||
		second[0].header.Get(webhooks.SignatureHeader) == first[0].header.Get(webhooks.SignatureHeader) {
		t.Fatalf("the retry: %+v", second)
	}
	h.clock.Advance(48 * time.Hour)
	if rep := h.run(); rep.Attempts != 0 {
		t.Errorf("sent again after success: %+v", rep)
	}
	if got := h.recv["PLANT"].take(); len(got) != 0 {
		t.Errorf("received again: %d", len(got))
	}
	st, err := h.db.WebhookStats(h.ctx, h.hooks["PLANT"].ID)
	if err != nil || st.Delivered != 1 || st.Pending != 0 || st.Failed != 0 {
		t.Errorf("stats %+v %v", st, err)
	}
}

// TestGivingUp: a receiver that always fails gets DefaultMaxAttempts
// attempts, spaced by the backoff, and the delivery ends failed.
func TestGivingUp(t *testing.T) {
	h := newHarness(t)
	h.recv["SHOP"].status = func(int, string) int { return http.StatusServiceUnavailable }
	h.importBatch(h.orders)
	var at []time.Time
	for range webhooks.DefaultMaxAttempts + 2 {
		h.run()
		for range h.recv["SHOP"].take() {
			at = append(at, h.clock.Now())
		}
		h.clock.Advance(9 * time.Hour) // more than the longest pause
	}
	if len(at) != webhooks.DefaultMaxAttempts {
		t.Fatalf("%d attempts, want %d", len(at), webhooks.DefaultMaxAttempts)
	}
	ds, err := h.db.Deliveries(h.ctx, h.hooks["SHOP"].ID)
	if err != nil || len(ds) != 1 || ds[0].State != entitle.DeliveryFailed || ds[0].Attempts != webhooks.DefaultMaxAttempts || ds[0].LastStatus != 503 {
		t.Fatalf("deliveries: %+v %v", ds, err)
	}
	st, err := h.db.WebhookStats(h.ctx, h.hooks["SHOP"].ID)
	if err != nil || st.Failed != 1 || !strings.Contains(st.LastError, "503") {
		t.Errorf("stats %+v %v", st, err)
	}
	// The other companies got theirs at once.
	for _, c := range []string{"NORTH", "PLANT", "FITTER", "MAKER", "OTHERCO"} {
		if st, err := h.db.WebhookStats(h.ctx, h.hooks[c].ID); err != nil || st.Delivered == 0 || st.Failed != 0 {
			t.Errorf("%s: %+v %v", c, st, err)
		}
	}
}

// TestRetryRendersAgain: a retry tells the company what it may know at
// that moment: a delegate whose delegation was revoked before the retry
// gets nothing more (R5), and the delivery is cancelled.
func TestRetryRendersAgain(t *testing.T) {
	h := newHarness(t)
	h.importBatch(h.orders)
	h.run()
	h.collect()
	if _, err := h.db.GrantDelegation(h.ctx, entitle.Delegation{Owner: "PLANT", Delegate: "AGENT", CreatedAt: h.clock.Now(), CreatedBy: "admin@plant.example"}, h.ev("PLANT")); err != nil {
		t.Fatal(err)
	}
	h.run()
	_, all := h.collect()
	d := all["AGENT"][0].env
	// A transfer to PLANT: AGENT may see the entitlement through the
	// all-scope delegation, but its receiver is down.
	h.recv["AGENT"].status = func(int, string) int { return http.StatusBadGateway }
	if _, err := h.db.OfferTransfer(h.ctx, entitle.Transfer{SubscriptionID: "S-200", From: "OTHERCO", To: "PLANT", CreatedAt: h.clock.Now(),
		CreatedBy: "ops@maker.example", ExpiresAt: h.clock.Now().Add(time.Hour)}, true, h.ev("MAKER")); err != nil {
		t.Fatal(err)
	}
	h.run()
	got := h.recv["AGENT"].take()
	if len(got) != 1 || got[0].env.Type != entitle.EventEntitlementChanged {
		t.Fatalf("AGENT: %+v", got)
	}
	var id struct{ ID string }
	json.Unmarshal(d.Data, &id)
	if err := h.db.RevokeDelegation(h.ctx, id.ID, "PLANT", "admin@plant.example", h.clock.Now(), h.ev("PLANT")); err != nil {
		t.Fatal(err)
	}
	h.recv["AGENT"].status = nil
	h.clock.Advance(time.Hour)
	rep := h.run()
	got = h.recv["AGENT"].take()
	if len(got) != 1 || got[0].env.Type != entitle.EventDelegationRevoked || rep.Cancelled != 1 {
		t.Fatalf("after the revocation: %+v, report %+v", got, rep)
	}
	ds, err := h.db.Deliveries(h.ctx, h.hooks["AGENT"].ID)
	if err != nil {
		t.Fatal(err)
	}
	states := map[string]string{}
	for _, d := range ds {
		states[d.Event.Type] = d.State
	}
	if want := map[string]string{"delegation.granted": "delivered", "entitlement.changed": "cancelled", "delegation.revoked": "delivered"}; !cmp.Equal(states, want) {
		t.Errorf("AGENT's deliveries %v, want %v", states, want)
	}
}

// TestRemovedEndpoint: removing an endpoint cancels its pending deliveries;
// nothing more is sent to it.
func TestRemovedEndpoint(t *testing.T) {
	h := newHarness(t)
	h.recv["PLANT"].status = func(int, string) int { return http.StatusInternalServerError }
	h.importBatch(h.orders)
	h.run()
	h.recv["PLANT"].take()
	if err := h.db.RemoveWebhook(h.ctx, h.hooks["PLANT"].ID, h.clock.Now(), h.ev("PLANT")); err != nil {
		t.Fatal(err)
	}
	h.clock.Advance(time.Hour)
	h.run()
	if got := h.recv["PLANT"].take(); len(got) != 0 {
		t.Errorf("sent to a removed endpoint: %d", len(got))
	}
	if st, err := h.db.WebhookStats(h.ctx, h.hooks["PLANT"].ID); err != nil || st.Cancelled != 1 || st.Pending != 0 {
		t.Errorf("stats %+v %v", st, err)
	}
}

// TestTwoDispatchers: two dispatchers on two store handles of one database
// (two serve processes), running at once round after round, never deliver
// one delivery twice, nor fan one event out twice.
func TestTwoDispatchers(t *testing.T) {
	h := newHarness(t)
	for _, c := range companies {
		// Every third delivery fails once, to exercise the retries too.
		var mu sync.Mutex
		seen := map[string]bool{}
		h.recv[c].delay = 5 * time.Millisecond
		h.recv[c].status = func(_ int, id string) int {
			mu.Lock()
			defer mu.Unlock()
			again := seen[id]
			seen[id] = true
			if !again && len(seen)%3 == 1 {
				return http.StatusInternalServerError
			}
			return http.StatusOK
		}
	}
	var orders []entitle.Sourced[entitle.Order]
	for i := range 12 {
		for _, o := range h.orders.Orders {
			o.Record.PONumber = fmt.Sprintf("%s-%d", o.Record.PONumber, i)
			o.Record.Lines = slices.Clone(o.Record.Lines)
			for j := range o.Record.Lines {
				o.Record.Lines[j].SubscriptionID = fmt.Sprintf("%s-%d", o.Record.Lines[j].SubscriptionID, i)
			}
			orders = append(orders, o)
		}
	}
	h.importBatch(entitle.Batch{Orders: orders})
	db := h.open()
	other := &webhooks.Dispatcher{Store: db, Gate: disclose.New(db, h.clock.Now), Now: h.clock.Now, Workers: 3}
	var reports [2]webhooks.Report
	for round := range 6 {
		var wg sync.WaitGroup
		for i, d := range []*webhooks.Dispatcher{h.disp, other} {
			wg.Go(func() {
				rep, err := d.RunOnce(h.ctx)
				if err != nil {
					t.Errorf("round %d, dispatcher %d: %v", round, i, err)
				}
				reports[i].Events += rep.Events
				reports[i].Deliveries += rep.Deliveries
				reports[i].Delivered += rep.Delivered
			})
		}
		wg.Wait()
		h.clock.Advance(time.Hour)
	}
	// 12 × N-77 → NORTH, SHOP, PLANT, FITTER, MAKER; 12 × N-78 → NORTH, OTHERCO, MAKER.
	const want = 12*5 + 12*3
	if reports[0].Events+reports[1].Events != 24 || reports[0].Deliveries+reports[1].Deliveries != want || reports[0].Delivered+reports[1].Delivered != want {
		t.Errorf("reports %+v", reports)
	}
	if reports[0].Delivered == 0 || reports[1].Delivered == 0 {
		t.Logf("one dispatcher did all the work: %+v", reports)
	}
	total := 0
	for _, c := range companies {
		ok := map[string]int{}
		for _, r := range h.recv[c].take() {
			if r.verify != nil {
				t.Errorf("%s: %v", c, r.verify)
			}
			ok[r.env.ID]++ // received again only after a failed answer
		}
		ds, err := h.db.Deliveries(h.ctx, h.hooks[c].ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			if d.State != entitle.DeliveryDelivered || ok[d.PublicID] != d.Attempts {
				t.Errorf("%s: delivery %s %s after %d attempts, received %d times", c, d.PublicID, d.State, d.Attempts, ok[d.PublicID])
			}
			delete(ok, d.PublicID)
			total++
		}
		if len(ok) != 0 {
			t.Errorf("%s: received deliveries not recorded: %v", c, ok)
		}
	}
	if total != want {
		t.Errorf("%d deliveries, want %d", total, want)
	}
}

// TestPing: a ping is signed like any delivery, and tried once.
func TestPing(t *testing.T) {
	h := newHarness(t)
	d, err := h.disp.Ping(h.ctx, h.hooks["NOBODY"].ID, "cli")
	if err != nil || d.State != entitle.DeliveryDelivered || d.LastStatus != http.StatusNoContent || d.Event.Type != entitle.EventPing {
		t.Fatalf("ping: %+v %v", d, err)
	}
	got := h.recv["NOBODY"].take()
	if len(got) != 1 || got[0].verify != nil || got[0].env.Type != "ping" || string(got[0].env.Data) != fmt.Sprintf(`{"webhook":%d}`, h.hooks["NOBODY"].ID) {
		t.Fatalf("received %+v", got)
	}
	h.recv["NOBODY"].status = func(int, string) int { return http.StatusNotFound }
	if d, err := h.disp.Ping(h.ctx, h.hooks["NOBODY"].ID, "cli"); err != nil || d.State != entitle.DeliveryFailed || d.LastStatus != 404 {
		t.Errorf("failed ping: %+v %v", d, err)
	}
	if _, err := h.disp.Ping(h.ctx, 999, "cli"); !errors.Is(err, entitle.ErrNotFound) {
		t.Errorf("ping of nothing: %v", err)
	}
	h.clock.Advance(24 * time.Hour)
	if rep := h.run(); rep.Attempts != 0 {
		t.Errorf("a ping was retried: %+v", rep)
	}
}
