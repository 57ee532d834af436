package webhooks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
)

// Self-service (issue 14): a company's administrators add, list, test and
// remove their own company's endpoints through the API and the portal
// (policy.ManageWebhooks). What a delivery carries does not change: it is
// rendered for the endpoint's company through the gate, whoever added it.
//
// An administrator is not the operator: the URL it gives must not aim the
// portal's own requests at the network the portal runs in. So, unless the
// server runs in demo (development) mode, its URL must be https to a
// public address — not a loopback, private, link-local, shared (CGNAT) or
// unspecified one, whether written as an IP or as a name that resolves to
// one — and the dispatcher checks again, when it connects, the address it
// actually dials (PublicOnly), so a name that later resolves elsewhere
// reaches nothing private either. In demo mode the operator's own rule of
// `entitle webhook add` applies: https, or plain http to localhost.

// ManageStore is what the self-service of webhooks reads and records.
type ManageStore interface {
	AddWebhook(ctx context.Context, w entitle.Webhook, ev entitle.AuditEvent) (entitle.Webhook, error)
	Webhook(ctx context.Context, id int64) (entitle.Webhook, error)
	Webhooks(ctx context.Context, company string) ([]entitle.Webhook, error)
	WebhookStats(ctx context.Context, webhookID int64) (entitle.DeliveryStats, error)
	RemoveWebhook(ctx context.Context, id int64, now time.Time, ev entitle.AuditEvent) error
	RecentDeliveries(ctx context.Context, webhookID int64, limit int) ([]entitle.Delivery, error)
	Audit(ctx context.Context, events ...entitle.AuditEvent) error
}

// Manager is the self-service of a company's webhooks.
type Manager struct {
	Store ManageStore
	// Dispatcher sends the test deliveries (Ping).
	Dispatcher *Dispatcher
	// Dev is demo (development) mode: URLs follow the operator's rule
	// (https, or http to localhost) and may name private addresses.
	Dev bool
	// Resolve looks a host name up (net.DefaultResolver when nil).
	Resolve func(ctx context.Context, host string) ([]netip.Addr, error)
	Now     func() time.Time
}

// MaxEndpoints bounds a company's active endpoints.
const MaxEndpoints = 20

// MaxDeliveries is how many recent deliveries Deliveries returns at most.
const MaxDeliveries = 100

// Endpoint is an endpoint as its company's administrators see it.
type Endpoint struct {
	entitle.Webhook
	Stats entitle.DeliveryStats
}

func (m *Manager) now() time.Time {
	if m.Now != nil {
		return m.Now().UTC()
	}
	return time.Now().UTC()
}

// allowed decides whether a may manage company's webhooks; a refusal of a
// change is audited (action, object) and returned.
func (m *Manager) allowed(ctx context.Context, a entitle.Actor, company, action, object string) error {
	d := policy.ManageWebhooks(a, company)
	if d.Allowed {
		return nil
	}
	err := d.Err("webhook", object)
	if action != "" {
		outcome := "denied"
		if !d.Visible {
			outcome = "not_found"
		}
		if aerr := m.Store.Audit(ctx, entitle.AuditEvent{At: m.now(), Actor: a.Email, Company: a.Company, Action: action,
			Object: object, Outcome: outcome, Detail: err.Error()}); aerr != nil {
			return aerr
		}
	}
	return err
}

// Endpoints lists a's company's active endpoints, with their deliveries
// counted.
func (m *Manager) Endpoints(ctx context.Context, a entitle.Actor) ([]Endpoint, error) {
	if err := m.allowed(ctx, a, a.Company, "", ""); err != nil {
		return nil, err
	}
	hooks, err := m.Store.Webhooks(ctx, a.Company)
	if err != nil {
		return nil, err
	}
	out := make([]Endpoint, 0, len(hooks))
	for _, w := range hooks {
		s, err := m.Store.WebhookStats(ctx, w.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, Endpoint{Webhook: w, Stats: s})
	}
	return out, nil
}

// Add adds an endpoint of a's company at rawURL receiving events (none or
// "all": every type). The endpoint returned carries its signing secret,
// which is shown only this once.
func (m *Manager) Add(ctx context.Context, a entitle.Actor, rawURL string, events []string) (entitle.Webhook, error) {
	if err := m.allowed(ctx, a, a.Company, "webhook.add", ""); err != nil {
		return entitle.Webhook{}, err
	}
	u, err := m.CheckURL(ctx, rawURL)
	if err != nil {
		return entitle.Webhook{}, err
	}
	types, err := ParseEvents(strings.Join(events, ","))
	if err != nil {
		return entitle.Webhook{}, err
	}
	hooks, err := m.Store.Webhooks(ctx, a.Company)
	if err != nil {
		return entitle.Webhook{}, err
	}
	if len(hooks) >= MaxEndpoints {
		return entitle.Webhook{}, entitle.Errorf(entitle.CodeConflict, "your company has %d webhooks, the most it may have: remove one first", len(hooks))
	}
	secret, err := NewSecret()
	if err != nil {
		return entitle.Webhook{}, err
	}
	now := m.now()
	return m.Store.AddWebhook(ctx, entitle.Webhook{Company: a.Company, URL: u, Events: types, Secret: secret, CreatedAt: now, CreatedBy: a.Email},
		entitle.AuditEvent{At: now, Actor: a.Email, Company: a.Company, Action: "webhook.add", Outcome: "ok", Detail: u + " (" + EventsText(types) + ")"})
}

// EventsText names an endpoint's subscription: "all", or its types
// comma-separated.
func EventsText(types []string) string {
	if types == nil {
		return "all"
	}
	return strings.Join(types, ",")
}

// endpoint returns a's company's active endpoint id; another company's, or
// one removed, is not found (R7), and a member is refused. A refusal of
// action is audited.
func (m *Manager) endpoint(ctx context.Context, a entitle.Actor, id int64, action string) (entitle.Webhook, error) {
	object := strconv.FormatInt(id, 10)
	w, err := m.Store.Webhook(ctx, id)
	if errors.Is(err, entitle.ErrNotFound) || (err == nil && !w.RemovedAt.IsZero()) {
		// Nothing tells a missing endpoint from another company's: both
		// are decided as another company's.
		w, err = entitle.Webhook{}, nil
	}
	if err != nil {
		return w, err
	}
	if err := m.allowed(ctx, a, w.Company, action, object); err != nil {
		return w, err
	}
	return w, nil
}

// Remove removes a's company's endpoint id: its secret is erased and its
// pending deliveries are cancelled.
func (m *Manager) Remove(ctx context.Context, a entitle.Actor, id int64) error {
	w, err := m.endpoint(ctx, a, id, "webhook.remove")
	if err != nil {
		return err
	}
	now := m.now()
	err = m.Store.RemoveWebhook(ctx, w.ID, now, entitle.AuditEvent{At: now, Actor: a.Email, Company: a.Company, Action: "webhook.remove", Outcome: "ok", Detail: w.URL})
	if errors.Is(err, entitle.ErrNotFound) {
		return entitle.Errorf(entitle.CodeNotFound, "webhook %d not found", id)
	}
	return err
}

// Test sends a ping to a's company's endpoint id now (audited as
// webhook.ping) and returns the delivery after its one attempt.
func (m *Manager) Test(ctx context.Context, a entitle.Actor, id int64) (entitle.Delivery, error) {
	w, err := m.endpoint(ctx, a, id, "webhook.ping")
	if err != nil {
		return entitle.Delivery{}, err
	}
	dl, err := m.Dispatcher.Ping(ctx, w.ID, a.Email)
	if errors.Is(err, entitle.ErrNotFound) {
		return dl, entitle.Errorf(entitle.CodeNotFound, "webhook %d not found", id)
	}
	return dl, err
}

// Deliveries returns the latest deliveries (at most limit, MaxDeliveries)
// to a's company's endpoint id, newest first, without their bodies.
func (m *Manager) Deliveries(ctx context.Context, a entitle.Actor, id int64, limit int) ([]entitle.Delivery, error) {
	w, err := m.endpoint(ctx, a, id, "")
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > MaxDeliveries {
		limit = MaxDeliveries
	}
	ds, err := m.Store.RecentDeliveries(ctx, w.ID, limit)
	for i := range ds {
		ds[i].Body = nil
	}
	return ds, err
}

// CheckURL validates the URL of an endpoint an administrator adds and
// returns it in its canonical form (see the package's rules above).
func (m *Manager) CheckURL(ctx context.Context, raw string) (string, error) {
	if m.Dev {
		return CheckURL(raw, false)
	}
	u, err := CheckURL(raw, true)
	if err != nil {
		return "", err
	}
	p, _ := url.Parse(u)
	if p.Scheme != "https" {
		return "", entitle.Errorf(entitle.CodeInvalid, "url: must use https")
	}
	host := p.Hostname()
	if ip, err := netip.ParseAddr(host); err == nil {
		if !Public(ip) {
			return "", entitle.Errorf(entitle.CodeInvalid, "url: %s is not a public address: deliveries go to the internet only", host)
		}
		return u, nil
	}
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") || !strings.Contains(h, ".") {
		return "", entitle.Errorf(entitle.CodeInvalid, "url: %s is not a public host name: deliveries go to the internet only", host)
	}
	resolve := m.Resolve
	if resolve == nil {
		resolve = func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		}
	}
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := resolve(rctx, host)
	if err != nil || len(addrs) == 0 {
		return "", entitle.Errorf(entitle.CodeInvalid, "url: the host name %s does not resolve", host)
	}
	for _, ip := range addrs {
		if !Public(ip) {
			return "", entitle.Errorf(entitle.CodeInvalid, "url: %s resolves to %s, which is not a public address: deliveries go to the internet only", host, ip.Unmap())
		}
	}
	return u, nil
}

var sharedSpace = netip.MustParsePrefix("100.64.0.0/10") // carrier-grade NAT (RFC 6598)

// Public reports whether ip is an address on the internet: not loopback,
// private, link-local, shared (CGNAT), multicast or unspecified.
func Public(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsValid() && ip.IsGlobalUnicast() && !ip.IsPrivate() && !sharedSpace.Contains(ip)
}

// publicDial refuses to connect to an address that is not public (Public):
// the check made when connecting, whatever a name resolved to at the time
// the endpoint was added.
func publicDial(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("webhook: cannot check the address %s: %w", address, err)
	}
	if !Public(ap.Addr()) {
		return fmt.Errorf("webhook: %s is not a public address", ap.Addr())
	}
	return nil
}

// Manageable reports, as an error, whether a may manage its own company's
// webhooks (for the portal's navigation and pages).
func (m *Manager) Manageable(a entitle.Actor) error {
	return policy.ManageWebhooks(a, a.Company).Err("webhook", "")
}
