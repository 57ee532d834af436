package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/disclose"
	"github.com/entitle-portal/entitle/internal/i18n"
)

// The Delegations page: owner admins grant access (company key, scope,
// expiry) and revoke it; everyone sees what was delegated to their company.
// It lists, grants and revokes through the very functions the API's
// handlers use (delegations.go: delegations, grant, revoke), so the portal
// and the API decide alike (R4, R5, R7).

// The grant form's inputs, by id (the browser tests rely on them).
const (
	grantDelegate = "grant-delegate"
	grantScope    = "grant-scope"
	grantSubs     = "grant-subs"
	grantExpires  = "grant-expires"
)

// grantForm is the grant form as the user filled it in, with a message per
// input id for what was refused ("" for the form as a whole).
type grantForm struct {
	Delegate, Scope, Subs, Expires string
	Errors                         map[string]string
}

// delegationRow is one delegation as the page shows it.
type delegationRow struct {
	disclose.Delegation
	Subs        []subLink // the listed subscriptions, each with its page
	Expires     string    // ISO date and time, "" for never
	ExpiresIn   string    // "in 23 days", "5 days ago"
	Revocable   bool      // the caller may revoke it now (R5)
	Since       string    // when it was granted
	RevokedOn   string    // when it was revoked
	ScopeWords  string    // "All entitlements", "2 listed entitlements"
	StatusWords string    // the status as its badge shows it ("active")
}

type subLink struct{ ID, Href string }

type delegationsPage struct {
	CanGrant  bool // the caller may grant delegations (R5): the form is shown
	Form      grantForm
	Granted   []delegationRow
	Received  []delegationRow
	MinExpiry string // the earliest expiry date, named in the field's hint
}

// GET /delegations.
func (s *Server) delegationsPage(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	return s.showDelegations(w, r, c, v, http.StatusOK, grantForm{Scope: "all"})
}

// showDelegations renders the page with form as filled in (and its errors).
func (s *Server) showDelegations(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view, status int, form grantForm) error {
	ctx := r.Context()
	may := s.cfg.Gate.MayGrant(ctx, c)
	if err := unlessRefusal(may); err != nil {
		return err
	}
	list, err := s.cfg.Gate.Delegations(ctx, c)
	if err != nil {
		return err
	}
	p := i18n.For(v.Lang)
	data := delegationsPage{CanGrant: may == nil, Form: form, MinExpiry: v.Today.AddDays(1).String()}
	for _, d := range list.Granted {
		row := delegationRowOf(p, d, v.Today)
		row.Revocable = d.MayRevoke && d.Status == "active"
		data.Granted = append(data.Granted, row)
	}
	for _, d := range list.Received {
		data.Received = append(data.Received, delegationRowOf(p, d, v.Today))
	}
	v.Title, v.Data = p.T("delegations.title"), &data
	s.show(w, status, "delegations", v)
	return nil
}

func delegationRowOf(p *i18n.Printer, d disclose.Delegation, today entitle.Date) delegationRow {
	words := []rune(scopeWords(p, d))
	row := delegationRow{Delegation: d, Since: when(d.CreatedAt), ScopeWords: strings.ToUpper(string(words[:1])) + string(words[1:]),
		StatusWords: statusWords(p, "delegations.status_", d.Status)}
	for _, sub := range d.SubscriptionIDs {
		row.Subs = append(row.Subs, subLink{ID: sub, Href: "/entitlements/" + url.PathEscape(sub)})
	}
	if d.ExpiresAt != nil {
		row.Expires, row.ExpiresIn = when(*d.ExpiresAt), relDaysIn(p, entitle.DateOf(*d.ExpiresAt), today)
	}
	if d.RevokedAt != nil {
		row.RevokedOn = when(*d.RevokedAt)
	}
	return row
}

// scopeWords says what d covers in p's language, as disclose's ScopeWords
// does in English: "all entitlements", "2 listed entitlements".
func scopeWords(p *i18n.Printer, d disclose.Delegation) string {
	if d.Scope == "all" {
		return p.T("delegations.scope_words_all")
	}
	return p.N("delegations.scope_words_listed", len(d.SubscriptionIDs))
}

// POST /delegations: the grant form. Only a caller who may grant gets the
// form, and only such a caller's post is read (a forged post is refused as
// the API refuses it); what the API would refuse is shown next to its input.
func (s *Server) grantDelegationForm(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	ctx := r.Context()
	if err := s.cfg.Gate.MayGrant(ctx, c); err != nil {
		return err
	}
	p := i18n.For(v.Lang)
	f := r.PostForm
	form := grantForm{Delegate: strings.TrimSpace(f.Get("delegate")), Scope: f.Get("scope"), Subs: f.Get("subscription_ids"),
		Expires: strings.TrimSpace(f.Get("expires_at")), Errors: map[string]string{}}
	req := disclose.Grant{Delegate: form.Delegate}
	subs := strings.FieldsFunc(form.Subs, func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) })
	switch form.Scope {
	case "all":
		if len(subs) > 0 {
			form.Errors[grantSubs] = p.T("delegations.err_subs_with_all")
		}
	case "listed":
		if len(subs) == 0 {
			form.Errors[grantSubs] = p.T("delegations.err_subs_none")
		}
		// Sorted and without repeats, as grant keeps them: its problems
		// name the subscriptions by their place in this list.
		subs = slices.Compact(slices.Sorted(slices.Values(subs)))
		req.SubscriptionIDs = &subs
	default:
		form.Errors[grantScope] = p.T("delegations.err_scope")
	}
	if form.Expires != "" {
		// Access ends as that day begins (UTC): the date shown is the
		// first day without access.
		if day, err := entitle.ParseDate(form.Expires); err != nil {
			form.Errors[grantExpires] = p.T("delegations.err_expires", "Example", v.Today.AddDays(30).String())
		} else {
			req.ExpiresAt = day.Time().UTC().Format(time.RFC3339)
		}
	}
	if len(form.Errors) > 0 {
		return s.showDelegations(w, r, c, v, http.StatusUnprocessableEntity, form)
	}
	d, err := s.cfg.Gate.Grant(ctx, c, req)
	if err != nil {
		status, ok := grantErrors(err, subs, form.Errors)
		if !ok {
			return err
		}
		return s.showDelegations(w, r, c, v, status, form)
	}
	var msg string
	who, scope := d.Delegate.Name, scopeWords(p, d)
	switch {
	case d.Scope == "all" && d.ExpiresAt != nil:
		msg = p.T("delegations.granted_all_until", "Delegate", who, "Scope", scope, "Until", when(*d.ExpiresAt))
	case d.Scope == "all":
		msg = p.T("delegations.granted_all", "Delegate", who, "Scope", scope)
	case d.ExpiresAt != nil:
		msg = p.T("delegations.granted_listed_until", "Delegate", who, "Scope", scope, "Until", when(*d.ExpiresAt))
	default:
		msg = p.T("delegations.granted_listed", "Delegate", who, "Scope", scope)
	}
	return s.done(w, r, "/delegations", msg)
}

// grantErrors places what grant refused next to the form's inputs and
// returns the page's status (the API's); ok is false for an error that is
// no answer to the form (it is the error page's).
func grantErrors(err error, subs []string, into map[string]string) (status int, ok bool) {
	add := func(id, msg string) {
		if prev := into[id]; prev != "" {
			msg = prev + "; " + msg
		}
		into[id] = msg
	}
	var ps entitle.Problems
	var e *entitle.Error
	switch {
	case errors.As(err, &ps):
		for _, p := range ps {
			field, index, _ := strings.Cut(strings.TrimSuffix(p.Field, "]"), "[")
			switch field {
			case "delegate":
				add(grantDelegate, p.Message)
			case "expires_at":
				add(grantExpires, p.Message)
			case "subscription_ids":
				msg := p.Message
				if i, err := strconv.Atoi(index); err == nil && i < len(subs) && !strings.Contains(msg, strconv.Quote(subs[i])) {
					msg = subs[i] + ": " + msg
				}
				add(grantSubs, msg)
			default:
				add("", p.String())
			}
		}
		return http.StatusUnprocessableEntity, true
	case errors.As(err, &e):
		status, known := statusOf[e.Code]
		if !known {
			return 0, false
		}
		switch e.Code {
		case codeInvalid:
			if rest, isDelegate := strings.CutPrefix(e.Message, "delegate: "); isDelegate {
				add(grantDelegate, rest)
			} else {
				add("", e.Message)
			}
		case codeNotFound, codeForbidden: // a listed subscription the caller cannot see, or does not own
			add(grantSubs, e.Message)
		default:
			return 0, false
		}
		return status, true
	}
	return 0, false
}

// POST /delegations/{id}/revoke: a Revoke button, here or on an
// entitlement's page (its hidden field back says where to return). Another
// company's delegation is the "not found" page (R7).
func (s *Server) revokeDelegationForm(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	d, err := s.cfg.Gate.Revoke(r.Context(), c, r.PathValue("id"))
	if err != nil {
		return err
	}
	back := "/delegations"
	if b := r.PostForm.Get("back"); b != "" {
		back = localPath(b)
	}
	p := i18n.For(v.Lang)
	msg := p.T("delegations.revoked", "Delegate", d.Delegate.Name, "Scope", scopeWords(p, d))
	if d.RevokedAt != nil {
		msg = p.T("delegations.already_revoked", "Delegate", d.Delegate.Name)
	}
	return s.done(w, r, back, msg)
}
