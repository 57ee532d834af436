package importer

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/entitle-portal/entitle"
	"github.com/google/go-cmp/cmp"
)

// dateEqual lets cmp compare entitle.Date, whose field is unexported.
var dateEqual = cmp.Comparer(func(a, b entitle.Date) bool { return a.String() == b.String() })

// want is an expected problem: its line and field exactly, and a part of its message.
type want struct {
	Line  int
	Field string
	Msg   string
}

// checkProblems fails t unless got are exactly the wanted problems of file, in order.
func checkProblems(t *testing.T, file string, got entitle.Problems, wants []want) {
	t.Helper()
	type where struct {
		File  string
		Line  int
		Field string
	}
	var gotW, wantW []where
	for _, p := range got {
		gotW = append(gotW, where{p.File, p.Line, p.Field})
	}
	for _, w := range wants {
		wantW = append(wantW, where{file, w.Line, w.Field})
	}
	if diff := cmp.Diff(wantW, gotW); diff != "" {
		t.Fatalf("problems (-want +got):\n%s\ngot:\n%v", diff, got)
	}
	for i, w := range wants {
		if !strings.Contains(got[i].Message, w.Msg) {
			t.Errorf("problem %d: message %q does not contain %q", i, got[i].Message, w.Msg)
		}
	}
}

// sampleBatch returns a deterministic, valid batch with n orders of two
// lines each, with the companies and MSAs they need, and the partner prices
// of their SKUs.
func sampleBatch(n int) entitle.Batch {
	var b entitle.Batch
	add := func(c entitle.Company) {
		b.Companies = append(b.Companies, entitle.Sourced[entitle.Company]{Record: c})
	}
	add(entitle.Company{Key: "VENDOR", Name: "The Vendor", Kind: entitle.KindVendor})
	const dists, custs = 5, 50
	for i := range dists {
		add(entitle.Company{Key: fmt.Sprintf("DIST-%d", i), Name: fmt.Sprintf("Distributor %d", i), Kind: entitle.KindDistributor})
		b.MSAs = append(b.MSAs, entitle.Sourced[entitle.MSA]{Record: entitle.MSA{
			Number: fmt.Sprintf("MSA-%d", i), Company: fmt.Sprintf("DIST-%d", i),
			Start: entitle.MustDate("2025-01-01"), End: entitle.MustDate("2029-12-31"),
		}})
	}
	for i := range custs {
		add(entitle.Company{Key: fmt.Sprintf("CUST-%d", i), Name: fmt.Sprintf("Customer \"%d\" GmbH & Co", i), Kind: entitle.KindCustomer})
	}
	add(entitle.Company{Key: "RES-1", Name: "Reseller One", Kind: entitle.KindReseller})
	add(entitle.Company{Key: "MSP-1", Name: "MSP Ünö", Kind: entitle.KindMSP})
	for j, cur := range []string{"EUR", "USD"} {
		for k := range 2 {
			b.Prices = append(b.Prices, entitle.Sourced[entitle.Price]{Record: entitle.Price{
				SKU: fmt.Sprintf("EBO-ENT-%dY", k+1), Currency: cur, PartnerPrice: entitle.Decimal([4]string{"96.00", "1599.60", "104", "1740.5"}[2*j+k]),
			}})
		}
	}
	start := entitle.MustDate("2026-01-01")
	for i := range n {
		d := i % dists
		o := entitle.Order{
			PONumber:         fmt.Sprintf("PO-%07d", i),
			MSA:              fmt.Sprintf("MSA-%d", d),
			OrderDate:        start.AddDays(i % 300),
			Currency:         "EUR",
			PurchasingEntity: fmt.Sprintf("DIST-%d", d),
			Owner:            fmt.Sprintf("CUST-%d", i%custs),
		}
		if i%2 == 0 {
			o.Resellers = []string{"RES-1"}
		}
		if i%3 == 0 {
			o.Installers = []string{"MSP-1"}
			o.InstallationSite = &entitle.Address{Name: "Plant 7", Address: "1 rue de la Paix\t75002 Paris", Country: "FR"}
		}
		if i%5 == 0 {
			o.BillTo = &entitle.Address{Name: "Accounts payable"}
		}
		for j := range 2 {
			ls := o.OrderDate.AddDays(15)
			o.Lines = append(o.Lines, entitle.Line{
				Line:           j + 1,
				SKU:            fmt.Sprintf("EBO-ENT-%dY", j+1),
				Description:    [2]string{"", "EcoStruxure Building Operation, 1 year — “enterprise”"}[j],
				Quantity:       int64(1 + (i+j)%50),
				UnitPrice:      entitle.Decimal([2]string{"120.00", "1999.5"}[j]),
				SubscriptionID: fmt.Sprintf("SUB-%07d-%d", i, j),
				StartDate:      ls,
				EndDate:        ls.AddDays(365*(j+1) - 1),
			})
		}
		b.Orders = append(b.Orders, entitle.Sourced[entitle.Order]{Record: o})
	}
	return b
}

// located returns b with every record placed in file at the line it has
// when b is written by WriteJSONL.
func located(b entitle.Batch, file string) entitle.Batch {
	line := 0
	var out entitle.Batch
	for _, c := range b.Companies {
		line++
		out.Companies = append(out.Companies, entitle.Sourced[entitle.Company]{File: file, Line: line, Record: c.Record})
	}
	for _, m := range b.MSAs {
		line++
		out.MSAs = append(out.MSAs, entitle.Sourced[entitle.MSA]{File: file, Line: line, Record: m.Record})
	}
	for _, p := range b.Prices {
		line++
		out.Prices = append(out.Prices, entitle.Sourced[entitle.Price]{File: file, Line: line, Record: p.Record})
	}
	for _, o := range b.Orders {
		line++
		out.Orders = append(out.Orders, entitle.Sourced[entitle.Order]{File: file, Line: line, Record: o.Record})
	}
	return out
}

// catalog is an entitle.Catalog with nothing recorded.
type catalog struct{}

func (catalog) Company(context.Context, string) (entitle.Company, bool, error) {
	return entitle.Company{}, false, nil
}
func (catalog) VendorKey(context.Context) (string, error) { return "", nil }
func (catalog) MSA(context.Context, string) (entitle.MSA, bool, error) {
	return entitle.MSA{}, false, nil
}
func (catalog) Order(context.Context, string, string) (entitle.Order, bool, error) {
	return entitle.Order{}, false, nil
}
func (catalog) SubscriptionOrder(context.Context, string) (string, string, bool, error) {
	return "", "", false, nil
}
