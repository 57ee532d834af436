// Package mailtest runs a real SMTP server (github.com/emersion/go-smtp) on
// a loopback port for the tests of packages that send mail: it keeps what
// it is sent, refuses the recipients it is told to refuse (550) and answers
// the first messages with 451 (try again later) when told to.
package mailtest

import (
	"io"
	"log"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Server is an SMTP server listening on Addr until the test ends.
type Server struct {
	Addr string

	mu        sync.Mutex
	refuse    []string // recipients answered 550
	failFirst int      // messages answered 451 (since Set) before any is taken
	tries     int
	got       []string // each delivered message, as sent
}

// Start starts a server that takes every message; it stops when t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	ms := &Server{}
	s := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{srv: ms}, nil }))
	s.Domain = "localhost"
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	s.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ms.Addr = ln.Addr().String()
	go s.Serve(ln)
	t.Cleanup(func() { s.Close() })
	return ms
}

// Set makes the server refuse these recipients (550) and answer the next
// failFirst messages with 451.
func (ms *Server) Set(refuse []string, failFirst int) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	ms.refuse, ms.failFirst, ms.tries = refuse, failFirst, 0
}

// Messages returns the messages delivered so far, as sent.
func (ms *Server) Messages() []string {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return slices.Clone(ms.got)
}

type session struct{ srv *Server }

func (s *session) Mail(string, *smtp.MailOptions) error { return nil }

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	if slices.Contains(s.srv.refuse, strings.ToLower(to)) {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user here"}
	}
	return nil
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	s.srv.tries++
	if s.srv.tries <= s.srv.failFirst {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "busy, try again later"}
	}
	s.srv.got = append(s.srv.got, string(data))
	return nil
}

func (s *session) Reset()        {}
func (s *session) Logout() error { return nil }
