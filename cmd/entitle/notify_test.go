package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/store"
)

// expiringOrder is an order of the test world (NORTH sold through SHOP to
// PLANT) whose two entitlements end 19 and 24 days after day.
func expiringOrder(po string, day time.Time) string {
	d := entitle.DateOf(day)
	line := func(n int, sub string, end entitle.Date) string {
		return fmt.Sprintf(`{"line":%d,"sku":"SCADA-STD","quantity":%d,"unit_price":"250.00","subscription_id":"%s","start_date":"%s","end_date":"%s"}`,
			n, n+1, sub, end.AddDays(-364), end)
	}
	return fmt.Sprintf(`{"type":"order","po_number":"%s","msa":"M-1","order_date":"2026-05-10","currency":"USD","purchasing_entity":"NORTH","resellers":["SHOP"],"owner":"PLANT","installation_site":{"name":"Plant 3","address":"Harbour Road 5, Rotterdam","country":"NL"},"lines":[%s,%s]}`+"\n",
		po, line(1, po+"-A", d.AddDays(19)), line(2, po+"-B", d.AddDays(24)))
}

// noticeWorld is the test world with an order ending soon after day and an
// administrator for each of PLANT, SHOP and NORTH.
func noticeWorld(t *testing.T, day time.Time) string {
	t.Helper()
	db := newWorld(t)
	if r := cli(t, db, "", "import", writeFile(t, "soon.jsonl", expiringOrder("N-90", day))); r.code != 0 {
		t.Fatalf("import: %s", r.stderr)
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, u := range []entitle.User{
		{Email: "ann@plant.example", Name: "Ann", Company: "PLANT", Admin: true},
		{Email: "sam@shop.example", Name: "Sam", Company: "SHOP", Admin: true},
		{Email: "nia@north.example", Name: "Nia", Company: "NORTH", Admin: true},
	} {
		if _, err := st.AddUser(context.Background(), u, "", day); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// outboxFiles reads the .eml files of an outbox directory.
func outboxFiles(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, strings.ReplaceAll(string(data), "=\r\n", ""))
	}
	return out
}

// TestNotifyNow: `entitle notify --now` sends the digests that are due into
// the outbox and prints what it did; a second run sends nothing; other
// stages send nothing; a mail server that does not answer fails the run
// (exit 1) and the next run delivers.
func TestNotifyNow(t *testing.T) {
	db := noticeWorld(t, today)
	outbox := t.TempDir()
	notify := func(args ...string) cliResult {
		return cli(t, db, "", append([]string{"notify", "--outbox", outbox, "--base-url", "https://portal.example"}, args...)...)
	}
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"no --now":     {nil, "give --now"},
		"bad stages":   {[]string{"--now", "--stages", "30,x"}, `"x" is not a whole number of days`},
		"zero stage":   {[]string{"--now", "--stages", "0"}, "from 1 to"},
		"an argument":  {[]string{"--now", "PLANT"}, "unexpected arguments"},
		"an old flag?": {[]string{"--now", "--notify-stages", "30"}, "flag provided but not defined"},
	} {
		if r := notify(tc.args...); r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want 2 and %q", name, r.code, r.stderr, tc.want)
		}
	}

	// With a single 7-day stage nothing is due yet.
	if r := notify("--now", "--stages", "7"); r.code != 0 || !strings.Contains(r.stdout, "0 digests sent") || len(outboxFiles(t, outbox)) != 0 {
		t.Fatalf("7-day stage: %d %s %s", r.code, r.stdout, r.stderr)
	}

	// A mail server that does not answer: failed, exit 1, nothing recorded as sent.
	r := notify("--now", "--smtp-addr", closedPort(t), "--smtp-tls", "none")
	if r.code != 1 || !strings.Contains(r.stdout, "failed  PLANT") || !strings.Contains(r.stderr, "2 digests not delivered; the next run tries again") {
		t.Fatalf("no mail server: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}

	r = notify("--now")
	if r.code != 0 || !strings.Contains(r.stdout, "2 digests sent (4 entitlements), 0 skipped, 0 failed") ||
		!strings.Contains(r.stdout, "sent  PLANT  30 days  2 entitlements  to ann@plant.example") ||
		!strings.Contains(r.stdout, "sent  SHOP   30 days  2 entitlements  to sam@shop.example") {
		t.Fatalf("notify: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	mails := outboxFiles(t, outbox)
	if len(mails) != 2 {
		t.Fatalf("%d mails in the outbox", len(mails))
	}
	for _, m := range mails {
		for _, want := range []string{"Subject: 2 entitlements expire within 30 days", "N-90-A", "N-90-B", "https://portal.example/", "X-Entitle-Notice: expiry; stage=30"} {
			if !strings.Contains(m, want) {
				t.Errorf("a digest lacks %q:\n%s", want, m)
			}
		}
		if strings.Contains(m, "To: sam@shop.example") && strings.Contains(m, "Plant") {
			t.Errorf("R4: SHOP's digest names the owner:\n%s", m)
		}
	}
	if r := notify("--now"); r.code != 0 || !strings.Contains(r.stdout, "0 digests sent") || len(outboxFiles(t, outbox)) != 2 {
		t.Errorf("second run: %d %s %s", r.code, r.stdout, r.stderr)
	}
}

// closedPort is an address where nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestServeNotifyFlags: serve refuses bad notice settings as usage errors
// and keeps the defaults otherwise.
func TestServeNotifyFlags(t *testing.T) {
	db := newWorld(t)
	for _, args := range [][]string{
		{"--notify-stages", "30,thirty"},
		{"--notify-stages", ""},
		{"--notify-stages", "90,90"},
		{"--notify-interval", "-1m"},
		{"--notify-interval", "soon"},
	} {
		r := cli(t, db, "", append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, "usage: entitle serve") {
			t.Errorf("serve %v: exit %d, stderr %q; want a usage error", args, r.code, r.stderr)
		}
	}
	if r := cli(t, db, "", "serve", "-h"); r.code != 0 || !strings.Contains(r.stdout, "-notify-stages") ||
		!strings.Contains(r.stdout, "(default 180,90,60,30,7)") || !strings.Contains(r.stdout, "-notify-interval") {
		t.Errorf("serve -h:\n%s", r.stdout)
	}
}

// TestServeSendsNotices: two serve processes on one database, started
// together with one outbox, send each digest once (claims in the database),
// and a serve with --notify-interval 0 sends none.
func TestServeSendsNotices(t *testing.T) {
	db := noticeWorld(t, time.Now())
	outbox := t.TempDir()
	off := serve(t, db, "--outbox", outbox, "--notify-interval", "0")
	if !strings.Contains(off.stdout.String(), "Expiry notices are off") {
		t.Errorf("serve with notices off: %s", off.stdout.String())
	}
	time.Sleep(100 * time.Millisecond)
	if n := len(outboxFiles(t, outbox)); n != 0 {
		t.Fatalf("notices off, yet %d mails", n)
	}
	off.stop()

	a := serve(t, db, "--outbox", outbox, "--notify-stages", "30,7")
	b := serve(t, db, "--outbox", outbox, "--notify-stages", "7,30", "--notify-interval", "1m")
	if !strings.Contains(a.stdout.String(), "Expiry notices go out every 1h, 30 and 7 days before an end date.") {
		t.Errorf("serve: %s", a.stdout.String())
	}
	// Only the digests of N-90 count: the world's older order may reach a
	// stage of its own on some days of the real calendar.
	digests := func() []string {
		var out []string
		for _, m := range outboxFiles(t, outbox) {
			if strings.Contains(m, "N-90-A") {
				out = append(out, m)
			}
		}
		return out
	}
	deadline := time.Now().Add(20 * time.Second)
	for len(digests()) < 2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	for _, s := range []served{a, b} {
		if code := s.stop(); code != 0 {
			t.Errorf("serve exited %d: %s", code, s.stderr.String())
		}
	}
	mails := digests()
	if len(mails) != 2 {
		t.Fatalf("two serve processes sent %d digests, want 2:\n%s\n%s", len(mails), a.stderr.String(), b.stderr.String())
	}
	to := map[string]int{}
	for _, m := range mails {
		for _, rcpt := range []string{"ann@plant.example", "sam@shop.example"} {
			if strings.Contains(m, "To: "+rcpt) {
				to[rcpt]++
			}
		}
	}
	if to["ann@plant.example"] != 1 || to["sam@shop.example"] != 1 {
		t.Errorf("recipients %v", to)
	}
}
