package web

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"strings"

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
}).ParseFS(templateFS, "templates/*.html"))

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
			s.render(w, status, "error", map[string]any{"Title": http.StatusText(status), "Status": status, "Message": body.Error.Message})
		}
	})
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
