package ratelimit

import (
	"strings"
	"testing"
	"time"
)

// FuzzParse: a limit that parses has a count of at least 0 and, unless it
// is off, a period from 1s to MaxPer; String writes it as text that parses
// back to the same limit (any limit that is off, as "off"), and that text
// is canonical: written again, it is the same. .ci/fuzz-targets lists
// every fuzz target.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"10/15m", "20/1h", "20/h", "5/m", "7/s", "3/24h", "2/90m", "4/1h30m", " 10/15m\t", "off", "0", "0/1h", "OFF", "",
		"10", "x/1h", "-1/1h", "+1/1h", "1.5/1h", "/1h", "10/0s", "10/25h", "10/24h0m1s", "10/500ms", "10/1.5s", "10/999ms",
		"10/", "10/1d", "10/-1h", "10/h/2", "10/1h0m0.5s", "9223372036854775807/1h", "99999999999999999999/1h", "1/86400s",
		"1/1µs", "1/1e3s", "1/ 1h", "1 /1h", "０/1h",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := Parse(s)
		if err != nil {
			if l != (Limit{}) {
				t.Fatalf("Parse(%q) = %+v with %v", s, l, err)
			}
			return
		}
		if l.N < 0 || !l.Off() && (l.Per < time.Second || l.Per > MaxPer) {
			t.Fatalf("Parse(%q) = %+v", s, l)
		}
		text := l.String()
		back, err := Parse(text)
		if err != nil || back != l && !(back.Off() && l.Off()) {
			t.Fatalf("Parse(%q) = %+v, written %q, which parses to %+v, %v", s, l, text, back, err)
		}
		if again := back.String(); again != text {
			t.Fatalf("%q is written %q, then %q", s, text, again)
		}
		if l.Off() != (text == "off") || strings.ContainsAny(text, " \t") {
			t.Fatalf("Parse(%q) = %+v, written %q", s, l, text)
		}
	})
}
