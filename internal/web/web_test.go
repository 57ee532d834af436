package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/auth"
	"github.com/entitle-portal/entitle/internal/clocktest"
	"github.com/entitle-portal/entitle/internal/mail"
	"github.com/entitle-portal/entitle/internal/store"
	"github.com/entitle-portal/entitle/internal/store/storetest"
	"github.com/entitle-portal/entitle/internal/web"
	"github.com/entitle-portal/entitle/internal/web/webtest"
)

// This file holds the harness of the web tests: a real store (a SQLite file
// in the test's temporary directory), the real server behind a real HTTP
// listener (httptest), a settable clock, and mail written to an outbox
// folder. Every answer any test receives is also checked by the hooks in
// responseHooks (openapi_test.go checks it against the OpenAPI document).

// responseHooks see every response of every test request.
var responseHooks []func(t testing.TB, req *http.Request, status int, header http.Header, body []byte)

// testServer is a running server on a fresh store.
type testServer struct {
	t      testing.TB
	db     *store.DB
	srv    *httptest.Server
	web    *web.Server
	svc    *webtest.Services
	clock  *clocktest.Clock
	outbox string
}

// testNow is the tests' "now" unless a test loads a world with its own.
var testNow = time.Date(2026, 6, 15, 10, 0, 0, 0, time.UTC)

func newServer(t testing.TB, now time.Time) *testServer {
	return newServerWith(t, now, nil)
}

// newServerWith is newServer with options changed by configure (e.g.
// another Mailer, tighter rate limits) before the server starts.
func newServerWith(t testing.TB, now time.Time, configure func(*webtest.Options)) *testServer {
	t.Helper()
	return newServerOn(t, storetest.New(t), now, configure)
}

// newServerOn is newServerWith on a store of the test's own (e.g. one
// reached through a proxy it can cut).
func newServerOn(t testing.TB, db *store.DB, now time.Time, configure func(*webtest.Options)) *testServer {
	t.Helper()
	clk := clocktest.New(now)
	outbox := t.TempDir()
	o := webtest.Options{Now: clk.Now, BaseURL: "http://portal.example",
		Mailer: mail.Outbox{Dir: outbox, From: "portal@vendor.example", Now: clk.Now}}
	if configure != nil {
		configure(&o)
	}
	s, svc, err := webtest.New(context.Background(), db, o)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(func() {
		srv.Close()
		svc.Coworkers.Close()
		svc.Accounts.Close()
	})
	return &testServer{t: t, db: db, srv: srv, web: s, svc: svc, clock: clk, outbox: outbox}
}

// importBatch loads records into the store, failing the test on any problem.
func (ts *testServer) importBatch(b entitle.Batch, ds []entitle.Delegation) {
	ts.t.Helper()
	ctx := context.Background()
	_, problems, err := ts.db.Import(ctx, b, entitle.ImportOptions{}, ts.clock.Now())
	if err != nil || len(problems) > 0 {
		ts.t.Fatalf("import: %v %v", err, problems)
	}
	if err := ts.db.AddDelegations(ctx, ds); err != nil {
		ts.t.Fatal(err)
	}
}

// testPassword is every test user's password.
const testPassword = "correct horse battery staple"

var (
	hashOnce sync.Once
	hashed   string
)

// passwordHash hashes testPassword once for the whole test binary:
// argon2id is slow by design.
func passwordHash(t testing.TB) string {
	hashOnce.Do(func() {
		var err error
		if hashed, err = auth.HashPassword(testPassword); err != nil {
			t.Fatal(err)
		}
	})
	return hashed
}

// user adds a user of company and returns an API token for it.
func (ts *testServer) user(company, email string, admin bool) string {
	ts.t.Helper()
	ctx := context.Background()
	u, err := ts.db.AddUser(ctx, entitle.User{Email: email, Name: strings.Split(email, "@")[0], Company: company, Admin: admin},
		passwordHash(ts.t), ts.clock.Now())
	if err != nil {
		ts.t.Fatal(err)
	}
	token, hash, err := auth.NewToken()
	if err != nil {
		ts.t.Fatal(err)
	}
	if _, err := ts.db.AddToken(ctx, u.ID, "test", hash, entitle.AllScopes, ts.clock.Now(), time.Time{}, entitle.AuditEvent{}); err != nil {
		ts.t.Fatal(err)
	}
	return token
}

// response is an answer as a test sees it.
type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into v, failing the test if it is not JSON.
func (r response) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("status %d, body %q: %v", r.status, r.body, err)
	}
}

// errCode is the error code of an error answer, "" for anything else.
func (r response) errCode() string {
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	json.Unmarshal(r.body, &e)
	return e.Error.Code
}

// errMessage is the message of an error answer.
func (r response) errMessage() string {
	var e struct {
		Error struct{ Message string } `json:"error"`
	}
	json.Unmarshal(r.body, &e)
	return e.Error.Message
}

// request is one test request.
type request struct {
	method, path string
	token        string            // Authorization: Bearer
	body         any               // JSON-encoded unless a string or []byte (sent as is)
	header       map[string]string // extra headers
	client       *http.Client      // e.g. one with a cookie jar; the default client otherwise
}

func (ts *testServer) do(r request) response {
	ts.t.Helper()
	return ts.doAs(ts.t, r)
}

// doAs is do for t, e.g. a subtest: a request that fails to go through
// fails t.
func (ts *testServer) doAs(t testing.TB, r request) response {
	t.Helper()
	return ts.doAllAs(t, r)[0]
}

// doAll sends the requests at once and returns their answers, in order;
// each is checked by the hooks like do's.
func (ts *testServer) doAll(rs ...request) []response {
	ts.t.Helper()
	return ts.doAllAs(ts.t, rs...)
}

// doAllAs is doAll for t.
func (ts *testServer) doAllAs(t testing.TB, rs ...request) []response {
	t.Helper()
	reqs := make([]*http.Request, len(rs))
	for i, r := range rs {
		reqs[i] = ts.newRequest(t, r)
	}
	out := make([]response, len(rs))
	errs := make([]error, len(rs))
	var wg sync.WaitGroup
	for i, r := range rs {
		c := r.client
		if c == nil {
			c = ts.srv.Client()
		}
		wg.Go(func() {
			res, err := c.Do(reqs[i])
			if err != nil {
				errs[i] = err
				return
			}
			defer res.Body.Close()
			data, err := io.ReadAll(res.Body)
			out[i], errs[i] = response{status: res.StatusCode, header: res.Header, body: data}, err
		})
	}
	wg.Wait()
	for i, res := range out {
		if errs[i] != nil {
			t.Fatalf("%s %s: %v", rs[i].method, rs[i].path, errs[i])
		}
		for _, h := range responseHooks {
			h(t, reqs[i], res.status, res.header, res.body)
		}
	}
	return out
}

// newRequest builds the HTTP request of r.
func (ts *testServer) newRequest(t testing.TB, r request) *http.Request {
	t.Helper()
	var body io.Reader
	switch b := r.body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequest(r.method, ts.srv.URL+r.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	for k, v := range r.header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	return req
}

// get is a GET with a token.
func (ts *testServer) get(path, token string) response {
	ts.t.Helper()
	return ts.do(request{method: http.MethodGet, path: path, token: token})
}

// browser returns a client with a cookie jar that does not follow redirects.
func (ts *testServer) browser() *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		ts.t.Fatal(err)
	}
	c := *ts.srv.Client()
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}
