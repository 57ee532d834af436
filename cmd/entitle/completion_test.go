package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestGroupHelp: a group of subcommands (user, token, audit, webhook, sso)
// alone, with -h, or after help lists its subcommands with their summaries;
// a subcommand it does not have is an error that lists them too.
func TestGroupHelp(t *testing.T) {
	groups := map[string][]command{}
	for _, c := range commands() {
		if g, _, two := strings.Cut(c.name, " "); two {
			groups[g] = append(groups[g], c)
		}
	}
	if len(groups) < 5 {
		t.Fatalf("groups %v: want user, token, audit, webhook and sso at least", groups)
	}
	for g, cs := range groups {
		for _, args := range [][]string{{"help", g}, {g}, {g, "-h"}, {g, "--help"}} {
			r := cli(t, "", "", args...)
			if r.code != 0 || !strings.HasPrefix(r.stdout, "usage: entitle "+g+" SUBCOMMAND") {
				t.Errorf("%v: %d %q %q", args, r.code, r.stdout, r.stderr)
				continue
			}
			for _, c := range cs {
				_, sub, _ := strings.Cut(c.name, " ")
				if !regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(sub) + ` +` + regexp.QuoteMeta(c.summary) + `$`).MatchString(r.stdout) {
					t.Errorf("%v lacks the line for %s:\n%s", args, c.name, r.stdout)
				}
			}
		}
		for _, args := range [][]string{{g, "frobnicate"}, {"help", g, "frobnicate"}} {
			r := cli(t, "", "", args...)
			if r.code != 2 || !strings.Contains(r.stderr, `unknown command "`+g+` frobnicate"`) || !strings.Contains(r.stderr, "usage: entitle "+g+" SUBCOMMAND") {
				t.Errorf("%v: %d %q", args, r.code, r.stderr)
			}
		}
	}
}

// TestExportFormatByName: the file's name picks the format (.csv CSV,
// .jsonl JSONL), given with --out or alone; a --format that contradicts the
// name, two files or a file named twice are refused before anything is
// read or written.
func TestExportFormatByName(t *testing.T) {
	db := newWorld(t)
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		file string
		csv  bool
	}{
		{[]string{"export", filepath.Join(dir, "a.csv")}, "a.csv", true},
		{[]string{"export", "--out", filepath.Join(dir, "b.CSV")}, "b.CSV", true},
		{[]string{"export", "--out", filepath.Join(dir, "c.jsonl")}, "c.jsonl", false},
		{[]string{"export", filepath.Join(dir, "d.txt")}, "d.txt", false},
		{[]string{"export", "--format", "csv", filepath.Join(dir, "e.txt")}, "e.txt", true},
	} {
		if r := cli(t, db, "", c.args...); r.code != 0 {
			t.Errorf("%v: %d %s", c.args, r.code, r.stderr)
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, c.file))
		if err != nil {
			t.Fatal(err)
		}
		if isCSV := strings.HasPrefix(string(b), "subscription_id,"); isCSV != c.csv || (!c.csv && !strings.HasPrefix(string(b), "{")) {
			t.Errorf("%v wrote %.40q, want CSV %v", c.args, b, c.csv)
		}
	}
	before := snapshot(t, db)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"export", "--format", "jsonl", filepath.Join(dir, "f.csv")}, "--format jsonl, but " + filepath.Join(dir, "f.csv") + " is named as csv"},
		{[]string{"export", "--format", "csv", "--out", filepath.Join(dir, "f.json")}, "is named as jsonl"},
		{[]string{"export", filepath.Join(dir, "f.csv"), filepath.Join(dir, "g.csv")}, "export writes one file, not 2"},
		{[]string{"export", "--out", filepath.Join(dir, "f.csv"), filepath.Join(dir, "g.csv")}, "the file is named twice"},
		{[]string{"export", "--format", "xml"}, `--format must be csv or jsonl, not "xml"`},
	} {
		r := cli(t, db, "", c.args...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) || !strings.Contains(r.stderr, "usage: entitle export") {
			t.Errorf("%v: %d %q, want %q", c.args, r.code, r.stderr, c.want)
		}
	}
	for _, f := range []string{"f.csv", "f.json", "g.csv"} {
		if _, err := os.Stat(filepath.Join(dir, f)); !os.IsNotExist(err) {
			t.Errorf("a refused export left %s (%v)", f, err)
		}
	}
	if after := snapshot(t, db); after != before {
		t.Error("a refused export changed the database (an audit event?)")
	}
}

// completionCase is one completion asked of a shell: the words typed, the
// last being the one completed, and what must be offered.
type completionCase struct {
	words []string
	want  []string
}

// completionCases are asked of both shells: every command's flags exactly
// as its help lists them, every group's subcommands, the first words, the
// shells of completion itself.
func completionCases(t *testing.T) []completionCase {
	t.Helper()
	flagLine := regexp.MustCompile(`(?m)^  -(\S+)`)
	var top []string
	var cases []completionCase
	groups := map[string][]string{}
	for _, c := range commands() {
		words := strings.Fields(c.name)
		if !slices.Contains(top, words[0]) {
			top = append(top, words[0])
		}
		if len(words) == 2 {
			groups[words[0]] = append(groups[words[0]], words[1])
		}
		var flags []string
		for _, m := range flagLine.FindAllStringSubmatch(cli(t, "", "", append(words, "-h")...).stdout, -1) {
			flags = append(flags, "--"+m[1])
		}
		if len(flags) == 0 && c.name != "completion" && c.name != "version" {
			t.Fatalf("%s -h lists no flags: the test reads the help wrongly", c.name)
		}
		cases = append(cases, completionCase{append(words, "--"), flags})
	}
	for g, subs := range groups {
		cases = append(cases, completionCase{[]string{g, ""}, subs}, completionCase{[]string{"help", g, ""}, subs})
	}
	return append(cases,
		completionCase{[]string{""}, append(top, "help")},
		completionCase{[]string{"help", ""}, append(top, "help")},
		completionCase{[]string{"completion", ""}, []string{"bash", "zsh"}},
		completionCase{[]string{"help", "export", "--"}, nil}, // help takes no flags
		// The values of the flags that take one of a few.
		completionCase{[]string{"export", "--format", ""}, []string{"csv", "jsonl"}},
		completionCase{[]string{"gen", "--format", "c"}, []string{"csv"}},
		completionCase{[]string{"serve", "--sales-desk-language", ""}, []string{"en", "de"}},
		completionCase{[]string{"serve", "--smtp-tls", ""}, []string{"opportunistic", "required", "implicit", "none"}},
		completionCase{[]string{"serve", "--log-format", "j"}, []string{"json"}},
	)
}

// shell finds a shell for the completion tests: skipped where it is not
// installed, unless ENTITLE_TEST_SHELLS=1 (as in CI) makes that a failure.
func shell(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("ENTITLE_TEST_SHELLS") == "1" {
			t.Fatalf("%s is not installed, and ENTITLE_TEST_SHELLS=1 requires it", name)
		}
		t.Skipf("%s is not installed: its completion is not tested (ENTITLE_TEST_SHELLS=1 requires it)", name)
	}
	return p
}

// askShell sources the script in the shell and runs each case through
// probe (which sets the shell's completion variables from the words and
// prints what _entitle offers, space-separated, one line a case).
func askShell(t *testing.T, sh, script, probe string, cases []completionCase) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "entitle-completion")
	if err := os.WriteFile(path, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	var prog strings.Builder
	prog.WriteString(probe)
	for _, c := range cases {
		prog.WriteString("probe entitle")
		for _, w := range c.words {
			prog.WriteString(" '" + w + "'")
		}
		prog.WriteString("\n")
	}
	cmd := exec.Command(sh, "-c", prog.String(), "probe", path)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", sh, err, out)
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != len(cases) {
		t.Fatalf("%s answered %d lines for %d cases:\n%s", sh, len(lines), len(cases), out)
	}
	for i, c := range cases {
		got := strings.Fields(lines[i])
		slices.Sort(got)
		want := slices.Clone(c.want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: entitle %s<TAB> offers %q, want %q", filepath.Base(sh), strings.Join(c.words, " "), got, want)
		}
	}
}

// TestCompletionBash runs the bash script in bash, as bash's completion
// would call it: COMP_WORDS, COMP_CWORD, then _entitle's COMPREPLY.
func TestCompletionBash(t *testing.T) {
	sh := shell(t, "bash")
	r := cli(t, "", "", "completion", "bash")
	if r.code != 0 {
		t.Fatalf("completion bash: %d %s", r.code, r.stderr)
	}
	askShell(t, sh, r.stdout, `source "$1"
probe() { COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMPREPLY=(); _entitle; echo "${COMPREPLY[*]}"; }
`, completionCases(t))
}

// TestCompletionZsh runs the zsh script in zsh with zsh's completion
// builtins stood in for: compadd prints what it is offered that begins with
// the word typed (as zsh keeps only those), _files says files.
func TestCompletionZsh(t *testing.T) {
	sh := shell(t, "zsh")
	r := cli(t, "", "", "completion", "zsh")
	if r.code != 0 {
		t.Fatalf("completion zsh: %d %s", r.code, r.stderr)
	}
	cases := completionCases(t)
	cases = append(cases, completionCase{[]string{"import", ""}, []string{"(files)"}})
	askShell(t, sh, r.stdout, `compdef() { :; }
compadd() { [[ $1 == -- ]] && shift; local w; for w in "$@"; do [[ $w == ${PREFIX}* ]] && print -rn -- "$w "; done; }
_files() { print -rn -- "(files) "; }
source "$1"
probe() { words=("$@"); CURRENT=$#; PREFIX=${words[-1]}; _entitle; print; }
`, cases)
}

// TestCompletionRefusals: one shell, named.
func TestCompletionRefusals(t *testing.T) {
	for _, args := range [][]string{{"completion"}, {"completion", "fish"}, {"completion", "bash", "zsh"}} {
		if r := cli(t, "", "", args...); r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, "bash or zsh") {
			t.Errorf("%v: %d %q %q", args, r.code, r.stdout, r.stderr)
		}
	}
}
