package ratelimit

import (
	"context"
	"errors"
	"flag"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entitle-portal/entitle/internal/store"
	"github.com/entitle-portal/entitle/internal/store/storetest"
)

// t0 starts a window of every period that divides a day: it is a whole
// number of days after the Unix epoch.
var t0 = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// windowOf returns the index of the window of length per that holds now,
// counted in periods since the Unix epoch (floored, also before 1970). It is
// written independently of the package's own arithmetic.
func windowOf(per time.Duration, now time.Time) int64 {
	p, t := per.Microseconds(), now.UnixMicro()
	i := t / p
	if t%p < 0 {
		i--
	}
	return i
}

// startOf returns the start of the window of length per that holds now.
func startOf(per time.Duration, now time.Time) time.Time {
	return time.UnixMicro(windowOf(per, now) * per.Microseconds()).UTC()
}

// ---------------------------------------------------------------- Parse

func TestParseValid(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Limit
	}{
		{"10/15m", Limit{N: 10, Per: 15 * time.Minute}},
		{"20/1h", Limit{N: 20, Per: time.Hour}},
		{"20/h", Limit{N: 20, Per: time.Hour}},
		{"5/m", Limit{N: 5, Per: time.Minute}},
		{"7/s", Limit{N: 7, Per: time.Second}},
		{"3/24h", Limit{N: 3, Per: 24 * time.Hour}},
		{"1/1s", Limit{N: 1, Per: time.Second}},
		{"2/90m", Limit{N: 2, Per: 90 * time.Minute}},
		{"4/1h30m", Limit{N: 4, Per: 90 * time.Minute}},
		{" 10/15m\t", Limit{N: 10, Per: 15 * time.Minute}},
		{"off", Limit{}},
		{"0", Limit{}},
		{"0/1h", Limit{N: 0, Per: time.Hour}},
	} {
		got, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): unexpected error %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("Parse(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
		if got.Off() != (tc.want.N <= 0) {
			t.Errorf("Parse(%q).Off() = %v, want %v", tc.in, got.Off(), tc.want.N <= 0)
		}
	}
}

func TestParseInvalid(t *testing.T) {
	const (
		form   = "write it N/PERIOD"
		number = "is not a whole number of events"
		period = "the period must be a duration from 1s to 24h"
	)
	for _, tc := range []struct {
		in, wantErr string
	}{
		{"", form},
		{"10", form},
		{"ten per hour", form},
		{"x/1h", `"x" ` + number},
		{"-1/1h", `"-1" ` + number},
		{"1.5/1h", `"1.5" ` + number},
		{"/1h", `"" ` + number},
		{"10/0s", period},
		{"10/25h", period},
		{"10/500ms", period},
		{"10/", period},
		{"10/1d", period},
		{"10/-1h", period},
		{"10/h/2", period},
	} {
		got, err := Parse(tc.in)
		if err == nil {
			t.Errorf("Parse(%q) = %+v, want an error containing %q", tc.in, got, tc.wantErr)
			continue
		}
		if !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("Parse(%q) error = %q, want it to contain %q", tc.in, err, tc.wantErr)
		}
		// The message quotes what was given, so an operator sees which flag.
		if quoted := `limit "` + strings.TrimSpace(tc.in) + `"`; !strings.Contains(err.Error(), quoted) {
			t.Errorf("Parse(%q) error = %q, want it to quote the input as %s", tc.in, err, quoted)
		}
		if got != (Limit{}) {
			t.Errorf("Parse(%q) returned %+v alongside its error, want the zero Limit", tc.in, got)
		}
	}
}

func TestStringRoundTrips(t *testing.T) {
	for _, tc := range []struct {
		lim  Limit
		want string
	}{
		{Limit{N: 10, Per: 15 * time.Minute}, "10/15m"},
		{Limit{N: 20, Per: time.Hour}, "20/1h"},
		{Limit{N: 3, Per: 24 * time.Hour}, "3/24h"},
		{Limit{N: 5, Per: time.Minute}, "5/1m"},
		{Limit{N: 1, Per: time.Second}, "1/1s"},
		{Limit{N: 2, Per: 90 * time.Minute}, "2/1h30m"},
		// Periods whose minutes or seconds end in a zero.
		{Limit{N: 10, Per: 10 * time.Minute}, "10/10m"},
		{Limit{N: 6, Per: 20 * time.Minute}, "6/20m"},
		{Limit{N: 30, Per: 30 * time.Second}, "30/30s"},
		{Limit{N: 4, Per: 70 * time.Minute}, "4/1h10m"},
		{Limit{N: 6, Per: 90 * time.Second}, "6/1m30s"},
		{Limit{N: 7, Per: 2*time.Hour + 30*time.Second}, "7/2h0m30s"},
		{Limit{N: 8, Per: 10 * time.Hour}, "8/10h"},
	} {
		s := tc.lim.String()
		if s != tc.want {
			t.Errorf("%+v.String() = %q, want %q", tc.lim, s, tc.want)
		}
		back, err := Parse(s)
		if err != nil {
			t.Errorf("Parse(%+v.String() = %q): %v", tc.lim, s, err)
			continue
		}
		if back != tc.lim {
			t.Errorf("Parse(%q) = %+v, want %+v back", s, back, tc.lim)
		}
	}
	for _, off := range []Limit{{}, {N: 0, Per: time.Hour}, {N: -3, Per: time.Minute}} {
		if s := off.String(); s != "off" {
			t.Errorf("%+v.String() = %q, want \"off\"", off, s)
		}
		back, err := Parse(off.String())
		if err != nil || !back.Off() {
			t.Errorf("Parse(%q) = %+v, %v; want an Off limit", off.String(), back, err)
		}
	}
}

func TestLimitIsAFlagValue(t *testing.T) {
	var _ flag.Value = (*Limit)(nil)

	newSet := func() (*flag.FlagSet, *Limit) {
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		lim := Limit{N: 10, Per: 15 * time.Minute}
		fs.Var(&lim, "limit", "events allowed (N/PERIOD, or off)")
		return fs, &lim
	}
	for _, tc := range []struct {
		args []string
		want Limit
	}{
		{nil, Limit{N: 10, Per: 15 * time.Minute}},
		{[]string{"-limit=20/h"}, Limit{N: 20, Per: time.Hour}},
		{[]string{"-limit", "3/24h"}, Limit{N: 3, Per: 24 * time.Hour}},
		{[]string{"-limit=off"}, Limit{}},
		{[]string{"-limit=0"}, Limit{}},
	} {
		fs, lim := newSet()
		if err := fs.Parse(tc.args); err != nil {
			t.Errorf("flags %q: %v", tc.args, err)
			continue
		}
		if *lim != tc.want {
			t.Errorf("flags %q: limit = %+v, want %+v", tc.args, *lim, tc.want)
		}
		if got := fs.Lookup("limit").Value.String(); got != tc.want.String() {
			t.Errorf("flags %q: flag reads back %q, want %q", tc.args, got, tc.want.String())
		}
	}

	fs, lim := newSet()
	err := fs.Parse([]string{"-limit=10"})
	if err == nil || !strings.Contains(err.Error(), "N/PERIOD") {
		t.Errorf("-limit=10: error = %v, want the parse error explaining N/PERIOD", err)
	}
	if want := (Limit{N: 10, Per: 15 * time.Minute}); *lim != want {
		t.Errorf("-limit=10 changed the limit to %+v, want it left at %+v", *lim, want)
	}

	// The usage shows the default as Parse reads it.
	fs, _ = newSet()
	var usage strings.Builder
	fs.SetOutput(&usage)
	fs.PrintDefaults()
	if !strings.Contains(usage.String(), "(default 10/15m)") {
		t.Errorf("usage = %q, want it to show (default 10/15m)", usage.String())
	}
	if got := (&Limit{}).Type(); got != "N/PERIOD" {
		t.Errorf("Type() = %q, want N/PERIOD", got)
	}
}

// ---------------------------------------------------------------- Admit

// admitted counts how many events Admit lets into the current window at
// now, given p hits in the previous window, before it refuses one.
func admitted(t *testing.T, lim Limit, p int, now time.Time) int {
	t.Helper()
	c := 0
	for {
		if _, ok := Admit(lim, p, c, now); !ok {
			return c
		}
		c++
		if c > 2*lim.N+2 {
			t.Fatalf("Admit(%v, p=%d) at %v admits more than %d events", lim, p, now, c)
		}
	}
}

func TestAdmitFreshWindowAdmitsExactlyN(t *testing.T) {
	for _, per := range []time.Duration{time.Second, 7 * time.Second, time.Minute, 15 * time.Minute, time.Hour, 24 * time.Hour} {
		for _, n := range []int{1, 2, 3, 10, 100} {
			lim := Limit{N: n, Per: per}
			// With no previous hits the share of the window gone does not matter.
			for _, into := range []time.Duration{0, time.Microsecond, per / 2, per - time.Microsecond} {
				if got := admitted(t, lim, 0, startOf(per, t0).Add(into)); got != n {
					t.Errorf("%v, no previous hits, %v into the window: %d admitted, want exactly %d", lim, into, got, n)
				}
			}
		}
	}
}

func TestAdmitWeighsThePreviousWindow(t *testing.T) {
	for _, tc := range []struct {
		n, p int
		into time.Duration // into a window of one hour
		want int
	}{
		{n: 10, p: 10, into: 30 * time.Minute, want: 5},    // half of p still weighs: 5 + 5
		{n: 10, p: 10, into: 0, want: 0},                   // all of p still weighs
		{n: 10, p: 10, into: time.Microsecond, want: 0},    // nearly all
		{n: 10, p: 10, into: 54 * time.Minute, want: 9},    // a tenth: 1 + 9
		{n: 10, p: 10, into: 59 * time.Minute, want: 9},    // 1/60 of 10 still weighs
		{n: 10, p: 4, into: 0, want: 6},                    // 4 + 6
		{n: 10, p: 20, into: 30 * time.Minute, want: 0},    // 10 already
		{n: 10, p: 20, into: 45 * time.Minute, want: 5},    // 5 + 5
		{n: 100, p: 100, into: 15 * time.Minute, want: 25}, // 75 + 25
		{n: 100, p: 60, into: 20 * time.Minute, want: 60},  // 40 + 60
		{n: 1, p: 1, into: 30 * time.Minute, want: 0},      // any weight of p leaves no room
		{n: 1, p: 1, into: time.Hour - time.Microsecond, want: 0},
		{n: 3, p: 0, into: 59 * time.Minute, want: 3},
	} {
		lim := Limit{N: tc.n, Per: time.Hour}
		if got := admitted(t, lim, tc.p, t0.Add(tc.into)); got != tc.want {
			t.Errorf("%v, %d hits in the previous window, %v into the window: %d admitted, want %d", lim, tc.p, tc.into, got, tc.want)
		}
	}
}

// shifted returns the counts Admit sees at later, given p and c at now: the
// same within the window, the current count become the previous one in the
// next window, and nothing two windows on (no event happened meanwhile).
func shifted(per time.Duration, now, later time.Time, p, c int) (int, int) {
	switch windowOf(per, later) - windowOf(per, now) {
	case 0:
		return p, c
	case 1:
		return c, 0
	}
	return 0, 0
}

func TestAdmitRetryAfter(t *testing.T) {
	pers := []time.Duration{time.Second, 2 * time.Second, 7 * time.Second, time.Minute, 15 * time.Minute, time.Hour, 24 * time.Hour}
	// now values that are not whole seconds after a window start, too.
	offsets := func(per time.Duration) []time.Duration {
		return []time.Duration{0, time.Microsecond, 999 * time.Millisecond, per / 3, per / 2, per/2 + 1234567*time.Nanosecond,
			per * 2 / 3, per - time.Second, per - time.Microsecond}
	}
	counts := func(n int) []int {
		if n <= 10 {
			var cs []int
			for i := 0; i <= 2*n+2; i++ {
				cs = append(cs, i)
			}
			return cs
		}
		return []int{0, 1, 2, n / 3, n / 2, n - 2, n - 1, n, n + 1, n + 5, 2 * n, 2*n + 1}
	}
	refusals, checked := 0, 0
	for _, per := range pers {
		for _, n := range []int{1, 2, 3, 5, 7, 10, 100} {
			lim := Limit{N: n, Per: per}
			for _, off := range offsets(per) {
				now := startOf(per, t0).Add(off)
				for _, p := range counts(n) {
					for _, c := range counts(n) {
						if c > n+3 {
							continue // more than a few racing processes could add
						}
						checked++
						retry, ok := Admit(lim, p, c, now)
						if ok {
							if retry != 0 {
								t.Errorf("Admit(%v, p=%d, c=%d) %v into the window: admitted with RetryAfter %v, want 0", lim, p, c, off, retry)
							}
							continue
						}
						refusals++
						if retry < time.Second || retry%time.Second != 0 {
							t.Errorf("Admit(%v, p=%d, c=%d) %v into the window: RetryAfter %v, want whole seconds, at least one", lim, p, c, off, retry)
							continue
						}
						later := now.Add(retry)
						lp, lc := shifted(per, now, later, p, c)
						if _, ok := Admit(lim, lp, lc, later); !ok {
							t.Errorf("Admit(%v, p=%d, c=%d) %v into the window: RetryAfter %v, but at that time (p=%d, c=%d) it still refuses",
								lim, p, c, off, retry, lp, lc)
						}
						// And it is not needlessly long: a second earlier is still too soon.
						if retry > time.Second {
							sooner := later.Add(-time.Second)
							sp, sc := shifted(per, now, sooner, p, c)
							if _, ok := Admit(lim, sp, sc, sooner); ok {
								t.Errorf("Admit(%v, p=%d, c=%d) %v into the window: RetryAfter %v, but a second sooner (p=%d, c=%d) it already admits",
									lim, p, c, off, retry, sp, sc)
							}
						}
					}
				}
			}
		}
	}
	if refusals == 0 || refusals == checked {
		t.Fatalf("%d of %d cases refused: the table does not exercise both outcomes", refusals, checked)
	}
}

// TestAdmitNoBurstAtBoundary is the failure of fixed windows that the sliding
// estimate exists to prevent: N events at the very end of one window and N
// more at the very start of the next.
func TestAdmitNoBurstAtBoundary(t *testing.T) {
	for _, lim := range []Limit{{N: 1, Per: time.Second}, {N: 10, Per: time.Minute}, {N: 100, Per: 15 * time.Minute}, {N: 5, Per: 24 * time.Hour}} {
		// A client that waits quietly, then hammers across a boundary.
		end := t0.Add(lim.Per - time.Microsecond) // last instant of window 0
		before := admitted(t, lim, 0, end)
		if before != lim.N {
			t.Fatalf("%v: %d admitted at the end of a quiet window, want %d", lim, before, lim.N)
		}
		start := t0.Add(lim.Per) // first instant of window 1
		if after := admitted(t, lim, before, start); after != 0 {
			t.Errorf("%v: %d admitted at the end of a window and %d more an instant later, at the start of the next; want none more",
				lim, before, after)
		}
		// Room comes back as the previous window's share fades, no faster.
		for _, share := range []float64{0.1, 0.25, 0.5, 0.9} {
			into := time.Duration(share * float64(lim.Per))
			after := admitted(t, lim, before, start.Add(into))
			if limit := int(share * float64(lim.N)); after > limit {
				t.Errorf("%v: %d admitted at the end of a window, then %d in the first %v of the next; want at most %d",
					lim, before, after, into, limit)
			}
		}
	}

	// A greedy client trying every 100ms over several windows: no fixed
	// window ever holds more than N, yet the limit does not starve it.
	lim := Limit{N: 10, Per: time.Minute}
	hits := 0
	count := map[int64]int{}
	for now := t0.Add(-lim.Per / 2); now.Before(t0.Add(5 * lim.Per)); now = now.Add(100 * time.Millisecond) {
		w := windowOf(lim.Per, now)
		// Several attempts at each instant.
		for range 3 {
			if _, ok := Admit(lim, count[w-1], count[w], now); ok {
				count[w]++
				hits++
			}
		}
	}
	for w, c := range count {
		if c > lim.N {
			t.Errorf("greedy client: window %d holds %d events, want at most %d", w, c, lim.N)
		}
	}
	if hits < 5*lim.N {
		t.Errorf("greedy client: only %d events admitted over five and a half windows; want at least %d", hits, 5*lim.N)
	}
}

func TestAdmitLargeCountsAndOff(t *testing.T) {
	// Counts far beyond any real limit must neither overflow nor misjudge.
	const big = 1 << 40
	lim := Limit{N: big, Per: 24 * time.Hour}
	half := t0.Add(12 * time.Hour)
	if _, ok := Admit(lim, big, big/2-1, half); !ok {
		t.Errorf("%v, p=%d halfway: c=%d refused, want admitted (estimate %d)", lim, big, big/2-1, big-1)
	}
	retry, ok := Admit(lim, big, big/2, half)
	if ok {
		t.Errorf("%v, p=%d halfway: c=%d admitted, want refused (estimate %d)", lim, big, big/2, big)
	} else if retry != time.Second {
		// The previous window needs to fade by one hit in 2^40: well under a second.
		t.Errorf("%v, p=%d halfway, c=%d: RetryAfter %v, want 1s", lim, big, big/2, retry)
	}
	if retry, ok := Admit(lim, 0, big+7, half); ok || retry != 12*time.Hour+time.Second {
		// Over the limit by itself: wait for the next window, where its
		// weight (1-f)*(N+7) falls to N-1 one microsecond in; rounded up to
		// whole seconds from halfway through this one.
		t.Errorf("%v, c=%d halfway: (%v, %v), want refused for 12h0m1s", lim, big+7, retry, ok)
	}
	// An Off limit admits whatever the counts.
	for _, off := range []Limit{{}, {N: -1, Per: time.Hour}} {
		if retry, ok := Admit(off, 1000, 1000, t0); !ok || retry != 0 {
			t.Errorf("Admit(%+v, 1000, 1000) = (%v, %v), want admitted", off, retry, ok)
		}
	}
}

func TestAdmitBefore1970(t *testing.T) {
	// Windows are floored also before the epoch, so the share gone is right.
	lim := Limit{N: 10, Per: time.Hour}
	start := time.Date(1969, 12, 31, 22, 0, 0, 0, time.UTC)
	if got := admitted(t, lim, 10, start.Add(30*time.Minute)); got != 5 {
		t.Errorf("%v, 10 previous hits, halfway through a window before 1970: %d admitted, want 5", lim, got)
	}
}

// ---------------------------------------------------------------- Limiter

// newLimiter returns a Limiter on a fresh database of the run's backend.
func newLimiter(t *testing.T) (*Limiter, *store.DB) {
	t.Helper()
	db := storetest.New(t)
	return &Limiter{Store: db}, db
}

// hits reads key's counts under lim at now straight from the store.
func hits(t *testing.T, db *store.DB, lim Limit, key string, now time.Time) (p, c int) {
	t.Helper()
	bucket, prev, cur := window(lim, key, now)
	p, c, err := db.RateHits(context.Background(), bucket, prev, cur)
	if err != nil {
		t.Fatalf("RateHits: %v", err)
	}
	return p, c
}

// exceeded requires err to be an *Exceeded and returns it.
func exceeded(t *testing.T, err error, doing string) *Exceeded {
	t.Helper()
	var ex *Exceeded
	if !errors.As(err, &ex) {
		t.Fatalf("%s: error = %v (%T), want an *Exceeded", doing, err, err)
	}
	return ex
}

func TestTakeAdmitsNThenRefuses(t *testing.T) {
	ctx := context.Background()
	l, db := newLimiter(t)
	lim := Limit{N: 5, Per: 15 * time.Minute}
	const what = "sign-in attempts for this account"
	now := t0.Add(3 * time.Minute)

	for i := range lim.N {
		if err := l.Take(ctx, lim, what, "alice", now); err != nil {
			t.Fatalf("Take %d of %d: %v", i+1, lim.N, err)
		}
	}
	err := l.Take(ctx, lim, what, "alice", now)
	ex := exceeded(t, err, "Take beyond the limit")
	if ex.What != what {
		t.Errorf("Exceeded.What = %q, want %q", ex.What, what)
	}
	if ex.Limit != lim {
		t.Errorf("Exceeded.Limit = %+v, want %+v", ex.Limit, lim)
	}
	if ex.RetryAfter < time.Second || ex.RetryAfter%time.Second != 0 {
		t.Errorf("Exceeded.RetryAfter = %v, want whole seconds, at least one", ex.RetryAfter)
	}
	// Five hits at 3m into a 15-minute window: the sixth fits once the
	// estimate falls to four, i.e. 4/5 into the next window: 15m from now.
	if ex.RetryAfter != 15*time.Minute {
		t.Errorf("Exceeded.RetryAfter = %v, want 15m", ex.RetryAfter)
	}
	want := "too many sign-in attempts for this account (at most 5 per 15 minutes): try again in 15 minutes"
	if err.Error() != want {
		t.Errorf("Error() = %q, want %q", err.Error(), want)
	}

	// A refused Take counts nothing.
	for range 3 {
		if err := l.Take(ctx, lim, what, "alice", now); err == nil {
			t.Fatal("Take beyond the limit admitted")
		}
	}
	if p, c := hits(t, db, lim, "alice", now); p != 0 || c != lim.N {
		t.Errorf("stored hits after refusals = (prev %d, cur %d), want (0, %d)", p, c, lim.N)
	}

	// Waiting RetryAfter admits; a second less does not.
	if err := l.Check(ctx, lim, what, "alice", now.Add(ex.RetryAfter-time.Second)); err == nil {
		t.Errorf("Check a second before RetryAfter (%v) admitted", ex.RetryAfter)
	}
	if err := l.Take(ctx, lim, what, "alice", now.Add(ex.RetryAfter)); err != nil {
		t.Errorf("Take after RetryAfter (%v): %v", ex.RetryAfter, err)
	}
}

func TestExceededError(t *testing.T) {
	for _, tc := range []struct {
		ex   Exceeded
		want string
	}{
		{Exceeded{What: "sign-in attempts", Limit: Limit{N: 10, Per: 15 * time.Minute}, RetryAfter: 40 * time.Second},
			"too many sign-in attempts (at most 10 per 15 minutes): try again in 40 seconds"},
		{Exceeded{What: "invitations from you", Limit: Limit{N: 1, Per: time.Hour}, RetryAfter: time.Second},
			"too many invitations from you (at most 1 per 1 hour): try again in 1 second"},
		{Exceeded{What: "invitations", Limit: Limit{N: 20, Per: 24 * time.Hour}, RetryAfter: 90 * time.Minute},
			"too many invitations (at most 20 per 24 hours): try again in 90 minutes"},
		{Exceeded{What: "requests", Limit: Limit{N: 5, Per: time.Minute}, RetryAfter: 61 * time.Second},
			"too many requests (at most 5 per 1 minute): try again in 2 minutes"}, // rounded up, never promising too early
		{Exceeded{What: "requests", Limit: Limit{N: 3, Per: 90 * time.Minute}, RetryAfter: 2 * time.Hour},
			"too many requests (at most 3 per 90 minutes): try again in 2 hours"},
		{Exceeded{What: "requests", Limit: Limit{N: 2, Per: 30 * time.Second}, RetryAfter: 60 * time.Second},
			"too many requests (at most 2 per 30 seconds): try again in 1 minute"},
	} {
		if got := tc.ex.Error(); got != tc.want {
			t.Errorf("%+v.Error() = %q, want %q", tc.ex, got, tc.want)
		}
	}
}

func TestBucketsAreIndependent(t *testing.T) {
	ctx := context.Background()
	l, _ := newLimiter(t)
	perMinute := Limit{N: 2, Per: time.Minute}
	perHour := Limit{N: 2, Per: time.Hour}
	now := t0.Add(10 * time.Second)

	for range perMinute.N {
		if err := l.Take(ctx, perMinute, "events", "a", now); err != nil {
			t.Fatalf("Take a/1m: %v", err)
		}
	}
	exceeded(t, l.Take(ctx, perMinute, "events", "a", now), "Take a/1m beyond the limit")

	for _, tc := range []struct {
		name string
		lim  Limit
		key  string
	}{
		{"another key, same period", perMinute, "b"},
		{"same key, another period", perHour, "a"},
		{"a key that only prefixes the first", perMinute, "a\x00"},
	} {
		for i := range tc.lim.N {
			if err := l.Take(ctx, tc.lim, "events", tc.key, now); err != nil {
				t.Errorf("%s: Take %d of %d: %v", tc.name, i+1, tc.lim.N, err)
			}
		}
		if err := l.Take(ctx, tc.lim, "events", tc.key, now); err == nil {
			t.Errorf("%s: Take beyond its own limit admitted", tc.name)
		}
	}
}

func TestCheckCountsNothing(t *testing.T) {
	ctx := context.Background()
	l, db := newLimiter(t)
	lim := Limit{N: 3, Per: time.Hour}
	now := t0.Add(time.Minute)
	for i := range 3 * lim.N {
		if err := l.Check(ctx, lim, "events", "k", now); err != nil {
			t.Fatalf("Check %d: %v", i+1, err)
		}
	}
	if p, c := hits(t, db, lim, "k", now); p != 0 || c != 0 {
		t.Fatalf("stored hits after Checks alone = (%d, %d), want none", p, c)
	}
	// Check and Hit separately, as callers that only count failures do.
	for i := range lim.N {
		if err := l.Check(ctx, lim, "events", "k", now); err != nil {
			t.Fatalf("Check before hit %d: %v", i+1, err)
		}
		if err := l.Hit(ctx, lim, "k", now); err != nil {
			t.Fatalf("Hit %d: %v", i+1, err)
		}
	}
	exceeded(t, l.Check(ctx, lim, "events", "k", now), "Check after N hits")
	if p, c := hits(t, db, lim, "k", now); p != 0 || c != lim.N {
		t.Errorf("stored hits = (%d, %d), want (0, %d)", p, c, lim.N)
	}
}

// refusingStore fails the test on any use: an Off limit must not touch it.
type refusingStore struct{ t *testing.T }

func (s refusingStore) RateHits(context.Context, string, int64, int64) (int, int, error) {
	s.t.Error("RateHits called for an Off limit")
	return 0, 0, errors.New("unexpected")
}

func (s refusingStore) AddRateHit(context.Context, string, int64) error {
	s.t.Error("AddRateHit called for an Off limit")
	return errors.New("unexpected")
}

func (s refusingStore) PruneRateHits(context.Context, int64) error {
	s.t.Error("PruneRateHits called for an Off limit")
	return errors.New("unexpected")
}

func TestOffNeverRefuses(t *testing.T) {
	ctx := context.Background()
	l := &Limiter{Store: refusingStore{t}}
	for _, lim := range []Limit{{}, {N: 0, Per: time.Minute}, {N: -1, Per: time.Hour}} {
		for i := range 100 {
			now := t0.Add(time.Duration(i) * time.Second)
			if err := l.Take(ctx, lim, "events", "k", now); err != nil {
				t.Fatalf("%+v: Take %d: %v", lim, i+1, err)
			}
			if err := l.Check(ctx, lim, "events", "k", now); err != nil {
				t.Fatalf("%+v: Check %d: %v", lim, i+1, err)
			}
			if err := l.Hit(ctx, lim, "k", now); err != nil {
				t.Fatalf("%+v: Hit %d: %v", lim, i+1, err)
			}
		}
	}
}

func TestAdmittedAgainAfterThePeriod(t *testing.T) {
	ctx := context.Background()
	l, _ := newLimiter(t)
	lim := Limit{N: 3, Per: time.Hour}
	start := t0.Add(10 * time.Minute)
	take := func(now time.Time) error { return l.Take(ctx, lim, "events", "k", now) }

	for i := range lim.N {
		if err := take(start); err != nil {
			t.Fatalf("Take %d: %v", i+1, err)
		}
	}
	ex := exceeded(t, take(start), "Take beyond the limit")

	// One period on, the previous window's three hits still weigh 5/6 of
	// three: 2.5, over the room of two for one more.
	if err := l.Check(ctx, lim, "events", "k", start.Add(lim.Per)); err == nil {
		t.Error("Check one period later admitted, while 2.5 of the previous window's hits still weigh")
	}
	// At RetryAfter, exactly one more fits, not a fresh allowance.
	at := start.Add(ex.RetryAfter)
	if err := take(at); err != nil {
		t.Fatalf("Take at RetryAfter (%v): %v", ex.RetryAfter, err)
	}
	exceeded(t, take(at), "a second Take at RetryAfter")

	// From the second window after that last hit's, nothing weighs: a full
	// allowance, and no more.
	fresh := t0.Add(windowsAhead(lim.Per, at, 2))
	for i := range lim.N {
		if err := take(fresh); err != nil {
			t.Fatalf("Take %d, two windows later: %v", i+1, err)
		}
	}
	exceeded(t, take(fresh), "Take beyond the limit, two windows later")
}

// windowsAhead returns the offset from t0 of the start of the window k
// windows after the one holding now.
func windowsAhead(per time.Duration, now time.Time, k int64) time.Duration {
	return time.Duration(windowOf(per, now)+k-windowOf(per, t0)) * per
}

func TestPrune(t *testing.T) {
	ctx := context.Background()
	l, db := newLimiter(t)
	day := Limit{N: 1, Per: 24 * time.Hour}

	// The first Hit of a Limiter prunes, and a Hit more than ten minutes
	// after the last prune prunes again; Hits in between do not.
	if err := l.Hit(ctx, day, "old", t0); err != nil {
		t.Fatal(err)
	}
	if _, c := hits(t, db, day, "old", t0); c != 1 {
		t.Fatalf("stored hits of old at t0 = %d, want 1", c)
	}
	// Plant a window long gone, as a crashed process might have left it.
	ancient := t0.Add(-72 * time.Hour)
	bucket, _, cur := window(day, "ancient", ancient)
	if err := db.AddRateHit(ctx, bucket, cur); err != nil {
		t.Fatal(err)
	}
	if err := l.Hit(ctx, day, "other", t0.Add(pruneEvery)); err != nil {
		t.Fatal(err)
	}
	if _, c := hits(t, db, day, "ancient", ancient); c != 1 {
		t.Errorf("a Hit %v after the last prune pruned (ancient window has %d hits, want 1 kept)", pruneEvery, c)
	}
	if err := l.Hit(ctx, day, "other", t0.Add(pruneEvery+time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, c := hits(t, db, day, "ancient", ancient); c != 0 {
		t.Errorf("a Hit more than %v after the last prune did not prune (ancient window has %d hits, want 0)", pruneEvery, c)
	}
	if _, c := hits(t, db, day, "old", t0); c != 1 {
		t.Errorf("pruning removed the current window of old (%d hits, want 1)", c)
	}
	exceeded(t, l.Check(ctx, day, "events", "old", t0.Add(pruneEvery)), "Check of old in its own window, before it is pruned")

	// Three days on: old's window is beyond any limit's reach and goes;
	// recent's, the previous window of a one-day limit, is still needed.
	later := t0.Add(72 * time.Hour)
	recent := later.Add(-day.Per) // in the window before later's
	if err := l.Hit(ctx, day, "recent", recent); err != nil {
		t.Fatal(err)
	}
	if err := l.Hit(ctx, day, "trigger", later); err != nil {
		t.Fatal(err)
	}
	if _, c := hits(t, db, day, "old", t0); c != 0 {
		t.Errorf("old's window of three days ago still has %d hits after pruning, want 0", c)
	}
	if p, _ := hits(t, db, day, "recent", later); p != 1 {
		t.Errorf("pruning removed the previous window of a one-day limit (recent: %d hits, want 1)", p)
	}
	exceeded(t, l.Check(ctx, day, "events", "recent", later), "Check of recent at the start of the next day")
	// Through behaviour: asked about its own (long past) window, old is now
	// admitted, as if it had never been hit; before the prune it was not.
	if err := l.Check(ctx, day, "events", "old", t0.Add(pruneEvery)); err != nil {
		t.Errorf("Check of old in its pruned window: %v, want admitted (its hit forgotten)", err)
	}
}

// TestConcurrentTake documents the bound of the package comment: Take is a
// Check then a Hit, not one atomic step, so each of G concurrent takers
// (goroutines here, server processes in production) may be let through once
// past the limit, but no more: at most N + G - 1 in all. Every admitted
// event is counted, none lost.
func TestConcurrentTake(t *testing.T) {
	ctx := context.Background()
	dsn := storetest.DSN(t)
	// Two Limiters on two handles of one database: two server processes.
	var limiters []*Limiter
	for range 2 {
		db, err := store.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := db.Close(); err != nil {
				t.Error(err)
			}
		})
		limiters = append(limiters, &Limiter{Store: db})
	}
	db := limiters[0].Store.(*store.DB)

	const goroutines, tries = 8, 6
	lim := Limit{N: 5, Per: time.Hour}
	now := t0.Add(time.Minute)
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		admitted int
		errs     []error
	)
	for g := range goroutines {
		wg.Go(func() {
			l := limiters[g%len(limiters)]
			for range tries {
				err := l.Take(ctx, lim, "events", "shared", now)
				var ex *Exceeded
				mu.Lock()
				switch {
				case err == nil:
					admitted++
				case !errors.As(err, &ex):
					errs = append(errs, err)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		t.Errorf("Take: unexpected error %v", err)
	}
	if bound := lim.N + goroutines - 1; admitted < lim.N || admitted > bound {
		t.Errorf("%d concurrent takers admitted %d events under %v, want from %d to %d", goroutines, admitted, lim, lim.N, bound)
	}
	if _, c := hits(t, db, lim, "shared", now); c != admitted {
		t.Errorf("stored hits = %d, want %d, one per admitted event", c, admitted)
	}
	t.Logf("%s: %d concurrent takers admitted %d under %v", storetest.Backend(), goroutines, admitted, lim)
}
