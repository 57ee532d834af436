package web_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/auth"
	"github.com/entitle-portal/entitle/internal/benchgen"
	"github.com/entitle-portal/entitle/internal/importer"
	"github.com/entitle-portal/entitle/internal/loadtest"
	"github.com/entitle-portal/entitle/internal/store"
	"github.com/entitle-portal/entitle/internal/web/webtest"
)

// BenchmarkHTTP is question 5 of BENCHMARK.md: requests/s and p50/p99 of
// the API over loopback under a concurrent closed-loop load generator
// (internal/loadtest), next to a bare net/http handler returning a fixed JSON
// body, measured in the same run. It runs only when ENTITLE_BENCH_SCALE is
// set, on the standard channel at that scale, in the SQLite file that the
// store's benchmarks keep under ENTITLE_BENCH_DIR (bench-<scale>.db, reused
// when it holds the whole channel, else built the same way), or, like them,
// in the database ENTITLE_BENCH_DSN names (PostgreSQL). It adds to that
// file the users it needs (u1@… of the companies it asks for, from
// benchgen) and an API token for each, derived from a secret kept in the
// database so that reruns find them; every request it makes is audited there
// too, as in production.
//
// Each sub-benchmark runs ENTITLE_BENCH_CONC workers (default 16) for a
// warm-up (ENTITLE_BENCH_WARMUP, default 2s) and then ENTITLE_BENCH_DURATION
// (default 10s), whatever b.N is: run it with -benchtime=1x. ns/op is
// suppressed; the metrics are req/s, p50-µs, p99-µs and, for the API routes,
// pct-of-bare (req/s as a percentage of the bare handler's, measured first in
// the same process). Every answer is checked; a wrong one fails the run.
//
//	ENTITLE_BENCH_SCALE=1 ENTITLE_BENCH_DIR=/tmp/eb go test -run xxx -bench HTTP -benchtime 1x -timeout 60m ./internal/web/
func BenchmarkHTTP(b *testing.B) {
	if os.Getenv("ENTITLE_BENCH_SCALE") == "" {
		b.Skip("set ENTITLE_BENCH_SCALE to run the HTTP benchmark (see BENCHMARKS.md)")
	}
	w := httpWorld(b)
	cfg := loadConfig(b)
	api := serveLoopback(b, w.server(b))
	bare := serveLoopback(b, loadtest.BareHandler())
	httpRoutes(b, w, cfg, []string{api}, []string{bare}, nil, nil)
}

// httpRoutes measures bare, get and list-first-page as sub-benchmarks of b,
// each once whatever b.N: bare against the servers at bare, the API's routes
// against those at api (base URLs; with several, the workers' connections
// are spread over them round-robin, see loadtest.Config.Hosts). pct-of-bare
// is an API route's req/s as a percentage of bare's, measured first in the
// same process. bareWatch and apiWatch, when not nil, watch the processes
// serving each (their CPU and memory) during every run.
func httpRoutes(b *testing.B, w httpBenchWorld, cfg loadtest.Config, api, bare []string, bareWatch, apiWatch *procWatch) {
	reseller := w.tokens[w.largestReseller]
	// The bare handler gets the same requests as the API's get (path and
	// headers), so that the two differ only in the server's work.
	bareTargets := func() []loadtest.Target {
		gets := w.getTargets(b, bare[0])
		for i := range gets {
			gets[i] = loadtest.Target{Req: gets[i].Req, Status: http.StatusOK, Contains: []byte(`"subscription_id"`)}
		}
		return gets
	}
	type measured struct {
		res     loadtest.Result
		watched []benchMetric
	}
	measure := func(b *testing.B, bases []string, targets []loadtest.Target, watch *procWatch) measured {
		c := cfg
		c.Targets = targets
		if len(bases) > 1 {
			for _, base := range bases {
				c.Hosts = append(c.Hosts, strings.TrimPrefix(base, "http://"))
			}
		}
		runtime.GC()
		if watch != nil {
			watch.begin(b)
		}
		b.ResetTimer()
		res, err := loadtest.Run(context.Background(), c)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		m := measured{res: res}
		if watch != nil {
			m.watched = watch.end(b)
		}
		b.Logf("%d workers on %d servers, %v after a %v warm-up: %v", c.Workers, len(bases), c.Duration, c.Warmup, res)
		return m
	}
	var bareRate float64
	run := func(b *testing.B, cached **measured, bases []string, targets []loadtest.Target, watch *procWatch) loadtest.Result {
		if *cached == nil { // once per b.Run, whatever b.N
			m := measure(b, bases, targets, watch)
			*cached = &m
		}
		m := **cached
		b.ReportMetric(0, "ns/op") // the run's length, not a cost per operation
		b.ReportMetric(m.res.PerSecond(), "req/s")
		b.ReportMetric(float64(m.res.Quantile(0.50).Nanoseconds())/1e3, "p50-µs")
		b.ReportMetric(float64(m.res.Quantile(0.99).Nanoseconds())/1e3, "p99-µs")
		for _, x := range m.watched {
			b.ReportMetric(x.value, x.unit)
		}
		return m.res
	}
	var bareRes, getRes, listRes *measured
	b.Run("bare", func(b *testing.B) {
		bareRate = run(b, &bareRes, bare, bareTargets(), bareWatch).PerSecond()
	})
	if bareRate == 0 { // bare was filtered out: measure it anyway, first
		b.Log("bare (not reported):")
		bareRate = measure(b, bare, bareTargets(), nil).res.PerSecond()
	}
	b.Run("get", func(b *testing.B) {
		var targets []loadtest.Target
		for _, base := range api { // every server answers every get right
			targets = w.getTargets(b, base)
			checkGets(b, targets)
		}
		res := run(b, &getRes, api, targets, apiWatch)
		b.ReportMetric(100*res.PerSecond()/bareRate, "pct-of-bare")
	})
	b.Run("list-first-page", func(b *testing.B) {
		var req *http.Request
		for _, base := range api {
			req = newGet(b, base+"/api/v1/entitlements?limit=100", reseller)
			checkFirstPage(b, req)
		}
		res := run(b, &listRes, api, []loadtest.Target{{Req: req, Status: http.StatusOK, Contains: []byte(`"items":[{"subscription_id"`)}}, apiWatch)
		b.ReportMetric(100*res.PerSecond()/bareRate, "pct-of-bare")
	})
}

// loadConfig reads the workers, warm-up and duration from the environment.
func loadConfig(b *testing.B) loadtest.Config {
	c := loadtest.Config{Workers: 16, Warmup: 2 * time.Second, Duration: 10 * time.Second}
	if s := os.Getenv("ENTITLE_BENCH_CONC"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			b.Fatalf("ENTITLE_BENCH_CONC=%q: want a number of workers", s)
		}
		c.Workers = n
	}
	for _, v := range []struct {
		name string
		dst  *time.Duration
	}{{"ENTITLE_BENCH_WARMUP", &c.Warmup}, {"ENTITLE_BENCH_DURATION", &c.Duration}} {
		if s := os.Getenv(v.name); s != "" {
			d, err := time.ParseDuration(s)
			if err != nil || d < 0 {
				b.Fatalf("%s=%q: want a duration such as 10s", v.name, s)
			}
			*v.dst = d
		}
	}
	c.Transport = loadtest.NewTransport(c.Workers)
	b.Cleanup(c.Transport.CloseIdleConnections)
	return c
}

// httpBench is what the benchmark keeps of the channel (only the probes: the
// generated dataset itself is dropped, so that its hundreds of megabytes do
// not weigh on the garbage collector during the runs), its database and the
// API tokens, once per process.
var httpBench struct {
	once  sync.Once
	err   error
	world httpBenchWorld
}

type httpBenchWorld struct {
	db              *store.DB
	dsn             string // db's, for other processes
	now             time.Time
	allowed, denied []benchgen.Get
	largestReseller string
	tokens          map[string]string // company key → bearer token of its first user (u1@…)
	summary         string            // what was loaded, for the log
}

func httpWorld(b *testing.B) httpBenchWorld {
	b.Helper()
	httpBench.once.Do(func() {
		httpBench.err = buildHTTPWorld()
		runtime.GC()
	})
	if httpBench.err != nil {
		b.Fatal(httpBench.err)
	}
	b.Log(httpBench.world.summary)
	return httpBench.world
}

// buildHTTPWorld opens (or builds) the channel's database exactly as
// internal/store's benchmarks do, then gives the companies the benchmark
// asks for a user and a token.
func buildHTTPWorld() error {
	ctx := context.Background()
	scale, err := strconv.ParseFloat(os.Getenv("ENTITLE_BENCH_SCALE"), 64)
	if err != nil {
		return fmt.Errorf("ENTITLE_BENCH_SCALE: %w", err)
	}
	today := entitle.MustDate("2026-06-01")
	now := today.Time().Add(12 * time.Hour)
	ds := benchgen.Generate(benchgen.Config{Scale: scale, Seed: 1, Today: today})
	dir := os.Getenv("ENTITLE_BENCH_DIR")
	if dir == "" {
		if dir, err = os.MkdirTemp("", "entitle-bench-"); err != nil {
			return err
		}
	}
	dsn := filepath.Join(dir, fmt.Sprintf("bench-%g.db", scale))
	if s := os.Getenv("ENTITLE_BENCH_DSN"); s != "" {
		dsn = s // e.g. a PostgreSQL database, built (or reused) the same way
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	// Reuse an earlier run's database (same scale, seed and day) when it
	// holds the whole channel; an import is all or nothing.
	counts, err := db.Counts(ctx)
	if err != nil {
		return err
	}
	if counts["orders"] != int64(len(ds.Batch.Orders)) || counts["delegations"] != int64(len(ds.Delegations)) {
		var buf bytes.Buffer
		if err := importer.WriteJSONL(&buf, ds.Batch); err != nil {
			return err
		}
		batch, problems, err := importer.Read(&buf, "bench.jsonl")
		if err == nil && len(problems) > 0 {
			err = problems
		}
		if err != nil {
			return err
		}
		if _, problems, err = db.Import(ctx, batch, entitle.ImportOptions{}, now); err == nil && len(problems) > 0 {
			err = problems
		}
		if err != nil {
			return err
		}
		if err := db.AddDelegations(ctx, ds.Delegations); err != nil {
			return err
		}
	}

	// The companies asked about: the probes' gets and the largest reseller.
	p := ds.Probes
	need := map[string]bool{p.LargestReseller: true}
	for _, g := range append(append([]benchgen.Get{}, p.AllowedGets...), p.DeniedGets...) {
		need[g.Company] = true
	}
	first := map[string]entitle.User{} // company → its first user, u1@… (the admin)
	for _, u := range ds.Users {
		if _, ok := first[u.Company]; !ok && need[u.Company] {
			first[u.Company] = u
		}
	}
	var missing []entitle.UserRecord
	for co := range need {
		u, ok := first[co]
		if !ok {
			return fmt.Errorf("benchgen has no user for %s", co)
		}
		if _, err := db.UserByEmail(ctx, u.Email); errors.Is(err, entitle.ErrNotFound) {
			missing = append(missing, entitle.UserRecord{User: u})
		} else if err != nil {
			return err
		}
	}
	if err := db.AddUsers(ctx, missing, now); err != nil {
		return err
	}
	// A token per user, derived from a secret of this database: the same on
	// every run, so a rerun adds none, and known to nobody else.
	secret, err := db.Secret(ctx, "bench-http-tokens")
	if err != nil {
		return err
	}
	tokens := map[string]string{}
	for co, u := range first {
		rec, err := db.UserByEmail(ctx, u.Email)
		if err != nil {
			return err
		}
		mac := hmac.New(sha256.New, secret)
		mac.Write([]byte(rec.Email))
		token := auth.TokenPrefix + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
		hash := auth.HashToken(token)
		owner, _, err := db.UserByToken(ctx, hash, now)
		switch {
		case errors.Is(err, entitle.ErrNotFound):
			if _, err := db.AddToken(ctx, rec.ID, "bench-http", hash, entitle.AllScopes, now, time.Time{}, entitle.AuditEvent{}); err != nil {
				return err
			}
		case err != nil:
			return err
		case owner.ID != rec.ID:
			return fmt.Errorf("the benchmark token of %s belongs to %s", rec.Email, owner.Email)
		}
		tokens[co] = token
	}
	// PostgreSQL plans its queries with its tables' statistics: a server
	// running autovacuum gathers them shortly after an import, one without it
	// (a test server, autovacuum = off) never, and then plans a list page
	// with a sequential scan of the companies. Gather them, as production's
	// autovacuum would.
	if store.IsPostgres(dsn) {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return err
		}
		_, err = conn.Exec(ctx, "ANALYZE")
		conn.Close(ctx)
		if err != nil {
			return fmt.Errorf("ANALYZE: %w", err)
		}
	}
	httpBench.world = httpBenchWorld{db: db, dsn: dsn, now: now, allowed: p.AllowedGets, denied: p.DeniedGets,
		largestReseller: p.LargestReseller, tokens: tokens,
		summary: fmt.Sprintf("%s, scale %g: %d orders; gets: %d allowed and %d denied, by %d companies; largest reseller %s (%d entitlements), user %s",
			store.Redact(dsn), scale, len(ds.Batch.Orders), len(p.AllowedGets), len(p.DeniedGets), len(tokens), p.LargestReseller, p.Counts[p.LargestReseller], first[p.LargestReseller].Email)}
	return nil
}

// server is the real server as `entitle serve --log-format json` runs it,
// its request log formatted and thrown away, on the channel's "now".
func (w httpBenchWorld) server(b *testing.B) http.Handler {
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	s, svc, err := webtest.New(context.Background(), w.db, webtest.Options{Logger: logger, Now: func() time.Time { return w.now }})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(svc.Coworkers.Close)
	return s
}

// serveLoopback serves h on a new 127.0.0.1 TCP listener with the settings
// of `entitle serve`, until the benchmark ends; it returns the base URL.
func serveLoopback(b *testing.B, h http.Handler) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	hs := loadtest.NewServer(h)
	go hs.Serve(ln)
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		hs.Shutdown(ctx)
	})
	return "http://" + ln.Addr().String()
}

func newGet(b *testing.B, url, token string) *http.Request {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	return req
}

// getTargets are the probes' gets, allowed and denied in turn, each asked
// by its company's token: 200 with the entitlement, or 404 (R7).
func (w httpBenchWorld) getTargets(b *testing.B, base string) []loadtest.Target {
	var out []loadtest.Target
	for i := 0; i < max(len(w.allowed), len(w.denied)); i++ {
		if i < len(w.allowed) {
			g := w.allowed[i]
			out = append(out, loadtest.Target{Req: newGet(b, base+"/api/v1/entitlements/"+g.SubscriptionID, w.tokens[g.Company]),
				Status: http.StatusOK, Contains: []byte(`"subscription_id":"` + g.SubscriptionID + `"`)})
		}
		if i < len(w.denied) {
			g := w.denied[i]
			out = append(out, loadtest.Target{Req: newGet(b, base+"/api/v1/entitlements/"+g.SubscriptionID, w.tokens[g.Company]),
				Status: http.StatusNotFound, Contains: []byte(`"code":"not_found"`)})
		}
	}
	return out
}

// checkGets asks each get once and checks the whole answer.
func checkGets(b *testing.B, targets []loadtest.Target) {
	c := &http.Client{Transport: loadtest.NewTransport(1)}
	defer c.CloseIdleConnections()
	for _, t := range targets {
		resp, err := c.Do(t.Req)
		if err != nil {
			b.Fatal(err)
		}
		var body struct {
			SubscriptionID string          `json:"subscription_id"`
			Access         []string        `json:"access"`
			Error          json.RawMessage `json:"error"`
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err != nil {
			b.Fatalf("%s: %v", t.Req.URL, err)
		}
		id := t.Req.URL.Path[strings.LastIndexByte(t.Req.URL.Path, '/')+1:]
		switch {
		case resp.StatusCode != t.Status:
			b.Fatalf("%s: status %d, want %d", t.Req.URL, resp.StatusCode, t.Status)
		case t.Status == http.StatusOK && (body.SubscriptionID != id || len(body.Access) == 0):
			b.Fatalf("%s: answered %+v", t.Req.URL, body)
		case t.Status == http.StatusNotFound && (body.SubscriptionID != "" || len(body.Error) == 0):
			b.Fatalf("%s: a denied get answered %+v", t.Req.URL, body)
		}
	}
}

// checkFirstPage checks the first page in full: 100 distinct entitlements,
// in subscription order, and a cursor to the next page.
func checkFirstPage(b *testing.B, req *http.Request) {
	resp, err := http.DefaultClient.Do(req.Clone(context.Background()))
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct {
		Items []struct {
			SubscriptionID string   `json:"subscription_id"`
			Access         []string `json:"access"`
		} `json:"items"`
		Next string `json:"next_cursor"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("first page: status %d, %v", resp.StatusCode, err)
	}
	if len(page.Items) != 100 || page.Next == "" {
		b.Fatalf("first page: %d items, next %q; want 100 and a cursor", len(page.Items), page.Next)
	}
	for i, it := range page.Items {
		if len(it.Access) == 0 || (i > 0 && it.SubscriptionID <= page.Items[i-1].SubscriptionID) {
			b.Fatalf("first page: item %d is %+v after %+v", i, it, page.Items[max(i-1, 0)])
		}
	}
}
