package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/entitle-portal/entitle/internal/policy"
)

// The matrix's checkers of the company pages: Where to buy and the
// company profile.

var partnerHeading = regexp.MustCompile(`<h3 id="partner-([^"]+)-h">`)

// checkWhereToBuyPage: every subject gets the page, listing exactly the
// partners the directory lists (GET /api/v1/partners, the vendor aside)
// and buying direct at the premium.
func checkWhereToBuyPage(t *testing.T, m *mx, s *subject) {
	res := m.page(t, s, http.MethodGet, "/where-to-buy", nil)
	if !m.check(t, res.status == http.StatusOK, "%s: GET /where-to-buy: %d", s.name, res.status) {
		return
	}
	dir := m.api(t, s, http.MethodGet, "/api/v1/partners", nil)
	var page struct {
		Items []struct{ Key string } `json:"items"`
	}
	dir.json(t, &page)
	var want []string
	for _, p := range page.Items {
		if p.Key != "VENDOR" {
			want = append(want, p.Key)
		}
	}
	var got []string
	for _, mm := range partnerHeading.FindAllStringSubmatch(string(res.body), -1) {
		got = append(got, mm[1])
	}
	slices.Sort(got)
	slices.Sort(want)
	m.check(t, slices.Equal(got, want), "%s: GET /where-to-buy lists %v, the directory %v", s.name, got, want)
	m.check(t, strings.Contains(string(res.body), "at the partner price plus 10 %"), "%s: GET /where-to-buy: no premium", s.name)
}

// checkCompanyPage: every user reads its own company's profile; the form
// is there exactly for those policy.EditProfile allows.
func checkCompanyPage(t *testing.T, m *mx, s *subject) {
	res := m.page(t, s, http.MethodGet, "/company", nil)
	if !m.check(t, res.status == http.StatusOK, "%s: GET /company: %d", s.name, res.status) {
		return
	}
	body := string(res.body)
	m.check(t, strings.Contains(body, "<dt>Account key</dt><dd>"+s.company()+"</dd>"), "%s: GET /company: not its own company", s.name)
	editable := policy.EditProfile(s.actor, s.company()).Allowed
	m.check(t, strings.Contains(body, `action="/company"`) == editable && strings.Contains(body, `id="profile-readonly"`) == !editable,
		"%s: GET /company: the form shown %v, want %v", s.name, !editable, editable)
}

// checkCompanyForm: administrators keep their company's profile
// (policy.EditProfile); a contact address that is none is the allowed
// party's 422, members' posts are refused (403). Nothing changes.
func checkCompanyForm(t *testing.T, m *mx, s *subject) {
	d := policy.EditProfile(s.actor, s.company())
	res := m.page(t, s, http.MethodPost, "/company", url.Values{"contact_email": {"not an address"}, "contact_phone": {""}, "website": {""}})
	if m.answers(t, s, "POST /company", res, d, http.StatusUnprocessableEntity, http.StatusForbidden, s.company(), s.company(), nil) {
		m.check(t, strings.Contains(string(res.body), `id="profile-email-error"`), "%s: POST /company: no field error", s.name)
	}
}
