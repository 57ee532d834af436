package policy_test

import (
	"testing"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
)

// TestFilterByCompany: the company filter, cell by cell: every kind of
// caller, members and administrators.
func TestFilterByCompany(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    entitle.Actor
		may  bool
	}{
		{"nobody", entitle.Actor{}, false},
		{"a caller claiming vendor without a company", entitle.Actor{Vendor: true, Admin: true}, false},
		{"a company's member", entitle.Actor{Company: "ACME"}, false},
		{"a company's admin", entitle.Actor{Company: "ACME", Admin: true}, false},
		{"the vendor's member", entitle.Actor{Company: "MAKER", Vendor: true}, true},
		{"the vendor's admin", entitle.Actor{Company: "MAKER", Vendor: true, Admin: true}, true},
	} {
		decided(t, tc.name, policy.FilterByCompany(tc.c), tc.may, false)
	}
}
