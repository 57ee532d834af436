// Package oracle holds the disclosure rules against a reference model: a
// deliberately naive reading of SPEC §3 (R1–R8) in model_test.go, sharing no
// code with internal/policy or internal/store. TestOracle generates random
// small worlds (world_test.go), loads each into a real store, plays its
// timeline of delegations and ownership transfers on the system, and asks
// every question both ways — every company × every entitlement, PO number
// and delegation, through the gate (internal/disclose) — comparing the
// answers exactly.
//
//	go test ./internal/oracle                          # 300 worlds (seeds 1–300; 40 with -race)
//	go test ./internal/oracle -oracle.worlds=10000 -timeout=2h
//	go test ./internal/oracle -run TestOracle -oracle.seed=N -v   # one world, printed
//
// The package has test files only.
package oracle

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/audit"
	"github.com/entitle-portal/entitle/internal/channel"
	"github.com/entitle-portal/entitle/internal/clocktest"
	"github.com/entitle-portal/entitle/internal/coworkers"
	"github.com/entitle-portal/entitle/internal/disclose"
	"github.com/entitle-portal/entitle/internal/store"
	"github.com/entitle-portal/entitle/internal/store/storetest"
)

var (
	flagWorlds = flag.Int("oracle.worlds", raceWorlds, "how many random worlds TestOracle checks: seeds 1 to N (default 300; 20 under -race)")
	flagSeed   = flag.Int64("oracle.seed", 0, "check only the world of this seed, alone in its store, and print it")
)

// worldsPerStore worlds share one store, one after the other: a new
// database per world costs more than its questions, on PostgreSQL most of
// all. They never meet: every key but the vendor's carries the world's
// seed, and when a world is done the vendor's delegations are revoked and
// what it owns is moved to another company of that world (see cleanUp).
const worldsPerStore = 10

// storesAtOnce stores are checked at once.
const storesAtOnce = 4

const vendorKey = "VENDOR"

var base = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func TestOracle(t *testing.T) {
	if *flagSeed != 0 {
		checkStore(t, []int64{*flagSeed}, true)
		return
	}
	// Stores in parallel: a world mostly waits for its commits (every
	// disclosure is audited), so more stores than cores keep them busy.
	n := int64(*flagWorlds)
	busy := make(chan struct{}, storesAtOnce)
	var wg sync.WaitGroup
	for first := int64(1); first <= n; first += worldsPerStore {
		var seeds []int64
		for s := first; s < first+worldsPerStore && s <= n; s++ {
			seeds = append(seeds, s)
		}
		wg.Go(func() {
			busy <- struct{}{}
			defer func() { <-busy }()
			t.Run(fmt.Sprintf("seeds_%d-%d", seeds[0], seeds[len(seeds)-1]), func(t *testing.T) { checkStore(t, seeds, false) })
		})
	}
	wg.Wait()
	if !t.Failed() {
		t.Logf("%d worlds, %d questions asked of the model and of the system: the same answers", n, questions.Load())
	}
}

// checkStore checks the worlds of seeds one after the other in one store.
func checkStore(t *testing.T, seeds []int64, show bool) {
	db := storetest.New(t)
	clock := clocktest.New(base)
	for i, seed := range seeds {
		g := generate(seed, vendorKey, base.Add(time.Duration(i)*72*time.Hour))
		if show {
			t.Logf("\n%s", g)
		}
		c := &checker{t: t, ctx: context.Background(), db: db, clock: clock, gate: disclose.New(db, clock.Now),
			coworkers: &coworkers.Service{Store: db, Now: clock.Now}, audit: &audit.Service{Store: db}, channel: &channel.Service{Store: db, Now: clock.Now},
			g: g, first: i == 0, ids: map[string]string{}, labels: map[string]string{}, users: map[string]map[bool]int64{}}
		c.run()
	}
}

// checker plays one world on the system and compares its answers with the
// model's.
type checker struct {
	t          *testing.T
	ctx        context.Context
	db         *store.DB
	clock      *clocktest.Clock
	gate       *disclose.Service
	coworkers  *coworkers.Service
	audit      *audit.Service
	channel    *channel.Service
	g          *generated
	users      map[string]map[bool]int64 // company → administrator? → the user's ID
	first      bool                      // the first world of its store
	ids        map[string]string         // the model's delegation IDs → the system's
	labels     map[string]string         // the system's delegation IDs → the model's
	mismatches mismatches
}

func (c *checker) setClock(at time.Time) { c.clock.Advance(at.Sub(c.clock.Now())) }

func (c *checker) actor(company string, admin bool) entitle.Actor {
	return entitle.Actor{Company: company, Vendor: company == vendorKey, Admin: admin, UserID: c.users[company][admin],
		Email: userEmail(company, admin)}
}

// fatalf stops at a step of the timeline the system refused.
func (c *checker) fatalf(format string, args ...any) {
	c.t.Helper()
	c.t.Fatalf("world %d: %s\n%s", c.g.seed, fmt.Sprintf(format, args...), c.g)
}

// mismatches collects the questions the model and the system answer
// differently.
type mismatches []string

// questions counts the questions compared, for TestOracle's summary.
var questions atomic.Int64

func (m *mismatches) compare(question string, model, system []string) {
	questions.Add(1)
	if !slices.Equal(model, system) {
		*m = append(*m, fmt.Sprintf("%s\n    model:  %s\n    system: %s", question,
			strings.Join(model, "\n            "), strings.Join(system, "\n            ")))
	}
}

func (c *checker) run() {
	g, w := c.g, c.g.w
	_, problems, err := c.db.Import(c.ctx, g.batch(c.first), entitle.ImportOptions{}, g.t0)
	if err != nil || len(problems) > 0 {
		c.fatalf("import: %v %v", err, problems)
	}
	c.addUsers()
	c.play()
	c.setClock(w.now)

	// Every company asks at once: these questions only read (and audit).
	asked := make([]mismatches, len(w.companies))
	var wg sync.WaitGroup
	for i, k := range w.companies {
		wg.Go(func() { asked[i] = c.ask(i, k) })
	}
	wg.Wait()
	for _, m := range asked {
		c.mismatches = append(c.mismatches, m...)
	}

	// What writes comes last. A delegation granted here is revoked at once:
	// it is no longer in force at the instant asked about (R5), so that it
	// changes no answer that follows.
	for _, k := range w.companies {
		delegate := w.companies[0]
		if delegate == k {
			delegate = w.companies[1]
		}
		for _, sub := range slices.Sorted(maps.Keys(w.owner)) {
			for _, admin := range []bool{false, true} {
				if !admin && k != w.owner[sub] {
					continue
				}
				c.mismatches.compare(fmt.Sprintf("grant %s to %s, asked by %s (admin %v)", sub, delegate, k, admin),
					[]string{w.grant(k, admin, sub)}, []string{c.grant(k, admin, sub, delegate)})
			}
		}
	}
	type asker struct {
		company string
		admin   bool
	}
	for _, d := range w.dels {
		// A member of the owner, every other company's administrator, and
		// the owner's administrator last: it revokes.
		askers := []asker{{d.owner, false}}
		for _, k := range w.companies {
			if k != d.owner {
				askers = append(askers, asker{k, true})
			}
		}
		for _, a := range append(askers, asker{d.owner, true}) {
			c.mismatches.compare(fmt.Sprintf("revoke %s, asked by %s (admin %v)", d.id, a.company, a.admin),
				[]string{w.revoke(a.company, a.admin, d)}, []string{c.revoke(a.company, a.admin, d.id)})
		}
	}
	c.cleanUp()

	if len(c.mismatches) > 0 {
		shown := c.mismatches[:min(len(c.mismatches), 12)]
		c.t.Errorf("world %d: %d answers differ (replay: go test ./internal/oracle -run TestOracle -oracle.seed=%d -v)\n%s\n  %s",
			g.seed, len(c.mismatches), g.seed, g, strings.Join(shown, "\n  "))
	}
}

// ask asks every question of company k (the i-th) that only reads.
func (c *checker) ask(i int, k string) mismatches {
	var m mismatches
	w := c.g.w
	m.compare("list of "+k, w.list(k, ""), c.list(k, ""))
	b := []string{"delegate", "installer", "owner", "purchasing_entity", "reseller", "vendor"}[(i+int(c.g.seed))%6]
	m.compare("list of "+k+" seen as "+b, w.list(k, b), c.list(k, b))
	m.compare("delegations of "+k, []string{w.delegationsSeen(k)}, []string{c.delegationsSeen(k)})
	for _, q := range searches(c.g.seed, i, w) {
		m.compare(fmt.Sprintf("list of %s searched for %q", k, q), w.search(k, q), c.search(k, q))
	}
	for _, admin := range []bool{false, true} {
		m.compare(fmt.Sprintf("may %s grant (admin %v)", k, admin), []string{w.mayGrant(k, admin)},
			[]string{c.code(c.gate.MayGrant(c.ctx, c.actor(k, admin)))})
	}
	instants := c.instants()
	for j, sub := range slices.Sorted(maps.Keys(w.owner)) {
		m.compare("get "+sub+" by "+k, []string{w.get(k, sub)}, []string{c.get(k, sub)})
		m.compare("who has access to "+sub+", asked by "+k, w.explain(k, sub), c.explain(k, sub))
		// R8 through time, asked by its owner and the vendor: the history,
		// and who could see it at one instant of the timeline (who may ask
		// is R8's question above, which every company asks).
		if k != w.owner[sub] && k != vendorKey {
			continue
		}
		m.compare("access history of "+sub+", asked by "+k, c.g.history(k, sub), c.history(k, sub))
		t := instants[(i+3*j+int(c.g.seed))%len(instants)]
		m.compare(fmt.Sprintf("who could see %s at t0+%s, asked by %s", sub, t.Sub(c.g.t0), k), c.g.explainAt(k, sub, t), c.explainAt(k, sub, t))
	}
	for _, l := range c.lookups(k) {
		q := fmt.Sprintf("PO %s of %q, asked by %s", l.po, l.pe, k)
		m.compare("entitlements of "+q, w.poEntitlements(k, l.po, l.pe), c.poEntitlements(k, l.po, l.pe))
		m.compare("order details of "+q, []string{w.orderDetails(k, l.po, l.pe)}, []string{c.orderDetails(k, l.po, l.pe)})
	}
	m.compare("the vendor's pages, asked by "+k, []string{w.vendorPages(k)}, []string{c.code(c.channel.CheckPage(c.actor(k, false), "/vendor/companies"))})
	for _, admin := range []bool{false, true} {
		m.compare(fmt.Sprintf("co-workers of %s (admin %v)", k, admin), w.users(k), c.coworkersOf(k, admin))
		m.compare(fmt.Sprintf("audit trail read by %s (admin %v)", k, admin), []string{w.auditTrail(k, admin)}, []string{c.auditTrail(k, admin)})
		for _, target := range w.companies {
			m.compare(fmt.Sprintf("change a user of %s, asked by %s (admin %v)", target, k, admin),
				[]string{w.changeUser(k, admin, target)}, []string{c.changeUser(k, admin, target)})
		}
	}
	return m
}

// play plays the world's timeline on the system: delegations granted and
// revoked through the gate by the owner's administrators, ownership moved
// by the store's direct transfer (the vendor's move).
func (c *checker) play() {
	for _, e := range c.g.events {
		c.setClock(e.at)
		switch e.kind {
		case "grant":
			gr := disclose.Grant{Delegate: e.del.delegate}
			if e.del.subs != nil {
				subs := slices.Clone(e.del.subs)
				gr.SubscriptionIDs = &subs
			}
			if !e.del.expires.IsZero() {
				gr.ExpiresAt = e.del.expires.Format(time.RFC3339)
			}
			d, err := c.gate.Grant(c.ctx, c.actor(e.del.owner, true), gr)
			if err != nil {
				c.fatalf("grant %s: %v", e.del.id, err)
			}
			c.ids[e.del.id], c.labels[d.ID] = d.ID, e.del.id
		case "revoke":
			if _, err := c.gate.Revoke(c.ctx, c.actor(e.del.owner, true), c.ids[e.del.id]); err != nil {
				c.fatalf("revoke %s: %v", e.del.id, err)
			}
		case "transfer":
			c.transfer(e.sub, e.from, e.to, e.at)
		}
	}
}

// cleanUp ends what would reach from this world into the next worlds of
// the store: the vendor's delegations (revoked; an all-scope one would
// cover what the vendor owns there), and what the vendor owns (moved to
// another company of this world: a later all-scope delegation of the
// vendor would cover it).
func (c *checker) cleanUp() {
	granted, _, err := c.db.Delegations(c.ctx, vendorKey)
	if err != nil {
		c.t.Fatal(err)
	}
	for _, d := range granted {
		if d.RevokedAt.IsZero() {
			if _, err := c.gate.Revoke(c.ctx, c.actor(vendorKey, true), d.ID); err != nil {
				c.t.Fatal(err)
			}
		}
	}
	w := c.g.w
	for sub, owner := range w.owner {
		if owner == vendorKey {
			c.transfer(sub, vendorKey, w.companies[1], w.now)
		}
	}
}

// transfer moves sub from to to at at: the vendor's direct move.
func (c *checker) transfer(sub, from, to string, at time.Time) {
	if _, err := c.db.OfferTransfer(c.ctx, entitle.Transfer{SubscriptionID: sub, From: from, To: to,
		CreatedAt: at, CreatedBy: "oracle", ExpiresAt: at.Add(time.Hour)}, true,
		entitle.AuditEvent{At: at, Actor: "oracle", Company: vendorKey, Action: "transfer.direct", Outcome: "ok"}); err != nil {
		c.fatalf("transfer %s %s→%s: %v", sub, from, to, err)
	}
}

// lookups are the PO lookups k asks: each PO number of the world among its
// own POs (pe ""), and naming a purchasing entity that placed it — the
// vendor's way of asking (R6), which names each of them; another company
// names one that is not itself.
func (c *checker) lookups(k string) []struct{ po, pe string } {
	var out []struct{ po, pe string }
	named := map[string]bool{}
	for _, o := range c.g.w.orders {
		if !slices.ContainsFunc(out, func(l struct{ po, pe string }) bool { return l.po == o.po }) {
			out = append(out, struct{ po, pe string }{o.po, ""})
		}
		if o.pe != k && (k == vendorKey || !named[o.po]) {
			named[o.po] = true
			out = append(out, struct{ po, pe string }{o.po, o.pe})
		}
	}
	return out
}

// Answers, written the same way for the model and the system.

const (
	answerNotFound  = "not_found"
	answerForbidden = "forbidden"
	answerOK        = "ok"
)

func answerEntitlement(sub, po string, basis []string, owner string, site bool, partner string) string {
	s := fmt.Sprintf("%s po=%s basis=%s", sub, po, strings.Join(basis, ","))
	if owner != "" {
		s += " owner=" + owner
	}
	if site {
		s += " site"
	}
	if partner != "" {
		s += " sold_via=" + partner
	}
	return s
}

// userEmail is the address of c's administrator or member.
func userEmail(c string, admin bool) string {
	who := "member"
	if admin {
		who = "admin"
	}
	return who + "@" + strings.ToLower(c) + ".oracle.example"
}

func answerOrder(po, pe string, resellers, installers, subs, basis []string, owner string, site bool) string {
	s := fmt.Sprintf("order %s pe=%s resellers=%s installers=%s lines=%s basis=%s", po, pe, strings.Join(resellers, ","),
		strings.Join(installers, ","), strings.Join(subs, ","), strings.Join(basis, ","))
	if owner != "" {
		s += " owner=" + owner
	}
	if site {
		s += " site"
	}
	return s
}

func answerAccess(company string, basis, delegations []string) string {
	return fmt.Sprintf("%s:%s[%s]", company, strings.Join(basis, ","), strings.Join(slices.Sorted(slices.Values(delegations)), ","))
}

// answerSpan is one company's access (answerAccess) from from to to
// (zero: still), instants as offsets from t0.
func answerSpan(access string, t0, from, to time.Time) string {
	u := "still"
	if !to.IsZero() {
		u = to.Sub(t0).String()
	}
	return fmt.Sprintf("%s %s–%s", access, from.Sub(t0), u)
}

func answerDelegations(granted, received []string) string {
	return fmt.Sprintf("granted=%s received=%s", strings.Join(slices.Sorted(slices.Values(granted)), ","),
		strings.Join(slices.Sorted(slices.Values(received)), ","))
}

// The system's answers, through the gate.

// code is the answer for err: ok for none, the error code of a refusal, the
// error itself otherwise (which no model answer matches).
func (c *checker) code(err error) string {
	var e *entitle.Error
	switch {
	case err == nil:
		return answerOK
	case errors.As(err, &e) && (e.Code == entitle.CodeNotFound || e.Code == entitle.CodeForbidden):
		return e.Code
	}
	return "error: " + err.Error()
}

func strs[T ~string](bs []T) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = string(b)
	}
	return out
}

func key(p *disclose.Party) string {
	if p == nil {
		return ""
	}
	return p.Key
}

func entitlementAnswer(e disclose.Entitlement) string {
	partner := ""
	if e.SoldVia != nil {
		partner = e.SoldVia.Key
	}
	return answerEntitlement(e.SubscriptionID, e.PONumber, strs(e.Access), key(e.Owner), e.InstallationSite != nil, partner)
}

func (c *checker) get(k, sub string) string {
	e, err := c.gate.Get(c.ctx, c.actor(k, false), sub)
	if err != nil {
		return c.code(err)
	}
	return entitlementAnswer(e)
}

// list reads k's whole list, page by page. The vendor's holds the other
// worlds of the store too: it is read from this world's first key on, and
// only this world's entitlements are kept.
func (c *checker) list(k, basis string) []string {
	return c.listWith(k, entitle.ListFilter{Basis: entitle.Basis(basis)})
}

// search is k's whole list searched by q.
func (c *checker) search(k, q string) []string {
	return c.listWith(k, entitle.ListFilter{Search: entitle.Search{Text: q}})
}

// listWith reads k's whole list with filter f (see list).
func (c *checker) listWith(k string, f entitle.ListFilter) []string {
	var out []string
	after, prefix := "", fmt.Sprintf("w%d.", c.g.seed)
	if k == vendorKey && !c.first {
		after = prefix
	}
	for range 1000 {
		page, err := c.gate.List(c.ctx, c.actor(k, false), after, c.g.pageSize, f)
		if err != nil {
			return append(out, c.code(err))
		}
		for _, e := range page.Items {
			if k == vendorKey && !strings.HasPrefix(e.SubscriptionID, prefix) {
				if e.SubscriptionID > prefix {
					return out
				}
				continue
			}
			if len(out) > 0 && e.SubscriptionID <= strings.Fields(out[len(out)-1])[0] {
				out = append(out, "error: out of order or repeated: "+e.SubscriptionID)
			}
			out = append(out, entitlementAnswer(e))
		}
		if page.Next == "" {
			return out
		}
		after = page.Next
	}
	return append(out, "error: the list does not end")
}

func (c *checker) explain(k, sub string) []string {
	acc, err := c.gate.Explain(c.ctx, c.actor(k, false), sub)
	if err != nil {
		return []string{c.code(err)}
	}
	out := []string{}
	for _, a := range acc {
		var ds []string
		for _, id := range a.Delegations {
			ds = append(ds, c.label(id))
		}
		out = append(out, answerAccess(a.Company.Key, strs(a.Basis), ds))
	}
	return out
}

// instants are the instants asked about with at: just before the import,
// the import, each event and just before it, the instant of the questions.
func (c *checker) instants() []time.Time {
	out := []time.Time{c.g.t0.Add(-time.Second), c.g.t0}
	for _, e := range c.g.events {
		out = append(out, e.at.Add(-time.Microsecond), e.at)
	}
	return append(out, c.g.w.now)
}

func (c *checker) explainAt(k, sub string, at time.Time) []string {
	acc, err := c.gate.ExplainAt(c.ctx, c.actor(k, false), sub, at)
	if err != nil {
		return []string{c.code(err)}
	}
	out := []string{}
	for _, a := range acc.Items {
		var ds []string
		for _, id := range a.Delegations {
			ds = append(ds, c.label(id))
		}
		out = append(out, answerAccess(a.Company.Key, strs(a.Basis), ds))
	}
	return out
}

func (c *checker) history(k, sub string) []string {
	h, err := c.gate.AccessHistory(c.ctx, c.actor(k, false), sub)
	if err != nil {
		return []string{c.code(err)}
	}
	out := []string{}
	for _, it := range h.Items {
		for _, p := range it.Periods {
			var ds []string
			for _, id := range p.Delegations {
				ds = append(ds, c.label(id))
			}
			var from, to time.Time
			if p.From != nil {
				from = *p.From
			}
			if p.To != nil {
				to = *p.To
			}
			out = append(out, answerSpan(answerAccess(it.Company.Key, strs(p.Basis), ds), c.g.t0, from, to))
		}
	}
	if h.CompleteFrom != nil {
		out = append(out, "error: complete from "+h.CompleteFrom.String()+" in a new store")
	}
	slices.Sort(out)
	return out
}

func (c *checker) label(id string) string {
	if l, ok := c.labels[id]; ok {
		return l
	}
	return "?" + id
}

func (c *checker) poEntitlements(k, po, pe string) []string {
	es, err := c.gate.OrderEntitlements(c.ctx, c.actor(k, false), po, pe)
	if err != nil {
		return []string{c.code(err)}
	}
	out := []string{}
	for _, e := range es {
		out = append(out, entitlementAnswer(e))
	}
	return out
}

func (c *checker) orderDetails(k, po, pe string) string {
	o, err := c.gate.Order(c.ctx, c.actor(k, false), po, pe)
	if err != nil {
		return c.code(err)
	}
	var resellers, installers, subs []string
	for _, p := range o.Resellers {
		resellers = append(resellers, p.Key)
	}
	for _, p := range o.Installers {
		installers = append(installers, p.Key)
	}
	for _, l := range o.Lines {
		subs = append(subs, l.SubscriptionID)
	}
	return answerOrder(o.PONumber, o.PurchasingEntity.Key, resellers, installers, subs, strs(o.Access), key(o.Owner), o.InstallationSite != nil)
}

// delegationsSeen lists what k granted and received. The vendor's lists
// hold the other worlds of the store too: only this world's are kept.
func (c *checker) delegationsSeen(k string) string {
	ds, err := c.gate.Delegations(c.ctx, c.actor(k, false))
	if err != nil {
		return c.code(err)
	}
	var sides [2][]string
	for i, list := range [][]disclose.Delegation{ds.Granted, ds.Received} {
		for _, d := range list {
			if _, ok := c.labels[d.ID]; ok || k != vendorKey {
				sides[i] = append(sides[i], c.label(d.ID))
			}
		}
	}
	return answerDelegations(sides[0], sides[1])
}

// grant asks to grant a delegation of sub, and revokes it at once when it
// was granted.
func (c *checker) grant(k string, admin bool, sub, delegate string) string {
	d, err := c.gate.Grant(c.ctx, c.actor(k, admin), disclose.Grant{Delegate: delegate, SubscriptionIDs: &[]string{sub}})
	if err == nil {
		if _, err := c.gate.Revoke(c.ctx, c.actor(k, true), d.ID); err != nil {
			c.fatalf("revoke the delegation granted by %s: %v", k, err)
		}
	}
	return c.code(err)
}

func (c *checker) revoke(k string, admin bool, label string) string {
	_, err := c.gate.Revoke(c.ctx, c.actor(k, admin), c.ids[label])
	return c.code(err)
}

// addUsers adds an administrator and a member to each company of the world
// (the vendor's in the store's first world).
func (c *checker) addUsers() {
	for _, k := range c.g.w.companies {
		c.users[k] = map[bool]int64{}
		for _, admin := range []bool{true, false} {
			u := entitle.User{Email: userEmail(k, admin), Name: "User of " + k, Company: k, Admin: admin}
			var err error
			if k == vendorKey && !c.first {
				var rec entitle.UserRecord
				rec, err = c.db.UserByEmail(c.ctx, u.Email)
				u = rec.User
			} else {
				u, err = c.db.AddUser(c.ctx, u, "", c.g.t0)
			}
			if err != nil {
				c.fatalf("add user %s: %v", u.Email, err)
			}
			c.users[k][admin] = u.ID
		}
	}
}

// coworkersOf lists the co-workers a user of k sees, by email.
func (c *checker) coworkersOf(k string, admin bool) []string {
	us, err := c.coworkers.Users(c.ctx, c.actor(k, admin), "", 100)
	if err != nil {
		return []string{c.code(err)}
	}
	var out []string
	for _, u := range us {
		out = append(out, u.Email)
	}
	slices.Sort(out)
	return out
}

// changeUser asks to change target's member, changing nothing.
func (c *checker) changeUser(k string, admin bool, target string) string {
	_, err := c.coworkers.ChangeUser(c.ctx, c.actor(k, admin), c.users[target][false], entitle.UserChange{})
	return c.code(err)
}

// auditTrail is whose events a user of k reads: "all", or the one company
// every event it is given belongs to.
func (c *checker) auditTrail(k string, admin bool) string {
	events, company, err := c.audit.Events(c.ctx, c.actor(k, admin), audit.Query{Newest: true, Limit: 50})
	if err != nil {
		return c.code(err)
	}
	if company == "" {
		return "all"
	}
	for _, e := range events {
		if e.Company != company {
			return "error: an event of " + e.Company + " in the trail of " + company
		}
	}
	return company
}
