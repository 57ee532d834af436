package web

import "slices"

// What the tests of package web_test read of the scopes of API routes.

// AuthenticatedRoutes are the patterns of the routes adapted by api.
func (s *Server) AuthenticatedRoutes() []string { return slices.Clone(s.authenticated) }

// APIScopes is the table of routes.go: a route's pattern → the scope an
// API token needs for it (or SessionOnly).
var APIScopes = apiScopes

// SessionOnly marks, in APIScopes, the routes no token may use.
const SessionOnly = sessionOnly
