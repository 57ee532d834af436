package accounts

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/auth"
	"github.com/entitle-portal/entitle/internal/i18n"
	"github.com/entitle-portal/entitle/internal/mail"
	"github.com/entitle-portal/entitle/internal/policy"
	"github.com/entitle-portal/entitle/internal/ratelimit"
)

// The password lifecycle: a forgotten password reset by a single-use link
// in a mail, a password changed with the current one, a link sent by a
// company administrator or printed by the operator.
//
// "Forgot password" answers the same, after the same work, whether or not
// the address has an account: the request checks the address's form and
// the rate limits (the same for every address), and hands the address to a
// background worker, which looks it up and, for an active user, records a
// link and mails it. The link's secret is in the mail only; the database
// holds its hash.

// DefaultResetTTL is how long a password reset link works.
const DefaultResetTTL = time.Hour

// resetQueue is how many "forgot password" requests may wait for the
// worker; beyond it a request is logged and dropped (its answer is the
// same: the user asks again).
const resetQueue = 1024

// MsgResetSent is the answer to "forgot password", whether or not the
// address has an account.
const MsgResetSent = "If an account uses this address, a link to set a new password is on its way. It works once, for an hour. No mail after a few minutes? Check the address and your spam folder, or ask an administrator of your company."

// resetJob is one reset link to make and mail.
type resetJob struct {
	email string
	by    entitle.Actor // the administrator who sends it; zero: the user asked
	// lang is the language of the request that asked: the mail's, unless
	// the user chose one.
	lang i18n.Lang
}

func (s *Service) resetTTL() time.Duration {
	if s.ResetTTL <= 0 {
		return DefaultResetTTL
	}
	return s.ResetTTL
}

// Forgot asks for a password reset link for email, from the client at
// addr. It returns nil — "if an account uses this address, a link is on
// its way" — whether or not one does; only a malformed address and an
// exceeded rate limit (per address asked for, per client) are refused,
// alike for every address.
func (s *Service) Forgot(ctx context.Context, email, addr string) error {
	email = entitle.NormalizeEmail(email)
	if email == "" {
		return entitle.Problems{{Field: "email", Message: "Enter the email address you sign in with."}}
	}
	if err := entitle.CheckPlainEmail(email); err != nil {
		return entitle.Problems{{Field: "email", Message: "This is not an email address: " + err.Error() + "."}}
	}
	now := s.now()
	if err := s.take(ctx, now, limit{s.Limits.ForgotPerAccount, "password reset requests for this address", "forgot-account:" + email},
		limit{s.Limits.ForgotPerAddress, "password reset requests from your address", "forgot-address:" + addr}); err != nil {
		return err
	}
	s.enqueue(resetJob{email: email, lang: i18n.FromContext(ctx)})
	return nil
}

// SendReset sends target, a user of a's company, a password reset link, if
// the policy lets a (an administrator of that company).
func (s *Service) SendReset(ctx context.Context, a entitle.Actor, id int64) (entitle.User, error) {
	u, err := s.Store.UserByID(ctx, id)
	if errors.Is(err, entitle.ErrNotFound) {
		return entitle.User{}, entitle.Errorf(entitle.CodeNotFound, "user %d not found", id)
	}
	if err != nil {
		return entitle.User{}, err
	}
	if err := policy.SendPasswordReset(a, u.User).Err("user", strconv.FormatInt(id, 10)); err != nil {
		return entitle.User{}, err
	}
	s.enqueue(resetJob{email: u.Email, by: a, lang: i18n.FromContext(ctx)})
	return u.User, nil
}

// ResetLink makes a password reset link for the user with email, for the
// operator to hand over (entitle user reset-password), and returns it with
// its expiry.
func (s *Service) ResetLink(ctx context.Context, email string) (link string, expires time.Time, err error) {
	u, err := s.Store.UserByEmail(ctx, entitle.NormalizeEmail(email))
	if errors.Is(err, entitle.ErrNotFound) {
		return "", time.Time{}, fmt.Errorf("no user has the address %s", entitle.NormalizeEmail(email))
	}
	if err != nil {
		return "", time.Time{}, err
	}
	if u.Status != entitle.UserActive {
		return "", time.Time{}, fmt.Errorf("%s is disabled: enable the user first (entitle user enable)", u.Email)
	}
	now := s.now()
	return s.newReset(ctx, u, 0, entitle.AuditEvent{At: now, Actor: "cli", Company: u.Company, Action: "password.reset_link", Object: u.Email, Outcome: "ok", Detail: "printed by the operator"})
}

// newReset records a reset link for u and returns it.
func (s *Service) newReset(ctx context.Context, u entitle.UserRecord, by int64, ev entitle.AuditEvent) (string, time.Time, error) {
	secret, err := auth.NewSecret()
	if err != nil {
		return "", time.Time{}, err
	}
	now := s.now()
	r := entitle.PasswordReset{UserID: u.ID, RequestedBy: by, CreatedAt: now, ExpiresAt: now.Add(s.resetTTL())}
	if err := s.Store.CreatePasswordReset(ctx, r, auth.HashToken(secret), ev); err != nil {
		return "", time.Time{}, err
	}
	return strings.TrimSuffix(s.BaseURL, "/") + "/password/reset?token=" + url.QueryEscape(secret), r.ExpiresAt, nil
}

// Reset sets a new password with the secret of a reset link, from the
// client at addr: the link works once, for an hour; every session of the
// user ends (the user signs in again, with the new password and any second
// factor). A link that does not work counts against the client's limit of
// failed attempts, as a failed sign-in does.
func (s *Service) Reset(ctx context.Context, token, password, addr string) (entitle.User, error) {
	if token == "" {
		return entitle.User{}, entitle.Problems{{Field: "token", Message: "required: the token of the password reset link"}}
	}
	now := s.now()
	key := limit{s.Limits.PerAddress, "failed attempts from your address", "reset-address:" + addr}
	if err := s.check(ctx, now, key); err != nil {
		return entitle.User{}, err
	}
	hash := auth.HashToken(token)
	u, err := s.Store.PasswordResetUser(ctx, hash, now)
	if err != nil {
		if err := s.hit(ctx, now, key); err != nil {
			return entitle.User{}, err
		}
		return entitle.User{}, resetError(err)
	}
	co, err := s.Store.Company(ctx, u.Company)
	if err != nil {
		return entitle.User{}, err
	}
	if err := auth.CheckNewPassword(password, auth.PasswordOwner{Email: u.Email, CompanyName: co.Name, CompanyKey: co.Key}); err != nil {
		return entitle.User{}, entitle.Problems{{Field: "password", Message: err.Error()}}
	}
	pw, err := auth.HashPassword(password)
	if err != nil {
		return entitle.User{}, err
	}
	u, err = s.Store.ResetPassword(ctx, hash, pw, now, entitle.AuditEvent{At: now, Action: "password.reset", Outcome: "ok", Detail: "every session ended"})
	if err != nil {
		return entitle.User{}, resetError(err)
	}
	return u.User, nil
}

// CheckReset says whether the reset link with token works, for the page
// behind the link before the user types a password.
func (s *Service) CheckReset(ctx context.Context, token string) error {
	_, err := s.Store.PasswordResetUser(ctx, auth.HashToken(token), s.now())
	return resetError(err)
}

// Change sets a's password to next when current is a's password now, and
// ends a's other sessions (every one but the session with secret keep; all
// of them when a signed in with a token). Wrong current passwords count
// against the account's limit of failed sign-ins.
func (s *Service) Change(ctx context.Context, a entitle.Actor, current, next, keep, addr string) error {
	if err := s.account(a); err != nil {
		return err
	}
	var ps entitle.Problems
	if current == "" {
		ps.Add("current_password", "required: your password now")
	}
	if next == "" {
		ps.Add("new_password", "required: the password you want")
	}
	if err := ps.Err(); err != nil {
		return err
	}
	now := s.now()
	account := limit{s.Limits.PerAccount, "failed sign-ins for this account", "login-account:" + a.Email}
	address := limit{s.Limits.PerAddress, "failed sign-ins from your address", "login-address:" + addr}
	if err := s.check(ctx, now, account, address); err != nil {
		return err
	}
	u, err := s.Store.UserByEmail(ctx, a.Email)
	if err != nil {
		return err
	}
	if !auth.VerifyPassword(u.PasswordHash, current) {
		if err := s.hit(ctx, now, account, address); err != nil {
			return err
		}
		if err := s.Store.Audit(ctx, entitle.AuditEvent{At: now, Actor: a.Email, Company: a.Company, Action: "password.change", Outcome: "wrong_password"}); err != nil {
			return err
		}
		return entitle.Problems{{Field: "current_password", Message: "This is not your password now."}}
	}
	if current == next {
		return entitle.Problems{{Field: "new_password", Message: "The new password must differ from the one you have now."}}
	}
	co, err := s.Store.Company(ctx, a.Company)
	if err != nil {
		return err
	}
	if err := auth.CheckNewPassword(next, auth.PasswordOwner{Email: a.Email, CompanyName: co.Name, CompanyKey: co.Key}); err != nil {
		return entitle.Problems{{Field: "new_password", Message: err.Error()}}
	}
	pw, err := auth.HashPassword(next)
	if err != nil {
		return err
	}
	keepHash := ""
	if keep != "" {
		keepHash = auth.HashToken(keep)
	}
	return s.Store.ChangePassword(ctx, a.UserID, pw, keepHash, now,
		entitle.AuditEvent{At: now, Actor: a.Email, Company: a.Company, Action: "password.change", Outcome: "ok", Detail: "other sessions ended"})
}

// resetError says why a reset link does not work.
func resetError(err error) error {
	switch {
	case errors.Is(err, entitle.ErrResetUnknown):
		return entitle.Errorf(entitle.CodeInvalidToken, "This password reset link is not valid. Check that you copied the whole link, or ask for a new one.")
	case errors.Is(err, entitle.ErrResetExpired):
		return entitle.Errorf(entitle.CodeInvalidToken, "This password reset link has expired: it works for an hour. Ask for a new one.")
	case errors.Is(err, entitle.ErrResetUsed):
		return entitle.Errorf(entitle.CodeInvalidToken, "This password reset link was used already: it works once. Ask for a new one if you need it.")
	}
	return err
}

// limit is a rate limit on one key.
type limit struct {
	l    ratelimit.Limit
	what string
	key  string
}

func (s *Service) check(ctx context.Context, now time.Time, ls ...limit) error {
	if s.Limiter == nil {
		return nil
	}
	for _, l := range ls {
		if err := s.Limiter.Check(ctx, l.l, l.what, l.key, now); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) hit(ctx context.Context, now time.Time, ls ...limit) error {
	if s.Limiter == nil {
		return nil
	}
	for _, l := range ls {
		if err := s.Limiter.Hit(ctx, l.l, l.key, now); err != nil {
			return err
		}
	}
	return nil
}

// take checks every limit, then counts one event against each.
func (s *Service) take(ctx context.Context, now time.Time, ls ...limit) error {
	if err := s.check(ctx, now, ls...); err != nil {
		return err
	}
	return s.hit(ctx, now, ls...)
}

// ---- The background worker ----

// enqueue hands j to the worker, starting it on first use.
func (s *Service) enqueue(j resetJob) {
	s.resetMu.Lock()
	defer s.resetMu.Unlock()
	if s.resetsClosed {
		s.log().Warn("password reset not sent: the server is stopping", slog.String("email", j.email))
		return
	}
	if s.resetJobs == nil {
		s.resetJobs = make(chan resetJob, resetQueue)
		s.resetDone = make(chan struct{})
		go s.work(s.resetJobs, s.resetDone)
	}
	s.resetsPending.Add(1)
	select {
	case s.resetJobs <- j:
	default:
		s.resetsPending.Done()
		s.log().Warn("password reset not sent: too many waiting", slog.String("email", j.email))
	}
}

func (s *Service) work(jobs <-chan resetJob, done chan<- struct{}) {
	defer close(done)
	for j := range jobs {
		s.sendReset(j)
		s.resetsPending.Done()
	}
}

// sendReset makes and mails the link of j, if the address is an active
// user's; either way the outcome is audited (for the vendor; for the
// company, too, when the address is one of its users).
func (s *Service) sendReset(j resetJob) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	now := s.now()
	ev := entitle.AuditEvent{At: now, Actor: j.email, Action: "password.forgot", Object: j.email}
	if j.by.User() {
		ev.Actor, ev.Company, ev.Action = j.by.Email, j.by.Company, "password.reset_link"
	}
	u, err := s.Store.UserByEmail(ctx, j.email)
	switch {
	case errors.Is(err, entitle.ErrNotFound):
		ev.Outcome = "unknown_email"
		s.auditLog(ctx, ev)
		return
	case err != nil:
		s.log().Error("password reset: user not read", slog.String("email", j.email), slog.Any("err", err))
		return
	case u.Status != entitle.UserActive:
		ev.Company, ev.Outcome = u.Company, "disabled"
		s.auditLog(ctx, ev)
		return
	}
	ev.Company, ev.Outcome = u.Company, "ok"
	link, expires, err := s.newReset(ctx, u, j.by.UserID, ev)
	if err != nil {
		s.log().Error("password reset link not recorded", slog.String("email", j.email), slog.Any("err", err))
		return
	}
	lang := j.lang
	if l := i18n.Lang(u.Language); l.Valid() {
		lang = l
	}
	m, err := s.resetMessage(ctx, i18n.For(lang), u, j.by, link, expires)
	if err == nil {
		err = mail.Retry{Sender: s.Mailer, Attempts: 4, Backoff: 5 * time.Second}.Send(ctx, m)
	}
	if err != nil {
		s.log().Error("password reset mail not delivered", slog.String("email", j.email), slog.Any("err", err))
	}
}

func (s *Service) auditLog(ctx context.Context, ev entitle.AuditEvent) {
	if err := s.Store.Audit(ctx, ev); err != nil {
		s.log().Error("password reset not audited", slog.String("action", ev.Action), slog.Any("err", err))
	}
}

var resetHTML = template.Must(template.New("reset").Parse(`<!doctype html>
<html lang="{{.Lang}}"><body style="font-family: sans-serif; line-height: 1.5">
<p>{{.Hello}}</p>
<p>{{.Why}}</p>
<p><a href="{{.Link}}">{{.Set}}</a></p>
<p>{{.Expiry}}</p>
</body></html>
`))

// resetMessage composes the mail with the reset link, in p's language.
func (s *Service) resetMessage(ctx context.Context, p *i18n.Printer, u entitle.UserRecord, by entitle.Actor, link string, expires time.Time) (mail.Message, error) {
	portal := p.T("mail.portal_plain")
	if vendor, err := s.Store.VendorKey(ctx); err == nil && vendor != "" {
		if v, err := s.Store.Company(ctx, vendor); err == nil {
			portal = p.T("mail.portal", "Vendor", v.Name)
		}
	}
	why := p.T("mail.reset.why", "Email", u.Email, "Portal", portal)
	if by.User() {
		who := by.Name
		if who == "" {
			who = by.Email
		}
		why = p.T("mail.reset.why_admin", "Who", who, "Email", u.Email, "Portal", portal)
	}
	data := struct {
		Lang                          i18n.Lang
		Hello, Why, Set, Link, Expiry string
	}{Lang: p.Lang(), Hello: p.T("mail.hello_name", "Name", u.Name), Why: why, Set: p.T("mail.reset.set"), Link: link,
		Expiry: p.T("mail.reset.expiry", "Expires", expires.UTC().Format("2006-01-02 15:04 UTC"))}
	var html strings.Builder
	if err := resetHTML.Execute(&html, data); err != nil {
		return mail.Message{}, err
	}
	text := data.Hello + "\n\n" + why + "\n\n" + data.Set + ":\n" + link + "\n\n" + data.Expiry + "\n"
	return mail.Message{To: []string{u.Email}, Subject: p.T("mail.reset.subject", "Portal", portal), Text: text, HTML: html.String(),
		Headers: map[string]string{"X-Entitle-Password-Reset": "1"}}, nil
}

// Wait returns once no reset mail is waiting or being sent.
func (s *Service) Wait() { s.resetsPending.Wait() }

// Close stops the worker after the resets already asked for, and waits.
func (s *Service) Close() {
	s.resetMu.Lock()
	if s.resetsClosed {
		s.resetMu.Unlock()
		return
	}
	s.resetsClosed = true
	jobs, done := s.resetJobs, s.resetDone
	s.resetMu.Unlock()
	if jobs != nil {
		close(jobs)
		<-done
	}
}

func (s *Service) log() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}
