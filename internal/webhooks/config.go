package webhooks

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/entitle-portal/entitle"
)

// EventTypes lists the event types an endpoint may subscribe to.
var EventTypes = entitle.EventTypes

// ParseEvents reads an endpoint's subscription: "all" (or "") for every
// event type, else a comma-separated list of types. It returns nil for all,
// else the types sorted and without repeats.
func ParseEvents(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "all" {
		return nil, nil
	}
	var out []string
	var bad []string
	for _, t := range strings.Split(s, ",") {
		t = strings.TrimSpace(t)
		switch {
		case t == "":
		case slices.Contains(EventTypes, t):
			out = append(out, t)
		default:
			bad = append(bad, fmt.Sprintf("%q", t))
		}
	}
	if len(bad) > 0 {
		return nil, entitle.Errorf(entitle.CodeInvalid, "unknown event type %s: the types are %s, or all", strings.Join(bad, ", "), strings.Join(EventTypes, ", "))
	}
	if len(out) == 0 {
		return nil, entitle.Errorf(entitle.CodeInvalid, "no event type given: name some of %s, or all", strings.Join(EventTypes, ", "))
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// MaxURL bounds an endpoint's URL.
const MaxURL = 2000

// CheckURL validates an endpoint's URL and returns it in its canonical
// form: an absolute https URL with a host, without credentials or fragment.
// Plain http is accepted for localhost, 127.0.0.1 and ::1 (a receiver on
// the same machine, tests), and anywhere with allowHTTP — deliveries then
// cross the network unencrypted, though still signed.
func CheckURL(raw string, allowHTTP bool) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", entitle.Errorf(entitle.CodeInvalid, "url: required: where to POST the deliveries, e.g. https://hooks.example.com/entitle")
	}
	if len(raw) > MaxURL {
		return "", entitle.Errorf(entitle.CodeInvalid, "url: at most %d characters", MaxURL)
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "", entitle.Errorf(entitle.CodeInvalid, "url: %q is not a URL", raw)
	case u.Scheme != "https" && u.Scheme != "http":
		return "", entitle.Errorf(entitle.CodeInvalid, "url: must start with https://, not %q", raw)
	case u.Host == "" || u.Hostname() == "" || u.Opaque != "":
		return "", entitle.Errorf(entitle.CodeInvalid, "url: %q names no host", raw)
	case u.User != nil:
		return "", entitle.Errorf(entitle.CodeInvalid, "url: must not carry credentials: the signature authenticates the deliveries")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return "", entitle.Errorf(entitle.CodeInvalid, "url: must not have a fragment (#…)")
	}
	if u.Scheme == "http" && !allowHTTP && !isLoopback(u.Hostname()) {
		return "", entitle.Errorf(entitle.CodeInvalid, "url: must use https (plain http only for localhost, or with --allow-http)")
	}
	return u.String(), nil
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

// NewSecret draws an endpoint's signing secret: "whsec_" and 256 random
// bits in hexadecimal.
func NewSecret() (string, error) {
	return randomID("whsec_", 32)
}

// newPublicID draws the id a receiver sees for a delivery (the payload's id
// and the Entitle-Delivery header). It is random, not the row's sequence
// number: a sequence would tell each company how much happened elsewhere
// between two of its deliveries (R7).
func newPublicID() (string, error) {
	return randomID("whd_", 12)
}

func randomID(prefix string, n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return prefix + hex.EncodeToString(b), nil
}
