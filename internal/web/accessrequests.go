package web

import (
	"net/http"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/accessrequests"
)

// Access requests (issue 14): a company asks for access by a link that
// names no owner; an administrator of the company that opens it approves or
// declines (internal/accessrequests decides through internal/policy).

// linkSecret is the secret of an access request link as the API takes it:
// the path's last segment, or the link's token parameter (so that both the
// secret and the tail of the whole link, "open?token=…", work).
func linkSecret(r *http.Request, q *query) string {
	if t := q.str("token"); t != "" {
		return t
	}
	return r.PathValue("secret")
}

// POST /api/v1/access-requests {"message","days","subscription_ids"}: any
// user asks; 201 {"id","link","expires_at"} — the link is shown this once.
func (s *Server) createAccessRequest(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	var ask accessrequests.Ask
	if err := decode(w, r, &ask); err != nil {
		return err
	}
	out, err := s.cfg.AccessRequests.Create(r.Context(), c, ask)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, out)
	return nil
}

// GET /api/v1/access-requests?box=received|sent: the caller's company's
// requests, newest first (the latest accessrequests.ListLimit).
func (s *Server) listAccessRequests(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	q := newQuery(r, "box")
	box := "received"
	if q.box() {
		box = "sent"
	}
	if q.err != nil {
		return q.err
	}
	rs, err := s.cfg.AccessRequests.List(r.Context(), c, box)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, items[accessrequests.Request]{Items: rs})
	return nil
}

// POST /api/v1/access-requests/{id}/withdraw: the user who asked, or an
// administrator of its company, withdraws an open request.
func (s *Server) withdrawAccessRequest(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	id, err := pathID(r, "access request")
	if err != nil {
		return err
	}
	out, err := s.cfg.AccessRequests.Withdraw(r.Context(), c, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// GET /api/v1/access-requests/link/{secret}: what the link asks, and
// whether the caller may answer it.
func (s *Server) openAccessLink(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	q := newQuery(r, "token")
	if q.err != nil {
		return q.err
	}
	out, err := s.cfg.AccessRequests.Open(r.Context(), c, linkSecret(r, q), false)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// POST /api/v1/access-requests/link/{secret}/approve {"subscription_ids","days"}.
func (s *Server) approveAccessLink(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	q := newQuery(r, "token")
	if q.err != nil {
		return q.err
	}
	var ap accessrequests.Approval
	if err := decode(w, r, &ap); err != nil {
		return err
	}
	out, err := s.cfg.AccessRequests.Approve(r.Context(), c, linkSecret(r, q), ap)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// POST /api/v1/access-requests/link/{secret}/decline {"reason"}.
func (s *Server) declineAccessLink(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	q := newQuery(r, "token")
	if q.err != nil {
		return q.err
	}
	var body struct {
		Reason string `json:"reason"`
	}
	if err := decode(w, r, &body); err != nil {
		return err
	}
	out, err := s.cfg.AccessRequests.Decline(r.Context(), c, linkSecret(r, q), body.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
