package web

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/accounts"
	"github.com/entitle-portal/entitle/internal/i18n"
)

// Two-factor sign-in in the portal. Signing in: a right password of a user
// with a second factor sends the browser to /login/two-factor with the
// sign-in's challenge in a short-lived cookie of that path only; the page
// asks for the code (or a recovery code) — or, when the company requires a
// second factor the user has not set up, shows the key to set up and asks
// for its first code — and opens the session. The account page
// (/account/two-factor) sets it up, shows the QR code, renews the recovery
// codes and turns it off; a company's administrators require it there too.
// internal/accounts decides and records every step, as for the API.

// challengeCookie carries a sign-in's challenge from the password to the
// second factor; it is sent to /login/two-factor only.
const challengeCookie = "entitle_challenge"

const challengePath = "/login/two-factor"

func (s *Server) challengeCookieOf(r *http.Request, value string, expires time.Time) *http.Cookie {
	maxAge := int(expires.Sub(s.now()) / time.Second)
	if value == "" {
		maxAge = -1
	} else if maxAge <= 0 {
		maxAge = int(accounts.DefaultChallengeTTL / time.Second)
	}
	return &http.Cookie{Name: challengeCookie, Value: value, Path: challengePath, MaxAge: maxAge, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.cfg.SecureCookies || r.TLS != nil}
}

// secondFactorNext sends the browser on to the second factor when err
// asks for one (it reports whether it did).
func (s *Server) secondFactorNext(w http.ResponseWriter, r *http.Request, err error, next string) bool {
	var need *accounts.SecondFactorNeeded
	if !errors.As(err, &need) {
		return false
	}
	http.SetCookie(w, s.challengeCookieOf(r, need.Challenge, need.ExpiresAt))
	http.Redirect(w, r, challengePath+"?next="+url.QueryEscape(next), http.StatusSeeOther)
	return true
}

type enrolmentView struct {
	Secret string
	URL    string
	QR     template.URL // a data: URL of the PNG
}

func enrolmentViewOf(e *accounts.Enrolment) *enrolmentView {
	if e == nil {
		return nil
	}
	return &enrolmentView{Secret: e.Secret, URL: e.URL, QR: template.URL(qrDataURL(e.QR))}
}

// challengeOf is the request's sign-in challenge, "" when none.
func challengeOf(r *http.Request) string {
	if c, err := r.Cookie(challengeCookie); err == nil {
		return c.Value
	}
	return ""
}

// secondFactorStep renders the second step for the request's challenge;
// without one (or with one that ended) the sign-in starts over.
func (s *Server) secondFactorStep(w http.ResponseWriter, r *http.Request, status int, next, problem string) error {
	challenge := challengeOf(r)
	if challenge == "" {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(next), http.StatusSeeOther)
		return nil
	}
	e, err := s.cfg.Accounts.ChallengeEnrolment(r.Context(), challenge)
	if err != nil {
		st, body := s.describe(r, err)
		if st >= 500 {
			return err
		}
		http.SetCookie(w, s.challengeCookieOf(r, "", time.Time{}))
		s.renderLogin(w, r, st, map[string]any{"Title": visitorT(r, "login.title"), "Error": body.Error.Message, "Next": next})
		return nil
	}
	title := visitorT(r, "twofactor.enter_title")
	if e != nil {
		title = visitorT(r, "twofactor.enrol_title")
	}
	// Enrol: the key to set up, when the company requires a second factor.
	s.render(w, r, status, "second-factor", map[string]any{"Title": title, "Next": next, "Error": problem, "Enrol": enrolmentViewOf(e)})
	return nil
}

// GET /login/two-factor: the second step of signing in.
func (s *Server) secondFactorPage(w http.ResponseWriter, r *http.Request) error {
	return s.secondFactorStep(w, r, http.StatusOK, localPath(r.URL.Query().Get("next")), "")
}

// POST /login/two-factor {code, next}: finish signing in.
func (s *Server) secondFactorForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		return errorf(codeBadRequest, "the form could not be read")
	}
	next := localPath(r.PostForm.Get("next"))
	challenge := challengeOf(r)
	if challenge == "" {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(next), http.StatusSeeOther)
		return nil
	}
	secret, a, codes, err := s.cfg.Accounts.Complete(r.Context(), challenge, r.PostForm.Get("code"), s.clientAddr(r), sessionSecret(r), s.sessionMeta(r))
	if err != nil {
		status, body := s.describe(r, err)
		if status >= 500 {
			return err
		}
		setRetryAfter(w, status, err)
		return s.secondFactorStep(w, r, status, next, body.Error.Message)
	}
	http.SetCookie(w, s.challengeCookieOf(r, "", time.Time{}))
	http.SetCookie(w, s.cookie(r, secret, 0))
	if codes == nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	// Set up just now: the recovery codes, once.
	co, err := s.cfg.Accounts.Company(r.Context(), a)
	if err != nil {
		return err
	}
	u := a
	lang := i18n.Choose(a.Language, r.Header.Get("Accept-Language"))
	s.show(w, http.StatusOK, "recovery-codes", &view{Title: i18n.For(lang).T("twofactor.codes_title"), Section: "account", User: &u, Company: co,
		Today: entitle.DateOf(s.now()), Lang: lang, Data: recoveryCodesData{Codes: codes, Next: next, New: true}})
	return nil
}

type recoveryCodesData struct {
	Codes []string
	Next  string
	New   bool // two-factor sign-in was just turned on
}

// twoFactorData is the account page's own.
type twoFactorData struct {
	Status  accounts.TwoFactorStatus
	Enrol   *enrolmentView // the pending set-up
	Problem string
}

// GET /account/two-factor
func (s *Server) twoFactorPage(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	return s.showTwoFactor(w, r, c, v, http.StatusOK, "")
}

func (s *Server) showTwoFactor(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view, status int, problem string) error {
	st, err := s.cfg.Accounts.TwoFactor(r.Context(), c)
	if err != nil {
		return err
	}
	d := twoFactorData{Status: st, Problem: problem}
	if st.Pending {
		e, err := s.cfg.Accounts.PendingEnrolment(r.Context(), c)
		if err != nil {
			return err
		}
		d.Enrol = enrolmentViewOf(e)
	}
	v.Title, v.Data = i18n.For(v.Lang).T("twofactor.title"), d
	s.show(w, status, "two-factor", v)
	return nil
}

// refused shows the account page with err's message when err is the
// user's (a wrong code, a refusal); other errors make an error page.
func (s *Server) refusedTwoFactor(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view, err error) error {
	status, body := s.describe(r, err)
	if status >= 500 || status == http.StatusNotFound {
		return err
	}
	setRetryAfter(w, status, err)
	return s.showTwoFactor(w, r, c, v, status, body.Error.Message)
}

// POST /account/two-factor/start
func (s *Server) startTOTPForm(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	if _, err := s.cfg.Accounts.StartTOTP(r.Context(), c); err != nil {
		return s.refusedTwoFactor(w, r, c, v, err)
	}
	return s.done(w, r, "/account/two-factor", i18n.For(v.Lang).T("twofactor.started"))
}

// POST /account/two-factor/confirm {code}: the recovery codes, once.
func (s *Server) confirmTOTPForm(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	codes, err := s.cfg.Accounts.ConfirmTOTP(r.Context(), c, r.PostForm.Get("code"), s.clientAddr(r))
	if err != nil {
		return s.refusedTwoFactor(w, r, c, v, err)
	}
	v.Title, v.Data = i18n.For(v.Lang).T("twofactor.codes_title"), recoveryCodesData{Codes: codes, Next: "/account/two-factor", New: true}
	s.show(w, http.StatusOK, "recovery-codes", v)
	return nil
}

// POST /account/two-factor/recovery-codes {code}
func (s *Server) recoveryCodesForm(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	codes, err := s.cfg.Accounts.RegenerateRecoveryCodes(r.Context(), c, r.PostForm.Get("code"), s.clientAddr(r))
	if err != nil {
		return s.refusedTwoFactor(w, r, c, v, err)
	}
	v.Title, v.Data = i18n.For(v.Lang).T("twofactor.codes_title"), recoveryCodesData{Codes: codes, Next: "/account/two-factor"}
	s.show(w, http.StatusOK, "recovery-codes", v)
	return nil
}

// POST /account/two-factor/disable {code | password}; a pending set-up
// is cancelled with neither.
func (s *Server) disableTOTPForm(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	if err := s.cfg.Accounts.DisableTOTP(r.Context(), c, r.PostForm.Get("code"), r.PostForm.Get("password"), s.clientAddr(r)); err != nil {
		return s.refusedTwoFactor(w, r, c, v, err)
	}
	return s.done(w, r, "/account/two-factor", i18n.For(v.Lang).T("twofactor.turned_off"))
}

// POST /account/two-factor/require {required: true|false}
func (s *Server) requireTwoFactorForm(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	on := r.PostForm.Get("required") == "true"
	if err := s.cfg.Accounts.RequireTwoFactor(r.Context(), c, c.Company, on); err != nil {
		return s.refusedTwoFactor(w, r, c, v, err)
	}
	msg := i18n.For(v.Lang).T("twofactor.not_required")
	if on {
		msg = i18n.For(v.Lang).T("twofactor.required")
	}
	return s.done(w, r, "/account/two-factor", msg)
}
