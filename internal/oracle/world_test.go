package oracle

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/entitle-portal/entitle"
)

// A generated world: a small channel of at most 8 companies (one of them
// the vendor) and 6 orders, then a timeline of delegations granted (all or
// listed, with or without expiry), revoked, and ownership transfers, played
// on the model as they are generated and later on the system.

// event is one step of a world's timeline.
type event struct {
	at   time.Time
	kind string      // grant, revoke or transfer
	del  *delegation // grant: as granted (its list copied); revoke: which
	sub  string      // transfer: the entitlement, from its owner then
	from string
	to   string
}

// generated is a world as generated: its orders as placed, its timeline,
// and the model after the whole timeline, at the instant the questions are
// asked.
type generated struct {
	seed     int64
	t0       time.Time // the import; events follow hour by hour
	pageSize int       // of the lists asked
	events   []event
	w        *world
}

// generate builds the world of seed, with vendor as its vendor company,
// starting at t0. Keys of companies, PO numbers and subscriptions carry the
// seed, so worlds can share a store.
func generate(seed int64, vendor string, t0 time.Time) *generated {
	r := rand.New(rand.NewPCG(uint64(seed), 0x6f7261636c65))
	p := fmt.Sprintf("w%d.", seed)
	g := &generated{seed: seed, t0: t0, pageSize: 1 + r.IntN(4)}
	w := &world{vendor: vendor, companies: []string{vendor}, owner: map[string]string{}}
	g.w = w
	for i := range 1 + r.IntN(7) {
		w.companies = append(w.companies, p+string(rune('A'+i)))
	}
	slices.Sort(w.companies)
	pick := func() string { return w.companies[r.IntN(len(w.companies))] }
	some := func() []string { // 0–2 distinct companies
		var out []string
		for range r.IntN(3) {
			if c := pick(); !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
		return out
	}
	nsub := 0
	for i := range 1 + r.IntN(6) {
		o := order{pe: pick(), resellers: some(), installers: some()}
		// PO numbers come from a small pool, so that one recurs for
		// different purchasing entities; a purchasing entity's are unique.
		for _, n := range r.Perm(3) {
			if po := fmt.Sprintf("%sPO%d", p, n+1); !slices.ContainsFunc(w.orders, func(x order) bool { return x.pe == o.pe && x.po == po }) {
				o.po = po
				break
			}
		}
		if o.po == "" {
			o.po = fmt.Sprintf("%sPO%d", p, 4+i)
		}
		o.owner = o.pe // a direct purchase, now and then
		if r.IntN(4) > 0 {
			o.owner = pick()
		}
		for range 1 + r.IntN(3) {
			nsub++
			sub := fmt.Sprintf("%sS%d", p, nsub)
			o.subs = append(o.subs, sub)
			w.owner[sub] = o.owner
		}
		w.orders = append(w.orders, o)
	}

	subs := slices.Sorted(maps.Keys(w.owner))
	back := map[string]string{} // subscription → the company it was transferred from last
	var listed []string         // subscriptions that delegations list
	nev := r.IntN(11)
	w.now = t0.Add(time.Duration(nev+r.IntN(2)) * time.Hour) // sometimes the last event happens at the very instant asked about
	for i := range nev {
		at := t0.Add(time.Duration(i+1) * time.Hour)
		switch k := r.IntN(6); {
		case k < 3: // grant
			var owners []string
			for _, c := range w.companies {
				if slices.Contains(slices.Collect(maps.Values(w.owner)), c) {
					owners = append(owners, c)
				}
			}
			d := &delegation{id: fmt.Sprintf("d%d", len(w.dels)+1), owner: owners[r.IntN(len(owners))]}
			for d.delegate == "" || d.delegate == d.owner {
				d.delegate = pick()
			}
			if r.IntN(2) == 0 {
				for _, s := range subs {
					if w.owner[s] == d.owner && r.IntN(2) == 0 {
						d.subs = append(d.subs, s)
					}
				}
				if d.subs == nil {
					d.subs = []string{subs[slices.IndexFunc(subs, func(s string) bool { return w.owner[s] == d.owner })]}
				}
			}
			// No expiry; before the questions; exactly at their instant
			// (R5: it no longer works then); a second before or after; later.
			if exp := []time.Time{{}, at.Add(30 * time.Minute), w.now.Add(-time.Second), w.now, w.now.Add(time.Second),
				w.now.Add(48 * time.Hour)}[r.IntN(6)]; exp.After(at) {
				d.expires = exp
			}
			w.dels = append(w.dels, d)
			listed = append(listed, d.subs...)
			g.events = append(g.events, event{at: at, kind: "grant", del: &delegation{id: d.id, owner: d.owner, delegate: d.delegate,
				subs: slices.Clone(d.subs), expires: d.expires}})
		case k < 4 && len(w.dels) > 0: // revoke
			d := w.dels[r.IntN(len(w.dels))]
			if d.revoked.IsZero() {
				d.revoked = at
			}
			g.events = append(g.events, event{at: at, kind: "revoke", del: d})
		default: // transfer: back where it came from, to the owner the order names, or to anyone
			s := subs[r.IntN(len(subs))]
			if len(listed) > 0 && r.IntN(2) == 0 { // one a delegation lists, often
				s = listed[r.IntN(len(listed))]
			}
			to := []string{back[s], w.orderOf(s).owner, ""}[r.IntN(3)]
			for to == "" || to == w.owner[s] {
				to = pick()
			}
			back[s] = w.owner[s]
			g.events = append(g.events, event{at: at, kind: "transfer", sub: s, from: w.owner[s], to: to})
			w.transfer(s, to)
		}
	}
	return g
}

// batch is the world's import: its companies (the vendor when withVendor),
// an MSA per purchasing entity, and complete orders.
func (g *generated) batch(withVendor bool) entitle.Batch {
	var b entitle.Batch
	w := g.w
	for _, c := range w.companies {
		kind := entitle.KindCustomer
		if c == w.vendor {
			if !withVendor {
				continue
			}
			kind = entitle.KindVendor
		}
		b.Companies = append(b.Companies, entitle.Sourced[entitle.Company]{Record: entitle.Company{Key: c, Name: "Company " + c, Kind: kind}})
	}
	today := entitle.DateOf(g.t0)
	msa := func(pe string) string { return fmt.Sprintf("MSA-w%d.%s", g.seed, pe) }
	for _, o := range w.orders {
		if !slices.ContainsFunc(b.MSAs, func(m entitle.Sourced[entitle.MSA]) bool { return m.Record.Number == msa(o.pe) }) {
			b.MSAs = append(b.MSAs, entitle.Sourced[entitle.MSA]{Record: entitle.MSA{Number: msa(o.pe), Company: o.pe,
				Start: today.AddDays(-1000), End: today.AddDays(1000)}})
		}
		rec := entitle.Order{PONumber: o.po, MSA: msa(o.pe), OrderDate: today.AddDays(-30), Currency: "EUR",
			PurchasingEntity: o.pe, Owner: o.owner, Resellers: o.resellers, Installers: o.installers,
			BillTo:           &entitle.Address{Name: "Accounts of " + o.pe, Address: "1 Ledger Street", Country: "FR"},
			InstallationSite: &entitle.Address{Name: "Site of " + o.owner, Address: "2 Plant Road", Country: "FR"}}
		for i, s := range o.subs {
			rec.Lines = append(rec.Lines, entitle.Line{Line: i + 1, SKU: "SKU-" + strings.ReplaceAll(s, ".", "-"), Quantity: 1,
				UnitPrice: "100.00", SubscriptionID: s, StartDate: today.AddDays(-10), EndDate: today.AddDays(355)})
		}
		b.Orders = append(b.Orders, entitle.Sourced[entitle.Order]{Record: rec})
	}
	return b
}

// String is the world, compactly: what a failure prints to reproduce it.
func (g *generated) String() string {
	var sb strings.Builder
	w := g.w
	rel := func(t time.Time) string { return "t0+" + t.Sub(g.t0).String() }
	fmt.Fprintf(&sb, "world %d: vendor %s; companies %s; t0 %s; questions at %s; lists in pages of %d\n",
		g.seed, w.vendor, strings.Join(w.companies, " "), g.t0.Format(time.RFC3339), rel(w.now), g.pageSize)
	for _, o := range w.orders {
		fmt.Fprintf(&sb, "  order %s pe=%s owner=%s resellers=%s installers=%s subs=%s\n", o.po, o.pe, o.owner,
			strings.Join(o.resellers, ","), strings.Join(o.installers, ","), strings.Join(o.subs, ","))
	}
	for _, e := range g.events {
		switch e.kind {
		case "grant":
			scope := "all"
			if e.del.subs != nil {
				scope = strings.Join(e.del.subs, ",")
			}
			exp := ""
			if !e.del.expires.IsZero() {
				exp = " expires " + rel(e.del.expires)
			}
			fmt.Fprintf(&sb, "  %s grant %s %s→%s %s%s\n", rel(e.at), e.del.id, e.del.owner, e.del.delegate, scope, exp)
		case "revoke":
			fmt.Fprintf(&sb, "  %s revoke %s\n", rel(e.at), e.del.id)
		case "transfer":
			fmt.Fprintf(&sb, "  %s transfer %s %s→%s\n", rel(e.at), e.sub, e.from, e.to)
		}
	}
	return sb.String()
}
