package entitle

import (
	"strings"
	"time"
)

// UserStatus says whether a user may sign in.
type UserStatus string

const (
	UserActive   UserStatus = "active"
	UserDisabled UserStatus = "disabled"
)

// User is a person who signs in to the portal. A user belongs to exactly one
// company and sees what that company may see.
type User struct {
	ID        int64
	Email     string // unique across the portal, compared case-insensitively
	Name      string
	Company   string // company key
	Admin     bool   // company administrator
	Status    UserStatus
	CreatedAt time.Time
	// Language is the language the user reads the portal and its mails in:
	// "en", "de", or "" for the browser's choice (Accept-Language).
	Language string
}

// NormalizeEmail is the form in which emails are compared and stored:
// trimmed, with the ASCII letters lower-cased. Only ASCII: a plain address
// (CheckPlainEmail) is ASCII, and Unicode lower-casing would turn addresses
// CheckPlainEmail refuses into ones it accepts ("\u212Aate@x.com", with the
// Kelvin sign, into "kate@x.com").
func NormalizeEmail(s string) string {
	b := []byte(strings.TrimSpace(s))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// Validate checks the user's fields.
func (u User) Validate() error {
	var ps Problems
	if err := CheckPlainEmail(u.Email); err != nil {
		ps.Add("email", "%v", err)
	}
	checkText(&ps, "name", u.Name, true)
	checkKey(&ps, "company", u.Company)
	if u.Status != UserActive && u.Status != UserDisabled {
		ps.Add("status", "%q is not active or disabled", clip(string(u.Status)))
	}
	return ps.Err()
}

// UserRecord is a user with what only the store and authentication see.
type UserRecord struct {
	User
	PasswordHash string
}

// UserChange is a change of one user's standing in their company: nil
// fields stay as they are.
type UserChange struct {
	Status *UserStatus
	Admin  *bool
}

// Actor is u acting, in a deployment whose vendor company has key vendor.
func (u User) Actor(vendor string) Actor {
	return Actor{Company: u.Company, Vendor: vendor != "" && vendor == u.Company, Admin: u.Admin, UserID: u.ID, Email: u.Email, Name: u.Name, Language: u.Language}
}
