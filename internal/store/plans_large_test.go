package store_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/benchgen"
	"github.com/entitle-portal/entitle/internal/store"
)

// TestPlansOnLargeChannel explains every user-facing statement on a database
// that already holds the standard benchmark channel, as the planner chooses
// freely (no setting forced), and fails on any whole read of a table that
// grows with the channel. It prints one line per statement — the summary in
// BENCHMARKS.md — and, with ENTITLE_SHOW_PLANS=1, the plans.
//
//	ENTITLE_PLANS_DSN=/tmp/eb/bench-1.db ENTITLE_BENCH_SCALE=1 go test -run PlansOnLarge -v ./internal/store/
//	ENTITLE_PLANS_DSN=postgres://…/entitle_plans ENTITLE_BENCH_SCALE=1 go test -run PlansOnLarge -v ./internal/store/
//
// The database is the one `entitle gen --scale S --today T` + `entitle
// import` (or the store benchmarks) built; ENTITLE_PLANS_TODAY gives T when
// it was not today (the probes depend on it).
func TestPlansOnLargeChannel(t *testing.T) {
	dsn := os.Getenv("ENTITLE_PLANS_DSN")
	if dsn == "" {
		t.Skip("set ENTITLE_PLANS_DSN to a database holding the benchmark channel (and ENTITLE_BENCH_SCALE)")
	}
	scale, err := strconv.ParseFloat(os.Getenv("ENTITLE_BENCH_SCALE"), 64)
	if err != nil {
		t.Fatal("ENTITLE_BENCH_SCALE: ", err)
	}
	now := time.Now().UTC()
	if s := os.Getenv("ENTITLE_PLANS_TODAY"); s != "" {
		d, err := entitle.ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		now = d.Time().Add(12 * time.Hour)
	}
	ds := benchgen.Generate(benchgen.Config{Scale: scale, Seed: 1, Today: entitle.DateOf(now)})
	ctx := context.Background()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ran := userFacing(t, db, ds, now)
	labels := make([]string, 0, len(ran))
	for l := range ran {
		labels = append(labels, l)
	}
	slices.Sort(labels)
	for _, l := range labels {
		for i, s := range ran[l] {
			plan, err := db.Explain(ctx, s, false)
			if err != nil {
				t.Fatal(err)
			}
			if os.Getenv("ENTITLE_SHOW_PLANS") != "" {
				fmt.Printf("== %s #%d\n%s\n%s\n\n", l, i+1, strings.Join(strings.Fields(s.Query), " "), plan)
			}
			t.Logf("%-50s #%d  %s", l, i+1, summary(plan))
			if scans := db.FullScans(plan, bigTables...); len(scans) > 0 {
				t.Errorf("%s #%d reads a whole table: %s\n%s\n%s", l, i+1, strings.Join(scans, "; "), s.Query, plan)
			}
		}
	}
}

// summary names the access path of each table in a plan, on one line.
func summary(plan string) string {
	var out []string
	for _, line := range strings.Split(plan, "\n") {
		l := strings.TrimSpace(strings.TrimLeft(line, " ->"))
		switch {
		case strings.HasPrefix(l, "SEARCH "), strings.HasPrefix(l, "SCAN "):
			out = append(out, l)
		case strings.Contains(l, " Scan "), strings.HasPrefix(l, "Seq Scan"), strings.HasPrefix(l, "Index"), strings.HasPrefix(l, "Bitmap"):
			if i := strings.Index(l, "  ("); i > 0 {
				l = l[:i]
			}
			out = append(out, l)
		}
	}
	return strings.Join(out, "; ")
}
