package lifecycle

import (
	"context"
	"net/url"
	"strings"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/disclose"
	"github.com/entitle-portal/entitle/internal/policy"
)

// ProfileChange is a change of a company's profile: nil fields stay.
type ProfileChange struct {
	ContactEmail *string `json:"contact_email"`
	ContactPhone *string `json:"contact_phone"`
	Website      *string `json:"website"`
	Listed       *bool   `json:"listed"`
}

// Profile returns the caller's company profile.
func (s *Service) Profile(ctx context.Context, c entitle.Actor) (entitle.Profile, error) {
	return s.Store.Profile(ctx, c.Company)
}

// listable are the kinds of company the partner directory lists.
var listable = []entitle.Kind{entitle.KindDistributor, entitle.KindReseller, entitle.KindMSP}

// SetProfile changes the caller's company profile (its administrators): how
// customers reach it, and whether it is listed in the partner directory
// (distributors, resellers and MSPs only).
func (s *Service) SetProfile(ctx context.Context, c entitle.Actor, ch ProfileChange) (entitle.Profile, error) {
	if err := policy.EditProfile(c, c.Company).Err("company", c.Company); err != nil {
		return entitle.Profile{}, err
	}
	p, err := s.Store.Profile(ctx, c.Company)
	if err != nil {
		return p, err
	}
	var ps entitle.Problems
	if ch.ContactEmail != nil {
		v := strings.TrimSpace(*ch.ContactEmail)
		if v != "" && entitle.CheckPlainEmail(v) != nil {
			ps.Add("contact_email", "must be a plain address such as sales@example.com, or empty")
		}
		p.ContactEmail = entitle.NormalizeEmail(v)
	}
	if ch.ContactPhone != nil {
		v := strings.TrimSpace(*ch.ContactPhone)
		if len(v) > 40 || strings.ContainsAny(v, "\r\n<>") {
			ps.Add("contact_phone", "at most 40 characters on one line")
		}
		p.ContactPhone = v
	}
	if ch.Website != nil {
		v := strings.TrimSpace(*ch.Website)
		if u, err := url.Parse(v); v != "" && (err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(v) > 200) {
			ps.Add("website", "must be an http(s):// address of at most 200 characters, or empty")
		}
		p.Website = v
	}
	if ch.Listed != nil {
		if *ch.Listed && !kindListable(p.Company.Kind) {
			ps.Add("listed", "only distributors, resellers and MSPs are listed in the partner directory")
		}
		p.Listed = *ch.Listed
	}
	if err := ps.Err(); err != nil {
		return p, err
	}
	ev := entitle.AuditEvent{At: s.now(), Actor: c.Email, Company: c.Company, Action: "company.profile", Object: c.Company, Outcome: "ok"}
	return p, s.Store.SetProfile(ctx, p, ev)
}

func kindListable(k entitle.Kind) bool {
	for _, l := range listable {
		if k == l {
			return true
		}
	}
	return false
}

// Directory lists the partners that chose to be listed, with how to reach
// them: any user may read it.
func (s *Service) Directory(ctx context.Context) ([]disclose.Partner, error) {
	ps, err := s.Store.Directory(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]disclose.Partner, 0, len(ps))
	for _, p := range ps {
		out = append(out, disclose.PartnerOf(p))
	}
	return out, nil
}
