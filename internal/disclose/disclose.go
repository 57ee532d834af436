// Package disclose is the gate: the one door through which an entitlement
// or an order reaches a company. It asks the store for candidates and
// facts, has internal/policy decide, projects only the views the decision
// allows, and audits every disclosure. Every path that shows an
// entitlement or an order to a company goes through it — API, portal
// pages, CSV (portal and CLI), expiry notices, webhook payloads, renewal
// options and requests, transfers — and no other package outside
// internal/policy asks the policy's entitlement decisions (Decide,
// AskWhoHasAccess, WhoHasAccess, ListViews).
//
// Two kinds of entry:
//
//   - A request of an actor (List, Export, ExportCSV, Get, Detail,
//     Explain, ExplainAt, AccessHistory, Order, OrderEntitlements, Check,
//     the delegation calls): the
//     answer is audited, a refusal too; an object the actor may not see is
//     "not found", exactly like one that does not exist (R7).
//   - A message the portal sends by itself to a company (Message, for a
//     webhook delivery or an expiry notice): what the company may see is
//     projected, the rest left out silently — the company never asked, so
//     nothing is audited for what it is not told — and the audit event of
//     what is sent is written by the sender, with the message, from
//     [Message.Event].
//
// Services that act on an entitlement (renewals, transfers) ask [Service.Seen]
// for the entitlement with the actor's decision, decide their own rules on
// that decision, and show what they show through the gate's projections.
package disclose

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
)

// Store is what the gate reads and records. The store narrows rows for
// speed; the policy decides, field by field.
type Store interface {
	VendorKey(ctx context.Context) (string, error)
	Company(ctx context.Context, key string) (entitle.Company, error)
	Profile(ctx context.Context, key string) (entitle.Profile, error)
	// Entitlement returns sub with the facts for a member of company (all
	// of the owner's delegations when company is "").
	Entitlement(ctx context.Context, sub, company string) (entitle.Candidate, error)
	List(ctx context.Context, c entitle.Actor, after string, limit int, f entitle.ListFilter, now time.Time) (entitle.ListPage, error)
	OrderByPO(ctx context.Context, pe, po string) (entitle.OrderRecord, entitle.Facts, error)
	Orders(ctx context.Context, f entitle.OrderFilter, after string, limit int) (entitle.OrderPage, error)
	Resellers(ctx context.Context, orderIDs []int64) (map[int64][]string, error)
	OwnerViews(ctx context.Context, orderIDs []int64) (map[int64]entitle.OwnerView, error)
	PartnersOf(ctx context.Context, orderIDs []int64) (map[int64]string, error)
	Owns(ctx context.Context, company string) (bool, error)
	Delegations(ctx context.Context, company string) (granted, received []entitle.Delegation, err error)
	Delegation(ctx context.Context, id string) (entitle.Delegation, error)
	GrantDelegation(ctx context.Context, d entitle.Delegation, ev entitle.AuditEvent) (entitle.Delegation, error)
	RevokeDelegation(ctx context.Context, id, owner, by string, now time.Time, ev entitle.AuditEvent) error
	BulkStore // bulk.go
	Audit(ctx context.Context, events ...entitle.AuditEvent) error
	// Timeline is what the record holds about sub through time (R8
	// through time; entitle.ErrNotFound).
	Timeline(ctx context.Context, sub string) (entitle.Timeline, error)
}

// Service is the gate on a store.
type Service struct {
	store Store
	clock func() time.Time
}

// New returns the gate on st, telling time by now (time.Now when nil).
func New(st Store, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: st, clock: now}
}

func (s *Service) now() time.Time { return s.clock().UTC() }

// Actor returns the actor user u is.
func (s *Service) Actor(ctx context.Context, u entitle.User) (entitle.Actor, error) {
	vendor, err := s.store.VendorKey(ctx)
	if err != nil {
		return entitle.Actor{}, err
	}
	return u.Actor(vendor), nil
}

// ActorFor returns the portal acting as a member of company, named name in
// the audit trail ("cli" for the console's export, "webhook:ID" for a
// delivery). It fails when the company does not exist.
func (s *Service) ActorFor(ctx context.Context, company, name string) (entitle.Actor, error) {
	if _, err := s.store.Company(ctx, company); err != nil {
		if errors.Is(err, entitle.ErrNotFound) {
			return entitle.Actor{}, entitle.Errorf(entitle.CodeNotFound, "no company with key %s", company)
		}
		return entitle.Actor{}, err
	}
	vendor, err := s.store.VendorKey(ctx)
	if err != nil {
		return entitle.Actor{}, err
	}
	return entitle.Actor{Company: company, Vendor: vendor == company, Email: name}, nil
}

// Party names a company in an answer.
type Party struct {
	Key  string `json:"key"`
	Name string `json:"name"`
}

// Entitlement is the entitlement object of the API (SPEC §5). Every field
// is there only with the view that discloses it: the entitlement
// information (R1) always, Owner and InstallationSite with the owner view
// (R4), SoldVia with the partner view.
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
	// SoldVia is the partner of record; absent for a direct purchase.
	SoldVia *Partner `json:"sold_via,omitempty"`
	// Order is set when the actor may open the entitlement's order by its
	// PO number (the policy's OrderDetails: the purchasing entity, the
	// vendor): the portal links the PO and the vendor's list shows the
	// order's parties. Never encoded: the API's keys are its views'.
	Order *OrderRef `json:"-"`
	// Delegable says whether the caller may pick it to delegate or to
	// revoke its delegation (policy.DelegateRow; bulk delegation). Pages
	// only: not a field of the API's object.
	Delegable bool `json:"-"`
}

// OrderRef is an entitlement's order as the actor may open it: how to
// look it up, and its parties (order details, R2).
type OrderRef struct {
	PONumber         string
	PurchasingEntity Party
	Resellers        []Party
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

// decided is a candidate with the policy's decision about it.
type decided struct {
	entitle.Candidate
	policy.Decision
}

// project builds the entitlement objects the decisions allow, in order,
// with one query per kind of extra view for all of them: owner & location,
// the partner of record, the names of owners of transferred entitlements.
func (s *Service) project(ctx context.Context, ds []decided, today entitle.Date) ([]Entitlement, error) {
	out := make([]Entitlement, len(ds))
	var ownerOrders, partnerOrders []int64
	for i, d := range ds {
		e := d.Entitlement
		out[i] = Entitlement{SubscriptionID: e.SubscriptionID, SKU: e.SKU, Quantity: e.Quantity,
			StartDate: e.StartDate, EndDate: e.EndDate, PONumber: e.PONumber,
			Status: e.StatusOn(today), Access: d.Basis}
		if d.Views.Has(policy.ViewOwner) {
			ownerOrders = append(ownerOrders, d.OrderID)
		}
		if d.Views.Has(policy.ViewPartner) {
			partnerOrders = append(partnerOrders, d.OrderID)
		}
	}
	if len(ownerOrders) > 0 {
		owners, err := s.store.OwnerViews(ctx, ownerOrders)
		if err != nil {
			return nil, err
		}
		names := map[string]string{}
		for i, d := range ds {
			if !d.Views.Has(policy.ViewOwner) || d.Entitlement.Owner == "" {
				continue
			}
			if v, ok := owners[d.OrderID]; ok && v.Owner.Key == d.Entitlement.Owner {
				out[i].Owner = &Party{Key: v.Owner.Key, Name: v.Owner.Name}
				out[i].InstallationSite = v.Site
				continue
			}
			// Transferred: the owner is no longer the order's, and the
			// order's installation site is the former owner's (R4): the
			// owner is named, without a site.
			key := d.Entitlement.Owner
			name, ok := names[key]
			if !ok {
				co, err := s.store.Company(ctx, key)
				if err != nil {
					return nil, err
				}
				name, names[key] = co.Name, co.Name
			}
			out[i].Owner = &Party{Key: key, Name: name}
		}
	}
	if len(partnerOrders) > 0 {
		partners, err := s.store.PartnersOf(ctx, partnerOrders)
		if err != nil {
			return nil, err
		}
		seen := map[string]*Partner{}
		for i, d := range ds {
			key, ok := partners[d.OrderID]
			if !ok || !d.Views.Has(policy.ViewPartner) {
				continue
			}
			p, ok := seen[key]
			if !ok {
				prof, err := s.store.Profile(ctx, key)
				if err != nil {
					return nil, err
				}
				pp := PartnerOf(prof)
				p, seen[key] = &pp, &pp
			}
			out[i].SoldVia = p
		}
	}
	return out, nil
}

// notFound is the answer for an object that does not exist and for one the
// caller may not see (R7): the two are indistinguishable.
func notFound(what, id string) error {
	return entitle.Errorf(entitle.CodeNotFound, "%s %s not found", what, id)
}

func isNotFound(err error) bool {
	var e *entitle.Error
	return errors.As(err, &e) && e.Code == entitle.CodeNotFound
}

// outcome is the audit trail's word for how a request ended.
func outcome(err error) string {
	var e *entitle.Error
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &e) && e.Code == entitle.CodeForbidden:
		return "denied"
	case errors.As(err, &e):
		return e.Code
	}
	return "failed"
}

// audit records one disclosure (or its refusal) by a, unless the request
// failed for another reason, and returns err unchanged (or the audit's own
// failure).
func (s *Service) audit(ctx context.Context, a entitle.Actor, at time.Time, action, object string, basis []entitle.Basis, detail string, err error) error {
	var e *entitle.Error
	if err != nil && !errors.As(err, &e) {
		return err
	}
	if aerr := s.store.Audit(ctx, entitle.AuditEvent{At: at, Actor: a.Email, Company: a.Company, Action: action,
		Object: object, Basis: basis, Outcome: outcome(err), Detail: detail}); aerr != nil {
		return aerr
	}
	return err
}

// Page is one page of a list.
type Page struct {
	Items []Entitlement `json:"items"`
	Next  string        `json:"next_cursor,omitempty"`
}

// MaxLimit bounds a page.
const MaxLimit = 500

// List returns one page of the entitlements a may see, in the filter's
// order after cursor after, and audits the disclosure.
func (s *Service) List(ctx context.Context, a entitle.Actor, after string, limit int, f entitle.ListFilter) (Page, error) {
	return s.listAudited(ctx, a, after, limit, f, true)
}

// ListObjects is List as the API answers it: the same page, decided and
// audited the same way, without the order references (Entitlement.Order)
// that only the portal's pages show and the API never encodes — a query
// and a lookup per party less for every page.
func (s *Service) ListObjects(ctx context.Context, a entitle.Actor, after string, limit int, f entitle.ListFilter) (Page, error) {
	return s.listAudited(ctx, a, after, limit, f, false)
}

func (s *Service) listAudited(ctx context.Context, a entitle.Actor, after string, limit int, f entitle.ListFilter, refs bool) (Page, error) {
	now := s.now()
	page, err := s.list(ctx, a, after, limit, f, now, refs)
	if err != nil {
		return page, err
	}
	return page, s.audit(ctx, a, now, "entitlement.list", after, nil, fmt.Sprintf("%d items", len(page.Items)), nil)
}

// list is a page of a's list; refs: with the order references.
func (s *Service) list(ctx context.Context, a entitle.Actor, after string, limit int, f entitle.ListFilter, now time.Time, refs bool) (Page, error) {
	if limit < 1 || limit > MaxLimit {
		return Page{}, entitle.Errorf(entitle.CodeInvalid, "limit must be between 1 and %d", MaxLimit)
	}
	if f.Company != "" {
		if d := policy.FilterByCompany(a); !d.Allowed {
			return Page{}, entitle.Problems{{Field: "company", Message: d.Reasons[0]}}
		}
	}
	today := entitle.DateOf(now)
	f.Today = today
	if err := f.Search.Validate(); err != nil {
		return Page{}, err
	}
	f.Search.OwnerBases = 0
	if f.Search.Text != "" {
		f.Search.OwnerBases = entitle.BasisSetOf(policy.SearchBases(a)...)
	}
	lp, err := s.store.List(ctx, a, after, limit, f, now)
	if err != nil {
		return Page{}, err
	}
	ds := make([]decided, 0, len(lp.Candidates))
	for _, cand := range lp.Candidates {
		d := policy.Decide(a, policy.List, cand.Facts, now)
		if !d.Allowed || (f.Basis != "" && !slices.Contains(d.Basis, f.Basis)) {
			continue
		}
		ds = append(ds, decided{cand, d})
	}
	items, err := s.project(ctx, ds, today)
	if err != nil {
		return Page{}, err
	}
	if refs {
		if err := s.orderRefs(ctx, a, ds, items, now); err != nil {
			return Page{}, err
		}
	}
	return Page{Items: searched(a, ds, items, f.Search), Next: lp.Next}, nil
}

// Export calls emit for every entitlement a may see, in the filter's order,
// and audits the export as one disclosure.
func (s *Service) Export(ctx context.Context, a entitle.Actor, f entitle.ListFilter, emit func(Entitlement) error) (int, error) {
	now := s.now()
	n, after := 0, ""
	for {
		page, err := s.list(ctx, a, after, MaxLimit, f, now, false) // CSV and JSONL carry no order references
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
	return n, s.audit(ctx, a, now, "entitlement.export", "", nil, fmt.Sprintf("%d entitlements", n), nil)
}

// listViews is what a's list may carry (policy.ListViews): its columns.
func (s *Service) listViews(ctx context.Context, a entitle.Actor) (policy.View, error) {
	bases := []entitle.Basis{entitle.BasisReseller, entitle.BasisDelegate} // any role, any delegation
	if a.Vendor {
		bases = append(bases, entitle.BasisVendor)
	}
	owns, err := s.store.Owns(ctx, a.Company)
	if err != nil {
		return 0, err
	}
	if owns {
		bases = append(bases, entitle.BasisOwner)
	}
	return policy.ListViews(a, bases), nil
}

// Seen is an entitlement as the gate decided it for an actor asking for it
// by subscription ID: the record, the actor's decision (policy.Get), and
// the entitlement object the decision allows. It is for the services that
// act on an entitlement (renewals, transfers): they decide their own rules
// on the decision and show only the projection.
type Seen struct {
	Record   entitle.Entitlement
	OrderID  int64
	Decision policy.Decision
	View     Entitlement
}

// Seen returns sub as a may see it, or not_found when it does not exist or
// a may not see it (R7). It audits nothing: the caller audits its own
// action, with the decision's basis.
func (s *Service) Seen(ctx context.Context, a entitle.Actor, sub string) (Seen, error) {
	now := s.now()
	d, err := s.decide(ctx, a, sub, now)
	if err != nil {
		return Seen{}, err
	}
	views, err := s.project(ctx, []decided{d}, entitle.DateOf(now))
	if err != nil {
		return Seen{}, err
	}
	return Seen{Record: d.Entitlement, OrderID: d.OrderID, Decision: d.Decision, View: views[0]}, nil
}

// decide decides a's Get of sub: not_found when sub does not exist or a
// may not see it.
func (s *Service) decide(ctx context.Context, a entitle.Actor, sub string, now time.Time) (decided, error) {
	cand, err := s.store.Entitlement(ctx, sub, a.Company)
	if errors.Is(err, entitle.ErrNotFound) {
		return decided{}, notFound("entitlement", sub)
	}
	if err != nil {
		return decided{}, err
	}
	d := policy.Decide(a, policy.Get, cand.Facts, now)
	if err := d.Err("entitlement", sub); err != nil {
		return decided{}, err
	}
	return decided{cand, d}, nil
}

// Get returns one entitlement by subscription ID, or not_found when it does
// not exist or a may not see it (R7). Both are audited.
func (s *Service) Get(ctx context.Context, a entitle.Actor, sub string) (Entitlement, error) {
	return s.getAudited(ctx, a, sub, true)
}

// GetObject is Get as the API answers it: the same entitlement, decided
// and audited the same way, without the order reference (Entitlement.Order)
// that only the portal's pages show and the API never encodes — a query
// and a lookup per party less for every get.
func (s *Service) GetObject(ctx context.Context, a entitle.Actor, sub string) (Entitlement, error) {
	return s.getAudited(ctx, a, sub, false)
}

func (s *Service) getAudited(ctx context.Context, a entitle.Actor, sub string, refs bool) (Entitlement, error) {
	now := s.now()
	e, d, err := s.get(ctx, a, sub, now, refs)
	return e, s.audit(ctx, a, now, "entitlement.get", sub, d.Basis, "", err)
}

// get is one entitlement as a may see it; refs: with its order reference.
func (s *Service) get(ctx context.Context, a entitle.Actor, sub string, now time.Time, refs bool) (Entitlement, policy.Decision, error) {
	d, err := s.decide(ctx, a, sub, now)
	if err != nil {
		return Entitlement{}, policy.Decision{}, err
	}
	views, err := s.project(ctx, []decided{d}, entitle.DateOf(now))
	if err != nil {
		return Entitlement{}, policy.Decision{}, err
	}
	if refs {
		if err := s.orderRefs(ctx, a, []decided{d}, views, now); err != nil {
			return Entitlement{}, policy.Decision{}, err
		}
	}
	return views[0], d.Decision, nil
}

// Access is one company's access in an explanation (R8).
type Access struct {
	Company     Party           `json:"company"`
	Basis       []entitle.Basis `json:"basis"`
	Delegations []string        `json:"delegations,omitempty"`
}

// Explain answers who has access to an entitlement and why (R8), for the
// owner and the vendor. A company that sees the entitlement otherwise is
// refused (forbidden: it knows the entitlement exists); one that does not
// see it gets not_found (R7). Audited.
func (s *Service) Explain(ctx context.Context, a entitle.Actor, sub string) ([]Access, error) {
	now := s.now()
	out, err := s.explain(ctx, a, sub, now)
	return out, s.audit(ctx, a, now, "entitlement.access", sub, nil, "", err)
}

func (s *Service) explain(ctx context.Context, a entitle.Actor, sub string, now time.Time) ([]Access, error) {
	cand, err := s.store.Entitlement(ctx, sub, "")
	if errors.Is(err, entitle.ErrNotFound) {
		return nil, notFound("entitlement", sub)
	}
	if err != nil {
		return nil, err
	}
	if err := policy.AskWhoHasAccess(a, policy.Decide(a, policy.Get, cand.Facts, now)).Err("entitlement", sub); err != nil {
		return nil, err
	}
	vendor, err := s.store.VendorKey(ctx)
	if err != nil {
		return nil, err
	}
	out := []Access{}
	for _, acc := range policy.WhoHasAccess(cand.Facts, vendor, now) {
		co, err := s.store.Company(ctx, acc.Company)
		if err != nil {
			return nil, err
		}
		out = append(out, Access{Company: Party{Key: co.Key, Name: co.Name}, Basis: acc.Basis, Delegations: acc.Delegations})
	}
	return out, nil
}

// Detail is an entitlement with what the actor may do with it: what the
// portal's entitlement page shows.
type Detail struct {
	Entitlement Entitlement
	// Access lists who has access and why (R8), when MayExplain.
	Access     []Access
	MayExplain bool // the actor may ask who has access (the owner, the vendor)
	MayRevoke  bool // the actor may revoke the delegations among Access (R5)
	MayRenew   bool // the actor sees how to renew it (policy.RenewalOptions)
}

// Detail returns sub as a may see it, with who has access when a may ask,
// and what a may do with it; not_found when it does not exist or a may not
// see it (R7). Audited as a get and, when a may ask, as a question of who
// has access.
func (s *Service) Detail(ctx context.Context, a entitle.Actor, sub string) (Detail, error) {
	now := s.now()
	e, d, err := s.get(ctx, a, sub, now, true)
	if err := s.audit(ctx, a, now, "entitlement.get", sub, d.Basis, "", err); err != nil {
		return Detail{}, err
	}
	out := Detail{Entitlement: e, MayRenew: policy.RenewalOptions(d).Allowed, MayExplain: policy.AskWhoHasAccess(a, d).Allowed}
	if out.MayExplain {
		if out.Access, err = s.Explain(ctx, a, sub); err != nil {
			return Detail{}, err
		}
		if e.Owner != nil {
			out.MayRevoke = policy.ManageDelegations(a, e.Owner.Key, true).Allowed
		}
	}
	return out, nil
}

// Explanation is what `entitle check` prints: the decision for each way of
// asking about one entitlement, and who has access when the actor may ask.
type Explanation struct {
	Actor     entitle.Actor
	Get       policy.Decision
	Exists    bool
	ByPO      policy.Decision // looking up the entitlement's PO number among the actor's own
	Order     policy.Decision
	Access    []Access
	Explain   policy.Decision
	Delegable policy.Decision
}

// Check explains what a may see of subscription sub and why, without
// disclosing anything a could not see (a denied entitlement is reported as
// not found).
func (s *Service) Check(ctx context.Context, a entitle.Actor, sub string) (Explanation, error) {
	now := s.now()
	x := Explanation{Actor: a}
	d, err := s.decide(ctx, a, sub, now)
	if isNotFound(err) {
		x.Get = policy.Decision{Reasons: []string{"R7: no entitlement " + sub + " that your company may see"}}
		return x, nil
	}
	if err != nil {
		return x, err
	}
	x.Exists, x.Get = true, d.Decision
	e := d.Entitlement
	pe := ""
	if a.Vendor {
		pe = e.PurchasingEntity
	}
	if _, x.ByPO, err = s.lookup(ctx, a, e.PONumber, pe, policy.LookupByPO, now); err != nil && !isNotFound(err) {
		return x, err
	}
	if _, x.Order, err = s.lookup(ctx, a, e.PONumber, pe, policy.OrderDetails, now); err != nil && !isNotFound(err) {
		return x, err
	}
	owns, err := s.store.Owns(ctx, a.Company)
	if err != nil {
		return x, err
	}
	x.Delegable = policy.ManageDelegations(a, e.Owner, owns)
	x.Explain = policy.AskWhoHasAccess(a, d.Decision)
	if x.Explain.Allowed {
		if x.Access, err = s.explain(ctx, a, sub, now); err != nil {
			return x, err
		}
	}
	return x, s.audit(ctx, a, now, "entitlement.check", sub, x.Get.Basis, strings.Join(x.Get.Reasons, "; "), nil)
}
