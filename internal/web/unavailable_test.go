package web_test

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/entitle-portal/entitle/internal/store"
	"github.com/entitle-portal/entitle/internal/store/storetest"
	"github.com/entitle-portal/entitle/internal/web/webtest"
)

// TestDatabaseGoesAway: while PostgreSQL cannot be reached, every API answer
// is 503 unavailable (JSON, with Retry-After) — never a 500, never a hang
// past the request's deadline — and a page of the portal is the 503 page,
// with Retry-After too; when the database is back, the same server answers
// again, without a restart. The database goes away through a TCP proxy
// between the store and PostgreSQL: cut, every connection is closed and new
// ones are refused (answers come at once); stalled, connections are taken
// and never answered (answers come at the request's deadline).
//
// SQLite has no such state: the server holds its file open, and a database
// that cannot be opened or read is classified by the store's own test
// (TestUnavailableErrors), with errors of the real driver.
func TestDatabaseGoesAway(t *testing.T) {
	if storetest.Backend() != "postgres" {
		t.Skip("runs with ENTITLE_TEST_BACKEND=postgres: the database goes away through a proxy in front of PostgreSQL " +
			"(SQLite keeps its file open; the store's TestUnavailableErrors covers what SQLite can fail with)")
	}
	dsn, proxy := storetest.ProxiedPostgres(t)
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	const deadline = 2 * time.Second
	w := newWorldOn(t, db, func(o *webtest.Options) {
		o.RequestTimeout = deadline
		o.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	})
	browser := signIn(t, w, "member@north.example")

	// A sample of the API: reads of each kind, an administrator's lists, a
	// change, a sign-in, the health check. Each answers 2xx while the
	// database is there.
	sample := func(round string) []request {
		north, northAdmin := w.member["NORTH"], w.admin["NORTH"]
		return []request{
			{method: "GET", path: "/api/v1/me", token: north},
			{method: "GET", path: "/api/v1/entitlements", token: north},
			{method: "GET", path: "/api/v1/entitlements/S-100", token: north},
			{method: "GET", path: "/api/v1/orders/N-77", token: north},
			{method: "GET", path: "/api/v1/delegations", token: w.admin["PLANT"]},
			{method: "GET", path: "/api/v1/audit", token: northAdmin},
			{method: "GET", path: "/api/v1/users", token: northAdmin},
			{method: "POST", path: "/api/v1/invitations", token: north, body: map[string]any{"email": round + "@north.example"}},
			{method: "POST", path: "/api/v1/login", body: map[string]string{"email": "member@plant.example", "password": testPassword}},
			{method: "GET", path: "/healthz"},
		}
	}
	for _, r := range sample("before") {
		if res := w.do(r); res.status >= 300 {
			t.Fatalf("before the cut: %s %s → %d %s", r.method, r.path, res.status, res.body)
		}
	}

	// Cut: one request after the other, each answered at once.
	cut := time.Now()
	proxy.Cut()
	for _, r := range sample("cut") {
		start := time.Now()
		res := w.do(r)
		checkUnavailable(t, "cut: "+r.method+" "+r.path, res, "application/json")
		if d := time.Since(start); d > deadline {
			t.Errorf("cut: %s %s took %s", r.method, r.path, d)
		}
		if r.path != "/healthz" && !strings.Contains(res.errMessage(), "database") {
			t.Errorf("cut: %s %s: message %q does not say the database is not answering", r.method, r.path, res.errMessage())
		}
	}
	checkUnavailable(t, "cut: the portal's list", w.do(request{method: "GET", path: "/", client: browser}), "text/html")

	// Stalled: all at once, each answered at its deadline.
	if err := proxy.Stall(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	stalled := sample("stalled")
	for i, res := range w.doAll(stalled...) {
		checkUnavailable(t, "stalled: "+stalled[i].method+" "+stalled[i].path, res, "application/json")
	}
	if d := time.Since(start); d > deadline+2*time.Second {
		t.Errorf("stalled: the answers took %s, the deadline is %s", d, deadline)
	}

	// Back. The server finds the database again by itself: a connection
	// attempt cut short by the outage fails at once (a request waiting for
	// it then gets 503, to be tried again), and pgx pings a connection idle
	// for over a second before using it again (one used a moment before a
	// shorter outage fails once more; this outage lasts longer). Once the
	// health check answers, every request does.
	time.Sleep(time.Until(cut.Add(1100 * time.Millisecond)))
	if err := proxy.Restore(); err != nil {
		t.Fatal(err)
	}
	for back := time.Now(); w.get("/healthz", "").status != http.StatusOK; time.Sleep(50 * time.Millisecond) {
		if time.Since(back) > 10*time.Second {
			t.Fatal("the health check still fails 10 s after the database is back")
		}
	}
	for _, r := range sample("after") {
		if res := w.do(r); res.status >= 300 {
			t.Errorf("after the database is back: %s %s → %d %s", r.method, r.path, res.status, res.body)
		}
	}
	if res := w.do(request{method: "GET", path: "/", client: browser}); res.status != http.StatusOK {
		t.Errorf("after the database is back: the portal's list → %d %s", res.status, res.body)
	}
}

// checkUnavailable checks an answer is 503 unavailable with Retry-After, of
// media type mediaType.
func checkUnavailable(t *testing.T, what string, res response, mediaType string) {
	t.Helper()
	if res.status != http.StatusServiceUnavailable {
		t.Errorf("%s → %d %s, want 503", what, res.status, clipBody(res.body))
		return
	}
	if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, mediaType) {
		t.Errorf("%s: Content-Type %q, want %s", what, ct, mediaType)
	}
	if mediaType == "application/json" && res.errCode() != "unavailable" {
		t.Errorf("%s: code %q, want unavailable: %s", what, res.errCode(), res.body)
	}
	if n, err := strconv.Atoi(res.header.Get("Retry-After")); err != nil || n < 1 {
		t.Errorf("%s: Retry-After %q, want a number of seconds", what, res.header.Get("Retry-After"))
	}
}

// TestRequestDeadline: an API request that runs out of time (here, a
// deadline too short for any answer) is 503 unavailable with Retry-After,
// on either backend; a page is not bounded so (an import or an export may
// take minutes) and answers.
func TestRequestDeadline(t *testing.T) {
	t.Parallel()
	w := newWorldWith(t, func(o *webtest.Options) { o.RequestTimeout = time.Nanosecond })
	for _, r := range []request{
		{method: "GET", path: "/api/v1/entitlements", token: w.member["NORTH"]},
		{method: "POST", path: "/api/v1/login", body: map[string]string{"email": "member@plant.example", "password": testPassword}},
	} {
		res := w.do(r)
		checkUnavailable(t, r.method+" "+r.path, res, "application/json")
		if msg := res.errMessage(); !strings.Contains(msg, "took too long") {
			t.Errorf("%s %s: message %q", r.method, r.path, msg)
		}
	}
	if status, _ := fetch(t, w, signIn(t, w, "member@north.example"), "/"); status != http.StatusOK {
		t.Errorf("the portal's list: %d", status)
	}
}
