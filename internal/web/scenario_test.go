package web_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/disclose"
	"github.com/entitle-portal/entitle/internal/policy"
	"github.com/entitle-portal/entitle/internal/policy/policytest"
)

// TestScenariosOverHTTP answers every expectation of the policy's scenario
// files (internal/policy/testdata) through the HTTP API, with a real user and
// API token per company and per kind of member (administrator or not): the
// same cells as the policy's own test and the disclose service's, asked the
// way clients ask.
//
// A decision's views are compared as far as an answer shows them: a get or
// a lookup by PO shows the entitlement view and (by the owner field) the
// owner view; an order's details show the order and owner views.
func TestScenariosOverHTTP(t *testing.T) {
	scenarios, err := policytest.LoadAll("../policy/testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range scenarios {
		t.Run(s.Name, func(t *testing.T) {
			t.Parallel()
			ts := newServer(t, s.Now)
			ts.importBatch(s.Batch(), s.Delegations)
			tokens := map[entitle.Actor]string{}
			for _, co := range s.Companies() {
				for _, admin := range []bool{true, false} {
					kind := "member"
					if admin {
						kind = "admin"
					}
					email := kind + "@" + strings.ToLower(co) + ".example"
					tokens[entitle.Actor{Company: co, Admin: admin}] = ts.user(co, email, admin)
				}
			}
			for _, e := range s.Expects {
				c := e.Actor
				c.Vendor = false
				token, ok := tokens[c]
				if !ok {
					t.Fatalf("line %d: no user for %+v", e.Line, e.Actor)
				}
				got, err := answerHTTP(ts, s, e, token)
				if err != nil {
					t.Errorf("line %d: %v", e.Line, err)
					continue
				}
				want := e
				want.Want.Views &= observable[e.Way]
				if err := want.Check(got); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// observable are the views an answer shows, by way of asking.
var observable = map[string]policy.View{
	"get":   policy.ViewEntitlement | policy.ViewOwner,
	"po":    policy.ViewEntitlement | policy.ViewOwner,
	"order": policy.ViewEntitlement | policy.ViewOrder | policy.ViewOwner,
}

func answerHTTP(ts *testServer, s *policytest.Scenario, e policytest.Expect, token string) (policytest.Result, error) {
	switch e.Way {
	case "list":
		r := policytest.Result{List: map[string][]entitle.Basis{}}
		cursor, last := "", ""
		for {
			path := "/api/v1/entitlements?limit=2"
			if cursor != "" {
				path += "&cursor=" + url.QueryEscape(cursor)
			}
			res := ts.get(path, token)
			if res.status != http.StatusOK {
				return r, fmt.Errorf("list: %d %s", res.status, res.body)
			}
			var page disclose.Page
			res.json(ts.t, &page)
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
			cursor = page.Next
		}
	case "get":
		res := ts.get("/api/v1/entitlements/"+url.PathEscape(e.Object), token)
		if deny, err := denied(res); deny || err != nil {
			return policytest.Result{Deny: deny}, err
		}
		var got disclose.Entitlement
		res.json(ts.t, &got)
		r := policytest.Result{Views: policy.ViewEntitlement, Basis: got.Access}
		if got.Owner != nil || got.InstallationSite != nil {
			r.Views |= policy.ViewOwner
		}
		return r, nil
	case "po", "order":
		po, pe, _ := strings.Cut(e.Object, "@")
		path := "/api/v1/orders/" + url.PathEscape(po)
		if e.Way == "po" {
			path += "/entitlements"
		}
		if pe != "" {
			path += "?purchasing_entity=" + url.QueryEscape(pe)
		}
		res := ts.get(path, token)
		if deny, err := denied(res); deny || err != nil {
			return policytest.Result{Deny: deny}, err
		}
		if e.Way == "order" {
			var o disclose.Order
			res.json(ts.t, &o)
			r := policytest.Result{Views: policy.ViewEntitlement | policy.ViewOrder, Basis: o.Access, PE: o.PurchasingEntity.Key}
			if o.Owner != nil || o.InstallationSite != nil {
				r.Views |= policy.ViewOwner
			}
			return r, nil
		}
		var body struct{ Items []disclose.Entitlement }
		res.json(ts.t, &body)
		r := policytest.Result{Views: policy.ViewEntitlement, PE: pe}
		if pe == "" {
			r.PE = e.Actor.Company
		}
		for i, it := range body.Items {
			r.Subs = append(r.Subs, it.SubscriptionID)
			if i == 0 {
				r.Basis = it.Access
			}
			if it.Owner != nil {
				r.Views |= policy.ViewOwner
			}
		}
		return r, nil
	case "grant":
		delegate := ""
		for _, co := range s.Companies() {
			if co != e.Actor.Company {
				delegate = co
				break
			}
		}
		body := map[string]any{"delegate": delegate}
		if e.Object != "all" {
			body["subscription_ids"] = []string{e.Object}
		}
		res := ts.do(request{method: http.MethodPost, path: "/api/v1/delegations", token: token, body: body})
		switch res.status {
		case http.StatusForbidden, http.StatusNotFound:
			return policytest.Result{Deny: true}, nil
		case http.StatusCreated:
		default:
			return policytest.Result{}, fmt.Errorf("grant: %d %s", res.status, res.body)
		}
		// Undo the grant, so that the scenario's later expectations see the
		// world as written.
		var d struct{ ID string }
		res.json(ts.t, &d)
		if del := ts.do(request{method: http.MethodDelete, path: "/api/v1/delegations/" + d.ID, token: token}); del.status != http.StatusNoContent {
			return policytest.Result{}, fmt.Errorf("revoke %s: %d %s", d.ID, del.status, del.body)
		}
		return policytest.Result{}, nil
	case "explain":
		res := ts.get("/api/v1/entitlements/"+url.PathEscape(e.Object)+"/access", token)
		if res.status == http.StatusForbidden && res.errCode() == "forbidden" {
			return policytest.Result{Forbidden: true}, nil
		}
		if deny, err := denied(res); deny || err != nil {
			return policytest.Result{Deny: deny}, err
		}
		var body struct{ Items []disclose.Access }
		res.json(ts.t, &body)
		r := policytest.Result{Explain: map[string][]entitle.Basis{}}
		for _, a := range body.Items {
			r.Explain[a.Company.Key] = a.Basis
		}
		return r, nil
	}
	return policytest.Result{}, errors.New("unknown way " + e.Way)
}

// denied reports a 404 not_found; any status but 200 and 404 is an error.
func denied(res response) (bool, error) {
	switch {
	case res.status == http.StatusNotFound && res.errCode() == "not_found":
		return true, nil
	case res.status == http.StatusOK:
		return false, nil
	}
	return false, fmt.Errorf("status %d: %s", res.status, res.body)
}
