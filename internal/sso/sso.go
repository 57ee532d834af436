// Package sso is single sign-on with OpenID Connect, per company (SPEC §7,
// issue 13). The vendor configures a company's provider (issuer, client ID
// and secret) and the email domains the company vouches for; a person whose
// address is of such a domain signs in at that provider with the
// authorization code flow (PKCE, state and nonce), and the ID token is
// verified with github.com/coreos/go-oidc/v3 (signature, issuer, audience,
// expiry, nonce). A first sign-in makes the person a member of that company
// (just in time), never an administrator, never of another company
// (internal/policy: SSOSignIn).
//
// A sign-in under way is a row of the store (state hashed, PKCE verifier,
// nonce, expiry, and the hash of a secret kept in the browser's cookie):
// the callback takes it once, so a replayed state finds nothing, and only
// the browser that started the sign-in can finish it. Every refusal at the
// callback gets one answer and its reason goes to the audit trail only.
//
// Whether an address's domain signs in with single sign-on depends on the
// domain alone, never on whether the address has an account: starting a
// sign-in tells nothing about accounts.
package sso

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
	"github.com/entitle-portal/entitle/internal/ratelimit"
)

// Store is what single sign-on reads and records.
type Store interface {
	Secret(ctx context.Context, name string) ([]byte, error)
	SetSSO(ctx context.Context, c entitle.SSOConfig, sealed string, ev entitle.AuditEvent) error
	RemoveSSO(ctx context.Context, company string, ev entitle.AuditEvent) error
	SSOConfig(ctx context.Context, company string) (entitle.SSOConfig, string, error)
	SSOConfigByDomain(ctx context.Context, domain string) (entitle.SSOConfig, string, error)
	SSOConfigs(ctx context.Context) ([]entitle.SSOConfig, error)
	AddSSOLogin(ctx context.Context, l entitle.SSOLogin) error
	TakeSSOLogin(ctx context.Context, stateHash string, now time.Time) (entitle.SSOLogin, error)
	UserByEmail(ctx context.Context, email string) (entitle.UserRecord, error)
	AddSSOUser(ctx context.Context, u entitle.User, now time.Time, ev entitle.AuditEvent) (entitle.UserRecord, error)
	Audit(ctx context.Context, events ...entitle.AuditEvent) error
}

// DefaultLoginTTL is how long a sign-in may stay at the provider.
const DefaultLoginTTL = 10 * time.Minute

// DefaultStartLimit bounds the sign-ins started per client address, and
// (separately) the refused callbacks.
var DefaultStartLimit = ratelimit.Limit{N: 100, Per: 15 * time.Minute}

// CallbackPath is where providers send the browser back (the redirect URI
// to register at the provider is BaseURL + CallbackPath).
const CallbackPath = "/sso/callback"

// Service is single sign-on.
type Service struct {
	Store      Store
	BaseURL    string             // the portal's address as browsers reach it: the redirect URI is BaseURL + CallbackPath
	HTTPClient *http.Client       // how providers are reached; a client with a 10 s timeout when nil
	Limiter    *ratelimit.Limiter // nil: sign-ins started are not limited
	StartLimit ratelimit.Limit    // per client address
	LoginTTL   time.Duration      // DefaultLoginTTL when zero
	Now        func() time.Time   // time.Now when nil

	mu        sync.Mutex
	providers map[string]cached // by issuer
}

type cached struct {
	p  *oidc.Provider
	at time.Time
}

// providerTTL is how long a provider's discovery document is reused.
const providerTTL = 15 * time.Minute

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC()
	}
	return s.Now().UTC()
}

func (s *Service) client() *http.Client {
	if s.HTTPClient != nil {
		return s.HTTPClient
	}
	return &http.Client{Timeout: 10 * time.Second}
}

// RedirectURI is the address to register at a provider.
func (s *Service) RedirectURI() string { return strings.TrimRight(s.BaseURL, "/") + CallbackPath }

// ---- The vendor's configuration ----

// Setting is a company's configuration as the vendor gives it.
type Setting struct {
	Company       string
	Issuer        string
	ClientID      string
	ClientSecret  string // "" keeps the one recorded (required the first time)
	Domains       []string
	PasswordLogin bool
	// Check asks the provider for its discovery document first, so that a
	// wrong issuer URL is refused now rather than at the first sign-in.
	Check bool
}

// errNoPage is the answer of the vendor's pages to everybody else (R7).
func errNoPage(path string) error {
	return entitle.Errorf(entitle.CodeNotFound, "There is no page at %s.", path)
}

func decide(a entitle.Actor, path string, change bool) (policy.Decision, error) {
	d := policy.ConfigureSSO(a, change)
	switch {
	case !d.Visible:
		return d, errNoPage(path)
	case !d.Allowed:
		return d, d.Err("", "")
	}
	return d, nil
}

// CheckPage answers whether a may open the single sign-on page at path.
func (s *Service) CheckPage(a entitle.Actor, path string) error {
	_, err := decide(a, path, false)
	return err
}

// Configs returns every company's configuration, by company key.
func (s *Service) Configs(ctx context.Context, a entitle.Actor, path string) ([]entitle.SSOConfig, error) {
	if _, err := decide(a, path, false); err != nil {
		return nil, err
	}
	return s.Store.SSOConfigs(ctx)
}

// Config returns company's configuration; not found when it has none.
func (s *Service) Config(ctx context.Context, a entitle.Actor, path, company string) (entitle.SSOConfig, error) {
	if _, err := decide(a, path, false); err != nil {
		return entitle.SSOConfig{}, err
	}
	c, _, err := s.Store.SSOConfig(ctx, company)
	if errors.Is(err, entitle.ErrNotFound) {
		return c, entitle.Errorf(entitle.CodeNotFound, "company %s has no single sign-on", company)
	}
	return c, err
}

// Set records company st.Company's configuration (replacing any), audited
// as a's. Every problem is named by field; nothing changes when there is
// one.
func (s *Service) Set(ctx context.Context, a entitle.Actor, path string, st Setting) (entitle.SSOConfig, error) {
	d, err := decide(a, path, true)
	if err != nil {
		return entitle.SSOConfig{}, err
	}
	now := s.now()
	c := entitle.SSOConfig{Company: strings.TrimSpace(st.Company), Issuer: strings.TrimSpace(st.Issuer), ClientID: strings.TrimSpace(st.ClientID),
		Domains: entitle.NormalizeDomains(st.Domains...), PasswordLogin: st.PasswordLogin, UpdatedAt: now, UpdatedBy: a.Email}
	err = c.Validate()
	var ps entitle.Problems
	if err != nil && !errors.As(err, &ps) {
		return c, err
	}
	if len(st.ClientSecret) > 1000 {
		ps.Add("client_secret", "the client secret is longer than 1000 characters: paste the secret alone")
	}
	if err := ps.Err(); err != nil {
		return c, err
	}
	if st.Check {
		if _, err := s.discover(ctx, c.Issuer, true); err != nil {
			ps.Add("issuer", "%v", err)
			return c, ps.Err()
		}
	}
	sealed := ""
	if st.ClientSecret != "" {
		if sealed, err = s.seal(ctx, c.Company, st.ClientSecret); err != nil {
			return c, err
		}
	}
	ev := entitle.AuditEvent{At: now, Actor: a.Email, Company: a.Company, Action: "sso.set", Object: c.Company, Basis: d.Basis, Outcome: "ok",
		Detail: fmt.Sprintf("issuer %s, client %s, domains %s, password sign-in %s", c.Issuer, c.ClientID, strings.Join(c.Domains, ","), allowed(c.PasswordLogin))}
	if err := s.Store.SetSSO(ctx, c, sealed, ev); err != nil {
		return c, err
	}
	return c, nil
}

func allowed(b bool) string {
	if b {
		return "allowed"
	}
	return "not allowed"
}

// Remove removes company's configuration, audited as a's: its users sign
// in with passwords again (those who joined by single sign-on have none
// until they reset it).
func (s *Service) Remove(ctx context.Context, a entitle.Actor, path, company string) error {
	d, err := decide(a, path, true)
	if err != nil {
		return err
	}
	ev := entitle.AuditEvent{At: s.now(), Actor: a.Email, Company: a.Company, Action: "sso.remove", Object: company, Basis: d.Basis, Outcome: "ok"}
	err = s.Store.RemoveSSO(ctx, company, ev)
	if errors.Is(err, entitle.ErrNotFound) {
		return entitle.Errorf(entitle.CodeNotFound, "company %s has no single sign-on", company)
	}
	return err
}

// ---- Signing in ----

// Redirect is how a sign-in goes on: at the provider (SSO true: send the
// browser to URL, and keep Binding in its cookie for the callback), or with
// a password.
type Redirect struct {
	SSO     bool
	URL     string
	Binding string
}

// Start begins signing in the person with email: when the address's domain
// signs in at a company's provider, a sign-in under way is recorded and
// the provider's address returned; else SSO is false (a password, then).
// The answer depends on the domain only. addr is the client's address as
// rate limits count it; next is where to go once signed in.
func (s *Service) Start(ctx context.Context, email, next, addr string) (Redirect, error) {
	email = entitle.NormalizeEmail(email)
	switch {
	case email == "":
		return Redirect{}, entitle.Errorf(entitle.CodeEmailRequired, "Please enter email address")
	case entitle.CheckPlainEmail(email) != nil:
		return Redirect{}, entitle.Errorf(entitle.CodeInvalidEmail, "You have entered an invalid email address. Please re-enter the email address.")
	}
	c, sealed, err := s.Store.SSOConfigByDomain(ctx, entitle.EmailDomain(email))
	if errors.Is(err, entitle.ErrNotFound) {
		return Redirect{}, nil
	}
	if err != nil {
		return Redirect{}, err
	}
	now := s.now()
	if s.Limiter != nil {
		if err := s.Limiter.Take(ctx, s.StartLimit, "single sign-ons started from your address", "sso-start:"+addr, now); err != nil {
			return Redirect{}, err
		}
	}
	p, err := s.discover(ctx, c.Issuer, false)
	if err != nil {
		return Redirect{}, entitle.Errorf(entitle.CodeUnavailable, "your company's sign-in provider does not answer: try again in a few minutes")
	}
	secret, err := s.open(ctx, c.Company, sealed)
	if err != nil {
		return Redirect{}, err
	}
	var state, nonce, binding string
	for _, v := range []*string{&state, &nonce, &binding} {
		if *v, err = random(); err != nil {
			return Redirect{}, err
		}
	}
	ttl := s.LoginTTL
	if ttl <= 0 {
		ttl = DefaultLoginTTL
	}
	l := entitle.SSOLogin{StateHash: hash(state), BindingHash: hash(binding), Company: c.Company, Nonce: nonce,
		Verifier: oauth2.GenerateVerifier(), Next: next, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := s.Store.AddSSOLogin(ctx, l); err != nil {
		return Redirect{}, err
	}
	u := s.oauth2(c, secret, p).AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(l.Verifier),
		oauth2.SetAuthURLParam("login_hint", email))
	return Redirect{SSO: true, URL: u, Binding: binding}, nil
}

func (s *Service) oauth2(c entitle.SSOConfig, secret string, p *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{ClientID: c.ClientID, ClientSecret: secret, Endpoint: p.Endpoint(), RedirectURL: s.RedirectURI(),
		Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}
}

// Callback is what a provider sends the browser back with.
type Callback struct {
	State, Code string
	Error       string // the provider's error code, if it refused
	Binding     string // the secret of the browser's cookie
	Addr        string // the client's address as rate limits count it
}

// The answers of a callback that did not sign anybody in, in words for the
// sign-in page: a fixed set, never text from the URL.
var (
	// ErrExpired: no sign-in under way with that state — expired, used
	// already (a replay), or never started.
	ErrExpired = entitle.Errorf(entitle.CodeInvalidCredentials, "This sign-in has expired or was already used. Please sign in again.")
	// ErrRefused: the provider's answer does not sign anybody in to the
	// portal. One answer for every reason (the audit trail keeps it).
	ErrRefused = entitle.Errorf(entitle.CodeInvalidCredentials, "Single sign-on did not sign you in to the portal. Please try again, or ask an administrator of your company.")
)

// Finish completes a sign-in at the callback: the user to open a session
// for, and where to go. Every refusal is audited with its reason.
func (s *Service) Finish(ctx context.Context, cb Callback) (u entitle.UserRecord, next string, err error) {
	now := s.now()
	// Refused callbacks count against the client's address, like failed
	// sign-ins: nobody fills the audit trail with them for free.
	key := "sso-refused:" + cb.Addr
	if s.Limiter != nil {
		if err := s.Limiter.Check(ctx, s.StartLimit, "refused single sign-ons from your address", key, now); err != nil {
			return entitle.UserRecord{}, "", err
		}
	}
	refused := func(company, actor, reason string, answer error) (entitle.UserRecord, string, error) {
		if actor == "" {
			actor = "sso" // nobody known yet: the callback itself
		}
		if s.Limiter != nil {
			if err := s.Limiter.Hit(ctx, s.StartLimit, key, now); err != nil {
				return entitle.UserRecord{}, "", err
			}
		}
		if err := s.Store.Audit(ctx, entitle.AuditEvent{At: now, Actor: actor, Company: company, Action: "login.sso", Outcome: "refused", Detail: reason}); err != nil {
			return entitle.UserRecord{}, "", err
		}
		return entitle.UserRecord{}, "", answer
	}
	if cb.State == "" {
		return refused("", "", "no state", ErrExpired)
	}
	l, err := s.Store.TakeSSOLogin(ctx, hash(cb.State), now)
	if errors.Is(err, entitle.ErrNotFound) {
		return refused("", "", "unknown, used or expired state", ErrExpired)
	}
	if err != nil {
		return entitle.UserRecord{}, "", err
	}
	if cb.Binding == "" || subtle.ConstantTimeCompare([]byte(hash(cb.Binding)), []byte(l.BindingHash)) != 1 {
		return refused(l.Company, "", "the callback came to another browser than the one that started", ErrRefused)
	}
	if cb.Error != "" {
		return refused(l.Company, "", "the provider answered an error: "+clip(cb.Error), ErrRefused)
	}
	c, sealed, err := s.Store.SSOConfig(ctx, l.Company)
	if errors.Is(err, entitle.ErrNotFound) {
		return refused(l.Company, "", "the company has no single sign-on any more", ErrRefused)
	}
	if err != nil {
		return entitle.UserRecord{}, "", err
	}
	p, err := s.discover(ctx, c.Issuer, false)
	if err != nil {
		return refused(l.Company, "", "the provider does not answer: "+err.Error(), ErrRefused)
	}
	secret, err := s.open(ctx, c.Company, sealed)
	if err != nil {
		return entitle.UserRecord{}, "", err
	}
	pctx := oidc.ClientContext(ctx, s.client())
	tok, err := s.oauth2(c, secret, p).Exchange(pctx, cb.Code, oauth2.VerifierOption(l.Verifier))
	if err != nil {
		return refused(l.Company, "", "the code exchange failed: "+err.Error(), ErrRefused)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return refused(l.Company, "", "the provider's answer has no ID token", ErrRefused)
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: c.ClientID, Now: s.now}).Verify(pctx, raw)
	if err != nil {
		return refused(l.Company, "", "the ID token is not valid: "+err.Error(), ErrRefused)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(l.Nonce)) != 1 {
		return refused(l.Company, "", "the ID token's nonce is not this sign-in's", ErrRefused)
	}
	var claims struct {
		Email         string `json:"email"`
		EmailVerified *bool  `json:"email_verified"`
		Name          string `json:"name"`
	}
	if err := idt.Claims(&claims); err != nil {
		return refused(l.Company, "", "the ID token's claims cannot be read: "+err.Error(), ErrRefused)
	}
	email := entitle.NormalizeEmail(claims.Email)
	f := policy.SSOFacts{Via: c.Company, Domains: c.Domains, Email: email, EmailVerified: claims.EmailVerified}
	existing, err := s.Store.UserByEmail(ctx, email)
	switch {
	case err == nil:
		f.Existing = &existing.User
	case !errors.Is(err, entitle.ErrNotFound):
		return entitle.UserRecord{}, "", err
	}
	d, join := policy.SSOSignIn(f)
	if !d.Allowed {
		// Recorded in the audit trail of the user's own company when the
		// address is another company's user: this company's administrators
		// never learn of another company's users (R7).
		company := c.Company
		if f.Existing != nil && f.Existing.Company != c.Company {
			company = f.Existing.Company
		}
		return refused(company, clip(email), d.Reasons[0], ErrRefused)
	}
	u = existing
	if join {
		name := strings.TrimSpace(claims.Name)
		if (entitle.User{Email: email, Name: name, Company: c.Company, Status: entitle.UserActive}).Validate() != nil {
			name = email[:strings.IndexByte(email, '@')]
		}
		u, err = s.Store.AddSSOUser(ctx, entitle.User{Email: email, Name: name, Company: c.Company}, now,
			entitle.AuditEvent{At: now, Actor: email, Company: c.Company, Action: "user.add", Outcome: "ok",
				Detail: "a member, just in time: signed in for the first time by the company's provider " + c.Issuer})
		if err != nil {
			var e *entitle.Error
			if errors.As(err, &e) && e.Code == entitle.CodeConflict {
				return refused(c.Company, email, "the address was taken meanwhile", ErrRefused)
			}
			return entitle.UserRecord{}, "", err
		}
	}
	if err := s.Store.Audit(ctx, entitle.AuditEvent{At: now, Actor: email, Company: c.Company, Action: "login.sso", Outcome: "ok",
		Detail: "signed in by " + c.Issuer + " as " + clip(idt.Subject)}); err != nil {
		return entitle.UserRecord{}, "", err
	}
	return u, l.Next, nil
}

// discover returns the provider at issuer, from its discovery document
// (kept for a while; fresh asks again).
func (s *Service) discover(ctx context.Context, issuer string, fresh bool) (*oidc.Provider, error) {
	now := time.Now()
	s.mu.Lock()
	c, ok := s.providers[issuer]
	s.mu.Unlock()
	if ok && !fresh && now.Sub(c.at) < providerTTL {
		return c.p, nil
	}
	// The provider keeps the context for fetching its keys later: not
	// this request's, which ends.
	p, err := oidc.NewProvider(oidc.ClientContext(context.WithoutCancel(ctx), s.client()), issuer)
	if err != nil {
		return nil, fmt.Errorf("the provider at %s did not answer its OpenID discovery document (%s/.well-known/openid-configuration): %v",
			issuer, strings.TrimRight(issuer, "/"), err)
	}
	s.mu.Lock()
	if s.providers == nil {
		s.providers = map[string]cached{}
	}
	s.providers[issuer] = cached{p, now}
	s.mu.Unlock()
	return p, nil
}

// ---- Secrets ----

func random() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func hash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func clip(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

// The client secrets are sealed with AES-256-GCM under the deployment's
// secret "sso" (store.Secret), bound to their company.
func (s *Service) aead(ctx context.Context) (cipher.AEAD, error) {
	key, err := s.Store.Secret(ctx, "sso")
	if err != nil {
		return nil, err
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

func (s *Service) seal(ctx context.Context, company, secret string) (string, error) {
	g, err := s.aead(ctx)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, g.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return "v1:" + base64.StdEncoding.EncodeToString(g.Seal(nonce, nonce, []byte(secret), []byte(company))), nil
}

func (s *Service) open(ctx context.Context, company, sealed string) (string, error) {
	g, err := s.aead(ctx)
	if err != nil {
		return "", err
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(sealed, "v1:"))
	if err != nil || len(b) < g.NonceSize() || !strings.HasPrefix(sealed, "v1:") {
		return "", fmt.Errorf("the client secret of company %s cannot be read: set it again (entitle sso set)", company)
	}
	plain, err := g.Open(nil, b[:g.NonceSize()], b[g.NonceSize():], []byte(company))
	if err != nil {
		return "", fmt.Errorf("the client secret of company %s cannot be opened (another deployment's key?): set it again (entitle sso set)", company)
	}
	return string(plain), nil
}
