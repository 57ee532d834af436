package web

import (
	"encoding/base64"
	"errors"
	"net/http"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/accounts"
)

// Two-factor sign-in over the API (internal/accounts decides and records
// every step). A user acts on their own account only: the routes name no
// other user, so there is nobody else's second factor to find.
//
//	GET    /api/v1/me/totp                  where the caller stands
//	POST   /api/v1/me/totp                  start: a new key, its otpauth URL and QR code
//	POST   /api/v1/me/totp/confirm          {"code"}: on, with ten recovery codes shown once
//	POST   /api/v1/me/totp/recovery-codes   {"code"}: ten new recovery codes
//	DELETE /api/v1/me/totp                  {"code"} or {"password"}: off (a pending set-up: {})
//	POST   /api/v1/login/totp               {"challenge","code"}: finish a sign-in
//	PUT    /api/v1/company/two-factor       {"required"}: administrators require it

// enrolmentJSON is a new key for an authenticator app.
type enrolmentJSON struct {
	Secret     string `json:"secret"`
	OTPAuthURL string `json:"otpauth_url"`
	QRCode     string `json:"qr_code"` // a data: URL of a PNG image
}

func enrolmentJSONOf(e *accounts.Enrolment) *enrolmentJSON {
	if e == nil {
		return nil
	}
	return &enrolmentJSON{Secret: e.Secret, OTPAuthURL: e.URL, QRCode: qrDataURL(e.QR)}
}

// qrDataURL is a PNG as a data: URL, for an <img> or a JSON answer.
func qrDataURL(png []byte) string {
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(png)
}

// secondFactorAnswer is the 401 of a sign-in whose password was right and
// which a second factor finishes: the error, the challenge to finish it
// with (POST /api/v1/login/totp), until when, and, when the company
// requires a second factor the user has not set up, the key to set up.
type secondFactorAnswer struct {
	Error     errorBody      `json:"error"`
	Challenge string         `json:"challenge"`
	ExpiresAt time.Time      `json:"expires_at"`
	Enrolment *enrolmentJSON `json:"enrolment,omitempty"`
}

// writeSecondFactor answers need; it reports false when err is none.
func (s *Server) writeSecondFactor(w http.ResponseWriter, err error) bool {
	var need *accounts.SecondFactorNeeded
	if !errors.As(err, &need) {
		return false
	}
	code := entitle.CodeSecondFactor
	if need.Enrol != nil {
		code = entitle.CodeEnrolmentRequired
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="entitle"`)
	writeJSON(w, http.StatusUnauthorized, secondFactorAnswer{Error: errorBody{Code: code, Message: need.Error()},
		Challenge: need.Challenge, ExpiresAt: need.ExpiresAt.UTC(), Enrolment: enrolmentJSONOf(need.Enrol)})
	return true
}

type twoFactorJSON struct {
	Enabled           bool   `json:"enabled"`
	Pending           bool   `json:"pending"`
	Required          bool   `json:"required"`
	EnabledAt         string `json:"enabled_at,omitempty"`
	RecoveryCodesLeft *int   `json:"recovery_codes_left,omitempty"`
}

func twoFactorJSONOf(st accounts.TwoFactorStatus) twoFactorJSON {
	out := twoFactorJSON{Enabled: st.Enabled, Pending: st.Pending, Required: st.Required}
	if st.Enabled {
		out.EnabledAt = st.EnabledAt.UTC().Format(time.RFC3339)
		n := st.RecoveryCodes
		out.RecoveryCodesLeft = &n
	}
	return out
}

type recoveryCodesJSON struct {
	RecoveryCodes []string `json:"recovery_codes"`
}

type codeRequest struct {
	Code string `json:"code"`
}

// GET /api/v1/me/totp
func (s *Server) getTOTP(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	st, err := s.cfg.Accounts.TwoFactor(r.Context(), c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, twoFactorJSONOf(st))
	return nil
}

// POST /api/v1/me/totp → 201 with the new key (replacing a pending one).
func (s *Server) startTOTP(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	e, err := s.cfg.Accounts.StartTOTP(r.Context(), c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, enrolmentJSONOf(e))
	return nil
}

// POST /api/v1/me/totp/confirm {"code"} → 200 with the recovery codes.
func (s *Server) confirmTOTP(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	var req codeRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	codes, err := s.cfg.Accounts.ConfirmTOTP(r.Context(), c, req.Code, s.clientAddr(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, recoveryCodesJSON{RecoveryCodes: codes})
	return nil
}

// POST /api/v1/me/totp/recovery-codes {"code"} → 200 with new codes.
func (s *Server) regenerateRecoveryCodes(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	var req codeRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	codes, err := s.cfg.Accounts.RegenerateRecoveryCodes(r.Context(), c, req.Code, s.clientAddr(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, recoveryCodesJSON{RecoveryCodes: codes})
	return nil
}

// DELETE /api/v1/me/totp {"code"} or {"password"} → 204.
func (s *Server) disableTOTP(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	var req struct {
		Code     string `json:"code"`
		Password string `json:"password"`
	}
	if r.ContentLength != 0 {
		if err := decode(w, r, &req); err != nil {
			return err
		}
	}
	if err := s.cfg.Accounts.DisableTOTP(r.Context(), c, req.Code, req.Password, s.clientAddr(r)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// PUT /api/v1/company/two-factor {"required"} → 200 with the company
// profile: its administrators require two-factor sign-in, or stop.
func (s *Server) requireTwoFactor(w http.ResponseWriter, r *http.Request, c entitle.Actor) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	var req struct {
		Required *bool `json:"required"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if req.Required == nil {
		return entitle.Problems{{Field: "required", Message: "say whether the company requires two-factor sign-in: true or false"}}
	}
	if err := s.cfg.Accounts.RequireTwoFactor(r.Context(), c, c.Company, *req.Required); err != nil {
		return err
	}
	p, err := s.cfg.Lifecycle.Profile(r.Context(), c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, profileJSONOf(p))
	return nil
}

// POST /api/v1/login/totp {"challenge","code"} → 200 with the /me answer
// and a session cookie; with "recovery_codes" when the sign-in set up the
// second factor the company requires.
func (s *Server) loginTOTP(w http.ResponseWriter, r *http.Request) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	var req struct {
		Challenge string `json:"challenge"`
		Code      string `json:"code"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	secret, a, codes, err := s.cfg.Accounts.Complete(r.Context(), req.Challenge, req.Code, s.clientAddr(r), sessionSecret(r), s.sessionMeta(r))
	if err != nil {
		return err
	}
	http.SetCookie(w, s.cookie(r, secret, 0))
	body, err := s.meBody(r.Context(), a)
	if err != nil {
		return err
	}
	if codes == nil {
		writeJSON(w, http.StatusOK, body)
		return nil
	}
	writeJSON(w, http.StatusOK, struct {
		meAnswer
		RecoveryCodes []string `json:"recovery_codes"`
	}{body, codes})
	return nil
}
