package benchgen

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/google/go-cmp/cmp"
)

var today = entitle.MustDate("2026-03-15")

// The datasets the tests share: generated once, never modified.
var (
	tiny  = sync.OnceValue(func() *Dataset { return Generate(Config{Scale: 0.01, Seed: 1, Today: today}) })
	tenth = sync.OnceValue(func() *Dataset { return Generate(Config{Scale: 0.1, Seed: 1, Today: today}) })
)

// emptyCatalog is a portal with nothing recorded yet.
type emptyCatalog struct{}

func (emptyCatalog) Company(context.Context, string) (entitle.Company, bool, error) {
	return entitle.Company{}, false, nil
}
func (emptyCatalog) VendorKey(context.Context) (string, error) { return "", nil }
func (emptyCatalog) MSA(context.Context, string) (entitle.MSA, bool, error) {
	return entitle.MSA{}, false, nil
}
func (emptyCatalog) Order(context.Context, string, string) (entitle.Order, bool, error) {
	return entitle.Order{}, false, nil
}
func (emptyCatalog) SubscriptionOrder(context.Context, string) (string, string, bool, error) {
	return "", "", false, nil
}

// checkValid runs every Validate the domain has on ds.
func checkValid(t *testing.T, ds *Dataset) {
	t.Helper()
	ps, err := ds.Batch.Validate(context.Background(), emptyCatalog{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) > 0 {
		t.Errorf("Batch.Validate: %d problems, first: %v", len(ps), ps[:min(len(ps), 5)])
	}
	emails := map[string]bool{}
	for _, u := range ds.Users {
		if err := u.Validate(); err != nil {
			t.Errorf("user %s: %v", u.Email, err)
		}
		e := entitle.NormalizeEmail(u.Email)
		if emails[e] {
			t.Errorf("email %s appears twice", e)
		}
		emails[e] = true
	}
	ids := map[string]bool{}
	for _, d := range ds.Delegations {
		if err := d.Validate(); err != nil {
			t.Errorf("delegation %s: %v", d.ID, err)
		}
		if ids[d.ID] {
			t.Errorf("delegation ID %s appears twice", d.ID)
		}
		ids[d.ID] = true
		if !emails[d.CreatedBy] || (d.RevokedBy != "" && !emails[d.RevokedBy]) {
			t.Errorf("delegation %s: created or revoked by an unknown user", d.ID)
		}
	}
}

func TestValid(t *testing.T) {
	checkValid(t, tiny())
}

func TestCounts(t *testing.T) {
	ds := tenth()
	kinds := map[entitle.Kind]int{}
	for _, c := range ds.Batch.Companies {
		kinds[c.Record.Kind]++
	}
	var ents, direct int
	for _, o := range ds.Batch.Orders {
		ents += len(o.Record.Lines)
		if o.Record.PurchasingEntity == o.Record.Owner {
			direct++
		}
	}
	got := map[string]int{
		"vendors":      kinds[entitle.KindVendor],
		"distributors": kinds[entitle.KindDistributor],
		"resellers":    kinds[entitle.KindReseller],
		"customers":    kinds[entitle.KindCustomer], // with the outsider
		"users":        len(ds.Users),
		"orders":       len(ds.Batch.Orders),
		"entitlements": ents,
		"delegations":  len(ds.Delegations),
		"msas":         len(ds.Batch.MSAs),
		"gets":         len(ds.Probes.AllowedGets) + len(ds.Probes.DeniedGets),
	}
	// One MSA per distributor and reseller, one per customer with a direct order.
	directBuyers := map[string]bool{}
	for _, o := range ds.Batch.Orders {
		if o.Record.PurchasingEntity == o.Record.Owner {
			directBuyers[o.Record.Owner] = true
		}
	}
	want := map[string]int{
		"vendors": 1, "distributors": 5, "resellers": 200, "customers": 5001,
		"users": 3 * 5207, "orders": 20000, "entitlements": 40000, "delegations": 2000,
		"msas": 205 + len(directBuyers), "gets": 2000,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("counts at scale 0.1 (-want +got):\n%s", diff)
	}
	if d := Generate(Config{Scale: 0, Seed: 1, Today: today}); len(d.Batch.Orders) != 1 || len(d.Delegations) != 1 {
		t.Errorf("scale 0: %d orders, %d delegations; want at least 1 of each", len(d.Batch.Orders), len(d.Delegations))
	}
}

func hash(t *testing.T, ds *Dataset) string {
	t.Helper()
	b, err := json.Marshal(ds)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func TestDeterministic(t *testing.T) {
	cfg := Config{Scale: 0.01, Seed: 1, Today: today}
	a, b := hash(t, tiny()), hash(t, Generate(cfg))
	if a != b {
		t.Errorf("same config, different datasets: %s, %s", a, b)
	}
	cfg.Seed = 2
	if c := hash(t, Generate(cfg)); c == a {
		t.Errorf("seeds 1 and 2 give the same dataset")
	}
	cfg.Seed, cfg.Today = 1, today.AddDays(1)
	if c := hash(t, Generate(cfg)); c == a {
		t.Errorf("another today gives the same dataset")
	}
}

// near fails when got is not within frac of want.
func near(t *testing.T, what string, got, want, frac float64) {
	t.Helper()
	if math.Abs(got-want) > frac*want {
		t.Errorf("%s = %.3f, want %.3f ± %.0f %%", what, got, want, 100*frac)
	}
}

func TestOrders(t *testing.T) {
	ds := tenth()
	companies := map[string]entitle.Kind{}
	for _, c := range ds.Batch.Companies {
		companies[c.Record.Key] = c.Record.Kind
	}
	msas := map[string]entitle.MSA{}
	for _, m := range ds.Batch.MSAs {
		msas[m.Record.Number] = m.Record
	}
	type po struct{ pe, po string }
	pos := map[po]bool{}
	poNumbers := map[string]int{}
	homeOf := map[string]string{}
	var pe = map[entitle.Kind]int{}
	var installers, sites, lines int
	lastSub := ""
	earliest, latest := today.AddDays(-2*365-60), entitle.DateOf(today.Time().AddDate(3, 0, 0))
	for _, s := range ds.Batch.Orders {
		o := s.Record
		if pos[po{o.PurchasingEntity, o.PONumber}] {
			t.Fatalf("PO %s of %s appears twice", o.PONumber, o.PurchasingEntity)
		}
		pos[po{o.PurchasingEntity, o.PONumber}] = true
		poNumbers[o.PONumber]++
		pe[companies[o.PurchasingEntity]]++
		if companies[o.Owner] != entitle.KindCustomer || o.Owner == outsiderKey {
			t.Fatalf("PO %s: owner %s", o.PONumber, o.Owner)
		}
		direct := o.PurchasingEntity == o.Owner
		if direct != (len(o.Resellers) == 0) || len(o.Resellers) > 1 {
			t.Fatalf("PO %s of %s: resellers %v on a direct=%v order", o.PONumber, o.PurchasingEntity, o.Resellers, direct)
		}
		if !direct {
			r := o.Resellers[0]
			if h, ok := homeOf[o.Owner]; ok && h != r {
				t.Fatalf("customer %s has two home resellers: %s and %s", o.Owner, h, r)
			}
			homeOf[o.Owner] = r
			if companies[o.PurchasingEntity] == entitle.KindReseller && o.PurchasingEntity != r {
				t.Fatalf("PO %s bought by reseller %s for reseller %s", o.PONumber, o.PurchasingEntity, r)
			}
		}
		for _, i := range o.Installers {
			installers++
			if i == o.Owner || i == outsiderKey || companies[i] == entitle.KindVendor {
				t.Fatalf("PO %s: installer %s", o.PONumber, i)
			}
		}
		if o.BillTo == nil {
			t.Fatalf("PO %s: no bill-to", o.PONumber)
		}
		if o.InstallationSite != nil {
			sites++
		}
		if o.Currency != "EUR" && o.Currency != "USD" {
			t.Fatalf("PO %s: currency %s", o.PONumber, o.Currency)
		}
		if m := msas[o.MSA]; m.Company != o.PurchasingEntity || !m.InForce(o.OrderDate) {
			t.Fatalf("PO %s: MSA %+v", o.PONumber, m)
		}
		for _, l := range o.Lines {
			lines++
			if l.SubscriptionID <= lastSub {
				t.Fatalf("subscription IDs out of order: %s after %s", l.SubscriptionID, lastSub)
			}
			lastSub = l.SubscriptionID
			if l.StartDate.Before(o.OrderDate) || l.EndDate.Before(l.StartDate) ||
				l.StartDate.Before(earliest) || l.EndDate.After(latest) {
				t.Fatalf("PO %s line %d: ordered %s, runs %s to %s", o.PONumber, l.Line, o.OrderDate, l.StartDate, l.EndDate)
			}
			if !strings.Contains(string(l.UnitPrice), ".") {
				t.Fatalf("unit price %s", l.UnitPrice)
			}
		}
	}
	n := float64(len(ds.Batch.Orders))
	near(t, "share bought by distributors", float64(pe[entitle.KindDistributor])/n, 0.4, 0.05)
	near(t, "share bought by resellers", float64(pe[entitle.KindReseller])/n, 0.3, 0.05)
	near(t, "share bought direct", float64(pe[entitle.KindCustomer])/n, 0.3, 0.05)
	near(t, "share with an installer", float64(installers)/n, 0.3, 0.05)
	near(t, "share with an installation site", float64(sites)/n, 0.9, 0.02)
	if poNumbers["PO-000001"] < 2 {
		t.Errorf("PO-000001 is used by %d purchasing entities; want PO numbers to collide across purchasing entities", poNumbers["PO-000001"])
	}
}

func TestDelegations(t *testing.T) {
	ds := tenth()
	ownerOf := map[string]string{}
	for _, o := range ds.Batch.Orders {
		for _, l := range o.Record.Lines {
			ownerOf[l.SubscriptionID] = o.Record.Owner
		}
	}
	noon := today.Time().Add(12 * time.Hour)
	var all, expiring, expired, revoked int
	pairs := map[[2]string]bool{}
	for _, d := range ds.Delegations {
		if d.Delegate == outsiderKey || d.Delegate == vendorKey {
			t.Errorf("%s: delegate %s", d.ID, d.Delegate)
		}
		if pairs[[2]string{d.Owner, d.Delegate}] {
			t.Errorf("%s: second delegation from %s to %s", d.ID, d.Owner, d.Delegate)
		}
		pairs[[2]string{d.Owner, d.Delegate}] = true
		for _, s := range d.SubscriptionIDs {
			if ownerOf[s] != d.Owner {
				t.Errorf("%s: %s lists %s, owned by %s", d.ID, d.Owner, s, ownerOf[s])
			}
		}
		if d.All() {
			all++
		} else if len(d.SubscriptionIDs) > 3 {
			t.Errorf("%s lists %d subscriptions", d.ID, len(d.SubscriptionIDs))
		}
		if !d.CreatedAt.Before(today.Time()) || d.CreatedBy != "u1@"+strings.ToLower(d.Owner)+".example" {
			t.Errorf("%s: created at %s by %s", d.ID, d.CreatedAt, d.CreatedBy)
		}
		if !d.ExpiresAt.IsZero() {
			expiring++
			if !d.ExpiresAt.After(d.CreatedAt) {
				t.Errorf("%s expires at %s, before it was created (%s)", d.ID, d.ExpiresAt, d.CreatedAt)
			}
			if !d.ExpiresAt.After(noon) {
				expired++
			}
		}
		if !d.RevokedAt.IsZero() {
			revoked++
			if !d.RevokedAt.After(d.CreatedAt) || !d.RevokedAt.Before(today.Time()) || d.RevokedBy == "" {
				t.Errorf("%s: revoked at %s by %q", d.ID, d.RevokedAt, d.RevokedBy)
			}
		}
	}
	n := float64(len(ds.Delegations))
	near(t, "share of all-scope delegations", float64(all)/n, 0.20, 0.15)
	near(t, "share of expiring delegations", float64(expiring)/n, 0.25, 0.15)
	near(t, "share of expired among expiring", float64(expired)/float64(expiring), 0.5, 0.15)
	near(t, "share of revoked delegations", float64(revoked)/n, 0.05, 0.35)
}

func TestUsers(t *testing.T) {
	ds := tiny()
	for i, c := range ds.Batch.Companies {
		us := ds.Users[3*i : 3*i+3]
		for n, u := range us {
			want := "u" + string(rune('1'+n)) + "@" + strings.ToLower(c.Record.Key) + ".example"
			if u.Company != c.Record.Key || u.Email != want || u.Admin != (n == 0) || u.Status != entitle.UserActive {
				t.Errorf("user %d of %s: %+v", n+1, c.Record.Key, u)
			}
		}
	}
}

// roleCounts recomputes Probes.Counts from the orders alone.
func roleCounts(ds *Dataset) map[string]int {
	counts := map[string]int{}
	for _, c := range ds.Batch.Companies {
		counts[c.Record.Key] = 0
	}
	for _, o := range ds.Batch.Orders {
		seen := map[string]bool{}
		for _, a := range o.Record.Assignments() {
			if !seen[a.Company] {
				seen[a.Company] = true
				counts[a.Company] += len(o.Record.Lines)
			}
		}
	}
	return counts
}

func TestProbes(t *testing.T) {
	ds := tenth()
	p := ds.Probes
	counts := roleCounts(ds)
	if diff := cmp.Diff(counts, p.Counts); diff != "" {
		t.Fatalf("Counts (-recomputed +probes):\n%s", diff)
	}
	kinds := map[string]entitle.Kind{}
	var resellers, distributors []string
	for _, c := range ds.Batch.Companies {
		kinds[c.Record.Key] = c.Record.Kind
		switch c.Record.Kind {
		case entitle.KindReseller:
			resellers = append(resellers, c.Record.Key)
		case entitle.KindDistributor:
			distributors = append(distributors, c.Record.Key)
		}
	}
	byCount := func(a, b string) int {
		if counts[a] != counts[b] {
			return counts[a] - counts[b]
		}
		return strings.Compare(a, b)
	}
	slices.SortFunc(resellers, byCount)
	slices.SortFunc(distributors, byCount)
	got := []string{p.LargestReseller, p.LargestDistributor, p.MedianReseller, p.Outsider}
	want := []string{resellers[len(resellers)-1], distributors[len(distributors)-1], resellers[len(resellers)/2], outsiderKey}
	// The largest is the smallest key among the ties for the largest count.
	for _, l := range []*string{&want[0], &want[1]} {
		list := resellers
		if l == &want[1] {
			list = distributors
		}
		for _, k := range list {
			if counts[k] == counts[*l] {
				*l = k
				break
			}
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("probes (-want +got):\n%s", diff)
	}
	delegates := map[string]bool{}
	type pair struct{ owner, delegate string }
	delegated := map[pair]bool{}
	for _, d := range ds.Delegations {
		delegates[d.Delegate] = true
		delegated[pair{d.Owner, d.Delegate}] = true
	}
	if c := counts[p.SmallCustomer]; kinds[p.SmallCustomer] != entitle.KindCustomer || c < 5 || c > 10 || delegates[p.SmallCustomer] {
		t.Errorf("small customer %s: kind %s, %d entitlements, delegate %v", p.SmallCustomer, kinds[p.SmallCustomer], c, delegates[p.SmallCustomer])
	}
	if counts[outsiderKey] != 0 || delegates[outsiderKey] {
		t.Errorf("the outsider has %d entitlements, delegate %v", counts[outsiderKey], delegates[outsiderKey])
	}

	orderOf := map[string]entitle.Order{}
	for _, o := range ds.Batch.Orders {
		for _, l := range o.Record.Lines {
			orderOf[l.SubscriptionID] = o.Record
		}
	}
	roles := func(g Get) []entitle.Role {
		var rs []entitle.Role
		for _, a := range orderOf[g.SubscriptionID].Assignments() {
			if a.Company == g.Company {
				rs = append(rs, a.Role)
			}
		}
		return rs
	}
	byRole := map[entitle.Role]int{}
	for _, g := range p.AllowedGets {
		rs := roles(g)
		if len(rs) == 0 {
			t.Errorf("allowed get %v: no role", g)
		}
		for _, r := range rs {
			byRole[r]++
		}
	}
	for _, r := range entitle.Roles {
		if byRole[r] < len(p.AllowedGets)/5 {
			t.Errorf("allowed gets: only %d with role %s", byRole[r], r)
		}
	}
	byKind := map[entitle.Kind]int{}
	for _, g := range p.DeniedGets {
		byKind[kinds[g.Company]]++
		if rs := roles(g); len(rs) > 0 || delegated[pair{orderOf[g.SubscriptionID].Owner, g.Company}] || kinds[g.Company] == entitle.KindVendor {
			t.Errorf("denied get %v: roles %v, delegated %v", g, rs, delegated[pair{orderOf[g.SubscriptionID].Owner, g.Company}])
		}
	}
	for _, k := range []entitle.Kind{entitle.KindDistributor, entitle.KindReseller, entitle.KindCustomer} {
		if byKind[k] < len(p.DeniedGets)/5 {
			t.Errorf("denied gets: only %d by a %s", byKind[k], k)
		}
	}
	for _, gets := range [][]Get{p.AllowedGets, p.DeniedGets} {
		if len(gets) != probeGets || len(gets) != len(slices.Compact(slices.SortedFunc(slices.Values(gets), func(a, b Get) int {
			return strings.Compare(a.Company+" "+a.SubscriptionID, b.Company+" "+b.SubscriptionID)
		}))) {
			t.Errorf("%d gets, want %d distinct", len(gets), probeGets)
		}
	}
}

// zipfExpect returns what the rules give, in expectation, for the reseller
// of Zipf rank k: the non-direct share of its customers' entitlements, plus
// its share of the installers.
func zipfExpect(nRes, k, nEnt, nCompanies int) float64 {
	var h float64
	for i := range nRes {
		h += math.Pow(zipfV+float64(i), -zipfS)
	}
	pk := math.Pow(zipfV+float64(k), -zipfS) / h
	const nonDirect = (pctDistributorBuys + pctResellerBuys) / 100.0
	return nonDirect*float64(nEnt)*pk + pctInstaller/100.0*float64(nEnt)/float64(nCompanies-1)
}

// checkDistribution compares the probes' counts with what the rules give.
func checkDistribution(t *testing.T, ds *Dataset, nRes, nEnt int, topTol, medTol float64) {
	t.Helper()
	p := ds.Probes
	n := len(ds.Batch.Companies) - 2 // installers: neither the vendor nor the outsider
	top, med := zipfExpect(nRes, 0, nEnt, n), zipfExpect(nRes, nRes/2, nEnt, n)
	t.Logf("largest reseller %s: %d (expected ≈ %.0f); median reseller %s: %d (expected ≈ %.0f); largest distributor %s: %d; small customer %s: %d",
		p.LargestReseller, p.Counts[p.LargestReseller], top, p.MedianReseller, p.Counts[p.MedianReseller], med,
		p.LargestDistributor, p.Counts[p.LargestDistributor], p.SmallCustomer, p.Counts[p.SmallCustomer])
	near(t, "largest reseller", float64(p.Counts[p.LargestReseller]), top, topTol)
	near(t, "median reseller", float64(p.Counts[p.MedianReseller]), med, medTol)
	// The largest distributor buys for ~1/50 of the resellers, the largest among them.
	if d := p.Counts[p.LargestDistributor]; float64(d) < 0.4*float64(nEnt)/float64(max(1, nRes/40)) {
		t.Errorf("largest distributor: %d entitlements, fewer than its uniform share", d)
	}
}

func TestDistribution(t *testing.T) {
	checkDistribution(t, tenth(), 200, 40000, 0.2, 0.3)
}

// TestFull generates the standard dataset (scale 1.0) and checks it all:
// ENTITLE_BENCHGEN_FULL=1 go test -run Full -v ./internal/benchgen
func TestFull(t *testing.T) {
	if os.Getenv("ENTITLE_BENCHGEN_FULL") != "1" {
		t.Skip("set ENTITLE_BENCHGEN_FULL=1 to generate the scale 1.0 dataset")
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	ds := Generate(Config{Scale: 1, Seed: 1, Today: today})
	took := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&after)
	t.Logf("Generate(1.0): %v, %d MB allocated, %d MB live after GC", took.Round(time.Millisecond),
		(after.TotalAlloc-before.TotalAlloc)>>20, after.HeapAlloc>>20)
	if took > 10*time.Second {
		t.Errorf("Generate(1.0) took %v", took)
	}
	checkDistribution(t, ds, 2000, 400000, 0.2, 0.3)
	checkValid(t, ds)
	runtime.KeepAlive(ds)
}
