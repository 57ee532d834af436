package entitle

import (
	"fmt"
	"slices"
	"strings"
)

// Scope is one kind of request an API token may make. A token carries a
// set of scopes: a ceiling on what it may be used for, checked before any
// handler runs. A scope never grants anything: the token's user's role and
// the gate still decide every request within it.
type Scope string

// The four scopes (README, "Scoped API tokens").
const (
	ScopeRead   Scope = "read"   // read data: entitlements, orders, delegations, partners, renewals, …
	ScopeWrite  Scope = "write"  // change data that is not administration: delegations, renewal requests, transfers, …
	ScopeImport Scope = "import" // the ingest API (the vendor's administrators only)
	ScopeAdmin  Scope = "admin"  // company administration: users, invitations, the company, webhooks, the audit trail
)

// AllScopes lists every scope, in the order lists show them.
var AllScopes = Scopes{ScopeRead, ScopeWrite, ScopeImport, ScopeAdmin}

// Scopes is a set of scopes, kept in the order of AllScopes without
// repeats.
type Scopes []Scope

// Has reports whether ss holds s.
func (ss Scopes) Has(s Scope) bool { return slices.Contains(ss, s) }

// Strings is ss as strings, for JSON and forms.
func (ss Scopes) Strings() []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}

// String is ss separated by spaces, as OAuth writes a scope list and as the
// database stores it.
func (ss Scopes) String() string { return strings.Join(ss.Strings(), " ") }

// ParseScopes reads scope names separated by commas or spaces (in any
// order, repeats allowed) into a set. An unknown name is an error that
// lists the four.
func ParseScopes(text string) (Scopes, error) {
	return ScopesOf(strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ' ' }))
}

// ScopesOf reads a list of scope names into a set (see ParseScopes).
func ScopesOf(names []string) (Scopes, error) {
	seen := map[Scope]bool{}
	for _, n := range names {
		s := Scope(strings.ToLower(strings.TrimSpace(n)))
		if s == "" {
			continue
		}
		if !AllScopes.Has(s) {
			return nil, fmt.Errorf("unknown scope %q: the scopes are %s", clipName(n), strings.Join(AllScopes.Strings(), ", "))
		}
		seen[s] = true
	}
	var out Scopes
	for _, s := range AllScopes {
		if seen[s] {
			out = append(out, s)
		}
	}
	return out, nil
}

// clipName keeps an unknown name short enough to echo back.
func clipName(s string) string {
	if r := []rune(s); len(r) > 20 {
		return string(r[:20]) + "…"
	}
	return s
}
