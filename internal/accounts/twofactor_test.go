package accounts_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/accounts"
	"github.com/entitle-portal/entitle/internal/auth"
	"github.com/entitle-portal/entitle/internal/clocktest"
	"github.com/entitle-portal/entitle/internal/ratelimit"
	"github.com/entitle-portal/entitle/internal/store"
	"github.com/entitle-portal/entitle/internal/store/storetest"
)

// Two-factor sign-in through the service, on a real store and a clock the
// test moves: enrolment, sign-in with a code of the current and the
// adjacent steps, refusals outside the window and of a replayed step,
// recovery codes once each, the rate limit of codes, the challenge's
// expiry, a company's requirement, and the audit trail of every step.

var now0 = time.Date(2026, 6, 15, 10, 0, 0, 0, time.UTC)

const password = "correct horse battery staple"

type fixture struct {
	db    *store.DB
	clock *clocktest.Clock
	svc   *accounts.Service
	ann   entitle.Actor // ACME's administrator
	bob   entitle.Actor // ACME's member
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db := storetest.New(t)
	company := func(line int, key string, kind entitle.Kind) entitle.Sourced[entitle.Company] {
		return entitle.Sourced[entitle.Company]{File: "c.jsonl", Line: line, Record: entitle.Company{Key: key, Name: key, Kind: kind}}
	}
	if _, ps, err := db.Import(ctx, entitle.Batch{Companies: []entitle.Sourced[entitle.Company]{
		company(1, "VENDOR", entitle.KindVendor), company(2, "ACME", entitle.KindReseller)}}, entitle.ImportOptions{}, now0); err != nil || len(ps) > 0 {
		t.Fatal(err, ps)
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	clk := clocktest.New(now0)
	f := &fixture{db: db, clock: clk, svc: &accounts.Service{Store: db, Limiter: &ratelimit.Limiter{Store: db}, Limits: accounts.DefaultLimits, Now: clk.Now}}
	for _, u := range []entitle.User{{Email: "ann@acme.example", Name: "Ann", Company: "ACME", Admin: true}, {Email: "bob@acme.example", Name: "Bob", Company: "ACME"}} {
		rec, err := db.AddUser(ctx, u, hash, now0)
		if err != nil {
			t.Fatal(err)
		}
		a := rec.Actor("VENDOR")
		if u.Admin {
			f.ann = a
		} else {
			f.bob = a
		}
	}
	return f
}

// code is key's code at the clock's time moved by d.
func (f *fixture) code(t *testing.T, key string, d time.Duration) string {
	t.Helper()
	c, err := accounts.TOTPCode(key, f.clock.Now().Add(d))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// enrol turns two-factor sign-in on for a and returns its key and
// recovery codes.
func (f *fixture) enrol(t *testing.T, a entitle.Actor) (string, []string) {
	t.Helper()
	ctx := context.Background()
	e, err := f.svc.StartTOTP(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	codes, err := f.svc.ConfirmTOTP(ctx, a, f.code(t, e.Secret, 0), "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	return e.Secret, codes
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	var e *entitle.Error
	if !errors.As(err, &e) || e.Code != code {
		t.Errorf("%s: %v (%T), want %s", what, err, err, code)
	}
}

// signIn signs in with the password and expects a second factor.
func (f *fixture) signIn(t *testing.T, email string) *accounts.SecondFactorNeeded {
	t.Helper()
	_, _, err := f.svc.SignIn(context.Background(), email, password, "192.0.2.1", "", entitle.SessionMeta{})
	var need *accounts.SecondFactorNeeded
	if !errors.As(err, &need) || need.Challenge == "" {
		t.Fatalf("sign-in of %s: %v, want a second factor", email, err)
	}
	return need
}

func (f *fixture) actions(t *testing.T) []string {
	t.Helper()
	evs, err := f.db.AuditEvents(context.Background(), "", 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		out = append(out, e.Action+":"+e.Outcome)
	}
	return out
}

func TestEnrolment(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	st, err := f.svc.TwoFactor(ctx, f.bob)
	if err != nil || st.Enabled || st.Pending || st.Required {
		t.Fatalf("status before: %+v %v", st, err)
	}
	e, err := f.svc.StartTOTP(ctx, f.bob)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Secret) != 32 || len(e.QR) < 100 || string(e.QR[1:4]) != "PNG" ||
		e.URL != "otpauth://totp/VENDOR:bob@acme.example?algorithm=SHA1&digits=6&issuer=VENDOR&period=30&secret="+e.Secret {
		t.Errorf("enrolment: %q %q %d bytes of QR", e.Secret, e.URL, len(e.QR))
	}
	if again, err := f.svc.PendingEnrolment(ctx, f.bob); err != nil || again.Secret != e.Secret {
		t.Errorf("the pending enrolment again: %v", err)
	}
	// Pending: sign-in is unchanged.
	if _, _, err := f.svc.SignIn(ctx, "bob@acme.example", password, "192.0.2.1", "", entitle.SessionMeta{}); err != nil {
		t.Errorf("sign-in with a pending enrolment: %v", err)
	}
	// A wrong code, a code of another key, nothing: refused, nothing changes.
	wantCode(t, "no code", func() error { _, err := f.svc.ConfirmTOTP(ctx, f.bob, " ", "a"); return err }(), entitle.CodeInvalid)
	wantCode(t, "wrong code", func() error {
		_, err := f.svc.ConfirmTOTP(ctx, f.bob, f.code(t, e.Secret, 2*time.Minute), "a")
		return err
	}(), entitle.CodeInvalid)
	if st, _ := f.svc.TwoFactor(ctx, f.bob); !st.Pending || st.Enabled {
		t.Errorf("after a wrong code: %+v", st)
	}
	codes, err := f.svc.ConfirmTOTP(ctx, f.bob, f.code(t, e.Secret, -30*time.Second), "a") // the previous step's code
	if err != nil || len(codes) != accounts.RecoveryCodes {
		t.Fatalf("confirm: %v %v", codes, err)
	}
	st, _ = f.svc.TwoFactor(ctx, f.bob)
	if !st.Enabled || st.Pending || st.RecoveryCodes != 10 || !st.EnabledAt.Equal(now0) {
		t.Errorf("status after: %+v", st)
	}
	wantCode(t, "confirm twice", func() error { _, err := f.svc.ConfirmTOTP(ctx, f.bob, f.code(t, e.Secret, 0), "a"); return err }(), entitle.CodeConflict)
	wantCode(t, "start over a key", func() error { _, err := f.svc.StartTOTP(ctx, f.bob); return err }(), entitle.CodeConflict)
	if _, err := f.svc.TwoFactor(ctx, entitle.Actor{Company: "ACME", Email: "cli"}); err == nil {
		t.Error("the console has a second factor")
	}
}

func TestSignInWithCode(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.svc.Limits.CodePerAccount.N = 20 // the rate limit has its own test
	key, recovery := f.enrol(t, f.bob)
	f.clock.Advance(time.Minute) // past the step the enrolment used

	// The password alone opens no session.
	need := f.signIn(t, "bob@acme.example")
	if need.Enrol != nil || !need.ExpiresAt.Equal(f.clock.Now().Add(accounts.DefaultChallengeTTL)) {
		t.Errorf("challenge: %+v", need)
	}
	// Outside the window: refused; the challenge stays open.
	for _, d := range []time.Duration{-61 * time.Second, 61 * time.Second, time.Hour} {
		_, _, _, err := f.svc.Complete(ctx, need.Challenge, f.code(t, key, d), "192.0.2.1", "", entitle.SessionMeta{})
		wantCode(t, "code "+d.String()+" away", err, entitle.CodeInvalidCredentials)
	}
	// The next step's code (a phone a little ahead) opens the session.
	secret, a, codes, err := f.svc.Complete(ctx, need.Challenge, f.code(t, key, 30*time.Second), "192.0.2.1", "", entitle.SessionMeta{})
	if err != nil || secret == "" || a.UserID != f.bob.UserID || codes != nil {
		t.Fatalf("complete: %q %+v %v %v", secret, a, codes, err)
	}
	if got, err := f.svc.BySession(ctx, secret); err != nil || got.UserID != f.bob.UserID {
		t.Errorf("the session: %+v %v", got, err)
	}
	// The challenge is spent.
	_, _, _, err = f.svc.Complete(ctx, need.Challenge, f.code(t, key, 0), "192.0.2.1", "", entitle.SessionMeta{})
	wantCode(t, "a spent challenge", err, entitle.CodeUnauthenticated)

	// Replay: the same code (the same step), or an earlier step's, in a new sign-in.
	need = f.signIn(t, "bob@acme.example")
	for _, d := range []time.Duration{30 * time.Second, 0} {
		_, _, _, err = f.svc.Complete(ctx, need.Challenge, f.code(t, key, d), "192.0.2.1", "", entitle.SessionMeta{})
		wantCode(t, "a replayed step", err, entitle.CodeInvalidCredentials)
	}
	// A recovery code, once.
	if _, _, _, err := f.svc.Complete(ctx, need.Challenge, recovery[3], "192.0.2.1", "", entitle.SessionMeta{}); err != nil {
		t.Fatalf("a recovery code: %v", err)
	}
	f.clock.Advance(15 * time.Minute) // the failures above are forgotten
	need = f.signIn(t, "bob@acme.example")
	_, _, _, err = f.svc.Complete(ctx, need.Challenge, recovery[3], "192.0.2.1", "", entitle.SessionMeta{})
	wantCode(t, "a recovery code twice", err, entitle.CodeInvalidCredentials)
	if st, _ := f.svc.TwoFactor(ctx, f.bob); st.RecoveryCodes != 9 {
		t.Errorf("recovery codes left: %d", st.RecoveryCodes)
	}
	// The challenge expires.
	f.clock.Advance(accounts.DefaultChallengeTTL)
	_, _, _, err = f.svc.Complete(ctx, need.Challenge, f.code(t, key, 0), "192.0.2.1", "", entitle.SessionMeta{})
	wantCode(t, "an expired challenge", err, entitle.CodeUnauthenticated)
	_, _, _, err = f.svc.Complete(ctx, "made-up", f.code(t, key, 0), "192.0.2.1", "", entitle.SessionMeta{})
	wantCode(t, "an unknown challenge", err, entitle.CodeUnauthenticated)

	want := map[string]int{"login:second_factor_required": 3, "login.totp:wrong_code": 6, "login:ok": 2, "account.recovery_code.use:ok": 1}
	got := map[string]int{}
	for _, a := range f.actions(t) {
		got[a]++
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("audit %s: %d events, want %d (all: %v)", k, got[k], n, got)
		}
	}
}

func TestCodeRateLimit(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.svc.Limits.CodePerAccount = ratelimit.Limit{N: 3, Per: 15 * time.Minute}
	key, _ := f.enrol(t, f.bob)
	f.clock.Advance(time.Minute)
	need := f.signIn(t, "bob@acme.example")
	for i := range 3 {
		_, _, _, err := f.svc.Complete(ctx, need.Challenge, "000000", "192.0.2.9", "", entitle.SessionMeta{})
		if c, _ := accounts.TOTPCode(key, f.clock.Now()); c == "000000" {
			t.Skip("the current code is 000000")
		}
		wantCode(t, "wrong code", err, entitle.CodeInvalidCredentials)
		_ = i
	}
	_, _, _, err := f.svc.Complete(ctx, need.Challenge, f.code(t, key, 0), "192.0.2.9", "", entitle.SessionMeta{})
	var limited *ratelimit.Exceeded
	if !errors.As(err, &limited) {
		t.Fatalf("the right code past the limit: %v", err)
	}
	// Per account: from another address too; then it passes in time.
	_, _, _, err = f.svc.Complete(ctx, need.Challenge, f.code(t, key, 0), "198.51.100.1", "", entitle.SessionMeta{})
	if !errors.As(err, &limited) {
		t.Errorf("another address: %v", err)
	}
	f.clock.Advance(4 * time.Minute) // still within the challenge's life: 5 min
	if _, _, _, err := f.svc.Complete(ctx, need.Challenge, f.code(t, key, 0), "192.0.2.9", "", entitle.SessionMeta{}); !errors.As(err, &limited) {
		t.Errorf("4 minutes later: %v", err)
	}
	f.clock.Advance(30 * time.Minute)
	need = f.signIn(t, "bob@acme.example")
	if _, _, _, err := f.svc.Complete(ctx, need.Challenge, f.code(t, key, 0), "192.0.2.9", "", entitle.SessionMeta{}); err != nil {
		t.Errorf("after the window: %v", err)
	}
	n := 0
	for _, a := range f.actions(t) {
		if a == "account.totp.code:rate_limited" {
			n++
		}
	}
	if n != 3 {
		t.Errorf("%d rate_limited events, want 3", n)
	}
}

func TestDisableAndRegenerate(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	key, recovery := f.enrol(t, f.bob)
	f.clock.Advance(time.Minute)

	wantCode(t, "regenerate without a code", func() error { _, err := f.svc.RegenerateRecoveryCodes(ctx, f.bob, "", "a"); return err }(), entitle.CodeInvalid)
	fresh, err := f.svc.RegenerateRecoveryCodes(ctx, f.bob, f.code(t, key, 0), "a")
	if err != nil || len(fresh) != 10 {
		t.Fatalf("regenerate: %v %v", fresh, err)
	}
	f.clock.Advance(time.Minute)
	need := f.signIn(t, "bob@acme.example")
	if _, _, _, err := f.svc.Complete(ctx, need.Challenge, recovery[0], "a", "", entitle.SessionMeta{}); err == nil {
		t.Error("an old recovery code works after regenerating")
	}

	wantCode(t, "disable without proof", f.svc.DisableTOTP(ctx, f.bob, "", "", "a"), entitle.CodeInvalid)
	wantCode(t, "disable with a wrong password", f.svc.DisableTOTP(ctx, f.bob, "", "not the password", "a"), entitle.CodeInvalidCredentials)
	if st, _ := f.svc.TwoFactor(ctx, f.bob); !st.Enabled {
		t.Fatal("turned off by a refused request")
	}
	// Required by the company: not off.
	annKey, _ := f.enrol(t, f.ann)
	_ = annKey
	wantCode(t, "a member requires it", f.svc.RequireTwoFactor(ctx, f.bob, "ACME", true), entitle.CodeForbidden)
	wantCode(t, "another company", f.svc.RequireTwoFactor(ctx, f.ann, "VENDOR", true), entitle.CodeNotFound)
	if err := f.svc.RequireTwoFactor(ctx, f.ann, "ACME", true); err != nil {
		t.Fatal(err)
	}
	wantCode(t, "disable while required", f.svc.DisableTOTP(ctx, f.bob, "", password, "a"), entitle.CodeForbidden)
	if err := f.svc.RequireTwoFactor(ctx, f.ann, "ACME", false); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.DisableTOTP(ctx, f.bob, "", password, "a"); err != nil {
		t.Fatalf("disable with the password: %v", err)
	}
	if _, _, err := f.svc.SignIn(ctx, "bob@acme.example", password, "a", "", entitle.SessionMeta{}); err != nil {
		t.Errorf("sign-in after turning it off: %v", err)
	}
	wantCode(t, "disable twice", f.svc.DisableTOTP(ctx, f.bob, "", password, "a"), entitle.CodeConflict)
	// A pending enrolment is cancelled without proof.
	if _, err := f.svc.StartTOTP(ctx, f.bob); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.DisableTOTP(ctx, f.bob, "", "", "a"); err != nil {
		t.Errorf("cancel a pending enrolment: %v", err)
	}
}

// TestRequiredEnrolment: a user of a company that requires a second
// factor, without one, is asked to enrol at sign-in; the first code turns
// it on and opens the session; requiring it ended the user's session.
func TestRequiredEnrolment(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	bobSession, _, err := f.svc.SignIn(ctx, "bob@acme.example", password, "a", "", entitle.SessionMeta{})
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, "require before enrolling oneself", f.svc.RequireTwoFactor(ctx, f.ann, "ACME", true), entitle.CodeConflict)
	f.enrol(t, f.ann)
	if err := f.svc.RequireTwoFactor(ctx, f.ann, "ACME", true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.BySession(ctx, bobSession); err == nil {
		t.Error("bob's session lives on after the requirement")
	}
	if st, _ := f.svc.TwoFactor(ctx, f.bob); !st.Required || st.Enabled {
		t.Errorf("bob's status: %+v", st)
	}
	need := f.signIn(t, "bob@acme.example")
	if need.Enrol == nil || need.Enrol.Secret == "" {
		t.Fatalf("no enrolment: %+v", need)
	}
	// Signing in again shows the same key (the app may hold it already).
	again := f.signIn(t, "bob@acme.example")
	if again.Enrol == nil || again.Enrol.Secret != need.Enrol.Secret {
		t.Error("a second sign-in made another key")
	}
	if e, err := f.svc.ChallengeEnrolment(ctx, again.Challenge); err != nil || e.Secret != need.Enrol.Secret {
		t.Errorf("the challenge's enrolment: %v", err)
	}
	_, _, _, err = f.svc.Complete(ctx, need.Challenge, "000001", "a", "", entitle.SessionMeta{})
	wantCode(t, "a wrong first code", err, entitle.CodeInvalid)
	secret, a, codes, err := f.svc.Complete(ctx, need.Challenge, f.code(t, need.Enrol.Secret, 0), "a", "", entitle.SessionMeta{})
	if err != nil || secret == "" || a.UserID != f.bob.UserID || len(codes) != 10 {
		t.Fatalf("enrol at sign-in: %v %v", codes, err)
	}
	if st, _ := f.svc.TwoFactor(ctx, f.bob); !st.Enabled {
		t.Errorf("not on after enrolling at sign-in: %+v", st)
	}
	// The other challenge is for an enrolment that is done: it asks for a code now.
	if _, _, _, err := f.svc.Complete(ctx, again.Challenge, f.code(t, need.Enrol.Secret, 0), "a", "", entitle.SessionMeta{}); err == nil {
		t.Error("a second enrolment with the same step")
	}
}
