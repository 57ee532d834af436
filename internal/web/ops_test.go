package web_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/entitle-portal/entitle/internal/web/webtest"
)

// testMetricsToken opens /metrics on the public address in these tests.
const testMetricsToken = "metrics-token-of-the-tests-0123456789"

// TestMetricsNotPublic: on the portal's address /metrics is the 404 page
// of any unknown path for everybody — visitors, API tokens, session
// cookies — unless the server has a metrics token and the request carries
// exactly it.
func TestMetricsNotPublic(t *testing.T) {
	isNotFound := func(res response) bool {
		return res.status == http.StatusNotFound && strings.HasPrefix(res.header.Get("Content-Type"), "text/html") &&
			!strings.Contains(string(res.body), "entitle_http_requests_total")
	}
	plain := newWorld(t)
	unknown := plain.do(request{method: "GET", path: "/metricz"})
	for _, r := range []request{
		{method: "GET", path: "/metrics"},
		{method: "GET", path: "/metrics", token: plain.admin["MAKER"]},
		{method: "GET", path: "/metrics", header: map[string]string{"Authorization": "Bearer "}},
	} {
		res := plain.do(r)
		if !isNotFound(res) || res.status != unknown.status || res.header.Get("Content-Type") != unknown.header.Get("Content-Type") {
			t.Errorf("no metrics token, %v: %d %s %.80s", r.header, res.status, res.header.Get("Content-Type"), res.body)
		}
	}

	w := newWorldWith(t, func(o *webtest.Options) { o.MetricsToken = testMetricsToken })
	for _, r := range []request{
		{method: "GET", path: "/metrics"},
		{method: "GET", path: "/metrics", token: w.admin["MAKER"]},
		{method: "GET", path: "/metrics", token: testMetricsToken + "x"},
		{method: "GET", path: "/metrics", token: testMetricsToken[:len(testMetricsToken)-1]},
		{method: "GET", path: "/metrics", header: map[string]string{"Authorization": testMetricsToken}},
	} {
		if res := w.do(r); !isNotFound(res) {
			t.Errorf("a metrics token set, asked with %q %v: %d %.80s", r.token, r.header, res.status, res.body)
		}
	}
	if res := w.get("/metrics", testMetricsToken); res.status != http.StatusOK || !strings.Contains(string(res.body), "entitle_http_requests_total") {
		t.Errorf("with the metrics token: %d %.200s", res.status, res.body)
	}
}

// TestOpsListener: the handler of serve's operations listener serves the
// metrics without a token, the health and readiness checks, and nothing
// else.
func TestOpsListener(t *testing.T) {
	w := newWorldWith(t, func(o *webtest.Options) { o.Version = "v9.9.9" })
	w.get("/api/v1/me", w.member["SHOP"])
	ops := httptest.NewServer(w.web.Ops())
	defer ops.Close()
	for _, c := range []struct {
		path, want string
		status     int
	}{
		{"/metrics", `entitle_http_requests_total{method="GET",route="/api/v1/me",status="200"} 1`, 200},
		{"/healthz", `{"status":"ok","version":"v9.9.9"}`, 200},
		{"/readyz", `"status":"ready"`, 200},
		{"/api/v1/me", `"code":"not_found"`, 404},
		{"/", `"code":"not_found"`, 404},
	} {
		res, err := http.Get(ops.URL + c.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != c.status || !strings.Contains(string(body), c.want) {
			t.Errorf("ops %s: %d %.200s; want %d with %s", c.path, res.StatusCode, body, c.status, c.want)
		}
	}
}

// TestReadiness: /readyz is 200 with the schema version when the database
// answers and its schema is not behind this build's; 503 naming why when
// the schema is behind (the store's side: internal/store TestSchema) or
// the database does not answer. /healthz, liveness, ignores the schema.
func TestReadiness(t *testing.T) {
	w := newWorldWith(t, func(o *webtest.Options) { o.Version = "v1.2.3" })
	var ready struct {
		Status, Version string
		Schema          int64
	}
	res := w.get("/readyz", "")
	res.json(t, &ready)
	have, want, err := w.db.Schema(context.Background())
	if res.status != http.StatusOK || ready.Status != "ready" || ready.Version != "v1.2.3" || ready.Schema != want || have != want || err != nil {
		t.Errorf("readyz on a current schema: %d %s (schema %d of %d, %v)", res.status, res.body, have, want, err)
	}

	for _, c := range []struct {
		name   string
		schema func(context.Context) (int64, int64, error)
		status int
		msg    string
	}{
		{"behind", func(context.Context) (int64, int64, error) { return 19, 21, nil }, 503,
			"the database schema is at version 19, this server needs 21: run entitle migrate"},
		{"ahead (a rolling upgrade)", func(context.Context) (int64, int64, error) { return 22, 21, nil }, 200, ""},
		{"unreadable", func(context.Context) (int64, int64, error) { return 0, 21, errors.New("no such table") }, 503,
			"the database does not answer"},
	} {
		ws := newServerWith(t, testNow, func(o *webtest.Options) { o.Schema = c.schema })
		res := ws.get("/readyz", "")
		if res.status != c.status || (c.msg != "" && (res.errCode() != "unavailable" || res.errMessage() != c.msg)) {
			t.Errorf("%s: %d %s", c.name, res.status, res.body)
		}
		if res := ws.get("/healthz", ""); res.status != http.StatusOK {
			t.Errorf("%s: healthz %d %s", c.name, res.status, res.body)
		}
	}

	w.db.Close() // storetest's cleanup closes it again, harmlessly
	if res := w.get("/readyz", ""); res.status != http.StatusServiceUnavailable || res.errMessage() != "the database does not answer" {
		t.Errorf("readyz on a closed store: %d %s", res.status, res.body)
	}
}
