package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/entitle-portal/entitle/internal/store/storetest"
)

// loadSize is the size of TestLoad: by default a short run, 20 clients for
// 3 s; with ENTITLE_TEST_LOAD=full, 100 clients on SQLite and 200 on
// PostgreSQL, for 20 s.
func loadSize(t *testing.T) (clients int, d time.Duration) {
	switch mode := os.Getenv("ENTITLE_TEST_LOAD"); mode {
	case "", "short":
		return 20, 3 * time.Second
	case "full":
		if storetest.Backend() == "postgres" {
			return 200, 20 * time.Second
		}
		return 100, 20 * time.Second
	default:
		t.Fatalf("ENTITLE_TEST_LOAD=%q: say full, or short (the default)", mode)
		return 0, 0
	}
}

// TestLoad: many clients send a mix of reads and writes (70 % reads) to one
// `entitle serve` — lists and gets as the owner and as the delegate, a
// foreign entitlement, delegations granted and revoked, invitations sent and
// withdrawn, renewal requests made and withdrawn, profile changes, and the
// lists of each — and every answer is checked, status and content, against
// what the server acknowledged before: a company's list holds exactly what
// it should. No answer may be a 5xx or wrong, and no request may go
// unanswered. Afterwards the database holds exactly what was acknowledged,
// the audit trail has exactly one event per audited answer, and `entitle
// audit verify` passes. ENTITLE_TEST_LOAD=full runs the long version.
func TestLoad(t *testing.T) {
	clients, d := loadSize(t)
	db := storetest.DSN(t)
	parties := newChannel(t, db, clients)
	srv := startServe(t, db, "--limit-invites-user", "off", "--limit-invites-company", "off")
	tenants := newTenants(parties, newHTTPClient(clients), 0.3)
	base := auditCounts(t, db)

	start := time.Now()
	deadline := start.Add(d)
	runTenants(tenants, srv.url, func() bool { return time.Now().After(deadline) }, nil)
	elapsed := time.Since(start)

	var requests, writes, status5xx, wrong, unanswered int
	for _, tn := range tenants {
		requests += tn.requests
		writes += tn.ackedWrites
		status5xx += tn.status5xx
		if tn.wrong != "" {
			wrong++
			t.Errorf("WRONG ANSWER: %s", tn.wrong)
		}
		if tn.inflight != nil {
			unanswered++
			t.Errorf("NO ANSWER: %s: %s %s", tn.party.owner, tn.inflight.method, tn.inflight.path)
		}
	}
	p50, p99 := latencyQuantiles(tenants)
	t.Logf("%d clients for %v: %d requests (%.0f/s; %d acknowledged writes), %d 5xx, %d wrong answers, %d unanswered; latency p50 %v, p99 %v",
		clients, d, requests, float64(requests)/elapsed.Seconds(), writes, status5xx, wrong, unanswered,
		p50.Round(10*time.Microsecond), p99.Round(10*time.Microsecond))
	if t.Failed() {
		if s5 := strings.Count(srv.log.String(), "status=5"); s5 > 0 {
			t.Logf("the server logged %d answers 5xx; its log's errors:\n%s", s5, grepLines(srv.log.String(), "level=ERROR", 20))
		}
		return
	}

	// Afterwards: the database holds what was acknowledged, and the trail
	// one event per audited answer.
	for _, p := range compareAudit(tenants, base, auditCounts(t, db), nil) {
		t.Errorf("audit: %s", p)
	}
	for _, tn := range tenants {
		for _, p := range verifyTenant(context.Background(), tn, srv.url) {
			t.Errorf("after the run: %s", p)
		}
	}
	srv.stop(t)
	auditVerify(t, db, "after the run")
}

// latencyQuantiles pools the tenants' latencies: p50 and p99.
func latencyQuantiles(tenants []*tenant) (p50, p99 time.Duration) {
	var all []time.Duration
	for _, tn := range tenants {
		all = append(all, tn.latencies...)
	}
	if len(all) == 0 {
		return 0, 0
	}
	slices.Sort(all)
	return all[len(all)/2], all[min(len(all)-1, len(all)*99/100)]
}

// grepLines returns up to n lines of s that contain substr.
func grepLines(s, substr string, n int) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, substr) && len(out) < n {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestSlowClients: 1,000 connections that send their request's headers a
// byte a second and never finish them (slowloris) do not stop `/healthz`
// from answering within 1 s, on a new connection each time, as a load
// balancer asks; and the server drops each of them (with a 400, or without a
// word) once its header timeout (10 s) has passed.
func TestSlowClients(t *testing.T) {
	if raceDetector {
		t.Skip("a latency bound means nothing under the race detector; .ci/run runs this test in a step of its own, without it")
	}
	const conns = 1000
	const headerTimeout = 10 * time.Second // serve's ReadHeaderTimeout
	// This process holds one end of every slow connection, serve the other.
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	need := uint64(conns + 512)
	if lim.Cur < need && lim.Max >= need {
		lim.Cur = need
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			t.Fatal(err)
		}
	}
	if lim.Cur < need {
		t.Fatalf("open files are limited to %d (hard limit %d): %d slow connections need %d; raise the limit (ulimit -n)", lim.Cur, lim.Max, conns, need)
	}
	db := storetest.DSN(t)
	srv := startServe(t, db)
	addr := strings.TrimPrefix(srv.url, "http://")

	// The slow clients: each sends a byte, then waits a second for the
	// server to say anything (it must not) or close, and sends the next.
	header := "GET /healthz HTTP/1.1\r\nHost: " + addr + "\r\nX-Slow: " + strings.Repeat("z", 200)
	type slowConn struct {
		opened, dropped time.Time
		err             error // how it ended, when not by the server closing it
	}
	slow := make([]slowConn, conns)
	var sending, wg sync.WaitGroup
	sending.Add(conns)
	dial := make(chan int)
	for range 32 {
		go func() {
			for i := range dial {
				c, err := net.DialTimeout("tcp", addr, 10*time.Second)
				if err != nil {
					slow[i].err = err
					sending.Done()
					wg.Done()
					continue
				}
				slow[i].opened = time.Now()
				go func() {
					defer wg.Done()
					defer c.Close()
					buf := make([]byte, 512)
					for n := 0; ; n++ {
						if _, err := c.Write([]byte{header[n%len(header)]}); err != nil {
							slow[i].dropped = time.Now() // closed by the server
							break
						}
						if n == 0 {
							sending.Done()
						}
						c.SetReadDeadline(time.Now().Add(time.Second))
						m, err := c.Read(buf)
						var ne net.Error
						if errors.As(err, &ne) && ne.Timeout() {
							continue // a second passed: the next byte
						}
						// The server gives up on the request: it closes the
						// connection, maybe after a 400 or 408 saying so.
						if m > 0 && !(strings.HasPrefix(string(buf[:m]), "HTTP/1.1 400 ") || strings.HasPrefix(string(buf[:m]), "HTTP/1.1 408 ")) {
							slow[i].err = fmt.Errorf("the server answered a request it never got: %q", buf[:m])
						}
						slow[i].dropped = time.Now()
						break
					}
				}()
			}
		}()
	}
	begin := time.Now()
	wg.Add(conns)
	for i := range conns {
		dial <- i
	}
	close(dial)
	sending.Wait()
	for _, s := range slow {
		if s.err != nil {
			t.Fatalf("a slow connection: %v", s.err)
		}
	}
	t.Logf("%d slow connections open and sending, in %v (open files limit %d)", conns, time.Since(begin).Round(time.Millisecond), lim.Cur)

	// A load balancer's health check, on a new connection each time, while
	// they are all open: every answer within 1 s.
	probe := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	var lat []time.Duration
	for range 20 {
		t0 := time.Now()
		res, err := probe.Get(srv.url + "/healthz")
		if err != nil {
			t.Fatalf("/healthz beside %d slow connections: %v", conns, err)
		}
		res.Body.Close()
		lat = append(lat, time.Since(t0))
		if res.StatusCode != 200 {
			t.Fatalf("/healthz beside %d slow connections: %d", conns, res.StatusCode)
		}
		time.Sleep(100 * time.Millisecond) // the health check's interval
	}
	if stillOpen := time.Since(begin); stillOpen >= headerTimeout {
		t.Fatalf("the probes took until %v after the first slow connection opened, past the header timeout: they did not all run beside %d slow connections", stillOpen, conns)
	}
	slices.Sort(lat)
	t.Logf("/healthz beside %d slow connections: 20 answers 200, median %v, max %v", conns, lat[len(lat)/2].Round(time.Microsecond), lat[len(lat)-1].Round(time.Microsecond))

	// The server drops every slow connection once its header timeout has
	// passed.
	dropped := make(chan struct{})
	go func() { wg.Wait(); close(dropped) }()
	select {
	case <-dropped:
	case <-time.After(headerTimeout + time.Minute):
		t.Fatalf("slow connections still open a minute after the header timeout")
	}
	var first, last time.Duration
	for i, s := range slow {
		if s.err != nil {
			t.Fatalf("slow connection %d: %v", i, s.err)
		}
		held := s.dropped.Sub(s.opened)
		if held < headerTimeout-time.Second {
			t.Errorf("slow connection %d was dropped after %v, before the header timeout", i, held)
		}
		if first == 0 || held < first {
			first = held
		}
		last = max(last, held)
	}
	t.Logf("the server dropped every slow connection %v to %v after it opened", first.Round(time.Millisecond), last.Round(time.Millisecond))
	if res, err := probe.Get(srv.url + "/healthz"); err != nil || res.StatusCode != 200 {
		t.Errorf("/healthz after the slow connections: %v %v", res, err)
	} else {
		res.Body.Close()
	}
	srv.stop(t)
}
