package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/entitle-portal/entitle"
)

// TestStatusMessagesComeFromTheServer: a page shows a status message only
// when this server wrote it for this session after an action (SPEC §7):
// text put in a link is never shown as an official message, a forged or
// foreign message cookie neither, and a message shows once.
func TestStatusMessagesComeFromTheServer(t *testing.T) {
	w := lifecycleWorld(t)
	const lure = "Your account is locked. Call 555-0199 now."
	b := lifeSignIn(t, w, "admin@plant.example")
	for _, path := range []string{"/?done=" + url.QueryEscape(lure), "/coworkers?done=" + url.QueryEscape(lure),
		"/delegations?done=" + url.QueryEscape(lure), "/renewals?done=" + url.QueryEscape(lure)} {
		if _, body := b.get(path); strings.Contains(body, "Your account is locked") {
			t.Errorf("%s shows the link's text: %s", path, body)
		}
	}
	// A message the server wrote shows on the next page, once.
	st, body := b.follow("/delegations", "/delegations", url.Values{"delegate": {"NOBODY"}, "scope": {"all"}})
	if st != http.StatusOK || !strings.Contains(body, `<p class="flash" role="status">Access granted: Company NOBODY`) {
		t.Fatalf("after granting: %d %s", st, body)
	}
	if _, body := b.get("/delegations"); strings.Contains(body, `class="flash"`) {
		t.Errorf("the message shows twice: %s", body)
	}
	// A message cookie forged, or signed for another session, shows nothing.
	other := lifeSignIn(t, w, "admin@shop.example")
	for _, value := range []string{
		"WW91ciBhY2NvdW50IGlzIGxvY2tlZA.AAAAAAAAAAAAAAAAAAAAAAAA", // "Your account is locked", a made-up signature
		"WW91ciBhY2NvdW50IGlzIGxvY2tlZA",                          // no signature at all
	} {
		u, _ := url.Parse(w.srv.URL)
		other.c.Jar.SetCookies(u, []*http.Cookie{{Name: "entitle_flash", Value: value, Path: "/"}})
		if _, body := other.get("/"); strings.Contains(body, `class="flash"`) {
			t.Errorf("a forged message cookie %q shows: %s", value, body)
		}
	}
	// PLANT's own message cookie, replayed in SHOP's session, shows nothing.
	st, _, _ = b.post("/delegations", "/delegations", url.Values{"delegate": {"FITTER"}, "scope": {"all"}})
	if st != http.StatusSeeOther {
		t.Fatalf("grant: %d", st)
	}
	u, _ := url.Parse(w.srv.URL)
	var flash *http.Cookie
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "entitle_flash" {
			flash = c
		}
	}
	if flash == nil {
		t.Fatal("no message cookie after an action")
	}
	other.c.Jar.SetCookies(u, []*http.Cookie{{Name: "entitle_flash", Value: flash.Value, Path: "/"}})
	if _, body := other.get("/"); strings.Contains(body, "Access granted") {
		t.Errorf("another session's message shows: %s", body)
	}
}

// TestRenewalsPageAfterTransfer: the former owner's Renewals page keeps a
// request closed by a transfer, without the entitlement's details and with
// nothing to do about it.
func TestRenewalsPageAfterTransfer(t *testing.T) {
	w := lifecycleWorld(t)
	w.importBatch(entitle.Batch{Companies: []entitle.Sourced[entitle.Company]{{Record: entitle.Company{Key: "NEWCO", Name: "New Owner Ltd", Kind: entitle.KindCustomer}}}}, nil)
	plant := lifeSignIn(t, w, "admin@plant.example")
	if st, _, _ := plant.post("/entitlements/S-100/renew", "/entitlements/S-100/renew", url.Values{"route": {"partner_of_record"}}); st != http.StatusSeeOther {
		t.Fatalf("ask: %d", st)
	}
	if res := w.do(request{method: "POST", path: "/api/v1/entitlements/S-100/transfers", token: w.admin["MAKER"], body: map[string]any{"to": "NEWCO"}}); res.status != http.StatusCreated {
		t.Fatalf("transfer: %d %s", res.status, res.body)
	}
	_, body := plant.get("/renewals")
	sent := lifeSection(t, body, "sent")
	if !strings.Contains(sent, `<span class="badge transferred">transferred</span>`) || !strings.Contains(sent, "it changed hands since") ||
		strings.Contains(sent, "SKU-S100") || strings.Contains(sent, `action="/renewals/`) {
		t.Errorf("PLANT's sent box after the transfer: %s", sent)
	}
}
