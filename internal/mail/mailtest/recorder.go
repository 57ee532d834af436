package mailtest

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/entitle-portal/entitle/internal/mail"
)

// Recorder is a mail.Sender that keeps the messages it is given, as
// composed: for the tests of a service that read what it wrote (its
// language, its recipients). The way to the SMTP server is tested with
// Server.
type Recorder struct {
	mu   sync.Mutex
	sent []mail.Message
}

// Send keeps m.
func (r *Recorder) Send(_ context.Context, m mail.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, m)
	return nil
}

// Take returns the messages sent since the last Take.
func (r *Recorder) Take() []mail.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.sent
	r.sent = nil
	return out
}

// To returns the one message of ms to exactly addrs, failing t when there
// is none or more than one.
func To(t testing.TB, ms []mail.Message, addrs ...string) mail.Message {
	t.Helper()
	var found []mail.Message
	for _, m := range ms {
		if slices.Equal(m.To, addrs) {
			found = append(found, m)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d messages to %v among %d: %+v", len(found), addrs, len(ms), ms)
	}
	return found[0]
}
