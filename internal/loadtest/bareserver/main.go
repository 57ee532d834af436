// Command bareserver serves loadtest.BareHandler, the bare net/http ceiling
// of the HTTP benchmark, for an external load generator such as wrk (see
// BENCHMARKS.md):
//
//	go run ./internal/loadtest/bareserver -addr 127.0.0.1:8091
package main

import (
	"flag"
	"fmt"
	"net"
	"os"

	"github.com/entitle-portal/entitle/internal/loadtest"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8091", "address to listen on")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("serving the bare handler on http://%s\n", ln.Addr())
	if err := loadtest.NewServer(loadtest.BareHandler()).Serve(ln); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
