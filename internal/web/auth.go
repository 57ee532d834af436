package web

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/auth"
	"github.com/entitle-portal/entitle/internal/disclose"
)

// sessionCookie carries a random session secret; the database holds only its
// SHA-256, so a leaked database backup logs nobody in.
const sessionCookie = "entitle_session"

// touchEvery is how stale a session's or token's last-use time may get
// before a request writes the new one: often enough to be useful, rarely
// enough that reads stay reads.
const touchEvery = time.Minute

var errUnauthenticated = errorf(codeUnauthenticated, "sign in first: send a session cookie from POST /api/v1/login or an Authorization: Bearer token")

// authenticate finds the request's user from its bearer token, else its
// session cookie. A revoked token, an expired session and a disabled user
// all fail here, on the very next request: nothing is cached.
func (s *Server) authenticate(r *http.Request) (entitle.Actor, error) {
	ctx := r.Context()
	now := s.now()
	var u entitle.UserRecord
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			return entitle.Actor{}, errorf(codeUnauthenticated, "the Authorization header must be \"Bearer TOKEN\"")
		}
		hash := auth.HashToken(strings.TrimSpace(token))
		rec, last, err := s.cfg.DB.UserByToken(ctx, hash)
		if errors.Is(err, entitle.ErrNotFound) {
			return entitle.Actor{}, errorf(codeUnauthenticated, "the API token is not valid (unknown or revoked)")
		}
		if err != nil {
			return entitle.Actor{}, err
		}
		if now.Sub(last) > touchEvery {
			if err := s.cfg.DB.TouchToken(ctx, hash, now); err != nil {
				return entitle.Actor{}, err
			}
		}
		u = rec
	} else if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		hash := auth.HashToken(c.Value)
		rec, last, err := s.cfg.DB.UserBySession(ctx, hash, now)
		if errors.Is(err, entitle.ErrNotFound) {
			return entitle.Actor{}, errorf(codeUnauthenticated, "your session has ended: sign in again")
		}
		if err != nil {
			return entitle.Actor{}, err
		}
		if now.Sub(last) > touchEvery {
			if err := s.cfg.DB.TouchSession(ctx, hash, now, now.Add(s.cfg.SessionTTL)); err != nil {
				return entitle.Actor{}, err
			}
		}
		u = rec
	} else {
		return entitle.Actor{}, errUnauthenticated
	}
	if u.Status != entitle.UserActive {
		return entitle.Actor{}, errorf(codeUnauthenticated, "this account is disabled: ask an administrator of your company")
	}
	c, err := s.svc.CallerFor(ctx, u.User)
	if err != nil {
		return entitle.Actor{}, err
	}
	return c, nil
}

type credentials struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

var errBadLogin = errorf(codeInvalidCredentials, "the email address or the password is wrong")

// signIn checks credentials and opens a session, replacing the request's
// previous session if any (rotation: a session fixed before login is never
// the one that is signed in). An unknown email and a wrong password take the
// same time and get the same answer. Failed attempts count against the
// account's and the client address's limits (an unknown address's too, so
// that a limit tells nothing about which accounts exist); while either is
// exceeded, even the right password is refused with rate_limited.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request, cr credentials) (entitle.UserRecord, error) {
	ctx := r.Context()
	email := entitle.NormalizeEmail(cr.Email)
	if email == "" || cr.Password == "" {
		return entitle.UserRecord{}, errorf(codeInvalid, "enter your email address and your password")
	}
	now := s.now()
	account, addr := "login-account:"+email, "login-address:"+s.clientAddr(r)
	if err := s.limiter.Check(ctx, s.limits.LoginPerAccount, "failed sign-ins for this account", account, now); err != nil {
		return entitle.UserRecord{}, s.auditLogin(ctx, email, "", "rate_limited", err)
	}
	if err := s.limiter.Check(ctx, s.limits.LoginPerAddress, "failed sign-ins from your address", addr, now); err != nil {
		return entitle.UserRecord{}, s.auditLogin(ctx, email, "", "rate_limited", err)
	}
	failed := func(company, outcome string) error {
		if err := s.limiter.Hit(ctx, s.limits.LoginPerAccount, account, now); err != nil {
			return err
		}
		if err := s.limiter.Hit(ctx, s.limits.LoginPerAddress, addr, now); err != nil {
			return err
		}
		return s.auditLogin(ctx, email, company, outcome, errBadLogin)
	}
	u, err := s.cfg.DB.UserByEmail(ctx, email)
	switch {
	case errors.Is(err, entitle.ErrNotFound):
		auth.VerifyPassword(s.dummyHash, cr.Password) // the same work as for a real account
		return u, failed("", "unknown_email")
	case err != nil:
		return u, err
	}
	if !auth.VerifyPassword(u.PasswordHash, cr.Password) {
		return u, failed(u.Company, "wrong_password")
	}
	if u.Status != entitle.UserActive {
		return u, failed(u.Company, "disabled")
	}
	return u, s.openSession(w, r, u)
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

// openSession signs u in: a new session, replacing the request's previous
// one if any, recorded with its "login" audit event.
func (s *Server) openSession(w http.ResponseWriter, r *http.Request, u entitle.UserRecord) error {
	value, err := newSecret()
	if err != nil {
		return err
	}
	old := ""
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		old = auth.HashToken(c.Value)
	}
	now := s.now()
	ev := entitle.AuditEvent{At: now, Actor: u.Email, Company: u.Company, Action: "login", Outcome: "ok"}
	if err := s.cfg.DB.CreateSession(r.Context(), u.ID, auth.HashToken(value), old, now, now.Add(s.cfg.SessionTTL), ev); err != nil {
		return err
	}
	http.SetCookie(w, s.cookie(r, value, 0))
	return nil
}

func (s *Server) auditLogin(ctx context.Context, email, company, outcome string, result error) error {
	if err := s.cfg.DB.Audit(ctx, entitle.AuditEvent{At: s.now(), Actor: email, Company: company, Action: "login", Outcome: outcome}); err != nil {
		return err
	}
	return result
}

// signOut ends the request's session, if any, and clears the cookie.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		ev := entitle.AuditEvent{At: s.now(), Action: "logout", Outcome: "ok"}
		if err := s.cfg.DB.DeleteSession(r.Context(), auth.HashToken(c.Value), ev); err != nil {
			return err
		}
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
	u, err := s.signIn(w, r, cr)
	if err != nil {
		return err
	}
	body, err := s.meBody(r.Context(), u.User.Actor(""))
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
	co, err := s.cfg.DB.Company(ctx, u.Company)
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
