package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/mail"
	"github.com/entitle-portal/entitle/internal/mail/mailtest"
	"github.com/entitle-portal/entitle/internal/notices"
	"github.com/entitle-portal/entitle/internal/policy/policytest"
	"github.com/entitle-portal/entitle/internal/web/webtest"
	"github.com/entitle-portal/entitle/internal/webhooks"
)

// Scenario tests of self-service (issue 14): a company's webhooks, notice
// preferences, the "expiring soon" panel. Both backends
// (ENTITLE_TEST_BACKEND).

// ssWorld is a small channel: DIST sells through RES to CUST (owner, with
// an installation site); OUT has no relation. Each company has an
// administrator and a member.
type ssWorld struct {
	*testServer
	tokens map[string]string // "RES/admin" → API token
}

func ssScenario(now time.Time, orders ...entitle.Order) *policytest.Scenario {
	return &policytest.Scenario{Now: now, Vendor: "VENDOR", Orders: orders,
		Expects: []policytest.Expect{{Actor: entitle.Actor{Company: "OUT"}}}}
}

func ssOrder(po string, subs ...string) entitle.Order {
	o := entitle.Order{PONumber: po, PurchasingEntity: "DIST", Owner: "CUST", Resellers: []string{"RES"}}
	for i, s := range subs {
		o.Lines = append(o.Lines, entitle.Line{Line: i + 1, SubscriptionID: s})
	}
	return o
}

func newSSWorld(t *testing.T, configure func(*webtest.Options)) *ssWorld {
	t.Helper()
	ts := newServerWith(t, testNow, configure)
	ts.importBatch(ssScenario(testNow, ssOrder("PO-1", "SUB-1", "SUB-2")).Batch(), nil)
	w := &ssWorld{testServer: ts, tokens: map[string]string{}}
	for _, c := range []string{"DIST", "RES", "CUST", "OUT", "VENDOR"} {
		w.tokens[c+"/admin"] = ts.user(c, "admin@"+strings.ToLower(c)+".example", true)
		w.tokens[c+"/member"] = ts.user(c, "member@"+strings.ToLower(c)+".example", false)
	}
	return w
}

func (w *ssWorld) as(t *testing.T, who, method, path string, body any) response {
	t.Helper()
	return w.doAs(t, request{method: method, path: path, token: w.tokens[who], body: body})
}

// receiver is an HTTP endpoint that keeps what it is sent.
type receiver struct {
	*httptest.Server
	mu  sync.Mutex
	got []*receivedDelivery
}

type receivedDelivery struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, &receivedDelivery{header: r.Header.Clone(), body: b})
		rc.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) deliveries() []*receivedDelivery {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.got)
}

// TestSelfServiceWebhooks: RES's administrator adds an endpoint (the
// secret shown once), tests it — the ping reaches a real receiver with a
// valid signature — lists its deliveries and removes it; its member is
// refused; another company finds nothing; every change and the test are
// in RES's audit trail.
func TestSelfServiceWebhooks(t *testing.T) {
	w := newSSWorld(t, nil)
	rc := newReceiver(t)

	res := w.as(t, "RES/member", http.MethodPost, "/api/v1/webhooks", map[string]any{"url": rc.URL + "/hook"})
	if res.status != http.StatusForbidden || !strings.Contains(res.errMessage(), "only administrators of your company manage its webhooks") {
		t.Fatalf("a member adds: %d %s", res.status, res.body)
	}
	if res := w.as(t, "RES/member", http.MethodGet, "/api/v1/webhooks", nil); res.status != http.StatusForbidden {
		t.Errorf("a member lists: %d %s", res.status, res.body)
	}
	for _, bad := range []map[string]any{{"url": ""}, {"url": "ftp://x.example"}, {"url": rc.URL, "events": []string{"nothing.happened"}}} {
		if res := w.as(t, "RES/admin", http.MethodPost, "/api/v1/webhooks", bad); res.status != http.StatusUnprocessableEntity || res.errMessage() == "" {
			t.Errorf("add %v: %d %s", bad, res.status, res.body)
		}
	}

	res = w.as(t, "RES/admin", http.MethodPost, "/api/v1/webhooks", map[string]any{"url": rc.URL + "/hook", "events": []string{"all"}})
	var added struct {
		ID     int64    `json:"id"`
		Secret string   `json:"secret"`
		Events []string `json:"events"`
	}
	if res.status != http.StatusCreated {
		t.Fatalf("add: %d %s", res.status, res.body)
	}
	res.json(t, &added)
	if !strings.HasPrefix(added.Secret, "whsec_") || !slices.Equal(added.Events, []string{"all"}) {
		t.Fatalf("add: %s", res.body)
	}
	id := strconv.FormatInt(added.ID, 10)
	res = w.as(t, "RES/admin", http.MethodGet, "/api/v1/webhooks", nil)
	if res.status != http.StatusOK || strings.Contains(string(res.body), "whsec_") || !strings.Contains(string(res.body), rc.URL+"/hook") {
		t.Errorf("list: %d %s", res.status, res.body)
	}

	// Another company, its administrator and the vendor's included: R7.
	for _, who := range []string{"CUST/admin", "OUT/admin", "VENDOR/admin"} {
		for _, r := range []response{
			w.as(t, who, http.MethodPost, "/api/v1/webhooks/"+id+"/test", nil),
			w.as(t, who, http.MethodGet, "/api/v1/webhooks/"+id+"/deliveries", nil),
			w.as(t, who, http.MethodDelete, "/api/v1/webhooks/"+id, nil),
		} {
			if r.status != http.StatusNotFound || r.errMessage() != "webhook "+id+" not found" {
				t.Errorf("%s: %d %s", who, r.status, r.body)
			}
		}
		if r := w.as(t, who, http.MethodGet, "/api/v1/webhooks", nil); r.status != http.StatusOK || string(r.body) != `{"items":[]}`+"\n" {
			t.Errorf("%s lists: %d %s", who, r.status, r.body)
		}
	}
	if got := rc.deliveries(); len(got) != 0 {
		t.Fatalf("the receiver got %d deliveries before any test", len(got))
	}

	// The test delivery reaches the receiver, signed with the secret.
	res = w.as(t, "RES/admin", http.MethodPost, "/api/v1/webhooks/"+id+"/test", nil)
	var dl map[string]any
	res.json(t, &dl)
	if res.status != http.StatusOK || dl["state"] != "delivered" || dl["response_code"] != float64(200) || dl["attempts"] != float64(1) {
		t.Fatalf("test: %d %s", res.status, res.body)
	}
	got := rc.deliveries()
	if len(got) != 1 {
		t.Fatalf("the receiver got %d deliveries", len(got))
	}
	if err := webhooks.Verify(added.Secret, got[0].header.Get(webhooks.SignatureHeader), got[0].body, w.clock.Now(), 5*time.Minute); err != nil {
		t.Errorf("the test delivery's signature: %v", err)
	}
	if err := webhooks.Verify("whsec_wrong", got[0].header.Get(webhooks.SignatureHeader), got[0].body, w.clock.Now(), 5*time.Minute); err == nil {
		t.Error("a wrong secret verifies the signature")
	}
	if got[0].header.Get("Entitle-Event") != "ping" || got[0].header.Get("Entitle-Delivery") != dl["id"] ||
		!strings.Contains(string(got[0].body), `"data":{"webhook":`+id+`}`) {
		t.Errorf("the ping: %v %s", got[0].header, got[0].body)
	}

	res = w.as(t, "RES/admin", http.MethodGet, "/api/v1/webhooks/"+id+"/deliveries", nil)
	var ds struct {
		Items []map[string]any `json:"items"`
	}
	res.json(t, &ds)
	if res.status != http.StatusOK || len(ds.Items) != 1 || ds.Items[0]["id"] != dl["id"] || ds.Items[0]["event"] != "ping" ||
		ds.Items[0]["state"] != "delivered" || ds.Items[0]["response_code"] != float64(200) || ds.Items[0]["last_attempt_at"] == nil {
		t.Errorf("deliveries: %d %s", res.status, res.body)
	}
	if res := w.as(t, "RES/member", http.MethodGet, "/api/v1/webhooks/"+id+"/deliveries", nil); res.status != http.StatusForbidden {
		t.Errorf("a member reads the deliveries: %d %s", res.status, res.body)
	}

	if res := w.as(t, "RES/admin", http.MethodDelete, "/api/v1/webhooks/"+id, nil); res.status != http.StatusNoContent {
		t.Fatalf("remove: %d %s", res.status, res.body)
	}
	if res := w.as(t, "RES/admin", http.MethodDelete, "/api/v1/webhooks/"+id, nil); res.status != http.StatusNotFound {
		t.Errorf("remove again: %d %s", res.status, res.body)
	}
	if res := w.as(t, "RES/admin", http.MethodGet, "/api/v1/webhooks", nil); string(res.body) != `{"items":[]}`+"\n" {
		t.Errorf("list after removal: %s", res.body)
	}

	// The audit trail of RES: the refusal, the addition, the test, the removal.
	res = w.as(t, "RES/admin", http.MethodGet, "/api/v1/audit?limit=500", nil)
	for _, action := range []string{"webhook.add", "webhook.ping", "webhook.remove"} {
		if !strings.Contains(string(res.body), `"action":"`+action+`"`) {
			t.Errorf("the audit trail lacks %s: %s", action, clip(res.body))
		}
	}
	if res := w.as(t, "CUST/admin", http.MethodGet, "/api/v1/audit?limit=500", nil); strings.Contains(string(res.body), rc.URL) {
		t.Errorf("CUST's audit trail tells RES's webhook: %s", clip(res.body))
	}
}

// TestSelfServiceWebhookPayloads: an endpoint added by a company's
// administrator carries only what that company may see: the reseller's
// never the owner or the installation site (R4), the owner's both.
func TestSelfServiceWebhookPayloads(t *testing.T) {
	w := newSSWorld(t, nil)
	hooks := map[string]*receiver{}
	for _, c := range []string{"RES", "CUST", "OUT"} {
		rc := newReceiver(t)
		hooks[c] = rc
		if res := w.as(t, c+"/admin", http.MethodPost, "/api/v1/webhooks", map[string]any{"url": rc.URL, "events": []string{"entitlement.created"}}); res.status != http.StatusCreated {
			t.Fatalf("%s adds: %d %s", c, res.status, res.body)
		}
	}
	w.importBatch(ssScenario(testNow, ssOrder("PO-1", "SUB-1", "SUB-2"), ssOrder("PO-2", "SUB-3")).Batch(), nil)
	if _, err := w.svc.Webhooks.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	body := func(c string) map[string]any {
		got := hooks[c].deliveries()
		if len(got) != 1 {
			t.Fatalf("%s got %d deliveries", c, len(got))
		}
		var env struct {
			Data struct {
				Entitlements []map[string]any `json:"entitlements"`
			} `json:"data"`
		}
		if err := json.Unmarshal(got[0].body, &env); err != nil || len(env.Data.Entitlements) != 1 {
			t.Fatalf("%s: %v %s", c, err, got[0].body)
		}
		return env.Data.Entitlements[0]
	}
	res := body("RES")
	if res["subscription_id"] != "SUB-3" || res["owner"] != nil || res["installation_site"] != nil {
		t.Errorf("the reseller's delivery: %v", res)
	}
	if cust := body("CUST"); cust["owner"] == nil || cust["installation_site"] == nil {
		t.Errorf("the owner's delivery: %v", cust)
	}
	if got := hooks["OUT"].deliveries(); len(got) != 0 {
		t.Errorf("OUT was told: %s", got[0].body)
	}
}

// TestSelfServiceWebhookURLGuard: without demo mode, an administrator's
// endpoint must be https to a public address.
func TestSelfServiceWebhookURLGuard(t *testing.T) {
	w := newSSWorld(t, func(o *webtest.Options) {
		o.WebhooksPublicOnly = true
		o.Resolve = func(_ context.Context, host string) ([]netip.Addr, error) {
			switch host {
			case "hooks.example.com":
				return []netip.Addr{netip.MustParseAddr("93.184.216.34")}, nil
			case "inside.example.com":
				return []netip.Addr{netip.MustParseAddr("10.1.2.3")}, nil
			}
			return nil, errors.New("no such host")
		}
	})
	for raw, ok := range map[string]bool{
		"https://hooks.example.com/entitle": true,
		"http://hooks.example.com/entitle":  false,
		"http://127.0.0.1:8080/hook":        false,
		"https://127.0.0.1/hook":            false,
		"https://localhost/hook":            false,
		"https://[::1]/hook":                false,
		"https://10.0.0.5/hook":             false,
		"https://192.168.1.1/hook":          false,
		"https://169.254.169.254/latest":    false,
		"https://100.64.0.1/hook":           false,
		"https://inside.example.com/hook":   false,
		"https://nowhere.example.com/hook":  false,
		"https://intranet/hook":             false,
	} {
		res := w.as(t, "RES/admin", http.MethodPost, "/api/v1/webhooks", map[string]any{"url": raw})
		if ok && res.status != http.StatusCreated || !ok && (res.status != http.StatusUnprocessableEntity || !strings.HasPrefix(res.errMessage(), "url: ")) {
			t.Errorf("%s: %d %s", raw, res.status, res.body)
		}
	}
}

// TestNoticePreferences: administrators receive expiry digests by default,
// members do not; a member who opts in (API) and an administrator who
// opts out (the Account page's form) change who gets the digest — mail
// over a real SMTP listener.
func TestNoticePreferences(t *testing.T) {
	ms := mailtest.Start(t)
	smtp := mail.SMTP{Addr: ms.Addr, From: "portal@vendor.example", TLS: mail.TLSNone}
	w := newSSWorld(t, func(o *webtest.Options) { o.Mailer = smtp })

	res := w.as(t, "RES/member", http.MethodGet, "/api/v1/me/notices", nil)
	want := `{"items":[{"kind":"expiry_digest","receive":false,"default":false,"chosen":false},{"kind":"renewal_requests","receive":false,"default":false,"chosen":false},{"kind":"access_requests","receive":false,"default":false,"chosen":false}]}` + "\n"
	if res.status != http.StatusOK || string(res.body) != want {
		t.Fatalf("a member's notices: %d %s", res.status, res.body)
	}
	if res := w.as(t, "RES/member", http.MethodPut, "/api/v1/me/notices", map[string]bool{"expiry_digest": true, "weekly_gossip": true}); res.status != http.StatusUnprocessableEntity {
		t.Errorf("an unknown kind: %d %s", res.status, res.body)
	}
	if res := w.as(t, "RES/member", http.MethodGet, "/api/v1/me/notices", nil); string(res.body) != want {
		t.Errorf("a refused change changed: %s", res.body)
	}
	res = w.as(t, "RES/member", http.MethodPut, "/api/v1/me/notices", map[string]bool{"expiry_digest": true})
	if res.status != http.StatusOK || !strings.Contains(string(res.body), `{"kind":"expiry_digest","receive":true,"default":false,"chosen":true}`) {
		t.Fatalf("opt in: %d %s", res.status, res.body)
	}
	for _, c := range []string{"RES", "CUST", "DIST"} {
		rs, err := w.db.NoticeReaders(context.Background(), c, entitle.NoticeExpiryDigest)
		var got []string
		for _, r := range rs {
			got = append(got, r.Email)
		}
		want := []string{"admin@" + strings.ToLower(c) + ".example"}
		if c == "RES" {
			want = append(want, "member@res.example")
		}
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("recipients of %s: %v %v, want %v", c, got, err, want)
		}
	}

	// CUST's administrator opts out on the Account page (every kind off
	// but renewal requests).
	admin, err := w.db.UserByEmail(context.Background(), "admin@cust.example")
	if err != nil {
		t.Fatal(err)
	}
	client := w.portalSession(t, admin)
	_, page := w.fetchPage(t, client, "/account")
	if !strings.Contains(page, `id="notice-expiry_digest"`) || !strings.Contains(page, `value="expiry_digest" checked`) {
		t.Fatalf("the Account page's notices: %s", page)
	}
	st, page := w.postForm(t, client, page, "/account/notices", url.Values{"kind": {"renewal_requests"}})
	if st != http.StatusOK || !strings.Contains(page, "Your notice preferences are saved.") || strings.Contains(page, `value="expiry_digest" checked`) {
		t.Fatalf("the form: %d %s", st, page)
	}

	// 29 days before SUB-1 and SUB-2 end: the digest of stage 30.
	w.clock.Advance(326 * 24 * time.Hour)
	svc := &notices.Service{Store: w.db, Gate: w.svc.Gate, Mailer: smtp, Now: w.clock.Now, BaseURL: "http://portal.example"}
	rep, err := svc.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	to := map[string][]string{}
	for _, d := range rep.Details {
		to[d.Company] = d.Recipients
	}
	// The owner's and the partner of record's (RES) digests: CUST's has
	// nobody to go to.
	if !slices.Equal(to["RES"], []string{"admin@res.example", "member@res.example"}) || len(to["CUST"]) != 0 {
		t.Errorf("digests: %+v", rep.Details)
	}
	var rcpts []string
	for _, m := range ms.Messages() {
		for _, line := range strings.Split(m, "\r\n") {
			if strings.HasPrefix(line, "To: ") {
				rcpts = append(rcpts, strings.TrimPrefix(line, "To: "))
			}
		}
	}
	slices.Sort(rcpts)
	if strings.Contains(strings.Join(rcpts, " "), "cust.example") || !strings.Contains(strings.Join(rcpts, " "), "member@res.example") {
		t.Errorf("mail went to %v", rcpts)
	}
	res = w.as(t, "CUST/admin", http.MethodGet, "/api/v1/audit?limit=500", nil)
	if !strings.Contains(string(res.body), `"action":"notices.change"`) {
		t.Errorf("the change is not audited: %s", clip(res.body))
	}
}

// TestExpiringSoonPanel: My entitlements shows what ends within 90 days,
// the soonest first, through the gate's list (audited), only what the
// company may see; with a link to the whole list so filtered.
func TestExpiringSoonPanel(t *testing.T) {
	w := newSSWorld(t, nil)
	res, err := w.db.UserByEmail(context.Background(), "member@res.example")
	if err != nil {
		t.Fatal(err)
	}
	client := w.portalSession(t, res)
	_, page := w.fetchPage(t, client, "/")
	if !strings.Contains(page, `id="expiring-none"`) {
		t.Fatalf("the panel a year before the end: %s", page)
	}
	w.clock.Advance(300 * 24 * time.Hour) // 55 days before the end
	client = w.portalSession(t, res)      // the first one has expired
	_, page = w.fetchPage(t, client, "/")
	panel := regexp.MustCompile(`(?s)<section class="card expiring".*?</section>`).FindString(page)
	if panel == "" {
		t.Fatalf("no panel: %s", page)
	}
	for _, want := range []string{"SUB-1", "SUB-2", "in 55 days", `href="/?expires_before=`, "sort=end_date", "status=active"} {
		if !strings.Contains(panel, want) {
			t.Errorf("the panel lacks %q: %s", want, panel)
		}
	}
	if strings.Index(panel, "SUB-1") > strings.Index(panel, "SUB-2") {
		t.Errorf("the panel's order: %s", panel)
	}
	out, _ := w.db.UserByEmail(context.Background(), "member@out.example")
	if _, page := w.fetchPage(t, w.portalSession(t, out), "/"); !strings.Contains(page, `id="expiring-none"`) || strings.Contains(page, "SUB-1") {
		t.Errorf("OUT's panel: %s", page)
	}
	// A filtered list has no panel.
	if _, page := w.fetchPage(t, client, "/?status=active"); strings.Contains(page, `id="expiring"`) {
		t.Error("the panel is on a filtered list")
	}
	// The panel's list is a disclosure, audited like any list.
	a := w.as(t, "RES/admin", http.MethodGet, "/api/v1/audit?limit=500", nil)
	if n := strings.Count(string(a.body), `"actor":"member@res.example"`); n < 3 {
		t.Errorf("the member's lists are not audited (%d events): %s", n, clip(a.body))
	}
}

// portalSession opens a portal session for u and returns a browser: it
// keeps cookies (the message after a form) and follows redirects.
func (w *ssWorld) portalSession(t *testing.T, u entitle.UserRecord) *http.Client {
	t.Helper()
	secret, _, err := w.svc.Accounts.Open(context.Background(), u, "", entitle.SessionMeta{Address: "192.0.2.1", UserAgent: "selfservice"})
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	base, _ := url.Parse(w.srv.URL)
	jar.SetCookies(base, []*http.Cookie{{Name: "entitle_session", Value: secret, Path: "/"}})
	c := *w.srv.Client()
	c.Jar = jar
	return &c
}

func (w *ssWorld) fetchPage(t *testing.T, c *http.Client, path string) (int, string) {
	t.Helper()
	res := w.doAs(t, request{method: http.MethodGet, path: path, client: c})
	return res.status, string(res.body)
}

// postForm posts form to path with the CSRF token of page, and returns the
// page it ends on.
func (w *ssWorld) postForm(t *testing.T, c *http.Client, page, path string, form url.Values) (int, string) {
	t.Helper()
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token on the page: %s", page)
	}
	f := url.Values{"csrf": {m[1]}}
	for k, v := range form {
		f[k] = v
	}
	res := w.doAs(t, request{method: http.MethodPost, path: path, client: c, body: f.Encode(),
		header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}})
	return res.status, string(res.body)
}

// TestWebhooksPage: the Webhooks page as an administrator uses it: add
// (the secret shown once), send a test, read the deliveries, remove; a
// member has no entry in the navigation and is told to ask an
// administrator; another company's endpoint is the "not found" page.
func TestWebhooksPage(t *testing.T) {
	w := newSSWorld(t, nil)
	rc := newReceiver(t)
	admin, _ := w.db.UserByEmail(context.Background(), "admin@res.example")
	member, _ := w.db.UserByEmail(context.Background(), "member@res.example")
	other, _ := w.db.UserByEmail(context.Background(), "admin@cust.example")
	browser := w.portalSession(t, admin)

	st, page := w.fetchPage(t, browser, "/webhooks")
	if st != http.StatusOK || !strings.Contains(page, `href="/webhooks" aria-current="page"`) || !strings.Contains(page, `id="no-webhooks"`) {
		t.Fatalf("GET /webhooks: %d %s", st, page)
	}
	st, added := w.postForm(t, browser, page, "/webhooks", url.Values{"url": {"gopher://x.example"}})
	if st != http.StatusUnprocessableEntity || !strings.Contains(added, `id="webhook-error"`) || !strings.Contains(added, `value="gopher://x.example"`) {
		t.Errorf("a bad URL: %d %s", st, added)
	}
	st, added = w.postForm(t, browser, page, "/webhooks", url.Values{"url": {rc.URL + "/portal"}, "event": {"delegation.granted", "renewal.requested"}})
	secret := regexp.MustCompile(`id="new-webhook-secret">(whsec_[0-9a-f]+)<`).FindStringSubmatch(added)
	if st != http.StatusCreated || secret == nil || !strings.Contains(added, "delegation.granted,renewal.requested") {
		t.Fatalf("add: %d %s", st, added)
	}
	if _, again := w.fetchPage(t, browser, "/webhooks"); strings.Contains(again, secret[1]) {
		t.Error("the secret is shown again")
	}
	id := regexp.MustCompile(`action="/webhooks/(\d+)/test"`).FindStringSubmatch(added)
	if id == nil {
		t.Fatalf("no test button: %s", added)
	}
	st, tested := w.postForm(t, browser, added, "/webhooks/"+id[1]+"/test", nil)
	if st != http.StatusOK || !strings.Contains(tested, "<strong>delivered</strong>, HTTP 200") {
		t.Errorf("test: %d %s", st, tested)
	}
	if got := rc.deliveries(); len(got) != 1 || webhooks.Verify(secret[1], got[0].header.Get(webhooks.SignatureHeader), got[0].body, w.clock.Now(), time.Minute) != nil {
		t.Errorf("the receiver got %d deliveries", len(got))
	}
	st, ds := w.fetchPage(t, browser, "/webhooks/"+id[1])
	if st != http.StatusOK || !strings.Contains(ds, `id="deliveries"`) || !strings.Contains(ds, "<code>ping</code>") || !strings.Contains(ds, "HTTP 200") {
		t.Errorf("deliveries: %d %s", st, ds)
	}

	// A member: no entry, and a refusal that says whom to ask.
	mb := w.portalSession(t, member)
	if _, p := w.fetchPage(t, mb, "/"); strings.Contains(p, `href="/webhooks"`) {
		t.Error("a member has the Webhooks entry")
	}
	if st, p := w.fetchPage(t, mb, "/webhooks"); st != http.StatusForbidden || !strings.Contains(p, "ask one of them") {
		t.Errorf("a member: %d %s", st, p)
	}
	// Another company: not found, as one that does not exist.
	ob := w.portalSession(t, other)
	st1, p1 := w.fetchPage(t, ob, "/webhooks/"+id[1])
	st2, p2 := w.fetchPage(t, ob, "/webhooks/987654321")
	if st1 != http.StatusNotFound || st2 != http.StatusNotFound || strings.Replace(p1, "Webhook "+id[1]+" not found", "Webhook 987654321 not found", 1) != p2 {
		t.Errorf("another company: %d %d\n%s\n%s", st1, st2, p1, p2)
	}

	st, removed := w.postForm(t, browser, tested, "/webhooks/"+id[1]+"/remove", nil)
	if st != http.StatusOK || !strings.Contains(removed, "The webhook is removed") || !strings.Contains(removed, `id="no-webhooks"`) {
		t.Errorf("remove: %d %s", st, removed)
	}
}

// TestSelfServiceWebhookDialGuard: without demo mode, an endpoint an
// administrator added is reached only at a public address, checked when
// connecting — a name that resolved to a public address when added may
// not lead inside later — while one the operator added at the console is
// not restricted.
func TestSelfServiceWebhookDialGuard(t *testing.T) {
	w := newSSWorld(t, func(o *webtest.Options) { o.WebhooksPublicOnly = true })
	rc := newReceiver(t)
	ctx := context.Background()
	add := func(by string) string {
		h, err := w.db.AddWebhook(ctx, entitle.Webhook{Company: "RES", URL: rc.URL + "/" + by, Secret: "whsec_dial", CreatedAt: w.clock.Now(), CreatedBy: by},
			entitle.AuditEvent{At: w.clock.Now(), Actor: by, Company: "RES", Action: "webhook.add", Outcome: "ok"})
		if err != nil {
			t.Fatal(err)
		}
		return strconv.FormatInt(h.ID, 10)
	}
	user, cli := add("admin@res.example"), add("cli")
	res := w.as(t, "RES/admin", http.MethodPost, "/api/v1/webhooks/"+user+"/test", nil)
	if res.status != http.StatusOK || !strings.Contains(string(res.body), `"state":"failed"`) || !strings.Contains(string(res.body), "is not a public address") {
		t.Errorf("an administrator's endpoint inside: %d %s", res.status, res.body)
	}
	if got := rc.deliveries(); len(got) != 0 {
		t.Fatalf("the receiver inside got %d deliveries", len(got))
	}
	res = w.as(t, "RES/admin", http.MethodPost, "/api/v1/webhooks/"+cli+"/test", nil)
	if res.status != http.StatusOK || !strings.Contains(string(res.body), `"state":"delivered"`) {
		t.Errorf("the console's endpoint: %d %s", res.status, res.body)
	}
}

// TestRenewalMailFollowsPreferences: a renewal request's mail goes to the
// recipient company's users who receive renewal requests: a member who
// opted in, not an administrator who opted out.
func TestRenewalMailFollowsPreferences(t *testing.T) {
	ms := mailtest.Start(t)
	w := newSSWorld(t, func(o *webtest.Options) {
		o.Mailer = mail.SMTP{Addr: ms.Addr, From: "portal@vendor.example", TLS: mail.TLSNone}
	})
	for who, body := range map[string]map[string]bool{"RES/member": {"renewal_requests": true}, "RES/admin": {"renewal_requests": false}} {
		if res := w.as(t, who, http.MethodPut, "/api/v1/me/notices", body); res.status != http.StatusOK {
			t.Fatalf("%s: %d %s", who, res.status, res.body)
		}
	}
	if res := w.as(t, "CUST/admin", http.MethodPost, "/api/v1/entitlements/SUB-1/renewal-requests", map[string]string{"message": "Please quote."}); res.status != http.StatusCreated {
		t.Fatalf("renewal request: %d %s", res.status, res.body)
	}
	msgs := ms.Messages()
	if len(msgs) != 1 || !strings.Contains(msgs[0], "To: member@res.example") || strings.Contains(msgs[0], "admin@res.example") {
		t.Errorf("renewal mail: %d messages %v", len(msgs), msgs)
	}
}
