package web_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
)

// The matrix's checkers of the ingest API (imports.go). The vendor's
// administrators import (policy.ChangeVendorRecord) and its members read
// the imports (policy.VendorPages); a member is refused an import. To
// anybody else the routes are the catch-all's answer to a route that does
// not exist, and an import is exactly an import that does not exist (R7).

// checkCreateImport: a body of no import format (the matrix sends JSON) is
// 415 for the vendor's administrators: nothing is read or written.
func checkCreateImport(t *testing.T, m *mx, s *subject) {
	ask := func(id string) response {
		return m.api(t, s, http.MethodPost, "/api/v1/"+id, map[string]string{"type": "company"})
	}
	m.answers(t, s, "POST /api/v1/imports", ask("imports"), policy.ChangeVendorRecord(s.actor),
		http.StatusUnsupportedMediaType, http.StatusForbidden, "imports", "nowhere", ask)
}

// checkListImports: the vendor's members list the imports.
func checkListImports(t *testing.T, m *mx, s *subject) {
	matrixImport(t, m)
	ask := func(id string) response { return m.api(t, s, http.MethodGet, "/api/v1/"+id, nil) }
	res := ask("imports")
	if m.answers(t, s, "GET /api/v1/imports", res, policy.VendorPages(s.actor), http.StatusOK, http.StatusForbidden, "imports", "nowhere", ask) {
		var page struct{ Items []importItem }
		res.json(t, &page)
		m.check(t, len(page.Items) > 0, "%s: GET /api/v1/imports lists nothing: %s", s.name, clip(res.body))
	}
}

// checkGetImport: the vendor's members read an import; anybody else gets
// the 404 of an import that does not exist.
func checkGetImport(t *testing.T, m *mx, s *subject) {
	job := matrixImport(t, m)
	ask := func(id string) response { return m.api(t, s, http.MethodGet, "/api/v1/imports/"+id, nil) }
	id := strconv.FormatInt(job.ID, 10)
	res := ask(id)
	if m.answers(t, s, "GET /api/v1/imports/"+id, res, policy.VendorPages(s.actor), http.StatusOK, http.StatusForbidden, id, missingNumber, ask) {
		var got importItem
		res.json(t, &got)
		m.check(t, got.ID == job.ID, "%s: GET /api/v1/imports/%s: %s", s.name, id, clip(res.body))
	}
}

// matrixImport is the one import of the matrix's world, the same for every
// subject and checker: its key makes every creation after the first
// return the first.
func matrixImport(t *testing.T, m *mx) entitle.ImportJob {
	job, _, err := m.db.CreateImportJob(t.Context(), entitle.ImportJob{IdempotencyKey: "matrix", BodySHA256: sha256Hex("x"), Format: "jsonl",
		Name: "upload.jsonl", Bytes: 1, Status: entitle.ImportRunning, RequestedBy: "matrix@vendor.example", Company: m.vendor, CreatedAt: m.now})
	if err != nil {
		t.Fatal(err)
	}
	return job
}
