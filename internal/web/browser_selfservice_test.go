package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestBrowserSelfService: a customer's administrator finds Webhooks in the
// navigation, adds an endpoint (the secret shown once), sends a test that
// reaches a receiver, removes it; turns expiry digests off on the Account
// page; and sees the "expiring soon" panel on My entitlements.
func TestBrowserSelfService(t *testing.T) {
	p := newDemoPortal(t)
	rc := newReceiver(t)
	b := p.newTab(t)
	b.signIn(p.login(t, "customer admin"))
	if !b.exists("#expiring") {
		b.fail("no expiring-soon panel on My entitlements")
	}
	b.openMenu()
	if st := b.submit(`#me a[href="/webhooks"]`); st != http.StatusOK || b.text("h1") != "Webhooks" {
		b.fail("webhooks page: %d %q", st, b.text("h1"))
	}
	b.fill("webhook-url", rc.URL+"/browser")
	if st := b.submit(button("Add the webhook")); st != http.StatusCreated || !strings.HasPrefix(b.text("#new-webhook-secret"), "whsec_") {
		b.fail("add: %d %q", st, b.text("#new-webhook-secret"))
	}
	b.shot("webhooks")
	if st := b.submit(`#webhooks button[aria-label="Send a test delivery to ` + rc.URL + `/browser"]`); st != http.StatusOK || !strings.Contains(b.text("#tested-webhook"), "delivered") {
		b.fail("test: %d %q", st, b.text("#tested-webhook"))
	}
	if got := rc.deliveries(); len(got) != 1 {
		t.Errorf("the receiver got %d deliveries", len(got))
	}
	if st := b.submit(`#webhooks button[aria-label="Remove the webhook to ` + rc.URL + `/browser"]`); st != http.StatusOK || !strings.Contains(b.text(".flash"), "is removed") {
		b.fail("remove: %d %q", st, b.text(".flash"))
	}
	if st := b.open("/account"); st != http.StatusOK || !b.exists("#notice-expiry_digest:checked") {
		b.fail("account: %d, expiry digests not on for an administrator", st)
	}
	if !eval[bool](b, `(e => e ? (e.click(), !e.checked) : false)(document.getElementById("notice-expiry_digest"))`) {
		b.fail("could not untick expiry digests")
	}
	if st := b.submit(button("Save the notice preferences")); st != http.StatusOK || !strings.Contains(b.text(".flash"), "Your notice preferences are saved.") || b.exists("#notice-expiry_digest:checked") {
		b.fail("save: %d %q", st, b.text(".flash"))
	}
}
