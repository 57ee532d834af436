package accounts

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
)

// Notice preferences (issue 14): each user chooses which kinds of notices
// they receive (entitle.NoticeKinds). Without a choice, the policy's default
// applies: administrators receive every kind, members none. The senders ask
// the store for a kind's recipients (NoticeReaders), which applies the
// same rule.

// Notices returns a's choice for every kind of notice, in the order of
// entitle.NoticeKinds.
func (s *Service) Notices(ctx context.Context, a entitle.Actor) ([]entitle.NoticeChoice, error) {
	if err := policy.ChooseNotices(a).Err("notice preferences", ""); err != nil {
		return nil, err
	}
	chosen, err := s.Store.NoticeChoices(ctx, a.UserID)
	if err != nil {
		return nil, err
	}
	out := make([]entitle.NoticeChoice, 0, len(entitle.NoticeKinds))
	for _, kind := range entitle.NoticeKinds {
		c := entitle.NoticeChoice{Kind: kind, Default: policy.ReceivesNotice(a.Admin, kind)}
		c.Receive = c.Default
		if on, ok := chosen[kind]; ok {
			c.Receive, c.Chosen = on, true
		}
		out = append(out, c)
	}
	return out, nil
}

// SetNotices records a's choices (by kind; a kind left out keeps what it
// had), audited as notices.change, and returns every choice as it is now.
// An unknown kind changes nothing.
func (s *Service) SetNotices(ctx context.Context, a entitle.Actor, choices map[string]bool) ([]entitle.NoticeChoice, error) {
	if err := policy.ChooseNotices(a).Err("notice preferences", ""); err != nil {
		return nil, err
	}
	var ps entitle.Problems
	var detail []string
	for _, kind := range slices.Sorted(maps.Keys(choices)) {
		if !slices.Contains(entitle.NoticeKinds, kind) {
			ps.Add("notices."+kind, "unknown kind of notice %q: the kinds are %s", kind, strings.Join(entitle.NoticeKinds, ", "))
			continue
		}
		detail = append(detail, fmt.Sprintf("%s=%t", kind, choices[kind]))
	}
	if err := ps.Err(); err != nil {
		return nil, err
	}
	if len(choices) > 0 {
		now := s.now()
		if err := s.Store.SetNoticeChoices(ctx, a.UserID, choices, now, entitle.AuditEvent{At: now, Actor: a.Email, Company: a.Company,
			Action: "notices.change", Object: a.Email, Outcome: "ok", Detail: strings.Join(detail, " ")}); err != nil {
			return nil, err
		}
	}
	return s.Notices(ctx, a)
}
