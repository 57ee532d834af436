package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/store/storetest"
)

// TestImportJobs: the ingest API's records of its imports. One
// idempotency key makes one record, however many create it at once; a
// record's outcome reads back as written; a running import is failed as
// stale only when its heartbeat is old; a key is given up only by an
// import that failed for no fault of its file.
func TestImportJobs(t *testing.T) {
	ctx := context.Background()
	db := storetest.New(t)
	now := importNow
	job := func(key string) entitle.ImportJob {
		return entitle.ImportJob{IdempotencyKey: key, BodySHA256: "abc", Format: "jsonl", Name: "upload.jsonl", Bytes: 10,
			Status: entitle.ImportRunning, RequestedBy: "erp@vendor.example", Company: "VENDOR", CreatedAt: now}
	}

	// Eight at once with one key: one record, the others get it.
	var wg sync.WaitGroup
	ids, created := make([]int64, 8), make([]bool, 8)
	for i := range ids {
		wg.Go(func() {
			j, c, err := db.CreateImportJob(ctx, job("batch-1"))
			if err != nil {
				t.Error(err)
			}
			ids[i], created[i] = j.ID, c
		})
	}
	wg.Wait()
	n := 0
	for i := range ids {
		if created[i] {
			n++
		}
		if ids[i] != ids[0] || ids[i] == 0 {
			t.Errorf("ids %v", ids)
			break
		}
	}
	if n != 1 {
		t.Errorf("%d records created for one key, want 1", n)
	}
	// Without a key, every upload is its own.
	a, _, err := db.CreateImportJob(ctx, job(""))
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := db.CreateImportJob(ctx, job(""))
	if err != nil || a.ID == b.ID || a.IdempotencyKey != "" {
		t.Fatalf("two without a key: %+v %+v %v", a, b, err)
	}

	// Progress, then the outcome, read back as written.
	if err := db.ImportJobProgress(ctx, a.ID, 5, 2, 5, now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if got, err := db.ImportJob(ctx, a.ID); err != nil || got.Records != 5 || got.Done != 2 || !got.HeartbeatAt.Equal(now.Add(time.Second)) {
		t.Errorf("progress: %+v %v", got, err)
	}
	fin := a
	fin.Status, fin.Records, fin.Done, fin.Total, fin.ProblemCount = entitle.ImportFailed, 5, 0, 0, 1
	fin.Problems = []entitle.Problem{{File: "upload.jsonl", Line: 3, Field: "kind", Message: "unknown kind"}}
	fin.FinishedAt = now.Add(2 * time.Second)
	fin.HeartbeatAt = fin.FinishedAt
	if err := db.FinishImportJob(ctx, fin); err != nil {
		t.Fatal(err)
	}
	got, err := db.ImportJob(ctx, a.ID)
	if diff := cmp.Diff(fin, got); err != nil || diff != "" {
		t.Errorf("finished (-want +got): %v\n%s", err, diff)
	}
	fin = b
	fin.Status, fin.Records, fin.Done, fin.Total, fin.FinishedAt = entitle.ImportSucceeded, 3, 3, 3, now.Add(time.Second)
	fin.HeartbeatAt = fin.FinishedAt
	fin.Result = entitle.ImportResult{Companies: entitle.Counts{Created: 1}, Orders: entitle.Counts{Unchanged: 2}, Entitlements: 1}
	if err := db.FinishImportJob(ctx, fin); err != nil {
		t.Fatal(err)
	}
	if got, err := db.ImportJob(ctx, b.ID); err != nil || !cmp.Equal(fin, got) {
		t.Errorf("succeeded: %+v %v", got, err)
	}
	if list, err := db.ImportJobs(ctx, 2); err != nil || len(list) != 2 || list[0].ID != b.ID || list[1].ID != a.ID {
		t.Errorf("the latest two: %+v %v", list, err)
	}
	if _, err := db.ImportJob(ctx, 987654); !errors.Is(err, entitle.ErrNotFound) {
		t.Errorf("a missing import: %v", err)
	}

	// Stale: only a running one whose heartbeat is older than before.
	if failed, err := db.FailStaleImportJob(ctx, ids[0], now, now, "stopped"); err != nil || failed {
		t.Errorf("a fresh heartbeat was failed: %v %v", failed, err)
	}
	if failed, err := db.FailStaleImportJob(ctx, b.ID, now.Add(time.Hour), now, "stopped"); err != nil || failed {
		t.Errorf("a finished import was failed: %v %v", failed, err)
	}
	if failed, err := db.FailStaleImportJob(ctx, ids[0], now.Add(time.Minute), now.Add(time.Minute), "stopped"); err != nil || !failed {
		t.Errorf("a stale heartbeat was not failed: %v %v", failed, err)
	}
	// Its key, given up, makes a new record; a key of a file with
	// problems is kept.
	if err := db.ReleaseImportKey(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	if again, c, err := db.CreateImportJob(ctx, job("batch-1")); err != nil || !c || again.ID == ids[0] {
		t.Errorf("the released key: %+v %v %v", again, c, err)
	}
	bad, _, err := db.CreateImportJob(ctx, job("bad-batch"))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.FinishImportJob(ctx, entitle.ImportJob{ID: bad.ID, Status: entitle.ImportFailed, ProblemCount: 1, FinishedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := db.ReleaseImportKey(ctx, bad.ID); err != nil {
		t.Fatal(err)
	}
	if again, c, err := db.CreateImportJob(ctx, job("bad-batch")); err != nil || c || again.ID != bad.ID {
		t.Errorf("the key of a file with problems was given up: %+v %v %v", again, c, err)
	}
}
