package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/accounts"
	"github.com/entitle-portal/entitle/internal/sso"
)

// Single sign-on end to end: the real server, and a real OpenID provider
// (github.com/oauth2-proxy/mockoidc) on its own listener. The provider
// signs ID tokens with its key; a test that needs a bad token (forged,
// another audience, expired, another nonce) has the provider's token
// answer rewritten on its way out, re-signed with the provider's key or
// another.

// provider is a running OpenID provider for a test.
type provider struct {
	m *mockoidc.MockOIDC

	mu      sync.Mutex
	rewrite func(c jwt.MapClaims) *mockoidc.Keypair // changes the next ID token; the key to sign it with
}

func newProvider(t *testing.T, ts *testServer) *provider {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	p := &provider{m: m}
	if err := m.AddMiddleware(p.rewriteTokens); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	// The provider's clock is the portal's (the tests' fixed day).
	m.FastForward(time.Until(ts.clock.Now()))
	// The portal sends browsers back to this test server.
	ts.svc.SSO.BaseURL = ts.srv.URL
	return p
}

// rewriteTokens changes the ID token of the token endpoint's answer when
// a test asked for it.
func (p *provider) rewriteTokens(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != mockoidc.TokenEndpoint {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		var body map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body["id_token"] == nil {
			// (golang.org/x/oauth2 first tries the client's credentials in
			// a header, which this provider refuses: not yet the token.)
			w.WriteHeader(rec.Code)
			w.Write(rec.Body.Bytes())
			return
		}
		p.mu.Lock()
		rw := p.rewrite
		p.rewrite = nil
		p.mu.Unlock()
		if rw == nil {
			w.Header().Set("Content-Type", "application/json")
			w.Write(rec.Body.Bytes())
			return
		}
		claims := jwt.MapClaims{}
		if _, _, err := jwt.NewParser().ParseUnverified(body["id_token"].(string), claims); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		key := rw(claims)
		if key == nil {
			key = p.m.Keypair
		}
		signed, err := key.SignJWT(claims)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		body["id_token"] = signed
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(body)
	})
}

func (p *provider) rewriteNext(f func(c jwt.MapClaims) *mockoidc.Keypair) {
	p.mu.Lock()
	p.rewrite = f
	p.mu.Unlock()
}

// ssoWorld is a server with two companies: ACME, whose provider vouches for
// acme.example, and OTHER; and the vendor.
type ssoWorld struct {
	*testServer
	idp    *provider
	vendor entitle.Actor
}

func newSSOWorld(t *testing.T, passwordLogin bool) *ssoWorld {
	t.Helper()
	ts := newServer(t, testNow)
	ts.importBatch(entitle.Batch{Companies: []entitle.Sourced[entitle.Company]{
		{Record: entitle.Company{Key: "VENDOR", Name: "Vendor", Kind: entitle.KindVendor}},
		{Record: entitle.Company{Key: "ACME", Name: "Acme Corp", Kind: entitle.KindCustomer}},
		{Record: entitle.Company{Key: "OTHER", Name: "Other Ltd", Kind: entitle.KindCustomer}},
	}}, nil)
	w := &ssoWorld{testServer: ts, idp: newProvider(t, ts),
		vendor: entitle.Actor{Company: "VENDOR", Vendor: true, Admin: true, Email: "admin@vendor.example"}}
	_, err := ts.svc.SSO.Set(context.Background(), w.vendor, "/vendor/sso", sso.Setting{Company: "ACME", Issuer: w.idp.m.Issuer(),
		ClientID: w.idp.m.ClientID, ClientSecret: w.idp.m.ClientSecret, Domains: []string{"acme.example, Acme-Labs.example"},
		PasswordLogin: passwordLogin, Check: true})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// flow is one browser's sign-in through single sign-on.
type flow struct {
	client   *http.Client
	start    response // POST /api/v1/sso/start
	callback string   // where the provider sent the browser back
	final    *http.Response
	body     string // of the callback's answer
}

// signIn starts a sign-in for email and has the provider sign in as user.
func (w *ssoWorld) signIn(t *testing.T, email string, user *mockoidc.MockUser) *flow {
	t.Helper()
	f := &flow{client: w.browser()}
	f.start = w.do(request{method: http.MethodPost, path: "/api/v1/sso/start", body: map[string]string{"email": email, "next": "/delegations"}, client: f.client})
	var ans struct{ Method, Redirect string }
	f.start.json(t, &ans)
	if f.start.status != http.StatusOK || ans.Method != "sso" {
		t.Fatalf("start %s: %d %s", email, f.start.status, f.start.body)
	}
	w.idp.m.QueueUser(user)
	res, err := f.client.Get(ans.Redirect)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound {
		t.Fatalf("the provider answered %d", res.StatusCode)
	}
	f.callback = res.Header.Get("Location")
	f.final, f.body = w.get(t, f.client, f.callback)
	return f
}

func (w *ssoWorld) get(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// me is GET /api/v1/me in f's browser: 200 when signed in.
func (w *ssoWorld) me(t *testing.T, f *flow) response {
	t.Helper()
	return w.do(request{method: http.MethodGet, path: "/api/v1/me", client: f.client})
}

func (f *flow) signedIn(t *testing.T, w *ssoWorld) {
	t.Helper()
	if f.final.StatusCode != http.StatusSeeOther || f.final.Header.Get("Location") != "/delegations" {
		t.Fatalf("callback: %d %s\n%s", f.final.StatusCode, f.final.Header.Get("Location"), f.body)
	}
	if res := w.me(t, f); res.status != http.StatusOK {
		t.Fatalf("not signed in after the callback: %d %s", res.status, res.body)
	}
}

func (f *flow) refused(t *testing.T, w *ssoWorld, message string) {
	t.Helper()
	if f.final.StatusCode != http.StatusUnauthorized || !strings.Contains(f.body, message) {
		t.Errorf("callback: %d, want 401 with %q\n%s", f.final.StatusCode, message, f.body)
	}
	if res := w.me(t, f); res.status != http.StatusUnauthorized {
		t.Errorf("signed in after a refused callback: %d %s", res.status, res.body)
	}
}

const refusedWords = "Single sign-on did not sign you in to the portal."

func mockUser(email string) *mockoidc.MockUser {
	return &mockoidc.MockUser{Subject: "sub-" + email, Email: email, EmailVerified: true}
}

// lastSSOEvent is the newest login.sso audit event.
func (w *ssoWorld) lastSSOEvent(t *testing.T) entitle.AuditEvent {
	t.Helper()
	evs, err := w.db.AuditEventsNewest(context.Background(), "", 0, 500)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if ev.Action == "login.sso" {
			return ev
		}
	}
	t.Fatal("no login.sso event")
	return entitle.AuditEvent{}
}

func TestSSOSignsInAnExistingUser(t *testing.T) {
	w := newSSOWorld(t, true)
	w.user("ACME", "ann@acme.example", true)
	f := w.signIn(t, "Ann@Acme.example", mockUser("ann@acme.example"))
	f.signedIn(t, w)
	var me struct {
		User struct {
			Email string
			Admin bool
		}
		Company struct{ Key string }
	}
	w.me(t, f).json(t, &me)
	if me.User.Email != "ann@acme.example" || !me.User.Admin || me.Company.Key != "ACME" {
		t.Errorf("/me: %+v", me)
	}
	if ev := w.lastSSOEvent(t); ev.Outcome != "ok" || ev.Actor != "ann@acme.example" || ev.Company != "ACME" {
		t.Errorf("audit: %+v", ev)
	}
	// The authorization request carried PKCE (S256), state and nonce.
	var ans struct{ Redirect string }
	f.start.json(t, &ans)
	u, _ := url.Parse(ans.Redirect)
	q := u.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("state") == "" || q.Get("nonce") == "" ||
		q.Get("redirect_uri") != w.srv.URL+"/sso/callback" || q.Get("login_hint") != "ann@acme.example" {
		t.Errorf("authorization request: %v", q)
	}
	// The replayed callback: the state was good once.
	g := &flow{client: w.browser()}
	g.final, g.body = w.get(t, g.client, f.callback)
	g.refused(t, w, "This sign-in has expired or was already used.")
}

func TestSSOJustInTimeMember(t *testing.T) {
	w := newSSOWorld(t, true)
	f := w.signIn(t, "new.person@acme-labs.example", &mockoidc.MockUser{Subject: "s-1", Email: "New.Person@acme-labs.example", EmailVerified: true})
	f.signedIn(t, w)
	u, err := w.db.UserByEmail(context.Background(), "new.person@acme-labs.example")
	if err != nil {
		t.Fatal(err)
	}
	if u.Company != "ACME" || u.Admin || u.Status != entitle.UserActive || u.PasswordHash != "" {
		t.Errorf("the new user: %+v", u)
	}
	// No password: a password sign-in is refused like a wrong one.
	res := w.do(request{method: http.MethodPost, path: "/api/v1/login", body: map[string]string{"email": u.Email, "password": testPassword}})
	if res.status != http.StatusUnauthorized || res.errCode() != "invalid_credentials" {
		t.Errorf("password sign-in of a user without a password: %d %s", res.status, res.body)
	}
	// A second sign-in finds the member.
	g := w.signIn(t, "new.person@acme-labs.example", mockUser("new.person@acme-labs.example"))
	g.signedIn(t, w)
}

func TestSSORefusals(t *testing.T) {
	w := newSSOWorld(t, true)
	w.user("OTHER", "olga@acme.example", false) // a user of another company with an address of ACME's domain
	w.user("ACME", "dora@acme.example", false)
	disabled := entitle.UserDisabled
	if err := w.db.SetUserStatus(context.Background(), "dora@acme.example", disabled, entitle.AuditEvent{At: testNow, Actor: "cli", Action: "user.disable", Outcome: "ok"}); err != nil {
		t.Fatal(err)
	}
	forger, err := mockoidc.RandomKeypair(2048)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		email   string
		user    *mockoidc.MockUser
		rewrite func(c jwt.MapClaims) *mockoidc.Keypair
		reason  string // in the audit event
	}{
		{"forged ID token", "eve@acme.example", mockUser("eve@acme.example"),
			func(c jwt.MapClaims) *mockoidc.Keypair { return forger }, "the ID token is not valid"},
		{"wrong audience", "eve@acme.example", mockUser("eve@acme.example"),
			func(c jwt.MapClaims) *mockoidc.Keypair { c["aud"] = "another-client"; return nil }, "audience"},
		{"expired", "eve@acme.example", mockUser("eve@acme.example"),
			func(c jwt.MapClaims) *mockoidc.Keypair {
				c["exp"] = testNow.Add(-time.Hour).Unix()
				return nil
			}, "expired"},
		{"another nonce", "eve@acme.example", mockUser("eve@acme.example"),
			func(c jwt.MapClaims) *mockoidc.Keypair { c["nonce"] = "not-this-sign-in"; return nil }, "nonce"},
		{"another issuer", "eve@acme.example", mockUser("eve@acme.example"),
			func(c jwt.MapClaims) *mockoidc.Keypair { c["iss"] = "https://evil.example"; return nil }, "different provider"},
		{"email of another domain", "eve@acme.example", mockUser("eve@elsewhere.example"), nil, "no longer vouches"},
		{"unverified email", "eve@acme.example", mockUser("eve@acme.example"),
			func(c jwt.MapClaims) *mockoidc.Keypair { c["email_verified"] = false; return nil }, "not verified"},
		{"user of another company", "olga@acme.example", mockUser("olga@acme.example"), nil, "another company"},
		{"disabled user", "dora@acme.example", mockUser("dora@acme.example"), nil, "disabled"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.rewrite != nil {
				w.idp.rewriteNext(tc.rewrite)
			}
			f := w.signIn(t, tc.email, tc.user)
			f.refused(t, w, refusedWords)
			if ev := w.lastSSOEvent(t); ev.Outcome != "refused" || !strings.Contains(ev.Detail, tc.reason) {
				t.Errorf("audit: %+v, want a refusal for %q", ev, tc.reason)
			}
		})
	}
	// Nobody was created, nothing changed.
	for _, e := range []string{"eve@acme.example", "eve@elsewhere.example"} {
		if _, err := w.db.UserByEmail(context.Background(), e); err == nil {
			t.Errorf("%s was created", e)
		}
	}
	if u, _ := w.db.UserByEmail(context.Background(), "olga@acme.example"); u.Company != "OTHER" {
		t.Errorf("olga moved: %+v", u)
	}
	// ACME's administrators never read of OTHER's user in their trail (R7).
	evs, err := w.db.AuditEventsNewest(context.Background(), "ACME", 0, 500)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		if strings.Contains(ev.Actor+ev.Detail, "olga") {
			t.Errorf("ACME's audit trail tells of another company's user: %+v", ev)
		}
	}
}

func TestSSOCallbackInAnotherBrowser(t *testing.T) {
	w := newSSOWorld(t, true)
	w.user("ACME", "ann@acme.example", false)
	c := w.browser()
	start := w.do(request{method: http.MethodPost, path: "/api/v1/sso/start", body: map[string]string{"email": "ann@acme.example"}, client: c})
	var ans struct{ Redirect string }
	start.json(t, &ans)
	w.idp.m.QueueUser(mockUser("ann@acme.example"))
	res, err := c.Get(ans.Redirect)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	// The victim's browser follows a link to the callback: it did not start
	// this sign-in (no cookie), so nobody is signed in there.
	f := &flow{client: w.browser()}
	f.final, f.body = w.get(t, f.client, res.Header.Get("Location"))
	f.refused(t, w, refusedWords)
	// And the state is spent.
	f.final, f.body = w.get(t, c, res.Header.Get("Location"))
	f.client = c
	f.refused(t, w, "This sign-in has expired or was already used.")
}

func TestSSOExpiredAndRemoved(t *testing.T) {
	w := newSSOWorld(t, true)
	w.user("ACME", "ann@acme.example", false)
	// A sign-in that stays at the provider past 10 minutes.
	c := w.browser()
	start := w.do(request{method: http.MethodPost, path: "/api/v1/sso/start", body: map[string]string{"email": "ann@acme.example"}, client: c})
	var ans struct{ Redirect string }
	start.json(t, &ans)
	w.idp.m.QueueUser(mockUser("ann@acme.example"))
	res, err := c.Get(ans.Redirect)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	w.clock.Advance(sso.DefaultLoginTTL + time.Second)
	f := &flow{client: c}
	f.final, f.body = w.get(t, c, res.Header.Get("Location"))
	f.refused(t, w, "This sign-in has expired or was already used.")
	w.idp.m.FastForward(sso.DefaultLoginTTL + time.Second)

	// The configuration removed while a sign-in is at the provider.
	start = w.do(request{method: http.MethodPost, path: "/api/v1/sso/start", body: map[string]string{"email": "ann@acme.example"}, client: c})
	start.json(t, &ans)
	w.idp.m.QueueUser(mockUser("ann@acme.example"))
	if res, err = c.Get(ans.Redirect); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if err := w.svc.SSO.Remove(context.Background(), w.vendor, "/vendor/sso", "ACME"); err != nil {
		t.Fatal(err)
	}
	f.final, f.body = w.get(t, c, res.Header.Get("Location"))
	f.refused(t, w, refusedWords)
	if ev := w.lastSSOEvent(t); !strings.Contains(ev.Detail, "no single sign-on any more") {
		t.Errorf("audit: %+v", ev)
	}
	// And now the domain signs in with a password again.
	start = w.do(request{method: http.MethodPost, path: "/api/v1/sso/start", body: map[string]string{"email": "ann@acme.example"}})
	if !bytes.Contains(start.body, []byte(`"method":"password"`)) {
		t.Errorf("start after removal: %s", start.body)
	}
}

// TestSSOStartTellsNothingAboutAccounts: the answer depends on the domain
// only.
func TestSSOStartTellsNothingAboutAccounts(t *testing.T) {
	w := newSSOWorld(t, true)
	w.user("ACME", "ann@acme.example", false)
	w.user("OTHER", "otto@other.example", false)
	shape := func(email string) string {
		res := w.do(request{method: http.MethodPost, path: "/api/v1/sso/start", body: map[string]string{"email": email}})
		var ans struct{ Method, Redirect string }
		res.json(t, &ans)
		u, _ := url.Parse(ans.Redirect)
		q := u.Query()
		for _, k := range []string{"state", "nonce", "code_challenge", "login_hint"} {
			q.Del(k)
		}
		u.RawQuery = q.Encode()
		return res.header.Get("Content-Type") + " " + ans.Method + " " + u.String()
	}
	if a, b := shape("ann@acme.example"), shape("nobody@acme.example"); a != b {
		t.Errorf("an account and none at an SSO domain answer differently:\n%s\n%s", a, b)
	}
	if a, b := shape("otto@other.example"), shape("nobody@other.example"); a != b || !strings.Contains(a, "password") {
		t.Errorf("an account and none elsewhere answer differently:\n%s\n%s", a, b)
	}
	for email, code := range map[string]string{"": "email_required", "not an address": "invalid_email"} {
		res := w.do(request{method: http.MethodPost, path: "/api/v1/sso/start", body: map[string]string{"email": email}})
		if res.status != http.StatusUnprocessableEntity || res.errCode() != code {
			t.Errorf("start %q: %d %s", email, res.status, res.body)
		}
	}
}

// TestSSOOnlyRefusesPasswords: a company that forbids passwords — the same
// answer as a wrong password, for the right one.
func TestSSOOnlyRefusesPasswords(t *testing.T) {
	w := newSSOWorld(t, false)
	w.user("ACME", "ann@acme.example", false)
	w.user("OTHER", "otto@other.example", false)
	right := w.do(request{method: http.MethodPost, path: "/api/v1/login", body: map[string]string{"email": "ann@acme.example", "password": testPassword}})
	wrong := w.do(request{method: http.MethodPost, path: "/api/v1/login", body: map[string]string{"email": "ann@acme.example", "password": "not the password at all"}})
	if right.status != http.StatusUnauthorized || string(right.body) != string(wrong.body) {
		t.Errorf("the right password of an SSO-only company: %d %s; a wrong one: %s", right.status, right.body, wrong.body)
	}
	if res := w.do(request{method: http.MethodPost, path: "/api/v1/login", body: map[string]string{"email": "otto@other.example", "password": testPassword}}); res.status != http.StatusOK {
		t.Errorf("another company's password sign-in: %d %s", res.status, res.body)
	}
	w.signIn(t, "ann@acme.example", mockUser("ann@acme.example")).signedIn(t, w)
}

// TestSSOConfiguration: domains are one company's; the vendor's page and
// the service refuse what is wrong, naming it, and change nothing.
func TestSSOConfiguration(t *testing.T) {
	w := newSSOWorld(t, true)
	ctx := context.Background()
	set := func(st sso.Setting) error {
		_, err := w.svc.SSO.Set(ctx, w.vendor, "/vendor/sso", st)
		return err
	}
	err := set(sso.Setting{Company: "OTHER", Issuer: w.idp.m.Issuer(), ClientID: "c", ClientSecret: "s", Domains: []string{"other.example,acme.example"}})
	if err == nil || !strings.Contains(err.Error(), "acme.example is already vouched for by company ACME") {
		t.Errorf("a domain of two companies: %v", err)
	}
	if _, _, err := w.db.SSOConfig(ctx, "OTHER"); err == nil {
		t.Error("the refused configuration was recorded")
	}
	err = set(sso.Setting{Company: "OTHER", Issuer: "ftp://x", ClientID: "", Domains: []string{"not a domain"}})
	for _, want := range []string{"issuer", "client_id", "domains"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("bad setting: %v (want a problem with %s)", err, want)
		}
	}
	err = set(sso.Setting{Company: "OTHER", Issuer: "http://127.0.0.1:1/nothing", ClientID: "c", ClientSecret: "s", Domains: []string{"other.example"}, Check: true})
	if err == nil || !strings.Contains(err.Error(), "discovery") {
		t.Errorf("an issuer that does not answer: %v", err)
	}
	err = set(sso.Setting{Company: "OTHER", Issuer: w.idp.m.Issuer(), ClientID: "c", Domains: []string{"other.example"}})
	if err == nil || !strings.Contains(err.Error(), "client secret is required") {
		t.Errorf("no secret: %v", err)
	}
	// The secret is sealed at rest.
	_, sealed, err := w.db.SSOConfig(ctx, "ACME")
	if err != nil || strings.Contains(sealed, w.idp.m.ClientSecret) || !strings.HasPrefix(sealed, "v1:") {
		t.Errorf("the stored secret: %q %v", sealed, err)
	}
	// Only the vendor's administrators.
	member := entitle.Actor{Company: "VENDOR", Vendor: true, Email: "m@vendor.example"}
	if _, err := w.svc.SSO.Set(ctx, member, "/vendor/sso", sso.Setting{Company: "OTHER"}); err == nil || !strings.Contains(err.Error(), "administrators") {
		t.Errorf("a vendor member: %v", err)
	}
	other := entitle.Actor{Company: "ACME", Admin: true, Email: "a@acme.example"}
	if _, err := w.svc.SSO.Configs(ctx, other, "/vendor/sso"); err == nil || !strings.Contains(err.Error(), "There is no page at /vendor/sso") {
		t.Errorf("another company: %v", err)
	}
}

// TestSSOPortal: the sign-in page's email step sends an SSO domain to its
// provider (through a page that moves on by itself), and any other address
// to the password.
func TestSSOPortal(t *testing.T) {
	w := newSSOWorld(t, true)
	w.user("ACME", "ann@acme.example", false)
	w.user("OTHER", "otto@other.example", false)
	form := func(c *http.Client, v url.Values) (*http.Response, string) {
		res, err := c.PostForm(w.srv.URL+"/login", v)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	c := w.browser()
	res, body := form(c, url.Values{"email": {"ann@acme.example"}, "next": {"/orders"}})
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `http-equiv="refresh"`) || !strings.Contains(body, w.idp.m.Issuer()) {
		t.Fatalf("email step of an SSO domain: %d\n%s", res.StatusCode, body)
	}
	i := strings.Index(body, `id="sso-continue" href="`)
	if i < 0 {
		t.Fatalf("no link to continue:\n%s", body)
	}
	link := body[i+len(`id="sso-continue" href="`):]
	link = html.UnescapeString(link[:strings.IndexByte(link, '"')])
	w.idp.m.QueueUser(mockUser("ann@acme.example"))
	r2, err := c.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	final, _ := w.get(t, c, r2.Header.Get("Location"))
	if final.StatusCode != http.StatusSeeOther || final.Header.Get("Location") != "/orders" {
		t.Errorf("callback: %d %s", final.StatusCode, final.Header.Get("Location"))
	}
	// Another domain: the password step, for an account and for none alike.
	_, a := form(w.browser(), url.Values{"email": {"otto@other.example"}})
	_, b := form(w.browser(), url.Values{"email": {"nobody@other.example"}})
	if !strings.Contains(a, "Enter your password to sign in.") || strings.ReplaceAll(a, "otto", "nobody") != b {
		t.Errorf("password step:\n%s\n---\n%s", a, b)
	}
	// Email and password in one post, as before.
	res, _ = form(w.browser(), url.Values{"email": {"otto@other.example"}, "password": {testPassword}})
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("password sign-in: %d", res.StatusCode)
	}
}

// TestVendorSSOPage: the vendor's administrators set, change and remove a
// company's single sign-on on Vendor › Single sign-on; what is wrong is
// named next to its field and changes nothing; the vendor's members see
// the page only; to anybody else there is no such page.
func TestVendorSSOPage(t *testing.T) {
	w := newWorld(t)
	idp := newProvider(t, w.testServer)
	admin := vendSignIn(t, w, "admin@maker.example")
	st, body := admin.get("/vendor/sso")
	if st != http.StatusOK || !strings.Contains(body, "No company signs in with single sign-on yet") ||
		!strings.Contains(body, w.srv.URL+"/sso/callback") {
		t.Fatalf("the empty page: %d\n%s", st, body)
	}
	form := url.Values{"company": {"PLANT"}, "issuer": {idp.m.Issuer()}, "client_id": {idp.m.ClientID},
		"client_secret": {idp.m.ClientSecret}, "domains": {"plant.example, Plant.de"}, "password_login": {"1"}}
	st, _, h := admin.post("/vendor/sso", form)
	if st != http.StatusSeeOther || h.Get("Location") != "/vendor/sso" {
		t.Fatalf("set: %d %v", st, h)
	}
	_, body = admin.get("/vendor/sso")
	if !strings.Contains(body, "Single sign-on is set for PLANT: addresses of plant.de, plant.example now sign in at") ||
		!strings.Contains(body, "<td>PLANT</td>") {
		t.Errorf("after setting:\n%s", body)
	}
	for _, tc := range []struct {
		name  string
		form  url.Values
		field string
		want  string
	}{
		{"a domain of another company", url.Values{"company": {"NORTH"}, "issuer": {idp.m.Issuer()}, "client_id": {"x"}, "client_secret": {"y"}, "domains": {"plant.de"}},
			"sso-domains", "plant.de is already vouched for by company PLANT"},
		{"no issuer", url.Values{"company": {"NORTH"}, "issuer": {"north"}, "client_id": {"x"}, "client_secret": {"y"}, "domains": {"north.example"}},
			"sso-issuer", "is not an issuer URL"},
		{"an issuer that does not answer", url.Values{"company": {"NORTH"}, "issuer": {"http://127.0.0.1:1/none"}, "client_id": {"x"}, "client_secret": {"y"}, "domains": {"north.example"}},
			"sso-issuer", "did not answer its OpenID discovery document"},
		{"no secret the first time", url.Values{"company": {"NORTH"}, "issuer": {idp.m.Issuer()}, "client_id": {"x"}, "domains": {"north.example"}},
			"sso-client-secret", "the client secret is required"},
		{"no company", url.Values{"company": {"NOPE"}, "issuer": {idp.m.Issuer()}, "client_id": {"x"}, "client_secret": {"y"}, "domains": {"nope.example"}},
			"sso-company", "There is no company with key NOPE."},
	} {
		st, body, _ := admin.post("/vendor/sso", tc.form)
		body = html.UnescapeString(body)
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, `id="`+tc.field+`-error" role="alert">`) || !hasMessage(body, tc.want) {
			t.Errorf("%s: %d, want 422 with %q at #%s", tc.name, st, tc.want, tc.field)
		}
	}
	if _, _, err := w.db.SSOConfig(context.Background(), "NORTH"); err == nil {
		t.Error("a refused form recorded a configuration")
	}
	// Changing: the form starts from what is recorded; the secret is kept.
	_, body = admin.get("/vendor/sso?company=PLANT")
	if !strings.Contains(body, `value="`+idp.m.Issuer()+`"`) || !strings.Contains(body, `value="plant.de, plant.example"`) {
		t.Errorf("the change form does not start from the record")
	}
	form.Del("client_secret")
	form.Del("password_login")
	if st, _, _ := admin.post("/vendor/sso", form); st != http.StatusSeeOther {
		t.Errorf("change without the secret: %d", st)
	}
	if ok, _ := w.db.PasswordLoginAllowed(context.Background(), "PLANT"); ok {
		t.Error("password sign-in still allowed after unticking it")
	}
	// The vendor's member sees; others find no page.
	member := vendSignIn(t, w, "member@maker.example")
	if st, body := member.get("/vendor/sso"); st != http.StatusOK || !strings.Contains(body, "You can see this page, but") || strings.Contains(body, `id="sso-form"`) {
		t.Errorf("a vendor member's page: %d", st)
	}
	if st, _, _ := member.post("/vendor/sso/PLANT/remove", nil); st != http.StatusForbidden {
		t.Errorf("a vendor member removes: %d", st)
	}
	// (PLANT's users sign in with single sign-on only now.)
	north := vendSignIn(t, w, "admin@north.example")
	if st, body := north.get("/vendor/sso"); st != http.StatusNotFound || !strings.Contains(body, "There is no page at /vendor/sso.") {
		t.Errorf("another company's administrator: %d", st)
	}
	// Remove.
	if st, _, _ := admin.post("/vendor/sso/PLANT/remove", nil); st != http.StatusSeeOther {
		t.Errorf("remove: %d", st)
	}
	if _, body := admin.get("/vendor/sso"); !strings.Contains(body, "Single sign-on is removed for PLANT") || !strings.Contains(body, "No company signs in") {
		t.Errorf("after removing:\n%s", body)
	}
}

// TestSSOCallbackLimited: refused callbacks count against the client's
// address; past the limit even a good one waits (429), and the audit trail
// stops growing.
func TestSSOCallbackLimited(t *testing.T) {
	w := newSSOWorld(t, true)
	w.user("ACME", "ann@acme.example", false)
	c := w.browser()
	for i := range sso.DefaultStartLimit.N {
		res, _ := w.get(t, c, w.srv.URL+"/sso/callback?state=forged&code=x")
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("refusal %d: %d", i, res.StatusCode)
		}
	}
	res, body := w.get(t, c, w.srv.URL+"/sso/callback?state=forged&code=x")
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || !strings.Contains(body, "refused single sign-ons from your address") {
		t.Errorf("past the limit: %d %s", res.StatusCode, res.Header)
	}
}

// TestSSOThenSecondFactor: a user with two-factor sign-in who signs in
// through the company's provider gives the code after it, as after a
// password: the callback opens no session by itself.
func TestSSOThenSecondFactor(t *testing.T) {
	w := newSSOWorld(t, true)
	token := w.user("ACME", "ann@acme.example", true)
	// Set up through the service: the API's set-up takes a session, not a
	// token, and this company signs in through its provider.
	ann, _, err := w.svc.Accounts.ByToken(t.Context(), token)
	if err != nil {
		t.Fatal(err)
	}
	e, err := w.svc.Accounts.StartTOTP(t.Context(), ann)
	if err != nil {
		t.Fatal(err)
	}
	code := func() string {
		c, err := accounts.TOTPCode(e.Secret, w.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if _, err := w.svc.Accounts.ConfirmTOTP(t.Context(), ann, code(), "192.0.2.1"); err != nil {
		t.Fatalf("two-factor set-up: %v", err)
	}
	w.clock.Advance(time.Minute) // the set-up's code is spent
	f := w.signIn(t, "ann@acme.example", mockUser("ann@acme.example"))
	if loc := f.final.Header.Get("Location"); f.final.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/login/two-factor?") {
		t.Fatalf("callback: %d to %q, want the second step", f.final.StatusCode, loc)
	}
	if res := w.me(t, f); res.status != http.StatusUnauthorized {
		t.Fatalf("signed in by the provider alone: %d", res.status)
	}
	res := w.do(request{method: http.MethodPost, path: "/login/two-factor", client: f.client,
		header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
		body:   url.Values{"code": {code()}, "next": {"/delegations"}}.Encode()})
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/delegations" {
		t.Fatalf("the code: %d %s %s", res.status, res.header.Get("Location"), clip(res.body))
	}
	if res := w.me(t, f); res.status != http.StatusOK {
		t.Errorf("after the code: %d", res.status)
	}
}
