package disclose

import (
	"context"
	"errors"
	"fmt"

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

// Order returns the details of the caller's own order with PO number po (R2,
// R3); the vendor names the purchasing entity pe. Anything else: not_found.
func (s *Service) Order(ctx context.Context, c entitle.Actor, po, pe string) (Order, policy.Decision, error) {
	now := s.now()
	o, d, err := s.lookup(ctx, c, po, pe, policy.OrderDetails, now)
	var out Order
	if err == nil {
		out, err = s.projectOrder(ctx, o, d)
	}
	if err := s.auditLookup(ctx, c, "order.get", po, d, err); err != nil {
		return Order{}, policy.Decision{}, err
	}
	return out, d, err
}

// OrderEntitlements returns the entitlements of the caller's own order with
// PO number po (R3); the vendor names the purchasing entity pe.
func (s *Service) OrderEntitlements(ctx context.Context, c entitle.Actor, po, pe string) ([]Entitlement, policy.Decision, error) {
	now := s.now()
	o, d, err := s.lookup(ctx, c, po, pe, policy.LookupByPO, now)
	var out []Entitlement
	if err == nil {
		var owners map[int64]entitle.OwnerView
		if d.Views.Has(policy.ViewOwner) {
			owners, err = s.DB.OwnerViews(ctx, []int64{o.ID})
		}
		today := entitle.DateOf(now)
		out = []Entitlement{}
		for _, e := range o.Entitlements() {
			ed := d
			if cur := o.Owners[e.SubscriptionID]; cur != "" && cur != o.Owner {
				e.Owner = cur
				// Transferred since the order: decided on who owns it now.
				ed = policy.Decide(c, policy.LookupByPO, entitlementFacts(o, e), now)
			}
			out = append(out, project(entitle.Candidate{Entitlement: e, OrderID: o.ID}, ed, today, owners))
		}
		if err == nil {
			err = s.nameOwners(ctx, out)
		}
	}
	if err := s.auditLookup(ctx, c, "order.entitlements", po, d, err); err != nil {
		return nil, policy.Decision{}, err
	}
	return out, d, err
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

func (s *Service) auditLookup(ctx context.Context, c entitle.Actor, action, po string, d policy.Decision, err error) error {
	if err != nil && !isNotFound(err) {
		return err
	}
	outcome := "ok"
	if err != nil {
		outcome = "not_found"
	}
	return s.DB.Audit(ctx, entitle.AuditEvent{At: s.now(), Actor: c.Email, Company: c.Company, Action: action,
		Object: po, Basis: d.Basis, Outcome: outcome})
}

func (s *Service) projectOrder(ctx context.Context, o entitle.OrderRecord, d policy.Decision) (Order, error) {
	if !d.Views.Has(policy.ViewOrder) {
		return Order{}, fmt.Errorf("order %s: decision without the order view", o.PONumber)
	}
	party := func(key string) (Party, error) {
		co, err := s.DB.Company(ctx, key)
		return Party{Key: co.Key, Name: co.Name}, err
	}
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

// Delegable decides R5 for the caller: may it grant or revoke delegations of
// the listed subscriptions (nil: of all it owns)? A subscription the caller
// cannot see is not_found (R7); one it sees but does not own is refused.
func (s *Service) Delegable(ctx context.Context, c entitle.Actor, subs []string) (policy.Decision, error) {
	now := s.now()
	owns, err := s.DB.Owns(ctx, c.Company)
	if err != nil {
		return policy.Decision{}, err
	}
	if subs == nil {
		return policy.ManageDelegations(c, c.Company, owns), nil
	}
	d := policy.Decision{}
	for _, sub := range subs {
		cand, err := s.DB.Entitlement(ctx, sub, c.Company)
		if errors.Is(err, entitle.ErrNotFound) || err == nil && !policy.Decide(c, policy.Get, cand.Facts, now).Allowed {
			return policy.Decision{}, notFound("entitlement", sub)
		}
		if err != nil {
			return policy.Decision{}, err
		}
		if d = policy.ManageDelegations(c, cand.Entitlement.Owner, owns); !d.Allowed {
			return d, nil
		}
	}
	return d, nil
}
