package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/entitle-portal/entitle"
)

// apiHandler is a JSON API handler for an authenticated user. It writes its
// answer on success and returns an error otherwise; the adapter answers the
// error.
type apiHandler func(w http.ResponseWriter, r *http.Request, c entitle.Actor) error

// publicHandler is an API handler that needs no user.
type publicHandler func(w http.ResponseWriter, r *http.Request) error

// apiRoute is an authenticated API route: routes.go gives each its scope
// (apiScopes), which an API token must hold.
type apiRoute http.HandlerFunc

func (h apiRoute) ServeHTTP(w http.ResponseWriter, r *http.Request) { h(w, r) }

// api adapts h: it authenticates the request, refuses an API token outside
// the route's scope, and answers errors as JSON.
func (s *Server) api(h apiHandler) http.Handler {
	return apiRoute(func(w http.ResponseWriter, r *http.Request) {
		apiHeaders(w)
		r, cancel := s.bounded(r)
		defer cancel()
		c, cred, err := s.authenticate(r)
		if err == nil && cred.token {
			err = withinScope(w, r, cred.scopes)
		}
		if err == nil {
			err = h(w, r, c)
		}
		if err != nil {
			s.writeError(w, r, err)
		}
	})
}

// public adapts a handler that needs no user.
func (s *Server) public(h publicHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		apiHeaders(w)
		r, cancel := s.bounded(r)
		defer cancel()
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// bounded gives an API request its deadline (Config.RequestTimeout): no
// answer waits longer on the database, however it fails — past it, the
// request is answered 503 unavailable.
func (s *Server) bounded(r *http.Request) (*http.Request, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.RequestTimeout)
	return r.WithContext(ctx), cancel
}

// apiHeaders: answers hold confidential records; no cache may keep them.
func apiHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
}

// query reads a request's query parameters, refusing any it does not know
// (a misspelt filter must not silently return everything) and any given
// twice.
type query struct {
	v   url.Values
	err error
}

func newQuery(r *http.Request, known ...string) *query {
	v, err := url.ParseQuery(r.URL.RawQuery)
	q := &query{v: v}
	if err != nil {
		q.err = errorf(codeInvalid, "the query string is malformed: %v", err)
		return q
	}
	var names []string
	for k := range v {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		switch {
		case !slices.Contains(known, k):
			if len(known) == 0 {
				q.err = errorf(codeInvalid, "unknown parameter %q: this route takes none", clipParam(k))
			} else {
				q.err = errorf(codeInvalid, "unknown parameter %q (known: %s)", clipParam(k), strings.Join(known, ", "))
			}
			return q
		case len(v[k]) > 1:
			q.err = errorf(codeInvalid, "parameter %q is given %d times; give it once", clipParam(k), len(v[k]))
			return q
		}
	}
	return q
}

func (q *query) str(name string) string { return q.v.Get(name) }

// limit reads the page size: 1 to max, def when absent.
func (q *query) limit(def, max int) int {
	s, ok := q.v["limit"]
	if !ok {
		return def
	}
	n, err := strconv.Atoi(s[0])
	if err != nil || n < 1 || n > max {
		if q.err == nil {
			q.err = errorf(codeInvalid, "limit must be a whole number from 1 to %d, not %q", max, clipParam(s[0]))
		}
		return def
	}
	return n
}

func (q *query) fail(format string, args ...any) {
	if q.err == nil {
		q.err = errorf(codeInvalid, format, args...)
	}
}

func clipParam(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
