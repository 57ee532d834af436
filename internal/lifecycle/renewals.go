package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/disclose"
	"github.com/entitle-portal/entitle/internal/policy"
)

// Option is one way to buy or renew an entitlement.
type Option struct {
	Route       string            `json:"route"` // partner_of_record, partner or direct
	Recommended bool              `json:"recommended"`
	Partner     *disclose.Partner `json:"partner,omitempty"` // who sells it (the vendor, for direct)
	// Prices for the entitlement's SKU and quantity in the order's currency;
	// absent when the price list has none ("price on request").
	UnitPrice entitle.Decimal `json:"unit_price,omitempty"`
	Total     entitle.Decimal `json:"total,omitempty"`
	Currency  string          `json:"currency,omitempty"`
	Premium   entitle.Decimal `json:"premium_percent,omitempty"` // direct only
}

// Options are the ways to buy or renew one entitlement, best first.
type Options struct {
	SubscriptionID string          `json:"subscription_id"`
	SKU            string          `json:"sku"`
	Quantity       int64           `json:"quantity"`
	EndDate        entitle.Date    `json:"end_date"`
	Status         entitle.Status  `json:"status"`
	Recommendation string          `json:"recommendation"`
	Options        []Option        `json:"options"`
	Access         []entitle.Basis `json:"access"`
	// RequestsAllowed says whether the caller may ask for a renewal now.
	RequestsAllowed bool   `json:"requests_allowed"`
	RequestsRefusal string `json:"requests_refusal,omitempty"`
	// TransferAllowed says whether the caller may offer (the owner's
	// administrators) or make (the vendor's) an ownership transfer, as
	// OfferTransfer decides; TransferDirect that it takes effect at once.
	TransferAllowed bool `json:"transfer_allowed"`
	TransferDirect  bool `json:"transfer_direct,omitempty"`
}

// Options says how the owner (or a delegate, or the vendor) can renew sub:
// first its partner of record (recommended), then the partners listed in
// the directory, then buying direct from the vendor at the partner price
// plus the direct premium — with figures from the price list. The answer is
// audited as a disclosure.
func (s *Service) Options(ctx context.Context, c entitle.Actor, sub string) (Options, error) {
	now := s.now()
	cand, d, err := s.entitlement(ctx, c, sub, now)
	if err != nil {
		return Options{}, s.audit(ctx, c, "renewal.options", sub, d, "not_found", err)
	}
	if rd := policy.RenewalOptions(d); !rd.Allowed {
		return Options{}, s.audit(ctx, c, "renewal.options", sub, d, "denied", forbidden(rd, "you may not renew this entitlement"))
	}
	e := cand.Entitlement
	out := Options{SubscriptionID: e.SubscriptionID, SKU: e.SKU, Quantity: e.Quantity, EndDate: e.EndDate,
		Status: e.StatusOn(entitle.DateOf(now)), Access: d.Basis, Options: []Option{}}
	direct, td := policy.OfferTransfer(c, d)
	out.TransferAllowed, out.TransferDirect = td.Allowed, direct && td.Allowed
	if err := s.renewable(e, now); err != nil {
		out.RequestsRefusal = err.Error()
	} else if rd := policy.RequestRenewal(d); rd.Allowed {
		out.RequestsAllowed = true
	} else {
		out.RequestsRefusal = rd.Reasons[0]
	}
	currency, err := s.DB.OrderCurrency(ctx, cand.OrderID)
	if err != nil {
		return Options{}, err
	}
	price, priced, err := s.DB.Price(ctx, e.SKU, currency)
	if err != nil {
		return Options{}, err
	}
	priceOf := func(o *Option, unit entitle.Decimal) {
		if priced {
			o.UnitPrice, o.Total, o.Currency = unit, unit.Times(e.Quantity), currency
		}
	}
	por, hasPOR, err := s.partnerOfRecord(ctx, cand)
	if err != nil {
		return Options{}, err
	}
	if hasPOR {
		p := disclose.PartnerOf(por)
		o := Option{Route: entitle.RoutePartnerOfRecord, Recommended: true, Partner: &p}
		priceOf(&o, price)
		out.Options = append(out.Options, o)
		out.Recommendation = fmt.Sprintf("We recommend renewing through %s, who sold you this subscription: partners offer the best price and manage your entitlements with you.", por.Company.Name)
	}
	dir, err := s.DB.Directory(ctx)
	if err != nil {
		return Options{}, err
	}
	vendorKey, err := s.DB.VendorKey(ctx)
	if err != nil {
		return Options{}, err
	}
	for _, prof := range dir {
		if (hasPOR && prof.Company.Key == por.Company.Key) || prof.Company.Key == vendorKey || prof.Company.Key == e.Owner {
			continue
		}
		p := disclose.PartnerOf(prof)
		o := Option{Route: entitle.RoutePartner, Partner: &p}
		priceOf(&o, price)
		out.Options = append(out.Options, o)
	}
	if !hasPOR {
		out.Recommendation = "We recommend buying through a partner: partners offer a better price than buying direct."
		if len(out.Options) == 0 {
			out.Recommendation = "No partner is listed yet: you can buy direct from the vendor."
		}
	}
	if vendorKey != "" {
		v, err := s.DB.Profile(ctx, vendorKey)
		if err != nil {
			return Options{}, err
		}
		p := disclose.PartnerOf(v)
		o := Option{Route: entitle.RouteDirect, Partner: &p, Premium: s.premium()}
		priceOf(&o, price.PlusPercent(s.premium()))
		out.Options = append(out.Options, o)
	}
	return out, s.audit(ctx, c, "renewal.options", sub, d, "ok", nil)
}

// renewable refuses a renewal of an entitlement that ended more than the
// grace period ago.
func (s *Service) renewable(e entitle.Entitlement, now time.Time) error {
	end := e.EndDate.Time().Add(24 * time.Hour) // the end date is inclusive
	if now.Sub(end) > s.grace() {
		return fmt.Errorf("this subscription ended on %s, more than %d days ago: it can no longer be renewed; buy a new subscription instead",
			e.EndDate, int(s.grace()/(24*time.Hour)))
	}
	return nil
}

// RenewalAsk is what an owner (or delegate) sends to ask for a renewal.
type RenewalAsk struct {
	// Route: "partner_of_record" (the default), "partner" (a listed
	// partner, named by Partner) or "direct" (the vendor).
	Route   string `json:"route"`
	Partner string `json:"partner"`
	// Message is shown to the recipient as written: whatever the owner
	// chooses to tell (e.g. a contact). Nothing else about the owner is.
	Message string `json:"message"`
}

// MaxMessage bounds a renewal request's message.
const MaxMessage = 2000

// ErrRenewalPending is returned (with the pending request) when the same
// request is open already.
var ErrRenewalPending = entitle.ErrRenewalPending

// RequestRenewal sends a renewal request for sub to the partner of record,
// a listed partner or the vendor; the recipient's administrators (the
// vendor's sales desk, for direct) are told by mail, and the request waits
// in the recipient's inbox. The recipient sees the entitlement information
// and the message only (R4).
func (s *Service) RequestRenewal(ctx context.Context, c entitle.Actor, sub string, ask RenewalAsk) (entitle.RenewalRequest, error) {
	now := s.now()
	cand, d, err := s.entitlement(ctx, c, sub, now)
	if err != nil {
		return entitle.RenewalRequest{}, s.audit(ctx, c, "renewal.request", sub, d, "not_found", err)
	}
	if rd := policy.RequestRenewal(d); !rd.Allowed {
		return entitle.RenewalRequest{}, s.audit(ctx, c, "renewal.request", sub, d, "denied", forbidden(rd, "you may not ask for this renewal"))
	}
	e := cand.Entitlement
	if err := s.renewable(e, now); err != nil {
		return entitle.RenewalRequest{}, entitle.Errorf(entitle.CodeInvalid, "%s", err.Error())
	}
	msg := strings.TrimSpace(ask.Message)
	if utf8.RuneCountInString(msg) > MaxMessage {
		return entitle.RenewalRequest{}, entitle.Problems{{Field: "message", Message: fmt.Sprintf("at most %d characters", MaxMessage)}}
	}
	r := entitle.RenewalRequest{SubscriptionID: sub, Requester: c.Company, RequestedBy: c.Email, Message: msg, CreatedAt: now}
	switch ask.Route {
	case "", entitle.RoutePartnerOfRecord:
		por, ok, err := s.partnerOfRecord(ctx, cand)
		if err != nil {
			return r, err
		}
		if !ok {
			return r, entitle.Problems{{Field: "route", Message: `this subscription was bought direct: it has no partner of record; choose a listed partner ("route":"partner") or "direct"`}}
		}
		r.Route, r.Recipient = entitle.RoutePartnerOfRecord, por.Company.Key
	case entitle.RoutePartner:
		p, err := s.DB.Profile(ctx, ask.Partner)
		if errors.Is(err, entitle.ErrNotFound) || (err == nil && !p.Listed) {
			return r, entitle.Problems{{Field: "partner", Message: fmt.Sprintf("%q is not a partner of the directory (GET /api/v1/partners lists them)", ask.Partner)}}
		}
		if err != nil {
			return r, err
		}
		r.Route, r.Recipient = entitle.RoutePartner, p.Company.Key
	case entitle.RouteDirect:
		vendor, err := s.DB.VendorKey(ctx)
		if err != nil {
			return r, err
		}
		if vendor == "" {
			return r, entitle.Problems{{Field: "route", Message: "no vendor is recorded to buy direct from"}}
		}
		r.Route, r.Recipient = entitle.RouteDirect, vendor
	default:
		return r, entitle.Problems{{Field: "route", Message: fmt.Sprintf(`must be "partner_of_record", "partner" or "direct", not %q`, ask.Route)}}
	}
	if r.Recipient == c.Company {
		return r, entitle.Problems{{Field: "route", Message: "your own company cannot renew from itself: choose another partner or \"direct\""}}
	}
	if r.Route != entitle.RoutePartner && ask.Partner != "" {
		return r, entitle.Problems{{Field: "partner", Message: `only with "route":"partner"`}}
	}
	ev := entitle.AuditEvent{At: now, Actor: c.Email, Company: c.Company, Action: "renewal.request", Object: sub, Basis: d.Basis, Outcome: "ok",
		Detail: r.Route + " to " + r.Recipient}
	r, err = s.DB.CreateRenewalRequest(ctx, r, ev)
	if errors.Is(err, entitle.ErrRenewalPending) {
		return r, err
	}
	if err != nil {
		return r, err
	}
	var to []string
	if r.Route == entitle.RouteDirect && s.SalesDesk != "" {
		to = []string{s.SalesDesk}
	}
	s.notify(ctx, r.Recipient, to, fmt.Sprintf("Renewal request for subscription %s", sub), s.renewalText(r))
	return r, nil
}

func (s *Service) renewalText(r entitle.RenewalRequest) string {
	var b strings.Builder
	fmt.Fprintf(&b, "A customer asks to renew this subscription:\n\n")
	fmt.Fprintf(&b, "  Subscription: %s\n  SKU:          %s\n  Quantity:     %d\n  Ends:         %s\n  PO number:    %s\n\n",
		r.SubscriptionID, r.Entitlement.SKU, r.Entitlement.Quantity, r.Entitlement.EndDate, r.Entitlement.PONumber)
	if r.Message != "" {
		fmt.Fprintf(&b, "Their message:\n\n%s\n\n", r.Message)
	} else {
		fmt.Fprintf(&b, "They left no message: answer in the portal.\n\n")
	}
	fmt.Fprintf(&b, "Open your renewal requests: %s/renewals (request %d). Mark it quoted, won or lost there.\n", strings.TrimSuffix(s.BaseURL, "/"), r.ID)
	return b.String()
}

// RenewalRequests returns a page of the renewal requests the caller's
// company received (or, with sent, made), newest first.
func (s *Service) RenewalRequests(ctx context.Context, c entitle.Actor, sent, open bool, before int64, limit int) ([]entitle.RenewalRequest, error) {
	if c.Company == "" {
		return nil, entitle.Errorf(entitle.CodeForbidden, "only members of a company have renewal requests")
	}
	return s.DB.RenewalRequests(ctx, c.Company, sent, open, before, limit)
}

// The states of a renewal request.
const (
	RenewalOpen      = "open"
	RenewalQuoted    = "quoted"
	RenewalWon       = "won"
	RenewalLost      = "lost"
	RenewalWithdrawn = "withdrawn"
)

// UpdateRenewalRequest changes a request: its recipient marks it quoted,
// won or lost (with a note for the requester: nil keeps the note it has);
// its requester withdraws it.
// A request won, lost or withdrawn is closed. To any other company the
// request does not exist (R7).
func (s *Service) UpdateRenewalRequest(ctx context.Context, c entitle.Actor, id int64, status string, notePtr *string) (entitle.RenewalRequest, error) {
	var note *string
	if notePtr != nil {
		n := strings.TrimSpace(*notePtr)
		note = &n
	}
	if note != nil && utf8.RuneCountInString(*note) > MaxMessage {
		return entitle.RenewalRequest{}, entitle.Problems{{Field: "note", Message: fmt.Sprintf("at most %d characters", MaxMessage)}}
	}
	now := s.now()
	missing := notFound("renewal request", fmt.Sprint(id))
	check := func(r entitle.RenewalRequest) error {
		asRecipient, asRequester := policy.RenewalRequestParty(c, r.Requester, r.Recipient)
		switch {
		case !asRecipient && !asRequester:
			return missing
		case r.Status != RenewalOpen && r.Status != RenewalQuoted:
			return entitle.Errorf(entitle.CodeConflict, "this renewal request is %s already: it is closed", r.Status)
		case asRecipient && (status == RenewalQuoted || status == RenewalWon || status == RenewalLost):
			return nil
		case asRequester && status == RenewalWithdrawn:
			return nil
		case asRecipient:
			return entitle.Problems{{Field: "status", Message: fmt.Sprintf(`must be "quoted", "won" or "lost", not %q`, status)}}
		}
		return entitle.Problems{{Field: "status", Message: fmt.Sprintf(`you asked for this renewal: you may only withdraw it ("withdrawn"), not set %q`, status)}}
	}
	ev := entitle.AuditEvent{At: now, Actor: c.Email, Company: c.Company, Action: "renewal." + status, Object: fmt.Sprint(id), Outcome: "ok"}
	r, err := s.DB.UpdateRenewalRequest(ctx, id, check, status, note, c.Email, now, ev)
	if errors.Is(err, entitle.ErrNotFound) {
		return r, missing
	}
	if err != nil {
		return r, err
	}
	if status != RenewalWithdrawn {
		s.notify(ctx, r.Requester, nil, fmt.Sprintf("Your renewal request for %s: %s", r.SubscriptionID, status),
			fmt.Sprintf("Your request to renew subscription %s is now %s.\n\n%s\n\nSee it in the portal: %s/renewals\n",
				r.SubscriptionID, status, r.Note, strings.TrimSuffix(s.BaseURL, "/")))
	}
	return r, nil
}

// audit records an answer about sub and returns result unchanged (or the
// audit's own failure).
func (s *Service) audit(ctx context.Context, c entitle.Actor, action, sub string, d policy.Decision, outcome string, result error) error {
	if err := s.DB.Audit(ctx, entitle.AuditEvent{At: s.now(), Actor: c.Email, Company: c.Company, Action: action, Object: sub, Basis: d.Basis, Outcome: outcome}); err != nil {
		return err
	}
	return result
}
