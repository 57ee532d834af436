package policy_test

import (
	"testing"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
)

// TestSeeDelegation: a delegation from OWN to DEL, every kind of caller.
func TestSeeDelegation(t *testing.T) {
	for _, tc := range []struct {
		c             entitle.Actor
		see, ownSide  bool
		revoke, known bool
	}{
		{entitle.Actor{Company: "OWN", Admin: true}, true, true, true, true},
		{entitle.Actor{Company: "OWN"}, true, true, false, true}, // a member, not an administrator
		{entitle.Actor{Company: "DEL", Admin: true}, true, false, false, true},
		{entitle.Actor{Company: "X", Admin: true}, false, false, false, false},
		{entitle.Actor{Company: "V", Vendor: true, Admin: true}, false, false, false, false},
		{entitle.Actor{}, false, false, false, false},
	} {
		d := policy.SeeDelegation(tc.c, "OWN", "DEL")
		decided(t, "SeeDelegation "+tc.c.Company, d, tc.see, !tc.known)
		if got := d.Views.Has(policy.ViewOwnSide); got != tc.ownSide {
			t.Errorf("SeeDelegation(%+v): own side %v, want %v", tc.c, got, tc.ownSide)
		}
		decided(t, "RevokeDelegation "+tc.c.Company, policy.RevokeDelegation(tc.c, "OWN", "DEL"), tc.revoke, !tc.known)
	}
}

// TestSeeRenewalRequest: what each company taking part in a renewal request
// from REQ to REC sees of it, routed to the partner of record or to a
// listed partner, open or closed by a transfer of the entitlement.
func TestSeeRenewalRequest(t *testing.T) {
	req, rec, other := entitle.Actor{Company: "REQ"}, entitle.Actor{Company: "REC"}, entitle.Actor{Company: "X"}
	sees, gone := allowedOn(entitle.BasisOwner), policy.Decision{}
	const e, s, own = policy.ViewEntitlement, policy.ViewSubscription, policy.ViewOwnSide
	for _, tc := range []struct {
		name   string
		c      entitle.Actor
		route  string
		status string
		now    policy.Decision
		hidden bool
		views  policy.View
	}{
		{"requester", req, entitle.RoutePartnerOfRecord, entitle.RenewalOpen, sees, false, e | own},
		{"requester, listed partner", req, entitle.RoutePartner, entitle.RenewalOpen, sees, false, e | own},
		{"partner of record", rec, entitle.RoutePartnerOfRecord, entitle.RenewalOpen, sees, false, e},
		{"listed partner: no PO", rec, entitle.RoutePartner, entitle.RenewalQuoted, gone, false, s},
		{"direct: the vendor", rec, entitle.RouteDirect, entitle.RenewalOpen, sees, false, e},
		{"former owner after a transfer", req, entitle.RoutePartnerOfRecord, entitle.RenewalTransferred, gone, false, own},
		{"owner still sees it after a transfer", req, entitle.RoutePartnerOfRecord, entitle.RenewalTransferred, sees, false, e | own},
		{"partner of record after a transfer", rec, entitle.RoutePartnerOfRecord, entitle.RenewalTransferred, sees, false, e},
		{"listed partner after a transfer", rec, entitle.RoutePartner, entitle.RenewalTransferred, gone, false, 0},
		{"another company", other, entitle.RoutePartnerOfRecord, entitle.RenewalOpen, sees, true, 0},
		{"no company", entitle.Actor{}, entitle.RoutePartnerOfRecord, entitle.RenewalOpen, gone, true, 0},
	} {
		r := entitle.RenewalRequest{Requester: "REQ", Recipient: "REC", Route: tc.route, Status: tc.status}
		d := policy.SeeRenewalRequest(tc.c, r, tc.now)
		decided(t, tc.name, d, !tc.hidden, tc.hidden)
		if d.Views != tc.views {
			t.Errorf("%s: views %v, want %v", tc.name, d.Views, tc.views)
		}
	}
}

// TestSeeTransfer: what each company sees of a transfer from FROM to TO,
// offered by FROM or moved directly by the vendor.
func TestSeeTransfer(t *testing.T) {
	vendor := entitle.Actor{Company: "V", Vendor: true}
	const s, own = policy.ViewSubscription, policy.ViewOwnSide
	for _, tc := range []struct {
		c      entitle.Actor
		from   string
		direct bool
		hidden bool
		views  policy.View
	}{
		{entitle.Actor{Company: "FROM"}, "FROM", false, false, s | own},
		{entitle.Actor{Company: "FROM"}, "FROM", true, false, s}, // the vendor's staff moved it
		{entitle.Actor{Company: "TO"}, "FROM", false, false, s},
		{vendor, "V", true, false, s | own},
		{vendor, "V", false, false, s | own},
		{vendor, "FROM", false, true, 0},       // the vendor takes no part in it
		{vendor, "FROM", true, false, s | own}, // it moved it itself
		{entitle.Actor{Company: "X"}, "FROM", false, true, 0},
		{entitle.Actor{}, "FROM", false, true, 0},
	} {
		tr := entitle.Transfer{From: tc.from, To: "TO", Status: entitle.TransferOffered}
		if tc.direct {
			tr.Status = entitle.TransferDone
		}
		d := policy.SeeTransfer(tc.c, tr)
		decided(t, "SeeTransfer "+tc.c.Company, d, !tc.hidden, tc.hidden)
		if d.Views != tc.views {
			t.Errorf("SeeTransfer(%+v, from %s, direct %v): views %v, want %v", tc.c, tc.from, tc.direct, d.Views, tc.views)
		}
	}
}
