package demoidp_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/entitle-portal/entitle/internal/demoidp"
)

// TestDemoProvider: even the demo provider keeps to the flow — the
// registered redirect URI, PKCE S256, the client's secret, codes used once,
// its one domain.
func TestDemoProvider(t *testing.T) {
	idp, err := demoidp.New(demoidp.Config{ClientID: "c", ClientSecret: "s", RedirectURI: "http://portal.example/sso/callback", Domain: "acme.example"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(idp.Handler())
	defer srv.Close()
	idp.Issuer = srv.URL
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	verifier := "a-verifier-of-enough-length-for-pkce-0123456789"
	sum := sha256.Sum256([]byte(verifier))
	auth := url.Values{"client_id": {"c"}, "redirect_uri": {"http://portal.example/sso/callback"}, "state": {"st"}, "nonce": {"no"},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "email": {"ann@acme.example"}}
	code := func() string {
		t.Helper()
		res, err := client.PostForm(srv.URL+"/authorize", auth)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		u, _ := url.Parse(res.Header.Get("Location"))
		if res.StatusCode != http.StatusFound || u.Query().Get("state") != "st" {
			t.Fatalf("authorize: %d %s", res.StatusCode, u)
		}
		return u.Query().Get("code")
	}
	token := func(v url.Values) (int, map[string]any) {
		t.Helper()
		res, err := client.PostForm(srv.URL+"/token", v)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var body map[string]any
		json.NewDecoder(res.Body).Decode(&body)
		return res.StatusCode, body
	}
	good := func(c string) url.Values {
		return url.Values{"grant_type": {"authorization_code"}, "code": {c}, "redirect_uri": {"http://portal.example/sso/callback"},
			"client_id": {"c"}, "client_secret": {"s"}, "code_verifier": {verifier}}
	}
	c := code()
	bad := good(c)
	bad.Set("code_verifier", "another-verifier-of-enough-length-0123456789")
	if st, _ := token(bad); st != http.StatusBadRequest {
		t.Errorf("a wrong PKCE verifier: %d", st)
	}
	if st, _ := token(good(c)); st != http.StatusBadRequest {
		t.Errorf("a code tried once already: %d", st) // a failed attempt spends the code too
	}
	c = code()
	bad = good(c)
	bad.Set("client_secret", "guess")
	if st, _ := token(bad); st != http.StatusUnauthorized {
		t.Errorf("a wrong client secret: %d", st)
	}
	c = code()
	st, body := token(good(c))
	if st != http.StatusOK || body["id_token"] == nil {
		t.Fatalf("token: %d %v", st, body)
	}
	if st, _ := token(good(c)); st != http.StatusBadRequest {
		t.Errorf("a code used twice: %d", st)
	}
	auth.Set("email", "eve@elsewhere.example")
	res, err := client.PostForm(srv.URL+"/authorize", auth)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("another domain: %d", res.StatusCode)
	}
	auth.Set("email", "ann@acme.example")
	auth.Set("redirect_uri", "https://evil.example/steal")
	res, err = client.PostForm(srv.URL+"/authorize", auth)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest || strings.Contains(res.Header.Get("Location"), "evil") {
		t.Errorf("another redirect URI: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
}
