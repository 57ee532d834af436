package auth

import (
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

func TestCheckPassword(t *testing.T) {
	for pw, ok := range map[string]bool{"short": false, "twelve chars": true, "Bob@Example.com": false, strings.Repeat("x", 2000): false} {
		if err := CheckPassword(pw, "bob@example.com"); (err == nil) != ok {
			t.Errorf("CheckPassword(%q) = %v, want ok=%v", pw, err, ok)
		}
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
