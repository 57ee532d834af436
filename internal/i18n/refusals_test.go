package i18n

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// refusalCalls are the calls that write a sentence a page may show: the
// callee as the source names it, the package directory it is in ("" for
// any but notScanned), and which argument holds the format. A new way of
// wording a refusal belongs here, so that TestRefusalsComplete sees its
// sentences.
var refusalCalls = []struct {
	dir, callee string
	arg         int
}{
	{"", "entitle.Errorf", 1}, // every service's *entitle.Error
	{"", "ps.Add", 1},         // every check's entitle.Problems
	{".", "Errorf", 1},        // package entitle's own
	{".", "fmt.Errorf", 0},    // a field's value (a date, an email address, a decimal, a scope)
	{".", "bad", 0},           // why an address is not a plain email address
	{".", "v.at", 2},          // an import's checks across records
	{"internal/importer", "d.fail", 1},
	{"internal/importer", "p.add", 2},
	{"internal/importer", "valuef", 0}, // a value a problem fills in ("a number (3)")
	{"internal/policy", "refuse", 0},   // the gate's refusals
	{"internal/web", "errorf", 1},
	{"internal/web", "q.fail", 0}, // a query parameter's check
}

// notScanned are the directories whose sentences no page shows: the
// command line (English, as the SPEC writes it) and the tools of
// development and test.
var notScanned = []string{"cmd", "internal/benchgen", "internal/loadtest", "internal/oracle", "internal/demoidp", "internal/clocktest"}

// wrapperParams are the names a wrapper gives the format it passes on
// (func fail(format string, args ...any)): its callers are scanned instead.
var wrapperParams = map[string]bool{"format": true, "reason": true, "why": true}

// TestRefusalsComplete reads the source for every sentence a service or
// the server can answer a page with, and fails on one the German catalogue
// of refusals lacks — or on a catalogue entry no code writes any more.
func TestRefusalsComplete(t *testing.T) {
	formats, unreadable := scanRefusals(t, filepath.Join("..", ".."))
	for _, u := range unreadable {
		t.Errorf("%s: the format is not a string the test can read (a literal, a constant or a sum of them); name it in refusalCalls' wrappers or write it out", u)
	}
	if len(formats) < 200 {
		t.Fatalf("found %d formats in the source: the scan is broken", len(formats))
	}
	for _, l := range Langs[1:] {
		have, err := RefusalFormats(l)
		if err != nil {
			t.Fatal(err)
		}
		var missing []string
		for f, where := range formats {
			if _, ok := have[f]; !ok {
				missing = append(missing, fmt.Sprintf("%s = \"\" # %s", strconv.Quote(f), where))
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("%s: %d sentences have no translation in refusals/*.%s.toml:\n%s", l, len(missing), l, strings.Join(missing, "\n"))
		}
		for f := range have {
			if _, ok := formats[f]; !ok {
				t.Errorf("%s: refusals: %q is written by no code (changed, or no longer used): remove it", l, f)
			}
		}
	}
	t.Logf("%d sentences of the services, each in %d languages", len(formats), len(Langs))
}

// TestRefusalsRoundTrip: every sentence, written with sample values, reads
// back to its own translation with the same values — never to another
// sentence's, never left in English.
func TestRefusalsRoundTrip(t *testing.T) {
	if err := RefusalsErr(); err != nil {
		t.Fatal(err)
	}
	for _, l := range Langs[1:] {
		p := For(l)
		for _, r := range refusalsBy[l] {
			var en []any
			var vals []any
			for i, k := range r.kinds {
				switch k {
				case 'd':
					en = append(en, 40+i)
					vals = append(vals, strconv.Itoa(40+i))
				case 'q':
					v := fmt.Sprintf("val%d", i)
					en = append(en, v)
					vals = append(vals, strconv.Quote(v))
				default:
					v := fmt.Sprintf("X%d-acme", i)
					en = append(en, v)
					vals = append(vals, v)
				}
			}
			msg := fmt.Sprintf(r.en, en...)
			want := fmt.Sprintf(r.tr, vals...)
			if got := p.Refusal(msg); got != want {
				t.Errorf("%s: %q\n reads back as %q\n        want %q", l, msg, got, want)
			}
		}
	}
}

// TestRefusalExamples shows the reading on sentences as the services
// write them.
func TestRefusalExamples(t *testing.T) {
	de := For(German)
	for _, c := range []struct{ en, de string }{
		{"required", "erforderlich"},
		{"at most 64 characters", "höchstens 64 Zeichen"},
		{"only administrators of your company may invite an administrator", "nur Administratoren Ihrer Firma dürfen einen Administrator einladen"},
		// A reason passed on whole ("%s") is read as its own sentence.
		{`"x@y" is not a plain email address: it must have exactly one @`, `"x@y" ist keine einfache E-Mail-Adresse: sie muss genau ein @ enthalten`},
		// The name of a thing filled in is read in German (words.de.toml);
		// the ID stays.
		{"entitlement S-1 not found", "Berechtigung S-1 nicht gefunden"},
		{"ACME S-1 not found", "ACME S-1 nicht gefunden"},
		{"this transfer is declined already", "diese Übertragung hat bereits den Status abgelehnt"},
		// An import's description of a wrong value, and who may hold a scope.
		{"must be a string, not a number (3)", "muss eine Zeichenkette sein, nicht eine Zahl (3)"},
		{"you may not give a token the scope admin: company administrators only", "Sie dürfen einem Token den Geltungsbereich admin nicht geben: nur Administratoren einer Firma"},
		// A quoted character, as %q writes a rune.
		{`"a(b@x.com" is not a plain email address: '(' is not allowed before @`, `"a(b@x.com" ist keine einfache E-Mail-Adresse: '(' ist vor dem @ nicht erlaubt`},
		// Already German, or no sentence of the catalogue: as it is.
		{"erforderlich", "erforderlich"},
		{"something nobody wrote", "something nobody wrote"},
		{"", ""},
	} {
		if got := de.Refusal(c.en); got != c.de {
			t.Errorf("Refusal(%q) = %q, want %q", c.en, got, c.de)
		}
		if got := For(English).Refusal(c.en); got != c.en {
			t.Errorf("English: Refusal(%q) = %q, want it unchanged", c.en, got)
		}
	}
}

func TestCompileRefusalRefusesBadTranslations(t *testing.T) {
	for _, c := range []struct{ en, tr string }{
		{"at most %d characters", "höchstens Zeichen"},           // a value left out
		{"at most %d characters", "höchstens %d von %d Zeichen"}, // a value the English has not
		{"%s %s", "%s %s"},                 // nothing to translate
		{"at most %d characters", "   "},   // empty
		{"at most %[1]d characters", "%d"}, // the English numbers its values
		{"at most %d characters", "%[3]d"}, // no third value
	} {
		if _, err := compileRefusal(c.en, c.tr); err == nil {
			t.Errorf("compileRefusal(%q, %q) accepted", c.en, c.tr)
		}
	}
	r, err := compileRefusal("%s owns %s", "%[2]s gehört %[1]s")
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf(r.tr, "acme", "SUB-1"); got != "SUB-1 gehört acme" {
		t.Errorf("reordered values: %q", got)
	}
}

// scanRefusals returns every format refusalCalls write in the Go source
// under root (tests aside), each with where it is written, and the places
// whose format the scan cannot read.
func scanRefusals(t *testing.T, root string) (map[string]string, []string) {
	t.Helper()
	formats := map[string]string{}
	var unreadable []string
	fset := token.NewFileSet()
	pkgs := map[string][]*ast.File{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") && rel != "." || d.Name() == "testdata" || d.Name() == "node_modules" {
				return filepath.SkipDir
			}
			for _, n := range notScanned {
				if rel == n {
					return filepath.SkipDir
				}
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(rel))
		pkgs[dir] = append(pkgs[dir], f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for dir, files := range pkgs {
		consts := stringConsts(files)
		for _, f := range files {
			ast.Inspect(f, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				name := calleeName(call.Fun)
				for _, rc := range refusalCalls {
					if rc.callee != name || (rc.dir != "" && rc.dir != dir) || len(call.Args) <= rc.arg {
						continue
					}
					where := fset.Position(call.Pos())
					where.Filename, _ = filepath.Rel(root, where.Filename)
					arg := call.Args[rc.arg]
					if id, ok := arg.(*ast.Ident); ok && wrapperParams[id.Name] {
						continue
					}
					s, ok := stringValue(arg, consts)
					if !ok {
						unreadable = append(unreadable, where.String())
						continue
					}
					if hasWords(s) {
						formats[s] = where.String()
					}
				}
				return true
			})
		}
	}
	return formats, unreadable
}

func calleeName(fun ast.Expr) string {
	switch f := fun.(type) {
	case *ast.Ident:
		return f.Name
	case *ast.SelectorExpr:
		if x, ok := f.X.(*ast.Ident); ok {
			return x.Name + "." + f.Sel.Name
		}
	}
	return ""
}

// stringValue is the string e stands for: a literal, a package's
// constant, a sum of them, or fmt.Sprintf's format.
func stringValue(e ast.Expr, consts map[string]string) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(e.Value)
		return s, err == nil
	case *ast.Ident:
		s, ok := consts[e.Name]
		return s, ok
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "", false
		}
		a, ok1 := stringValue(e.X, consts)
		b, ok2 := stringValue(e.Y, consts)
		return a + b, ok1 && ok2
	case *ast.ParenExpr:
		return stringValue(e.X, consts)
	case *ast.CallExpr:
		if calleeName(e.Fun) == "fmt.Sprintf" && len(e.Args) > 0 {
			return stringValue(e.Args[0], consts)
		}
	}
	return "", false
}

// stringConsts are a package's string constants by name.
func stringConsts(files []*ast.File) map[string]string {
	out := map[string]string{}
	for _, f := range files {
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if i < len(vs.Values) {
						if s, ok := stringValue(vs.Values[i], out); ok {
							out[n.Name] = s
						}
					}
				}
			}
		}
	}
	return out
}

// BenchmarkRefusal: reading a sentence back on a German page — one of the
// catalogue's, a value filled in that is itself translated, and one the
// catalogue has not (the whole catalogue tried).
func BenchmarkRefusal(b *testing.B) {
	de := For(German)
	for _, msg := range []string{
		"only administrators of your company may invite an administrator",
		`"x@y" is not a plain email address: it must have exactly one @`,
		"something nobody wrote, as long as a sentence of the portal may be",
	} {
		b.Run(msg[:12], func(b *testing.B) {
			for b.Loop() {
				de.Refusal(msg)
			}
		})
	}
}
