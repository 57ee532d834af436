package web

import "net/http"

// The vendor's pages (companies, MSAs, import with its validation report, announcements), the audit page, and dismissing an announcement banner.
// Placeholders until the pages are built: each answers "not found".

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, c who, v *view) error {
	return errorf(codeNotFound, "this page is not built yet")
}

func (s *Server) companiesPage(w http.ResponseWriter, r *http.Request, c who, v *view) error {
	return errorf(codeNotFound, "this page is not built yet")
}

func (s *Server) msasPage(w http.ResponseWriter, r *http.Request, c who, v *view) error {
	return errorf(codeNotFound, "this page is not built yet")
}

func (s *Server) importPage(w http.ResponseWriter, r *http.Request, c who, v *view) error {
	return errorf(codeNotFound, "this page is not built yet")
}

func (s *Server) importForm(w http.ResponseWriter, r *http.Request, c who, v *view) error {
	return errorf(codeNotFound, "this page is not built yet")
}

func (s *Server) announcementsPage(w http.ResponseWriter, r *http.Request, c who, v *view) error {
	return errorf(codeNotFound, "this page is not built yet")
}

func (s *Server) announceForm(w http.ResponseWriter, r *http.Request, c who, v *view) error {
	return errorf(codeNotFound, "this page is not built yet")
}

func (s *Server) endAnnouncementForm(w http.ResponseWriter, r *http.Request, c who, v *view) error {
	return errorf(codeNotFound, "this page is not built yet")
}

func (s *Server) dismissAnnouncementForm(w http.ResponseWriter, r *http.Request, c who, v *view) error {
	return errorf(codeNotFound, "this page is not built yet")
}

