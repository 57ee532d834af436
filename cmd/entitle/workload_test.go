package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/auth"
	"github.com/entitle-portal/entitle/internal/loadtest"
	"github.com/entitle-portal/entitle/internal/store"
)

// The workload of the crash, race and load tests (crash_test.go,
// revocation_test.go, load_test.go): a channel of n customers, and clients
// each acting alone for one customer and the company it delegates to, so
// that each client knows exactly what every answer must be — and, after a
// crash, what the database must hold.

// party is one customer of the test channel: the owner of three
// entitlements (bought through the distributor NORTH), and a company of its
// own to delegate to. Each has an administrator with an API token.
type party struct {
	owner, delegate           string   // company keys: C000, D000, …
	subs                      []string // the owner's subscriptions: S-000-1, S-000-2, S-000-3
	ownerToken, delegateToken string
}

// newChannel imports the test channel of n customers into db (with the
// vendor MAKER and the distributor NORTH) and gives every company's
// administrator an API token.
func newChannel(t *testing.T, db string, n int) []party {
	t.Helper()
	var b strings.Builder
	b.WriteString(`{"type":"company","key":"MAKER","name":"Maker Software","kind":"vendor"}` + "\n")
	b.WriteString(`{"type":"company","key":"NORTH","name":"North Distribution","kind":"distributor"}` + "\n")
	b.WriteString(`{"type":"msa","number":"M-1","company":"NORTH","start":"2024-01-01","end":"2030-12-31"}` + "\n")
	parties := make([]party, n)
	for i := range parties {
		p := party{owner: fmt.Sprintf("C%03d", i), delegate: fmt.Sprintf("D%03d", i)}
		fmt.Fprintf(&b, `{"type":"company","key":%q,"name":"Customer %03d","kind":"customer"}`+"\n", p.owner, i)
		fmt.Fprintf(&b, `{"type":"company","key":%q,"name":"Delegate %03d","kind":"customer"}`+"\n", p.delegate, i)
		var lines []string
		for l := 1; l <= 3; l++ {
			sub := fmt.Sprintf("S-%03d-%d", i, l)
			p.subs = append(p.subs, sub)
			lines = append(lines, fmt.Sprintf(`{"line":%d,"sku":"SKU-%d","quantity":%d,"unit_price":"10.00","subscription_id":%q,"start_date":"2026-01-01","end_date":"2030-12-31"}`, l, l, l, sub))
		}
		fmt.Fprintf(&b, `{"type":"order","po_number":"P-%03d","msa":"M-1","order_date":"2026-01-15","currency":"EUR","purchasing_entity":"NORTH","owner":%q,"lines":[%s]}`+"\n",
			i, p.owner, strings.Join(lines, ","))
		parties[i] = p
	}
	if r := cli(t, db, "", "import", writeFile(t, "channel.jsonl", b.String())); r.code != 0 {
		t.Fatalf("import the channel: %d %s", r.code, r.stderr)
	}

	// Users and tokens straight into the store: one password hash for all
	// (argon2id takes a while, and signing in is not what these tests test).
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	hash, err := auth.HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	admin := func(company string) string { return "admin@" + strings.ToLower(company) + ".example" }
	var users []entitle.UserRecord
	for _, p := range parties {
		for _, c := range []string{p.owner, p.delegate} {
			users = append(users, entitle.UserRecord{User: entitle.User{Email: admin(c), Name: "Admin of " + c, Company: c, Admin: true}, PasswordHash: hash})
		}
	}
	now := time.Now()
	if err := st.AddUsers(ctx, users, now); err != nil {
		t.Fatal(err)
	}
	token := func(company string) string {
		u, err := st.UserByEmail(ctx, admin(company))
		if err != nil {
			t.Fatal(err)
		}
		tok, h, err := auth.NewToken()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.AddToken(ctx, u.ID, "test", h, entitle.AllScopes, now, time.Time{}, entitle.AuditEvent{}); err != nil {
			t.Fatal(err)
		}
		return tok
	}
	for i := range parties {
		parties[i].ownerToken, parties[i].delegateToken = token(parties[i].owner), token(parties[i].delegate)
	}
	return parties
}

// newHTTPClient is a client for conns concurrent requests to one server
// over keep-alive connections, with a generous bound on each request: an
// answer that takes longer counts as a hang.
func newHTTPClient(conns int) *http.Client {
	return &http.Client{Transport: loadtest.NewTransport(conns), Timeout: 60 * time.Second}
}

// apiClient is one user of the API, by API token. Unlike call, it reports
// transport errors (a dead server) instead of failing the test, and may be
// used from any goroutine.
type apiClient struct {
	hc    *http.Client
	token string
}

func (c apiClient) do(ctx context.Context, method, url string, body any) (int, []byte, error) {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	return res.StatusCode, data, err // a cut answer is no answer
}

// auditKey counts audit events: of a company, by action.
type auditKey struct{ company, action string }

// renewal is a renewal request as its requester knows it.
type renewal struct{ sub, status string }

// tenant is one client of the workload. It acts alone for its party and
// keeps what the server acknowledged: the model of its part of the
// database.
type tenant struct {
	party
	other    string // a subscription of another customer, never visible to this one
	owner    apiClient
	delegate apiClient
	rng      *rand.Rand
	writes   float64 // the share of writes among the requests

	// What the server acknowledged (a 2xx answer).
	grants   map[string][]string // delegation id → its subscriptions (revoked ones too)
	revoked  map[string]bool     // delegation id → revoked
	invites  map[int64]string    // open invitation id → address
	sent     int                 // invitations sent: for fresh addresses
	renewals map[int64]renewal   // every renewal request it made
	phone    string              // the company's contact phone
	audited  map[auditKey]int    // answers that are audited

	// inflight is the request whose answer never came (the server died);
	// committedInflight counts those found committed after a restart.
	inflight          *request
	committedInflight int
	// wrong describes the first wrong answer, after which the tenant stops:
	// its model can no longer be trusted.
	wrong string

	requests, ackedWrites, status5xx int
	latencies                        []time.Duration
}

func newTenant(p party, other string, hc *http.Client, seed uint64, writes float64) *tenant {
	return &tenant{party: p, other: other, owner: apiClient{hc, p.ownerToken}, delegate: apiClient{hc, p.delegateToken},
		rng: rand.New(rand.NewPCG(seed, 0x5eed)), writes: writes,
		grants: map[string][]string{}, revoked: map[string]bool{}, invites: map[int64]string{}, renewals: map[int64]renewal{}, audited: map[auditKey]int{}}
}

// newTenants makes a tenant for each party; writes is the share of writes.
func newTenants(parties []party, hc *http.Client, writes float64) []*tenant {
	ts := make([]*tenant, len(parties))
	for i, p := range parties {
		other := "S-999-1" // no such subscription
		if len(parties) > 1 {
			other = parties[(i+1)%len(parties)].subs[i%3]
		}
		ts[i] = newTenant(p, other, hc, uint64(i+1), writes)
	}
	return ts
}

// request is one request of a tenant, and how to check its answer.
type request struct {
	op           string // for messages, e.g. "grant"
	as           apiClient
	method, path string
	body         any
	write        bool
	audit        auditKey // the audit event of the answer (no action: none that the tenant counts)
	// check checks the answer against the model and records what the
	// server acknowledged; an error is a wrong answer.
	check func(status int, body []byte) error

	// What a write would change, for the check after a crash.
	kind  string   // grant, revoke, invite, uninvite, renew, withdraw, profile
	grant []string // a grant's subscriptions
	id    string   // a revoke's delegation, an invitation withdrawn, a renewal request withdrawn
	email string   // an invitation's address
	sub   string   // a renewal request's subscription
	phone string   // a profile change
}

// is says whether r is a write of that kind (r may be nil).
func (r *request) is(kind string) bool { return r != nil && r.kind == kind }

func (tn *tenant) active() []string {
	var ids []string
	for id := range tn.grants {
		if !tn.revoked[id] {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// delegated is the set of subscriptions delegated now, sorted.
func (tn *tenant) delegated() []string {
	var subs []string
	for _, id := range tn.active() {
		subs = append(subs, tn.grants[id]...)
	}
	slices.Sort(subs)
	return slices.Compact(subs)
}

// next draws the tenant's next request.
func (tn *tenant) next() *request {
	if tn.rng.Float64() < tn.writes {
		return tn.nextWrite()
	}
	return tn.nextRead()
}

func (tn *tenant) nextWrite() *request {
	switch tn.rng.IntN(4) {
	case 0:
		if ids := tn.active(); len(ids) >= 2 {
			return tn.revokeReq(ids[tn.rng.IntN(len(ids))])
		}
		return tn.grantReq()
	case 1:
		if len(tn.invites) >= 20 {
			ids := make([]int64, 0, len(tn.invites))
			for id := range tn.invites {
				ids = append(ids, id)
			}
			slices.Sort(ids)
			return tn.withdrawInvitationReq(ids[0])
		}
		return tn.inviteReq()
	case 2:
		sub := tn.subs[tn.rng.IntN(len(tn.subs))]
		for id, r := range tn.renewals {
			if r.sub == sub && r.status == entitle.RenewalOpen {
				return tn.withdrawRenewalReq(id, sub)
			}
		}
		if len(tn.renewals) >= 400 { // the sent box is read in one page of 500
			return tn.nextRead()
		}
		return tn.renewReq(sub)
	default:
		return tn.profileReq()
	}
}

func (tn *tenant) nextRead() *request {
	sub := tn.subs[tn.rng.IntN(len(tn.subs))]
	switch tn.rng.IntN(9) {
	case 0:
		return tn.listReq(true)
	case 1:
		return tn.getReq(true, sub)
	case 2:
		return tn.getReq(true, tn.other)
	case 3:
		return tn.listReq(false)
	case 4:
		return tn.getReq(false, sub)
	case 5:
		return tn.delegationsReq()
	case 6:
		return tn.invitationsReq()
	case 7:
		return tn.renewalsReq()
	default:
		return tn.companyReq()
	}
}

// wrongf describes a wrong answer.
func wrongf(status int, body []byte, format string, args ...any) error {
	if len(body) > 400 {
		body = append(body[:400:400], "…"...)
	}
	return fmt.Errorf("%s (answer %d %s)", fmt.Sprintf(format, args...), status, body)
}

// expect checks the status and decodes the body into v (when not nil).
func expect(status int, body []byte, want int, v any) error {
	if status != want {
		return wrongf(status, body, "status %d, want %d", status, want)
	}
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			return wrongf(status, body, "undecodable answer: %v", err)
		}
	}
	return nil
}

type entitlementJSON struct {
	SubscriptionID string   `json:"subscription_id"`
	Access         []string `json:"access"`
	Owner          *struct {
		Key string `json:"key"`
	} `json:"owner"`
}

// listReq: GET /api/v1/entitlements as the owner (exactly its three, as
// owner) or the delegate (exactly what is delegated now, as delegate).
func (tn *tenant) listReq(owner bool) *request {
	r := &request{op: "list as delegate", as: tn.delegate, method: "GET", path: "/api/v1/entitlements?limit=500", audit: auditKey{tn.party.delegate, "entitlement.list"}}
	want, basis := tn.delegated(), "delegate"
	if owner {
		r.op, r.as, r.audit = "list as owner", tn.owner, auditKey{tn.party.owner, "entitlement.list"}
		want, basis = tn.subs, "owner"
	}
	r.check = func(status int, body []byte) error {
		var page struct {
			Items []entitlementJSON `json:"items"`
			Next  string            `json:"next_cursor"`
		}
		if err := expect(status, body, 200, &page); err != nil {
			return err
		}
		got := []string{}
		for _, it := range page.Items {
			got = append(got, it.SubscriptionID)
			if strings.Join(it.Access, ",") != basis {
				return wrongf(status, body, "%s is listed with access %v, want [%s]", it.SubscriptionID, it.Access, basis)
			}
		}
		if want == nil {
			want = []string{}
		}
		if !slices.Equal(got, want) || page.Next != "" {
			return wrongf(status, body, "the list holds %v, want exactly %v", got, want)
		}
		return nil
	}
	return r
}

// getReq: GET /api/v1/entitlements/{sub} as the owner or the delegate:
// 200 when it may see it, else 404 not_found.
func (tn *tenant) getReq(owner bool, sub string) *request {
	r := &request{op: "get as delegate", as: tn.delegate, method: "GET", path: "/api/v1/entitlements/" + sub, audit: auditKey{tn.party.delegate, "entitlement.get"}}
	visible := slices.Contains(tn.delegated(), sub)
	if owner {
		r.op, r.as, r.audit = "get as owner", tn.owner, auditKey{tn.party.owner, "entitlement.get"}
		visible = slices.Contains(tn.subs, sub)
	}
	r.op += " " + sub
	r.check = func(status int, body []byte) error {
		if !visible {
			var e struct {
				Error struct{ Code string } `json:"error"`
			}
			if err := expect(status, body, 404, &e); err != nil {
				return err
			}
			if e.Error.Code != "not_found" {
				return wrongf(status, body, "error code %q, want not_found", e.Error.Code)
			}
			return nil
		}
		var e entitlementJSON
		if err := expect(status, body, 200, &e); err != nil {
			return err
		}
		if e.SubscriptionID != sub || (owner && (e.Owner == nil || e.Owner.Key != tn.party.owner)) {
			return wrongf(status, body, "not %s of %s", sub, tn.party.owner)
		}
		return nil
	}
	return r
}

type delegationJSON struct {
	ID              string   `json:"id"`
	Status          string   `json:"status"`
	SubscriptionIDs []string `json:"subscription_ids"`
	Delegate        struct {
		Key string `json:"key"`
	} `json:"delegate"`
}

func (tn *tenant) grantReq() *request {
	subs := slices.Clone(tn.subs)
	tn.rng.Shuffle(len(subs), func(i, j int) { subs[i], subs[j] = subs[j], subs[i] })
	subs = subs[:1+tn.rng.IntN(len(subs))]
	slices.Sort(subs)
	r := &request{op: "grant", as: tn.owner, method: "POST", path: "/api/v1/delegations", write: true, kind: "grant", grant: subs,
		body:  map[string]any{"delegate": tn.party.delegate, "subscription_ids": subs},
		audit: auditKey{tn.party.owner, "delegation.grant"}}
	r.check = func(status int, body []byte) error {
		var d delegationJSON
		if err := expect(status, body, 201, &d); err != nil {
			return err
		}
		if d.ID == "" || d.Status != "active" || !slices.Equal(d.SubscriptionIDs, subs) || d.Delegate.Key != tn.party.delegate {
			return wrongf(status, body, "not an active delegation of %v to %s", subs, tn.party.delegate)
		}
		if _, dup := tn.grants[d.ID]; dup {
			return wrongf(status, body, "delegation id %s again", d.ID)
		}
		tn.grants[d.ID] = subs
		return nil
	}
	return r
}

func (tn *tenant) revokeReq(id string) *request {
	r := &request{op: "revoke " + id, as: tn.owner, method: "DELETE", path: "/api/v1/delegations/" + id, write: true, kind: "revoke", id: id,
		audit: auditKey{tn.party.owner, "delegation.revoke"}}
	r.check = func(status int, body []byte) error {
		if err := expect(status, body, 204, nil); err != nil {
			return err
		}
		tn.revoked[id] = true
		return nil
	}
	return r
}

// delegationsReq: GET /api/v1/delegations: what the owner granted, each in
// the state it was acknowledged in.
func (tn *tenant) delegationsReq() *request {
	r := &request{op: "list delegations", as: tn.owner, method: "GET", path: "/api/v1/delegations", audit: auditKey{tn.party.owner, "delegation.list"}}
	r.check = func(status int, body []byte) error {
		var ds struct {
			Granted []delegationJSON `json:"granted"`
		}
		if err := expect(status, body, 200, &ds); err != nil {
			return err
		}
		if problems := tn.compareDelegations(ds.Granted, nil); len(problems) > 0 {
			return wrongf(status, body, "%s", strings.Join(problems, "; "))
		}
		return nil
	}
	return r
}

// compareDelegations compares the delegations the server lists with the
// model. inflight, when not nil, is the request that may or may not have
// been applied (a crash): a grant of its subscriptions may be there too,
// and its revoke may have happened; such a grant is taken into the model.
func (tn *tenant) compareDelegations(got []delegationJSON, inflight *request) []string {
	var problems []string
	seen := map[string]bool{}
	for _, d := range got {
		seen[d.ID] = true
		subs, known := tn.grants[d.ID]
		switch {
		case !known && inflight.is("grant") && slices.Equal(d.SubscriptionIDs, inflight.grant) && d.Status == "active":
			tn.grants[d.ID] = d.SubscriptionIDs // the grant in flight was committed
			tn.committedInflight++
			inflight = nil
		case !known:
			problems = append(problems, fmt.Sprintf("delegation %s (%s, %v) was never acknowledged", d.ID, d.Status, d.SubscriptionIDs))
		case !slices.Equal(d.SubscriptionIDs, subs):
			problems = append(problems, fmt.Sprintf("delegation %s covers %v, acknowledged with %v", d.ID, d.SubscriptionIDs, subs))
		case tn.revoked[d.ID] && d.Status != "revoked":
			problems = append(problems, fmt.Sprintf("LOST: the revoke of delegation %s was acknowledged, yet it is %s", d.ID, d.Status))
		case !tn.revoked[d.ID] && d.Status == "revoked" && inflight.is("revoke") && inflight.id == d.ID:
			tn.revoked[d.ID] = true // the revoke in flight was committed
			tn.committedInflight++
		case !tn.revoked[d.ID] && d.Status != "active":
			problems = append(problems, fmt.Sprintf("delegation %s is %s, acknowledged active", d.ID, d.Status))
		}
	}
	for id := range tn.grants {
		if !seen[id] {
			problems = append(problems, fmt.Sprintf("LOST: delegation %s of %v to %s was acknowledged (201) and is missing", id, tn.grants[id], tn.party.delegate))
		}
	}
	slices.Sort(problems)
	return problems
}

type invitationView struct {
	ID     int64  `json:"id"`
	Email  string `json:"email"`
	Status string `json:"status"`
}

func (tn *tenant) inviteReq() *request {
	tn.sent++
	email := fmt.Sprintf("new%d@%s.example", tn.sent, strings.ToLower(tn.party.owner))
	r := &request{op: "invite " + email, as: tn.owner, method: "POST", path: "/api/v1/invitations", write: true, kind: "invite", email: email,
		body: map[string]any{"email": email}, audit: auditKey{tn.party.owner, "invitation.create"}}
	r.check = func(status int, body []byte) error {
		var a struct {
			Invitation invitationView `json:"invitation"`
		}
		if err := expect(status, body, 201, &a); err != nil {
			return err
		}
		if a.Invitation.ID == 0 || a.Invitation.Email != email || a.Invitation.Status != "pending" {
			return wrongf(status, body, "not a pending invitation of %s", email)
		}
		tn.invites[a.Invitation.ID] = email
		return nil
	}
	return r
}

func (tn *tenant) withdrawInvitationReq(id int64) *request {
	r := &request{op: fmt.Sprintf("withdraw invitation %d", id), as: tn.owner, method: "DELETE", path: fmt.Sprintf("/api/v1/invitations/%d", id),
		write: true, kind: "uninvite", id: fmt.Sprint(id), audit: auditKey{tn.party.owner, "invitation.revoke"}}
	r.check = func(status int, body []byte) error {
		var inv invitationView
		if err := expect(status, body, 200, &inv); err != nil {
			return err
		}
		if inv.ID != id || inv.Status != "revoked" {
			return wrongf(status, body, "invitation %d is not revoked", id)
		}
		delete(tn.invites, id)
		return nil
	}
	return r
}

// invitationsReq: GET /api/v1/invitations: exactly the open invitations
// acknowledged.
func (tn *tenant) invitationsReq() *request {
	r := &request{op: "list invitations", as: tn.owner, method: "GET", path: "/api/v1/invitations?limit=500"}
	r.check = func(status int, body []byte) error {
		var page struct {
			Items []invitationView `json:"items"`
		}
		if err := expect(status, body, 200, &page); err != nil {
			return err
		}
		if problems := tn.compareInvitations(page.Items, nil); len(problems) > 0 {
			return wrongf(status, body, "%s", strings.Join(problems, "; "))
		}
		return nil
	}
	return r
}

func (tn *tenant) compareInvitations(got []invitationView, inflight *request) []string {
	var problems []string
	seen := map[int64]bool{}
	for _, inv := range got {
		seen[inv.ID] = true
		email, known := tn.invites[inv.ID]
		switch {
		case !known && inflight.is("invite") && inflight.email == inv.Email:
			tn.invites[inv.ID] = inv.Email // the invitation in flight was committed
			tn.committedInflight++
		case !known:
			problems = append(problems, fmt.Sprintf("invitation %d of %s is open, but was never acknowledged or was withdrawn", inv.ID, inv.Email))
		case email != inv.Email:
			problems = append(problems, fmt.Sprintf("invitation %d is for %s, acknowledged for %s", inv.ID, inv.Email, email))
		}
	}
	for id, email := range tn.invites {
		switch {
		case seen[id]:
		case inflight.is("uninvite") && inflight.id == fmt.Sprint(id):
			delete(tn.invites, id) // the withdrawal in flight was committed
			tn.committedInflight++
		default:
			problems = append(problems, fmt.Sprintf("LOST: invitation %d of %s was acknowledged (201) and is not open", id, email))
		}
	}
	slices.Sort(problems)
	return problems
}

type renewalJSON struct {
	ID          int64  `json:"id"`
	Status      string `json:"status"`
	Entitlement struct {
		SubscriptionID string `json:"subscription_id"`
	} `json:"entitlement"`
}

func (tn *tenant) renewReq(sub string) *request {
	r := &request{op: "ask to renew " + sub, as: tn.owner, method: "POST", path: "/api/v1/entitlements/" + sub + "/renewal-requests", write: true, kind: "renew", sub: sub,
		body: map[string]any{"message": "please renew " + sub}, audit: auditKey{tn.party.owner, "renewal.request"}}
	r.check = func(status int, body []byte) error {
		var rr renewalJSON
		if err := expect(status, body, 201, &rr); err != nil {
			return err
		}
		if rr.ID == 0 || rr.Status != entitle.RenewalOpen || rr.Entitlement.SubscriptionID != sub {
			return wrongf(status, body, "not an open renewal request of %s", sub)
		}
		tn.renewals[rr.ID] = renewal{sub, entitle.RenewalOpen}
		return nil
	}
	return r
}

func (tn *tenant) withdrawRenewalReq(id int64, sub string) *request {
	r := &request{op: fmt.Sprintf("withdraw renewal request %d", id), as: tn.owner, method: "PATCH", path: fmt.Sprintf("/api/v1/renewal-requests/%d", id),
		write: true, kind: "withdraw", id: fmt.Sprint(id), body: map[string]any{"status": entitle.RenewalWithdrawn}, audit: auditKey{tn.party.owner, "renewal.withdrawn"}}
	r.check = func(status int, body []byte) error {
		var rr renewalJSON
		if err := expect(status, body, 200, &rr); err != nil {
			return err
		}
		if rr.ID != id || rr.Status != entitle.RenewalWithdrawn {
			return wrongf(status, body, "renewal request %d is not withdrawn", id)
		}
		tn.renewals[id] = renewal{sub, entitle.RenewalWithdrawn}
		return nil
	}
	return r
}

// renewalsReq: GET /api/v1/renewal-requests?box=sent: every request made,
// in the state acknowledged.
func (tn *tenant) renewalsReq() *request {
	r := &request{op: "list renewal requests", as: tn.owner, method: "GET", path: "/api/v1/renewal-requests?box=sent&limit=500"}
	r.check = func(status int, body []byte) error {
		var page struct {
			Items []renewalJSON `json:"items"`
		}
		if err := expect(status, body, 200, &page); err != nil {
			return err
		}
		if problems := tn.compareRenewals(page.Items, nil); len(problems) > 0 {
			return wrongf(status, body, "%s", strings.Join(problems, "; "))
		}
		return nil
	}
	return r
}

func (tn *tenant) compareRenewals(got []renewalJSON, inflight *request) []string {
	var problems []string
	seen := map[int64]bool{}
	for _, rr := range got {
		seen[rr.ID] = true
		want, known := tn.renewals[rr.ID]
		switch {
		case !known && inflight.is("renew") && inflight.sub == rr.Entitlement.SubscriptionID && rr.Status == entitle.RenewalOpen:
			tn.renewals[rr.ID] = renewal{rr.Entitlement.SubscriptionID, rr.Status} // the request in flight was committed
			tn.committedInflight++
			inflight = nil
		case !known:
			problems = append(problems, fmt.Sprintf("renewal request %d of %s (%s) was never acknowledged", rr.ID, rr.Entitlement.SubscriptionID, rr.Status))
		case want.sub != rr.Entitlement.SubscriptionID:
			problems = append(problems, fmt.Sprintf("renewal request %d is of %s, acknowledged of %s", rr.ID, rr.Entitlement.SubscriptionID, want.sub))
		case want.status == rr.Status:
		case want.status == entitle.RenewalOpen && rr.Status == entitle.RenewalWithdrawn && inflight.is("withdraw") && inflight.id == fmt.Sprint(rr.ID):
			tn.renewals[rr.ID] = renewal{want.sub, rr.Status} // the withdrawal in flight was committed
			tn.committedInflight++
		case want.status == entitle.RenewalWithdrawn:
			problems = append(problems, fmt.Sprintf("LOST: the withdrawal of renewal request %d was acknowledged, yet it is %s", rr.ID, rr.Status))
		default:
			problems = append(problems, fmt.Sprintf("renewal request %d is %s, acknowledged %s", rr.ID, rr.Status, want.status))
		}
	}
	for id, rr := range tn.renewals {
		if !seen[id] {
			problems = append(problems, fmt.Sprintf("LOST: renewal request %d of %s was acknowledged (201) and is missing", id, rr.sub))
		}
	}
	slices.Sort(problems)
	return problems
}

func (tn *tenant) profileReq() *request {
	phone := fmt.Sprintf("+1 555 %07d", tn.rng.IntN(10_000_000))
	r := &request{op: "set contact phone " + phone, as: tn.owner, method: "PATCH", path: "/api/v1/company", write: true, kind: "profile", phone: phone,
		body: map[string]any{"contact_phone": phone}, audit: auditKey{tn.party.owner, "company.profile"}}
	r.check = func(status int, body []byte) error {
		var p struct {
			Key          string `json:"key"`
			ContactPhone string `json:"contact_phone"`
		}
		if err := expect(status, body, 200, &p); err != nil {
			return err
		}
		if p.Key != tn.party.owner || p.ContactPhone != phone {
			return wrongf(status, body, "the profile of %s does not have contact phone %s", tn.party.owner, phone)
		}
		tn.phone = phone
		return nil
	}
	return r
}

// companyReq: GET /api/v1/company: the contact phone last acknowledged.
func (tn *tenant) companyReq() *request {
	r := &request{op: "get company", as: tn.owner, method: "GET", path: "/api/v1/company"}
	r.check = func(status int, body []byte) error {
		var p struct {
			ContactPhone string `json:"contact_phone"`
		}
		if err := expect(status, body, 200, &p); err != nil {
			return err
		}
		if p.ContactPhone != tn.phone {
			return wrongf(status, body, "contact phone %q, acknowledged %q", p.ContactPhone, tn.phone)
		}
		return nil
	}
	return r
}

// errServerGone: a request got no answer (the server died).
var errServerGone = errors.New("no answer")

// send sends r to the server at base and checks the answer. A request
// without an answer is kept as in flight and reported as errServerGone; a
// wrong answer (a 5xx is one) is kept in tn.wrong.
func (tn *tenant) send(ctx context.Context, base string, r *request) error {
	tn.requests++
	start := time.Now()
	status, body, err := r.as.do(ctx, r.method, base+r.path, r.body)
	if err != nil {
		tn.inflight = r
		return fmt.Errorf("%w: %s %s: %v", errServerGone, r.method, r.path, err)
	}
	tn.latencies = append(tn.latencies, time.Since(start))
	if status >= 500 {
		tn.status5xx++
	}
	if err := r.check(status, body); err != nil {
		tn.wrong = fmt.Sprintf("%s, %s (%s %s): %v", tn.party.owner, r.op, r.method, r.path, err)
		return err
	}
	if r.write {
		tn.ackedWrites++
	}
	if r.audit.action != "" {
		tn.audited[r.audit]++
	}
	return nil
}

// runTenants sends the tenants' requests to the server at base, each
// tenant one at a time, until done says so, the server stops answering, or
// the tenant gets a wrong answer. A request once sent is always waited for
// (within the client's timeout): a tenant knows the outcome of everything
// it sent, but for a request the server never answered. onWrite, when not
// nil, is called after each acknowledged write.
func runTenants(tenants []*tenant, base string, done func() bool, onWrite func()) {
	var wg sync.WaitGroup
	for _, tn := range tenants {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !done() && tn.wrong == "" {
				r := tn.next()
				if err := tn.send(context.Background(), base, r); err != nil {
					return
				}
				if r.write && onWrite != nil {
					onWrite()
				}
			}
		}()
	}
	wg.Wait()
}

// verifyTenant reads, through the API of the server at base, everything the
// tenant's writes changed, and says what differs from what was
// acknowledged: a lost write, or a change that was never acknowledged
// (beyond the one request in flight when the server died, which may or may
// not have been committed). The model takes in what the request in flight
// did, so that the workload can go on.
func verifyTenant(ctx context.Context, tn *tenant, base string) []string {
	inflight := tn.inflight
	var problems []string
	get := func(c apiClient, path string, v any) bool {
		status, body, err := c.do(ctx, "GET", base+path, nil)
		if err == nil {
			err = expect(status, body, 200, v)
		}
		if err != nil {
			problems = append(problems, fmt.Sprintf("GET %s: %v", path, err))
			return false
		}
		return true
	}
	var ds struct {
		Granted []delegationJSON `json:"granted"`
	}
	if get(tn.owner, "/api/v1/delegations", &ds) {
		problems = append(problems, tn.compareDelegations(ds.Granted, inflight)...)
	}
	var invs struct {
		Items []invitationView `json:"items"`
	}
	if get(tn.owner, "/api/v1/invitations?limit=500", &invs) {
		problems = append(problems, tn.compareInvitations(invs.Items, inflight)...)
	}
	var rrs struct {
		Items []renewalJSON `json:"items"`
	}
	if get(tn.owner, "/api/v1/renewal-requests?box=sent&limit=500", &rrs) {
		problems = append(problems, tn.compareRenewals(rrs.Items, inflight)...)
	}
	var p struct {
		ContactPhone string `json:"contact_phone"`
	}
	if get(tn.owner, "/api/v1/company", &p) {
		switch {
		case p.ContactPhone == tn.phone:
		case inflight.is("profile") && p.ContactPhone == inflight.phone:
			tn.phone = p.ContactPhone // the change in flight was committed
			tn.committedInflight++
		default:
			problems = append(problems, fmt.Sprintf("LOST: contact phone %q was acknowledged (200), the company has %q", tn.phone, p.ContactPhone))
		}
	}
	for i := range problems {
		problems[i] = tn.party.owner + ": " + problems[i]
	}
	tn.inflight = nil
	return problems
}

// auditCounts counts the audit events of db by company and action.
func auditCounts(t *testing.T, db string) map[auditKey]int {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	counts := map[auditKey]int{}
	var after int64
	for {
		evs, err := st.AuditEvents(ctx, "", after, 5000)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			counts[auditKey{e.Company, e.Action}]++
			after = e.ID
		}
		if len(evs) < 5000 {
			return counts
		}
	}
}

// compareAudit compares the audit events counted in the database (got,
// now; base, before the requests) with the audited answers the tenants got:
// for each company and action, every acknowledged answer has its event, and
// there is at most one more when its request was in flight.
func compareAudit(tenants []*tenant, base, got map[auditKey]int, inflight map[auditKey]int) []string {
	want := map[auditKey]int{}
	for _, tn := range tenants {
		for k, n := range tn.audited {
			want[k] += n
		}
	}
	var problems []string
	for k, n := range want {
		have := got[k] - base[k]
		switch {
		case have < n:
			problems = append(problems, fmt.Sprintf("LOST: %d answers of %s audited as %s were acknowledged, the trail has %d", n, k.company, k.action, have))
		case have > n+inflight[k]:
			problems = append(problems, fmt.Sprintf("the trail has %d events %s of %s, %d were acknowledged (%d in flight)", have, k.action, k.company, n, inflight[k]))
		}
	}
	slices.Sort(problems)
	return problems
}

// runEntitle runs the entitle command as its own OS process on db, as an
// operator would.
func runEntitle(t *testing.T, db string, args ...string) cliResult {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "ENTITLE_TEST_RUN_MAIN=1", "ENTITLE_DB="+db)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatalf("entitle %v: %v", args, err)
	}
	return cliResult{out.String(), errb.String(), code}
}

// auditVerify runs `entitle audit verify` on db and fails the test when the
// trail does not verify.
func auditVerify(t *testing.T, db, when string) {
	t.Helper()
	if r := runEntitle(t, db, "audit", "verify"); r.code != 0 || !strings.HasPrefix(r.stdout, "audit trail verified") {
		t.Errorf("%s: entitle audit verify: exit %d\n%s%s", when, r.code, r.stdout, r.stderr)
	}
}

// waitDetached waits until no session but the caller's is connected to the
// PostgreSQL database of dsn: once a killed process's sessions are gone,
// whatever it had in flight is committed or rolled back for good. (On
// SQLite, a process's locks go with it.)
func waitDetached(t *testing.T, dsn string) {
	t.Helper()
	if !store.IsPostgres(dsn) {
		return
	}
	ctx := context.Background()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var n int
		err := db.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions of a killed process are still connected after 60 s", n)
		}
		time.Sleep(20 * time.Millisecond) // polling the server: there is nothing to wait on
	}
}

// counter counts up to a mark and closes reached when it gets there.
type counter struct {
	n       atomic.Int64
	mark    int64
	once    sync.Once
	reached chan struct{}
}

func newCounter(mark int64) *counter { return &counter{mark: mark, reached: make(chan struct{})} }

func (c *counter) add() {
	if c.n.Add(1) >= c.mark {
		c.once.Do(func() { close(c.reached) })
	}
}
