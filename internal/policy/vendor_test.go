package policy_test

import (
	"testing"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
)

// TestVendorPages: the vendor's pages, cell by cell: every kind of caller ×
// seeing them and changing the vendor's record.
func TestVendorPages(t *testing.T) {
	for _, tc := range []struct {
		name                 string
		c                    entitle.Actor
		visible, see, change bool
	}{
		{"nobody", entitle.Actor{}, false, false, false},
		{"a company's member", entitle.Actor{Company: "ACME"}, false, false, false},
		{"a company's admin", entitle.Actor{Company: "ACME", Admin: true}, false, false, false},
		{"a caller claiming vendor without a company", entitle.Actor{Vendor: true, Admin: true}, false, false, false},
		{"the vendor's member", entitle.Actor{Company: "MAKER", Vendor: true}, true, true, false},
		{"the vendor's admin", entitle.Actor{Company: "MAKER", Vendor: true, Admin: true}, true, true, true},
	} {
		decided(t, tc.name+": VendorPages", policy.VendorPages(tc.c), tc.see, !tc.visible)
		decided(t, tc.name+": ChangeVendorRecord", policy.ChangeVendorRecord(tc.c), tc.change, !tc.visible)
	}
}
