package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/entitle-portal/entitle/internal/disclose"
)

// bulkRevoke posts a bulk revocation through the API.
func bulkRevoke(w *world, token, delegate string, subs ...string) response {
	return w.do(request{method: http.MethodPost, path: "/api/v1/delegations/revoke", token: token,
		body: map[string]any{"delegate": delegate, "subscription_ids": subs}})
}

// TestBulkDelegationPage: on My entitlements an owner's administrator picks
// its own entitlements (a checkbox only on the rows policy.DelegateRow
// allows), delegates them in one listed delegation, and ends a delegate's
// access to some of them: a listed delegation covering more is ended and
// its rest granted again, both audited; a picked entitlement the
// administrator may not delegate refuses the whole step and changes
// nothing.
func TestBulkDelegationPage(t *testing.T) {
	w := newSearchWorld(t)
	plant := signIn(t, w, "admin@plant.example")
	_, body := fetch(t, w, plant, "/")
	for _, sub := range []string{"S-100", "S-101", "S-300"} {
		if !strings.Contains(body, `id="pick-`+sub+`"`) {
			t.Errorf("PLANT's admin has no checkbox for %s", sub)
		}
	}
	if !strings.Contains(body, `<form method="post" action="/entitlements/bulk" id="bulk"`) || !strings.Contains(body, `name="csrf"`) {
		t.Fatalf("no bulk form: %s", body)
	}
	// A member, and SHOP's admin on PLANT's rows (reseller), get no checkbox.
	if _, body := fetch(t, w, signIn(t, w, "member@plant.example"), "/"); strings.Contains(body, `id="bulk"`) || strings.Contains(body, `name="sub"`) {
		t.Errorf("a member may pick: %s", body)
	}
	shop := signIn(t, w, "admin@shop.example")
	if _, body := fetch(t, w, shop, "/"); strings.Contains(body, `id="pick-S-100"`) || !strings.Contains(body, `id="pick-S-200"`) {
		t.Errorf("SHOP's admin: checkboxes on others' rows, or none on its own: %s", body)
	}

	// Delegate S-100 and S-101 to OUTSIDER in one step.
	st, _, loc := pagePost(t, w, plant, "/", "/entitlements/bulk", url.Values{"action": {"grant"}, "delegate": {"OUTSIDER"},
		"sub": {"S-100", "S-101"}, "expires_at": {"2026-12-31"}})
	if st != http.StatusSeeOther || loc != "/" {
		t.Fatalf("bulk grant: %d %s", st, loc)
	}
	if _, body := fetch(t, w, plant, "/"); !strings.Contains(body, "Access granted: Company OUTSIDER now sees the 2 listed entitlements you picked, until 2026-12-31") {
		t.Errorf("no confirmation: %s", body)
	}
	if got := searchList(t, w, "OUTSIDER", ""); got != "S-100 S-101 S-300" {
		t.Errorf("OUTSIDER after the grant: %q", got)
	}

	// A picked entitlement PLANT does not own (SHOP's S-200, which PLANT
	// cannot even see) refuses the whole step: nothing changes.
	st, body, _ = pagePost(t, w, plant, "/", "/entitlements/bulk", url.Values{"action": {"revoke"}, "delegate": {"OUTSIDER"}, "sub": {"S-101", "S-200"}})
	if st != http.StatusNotFound || !strings.Contains(body, `id="bulk-problem"`) || !strings.Contains(body, "Nothing was changed: entitlement S-200 not found") {
		t.Errorf("a foreign pick: %d %s", st, body)
	}
	if got := searchList(t, w, "OUTSIDER", ""); got != "S-100 S-101 S-300" {
		t.Errorf("OUTSIDER after a refused step: %q", got)
	}
	// SHOP's admin picking PLANT's S-100 (seen as reseller): refused.
	st, body, _ = pagePost(t, w, shop, "/", "/entitlements/bulk", url.Values{"action": {"grant"}, "delegate": {"OUTSIDER"}, "sub": {"S-100"}})
	if st != http.StatusForbidden || !strings.Contains(body, "Nothing was changed: ") {
		t.Errorf("SHOP picking PLANT's: %d %s", st, body)
	}

	// End OUTSIDER's access to S-101 and S-300: D-1 (S-300 alone) ends; the
	// new delegation ends and S-100 is granted again.
	st, _, _ = pagePost(t, w, plant, "/", "/entitlements/bulk", url.Values{"action": {"revoke"}, "delegate": {"OUTSIDER"}, "sub": {"S-101", "S-300"}})
	if st != http.StatusSeeOther {
		t.Fatalf("bulk revoke: %d", st)
	}
	if _, body := fetch(t, w, plant, "/"); !strings.Contains(body, "Access ended: Company OUTSIDER no longer sees the entitlements you picked (2 delegations revoked; what they covered besides is granted again in 1 new delegation).") {
		t.Errorf("no confirmation: %s", body)
	}
	if got := searchList(t, w, "OUTSIDER", ""); got != "S-100" {
		t.Errorf("OUTSIDER after the revocation: %q", got)
	}
	var ds disclose.Delegations
	w.get("/api/v1/delegations", w.admin["PLANT"]).json(t, &ds)
	active := 0
	for _, d := range ds.Granted {
		if d.Status == "active" {
			active++
			if strings.Join(d.SubscriptionIDs, ",") != "S-100" || d.ExpiresAt == nil || d.ExpiresAt.Format("2006-01-02") != "2026-12-31" {
				t.Errorf("the rest: %+v", d)
			}
		}
	}
	if active != 1 {
		t.Errorf("%d delegations in force, want 1: %+v", active, ds.Granted)
	}
	// Neither box nor delegate: a clear message.
	st, body, _ = pagePost(t, w, plant, "/", "/entitlements/bulk", url.Values{"action": {"revoke"}, "delegate": {"OUTSIDER"}})
	if st != http.StatusUnprocessableEntity || !strings.Contains(body, "Pick at least one entitlement") {
		t.Errorf("nothing picked: %d %s", st, body)
	}
}

// TestBulkRevokeAPI: POST /api/v1/delegations/revoke, its answers and
// refusals.
func TestBulkRevokeAPI(t *testing.T) {
	w := newSearchWorld(t)
	// OUTSIDER holds D-1 (S-300).
	res := bulkRevoke(w, w.admin["PLANT"], "OUTSIDER", "S-300")
	var out disclose.BulkRevoked
	res.json(t, &out)
	if res.status != http.StatusOK || len(out.Revoked) != 1 || out.Revoked[0].ID != "D-1" || len(out.Kept) != 0 {
		t.Fatalf("revoke S-300: %d %s", res.status, res.body)
	}
	if got := searchList(t, w, "OUTSIDER", ""); got != "" {
		t.Errorf("OUTSIDER still sees %q", got)
	}
	// Again: no delegation in force covers it.
	if res := bulkRevoke(w, w.admin["PLANT"], "OUTSIDER", "S-300"); res.status != http.StatusUnprocessableEntity || !strings.Contains(res.errMessage(), "no delegation in force") {
		t.Errorf("again: %d %s", res.status, res.body)
	}
	// An all-scope delegation is revoked whole, elsewhere: a conflict, nothing changes.
	if res := w.do(request{method: http.MethodPost, path: "/api/v1/delegations", token: w.admin["PLANT"], body: map[string]any{"delegate": "NORTH"}}); res.status != http.StatusCreated {
		t.Fatalf("grant all: %d %s", res.status, res.body)
	}
	if res := bulkRevoke(w, w.admin["PLANT"], "NORTH", "S-300"); res.status != http.StatusConflict || !strings.Contains(res.errMessage(), "delegation of all your entitlements") {
		t.Errorf("all-scope: %d %s", res.status, res.body)
	}
	if got := searchList(t, w, "NORTH", "q=s-3"); got != "S-300" {
		t.Errorf("NORTH after a refused step: %q", got)
	}
	for _, tc := range []struct {
		token  string
		subs   []string
		status int
	}{
		{w.member["PLANT"], []string{"S-300"}, http.StatusForbidden}, // not an administrator (R5)
		{w.admin["SHOP"], []string{"S-100"}, http.StatusForbidden},   // seen as reseller, not owned
		{w.admin["PLANT"], []string{"S-200"}, http.StatusNotFound},   // not seen (R7)
		{w.admin["PLANT"], []string{"S-300", "S-999"}, http.StatusNotFound},
		{w.admin["PLANT"], nil, http.StatusUnprocessableEntity},
	} {
		if res := bulkRevoke(w, tc.token, "NORTH", tc.subs...); res.status != tc.status {
			t.Errorf("%v: %d %s, want %d", tc.subs, res.status, res.body, tc.status)
		}
	}
	if got := searchList(t, w, "NORTH", "q=s-3"); got != "S-300" {
		t.Errorf("NORTH after refusals: %q", got)
	}
}
