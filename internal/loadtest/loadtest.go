// Package loadtest is a small closed-loop HTTP load driver for the
// benchmarks: a fixed number of workers, each sending one request at a time
// over its own keep-alive connection, for a fixed duration after a warm-up.
// Every answer is checked (status, and optionally a piece of the body): a
// wrong answer stops the run and fails it. Latencies are recorded per request
// into preallocated per-worker slices and sorted at the end (no histogram
// approximation).
//
// It only ever talks to the URLs it is given; the benchmarks give it
// loopback servers of their own.
package loadtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Target is one request and the answer it must get.
type Target struct {
	// Req is sent as is with the transport's RoundTrip; it must have no
	// body. A worker reuses its own copy of it (see Run), never sharing it.
	Req *http.Request
	// Status is the status the answer must have.
	Status int
	// Contains, when not empty, must occur in the answer's body.
	Contains []byte
}

// Config is one run.
type Config struct {
	// Targets are sent in turn by every worker, each worker starting at
	// its own offset so that the workers' requests are spread over them.
	Targets []Target
	// Workers is the number of concurrent workers, and of connections.
	Workers int
	// Warmup is how long the workers run before the measurement starts
	// (connections opened, caches warm); nothing of it is recorded.
	Warmup time.Duration
	// Duration is the measurement window.
	Duration time.Duration
	// Transport sends the requests; NewTransport(Workers) when nil.
	Transport *http.Transport
	// Hosts, when not empty, spreads the workers over several servers
	// round-robin: worker w sends every target to Hosts[w%len(Hosts)]
	// (host:port) instead of the host in its URL, so each server gets
	// Workers/len(Hosts) of the connections and the same requests.
	Hosts []string
}

// Result is what a run measured: only the requests that started and
// finished inside the measurement window count.
type Result struct {
	Requests  int             // requests answered in the window
	Elapsed   time.Duration   // the window's length
	Latencies []time.Duration // one per request, sorted
	Statuses  map[int]int     // requests by status, in the window
	Dials     int64           // connections opened over the whole run, warm-up included
	Bytes     int64           // body bytes read in the window
}

// PerSecond is the throughput: requests answered per second of the window.
func (r Result) PerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Quantile returns the latency below which a fraction q (0 … 1) of the
// requests fall: the nearest-rank value of the sorted latencies.
func (r Result) Quantile(q float64) time.Duration {
	n := len(r.Latencies)
	if n == 0 {
		return 0
	}
	i := int(q * float64(n))
	if i >= n {
		i = n - 1
	}
	return r.Latencies[i]
}

// String summarises the result on one line.
func (r Result) String() string {
	return fmt.Sprintf("%d requests in %v: %.0f req/s, p50 %v, p99 %v, %d connections, statuses %v",
		r.Requests, r.Elapsed.Round(time.Millisecond), r.PerSecond(),
		r.Quantile(0.50).Round(time.Microsecond), r.Quantile(0.99).Round(time.Microsecond), r.Dials, r.Statuses)
}

// NewTransport returns a transport for conns concurrent requests to one
// host: HTTP/1.1 keep-alive, conns idle connections kept, no proxy, no
// compression, and a bound on how long an answer may take to start.
func NewTransport(conns int) *http.Transport {
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Transport{
		DialContext:           d.DialContext,
		MaxIdleConns:          conns,
		MaxIdleConnsPerHost:   conns,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		DisableCompression:    true,
	}
}

// Run drives cfg's targets with cfg.Workers closed-loop workers: each sends a
// request, reads the whole answer, checks it and sends the next, from the
// start of the warm-up to the end of the measurement window. The first wrong
// answer (or transport error) stops every worker and is returned.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if len(cfg.Targets) == 0 {
		return Result{}, errors.New("loadtest: no targets")
	}
	if cfg.Workers < 1 {
		return Result{}, errors.New("loadtest: Workers must be at least 1")
	}
	if cfg.Duration <= 0 {
		return Result{}, errors.New("loadtest: Duration must be positive")
	}
	tr := cfg.Transport
	if tr == nil {
		tr = NewTransport(cfg.Workers)
		defer tr.CloseIdleConnections()
	}
	var dials atomic.Int64
	if dial := tr.DialContext; dial != nil {
		tr = tr.Clone()
		defer tr.CloseIdleConnections()
		tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			return dial(ctx, network, addr)
		}
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		stop    atomic.Bool
		errOnce sync.Once
		runErr  error
	)
	fail := func(err error) {
		errOnce.Do(func() { runErr = err })
		stop.Store(true)
		cancel()
	}

	// Each worker has its own copies of the requests and its own latency
	// slice, preallocated for a generous rate so that appending never
	// allocates inside the window.
	perWorker := int(cfg.Duration.Seconds()*200_000)/cfg.Workers + 1024
	type workerResult struct {
		lat      []time.Duration
		statuses map[int]int
		bytes    int64
	}
	results := make([]workerResult, cfg.Workers)
	reqs := make([][]*http.Request, cfg.Workers)
	for w := range reqs {
		reqs[w] = make([]*http.Request, len(cfg.Targets))
		for i, t := range cfg.Targets {
			if t.Req.Body != nil && t.Req.Body != http.NoBody {
				return Result{}, fmt.Errorf("loadtest: target %d has a body", i)
			}
			req := t.Req.Clone(ctx)
			if len(cfg.Hosts) > 0 {
				req.URL.Host = cfg.Hosts[w%len(cfg.Hosts)]
				req.Host = req.URL.Host
			}
			reqs[w][i] = req
		}
		results[w] = workerResult{lat: make([]time.Duration, 0, perWorker), statuses: map[int]int{}}
	}

	start := time.Now()
	measureFrom := start.Add(cfg.Warmup)
	measureTo := measureFrom.Add(cfg.Duration)
	var wg sync.WaitGroup
	for w := range cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := &results[w]
			var body bytes.Buffer
			body.Grow(64 << 10)
			i := w * len(cfg.Targets) / cfg.Workers
			for !stop.Load() {
				t := &cfg.Targets[i]
				req := reqs[w][i]
				if i++; i == len(cfg.Targets) {
					i = 0
				}
				t0 := time.Now()
				if !t0.Before(measureTo) {
					return
				}
				resp, err := tr.RoundTrip(req)
				if err != nil {
					if ctx.Err() == nil {
						fail(fmt.Errorf("%s %s: %w", req.Method, req.URL, err))
					}
					return
				}
				body.Reset()
				_, err = body.ReadFrom(resp.Body)
				resp.Body.Close()
				t1 := time.Now()
				if err != nil {
					if ctx.Err() == nil {
						fail(fmt.Errorf("%s %s: reading the answer: %w", req.Method, req.URL, err))
					}
					return
				}
				if resp.StatusCode != t.Status || (len(t.Contains) > 0 && !bytes.Contains(body.Bytes(), t.Contains)) {
					fail(fmt.Errorf("%s %s: got %d %.300q, want %d containing %q",
						req.Method, req.URL, resp.StatusCode, body.Bytes(), t.Status, t.Contains))
					return
				}
				if !t0.Before(measureFrom) && !t1.After(measureTo) {
					res.lat = append(res.lat, t1.Sub(t0))
					res.statuses[resp.StatusCode]++
					res.bytes += int64(body.Len())
				}
			}
		}()
	}
	wg.Wait()
	if runErr != nil {
		return Result{}, runErr
	}
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}

	r := Result{Elapsed: cfg.Duration, Statuses: map[int]int{}, Dials: dials.Load()}
	n := 0
	for _, res := range results {
		n += len(res.lat)
	}
	r.Latencies = make([]time.Duration, 0, n)
	for _, res := range results {
		r.Latencies = append(r.Latencies, res.lat...)
		for s, c := range res.statuses {
			r.Statuses[s] += c
		}
		r.Bytes += res.bytes
	}
	slices.Sort(r.Latencies)
	r.Requests = len(r.Latencies)
	return r, nil
}
