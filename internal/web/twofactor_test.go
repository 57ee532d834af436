package web_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entitle-portal/entitle/internal/accounts"
	"github.com/entitle-portal/entitle/internal/ratelimit"
	"github.com/entitle-portal/entitle/internal/web/webtest"
)

// Two-factor sign-in over HTTP, on the test server's clock: set-up,
// sign-in with a code and with a recovery code, replay, a company's
// requirement, turning it off, the rate limit of codes, the portal's
// second step, and the audit trail of every step.

// totpCode is the code key shows at the server's time moved by d.
func (w *world) totpCode(t *testing.T, key string, d time.Duration) string {
	t.Helper()
	c, err := accounts.TOTPCode(key, w.clock.Now().Add(d))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// session signs email in through the API and returns the signed-in client:
// the routes that change how an account signs in take no API token.
func (w *world) session(t *testing.T, email string) *http.Client {
	t.Helper()
	c := w.browser()
	if res := login(w, c, email, testPassword); res.status != http.StatusOK {
		t.Fatalf("sign in %s: %d %s", email, res.status, res.body)
	}
	return c
}

// enrolAPI turns two-factor sign-in on for the user with email (signed in
// with a session) and returns its key and recovery codes.
func (w *world) enrolAPI(t *testing.T, email string) (string, []string) {
	t.Helper()
	c := w.session(t, email)
	res := w.do(request{method: http.MethodPost, path: "/api/v1/me/totp", client: c})
	if res.status != http.StatusCreated {
		t.Fatalf("start: %d %s", res.status, res.body)
	}
	var e struct{ Secret string }
	res.json(t, &e)
	res = w.do(request{method: http.MethodPost, path: "/api/v1/me/totp/confirm", client: c, body: map[string]string{"code": w.totpCode(t, e.Secret, 0)}})
	if res.status != http.StatusOK {
		t.Fatalf("confirm: %d %s", res.status, res.body)
	}
	var rc struct {
		RecoveryCodes []string `json:"recovery_codes"`
	}
	res.json(t, &rc)
	return e.Secret, rc.RecoveryCodes
}

type challengeAnswer struct {
	Error     struct{ Code, Message string }
	Challenge string    `json:"challenge"`
	ExpiresAt time.Time `json:"expires_at"`
	Enrolment *struct {
		Secret     string `json:"secret"`
		OTPAuthURL string `json:"otpauth_url"`
		QRCode     string `json:"qr_code"`
	} `json:"enrolment"`
}

// passwordStep signs in with the password and expects a challenge.
func (w *world) passwordStep(t *testing.T, c *http.Client, email, wantCode string) challengeAnswer {
	t.Helper()
	res := login(w, c, email, testPassword)
	var ch challengeAnswer
	res.json(t, &ch)
	if res.status != http.StatusUnauthorized || ch.Error.Code != wantCode || ch.Challenge == "" || strings.Contains(res.header.Get("Set-Cookie"), "entitle_session=") {
		t.Fatalf("sign-in of %s: %d %s, want 401 %s with a challenge and no session", email, res.status, res.body, wantCode)
	}
	return ch
}

func (w *world) secondStep(c *http.Client, challenge, code string) response {
	return w.do(request{method: http.MethodPost, path: "/api/v1/login/totp", client: c, body: map[string]string{"challenge": challenge, "code": code}})
}

func TestTwoFactorAPI(t *testing.T) {
	w := newWorld(t)
	member := w.member["SHOP"]
	ms := w.session(t, "member@shop.example") // for the routes that take no token

	// Status, off.
	if res := w.get("/api/v1/me/totp", member); res.status != http.StatusOK || string(res.body) != `{"enabled":false,"pending":false,"required":false}`+"\n" {
		t.Errorf("status: %d %s", res.status, res.body)
	}
	// Set up: a wrong first code changes nothing.
	res := w.do(request{method: http.MethodPost, path: "/api/v1/me/totp", client: ms})
	var e struct {
		Secret     string `json:"secret"`
		OTPAuthURL string `json:"otpauth_url"`
		QRCode     string `json:"qr_code"`
	}
	res.json(t, &e)
	if res.status != http.StatusCreated || !strings.HasPrefix(e.QRCode, "data:image/png;base64,") ||
		!strings.HasPrefix(e.OTPAuthURL, "otpauth://totp/Company%20MAKER:member@shop.example?") {
		t.Fatalf("start: %d %s", res.status, clip(res.body))
	}
	res = w.do(request{method: http.MethodPost, path: "/api/v1/me/totp/confirm", client: ms, body: map[string]string{"code": w.totpCode(t, e.Secret, 5*time.Minute)}})
	if res.status != http.StatusUnprocessableEntity || res.errCode() != "invalid_input" {
		t.Errorf("a wrong first code: %d %s", res.status, res.body)
	}
	if res := w.get("/api/v1/me/totp", member); !strings.Contains(string(res.body), `"pending":true`) {
		t.Errorf("after a wrong first code: %s", res.body)
	}
	// Password sign-in is unchanged while the set-up is pending.
	if res := login(w, w.browser(), "member@shop.example", testPassword); res.status != http.StatusOK {
		t.Errorf("sign-in with a pending set-up: %d %s", res.status, res.body)
	}
	res = w.do(request{method: http.MethodPost, path: "/api/v1/me/totp/confirm", client: ms, body: map[string]string{"code": w.totpCode(t, e.Secret, 0)}})
	var rc struct {
		RecoveryCodes []string `json:"recovery_codes"`
	}
	res.json(t, &rc)
	if res.status != http.StatusOK || len(rc.RecoveryCodes) != 10 {
		t.Fatalf("confirm: %d %s", res.status, res.body)
	}
	if res := w.get("/api/v1/me/totp", member); !strings.Contains(string(res.body), `"enabled":true`) || !strings.Contains(string(res.body), `"recovery_codes_left":10`) {
		t.Errorf("status after: %s", res.body)
	}

	// Sign-in: the password alone opens no session.
	w.clock.Advance(time.Minute)
	c := w.browser()
	ch := w.passwordStep(t, c, "member@shop.example", "second_factor_required")
	if ch.Enrolment != nil || !ch.ExpiresAt.Equal(w.clock.Now().Add(5*time.Minute)) {
		t.Errorf("challenge: %+v", ch)
	}
	if res := w.do(request{method: http.MethodGet, path: "/api/v1/me", client: c}); res.status != http.StatusUnauthorized {
		t.Errorf("signed in by the password alone: %d", res.status)
	}
	if res := w.secondStep(c, ch.Challenge, w.totpCode(t, e.Secret, 2*time.Minute)); res.status != http.StatusUnauthorized || res.errCode() != "invalid_credentials" {
		t.Errorf("a code outside the window: %d %s", res.status, res.body)
	}
	if res := w.secondStep(c, "made-up", w.totpCode(t, e.Secret, 0)); res.status != http.StatusUnauthorized || res.errCode() != "unauthenticated" {
		t.Errorf("a made-up challenge: %d %s", res.status, res.body)
	}
	code := w.totpCode(t, e.Secret, 0)
	res = w.secondStep(c, ch.Challenge, code)
	if res.status != http.StatusOK || !strings.Contains(string(res.body), `"email":"member@shop.example"`) || strings.Contains(string(res.body), "recovery_codes") {
		t.Fatalf("the second step: %d %s", res.status, res.body)
	}
	if res := w.do(request{method: http.MethodGet, path: "/api/v1/me", client: c}); res.status != http.StatusOK {
		t.Errorf("the session: %d", res.status)
	}
	if res := w.secondStep(c, ch.Challenge, code); res.status != http.StatusUnauthorized || res.errCode() != "unauthenticated" {
		t.Errorf("the challenge twice: %d %s", res.status, res.body)
	}
	// Replay of the same code in a new sign-in; then a recovery code, once.
	c2 := w.browser()
	ch = w.passwordStep(t, c2, "member@shop.example", "second_factor_required")
	if res := w.secondStep(c2, ch.Challenge, code); res.status != http.StatusUnauthorized || res.errCode() != "invalid_credentials" {
		t.Errorf("a replayed code: %d %s", res.status, res.body)
	}
	if res := w.secondStep(c2, ch.Challenge, strings.ToUpper(rc.RecoveryCodes[0])); res.status != http.StatusOK {
		t.Errorf("a recovery code: %d %s", res.status, res.body)
	}
	ch = w.passwordStep(t, w.browser(), "member@shop.example", "second_factor_required")
	if res := w.secondStep(nil, ch.Challenge, rc.RecoveryCodes[0]); res.status != http.StatusUnauthorized {
		t.Errorf("a recovery code twice: %d %s", res.status, res.body)
	}
	// API tokens are not affected.
	if res := w.get("/api/v1/me", member); res.status != http.StatusOK {
		t.Errorf("a token: %d", res.status)
	}

	// New recovery codes, with a code.
	w.clock.Advance(time.Minute)
	res = w.do(request{method: http.MethodPost, path: "/api/v1/me/totp/recovery-codes", client: ms, body: map[string]string{"code": w.totpCode(t, e.Secret, 0)}})
	if res.status != http.StatusOK || !strings.Contains(string(res.body), "recovery_codes") {
		t.Errorf("new recovery codes: %d %s", res.status, res.body)
	}
	if res := w.do(request{method: http.MethodPost, path: "/api/v1/me/totp", client: ms}); res.status != http.StatusConflict {
		t.Errorf("a set-up over one that is on: %d %s", res.status, res.body)
	}

	// Off: not without proof, not with a wrong password; with the password
	// (the wrong codes above forgotten: 5 per 15 minutes).
	w.clock.Advance(30 * time.Minute)
	for _, body := range []any{map[string]string{}, map[string]string{"password": "wrong password!"}, nil} {
		if res := w.do(request{method: http.MethodDelete, path: "/api/v1/me/totp", client: ms, body: body}); res.status == http.StatusNoContent {
			t.Errorf("turned off with %v", body)
		}
	}
	if res := w.do(request{method: http.MethodDelete, path: "/api/v1/me/totp", client: ms, body: map[string]string{"password": testPassword}}); res.status != http.StatusNoContent {
		t.Fatalf("off: %d %s", res.status, res.body)
	}
	if res := login(w, w.browser(), "member@shop.example", testPassword); res.status != http.StatusOK {
		t.Errorf("sign-in after turning it off: %d %s", res.status, res.body)
	}

	// The audit trail has every step.
	res = w.get("/api/v1/audit?limit=500", w.admin["SHOP"])
	var page struct {
		Items []struct{ Action, Outcome string }
	}
	res.json(t, &page)
	var got []string
	for _, it := range page.Items {
		got = append(got, it.Action+":"+it.Outcome)
	}
	for _, want := range []string{"account.totp.start:ok", "account.totp.confirm:wrong_code", "account.totp.confirm:ok", "login:second_factor_required",
		"login.totp:wrong_code", "login:ok", "account.recovery_code.use:ok", "account.recovery_codes.regenerate:ok", "account.totp.disable:wrong_code",
		"account.totp.disable:ok"} {
		if !slices.Contains(got, want) {
			t.Errorf("no audit event %s in %v", want, got)
		}
	}
}

// TestTwoFactorRequired: an administrator requires it for the company;
// a co-worker without it sets it up at sign-in; nobody turns it off.
func TestTwoFactorRequired(t *testing.T) {
	w := newWorld(t)
	admin, member := w.admin["SHOP"], w.member["SHOP"]
	ms := w.session(t, "member@shop.example") // for the routes that take no token
	third := w.user("SHOP", "third@shop.example", false)
	thirdSession := w.browser()
	if res := login(w, thirdSession, "third@shop.example", testPassword); res.status != http.StatusOK {
		t.Fatal(res.status)
	}
	put := func(token string, on bool) response {
		return w.do(request{method: http.MethodPut, path: "/api/v1/company/two-factor", token: token, body: map[string]bool{"required": on}})
	}
	if res := put(admin, true); res.status != http.StatusConflict {
		t.Errorf("an administrator without it requires it: %d %s", res.status, res.body)
	}
	if res := put(member, true); res.status != http.StatusForbidden || res.errCode() != "forbidden" {
		t.Errorf("a member requires it: %d %s", res.status, res.body)
	}
	if res := w.do(request{method: http.MethodPut, path: "/api/v1/company/two-factor", token: admin, body: map[string]string{}}); res.status != http.StatusUnprocessableEntity {
		t.Errorf("no field: %d %s", res.status, res.body)
	}
	w.enrolAPI(t, "admin@shop.example")
	memberKey, _ := w.enrolAPI(t, "member@shop.example")
	res := put(admin, true)
	if res.status != http.StatusOK || !strings.Contains(string(res.body), `"require_two_factor":true`) {
		t.Fatalf("require: %d %s", res.status, res.body)
	}
	if res := w.get("/api/v1/company", third); !strings.Contains(string(res.body), `"require_two_factor":true`) {
		t.Errorf("the profile: %s", res.body)
	}
	// The co-worker without it was signed out; the token still works.
	if res := w.do(request{method: http.MethodGet, path: "/api/v1/me", client: thirdSession}); res.status != http.StatusUnauthorized {
		t.Errorf("a session without a second factor lives on: %d", res.status)
	}
	if res := w.get("/api/v1/me/totp", third); !strings.Contains(string(res.body), `"required":true`) {
		t.Errorf("third's status: %s", res.body)
	}
	// Signing in: set it up first.
	c := w.browser()
	ch := w.passwordStep(t, c, "third@shop.example", "two_factor_enrolment_required")
	if ch.Enrolment == nil || ch.Enrolment.Secret == "" || !strings.HasPrefix(ch.Enrolment.QRCode, "data:image/png;base64,") {
		t.Fatalf("no key to set up: %+v", ch)
	}
	if res := w.secondStep(c, ch.Challenge, "000000"); res.status == http.StatusOK {
		t.Error("a wrong first code signed in")
	}
	res = w.secondStep(c, ch.Challenge, w.totpCode(t, ch.Enrolment.Secret, 0))
	var me struct {
		RecoveryCodes []string `json:"recovery_codes"`
	}
	res.json(t, &me)
	if res.status != http.StatusOK || len(me.RecoveryCodes) != 10 {
		t.Fatalf("set up at sign-in: %d %s", res.status, res.body)
	}
	// A co-worker joining by invitation is not signed in before setting it up.
	mb := &mailbox{w: w, seen: map[string]bool{}}
	if res, _ := w.inviteAs(t, admin, "newcomer@shop.example", false); res.status != http.StatusCreated {
		t.Fatalf("invite: %d %s", res.status, res.body)
	}
	res = w.accept(mb.new(t, "newcomer@shop.example"), "New Comer")
	var joined challengeAnswer
	res.json(t, &joined)
	if res.status != http.StatusUnauthorized || joined.Error.Code != "two_factor_enrolment_required" || joined.Enrolment == nil ||
		strings.Contains(res.header.Get("Set-Cookie"), "entitle_session=") {
		t.Errorf("accepting under the requirement: %d %s", res.status, clip(res.body))
	}
	// Not off while required, even with a right code.
	w.clock.Advance(time.Minute)
	res = w.do(request{method: http.MethodDelete, path: "/api/v1/me/totp", client: ms, body: map[string]string{"code": w.totpCode(t, memberKey, 0)}})
	if res.status != http.StatusForbidden || !strings.Contains(res.errMessage(), "requires two-factor sign-in") {
		t.Errorf("off while required: %d %s", res.status, res.body)
	}
	if res := put(admin, false); res.status != http.StatusOK {
		t.Errorf("lift: %d %s", res.status, res.body)
	}
	res = w.do(request{method: http.MethodDelete, path: "/api/v1/me/totp", client: ms, body: map[string]string{"code": w.totpCode(t, memberKey, 0)}})
	if res.status != http.StatusNoContent {
		t.Errorf("off once lifted: %d %s", res.status, res.body)
	}
}

// TestTwoFactorCodeRateLimit: wrong codes are limited per account; past
// the limit even the right code waits (429 with Retry-After).
func TestTwoFactorCodeRateLimit(t *testing.T) {
	limits := accounts.DefaultLimits
	limits.CodePerAccount = ratelimit.Limit{N: 2, Per: 15 * time.Minute}
	w := newWorldWith(t, func(o *webtest.Options) { o.LoginLimits = &limits })
	key, _ := w.enrolAPI(t, "member@shop.example")
	w.clock.Advance(time.Minute)
	ch := w.passwordStep(t, w.browser(), "member@shop.example", "second_factor_required")
	wrong := w.totpCode(t, key, 10*time.Minute)
	for range 2 {
		if res := w.secondStep(nil, ch.Challenge, wrong); res.status != http.StatusUnauthorized {
			t.Fatalf("a wrong code: %d %s", res.status, res.body)
		}
	}
	res := w.secondStep(nil, ch.Challenge, w.totpCode(t, key, 0))
	if res.status != http.StatusTooManyRequests || res.errCode() != "rate_limited" || res.header.Get("Retry-After") == "" {
		t.Errorf("past the limit: %d %s", res.status, res.body)
	}
}

// TestTwoFactorPortal: the portal's second step after the password, a
// wrong code shown on the page, the right one opening the session and
// going on to where the user was headed; the set-up required at sign-in
// shows the recovery codes once.
func TestTwoFactorPortal(t *testing.T) {
	w := newWorld(t)
	key, _ := w.enrolAPI(t, "member@shop.example")
	w.clock.Advance(time.Minute)
	c := w.browser()
	form := func(path string, v url.Values) response {
		return w.do(request{method: http.MethodPost, path: path, client: c, body: v.Encode(),
			header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}})
	}
	res := form("/login", url.Values{"email": {"member@shop.example"}, "password": {testPassword}, "next": {"/delegations"}})
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/login/two-factor?next=%2Fdelegations" {
		t.Fatalf("the password: %d %s", res.status, res.header.Get("Location"))
	}
	sc := res.header.Get("Set-Cookie")
	for _, attr := range []string{"entitle_challenge=", "Path=/login/two-factor", "HttpOnly", "SameSite=Lax", "Max-Age=300"} {
		if !strings.Contains(sc, attr) {
			t.Errorf("the challenge cookie %q lacks %s", sc, attr)
		}
	}
	if res := w.do(request{method: http.MethodGet, path: "/delegations", client: c}); res.status != http.StatusSeeOther {
		t.Errorf("signed in by the password alone: %d", res.status)
	}
	res = w.do(request{method: http.MethodGet, path: "/login/two-factor?next=%2Fdelegations", client: c})
	if res.status != http.StatusOK || !strings.Contains(string(res.body), `name="code"`) || strings.Contains(string(res.body), "totp-secret") {
		t.Fatalf("the second step: %d %s", res.status, clip(res.body))
	}
	res = form("/login/two-factor", url.Values{"code": {"000000"}, "next": {"/delegations"}})
	if w.totpCode(t, key, 0) != "000000" && (res.status != http.StatusUnauthorized || !hasMessage(string(res.body), "the code is wrong")) {
		t.Errorf("a wrong code: %d %s", res.status, clip(res.body))
	}
	res = form("/login/two-factor", url.Values{"code": {w.totpCode(t, key, 0)}, "next": {"/delegations"}})
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/delegations" {
		t.Fatalf("the right code: %d %s %s", res.status, res.header.Get("Location"), clip(res.body))
	}
	if res := w.do(request{method: http.MethodGet, path: "/delegations", client: c}); res.status != http.StatusOK {
		t.Errorf("signed in: %d", res.status)
	}
	// Without a challenge, back to the password.
	anon := w.browser()
	if res := w.do(request{method: http.MethodGet, path: "/login/two-factor", client: anon}); res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/login?") {
		t.Errorf("no challenge: %d %s", res.status, res.header.Get("Location"))
	}
	// An expired challenge: the sign-in page, saying so.
	c3 := w.browser()
	form3 := func(path string, v url.Values) response {
		return w.do(request{method: http.MethodPost, path: path, client: c3, body: v.Encode(),
			header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}})
	}
	form3("/login", url.Values{"email": {"member@shop.example"}, "password": {testPassword}})
	w.clock.Advance(6 * time.Minute)
	res = form3("/login/two-factor", url.Values{"code": {w.totpCode(t, key, 0)}})
	if res.status != http.StatusUnauthorized || !strings.Contains(string(res.body), "sign in again") || !strings.Contains(string(res.body), `name="password"`) {
		t.Errorf("an expired challenge: %d %s", res.status, clip(res.body))
	}
	_ = context.Background
}
