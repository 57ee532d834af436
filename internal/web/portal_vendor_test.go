package web_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
)

// The audit page, the vendor's pages (companies, MSAs, import,
// announcements) and the announcement banners, through real HTTP with a
// signed-in browser (cookie jar, CSRF token read from the page).

// vendBrowser is a signed-in browser of the world's test server.
type vendBrowser struct {
	t *testing.T
	w *world
	c *http.Client
	// accept is the browser's Accept-Language header ("" for none).
	accept string
}

// vendSignIn signs email in through the sign-in form.
func vendSignIn(t *testing.T, w *world, email string) *vendBrowser {
	t.Helper()
	b := &vendBrowser{t: t, w: w, c: w.browser()}
	st, _, h := b.send(http.MethodPost, "/login", "application/x-www-form-urlencoded",
		strings.NewReader(url.Values{"email": {email}, "password": {testPassword}}.Encode()))
	if st != http.StatusSeeOther || h.Get("Location") != "/" {
		t.Fatalf("sign in %s: %d %v", email, st, h)
	}
	return b
}

func (b *vendBrowser) send(method, path, contentType string, body io.Reader) (int, string, http.Header) {
	b.t.Helper()
	req, err := http.NewRequest(method, b.w.srv.URL+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if b.accept != "" {
		req.Header.Set("Accept-Language", b.accept)
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return res.StatusCode, string(data), res.Header
}

// get fetches a page.
func (b *vendBrowser) get(path string) (int, string) {
	b.t.Helper()
	st, body, _ := b.send(http.MethodGet, path, "", nil)
	return st, body
}

var vendCSRFField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the session's CSRF token from a page with a form: the home
// page (when a banner shows), the co-workers page (its invite form is for
// everyone), the announcements page (the vendor's).
func (b *vendBrowser) csrf() string {
	b.t.Helper()
	for _, path := range []string{"/", "/coworkers", "/vendor/announcements"} {
		_, body := b.get(path)
		if m := vendCSRFField.FindStringSubmatch(body); m != nil {
			return m[1]
		}
	}
	b.t.Fatal("no page with a csrf field")
	return ""
}

// post sends a form with the session's CSRF token.
func (b *vendBrowser) post(path string, form url.Values) (int, string, http.Header) {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", b.csrf())
	return b.send(http.MethodPost, path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
}

// upload sends the import form: a file (none when name is ""), "Validate
// only", the CSRF token.
func (b *vendBrowser) upload(name, content string, dryRun bool) (int, string) {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", b.csrf())
	if dryRun {
		mw.WriteField("dry_run", "1")
	}
	if name != "" {
		fw, err := mw.CreateFormFile("file", name)
		if err != nil {
			b.t.Fatal(err)
		}
		io.WriteString(fw, content)
	}
	mw.Close()
	st, body, _ := b.send(http.MethodPost, "/vendor/import", mw.FormDataContentType(), &buf)
	return st, body
}

// TestVendorPagesDoNotExistForOthers: to any company but the vendor, every
// vendor page — shown or posted to — is the very page of a path that does
// not exist (R7).
func TestVendorPagesDoNotExistForOthers(t *testing.T) {
	w := newWorld(t)
	for _, email := range []string{"member@plant.example", "admin@north.example", "admin@nobody.example"} {
		b := vendSignIn(t, w, email)
		_, missing := b.get("/vendor/no-such-page")
		for _, path := range []string{"/vendor/companies", "/vendor/msas", "/vendor/import", "/vendor/announcements"} {
			st, body := b.get(path)
			if st != http.StatusNotFound || strings.ReplaceAll(body, path, "/vendor/no-such-page") != missing {
				t.Errorf("%s GET %s: %d, not the page of a missing path:\n%s", email, path, st, body)
			}
		}
		for _, path := range []string{"/vendor/announcements", "/vendor/announcements/1/end"} {
			if st, body, _ := b.post(path, url.Values{"title": {"x"}, "text": {"y"}, "ends": {"2026-12-31"}}); st != http.StatusNotFound || !strings.Contains(body, "There is no page at "+path) {
				t.Errorf("%s POST %s: %d %s", email, path, st, body)
			}
		}
		if st, body := b.upload("orders.jsonl", `{"type":"company","key":"X","name":"X","kind":"customer"}`, false); st != http.StatusNotFound || !strings.Contains(body, "There is no page at /vendor/import") {
			t.Errorf("%s upload: %d %s", email, st, body)
		}
		if _, body := b.get("/"); strings.Contains(body, `href="/vendor/`) {
			t.Errorf("%s: the navigation links to the vendor's pages", email)
		}
	}
	if _, err := w.db.Company(context.Background(), "X"); err == nil {
		t.Error("a non-vendor's upload was imported")
	}
}

// TestAuditPage: a company's administrators read its events, the vendor's
// administrators everyone's (or one company's); members get 403; newest or
// oldest first, in pages, with a cursor bound to the query.
func TestAuditPage(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	for _, email := range []string{"member@plant.example", "member@maker.example"} {
		b := vendSignIn(t, w, email)
		if st, body := b.get("/audit"); st != http.StatusForbidden || !hasMessage(body, "only administrators") {
			t.Errorf("%s: %d %s", email, st, body)
		}
		if _, body := b.get("/"); strings.Contains(body, `href="/audit"`) {
			t.Errorf("%s: the navigation links to the audit page", email)
		}
	}
	var events []entitle.AuditEvent
	for i := range 130 {
		co := "PLANT"
		if i%10 == 0 {
			co = "SHOP"
		}
		events = append(events, entitle.AuditEvent{At: w.clock.Now(), Actor: "robot@" + strings.ToLower(co) + ".example", Company: co,
			Action: "entitlement.get", Object: fmt.Sprintf("OBJ-%03d", i), Basis: []entitle.Basis{entitle.BasisOwner}, Outcome: "ok"})
	}
	if err := w.db.Audit(ctx, events...); err != nil {
		t.Fatal(err)
	}

	plant := vendSignIn(t, w, "admin@plant.example")
	st, body := plant.get("/audit")
	if st != http.StatusOK || !strings.Contains(body, "<h1>Audit</h1>") || !strings.Contains(body, `<table id="audit">`) {
		t.Fatalf("plant admin: %d %s", st, body)
	}
	if strings.Contains(body, "robot@shop.example") || strings.Contains(body, "<td>SHOP</td>") || strings.Contains(body, `id="a-company"`) {
		t.Errorf("a company's administrator sees another company's events, or the company filter")
	}
	// Newest first: the login just made comes first, then OBJ-129, OBJ-128…
	objects := regexp.MustCompile(`OBJ-\d{3}`)
	first := objects.FindAllString(body, -1)
	if len(first) < 90 || first[0] != "OBJ-129" || first[1] != "OBJ-128" {
		t.Fatalf("first page: %d objects, starting %v", len(first), first[:min(3, len(first))])
	}
	if !regexp.MustCompile(`<time datetime="2026-06-01T12:00:00Z">2026-06-01T12:00:00Z</time>`).MatchString(body) {
		t.Errorf("no ISO time on the audit page")
	}
	next := regexp.MustCompile(`href="(/audit\?cursor=[^"]+)" rel="next"`).FindStringSubmatch(body)
	if next == nil {
		t.Fatalf("no next page link: %s", body)
	}
	st, body = plant.get(html.UnescapeString(next[1]))
	second := objects.FindAllString(body, -1)
	if st != http.StatusOK || len(second) == 0 || len(first)+len(second) != 117 || !strings.Contains(body, "First page") {
		t.Errorf("second page: %d, %d+%d objects of PLANT's 117", st, len(first), len(second))
	}
	if second[len(second)-1] != "OBJ-001" || strings.Contains(body, `rel="next"`) {
		t.Errorf("the last page does not end with the oldest event: %v", second[len(second)-3:])
	}
	// Oldest first.
	_, body = plant.get("/audit?order=oldest")
	if got := objects.FindAllString(body, 2); len(got) != 2 || got[0] != "OBJ-001" || got[1] != "OBJ-002" {
		t.Errorf("oldest first: %v", got)
	}
	// A cursor of another query, an edited one, another company's filter.
	if st, _ := plant.get("/audit?order=oldest&" + strings.TrimPrefix(html.UnescapeString(next[1]), "/audit?")); st != http.StatusUnprocessableEntity {
		t.Errorf("a newest-first cursor on the oldest-first list: %d", st)
	}
	if st, _ := plant.get("/audit?cursor=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"); st != http.StatusUnprocessableEntity {
		t.Errorf("a forged cursor: %d", st)
	}
	if st, body := plant.get("/audit?company=SHOP"); st != http.StatusUnprocessableEntity || !hasMessage(body, "only the vendor reads other companies&#39; events") || strings.Contains(body, "OBJ-") {
		t.Errorf("company filter by a company administrator: %d %s", st, body)
	}

	// The vendor's administrators read everyone's, or one company's.
	vendor := vendSignIn(t, w, "admin@maker.example")
	st, body = vendor.get("/audit")
	if st != http.StatusOK || !strings.Contains(body, "robot@shop.example") || !strings.Contains(body, "robot@plant.example") || !strings.Contains(body, `id="a-company"`) {
		t.Errorf("vendor admin: %d", st)
	}
	_, body = vendor.get("/audit?company=SHOP")
	if !strings.Contains(body, "robot@shop.example") || strings.Contains(body, "robot@plant.example") {
		t.Errorf("vendor admin, SHOP only: %s", body)
	}
	if st, body := vendor.get("/audit?company=not+a+key"); st != http.StatusUnprocessableEntity || !strings.Contains(body, `id="a-problem"`) {
		t.Errorf("vendor admin, bad company key: %d %s", st, body)
	}
	if st, body := vendor.get("/audit?company=NOBODY"); st != http.StatusOK || !strings.Contains(body, "No audit events yet for NOBODY") {
		t.Errorf("vendor admin, a company without events: %d %s", st, body)
	}
}

// TestVendorCompaniesAndMSAs: the vendor's members see every company with
// its users counted, and every MSA with whether it is in force.
func TestVendorCompaniesAndMSAs(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	p, err := w.db.Profile(ctx, "SHOP")
	if err != nil {
		t.Fatal(err)
	}
	p.ContactEmail, p.Listed = "sales@shop.example", true
	if err := w.db.SetProfile(ctx, p, entitle.AuditEvent{At: w.clock.Now(), Actor: "cli", Action: "company.profile", Outcome: "ok"}); err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{"member@maker.example", "admin@maker.example"} {
		b := vendSignIn(t, w, email)
		st, body := b.get("/vendor/companies")
		if st != http.StatusOK || !strings.Contains(body, "<h1>Companies</h1>") || !strings.Contains(body, `<table id="companies">`) {
			t.Fatalf("%s companies: %d %s", email, st, body)
		}
		for _, key := range []string{"FITTER", "MAKER", "NOBODY", "NORTH", "OTHERCO", "PLANT", "SHOP"} {
			if !strings.Contains(body, "<td>"+key+"</td>") {
				t.Errorf("%s: company %s is missing", email, key)
			}
		}
		// Every company has an administrator and a member.
		if n := strings.Count(body, `<td class="num">2</td><td class="num">1</td><td class="num">2</td>`); n != 7 {
			t.Errorf("%s: %d companies counted 2 active users, 1 admin, 2 users; want 7", email, n)
		}
		if !strings.Contains(body, `href="mailto:sales@shop.example"`) || strings.Count(body, "<td>yes</td>") != 1 {
			t.Errorf("%s: SHOP's contact or listing is missing", email)
		}
		st, body = b.get("/vendor/msas")
		if st != http.StatusOK || !strings.Contains(body, `<table id="msas">`) || !strings.Contains(body, "<td>MSA-NORTH</td>") ||
			!strings.Contains(body, "Company NORTH (NORTH)") || !strings.Contains(body, `<span class="badge active">in force</span>`) {
			t.Errorf("%s msas: %d %s", email, st, body)
		}
	}
}

const vendValidImport = `{"type":"company","key":"NEWCO","name":"New Company","kind":"customer"}
{"type":"msa","number":"MSA-NEWCO","company":"NEWCO","start":"2026-01-01","end":"2028-12-31"}
{"type":"order","po_number":"NC-1","msa":"MSA-NEWCO","order_date":"2026-05-01","currency":"EUR","purchasing_entity":"NEWCO","owner":"NEWCO","lines":[{"line":1,"sku":"SKU-X","quantity":2,"unit_price":"10.00","subscription_id":"S-900","start_date":"2026-05-01","end_date":"2027-04-30"}]}
`

// TestVendorImport: the vendor's administrators upload a file; a valid one
// is imported (or only checked) and its counts shown; one with problems
// lists every problem by file, line and field, and imports nothing.
func TestVendorImport(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	before, err := w.db.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	unchanged := func(what string) {
		t.Helper()
		after, err := w.db.Counts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"companies", "msas", "orders", "entitlements"} {
			if after[table] != before[table] {
				t.Errorf("%s: %s went from %d to %d rows", what, table, before[table], after[table])
			}
		}
	}

	member := vendSignIn(t, w, "member@maker.example")
	if st, body := member.get("/vendor/import"); st != http.StatusOK || strings.Contains(body, `id="import-file"`) || !strings.Contains(body, "only administrators of the vendor may import") {
		t.Errorf("vendor member's import page: %d %s", st, body)
	}
	if st, _ := member.upload("new.jsonl", vendValidImport, false); st != http.StatusForbidden {
		t.Errorf("vendor member's upload: %d", st)
	}
	unchanged("a vendor member's upload")

	b := vendSignIn(t, w, "admin@maker.example")
	st, body := b.get("/vendor/import")
	for _, want := range []string{`enctype="multipart/form-data"`, `<label for="import-file">`, `type="file" id="import-file" name="file"`,
		`<label for="import-dry-run">Validate only`, `name="csrf"`, "at most 32 MB"} {
		if !strings.Contains(body, want) {
			t.Errorf("import page: %q is missing", want)
		}
	}
	if st != http.StatusOK {
		t.Fatalf("import page: %d", st)
	}

	// The form's own refusals, next to the file field.
	for _, tc := range []struct{ name, content, want string }{
		{"", "", "Choose a .jsonl or .csv file to import."},
		{"orders.xlsx", "x", "orders.xlsx is not an import file"},
		{"empty.jsonl", "", "empty.jsonl is empty"},
	} {
		st, body := b.upload(tc.name, tc.content, false)
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, `<p class="field-error" id="import-file-error" role="alert">`+asSentence(tc.want)) {
			t.Errorf("upload %q: %d %s", tc.name, st, body)
		}
	}
	// Without the CSRF field the upload is refused.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "new.jsonl")
	io.WriteString(fw, vendValidImport)
	mw.Close()
	if st, _, _ := b.send(http.MethodPost, "/vendor/import", mw.FormDataContentType(), &buf); st != http.StatusForbidden {
		t.Errorf("an upload without the csrf field: %d", st)
	}
	// Too large: a clear message.
	if st, body := b.upload("huge.jsonl", strings.Repeat(" ", 33<<20), false); st != http.StatusRequestEntityTooLarge || !strings.Contains(body, "larger than 32 MB") {
		t.Errorf("a 33 MB upload: %d %.300s", st, body)
	}
	unchanged("refused uploads")

	// Validate only: the counts, nothing written.
	st, body = b.upload("new.jsonl", vendValidImport, true)
	if st != http.StatusOK || !strings.Contains(body, "new.jsonl: 3 records valid — nothing was written") || !strings.Contains(body, `<table id="counts">`) {
		t.Errorf("dry run: %d %s", st, body)
	}
	unchanged("a dry run")

	// Imported.
	st, body = b.upload("new.jsonl", vendValidImport, false)
	if st != http.StatusOK || !strings.Contains(body, "new.jsonl: 3 records imported") ||
		!strings.Contains(body, `<tr><th scope="row">Companies</th><td class="num">1</td><td class="num">0</td><td class="num">0</td></tr>`) ||
		!strings.Contains(body, `<tr><th scope="row">Entitlements</th><td class="num">1</td>`) {
		t.Errorf("import: %d %s", st, body)
	}
	if co, err := w.db.Company(ctx, "NEWCO"); err != nil || co.Name != "New Company" {
		t.Errorf("NEWCO: %+v %v", co, err)
	}
	if _, body := b.get("/vendor/companies"); !strings.Contains(body, "<td>NEWCO</td>") {
		t.Error("the companies page does not list the imported company")
	}
	// Again: nothing changes.
	if _, body := b.upload("new.jsonl", vendValidImport, false); !strings.Contains(body, `<tr><th scope="row">Companies</th><td class="num">0</td><td class="num">0</td><td class="num">1</td></tr>`) {
		t.Errorf("import again: %s", body)
	}
	// Audited with the vendor user as the actor, of the vendor company.
	events, err := w.db.AuditEventsNewest(ctx, "", 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	imports := 0
	for _, e := range events {
		if e.Action == "import" && e.Actor == "admin@maker.example" && e.Company == "MAKER" {
			imports++
		}
	}
	if imports != 2 {
		t.Errorf("%d import events by admin@maker.example, want 2", imports)
	}

	// Two problems: both listed, nothing imported.
	before, _ = w.db.Counts(ctx)
	bad := `{"type":"company","key":"BADCO","name":"Bad Company","kind":"customer"}
{"type":"company","key":"WORSE","name":"Worse","kind":"emperor"}
{"type":"msa","number":"MSA-BAD","company":"NOSUCH","start":"2026-01-01","end":"2028-12-31"}
`
	st, body = b.upload("bad.jsonl", bad, false)
	problems := problemRows(body)
	if st != http.StatusUnprocessableEntity || len(problems) != 2 || !strings.Contains(body, "bad.jsonl: 2 problems — nothing was imported") {
		t.Fatalf("bad file: %d %s", st, body)
	}
	if !strings.HasPrefix(problems[0], "2 | kind | ") || !strings.HasPrefix(problems[1], "3 | company | Unknown company NOSUCH") {
		t.Errorf("problems: %q", problems)
	}
	unchanged("a file with problems")
	if _, err := w.db.Company(ctx, "BADCO"); err == nil {
		t.Error("the good record of a bad file was imported")
	}

	// A CSV file: every problem in one report, by row and column header,
	// a row that cannot be read hiding nothing of the other rows.
	csvBad := "po_number,msa,order_date,currency,purchasing_entity,owner,line,sku,quantity,unit_price,subscription_id,start_date,end_date\n" +
		"P-1,NOSUCH-MSA,2026-05-10,USD,MAKER,MAKER,1,SKU-A,x,10.00,S-NEW-1,2026-06-01,2027-05-31\n" +
		"P-1,NOSUCH-MSA,2026-05-10,USD,MAKER,MAKER,2,SKU-B,1,10.00,S-NEW-2,2026-06-01,2020-01-01\n"
	st, body = b.upload("orders.csv", csvBad, true)
	problems = problemRows(body)
	// Each message is a sentence: its first letter capital.
	want := []string{"2 | quantity | Must be a positive whole number", "2 | msa | Unknown MSA NOSUCH-MSA", "3 | end_date | 2020-01-01 is before start_date 2026-06-01"}
	if st != http.StatusUnprocessableEntity || len(problems) != len(want) {
		t.Fatalf("bad CSV file: %d %q\n%s", st, problems, body)
	}
	for i := range want {
		if !strings.HasPrefix(problems[i], want[i]) {
			t.Errorf("CSV problem %d: %q, want %q…", i, problems[i], want[i])
		}
	}
	unchanged("a CSV file with problems")
}

// problemRows reads the import report's table of problems: "LINE | FIELD |
// MESSAGE" a row, as the page shows them (HTML entities decoded).
func problemRows(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<tr><td class="num">([^<]*)</td><td>(?:<code>([^<]*)</code>|—)</td><td>([^<]*)</td></tr>`).FindAllStringSubmatch(body, -1) {
		out = append(out, html.UnescapeString(m[1]+" | "+m[2]+" | "+m[3]))
	}
	return out
}

// TestVendorAnnouncements: the vendor's administrators post a time-boxed notice;
// every signed-in user sees it as a banner until they dismiss it, or until
// its last day has passed, or the vendor ends it.
func TestVendorAnnouncements(t *testing.T) {
	w := newWorld(t)
	vendor := vendSignIn(t, w, "admin@maker.example")
	st, body := vendor.get("/vendor/announcements")
	if st != http.StatusOK || !strings.Contains(body, "No announcements yet") || !strings.Contains(body, `<label for="ann-title">`) ||
		!strings.Contains(body, `id="ann-starts" name="starts" type="text" inputmode="numeric" placeholder="YYYY-MM-DD"`) ||
		!strings.Contains(body, `spellcheck="false" value="2026-06-01"`) {
		t.Fatalf("announcements page: %d %s", st, body)
	}

	// Refusals, next to their fields; the form keeps what was typed.
	st, body, _ = vendor.post("/vendor/announcements", url.Values{"title": {""}, "text": {"Join us"}, "link": {"http://maker.example/webinar"},
		"starts": {"2026-06-05"}, "ends": {"2026-06-04"}})
	for _, want := range []string{
		`<p class="field-error" id="ann-title-error" role="alert">Please enter a title.</p>`,
		`<p class="field-error" id="ann-link-error" role="alert">Enter a web address starting with https://`,
		`<p class="field-error" id="ann-ends-error" role="alert">The last day cannot be before the first day.</p>`,
		`value="http://maker.example/webinar"`, `>Join us</textarea>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("refused post: %q is missing", want)
		}
	}
	if st != http.StatusUnprocessableEntity || strings.Contains(body, "ann-text-error") || strings.Contains(body, "ann-starts-error") {
		t.Errorf("refused post: %d", st)
	}
	if st, body, _ := vendor.post("/vendor/announcements", url.Values{"title": {"Old"}, "text": {"x"}, "starts": {"2026-05-01"}, "ends": {"2026-05-31"}}); st != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "The last day has passed") {
		t.Errorf("an announcement in the past: %d", st)
	}
	for _, c := range []struct{ link, text, want string }{
		{"", "Register", "A link text needs a link: enter its address, or leave both empty."},
		{"https://maker.example/w", strings.Repeat("x", 81), "Keep the link text to 80 characters or fewer (it has 81)."},
		{"https://maker.example/w", "Two\nlines", "Keep the link text to one line."},
	} {
		st, body, _ := vendor.post("/vendor/announcements", url.Values{"title": {"T"}, "text": {"x"}, "link": {c.link}, "link_text": {c.text}, "ends": {"2026-06-10"}})
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, `<p class="field-error" id="ann-link-text-error" role="alert">`+c.want+`</p>`) ||
			!strings.Contains(body, `id="ann-link-text" name="link_text" value="`) {
			t.Errorf("link text %q with link %q: %d, no %q", c.text, c.link, st, c.want)
		}
	}
	if st, _, _ := vendSignIn(t, w, "member@maker.example").post("/vendor/announcements", url.Values{"title": {"T"}, "text": {"x"}, "ends": {"2026-06-10"}}); st != http.StatusForbidden {
		t.Errorf("a vendor member posts: %d", st)
	}

	// Posted: from today through June 4.
	st, _, h := vendor.post("/vendor/announcements", url.Values{"title": {"Webinar: what's new in 2026"}, "text": {"Thursday June 4, 15:00 UTC.\nOne hour."},
		"link": {"https://maker.example/webinar?ref=portal"}, "link_text": {"Register for the webinar"}, "starts": {"2026-06-01"}, "ends": {"2026-06-04"}})
	if st != http.StatusSeeOther || h.Get("Location") != "/vendor/announcements" {
		t.Fatalf("post: %d %v", st, h)
	}
	_, body = vendor.get(h.Get("Location"))
	if !strings.Contains(body, "Your announcement was posted") || !strings.Contains(body, `<table id="announcements">`) || !strings.Contains(body, "2026-06-01 to 2026-06-04") ||
		!strings.Contains(body, `<span class="badge active">showing</span>`) || !strings.Contains(body, "End now") {
		t.Errorf("after posting: %s", body)
	}

	const title = "Webinar: what&#39;s new in 2026"
	const link = `<a href="https://maker.example/webinar?ref=portal" rel="noopener">Register for the webinar</a>`
	// It reaches the sign-in page too, with its link text, and no Dismiss
	// there (a visitor has nothing to dismiss it for).
	signInPage := func() string {
		t.Helper()
		st, body := fetch(t, w, &http.Client{}, "/login")
		if st != http.StatusOK {
			t.Fatalf("sign-in page: %d", st)
		}
		return body
	}
	if body := signInPage(); !strings.Contains(body, title) || !strings.Contains(body, link) || strings.Contains(body, "/dismiss") ||
		!strings.Contains(body, `<p class="hint">Shown until 2026-06-04.</p>`) {
		t.Errorf("sign-in page: no banner with its link text: %s", body)
	}
	if _, body := vendor.get("/vendor/announcements"); !strings.Contains(body, link+` <span class="hint url">https://maker.example/webinar?ref=portal</span>`) {
		t.Errorf("the vendor's list: no link text beside the address: %s", body)
	}
	plant := vendSignIn(t, w, "member@plant.example")
	shop := vendSignIn(t, w, "admin@shop.example")
	for name, b := range map[string]*vendBrowser{"plant": plant, "shop": shop} {
		st, body := b.get("/")
		if st != http.StatusOK || !strings.Contains(body, title) || !strings.Contains(body, link) ||
			!regexp.MustCompile(`<form method="post" action="/announcements/\d+/dismiss"`).MatchString(body) || !strings.Contains(body, "Shown until 2026-06-04.") {
			t.Errorf("%s home: %d, no banner: %s", name, st, body)
		}
		if _, body := b.get("/orders"); !strings.Contains(body, title) {
			t.Errorf("%s: no banner on the orders page", name)
		}
	}

	// PLANT's member dismisses it from the orders page: gone for them only.
	_, body = plant.get("/orders")
	m := regexp.MustCompile(`action="(/announcements/\d+/dismiss)"`).FindStringSubmatch(body)
	if m == nil || !strings.Contains(body, `name="back" value="/orders"`) {
		t.Fatalf("no dismiss form with its way back: %s", body)
	}
	st, _, h = plant.post(m[1], url.Values{"back": {"/orders"}})
	if st != http.StatusSeeOther || h.Get("Location") != "/orders" {
		t.Fatalf("dismiss: %d %v", st, h)
	}
	if _, body := plant.get("/"); strings.Contains(body, title) {
		t.Error("the dismissed banner still shows")
	}
	if _, body := shop.get("/"); !strings.Contains(body, title) {
		t.Error("dismissing hid the banner from another user")
	}
	if st, _, h := plant.post(m[1], url.Values{"back": {"https://evil.example/"}}); st != http.StatusSeeOther || h.Get("Location") != "/" {
		t.Errorf("dismissing again, with an outside way back: %d %v", st, h)
	}
	if st, _, _ := plant.post("/announcements/999/dismiss", nil); st != http.StatusNotFound {
		t.Errorf("dismissing no announcement: %d", st)
	}

	// After its last day it shows to nobody (sign in again: sessions end
	// after 12 idle hours).
	w.clock.Advance(3 * 24 * time.Hour) // June 4, 12:00: still its last day
	shop = vendSignIn(t, w, "admin@shop.example")
	if _, body := shop.get("/"); !strings.Contains(body, title) {
		t.Error("the banner is gone on its last day")
	}
	w.clock.Advance(12 * time.Hour) // June 5, 00:00
	shop = vendSignIn(t, w, "admin@shop.example")
	if _, body := shop.get("/"); strings.Contains(body, title) {
		t.Error("the banner still shows after its last day")
	}
	if body := signInPage(); strings.Contains(body, title) {
		t.Error("the banner still shows on the sign-in page after its last day")
	}
	vendor = vendSignIn(t, w, "admin@maker.example")
	if _, body := vendor.get("/vendor/announcements"); !strings.Contains(body, `<span class="badge expired">over</span>`) || strings.Contains(body, "End now") {
		t.Errorf("an announcement over: %s", body)
	}

	// Ending one early hides it from everyone at once.
	st, _, _ = vendor.post("/vendor/announcements", url.Values{"title": {"Maintenance"}, "text": {"Saturday."}, "ends": {"2026-06-20"}})
	if st != http.StatusSeeOther {
		t.Fatalf("post: %d", st)
	}
	if _, body := shop.get("/"); !strings.Contains(body, "Maintenance") {
		t.Error("no Maintenance banner")
	}
	if body := signInPage(); !strings.Contains(body, "Maintenance") || strings.Contains(body, "More about") {
		t.Error("no Maintenance banner on the sign-in page, or a link it does not have")
	}
	_, body = vendor.get("/vendor/announcements")
	end := regexp.MustCompile(`action="(/vendor/announcements/\d+/end)"`).FindStringSubmatch(body)
	if end == nil {
		t.Fatalf("no End now form: %s", body)
	}
	if st, _, _ := vendSignIn(t, w, "member@maker.example").post(end[1], nil); st != http.StatusForbidden {
		t.Errorf("a vendor member ends it: %d", st)
	}
	if st, _, h := vendor.post(end[1], nil); st != http.StatusSeeOther || h.Get("Location") != "/vendor/announcements" {
		t.Errorf("end: %d %v", st, h)
	}
	if _, body := shop.get("/"); strings.Contains(body, "Maintenance") {
		t.Error("the ended banner still shows")
	}
	if body := signInPage(); strings.Contains(body, "Maintenance") {
		t.Error("the ended banner still shows on the sign-in page")
	}
	if _, body := vendor.get("/vendor/announcements"); !strings.Contains(body, "ended early") {
		t.Error("the list does not say it ended early")
	}
	// A link without its words shows "More about" and the title.
	if st, _, _ := vendor.post("/vendor/announcements", url.Values{"title": {"Price list 2027"}, "text": {"New prices from January."},
		"link": {"https://maker.example/prices"}, "ends": {"2026-06-20"}}); st != http.StatusSeeOther {
		t.Fatalf("post: %d", st)
	}
	if body := signInPage(); !strings.Contains(body, `<a href="https://maker.example/prices" rel="noopener">More about “Price list 2027”</a>`) {
		t.Errorf("a link without its words: %s", body)
	}
	if st, _, _ := vendor.post("/vendor/announcements/999/end", nil); st != http.StatusNotFound {
		t.Errorf("ending no announcement: %d", st)
	}
	// Posting and ending were audited with the vendor's basis.
	events, err := w.db.AuditEvents(context.Background(), "MAKER", 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range events {
		if strings.HasPrefix(e.Action, "announcement.") {
			actions = append(actions, e.Action+" "+string(e.Basis[0]))
		}
	}
	if strings.Join(actions, ",") != "announcement.post vendor,announcement.post vendor,announcement.end vendor,announcement.post vendor" {
		t.Errorf("audit: %v", actions)
	}
}
