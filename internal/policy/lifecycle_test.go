package policy_test

import (
	"testing"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
)

// allowedOn is a decision allowing access on the given bases.
func allowedOn(bs ...entitle.Basis) policy.Decision {
	return policy.Decision{Allowed: true, Visible: true, Views: policy.ViewEntitlement, Basis: bs, Reasons: []string{"test"}}
}

// decided checks that d allows as want, hides (R7) as wantHidden, and says
// why.
func decided(t *testing.T, cell string, d policy.Decision, want, wantHidden bool) {
	t.Helper()
	if d.Allowed != want || d.Visible == wantHidden || len(d.Reasons) == 0 {
		t.Errorf("%s: %+v; want allowed %v, hidden %v, with a reason", cell, d, want, wantHidden)
	}
}

// TestLifecycleByBasis: every lifecycle rule that starts from the
// entitlement's decision, for every basis alone, and for a denied decision
// (hidden: the entitlement does not exist for the caller).
func TestLifecycleByBasis(t *testing.T) {
	for _, tc := range []struct {
		d              policy.Decision
		options, renew bool
	}{
		{allowedOn(entitle.BasisOwner), true, true},
		{allowedOn(entitle.BasisDelegate), true, true},
		{allowedOn(entitle.BasisVendor), true, false},
		{allowedOn(entitle.BasisPurchasingEntity), false, false},
		{allowedOn(entitle.BasisReseller), false, false},
		{allowedOn(entitle.BasisInstaller), false, false},
		{allowedOn(entitle.BasisReseller, entitle.BasisOwner), true, true},
		{policy.Decision{}, false, false},
		{policy.Decision{Basis: []entitle.Basis{entitle.BasisOwner}}, false, false}, // a denial never grants, whatever it carries
	} {
		hidden := !tc.d.Allowed
		decided(t, "RenewalOptions", policy.RenewalOptions(tc.d), tc.options, hidden)
		decided(t, "RequestRenewal", policy.RequestRenewal(tc.d), tc.renew, hidden)
	}
}

// TestPartnerView: the partner of record (sold via) is a view of Decide,
// in every entitlement answer to the owner, its delegates and the vendor —
// not in an order's details, which name its resellers anyway.
func TestPartnerView(t *testing.T) {
	for _, c := range policy.Table() {
		want := c.Decision.Allowed && c.Way != policy.OrderDetails &&
			(c.Basis == entitle.BasisOwner || c.Basis == entitle.BasisDelegate || c.Basis == entitle.BasisVendor)
		if got := c.Decision.Views.Has(policy.ViewPartner); got != want {
			t.Errorf("%s/%s: partner view %v, want %v", c.Basis, c.Way, got, want)
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
		hidden         bool
	}{
		{"owner admin offers", entitle.Actor{Company: "CUST", Admin: true}, owner, false, true, false},
		{"owner member may not", entitle.Actor{Company: "CUST"}, owner, false, false, false},
		{"vendor admin moves directly", entitle.Actor{Company: "V", Vendor: true, Admin: true}, vendor, true, true, false},
		{"vendor member may not", entitle.Actor{Company: "V", Vendor: true}, vendor, false, false, false},
		{"reseller admin may not", entitle.Actor{Company: "RES", Admin: true}, allowedOn(entitle.BasisReseller), false, false, false},
		{"delegate admin may not", entitle.Actor{Company: "MSP", Admin: true}, allowedOn(entitle.BasisDelegate), false, false, false},
		{"not entitled", entitle.Actor{Company: "X", Admin: true}, policy.Decision{}, false, false, true},
	} {
		d := policy.OfferTransfer(tc.c, tc.d)
		decided(t, tc.name, d, tc.allows, tc.hidden)
		if direct := d.On(entitle.BasisVendor); direct != tc.direct {
			t.Errorf("%s: direct %v, want %v", tc.name, direct, tc.direct)
		}
	}
}

// TestAnswerTransfer: a transfer from FROM to TO, every kind of caller ×
// every answer.
func TestAnswerTransfer(t *testing.T) {
	tr := entitle.Transfer{From: "FROM", To: "TO", Status: entitle.TransferOffered}
	for _, tc := range []struct {
		c                      entitle.Actor
		accept, cancel, hidden bool
	}{
		{entitle.Actor{Company: "TO", Admin: true}, true, false, false},
		{entitle.Actor{Company: "TO"}, false, false, false},
		{entitle.Actor{Company: "FROM", Admin: true}, false, true, false},
		{entitle.Actor{Company: "FROM"}, false, false, false},
		{entitle.Actor{Company: "OTHER", Admin: true}, false, false, true},
		{entitle.Actor{Company: "V", Vendor: true, Admin: true}, false, false, true},
		{entitle.Actor{}, false, false, true},
	} {
		for _, a := range []string{policy.TransferAccept, policy.TransferDecline} {
			decided(t, tc.c.Company+" "+a, policy.AnswerTransfer(tc.c, tr, a), tc.accept, tc.hidden)
		}
		decided(t, tc.c.Company+" cancel", policy.AnswerTransfer(tc.c, tr, policy.TransferCancel), tc.cancel, tc.hidden)
	}
}

// TestAnswerRenewalRequest: a renewal request from FROM (the requester) to
// TO (the recipient), every kind of caller × every status asked for.
func TestAnswerRenewalRequest(t *testing.T) {
	r := entitle.RenewalRequest{Requester: "FROM", Recipient: "TO", Status: entitle.RenewalOpen}
	for _, tc := range []struct {
		c                       entitle.Actor
		quote, withdraw, hidden bool
	}{
		{entitle.Actor{Company: "TO", Admin: true}, true, false, false},
		{entitle.Actor{Company: "TO"}, true, false, false},
		{entitle.Actor{Company: "FROM", Admin: true}, false, true, false},
		{entitle.Actor{Company: "FROM"}, false, true, false},
		{entitle.Actor{Company: "OTHER", Admin: true}, false, false, true},
		{entitle.Actor{Company: "V", Vendor: true, Admin: true}, false, false, true},
		{entitle.Actor{}, false, false, true},
	} {
		for _, st := range []string{entitle.RenewalQuoted, entitle.RenewalWon, entitle.RenewalLost} {
			decided(t, tc.c.Company+" "+st, policy.AnswerRenewalRequest(tc.c, r, st), tc.quote, tc.hidden)
		}
		decided(t, tc.c.Company+" withdraw", policy.AnswerRenewalRequest(tc.c, r, entitle.RenewalWithdrawn), tc.withdraw, tc.hidden)
	}
}

func TestEditProfile(t *testing.T) {
	for _, tc := range []struct {
		c             entitle.Actor
		allow, hidden bool
	}{
		{entitle.Actor{Company: "RES", Admin: true}, true, false},
		{entitle.Actor{Company: "RES"}, false, false},
		{entitle.Actor{Company: "OTHER", Admin: true}, false, true},
		{entitle.Actor{Company: "V", Vendor: true, Admin: true}, false, true},
		{entitle.Actor{}, false, true},
	} {
		decided(t, "EditProfile "+tc.c.Company, policy.EditProfile(tc.c, "RES"), tc.allow, tc.hidden)
	}
}
