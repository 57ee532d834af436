package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"unicode/utf8"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/disclose"
	"github.com/entitle-portal/entitle/internal/i18n"
	"github.com/entitle-portal/entitle/internal/policy"
)

// TransferOffer is what the owner sends to offer an entitlement to another
// company.
type TransferOffer struct {
	To      string `json:"to"` // the recipient company's key
	Message string `json:"message"`
}

// ErrTransferPending is returned (with the open offer) when sub is offered
// already.
var ErrTransferPending = entitle.ErrTransferPending

// OfferTransfer offers sub to another company: the owner's administrators
// make the offer, the recipient's administrators accept or decline it before
// it expires (TransferTTL). The vendor's administrators move the ownership
// directly (e.g. after an acquisition). Both sides are told by mail.
func (s *Service) OfferTransfer(ctx context.Context, c entitle.Actor, sub string, offer TransferOffer) (disclose.Transfer, error) {
	t, err := s.offerTransfer(ctx, c, sub, offer)
	if err != nil && !errors.Is(err, ErrTransferPending) {
		return disclose.Transfer{}, err
	}
	v, verr := s.Gate.Transfer(ctx, c, t, s.Gate.Parties(ctx))
	if verr != nil {
		return v, verr
	}
	return v, err
}

func (s *Service) offerTransfer(ctx context.Context, c entitle.Actor, sub string, offer TransferOffer) (entitle.Transfer, error) {
	now := s.now()
	seen, err := s.seen(ctx, c, "transfer.offer", sub)
	if err != nil {
		return entitle.Transfer{}, err
	}
	td := policy.OfferTransfer(c, seen.Decision)
	if !td.Allowed {
		return entitle.Transfer{}, s.refused(ctx, c, "transfer.offer", sub, seen.Decision, td)
	}
	direct := td.On(entitle.BasisVendor)
	var ps entitle.Problems
	to := strings.TrimSpace(offer.To)
	owner := seen.Record.Owner
	switch {
	case to == "":
		ps.Add("to", "required: the key of the company that is to own the entitlement")
	case to == owner:
		ps.Add("to", "%s owns this entitlement already", to)
	}
	msg := strings.TrimSpace(offer.Message)
	if utf8.RuneCountInString(msg) > MaxMessage {
		ps.Add("message", "at most %d characters", MaxMessage)
	}
	if err := ps.Err(); err != nil {
		return entitle.Transfer{}, err
	}
	action := "transfer.offer"
	if direct {
		action = "transfer.direct"
	}
	t := entitle.Transfer{SubscriptionID: sub, From: owner, To: to, Message: msg, CreatedAt: now, CreatedBy: c.Email, ExpiresAt: now.Add(s.transferTTL())}
	ev := entitle.AuditEvent{At: now, Actor: c.Email, Company: c.Company, Action: action, Object: sub, Basis: td.Basis, Outcome: "ok",
		Detail: "from " + owner + " to " + to}
	t, err = s.Store.OfferTransfer(ctx, t, direct, ev)
	switch {
	case errors.Is(err, entitle.ErrTransferPending):
		return t, err
	case errors.Is(err, entitle.ErrNotOwner):
		return t, entitle.Errorf(entitle.CodeConflict, "your company no longer owns %s", sub)
	case err != nil:
		return t, err
	}
	// Each side is told what its own view of the transfer shows.
	base := strings.TrimSuffix(s.BaseURL, "/")
	tell := []string{to}
	if direct {
		tell = []string{owner, to}
	}
	for _, company := range tell {
		a, err := s.Gate.ActorFor(ctx, company, "mail")
		var v disclose.Transfer
		if err == nil {
			v, err = s.Gate.Transfer(ctx, a, t, s.Gate.Parties(ctx))
		}
		if err != nil {
			s.log().ErrorContext(ctx, "transfer notification not sent", slog.Int64("transfer", t.ID), slog.Any("err", err))
			continue
		}
		e := v.Entitlement
		if direct {
			s.notify(ctx, company, nil, func(p *i18n.Printer) (string, string) {
				return p.T("mail.transfer.moved_subject", "Sub", sub),
					fmt.Sprintf("%s\n\n%s\n", p.T("mail.transfer.moved", "Sub", sub, "SKU", e.SKU, "Quantity", e.Quantity, "From", v.From.Key, "To", v.To.Key),
						p.T("mail.see_in_portal", "Link", base+"/"))
			})
			continue
		}
		s.notify(ctx, company, nil, func(p *i18n.Printer) (string, string) {
			return p.T("mail.transfer.offer_subject", "Sub", sub),
				fmt.Sprintf("%s\n\n%s\n\n%s\n",
					p.T("mail.transfer.offer", "From", v.From.Key, "Sub", sub, "SKU", e.SKU, "Quantity", e.Quantity, "End", e.EndDate.String()), v.Message,
					p.T("mail.transfer.offer_answer", "Expires", v.ExpiresAt.Format("2006-01-02 15:04 UTC"), "Link", base+"/transfers", "ID", t.ID))
		})
	}
	return t, nil
}

// Transfers returns a page of the transfers the caller's company was offered
// (or, with sent, offered), newest first.
func (s *Service) Transfers(ctx context.Context, c entitle.Actor, sent bool, before int64, limit int) ([]disclose.Transfer, error) {
	if c.Company == "" {
		return nil, entitle.Errorf(entitle.CodeForbidden, "only members of a company have transfers")
	}
	ts, err := s.Store.Transfers(ctx, c.Company, sent, before, limit)
	if err != nil {
		return nil, err
	}
	out := make([]disclose.Transfer, 0, len(ts))
	party := s.Gate.Parties(ctx)
	for _, t := range ts {
		v, err := s.view(ctx, c, t, party)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// view is t as c sees it, with what c may do with it while it is offered.
func (s *Service) view(ctx context.Context, c entitle.Actor, t entitle.Transfer, party func(string) (disclose.Party, error)) (disclose.Transfer, error) {
	v, err := s.Gate.Transfer(ctx, c, t, party)
	if err != nil {
		return v, err
	}
	if v.Status == entitle.TransferOffered {
		v.MayAnswer = policy.AnswerTransfer(c, t, policy.TransferAccept).Allowed
		v.MayCancel = policy.AnswerTransfer(c, t, policy.TransferCancel).Allowed
	}
	return v, nil
}

// DecideTransfer answers an open offer: "accept" or "decline" (the
// recipient's administrators, before it expires) or "cancel" (the offering
// company's administrators). Accepting makes the recipient the owner at
// once: the former owner's delegations of it end, and the former owner
// loses access unless it holds another role on the order.
func (s *Service) DecideTransfer(ctx context.Context, c entitle.Actor, id int64, answer string) (disclose.Transfer, error) {
	now := s.now()
	missing := notFound("transfer", fmt.Sprint(id))
	status := map[string]string{policy.TransferAccept: entitle.TransferAccepted, policy.TransferDecline: entitle.TransferDeclined, policy.TransferCancel: entitle.TransferCancelled}[answer]
	if status == "" {
		return disclose.Transfer{}, entitle.Errorf(entitle.CodeNotFound, "no action %q on a transfer: accept, decline or cancel", answer)
	}
	// Who may answer is decided before the state of the offer, as for
	// every refusal (policy.Decision.Err): a party that may not give this
	// answer is refused whatever the state; the one that may is told when
	// the offer is closed.
	check := func(t entitle.Transfer) error {
		d := policy.AnswerTransfer(c, t, answer)
		switch {
		case !d.Visible:
			return missing
		case !d.Allowed:
			return d.Err("transfer", fmt.Sprint(id))
		case t.Status != entitle.TransferOffered:
			return entitle.Errorf(entitle.CodeConflict, "this transfer is %s already", t.Status)
		case status == entitle.TransferAccepted && t.State(now) == entitle.TransferExpired:
			return entitle.Errorf(entitle.CodeConflict, "this offer expired on %s: ask %s to offer it again", t.ExpiresAt.Format("2006-01-02 15:04 UTC"), t.From)
		}
		return nil
	}
	ev := entitle.AuditEvent{At: now, Actor: c.Email, Company: c.Company, Action: "transfer." + answer, Outcome: "ok"}
	t, err := s.Store.DecideTransfer(ctx, id, check, status, c.Email, now, ev)
	switch {
	case errors.Is(err, entitle.ErrNotFound):
		return disclose.Transfer{}, missing
	case errors.Is(err, entitle.ErrNotOwner):
		return disclose.Transfer{}, entitle.Errorf(entitle.CodeConflict, "%s no longer owns %s: the offer cannot be accepted", t.From, t.SubscriptionID)
	case err != nil:
		return disclose.Transfer{}, err
	}
	other := t.From
	if status == entitle.TransferCancelled {
		other = t.To
	}
	s.notify(ctx, other, nil, func(p *i18n.Printer) (string, string) {
		st := p.T("transfers.status_" + status)
		return p.T("mail.transfer.decided_subject", "Sub", t.SubscriptionID, "Status", st),
			fmt.Sprintf("%s\n\n%s\n", p.T("mail.transfer.decided", "Sub", t.SubscriptionID, "From", t.From, "To", t.To, "Status", st),
				p.T("mail.see_in_portal", "Link", strings.TrimSuffix(s.BaseURL, "/")+"/transfers"))
	})
	return s.view(ctx, c, t, s.Gate.Parties(ctx))
}
