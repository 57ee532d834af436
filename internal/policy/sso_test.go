package policy_test

import (
	"strings"
	"testing"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
)

// TestSSOSignIn: a company's provider signs in only addresses of its
// domains, its own active users, and newcomers as members (S1, S2).
func TestSSOSignIn(t *testing.T) {
	yes, no := true, false
	member := &entitle.User{Email: "ann@acme.example", Company: "ACME", Status: entitle.UserActive}
	admin := &entitle.User{Email: "ann@acme.example", Company: "ACME", Status: entitle.UserActive, Admin: true}
	disabled := &entitle.User{Email: "ann@acme.example", Company: "ACME", Status: entitle.UserDisabled}
	foreign := &entitle.User{Email: "ann@acme.example", Company: "OTHER", Status: entitle.UserActive}
	domains := []string{"acme.example", "acme.de"}
	for _, tc := range []struct {
		name     string
		email    string
		verified *bool
		existing *entitle.User
		allowed  bool
		join     bool
		reason   string
	}{
		{"newcomer", "new@acme.de", nil, nil, true, true, "S2"},
		{"newcomer, verified", "new@acme.example", &yes, nil, true, true, "S2"},
		{"member", "ann@acme.example", &yes, member, true, false, "S2"},
		{"administrator stays one", "ann@acme.example", nil, admin, true, false, "S2"},
		{"unverified", "new@acme.example", &no, nil, false, false, "not verified"},
		{"another domain", "new@elsewhere.example", nil, nil, false, false, "no longer vouches"},
		{"a subdomain is another domain", "new@eu.acme.example", nil, nil, false, false, "no longer vouches"},
		{"no email", "", nil, nil, false, false, "no email"},
		{"disabled", "ann@acme.example", nil, disabled, false, false, "disabled"},
		{"another company's user", "ann@acme.example", nil, foreign, false, false, "another company"},
	} {
		d, join := policy.SSOSignIn(policy.SSOFacts{Via: "ACME", Domains: domains, Email: tc.email, EmailVerified: tc.verified, Existing: tc.existing})
		if d.Allowed != tc.allowed || join != tc.join || !strings.Contains(strings.Join(d.Reasons, ";"), tc.reason) {
			t.Errorf("%s: allowed %v join %v %v; want %v %v (%s)", tc.name, d.Allowed, join, d.Reasons, tc.allowed, tc.join, tc.reason)
		}
	}
	if policy.PasswordSignIn(false).Allowed || !policy.PasswordSignIn(true).Allowed {
		t.Error("PasswordSignIn")
	}
	vendorAdmin := entitle.Actor{Company: "V", Vendor: true, Admin: true}
	vendorMember := entitle.Actor{Company: "V", Vendor: true}
	other := entitle.Actor{Company: "ACME", Admin: true}
	if !policy.ConfigureSSO(vendorAdmin, true).Allowed || policy.ConfigureSSO(vendorMember, true).Allowed || !policy.ConfigureSSO(vendorMember, false).Allowed {
		t.Error("ConfigureSSO for the vendor")
	}
	if d := policy.ConfigureSSO(other, false); d.Allowed || d.Visible {
		t.Errorf("ConfigureSSO for another company: %+v", d)
	}
}
