package entitle

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Search is a list's text search (the q parameter): the entitlements whose
// subscription ID, SKU or PO number contain Text, letters A–Z in either case
// — and, on the rows whose owner & location the caller may see (R4), the
// owner's name or the installation site's name or address. Other letters
// match as typed.
type Search struct {
	Text string
	// OwnerBases are the bases on which a row's owner name and site may be
	// matched, from the policy (policy.SearchBases): the store narrows by
	// them, the gate checks every row again.
	OwnerBases BasisSet
}

// BasisSet is a set of bases (a comparable value, so that a ListFilter
// stays one).
type BasisSet uint16

// BasisSetOf is the set of bs.
func BasisSetOf(bs ...Basis) BasisSet {
	var s BasisSet
	for _, b := range bs {
		if i := slices.Index(Bases, b); i >= 0 {
			s |= 1 << i
		}
	}
	return s
}

// Has reports whether b is in s.
func (s BasisSet) Has(b Basis) bool {
	i := slices.Index(Bases, b)
	return i >= 0 && s&(1<<i) != 0
}

// List is s's bases, in the order of Bases.
func (s BasisSet) List() []Basis {
	var out []Basis
	for _, b := range Bases {
		if s.Has(b) {
			out = append(out, b)
		}
	}
	return out
}

// MaxSearch bounds a search's length, in characters.
const MaxSearch = 100

// Validate says what is wrong with s's text, as the problems of field q.
func (s Search) Validate() error {
	var ps Problems
	switch {
	case !utf8.ValidString(s.Text):
		ps.Add("q", "is not UTF-8 text")
	case utf8.RuneCountInString(s.Text) > MaxSearch:
		ps.Add("q", "must be at most %d characters, not %d", MaxSearch, utf8.RuneCountInString(s.Text))
	case strings.ContainsFunc(s.Text, unicode.IsControl):
		ps.Add("q", "must not contain control characters")
	}
	return ps.Err()
}

// FoldSearch returns s with the letters A–Z in lower case, the folding a
// search compares by (the same in Go and in both SQL dialects' lower()
// for these letters).
func FoldSearch(s string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

// SearchMatches reports whether field contains text (already folded by
// FoldSearch), letters A–Z in either case.
func SearchMatches(field, folded string) bool {
	return folded != "" && strings.Contains(FoldSearch(field), folded)
}
