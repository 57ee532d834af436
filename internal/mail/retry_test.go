package mail

import (
	"context"
	"errors"
	"net/textproto"
	"strings"
	"testing"
	"time"
)

func TestRetryTransientThenSuccess(t *testing.T) {
	ts := startServer(t, serverConfig{FailMail: 1}) // 451 once, then accept
	r := Retry{Sender: sender(ts.Addr), Backoff: 10 * time.Millisecond}
	if err := r.Send(context.Background(), invitation); err != nil {
		t.Fatal(err)
	}
	if _, mails, _ := ts.counts(); mails != 2 {
		t.Errorf("server saw %d MAIL commands, want 2 (one 451, one accepted)", mails)
	}
	got := ts.deliveries()
	if len(got) != 1 {
		t.Fatalf("server got %d messages, want 1", len(got))
	}
	checkDelivery(t, got[0])
}

func TestRetryPermanentNotRetried(t *testing.T) {
	ts := startServer(t, serverConfig{RejectRcpt: true}) // 550
	r := Retry{Sender: sender(ts.Addr), Attempts: 5, Backoff: 10 * time.Millisecond}
	err := r.Send(context.Background(), invitation)
	var te *textproto.Error
	if !errors.As(err, &te) || te.Code != 550 || !strings.Contains(err.Error(), "RCPT TO") {
		t.Errorf("Send = %v, want the 550 at RCPT TO", err)
	}
	if sessions, _, rcpts := ts.counts(); sessions != 1 || rcpts != 1 {
		t.Errorf("server saw %d sessions and %d RCPT commands, want 1 and 1 (no retry)", sessions, rcpts)
	}
}

func TestRetryInvalidMessageNotRetried(t *testing.T) {
	// With an hour between attempts, a retry would hang the test.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r := Retry{Sender: Outbox{Dir: t.TempDir()}, Backoff: time.Hour}
	err := r.Send(ctx, Message{From: "a@example.com", To: []string{"bob"}, Text: "x"})
	var me *MessageError
	if !errors.As(err, &me) || me.Field != "To[0]" {
		t.Errorf("Send = %v, want the *MessageError for To[0] at once", err)
	}
}

func TestRetryGivesUp(t *testing.T) {
	addr := closedAddr(t)
	r := Retry{Sender: sender(addr), Attempts: 3, Backoff: 20 * time.Millisecond}
	start := time.Now()
	err := r.Send(context.Background(), invitation)
	if err == nil || !strings.Contains(err.Error(), "gave up after 3 attempts") || !strings.Contains(err.Error(), addr+": dial") {
		t.Errorf("Send = %v, want it to give up after 3 attempts to dial %s", err, addr)
	}
	if d := time.Since(start); d < 60*time.Millisecond { // waits 20ms, then 40ms
		t.Errorf("three attempts took %v, want at least 60ms of backoff", d)
	}
}

func TestRetryStopsWhenCanceled(t *testing.T) {
	r := Retry{Sender: sender(closedAddr(t)), Attempts: 10, Backoff: time.Hour}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	err := r.Send(ctx, invitation)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "dial") {
		t.Errorf("Send = %v, want context.Canceled with the last dial error", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Send took %v after cancel", d)
	}
}

func TestRetryNeedsSender(t *testing.T) {
	if err := (Retry{}).Send(context.Background(), invitation); err == nil || !strings.Contains(err.Error(), "Retry.Sender") {
		t.Errorf("Send = %v, want an error saying to set Retry.Sender", err)
	}
}
