// Package accounts is who a request is: signing in with an email and a
// password (rate-limited per account and per client address, the same
// answer and the same work whether the address has an account or not),
// the sessions a sign-in opens, and the API tokens machines send. Each
// answer is the signed-in user as an [entitle.Actor]; the web adapter only
// carries the secrets in cookies and headers.
//
// Nothing is cached: a revoked token, an ended session and a disabled user
// all fail on the very next request.
package accounts

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/auth"
	"github.com/entitle-portal/entitle/internal/mail"
	"github.com/entitle-portal/entitle/internal/policy"
	"github.com/entitle-portal/entitle/internal/ratelimit"
)

// Store is what accounts read and record.
type Store interface {
	UserByEmail(ctx context.Context, email string) (entitle.UserRecord, error)
	UserByToken(ctx context.Context, hash string, now time.Time) (entitle.UserRecord, entitle.APIToken, error)
	UserByID(ctx context.Context, id int64) (entitle.UserRecord, error)
	TouchToken(ctx context.Context, hash string, now time.Time) error
	UserBySession(ctx context.Context, hash string, now time.Time) (entitle.UserRecord, time.Time, error)
	TouchSession(ctx context.Context, hash string, now, expires time.Time) error
	CreateSession(ctx context.Context, userID int64, hash, old string, meta entitle.SessionMeta, now, expires time.Time, ev entitle.AuditEvent) error
	DeleteSession(ctx context.Context, hash string, ev entitle.AuditEvent) error
	Company(ctx context.Context, key string) (entitle.Company, error)
	VendorKey(ctx context.Context) (string, error)
	Audit(ctx context.Context, events ...entitle.AuditEvent) error
	PasswordLoginAllowed(ctx context.Context, company string) (bool, error)

	// The password lifecycle.
	CreatePasswordReset(ctx context.Context, r entitle.PasswordReset, tokenHash string, ev entitle.AuditEvent) error
	PasswordResetUser(ctx context.Context, tokenHash string, now time.Time) (entitle.UserRecord, error)
	ResetPassword(ctx context.Context, tokenHash, passwordHash string, now time.Time, ev entitle.AuditEvent) (entitle.UserRecord, error)
	ChangePassword(ctx context.Context, id int64, passwordHash, keepSession string, now time.Time, ev entitle.AuditEvent) error

	// A user's own sessions and API tokens.
	Sessions(ctx context.Context, userID int64, now time.Time) ([]entitle.Session, error)
	EndSessions(ctx context.Context, userID int64, id, keep string, ev entitle.AuditEvent) (int, error)
	AddToken(ctx context.Context, userID int64, name, hash string, scopes entitle.Scopes, now, expires time.Time, ev entitle.AuditEvent) (int64, error)
	Tokens(ctx context.Context, userID int64, now time.Time) ([]entitle.APIToken, error)
	RevokeToken(ctx context.Context, userID, id int64, now time.Time, ev entitle.AuditEvent) (entitle.APIToken, error)

	// Two-factor sign-in (twofactor.go).
	Secret(ctx context.Context, name string) ([]byte, error)
	TOTPKey(ctx context.Context, userID int64) (entitle.TOTPKey, error)
	StartTOTP(ctx context.Context, userID int64, sealed string, now time.Time, ev entitle.AuditEvent) error
	ConfirmTOTP(ctx context.Context, userID, step int64, codeHashes []string, now time.Time, ev entitle.AuditEvent) (bool, error)
	UseTOTPStep(ctx context.Context, userID, step int64) (bool, error)
	UseRecoveryCode(ctx context.Context, userID int64, hash string, now time.Time, ev entitle.AuditEvent) (bool, error)
	ReplaceRecoveryCodes(ctx context.Context, userID int64, hashes []string, ev entitle.AuditEvent) error
	DeleteTOTP(ctx context.Context, userID int64, ev entitle.AuditEvent) error
	AddLoginChallenge(ctx context.Context, hash string, userID int64, purpose string, now, expires time.Time) error
	LoginChallenge(ctx context.Context, hash string, now time.Time) (entitle.UserRecord, string, error)
	DeleteLoginChallenge(ctx context.Context, hash string) (bool, error)
	SetRequireTwoFactor(ctx context.Context, company string, on bool, ev entitle.AuditEvent) error
	RequiresTwoFactor(ctx context.Context, company string) (bool, error)

	// The notices a user chooses to receive (notices.go).
	NoticeChoices(ctx context.Context, user int64) (map[string]bool, error)
	SetNoticeChoices(ctx context.Context, user int64, choices map[string]bool, now time.Time, ev entitle.AuditEvent) error
	SetUserLanguage(ctx context.Context, user int64, lang string, ev entitle.AuditEvent) error
}

// Limits are the rate limits of signing in; a zero Limit is off.
type Limits struct {
	PerAccount ratelimit.Limit // failed sign-ins (and password changes) per email address, known or not
	PerAddress ratelimit.Limit // failed sign-ins per client address; also reset links that do not work

	ForgotPerAccount ratelimit.Limit // "forgot password" requests per email address, known or not
	ForgotPerAddress ratelimit.Limit // "forgot password" requests per client address

	// Wrong two-factor codes (sign-in, set-up, turning it off, new
	// recovery codes) per account and per client address.
	CodePerAccount ratelimit.Limit
	CodePerAddress ratelimit.Limit
}

// DefaultLimits are the limits of a service that sets none.
var DefaultLimits = Limits{
	PerAccount:       ratelimit.Limit{N: 10, Per: 15 * time.Minute},
	PerAddress:       ratelimit.Limit{N: 100, Per: 15 * time.Minute},
	ForgotPerAccount: ratelimit.Limit{N: 3, Per: time.Hour},
	ForgotPerAddress: ratelimit.Limit{N: 20, Per: time.Hour},
	// Six digits give a guess one chance in 333,333 within the window of
	// three steps: 5 guesses per 15 minutes make a year's guessing a 0.2%
	// chance, and leave room for fumbled typing.
	CodePerAccount: ratelimit.Limit{N: 5, Per: 15 * time.Minute},
	CodePerAddress: ratelimit.Limit{N: 50, Per: 15 * time.Minute},
}

// DefaultSessionTTL is how long a session lasts without use when SessionTTL
// is zero.
const DefaultSessionTTL = 12 * time.Hour

// touchEvery is how stale a session's or token's last-use time may get
// before a request writes the new one: often enough to be useful, rarely
// enough that reads stay reads.
const touchEvery = time.Minute

// Service signs users in and says who a request is.
type Service struct {
	Store      Store
	Limiter    *ratelimit.Limiter // nil: no rate limits
	Limits     Limits
	SessionTTL time.Duration    // DefaultSessionTTL when zero
	Now        func() time.Time // time.Now when nil
	// ChallengeTTL is how long a sign-in waits for its second factor
	// (DefaultChallengeTTL when zero); Issuer names the portal in
	// authenticator apps ("entitle" when empty).
	ChallengeTTL time.Duration
	Issuer       string

	Mailer   mail.Sender   // where password reset mail goes; required for Forgot and SendReset
	BaseURL  string        // how users reach the portal, for the links in mail
	ResetTTL time.Duration // how long a reset link works; DefaultResetTTL when zero
	Logger   *slog.Logger  // nil: no log

	dummyOnce sync.Once
	dummy     string // a password hash to verify against when the email is unknown
	dummyErr  error

	// The reset worker (password.go).
	resetMu       sync.Mutex
	resetJobs     chan resetJob
	resetDone     chan struct{}
	resetsClosed  bool
	resetsPending sync.WaitGroup
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC()
	}
	return s.Now().UTC()
}

func (s *Service) ttl() time.Duration {
	if s.SessionTTL <= 0 {
		return DefaultSessionTTL
	}
	return s.SessionTTL
}

// The refusals of authentication, all unauthenticated (401).
var (
	ErrBadLogin      = entitle.Errorf(entitle.CodeInvalidCredentials, "the email address or the password is wrong")
	errTokenInvalid  = entitle.Errorf(entitle.CodeUnauthenticated, "the API token is not valid (unknown, expired or revoked)")
	errSessionEnded  = entitle.Errorf(entitle.CodeUnauthenticated, "your session has ended: sign in again")
	errUserDisabled  = entitle.Errorf(entitle.CodeUnauthenticated, "this account is disabled: ask an administrator of your company")
	ErrNoCredentials = entitle.Errorf(entitle.CodeInvalid, "enter your email address and your password")
)

// ByToken returns the user an API token belongs to and the token's scopes:
// the caller (internal/web) refuses a request outside them.
func (s *Service) ByToken(ctx context.Context, token string) (entitle.Actor, entitle.Scopes, error) {
	now := s.now()
	hash := auth.HashToken(token)
	u, t, err := s.Store.UserByToken(ctx, hash, now)
	if errors.Is(err, entitle.ErrNotFound) {
		return entitle.Actor{}, nil, errTokenInvalid
	}
	if err != nil {
		return entitle.Actor{}, nil, err
	}
	if now.Sub(t.LastUsedAt) > touchEvery {
		if err := s.Store.TouchToken(ctx, hash, now); err != nil {
			return entitle.Actor{}, nil, err
		}
	}
	a, err := s.actor(ctx, u)
	return a, t.Scopes, err
}

// BySession returns the user a session's secret (its cookie) signs in, and
// keeps the session alive.
func (s *Service) BySession(ctx context.Context, secret string) (entitle.Actor, error) {
	now := s.now()
	hash := auth.HashToken(secret)
	u, last, err := s.Store.UserBySession(ctx, hash, now)
	if errors.Is(err, entitle.ErrNotFound) {
		return entitle.Actor{}, errSessionEnded
	}
	if err != nil {
		return entitle.Actor{}, err
	}
	if now.Sub(last) > touchEvery {
		if err := s.Store.TouchSession(ctx, hash, now, now.Add(s.ttl())); err != nil {
			return entitle.Actor{}, err
		}
	}
	return s.actor(ctx, u)
}

// actor is u signed in: an active user only.
func (s *Service) actor(ctx context.Context, u entitle.UserRecord) (entitle.Actor, error) {
	if u.Status != entitle.UserActive {
		return entitle.Actor{}, errUserDisabled
	}
	vendor, err := s.Store.VendorKey(ctx)
	if err != nil {
		return entitle.Actor{}, err
	}
	return u.User.Actor(vendor), nil
}

// SignIn checks an email and a password and opens a session, replacing
// the session whose secret is replacing, if any (rotation: a session fixed
// before sign-in is never the one that is signed in). addr is the client's
// address as rate limits count it. An unknown email and a wrong password
// take the same time and get the same answer. Failed attempts count against
// the account's and the address's limits (an unknown address's too, so
// that a limit tells nothing about which accounts exist); while either is
// exceeded, even the right password is refused (a *ratelimit.Exceeded).
// When the user has two-factor sign-in on, or the company requires it, the
// right password opens no session: the error is a *SecondFactorNeeded
// carrying the challenge to finish with (Complete).
func (s *Service) SignIn(ctx context.Context, email, password, addr, replacing string, meta entitle.SessionMeta) (secret string, a entitle.Actor, err error) {
	email = entitle.NormalizeEmail(email)
	if email == "" || password == "" {
		return "", entitle.Actor{}, ErrNoCredentials
	}
	now := s.now()
	account, address := "login-account:"+email, "login-address:"+addr
	if s.Limiter != nil {
		if err := s.Limiter.Check(ctx, s.Limits.PerAccount, "failed sign-ins for this account", account, now); err != nil {
			return "", entitle.Actor{}, s.audit(ctx, email, "", "rate_limited", err)
		}
		if err := s.Limiter.Check(ctx, s.Limits.PerAddress, "failed sign-ins from your address", address, now); err != nil {
			return "", entitle.Actor{}, s.audit(ctx, email, "", "rate_limited", err)
		}
	}
	failed := func(company, outcome string) error {
		if s.Limiter != nil {
			if err := s.Limiter.Hit(ctx, s.Limits.PerAccount, account, now); err != nil {
				return err
			}
			if err := s.Limiter.Hit(ctx, s.Limits.PerAddress, address, now); err != nil {
				return err
			}
		}
		return s.audit(ctx, email, company, outcome, ErrBadLogin)
	}
	u, err := s.Store.UserByEmail(ctx, email)
	switch {
	case errors.Is(err, entitle.ErrNotFound):
		dummy, err := s.dummyHash()
		if err != nil {
			return "", entitle.Actor{}, err
		}
		auth.VerifyPassword(dummy, password) // the same work as for a real account
		return "", entitle.Actor{}, failed("", "unknown_email")
	case err != nil:
		return "", entitle.Actor{}, err
	case u.PasswordHash == "":
		// A user who joined by single sign-on has no password: the same
		// work and the same answer as an unknown address.
		dummy, err := s.dummyHash()
		if err != nil {
			return "", entitle.Actor{}, err
		}
		auth.VerifyPassword(dummy, password)
		return "", entitle.Actor{}, failed(u.Company, "no_password")
	}
	if !auth.VerifyPassword(u.PasswordHash, password) {
		return "", entitle.Actor{}, failed(u.Company, "wrong_password")
	}
	if u.Status != entitle.UserActive {
		return "", entitle.Actor{}, failed(u.Company, "disabled")
	}
	// A company whose single sign-on forbids passwords (policy S3): the
	// answer of a wrong password, so that it tells nothing about accounts.
	allowed, err := s.Store.PasswordLoginAllowed(ctx, u.Company)
	if err != nil {
		return "", entitle.Actor{}, err
	}
	if !policy.PasswordSignIn(allowed).Allowed {
		return "", entitle.Actor{}, failed(u.Company, "sso_only")
	}
	return s.Open(ctx, u, replacing, meta)
}

// Open opens a session for u — signed in by SignIn, or just now by
// accepting an invitation with a new password — replacing the session whose
// secret is replacing, if any, recorded with its "login" audit event. It
// returns the new session's secret, for the cookie. When u has two-factor
// sign-in on, or u's company requires it, no session opens: the error is a
// *SecondFactorNeeded (see SignIn).
func (s *Service) Open(ctx context.Context, u entitle.UserRecord, replacing string, meta entitle.SessionMeta) (secret string, a entitle.Actor, err error) {
	if err := s.secondFactor(ctx, u); err != nil {
		return "", entitle.Actor{}, err
	}
	return s.open(ctx, u, replacing, meta)
}

// open opens a session for u, its factors checked.
func (s *Service) open(ctx context.Context, u entitle.UserRecord, replacing string, meta entitle.SessionMeta) (secret string, a entitle.Actor, err error) {
	if a, err = s.actor(ctx, u); err != nil {
		return "", entitle.Actor{}, err
	}
	if secret, err = auth.NewSecret(); err != nil {
		return "", entitle.Actor{}, err
	}
	old := ""
	if replacing != "" {
		old = auth.HashToken(replacing)
	}
	now := s.now()
	ev := entitle.AuditEvent{At: now, Actor: u.Email, Company: u.Company, Action: "login", Outcome: "ok"}
	if err := s.Store.CreateSession(ctx, u.ID, auth.HashToken(secret), old, clipMeta(meta), now, now.Add(s.ttl()), ev); err != nil {
		return "", entitle.Actor{}, err
	}
	return secret, a, nil
}

// clipMeta keeps a session's where-from to a length fit for a list.
func clipMeta(m entitle.SessionMeta) entitle.SessionMeta {
	return entitle.SessionMeta{Address: clip(m.Address, 64), UserAgent: clip(m.UserAgent, 200)}
}

// SignOut ends the session whose secret is secret ("" : none).
func (s *Service) SignOut(ctx context.Context, secret string) error {
	if secret == "" {
		return nil
	}
	return s.Store.DeleteSession(ctx, auth.HashToken(secret), entitle.AuditEvent{At: s.now(), Action: "logout", Outcome: "ok"})
}

// Company returns the company a belongs to.
func (s *Service) Company(ctx context.Context, a entitle.Actor) (entitle.Company, error) {
	return s.Store.Company(ctx, a.Company)
}

func (s *Service) audit(ctx context.Context, email, company, outcome string, result error) error {
	if err := s.Store.Audit(ctx, entitle.AuditEvent{At: s.now(), Actor: email, Company: company, Action: "login", Outcome: outcome}); err != nil {
		return err
	}
	return result
}

func (s *Service) dummyHash() (string, error) {
	s.dummyOnce.Do(func() { s.dummy, s.dummyErr = auth.HashPassword("no account has this password") })
	return s.dummy, s.dummyErr
}
