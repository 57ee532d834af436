package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/demo"
	"github.com/entitle-portal/entitle/internal/store"
	"github.com/entitle-portal/entitle/internal/store/storetest"
)

// syncBuffer is a bytes.Buffer safe for a writer and a reader at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// served is `entitle serve` running in-process through run, as main runs it.
type served struct {
	url    string
	stdout *syncBuffer
	stderr *syncBuffer
	stop   func() int // cancels the context (SIGTERM) and returns the exit code
}

// defaultMetricsAddr in serveEnv's environ: no --metrics-addr on the
// command line (not a variable serve reads).
const defaultMetricsAddr = "TEST_DEFAULT_METRICS_ADDR"

func serve(t *testing.T, db string, args ...string) served {
	t.Helper()
	return serveEnv(t, db, nil, args...)
}

// serveEnv is serve with more environment variables than ENTITLE_DB. The
// metrics listener takes a free port: tests (and other test binaries) run
// side by side; unless environ has defaultMetricsAddr, when serve keeps its
// own default.
func serveEnv(t *testing.T, db string, environ map[string]string, args ...string) served {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, errb := &syncBuffer{}, &syncBuffer{}
	getenv := func(k string) string {
		if k == "ENTITLE_DB" {
			return db
		}
		return environ[k]
	}
	code := make(chan int, 1)
	go func() {
		base := []string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0", "--outbox", filepath.Join(t.TempDir(), "outbox")}
		if environ[defaultMetricsAddr] != "" { // the test asks for serve's own default
			base = slices.Delete(base, 3, 5)
		}
		code <- runAt(ctx, append(base, args...),
			getenv, strings.NewReader(""), out, errb, time.Now)
	}()
	re := regexp.MustCompile(`serving (http://127\.0\.0\.1:\d+)`)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			s := served{url: m[1], stdout: out, stderr: errb}
			var once sync.Once
			var exit int
			s.stop = func() int {
				once.Do(func() { cancel(); exit = <-code })
				return exit
			}
			t.Cleanup(func() { s.stop() })
			return s
		}
		select {
		case c := <-code:
			cancel()
			t.Fatalf("serve exited with %d: %s%s", c, out.String(), errb.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("serve printed no address: %s%s", out.String(), errb.String())
	return served{}
}

// TestServeDemo: `serve --demo` on a fresh database seeds the demo channel,
// prints one login per role as EMAIL / PASSWORD, and each login works over
// real HTTP; SIGTERM stops it gracefully with every audit event committed.
func TestServeDemo(t *testing.T) {
	db := storetest.DSN(t)
	s := serve(t, db, "--demo")
	out := s.stdout.String()
	ch := demo.New(entitle.DateOf(time.Now()))
	logins := demo.Logins(ch)
	if len(logins) < 6 {
		t.Fatalf("only %d demo logins", len(logins))
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	for _, l := range logins {
		line := l.Email + " / " + demo.Password
		if !strings.Contains(out, line) {
			t.Errorf("the demo output lacks %q:\n%s", line, out)
		}
		body, _ := json.Marshal(map[string]string{"email": l.Email, "password": l.Password})
		res, err := client.Post(s.url+"/api/v1/login", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("login %s: %d", l.Email, res.StatusCode)
			continue
		}
		res, err = client.Get(s.url + "/api/v1/entitlements?limit=500")
		if err != nil {
			t.Fatal(err)
		}
		var page struct{ Items []struct{ Access []string } }
		json.NewDecoder(res.Body).Decode(&page)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("%s lists: %d", l.Email, res.StatusCode)
		}
		t.Logf("%s (%s) sees %d entitlements", l.Email, l.Role, len(page.Items))
	}
	res, err := http.Get(s.url + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(page), `action="/login"`) {
		t.Errorf("/ is not a sign-in page: %s", page)
	}
	if code := s.stop(); code != 0 {
		t.Fatalf("serve exited with %d: %s", code, s.stderr.String())
	}
	if !strings.Contains(s.stdout.String(), "entitle stopped.") {
		t.Errorf("no clean stop: %s", s.stdout.String())
	}
	// Every login and list above was audited before it was answered.
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	events, err := st.AuditEvents(context.Background(), "", 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, e := range events {
		n[e.Action]++
	}
	if n["login"] != len(logins) || n["entitlement.list"] != len(logins) {
		t.Errorf("audit: %d logins, %d lists; want %d each", n["login"], n["entitlement.list"], len(logins))
	}
	// A second --demo run on the same database starts again with the same logins.
	s2 := serve(t, db, "--demo")
	if !strings.Contains(s2.stdout.String(), logins[0].Email+" / "+demo.Password) {
		t.Errorf("second run: %s", s2.stdout.String())
	}
	s2.stop()
}

// TestServeDemoRefusesOtherData: --demo never mixes the demo channel into a
// database that holds something else.
func TestServeDemoRefusesOtherData(t *testing.T) {
	db := newWorld(t)
	before := snapshot(t, db)
	r := cli(t, db, "", "serve", "--demo", "--addr", "127.0.0.1:0")
	if r.code != 1 || !strings.Contains(r.stderr, "already holds other data") {
		t.Errorf("serve --demo on another database: %d %s", r.code, r.stderr)
	}
	if after := snapshot(t, db); after != before {
		t.Error("serve --demo changed the database")
	}
}

// TestServeAPIWithToken: the CLI's tokens work against the served API;
// `token revoke` and `user disable` take effect on the next request.
func TestServeAPIWithToken(t *testing.T) {
	db := newWorld(t)
	if r := cli(t, db, "correct horse battery\n", "user", "add", "--company", "SHOP", "--email", "ann@shop.example", "--name", "Ann", "--password-stdin"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	token := strings.TrimSpace(cli(t, db, "", "token", "create", "--email", "ann@shop.example").stdout)
	s := serve(t, db)
	get := func(path string) int {
		req, _ := http.NewRequest("GET", s.url+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if st := get("/api/v1/entitlements/S-100"); st != http.StatusOK {
		t.Fatalf("get: %d", st)
	}
	if r := cli(t, db, "", "user", "disable", "--email", "ann@shop.example"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if st := get("/api/v1/me"); st != http.StatusUnauthorized {
		t.Errorf("disabled: %d", st)
	}
	if r := cli(t, db, "", "user", "enable", "--email", "ann@shop.example"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if st := get("/api/v1/me"); st != http.StatusOK {
		t.Errorf("enabled: %d", st)
	}
	if r := cli(t, db, "", "token", "revoke", "--email", "ann@shop.example"); r.code != 0 || !strings.Contains(r.stdout, "revoked 1 token") {
		t.Fatalf("revoke: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if st := get("/api/v1/me"); st != http.StatusUnauthorized {
		t.Errorf("revoked: %d", st)
	}
}

// TestServeLowLevelErrorsAreJSON: serve answers the errors net/http writes
// by itself as JSON too — here header fields larger than its 64 KiB, over a
// real connection.
func TestServeLowLevelErrorsAreJSON(t *testing.T) {
	s := serve(t, storetest.DSN(t))
	c, err := net.Dial("tcp", strings.TrimPrefix(s.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	go io.WriteString(c, "GET /api/v1/entitlements?sku="+strings.Repeat("A", 100<<10)+" HTTP/1.1\r\nHost: x\r\n\r\n")
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		Error struct{ Code, Message string }
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil || res.StatusCode != http.StatusRequestHeaderFieldsTooLarge ||
		!strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") || body.Error.Code != "header_too_large" {
		t.Errorf("a query string over the limit: %d %s %+v %v", res.StatusCode, res.Header.Get("Content-Type"), body, err)
	}
}
