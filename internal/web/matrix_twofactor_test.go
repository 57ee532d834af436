package web_test

import (
	"maps"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/entitle-portal/entitle/internal/policy"
)

// The matrix's checkers of two-factor sign-in. No route names another
// user: each subject acts on its own account, and what it sets up is its
// own (the world's users have none, and have none again after). A
// company's requirement is decided by policy.RequireTwoFactor; its
// administrators get past the permission only to be refused for not
// having a second factor themselves (409), so the world stays as it is.

// checkTOTPStatus: every subject reads its own status: off, not required.
func checkTOTPStatus(t *testing.T, m *mx, s *subject) {
	res := m.api(t, s, http.MethodGet, "/api/v1/me/totp", nil)
	if !m.check(t, res.status == http.StatusOK, "%s: GET /api/v1/me/totp: %d %s", s.name, res.status, clip(res.body)) {
		return
	}
	var st map[string]any
	res.json(t, &st)
	m.check(t, maps.Equal(topKeys(st), keySet("enabled", "pending", "required")) && st["enabled"] == false && st["pending"] == false && st["required"] == false,
		"%s: GET /api/v1/me/totp: %s", s.name, res.body)
}

// checkStartTOTP: any subject starts a set-up of its own (a new key,
// pending), sees it pending, and cancels it.
func checkStartTOTP(portal bool) checker {
	return func(t *testing.T, m *mx, s *subject) {
		if portal {
			res := m.page(t, s, http.MethodPost, "/account/two-factor/start", nil)
			m.check(t, res.status == http.StatusSeeOther && res.header.Get("Location") == "/account/two-factor",
				"%s: POST /account/two-factor/start: %d %s", s.name, res.status, res.header.Get("Location"))
			page := m.page(t, s, http.MethodGet, "/account/two-factor", nil)
			m.check(t, page.status == http.StatusOK && strings.Contains(string(page.body), `id="totp-secret"`),
				"%s: the set-up is not shown on the account page: %d", s.name, page.status)
		} else {
			res := m.apiSession(t, s, http.MethodPost, "/api/v1/me/totp", nil)
			var e map[string]any
			if m.check(t, res.status == http.StatusCreated, "%s: POST /api/v1/me/totp: %d %s", s.name, res.status, clip(res.body)) {
				res.json(t, &e)
				u, _ := e["otpauth_url"].(string)
				m.check(t, maps.Equal(topKeys(e), keySet("secret", "otpauth_url", "qr_code")) && strings.Contains(u, ":"+s.user.Email+"?"),
					"%s: POST /api/v1/me/totp: %v", s.name, sortedKeys(topKeys(e)))
			}
		}
		st := m.api(t, s, http.MethodGet, "/api/v1/me/totp", nil)
		m.check(t, st.status == http.StatusOK && strings.Contains(string(st.body), `"pending":true`), "%s: after starting: %s", s.name, st.body)
		res := m.apiSession(t, s, http.MethodDelete, "/api/v1/me/totp", map[string]string{})
		m.check(t, res.status == http.StatusNoContent, "%s: cancel the set-up: %d %s", s.name, res.status, clip(res.body))
	}
}

// checkTOTPOff: confirming without a set-up, new recovery codes and
// turning off without a second factor are the subject's own 409, whoever
// asks.
func checkTOTPOff(method, path string, portal bool) checker {
	return func(t *testing.T, m *mx, s *subject) {
		var res response
		if portal {
			res = m.page(t, s, method, path, url.Values{"code": {"123456"}})
		} else {
			body := map[string]string{"code": "123456"}
			res = m.apiSession(t, s, method, path, body)
		}
		m.check(t, res.status == http.StatusConflict, "%s: %s %s: %d %s", s.name, method, path, res.status, clip(res.body))
		if !portal {
			m.check(t, res.errCode() == "conflict", "%s: %s %s: %s", s.name, method, path, res.body)
		}
	}
}

// checkTwoFactorPage: every subject sees its own status; the company's
// requirement is offered to whom policy.RequireTwoFactor allows.
func checkTwoFactorPage(t *testing.T, m *mx, s *subject) {
	res := m.page(t, s, http.MethodGet, "/account/two-factor", nil)
	if !m.check(t, res.status == http.StatusOK, "%s: GET /account/two-factor: %d", s.name, res.status) {
		return
	}
	d := policy.RequireTwoFactor(s.actor, s.company())
	body := string(res.body)
	m.check(t, strings.Contains(body, `id="company-two-factor"`) == d.Allowed && strings.Contains(body, "/account/two-factor/start"),
		"%s: GET /account/two-factor: the company's section shown %v, want %v (%s)", s.name, strings.Contains(body, `id="company-two-factor"`), d.Allowed, reasons(d))
}

// checkRequireTwoFactor: administrators of the company (allowed) are
// refused for not having a second factor themselves: 409; members 403.
func checkRequireTwoFactor(portal bool) checker {
	return func(t *testing.T, m *mx, s *subject) {
		d := policy.RequireTwoFactor(s.actor, s.company())
		var res response
		what := "PUT /api/v1/company/two-factor"
		if portal {
			what = "POST /account/two-factor/require"
			res = m.page(t, s, http.MethodPost, "/account/two-factor/require", url.Values{"required": {"true"}})
		} else {
			res = m.api(t, s, http.MethodPut, "/api/v1/company/two-factor", map[string]bool{"required": true})
		}
		m.answers(t, s, what, res, d, http.StatusConflict, http.StatusForbidden, s.company(), s.company(), nil)
	}
}
