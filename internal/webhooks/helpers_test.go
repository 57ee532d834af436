package webhooks_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/auth"
	"github.com/entitle-portal/entitle/internal/clocktest"
	"github.com/entitle-portal/entitle/internal/disclose"
	"github.com/entitle-portal/entitle/internal/mail"
	"github.com/entitle-portal/entitle/internal/policy/policytest"
	"github.com/entitle-portal/entitle/internal/store"
	"github.com/entitle-portal/entitle/internal/store/storetest"
	"github.com/entitle-portal/entitle/internal/web/webtest"
	"github.com/entitle-portal/entitle/internal/webhooks"
)

// The harness: the policy's basics channel (NORTH placed N-77 for PLANT
// through reseller SHOP, installed by FITTER; N-78 for OTHERCO; MAKER is the
// vendor; NOBODY holds no role; AGENT is a company to delegate to) on a real
// store of the run's backend, a real HTTP receiver per company, the real
// API server to compare payloads with, and a settable clock.

// receipt is one request a receiver got.
type receipt struct {
	header http.Header
	body   []byte
	env    envelope
	verify error // webhooks.Verify with the endpoint's secret at the clock's time
}

type envelope struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	CreatedAt time.Time       `json:"created_at"`
	Data      json.RawMessage `json:"data"`
}

// receiver is an endpoint's HTTP server. It answers status(n, id) to its
// n-th request (0-based), delivery id (204 when status is nil), after delay.
type receiver struct {
	srv    *httptest.Server
	secret string
	clock  *clocktest.Clock
	mu     sync.Mutex
	got    []receipt
	n      int
	status func(n int, id string) int
	delay  time.Duration
}

func newReceiver(t testing.TB, clk *clocktest.Clock) *receiver {
	r := &receiver{clock: clk}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		rc := receipt{header: req.Header.Clone(), body: body}
		rc.verify = webhooks.Verify(r.secret, req.Header.Get(webhooks.SignatureHeader), body, clk.Now(), webhooks.DefaultTolerance)
		if err := json.Unmarshal(body, &rc.env); err != nil {
			t.Errorf("%s: not JSON: %q", req.URL, body)
		}
		r.mu.Lock()
		r.got = append(r.got, rc)
		n := r.n
		r.n++
		status, delay := r.status, r.delay
		r.mu.Unlock()
		time.Sleep(delay)
		code := http.StatusNoContent
		if status != nil {
			code = status(n, req.Header.Get("Entitle-Delivery"))
		}
		w.WriteHeader(code)
		if code >= 300 {
			io.WriteString(w, "try again\nlater")
		}
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// take returns the receipts so far and forgets them.
func (r *receiver) take() []receipt {
	r.mu.Lock()
	defer r.mu.Unlock()
	got := r.got
	r.got = nil
	return got
}

type harness struct {
	t      *testing.T
	ctx    context.Context
	db     *store.DB
	dsn    string
	clock  *clocktest.Clock
	disp   *webhooks.Dispatcher
	api    *httptest.Server
	tokens map[string]string
	hooks  map[string]entitle.Webhook
	recv   map[string]*receiver
	orders entitle.Batch // the scenario's orders, not yet imported
}

// companies of the basics scenario, and AGENT.
var companies = []string{"AGENT", "FITTER", "MAKER", "NOBODY", "NORTH", "OTHERCO", "PLANT", "SHOP"}

// newHarness loads the channel's companies (not its orders: h.orders) and
// gives each company an endpoint for every event type, with its receiver.
func newHarness(t *testing.T) *harness {
	t.Helper()
	s, err := policytest.Load("../policy/testdata/basics.txt")
	if err != nil {
		t.Fatal(err)
	}
	b := s.Batch()
	b.Companies = append(b.Companies, entitle.Sourced[entitle.Company]{Record: entitle.Company{Key: "AGENT", Name: "Agent Services", Kind: entitle.KindCustomer}})
	h := &harness{t: t, ctx: context.Background(), dsn: storetest.DSN(t), clock: clocktest.New(s.Now),
		tokens: map[string]string{}, hooks: map[string]entitle.Webhook{}, recv: map[string]*receiver{}, orders: entitle.Batch{Orders: b.Orders}}
	h.db = h.open()
	b.Orders = nil
	h.importBatch(b)
	h.disp = &webhooks.Dispatcher{Store: h.db, Gate: disclose.New(h.db, h.clock.Now), Now: h.clock.Now}

	srv, svc, err := webtest.New(h.ctx, h.db, webtest.Options{Now: h.clock.Now, BaseURL: "http://portal.example",
		Mailer: mail.Outbox{Dir: t.TempDir(), Now: h.clock.Now}})
	if err != nil {
		t.Fatal(err)
	}
	h.api = httptest.NewServer(srv)
	t.Cleanup(func() {
		h.api.Close()
		svc.Coworkers.Close()
	})
	for _, c := range companies {
		u, err := h.db.AddUser(h.ctx, entitle.User{Email: "admin@" + strings.ToLower(c) + ".example", Name: "Admin", Company: c, Admin: true}, "", h.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		token, hash, err := auth.NewToken()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.db.AddToken(h.ctx, u.ID, "test", hash, entitle.AllScopes, h.clock.Now(), time.Time{}, entitle.AuditEvent{}); err != nil {
			t.Fatal(err)
		}
		h.tokens[c] = token
		h.recv[c] = newReceiver(t, h.clock)
		h.hooks[c] = h.addWebhook(c, h.recv[c], nil)
	}
	return h
}

// open opens another handle on the harness's database.
func (h *harness) open() *store.DB {
	h.t.Helper()
	db, err := store.Open(h.ctx, h.dsn)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { db.Close() })
	return db
}

func (h *harness) addWebhook(company string, r *receiver, events []string) entitle.Webhook {
	h.t.Helper()
	u, err := webhooks.CheckURL(r.srv.URL+"/hook", false)
	if err != nil {
		h.t.Fatal(err)
	}
	secret, err := webhooks.NewSecret()
	if err != nil {
		h.t.Fatal(err)
	}
	r.secret = secret
	w, err := h.db.AddWebhook(h.ctx, entitle.Webhook{Company: company, URL: u, Events: events, Secret: secret, CreatedAt: h.clock.Now(), CreatedBy: "cli"},
		entitle.AuditEvent{At: h.clock.Now(), Actor: "cli", Company: company, Action: "webhook.add", Outcome: "ok"})
	if err != nil {
		h.t.Fatal(err)
	}
	return w
}

func (h *harness) importBatch(b entitle.Batch) {
	h.t.Helper()
	if _, ps, err := h.db.Import(h.ctx, b, entitle.ImportOptions{}, h.clock.Now()); err != nil || len(ps) > 0 {
		h.t.Fatal(err, ps)
	}
}

// run runs one round of the dispatcher.
func (h *harness) run() webhooks.Report {
	h.t.Helper()
	rep, err := h.disp.RunOnce(h.ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	return rep
}

// ev is an audit event for the store's writes.
func (h *harness) ev(company string) entitle.AuditEvent {
	return entitle.AuditEvent{At: h.clock.Now(), Actor: "admin@" + strings.ToLower(company) + ".example", Company: company, Action: "test", Outcome: "ok"}
}

// apiGet answers GET path for a member of company, decoded.
func (h *harness) apiGet(company, path string) (int, any) {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodGet, h.api.URL+path, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+h.tokens[company])
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		h.t.Fatalf("GET %s: %d %q", path, res.StatusCode, body)
	}
	return res.StatusCode, v
}

// decode decodes raw JSON as the API's answers are decoded.
func decode(t testing.TB, raw []byte) any {
	t.Helper()
	var v any
	d := json.NewDecoder(bytes.NewReader(raw))
	if err := d.Decode(&v); err != nil {
		t.Fatalf("%q: %v", raw, err)
	}
	return v
}

// findItem returns the item of list (a decoded JSON array) whose id is id.
func findItem(list any, id any) (map[string]any, bool) {
	items, _ := list.([]any)
	for _, it := range items {
		m, _ := it.(map[string]any)
		if m != nil && m["id"] == id {
			return m, true
		}
	}
	return nil, false
}

// sortedKeys lists a map's keys.
func sortedKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
