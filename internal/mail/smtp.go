package mail

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"slices"
	"strings"
	"time"
)

// TLSMode says how SMTP protects the connection to the server.
type TLSMode int

const (
	// TLSOpportunistic upgrades with STARTTLS when the server offers it and
	// sends in the clear when it does not. The zero value.
	TLSOpportunistic TLSMode = iota
	// TLSRequired upgrades with STARTTLS and fails when the server does not
	// offer it (submission, usually port 587).
	TLSRequired
	// TLSImplicit speaks TLS from the first byte (SMTPS, usually port 465).
	TLSImplicit
	// TLSNone never uses TLS, even when the server offers it.
	TLSNone
)

var tlsModeNames = []string{"opportunistic", "required", "implicit", "none"}

// String returns the name ParseTLSMode accepts.
func (m TLSMode) String() string {
	if m < 0 || int(m) >= len(tlsModeNames) {
		return fmt.Sprintf("TLSMode(%d)", int(m))
	}
	return tlsModeNames[m]
}

// ParseTLSMode reads a TLS mode from a flag or setting: "opportunistic",
// "required", "implicit" or "none" (any case). The empty string is the
// default, opportunistic.
func ParseTLSMode(s string) (TLSMode, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "" {
		return TLSOpportunistic, nil
	}
	if i := slices.Index(tlsModeNames, t); i >= 0 {
		return TLSMode(i), nil
	}
	return 0, fmt.Errorf("mail: unknown TLS mode %q: use opportunistic, required, implicit or none", s)
}

// Choices are the names a TLS mode flag takes (shell completion offers
// them).
func (m *TLSMode) Choices() []string { return slices.Clone(tlsModeNames) }

// Set implements flag.Value, so a TLSMode can be a flag: fs.Var(&mode, …).
func (m *TLSMode) Set(s string) error {
	v, err := ParseTLSMode(s)
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// DefaultTimeout bounds one SMTP delivery, from dial to QUIT, when
// SMTP.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// SMTP is a Sender that hands each message to an SMTP server, one connection
// per message, using the standard library's net/smtp.
//
// With a Username it authenticates with AUTH PLAIN. net/smtp refuses to send
// the password over a connection without TLS unless the server is localhost
// (the names "localhost", "127.0.0.1" or "::1"); SMTP checks the same rule
// first and says so, so use TLSRequired or TLSImplicit with a remote server.
//
// Errors name the server and the step that failed: dial, greeting, EHLO,
// STARTTLS, AUTH, MAIL FROM, RCPT TO or DATA. A server's reply comes
// wrapped as a *textproto.Error with its code; see IsPermanent.
type SMTP struct {
	Addr      string        // "host:port", e.g. "smtp.example.com:587"
	From      string        // default From for messages without one
	Username  string        // AUTH PLAIN when set
	Password  string        //
	TLS       TLSMode       // TLSOpportunistic when zero
	TLSConfig *tls.Config   // optional (e.g. RootCAs); ServerName defaults to Addr's host
	Timeout   time.Duration // per message, dial to QUIT; DefaultTimeout when zero
	Now       func() time.Time
}

// Send delivers m to the server at s.Addr. The message is encoded (and
// checked) before any connection is made. Send returns nil only after the
// server has accepted the message at the end of DATA; a failing QUIT after
// that is ignored, since the message is already on its way.
func (s SMTP) Send(ctx context.Context, m Message) error {
	if m.From == "" {
		m.From = s.From
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	data, err := Encode(m, now())
	if err != nil {
		return err
	}
	from, err := mail.ParseAddress(m.From) // checked by Encode
	if err != nil {
		return err
	}
	host, _, err := net.SplitHostPort(s.Addr)
	if err != nil || host == "" {
		return permanentf("mail: smtp server address %q is not host:port; give e.g. smtp.example.com:587", s.Addr)
	}
	if s.TLS < TLSOpportunistic || s.TLS > TLSNone {
		return permanentf("mail: smtp server %s: unknown TLS mode %d; use one of the TLSMode constants", s.Addr, int(s.TLS))
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	fail := func(step string, err error) error {
		if cerr := ctx.Err(); cerr != nil {
			return fmt.Errorf("mail: smtp server %s: %s: %w (%w)", s.Addr, step, cerr, err)
		}
		return fmt.Errorf("mail: smtp server %s: %s: %w", s.Addr, step, err)
	}
	cfg := s.tlsConfig(host)

	conn, err := s.dial(ctx, cfg)
	if err != nil {
		return fail("dial", err)
	}
	defer conn.Close()
	// net/smtp knows no context: when ctx is done (canceled or past the
	// timeout), a deadline in the past ends the read or write in progress,
	// and fail reports ctx's error.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return fail("greeting", err)
	}
	defer c.Close()
	if err := c.Hello("localhost"); err != nil {
		return fail("EHLO", err)
	}

	if s.TLS == TLSOpportunistic || s.TLS == TLSRequired {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(cfg); err != nil {
				return fail("STARTTLS", err)
			}
		} else if s.TLS == TLSRequired {
			return permanentf("mail: smtp server %s: STARTTLS: the server does not offer STARTTLS and TLS is required; "+
				"use TLS mode implicit if it speaks SMTPS (usually port 465), or opportunistic to send without encryption", s.Addr)
		}
	}

	if s.Username != "" {
		ok, mechs := c.Extension("AUTH")
		if !ok || !slices.Contains(strings.Fields(strings.ToUpper(mechs)), "PLAIN") {
			return permanentf("mail: smtp server %s: AUTH: the server does not offer AUTH PLAIN (offered: %q); "+
				"many servers offer it only over TLS, so try TLS mode required, or clear the username", s.Addr, mechs)
		}
		if _, isTLS := c.TLSConnectionState(); !isTLS && !isLocalhost(host) {
			return permanentf("mail: smtp server %s: AUTH: refusing to send the password without TLS; "+
				"use TLS mode required or implicit", s.Addr)
		}
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, host)); err != nil {
			return fail("AUTH", err)
		}
	}

	if err := c.Mail(from.Address); err != nil {
		return fail("MAIL FROM <"+from.Address+">", err)
	}
	for _, to := range trimAll(m.To) {
		if err := c.Rcpt(to); err != nil {
			return fail("RCPT TO <"+to+">", err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fail("DATA", err)
	}
	if _, err := w.Write(data); err != nil {
		return fail("DATA", err)
	}
	if err := w.Close(); err != nil {
		return fail("DATA", err)
	}
	c.Quit() // the server has the message; a failed QUIT does not undo that
	return nil
}

// dial connects to s.Addr, speaking TLS from the start for TLSImplicit.
func (s SMTP) dial(ctx context.Context, cfg *tls.Config) (net.Conn, error) {
	d := &net.Dialer{}
	if s.TLS == TLSImplicit {
		return (&tls.Dialer{NetDialer: d, Config: cfg}).DialContext(ctx, "tcp", s.Addr)
	}
	return d.DialContext(ctx, "tcp", s.Addr)
}

// tlsConfig returns a copy of s.TLSConfig (or a new one) that verifies the
// certificate against host unless it names another server.
func (s SMTP) tlsConfig(host string) *tls.Config {
	cfg := &tls.Config{}
	if s.TLSConfig != nil {
		cfg = s.TLSConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	return cfg
}

// isLocalhost is net/smtp's rule for where PlainAuth may go without TLS.
func isLocalhost(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}
