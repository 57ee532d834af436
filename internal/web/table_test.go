package web_test

import (
	"maps"
	"net/http"
	"slices"
	"testing"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
	"github.com/entitle-portal/entitle/internal/policy/policytest"
)

// The rules table that `entitle policy` prints (policy.Table) and the
// answers of the API, held to each other from the same source: for every
// basis and every way of asking, the keys of the HTTP answer are exactly
// the fields of the views the table grants — a view no answer carries
// fails, as does a field no view grants.

// viewFields are the fields of an entitlement object (a list item, a get,
// an order's entitlements), by view.
var viewFields = map[policy.View][]string{
	policy.ViewEntitlement: {"subscription_id", "sku", "quantity", "start_date", "end_date", "po_number", "status", "access"},
	policy.ViewOwner:       {"owner", "installation_site"},
	policy.ViewPartner:     {"sold_via"},
}

// orderFields are the fields of the order-details object, by view: its
// lines carry the entitlement information with their prices.
var orderFields = map[policy.View][]string{
	policy.ViewEntitlement: {"lines.subscription_id", "lines.sku", "lines.quantity", "lines.start_date", "lines.end_date", "access"},
	policy.ViewOrder: {"po_number", "purchasing_entity", "msa", "order_date", "currency", "resellers", "installers", "bill_to",
		"lines", "total", "lines.line", "lines.description", "lines.unit_price", "lines.amount"},
	policy.ViewOwner: {"owner", "installation_site"},
}

// fieldsOf is the set of fields of views v, as fields gives them.
func fieldsOf(v policy.View, fields map[policy.View][]string) map[string]bool {
	out := map[string]bool{}
	for view, fs := range fields {
		if v.Has(view) {
			for _, f := range fs {
				out[f] = true
			}
		}
	}
	return out
}

// keysOf is the set of keys of a JSON object, and of the objects of its
// array "lines" as "lines.KEY".
func keysOf(m map[string]any) map[string]bool {
	out := map[string]bool{}
	for k, v := range m {
		out[k] = true
		if lines, ok := v.([]any); ok && k == "lines" {
			for _, l := range lines {
				for lk := range l.(map[string]any) {
					out["lines."+lk] = true
				}
			}
		}
	}
	return out
}

func TestTableIsWhatAnswersCarry(t *testing.T) {
	// One order with every role, a delegation, and a partner of record, so
	// that every field a view grants has a value to show.
	s := &policytest.Scenario{Now: testNow, Vendor: "MAKER",
		Orders: []entitle.Order{{PONumber: "PO-T", PurchasingEntity: "DIST", Owner: "CUST", Resellers: []string{"RES"}, Installers: []string{"MSP"},
			Lines: []entitle.Line{{Line: 1, SubscriptionID: "S-1"}}}},
		Delegations: []entitle.Delegation{{ID: "D-1", Owner: "CUST", Delegate: "DEL", SubscriptionIDs: []string{"S-1"}, CreatedAt: testNow.AddDate(0, -1, 0)}},
		Expects:     []policytest.Expect{{Actor: entitle.Actor{Company: "NOBODY"}}}}
	ts := newServer(t, s.Now)
	ts.importBatch(s.Batch(), s.Delegations)
	holder := map[entitle.Basis]string{entitle.BasisPurchasingEntity: "DIST", entitle.BasisReseller: "RES", entitle.BasisOwner: "CUST",
		entitle.BasisInstaller: "MSP", entitle.BasisDelegate: "DEL", entitle.BasisVendor: "MAKER", "": "NOBODY"}
	tokens := map[string]string{}
	for _, co := range holder {
		tokens[co] = ts.user(co, "member@"+co+".example", false)
	}
	cells := policy.Table()
	if len(cells) != len(holder)*len(policy.Ways) {
		t.Fatalf("the table has %d cells, want every basis (and none) × every way: %d", len(cells), len(holder)*len(policy.Ways))
	}
	for _, cell := range cells {
		co := holder[cell.Basis]
		path, fields := "", viewFields
		switch cell.Way {
		case policy.List:
			path = "/api/v1/entitlements"
		case policy.Get:
			path = "/api/v1/entitlements/S-1"
		case policy.LookupByPO:
			path = "/api/v1/orders/PO-T/entitlements?purchasing_entity=DIST"
		case policy.OrderDetails:
			path, fields = "/api/v1/orders/PO-T?purchasing_entity=DIST", orderFields
		}
		res := ts.get(path, tokens[co])
		var got map[string]bool
		switch {
		case !cell.Decision.Allowed && cell.Way == policy.List:
			var page struct{ Items []map[string]any }
			res.json(t, &page)
			if res.status != http.StatusOK || len(page.Items) != 0 {
				t.Errorf("%s (%s) %s: %d %s; want an empty list", cell.Basis, co, cell.Way, res.status, res.body)
			}
			continue
		case !cell.Decision.Allowed:
			if res.status != http.StatusNotFound {
				t.Errorf("%s (%s) %s: %d %s; the table says denied: want 404", cell.Basis, co, cell.Way, res.status, res.body)
			}
			continue
		case res.status != http.StatusOK:
			t.Errorf("%s (%s) %s: %d %s; the table says %s", cell.Basis, co, cell.Way, res.status, res.body, cell.Decision.Views)
			continue
		case cell.Way == policy.List || cell.Way == policy.LookupByPO:
			var page struct{ Items []map[string]any }
			res.json(t, &page)
			if len(page.Items) != 1 {
				t.Errorf("%s (%s) %s: %d items: %s", cell.Basis, co, cell.Way, len(page.Items), res.body)
				continue
			}
			got = keysOf(page.Items[0])
		default:
			var obj map[string]any
			res.json(t, &obj)
			got = keysOf(obj)
		}
		for _, v := range []policy.View{policy.ViewEntitlement, policy.ViewOrder, policy.ViewOwner, policy.ViewPartner, policy.ViewSubscription, policy.ViewOwnSide} {
			if cell.Decision.Views.Has(v) && len(fields[v]) == 0 {
				t.Errorf("%s %s: the table grants the %s view, which this answer has no field for", cell.Basis, cell.Way, v)
			}
		}
		want := fieldsOf(cell.Decision.Views, fields)
		if !maps.Equal(got, want) {
			t.Errorf("%s (%s) %s: the table says %s, the answer carries %v, want %v",
				cell.Basis, co, cell.Way, cell.Decision.Views, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
		}
	}
}
