package policy_test

import (
	"slices"
	"testing"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
)

// TestSearchFields: cell by cell (each basis alone × each way of asking),
// the fields a search may match are those the decision discloses: the
// entitlement information to every basis, the owner's name and site to the
// owner and the vendor only (R4), nothing where nothing is seen.
func TestSearchFields(t *testing.T) {
	const info = policy.FieldSubscription | policy.FieldSKU | policy.FieldPO
	const names = policy.FieldOwner | policy.FieldSite
	want := map[entitle.Basis]policy.Field{
		entitle.BasisDelegate: info, entitle.BasisInstaller: info, entitle.BasisReseller: info,
		entitle.BasisPurchasingEntity: info, entitle.BasisOwner: info | names, entitle.BasisVendor: info | names, "": 0,
	}
	n := 0
	for _, cell := range policy.Table() {
		if cell.Way != policy.List && cell.Way != policy.Get {
			continue
		}
		n++
		if got := policy.SearchFields(cell.Decision); got != want[cell.Basis] {
			t.Errorf("%q × %s: search fields %b, want %b", cell.Basis, cell.Way, got, want[cell.Basis])
		}
	}
	if n != 2*len(want) {
		t.Errorf("%d cells, want %d", n, 2*len(want))
	}
	// A row seen without the PO (a listed partner's view) is not found by it.
	if got := policy.SearchFields(policy.Decision{Allowed: true, Views: policy.ViewSubscription}); got != policy.FieldSubscription|policy.FieldSKU {
		t.Errorf("subscription view: %b", got)
	}
	if got := policy.SearchFields(policy.Decision{Views: policy.ViewEntitlement | policy.ViewOwner}); got != 0 {
		t.Errorf("a refusal matches %b", got)
	}
}

// TestSearchBases: where the store may match names — the owner's own rows
// for every company, every row for the vendor.
func TestSearchBases(t *testing.T) {
	for _, tc := range []struct {
		c    entitle.Actor
		want []entitle.Basis
	}{
		{entitle.Actor{Company: "ME"}, []entitle.Basis{entitle.BasisOwner}},
		{entitle.Actor{Company: "ME", Admin: true}, []entitle.Basis{entitle.BasisOwner}},
		{entitle.Actor{Company: "V", Vendor: true}, entitle.Bases},
		{entitle.Actor{}, nil},
	} {
		if got := policy.SearchBases(tc.c); !slices.Equal(got, tc.want) {
			t.Errorf("SearchBases(%+v) = %v, want %v", tc.c, got, tc.want)
		}
	}
}

// TestDelegateRow: a row may be picked for bulk delegation by an
// administrator of its owner, on the owner basis; every other cell refuses.
func TestDelegateRow(t *testing.T) {
	for _, b := range append(slices.Clone(entitle.Bases), "") {
		for _, admin := range []bool{false, true} {
			for _, way := range []policy.Way{policy.List, policy.Get} {
				c := entitle.Actor{Company: "ME", Admin: admin, Vendor: b == entitle.BasisVendor}
				var d policy.Decision
				for _, cell := range policy.Table() {
					if cell.Basis == b && cell.Way == way {
						d = cell.Decision
					}
				}
				owner := "OTHER"
				if b == entitle.BasisOwner {
					owner = "ME"
				}
				got := policy.DelegateRow(c, d, owner)
				want := admin && b == entitle.BasisOwner
				if got.Allowed != want {
					t.Errorf("%q admin=%v %s: DelegateRow allowed %v, want %v (%s)", b, admin, way, got.Allowed, want, got.Reasons)
				}
				if !got.Allowed && len(got.Reasons) == 0 {
					t.Errorf("%q admin=%v: a refusal without a reason", b, admin)
				}
			}
		}
	}
	// A decision naming the owner basis for a row another company owns
	// (never produced by Decide) is still refused.
	if policy.DelegateRow(entitle.Actor{Company: "ME", Admin: true}, allowedOn(entitle.BasisOwner), "OTHER").Allowed {
		t.Error("DelegateRow allowed another company's row")
	}
}
