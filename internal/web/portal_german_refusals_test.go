package web_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/entitle-portal/entitle/internal/i18n"
)

// The services' own sentences on German pages (issue 17): a refusal of
// the gate, a field's check in the domain, a service's answer, an import's
// problems and the error page are read in German by a user who chose it —
// the very sentence the API answers in English, with the same values. The
// API keeps its English whatever the browser asks for.

// inGerman is the German of a service's English sentence as a page shows
// it (capitalised, escaped); it fails t when the catalogue left it in
// English.
func inGerman(t *testing.T, english string) string {
	t.Helper()
	de := i18n.For(i18n.German).Refusal(english)
	if de == english {
		t.Fatalf("no German for %q", english)
	}
	r, n := utf8.DecodeRuneInString(de)
	return html.EscapeString(string(unicode.ToUpper(r)) + de[n:])
}

func TestGermanRefusalsOnPages(t *testing.T) {
	w := lifecycleWorld(t)
	plant := vendSignIn(t, w, "admin@plant.example")
	dgGerman(t, plant)

	for _, c := range []struct {
		name    string
		form    url.Values
		status  int
		english string
	}{
		{"itself", url.Values{"delegate": {"PLANT"}, "scope": {"all"}}, 422, "a company cannot delegate to itself"},
		{"unknown company", url.Values{"delegate": {"NOPE"}, "scope": {"all"}}, 422, "no company with key NOPE"},
		{"bad key", url.Values{"delegate": {"a b"}, "scope": {"all"}}, 422, `"a b" may contain only A-Z a-z 0-9 . _ -`},
		{"another's entitlement", url.Values{"delegate": {"SHOP"}, "scope": {"listed"}, "subscription_ids": {"S-200"}}, 404, "entitlement S-200 not found"},
		{"today", url.Values{"delegate": {"SHOP"}, "scope": {"all"}, "expires_at": {w.clock.Now().Format(time.DateOnly)}}, 422, "must be in the future"},
	} {
		st, page, _ := plant.post("/delegations", c.form)
		if want := inGerman(t, c.english); st != c.status || !strings.Contains(page, want) || strings.Contains(page, html.EscapeString(c.english)) {
			t.Errorf("%s: %d, want %d and %q (not %q) on the page:\n%s", c.name, st, c.status, want, c.english, page)
		}
	}

	// The error page: the frame's sentence in German.
	if st, page := plant.get("/no/such/page"); st != http.StatusNotFound || !strings.Contains(page, inGerman(t, "There is no page at /no/such/page.")) {
		t.Errorf("404 in German: %d\n%s", st, page)
	}

	// The gate's refusal: a member may not invite an administrator.
	member := vendSignIn(t, w, "member@plant.example")
	dgGerman(t, member)
	st, page, _ := member.post("/coworkers/invite", url.Values{"email": {"boss@plant.example"}, "admin": {"true"}})
	if want := inGerman(t, "only administrators of your company may invite an administrator"); st != http.StatusForbidden || !strings.Contains(page, want) {
		t.Errorf("the gate's refusal in German: %d, want %q\n%s", st, want, page)
	}

	// The API answers in English, whatever the browser prefers.
	res := w.do(request{method: "POST", path: "/api/v1/delegations", token: w.admin["PLANT"], body: map[string]any{"delegate": "PLANT"},
		header: map[string]string{"Accept-Language": "de"}})
	if res.status != http.StatusUnprocessableEntity || !strings.Contains(string(res.body), "a company cannot delegate to itself") {
		t.Errorf("the API in English: %d %s", res.status, res.body)
	}

	// Back to English: the sentences as the services wrote them.
	if st, _, h := plant.post("/account/language", url.Values{"language": {"en"}}); st != http.StatusSeeOther {
		t.Fatalf("choose English: %d %v", st, h)
	}
	if st, page, _ := plant.post("/delegations", url.Values{"delegate": {"PLANT"}, "scope": {"all"}}); st != 422 || !strings.Contains(page, "A company cannot delegate to itself") {
		t.Errorf("English: %d\n%s", st, page)
	}
}

// TestGermanImportProblems: the vendor's import report lists a file's
// problems in German, by row and column as in English.
func TestGermanImportProblems(t *testing.T) {
	w := newWorld(t)
	maker := vendSignIn(t, w, "admin@maker.example")
	dgGerman(t, maker)
	st, page := maker.upload("companies.jsonl", `{"type":"company","key":"X","kind":"customer"}`+"\n"+`{"type":"company","key":"Y","name":"Y","kind":"planet"}`+"\n", true)
	for _, english := range []string{"required", `"planet" is not one of vendor, distributor, reseller, customer, msp`} {
		if want := inGerman(t, english); !strings.Contains(page, want) {
			t.Errorf("import problem %q: want %q on the page (%d):\n%s", english, want, st, page)
		}
	}
}
