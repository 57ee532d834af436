package policy_test

import (
	"testing"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
)

// allowedOn is a decision allowing access on the given bases.
func allowedOn(bs ...entitle.Basis) policy.Decision {
	return policy.Decision{Allowed: true, Views: policy.ViewEntitlement, Basis: bs, Reasons: []string{"test"}}
}

// TestLifecycleByBasis: every lifecycle rule that starts from the
// entitlement's decision, for every basis alone, and for a denied decision.
func TestLifecycleByBasis(t *testing.T) {
	for _, tc := range []struct {
		d                       policy.Decision
		soldVia, options, renew bool
	}{
		{allowedOn(entitle.BasisOwner), true, true, true},
		{allowedOn(entitle.BasisDelegate), true, true, true},
		{allowedOn(entitle.BasisVendor), true, true, false},
		{allowedOn(entitle.BasisPurchasingEntity), false, false, false},
		{allowedOn(entitle.BasisReseller), false, false, false},
		{allowedOn(entitle.BasisInstaller), false, false, false},
		{allowedOn(entitle.BasisReseller, entitle.BasisOwner), true, true, true},
		{policy.Decision{}, false, false, false},
		{policy.Decision{Basis: []entitle.Basis{entitle.BasisOwner}}, false, false, false}, // a denial never grants, whatever it carries
	} {
		if got := policy.SoldVia(tc.d); got != tc.soldVia {
			t.Errorf("SoldVia(%v allowed=%v) = %v", tc.d.Basis, tc.d.Allowed, got)
		}
		if got := policy.RenewalOptions(tc.d); got.Allowed != tc.options || len(got.Reasons) == 0 {
			t.Errorf("RenewalOptions(%v allowed=%v) = %+v", tc.d.Basis, tc.d.Allowed, got)
		}
		if got := policy.RequestRenewal(tc.d); got.Allowed != tc.renew || len(got.Reasons) == 0 {
			t.Errorf("RequestRenewal(%v allowed=%v) = %+v", tc.d.Basis, tc.d.Allowed, got)
		}
	}
}

func TestOfferTransfer(t *testing.T) {
	owner, vendor := allowedOn(entitle.BasisOwner), allowedOn(entitle.BasisVendor)
	for _, tc := range []struct {
		name           string
		c              entitle.Actor
		d              policy.Decision
		direct, allows bool
	}{
		{"owner admin offers", entitle.Actor{Company: "CUST", Admin: true}, owner, false, true},
		{"owner member may not", entitle.Actor{Company: "CUST"}, owner, false, false},
		{"vendor admin moves directly", entitle.Actor{Company: "V", Vendor: true, Admin: true}, vendor, true, true},
		{"vendor member may not", entitle.Actor{Company: "V", Vendor: true}, vendor, false, false},
		{"reseller admin may not", entitle.Actor{Company: "RES", Admin: true}, allowedOn(entitle.BasisReseller), false, false},
		{"delegate admin may not", entitle.Actor{Company: "MSP", Admin: true}, allowedOn(entitle.BasisDelegate), false, false},
		{"not entitled", entitle.Actor{Company: "X", Admin: true}, policy.Decision{}, false, false},
	} {
		direct, d := policy.OfferTransfer(tc.c, tc.d)
		if direct != tc.direct || d.Allowed != tc.allows || len(d.Reasons) == 0 {
			t.Errorf("%s: direct %v, %+v", tc.name, direct, d)
		}
	}
}

func TestTransferAndRenewalParties(t *testing.T) {
	for _, tc := range []struct {
		c                        entitle.Actor
		answer, cancel, visible  bool
		asRecipient, asRequester bool
	}{
		{entitle.Actor{Company: "TO", Admin: true}, true, false, true, true, false},
		{entitle.Actor{Company: "TO"}, false, false, true, true, false},
		{entitle.Actor{Company: "FROM", Admin: true}, false, true, true, false, true},
		{entitle.Actor{Company: "FROM"}, false, false, true, false, true},
		{entitle.Actor{Company: "OTHER", Admin: true}, false, false, false, false, false},
		{entitle.Actor{Company: "V", Vendor: true, Admin: true}, false, false, false, false, false},
		{entitle.Actor{}, false, false, false, false, false},
	} {
		answer, cancel, visible := policy.TransferParty(tc.c, "FROM", "TO")
		if answer != tc.answer || cancel != tc.cancel || visible != tc.visible {
			t.Errorf("TransferParty(%+v) = %v %v %v", tc.c, answer, cancel, visible)
		}
		// A renewal request from FROM (the requester) to TO (the recipient).
		rec, req := policy.RenewalRequestParty(tc.c, "FROM", "TO")
		if rec != tc.asRecipient || req != tc.asRequester {
			t.Errorf("RenewalRequestParty(%+v) = %v %v", tc.c, rec, req)
		}
	}
}

func TestEditProfile(t *testing.T) {
	for _, tc := range []struct {
		c     entitle.Actor
		allow bool
	}{
		{entitle.Actor{Company: "RES", Admin: true}, true},
		{entitle.Actor{Company: "RES"}, false},
		{entitle.Actor{Company: "OTHER", Admin: true}, false},
		{entitle.Actor{Company: "V", Vendor: true, Admin: true}, false},
		{entitle.Actor{}, false},
	} {
		if d := policy.EditProfile(tc.c, "RES"); d.Allowed != tc.allow || len(d.Reasons) == 0 {
			t.Errorf("EditProfile(%+v) = %+v", tc.c, d)
		}
	}
}
