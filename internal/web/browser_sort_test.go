package web_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserSort: the End header of My entitlements sorts the whole list
// on the server (a link: no script needed): a first click lists what ends
// first, a second what ends last, each exactly as the API lists it with that
// sort, and the header says so (aria-sort). The Subscription header goes
// back to the default order, and the Order field of the filter form keeps
// the order with the filters.
func TestBrowserSort(t *testing.T) {
	p := newDemoPortal(t)
	b := p.newTab(t)
	b.signIn(p.login(t, "vendor admin"))
	ends := func() []string {
		return eval[[]string](b, `Array.from(document.querySelectorAll("#entitlements tbody tr"), r => r.cells[4].dataset.value)`)
	}
	byID := b.entitlementRows()
	if len(byID) < 3 {
		t.Fatalf("the vendor sees %d rows", len(byID))
	}
	if st := b.open("/"); st != http.StatusOK {
		b.fail("My entitlements: %d", st)
	}
	for _, step := range []struct {
		sort, ariaSort, shot string
		sorted               func([]string) bool
	}{
		{"end_date", "ascending", "entitlements-ends-first", slices.IsSorted[[]string]},
		{"-end_date", "descending", "entitlements-ends-last", func(s []string) bool {
			r := slices.Clone(s)
			slices.Reverse(r)
			return slices.IsSorted(r)
		}},
	} {
		if st := b.submit(`//th/a[normalize-space()="End"]`); st != http.StatusOK {
			b.fail("sort by end (%s): %d", step.sort, st)
		}
		b.shot(step.shot)
		if got := eval[string](b, `location.search`); !strings.Contains(got, "sort="+step.sort) {
			t.Errorf("after clicking End: the address has %q, want sort=%s", got, step.sort)
		}
		if got := b.attr(`#entitlements th[aria-sort]`, "aria-sort"); got != step.ariaSort {
			t.Errorf("sort %s: aria-sort %q, want %q", step.sort, got, step.ariaSort)
		}
		if e := ends(); !step.sorted(e) {
			t.Errorf("sort %s: the end dates shown are not in order: %v", step.sort, e)
		}
		if b.text("#f-sort option:checked") == "subscription ID" {
			t.Errorf("sort %s: the Order field still says subscription ID", step.sort)
		}
		here := eval[string](b, `location.pathname + location.search`)
		shown := b.entitlementRows()
		if want := b.apiEntitlements("sort=" + step.sort); !slices.Equal(shown, want) {
			t.Errorf("sort %s: the portal shows\n%v\nthe API lists\n%v", step.sort, shown, want)
		}
		if st := b.open(here); st != http.StatusOK {
			b.fail("back to %s: %d", here, st)
		}
	}
	// Filtering keeps the order chosen in the form.
	b.do("filter active, ends first", chromedp.SetValue(chromedp.ID("f-status"), "active"),
		chromedp.SetValue(chromedp.ID("f-sort"), "end_date"))
	if st := b.submit(button("Filter")); st != http.StatusOK {
		b.fail("filter: %d", st)
	}
	if e := ends(); !slices.IsSorted(e) || len(e) == 0 {
		t.Errorf("active, ends first: end dates %v", e)
	}
	if st := b.submit(`//th/a[normalize-space()="Subscription"]`); st != http.StatusOK {
		b.fail("sort by subscription: %d", st)
	}
	if got := eval[string](b, `location.search`); strings.Contains(got, "sort=") || !strings.Contains(got, "status=active") {
		t.Errorf("after clicking Subscription: the address has %q, want the filter kept and no sort", got)
	}
	if got := b.attr(`#entitlements th[aria-sort]`, "aria-sort"); got != "ascending" {
		t.Errorf("by subscription: aria-sort %q, want ascending", got)
	}
}
