package entitle_test

import (
	"bufio"
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestFuzzTargetsListed: every fuzz target of the module is in
// .ci/fuzz-targets, which CI fuzzes one by one, and every line there names
// one; each has a seed corpus checked in (testdata/fuzz/TARGET of its
// package, in Go's corpus format). A new target cannot be forgotten.
func TestFuzzTargetsListed(t *testing.T) {
	listed := map[string]bool{}
	data, err := os.ReadFile(".ci/fuzz-targets")
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if f := strings.Fields(line); len(f) != 2 || !strings.HasPrefix(f[1], "Fuzz") || f[0] != "." && !strings.HasPrefix(f[0], "./") {
			t.Errorf(".ci/fuzz-targets:%d: %q is not \"./PACKAGE FuzzTARGET\"", n, line)
			continue
		}
		if listed[line] {
			t.Errorf(".ci/fuzz-targets:%d: %q is listed twice", n, line)
		}
		listed[line] = true
	}

	found := map[string]bool{}
	fset := token.NewFileSet()
	err = filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != "." && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		pkg := "./" + filepath.ToSlash(filepath.Dir(p))
		if pkg == "./." {
			pkg = "."
		}
		for _, decl := range f.Decls {
			if fn, ok := decl.(*ast.FuncDecl); ok && fn.Recv == nil && isFuzzTarget(fn) {
				found[pkg+" "+fn.Name.Name] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) < 12 {
		t.Errorf("only %d fuzz targets found: does the walk miss test files?", len(found))
	}
	for _, target := range slices.Sorted(maps.Keys(found)) {
		if !listed[target] {
			t.Errorf("fuzz target %s is not in .ci/fuzz-targets: add it, so that CI fuzzes it", target)
		}
		pkg, name, _ := strings.Cut(target, " ")
		dir := path.Join(pkg, "testdata", "fuzz", name)
		files, _ := os.ReadDir(dir)
		if len(files) == 0 {
			t.Errorf("fuzz target %s has no seed corpus in %s", target, dir)
		}
		for _, file := range files {
			b, err := os.ReadFile(path.Join(dir, file.Name()))
			if err != nil || !bytes.HasPrefix(b, []byte("go test fuzz v1\n")) {
				t.Errorf("%s is not a corpus file (go test fuzz v1): %v", path.Join(dir, file.Name()), err)
			}
		}
	}
	for target := range listed {
		if !found[target] {
			t.Errorf(".ci/fuzz-targets lists %s, which is no fuzz target", target)
		}
	}
}

// isFuzzTarget reports whether fn is func FuzzXxx(f *testing.F).
func isFuzzTarget(fn *ast.FuncDecl) bool {
	if !strings.HasPrefix(fn.Name.Name, "Fuzz") || len(fn.Type.Params.List) != 1 || len(fn.Type.Params.List[0].Names) > 1 {
		return false
	}
	star, ok := fn.Type.Params.List[0].Type.(*ast.StarExpr)
	if !ok {
		return false
	}
	sel, ok := star.X.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	x, ok := sel.X.(*ast.Ident)
	return ok && x.Name == "testing" && sel.Sel.Name == "F"
}
