package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/accounts"
	"github.com/entitle-portal/entitle/internal/i18n"
)

// The account pages: "forgot password" and the page behind a reset link
// (for visitors), and the signed-in user's Account page — change the
// password, personal API tokens, sessions — with the co-workers page's
// "send a password link".

// GET /password/forgot: ask for a reset link.
func (s *Server) forgotPage(w http.ResponseWriter, r *http.Request) error {
	s.render(w, r, http.StatusOK, "forgot", map[string]any{"Title": visitorT(r, "forgot.title")})
	return nil
}

// POST /password/forgot (email): the same page, with the same answer for
// every address.
func (s *Server) forgotForm(w http.ResponseWriter, r *http.Request) error {
	if err := readPublicForm(w, r); err != nil {
		return err
	}
	email := r.PostForm.Get("email")
	if err := s.cfg.Accounts.Forgot(r.Context(), email, s.clientAddr(r)); err != nil {
		status, _ := s.describe(r, err)
		if status >= 500 {
			return err
		}
		setRetryAfter(w, status, err)
		s.render(w, r, status, "forgot", map[string]any{"Title": visitorT(r, "forgot.title"), "Email": email, "Error": s.pageMessage(r, err)})
		return nil
	}
	s.render(w, r, http.StatusAccepted, "forgot", map[string]any{"Title": visitorT(r, "forgot.title"), "Sent": accounts.MsgResetSent})
	return nil
}

// GET /password/reset?token=…: the page behind a reset link.
func (s *Server) resetPage(w http.ResponseWriter, r *http.Request) error {
	token := r.URL.Query().Get("token")
	if err := s.cfg.Accounts.CheckReset(r.Context(), token); err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "reset", map[string]any{"Title": visitorT(r, "reset.title"), "Token": token})
	return nil
}

// POST /password/reset (token, password): set it, then sign in again.
func (s *Server) resetForm(w http.ResponseWriter, r *http.Request) error {
	if err := readPublicForm(w, r); err != nil {
		return err
	}
	token := r.PostForm.Get("token")
	if _, err := s.cfg.Accounts.Reset(r.Context(), token, r.PostForm.Get("password"), s.clientAddr(r)); err != nil {
		status, _ := s.describe(r, err)
		if status >= 500 || status == http.StatusGone || status == http.StatusBadRequest {
			return err // the link does not work: the error page says why
		}
		setRetryAfter(w, status, err)
		s.render(w, r, status, "reset", map[string]any{"Title": visitorT(r, "reset.title"), "Token": token, "Error": s.pageMessage(r, err)})
		return nil
	}
	// Every session ended with the reset, this browser's too.
	http.SetCookie(w, s.cookie(r, "", -1))
	s.renderLogin(w, r, http.StatusOK, map[string]any{"Title": visitorT(r, "login.title"), "Next": "/", "Notice": msgPasswordSet})
	return nil
}

// readPublicForm reads a visitor's form (no session, no CSRF token: the
// cross-origin protection of routes.go refuses other sites' posts).
func readPublicForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		return errorf(codeBadRequest, "the form could not be read")
	}
	return nil
}

// accountPage is the data of the Account page.
type accountPage struct {
	Sessions []accounts.OwnSession
	Tokens   []entitle.APIToken
	NewToken *accounts.CreatedToken // just made: shown this once

	Notices      []entitle.NoticeChoice
	NoticesError string // the change of notice preferences was refused

	Language      string      // the user's own setting: "", "en", "de"
	Langs         []i18n.Lang // the portal's languages
	Browser       i18n.Lang   // what the browser asks for (Accept-Language)
	LanguageError string      // the change of language was refused

	PasswordError string // the change of password was refused
	TokenError    string // the token was refused
	TokenName     string
	TokenDays     int
	TokenScopes   []scopeChoice // the scopes the user may give a token

	p *i18n.Printer // the page's language, for NoticeName and NoticeHint
}

// scopeChoice is one checkbox of the token form.
type scopeChoice struct {
	Scope   entitle.Scope
	Checked bool
	Hint    string
}

// scopeHints say, on the token form, what each scope lets a token do: the
// IDs of their messages.
var scopeHints = map[entitle.Scope]string{
	entitle.ScopeRead:   "account.scope_read",
	entitle.ScopeWrite:  "account.scope_write",
	entitle.ScopeImport: "account.scope_import",
	entitle.ScopeAdmin:  "account.scope_admin",
}

// scopeChoices are the checkboxes of the token form for c: one for each
// scope c may hold, ticked when in checked (all when checked is nil); the
// hints are in p's language.
func (s *Server) scopeChoices(p *i18n.Printer, c entitle.Actor, checked []string) []scopeChoice {
	var out []scopeChoice
	for _, sc := range s.cfg.Accounts.HoldableScopes(c) {
		hint := string(sc)
		if id, ok := scopeHints[sc]; ok {
			hint = p.T(id)
		}
		out = append(out, scopeChoice{Scope: sc, Checked: checked == nil || slices.Contains(checked, string(sc)), Hint: hint})
	}
	return out
}

// TokenDayChoices are the lifetimes the token form offers.
func (accountPage) TokenDayChoices() []int { return []int{7, 30, 90, 180, 366} }

// GET /account: the signed-in user's password, tokens and sessions.
func (s *Server) accountPage(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	return s.showAccount(w, r, c, v, http.StatusOK, &accountPage{TokenDays: 90})
}

func (s *Server) showAccount(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view, status int, data *accountPage) error {
	var err error
	p := i18n.For(v.Lang)
	if data.TokenScopes == nil {
		data.TokenScopes = s.scopeChoices(p, c, nil)
	}
	if data.Sessions, err = s.cfg.Accounts.Sessions(r.Context(), c, sessionSecret(r)); err != nil {
		return err
	}
	if data.Tokens, err = s.cfg.Accounts.Tokens(r.Context(), c); err != nil {
		return err
	}
	if data.Notices, err = s.cfg.Accounts.Notices(r.Context(), c); err != nil {
		return err
	}
	data.Language, data.Langs, data.Browser = c.Language, i18n.Langs, visitorLang(r)
	data.p = p
	v.Title, v.Data = p.T("account.title"), data
	s.show(w, status, "account", v)
	return nil
}

// refusedOnAccount shows the Account page again with a refusal (a 5xx is
// the error page).
func (s *Server) refusedOnAccount(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view, data *accountPage, err error, set func(string)) error {
	status, _ := s.describe(r, err)
	if status >= http.StatusInternalServerError {
		return err
	}
	set(s.pageMessage(r, err))
	setRetryAfter(w, status, err)
	return s.showAccount(w, r, c, v, status, data)
}

// POST /account/language (language: en, de, or "" for the browser's): the
// language of the portal and its mails for this user; the next page speaks
// it.
func (s *Server) languageForm(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	lang := r.PostForm.Get("language")
	if err := s.cfg.Accounts.SetLanguage(r.Context(), c, lang); err != nil {
		data := &accountPage{TokenDays: 90}
		return s.refusedOnAccount(w, r, c, v, data, err, func(m string) { data.LanguageError = m })
	}
	return s.done(w, r, "/account", i18n.For(i18n.Choose(lang, r.Header.Get("Accept-Language"))).T("account.language_saved"))
}

// POST /account/password (current_password, new_password).
func (s *Server) changePasswordForm(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	err := s.cfg.Accounts.Change(r.Context(), c, r.PostForm.Get("current_password"), r.PostForm.Get("new_password"), sessionSecret(r), s.clientAddr(r))
	if err != nil {
		data := &accountPage{TokenDays: 90}
		return s.refusedOnAccount(w, r, c, v, data, err, func(m string) { data.PasswordError = m })
	}
	return s.done(w, r, "/account", i18n.For(v.Lang).T("account.password_changed"))
}

// POST /account/tokens (name, expires_in_days, scope…): the new token is
// shown on the page this once (not after a redirect: it is in no cookie or
// URL). Its scopes are the ticked boxes; none ticked is refused.
func (s *Server) createTokenForm(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	name := r.PostForm.Get("name")
	days, err := strconv.Atoi(r.PostForm.Get("expires_in_days"))
	if err != nil {
		days = -1 // refused by the service, with its words
	}
	scopes := r.PostForm["scope"]
	if scopes == nil {
		scopes = []string{} // no box ticked: not "every scope"
	}
	data := &accountPage{TokenName: name, TokenDays: days, TokenScopes: s.scopeChoices(i18n.For(v.Lang), c, scopes)}
	t, err := s.cfg.Accounts.CreateToken(r.Context(), c, accounts.NewToken{Name: name, ExpiresIn: days, Scopes: scopes})
	if err != nil {
		return s.refusedOnAccount(w, r, c, v, data, err, func(m string) { data.TokenError = m })
	}
	data.NewToken, data.TokenName, data.TokenDays, data.TokenScopes = &t, "", 90, nil
	return s.showAccount(w, r, c, v, http.StatusCreated, data)
}

// POST /account/tokens/{id}/revoke.
func (s *Server) revokeTokenForm(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	id, err := pathID(r, "API token")
	if err == nil {
		var t entitle.APIToken
		if t, err = s.cfg.Accounts.RevokeToken(r.Context(), c, id); err == nil {
			return s.done(w, r, "/account", i18n.For(v.Lang).T("account.token_revoked", "Name", t.Name))
		}
	}
	data := &accountPage{TokenDays: 90}
	return s.refusedOnAccount(w, r, c, v, data, err, func(m string) { data.TokenError = m })
}

// POST /account/sessions/{id}/end.
func (s *Server) endSessionForm(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	if err := s.cfg.Accounts.EndSession(r.Context(), c, r.PathValue("id")); err != nil {
		return err
	}
	return s.done(w, r, "/account", i18n.For(v.Lang).T("account.session_ended"))
}

// POST /account/sessions/end-others.
func (s *Server) endOtherSessionsForm(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	n, err := s.cfg.Accounts.EndOtherSessions(r.Context(), c, sessionSecret(r))
	if err != nil {
		return err
	}
	p := i18n.For(v.Lang)
	msg := p.T("account.no_other_sessions")
	if n > 0 {
		msg = p.N("account.other_sessions_ended", n)
	}
	return s.done(w, r, "/account", msg)
}

// POST /coworkers/users/{id}/password-reset: an administrator sends a
// co-worker a link to set a new password.
func (s *Server) sendResetForm(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	id, err := pathID(r, "user")
	if err == nil {
		var u entitle.User
		if u, err = s.cfg.Accounts.SendReset(r.Context(), c, id); err == nil {
			return s.done(w, r, "/coworkers", "A link to set a new password is on its way to "+u.Email+". It works once, for an hour.")
		}
	}
	data := coworkersPage{}
	return s.refusedOnPage(w, r, c, v, &data, err, func(m string) { data.Problem = m })
}

// pageMessage is what a page says of a refusal: a problem's own sentence
// without the field's name (the page puts it next to the field), else the
// API's message.
func (s *Server) pageMessage(r *http.Request, err error) string {
	var ps entitle.Problems
	if errors.As(err, &ps) && len(ps) == 1 {
		return ps[0].Message
	}
	_, body := s.describe(r, err)
	return body.Error.Message
}

// noticeLabels say what each kind of notice is, on the Account page: the
// IDs of the messages that name and explain it.
var noticeLabels = map[string]struct{ Name, Hint string }{
	entitle.NoticeExpiryDigest:    {"account.notice_expiry_digest", "account.notice_expiry_digest_hint"},
	entitle.NoticeRenewalRequests: {"account.notice_renewal_requests", "account.notice_renewal_requests_hint"},
	entitle.NoticeAccessRequests:  {"account.notice_access_requests", "account.notice_access_requests_hint"},
}

// NoticeName names a kind of notice.
func (d accountPage) NoticeName(kind string) string {
	if l, ok := noticeLabels[kind]; ok {
		return printerOr(d.p).T(l.Name)
	}
	return kind
}

// NoticeHint explains a kind of notice.
func (d accountPage) NoticeHint(kind string) string {
	if l, ok := noticeLabels[kind]; ok {
		return printerOr(d.p).T(l.Hint)
	}
	return ""
}

// POST /account/notices (kind=… for each kind to receive): every kind
// shown is decided, checked or not.
func (s *Server) noticesForm(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	choices := map[string]bool{}
	for _, kind := range entitle.NoticeKinds {
		choices[kind] = false
	}
	for _, kind := range r.PostForm["kind"] {
		choices[kind] = true
	}
	if _, err := s.cfg.Accounts.SetNotices(r.Context(), c, choices); err != nil {
		data := &accountPage{TokenDays: 90}
		return s.refusedOnAccount(w, r, c, v, data, err, func(m string) { data.NoticesError = m })
	}
	return s.done(w, r, "/account", i18n.For(v.Lang).T("account.notices_saved"))
}
