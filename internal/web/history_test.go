package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// historyAnswer is GET …/access/history as the tests read it.
type historyAnswer struct {
	SubscriptionID string `json:"subscription_id"`
	Window         []struct{ From, To *time.Time }
	CompleteFrom   *time.Time `json:"complete_from"`
	Items          []struct {
		Company   struct{ Key, Name string }
		Intervals []struct {
			From, To    *time.Time
			Basis       []string
			Delegations []string
			Incomplete  bool
		}
	}
}

// lines writes the history as "KEY basis from–to" lines, instants as
// offsets from t0.
func (h historyAnswer) lines(t0 time.Time) []string {
	rel := func(p *time.Time, none string) string {
		if p == nil {
			return none
		}
		return "t0+" + p.Sub(t0).String()
	}
	var out []string
	for _, it := range h.Items {
		for _, p := range it.Intervals {
			out = append(out, fmt.Sprintf("%s %s %s–%s", it.Company.Key, strings.Join(p.Basis, ","), rel(p.From, "…"), rel(p.To, "still")))
		}
	}
	return out
}

// TestAccessHistory is R8 through time on the basics world (NORTH placed
// N-77 for PLANT through SHOP; FITTER installs; MAKER is the vendor):
// roles from the import, a delegation granted then revoked, one expired,
// a transfer, then a delegation by the new owner. The vendor sees the
// whole record; the new owner the time it has owned the entitlement; the
// former owner, which holds no other role, no longer sees it (R7's 404);
// a reseller may not ask (403). ?at= answers at instants, nobody before
// the import.
func TestAccessHistory(t *testing.T) {
	w := newWorld(t)
	t0 := w.clock.Now()
	at := func(d time.Duration) {
		t.Helper()
		w.clock.Advance(t0.Add(d).Sub(w.clock.Now()))
	}
	must := func(res response, status int, what string) response {
		t.Helper()
		if res.status != status {
			t.Fatalf("%s: %d %s", what, res.status, res.body)
		}
		return res
	}
	grant := func(token string, body map[string]any) string {
		t.Helper()
		var d struct{ ID string }
		must(w.do(request{method: "POST", path: "/api/v1/delegations", token: token, body: body}), http.StatusCreated, "grant").json(t, &d)
		return d.ID
	}

	at(time.Hour)
	d1 := grant(w.admin["PLANT"], map[string]any{"delegate": "NOBODY"})
	at(2 * time.Hour)
	must(w.do(request{method: "DELETE", path: "/api/v1/delegations/" + d1, token: w.admin["PLANT"]}), http.StatusNoContent, "revoke")
	at(3 * time.Hour)
	grant(w.admin["PLANT"], map[string]any{"delegate": "OTHERCO", "subscription_ids": []string{"S-100"},
		"expires_at": t0.Add(4 * time.Hour).Format(time.RFC3339)})
	at(5 * time.Hour) // the vendor moves S-100 to NOBODY
	must(w.do(request{method: "POST", path: "/api/v1/entitlements/S-100/transfers", token: w.admin["MAKER"], body: map[string]any{"to": "NOBODY"}}),
		http.StatusCreated, "transfer")
	at(6 * time.Hour)
	grant(w.admin["NOBODY"], map[string]any{"delegate": "OTHERCO"})
	at(7 * time.Hour)

	history := func(token, sub string) (response, historyAnswer) {
		res := w.get("/api/v1/entitlements/"+sub+"/access/history", token)
		var h historyAnswer
		if res.status == http.StatusOK {
			res.json(t, &h)
		}
		return res, h
	}
	for _, tc := range []struct {
		who, sub string
		want     []string
	}{
		{"MAKER", "S-100", []string{
			"FITTER installer t0+0s–still",
			"MAKER vendor t0+0s–still",
			"NOBODY delegate t0+1h0m0s–t0+2h0m0s", "NOBODY owner t0+5h0m0s–still",
			"NORTH purchasing_entity t0+0s–still",
			"OTHERCO delegate t0+3h0m0s–t0+4h0m0s", "OTHERCO delegate t0+6h0m0s–still",
			"PLANT owner t0+0s–t0+5h0m0s",
			"SHOP reseller t0+0s–still"}},
		// The new owner: from the transfer on, nothing of the time before.
		{"NOBODY", "S-100", []string{
			"FITTER installer t0+5h0m0s–still",
			"MAKER vendor t0+5h0m0s–still",
			"NOBODY owner t0+5h0m0s–still",
			"NORTH purchasing_entity t0+5h0m0s–still",
			"OTHERCO delegate t0+6h0m0s–still",
			"SHOP reseller t0+5h0m0s–still"}},
		// PLANT still owns S-101: its all-scope delegation to NOBODY covered it.
		{"PLANT", "S-101", []string{
			"FITTER installer t0+0s–still",
			"MAKER vendor t0+0s–still",
			"NOBODY delegate t0+1h0m0s–t0+2h0m0s",
			"NORTH purchasing_entity t0+0s–still",
			"PLANT owner t0+0s–still",
			"SHOP reseller t0+0s–still"}},
	} {
		for _, token := range []string{w.admin[tc.who], w.member[tc.who]} {
			res, h := history(token, tc.sub)
			if res.status != http.StatusOK || h.SubscriptionID != tc.sub || h.CompleteFrom != nil || !slices.Equal(h.lines(t0), tc.want) {
				t.Errorf("%s asks the history of %s: %d\n%s\nwant\n%s\n%s", tc.who, tc.sub, res.status,
					strings.Join(h.lines(t0), "\n"), strings.Join(tc.want, "\n"), res.body)
			}
		}
	}

	// The former owner holds no other role: S-100 does not exist for it,
	// byte for byte (R7). A reseller sees it and may not ask: 403.
	hidden, _ := history(w.admin["PLANT"], "S-100")
	absent, _ := history(w.admin["PLANT"], "S-999")
	if hidden.status != http.StatusNotFound || !bytes.Equal(bytes.ReplaceAll(hidden.body, []byte("S-100"), []byte("S-999")), absent.body) {
		t.Errorf("the former owner: %d %s; a missing one: %s", hidden.status, hidden.body, absent.body)
	}
	if res, _ := history(w.member["SHOP"], "S-100"); res.status != http.StatusForbidden || res.errCode() != "forbidden" {
		t.Errorf("the reseller asks: %d %s", res.status, res.body)
	}

	// ?at=: who could see it then.
	accessAt := func(token, sub string, d time.Duration) (response, []string) {
		res := w.get("/api/v1/entitlements/"+sub+"/access?at="+url.QueryEscape(t0.Add(d).Format(time.RFC3339)), token)
		var page struct {
			At    time.Time
			Items []struct {
				Company struct{ Key string }
				Basis   []string
			}
		}
		var out []string
		if res.status == http.StatusOK {
			res.json(t, &page)
			out = []string{}
			for _, it := range page.Items {
				out = append(out, it.Company.Key+" "+strings.Join(it.Basis, ","))
			}
		}
		return res, out
	}
	for _, tc := range []struct {
		who    string
		d      time.Duration
		status int
		want   []string
	}{
		{"MAKER", -time.Hour, http.StatusOK, []string{}}, // before the import: nobody, not even the vendor
		{"MAKER", 3*time.Hour + 30*time.Minute, http.StatusOK, []string{"FITTER installer", "MAKER vendor", "NORTH purchasing_entity",
			"OTHERCO delegate", "PLANT owner", "SHOP reseller"}},
		{"MAKER", 4 * time.Hour, http.StatusOK, []string{"FITTER installer", "MAKER vendor", "NORTH purchasing_entity", "PLANT owner", "SHOP reseller"}},
		{"NOBODY", 6 * time.Hour, http.StatusOK, []string{"FITTER installer", "MAKER vendor", "NOBODY owner", "NORTH purchasing_entity",
			"OTHERCO delegate", "SHOP reseller"}},
		{"NOBODY", 90 * time.Minute, http.StatusForbidden, nil}, // before it owned S-100 (it was a delegate then)
		{"NOBODY", -time.Hour, http.StatusForbidden, nil},
		{"SHOP", time.Hour, http.StatusForbidden, nil},
		{"PLANT", time.Hour, http.StatusNotFound, nil},                // it no longer sees S-100
		{"MAKER", 8 * time.Hour, http.StatusUnprocessableEntity, nil}, // the future
	} {
		res, got := accessAt(w.member[tc.who], "S-100", tc.d)
		if res.status != tc.status || !slices.Equal(got, tc.want) {
			t.Errorf("%s asks who could see S-100 at t0+%s: %d %v, want %d %v\n%s", tc.who, tc.d, res.status, got, tc.status, tc.want, res.body)
		}
	}
	for _, q := range []string{"?at=yesterday", "?at=2026-06-01", "?at=&at=", "?when=2026-06-01T12:00:00Z"} {
		if res := w.get("/api/v1/entitlements/S-100/access"+q, w.admin["MAKER"]); res.status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d %s", q, res.status, res.body)
		}
	}
	// Without at, unchanged: who has access now.
	if res := w.get("/api/v1/entitlements/S-100/access", w.admin["NOBODY"]); res.status != http.StatusOK || bytes.Contains(res.body, []byte(`"at"`)) {
		t.Errorf("without at: %d %s", res.status, res.body)
	}

	// Every question is audited, the refused ones too.
	events, err := w.db.AuditEventsNewest(context.Background(), "", 0, 500)
	if err != nil {
		t.Fatal(err)
	}
	outcomes := map[string]int{}
	for _, e := range events {
		if e.Action == "entitlement.access_history" || (e.Action == "entitlement.access" && strings.HasPrefix(e.Detail, "at ")) {
			outcomes[e.Action+" "+e.Outcome]++
		}
	}
	for _, k := range []string{"entitlement.access_history ok", "entitlement.access_history denied", "entitlement.access_history not_found",
		"entitlement.access ok", "entitlement.access denied", "entitlement.access not_found"} {
		if outcomes[k] == 0 {
			t.Errorf("no audit event %s: %v", k, outcomes)
		}
	}

	// The portal: the entitlement page links to the history; the history
	// page lists it and answers a question at an instant.
	c := signIn(t, w, "member@nobody.example")
	if st, body := fetch(t, w, c, "/entitlements/S-100"); st != http.StatusOK || !strings.Contains(body, `href="/entitlements/S-100/access-history"`) {
		t.Errorf("the entitlement page: %d, no link to the access history", st)
	}
	st, body := fetch(t, w, c, "/entitlements/S-100/access-history?at="+url.QueryEscape(t0.Add(6*time.Hour).Format("2006-01-02T15:04:05")))
	if st != http.StatusOK || !strings.Contains(body, "<h1>Access history of S-100</h1>") ||
		!strings.Contains(body, "Company OTHERCO (OTHERCO)</td><td>delegate</td>") || strings.Contains(body, "PLANT") {
		t.Errorf("the access history page: %d\n%s", st, body)
	}
	if st, body := fetch(t, w, c, "/entitlements/S-100/access-history?at="+url.QueryEscape(t0.Add(time.Hour).Format("2006-01-02T15:04"))); st != http.StatusForbidden ||
		!strings.Contains(body, "did not own this entitlement at that instant") {
		t.Errorf("asked before it owned it: %d\n%s", st, body)
	}
	if st, body := fetch(t, w, c, "/entitlements/S-100/access-history?at=%3Cscript%3E"); st != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "Enter a date, or a date and time (UTC).") || strings.Contains(body, "<script>") {
		t.Errorf("an unreadable instant: %d\n%s", st, body)
	}
	shop := signIn(t, w, "member@shop.example")
	if st, _ := fetch(t, w, shop, "/entitlements/S-100/access-history"); st != http.StatusForbidden {
		t.Errorf("the reseller's history page: %d", st)
	}
}
