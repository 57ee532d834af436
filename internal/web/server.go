// Package web serves entitle over HTTP: the JSON API under /api/v1 (SPEC §5)
// and the portal's pages. Every route is listed in routes.go. Handlers are
// small functions that return an error; one adapter turns errors into
// responses (errors.go), and every read goes through internal/disclose —
// no handler decides what a caller may see.
package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/auth"
	"github.com/entitle-portal/entitle/internal/coworkers"
	"github.com/entitle-portal/entitle/internal/disclose"
	"github.com/entitle-portal/entitle/internal/lifecycle"
	"github.com/entitle-portal/entitle/internal/mail"
	"github.com/entitle-portal/entitle/internal/ratelimit"
	"github.com/entitle-portal/entitle/internal/store"
)

// Config is what a server needs.
type Config struct {
	DB      *store.DB
	Logger  *slog.Logger
	Now     func() time.Time // the clock; time.Now when nil
	Mailer  mail.Sender      // where invitations go
	BaseURL string           // how users reach the portal, for links in mail
	// SecureCookies marks the session cookie Secure (served over TLS).
	SecureCookies bool
	// SessionTTL is how long a session lasts without use (default 12 hours).
	SessionTTL time.Duration
	// InvitationTTL is how long an invitation link works (default 7 days).
	InvitationTTL time.Duration
	// Registry receives the server's metrics (a new one when nil).
	Registry *prometheus.Registry
	// Limits are the rate limits of sign-in and invitations (DefaultLimits
	// when nil).
	Limits *Limits
	// ClientIPHeader names a header a trusted proxy in front sets to the
	// client's address (e.g. X-Forwarded-For: its last address is taken).
	// Empty: the address of the connection, for rate limits and logs.
	ClientIPHeader string
	// Delivery is how hard invitation mail is retried (coworkers defaults
	// when zero).
	Delivery coworkers.Delivery
	// Lifecycle settings (lifecycle defaults when zero): the direct
	// premium in percent, how long after its end an entitlement may still be
	// renewed, the vendor's sales desk address, how long a transfer offer
	// stays open.
	DirectPremium entitle.Decimal
	RenewalGrace  time.Duration
	SalesDesk     string
	TransferTTL   time.Duration
}

// Limits are the server's rate limits; a zero Limit is off.
type Limits struct {
	LoginPerAccount ratelimit.Limit // failed sign-ins per email address, known or not
	LoginPerAddress ratelimit.Limit // failed sign-ins per client address
	Invitations     coworkers.Limits
}

// DefaultLimits are the limits of a server that sets none.
var DefaultLimits = Limits{
	LoginPerAccount: ratelimit.Limit{N: 10, Per: 15 * time.Minute},
	LoginPerAddress: ratelimit.Limit{N: 100, Per: 15 * time.Minute},
	Invitations:     coworkers.DefaultLimits,
}

// Server is the HTTP side of entitle.
type Server struct {
	cfg       Config
	svc       *disclose.Service
	cursorKey []byte
	metrics   *metrics
	mux       *http.ServeMux
	handler   http.Handler
	dummyHash string // a password hash to verify against when the email is unknown
	co        *coworkers.Service
	life      *lifecycle.Service
	limiter   *ratelimit.Limiter
	limits    Limits
}

// New returns a server on cfg.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.DB == nil {
		return nil, fmt.Errorf("web: no store")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = 12 * time.Hour
	}
	if cfg.InvitationTTL == 0 {
		cfg.InvitationTTL = 7 * 24 * time.Hour
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	key, err := cfg.DB.Secret(ctx, "cursor")
	if err != nil {
		return nil, err
	}
	dummy, err := auth.HashPassword("no account has this password")
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, svc: &disclose.Service{DB: cfg.DB, Now: cfg.Now}, cursorKey: key, metrics: newMetrics(cfg.Registry), dummyHash: dummy,
		limiter: &ratelimit.Limiter{Store: cfg.DB}, limits: DefaultLimits}
	if cfg.Limits != nil {
		s.limits = *cfg.Limits
	}
	if cfg.Mailer == nil {
		cfg.Mailer = mail.Outbox{Dir: "outbox", Now: cfg.Now}
	}
	s.life = &lifecycle.Service{DB: cfg.DB, Mailer: cfg.Mailer, Now: cfg.Now, Logger: cfg.Logger, BaseURL: cfg.BaseURL,
		DirectPremium: cfg.DirectPremium, RenewalGrace: cfg.RenewalGrace, SalesDesk: cfg.SalesDesk, TransferTTL: cfg.TransferTTL}
	s.co = &coworkers.Service{DB: cfg.DB, Mailer: cfg.Mailer, Now: cfg.Now, Logger: cfg.Logger, BaseURL: cfg.BaseURL,
		TTL: cfg.InvitationTTL, Limits: s.limits.Invitations, Limiter: s.limiter, Delivery: cfg.Delivery}
	s.handler = s.routes()
	return s, nil
}

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// WaitMail returns once no invitation mail is being retried in the
// background.
func (s *Server) WaitMail() { s.co.Wait() }

// Close stops the background deliveries of invitation mail, recording the
// undelivered ones as failed (an administrator can resend them). Call it
// after the HTTP server has stopped.
func (s *Server) Close() { s.co.Close() }

func (s *Server) now() time.Time { return s.cfg.Now().UTC() }
