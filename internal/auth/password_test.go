package auth

import (
	"strconv"
	"strings"
	"testing"
)

func TestPasswordRoundTrip(t *testing.T) {
	h, err := HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q does not carry OWASP parameters", h)
	}
	if !VerifyPassword(h, "correct horse battery staple") {
		t.Error("the right password does not verify")
	}
	if VerifyPassword(h, "correct horse battery stapl") {
		t.Error("a wrong password verifies")
	}
	h2, _ := HashPassword("correct horse battery staple")
	if h == h2 {
		t.Error("two hashes of one password are equal: no salt")
	}
}

func TestVerifyRejectsMalformedHashes(t *testing.T) {
	for _, h := range []string{"", "plain", "$argon2id$v=19$m=0,t=2,p=1$c2FsdA$aGFzaA", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
		"$argon2id$v=19$m=19456,t=2,p=1$!!$aGFzaA", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$", "$argon2id$v=18$m=19456,t=2,p=1$c2FsdA$aGFzaA",
		"$argon2id$v=19$m=99999999,t=2,p=1$c2FsdA$aGFzaA"} {
		if VerifyPassword(h, "x") {
			t.Errorf("malformed hash %q verified", h)
		}
	}
}

func TestCheckNewPassword(t *testing.T) {
	owner := PasswordOwner{Email: "Kate.Smith@kesselbach.example", CompanyName: "Kesselbach Reseller GmbH", CompanyKey: "KESSELBACH-RES"}
	for _, c := range []struct {
		password string
		why      string // a word of the refusal; "" when accepted
	}{
		{"a long enough password", ""},
		{"correct horse battery staple", ""},
		{"Tr0ub4dor&3xyz", ""},
		{"xk3!vQ9#mZ2p", ""},
		{strings.Repeat("Zebra lantern quietly ", 47)[:1024], ""}, // the ceiling, exactly
		{"short", "at least 12 characters; this one has 5"},
		{"ääääääääääa", "at least 12 characters; this one has 11"}, // characters, not bytes
		{strings.Repeat("Zebra lantern quietly ", 47)[:1025], "at most 1024 bytes; this one has 1025"},
		{"pass\xffword valid", "valid UTF-8"},
		{"aaaaaaaaaaaa", "repeats"},
		{"hunter2hunter2", "repeats"},
		{"Password123!", "commonly used password"},
		{"P@ssw0rd2026!", "commonly used password"},
		{"qwertyuiop12", "commonly used password"},
		{"zxcvbnm,./asdfg", "neighbouring keys"},
		{"abcdefghijklmnop", "sequence"},
		{"kate.smith@kesselbach.example!", "email address"},
		{"my KATESMITH password", "name of your email address"},
		{"kesselbach reseller gmbh rocks", "company's name"},
		{"KesselBach-Res is the best", "company's key"},
		{"kesselbach2026!", "your email address, your company"},
	} {
		err := CheckNewPassword(c.password, owner)
		switch {
		case c.why == "" && err != nil:
			t.Errorf("%q refused: %v", clipped(c.password), err)
		case c.why != "" && err == nil:
			t.Errorf("%q accepted, want refused for %q", clipped(c.password), c.why)
		case c.why != "" && !strings.Contains(err.Error(), c.why):
			t.Errorf("%q refused with %q, want it to say %q", clipped(c.password), err, c.why)
		case err != nil && (err.Error()[0] < 'A' || err.Error()[0] > 'Z' || !strings.HasSuffix(err.Error(), ".")):
			t.Errorf("%q: the refusal %q is not a sentence", clipped(c.password), err)
		}
	}
	// The example: twelve of one letter.
	if CheckPassword("aaaaaaaaaaaa", "bob@example.com") == nil {
		t.Error("aaaaaaaaaaaa is accepted")
	}
}

func clipped(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

func BenchmarkCheckNewPassword(b *testing.B) {
	owner := PasswordOwner{Email: "kate@kesselbach.example", CompanyName: "Kesselbach Reseller GmbH"}
	for _, n := range []int{12, 100, 1024} {
		pw := strings.Repeat("Zebra lantern quietly ", 47)[:n]
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				_ = CheckNewPassword(pw, owner)
			}
		})
	}
}

func TestTokens(t *testing.T) {
	a, ha, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	b, _, _ := NewToken()
	if a == b || !strings.HasPrefix(a, TokenPrefix) || len(a) < len(TokenPrefix)+40 {
		t.Errorf("tokens %q, %q: not random or too short", a, b)
	}
	if HashToken(a) != ha || strings.Contains(ha, a) || len(ha) != 64 {
		t.Errorf("hash %q of %q", ha, a)
	}
}
