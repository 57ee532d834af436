package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestBrowserMyOrders: in a real browser, the distributor's Orders page
// lists its orders with lines and totals and filters them by PO prefix
// without JavaScript; on My entitlements the PO of its order links to it,
// and for the reseller the same PO is plain text.
func TestBrowserMyOrders(t *testing.T) {
	p := newDemoPortal(t)
	const po = "4500019822" // NORRVIK-DIST's PO, KESSELBACH-RES the reseller
	d := p.newTab(t)
	d.signIn(p.login(t, "distributor admin"))
	if st := d.open("/orders"); st != http.StatusOK {
		d.builtYet("/orders")
		d.fail("/orders: status %d", st)
	}
	d.builtYet("/orders")
	if list := d.text("#my-orders"); !strings.Contains(list, po) || !strings.Contains(list, "Total") {
		t.Errorf("the distributor's orders do not list %s with its total:\n%s", po, list)
	}
	d.fill("f-po", po[:6])
	if st := d.submit(button("Filter")); st != http.StatusOK {
		d.fail("filter by PO prefix: status %d", st)
	}
	if !d.exists(`section[aria-label="Order `+po+`"]`) || d.exists(`section[aria-label^="Order KB-"]`) {
		t.Errorf("filtered by %s: %s", po[:6], d.text("main"))
	}
	d.shot("my-orders")
	d.open("/?sku=")
	if href := d.attr(`a.po-link`, "href"); !strings.HasPrefix(href, "/orders?po=") {
		t.Errorf("the distributor's list: no PO link (%q)", href)
	}

	r := p.newTab(t)
	r.signIn(p.login(t, "reseller member"))
	r.open("/entitlements/SUB-310101")
	if r.exists(`a.po-link`) || !strings.Contains(r.text("main"), po) {
		t.Errorf("the reseller's entitlement page: a PO link, or no PO:\n%s", r.text("main"))
	}
}
