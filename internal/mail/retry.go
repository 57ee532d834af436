package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/textproto"
	"time"
)

// Retry is a Sender that tries another Sender again after transient
// failures: a refused or dropped connection, a timeout, a 4xx reply. It does
// not retry permanent failures (see IsPermanent), and it stops waiting as
// soon as ctx is done.
//
// A retry after a failure at the very end of DATA can deliver a message
// twice; SMTP cannot tell whether the server kept it.
type Retry struct {
	Sender   Sender
	Attempts int           // tries in all, the first included; 3 when zero
	Backoff  time.Duration // wait before the second try, doubling after; 1s when zero
}

// maxBackoff caps the doubling wait between attempts.
const maxBackoff = time.Hour

// Send sends m through r.Sender, retrying as documented on Retry.
func (r Retry) Send(ctx context.Context, m Message) error {
	if r.Sender == nil {
		return errors.New("mail: Retry has no Sender; set Retry.Sender")
	}
	attempts := r.Attempts
	if attempts <= 0 {
		attempts = 3
	}
	wait := r.Backoff
	if wait <= 0 {
		wait = time.Second
	}
	for i := 1; ; i++ {
		err := r.Sender.Send(ctx, m)
		if err == nil || IsPermanent(err) || ctx.Err() != nil || attempts == 1 {
			return err
		}
		if i == attempts {
			return fmt.Errorf("mail: gave up after %d attempts: %w", attempts, err)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("mail: stopped retrying after %d attempts: %w (last error: %w)", i, ctx.Err(), err)
		case <-t.C:
		}
		if wait < maxBackoff {
			wait = min(2*wait, maxBackoff)
		}
	}
}

// IsPermanent reports whether sending the same message again cannot help:
// the message itself is invalid (*MessageError), the server answered with a
// 5xx reply (*textproto.Error with Code >= 500: unknown recipient, wrong
// password, …), the server's certificate does not verify, or the SMTP
// settings do not fit the server (TLS required but not offered, no AUTH
// PLAIN). Everything else, including 4xx replies, may pass on a later try.
func IsPermanent(err error) bool {
	var me *MessageError
	var pe *permanentError
	var te *textproto.Error
	var ce *tls.CertificateVerificationError
	switch {
	case errors.As(err, &me), errors.As(err, &pe), errors.As(err, &ce):
		return true
	case errors.As(err, &te):
		return te.Code >= 500
	}
	return false
}

// permanentError marks a failure that retrying cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

func permanentf(format string, args ...any) error {
	return &permanentError{fmt.Errorf(format, args...)}
}
