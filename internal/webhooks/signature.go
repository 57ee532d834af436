package webhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader is the header that carries a delivery's signature.
const SignatureHeader = "Entitle-Signature"

// DefaultTolerance is how old (or how far in the future) a signature's
// timestamp Verify's callers should accept: five minutes.
const DefaultTolerance = 5 * time.Minute

// Sign returns the Entitle-Signature header of body sent at t with secret:
// "t=UNIX,v1=HEX", where UNIX is t in whole seconds since the Unix epoch and
// HEX the lower-case hexadecimal HMAC-SHA256, keyed with the secret exactly
// as printed by `entitle webhook add` (its ASCII bytes), of UNIX, ".", and
// the body's bytes exactly as received.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Errors of Verify.
var (
	ErrNoSignature  = errors.New("no valid Entitle-Signature header")
	ErrBadSignature = errors.New("the signature does not match the body")
	ErrTimestamp    = errors.New("the signature's timestamp is outside the tolerance: a replay, or a clock far off")
)

// Verify checks header (an Entitle-Signature value) against body, as a
// receiver must before trusting a delivery: the HMAC of "t.body" under
// secret must equal one of the header's v1 values (compared in constant
// time), and t must be within tolerance of now, either way, so that a
// captured delivery cannot be replayed later. Unknown keys in the header
// are ignored (room for future schemes).
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "t":
			if ts != "" {
				return ErrNoSignature
			}
			ts = v
		case "v1":
			if b, err := hex.DecodeString(v); err == nil && len(b) == sha256.Size {
				sigs = append(sigs, b)
			}
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return ErrNoSignature
	}
	want := mac(secret, ts, body)
	match := false
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			match = true
		}
	}
	if !match {
		return ErrBadSignature
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return ErrTimestamp
	}
	return nil
}
