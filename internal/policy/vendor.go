package policy

import "github.com/entitle-portal/entitle"

// The vendor's own pages in the portal: the directory of companies, the
// MSAs, the import of the ERP's files and the announcements every user sees.
// They show the vendor's whole record (R6), so they exist for the vendor's
// members only; to every other company they do not exist at all (R7: the
// answer is the same not_found as for a page that was never there).

// VendorPages decides whether c may see the vendor's pages: members of the
// vendor company, whose record it is (R6). Everybody else must get
// not_found (R7).
func VendorPages(c entitle.Actor) Decision {
	if c.Company == "" || !c.Vendor {
		return hide("R7: the vendor's pages do not exist for another company")
	}
	return allow(0, []entitle.Basis{entitle.BasisVendor}, "R6: members of the vendor see the vendor's own record")
}

// ChangeVendorRecord decides whether c may change the vendor's record from
// the portal — import the ERP's files, post or end an announcement to every
// user: the vendor's administrators. A member of the vendor who is not an
// administrator is refused (forbidden), anybody else finds nothing (R7).
func ChangeVendorRecord(c entitle.Actor) Decision {
	if d := VendorPages(c); !d.Allowed {
		return d
	}
	if !c.Admin {
		return refuse("only administrators of the vendor may import records or post announcements")
	}
	return allow(0, []entitle.Basis{entitle.BasisVendor}, "R6: the vendor's administrators keep the vendor's record")
}
