package web_test

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/channel"
	"github.com/entitle-portal/entitle/internal/lifecycle"
	"github.com/entitle-portal/entitle/internal/policy"
	"github.com/entitle-portal/entitle/internal/policy/policytest"
)

// The authorization matrix: every subject of a generated world — each
// basis alone and combined, delegates whose delegation is all-scope,
// listed, expired or revoked, an outsider, the vendor; an administrator and
// a plain member of each — asks every object every way, on every route of
// routes.go, over HTTP: the API with the user's token, the portal with the
// user's session (and its CSRF token on a form). Each answer is held to
// what the policy says, never to an answer written by hand:
//
//   - an entitlement or an order read: the subject's bases are taken from
//     the world (its roles on the order, an active delegation of the
//     current owner that covers the entitlement, the vendor); each basis's
//     cell of policy.Table() for the way of asking gives its views, and a
//     company holding several gets their union (see tableDecision for the
//     one view that travels with the owner basis). The views give the
//     status and the exact keys of the answer;
//   - everything else (delegations, invitations, users, the audit trail,
//     the company profile, renewal requests, transfers, the vendor's
//     pages): the rule function of internal/policy that decides it, applied
//     to the subject as an entitle.Actor and to the object. Allowed is the
//     route's success; a refusal the subject may know of is 403 (or the
//     route's own word for it, which the checker names); one it may not is
//     404, byte for byte the 404 of an object that does not exist but for
//     the identifier (R7).
//
// A route that changes something is asked so that the world stays as it
// is: with a body that only the allowed party gets past the permission to
// be refused for (a company that does not exist, a field that is wrong),
// or about an object in a final state (a revoked delegation or invitation,
// a declined transfer, a closed renewal request, an ended announcement),
// which the allowed party gets a 409 or a no-op for. The world is read
// before and after the matrix and must not have changed.
//
// matrixChecks (matrix_routes_test.go) holds one checker per route
// pattern; TestMatrixCoversEveryRoute fails for a route of routes.go
// without one, and for a checker of a route that is gone.

// matrixCompanies are the subject companies, each holding exactly one
// relation, or one named combination.
var matrixCompanies = []struct{ key, relation string }{
	{"PE", "purchasing entity only"},
	{"RES", "reseller only"},
	{"OWN", "owner only (it grants the delegations)"},
	{"INS", "installer only"},
	{"DIRECT", "purchasing entity and owner: a direct purchase"},
	{"RESINS", "reseller and installer on one order"},
	{"OWNINS", "owner and installer on one order"},
	{"DALL", "delegate of an all-scope delegation"},
	{"DLIST", "delegate of a listed delegation (one of two subscriptions)"},
	{"DEXP", "delegate whose delegation expired"},
	{"DREV", "delegate whose delegation was revoked"},
	{"OUT", "an outsider: no relation at all"},
	{"VENDOR", "the vendor"},
}

// The identifiers of objects that do not exist, whose 404 every hidden
// object's must equal.
const (
	missingSub        = "SUB-NONE"
	missingPO         = "PO-NONE"
	missingDelegation = "DL-NONE"
	missingNumber     = "987654321" // renewal requests, transfers, invitations, users, announcements
)

// matrixOrders are the orders of the world: several orders, one PO number
// placed by two purchasing entities, two lines on some.
func matrixOrders() []entitle.Order {
	line := func(n int, sub string) entitle.Line { return entitle.Line{Line: n, SubscriptionID: sub} }
	return []entitle.Order{
		{PONumber: "PO-ALPHA", PurchasingEntity: "PE", Owner: "OWN", Resellers: []string{"RES"}, Installers: []string{"INS"},
			Lines: []entitle.Line{line(1, "SUB-A1"), line(2, "SUB-A2")}},
		// The same PO number, placed by another purchasing entity for
		// itself: a direct purchase (R3: each finds only its own).
		{PONumber: "PO-ALPHA", PurchasingEntity: "DIRECT", Owner: "DIRECT", Lines: []entitle.Line{line(1, "SUB-B1")}},
		{PONumber: "PO-GAMMA", PurchasingEntity: "PE", Owner: "OWNINS", Installers: []string{"OWNINS"},
			Lines: []entitle.Line{line(1, "SUB-C1"), line(2, "SUB-C2")}},
		{PONumber: "PO-DELTA", PurchasingEntity: "PE", Owner: "OWN", Resellers: []string{"RESINS"}, Installers: []string{"RESINS"},
			Lines: []entitle.Line{line(1, "SUB-D1")}},
	}
}

// matrixDelegations are OWN's delegations, one per delegate company.
func matrixDelegations(now time.Time) []entitle.Delegation {
	by := "admin@own.example"
	return []entitle.Delegation{
		{ID: "DL-ALL", Owner: "OWN", Delegate: "DALL", CreatedAt: now.AddDate(0, -1, 0), CreatedBy: by},
		{ID: "DL-LIST", Owner: "OWN", Delegate: "DLIST", SubscriptionIDs: []string{"SUB-A1"}, CreatedAt: now.AddDate(0, -1, 0), CreatedBy: by},
		{ID: "DL-EXP", Owner: "OWN", Delegate: "DEXP", SubscriptionIDs: []string{"SUB-A1", "SUB-D1"}, ExpiresAt: now.Add(-24 * time.Hour),
			CreatedAt: now.AddDate(0, -2, 0), CreatedBy: by},
		{ID: "DL-REV", Owner: "OWN", Delegate: "DREV", CreatedAt: now.AddDate(0, -2, 0), CreatedBy: by,
			RevokedAt: now.Add(-48 * time.Hour), RevokedBy: by},
	}
}

// subject is one user of the world, as the API and the portal know it.
type subject struct {
	name   string // "OWN/admin"
	user   entitle.User
	actor  entitle.Actor
	token  string       // API
	client *http.Client // the portal, signed in; redirects are not followed
	csrf   string       // the session's CSRF token
}

func (s *subject) company() string { return s.actor.Company }

// sessionJar holds one session cookie and takes none: the one-time
// message a form's success leaves for the next page must not change the
// pages the matrix compares.
type sessionJar struct{ secret string }

func (j sessionJar) SetCookies(*url.URL, []*http.Cookie) {}
func (j sessionJar) Cookies(*url.URL) []*http.Cookie {
	return []*http.Cookie{{Name: "entitle_session", Value: j.secret}}
}

// mworld is the generated world over HTTP.
type mworld struct {
	*testServer
	now         time.Time
	vendor      string
	orders      []entitle.Order // as imported
	dels        []entitle.Delegation
	subjects    []*subject
	byCompany   map[string][]*subject // admin, member
	renewals    []entitle.RenewalRequest
	transfer    entitle.Transfer     // declined already
	revokedInvs []entitle.Invitation // revoked already
	pendingInvs []entitle.Invitation
	ended       int64       // an announcement that is over
	access      accessWorld // an access request, declined (matrix_requests_test.go)
	anonymous   *http.Client
	cells       map[entitle.Basis]map[policy.Way]policy.Decision
}

func newMatrixWorld(t *testing.T) *mworld {
	t.Helper()
	now := testNow
	sc := policytest.Scenario{Now: now, Vendor: "VENDOR", Orders: matrixOrders(), Delegations: matrixDelegations(now),
		Expects: []policytest.Expect{{Actor: entitle.Actor{Company: "OUT"}}}}
	var keys []string
	for _, c := range matrixCompanies {
		keys = append(keys, c.key)
	}
	if got := sc.Companies(); !slices.Equal(got, slices.Sorted(slices.Values(keys))) {
		t.Fatalf("the world's companies are %v, want the subjects %v", got, keys)
	}
	ts := newServer(t, now)
	b := sc.Batch()
	ts.importBatch(b, sc.Delegations)
	w := &mworld{testServer: ts, now: now, vendor: sc.Vendor, dels: sc.Delegations, byCompany: map[string][]*subject{},
		cells: map[entitle.Basis]map[policy.Way]policy.Decision{}}
	for _, o := range b.Orders {
		w.orders = append(w.orders, o.Record)
	}
	for _, c := range policy.Table() {
		if w.cells[c.Basis] == nil {
			w.cells[c.Basis] = map[policy.Way]policy.Decision{}
		}
		w.cells[c.Basis][c.Way] = c.Decision
	}
	anon := *ts.srv.Client()
	anon.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	w.anonymous = &anon

	ctx := context.Background()
	for _, c := range matrixCompanies {
		for _, admin := range []bool{true, false} {
			role := "member"
			if admin {
				role = "admin"
			}
			s := w.addSubject(t, ctx, c.key, role, admin)
			w.subjects = append(w.subjects, s)
			w.byCompany[c.key] = append(w.byCompany[c.key], s)
		}
	}
	w.seed(t, ctx)
	return w
}

// addSubject adds a user of company with an API token and a portal
// session.
func (w *mworld) addSubject(t *testing.T, ctx context.Context, company, role string, admin bool) *subject {
	t.Helper()
	email := role + "@" + strings.ToLower(company) + ".example"
	token := w.user(company, email, admin)
	u, err := w.db.UserByEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	s := &subject{name: company + "/" + role, user: u.User, actor: u.Actor(w.vendor), token: token}
	s.client = w.session(t, u)
	st, body := w.fetch(t, s.client, "/coworkers")
	m := csrfField.FindStringSubmatch(body)
	if st != http.StatusOK || m == nil {
		t.Fatalf("%s: no CSRF token on the co-workers page: %d %s", s.name, st, body)
	}
	s.csrf = m[1]
	return s
}

// session opens a portal session for u, as signing in does (without
// paying for the password's hash), and returns a client that sends it.
func (w *mworld) session(t *testing.T, u entitle.UserRecord) *http.Client {
	t.Helper()
	secret, _, err := w.svc.Accounts.Open(context.Background(), u, "", entitle.SessionMeta{Address: "192.0.2.1", UserAgent: "matrix"})
	if err != nil {
		t.Fatal(err)
	}
	c := *w.srv.Client()
	c.Jar = sessionJar{secret}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

func (w *mworld) fetch(t *testing.T, c *http.Client, path string) (int, string) {
	t.Helper()
	res := w.doAs(t, request{method: http.MethodGet, path: path, client: c})
	return res.status, string(res.body)
}

// userOf returns the subject company's administrator or member.
func (w *mworld) userOf(company string, admin bool) *subject {
	if admin {
		return w.byCompany[company][0]
	}
	return w.byCompany[company][1]
}

// seed adds what the world holds beyond orders and delegations, through
// the services as their users: a renewal request of the owner to its
// reseller, quoted, and another one won (closed); a transfer offer,
// declined; invitations, two revoked and two pending; an announcement that
// is over.
func (w *mworld) seed(t *testing.T, ctx context.Context) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	lc := w.svc.Lifecycle
	own, ownMember := w.userOf("OWN", true), w.userOf("OWN", false)

	rr, err := lc.RequestRenewal(ctx, ownMember.actor, "SUB-A1", lifecycle.RenewalAsk{Message: "Please quote for next year."})
	must(err)
	note := "Quote Q-1 is on its way."
	_, err = lc.UpdateRenewalRequest(ctx, w.userOf("RES", true).actor, rr.ID, entitle.RenewalQuoted, &note)
	must(err)
	w.renewals = append(w.renewals, entitle.RenewalRequest{ID: rr.ID, SubscriptionID: "SUB-A1", Requester: "OWN", Recipient: "RES",
		Route: entitle.RoutePartnerOfRecord, Status: entitle.RenewalQuoted, Message: "Please quote for next year.", Note: note})
	rr, err = lc.RequestRenewal(ctx, own.actor, "SUB-D1", lifecycle.RenewalAsk{})
	must(err)
	_, err = lc.UpdateRenewalRequest(ctx, w.userOf("RESINS", false).actor, rr.ID, entitle.RenewalWon, nil)
	must(err)
	w.renewals = append(w.renewals, entitle.RenewalRequest{ID: rr.ID, SubscriptionID: "SUB-D1", Requester: "OWN", Recipient: "RESINS",
		Route: entitle.RoutePartnerOfRecord, Status: entitle.RenewalWon})

	tr, err := lc.OfferTransfer(ctx, w.userOf("OWNINS", true).actor, "SUB-C2", lifecycle.TransferOffer{To: "OWN", Message: "Yours, if you want it."})
	must(err)
	_, err = lc.DecideTransfer(ctx, own.actor, tr.ID, policy.TransferDecline)
	must(err)
	w.transfer = entitle.Transfer{ID: tr.ID, SubscriptionID: "SUB-C2", From: "OWNINS", To: "OWN", Message: "Yours, if you want it.",
		Status: entitle.TransferDeclined}

	w.seedAccessRequests(t, ctx)

	cw := w.svc.Coworkers
	for _, by := range []*subject{own, ownMember} {
		inv, err := cw.Invite(ctx, by.actor, "revoked-by-"+strings.ToLower(strings.Split(by.name, "/")[1])+"@own.example", false)
		must(err)
		inv, err = cw.Revoke(ctx, by.actor, inv.ID)
		must(err)
		w.revokedInvs = append(w.revokedInvs, inv)
		inv, err = cw.Invite(ctx, by.actor, "pending-by-"+strings.ToLower(strings.Split(by.name, "/")[1])+"@own.example", false)
		must(err)
		w.pendingInvs = append(w.pendingInvs, inv)
	}

	vendor := w.userOf("VENDOR", true)
	ann, err := w.svc.Channel.Post(ctx, vendor.actor, "/vendor/announcements", channel.Draft{Title: "Webinar", Text: "Renewals made easy.",
		Ends: entitle.DateOf(w.now).AddDays(7).String()})
	must(err)
	_, err = w.svc.Channel.End(ctx, vendor.actor, "/vendor/announcements", ann.ID)
	must(err)
	w.ended = ann.ID
}

// The facts of the world, as the subjects' expectations are computed from
// them.

func (w *mworld) subs() []string {
	var out []string
	for _, o := range w.orders {
		for _, l := range o.Lines {
			out = append(out, l.SubscriptionID)
		}
	}
	return out
}

func (w *mworld) orderOf(sub string) (entitle.Order, bool) {
	for _, o := range w.orders {
		for _, l := range o.Lines {
			if l.SubscriptionID == sub {
				return o, true
			}
		}
	}
	return entitle.Order{}, false
}

func (w *mworld) owns(company string) bool {
	return slices.ContainsFunc(w.orders, func(o entitle.Order) bool { return o.Owner == company })
}

// bases are the bases company holds on entitlement sub of order o, asked
// way: its roles on the order; a delegation in force from the order's
// owner that covers sub (not for a lookup by PO number, which rests on the
// PO alone); the vendor.
func (w *mworld) bases(company string, way policy.Way, o entitle.Order, sub string) []entitle.Basis {
	var bs []entitle.Basis
	for _, a := range o.Assignments() {
		if a.Company == company {
			bs = append(bs, entitle.Basis(a.Role))
		}
	}
	if way == policy.List || way == policy.Get {
		for _, d := range w.dels {
			if d.Delegate == company && d.Owner == o.Owner && d.ActiveAt(w.now) && d.Covers(sub) {
				bs = append(bs, entitle.BasisDelegate)
			}
		}
	}
	if company == w.vendor {
		bs = append(bs, entitle.BasisVendor)
	}
	slices.Sort(bs)
	return slices.Compact(bs)
}

// tableDecision is what the rules table gives a company holding bases bs,
// asked way: each basis's cell; a denied cell adds nothing; the union of
// the views of the others; no allowing basis → denied (R7). Two views do
// not come from the basis that allows the lookup: owner & location are the
// owner company's own (R4), and so is the partner of record in an
// entitlement answer; so the owner basis — whose cells for a lookup by PO
// number are denied, the PO being the purchasing entity's (R3) — adds the
// owner view its own cells carry, and the partner view to entitlements, to
// whatever another basis allows (a direct purchase: the owner placed the
// PO itself). The basis of the answer (R8) lists every basis held.
func (w *mworld) tableDecision(bs []entitle.Basis, way policy.Way) policy.Decision {
	var d policy.Decision
	for _, b := range bs {
		if c := w.cells[b][way]; c.Allowed {
			d.Allowed, d.Visible = true, true
			d.Views |= c.Views
		}
	}
	if !d.Allowed {
		return policy.Decision{}
	}
	if slices.Contains(bs, entitle.BasisOwner) {
		carried := policy.ViewOwner
		if way != policy.OrderDetails {
			carried |= policy.ViewPartner
		}
		d.Views |= w.cells[entitle.BasisOwner][policy.Get].Views & carried
	}
	d.Basis = bs
	return d
}

// entitlement is company's decision on sub asked way (List or Get), from
// the table; a subscription that does not exist is denied.
func (w *mworld) entitlement(company string, way policy.Way, sub string) policy.Decision {
	o, ok := w.orderOf(sub)
	if !ok {
		return policy.Decision{}
	}
	return w.tableDecision(w.bases(company, way, o, sub), way)
}

// order is company's decision on order o asked way (LookupByPO or
// OrderDetails), from the table.
func (w *mworld) order(company string, way policy.Way, o entitle.Order) policy.Decision {
	return w.tableDecision(w.bases(company, way, o, ""), way)
}

// poQuery is one way a subject names an order: its PO number alone
// (looked up among the subject's own POs), or with the purchasing entity.
type poQuery struct {
	po, pe string
	order  entitle.Order
	exists bool
}

func (q poQuery) query() string {
	if q.pe == "" {
		return ""
	}
	return "?purchasing_entity=" + q.pe
}

// poQueries are the ways s names a missing order, then each order.
func (w *mworld) poQueries(s *subject) []poQuery {
	out := []poQuery{{po: missingPO}, {po: missingPO, pe: "PE"}}
	seen := map[string]bool{}
	for _, o := range w.orders {
		out = append(out, poQuery{po: o.PONumber, pe: o.PurchasingEntity, order: o, exists: true})
		if seen[o.PONumber] {
			continue
		}
		seen[o.PONumber] = true
		q := poQuery{po: o.PONumber}
		for _, mine := range w.orders {
			if mine.PONumber == o.PONumber && mine.PurchasingEntity == s.company() {
				q.order, q.exists = mine, true
			}
		}
		out = append(out, q)
	}
	return out
}

// poDecision is s's decision on the order q names, asked way.
func (w *mworld) poDecision(s *subject, way policy.Way, q poQuery) policy.Decision {
	if !q.exists {
		return policy.Decision{}
	}
	return w.order(s.company(), way, q.order)
}

// Keys of the answers, from the views (table_test.go's field maps).

// entitlementKeys are the keys of the entitlement object of o's
// entitlement for a decision: the fields of its views, sold_via only when
// the order has a partner of record.
func entitlementKeys(d policy.Decision, o entitle.Order) map[string]bool {
	want := fieldsOf(d.Views, viewFields)
	if o.PartnerOfRecord() == "" {
		delete(want, "sold_via")
	}
	if o.InstallationSite == nil {
		delete(want, "installation_site")
	}
	return want
}

func keySet(keys ...string) map[string]bool {
	out := map[string]bool{}
	for _, k := range keys {
		out[k] = true
	}
	return out
}

func sortedKeys(m map[string]bool) []string { return slices.Sorted(maps.Keys(m)) }

// topKeys is the set of keys of a JSON object.
func topKeys(m map[string]any) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}

// basisOf reads an answer's "access" list.
func basisOf(v any) []entitle.Basis {
	var out []entitle.Basis
	xs, _ := v.([]any)
	for _, x := range xs {
		s, _ := x.(string)
		out = append(out, entitle.Basis(s))
	}
	return out
}

// mx is one run of the matrix over a world: it counts the assertions
// made, and keeps the answers about missing objects the 404s are compared
// with.
type mx struct {
	*mworld
	n       atomic.Int64
	mu      sync.Mutex
	missing map[string]response
}

// check counts one assertion and reports it when it fails.
func (m *mx) check(t *testing.T, ok bool, format string, args ...any) bool {
	t.Helper()
	m.n.Add(1)
	if !ok {
		t.Errorf(format, args...)
	}
	return ok
}

// api asks the API as s.
func (m *mx) api(t *testing.T, s *subject, method, path string, body any) response {
	t.Helper()
	return m.doAs(t, request{method: method, path: path, token: s.token, body: body})
}

// apiSession asks the API as s with its session, not its token: the routes
// that change how an account signs in take no token (session_required).
func (m *mx) apiSession(t *testing.T, s *subject, method, path string, body any) response {
	t.Helper()
	return m.doAs(t, request{method: method, path: path, client: s.client, body: body})
}

// page asks the portal as s; a POST carries the form with the session's
// CSRF token.
func (m *mx) page(t *testing.T, s *subject, method, path string, form url.Values) response {
	t.Helper()
	r := request{method: method, path: path, client: s.client}
	if method == http.MethodPost {
		f := url.Values{"csrf": {s.csrf}}
		for k, v := range form {
			f[k] = v
		}
		r.body, r.header = f.Encode(), map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	}
	return m.doAs(t, r)
}

// wantStatus is the status of an answer to a decision: ok when it allows,
// refused when it refuses an object the subject may know of, 404 for one it
// may not (R7).
func wantStatus(d policy.Decision, ok, refused int) int {
	switch {
	case d.Allowed:
		return ok
	case d.Visible:
		return refused
	}
	return http.StatusNotFound
}

// answers asserts that res answers decision d (wantStatus); a 404 must
// also be the 404 of the missing object: again asks the same of another
// identifier, and id is the identifier res was asked for. It reports
// whether res is the success, whose body the caller checks.
func (m *mx) answers(t *testing.T, s *subject, what string, res response, d policy.Decision, ok, refused int,
	id, missing string, again func(id string) response) bool {
	t.Helper()
	return m.answersWith(t, s, what, res, wantStatus(d, ok, refused), reasons(d), id, missing, again) && d.Allowed
}

// answersWith is answers for a status the caller worked out (why says
// from what).
func (m *mx) answersWith(t *testing.T, s *subject, what string, res response, want int, why string,
	id, missing string, again func(id string) response) bool {
	t.Helper()
	if !m.check(t, res.status == want, "%s: %s: %d, want %d (%s)\n%s", s.name, what, res.status, want, why, clip(res.body)) {
		return false
	}
	switch {
	case want != http.StatusNotFound:
	case id == missing:
		m.remember(t, s, what, res) // the missing object's own 404, for the hidden ones' after it
	default:
		m.likeMissing(t, s, what, res, id, missing, again)
	}
	return true
}

func reasons(d policy.Decision) string {
	if len(d.Reasons) == 0 {
		if d.Allowed {
			return "allowed"
		}
		return "denied"
	}
	return strings.Join(d.Reasons, "; ")
}

// likeMissing asserts that res, a 404 about object id, is byte for byte
// the 404 about the missing object (asked by again), but for the
// identifier; and that the two carry the same headers.
func (m *mx) likeMissing(t *testing.T, s *subject, what string, res response, id, missing string, again func(id string) response) {
	t.Helper()
	key := missingKey(t, s, strings.Replace(what, id, missing, 1))
	m.mu.Lock()
	miss, ok := m.missing[key]
	m.mu.Unlock()
	if !ok {
		miss = again(missing)
		m.remember(t, s, strings.Replace(what, id, missing, 1), miss)
	}
	same := miss.status == res.status && sameBut(res.body, miss.body, id, missing)
	for _, h := range []string{"Content-Type", "Cache-Control", "Www-Authenticate", "Location"} {
		same = same && res.header.Get(h) == miss.header.Get(h)
	}
	m.check(t, same, "%s: %s: the 404 differs from the one for %s beyond the identifier:\n%s\n%s", s.name, what, missing, clip(res.body), clip(miss.body))
}

// remember keeps res, s's answer about a missing object (what says
// which), for likeMissing: the checkers ask about the missing object
// first.
func (m *mx) remember(t *testing.T, s *subject, what string, res response) {
	m.mu.Lock()
	m.missing[missingKey(t, s, what)] = res
	m.mu.Unlock()
}

func missingKey(t *testing.T, s *subject, what string) string {
	return t.Name() + "\x00" + s.name + "\x00" + what
}

// sameBut reports whether a, an answer about idA, equals b, the same
// answer about idB, but for the identifier: where they differ, a says idA
// and b says idB.
func sameBut(a, b []byte, idA, idB string) bool {
	if bytes.Equal(a, b) {
		return true
	}
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		p++
	}
	s := 0
	for s < len(a)-p && s < len(b)-p && a[len(a)-1-s] == b[len(b)-1-s] {
		s++
	}
	// Widen the difference to whole identifiers.
	idChar := func(c byte) bool {
		return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
	}
	for p > 0 && idChar(a[p-1]) {
		p--
	}
	ea, eb := len(a)-s, len(b)-s
	for ea < len(a) && idChar(a[ea]) {
		ea, eb = ea+1, eb+1
	}
	return bytes.Equal(bytes.ReplaceAll(a[p:ea], []byte(idA), []byte(idB)), b[p:eb])
}

func clip(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "…"
	}
	return string(b)
}

// snapshot reads the world's state as each company's administrator sees
// it (a member sees less of the same), to compare before and after the
// matrix.
func (m *mx) snapshot(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, s := range m.subjects {
		paths := []string{"/api/v1/invitations", "/api/v1/me/tokens"}
		if s.user.Admin {
			paths = append(paths, "/api/v1/entitlements", "/api/v1/delegations", "/api/v1/renewal-requests", "/api/v1/renewal-requests?box=sent",
				"/api/v1/transfers", "/api/v1/transfers?box=sent", "/api/v1/users", "/api/v1/company",
				"/api/v1/access-requests", "/api/v1/access-requests?box=sent")
		}
		for _, p := range paths {
			res := m.api(t, s, http.MethodGet, p, nil)
			out[s.name+" "+p] = fmt.Sprintf("%d %s", res.status, res.body)
		}
	}
	res := m.page(t, m.userOf("VENDOR", true), http.MethodGet, "/vendor/announcements", nil)
	out["the vendor's announcements"] = fmt.Sprintf("%d %s", res.status, res.body)
	return out
}

// TestMatrixCoversEveryRoute: every route of routes.go has its checker in
// the matrix, and every checker a route.
func TestMatrixCoversEveryRoute(t *testing.T) {
	routes := newServer(t, testNow).web.Routes()
	if len(routes) < 60 {
		t.Fatalf("the server registers only %d routes: %v", len(routes), routes)
	}
	checks := matrixChecks()
	for _, r := range routes {
		if _, ok := checks[r]; !ok {
			t.Errorf("route %s is not covered by the authorization matrix (matrixChecks, matrix_routes_test.go)", r)
		}
	}
	for r := range checks {
		if !slices.Contains(routes, r) {
			t.Errorf("the authorization matrix checks route %s, which routes.go does not register", r)
		}
	}
}

// matrixConcurrency is how many subjects ask a route at once.
const matrixConcurrency = 4

// TestAuthorizationMatrix runs every checker for every subject.
func TestAuthorizationMatrix(t *testing.T) {
	started := time.Now()
	w := newMatrixWorld(t)
	m := &mx{mworld: w, missing: map[string]response{}}
	m.agreesWithDecide(t)
	before := m.snapshot(t)
	checks := matrixChecks()
	for _, r := range w.web.Routes() {
		check, ok := checks[r]
		if !ok {
			continue // TestMatrixCoversEveryRoute names it
		}
		t.Run(r, func(t *testing.T) {
			// The subjects ask at once, a few at a time: concurrent
			// requests share the audit trail's commits.
			var wg sync.WaitGroup
			sem := make(chan struct{}, matrixConcurrency)
			for _, s := range w.subjects {
				wg.Add(1)
				sem <- struct{}{}
				go func() {
					defer wg.Done()
					defer func() { <-sem }()
					t.Run(s.name, func(t *testing.T) { check(t, m, s) })
				}()
			}
			wg.Wait()
		})
	}
	after := m.snapshot(t)
	for _, k := range slices.Sorted(maps.Keys(before)) {
		m.check(t, before[k] == after[k], "the matrix changed the world: %s was\n%s\nand is\n%s", k, clip([]byte(before[k])), clip([]byte(after[k])))
	}
	n := m.n.Load()
	t.Logf("authorization matrix: %d subjects, %d routes, %d assertions over HTTP in %v", len(w.subjects), len(checks), n, time.Since(started).Round(time.Millisecond))
	if n < 3000 {
		t.Errorf("the matrix made %d assertions, want at least 3000", n)
	}
}

// agreesWithDecide holds the table's union (tableDecision) to the policy's
// own Decide on the world's facts, for every company, object and way: the
// expectations of the matrix are the policy's, or the matrix is wrong.
func (m *mx) agreesWithDecide(t *testing.T) {
	t.Helper()
	for _, c := range matrixCompanies {
		a := entitle.Actor{Company: c.key, Vendor: c.key == m.vendor}
		for _, o := range m.orders {
			f := entitle.Facts{Owner: o.Owner, PurchasingEntity: o.PurchasingEntity, Roles: o.Assignments()}
			for _, d := range m.dels {
				if d.Owner == o.Owner && d.Delegate == c.key {
					f.Delegations = append(f.Delegations, d)
				}
			}
			for _, way := range policy.Ways {
				for _, l := range o.Lines {
					f.SubscriptionID = l.SubscriptionID
					var want policy.Decision
					switch way {
					case policy.List, policy.Get:
						want = m.entitlement(c.key, way, l.SubscriptionID)
					case policy.LookupByPO:
						want = m.order(c.key, way, o)
					case policy.OrderDetails:
						f.SubscriptionID = ""
						want = m.order(c.key, way, o)
					}
					got := policy.Decide(a, way, f, m.now)
					if got.Allowed != want.Allowed || got.Views != want.Views || !slices.Equal(got.Basis, want.Basis) {
						t.Errorf("%s %s %s: the table gives %v %s %v, Decide %v %s %v", c.key, way, l.SubscriptionID,
							want.Allowed, want.Views, want.Basis, got.Allowed, got.Views, got.Basis)
					}
				}
			}
		}
	}
}
