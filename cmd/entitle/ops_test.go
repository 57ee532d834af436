package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/entitle-portal/entitle/internal/store/storetest"
)

// runEnv runs the command line in-process with the given environment.
func runEnv(t *testing.T, environ map[string]string, args ...string) cliResult {
	t.Helper()
	var out, errb bytes.Buffer
	code := runAt(context.Background(), args, func(k string) string { return environ[k] }, strings.NewReader(""), &out, &errb, time.Now)
	return cliResult{out.String(), errb.String(), code}
}

// TestVersion: `entitle version` prints one line naming the version, the Go
// version and the platform; --json the same for programs; a version the
// release build stamps in wins over the build information.
func TestVersion(t *testing.T) {
	r := runEnv(t, nil, "version")
	if r.code != 0 || !regexp.MustCompile(`^entitle \S+ \((commit [0-9a-f]{7}(-dirty)?( of \S+)?, )?go\S+ [a-z0-9]+/[a-z0-9]+\)\n$`).MatchString(r.stdout) {
		t.Errorf("version: %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = runEnv(t, nil, "version", "--json")
	var b build
	if err := json.Unmarshal([]byte(r.stdout), &b); err != nil || r.code != 0 || b.Version == "" || !strings.HasPrefix(b.Go, "go") || !strings.Contains(b.Platform, "/") {
		t.Errorf("version --json: %d %q (%v)", r.code, r.stdout, err)
	}

	defer func(v string) { version = v }(version)
	version = "v1.2.3"
	if r := runEnv(t, nil, "version"); !strings.HasPrefix(r.stdout, "entitle v1.2.3 (") {
		t.Errorf("a stamped version: %q", r.stdout)
	}
	if r := runEnv(t, nil, "version", "extra"); r.code != 2 {
		t.Errorf("version extra: %d %q", r.code, r.stderr)
	}
}

// TestFlagsFromEnvironment: every flag can be set by ENTITLE_<FLAG>; the
// command line wins; a bad value is a usage error naming the variable; the
// help names each flag's variable.
func TestFlagsFromEnvironment(t *testing.T) {
	if r := runEnv(t, map[string]string{"ENTITLE_JSON": "true"}, "version"); r.code != 0 || !strings.HasPrefix(r.stdout, "{") {
		t.Errorf("ENTITLE_JSON=true: %d %q", r.code, r.stdout)
	}
	if r := runEnv(t, map[string]string{"ENTITLE_JSON": "1"}, "version", "--json=false"); r.code != 0 || !strings.HasPrefix(r.stdout, "entitle ") {
		t.Errorf("the command line wins over ENTITLE_JSON: %d %q", r.code, r.stdout)
	}
	if r := runEnv(t, map[string]string{"ENTITLE_JSON": "maybe"}, "version"); r.code != 2 || !strings.Contains(r.stderr, "$ENTITLE_JSON") {
		t.Errorf("ENTITLE_JSON=maybe: %d %q", r.code, r.stderr)
	}
	db := storetest.DSN(t)
	for _, c := range []struct{ name, value string }{
		{"ENTITLE_SESSION_TTL", "soon"},
		{"ENTITLE_NOTIFY_STAGES", "30,thirty"},
		{"ENTITLE_LIMIT_LOGIN_ACCOUNT", "lots"},
	} {
		r := runEnv(t, map[string]string{"ENTITLE_DB": db, c.name: c.value}, "serve", "--addr", "127.0.0.1:0", "--metrics-addr", "off")
		if r.code != 2 || !strings.Contains(r.stderr, "$"+c.name) || !strings.Contains(r.stderr, "usage: entitle serve") {
			t.Errorf("%s=%s: %d %q", c.name, c.value, r.code, r.stderr)
		}
	}
	r := runEnv(t, nil, "serve", "-h")
	for _, want := range []string{"(env ENTITLE_METRICS_ADDR)", "(env ENTITLE_DB)", "(env ENTITLE_SECURE_COOKIES)", "(env ENTITLE_NOTIFY_STAGES)"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("serve -h lacks %s", want)
		}
	}
	if strings.Count(r.stdout, "(env ") != strings.Count(r.stdout, "\n  -") {
		t.Errorf("serve -h: not every flag names its variable:\n%s", r.stdout)
	}
}

// TestServeOperations: serve puts the metrics on their own listener (a
// free port here), with /healthz and /readyz; on the portal's address
// /metrics is 404 unless the request carries $ENTITLE_METRICS_TOKEN;
// /readyz says ready with the schema version; settings come from the
// environment too.
func TestServeOperations(t *testing.T) {
	db := storetest.DSN(t)
	const token = "a-metrics-token-for-the-test"
	s := serveEnv(t, db, map[string]string{"ENTITLE_METRICS_TOKEN": token, "ENTITLE_LOG_FORMAT": "json"})
	m := regexp.MustCompile(`Metrics: (http://127\.0\.0\.1:\d+)/metrics`).FindStringSubmatch(s.stdout.String())
	if m == nil {
		t.Fatalf("the banner names no metrics address:\n%s", s.stdout.String())
	}
	ops := m[1]
	get := func(url, bearer string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	want := readBuild().Version
	if code, body := get(s.url+"/healthz", ""); code != 200 || body != `{"status":"ok","version":"`+want+`"}`+"\n" {
		t.Errorf("healthz: %d %s", code, body)
	}
	if code, body := get(s.url+"/readyz", ""); code != 200 || !strings.Contains(body, `"status":"ready"`) || !regexp.MustCompile(`"schema":\d+`).MatchString(body) {
		t.Errorf("readyz: %d %s", code, body)
	}
	if code, body := get(s.url+"/metrics", ""); code != 404 || strings.Contains(body, "entitle_http") {
		t.Errorf("public metrics without the token: %d %.100s", code, body)
	}
	if code, body := get(s.url+"/metrics", token); code != 200 || !strings.Contains(body, `route="/healthz"`) {
		t.Errorf("public metrics with the token: %d %.200s", code, body)
	}
	if code, body := get(ops+"/metrics", ""); code != 200 || !strings.Contains(body, `entitle_http_requests_total{method="GET",route="/readyz",status="200"} 1`) ||
		!strings.Contains(body, "go_goroutines ") || !strings.Contains(body, "process_open_fds ") {
		t.Errorf("the metrics listener: %d %.300s", code, body)
	}
	if code, _ := get(ops+"/readyz", ""); code != 200 {
		t.Errorf("readyz on the metrics listener: %d", code)
	}
	if !strings.Contains(s.stderr.String(), `"msg":"request"`) {
		t.Errorf("ENTITLE_LOG_FORMAT=json did not make the log JSON: %.300s", s.stderr.String())
	}
	if code := s.stop(); code != 0 {
		t.Errorf("exit %d: %s", code, s.stderr.String())
	}

	off := serve(t, db, "--metrics-addr", "off")
	if !strings.Contains(off.stdout.String(), "The metrics listener is off") {
		t.Errorf("--metrics-addr off: %s", off.stdout.String())
	}
	off.stop()
}

// TestServeMetricsAddrTaken: a metrics address asked for and already in use
// stops serve at start with the reason; the default address taken, serve
// starts without the listener and says so; a short metrics token is refused.
func TestServeMetricsAddrTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	db := storetest.DSN(t)
	r := runEnv(t, map[string]string{"ENTITLE_DB": db}, "serve", "--addr", "127.0.0.1:0", "--outbox", t.TempDir(), "--metrics-addr", ln.Addr().String())
	if r.code != 1 || !strings.Contains(r.stderr, "cannot listen on --metrics-addr "+ln.Addr().String()) {
		t.Errorf("a taken metrics address: %d %q", r.code, r.stderr)
	}
	// The default address taken (by this test, or by whatever holds it):
	// serve starts without a metrics listener and says so.
	if held, err := net.Listen("tcp", "127.0.0.1:9090"); err == nil {
		defer held.Close()
	}
	s := serveEnv(t, db, map[string]string{defaultMetricsAddr: "1"})
	if out := s.stdout.String(); !strings.Contains(out, "No metrics listener: the default address 127.0.0.1:9090 is taken") {
		t.Errorf("serve with its default metrics address taken: %q", out)
	}
	if code := s.stop(); code != 0 {
		t.Errorf("serve without a metrics listener stopped with %d: %s", code, s.stderr.String())
	}
	r = runEnv(t, map[string]string{"ENTITLE_DB": db, "ENTITLE_METRICS_TOKEN": "short"}, "serve", "--addr", "127.0.0.1:0", "--metrics-addr", "off")
	if r.code != 2 || !strings.Contains(r.stderr, "ENTITLE_METRICS_TOKEN must be at least 16 characters") {
		t.Errorf("a short metrics token: %d %q", r.code, r.stderr)
	}
}

// TestReadmeSettings: the README's settings table has a row for every flag
// of serve and every flag all commands share, each with its variable; the
// systemd unit (its ExecStart) and the example environment file name only
// flags and variables that exist.
func TestReadmeSettings(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "### Settings: every flag, and its environment variable\n")
	if !ok {
		t.Fatal("the README has no settings section")
	}
	section, _, _ = strings.Cut(section, "\n### ")
	rows := map[string]string{} // flag → its variable, as the table says
	row := regexp.MustCompile("(?m)^\\| `--([a-z0-9-]+)` \\| `(ENTITLE_[A-Z0-9_]+)` \\|")
	for _, m := range row.FindAllStringSubmatch(section, -1) {
		rows[m[1]] = m[2]
	}
	flags := serveFlags(t)
	for _, name := range flags {
		v, ok := rows[name]
		switch {
		case !ok:
			t.Errorf("the README's settings table has no row for serve's --%s", name)
		case v != envName(name):
			t.Errorf("the README says --%s is %s; it is %s", name, v, envName(name))
		}
	}
	for name := range rows {
		if !contains(flags, name) {
			t.Errorf("the README's settings table lists --%s, which serve does not have", name)
		}
	}
	for _, envOnly := range []string{"ENTITLE_SMTP_PASSWORD", "ENTITLE_METRICS_TOKEN"} {
		if !strings.Contains(section, "`"+envOnly+"`") {
			t.Errorf("the README's settings table lacks %s", envOnly)
		}
	}

	known := map[string]bool{"ENTITLE_SMTP_PASSWORD": true, "ENTITLE_METRICS_TOKEN": true}
	for _, name := range flags {
		known[envName(name)] = true
	}
	for _, file := range []string{"../../deploy/entitle.service", "../../deploy/entitle.env.example"} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range regexp.MustCompile(`ENTITLE_[A-Z0-9_]+`).FindAllString(string(b), -1) {
			if !known[v] {
				t.Errorf("%s names %s, which is no setting of serve", file, v)
			}
		}
		for _, line := range regexp.MustCompile(`(?m)^ExecStart=.*`).FindAllString(string(b), -1) {
			for _, m := range regexp.MustCompile(`\s--([a-z][a-z0-9-]*)`).FindAllStringSubmatch(line, -1) {
				if !contains(flags, m[1]) {
					t.Errorf("%s runs serve with --%s, which it does not have", file, m[1])
				}
			}
		}
	}
}

// serveFlags are the names of serve's flags, as `serve -h` lists them.
func serveFlags(t *testing.T) []string {
	t.Helper()
	r := runEnv(t, nil, "serve", "-h")
	var names []string
	for _, m := range regexp.MustCompile(`(?m)^  -([a-z0-9-]+)`).FindAllStringSubmatch(r.stdout, -1) {
		names = append(names, m[1])
	}
	if len(names) < 20 {
		t.Fatalf("serve -h lists only %d flags:\n%s", len(names), r.stdout)
	}
	return names
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
