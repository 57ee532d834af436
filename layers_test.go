package entitle_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The layers of entitle and the arrows between them (README,
// "Architecture"), enforced: a test fails naming the import, the call or
// the construction that breaks a rule. The model is tailscale's
// tstest/deptest; `go list` gives the facts.
//
//	entitle (root)       the vocabulary: imports nothing of the module
//	internal/policy      the rules: imports the root only
//	internal/store       SQL: imports the root only — no policy, no service, no web
//	services             disclose (the gate), accounts, audit, channel, coworkers,
//	                     lifecycle, notices, webhooks: never the store, never web
//	internal/web         HTTP: declares the interfaces it calls; no store, even indirectly
//	cmd/entitle          the one place where the program is wired
//
// Beside the imports: only the gate and the policy itself call the
// policy's decisions on entitlement and order facts, and only cmd/entitle
// (and tests) build services.

const module = "github.com/entitle-portal/entitle"

// services are the packages of use cases.
var services = []string{"internal/disclose", "internal/accounts", "internal/audit", "internal/channel",
	"internal/coworkers", "internal/lifecycle", "internal/notices", "internal/webhooks", "internal/sso", "internal/accessrequests"}

// listed is a package as `go list -json` describes it.
type listed struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	Imports    []string // direct, test files excluded
	Deps       []string // every package it depends on, transitively
}

// packages lists the module's packages with their imports and deps.
func packages(t *testing.T) map[string]listed {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string]listed{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p listed
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		if rel == "" {
			rel = "."
		}
		pkgs[rel] = p
	}
	return pkgs
}

// ours returns the module's packages among paths, relative to the module.
func ours(paths []string) []string {
	var out []string
	for _, p := range paths {
		if p == module {
			out = append(out, ".")
		} else if rel, ok := strings.CutPrefix(p, module+"/"); ok {
			out = append(out, rel)
		}
	}
	return out
}

// under reports whether package rel is dir or inside it.
func under(rel, dir string) bool { return rel == dir || strings.HasPrefix(rel, dir+"/") }

// testSupport reports whether rel is a package of test helpers
// (storetest, mailtest, policytest, clocktest, webtest, …).
func testSupport(rel string) bool { return strings.HasSuffix(filepath.Base(rel), "test") }

// TestImportRules: the arrows between the layers.
func TestImportRules(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	pkgs := packages(t)
	for _, must := range append([]string{".", "internal/policy", "internal/store", "internal/web", "cmd/entitle"}, services...) {
		if _, ok := pkgs[must]; !ok {
			t.Fatalf("no package %s: the rules below name packages that moved; update them", must)
		}
	}
	for rel, p := range pkgs {
		direct := ours(p.Imports)
		deps := ours(p.Deps)
		refuse := func(rule string, bad func(dep string) bool, list []string) {
			for _, d := range list {
				if bad(d) {
					t.Errorf("%s imports %s: %s", rel, d, rule)
				}
			}
		}
		switch {
		case rel == ".":
			refuse("the root package (the vocabulary) imports nothing of the module", func(string) bool { return true }, direct)
		case rel == "internal/policy":
			refuse("the policy imports the root package only", func(d string) bool { return d != "." }, direct)
		case under(rel, "internal/store") && !testSupport(rel):
			refuse("the store imports the root package only: no policy, no service, no web", func(d string) bool { return d != "." }, direct)
		case under(rel, "internal/web") && !testSupport(rel):
			refuse("web depends on the interfaces it declares, never on the store, even through another package",
				func(d string) bool { return under(d, "internal/store") }, deps)
		}
		if slices.Contains(services, rel) {
			refuse("a service reads and writes through the store interface it declares; cmd/entitle hands it the store",
				func(d string) bool { return under(d, "internal/store") }, deps)
			refuse("a service knows no web", func(d string) bool { return under(d, "internal/web") }, deps)
		}
		if !under(rel, "cmd") && !testSupport(rel) {
			refuse("only cmd/entitle opens the store and wires the program", func(d string) bool { return d == "internal/store" }, direct)
		}
	}
}

// decisions are the policy's decisions on entitlement and order facts:
// only the gate (internal/disclose) calls them.
var decisions = []string{"Decide", "AskWhoHasAccess", "WhoHasAccess", "ListViews"}

// constructors build services: only cmd/entitle (and tests) call them.
var constructors = map[string][]string{
	"disclose": {"New", "Service"}, "accounts": {"Service"}, "audit": {"Service"}, "channel": {"Service"},
	"coworkers": {"Service"}, "lifecycle": {"Service"}, "notices": {"Service"}, "webhooks": {"Dispatcher", "Manager"}, "sso": {"Service"}, "accessrequests": {"Service"}, "web": {"New"},
}

// TestOneGate: outside internal/policy, only the gate asks the policy's
// entitlement decisions; outside cmd/entitle, nothing builds a service.
// Test files are exempt (they wire what they test).
func TestOneGate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	for rel, p := range packages(t) {
		if testSupport(rel) {
			continue
		}
		for _, name := range p.GoFiles {
			path := filepath.Join(p.Dir, name)
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			imported := map[string]string{} // local name → package name
			for _, imp := range f.Imports {
				ip := strings.Trim(imp.Path.Value, `"`)
				local := filepath.Base(ip)
				if imp.Name != nil {
					local = imp.Name.Name
				}
				imported[local] = filepath.Base(ip)
			}
			// ref reads pkg.Name.
			ref := func(e ast.Expr) (pkg, name string, ok bool) {
				sel, ok := e.(*ast.SelectorExpr)
				if !ok {
					return "", "", false
				}
				x, ok := sel.X.(*ast.Ident)
				if !ok {
					return "", "", false
				}
				return imported[x.Name], sel.Sel.Name, true
			}
			ast.Inspect(f, func(n ast.Node) bool {
				var built string
				switch n := n.(type) {
				case *ast.CallExpr:
					pkg, fn, ok := ref(n.Fun)
					if !ok {
						return true
					}
					if pkg == "policy" && slices.Contains(decisions, fn) && rel != "internal/disclose" && rel != "internal/policy" {
						t.Errorf("%s:%d calls policy.%s: only the gate (internal/disclose) asks the policy's decisions on entitlement and order facts; ask the gate",
							filepath.Join(rel, name), fset.Position(n.Pos()).Line, fn)
					}
					if fn == "New" && slices.Contains(constructors[pkg], fn) {
						built = pkg + "." + fn
					}
				case *ast.CompositeLit:
					if pkg, typ, ok := ref(n.Type); ok && slices.Contains(constructors[pkg], typ) {
						built = pkg + "." + typ
					}
				}
				if pkg, _, _ := strings.Cut(built, "."); built != "" && !under(rel, "cmd") && rel != "internal/"+pkg {
					t.Errorf("%s:%d builds %s: only cmd/entitle wires services together; take it as a dependency",
						filepath.Join(rel, name), fset.Position(n.Pos()).Line, built)
				}
				return true
			})
		}
	}
}
