// Package webtest builds, for tests, the web server on a store with every
// service wired the way cmd/entitle wires them: the tests of internal/web
// and of the packages that drive the HTTP API (webhooks) run the real
// services behind the real handlers. Only tests import it; the program
// itself is wired in cmd/entitle alone.
package webtest

import (
	"context"
	"log/slog"
	"net/netip"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/accessrequests"
	"github.com/entitle-portal/entitle/internal/accounts"
	"github.com/entitle-portal/entitle/internal/audit"
	"github.com/entitle-portal/entitle/internal/channel"
	"github.com/entitle-portal/entitle/internal/coworkers"
	"github.com/entitle-portal/entitle/internal/disclose"
	"github.com/entitle-portal/entitle/internal/i18n"
	"github.com/entitle-portal/entitle/internal/lifecycle"
	"github.com/entitle-portal/entitle/internal/mail"
	"github.com/entitle-portal/entitle/internal/ratelimit"
	"github.com/entitle-portal/entitle/internal/sso"
	"github.com/entitle-portal/entitle/internal/store"
	"github.com/entitle-portal/entitle/internal/web"
	"github.com/entitle-portal/entitle/internal/webhooks"
)

// Options are the settings a test may change; zero fields take the
// services' defaults.
type Options struct {
	Now     func() time.Time
	Logger  *slog.Logger
	Mailer  mail.Sender // nil: an outbox in the current directory's outbox/
	BaseURL string

	SessionTTL    time.Duration
	InvitationTTL time.Duration
	LoginLimits   *accounts.Limits  // nil: accounts.DefaultLimits
	InviteLimits  *coworkers.Limits // nil: coworkers.DefaultLimits
	Delivery      coworkers.Delivery

	DirectPremium entitle.Decimal
	RenewalGrace  time.Duration
	SalesDesk     string
	// SalesDeskLanguage: the language of the sales desk's mail ("": English).
	SalesDeskLanguage i18n.Lang
	TransferTTL       time.Duration

	SecureCookies  bool
	ClientIPHeader string
	Registry       *prometheus.Registry
	RequestTimeout time.Duration // how long an API request may take (web.Config)
	// The ingest API's limits (web.Config); zero: web's defaults.
	ImportMaxBytes, ImportSyncBytes int64
	// WebhooksPublicOnly: the webhooks administrators add must be https to
	// public addresses (serve without --demo); off, the tests' receivers on
	// 127.0.0.1 may be added (serve --demo).
	WebhooksPublicOnly bool
	// Resolve looks host names up for the webhooks' URL guard (nil: DNS).
	Resolve func(ctx context.Context, host string) ([]netip.Addr, error)
	// Version and MetricsToken: web.Config's (the build's version in
	// /healthz; the token that opens /metrics on the public address).
	Version, MetricsToken string
	// Schema reports the schema version for /readyz (nil: the store's).
	Schema func(ctx context.Context) (have, want int64, err error)
}

// Services are the services behind the server.
type Services struct {
	Gate      *disclose.Service
	Accounts  *accounts.Service
	Coworkers *coworkers.Service
	Lifecycle *lifecycle.Service
	Audit     *audit.Service
	Channel   *channel.Service
	SSO       *sso.Service
	// AccessRequests: asking another company for access (issue 14).
	AccessRequests *accessrequests.Service
	Webhooks       *webhooks.Dispatcher
	Hooks          *webhooks.Manager
}

// New returns the server on db, and its services. Close the services'
// background mail with Services.Coworkers.Close and Services.Accounts.Close
// when done.
func New(ctx context.Context, db *store.DB, o Options) (*web.Server, *Services, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Mailer == nil {
		o.Mailer = mail.Outbox{Dir: "outbox", Now: o.Now}
	}
	login, invite := accounts.DefaultLimits, coworkers.DefaultLimits
	if o.LoginLimits != nil {
		login = *o.LoginLimits
	}
	if o.InviteLimits != nil {
		invite = *o.InviteLimits
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	gate := disclose.New(db, o.Now)
	limiter := &ratelimit.Limiter{Store: db}
	svc := &Services{
		Gate: gate,
		Accounts: &accounts.Service{Store: db, Limiter: limiter, Limits: login, SessionTTL: o.SessionTTL, Now: o.Now,
			Mailer: o.Mailer, BaseURL: o.BaseURL, Logger: logger},
		Coworkers: &coworkers.Service{Store: db, Mailer: o.Mailer, Now: o.Now, Logger: logger, BaseURL: o.BaseURL,
			TTL: o.InvitationTTL, Limits: invite, Limiter: limiter, Delivery: o.Delivery},
		Lifecycle: &lifecycle.Service{Store: db, Gate: gate, Mailer: o.Mailer, Now: o.Now, Logger: logger, BaseURL: o.BaseURL,
			DirectPremium: o.DirectPremium, RenewalGrace: o.RenewalGrace, SalesDesk: o.SalesDesk,
			SalesDeskLanguage: o.SalesDeskLanguage, TransferTTL: o.TransferTTL},
		Audit:    &audit.Service{Store: db},
		Channel:  &channel.Service{Store: db, Now: o.Now},
		SSO:      &sso.Service{Store: db, BaseURL: o.BaseURL, Limiter: limiter, StartLimit: sso.DefaultStartLimit, Now: o.Now},
		Webhooks: &webhooks.Dispatcher{Store: db, Gate: gate, Logger: logger, Now: o.Now, PublicOnly: o.WebhooksPublicOnly},
		AccessRequests: &accessrequests.Service{Store: db, Gate: gate, Mailer: o.Mailer, Now: o.Now, Logger: logger,
			BaseURL: o.BaseURL},
	}
	svc.Hooks = &webhooks.Manager{Store: db, Dispatcher: svc.Webhooks, Dev: !o.WebhooksPublicOnly, Resolve: o.Resolve, Now: o.Now}
	secret, err := db.Secret(ctx, "cursor")
	if err != nil {
		return nil, nil, err
	}
	if o.Schema == nil {
		o.Schema = db.Schema
	}
	srv, err := web.New(web.Config{Gate: svc.Gate, Accounts: svc.Accounts, Coworkers: svc.Coworkers, Lifecycle: svc.Lifecycle,
		Audit: svc.Audit, Channel: svc.Channel, SSO: svc.SSO, AccessRequests: svc.AccessRequests, Webhooks: svc.Hooks, Health: db.Ping, Schema: o.Schema, Secret: secret, Logger: o.Logger, Now: o.Now,
		SecureCookies: o.SecureCookies, InvitationTTL: o.InvitationTTL, ClientIPHeader: o.ClientIPHeader, Registry: o.Registry,
		RequestTimeout: o.RequestTimeout, ImportMaxBytes: o.ImportMaxBytes, ImportSyncBytes: o.ImportSyncBytes, Version: o.Version, MetricsToken: o.MetricsToken})
	if err != nil {
		return nil, nil, err
	}
	return srv, svc, nil
}
