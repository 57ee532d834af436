package benchgen

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/entitle-portal/entitle"
)

// Config chooses the dataset.
type Config struct {
	Scale float64 // multiplies every count; 1.0 is the standard dataset
	Seed  int64
	Today entitle.Date // dates are spread around it (−2 … +3 years)
}

// Dataset is the generated channel.
type Dataset struct {
	// Batch holds the vendor and the companies, then the MSAs (one per
	// purchasing entity: every distributor, every reseller, every customer
	// with a direct order; in force for the whole date range), then the
	// orders with their lines. Sourced.File and Sourced.Line are empty.
	Batch entitle.Batch
	// Users holds 3 users per company, the vendor and the outsider included,
	// in company order: u1@<lower(key)>.example (the admin), u2@…, u3@…,
	// all active, without passwords and with ID 0.
	Users []entitle.User
	// Delegations holds 20,000 × scale delegations ("dlg-000001" …) from an
	// owner to another company (never the vendor nor the outsider), at most
	// one per (owner, delegate) pair unless the scale is tiny. About 80 %
	// list 1–3 of the owner's subscription IDs (sorted), 20 % cover all;
	// about 25 % have ExpiresAt, half of them before Today at noon UTC; about
	// 5 % are revoked (RevokedAt before Today, RevokedBy the owner's admin).
	// CreatedAt is before Today and CreatedBy is the owner's admin (u1@…).
	// Times are whole seconds, UTC.
	Delegations []entitle.Delegation
	Probes      Probes
}

// Standard counts at scale 1.0 (BENCHMARK.md).
const (
	stdDistributors = 50
	stdResellers    = 2000
	stdCustomers    = 50000
	stdOrders       = 200000
	stdEntitlements = 400000
	stdDelegations  = 20000

	zipfS = 1.2
	zipfV = 20.0

	pctDistributorBuys = 40 // purchasing entity is the reseller's distributor
	pctResellerBuys    = 30 // purchasing entity is the reseller; the rest is direct
	pctInstaller       = 30
	pctAllScope        = 20
	pctExpiring        = 25
	pctRevoked         = 5
	pctInstallSite     = 90

	usersPerCompany = 3

	// outsiderKey is the customer that has nothing and sees nothing.
	outsiderKey = "OUTSIDER-1"
	// vendorKey is the vendor company.
	vendorKey = "VENDOR"

	// pcgStream is the second PCG seed word: fixed, so Seed alone chooses the stream.
	pcgStream = 0x656e7469746c65 // "entitle"
)

// count is round(n × scale), at least 1.
func count(n int, scale float64) int {
	return max(1, int(math.Round(float64(n)*scale)))
}

// pad formats n with at least width digits.
func pad(prefix string, n, width int) string {
	s := strconv.Itoa(n)
	if len(s) < width {
		s = strings.Repeat("0", width-len(s)) + s
	}
	return prefix + s
}

// width is the number of digits keys need: at least min, more when n has more.
func width(n, min int) int { return max(min, len(strconv.Itoa(n))) }

// gen holds the generator's working state. Companies are numbered: the
// vendor 0, then distributors, resellers, customers, and the outsider last.
type gen struct {
	r     *rand.Rand
	today entitle.Date

	nDist, nRes, nCust int
	resBase, custBase  int // index of the first reseller, customer
	outsider           int

	keys      []string
	names     []string
	kinds     []entitle.Kind
	addrs     []entitle.Address
	currency  []string
	resDist   []int32 // reseller index - resBase → distributor index
	home      []int32 // customer index - custBase → reseller index
	msaNumber []string

	// Per order: the role holders (-1 when absent) and the first line's
	// global index; per entitlement: its order.
	oPE, oOwner, oRes, oInst []int32
	oFirst                   []int32
	entOrder                 []int32
	subIDs                   []string

	pairs      map[uint64]bool // (owner, delegate) pairs with a delegation
	isDelegate []bool          // per company: receives a delegation
}

// Generate builds the dataset for cfg. It panics when cfg.Today is the zero Date.
func Generate(cfg Config) *Dataset {
	if cfg.Today.IsZero() {
		panic("benchgen: Config.Today is required")
	}
	g := &gen{
		r:     rand.New(rand.NewPCG(uint64(cfg.Seed), pcgStream)),
		today: cfg.Today,
		nDist: count(stdDistributors, cfg.Scale),
		nRes:  count(stdResellers, cfg.Scale),
		nCust: count(stdCustomers, cfg.Scale),
	}
	ds := &Dataset{}
	g.companies(&ds.Batch)
	orders := g.orders(count(stdOrders, cfg.Scale), count(stdEntitlements, cfg.Scale))
	g.msas(&ds.Batch)
	ds.Batch.Orders = orders
	ds.Users = g.users()
	ds.Delegations = g.delegations(count(stdDelegations, cfg.Scale))
	ds.Probes = g.probes()
	return ds
}

func (g *gen) companies(b *entitle.Batch) {
	n := 1 + g.nDist + g.nRes + g.nCust + 1
	g.resBase = 1 + g.nDist
	g.custBase = g.resBase + g.nRes
	g.outsider = n - 1
	g.keys = make([]string, n)
	g.names = make([]string, n)
	g.kinds = make([]entitle.Kind, n)
	g.addrs = make([]entitle.Address, n)
	g.currency = make([]string, n)
	g.msaNumber = make([]string, n)

	wd, wr, wc := width(g.nDist, 4), width(g.nRes, 4), width(g.nCust, 6)
	for i := range n {
		var key, name string
		var kind entitle.Kind
		stem := nameStems[g.r.IntN(len(nameStems))]
		switch {
		case i == 0:
			key, name, kind = vendorKey, "Vendor", entitle.KindVendor
		case i < g.resBase:
			num := pad("", i, wd)
			key, name, kind = "DIST-"+num, stem+" Distribution "+num, entitle.KindDistributor
		case i < g.custBase:
			num := pad("", i-g.resBase+1, wr)
			key, name, kind = "RES-"+num, stem+" Systems "+num, entitle.KindReseller
		case i < g.outsider:
			num := pad("", i-g.custBase+1, wc)
			ck := customerKinds[g.r.IntN(len(customerKinds))]
			key, name, kind = "CUST-"+num, stem+" "+ck+" "+num, entitle.KindCustomer
		default:
			key, name, kind = outsiderKey, "Outsider Holdings", entitle.KindCustomer
		}
		p := places[g.r.IntN(len(places))]
		g.keys[i], g.names[i], g.kinds[i] = key, name, kind
		g.addrs[i] = entitle.Address{
			Name: name,
			Address: fmt.Sprintf("%d %s, %s", 1+g.r.IntN(200),
				p.streets[g.r.IntN(len(p.streets))], p.cities[g.r.IntN(len(p.cities))]),
			Country: p.country,
		}
		g.currency[i] = "EUR"
		if p.country == "US" {
			g.currency[i] = "USD"
		}
	}
	b.Companies = make([]entitle.Sourced[entitle.Company], n)
	for i := range n {
		b.Companies[i].Record = entitle.Company{Key: g.keys[i], Name: g.names[i], Kind: g.kinds[i]}
	}

	// Each reseller buys from one distributor (uniform).
	g.resDist = make([]int32, g.nRes)
	for i := range g.resDist {
		g.resDist[i] = int32(1 + g.r.IntN(g.nDist))
	}
	// Each customer's home reseller: Zipf over a random permutation of the resellers.
	perm := g.r.Perm(g.nRes)
	g.home = make([]int32, g.nCust)
	var z *rand.Zipf
	if g.nRes > 1 {
		z = rand.NewZipf(g.r, zipfS, zipfV, uint64(g.nRes-1))
	}
	for i := range g.home {
		rank := 0
		if z != nil {
			rank = int(z.Uint64())
		}
		g.home[i] = int32(g.resBase + perm[rank])
	}
}

// otherCompany returns a distributor, reseller or customer other than not,
// chosen uniformly.
func (g *gen) otherCompany(not int) int {
	for {
		c := 1 + g.r.IntN(g.outsider-1)
		if c != not {
			return c
		}
	}
}

func (g *gen) msa(c int) string {
	if g.msaNumber[c] == "" {
		g.msaNumber[c] = "MSA-" + g.keys[c]
	}
	return g.msaNumber[c]
}

func (g *gen) orders(nOrders, nEnt int) []entitle.Sourced[entitle.Order] {
	nEnt = max(nEnt, nOrders)
	nLines := make([]int32, nOrders)
	for i := range nLines {
		nLines[i] = 1
	}
	for range nEnt - nOrders {
		nLines[g.r.IntN(nOrders)]++
	}

	// Dates as day offsets from today, looked up in a table.
	const minOff = -2*365 - 60 // earliest order date
	maxEnd := g.today.DaysUntil(entitle.DateOf(g.today.Time().AddDate(3, 0, 0)))
	dates := make([]entitle.Date, maxEnd-minOff+1)
	for i := range dates {
		dates[i] = g.today.AddDays(minOff + i)
	}
	day := func(off int) entitle.Date { return dates[off-minOff] }

	g.oPE = make([]int32, nOrders)
	g.oOwner = make([]int32, nOrders)
	g.oRes = make([]int32, nOrders)
	g.oInst = make([]int32, nOrders)
	g.oFirst = make([]int32, nOrders)
	g.entOrder = make([]int32, 0, nEnt)
	g.subIDs = make([]string, 0, nEnt)
	poCount := make([]int32, len(g.keys))
	ws := width(nEnt, 7)

	orders := make([]entitle.Sourced[entitle.Order], nOrders)
	lines := make([]entitle.Line, nEnt) // one backing array for all orders' lines
	for i := range orders {
		owner := g.custBase + g.r.IntN(g.nCust)
		res := int(g.home[owner-g.custBase])
		pe := owner
		switch x := g.r.IntN(100); {
		case x < pctDistributorBuys:
			pe = int(g.resDist[res-g.resBase])
		case x < pctDistributorBuys+pctResellerBuys:
			pe = res
		}
		o := entitle.Order{PurchasingEntity: g.keys[pe], Owner: g.keys[owner], MSA: g.msa(pe), Currency: g.currency[pe]}
		g.oPE[i], g.oOwner[i], g.oRes[i], g.oInst[i] = int32(pe), int32(owner), -1, -1
		if pe != owner {
			o.Resellers = []string{g.keys[res]}
			g.oRes[i] = int32(res)
		}
		if g.r.IntN(100) < pctInstaller {
			inst := g.otherCompany(owner)
			o.Installers = []string{g.keys[inst]}
			g.oInst[i] = int32(inst)
		}
		poCount[pe]++
		o.PONumber = pad("PO-", int(poCount[pe]), 6)
		bill := g.addrs[pe]
		o.BillTo = &bill
		if g.r.IntN(100) < pctInstallSite {
			site := g.addrs[owner]
			o.InstallationSite = &site
		}

		base := g.r.IntN(4*365+1) - 2*365
		o.OrderDate = day(base - g.r.IntN(60))
		first := len(g.subIDs)
		g.oFirst[i] = int32(first)
		o.Lines = lines[first : first+int(nLines[i]) : first+int(nLines[i])]
		for j := range o.Lines {
			s := skus[g.r.IntN(len(skus))]
			start := base
			if g.r.IntN(4) == 0 {
				start += g.r.IntN(90)
			}
			end := min(start+365*s.years-1, maxEnd)
			sub := pad("SUB-", first+j+1, ws)
			o.Lines[j] = entitle.Line{
				Line:           j + 1,
				SKU:            s.code,
				Description:    s.description,
				Quantity:       int64(1 + g.r.IntN(s.maxQty)),
				UnitPrice:      s.price,
				SubscriptionID: sub,
				StartDate:      day(start),
				EndDate:        day(end),
			}
			g.subIDs = append(g.subIDs, sub)
			g.entOrder = append(g.entOrder, int32(i))
		}
		orders[i].Record = o
	}
	return orders
}

// msas records one MSA per purchasing entity: every distributor and reseller,
// and every customer that bought direct.
func (g *gen) msas(b *entitle.Batch) {
	for c := 1; c < g.custBase; c++ {
		g.msa(c)
	}
	start := entitle.DateOf(g.today.Time().AddDate(-3, 0, 0))
	end := entitle.DateOf(g.today.Time().AddDate(3, 0, 0))
	for c, num := range g.msaNumber {
		if num != "" {
			b.MSAs = append(b.MSAs, entitle.Sourced[entitle.MSA]{
				Record: entitle.MSA{Number: num, Company: g.keys[c], Start: start, End: end},
			})
		}
	}
}

func (g *gen) email(c, n int) string {
	return "u" + strconv.Itoa(n) + "@" + strings.ToLower(g.keys[c]) + ".example"
}

func (g *gen) users() []entitle.User {
	created := g.today.Time().AddDate(-3, 0, 0)
	us := make([]entitle.User, 0, usersPerCompany*len(g.keys))
	for c := range g.keys {
		for n := 1; n <= usersPerCompany; n++ {
			us = append(us, entitle.User{
				Email:     g.email(c, n),
				Name:      firstNames[g.r.IntN(len(firstNames))] + " " + lastNames[g.r.IntN(len(lastNames))],
				Company:   g.keys[c],
				Admin:     n == 1,
				Status:    entitle.UserActive,
				CreatedAt: created,
			})
		}
	}
	return us
}

// pairKey identifies an (owner, delegate) pair.
func pairKey(owner, delegate int32) uint64 { return uint64(owner)<<32 | uint64(uint32(delegate)) }

func (g *gen) delegations(n int) []entitle.Delegation {
	// The subscriptions each customer owns, by global line index.
	ownStart := make([]int32, len(g.keys)+1)
	for _, o := range g.entOrder {
		ownStart[g.oOwner[o]+1]++
	}
	for i := 1; i < len(ownStart); i++ {
		ownStart[i] += ownStart[i-1]
	}
	owned := make([]int32, len(g.entOrder))
	fill := slices.Clone(ownStart)
	for e, o := range g.entOrder {
		c := g.oOwner[o]
		owned[fill[c]] = int32(e)
		fill[c]++
	}

	midnight := g.today.Time()
	noon := midnight.Add(12 * time.Hour)
	const day = 24 * time.Hour
	seconds := func(d time.Duration) time.Duration { // uniform in [1s, d]
		return time.Duration(1+g.r.Int64N(int64(d/time.Second))) * time.Second
	}
	g.pairs = make(map[uint64]bool, n)
	g.isDelegate = make([]bool, len(g.keys))
	wid := width(n, 6)
	ds := make([]entitle.Delegation, n)
	for i := range ds {
		var owner, dlg int
		for attempt := 0; ; attempt++ {
			owner = int(g.oOwner[g.r.IntN(len(g.oOwner))])
			dlg = g.otherCompany(owner)
			if !g.pairs[pairKey(int32(owner), int32(dlg))] || attempt >= 100 {
				break
			}
		}
		g.pairs[pairKey(int32(owner), int32(dlg))] = true
		g.isDelegate[dlg] = true
		d := entitle.Delegation{
			ID:        pad("dlg-", i+1, wid),
			Owner:     g.keys[owner],
			Delegate:  g.keys[dlg],
			CreatedAt: midnight.Add(-time.Second - seconds(730*day)),
			CreatedBy: g.email(owner, 1),
		}
		if g.r.IntN(100) >= pctAllScope {
			mine := owned[ownStart[owner]:ownStart[owner+1]]
			k := min(1+g.r.IntN(3), len(mine))
			for _, j := range g.r.Perm(len(mine))[:k] {
				d.SubscriptionIDs = append(d.SubscriptionIDs, g.subIDs[mine[j]])
			}
			slices.Sort(d.SubscriptionIDs)
		}
		if g.r.IntN(100) < pctExpiring {
			if g.r.IntN(2) == 0 { // already expired: between creation and noon today
				d.ExpiresAt = d.CreatedAt.Add(seconds(noon.Sub(d.CreatedAt) - time.Second))
			} else {
				d.ExpiresAt = noon.Add(seconds(365 * day))
			}
		}
		if g.r.IntN(100) < pctRevoked {
			d.RevokedAt = d.CreatedAt.Add(seconds(midnight.Sub(d.CreatedAt) - time.Second))
			d.RevokedBy = g.email(owner, 1)
		}
		ds[i] = d
	}
	return ds
}
