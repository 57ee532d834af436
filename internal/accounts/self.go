package accounts

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/auth"
	"github.com/entitle-portal/entitle/internal/i18n"
	"github.com/entitle-portal/entitle/internal/policy"
)

// A user's own sessions and personal API tokens: listed, made and ended by
// the user, for the user only. The store finds a session or a token only
// among the user's own, so another user's is, for the caller, one that does
// not exist.

// MaxTokenTTL is the longest a personal API token may live.
const MaxTokenTTL = 366 * 24 * time.Hour

// DefaultTokenTTL is how long a personal API token lives when its maker
// says nothing.
const DefaultTokenTTL = 90 * 24 * time.Hour

// maxTokenName is the most characters a token's name may have.
const maxTokenName = 100

func (s *Service) account(a entitle.Actor) error {
	return policy.ManageAccount(a).Err("account", "")
}

// SetLanguage sets the language a reads the portal and its mails in: one of
// i18n.Langs, or "" for the browser's choice (Accept-Language).
func (s *Service) SetLanguage(ctx context.Context, a entitle.Actor, lang string) error {
	if err := s.account(a); err != nil {
		return err
	}
	if lang != "" && !i18n.Lang(lang).Valid() {
		var ps entitle.Problems
		ps.Add("language", "%q is not a language of the portal: en, de, or empty for the browser's", lang)
		return ps.Err()
	}
	if lang == a.Language {
		return nil
	}
	now := s.now()
	return s.Store.SetUserLanguage(ctx, a.UserID, lang, entitle.AuditEvent{At: now, Actor: a.Email, Company: a.Company,
		Action: "account.language", Object: a.Email, Outcome: "ok", Detail: "language=" + lang})
}

// HoldableScopes are the scopes a's tokens may carry (policy.HoldableScopes),
// for the form that makes one.
func (s *Service) HoldableScopes(a entitle.Actor) entitle.Scopes { return policy.HoldableScopes(a) }

// OwnSession is a session in its user's list: Current is the one the list
// was asked with.
type OwnSession struct {
	entitle.Session
	Current bool
}

// Sessions lists a's sessions that have not ended; current is the secret of
// the session a asks with ("" when a asks with a token).
func (s *Service) Sessions(ctx context.Context, a entitle.Actor, current string) ([]OwnSession, error) {
	if err := s.account(a); err != nil {
		return nil, err
	}
	ss, err := s.Store.Sessions(ctx, a.UserID, s.now())
	if err != nil {
		return nil, err
	}
	cur := ""
	if current != "" {
		cur = sessionID(current)
	}
	out := make([]OwnSession, len(ss))
	for i, x := range ss {
		out[i] = OwnSession{Session: x, Current: x.ID == cur}
	}
	return out, nil
}

// sessionID is the ID under which the session with secret is listed.
func sessionID(secret string) string { return auth.HashToken(secret)[:16] }

// EndSession ends a's session listed as id (which may be the current one).
func (s *Service) EndSession(ctx context.Context, a entitle.Actor, id string) error {
	if err := s.account(a); err != nil {
		return err
	}
	_, err := s.Store.EndSessions(ctx, a.UserID, id, "", entitle.AuditEvent{At: s.now(), Actor: a.Email, Company: a.Company, Action: "session.end", Object: id, Outcome: "ok"})
	if errors.Is(err, entitle.ErrNotFound) {
		return entitle.Errorf(entitle.CodeNotFound, "session %s not found", clip(id, 40))
	}
	return err
}

// EndOtherSessions ends every session of a's but the one with secret keep,
// and returns how many it ended.
func (s *Service) EndOtherSessions(ctx context.Context, a entitle.Actor, keep string) (int, error) {
	if err := s.account(a); err != nil {
		return 0, err
	}
	keepHash := ""
	if keep != "" {
		keepHash = auth.HashToken(keep)
	}
	return s.Store.EndSessions(ctx, a.UserID, "", keepHash, entitle.AuditEvent{At: s.now(), Actor: a.Email, Company: a.Company, Action: "session.end_others", Outcome: "ok"})
}

// NewToken is what a user asks for to make a personal API token.
type NewToken struct {
	Name      string   `json:"name"`
	ExpiresIn int      `json:"expires_in_days"` // 1–366; 0: 90 days
	Scopes    []string `json:"scopes"`          // nil: every scope the user may hold
}

// CreatedToken is a token just made: the only time its secret is shown.
type CreatedToken struct {
	entitle.APIToken
	Token string
}

// CreateToken makes a personal API token of a's: it acts as a does within
// its scopes, until it expires or a revokes it. A scope a may not hold
// (policy.HoldableScopes) is refused, as is an empty list; none asked for
// gives every scope a may hold.
func (s *Service) CreateToken(ctx context.Context, a entitle.Actor, t NewToken) (CreatedToken, error) {
	if err := s.account(a); err != nil {
		return CreatedToken{}, err
	}
	name := strings.TrimSpace(t.Name)
	var ps entitle.Problems
	switch {
	case name == "":
		ps.Add("name", "required: what the token is for, e.g. \"ERP sync\" or \"laptop\"")
	case utf8.RuneCountInString(name) > maxTokenName:
		ps.Add("name", "at most %d characters", maxTokenName)
	case strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		ps.Add("name", "no control characters")
	}
	scopes, err := entitle.ScopesOf(t.Scopes)
	switch {
	case err != nil:
		ps.Add("scopes", "%v", err)
	case t.Scopes == nil:
		scopes = policy.HoldableScopes(a)
	case len(scopes) == 0:
		ps.Add("scopes", "choose at least one scope: %s", strings.Join(policy.HoldableScopes(a).Strings(), ", "))
	default:
		holdable := policy.HoldableScopes(a)
		for _, sc := range scopes {
			if !holdable.Has(sc) {
				ps.Add("scopes", "you may not give a token the scope %s: %s", sc, policy.WhoMayHold(sc))
			}
		}
	}
	ttl := DefaultTokenTTL
	switch days := t.ExpiresIn; {
	case days < 0 || time.Duration(days)*24*time.Hour > MaxTokenTTL:
		ps.Add("expires_in_days", "between 1 and %d days", int(MaxTokenTTL/(24*time.Hour)))
	case days > 0:
		ttl = time.Duration(days) * 24 * time.Hour
	}
	if err := ps.Err(); err != nil {
		return CreatedToken{}, err
	}
	token, hash, err := auth.NewToken()
	if err != nil {
		return CreatedToken{}, err
	}
	now := s.now()
	out := CreatedToken{APIToken: entitle.APIToken{Name: name, CreatedAt: now, ExpiresAt: now.Add(ttl), Scopes: scopes}, Token: token}
	out.ID, err = s.Store.AddToken(ctx, a.UserID, name, hash, scopes, now, out.ExpiresAt,
		entitle.AuditEvent{At: now, Actor: a.Email, Company: a.Company, Action: "token.create", Object: name, Outcome: "ok",
			Detail: "expires " + out.ExpiresAt.Format(time.DateOnly) + "; scopes " + scopes.String()})
	return out, err
}

// Tokens lists a's working personal API tokens.
func (s *Service) Tokens(ctx context.Context, a entitle.Actor) ([]entitle.APIToken, error) {
	if err := s.account(a); err != nil {
		return nil, err
	}
	return s.Store.Tokens(ctx, a.UserID, s.now())
}

// RevokeToken revokes a's token with id: it stops working on the next
// request, on every server.
func (s *Service) RevokeToken(ctx context.Context, a entitle.Actor, id int64) (entitle.APIToken, error) {
	if err := s.account(a); err != nil {
		return entitle.APIToken{}, err
	}
	t, err := s.Store.RevokeToken(ctx, a.UserID, id, s.now(), entitle.AuditEvent{At: s.now(), Actor: a.Email, Company: a.Company, Action: "token.revoke", Outcome: "ok"})
	if errors.Is(err, entitle.ErrNotFound) {
		return t, entitle.Errorf(entitle.CodeNotFound, "API token %d not found", id)
	}
	return t, err
}

// clip cuts s to at most n bytes, on a character boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
