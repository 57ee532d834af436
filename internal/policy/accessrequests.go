package policy

import (
	"time"

	"github.com/entitle-portal/entitle"
)

// Access requests (issue 14): a company asks for access by a link that
// names no owner; an administrator of the company that opens it decides.
// The partner asks, the owner decides — never the other way round — and the
// requester learns nothing of the company that opened the link until it
// answers.

// Answers to an access request.
const (
	AccessApprove = "approve"
	AccessDecline = "decline"
)

// CreateAccessRequest decides whether c may ask for access: any user of a
// company (the vendor's too).
func CreateAccessRequest(c entitle.Actor) Decision {
	if c.Company == "" {
		return hide("access requests are made by the users of a company")
	}
	return allow(ViewOwnSide, nil, "any user of a company may ask another company for access")
}

// ListAccessRequests decides whether c reads its company's box of access
// requests (box "sent" or "received"): every user of a company reads both
// of its own company's (ScopeCompany), nobody another company's.
func ListAccessRequests(c entitle.Actor, box string) Decision {
	switch {
	case c.Company == "":
		return hide("R7: access requests are read by the users of a company")
	case box != "sent" && box != "received":
		return hide("no such box of access requests: sent or received")
	}
	d := allow(0, nil, "the users of a company read the access requests it sent and those it received")
	d.Scope = ScopeCompany
	return d
}

// SeeAccessRequest decides whether c sees access request r by its ID, and
// which side: the requesting company sees its own side (ViewOwnSide: which
// of its users asked, the suggestions it made); the company that answered
// it, or whose user opened the link, sees the request (the requester's
// name, message, duration) but never the requester's users. To any other
// company it does not exist (R7).
func SeeAccessRequest(c entitle.Actor, r entitle.AccessRequest) Decision {
	switch {
	case c.Company == "":
		return hide("R7: another company's access request does not exist for you")
	case c.Company == r.Requester:
		return allow(ViewOwnSide, nil, "your company asked for this access")
	case c.Company == r.Decider || (r.Decider == "" && c.Company == r.Opened):
		return allow(0, nil, "your company received this access request")
	}
	return hide("R7: another company's access request does not exist for you")
}

// SeeAccessDecider decides whether c, which sees r (SeeAccessRequest), is
// told which company answered it: the answering company itself; the
// requester only once the request is approved (the delegation names the
// owner, as every received delegation does: R4) or declined (the name of
// the company it addressed, and the reason). Before, the requester learns
// nothing — not even that the link was opened.
func SeeAccessDecider(c entitle.Actor, r entitle.AccessRequest, now time.Time) Decision {
	if see := SeeAccessRequest(c, r); !see.Allowed {
		return see
	}
	switch {
	case r.Decider == "":
		return hide("nobody answered this access request")
	case c.Company == r.Decider:
		return allow(ViewOwnSide, nil, "your company answered this access request")
	}
	switch r.State(now) {
	case entitle.AccessRequestApproved:
		return allow(0, []entitle.Basis{entitle.BasisDelegate}, "R4: the owner that approved shares its name with the company it delegated to")
	case entitle.AccessRequestDeclined:
		return allow(0, nil, "a declined request tells the requester who declined it and why")
	}
	return hide("the requester learns nothing of the company that opened its link before it answers")
}

// OpenAccessLink decides whether c sees what the link of r asks (the
// requesting company's name, the message, the duration): any user of a
// company who holds the link — the link is the invitation to answer it.
func OpenAccessLink(c entitle.Actor, r entitle.AccessRequest) Decision {
	if c.Company == "" {
		return hide("an access request link is opened by a signed-in user of a company")
	}
	if c.Company == r.Requester {
		return allow(ViewOwnSide, nil, "your company asked for this access")
	}
	return allow(0, nil, "whoever holds the link sees what it asks")
}

// AnswerAccessRequest decides whether c may answer r with action
// (AccessApprove or AccessDecline); ownsAny says whether c's company owns
// any entitlement. Only an administrator of the company that opens the
// link answers it, never the requesting company itself; approving grants a
// delegation (R5), so a company that owns nothing can only decline.
func AnswerAccessRequest(c entitle.Actor, r entitle.AccessRequest, action string, ownsAny bool) Decision {
	switch {
	case c.Company == "":
		return hide("an access request is answered by an administrator of a company")
	case action != AccessApprove && action != AccessDecline:
		return hide("no such answer to an access request: approve or decline")
	case c.Company == r.Requester:
		return refuse("your company made this request, so it cannot answer it: send the link to the company you are asking for access")
	case !c.Admin:
		return refuse("only an administrator of your company can answer an access request: ask one of your administrators to open this link")
	case action == AccessApprove && !ownsAny:
		return refuse("your company owns no entitlements, so there is nothing to give access to: you can decline the request")
	case action == AccessApprove:
		return allow(0, []entitle.Basis{entitle.BasisOwner}, "R5: your company owns entitlements and you are its administrator")
	}
	return allow(0, nil, "an administrator of the company that opened the link may decline it")
}

// WithdrawAccessRequest decides whether c may withdraw r: the user who
// asked, or an administrator of the requesting company. To any other
// company it does not exist (R7).
func WithdrawAccessRequest(c entitle.Actor, r entitle.AccessRequest) Decision {
	switch {
	case c.Company == "" || c.Company != r.Requester:
		return hide("R7: another company's access request does not exist for you")
	case c.Email != r.RequestedBy && !c.Admin:
		return refuse("only the user who asked, or an administrator of your company, can withdraw this request")
	}
	return allow(ViewOwnSide, nil, "your company asked for this access")
}
