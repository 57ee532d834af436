package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// checkMetrics: the metrics are not public. The matrix's server has no
// metrics token, so every subject — by its API token and by its session —
// gets the 404 page a visitor gets, which names no metric (TestMetricsNotPublic:
// the token; TestOpsListener: serve's own listener).
func checkMetrics(t *testing.T, m *mx, s *subject) {
	publicPage(http.MethodGet, "/metrics", nil)(t, m, s)
	res := m.api(t, s, http.MethodGet, "/metrics", nil)
	m.check(t, res.status == http.StatusNotFound && !strings.Contains(string(res.body), "entitle_http_requests_total"),
		"%s: GET /metrics with its API token: %d %s", s.name, res.status, clip(res.body))
}
