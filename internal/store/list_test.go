package store_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/benchgen"
	"github.com/entitle-portal/entitle/internal/policy"
	"github.com/entitle-portal/entitle/internal/policy/policytest"
	"github.com/entitle-portal/entitle/internal/store"
	"github.com/entitle-portal/entitle/internal/store/storetest"
)

// world is an in-memory copy of what was loaded into a store: the
// reference the store's row filter is compared with.
type world struct {
	orders      []entitle.Order
	delegations []entitle.Delegation
	vendor      string
	now         time.Time
	owners      map[string]string // subscription → owner, where a transfer changed it
}

// visible is what the policy shows company c on facts gathered in memory —
// all of them, no index involved: subscription → basis.
func (w world) visible(c entitle.Actor, basis entitle.Basis) map[string][]entitle.Basis {
	out := map[string][]entitle.Basis{}
	for _, o := range w.orders {
		for _, l := range o.Lines {
			owner := o.Owner
			if cur, ok := w.owners[l.SubscriptionID]; ok {
				owner = cur
			}
			roles := o.Assignments()
			for i := range roles {
				if roles[i].Role == entitle.RoleOwner {
					roles[i].Company = owner
				}
			}
			f := entitle.Facts{SubscriptionID: l.SubscriptionID, Owner: owner, PurchasingEntity: o.PurchasingEntity, Roles: roles}
			for _, d := range w.delegations {
				if d.Delegate == c.Company && d.Owner == owner {
					f.Delegations = append(f.Delegations, d)
				}
			}
			d := policy.Decide(c, policy.List, f, w.now)
			if d.Allowed && (basis == "" || slices.Contains(d.Basis, basis)) {
				out[l.SubscriptionID] = d.Basis
			}
		}
	}
	return out
}

// listAll pages through the store's list for c and applies the policy to each
// candidate, as the disclose service does. It fails unless the candidates of
// all pages together come strictly in the filter's order.
func listAll(t *testing.T, db *store.DB, c entitle.Actor, f entitle.ListFilter, limit int, now time.Time) (map[string][]entitle.Basis, int) {
	t.Helper()
	out := map[string][]entitle.Basis{}
	after, pages := "", 0
	var prev *entitle.Entitlement
	for {
		page, err := db.List(context.Background(), c, after, limit, f, now)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(page.Candidates) > limit {
			t.Fatalf("page of %d candidates for limit %d", len(page.Candidates), limit)
		}
		for _, cand := range page.Candidates {
			sub := cand.Entitlement.SubscriptionID
			if prev != nil && !inOrder(f.Order, *prev, cand.Entitlement) {
				t.Fatalf("order %q: %s (ends %s) comes after %s (ends %s)", f.Order, sub, cand.Entitlement.EndDate,
					prev.SubscriptionID, prev.EndDate)
			}
			prev = &cand.Entitlement
			if _, dup := out[sub]; dup {
				t.Fatalf("candidate %s listed twice", sub)
			}
			d := policy.Decide(c, policy.List, cand.Facts, now)
			if !d.Allowed {
				t.Errorf("%s: the store offered %s, which the policy denies: the row filter is wider than the rules", c.Company, sub)
				continue
			}
			if f.Basis == "" || slices.Contains(d.Basis, f.Basis) {
				out[sub] = d.Basis
			}
		}
		if !page.More {
			if page.Next != "" {
				t.Fatalf("no more pages, yet a cursor %q", page.Next)
			}
			return out, pages
		}
		if page.Next == "" || page.Next == after {
			t.Fatalf("cursor %q does not advance from %q", page.Next, after)
		}
		after = page.Next
	}
}

// inOrder reports whether a comes strictly before b in order o.
func inOrder(o entitle.ListOrder, a, b entitle.Entitlement) bool {
	bySub := cmp.Compare(a.SubscriptionID, b.SubscriptionID)
	byEnd := cmp.Or(cmp.Compare(a.EndDate.String(), b.EndDate.String()), bySub)
	switch o {
	case entitle.ByEndDate:
		return byEnd < 0
	case entitle.ByEndDateDesc:
		return byEnd > 0
	}
	return bySub < 0
}

func diffLists(got, want map[string][]entitle.Basis) string {
	var out []string
	for sub, b := range want {
		if g, ok := got[sub]; !ok {
			out = append(out, "missing "+sub)
		} else if !slices.Equal(g, b) {
			out = append(out, fmt.Sprintf("%s: basis %v, want %v", sub, g, b))
		}
	}
	for sub := range got {
		if _, ok := want[sub]; !ok {
			out = append(out, "extra "+sub)
		}
	}
	slices.Sort(out)
	if len(out) > 10 {
		out = append(out[:10], fmt.Sprintf("… and %d more", len(out)-10))
	}
	return fmt.Sprint(out)
}

var basisFilters = append([]entitle.Basis{""}, entitle.Bases...)

// TestListAgreesWithPolicyOnScenarios: for every scenario, every company
// and every basis filter, the store's list (its index ranges, delegations
// and paging) offers exactly the entitlements the policy allows on complete
// in-memory facts, with the same basis.
func TestListAgreesWithPolicyOnScenarios(t *testing.T) {
	scenarios, err := policytest.LoadAll("../policy/testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range scenarios {
		t.Run(s.Name, func(t *testing.T) {
			db := storetest.New(t)
			mustImport(t, db, s.Batch(), s.Now)
			if err := db.AddDelegations(context.Background(), s.Delegations); err != nil {
				t.Fatal(err)
			}
			w := world{delegations: s.Delegations, vendor: s.Vendor, now: s.Now}
			for _, o := range s.Batch().Orders {
				w.orders = append(w.orders, o.Record)
			}
			for _, company := range s.Companies() {
				c := entitle.Actor{Company: company, Vendor: company == s.Vendor}
				for _, b := range basisFilters {
					for _, limit := range []int{1, 2, 500} {
						for _, o := range entitle.ListOrders {
							got, _ := listAll(t, db, c, entitle.ListFilter{Basis: b, Order: o}, limit, s.Now)
							if want := w.visible(c, b); len(got) != len(want) || diffLists(got, want) != "[]" {
								t.Errorf("%s, basis %q, limit %d, order %q: %s", company, b, limit, o, diffLists(got, want))
							}
						}
					}
				}
			}
		})
	}
}

// TestListAgreesWithPolicyOnGeneratedChannel does the same on a small
// generated channel: thousands of entitlements, skewed resellers, direct
// orders, installers, and delegations of every kind (listed, all, expired,
// revoked), with filters on SKU, status and end date too.
func TestListAgreesWithPolicyOnGeneratedChannel(t *testing.T) {
	today := entitle.MustDate("2026-03-15")
	now := today.Time().Add(12 * time.Hour)
	ds := benchgen.Generate(benchgen.Config{Scale: 0.004, Seed: 7, Today: today})
	db := storetest.New(t)
	mustImport(t, db, ds.Batch, now)
	if err := db.AddDelegations(context.Background(), ds.Delegations); err != nil {
		t.Fatal(err)
	}
	w := world{delegations: ds.Delegations, vendor: "VENDOR", now: now}
	for _, o := range ds.Batch.Orders {
		w.orders = append(w.orders, o.Record)
	}
	// Every distributor and reseller, every delegate, some customers, the
	// outsider and the vendor.
	companies := map[string]bool{"VENDOR": true, ds.Probes.Outsider: true, ds.Probes.SmallCustomer: true}
	for _, c := range ds.Batch.Companies {
		if c.Record.Kind != entitle.KindCustomer || len(companies) < 60 {
			companies[c.Record.Key] = true
		}
	}
	for _, d := range ds.Delegations {
		companies[d.Delegate] = true
	}
	sku := ds.Batch.Orders[0].Record.Lines[0].SKU
	filters := []entitle.ListFilter{{}, {Basis: entitle.BasisDelegate}, {Basis: entitle.BasisReseller}, {SKU: sku},
		{Status: entitle.StatusActive, Today: today}, {Status: entitle.StatusExpired, Today: today}, {Status: entitle.StatusFuture, Today: today},
		{ExpiresBefore: today.AddDays(200)}, {Order: entitle.ByEndDate}, {Order: entitle.ByEndDateDesc},
		{Basis: entitle.BasisDelegate, Order: entitle.ByEndDate}, {Status: entitle.StatusActive, Today: today, Order: entitle.ByEndDateDesc}}
	n := 0
	for company := range companies {
		c := entitle.Actor{Company: company, Vendor: company == "VENDOR"}
		for fi, f := range filters {
			if fi > 0 && n%5 != 0 {
				continue // every filter on a fifth of the companies keeps the test quick
			}
			got, _ := listAll(t, db, c, f, 7, now)
			want := w.visible(c, f.Basis)
			for sub := range want {
				if !matches(w, sub, f) {
					delete(want, sub)
				}
			}
			if d := diffLists(got, want); d != "[]" {
				t.Errorf("%s, filter %+v: %s", company, f, d)
			}
		}
		n++
	}
}

func matches(w world, sub string, f entitle.ListFilter) bool {
	for _, o := range w.orders {
		for _, l := range o.Lines {
			if l.SubscriptionID != sub {
				continue
			}
			e := o.Entitlements()[slices.IndexFunc(o.Lines, func(x entitle.Line) bool { return x.SubscriptionID == sub })]
			return (f.SKU == "" || e.SKU == f.SKU) &&
				(f.Status == "" || e.StatusOn(f.Today) == f.Status) &&
				(f.ExpiresBefore.IsZero() || e.EndDate.Before(f.ExpiresBefore))
		}
	}
	return false
}

// TestListCostFollowsThePage: a page of 10 reads a bounded number of rows
// whatever the company's size — checked by asking for pages deep in a long
// list and seeing each returns at most the page.
func TestListPagesAreStable(t *testing.T) {
	today := entitle.MustDate("2026-03-15")
	now := today.Time()
	ds := benchgen.Generate(benchgen.Config{Scale: 0.002, Seed: 3, Today: today})
	db := storetest.New(t)
	mustImport(t, db, ds.Batch, now)
	c := entitle.Actor{Company: "VENDOR", Vendor: true}
	total := 0
	for _, o := range ds.Batch.Orders {
		total += len(o.Record.Lines)
	}
	for _, o := range entitle.ListOrders {
		all, pages := listAll(t, db, c, entitle.ListFilter{Order: o}, 10, now)
		if len(all) != total {
			t.Fatalf("order %q: vendor lists %d of %d entitlements", o, len(all), total)
		}
		if want := (total + 9) / 10; pages < want || pages > want+1 {
			t.Errorf("order %q: %d pages for %d entitlements at 10 a page", o, pages, total)
		}
	}
}

// TestListRefusesForeignCursors: a cursor that is no position in the list's
// order is the caller's error (CodeInvalid), never a database error.
func TestListRefusesForeignCursors(t *testing.T) {
	db := storetest.New(t)
	now := time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)
	c := entitle.Actor{Company: "VENDOR", Vendor: true}
	for _, tc := range []struct {
		order entitle.ListOrder
		after string
	}{
		{entitle.ByEndDate, "SUB-1"}, {entitle.ByEndDate, "2026-13-01 SUB-1"}, {entitle.ByEndDateDesc, "2026-01-01"},
		{entitle.ByEndDateDesc, "2026-01-01 "}, {"size", ""},
	} {
		_, err := db.List(context.Background(), c, tc.after, 10, entitle.ListFilter{Order: tc.order}, now)
		if e, ok := errors.AsType[*entitle.Error](err); !ok || e.Code != entitle.CodeInvalid {
			t.Errorf("order %q after %q: %v, want an invalid-input error", tc.order, tc.after, err)
		}
	}
}

func mustImport(t *testing.T, db *store.DB, b entitle.Batch, now time.Time) entitle.ImportResult {
	t.Helper()
	res, problems, err := db.Import(context.Background(), b, entitle.ImportOptions{}, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 {
		t.Fatalf("import problems: %v", problems)
	}
	return res
}

// TestListByEndDateMigration: migration 12 copies every end date into the
// list index and the delegation items of a store that already holds a
// channel (taken down to version 11 and up again here), after which every
// company's list by end date holds exactly what its list by subscription
// does, in end-date order.
func TestListByEndDateMigration(t *testing.T) {
	ctx := context.Background()
	today := entitle.MustDate("2026-03-15")
	now := today.Time().Add(12 * time.Hour)
	ds := benchgen.Generate(benchgen.Config{Scale: 0.002, Seed: 5, Today: today})
	dsn := storetest.DSN(t)
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	mustImport(t, db, ds.Batch, now)
	if err := db.AddDelegations(ctx, ds.Delegations); err != nil {
		t.Fatal(err)
	}
	db.Close()

	raw, _ := rawDB(t, dsn)
	if _, err := migrator(t, raw).DownTo(ctx, 11); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := raw.QueryRow(`SELECT count(*) FROM entitlement_access`).Scan(&n); err != nil || n == 0 {
		t.Fatalf("version 11 holds %d rows of the list index (%v)", n, err)
	}
	db, err = store.Open(ctx, dsn) // migrates up again
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var blank int
	if err := raw.QueryRow(`SELECT (SELECT count(*) FROM entitlement_access WHERE end_date = '') + (SELECT count(*) FROM delegation_items WHERE end_date = '')`).Scan(&blank); err != nil || blank != 0 {
		t.Fatalf("%d rows without an end date after the migration (%v)", blank, err)
	}
	companies := []string{"VENDOR", ds.Probes.LargestReseller, ds.Probes.LargestDistributor, ds.Probes.SmallCustomer}
	for _, d := range ds.Delegations {
		companies = append(companies, d.Delegate)
	}
	for _, company := range companies {
		c := entitle.Actor{Company: company, Vendor: company == "VENDOR"}
		want, _ := listAll(t, db, c, entitle.ListFilter{}, 50, now)
		for _, o := range []entitle.ListOrder{entitle.ByEndDate, entitle.ByEndDateDesc} {
			got, _ := listAll(t, db, c, entitle.ListFilter{Order: o}, 7, now)
			if d := diffLists(got, want); d != "[]" {
				t.Errorf("%s by %s after the migration: %s", company, o, d)
			}
		}
	}
}
