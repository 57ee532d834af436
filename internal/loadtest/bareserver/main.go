// Command bareserver serves loadtest.BareHandler, the bare net/http ceiling
// of the HTTP benchmark, for an external load generator such as wrk (see
// BENCHMARKS.md), and for BenchmarkHTTPServe. It stops on SIGINT or SIGTERM,
// finishing the requests in flight.
//
//	go run ./internal/loadtest/bareserver -addr 127.0.0.1:8091
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/entitle-portal/entitle/internal/loadtest"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8091", "address to listen on (port 0 picks a free one)")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("serving the bare handler on http://%s\n", ln.Addr())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	hs := loadtest.NewServer(loadtest.BareHandler())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err = <-errc:
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err = hs.Shutdown(sctx)
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
