package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/accounts"
	"github.com/entitle-portal/entitle/internal/demo"
)

// Accessibility, measured (issue 17). axe-core, injected into the page by
// chromedp, checks every page of the portal as every role of the demo
// channel against WCAG 2.1 A and AA (TestBrowserAccessibility); every GET
// page of routes.go must be in its table, so a new page cannot ship
// unchecked. Sign-in, the filter of My entitlements, the invite form and
// the grant of a delegation are walked with the keyboard alone
// (TestBrowserKeyboard), and every element Tab reaches on the busiest pages
// shows where the focus is (TestBrowserFocusVisible). Contrast is axe's
// color-contrast rule.
//
// axe-core is npm's axe-core package at axeVersion; the test reads its
// axe.min.js from $ENTITLE_AXE (.ci/run installs it and sets it), else from
// node_modules/axe-core/axe.min.js at the module's root (git-ignored).
// Without it the tests skip, unless ENTITLE_TEST_BROWSER=1, which makes its
// absence a failure:
//
//	npm install --no-save --prefix /tmp/entitle-axe axe-core@4.14.1
//	ENTITLE_AXE=/tmp/entitle-axe/node_modules/axe-core/axe.min.js ENTITLE_TEST_BROWSER=1 \
//	  go test -count=1 -run 'Browser(Accessibility|Keyboard|FocusVisible)' -v ./internal/web/

// axeVersion is the axe-core release the tests run, as .ci/run installs it.
const axeVersion = "4.14.1"

// axeTags are the rules run: WCAG 2.0 and 2.1, levels A and AA.
const axeTags = `["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]`

var axeSource struct {
	once sync.Once
	src  string
	path string
	err  error
}

// axeScript returns the source of axe.min.js, skipping the test (or
// failing it, with ENTITLE_TEST_BROWSER=1) when there is none.
func axeScript(t *testing.T) string {
	t.Helper()
	axeSource.once.Do(func() {
		axeSource.path = os.Getenv("ENTITLE_AXE")
		if axeSource.path == "" {
			axeSource.path = filepath.Join(moduleRoot(t), "node_modules", "axe-core", "axe.min.js")
		}
		var data []byte
		data, axeSource.err = os.ReadFile(axeSource.path)
		axeSource.src = string(data)
	})
	if axeSource.err != nil {
		msg := fmt.Sprintf("no axe-core (%v); install it with `npm install --no-save --prefix /tmp/entitle-axe axe-core@%s` "+
			"and set ENTITLE_AXE=/tmp/entitle-axe/node_modules/axe-core/axe.min.js", axeSource.err, axeVersion)
		if os.Getenv("ENTITLE_TEST_BROWSER") == "1" {
			t.Fatal("ENTITLE_TEST_BROWSER=1 but " + msg)
		}
		t.Skip("accessibility tests skipped: " + msg)
	}
	return axeSource.src
}

// axeViolation is one rule axe found broken, with the elements that break
// it.
type axeViolation struct {
	ID      string `json:"id"`
	Impact  string `json:"impact"`
	Help    string `json:"help"`
	HelpURL string `json:"helpUrl"`
	Nodes   []struct {
		Target  []string `json:"target"`
		HTML    string   `json:"html"`
		Summary string   `json:"summary"`
	} `json:"nodes"`
}

// axeRun is the script that runs axe on the page and returns its
// violations, each element named by its selector.
const axeRun = `axe.run(document, {runOnly: {type: "tag", values: ` + axeTags + `}, resultTypes: ["violations"]})
  .then(r => r.violations.map(v => ({id: v.id, impact: v.impact || "", help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.map(x => Array.isArray(x) ? x.join(" >>> ") : String(x)),
      html: n.html, summary: n.failureSummary || ""}))})))`

// axeCheck runs axe on the page shown, at the window's width, and reports
// every violation as an error of the test; it returns how many rules are
// broken.
func (b *tab) axeCheck(where string) int {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 2*stepTimeout)
	defer cancel()
	// A tab of axeTab has it in every page; another gets it now.
	if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof axe !== "undefined"`)); err != nil {
		b.fail("%s: %v", where, err)
	} else if !ok {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](axeScript(b.t)+"\n;true")); err != nil {
			b.fail("%s: injecting axe-core: %v", where, err)
		}
	}
	if v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.version`)); err != nil || v != axeVersion {
		b.t.Fatalf("axe-core at %s is version %q (%v), want %s as .ci/run installs it", axeSource.path, v, err, axeVersion)
	}
	vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		b.fail("%s: running axe: %v", where, err)
	}
	for _, v := range vs {
		var msg strings.Builder
		fmt.Fprintf(&msg, "%s, as %s: axe %s (%s): %s — %s", where, b.who, v.ID, v.Impact, v.Help, v.HelpURL)
		for i, n := range v.Nodes {
			if i == 5 {
				fmt.Fprintf(&msg, "\n    … and %d more", len(v.Nodes)-i)
				break
			}
			html := n.HTML
			if len(html) > 300 {
				html = html[:300] + "…"
			}
			fmt.Fprintf(&msg, "\n    %s\n      %s\n      %s", strings.Join(n.Target, " "), html,
				strings.ReplaceAll(strings.TrimSpace(n.Summary), "\n", "\n      "))
		}
		b.t.Error(msg.String())
	}
	return len(vs)
}

// axeTab is a new tab in which chromedp injects axe-core into every page
// it loads, before the page's own content (the browser compiles it once
// for all of them: evaluated anew in each page, it took most of a check's
// time).
func (p *demoPortal) axeTab(t *testing.T) *tab {
	t.Helper()
	b := p.newTab(t)
	ctx, cancel := b.step()
	defer cancel()
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: axeScript(t)}); err != nil {
		t.Fatalf("injecting axe-core: %v", err)
	}
	return b
}

// axeAt runs axeCheck at a width, then returns to the desktop's.
func (b *tab) axeAt(where string, width int64) int {
	b.t.Helper()
	if width != desktopWidth {
		b.do("viewport", chromedp.EmulateViewport(width, 800))
		defer b.do("viewport", chromedp.EmulateViewport(desktopWidth, 800))
	}
	return b.axeCheck(fmt.Sprintf("%s (%d px)", where, width))
}

// a11yFixture is what the pages with an identifier or a token need, made
// on the demo portal before the pages are visited.
type a11yFixture struct {
	invitation string           // the path of a pending invitation's link
	reset      string           // the path of a password reset link
	accessLink string           // the path of an open access request's link
	webhooks   map[string]int64 // company → its webhook's ID
}

// apiAs makes a user of company with an API token (an administrator) and
// returns a function that sends it API requests.
func apiAs(t *testing.T, p *demoPortal, company, email string) func(method, path string, body any) response {
	token := p.testServer.user(company, email, true)
	return func(method, path string, body any) response {
		t.Helper()
		return p.do(request{method: method, path: path, token: token, body: body})
	}
}

// newA11yFixture gives the demo channel one of each thing a page shows:
// a renewal request, a transfer offer and an access request in flight, a
// webhook for every company of the demo's logins, a pending invitation and
// a password reset link.
func newA11yFixture(t *testing.T, p *demoPortal) a11yFixture {
	t.Helper()
	ctx := context.Background()
	f := a11yFixture{webhooks: map[string]int64{}}
	owner := apiAs(t, p, "CUST-GRAUWALD", "a11y.owner@grauwald.example")
	if res := owner("POST", "/api/v1/entitlements/SUB-310101/renewal-requests", map[string]string{"message": "Please quote three years."}); res.status != http.StatusCreated {
		t.Fatalf("renewal request: %d %s", res.status, res.body)
	}
	if res := owner("POST", "/api/v1/entitlements/SUB-310102/transfers", map[string]string{"to": "CUST-HAVERLOCK", "message": "The Vienna site is yours from July."}); res.status != http.StatusCreated {
		t.Fatalf("transfer offer: %d %s", res.status, res.body)
	}
	if res := owner("POST", "/api/v1/invitations", map[string]string{"email": "a11y.newcomer@grauwald.example"}); res.status != http.StatusCreated {
		t.Fatalf("invitation: %d %s", res.status, res.body)
	}
	msp := apiAs(t, p, "ASHCOMBE-CONS", "a11y.asker@ashcombe.example")
	res := msp("POST", "/api/v1/access-requests", map[string]any{"message": "We run your energy systems now: please let us plan the renewals.",
		"days": 90, "subscription_ids": []string{"SUB-310101"}})
	var created struct{ Link string }
	if res.status != http.StatusCreated {
		t.Fatalf("access request: %d %s", res.status, res.body)
	}
	res.json(t, &created)
	u, err := url.Parse(created.Link)
	if err != nil {
		t.Fatal(err)
	}
	f.accessLink = u.RequestURI()
	for _, u := range demo.Logins(p.ch) {
		if _, ok := f.webhooks[u.Company]; ok {
			continue
		}
		hook, err := p.db.AddWebhook(ctx, entitle.Webhook{Company: u.Company, URL: "https://hooks.example/" + strings.ToLower(u.Company), Secret: "whsec_a11y",
			CreatedAt: p.clock.Now(), CreatedBy: "cli"}, entitle.AuditEvent{At: p.clock.Now(), Actor: "cli", Company: u.Company, Action: "webhook.add", Outcome: "ok"})
		if err != nil {
			t.Fatal(err)
		}
		f.webhooks[u.Company] = hook.ID
	}
	// The links mailed: the invitation's and a reset's.
	reseller := p.login(t, "reseller member")
	if res := p.do(request{method: "POST", path: "/api/v1/password/forgot", body: map[string]string{"email": reseller.Email}}); res.status != http.StatusAccepted {
		t.Fatalf("forgot: %d %s", res.status, res.body)
	}
	resets := resetLinks(t, p.testServer)[reseller.Email]
	if len(resets) != 1 {
		t.Fatalf("reset links to %s: %v", reseller.Email, resets)
	}
	f.reset = "/password/reset?token=" + url.QueryEscape(resets[0])
	p.svc.Coworkers.Wait()
	f.invitation = mailedLink(t, p.testServer, "/invitations/accept?token=")
	return f
}

// mailedLink returns the path of the one link in the outbox's mail that
// starts with prefix (after the portal's address).
func mailedLink(t *testing.T, ts *testServer, prefix string) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(ts.outbox, "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	link := regexp.MustCompile(`http://portal\.example` + regexp.QuoteMeta(prefix) + `([A-Za-z0-9_%=-]+)`)
	var found []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		unfolded := strings.ReplaceAll(strings.ReplaceAll(string(data), "=\r\n", ""), "=3D", "=")
		if m := link.FindStringSubmatch(unfolded); m != nil {
			token, err := url.QueryUnescape(m[1])
			if err != nil {
				t.Fatal(err)
			}
			found = append(found, prefix+url.QueryEscape(token))
		}
	}
	if len(found) != 1 {
		t.Fatalf("links %s… in the outbox: %v", prefix, found)
	}
	return found[0]
}

// a11yRole is what a signed-in role's pages need: its first entitlement
// (a foreign one for a role that sees none) and its company.
type a11yRole struct {
	fixture a11yFixture
	company string
	sub     string
}

// portalPages are the signed-in pages of routes.go: the route's pattern →
// the path that shows it to a role. Every role visits every one; a page
// the role may not see shows the 403 or 404 page, which is checked too.
var portalPages = []struct {
	pattern string
	path    func(r a11yRole) string
}{
	{"GET /{$}", func(a11yRole) string { return "/" }},
	{"GET /entitlements/{id}", func(r a11yRole) string { return "/entitlements/" + r.sub }},
	{"GET /entitlements/{id}/access-history", func(r a11yRole) string { return "/entitlements/" + r.sub + "/access-history" }},
	{"GET /entitlements/{id}/renew", func(r a11yRole) string { return "/entitlements/" + r.sub + "/renew" }},
	{"GET /orders", func(a11yRole) string { return "/orders" }},
	{"GET /delegations", func(a11yRole) string { return "/delegations" }},
	{"GET /renewals", func(a11yRole) string { return "/renewals" }},
	{"GET /transfers", func(a11yRole) string { return "/transfers" }},
	{"GET /access-requests", func(a11yRole) string { return "/access-requests" }},
	{"GET /access-requests/open", func(r a11yRole) string { return r.fixture.accessLink }},
	{"GET /where-to-buy", func(a11yRole) string { return "/where-to-buy" }},
	{"GET /company", func(a11yRole) string { return "/company" }},
	{"GET /coworkers", func(a11yRole) string { return "/coworkers" }},
	{"GET /account", func(a11yRole) string { return "/account" }},
	{"GET /account/two-factor", func(a11yRole) string { return "/account/two-factor" }},
	{"GET /webhooks", func(a11yRole) string { return "/webhooks" }},
	{"GET /webhooks/{id}", func(r a11yRole) string { return fmt.Sprintf("/webhooks/%d", r.fixture.webhooks[r.company]) }},
	{"GET /audit", func(a11yRole) string { return "/audit" }},
	{"GET /vendor/companies", func(a11yRole) string { return "/vendor/companies" }},
	{"GET /vendor/msas", func(a11yRole) string { return "/vendor/msas" }},
	{"GET /vendor/import", func(a11yRole) string { return "/vendor/import" }},
	{"GET /vendor/announcements", func(a11yRole) string { return "/vendor/announcements" }},
	{"GET /vendor/sso", func(a11yRole) string { return "/vendor/sso" }},
	{"/", func(a11yRole) string { return "/no-such-page" }}, // the 404 page, signed in
}

// visitorPages are the pages for visitors, checked signed out (the
// second step of signing in, GET /login/two-factor, has a walk of its own
// in TestBrowserAccessibility).
var visitorPages = []struct {
	pattern string
	path    func(f a11yFixture) string
	status  int
}{
	{"GET /login", func(a11yFixture) string { return "/login" }, http.StatusOK},
	{"GET /password/forgot", func(a11yFixture) string { return "/password/forgot" }, http.StatusOK},
	{"GET /password/reset", func(f a11yFixture) string { return f.reset }, http.StatusOK},
	{"GET /invitations/accept", func(f a11yFixture) string { return f.invitation }, http.StatusOK},
	// No state: the sign-in page with its error.
	{"GET /sso/callback", func(a11yFixture) string { return "/sso/callback" }, http.StatusUnauthorized},
	// The 404 page, signed out.
	{"/", func(a11yFixture) string { return "/no-such-page" }, http.StatusNotFound},
}

// a11yOtherPages are the GET pages checked outside the two tables above.
var a11yOtherPages = []string{"GET /login/two-factor"}

// pagePatterns are the patterns of routes.go that answer a page of HTML to
// a GET: not the API, static files, CSV downloads or the operations'
// routes.
func pagePatterns(t *testing.T, p *demoPortal) []string {
	t.Helper()
	var out []string
	for _, pat := range p.web.Routes() {
		method, path, ok := strings.Cut(pat, " ")
		if !ok {
			method, path = "", pat
		}
		switch {
		case method != "" && method != http.MethodGet,
			strings.HasPrefix(path, "/api/"), strings.HasPrefix(path, "/static/"), strings.HasSuffix(path, ".csv"),
			path == "/healthz", path == "/readyz", path == "/metrics":
			continue
		}
		out = append(out, pat)
	}
	return out
}

// TestBrowserAccessibility runs axe-core (WCAG 2.1 A and AA) on every page
// of the portal: signed out, the visitor's pages; signed in as each role of
// the demo channel, every portal page (a page the role may not see is the
// 403 or 404 page, checked once for each status); the second step of
// signing in and a few states a form leads to (a refused sign-in, an
// invite form with its error, the two-factor set-up, the recovery codes).
// The visitor's pages and the customer administrator's are checked at a
// phone's width too. Every GET page of routes.go must be in the tables.
func TestBrowserAccessibility(t *testing.T) {
	p := newDemoPortal(t)
	axeScript(t)

	// Every page of the server is in a table, and every table's pattern is a
	// page of the server.
	covered := map[string]bool{}
	for _, pg := range portalPages {
		covered[pg.pattern] = true
	}
	for _, pg := range visitorPages {
		covered[pg.pattern] = true
	}
	for _, pat := range a11yOtherPages {
		covered[pat] = true
	}
	pages := pagePatterns(t, p)
	for _, pat := range pages {
		if !covered[pat] {
			t.Errorf("the page %q of routes.go has no accessibility check: add it to portalPages or visitorPages (browser_a11y_test.go)", pat)
		}
	}
	for pat := range covered {
		if !slices.Contains(pages, pat) {
			t.Errorf("the accessibility tables name %q, which is not a GET page of routes.go", pat)
		}
	}

	f := newA11yFixture(t, p)
	checks, phone := 0, 0 // (the subtests run one after another)
	count := func(width int64) {
		checks++
		if width != desktopWidth {
			phone++
		}
	}

	t.Run("visitor", func(t *testing.T) {
		b := p.axeTab(t)
		for _, pg := range visitorPages {
			path := pg.path(f)
			st := b.open(path)
			if want := pg.status; st != want {
				t.Errorf("%s signed out: status %d, want %d", path, st, want)
			}
			where := fmt.Sprintf("%s (%s)", pg.pattern, strings.SplitN(path, "?", 2)[0])
			for _, w := range []int64{desktopWidth, phoneWidth} {
				b.axeAt(where, w)
				count(w)
			}
		}
		// A refused sign-in: the error, the field it belongs to.
		b.open("/login")
		b.fill("email", "nobody@nowhere.example")
		b.fill("password", "not the password")
		if st := b.submit(button("Sign in")); st != http.StatusUnauthorized {
			t.Errorf("a refused sign-in: status %d", st)
		}
		b.axeAt("POST /login refused", desktopWidth)
		count(desktopWidth)
	})

	t.Run("two-factor", func(t *testing.T) {
		// Pellham requires a second factor: its member sets one up while
		// signing in, keeps the recovery codes, then signs in with a code.
		ctx := context.Background()
		if err := p.db.SetRequireTwoFactor(ctx, "CUST-PELLHAM", true, entitle.AuditEvent{At: p.clock.Now(), Actor: "cli",
			Company: "CUST-PELLHAM", Action: "company.two_factor", Object: "CUST-PELLHAM", Outcome: "ok"}); err != nil {
			t.Fatal(err)
		}
		member := p.user(t, "grace.okafor@pellham.example")
		b := p.axeTab(t)
		signInPassword(b, member)
		if h := b.text("h1"); h != "Set up two-factor sign-in" {
			b.fail("after the password: heading %q, want the set-up", h)
		}
		b.axeAt("GET /login/two-factor (set up)", desktopWidth)
		b.axeAt("GET /login/two-factor (set up)", phoneWidth)
		count(desktopWidth)
		count(phoneWidth)
		code, err := accounts.TOTPCode(b.text("#totp-secret"), p.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		b.fill("code", code)
		if st := b.submit(button("Turn on and sign in")); st != http.StatusOK {
			b.fail("turn on and sign in: status %d", st)
		}
		b.axeAt("POST /login/two-factor (recovery codes)", desktopWidth)
		count(desktopWidth)
		p.clock.Advance(time.Minute)
		c := p.axeTab(t)
		signInPassword(c, member)
		if h := c.text("h1"); h != "Enter your code" {
			c.fail("after the password: heading %q, want the code's step", h)
		}
		c.axeAt("GET /login/two-factor (code)", desktopWidth)
		count(desktopWidth)
		c.fill("code", "000000")
		c.submit(button("Sign in"))
		if c.text("#code-error") == "" {
			c.fail("a wrong code: no error next to the field")
		}
		c.axeAt("POST /login/two-factor refused", desktopWidth)
		count(desktopWidth)
	})

	errorPages := map[int]bool{} // the statuses whose signed-in page axe checked
	shown := map[string]bool{}   // the patterns some role got with 200
	logins, ran := demo.Logins(p.ch), 0
	for _, u := range logins {
		role := roleName(u)
		t.Run(strings.ReplaceAll(role, " ", "-"), func(t *testing.T) {
			ran++
			b := p.axeTab(t)
			b.signIn(u)
			r := a11yRole{fixture: f, company: u.Company, sub: "SUB-310101"} // a foreign one for a role that sees none
			if subs := b.apiEntitlements(); len(subs) > 0 {
				r.sub = subs[0]
			}
			widths := []int64{desktopWidth}
			if role == "customer admin" {
				widths = append(widths, phoneWidth)
			}
			for _, pg := range portalPages {
				path := pg.path(r)
				st := b.open(path)
				switch st {
				case http.StatusOK:
					shown[pg.pattern] = true
				case http.StatusForbidden, http.StatusNotFound:
					if errorPages[st] {
						continue
					}
					errorPages[st] = true
				default:
					t.Errorf("%s as %s: status %d", path, role, st)
					continue
				}
				where := fmt.Sprintf("%s (%s, %d)", pg.pattern, strings.SplitN(path, "?", 2)[0], st)
				for _, w := range widths {
					b.axeAt(where, w)
					count(w)
				}
			}
			// States a form leads to, as the role that uses them.
			if role == "customer admin" {
				b.open("/coworkers")
				b.fill("invite-email", "not an address")
				eval[bool](b, `(f => { f.noValidate = true; return true })(document.getElementById("invite-email").form)`)
				if st := b.submit(button("Send invitation")); st != http.StatusUnprocessableEntity {
					t.Errorf("an invalid invitation: status %d", st)
				}
				b.axeAt("POST /coworkers/invite refused", desktopWidth)
				count(desktopWidth)
				b.open("/delegations")
				b.fill("grant-delegate", "")
				if st := b.submit(button("Grant access")); st != http.StatusUnprocessableEntity {
					t.Errorf("an empty grant: status %d", st)
				}
				b.axeAt("POST /delegations refused", desktopWidth)
				count(desktopWidth)
				b.open("/account/two-factor")
				if st := b.submit(button("Set up two-factor sign-in")); st != http.StatusOK {
					b.fail("set up two-factor sign-in: status %d", st)
				}
				b.axeAt("POST /account/two-factor/start", desktopWidth)
				count(desktopWidth)
			}
		})
	}
	// In German: the visitor's pages for a browser that asks for it, and
	// every page of the customer's administrator and of the vendor's, who
	// chose it on the Account page (a German label must still hold its
	// button's words, WCAG 2.5.3; <html lang="de">).
	t.Run("german", func(t *testing.T) {
		b := p.axeTab(t)
		ctx, cancel := b.step()
		_, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": "de-DE,de;q=0.9"}})
		cancel()
		if err != nil {
			t.Fatalf("ask for German: %v", err)
		}
		for _, pg := range visitorPages {
			path := pg.path(f)
			if st := b.open(path); st != pg.status {
				t.Errorf("%s signed out, in German: status %d, want %d", path, st, pg.status)
			}
			if l := eval[string](b, `document.documentElement.lang`); l != "de" {
				t.Errorf("%s signed out, in German: <html lang=%q>", path, l)
			}
			b.axeAt(fmt.Sprintf("%s in German", pg.pattern), desktopWidth)
			count(desktopWidth)
		}
		for _, role := range []string{"customer admin", "vendor admin"} {
			u := p.login(t, role)
			c := p.axeTab(t)
			c.signIn(u)
			c.open("/account")
			c.do("choose Deutsch", chromedp.SetValue(chromedp.ID("language"), "de"))
			if st := c.submit(button("Save the language")); st != http.StatusOK {
				c.fail("choose German: status %d", st)
			}
			r := a11yRole{fixture: f, company: u.Company, sub: "SUB-310101"}
			if subs := c.apiEntitlements(); len(subs) > 0 {
				r.sub = subs[0]
			}
			for _, pg := range portalPages {
				path := pg.path(r)
				if st := c.open(path); st != http.StatusOK {
					continue // the English run checked the error pages
				}
				if l := eval[string](c, `document.documentElement.lang`); l != "de" {
					t.Errorf("%s as %s in German: <html lang=%q>", path, role, l)
				}
				c.axeAt(fmt.Sprintf("%s in German", pg.pattern), desktopWidth)
				count(desktopWidth)
			}
		}
	})

	for _, pg := range portalPages {
		if ran == len(logins) && !shown[pg.pattern] && pg.pattern != "/" {
			t.Errorf("%s: no role of the demo got the page itself, only a 403 or 404: give one a path that shows it", pg.pattern)
		}
	}
	if ran == len(logins) && (!errorPages[http.StatusNotFound] || !errorPages[http.StatusForbidden]) {
		t.Errorf("the signed-in error pages checked: %v; want 403 and 404", errorPages)
	}
	t.Logf("axe-core %s (%s): %d checks of a page as a role, %d of them at %d px", axeVersion, strings.Trim(axeTags, "[]"), checks, phone, phoneWidth)
}

// press sends keys to the element that has the focus.
func (b *tab) press(keys string) {
	b.t.Helper()
	b.do(fmt.Sprintf("press %q", keys), chromedp.KeyEvent(keys))
}

// pressLoad sends keys that load a page (Enter in a form, Space on its
// button) and returns the page's status.
func (b *tab) pressLoad(keys string) int {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	res, err := chromedp.RunResponse(ctx, chromedp.KeyEvent(keys))
	if err != nil {
		b.fail("press %q: %v", keys, err)
	}
	return int(res.Status)
}

// focused describes the element that has the focus.
func (b *tab) focused() string {
	b.t.Helper()
	return eval[string](b, `(e => e === document.body || !e ? "(the page)" :
		e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.name ? "[name=" + e.name + "]" : "") + " " + JSON.stringify((e.innerText || e.value || "").trim().slice(0, 40)))(document.activeElement)`)
}

// tabTo presses Tab until the focus is on an element matching a CSS
// selector (no press when it is there already) and returns the presses.
func (b *tab) tabTo(css string) int {
	b.t.Helper()
	const most = 120
	for n := 0; n <= most; n++ {
		if eval[bool](b, fmt.Sprintf(`document.activeElement !== null && document.activeElement.matches(%q)`, css)) {
			return n
		}
		b.press(kb.Tab)
	}
	b.fail("%d presses of Tab do not reach %s (the focus is on %s)", most, css, b.focused())
	return 0
}

// typeText types text into the element that has the focus, key by key.
func (b *tab) typeText(text string) {
	b.t.Helper()
	b.do("type "+text, chromedp.KeyEvent(text))
}

// TestBrowserKeyboard walks the portal's main tasks with the keyboard only
// — Tab, typing, arrow keys, Enter and Space; no click: sign in, filter My
// entitlements, invite a co-worker, grant a delegation. Each ends where a
// mouse would have.
func TestBrowserKeyboard(t *testing.T) {
	p := newDemoPortal(t)
	axeScript(t)
	admin := p.login(t, "customer admin")
	b := p.newTab(t)

	// Sign in: the address has the focus when the page opens; one Tab to
	// the password, Enter.
	if st := b.open("/login"); st != http.StatusOK {
		b.fail("/login: status %d", st)
	}
	b.tabTo("#email")
	b.typeText(admin.Email)
	if n := b.tabTo("#password"); n != 1 {
		t.Errorf("from the address, %d presses of Tab reach the password, want 1", n)
	}
	b.typeText(admin.Password)
	if st := b.pressLoad(kb.Enter); st != http.StatusOK {
		b.fail("Enter in the password field: status %d", st)
	}
	b.who = admin.Email
	if h := b.text("h1"); h != "My entitlements" {
		b.fail("after signing in with the keyboard: heading %q", h)
	}

	// The first Tab reaches the link that skips the navigation; Enter on
	// it, and the next Tab is in the page's content.
	if n := b.tabTo("a.skip"); n != 1 {
		t.Errorf("%d presses of Tab reach the skip link, want 1", n)
	}
	b.press(kb.Enter)
	b.press(kb.Tab)
	if !eval[bool](b, `document.activeElement.closest("main") !== null`) {
		t.Errorf("after the skip link, Tab goes to %s, outside the content", b.focused())
	}

	// Filter: from the page's start, Tab to Search, type, Tab to Filter,
	// Space.
	all := eval[int](b, `document.querySelectorAll("#entitlements tbody tr").length`)
	b.tabTo("#f-q")
	b.typeText("SUB-3101")
	b.tabTo(`form.filters button[type="submit"]`)
	if st := b.pressLoad(" "); st != http.StatusOK {
		b.fail("Space on Filter: status %d", st)
	}
	if q := eval[string](b, `new URL(location.href).searchParams.get("q") || ""`); q != "SUB-3101" {
		b.fail("after filtering: the query is %q", q)
	}
	rows := eval[[]string](b, `Array.from(document.querySelectorAll("#entitlements tbody tr"), r => r.querySelector('a[href^="/entitlements/"]').textContent.trim())`)
	if len(rows) == 0 || len(rows) >= all {
		t.Errorf("filtered on SUB-3101: %d rows of %d", len(rows), all)
	}
	for _, sub := range rows {
		if !strings.HasPrefix(sub, "SUB-3101") {
			t.Errorf("filtered on SUB-3101, the list shows %s", sub)
		}
	}

	// Invite: the navigation's Co-workers link by Tab and Enter, then the
	// form.
	b.tabTo(`nav a[href="/coworkers"]`)
	if st := b.pressLoad(kb.Enter); st != http.StatusOK || b.text("h1") == "" {
		b.fail("Enter on Co-workers: status %d", st)
	}
	const invitee = "keyboard.only@grauwald.example"
	b.tabTo("#invite-email")
	b.typeText(invitee)
	b.tabTo(`form.cw-form button[type="submit"]`)
	if st := b.pressLoad(kb.Enter); st != http.StatusOK {
		b.fail("Enter on Send invitation: status %d", st)
	}
	if f := b.text(".flash"); !strings.Contains(f, "Your invitation was sent") {
		t.Errorf("after inviting with the keyboard: message %q", f)
	}
	if inv := b.text("#invitations"); !strings.Contains(inv, invitee) {
		t.Errorf("the pending invitations do not list %s:\n%s", invitee, inv)
	}

	// Grant: Delegations from the navigation, the company key, the scope
	// by arrow key, the subscriptions, Space on Grant access.
	b.tabTo(`nav a[href="/delegations"]`)
	if st := b.pressLoad(kb.Enter); st != http.StatusOK {
		b.fail("Enter on Delegations: status %d", st)
	}
	sub := b.apiEntitlements("role=owner")[0]
	b.tabTo("#grant-delegate")
	b.typeText("ASHCOMBE-CONS")
	b.tabTo(`input[name="scope"]`)
	if !eval[bool](b, `document.activeElement.value === "all"`) {
		b.press(kb.ArrowUp) // the first of the group
	}
	b.press(kb.ArrowDown)
	if v := eval[string](b, `document.querySelector('input[name="scope"]:checked')?.value || ""`); v != "listed" {
		b.fail("the arrow key chose the scope %q, want listed", v)
	}
	b.tabTo("#grant-subs")
	b.typeText(sub)
	b.tabTo(`form.delegation-grant button[type="submit"]`)
	if st := b.pressLoad(" "); st != http.StatusOK {
		b.fail("Space on Grant access: status %d", st)
	}
	row := eval[string](b, `Array.from(document.querySelectorAll("#granted tbody tr"), r => r.innerText).filter(s => s.includes("ASHCOMBE-CONS")).join("\n")`)
	if !strings.Contains(row, sub) || !strings.Contains(row, "active") {
		t.Errorf("the granted delegations do not list %s for ASHCOMBE-CONS, active:\n%s", sub, b.text("#granted"))
	}
}

// focusStyle is the script that says how the element with the focus shows
// it — {how: "", …} when it does not (no outline, no box shadow, or not on
// screen) — and the contrast of its outline with the background it is
// drawn over, the nearest opaque one of its parents (WCAG 1.4.11 asks 3:1).
const focusStyle = `(e => {
  const s = getComputedStyle(e), r = e.getBoundingClientRect();
  if (r.width === 0 || r.height === 0 || r.right < 0 || r.bottom < 0) return {how: "", ratio: 0};
  const rgb = c => (c.match(/[\d.]+/g) || []).map(Number);
  const lum = c => { const f = v => (v /= 255) <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  let bg = [255, 255, 255];
  for (let p = e.parentElement; p; p = p.parentElement) {
    const c = rgb(getComputedStyle(p).backgroundColor);
    if (c.length === 3 || c[3] === 1) { bg = c; break; }
  }
  if (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) {
    const a = lum(rgb(s.outlineColor)), b = lum(bg);
    return {how: "outline " + s.outlineWidth + " " + s.outlineStyle + " " + s.outlineColor, ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)};
  }
  if (s.boxShadow && s.boxShadow !== "none") return {how: "box-shadow " + s.boxShadow, ratio: 0};
  return {how: "", ratio: 0};
})(document.activeElement)`

// TestBrowserFocusVisible presses Tab through the sign-in page, My
// entitlements (the vendor's: the most columns), Co-workers and
// Delegations, and asserts that every element the focus reaches is on
// screen and shows it (an outline or a shadow), and that the focus goes
// through the whole page and back to its start.
// afterFrames waits for the page's next two frames: what the browser does
// at a frame after the load (an autofocus field takes its focus) is done.
func afterFrames(b *tab) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](
		`new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`, chromedp.EvalAwaitPromise)); err != nil {
		b.fail("wait for two frames: %v", err)
	}
}

func TestBrowserFocusVisible(t *testing.T) {
	p := newDemoPortal(t)
	axeScript(t)
	walk := func(b *tab, path string) {
		b.t.Helper()
		if st := b.open(path); st != http.StatusOK {
			b.fail("%s: status %d", path, st)
		}
		// From the page's start, whatever has the focus (an autofocus):
		// a stand-in at the top of the body takes it and goes — once the
		// browser has given an autofocus field its focus, which it does at
		// a frame after the load, or the field would take it back.
		afterFrames(b)
		eval[bool](b, `(s => { s.tabIndex = -1; document.body.prepend(s); s.focus(); s.remove(); return true })(document.createElement("span"))`)
		seen := map[string]bool{}
		stops := 0
		for ; stops < 400; stops++ {
			b.press(kb.Tab)
			if eval[bool](b, `document.activeElement === document.body || document.activeElement === null`) {
				break // past the last element
			}
			// A date field takes several presses, one for each part.
			who := eval[string](b, `(e => e.outerHTML.slice(0, 160))(document.activeElement)`)
			if seen[who] {
				continue
			}
			seen[who] = true
			if stops == 0 && !eval[bool](b, `document.activeElement.matches("a.skip")`) {
				t.Errorf("%s: the first Tab reaches %s, not the link that skips to the content", path, b.focused())
			}
			ring := eval[struct {
				How   string  `json:"how"`
				Ratio float64 `json:"ratio"`
			}](b, focusStyle)
			switch {
			case ring.How == "":
				t.Errorf("%s as %s: the focus on %s does not show (no outline or shadow, or off screen): %s", path, b.who, b.focused(), who)
			case strings.HasPrefix(ring.How, "outline") && ring.Ratio < 3:
				t.Errorf("%s as %s: the focus ring of %s (%s) has a contrast of %.2f:1 with what is behind it, want 3:1 at least", path, b.who, b.focused(), ring.How, ring.Ratio)
			}
			if !eval[bool](b, `document.activeElement.matches(":focus-visible")`) {
				t.Errorf("%s: the focus on %s, reached by Tab, is not :focus-visible", path, b.focused())
			}
		}
		if stops == 400 {
			t.Errorf("%s: 400 presses of Tab did not get through the page", path)
		}
		if len(seen) < 3 {
			t.Errorf("%s: Tab reached %d elements", path, len(seen))
		}
		t.Logf("%s as %s: %d elements reached by Tab, each shows its focus", path, b.who, len(seen))
	}
	v := p.newTab(t)
	walk(v, "/login")
	v.signIn(p.login(t, "vendor admin"))
	walk(v, "/")
	c := p.newTab(t)
	c.signIn(p.login(t, "customer admin"))
	walk(c, "/coworkers")
	walk(c, "/delegations")
}
