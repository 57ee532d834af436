package webhooks_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/entitle-portal/entitle/internal/webhooks"
)

// The test vector of the README, computed independently (Python's hmac):
// a receiver's implementation can check itself against it.
const (
	vectorSecret = "whsec_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	vectorBody   = `{"id":"whd_0","type":"ping","created_at":"2026-06-01T12:00:00Z","data":{"webhook":1}}`
	vectorHeader = "t=1780315200,v1=aa05c96474512d823626ffc291455e85f0ef20b9222e906f4c7ff3202ad891ab"
)

var vectorTime = time.Unix(1780315200, 0)

// TestSignature: Verify accepts what Sign made, within the tolerance, and
// nothing else: a tampered body, another secret, an old (replayed) or
// future timestamp, a malformed header.
func TestSignature(t *testing.T) {
	if got := webhooks.Sign(vectorSecret, vectorTime, []byte(vectorBody)); got != vectorHeader {
		t.Fatalf("Sign = %s, want %s", got, vectorHeader)
	}
	body := []byte(vectorBody)
	tol := webhooks.DefaultTolerance
	for _, tc := range []struct {
		name   string
		secret string
		header string
		body   string
		now    time.Time
		want   error
	}{
		{"as signed", vectorSecret, vectorHeader, vectorBody, vectorTime, nil},
		{"a little later", vectorSecret, vectorHeader, vectorBody, vectorTime.Add(tol), nil},
		{"clocks apart", vectorSecret, vectorHeader, vectorBody, vectorTime.Add(-tol), nil},
		{"spaces and unknown keys", vectorSecret, "t=1780315200, v0=abc, v1=" + strings.TrimPrefix(vectorHeader, "t=1780315200,v1="), vectorBody, vectorTime, nil},
		{"a second v1 (rotation)", vectorSecret, vectorHeader[:16] + strings.Repeat("0", 64) + "," + vectorHeader[13:], vectorBody, vectorTime, nil},
		{"tampered body", vectorSecret, vectorHeader, strings.Replace(vectorBody, `"webhook":1`, `"webhook":2`, 1), vectorTime, webhooks.ErrBadSignature},
		{"body with a trailing newline", vectorSecret, vectorHeader, vectorBody + "\n", vectorTime, webhooks.ErrBadSignature},
		{"another secret", vectorSecret + "0", vectorHeader, vectorBody, vectorTime, webhooks.ErrBadSignature},
		{"another timestamp", vectorSecret, "t=1780315201" + vectorHeader[12:], vectorBody, vectorTime, webhooks.ErrBadSignature},
		{"replayed later", vectorSecret, vectorHeader, vectorBody, vectorTime.Add(tol + time.Second), webhooks.ErrTimestamp},
		{"from the future", vectorSecret, vectorHeader, vectorBody, vectorTime.Add(-tol - time.Second), webhooks.ErrTimestamp},
		{"no header", vectorSecret, "", vectorBody, vectorTime, webhooks.ErrNoSignature},
		{"no timestamp", vectorSecret, vectorHeader[13:], vectorBody, vectorTime, webhooks.ErrNoSignature},
		{"two timestamps", vectorSecret, "t=1," + vectorHeader, vectorBody, vectorTime, webhooks.ErrNoSignature},
		{"no v1", vectorSecret, "t=1780315200", vectorBody, vectorTime, webhooks.ErrNoSignature},
		{"v1 not hex", vectorSecret, "t=1780315200,v1=zz", vectorBody, vectorTime, webhooks.ErrNoSignature},
	} {
		if err := webhooks.Verify(tc.secret, tc.header, []byte(tc.body), tc.now, tol); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	// A fresh signature of the same body at another time verifies then.
	later := vectorTime.Add(time.Hour)
	if err := webhooks.Verify(vectorSecret, webhooks.Sign(vectorSecret, later, body), body, later, tol); err != nil {
		t.Error(err)
	}
}

// TestCheckURL: https anywhere, http only on the machine itself or when
// allowed; no credentials, fragments or relative URLs.
func TestCheckURL(t *testing.T) {
	for _, tc := range []struct {
		url   string
		allow bool
		ok    bool
	}{
		{"https://hooks.example.com/entitle?x=1", false, true},
		{"http://localhost:9000/h", false, true},
		{"http://127.0.0.1:9000/h", false, true},
		{"http://[::1]:9000/h", false, true},
		{"http://hooks.example.com/h", false, false},
		{"http://hooks.example.com/h", true, true},
		{"ftp://hooks.example.com/h", true, false},
		{"https://user:pw@hooks.example.com/h", false, false},
		{"https://hooks.example.com/h#x", false, false},
		{"/relative", false, false},
		{"https:///nohost", false, false},
		{"", false, false},
		{"https://" + strings.Repeat("a", webhooks.MaxURL), false, false},
	} {
		_, err := webhooks.CheckURL(tc.url, tc.allow)
		if (err == nil) != tc.ok {
			t.Errorf("CheckURL(%q, %v): %v", tc.url, tc.allow, err)
		}
	}
	for _, tc := range []struct {
		in   string
		want []string
		ok   bool
	}{
		{"all", nil, true},
		{"", nil, true},
		{"renewal.requested, delegation.granted,renewal.requested", []string{"delegation.granted", "renewal.requested"}, true},
		{"renewal.requested,bogus", nil, false},
		{"ping", nil, false},
		{",", nil, false},
	} {
		got, err := webhooks.ParseEvents(tc.in)
		if (err == nil) != tc.ok || strings.Join(got, " ") != strings.Join(tc.want, " ") || (tc.ok && (got == nil) != (tc.want == nil)) {
			t.Errorf("ParseEvents(%q) = %q, %v", tc.in, got, err)
		}
	}
}
