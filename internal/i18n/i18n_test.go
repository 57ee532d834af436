package i18n

import (
	"io/fs"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

// TestCataloguesComplete: every message is in every language, with the
// same values to fill in ({{.Email}} in English is {{.Email}} in German),
// and no translation is left empty or in English by mistake.
func TestCataloguesComplete(t *testing.T) {
	if err := Load(); err != nil {
		t.Fatal(err)
	}
	msgs := map[Lang]map[string]string{}
	for _, l := range Langs {
		msgs[l] = rawMessages(t, l)
		if len(msgs[l]) == 0 {
			t.Fatalf("%s: no messages", l)
		}
	}
	for _, l := range Langs[1:] {
		for id, en := range msgs[English] {
			tr, ok := msgs[l][id]
			switch {
			case !ok:
				t.Errorf("%s: %q has no translation (English: %q)", l, id, en)
			case strings.TrimSpace(tr) == "":
				t.Errorf("%s: %q is empty", l, id)
			case !slices.Equal(fields(en), fields(tr)):
				t.Errorf("%s: %q fills in %v, English %v", l, id, fields(tr), fields(en))
			}
		}
		for id := range msgs[l] {
			if _, ok := msgs[English][id]; !ok {
				t.Errorf("%s: %q is not an English message (a typo, or one no longer used)", l, id)
			}
		}
	}
}

var fieldRE = regexp.MustCompile(`\{\{\s*\.(\w+)\s*\}\}`)

// fields are the values a message fills in, sorted.
func fields(msg string) []string {
	var out []string
	for _, m := range fieldRE.FindAllStringSubmatch(msg, -1) {
		out = append(out, m[1])
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// rawMessages reads language l's catalogue files as written: ID → the
// message's text (each plural form's, joined).
func rawMessages(t *testing.T, l Lang) map[string]string {
	t.Helper()
	out := map[string]string{}
	names, err := fs.Glob(catalogues, "locales/*."+string(l)+".toml")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		var m map[string]any
		if _, err := toml.DecodeFS(catalogues, name, &m); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for id, v := range m {
			if _, dup := out[id]; dup {
				t.Errorf("%s: %q is in two files", name, id)
			}
			switch v := v.(type) {
			case string:
				out[id] = v
			case map[string]any:
				var parts []string
				for _, form := range []string{"zero", "one", "two", "few", "many", "other"} {
					if s, ok := v[form].(string); ok {
						parts = append(parts, s)
					}
				}
				if _, ok := v["other"]; !ok {
					t.Errorf("%s: %q has no form other", name, id)
				}
				out[id] = strings.Join(parts, " | ")
			default:
				t.Errorf("%s: %q is a %T", name, id, v)
			}
		}
	}
	return out
}

func TestChoose(t *testing.T) {
	for _, c := range []struct {
		setting, accept string
		want            Lang
	}{
		{"", "", English},
		{"", "de-DE,de;q=0.9,en;q=0.8", German},
		{"", "de-AT", German},
		{"", "fr-FR,fr;q=0.9,de;q=0.5", German},
		{"", "fr-FR,fr;q=0.9", English},
		{"", "en-GB,de;q=0.5", English},
		{"", "not a header;;;", English},
		{"en", "de-DE", English},
		{"de", "en-US", German},
		{"fr", "de", German}, // a setting the portal does not have: the browser's
	} {
		if got := Choose(c.setting, c.accept); got != c.want {
			t.Errorf("Choose(%q, %q) = %s, want %s", c.setting, c.accept, got, c.want)
		}
	}
}

func TestPrinter(t *testing.T) {
	de, en := For(German), For(English)
	if got := de.T("banner.until", "Date", "2026-12-31"); got != "Angezeigt bis 2026-12-31." {
		t.Errorf("German: %q", got)
	}
	if got := en.T("banner.until", "Date", "2026-12-31"); got != "Shown until 2026-12-31." {
		t.Errorf("English: %q", got)
	}
	if got := de.T("no.such.message"); got != "[no.such.message]" {
		t.Errorf("a missing message: %q", got)
	}
	if w, ok := de.Lookup("no.such.message"); ok {
		t.Errorf("Lookup of a missing message: %q, found", w)
	}
	if w, ok := de.Lookup("banner.until", "Date", "2026-12-31"); !ok || w != "Angezeigt bis 2026-12-31." {
		t.Errorf("Lookup: %q %v", w, ok)
	}
	if For("fr") != en {
		t.Error("a language the portal does not have is not English")
	}
}

func TestNumber(t *testing.T) {
	de, en := For(German), For(English)
	for in, want := range map[string]string{
		"1234.50": "1.234,50", "12": "12", "1200": "1.200", "-1234567.5": "-1.234.567,5", "0.99": "0,99",
		"": "", "on request": "on request", "1.2.3": "1.2.3", "12.": "12.", "-": "-", "1e5": "1e5",
	} {
		if got := de.Number(in); got != want {
			t.Errorf("German %q: %q, want %q", in, got, want)
		}
		if got := en.Number(in); got != in {
			t.Errorf("English %q: %q, want it unchanged", in, got)
		}
	}
}
