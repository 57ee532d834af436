package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/auth"
)

func login(w *world, c *http.Client, email, password string) response {
	return w.do(request{method: "POST", path: "/api/v1/login", client: c, body: map[string]string{"email": email, "password": password}})
}

// TestLoginSession: a login opens a server-side session carried by an
// HttpOnly, SameSite=Lax cookie; logout ends it.
func TestLoginSession(t *testing.T) {
	w := newWorld(t)
	c := w.browser()
	res := login(w, c, "  Member@SHOP.example ", testPassword)
	if res.status != http.StatusOK {
		t.Fatalf("login: %d %s", res.status, res.body)
	}
	var me struct {
		User    struct{ Email, Name string }
		Company struct{ Key, Name string }
	}
	res.json(t, &me)
	if me.User.Email != "member@shop.example" || me.Company.Key != "SHOP" {
		t.Errorf("login answer: %s", res.body)
	}
	cookie := res.header.Get("Set-Cookie")
	for _, attr := range []string{"entitle_session=", "Path=/", "HttpOnly", "SameSite=Lax"} {
		if !strings.Contains(cookie, attr) {
			t.Errorf("cookie %q lacks %s", cookie, attr)
		}
	}
	if strings.Contains(cookie, "Secure") {
		t.Errorf("cookie over plain HTTP is Secure: %q", cookie)
	}
	if res := w.do(request{method: "GET", path: "/api/v1/me", client: c}); res.status != http.StatusOK {
		t.Errorf("me with the session: %d %s", res.status, res.body)
	}
	if res := w.do(request{method: "GET", path: "/api/v1/entitlements/S-100", client: c}); res.status != http.StatusOK {
		t.Errorf("get with the session: %d %s", res.status, res.body)
	}
	// The session is stored hashed: the cookie's value is nowhere in the database.
	u, _ := url.Parse(w.srv.URL)
	value := c.Jar.Cookies(u)[0].Value
	if _, _, err := w.db.UserBySession(context.Background(), value, w.clock.Now()); err == nil {
		t.Error("the raw cookie value finds a session: sessions are not stored hashed")
	}
	if res := w.do(request{method: "POST", path: "/api/v1/logout", client: c}); res.status != http.StatusNoContent {
		t.Fatalf("logout: %d %s", res.status, res.body)
	}
	// The old cookie, replayed, no longer works.
	replay := w.do(request{method: "GET", path: "/api/v1/me", header: map[string]string{"Cookie": "entitle_session=" + value}})
	if replay.status != http.StatusUnauthorized || replay.errCode() != "unauthenticated" {
		t.Errorf("after logout: %d %s", replay.status, replay.body)
	}
	// Sessions expire when unused.
	login(w, c, "member@shop.example", testPassword)
	w.clock.Advance(13 * time.Hour)
	if res := w.do(request{method: "GET", path: "/api/v1/me", client: c}); res.status != http.StatusUnauthorized {
		t.Errorf("after 13 idle hours: %d", res.status)
	}
}

// TestLoginRotatesSession: a session cookie planted before login (session
// fixation) is replaced, and the old session is gone.
func TestLoginRotatesSession(t *testing.T) {
	w := newWorld(t)
	c := w.browser()
	login(w, c, "member@shop.example", testPassword)
	u, _ := url.Parse(w.srv.URL)
	first := c.Jar.Cookies(u)[0].Value
	login(w, c, "admin@north.example", testPassword)
	second := c.Jar.Cookies(u)[0].Value
	if first == second {
		t.Fatal("login kept the session cookie")
	}
	if res := w.do(request{method: "GET", path: "/api/v1/me", header: map[string]string{"Cookie": "entitle_session=" + first}}); res.status != http.StatusUnauthorized {
		t.Errorf("the replaced session still works: %d %s", res.status, res.body)
	}
	res := w.do(request{method: "GET", path: "/api/v1/me", client: c})
	if !strings.Contains(string(res.body), "admin@north.example") {
		t.Errorf("after the second login: %s", res.body)
	}
}

// TestLoginRefusals: an unknown email, a wrong password and a disabled
// account get the same answer (no user enumeration), and no cookie.
func TestLoginRefusals(t *testing.T) {
	w := newWorld(t)
	if err := w.db.SetUserStatus(context.Background(), "member@plant.example", entitle.UserDisabled,
		entitle.AuditEvent{At: w.clock.Now(), Action: "user.disable", Outcome: "ok"}); err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, cr := range [][2]string{
		{"nobody@nowhere.example", testPassword},
		{"member@shop.example", "wrong password, surely"},
		{"member@plant.example", testPassword},
	} {
		res := login(w, w.browser(), cr[0], cr[1])
		if res.status != http.StatusUnauthorized || res.errCode() != "invalid_credentials" {
			t.Errorf("%s: %d %s", cr[0], res.status, res.body)
		}
		if res.header.Get("Set-Cookie") != "" {
			t.Errorf("%s: a cookie on a refused login", cr[0])
		}
		bodies = append(bodies, string(res.body))
	}
	if bodies[0] != bodies[1] || bodies[1] != bodies[2] {
		t.Errorf("refusals differ:\n%s", strings.Join(bodies, ""))
	}
	if res := login(w, w.browser(), "", ""); res.status != http.StatusUnprocessableEntity {
		t.Errorf("empty login: %d %s", res.status, res.body)
	}
}

// TestDisabledUserAndRevokedToken: a disabled user's sessions and tokens,
// and a revoked token, stop working on the very next request.
func TestDisabledUserAndRevokedToken(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	c := w.browser()
	login(w, c, "member@shop.example", testPassword)
	token := w.member["SHOP"]
	for _, r := range []request{{method: "GET", path: "/api/v1/me", client: c}, {method: "GET", path: "/api/v1/me", token: token}} {
		if res := w.do(r); res.status != http.StatusOK {
			t.Fatalf("before: %d", res.status)
		}
	}
	if err := w.db.SetUserStatus(ctx, "member@shop.example", entitle.UserDisabled, entitle.AuditEvent{At: w.clock.Now(), Action: "user.disable", Outcome: "ok"}); err != nil {
		t.Fatal(err)
	}
	for _, r := range []request{{method: "GET", path: "/api/v1/me", client: c}, {method: "GET", path: "/api/v1/me", token: token}} {
		if res := w.do(r); res.status != http.StatusUnauthorized || !strings.Contains(res.errMessage(), "disabled") {
			t.Errorf("disabled: %d %s", res.status, res.body)
		}
	}
	if err := w.db.SetUserStatus(ctx, "member@shop.example", entitle.UserActive, entitle.AuditEvent{At: w.clock.Now(), Action: "user.enable", Outcome: "ok"}); err != nil {
		t.Fatal(err)
	}
	if res := w.get("/api/v1/me", token); res.status != http.StatusOK {
		t.Errorf("enabled again: %d", res.status)
	}
	u, err := w.db.UserByEmail(ctx, "member@shop.example")
	if err != nil {
		t.Fatal(err)
	}
	if n, err := w.db.RevokeTokens(ctx, u.ID, "", w.clock.Now(), entitle.AuditEvent{At: w.clock.Now(), Action: "token.revoke", Outcome: "ok"}); err != nil || n != 1 {
		t.Fatalf("revoke: %d %v", n, err)
	}
	if res := w.get("/api/v1/me", token); res.status != http.StatusUnauthorized {
		t.Errorf("revoked token: %d %s", res.status, res.body)
	}
}

// TestTokenLastUsed: a token's last use is recorded, at most once a minute.
func TestTokenLastUsed(t *testing.T) {
	w := newWorld(t)
	hash := auth.HashToken(w.member["SHOP"])
	last := func() time.Time {
		_, tok, err := w.db.UserByToken(context.Background(), hash, w.clock.Now())
		at := tok.LastUsedAt
		if err != nil {
			t.Fatal(err)
		}
		return at
	}
	if !last().IsZero() {
		t.Fatal("a new token was used")
	}
	w.get("/api/v1/me", w.member["SHOP"])
	first := last()
	if !first.Equal(w.clock.Now()) {
		t.Errorf("last used %v, want %v", first, w.clock.Now())
	}
	w.clock.Advance(30 * time.Second)
	w.get("/api/v1/me", w.member["SHOP"])
	if !last().Equal(first) {
		t.Error("last use written again within a minute")
	}
	w.clock.Advance(31 * time.Second)
	w.get("/api/v1/me", w.member["SHOP"])
	if !last().Equal(w.clock.Now()) {
		t.Error("last use not updated after a minute")
	}
}

// TestCrossOriginRefused: a state-changing request from another site that
// carries the session cookie is refused, whatever its body.
func TestCrossOriginRefused(t *testing.T) {
	w := newWorld(t)
	c := w.browser()
	login(w, c, "admin@plant.example", testPassword)
	for name, h := range map[string]map[string]string{
		"Sec-Fetch-Site": {"Sec-Fetch-Site": "cross-site"},
		"Origin":         {"Origin": "https://evil.example"},
	} {
		res := w.do(request{method: "POST", path: "/api/v1/delegations", client: c, header: h, body: map[string]string{"delegate": "NOBODY"}})
		if res.status != http.StatusForbidden {
			t.Errorf("%s: %d %s", name, res.status, res.body)
		}
	}
	granted, _, err := w.db.Delegations(context.Background(), "PLANT")
	if err != nil || len(granted) != 0 {
		t.Errorf("a cross-site request granted a delegation: %v %v", granted, err)
	}
	// The same request from the portal's own origin works.
	res := w.do(request{method: "POST", path: "/api/v1/delegations", client: c, header: map[string]string{"Origin": w.srv.URL, "Sec-Fetch-Site": "same-origin"},
		body: map[string]string{"delegate": "NOBODY"}})
	if res.status != http.StatusCreated {
		t.Errorf("same origin: %d %s", res.status, res.body)
	}
}

// TestPages: / is the sign-in page; signing in through the form shows what
// the company sees; signing out returns to the sign-in page.
func TestPages(t *testing.T) {
	w := newWorld(t)
	c := w.browser()
	page := func(method, path string, form url.Values) (int, string, http.Header) {
		t.Helper()
		var res *http.Response
		var err error
		if method == "GET" {
			res, err = c.Get(w.srv.URL + path)
		} else {
			res, err = c.PostForm(w.srv.URL+path, form)
		}
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var b strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := res.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		return res.StatusCode, b.String(), res.Header
	}
	st, _, h := page("GET", "/", nil)
	if st != http.StatusSeeOther || h.Get("Location") != "/login?next=%2F" {
		t.Fatalf("/ signed out: %d %v", st, h)
	}
	st, body, _ := page("GET", "/login?next=%2Fdelegations", nil)
	if st != http.StatusOK || !strings.Contains(body, `<form method="post" action="/login"`) || !strings.Contains(body, `<label for="email">`) || !strings.Contains(body, `value="/delegations"`) {
		t.Fatalf("/login: %d %s", st, body)
	}
	if _, body, _ := page("GET", "/login?next=https%3A%2F%2Fevil.example%2F", nil); !strings.Contains(body, `name="next" value="/"`) {
		t.Errorf("an outside next= is kept: %s", body)
	}
	st, body, _ = page("POST", "/login", url.Values{"email": {"member@shop.example"}, "password": {"nope nope nope"}})
	if st != http.StatusUnauthorized || !strings.Contains(body, "wrong") || !strings.Contains(body, `value="member@shop.example"`) {
		t.Errorf("bad login form: %d %s", st, body)
	}
	// A next= that http.Redirect would clean to "/\\evil.example", which
	// browsers read as //evil.example (found by FuzzLocalPath).
	st, _, h = page("POST", "/login", url.Values{"email": {"member@shop.example"}, "password": {testPassword}, "next": {"/a/../\\evil.example"}})
	if st != http.StatusSeeOther || h.Get("Location") != "/" {
		t.Fatalf("login form: %d %v", st, h)
	}
	st, body, h = page("GET", "/", nil)
	if st != http.StatusOK || !strings.Contains(body, "S-100") || !strings.Contains(body, "reseller") || strings.Contains(body, "S-200") {
		t.Errorf("home: %d %s", st, body)
	}
	if h.Get("Content-Security-Policy") == "" || h.Get("X-Frame-Options") != "DENY" {
		t.Errorf("page headers: %v", h)
	}
	if st, _, _ := page("GET", "/static/style.css", nil); st != http.StatusOK {
		t.Errorf("style.css: %d", st)
	}
	if st, body, _ := page("GET", "/no/such/page", nil); st != http.StatusNotFound || !strings.Contains(body, "There is no page") {
		t.Errorf("unknown page: %d %s", st, body)
	}
	st, _, _ = page("POST", "/logout", url.Values{})
	if st != http.StatusSeeOther {
		t.Errorf("logout form: %d", st)
	}
	if st, _, h := page("GET", "/", nil); st != http.StatusSeeOther || !strings.HasPrefix(h.Get("Location"), "/login") {
		t.Errorf("after sign-out, / does not lead to the sign-in page: %d %v", st, h)
	}
}

// TestReturnPathStaysHere: after signing in, the portal goes back only to
// a path of its own — never to another site, whatever next= holds: a
// scheme, a host, a backslash, or any control character anywhere (a
// browser drops tabs and newlines, so "/\t/evil.example" is
// "//evil.example" to it).
func TestReturnPathStaysHere(t *testing.T) {
	w := newWorld(t)
	nexts := []string{"https://evil.example/", "//evil.example", "/\\evil.example", "\\\\evil.example", "javascript:alert(1)",
		"evil.example", "/a/../\\evil.example", "http:/evil.example", ""}
	for c := rune(0); c < 0x20; c++ {
		nexts = append(nexts, "/"+string(c)+"/evil.example")
	}
	for _, c := range "\x00\t\n\r" {
		nexts = append(nexts, string(c)+"//evil.example", "/coworkers"+string(c))
	}
	nexts = append(nexts, "/\x7f/evil.example")
	for _, next := range nexts {
		c := w.browser()
		res := w.do(request{method: "POST", path: "/login", client: c, header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
			body: url.Values{"email": {"member@shop.example"}, "password": {testPassword}, "next": {next}}.Encode()})
		if loc := res.header.Get("Location"); res.status != http.StatusSeeOther || loc != "/" {
			t.Errorf("next=%q: %d to %q, want / (a path of this portal only)", next, res.status, loc)
		}
	}
	// A path of the portal is where it goes.
	res := w.do(request{method: "POST", path: "/login", client: w.browser(), header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
		body: url.Values{"email": {"member@shop.example"}, "password": {testPassword}, "next": {"/delegations?x=1"}}.Encode()})
	if loc := res.header.Get("Location"); loc != "/delegations?x=1" {
		t.Errorf("next=/delegations?x=1: to %q", loc)
	}
}
