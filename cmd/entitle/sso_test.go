package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/entitle-portal/entitle/internal/demo"
	"github.com/entitle-portal/entitle/internal/store/storetest"
)

// TestServeDemoSSO: serve --demo configures the demo company's single
// sign-on at the built-in demo provider and says so; a newcomer of its
// domain signs in there over real HTTP and becomes a member.
func TestServeDemoSSO(t *testing.T) {
	s := serve(t, storetest.DSN(t), "--demo")
	out := s.stdout.String()
	if !strings.Contains(out, "Single sign-on: on the sign-in page enter "+demo.SSONewcomer) {
		t.Errorf("the banner does not show single sign-on:\n%s", out)
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	body, _ := json.Marshal(map[string]string{"email": demo.SSONewcomer, "next": "/orders"})
	res, err := client.Post(s.url+"/api/v1/sso/start", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var ans struct{ Method, Redirect string }
	json.NewDecoder(res.Body).Decode(&ans)
	res.Body.Close()
	if ans.Method != "sso" || !strings.HasPrefix(ans.Redirect, s.url+"/demo-idp/authorize?") {
		t.Fatalf("start: %d %+v", res.StatusCode, ans)
	}
	res, err = client.Get(ans.Redirect)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(page), "Demo identity provider") {
		t.Fatalf("the demo provider's page: %d %s", res.StatusCode, page)
	}
	u, _ := url.Parse(ans.Redirect)
	form := url.Values{}
	for _, k := range []string{"client_id", "redirect_uri", "state", "nonce", "code_challenge", "login_hint"} {
		form.Set(k, u.Query().Get(k))
	}
	form.Set("email", "someone@elsewhere.example")
	res, err = client.PostForm(s.url+"/demo-idp/authorize", form)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("the demo provider signed in another domain: %d", res.StatusCode)
	}
	form.Set("email", demo.SSONewcomer)
	form.Set("name", "Jonas Weber")
	if res, err = client.PostForm(s.url+"/demo-idp/authorize", form); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	callback := res.Header.Get("Location")
	if res.StatusCode != http.StatusFound || !strings.HasPrefix(callback, s.url+"/sso/callback?") {
		t.Fatalf("the demo provider: %d %s", res.StatusCode, callback)
	}
	if res, err = client.Get(callback); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/orders" {
		t.Fatalf("callback: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if res, err = client.Get(s.url + "/api/v1/me"); err != nil {
		t.Fatal(err)
	}
	me, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(me), `"email":"`+demo.SSONewcomer+`","name":"Jonas Weber","admin":false`) ||
		!strings.Contains(string(me), `"key":"`+demo.SSOCompany+`"`) {
		t.Errorf("/api/v1/me: %s", me)
	}
	// The same code again: the demo provider refuses it, like any provider.
	if res, err = client.Get(callback); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("a replayed callback: %d", res.StatusCode)
	}
}

// TestSSOCommands: entitle sso set|show|list|remove, with clear errors.
func TestSSOCommands(t *testing.T) {
	db := storetest.DSN(t)
	if r := cli(t, db, "", "sso", "list"); r.code != 1 || !strings.Contains(r.stderr, "no vendor company yet") {
		t.Errorf("sso list without a vendor: %d %s", r.code, r.stderr)
	}
	if r := cli(t, db, "", "import", writeFile(t, "world.jsonl", world)); r.code != 0 {
		t.Fatalf("import: %s", r.stderr)
	}
	secret := writeFile(t, "secret", "s3cr3t-of-the-client\n")
	set := func(args ...string) cliResult {
		return cli(t, db, "", append([]string{"sso", "set"}, args...)...)
	}
	r := set("PLANT", "--issuer", "https://login.plant.example", "--client-id", "portal", "--client-secret-file", secret,
		"--domains", "plant.example, Plant.de", "--password-login=false", "--check=false")
	if r.code != 0 || !strings.Contains(r.stdout, "PLANT signs in at https://login.plant.example: plant.de, plant.example") ||
		!strings.Contains(r.stdout, "Password sign-in is refused") {
		t.Fatalf("sso set: %d %s %s", r.code, r.stdout, r.stderr)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"NORTH", "--issuer", "https://login.north.example", "--client-id", "p", "--client-secret-file", secret, "--domains", "plant.de", "--check=false"},
			1, "plant.de is already vouched for by company PLANT"},
		{[]string{"NORTH", "--client-id", "p", "--domains", "north.example"}, 2, "missing --issuer"},
		{[]string{"--issuer", "https://x.example", "--client-id", "p", "--domains", "north.example"}, 2, "name one company key"},
		{[]string{"NORTH", "--issuer", "https://login.north.example", "--client-id", "p", "--domains", "north.example", "--check=false"},
			1, "the client secret is required"},
		{[]string{"NORTH", "--issuer", "http://north.example", "--client-id", "p", "--client-secret-file", secret, "--domains", "north..example", "--check=false"},
			1, "is not an issuer URL"},
		{[]string{"NOPE", "--issuer", "https://x.example", "--client-id", "p", "--client-secret-file", secret, "--domains", "nope.example", "--check=false"},
			1, "there is no company with key NOPE"},
		{[]string{"NORTH", "--issuer", "http://127.0.0.1:1/none", "--client-id", "p", "--client-secret-file", secret, "--domains", "north.example"},
			1, "did not answer its OpenID discovery document"},
	} {
		if r := set(tc.args...); r.code != tc.code || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("sso set %v: %d %s, want %d %q", tc.args, r.code, r.stderr, tc.code, tc.want)
		}
	}
	r = cli(t, db, "", "sso", "show", "PLANT", "--base-url", "https://portal.maker.example")
	for _, want := range []string{"issuer:            https://login.plant.example", "domains:           plant.de, plant.example",
		"password sign-in:  refused", "redirect URI:      https://portal.maker.example/sso/callback", "(set, stored encrypted)"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("sso show lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "s3cr3t") {
		t.Error("sso show printed the secret")
	}
	if r := cli(t, db, "", "sso", "list"); !strings.Contains(r.stdout, "PLANT") || !strings.Contains(r.stdout, "refused") {
		t.Errorf("sso list: %s", r.stdout)
	}
	if r := cli(t, db, "", "sso", "remove", "NORTH"); r.code != 1 || !strings.Contains(r.stderr, "company NORTH has no single sign-on") {
		t.Errorf("sso remove of none: %d %s", r.code, r.stderr)
	}
	if r := cli(t, db, "", "sso", "remove", "PLANT"); r.code != 0 {
		t.Errorf("sso remove: %d %s", r.code, r.stderr)
	}
	if r := cli(t, db, "", "sso", "list"); !strings.Contains(r.stdout, "No company signs in with single sign-on") {
		t.Errorf("sso list after remove: %s", r.stdout)
	}
}
