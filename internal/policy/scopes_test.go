package policy_test

import (
	"testing"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
)

// TestHoldableScopes: read and write for everyone, admin for a company's
// administrators, import for the vendor's administrators only.
func TestHoldableScopes(t *testing.T) {
	for _, tc := range []struct {
		a    entitle.Actor
		want string
	}{
		{entitle.Actor{Company: "SHOP"}, "read write"},
		{entitle.Actor{Company: "SHOP", Admin: true}, "read write admin"},
		{entitle.Actor{Company: "MAKER", Vendor: true}, "read write"},
		{entitle.Actor{Company: "MAKER", Vendor: true, Admin: true}, "read write import admin"},
	} {
		if got := policy.HoldableScopes(tc.a).String(); got != tc.want {
			t.Errorf("HoldableScopes(%+v) = %q, want %q", tc.a, got, tc.want)
		}
	}
}

// TestWhoMayHold: the refusal of a scope names who may hold it.
func TestWhoMayHold(t *testing.T) {
	for s, want := range map[entitle.Scope]string{
		entitle.ScopeRead:   "every user",
		entitle.ScopeWrite:  "every user",
		entitle.ScopeAdmin:  "company administrators only",
		entitle.ScopeImport: "the vendor's administrators only",
	} {
		if got := policy.WhoMayHold(s); got != want {
			t.Errorf("WhoMayHold(%s) = %q, want %q", s, got, want)
		}
	}
}
