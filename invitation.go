package entitle

import (
	"errors"
	"time"
)

// ErrAlreadyInvited: a user or an open, unexpired invitation has the address.
var ErrAlreadyInvited = errors.New("already invited")

// Invitation is a co-worker invitation as recorded (the token only as hash).
type Invitation struct {
	ID      int64
	Email   string
	Company string // the company the new user joins
	// InviterID is the inviting user; 0 when the vendor's operator invited
	// (the CLI). InviterEmail and InviterName are read, never written.
	InviterID                 int64
	InviterEmail, InviterName string
	Admin                     bool // the new user joins as a company administrator
	TokenHash                 string
	CreatedAt, ExpiresAt      time.Time
	AcceptedAt, RevokedAt     time.Time // zero when not
	Mail                      MailState
}

// MailState is how the delivery of an invitation's mail went.
type MailState struct {
	Status   string    // MailQueued, MailSent, MailRetrying or MailFailed
	Attempts int       // delivery attempts of the current link
	Error    string    // why the last attempt failed, in words for an administrator
	At       time.Time // the last attempt; zero before the first
}

// The delivery states of an invitation's mail.
const (
	MailQueued   = "queued"   // committed, not tried yet
	MailSent     = "sent"     // handed to the mail server (or written to the outbox)
	MailRetrying = "retrying" // the last attempt failed; another follows
	MailFailed   = "failed"   // given up: an administrator may resend
)

// The states of an invitation.
const (
	InvitationPending  = "pending"
	InvitationExpired  = "expired"
	InvitationAccepted = "accepted"
	InvitationRevoked  = "revoked"
)

// State is the invitation's state at now.
func (inv Invitation) State(now time.Time) string {
	switch {
	case !inv.AcceptedAt.IsZero():
		return InvitationAccepted
	case !inv.RevokedAt.IsZero():
		return InvitationRevoked
	case !inv.ExpiresAt.After(now):
		return InvitationExpired
	}
	return InvitationPending
}

// Open reports whether the invitation is neither accepted nor revoked (it
// may have expired: it can then be sent again).
func (inv Invitation) Open() bool { return inv.AcceptedAt.IsZero() && inv.RevokedAt.IsZero() }

// ErrInvitationClosed: the invitation was accepted or revoked already.
var ErrInvitationClosed = errors.New("invitation closed")

// Why an invitation token does not work.
var (
	ErrInvitationUnknown = errors.New("invitation unknown")
	ErrInvitationExpired = errors.New("invitation expired")
	ErrInvitationUsed    = errors.New("invitation already used")
	ErrInvitationRevoked = errors.New("invitation revoked")
)
