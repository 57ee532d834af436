package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/entitle-portal/entitle/internal/auth"
	"github.com/entitle-portal/entitle/internal/store"
	"github.com/entitle-portal/entitle/internal/store/storetest"
)

// today is fixed so that statuses and MSA terms are stable.
var today = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

type cliResult struct {
	stdout, stderr string
	code           int
}

// cli runs the command line in-process, as main does, against database db.
func cli(t *testing.T, db, stdin string, args ...string) cliResult {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string {
		if k == "ENTITLE_DB" {
			return db
		}
		return ""
	}
	code := runAt(context.Background(), args, getenv, strings.NewReader(stdin), &out, &errb, func() time.Time { return today })
	return cliResult{out.String(), errb.String(), code}
}

const world = `{"type":"company","key":"MAKER","name":"Maker Software","kind":"vendor"}
{"type":"company","key":"NORTH","name":"North Distribution","kind":"distributor"}
{"type":"company","key":"SHOP","name":"Corner Reseller","kind":"reseller"}
{"type":"company","key":"PLANT","name":"Plant Operator","kind":"customer"}
{"type":"company","key":"FITTER","name":"Fitter Services","kind":"msp"}
{"type":"company","key":"NOBODY","name":"Unrelated Ltd","kind":"customer"}
{"type":"msa","number":"M-1","company":"NORTH","start":"2024-01-01","end":"2028-12-31"}
{"type":"order","po_number":"N-77","msa":"M-1","order_date":"2026-05-10","currency":"USD","purchasing_entity":"NORTH","resellers":["SHOP"],"owner":"PLANT","installers":["FITTER"],"bill_to":{"name":"North AP","address":"Ledger St 1","country":"NL"},"installation_site":{"name":"Plant 3","address":"Harbour Road 5, Rotterdam","country":"NL"},"lines":[{"line":1,"sku":"SCADA-STD","description":"SCADA","quantity":4,"unit_price":"250.00","subscription_id":"S-100","start_date":"2026-05-20","end_date":"2027-05-19"},{"line":2,"sku":"SCADA-ADD","quantity":1,"unit_price":"75.50","subscription_id":"S-101","start_date":"2026-05-20","end_date":"2027-05-19"}]}
`

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func newWorld(t *testing.T) string {
	t.Helper()
	db := storetest.DSN(t)
	if r := cli(t, db, "", "import", writeFile(t, "world.jsonl", world)); r.code != 0 {
		t.Fatalf("import: %d %s", r.code, r.stderr)
	}
	return db
}

// snapshot is what must not change when a command is refused: every table's
// row count and everything the vendor can export.
func snapshot(t *testing.T, db string) string {
	t.Helper()
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	counts, err := st.Counts(context.Background())
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	delete(counts, "audit_events") // exports are audited, so the check itself adds events
	r := cli(t, db, "", "export", "--company", "MAKER")
	return fmt.Sprint(counts) + "\n" + r.stdout
}

func TestImportIsIdempotent(t *testing.T) {
	db := newWorld(t)
	before := snapshot(t, db)
	r := cli(t, db, "", "import", writeFile(t, "world.jsonl", world))
	if r.code != 0 {
		t.Fatalf("re-import: %d %s", r.code, r.stderr)
	}
	var sum importSummary
	if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil {
		t.Fatalf("summary %q: %v", r.stdout, err)
	}
	if !sum.OK || sum.Companies.Unchanged != 6 || sum.Orders.Unchanged != 1 || sum.Orders.Created+sum.Companies.Created+sum.Entitlements != 0 {
		t.Errorf("re-import summary: %+v", sum)
	}
	if after := snapshot(t, db); after != before {
		t.Errorf("re-import changed the database:\n%s", cmp.Diff(before, after))
	}
}

func TestExportIsWhatTheCompanySees(t *testing.T) {
	db := newWorld(t)
	type item struct {
		Sub    string          `json:"subscription_id"`
		Access []string        `json:"access"`
		Owner  *map[string]any `json:"owner"`
		Site   *map[string]any `json:"installation_site"`
		PO     string          `json:"po_number"`
	}
	for company, want := range map[string]struct {
		access string
		owner  bool
	}{"NORTH": {"purchasing_entity", false}, "SHOP": {"reseller", false}, "PLANT": {"owner", true}, "FITTER": {"installer", false}, "MAKER": {"vendor", true}} {
		r := cli(t, db, "", "export", "--company", company, "--format", "jsonl")
		if r.code != 0 {
			t.Fatalf("%s: %s", company, r.stderr)
		}
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
		if len(lines) != 2 {
			t.Fatalf("%s exports %d lines: %q", company, len(lines), r.stdout)
		}
		for _, l := range lines {
			var it item
			if err := json.Unmarshal([]byte(l), &it); err != nil {
				t.Fatal(err)
			}
			if strings.Join(it.Access, ",") != want.access || it.PO != "N-77" {
				t.Errorf("%s: %s", company, l)
			}
			if (it.Owner != nil) != want.owner || (it.Site != nil) != want.owner || strings.Contains(l, "Harbour") != want.owner {
				t.Errorf("%s: owner & location %v, want %v (R4): %s", company, it.Owner != nil, want.owner, l)
			}
			if strings.Contains(l, "null") || strings.Contains(l, "250.00") {
				t.Errorf("%s: a null or an order detail in %s", company, l)
			}
		}
	}
	if r := cli(t, db, "", "export", "--company", "NOBODY"); r.code != 0 || r.stdout != "" {
		t.Errorf("an outsider's export: %d %q %q", r.code, r.stdout, r.stderr)
	}
	// CSV: owner columns only for those who may see owners.
	r := cli(t, db, "", "export", "--company", "SHOP", "--format", "csv")
	if want := "subscription_id,sku,quantity,start_date,end_date,po_number,status,access\nS-100,SCADA-STD,4,2026-05-20,2027-05-19,N-77,active,reseller\nS-101,SCADA-ADD,1,2026-05-20,2027-05-19,N-77,active,reseller\n"; r.stdout != want {
		t.Errorf("SHOP csv:\n%s", cmp.Diff(want, r.stdout))
	}
	r = cli(t, db, "", "export", "--company", "PLANT", "--format", "csv")
	if !strings.Contains(r.stdout, "owner_key,owner_name,installation_site_name") || !strings.Contains(r.stdout, "PLANT,Plant Operator,Plant 3,\"Harbour Road 5, Rotterdam\",NL") {
		t.Errorf("PLANT csv:\n%s", r.stdout)
	}
	// To a file, replaced only when complete.
	out := filepath.Join(t.TempDir(), "x.jsonl")
	if r := cli(t, db, "", "export", "--company", "SHOP", "--out", out); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if b, _ := os.ReadFile(out); strings.Count(string(b), "\n") != 2 {
		t.Errorf("export file: %q", b)
	}
	for _, args := range [][]string{{"export", "--company", "GHOST"}, {"export", "--format", "xml"}, {"export", "one.jsonl", "two.jsonl"}} {
		if r := cli(t, db, "", args...); r.code == 0 || r.stderr == "" {
			t.Errorf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
}

// TestImportBadInput: each kind of bad input is named by line and field,
// the command fails, and the database is unchanged.
func TestImportBadInput(t *testing.T) {
	order := func(mut func(string) string) string {
		line := `{"type":"order","po_number":"N-90","msa":"M-1","order_date":"2026-05-10","currency":"EUR","purchasing_entity":"NORTH","owner":"PLANT","lines":[{"line":1,"sku":"SKU-1","quantity":2,"unit_price":"10.00","subscription_id":"S-900","start_date":"2026-06-01","end_date":"2027-05-31"}]}`
		return mut(line)
	}
	same := func(s string) string { return s }
	for name, tc := range map[string]struct {
		file, want string
	}{
		"broken JSON":     {"{\"type\":\"company\",\"key\":\"OK-1\",\"name\":\"Fine\",\"kind\":\"customer\"}\n{\"type\":\"company\",\n", "bad.jsonl:2:"},
		"unknown company": {order(func(s string) string { return strings.Replace(s, `"owner":"PLANT"`, `"owner":"GHOST"`, 1) }), "bad.jsonl:1: owner: unknown company GHOST"},
		"duplicate sub":   {order(func(s string) string { return strings.Replace(s, "S-900", "S-100", 1) }), "bad.jsonl:1: lines[0].subscription_id: subscription ID S-100 already belongs to PO N-77 of NORTH"},
		"MSA of another": {order(func(s string) string {
			return strings.Replace(s, `"purchasing_entity":"NORTH"`, `"purchasing_entity":"SHOP"`, 1)
		}), "bad.jsonl:1: msa: MSA M-1 belongs to NORTH"},
		"MSA not in force":  {order(func(s string) string { return strings.Replace(s, "2026-05-10", "2029-01-01", 1) }), "bad.jsonl:1: order_date: MSA M-1 is not in force on 2029-01-01"},
		"reversed dates":    {order(func(s string) string { return strings.Replace(s, "2027-05-31", "2026-01-01", 1) }), "bad.jsonl:1: lines[0].end_date: 2026-01-01 is before start_date 2026-06-01"},
		"negative quantity": {order(func(s string) string { return strings.Replace(s, `"quantity":2`, `"quantity":-2`, 1) }), "bad.jsonl:1: lines[0].quantity:"},
		"float amount":      {order(func(s string) string { return strings.Replace(s, `"unit_price":"10.00"`, `"unit_price":10.0`, 1) }), "bad.jsonl:1: lines[0].unit_price:"},
		"over-long key":     {order(func(s string) string { return strings.Replace(s, "N-90", strings.Repeat("N", 65), 1) }), "bad.jsonl:1: po_number: too long"},
		"changed PO": {order(func(s string) string {
			return strings.Replace(strings.Replace(s, "N-90", "N-77", 1), "S-900", "S-100", 1)
		}), "bad.jsonl:1: po_number: PO N-77 of NORTH is already recorded with different content"},
		"unknown record type": {`{"type":"invoice"}` + "\n", "bad.jsonl:1: type:"},
		"second vendor":       {`{"type":"company","key":"OTHER","name":"Other Vendor","kind":"vendor"}` + "\n", "bad.jsonl:1: kind: only one company can be the vendor and MAKER already is"},
		"good then bad":       {order(same) + "\n" + `{"type":"msa","number":"M-2","company":"GHOST","start":"2024-01-01","end":"2025-01-01"}` + "\n", "bad.jsonl:2: company: unknown company GHOST"},
	} {
		t.Run(name, func(t *testing.T) {
			db := newWorld(t)
			before := snapshot(t, db)
			dir := t.TempDir()
			p := filepath.Join(dir, "bad.jsonl")
			if err := os.WriteFile(p, []byte(tc.file), 0o600); err != nil {
				t.Fatal(err)
			}
			r := cli(t, db, "", "import", p)
			if r.code != 1 {
				t.Errorf("exit %d, want 1; stderr %s", r.code, r.stderr)
			}
			if !strings.Contains(strings.ReplaceAll(r.stderr, p, "bad.jsonl"), tc.want) {
				t.Errorf("stderr does not say %q:\n%s", tc.want, r.stderr)
			}
			if !strings.Contains(r.stderr, "nothing was imported") {
				t.Errorf("stderr does not say nothing was imported:\n%s", r.stderr)
			}
			if after := snapshot(t, db); after != before {
				t.Errorf("a refused import changed the database:\n%s", cmp.Diff(before, after))
			}
		})
	}
}

// Every problem is reported, not only the first.
func TestImportReportsEveryProblem(t *testing.T) {
	db := newWorld(t)
	file := writeFile(t, "many.jsonl", `{"type":"company","key":"A B","name":"","kind":"shop"}
{"type":"msa","number":"M-9","company":"GHOST","start":"2025-01-01","end":"2024-01-01"}
not json at all
`)
	r := cli(t, db, "", "import", file)
	for _, want := range []string{"many.jsonl:1: key:", "many.jsonl:1: name: required", "many.jsonl:1: kind:", "many.jsonl:2: company: unknown company GHOST",
		"many.jsonl:2: end: 2024-01-01 is before start 2025-01-01", "many.jsonl:3:", "problems; nothing was imported"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("missing %q in:\n%s", want, r.stderr)
		}
	}
}

func TestImportDryRunAndCSV(t *testing.T) {
	db := newWorld(t)
	before := snapshot(t, db)
	csvFile := writeFile(t, "orders.csv", "po_number,msa,order_date,currency,purchasing_entity,owner,resellers,line,sku,quantity,unit_price,subscription_id,start_date,end_date\n"+
		"N-80,M-1,2026-05-11,EUR,NORTH,NOBODY,SHOP,1,SKU-A,3,19.99,S-300,2026-06-01,2027-05-31\n"+
		"N-80,M-1,2026-05-11,EUR,NORTH,NOBODY,SHOP,2,SKU-B,1,5.00,S-301,2026-06-01,2027-05-31\n")
	r := cli(t, db, "", "import", csvFile, "--dry-run")
	if r.code != 0 || !strings.Contains(r.stdout, `"dry_run":true`) || !strings.Contains(r.stdout, `"entitlements_created":2`) {
		t.Fatalf("dry run: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if after := snapshot(t, db); after != before {
		t.Fatalf("a dry run changed the database:\n%s", cmp.Diff(before, after))
	}
	if r := cli(t, db, "", "import", csvFile); r.code != 0 {
		t.Fatalf("csv import: %s", r.stderr)
	}
	r = cli(t, db, "", "export", "--company", "NOBODY", "--format", "csv")
	if !strings.Contains(r.stdout, "S-300,SKU-A,3,2026-06-01,2027-05-31,N-80,active,owner,NOBODY,Unrelated Ltd,,,") {
		t.Errorf("NOBODY now owns S-300:\n%s", r.stdout)
	}
	// A CSV problem names the row and column.
	bad := writeFile(t, "bad.csv", "po_number,msa,order_date,currency,purchasing_entity,owner,line,sku,quantity,unit_price,subscription_id,start_date,end_date\n"+
		"N-81,M-1,2026-05-11,EUR,NORTH,NOBODY,1,SKU-A,3,19.99,S-400,2026-06-01,2027-05-31\n"+
		"N-81,M-1,2026-05-11,EUR,NORTH,NOBODY,2,SKU-A,0,19.99,S-401,2026-06-01,2027-05-31\n")
	r = cli(t, db, "", "import", bad)
	if r.code != 1 || !strings.Contains(r.stderr, "bad.csv:3: quantity:") {
		t.Errorf("bad csv: %d %s", r.code, r.stderr)
	}
}

func TestUserAndToken(t *testing.T) {
	db := newWorld(t)
	r := cli(t, db, "a long enough password\n", "user", "add", "--db", db, "--company", "SHOP", "--email", "Ann@Shop.example", "--name", "Ann", "--admin", "--password-stdin")
	if r.code != 0 || !strings.Contains(r.stdout, "ann@shop.example") {
		t.Fatalf("user add: %d %s %s", r.code, r.stdout, r.stderr)
	}
	for name, tc := range map[string]struct {
		stdin string
		args  []string
		want  string
	}{
		"same email, other case": {"another long password\n", []string{"--company", "NORTH", "--email", "ANN@shop.example", "--name", "Ann 2"}, "already exists"},
		"short password":         {"short\n", []string{"--company", "SHOP", "--email", "bo@shop.example", "--name", "Bo"}, "at least 12 characters"},
		"password is the email":  {"bo@shop.example\n", []string{"--company", "SHOP", "--email", "bo@shop.example", "--name", "Bo"}, "must not contain your email address"},
		"guessable password":     {"aaaaaaaaaaaa\n", []string{"--company", "SHOP", "--email", "bo@shop.example", "--name", "Bo"}, "too easy to guess"},
		"unknown company":        {"a long enough password\n", []string{"--company", "GHOST", "--email", "bo@shop.example", "--name", "Bo"}, "no company with key GHOST"},
		"bad email":              {"a long enough password\n", []string{"--company", "SHOP", "--email", "Bo <bo@shop.example>", "--name", "Bo"}, "email:"},
		"missing flags":          {"", []string{"--company", "SHOP"}, "missing --email, --name"},
		"no password":            {"", []string{"--company", "SHOP", "--email", "bo@shop.example", "--name", "Bo"}, "give the password on standard input"},
	} {
		args := append([]string{"user", "add"}, tc.args...)
		if tc.stdin != "" {
			args = append(args, "--password-stdin")
		}
		if r := cli(t, db, tc.stdin, args...); r.code == 0 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%s: exit %d, stderr %q, want %q", name, r.code, r.stderr, tc.want)
		}
	}
	r = cli(t, db, "", "token", "create", "--email", "ANN@shop.example", "--name", "laptop")
	token := strings.TrimSpace(r.stdout)
	if r.code != 0 || strings.Contains(token, "\n") || !strings.HasPrefix(token, auth.TokenPrefix) {
		t.Fatalf("token create: %d %q %q", r.code, r.stdout, r.stderr)
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	u, _, err := st.UserByToken(context.Background(), auth.HashToken(token), time.Now())
	if err != nil || u.Email != "ann@shop.example" || !auth.VerifyPassword(u.PasswordHash, "a long enough password") {
		t.Errorf("token does not lead to Ann with her password: %+v %v", u.User, err)
	}
	if r := cli(t, db, "", "token", "create", "--email", "ghost@x.example"); r.code != 1 || !strings.Contains(r.stderr, "no user") {
		t.Errorf("token for nobody: %d %s", r.code, r.stderr)
	}
}

func TestCheckExplains(t *testing.T) {
	db := newWorld(t)
	for _, u := range []struct{ company, email string }{{"SHOP", "sam@shop.example"}, {"PLANT", "pia@plant.example"}, {"NOBODY", "ned@nobody.example"}, {"NORTH", "nils@north.example"}} {
		if r := cli(t, db, "a long enough password\n", "user", "add", "--company", u.company, "--email", u.email, "--name", "X", "--admin", "--password-stdin"); r.code != 0 {
			t.Fatal(r.stderr)
		}
	}
	for email, wants := range map[string][]string{
		"sam@shop.example":   {"yes: entitlement information — basis reseller", "R1: your company is a reseller on the order", "R3:", "R5:", "R8: only the owner and the vendor"},
		"pia@plant.example":  {"basis owner", "owner & location", "FITTER", "installer", "NORTH", "purchasing_entity", "SHOP", "MAKER", "vendor"},
		"nils@north.example": {"order details", "R2: your company is the purchasing entity", "R3: your company placed this PO"},
		"ned@nobody.example": {"not found", "R7"},
	} {
		r := cli(t, db, "", "check", "--email", email, "--subscription", "S-100")
		for _, w := range wants {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("check %s: missing %q in:\n%s", email, w, r.stdout)
			}
		}
		if email == "ned@nobody.example" && (strings.Contains(r.stdout, "N-77") || strings.Contains(r.stdout, "SCADA")) {
			t.Errorf("check leaks to an outsider:\n%s", r.stdout)
		}
	}
	// An unknown subscription reads exactly like a hidden one.
	hidden := cli(t, db, "", "check", "--email", "ned@nobody.example", "--subscription", "S-100").stdout
	missing := cli(t, db, "", "check", "--email", "ned@nobody.example", "--subscription", "S-999").stdout
	if strings.ReplaceAll(hidden, "S-100", "X") != strings.ReplaceAll(missing, "S-999", "X") {
		t.Errorf("hidden and missing differ:\n%s\n%s", hidden, missing)
	}
}

func TestPolicyAndHelp(t *testing.T) {
	r := cli(t, "", "", "policy")
	for _, w := range []string{"reseller  entitlement  entitlement  -", "vendor", "R1  Entitlement information", "R8"} {
		if !strings.Contains(strings.Join(strings.Fields(r.stdout), "  "), strings.Join(strings.Fields(w), "  ")) {
			t.Errorf("policy output lacks %q:\n%s", w, r.stdout)
		}
	}
	r = cli(t, "", "", "help")
	for _, c := range commands() {
		if !strings.Contains(r.stdout, c.name) {
			t.Errorf("help lacks %s", c.name)
		}
		h := cli(t, "", "", append(strings.Fields(c.name), "-h")...)
		opensDB := c.name != "version" && c.name != "completion" // the commands that open no database
		if h.code != 0 || !strings.Contains(h.stdout, "usage: entitle "+c.name) || strings.Contains(h.stdout, "-db") != opensDB {
			t.Errorf("%s -h: %d %q", c.name, h.code, h.stdout)
		}
		if h2 := cli(t, "", "", append([]string{"help"}, strings.Fields(c.name)...)...); h2.stdout != h.stdout {
			t.Errorf("help %s differs from %s -h", c.name, c.name)
		}
	}
	if r := cli(t, "", "", "frobnicate"); r.code != 2 || !strings.Contains(r.stderr, "unknown command") {
		t.Errorf("unknown command: %d %q", r.code, r.stderr)
	}
	if r := cli(t, "", "", "import", "--no-such-flag"); r.code != 2 || !strings.Contains(r.stderr, "usage: entitle import") {
		t.Errorf("bad flag: %d %q", r.code, r.stderr)
	}
}

func TestSeedDemoTwice(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.db")
	r := cli(t, db, "", "seed-demo")
	if r.code != 0 || !strings.Contains(r.stdout, " / ") {
		t.Fatalf("seed-demo: %d %s %s", r.code, r.stdout, r.stderr)
	}
	before := snapshot(t, db)
	if r := cli(t, db, "", "seed-demo"); r.code != 0 {
		t.Fatalf("seed-demo again: %s", r.stderr)
	}
	if after := snapshot(t, db); after != before {
		t.Errorf("seed-demo twice changed the database:\n%s", cmp.Diff(before, after))
	}
	// A month later the demo's dates have moved on; seeding again still works.
	var out, errb bytes.Buffer
	later := func() time.Time { return today.AddDate(0, 1, 0) }
	if code := runAt(context.Background(), []string{"seed-demo", "--db", db}, func(string) string { return "" }, strings.NewReader(""), &out, &errb, later); code != 0 {
		t.Errorf("seed-demo a month later: %s", errb.String())
	}
}

func TestGenImports(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "bench.jsonl")
	if r := cli(t, "", "", "gen", "--scale", "0.001", "--seed", "2", "--today", "2026-06-01", "--out", file); r.code != 0 {
		t.Fatal(r.stderr)
	}
	db := filepath.Join(dir, "bench.db")
	if r := cli(t, db, "", "import", file); r.code != 0 || !strings.Contains(r.stdout, `"entitlements_created":400`) {
		t.Fatalf("import generated: %d %s %s", r.code, r.stdout, r.stderr)
	}
	csvFile := filepath.Join(dir, "bench.csv")
	if r := cli(t, "", "", "gen", "--scale", "0.001", "--seed", "2", "--today", "2026-06-01", "--format", "csv", "--out", csvFile); r.code != 0 {
		t.Fatal(r.stderr)
	}
	db2 := filepath.Join(dir, "bench2.db")
	if r := cli(t, db2, "", "import", csvFile+".companies.jsonl", csvFile); r.code != 0 {
		t.Fatalf("import csv: %s", r.stderr)
	}
	if a, b := cli(t, db, "", "export").stdout, cli(t, db2, "", "export").stdout; a != b || a == "" {
		t.Error("the JSONL and the CSV form of one channel import differently")
	}
}

// TestExportCSVNeutralisesFormulas: a name, a site or a key that a
// spreadsheet would run as a formula (leading =, +, -, @, tab) is written
// with a leading single quote, in every CSV the export writes (SPEC §6).
func TestExportCSVNeutralisesFormulas(t *testing.T) {
	db := storetest.DSN(t)
	const hostile = `{"type":"company","key":"MAKER","name":"Maker Software","kind":"vendor"}
{"type":"company","key":"-DIST","name":"+Dist Holding","kind":"distributor"}
{"type":"company","key":"OWN","name":"=HYPERLINK(\"https://evil.example\",\"Open\")","kind":"customer"}
{"type":"msa","number":"M-1","company":"-DIST","start":"2024-01-01","end":"2028-12-31"}
{"type":"order","po_number":"-PO-1","msa":"M-1","order_date":"2026-05-10","currency":"USD","purchasing_entity":"-DIST","owner":"OWN","installation_site":{"name":"\t@SUM(1+1)","address":"-2+3","country":"NL"},"lines":[{"line":1,"sku":"-SKU","quantity":1,"unit_price":"1.00","subscription_id":"-S-1","start_date":"2026-05-20","end_date":"2027-05-19"}]}
`
	if r := cli(t, db, "", "import", writeFile(t, "hostile.jsonl", hostile)); r.code != 0 {
		t.Fatalf("import: %d %s", r.code, r.stderr)
	}
	for _, company := range []string{"MAKER", "OWN", "-DIST"} {
		r := cli(t, db, "", "export", "--company", company, "--format", "csv")
		rows, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
		if r.code != 0 || err != nil || len(rows) != 2 {
			t.Fatalf("%s: %d %v %q %s", company, r.code, err, r.stdout, r.stderr)
		}
		for _, cell := range rows[1] {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("%s: cell %q would run in a spreadsheet", company, cell)
			}
		}
		if rows[1][0] != "'-S-1" || rows[1][5] != "'-PO-1" {
			t.Errorf("%s: %q", company, rows[1])
		}
	}
}

// TestImportCSVNamesEveryProblemAtOnce: one run of a CSV file names every
// problem in it, each by its row and column header — a row that cannot be
// read does not hide the checks of its PO's other rows, nor the checks
// across POs (a subscription ID used twice) — and imports nothing. A PO
// that lost a row is not compared with the recorded PO of that number.
func TestImportCSVNamesEveryProblemAtOnce(t *testing.T) {
	db := newWorld(t)
	before := snapshot(t, db)
	const head = "po_number,msa,order_date,currency,purchasing_entity,resellers,owner,line,sku,quantity,unit_price,subscription_id,start_date,end_date\n"
	rows := []string{
		"N-1,M-1,2026-05-10,USD,NORTH,SHOP,PLANT,1,SKU-A,0,10.00,S-1,2026-06-01,2027-05-31",         // 2: quantity
		"N-1,M-1,2026-05-10,USD,NORTH,SHOP,PLANT,2,SKU-B,1,10.00,S-2,2026-06-01,2020-01-01",         // 3: end before start (same PO as row 2)
		"N-1,M-1,2026-05-10,USD,NORTH,SHOP,NOBODY,3,SKU-C,1,10.00,S-3,2026-06-01,2027-05-31",        // 4: owner differs
		"N-2,M-1,2026-05-10,USD,NORTH,,PLANT,1,SKU-A,1,10.00,S-2,2026-06-01,2027-05-31",             // 5: S-2 again
		"N-2,M-1,2026-05-10,USD,NORTH,,PLANT,2,SKU-A,1,10.00,S-5,2026-13-01,2027-05-31",             // 6: not a date
		"N-3,M-9,2026-05-10,USD,NORTH,,PLANT,1,SKU-A,1,10.00,S-6,2026-06-01,2027-05-31",             // 7: unknown MSA
		"N-77,M-1,2026-05-10,USD,NORTH,SHOP,PLANT,1,SCADA-STD,4,250.00,S-100,2026-05-20,2027-05-19", // 8: fine (PO N-77 is recorded)
		"N-77,M-1,2026-05-10,USD,NORTH,SHOP,PLANT,2,SCADA-ADD,x,75.50,S-101,2026-05-20,2027-05-19",  // 9: quantity
	}
	p := writeFile(t, "orders.csv", head+strings.Join(rows, "\n")+"\n")
	r := cli(t, db, "", "import", p)
	got := strings.Split(strings.TrimSpace(strings.ReplaceAll(r.stderr, p, "orders.csv")), "\n")
	want := []string{
		"orders.csv:2: quantity: must be a positive whole number",
		"orders.csv:3: end_date: 2020-01-01 is before start_date 2026-06-01",
		`orders.csv:4: owner: "NOBODY" differs from "PLANT" on line 2 for PO N-1 of NORTH`,
		"orders.csv:5: subscription_id: subscription ID S-2 is also on line 3 of this import",
		`orders.csv:6: start_date: "2026-13-01" is not a date`,
		"orders.csv:7: msa: unknown MSA M-9",
		"orders.csv:9: quantity: must be a positive whole number",
		"entitle import: 7 problems; nothing was imported",
	}
	if r.code != 1 || len(got) != len(want) {
		t.Fatalf("exit %d, %d lines, want 1 and %d:\n%s", r.code, len(got), len(want), r.stderr)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("line %d:\n got %s\nwant %s…", i+1, got[i], want[i])
		}
	}
	if after := snapshot(t, db); after != before {
		t.Error("an import with problems changed the database")
	}
}
