package entitle

import (
	"fmt"
	"strings"
)

// MaxEmailLen is the longest address accepted (RFC 5321's path limit).
const MaxEmailLen = 254

// CheckPlainEmail reports whether s (after trimming) is a plain
// local@domain address: no display name, comment, quoted local part,
// IP-literal domain or trailing dot; one address only; a domain of valid
// labels with at least one dot. net/mail.ParseAddress alone accepts
// "Bob <bob@x.com>"; this does not.
func CheckPlainEmail(s string) error {
	s = strings.TrimSpace(s)
	bad := func(why string) error { return fmt.Errorf("%q is not a plain email address: %s", clip(s), why) }
	switch {
	case s == "":
		return fmt.Errorf("an email address is required")
	case len(s) > MaxEmailLen:
		return bad("longer than 254 bytes")
	case strings.ContainsAny(s, "\r\n"):
		return bad("line breaks")
	case strings.Count(s, "@") != 1:
		return bad("it must have exactly one @")
	}
	local, domain, _ := strings.Cut(s, "@")
	if local == "" || len(local) > 64 {
		return bad("the part before @ must have 1 to 64 characters")
	}
	if strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
		return bad("misplaced dot before @")
	}
	for _, r := range local {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".!#$%&'*+/=?^_`{|}~-", r)) {
			return bad(fmt.Sprintf("%q is not allowed before @", r))
		}
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return bad("the domain needs a dot, as in example.com")
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return bad("the domain has an empty or malformed label")
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return bad(fmt.Sprintf("%q is not allowed in a domain", r))
			}
		}
	}
	if tld := labels[len(labels)-1]; strings.Trim(tld, "0123456789") == "" {
		return bad("the domain cannot be a number or an IP address")
	}
	return nil
}
