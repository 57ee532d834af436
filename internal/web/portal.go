package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/auth"
	"github.com/entitle-portal/entitle/internal/i18n"
)

// The portal's frame: every signed-in page gets a view (who is signed in,
// the navigation, a CSRF token for its forms, a message after an action)
// and renders through layout.html. Pages call the same services as the API
// — the gate, co-workers, lifecycle, audit, channel — so no rule is written
// in a page or a template: even the navigation shows an entry on the very
// decision that guards its page.

// view is what every page template gets; Data is the page's own.
type view struct {
	Title   string
	Section string // the navigation entry of the page
	User    *entitle.Actor
	Company entitle.Company
	Nav     nav
	CSRF    string
	Flash   string // what the last action did
	Today   entitle.Date
	Banners []banner // announcements in force the user has not dismissed
	// Lang is the language of the page: the user's own setting, else the
	// browser's (i18n.Choose).
	Lang i18n.Lang
	Data any
}

// nav is which of the navigation's optional entries the user gets: each on
// the decision that guards its page.
type nav struct {
	Audit    bool // the audit trail (policy.ReadAudit)
	Vendor   bool // the vendor's pages (policy.VendorPages)
	Webhooks bool // the company's webhooks (policy.ManageWebhooks)
}

// portalHandler is a signed-in page: it renders v (or returns an error,
// rendered as an error page).
type portalHandler func(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error

// portal adapts a signed-in page: without a session it sends the browser to
// the sign-in page and back (an API token is no session: the portal is for
// people); a POST must carry the session's CSRF token.
func (s *Server) portal(section string, h portalHandler) http.Handler {
	return s.page(func(w http.ResponseWriter, r *http.Request) error {
		c, err := s.authenticateSession(r)
		if err != nil {
			var e *entitle.Error
			if errors.As(err, &e) && e.Code == codeUnauthenticated {
				next := r.URL.RequestURI()
				if r.Method != http.MethodGet {
					next = "/" // a form's action is no page to come back to
				}
				http.Redirect(w, r, "/login?next="+url.QueryEscape(next), http.StatusSeeOther)
				return nil
			}
			return err
		}
		if r.Method == http.MethodPost {
			if err := readForm(w, r); err != nil {
				return err
			}
			if !hmac.Equal([]byte(r.PostForm.Get("csrf")), []byte(s.csrfToken(r))) {
				return errorf(codeForbidden, "this form has expired or did not come from this portal: go back, reload the page and try again")
			}
		}
		v, err := s.frame(r, c, section)
		if err != nil {
			return err
		}
		if v.Banners, err = s.banners(r, c); err != nil {
			return err
		}
		v.Flash = s.takeFlash(w, r)
		// A mail a service writes while answering (an invitation) speaks
		// the page's language.
		return h(w, r.WithContext(i18n.WithLang(r.Context(), v.Lang)), c, v)
	})
}

// frame is what every signed-in page shows around its content: the
// navigation the user gets, their name and company, the sign-out form.
// Error pages get it too (errorView).
func (s *Server) frame(r *http.Request, c entitle.Actor, section string) (*view, error) {
	co, err := s.cfg.Accounts.Company(r.Context(), c)
	if err != nil {
		return nil, err
	}
	return &view{Section: section, User: &c, Company: co, CSRF: s.csrfToken(r), Lang: i18n.Choose(c.Language, r.Header.Get("Accept-Language")),
		Nav:   nav{Audit: s.cfg.Audit.Readable(c) == nil, Vendor: s.cfg.Channel.Visible(c), Webhooks: s.cfg.Webhooks.Manageable(c) == nil},
		Today: entitle.DateOf(s.now())}, nil
}

// maxUpload bounds a file uploaded through the portal (the vendor's
// import); uploadMemory is how much of it is kept in memory (the rest goes
// to a temporary file, removed after the request).
const (
	maxUpload    = 32 << 20
	uploadMemory = 8 << 20
)

// readForm reads a POST's form into r.PostForm: a plain form of at most
// maxBody bytes, or a multipart one (a file upload) of at most maxUpload,
// whose fields — the csrf token among them — land in r.PostForm too and
// whose files in r.MultipartForm.
func readForm(w http.ResponseWriter, r *http.Request) error {
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "multipart/form-data" {
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		if err := r.ParseForm(); err != nil {
			return errorf(codeBadRequest, "the form could not be read")
		}
		return nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload+maxBody) // the file, and room for the other fields
	if err := r.ParseMultipartForm(uploadMemory); err != nil {
		if tooLarge := (*http.MaxBytesError)(nil); errors.As(err, &tooLarge) {
			return errorf(codeTooLarge, "The file is larger than %d MB, the most the portal takes at once: split it into smaller files, or import it at the console with entitle import.", maxUpload>>20)
		}
		return errorf(codeBadRequest, "the form could not be read")
	}
	return nil
}

// show renders the page template name with v.
func (s *Server) show(w http.ResponseWriter, status int, name string, v *view) {
	s.renderView(w, v.Lang, status, name, v)
}

// done sends the browser back to path after a successful POST, with a
// message for the next page (post/redirect/get: a reload does not repeat
// the action). The message travels in a one-time cookie signed for the
// session, never in the URL: a page shows only status messages this
// server wrote, never text someone put in a link (SPEC §7).
func (s *Server) done(w http.ResponseWriter, r *http.Request, path, message string) error {
	value := base64.RawURLEncoding.EncodeToString([]byte(message))
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Value: value + "." + s.flashTag(r, value), Path: "/", MaxAge: 60,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.cfg.SecureCookies || r.TLS != nil})
	http.Redirect(w, r, path, http.StatusSeeOther)
	return nil
}

// flashCookie carries the message of the last action to the next page.
const flashCookie = "entitle_flash"

// takeFlash returns the message done left for this page, if it is one this
// server signed for this session, and clears it: it shows once.
func (s *Server) takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: s.cfg.SecureCookies || r.TLS != nil})
	value, tag, ok := strings.Cut(c.Value, ".")
	if !ok || !hmac.Equal([]byte(tag), []byte(s.flashTag(r, value))) {
		return ""
	}
	msg, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil {
		return ""
	}
	return string(msg)
}

// flashTag signs a flash message for the request's session.
func (s *Server) flashTag(r *http.Request, value string) string {
	m := hmac.New(sha256.New, s.cfg.Secret)
	m.Write([]byte("flash\x00" + auth.HashToken(sessionSecret(r)) + "\x00" + value))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// csrfToken is the token the session's forms carry: an HMAC of the session
// (its cookie's hash) under the deployment's key, so it needs no storage and
// dies with the session. Cross-origin form posts are also refused outright
// (http.CrossOriginProtection, routes.go).
func (s *Server) csrfToken(r *http.Request) string {
	secret := sessionSecret(r)
	if secret == "" {
		return ""
	}
	m := hmac.New(sha256.New, s.cfg.Secret)
	m.Write([]byte("csrf\x00" + auth.HashToken(secret)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// relDays says how far d is from today, for people: "today", "in 23 days",
// "5 days ago" (in English; relDaysIn in a page's language, and the
// templates' relDays in each set's language: pages).
func relDays(d, today entitle.Date) string {
	return relDaysIn(i18n.For(i18n.English), d, today)
}

// relDaysIn is relDays in p's language: "today", "in 23 days", "5 days
// ago" — "heute", "in 23 Tagen", "vor 5 Tagen" (helpers.*.toml).
func relDaysIn(p *i18n.Printer, d, today entitle.Date) string {
	n := today.DaysUntil(d)
	switch {
	case n == 0:
		return p.T("days.today")
	case n == 1:
		return p.T("days.tomorrow")
	case n == -1:
		return p.T("days.yesterday")
	case n > 0:
		return p.N("days.in", n)
	}
	return p.N("days.ago", -n)
}

// when writes an instant for people: ISO date and time, UTC.
func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// basisWords says in plain words why a company sees an entitlement (R8),
// in English; basisWordsIn in a page's language.
func basisWords(b entitle.Basis) string {
	return basisWordsIn(i18n.For(i18n.English), b)
}

// basisWordsIn is basisWords in p's language, as the end of "You see this
// because …" (a clause: German puts its verb last): the message
// "because."+b (statusWords).
func basisWordsIn(p *i18n.Printer, b entitle.Basis) string {
	return statusWords(p, "because.", string(b))
}

// joinBases lists bases for people, in p's language: "purchasing entity,
// reseller". The templates' join is this in each set's language (pages).
func joinBases(p *i18n.Printer, bs []entitle.Basis) string {
	out := ""
	for i, b := range bs {
		if i > 0 {
			out += ", "
		}
		out += basisName(p, b)
	}
	return out
}

// basisName names a basis for people, in p's language: "purchasing entity"
// (the message "basis."+b), or b with spaces for its underscores when it is
// no basis.
func basisName(p *i18n.Printer, b entitle.Basis) string {
	if w := statusWords(p, "basis.", string(b)); w != string(b) {
		return w
	}
	return strings.ReplaceAll(string(b), "_", " ")
}

// unlessRefusal is err unless it is a refusal the page shows as such (a
// user's error: forbidden, not found, …): the failures that make the page
// an error page.
func unlessRefusal(err error) error {
	var e *entitle.Error
	if err == nil || errors.As(err, &e) {
		return nil
	}
	return err
}
