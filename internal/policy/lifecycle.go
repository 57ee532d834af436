package policy

import (
	"fmt"

	"github.com/entitle-portal/entitle"
)

// The lifecycle rules (issue 6): who sees how to buy or renew an
// entitlement, who may ask for its renewal, who handles a renewal request,
// and who may transfer its ownership. Each starts from the entitlement's
// Decision (R1–R6): nobody acts on an entitlement they may not see. Who is
// told which partner sold an entitlement is a view of Decide itself
// (ViewPartner).

// RenewalOptions decides whether the caller, who sees the entitlement with
// decision d, sees how to buy or renew it (its partner of record, listed
// partners, the vendor direct, with prices): the owner, its delegates and
// the vendor.
func RenewalOptions(d Decision) Decision {
	switch {
	case !d.Allowed:
		return hide("R7: the entitlement does not exist for you")
	case !hasAny(d.Basis, entitle.BasisOwner, entitle.BasisDelegate, entitle.BasisVendor):
		return refuse("only the owner, its delegates and the vendor see how to renew an entitlement")
	}
	return allow(0, d.Basis, "the owner decides on the lifecycle of its software; its delegates act for it")
}

// RequestRenewal decides whether the caller may ask for the entitlement's
// renewal: members of the owner company and of its delegates (the owner is
// "responsible for making decisions on the lifecycle of the software over
// time"). The vendor answers requests; it does not make them.
func RequestRenewal(d Decision) Decision {
	switch {
	case !d.Allowed:
		return hide("R7: the entitlement does not exist for you")
	case !hasAny(d.Basis, entitle.BasisOwner, entitle.BasisDelegate):
		return refuse("only the owner of an entitlement and its delegates may ask for its renewal")
	}
	return allow(0, d.Basis, "the owner and its delegates ask for renewals")
}

// EditProfile decides whether c may change company's profile (contact
// details, directory listing): its administrators.
func EditProfile(c entitle.Actor, company string) Decision {
	switch {
	case c.Company == "" || c.Company != company:
		return hide("R7: another company's profile is not yours to change")
	case !c.Admin:
		return refuse("only administrators of your company may change its profile")
	}
	return allow(0, nil, "administrators keep their company's profile")
}

// OfferTransfer decides whether c, who sees the entitlement with decision
// d, may move it to another company: the owner's administrators offer it
// (the recipient accepts or declines; basis owner); the vendor's
// administrators transfer it directly, e.g. after an acquisition (basis
// vendor).
func OfferTransfer(c entitle.Actor, d Decision) Decision {
	switch {
	case !d.Allowed:
		return hide("R7: the entitlement does not exist for you")
	case c.Vendor && c.Admin && d.On(entitle.BasisVendor):
		return allow(0, []entitle.Basis{entitle.BasisVendor}, "R6: the vendor's administrators transfer ownership directly")
	case !d.On(entitle.BasisOwner):
		return refuse("only the owner company may transfer an entitlement's ownership")
	case !c.Admin:
		return refuse("only administrators of the owner company may transfer an entitlement's ownership")
	}
	return allow(0, []entitle.Basis{entitle.BasisOwner}, "the owner decides on the lifecycle of its software")
}

// Transfer answers.
const (
	TransferAccept  = "accept"
	TransferDecline = "decline"
	TransferCancel  = "cancel"
)

// AnswerTransfer decides whether c may answer transfer t with action
// (TransferAccept, TransferDecline or TransferCancel): the recipient's
// administrators accept or decline it, the offering company's
// administrators cancel it. To anyone else it does not exist (R7).
func AnswerTransfer(c entitle.Actor, t entitle.Transfer, action string) Decision {
	switch {
	case c.Company == "" || (c.Company != t.From && c.Company != t.To):
		return hide("R7: another company's transfer does not exist for you")
	case action == TransferCancel && (c.Company != t.From || !c.Admin):
		return refuse(fmt.Sprintf("only administrators of %s, which made the offer, may cancel it", t.From))
	case action != TransferCancel && (c.Company != t.To || !c.Admin):
		return refuse(fmt.Sprintf("only administrators of %s, to which it is offered, may accept or decline it", t.To))
	}
	return allow(0, nil, "the parties to a transfer answer it")
}
