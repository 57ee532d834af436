package mail

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"mime"
	"net"
	"net/textproto"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// serverConfig says how a test SMTP server behaves.
type serverConfig struct {
	Host       string      // listen address; 127.0.0.1 when empty
	STARTTLS   *tls.Config // offer STARTTLS with this certificate
	Implicit   *tls.Config // speak TLS from the first byte (SMTPS)
	User, Pass string      // offer AUTH PLAIN and require it before MAIL
	FailMail   int         // answer the first FailMail MAIL commands with 451
	RejectRcpt bool        // answer every RCPT with 550
}

// delivery is one message the test server accepted.
type delivery struct {
	From string
	To   []string
	Data []byte
	TLS  bool
	User string
}

// testServer is a real SMTP server (github.com/emersion/go-smtp) on a
// loopback port that records what it is sent.
type testServer struct {
	Addr string
	cfg  serverConfig

	mu       sync.Mutex
	sessions int // EHLOs seen
	mails    int // MAIL commands seen
	rcpts    int // RCPT commands seen
	got      []delivery
}

func startServer(t *testing.T, cfg serverConfig) *testServer {
	t.Helper()
	ts := &testServer{cfg: cfg}
	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		ts.mu.Lock()
		ts.sessions++
		ts.mu.Unlock()
		return &session{srv: ts, conn: c}, nil
	}))
	s.Domain = "localhost"
	s.AllowInsecureAuth = true // AUTH PLAIN on plain localhost, as net/smtp allows
	s.TLSConfig = cfg.STARTTLS
	s.ReadTimeout = 10 * time.Second
	s.WriteTimeout = 10 * time.Second
	s.ErrorLog = log.New(io.Discard, "", 0)

	host := cfg.Host
	if host == "" {
		host = "127.0.0.1"
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Implicit != nil {
		ln = tls.NewListener(ln, cfg.Implicit)
	}
	ts.Addr = ln.Addr().String()
	go s.Serve(ln)
	t.Cleanup(func() { s.Close() })
	return ts
}

// counts returns the sessions, MAIL and RCPT commands seen so far.
func (ts *testServer) counts() (sessions, mails, rcpts int) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.sessions, ts.mails, ts.rcpts
}

func (ts *testServer) deliveries() []delivery {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return slices.Clone(ts.got)
}

type session struct {
	srv  *testServer
	conn *smtp.Conn
	user string
	from string
	to   []string
}

func (s *session) AuthMechanisms() []string {
	if s.srv.cfg.User == "" {
		return nil // AUTH not advertised
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != s.srv.cfg.User || password != s.srv.cfg.Pass {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "authentication credentials invalid"}
		}
		s.user = username
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.srv.cfg.User != "" && s.user == "" {
		return smtp.ErrAuthRequired
	}
	s.srv.mu.Lock()
	s.srv.mails++
	n := s.srv.mails
	s.srv.mu.Unlock()
	if n <= s.srv.cfg.FailMail {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.srv.mu.Lock()
	s.srv.rcpts++
	s.srv.mu.Unlock()
	if s.srv.cfg.RejectRcpt {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.srv.mu.Lock()
	s.srv.got = append(s.srv.got, delivery{From: s.from, To: s.to, Data: data, TLS: isTLS, User: s.user})
	s.srv.mu.Unlock()
	return nil
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

// selfSigned returns a server TLS config with a fresh self-signed
// certificate for 127.0.0.1 and localhost, and a pool that trusts it.
func selfSigned(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "entitle mail test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// silentAddr returns the address of a listener that accepts connections
// and never says a word, like a server that hangs.
func silentAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

var invitation = Message{
	To:      []string{"bob@example.com", "ann@example.org"},
	Subject: "Einladung für Bob",
	Text:    "Hello Bob,\nAlice invited you: https://portal.example.com/i/abc\n",
	HTML:    "<p>Hello Bob,</p><p>Alice <a href=\"https://portal.example.com/i/abc\">invited you</a>.</p>",
	Headers: map[string]string{"X-Entitle-Invitation": "inv_1"},
}

// checkDelivery checks that d is invitation, from noreply@example.com.
func checkDelivery(t *testing.T, d delivery) {
	t.Helper()
	if d.From != "noreply@example.com" {
		t.Errorf("MAIL FROM %q, want noreply@example.com", d.From)
	}
	if !slices.Equal(d.To, invitation.To) {
		t.Errorf("RCPT TO %q, want %q", d.To, invitation.To)
	}
	msg := parse(t, d.Data)
	if got, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject")); err != nil || got != invitation.Subject {
		t.Errorf("Subject = %q (%v), want %q", got, err, invitation.Subject)
	}
	if got := msg.Header.Get("X-Entitle-Invitation"); got != "inv_1" {
		t.Errorf("X-Entitle-Invitation = %q", got)
	}
	if d, err := msg.Header.Date(); err != nil || !d.Equal(testNow) {
		t.Errorf("Date = %v (%v), want %v", d, err, testNow)
	}
	body, _ := io.ReadAll(msg.Body)
	if !strings.Contains(string(body), "Alice invited you: https://portal.example.com/i/abc") {
		t.Errorf("the text part is missing from the body:\n%s", body)
	}
}

// sender returns an SMTP sender for addr with the test defaults.
func sender(addr string) SMTP {
	return SMTP{
		Addr:    addr,
		From:    "Entitle <noreply@example.com>",
		Timeout: 10 * time.Second,
		Now:     func() time.Time { return testNow },
	}
}

func TestSMTPDelivers(t *testing.T) {
	ts := startServer(t, serverConfig{})
	if err := sender(ts.Addr).Send(context.Background(), invitation); err != nil {
		t.Fatal(err)
	}
	got := ts.deliveries()
	if len(got) != 1 {
		t.Fatalf("server got %d messages, want 1", len(got))
	}
	checkDelivery(t, got[0])
	if got[0].TLS {
		t.Errorf("delivered over TLS, though the server offers none")
	}
}

func TestSMTPAuthPlain(t *testing.T) {
	ts := startServer(t, serverConfig{User: "portal", Pass: "s3cret"})

	s := sender(ts.Addr)
	s.Username, s.Password = "portal", "s3cret"
	if err := s.Send(context.Background(), invitation); err != nil {
		t.Fatal(err)
	}
	got := ts.deliveries()
	if len(got) != 1 || got[0].User != "portal" {
		t.Fatalf("server got %+v, want one message from user portal", got)
	}
	checkDelivery(t, got[0])

	s.Password = "wrong"
	err := s.Send(context.Background(), invitation)
	var te *textproto.Error
	if err == nil || !strings.Contains(err.Error(), "AUTH") || !errors.As(err, &te) || te.Code != 535 || !IsPermanent(err) {
		t.Errorf("wrong password: Send = %v, want a permanent 535 error naming AUTH", err)
	}

	s.Username = ""
	if err := s.Send(context.Background(), invitation); err == nil || !strings.Contains(err.Error(), "MAIL FROM") {
		t.Errorf("no credentials: Send = %v, want the server's refusal at MAIL FROM", err)
	}
}

func TestSMTPAuthNotOffered(t *testing.T) {
	ts := startServer(t, serverConfig{})
	s := sender(ts.Addr)
	s.Username, s.Password = "portal", "s3cret"
	err := s.Send(context.Background(), invitation)
	if err == nil || !strings.Contains(err.Error(), "does not offer AUTH PLAIN") || !IsPermanent(err) {
		t.Errorf("Send = %v, want a permanent error saying AUTH PLAIN is not offered", err)
	}
}

func TestSMTPAuthRefusedWithoutTLS(t *testing.T) {
	// 127.0.0.2 is loopback on Linux but not "localhost" to net/smtp's rule.
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.2: %v", err)
	}
	ln.Close()
	ts := startServer(t, serverConfig{Host: "127.0.0.2", User: "portal", Pass: "s3cret"})
	s := sender(ts.Addr)
	s.Username, s.Password = "portal", "s3cret"
	err = s.Send(context.Background(), invitation)
	if err == nil || !strings.Contains(err.Error(), "refusing to send the password without TLS") || !IsPermanent(err) {
		t.Errorf("Send = %v, want a permanent refusal to send the password in the clear", err)
	}
	if len(ts.deliveries()) != 0 {
		t.Errorf("the server got a message")
	}
}

func TestSMTPTLSRequiredWithoutSTARTTLS(t *testing.T) {
	ts := startServer(t, serverConfig{})
	s := sender(ts.Addr)
	s.TLS = TLSRequired
	err := s.Send(context.Background(), invitation)
	if err == nil || !strings.Contains(err.Error(), "does not offer STARTTLS and TLS is required") ||
		!strings.Contains(err.Error(), ts.Addr) || !IsPermanent(err) {
		t.Errorf("Send = %v, want a permanent error naming the server and saying STARTTLS is missing", err)
	}
	if _, mails, _ := ts.counts(); mails != 0 {
		t.Errorf("the server saw %d MAIL commands, want none", mails)
	}
}

func TestSMTPSTARTTLS(t *testing.T) {
	serverTLS, roots := selfSigned(t)
	ts := startServer(t, serverConfig{STARTTLS: serverTLS, User: "portal", Pass: "s3cret"})

	for _, tc := range []struct {
		mode    TLSMode
		wantTLS bool
	}{
		{TLSRequired, true},
		{TLSOpportunistic, true},
		{TLSNone, false},
	} {
		s := sender(ts.Addr)
		s.TLS = tc.mode
		s.TLSConfig = &tls.Config{RootCAs: roots}
		s.Username, s.Password = "portal", "s3cret"
		if err := s.Send(context.Background(), invitation); err != nil {
			t.Fatalf("%v: %v", tc.mode, err)
		}
		got := ts.deliveries()
		last := got[len(got)-1]
		checkDelivery(t, last)
		if last.TLS != tc.wantTLS || last.User != "portal" {
			t.Errorf("%v: delivered with TLS %v as %q, want TLS %v as portal", tc.mode, last.TLS, last.User, tc.wantTLS)
		}
	}

	// Without the test root the certificate does not verify.
	s := sender(ts.Addr)
	s.TLS = TLSRequired
	err := s.Send(context.Background(), invitation)
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") || !IsPermanent(err) {
		t.Errorf("untrusted certificate: Send = %v, want a permanent error naming STARTTLS", err)
	}
}

func TestSMTPImplicitTLS(t *testing.T) {
	serverTLS, roots := selfSigned(t)
	ts := startServer(t, serverConfig{Implicit: serverTLS})
	s := sender(ts.Addr)
	s.TLS = TLSImplicit
	s.TLSConfig = &tls.Config{RootCAs: roots}
	if err := s.Send(context.Background(), invitation); err != nil {
		t.Fatal(err)
	}
	got := ts.deliveries()
	if len(got) != 1 || !got[0].TLS {
		t.Fatalf("server got %+v, want one message over TLS", got)
	}
	checkDelivery(t, got[0])
}

func TestSMTPRejectedRecipient(t *testing.T) {
	ts := startServer(t, serverConfig{RejectRcpt: true})
	err := sender(ts.Addr).Send(context.Background(), invitation)
	var te *textproto.Error
	if err == nil || !strings.Contains(err.Error(), "RCPT TO <bob@example.com>") || !strings.Contains(err.Error(), ts.Addr) {
		t.Fatalf("Send = %v, want an error naming the server and RCPT TO <bob@example.com>", err)
	}
	if !errors.As(err, &te) || te.Code != 550 || !IsPermanent(err) {
		t.Errorf("Send = %v, want a permanent *textproto.Error with code 550", err)
	}
	if len(ts.deliveries()) != 0 {
		t.Errorf("the server got a message")
	}
}

func TestSMTPDialFails(t *testing.T) {
	addr := closedAddr(t)
	err := sender(addr).Send(context.Background(), invitation)
	if err == nil || !strings.Contains(err.Error(), "smtp server "+addr+": dial") || IsPermanent(err) {
		t.Errorf("Send = %v, want a transient error naming %s and dial", err, addr)
	}
}

func TestSMTPTimeoutAndCancel(t *testing.T) {
	addr := silentAddr(t)

	s := sender(addr)
	s.Timeout = 100 * time.Millisecond
	start := time.Now()
	err := s.Send(context.Background(), invitation)
	if err == nil || !strings.Contains(err.Error(), "greeting") || !errors.Is(err, context.DeadlineExceeded) || IsPermanent(err) {
		t.Errorf("Send = %v, want a transient deadline error at the greeting", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Send took %v with a 100ms timeout", d)
	}

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start = time.Now()
	err = sender(addr).Send(ctx, invitation)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Send = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Send took %v after cancel", d)
	}
}

func TestSMTPRefusesBeforeConnecting(t *testing.T) {
	ts := startServer(t, serverConfig{})
	bad := sender(ts.Addr)
	bad.From = ""
	noPort := sender("smtp.example.com")
	badMode := sender(ts.Addr)
	badMode.TLS = TLSMode(42)
	for _, tc := range []struct {
		name string
		s    SMTP
		m    Message
		want string
	}{
		{"bad recipient", sender(ts.Addr), Message{To: []string{"Bob <bob@example.com>"}, Text: "x"}, "To[0]"},
		{"no From", bad, invitation, "From"},
		{"no port", noPort, invitation, "host:port"},
		{"unknown TLS mode", badMode, invitation, "TLS mode"},
	} {
		err := tc.s.Send(context.Background(), tc.m)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !IsPermanent(err) {
			t.Errorf("%s: Send = %v, want a permanent error mentioning %q", tc.name, err, tc.want)
		}
	}
	if sessions, _, _ := ts.counts(); sessions != 0 {
		t.Errorf("the server saw %d sessions, want none", sessions)
	}
}

func TestParseTLSMode(t *testing.T) {
	for in, want := range map[string]TLSMode{
		"":              TLSOpportunistic,
		"opportunistic": TLSOpportunistic,
		"required":      TLSRequired,
		" Required ":    TLSRequired,
		"implicit":      TLSImplicit,
		"NONE":          TLSNone,
	} {
		got, err := ParseTLSMode(in)
		if err != nil || got != want {
			t.Errorf("ParseTLSMode(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"tls", "starttls", "yes", "ssl"} {
		if _, err := ParseTLSMode(in); err == nil || !strings.Contains(err.Error(), "opportunistic, required, implicit or none") {
			t.Errorf("ParseTLSMode(%q) = %v, want an error listing the modes", in, err)
		}
	}
	for _, m := range []TLSMode{TLSOpportunistic, TLSRequired, TLSImplicit, TLSNone} {
		var got TLSMode
		if err := got.Set(m.String()); err != nil || got != m {
			t.Errorf("Set(%q) = %v, %v", m.String(), got, err)
		}
	}
}
