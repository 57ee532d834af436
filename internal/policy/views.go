package policy

import "github.com/entitle-portal/entitle"

// The field rules of the views of delegations, renewal requests and
// transfers (R4, R7): which of their fields a company taking part in one
// is shown. Package disclose encodes the views through them, for the API
// and for webhooks alike.

// DelegationActors decides whether c sees who granted and who revoked a
// delegation of owner: users of the owner company, shown to it only; the
// delegate sees the owner company's name and nothing of its users (R4, R7).
func DelegationActors(c entitle.Actor, owner string) bool {
	return c.Company != "" && c.Company == owner
}

// RenewalRequestFields decides what c, a party to a renewal request from
// requester to recipient, sees beyond the entitlement information and the
// message: the PO number — not a listed partner's, which holds no role on
// the order and so no claim to the purchasing entity's PO (listedPartner:
// the request went to a partner of the directory) — and the requester's
// side (where the request went and which of its users asked), which only
// the requester sees: the recipient never learns who asked (R4, R7).
func RenewalRequestFields(c entitle.Actor, requester, recipient string, listedPartner bool) (poNumber, requesterSide bool) {
	asRecipient, asRequester := RenewalRequestParty(c, requester, recipient)
	return !(listedPartner && asRecipient), asRequester
}

// TransferCreator decides whether c sees which user offered a transfer from
// from: a user of the offering company, shown to it and to the vendor; a
// direct move (direct) was made by the vendor's staff, whom the former owner
// does not otherwise know (R7).
func TransferCreator(c entitle.Actor, from string, direct bool) bool {
	return (c.Company != "" && c.Company == from && !direct) || c.Vendor
}
