// Package web serves entitle over HTTP: the JSON API under /api/v1 (SPEC §5)
// and the portal's pages. It is an adapter: it reads requests, calls the
// services it is given, and writes their answers. Every route is listed in
// routes.go. Handlers are small functions that return an error; one adapter
// turns errors into responses (errors.go). No handler decides what a caller
// may see or do — the services ask internal/policy, and every entitlement
// and order reaches a page or an answer through the gate (internal/disclose).
//
// The package declares the small interfaces it calls (Gate, Accounts,
// Coworkers, Lifecycle, AccessRequests, AuditTrail, Channel) and imports no store:
// cmd/entitle builds the services and hands them to [New].
package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"sync"
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
	"github.com/entitle-portal/entitle/internal/sso"
	"github.com/entitle-portal/entitle/internal/webhooks"
)

// Gate is the one door through which entitlements and orders reach a
// company (internal/disclose), with the delegations that decide it.
type Gate interface {
	List(ctx context.Context, a entitle.Actor, after string, limit int, f entitle.ListFilter) (disclose.Page, error)
	ListObjects(ctx context.Context, a entitle.Actor, after string, limit int, f entitle.ListFilter) (disclose.Page, error)
	ExportCSV(ctx context.Context, a entitle.Actor, f entitle.ListFilter, w io.Writer) (int, error)
	Get(ctx context.Context, a entitle.Actor, sub string) (disclose.Entitlement, error)
	GetObject(ctx context.Context, a entitle.Actor, sub string) (disclose.Entitlement, error)
	Detail(ctx context.Context, a entitle.Actor, sub string) (disclose.Detail, error)
	Explain(ctx context.Context, a entitle.Actor, sub string) ([]disclose.Access, error)
	ExplainAt(ctx context.Context, a entitle.Actor, sub string, at time.Time) (disclose.AccessAt, error)
	AccessHistory(ctx context.Context, a entitle.Actor, sub string) (disclose.History, error)
	Order(ctx context.Context, a entitle.Actor, po, pe string) (disclose.Order, error)
	OrderEntitlements(ctx context.Context, a entitle.Actor, po, pe string) ([]disclose.Entitlement, error)
	Orders(ctx context.Context, a entitle.Actor, after string, limit int, f entitle.OrderFilter) (disclose.OrderPage, error)
	ExportOrdersCSV(ctx context.Context, a entitle.Actor, f entitle.OrderFilter, w io.Writer) (int, error)
	Grant(ctx context.Context, a entitle.Actor, g disclose.Grant) (disclose.Delegation, error)
	Delegations(ctx context.Context, a entitle.Actor) (disclose.Delegations, error)
	Revoke(ctx context.Context, a entitle.Actor, id string) (disclose.Delegation, error)
	MayGrant(ctx context.Context, a entitle.Actor) error
	RevokeFor(ctx context.Context, a entitle.Actor, r disclose.BulkRevoke) (disclose.BulkRevoked, error) // bulk delegation
}

// Accounts says who a request is and signs users in and out
// (internal/accounts).
type Accounts interface {
	ByToken(ctx context.Context, token string) (entitle.Actor, entitle.Scopes, error)
	BySession(ctx context.Context, secret string) (entitle.Actor, error)
	SignIn(ctx context.Context, email, password, addr, replacing string, meta entitle.SessionMeta) (secret string, a entitle.Actor, err error)
	Open(ctx context.Context, u entitle.UserRecord, replacing string, meta entitle.SessionMeta) (secret string, a entitle.Actor, err error)
	SignOut(ctx context.Context, secret string) error
	Company(ctx context.Context, a entitle.Actor) (entitle.Company, error)

	// The password lifecycle.
	Forgot(ctx context.Context, email, addr string) error
	CheckReset(ctx context.Context, token string) error
	Reset(ctx context.Context, token, password, addr string) (entitle.User, error)
	Change(ctx context.Context, a entitle.Actor, current, next, keep, addr string) error
	SendReset(ctx context.Context, a entitle.Actor, id int64) (entitle.User, error)

	// A user's own sessions and API tokens.
	Sessions(ctx context.Context, a entitle.Actor, current string) ([]accounts.OwnSession, error)
	EndSession(ctx context.Context, a entitle.Actor, id string) error
	EndOtherSessions(ctx context.Context, a entitle.Actor, keep string) (int, error)
	CreateToken(ctx context.Context, a entitle.Actor, t accounts.NewToken) (accounts.CreatedToken, error)
	Tokens(ctx context.Context, a entitle.Actor) ([]entitle.APIToken, error)
	HoldableScopes(a entitle.Actor) entitle.Scopes
	RevokeToken(ctx context.Context, a entitle.Actor, id int64) (entitle.APIToken, error)
	// Two-factor sign-in: SignIn and Open answer *accounts.SecondFactorNeeded
	// when a code must follow the password; Complete finishes the sign-in.
	Complete(ctx context.Context, challenge, code, addr, replacing string, meta entitle.SessionMeta) (secret string, a entitle.Actor, recovery []string, err error)
	ChallengeEnrolment(ctx context.Context, challenge string) (*accounts.Enrolment, error)
	TwoFactor(ctx context.Context, a entitle.Actor) (accounts.TwoFactorStatus, error)
	StartTOTP(ctx context.Context, a entitle.Actor) (*accounts.Enrolment, error)
	PendingEnrolment(ctx context.Context, a entitle.Actor) (*accounts.Enrolment, error)
	ConfirmTOTP(ctx context.Context, a entitle.Actor, code, addr string) ([]string, error)
	RegenerateRecoveryCodes(ctx context.Context, a entitle.Actor, code, addr string) ([]string, error)
	DisableTOTP(ctx context.Context, a entitle.Actor, code, password, addr string) error
	RequireTwoFactor(ctx context.Context, a entitle.Actor, company string, on bool) error
	// The notices the user chooses to receive.
	Notices(ctx context.Context, a entitle.Actor) ([]entitle.NoticeChoice, error)
	SetNotices(ctx context.Context, a entitle.Actor, choices map[string]bool) ([]entitle.NoticeChoice, error)
	SetLanguage(ctx context.Context, a entitle.Actor, lang string) error
}

// Coworkers is the co-worker flow of SPEC §4 and the administration of a
// company's users (internal/coworkers).
type Coworkers interface {
	Invite(ctx context.Context, a entitle.Actor, email string, asAdmin bool) (entitle.Invitation, error)
	Invitations(ctx context.Context, a entitle.Actor, after int64, limit int) ([]coworkers.Invitation, error)
	Revoke(ctx context.Context, a entitle.Actor, id int64) (entitle.Invitation, error)
	Resend(ctx context.Context, a entitle.Actor, id int64) (entitle.Invitation, error)
	Lookup(ctx context.Context, token string) (entitle.Invitation, error)
	Accept(ctx context.Context, acc coworkers.Acceptance, addr string) (entitle.UserRecord, error)
	Users(ctx context.Context, a entitle.Actor, after string, limit int) ([]coworkers.User, error)
	ChangeUser(ctx context.Context, a entitle.Actor, id int64, ch entitle.UserChange) (entitle.UserRecord, error)
	Abilities(a entitle.Actor) coworkers.Abilities
}

// Lifecycle is what happens to an entitlement after it is sold: renewals,
// company profiles and the partner directory, ownership transfers
// (internal/lifecycle).
type Lifecycle interface {
	Options(ctx context.Context, a entitle.Actor, sub string) (lifecycle.Options, error)
	RequestRenewal(ctx context.Context, a entitle.Actor, sub string, ask lifecycle.RenewalAsk) (disclose.RenewalRequest, error)
	RenewalRequests(ctx context.Context, a entitle.Actor, sent, open bool, before int64, limit int) ([]disclose.RenewalRequest, error)
	UpdateRenewalRequest(ctx context.Context, a entitle.Actor, id int64, status string, note *string) (disclose.RenewalRequest, error)
	Profile(ctx context.Context, a entitle.Actor) (entitle.Profile, error)
	SetProfile(ctx context.Context, a entitle.Actor, ch lifecycle.ProfileChange) (entitle.Profile, error)
	ProfileEditable(a entitle.Actor) error
	Directory(ctx context.Context) ([]disclose.Partner, error)
	WhereToBuy(ctx context.Context) (lifecycle.Buying, error)
	OfferTransfer(ctx context.Context, a entitle.Actor, sub string, offer lifecycle.TransferOffer) (disclose.Transfer, error)
	Transfers(ctx context.Context, a entitle.Actor, sent bool, before int64, limit int) ([]disclose.Transfer, error)
	DecideTransfer(ctx context.Context, a entitle.Actor, id int64, answer string) (disclose.Transfer, error)
}

// AccessRequests is how a company asks another for access by a link that
// names no owner, and how the company that opens it answers
// (internal/accessrequests).
type AccessRequests interface {
	Create(ctx context.Context, a entitle.Actor, ask accessrequests.Ask) (accessrequests.Created, error)
	List(ctx context.Context, a entitle.Actor, box string) ([]accessrequests.Request, error)
	Withdraw(ctx context.Context, a entitle.Actor, id int64) (accessrequests.Request, error)
	Open(ctx context.Context, a entitle.Actor, secret string, owned bool) (accessrequests.Opened, error)
	Approve(ctx context.Context, a entitle.Actor, secret string, ap accessrequests.Approval) (accessrequests.Request, error)
	Decline(ctx context.Context, a entitle.Actor, secret, reason string) (accessrequests.Request, error)
}

// AuditTrail is the audit trail as users read it (internal/audit).
type AuditTrail interface {
	Readable(a entitle.Actor) error
	Events(ctx context.Context, a entitle.Actor, q audit.Query) ([]entitle.AuditEvent, string, error)
}

// Channel is the vendor's record of its channel: companies, MSAs, import,
// announcements (internal/channel).
type Channel interface {
	Visible(a entitle.Actor) bool
	Changeable(a entitle.Actor) (ok bool, why string)
	CheckPage(a entitle.Actor, path string) error
	Companies(ctx context.Context, a entitle.Actor, path, after string, limit int) ([]entitle.CompanySummary, error)
	MSAs(ctx context.Context, a entitle.Actor, path, after string, limit int) ([]entitle.MSARecord, error)
	Import(ctx context.Context, a entitle.Actor, path string, r io.Reader, name string, dryRun bool) (channel.ImportReport, error)
	Announcements(ctx context.Context, a entitle.Actor, path string, before int64, limit int) ([]entitle.Announcement, error)
	Post(ctx context.Context, a entitle.Actor, path string, d channel.Draft) (entitle.Announcement, error)
	End(ctx context.Context, a entitle.Actor, path string, id int64) (bool, error)
	Banners(ctx context.Context, a entitle.Actor) ([]entitle.Announcement, error)
	SignInBanners(ctx context.Context) ([]entitle.Announcement, error)
	Dismiss(ctx context.Context, a entitle.Actor, id int64) error
	// The ingest API (imports.go).
	MayImport(a entitle.Actor, path string) error
	BeginImport(ctx context.Context, a entitle.Actor, path string, u channel.Upload) (entitle.ImportJob, bool, error)
	RunImport(ctx context.Context, a entitle.Actor, path string, job entitle.ImportJob, r io.Reader) (entitle.ImportJob, error)
	ImportJob(ctx context.Context, a entitle.Actor, path string, id int64) (entitle.ImportJob, error)
	ImportJobs(ctx context.Context, a entitle.Actor, path string, limit int) ([]entitle.ImportJob, error)
}

// SSO is single sign-on with OpenID Connect per company: the sign-in at a
// company's provider, and the vendor's configuration of it (internal/sso).
type SSO interface {
	Start(ctx context.Context, email, next, addr string) (sso.Redirect, error)
	Finish(ctx context.Context, cb sso.Callback) (entitle.UserRecord, string, error)
	CheckPage(a entitle.Actor, path string) error
	Configs(ctx context.Context, a entitle.Actor, path string) ([]entitle.SSOConfig, error)
	Set(ctx context.Context, a entitle.Actor, path string, st sso.Setting) (entitle.SSOConfig, error)
	Remove(ctx context.Context, a entitle.Actor, path, company string) error
	RedirectURI() string
}

// Webhooks is a company's self-service of its own webhook endpoints
// (internal/webhooks' Manager).
type Webhooks interface {
	Manageable(a entitle.Actor) error
	Endpoints(ctx context.Context, a entitle.Actor) ([]webhooks.Endpoint, error)
	Add(ctx context.Context, a entitle.Actor, url string, events []string) (entitle.Webhook, error)
	Remove(ctx context.Context, a entitle.Actor, id int64) error
	Test(ctx context.Context, a entitle.Actor, id int64) (entitle.Delivery, error)
	Deliveries(ctx context.Context, a entitle.Actor, id int64, limit int) ([]entitle.Delivery, error)
}

// Config is what a server needs: the services it answers with, and how it
// speaks HTTP.
type Config struct {
	Gate      Gate
	Accounts  Accounts
	Coworkers Coworkers
	Lifecycle Lifecycle
	Audit     AuditTrail
	Channel   Channel
	SSO       SSO
	// AccessRequests: asking another company for access (issue 14).
	AccessRequests AccessRequests
	Webhooks       Webhooks
	// Health reports whether the database answers (GET /healthz, /readyz).
	Health func(ctx context.Context) error
	// Schema reports the database's schema version and the newest one this
	// build has (GET /readyz: ready only when it is not behind). Nil: the
	// readiness check asks Health only.
	Schema func(ctx context.Context) (have, want int64, err error)
	// Version is the build's version, named by /healthz and /readyz.
	Version string
	// MetricsToken, when set, lets GET /metrics on this handler answer a
	// request with "Authorization: Bearer TOKEN"; without it, and for any
	// other request, /metrics is 404 here (serve's operations listener,
	// Server.Ops, has the metrics).
	MetricsToken string
	// Secret keys the list cursors and the forms' CSRF tokens: at least 32
	// random bytes every server process shares.
	Secret []byte

	Logger *slog.Logger
	Now    func() time.Time // the clock; time.Now when nil
	// SecureCookies marks the session cookie Secure (served over TLS).
	SecureCookies bool
	// InvitationTTL is how long an invitation link works, for the
	// co-workers page's words (7 days when zero).
	InvitationTTL time.Duration
	// Registry receives the server's metrics (a new one when nil).
	Registry *prometheus.Registry
	// ClientIPHeader names a header a trusted proxy in front sets to the
	// client's address (e.g. X-Forwarded-For: its last address is taken).
	// Empty: the address of the connection, for rate limits and logs.
	ClientIPHeader string
	// RequestTimeout bounds an API request: past it, the request is
	// answered 503 unavailable (30 s when zero).
	RequestTimeout time.Duration
	// ImportMaxBytes bounds a body sent to the ingest API (POST
	// /api/v1/imports): larger is 413 (DefaultImportMaxBytes when zero).
	ImportMaxBytes int64
	// ImportSyncBytes: a body up to this size is imported before the
	// answer (200 or 422); a larger one is answered 202 at once and
	// imported in the background (DefaultImportSyncBytes when zero).
	ImportSyncBytes int64
	// ImportDir holds the bodies of the ingest API while they are imported
	// (the system's temporary directory when empty).
	ImportDir string
}

// Server is the HTTP side of entitle.
type Server struct {
	cfg           Config
	metrics       *metrics
	mux           *http.ServeMux
	patterns      []string // every route's pattern, in the order of routes.go
	authenticated []string // the patterns of the routes adapted by api, which need a scope
	handler       http.Handler

	// The ingest API's imports, run past their requests (imports.go):
	// Close waits for them, then stops them.
	imports     sync.WaitGroup
	importsCtx  context.Context
	stopImports context.CancelFunc
}

// New returns a server on cfg.
func New(cfg Config) (*Server, error) {
	switch {
	case cfg.Gate == nil || cfg.Accounts == nil || cfg.Coworkers == nil || cfg.Lifecycle == nil || cfg.Audit == nil ||
		cfg.Channel == nil || cfg.SSO == nil || cfg.AccessRequests == nil || cfg.Webhooks == nil || cfg.Health == nil:
		return nil, errors.New("web: a service is missing")
	case len(cfg.Secret) < 32:
		return nil, errors.New("web: the secret must be at least 32 bytes")
	}
	// The catalogue of refusals is read here, when a server starts, not
	// when the package is loaded: a command that serves no pages does not
	// pay for it.
	if err := i18n.RefusalsErr(); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.InvitationTTL == 0 {
		cfg.InvitationTTL = 7 * 24 * time.Hour
	}
	if cfg.RequestTimeout == 0 {
		cfg.RequestTimeout = 30 * time.Second
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	if cfg.ImportMaxBytes <= 0 {
		cfg.ImportMaxBytes = DefaultImportMaxBytes
	}
	if cfg.ImportSyncBytes <= 0 {
		cfg.ImportSyncBytes = DefaultImportSyncBytes
	}
	s := &Server{cfg: cfg, metrics: newMetrics(cfg.Registry)}
	s.importsCtx, s.stopImports = context.WithCancel(context.Background())
	s.handler = s.routes()
	return s, nil
}

// Routes returns the pattern of every route the server registers
// (routes.go), in order: e.g. "GET /api/v1/me", "/api/".
func (s *Server) Routes() []string { return slices.Clone(s.patterns) }

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

func (s *Server) now() time.Time { return s.cfg.Now().UTC() }
