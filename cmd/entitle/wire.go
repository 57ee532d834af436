package main

import (
	"context"
	"log/slog"
	"time"

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
	"github.com/entitle-portal/entitle/internal/notices"
	"github.com/entitle-portal/entitle/internal/ratelimit"
	"github.com/entitle-portal/entitle/internal/sso"
	"github.com/entitle-portal/entitle/internal/store"
	"github.com/entitle-portal/entitle/internal/web"
	"github.com/entitle-portal/entitle/internal/webhooks"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// The one place where the program is wired: every service is built here,
// on the one store, and handed to whoever calls it — the web server, the
// schedulers of serve, the commands. No other package builds a service of
// another package (cmd/entitle/deps_test.go holds the rule).

// settings are the knobs of the services, from flags.
type settings struct {
	now     func() time.Time
	logger  *slog.Logger // nil: none
	mailer  mail.Sender  // nil: none (commands that send no mail)
	baseURL string       // how users reach the portal, for links in mail

	sessionTTL    time.Duration
	invitationTTL time.Duration
	loginLimits   accounts.Limits
	inviteLimits  coworkers.Limits
	delivery      coworkers.Delivery // how hard invitation mail is retried

	directPremium entitle.Decimal
	renewalGrace  time.Duration
	salesDesk     string
	salesDeskLang i18n.Lang // the language of the sales desk's mail
	transferTTL   time.Duration

	noticeStages notices.Stages

	// The ingest API's limits (web.Config); zero: web's defaults.
	importMaxBytes, importSyncBytes int64

	// demo is serve --demo: the webhooks a company's administrators add
	// may be plain http to localhost and reach private addresses
	// (webhooks.Manager.Dev); otherwise https to public addresses only.
	demo bool

	// version is the build's (web.Config.Version); metricsToken opens
	// /metrics on the portal's address (web.Config.MetricsToken).
	version, metricsToken string
}

// program is every service on one store.
type program struct {
	db        *store.DB
	gate      *disclose.Service
	accounts  *accounts.Service
	coworkers *coworkers.Service
	lifecycle *lifecycle.Service
	audit     *audit.Service
	channel   *channel.Service
	notices   *notices.Service
	webhooks  *webhooks.Dispatcher
	hooks     *webhooks.Manager
	sso       *sso.Service
	requests  *accessrequests.Service
}

// wire builds every service on db with st.
func wire(db *store.DB, st settings) *program {
	if st.now == nil {
		st.now = time.Now
	}
	logger := st.logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	gate := disclose.New(db, st.now)
	limiter := &ratelimit.Limiter{Store: db}
	dispatcher := &webhooks.Dispatcher{Store: db, Gate: gate, Logger: logger, Now: st.now, PublicOnly: !st.demo}
	return &program{
		db:   db,
		gate: gate,
		accounts: &accounts.Service{Store: db, Limiter: limiter, Limits: st.loginLimits, SessionTTL: st.sessionTTL,
			Now: st.now, Mailer: st.mailer, BaseURL: st.baseURL, Logger: logger},
		coworkers: &coworkers.Service{Store: db, Mailer: st.mailer, Now: st.now, Logger: logger, BaseURL: st.baseURL,
			TTL: st.invitationTTL, Limits: st.inviteLimits, Limiter: limiter, Delivery: st.delivery},
		lifecycle: &lifecycle.Service{Store: db, Gate: gate, Mailer: st.mailer, Now: st.now, Logger: logger, BaseURL: st.baseURL,
			DirectPremium: st.directPremium, RenewalGrace: st.renewalGrace, SalesDesk: st.salesDesk,
			SalesDeskLanguage: st.salesDeskLang, TransferTTL: st.transferTTL},
		audit:   &audit.Service{Store: db},
		channel: &channel.Service{Store: db, Now: st.now},
		notices: &notices.Service{Store: db, Gate: gate, Mailer: st.mailer, Now: st.now, Stages: st.noticeStages,
			Logger: logger, BaseURL: st.baseURL},
		webhooks: dispatcher,
		hooks:    &webhooks.Manager{Store: db, Dispatcher: dispatcher, Dev: st.demo, Now: st.now},
		sso:      &sso.Service{Store: db, BaseURL: st.baseURL, Limiter: limiter, StartLimit: sso.DefaultStartLimit, Now: st.now},
		requests: &accessrequests.Service{Store: db, Gate: gate, Mailer: st.mailer, Now: st.now, Logger: logger, BaseURL: st.baseURL},
	}
}

// web returns the HTTP server on p's services.
func (p *program) web(ctx context.Context, st settings, secure bool, clientIPHeader string) (*web.Server, error) {
	secret, err := p.db.Secret(ctx, "cursor")
	if err != nil {
		return nil, err
	}
	// The metrics of the process beside the server's own: memory, goroutines,
	// open files, CPU (what an operator looks at first).
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return web.New(web.Config{Gate: p.gate, Accounts: p.accounts, Coworkers: p.coworkers, Lifecycle: p.lifecycle,
		Audit: p.audit, Channel: p.channel, SSO: p.sso, AccessRequests: p.requests, Webhooks: p.hooks, Health: p.db.Ping, Schema: p.db.Schema, Secret: secret,
		Logger: st.logger, Now: st.now, SecureCookies: secure, InvitationTTL: st.invitationTTL, ClientIPHeader: clientIPHeader,
		ImportMaxBytes: st.importMaxBytes, ImportSyncBytes: st.importSyncBytes,
		Version: st.version, MetricsToken: st.metricsToken, Registry: reg})
}
