package web

import "net/http"

// Orders: the PO lookup for members of the purchasing entity (R2, R3), with the order's lines and totals.
// Placeholders until the pages are built: each answers "not found".

func (s *Server) ordersPage(w http.ResponseWriter, r *http.Request, c who, v *view) error {
	return errorf(codeNotFound, "this page is not built yet")
}

