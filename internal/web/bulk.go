package web

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/disclose"
	"github.com/entitle-portal/entitle/internal/i18n"
)

// Bulk delegation (README "Bulk delegation"): the owner's administrator
// picks entitlements on My entitlements and delegates them in one step (one
// listed delegation, through the gate's Grant) or ends a delegate's access
// to them in one step (the gate's RevokeFor; the API's
// POST /api/v1/delegations/revoke).

// POST /api/v1/delegations/revoke {"delegate", "subscription_ids"}.
func (s *Server) bulkRevokeDelegations(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	var req disclose.BulkRevoke
	if err := decode(w, r, &req); err != nil {
		return err
	}
	out, err := s.cfg.Gate.RevokeFor(r.Context(), c, req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// POST /entitlements/bulk (the form around My entitlements' table, posted
// to the list's own query so a refusal shows the same page): action grant
// or revoke, the picked subscriptions (sub, one per checkbox), the
// delegate's key and for a grant an optional expiry date. A refusal — of
// any picked entitlement — changes nothing and is shown above the list.
func (s *Server) bulkDelegationForm(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	ctx := r.Context()
	f := r.PostForm
	form := bulkForm{Delegate: strings.TrimSpace(f.Get("delegate")), Expires: strings.TrimSpace(f.Get("expires_at")), Picked: f["sub"]}
	fail := func(status int, msg string) error {
		form.Problem = msg
		return s.showEntitlements(w, r, c, v, status, form)
	}
	p := i18n.For(v.Lang)
	if len(form.Picked) == 0 {
		return fail(http.StatusUnprocessableEntity, p.T("bulk.pick_one"))
	}
	if form.Delegate == "" {
		return fail(http.StatusUnprocessableEntity, p.T("bulk.enter_delegate"))
	}
	var msg string
	switch f.Get("action") {
	case "grant":
		req := disclose.Grant{Delegate: form.Delegate, SubscriptionIDs: &form.Picked}
		if form.Expires != "" {
			day, err := entitle.ParseDate(form.Expires)
			if err != nil {
				return fail(http.StatusUnprocessableEntity, p.T("bulk.expiry_format", "Example", v.Today.AddDays(30).String()))
			}
			req.ExpiresAt = day.Time().UTC().Format(time.RFC3339)
		}
		d, err := s.cfg.Gate.Grant(ctx, c, req)
		if err != nil {
			return bulkRefusal(p, err, fail)
		}
		msg = "Access granted: " + d.Delegate.Name + " now sees the " + d.ScopeWords() + " you picked"
		if d.ExpiresAt != nil {
			msg += ", until " + when(*d.ExpiresAt)
		}
		msg += "."
	case "revoke":
		out, err := s.cfg.Gate.RevokeFor(ctx, c, disclose.BulkRevoke{Delegate: form.Delegate, SubscriptionIDs: form.Picked})
		if err != nil {
			return bulkRefusal(p, err, fail)
		}
		name := form.Delegate
		if len(out.Revoked) > 0 {
			name = out.Revoked[0].Delegate.Name
		}
		msg = fmt.Sprintf("Access ended: %s no longer sees the entitlements you picked (%d %s revoked", name, len(out.Revoked), plural(len(out.Revoked), "delegation", "delegations"))
		if len(out.Kept) > 0 {
			msg += fmt.Sprintf("; what they covered besides is granted again in %d new %s", len(out.Kept), plural(len(out.Kept), "delegation", "delegations"))
		}
		msg += ")."
	default:
		return fail(http.StatusUnprocessableEntity, p.T("bulk.choose_action"))
	}
	return s.done(w, r, withQuery("/", listQuery(r)), msg)
}

// bulkRefusal shows what the gate refused above the list, with the API's
// status, in p's language (the gate's reason as it wrote it); any other
// error is the error page's.
func bulkRefusal(p *i18n.Printer, err error, fail func(int, string) error) error {
	var ps entitle.Problems
	var e *entitle.Error
	switch {
	case errors.As(err, &ps):
		return fail(http.StatusUnprocessableEntity, p.T("bulk.unchanged", "Reason", problemsIn(p, ps).Error()))
	case errors.As(err, &e):
		if status, ok := statusOf[e.Code]; ok && status < 500 {
			return fail(status, p.T("bulk.unchanged", "Reason", p.Refusal(e.Message)))
		}
	}
	return err
}

// problemsIn is ps with each problem's message in p's language.
func problemsIn(p *i18n.Printer, ps entitle.Problems) entitle.Problems {
	out := make(entitle.Problems, len(ps))
	for i, pr := range ps {
		pr.Message = p.Refusal(pr.Message)
		out[i] = pr
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
