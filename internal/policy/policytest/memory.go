package policytest

import (
	"fmt"
	"slices"
	"strings"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
)

// Companies lists every company the scenario names, sorted.
func (s *Scenario) Companies() []string {
	var keys []string
	if s.Vendor != "" {
		keys = append(keys, s.Vendor)
	}
	for _, o := range s.Orders {
		for _, a := range o.Assignments() {
			keys = append(keys, a.Company)
		}
	}
	for _, d := range s.Delegations {
		keys = append(keys, d.Owner, d.Delegate)
	}
	for _, e := range s.Expects {
		keys = append(keys, e.Actor.Company)
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// Batch turns the scenario into a valid import: every company, one MSA per
// purchasing entity, and complete orders (dates around Now, prices), so a
// store can load it.
func (s *Scenario) Batch() entitle.Batch {
	var b entitle.Batch
	today := entitle.DateOf(s.Now)
	for _, k := range s.Companies() {
		kind := entitle.KindCustomer
		if k == s.Vendor {
			kind = entitle.KindVendor
		}
		b.Companies = append(b.Companies, entitle.Sourced[entitle.Company]{Record: entitle.Company{Key: k, Name: "Company " + k, Kind: kind}})
	}
	seen := map[string]bool{}
	for _, o := range s.Orders {
		if !seen[o.PurchasingEntity] {
			seen[o.PurchasingEntity] = true
			b.MSAs = append(b.MSAs, entitle.Sourced[entitle.MSA]{Record: entitle.MSA{
				Number: "MSA-" + o.PurchasingEntity, Company: o.PurchasingEntity,
				Start: today.AddDays(-1000), End: today.AddDays(1000)}})
		}
		full := o
		full.MSA = "MSA-" + o.PurchasingEntity
		full.OrderDate = today.AddDays(-30)
		full.Currency = "EUR"
		full.BillTo = &entitle.Address{Name: "Accounts of " + o.PurchasingEntity, Address: "1 Ledger Street", Country: "FR"}
		full.InstallationSite = &entitle.Address{Name: "Site of " + o.Owner, Address: "2 Plant Road", Country: "FR"}
		full.Lines = nil
		for _, l := range o.Lines {
			l.SKU = "SKU-" + strings.ToUpper(strings.ReplaceAll(l.SubscriptionID, "-", ""))
			l.Description = "Licence " + l.SubscriptionID
			l.Quantity = int64(l.Line)
			l.UnitPrice = "100.00"
			l.StartDate, l.EndDate = today.AddDays(-10), today.AddDays(355)
			full.Lines = append(full.Lines, l)
		}
		b.Orders = append(b.Orders, entitle.Sourced[entitle.Order]{Record: full})
	}
	return b
}

// Answer answers e in memory, straight from the scenario's facts through the
// policy: the reference every other backend must agree with.
func (s *Scenario) Answer(e Expect) (Result, error) {
	c := e.Actor
	switch e.Way {
	case "list":
		r := Result{List: map[string][]entitle.Basis{}}
		for _, o := range s.Orders {
			for _, l := range o.Lines {
				d := policy.Decide(c, policy.List, s.facts(o, l.SubscriptionID, c.Company), s.Now)
				if d.Allowed {
					r.List[l.SubscriptionID] = d.Basis
				}
			}
		}
		return r, nil
	case "get":
		o, ok := s.orderOf(e.Object)
		if !ok {
			return Result{Deny: true}, nil
		}
		return decisionResult(policy.Decide(c, policy.Get, s.facts(o, e.Object, c.Company), s.Now)), nil
	case "po", "order":
		po, pe, _ := strings.Cut(e.Object, "@")
		way := policy.LookupByPO
		if e.Way == "order" {
			way = policy.OrderDetails
		}
		var found []Result
		for _, o := range s.Orders {
			if o.PONumber != po || (pe != "" && o.PurchasingEntity != pe) {
				continue
			}
			sub := ""
			if way == policy.LookupByPO {
				sub = o.Lines[0].SubscriptionID
			}
			d := policy.Decide(c, way, s.facts(o, sub, c.Company), s.Now)
			if !d.Allowed {
				continue
			}
			r := decisionResult(d)
			r.PE = o.PurchasingEntity
			if way == policy.LookupByPO {
				for _, l := range o.Lines {
					r.Subs = append(r.Subs, l.SubscriptionID)
				}
			}
			found = append(found, r)
		}
		switch len(found) {
		case 0:
			return Result{Deny: true}, nil
		case 1:
			return found[0], nil
		}
		return Result{}, fmt.Errorf("PO %s matches %d orders the caller may look up: name the purchasing entity", e.Object, len(found))
	case "grant":
		owner := c.Company
		if e.Object != "all" {
			o, ok := s.orderOf(e.Object)
			if !ok || !policy.Decide(c, policy.Get, s.facts(o, e.Object, c.Company), s.Now).Allowed {
				return Result{Deny: true}, nil // R7: unknown to the caller
			}
			owner = o.Owner
		}
		return grantResult(policy.ManageDelegations(c, owner, s.owns(c.Company))), nil
	case "explain":
		o, ok := s.orderOf(e.Object)
		if !ok {
			return Result{Deny: true}, nil
		}
		f := s.facts(o, e.Object, "")
		ask := policy.AskWhoHasAccess(c, policy.Decide(c, policy.Get, f, s.Now))
		return explainResult(ask, policy.WhoHasAccess(f, s.Vendor, s.Now)), nil
	}
	return Result{}, fmt.Errorf("unknown way %q", e.Way)
}

// facts gathers the policy's facts about subscription sub of order o; with
// delegate set, only the delegations naming that company (as a store does),
// else every delegation of the owner (for Explain).
func (s *Scenario) facts(o entitle.Order, sub, delegate string) entitle.Facts {
	f := entitle.Facts{SubscriptionID: sub, Owner: o.Owner, PurchasingEntity: o.PurchasingEntity, Roles: o.Assignments()}
	for _, d := range s.Delegations {
		if d.Owner == o.Owner && (delegate == "" || d.Delegate == delegate) {
			f.Delegations = append(f.Delegations, d)
		}
	}
	return f
}

func (s *Scenario) orderOf(sub string) (entitle.Order, bool) {
	for _, o := range s.Orders {
		for _, l := range o.Lines {
			if l.SubscriptionID == sub {
				return o, true
			}
		}
	}
	return entitle.Order{}, false
}

func (s *Scenario) owns(company string) bool {
	return slices.ContainsFunc(s.Orders, func(o entitle.Order) bool { return o.Owner == company })
}

func decisionResult(d policy.Decision) Result {
	if !d.Allowed {
		return Result{Deny: true}
	}
	return Result{Views: d.Views, Basis: d.Basis}
}

func grantResult(d policy.Decision) Result {
	if !d.Allowed {
		return Result{Deny: true}
	}
	return Result{}
}

// explainResult is the answer to "who has access" for a caller whose
// question was decided by d (policy.AskWhoHasAccess).
func explainResult(d policy.Decision, access []policy.Access) Result {
	switch {
	case !d.Allowed && d.Visible:
		return Result{Forbidden: true}
	case !d.Allowed:
		return Result{Deny: true}
	}
	r := Result{Explain: map[string][]entitle.Basis{}}
	for _, a := range access {
		r.Explain[a.Company] = a.Basis
	}
	return r
}

// DecisionResult, GrantResult and ExplainResult turn decisions into results
// the same way for every backend.
var (
	DecisionResult = decisionResult
	GrantResult    = grantResult
	ExplainResult  = explainResult
)

// Relation lists the caller's relations to the object of e, as bases ("" for
// none): which roles it holds on the order, whether a delegation names it,
// whether it is the vendor. It is for coverage checks, not for deciding.
func (s *Scenario) Relation(e Expect) []entitle.Basis {
	var orders []entitle.Order
	switch {
	case e.Way == "list":
		orders = s.Orders
	case e.Way == "po" || e.Way == "order":
		po, pe, _ := strings.Cut(e.Object, "@")
		for _, o := range s.Orders {
			if o.PONumber == po && (pe == "" || o.PurchasingEntity == pe) {
				orders = append(orders, o)
			}
		}
	case e.Object == "all":
	default:
		if o, ok := s.orderOf(e.Object); ok {
			orders = []entitle.Order{o}
		}
	}
	var out []entitle.Basis
	if e.Actor.Vendor {
		out = append(out, entitle.BasisVendor)
	}
	for _, o := range orders {
		for _, a := range o.Assignments() {
			if a.Company == e.Actor.Company {
				out = append(out, entitle.Basis(a.Role))
			}
		}
		for _, d := range s.Delegations {
			if d.Delegate == e.Actor.Company && d.Owner == o.Owner {
				out = append(out, entitle.BasisDelegate)
			}
		}
	}
	if e.Way == "grant" && e.Object == "all" && s.owns(e.Actor.Company) {
		out = append(out, entitle.BasisOwner)
	}
	if len(out) == 0 {
		out = []entitle.Basis{""}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
