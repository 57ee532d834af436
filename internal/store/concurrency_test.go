package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/benchgen"
	"github.com/entitle-portal/entitle/internal/store"
	"github.com/entitle-portal/entitle/internal/store/storetest"
)

// TestConcurrentColdReads: a burst of concurrent reads on a freshly opened
// store (no company key cached yet, so every read resolves keys while its
// rows are open) completes. Key lookups once drew on the same pool as the
// reads holding their rows, and a burst larger than the pool waited forever.
func TestConcurrentColdReads(t *testing.T) {
	ctx := context.Background()
	today := entitle.MustDate("2026-06-01")
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	ds := benchgen.Generate(benchgen.Config{Scale: 0.002, Seed: 5, Today: today})
	path := storetest.DSN(t)
	db, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, ps, err := db.Import(ctx, ds.Batch, entitle.ImportOptions{}, now); err != nil || len(ps) > 0 {
		t.Fatal(err, ps)
	}
	if err := db.AddDelegations(ctx, ds.Delegations); err != nil {
		t.Fatal(err)
	}
	db.Close()

	for round := range 3 {
		db, err := store.Open(ctx, path) // cold caches
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		var wg sync.WaitGroup
		orders := ds.Batch.Orders
		for i := range 64 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				o := orders[(i*37+round)%len(orders)].Record
				sub := o.Lines[0].SubscriptionID
				// A get as a member of the reseller or the owner, an explanation, and a list.
				if _, err := db.Entitlement(ctx, sub, o.Owner); err != nil {
					t.Errorf("get %s: %v", sub, err)
				}
				if _, err := db.Entitlement(ctx, sub, ""); err != nil {
					t.Errorf("explain %s: %v", sub, err)
				}
				if _, err := db.List(ctx, entitle.Actor{Company: o.PurchasingEntity}, "", 50, entitle.ListFilter{}, now); err != nil {
					t.Errorf("list %s: %v", o.PurchasingEntity, err)
				}
			}()
		}
		wg.Wait()
		cancel()
		db.Close()
	}
}
