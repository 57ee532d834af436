package entitle

import (
	"net/url"
	"slices"
	"strings"
	"time"
)

// SSOConfig is a company's single sign-on with OpenID Connect: the
// provider (issuer) that signs its users in, the client the vendor
// registered there, and the email domains the company vouches for. An
// address of one of those domains signs in at that provider; a first sign-in
// makes the person a member of the company (never an administrator, never
// of another company). The client secret is not part of it: only the
// service that talks to the provider holds it, sealed at rest.
type SSOConfig struct {
	Company       string
	Issuer        string   // the provider's issuer URL, exactly as its ID tokens name it
	ClientID      string   // the client the vendor registered at the provider
	Domains       []string // lower-case, sorted; each vouched for by this company only
	PasswordLogin bool     // whether the company's users may still sign in with a password
	UpdatedAt     time.Time
	UpdatedBy     string
}

// MaxSSODomains bounds the domains one company vouches for.
const MaxSSODomains = 50

// NormalizeDomains trims, lower-cases, sorts and de-duplicates domains
// given as a comma-separated list or as separate values.
func NormalizeDomains(in ...string) []string {
	var out []string
	for _, s := range in {
		for d := range strings.SplitSeq(s, ",") {
			d = strings.ToLower(strings.TrimSpace(d))
			d = strings.TrimPrefix(d, "@")
			if d != "" {
				out = append(out, d)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// EmailDomain is the lower-case domain of an address, "" when it has none.
func EmailDomain(email string) string {
	i := strings.LastIndexByte(email, '@')
	if i < 0 {
		return ""
	}
	return strings.ToLower(strings.TrimSpace(email[i+1:]))
}

// Validate checks a configuration, naming each problem by field.
func (c SSOConfig) Validate() error {
	var ps Problems
	checkKey(&ps, "company", c.Company)
	if u, err := url.Parse(c.Issuer); err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" ||
		!(u.Scheme == "https" || u.Scheme == "http" && isLoopback(u.Hostname())) || len(c.Issuer) > 500 {
		ps.Add("issuer", "%q is not an issuer URL: give the provider's https:// address (http:// only on this machine, for tests and the demo)", clip(c.Issuer))
	}
	switch {
	case strings.TrimSpace(c.ClientID) == "":
		ps.Add("client_id", "the client ID is required: the provider shows it where the portal was registered")
	case len(c.ClientID) > 255 || strings.ContainsFunc(c.ClientID, func(r rune) bool { return r < 0x21 || r == 0x7f }):
		ps.Add("client_id", "the client ID must be 1 to 255 printable characters without spaces")
	}
	switch {
	case len(c.Domains) == 0:
		ps.Add("domains", "name at least one email domain the company vouches for, e.g. example.com")
	case len(c.Domains) > MaxSSODomains:
		ps.Add("domains", "at most %d domains per company (%d given)", MaxSSODomains, len(c.Domains))
	}
	for _, d := range c.Domains {
		if err := CheckPlainEmail("x@" + d); err != nil || d != strings.ToLower(d) {
			ps.Add("domains", "%q is not an email domain (as in example.com)", clip(d))
		}
	}
	return ps.Err()
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// SSOLogin is a sign-in under way at a provider: what the callback needs to
// finish it. It is used once (a replayed state finds nothing) and expires.
type SSOLogin struct {
	StateHash   string // SHA-256 of the state sent to the provider
	BindingHash string // SHA-256 of the secret in the browser's cookie: the callback must come back to the browser that started
	Company     string
	Nonce       string
	Verifier    string // the PKCE code verifier
	Next        string // where to go once signed in (a path of the portal)
	CreatedAt   time.Time
	ExpiresAt   time.Time
}
