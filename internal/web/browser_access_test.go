package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserAccessRequests: in a real browser, on the demo channel, the
// MSP's administrator asks Pellham Valley University for access through
// the Access requests page and reads the link shown once; a visitor who
// opens the link signs in and comes back to it; a member of the customer
// is told to ask an administrator; the customer's administrator reads who
// asks, why and for how long, picks what and approves, and finds the
// delegation on its Delegations page; the MSP sees the request approved.
func TestBrowserAccessRequests(t *testing.T) {
	p := newDemoPortal(t)
	const (
		message = "Ashcombe now runs your campus energy systems: please give us access to plan the renewals."
		msp     = "Ashcombe Energy Advisors Ltd"
	)

	// The MSP asks.
	m := p.newTab(t)
	m.signIn(p.user(t, "eleanor.whitfield@ashcombe.example"))
	if st := m.submit(`nav a[href="/access-requests"]`); st != http.StatusOK {
		m.fail("Access requests in the navigation: status %d", st)
	}
	m.builtYet("/access-requests")
	if h := m.text("h1"); h != "Access requests" {
		m.fail("heading %q, want Access requests", h)
	}
	if cur := m.attr(`nav a[href="/access-requests"]`, "aria-current"); cur != "page" {
		t.Errorf("the navigation does not mark Access requests as the current page (aria-current %q)", cur)
	}
	for id, want := range map[string]string{"ask-message": "Message", "ask-days": "Days of access", "ask-subs": "Subscription IDs"} {
		if l := m.text(`label[for="` + id + `"]`); !strings.HasPrefix(l, want) {
			t.Errorf("the label of #%s is %q, want %q", id, l, want)
		}
	}
	if v := eval[string](m, `document.getElementById("ask-days").value`); v != "90" {
		t.Errorf("days start at %q, want 90", v)
	}
	if m.exists("#created-link") {
		t.Error("a link is shown before one is created")
	}
	m.fill("ask-message", message)
	m.fill("ask-days", "180")
	m.fill("ask-subs", "SUB-350001")
	if st := m.submit(button("Create the link")); st != http.StatusCreated {
		m.fail("create the link: status %d", st)
	}
	if l := m.text(`label[for="created-link"]`); !strings.HasPrefix(l, "Link of request ") {
		t.Errorf("the link's label is %q", l)
	}
	if !m.exists(`#created-link[readonly]`) {
		t.Error("the link's field is not read-only")
	}
	raw := eval[string](m, `document.getElementById("created-link").value`)
	u, err := url.Parse(raw)
	if err != nil || u.Path != "/access-requests/open" || u.Query().Get("token") == "" {
		m.fail("the link shown is %q", raw)
	}
	link := u.RequestURI()
	if sent := m.text("#sent"); !strings.Contains(sent, message) || !strings.Contains(sent, "open") || !strings.Contains(sent, "180") {
		t.Errorf("the sent box does not list the new open request:\n%s", sent)
	}
	// The link, the reason for the page, stays inside its card, and the
	// sent box needs no sideways scrolling on a desktop.
	if !eval[bool](m, `(c => { const l = c.querySelector("#created-link").getBoundingClientRect(), r = c.getBoundingClientRect();
		return l.right <= r.right && c.scrollWidth <= c.clientWidth })(document.getElementById("created"))`) {
		t.Errorf("the link or its text spills out of its card")
	}
	if eval[bool](m, `(s => s.scrollWidth > s.clientWidth)(document.querySelector("#sent .scroll"))`) {
		t.Errorf("the sent box scrolls sideways in a %d px window: %v", desktopWidth, eval[[]float64](m, `(s => [s.scrollWidth, s.clientWidth, s.querySelector("table").scrollWidth])(document.querySelector("#sent .scroll"))`))
	}
	m.shot("access-requests")
	// Shown once: the page again has no link, nor the token anywhere.
	m.open("/access-requests")
	if m.exists("#created-link") || strings.Contains(eval[string](m, `document.documentElement.outerHTML`), u.Query().Get("token")) {
		t.Error("the link is shown again")
	}

	// Signed out, the link leads to the sign-in page, and back.
	m.openMenu()
	if st := m.submit(button("Sign out")); st != http.StatusOK {
		m.fail("sign out: status %d", st)
	}
	m.who = "nobody"
	if st := m.open(link); st != http.StatusOK {
		m.fail("the link signed out: status %d", st)
	}
	if h := m.text("h1"); h != "Sign in" {
		m.fail("the link signed out: heading %q, want Sign in", h)
	}
	if next := eval[string](m, `new URL(location.href).searchParams.get("next") || ""`); next != link {
		t.Errorf("the sign-in page's next is %q, want the link %q", next, link)
	}
	admin := p.user(t, "david.kim@pellham.example")
	m.fill("email", admin.Email)
	m.fill("password", admin.Password)
	if st := m.submit(button("Sign in")); st != http.StatusOK {
		m.fail("sign in as %s: status %d", admin.Email, st)
	}
	m.who = admin.Email
	if loc := eval[string](m, `location.pathname + location.search`); loc != link {
		m.fail("after signing in: on %s, want the link %s", loc, link)
	}
	if h := m.text("h1"); h != "Access request" {
		m.fail("the link's page: heading %q", h)
	}
	req := m.text("#link-request")
	for _, want := range []string{msp, "ASHCOMBE-CONS", message, "180 days", "open"} {
		if !strings.Contains(req, want) {
			t.Errorf("the link's page does not show %q:\n%s", want, req)
		}
	}
	if strings.Contains(m.text("main"), "eleanor.whitfield") {
		t.Error("the link's page names the user who asked")
	}
	if !m.exists(`#scope-picked:checked`) || !m.exists(`#pick-SUB-350001:checked`) || m.exists(`#pick-SUB-350002:checked`) {
		t.Errorf("the suggestion is not the pre-checked pick:\n%s", m.text("form"))
	}
	if legend := m.text("fieldset.scope legend"); legend != "What "+msp+" may see" {
		t.Errorf("the scope's legend is %q", legend)
	}
	if l := m.text(`label[for="pick-SUB-350002"]`); !strings.HasPrefix(l, "SUB-350002") {
		t.Errorf("the label of SUB-350002's box is %q", l)
	}
	if v, max := m.attr("#approve-days", "value"), m.attr("#approve-days", "max"); v != "180" || max != "180" {
		t.Errorf("the days: value %q, max %q; want the 180 asked", v, max)
	}
	if !m.exists("#decline-reason") {
		t.Error("no decline form")
	}
	m.shot("access-request-link")

	// A member of the customer is told to ask an administrator.
	g := p.newTab(t)
	g.signIn(p.user(t, "grace.okafor@pellham.example"))
	if st := g.open(link); st != http.StatusOK {
		g.fail("the link as a member: status %d", st)
	}
	if why := g.text("#link-why"); !strings.Contains(why, "ask one of your administrators") {
		t.Errorf("the member is not told to ask an administrator: %q", why)
	}
	if g.exists(`input[name="action"]`) || g.exists("#approve-days") {
		t.Error("the member gets a form to answer")
	}
	if !strings.Contains(g.text("#link-request"), msp) {
		t.Errorf("the member does not see who asks:\n%s", g.text("main"))
	}

	// The administrator picks a second subscription and 90 days, approves.
	m.do("pick SUB-350002", chromedp.Click(chromedp.ID("pick-SUB-350002")))
	m.fill("approve-days", "90")
	if st := m.submit(button("Approve")); st != http.StatusOK {
		m.fail("approve: status %d", st)
	}
	if loc := eval[string](m, `location.pathname`); loc != "/delegations" {
		m.fail("after approving: on %s, want /delegations", loc)
	}
	if f := m.text(".flash"); !strings.Contains(f, "You approved the access request of "+msp) {
		t.Errorf("the flash after approving: %q", f)
	}
	granted := eval[string](m, `Array.from(document.querySelectorAll("#granted tbody tr"), r => r.innerText).filter(s => s.includes("ASHCOMBE-CONS")).join("\n")`)
	for _, want := range []string{msp, "SUB-350001", "SUB-350002", "david.kim@pellham.example"} {
		if !strings.Contains(granted, want) {
			t.Errorf("the Delegations page does not show %q in the delegation:\n%s", want, m.text("#granted"))
		}
	}
	if !strings.Contains(granted, "active") && !strings.Contains(granted, "Active") {
		t.Errorf("the delegation is not active:\n%s", granted)
	}
	// The link works once.
	m.open(link)
	if strings.Contains(m.text("main"), "Approve\n") || m.exists("#approve-days") {
		t.Errorf("the used link still offers to approve:\n%s", m.text("main"))
	}

	// The MSP sees its request approved.
	s := p.newTab(t)
	s.signIn(p.user(t, "eleanor.whitfield@ashcombe.example"))
	s.open("/access-requests")
	row := eval[string](s, `Array.from(document.querySelectorAll("#sent tbody tr"), r => r.innerText).filter(s => s.includes("plan the renewals")).join("\n")`)
	if !strings.Contains(row, "approved") || !strings.Contains(row, "Pellham Valley University") || strings.Contains(row, "david.kim") {
		t.Errorf("the MSP's sent box after the approval:\n%s", s.text("#sent"))
	}
	if s.exists(`#sent .scroll`) && eval[bool](s, `(s => s.scrollWidth > s.clientWidth)(document.querySelector("#sent .scroll"))`) {
		t.Errorf("the sent box scrolls sideways in a %d px window", desktopWidth)
	}
	if !s.exists(`#sent a[href="/delegations"]`) {
		t.Error("the approved request does not link to Delegations")
	}
}

// TestBrowserAccessHistory: in a real browser, the owner's administrator
// follows Access history from an entitlement's page, reads which companies
// could see it and when, and asks who could see it at an instant; the
// reseller's entitlement page has no such link.
func TestBrowserAccessHistory(t *testing.T) {
	p := newDemoPortal(t)
	const sub = "SUB-310501" // CUST-ORSOLINI's, delegated to ASHCOMBE-CONS (DLG-DEMO-1), KESSELBACH-RES the reseller
	o := p.newTab(t)
	o.signIn(p.user(t, "giulia.ferri@orsolini.example"))
	if st := o.open("/entitlements/" + sub); st != http.StatusOK {
		o.fail("the entitlement: status %d", st)
	}
	if st := o.submit(`main a[href="/entitlements/` + sub + `/access-history"]`); st != http.StatusOK {
		o.fail("follow Access history: status %d", st)
	}
	o.builtYet("/entitlements/" + sub + "/access-history")
	if h := o.text("h1"); h != "Access history of "+sub {
		o.fail("heading %q", h)
	}
	if cur := o.attr(`nav a[href="/"]`, "aria-current"); cur != "page" {
		t.Errorf("the navigation does not mark My entitlements (aria-current %q)", cur)
	}
	if back := o.attr(`main a[href="/entitlements/`+sub+`"]`, "href"); back == "" {
		t.Error("no link back to the entitlement")
	}
	rows := eval[[][]string](o, `Array.from(document.querySelectorAll("main table")[0].querySelectorAll("tbody tr"), r => Array.from(r.cells, c => c.innerText.trim()))`)
	companies := map[string][]string{}
	for _, r := range rows {
		if len(r) != 5 {
			o.fail("a history row of %d cells: %q", len(r), r)
		}
		companies[r[0]] = r
	}
	for _, want := range []string{"Pellham", "Orsolini", "Ashcombe Energy Advisors Ltd (ASHCOMBE-CONS)", "KESSELBACH-RES"} {
		found := false
		for c := range companies {
			if strings.Contains(c, want) {
				found = true
			}
		}
		if want == "Pellham" {
			if found {
				t.Errorf("the history names Pellham, which never saw %s: %q", sub, rows)
			}
			continue
		}
		if !found {
			t.Errorf("the history does not name %s: %q", want, rows)
		}
	}
	if r := companies["Ashcombe Energy Advisors Ltd (ASHCOMBE-CONS)"]; r != nil && (!strings.Contains(r[1], "delegate") || !strings.Contains(r[4], "DLG-DEMO-1")) {
		t.Errorf("Ashcombe's interval: basis %q, delegation %q", r[1], r[4])
	}
	for _, r := range rows {
		if r[2] == "" || r[3] == "" {
			t.Errorf("an interval without its ends: %q", r)
		}
	}

	// Who could see it then.
	if l := o.text(`label[for="at"]`); !strings.HasPrefix(l, "Date and time") {
		t.Errorf("the instant's label is %q", l)
	}
	if typ := o.attr("#at", "type"); typ != "datetime-local" {
		t.Errorf("the instant's field is of type %q", typ)
	}
	const at = "2026-06-15T10:00:00"
	if !eval[bool](o, `(e => (e.value = "`+at+`", e.value !== ""))(document.getElementById("at"))`) {
		o.fail("the instant's field takes no %s", at)
	}
	if st := o.submit(button("Who could see it then")); st != http.StatusOK {
		o.fail("who could see it then: status %d", st)
	}
	// (Chromium sends a whole minute without its seconds.)
	if q := eval[string](o, `new URL(location.href).searchParams.get("at") || ""`); !strings.HasPrefix(at, q) || len(q) < len("2026-06-15T10:00") {
		t.Errorf("the form sent at=%q, want %q", q, at)
	}
	if h := o.text("main h3"); !strings.HasPrefix(h, "At 2026-06-15") {
		t.Errorf("the answer's heading is %q", h)
	}
	if v := eval[string](o, `document.getElementById("at").value`); !strings.HasPrefix(v, "2026-06-15T10:00") {
		t.Errorf("the instant asked is not kept in the field: %q", v)
	}
	then := eval[string](o, `(t => t ? t.innerText : "")(document.querySelectorAll("main table")[1])`)
	for _, want := range []string{"ASHCOMBE-CONS", "CUST-ORSOLINI", "KESSELBACH-RES"} {
		if !strings.Contains(then, want) {
			t.Errorf("who could see it then does not name %s:\n%s", want, then)
		}
	}
	o.shot("access-history")

	// The reseller's page of the same entitlement has no such link.
	r := p.newTab(t)
	r.signIn(p.login(t, "reseller member"))
	if st := r.open("/entitlements/" + sub); st != http.StatusOK {
		r.fail("the reseller's entitlement page: status %d", st)
	}
	if r.exists(`a[href$="/access-history"]`) || strings.Contains(r.text("main"), "Access history") {
		t.Errorf("the reseller's entitlement page links to the access history:\n%s", r.text("main"))
	}
}
