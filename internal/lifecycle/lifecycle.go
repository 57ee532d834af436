// Package lifecycle is what happens to an entitlement after it is sold
// (issue 6): the partner of record who sold it, how to buy or renew it and
// at what price, renewal requests routed to the partner of record (or
// another listed partner, or the vendor direct), company profiles and the
// partner directory, and ownership transfers. Every decision comes from
// internal/policy — starting from the entitlement's own disclosure decision,
// so nobody acts on an entitlement they may not see — and every change is
// written with its audit event by the store. Entitlements are read through
// the gate (internal/disclose), and every renewal request and transfer is
// shown — in an answer, a page or a notification mail — as the gate's view
// of it for the company it is shown to.
package lifecycle

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/disclose"
	"github.com/entitle-portal/entitle/internal/i18n"
	"github.com/entitle-portal/entitle/internal/mail"
	"github.com/entitle-portal/entitle/internal/policy"
)

// Store is what the lifecycle reads and records besides what it reads
// through the gate.
type Store interface {
	VendorKey(ctx context.Context) (string, error)
	Profile(ctx context.Context, key string) (entitle.Profile, error)
	SetProfile(ctx context.Context, p entitle.Profile, ev entitle.AuditEvent) error
	Directory(ctx context.Context) ([]entitle.Profile, error)
	OrderCurrency(ctx context.Context, orderID int64) (string, error)
	Price(ctx context.Context, sku, currency string) (entitle.Decimal, bool, error)
	CreateRenewalRequest(ctx context.Context, r entitle.RenewalRequest, ev entitle.AuditEvent) (entitle.RenewalRequest, error)
	RenewalRequests(ctx context.Context, company string, sent, open bool, before int64, limit int) ([]entitle.RenewalRequest, error)
	UpdateRenewalRequest(ctx context.Context, id int64, check func(entitle.RenewalRequest) error, status string, note *string, by string, now time.Time, ev entitle.AuditEvent) (entitle.RenewalRequest, error)
	OfferTransfer(ctx context.Context, t entitle.Transfer, direct bool, ev entitle.AuditEvent) (entitle.Transfer, error)
	Transfers(ctx context.Context, company string, sent bool, before int64, limit int) ([]entitle.Transfer, error)
	DecideTransfer(ctx context.Context, id int64, check func(entitle.Transfer) error, status, by string, now time.Time, ev entitle.AuditEvent) (entitle.Transfer, error)
	ActiveAdminReaders(ctx context.Context, company string) ([]entitle.Recipient, error)
	NoticeReaders(ctx context.Context, company, kind string) ([]entitle.Recipient, error)
	Audit(ctx context.Context, events ...entitle.AuditEvent) error
}

// Service is the entitlement lifecycle on a store, reading entitlements
// through the gate.
type Service struct {
	Store   Store
	Gate    *disclose.Service
	Mailer  mail.Sender // notifications; none when nil
	Now     func() time.Time
	Logger  *slog.Logger
	BaseURL string
	// DirectPremium is how much more, in percent, buying direct from the
	// vendor costs than the partner price ("10" for 10 %).
	DirectPremium entitle.Decimal
	// RenewalGrace is how long after its end an entitlement may still be
	// renewed; later, a renewal request is refused (buy anew instead).
	RenewalGrace time.Duration
	// SalesDesk is the address of the vendor's sales desk, which receives
	// direct renewal requests; the vendor's administrators when "".
	SalesDesk string
	// SalesDeskLanguage is the language the sales desk's mail is written
	// in (an address has no user to choose one); English when "" or not a
	// language of the portal.
	SalesDeskLanguage i18n.Lang
	// TransferTTL is how long a transfer offer stays open.
	TransferTTL time.Duration
}

// Defaults of a Service that sets none.
const (
	DefaultDirectPremium entitle.Decimal = "10"
	DefaultRenewalGrace                  = 90 * 24 * time.Hour
	DefaultTransferTTL                   = 14 * 24 * time.Hour
)

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC()
	}
	return s.Now().UTC()
}

// Premium is how much more, in percent, buying direct from the vendor
// costs than the partner price: DirectPremium, else DefaultDirectPremium.
func (s *Service) Premium() entitle.Decimal {
	if s.DirectPremium == "" {
		return DefaultDirectPremium
	}
	return s.DirectPremium
}

func (s *Service) grace() time.Duration {
	if s.RenewalGrace <= 0 {
		return DefaultRenewalGrace
	}
	return s.RenewalGrace
}

func (s *Service) transferTTL() time.Duration {
	if s.TransferTTL <= 0 {
		return DefaultTransferTTL
	}
	return s.TransferTTL
}

func (s *Service) log() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// seen returns sub as c sees it (the gate's Seen), auditing a refusal of
// action: not_found when sub does not exist for c (R7).
func (s *Service) seen(ctx context.Context, c entitle.Actor, action, sub string) (disclose.Seen, error) {
	seen, err := s.Gate.Seen(ctx, c, sub)
	var e *entitle.Error
	if errors.As(err, &e) && e.Code == entitle.CodeNotFound {
		return seen, s.audit(ctx, c, action, sub, policy.Decision{}, "not_found", err)
	}
	return seen, err
}

// refused audits c's refused action on sub (decided by d, refused by
// refusal) and returns the refusal's error.
func (s *Service) refused(ctx context.Context, c entitle.Actor, action, sub string, seen policy.Decision, refusal policy.Decision) error {
	return s.audit(ctx, c, action, sub, seen, "denied", refusal.Err("entitlement", sub))
}

func notFound(what, id string) error {
	return entitle.Errorf(entitle.CodeNotFound, "%s %s not found", what, id)
}

// compose writes a notification in p's language: its subject and text.
type compose func(p *i18n.Printer) (subject, text string)

// notify mails a company's administrators (or the readers given), once;
// the portal's inbox is the record, mail only the alert: a failure is
// logged, not returned.
func (s *Service) notify(ctx context.Context, company string, to []entitle.Recipient, c compose) {
	s.notifyKind(ctx, company, "", to, c)
}

// notifyKind is notify to the company's recipients of notices of kind
// (entitle.NoticeKinds: who chose to receive them, and the administrators
// who did not choose otherwise) — its administrators when kind is "" — or
// to the readers given instead (the sales desk, in SalesDeskLanguage). A
// company nobody of which receives the kind gets no mail. Each language
// the readers read gets its own message (i18n.Audiences).
func (s *Service) notifyKind(ctx context.Context, company, kind string, to []entitle.Recipient, c compose) {
	if s.Mailer == nil {
		return
	}
	readers := to
	if len(to) == 0 {
		var err error
		if kind != "" {
			readers, err = s.Store.NoticeReaders(ctx, company, kind)
		} else {
			readers, err = s.Store.ActiveAdminReaders(ctx, company)
		}
		if err != nil {
			s.log().ErrorContext(ctx, "notification not sent", slog.String("company", company), slog.Any("err", err))
			return
		}
	}
	if len(readers) == 0 {
		subject, _ := c(i18n.For(i18n.English))
		s.log().WarnContext(ctx, "notification not sent: nobody of the company receives it", slog.String("company", company), slog.String("kind", kind), slog.String("subject", subject))
		return
	}
	for _, a := range i18n.Audiences(readers) {
		subject, text := c(i18n.For(a.Lang))
		if err := s.Mailer.Send(ctx, mail.Message{To: a.To, Subject: subject, Text: text}); err != nil {
			s.log().ErrorContext(ctx, "notification not sent", slog.String("company", company), slog.String("subject", subject), slog.Any("err", err))
		}
	}
}
