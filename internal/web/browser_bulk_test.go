package web_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserBulkDelegation: the owner's administrator searches My
// entitlements, ticks two of its entitlements, delegates them to a company
// with the form around the table (no JavaScript of the page's own), and
// the delegate sees them; then ticks one and revokes the delegate's access
// to it: the delegate keeps only the other.
func TestBrowserBulkDelegation(t *testing.T) {
	p := newDemoPortal(t)
	owner := p.user(t, "david.kim@pellham.example") // CUST-PELLHAM's admin
	delegate := p.login(t, "delegate")              // ASHCOMBE-CONS
	picked := []string{"SUB-350101", "SUB-350201"}  // owned by CUST-PELLHAM

	d := p.newTab(t)
	d.signIn(delegate)
	before := d.entitlementRows()

	o := p.newTab(t)
	o.signIn(owner)
	o.fill("f-q", "sub-350")
	if st := o.submit(button("Filter")); st != http.StatusOK {
		o.fail("search: status %d", st)
	}
	rows := o.entitlementRows()
	for _, sub := range picked {
		if !slices.Contains(rows, sub) {
			o.fail("the search for sub-350 does not list %s: %v", sub, rows)
		}
	}
	o.open("/?q=sub-350")
	if l := o.attr(`#pick-SUB-350101`, "aria-label"); l != "Pick SUB-350101" {
		t.Errorf("the checkbox's label is %q", l)
	}
	for _, sub := range picked {
		o.do("tick "+sub, chromedp.Click(chromedp.ID("pick-"+sub)))
	}
	o.fill("bulk-delegate", "ASHCOMBE-CONS")
	o.shot("bulk-delegation")
	if st := o.submit(button("Delegate")); st != http.StatusOK {
		o.fail("delegate: status %d", st)
	}
	if f := o.text(".flash"); !strings.HasPrefix(f, "Access granted:") || !strings.Contains(f, "2 listed entitlements you picked") {
		t.Errorf("after delegating: %q", f)
	}
	d.open("/")
	if got, want := d.entitlementRows(), slices.Sorted(slices.Values(append(slices.Clone(before), picked...))); !slices.Equal(got, want) {
		t.Errorf("after the bulk grant the delegate sees\n%v\nwant\n%v", got, want)
	}

	o.open("/?q=sub-350")
	o.do("tick "+picked[0], chromedp.Click(chromedp.ID("pick-"+picked[0])))
	o.fill("bulk-delegate", "ASHCOMBE-CONS")
	if st := o.submit(button("Revoke access")); st != http.StatusOK {
		o.fail("revoke: status %d", st)
	}
	if f := o.text(".flash"); !strings.HasPrefix(f, "Access ended:") {
		t.Errorf("after revoking: %q", f)
	}
	d.open("/")
	if got, want := d.entitlementRows(), slices.Sorted(slices.Values(append(slices.Clone(before), picked[1]))); !slices.Equal(got, want) {
		t.Errorf("after the bulk revocation the delegate sees\n%v\nwant\n%v", got, want)
	}
}
