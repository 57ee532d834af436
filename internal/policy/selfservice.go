package policy

import "github.com/entitle-portal/entitle"

// The rules of self-service (issue 14): a company's webhooks and each
// user's notices.

// ManageWebhooks decides whether c may add, list, test, read the
// deliveries of or remove the webhooks of company: its administrators, for
// their own company only. Another company's webhooks do not exist for
// anyone (R7) — the vendor's members included: through the API and the
// portal the vendor manages its own endpoints (which receive what the
// vendor sees, R6); the operator's console (`entitle webhook`) configures
// any company's. A member is told to ask an administrator.
func ManageWebhooks(c entitle.Actor, company string) Decision {
	switch {
	case c.Company == "" || c.Company != company:
		return hide("R7: another company's webhooks are not yours to see")
	case !c.Admin:
		return refuse("only administrators of your company manage its webhooks; ask one of them")
	}
	return allow(0, nil, "administrators manage their own company's webhooks")
}

// ChooseNotices decides whether c may read and change which notices it
// receives: every signed-in user, for themselves only (no route names
// another user's).
func ChooseNotices(c entitle.Actor) Decision {
	if c.Company == "" || !c.User() {
		return hide("only a signed-in user chooses their own notices")
	}
	return allow(0, nil, "every user chooses the notices they receive")
}

// ReceivesNotice is the default of a notice of a kind for a user who has not
// chosen: administrators receive every kind, members none.
func ReceivesNotice(admin bool, _ string) bool {
	return admin
}
