package policy

import (
	"fmt"
	"slices"

	"github.com/entitle-portal/entitle"
)

// Single sign-on with OpenID Connect, per company (SPEC §7, issue 13). A
// company's provider vouches for the email domains the vendor configured
// for it; a person it signs in is that company's member, never anybody
// else's, and never more than a member.

// SSOFacts are what a sign-in at a company's provider rests on, once the
// provider's ID token was verified (signature, issuer, audience, expiry,
// nonce).
type SSOFacts struct {
	Via           string        // the company whose provider signed the person in
	Domains       []string      // the domains Via vouches for now
	Email         string        // the address in the ID token, normalized
	EmailVerified *bool         // the token's email_verified claim, nil when absent
	Existing      *entitle.User // the portal's user with that address, nil when none
}

// SSOSignIn decides whether the person of f is signed in: allowed when the
// provider still vouches for the address (its domain is one of Via's and
// the provider did not say it is unverified) and the address is either an
// active user of Via or nobody's yet — then join is true: the person
// becomes a member (never an administrator) of Via. A user of another
// company, a disabled user, an address of another domain are refused. The
// reason is for the audit trail only: every refusal is answered alike.
func SSOSignIn(f SSOFacts) (d Decision, join bool) {
	switch {
	case f.Email == "":
		return refuse("S1: the provider's ID token names no email address"), false
	case f.EmailVerified != nil && !*f.EmailVerified:
		return refuse("S1: the provider says the email address is not verified"), false
	case !slices.Contains(f.Domains, entitle.EmailDomain(f.Email)):
		return refuse(fmt.Sprintf("S1: the company no longer vouches for the domain of %s", f.Email)), false
	case f.Existing == nil:
		return allow(0, nil, "S2: the company's provider vouches for a new address: it joins the company as a member"), true
	case f.Existing.Company != f.Via:
		return refuse(fmt.Sprintf("S2: %s is a user of another company, which this provider does not sign in", f.Email)), false
	case f.Existing.Status != entitle.UserActive:
		return refuse(fmt.Sprintf("S2: %s is disabled", f.Email)), false
	}
	return allow(0, nil, "S2: an active user of the company, signed in by its provider"), false
}

// PasswordSignIn decides whether a user of a company may sign in with a
// password: unless the company's single sign-on forbids it (S3). The
// refusal is answered exactly like a wrong password, so that it tells
// nothing about which addresses have accounts.
func PasswordSignIn(passwordLoginAllowed bool) Decision {
	if !passwordLoginAllowed {
		return refuse("S3: the company signs in with single sign-on only")
	}
	return allow(0, nil, "S3: the company allows password sign-in")
}

// ConfigureSSO decides whether c may see or change the companies' single
// sign-on: part of the vendor's record (V1): its members see it, its
// administrators change it, anybody else finds no page.
func ConfigureSSO(c entitle.Actor, change bool) Decision {
	if change {
		return ChangeVendorRecord(c)
	}
	return VendorPages(c)
}
