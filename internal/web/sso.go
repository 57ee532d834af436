package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/i18n"
	"github.com/entitle-portal/entitle/internal/sso"
)

// Single sign-on with OpenID Connect, per company (internal/sso decides):
// starting a sign-in at a company's provider (the sign-in page's email
// step, or POST /api/v1/sso/start), the provider's callback, and the
// vendor's page that configures it.

// ssoCookie keeps, for the callback, a secret of the browser that started a
// sign-in at a provider: only that browser can finish it (a link to the
// callback sent to somebody else signs nobody in).
const ssoCookie = "entitle_sso"

func (s *Server) ssoCookie(r *http.Request, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: ssoCookie, Value: value, Path: sso.CallbackPath, MaxAge: maxAge, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.cfg.SecureCookies || r.TLS != nil}
}

type ssoStartRequest struct {
	Email string `json:"email"`
	Next  string `json:"next,omitempty"`
}

type ssoStartAnswer struct {
	Method   string `json:"method"`             // "sso" or "password"
	Redirect string `json:"redirect,omitempty"` // where to send the browser, for "sso"
}

// POST /api/v1/sso/start {"email","next"} → 200 {"method":"sso","redirect":URL}
// with the cookie the callback needs, or {"method":"password"}: the
// answer depends on the address's domain only, never on its account.
func (s *Server) ssoStart(w http.ResponseWriter, r *http.Request) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	var req ssoStartRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	red, err := s.cfg.SSO.Start(r.Context(), req.Email, localPath(req.Next), s.clientAddr(r))
	if err != nil {
		return err
	}
	if !red.SSO {
		writeJSON(w, http.StatusOK, ssoStartAnswer{Method: "password"})
		return nil
	}
	http.SetCookie(w, s.ssoCookie(r, red.Binding, int(sso.DefaultLoginTTL.Seconds())))
	writeJSON(w, http.StatusOK, ssoStartAnswer{Method: "sso", Redirect: red.URL})
	return nil
}

// ssoLoginStep is the sign-in form's email step (an address and no
// password): to the company's provider when its domain signs in there —
// through a page that moves on by itself, since the sign-in page's
// Content-Security-Policy lets its form go nowhere but this portal — else
// back to the form, for the password.
func (s *Server) ssoLoginStep(w http.ResponseWriter, r *http.Request, email, next string) error {
	red, err := s.cfg.SSO.Start(r.Context(), email, next, s.clientAddr(r))
	if err != nil {
		status, body := s.describe(r, err)
		if status >= 500 && status != http.StatusServiceUnavailable {
			return err
		}
		setRetryAfter(w, status, err)
		s.renderLogin(w, r, status, map[string]any{"Title": visitorT(r, "login.title"), "Email": email, "Error": body.Error.Message, "Next": next})
		return nil
	}
	if !red.SSO {
		s.renderLogin(w, r, http.StatusOK, map[string]any{"Title": visitorT(r, "login.title"), "Email": email, "Next": next, "Password": true})
		return nil
	}
	http.SetCookie(w, s.ssoCookie(r, red.Binding, int(sso.DefaultLoginTTL.Seconds())))
	s.render(w, r, http.StatusOK, "sso_redirect", map[string]any{"Title": visitorT(r, "sso.title"), "URL": red.URL})
	return nil
}

// GET /sso/callback?state=…&code=… (or &error=…): the provider sends the
// browser back; a session opens and the browser goes where it was going.
// A refusal shows the sign-in page with one of internal/sso's fixed
// messages, never the provider's words.
func (s *Server) ssoCallback(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	binding := ""
	if c, err := r.Cookie(ssoCookie); err == nil {
		binding = c.Value
	}
	http.SetCookie(w, s.ssoCookie(r, "", -1))
	u, next, err := s.cfg.SSO.Finish(r.Context(), sso.Callback{State: q.Get("state"), Code: q.Get("code"), Error: q.Get("error"), Binding: binding,
		Addr: s.clientAddr(r)})
	if err == nil {
		// A user with two-factor sign-in (or of a company that requires
		// it) gives the second factor after the provider, as after a
		// password.
		if _, err = s.openSession(w, r, u); s.secondFactorNext(w, r, err, localPath(next)) {
			return nil
		}
	}
	if err != nil {
		status, body := s.describe(r, err)
		if status >= 500 {
			return err
		}
		setRetryAfter(w, status, err)
		s.renderLogin(w, r, status, map[string]any{"Title": visitorT(r, "login.title"), "Error": body.Error.Message, "Next": "/"})
		return nil
	}
	http.Redirect(w, r, localPath(next), http.StatusSeeOther)
	return nil
}

// ---- The vendor's page ----

type ssoForm struct {
	Company, Issuer, ClientID, Domains string
	PasswordLogin                      bool
	Errors                             map[string]string
}

type ssoView struct {
	Rows        []entitle.SSOConfig
	CanChange   bool
	Reason      string
	Form        ssoForm
	RedirectURI string
}

// GET /vendor/sso: every company's single sign-on, and the form that sets
// one (the vendor's administrators).
func (s *Server) ssoPage(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	if err := s.cfg.SSO.CheckPage(c, r.URL.Path); err != nil {
		return err
	}
	if q := newQuery(r, "company"); q.err != nil {
		return q.err
	}
	return s.showSSO(w, r, c, v, ssoForm{PasswordLogin: true, Company: strings.TrimSpace(r.URL.Query().Get("company"))}, http.StatusOK)
}

func (s *Server) showSSO(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view, f ssoForm, status int) error {
	list, err := s.cfg.SSO.Configs(r.Context(), c, "/vendor/sso")
	if err != nil {
		return err
	}
	ok, why := s.cfg.Channel.Changeable(c)
	if f.Company != "" && f.Issuer == "" && f.Errors == nil {
		for _, x := range list { // editing: the form starts from what is recorded
			if x.Company == f.Company {
				f.Issuer, f.ClientID, f.Domains, f.PasswordLogin = x.Issuer, x.ClientID, strings.Join(x.Domains, ", "), x.PasswordLogin
			}
		}
	}
	v.Title, v.Data = i18n.For(v.Lang).T("vendorsso.title"), &ssoView{Rows: list, CanChange: ok, Reason: why, Form: f, RedirectURI: s.cfg.SSO.RedirectURI()}
	s.show(w, status, "vendor_sso", v)
	return nil
}

// POST /vendor/sso: set a company's single sign-on (a new one, or a change:
// an empty client secret keeps the recorded one). The issuer is asked for
// its discovery document first.
func (s *Server) ssoForm(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	f := ssoForm{Company: strings.TrimSpace(r.PostForm.Get("company")), Issuer: strings.TrimSpace(r.PostForm.Get("issuer")),
		ClientID: strings.TrimSpace(r.PostForm.Get("client_id")), Domains: strings.TrimSpace(r.PostForm.Get("domains")),
		PasswordLogin: r.PostForm.Get("password_login") != "", Errors: map[string]string{}}
	_, err := s.cfg.SSO.Set(r.Context(), c, r.URL.Path, sso.Setting{Company: f.Company, Issuer: f.Issuer, ClientID: f.ClientID,
		ClientSecret: r.PostForm.Get("client_secret"), Domains: []string{f.Domains}, PasswordLogin: f.PasswordLogin, Check: true})
	var ps entitle.Problems
	var e *entitle.Error
	switch {
	case errors.As(err, &ps):
		for _, p := range ps {
			field, _, _ := strings.Cut(p.Field, "[")
			if f.Errors[field] == "" {
				f.Errors[field] = p.Message
			}
		}
		return s.showSSO(w, r, c, v, f, http.StatusUnprocessableEntity)
	case errors.As(err, &e) && (e.Code == entitle.CodeConflict || e.Code == entitle.CodeInvalid):
		f.Errors["domains"] = e.Message
		if e.Code == entitle.CodeInvalid {
			delete(f.Errors, "domains")
			f.Errors["client_secret"] = e.Message
		}
		return s.showSSO(w, r, c, v, f, http.StatusUnprocessableEntity)
	case errors.As(err, &e) && e.Code == entitle.CodeNotFound && f.Company != "":
		f.Errors["company"] = i18n.For(v.Lang).T("vendorsso.err_no_company", "Company", f.Company)
		return s.showSSO(w, r, c, v, f, http.StatusUnprocessableEntity)
	case err != nil:
		return err
	}
	msg := i18n.For(v.Lang).T("vendorsso.set", "Company", f.Company, "Domains", strings.Join(entitle.NormalizeDomains(f.Domains), ", "), "Issuer", f.Issuer)
	return s.done(w, r, "/vendor/sso", msg)
}

// POST /vendor/sso/{company}/remove: the company's users sign in with
// passwords again.
func (s *Server) ssoRemoveForm(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	company := r.PathValue("company")
	if err := s.cfg.SSO.Remove(r.Context(), c, r.URL.Path, company); err != nil {
		return err
	}
	return s.done(w, r, "/vendor/sso", i18n.For(v.Lang).T("vendorsso.removed", "Company", company))
}
