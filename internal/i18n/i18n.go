// Package i18n holds the portal's words in English and German: the message
// catalogues (locales/*.toml, read by go-i18n), the choice of a language for
// a request — the user's own setting, else the browser's Accept-Language,
// else English — and numbers as each language writes them.
//
// A page or a mail never holds its words itself: it names a message by its
// ID ("login.title") and the catalogue of the reader's language gives the
// words. Both catalogues hold every message (TestCataloguesComplete), and
// every ID a template or the code names is in them (TestEveryIDKnown).
//
// The services' own sentences — refusals, a field's checks, an import's
// problems — are written in English (the API, the CLI and the audit keep
// them so); a page reads them in its reader's language with
// [Printer.Refusal], from the catalogue refusals/*.LANG.toml keyed by the
// English format (refusals.go).
//
// Dates stay ISO 8601 (2026-12-07) in both languages: German business
// writing allows it (DIN 5008), it is how the vendor's ERP, the CSV and the
// API write them, and a date is typed as it is read.
package i18n

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"

	"github.com/entitle-portal/entitle"
)

// Lang is a language of the portal.
type Lang string

// The portal's languages; English is the default and the fallback.
const (
	English Lang = "en"
	German  Lang = "de"
)

// Langs lists every language of the portal, the default first.
var Langs = []Lang{English, German}

// Name is the language's name in itself, as a choice of language shows it.
func (l Lang) Name() string {
	switch l {
	case German:
		return "Deutsch"
	default:
		return "English"
	}
}

// Valid reports whether l is a language of the portal.
func (l Lang) Valid() bool {
	for _, x := range Langs {
		if l == x {
			return true
		}
	}
	return false
}

var matcher = language.NewMatcher([]language.Tag{language.English, language.German})

// Choose is the language of a reader: their own setting when it is a
// language of the portal, else the best match for an Accept-Language
// header, else English.
func Choose(setting, acceptLanguage string) Lang {
	if l := Lang(setting); l.Valid() {
		return l
	}
	if acceptLanguage == "" {
		return English
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return English
	}
	_, i, conf := matcher.Match(tags...)
	if conf == language.No {
		return English
	}
	return Langs[i]
}

//go:embed locales/*.toml
var catalogues embed.FS

var (
	bundleOnce sync.Once
	bundle     *goi18n.Bundle
	bundleErr  error
	printers   map[Lang]*Printer
)

// load reads the catalogues: locales/NAME.LANG.toml, each language's
// messages in as many files as there are parts of the portal.
func load() {
	bundle = goi18n.NewBundle(language.English)
	bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	names, err := fs.Glob(catalogues, "locales/*.toml")
	if err != nil {
		bundleErr = err
		return
	}
	for _, name := range names {
		if _, err := bundle.LoadMessageFileFS(catalogues, name); err != nil {
			bundleErr = fmt.Errorf("catalogue %s: %w", path.Base(name), err)
			return
		}
	}
	printers = map[Lang]*Printer{}
	for _, l := range Langs {
		printers[l] = &Printer{lang: l, loc: goi18n.NewLocalizer(bundle, string(l))}
	}
}

// Load reads the catalogues once; an error names the file that is wrong.
// For returns English's words when they cannot be read, so a caller that
// cares (serve, the tests) calls Load first.
func Load() error {
	bundleOnce.Do(load)
	return bundleErr
}

// Printer gives a language's words.
type Printer struct {
	lang Lang
	loc  *goi18n.Localizer
}

// For is the printer of language l (English for a language the portal
// does not have).
func For(l Lang) *Printer {
	if Load() != nil {
		return &Printer{lang: English}
	}
	if p, ok := printers[l]; ok {
		return p
	}
	return printers[English]
}

// Lang is the printer's language, as <html lang> names it.
func (p *Printer) Lang() Lang { return p.lang }

// T is the message id with its values, given as name, value pairs:
// T("invite.sent", "Email", addr). A message the catalogue lacks shows its
// ID in brackets — never a blank — and the tests find every such ID first.
func (p *Printer) T(id string, pairs ...any) string {
	return p.localize(id, nil, pairs)
}

// Lookup is T for a message that may not be in the catalogue (an ID built
// from a value: "renewals.status_"+status): ok is false when it is not, and
// the caller shows something else instead of the bracketed ID.
func (p *Printer) Lookup(id string, pairs ...any) (words string, ok bool) {
	words = p.T(id, pairs...)
	return words, words != "["+id+"]"
}

// N is T for a message whose words depend on a count ("1 day", "2 days"):
// the count is its value Count.
func (p *Printer) N(id string, count int, pairs ...any) string {
	return p.localize(id, count, append(pairs, "Count", count))
}

func (p *Printer) localize(id string, count any, pairs []any) string {
	if p.loc == nil {
		return "[" + id + "]"
	}
	var data map[string]any
	if len(pairs) > 0 {
		data = make(map[string]any, len(pairs)/2)
		for i := 0; i+1 < len(pairs); i += 2 {
			k, _ := pairs[i].(string)
			data[k] = pairs[i+1]
		}
	}
	s, err := p.loc.Localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count})
	if err != nil && s == "" {
		return "[" + id + "]"
	}
	return s
}

// IDs lists the message IDs of language l's catalogue, sorted.
func IDs(l Lang) ([]string, error) {
	if err := Load(); err != nil {
		return nil, err
	}
	var ids []string
	for _, name := range mustGlob() {
		if !strings.HasSuffix(name, "."+string(l)+".toml") {
			continue
		}
		mf, err := bundle.ParseMessageFileBytes(mustRead(name), name)
		if err != nil {
			return nil, err
		}
		for _, m := range mf.Messages {
			ids = append(ids, m.ID)
		}
	}
	sort.Strings(ids)
	return ids, nil
}

func mustGlob() []string {
	names, _ := fs.Glob(catalogues, "locales/*.toml")
	return names
}

func mustRead(name string) []byte {
	b, _ := fs.ReadFile(catalogues, name)
	return b
}

type langKey struct{}

// WithLang is ctx carrying the language of the request's reader: a mail a
// service composes while answering it (an invitation) is written in it.
func WithLang(ctx context.Context, l Lang) context.Context {
	return context.WithValue(ctx, langKey{}, l)
}

// FromContext is the language WithLang put in ctx, else English.
func FromContext(ctx context.Context) Lang {
	if l, ok := ctx.Value(langKey{}).(Lang); ok && l.Valid() {
		return l
	}
	return English
}

// Audience is the recipients of one mail that reach it in one language.
type Audience struct {
	Lang Lang
	To   []string
}

// Audiences groups recipients by the language each reads mails in, in the
// order of Langs, each group's addresses in the order given: one mail per
// language. A recipient who left the language to the browser ("") reads
// English, as does one whose setting the portal does not have.
func Audiences(rs []entitle.Recipient) []Audience {
	by := map[Lang][]string{}
	for _, r := range rs {
		l := Lang(r.Language)
		if !l.Valid() {
			l = English
		}
		by[l] = append(by[l], r.Email)
	}
	var out []Audience
	for _, l := range Langs {
		if len(by[l]) > 0 {
			out = append(out, Audience{Lang: l, To: by[l]})
		}
	}
	return out
}

// Number writes a decimal number ("1234.50", "12", "-3.5") as the language
// writes it: unchanged in English (as the vendor's records and the API
// write it), with a decimal comma and thousands grouped by points in German
// ("1.234,50"). Anything else — a word, an empty string — stays as it is.
func (p *Printer) Number(s string) string {
	if p.lang != German {
		return s
	}
	digits := strings.TrimPrefix(s, "-")
	whole, frac, hasFrac := strings.Cut(digits, ".")
	if whole == "" || !allDigits(whole) || hasFrac && (frac == "" || !allDigits(frac)) {
		return s
	}
	var b strings.Builder
	if len(digits) < len(s) {
		b.WriteByte('-')
	}
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	if hasFrac {
		b.WriteByte(',')
		b.WriteString(frac)
	}
	return b.String()
}

func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
