package web

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/coworkers"
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

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	// join lists bases for people: "purchasing entity, reseller".
	"join": func(bs []entitle.Basis) string {
		out := ""
		for i, b := range bs {
			if i > 0 {
				out += ", "
			}
			out += strings.ReplaceAll(string(b), "_", " ")
		}
		return out
	},
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
}).ParseFS(templateFS, "templates/*.html"))

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
		if err := h(w, r); err != nil {
			status, body := s.describe(r, err)
			setRetryAfter(w, status, err)
			s.renderView(w, status, "error", s.errorView(r, status, body.Error.Message))
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
	e := errorPage{view: &view{}, Status: status, Message: msg}
	if status < 500 && status != http.StatusUnauthorized {
		if c, err := s.authenticateSession(r); err == nil {
			if v, err := s.frame(r, c, ""); err == nil {
				e.view = v
			}
		}
	}
	e.Title = http.StatusText(status)
	return e
}

func (s *Server) render(w http.ResponseWriter, status int, name string, data map[string]any) {
	s.renderView(w, status, name, data)
}

// renderView renders the page template name with data (a *view, or a map
// for the pages of signed-out visitors).
func (s *Server) renderView(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
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
	s.render(w, http.StatusOK, "login", map[string]any{"Title": "Sign in", "Next": localPath(r.URL.Query().Get("next"))})
	return nil
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
		s.render(w, status, "login", map[string]any{"Title": "Sign in", "Email": cr.Email, "Error": body.Error.Message, "Next": next})
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
	s.render(w, http.StatusOK, "accept", map[string]any{"Title": "Join the portal", "Token": token, "Email": inv.Email})
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
		s.render(w, status, "accept", map[string]any{"Title": "Join the portal", "Token": req.Token, "Email": email,
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
