package channel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/entitle-portal/entitle"
)

// The ingest API (POST /api/v1/imports): the vendor's ERP sends a file over
// HTTPS instead of the upload page or the command line. The file is
// imported exactly as they import it (importFile: the same reader, the
// same one transaction, the same audit event and webhook events); what is
// added is a record of each upload, so that a large one can be polled
// while it runs and a retried one answers the first result
// (Idempotency-Key) instead of importing twice.

// Upload is one file sent to the ingest API, received in full.
type Upload struct {
	Key    string // the Idempotency-Key header, "" for none
	SHA256 string // of the body, in hex
	Format string // jsonl or csv
	Name   string // the file name the problems name: upload.jsonl unless the client names it
	Bytes  int64
	DryRun bool
}

// Bounds and timings of the ingest API's imports.
const (
	// MaxKey bounds an Idempotency-Key.
	MaxKey = 200
	// MaxJobProblems bounds the problems an import's record keeps;
	// ProblemCount counts them all.
	MaxJobProblems = 1000
	// HeartbeatEvery is how often a running import's progress and
	// heartbeat are written to its record.
	HeartbeatEvery = 5 * time.Second
	// StaleAfter is how old a running import's heartbeat may grow before
	// the import is taken for stopped with its process.
	StaleAfter = 2 * time.Minute
)

// StoppedMessage is the error of an import whose server stopped (or was
// told to stop) before it ended. Imports are one transaction, so it is
// true: nothing of it was written.
const StoppedMessage = "the server stopped during the import; nothing of it was written: send it again"

// failedMessage is the error of an import that failed for a reason that
// is not the file's (the database went away): also nothing written.
const failedMessage = "the import could not be completed (the database failed or did not answer); nothing of it was written: send it again"

// running holds the progress of the imports this process runs: what their
// records say, but fresher (on SQLite the heartbeat waits for the
// import's own transaction, the one writer), and the reason they are never
// taken for stale here.
type running struct {
	mu sync.Mutex
	m  map[int64]*progress
}

type progress struct {
	records, done, total int
}

func (r *running) start(id int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[int64]*progress{}
	}
	if r.m[id] == nil {
		r.m[id] = &progress{}
	}
}

func (r *running) stop(id int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.m, id)
}

func (r *running) set(id int64, records, done, total int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p := r.m[id]; p != nil {
		*p = progress{records, done, total}
	}
}

// get returns the progress of id and whether this process runs it.
func (r *running) get(id int64) (progress, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p := r.m[id]; p != nil {
		return *p, true
	}
	return progress{}, false
}

// errNoImport is the answer about an import that does not exist, and about
// every import to anybody but the vendor (R7).
func errNoImport(id int64) error {
	return entitle.Errorf(entitle.CodeNotFound, "import %d not found", id)
}

// MayImport checks, before a file is received, that a may import through
// path: not found for other companies, forbidden for the vendor's members
// who are not administrators.
func (s *Service) MayImport(a entitle.Actor, path string) error {
	_, err := change(a, path)
	return err
}

// BeginImport records u as a's import, running, and returns it with first
// true: the caller then runs it (RunImport). When u carries an
// Idempotency-Key an import holds already, nothing is recorded: that
// import is returned, with first false, when it was sent with the same
// body; with another body the key is refused, naming the import that
// holds it. An import that failed for no fault of its file (its server
// stopped) gives its key up to the retry, which is imported anew.
func (s *Service) BeginImport(ctx context.Context, a entitle.Actor, path string, u Upload) (job entitle.ImportJob, first bool, err error) {
	if _, err := change(a, path); err != nil {
		return job, false, err
	}
	var ps entitle.Problems
	switch {
	case len(u.Key) > MaxKey:
		ps.Add("Idempotency-Key", "the key is %d characters long; keep it to %d", len(u.Key), MaxKey)
	case strings.IndexFunc(u.Key, func(r rune) bool { return r < ' ' || r > '~' }) >= 0:
		ps.Add("Idempotency-Key", "the key may hold printable ASCII characters only")
	}
	switch {
	case u.Format != "jsonl" && u.Format != "csv":
		ps.Add("format", "the format is jsonl or csv, not %q", u.Format)
	case !strings.EqualFold(filepath.Ext(u.Name), "."+u.Format) || strings.ContainsAny(u.Name, "/\\") || len(u.Name) > 200:
		ps.Add("name", "name the file with a plain name ending in .%s (the format of the body), e.g. upload.%s", u.Format, u.Format)
	}
	if u.Bytes == 0 {
		ps.Add("body", "the body is empty: send the file's records")
	}
	if err := ps.Err(); err != nil {
		return job, false, err
	}
	now := s.now()
	want := entitle.ImportJob{IdempotencyKey: u.Key, BodySHA256: u.SHA256, Format: u.Format, Name: u.Name, Bytes: u.Bytes,
		DryRun: u.DryRun, Status: entitle.ImportRunning, RequestedBy: a.Email, Company: a.Company, CreatedAt: now}
	for attempt := 0; ; attempt++ {
		job, created, err := s.Store.CreateImportJob(ctx, want)
		if err != nil {
			return job, false, err
		}
		if created {
			s.running.start(job.ID)
			return job, true, nil
		}
		job = s.view(ctx, job)
		if job.BodySHA256 != u.SHA256 || job.Format != u.Format || job.DryRun != u.DryRun {
			return job, false, entitle.Errorf(entitle.CodeKeyReused,
				"the Idempotency-Key %q was sent before with another upload (import %d): send a new upload with a key of its own", u.Key, job.ID)
		}
		if job.Status == entitle.ImportFailed && job.ProblemCount == 0 && attempt == 0 {
			if err := s.Store.ReleaseImportKey(ctx, job.ID); err != nil {
				return job, false, err
			}
			continue
		}
		return job, false, nil
	}
}

// RunImport imports the file of job, which BeginImport recorded for a,
// from r, exactly as the upload page and `entitle import` do, and records
// how it ended. While it runs its progress is kept for ImportJob and
// written to its record every HeartbeatEvery. When ctx ends first (the
// server stops), the import is rolled back and recorded as stopped. err
// is an error of the import itself (the database), not the file's
// problems, which the returned record lists.
func (s *Service) RunImport(ctx context.Context, a entitle.Actor, path string, job entitle.ImportJob, r io.Reader) (entitle.ImportJob, error) {
	s.running.start(job.ID)
	defer s.running.stop(job.ID)
	beat, stopBeat := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { s.heartbeat(beat, job.ID) })

	rep, err := s.importWhen(ctx, a, path, job, r)
	stopBeat()
	wg.Wait()

	fin := job
	if p, ok := s.running.get(job.ID); ok {
		fin.Records, fin.Done, fin.Total = p.records, p.done, p.total
	}
	fin.FinishedAt = s.now().Truncate(time.Microsecond) // as it is stored
	switch {
	case err != nil && ctx.Err() != nil:
		fin.Status, fin.Error = entitle.ImportFailed, StoppedMessage
	case err != nil:
		var e *entitle.Error
		fin.Status, fin.Error = entitle.ImportFailed, failedMessage
		if errors.As(err, &e) && e.Code != entitle.CodeUnavailable && e.Code != entitle.CodeInternal {
			fin.Error = e.Message // refused (the caller lost the right to import)
		}
	case len(rep.Problems) > 0:
		fin.Status, fin.Records, fin.ProblemCount = entitle.ImportFailed, rep.Records, len(rep.Problems)
		fin.Problems = rep.Problems[:min(len(rep.Problems), MaxJobProblems)]
	default:
		fin.Status, fin.Records, fin.Result = entitle.ImportSucceeded, rep.Records, rep.Result
		fin.Done, fin.Total = rep.Records, rep.Records
	}
	// Recorded even when ctx ended: the record must say so.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if werr := s.Store.FinishImportJob(wctx, fin); werr != nil {
		return fin, errors.Join(err, fmt.Errorf("recording how import %d ended: %w", job.ID, werr))
	}
	return fin, err
}

// importWhen imports job's file once a still may.
func (s *Service) importWhen(ctx context.Context, a entitle.Actor, path string, job entitle.ImportJob, r io.Reader) (ImportReport, error) {
	if _, err := change(a, path); err != nil {
		return ImportReport{}, err
	}
	return s.importFile(ctx, a, r, job.Name, job.DryRun, func(records, done, total int) {
		s.running.set(job.ID, records, done, total)
	})
}

// heartbeat writes the progress of the running import id to its record
// every HeartbeatEvery until ctx ends.
func (s *Service) heartbeat(ctx context.Context, id int64) {
	t := time.NewTicker(HeartbeatEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if p, ok := s.running.get(id); ok {
				// A failed write is tried again at the next beat; the
				// import itself does not depend on it.
				s.Store.ImportJobProgress(ctx, id, p.records, p.done, p.total, s.now())
			}
		}
	}
}

// view is j as it stands now: with the progress this process knows of it,
// or, when it is running nowhere any more (its heartbeat is older than
// StaleAfter), failed as stopped — recorded so when the database lets.
func (s *Service) view(ctx context.Context, j entitle.ImportJob) entitle.ImportJob {
	if j.Status != entitle.ImportRunning {
		return j
	}
	if p, ok := s.running.get(j.ID); ok {
		if p.records > 0 {
			j.Records, j.Done, j.Total = p.records, p.done, p.total
		}
		return j
	}
	now := s.now()
	if !j.HeartbeatAt.Before(now.Add(-StaleAfter)) {
		return j
	}
	wctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	// When the write waits too long (SQLite's one writer busy), the next
	// read records it; the answer is the same.
	s.Store.FailStaleImportJob(wctx, j.ID, now.Add(-StaleAfter), now, StoppedMessage)
	j.Status, j.Error, j.FinishedAt = entitle.ImportFailed, StoppedMessage, now.Truncate(time.Microsecond)
	return j
}

// ImportJob returns the ingest API's import id for a; to anybody but the
// vendor's members every import is one that does not exist (R7).
func (s *Service) ImportJob(ctx context.Context, a entitle.Actor, path string, id int64) (entitle.ImportJob, error) {
	if see(a, path) != nil {
		return entitle.ImportJob{}, errNoImport(id)
	}
	j, err := s.Store.ImportJob(ctx, id)
	if errors.Is(err, entitle.ErrNotFound) {
		return j, errNoImport(id)
	}
	if err != nil {
		return j, err
	}
	return s.view(ctx, j), nil
}

// ImportJobs returns the latest limit imports of the ingest API, newest
// first, for the vendor's members.
func (s *Service) ImportJobs(ctx context.Context, a entitle.Actor, path string, limit int) ([]entitle.ImportJob, error) {
	if err := see(a, path); err != nil {
		return nil, err
	}
	jobs, err := s.Store.ImportJobs(ctx, limit)
	for i := range jobs {
		jobs[i] = s.view(ctx, jobs[i])
	}
	return jobs, err
}
