// Package lifecycle is what happens to an entitlement after it is sold
// (issue 6): the partner of record who sold it, how to buy or renew it and
// at what price, renewal requests routed to the partner of record (or
// another listed partner, or the vendor direct), company profiles and the
// partner directory, and ownership transfers. Every decision comes from
// internal/policy — starting from the entitlement's own disclosure decision,
// so nobody acts on an entitlement they may not see — and every change is
// written with its audit event by internal/store.
package lifecycle

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/mail"
	"github.com/entitle-portal/entitle/internal/policy"
	"github.com/entitle-portal/entitle/internal/store"
)

// Service is the entitlement lifecycle on a store.
type Service struct {
	DB      *store.DB
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
	// TransferTTL is how long a transfer offer stays open.
	TransferTTL time.Duration
}

// Defaults of a Service that sets none.
const (
	DefaultDirectPremium entitle.Decimal = "10"
	DefaultRenewalGrace                  = 90 * 24 * time.Hour
	DefaultTransferTTL                   = 14 * 24 * time.Hour
)

func (s *Service) now() time.Time { return s.Now().UTC() }

func (s *Service) premium() entitle.Decimal {
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

// entitlement returns sub with the caller's disclosure decision (policy.Get);
// not_found when it does not exist or the caller may not see it (R7).
func (s *Service) entitlement(ctx context.Context, c entitle.Actor, sub string, now time.Time) (entitle.Candidate, policy.Decision, error) {
	cand, err := s.DB.Entitlement(ctx, sub, c.Company)
	if errors.Is(err, entitle.ErrNotFound) {
		return cand, policy.Decision{}, notFound("entitlement", sub)
	}
	if err != nil {
		return cand, policy.Decision{}, err
	}
	d := policy.Decide(c, policy.Get, cand.Facts, now)
	if !d.Allowed {
		return cand, d, notFound("entitlement", sub)
	}
	return cand, d, nil
}

func notFound(what, id string) error {
	return entitle.Errorf(entitle.CodeNotFound, "%s %s not found", what, id)
}

func forbidden(d policy.Decision, fallback string) error {
	if len(d.Reasons) > 0 {
		fallback = d.Reasons[0]
	}
	return entitle.Errorf(entitle.CodeForbidden, "%s", fallback)
}

// partnerOfRecord returns the partner of record of cand, if any.
func (s *Service) partnerOfRecord(ctx context.Context, cand entitle.Candidate) (entitle.Profile, bool, error) {
	ps, err := s.DB.PartnersOf(ctx, []int64{cand.OrderID})
	if err != nil {
		return entitle.Profile{}, false, err
	}
	key, ok := ps[cand.OrderID]
	if !ok {
		return entitle.Profile{}, false, nil
	}
	p, err := s.DB.Profile(ctx, key)
	return p, err == nil, err
}

// notify mails a company's administrators (or the addresses given), once;
// the portal's inbox is the record, mail only the alert: a failure is
// logged, not returned.
func (s *Service) notify(ctx context.Context, company string, to []string, subject, text string) {
	if s.Mailer == nil {
		return
	}
	if len(to) == 0 {
		var err error
		if to, err = s.DB.ActiveAdmins(ctx, company); err != nil {
			s.log().ErrorContext(ctx, "notification not sent", slog.String("company", company), slog.Any("err", err))
			return
		}
	}
	if len(to) == 0 {
		s.log().WarnContext(ctx, "notification not sent: the company has no active administrator", slog.String("company", company), slog.String("subject", subject))
		return
	}
	if err := s.Mailer.Send(ctx, mail.Message{To: to, Subject: subject, Text: text}); err != nil {
		s.log().ErrorContext(ctx, "notification not sent", slog.String("company", company), slog.String("subject", subject), slog.Any("err", err))
	}
}
