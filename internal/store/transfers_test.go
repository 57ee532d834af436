package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
	"github.com/entitle-portal/entitle/internal/policy/policytest"
	"github.com/entitle-portal/entitle/internal/store"
	"github.com/entitle-portal/entitle/internal/store/storetest"
)

// basicsWithNewco loads the basics scenario and NEWCO, a company with no
// role yet, to transfer entitlements to.
func basicsWithNewco(t *testing.T) (*policytest.Scenario, *store.DB) {
	t.Helper()
	s, err := policytest.Load("../policy/testdata/basics.txt")
	if err != nil {
		t.Fatal(err)
	}
	db := storetest.New(t)
	b := s.Batch()
	b.Companies = append(b.Companies, entitle.Sourced[entitle.Company]{Record: entitle.Company{Key: "NEWCO", Name: "New Owner", Kind: entitle.KindCustomer}})
	mustImport(t, db, b, s.Now)
	return s, db
}

// transfer moves sub from its owner to to directly (the vendor's move).
func transfer(t *testing.T, db *store.DB, sub, from, to string, now time.Time) {
	t.Helper()
	_, err := db.OfferTransfer(context.Background(), entitle.Transfer{SubscriptionID: sub, From: from, To: to, CreatedAt: now, CreatedBy: "test",
		ExpiresAt: now.Add(time.Hour)}, true, entitle.AuditEvent{At: now, Action: "transfer.direct", Outcome: "ok"})
	if err != nil {
		t.Fatalf("transfer %s %s→%s: %v", sub, from, to, err)
	}
}

// TestListAgreesWithPolicyAfterTransfers: after ownership transfers — to a
// new company, to a company holding another role on the order, and back —
// the list index, the facts of a get and the policy on complete in-memory
// facts agree for every company and basis filter.
func TestListAgreesWithPolicyAfterTransfers(t *testing.T) {
	scenarios, err := policytest.LoadAll("../policy/testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range scenarios {
		t.Run(s.Name, func(t *testing.T) {
			db := storetest.New(t)
			b := s.Batch()
			b.Companies = append(b.Companies, entitle.Sourced[entitle.Company]{Record: entitle.Company{Key: "NEWCO", Name: "New Owner", Kind: entitle.KindCustomer}})
			mustImport(t, db, b, s.Now)
			if err := db.AddDelegations(context.Background(), s.Delegations); err != nil {
				t.Fatal(err)
			}
			w := world{delegations: s.Delegations, vendor: s.Vendor, now: s.Now, owners: map[string]string{}}
			for _, o := range b.Orders {
				w.orders = append(w.orders, o.Record)
			}
			// Line 1 of every order goes to NEWCO; line 2 to the order's
			// purchasing entity (a company with another role), when it is
			// not the owner already.
			for _, o := range w.orders {
				for i, l := range o.Lines {
					to := "NEWCO"
					if i == 1 {
						to = o.PurchasingEntity
					}
					if i > 1 || to == o.Owner {
						continue
					}
					transfer(t, db, l.SubscriptionID, o.Owner, to, s.Now)
					w.owners[l.SubscriptionID] = to
				}
			}
			companies := append(s.Companies(), "NEWCO")
			for _, company := range companies {
				c := entitle.Actor{Company: company, Vendor: company == s.Vendor}
				for _, basis := range basisFilters {
					got, _ := listAll(t, db, c, entitle.ListFilter{Basis: basis}, 2, s.Now)
					if want := w.visible(c, basis); diffLists(got, want) != "[]" {
						t.Errorf("%s, basis %q: %s", company, basis, diffLists(got, want))
					}
				}
				// A get decides on the same facts.
				want := w.visible(c, "")
				for _, o := range w.orders {
					for _, l := range o.Lines {
						cand, err := db.Entitlement(context.Background(), l.SubscriptionID, company)
						if err != nil {
							t.Fatal(err)
						}
						d := policy.Decide(c, policy.Get, cand.Facts, s.Now)
						if _, ok := want[l.SubscriptionID]; ok != d.Allowed {
							t.Errorf("%s get %s: allowed %v, want %v", company, l.SubscriptionID, d.Allowed, ok)
						}
					}
				}
			}
		})
	}
}

// TestConcurrentTransferAnswers: an offer accepted by many at once moves the
// ownership once; the others are told it was accepted already.
func TestConcurrentTransferAnswers(t *testing.T) {
	s, db := basicsWithNewco(t)
	ctx := context.Background()
	offer, err := db.OfferTransfer(ctx, entitle.Transfer{SubscriptionID: "S-100", From: "PLANT", To: "NEWCO", CreatedAt: s.Now, CreatedBy: "a@plant.example",
		ExpiresAt: s.Now.Add(time.Hour)}, false, entitle.AuditEvent{At: s.Now, Action: "transfer.offer", Outcome: "ok"})
	if err != nil {
		t.Fatal(err)
	}
	// A second offer of the same entitlement waits for the first.
	if _, err := db.OfferTransfer(ctx, entitle.Transfer{SubscriptionID: "S-100", From: "PLANT", To: "SHOP", CreatedAt: s.Now, CreatedBy: "a@plant.example",
		ExpiresAt: s.Now.Add(time.Hour)}, false, entitle.AuditEvent{At: s.Now, Action: "transfer.offer", Outcome: "ok"}); !errors.Is(err, entitle.ErrTransferPending) {
		t.Errorf("a second open offer: %v", err)
	}
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = db.DecideTransfer(ctx, offer.ID, func(entitle.Transfer) error { return nil }, entitle.TransferAccepted, "b@newco.example",
				s.Now, entitle.AuditEvent{At: s.Now, Action: "transfer.accept", Outcome: "ok"})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		}
	}
	if ok != 1 {
		t.Fatalf("%d accepts succeeded, want 1: %v", ok, errs)
	}
	cand, err := db.Entitlement(ctx, "S-100", "NEWCO")
	if err != nil || cand.Entitlement.Owner != "NEWCO" {
		t.Errorf("owner after the accept: %q %v", cand.Entitlement.Owner, err)
	}
	// PLANT no longer owns it: it can offer it no more.
	if _, err := db.OfferTransfer(ctx, entitle.Transfer{SubscriptionID: "S-100", From: "PLANT", To: "SHOP", CreatedAt: s.Now, CreatedBy: "a@plant.example",
		ExpiresAt: s.Now.Add(time.Hour)}, false, entitle.AuditEvent{At: s.Now, Action: "transfer.offer", Outcome: "ok"}); !errors.Is(err, entitle.ErrNotOwner) {
		t.Errorf("the former owner offers: %v", err)
	}
}

// TestTransferClosesRenewalRequests: when an entitlement changes hands, the
// open (and quoted) renewal requests of its former owner close as
// transferred — by an accepted offer as by the vendor's direct move — and
// closed ones stay as they were; the new owner may ask anew at once.
func TestTransferClosesRenewalRequests(t *testing.T) {
	s, db := basicsWithNewco(t)
	ctx := context.Background()
	request := func(sub, from, to, route string) entitle.RenewalRequest {
		t.Helper()
		r, err := db.CreateRenewalRequest(ctx, entitle.RenewalRequest{SubscriptionID: sub, Requester: from, RequestedBy: "a@" + from, Route: route,
			Recipient: to, CreatedAt: s.Now}, entitle.AuditEvent{At: s.Now, Action: "renewal.request", Outcome: "ok"})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	answer := func(id int64, status string) {
		t.Helper()
		if _, err := db.UpdateRenewalRequest(ctx, id, func(entitle.RenewalRequest) error { return nil }, status, nil, "b@shop",
			s.Now, entitle.AuditEvent{At: s.Now, Action: "renewal." + status, Outcome: "ok"}); err != nil {
			t.Fatal(err)
		}
	}
	open := request("S-100", "PLANT", "SHOP", entitle.RoutePartnerOfRecord)
	quoted := request("S-100", "PLANT", "MAKER", entitle.RouteDirect)
	answer(quoted.ID, entitle.RenewalQuoted)
	won := request("S-101", "PLANT", "SHOP", entitle.RoutePartnerOfRecord)
	answer(won.ID, entitle.RenewalWon)
	other := request("S-101", "PLANT", "MAKER", entitle.RouteDirect) // another entitlement: stays open

	// An offer accepted by NEWCO moves S-100; the vendor moves S-101.
	offer, err := db.OfferTransfer(ctx, entitle.Transfer{SubscriptionID: "S-100", From: "PLANT", To: "NEWCO", CreatedAt: s.Now, CreatedBy: "a@plant",
		ExpiresAt: s.Now.Add(time.Hour)}, false, entitle.AuditEvent{At: s.Now, Action: "transfer.offer", Outcome: "ok"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.DecideTransfer(ctx, offer.ID, func(entitle.Transfer) error { return nil }, entitle.TransferAccepted, "b@newco", s.Now,
		entitle.AuditEvent{At: s.Now, Action: "transfer.accept", Outcome: "ok"}); err != nil {
		t.Fatal(err)
	}
	status := func(id int64) string {
		t.Helper()
		r, err := db.RenewalRequest(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return r.Status
	}
	for _, tc := range []struct {
		r    entitle.RenewalRequest
		want string
	}{{open, entitle.RenewalTransferred}, {quoted, entitle.RenewalTransferred}, {won, entitle.RenewalWon}, {other, entitle.RenewalOpen}} {
		if got := status(tc.r.ID); got != tc.want {
			t.Errorf("request %d (%s to %s): %s after the accepted offer, want %s", tc.r.ID, tc.r.SubscriptionID, tc.r.Recipient, got, tc.want)
		}
	}
	// Closed requests wait for nothing: the new owner asks the same partner.
	request("S-100", "NEWCO", "SHOP", entitle.RoutePartnerOfRecord)
	// The vendor's direct move closes S-101's open request too.
	transfer(t, db, "S-101", "PLANT", "NEWCO", s.Now)
	if got := status(other.ID); got != entitle.RenewalTransferred {
		t.Errorf("after the direct move: %s, want %s", got, entitle.RenewalTransferred)
	}
	if got := status(won.ID); got != entitle.RenewalWon {
		t.Errorf("a won request after the direct move: %s", got)
	}
	// The former owner's list still holds its requests, closed.
	sent, err := db.RenewalRequests(ctx, "PLANT", true, true, 0, 10)
	if err != nil || len(sent) != 0 {
		t.Errorf("PLANT's open requests: %v %v", sent, err)
	}
}
