package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/entitle-portal/entitle/internal/demo"
	"github.com/entitle-portal/entitle/internal/demoidp"
)

// TestBrowserSSO: single sign-on in headless Chromium, through the demo's
// built-in provider (internal/demoidp) on its own origin, as a real
// provider would be. The vendor's administrator sets up Grauwald's single
// sign-on on the Vendor › Single sign-on page; a newcomer of Grauwald's
// domain enters their address on the sign-in page with no password, is sent
// to the provider, picks themself there, and lands in the portal as a new
// member of Grauwald.
func TestBrowserSSO(t *testing.T) {
	p := newDemoPortal(t)
	p.svc.SSO.BaseURL = p.srv.URL
	idp, err := demoidp.New(demoidp.Config{ClientID: "entitle-demo", ClientSecret: "demo-secret-of-the-test",
		RedirectURI: p.srv.URL + "/sso/callback", Domain: demo.SSODomain, Now: p.clock.Now,
		Identities: []demoidp.Identity{{Email: demo.SSONewcomer, Name: "Jonas Weber", Note: "no account yet"}}})
	if err != nil {
		t.Fatal(err)
	}
	idpSrv := httptest.NewServer(idp.Handler())
	t.Cleanup(idpSrv.Close)
	idp.Issuer = idpSrv.URL

	// The vendor's administrator sets it up.
	v := p.newTab(t)
	v.signIn(p.login(t, "vendor admin"))
	if st := v.open("/vendor/sso"); st != http.StatusOK {
		v.fail("/vendor/sso: status %d", st)
	}
	if uri := v.text("#sso-redirect-uri"); uri != p.srv.URL+"/sso/callback" {
		t.Errorf("the redirect URI shown is %q", uri)
	}
	v.fill("sso-company", demo.SSOCompany)
	v.fill("sso-issuer", idpSrv.URL)
	v.fill("sso-client-id", "entitle-demo")
	v.fill("sso-client-secret", "demo-secret-of-the-test")
	v.fill("sso-domains", demo.SSODomain)
	if st := v.submit(button("Save single sign-on")); st != http.StatusOK {
		v.fail("save: status %d", st)
	}
	if row := v.text("#sso-configs"); !strings.Contains(row, demo.SSOCompany) || !strings.Contains(row, demo.SSODomain) {
		v.fail("the configurations do not show Grauwald's: %q", row)
	}
	if f := v.text(".flash"); !strings.Contains(f, "Single sign-on is set for "+demo.SSOCompany) {
		t.Errorf("the page's message is %q", f)
	}
	// (No screenshot of this page: it shows the test servers' random
	// ports, and the screenshots come out the same on every run.)

	// A newcomer signs in.
	b := p.newTab(t)
	if st := b.open("/login"); st != http.StatusOK {
		b.fail("sign-in page: status %d", st)
	}
	b.fill("email", demo.SSONewcomer)
	if st := b.submit(button("Sign in")); st != http.StatusOK {
		b.fail("the email step: status %d", st)
	}
	b.do("wait for the provider's page", chromedp.WaitVisible(`//h1[normalize-space()="Demo identity provider"]`))
	b.shot("sso-provider")
	if st := b.submit(button("Jonas Weber <" + demo.SSONewcomer + ">")); st != http.StatusOK {
		b.fail("signing in at the provider: status %d", st)
	}
	b.who = demo.SSONewcomer
	if h := b.text("h1"); h != "My entitlements" {
		b.fail("after single sign-on: heading %q, want My entitlements", h)
	}
	res := b.api("/api/v1/me")
	if res.status != http.StatusOK || !strings.Contains(string(res.body), `"email":"`+demo.SSONewcomer+`"`) ||
		!strings.Contains(string(res.body), `"admin":false`) || !strings.Contains(string(res.body), `"key":"`+demo.SSOCompany+`"`) {
		t.Errorf("/api/v1/me after single sign-on: %d %s", res.status, res.body)
	}
	// Another domain gets the password step.
	c := p.newTab(t)
	c.open("/login")
	c.fill("email", "mira.vogt@kesselbach.example")
	if st := c.submit(button("Sign in")); st != http.StatusOK {
		c.fail("the email step of another domain: status %d", st)
	}
	if hint := c.text("#password-hint"); hint != "Enter your password to sign in." {
		c.fail("the password step's hint is %q", hint)
	}
	c.fill("password", demo.Password)
	if st := c.submit(button("Sign in")); st != http.StatusOK {
		c.fail("password sign-in: status %d", st)
	}
	if h := c.text("h1"); h != "My entitlements" {
		c.fail("after the password: heading %q", h)
	}
}
