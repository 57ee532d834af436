package web

import "net/http"

// Renewals and transfers: renewal options and the request form, the renewal inbox, transfer offers and answers.
// Placeholders until the pages are built: each answers "not found".

func (s *Server) renewPage(w http.ResponseWriter, r *http.Request, c who, v *view) error {
	return errorf(codeNotFound, "this page is not built yet")
}

func (s *Server) renewForm(w http.ResponseWriter, r *http.Request, c who, v *view) error {
	return errorf(codeNotFound, "this page is not built yet")
}

func (s *Server) renewalsPage(w http.ResponseWriter, r *http.Request, c who, v *view) error {
	return errorf(codeNotFound, "this page is not built yet")
}

func (s *Server) renewalAnswerForm(w http.ResponseWriter, r *http.Request, c who, v *view) error {
	return errorf(codeNotFound, "this page is not built yet")
}

func (s *Server) transfersPage(w http.ResponseWriter, r *http.Request, c who, v *view) error {
	return errorf(codeNotFound, "this page is not built yet")
}

func (s *Server) offerTransferForm(w http.ResponseWriter, r *http.Request, c who, v *view) error {
	return errorf(codeNotFound, "this page is not built yet")
}

func (s *Server) transferAnswerForm(w http.ResponseWriter, r *http.Request, c who, v *view) error {
	return errorf(codeNotFound, "this page is not built yet")
}

