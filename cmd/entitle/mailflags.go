package main

import (
	"path/filepath"

	"github.com/entitle-portal/entitle/internal/mail"
)

// mailFlags are the flags of the commands that send mail (serve, invite).
type mailFlags struct {
	outbox, smtpAddr, smtpUser, from *string
	tls                              mail.TLSMode
}

func addMailFlags(f *flags) *mailFlags {
	m := &mailFlags{
		outbox:   f.String("outbox", "outbox", "directory for outgoing mail as .eml files, when no SMTP server is set"),
		smtpAddr: f.String("smtp-addr", "", "SMTP server (host:port) for outgoing mail"),
		smtpUser: f.String("smtp-user", "", "SMTP user name (AUTH PLAIN); the password comes from $ENTITLE_SMTP_PASSWORD"),
		from:     f.String("mail-from", "entitle portal <entitle@localhost>", "From address of outgoing mail"),
	}
	f.Var(&m.tls, "smtp-tls", "SMTP TLS: opportunistic, required, implicit or none")
	return m
}

// sender is where mail goes, and where that is in words.
func (m *mailFlags) sender(e *env) (mail.Sender, string) {
	if *m.smtpAddr != "" {
		return mail.SMTP{Addr: *m.smtpAddr, From: *m.from, Username: *m.smtpUser,
			Password: e.getenv("ENTITLE_SMTP_PASSWORD"), TLS: m.tls}, "mail goes to " + *m.smtpAddr
	}
	where := *m.outbox
	if abs, err := filepath.Abs(where); err == nil {
		where = abs
	}
	return mail.Outbox{Dir: *m.outbox, From: *m.from, Now: e.now}, "mail is written to " + where
}
