package web

import (
	"context"
	"crypto/subtle"
	_ "embed"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// GET /healthz: the process is up and its database answers (liveness: a
// supervisor restarts a process that fails it). It names the build's
// version, so a fleet can be checked for the version each process runs.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.cfg.Health(ctx); err != nil {
		s.cfg.Logger.ErrorContext(ctx, "health check failed", slog.Any("err", err))
		return errorf(codeUnavailable, "the database does not answer")
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": s.cfg.Version})
	return nil
}

// GET /readyz: the process may take traffic (readiness: a load balancer
// sends requests only to processes that pass it). Ready means the database
// answers within 2 s and its schema is at least the newest migration this
// build has. A schema behind it (a database restored from an older backup,
// migrations undone) is not ready: the queries of this build would fail. A
// schema ahead of it is ready: during a rolling upgrade the first new
// process migrates, and the old ones keep serving until they are replaced
// (a release whose migrations an older build cannot live with says so, and
// is rolled out with the old processes stopped first).
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.cfg.Health(ctx); err != nil {
		s.cfg.Logger.ErrorContext(ctx, "readiness check failed", slog.Any("err", err))
		return errorf(codeUnavailable, "the database does not answer")
	}
	body := map[string]any{"status": "ready", "version": s.cfg.Version}
	if s.cfg.Schema != nil {
		have, want, err := s.cfg.Schema(ctx)
		if err != nil {
			s.cfg.Logger.ErrorContext(ctx, "readiness check failed", slog.Any("err", err))
			return errorf(codeUnavailable, "the database does not answer")
		}
		if have < want {
			return errorf(codeUnavailable, "the database schema is at version %d, this server needs %d: run entitle migrate", have, want)
		}
		body["schema"] = have
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

// metricsHandler serves the Prometheus metrics.
func (s *Server) metricsHandler() http.Handler {
	return promhttp.HandlerFor(s.cfg.Registry, promhttp.HandlerOpts{})
}

// publicMetrics is GET /metrics on the public address: the metrics for a
// request bearing Config.MetricsToken, and for every other request (and
// always when no token is set) the same 404 page as any unknown path, so
// the address does not even say that metrics exist. The metrics' own
// listener (Ops) needs no token.
func (s *Server) publicMetrics() http.Handler {
	metrics, notFound := s.metricsHandler(), s.page(s.notFoundPage)
	want := []byte("Bearer " + s.cfg.MetricsToken)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.MetricsToken != "" && subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) == 1 {
			metrics.ServeHTTP(w, r)
			return
		}
		notFound.ServeHTTP(w, r)
	})
}

// Ops returns the handler of the operations listener (serve
// --metrics-addr): GET /metrics without a token, and /healthz and /readyz
// for probes that reach only that address; anything else is 404. It is
// meant for a loopback or internal address, never the public one.
func (s *Server) Ops() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metricsHandler())
	mux.Handle("GET /healthz", s.public(s.healthz))
	mux.Handle("GET /readyz", s.public(s.readyz))
	mux.Handle("/", s.public(func(w http.ResponseWriter, r *http.Request) error {
		return errorf(codeNotFound, "no route %s %s here: this address serves /metrics, /healthz and /readyz", r.Method, r.URL.Path)
	}))
	return mux
}

//go:embed openapi.json
var openAPIDoc []byte

// GET /api/v1/openapi.json
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(openAPIDoc)
	return nil
}

// apiNotFound answers requests under /api/ that no route takes: 405 with
// the methods the path does take, else 404 — as JSON, like every API error.
func (s *Server) apiNotFound(w http.ResponseWriter, r *http.Request) error {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "" && pattern != "/api/" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		return errorf(codeMethodNotAllowed, "%s is not allowed on %s; use %s", r.Method, r.URL.Path, strings.Join(allow, " or "))
	}
	return errorf(codeNotFound, "no API route %s %s: see /api/v1/openapi.json", r.Method, r.URL.Path)
}

// crossOrigin answers a state-changing request from another origin, which
// http.CrossOriginProtection refuses before routing: 403 forbidden, as JSON
// under /api/, as the portal's error page elsewhere.
func (s *Server) crossOrigin(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/api" || strings.HasPrefix(r.URL.Path, "/api/") {
		s.public(func(w http.ResponseWriter, r *http.Request) error {
			return errorf(codeForbidden, "cross-origin requests that change something are refused: send them from the portal's own pages, "+
				"or from a program with an Authorization: Bearer header")
		}).ServeHTTP(w, r)
		return
	}
	s.page(func(w http.ResponseWriter, r *http.Request) error {
		return errorf(codeForbidden, "this form did not come from this portal's own pages: go back, reload the page and try again")
	}).ServeHTTP(w, r)
}

// metrics are the server's Prometheus metrics.
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "entitle_http_requests_total", Help: "HTTP requests answered, by route, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "entitle_http_request_duration_seconds", Help: "Time to answer an HTTP request, by route and method.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

// recorder remembers the status and size of an answer.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// observe counts, times and logs every request, by its route pattern (never
// by its raw path: subscription IDs must not become metric labels).
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		elapsed := time.Since(start)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		} else if _, p, ok := strings.Cut(route, " "); ok {
			route = p
		}
		s.metrics.requests.WithLabelValues(route, r.Method, strconv.Itoa(rec.status)).Inc()
		s.metrics.duration.WithLabelValues(route, r.Method).Observe(elapsed.Seconds())
		level := slog.LevelInfo
		if rec.status >= 500 {
			level = slog.LevelError
		}
		s.cfg.Logger.LogAttrs(r.Context(), level, "request",
			slog.String("method", r.Method), slog.String("route", route), slog.String("path", r.URL.Path),
			slog.Int("status", rec.status), slog.Int("bytes", rec.bytes), slog.Duration("duration", elapsed),
			slog.String("remote", r.RemoteAddr))
	})
}
