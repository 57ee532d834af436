// Package policytest reads the hand-written disclosure scenarios of
// internal/policy/testdata and checks answers against them. The policy's own
// tests answer them in memory ([Scenario.Answer]); the store and the HTTP API
// answer the same expectations through their own paths and check them with
// [Expect.Check], so every backend is held to the same cells.
//
// A scenario file is line-oriented; '#' starts a comment:
//
//	now 2026-06-01T12:00:00Z         the instant the expectations are evaluated at
//	vendor MAKER                     the vendor company
//	order PO-1 pe=DIST owner=CUST resellers=RES installers=MSP subs=S-1,S-2
//	delegation D-1 owner=CUST delegate=X subs=S-1 expires=2026-05-01T00:00:00Z revoked=…
//	delegation D-2 owner=CUST delegate=Y all
//
//	expect RES list = S-1:reseller S-2:reseller   the exact list, with each item's basis
//	expect RES get S-1 = entitlement basis=reseller
//	expect CUST get S-1 = entitlement,owner,partner basis=owner
//	expect RES get S-1 = deny
//	expect DIST po PO-1 = entitlement basis=purchasing_entity pe=DIST subs=S-1,S-2
//	expect MAKER order PO-1@DIST = entitlement,order,owner basis=vendor pe=DIST
//	expect CUST grant S-1 = allow                 caller CUST is an admin; CUST/member is not
//	expect CUST explain S-1 = CUST:owner DIST:purchasing_entity MAKER:vendor
//	expect RES explain S-1 = forbidden            sees it, may not ask (R8); deny: does not see it (R7)
//
// Ways: list, get (by subscription ID), po (an order's entitlements by PO
// number), order (order details by PO number), grant (R5: may the caller
// grant or revoke delegations of this subscription, or of "all" its own),
// explain (R8: who has access and why). A PO is looked up among the caller's
// own POs; PO@PE names the purchasing entity (the vendor's way of asking).
package policytest

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
)

// Scenario is one parsed scenario file.
type Scenario struct {
	Name        string
	Now         time.Time
	Vendor      string
	Orders      []entitle.Order
	Delegations []entitle.Delegation
	Expects     []Expect
}

// Expect is one expectation: a caller asks one way about one object.
type Expect struct {
	Line   int
	Actor  entitle.Actor
	Way    string // list, get, po, order, grant, explain
	Object string // subscription ID, PO or PO@PE, "all"; "" for list
	Want   Result
}

// Result is an answer to an expectation, in a form every backend can give.
type Result struct {
	Deny bool // not found (R7)
	// Forbidden: refused, to a caller who knows the object exists (explain:
	// a company that sees the entitlement but is neither its owner nor the
	// vendor).
	Forbidden bool
	Views     policy.View
	Basis     []entitle.Basis
	PE        string   // po, order: the purchasing entity of the order found
	Subs      []string // po: the subscriptions of the order found
	// List maps each listed subscription to its basis (list); Explain each
	// company with access to its basis (explain).
	List    map[string][]entitle.Basis
	Explain map[string][]entitle.Basis
}

func (r Result) String() string {
	if r.Deny {
		return "deny"
	}
	if r.Forbidden {
		return "forbidden"
	}
	var parts []string
	if r.Views != 0 {
		parts = append(parts, r.Views.String())
	}
	if r.Basis != nil {
		parts = append(parts, "basis="+joinBasis(r.Basis))
	}
	if r.PE != "" {
		parts = append(parts, "pe="+r.PE)
	}
	if r.Subs != nil {
		parts = append(parts, "subs="+strings.Join(r.Subs, ","))
	}
	for _, m := range []map[string][]entitle.Basis{r.List, r.Explain} {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			parts = append(parts, k+":"+joinBasis(m[k]))
		}
	}
	if len(parts) == 0 {
		return "allow"
	}
	return strings.Join(parts, " ")
}

func joinBasis(bs []entitle.Basis) string {
	s := make([]string, len(bs))
	for i, b := range bs {
		s[i] = string(b)
	}
	return strings.Join(s, ",")
}

// Check compares got with the expectation and describes any difference.
func (e Expect) Check(got Result) error {
	if got.String() != e.Want.String() {
		return fmt.Errorf("line %d: %s %s %s:\n\tgot  %s\n\twant %s", e.Line, callerString(e.Actor), e.Way, e.Object, got, e.Want)
	}
	return nil
}

func callerString(c entitle.Actor) string {
	if c.Admin {
		return c.Company
	}
	return c.Company + "/member"
}

// LoadAll parses every *.txt scenario in dir.
func LoadAll(dir string) ([]*Scenario, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no scenarios in %s", dir)
	}
	var out []*Scenario
	for _, p := range paths {
		s, err := Load(p)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// Load parses one scenario file.
func Load(path string) (*Scenario, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s := &Scenario{Name: strings.TrimSuffix(filepath.Base(path), ".txt")}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if err := s.parseLine(n, fields); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if s.Now.IsZero() {
		return nil, fmt.Errorf("%s: no 'now' line", path)
	}
	return s, nil
}

func (s *Scenario) parseLine(n int, f []string) error {
	attrs := func(from int) (map[string]string, error) {
		m := map[string]string{}
		for _, a := range f[from:] {
			k, v, ok := strings.Cut(a, "=")
			if !ok {
				v = "true"
			}
			m[k] = v
		}
		return m, nil
	}
	list := func(s string) []string {
		if s == "" {
			return nil
		}
		return strings.Split(s, ",")
	}
	switch f[0] {
	case "now":
		if len(f) != 2 {
			return fmt.Errorf("now takes one RFC 3339 instant")
		}
		t, err := time.Parse(time.RFC3339, f[1])
		s.Now = t
		return err
	case "vendor":
		if len(f) != 2 {
			return fmt.Errorf("vendor takes one company key")
		}
		s.Vendor = f[1]
	case "order":
		if len(f) < 2 {
			return fmt.Errorf("order needs a PO number")
		}
		a, _ := attrs(2)
		o := entitle.Order{PONumber: f[1], PurchasingEntity: a["pe"], Owner: a["owner"],
			Resellers: list(a["resellers"]), Installers: list(a["installers"])}
		if o.PurchasingEntity == "" || o.Owner == "" || a["subs"] == "" {
			return fmt.Errorf("order needs pe=, owner= and subs=")
		}
		for i, sub := range list(a["subs"]) {
			o.Lines = append(o.Lines, entitle.Line{Line: i + 1, SubscriptionID: sub})
		}
		s.Orders = append(s.Orders, o)
	case "delegation":
		if len(f) < 2 {
			return fmt.Errorf("delegation needs an ID")
		}
		a, _ := attrs(2)
		d := entitle.Delegation{ID: f[1], Owner: a["owner"], Delegate: a["delegate"], CreatedAt: s.Now.Add(-30 * 24 * time.Hour)}
		switch {
		case a["all"] == "true" && a["subs"] == "":
		case a["all"] == "" && a["subs"] != "":
			d.SubscriptionIDs = list(a["subs"])
		default:
			return fmt.Errorf("delegation needs exactly one of all or subs=")
		}
		for k, dst := range map[string]*time.Time{"expires": &d.ExpiresAt, "revoked": &d.RevokedAt} {
			if v := a[k]; v != "" {
				t, err := time.Parse(time.RFC3339, v)
				if err != nil {
					return err
				}
				*dst = t
			}
		}
		if !d.RevokedAt.IsZero() {
			d.RevokedBy = "admin@" + strings.ToLower(d.Owner) + ".example"
		}
		s.Delegations = append(s.Delegations, d)
	case "expect":
		return s.parseExpect(n, f)
	default:
		return fmt.Errorf("unknown statement %q", f[0])
	}
	return nil
}

func (s *Scenario) parseExpect(n int, f []string) error {
	eq := slices.Index(f, "=")
	if eq < 3 {
		return fmt.Errorf("expect CALLER WAY [OBJECT] = RESULT")
	}
	e := Expect{Line: n, Way: f[2]}
	company, member := strings.CutSuffix(f[1], "/member")
	e.Actor = entitle.Actor{Company: company, Vendor: company == s.Vendor, Admin: !member}
	if eq == 4 {
		e.Object = f[3]
	} else if eq != 3 {
		return fmt.Errorf("expect takes at most one object")
	}
	if (e.Way == "list") != (e.Object == "") {
		return fmt.Errorf("list takes no object; every other way takes one")
	}
	rest := f[eq+1:]
	switch {
	case len(rest) == 1 && rest[0] == "deny":
		e.Want.Deny = true
	case len(rest) == 1 && rest[0] == "forbidden" && e.Way == "explain":
		e.Want.Forbidden = true
	case len(rest) == 1 && rest[0] == "allow":
	case len(rest) == 1 && rest[0] == "none" && e.Way == "list":
		e.Want.List = map[string][]entitle.Basis{}
	case e.Way == "list" || e.Way == "explain":
		m := map[string][]entitle.Basis{}
		for _, item := range rest {
			k, bs, ok := strings.Cut(item, ":")
			if !ok {
				return fmt.Errorf("%s items are KEY:basis,basis", e.Way)
			}
			basis, err := parseBasis(bs)
			if err != nil {
				return err
			}
			m[k] = basis
		}
		if e.Way == "list" {
			e.Want.List = m
		} else {
			e.Want.Explain = m
		}
	default:
		for _, item := range rest {
			k, v, ok := strings.Cut(item, "=")
			switch {
			case !ok:
				views, err := parseViews(item)
				if err != nil {
					return err
				}
				e.Want.Views = views
			case k == "basis":
				b, err := parseBasis(v)
				if err != nil {
					return err
				}
				e.Want.Basis = b
			case k == "pe":
				e.Want.PE = v
			case k == "subs":
				e.Want.Subs = strings.Split(v, ",")
			default:
				return fmt.Errorf("unknown result attribute %q", k)
			}
		}
	}
	switch e.Way {
	case "list", "get", "po", "order", "grant", "explain":
	default:
		return fmt.Errorf("unknown way %q", e.Way)
	}
	s.Expects = append(s.Expects, e)
	return nil
}

func parseBasis(s string) ([]entitle.Basis, error) {
	var out []entitle.Basis
	for _, x := range strings.Split(s, ",") {
		b, ok := entitle.ParseBasis(x)
		if !ok {
			return nil, fmt.Errorf("unknown basis %q", x)
		}
		out = append(out, b)
	}
	slices.Sort(out)
	return out, nil
}

func parseViews(s string) (policy.View, error) {
	v, ok := policy.ParseView(s)
	if !ok {
		return 0, fmt.Errorf("unknown view in %q (entitlement, order, owner, partner)", s)
	}
	return v, nil
}
