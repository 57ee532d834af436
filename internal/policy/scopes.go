package policy

import "github.com/entitle-portal/entitle"

// The scopes of API tokens (issue 8): a token never carries more than its
// user may do. The API's routes name the scope each needs
// (internal/web/routes.go); which user may hold which is decided here.

// HoldableScopes are the scopes a's tokens may carry: read and write for
// every user, admin for a company's administrators, import for the
// vendor's administrators. A token never carries more than its user may
// do.
func HoldableScopes(a entitle.Actor) entitle.Scopes {
	out := entitle.Scopes{entitle.ScopeRead, entitle.ScopeWrite}
	if a.Admin && a.Vendor {
		out = append(out, entitle.ScopeImport)
	}
	if a.Admin {
		out = append(out, entitle.ScopeAdmin)
	}
	return out
}

// WhoMayHold says who may hold a scope, for the refusal of one asked for
// by a user who may not.
func WhoMayHold(s entitle.Scope) string {
	switch s {
	case entitle.ScopeAdmin:
		return "company administrators only"
	case entitle.ScopeImport:
		return "the vendor's administrators only"
	}
	return "every user"
}
