package web

import (
	"net/http"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/accounts"
)

// The account API: the password lifecycle (forgot, reset, change, a link
// sent by an administrator) and a user's own sessions and personal API
// tokens. internal/accounts decides and records; these handlers read the
// request and write the answer.

type messageAnswer struct {
	Message string `json:"message"`
}

// POST /api/v1/password/forgot {"email"} → 202, the same answer whether or
// not the address has an account.
func (s *Server) forgotPassword(w http.ResponseWriter, r *http.Request) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	var req struct {
		Email string `json:"email"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if err := s.cfg.Accounts.Forgot(r.Context(), req.Email, s.clientAddr(r)); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, messageAnswer{accounts.MsgResetSent})
	return nil
}

// msgPasswordSet answers a password reset.
const msgPasswordSet = "Your new password is set and you are signed out everywhere. Sign in with it."

// POST /api/v1/password/reset {"token","password"} → 200: the reset link's
// user has the new password; every session of the user has ended.
func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	var req struct {
		Token    string `json:"token"`
		Password string `json:"password"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if _, err := s.cfg.Accounts.Reset(r.Context(), req.Token, req.Password, s.clientAddr(r)); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, messageAnswer{msgPasswordSet})
	return nil
}

// POST /api/v1/password {"current_password","new_password"} → 204: the
// caller's password is changed; its other sessions end.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	var req struct {
		Current string `json:"current_password"`
		New     string `json:"new_password"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if err := s.cfg.Accounts.Change(r.Context(), c, req.Current, req.New, s.ownSession(r), s.clientAddr(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ownSession is the secret of the session a request is signed in with: ""
// when it came with a token (a token's request keeps no session alive).
func (s *Server) ownSession(r *http.Request) string {
	if r.Header.Get("Authorization") != "" {
		return ""
	}
	return sessionSecret(r)
}

// POST /api/v1/users/{id}/password-reset → 202: a company administrator
// sends a co-worker a link to set a new password.
func (s *Server) sendPasswordReset(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	u, err := s.cfg.Accounts.SendReset(r.Context(), c, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, messageAnswer{"A link to set a new password is on its way to " + u.Email + ". It works once, for an hour."})
	return nil
}

type sessionJSON struct {
	ID         string    `json:"id"`
	Current    bool      `json:"current"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	Address    string    `json:"address"`
	UserAgent  string    `json:"user_agent"`
}

// GET /api/v1/me/sessions: the caller's sessions, the latest used first.
func (s *Server) listSessions(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	ss, err := s.cfg.Accounts.Sessions(r.Context(), c, s.ownSession(r))
	if err != nil {
		return err
	}
	out := struct {
		Items []sessionJSON `json:"items"`
	}{Items: []sessionJSON{}}
	for _, x := range ss {
		out.Items = append(out.Items, sessionJSON{ID: x.ID, Current: x.Current, CreatedAt: x.CreatedAt, LastSeenAt: x.LastSeenAt,
			ExpiresAt: x.ExpiresAt, Address: x.Address, UserAgent: x.UserAgent})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// DELETE /api/v1/me/sessions/{id} → 204: the session is signed out.
func (s *Server) endSession(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	if err := s.cfg.Accounts.EndSession(r.Context(), c, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// POST /api/v1/me/sessions/end-others → 200 {"ended": n}: every session
// of the caller's but the one it asks with is signed out.
func (s *Server) endOtherSessions(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	n, err := s.cfg.Accounts.EndOtherSessions(r.Context(), c, s.ownSession(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, struct {
		Ended int `json:"ended"`
	}{n})
	return nil
}

type tokenJSON struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Token      string     `json:"token,omitempty"` // only when made
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	Scopes     []string   `json:"scopes"`
}

func tokenJSONOf(t entitle.APIToken) tokenJSON {
	opt := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	return tokenJSON{ID: t.ID, Name: t.Name, CreatedAt: t.CreatedAt, LastUsedAt: opt(t.LastUsedAt), ExpiresAt: opt(t.ExpiresAt),
		Scopes: t.Scopes.Strings()}
}

// GET /api/v1/me/tokens: the caller's working personal API tokens.
func (s *Server) listTokens(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	ts, err := s.cfg.Accounts.Tokens(r.Context(), c)
	if err != nil {
		return err
	}
	out := struct {
		Items []tokenJSON `json:"items"`
	}{Items: []tokenJSON{}}
	for _, t := range ts {
		out.Items = append(out.Items, tokenJSONOf(t))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// POST /api/v1/me/tokens {"name","expires_in_days","scopes"} → 201 with the
// token, shown this once. Without "scopes" the token gets every scope the
// user may hold. Only a session may make a token (apiScopes).
func (s *Server) createToken(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	var req accounts.NewToken
	if err := decode(w, r, &req); err != nil {
		return err
	}
	t, err := s.cfg.Accounts.CreateToken(r.Context(), c, req)
	if err != nil {
		return err
	}
	out := tokenJSONOf(t.APIToken)
	out.Token = t.Token
	writeJSON(w, http.StatusCreated, out)
	return nil
}

// DELETE /api/v1/me/tokens/{id} → 204: the token stops working.
func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	id, err := pathID(r, "API token")
	if err != nil {
		return err
	}
	if _, err := s.cfg.Accounts.RevokeToken(r.Context(), c, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
