package store_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/benchgen"
	"github.com/entitle-portal/entitle/internal/importer"
	"github.com/entitle-portal/entitle/internal/policy"
	"github.com/entitle-portal/entitle/internal/store"
	"github.com/entitle-portal/entitle/internal/store/storetest"
)

// The benchmarks run on the standard benchmark channel (BENCHMARK.md) at
// ENTITLE_BENCH_SCALE (default 0.1), generated and imported once per
// process into a SQLite file under ENTITLE_BENCH_DIR (default a temporary
// directory). BenchmarkImport imports into new databases on the backend of
// the test run instead (see storetest). See BENCHMARKS.md for the commands
// and figures.

var bench struct {
	dataOnce sync.Once // the dataset: scale, ds, jsonl, now
	once     sync.Once // the database: db
	err      error
	scale    float64
	ds       *benchgen.Dataset
	db       *store.DB
	jsonl    []byte
	now      time.Time
}

// benchData generates the channel and its JSONL, once per process.
func benchData(b *testing.B) (*benchgen.Dataset, time.Time) {
	b.Helper()
	bench.dataOnce.Do(func() {
		bench.scale = 0.1
		if s := os.Getenv("ENTITLE_BENCH_SCALE"); s != "" {
			if bench.scale, bench.err = strconv.ParseFloat(s, 64); bench.err != nil {
				return
			}
		}
		today := entitle.MustDate("2026-06-01")
		bench.now = today.Time().Add(12 * time.Hour)
		bench.ds = benchgen.Generate(benchgen.Config{Scale: bench.scale, Seed: 1, Today: today})
		var buf bytes.Buffer
		if bench.err = importer.WriteJSONL(&buf, bench.ds.Batch); bench.err != nil {
			return
		}
		bench.jsonl = buf.Bytes()
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	return bench.ds, bench.now
}

func benchWorld(b *testing.B) (*benchgen.Dataset, *store.DB, time.Time) {
	b.Helper()
	benchData(b)
	bench.once.Do(func() {
		dir := os.Getenv("ENTITLE_BENCH_DIR")
		if dir == "" {
			if dir, bench.err = os.MkdirTemp("", "entitle-bench-"); bench.err != nil {
				return
			}
		}
		path := filepath.Join(dir, fmt.Sprintf("bench-%g.db", bench.scale))
		if dsn := os.Getenv("ENTITLE_BENCH_DSN"); dsn != "" {
			path = dsn // e.g. a PostgreSQL database, built (or reused) the same way
		}
		if bench.db, bench.err = store.Open(context.Background(), path); bench.err != nil {
			return
		}
		// Reuse an earlier run's database (same scale, seed and day) when it
		// holds the whole channel; an import is all or nothing.
		var counts map[string]int64
		if counts, bench.err = bench.db.Counts(context.Background()); bench.err != nil {
			return
		}
		if counts["orders"] == int64(len(bench.ds.Batch.Orders)) && counts["delegations"] == int64(len(bench.ds.Delegations)) {
			return
		}
		if _, bench.err = importBytes(bench.db, bench.jsonl, bench.now); bench.err != nil {
			return
		}
		bench.err = bench.db.AddDelegations(context.Background(), bench.ds.Delegations)
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	return bench.ds, bench.db, bench.now
}

func importBytes(db *store.DB, data []byte, now time.Time) (int, error) {
	batch, problems, err := importer.Read(bytes.NewReader(data), "bench.jsonl")
	if err == nil && len(problems) > 0 {
		err = problems
	}
	if err != nil {
		return 0, err
	}
	_, problems, err = db.Import(context.Background(), batch, entitle.ImportOptions{Exclusive: true}, now) // as entitle import
	if err == nil && len(problems) > 0 {
		err = problems
	}
	return batch.Len(), err
}

// BenchmarkImport imports the whole channel (parse + validate + write, one
// transaction) into a new database per iteration, on the backend of the test
// run (ENTITLE_TEST_BACKEND=postgres: a new database on the server of
// ENTITLE_TEST_POSTGRES, dropped at the end): records/s, a record being a
// line of the JSONL file.
func BenchmarkImport(b *testing.B) {
	ds, now := benchData(b)
	b.Run(storetest.Backend(), func(b *testing.B) {
		records := 0
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			db, err := store.Open(context.Background(), storetest.DSN(b))
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			n, err := importBytes(db, bench.jsonl, now)
			if err != nil {
				b.Fatal(err)
			}
			records += n
			b.StopTimer()
			db.Close()
			b.StartTimer()
		}
		entitlements := 0
		for _, o := range ds.Batch.Orders {
			entitlements += len(o.Record.Lines)
		}
		b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
		b.ReportMetric(float64(entitlements*b.N)/b.Elapsed().Seconds(), "entitlements/s")
	})
}

// latencies records each operation's duration and reports p50 and p99.
type latencies []time.Duration

func (l latencies) report(b *testing.B) {
	if len(l) == 0 {
		return
	}
	slices.Sort(l)
	b.ReportMetric(float64(l[len(l)/2].Nanoseconds())/1e3, "p50-µs")
	b.ReportMetric(float64(l[len(l)*99/100].Nanoseconds())/1e3, "p99-µs")
}

// BenchmarkGet is one "may this company see this entitlement, and which
// views" question: the store's facts and the policy's decision.
func BenchmarkGet(b *testing.B) {
	ds, db, now := benchWorld(b)
	vendor := "VENDOR"
	for _, tc := range []struct {
		name string
		gets []benchgen.Get
		want bool
	}{{"allowed", ds.Probes.AllowedGets, true}, {"denied", ds.Probes.DeniedGets, false}} {
		b.Run(tc.name, func(b *testing.B) {
			ctx := context.Background()
			lat := make(latencies, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				g := tc.gets[i%len(tc.gets)]
				start := time.Now()
				cand, err := db.Entitlement(ctx, g.SubscriptionID, g.Company)
				if err != nil {
					b.Fatal(err)
				}
				d := policy.Decide(entitle.Actor{Company: g.Company, Vendor: g.Company == vendor}, policy.Get, cand.Facts, now)
				lat = append(lat, time.Since(start))
				if d.Allowed != tc.want {
					b.Fatalf("%s on %s: allowed=%v, want %v", g.Company, g.SubscriptionID, d.Allowed, tc.want)
				}
			}
			lat.report(b)
		})
	}
}

func benchCompanies(ds *benchgen.Dataset) []struct{ name, key string } {
	p := ds.Probes
	return []struct{ name, key string }{
		{"largest-reseller", p.LargestReseller}, {"largest-distributor", p.LargestDistributor},
		{"median-reseller", p.MedianReseller}, {"small-customer", p.SmallCustomer}, {"outsider", p.Outsider},
	}
}

// listVisible pages through what the company sees (store + policy), pages of
// limit, in the order o, stopping after maxPages; it returns the number of
// entitlements.
func listVisible(ctx context.Context, db *store.DB, c entitle.Actor, o entitle.ListOrder, limit, maxPages int, now time.Time) (int, error) {
	n, after := 0, ""
	for p := 0; p < maxPages; p++ {
		page, err := db.List(ctx, c, after, limit, entitle.ListFilter{Order: o}, now)
		if err != nil {
			return n, err
		}
		for _, cand := range page.Candidates {
			if policy.Decide(c, policy.List, cand.Facts, now).Allowed {
				n++
			}
		}
		if !page.More {
			break
		}
		after = page.Next
	}
	return n, nil
}

// BenchmarkListFirstPage is the first page of 100 of a company's list.
func BenchmarkListFirstPage(b *testing.B) {
	ds, db, now := benchWorld(b)
	for _, co := range benchCompanies(ds) {
		b.Run(co.name, func(b *testing.B) {
			c := entitle.Actor{Company: co.key}
			lat := make(latencies, 0, b.N)
			for i := 0; i < b.N; i++ {
				start := time.Now()
				if _, err := listVisible(context.Background(), db, c, entitle.BySubscription, 100, 1, now); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
			}
			lat.report(b)
		})
	}
}

// BenchmarkListComplete is a company's complete list, in pages of 500; the
// number of entitlements is reported beside the time.
func BenchmarkListComplete(b *testing.B) {
	ds, db, now := benchWorld(b)
	for _, co := range benchCompanies(ds) {
		b.Run(co.name, func(b *testing.B) {
			c := entitle.Actor{Company: co.key}
			lat := make(latencies, 0, b.N)
			n := 0
			for i := 0; i < b.N; i++ {
				start := time.Now()
				var err error
				if n, err = listVisible(context.Background(), db, c, entitle.BySubscription, 500, 1<<30, now); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
			}
			b.ReportMetric(float64(n), "entitlements")
			lat.report(b)
		})
	}
}

// BenchmarkListByEndDate is BenchmarkListFirstPage and BenchmarkListComplete
// in end-date order (what ends first), for the same companies and the
// vendor: the same index ranges, in (end date, subscription) order.
func BenchmarkListByEndDate(b *testing.B) {
	ds, db, now := benchWorld(b)
	vendor, err := db.VendorKey(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	callers := []struct {
		name string
		c    entitle.Actor
	}{{"vendor", entitle.Actor{Company: vendor, Vendor: true}}}
	for _, co := range benchCompanies(ds) {
		callers = append(callers, struct {
			name string
			c    entitle.Actor
		}{co.name, entitle.Actor{Company: co.key}})
	}
	for _, co := range callers {
		for _, kind := range []struct {
			name            string
			limit, maxPages int
		}{{"first-page", 100, 1}, {"complete", 500, 1 << 30}} {
			if co.name == "vendor" && kind.name == "complete" {
				continue // every entitlement: an export, not a list
			}
			b.Run(co.name+"/"+kind.name, func(b *testing.B) {
				lat := make(latencies, 0, b.N)
				n := 0
				for i := 0; i < b.N; i++ {
					start := time.Now()
					var err error
					if n, err = listVisible(context.Background(), db, co.c, entitle.ByEndDate, kind.limit, kind.maxPages, now); err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(start))
				}
				b.ReportMetric(float64(n), "entitlements")
				lat.report(b)
			})
		}
	}
}

// BenchmarkListSearch is the first page of 100 of the largest reseller's
// list searched by q (store + policy, as BenchmarkListFirstPage): a text
// no field holds (the whole range is read: the worst case), a SKU prefix
// most rows hold, and one subscription ID. The owner's name and site are
// matched on its own rows only (policy.SearchBases of a company).
func BenchmarkListSearch(b *testing.B) {
	ds, db, now := benchWorld(b)
	c := entitle.Actor{Company: ds.Probes.LargestReseller}
	first, err := db.List(context.Background(), c, "", 1, entitle.ListFilter{}, now)
	if err != nil || len(first.Candidates) == 0 {
		b.Fatal(err, "no entitlement")
	}
	e := first.Candidates[0].Entitlement
	for _, tc := range []struct{ name, q string }{{"nothing", "no such text"}, {"sku-prefix", strings.ToLower(e.SKU[:2])}, {"one-subscription", strings.ToLower(e.SubscriptionID)}} {
		b.Run(tc.name, func(b *testing.B) {
			f := entitle.ListFilter{Search: entitle.Search{Text: tc.q, OwnerBases: entitle.BasisSetOf(entitle.BasisOwner)}}
			lat := make(latencies, 0, b.N)
			n := 0
			for i := 0; i < b.N; i++ {
				start := time.Now()
				page, err := db.List(context.Background(), c, "", 100, f, now)
				if err != nil {
					b.Fatal(err)
				}
				n = 0
				for _, cand := range page.Candidates {
					if policy.Decide(c, policy.List, cand.Facts, now).Allowed {
						n++
					}
				}
				lat = append(lat, time.Since(start))
			}
			lat.report(b)
			b.ReportMetric(float64(n), "found")
		})
	}
}

// BenchmarkListSearchVendor is the vendor's first page of 100 searched by
// q: its list is every entitlement, read by primary key until the page is
// full — a text no field holds reads the whole table through the index.
func BenchmarkListSearchVendor(b *testing.B) {
	_, db, now := benchWorld(b)
	vendor, err := db.VendorKey(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	c := entitle.Actor{Company: vendor, Vendor: true}
	for _, tc := range []struct{ name, q string }{{"nothing", "no such text"}} {
		b.Run(tc.name, func(b *testing.B) {
			f := entitle.ListFilter{Search: entitle.Search{Text: tc.q, OwnerBases: entitle.BasisSetOf(entitle.Bases...)}}
			lat := make(latencies, 0, b.N)
			for i := 0; i < b.N; i++ {
				start := time.Now()
				if _, err := db.List(context.Background(), c, "", 100, f, now); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
			}
			lat.report(b)
		})
	}
}
