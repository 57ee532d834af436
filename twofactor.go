package entitle

import "time"

// TOTPKey is a user's time-based one-time password key (RFC 6238) as the
// store keeps it: sealed (encrypted), pending until a first code confirms
// it, with the last time step a code was accepted for.
type TOTPKey struct {
	UserID      int64
	Sealed      string    // the key, encrypted for the user
	CreatedAt   time.Time // when the enrolment was started
	ConfirmedAt time.Time // zero while the enrolment is pending
	LastStep    int64     // the last time step a code was accepted for; 0 for none
	// RecoveryLeft is how many of the user's recovery codes are unused.
	RecoveryLeft int
}

// Confirmed reports whether the key is in use: two-factor sign-in is on.
func (k TOTPKey) Confirmed() bool { return !k.ConfirmedAt.IsZero() }

// The purposes of a sign-in challenge: the password was right and a code
// is awaited, or the company requires two-factor sign-in and the user must
// enrol before a session opens.
const (
	ChallengeCode  = "code"
	ChallengeEnrol = "enrol"
)
