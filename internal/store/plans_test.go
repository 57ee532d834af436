package store_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/auth"
	"github.com/entitle-portal/entitle/internal/benchgen"
	"github.com/entitle-portal/entitle/internal/store"
	"github.com/entitle-portal/entitle/internal/store/storetest"
)

// bigTables are the tables that grow with the channel: no user-facing
// question may read one of them whole.
var bigTables = []string{"companies", "entitlements", "orders", "order_roles", "entitlement_access", "delegations",
	"delegation_items", "users", "api_tokens", "sessions", "audit_events", "msas", "invitations", "renewal_requests", "transfers"}

// userFacing runs every user-facing read of the store once for the probes
// of a generated channel, with tracing on, and returns what ran, labelled.
func userFacing(t testing.TB, db *store.DB, ds *benchgen.Dataset, now time.Time) map[string][]store.Statement {
	t.Helper()
	ctx := context.Background()
	out := map[string][]store.Statement{}
	var label string
	stop := db.Trace(func(s store.Statement) { out[label] = append(out[label], s) })
	defer stop()
	do := func(l string, f func() error) {
		label = l
		if err := f(); err != nil && err != entitle.ErrNotFound {
			t.Fatalf("%s: %v", l, err)
		}
	}
	p := ds.Probes
	allowed, denied := p.AllowedGets[0], p.DeniedGets[0]
	do("get (allowed)", func() error { _, err := db.Entitlement(ctx, allowed.SubscriptionID, allowed.Company); return err })
	do("get (denied)", func() error { _, err := db.Entitlement(ctx, denied.SubscriptionID, denied.Company); return err })
	do("access (explain)", func() error { _, err := db.Entitlement(ctx, allowed.SubscriptionID, ""); return err })
	for name, co := range map[string]string{"largest reseller": p.LargestReseller, "largest distributor": p.LargestDistributor,
		"small customer": p.SmallCustomer, "outsider": p.Outsider} {
		do("list first page, "+name, func() error {
			_, err := db.List(ctx, entitle.Actor{Company: co}, "", 100, entitle.ListFilter{}, now)
			return err
		})
	}
	do("list first page, vendor", func() error {
		vendor, _ := db.VendorKey(ctx)
		_, err := db.List(ctx, entitle.Actor{Company: vendor, Vendor: true}, "", 100, entitle.ListFilter{}, now)
		return err
	})
	do("list filtered (role, sku, status, expires_before)", func() error {
		_, err := db.List(ctx, entitle.Actor{Company: p.LargestReseller}, "", 100, entitle.ListFilter{Basis: entitle.BasisReseller,
			// The rarest SKU: the filter a planner is most tempted to answer by reading everything.
			SKU: "NO-SUCH-SKU", Status: entitle.StatusActive, Today: entitle.DateOf(now), ExpiresBefore: entitle.DateOf(now).AddDays(90)}, now)
		return err
	})
	// A search (q) on each kind of list: it narrows the company's own index
	// ranges, with the owner's name and site matched by lookups of each
	// row's owner and order (search.go).
	for name, c := range map[string]entitle.Actor{"largest reseller": {Company: p.LargestReseller}, "small customer": {Company: p.SmallCustomer},
		"vendor":             {Company: func() string { v, _ := db.VendorKey(ctx); return v }(), Vendor: true},
		"all-scope delegate": {Company: delegateOf(t, ds, true, now)}, "listed delegate": {Company: delegateOf(t, ds, false, now)}} {
		do("list searched (q), "+name, func() error {
			bases := entitle.BasisSetOf(entitle.BasisOwner)
			if c.Vendor {
				bases = entitle.BasisSetOf(entitle.Bases...)
			}
			_, err := db.List(ctx, c, "", 100, entitle.ListFilter{Search: entitle.Search{Text: "No_Such%Text", OwnerBases: bases}}, now)
			return err
		})
	}
	// A delegate of each scope.
	for _, scope := range []string{"all-scope", "listed"} {
		delegate := delegateOf(t, ds, scope == "all-scope", now)
		do("list first page, "+scope+" delegate", func() error {
			_, err := db.List(ctx, entitle.Actor{Company: delegate}, "", 100, entitle.ListFilter{}, now)
			return err
		})
	}
	// Sorted by end date, both ways, and a page after the first: each branch
	// reads its own (…, end_date, subscription_id) index.
	vendor, _ := db.VendorKey(ctx)
	for _, order := range []entitle.ListOrder{entitle.ByEndDate, entitle.ByEndDateDesc} {
		for name, c := range map[string]entitle.Actor{"largest reseller": {Company: p.LargestReseller}, "vendor": {Company: vendor, Vendor: true},
			"all-scope delegate": {Company: delegateOf(t, ds, true, now)}, "listed delegate": {Company: delegateOf(t, ds, false, now)}} {
			do("list by "+string(order)+", second page, "+name, func() error {
				first, err := db.List(ctx, c, "", 20, entitle.ListFilter{Order: order}, now)
				if err != nil || first.Next == "" {
					return err
				}
				_, err = db.List(ctx, c, first.Next, 20, entitle.ListFilter{Order: order}, now)
				return err
			})
		}
	}
	o := ds.Batch.Orders[len(ds.Batch.Orders)/2].Record
	do("order by PO", func() error {
		rec, _, err := db.OrderByPO(ctx, o.PurchasingEntity, o.PONumber)
		if err == nil {
			_, err = db.OwnerViews(ctx, []int64{rec.ID})
		}
		return err
	})
	do("order by PO (not the caller's)", func() error { _, _, err := db.OrderByPO(ctx, o.Owner, o.PONumber); return err })
	do("token", func() error { _, _, err := db.UserByToken(ctx, auth.HashToken("ent_unknown"), now); return err })
	do("session", func() error { _, _, err := db.UserBySession(ctx, auth.HashToken("unknown"), now); return err })
	do("delegations", func() error { _, _, err := db.Delegations(ctx, o.Owner); return err })
	do("audit", func() error { _, err := db.AuditEvents(ctx, o.Owner, 0, 100); return err })
	// The co-workers and lifecycle pages.
	do("company users", func() error { _, err := db.CompanyUsers(ctx, o.Owner, "", 100); return err })
	do("open invitations", func() error { _, err := db.OpenInvitations(ctx, o.Owner, 0, 0, 100); return err })
	do("renewal requests received", func() error { _, err := db.RenewalRequests(ctx, p.LargestReseller, false, true, 0, 100); return err })
	do("renewal requests sent", func() error { _, err := db.RenewalRequests(ctx, o.Owner, true, false, 0, 100); return err })
	do("transfers received", func() error { _, err := db.Transfers(ctx, o.Owner, false, 0, 100); return err })
	do("transfers sent", func() error { _, err := db.Transfers(ctx, o.Owner, true, 0, 100); return err })
	do("partners of record (sold via)", func() error {
		rec, _, err := db.OrderByPO(ctx, o.PurchasingEntity, o.PONumber)
		if err == nil {
			_, err = db.PartnersOf(ctx, []int64{rec.ID})
		}
		return err
	})
	do("partner directory", func() error { _, err := db.Directory(ctx); return err })
	ordersAndFilters(do, db, ds, now)
	return out
}

// delegateOf is the delegate of the channel's first delegation of that
// scope in force at now.
func delegateOf(t testing.TB, ds *benchgen.Dataset, all bool, now time.Time) string {
	t.Helper()
	i := slices.IndexFunc(ds.Delegations, func(d entitle.Delegation) bool { return d.All() == all && d.ActiveAt(now) })
	if i < 0 {
		t.Fatalf("no delegation with all=%v in force in the channel", all)
	}
	return ds.Delegations[i].Delegate
}

// TestPlansUseIndexes: every statement of every user-facing question can be
// answered through indexes — no whole read of a table that grows with the
// channel. On PostgreSQL sequential scans are disabled for the check, so
// that on this small channel the plan shows whether an index path exists;
// BENCHMARKS.md has the plans on the large channel, where the planner
// chooses freely.
func TestPlansUseIndexes(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	ds := benchgen.Generate(benchgen.Config{Scale: 0.002, Seed: 11, Today: entitle.DateOf(now)})
	db := storetest.New(t)
	if _, ps, err := db.Import(ctx, ds.Batch, entitle.ImportOptions{}, now); err != nil || len(ps) > 0 {
		t.Fatal(err, ps)
	}
	if err := db.AddDelegations(ctx, ds.Delegations); err != nil {
		t.Fatal(err)
	}
	// The check itself: a query with no usable index is caught.
	plan, err := db.Explain(ctx, store.Statement{Query: `SELECT subscription_id FROM entitlements WHERE description = 'X'`}, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(db.FullScans(plan, bigTables...)) == 0 {
		t.Fatalf("a search by description (no index) is not reported as a full scan:\n%s", plan)
	}
	checkPlans(t, db, userFacing(t, db, ds, now), true)
}

// checkPlans explains every statement that ran (in label order) and fails
// on any whole read of a big table. It logs a summary line per statement
// and, with ENTITLE_SHOW_PLANS=1, prints the plans.
func checkPlans(t *testing.T, db *store.DB, ran map[string][]store.Statement, indexOnly bool) {
	t.Helper()
	labels := make([]string, 0, len(ran))
	for l := range ran {
		labels = append(labels, l)
	}
	slices.Sort(labels)
	for _, l := range labels {
		for i, s := range ran[l] {
			plan, err := db.Explain(context.Background(), s, indexOnly)
			if err != nil {
				t.Fatal(err)
			}
			if os.Getenv("ENTITLE_SHOW_PLANS") != "" {
				fmt.Printf("== %s #%d\n%s\n%s\n\n", l, i+1, strings.Join(strings.Fields(s.Query), " "), plan)
			}
			t.Logf("%-50s #%d  %s", l, i+1, summary(plan))
			if scans := db.FullScans(plan, bigTables...); len(scans) > 0 {
				t.Errorf("%s #%d reads a whole table: %s\n%s\n%s", l, i+1, strings.Join(scans, "; "), s.Query, plan)
			}
			// A page of a list is read in index order, never sorted.
			if strings.HasPrefix(l, "list") && strings.Contains(s.Query, "LIMIT") {
				if sorts := db.Sorts(plan); len(sorts) > 0 {
					t.Errorf("%s #%d sorts its range instead of reading an index in order: %s\n%s\n%s", l, i+1, strings.Join(sorts, "; "), s.Query, plan)
				}
			}
		}
	}
}

// TestAuditFilterPlans: a company's audit trail filtered by user or object
// reads that user's or object's index range (00026 dropped the per-company
// filter indexes, which every disclosure paid for), by action its own
// range; the vendor's filtered by action, the action's range.
func TestAuditFilterPlans(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	for _, c := range []struct {
		company string
		f       entitle.AuditFilter
		index   string
	}{
		{"ACME", entitle.AuditFilter{Actor: "ann@acme.example"}, "audit_events_actor"},
		{"ACME", entitle.AuditFilter{Object: "SUB-1"}, "audit_events_object"},
		{"ACME", entitle.AuditFilter{Object: "SUB-1", Action: "entitlement.get"}, "audit_events_object"},
		{"ACME", entitle.AuditFilter{Action: "entitlement.get"}, "audit_events_company"},
		{"", entitle.AuditFilter{Action: "entitlement.get"}, "audit_events_action"},
	} {
		var ran []store.Statement
		stop := db.Trace(func(s store.Statement) { ran = append(ran, s) })
		_, err := db.FindAuditEvents(ctx, c.company, c.f, 0, true, 50)
		stop()
		if err != nil {
			t.Fatal(err)
		}
		var found bool
		for _, s := range ran {
			if !strings.Contains(s.Query, "FROM audit_events") {
				continue
			}
			found = true
			plan, err := db.Explain(ctx, s, true)
			if err != nil {
				t.Fatal(err)
			}
			if !regexp.MustCompile(`\b` + c.index + `\b`).MatchString(plan) {
				t.Errorf("company %q, %+v: the plan does not read %s:\n%s\n%s", c.company, c.f, c.index, s.Query, plan)
			}
		}
		if !found {
			t.Fatalf("company %q, %+v: no query of audit_events ran: %v", c.company, c.f, ran)
		}
	}
}
