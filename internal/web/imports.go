package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/channel"
)

// The ingest API: the vendor's ERP sends its JSONL or CSV file over HTTP
// and gets the answer `entitle import` would print, as JSON.
//
//	POST /api/v1/imports        the body is the file (?format=, ?dry_run=, ?name=; Idempotency-Key)
//	GET  /api/v1/imports        the latest 50 imports, newest first
//	GET  /api/v1/imports/{id}   one import: status, progress, counts, problems
//
// The body is streamed to a file (never held in memory), hashed as it
// comes. One up to Config.ImportSyncBytes is imported before the answer:
// 200 with the import, succeeded, or 422 with every problem by line and
// field, nothing written. A larger one is answered 202 with the import,
// running, and a Location to poll; it is imported in the background,
// owned by the server (Close). Either way the import is the upload page's
// and the command line's (channel.Service.RunImport): one transaction,
// the same audit event and webhook events.

// Defaults of Config.ImportMaxBytes and Config.ImportSyncBytes.
const (
	DefaultImportMaxBytes  = 256 << 20
	DefaultImportSyncBytes = 1 << 20
)

// maxListedImports is how many imports GET /api/v1/imports lists.
const maxListedImports = 50

// importBodyTime is how long a client may take to send the body of an
// import: the server's ReadTimeout is meant for small requests.
const importBodyTime = 30 * time.Minute

// importJSON is an import of the ingest API as the API answers it.
type importJSON struct {
	ID             int64                 `json:"id"`
	Status         string                `json:"status"`
	Format         string                `json:"format"`
	Name           string                `json:"name"`
	Bytes          int64                 `json:"bytes"`
	DryRun         bool                  `json:"dry_run"`
	IdempotencyKey string                `json:"idempotency_key,omitempty"`
	Records        int                   `json:"records"`
	Progress       importProgressJSON    `json:"progress"`
	Result         *entitle.ImportResult `json:"result,omitempty"`
	ProblemCount   int                   `json:"problem_count"`
	Problems       []importProblemJSON   `json:"problems,omitempty"`
	Error          string                `json:"error,omitempty"`
	RequestedBy    string                `json:"requested_by"`
	CreatedAt      time.Time             `json:"created_at"`
	FinishedAt     *time.Time            `json:"finished_at,omitempty"`
}

type importProgressJSON struct {
	Done  int `json:"done"`
	Total int `json:"total"`
}

// importProblemJSON is one problem of a file: `entitle import`'s
// FILE:LINE: FIELD: MESSAGE, as fields.
type importProblemJSON struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// importJSONOf answers j; withProblems lists its problems (a list of
// imports gives their count only).
func importJSONOf(j entitle.ImportJob, withProblems bool) importJSON {
	out := importJSON{ID: j.ID, Status: j.Status, Format: j.Format, Name: j.Name, Bytes: j.Bytes, DryRun: j.DryRun,
		IdempotencyKey: j.IdempotencyKey, Records: j.Records, Progress: importProgressJSON{j.Done, j.Total},
		ProblemCount: j.ProblemCount, Error: j.Error, RequestedBy: j.RequestedBy, CreatedAt: j.CreatedAt}
	if j.Status == entitle.ImportSucceeded {
		res := j.Result
		out.Result = &res
	}
	if !j.FinishedAt.IsZero() {
		t := j.FinishedAt
		out.FinishedAt = &t
	}
	if withProblems {
		for _, p := range j.Problems {
			out.Problems = append(out.Problems, importProblemJSON{File: p.File, Line: p.Line, Field: p.Field, Message: p.Message})
		}
	}
	return out
}

// importStatus is the status of the answer to an upload of j: 202 while it
// runs, 422 when its file had problems, 200 otherwise (a failed import
// says why in its error).
func importStatus(j entitle.ImportJob) int {
	switch {
	case j.Status == entitle.ImportRunning:
		return http.StatusAccepted
	case j.ProblemCount > 0:
		return http.StatusUnprocessableEntity
	}
	return http.StatusOK
}

// importFormats maps the media types of an import body to its format.
var importFormats = map[string]string{
	"application/x-ndjson":  "jsonl",
	"application/jsonl":     "jsonl",
	"application/ndjson":    "jsonl",
	"application/jsonlines": "jsonl",
	"text/csv":              "csv",
}

// POST /api/v1/imports: import the body, a JSONL or CSV file.
func (s *Server) createImport(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	path := r.URL.Path
	if !s.cfg.Channel.Visible(c) {
		return noRoute(r)
	}
	if err := s.cfg.Channel.MayImport(c, path); err != nil {
		return err
	}
	q := newQuery(r, "format", "dry_run", "name")
	format, name := strings.ToLower(q.str("format")), q.str("name")
	var dryRun bool
	switch v := q.str("dry_run"); v {
	case "", "false", "0":
	case "true", "1":
		dryRun = true
	default:
		q.fail("dry_run is true or false, not %q", clipParam(v))
	}
	if q.err != nil {
		return q.err
	}
	switch ct := r.Header.Get("Content-Type"); {
	case format != "":
		if format != "jsonl" && format != "csv" {
			return errorf(codeInvalid, "format is jsonl or csv, not %q", clipParam(format))
		}
	case name != "" && (strings.EqualFold(filepath.Ext(name), ".jsonl") || strings.EqualFold(filepath.Ext(name), ".csv")):
		format = strings.ToLower(filepath.Ext(name)[1:])
	default:
		mt, _, _ := mime.ParseMediaType(ct)
		if format = importFormats[mt]; format == "" {
			return errorf(codeUnsupportedMedia, "send the file as Content-Type: application/x-ndjson (JSONL) or text/csv (CSV), "+
				"or name its format with ?format=jsonl or ?format=csv (Content-Type was %q)", clipParam(ct))
		}
	}
	if name == "" {
		name = "upload." + format
	}
	if s.importsCtx.Err() != nil {
		return errorf(codeUnavailable, "the server is stopping; send the file again in a moment")
	}

	f, sum, n, err := s.receive(w, r)
	if err != nil {
		return err
	}
	owned := false // by the import's goroutine once it starts
	defer func() {
		if !owned {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	// Receiving may have taken longer than the request's deadline: the
	// answer gets a deadline of its own.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), s.cfg.RequestTimeout)
	defer cancel()
	u := channel.Upload{Key: r.Header.Get("Idempotency-Key"), SHA256: sum, Format: format, Name: name, Bytes: n, DryRun: dryRun}
	job, first, err := s.cfg.Channel.BeginImport(ctx, c, path, u)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/imports/"+strconv.FormatInt(job.ID, 10))
	if !first {
		// A retry of a small import still running (the first upload is
		// being imported, e.g. it arrived at the same time) waits for it
		// as the first one does.
		for job.Status == entitle.ImportRunning && n <= s.cfg.ImportSyncBytes && ctx.Err() == nil {
			select {
			case <-ctx.Done():
			case <-time.After(20 * time.Millisecond):
				if j, err := s.cfg.Channel.ImportJob(ctx, c, path, job.ID); err == nil {
					job = j
				}
			}
		}
		w.Header().Set("Idempotent-Replayed", "true")
		writeJSON(w, importStatus(job), importJSONOf(job, true))
		return nil
	}

	// The import runs on the server's context, not the request's: a client
	// that goes away (or a small import that outlasts the request's
	// deadline) leaves it running, to be polled or retried by its key.
	owned = true
	type outcome struct {
		job entitle.ImportJob
		err error
	}
	done := make(chan outcome, 1)
	s.imports.Go(func() {
		defer func() {
			f.Close()
			os.Remove(f.Name())
		}()
		fin, err := s.cfg.Channel.RunImport(s.importsCtx, c, path, job, f)
		if err != nil {
			s.cfg.Logger.Error("import failed", "import", job.ID, "err", err)
		}
		done <- outcome{fin, err}
	})
	if n <= s.cfg.ImportSyncBytes {
		select {
		case o := <-done:
			if o.err != nil { // the database's fault, not the file's: 503 (or 500), to be sent again
				return o.err
			}
			job = o.job
		case <-ctx.Done():
		}
	}
	writeJSON(w, importStatus(job), importJSONOf(job, true))
	return nil
}

// noRoute is the answer of the routes of the ingest API to anybody but the
// vendor: the catch-all's answer to a route that does not exist (R7).
func noRoute(r *http.Request) error {
	return errorf(codeNotFound, "no API route %s %s: see /api/v1/openapi.json", r.Method, r.URL.Path)
}

// receive streams r's body, at most Config.ImportMaxBytes, to a new file
// in Config.ImportDir, rewound, and returns it with the body's SHA-256 and
// length. A body over the limit is 413 naming the limit, and nothing is
// kept.
func (s *Server) receive(w http.ResponseWriter, r *http.Request) (f *os.File, sum string, n int64, err error) {
	// The read deadline of the server is meant for small requests.
	http.NewResponseController(w).SetReadDeadline(time.Now().Add(importBodyTime))
	f, err = os.CreateTemp(s.cfg.ImportDir, "entitle-import-*")
	if err != nil {
		return nil, "", 0, fmt.Errorf("a file for the upload: %w", err)
	}
	fail := func(err error) (*os.File, string, int64, error) {
		f.Close()
		os.Remove(f.Name())
		return nil, "", 0, err
	}
	h := sha256.New()
	n, err = io.Copy(io.MultiWriter(f, h), http.MaxBytesReader(w, r.Body, s.cfg.ImportMaxBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return fail(errorf(codeTooLarge, "the file is larger than this server's limit of %s (%d bytes): split it, or ask the operator to raise serve --import-max-bytes",
			sizeWords(s.cfg.ImportMaxBytes), s.cfg.ImportMaxBytes))
	case err != nil:
		return fail(errorf(codeBadRequest, "the body could not be read to its end: %v", err))
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fail(err)
	}
	return f, hex.EncodeToString(h.Sum(nil)), n, nil
}

// sizeWords writes a size in bytes the way --import-max-bytes takes it.
func sizeWords(n int64) string {
	for _, u := range []struct {
		name  string
		bytes int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.bytes && n%u.bytes == 0 {
			return fmt.Sprintf("%d %s", n/u.bytes, u.name)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}

// GET /api/v1/imports/{id}: one import of the ingest API, as it stands.
func (s *Server) getImport(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	id, err := pathID(r, "import")
	if err != nil {
		return err
	}
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	j, err := s.cfg.Channel.ImportJob(r.Context(), c, r.URL.Path, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, importJSONOf(j, true))
	return nil
}

// GET /api/v1/imports: the latest imports of the ingest API, newest first.
func (s *Server) listImports(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	if !s.cfg.Channel.Visible(c) {
		return noRoute(r)
	}
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	jobs, err := s.cfg.Channel.ImportJobs(r.Context(), c, r.URL.Path, maxListedImports)
	if err != nil {
		return err
	}
	items := make([]importJSON, 0, len(jobs))
	for _, j := range jobs {
		items = append(items, importJSONOf(j, false))
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

// Close stops the server's background work: it waits for the imports of
// the ingest API to end until ctx ends, then stops the rest, which roll
// back and are recorded as stopped ("send it again"). Call it after the
// HTTP server has stopped taking requests.
func (s *Server) Close(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		s.imports.Wait()
		close(done)
	}()
	select {
	case <-done:
		s.stopImports()
		return nil
	case <-ctx.Done():
		s.stopImports()
		<-done
		return fmt.Errorf("imports still running were stopped and rolled back: %w", ctx.Err())
	}
}
