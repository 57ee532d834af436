package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/disclose"
	"github.com/entitle-portal/entitle/internal/i18n"
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
	seen, err := s.seen(ctx, c, "renewal.options", sub)
	if err != nil {
		return Options{}, err
	}
	d := seen.Decision
	if rd := policy.RenewalOptions(d); !rd.Allowed {
		return Options{}, s.refused(ctx, c, "renewal.options", sub, d, rd)
	}
	e, v := seen.Record, seen.View
	out := Options{SubscriptionID: v.SubscriptionID, SKU: v.SKU, Quantity: v.Quantity, EndDate: v.EndDate,
		Status: v.Status, Access: v.Access, Options: []Option{}}
	td := policy.OfferTransfer(c, d)
	out.TransferAllowed, out.TransferDirect = td.Allowed, td.On(entitle.BasisVendor)
	if err := s.renewable(e, now); err != nil {
		out.RequestsRefusal = err.Error()
	} else if rd := policy.RequestRenewal(d); rd.Allowed {
		out.RequestsAllowed = true
	} else {
		out.RequestsRefusal = rd.Reasons[0]
	}
	currency, err := s.Store.OrderCurrency(ctx, seen.OrderID)
	if err != nil {
		return Options{}, err
	}
	price, priced, err := s.Store.Price(ctx, e.SKU, currency)
	if err != nil {
		return Options{}, err
	}
	priceOf := func(o *Option, unit entitle.Decimal) {
		if priced {
			o.UnitPrice, o.Total, o.Currency = unit, unit.Times(e.Quantity), currency
		}
	}
	// The partner of record is the one the gate shows (the partner view).
	por := v.SoldVia
	if por != nil {
		p := *por
		o := Option{Route: entitle.RoutePartnerOfRecord, Recommended: true, Partner: &p}
		priceOf(&o, price)
		out.Options = append(out.Options, o)
		out.Recommendation = fmt.Sprintf("We recommend renewing through %s, who sold you this subscription: partners offer the best price and manage your entitlements with you.", por.Name)
	}
	dir, err := s.Store.Directory(ctx)
	if err != nil {
		return Options{}, err
	}
	vendorKey, err := s.Store.VendorKey(ctx)
	if err != nil {
		return Options{}, err
	}
	for _, prof := range dir {
		if (por != nil && prof.Company.Key == por.Key) || prof.Company.Key == vendorKey || prof.Company.Key == e.Owner {
			continue
		}
		p := disclose.PartnerOf(prof)
		o := Option{Route: entitle.RoutePartner, Partner: &p}
		priceOf(&o, price)
		out.Options = append(out.Options, o)
	}
	if por == nil {
		out.Recommendation = "We recommend buying through a partner: partners offer a better price than buying direct."
		if len(out.Options) == 0 {
			out.Recommendation = "No partner is listed yet: you can buy direct from the vendor."
		}
	}
	if vendorKey != "" {
		vp, err := s.Store.Profile(ctx, vendorKey)
		if err != nil {
			return Options{}, err
		}
		p := disclose.PartnerOf(vp)
		o := Option{Route: entitle.RouteDirect, Partner: &p, Premium: s.Premium()}
		priceOf(&o, price.PlusPercent(s.Premium()))
		out.Options = append(out.Options, o)
	}
	return out, s.audit(ctx, c, "renewal.options", sub, d, "ok", nil)
}

// renewable refuses a renewal of an entitlement that ended more than the
// grace period ago.
func (s *Service) renewable(e entitle.Entitlement, now time.Time) error {
	end := e.EndDate.Time().Add(24 * time.Hour) // the end date is inclusive
	if now.Sub(end) > s.grace() {
		return entitle.Errorf(entitle.CodeInvalid, "this subscription ended on %s, more than %d days ago: it can no longer be renewed; buy a new subscription instead",
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

// Pending says, to its requester, that renewal request v (the one
// RequestRenewal found open when asked again) is still open, and what to do
// about it instead of asking again: wait for the answer of an open request;
// take up a quoted one with the partner, who has answered. withdraw says
// where the requester withdraws it (the API, a page).
func Pending(v disclose.RenewalRequest, withdraw string) string {
	to := "the recipient"
	if v.Recipient != nil {
		to = v.Recipient.Name
	}
	if v.Status == entitle.RenewalQuoted {
		return fmt.Sprintf("You asked %s to renew %s already, and they sent a quote (request %d): take it up with them, or %s to ask anew.",
			to, v.Entitlement.SubscriptionID, v.ID, withdraw)
	}
	return fmt.Sprintf("You asked %s to renew %s already (request %d, sent %s): wait for their answer, or %s to ask anew.",
		to, v.Entitlement.SubscriptionID, v.ID, v.CreatedAt.Format("2006-01-02"), withdraw)
}

// RequestRenewal sends a renewal request for sub to the partner of record,
// a listed partner or the vendor; the recipient's administrators (the
// vendor's sales desk, for direct) are told by mail, and the request waits
// in the recipient's inbox. The recipient sees the entitlement information
// and the message only (R4).
func (s *Service) RequestRenewal(ctx context.Context, c entitle.Actor, sub string, ask RenewalAsk) (disclose.RenewalRequest, error) {
	r, err := s.requestRenewal(ctx, c, sub, ask)
	if err != nil && !errors.Is(err, ErrRenewalPending) {
		return disclose.RenewalRequest{}, err
	}
	v, verr := s.Gate.RenewalRequest(ctx, c, r)
	if verr != nil {
		return v, verr
	}
	return v, err
}

func (s *Service) requestRenewal(ctx context.Context, c entitle.Actor, sub string, ask RenewalAsk) (entitle.RenewalRequest, error) {
	now := s.now()
	seen, err := s.seen(ctx, c, "renewal.request", sub)
	if err != nil {
		return entitle.RenewalRequest{}, err
	}
	d := seen.Decision
	if rd := policy.RequestRenewal(d); !rd.Allowed {
		return entitle.RenewalRequest{}, s.refused(ctx, c, "renewal.request", sub, d, rd)
	}
	e := seen.Record
	if err := s.renewable(e, now); err != nil {
		return entitle.RenewalRequest{}, err
	}
	msg := strings.TrimSpace(ask.Message)
	if utf8.RuneCountInString(msg) > MaxMessage {
		return entitle.RenewalRequest{}, entitle.Problems{{Field: "message", Message: fmt.Sprintf("at most %d characters", MaxMessage)}}
	}
	r := entitle.RenewalRequest{SubscriptionID: sub, Requester: c.Company, RequestedBy: c.Email, Message: msg, CreatedAt: now}
	switch ask.Route {
	case "", entitle.RoutePartnerOfRecord:
		if seen.View.SoldVia == nil {
			return r, entitle.Problems{{Field: "route", Message: `this subscription was bought direct: it has no partner of record; choose a listed partner ("route":"partner") or "direct"`}}
		}
		r.Route, r.Recipient = entitle.RoutePartnerOfRecord, seen.View.SoldVia.Key
	case entitle.RoutePartner:
		p, err := s.Store.Profile(ctx, ask.Partner)
		if errors.Is(err, entitle.ErrNotFound) || (err == nil && !p.Listed) {
			return r, entitle.Problems{{Field: "partner", Message: fmt.Sprintf("%q is not a partner of the directory (GET /api/v1/partners lists them)", ask.Partner)}}
		}
		if err != nil {
			return r, err
		}
		r.Route, r.Recipient = entitle.RoutePartner, p.Company.Key
	case entitle.RouteDirect:
		vendor, err := s.Store.VendorKey(ctx)
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
	r, err = s.Store.CreateRenewalRequest(ctx, r, ev)
	if errors.Is(err, entitle.ErrRenewalPending) {
		return r, err
	}
	if err != nil {
		return r, err
	}
	var to []entitle.Recipient
	if r.Route == entitle.RouteDirect && s.SalesDesk != "" {
		to = []entitle.Recipient{{Email: s.SalesDesk, Language: string(s.SalesDeskLanguage)}}
	}
	// The mail tells the recipient what its own view of the request does:
	// a listed partner, for one, is not told the PO number.
	recipient, err := s.Gate.ActorFor(ctx, r.Recipient, "mail")
	if err == nil {
		var v disclose.RenewalRequest
		if v, err = s.Gate.RenewalRequest(ctx, recipient, r); err == nil {
			s.notifyKind(ctx, r.Recipient, entitle.NoticeRenewalRequests, to, func(p *i18n.Printer) (string, string) {
				return p.T("mail.renewal.subject", "Sub", sub), s.renewalText(p, v)
			})
		}
	}
	if err != nil {
		s.log().ErrorContext(ctx, "renewal request notification not sent", slog.Int64("request", r.ID), slog.Any("err", err))
	}
	return r, nil
}

// renewalText is the notification of v, a renewal request as its recipient
// sees it, in p's language.
func (s *Service) renewalText(p *i18n.Printer, v disclose.RenewalRequest) string {
	var b strings.Builder
	e := v.Entitlement
	fmt.Fprintf(&b, "%s\n\n", p.T("mail.renewal.asks"))
	labels := []string{p.T("mail.renewal.subscription"), p.T("mail.renewal.sku"), p.T("mail.renewal.quantity"),
		p.T("mail.renewal.ends"), p.T("mail.renewal.po")}
	width := 0
	for _, l := range labels {
		width = max(width, utf8.RuneCountInString(l)+1)
	}
	field := func(label, value string) {
		fmt.Fprintf(&b, "  %s:%s %s\n", label, strings.Repeat(" ", width-utf8.RuneCountInString(label)-1), value)
	}
	field(labels[0], e.SubscriptionID)
	field(labels[1], e.SKU)
	field(labels[2], fmt.Sprint(e.Quantity))
	field(labels[3], e.EndDate.String())
	if e.PONumber != "" {
		field(labels[4], e.PONumber)
	}
	b.WriteString("\n")
	r := v
	if r.Message != "" {
		fmt.Fprintf(&b, "%s\n\n%s\n\n", p.T("mail.renewal.message"), r.Message)
	} else {
		fmt.Fprintf(&b, "%s\n\n", p.T("mail.renewal.no_message"))
	}
	fmt.Fprintf(&b, "%s\n", p.T("mail.renewal.open", "Link", strings.TrimSuffix(s.BaseURL, "/")+"/renewals", "ID", r.ID))
	return b.String()
}

// RenewalRequests returns a page of the renewal requests the caller's
// company received (or, with sent, made), newest first.
func (s *Service) RenewalRequests(ctx context.Context, c entitle.Actor, sent, open bool, before int64, limit int) ([]disclose.RenewalRequest, error) {
	if c.Company == "" {
		return nil, entitle.Errorf(entitle.CodeForbidden, "only members of a company have renewal requests")
	}
	rs, err := s.Store.RenewalRequests(ctx, c.Company, sent, open, before, limit)
	if err != nil {
		return nil, err
	}
	out := make([]disclose.RenewalRequest, 0, len(rs))
	for _, r := range rs {
		v, err := s.Gate.RenewalRequest(ctx, c, r)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// UpdateRenewalRequest changes a request: its recipient marks it quoted,
// won or lost (with a note for the requester: nil keeps the note it has);
// its requester withdraws it.
// A request won, lost or withdrawn is closed. To any other company the
// request does not exist (R7).
func (s *Service) UpdateRenewalRequest(ctx context.Context, c entitle.Actor, id int64, status string, notePtr *string) (disclose.RenewalRequest, error) {
	var note *string
	if notePtr != nil {
		n := strings.TrimSpace(*notePtr)
		note = &n
	}
	if note != nil && utf8.RuneCountInString(*note) > MaxMessage {
		return disclose.RenewalRequest{}, entitle.Problems{{Field: "note", Message: fmt.Sprintf("at most %d characters", MaxMessage)}}
	}
	now := s.now()
	missing := notFound("renewal request", fmt.Sprint(id))
	// Whether this party gives this answer is decided before the state of
	// the request: a party that may not is refused whatever the state; the
	// one that may is told when the request is closed.
	check := func(r entitle.RenewalRequest) error {
		d := policy.AnswerRenewalRequest(c, r, status)
		switch {
		case !d.Visible:
			return missing
		case !d.Allowed:
			// The status asked for is not one this party gives: a wrong
			// value of the field, said in the policy's words.
			return entitle.Problems{{Field: "status", Message: d.Reasons[0]}}
		case r.Status == entitle.RenewalTransferred:
			return entitle.Errorf(entitle.CodeConflict, "this renewal request was closed when %s changed hands: its new owner asks anew", r.SubscriptionID)
		case !r.Open():
			return entitle.Errorf(entitle.CodeConflict, "this renewal request is %s already: it is closed", r.Status)
		}
		return nil
	}
	ev := entitle.AuditEvent{At: now, Actor: c.Email, Company: c.Company, Action: "renewal." + status, Object: fmt.Sprint(id), Outcome: "ok"}
	r, err := s.Store.UpdateRenewalRequest(ctx, id, check, status, note, c.Email, now, ev)
	if errors.Is(err, entitle.ErrNotFound) {
		return disclose.RenewalRequest{}, missing
	}
	if err != nil {
		return disclose.RenewalRequest{}, err
	}
	if status != entitle.RenewalWithdrawn {
		s.notifyKind(ctx, r.Requester, entitle.NoticeRenewalRequests, nil, func(p *i18n.Printer) (string, string) {
			st := p.T("renewals.status_" + status)
			return p.T("mail.renewal.answer_subject", "Sub", r.SubscriptionID, "Status", st),
				fmt.Sprintf("%s\n\n%s\n\n%s\n", p.T("mail.renewal.answer", "Sub", r.SubscriptionID, "Status", st), r.Note,
					p.T("mail.see_in_portal", "Link", strings.TrimSuffix(s.BaseURL, "/")+"/renewals"))
		})
	}
	return s.Gate.RenewalRequest(ctx, c, r)
}

// audit records an answer about sub and returns result unchanged (or the
// audit's own failure).
func (s *Service) audit(ctx context.Context, c entitle.Actor, action, sub string, d policy.Decision, outcome string, result error) error {
	if err := s.Store.Audit(ctx, entitle.AuditEvent{At: s.now(), Actor: c.Email, Company: c.Company, Action: action, Object: sub, Basis: d.Basis, Outcome: outcome}); err != nil {
		return err
	}
	return result
}
