package web

import (
	"net/http"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/disclose"
)

// POST /api/v1/delegations: an owner admin grants access (R5).
func (s *Server) grantDelegation(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	var g disclose.Grant
	if err := decode(w, r, &g); err != nil {
		return err
	}
	out, err := s.cfg.Gate.Grant(r.Context(), c, g)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/delegations/"+out.ID)
	writeJSON(w, http.StatusCreated, out)
	return nil
}

// GET /api/v1/delegations: what the caller's company granted and received.
func (s *Server) listDelegations(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	out, err := s.cfg.Gate.Delegations(r.Context(), c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// DELETE /api/v1/delegations/{id}: an owner admin revokes (R5). It takes
// effect on the very next request of the delegate: nothing caches access.
// Revoking a revoked delegation again changes nothing and answers 204.
func (s *Server) revokeDelegation(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	if _, err := s.cfg.Gate.Revoke(r.Context(), c, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
