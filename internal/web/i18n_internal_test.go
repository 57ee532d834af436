package web

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/entitle-portal/entitle/internal/i18n"
)

// idUses finds the message IDs a template ({{t "id"}}, {{th "id"}}) or the
// code (.T("id"), visitorT(r, "id")) names.
var idUses = regexp.MustCompile(`(?:\{\{-?\s*th?\s+|\.T\(|visitorT\(r,\s*)"([a-z_]+\.[a-z_.]+)"`)

// TestEveryIDKnown: every message a page or the code names is in the
// catalogues (TestCataloguesComplete holds each catalogue to the other), so
// no page shows "[an.id]" in any language.
func TestEveryIDKnown(t *testing.T) {
	known, err := i18n.IDs(i18n.English)
	if err != nil {
		t.Fatal(err)
	}
	uses := map[string][]string{} // id → where
	read := func(name string, b []byte) {
		for _, m := range idUses.FindAllSubmatch(b, -1) {
			uses[string(m[1])] = append(uses[string(m[1])], name)
		}
	}
	err = fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templateFS, p)
		read(p, b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	gos, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range gos {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		read(name, b)
	}
	for msg, id := range fixedMessages {
		uses[id] = append(uses[id], "fixedMessages: "+msg)
	}
	if len(uses) < 20 {
		t.Fatalf("only %d message IDs found in the templates and code: is idUses still right?", len(uses))
	}
	for id, where := range uses {
		if !slices.Contains(known, id) {
			t.Errorf("%q (%v) is in no catalogue", id, slices.Compact(where))
		}
	}
}

// TestPagesInEveryLanguage: each language's pages render with its words
// (lang names it for <html lang>).
func TestPagesInEveryLanguage(t *testing.T) {
	for _, l := range i18n.Langs {
		set, ok := pages[l]
		if !ok {
			t.Fatalf("no pages in %s", l)
		}
		var buf bytes.Buffer
		if err := set.ExecuteTemplate(&buf, "login", map[string]any{"Title": "x"}); err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		b := buf.Bytes()
		if want := `<html lang="` + string(l) + `">`; !regexp.MustCompile(regexp.QuoteMeta(want)).Match(b) {
			t.Errorf("%s: no %s", l, want)
		}
		if regexp.MustCompile(`\[[a-z_]+\.[a-z_.]+\]`).Match(b) {
			t.Errorf("%s: a message ID instead of words: %s", l, b)
		}
	}
}
