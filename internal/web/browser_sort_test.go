package web_test

import (
	"slices"
	"testing"

	"github.com/chromedp/chromedp"
)

// sortButton is the sort button portal.js puts in the End header.
const sortButton = `//th/button[normalize-space()="End"]`

// TestBrowserSort: the column headers of My entitlements sort the rows shown
// (an enhancement by portal.js): End ascending, then descending.
func TestBrowserSort(t *testing.T) {
	p := newDemoPortal(t)
	b := p.newTab(t)
	b.signIn(p.login(t, "vendor admin"))
	ends := func() []string {
		return eval[[]string](b, `Array.from(document.querySelectorAll("#entitlements tbody tr")).map(r => r.cells[4].dataset.value)`)
	}
	before := ends()
	if len(before) < 3 {
		t.Fatalf("the vendor sees %d rows", len(before))
	}
	b.do("sort by end", chromedp.Click(sortButton))
	up := ends()
	if !slices.IsSorted(up) || len(up) != len(before) {
		t.Errorf("after one click, the end dates are not ascending: %v", up)
	}
	if got := b.attr(`#entitlements th[aria-sort]`, "aria-sort"); got != "ascending" {
		t.Errorf("aria-sort %q, want ascending", got)
	}
	b.do("sort by end again", chromedp.Click(sortButton))
	down := ends()
	slices.Reverse(down)
	if !slices.IsSorted(down) {
		t.Errorf("after two clicks, the end dates are not descending: %v", ends())
	}
}
