package entitle

// Profile is how a company's customers reach it, and whether it is listed
// in the partner directory.
type Profile struct {
	Company      Company
	ContactEmail string
	ContactPhone string
	Website      string
	Listed       bool
	// RequireTwoFactor: the company's users must sign in with a second
	// factor (TOTP); set by its administrators.
	RequireTwoFactor bool
}
