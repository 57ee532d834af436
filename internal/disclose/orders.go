package disclose

import (
	"context"
	"errors"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
)

// Order is the order-details object (R2): only ever built for a decision
// with the order view. Owner and InstallationSite are present only with the
// owner view (R4) — for the vendor, or a purchasing entity that is the owner.
type Order struct {
	PONumber         string           `json:"po_number"`
	PurchasingEntity Party            `json:"purchasing_entity"`
	MSA              string           `json:"msa"`
	OrderDate        entitle.Date     `json:"order_date"`
	Currency         string           `json:"currency"`
	Resellers        []Party          `json:"resellers"`
	Installers       []Party          `json:"installers"`
	BillTo           *entitle.Address `json:"bill_to,omitempty"`
	Lines            []OrderLine      `json:"lines"`
	Total            entitle.Decimal  `json:"total"`
	Access           []entitle.Basis  `json:"access"`
	Owner            *Party           `json:"owner,omitempty"`
	InstallationSite *entitle.Address `json:"installation_site,omitempty"`
}

// OrderLine is one line of an order with its price and amount.
type OrderLine struct {
	Line           int             `json:"line"`
	SubscriptionID string          `json:"subscription_id"`
	SKU            string          `json:"sku"`
	Description    string          `json:"description,omitempty"`
	Quantity       int64           `json:"quantity"`
	UnitPrice      entitle.Decimal `json:"unit_price"`
	Amount         entitle.Decimal `json:"amount"`
	StartDate      entitle.Date    `json:"start_date"`
	EndDate        entitle.Date    `json:"end_date"`
}

// Order returns the details of a's own order with PO number po (R2, R3);
// the vendor names the purchasing entity pe. Anything else: not_found.
// Audited.
func (s *Service) Order(ctx context.Context, a entitle.Actor, po, pe string) (Order, error) {
	now := s.now()
	o, d, err := s.lookup(ctx, a, po, pe, policy.OrderDetails, now)
	var out Order
	if err == nil {
		out, err = s.projectOrder(ctx, o, d)
	}
	return out, s.audit(ctx, a, now, "order.get", po, d.Basis, "", err)
}

// OrderEntitlements returns the entitlements of a's own order with PO number
// po (R3); the vendor names the purchasing entity pe. Audited.
func (s *Service) OrderEntitlements(ctx context.Context, a entitle.Actor, po, pe string) ([]Entitlement, error) {
	now := s.now()
	o, d, err := s.lookup(ctx, a, po, pe, policy.LookupByPO, now)
	var out []Entitlement
	if err == nil {
		ds := make([]decided, 0, len(o.Lines))
		for _, e := range o.Entitlements() {
			ed := d
			if cur := o.Owners[e.SubscriptionID]; cur != "" && cur != o.Owner {
				// Transferred since the order: decided on who owns it now.
				e.Owner = cur
				ed = policy.Decide(a, policy.LookupByPO, entitlementFacts(o, e), now)
			}
			ds = append(ds, decided{entitle.Candidate{Entitlement: e, OrderID: o.ID}, ed})
		}
		out, err = s.project(ctx, ds, entitle.DateOf(now))
		if out == nil && err == nil {
			out = []Entitlement{}
		}
	}
	return out, s.audit(ctx, a, now, "order.entitlements", po, d.Basis, "", err)
}

// entitlementFacts are the policy's facts about one entitlement of order o,
// owned by whoever owns it now.
func entitlementFacts(o entitle.OrderRecord, e entitle.Entitlement) entitle.Facts {
	roles := o.Assignments()
	for i, a := range roles {
		if a.Role == entitle.RoleOwner {
			roles[i].Company = e.Owner
		}
	}
	return entitle.Facts{SubscriptionID: e.SubscriptionID, Owner: e.Owner, PurchasingEntity: o.PurchasingEntity, Roles: roles}
}

// lookup finds the order with PO number po of purchasing entity pe — a's
// own when pe is "" (the vendor names one) — and has the policy decide (R2,
// R3). way is policy.LookupByPO (the order's entitlements) or
// policy.OrderDetails. The decision is returned refused too, with its
// reasons, for `entitle check`.
func (s *Service) lookup(ctx context.Context, a entitle.Actor, po, pe string, way policy.Way, now time.Time) (entitle.OrderRecord, policy.Decision, error) {
	if pe == "" {
		pe = a.Company // a PO is looked up among the caller's own POs
	}
	o, f, err := s.store.OrderByPO(ctx, pe, po)
	if errors.Is(err, entitle.ErrNotFound) {
		return o, policy.Decision{Reasons: []string{"R3: looking up PO " + po + " finds nothing for your company"}}, notFound("order", po)
	}
	if err != nil {
		return o, policy.Decision{}, err
	}
	if way == policy.LookupByPO && len(o.Lines) > 0 {
		f.SubscriptionID = o.Lines[0].SubscriptionID
	}
	d := policy.Decide(a, way, f, now)
	if err := d.Err("order", po); err != nil {
		return entitle.OrderRecord{}, d, err
	}
	return o, d, nil
}

func (s *Service) projectOrder(ctx context.Context, o entitle.OrderRecord, d policy.Decision) (Order, error) {
	if !d.Views.Has(policy.ViewOrder) {
		return Order{}, errors.New("order " + o.PONumber + ": decision without the order view")
	}
	party := s.Parties(ctx)
	out := Order{PONumber: o.PONumber, MSA: o.MSA, OrderDate: o.OrderDate, Currency: o.Currency,
		Resellers: []Party{}, Installers: []Party{}, BillTo: o.BillTo, Lines: []OrderLine{}, Total: o.Total(), Access: d.Basis}
	var err error
	if out.PurchasingEntity, err = party(o.PurchasingEntity); err != nil {
		return Order{}, err
	}
	for _, list := range []struct {
		keys []string
		dst  *[]Party
	}{{o.Resellers, &out.Resellers}, {o.Installers, &out.Installers}} {
		for _, k := range list.keys {
			p, err := party(k)
			if err != nil {
				return Order{}, err
			}
			*list.dst = append(*list.dst, p)
		}
	}
	for _, l := range o.Lines {
		out.Lines = append(out.Lines, OrderLine{Line: l.Line, SubscriptionID: l.SubscriptionID, SKU: l.SKU, Description: l.Description,
			Quantity: l.Quantity, UnitPrice: l.UnitPrice, Amount: l.Amount(), StartDate: l.StartDate, EndDate: l.EndDate})
	}
	if d.Views.Has(policy.ViewOwner) {
		p, err := party(o.Owner)
		if err != nil {
			return Order{}, err
		}
		out.Owner, out.InstallationSite = &p, o.InstallationSite
	}
	return out, nil
}
