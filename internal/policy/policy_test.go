package policy_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
	"github.com/entitle-portal/entitle/internal/policy/policytest"
)

// TestScenarios answers every hand-written expectation through the policy.
func TestScenarios(t *testing.T) {
	scenarios, err := policytest.LoadAll("testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range scenarios {
		t.Run(s.Name, func(t *testing.T) {
			for _, e := range s.Expects {
				got, err := s.Answer(e)
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

// TestScenariosCoverEveryCell proves the scenarios ask every way of asking
// from every basis, and see both outcomes where both exist: the cells of
// SPEC §3 are tested, not just some of them.
func TestScenariosCoverEveryCell(t *testing.T) {
	scenarios, err := policytest.LoadAll("testdata")
	if err != nil {
		t.Fatal(err)
	}
	type cell struct {
		basis   entitle.Basis
		way     string
		allowed bool
	}
	covered := map[cell]bool{}
	for _, s := range scenarios {
		for _, e := range s.Expects {
			for _, b := range s.Relation(e) {
				covered[cell{b, e.Way, !e.Want.Deny && !e.Want.Forbidden}] = true
			}
		}
	}
	for _, b := range append(slices.Clone(entitle.Bases), "") {
		for _, way := range []string{"list", "get", "po", "order", "grant", "explain"} {
			allowedSomewhere := policy.Decide(callerWith(b), wayOf(way), factsWith(b, way), now).Allowed
			want := []bool{false}
			switch {
			case way == "grant" || way == "explain":
				want = []bool{true, false} // the relation alone does not decide (admin flag, ownership)
				if b == "" || b == entitle.BasisReseller || b == entitle.BasisInstaller || b == entitle.BasisDelegate || b == entitle.BasisPurchasingEntity {
					want = []bool{false}
				}
				if way == "explain" && (b == entitle.BasisVendor || b == entitle.BasisOwner) {
					want = []bool{true}
				}
				if way == "grant" && b == entitle.BasisVendor {
					want = []bool{false}
				}
			case allowedSomewhere:
				want = []bool{true}
			case way == "list":
				want = []bool{true} // a list is never denied: an outsider's is asked, and must be empty
			}
			for _, allowed := range want {
				if !covered[cell{b, way, allowed}] {
					t.Errorf("no scenario asks %q by basis %q with outcome allowed=%v", way, b, allowed)
				}
			}
		}
	}
}

var now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func callerWith(b entitle.Basis) entitle.Actor {
	return entitle.Actor{Company: "ME", Vendor: b == entitle.BasisVendor, Admin: true}
}

func wayOf(w string) policy.Way {
	for _, x := range policy.Ways {
		if x.String() == w {
			return x
		}
	}
	return policy.Get
}

func factsWith(b entitle.Basis, way string) entitle.Facts {
	f := entitle.Facts{SubscriptionID: "S", Owner: "O", PurchasingEntity: "P",
		Roles: []entitle.RoleAssignment{{Role: entitle.RolePurchasingEntity, Company: "P"}, {Role: entitle.RoleOwner, Company: "O"}}}
	switch b {
	case entitle.BasisDelegate:
		f.Delegations = []entitle.Delegation{{ID: "D", Owner: "O", Delegate: "ME"}}
	case entitle.BasisVendor, "":
	default:
		f.Roles = append(f.Roles, entitle.RoleAssignment{Role: entitle.Role(b), Company: "ME"})
	}
	if way == "order" {
		f.SubscriptionID = ""
	}
	return f
}

// TestTable pins the rules table of `entitle policy` to SPEC §3, written out
// by hand: basis → views per way (list, get, po, order); "-" is denied.
func TestTable(t *testing.T) {
	want := map[entitle.Basis][4]string{
		entitle.BasisPurchasingEntity: {"entitlement", "entitlement", "entitlement", "entitlement,order"},
		entitle.BasisReseller:         {"entitlement", "entitlement", "-", "-"},
		entitle.BasisOwner:            {"entitlement,owner,partner", "entitlement,owner,partner", "-", "-"},
		entitle.BasisInstaller:        {"entitlement", "entitlement", "-", "-"},
		entitle.BasisDelegate:         {"entitlement,partner", "entitlement,partner", "-", "-"},
		entitle.BasisVendor:           {"entitlement,owner,partner", "entitlement,owner,partner", "entitlement,owner,partner", "entitlement,order,owner"},
		"":                            {"-", "-", "-", "-"},
	}
	got := map[entitle.Basis][4]string{}
	for _, c := range policy.Table() {
		row := got[c.Basis]
		row[c.Way] = "-"
		if c.Decision.Visible != c.Decision.Allowed {
			t.Errorf("%s/%s: allowed %v but visible %v: a refused disclosure is never known to exist (R7)", c.Basis, c.Way, c.Decision.Allowed, c.Decision.Visible)
		}
		if c.Decision.Allowed {
			row[c.Way] = c.Decision.Views.String()
			if len(c.Decision.Reasons) == 0 {
				t.Errorf("%s/%s: allowed without a reason", c.Basis, c.Way)
			}
		}
		got[c.Basis] = row
	}
	for b, w := range want {
		if got[b] != w {
			t.Errorf("basis %q: got %v, want %v", b, got[b], w)
		}
	}
}

func TestDenyByDefault(t *testing.T) {
	for _, w := range policy.Ways {
		// No company, no facts: nothing is allowed.
		if d := policy.Decide(entitle.Actor{}, w, entitle.Facts{}, now); d.Allowed || d.Views != 0 {
			t.Errorf("%s: empty facts allowed: %+v", w, d)
		}
		// An empty company key never matches an empty role assignment.
		f := entitle.Facts{Roles: []entitle.RoleAssignment{{Role: entitle.RoleOwner}}}
		if d := policy.Decide(entitle.Actor{}, w, f, now); d.Allowed {
			t.Errorf("%s: empty caller matched an empty assignment", w)
		}
	}
	if d := policy.Decide(entitle.Actor{Company: "ME"}, policy.Way(99), factsWith(entitle.BasisReseller, "get"), now); d.Allowed {
		t.Error("an unknown way of asking was allowed")
	}
}

// A delegation whose owner is not the entitlement's owner grants nothing,
// even if it lists the subscription (it could only come from a bug or a
// tampered database: the policy does not trust the store for this).
func TestDelegationFromNonOwner(t *testing.T) {
	f := factsWith("", "get")
	f.Delegations = []entitle.Delegation{{ID: "D", Owner: "P", Delegate: "ME", SubscriptionIDs: []string{"S"}}}
	if d := policy.Decide(entitle.Actor{Company: "ME"}, policy.Get, f, now); d.Allowed {
		t.Fatalf("delegation from the purchasing entity allowed access: %+v", d)
	}
	// A delegation naming another company does not help the caller.
	f.Delegations = []entitle.Delegation{{ID: "D", Owner: "O", Delegate: "YOU"}}
	if d := policy.Decide(entitle.Actor{Company: "ME"}, policy.Get, f, now); d.Allowed {
		t.Fatalf("someone else's delegation allowed access: %+v", d)
	}
}

func TestReasonsNameTheirRule(t *testing.T) {
	for _, c := range policy.Table() {
		for _, r := range c.Decision.Reasons {
			if len(r) < 3 || r[0] != 'R' {
				t.Errorf("%s/%s: reason %q does not start with its rule", c.Basis, c.Way, r)
			}
		}
	}
}

func ExampleDecide() {
	f := entitle.Facts{
		SubscriptionID: "SUB-1", Owner: "PLANT", PurchasingEntity: "NORTH",
		Roles: []entitle.RoleAssignment{
			{Role: entitle.RolePurchasingEntity, Company: "NORTH"},
			{Role: entitle.RoleOwner, Company: "PLANT"},
			{Role: entitle.RoleReseller, Company: "SHOP"},
		},
	}
	d := policy.Decide(entitle.Actor{Company: "SHOP"}, policy.Get, f, time.Now())
	fmt.Println(d.Allowed, d.Views, d.Basis, d.Reasons[0])
	d = policy.Decide(entitle.Actor{Company: "SHOP"}, policy.LookupByPO, f, time.Now())
	fmt.Println(d.Allowed)
	// Output:
	// true entitlement [reseller] R1: your company is a reseller on the order
	// false
}

// TestReadAudit: administrators read their own company's audit events, the
// vendor's administrators everyone's, members none (R7).
func TestReadAudit(t *testing.T) {
	for _, tc := range []struct {
		c       entitle.Actor
		allowed bool
		scope   policy.Scope
		hidden  bool
	}{
		{entitle.Actor{Company: "SHOP", Admin: true}, true, policy.ScopeCompany, false},
		{entitle.Actor{Company: "SHOP"}, false, policy.ScopeNone, false},
		{entitle.Actor{Company: "MAKER", Vendor: true, Admin: true}, true, policy.ScopeAll, false},
		{entitle.Actor{Company: "MAKER", Vendor: true}, false, policy.ScopeNone, false},
		{entitle.Actor{}, false, policy.ScopeNone, true},
	} {
		d := policy.ReadAudit(tc.c)
		decided(t, "ReadAudit "+tc.c.Company, d, tc.allowed, tc.hidden)
		if d.Scope != tc.scope {
			t.Errorf("%+v: scope %v; want %v", tc.c, d.Scope, tc.scope)
		}
	}
}

// TestMoreRulesNameTheirCode: each rule beyond SPEC §3 names the functions
// that decide it, and they exist in this package.
func TestMoreRulesNameTheirCode(t *testing.T) {
	var src strings.Builder
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src.Write(b)
	}
	names := regexp.MustCompile(`\(([A-Z][A-Za-z]+(?:, [A-Z][A-Za-z]+)*)\)\.?$`)
	ids := map[string]bool{}
	for _, r := range policy.Rules {
		ids[r.ID] = true
	}
	for _, r := range policy.MoreRules {
		if ids[r.ID] {
			t.Errorf("two rules are named %s: each rule's ID is its own (entitle policy lists them)", r.ID)
		}
		ids[r.ID] = true
		m := names.FindStringSubmatch(r.Text)
		if m == nil {
			t.Errorf("%s names no function: %s", r.ID, r.Text)
			continue
		}
		for _, fn := range strings.Split(m[1], ", ") {
			if !strings.Contains(src.String(), "func "+fn+"(") {
				t.Errorf("%s names %s, which this package does not define", r.ID, fn)
			}
		}
	}
}

// TestDecisionErr: one way to refuse. An allowing decision is no error; a
// hidden refusal is exactly "not found" (R7), whatever its reasons say; a
// visible one is forbidden with its first reason.
func TestDecisionErr(t *testing.T) {
	if err := allowedOn(entitle.BasisOwner).Err("entitlement", "S-1"); err != nil {
		t.Errorf("allowed: %v", err)
	}
	for _, d := range []policy.Decision{{}, {Reasons: []string{"R7: secret reason naming OTHER"}}} {
		err := d.Err("entitlement", "S-1")
		var e *entitle.Error
		if !errors.As(err, &e) || e.Code != entitle.CodeNotFound || e.Message != "entitlement S-1 not found" {
			t.Errorf("hidden %+v: %#v", d, err)
		}
	}
	err := policy.Decision{Visible: true, Reasons: []string{"only administrators may", "more"}}.Err("delegation", "D-1")
	var e *entitle.Error
	if !errors.As(err, &e) || e.Code != entitle.CodeForbidden || e.Message != "only administrators may" {
		t.Errorf("visible refusal: %#v", err)
	}
}

// TestListViews: the views a list may carry, as Decide grants them.
func TestListViews(t *testing.T) {
	for _, tc := range []struct {
		c     entitle.Actor
		bases []entitle.Basis
		want  string
	}{
		{entitle.Actor{Company: "SHOP"}, []entitle.Basis{entitle.BasisReseller}, "entitlement"},
		{entitle.Actor{Company: "PLANT"}, []entitle.Basis{entitle.BasisReseller, entitle.BasisOwner}, "entitlement,owner,partner"},
		{entitle.Actor{Company: "MSP"}, []entitle.Basis{entitle.BasisDelegate}, "entitlement,partner"},
		{entitle.Actor{Company: "MAKER", Vendor: true}, []entitle.Basis{entitle.BasisVendor}, "entitlement,owner,partner"},
		{entitle.Actor{Company: "SHOP"}, []entitle.Basis{entitle.BasisVendor}, "none"}, // not the vendor: no vendor basis
		{entitle.Actor{Company: "NOBODY"}, nil, "none"},
	} {
		if got := policy.ListViews(tc.c, tc.bases).String(); got != tc.want {
			t.Errorf("ListViews(%+v, %v) = %s, want %s", tc.c, tc.bases, got, tc.want)
		}
	}
}
