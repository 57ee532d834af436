package store_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/benchgen"
	"github.com/entitle-portal/entitle/internal/importer"
	"github.com/entitle-portal/entitle/internal/store"
	"github.com/entitle-portal/entitle/internal/store/storetest"
)

// BenchmarkImportMemory imports the standard channel at ENTITLE_BENCH_SCALE
// (default 0.1) from its JSONL file, as `entitle import` does, into a new
// database per iteration on the backend of the test run, and reports the
// peak of the Go heap during the import above the heap before it
// (peak-heap-MB: live objects and garbage not yet collected, sampled every
// 2 ms), with the orders held (importer.Read: the whole file parsed first)
// and streamed (importer.StreamSeeker: the orders read again as they are
// written). Unlike BenchmarkImport it keeps neither the dataset nor the
// file's bytes in memory, so that they do not count. See BENCHMARKS.md.
func BenchmarkImportMemory(b *testing.B) {
	path, records := benchFile(b)
	today := entitle.MustDate("2026-06-01")
	now := today.Time().Add(12 * time.Hour)
	read := map[string]func(*os.File) (entitle.Batch, entitle.Problems, error){
		"held":     func(f *os.File) (entitle.Batch, entitle.Problems, error) { return importer.Read(f, f.Name()) },
		"streamed": func(f *os.File) (entitle.Batch, entitle.Problems, error) { return importer.StreamSeeker(f, f.Name()) },
	}
	for _, mode := range []string{"held", "streamed"} {
		b.Run(mode+"/"+storetest.Backend(), func(b *testing.B) {
			var peak uint64
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				db, err := store.Open(context.Background(), storetest.DSN(b))
				if err != nil {
					b.Fatal(err)
				}
				runtime.GC()
				base := heapObjects()
				stop := sampleHeap(base, &peak)
				b.StartTimer()
				f, err := os.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				batch, problems, err := read[mode](f)
				if err == nil && len(problems) == 0 {
					_, problems, err = db.Import(context.Background(), batch, entitle.ImportOptions{}, now)
				}
				f.Close()
				b.StopTimer()
				stop()
				if err == nil && len(problems) > 0 {
					err = problems
				}
				if err != nil {
					b.Fatal(err)
				}
				db.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(records*b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// benchFile writes the channel's JSONL file once per scale, under
// ENTITLE_BENCH_DIR (default a temporary directory), and returns its path
// and how many records it holds.
func benchFile(b *testing.B) (string, int) {
	b.Helper()
	scale := 0.1
	if s := os.Getenv("ENTITLE_BENCH_SCALE"); s != "" {
		var err error
		if scale, err = strconv.ParseFloat(s, 64); err != nil {
			b.Fatal(err)
		}
	}
	dir := os.Getenv("ENTITLE_BENCH_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	path := filepath.Join(dir, fmt.Sprintf("bench-%g.jsonl", scale))
	ds := benchgen.Generate(benchgen.Config{Scale: scale, Seed: 1, Today: entitle.MustDate("2026-06-01")})
	records := ds.Batch.Len()
	if st, err := os.Stat(path); err == nil && st.Size() > 0 {
		return path, records
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	if err := importer.WriteJSONL(w, ds.Batch); err != nil {
		b.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path, records
}

// heapObjects is the size of the Go heap's objects, live or not yet collected.
func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// sampleHeap keeps in *peak the largest heapObjects above base seen until
// stop is called.
func sampleHeap(base uint64, peak *uint64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		for {
			if h := heapObjects(); h > base && h-base > *peak {
				*peak = h - base
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() { close(done); wg.Wait() }
}
