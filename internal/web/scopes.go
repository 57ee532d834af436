package web

import (
	"fmt"
	"net/http"

	"github.com/entitle-portal/entitle"
)

// withinScope refuses a request made with an API token holding scopes
// when its route (r.Pattern) needs a scope the token lacks, or a session
// (apiScopes in routes.go). The refusal names the scope, in the body and,
// as RFC 6750 §3.1 asks, in the WWW-Authenticate header.
func withinScope(w http.ResponseWriter, r *http.Request, scopes entitle.Scopes) error {
	need, ok := apiScopes[r.Pattern]
	switch {
	case !ok:
		// apiScopes forgot the route (TestEveryAPIRouteHasScope fails):
		// refuse rather than guess.
		return errorf(entitle.CodeSessionRequired, "no API token may use %s: the route has no scope yet; use a signed-in session instead", r.Pattern)
	case need == sessionOnly:
		return errorf(entitle.CodeSessionRequired, "an API token may not use %s: it changes how the account signs in (password, two-factor, sessions, API tokens); use a signed-in session instead (the portal's Account page)", r.Pattern)
	case scopes.Has(need):
		return nil
	}
	w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer error="insufficient_scope", scope="%s"`, need))
	return errorf(entitle.CodeInsufficientScope, "this token lacks the scope %s: %s needs it; make a token with the scope %s (the Account page, or entitle token create --scope)", need, r.Pattern, need)
}
