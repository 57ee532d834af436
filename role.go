package entitle

// Role is a role a company holds on a purchase order (SPEC §2). One company
// may hold several roles on one order.
type Role string

const (
	RolePurchasingEntity Role = "purchasing_entity" // placed the PO with the vendor; exactly one
	RoleOwner            Role = "owner"             // the licensee; exactly one
	RoleReseller         Role = "reseller"          // zero or more
	RoleInstaller        Role = "installer"         // zero or more (e.g. an MSP)
)

// Roles lists every role.
var Roles = []Role{RolePurchasingEntity, RoleOwner, RoleReseller, RoleInstaller}

// RoleAssignment says that Company holds Role on an order.
type RoleAssignment struct {
	Role    Role
	Company string // company key
}

// Basis is one reason a company may see something (R8): one of the four
// roles, a delegation from the owner, or being the vendor.
type Basis string

const (
	BasisPurchasingEntity       = Basis(RolePurchasingEntity)
	BasisOwner                  = Basis(RoleOwner)
	BasisReseller               = Basis(RoleReseller)
	BasisInstaller              = Basis(RoleInstaller)
	BasisDelegate         Basis = "delegate"
	BasisVendor           Basis = "vendor"
)

// Bases lists every basis, sorted as they appear in an "access" list.
var Bases = []Basis{BasisDelegate, BasisInstaller, BasisOwner, BasisPurchasingEntity, BasisReseller, BasisVendor}

// ParseBasis returns the basis named s.
func ParseBasis(s string) (Basis, bool) {
	for _, b := range Bases {
		if string(b) == s {
			return b, true
		}
	}
	return "", false
}

// PartnerOfRecord returns the partner of record of an entitlement whose
// order has the role assignments roles (in the order they were listed) and
// whose owner is owner (SPEC §2): "the reseller on its order if there is
// one, else the purchasing entity when it is not the owner; a direct
// purchase (purchasing entity = owner) has none". With several resellers,
// the first listed is the partner of record. ok is false for a direct
// purchase.
func PartnerOfRecord(roles []RoleAssignment, owner string) (partner string, ok bool) {
	pe := ""
	for _, a := range roles {
		switch a.Role {
		case RoleReseller:
			return a.Company, true
		case RolePurchasingEntity:
			pe = a.Company
		}
	}
	if pe == "" || pe == owner {
		return "", false
	}
	return pe, true
}
