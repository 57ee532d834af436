package webhooks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/disclose"
)

// Defaults of a Dispatcher that sets none.
const (
	DefaultTimeout     = 10 * time.Second // one attempt, answer included
	DefaultMaxAttempts = 8
	DefaultLease       = 5 * time.Minute
	DefaultWorkers     = 4
	DefaultRetention   = 30 * 24 * time.Hour
	DefaultInterval    = 10 * time.Second
)

// backoffSchedule is the pause after each failed attempt, before jitter:
// attempt 1 fails → 30 s, … attempt 7 fails → 8 h; the eighth attempt
// comes about 23 hours after the first.
var backoffSchedule = []time.Duration{30 * time.Second, 2 * time.Minute, 10 * time.Minute, time.Hour, 6 * time.Hour, 8 * time.Hour, 8 * time.Hour}

// DefaultBackoff is the pause after the attempt-th failed attempt (1 for the
// first): backoffSchedule plus a random 0–10 % (jitter, so that the
// deliveries that failed together — a receiver down — do not all come back
// at the same second). It is never shorter than the schedule says.
func DefaultBackoff(attempt int) time.Duration {
	d := backoffSchedule[min(max(attempt, 1), len(backoffSchedule))-1]
	return d + time.Duration(rand.Int64N(int64(d/10)+1))
}

// Store is the outbox the dispatcher works: events, endpoints, deliveries,
// and what it renders events from besides the gate.
type Store interface {
	ClaimEvents(ctx context.Context, token string, now time.Time, lease time.Duration, limit int) ([]entitle.Event, error)
	Webhooks(ctx context.Context, company string) ([]entitle.Webhook, error)
	Webhook(ctx context.Context, id int64) (entitle.Webhook, error)
	FanOut(ctx context.Context, e entitle.Event, token string, ds []entitle.NewDelivery, now time.Time) (int, error)
	ClaimDeliveries(ctx context.Context, token string, now time.Time, lease time.Duration, limit int) ([]entitle.Delivery, error)
	ClaimDelivery(ctx context.Context, id int64, token string, now time.Time, lease time.Duration) ([]entitle.Delivery, error)
	FinishDelivery(ctx context.Context, id int64, token string, o entitle.DeliveryOutcome, now time.Time) error
	Delivery(ctx context.Context, id int64) (entitle.Delivery, error)
	AddPing(ctx context.Context, webhookID int64, publicID string, body []byte, now time.Time, ev entitle.AuditEvent) (int64, error)
	PruneWebhooks(ctx context.Context, before time.Time) (int, error)
	OrderSubscriptions(ctx context.Context, orderID int64) ([]string, error)
	Delegation(ctx context.Context, id string) (entitle.Delegation, error)
	RenewalRequest(ctx context.Context, id int64) (entitle.RenewalRequest, error)
	Transfer(ctx context.Context, id int64) (entitle.Transfer, error)
	Audit(ctx context.Context, events ...entitle.AuditEvent) error
}

// Dispatcher fans events out into deliveries and sends the deliveries due.
// Several dispatchers (processes) may run on one database; one dispatcher
// never runs two rounds at a time. What a delivery tells its company is
// the gate's (internal/disclose) to decide and project.
type Dispatcher struct {
	Store Store
	Gate  *disclose.Service
	// Client sends the deliveries; nil: a client with Timeout that does not
	// follow redirects (a redirect answer is a failed attempt).
	Client *http.Client
	Now    func() time.Time // the clock; time.Now when nil
	Logger *slog.Logger     // nil: no logs
	// Timeout bounds one attempt (DefaultTimeout when zero).
	Timeout time.Duration
	// MaxAttempts is how many attempts a delivery gets before it is
	// failed (DefaultMaxAttempts when zero). A ping gets one.
	MaxAttempts int
	// Backoff is the pause after the attempt-th failed attempt
	// (DefaultBackoff when nil).
	Backoff func(attempt int) time.Duration
	// Lease is how long a claim on an event or a delivery holds before
	// another dispatcher may take it over (DefaultLease when zero). It must
	// be well above Timeout.
	Lease time.Duration
	// Workers is how many deliveries are sent at once (DefaultWorkers when
	// zero).
	Workers int
	// Retention is how long finished deliveries are kept for `entitle
	// webhook list` (DefaultRetention when zero).
	Retention time.Duration

	// PublicOnly: the endpoints a company's administrator added (through
	// the API or the portal; not the console's, CreatedBy "cli") are
	// reached only at public addresses, checked when connecting (see
	// Manager). Off in demo mode.
	PublicOnly bool

	mu         sync.Mutex // one round at a time
	lastPrune  time.Time
	clientOnce sync.Once
	client     *http.Client
	publicOnce sync.Once
	public     *http.Client
}

// Report says what one round did.
type Report struct {
	Events     int // events fanned out
	Deliveries int // deliveries created by the fan-out
	Attempts   int // attempts made
	Delivered  int
	Retrying   int // failed attempts to be tried again
	Failed     int // deliveries given up
	Cancelled  int // deliveries the company may no longer see, or whose endpoint went
}

func (r Report) empty() bool { return r == Report{} }

func (d *Dispatcher) now() time.Time {
	if d.Now != nil {
		return d.Now().UTC()
	}
	return time.Now().UTC()
}

func (d *Dispatcher) log() *slog.Logger {
	if d.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return d.Logger
}

func (d *Dispatcher) timeout() time.Duration   { return orDefault(d.Timeout, DefaultTimeout) }
func (d *Dispatcher) lease() time.Duration     { return orDefault(d.Lease, DefaultLease) }
func (d *Dispatcher) retention() time.Duration { return orDefault(d.Retention, DefaultRetention) }

func (d *Dispatcher) maxAttempts() int {
	if d.MaxAttempts > 0 {
		return d.MaxAttempts
	}
	return DefaultMaxAttempts
}

func (d *Dispatcher) workers() int {
	if d.Workers > 0 {
		return d.Workers
	}
	return DefaultWorkers
}

func (d *Dispatcher) backoff(attempt int) time.Duration {
	b := DefaultBackoff
	if d.Backoff != nil {
		b = d.Backoff
	}
	// At least a second: a round never takes up again what it just tried.
	return max(b(attempt), time.Second)
}

func orDefault(v, def time.Duration) time.Duration {
	if v > 0 {
		return v
	}
	return def
}

func (d *Dispatcher) httpClient(w entitle.Webhook) *http.Client {
	if d.Client != nil {
		return d.Client
	}
	if d.PublicOnly && w.CreatedBy != "cli" {
		d.publicOnce.Do(func() {
			dialer := &net.Dialer{Timeout: d.timeout(), Control: publicDial}
			tr := http.DefaultTransport.(*http.Transport).Clone()
			tr.Proxy, tr.DialContext = nil, dialer.DialContext
			d.public = &http.Client{Timeout: d.timeout(), Transport: tr,
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		})
		return d.public
	}
	d.clientOnce.Do(func() {
		d.client = &http.Client{Timeout: d.timeout(), CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	})
	return d.client
}

// Run runs a round now and then every interval (DefaultInterval when not
// positive) until ctx is done. A round's failure is logged; the next round
// tries again.
func (d *Dispatcher) Run(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = DefaultInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		rep, err := d.RunOnce(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			d.log().ErrorContext(ctx, "webhooks", slog.Any("err", err))
		case !rep.empty():
			d.log().InfoContext(ctx, "webhooks", slog.Int("events", rep.Events), slog.Int("deliveries", rep.Deliveries),
				slog.Int("attempts", rep.Attempts), slog.Int("delivered", rep.Delivered), slog.Int("retrying", rep.Retrying),
				slog.Int("failed", rep.Failed), slog.Int("cancelled", rep.Cancelled))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunOnce runs one round: it fans out the events waiting in the outbox,
// then sends every delivery due, and prunes old deliveries (at most once an
// hour). Failures of single events or deliveries are logged and retried
// later; the error joins them.
func (d *Dispatcher) RunOnce(ctx context.Context) (Report, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var rep Report
	token, err := randomID("run_", 12)
	if err != nil {
		return rep, err
	}
	errFan := d.fanOut(ctx, token, &rep)
	errSend := d.sendDue(ctx, token, &rep)
	var errPrune error
	if now := d.now(); now.Sub(d.lastPrune) >= time.Hour || now.Before(d.lastPrune) {
		if _, errPrune = d.Store.PruneWebhooks(ctx, now.Add(-d.retention())); errPrune == nil {
			d.lastPrune = now
		}
	}
	return rep, errors.Join(errFan, errSend, errPrune)
}

// fanOutBatch is how many events a round claims at a time.
const fanOutBatch = 100

// fanOut claims the events waiting and records, for each, the deliveries
// to the active endpoints subscribed to its type whose companies may know
// something of it now. An event that fails stays claimed until its lease
// runs out; a later round takes it again.
func (d *Dispatcher) fanOut(ctx context.Context, token string, rep *Report) error {
	var errs []error
	for {
		now := d.now()
		events, err := d.Store.ClaimEvents(ctx, token, now, d.lease(), fanOutBatch)
		if err != nil || len(events) == 0 {
			return errors.Join(append(errs, err)...)
		}
		hooks, err := d.Store.Webhooks(ctx, "")
		if err != nil {
			return errors.Join(append(errs, err)...)
		}
		for _, ev := range events {
			if ctx.Err() != nil {
				return errors.Join(append(errs, ctx.Err())...)
			}
			n, err := d.fanOutOne(ctx, token, ev, hooks)
			if err != nil {
				d.log().ErrorContext(ctx, "webhook event not fanned out", slog.Int64("event", ev.ID), slog.String("type", ev.Type), slog.Any("err", err))
				errs = append(errs, fmt.Errorf("event %d: %w", ev.ID, err))
				continue
			}
			rep.Events++
			rep.Deliveries += n
		}
	}
}

func (d *Dispatcher) fanOutOne(ctx context.Context, token string, ev entitle.Event, hooks []entitle.Webhook) (int, error) {
	now := d.now()
	var ds []entitle.NewDelivery
	for _, w := range hooks {
		if !w.Wants(ev.Type) || ev.Type == entitle.EventPing {
			continue
		}
		id, err := newPublicID()
		if err != nil {
			return 0, err
		}
		r, ok, err := d.render(ctx, ev, w, id)
		if err != nil {
			return 0, fmt.Errorf("webhook %d: %w", w.ID, err)
		}
		if !ok {
			continue // R7: the company may know nothing of it, not even that it happened
		}
		ds = append(ds, entitle.NewDelivery{WebhookID: w.ID, PublicID: id, Body: r.body, Audit: d.auditEvent(w, ev, id, r, now, 1)})
	}
	return d.Store.FanOut(ctx, ev, token, ds, now)
}

// auditEvent is the audit event of disclosing ev to w's company (attempt
// is the attempt the body is for).
func (d *Dispatcher) auditEvent(w entitle.Webhook, ev entitle.Event, id string, r rendered, now time.Time, attempt int) entitle.AuditEvent {
	return entitle.AuditEvent{At: now, Actor: actorOf(w), Company: w.Company, Action: "webhook." + ev.Type, Object: id,
		Basis: r.basis, Outcome: "ok", Detail: fmt.Sprintf("delivery to webhook %d, attempt %d", w.ID, attempt)}
}

// sendDue claims the deliveries due, a batch at a time, and sends them
// with Workers at once, until none is due.
func (d *Dispatcher) sendDue(ctx context.Context, token string, rep *Report) error {
	for ctx.Err() == nil {
		batch, err := d.Store.ClaimDeliveries(ctx, token, d.now(), d.lease(), 4*d.workers())
		if err != nil || len(batch) == 0 {
			return err
		}
		d.sendAll(ctx, token, batch, rep)
	}
	return nil
}

func (d *Dispatcher) sendAll(ctx context.Context, token string, batch []entitle.Delivery, rep *Report) {
	var mu sync.Mutex
	work := make(chan entitle.Delivery)
	var wg sync.WaitGroup
	for range min(d.workers(), len(batch)) {
		wg.Go(func() {
			for dl := range work {
				var r Report
				d.attempt(ctx, token, dl, &r)
				mu.Lock()
				rep.Attempts += r.Attempts
				rep.Delivered += r.Delivered
				rep.Retrying += r.Retrying
				rep.Failed += r.Failed
				rep.Cancelled += r.Cancelled
				mu.Unlock()
			}
		})
	}
	for _, dl := range batch {
		work <- dl
	}
	close(work)
	wg.Wait()
}

// attempt sends one claimed delivery and records the outcome. A retry
// (every attempt after the first) first renders the event again for the
// company as it is now: a company that may no longer see it (a delegation
// revoked meanwhile, R5) gets nothing more — the delivery is cancelled —
// and one that may see less gets less.
func (d *Dispatcher) attempt(ctx context.Context, token string, dl entitle.Delivery, rep *Report) {
	now := d.now()
	finish := func(o entitle.DeliveryOutcome) {
		// Recorded even when ctx ends meanwhile: a claim left behind would
		// hold the delivery for a whole lease.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		switch err := d.Store.FinishDelivery(fctx, dl.ID, token, o, d.now()); {
		case errors.Is(err, entitle.ErrClaimLost):
			// The endpoint was removed meanwhile, or the lease ran out and
			// another dispatcher took the delivery over (it may send it again).
			d.log().WarnContext(ctx, "webhook delivery claim lost", slog.String("delivery", dl.PublicID), slog.String("state", o.State))
		case err != nil:
			d.log().ErrorContext(ctx, "webhook delivery outcome not recorded", slog.String("delivery", dl.PublicID), slog.Any("err", err))
		}
	}
	if !dl.Webhook.RemovedAt.IsZero() || dl.Webhook.Secret == "" {
		finish(entitle.DeliveryOutcome{State: entitle.DeliveryCancelled, Error: "endpoint removed"})
		rep.Cancelled++
		return
	}
	body := dl.Body
	var changed []byte
	if dl.Attempts > 0 && dl.Event.Type != entitle.EventPing {
		r, ok, err := d.render(ctx, dl.Event, dl.Webhook, dl.PublicID)
		if err == nil && ok {
			err = d.Store.Audit(ctx, d.auditEvent(dl.Webhook, dl.Event, dl.PublicID, r, now, dl.Attempts+1))
		}
		switch {
		case err != nil:
			d.log().ErrorContext(ctx, "webhook delivery not rendered", slog.String("delivery", dl.PublicID), slog.Any("err", err))
			finish(entitle.DeliveryOutcome{State: entitle.DeliveryPending, NextAttemptAt: now.Add(d.backoff(1))})
			return
		case !ok:
			finish(entitle.DeliveryOutcome{State: entitle.DeliveryCancelled, Error: "the company may no longer see this event"})
			rep.Cancelled++
			return
		}
		if !bytes.Equal(r.body, body) {
			body, changed = r.body, r.body
		}
	}
	status, err := d.post(ctx, dl, body, now)
	if ctx.Err() != nil {
		// Shutting down: give the claim back, uncounted, for the next round
		// (of this process or another) to send it again.
		finish(entitle.DeliveryOutcome{State: entitle.DeliveryPending})
		return
	}
	rep.Attempts++
	o := entitle.DeliveryOutcome{Attempted: true, Status: status, Body: changed}
	attempts := dl.Attempts + 1
	switch {
	case err == nil:
		o.State = entitle.DeliveryDelivered
		rep.Delivered++
	case attempts >= d.maxAttempts() || dl.Event.Type == entitle.EventPing:
		o.State, o.Error = entitle.DeliveryFailed, err.Error()
		rep.Failed++
		d.log().WarnContext(ctx, "webhook delivery failed", slog.String("delivery", dl.PublicID), slog.Int64("webhook", dl.Webhook.ID),
			slog.Int("attempts", attempts), slog.Any("err", err))
	default:
		o.State, o.Error, o.NextAttemptAt = entitle.DeliveryPending, err.Error(), now.Add(d.backoff(attempts))
		rep.Retrying++
	}
	finish(o)
}

// post sends body to the delivery's endpoint, signed at now. Any 2xx
// answer within the timeout is a success; anything else an error saying
// what happened.
func (d *Dispatcher) post(ctx context.Context, dl entitle.Delivery, body []byte, now time.Time) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, d.timeout())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, dl.Webhook.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "entitle-webhooks/1")
	req.Header.Set("Entitle-Event", dl.Event.Type)
	req.Header.Set("Entitle-Delivery", dl.PublicID)
	req.Header.Set(SignatureHeader, Sign(dl.Webhook.Secret, now, body))
	resp, err := d.httpClient(dl.Webhook).Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		msg := "HTTP " + resp.Status
		if s := printable(head); s != "" {
			msg += ": " + s
		}
		return resp.StatusCode, errors.New(msg)
	}
	return resp.StatusCode, nil
}

// printable is the start of an answer's body fit for a log line.
func printable(b []byte) string {
	s := strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return ' '
	}, strings.ToValidUTF8(string(b), "?"))
	return strings.Join(strings.Fields(s), " ")
}

// Ping sends a ping to the active endpoint webhookID now, on behalf of
// actor (for the audit trail), and returns the delivery as recorded after
// its one attempt.
func (d *Dispatcher) Ping(ctx context.Context, webhookID int64, actor string) (entitle.Delivery, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	w, err := d.Store.Webhook(ctx, webhookID)
	if err == nil && !w.RemovedAt.IsZero() {
		err = entitle.ErrNotFound
	}
	if err != nil {
		return entitle.Delivery{}, err
	}
	now := d.now()
	id, err := newPublicID()
	if err != nil {
		return entitle.Delivery{}, err
	}
	body, err := json.Marshal(Envelope{ID: id, Type: entitle.EventPing, CreatedAt: now.Truncate(time.Microsecond), Data: PingData{Webhook: webhookID}})
	if err != nil {
		return entitle.Delivery{}, err
	}
	did, err := d.Store.AddPing(ctx, webhookID, id, body, now, entitle.AuditEvent{At: now, Actor: actor, Company: w.Company,
		Action: "webhook.ping", Outcome: "ok", Detail: fmt.Sprintf("to webhook %d", webhookID)})
	if err != nil {
		return entitle.Delivery{}, err
	}
	token, err := randomID("ping_", 12)
	if err != nil {
		return entitle.Delivery{}, err
	}
	claimed, err := d.Store.ClaimDelivery(ctx, did, token, now, d.lease())
	if err != nil {
		return entitle.Delivery{}, err
	}
	for _, dl := range claimed {
		d.attempt(ctx, token, dl, &Report{})
	}
	return d.Store.Delivery(ctx, did)
}
