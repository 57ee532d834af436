package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/entitle-portal/entitle"
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
func (s *Service) OfferTransfer(ctx context.Context, c entitle.Actor, sub string, offer TransferOffer) (entitle.Transfer, error) {
	now := s.now()
	cand, d, err := s.entitlement(ctx, c, sub, now)
	if err != nil {
		return entitle.Transfer{}, s.audit(ctx, c, "transfer.offer", sub, d, "not_found", err)
	}
	direct, td := policy.OfferTransfer(c, d)
	if !td.Allowed {
		return entitle.Transfer{}, s.audit(ctx, c, "transfer.offer", sub, d, "denied", forbidden(td, "you may not transfer this entitlement"))
	}
	var ps entitle.Problems
	to := strings.TrimSpace(offer.To)
	owner := cand.Entitlement.Owner
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
	t, err = s.DB.OfferTransfer(ctx, t, direct, ev)
	switch {
	case errors.Is(err, entitle.ErrTransferPending):
		return t, err
	case errors.Is(err, entitle.ErrNotOwner):
		return t, entitle.Errorf(entitle.CodeConflict, "your company no longer owns %s", sub)
	case err != nil:
		return t, err
	}
	base := strings.TrimSuffix(s.BaseURL, "/")
	if direct {
		text := fmt.Sprintf("The vendor moved the ownership of subscription %s (%s, quantity %d) from %s to %s.\n\nSee it in the portal: %s/\n",
			sub, cand.Entitlement.SKU, cand.Entitlement.Quantity, owner, to, base)
		s.notify(ctx, owner, nil, "Ownership of "+sub+" moved", text)
		s.notify(ctx, to, nil, "Ownership of "+sub+" moved", text)
		return t, nil
	}
	s.notify(ctx, to, nil, "Ownership of subscription "+sub+" is offered to you",
		fmt.Sprintf("%s offers your company the ownership of subscription %s (%s, quantity %d, ends %s).\n\n%s\n\nAccept or decline before %s: %s/transfers (offer %d).\n",
			owner, sub, cand.Entitlement.SKU, cand.Entitlement.Quantity, cand.Entitlement.EndDate, msg, t.ExpiresAt.Format("2006-01-02 15:04 UTC"), base, t.ID))
	return t, nil
}

// Transfers returns a page of the transfers the caller's company was offered
// (or, with sent, offered), newest first.
func (s *Service) Transfers(ctx context.Context, c entitle.Actor, sent bool, before int64, limit int) ([]entitle.Transfer, error) {
	if c.Company == "" {
		return nil, entitle.Errorf(entitle.CodeForbidden, "only members of a company have transfers")
	}
	return s.DB.Transfers(ctx, c.Company, sent, before, limit)
}

// DecideTransfer answers an open offer: "accept" or "decline" (the
// recipient's administrators, before it expires) or "cancel" (the offering
// company's administrators). Accepting makes the recipient the owner at
// once: the former owner's delegations of it end, and the former owner
// loses access unless it holds another role on the order.
func (s *Service) DecideTransfer(ctx context.Context, c entitle.Actor, id int64, answer string) (entitle.Transfer, error) {
	now := s.now()
	missing := notFound("transfer", fmt.Sprint(id))
	status := map[string]string{"accept": entitle.TransferAccepted, "decline": entitle.TransferDeclined, "cancel": entitle.TransferCancelled}[answer]
	if status == "" {
		return entitle.Transfer{}, entitle.Errorf(entitle.CodeNotFound, "no action %q on a transfer: accept, decline or cancel", answer)
	}
	check := func(t entitle.Transfer) error {
		mayAnswer, mayCancel, visible := policy.TransferParty(c, t.From, t.To)
		switch {
		case !visible:
			return missing
		case t.Status != entitle.TransferOffered:
			return entitle.Errorf(entitle.CodeConflict, "this transfer is %s already", t.Status)
		case status == entitle.TransferCancelled && !mayCancel:
			return entitle.Errorf(entitle.CodeForbidden, "only administrators of %s, which made the offer, may cancel it", t.From)
		case status != entitle.TransferCancelled && !mayAnswer:
			return entitle.Errorf(entitle.CodeForbidden, "only administrators of %s, to which it is offered, may accept or decline it", t.To)
		case status == entitle.TransferAccepted && t.State(now) == entitle.TransferExpired:
			return entitle.Errorf(entitle.CodeConflict, "this offer expired on %s: ask %s to offer it again", t.ExpiresAt.Format("2006-01-02 15:04 UTC"), t.From)
		}
		return nil
	}
	ev := entitle.AuditEvent{At: now, Actor: c.Email, Company: c.Company, Action: "transfer." + answer, Outcome: "ok"}
	t, err := s.DB.DecideTransfer(ctx, id, check, status, c.Email, now, ev)
	switch {
	case errors.Is(err, entitle.ErrNotFound):
		return t, missing
	case errors.Is(err, entitle.ErrNotOwner):
		return t, entitle.Errorf(entitle.CodeConflict, "%s no longer owns %s: the offer cannot be accepted", t.From, t.SubscriptionID)
	case err != nil:
		return t, err
	}
	other := t.From
	if status == entitle.TransferCancelled {
		other = t.To
	}
	s.notify(ctx, other, nil, fmt.Sprintf("Transfer of %s %s", t.SubscriptionID, status),
		fmt.Sprintf("The transfer of subscription %s from %s to %s was %s.\n\nSee it in the portal: %s/transfers\n",
			t.SubscriptionID, t.From, t.To, status, strings.TrimSuffix(s.BaseURL, "/")))
	return t, nil
}
