package webhooks_test

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/entitle-portal/entitle/internal/webhooks"
)

// FuzzSignature: Verify accepts what Sign made, at the time it was made
// and within the tolerance, and refuses the same header for any other
// body, another secret, or a time outside the tolerance. A header the
// fuzzer writes — with the genuine signature and timestamp to hand, as an
// attacker who captured a delivery has them ("{sig}", "{t}") — verifies
// only for exactly the signed body and exactly the signed timestamp.
// .ci/fuzz-targets lists every fuzz target.
func FuzzSignature(f *testing.F) {
	for _, s := range []struct {
		body, other, header string
	}{
		{vectorBody, vectorBody + "\n", "t={t},v1={sig}"},
		{vectorBody, strings.Replace(vectorBody, `"webhook":1`, `"webhook":2`, 1), "v1={sig},t={t}"},
		{"", "\x00", " t={t} , v1={sig} "},
		{"{}", "{} ", "t={t},v1={SIG}"},
		{"x", "x", "t={t},v1={sig},t={t}"},
		{"x", "X", "t=+{t},v1={sig}"},
		{"x", "x", "t=0{t},v1={sig}"},
		{"x", "x", "t={t}.,v1={sig}"},
		{"x", "x", "t={t};v1={sig}"},
		{"x", "x", "t={t},v1={sig}00"},
		{"x", "x", "t={t},v1=" + strings.Repeat("0", 64) + ",v1={sig}"},
		{"x", "x", "T={t},V1={sig}"},
		{"x", "x", "t={t}\n,v1={sig}"},
	} {
		f.Add(vectorSecret, vectorTime.Unix(), []byte(s.body), []byte(s.other), s.header, int64(0))
	}
	f.Add("", int64(0), []byte{}, []byte{}, "t={t},v1={sig}", int64(300))
	f.Add("k", int64(-1), []byte("a"), []byte("a"), "t={t},v1={sig}", int64(301))
	f.Add("k", int64(1<<62), []byte("a"), []byte("a"), "t={t},v1={sig}", int64(-1<<62))
	f.Fuzz(func(t *testing.T, secret string, sec int64, body, other []byte, header string, skew int64) {
		tol := webhooks.DefaultTolerance
		at := time.Unix(sec, 0)
		signed := webhooks.Sign(secret, at, body)
		if err := webhooks.Verify(secret, signed, body, at, tol); err != nil {
			t.Fatalf("%s does not verify: %v", signed, err)
		}
		if !bytes.Equal(other, body) {
			if err := webhooks.Verify(secret, signed, other, at, tol); !errors.Is(err, webhooks.ErrBadSignature) {
				t.Fatalf("the signature of %q verifies %q: %v", body, other, err)
			}
		}
		if err := webhooks.Verify(secret+"x", signed, body, at, tol); !errors.Is(err, webhooks.ErrBadSignature) {
			t.Fatalf("verifies under another secret: %v", err)
		}
		// The clock of the receiver, skew seconds off (within what a
		// Duration holds): within the tolerance or not.
		skew %= 1 << 32
		if sec > -1<<50 && sec < 1<<50 {
			if err := webhooks.Verify(secret, signed, body, at.Add(time.Duration(skew)*time.Second), tol); (err == nil) != (max(skew, -skew) <= int64(tol/time.Second)) {
				t.Fatalf("skew of %d s: %v", skew, err)
			}
		}
		ts, sig, _ := strings.Cut(strings.TrimPrefix(signed, "t="), ",v1=")
		forged := strings.NewReplacer("{t}", ts, "{sig}", sig, "{SIG}", strings.ToUpper(sig)).Replace(header)
		if webhooks.Verify(secret, forged, other, at, tol) != nil {
			return
		}
		if !bytes.Equal(other, body) {
			t.Fatalf("%q verifies body %q; %q was signed", forged, other, body)
		}
		var stamps []string
		for part := range strings.SplitSeq(forged, ",") {
			if k, v, ok := strings.Cut(strings.TrimSpace(part), "="); ok && k == "t" {
				stamps = append(stamps, v)
			}
		}
		if len(stamps) != 1 || stamps[0] != ts {
			t.Fatalf("%q verifies with timestamps %q; %s was signed", forged, stamps, ts)
		}
		if n, err := strconv.ParseInt(stamps[0], 10, 64); err != nil || n != sec {
			t.Fatalf("%q verifies with timestamp %q", forged, stamps[0])
		}
	})
}
