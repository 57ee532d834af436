package web

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/entitle-portal/entitle"
)

// TestEveryCodeHasOneStatus: every error code the root package declares is
// answered with its own status, a 4xx for what the user did (or 5xx for
// internal and unavailable, and HTTP's 501 and 505); a code the HTTP layer does not know is an
// internal error (500), never the user's fault.
func TestEveryCodeHasOneStatus(t *testing.T) {
	s := &Server{cfg: Config{Logger: slog.New(slog.DiscardHandler)}}
	r := httptest.NewRequest(http.MethodGet, "/api/v1/me", nil)
	for _, code := range entitle.Codes {
		want, ok := statusOf[code]
		if !ok {
			t.Errorf("code %q has no HTTP status", code)
			continue
		}
		status, body := s.describe(r, entitle.Errorf(code, "x"))
		if status != want || body.Error.Code != code {
			t.Errorf("%s: %d %s", code, status, body.Error.Code)
		}
		// HTTP's own 5xx for a request the server does not support.
		unsupported := code == entitle.CodeUnsupportedTransferEncoding || code == entitle.CodeUnsupportedHTTPVersion
		if server := code == entitle.CodeInternal || code == entitle.CodeUnavailable || unsupported; server != (status >= 500) {
			t.Errorf("%s answers %d", code, status)
		}
	}
	if len(statusOf) != len(entitle.Codes) {
		t.Errorf("%d statuses for %d codes: a status for a code the root package does not declare", len(statusOf), len(entitle.Codes))
	}
	status, body := s.describe(r, entitle.Errorf("made_up_code", "the user did nothing wrong"))
	if status != http.StatusInternalServerError || body.Error.Code != entitle.CodeInternal || body.Error.Message == "the user did nothing wrong" {
		t.Errorf("an unknown code: %d %+v", status, body)
	}
}
