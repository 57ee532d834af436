package store_test

import (
	"context"
	"fmt"
	"os"
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
// import` (or the store benchmarks) built, ANALYZEd on PostgreSQL; ENTITLE_PLANS_TODAY gives T when
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
	// `entitle import` brings no delegations (they are granted in the
	// portal): add the channel's, once.
	counts, err := db.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if counts["delegations"] == 0 {
		if err := db.AddDelegations(ctx, ds.Delegations); err != nil {
			t.Fatal(err)
		}
	}
	// Nor users, tokens and sessions: add the channel's users, and a token
	// and a session for 2,000 of them, so that those tables are not empty
	// (an empty table is rightly read whole).
	if counts["users"] == 0 {
		users := make([]entitle.UserRecord, len(ds.Users))
		for i, u := range ds.Users {
			users[i] = entitle.UserRecord{User: u, PasswordHash: "$argon2id$unused"}
		}
		if err := db.AddUsers(ctx, users, now); err != nil {
			t.Fatal(err)
		}
		for i := range 2000 {
			u, err := db.UserByEmail(ctx, ds.Users[i*len(ds.Users)/2000].Email)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.AddToken(ctx, u.ID, "plans", fmt.Sprintf("%064x", i), entitle.AllScopes, now, time.Time{}, entitle.AuditEvent{}); err != nil {
				t.Fatal(err)
			}
			if err := db.CreateSession(ctx, u.ID, fmt.Sprintf("%064x", i), "", entitle.SessionMeta{}, now, now.Add(time.Hour),
				entitle.AuditEvent{At: now, Actor: u.Email, Company: u.Company, Action: "login", Outcome: "ok"}); err != nil {
				t.Fatal(err)
			}
		}
		t.Log("added users, tokens and sessions: ANALYZE the database (PostgreSQL) and run again")
		return
	}
	checkPlans(t, db, userFacing(t, db, ds, now), false)
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
