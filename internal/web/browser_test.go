package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/auth"
	"github.com/entitle-portal/entitle/internal/demo"
)

// This file is the harness of the browser tests (browser_*_test.go): the
// real portal on the demo channel behind httptest, driven by headless
// Chromium through the DevTools protocol (chromedp). One browser serves the
// whole test binary; every signed-in user gets a fresh browser context
// (like an incognito window: its own cookies), so two users can be signed in
// side by side. Every step has a timeout, so a hung page fails the test in
// seconds. Each test saves a full-page screenshot (1280 px wide) of every
// page it visits into a folder under its temporary directory, or into
// $ENTITLE_SCREENSHOTS when set (`make screenshots` writes docs/screenshots).
//
// Without Chromium the browser tests are skipped, unless
// ENTITLE_TEST_BROWSER=1 (as in CI), which makes its absence a failure.
// ENTITLE_TEST_BROWSER=0 skips them even where Chromium is installed (CI runs
// them in a step of their own, not beside every other package's tests).

const (
	// stepTimeout bounds one browser step: a navigation, a click and the
	// page it loads, a read.
	stepTimeout = 15 * time.Second
	// tabTimeout bounds everything one browser context does.
	tabTimeout = 2 * time.Minute
	// browserStartTimeout bounds one start of Chromium. It starts in about a
	// second on an idle machine, but CI runs it beside the race-instrumented
	// suites of every other package on two cores, and a cold first start
	// after apt-get install has been seen to take over 30 s there.
	browserStartTimeout = 90 * time.Second
	// browserStarts is how many times a start is tried; a start that hangs
	// is killed and tried once more with a fresh profile.
	browserStarts = 2
	// desktopWidth and phoneWidth are the widths of the screenshots.
	desktopWidth, phoneWidth = 1280, 375
)

func TestMain(m *testing.M) {
	code := m.Run()
	stopBrowser()
	os.Exit(code)
}

// chromium is the browser of the test binary, started on first use.
var chromium struct {
	once   sync.Once
	ctx    context.Context // a chromedp context holding the running browser
	cancel context.CancelFunc
	err    error
}

// chromiumPath is the browser's executable: $ENTITLE_CHROMIUM, else
// Debian's /usr/bin/chromium, else chromium on the PATH; "" when none.
func chromiumPath(t *testing.T) string {
	if p := os.Getenv("ENTITLE_CHROMIUM"); p != "" {
		if _, err := exec.LookPath(p); err != nil {
			t.Fatalf("ENTITLE_CHROMIUM=%s: %v", p, err)
		}
		return p
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// browserContext returns the context of the shared browser, starting it on
// first use; it skips the test when there is no Chromium (and the browser
// tests are not required).
func browserContext(t *testing.T) context.Context {
	t.Helper()
	if os.Getenv("ENTITLE_TEST_BROWSER") == "0" {
		t.Skip("browser tests skipped: ENTITLE_TEST_BROWSER=0")
	}
	path := chromiumPath(t)
	if path == "" {
		if os.Getenv("ENTITLE_TEST_BROWSER") == "1" {
			t.Fatal("ENTITLE_TEST_BROWSER=1 but no Chromium: install Debian's chromium (apt-get install chromium chromium-driver) or set ENTITLE_CHROMIUM")
		}
		t.Skip("browser tests skipped: no Chromium; set ENTITLE_TEST_BROWSER=1 to require them")
	}
	chromium.once.Do(func() {
		for try := 1; try <= browserStarts; try++ {
			began := time.Now()
			chromium.ctx, chromium.cancel, chromium.err = startBrowser(path)
			if chromium.err == nil {
				t.Logf("Chromium started in %v (try %d)", time.Since(began).Round(time.Millisecond), try)
				return
			}
			t.Logf("Chromium did not start (try %d of %d): %v", try, browserStarts, chromium.err)
		}
	})
	if chromium.err != nil {
		t.Fatalf("starting %s: %v", path, chromium.err)
	}
	return chromium.ctx
}

// startBrowser starts headless Chromium with a fresh profile (chromedp makes
// a new user-data-dir and removes it at the end). Without the
// background-networking flags Chromium keeps calling Google's hosts, which a
// closed network refuses.
func startBrowser(path string) (context.Context, context.CancelFunc, error) {
	output := &tailBuffer{max: 4 << 10} // what Chromium printed, for the error
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // CI runs as root, and Chromium does not start as root with its sandbox
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.WindowSize(desktopWidth, 800),
		chromedp.CombinedOutput(output),
	)
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	stop := func() { cancel(); allocCancel() }
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }() // the first Run starts the browser, bound to ctx
	select {
	case err := <-started:
		if err != nil {
			stop()
			return nil, nil, fmt.Errorf("%w; Chromium printed:\n%s", err, output)
		}
	case <-time.After(browserStartTimeout):
		stop()
		return nil, nil, fmt.Errorf("no browser after %v; Chromium printed:\n%s", browserStartTimeout, output)
	}
	return ctx, stop, nil
}

// tailBuffer keeps the last max bytes written to it; safe for concurrent use.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

// stopBrowser ends the shared browser, if it started.
func stopBrowser() {
	if chromium.cancel != nil {
		chromium.cancel()
	}
}

// demoPortal is the real server with the demo channel, dated around its
// fixed clock.
type demoPortal struct {
	*testServer
	ch    demo.Channel
	today entitle.Date
	shots string // where screenshots go
}

// demoNow is the browser tests' clock: fixed, so pages and screenshots are
// the same on every run.
var demoNow = time.Date(2026, 6, 15, 10, 0, 0, 0, time.UTC)

var (
	demoHashOnce sync.Once
	demoHash     string
	demoHashErr  error
)

// newDemoPortal serves the demo channel as `entitle seed-demo` loads it:
// its companies, MSAs, prices and orders, its users (password
// demo.Password), its delegations and partner profiles.
func newDemoPortal(t *testing.T) *demoPortal {
	t.Helper()
	browserContext(t) // skip early without a browser
	ts := newServer(t, demoNow)
	today := entitle.DateOf(demoNow)
	ch := demo.New(today)
	ts.importBatch(ch.Batch, ch.Delegations)
	demoHashOnce.Do(func() { demoHash, demoHashErr = auth.HashPassword(demo.Password) })
	if demoHashErr != nil {
		t.Fatal(demoHashErr)
	}
	ctx := context.Background()
	var users []entitle.UserRecord
	for _, u := range ch.Users {
		users = append(users, entitle.UserRecord{User: u.User, PasswordHash: demoHash})
	}
	if err := ts.db.AddUsers(ctx, users, demoNow); err != nil {
		t.Fatal(err)
	}
	for _, p := range ch.Profiles {
		cur, err := ts.db.Profile(ctx, p.Company)
		if err != nil {
			t.Fatal(err)
		}
		cur.ContactEmail, cur.ContactPhone, cur.Website, cur.Listed = p.ContactEmail, p.ContactPhone, p.Website, p.Listed
		if err := ts.db.SetProfile(ctx, cur, entitle.AuditEvent{At: demoNow, Actor: "cli", Company: p.Company, Action: "company.profile",
			Object: p.Company, Outcome: "ok", Detail: "demo"}); err != nil {
			t.Fatal(err)
		}
	}
	return &demoPortal{testServer: ts, ch: ch, today: today, shots: screenshotDir(t)}
}

// login returns the demo user of a role as demo.Logins names it ("vendor
// admin", "reseller member", "outsider", …: the words before the
// parenthesis).
func (p *demoPortal) login(t *testing.T, role string) demo.User {
	t.Helper()
	for _, u := range demo.Logins(p.ch) {
		if roleName(u) == role {
			return u
		}
	}
	t.Fatalf("the demo channel has no login for %q", role)
	return demo.User{}
}

// user returns the demo user with that email.
func (p *demoPortal) user(t *testing.T, email string) demo.User {
	t.Helper()
	for _, u := range p.ch.Users {
		if u.Email == email {
			return u
		}
	}
	t.Fatalf("no demo user %s", email)
	return demo.User{}
}

// roleName is the role of a demo login without its explanation.
func roleName(u demo.User) string {
	r, _, _ := strings.Cut(u.Role, " (")
	return r
}

// screenshotDir is where a test's screenshots go: $ENTITLE_SCREENSHOTS (a
// relative path is taken from the module's root, so
// ENTITLE_SCREENSHOTS=docs/screenshots works from any directory), else a
// folder in the test's temporary directory.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("ENTITLE_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(t.TempDir(), "screenshots")
	} else if !filepath.IsAbs(dir) {
		dir = filepath.Join(moduleRoot(t), dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// moduleRoot is the directory holding go.mod, above the test's directory.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = up
	}
}

// tab is one browser context (its own cookies) with one tab, on a portal.
type tab struct {
	t   *testing.T
	p   *demoPortal
	ctx context.Context
	who string // the signed-in user, for messages
}

// newTab opens a fresh browser context on p; it closes with the test.
func (p *demoPortal) newTab(t *testing.T) *tab {
	t.Helper()
	bctx := browserContext(t)
	parent, cancelParent := context.WithTimeout(bctx, tabTimeout)
	ctx, cancel := chromedp.NewContext(parent, chromedp.WithNewBrowserContext())
	t.Cleanup(func() { cancel(); cancelParent() })
	// The first Run opens the tab and binds it to the context it gets: the
	// tab's own (bounded by tabTimeout), not a step's.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(desktopWidth, 800)); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	return &tab{t: t, p: p, ctx: ctx, who: "nobody"}
}

// step is a context for one step: it ends after stepTimeout.
func (b *tab) step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, stepTimeout)
}

// do runs actions as one step, failing the test on an error.
func (b *tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.fail("%s: %v", what, err)
	}
}

// fail ends the test with what the page says, to see what went wrong.
func (b *tab) fail(format string, args ...any) {
	b.t.Helper()
	msg := fmt.Sprintf(format, args...)
	ctx, cancel := context.WithTimeout(b.ctx, 3*time.Second)
	defer cancel()
	if loc, err := chromedp.Run(ctx, chromedp.Location()); err == nil {
		msg += "\n(as " + b.who + " on " + loc + ")"
	}
	if text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`)); err == nil {
		if len(text) > 1500 {
			text = text[:1500] + "…"
		}
		msg += "\n--- the page says:\n" + text
	}
	b.t.Fatal(msg)
}

// open navigates to a path of the portal and returns the HTTP status of the
// page.
func (b *tab) open(path string) int {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	res, err := chromedp.Run(ctx, chromedp.NavigateResponse(b.p.srv.URL+path))
	if err != nil {
		b.fail("open %s: %v", path, err)
	}
	return int(res.Status)
}

// submit clicks a button (or link) that loads a page, waits for that page
// and returns its HTTP status (after redirects).
func (b *tab) submit(sel string) int {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	res, err := chromedp.RunResponse(ctx, chromedp.Click(sel))
	if err != nil {
		b.fail("click %s: %v", sel, err)
	}
	return int(res.Status)
}

// button is an XPath selector of the button with that text (a form's
// button must be found by what a person reads on it).
func button(text string) string {
	return fmt.Sprintf(`//button[normalize-space()=%q]`, text)
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](b *tab, expr string) T {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.fail("evaluate %s: %v", expr, err)
	}
	return v
}

// text is the visible text of the first element matching a CSS selector,
// "" when there is none (it does not wait for one).
func (b *tab) text(css string) string {
	b.t.Helper()
	return eval[string](b, fmt.Sprintf(`(e => e ? e.innerText.trim() : "")(document.querySelector(%q))`, css))
}

// exists says whether an element matches a CSS selector now.
func (b *tab) exists(css string) bool {
	b.t.Helper()
	return eval[bool](b, fmt.Sprintf(`document.querySelector(%q) !== null`, css))
}

// attr is an attribute of the first element matching a CSS selector.
func (b *tab) attr(css, name string) string {
	b.t.Helper()
	return eval[string](b, fmt.Sprintf(`(e => e ? (e.getAttribute(%q) || "") : "")(document.querySelector(%q))`, name, css))
}

// fill replaces the value of an input as a person would: clear it, type.
func (b *tab) fill(id, value string) {
	b.t.Helper()
	// (chromedp's SetValue cannot set "": the empty argument arrives as
	// undefined.)
	if !eval[bool](b, fmt.Sprintf(`(e => e ? (e.value = "", true) : false)(document.getElementById(%q))`, id)) {
		b.fail("no field #%s", id)
	}
	if value != "" {
		b.do("type into #"+id, chromedp.SendKeys(chromedp.ID(id), value))
	}
}

// openMenu opens the user's menu in the header (account, company profile,
// webhooks, audit, sign out), as a person clicks on their name.
func (b *tab) openMenu() {
	b.t.Helper()
	if !eval[bool](b, `document.getElementById('me').open`) {
		b.do("open the user's menu", chromedp.Click("#me summary"))
	}
	if !eval[bool](b, `document.getElementById('me').open`) {
		b.fail("the user's menu does not open")
	}
}

// signIn signs in on the sign-in page as a demo user and lands on My
// entitlements.
func (b *tab) signIn(u demo.User) {
	b.t.Helper()
	if st := b.open("/login"); st != http.StatusOK {
		b.fail("sign-in page: status %d", st)
	}
	b.fill("email", u.Email)
	b.fill("password", u.Password)
	if st := b.submit(button("Sign in")); st != http.StatusOK {
		b.fail("sign in as %s: status %d", u.Email, st)
	}
	b.who = u.Email
	if h := b.text("h1"); h != "My entitlements" {
		b.fail("after signing in as %s: heading %q, want My entitlements", u.Email, h)
	}
}

// cookieHeader is the browser's cookies for the portal, as a Cookie header:
// an API request with it runs in the same session as the pages.
func (b *tab) cookieHeader() string {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{b.p.srv.URL}})
	if err != nil {
		b.fail("cookies: %v", err)
	}
	var parts []string
	for _, c := range res.Cookies {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; ")
}

// api is a GET of the JSON API in the browser's session.
func (b *tab) api(path string) response {
	b.t.Helper()
	ts := *b.p.testServer // failures belong to the test that asks
	ts.t = b.t
	return ts.do(request{method: http.MethodGet, path: path, header: map[string]string{"Cookie": b.cookieHeader()}})
}

// builtYet fails the test when the page is still a placeholder of the
// portal's frame.
func (b *tab) builtYet(path string) {
	b.t.Helper()
	if strings.Contains(b.text("main"), "this page is not built yet") {
		b.fail("%s is not built yet (a placeholder answers)", path)
	}
}

var shotName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// shot saves a full-page screenshot of the current page, 1280 px wide, as
// NAME.png.
func (b *tab) shot(name string) {
	b.t.Helper()
	b.shotAt(name, desktopWidth)
}

// shotAt saves a full-page screenshot at a viewport width (the page is laid
// out again at that width), then returns to the desktop width. A page wider
// than the window is an error: something in it does not wrap or scroll in
// its own box.
func (b *tab) shotAt(name string, width int64) {
	b.t.Helper()
	if !shotName.MatchString(name) {
		b.t.Fatalf("screenshot name %q: lower-case words and dashes only", name)
	}
	ctx, cancel := b.step()
	defer cancel()
	if width != desktopWidth {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 800)); err != nil {
			b.fail("viewport %d: %v", width, err)
		}
		defer chromedp.Do(ctx, chromedp.EmulateViewport(desktopWidth, 800))
	}
	size, err := chromedp.Run(ctx, chromedp.Evaluate[[2]float64](`[document.documentElement.scrollWidth, document.documentElement.scrollHeight]`))
	if err != nil {
		b.fail("page size: %v", err)
	}
	if size[0] > float64(width) {
		b.t.Errorf("%s: the page is %v px wide in a %d px window", name, size[0], width)
	}
	// Every table is in a box of its own (.scroll) that scrolls sideways on a
	// phone, never the page; at the desktop width every table fits its box.
	loose, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('table'))
		.filter(t => !t.closest('.scroll')).map(t => t.id || t.className || 'table')`))
	if err != nil {
		b.fail("tables: %v", err)
	}
	for _, id := range loose {
		b.t.Errorf("%s: a table is not in a box that scrolls (.scroll): %s", name, id)
	}
	// Dates are typed as they are shown, YYYY-MM-DD: no date picker, whose
	// format follows the browser's locale (mm/dd/yyyy in an American one).
	if n := eval[int](b, `document.querySelectorAll('input[type=date]').length`); n > 0 {
		b.t.Errorf("%s: %d date pickers (type=date)", name, n)
	}
	if width == desktopWidth {
		// The header is one line: its parts and every link of the
		// navigation overlap one band.
		if !eval[bool](b, `(() => {
			const es = [...document.querySelectorAll('.bar > *, .bar nav li')].map(e => e.getBoundingClientRect());
			return es.length == 0 || Math.max(...es.map(r => r.top)) < Math.min(...es.map(r => r.bottom));
		})()`) {
			b.t.Errorf("%s: the header takes more than one line at %d px (%s)", name, width, eval[string](b, `[...document.querySelectorAll('.bar > *, .bar nav li')].map(e => (e.innerText || e.tagName).trim().replace(/\s+/g, ' ').slice(0, 20) + '=' + Math.round(e.getBoundingClientRect().width)).join(', ')`))
		}
		over, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('.scroll'))
			.filter(e => e.scrollWidth > e.clientWidth + 1)
			.map(e => (e.querySelector('table') || e).id + ': ' + e.scrollWidth + ' px in ' + e.clientWidth + ' (columns: ' + Array.from(e.querySelectorAll('thead th'), h => h.textContent.trim() + '=' + Math.round(h.getBoundingClientRect().width)).join(', ') + ')')`))
		if err != nil {
			b.fail("table widths: %v", err)
		}
		for _, o := range over {
			b.t.Errorf("%s: a table is wider than its box at %d px (#%s)", name, width, o)
		}
	}
	// The page's full height at the window's width (chromedp's
	// FullScreenshot would take the width of overflowing content too).
	res, err := chromedp.Call(ctx, page.CaptureScreenshot, page.CaptureScreenshotParams{
		Format:                page.CaptureScreenshotFormatPng,
		Clip:                  &page.Viewport{Width: float64(width), Height: size[1], Scale: 1},
		CaptureBeyondViewport: new(true),
	})
	if err != nil {
		b.fail("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(b.p.shots, name+".png"), res.Data, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// entitlementRows follows My entitlements from the current page to its last
// page and returns the subscription ID of every row shown.
func (b *tab) entitlementRows() []string {
	b.t.Helper()
	var ids []string
	for pages := 0; ; pages++ {
		if pages > 50 {
			b.fail("more than 50 pages of entitlements")
		}
		ids = append(ids, eval[[]string](b, `Array.from(document.querySelectorAll('main table tbody tr a[href^="/entitlements/"]'), a => a.textContent.trim())`)...)
		next := b.attr(`a[rel="next"]`, "href")
		if next == "" {
			return ids
		}
		if st := b.open(next); st != http.StatusOK {
			b.fail("next page %s: status %d", next, st)
		}
	}
}

// apiEntitlements lists every subscription ID the API gives the browser's
// session, page after page, with the query's parameters (e.g. a sort) if
// any.
func (b *tab) apiEntitlements(query ...string) []string {
	b.t.Helper()
	var ids []string
	cursor := ""
	for {
		path := "/api/v1/entitlements?limit=500"
		for _, q := range query {
			path += "&" + q
		}
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		res := b.api(path)
		if res.status != http.StatusOK {
			b.t.Fatalf("GET %s as %s: %d %s", path, b.who, res.status, res.body)
		}
		var page struct {
			Items []struct {
				SubscriptionID string `json:"subscription_id"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		res.json(b.t, &page)
		for _, e := range page.Items {
			ids = append(ids, e.SubscriptionID)
		}
		if page.NextCursor == "" {
			return ids
		}
		cursor = page.NextCursor
	}
}
