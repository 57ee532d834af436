package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/channel"
	"github.com/entitle-portal/entitle/internal/web/webtest"
)

// The ingest API (POST /api/v1/imports, GET /api/v1/imports[/{id}])
// through real HTTP on a real store: the vendor's ERP sends the files of
// `entitle import` and gets its answers as JSON.

// importItem is an import as the API answers it.
type importItem struct {
	ID             int64  `json:"id"`
	Status         string `json:"status"`
	Format         string `json:"format"`
	Name           string `json:"name"`
	Bytes          int64  `json:"bytes"`
	DryRun         bool   `json:"dry_run"`
	IdempotencyKey string `json:"idempotency_key"`
	Records        int    `json:"records"`
	Progress       struct {
		Done  int `json:"done"`
		Total int `json:"total"`
	} `json:"progress"`
	Result       *entitle.ImportResult `json:"result"`
	ProblemCount int                   `json:"problem_count"`
	Problems     []struct {
		File    string `json:"file"`
		Line    int    `json:"line"`
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"problems"`
	Error       string `json:"error"`
	RequestedBy string `json:"requested_by"`
}

// ingestCSV is one order of vendValidImport's company, as CSV.
const ingestCSV = `po_number,msa,order_date,currency,purchasing_entity,owner,line,sku,quantity,unit_price,subscription_id,start_date,end_date
NC-2,MSA-NEWCO,2026-05-02,EUR,NEWCO,NEWCO,1,SKU-Y,3,20.00,S-901,2026-05-02,2027-05-01
`

// ingestBad has two problems: a kind that does not exist (line 2), an MSA
// of a company that does not exist (line 3).
const ingestBad = `{"type":"company","key":"BADCO","name":"Bad Company","kind":"customer"}
{"type":"company","key":"WORSE","name":"Worse","kind":"emperor"}
{"type":"msa","number":"MSA-BAD","company":"NOSUCH","start":"2026-01-01","end":"2028-12-31"}
`

// upload sends body to the ingest API as the holder of token.
func (w *world) upload(t *testing.T, token, query, contentType, key, body string) (response, importItem) {
	t.Helper()
	h := map[string]string{"Content-Type": contentType}
	if key != "" {
		h["Idempotency-Key"] = key
	}
	res := w.doAs(t, request{method: http.MethodPost, path: "/api/v1/imports" + query, token: token, body: body, header: h})
	var it importItem
	if res.status < 300 || res.status == http.StatusUnprocessableEntity && res.errCode() == "" {
		res.json(t, &it)
	}
	return res, it
}

// importEvents counts the audit trail's import events by email.
func (w *world) importEvents(t *testing.T, email string) int {
	t.Helper()
	events, err := w.db.AuditEventsNewest(context.Background(), "", 0, 500)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range events {
		if e.Action == "import" && e.Actor == email {
			n++
		}
	}
	return n
}

// tableCounts returns the rows of the tables an import writes.
func (w *world) tableCounts(t *testing.T) map[string]int64 {
	t.Helper()
	c, err := w.db.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return map[string]int64{"companies": c["companies"], "msas": c["msas"], "orders": c["orders"], "entitlements": c["entitlements"],
		"webhook_events": c["webhook_events"]}
}

// TestImportAPI: small files are imported before the answer, exactly as
// `entitle import` imports them — counts, audit event, webhook event —
// and a file with problems is refused whole with every problem by line
// and field; refusals of the request itself change nothing; only the
// vendor's administrators import, and to anybody else the routes do not
// exist.
func TestImportAPI(t *testing.T) {
	w := newWorldWith(t, func(o *webtest.Options) { o.ImportMaxBytes = 64 << 10 })
	ctx := context.Background()
	admin, email := w.admin["MAKER"], "admin@maker.example"
	// A webhook of the vendor: an import then queues entitlement.created,
	// as `entitle import` does.
	if _, err := w.db.AddWebhook(ctx, entitle.Webhook{Company: "MAKER", URL: "https://hooks.example/maker", Secret: "whsec_x",
		CreatedAt: w.clock.Now(), CreatedBy: "cli"}, entitle.AuditEvent{At: w.clock.Now(), Actor: "cli", Company: "MAKER", Action: "webhook.add", Outcome: "ok"}); err != nil {
		t.Fatal(err)
	}
	before := w.tableCounts(t)
	unchanged := func(what string) {
		t.Helper()
		for table, n := range w.tableCounts(t) {
			if n != before[table] {
				t.Errorf("%s: %s went from %d to %d rows", what, table, before[table], n)
			}
		}
	}

	// Refused before anything is read or written.
	for _, tc := range []struct {
		token, query, contentType, body string
		status                          int
		code, words                     string
	}{
		{w.member["MAKER"], "", "application/x-ndjson", vendValidImport, http.StatusForbidden, "forbidden", ""},
		{w.admin["NORTH"], "", "application/x-ndjson", vendValidImport, http.StatusNotFound, "not_found", "no API route POST /api/v1/imports"},
		{admin, "", "text/plain", vendValidImport, http.StatusUnsupportedMediaType, "unsupported_media_type", "application/x-ndjson"},
		{admin, "?format=xml", "application/x-ndjson", vendValidImport, http.StatusUnprocessableEntity, "invalid_input", "jsonl or csv"},
		{admin, "?dry_run=maybe", "application/x-ndjson", vendValidImport, http.StatusUnprocessableEntity, "invalid_input", "dry_run"},
		{admin, "?name=orders.txt", "application/x-ndjson", vendValidImport, http.StatusUnprocessableEntity, "invalid_input", "ending in .jsonl"},
		{admin, "", "application/x-ndjson", "", http.StatusUnprocessableEntity, "invalid_input", "the body is empty"},
		{admin, "", "application/x-ndjson", strings.Repeat(" ", 65<<10), http.StatusRequestEntityTooLarge, "payload_too_large", "limit of 64 KiB"},
	} {
		res, _ := w.upload(t, tc.token, tc.query, tc.contentType, "", tc.body)
		if res.status != tc.status || res.errCode() != tc.code || !strings.Contains(res.errMessage(), tc.words) {
			t.Errorf("POST %s (%s, %d bytes): %d %s, want %d %s %q", tc.query, tc.contentType, len(tc.body), res.status, res.body, tc.status, tc.code, tc.words)
		}
	}
	unchanged("refused requests")

	// A dry run: the counts, nothing written.
	res, it := w.upload(t, admin, "?dry_run=true", "application/x-ndjson", "", vendValidImport)
	if res.status != http.StatusOK || it.Status != "succeeded" || !it.DryRun || it.Result == nil || !it.Result.DryRun || it.Result.Companies.Created != 1 {
		t.Errorf("dry run: %d %s", res.status, res.body)
	}
	unchanged("a dry run")

	// A file with problems: every one by line and field, nothing written.
	res, it = w.upload(t, admin, "?name=bad.jsonl", "application/x-ndjson", "", ingestBad)
	if res.status != http.StatusUnprocessableEntity || it.Status != "failed" || it.ProblemCount != 2 || len(it.Problems) != 2 || it.Result != nil {
		t.Fatalf("bad file: %d %s", res.status, res.body)
	}
	if p := it.Problems[0]; p.File != "bad.jsonl" || p.Line != 2 || p.Field != "kind" || p.Message == "" {
		t.Errorf("first problem: %+v", p)
	}
	if p := it.Problems[1]; p.File != "bad.jsonl" || p.Line != 3 || p.Field != "company" {
		t.Errorf("second problem: %+v", p)
	}
	unchanged("a file with problems")

	// JSONL: imported before the answer, visible at once.
	res, it = w.upload(t, admin, "", "application/x-ndjson", "", vendValidImport)
	if res.status != http.StatusOK || it.Status != "succeeded" || it.Records != 3 || it.Name != "upload.jsonl" || it.Format != "jsonl" ||
		it.Result == nil || it.Result.Companies.Created != 1 || it.Result.MSAs.Created != 1 || it.Result.Orders.Created != 1 || it.Result.Entitlements != 1 ||
		it.RequestedBy != email || res.header.Get("Location") != fmt.Sprintf("/api/v1/imports/%d", it.ID) {
		t.Fatalf("JSONL import: %d %v %s", res.status, res.header, res.body)
	}
	if got := w.get("/api/v1/entitlements/S-900", admin); got.status != http.StatusOK {
		t.Errorf("the imported entitlement: %d %s", got.status, got.body)
	}
	// CSV, its format from Content-Type.
	res, it = w.upload(t, admin, "", "text/csv; charset=utf-8", "", ingestCSV)
	if res.status != http.StatusOK || it.Format != "csv" || it.Result == nil || it.Result.Orders.Created != 1 || it.Result.Entitlements != 1 {
		t.Fatalf("CSV import: %d %s", res.status, res.body)
	}
	if got := w.get("/api/v1/entitlements/S-901", admin); got.status != http.StatusOK {
		t.Errorf("the entitlement imported from CSV: %d %s", got.status, got.body)
	}
	// Audited as the user's import, and with the webhook events of `entitle import`.
	if n := w.importEvents(t, email); n != 2 {
		t.Errorf("%d import events by %s, want 2", n, email)
	}
	if after := w.tableCounts(t); after["webhook_events"] != before["webhook_events"]+2 {
		t.Errorf("webhook events: %d, want %d (entitlement.created per new order)", after["webhook_events"], before["webhook_events"]+2)
	}

	// Read back: the vendor's members see the imports; to anybody else
	// an import is one that does not exist, and the list no route.
	got := w.get(fmt.Sprintf("/api/v1/imports/%d", it.ID), w.member["MAKER"])
	var read importItem
	got.json(t, &read)
	if got.status != http.StatusOK || read.ID != it.ID || read.Status != "succeeded" || read.Result == nil {
		t.Errorf("GET the import: %d %s", got.status, got.body)
	}
	list := w.get("/api/v1/imports", admin)
	var items struct{ Items []importItem }
	list.json(t, &items)
	if list.status != http.StatusOK || len(items.Items) != 4 || items.Items[0].ID != it.ID || items.Items[0].Problems != nil {
		t.Errorf("the list: %d %s", list.status, list.body)
	}
	for _, token := range []string{w.admin["NORTH"], w.member["SHOP"]} {
		hidden, missing := w.get(fmt.Sprintf("/api/v1/imports/%d", it.ID), token), w.get("/api/v1/imports/999999", token)
		if hidden.status != http.StatusNotFound || string(hidden.body) != strings.Replace(string(missing.body), "999999", fmt.Sprint(it.ID), 1) {
			t.Errorf("another company's GET: %d %s; a missing import: %s", hidden.status, hidden.body, missing.body)
		}
		if l := w.get("/api/v1/imports", token); l.status != http.StatusNotFound || !strings.Contains(l.errMessage(), "no API route GET /api/v1/imports") {
			t.Errorf("another company's list: %d %s", l.status, l.body)
		}
	}
}

// TestImportAPIIdempotency: a retry with the same Idempotency-Key answers
// the first import and imports nothing again, even when the two arrive at
// once; the key with another body is refused, naming the first import.
func TestImportAPIIdempotency(t *testing.T) {
	w := newWorld(t)
	admin, email := w.admin["MAKER"], "admin@maker.example"
	first, it := w.upload(t, admin, "", "application/x-ndjson", "batch-2026-12-06", vendValidImport)
	if first.status != http.StatusOK || it.IdempotencyKey != "batch-2026-12-06" || first.header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("first upload: %d %v %s", first.status, first.header, first.body)
	}
	again, it2 := w.upload(t, admin, "", "application/x-ndjson", "batch-2026-12-06", vendValidImport)
	if again.status != http.StatusOK || again.header.Get("Idempotent-Replayed") != "true" || it2.ID != it.ID || it2.Result == nil ||
		it2.Result.Companies != it.Result.Companies {
		t.Errorf("retry: %d %v %s", again.status, again.header, again.body)
	}
	if n := w.importEvents(t, email); n != 1 {
		t.Errorf("%d import events after a retry, want 1", n)
	}
	other, _ := w.upload(t, admin, "", "application/x-ndjson", "batch-2026-12-06", ingestCSV)
	if other.status != http.StatusUnprocessableEntity || other.errCode() != "idempotency_key_reused" ||
		!strings.Contains(other.errMessage(), fmt.Sprintf("import %d", it.ID)) {
		t.Errorf("the key with another body: %d %s", other.status, other.body)
	}
	// A file with problems is answered the same way again.
	bad1, b1 := w.upload(t, admin, "", "application/x-ndjson", "bad-batch", ingestBad)
	bad2, b2 := w.upload(t, admin, "", "application/x-ndjson", "bad-batch", ingestBad)
	if bad1.status != http.StatusUnprocessableEntity || bad2.status != http.StatusUnprocessableEntity || b1.ID != b2.ID || b2.ProblemCount != 2 {
		t.Errorf("a bad file twice: %d %s, %d %s", bad1.status, bad1.body, bad2.status, bad2.body)
	}
	for _, bad := range []string{strings.Repeat("k", channel.MaxKey+1), "tab\there"} {
		if res, _ := w.upload(t, admin, "", "application/x-ndjson", bad, vendValidImport); res.status != http.StatusUnprocessableEntity || res.errCode() != "invalid_input" {
			t.Errorf("key %.20q: %d %s", bad, res.status, res.body)
		}
	}

	// Two uploads with one key at once: one import.
	req := request{method: http.MethodPost, path: "/api/v1/imports", token: admin, body: ingestCSV,
		header: map[string]string{"Content-Type": "text/csv", "Idempotency-Key": "together"}}
	both := w.doAll(req, req)
	var a, b importItem
	both[0].json(t, &a)
	both[1].json(t, &b)
	replayed := 0
	for _, res := range both {
		if res.header.Get("Idempotent-Replayed") == "true" {
			replayed++
		}
	}
	if both[0].status != http.StatusOK || both[1].status != http.StatusOK || a.ID != b.ID || replayed != 1 {
		t.Errorf("two at once: %d %s; %d %s", both[0].status, both[0].body, both[1].status, both[1].body)
	}
	if n := w.importEvents(t, email); n != 2 {
		t.Errorf("%d import events, want 2 (one per key)", n)
	}
}

// TestImportAPIBackground: a file over the sync threshold is answered 202
// at once with the import, running, and a Location to poll, which reaches
// succeeded with its progress and counts.
func TestImportAPIBackground(t *testing.T) {
	w := newWorldWith(t, func(o *webtest.Options) { o.ImportSyncBytes = 16 })
	t.Cleanup(func() { w.web.Close(context.Background()) }) // before the store closes
	admin := w.admin["MAKER"]
	res, it := w.upload(t, admin, "", "application/x-ndjson", "big", vendValidImport)
	loc := res.header.Get("Location")
	if res.status != http.StatusAccepted || it.Status != "running" || loc != fmt.Sprintf("/api/v1/imports/%d", it.ID) {
		t.Fatalf("a large file: %d %v %s", res.status, res.header, res.body)
	}
	var got importItem
	for deadline := time.Now().Add(10 * time.Second); ; {
		r := w.get(loc, admin)
		r.json(t, &got)
		if r.status != http.StatusOK || got.Status != "running" || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got.Status != "succeeded" || got.Records != 3 || got.Progress.Done != 3 || got.Progress.Total != 3 ||
		got.Result == nil || got.Result.Companies.Created != 1 || got.Result.Entitlements != 1 {
		t.Fatalf("polled: %+v", got)
	}
	if r := w.get("/api/v1/entitlements/S-900", admin); r.status != http.StatusOK {
		t.Errorf("the imported entitlement: %d", r.status)
	}
	// The retry of a finished import: its answer as it stands, 200.
	if again, it2 := w.upload(t, admin, "", "application/x-ndjson", "big", vendValidImport); again.status != http.StatusOK || it2.ID != it.ID ||
		again.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("retry: %d %s", again.status, again.body)
	}
}

// TestImportAPIStopped: an import whose server stopped while it ran (its
// heartbeat older than channel.StaleAfter) is answered failed, nothing of
// it written; the retry with its Idempotency-Key imports the file anew.
func TestImportAPIStopped(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	admin := w.admin["MAKER"]
	// The record another process left behind when it stopped.
	job, created, err := w.db.CreateImportJob(ctx, entitle.ImportJob{IdempotencyKey: "lost", BodySHA256: sha256Hex(vendValidImport), Format: "jsonl",
		Name: "upload.jsonl", Bytes: int64(len(vendValidImport)), Status: entitle.ImportRunning, RequestedBy: "admin@maker.example", Company: "MAKER",
		CreatedAt: w.clock.Now().Add(-channel.StaleAfter / 2)})
	if err != nil || !created {
		t.Fatal(created, err)
	}
	path := fmt.Sprintf("/api/v1/imports/%d", job.ID)
	var got importItem
	w.get(path, admin).json(t, &got)
	if got.Status != "running" {
		t.Errorf("with a recent heartbeat: %+v", got)
	}
	w.clock.Advance(channel.StaleAfter)
	w.get(path, admin).json(t, &got)
	if got.Status != "failed" || got.Error != channel.StoppedMessage {
		t.Errorf("with a stale heartbeat: %+v", got)
	}
	if rec, err := w.db.ImportJob(ctx, job.ID); err != nil || rec.Status != entitle.ImportFailed {
		t.Errorf("recorded: %+v %v", rec, err)
	}
	res, it := w.upload(t, admin, "", "application/x-ndjson", "lost", vendValidImport)
	if res.status != http.StatusOK || it.ID == job.ID || it.Status != "succeeded" || res.header.Get("Idempotent-Replayed") != "" {
		t.Errorf("the retry: %d %s", res.status, res.body)
	}
}

// sha256Hex is the SHA-256 of s in hex, as the ingest API records a body's.
func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TestImportAPIShutdown: an import the server stops (Close's deadline
// passed, its context cancelled) rolls back and is recorded as stopped:
// GET answers it failed with "send it again", and nothing of it was
// written; a server with nothing running closes at once.
func TestImportAPIShutdown(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	admin := w.admin["MAKER"]
	a, _, err := w.svc.Accounts.ByToken(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	const path = "/api/v1/imports"
	job, first, err := w.svc.Channel.BeginImport(ctx, a, path, channel.Upload{Key: "stopping", SHA256: sha256Hex(vendValidImport), Format: "jsonl",
		Name: "upload.jsonl", Bytes: int64(len(vendValidImport))})
	if err != nil || !first {
		t.Fatal(first, err)
	}
	stopped, stop := context.WithCancel(ctx)
	stop()
	fin, err := w.svc.Channel.RunImport(stopped, a, path, job, strings.NewReader(vendValidImport))
	if err == nil || fin.Status != entitle.ImportFailed || fin.Error != channel.StoppedMessage {
		t.Fatalf("a stopped import: %+v %v", fin, err)
	}
	var got importItem
	w.get(fmt.Sprintf("%s/%d", path, job.ID), admin).json(t, &got)
	if got.Status != "failed" || got.Error != channel.StoppedMessage || got.Result != nil {
		t.Errorf("GET a stopped import: %+v", got)
	}
	if _, err := w.db.Company(ctx, "NEWCO"); err == nil {
		t.Error("a stopped import wrote its company")
	}
	if n := w.importEvents(t, "admin@maker.example"); n != 0 {
		t.Errorf("%d import events of a stopped import", n)
	}
	done, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := w.web.Close(done); err != nil {
		t.Errorf("Close with nothing running: %v", err)
	}
}

// TestImportPageListsUploads: the vendor's import page lists the ingest
// API's latest uploads with their outcome: imported, valid in a dry run, or
// their problems.
func TestImportPageListsUploads(t *testing.T) {
	w := newWorld(t)
	admin := w.admin["MAKER"]
	if res, _ := w.upload(t, admin, "?name=erp-orders.jsonl", "application/x-ndjson", "", vendValidImport); res.status != http.StatusOK {
		t.Fatalf("upload: %d %s", res.status, res.body)
	}
	if res, _ := w.upload(t, admin, "?name=erp-check.jsonl&dry_run=true", "application/x-ndjson", "", vendValidImport); res.status != http.StatusOK {
		t.Fatalf("dry-run upload: %d %s", res.status, res.body)
	}
	if res, _ := w.upload(t, admin, "?name=erp-bad.jsonl", "application/x-ndjson", "", ingestBad); res.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad upload: %d %s", res.status, res.body)
	}
	for _, email := range []string{"admin@maker.example", "member@maker.example"} {
		st, body := vendSignIn(t, w, email).get("/vendor/import")
		if st != http.StatusOK {
			t.Fatalf("%s: import page %d", email, st)
		}
		_, recent, ok := strings.Cut(body, `id="recent-imports"`)
		if !ok {
			t.Fatalf("%s: the import page lists no uploads: %s", email, body)
		}
		// Newest first, each with its outcome.
		bad, check, orders := strings.Index(recent, "erp-bad.jsonl"), strings.Index(recent, "erp-check.jsonl"), strings.Index(recent, "erp-orders.jsonl")
		if bad < 0 || check < bad || orders < check {
			t.Errorf("%s: the uploads are not listed newest first: %s", email, recent)
		}
		for _, want := range []string{"problems, nothing imported</td>", "valid, nothing written (validate only)</td>", "<td>imported</td>", "admin@maker.example"} {
			if !strings.Contains(recent, want) {
				t.Errorf("%s: the list of uploads lacks %q: %s", email, want, recent)
			}
		}
	}
	if st, body := vendSignIn(t, newWorld(t), "admin@maker.example").get("/vendor/import"); st != http.StatusOK || strings.Contains(body, "recent-imports") {
		t.Errorf("with no upload, the page lists them: %d", st)
	}
}
