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

// ProfileEditable says whether c may change its company's profile (its
// administrators): nil, or the refusal SetProfile would answer.
func (s *Service) ProfileEditable(c entitle.Actor) error {
	return policy.EditProfile(c, c.Company).Err("company", c.Company)
}

// SetProfile changes the caller's company profile (its administrators): how
// customers reach it, and whether it is listed in the partner directory
// (distributors, resellers and MSPs only).
func (s *Service) SetProfile(ctx context.Context, c entitle.Actor, ch ProfileChange) (entitle.Profile, error) {
	if err := s.ProfileEditable(c); err != nil {
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
		if *ch.Listed && !Listable(p.Company.Kind) {
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

// Listable reports whether a company of kind k may be listed in the
// partner directory.
func Listable(k entitle.Kind) bool {
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

// Buying is where any company can buy: from the partners listed in the
// directory (recommended), or direct from the vendor at the partner price
// plus Premium.
type Buying struct {
	Partners []disclose.Partner `json:"partners"`
	// Vendor is the vendor and how to reach it (its own profile); nil
	// before the vendor is recorded.
	Vendor  *disclose.Partner `json:"vendor,omitempty"`
	Premium entitle.Decimal   `json:"premium_percent"`
}

// WhereToBuy lists the ways any company can buy: the partners that chose
// to be listed in the directory — as Directory, the vendor aside, as on a
// renewal's options — and the vendor direct at the premium. Any user may
// read it, with or without an entitlement.
func (s *Service) WhereToBuy(ctx context.Context) (Buying, error) {
	out := Buying{Partners: []disclose.Partner{}, Premium: s.Premium()}
	dir, err := s.Directory(ctx)
	if err != nil {
		return out, err
	}
	vendorKey, err := s.Store.VendorKey(ctx)
	if err != nil {
		return out, err
	}
	for _, p := range dir {
		if p.Key != vendorKey {
			out.Partners = append(out.Partners, p)
		}
	}
	if vendorKey != "" {
		vp, err := s.Store.Profile(ctx, vendorKey)
		if err != nil {
			return out, err
		}
		v := disclose.PartnerOf(vp)
		out.Vendor = &v
	}
	return out, nil
}
