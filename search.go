package entitle

import (
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
	OwnerBases []Basis
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
