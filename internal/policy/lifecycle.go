package policy

import (
	"slices"

	"github.com/entitle-portal/entitle"
)

// The lifecycle rules (issue 6): who is told which partner sold an
// entitlement, who may ask for its renewal, who handles a renewal request,
// and who may transfer its ownership. Each starts from the entitlement's
// Decision (R1–R6): nobody acts on an entitlement they may not see.

// SoldVia decides whether the answer names the entitlement's partner of
// record ("sold via": its name and how to reach it, never a price): to the
// owner and its delegates, who are "recommended to engage that partner for
// future entitlement management and renewals" (the seed), and to the vendor
// (R6). The partner itself, the purchasing entity and installers know the
// order's parties from their own role or not at all.
func SoldVia(d Decision) bool {
	return d.Allowed && hasAny(d.Basis, entitle.BasisOwner, entitle.BasisDelegate, entitle.BasisVendor)
}

// RenewalOptions decides whether the caller sees how to buy or renew the
// entitlement (its partner of record, listed partners, the vendor direct,
// with prices): the owner, its delegates and the vendor.
func RenewalOptions(d Decision) Decision {
	if !SoldVia(d) {
		return Decision{Reasons: []string{"only the owner, its delegates and the vendor see how to renew an entitlement"}}
	}
	return Decision{Allowed: true, Basis: d.Basis, Reasons: []string{"the owner decides on the lifecycle of its software; its delegates act for it"}}
}

// RequestRenewal decides whether the caller may ask for the entitlement's
// renewal: members of the owner company and of its delegates (the owner is
// "responsible for making decisions on the lifecycle of the software over
// time"). The vendor answers requests; it does not make them.
func RequestRenewal(d Decision) Decision {
	if !d.Allowed || !hasAny(d.Basis, entitle.BasisOwner, entitle.BasisDelegate) {
		return Decision{Reasons: []string{"only the owner of an entitlement and its delegates may ask for its renewal"}}
	}
	return Decision{Allowed: true, Basis: d.Basis, Reasons: []string{"the owner and its delegates ask for renewals"}}
}

// RenewalRequestParty says how c takes part in a renewal request sent by
// requester to recipient: as its recipient (may mark it quoted, won or
// lost), as its requester (may read and withdraw it), or not at all — then
// the request does not exist for c (R7).
func RenewalRequestParty(c entitle.Actor, requester, recipient string) (asRecipient, asRequester bool) {
	if c.Company == "" {
		return false, false
	}
	return c.Company == recipient, c.Company == requester
}

// EditProfile decides whether c may change company's profile (contact
// details, directory listing): its administrators.
func EditProfile(c entitle.Actor, company string) Decision {
	switch {
	case c.Company == "" || c.Company != company:
		return Decision{Reasons: []string{"R7: another company's profile is not yours to change"}}
	case !c.Admin:
		return Decision{Reasons: []string{"only administrators of your company may change its profile"}}
	}
	return Decision{Allowed: true, Reasons: []string{"administrators keep their company's profile"}}
}

// OfferTransfer decides whether c may move the entitlement (seen with
// decision d) to another company: the owner's administrators offer it
// (the recipient accepts or declines); the vendor's administrators transfer
// directly (e.g. after an acquisition). direct is true for the vendor.
func OfferTransfer(c entitle.Actor, d Decision) (direct bool, dec Decision) {
	switch {
	case !d.Allowed:
		return false, Decision{Reasons: []string{"R7: the entitlement does not exist for you"}}
	case c.Vendor && c.Admin:
		return true, Decision{Allowed: true, Basis: []entitle.Basis{entitle.BasisVendor}, Reasons: []string{"R6: the vendor's administrators transfer ownership directly"}}
	case !hasAny(d.Basis, entitle.BasisOwner):
		return false, Decision{Reasons: []string{"only the owner company may transfer an entitlement's ownership"}}
	case !c.Admin:
		return false, Decision{Reasons: []string{"only administrators of the owner company may transfer an entitlement's ownership"}}
	}
	return false, Decision{Allowed: true, Basis: []entitle.Basis{entitle.BasisOwner}, Reasons: []string{"the owner decides on the lifecycle of its software"}}
}

// TransferParty says how c takes part in a transfer offered by from to to:
// the recipient's administrators accept or decline it, the offering
// company's administrators cancel it; members of either see it. To anyone
// else it does not exist (visible false).
func TransferParty(c entitle.Actor, from, to string) (mayAnswer, mayCancel, visible bool) {
	switch {
	case c.Company == "":
		return false, false, false
	case c.Company == to:
		return c.Admin, false, true
	case c.Company == from:
		return false, c.Admin, true
	}
	return false, false, false
}

func hasAny(bs []entitle.Basis, want ...entitle.Basis) bool {
	for _, b := range want {
		if slices.Contains(bs, b) {
			return true
		}
	}
	return false
}
