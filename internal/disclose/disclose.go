// Package disclose answers what a caller may see: it asks the store for
// candidates and facts, has internal/policy decide, projects only the views
// the decision allows, and audits every disclosure. The CLI and the HTTP API
// both go through it; no other package turns records into answers.
package disclose

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
	"github.com/entitle-portal/entitle/internal/store"
)

// Service answers disclosure questions.
type Service struct {
	DB  *store.DB
	Now func() time.Time // the clock; time.Now when nil
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// CallerFor returns the caller for user u.
func (s *Service) CallerFor(ctx context.Context, u entitle.User) (entitle.Actor, error) {
	vendor, err := s.DB.VendorKey(ctx)
	if err != nil {
		return entitle.Actor{}, err
	}
	return u.Actor(vendor), nil
}

// CallerForCompany returns a caller acting as a member of company (the
// console's export --company). It fails when the company does not exist.
func (s *Service) CallerForCompany(ctx context.Context, company, actor string) (entitle.Actor, error) {
	if _, err := s.DB.Company(ctx, company); err != nil {
		if errors.Is(err, entitle.ErrNotFound) {
			return entitle.Actor{}, entitle.Errorf(entitle.CodeNotFound, "no company with key %s", company)
		}
		return entitle.Actor{}, err
	}
	vendor, err := s.DB.VendorKey(ctx)
	if err != nil {
		return entitle.Actor{}, err
	}
	return entitle.Actor{Company: company, Vendor: vendor == company, Email: actor}, nil
}

// Party names a company in an answer.
type Party struct {
	Key  string `json:"key"`
	Name string `json:"name"`
}

// Entitlement is the entitlement object of the API (SPEC §5). Owner and
// InstallationSite are present only when the decision includes the owner
// view (R4); every other field is entitlement information (R1).
type Entitlement struct {
	SubscriptionID   string           `json:"subscription_id"`
	SKU              string           `json:"sku"`
	Quantity         int64            `json:"quantity"`
	StartDate        entitle.Date     `json:"start_date"`
	EndDate          entitle.Date     `json:"end_date"`
	PONumber         string           `json:"po_number"`
	Status           entitle.Status   `json:"status"`
	Access           []entitle.Basis  `json:"access"`
	Owner            *Party           `json:"owner,omitempty"`
	InstallationSite *entitle.Address `json:"installation_site,omitempty"`
	// SoldVia is the partner of record, for the owner, its delegates and the
	// vendor (policy.SoldVia); absent for a direct purchase.
	SoldVia *Partner `json:"sold_via,omitempty"`
}

// Partner names a partner company and how to reach it.
type Partner struct {
	Key          string `json:"key"`
	Name         string `json:"name"`
	ContactEmail string `json:"contact_email,omitempty"`
	ContactPhone string `json:"contact_phone,omitempty"`
	Website      string `json:"website,omitempty"`
}

// PartnerOf is the partner named by a company profile.
func PartnerOf(p entitle.Profile) Partner {
	return Partner{Key: p.Company.Key, Name: p.Company.Name, ContactEmail: p.ContactEmail, ContactPhone: p.ContactPhone, Website: p.Website}
}

// soldVia fills in the partner of record of the items whose decision names
// it (policy.SoldVia): one query for the page, each partner looked up once.
func (s *Service) soldVia(ctx context.Context, items []*Entitlement, orders []int64) error {
	if len(items) == 0 {
		return nil
	}
	partners, err := s.DB.PartnersOf(ctx, orders)
	if err != nil {
		return err
	}
	seen := map[string]*Partner{}
	for i, e := range items {
		key, ok := partners[orders[i]]
		if !ok {
			continue
		}
		p, ok := seen[key]
		if !ok {
			prof, err := s.DB.Profile(ctx, key)
			if err != nil {
				return err
			}
			pp := PartnerOf(prof)
			p, seen[key] = &pp, &pp
		}
		e.SoldVia = p
	}
	return nil
}

// project builds the entitlement object a decision allows.
func project(c entitle.Candidate, d policy.Decision, today entitle.Date, owners map[int64]entitle.OwnerView) Entitlement {
	e := c.Entitlement
	out := Entitlement{
		SubscriptionID: e.SubscriptionID, SKU: e.SKU, Quantity: e.Quantity,
		StartDate: e.StartDate, EndDate: e.EndDate, PONumber: e.PONumber,
		Status: e.StatusOn(today), Access: d.Basis,
	}
	if d.Views.Has(policy.ViewOwner) {
		if v, ok := owners[c.OrderID]; ok && v.Owner.Key == e.Owner {
			out.Owner = &Party{Key: v.Owner.Key, Name: v.Owner.Name}
			out.InstallationSite = v.Site
		} else if e.Owner != "" {
			// Transferred: the owner is no longer the order's, and the
			// order's installation site is the former owner's (R4): named
			// by nameOwners, no site.
			out.Owner = &Party{Key: e.Owner}
		}
	}
	return out
}

// nameOwners names the owners project could only give the key of (the
// entitlement was transferred since its order).
func (s *Service) nameOwners(ctx context.Context, items []Entitlement) error {
	names := map[string]string{}
	for i := range items {
		o := items[i].Owner
		if o == nil || o.Name != "" {
			continue
		}
		name, ok := names[o.Key]
		if !ok {
			co, err := s.DB.Company(ctx, o.Key)
			if err != nil {
				return err
			}
			name, names[o.Key] = co.Name, co.Name
		}
		items[i].Owner = &Party{Key: o.Key, Name: name}
	}
	return nil
}

// ErrNotFound is the answer for an object that does not exist and for one the
// caller may not see (R7): the two are indistinguishable.
func notFound(what, id string) error {
	return entitle.Errorf(entitle.CodeNotFound, "%s %s not found", what, id)
}

// Page is one page of a list.
type Page struct {
	Items []Entitlement `json:"items"`
	Next  string        `json:"next_cursor,omitempty"`
}

// MaxLimit bounds a page.
const MaxLimit = 500

// List returns one page of the entitlements the caller may see, in
// subscription ID order after cursor after, and audits the disclosure.
func (s *Service) List(ctx context.Context, c entitle.Actor, after string, limit int, f entitle.ListFilter) (Page, error) {
	now := s.now()
	page, err := s.list(ctx, c, after, limit, f, now)
	if err != nil {
		return page, err
	}
	return page, s.DB.Audit(ctx, entitle.AuditEvent{At: now, Actor: c.Email, Company: c.Company, Action: "entitlement.list",
		Object: after, Outcome: "ok", Detail: fmt.Sprintf("%d items", len(page.Items))})
}

func (s *Service) list(ctx context.Context, c entitle.Actor, after string, limit int, f entitle.ListFilter, now time.Time) (Page, error) {
	if limit < 1 || limit > MaxLimit {
		return Page{}, entitle.Errorf(entitle.CodeInvalid, "limit must be between 1 and %d", MaxLimit)
	}
	today := entitle.DateOf(now)
	f.Today = today
	lp, err := s.DB.List(ctx, c, after, limit, f, now)
	if err != nil {
		return Page{}, err
	}
	page := Page{Items: []Entitlement{}, Next: lp.Next}
	decisions := make([]policy.Decision, len(lp.Candidates))
	var ownerOrders []int64
	for i, cand := range lp.Candidates {
		decisions[i] = policy.Decide(c, policy.List, cand.Facts, now)
		if decisions[i].Views.Has(policy.ViewOwner) {
			ownerOrders = append(ownerOrders, cand.OrderID)
		}
	}
	var owners map[int64]entitle.OwnerView
	if len(ownerOrders) > 0 {
		if owners, err = s.DB.OwnerViews(ctx, ownerOrders); err != nil {
			return Page{}, err
		}
	}
	var sold []int // the items that name their partner of record
	var orders []int64
	for i, cand := range lp.Candidates {
		d := decisions[i]
		if !d.Allowed || (f.Basis != "" && !hasBasis(d.Basis, f.Basis)) {
			continue
		}
		if policy.SoldVia(d) {
			sold, orders = append(sold, len(page.Items)), append(orders, cand.OrderID)
		}
		page.Items = append(page.Items, project(cand, d, today, owners))
	}
	items := make([]*Entitlement, len(sold))
	for i, j := range sold {
		items[i] = &page.Items[j]
	}
	if err := s.soldVia(ctx, items, orders); err != nil {
		return Page{}, err
	}
	if err := s.nameOwners(ctx, page.Items); err != nil {
		return Page{}, err
	}
	return page, nil
}

func hasBasis(bs []entitle.Basis, b entitle.Basis) bool {
	for _, x := range bs {
		if x == b {
			return true
		}
	}
	return false
}

// Export calls emit for every entitlement the caller may see, in
// subscription ID order, and audits the export as one disclosure.
func (s *Service) Export(ctx context.Context, c entitle.Actor, f entitle.ListFilter, emit func(Entitlement) error) (int, error) {
	now := s.now()
	n, after := 0, ""
	for {
		page, err := s.list(ctx, c, after, MaxLimit, f, now)
		if err != nil {
			return n, err
		}
		for _, e := range page.Items {
			if err := emit(e); err != nil {
				return n, err
			}
			n++
		}
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	return n, s.DB.Audit(ctx, entitle.AuditEvent{At: now, Actor: c.Email, Company: c.Company, Action: "entitlement.export",
		Outcome: "ok", Detail: fmt.Sprintf("%d entitlements", n)})
}

// Get returns one entitlement by subscription ID, or not_found when it does
// not exist or the caller may not see it (R7). Both are audited.
func (s *Service) Get(ctx context.Context, c entitle.Actor, sub string) (Entitlement, policy.Decision, error) {
	now := s.now()
	e, d, err := s.get(ctx, c, sub, now)
	if err != nil && !isNotFound(err) {
		return e, d, err
	}
	outcome := "ok"
	if err != nil {
		outcome = "not_found"
	}
	if aerr := s.DB.Audit(ctx, entitle.AuditEvent{At: now, Actor: c.Email, Company: c.Company, Action: "entitlement.get",
		Object: sub, Basis: d.Basis, Outcome: outcome}); aerr != nil {
		return Entitlement{}, policy.Decision{}, aerr
	}
	return e, d, err
}

func (s *Service) get(ctx context.Context, c entitle.Actor, sub string, now time.Time) (Entitlement, policy.Decision, error) {
	cand, err := s.DB.Entitlement(ctx, sub, c.Company)
	if errors.Is(err, entitle.ErrNotFound) {
		return Entitlement{}, policy.Decision{}, notFound("entitlement", sub)
	}
	if err != nil {
		return Entitlement{}, policy.Decision{}, err
	}
	d := policy.Decide(c, policy.Get, cand.Facts, now)
	if !d.Allowed {
		return Entitlement{}, policy.Decision{}, notFound("entitlement", sub)
	}
	var owners map[int64]entitle.OwnerView
	if d.Views.Has(policy.ViewOwner) {
		if owners, err = s.DB.OwnerViews(ctx, []int64{cand.OrderID}); err != nil {
			return Entitlement{}, policy.Decision{}, err
		}
	}
	e := project(cand, d, entitle.DateOf(now), owners)
	one := []Entitlement{e}
	if err := s.nameOwners(ctx, one); err != nil {
		return Entitlement{}, policy.Decision{}, err
	}
	e = one[0]
	if policy.SoldVia(d) {
		if err := s.soldVia(ctx, []*Entitlement{&e}, []int64{cand.OrderID}); err != nil {
			return Entitlement{}, policy.Decision{}, err
		}
	}
	return e, d, nil
}

func isNotFound(err error) bool {
	var e *entitle.Error
	return errors.As(err, &e) && e.Code == entitle.CodeNotFound
}

// Access is one company's access in an explanation (R8).
type Access struct {
	Company     Party           `json:"company"`
	Basis       []entitle.Basis `json:"basis"`
	Delegations []string        `json:"delegations,omitempty"`
}

// Explain answers who has access to an entitlement and why (R8), for the
// owner and the vendor; anyone else gets not_found (R7).
func (s *Service) Explain(ctx context.Context, c entitle.Actor, sub string) ([]Access, error) {
	now := s.now()
	out, err := s.explain(ctx, c, sub, now)
	if err != nil && !isNotFound(err) {
		return nil, err
	}
	outcome := "ok"
	if err != nil {
		outcome = "not_found"
	}
	if aerr := s.DB.Audit(ctx, entitle.AuditEvent{At: now, Actor: c.Email, Company: c.Company, Action: "entitlement.access",
		Object: sub, Outcome: outcome}); aerr != nil {
		return nil, aerr
	}
	return out, err
}

func (s *Service) explain(ctx context.Context, c entitle.Actor, sub string, now time.Time) ([]Access, error) {
	cand, err := s.DB.Entitlement(ctx, sub, "")
	if errors.Is(err, entitle.ErrNotFound) {
		return nil, notFound("entitlement", sub)
	}
	if err != nil {
		return nil, err
	}
	vendor, err := s.DB.VendorKey(ctx)
	if err != nil {
		return nil, err
	}
	d, access := policy.Explain(c, cand.Facts, vendor, now)
	if !d.Allowed {
		return nil, notFound("entitlement", sub)
	}
	out := []Access{}
	for _, a := range access {
		co, err := s.DB.Company(ctx, a.Company)
		if err != nil {
			return nil, err
		}
		out = append(out, Access{Company: Party{Key: co.Key, Name: co.Name}, Basis: a.Basis, Delegations: a.Delegations})
	}
	return out, nil
}

// lookup finds the order with PO number po of purchasing entity pe — the
// caller's own when pe is "" (the vendor names one) — and has the policy
// decide (R2, R3). way is policy.LookupByPO (the order's entitlements) or
// policy.OrderDetails.
func (s *Service) lookup(ctx context.Context, c entitle.Actor, po, pe string, way policy.Way, now time.Time) (entitle.OrderRecord, policy.Decision, error) {
	if pe == "" {
		pe = c.Company // a PO is looked up among the caller's own POs
	}
	o, f, err := s.DB.OrderByPO(ctx, pe, po)
	if errors.Is(err, entitle.ErrNotFound) {
		return o, policy.Decision{}, notFound("order", po)
	}
	if err != nil {
		return o, policy.Decision{}, err
	}
	if way == policy.LookupByPO && len(o.Lines) > 0 {
		f.SubscriptionID = o.Lines[0].SubscriptionID
	}
	d := policy.Decide(c, way, f, now)
	if !d.Allowed {
		return entitle.OrderRecord{}, policy.Decision{}, notFound("order", po)
	}
	return o, d, nil
}

// Explanation is what `entitle check` prints: the decision for each way of
// asking about one entitlement, and who has access when the caller may ask.
type Explanation struct {
	Caller    entitle.Actor
	Get       policy.Decision
	Exists    bool
	ByPO      policy.Decision // looking up the entitlement's PO number among the caller's own
	Order     policy.Decision
	Access    []Access
	Delegable policy.Decision
}

// Check explains what the caller may see of subscription sub and why, without
// disclosing anything the caller could not see (a denied entitlement is
// reported as not found).
func (s *Service) Check(ctx context.Context, c entitle.Actor, sub string) (Explanation, error) {
	now := s.now()
	x := Explanation{Caller: c}
	_, d, err := s.get(ctx, c, sub, now)
	if isNotFound(err) {
		x.Get = policy.Decision{Reasons: []string{"R7: no entitlement " + sub + " that your company may see"}}
		return x, nil
	}
	if err != nil {
		return x, err
	}
	x.Exists, x.Get = true, d
	cand, err := s.DB.Entitlement(ctx, sub, c.Company)
	if err != nil {
		return x, err
	}
	pe := ""
	if c.Vendor {
		pe = cand.Entitlement.PurchasingEntity
	}
	if _, d, err := s.lookup(ctx, c, cand.Entitlement.PONumber, pe, policy.LookupByPO, now); err == nil {
		x.ByPO = d
	} else if isNotFound(err) {
		x.ByPO = policy.Decision{Reasons: []string{"R3: looking up PO " + cand.Entitlement.PONumber + " finds nothing for your company"}}
	} else {
		return x, err
	}
	if _, d, err := s.lookup(ctx, c, cand.Entitlement.PONumber, pe, policy.OrderDetails, now); err == nil {
		x.Order = d
	} else if isNotFound(err) {
		x.Order = policy.Decision{Reasons: []string{"R2: order details are disclosed only to the purchasing entity"}}
	} else {
		return x, err
	}
	owns, err := s.DB.Owns(ctx, c.Company)
	if err != nil {
		return x, err
	}
	x.Delegable = policy.ManageDelegations(c, cand.Entitlement.Owner, owns)
	if acc, err := s.explain(ctx, c, sub, now); err == nil {
		x.Access = acc
	} else if !isNotFound(err) {
		return x, err
	}
	return x, s.DB.Audit(ctx, entitle.AuditEvent{At: now, Actor: c.Email, Company: c.Company, Action: "entitlement.check",
		Object: sub, Basis: x.Get.Basis, Outcome: "ok", Detail: strings.Join(x.Get.Reasons, "; ")})
}
