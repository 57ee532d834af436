package policy

import "github.com/entitle-portal/entitle"

// The rules of two-factor sign-in (issue 13). A user sets up, confirms,
// renews the recovery codes of and turns off their own second factor only:
// no route names another user's, so there is nothing of anyone else's to
// find. What a company may require of its users is its administrators'
// decision.

// RequireTwoFactor decides whether c may require (or stop requiring)
// two-factor sign-in of every user of company: its administrators, and
// only for their own company (another company's settings do not exist for
// them, the vendor's included: R7).
func RequireTwoFactor(c entitle.Actor, company string) Decision {
	switch {
	case c.Company == "" || c.Company != company:
		return hide("R7: another company's sign-in settings are not yours to change")
	case !c.Admin:
		return refuse("only administrators of your company may require two-factor sign-in")
	}
	return allow(0, nil, "administrators decide how their company's users sign in")
}

// TurnOffTwoFactor decides whether c may turn their own second factor off,
// when their company requires it (required) or not: not while it is
// required — an administrator must lift the requirement first.
func TurnOffTwoFactor(c entitle.Actor, required bool) Decision {
	switch {
	case c.Company == "":
		return hide("only a user of a company has a second factor")
	case required:
		return refuse("your company requires two-factor sign-in, so it cannot be turned off; an administrator of your company can lift the requirement")
	}
	return allow(0, nil, "users decide how they sign in unless their company requires a second factor")
}
