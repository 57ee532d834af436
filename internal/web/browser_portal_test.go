package web_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/entitle-portal/entitle/internal/demo"
)

// The portal in a real browser (issue 7): every role of the demo channel
// sees exactly the rows the API lists for it, the invite form's four
// outcomes say SPEC §4's messages, a delegation granted and revoked from the
// Delegations page changes what the delegate sees, a foreign entitlement is
// the same 404 page as a missing one, and the PO lookup answers only among
// the caller's own purchase orders. The harness is browser_test.go.

// roleShots names the screenshot of My entitlements for each role of
// demo.Logins.
var roleShots = map[string]string{
	"vendor admin":      "vendor",
	"distributor admin": "distributor",
	"reseller member":   "reseller",
	"customer admin":    "customer-admin",
	"customer member":   "customer-member",
	"MSP admin":         "msp",
	"delegate":          "delegate",
	"outsider":          "outsider",
}

// TestBrowserRoles signs in as each role of the demo channel and checks the
// rows of My entitlements (every page of it) against what the API lists in
// the same session: the same subscription IDs, in the same order. The
// outsider sees the empty state.
func TestBrowserRoles(t *testing.T) {
	p := newDemoPortal(t)
	logins := demo.Logins(p.ch)
	if len(logins) != len(roleShots) {
		t.Fatalf("demo.Logins has %d logins, the test knows %d roles", len(logins), len(roleShots))
	}
	for i, u := range logins {
		slug, ok := roleShots[roleName(u)]
		if !ok {
			t.Fatalf("no screenshot name for the demo role %q", u.Role)
		}
		t.Run(slug, func(t *testing.T) {
			b := p.newTab(t)
			if i == 0 {
				if st := b.open("/"); st != http.StatusOK {
					b.fail("/ signed out: status %d, want the sign-in page", st)
				}
				if h := b.text("h1"); h != "Sign in" {
					b.fail("/ signed out: heading %q, want Sign in", h)
				}
				b.shot("login")
			}
			b.signIn(u)
			b.shot("entitlements-" + slug)
			if slug == "reseller" {
				b.shotAt("entitlements-phone", phoneWidth)
			}
			shown := b.entitlementRows()
			want := b.apiEntitlements()
			if !slices.Equal(shown, want) {
				t.Errorf("%s (%s) sees rows\n%v\nthe API lists\n%v", u.Email, u.Role, shown, want)
			}
			if slug == "outsider" {
				if len(want) != 0 {
					t.Errorf("the outsider's API lists %v", want)
				}
				if b.open("/") != http.StatusOK {
					b.fail("My entitlements")
				}
				if e := b.text(".empty"); !strings.HasPrefix(e, "No entitlements yet") {
					t.Errorf("outsider: empty state %q, want it to start with %q", e, "No entitlements yet")
				}
				return
			}
			if len(want) == 0 {
				t.Errorf("%s (%s): the API lists no entitlement; the demo channel gives this role some", u.Email, u.Role)
			}
		})
	}
}

// TestBrowserInvite submits the invite form of the Co-workers page with
// each of SPEC §4's outcomes and checks its message, word for word, where a
// person reads it: next to the field for a refusal, as the page's message
// after an invitation was sent.
func TestBrowserInvite(t *testing.T) {
	p := newDemoPortal(t)
	b := p.newTab(t)
	b.signIn(p.login(t, "customer admin"))
	if st := b.open("/coworkers"); st != http.StatusOK {
		b.builtYet("/coworkers")
		b.fail("/coworkers: status %d", st)
	}
	b.builtYet("/coworkers")
	if l := b.text(`label[for="invite-email"]`); l != "Co-worker's email address" {
		t.Errorf("the invite field's label is %q, want %q", l, "Co-worker's email address")
	}
	b.shot("coworkers")
	const (
		required = "Please enter email address"
		invalid  = "You have entered an invalid email address. Please re-enter the email address."
		already  = "This co-worker has already been invited to the portal. Please invite another co-worker."
		sent     = "Your invitation was sent. Thanks for sharing the portal with your co-worker."
	)
	for _, tc := range []struct {
		name, email string
		status      int // of the page the form leads to
		message     string
	}{
		{"empty", "", http.StatusUnprocessableEntity, required},
		{"invalid", "Bob <bob@x.com>", http.StatusUnprocessableEntity, invalid},
		{"sent", "lena.huber@grauwald.example", http.StatusOK, sent},
		{"already-invited", "lena.huber@grauwald.example", http.StatusConflict, already},
		{"already-a-user", "mira.vogt@kesselbach.example", http.StatusConflict, already},
	} {
		b.open("/coworkers")
		b.fill("invite-email", tc.email)
		// The server's answer is under test, not the browser's own check of
		// a required or type=email field.
		eval[bool](b, `(f => { f.noValidate = true; return true })(document.getElementById("invite-email").form)`)
		st := b.submit(button("Send invitation"))
		if st != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, st, tc.status)
		}
		b.shot("invite-" + tc.name)
		fieldErr := b.text("#invite-email-error")
		if tc.message == sent {
			if f := b.text(".flash"); f != sent {
				t.Errorf("%s: the page's message is %q, want %q", tc.name, f, sent)
			}
			if fieldErr != "" {
				t.Errorf("%s: field error %q after sending", tc.name, fieldErr)
			}
			if inv := b.text("#invitations"); !strings.Contains(inv, tc.email) {
				t.Errorf("%s: the pending invitations do not show %s:\n%s", tc.name, tc.email, inv)
			}
			buttons := eval[[]string](b, `Array.from(document.querySelectorAll("#invitations button"), e => e.innerText.trim())`)
			for _, want := range []string{"Revoke", "Resend"} {
				if !slices.Contains(buttons, want) {
					t.Errorf("the pending invitations have buttons %q, none %q", buttons, want)
				}
			}
			continue
		}
		if fieldErr != tc.message {
			t.Errorf("%s: the message next to the field is %q, want %q", tc.name, fieldErr, tc.message)
		}
		if r := b.attr("#invite-email-error", "role"); r != "alert" {
			t.Errorf("%s: the field's error has role %q, want alert", tc.name, r)
		}
		if d := b.attr("#invite-email", "aria-describedby"); !slices.Contains(strings.Fields(d), "invite-email-error") {
			t.Errorf("%s: the field's aria-describedby is %q, want it to name invite-email-error", tc.name, d)
		}
	}
	// An administrator manages the company's users.
	buttons := eval[[]string](b, `Array.from(document.querySelectorAll("#users button"), e => e.innerText.trim())`)
	for _, want := range []string{"Disable", "Make admin"} {
		if !slices.Contains(buttons, want) {
			t.Errorf("an admin's users table has buttons %q, none %q", buttons, want)
		}
	}
}

// TestBrowserDelegation: an owner's administrator grants a consultant
// access to two subscriptions from the Delegations page; the consultant,
// signed in in another browser context, sees them appear in My
// entitlements; the owner revokes the delegation and they disappear.
func TestBrowserDelegation(t *testing.T) {
	p := newDemoPortal(t)
	owner := p.user(t, "david.kim@pellham.example") // CUST-PELLHAM's admin
	delegate := p.login(t, "delegate")              // ASHCOMBE-CONS
	granted := []string{"SUB-350101", "SUB-350201"} // owned by CUST-PELLHAM

	d := p.newTab(t)
	d.signIn(delegate)
	before := d.entitlementRows()
	for _, sub := range granted {
		if slices.Contains(before, sub) {
			t.Fatalf("the delegate sees %s before any grant: %v", sub, before)
		}
	}

	o := p.newTab(t)
	o.signIn(owner)
	if st := o.open("/delegations"); st != http.StatusOK {
		o.builtYet("/delegations")
		o.fail("/delegations: status %d", st)
	}
	o.builtYet("/delegations")
	if l := o.text(`label[for="grant-delegate"]`); l != "Company key" {
		t.Errorf("the delegate field's label is %q, want Company key", l)
	}
	o.fill("grant-delegate", "ASHCOMBE-CONS")
	o.do("choose listed subscriptions", chromedp.Click(chromedp.CSS(`input[name="scope"][value="listed"]`)))
	o.fill("grant-subs", strings.Join(granted, "\n"))
	o.do("set the expiry", chromedp.SetValue(chromedp.ID("grant-expires"), p.today.AddDays(30).String()))
	if st := o.submit(button("Grant access")); st != http.StatusOK {
		o.fail("grant: status %d", st)
	}
	o.shot("delegations")
	var list struct {
		Granted []struct {
			ID       string `json:"id"`
			Delegate struct {
				Key string `json:"key"`
			} `json:"delegate"`
			SubscriptionIDs []string `json:"subscription_ids"`
			Status          string   `json:"status"`
		} `json:"granted"`
	}
	res := o.api("/api/v1/delegations")
	res.json(t, &list)
	var id string
	for _, g := range list.Granted {
		if g.Delegate.Key == "ASHCOMBE-CONS" && g.Status == "active" {
			id = g.ID
			if !slices.Equal(g.SubscriptionIDs, granted) {
				t.Errorf("the delegation lists %v, want %v", g.SubscriptionIDs, granted)
			}
		}
	}
	if id == "" {
		o.fail("no active delegation to ASHCOMBE-CONS after granting: %s", res.body)
	}
	if !strings.Contains(o.text("#granted"), id) && !strings.Contains(o.text("#granted"), "ASHCOMBE") && !strings.Contains(o.text("#granted"), "Ashcombe") {
		t.Errorf("the granted table does not show the new delegation:\n%s", o.text("#granted"))
	}

	d.open("/")
	with := d.entitlementRows()
	if want := slices.Sorted(slices.Values(append(slices.Clone(before), granted...))); !slices.Equal(with, want) {
		t.Errorf("after the grant the delegate sees\n%v\nwant\n%v", with, want)
	}
	d.open("/")
	d.shot("entitlements-delegate-granted")
	if st := d.open("/delegations"); st != http.StatusOK {
		d.fail("/delegations as the delegate: status %d", st)
	}
	if r := d.text("#received"); !strings.Contains(r, "Pellham") && !strings.Contains(r, "CUST-PELLHAM") {
		t.Errorf("the delegate's received table does not name the owner:\n%s", r)
	}
	d.shot("delegations-received")

	o.open("/delegations")
	revoke := fmt.Sprintf(`//table[@id="granted"]//tr[contains(., %q) or contains(., "ASHCOMBE-CONS") or contains(., "Ashcombe")]//button[normalize-space()="Revoke"]`, id)
	if st := o.submit(revoke); st != http.StatusOK {
		o.fail("revoke: status %d", st)
	}
	o.shot("delegations-revoked")
	res = o.api("/api/v1/delegations")
	res.json(t, &list)
	for _, g := range list.Granted {
		if g.ID == id && g.Status != "revoked" {
			t.Errorf("delegation %s is %s after Revoke", id, g.Status)
		}
	}
	d.open("/")
	if after := d.entitlementRows(); !slices.Equal(after, before) {
		t.Errorf("after the revocation the delegate sees\n%v\nwant\n%v", after, before)
	}
}

// TestBrowserOutsider: a company with no order sees no row, and the page of
// an entitlement of another company is the same 404 page as that of one
// that does not exist (R7) — for the outsider and for a reseller.
func TestBrowserOutsider(t *testing.T) {
	p := newDemoPortal(t)
	for _, tc := range []struct {
		role, foreign string
	}{
		{"outsider", "SUB-310101"},
		{"reseller member", "SUB-340001"}, // Haverlock's direct purchase; KESSELBACH-RES's delegation to it expired
	} {
		b := p.newTab(t)
		b.signIn(p.login(t, tc.role))
		if tc.role == "outsider" {
			if rows := b.entitlementRows(); len(rows) != 0 {
				t.Errorf("the outsider sees rows %v", rows)
			}
			if e := b.text(".empty"); !strings.HasPrefix(e, "No entitlements yet") {
				t.Errorf("outsider: empty state %q", e)
			}
		}
		const absent = "SUB-999999"
		if st := b.open("/entitlements/" + tc.foreign); st != http.StatusNotFound {
			b.fail("%s on a foreign entitlement: status %d, want 404", tc.role, st)
		}
		foreign := b.text("body")
		if tc.role == "outsider" {
			b.shot("not-found")
		}
		if st := b.open("/entitlements/" + absent); st != http.StatusNotFound {
			b.fail("%s on a missing entitlement: status %d, want 404", tc.role, st)
		}
		missing := b.text("body")
		if got := strings.ReplaceAll(foreign, tc.foreign, absent); got != missing {
			t.Errorf("%s: the page of a foreign entitlement differs from a missing one's beyond the ID:\n%s\n---\n%s", tc.role, foreign, missing)
		}
		if b.text("h1") == "" {
			t.Errorf("%s: the 404 page has no heading", tc.role)
		}
	}
}

// TestBrowserOrders: the PO lookup answers among the caller's own purchase
// orders only (R2, R3): a reseller that did not place a PO gets the same 404
// message as for a PO that does not exist; the distributor that placed it
// gets its details with lines and totals.
func TestBrowserOrders(t *testing.T) {
	p := newDemoPortal(t)
	const po = "4500019822" // NORRVIK-DIST's PO, KESSELBACH-RES the reseller
	refused := func(x string) string {
		return "No order with PO number " + x + " among your company's purchase orders."
	}

	r := p.newTab(t)
	r.signIn(p.login(t, "reseller member"))
	lookup := func(b *tab, po string) int {
		b.t.Helper()
		if st := b.open("/orders"); st != http.StatusOK {
			b.builtYet("/orders")
			b.fail("/orders: status %d", st)
		}
		b.builtYet("/orders")
		if l := b.text(`label[for="po"]`); l != "PO number" {
			t.Errorf("the PO field's label is %q, want PO number", l)
		}
		b.fill("po", po)
		return b.submit(button("Look up"))
	}
	for _, x := range []string{po, "4599999999"} {
		if st := lookup(r, x); st != http.StatusNotFound {
			r.fail("a reseller looks up %s: status %d, want 404", x, st)
		}
		if main := r.text("main"); !strings.Contains(main, refused(x)) {
			t.Errorf("a reseller looks up %s: the page does not say %q:\n%s", x, refused(x), main)
		}
		if r.exists("#lines") {
			t.Errorf("a reseller looks up %s: the page shows order lines", x)
		}
		if x == po {
			r.shot("orders-refused")
		}
	}
	// Kesselbach's own PO: its details.
	if st := lookup(r, "KB-0113"); st != http.StatusOK {
		r.fail("a reseller looks up its own PO KB-0113: status %d", st)
	}
	if lines := r.text("#lines"); !strings.Contains(lines, "SUB-320001") {
		t.Errorf("KB-0113's lines do not show SUB-320001:\n%s", lines)
	}

	d := p.newTab(t)
	d.signIn(p.login(t, "distributor admin"))
	if st := lookup(d, po); st != http.StatusOK {
		d.fail("the distributor looks up %s: status %d", po, st)
	}
	lines := d.text("#lines")
	for _, sub := range []string{"SUB-310101", "SUB-310102", "SUB-310103"} {
		if !strings.Contains(lines, sub) {
			t.Errorf("the lines of %s do not show %s:\n%s", po, sub, lines)
		}
	}
	d.shot("orders")
}

// TestBrowserPages visits the pages not covered above as the role that uses
// them: each answers 200 with a heading and a title, and is saved as a
// screenshot.
func TestBrowserPages(t *testing.T) {
	p := newDemoPortal(t)
	for _, tc := range []struct {
		role  string
		pages [][2]string // path, screenshot
	}{
		{"customer admin", [][2]string{
			{"/entitlements/SUB-310101", "entitlement-owner"},
			{"/entitlements/SUB-310101/renew", "renew"},
			{"/renewals", "renewals"},
			{"/transfers", "transfers"},
			{"/audit", "audit"},
		}},
		{"reseller member", [][2]string{
			{"/entitlements/SUB-310101", "entitlement-reseller"},
		}},
		{"vendor admin", [][2]string{
			{"/orders", "orders-vendor"},
			{"/vendor/companies", "vendor-companies"},
			{"/vendor/msas", "vendor-msas"},
			{"/vendor/import", "vendor-import"},
			{"/vendor/announcements", "vendor-announcements"},
		}},
	} {
		t.Run(roleShots[tc.role], func(t *testing.T) {
			b := p.newTab(t)
			b.signIn(p.login(t, tc.role))
			for _, pg := range tc.pages {
				path, name := pg[0], pg[1]
				t.Run(name, func(t *testing.T) {
					b := *b
					b.t = t
					st := b.open(path)
					b.builtYet(path)
					if st != http.StatusOK {
						b.fail("%s: status %d", path, st)
					}
					h1 := b.text("h1")
					title := eval[string](&b, `document.title`)
					if h1 == "" || !strings.HasSuffix(title, " · entitle") || len(title) <= len(" · entitle") {
						t.Errorf("%s: heading %q, title %q; want both", path, h1, title)
					}
					if path == "/orders" && !b.exists("#pe") {
						t.Errorf("the vendor's PO lookup has no purchasing entity field (#pe)")
					}
					b.shot(name)
				})
			}
		})
	}
}
