package entitle_test

import (
	"math/big"
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/entitle-portal/entitle"
)

// The fuzz targets of the root package: the textual forms of its values
// that come from outside (import files, query parameters, forms, flags).
// Each checks properties, not only that nothing panics. Their seeds are
// below and in testdata/fuzz; .ci/fuzz-targets lists every target.

// maxMessage bounds an error message about a hostile value: clip keeps a
// message from growing with its input (70 bytes of it, each quoted as at
// most 4: "\xff").
const maxMessage = 500

// FuzzParseDate: a date that parses is a real calendar day, is not "no
// date", and formats back to exactly its text; every day of years 1 to
// 9999 formats to a text that parses back to it.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{
		"2026-06-15", "2024-02-29", "2023-02-29", "2000-02-29", "1900-02-29", "2026-04-31", "2026-13-01", "2026-00-10",
		"2026-1-15", "2026-01-5", "26-01-15", "2026/01/15", "2026-01-15T00:00:00Z", " 2026-01-15", "2026-01-15\n",
		"0001-01-01", "0001-01-02", "0000-01-01", "9999-12-31", "+026-01-15", "-001-01-01", "+1-01-15", "２０２６-01-15",
		"", "\xff\xfe", strings.Repeat("9", 300),
	} {
		f.Add(s, int64(0))
	}
	f.Add("2026-06-15", int64(1781481600))
	f.Add("", int64(-62135596800))   // 0001-01-01: the zero time
	f.Add("", int64(253402300799))   // 9999-12-31 23:59:59
	f.Add("", int64(-62135596800-1)) // year 0
	f.Fuzz(func(t *testing.T, s string, sec int64) {
		d, err := entitle.ParseDate(s)
		if err != nil {
			if len(err.Error()) > maxMessage {
				t.Fatalf("message of %d bytes: %.80s…", len(err.Error()), err)
			}
		} else {
			if d.IsZero() {
				t.Fatalf("%q parses to no date", s)
			}
			if d.String() != s {
				t.Fatalf("%q parses to a date written %q", s, d.String())
			}
			y, m, day := d.Time().Date()
			if d.Time() != time.Date(y, m, day, 0, 0, 0, 0, time.UTC) {
				t.Fatalf("%q is %v, not midnight UTC", s, d.Time())
			}
			var e entitle.Date
			if err := e.UnmarshalText([]byte(s)); err != nil || e != d {
				t.Fatalf("UnmarshalText(%q) = %v, %v; ParseDate gives %v", s, e, err, d)
			}
			if b, _ := d.MarshalText(); string(b) != s {
				t.Fatalf("MarshalText of %q = %q", s, b)
			}
			if next := d.AddDays(1); d.DaysUntil(next) != 1 || !next.After(d) || next.AddDays(-1) != d {
				t.Fatalf("%q: the next day is %v", s, next)
			}
		}
		// From the other side: a day of years 1 to 9999 (but the zero
		// time, "no date") is written as a date that parses back to it.
		at := time.Unix(sec, 0).UTC()
		day := entitle.DateOf(at)
		if at.Year() < 1 || at.Year() > 9999 || day.IsZero() {
			return
		}
		back, err := entitle.ParseDate(day.String())
		if err != nil || back != day {
			t.Fatalf("the day of %v is written %q, which parses to %v, %v", at, day.String(), back, err)
		}
	})
}

// FuzzDecimal: Validate accepts exactly the decimals of its grammar (a
// non-negative number of at most 18 integer and 6 fractional digits, no
// leading zero, no sign or exponent), and an accepted decimal's text is the
// canonical text of its value at its scale. Times and Sum are exact and keep
// their scales; PlusPercent rounds half away from zero to at least two
// decimals and never lowers a price.
func FuzzDecimal(f *testing.F) {
	for _, s := range [][2]string{
		{"120.00", "10"}, {"0", "0"}, {"0.5", "12.5"}, {"99.99", "0.000001"}, {"1", "100"}, {"0.01", "50"},
		{"999999999999999999.999999", "999999999999999999.999999"}, {"1000000000000000000", "1"},
		{"01", "1"}, {"1.", "1"}, {".5", "1"}, {"-1", "1"}, {"+1", "1"}, {"1e3", "1"}, {"1.0000000", "1"}, {"0x10", "1"},
		{"1_000", "1"}, {"１", "1"}, {"1,5", "1"}, {" 1", "1"}, {"1\n", "1"}, {"", ""}, {"NaN", "Inf"}, {"1/3", "1"},
		{"12.345", "33.3333"}, {"0.005", "0"}, {"0.125", "-0"},
	} {
		f.Add(s[0], s[1], int64(3))
	}
	f.Add("1.10", "10", int64(-1))
	f.Add("999999999999999999", "1", int64(1_000_000))
	f.Fuzz(func(t *testing.T, a, b string, n int64) {
		d := entitle.Decimal(a)
		err := d.Validate()
		if (err == nil) != grammarDecimal(a) {
			t.Fatalf("Validate(%q) = %v, but the grammar says %v", a, err, grammarDecimal(a))
		}
		if err != nil {
			if len(err.Error()) > maxMessage {
				t.Fatalf("message of %d bytes: %.80s…", len(err.Error()), err)
			}
			return
		}
		r := ratOf(t, a)
		if got := r.FloatString(scaleOf(a)); got != a {
			t.Fatalf("%q is not canonical: its value at its scale is written %q", a, got)
		}
		// Times: exact, at d's scale.
		n = min(max(n, -1_000_000), 1_000_000)
		if n < 0 {
			n = -n
		}
		p := d.Times(n)
		if want := new(big.Rat).Mul(r, big.NewRat(n, 1)); ratOf(t, string(p)).Cmp(want) != 0 || scaleOf(string(p)) != scaleOf(a) {
			t.Fatalf("%s × %d = %s, want %s at %d decimals", a, n, p, want.FloatString(scaleOf(a)), scaleOf(a))
		}
		e := entitle.Decimal(b)
		if e.Validate() != nil {
			return
		}
		// Sum: exact, commutative, at the larger scale.
		s := entitle.Sum(d, e)
		if want := new(big.Rat).Add(r, ratOf(t, b)); ratOf(t, string(s)).Cmp(want) != 0 || scaleOf(string(s)) != max(scaleOf(a), scaleOf(b)) {
			t.Fatalf("%s + %s = %s", a, b, s)
		}
		if s2 := entitle.Sum(e, d); s2 != s {
			t.Fatalf("%s + %s = %s, but %s + %s = %s", a, b, s, b, a, s2)
		}
		// PlusPercent: d × (1 + b/100), rounded half away from zero to
		// max(scale, 2) decimals.
		got := d.PlusPercent(e)
		sc := max(scaleOf(a), 2)
		if scaleOf(string(got)) != sc {
			t.Fatalf("%s + %s%% = %s: want %d decimals", a, b, got, sc)
		}
		exact := new(big.Rat).Mul(r, new(big.Rat).Add(big.NewRat(1, 1), new(big.Rat).Quo(ratOf(t, b), big.NewRat(100, 1))))
		off := new(big.Rat).Sub(ratOf(t, string(got)), exact) // got - exact
		half := new(big.Rat).SetFrac(big.NewInt(1), new(big.Int).Mul(big.NewInt(2), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(sc)), nil)))
		if new(big.Rat).Abs(off).Cmp(half) > 0 || off.Cmp(new(big.Rat).Neg(half)) == 0 {
			t.Fatalf("%s + %s%% = %s, but exactly it is %s: not rounded half away from zero", a, b, got, exact.FloatString(sc+4))
		}
		if ratOf(t, string(got)).Cmp(r) < 0 {
			t.Fatalf("%s + %s%% = %s: less than the price", a, b, got)
		}
	})
}

// grammarDecimal is Validate's grammar, written without a regular
// expression.
func grammarDecimal(s string) bool {
	whole, frac, dot := strings.Cut(s, ".")
	digits := func(s string) bool { return strings.Trim(s, "0123456789") == "" }
	switch {
	case whole == "" || len(whole) > 18 || !digits(whole) || len(whole) > 1 && whole[0] == '0':
		return false
	case dot && (frac == "" || len(frac) > 6 || !digits(frac)):
		return false
	}
	return true
}

func ratOf(t *testing.T, s string) *big.Rat {
	t.Helper()
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		t.Fatalf("%q is not a number", s)
	}
	return r
}

func scaleOf(s string) int {
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(s) - i - 1
	}
	return 0
}

// plainEmail is SPEC §4's plain address, as one regular expression: a
// dot-atom local part of 1 to 64 characters, a domain of at least two
// labels of letters, digits and inner hyphens, whose last label is not a
// number; 254 bytes at most.
var plainEmail = regexp.MustCompile(`^[A-Za-z0-9!#$%&'*+/=?^_` + "`" + `{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_` + "`" + `{|}~-]+)*@` +
	`([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)

// FuzzEmail: CheckPlainEmail accepts exactly the plain local@domain
// addresses (after trimming), which net/mail reads as the same bare
// address; NormalizeEmail is idempotent, and normalising an address neither
// makes a refused address acceptable nor the other way round.
func FuzzEmail(f *testing.F) {
	for _, s := range []string{
		"mira.vogt@kesselbach.example", " Mira.Vogt@Kesselbach.Example\t", "a@b.co", "Bob <bob@x.com>", "bob@x.com (Bob)",
		`"a b"@x.com`, "a b@x.com", "a@b@x.com", "a@x.com, b@x.com", "a@[127.0.0.1]", "a@127.0.0.1", "a@x.com.", "a@x",
		".a@x.com", "a.@x.com", "a..b@x.com", "a@-x.com", "a@x-.com", "a@x..com", "a@x.123", "a@x.c0m", "a@x.com\r\nBcc: c@y.com",
		"a@x.com\n", "\u212Aate@x.com", "kate@x.com", "\u0130@x.com", "ß@x.com", "a@bücher.example", "a@xn--bcher-kva.example",
		"!#$%&'*+/=?^_`{|}~-@x.com", strings.Repeat("a", 64) + "@x.com", strings.Repeat("a", 65) + "@x.com",
		"a@" + strings.Repeat("b", 63) + ".com", "a@" + strings.Repeat("b", 64) + ".com", "a@" + strings.Repeat("b.", 124) + "com",
		"\u00a0a@x.com\u3000", "a@x.com\x00", "", "@", "\xff@x.com",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := entitle.CheckPlainEmail(s)
		trimmed := strings.TrimSpace(s)
		plain := trimmed != "" && len(trimmed) <= entitle.MaxEmailLen && plainEmail.MatchString(trimmed) &&
			len(trimmed[:strings.IndexByte(trimmed, '@')]) <= 64 && !allDigits(trimmed[strings.LastIndexByte(trimmed, '.')+1:])
		if (err == nil) != plain {
			t.Fatalf("CheckPlainEmail(%q) = %v, but a plain address: %v", s, err, plain)
		}
		if err != nil && len(err.Error()) > maxMessage {
			t.Fatalf("message of %d bytes: %.80s…", len(err.Error()), err)
		}
		n := entitle.NormalizeEmail(s)
		if again := entitle.NormalizeEmail(n); again != n {
			t.Fatalf("NormalizeEmail(%q) = %q, and again %q", s, n, again)
		}
		if nerr := entitle.CheckPlainEmail(n); (err == nil) != (nerr == nil) {
			t.Fatalf("CheckPlainEmail(%q) = %v, but of its normal form %q: %v", s, err, n, nerr)
		}
		if err != nil {
			return
		}
		if n != strings.ToLower(trimmed) || !utf8.ValidString(n) {
			t.Fatalf("NormalizeEmail(%q) = %q", s, n)
		}
		a, perr := mail.ParseAddress(trimmed)
		if perr != nil || a.Name != "" || a.Address != trimmed {
			t.Fatalf("net/mail reads %q as %+v, %v", trimmed, a, perr)
		}
	})
}

func allDigits(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }
