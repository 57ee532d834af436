package entitle

// Actor is who asks or acts: a user of a company — which may be the vendor —
// or the portal itself acting for a company (the console, a webhook
// delivery, an expiry notice). The policy decides on Company, Vendor and
// Admin; the audit trail names the actor by Email.
type Actor struct {
	Company string // company key
	Vendor  bool   // Company is the vendor, the operator of the deployment
	Admin   bool   // an administrator of Company (the console acts as one)
	UserID  int64  // the signed-in user; 0 when the portal acts by itself
	// Email is the user's address, or how the audit trail names a system
	// actor: "cli" for the console, "webhook:ID", "notices".
	Email string
	Name  string // the user's name; "" for a system actor
	// Language is the user's own choice of language for pages and mails
	// (User.Language); it decides nothing.
	Language string
}

// User reports whether a signed-in user acts (not the console or the portal
// itself).
func (a Actor) User() bool { return a.UserID != 0 }
