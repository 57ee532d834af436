package entitle

import (
	"errors"
	"time"
)

// Session is a signed-in session, as its user sees it in their list of
// sessions.
type Session struct {
	// ID names the session without giving it away: the first 16 hex digits
	// of its secret's hash (the cookie holds the secret, the database the
	// hash).
	ID                               string
	CreatedAt, LastSeenAt, ExpiresAt time.Time
	Address                          string // the client address it was opened from
	UserAgent                        string // the browser or program that opened it, clipped
}

// SessionMeta is where a session is opened from.
type SessionMeta struct {
	Address, UserAgent string
}

// APIToken is a personal API token as its user sees it: the token itself is
// shown once, when it is made, and stored only as a hash.
type APIToken struct {
	ID         int64
	Name       string
	CreatedAt  time.Time
	LastUsedAt time.Time // zero: never used
	ExpiresAt  time.Time // zero: never expires (tokens the operator made)
	Scopes     Scopes    // what it may be used for (scope.go)
}

// PasswordReset is a single-use link that sets a user's password.
type PasswordReset struct {
	ID          int64
	UserID      int64
	RequestedBy int64 // the administrator who sent it; 0: the user asked, or the operator
	CreatedAt   time.Time
	ExpiresAt   time.Time
	UsedAt      time.Time // zero while unused
}

// Why a password reset link does not work.
var (
	ErrResetUnknown = errors.New("password reset link unknown")
	ErrResetExpired = errors.New("password reset link expired")
	ErrResetUsed    = errors.New("password reset link already used")
)
