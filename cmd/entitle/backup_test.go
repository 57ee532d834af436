package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/entitle-portal/entitle/internal/store/storetest"
)

// Backups are of SQLite files (a PostgreSQL database is backed up with
// pg_dump: TestBackupPostgresRecipe). These tests make their own files, so
// they run once, on the SQLite run of the suite.
func sqliteOnly(t *testing.T) {
	t.Helper()
	if storetest.Backend() != "sqlite" {
		t.Skip("SQLite files only: the PostgreSQL run checks the pg_dump recipe (TestBackupPostgresRecipe)")
	}
}

// sqliteWorld is a SQLite file with the test world, and an API token of
// the owner's administrator (boss@plant.example).
func sqliteWorld(t *testing.T) (db, token string) {
	t.Helper()
	db = filepath.Join(t.TempDir(), "entitle.db")
	if r := cli(t, db, "", "import", writeFile(t, "world.jsonl", world)); r.code != 0 {
		t.Fatalf("import: %s", r.stderr)
	}
	if r := cli(t, db, "correct horse battery\n", "user", "add", "--company", "PLANT", "--email", "boss@plant.example", "--name", "Boss", "--admin", "--password-stdin"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	return db, strings.TrimSpace(cli(t, db, "", "token", "create", "--email", "boss@plant.example").stdout)
}

// rawStrings reads one text column from a SQLite file, behind the store's
// back.
func rawStrings(t *testing.T, path, query string) []string {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	rows, err := raw.Query(query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// copyFile copies src to a new file in a temporary directory.
func copyFile(t *testing.T, src string) string {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, filepath.Base(src)+".copy", string(data))
}

// dirNames lists the names in dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// summaryCounts reads the counts of backup's or restore's summary line.
func summaryCounts(t *testing.T, line string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, m := range regexp.MustCompile(`(\d+) (companies|orders|entitlements|delegations|audit events)`).FindAllStringSubmatch(line, -1) {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		out[strings.ReplaceAll(m[2], " ", "_")] = n
	}
	if len(out) != 5 {
		t.Fatalf("no counts in %q", line)
	}
	return out
}

// TestBackupUnderWriteLoad: a backup taken while a real serve process
// answers a stream of writes holds every write acknowledged before it
// began; restored into a new file, it has the backup's counts, SQLite's
// integrity check passes and 'audit verify' passes.
func TestBackupUnderWriteLoad(t *testing.T) {
	sqliteOnly(t)
	db, token := sqliteWorld(t)
	p := startServe(t, db)

	// Writers: delegations granted through the API, each with the moment
	// its answer arrived.
	type ack struct {
		id string
		at time.Time
	}
	var (
		mu    sync.Mutex
		acks  []ack
		fails []string
		wg    sync.WaitGroup
	)
	stop := make(chan struct{})
	body, _ := json.Marshal(map[string]any{"delegate": "NOBODY", "subscription_ids": []string{"S-101"}})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest("POST", p.url+"/api/v1/delegations", bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					mu.Lock()
					fails = append(fails, err.Error())
					mu.Unlock()
					return
				}
				var d struct{ ID string }
				err = json.NewDecoder(res.Body).Decode(&d)
				res.Body.Close()
				at := time.Now()
				mu.Lock()
				if res.StatusCode != http.StatusCreated || err != nil || d.ID == "" {
					fails = append(fails, fmt.Sprintf("grant: %d %v", res.StatusCode, err))
				} else {
					acks = append(acks, ack{d.ID, at})
				}
				mu.Unlock()
			}
		}()
	}
	acked := func() int { mu.Lock(); defer mu.Unlock(); return len(acks) }
	for deadline := time.Now().Add(10 * time.Second); acked() < 40 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	out := filepath.Join(t.TempDir(), "entitle.backup")
	began := time.Now()
	r := cli(t, db, "", "backup", "--out", out)
	ended := time.Now()
	// Some writes after the backup too: they go on while it is checked.
	for n := acked(); acked() < n+10 && time.Since(ended) < 5*time.Second; {
		time.Sleep(5 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if r.code != 0 {
		t.Fatalf("backup under load: %d %s", r.code, r.stderr)
	}
	if len(fails) > 0 {
		t.Fatalf("writes failed during the backup: %s", strings.Join(fails[:min(5, len(fails))], "; "))
	}
	if !strings.Contains(r.stdout, "integrity ok, audit trail verified") {
		t.Errorf("backup's summary: %q", r.stdout)
	}

	// Every write acknowledged before the backup began is in it; writes
	// acknowledged after it ended may not be (it is a snapshot).
	inBackup := rawStrings(t, copyFile(t, out), `SELECT id FROM delegations`)
	var before, during, after int
	for _, a := range acks {
		switch {
		case a.at.Before(began):
			before++
			if !slices.Contains(inBackup, a.id) {
				t.Errorf("delegation %s was acknowledged before the backup began, and is not in it", a.id)
			}
		case a.at.After(ended):
			after++
		default:
			during++
		}
	}
	if before == 0 || after == 0 {
		t.Fatalf("no load: %d writes acknowledged before the backup, %d during, %d after", before, during, after)
	}
	if total := tableCounts(t, db)["delegations"]; int64(len(inBackup)) >= total {
		t.Errorf("the backup has %d delegations, the database %d after more writes: not a snapshot?", len(inBackup), total)
	}
	t.Logf("%d writes acknowledged before the backup, %d during, %d after; %d delegations in the backup", before, during, after, len(inBackup))

	// Restored into a new file: the backup's counts, integrity, the chain.
	restored := filepath.Join(t.TempDir(), "restored.db")
	rr := cli(t, restored, "", "restore", "--from", out)
	if rr.code != 0 {
		t.Fatalf("restore: %d %s", rr.code, rr.stderr)
	}
	want := tableCounts(t, copyFile(t, out))
	got := tableCounts(t, restored)
	if d := countsDiff(want, got); d != "" {
		t.Errorf("the restored database's counts differ from the backup's:\n%s", d)
	}
	for k, n := range summaryCounts(t, r.stdout) {
		if got[k] != n {
			t.Errorf("backup's summary says %d %s, the restored database has %d", n, k, got[k])
		}
	}
	if ok := rawStrings(t, restored, `PRAGMA integrity_check`); !slices.Equal(ok, []string{"ok"}) {
		t.Errorf("integrity_check of the restored database: %v", ok)
	}
	if v := cli(t, restored, "", "audit", "verify"); v.code != 0 || !strings.Contains(v.stdout, "audit trail verified") {
		t.Errorf("audit verify of the restored database: %d %s%s", v.code, v.stdout, v.stderr)
	}
}

// TestRestoreRefusedWhileServing: restore refuses while a serve process
// holds the database and changes nothing; once it has stopped, restore puts
// the backup in place and keeps the database it replaced.
func TestRestoreRefusedWhileServing(t *testing.T) {
	sqliteOnly(t)
	db, _ := sqliteWorld(t)
	out := filepath.Join(t.TempDir(), "entitle.backup")
	if r := cli(t, db, "", "backup", "--out", out); r.code != 0 {
		t.Fatal(r.stderr)
	}
	backupCounts := tableCounts(t, copyFile(t, out))
	// A change after the backup, which the restore undoes.
	if r := cli(t, db, "long enough passphrase\n", "user", "add", "--company", "NORTH", "--email", "n@north.example", "--name", "N", "--password-stdin"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	users := tableCounts(t, db)["users"]

	p := startServe(t, db)
	files := dirNames(t, filepath.Dir(db))
	fi, err := os.Stat(db)
	if err != nil {
		t.Fatal(err)
	}
	r := cli(t, db, "", "restore", "--from", out, "--force")
	if r.code != 1 || !strings.Contains(r.stderr, "a server is using "+db+": stop it first") {
		t.Errorf("restore while serving: %d %q", r.code, r.stderr)
	}
	// The server writes as it runs (notices, settings): the database is
	// unchanged when it is the same file, with the user the backup lacks.
	if got := dirNames(t, filepath.Dir(db)); !slices.Equal(got, files) {
		t.Errorf("a refused restore changed the directory: %v, was %v", got, files)
	}
	if now, err := os.Stat(db); err != nil || !os.SameFile(fi, now) {
		t.Errorf("a refused restore replaced the database file (%v)", err)
	}
	if n := tableCounts(t, db)["users"]; n != users {
		t.Errorf("a refused restore changed the database: %d users, was %d", n, users)
	}
	if res := call(t, "GET", p.url+"/healthz", "", "", nil); res.status != http.StatusOK {
		t.Errorf("the server after a refused restore: %d", res.status)
	}

	p.stop(t)
	current := tableCounts(t, db)
	r = cli(t, db, "", "restore", "--from", out)
	if r.code != 1 || !strings.Contains(r.stderr, "exists: give --force") {
		t.Errorf("restore over a database without --force: %d %q", r.code, r.stderr)
	}
	r = cli(t, db, "", "restore", "--from", out, "--force")
	if r.code != 0 {
		t.Fatalf("restore after the server stopped: %d %s", r.code, r.stderr)
	}
	if d := countsDiff(backupCounts, tableCounts(t, db)); d != "" {
		t.Errorf("the restored database is not the backup:\n%s", d)
	}
	kept := db + ".before-restore-" + today.Format("20060102T150405")
	if !strings.Contains(r.stdout, "kept as "+kept) {
		t.Errorf("restore does not say where the previous database is: %q", r.stdout)
	}
	if d := countsDiff(current, tableCounts(t, kept)); d != "" {
		t.Errorf("the database kept aside is not the one replaced:\n%s", d)
	}
	for _, name := range dirNames(t, filepath.Dir(db)) {
		if strings.HasSuffix(name, ".tmp") {
			t.Errorf("restore left %s behind", name)
		}
	}
	// Restored, the database serves again.
	startServe(t, db).stop(t)
}

// TestDatabaseLock: serve's shared lock and restore's exclusive one exclude
// each other, and are given back.
func TestDatabaseLock(t *testing.T) {
	db := filepath.Join(t.TempDir(), "entitle.db")
	release, err := takeDatabase(db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := holdDatabase(db); err == nil || !strings.Contains(err.Error(), "is being restored") {
		t.Errorf("serve during a restore: %v", err)
	}
	release()
	r1, err := holdDatabase(db)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := holdDatabase(db)
	if err != nil {
		t.Fatalf("a second server: %v", err)
	}
	if _, err := takeDatabase(db); err == nil {
		t.Error("restore while two servers hold the database")
	}
	r1()
	if _, err := takeDatabase(db); err == nil {
		t.Error("restore while one server holds the database")
	}
	r2()
	release, err = takeDatabase(db)
	if err != nil {
		t.Errorf("restore once the servers stopped: %v", err)
	} else {
		release()
	}
}

// TestBackupRefusals: backup keeps an existing file without --force; restore
// refuses what is not a good backup of this entitle — not SQLite, damaged,
// another application's database, a newer schema, an audit trail that does
// not verify — saying why and changing nothing.
func TestBackupRefusals(t *testing.T) {
	sqliteOnly(t)
	db, _ := sqliteWorld(t)
	out := writeFile(t, "entitle.backup", "precious")
	if r := cli(t, db, "", "backup"); r.code != 2 || !strings.Contains(r.stderr, "--out FILE") {
		t.Errorf("backup without --out: %d %q", r.code, r.stderr)
	}
	if r := cli(t, db, "", "backup", "--out", out); r.code != 1 || !strings.Contains(r.stderr, out+" exists: give --force") {
		t.Errorf("backup over a file: %d %q", r.code, r.stderr)
	}
	if data, _ := os.ReadFile(out); string(data) != "precious" {
		t.Errorf("backup without --force changed the file: %q", data)
	}
	// --force is the operator's, each time: never from the environment.
	env := map[string]string{"ENTITLE_DB": db, "ENTITLE_FORCE": "true"}
	for _, args := range [][]string{{"backup", "--out", out}, {"restore", "--from", out}} {
		before := tableCounts(t, db)
		if r := runEnv(t, env, args...); r.code != 2 || !strings.Contains(r.stderr, "$ENTITLE_FORCE is set, but -force is taken from the command line only") {
			t.Errorf("%s with $ENTITLE_FORCE: %d %q", args[0], r.code, r.stderr)
		}
		if data, _ := os.ReadFile(out); string(data) != "precious" {
			t.Errorf("%s with $ENTITLE_FORCE changed the backup file: %q", args[0], data)
		}
		if d := countsDiff(before, tableCounts(t, db)); d != "" {
			t.Errorf("%s with $ENTITLE_FORCE changed the database:\n%s", args[0], d)
		}
	}
	if r := cli(t, db, "", "backup", "-h"); !strings.Contains(r.stdout, "replace FILE if it exists (command line only)") {
		t.Errorf("backup -h does not say --force is the command line's: %q", r.stdout)
	}
	if r := cli(t, db, "", "backup", "--out", db, "--force"); r.code != 1 || !strings.Contains(r.stderr, "the database itself") {
		t.Errorf("backup over the database: %d %q", r.code, r.stderr)
	}
	if r := cli(t, db, "", "backup", "--out", out, "--force"); r.code != 0 {
		t.Fatalf("backup --force: %d %s", r.code, r.stderr)
	}
	if r := cli(t, filepath.Join(t.TempDir(), "none.db"), "", "backup", "--out", out+".2"); r.code != 1 || !strings.Contains(r.stderr, "there is no file") {
		t.Errorf("backup of no database: %d %q", r.code, r.stderr)
	}

	// Bad backups, each made from the good one.
	page := func(b []byte) []byte { // the second half of the file overwritten
		for i := len(b) / 2; i < len(b); i++ {
			b[i] = 0x5a
		}
		return b
	}
	edit := func(stmts ...string) string {
		p := copyFile(t, out)
		rawExec(t, p, stmts...)
		return p
	}
	foreign := filepath.Join(t.TempDir(), "other.db")
	rawExec(t, foreign, `CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)`, `INSERT INTO notes (text) VALUES ('hello')`)
	good, _ := os.ReadFile(out)
	// The lock file restore takes (serve takes it too) is no change.
	files := func() []string {
		return slices.DeleteFunc(dirNames(t, filepath.Dir(db)), func(n string) bool { return n == "entitle.db.lock" })
	}
	for _, c := range []struct{ name, file, want string }{
		{"text", writeFile(t, "notes.txt", "not a database at all"), "it is not a SQLite database"},
		{"empty", writeFile(t, "empty.db", ""), "it is not a SQLite database"},
		{"damaged", writeFile(t, "damaged.db", string(page(bytes.Clone(good)))), "damaged"},
		{"foreign", foreign, "it is not an entitle database"},
		{"newer", edit(`INSERT INTO goose_db_version (version_id, is_applied) VALUES (99999, 1)`), "newer than this entitle's"},
		{"tampered", edit(`UPDATE audit_events SET detail = 'nothing happened' WHERE id = (SELECT MIN(id) FROM audit_events)`), "its audit trail does not verify"},
		{"missing", filepath.Join(t.TempDir(), "none.backup"), "there is no backup file"},
	} {
		before, names := tableCounts(t, db), files()
		r := cli(t, db, "", "restore", "--from", c.file, "--force")
		if r.code != 1 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("restore of a %s file: %d %q, want %q", c.name, r.code, r.stderr, c.want)
		} else if c.name != "missing" && !strings.Contains(r.stderr, "nothing was changed") {
			t.Errorf("restore of a %s file does not say that nothing changed: %q", c.name, r.stderr)
		}
		if got := files(); !slices.Equal(got, names) {
			t.Errorf("restore of a %s file changed the directory: %v, was %v", c.name, got, names)
		}
		if d := countsDiff(before, tableCounts(t, db)); d != "" {
			t.Errorf("restore of a %s file changed the database:\n%s", c.name, d)
		}
	}
}

// TestBackupUnverifiedAudit: a database whose audit trail was changed is
// still backed up (the data is saved) and backup fails saying so; restore
// takes that backup only with --unverified-audit.
func TestBackupUnverifiedAudit(t *testing.T) {
	sqliteOnly(t)
	db, _ := sqliteWorld(t)
	rawExec(t, db, `UPDATE audit_events SET detail = 'nothing happened' WHERE id = (SELECT MIN(id) FROM audit_events)`)
	out := filepath.Join(t.TempDir(), "entitle.backup")
	r := cli(t, db, "", "backup", "--out", out)
	if r.code != 1 || !strings.Contains(r.stderr, "written") || !strings.Contains(r.stderr, "its audit trail does not verify") {
		t.Fatalf("backup of a changed trail: %d %q", r.code, r.stderr)
	}
	if got, want := tableCounts(t, out), tableCounts(t, db); countsDiff(want, got) != "" {
		t.Errorf("the backup of a changed trail lacks data:\n%s", countsDiff(want, got))
	}
	target := filepath.Join(t.TempDir(), "restored.db")
	if r := cli(t, target, "", "restore", "--from", out); r.code != 1 || !strings.Contains(r.stderr, "--unverified-audit") {
		t.Errorf("restore of an unverified backup: %d %q", r.code, r.stderr)
	}
	if _, err := os.Stat(target); err == nil {
		t.Error("a refused restore made the database")
	}
	if r := cli(t, target, "", "restore", "--from", out, "--unverified-audit"); r.code != 0 {
		t.Fatalf("restore --unverified-audit: %d %q", r.code, r.stderr)
	}
	if d := countsDiff(tableCounts(t, out), tableCounts(t, target)); d != "" {
		t.Errorf("restored counts differ from the backup's:\n%s", d)
	}
}

// TestBackupPostgresRecipe: for a PostgreSQL database, backup and restore
// give the pg_dump and pg_restore commands, never the password, and exit 1
// without connecting.
func TestBackupPostgresRecipe(t *testing.T) {
	dsn := "postgres://entitle:s3cret-pw@db.invalid:5432/entitle?sslmode=require"
	for _, args := range [][]string{{"backup", "--out", "x.dump"}, {"restore", "--from", "x.dump", "--force"}} {
		var out, errb bytes.Buffer
		getenv := func(k string) string {
			if k == "ENTITLE_DB" {
				return dsn
			}
			return ""
		}
		code := runAt(context.Background(), args, getenv, strings.NewReader(""), &out, &errb, time.Now)
		msg := out.String() + errb.String()
		if code != 1 || !strings.Contains(msg, `pg_dump --format=custom --file=entitle.dump "$ENTITLE_DB"`) ||
			!strings.Contains(msg, `pg_restore --clean --if-exists --no-owner --dbname="$ENTITLE_DB" entitle.dump`) {
			t.Errorf("%s on PostgreSQL: %d %q", args[0], code, msg)
		}
		if strings.Contains(msg, "s3cret-pw") {
			t.Errorf("%s printed the password: %q", args[0], msg)
		}
	}
}
