package web_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/entitle-portal/entitle/internal/store"
)

// BenchmarkHTTPServe is BenchmarkHTTP against real `entitle serve`
// processes instead of a server in the benchmark's process: issue 16's
// question of how many requests one and two servers answer on one database,
// and with how much memory. It runs only when ENTITLE_BENCH_SCALE is set, on
// the same database as BenchmarkHTTP (the SQLite file bench-<scale>.db under
// ENTITLE_BENCH_DIR, or ENTITLE_BENCH_DSN, e.g. a PostgreSQL database; built
// when it does not hold the whole channel yet), with the same users, tokens,
// requests and checks.
//
// It builds ./cmd/entitle and ./internal/loadtest/bareserver once, then
// starts ENTITLE_BENCH_SERVERS (default 1) `entitle serve` processes on that
// database, each on a free loopback port, with the request log in JSON to
// /dev/null and the background work that would compete with the load turned
// off (expiry notices, cleanup, webhooks, the metrics listener; the metrics
// are still counted). The bare handler runs as as many bareserver processes.
// The driver spreads its ENTITLE_BENCH_CONC workers (connections) over the
// processes round-robin. The serve processes use the wall clock, not the
// channel's "today": every answer is still checked, so a get whose answer
// depended on the day would fail the run.
//
// Metrics besides BenchmarkHTTP's, in cores (CPU seconds per second of the
// run, warm-up included): server-cores, the serving processes (all of them);
// driver-cores, the benchmark's own process (the load generator, on the same
// machine); db-cores, on PostgreSQL, the backends connected to the database
// (the server must be on this machine); machine-cores, everything the
// machine ran, other users included. For the API's routes, rss-peak-MB and
// rss-end-MB: the largest peak (VmHWM) and current (VmRSS) resident set of
// one serve process at the end of the run. Linux only (/proc).
//
//	ENTITLE_BENCH_SCALE=1 ENTITLE_BENCH_DSN=postgres://… ENTITLE_BENCH_SERVERS=2 go test -run xxx -bench HTTPServe -benchtime 1x -timeout 60m ./internal/web/
func BenchmarkHTTPServe(b *testing.B) {
	if os.Getenv("ENTITLE_BENCH_SCALE") == "" {
		b.Skip("set ENTITLE_BENCH_SCALE to run the HTTP benchmark (see BENCHMARKS.md)")
	}
	servers := 1
	if s := os.Getenv("ENTITLE_BENCH_SERVERS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 16 {
			b.Fatalf("ENTITLE_BENCH_SERVERS=%q: want a number of serve processes from 1 to 16", s)
		}
		servers = n
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		b.Skipf("BenchmarkHTTPServe reads the processes' CPU and memory from /proc: %v", err)
	}
	w := httpWorld(b)
	cfg := loadConfig(b)
	bin := b.TempDir()
	entitleBin, bareBin := filepath.Join(bin, "entitle"), filepath.Join(bin, "bareserver")
	for pkg, out := range map[string]string{"./cmd/entitle": entitleBin, "./internal/loadtest/bareserver": bareBin} {
		cmd := exec.Command("go", "build", "-o", out, pkg)
		cmd.Dir = "../.." // the module's root, from internal/web
		if msg, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("go build %s: %v\n%s", pkg, err, msg)
		}
	}
	outbox := b.TempDir()
	var api, bare []string
	apiWatch, bareWatch := &procWatch{rss: true}, &procWatch{}
	if store.IsPostgres(w.dsn) {
		apiWatch.pg = w.dsn
	}
	for range servers {
		p := startProcess(b, `serving (http://127\.0\.0\.1:\d+)`, entitleBin, "serve", "--db", w.dsn,
			"--addr", "127.0.0.1:0", "--metrics-addr", "off", "--log-format", "json", "--outbox", outbox,
			"--notify-interval", "0", "--cleanup-interval", "0", "--webhook-interval", "0")
		api, apiWatch.pids = append(api, p.url), append(apiWatch.pids, p.pid)
		p = startProcess(b, `on (http://127\.0\.0\.1:\d+)`, bareBin, "-addr", "127.0.0.1:0")
		bare, bareWatch.pids = append(bare, p.url), append(bareWatch.pids, p.pid)
	}
	b.Logf("%d serve processes on %s (%s); bare: %s; %d workers; %d cores", servers, store.Redact(w.dsn),
		strings.Join(api, " "), strings.Join(bare, " "), cfg.Workers, runtime.NumCPU())
	httpRoutes(b, w, cfg, api, bare, bareWatch, apiWatch)
}

type startedProcess struct {
	url string
	pid int
}

// startProcess starts a server and waits for the line of its standard output
// that gives its address (the first group of banner); its standard error goes
// to /dev/null. The process gets SIGTERM when the benchmark ends and must
// exit cleanly.
func startProcess(b *testing.B, banner, name string, args ...string) startedProcess {
	cmd := exec.Command(name, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	found := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(banner)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
				break
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	exited := make(chan error, 1)
	b.Cleanup(func() {
		if cmd.ProcessState != nil {
			return
		}
		cmd.Process.Signal(syscall.SIGTERM)
		go func() { exited <- cmd.Wait() }()
		select {
		case err := <-exited:
			if err != nil {
				b.Errorf("%s %s: %v", name, args[0], err)
			}
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			b.Errorf("%s %s did not stop on SIGTERM", name, args[0])
		}
	})
	select {
	case url := <-found:
		return startedProcess{url: url, pid: cmd.Process.Pid}
	case <-time.After(2 * time.Minute):
		b.Fatalf("%s %s printed no address", name, strings.Join(args, " "))
		return startedProcess{}
	}
}

// procWatch watches processes during a run: their CPU time and, with rss,
// their memory; with pg (a PostgreSQL DSN), the CPU time of the database's
// backends too; and the whole machine's.
type procWatch struct {
	pids []int
	rss  bool
	pg   string

	t0                   time.Time
	cpu0, self0, machine time.Duration
	backends             map[int]time.Duration // at begin
}

type benchMetric struct {
	value float64
	unit  string
}

func (p *procWatch) begin(b *testing.B) {
	p.t0, p.cpu0, p.self0, p.machine = time.Now(), p.cpu(b), procCPU(b, "self"), machineBusy(b)
	if p.pg != "" {
		p.backends = pgBackends(b, p.pg)
	}
}

// end returns the metrics of the run since begin, and logs each process's.
func (p *procWatch) end(b *testing.B) []benchMetric {
	wall := time.Since(p.t0).Seconds()
	out := []benchMetric{
		{(p.cpu(b) - p.cpu0).Seconds() / wall, "server-cores"},
		{(procCPU(b, "self") - p.self0).Seconds() / wall, "driver-cores"},
		{(machineBusy(b) - p.machine).Seconds() / wall, "machine-cores"},
	}
	if p.pg != "" {
		// Backends that came and went during the run are missed; the
		// servers' pools keep theirs.
		var sum time.Duration
		now := pgBackends(b, p.pg)
		for pid, cpu := range now {
			sum += cpu - p.backends[pid]
		}
		out = append(out, benchMetric{sum.Seconds() / wall, "db-cores"})
		b.Logf("%d PostgreSQL backends on the database at the end (%d at the start)", len(now), len(p.backends))
	}
	if !p.rss {
		return out
	}
	var peak, end float64
	var each []string
	for _, pid := range p.pids {
		st := procStatus(b, strconv.Itoa(pid))
		hwm, rss := float64(st["VmHWM"])/1024, float64(st["VmRSS"])/1024
		peak, end = max(peak, hwm), max(end, rss)
		each = append(each, fmt.Sprintf("pid %d: peak %.0f MB, now %.0f MB", pid, hwm, rss))
	}
	b.Logf("resident set of serve: %s", strings.Join(each, "; "))
	return append(out, benchMetric{peak, "rss-peak-MB"}, benchMetric{end, "rss-end-MB"})
}

func (p *procWatch) cpu(b *testing.B) time.Duration {
	var sum time.Duration
	for _, pid := range p.pids {
		sum += procCPU(b, strconv.Itoa(pid))
	}
	return sum
}

// procCPU is the user and system CPU time a process (a pid, or "self") has
// used, all its threads.
func procCPU(b *testing.B, pid string) time.Duration {
	d, err := readCPU(pid)
	if err != nil {
		b.Fatal(err)
	}
	return d
}

// readCPU reads fields 14 and 15 of /proc/PID/stat (utime, stime), in clock
// ticks (USER_HZ, 100 on Linux).
func readCPU(pid string) (time.Duration, error) {
	data, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name, field 2, is in parentheses and may hold spaces.
	fields := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	if len(fields) < 13 {
		return 0, fmt.Errorf("/proc/%s/stat: %q", pid, data)
	}
	var ticks int64
	for _, f := range fields[11:13] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%s/stat: %v", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * (time.Second / 100), nil
}

// machineBusy is the CPU time all the machine's CPUs have spent on anything
// but idling or waiting for I/O: the first line of /proc/stat, in ticks.
func machineBusy(b *testing.B) time.Duration {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		b.Fatal(err)
	}
	line, _, _ := strings.Cut(string(data), "\n")
	fields := strings.Fields(line)
	if len(fields) < 6 || fields[0] != "cpu" {
		b.Fatalf("/proc/stat begins %q", line)
	}
	var busy int64
	for i, f := range fields[1:] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			b.Fatalf("/proc/stat: %v", err)
		}
		switch {
		case i == 3 || i == 4 || i == 7: // idle, iowait, steal (the hypervisor's)
		case i >= 8: // guest time, already counted in user time
		default:
			busy += n
		}
	}
	return time.Duration(busy) * (time.Second / 100)
}

// pgBackends is the CPU time of each PostgreSQL backend connected to the
// database of dsn (the server on this machine), by pid, but the one asking.
func pgBackends(b *testing.B, dsn string) map[int]time.Duration {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
	if err != nil {
		b.Fatal(err)
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		b.Fatal(err)
	}
	out := map[int]time.Duration{}
	for _, pid := range pids {
		if cpu, err := readCPU(strconv.Itoa(int(pid))); err == nil { // else gone since, or not on this machine
			out[int(pid)] = cpu
		}
	}
	return out
}

// procStatus reads the kB figures of /proc/PID/status (VmHWM, VmRSS, …).
func procStatus(b *testing.B, pid string) map[string]int64 {
	data, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		b.Fatal(err)
	}
	out := map[string]int64{}
	for _, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if v, isKB := strings.CutSuffix(strings.TrimSpace(v), " kB"); ok && isKB {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				out[k] = n
			}
		}
	}
	if _, ok := out["VmHWM"]; !ok {
		b.Fatalf("/proc/%s/status has no VmHWM", pid)
	}
	return out
}
