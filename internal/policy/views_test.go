package policy_test

import (
	"testing"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
)

// TestViewFields: the field rules of delegations, renewal requests and
// transfers, cell by cell.
func TestViewFields(t *testing.T) {
	owner, delegate, other := entitle.Actor{Company: "OWN"}, entitle.Actor{Company: "DEL"}, entitle.Actor{Company: "X"}
	vendor := entitle.Actor{Company: "V", Vendor: true}
	for _, tc := range []struct {
		c    entitle.Actor
		want bool
	}{{owner, true}, {delegate, false}, {other, false}, {vendor, false}, {entitle.Actor{}, false}} {
		if got := policy.DelegationActors(tc.c, "OWN"); got != tc.want {
			t.Errorf("DelegationActors(%+v) = %v", tc.c, got)
		}
	}
	req, rec := entitle.Actor{Company: "REQ"}, entitle.Actor{Company: "REC"}
	for _, tc := range []struct {
		c                 entitle.Actor
		listed            bool
		po, requesterSide bool
	}{
		{req, false, true, true}, {req, true, true, true},
		{rec, false, true, false}, // the partner of record holds a role on the order
		{rec, true, false, false}, // a listed partner does not
		{other, false, true, false},
	} {
		po, side := policy.RenewalRequestFields(tc.c, "REQ", "REC", tc.listed)
		if po != tc.po || side != tc.requesterSide {
			t.Errorf("RenewalRequestFields(%+v, listed %v) = %v %v", tc.c, tc.listed, po, side)
		}
	}
	for _, tc := range []struct {
		c            entitle.Actor
		direct, want bool
	}{
		{entitle.Actor{Company: "FROM"}, false, true}, {entitle.Actor{Company: "FROM"}, true, false},
		{entitle.Actor{Company: "TO"}, false, false}, {vendor, true, true}, {vendor, false, true}, {entitle.Actor{}, false, false},
	} {
		if got := policy.TransferCreator(tc.c, "FROM", tc.direct); got != tc.want {
			t.Errorf("TransferCreator(%+v, direct %v) = %v", tc.c, tc.direct, got)
		}
	}
}
