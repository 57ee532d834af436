package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestServeIngest: `serve --import-max-bytes --import-sync-bytes` sets the
// ingest API's limits: a body over the first is 413 naming it; one over the
// second is answered 202 and imported in the background, polled to its
// end; the server then stops cleanly.
func TestServeIngest(t *testing.T) {
	db := newWorld(t)
	if r := cli(t, db, "correct horse battery\n", "user", "add", "--company", "MAKER", "--email", "erp@maker.example", "--name", "ERP",
		"--admin", "--password-stdin"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	token := strings.TrimSpace(cli(t, db, "", "token", "create", "--email", "erp@maker.example", "--name", "erp").stdout)
	s := serve(t, db, "--import-max-bytes", "1KiB", "--import-sync-bytes", "64")
	do := func(method, path, body string) (*http.Response, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, s.url+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/x-ndjson")
		req.Header.Set("Idempotency-Key", "serve-test")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		data, _ := io.ReadAll(res.Body)
		var v map[string]any
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, data)
		}
		return res, v
	}

	res, v := do(http.MethodPost, "/api/v1/imports", strings.Repeat(" ", 1025))
	if e, _ := v["error"].(map[string]any); res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(e["message"].(string), "1 KiB") {
		t.Errorf("a body over --import-max-bytes: %d %v", res.StatusCode, v)
	}
	file := `{"type":"company","key":"ERPCO","name":"Sent by the ERP","kind":"customer"}` + "\n"
	res, v = do(http.MethodPost, "/api/v1/imports", file)
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusAccepted || v["status"] != "running" || loc == "" {
		t.Fatalf("a body over --import-sync-bytes: %d %v", res.StatusCode, v)
	}
	for deadline := time.Now().Add(10 * time.Second); v["status"] == "running" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		_, v = do(http.MethodGet, loc, "")
	}
	if result, _ := v["result"].(map[string]any); v["status"] != "succeeded" || result["companies"].(map[string]any)["created"] != 1.0 {
		t.Fatalf("polled: %v", v)
	}
	if code := s.stop(); code != 0 {
		t.Errorf("serve exited with %d: %s", code, s.stderr.String())
	}
	if r := cli(t, db, "", "import", "--dry-run", writeFile(t, "again.jsonl", file)); r.code != 0 || !strings.Contains(r.stdout, `"unchanged":1`) {
		t.Errorf("the company was not imported: %s %s", r.stdout, r.stderr)
	}
}
