package oracle

import (
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
	"unicode"
)

// The model: SPEC §3's rules R1–R8, read word by word, over plain data. It
// shares no code with internal/policy or internal/store and is naive on
// purpose: every question walks the whole world. Its answers are written
// with the answer* helpers of oracle_test.go, as the system's are.

type order struct {
	po, pe, owner         string // owner: the one the PO names, as placed
	resellers, installers []string
	subs                  []string
}

type delegation struct {
	id, owner, delegate string
	subs                []string  // nil: all the owner owns, "now and later" (SPEC §2)
	expires, revoked    time.Time // zero: never
}

type world struct {
	vendor    string
	companies []string // sorted
	orders    []order
	owner     map[string]string // subscription → the company that owns it now
	dels      []*delegation
	now       time.Time
}

func (w *world) orderOf(sub string) order {
	return w.orders[slices.IndexFunc(w.orders, func(o order) bool { return slices.Contains(o.subs, sub) })]
}

// delegationsOf lists c's delegations that cover sub: R1 "an active
// delegation from the owner" — whoever owns sub now; R5 "a delegation stops
// working the instant it is revoked or expires".
func (w *world) delegationsOf(c, sub string) []string {
	var ids []string
	for _, d := range w.dels {
		active := (d.revoked.IsZero() || w.now.Before(d.revoked)) && (d.expires.IsZero() || w.now.Before(d.expires))
		if d.delegate == c && d.owner == w.owner[sub] && active && (d.subs == nil || slices.Contains(d.subs, sub)) {
			ids = append(ids, d.id)
		}
	}
	return ids
}

// bases are c's reasons to see something of order o whose owner is owner
// (R8), sorted: its roles on the order (R1), vendor (R6), and delegate
// when delegated (R1).
func (w *world) bases(c string, o order, owner string, delegated bool) []string {
	var b []string
	for basis, holds := range map[string]bool{"purchasing_entity": c == o.pe, "owner": c == owner,
		"reseller": slices.Contains(o.resellers, c), "installer": slices.Contains(o.installers, c),
		"vendor": c == w.vendor, "delegate": delegated} {
		if holds {
			b = append(b, basis)
		}
	}
	slices.Sort(b)
	return b
}

// basis is why c sees sub; nil when it does not (R1, R6, R8). The owner is
// whoever owns it now: after a transfer the former owner "loses it unless it
// holds another role on the order" (README, "Ownership transfer").
func (w *world) basis(c, sub string) []string {
	return w.bases(c, w.orderOf(sub), w.owner[sub], len(w.delegationsOf(c, sub)) > 0)
}

// entitlement is sub as c sees it on basis b: owner & location only for the
// owner and the vendor (R4). The order's installation site is its owner's as
// placed, so a new owner is named without it (README, "Ownership transfer").
// "Every entitlement answer to the owner, its delegates and the vendor
// carries sold_via: the partner of record" (README, "Sold via").
func (w *world) entitlement(c, sub string, b []string) string {
	owner, site, partner := "", false, ""
	if c == w.owner[sub] || c == w.vendor {
		owner, site = w.owner[sub], w.owner[sub] == w.orderOf(sub).owner
	}
	if slices.ContainsFunc(b, func(x string) bool { return x == "owner" || x == "delegate" || x == "vendor" }) {
		partner = w.orderOf(sub).partner()
	}
	return answerEntitlement(sub, w.orderOf(sub).po, b, owner, site, partner)
}

// partner is the order's partner of record (SPEC §2): "the reseller on its
// order if there is one" — the first, as the README says — "else the
// purchasing entity when it is not the owner; a direct purchase has none".
func (o order) partner() string {
	switch {
	case len(o.resellers) > 0:
		return o.resellers[0]
	case o.pe != o.owner:
		return o.pe
	}
	return ""
}

// get is one entitlement by subscription ID: R7's not_found when c may not see it.
func (w *world) get(c, sub string) string {
	if b := w.basis(c, sub); b != nil {
		return w.entitlement(c, sub, b)
	}
	return answerNotFound
}

// list is every entitlement c sees, by subscription ID; only those seen on
// basis want unless want is "".
func (w *world) list(c, want string) []string {
	var out []string
	for _, sub := range slices.Sorted(maps.Keys(w.owner)) {
		if b := w.basis(c, sub); b != nil && (want == "" || slices.Contains(b, want)) {
			out = append(out, w.entitlement(c, sub, b))
		}
	}
	return out
}

// findPO is R3: a lookup by PO number finds the order only for the
// purchasing entity that placed it — among c's own POs when pe is "" — and
// for the vendor naming that purchasing entity (R6).
func (w *world) findPO(c, po, pe string) (order, bool) {
	if pe == "" {
		pe = c
	}
	i := slices.IndexFunc(w.orders, func(o order) bool { return o.po == po && o.pe == pe })
	if i < 0 || (c != pe && c != w.vendor) {
		return order{}, false
	}
	return w.orders[i], true
}

// poEntitlements is the entitlements of an order by its PO number (R3). The
// lookup rests on the PO, not on a delegation ("every other company's lookup
// finds nothing"): no delegate in the basis.
func (w *world) poEntitlements(c, po, pe string) []string {
	o, ok := w.findPO(c, po, pe)
	if !ok {
		return []string{answerNotFound}
	}
	out := []string{}
	for _, sub := range o.subs {
		out = append(out, w.entitlement(c, sub, w.bases(c, o, w.owner[sub], false)))
	}
	return out
}

// orderDetails is the order by its PO number: R2 and R3 (its purchasing
// entity; the vendor, R6), R4 (owner & location for the order's owner and the
// vendor only). The order is the PO as placed: its roles, owner and site.
func (w *world) orderDetails(c, po, pe string) string {
	o, ok := w.findPO(c, po, pe)
	if !ok {
		return answerNotFound
	}
	owner := ""
	if c == o.owner || c == w.vendor {
		owner = o.owner
	}
	return answerOrder(o.po, o.pe, o.resellers, o.installers, o.subs, w.bases(c, o, o.owner, false), owner, owner != "")
}

// explain is R8's second half: "the owner and the vendor can ask who has
// access to an entitlement and why". Another company that sees it is
// refused knowing it exists; one that does not gets R7's not_found.
func (w *world) explain(c, sub string) []string {
	switch {
	case w.basis(c, sub) == nil:
		return []string{answerNotFound}
	case c != w.owner[sub] && c != w.vendor:
		return []string{answerForbidden}
	}
	out := []string{}
	for _, k := range w.companies {
		if b := w.basis(k, sub); b != nil {
			out = append(out, answerAccess(k, b, w.delegationsOf(k, sub)))
		}
	}
	return out
}

// grant is R5 for delegating sub, asked by a user of c: "only the owner
// company (its administrators) may grant"; a delegate cannot re-delegate;
// what c cannot see does not exist for it (R7).
func (w *world) grant(c string, admin bool, sub string) string {
	switch {
	case w.basis(c, sub) == nil:
		return answerNotFound
	case c == w.owner[sub] && admin:
		return answerOK
	}
	return answerForbidden
}

// mayGrant is R5 for delegating all c owns: its administrators, when it
// owns anything.
func (w *world) mayGrant(c string, admin bool) string {
	if admin && slices.Contains(slices.Collect(maps.Values(w.owner)), c) {
		return answerOK
	}
	return answerForbidden
}

// revoke is R5 for revoking d: the owner company's administrators; the
// delegate knows of it and is refused; to anyone else it does not exist (R7).
func (w *world) revoke(c string, admin bool, d *delegation) string {
	switch {
	case c == d.owner && admin:
		return answerOK
	case c == d.owner || c == d.delegate:
		return answerForbidden
	}
	return answerNotFound
}

// delegationsSeen is the delegations c's company granted and received;
// another company's do not exist for it (R7).
func (w *world) delegationsSeen(c string) string {
	var granted, received []string
	for _, d := range w.dels {
		if d.owner == c {
			granted = append(granted, d.id)
		}
		if d.delegate == c {
			received = append(received, d.id)
		}
	}
	return answerDelegations(granted, received)
}

// transfer moves sub to company to: the owner at once, and "the former
// owner's delegations of that entitlement end" (README, "Ownership
// transfer"): a listed one lists it no more, even if it comes back. An
// all-scope one covers what its owner owns "now and later" (SPEC §2): sub
// again, if it comes back.
func (w *world) transfer(sub, to string) {
	for _, d := range w.dels {
		if d.owner == w.owner[sub] && d.subs != nil {
			d.subs = slices.DeleteFunc(d.subs, func(s string) bool { return s == sub })
		}
	}
	w.owner[sub] = to
}

// The company's own things. R7: "a user never sees another company's users,
// invitations or audit events"; SPEC §5's table: any member lists its
// company's users, "company admins (own company), vendor (all)" read the
// audit trail; issue 5: administrators change their company's users. R6:
// the vendor's own record — its pages — is the vendor's alone.

// users is whom a user of c sees listed as co-workers: its company's.
func (w *world) users(c string) []string {
	return []string{userEmail(c, true), userEmail(c, false)}
}

// changeUser is whether a user of c may change a user of company target.
func (w *world) changeUser(c string, admin bool, target string) string {
	switch {
	case c != target:
		return answerNotFound
	case !admin:
		return answerForbidden
	}
	return answerOK
}

// auditTrail is whose audit events a user of c reads: its own company's,
// every company's for the vendor ("all"); a member is refused.
func (w *world) auditTrail(c string, admin bool) string {
	switch {
	case !admin:
		return answerForbidden
	case c == w.vendor:
		return "all"
	}
	return c
}

// vendorPages is whether the vendor's pages exist for a user of c.
func (w *world) vendorPages(c string) string {
	if c == w.vendor {
		return answerOK
	}
	return answerNotFound
}

// R8 through time (issue 14): "who could see it at that moment", and "each
// company with its basis and the intervals it could see it", for "the
// owner (while it owns it) and the vendor" (SPEC §7). The model replays its
// own timeline up to the instant asked: nothing of the policy's intervals.

// at is the world as it stood at instant t — its orders imported at t0,
// then every event of the timeline up to t played again from scratch — and
// false before the import (the entitlements were not in the portal yet).
func (g *generated) at(t time.Time) (*world, bool) {
	if t.Before(g.t0) {
		return nil, false
	}
	w := &world{vendor: g.w.vendor, companies: g.w.companies, orders: g.w.orders, owner: map[string]string{}, now: t}
	for _, o := range w.orders {
		for _, s := range o.subs {
			w.owner[s] = o.owner
		}
	}
	for _, e := range g.events {
		if e.at.After(t) {
			break
		}
		switch e.kind {
		case "grant":
			w.dels = append(w.dels, &delegation{id: e.del.id, owner: e.del.owner, delegate: e.del.delegate,
				subs: slices.Clone(e.del.subs), expires: e.del.expires})
		case "revoke":
			for _, d := range w.dels {
				if d.id == e.del.id && d.revoked.IsZero() {
					d.revoked = e.at
				}
			}
		case "transfer":
			w.transfer(e.sub, e.to)
		}
	}
	return w, true
}

// mayAskAbout is whether c may ask who could see sub at t: R8's askers now
// (explain), the owner only about a time it owned sub; nobody could see it
// before the import, which the vendor may be told.
func (g *generated) mayAskAbout(c, sub string, t time.Time) string {
	if ans := g.w.explain(c, sub); len(ans) == 1 && (ans[0] == answerNotFound || ans[0] == answerForbidden) {
		return ans[0]
	}
	if c == g.w.vendor {
		return answerOK
	}
	if then, ok := g.at(t); ok && then.owner[sub] == c {
		return answerOK
	}
	return answerForbidden
}

// explainAt is who could see sub at t, and why, asked by c.
func (g *generated) explainAt(c, sub string, t time.Time) []string {
	if may := g.mayAskAbout(c, sub, t); may != answerOK {
		return []string{may}
	}
	out := []string{}
	then, ok := g.at(t)
	if !ok {
		return out
	}
	for _, k := range then.companies {
		if b := then.basis(k, sub); b != nil {
			out = append(out, answerAccess(k, b, then.delegationsOf(k, sub)))
		}
	}
	return out
}

// history is each company that could see sub, with its basis and the
// intervals, as c may know it: the vendor from the import on, the owner
// over the time it owned sub. The instants where something may change are
// the import, the events and the expiries; between two of them the world
// stands still.
func (g *generated) history(c, sub string) []string {
	if ans := g.w.explain(c, sub); len(ans) == 1 && (ans[0] == answerNotFound || ans[0] == answerForbidden) {
		return ans
	}
	instants := []time.Time{g.t0}
	for _, e := range g.events {
		instants = append(instants, e.at)
		if e.kind == "grant" && !e.del.expires.IsZero() {
			instants = append(instants, e.del.expires)
		}
	}
	slices.SortFunc(instants, time.Time.Compare)
	instants = slices.CompactFunc(instants, time.Time.Equal)
	type open struct {
		answer string
		from   time.Time
	}
	running := map[string]*open{}
	var spans []string
	end := func(k string, to time.Time) {
		o := running[k]
		spans = append(spans, answerSpan(o.answer, g.t0, o.from, to))
		delete(running, k)
	}
	for _, t := range instants {
		if t.After(g.w.now) {
			break
		}
		then, _ := g.at(t)
		shown := c == g.w.vendor || then.owner[sub] == c
		for _, k := range g.w.companies {
			answer := ""
			if b := then.basis(k, sub); b != nil && shown {
				answer = answerAccess(k, b, then.delegationsOf(k, sub))
			}
			if o := running[k]; o != nil && o.answer != answer {
				end(k, t)
			}
			if answer != "" && running[k] == nil {
				running[k] = &open{answer, t}
			}
		}
	}
	for _, k := range g.w.companies {
		if running[k] != nil {
			end(k, time.Time{})
		}
	}
	slices.Sort(spans)
	return spans
}

// search is c's list searched by q (SPEC §7, README "Search"): the
// entitlements whose subscription ID, SKU or PO number holds q, letters in
// either case — and the owner's name or the installation site's name or
// address, only where c sees owner & location (R4: the owner and the
// vendor; the site only while the owner is the order's own). "A search
// never matches a field the caller may not see."
func (w *world) search(c, q string) []string {
	holds := func(field string) bool { return strings.Contains(strings.ToLower(field), strings.ToLower(q)) }
	var out []string
	for _, sub := range slices.Sorted(maps.Keys(w.owner)) {
		b := w.basis(c, sub)
		if b == nil {
			continue
		}
		o := w.orderOf(sub)
		found := holds(sub) || holds(skuOf(sub)) || holds(o.po)
		if c == w.owner[sub] || c == w.vendor {
			found = found || holds("Company "+w.owner[sub])
			if w.owner[sub] == o.owner {
				found = found || holds("Site of "+o.owner) || holds("2 Plant Road")
			}
		}
		if found {
			out = append(out, w.entitlement(c, sub, b))
		}
	}
	return out
}

// skuOf is the SKU of subscription sub in the worlds' imports (batch).
func skuOf(sub string) string { return "SKU-" + strings.ReplaceAll(sub, ".", "-") }

// searches are the texts company number i of world seed searches for:
// random parts of the world's subscription IDs, SKUs, POs, company names
// and sites, in random case.
func searches(seed int64, i int, w *world) []string {
	r := rand.New(rand.NewPCG(uint64(seed), uint64(i)))
	var fields []string
	for _, o := range w.orders {
		fields = append(fields, o.po, "Site of "+o.owner, "2 Plant Road")
		for _, sub := range o.subs {
			fields = append(fields, sub, skuOf(sub))
		}
	}
	for _, c := range w.companies {
		fields = append(fields, "Company "+c)
	}
	var out []string
	for range 4 {
		f := []rune(fields[r.IntN(len(fields))])
		from := r.IntN(len(f))
		part := f[from : from+1+r.IntN(len(f)-from)]
		for j, ch := range part {
			if r.IntN(2) == 0 {
				part[j] = unicode.ToUpper(ch)
			} else {
				part[j] = unicode.ToLower(ch)
			}
		}
		out = append(out, string(part))
	}
	return out
}
