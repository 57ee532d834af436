package web

import "net/http"

// Co-workers: the invite form with SPEC §4's messages, pending invitations (revoke, resend), users (disable, admin) for admins.
// Placeholders until the pages are built: each answers "not found".

func (s *Server) coworkersPage(w http.ResponseWriter, r *http.Request, c who, v *view) error {
	return errorf(codeNotFound, "this page is not built yet")
}

func (s *Server) inviteForm(w http.ResponseWriter, r *http.Request, c who, v *view) error {
	return errorf(codeNotFound, "this page is not built yet")
}

func (s *Server) revokeInvitationForm(w http.ResponseWriter, r *http.Request, c who, v *view) error {
	return errorf(codeNotFound, "this page is not built yet")
}

func (s *Server) resendInvitationForm(w http.ResponseWriter, r *http.Request, c who, v *view) error {
	return errorf(codeNotFound, "this page is not built yet")
}

func (s *Server) changeUserForm(w http.ResponseWriter, r *http.Request, c who, v *view) error {
	return errorf(codeNotFound, "this page is not built yet")
}

