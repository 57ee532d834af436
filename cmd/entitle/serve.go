package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/accounts"
	"github.com/entitle-portal/entitle/internal/auth"
	"github.com/entitle-portal/entitle/internal/coworkers"
	"github.com/entitle-portal/entitle/internal/demo"
	"github.com/entitle-portal/entitle/internal/demoidp"
	"github.com/entitle-portal/entitle/internal/i18n"
	"github.com/entitle-portal/entitle/internal/lifecycle"
	"github.com/entitle-portal/entitle/internal/notices"
	"github.com/entitle-portal/entitle/internal/sso"
	"github.com/entitle-portal/entitle/internal/store"
	"github.com/entitle-portal/entitle/internal/web"
	"github.com/entitle-portal/entitle/internal/webhooks"
)

func serveCommand() command {
	return command{
		name:    "serve",
		args:    "[--addr 127.0.0.1:8080] [--metrics-addr 127.0.0.1:9090] [--demo] [--outbox DIR] [--smtp-addr HOST:PORT]",
		summary: "serve the portal and the JSON API",
		help: `Serves the web portal and the JSON API (/api/v1, described at
/api/v1/openapi.json), /healthz (liveness) and /readyz (readiness: the
database answers and its schema is current). With --demo, an empty database
is first loaded with the demo channel and one login per role is printed.

The Prometheus metrics are not on the portal's address: they are served on
a second listener, --metrics-addr (127.0.0.1:9090 by default; off for none),
with /healthz and /readyz. Keep that address off the public network. With
$ENTITLE_METRICS_TOKEN set (at least 16 characters; never a flag, so that it
stays out of process lists), /metrics on the portal's address also answers
requests with "Authorization: Bearer TOKEN"; every other request there gets
404.

Every flag can also be set by its environment variable (--metrics-addr by
$ENTITLE_METRICS_ADDR, and so on); the command line wins.

Mail (co-worker invitations) goes over SMTP when --smtp-addr is set, else
into .eml files in the outbox directory. The SMTP password is read from
$ENTITLE_SMTP_PASSWORD, never from a flag. A mail that fails for a passing
reason is tried again in the background (6 attempts over about 15 minutes);
company administrators see each invitation's delivery and can resend it.

Expiry notices go out from serve itself: at start and every
--notify-interval (0: never; then run 'entitle notify --now' from cron), at
the stages of --notify-stages (days before an end date), to the
administrators of each entitlement's owner and partner of record, one mail
per company per stage. Several serve processes on one database send each
notice once.

Webhooks (entitle webhook add) are delivered every --webhook-interval,
signed, retried with backoff; several serve processes share the work.

Expired sessions, used or expired links and finished webhook deliveries are
removed at start and every --cleanup-interval (0: never; then run 'entitle
cleanup' from cron). Audit events are not: see 'entitle audit prune'.

Renewals: owners see their partner of record first, then listed partners,
then buying direct at the partner price plus --direct-premium; renewal
requests go to the chosen partner's inbox (direct ones to the vendor and
--sales-desk, whose mail is written in --sales-desk-language: en or de).
Ownership transfer offers stay open --transfer-ttl.

Failed sign-ins are limited per account and per client address, invitations
per user and per company (--limit-* flags, N/PERIOD such as 10/15m, or off);
the limits hold across every serve process on the database. A refused
request gets 429 rate_limited with Retry-After.

The server stops gracefully on SIGINT or SIGTERM: it stops accepting
connections, finishes the requests in flight (up to --shutdown-timeout) and
commits every acknowledged audit event before it exits.`,
		run: runServe,
	}
}

func runServe(ctx context.Context, e *env, c command, args []string) error {
	f := newFlags(e, c)
	addr := f.String("addr", "127.0.0.1:8080", "address to listen on (host:port; port 0 picks a free one)")
	metricsAddr := f.String("metrics-addr", "127.0.0.1:9090", "address of the operations listener: /metrics, /healthz, /readyz (host:port; port 0 picks a free one; off: none)")
	demoFlag := f.Bool("demo", false, "load the demo channel into an empty database and print its logins")
	mf := addMailFlags(f)
	baseURL := f.String("base-url", "", "the portal's address as users reach it, for links in mail (default http://ADDR)")
	secure := f.Bool("secure-cookies", false, "mark session cookies Secure (set when a TLS proxy is in front)")
	sessionTTL := f.Duration("session-ttl", 12*time.Hour, "how long an unused session stays signed in")
	invitationTTL := f.Duration("invitation-ttl", 7*24*time.Hour, "how long an invitation link works")
	loginLimits, inviteLimits := accounts.DefaultLimits, coworkers.DefaultLimits
	f.Var(&loginLimits.PerAccount, "limit-login-account", "failed sign-ins allowed per account (N/PERIOD, or off)")
	f.Var(&loginLimits.PerAddress, "limit-login-address", "failed sign-ins allowed per client address (N/PERIOD, or off)")
	f.Var(&loginLimits.CodePerAccount, "limit-code-account", "wrong two-factor codes allowed per account (N/PERIOD, or off)")
	f.Var(&loginLimits.CodePerAddress, "limit-code-address", "wrong two-factor codes allowed per client address (N/PERIOD, or off)")
	f.Var(&inviteLimits.PerUser, "limit-invites-user", "invitations (and resends) allowed per user (N/PERIOD, or off)")
	f.Var(&inviteLimits.PerCompany, "limit-invites-company", "invitations (and resends) allowed per company (N/PERIOD, or off)")
	f.Var(&inviteLimits.AcceptPerAddress, "limit-accept-address", "invitation links that do not work allowed per client address (N/PERIOD, or off)")
	f.Var(&loginLimits.ForgotPerAccount, "limit-forgot-account", "password reset requests allowed per email address (N/PERIOD, or off)")
	f.Var(&loginLimits.ForgotPerAddress, "limit-forgot-address", "password reset requests allowed per client address (N/PERIOD, or off)")
	clientIP := f.String("client-ip-header", "", "header a trusted proxy sets to the client address, e.g. X-Forwarded-For (rate limits, logs)")
	logFormat := f.String("log-format", "text", "request log format: text or json")
	shutdown := f.Duration("shutdown-timeout", 15*time.Second, "how long to wait for requests in flight on shutdown")
	premium := f.String("direct-premium", "10%", "how much more buying direct from the vendor costs than the partner price, in percent")
	renewalGrace := f.Duration("renewal-grace", lifecycle.DefaultRenewalGrace, "how long after its end an entitlement may still be renewed")
	salesDesk := f.String("sales-desk", "", "address of the vendor's sales desk for direct renewal requests (default: the vendor's administrators)")
	salesDeskLang := langFlag(i18n.English)
	f.Var(&salesDeskLang, "sales-desk-language", "language of the mail to --sales-desk: "+langWords())
	transferTTL := f.Duration("transfer-ttl", lifecycle.DefaultTransferTTL, "how long an ownership transfer offer stays open")
	whInterval := f.Duration("webhook-interval", webhooks.DefaultInterval, "how often webhook events are fanned out and due deliveries sent (0: never)")
	notifyInterval := f.Duration("notify-interval", time.Hour, "how often to send the expiry notices that are due (0: never; see entitle notify)")
	cleanupInterval := f.Duration("cleanup-interval", time.Hour, "how often expired sessions, used links and old webhook deliveries are removed (0: never; see entitle cleanup)")
	notifyStages := slices.Clone(notices.DefaultStages)
	importMax, importSync := byteSize(web.DefaultImportMaxBytes), byteSize(web.DefaultImportSyncBytes)
	f.Var(&importMax, "import-max-bytes", "largest file POST /api/v1/imports takes (bytes, or KiB, MiB, GiB)")
	f.Var(&importSync, "import-sync-bytes", "files up to this size are imported before the answer; larger ones answer 202 and run in the background")
	f.Var(&notifyStages, "notify-stages", "days before an end date at which expiry notices go out, comma-separated")
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return errUsage{"serve takes no arguments"}
	}
	pct := entitle.Decimal(strings.TrimSuffix(strings.TrimSpace(*premium), "%"))
	if err := pct.Validate(); err != nil {
		return errUsage{fmt.Sprintf("--direct-premium must be a percentage such as 10%%, not %q", *premium)}
	}
	if *salesDesk != "" && entitle.CheckPlainEmail(*salesDesk) != nil {
		return errUsage{fmt.Sprintf("--sales-desk must be a plain address such as sales@vendor.example, not %q", *salesDesk)}
	}
	if *renewalGrace <= 0 || *transferTTL <= 0 {
		return errUsage{"--renewal-grace and --transfer-ttl must be more than 0"}
	}
	if *whInterval < 0 {
		return errUsage{fmt.Sprintf("--webhook-interval must be 0 (off) or more, not %s", *whInterval)}
	}
	if *notifyInterval < 0 {
		return errUsage{fmt.Sprintf("--notify-interval must be 0 (off) or more, not %s", *notifyInterval)}
	}
	if *cleanupInterval < 0 {
		return errUsage{fmt.Sprintf("--cleanup-interval must be 0 (off) or more, not %s", *cleanupInterval)}
	}
	metricsToken := e.getenv("ENTITLE_METRICS_TOKEN")
	if metricsToken != "" && len(metricsToken) < 16 {
		return errUsage{"$ENTITLE_METRICS_TOKEN must be at least 16 characters (it opens /metrics on the public address)"}
	}
	if *metricsAddr == "off" {
		*metricsAddr = ""
	}
	var logger *slog.Logger
	switch *logFormat {
	case "text":
		logger = slog.New(slog.NewTextHandler(e.stderr, nil))
	case "json":
		logger = slog.New(slog.NewJSONHandler(e.stderr, nil))
	default:
		return errUsage{fmt.Sprintf("--log-format must be text or json, not %q", *logFormat)}
	}

	// Held until serve returns: entitle restore refuses to replace the
	// database under a running server.
	release, err := holdDatabase(*f.db)
	if err != nil {
		return err
	}
	defer release()
	db, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close() // after the server has stopped: commits the queued audit events

	var ch *demo.Channel
	if *demoFlag {
		if ch, err = demoChannel(ctx, e, db, *f.db); err != nil {
			return err
		}
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", *addr, err)
	}
	url := "http://" + ln.Addr().String()
	if *baseURL == "" {
		*baseURL = url
	}
	// The operations listener: a port already taken is an error at start
	// when the address was asked for (flag or environment), never a server
	// that quietly has no metrics. The default address is another matter: a
	// second serve on one machine (a demo beside a test server) finds it
	// taken by the first, and starts without one, saying so in its banner.
	var opsLn net.Listener
	var opsTaken error
	if *metricsAddr != "" {
		asked := false
		f.Visit(func(fl *flag.Flag) { asked = asked || fl.Name == "metrics-addr" })
		if opsLn, err = net.Listen("tcp", *metricsAddr); err != nil && asked {
			ln.Close()
			return fmt.Errorf("cannot listen on --metrics-addr %s: %w (give another address, or --metrics-addr off)", *metricsAddr, err)
		} else if err != nil {
			opsLn, opsTaken = nil, err
		} else {
			defer opsLn.Close()
		}
	}
	sender, where := mf.sender(e)
	st := settings{now: e.now, logger: logger, mailer: sender, baseURL: *baseURL,
		sessionTTL: *sessionTTL, invitationTTL: *invitationTTL, loginLimits: loginLimits, inviteLimits: inviteLimits,
		directPremium: pct, renewalGrace: *renewalGrace, salesDesk: *salesDesk, salesDeskLang: i18n.Lang(salesDeskLang), transferTTL: *transferTTL, noticeStages: notifyStages,
		demo: *demoFlag, importMaxBytes: int64(importMax), importSyncBytes: int64(importSync), version: readBuild().Version, metricsToken: metricsToken}
	p := wire(db, st)
	srv, err := p.web(ctx, st, *secure, *clientIP)
	if err != nil {
		ln.Close()
		return err
	}
	// Before the store closes: imports of the ingest API still running roll
	// back and are recorded as stopped (after the shutdown below, which
	// waits for them first, nothing is left).
	defer func() {
		stopped, stop := context.WithCancel(context.Background())
		stop()
		srv.Close(stopped)
	}()
	// After the HTTP server: undelivered invitation mail is recorded as
	// failed (an administrator can resend it).
	defer p.coworkers.Close()
	defer p.accounts.Close()
	// Expiry notices in the background, stopped (and waited for) before the
	// store closes.
	notify := &notices.Scheduler{Interval: *notifyInterval, Service: p.notices}
	nctx, stopNotices := context.WithCancel(ctx)
	waitNotices := notify.Start(nctx)
	defer func() { stopNotices(); waitNotices() }()
	// Webhook deliveries likewise: stopped, with their claims handed back,
	// before the store closes.
	wctx, stopWebhooks := context.WithCancel(ctx)
	whDone := make(chan struct{})
	go func() {
		defer close(whDone)
		if *whInterval > 0 {
			p.webhooks.Run(wctx, *whInterval)
		}
	}()
	defer func() { stopWebhooks(); <-whDone }()
	// The cleanup likewise (audit events are never touched by it).
	if *cleanupInterval > 0 {
		cctx, stopCleanup := context.WithCancel(ctx)
		waitCleanup := startCleanup(cctx, db, *cleanupInterval, e.now, logger)
		defer func() { stopCleanup(); waitCleanup() }()
	}
	var handler http.Handler = srv
	if ch != nil {
		if handler, err = demoSSO(ctx, p, srv, *baseURL); err != nil {
			ln.Close()
			return err
		}
	}
	hs := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      5 * time.Minute, // exports of large lists stream for a while
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	// The banner goes out in one write: whoever watches stdout for the
	// address (a script, a test) then has the demo logins too.
	var banner strings.Builder
	fmt.Fprintf(&banner, "entitle is serving %s (database %s; %s)\n", url, store.Redact(*f.db), where)
	if opsLn != nil {
		fmt.Fprintf(&banner, "Metrics: http://%s/metrics (with /healthz and /readyz there too).\n", opsLn.Addr())
	} else if opsTaken != nil {
		fmt.Fprintf(&banner, "No metrics listener: the default address %s is taken (%v); give --metrics-addr HOST:PORT, or off.\n", *metricsAddr, opsTaken)
	} else {
		fmt.Fprintln(&banner, "The metrics listener is off (--metrics-addr off).")
	}
	if metricsToken != "" {
		fmt.Fprintln(&banner, "/metrics on the portal's address answers requests with the metrics token ($ENTITLE_METRICS_TOKEN).")
	}
	if *notifyInterval > 0 {
		fmt.Fprintf(&banner, "Expiry notices go out every %s, %s before an end date.\n", shortDuration(*notifyInterval), notifyStages.Words())
	} else {
		fmt.Fprintln(&banner, "Expiry notices are off (--notify-interval 0): run 'entitle notify --now' from cron.")
	}
	if ch != nil {
		fmt.Fprintf(&banner, "Open %s and sign in as any of these demo users:\n", url)
		printLogins(&banner, *ch)
		fmt.Fprintf(&banner, "Single sign-on: on the sign-in page enter %s (a newcomer: the first sign-in makes a member of %s)\n"+
			"  or any other address @%s, leave the password empty and Sign in; the built-in demo provider signs you in.\n",
			demo.SSONewcomer, demo.SSOCompany, demo.SSODomain)
	}
	fmt.Fprintln(&banner, "Press Ctrl-C to stop.")
	io.WriteString(e.stdout, banner.String())

	errc := make(chan error, 2)
	// web.Listener: the errors net/http answers by itself (header fields
	// too large, a malformed request) are JSON too.
	go func() { errc <- hs.Serve(web.Listener(ln)) }()
	servers := []*http.Server{hs}
	if opsLn != nil {
		ops := &http.Server{
			Handler:           srv.Ops(),
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      time.Minute,
			IdleTimeout:       2 * time.Minute,
			MaxHeaderBytes:    64 << 10,
			ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
			BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		}
		servers = append(servers, ops)
		go func() { errc <- ops.Serve(web.Listener(opsLn)) }()
	}
	select {
	case err := <-errc:
		for _, s := range servers {
			s.Close()
		}
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), *shutdown)
	defer cancel()
	var shutErr error
	for _, s := range servers {
		if err := s.Shutdown(sctx); err != nil && shutErr == nil {
			shutErr = err
		}
	}
	// Imports of the ingest API still running get what is left of the
	// shutdown timeout to end.
	if err := srv.Close(sctx); err != nil {
		fmt.Fprintf(e.stderr, "entitle: %v; the ERP must send them again\n", err)
	}
	if shutErr != nil {
		return fmt.Errorf("shutdown: %w (some requests were still running)", shutErr)
	}
	for range servers {
		if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	fmt.Fprintln(e.stdout, "entitle stopped.")
	return nil
}

// demoChannel loads the demo channel for serve --demo: into an empty
// database, or one that already holds it (a second --demo run keeps what the
// first one and its users did). Any other database is left alone.
func demoChannel(ctx context.Context, e *env, db *store.DB, name string) (*demo.Channel, error) {
	counts, err := db.Counts(ctx)
	if err != nil {
		return nil, err
	}
	if counts["companies"] > 0 {
		vendor, err := db.VendorKey(ctx)
		if err != nil {
			return nil, err
		}
		if vendor != demo.VendorKey {
			return nil, fmt.Errorf("--demo loads the demo channel into an empty database, but %s already holds other data; "+
				"give another one, e.g. --db demo.db", name)
		}
	}
	ch, err := seedDemo(ctx, e, db)
	return &ch, err
}

// langFlag is a flag naming a language of the portal; any other value is
// refused as the command line is read.
type langFlag i18n.Lang

func (l *langFlag) String() string { return string(*l) }

func (l *langFlag) Set(v string) error {
	if !i18n.Lang(v).Valid() {
		return fmt.Errorf("must be %s", langWords())
	}
	*l = langFlag(v)
	return nil
}

// Choices are the languages the flag takes (shell completion offers them).
func (l *langFlag) Choices() []string { return langNames() }

// langNames are the portal's languages as a flag takes them.
func langNames() []string {
	out := make([]string, len(i18n.Langs))
	for i, x := range i18n.Langs {
		out[i] = string(x)
	}
	return out
}

// langWords names the portal's languages as a flag takes them: "en or de".
func langWords() string {
	words := langNames()
	if len(words) == 1 {
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// shortDuration writes a duration without its zero units: "1h", "90m", "45s".
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// demoIdPPath is where serve --demo serves its built-in OpenID provider,
// beside the portal (never without --demo).
const demoIdPPath = "/demo-idp"

// demoSSO starts the demo's built-in OpenID provider (internal/demoidp:
// demonstrations only, it asks for no password) under demoIdPPath and
// configures the demo company to sign in there, with a fresh client secret
// each run. It returns the handler serving both.
func demoSSO(ctx context.Context, p *program, portal http.Handler, baseURL string) (http.Handler, error) {
	secret, err := auth.NewSecret()
	if err != nil {
		return nil, err
	}
	issuer := strings.TrimRight(baseURL, "/") + demoIdPPath
	idp, err := demoidp.New(demoidp.Config{Issuer: issuer, ClientID: "entitle-demo", ClientSecret: secret, RedirectURI: p.sso.RedirectURI(),
		Domain: demo.SSODomain, Identities: []demoidp.Identity{
			{Email: demo.SSONewcomer, Name: "Jonas Weber", Note: "no account yet: becomes a member of Grauwald"},
			{Email: "felix.gruber@grauwald.example", Name: "Felix Gruber", Note: "a member of Grauwald"},
		}})
	if err != nil {
		return nil, err
	}
	console := entitle.Actor{Company: demo.VendorKey, Vendor: true, Admin: true, Email: "cli"}
	if _, err := p.sso.Set(ctx, console, "serve --demo", sso.Setting{Company: demo.SSOCompany, Issuer: issuer, ClientID: "entitle-demo",
		ClientSecret: secret, Domains: []string{demo.SSODomain}, PasswordLogin: true}); err != nil {
		return nil, fmt.Errorf("the demo's single sign-on: %w", err)
	}
	idpHandler := http.StripPrefix(demoIdPPath, idp.Handler())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, demoIdPPath+"/") {
			idpHandler.ServeHTTP(w, r)
			return
		}
		portal.ServeHTTP(w, r)
	}), nil
}
