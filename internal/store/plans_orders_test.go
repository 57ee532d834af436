package store_test

import (
	"context"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/benchgen"
	"github.com/entitle-portal/entitle/internal/store"
)

// ordersAndFilters runs, through do, the user-facing reads of issue 14's
// My orders and filters (userFacing calls it): a purchasing entity's
// orders and the vendor's, with filters and a second page; the vendor's
// list by company; the audit trail by user, action, object and dates.
func ordersAndFilters(do func(string, func() error), db *store.DB, ds *benchgen.Dataset, now time.Time) {
	ctx := context.Background()
	p := ds.Probes
	vendor, _ := db.VendorKey(ctx)
	today := entitle.DateOf(now)
	for name, f := range map[string]entitle.OrderFilter{
		"largest distributor":                   {PurchasingEntity: p.LargestDistributor},
		"largest distributor, dates, PO prefix": {PurchasingEntity: p.LargestDistributor, From: today.AddDays(-400), To: today.AddDays(-30), POPrefix: "po"},
		"vendor":                                {},
	} {
		do("list orders, "+name+", second page", func() error {
			first, err := db.Orders(ctx, f, "", 5)
			if err != nil || first.Next == "" {
				return err
			}
			_, err = db.Orders(ctx, f, first.Next, 5)
			return err
		})
	}
	do("list first page, vendor, by company", func() error {
		_, err := db.List(ctx, entitle.Actor{Company: vendor, Vendor: true}, "", 100, entitle.ListFilter{Company: p.LargestReseller}, now)
		return err
	})
	for name, f := range map[string]entitle.AuditFilter{
		"user": {Actor: "someone@example.com"}, "action": {Action: "entitlement.get"}, "object": {Object: "SUB-1"},
		"dates": {From: today.AddDays(-7), To: today},
	} {
		for _, company := range []string{p.LargestReseller, ""} {
			do("audit by "+name+" of "+map[bool]string{true: "every company", false: "a company"}[company == ""], func() error {
				_, err := db.FindAuditEvents(ctx, company, f, 0, true, 50)
				return err
			})
		}
	}
}
