package loadtest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entitle-portal/entitle/internal/loadtest"
)

func TestRunCountsAndChecks(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()
	get := func(path string) *http.Request {
		req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		return req
	}
	targets := []loadtest.Target{
		{Req: get("/a"), Status: http.StatusOK, Contains: []byte(`"ok":true`)},
		{Req: get("/missing"), Status: http.StatusNotFound},
	}
	res, err := loadtest.Run(context.Background(), loadtest.Config{Targets: targets, Workers: 4, Warmup: 20 * time.Millisecond, Duration: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests == 0 || res.Statuses[200]+res.Statuses[404] != res.Requests || res.Statuses[200] == 0 || res.Statuses[404] == 0 {
		t.Errorf("statuses %v for %d requests", res.Statuses, res.Requests)
	}
	// The transport may open a spare connection when a worker's next request
	// races its previous connection's return to the idle pool.
	if res.Dials < 1 || res.Dials > 8 {
		t.Errorf("%d connections for 4 workers and %d requests: keep-alive is not working", res.Dials, res.Requests)
	}
	if res.Quantile(0.5) <= 0 || res.Quantile(0.5) > res.Quantile(0.99) || res.PerSecond() <= 0 {
		t.Errorf("p50 %v, p99 %v, %v/s", res.Quantile(0.5), res.Quantile(0.99), res.PerSecond())
	}

	// A wrong answer fails the run.
	targets[1].Status = http.StatusOK
	_, err = loadtest.Run(context.Background(), loadtest.Config{Targets: targets, Workers: 2, Duration: 200 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "got 404") {
		t.Errorf("a 404 where 200 is expected: err = %v", err)
	}
}

func TestRunSpreadsWorkersOverHosts(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]map[string]bool{} // server → remote addresses (connections)
	var urls []string
	for _, name := range []string{"a", "b"} {
		seen[name] = map[string]bool{}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			seen[name][r.RemoteAddr] = true
			mu.Unlock()
			w.Write([]byte(name))
		}))
		defer srv.Close()
		urls = append(urls, srv.URL)
	}
	req, err := http.NewRequest(http.MethodGet, urls[0]+"/x", nil)
	if err != nil {
		t.Fatal(err)
	}
	hosts := []string{strings.TrimPrefix(urls[0], "http://"), strings.TrimPrefix(urls[1], "http://")}
	res, err := loadtest.Run(context.Background(), loadtest.Config{Targets: []loadtest.Target{{Req: req, Status: http.StatusOK}},
		Workers: 4, Duration: 200 * time.Millisecond, Hosts: hosts})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	// Two workers each: two connections each (a spare one at most besides).
	for name, conns := range seen {
		if len(conns) < 2 || len(conns) > 4 {
			t.Errorf("server %s got %d connections from 4 workers over 2 hosts, want 2", name, len(conns))
		}
	}
	mu.Unlock()
	if res.Requests == 0 {
		t.Errorf("no requests: %v", res)
	}

	// The answers are still checked per server: "a" is not in b's answers.
	_, err = loadtest.Run(context.Background(), loadtest.Config{Targets: []loadtest.Target{{Req: req, Status: http.StatusOK, Contains: []byte("a")}},
		Workers: 2, Duration: 100 * time.Millisecond, Hosts: hosts})
	if err == nil || !strings.Contains(err.Error(), `got 200 "b"`) {
		t.Errorf("a wrong answer from the second host: err = %v", err)
	}
}
