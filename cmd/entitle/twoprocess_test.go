package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary run as the entitle command itself, so that
// tests can start real `entitle serve` processes without building anything.
func TestMain(m *testing.M) {
	if os.Getenv("ENTITLE_TEST_RUN_MAIN") == "1" {
		main() // exits
	}
	os.Exit(m.Run())
}

// process is `entitle serve` running as its own OS process.
type process struct {
	url string
	cmd *exec.Cmd
	log *syncBuffer
}

// startServe starts `entitle serve` on db, with args after the defaults.
func startServe(t *testing.T, db string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"serve", "--db", db, "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0", "--outbox", filepath.Join(t.TempDir(), "outbox")}, args...)...)
	cmd.Env = append(os.Environ(), "ENTITLE_TEST_RUN_MAIN=1")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, log: &syncBuffer{}}
	cmd.Stderr = p.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`serving (http://127\.0\.0\.1:\d+)`)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	select {
	case p.url = <-found:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("serve printed no address: %s", p.log.String())
	}
	t.Cleanup(func() { p.stop(t) })
	return p
}

// stop sends SIGTERM and expects a clean exit.
func (p *process) stop(t *testing.T) {
	if p.cmd.ProcessState != nil {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve exited: %v\n%s", err, p.log.String())
		}
	case <-time.After(20 * time.Second):
		p.cmd.Process.Kill()
		t.Errorf("serve did not stop on SIGTERM")
	}
}

// kill ends the process with SIGKILL (kill -9): no shutdown, no cleanup;
// it returns once the process is gone.
func (p *process) kill(t *testing.T) {
	t.Helper()
	if p.cmd.ProcessState != nil {
		return
	}
	if err := p.cmd.Process.Kill(); err != nil {
		t.Fatalf("kill -9 serve: %v", err)
	}
	p.cmd.Wait() // "signal: killed"
	// Under the race detector, a race is reported as it happens, and a
	// killed process has no exit status to say so.
	if log := p.log.String(); strings.Contains(log, "WARNING: DATA RACE") {
		i := strings.Index(log, "WARNING: DATA RACE")
		t.Errorf("serve reported a data race before it was killed:\n%s", log[i:min(len(log), i+8000)])
	}
}

type httpResult struct {
	status int
	body   string
	header http.Header
}

func call(t *testing.T, method, url, token, cookie string, body any) httpResult {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return httpResult{res.StatusCode, string(data), res.Header}
}

// TestTwoProcesses: two `entitle serve` processes on one database agree at
// once — a delegation revoked through one is refused on the very next
// request through the other; a session made on one works on the other;
// their audit events interleave in the order the requests were answered;
// races between them are retried inside the server, never answered 5xx.
// It runs on the test run's backend (SQLite file or PostgreSQL database).
func TestTwoProcesses(t *testing.T) {
	db := newWorld(t)
	token := map[string]string{}
	for _, u := range []struct{ company, email string }{{"PLANT", "boss@plant.example"}, {"NOBODY", "eve@nobody.example"}, {"MAKER", "vera@maker.example"}} {
		if r := cli(t, db, "correct horse battery\n", "user", "add", "--company", u.company, "--email", u.email, "--name", u.company, "--admin", "--password-stdin"); r.code != 0 {
			t.Fatal(r.stderr)
		}
		token[u.company] = strings.TrimSpace(cli(t, db, "", "token", "create", "--email", u.email).stdout)
	}
	a, b := startServe(t, db), startServe(t, db)

	// A delegation granted on A works on B; revoked on A, it is refused on B at once.
	res := call(t, "POST", a.url+"/api/v1/delegations", token["PLANT"], "", map[string]any{"delegate": "NOBODY", "subscription_ids": []string{"S-101"}})
	if res.status != http.StatusCreated {
		t.Fatalf("grant on A: %d %s", res.status, res.body)
	}
	var d struct{ ID string }
	json.Unmarshal([]byte(res.body), &d)
	if res := call(t, "GET", b.url+"/api/v1/entitlements/S-101", token["NOBODY"], "", nil); res.status != http.StatusOK {
		t.Errorf("delegate on B: %d %s", res.status, res.body)
	}
	if res := call(t, "DELETE", a.url+"/api/v1/delegations/"+d.ID, token["PLANT"], "", nil); res.status != http.StatusNoContent {
		t.Fatalf("revoke on A: %d %s", res.status, res.body)
	}
	if res := call(t, "GET", b.url+"/api/v1/entitlements/S-101", token["NOBODY"], "", nil); res.status != http.StatusNotFound {
		t.Errorf("revoked on A, yet B answers %d %s", res.status, res.body)
	}

	// A session made on A works on B; ended on B, it is gone on A.
	res = call(t, "POST", a.url+"/api/v1/login", "", "", map[string]string{"email": "boss@plant.example", "password": "correct horse battery"})
	if res.status != http.StatusOK {
		t.Fatalf("login on A: %d %s", res.status, res.body)
	}
	cookie := strings.Split(res.header.Get("Set-Cookie"), ";")[0]
	if res := call(t, "GET", b.url+"/api/v1/me", "", cookie, nil); res.status != http.StatusOK {
		t.Errorf("A's session on B: %d %s", res.status, res.body)
	}
	call(t, "POST", b.url+"/api/v1/logout", "", cookie, nil)
	if res := call(t, "GET", a.url+"/api/v1/me", "", cookie, nil); res.status != http.StatusUnauthorized {
		t.Errorf("signed out on B, yet A answers %d", res.status)
	}

	// Races between the processes: one invitation for one address, no 5xx.
	var wg sync.WaitGroup
	statuses := make([]int, 16)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			base := a.url
			if i%2 == 1 {
				base = b.url
			}
			statuses[i] = call(t, "POST", base+"/api/v1/invitations", token["PLANT"], "", map[string]string{"email": "new@plant.example"}).status
		}()
	}
	wg.Wait()
	created := 0
	for _, st := range statuses {
		switch st {
		case http.StatusCreated:
			created++
		case http.StatusConflict:
		default:
			t.Errorf("concurrent invitation answered %d", st)
		}
	}
	if created != 1 {
		t.Errorf("%d invitations for one address: %v", created, statuses)
	}

	// Audit events of both processes interleave in the order answered.
	var want []string
	for i := range 10 {
		p, sub := a, "S-100"
		if i%2 == 1 {
			p, sub = b, "S-101"
		}
		if res := call(t, "GET", p.url+"/api/v1/entitlements/"+sub, token["PLANT"], "", nil); res.status != http.StatusOK {
			t.Fatalf("get %s: %d", sub, res.status)
		}
		want = append(want, sub)
	}
	res = call(t, "GET", a.url+"/api/v1/audit?limit=500", token["PLANT"], "", nil)
	var page struct {
		Items []struct {
			ID     int64
			At     time.Time
			Action string
			Object string
		}
	}
	json.Unmarshal([]byte(res.body), &page)
	// Ids are the commit order; the sequential gets were also stamped in order.
	var got []string
	var last int64
	var lastAt time.Time
	for _, e := range page.Items {
		if e.ID <= last {
			t.Errorf("audit ids out of order at event %d", e.ID)
		}
		last = e.ID
		if e.Action == "entitlement.get" {
			if e.At.Before(lastAt) {
				t.Errorf("get event %d stamped before the previous get", e.ID)
			}
			lastAt = e.At
			got = append(got, e.Object)
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("audited gets %v, want %v", got, want)
	}
	a.stop(t)
	b.stop(t)
}
