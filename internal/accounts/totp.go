package accounts

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"image/png"
	"strconv"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/entitle-portal/entitle/internal/auth"
)

// The pure parts of two-factor sign-in: TOTP codes (RFC 6238: HMAC-SHA1,
// 6 digits, 30-second steps, as every authenticator app reads them), the
// window a code is accepted in, recovery codes, and the sealing of a key
// at rest. No store and no clock of their own: the caller passes now.

// totpPeriod is the length of a TOTP time step.
const totpPeriod = 30 * time.Second

// totpSkew is how many steps before and after the current one a code is
// still accepted for: a phone's clock a little off, a code typed as it
// turned over (RFC 6238 §5.2 recommends at most one).
const totpSkew = 1

// RecoveryCodes is how many recovery codes a user gets.
const RecoveryCodes = 10

// totpStep is the time step now falls in.
func totpStep(now time.Time) int64 { return now.Unix() / int64(totpPeriod/time.Second) }

// totpCode is key's 6-digit code for step (key: base32, as in an otpauth
// URL).
func totpCode(key string, step int64) (string, error) {
	return totp.GenerateCodeCustom(key, time.Unix(step*int64(totpPeriod/time.Second), 0),
		totp.ValidateOpts{Period: uint(totpPeriod / time.Second), Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
}

// TOTPCode is key's code at t: what an authenticator app shows (tests and
// the demo compute codes with it).
func TOTPCode(key string, t time.Time) (string, error) { return totpCode(key, totpStep(t)) }

// matchTOTP returns the step within the window around now (the current
// step first, then the earlier, then the later) whose code code is, and
// whether there is one. Every step of the window is computed and compared
// in constant time, so the time taken does not say which matched.
func matchTOTP(key, code string, now time.Time) (int64, bool) {
	if !isTOTPCode(code) {
		return 0, false
	}
	cur := totpStep(now)
	var found int64
	ok := false
	for _, step := range []int64{cur, cur - totpSkew, cur + totpSkew} {
		want, err := totpCode(key, step)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && !ok {
			found, ok = step, true
		}
	}
	return found, ok
}

// normalizeCode is a code as typed, without spaces and hyphens, in lower
// case: "123 456" is 123456, "ABCDE-FGHJK" is abcdefghjk.
func normalizeCode(s string) string {
	return strings.ToLower(strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		return r
	}, strings.TrimSpace(s)))
}

// isTOTPCode reports whether s (normalized) has the shape of a TOTP code.
func isTOTPCode(s string) bool {
	if len(s) != 6 {
		return false
	}
	_, err := strconv.Atoi(s)
	return err == nil && !strings.ContainsAny(s, "+-")
}

// recoveryAlphabet has no 0/o, 1/l/i: a code read off paper is typed right.
const recoveryAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// newRecoveryCodes returns RecoveryCodes random codes "xxxxx-xxxxx" (10
// letters of 31: 49 bits each) and their stored hashes.
func newRecoveryCodes() (codes, hashes []string, err error) {
	for range RecoveryCodes {
		b := make([]byte, 10)
		for i := range b {
			var r [1]byte
			for { // rejection sampling: no bias towards the first letters
				if _, err := rand.Read(r[:]); err != nil {
					return nil, nil, err
				}
				if int(r[0]) < 256/len(recoveryAlphabet)*len(recoveryAlphabet) {
					break
				}
			}
			b[i] = recoveryAlphabet[int(r[0])%len(recoveryAlphabet)]
		}
		code := string(b[:5]) + "-" + string(b[5:])
		codes = append(codes, code)
		hashes = append(hashes, recoveryHash(normalizeCode(code)))
	}
	return codes, hashes, nil
}

// isRecoveryCode reports whether s (normalized) has the shape of a
// recovery code.
func isRecoveryCode(s string) bool {
	if len(s) != 10 {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune(recoveryAlphabet, r) {
			return false
		}
	}
	return true
}

// recoveryHash is the stored form of a normalized recovery code.
func recoveryHash(code string) string { return auth.HashToken("recovery:" + code) }

// newTOTPKey returns a new random key (160 bits, RFC 4226's recommended
// length), base32 without padding.
func newTOTPKey() (string, error) {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b), nil
}

// otpauthURL is the Key URI an authenticator app reads (from the QR code).
func otpauthURL(issuer, account, key string) (*otp.Key, error) {
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(key)
	if err != nil {
		return nil, err
	}
	return totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Secret: raw,
		Period: uint(totpPeriod / time.Second), Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
}

// qrPNG is the QR code of k as a PNG image.
func qrPNG(k *otp.Key) ([]byte, error) {
	img, err := k.Image(240, 240)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// seal encrypts key for the user with id (AES-256-GCM under secret, the
// user's id as associated data: a sealed key copied to another user's row
// does not open).
func seal(secret []byte, userID int64, key string) (string, error) {
	gcm, err := newGCM(secret)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := gcm.Seal(nonce, nonce, []byte(key), sealAD(userID))
	return "v1." + base64.RawStdEncoding.EncodeToString(out), nil
}

// unseal opens what seal sealed.
func unseal(secret []byte, userID int64, sealed string) (string, error) {
	gcm, err := newGCM(secret)
	if err != nil {
		return "", err
	}
	rest, ok := strings.CutPrefix(sealed, "v1.")
	if !ok {
		return "", errors.New("accounts: a sealed TOTP key of an unknown version")
	}
	b, err := base64.RawStdEncoding.DecodeString(rest)
	if err != nil || len(b) < gcm.NonceSize() {
		return "", errors.New("accounts: a sealed TOTP key that does not decode")
	}
	key, err := gcm.Open(nil, b[:gcm.NonceSize()], b[gcm.NonceSize():], sealAD(userID))
	if err != nil {
		return "", errors.New("accounts: a sealed TOTP key that does not open (another deployment's secret, or another user's row)")
	}
	return string(key), nil
}

func newGCM(secret []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(secret)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func sealAD(userID int64) []byte {
	return []byte("entitle totp key of user " + strconv.FormatInt(userID, 10))
}
