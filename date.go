package entitle

import (
	"fmt"
	"time"
)

// Date is a calendar date without time or zone (entitlement start and end
// dates are inclusive calendar dates). The zero Date is "no date".
type Date struct {
	t time.Time // midnight UTC; zero for no date
}

// DateLayout is the only textual form of a Date: ISO 8601, e.g. 2026-01-31.
const DateLayout = time.DateOnly

// ParseDate parses YYYY-MM-DD strictly. 0001-01-01 is refused: it is the
// zero time, which a Date holds for "no date".
func ParseDate(s string) (Date, error) {
	if d, ok := parseISODate(s); ok {
		return d, nil
	}
	t, err := time.Parse(DateLayout, s)
	if err != nil || len(s) != len(DateLayout) || t.IsZero() {
		return Date{}, fmt.Errorf("%q is not a date (want YYYY-MM-DD)", clip(s))
	}
	return Date{t: t}, nil
}

// parseISODate is ParseDate's fast path (dates are read for every row of a
// list): YYYY-MM-DD with a month and a day that exist; anything else, ok
// false, is left to time.Parse, which says what is wrong.
func parseISODate(s string) (Date, bool) {
	if len(s) != len(DateLayout) || s[4] != '-' || s[7] != '-' {
		return Date{}, false
	}
	num := func(b string) (int, bool) {
		n := 0
		for i := 0; i < len(b); i++ {
			c := b[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	y, ok1 := num(s[:4])
	m, ok2 := num(s[5:7])
	d, ok3 := num(s[8:])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 {
		return Date{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d || t.IsZero() { // 31 April rolls over into May
		return Date{}, false
	}
	return Date{t: t}, true
}

// MustDate is ParseDate for constants in code and tests; it panics on a bad date.
func MustDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// DateOf returns the UTC calendar date of t.
func DateOf(t time.Time) Date {
	y, m, d := t.UTC().Date()
	return Date{t: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// IsZero reports whether d is "no date".
func (d Date) IsZero() bool { return d.t.IsZero() }

func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.t.Format(DateLayout)
}

// Before reports whether d is strictly before e.
func (d Date) Before(e Date) bool { return d.t.Before(e.t) }

// After reports whether d is strictly after e.
func (d Date) After(e Date) bool { return d.t.After(e.t) }

// AddDays returns d moved by n days.
func (d Date) AddDays(n int) Date { return Date{t: d.t.AddDate(0, 0, n)} }

// DaysUntil returns the number of days from d to e (negative when e is earlier).
func (d Date) DaysUntil(e Date) int { return int(e.t.Sub(d.t).Hours() / 24) }

// Time returns midnight UTC of d.
func (d Date) Time() time.Time { return d.t }

func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

func (d *Date) UnmarshalText(b []byte) error {
	p, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}
