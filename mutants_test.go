package entitle_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Mutants: one clause of the rules (the policy, the store's list, a
// delegation's life) flipped at a time, in a copy of the repository; the
// authorization matrix (internal/web) and the oracle (internal/oracle) must
// fail on every one. A mutant that survives is a rule no test would miss —
// a hole in the proofs. TESTING.md keeps the table of the last full run.
//
//	ENTITLE_MUTANTS=all go test -run TestMutants -timeout 90m .     # every mutant
//	ENTITLE_MUTANTS=sample go test -run TestMutants .               # two, changing with the day (CI)
//	ENTITLE_MUTANTS=M04 go test -run TestMutants -v .               # one
//	ENTITLE_MUTANTS_REPORT=mutants.md …                             # also write the table
//
// A mutant names the one place it changes by text that must occur there
// exactly once: when the code moves, the test says which mutant to update.

type mutant struct {
	id, what   string
	file       string
	from, to   string
	equivalent string // why no test can tell it apart, when that is so (then it is not run)
}

var mutants = []mutant{
	{id: "M01", what: "R6: the vendor sees no more than any company", file: "internal/policy/policy.go",
		from: `if c.Vendor && c.Company != "" {`, to: `if false {`},
	{id: "M02", what: "R1: a role on the order grants nothing", file: "internal/policy/policy.go",
		from: "if hasRole {\n\t\t\td.allow(ViewEntitlement", to: "if hasRole && false {\n\t\t\td.allow(ViewEntitlement"},
	{id: "M03", what: "R5: an expired or revoked delegation still works", file: "internal/policy/policy.go",
		from: `dl.ActiveAt(now) && dl.Covers(f.SubscriptionID)`, to: `dl.Covers(f.SubscriptionID)`},
	{id: "M04", what: "R1: a listed delegation covers every entitlement of the owner", file: "internal/policy/policy.go",
		from: `dl.ActiveAt(now) && dl.Covers(f.SubscriptionID)`, to: `dl.ActiveAt(now)`},
	{id: "M05", what: "R3: any role on the order looks its PO up", file: "internal/policy/policy.go",
		from: "if !pe {\n\t\t\treturn hide(\"R3", to: "if !hasRole {\n\t\t\treturn hide(\"R3"},
	{id: "M06", what: "R2: an order's entitlements, found by PO number, carry order details", file: "internal/policy/policy.go",
		from: `if way == OrderDetails {
		v |= ViewOrder`, to: `if way == OrderDetails || way == LookupByPO {
		v |= ViewOrder`},
	{id: "M07", what: "R4: owner & location for every role on the order", file: "internal/policy/policy.go",
		from: "if owner {\n\t\td.allow(ViewOwner", to: "if hasRole {\n\t\td.allow(ViewOwner"},
	{id: "M08", what: "R4/R6: the vendor gets no owner & location", file: "internal/policy/policy.go",
		from: `d.allow(viewsOf(way, true), "R6`, to: `d.allow(viewsOf(way, false), "R6`},
	{id: "M09", what: "the partner of record shown to every role", file: "internal/policy/policy.go",
		from: "if owner || len(d.Delegations) > 0 {\n\t\t\td.Views |= ViewPartner", to: "if hasRole || len(d.Delegations) > 0 {\n\t\t\td.Views |= ViewPartner"},
	{id: "M10", what: "R8: a company that sees the entitlement may ask who has access", file: "internal/policy/explain.go",
		from: "case d.On(entitle.BasisOwner):", to: "case d.Allowed:"},
	{id: "M11", what: "R8: who has access leaves the vendor out", file: "internal/policy/explain.go",
		from: "if vendor != \"\" {\n\t\tcandidates = append(candidates, vendor)", to: "if false {\n\t\tcandidates = append(candidates, vendor)"},
	{id: "M12", what: "R5: a member of the owner grants and revokes delegations", file: "internal/policy/policy.go",
		from: "case !c.Admin:\n\t\treturn refuse(\"R5: only administrators of the owner company", to: "case false:\n\t\treturn refuse(\"R5: only administrators of the owner company"},
	{id: "M13", what: "R5: a company that owns nothing grants delegations", file: "internal/policy/policy.go",
		from: `case c.Company == "" || c.Company != owner || !ownsAny:`, to: `case c.Company == "":`},
	{id: "M14", what: "R7: another company's delegation is shown to it", file: "internal/policy/policy.go",
		from: "\treturn hide(\"R7: another company's delegation does not exist for you\")\n}\n\n// RevokeDelegation",
		to:   "\treturn allow(0, nil, \"mutant\")\n}\n\n// RevokeDelegation"},
	{id: "M15", what: "R4/R7: the delegate sees who granted and revoked", file: "internal/policy/policy.go",
		from: `return allow(0, []entitle.Basis{entitle.BasisDelegate}`, to: `return allow(ViewOwnSide, []entitle.Basis{entitle.BasisDelegate}`},
	{id: "M16", what: "R7: members read their company's audit trail", file: "internal/policy/policy.go",
		from: "case !c.Admin:\n\t\treturn refuse(\"only administrators of your company may read its audit events\")",
		to:   "case false:\n\t\treturn refuse(\"only administrators of your company may read its audit events\")"},
	{id: "M17", what: "R7: the vendor's pages exist for every company", file: "internal/policy/vendor.go",
		from: `if c.Company == "" || !c.Vendor {`, to: `if c.Company == "" {`},
	{id: "M18", what: "R7: another company's users can be changed", file: "internal/policy/coworkers.go",
		from: `case c.Company == "" || c.Company != target.Company:`, to: `case c.Company == "":`},
	{id: "M19", what: "R5: a delegation works until the end of its expiry instant", file: "delegation.go",
		from: `return d.ExpiresAt.IsZero() || now.Before(d.ExpiresAt)`, to: `return d.ExpiresAt.IsZero() || !now.After(d.ExpiresAt)`},
	{id: "M20", what: "R5: a revoked delegation still works", file: "delegation.go",
		from: `if !d.RevokedAt.IsZero() && !now.Before(d.RevokedAt) {`, to: `if false {`},
	{id: "M21", what: "store: the list forgets listed delegations", file: "internal/store/entitlements.go",
		from: `if slices.ContainsFunc(ds, func(d activeDelegation) bool { return !d.all }) {`, to: `if false {`},
	{id: "M22", what: "store: the list forgets all-scope delegations", file: "internal/store/entitlements.go",
		from: "if !d.all {\n\t\t\t\tcontinue\n\t\t\t}", to: "if true {\n\t\t\t\tcontinue\n\t\t\t}"},
	{id: "M23", what: "store: the vendor's list holds only what it has a role on", file: "internal/store/entitlements.go",
		from: `if c.Vendor && (f.Basis == "" || f.Basis == entitle.BasisVendor) {`, to: `if false {`},
	{id: "M24", what: "store: a PO number is looked up among every purchasing entity's", file: "internal/store/entitlements.go",
		from: "WHERE c.key = ? AND o.po_number = ?`), pe, po)", to: "WHERE (c.key = ? OR 1 = 1) AND o.po_number = ? ORDER BY o.id DESC LIMIT 1`), pe, po)"},
	{id: "M25", what: "store: a transfer keeps the former owner's listed delegations of it", file: "internal/store/transfers.go",
		from: "{`DELETE FROM delegation_items WHERE subscription_id = ? AND delegation_id IN (SELECT id FROM delegations WHERE owner_id = ?)`, []any{sub, fromID}},",
		to:   "{`SELECT 1 WHERE ? <> '' AND ? <> 0`, []any{sub, fromID}},"},
	{id: "M26", what: "R1: a delegation from a company that is not the owner counts", file: "internal/policy/policy.go",
		from: `dl.Owner == f.Owner && f.Owner != "" &&`, to: ``,
		equivalent: "the store gives the policy only the current owner's delegations (the policy's check is a second safeguard): no answer can tell it apart"},
}

// killers are the proofs each mutant must fail, in order: the first to fail
// kills it.
var killers = []struct{ name, pkg, run string }{
	{"the authorization matrix", "./internal/web/", "^(TestAuthorizationMatrix|TestTableIsWhatAnswersCarry)$"},
	{"the oracle", "./internal/oracle/", "^TestOracle$"},
}

// TestMutantsApply: every mutant still applies to the code as it is — its
// text occurs exactly once in its file. Cheap, so it runs with every go
// test: a change that moves a mutant's clause is told at once, not on the
// day CI's sample picks it.
func TestMutantsApply(t *testing.T) {
	for _, m := range mutants {
		src, err := os.ReadFile(m.file)
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(src), m.from); n != 1 {
			t.Errorf("mutant %s (%s): its text occurs %d times in %s, want once: the code moved, update the mutant", m.id, m.what, n, m.file)
		}
	}
}

func TestMutants(t *testing.T) {
	which := os.Getenv("ENTITLE_MUTANTS")
	if which == "" {
		t.Skip("ENTITLE_MUTANTS is not set: the mutants run on demand (all, sample, or an id) and in CI's own step")
	}
	if TestMutantsApply(t); t.Failed() {
		return
	}
	var run []mutant
	var live []mutant
	for _, m := range mutants {
		if m.equivalent == "" {
			live = append(live, m)
		}
	}
	switch which {
	case "all":
		run = live
	case "sample":
		day := time.Now().UTC().YearDay()
		run = []mutant{live[day%len(live)], live[(day+len(live)/2)%len(live)]}
	default:
		for _, m := range mutants {
			if m.id == which {
				run = append(run, m)
			}
		}
		if len(run) == 0 {
			t.Fatalf("no mutant %s", which)
		}
	}
	files := repoFiles(t)
	var report strings.Builder
	report.WriteString("| mutant | the clause flipped | killed by |\n|---|---|---|\n")
	for _, m := range mutants {
		if m.equivalent != "" {
			fmt.Fprintf(&report, "| %s | %s (`%s`) | not run: equivalent — %s |\n", m.id, m.what, m.file, m.equivalent)
		}
	}
	for _, m := range run {
		started := time.Now()
		killer := kill(t, files, m)
		t.Logf("%s %s: %s (%s)", m.id, m.what, killer, time.Since(started).Round(time.Second))
		if killer == "" {
			t.Errorf("mutant %s survived: %s (%s) — neither the matrix nor the oracle fails when this clause is flipped", m.id, m.what, m.file)
			killer = "**survived**"
		}
		fmt.Fprintf(&report, "| %s | %s (`%s`) | %s |\n", m.id, m.what, m.file, killer)
	}
	if out := os.Getenv("ENTITLE_MUTANTS_REPORT"); out != "" {
		if err := os.WriteFile(out, []byte(report.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// repoFiles lists the repository's files as git sees them: tracked, and
// untracked but not ignored.
func repoFiles(t *testing.T) []string {
	out, err := exec.Command("git", "ls-files", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	return strings.Fields(string(out))
}

// kill applies m to a copy of the repository and runs the killers there; it
// returns the name of the first that fails ("" when none does).
func kill(t *testing.T, files []string, m mutant) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range files {
		src, err := os.ReadFile(f)
		if os.IsNotExist(err) {
			continue // deleted in the working tree
		}
		if err != nil {
			t.Fatal(err)
		}
		if f == m.file {
			src = []byte(strings.Replace(string(src), m.from, m.to, 1))
		}
		dst := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, src, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range killers {
		cmd := exec.Command("go", "test", "-count=1", "-run", k.run, k.pkg)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "ENTITLE_TEST_BACKEND=", "ENTITLE_TEST_BROWSER=0")
		out, err := cmd.CombinedOutput()
		if err == nil {
			continue
		}
		if strings.Contains(string(out), "[build failed]") || strings.Contains(string(out), "[setup failed]") {
			t.Errorf("mutant %s does not build — a mutant must be valid code:\n%s", m.id, out)
			return "**does not build**"
		}
		return k.name
	}
	return ""
}
