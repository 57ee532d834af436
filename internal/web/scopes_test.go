package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/auth"
	"github.com/entitle-portal/entitle/internal/web"
)

// TestEveryAPIRouteHasScope: every route adapted by s.api has its scope in
// routes.go's table (an API token needs it), and the table names only
// scopes, or SessionOnly, and no public route.
func TestEveryAPIRouteHasScope(t *testing.T) {
	ts := newServer(t, testNow)
	authenticated := ts.web.AuthenticatedRoutes()
	if len(authenticated) < 50 {
		t.Fatalf("only %d authenticated routes: %v", len(authenticated), authenticated)
	}
	for _, p := range authenticated {
		need, ok := web.APIScopes[p]
		switch {
		case !ok:
			t.Errorf("%s is authenticated (s.api) but has no scope in apiScopes (routes.go): give it read, write, import, admin or sessionOnly", p)
		case need != web.SessionOnly && !entitle.AllScopes.Has(need):
			t.Errorf("%s: scope %q is none of %v", p, need, entitle.AllScopes)
		}
	}
	for p := range web.APIScopes {
		method, path, ok := strings.Cut(p, " ")
		if !ok || strings.ToUpper(method) != method || !strings.HasPrefix(path, "/api/v1/") {
			t.Errorf("apiScopes: %q is not the pattern of an API route", p)
		}
		if slices.Contains(ts.web.Routes(), p) && !slices.Contains(authenticated, p) {
			t.Errorf("apiScopes: %s is a public route: it needs no scope", p)
		}
	}
}

// scopedUser adds an administrator of company with one API token per
// scope, each holding that scope alone, and a session.
func scopedUser(t *testing.T, w *world, company, email string) (map[entitle.Scope]string, *http.Client) {
	t.Helper()
	ctx := context.Background()
	u, err := w.db.AddUser(ctx, entitle.User{Email: email, Name: "Scoped", Company: company, Admin: true}, passwordHash(t), w.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	tokens := map[entitle.Scope]string{}
	for _, sc := range entitle.AllScopes {
		token, hash, err := auth.NewToken()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.db.AddToken(ctx, u.ID, string(sc), hash, entitle.Scopes{sc}, w.clock.Now(), time.Time{}, entitle.AuditEvent{}); err != nil {
			t.Fatal(err)
		}
		tokens[sc] = token
	}
	return tokens, w.session(t, email)
}

// concrete fills a route pattern's wildcards with values of the world.
var wildcards = strings.NewReplacer("{id}", "1", "{po}", "N-77", "{secret}", "not-a-link", "{action}", "accept")

// TestTokenScopesPerRoute: on every authenticated API route, a token
// holding one scope is refused 403 insufficient_scope — naming the scope,
// in the body and in WWW-Authenticate — exactly when the route needs
// another; the routes that change how an account signs in refuse every
// token (session_required); a session is never refused for a scope. What
// the route answers otherwise (its role's decision, a missing object, a
// body it cannot use) is not this test's business.
func TestTokenScopesPerRoute(t *testing.T) {
	w := newWorld(t)
	tokens, session := scopedUser(t, w, "MAKER", "scoped@maker.example")
	for _, p := range w.web.AuthenticatedRoutes() {
		method, pattern, _ := strings.Cut(p, " ")
		path := wildcards.Replace(pattern)
		var body any
		if method != http.MethodGet && method != http.MethodDelete {
			body = map[string]any{}
		}
		need := web.APIScopes[p]
		for _, sc := range entitle.AllScopes {
			res := w.do(request{method: method, path: path, token: tokens[sc], body: body})
			switch {
			case need == web.SessionOnly:
				if res.status != http.StatusForbidden || res.errCode() != entitle.CodeSessionRequired {
					t.Errorf("%s with a %s token: %d %s, want 403 session_required", p, sc, res.status, clip(res.body))
				}
			case need == sc:
				if c := res.errCode(); c == entitle.CodeInsufficientScope || c == entitle.CodeSessionRequired {
					t.Errorf("%s with a %s token: refused %d %s", p, sc, res.status, clip(res.body))
				}
			default:
				wantHeader := `Bearer error="insufficient_scope", scope="` + string(need) + `"`
				if res.status != http.StatusForbidden || res.errCode() != entitle.CodeInsufficientScope ||
					!strings.HasPrefix(res.errMessage(), "this token lacks the scope "+string(need)+": ") || res.header.Get("WWW-Authenticate") != wantHeader {
					t.Errorf("%s with a %s token: %d %q %s, want 403 insufficient_scope naming %s", p, sc, res.status, res.header.Get("WWW-Authenticate"), clip(res.body), need)
				}
			}
		}
		res := w.do(request{method: method, path: path, client: session, body: body})
		if c := res.errCode(); c == entitle.CodeInsufficientScope || c == entitle.CodeSessionRequired || res.status == http.StatusUnauthorized {
			t.Errorf("%s with a session: %d %s", p, res.status, clip(res.body))
		}
	}
}

// TestTokenCreationScopes: a token's scopes are never more than its user
// may hold (admin: company administrators; import: the vendor's); none
// asked for gives every scope the user may hold; the list shows them; no
// token makes or revokes a token, however narrow, and a refusal makes
// nothing.
func TestTokenCreationScopes(t *testing.T) {
	w := newWorld(t)
	member, admin, vendor := w.session(t, "member@shop.example"), w.session(t, "admin@shop.example"), w.session(t, "admin@maker.example")
	create := func(c *http.Client, token string, body map[string]any) response {
		t.Helper()
		return w.do(request{method: http.MethodPost, path: "/api/v1/me/tokens", client: c, token: token, body: body})
	}
	var made struct {
		ID     int64    `json:"id"`
		Token  string   `json:"token"`
		Scopes []string `json:"scopes"`
	}
	for _, tc := range []struct {
		who    string
		c      *http.Client
		scopes any
		want   []string
	}{
		{"member", member, nil, []string{"read", "write"}},
		{"member", member, []string{"write", "read", "read"}, []string{"read", "write"}},
		{"company administrator", admin, nil, []string{"read", "write", "admin"}},
		{"company administrator", admin, []string{"admin"}, []string{"admin"}},
		{"vendor administrator", vendor, nil, []string{"read", "write", "import", "admin"}},
		{"vendor administrator", vendor, []string{"import"}, []string{"import"}},
	} {
		body := map[string]any{"name": "ERP"}
		if tc.scopes != nil {
			body["scopes"] = tc.scopes
		}
		res := create(tc.c, "", body)
		if res.status != http.StatusCreated || json.Unmarshal(res.body, &made) != nil || !slices.Equal(made.Scopes, tc.want) {
			t.Errorf("%s asks %v: %d %s, want scopes %v", tc.who, tc.scopes, res.status, res.body, tc.want)
		}
	}
	list := w.do(request{method: http.MethodGet, path: "/api/v1/me/tokens", client: vendor})
	if !strings.Contains(string(list.body), `"scopes":["import"]`) || !strings.Contains(string(list.body), `"scopes":["read","write","import","admin"]`) {
		t.Errorf("the list: %s", list.body)
	}
	// The last token made holds import alone: it reads nothing.
	if res := w.get("/api/v1/entitlements", made.Token); res.status != http.StatusForbidden || res.errCode() != entitle.CodeInsufficientScope {
		t.Errorf("an import token reads entitlements: %d %s", res.status, clip(res.body))
	}

	count := func() int {
		n := 0
		for _, e := range []string{"member@shop.example", "admin@shop.example", "admin@maker.example"} {
			u, err := w.db.UserByEmail(context.Background(), e)
			if err != nil {
				t.Fatal(err)
			}
			ts, err := w.db.Tokens(context.Background(), u.ID, w.clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			n += len(ts)
		}
		return n
	}
	before := count()
	for _, tc := range []struct {
		who    string
		c      *http.Client
		token  string
		scopes any
		status int
		want   string
	}{
		{"member", member, "", []string{"read", "admin"}, http.StatusUnprocessableEntity, "scopes: you may not give a token the scope admin: company administrators only"},
		{"member", member, "", []string{"import"}, http.StatusUnprocessableEntity, "scopes: you may not give a token the scope import: the vendor's administrators only"},
		{"company administrator", admin, "", []string{"import", "admin"}, http.StatusUnprocessableEntity, "the scope import: the vendor's administrators only"},
		{"member", member, "", []string{"owner"}, http.StatusUnprocessableEntity, `unknown scope "owner": the scopes are read, write, import, admin`},
		{"member", member, "", []string{}, http.StatusUnprocessableEntity, "choose at least one scope: read, write"},
		{"member", member, "", "read", http.StatusUnprocessableEntity, "scopes: must be an array"},
		// A token — all four scopes, the world's — makes no token: neither
		// a wider one than a narrower token's nor any other.
		{"a token", nil, w.member["SHOP"], []string{"read"}, http.StatusForbidden, "an API token may not use POST /api/v1/me/tokens"},
		{"a read token", nil, made.Token, []string{"read", "write", "import", "admin"}, http.StatusForbidden, "an API token may not use POST /api/v1/me/tokens"},
	} {
		res := create(tc.c, tc.token, map[string]any{"name": "more", "scopes": tc.scopes})
		if res.status != tc.status || !strings.Contains(res.errMessage(), tc.want) {
			t.Errorf("%s asks %v: %d %s, want %d %q", tc.who, tc.scopes, res.status, res.body, tc.status, tc.want)
		}
	}
	if res := w.do(request{method: http.MethodDelete, path: "/api/v1/me/tokens/" + itoa(made.ID), token: made.Token}); res.status != http.StatusForbidden || res.errCode() != entitle.CodeSessionRequired {
		t.Errorf("a token revokes itself: %d %s", res.status, res.body)
	}
	if after := count(); after != before {
		t.Errorf("refused requests made %d tokens", after-before)
	}
}

// TestPortalTakesNoToken: the portal's pages are for people: an API token
// without a session is sent to sign in, and its form posts — which carry
// no CSRF token a token could match — change nothing.
func TestPortalTakesNoToken(t *testing.T) {
	w := newWorld(t)
	noRedirect := w.browser() // no session in its jar
	if res := w.do(request{method: http.MethodGet, path: "/account", token: w.admin["SHOP"], client: noRedirect}); res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/login?next=") {
		t.Errorf("GET /account with a token: %d %s", res.status, res.header.Get("Location"))
	}
	u, err := w.db.UserByEmail(context.Background(), "admin@shop.example")
	if err != nil {
		t.Fatal(err)
	}
	before, err := w.db.Tokens(context.Background(), u.ID, w.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	res := w.do(request{method: http.MethodPost, path: "/account/tokens", token: w.admin["SHOP"], client: noRedirect, body: url.Values{"name": {"sneaky"}, "expires_in_days": {"30"}, "scope": {"read"}}.Encode(),
		header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}})
	after, err := w.db.Tokens(context.Background(), u.ID, w.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if res.status != http.StatusSeeOther || len(after) != len(before) {
		t.Errorf("POST /account/tokens with a token: %d, %d tokens before, %d after", res.status, len(before), len(after))
	}
}

// TestPortalTokenScopes: the Account page offers the scopes the user may
// hold as ticked checkboxes, makes a token with the ticked ones, shows
// each token's scopes, and refuses a scope the user may not hold, or none.
func TestPortalTokenScopes(t *testing.T) {
	w := newWorld(t)
	boxes := regexp.MustCompile(`name="scope" value="(\w+)"( checked)?`)
	offered := func(body string) (names, ticked []string) {
		for _, m := range boxes.FindAllStringSubmatch(body, -1) {
			names = append(names, m[1])
			if m[2] != "" {
				ticked = append(ticked, m[1])
			}
		}
		return names, ticked
	}
	for email, want := range map[string][]string{
		"member@shop.example": {"read", "write"},
		"admin@shop.example":  {"read", "write", "admin"},
		"admin@maker.example": {"read", "write", "import", "admin"},
	} {
		c := signIn(t, w, email)
		st, body := fetch(t, w, c, "/account")
		if names, ticked := offered(body); st != http.StatusOK || !slices.Equal(names, want) || !slices.Equal(ticked, want) {
			t.Errorf("%s: %d, boxes %v ticked %v, want %v all ticked", email, st, names, ticked, want)
		}
	}

	c := signIn(t, w, "member@shop.example")
	_, page := fetch(t, w, c, "/account")
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if csrf == nil {
		t.Fatal("no CSRF token on the Account page")
	}
	post := func(v url.Values) response {
		v.Set("csrf", csrf[1])
		return w.do(request{method: http.MethodPost, path: "/account/tokens", client: c, body: v.Encode(),
			header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}})
	}
	res := post(url.Values{"name": {"reporting"}, "expires_in_days": {"30"}, "scope": {"read"}})
	tok := regexp.MustCompile(`id="new-token-value">(ent_[A-Za-z0-9_-]+)<`).FindStringSubmatch(string(res.body))
	if res.status != http.StatusCreated || tok == nil || !strings.Contains(string(res.body), "with the scopes <strong>read</strong>.") {
		t.Fatalf("create a read token: %d %s", res.status, clip(res.body))
	}
	if !strings.Contains(string(res.body), `<td data-label="Scopes" class="token-scopes">read</td>`) {
		t.Errorf("the list does not show the new token's scopes")
	}
	if r := w.get("/api/v1/entitlements", tok[1]); r.status != http.StatusOK {
		t.Errorf("the read token reads: %d", r.status)
	}
	if r := w.do(request{method: http.MethodPost, path: "/api/v1/delegations", token: tok[1], body: map[string]any{}}); r.status != http.StatusForbidden || r.errCode() != entitle.CodeInsufficientScope {
		t.Errorf("the read token writes: %d %s", r.status, clip(r.body))
	}
	for _, tc := range []struct {
		scopes []string
		want   string
	}{
		{[]string{"read", "admin"}, "you may not give a token the scope admin: company administrators only"},
		{nil, "choose at least one scope"},
	} {
		res := post(url.Values{"name": {"more"}, "expires_in_days": {"30"}, "scope": tc.scopes})
		names, ticked := offered(string(res.body))
		if res.status != http.StatusUnprocessableEntity || !hasMessage(string(res.body), tc.want) || strings.Contains(string(res.body), "new-token-value") ||
			!slices.Equal(names, []string{"read", "write"}) || (tc.scopes != nil && !slices.Equal(ticked, []string{"read"})) || (tc.scopes == nil && len(ticked) != 0) {
			t.Errorf("scopes %v: %d boxes %v ticked %v %s", tc.scopes, res.status, names, ticked, clip(res.body))
		}
	}
}
