package web

import (
	"context"
	"net/http"
	"net/netip"
	"strings"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/disclose"
)

// sessionCookie carries a random session secret; the database holds only its
// SHA-256, so a leaked database backup logs nobody in.
const sessionCookie = "entitle_session"

var errUnauthenticated = errorf(codeUnauthenticated, "sign in first: send a session cookie from POST /api/v1/login or an Authorization: Bearer token")

// credential is how a request proved who it is: a session, which acts
// with its user's full role, or an API token, which acts only within its
// scopes (scopes.go).
type credential struct {
	token  bool           // an API token, not a session cookie
	scopes entitle.Scopes // the token's scopes; unused for a session
}

// authenticate finds the request's user from its bearer token, else its
// session cookie (internal/accounts decides).
func (s *Server) authenticate(r *http.Request) (entitle.Actor, credential, error) {
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			return entitle.Actor{}, credential{}, errorf(codeUnauthenticated, "the Authorization header must be \"Bearer TOKEN\"")
		}
		a, scopes, err := s.cfg.Accounts.ByToken(ctx, strings.TrimSpace(token))
		return a, credential{token: true, scopes: scopes}, err
	}
	a, err := s.authenticateSession(r)
	return a, credential{}, err
}

// authenticateSession finds the request's user from its session cookie
// only. The portal's pages use it: they are for people, and an API token
// sent to them is ignored — a form posted with a token and no session
// would otherwise pass the CSRF check (no session, no CSRF token to
// compare) and escape the token's scopes.
func (s *Server) authenticateSession(r *http.Request) (entitle.Actor, error) {
	if secret := sessionSecret(r); secret != "" {
		return s.cfg.Accounts.BySession(r.Context(), secret)
	}
	return entitle.Actor{}, errUnauthenticated
}

// sessionSecret is the request's session cookie, "" when none.
func sessionSecret(r *http.Request) string {
	if c, err := r.Cookie(sessionCookie); err == nil {
		return c.Value
	}
	return ""
}

type credentials struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// signIn checks credentials and opens a session, replacing the request's
// previous session if any (internal/accounts: rotation, rate limits, the
// same answer for an unknown email and a wrong password).
func (s *Server) signIn(w http.ResponseWriter, r *http.Request, cr credentials) (entitle.Actor, error) {
	secret, a, err := s.cfg.Accounts.SignIn(r.Context(), cr.Email, cr.Password, s.clientAddr(r), sessionSecret(r), s.sessionMeta(r))
	if err != nil {
		return a, err
	}
	http.SetCookie(w, s.cookie(r, secret, 0))
	return a, nil
}

// clientAddr is the address rate limits count a request's attempts under:
// the connection's peer, or, behind a trusted proxy, the last address of
// Config.ClientIPHeader. An IPv6 client counts as its /64 network (one
// customer's allocation), so that rotating addresses within it does not
// escape a limit.
func (s *Server) clientAddr(r *http.Request) string {
	raw := r.RemoteAddr
	if h := s.cfg.ClientIPHeader; h != "" {
		if v := r.Header.Values(h); len(v) > 0 {
			parts := strings.Split(v[len(v)-1], ",")
			raw = strings.TrimSpace(parts[len(parts)-1])
		}
	}
	if ap, err := netip.ParseAddrPort(raw); err == nil {
		raw = ap.Addr().String()
	}
	a, err := netip.ParseAddr(raw)
	if err != nil {
		return raw
	}
	a = a.Unmap()
	if a.Is6() {
		if p, err := a.Prefix(64); err == nil {
			return p.String()
		}
	}
	return a.String()
}

// sessionMeta is where a session opened by r comes from, for its user's
// list of sessions.
func (s *Server) sessionMeta(r *http.Request) entitle.SessionMeta {
	return entitle.SessionMeta{Address: s.clientAddr(r), UserAgent: r.UserAgent()}
}

// openSession signs u in with a new session, replacing the request's
// previous one if any.
func (s *Server) openSession(w http.ResponseWriter, r *http.Request, u entitle.UserRecord) (entitle.Actor, error) {
	secret, a, err := s.cfg.Accounts.Open(r.Context(), u, sessionSecret(r), s.sessionMeta(r))
	if err != nil {
		return a, err
	}
	http.SetCookie(w, s.cookie(r, secret, 0))
	return a, nil
}

// signOut ends the request's session, if any, and clears the cookie.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request) error {
	if err := s.cfg.Accounts.SignOut(r.Context(), sessionSecret(r)); err != nil {
		return err
	}
	http.SetCookie(w, s.cookie(r, "", -1))
	return nil
}

func (s *Server) cookie(r *http.Request, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: sessionCookie, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.cfg.SecureCookies || r.TLS != nil}
}

// POST /api/v1/login {"email","password"} → 200 with the /me answer and a
// session cookie.
func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	var cr credentials
	if err := decode(w, r, &cr); err != nil {
		return err
	}
	a, err := s.signIn(w, r, cr)
	if err != nil {
		return err
	}
	body, err := s.meBody(r.Context(), a)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

// POST /api/v1/logout → 204, whether or not a session was open.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	if err := s.signOut(w, r); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type meUser struct {
	Email string `json:"email"`
	Name  string `json:"name"`
	Admin bool   `json:"admin"`
}

type meAnswer struct {
	User    meUser         `json:"user"`
	Company disclose.Party `json:"company"`
}

func (s *Server) meBody(ctx context.Context, u entitle.Actor) (meAnswer, error) {
	co, err := s.cfg.Accounts.Company(ctx, u)
	if err != nil {
		return meAnswer{}, err
	}
	return meAnswer{User: meUser{Email: u.Email, Name: u.Name, Admin: u.Admin}, Company: disclose.Party{Key: co.Key, Name: co.Name}}, nil
}

// GET /api/v1/me
func (s *Server) me(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	body, err := s.meBody(r.Context(), c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}
