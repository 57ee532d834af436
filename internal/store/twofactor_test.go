package store_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
)

// The two-factor tests: a TOTP key pending then confirmed, its steps used
// once, recovery codes spent once (also by concurrent requests), sign-in
// challenges, and a company's requirement, which ends the sessions of its
// users without a second factor. Every store test runs on both databases.

func TestTOTPKeyLifecycle(t *testing.T) {
	ctx := context.Background()
	db := coworkersStore(t)
	u := coUser(t, db, "ACME", "ann@acme.example", true)
	other := coUser(t, db, "ACME", "bob@acme.example", false)
	mark := auditMark(t, db)

	if _, err := db.TOTPKey(ctx, u.ID); !errors.Is(err, entitle.ErrNotFound) {
		t.Fatalf("a key before any: %v", err)
	}
	if ok, err := db.ConfirmTOTP(ctx, u.ID, 100, []string{"h1"}, coNow, ev("account.totp.confirm", u.Email, "ACME")); err != nil || ok {
		t.Fatalf("confirming no key: %v %v", ok, err)
	}
	if err := db.StartTOTP(ctx, u.ID, "sealed-1", coNow, ev("account.totp.start", u.Email, "ACME")); err != nil {
		t.Fatal(err)
	}
	if err := db.StartTOTP(ctx, u.ID, "sealed-2", coNow.Add(time.Minute), ev("account.totp.start", u.Email, "ACME")); err != nil {
		t.Fatal(err) // a pending key is replaced
	}
	k, err := db.TOTPKey(ctx, u.ID)
	if err != nil || k.Sealed != "sealed-2" || k.Confirmed() || k.LastStep != 0 || !k.CreatedAt.Equal(coNow.Add(time.Minute)) {
		t.Fatalf("pending key: %+v %v", k, err)
	}
	if ok, err := db.UseTOTPStep(ctx, u.ID, 100); err != nil || ok {
		t.Fatalf("a step of a pending key was accepted: %v %v", ok, err)
	}
	hashes := []string{"h1", "h2", "h3"}
	if ok, err := db.ConfirmTOTP(ctx, u.ID, 100, hashes, coNow, ev("account.totp.confirm", u.Email, "ACME")); err != nil || !ok {
		t.Fatalf("confirm: %v %v", ok, err)
	}
	if ok, err := db.ConfirmTOTP(ctx, u.ID, 101, hashes, coNow, ev("account.totp.confirm", u.Email, "ACME")); err != nil || ok {
		t.Fatalf("confirmed twice: %v %v", ok, err)
	}
	k, err = db.TOTPKey(ctx, u.ID)
	if err != nil || !k.Confirmed() || k.LastStep != 100 || k.RecoveryLeft != 3 {
		t.Fatalf("confirmed key: %+v %v", k, err)
	}
	var conflict *entitle.Error
	if err := db.StartTOTP(ctx, u.ID, "sealed-3", coNow, ev("account.totp.start", u.Email, "ACME")); !errors.As(err, &conflict) || conflict.Code != entitle.CodeConflict {
		t.Fatalf("a new enrolment over a confirmed key: %v", err)
	}

	// Steps: each once, and never an earlier one (replay).
	for _, tc := range []struct {
		step int64
		ok   bool
	}{{100, false}, {99, false}, {101, true}, {101, false}, {100, false}, {103, true}} {
		if ok, err := db.UseTOTPStep(ctx, u.ID, tc.step); err != nil || ok != tc.ok {
			t.Errorf("step %d: %v %v, want %v", tc.step, ok, err, tc.ok)
		}
	}
	if ok, err := db.UseTOTPStep(ctx, other.ID, 500); err != nil || ok {
		t.Errorf("a step of a user without a key: %v %v", ok, err)
	}

	// Recovery codes: each once, only the user's own.
	if ok, err := db.UseRecoveryCode(ctx, other.ID, "h1", coNow, ev("account.recovery_code.use", other.Email, "ACME")); err != nil || ok {
		t.Errorf("another user's code: %v %v", ok, err)
	}
	if ok, err := db.UseRecoveryCode(ctx, u.ID, "h1", coNow, ev("account.recovery_code.use", u.Email, "ACME")); err != nil || !ok {
		t.Errorf("first use: %v %v", ok, err)
	}
	if ok, err := db.UseRecoveryCode(ctx, u.ID, "h1", coNow, ev("account.recovery_code.use", u.Email, "ACME")); err != nil || ok {
		t.Errorf("second use: %v %v", ok, err)
	}
	if k, _ := db.TOTPKey(ctx, u.ID); k.RecoveryLeft != 2 {
		t.Errorf("left after one use: %d", k.RecoveryLeft)
	}
	if err := db.ReplaceRecoveryCodes(ctx, u.ID, []string{"n1", "n2"}, ev("account.recovery_codes.regenerate", u.Email, "ACME")); err != nil {
		t.Fatal(err)
	}
	if ok, _ := db.UseRecoveryCode(ctx, u.ID, "h2", coNow, ev("account.recovery_code.use", u.Email, "ACME")); ok {
		t.Error("an old code works after regenerating")
	}
	if err := db.ReplaceRecoveryCodes(ctx, other.ID, []string{"x"}, ev("account.recovery_codes.regenerate", other.Email, "ACME")); !errors.Is(err, entitle.ErrNotFound) {
		t.Errorf("codes for a user without a key: %v", err)
	}

	if err := db.DeleteTOTP(ctx, u.ID, ev("account.totp.disable", u.Email, "ACME")); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteTOTP(ctx, u.ID, ev("account.totp.disable", u.Email, "ACME")); !errors.Is(err, entitle.ErrNotFound) {
		t.Errorf("turned off twice: %v", err)
	}
	if ok, _ := db.UseRecoveryCode(ctx, u.ID, "n1", coNow, ev("account.recovery_code.use", u.Email, "ACME")); ok {
		t.Error("a recovery code works with two-factor sign-in off")
	}
	wantAudit(t, db, &mark, "", "account.totp.start", "account.totp.start", "account.totp.confirm", "account.recovery_code.use",
		"account.recovery_codes.regenerate", "account.totp.disable")
}

// TestRecoveryCodeConcurrentUse: of many requests spending one code at
// once, exactly one does; likewise one time step.
func TestRecoveryCodeConcurrentUse(t *testing.T) {
	ctx := context.Background()
	db := coworkersStore(t)
	u := coUser(t, db, "ACME", "ann@acme.example", false)
	if err := db.StartTOTP(ctx, u.ID, "s", coNow, ev("account.totp.start", u.Email, "ACME")); err != nil {
		t.Fatal(err)
	}
	if ok, err := db.ConfirmTOTP(ctx, u.ID, 10, []string{"h1"}, coNow, ev("account.totp.confirm", u.Email, "ACME")); err != nil || !ok {
		t.Fatal(ok, err)
	}
	var codes, steps atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			ok, err := db.UseRecoveryCode(ctx, u.ID, "h1", coNow, ev("account.recovery_code.use", u.Email, "ACME"))
			if err != nil {
				t.Error(err)
			}
			if ok {
				codes.Add(1)
			}
		}()
		go func() {
			defer wg.Done()
			ok, err := db.UseTOTPStep(ctx, u.ID, 11)
			if err != nil {
				t.Error(err)
			}
			if ok {
				steps.Add(1)
			}
		}()
	}
	wg.Wait()
	if codes.Load() != 1 || steps.Load() != 1 {
		t.Errorf("one code spent %d times, one step %d times", codes.Load(), steps.Load())
	}
}

func TestLoginChallenges(t *testing.T) {
	ctx := context.Background()
	db := coworkersStore(t)
	u := coUser(t, db, "ACME", "ann@acme.example", false)
	if err := db.AddLoginChallenge(ctx, "c1", u.ID, entitle.ChallengeCode, coNow, coNow.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	got, purpose, err := db.LoginChallenge(ctx, "c1", coNow.Add(4*time.Minute))
	if err != nil || got.ID != u.ID || purpose != entitle.ChallengeCode {
		t.Fatalf("challenge: %+v %q %v", got, purpose, err)
	}
	if _, _, err := db.LoginChallenge(ctx, "c1", coNow.Add(5*time.Minute)); !errors.Is(err, entitle.ErrNotFound) {
		t.Errorf("an expired challenge: %v", err)
	}
	if _, _, err := db.LoginChallenge(ctx, "c2", coNow); !errors.Is(err, entitle.ErrNotFound) {
		t.Errorf("an unknown challenge: %v", err)
	}
	if ok, err := db.DeleteLoginChallenge(ctx, "c1"); err != nil || !ok {
		t.Errorf("spend: %v %v", ok, err)
	}
	if ok, err := db.DeleteLoginChallenge(ctx, "c1"); err != nil || ok {
		t.Errorf("spent twice: %v %v", ok, err)
	}
	// A new challenge forgets the user's expired ones.
	if err := db.AddLoginChallenge(ctx, "old", u.ID, entitle.ChallengeEnrol, coNow, coNow.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := db.AddLoginChallenge(ctx, "new", u.ID, entitle.ChallengeEnrol, coNow.Add(2*time.Minute), coNow.Add(7*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if ok, _ := db.DeleteLoginChallenge(ctx, "old"); ok {
		t.Error("an expired challenge was kept")
	}
}

func TestRequireTwoFactor(t *testing.T) {
	ctx := context.Background()
	db := coworkersStore(t)
	ann := coUser(t, db, "ACME", "ann@acme.example", true)
	bob := coUser(t, db, "ACME", "bob@acme.example", false)
	eve := coUser(t, db, "BETA", "eve@beta.example", false)
	for i, u := range []entitle.User{ann, bob, eve} {
		if err := db.CreateSession(ctx, u.ID, "s"+u.Email, "", entitle.SessionMeta{}, coNow, coNow.Add(time.Hour), ev("login", u.Email, u.Company)); err != nil {
			t.Fatal(i, err)
		}
	}
	if err := db.StartTOTP(ctx, ann.ID, "s", coNow, ev("account.totp.start", ann.Email, "ACME")); err != nil {
		t.Fatal(err)
	}
	if ok, err := db.ConfirmTOTP(ctx, ann.ID, 1, nil, coNow, ev("account.totp.confirm", ann.Email, "ACME")); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if on, err := db.RequiresTwoFactor(ctx, "ACME"); err != nil || on {
		t.Fatalf("required before: %v %v", on, err)
	}
	mark := auditMark(t, db)
	if err := db.SetRequireTwoFactor(ctx, "ACME", true, ev("company.require_two_factor", ann.Email, "ACME")); err != nil {
		t.Fatal(err)
	}
	wantAudit(t, db, &mark, "", "company.require_two_factor")
	if on, err := db.RequiresTwoFactor(ctx, "ACME"); err != nil || !on {
		t.Fatalf("required after: %v %v", on, err)
	}
	if p, err := db.Profile(ctx, "ACME"); err != nil || !p.RequireTwoFactor {
		t.Errorf("the profile: %+v %v", p, err)
	}
	for _, tc := range []struct {
		u    entitle.User
		live bool
	}{{ann, true}, {bob, false}, {eve, true}} {
		_, _, err := db.UserBySession(ctx, "s"+tc.u.Email, coNow)
		if (err == nil) != tc.live {
			t.Errorf("%s's session: %v, want live %v", tc.u.Email, err, tc.live)
		}
	}
	if on, _ := db.RequiresTwoFactor(ctx, "BETA"); on {
		t.Error("another company requires it too")
	}
	if err := db.SetRequireTwoFactor(ctx, "NOPE", true, ev("company.require_two_factor", ann.Email, "ACME")); !errors.Is(err, entitle.ErrNotFound) {
		t.Errorf("an unknown company: %v", err)
	}
	if _, err := db.RequiresTwoFactor(ctx, "NOPE"); !errors.Is(err, entitle.ErrNotFound) {
		t.Errorf("an unknown company: %v", err)
	}
}
