package web

import (
	"net/http"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/i18n"
	"github.com/entitle-portal/entitle/internal/lifecycle"
)

// Two pages of issue 17 over issue 6's lifecycle: Where to buy — the
// partners that chose to be listed in the directory and buying direct from
// the vendor at the premium, for every signed-in user, with or without an
// entitlement — and the company's profile: how customers reach the
// company and whether it is listed, read by every user of the company and
// kept by its administrators. Both read and write through
// internal/lifecycle, the calls the API's handlers make (lifecycle.go):
// the directory, the profile and the decision who may change it are its.

// whereToBuyPage is the data of Where to buy.
type whereToBuyPage struct {
	lifecycle.Buying
	Own string // the caller's company's key: its own listing is marked
}

// GET /where-to-buy: the listed partners with their contacts, and the
// vendor direct at the premium.
func (s *Server) whereToBuyPage(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	b, err := s.cfg.Lifecycle.WhereToBuy(r.Context())
	if err != nil {
		return err
	}
	v.Title, v.Data = i18n.For(v.Lang).T("wheretobuy.title"), whereToBuyPage{Buying: b, Own: c.Company}
	s.show(w, http.StatusOK, "where_to_buy", v)
	return nil
}

// profileForm is the profile form as shown, or as sent back.
type profileForm struct {
	ContactEmail, ContactPhone, Website string
	Listed                              bool
}

// companyPage is the data of the company profile page.
type companyPage struct {
	Profile  entitle.Profile
	Kind     string // the company's kind, in words
	Editable bool   // the caller may change the profile (lifecycle.ProfileEditable): the form is shown
	Listable bool   // the company's kind may be listed in the partner directory: the checkbox is shown
	Form     profileForm
	Problem  lifecycleRefusal // why the form was sent back
	Sent     bool             // the form was sent back with a problem: it offers Cancel
}

// kindWords names a company's kind for people, in p's language.
func kindWords(p *i18n.Printer, k entitle.Kind) string {
	if k == "" {
		return p.T("company.kind_none")
	}
	return statusWords(p, "company.kind_", string(k))
}

// GET /company: the caller's company profile; its administrators get the
// form.
func (s *Server) companyPage(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	if q := newQuery(r); q.err != nil {
		return q.err
	}
	return s.showCompany(w, r, c, v, http.StatusOK, &companyPage{})
}

// showCompany renders the page with status; a form sent back keeps what
// was sent (d.Sent), else it shows the recorded profile.
func (s *Server) showCompany(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view, status int, d *companyPage) error {
	p, err := s.cfg.Lifecycle.Profile(r.Context(), c)
	if err != nil {
		return err
	}
	d.Profile, d.Kind = p, kindWords(i18n.For(v.Lang), p.Company.Kind)
	d.Editable = s.cfg.Lifecycle.ProfileEditable(c) == nil
	d.Listable = lifecycle.Listable(p.Company.Kind)
	if !d.Sent {
		d.Form = profileForm{ContactEmail: p.ContactEmail, ContactPhone: p.ContactPhone, Website: p.Website, Listed: p.Listed}
	}
	v.Title, v.Data = i18n.For(v.Lang).T("company.title"), d
	s.show(w, status, "company", v)
	return nil
}

// POST /company (contact_email, contact_phone, website, listed): the
// company's administrators change its profile, as PATCH /api/v1/company
// does. Every field of the form is sent, so each is set (an empty one
// cleared); "listed" only for a kind the directory lists (an unticked box
// sends nothing: not listed). A problem with a field is shown next to it
// and changes nothing; a member's post is refused (403).
func (s *Server) companyForm(w http.ResponseWriter, r *http.Request, c entitle.Actor, v *view) error {
	f := r.PostForm
	form := profileForm{ContactEmail: f.Get("contact_email"), ContactPhone: f.Get("contact_phone"), Website: f.Get("website"), Listed: f.Get("listed") != ""}
	ch := lifecycle.ProfileChange{ContactEmail: &form.ContactEmail, ContactPhone: &form.ContactPhone, Website: &form.Website}
	if lifecycle.Listable(v.Company.Kind) {
		ch.Listed = &form.Listed
	}
	p, err := s.cfg.Lifecycle.SetProfile(r.Context(), c, ch)
	if err == nil {
		id := "company.saved"
		switch {
		case p.Listed:
			id = "company.saved_listed"
		case lifecycle.Listable(p.Company.Kind):
			id = "company.saved_unlisted"
		}
		msg := i18n.For(v.Lang).T(id, "Company", p.Company.Name)
		return s.done(w, r, "/company", msg)
	}
	ref, ok := lifecycleRefusalOf(err, "contact_email", "contact_phone", "website", "listed")
	if !ok {
		return err // forbidden (a member), a failure: the error page
	}
	d := &companyPage{Form: form, Problem: ref, Sent: true}
	return s.showCompany(w, r, c, v, ref.Status, d)
}
