package entitle

import "time"

// AuditEvent is one disclosure or change: who, which company, what, on what
// basis, with what outcome, when.
type AuditEvent struct {
	ID      int64
	At      time.Time
	Actor   string // user email, or "cli"
	Company string // the actor's company key; "" for the console
	Action  string // e.g. entitlement.export, import, user.add
	Object  string
	Basis   []Basis
	Outcome string // ok, denied, invalid
	Detail  string
	Hash    []byte // its link in the chain (auditchain.go), when read back; ignored when recording
}
