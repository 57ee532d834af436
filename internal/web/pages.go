package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/coworkers"
	"github.com/entitle-portal/entitle/internal/i18n"
)

// The portal's pages are server-rendered from templates embedded in the
// binary; they call the same services as the API, so no rule lives in a
// page or a template. This file holds the frame every page renders through
// and the pages of signed-out visitors (sign in, accept an invitation);
// portal*.go hold the signed-in pages.

//go:embed templates/*.html
var templateFS embed.FS

// staticFS holds static/…, served as is under /static/.
//
//go:embed static
var staticFS embed.FS

// pages holds the templates once for each language of the portal: in each
// set, t and th give that language's words (internal/i18n) and lang names
// it for <html lang>.
var pages = func() map[i18n.Lang]*template.Template {
	if err := i18n.Load(); err != nil {
		panic(err) // the catalogues are embedded: TestCataloguesComplete reads them first
	}
	sets := map[i18n.Lang]*template.Template{}
	for _, l := range i18n.Langs {
		p := i18n.For(l)
		// t is a message's words: the catalogue is the portal's own and
		// may hold markup (a link, a strong word); every value filled in
		// is escaped first. th is the same, named so where a message holds
		// markup.
		t := func(id string, pairs ...any) template.HTML {
			for i := 1; i < len(pairs); i += 2 {
				pairs[i] = template.HTMLEscapeString(fmt.Sprint(pairs[i]))
			}
			return template.HTML(p.T(id, pairs...))
		}
		sets[l] = template.Must(template.New("").Funcs(pageFuncs).Funcs(template.FuncMap{
			"t":    t,
			"th":   t,
			"lang": func() i18n.Lang { return l },
			// num writes a number (a price, a quantity) as the language does.
			"num": func(v any) string { return p.Number(fmt.Sprint(v)) },
			// join, relDays and basisWords in the set's language.
			"join":       func(bs []entitle.Basis) string { return joinBases(p, bs) },
			"relDays":    func(d, today entitle.Date) string { return relDaysIn(p, d, today) },
			"basisWords": func(b entitle.Basis) string { return basisWordsIn(p, b) },
			// sentence and refusal read a service's English sentence (a
			// refusal, a field's check) in the set's language
			// (i18n.Printer.Refusal); sentence also capitalises it.
			"sentence": func(msg string) string { return sentence(p.Refusal(msg)) },
			"refusal":  p.Refusal,
			"words": func(msg string) string {
				if id, ok := fixedMessages[msg]; ok {
					return p.T(id)
				}
				return msg
			},
		}).ParseFS(templateFS, "templates/*.html"))
	}
	return sets
}()

// pageFuncs are the templates' functions that do not depend on the
// language.
var pageFuncs = template.FuncMap{
	// join lists bases for people: "purchasing entity, reseller" (each
	// set of pages has its own, in its language: pages).
	"join":    func(bs []entitle.Basis) string { return joinBases(i18n.For(i18n.English), bs) },
	"relDays": relDays,
	"list":    func(xs ...string) []string { return xs },
	// pageLink is path?query#fragment as one URL: html/template would
	// escape a query written after "?" in an href.
	"pageLink": func(path, query, fragment string) template.URL {
		return template.URL(path + "?" + query + "#" + fragment)
	},
	"when":       when,
	"basisWords": basisWords,
	"sentence":   sentence,
	// The language's functions, here so that the templates parse; each
	// set of pages has its own (pages).
	"t":       func(string, ...any) template.HTML { return "" },
	"th":      func(string, ...any) template.HTML { return "" },
	"lang":    func() i18n.Lang { return i18n.English },
	"num":     func(v any) string { return fmt.Sprint(v) },
	"words":   func(msg string) string { return msg },
	"refusal": func(msg string) string { return msg },
}

// fixedMessages are the flash messages of a fixed wording the services
// and the server answer with — SPEC §4's "invited" — by their catalogue
// IDs: a page shows one in its reader's language ({{words .}}); the API's
// JSON keeps the English wording, which clients may compare. Refusals —
// SPEC §4's other outcomes, sign-in's, every service's — are read in the
// reader's language by sentence (i18n.Printer.Refusal).
var fixedMessages = map[string]string{
	coworkers.MsgInvited: "invite.sent",
	msgPasswordSet:       "login.password_set",
}

// sentence is a message as a page shows it: a sentence, its first letter
// capital. Messages are written as Go errors are (lower case: they are
// also parts of longer messages, in the API's JSON and the CLI's lines);
// every alert and field error of a page goes through it.
//
// A message that starts with a name of the API — a field or parameter
// ("q: must be at most 100 characters", "ordered_from must be a date") —
// keeps it as written.
func sentence(msg string) string {
	r, n := utf8.DecodeRuneInString(msg)
	if n == 0 || !unicode.IsLower(r) {
		return msg
	}
	if apiName(msg) {
		return msg
	}
	return string(unicode.ToUpper(r)) + msg[n:]
}

// apiName reports whether msg starts with a name of the API rather than a
// word: one with _ . or [ (ordered_from, lines[0].sku), or a short
// parameter before a colon (q:).
func apiName(msg string) bool {
	first, _, _ := strings.Cut(msg, " ")
	return strings.ContainsAny(first, "_.[") || strings.HasSuffix(first, ":") && len(first) <= 3
}

// pageHandler renders a page; an error is rendered as an error page.
type pageHandler func(w http.ResponseWriter, r *http.Request) error

func (s *Server) page(h pageHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Cache-Control", "no-store")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'")
		r = r.WithContext(i18n.WithLang(r.Context(), visitorLang(r)))
		if err := h(w, r); err != nil {
			status, body := s.describe(r, err)
			setRetryAfter(w, status, err)
			e := s.errorView(r, status, body.Error.Message)
			s.renderView(w, e.Lang, status, "error", e)
		}
	})
}

// errorPage is what an error page shows: the status and its message, in the
// portal's frame when the browser is signed in (the navigation, the user's
// name and company), so that a page that is not there or not allowed
// leaves the user where they were. A hidden entitlement and a missing one
// get the same frame, so their pages stay the same (R7).
type errorPage struct {
	*view
	Status  int
	Message string
}

func (s *Server) errorView(r *http.Request, status int, msg string) errorPage {
	e := errorPage{view: &view{Lang: visitorLang(r)}, Status: status, Message: msg}
	if status < 500 && status != http.StatusUnauthorized {
		if c, err := s.authenticateSession(r); err == nil {
			if v, err := s.frame(r, c, ""); err == nil {
				e.view = v
			}
		}
	}
	e.Title = http.StatusText(status)
	if w, ok := i18n.For(e.Lang).Lookup(fmt.Sprint("error.status_", status)); ok {
		e.Title = w // the common statuses in the page's language
	}
	return e
}

// render renders a page of signed-out visitors, in the browser's language
// (Accept-Language).
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data map[string]any) {
	s.renderView(w, visitorLang(r), status, name, data)
}

// visitorLang is the language of a reader who is not signed in: the
// browser's (Accept-Language), else English.
func visitorLang(r *http.Request) i18n.Lang {
	return i18n.Choose("", r.Header.Get("Accept-Language"))
}

// visitorT is message id in the language of a reader who is not signed in.
func visitorT(r *http.Request, id string, pairs ...any) string {
	return i18n.For(visitorLang(r)).T(id, pairs...)
}

// renderView renders the page template name, in language lang, with data
// (a *view, or a map for the pages of signed-out visitors).
func (s *Server) renderView(w http.ResponseWriter, lang i18n.Lang, status int, name string, data any) {
	set, ok := pages[lang]
	if !ok {
		set = pages[i18n.English]
	}
	var buf bytes.Buffer
	if err := set.ExecuteTemplate(&buf, name, data); err != nil {
		s.cfg.Logger.Error("render", "page", name, "err", err)
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// GET /login: the sign-in page; ?next= is where to go after (a path of
// this portal only).
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) error {
	s.renderLogin(w, r, http.StatusOK, map[string]any{"Title": visitorT(r, "login.title"), "Next": localPath(r.URL.Query().Get("next"))})
	return nil
}

// renderLogin shows the sign-in page with m's fields (Title, Email, Error,
// Notice, Next, Password) and the vendor's announcements in force: a
// webinar's banner reaches users before they sign in too. A failure to read
// them leaves the page without them (and is logged): signing in matters more.
func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, m map[string]any) {
	list, err := s.cfg.Channel.SignInBanners(r.Context())
	if err != nil {
		s.cfg.Logger.Warn("announcements for the sign-in page", "err", err)
	}
	bs := make([]banner, len(list))
	for i, a := range list {
		bs[i] = banner{Announcement: a, Last: entitle.DateOf(a.Ends.Add(-time.Microsecond))}
	}
	m["Banners"] = bs
	s.render(w, r, status, "login", m)
}

// localPath returns p when it is a path of this portal, else "/": a
// sign-in never sends the browser elsewhere (no open redirect). Browsers
// read a backslash as a slash and drop tabs and newlines anywhere in a URL,
// so "/\t/evil.example" is "//evil.example" to them, and http.Redirect
// cleans "/a/../\\evil.example" to "/\\evil.example": a path with a
// control character or a backslash anywhere is refused (FuzzLocalPath).
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsFunc(p, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }) {
		return "/"
	}
	return p
}

// POST /login (the sign-in form).
func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		return errorf(codeBadRequest, "the form could not be read")
	}
	cr := credentials{Email: r.PostForm.Get("email"), Password: r.PostForm.Get("password")}
	next := localPath(r.PostForm.Get("next"))
	if strings.TrimSpace(cr.Email) != "" && cr.Password == "" {
		// The email step: single sign-on for the address's domain, else
		// the password.
		return s.ssoLoginStep(w, r, strings.TrimSpace(cr.Email), next)
	}
	if _, err := s.signIn(w, r, cr); err != nil {
		if s.secondFactorNext(w, r, err, next) {
			return nil
		}
		status, body := s.describe(r, err)
		if status >= 500 {
			return err
		}
		setRetryAfter(w, status, err)
		s.renderLogin(w, r, status, map[string]any{"Title": visitorT(r, "login.title"), "Email": cr.Email, "Error": body.Error.Message, "Next": next})
		return nil
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// POST /logout (the sign-out button).
func (s *Server) logoutForm(w http.ResponseWriter, r *http.Request) error {
	if err := s.signOut(w, r); err != nil {
		return err
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

// GET /invitations/accept?token=…: the page behind the invitation link.
func (s *Server) acceptPage(w http.ResponseWriter, r *http.Request) error {
	token := r.URL.Query().Get("token")
	inv, err := s.cfg.Coworkers.Lookup(r.Context(), token)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "accept", map[string]any{"Title": visitorT(r, "accept.title"), "Token": token, "Email": inv.Email})
	return nil
}

// POST /invitations/accept (the join form).
func (s *Server) acceptForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		return errorf(codeBadRequest, "the form could not be read")
	}
	req := coworkers.Acceptance{Token: r.PostForm.Get("token"), Name: r.PostForm.Get("name"), Password: r.PostForm.Get("password")}
	u, err := s.cfg.Coworkers.Accept(r.Context(), req, s.clientAddr(r))
	if err != nil {
		status, body := s.describe(r, err)
		if status >= 500 || status == http.StatusGone {
			return err
		}
		inv, _ := s.cfg.Coworkers.Lookup(r.Context(), req.Token)
		email := inv.Email
		s.render(w, r, status, "accept", map[string]any{"Title": visitorT(r, "accept.title"), "Token": req.Token, "Email": email,
			"Name": req.Name, "Error": body.Error.Message})
		return nil
	}
	if _, err := s.openSession(w, r, u); err != nil {
		if s.secondFactorNext(w, r, err, "/") { // the company requires a second factor: set it up
			return nil
		}
		return err
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

// Any other path.
func (s *Server) notFoundPage(w http.ResponseWriter, r *http.Request) error {
	return errorf(codeNotFound, "There is no page at %s.", r.URL.Path)
}
