package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/entitle-portal/entitle/internal/store"
	"github.com/entitle-portal/entitle/internal/store/storetest"
)

// The crash tests (SPEC §6, Safety: no acknowledged write is ever lost; an
// import killed half-way leaves nothing half-imported). They kill real
// entitle processes with SIGKILL — no shutdown, no deferred cleanup — and
// look at the database they leave, on the run's backend.

// TestImportKilled: `entitle import` of a generated channel is killed at
// 20 points spread over its progress — while it reads the file, opens the
// database, checks the records, writes them, and at the commit. After each
// kill the database holds either nothing of the file or all of it (every
// table's row count is exactly that of before, or of after) and `entitle
// audit verify` passes; then one complete import brings exactly what the
// file holds.
func TestImportKilled(t *testing.T) {
	if raceDetector {
		t.Skip("an import under the race detector is some twenty times slower on SQLite; .ci/run runs this test in a step of its own, without it")
	}
	const scale, points = "0.02", 20 // about 5,800 records: an import of a second or two
	started := time.Now()
	file := filepath.Join(t.TempDir(), "channel.jsonl")
	if r := cli(t, "", "", "gen", "--scale", scale, "--seed", "3", "--today", "2026-06-01", "--out", file); r.code != 0 {
		t.Fatal(r.stderr)
	}
	// The database holds a channel already (same vendor), with its audit
	// trail: what is there must stay untouched.
	newBase := func() string {
		db := storetest.DSN(t)
		base := strings.Replace(world, `"key":"MAKER","name":"Maker Software"`, `"key":"VENDOR","name":"Vendor"`, 1)
		if r := cli(t, db, "", "import", writeFile(t, "base.jsonl", base)); r.code != 0 {
			t.Fatalf("import the base: %s", r.stderr)
		}
		return db
	}
	db := newBase()
	before := tableCounts(t, db)

	// The reference: a dry run does all an import does but the commit. Its
	// progress lines, and when each came, place the kill points; its
	// summary says what the import adds.
	ref := startImport(t, db, file, "--dry-run")
	refLines := ref.lines(t, -1)
	refExit := ref.wait(t)
	if refExit != 0 || len(refLines) < 3 {
		t.Fatalf("dry run: exit %d, lines %v\n%s", refExit, refLines, ref.stdout.String())
	}
	// import --progress: a line when the file is read, one when checking
	// starts, then as records are written, the last one before the end.
	for i, want := range map[int]string{0: "entitle import: read ", 1: "entitle import: checking ", 2: "entitle import: written ", len(refLines) - 1: "records; rolling back (dry run)"} {
		if !strings.Contains(refLines[i].text, want) {
			t.Errorf("progress line %d is %q, want %q in it", i+1, refLines[i].text, want)
		}
	}
	var sum importSummary
	if err := json.Unmarshal(ref.stdout.Bytes(), &sum); err != nil {
		t.Fatalf("dry run summary %q: %v", ref.stdout.String(), err)
	}
	after := maps.Clone(before)
	after["companies"] += int64(sum.Companies.Created)
	after["msas"] += int64(sum.MSAs.Created)
	after["orders"] += int64(sum.Orders.Created)
	after["entitlements"] += int64(sum.Entitlements)
	after["audit_events"]++ // the import's own event
	if sum.Orders.Created == 0 || sum.Entitlements == 0 {
		t.Fatalf("the dry run would import nothing: %s", ref.stdout.String())
	}
	if got := tableCounts(t, db); !maps.Equal(got, before) {
		t.Fatalf("a dry run changed the database:\n%s", countsDiff(before, got))
	}

	kps := killPoints(refLines, ref.end, points)
	var timeline []string
	for _, l := range refLines {
		timeline = append(timeline, fmt.Sprintf("%v %s", l.at.Round(time.Millisecond), strings.Fields(strings.TrimPrefix(l.text, "entitle import: "))[0]))
	}
	t.Logf("the dry run: %s; ended at %v", strings.Join(timeline, ", "), ref.end.Round(time.Millisecond))

	var full map[string]int64 // every table's count after the whole import
	outcomes := map[string]int{}
	for i, kp := range kps {
		p := startImport(t, db, file)
		seen, killed := p.killAt(t, kp)
		code := p.wait(t)
		waitDetached(t, db)
		got := tableCounts(t, db)
		where := "before its first line"
		if len(seen) > 0 {
			where = fmt.Sprintf("after %q", strings.TrimPrefix(strings.ReplaceAll(seen[len(seen)-1].text, file, filepath.Base(file)), "entitle import: "))
		}
		outcome := ""
		switch {
		case !killed && code != 0:
			t.Fatalf("kill point %d: the import failed by itself (exit %d):\n%s", i+1, code, p.stderrText())
		case maps.Equal(got, before):
			outcome = "nothing"
		case keyCounts(got) == keyCounts(after):
			outcome = "all"
			if full == nil {
				full = got
			} else if !maps.Equal(got, full) {
				t.Errorf("kill point %d: all imported, but the tables differ from the last time:\n%s", i+1, countsDiff(full, got))
			}
		default:
			t.Errorf("kill point %d (%s, %s): PARTIAL IMPORT: the database holds part of the file:\n%s", i+1, kp.String(refLines), where, partialDiff(before, after, got))
		}
		auditVerify(t, db, fmt.Sprintf("kill point %d", i+1))
		how := "killed"
		if !killed {
			how = "had finished"
		}
		t.Logf("kill point %2d: %-38s %s %s: %s imported", i+1, kp.String(refLines), how, where, outcome)
		outcomes[outcome]++
		if t.Failed() {
			return
		}
		if outcome == "all" { // the next kill needs a database without the file
			db = newBase()
		}
	}

	// One complete import: exactly what the file holds.
	p := startImport(t, db, file)
	p.lines(t, -1)
	if code := p.wait(t); code != 0 {
		t.Fatalf("the complete import: exit %d\n%s", code, p.stderrText())
	}
	got := tableCounts(t, db)
	if keyCounts(got) != keyCounts(after) {
		t.Errorf("the complete import: %s; want %s", keyCounts(got), keyCounts(after))
	} else if full != nil && !maps.Equal(got, full) {
		t.Errorf("the complete import differs from the one a kill came too late for:\n%s", countsDiff(full, got))
	}
	auditVerify(t, db, "after the complete import")
	t.Logf("%d kill points: %d left nothing, %d everything (killed at or after the commit), 0 partial; then %d companies, %d MSAs, %d orders, %d entitlements imported complete; %s",
		len(kps), outcomes["nothing"], outcomes["all"], sum.Companies.Created, sum.MSAs.Created, sum.Orders.Created, sum.Entitlements, time.Since(started).Round(time.Millisecond))
}

// killPoints places n kill points on an import whose progress lines came as
// in lines, and which ended at end: one at its start, one at each line (the
// last comes just before the commit), two in the commit (10 and 40 ms after
// the last line), and the rest in time between lines, spread over the gaps
// by their length (most fall while the records are checked, which prints
// nothing).
func killPoints(lines []progressLine, end time.Duration, n int) []killPoint {
	kps := []killPoint{{line: -1}}
	for k := range lines {
		kps = append(kps, killPoint{line: k})
	}
	last := len(lines) - 1
	kps = append(kps, killPoint{line: last, delay: 10 * time.Millisecond}, killPoint{line: last, delay: 40 * time.Millisecond})
	if len(kps) >= n { // few points: the first lines, and the commit
		return append(kps[:n-1:n-1], kps[len(kps)-1])
	}
	// The gaps: from the start (line -1) to line 0, …, from the last line to
	// the end.
	type gap struct {
		line     int
		from, to time.Duration
		points   int
	}
	var gaps []gap
	from := time.Duration(0)
	for k, l := range lines {
		gaps = append(gaps, gap{line: k - 1, from: from, to: l.at})
		from = l.at
	}
	gaps = append(gaps, gap{line: last, from: from, to: max(end, from)})
	rest := n - len(kps)
	for range rest { // one at a time, to the gap whose points are spread widest
		widest := 0
		for i, g := range gaps {
			if (g.to-g.from)/time.Duration(g.points+1) > (gaps[widest].to-gaps[widest].from)/time.Duration(gaps[widest].points+1) {
				widest = i
			}
		}
		gaps[widest].points++
	}
	for _, g := range gaps {
		for j := 1; j <= g.points; j++ {
			kps = append(kps, killPoint{line: g.line, delay: (g.to - g.from) * time.Duration(j) / time.Duration(g.points+1)})
		}
	}
	slices.SortFunc(kps, func(a, b killPoint) int {
		if a.line != b.line {
			return a.line - b.line
		}
		return int(a.delay - b.delay)
	})
	return kps
}

// keyCounts are the counts the import changes, in one comparable string.
func keyCounts(c map[string]int64) string {
	return fmt.Sprintf("companies %d, msas %d, orders %d, entitlements %d, audit_events %d",
		c["companies"], c["msas"], c["orders"], c["entitlements"], c["audit_events"])
}

// tableCounts is every table's row count.
func tableCounts(t *testing.T, db string) map[string]int64 {
	t.Helper()
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c, err := st.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// countsDiff lists the tables whose counts differ.
func countsDiff(want, got map[string]int64) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if want[k] != got[k] {
			fmt.Fprintf(&b, "  %s: %d, expected %d\n", k, got[k], want[k])
		}
	}
	return b.String()
}

// partialDiff shows the tables whose counts are neither before's nor
// after's.
func partialDiff(before, after, got map[string]int64) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(got)) {
		if got[k] != before[k] && got[k] != after[k] {
			fmt.Fprintf(&b, "  %s: %d rows; %d before the import, %d after\n", k, got[k], before[k], after[k])
		}
	}
	fmt.Fprintf(&b, "  (%s; before: %s; after: %s)\n", keyCounts(got), keyCounts(before), keyCounts(after))
	return b.String()
}

// progressLine is a line an import printed on standard error, and when.
type progressLine struct {
	at   time.Duration // since the process started
	text string
}

// importProcess is `entitle import --progress` running as its own process.
type importProcess struct {
	cmd    *exec.Cmd
	out    chan progressLine // standard error, line by line; closed at its end
	end    time.Duration     // when standard error ended (the process exited), once out is closed
	seen   []progressLine
	stdout bytes.Buffer
}

func startImport(t *testing.T, db, file string, args ...string) *importProcess {
	t.Helper()
	p := &importProcess{out: make(chan progressLine, 1024)}
	p.cmd = exec.Command(os.Args[0], append([]string{"import", "--progress", "--db", db, file}, args...)...)
	p.cmd.Env = append(os.Environ(), "ENTITLE_TEST_RUN_MAIN=1")
	p.cmd.Stdout = &p.stdout
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.out <- progressLine{time.Since(start), sc.Text()}
		}
		p.end = time.Since(start)
		close(p.out)
	}()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			p.wait(t)
		}
	})
	return p
}

// lines reads standard error up to line n (0-based), or to its end when n
// is -1 or the process ends first, and returns every line read so far.
func (p *importProcess) lines(t *testing.T, n int) []progressLine {
	t.Helper()
	deadline := time.After(5 * time.Minute)
	for n < 0 || len(p.seen) <= n {
		select {
		case l, ok := <-p.out:
			if !ok {
				return p.seen
			}
			p.seen = append(p.seen, l)
		case <-deadline:
			t.Fatalf("the import printed nothing more for 5 minutes after %v", p.seen)
		}
	}
	return p.seen
}

// killAt kills the process at kp: once it printed line kp.line, kp.delay
// later. It says whether the process was killed (rather than done first),
// with the lines it printed before.
func (p *importProcess) killAt(t *testing.T, kp killPoint) ([]progressLine, bool) {
	t.Helper()
	if kp.line >= 0 {
		if seen := p.lines(t, kp.line); len(seen) <= kp.line {
			return seen, false // it ended first
		}
	}
	if kp.delay > 0 {
		time.Sleep(kp.delay) // the kill point's offset: timing is the point here
	}
	// Lines already printed came before the kill.
	for drained := false; !drained; {
		select {
		case l, ok := <-p.out:
			if !ok {
				return p.seen, false
			}
			p.seen = append(p.seen, l)
		default:
			drained = true
		}
	}
	seen := slices.Clone(p.seen)
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	return seen, true
}

// wait reads the rest of standard error and waits for the process: its exit
// code, -1 when killed.
func (p *importProcess) wait(t *testing.T) int {
	t.Helper()
	p.lines(t, -1)
	err := p.cmd.Wait()
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatal(err)
		}
	}
	return p.cmd.ProcessState.ExitCode()
}

func (p *importProcess) stderrText() string {
	var b strings.Builder
	for _, l := range p.seen {
		b.WriteString(l.text + "\n")
	}
	return b.String()
}

// killPoint is when an import is killed: delay after it printed line line
// (-1: after it started).
type killPoint struct {
	line  int
	delay time.Duration
}

func (kp killPoint) String(lines ...[]progressLine) string {
	what := "start"
	if kp.line >= 0 {
		what = fmt.Sprintf("line %d", kp.line+1)
		if len(lines) > 0 && kp.line < len(lines[0]) {
			if f := strings.Fields(strings.TrimPrefix(lines[0][kp.line].text, "entitle import: ")); len(f) > 0 {
				what += " (" + f[0] + ")"
			}
		}
	}
	return fmt.Sprintf("%s + %v", what, kp.delay.Round(time.Millisecond))
}

// TestServeKilled: many clients send acknowledged writes — delegation
// grants and revokes, invitations and their withdrawal, renewal requests
// and their withdrawal, profile changes — and reads to one `entitle serve`,
// which is killed with SIGKILL in the middle of the burst, three times. After
// each kill, `entitle audit verify` passes and every answer the clients got
// has its audit event; a new serve on the same database shows every write
// that was acknowledged with a 2xx, in the state acknowledged, and nothing
// that was not (but for the one request each client had in flight, which
// may or may not have been committed).
func TestServeKilled(t *testing.T) {
	clients, kills, mark := 24, 3, int64(300) // a kill after each 300 acknowledged writes
	if raceDetector {
		clients, kills, mark = 8, 2, 60
	}
	started := time.Now()
	db := storetest.DSN(t)
	parties := newChannel(t, db, clients)
	tenants := newTenants(parties, newHTTPClient(clients), 0.8)
	args := []string{"--limit-invites-user", "off", "--limit-invites-company", "off"}
	srv := startServe(t, db, args...)
	base := auditCounts(t, db)
	var writes, inflightWrites, committed, requests int
	for k := 1; k <= kills; k++ {
		reached := newCounter(mark)
		var giveUp atomic.Bool
		done := make(chan struct{})
		go func() {
			runTenants(tenants, srv.url, giveUp.Load, reached.add)
			close(done)
		}()
		select {
		case <-reached.reached:
		case <-done: // every tenant stopped: wrong answers, reported below
		case <-time.After(3 * time.Minute):
			giveUp.Store(true)
			t.Fatalf("kill %d: %d writes acknowledged in 3 minutes, waiting for %d", k, reached.n.Load(), mark)
		}
		srv.kill(t)
		select {
		case <-done:
		case <-time.After(2 * time.Minute):
			t.Fatalf("kill %d: the clients still wait for answers of a killed server", k)
		}
		for _, tn := range tenants {
			if tn.wrong != "" {
				t.Errorf("before kill %d: wrong answer: %s", k, tn.wrong)
			}
		}
		if t.Failed() {
			return
		}

		// The database as the killed process left it: the trail verifies
		// and holds an event for every audited answer.
		waitDetached(t, db)
		auditVerify(t, db, fmt.Sprintf("after kill %d", k))
		inflight := map[auditKey]int{}
		nInflight, nInflightWrites := 0, 0
		for _, tn := range tenants {
			if tn.inflight != nil {
				nInflight++
				inflight[tn.inflight.audit]++
				if tn.inflight.write {
					nInflightWrites++
				}
			}
		}
		for _, p := range compareAudit(tenants, base, auditCounts(t, db), inflight) {
			t.Errorf("after kill %d: audit: %s", k, p)
		}

		// What a new serve on the same database shows.
		srv = startServe(t, db, args...)
		roundWrites := 0
		for _, tn := range tenants {
			for _, p := range verifyTenant(context.Background(), tn, srv.url) {
				t.Errorf("after kill %d: %s", k, p)
			}
			roundWrites += tn.ackedWrites
			requests += tn.requests
			tn.ackedWrites, tn.requests = 0, 0
		}
		writes += roundWrites
		inflightWrites += nInflightWrites
		if t.Failed() {
			return
		}
		t.Logf("kill %d: %d writes acknowledged before it (%d in all), %d requests in flight (%d writes): every acknowledged write is there, every audited answer has its event",
			k, roundWrites, writes, nInflight, nInflightWrites)
		// The next burst starts from here.
		base = auditCounts(t, db)
		for _, tn := range tenants {
			tn.audited = map[auditKey]int{}
		}
	}
	srv.stop(t)
	auditVerify(t, db, "at the end")
	for _, tn := range tenants {
		committed += tn.committedInflight
	}
	t.Logf("%d clients, %d kills: %d acknowledged writes, all there after the restarts (%d requests in all); of %d writes in flight at the kills, %d had been committed; %s",
		clients, kills, writes, requests, inflightWrites, committed, time.Since(started).Round(time.Millisecond))
}

// TestServeKilledRightAfterAnswers: the disclosure path's durability, on
// its own (issue 16). Clients read — gets allowed and refused, list pages —
// as fast as they can; `entitle serve` is killed with SIGKILL the moment the
// hundredth answer has arrived, while the rest are in flight. Every answer
// a client got has its audit event in the trail that the next process reads
// (on SQLite from the audit spool, which the killed process had no time to
// move into the chain), and `entitle audit verify` passes.
func TestServeKilledRightAfterAnswers(t *testing.T) {
	db := storetest.DSN(t)
	parties := newChannel(t, db, 4)
	hc := newHTTPClient(len(parties))
	srv := startServe(t, db)
	base := auditCounts(t, db)

	var mu sync.Mutex
	var got []auditKey
	killed := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	for i, p := range parties {
		wg.Add(1)
		go func() {
			defer wg.Done()
			paths := []string{"/api/v1/entitlements/" + p.subs[0], "/api/v1/entitlements/" + parties[(i+1)%len(parties)].subs[1], "/api/v1/entitlements?limit=2"}
			actions := []string{"entitlement.get", "entitlement.get", "entitlement.list"}
			for n := 0; ; n++ {
				select {
				case <-killed:
					return
				default:
				}
				req, _ := http.NewRequest("GET", srv.url+paths[n%3], nil)
				req.Header.Set("Authorization", "Bearer "+p.ownerToken)
				resp, err := hc.Do(req)
				if err != nil {
					return // the server is gone: this answer never came
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNotFound {
					t.Errorf("%s: %d", paths[n%3], resp.StatusCode)
					return
				}
				mu.Lock()
				got = append(got, auditKey{p.owner, actions[n%3]})
				if len(got) == 100 {
					once.Do(func() { srv.kill(t); close(killed) })
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	once.Do(func() { srv.kill(t); close(killed) })
	waitDetached(t, db)

	auditVerify(t, db, "after the kill")
	after := auditCounts(t, db)
	want := map[auditKey]int{}
	for _, k := range got {
		want[k]++
	}
	for k, n := range want {
		if has := after[k] - base[k]; has < n {
			t.Errorf("%s %s: %d answers arrived, %d audit events are in the trail", k.company, k.action, n, has)
		}
	}
	t.Logf("%d answers before and around the kill, each with its audit event", len(got))
}
