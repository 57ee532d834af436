package benchgen

import (
	"cmp"
	"slices"
)

// Probes names the companies and the entitlements the benchmark questions of
// BENCHMARK.md ask about. They are computed from the generated data, never
// hard-coded (only the outsider's key is fixed), so they follow Scale and
// Seed. "Count" below is Counts[key]; ties are always broken by the smaller
// key.
type Probes struct {
	// LargestReseller is the reseller with the largest count.
	LargestReseller string
	// LargestDistributor is the distributor with the largest count.
	LargestDistributor string
	// MedianReseller is the reseller at index n/2 when the n resellers are
	// sorted by ascending count, then key.
	MedianReseller string
	// SmallCustomer is a customer that receives no delegation (so that its
	// count is everything it sees) whose count is the closest to 8, the
	// average number of entitlements a customer owns.
	SmallCustomer string
	// Outsider is OUTSIDER-1, a customer with no order, no role and no
	// delegation: it sees nothing.
	Outsider string
	// AllowedGets holds 1,000 distinct (company, subscription ID) pairs
	// (fewer only at tiny scales) where the company holds a role on the
	// entitlement's order, cycling through the roles purchasing entity,
	// owner, reseller and installer.
	AllowedGets []Get
	// DeniedGets holds 1,000 distinct pairs (fewer only at tiny scales)
	// where the company is not the vendor, holds no role on the
	// entitlement's order and has no delegation at all (active or not) from
	// its owner. The companies cycle through a distributor, a reseller, a
	// customer and any company but the vendor (the outsider included).
	DeniedGets []Get
	// Counts maps every company key (vendor and outsider included, at 0) to
	// the number of entitlements on whose order the company holds at least
	// one role (purchasing entity, owner, reseller or installer), each
	// entitlement counted once. Delegations are not counted: this is what a
	// company sees through its roles (R1–R4), the vendor's view aside.
	Counts map[string]int
}

// Get is one "may this company see this entitlement" question.
type Get struct{ Company, SubscriptionID string }

const (
	probeGets         = 1000
	smallCustomerSize = 8
)

// holders returns the distinct companies holding a role on order o.
func (g *gen) holders(o int32, buf []int32) []int32 {
	buf = append(buf[:0], g.oPE[o])
	for _, c := range []int32{g.oOwner[o], g.oRes[o], g.oInst[o]} {
		if c >= 0 && !slices.Contains(buf, c) {
			buf = append(buf, c)
		}
	}
	return buf
}

func (g *gen) probes() Probes {
	n := len(g.keys)
	counts := make([]int, n)
	var buf []int32
	for o := range g.oPE {
		lines := len(g.entOrder) - int(g.oFirst[o])
		if o+1 < len(g.oFirst) {
			lines = int(g.oFirst[o+1] - g.oFirst[o])
		}
		buf = g.holders(int32(o), buf)
		for _, c := range buf {
			counts[c] += lines
		}
	}
	p := Probes{Outsider: g.keys[g.outsider], Counts: make(map[string]int, n)}
	for c, k := range g.keys {
		p.Counts[k] = counts[c]
	}
	largest := func(from, to int) string {
		best := from
		for c := from + 1; c < to; c++ {
			if counts[c] > counts[best] {
				best = c
			}
		}
		return g.keys[best]
	}
	p.LargestDistributor = largest(1, g.resBase)
	p.LargestReseller = largest(g.resBase, g.custBase)
	res := make([]int, g.nRes)
	for i := range res {
		res[i] = g.resBase + i
	}
	slices.SortFunc(res, func(a, b int) int { // ascending count, then key
		return cmp.Or(cmp.Compare(counts[a], counts[b]), cmp.Compare(g.keys[a], g.keys[b]))
	})
	p.MedianReseller = g.keys[res[len(res)/2]]

	small, dist := -1, 0
	for c := g.custBase; c < g.outsider; c++ {
		if g.isDelegate[c] {
			continue
		}
		if d := abs(counts[c] - smallCustomerSize); small < 0 || d < dist {
			small, dist = c, d
		}
	}
	if small < 0 { // every customer received a delegation: tiny scales only
		small = g.custBase
	}
	p.SmallCustomer = g.keys[small]

	p.AllowedGets = g.allowedGets()
	p.DeniedGets = g.deniedGets()
	return p
}

func abs(x int) int { return max(x, -x) }

func (g *gen) allowedGets() []Get {
	seen := map[uint64]bool{}
	var gets []Get
	for attempt := 0; len(gets) < probeGets && attempt < 50*probeGets; attempt++ {
		e := g.r.IntN(len(g.entOrder))
		o := g.entOrder[e]
		c := []int32{g.oPE[o], g.oOwner[o], g.oRes[o], g.oInst[o]}[len(gets)%4]
		if c < 0 || seen[pairKey(c, int32(e))] {
			continue
		}
		seen[pairKey(c, int32(e))] = true
		gets = append(gets, Get{g.keys[c], g.subIDs[e]})
	}
	return gets
}

func (g *gen) deniedGets() []Get {
	seen := map[uint64]bool{}
	var gets []Get
	for attempt := 0; len(gets) < probeGets && attempt < 50*probeGets; attempt++ {
		var c int
		switch len(gets) % 4 {
		case 0:
			c = 1 + g.r.IntN(g.nDist)
		case 1:
			c = g.resBase + g.r.IntN(g.nRes)
		case 2:
			c = g.custBase + g.r.IntN(g.nCust)
		default:
			c = 1 + g.r.IntN(g.outsider) // anyone but the vendor
		}
		e := g.r.IntN(len(g.entOrder))
		o := g.entOrder[e]
		if slices.Contains(g.holders(o, nil), int32(c)) || g.pairs[pairKey(g.oOwner[o], int32(c))] || seen[pairKey(int32(c), int32(e))] {
			continue
		}
		seen[pairKey(int32(c), int32(e))] = true
		gets = append(gets, Get{g.keys[c], g.subIDs[e]})
	}
	return gets
}
