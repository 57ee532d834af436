package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/disclose"
	"github.com/entitle-portal/entitle/internal/policy"
)

type grantRequest struct {
	Delegate        string    `json:"delegate"`
	SubscriptionIDs *[]string `json:"subscription_ids"` // absent (or null): every entitlement the owner owns
	ExpiresAt       string    `json:"expires_at"`       // RFC 3339, optional
}

// POST /api/v1/delegations: an owner admin grants access (R5).
func (s *Server) grantDelegation(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	var req grantRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	d, err := s.grant(r.Context(), c, req)
	if err != nil {
		return err
	}
	out, err := disclose.DelegationOf(c, d, d.CreatedAt, s.svc.Parties(r.Context()))
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/delegations/"+d.ID)
	writeJSON(w, http.StatusCreated, out)
	return nil
}

// grant records the delegation req asks for, when the caller may grant it
// (R5), with its audit event. The API and the portal's grant form both
// grant through it.
func (s *Server) grant(ctx context.Context, c entitle.Actor, req grantRequest) (entitle.Delegation, error) {
	now := s.now()
	d := entitle.Delegation{Owner: c.Company, Delegate: req.Delegate, CreatedAt: now, CreatedBy: c.Email}
	var ps entitle.Problems
	if req.Delegate == "" {
		ps.Add("delegate", "required: the key of the company that receives access")
	}
	if req.SubscriptionIDs != nil {
		d.SubscriptionIDs = slices.Compact(slices.Sorted(slices.Values(*req.SubscriptionIDs)))
		if d.SubscriptionIDs == nil {
			d.SubscriptionIDs = []string{}
		}
	}
	if req.ExpiresAt != "" {
		t, err := time.Parse(time.RFC3339, req.ExpiresAt)
		switch {
		case err != nil:
			ps.Add("expires_at", "%q is not an RFC 3339 time such as 2027-01-31T00:00:00Z", clipParam(req.ExpiresAt))
		case !t.After(now):
			ps.Add("expires_at", "must be in the future")
		default:
			d.ExpiresAt = t.UTC()
		}
	}
	if len(ps) == 0 {
		if err := d.Validate(); err != nil {
			return entitle.Delegation{}, err
		}
	}
	if err := ps.Err(); err != nil {
		return entitle.Delegation{}, err
	}
	var subs []string
	if !d.All() {
		subs = d.SubscriptionIDs
	}
	dec, err := s.svc.Delegable(ctx, c, subs)
	if err != nil {
		return entitle.Delegation{}, err
	}
	if !dec.Allowed {
		return entitle.Delegation{}, errorf(codeForbidden, "%s", reason(dec.Reasons, "you may not grant this delegation"))
	}
	ev := entitle.AuditEvent{At: now, Actor: c.Email, Company: c.Company, Action: "delegation.grant", Basis: dec.Basis, Outcome: "ok",
		Detail: fmt.Sprintf("to %s, %s", d.Delegate, scopeText(d))}
	return s.cfg.DB.GrantDelegation(ctx, d, ev)
}

func scopeText(d entitle.Delegation) string {
	if d.All() {
		return "all entitlements"
	}
	if len(d.SubscriptionIDs) == 1 {
		return "1 listed entitlement"
	}
	return fmt.Sprintf("%d listed entitlements", len(d.SubscriptionIDs))
}

func reason(reasons []string, fallback string) string {
	if len(reasons) == 0 {
		return fallback
	}
	return reasons[0]
}

type delegationsAnswer struct {
	Granted  []disclose.Delegation `json:"granted"`
	Received []disclose.Delegation `json:"received"`
}

// GET /api/v1/delegations: what the caller's company granted and received.
func (s *Server) listDelegations(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	out, err := s.delegations(r.Context(), c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// delegations is what the caller's company granted and received, each as
// that side may see it (R4, R7); the listing is audited. The API and the
// portal's Delegations page both list through it.
func (s *Server) delegations(ctx context.Context, c entitle.Actor) (delegationsAnswer, error) {
	now := s.now()
	granted, received, err := s.cfg.DB.Delegations(ctx, c.Company)
	if err != nil {
		return delegationsAnswer{}, err
	}
	out := delegationsAnswer{Granted: []disclose.Delegation{}, Received: []disclose.Delegation{}}
	party := s.svc.Parties(ctx)
	for _, d := range granted {
		j, err := disclose.DelegationOf(c, d, now, party)
		if err != nil {
			return delegationsAnswer{}, err
		}
		out.Granted = append(out.Granted, j)
	}
	for _, d := range received {
		j, err := disclose.DelegationOf(c, d, now, party)
		if err != nil {
			return delegationsAnswer{}, err
		}
		out.Received = append(out.Received, j)
	}
	if err := s.cfg.DB.Audit(ctx, entitle.AuditEvent{At: now, Actor: c.Email, Company: c.Company, Action: "delegation.list", Outcome: "ok",
		Detail: fmt.Sprintf("%d granted, %d received", len(out.Granted), len(out.Received))}); err != nil {
		return delegationsAnswer{}, err
	}
	return out, nil
}

// DELETE /api/v1/delegations/{id}: an owner admin revokes (R5). It takes
// effect on the very next request of the delegate: nothing caches access.
// Revoking a revoked delegation again changes nothing and answers 204.
func (s *Server) revokeDelegation(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	if _, err := s.revoke(r.Context(), c, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// revoke ends delegation id when the caller may (R5) and returns it as it
// was found; another company's is not_found (R7). The API and the portal's
// Revoke buttons both revoke through it.
func (s *Server) revoke(ctx context.Context, c entitle.Actor, id string) (entitle.Delegation, error) {
	missing := errorf(codeNotFound, "delegation %s not found", id)
	d, err := s.cfg.DB.Delegation(ctx, id)
	switch {
	case errors.Is(err, entitle.ErrNotFound):
		return entitle.Delegation{}, missing
	case err != nil:
		return entitle.Delegation{}, err
	}
	dec, visible := policy.RevokeDelegation(c, d.Owner, d.Delegate)
	if !visible {
		return entitle.Delegation{}, missing
	}
	if !dec.Allowed {
		return entitle.Delegation{}, errorf(codeForbidden, "%s", reason(dec.Reasons, "you may not revoke this delegation"))
	}
	now := s.now()
	ev := entitle.AuditEvent{At: now, Actor: c.Email, Company: c.Company, Action: "delegation.revoke", Basis: dec.Basis, Outcome: "ok",
		Detail: "from " + d.Delegate}
	if err := s.cfg.DB.RevokeDelegation(ctx, id, c.Company, c.Email, now, ev); errors.Is(err, entitle.ErrNotFound) {
		return entitle.Delegation{}, missing
	} else if err != nil {
		return entitle.Delegation{}, err
	}
	return d, nil
}
