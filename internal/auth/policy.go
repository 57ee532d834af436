package auth

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn"
	"github.com/trustelem/zxcvbn/match"
)

// The password policy, after NIST SP 800-63B §5.1.1.2: a length floor and a
// generous ceiling, no composition rules, and a check against what an
// attacker tries first — common passwords, dictionary words, keyboard walks,
// repeats and sequences, dates, and the user's own email address and
// company. The last is estimated by zxcvbn (Dropbox's estimator, ported to
// Go): a password it scores below [MinPasswordScore] is refused, and the
// refusal says in words what made it guessable.

// MinPasswordLen is the fewest characters a password may have.
const MinPasswordLen = 12

// MaxPasswordBytes is the most bytes a password may have.
const MaxPasswordBytes = 1024

// MinPasswordScore is the least zxcvbn score accepted: 3 is "safely
// unguessable" (about 10⁸ guesses or more), what zxcvbn's authors advise
// as the floor for an account that protects something of value.
const MinPasswordScore = 3

// estimateRunes is how much of a password zxcvbn weighs: its cost grows
// with the square of the length. A password whose first estimateRunes
// characters are strong is strong; one whose start is weak is refused —
// the cautious side.
const estimateRunes = 100

// WeakPassword is a refused password: a sentence for the person choosing
// it, which says why (it is shown as it is, so it is capitalised and ends
// with a full stop, unlike Go's other error strings).
type WeakPassword string

func (w WeakPassword) Error() string { return string(w) }

func weak(format string, args ...any) error { return WeakPassword(fmt.Sprintf(format, args...)) }

// PasswordOwner is whose password is being set: what it must not contain.
type PasswordOwner struct {
	Email       string
	CompanyName string
	CompanyKey  string
}

// CheckNewPassword says what is wrong with password as owner's new password,
// in a sentence for the person choosing it; nil when nothing is.
func CheckNewPassword(password string, owner PasswordOwner) error {
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLen:
		return weak("The password must have at least %d characters; this one has %d.", MinPasswordLen, n)
	case len(password) > MaxPasswordBytes:
		return weak("The password must have at most %d bytes; this one has %d.", MaxPasswordBytes, len(password))
	case !utf8.ValidString(password):
		return weak("The password must be text (valid UTF-8).")
	}
	folded := fold(password)
	email := fold(owner.Email)
	local, domain, _ := strings.Cut(email, "@")
	for _, c := range []struct{ part, why string }{
		{email, "your email address"},
		{local, "the name of your email address"},
		{fold(owner.CompanyName), "your company's name"},
		{fold(owner.CompanyKey), "your company's key"},
	} {
		if len(c.part) >= 4 && strings.Contains(folded, c.part) {
			return weak("The password must not contain %s.", c.why)
		}
	}
	weighed := password
	if n > estimateRunes {
		weighed = string([]rune(password)[:estimateRunes])
	}
	inputs := []string{owner.Email, local, domain, owner.CompanyName, owner.CompanyKey, "entitle", "portal", "password"}
	inputs = append(inputs, strings.Fields(owner.CompanyName)...)
	r := zxcvbn.PasswordStrength(weighed, inputs)
	if r.Score >= MinPasswordScore {
		return nil
	}
	return weak("The password is too easy to guess: %s. Longer is stronger: a few unrelated words make a good password.", weakness(r.Sequence))
}

// CheckPassword is CheckNewPassword for a user known only by email.
func CheckPassword(password, email string) error {
	return CheckNewPassword(password, PasswordOwner{Email: email})
}

// fold is s as compared for containment: lower case, without spaces,
// hyphens, dots and underscores ("Kessel-Bach GmbH" is in "kesselbachgmbh2026!").
func fold(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '-' || r == '_' || r == '.' {
			return -1
		}
		return unicode.ToLower(r)
	}, s)
}

// weakness names, in words, the guessable part that weighs most in the
// estimate: the longest match that is not a run of random characters.
func weakness(seq []*match.Match) string {
	var worst *match.Match
	for _, m := range seq {
		if m.Pattern == "bruteforce" {
			continue
		}
		if worst == nil || m.J-m.I > worst.J-worst.I {
			worst = m
		}
	}
	if worst == nil {
		return "it is short for the characters it uses"
	}
	switch worst.Pattern {
	case "dictionary":
		switch worst.DictionaryName {
		case "passwords":
			return "it is, or is built on, a commonly used password"
		case "user_inputs":
			return "it is built on your email address, your company or the portal's name"
		case "english_wikipedia", "us_tv_and_film":
			return "it is built on common words or names"
		case "surnames", "male_names", "female_names":
			return "it is built on a common name"
		}
		return "it is built on a common word"
	case "spatial":
		return "it is a pattern of neighbouring keys (like qwerty)"
	case "repeat":
		return "it repeats characters or a group of characters"
	case "sequence":
		return "it is a sequence (like abcd or 1234)"
	case "date":
		return "it is built on a date"
	case "regex":
		return "it is built on a recent year"
	}
	return "it follows a common pattern"
}
