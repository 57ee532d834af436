package policy_test

import (
	"testing"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
)

// TestManageWebhooks: every kind of caller against its own company's
// webhooks and another's.
func TestManageWebhooks(t *testing.T) {
	for _, tc := range []struct {
		c             entitle.Actor
		company       string
		allow, hidden bool
	}{
		{entitle.Actor{Company: "RES", Admin: true, UserID: 1}, "RES", true, false},
		{entitle.Actor{Company: "RES", UserID: 2}, "RES", false, false},
		{entitle.Actor{Company: "RES", Admin: true, UserID: 1}, "OTHER", false, true},
		{entitle.Actor{Company: "RES", UserID: 2}, "OTHER", false, true},
		{entitle.Actor{Company: "V", Vendor: true, Admin: true, UserID: 3}, "V", true, false},
		{entitle.Actor{Company: "V", Vendor: true, UserID: 4}, "V", false, false},
		{entitle.Actor{Company: "V", Vendor: true, Admin: true, UserID: 3}, "RES", false, true},
		{entitle.Actor{Company: "V", Vendor: true, UserID: 4}, "RES", false, true},
		{entitle.Actor{}, "RES", false, true},
		{entitle.Actor{}, "", false, true},
	} {
		decided(t, "ManageWebhooks "+tc.c.Company+" "+tc.company, policy.ManageWebhooks(tc.c, tc.company), tc.allow, tc.hidden)
	}
	if d := policy.ManageWebhooks(entitle.Actor{Company: "RES"}, "RES"); d.Err("webhook", "1").Error() == "" {
		t.Error("a member's refusal has no message")
	}
}

// TestChooseNotices: every signed-in user chooses; the portal acting by
// itself does not.
func TestChooseNotices(t *testing.T) {
	for _, tc := range []struct {
		c             entitle.Actor
		allow, hidden bool
	}{
		{entitle.Actor{Company: "RES", Admin: true, UserID: 1}, true, false},
		{entitle.Actor{Company: "RES", UserID: 2}, true, false},
		{entitle.Actor{Company: "V", Vendor: true, UserID: 3}, true, false},
		{entitle.Actor{Company: "RES", Admin: true, Email: "cli"}, false, true},
		{entitle.Actor{}, false, true},
	} {
		decided(t, "ChooseNotices "+tc.c.Company, policy.ChooseNotices(tc.c), tc.allow, tc.hidden)
	}
	for _, kind := range entitle.NoticeKinds {
		if !policy.ReceivesNotice(true, kind) || policy.ReceivesNotice(false, kind) {
			t.Errorf("%s: administrators receive it by default, members do not", kind)
		}
	}
}
