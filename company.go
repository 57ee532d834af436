package entitle

import (
	"regexp"
	"strings"
)

// Kind is what a company is in the channel. It is informational only: it
// grants nothing (SPEC §1: access follows roles on the PO, not kinds).
type Kind string

const (
	KindVendor      Kind = "vendor"
	KindDistributor Kind = "distributor"
	KindReseller    Kind = "reseller"
	KindCustomer    Kind = "customer"
	KindMSP         Kind = "msp"
)

// Kinds lists every valid Kind.
var Kinds = []Kind{KindVendor, KindDistributor, KindReseller, KindCustomer, KindMSP}

func (k Kind) Valid() bool {
	for _, v := range Kinds {
		if k == v {
			return true
		}
	}
	return false
}

// Company is a company of the channel, known by a stable external key (the
// vendor's account number, e.g. ACME-DIST).
type Company struct {
	Key  string `json:"key"`
	Name string `json:"name"`
	Kind Kind   `json:"kind"`
}

// MaxNameLen bounds free-text names and addresses.
const MaxNameLen = 200

var keyRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// clip shortens a value quoted in a message, so that a hostile input cannot
// make a message as large as itself.
func clip(s string) string {
	const max = 70
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && s[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
		cut--
	}
	return s[:cut] + "…"
}

// ValidKey reports whether s is a valid key, SKU or identifier:
// 1–64 of A-Z a-z 0-9 . _ -
func ValidKey(s string) bool { return keyRE.MatchString(s) }

// checkKey adds a problem to ps when s is not a valid key.
func checkKey(ps *Problems, field, s string) {
	switch {
	case s == "":
		ps.Add(field, "required")
	case len(s) > 64:
		ps.Add(field, "too long (%d characters, at most 64)", len(s))
	case !ValidKey(s):
		ps.Add(field, "%q may contain only A-Z a-z 0-9 . _ -", clip(s))
	}
}

func checkText(ps *Problems, field, s string, required bool) {
	switch {
	case required && strings.TrimSpace(s) == "":
		ps.Add(field, "required")
	case len(s) > MaxNameLen:
		ps.Add(field, "too long (%d characters, at most %d)", len(s), MaxNameLen)
	case strings.ContainsAny(s, "\x00\r\n"):
		ps.Add(field, "must be a single line of text")
	}
}

// Validate checks the company's own fields.
func (c Company) Validate() error {
	var ps Problems
	checkKey(&ps, "key", c.Key)
	checkText(&ps, "name", c.Name, true)
	if !c.Kind.Valid() {
		ps.Add("kind", "%q is not one of vendor, distributor, reseller, customer, msp", clip(string(c.Kind)))
	}
	return ps.Err()
}

// CompanySummary is a company as the vendor's directory shows it: its
// profile and how many users it has.
type CompanySummary struct {
	Profile
	Users  int // every user, disabled ones included
	Active int // active users
	Admins int // active administrators
}
