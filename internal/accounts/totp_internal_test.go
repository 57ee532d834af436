package accounts

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// RFC 6238 appendix B: the SHA-1 test vectors (8 digits there; the last
// six digits are the 6-digit code of the same step).
func TestTOTPCodeRFC6238(t *testing.T) {
	key := "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" // "12345678901234567890"
	for _, tc := range []struct {
		unix int64
		want string
	}{{59, "287082"}, {1111111109, "081804"}, {1111111111, "050471"}, {1234567890, "005924"}, {2000000000, "279037"}, {20000000000, "353130"}} {
		got, err := TOTPCode(key, time.Unix(tc.unix, 0))
		if err != nil || got != tc.want {
			t.Errorf("T=%d: %q %v, want %q", tc.unix, got, err, tc.want)
		}
	}
}

// TestMatchTOTP: a code is accepted in its own step and the steps on
// either side, and names the step it was made for; not two steps away.
func TestMatchTOTP(t *testing.T) {
	key, err := newTOTPKey()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 6, 15, 10, 0, 10, 0, time.UTC)
	cur := totpStep(now)
	for _, tc := range []struct {
		step int64
		ok   bool
	}{{cur, true}, {cur - 1, true}, {cur + 1, true}, {cur - 2, false}, {cur + 2, false}, {cur - 100, false}} {
		code, err := totpCode(key, tc.step)
		if err != nil {
			t.Fatal(err)
		}
		step, ok := matchTOTP(key, code, now)
		if ok != tc.ok || (ok && step != tc.step) {
			// Two steps may share a code by chance (one in a million).
			if c2, _ := totpCode(key, cur); c2 == code && !tc.ok {
				continue
			}
			t.Errorf("code of step %+d: matched %v at %d", tc.step-cur, ok, step-cur)
		}
	}
	for _, bad := range []string{"", "12345", "1234567", "abcdef", "+12345", "-12345", " 123456"} {
		if _, ok := matchTOTP(key, bad, now); ok {
			t.Errorf("%q matched", bad)
		}
	}
}

func TestRecoveryCodes(t *testing.T) {
	codes, hashes, err := newRecoveryCodes()
	if err != nil {
		t.Fatal(err)
	}
	if len(codes) != RecoveryCodes || len(hashes) != RecoveryCodes {
		t.Fatalf("%d codes, %d hashes", len(codes), len(hashes))
	}
	seen := map[string]bool{}
	for i, c := range codes {
		n := normalizeCode(c)
		if len(c) != 11 || c[5] != '-' || !isRecoveryCode(n) || isTOTPCode(n) || seen[n] {
			t.Errorf("code %q", c)
		}
		seen[n] = true
		if recoveryHash(normalizeCode(strings.ToUpper(c))) != hashes[i] || recoveryHash(normalizeCode(" "+c[:5]+" "+c[6:])) != hashes[i] {
			t.Errorf("code %q is not read back as typed differently", c)
		}
		if slices.Contains(hashes, c) {
			t.Errorf("a code is stored in the clear")
		}
	}
}

func TestSeal(t *testing.T) {
	secret := make([]byte, 32)
	secret[0] = 1
	sealed, err := seal(secret, 7, "JBSWY3DPEHPK3PXP")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, "JBSWY3DPEHPK3PXP") {
		t.Fatal("sealed in the clear")
	}
	if key, err := unseal(secret, 7, sealed); err != nil || key != "JBSWY3DPEHPK3PXP" {
		t.Errorf("unseal: %q %v", key, err)
	}
	if _, err := unseal(secret, 8, sealed); err == nil {
		t.Error("another user's row opened")
	}
	other := make([]byte, 32)
	if _, err := unseal(other, 7, sealed); err == nil {
		t.Error("another secret opened it")
	}
	for _, bad := range []string{"", "v1.", "v1.!!", "v2." + sealed[3:], sealed[:len(sealed)-2]} {
		if _, err := unseal(secret, 7, bad); err == nil {
			t.Errorf("%q opened", bad)
		}
	}
}
