package web

import "net/http"

// Delegations: owner admins grant (company key, scope, expiry) and revoke; everyone sees what was delegated to them.
// Placeholders until the pages are built: each answers "not found".

func (s *Server) delegationsPage(w http.ResponseWriter, r *http.Request, c who, v *view) error {
	return errorf(codeNotFound, "this page is not built yet")
}

func (s *Server) grantDelegationForm(w http.ResponseWriter, r *http.Request, c who, v *view) error {
	return errorf(codeNotFound, "this page is not built yet")
}

func (s *Server) revokeDelegationForm(w http.ResponseWriter, r *http.Request, c who, v *view) error {
	return errorf(codeNotFound, "this page is not built yet")
}

