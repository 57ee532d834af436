package policy

import (
	"fmt"

	"github.com/entitle-portal/entitle"
)

// The field rules of renewal requests and transfers (R4, R7): which of
// their fields a company taking part in one is shown. Package disclose
// encodes them through these decisions, for the API, the portal and
// webhooks alike. (Delegations: SeeDelegation, in policy.go.)

// SeeRenewalRequest decides whether and what c sees of renewal request r
// (from r.Requester to r.Recipient), given c's own decision on its
// entitlement now (Get). The requester sees it with its own side — where
// it went and which of its users asked (ViewOwnSide); the recipient never
// learns who asked. Both see the entitlement information, except that a
// listed partner, which holds no role on the order and so no claim to the
// purchasing entity's PO, sees it without the PO number
// (ViewSubscription). A request closed by an ownership transfer shows the
// entitlement to those who may still see it (now), and to nobody else: the
// former owner keeps the request, not the details (R1). To anyone else the
// request does not exist (R7).
func SeeRenewalRequest(c entitle.Actor, r entitle.RenewalRequest, now Decision) Decision {
	asRecipient, asRequester := c.Company != "" && c.Company == r.Recipient, c.Company != "" && c.Company == r.Requester
	if !asRecipient && !asRequester {
		return hide("R7: another company's renewal request does not exist for you")
	}
	var v View
	switch {
	case r.Status == entitle.RenewalTransferred && !now.Allowed:
	case r.Status == entitle.RenewalTransferred, !asRecipient || r.Route != entitle.RoutePartner:
		v = ViewEntitlement
	default:
		v = ViewSubscription
	}
	if asRequester {
		return allow(v|ViewOwnSide, nil, "the owner and its delegates follow the renewal requests they send")
	}
	return allow(v, nil, "a renewal request is answered by the company it was sent to")
}

// AnswerRenewalRequest decides whether c may move renewal request r to
// status: its recipient marks it quoted, won or lost; its requester
// withdraws it. To anyone else it does not exist (R7). Whether r is still
// open is the caller's to check: a closed request moves no more, whoever
// asks.
func AnswerRenewalRequest(c entitle.Actor, r entitle.RenewalRequest, status string) Decision {
	asRecipient, asRequester := c.Company != "" && c.Company == r.Recipient, c.Company != "" && c.Company == r.Requester
	switch {
	case !asRecipient && !asRequester:
		return hide("R7: another company's renewal request does not exist for you")
	case asRecipient && (status == entitle.RenewalQuoted || status == entitle.RenewalWon || status == entitle.RenewalLost):
		return allow(0, nil, "the company a renewal request was sent to marks it quoted, won or lost")
	case asRequester && status == entitle.RenewalWithdrawn:
		return allow(0, nil, "the company that sent a renewal request may withdraw it")
	case asRecipient:
		return refuse(fmt.Sprintf(`must be "quoted", "won" or "lost", not %q`, status))
	}
	return refuse(fmt.Sprintf(`you asked for this renewal: you may only withdraw it ("withdrawn"), not set %q`, status))
}

// SeeTransfer decides whether and what c sees of transfer t, from t.From
// to t.To (a direct move by the vendor when t.Status is done): both
// companies see the entitlement information without the PO number
// (ViewSubscription: the recipient is not the purchasing entity); which
// user offered it (ViewOwnSide) the offering company sees — unless the
// vendor's staff moved it, whom the former owner does not otherwise know —
// and the vendor (R6). The vendor sees the moves it made itself; to anyone
// else a transfer does not exist (R7).
func SeeTransfer(c entitle.Actor, t entitle.Transfer) Decision {
	direct := t.Status == entitle.TransferDone
	party := c.Company != "" && (c.Company == t.From || c.Company == t.To)
	if !party && !(c.Vendor && c.Company != "" && direct) {
		return hide("R7: another company's transfer does not exist for you")
	}
	v := ViewSubscription
	if (c.Company == t.From && !direct) || c.Vendor {
		v |= ViewOwnSide
	}
	return allow(v, nil, "your company takes part in it")
}
