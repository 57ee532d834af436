package coworkers_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/coworkers"
	"github.com/entitle-portal/entitle/internal/mail"
	"github.com/entitle-portal/entitle/internal/store"
	"github.com/entitle-portal/entitle/internal/store/storetest"
)

var now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// newStore is a store with one customer company.
func newStore(t *testing.T) *store.DB {
	t.Helper()
	db := storetest.New(t)
	b := entitle.Batch{Companies: []entitle.Sourced[entitle.Company]{{Record: entitle.Company{Key: "ACME", Name: "Acme Ltd", Kind: entitle.KindCustomer}}}}
	if _, problems, err := db.Import(context.Background(), b, entitle.ImportOptions{}, now); err != nil || len(problems) > 0 {
		t.Fatalf("import: %v %v", err, problems)
	}
	return db
}

// closedAddr is an address where nothing listens: every delivery attempt
// fails for a passing reason (connection refused).
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

// TestCloseStopsRetries: a mail that keeps failing for a passing reason is
// retried in the background; stopping the service ends the retries at once
// and records the mail as failed, so that an administrator sees it and
// resends.
func TestCloseStopsRetries(t *testing.T) {
	db := newStore(t)
	svc := &coworkers.Service{Store: db, Now: func() time.Time { return now }, BaseURL: "http://portal.example",
		Mailer:   mail.SMTP{Addr: closedAddr(t), From: "portal@vendor.example", TLS: mail.TLSNone},
		Delivery: coworkers.Delivery{Attempts: 5, Backoff: time.Hour}}
	inv, err := svc.Invite(context.Background(), coworkers.Operator("ACME"), "it@acme.example", true)
	if err != nil {
		t.Fatal(err)
	}
	if inv.Mail.Status != entitle.MailRetrying || inv.Mail.Attempts != 1 {
		t.Fatalf("after the first attempt: %+v", inv.Mail)
	}
	done := make(chan struct{})
	go func() { svc.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close waited for the hour-long pause between attempts")
	}
	got, err := db.Invitation(context.Background(), inv.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Mail.Status != entitle.MailFailed || got.Mail.Attempts != 1 || !strings.Contains(got.Mail.Error, "server stopped") {
		t.Errorf("after Close: %+v", got.Mail)
	}
	// A closed service makes no background attempts: a new invitation's
	// passing failure is recorded as failed at once.
	inv, err = svc.Invite(context.Background(), coworkers.Operator("ACME"), "ops@acme.example", false)
	if err != nil {
		t.Fatal(err)
	}
	if inv.Mail.Status != entitle.MailFailed || !strings.Contains(inv.Mail.Error, "stopping") {
		t.Errorf("invited after Close: %+v", inv.Mail)
	}
}

// TestMailNeverCarriesTheStoredHash: the link in the mail carries the
// secret, the database only its hash, and the two differ.
func TestMailNeverCarriesTheStoredHash(t *testing.T) {
	db := newStore(t)
	dir := t.TempDir()
	svc := &coworkers.Service{Store: db, Now: func() time.Time { return now }, BaseURL: "http://portal.example",
		Mailer: mail.Outbox{Dir: dir, From: "portal@vendor.example", Now: func() time.Time { return now }}}
	inv, err := svc.Invite(context.Background(), coworkers.Operator("ACME"), "it@acme.example", false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Lookup(context.Background(), inv.TokenHash); err == nil {
		t.Error("the stored hash works as a link token")
	}
	if inv.Mail.Status != entitle.MailSent || !inv.ExpiresAt.Equal(now.Add(7*24*time.Hour)) {
		t.Errorf("invitation: %+v", inv)
	}
}
