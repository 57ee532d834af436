package coworkers

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/i18n"
	"github.com/entitle-portal/entitle/internal/mail"
)

var invitationHTML = template.Must(template.New("invitation").Parse(`<!doctype html>
<html lang="{{.Lang}}"><body style="font-family: sans-serif; line-height: 1.5">
<p>{{.Hello}}</p>
<p>{{.Body}}</p>
<p><a href="{{.Link}}">{{.Join}}</a></p>
<p>{{.Expiry}}</p>
</body></html>
`))

// message composes the invitation mail with its link, in the language of
// the request that invites (i18n.FromContext: the inviter's). The secret
// token is only ever in the mail; the database holds its hash.
func (s *Service) message(ctx context.Context, from entitle.Actor, inv entitle.Invitation, token string) (mail.Message, error) {
	co, err := s.Store.Company(ctx, inv.Company)
	if err != nil {
		return mail.Message{}, err
	}
	lang := i18n.FromContext(ctx)
	p := i18n.For(lang)
	portal, vendorName := p.T("mail.portal_plain"), p.T("mail.vendor_plain")
	if vendor, err := s.Store.VendorKey(ctx); err == nil && vendor != "" {
		if v, err := s.Store.Company(ctx, vendor); err == nil {
			portal, vendorName = p.T("mail.portal", "Vendor", v.Name), v.Name
		}
	}
	who, name := vendorName, vendorName // the operator invites on the vendor's behalf
	if from.User() {
		name = from.Name
		if name == "" {
			name = from.Email
		}
		who = p.T("mail.who", "Name", name, "Company", co.Name)
	}
	body := "mail.invite.body"
	if inv.Admin {
		body = "mail.invite.body_admin"
	}
	link := strings.TrimSuffix(s.BaseURL, "/") + "/invitations/accept?token=" + url.QueryEscape(token)
	expires := inv.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC")
	data := struct {
		Lang                            i18n.Lang
		Hello, Body, Join, Expiry, Link string
	}{
		Lang: lang, Hello: p.T("mail.hello"), Link: link,
		Body:   p.T(body, "Who", who, "Company", co.Name, "Portal", portal),
		Join:   p.T("mail.invite.join", "Company", co.Name),
		Expiry: p.T("mail.invite.expiry", "Expires", expires),
	}
	var html strings.Builder
	if err := invitationHTML.Execute(&html, data); err != nil {
		return mail.Message{}, err
	}
	text := data.Hello + "\n\n" + data.Body + "\n\n" + data.Join + ":\n" + link + "\n\n" + data.Expiry + "\n"
	return mail.Message{
		To:      []string{inv.Email},
		Subject: p.T("mail.invite.subject", "Name", name, "Company", co.Name, "Portal", portal),
		Text:    text,
		HTML:    html.String(),
		Headers: map[string]string{"X-Entitle-Invitation": strconv.FormatInt(inv.ID, 10)},
	}, nil
}

func (d Delivery) attempts() int {
	if d.Attempts <= 0 {
		return 6
	}
	return d.Attempts
}

func (d Delivery) backoff() time.Duration {
	if d.Backoff <= 0 {
		return 30 * time.Second
	}
	return d.Backoff
}

func (d Delivery) timeout() time.Duration {
	if d.Timeout <= 0 {
		return 30 * time.Second
	}
	return d.Timeout
}

// deliver makes the first delivery attempt of the invitation's mail while
// the inviter waits, records its outcome and, after a transient failure,
// goes on trying in the background. It returns the state after the first
// attempt. The invitation is committed already: a failure here never undoes
// it; the administrator sees it and may resend.
func (s *Service) deliver(ctx context.Context, from entitle.Actor, inv entitle.Invitation, token string) entitle.MailState {
	m, err := s.message(ctx, from, inv, token)
	if err != nil {
		s.log().ErrorContext(ctx, "invitation mail not composed", slog.Int64("invitation", inv.ID), slog.Any("err", err))
		st := entitle.MailState{Status: entitle.MailFailed, Error: "the mail could not be composed (see the server log)", At: s.now()}
		s.record(ctx, inv, st)
		return st
	}
	st := s.attempt(ctx, inv, m, 1)
	if st.Status == entitle.MailRetrying && !s.background(inv, m) {
		st = s.gaveUp(inv, st, "the server is stopping")
	}
	return st
}

// attempt makes delivery attempt n and records its outcome.
func (s *Service) attempt(ctx context.Context, inv entitle.Invitation, m mail.Message, n int) entitle.MailState {
	actx, cancel := context.WithTimeout(ctx, s.timeout())
	err := s.Mailer.Send(actx, m)
	cancel()
	st := entitle.MailState{Status: entitle.MailSent, Attempts: n, At: s.now()}
	if err != nil {
		s.log().WarnContext(ctx, "invitation mail not delivered", slog.Int64("invitation", inv.ID), slog.Int("attempt", n), slog.Any("err", err))
		st.Status, st.Error = entitle.MailRetrying, mailReason(err)
		if mail.IsPermanent(err) || n >= s.attempts() {
			st.Status = entitle.MailFailed
		}
	}
	s.record(ctx, inv, st)
	return st
}

// background goes on trying to deliver m, unless the service is stopping.
func (s *Service) background(inv entitle.Invitation, m mail.Message) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return false
	}
	if s.stopping == nil {
		s.stopping = make(chan struct{})
	}
	stop := s.stopping
	s.pending.Add(1)
	go func() {
		defer s.pending.Done()
		ctx := context.Background()
		wait := s.backoff()
		for n := 2; n <= s.attempts(); n++ {
			t := time.NewTimer(wait)
			select {
			case <-stop:
				t.Stop()
				s.gaveUp(inv, entitle.MailState{Attempts: n - 1, At: s.now()}, "the server stopped before the mail was delivered")
				return
			case <-t.C:
			}
			if st := s.attempt(ctx, inv, m, n); st.Status != entitle.MailRetrying {
				return
			}
			wait *= 2
		}
	}()
	return true
}

// gaveUp records that no further attempt follows.
func (s *Service) gaveUp(inv entitle.Invitation, st entitle.MailState, why string) entitle.MailState {
	st.Status, st.Error = entitle.MailFailed, why+": send it again"
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s.record(ctx, inv, st)
	return st
}

func (s *Service) record(ctx context.Context, inv entitle.Invitation, st entitle.MailState) {
	if err := s.Store.RecordMail(context.WithoutCancel(ctx), inv.ID, inv.TokenHash, st); err != nil {
		s.log().ErrorContext(ctx, "invitation mail state not recorded", slog.Int64("invitation", inv.ID), slog.Any("err", err))
	}
}

// Wait returns once no delivery is in progress in the background.
func (s *Service) Wait() { s.pending.Wait() }

// Close stops the background deliveries (recording them as failed, so that
// an administrator sees them and resends) and waits for them.
func (s *Service) Close() {
	s.mu.Lock()
	if !s.stopped {
		s.stopped = true
		if s.stopping != nil {
			close(s.stopping)
		}
	}
	s.mu.Unlock()
	s.pending.Wait()
}

func (s *Service) log() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// mailReason says, for a company administrator, why a delivery failed: the
// mail server's own answer when it gave one; the full error goes to the
// server log only (it may name internal hosts).
func mailReason(err error) string {
	var te *textproto.Error
	var me *mail.MessageError
	switch {
	case errors.As(err, &te):
		return fmt.Sprintf("the mail server refused it: %d %s", te.Code, clip(te.Msg, 200))
	case errors.As(err, &me):
		return "the message could not be sent as it is: " + clip(me.Problem, 200)
	case mail.IsPermanent(err):
		return "the portal's mail settings do not work with the mail server (see the server log)"
	}
	return "the mail could not be delivered for now (see the server log)"
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
