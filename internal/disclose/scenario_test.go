package disclose

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
	"github.com/entitle-portal/entitle/internal/policy/policytest"
	"github.com/entitle-portal/entitle/internal/store"
	"github.com/entitle-portal/entitle/internal/store/storetest"
)

// load imports a scenario's world into a fresh store.
func load(t *testing.T, s *policytest.Scenario) *Service {
	t.Helper()
	ctx := context.Background()
	db := storetest.New(t)
	_, problems, err := db.Import(ctx, s.Batch(), entitle.ImportOptions{}, s.Now)
	if err != nil || len(problems) > 0 {
		t.Fatalf("import: %v %v", err, problems)
	}
	if err := db.AddDelegations(ctx, s.Delegations); err != nil {
		t.Fatal(err)
	}
	return New(db, func() time.Time { return s.Now })
}

// TestScenarios answers every expectation of internal/policy/testdata
// through the store and the disclose service — the path the CLI and API take
// — and holds it to the same cells as the policy's own test.
func TestScenarios(t *testing.T) {
	scenarios, err := policytest.LoadAll("../policy/testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range scenarios {
		t.Run(s.Name, func(t *testing.T) {
			svc := load(t, s)
			for _, e := range s.Expects {
				got, err := answer(svc, e)
				if err != nil {
					t.Errorf("line %d: %v", e.Line, err)
					continue
				}
				if err := e.Check(got); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

func answer(svc *Service, e policytest.Expect) (policytest.Result, error) {
	ctx := context.Background()
	c := e.Actor
	c.Email = "tester@" + strings.ToLower(e.Actor.Company) + ".example"
	notFound := func(err error) bool {
		var ee *entitle.Error
		return errors.As(err, &ee) && ee.Code == entitle.CodeNotFound
	}
	switch e.Way {
	case "list":
		// A page of 2 exercises keyset paging on every scenario.
		r := policytest.Result{List: map[string][]entitle.Basis{}}
		after, last := "", ""
		for {
			page, err := svc.List(ctx, c, after, 2, entitle.ListFilter{})
			if err != nil {
				return r, err
			}
			for _, it := range page.Items {
				if it.SubscriptionID <= last {
					return r, errors.New("list out of order or repeated: " + it.SubscriptionID)
				}
				last = it.SubscriptionID
				r.List[it.SubscriptionID] = it.Access
			}
			if page.Next == "" {
				return r, nil
			}
			after = page.Next
		}
	case "get":
		got, d, err := svc.get(ctx, c, e.Object, svc.now(), true)
		if notFound(err) {
			return policytest.Result{Deny: true}, nil
		}
		if err != nil {
			return policytest.Result{}, err
		}
		if (got.Owner != nil) != d.Views.Has(policy.ViewOwner) {
			return policytest.Result{}, errors.New("owner field present without the owner view, or missing with it")
		}
		if got.SoldVia != nil && !d.Views.Has(policy.ViewPartner) {
			return policytest.Result{}, errors.New("sold_via present without the partner view")
		}
		if _, err := svc.Get(ctx, c, e.Object); err != nil {
			return policytest.Result{}, err
		}
		return policytest.DecisionResult(d), nil
	case "po", "order":
		po, pe, _ := strings.Cut(e.Object, "@")
		if e.Way == "order" {
			_, d, err := svc.lookup(ctx, c, po, pe, policy.OrderDetails, svc.now())
			if notFound(err) {
				return policytest.Result{Deny: true}, nil
			}
			if err != nil {
				return policytest.Result{}, err
			}
			o, err := svc.Order(ctx, c, po, pe)
			if err != nil {
				return policytest.Result{}, err
			}
			r := policytest.DecisionResult(d)
			r.PE = o.PurchasingEntity.Key
			return r, nil
		}
		_, d, err := svc.lookup(ctx, c, po, pe, policy.LookupByPO, svc.now())
		if notFound(err) {
			return policytest.Result{Deny: true}, nil
		}
		if err != nil {
			return policytest.Result{}, err
		}
		items, err := svc.OrderEntitlements(ctx, c, po, pe)
		if err != nil {
			return policytest.Result{}, err
		}
		r := policytest.DecisionResult(d)
		for _, it := range items {
			r.Subs = append(r.Subs, it.SubscriptionID)
		}
		// The order found is the caller's own (or the named one, for the vendor).
		r.PE = pe
		if pe == "" {
			r.PE = c.Company
		}
		return r, nil
	case "grant":
		var subs []string
		if e.Object != "all" {
			subs = []string{e.Object}
		}
		d, err := svc.delegable(ctx, c, subs, svc.now())
		if notFound(err) {
			return policytest.Result{Deny: true}, nil
		}
		if err != nil {
			return policytest.Result{}, err
		}
		return policytest.GrantResult(d), nil
	case "explain":
		access, err := svc.Explain(ctx, c, e.Object)
		if notFound(err) {
			return policytest.Result{Deny: true}, nil
		}
		var ee *entitle.Error
		if errors.As(err, &ee) && ee.Code == entitle.CodeForbidden {
			return policytest.Result{Forbidden: true}, nil
		}
		if err != nil {
			return policytest.Result{}, err
		}
		r := policytest.Result{Explain: map[string][]entitle.Basis{}}
		for _, a := range access {
			r.Explain[a.Company.Key] = a.Basis
		}
		return r, nil
	}
	return policytest.Result{}, errors.New("unknown way " + e.Way)
}

// TestGetObjectIsGetWithoutOrderRefs: the API's get (GetObject) answers
// what the pages' get (Get) answers — the same entitlement field for field
// but for the order reference only pages show, or the same error — and is
// audited the same. Every scenario, every company, every entitlement and
// one that does not exist.
func TestGetObjectIsGetWithoutOrderRefs(t *testing.T) {
	scenarios, err := policytest.LoadAll("../policy/testdata")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	refs, seen := 0, 0
	for _, s := range scenarios {
		svc := load(t, s)
		trail := svc.store.(*store.DB)
		subs := []string{"SUB-NOT-THERE"}
		for _, o := range s.Batch().Orders {
			for _, l := range o.Record.Lines {
				subs = append(subs, l.SubscriptionID)
			}
		}
		for _, co := range s.Batch().Companies {
			a := entitle.Actor{Company: co.Record.Key, Vendor: co.Record.Kind == entitle.KindVendor, Email: "t@" + co.Record.Key}
			for _, sub := range subs {
				page, perr := svc.Get(ctx, a, sub)
				object, oerr := svc.GetObject(ctx, a, sub)
				if !reflect.DeepEqual(perr, oerr) {
					t.Errorf("%s, %s, %s: Get says %v, GetObject %v", s.Name, a.Company, sub, perr, oerr)
				}
				if perr == nil {
					seen++
				}
				if page.Order != nil {
					refs++
				}
				page.Order = nil
				if !reflect.DeepEqual(page, object) {
					t.Errorf("%s, %s, %s: GetObject differs from Get beyond the order reference:\n%+v\n%+v", s.Name, a.Company, sub, page, object)
				}
				ev, err := trail.FindAuditEvents(ctx, "", entitle.AuditFilter{}, 0, true, 2)
				if err != nil || len(ev) != 2 {
					t.Fatalf("the trail's last two events: %v %v", ev, err)
				}
				for i := range ev {
					ev[i].ID, ev[i].Hash = 0, nil
				}
				if ev[0].Action != "entitlement.get" || ev[0].Object != sub || !reflect.DeepEqual(ev[0], ev[1]) {
					t.Errorf("%s, %s, %s: audited as\n%+v (GetObject)\n%+v (Get)", s.Name, a.Company, sub, ev[0], ev[1])
				}
			}
		}
	}
	if refs == 0 || seen == 0 {
		t.Errorf("%d entitlements seen, %d with an order reference: the test compares nothing that differs", seen, refs)
	}
}

// TestListObjectsIsListWithoutOrderRefs: the API's list (ListObjects) is the
// pages' list (List) item for item, field for field, but for the order
// references that only pages show; each is audited as one list event. Every
// scenario, every company of it.
func TestListObjectsIsListWithoutOrderRefs(t *testing.T) {
	scenarios, err := policytest.LoadAll("../policy/testdata")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	refs := 0
	for _, s := range scenarios {
		svc := load(t, s)
		for _, co := range s.Batch().Companies {
			a := entitle.Actor{Company: co.Record.Key, Vendor: co.Record.Kind == entitle.KindVendor, Email: "t@" + co.Record.Key}
			pages, err := svc.List(ctx, a, "", MaxLimit, entitle.ListFilter{})
			if err != nil {
				t.Fatal(err)
			}
			objects, err := svc.ListObjects(ctx, a, "", MaxLimit, entitle.ListFilter{})
			if err != nil {
				t.Fatal(err)
			}
			for i := range pages.Items {
				if pages.Items[i].Order != nil {
					refs++
				}
				pages.Items[i].Order = nil
			}
			if !reflect.DeepEqual(pages, objects) {
				t.Errorf("%s, %s: ListObjects differs from List beyond the order references:\n%+v\n%+v", s.Name, a.Company, pages, objects)
			}
		}
	}
	if refs == 0 {
		t.Error("no page had an order reference: the test compares nothing that differs")
	}
}
