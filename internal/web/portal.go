package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/auth"
)

// The portal's frame: every signed-in page gets a view (who is signed in,
// the navigation, a CSRF token for its forms, a message after an action)
// and renders through layout.html. Pages call the same services as the API
// — disclose, coworkers, lifecycle — so no rule is written in a page or a
// template.

// view is what every page template gets; Data is the page's own.
type view struct {
	Title   string
	Section string // the navigation entry of the page
	User    *entitle.Actor
	Company entitle.Company
	Vendor  bool
	CSRF    string
	Flash   string // what the last action did
	Today   entitle.Date
	Banners []banner // announcements in force the user has not dismissed
	Data    any
}

// portalHandler is a signed-in page: it renders v (or returns an error,
// rendered as an error page).
type portalHandler func(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error

// portal adapts a signed-in page: without a session it sends the browser to
// the sign-in page and back; a POST must carry the session's CSRF token.
func (s *Server) portal(section string, h portalHandler) http.Handler {
	return s.page(func(w http.ResponseWriter, r *http.Request) error {
		c, err := s.authenticate(r)
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
		co, err := s.cfg.DB.Company(r.Context(), c.Company)
		if err != nil {
			return err
		}
		bs, err := s.banners(r, c)
		if err != nil {
			return err
		}
		u := c
		v := &view{Section: section, User: &u, Company: co, Vendor: c.Vendor, CSRF: s.csrfToken(r), Flash: r.URL.Query().Get("done"),
			Today: entitle.DateOf(s.now()), Banners: bs}
		return h(w, r, c, v)
	})
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
	s.renderView(w, status, name, v)
}

// done sends the browser back to path after a successful POST, with a
// message for the next page (post/redirect/get: a reload does not repeat
// the action).
func done(w http.ResponseWriter, r *http.Request, path, message string) error {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	http.Redirect(w, r, path+sep+"done="+url.QueryEscape(message), http.StatusSeeOther)
	return nil
}

// csrfToken is the token the session's forms carry: an HMAC of the session
// (its cookie's hash) under the deployment's key, so it needs no storage and
// dies with the session. Cross-origin form posts are also refused outright
// (http.CrossOriginProtection, routes.go).
func (s *Server) csrfToken(r *http.Request) string {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return ""
	}
	m := hmac.New(sha256.New, s.cursorKey)
	m.Write([]byte("csrf\x00" + auth.HashToken(c.Value)))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// relDays says how far d is from today, for people: "today", "in 23 days",
// "5 days ago".
func relDays(d, today entitle.Date) string {
	n := today.DaysUntil(d)
	switch {
	case n == 0:
		return "today"
	case n == 1:
		return "tomorrow"
	case n == -1:
		return "yesterday"
	case n > 0:
		return fmt.Sprintf("in %d days", n)
	}
	return fmt.Sprintf("%d days ago", -n)
}

// when writes an instant for people: ISO date and time, UTC.
func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// basisWords says in plain words why a company sees an entitlement (R8).
func basisWords(b entitle.Basis) string {
	switch b {
	case entitle.BasisPurchasingEntity:
		return "your company placed the purchase order"
	case entitle.BasisReseller:
		return "your company is the reseller on the purchase order"
	case entitle.BasisOwner:
		return "your company owns it"
	case entitle.BasisInstaller:
		return "your company installs it"
	case entitle.BasisDelegate:
		return "its owner delegated access to your company"
	case entitle.BasisVendor:
		return "your company is the vendor"
	}
	return string(b)
}
