package storetest

import (
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
)

// Proxy is a TCP proxy between a store and the test's PostgreSQL server, so
// that a test can make the database go away under a running store and come
// back, as a network or a database restart would: Cut refuses every
// connection, Stall accepts them and never answers, Restore forwards again
// on the same address.
type Proxy struct {
	target string // host:port of the PostgreSQL server
	addr   string // host:port of the proxy, fixed once it listens

	mu      sync.Mutex
	ln      net.Listener      // nil while cut
	stalled bool              // accepted connections are held, never forwarded
	conns   map[net.Conn]bool // every open connection, both sides
	wg      sync.WaitGroup    // the accept loops and the pipes
	closed  bool              // the test is over
}

// ProxiedPostgres creates an empty database for the test on the test server
// (see [NewPostgresDatabase]) and returns its DSN through a new proxy, and
// the proxy. The proxy is cut when the test ends.
func ProxiedPostgres(t testing.TB) (dsn string, p *Proxy) {
	t.Helper()
	u, err := url.Parse(NewPostgresDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	p = &Proxy{target: u.Host, conns: map[net.Conn]bool{}}
	if err := p.listen("127.0.0.1:0", false); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.close)
	u.Host = p.addr
	return u.String(), p
}

// Addr is the proxy's address.
func (p *Proxy) Addr() string { return p.addr }

// Cut closes the proxy's listener and every connection through it: the
// store's connections fail, and new ones are refused.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cutLocked()
}

// Stall cuts every connection, then accepts new ones and never answers
// them: a database that takes connections and hangs.
func (p *Proxy) Stall() error {
	p.Cut()
	return p.listen(p.addr, true)
}

// Restore cuts whatever is open (a stalled connection too) and forwards
// again, on the same address.
func (p *Proxy) Restore() error {
	p.Cut()
	return p.listen(p.addr, false)
}

func (p *Proxy) cutLocked() {
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

func (p *Proxy) close() {
	p.mu.Lock()
	p.closed = true
	p.cutLocked()
	p.mu.Unlock()
	p.wg.Wait()
}

// listen starts accepting on addr; stalled connections are held open
// without ever being forwarded.
func (p *Proxy) listen(addr string, stalled bool) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		ln.Close()
		return nil
	}
	p.ln, p.stalled, p.addr = ln, stalled, ln.Addr().String()
	p.wg.Add(1)
	go p.accept(ln)
	return nil
}

func (p *Proxy) accept(ln net.Listener) {
	defer p.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.ln != ln { // cut while this connection came in
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.conns[c] = true
		stalled := p.stalled
		if !stalled {
			p.wg.Add(1)
		}
		p.mu.Unlock()
		if !stalled {
			go p.pipe(ln, c)
		}
	}
}

// pipe forwards c to the target and back until either side closes.
func (p *Proxy) pipe(ln net.Listener, c net.Conn) {
	defer p.wg.Done()
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	if p.ln != ln {
		p.mu.Unlock()
		c.Close()
		up.Close()
		return
	}
	p.conns[up] = true
	p.mu.Unlock()
	done := make(chan struct{})
	go func() {
		io.Copy(up, c)
		up.Close()
		close(done)
	}()
	io.Copy(c, up)
	c.Close()
	up.Close()
	<-done
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, up)
	p.mu.Unlock()
}
