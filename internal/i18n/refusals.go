package i18n

// Refusals: the services' own sentences — a field's check ("at most 64
// characters"), the gate's refusal ("only administrators of your company
// may invite an administrator"), an import's problem, a link that expired
// — are written once, in English, as printf formats: the API's JSON, the
// CLI and the audit log keep them so, and clients may compare them. A page
// shows them in its reader's language: the catalogue refusals/*.de.toml
// holds each English format (as the code writes it) with its German
// format, and [Printer.Refusal] reads a finished English message back
// into the format it came from and writes the German one with the same
// values; the names of things a sentence fills in ("entitlement" in
// "entitlement S-1 not found") are in refusals/words.LANG.toml. It is the
// way of gettext and golang.org/x/text/message (the
// English format is the key), done after the fact so that no service,
// error type or policy decision carries anything but its English words.
//
// Every format the code can answer a page with has its German wording
// (TestRefusalsComplete reads the source for them), and each one is read
// back to itself, never to another (TestRefusalsRoundTrip).

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/BurntSushi/toml"
)

//go:embed refusals/*.toml
var refusalFiles embed.FS

// A refusal is one English format with its translation.
type refusal struct {
	en      string         // the English format, as the code writes it
	re      *regexp.Regexp // matches a message written with en
	kinds   []byte         // the English verbs, in order: 's', 'v', 'd' or 'q'
	longest string         // en's longest piece of plain text: a message without it cannot match
	plain   int            // how much plain text en has: the more, the more specific
	tr      string         // the translation, each verb as %[n]s (the values are the English message's text)
}

var (
	refusalsOnce sync.Once
	refusalsBy   map[Lang][]*refusal        // most specific first
	wordsBy      map[Lang]map[string]string // the names of things a sentence fills in
	refusalsErr  error
)

// wordsFile is the catalogue's file of the names of things that sentences
// fill in ("entitlement" in "%s %s not found"): not formats, words.
const wordsFile = "words"

// verbRE finds a format's verbs: %s %v %d %q, with an explicit argument
// index in a translation (%[2]s), and %% for a percent sign.
var verbRE = regexp.MustCompile(`%(?:\[(\d+)\])?([svdq%])`)

// loadRefusals reads refusals/*.LANG.toml for every language but English
// (whose messages are the formats themselves).
func loadRefusals() {
	refusalsBy, wordsBy = map[Lang][]*refusal{}, map[Lang]map[string]string{}
	for _, l := range Langs[1:] {
		rs, err := readRefusals(l)
		if err != nil {
			refusalsErr = err
			return
		}
		refusalsBy[l] = rs
		if wordsBy[l], err = RefusalWords(l); err != nil {
			refusalsErr = err
			return
		}
	}
}

// RefusalWords is language l's names of the things sentences fill in:
// the English word → l's.
func RefusalWords(l Lang) (map[string]string, error) {
	name := "refusals/" + wordsFile + "." + string(l) + ".toml"
	var m map[string]string
	if _, err := toml.DecodeFS(refusalFiles, name, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	for en, tr := range m {
		if strings.TrimSpace(tr) == "" || strings.Contains(en, "%") {
			return nil, fmt.Errorf("%s: %q: a word and its translation, without values", name, en)
		}
	}
	return m, nil
}

// RefusalFormats is language l's catalogue of refusals as written: the
// English format → l's format.
func RefusalFormats(l Lang) (map[string]string, error) {
	names, err := fs.Glob(refusalFiles, "refusals/*."+string(l)+".toml")
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, name := range names {
		if path.Base(name) == wordsFile+"."+string(l)+".toml" {
			continue
		}
		var m map[string]string
		if _, err := toml.DecodeFS(refusalFiles, name, &m); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		for en, tr := range m {
			if _, dup := out[en]; dup {
				return nil, fmt.Errorf("%s: %q is in two files", name, en)
			}
			out[en] = tr
		}
	}
	return out, nil
}

func readRefusals(l Lang) ([]*refusal, error) {
	formats, err := RefusalFormats(l)
	if err != nil {
		return nil, err
	}
	var rs []*refusal
	for en, tr := range formats {
		r, err := compileRefusal(en, tr)
		if err != nil {
			return nil, fmt.Errorf("refusals (%s): %q: %w", l, en, err)
		}
		rs = append(rs, r)
	}
	sort.Slice(rs, func(i, j int) bool {
		if rs[i].plain != rs[j].plain {
			return rs[i].plain > rs[j].plain
		}
		return rs[i].en < rs[j].en
	})
	return rs, nil
}

// compileRefusal builds the matcher of an English format and checks that
// its translation fills in the same values: each of the English verbs once
// or more, nothing else.
func compileRefusal(en, tr string) (*refusal, error) {
	r := &refusal{en: en}
	var pattern strings.Builder
	pattern.WriteString(`(?s)^`)
	last := 0
	plainText := func(s string) {
		pattern.WriteString(regexp.QuoteMeta(s))
		r.plain += len(s)
		if len(s) > len(r.longest) {
			r.longest = s
		}
	}
	for _, m := range verbRE.FindAllStringSubmatchIndex(en, -1) {
		plainText(en[last:m[0]])
		last = m[1]
		if m[2] >= 0 {
			return nil, fmt.Errorf("an English format numbers no values (%s)", en[m[0]:m[1]])
		}
		switch k := en[m[4]]; k {
		case '%':
			plainText("%")
		case 'd':
			r.kinds = append(r.kinds, k)
			pattern.WriteString(`(-?[0-9]+)`)
		case 'q':
			r.kinds = append(r.kinds, k)
			// A quoted string, or a quoted character ('@').
			pattern.WriteString(`("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)+')`)
		default:
			r.kinds = append(r.kinds, k)
			pattern.WriteString(`(.+?)`)
		}
	}
	plainText(en[last:])
	pattern.WriteString(`$`)
	if !hasWords(en) {
		return nil, fmt.Errorf("a format of values and punctuation only is not a sentence to translate")
	}
	re, err := regexp.Compile(pattern.String())
	if err != nil {
		return nil, err
	}
	r.re = re
	// The translation: %s, %d, %q, %v take the next value, %[n]x the nth;
	// all become %[n]s, since the values are read back as text.
	var out strings.Builder
	used := make([]bool, len(r.kinds))
	next, last := 0, 0
	for _, m := range verbRE.FindAllStringSubmatchIndex(tr, -1) {
		out.WriteString(tr[last:m[0]])
		last = m[1]
		if tr[m[4]] == '%' {
			out.WriteString("%%")
			continue
		}
		n := next
		if m[2] >= 0 {
			i, _ := strconv.Atoi(tr[m[2]:m[3]])
			n = i - 1
		}
		if n < 0 || n >= len(r.kinds) {
			return nil, fmt.Errorf("the translation %q fills in value %d; the English has %d", tr, n+1, len(r.kinds))
		}
		used[n] = true
		next = n + 1
		fmt.Fprintf(&out, "%%[%d]s", n+1)
	}
	out.WriteString(tr[last:])
	for i, u := range used {
		if !u {
			return nil, fmt.Errorf("the translation %q leaves out value %d", tr, i+1)
		}
	}
	if strings.TrimSpace(tr) == "" {
		return nil, fmt.Errorf("the translation is empty")
	}
	r.tr = out.String()
	return r, nil
}

// hasWords reports whether format has a word besides its values: "%s: %s"
// has none (it would match most messages), "required" has.
func hasWords(format string) bool {
	return strings.ContainsFunc(verbRE.ReplaceAllString(format, ""), unicode.IsLetter)
}

// Refusal is msg — a sentence a service wrote in English — in the
// printer's language: the same message when the catalogue has no format
// it was written with (a sentence already in the reader's language, a
// value alone), or in English. A value filled in that is itself such a
// sentence (a reason given as "%s") is translated too; quoted input, names
// and numbers stay as they were given.
func (p *Printer) Refusal(msg string) string {
	if p.lang == English || msg == "" {
		return msg
	}
	refusalsOnce.Do(loadRefusals)
	if out, ok := translateRefusal(refusalsBy[p.lang], wordsBy[p.lang], msg, 3); ok {
		return out
	}
	return msg
}

// RefusalsErr is the error reading the catalogues of refusals, if any:
// the portal's pages (internal/web) and the tests check it at start.
func RefusalsErr() error {
	refusalsOnce.Do(loadRefusals)
	return refusalsErr
}

func translateRefusal(rs []*refusal, words map[string]string, msg string, depth int) (string, bool) {
	if depth == 0 {
		return "", false
	}
	for _, r := range rs {
		if !strings.Contains(msg, r.longest) {
			continue
		}
		m := r.re.FindStringSubmatch(msg)
		if m == nil {
			continue
		}
		args := make([]any, len(r.kinds))
		for i, k := range r.kinds {
			v := m[i+1]
			if k == 's' || k == 'v' {
				if w, ok := words[v]; ok {
					v = w
				} else if tr, ok := translateRefusal(rs, words, v, depth-1); ok {
					v = tr
				}
			}
			args[i] = v
		}
		return fmt.Sprintf(r.tr, args...), true
	}
	return "", false
}
