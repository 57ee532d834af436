package accounts

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/auth"
	"github.com/entitle-portal/entitle/internal/policy"
)

// Two-factor sign-in (issue 13). A user turns it on in two steps: Start
// makes a new key (shown once, as a QR code and as text) that waits,
// pending, until Confirm gets a first right code from the authenticator
// app; Confirm turns it on and returns ten single-use recovery codes, shown
// once. From then on SignIn with the right password opens no session: it
// answers *SecondFactorNeeded with a short-lived, single-use challenge, and
// Complete opens the session once it gets the challenge and a current code
// (or an unused recovery code). A company whose administrators require it
// makes SignIn answer a challenge to enrol instead, for its users without
// a key: Complete then confirms the new key and opens the session.
//
// Every code entry is rate-limited per account and per client address
// (failures count), every step is audited, a code is accepted at most once
// (the time step it was accepted for is recorded: no replay), and API
// tokens are unaffected (they are the machine credentials of a user who
// signed in to make them).

// DefaultChallengeTTL is how long a sign-in waits for its second factor.
const DefaultChallengeTTL = 5 * time.Minute

// Enrolment is a new TOTP key for its user to add to an authenticator app:
// the key as text, its otpauth:// URL, and that URL as a QR code (PNG).
type Enrolment struct {
	Secret string
	URL    string
	QR     []byte
}

// TwoFactorStatus is where a user stands with two-factor sign-in.
type TwoFactorStatus struct {
	Enabled       bool      // a confirmed key: sign-in asks for a code
	Pending       bool      // an enrolment started and not yet confirmed
	Required      bool      // the user's company requires it
	EnabledAt     time.Time // when it was turned on
	RecoveryCodes int       // unused recovery codes left
	MayRequire    bool      // the user may require it of the company (policy.RequireTwoFactor)
}

// SecondFactorNeeded is SignIn's refusal when the password was right and
// a session opens only with a second factor: Challenge is the secret to
// complete the sign-in with (Complete), until ExpiresAt. Enrol is set when
// the user's company requires a second factor the user has not set up:
// the new key to confirm with the first code.
type SecondFactorNeeded struct {
	Challenge string
	ExpiresAt time.Time
	Enrol     *Enrolment
}

func (e *SecondFactorNeeded) Error() string {
	if e.Enrol != nil {
		return "your company requires two-factor sign-in: add the key to your authenticator app, then enter the 6-digit code it shows to finish signing in"
	}
	return "enter the 6-digit code from your authenticator app (or one of your recovery codes) to finish signing in"
}

// The refusals of two-factor sign-in.
var (
	errChallengeEnded = entitle.Errorf(entitle.CodeUnauthenticated, "this sign-in has expired or was completed already: sign in again with your email address and password")
	errBadCode        = entitle.Errorf(entitle.CodeInvalidCredentials, "the code is wrong or was used already: enter the current 6-digit code from your authenticator app, or an unused recovery code")
	errNoCode         = entitle.Errorf(entitle.CodeInvalid, "enter the 6-digit code from your authenticator app")
	errNoPending      = entitle.Errorf(entitle.CodeConflict, "there is no two-factor set-up waiting for a code: start it first (POST /api/v1/me/totp)")
	errTOTPOff        = entitle.Errorf(entitle.CodeConflict, "two-factor sign-in is not on for your account")
	errPendingCode    = entitle.Errorf(entitle.CodeInvalid, "the code does not match the new key: check that the app shows the key just set up and that the phone's clock is right, then enter its current code")
	errNeedCode       = entitle.Errorf(entitle.CodeInvalid, "enter a current code from your authenticator app, or your password, to turn two-factor sign-in off")
	errNotAUser       = entitle.Errorf(entitle.CodeForbidden, "only a signed-in user has a second factor")
	errMustEnrolFirst = entitle.Errorf(entitle.CodeConflict, "turn on two-factor sign-in for your own account first, so that requiring it cannot lock you out")
)

func (s *Service) challengeTTL() time.Duration {
	if s.ChallengeTTL <= 0 {
		return DefaultChallengeTTL
	}
	return s.ChallengeTTL
}

// issuer is the name authenticator apps show beside the code: Issuer, else
// the vendor's name (its partners know the portal by it), else "entitle".
func (s *Service) issuer(ctx context.Context) string {
	if s.Issuer != "" {
		return s.Issuer
	}
	if vendor, err := s.Store.VendorKey(ctx); err == nil && vendor != "" {
		if v, err := s.Store.Company(ctx, vendor); err == nil && v.Name != "" {
			return v.Name
		}
	}
	return "entitle"
}

// key returns the user's TOTP key, ok false when it has none.
func (s *Service) key(ctx context.Context, userID int64) (entitle.TOTPKey, bool, error) {
	k, err := s.Store.TOTPKey(ctx, userID)
	if errors.Is(err, entitle.ErrNotFound) {
		return k, false, nil
	}
	return k, err == nil, err
}

func (s *Service) sealer(ctx context.Context) ([]byte, error) { return s.Store.Secret(ctx, "totp") }

// enrolment is the Enrolment of key for the user with email.
func (s *Service) enrolment(ctx context.Context, email, key string) (*Enrolment, error) {
	k, err := otpauthURL(s.issuer(ctx), email, key)
	if err != nil {
		return nil, err
	}
	qr, err := qrPNG(k)
	if err != nil {
		return nil, err
	}
	return &Enrolment{Secret: key, URL: k.URL(), QR: qr}, nil
}

// start makes and records a new pending key for u (replacing a pending
// one), audited as account.totp.start.
func (s *Service) start(ctx context.Context, u entitle.User) (*Enrolment, error) {
	key, err := newTOTPKey()
	if err != nil {
		return nil, err
	}
	secret, err := s.sealer(ctx)
	if err != nil {
		return nil, err
	}
	sealed, err := seal(secret, u.ID, key)
	if err != nil {
		return nil, err
	}
	e, err := s.enrolment(ctx, u.Email, key)
	if err != nil {
		return nil, err
	}
	ev := entitle.AuditEvent{At: s.now(), Actor: u.Email, Company: u.Company, Action: "account.totp.start", Outcome: "ok"}
	if err := s.Store.StartTOTP(ctx, u.ID, sealed, s.now(), ev); err != nil {
		return nil, err
	}
	return e, nil
}

// userOf is the signed-in user a acts as.
func (s *Service) userOf(ctx context.Context, a entitle.Actor) (entitle.UserRecord, error) {
	if !a.User() {
		return entitle.UserRecord{}, errNotAUser
	}
	u, err := s.Store.UserByEmail(ctx, a.Email)
	if err != nil {
		return u, err
	}
	if u.ID != a.UserID {
		return u, errNotAUser
	}
	return u, nil
}

// TwoFactor says where a stands with two-factor sign-in.
func (s *Service) TwoFactor(ctx context.Context, a entitle.Actor) (TwoFactorStatus, error) {
	if !a.User() {
		return TwoFactorStatus{}, errNotAUser
	}
	k, ok, err := s.key(ctx, a.UserID)
	if err != nil {
		return TwoFactorStatus{}, err
	}
	req, err := s.Store.RequiresTwoFactor(ctx, a.Company)
	if err != nil {
		return TwoFactorStatus{}, err
	}
	st := TwoFactorStatus{Required: req, MayRequire: policy.RequireTwoFactor(a, a.Company).Allowed}
	if ok {
		st.Enabled, st.Pending, st.EnabledAt = k.Confirmed(), !k.Confirmed(), k.ConfirmedAt
		if st.Enabled {
			st.RecoveryCodes = k.RecoveryLeft
		}
	}
	return st, nil
}

// StartTOTP starts a's enrolment: a new key, pending until ConfirmTOTP
// (a pending one is replaced; with two-factor sign-in on already, a
// conflict: turn it off first).
func (s *Service) StartTOTP(ctx context.Context, a entitle.Actor) (*Enrolment, error) {
	u, err := s.userOf(ctx, a)
	if err != nil {
		return nil, err
	}
	return s.start(ctx, u.User)
}

// PendingEnrolment shows a's pending enrolment again (the page that asks
// for its first code): errNoPending when there is none.
func (s *Service) PendingEnrolment(ctx context.Context, a entitle.Actor) (*Enrolment, error) {
	u, err := s.userOf(ctx, a)
	if err != nil {
		return nil, err
	}
	return s.pending(ctx, u.User)
}

func (s *Service) pending(ctx context.Context, u entitle.User) (*Enrolment, error) {
	k, ok, err := s.key(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	if !ok || k.Confirmed() {
		return nil, errNoPending
	}
	key, err := s.unsealKey(ctx, k)
	if err != nil {
		return nil, err
	}
	return s.enrolment(ctx, u.Email, key)
}

func (s *Service) unsealKey(ctx context.Context, k entitle.TOTPKey) (string, error) {
	secret, err := s.sealer(ctx)
	if err != nil {
		return "", err
	}
	return unseal(secret, k.UserID, k.Sealed)
}

// codeLimits checks the rate limits of entering codes for the user with
// id from addr.
func (s *Service) codeLimits(ctx context.Context, u entitle.User, addr string, now time.Time) error {
	if s.Limiter == nil {
		return nil
	}
	id := strconv.FormatInt(u.ID, 10)
	if err := s.Limiter.Check(ctx, s.Limits.CodePerAccount, "wrong two-factor codes for this account", "code-account:"+id, now); err != nil {
		return s.auditAs(ctx, u, "account.totp.code", "rate_limited", err)
	}
	if err := s.Limiter.Check(ctx, s.Limits.CodePerAddress, "wrong two-factor codes from your address", "code-address:"+addr, now); err != nil {
		return s.auditAs(ctx, u, "account.totp.code", "rate_limited", err)
	}
	return nil
}

// codeFailed counts a wrong code of u's from addr and audits it (action
// says where it was entered); it returns refusal.
func (s *Service) codeFailed(ctx context.Context, u entitle.User, addr, action string, now time.Time, refusal error) error {
	if s.Limiter != nil {
		id := strconv.FormatInt(u.ID, 10)
		if err := s.Limiter.Hit(ctx, s.Limits.CodePerAccount, "code-account:"+id, now); err != nil {
			return err
		}
		if err := s.Limiter.Hit(ctx, s.Limits.CodePerAddress, "code-address:"+addr, now); err != nil {
			return err
		}
	}
	return s.auditAs(ctx, u, action, "wrong_code", refusal)
}

func (s *Service) auditAs(ctx context.Context, u entitle.User, action, outcome string, result error) error {
	if err := s.Store.Audit(ctx, entitle.AuditEvent{At: s.now(), Actor: u.Email, Company: u.Company, Action: action, Outcome: outcome}); err != nil {
		return err
	}
	return result
}

// ConfirmTOTP turns a's pending key on with its first code, and returns
// the ten recovery codes, to be shown once.
func (s *Service) ConfirmTOTP(ctx context.Context, a entitle.Actor, code, addr string) ([]string, error) {
	u, err := s.userOf(ctx, a)
	if err != nil {
		return nil, err
	}
	return s.confirm(ctx, u.User, code, addr, "account.totp.confirm")
}

func (s *Service) confirm(ctx context.Context, u entitle.User, code, addr, action string) ([]string, error) {
	code = normalizeCode(code)
	if code == "" {
		return nil, errNoCode
	}
	now := s.now()
	k, ok, err := s.key(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	if !ok || k.Confirmed() {
		return nil, errNoPending
	}
	if err := s.codeLimits(ctx, u, addr, now); err != nil {
		return nil, err
	}
	key, err := s.unsealKey(ctx, k)
	if err != nil {
		return nil, err
	}
	step, ok := matchTOTP(key, code, now)
	if !ok {
		return nil, s.codeFailed(ctx, u, addr, action, now, errPendingCode)
	}
	codes, hashes, err := newRecoveryCodes()
	if err != nil {
		return nil, err
	}
	ev := entitle.AuditEvent{At: now, Actor: u.Email, Company: u.Company, Action: action, Outcome: "ok"}
	confirmed, err := s.Store.ConfirmTOTP(ctx, u.ID, step, hashes, now, ev)
	if err != nil {
		return nil, err
	}
	if !confirmed { // confirmed, restarted or removed meanwhile
		return nil, errNoPending
	}
	return codes, nil
}

// checkCode checks a code of u's confirmed key k entered at action: a
// TOTP code of the window, once (its step is recorded), or an unused
// recovery code, spent. It answers errBadCode, counted and audited, when
// it is neither.
func (s *Service) checkCode(ctx context.Context, u entitle.User, k entitle.TOTPKey, code, addr, action string) error {
	code = normalizeCode(code)
	now := s.now()
	if err := s.codeLimits(ctx, u, addr, now); err != nil {
		return err
	}
	switch {
	case isTOTPCode(code):
		key, err := s.unsealKey(ctx, k)
		if err != nil {
			return err
		}
		if step, ok := matchTOTP(key, code, now); ok {
			used, err := s.Store.UseTOTPStep(ctx, u.ID, step)
			if err != nil {
				return err
			}
			if used {
				return nil
			}
			return s.codeFailed(ctx, u, addr, action, now, errBadCode) // a replay
		}
	case isRecoveryCode(code):
		ev := entitle.AuditEvent{At: now, Actor: u.Email, Company: u.Company, Action: "account.recovery_code.use", Object: action, Outcome: "ok"}
		used, err := s.Store.UseRecoveryCode(ctx, u.ID, recoveryHash(code), now, ev)
		if err != nil {
			return err
		}
		if used {
			return nil
		}
	}
	return s.codeFailed(ctx, u, addr, action, now, errBadCode)
}

// RegenerateRecoveryCodes replaces a's recovery codes with ten new ones
// (the old ones stop working), given a current code (or a recovery code).
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, a entitle.Actor, code, addr string) ([]string, error) {
	u, err := s.userOf(ctx, a)
	if err != nil {
		return nil, err
	}
	if normalizeCode(code) == "" {
		return nil, errNoCode
	}
	k, ok, err := s.key(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	if !ok || !k.Confirmed() {
		return nil, errTOTPOff
	}
	if err := s.checkCode(ctx, u.User, k, code, addr, "account.recovery_codes.regenerate"); err != nil {
		return nil, err
	}
	codes, hashes, err := newRecoveryCodes()
	if err != nil {
		return nil, err
	}
	ev := entitle.AuditEvent{At: s.now(), Actor: u.Email, Company: u.Company, Action: "account.recovery_codes.regenerate", Outcome: "ok"}
	if err := s.Store.ReplaceRecoveryCodes(ctx, u.ID, hashes, ev); err != nil {
		return nil, err
	}
	return codes, nil
}

// DisableTOTP turns a's second factor off, given a current code (or a
// recovery code) or the password; a pending enrolment is cancelled
// without either. Not while a's company requires it (policy.TurnOffTwoFactor).
func (s *Service) DisableTOTP(ctx context.Context, a entitle.Actor, code, password, addr string) error {
	u, err := s.userOf(ctx, a)
	if err != nil {
		return err
	}
	k, ok, err := s.key(ctx, u.ID)
	if err != nil {
		return err
	}
	if !ok {
		return errTOTPOff
	}
	ev := entitle.AuditEvent{At: s.now(), Actor: u.Email, Company: u.Company, Action: "account.totp.disable", Outcome: "ok"}
	if !k.Confirmed() {
		ev.Action = "account.totp.cancel"
		return s.Store.DeleteTOTP(ctx, u.ID, ev)
	}
	req, err := s.Store.RequiresTwoFactor(ctx, u.Company)
	if err != nil {
		return err
	}
	if err := policy.TurnOffTwoFactor(a, req).Err("account", a.Email); err != nil {
		return s.auditAs(ctx, u.User, "account.totp.disable", "denied", err)
	}
	switch {
	case normalizeCode(code) != "":
		if err := s.checkCode(ctx, u.User, k, code, addr, "account.totp.disable"); err != nil {
			return err
		}
	case password != "":
		now := s.now()
		if err := s.codeLimits(ctx, u.User, addr, now); err != nil {
			return err
		}
		if !auth.VerifyPassword(u.PasswordHash, password) {
			return s.codeFailed(ctx, u.User, addr, "account.totp.disable", now,
				entitle.Errorf(entitle.CodeInvalidCredentials, "the password is wrong"))
		}
	default:
		return errNeedCode
	}
	err = s.Store.DeleteTOTP(ctx, u.ID, ev)
	if errors.Is(err, entitle.ErrNotFound) {
		return errTOTPOff
	}
	return err
}

// RequireTwoFactor records whether a's company requires two-factor
// sign-in of its users (its administrators: policy.RequireTwoFactor). To
// require it, a must have it on: an administrator never locks themselves
// out. Requiring it ends the sessions of the company's users without it,
// who then set it up at their next sign-in.
func (s *Service) RequireTwoFactor(ctx context.Context, a entitle.Actor, company string, on bool) error {
	if err := policy.RequireTwoFactor(a, company).Err("company", company); err != nil {
		return err
	}
	if on {
		k, ok, err := s.key(ctx, a.UserID)
		if err != nil {
			return err
		}
		if !ok || !k.Confirmed() {
			return errMustEnrolFirst
		}
	}
	ev := entitle.AuditEvent{At: s.now(), Actor: a.Email, Company: a.Company, Action: "company.require_two_factor", Object: company,
		Outcome: "ok", Detail: fmt.Sprintf("required: %v", on)}
	return s.Store.SetRequireTwoFactor(ctx, company, on, ev)
}

// secondFactor decides what a right password of u's opens: nil, a
// session (no second factor on, none required); else the challenge to
// complete the sign-in with, as a *SecondFactorNeeded.
func (s *Service) secondFactor(ctx context.Context, u entitle.UserRecord) error {
	k, ok, err := s.key(ctx, u.ID)
	if err != nil {
		return err
	}
	purpose := entitle.ChallengeCode
	var enrol *Enrolment
	if !ok || !k.Confirmed() {
		req, err := s.Store.RequiresTwoFactor(ctx, u.Company)
		if err != nil || !req {
			return err
		}
		purpose = entitle.ChallengeEnrol
		if ok { // the key already pending: the one the app may hold already
			enrol, err = s.pending(ctx, u.User)
		} else {
			enrol, err = s.start(ctx, u.User)
		}
		if err != nil {
			return err
		}
	}
	secret, err := auth.NewSecret()
	if err != nil {
		return err
	}
	now := s.now()
	exp := now.Add(s.challengeTTL())
	if err := s.Store.AddLoginChallenge(ctx, auth.HashToken(secret), u.ID, purpose, now, exp); err != nil {
		return err
	}
	outcome := "second_factor_required"
	if purpose == entitle.ChallengeEnrol {
		outcome = "enrolment_required"
	}
	return s.auditAs(ctx, u.User, "login", outcome, &SecondFactorNeeded{Challenge: secret, ExpiresAt: exp, Enrol: enrol})
}

// ChallengeEnrolment shows the key to set up for the sign-in waiting on
// challenge, when it waits for an enrolment (nil when it waits for a
// code).
func (s *Service) ChallengeEnrolment(ctx context.Context, challenge string) (*Enrolment, error) {
	u, purpose, err := s.Store.LoginChallenge(ctx, auth.HashToken(challenge), s.now())
	if errors.Is(err, entitle.ErrNotFound) || (err == nil && u.Status != entitle.UserActive) {
		return nil, errChallengeEnded
	}
	if err != nil || purpose != entitle.ChallengeEnrol {
		return nil, err
	}
	return s.pending(ctx, u.User)
}

// Complete finishes the sign-in waiting on challenge with code: a current
// TOTP code or an unused recovery code; for a sign-in waiting for an
// enrolment, the first code of the new key, which turns it on (its
// recovery codes are returned, to be shown once). It opens the session
// (replacing the session whose secret is replacing, if any) and spends the
// challenge; meta says where the session was opened from. A wrong code leaves the challenge open until it expires, and
// counts against the code limits of the account and of addr.
func (s *Service) Complete(ctx context.Context, challenge, code, addr, replacing string, meta entitle.SessionMeta) (secret string, a entitle.Actor, recovery []string, err error) {
	if challenge == "" {
		return "", a, nil, errChallengeEnded
	}
	hash := auth.HashToken(challenge)
	u, purpose, err := s.Store.LoginChallenge(ctx, hash, s.now())
	if errors.Is(err, entitle.ErrNotFound) || (err == nil && u.Status != entitle.UserActive) {
		return "", a, nil, errChallengeEnded
	}
	if err != nil {
		return "", a, nil, err
	}
	if normalizeCode(code) == "" {
		return "", a, nil, errNoCode
	}
	switch purpose {
	case entitle.ChallengeEnrol:
		if recovery, err = s.confirm(ctx, u.User, code, addr, "login.totp.enrol"); err != nil {
			return "", a, nil, err
		}
	default:
		k, ok, err := s.key(ctx, u.ID)
		if err != nil {
			return "", a, nil, err
		}
		if !ok || !k.Confirmed() { // turned off meanwhile: sign in again
			return "", a, nil, errChallengeEnded
		}
		if err := s.checkCode(ctx, u.User, k, code, addr, "login.totp"); err != nil {
			return "", a, nil, err
		}
	}
	spent, err := s.Store.DeleteLoginChallenge(ctx, hash)
	if err != nil {
		return "", a, nil, err
	}
	if !spent { // completed by a concurrent request
		return "", a, nil, errChallengeEnded
	}
	secret, a, err = s.open(ctx, u, replacing, meta)
	return secret, a, recovery, err
}
