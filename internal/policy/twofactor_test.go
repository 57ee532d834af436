package policy_test

import (
	"testing"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
)

func TestRequireTwoFactor(t *testing.T) {
	for _, tc := range []struct {
		c             entitle.Actor
		allow, hidden bool
	}{
		{entitle.Actor{Company: "RES", Admin: true}, true, false},
		{entitle.Actor{Company: "RES"}, false, false},
		{entitle.Actor{Company: "OTHER", Admin: true}, false, true},
		{entitle.Actor{Company: "OTHER"}, false, true},
		{entitle.Actor{Company: "V", Vendor: true, Admin: true}, false, true},
		{entitle.Actor{}, false, true},
	} {
		decided(t, "RequireTwoFactor "+tc.c.Company, policy.RequireTwoFactor(tc.c, "RES"), tc.allow, tc.hidden)
	}
}

func TestTurnOffTwoFactor(t *testing.T) {
	for _, tc := range []struct {
		c                       entitle.Actor
		required, allow, hidden bool
	}{
		{entitle.Actor{Company: "RES"}, false, true, false},
		{entitle.Actor{Company: "RES", Admin: true}, false, true, false},
		{entitle.Actor{Company: "RES"}, true, false, false},
		{entitle.Actor{Company: "RES", Admin: true}, true, false, false},
		{entitle.Actor{Company: "V", Vendor: true, Admin: true}, true, false, false},
		{entitle.Actor{}, false, false, true},
	} {
		decided(t, "TurnOffTwoFactor "+tc.c.Company, policy.TurnOffTwoFactor(tc.c, tc.required), tc.allow, tc.hidden)
	}
}
