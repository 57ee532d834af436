package web_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
)

// The checkers of the authorization matrix, one per route pattern of
// routes.go (TestMatrixCoversEveryRoute keeps the two lists equal). A
// checker asks its route as one subject, about every object the route
// names, and asserts each answer through m.check.

type checker func(t *testing.T, m *mx, s *subject)

func matrixChecks() map[string]checker {
	return map[string]checker{
		// Authentication and the public routes: the same answer for every
		// subject as for nobody.
		"POST /api/v1/login":  publicAPI(http.MethodPost, "/api/v1/login", map[string]string{}),
		"POST /api/v1/logout": publicAPI(http.MethodPost, "/api/v1/logout", nil),
		"POST /api/v1/invitations/accept": publicAPI(http.MethodPost, "/api/v1/invitations/accept",
			map[string]string{"token": "not-a-token", "name": "Nobody", "password": "a long enough password"}),
		"GET /api/v1/openapi.json": publicAPI(http.MethodGet, "/api/v1/openapi.json", nil),
		"POST /api/v1/sso/start":   publicAPI(http.MethodPost, "/api/v1/sso/start", map[string]string{"email": "someone@nowhere.example"}),
		"GET /sso/callback":        publicPage(http.MethodGet, "/sso/callback?state=not-a-state&code=not-a-code", nil),
		"/api/":                    checkAPICatchAll,
		"GET /healthz":             publicAPI(http.MethodGet, "/healthz", nil),
		"GET /readyz":              publicAPI(http.MethodGet, "/readyz", nil),
		"GET /metrics":             checkMetrics,
		"GET /login":               publicPage(http.MethodGet, "/login?next=/delegations", nil),
		"POST /login":              publicPage(http.MethodPost, "/login", url.Values{"email": {""}, "password": {""}}),
		"POST /logout":             checkLogout,
		"GET /invitations/accept":  publicPage(http.MethodGet, "/invitations/accept?token=not-a-token", nil),
		"POST /invitations/accept": publicPage(http.MethodPost, "/invitations/accept", url.Values{"token": {"not-a-token"}, "name": {"N"}, "password": {"a long enough password"}}),
		"GET /static/":             publicPage(http.MethodGet, "/static/style.css", nil),

		// The password lifecycle of a visitor: the same answers for every
		// subject as for nobody (a malformed address, a link that is not
		// one: nothing is sent, nothing changes).
		"POST /api/v1/password/forgot": publicAPI(http.MethodPost, "/api/v1/password/forgot", map[string]string{"email": "not an address"}),
		"POST /api/v1/password/reset":  publicAPI(http.MethodPost, "/api/v1/password/reset", map[string]string{"token": "not-a-token", "password": "a long enough password"}),
		"GET /password/forgot":         publicPage(http.MethodGet, "/password/forgot", nil),
		"POST /password/forgot":        publicPage(http.MethodPost, "/password/forgot", url.Values{"email": {""}}),
		"GET /password/reset":          publicPage(http.MethodGet, "/password/reset?token=not-a-token", nil),
		"POST /password/reset":         publicPage(http.MethodPost, "/password/reset", url.Values{"token": {"not-a-token"}, "password": {"a long enough password"}}),

		// A user's own account: every user has one, and nobody reaches
		// another's sessions or tokens (R7).
		"POST /api/v1/password":                     checkChangePassword(false),
		"POST /account/password":                    checkChangePassword(true),
		"GET /api/v1/me/sessions":                   checkSessions,
		"GET /account":                              checkAccountPage,
		"DELETE /api/v1/me/sessions/{id}":           checkEndSession(false),
		"POST /account/sessions/{id}/end":           checkEndSession(true),
		"POST /api/v1/me/sessions/end-others":       checkEndOtherSessions(false),
		"POST /account/sessions/end-others":         checkEndOtherSessions(true),
		"GET /api/v1/me/tokens":                     checkTokens,
		"POST /api/v1/me/tokens":                    checkCreateToken(false),
		"POST /account/tokens":                      checkCreateToken(true),
		"DELETE /api/v1/me/tokens/{id}":             checkRevokeToken(false),
		"POST /account/tokens/{id}/revoke":          checkRevokeToken(true),
		"POST /api/v1/users/{id}/password-reset":    checkSendReset(false),
		"POST /coworkers/users/{id}/password-reset": checkSendReset(true),
		"/": publicPage(http.MethodGet, "/nowhere/at/all", nil),

		// Self-service (matrix_selfservice_test.go): a company's webhooks,
		// each user's notices.
		"GET /api/v1/me/notices":               checkNotices,
		"PUT /api/v1/me/notices":               checkSetNotices(false),
		"POST /account/notices":                checkSetNotices(true),
		"POST /account/language":               checkSetLanguage,
		"GET /api/v1/webhooks":                 checkListWebhooks,
		"POST /api/v1/webhooks":                checkAddWebhook(false),
		"DELETE /api/v1/webhooks/{id}":         checkRemoveWebhook(false),
		"POST /api/v1/webhooks/{id}/test":      checkTestWebhook(false),
		"GET /api/v1/webhooks/{id}/deliveries": checkWebhookDeliveries(false),
		"GET /webhooks":                        checkWebhooksPage,
		"POST /webhooks":                       checkAddWebhook(true),
		"GET /webhooks/{id}":                   checkWebhookDeliveries(true),
		"POST /webhooks/{id}/test":             checkTestWebhook(true),
		"POST /webhooks/{id}/remove":           checkRemoveWebhook(true),

		// Entitlements and orders: the rules table.
		"GET /api/v1/me":                               checkMe,
		"GET /api/v1/entitlements":                     both(checkListAndSearch, checkCompanyFilter),
		"GET /api/v1/entitlements/{id}":                checkGet,
		"GET /api/v1/entitlements/{id}/access":         checkAccessAndAt,
		"GET /api/v1/entitlements/{id}/access/history": checkAccessHistory,
		"GET /entitlements/{id}/access-history":        checkAccessHistoryPage,
		"GET /api/v1/orders":                           checkOrderList,
		"GET /orders.csv":                              checkOrdersCSV,
		"GET /api/v1/orders/{po}":                      checkOrder,
		"GET /api/v1/orders/{po}/entitlements":         checkOrderEntitlements,
		"GET /{$}":                                     checkListPage,
		"GET /entitlements.csv":                        checkCSV,
		"GET /entitlements/{id}":                       checkEntitlementPage,
		"GET /orders":                                  checkOrdersPage,
		"GET /api/v1/entitlements/{id}/renewal":        checkRenewalOptions,
		"GET /entitlements/{id}/renew":                 checkRenewPage,

		// Acting on an entitlement: renewal requests and transfers.
		"POST /api/v1/entitlements/{id}/renewal-requests":    checkEntitlementAction("renewal-requests", "renew", "route", "by-carrier-pigeon", requestRenewal, false),
		"POST /entitlements/{id}/renew":                      checkEntitlementAction("renewal-requests", "renew", "route", "by-carrier-pigeon", requestRenewal, true),
		"POST /api/v1/entitlements/{id}/transfers":           checkEntitlementAction("transfers", "transfer", "to", "", policy.OfferTransfer, false),
		"POST /entitlements/{id}/transfer":                   checkEntitlementAction("transfers", "transfer", "to", "", policy.OfferTransfer, true),
		"GET /api/v1/renewal-requests":                       checkRenewalRequests,
		"GET /renewals":                                      checkRenewalsPage,
		"PATCH /api/v1/renewal-requests/{id}":                checkAnswerRenewal(false),
		"POST /renewals/{id}":                                checkAnswerRenewal(true),
		"GET /api/v1/transfers":                              checkTransfers,
		"POST /api/v1/access-requests":                       checkCreateAccessRequest(false),
		"POST /access-requests":                              checkCreateAccessRequest(true),
		"GET /api/v1/access-requests":                        checkAccessRequests,
		"GET /access-requests":                               checkAccessRequestsPage,
		"POST /api/v1/access-requests/{id}/withdraw":         checkWithdrawAccessRequest(false),
		"POST /access-requests/{id}/withdraw":                checkWithdrawAccessRequest(true),
		"GET /api/v1/access-requests/link/{secret}":          checkOpenAccessLink(false),
		"GET /access-requests/open":                          checkOpenAccessLink(true),
		"POST /api/v1/access-requests/link/{secret}/approve": checkAnswerAccessLink(policy.AccessApprove, false),
		"POST /api/v1/access-requests/link/{secret}/decline": checkAnswerAccessLink(policy.AccessDecline, false),
		"POST /access-requests/open":                         checkAnswerAccessLink(policy.AccessApprove, true),
		"GET /transfers":                                     checkTransfersPage,
		"POST /api/v1/transfers/{id}/{action}":               checkAnswerTransfer(false),
		"POST /transfers/{id}/{action}":                      checkAnswerTransfer(true),

		// The company profile and the partner directory.
		"GET /api/v1/company":   checkCompany,
		"PATCH /api/v1/company": checkPatchCompany,
		"GET /api/v1/partners":  checkPartners,
		// Their pages (matrix_company_test.go).
		"GET /where-to-buy": checkWhereToBuyPage,
		"GET /company":      checkCompanyPage,
		"POST /company":     checkCompanyForm,

		// Delegations (R4, R5, R7).
		"GET /api/v1/delegations":         checkDelegations,
		"GET /delegations":                checkDelegationsPage,
		"POST /api/v1/delegations":        checkGrant(false),
		"POST /delegations":               checkGrant(true),
		"DELETE /api/v1/delegations/{id}": checkRevoke(false),
		"POST /delegations/{id}/revoke":   checkRevoke(true),
		"POST /api/v1/delegations/revoke": checkBulkRevoke(false),
		"POST /entitlements/bulk":         checkBulkPortal,

		// Co-workers: invitations and users (SPEC §4, R7).
		"POST /api/v1/invitations":                checkInvite(false),
		"POST /coworkers/invite":                  checkInvite(true),
		"GET /api/v1/invitations":                 checkInvitations,
		"GET /coworkers":                          checkCoworkersPage,
		"DELETE /api/v1/invitations/{id}":         checkManageInvitation(http.MethodDelete, "/api/v1/invitations/%s"),
		"POST /api/v1/invitations/{id}/resend":    checkManageInvitation(http.MethodPost, "/api/v1/invitations/%s/resend"),
		"POST /coworkers/invitations/{id}/revoke": checkManageInvitation(http.MethodPost, "/coworkers/invitations/%s/revoke"),
		"POST /coworkers/invitations/{id}/resend": checkManageInvitation(http.MethodPost, "/coworkers/invitations/%s/resend"),
		"GET /api/v1/users":                       checkUsers,
		"PATCH /api/v1/users/{id}":                checkChangeUser(false),
		"POST /coworkers/users/{id}":              checkChangeUser(true),

		// The audit trail (R7).
		"GET /api/v1/audit": both(checkAudit(false), checkAuditFilters(false)),
		"GET /audit":        both(checkAudit(true), checkAuditFilters(true)),

		// The vendor's pages (R6, R7) and announcements.
		"GET /vendor/companies":               checkVendorPage("/vendor/companies"),
		"GET /vendor/msas":                    checkVendorPage("/vendor/msas"),
		"GET /vendor/import":                  checkVendorPage("/vendor/import"),
		"GET /vendor/announcements":           checkVendorPage("/vendor/announcements"),
		"POST /vendor/import":                 checkVendorChange("/vendor/import", url.Values{"dry_run": {"1"}}),
		"POST /vendor/announcements":          checkVendorChange("/vendor/announcements", url.Values{"title": {""}}),
		"POST /vendor/announcements/{id}/end": checkEndAnnouncement,
		"GET /vendor/sso":                     checkVendorPage("/vendor/sso"),
		"POST /vendor/sso":                    checkVendorChange("/vendor/sso", url.Values{"company": {""}}),
		"POST /vendor/sso/{company}/remove":   checkRemoveSSO,
		"POST /announcements/{id}/dismiss":    checkDismiss,

		// The ingest API (matrix_imports_test.go): the vendor's
		// administrators import, its members read the imports.
		"POST /api/v1/imports":     checkCreateImport,
		"GET /api/v1/imports":      checkListImports,
		"GET /api/v1/imports/{id}": checkGetImport,

		// Two-factor sign-in (matrix_twofactor_test.go): each subject acts on
		// its own account only; a company's requirement is its
		// administrators' (policy.RequireTwoFactor).
		"POST /api/v1/login/totp": publicAPI(http.MethodPost, "/api/v1/login/totp",
			map[string]string{"challenge": "not-a-challenge", "code": "123456"}),
		"GET /login/two-factor":                   publicPage(http.MethodGet, "/login/two-factor?next=/delegations", nil),
		"POST /login/two-factor":                  publicPage(http.MethodPost, "/login/two-factor", url.Values{"code": {"123456"}, "next": {"/delegations"}}),
		"GET /api/v1/me/totp":                     checkTOTPStatus,
		"POST /api/v1/me/totp":                    checkStartTOTP(false),
		"POST /account/two-factor/start":          checkStartTOTP(true),
		"POST /api/v1/me/totp/confirm":            checkTOTPOff(http.MethodPost, "/api/v1/me/totp/confirm", false),
		"POST /account/two-factor/confirm":        checkTOTPOff(http.MethodPost, "/account/two-factor/confirm", true),
		"POST /api/v1/me/totp/recovery-codes":     checkTOTPOff(http.MethodPost, "/api/v1/me/totp/recovery-codes", false),
		"POST /account/two-factor/recovery-codes": checkTOTPOff(http.MethodPost, "/account/two-factor/recovery-codes", true),
		"DELETE /api/v1/me/totp":                  checkTOTPOff(http.MethodDelete, "/api/v1/me/totp", false),
		"POST /account/two-factor/disable":        checkTOTPOff(http.MethodPost, "/account/two-factor/disable", true),
		"GET /account/two-factor":                 checkTwoFactorPage,
		"PUT /api/v1/company/two-factor":          checkRequireTwoFactor(false),
		"POST /account/two-factor/require":        checkRequireTwoFactor(true),
	}
}

// ---- The public routes ----

// publicAPI: the route answers a subject exactly as it answers nobody.
func publicAPI(method, path string, body any) checker {
	return func(t *testing.T, m *mx, s *subject) {
		got := m.api(t, s, method, path, body)
		want := m.anonymousAnswer(t, "api "+method+" "+path, request{method: method, path: path, body: body})
		m.check(t, got.status == want.status && string(got.body) == string(want.body),
			"%s: %s %s: %d %s; nobody gets %d %s", s.name, method, path, got.status, clip(got.body), want.status, clip(want.body))
	}
}

// publicPage: the page answers a signed-in subject exactly as it answers
// a visitor.
func publicPage(method, path string, form url.Values) checker {
	return func(t *testing.T, m *mx, s *subject) {
		r := request{method: method, path: path, client: s.client}
		if form != nil {
			r.body, r.header = form.Encode(), map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
		}
		got := m.doAs(t, r)
		r.client = m.anonymous
		want := m.anonymousAnswer(t, "page "+method+" "+path, r)
		// An error page keeps a signed-in user's own frame (navigation,
		// name, sign-out): what the route answers is the rest.
		m.check(t, got.status == want.status && withoutFrame(got.body) == withoutFrame(want.body) && got.header.Get("Location") == want.header.Get("Location"),
			"%s: %s %s: %d %s; a visitor gets %d %s", s.name, method, path, got.status, clip(got.body), want.status, clip(want.body))
	}
}

func (m *mx) anonymousAnswer(t *testing.T, key string, r request) response {
	t.Helper()
	m.mu.Lock()
	res, ok := m.missing["anonymous\x00"+key]
	m.mu.Unlock()
	if !ok {
		if r.client == nil {
			r.client = m.anonymous
		}
		res = m.doAs(t, r)
		m.mu.Lock()
		m.missing["anonymous\x00"+key] = res
		m.mu.Unlock()
	}
	return res
}

// checkAPICatchAll: a path no API route takes is 404, a method it does not
// take 405, for everybody alike.
func checkAPICatchAll(t *testing.T, m *mx, s *subject) {
	publicAPI(http.MethodGet, "/api/v1/nowhere", nil)(t, m, s)
	publicAPI(http.MethodDelete, "/api/v1/me", nil)(t, m, s)
}

// checkLogout: signing out ends the session it is sent with — a second
// session of the subject's, opened for the purpose — and answers as it
// answers a visitor; the subject's own session lives on.
func checkLogout(t *testing.T, m *mx, s *subject) {
	u, err := m.db.UserByEmail(t.Context(), s.user.Email)
	if err != nil {
		t.Fatal(err)
	}
	c := m.session(t, u)
	got := m.doAs(t, request{method: http.MethodPost, path: "/logout", client: c})
	want := m.anonymousAnswer(t, "page POST /logout", request{method: http.MethodPost, path: "/logout"})
	m.check(t, got.status == want.status && got.header.Get("Location") == want.header.Get("Location"),
		"%s: POST /logout: %d to %s; a visitor gets %d to %s", s.name, got.status, got.header.Get("Location"), want.status, want.header.Get("Location"))
	after := m.doAs(t, request{method: http.MethodGet, path: "/delegations", client: c})
	m.check(t, after.status == http.StatusSeeOther && strings.HasPrefix(after.header.Get("Location"), "/login"),
		"%s: the session signed out still opens a page: %d", s.name, after.status)
}

// ---- Entitlements and orders ----

func checkMe(t *testing.T, m *mx, s *subject) {
	res := m.api(t, s, http.MethodGet, "/api/v1/me", nil)
	if !m.check(t, res.status == http.StatusOK, "%s: GET /api/v1/me: %d", s.name, res.status) {
		return
	}
	var me struct {
		User    map[string]any `json:"user"`
		Company map[string]any `json:"company"`
	}
	var top map[string]any
	res.json(t, &me)
	res.json(t, &top)
	m.check(t, maps.Equal(topKeys(top), keySet("user", "company")) && maps.Equal(topKeys(me.User), keySet("email", "name", "admin")) &&
		maps.Equal(topKeys(me.Company), keySet("key", "name")), "%s: /me keys: %s", s.name, res.body)
	m.check(t, me.User["email"] == s.user.Email && me.User["admin"] == s.user.Admin && me.Company["key"] == s.company(),
		"%s: /me is someone else: %s", s.name, res.body)
}

// subsAfterMissing are the subscription IDs the checkers ask about: a
// missing one first (its 404 is the one the hidden ones' must equal), then
// every entitlement of the world.
func (m *mx) subsAfterMissing() []string { return append([]string{missingSub}, m.subs()...) }

// visible lists the entitlements s sees in its list (with role: those it
// sees on that basis), by subscription ID.
func (m *mx) visible(s *subject, role entitle.Basis) []string {
	var out []string
	for _, sub := range m.subs() {
		d := m.entitlement(s.company(), policy.List, sub)
		if d.Allowed && (role == "" || slices.Contains(d.Basis, role)) {
			out = append(out, sub)
		}
	}
	slices.Sort(out)
	return out
}

// entitlementItem asserts one entitlement object of an answer: its keys
// are exactly the fields of d's views, its access d's basis (R8).
func (m *mx) entitlementItem(t *testing.T, s *subject, what string, item map[string]any, d policy.Decision, o entitle.Order) {
	t.Helper()
	want := entitlementKeys(d, o)
	m.check(t, maps.Equal(topKeys(item), want), "%s: %s: keys %v, want %v (views %s)", s.name, what, sortedKeys(topKeys(item)), sortedKeys(want), d.Views)
	m.check(t, slices.Equal(basisOf(item["access"]), d.Basis), "%s: %s: access %v, want %v", s.name, what, item["access"], d.Basis)
}

func checkList(t *testing.T, m *mx, s *subject) {
	for _, role := range append([]entitle.Basis{""}, entitle.Bases...) {
		path := "/api/v1/entitlements"
		if role != "" {
			path += "?role=" + string(role)
		}
		res := m.api(t, s, http.MethodGet, path, nil)
		if !m.check(t, res.status == http.StatusOK, "%s: GET %s: %d %s", s.name, path, res.status, clip(res.body)) {
			continue
		}
		var page struct {
			Items []map[string]any `json:"items"`
		}
		res.json(t, &page)
		var got []string
		for _, it := range page.Items {
			sub, _ := it["subscription_id"].(string)
			got = append(got, sub)
			o, _ := m.orderOf(sub)
			m.entitlementItem(t, s, "GET "+path+" "+sub, it, m.entitlement(s.company(), policy.List, sub), o)
		}
		want := m.visible(s, role)
		m.check(t, slices.Equal(got, want), "%s: GET %s lists %v, want %v", s.name, path, got, want)
	}
}

var entitlementLink = regexp.MustCompile(`href="/entitlements/([^"/?#]+)"`)

// checkListPage: My entitlements lists what the API lists (the filters
// are the API's, checked there).
func checkListPage(t *testing.T, m *mx, s *subject) {
	res := m.page(t, s, http.MethodGet, "/", nil)
	if !m.check(t, res.status == http.StatusOK, "%s: GET /: %d", s.name, res.status) {
		return
	}
	var got []string
	for _, mm := range entitlementLink.FindAllStringSubmatch(string(res.body), -1) {
		got = append(got, mm[1])
	}
	slices.Sort(got)
	got = slices.Compact(got)
	want := m.visible(s, "")
	m.check(t, slices.Equal(got, want), "%s: My entitlements lists %v, want %v", s.name, got, want)
}

// checkCSV: the download has exactly the visible rows; the owner &
// location columns are there for a company that may see them on some
// entitlement, and filled in exactly on the rows that disclose them (R4).
func checkCSV(t *testing.T, m *mx, s *subject) {
	res := m.page(t, s, http.MethodGet, "/entitlements.csv", nil)
	if !m.check(t, res.status == http.StatusOK, "%s: GET /entitlements.csv: %d", s.name, res.status) {
		return
	}
	rows, err := csv.NewReader(strings.NewReader(string(res.body))).ReadAll()
	if !m.check(t, err == nil && len(rows) > 0, "%s: the CSV does not read: %v", s.name, err) {
		return
	}
	ownerColumns := false
	for _, sub := range m.visible(s, "") {
		ownerColumns = ownerColumns || m.entitlement(s.company(), policy.List, sub).Views.Has(policy.ViewOwner)
	}
	m.check(t, slices.Contains(rows[0], "owner_key") == ownerColumns && slices.Contains(rows[0], "installation_site_name") == ownerColumns,
		"%s: CSV header %v; owner columns: want %v", s.name, rows[0], ownerColumns)
	var got []string
	owner := slices.Index(rows[0], "owner_key")
	for _, r := range rows[1:] {
		got = append(got, r[0])
		if owner >= 0 {
			d := m.entitlement(s.company(), policy.List, r[0])
			m.check(t, (r[owner] != "") == d.Views.Has(policy.ViewOwner), "%s: CSV row %s: owner %q with views %s", s.name, r[0], r[owner], d.Views)
		}
	}
	want := m.visible(s, "")
	m.check(t, slices.Equal(got, want), "%s: CSV rows %v, want %v", s.name, got, want)
}

func checkGet(t *testing.T, m *mx, s *subject) {
	for _, sub := range m.subsAfterMissing() {
		d := m.entitlement(s.company(), policy.Get, sub)
		path := "/api/v1/entitlements/" + sub
		res := m.api(t, s, http.MethodGet, path, nil)
		again := func(id string) response { return m.api(t, s, http.MethodGet, "/api/v1/entitlements/"+id, nil) }
		if m.answers(t, s, "GET "+path, res, d, http.StatusOK, http.StatusForbidden, sub, missingSub, again) {
			var item map[string]any
			res.json(t, &item)
			o, _ := m.orderOf(sub)
			m.entitlementItem(t, s, "GET "+path, item, d, o)
		}
	}
}

// checkAccess: who has access and why (R8) — the owner and the vendor ask
// (policy.AskWhoHasAccess); the answer lists each company the table lets
// see the entitlement, with its basis.
func checkAccess(t *testing.T, m *mx, s *subject) {
	for _, sub := range m.subsAfterMissing() {
		d := policy.AskWhoHasAccess(s.actor, m.entitlement(s.company(), policy.Get, sub))
		path := "/api/v1/entitlements/" + sub + "/access"
		res := m.api(t, s, http.MethodGet, path, nil)
		again := func(id string) response {
			return m.api(t, s, http.MethodGet, "/api/v1/entitlements/"+id+"/access", nil)
		}
		if !m.answers(t, s, "GET "+path, res, d, http.StatusOK, http.StatusForbidden, sub, missingSub, again) {
			if res.status == http.StatusForbidden {
				m.check(t, res.errCode() == "forbidden", "%s: GET %s: %s", s.name, path, res.body)
			}
			continue
		}
		var page struct {
			Items []map[string]any `json:"items"`
		}
		res.json(t, &page)
		var got, want []string
		for _, it := range page.Items {
			co, _ := it["company"].(map[string]any)
			basis := basisOf(it["basis"])
			got = append(got, fmt.Sprint(co["key"], basis))
			wantKeys := keySet("company", "basis")
			if slices.Contains(basis, entitle.BasisDelegate) {
				wantKeys["delegations"] = true
			}
			m.check(t, maps.Equal(topKeys(it), wantKeys), "%s: GET %s: item keys %v", s.name, path, sortedKeys(topKeys(it)))
		}
		for _, c := range matrixCompanies {
			if cd := m.entitlement(c.key, policy.Get, sub); cd.Allowed {
				want = append(want, fmt.Sprint(c.key, cd.Basis))
			}
		}
		slices.Sort(want) // by company key
		m.check(t, slices.Equal(got, want), "%s: GET %s: %v, want %v", s.name, path, got, want)
	}
}

func checkOrder(t *testing.T, m *mx, s *subject) {
	for _, q := range m.poQueries(s) {
		d := m.poDecision(s, policy.OrderDetails, q)
		path := "/api/v1/orders/" + q.po + q.query()
		res := m.api(t, s, http.MethodGet, path, nil)
		again := func(id string) response { return m.api(t, s, http.MethodGet, "/api/v1/orders/"+id+q.query(), nil) }
		if m.answers(t, s, "GET "+path, res, d, http.StatusOK, http.StatusForbidden, q.po, missingPO, again) {
			var o map[string]any
			res.json(t, &o)
			want := fieldsOf(d.Views, orderFields)
			m.check(t, maps.Equal(keysOf(o), want), "%s: GET %s: keys %v, want %v (views %s)", s.name, path, sortedKeys(keysOf(o)), sortedKeys(want), d.Views)
			m.check(t, slices.Equal(basisOf(o["access"]), d.Basis), "%s: GET %s: access %v, want %v", s.name, path, o["access"], d.Basis)
		}
	}
}

func checkOrderEntitlements(t *testing.T, m *mx, s *subject) {
	for _, q := range m.poQueries(s) {
		d := m.poDecision(s, policy.LookupByPO, q)
		path := "/api/v1/orders/" + q.po + "/entitlements" + q.query()
		res := m.api(t, s, http.MethodGet, path, nil)
		again := func(id string) response {
			return m.api(t, s, http.MethodGet, "/api/v1/orders/"+id+"/entitlements"+q.query(), nil)
		}
		if !m.answers(t, s, "GET "+path, res, d, http.StatusOK, http.StatusForbidden, q.po, missingPO, again) {
			continue
		}
		var page struct {
			Items []map[string]any `json:"items"`
		}
		res.json(t, &page)
		var got, want []string
		for _, it := range page.Items {
			sub, _ := it["subscription_id"].(string)
			got = append(got, sub)
			m.entitlementItem(t, s, "GET "+path+" "+sub, it, d, q.order)
		}
		for _, l := range q.order.Lines {
			want = append(want, l.SubscriptionID)
		}
		m.check(t, slices.Equal(got, want), "%s: GET %s: %v, want %v", s.name, path, got, want)
	}
}

// checkEntitlementPage: the page of an entitlement shows what the
// decision allows — owner & location with the owner view, sold via with
// the partner view, who has access to the owner and the vendor, the
// renewal link to whom may see how to renew, revoke buttons to the
// owner's administrators — and is the 404 page of a missing one otherwise.
func checkEntitlementPage(t *testing.T, m *mx, s *subject) {
	for _, sub := range m.subsAfterMissing() {
		d := m.entitlement(s.company(), policy.Get, sub)
		path := "/entitlements/" + sub
		res := m.page(t, s, http.MethodGet, path, nil)
		again := func(id string) response { return m.page(t, s, http.MethodGet, "/entitlements/"+id, nil) }
		if !m.answers(t, s, "GET "+path, res, d, http.StatusOK, http.StatusForbidden, sub, missingSub, again) {
			continue
		}
		o, _ := m.orderOf(sub)
		body := string(res.body)
		explains := policy.AskWhoHasAccess(s.actor, d).Allowed
		revokes := false
		if explains {
			for _, dl := range m.dels {
				revokes = revokes || (dl.Owner == o.Owner && dl.ActiveAt(m.now) && dl.Covers(sub))
			}
			revokes = revokes && policy.ManageDelegations(s.actor, o.Owner, true).Allowed
		}
		for _, c := range []struct {
			marker string
			want   bool
		}{
			{"<dt>Owner</dt>", d.Views.Has(policy.ViewOwner)},
			{"<dt>Installation site</dt>", d.Views.Has(policy.ViewOwner)},
			{"<dt>Sold via</dt>", d.Views.Has(policy.ViewPartner) && o.PartnerOfRecord() != ""},
			{"Who has access, and why", explains},
			{`href="/entitlements/` + sub + `/renew"`, policy.RenewalOptions(d).Allowed},
			{`action="/delegations/`, revokes},
		} {
			m.check(t, strings.Contains(body, c.marker) == c.want, "%s: GET %s: %q shown: %v, want %v", s.name, path, c.marker, !c.want, c.want)
		}
	}
}

// checkOrdersPage: the Orders page finds an order exactly as the API does
// (R2, R3), with owner & location only with the owner view (R4).
func checkOrdersPage(t *testing.T, m *mx, s *subject) {
	res := m.page(t, s, http.MethodGet, "/orders", nil)
	m.check(t, res.status == http.StatusOK, "%s: GET /orders: %d", s.name, res.status)
	for _, q := range m.poQueries(s) {
		d := m.poDecision(s, policy.OrderDetails, q)
		query := func(po string) string {
			v := url.Values{"po": {po}}
			if q.pe != "" {
				v.Set("purchasing_entity", q.pe)
			}
			return "/orders?" + v.Encode()
		}
		res := m.page(t, s, http.MethodGet, query(q.po), nil)
		again := func(id string) response { return m.page(t, s, http.MethodGet, query(id), nil) }
		if m.answers(t, s, "GET "+query(q.po), res, d, http.StatusOK, http.StatusForbidden, q.po, missingPO, again) {
			body := string(res.body)
			m.check(t, strings.Contains(body, "<h1>Order "+q.po+"</h1>") && strings.Contains(body, "<dt>Owner</dt>") == d.Views.Has(policy.ViewOwner) &&
				strings.Contains(body, "<dt>Installation site</dt>") == d.Views.Has(policy.ViewOwner),
				"%s: GET %s: the order with views %s: %s", s.name, query(q.po), d.Views, clip(res.body))
		}
	}
}

// ---- Renewals and transfers ----

// checkRenewalOptions: how to renew, for the owner, its delegates and the
// vendor (policy.RenewalOptions); the answer says what the caller may do
// next as policy.RequestRenewal and policy.OfferTransfer decide.
func checkRenewalOptions(t *testing.T, m *mx, s *subject) {
	for _, sub := range m.subsAfterMissing() {
		gd := m.entitlement(s.company(), policy.Get, sub)
		d := policy.RenewalOptions(gd)
		path := "/api/v1/entitlements/" + sub + "/renewal"
		res := m.api(t, s, http.MethodGet, path, nil)
		again := func(id string) response {
			return m.api(t, s, http.MethodGet, "/api/v1/entitlements/"+id+"/renewal", nil)
		}
		if !m.answers(t, s, "GET "+path, res, d, http.StatusOK, http.StatusForbidden, sub, missingSub, again) {
			continue
		}
		var o map[string]any
		res.json(t, &o)
		td := policy.OfferTransfer(s.actor, gd)
		want := keySet("subscription_id", "sku", "quantity", "end_date", "status", "recommendation", "options", "access", "requests_allowed", "transfer_allowed")
		if !policy.RequestRenewal(gd).Allowed {
			want["requests_refusal"] = true
		}
		if td.On(entitle.BasisVendor) {
			want["transfer_direct"] = true
		}
		m.check(t, maps.Equal(topKeys(o), want), "%s: GET %s: keys %v, want %v", s.name, path, sortedKeys(topKeys(o)), sortedKeys(want))
		m.check(t, o["requests_allowed"] == policy.RequestRenewal(gd).Allowed && o["transfer_allowed"] == td.Allowed &&
			slices.Equal(basisOf(o["access"]), gd.Basis), "%s: GET %s: %s", s.name, path, clip(res.body))
	}
}

func checkRenewPage(t *testing.T, m *mx, s *subject) {
	for _, sub := range m.subsAfterMissing() {
		gd := m.entitlement(s.company(), policy.Get, sub)
		path := "/entitlements/" + sub + "/renew"
		res := m.page(t, s, http.MethodGet, path, nil)
		again := func(id string) response { return m.page(t, s, http.MethodGet, "/entitlements/"+id+"/renew", nil) }
		if m.answers(t, s, "GET "+path, res, policy.RenewalOptions(gd), http.StatusOK, http.StatusForbidden, sub, missingSub, again) {
			body := string(res.body)
			m.check(t, strings.Contains(body, `action="/entitlements/`+sub+`/renew#`) == policy.RequestRenewal(gd).Allowed &&
				strings.Contains(body, `action="/entitlements/`+sub+`/transfer#`) == policy.OfferTransfer(s.actor, gd).Allowed,
				"%s: GET %s: the forms shown do not follow RequestRenewal and OfferTransfer", s.name, path)
		}
	}
}

// checkEntitlementAction: a change asked of an entitlement — a renewal
// request (policy.RequestRenewal: the owner and its delegates) or a
// transfer's offer (policy.OfferTransfer: the owner's administrators, the
// vendor's) — through the API (POST /api/v1/entitlements/{id}/apiAction) or
// the portal (POST /entitlements/{id}/pageAction). Field is left wrong (a
// route that does not exist, no recipient), so the allowed party passes the
// permission to be refused for that field (422).
func checkEntitlementAction(apiAction, pageAction, field, value string, decide func(entitle.Actor, policy.Decision) policy.Decision, portal bool) checker {
	return func(t *testing.T, m *mx, s *subject) {
		path := func(id string) string { return "/api/v1/entitlements/" + id + "/" + apiAction }
		send := func(id string) response {
			return m.api(t, s, http.MethodPost, path(id), map[string]string{field: value})
		}
		if portal {
			path = func(id string) string { return "/entitlements/" + id + "/" + pageAction }
			send = func(id string) response { return m.page(t, s, http.MethodPost, path(id), url.Values{field: {value}}) }
		}
		for _, sub := range m.subsAfterMissing() {
			d := decide(s.actor, m.entitlement(s.company(), policy.Get, sub))
			res := send(sub)
			if m.answers(t, s, "POST "+path(sub), res, d, http.StatusUnprocessableEntity, http.StatusForbidden, sub, missingSub, send) && !portal {
				m.check(t, strings.Contains(res.errMessage(), field), "%s: POST %s: refused for something else: %s", s.name, path(sub), res.body)
			}
		}
	}
}

func requestRenewal(_ entitle.Actor, e policy.Decision) policy.Decision {
	return policy.RequestRenewal(e)
}

// renewalSeen is what s sees of renewal request r (policy.SeeRenewalRequest).
func (m *mx) renewalSeen(s *subject, r entitle.RenewalRequest) policy.Decision {
	return policy.SeeRenewalRequest(s.actor, r, m.entitlement(s.company(), policy.Get, r.SubscriptionID))
}

// entitlementInfoKeys are the keys of the entitlement a renewal request or
// a transfer tells of, for views v.
func entitlementInfoKeys(v policy.View) map[string]bool {
	want := keySet("subscription_id")
	if v.Has(policy.ViewEntitlement) || v.Has(policy.ViewSubscription) {
		maps.Copy(want, keySet("sku", "quantity", "start_date", "end_date"))
	}
	if v.Has(policy.ViewEntitlement) {
		want["po_number"] = true
	}
	return want
}

// box reads the items of the inbox at path (the sent box when sent), as s.
func (m *mx) box(t *testing.T, s *subject, path string, sent bool) (string, []map[string]any, bool) {
	if sent {
		path += "?box=sent"
	}
	res := m.api(t, s, http.MethodGet, path, nil)
	if !m.check(t, res.status == http.StatusOK, "%s: GET %s: %d", s.name, path, res.status) {
		return path, nil, false
	}
	var page struct {
		Items []map[string]any `json:"items"`
	}
	res.json(t, &page)
	return path, page.Items, true
}

// checkRenewalRequests: each box lists the requests the company takes part
// in on that side, each with the fields policy.SeeRenewalRequest grants:
// the recipient never learns who asked (R4).
func checkRenewalRequests(t *testing.T, m *mx, s *subject) {
	for _, sent := range []bool{false, true} {
		path, items, ok := m.box(t, s, "/api/v1/renewal-requests", sent)
		if !ok {
			continue
		}
		var want []int64
		for _, r := range slices.Backward(m.renewals) {
			if (sent && r.Requester == s.company()) || (!sent && r.Recipient == s.company()) {
				want = append(want, r.ID)
				m.check(t, m.renewalSeen(s, r).Allowed, "%s: SeeRenewalRequest hides request %d from a party to it", s.name, r.ID)
			}
		}
		var got []int64
		for _, it := range items {
			id := int64(it["id"].(float64))
			got = append(got, id)
			i := slices.IndexFunc(m.renewals, func(r entitle.RenewalRequest) bool { return r.ID == id })
			if !m.check(t, i >= 0, "%s: GET %s: an unknown request %d", s.name, path, id) {
				continue
			}
			r := m.renewals[i]
			v := m.renewalSeen(s, r).Views
			keys := keySet("id", "entitlement", "route", "status", "created_at", "updated_at", "received")
			if r.Message != "" {
				keys["message"] = true
			}
			if r.Note != "" {
				keys["note"] = true
			}
			if v.Has(policy.ViewOwnSide) {
				maps.Copy(keys, keySet("recipient", "requested_by"))
			}
			e, _ := it["entitlement"].(map[string]any)
			m.check(t, maps.Equal(topKeys(it), keys) && maps.Equal(topKeys(e), entitlementInfoKeys(v)),
				"%s: GET %s: request %d has keys %v and %v; views %s", s.name, path, id, sortedKeys(topKeys(it)), sortedKeys(topKeys(e)), v)
		}
		m.check(t, slices.Equal(got, want), "%s: GET %s: %v, want %v", s.name, path, got, want)
	}
}

func checkRenewalsPage(t *testing.T, m *mx, s *subject) {
	res := m.page(t, s, http.MethodGet, "/renewals", nil)
	if !m.check(t, res.status == http.StatusOK, "%s: GET /renewals: %d", s.name, res.status) {
		return
	}
	for _, r := range m.renewals {
		id := strconv.FormatInt(r.ID, 10)
		m.check(t, strings.Contains(string(res.body), `id="rr-`+id+`-h"`) == (r.Recipient == s.company()) &&
			strings.Contains(string(res.body), `id="rs-`+id+`-h"`) == (r.Requester == s.company()),
			"%s: GET /renewals: request %d (from %s to %s) shown wrong", s.name, r.ID, r.Requester, r.Recipient)
	}
}

// checkAnswerRenewal: the recipient marks a request quoted, won or lost,
// the requester withdraws it (policy.AnswerRenewalRequest); to anyone
// else it does not exist. A refusal is answered as a wrong status for
// this party (422, the route's word for it); a closed request moves no
// more (409). Marking the quoted request quoted again changes nothing;
// the requester's withdrawal, which would close it, is asked of the
// closed request only.
func checkAnswerRenewal(portal bool) checker {
	return func(t *testing.T, m *mx, s *subject) {
		ok := http.StatusOK
		if portal {
			ok = http.StatusSeeOther
		}
		ask := func(id, status string) response {
			if portal {
				return m.page(t, s, http.MethodPost, "/renewals/"+id, url.Values{"status": {status}})
			}
			return m.api(t, s, http.MethodPatch, "/api/v1/renewal-requests/"+id, map[string]string{"status": status})
		}
		for _, r := range append([]entitle.RenewalRequest{{}}, m.renewals...) {
			for _, status := range []string{entitle.RenewalQuoted, entitle.RenewalWithdrawn} {
				id, d := missingNumber, policy.Decision{}
				if r.ID != 0 {
					id, d = strconv.FormatInt(r.ID, 10), policy.AnswerRenewalRequest(s.actor, r, status)
				}
				want := http.StatusNotFound
				switch {
				case !d.Visible:
				case !d.Allowed:
					want = http.StatusUnprocessableEntity
				case !r.Open():
					want = http.StatusConflict
				case status == entitle.RenewalWithdrawn:
					continue // it would close the request
				default:
					want = ok
				}
				m.answersWith(t, s, "answer "+status+" to renewal request "+id, ask(id, status), want, reasons(d), id, missingNumber,
					func(id string) response { return ask(id, status) })
			}
		}
	}
}

// checkTransfers: each box lists the transfer the company takes part in on
// that side, with the fields policy.SeeTransfer grants.
func checkTransfers(t *testing.T, m *mx, s *subject) {
	tr := m.transfer
	for _, sent := range []bool{false, true} {
		path, items, ok := m.box(t, s, "/api/v1/transfers", sent)
		if !ok {
			continue
		}
		party := (sent && tr.From == s.company()) || (!sent && tr.To == s.company())
		want := 0
		if party {
			want = 1
		}
		if !m.check(t, len(items) == want, "%s: GET %s: %d items, want %d", s.name, path, len(items), want) || !party {
			continue
		}
		see := policy.SeeTransfer(s.actor, tr)
		keys := keySet("id", "entitlement", "from", "to", "status", "created_at", "expires_at", "decided_at", "message")
		if see.Views.Has(policy.ViewOwnSide) {
			keys["created_by"] = true
		}
		it := items[0]
		e, _ := it["entitlement"].(map[string]any)
		m.check(t, see.Allowed && it["id"] == float64(tr.ID) && maps.Equal(topKeys(it), keys) && maps.Equal(topKeys(e), entitlementInfoKeys(see.Views)),
			"%s: GET %s: keys %v and %v; views %s", s.name, path, sortedKeys(topKeys(it)), sortedKeys(topKeys(e)), see.Views)
	}
}

func checkTransfersPage(t *testing.T, m *mx, s *subject) {
	res := m.page(t, s, http.MethodGet, "/transfers", nil)
	if !m.check(t, res.status == http.StatusOK, "%s: GET /transfers: %d", s.name, res.status) {
		return
	}
	id := strconv.FormatInt(m.transfer.ID, 10)
	m.check(t, strings.Contains(string(res.body), `id="tr-`+id+`-h"`) == (m.transfer.To == s.company()) &&
		strings.Contains(string(res.body), `id="ts-`+id+`-h"`) == (m.transfer.From == s.company()),
		"%s: GET /transfers: the transfer from %s to %s shown wrong", s.name, m.transfer.From, m.transfer.To)
}

// checkAnswerTransfer: the recipient's administrators accept or decline,
// the offering company's cancel (policy.AnswerTransfer); the offer is
// declined already, so the allowed party gets 409 and nothing changes.
func checkAnswerTransfer(portal bool) checker {
	return func(t *testing.T, m *mx, s *subject) {
		ask := func(id, action string) response {
			if portal {
				return m.page(t, s, http.MethodPost, "/transfers/"+id+"/"+action, nil)
			}
			return m.api(t, s, http.MethodPost, "/api/v1/transfers/"+id+"/"+action, nil)
		}
		for _, tr := range []entitle.Transfer{{}, m.transfer} {
			for _, action := range []string{policy.TransferAccept, policy.TransferDecline, policy.TransferCancel} {
				id := missingNumber
				d := policy.Decision{}
				if tr.ID != 0 {
					id, d = strconv.FormatInt(tr.ID, 10), policy.AnswerTransfer(s.actor, tr, action)
				}
				res := ask(id, action)
				m.answers(t, s, action+" transfer "+id, res, d, http.StatusConflict, http.StatusForbidden, id, missingNumber,
					func(id string) response { return ask(id, action) })
			}
		}
	}
}

// ---- The company profile and the partner directory ----

var profileKeys = keySet("key", "name", "kind", "contact_email", "contact_phone", "website", "listed", "require_two_factor")

func checkCompany(t *testing.T, m *mx, s *subject) {
	res := m.api(t, s, http.MethodGet, "/api/v1/company", nil)
	if m.check(t, res.status == http.StatusOK, "%s: GET /api/v1/company: %d", s.name, res.status) {
		var p map[string]any
		res.json(t, &p)
		m.check(t, maps.Equal(topKeys(p), profileKeys) && p["key"] == s.company(), "%s: GET /api/v1/company: %s", s.name, res.body)
	}
}

// checkPatchCompany: administrators keep their company's profile
// (policy.EditProfile); a contact address that is none is the allowed
// party's 422.
func checkPatchCompany(t *testing.T, m *mx, s *subject) {
	d := policy.EditProfile(s.actor, s.company())
	res := m.api(t, s, http.MethodPatch, "/api/v1/company", map[string]string{"contact_email": "not an address"})
	m.answers(t, s, "PATCH /api/v1/company", res, d, http.StatusUnprocessableEntity, http.StatusForbidden, s.company(), s.company(), nil)
}

func checkPartners(t *testing.T, m *mx, s *subject) {
	res := m.api(t, s, http.MethodGet, "/api/v1/partners", nil)
	if !m.check(t, res.status == http.StatusOK, "%s: GET /api/v1/partners: %d", s.name, res.status) {
		return
	}
	var page struct {
		Items []map[string]any `json:"items"`
	}
	res.json(t, &page)
	allowed := keySet("key", "name", "contact_email", "contact_phone", "website")
	for _, it := range page.Items {
		keys := topKeys(it)
		m.check(t, keys["key"] && keys["name"] && !slices.ContainsFunc(sortedKeys(keys), func(k string) bool { return !allowed[k] }),
			"%s: a partner: %v", s.name, it)
	}
}

// ---- Delegations ----

// delegationKeys are the keys of delegation dl as s sees it
// (policy.SeeDelegation: who granted and revoked it, the owner only).
func delegationKeys(s *subject, dl entitle.Delegation) map[string]bool {
	see := policy.SeeDelegation(s.actor, dl.Owner, dl.Delegate)
	keys := keySet("id", "owner", "delegate", "scope", "status", "created_at")
	if !dl.All() {
		keys["subscription_ids"] = true
	}
	if !dl.ExpiresAt.IsZero() {
		keys["expires_at"] = true
	}
	if !dl.RevokedAt.IsZero() {
		keys["revoked_at"] = true
	}
	if see.Views.Has(policy.ViewOwnSide) {
		keys["created_by"] = dl.CreatedBy != ""
		keys["revoked_by"] = dl.RevokedBy != ""
		maps.DeleteFunc(keys, func(_ string, v bool) bool { return !v })
	}
	return keys
}

func checkDelegations(t *testing.T, m *mx, s *subject) {
	res := m.api(t, s, http.MethodGet, "/api/v1/delegations", nil)
	if !m.check(t, res.status == http.StatusOK, "%s: GET /api/v1/delegations: %d", s.name, res.status) {
		return
	}
	var top map[string]json.RawMessage
	res.json(t, &top)
	m.check(t, len(top) == 2 && top["granted"] != nil && top["received"] != nil, "%s: GET /api/v1/delegations: %s", s.name, clip(res.body))
	var out map[string][]map[string]any
	res.json(t, &out)
	for side, mine := range map[string]func(entitle.Delegation) bool{
		"granted":  func(dl entitle.Delegation) bool { return dl.Owner == s.company() },
		"received": func(dl entitle.Delegation) bool { return dl.Delegate == s.company() },
	} {
		var got, want []string
		for _, it := range out[side] {
			id, _ := it["id"].(string)
			got = append(got, id)
			if i := slices.IndexFunc(m.dels, func(dl entitle.Delegation) bool { return dl.ID == id }); m.check(t, i >= 0, "%s: an unknown delegation %s", s.name, id) {
				keys := delegationKeys(s, m.dels[i])
				m.check(t, maps.Equal(topKeys(it), keys), "%s: %s delegation %s: keys %v, want %v", s.name, side, id, sortedKeys(topKeys(it)), sortedKeys(keys))
			}
		}
		for _, dl := range m.dels {
			if mine(dl) {
				m.check(t, policy.SeeDelegation(s.actor, dl.Owner, dl.Delegate).Allowed, "%s: SeeDelegation hides %s from a party to it", s.name, dl.ID)
				want = append(want, dl.ID)
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		m.check(t, slices.Equal(got, want), "%s: %s delegations %v, want %v", s.name, side, got, want)
	}
}

func checkDelegationsPage(t *testing.T, m *mx, s *subject) {
	res := m.page(t, s, http.MethodGet, "/delegations", nil)
	if !m.check(t, res.status == http.StatusOK, "%s: GET /delegations: %d", s.name, res.status) {
		return
	}
	body := string(res.body)
	mayGrant := policy.ManageDelegations(s.actor, s.company(), m.owns(s.company())).Allowed
	m.check(t, strings.Contains(body, `action="/delegations"`) == mayGrant, "%s: GET /delegations: the grant form shown: %v, want %v", s.name, !mayGrant, mayGrant)
	for _, dl := range m.dels {
		want := dl.Owner == s.company() && dl.ActiveAt(m.now) && policy.RevokeDelegation(s.actor, dl.Owner, dl.Delegate).Allowed
		m.check(t, strings.Contains(body, `action="/delegations/`+dl.ID+`/revoke"`) == want, "%s: GET /delegations: revoke %s shown: %v, want %v", s.name, dl.ID, !want, want)
	}
}

// checkGrant: only the owner's administrators grant (policy.
// ManageDelegations); a delegate company that does not exist is the
// allowed party's 422. Listing a subscription the caller cannot see is its
// 404 (R7); one it sees but does not own, 403. The portal's form is
// offered to (and read from) those who may grant at all.
func checkGrant(portal bool) checker {
	return func(t *testing.T, m *mx, s *subject) {
		grant := func(subs []string) response {
			if portal {
				f := url.Values{"delegate": {"GHOST"}, "scope": {"all"}}
				if subs != nil {
					f.Set("scope", "listed")
					f.Set("subscription_ids", strings.Join(subs, " "))
				}
				return m.page(t, s, http.MethodPost, "/delegations", f)
			}
			body := map[string]any{"delegate": "GHOST"}
			if subs != nil {
				body["subscription_ids"] = subs
			}
			return m.api(t, s, http.MethodPost, "/api/v1/delegations", body)
		}
		owns := m.owns(s.company())
		mayGrant := policy.ManageDelegations(s.actor, s.company(), owns)
		m.answers(t, s, "grant all", grant(nil), mayGrant, http.StatusUnprocessableEntity, http.StatusForbidden, "", "", nil)
		for _, sub := range m.subsAfterMissing() {
			d := policy.Decision{}
			if gd := m.entitlement(s.company(), policy.Get, sub); gd.Allowed {
				o, _ := m.orderOf(sub)
				d = policy.ManageDelegations(s.actor, o.Owner, owns)
			}
			if portal && !mayGrant.Allowed {
				d = mayGrant
			}
			m.answers(t, s, "grant "+sub, grant([]string{sub}), d, http.StatusUnprocessableEntity, http.StatusForbidden, sub, missingSub,
				func(id string) response { return grant([]string{id}) })
		}
	}
}

// checkRevoke: the owner's administrators revoke (policy.RevokeDelegation);
// the delegate is refused, anyone else finds nothing. The allowed party
// revokes the revoked delegation again, which changes nothing; the others
// it does not revoke.
func checkRevoke(portal bool) checker {
	return func(t *testing.T, m *mx, s *subject) {
		ok := http.StatusNoContent
		if portal {
			ok = http.StatusSeeOther
		}
		revoke := func(id string) response {
			if portal {
				return m.page(t, s, http.MethodPost, "/delegations/"+id+"/revoke", nil)
			}
			return m.api(t, s, http.MethodDelete, "/api/v1/delegations/"+id, nil)
		}
		for _, dl := range append([]entitle.Delegation{{ID: missingDelegation}}, m.dels...) {
			d := policy.Decision{}
			if dl.Owner != "" {
				d = policy.RevokeDelegation(s.actor, dl.Owner, dl.Delegate)
			}
			if d.Allowed && dl.RevokedAt.IsZero() {
				continue // it would revoke it
			}
			m.answers(t, s, "revoke "+dl.ID, revoke(dl.ID), d, ok, http.StatusForbidden, dl.ID, missingDelegation, revoke)
		}
	}
}

// ---- Co-workers ----

// checkInvite: any user invites a co-worker, administrators an
// administrator (policy.Invite); the address of a user is the allowed
// party's 409 already_invited.
func checkInvite(portal bool) checker {
	return func(t *testing.T, m *mx, s *subject) {
		for _, admin := range []bool{false, true} {
			d := policy.Invite(s.actor, admin)
			var res response
			if portal {
				f := url.Values{"email": {"admin@out.example"}}
				if admin {
					f.Set("admin", "true")
				}
				res = m.page(t, s, http.MethodPost, "/coworkers/invite", f)
			} else {
				res = m.api(t, s, http.MethodPost, "/api/v1/invitations", map[string]any{"email": "admin@out.example", "admin": admin})
			}
			m.answers(t, s, fmt.Sprintf("invite (admin %v)", admin), res, d, http.StatusConflict, http.StatusForbidden, "", "", nil)
		}
	}
}

// invitationsSeen are the pending invitations s sees (policy.
// ListInvitations: its company's, all of them or the ones it sent).
func (m *mx) invitationsSeen(s *subject) []string {
	d := policy.ListInvitations(s.actor, s.company())
	var out []string
	for _, inv := range m.pendingInvs {
		if d.Allowed && inv.Company == s.company() && (d.Scope == policy.ScopeCompany || inv.InviterID == s.actor.UserID) {
			out = append(out, inv.Email)
		}
	}
	return out
}

func checkInvitations(t *testing.T, m *mx, s *subject) {
	res := m.api(t, s, http.MethodGet, "/api/v1/invitations", nil)
	if !m.check(t, res.status == http.StatusOK, "%s: GET /api/v1/invitations: %d", s.name, res.status) {
		return
	}
	var page struct {
		Items []map[string]any `json:"items"`
	}
	res.json(t, &page)
	var got []string
	for _, it := range page.Items {
		email, _ := it["email"].(string)
		got = append(got, email)
		keys := topKeys(it)
		m.check(t, maps.Equal(keys, keySet("id", "email", "admin", "status", "created_at", "expires_at", "invited_by", "mail")),
			"%s: invitation %s: keys %v", s.name, email, sortedKeys(keys))
	}
	want := m.invitationsSeen(s)
	m.check(t, slices.Equal(got, want), "%s: GET /api/v1/invitations: %v, want %v", s.name, got, want)
}

func checkCoworkersPage(t *testing.T, m *mx, s *subject) {
	res := m.page(t, s, http.MethodGet, "/coworkers", nil)
	if !m.check(t, res.status == http.StatusOK, "%s: GET /coworkers: %d", s.name, res.status) {
		return
	}
	body := string(res.body)
	seen := m.invitationsSeen(s)
	for _, inv := range m.pendingInvs {
		m.check(t, strings.Contains(body, inv.Email) == slices.Contains(seen, inv.Email), "%s: GET /coworkers: invitation of %s shown wrong", s.name, inv.Email)
	}
	m.check(t, strings.Contains(body, `id="invite-admin"`) == policy.Invite(s.actor, true).Allowed, "%s: GET /coworkers: the administrator box", s.name)
	for _, c := range matrixCompanies {
		for _, u := range m.byCompany[c.key] {
			mine := c.key == s.company()
			manage := mine && policy.ChangeCoworker(s.actor, u.user, entitle.UserChange{}, 1).Allowed
			m.check(t, strings.Contains(body, ">"+u.user.Email) == mine && strings.Contains(body, fmt.Sprintf(`action="/coworkers/users/%d"`, u.user.ID)) == manage,
				"%s: GET /coworkers: user %s shown wrong (own company %v, managed %v)", s.name, u.user.Email, mine, manage)
		}
	}
}

// checkManageInvitation: administrators and the co-worker who sent it
// revoke or resend an invitation (policy.ManageInvitation); another
// member is refused, another company finds nothing. The invitations are
// revoked already: the allowed party gets 409.
func checkManageInvitation(method, pattern string) checker {
	return func(t *testing.T, m *mx, s *subject) {
		portal := !strings.HasPrefix(pattern, "/api/")
		ask := func(id string) response {
			path := fmt.Sprintf(pattern, id)
			if portal {
				return m.page(t, s, method, path, nil)
			}
			return m.api(t, s, method, path, nil)
		}
		for _, inv := range append([]entitle.Invitation{{}}, m.revokedInvs...) {
			id, d := missingNumber, policy.Decision{}
			if inv.ID != 0 {
				id, d = strconv.FormatInt(inv.ID, 10), policy.ManageInvitation(s.actor, inv)
			}
			m.answers(t, s, method+" "+fmt.Sprintf(pattern, id), ask(id), d, http.StatusConflict, http.StatusForbidden, id, missingNumber, ask)
		}
	}
}

func checkUsers(t *testing.T, m *mx, s *subject) {
	res := m.api(t, s, http.MethodGet, "/api/v1/users", nil)
	if !m.check(t, res.status == http.StatusOK, "%s: GET /api/v1/users: %d", s.name, res.status) {
		return
	}
	var page struct {
		Items []map[string]any `json:"items"`
	}
	res.json(t, &page)
	var got, want []string
	for _, it := range page.Items {
		email, _ := it["email"].(string)
		got = append(got, email)
		m.check(t, maps.Equal(topKeys(it), keySet("id", "email", "name", "admin", "status", "created_at")), "%s: user %s: keys %v", s.name, email, sortedKeys(topKeys(it)))
	}
	if policy.ListCoworkers(s.actor, s.company()).Allowed {
		for _, u := range m.byCompany[s.company()] {
			want = append(want, u.user.Email)
		}
	}
	slices.Sort(want)
	m.check(t, slices.Equal(got, want), "%s: GET /api/v1/users: %v, want %v", s.name, got, want)
}

// checkChangeUser: administrators change their company's users
// (policy.ChangeCoworker) — here with changes that change nothing
// (enabling an active user, demoting a member) and one the rule refuses
// (demoting the company's one administrator); another company's users do
// not exist for the subject.
func checkChangeUser(portal bool) checker {
	return func(t *testing.T, m *mx, s *subject) {
		ok := http.StatusOK
		if portal {
			ok = http.StatusSeeOther
		}
		other := "OUT"
		if s.company() == other {
			other = "PE"
		}
		active, no := entitle.UserActive, false
		for _, ch := range []struct {
			label  string
			form   url.Values
			body   map[string]any
			change entitle.UserChange
		}{
			{"status active", url.Values{"status": {"active"}}, map[string]any{"status": "active"}, entitle.UserChange{Status: &active}},
			{"admin false", url.Values{"admin": {"false"}}, map[string]any{"admin": false}, entitle.UserChange{Admin: &no}},
		} {
			ask := func(id string) response {
				if portal {
					return m.page(t, s, http.MethodPost, "/coworkers/users/"+id, ch.form)
				}
				return m.api(t, s, http.MethodPatch, "/api/v1/users/"+id, ch.body)
			}
			targets := append(slices.Clone(m.byCompany[s.company()]), m.userOf(other, true))
			for _, u := range append([]*subject{{}}, targets...) {
				id, d := missingNumber, policy.Decision{}
				if u.user.ID != 0 {
					others := 1 // each company has one administrator
					if u.user.Admin {
						others = 0
					}
					id, d = strconv.FormatInt(u.user.ID, 10), policy.ChangeCoworker(s.actor, u.user, ch.change, others)
				}
				m.answers(t, s, "change user "+id+": "+ch.label, ask(id), d, ok, http.StatusForbidden, id, missingNumber, ask)
			}
		}
	}
}

// ---- The audit trail ----

// checkAudit: administrators read their company's events, the vendor's
// every company's (policy.ReadAudit); members are refused. Only the vendor
// names another company (?company=); another administrator is told the
// field is not theirs (422).
func checkAudit(portal bool) checker {
	return func(t *testing.T, m *mx, s *subject) {
		d := policy.ReadAudit(s.actor)
		for _, company := range []string{"", "OWN"} {
			path := "/api/v1/audit"
			if portal {
				path = "/audit"
			}
			dd := d
			if company != "" {
				path += "?company=" + company
				if d.Allowed && d.Scope != policy.ScopeAll {
					dd = policy.Decision{Visible: true}
				}
			}
			var res response
			if portal {
				res = m.page(t, s, http.MethodGet, path, nil)
			} else {
				res = m.api(t, s, http.MethodGet, path, nil)
			}
			if !m.answers(t, s, "GET "+path, res, dd, http.StatusOK, map[bool]int{true: http.StatusUnprocessableEntity, false: http.StatusForbidden}[d.Allowed], "", "", nil) || portal {
				continue
			}
			var page struct {
				Items []map[string]any `json:"items"`
			}
			res.json(t, &page)
			want := company
			if d.Scope == policy.ScopeCompany {
				want = s.company()
			}
			for _, it := range page.Items {
				if want != "" {
					m.check(t, it["company"] == want, "%s: GET %s: an event of %v: %v", s.name, path, it["company"], it)
				}
				keys := topKeys(it)
				m.check(t, keys["id"] && keys["at"] && keys["actor"] && keys["action"] && keys["outcome"] && len(keys) <= 9,
					"%s: GET %s: event keys %v", s.name, path, sortedKeys(keys))
			}
		}
	}
}

// ---- The vendor's pages ----

// checkVendorPage: the vendor's pages exist for the vendor's members
// (policy.VendorPages); to anyone else they are the page that was never
// there (R7).
func checkVendorPage(path string) checker {
	return func(t *testing.T, m *mx, s *subject) {
		res := m.page(t, s, http.MethodGet, path, nil)
		last := path[strings.LastIndex(path, "/")+1:]
		m.answers(t, s, "GET "+path, res, policy.VendorPages(s.actor), http.StatusOK, http.StatusForbidden, last, "nowhere",
			func(id string) response { return m.page(t, s, http.MethodGet, "/vendor/"+id, nil) })
	}
}

// checkVendorChange: the vendor's administrators import and post
// (policy.ChangeVendorRecord) — here what they would be refused for (no
// file; an empty announcement: 422); the vendor's members are refused,
// anyone else finds no page.
func checkVendorChange(path string, form url.Values) checker {
	return func(t *testing.T, m *mx, s *subject) {
		res := m.page(t, s, http.MethodPost, path, form)
		last := path[strings.LastIndex(path, "/")+1:]
		m.answers(t, s, "POST "+path, res, policy.ChangeVendorRecord(s.actor), http.StatusUnprocessableEntity, http.StatusForbidden, last, "nowhere",
			func(id string) response { return m.page(t, s, http.MethodPost, "/vendor/"+id, form) })
	}
}

// checkEndAnnouncement: the vendor's administrators end an announcement
// (policy.ChangeVendorRecord); this one is over already, which changes
// nothing.
func checkEndAnnouncement(t *testing.T, m *mx, s *subject) {
	ask := func(id string) response {
		return m.page(t, s, http.MethodPost, "/vendor/announcements/"+id+"/end", nil)
	}
	id := strconv.FormatInt(m.ended, 10)
	m.answers(t, s, "end announcement "+id, ask(id), policy.ChangeVendorRecord(s.actor), http.StatusSeeOther, http.StatusForbidden, id, missingNumber, ask)
}

// checkRemoveSSO: the vendor's administrators remove a company's single
// sign-on (policy.ConfigureSSO); this company has none, which changes
// nothing. The vendor's members are refused; to anyone else there is no
// such page (R7).
func checkRemoveSSO(t *testing.T, m *mx, s *subject) {
	ask := func(id string) response { return m.page(t, s, http.MethodPost, "/vendor/"+id, nil) }
	id := "sso/NO-SSO/remove"
	res := ask(id)
	d := policy.ConfigureSSO(s.actor, true)
	if d.Allowed {
		m.check(t, res.status == http.StatusNotFound && hasMessage(string(res.body), "company NO-SSO has no single sign-on"),
			"%s: remove a missing single sign-on: %d %s", s.name, res.status, clip(res.body))
		return
	}
	m.answers(t, s, "remove single sign-on", res, d, http.StatusSeeOther, http.StatusForbidden, id, "nowhere", ask)
}

// checkDismiss: every signed-in user hides an announcement's banner for
// themselves (no rule restricts it); this one is over already.
func checkDismiss(t *testing.T, m *mx, s *subject) {
	ask := func(id string) response {
		return m.page(t, s, http.MethodPost, "/announcements/"+id+"/dismiss", url.Values{"back": {"/"}})
	}
	res := ask(strconv.FormatInt(m.ended, 10))
	m.check(t, res.status == http.StatusSeeOther, "%s: dismiss: %d", s.name, res.status)
	res = ask(missingNumber)
	m.check(t, res.status == http.StatusNotFound, "%s: dismiss a missing announcement: %d", s.name, res.status)
}

// ---- A user's own account ----

// missingSession is the ID of no session.
const missingSession = "0000000000000000"

// checkChangePassword: every user may change its own password
// (policy.ManageAccount); asked with a wrong current password, every one
// is refused for it (422) and nothing changes.
func checkChangePassword(portal bool) checker {
	return func(t *testing.T, m *mx, s *subject) {
		var res response
		if portal {
			res = m.page(t, s, http.MethodPost, "/account/password", url.Values{"current_password": {"not the password"}, "new_password": {"a long enough password"}})
		} else {
			res = m.apiSession(t, s, http.MethodPost, "/api/v1/password", map[string]string{"current_password": "not the password", "new_password": "a long enough password"})
		}
		d := policy.ManageAccount(s.actor)
		m.check(t, d.Allowed && res.status == http.StatusUnprocessableEntity && strings.Contains(string(res.body), "not your password now"),
			"%s: change of password with a wrong current one: %d %s (%s)", s.name, res.status, clip(res.body), reasons(d))
	}
}

// checkSessions: a user's list of sessions is exactly its own.
func checkSessions(t *testing.T, m *mx, s *subject) {
	res := m.api(t, s, http.MethodGet, "/api/v1/me/sessions", nil)
	var got struct {
		Items []struct {
			ID      string `json:"id"`
			Current bool   `json:"current"`
		} `json:"items"`
	}
	if !m.check(t, res.status == http.StatusOK && json.Unmarshal(res.body, &got) == nil, "%s: GET /api/v1/me/sessions: %d %s", s.name, res.status, clip(res.body)) {
		return
	}
	want, err := m.db.Sessions(t.Context(), s.user.ID, m.now)
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{}
	for _, x := range got.Items {
		ids = append(ids, x.ID)
		m.check(t, !x.Current, "%s: a request with a token is in no session, yet %s is current", s.name, x.ID)
	}
	wantIDs := []string{}
	for _, x := range want {
		wantIDs = append(wantIDs, x.ID)
	}
	m.check(t, slices.Equal(ids, wantIDs), "%s: sessions %v, want its own %v", s.name, ids, wantIDs)
}

// checkAccountPage: every user has an Account page, about itself.
func checkAccountPage(t *testing.T, m *mx, s *subject) {
	res := m.page(t, s, http.MethodGet, "/account", nil)
	m.check(t, res.status == http.StatusOK && strings.Contains(string(res.body), "Signed in as <strong>"+s.user.Email+"</strong>"),
		"%s: GET /account: %d", s.name, res.status)
}

// otherSubject is a subject of another company than s's, and a co-worker
// of s's when there is one.
func (m *mx) others(s *subject) []*subject {
	other := "OUT"
	if s.company() == other {
		other = "PE"
	}
	out := []*subject{m.userOf(other, true)}
	for _, u := range m.byCompany[s.company()] {
		if u != s {
			out = append(out, u)
		}
	}
	return out
}

// checkEndSession: another user's session — a co-worker's, another
// company's — does not exist for s: 404, as a session that does not exist.
func checkEndSession(portal bool) checker {
	return checkOthersHidden("session", missingSession, func(t *testing.T, m *mx, s *subject, id string) response {
		if portal {
			return m.page(t, s, http.MethodPost, "/account/sessions/"+id+"/end", nil)
		}
		return m.apiSession(t, s, http.MethodDelete, "/api/v1/me/sessions/"+id, nil)
	}, func(t *testing.T, m *mx, o *subject) string {
		ss, err := m.db.Sessions(t.Context(), o.user.ID, m.now)
		if err != nil || len(ss) == 0 {
			t.Fatalf("%s has no session: %v", o.name, err)
		}
		return ss[0].ID
	})
}

// checkOthersHidden: what another user owns — a co-worker's, another
// company's (idOf names one) — does not exist for s: asked about it, s gets
// the 404 of a what that does not exist (missing).
func checkOthersHidden(what, missing string, ask func(t *testing.T, m *mx, s *subject, id string) response, idOf func(t *testing.T, m *mx, o *subject) string) checker {
	return func(t *testing.T, m *mx, s *subject) {
		again := func(id string) response { return ask(t, m, s, id) }
		m.answersWith(t, s, what+" "+missing, again(missing), http.StatusNotFound, "no such "+what, missing, missing, again)
		for _, o := range m.others(s) {
			id := idOf(t, m, o)
			m.answersWith(t, s, what+" "+id, again(id), http.StatusNotFound, "another user's "+what+" does not exist for s", id, missing, again)
		}
	}
}

// checkEndOtherSessions: s signs out its other sessions — it has none — and
// only its own: every other subject's session lives on (the snapshot).
func checkEndOtherSessions(portal bool) checker {
	return func(t *testing.T, m *mx, s *subject) {
		if portal {
			res := m.page(t, s, http.MethodPost, "/account/sessions/end-others", nil)
			m.check(t, res.status == http.StatusSeeOther && res.header.Get("Location") == "/account", "%s: end other sessions: %d %s", s.name, res.status, res.header.Get("Location"))
			return
		}
		// With the session, not the token: a token's request keeps no
		// session, so it would end them all.
		res := m.doAs(t, request{method: http.MethodPost, path: "/api/v1/me/sessions/end-others", client: s.client})
		m.check(t, res.status == http.StatusOK && string(res.body) == `{"ended":0}`+"\n", "%s: end other sessions: %d %s", s.name, res.status, clip(res.body))
	}
}

// checkTokens: a user's list of tokens is exactly its own.
func checkTokens(t *testing.T, m *mx, s *subject) {
	res := m.api(t, s, http.MethodGet, "/api/v1/me/tokens", nil)
	var got struct {
		Items []struct {
			ID    int64  `json:"id"`
			Token string `json:"token"`
		} `json:"items"`
	}
	if !m.check(t, res.status == http.StatusOK && json.Unmarshal(res.body, &got) == nil, "%s: GET /api/v1/me/tokens: %d %s", s.name, res.status, clip(res.body)) {
		return
	}
	want, err := m.db.Tokens(t.Context(), s.user.ID, m.now)
	if err != nil {
		t.Fatal(err)
	}
	var ids, wantIDs []int64
	for _, x := range got.Items {
		ids = append(ids, x.ID)
		m.check(t, x.Token == "", "%s: the list shows a token itself", s.name)
	}
	for _, x := range want {
		wantIDs = append(wantIDs, x.ID)
	}
	m.check(t, len(ids) > 0 && slices.Equal(ids, wantIDs), "%s: tokens %v, want its own %v", s.name, ids, wantIDs)
}

// checkCreateToken: every user may make tokens; one without a name is
// refused (422) and none is made.
func checkCreateToken(portal bool) checker {
	return func(t *testing.T, m *mx, s *subject) {
		var res response
		if portal {
			res = m.page(t, s, http.MethodPost, "/account/tokens", url.Values{"name": {" "}, "expires_in_days": {"30"}})
		} else {
			res = m.apiSession(t, s, http.MethodPost, "/api/v1/me/tokens", map[string]any{"name": " ", "expires_in_days": 30})
		}
		d := policy.ManageAccount(s.actor)
		m.check(t, d.Allowed && res.status == http.StatusUnprocessableEntity, "%s: a token without a name: %d %s (%s)", s.name, res.status, clip(res.body), reasons(d))
	}
}

// checkRevokeToken: another user's token does not exist for s: 404, as a
// token that does not exist.
func checkRevokeToken(portal bool) checker {
	return checkOthersHidden("token", missingNumber, func(t *testing.T, m *mx, s *subject, id string) response {
		if portal {
			return m.page(t, s, http.MethodPost, "/account/tokens/"+id+"/revoke", nil)
		}
		return m.apiSession(t, s, http.MethodDelete, "/api/v1/me/tokens/"+id, nil)
	}, func(t *testing.T, m *mx, o *subject) string {
		ts, err := m.db.Tokens(t.Context(), o.user.ID, m.now)
		if err != nil || len(ts) == 0 {
			t.Fatalf("%s has no token: %v", o.name, err)
		}
		return strconv.FormatInt(ts[0].ID, 10)
	})
}

// checkSendReset: administrators send their company's active users a reset
// link (policy.SendPasswordReset); members are refused; another company's
// user does not exist for s. The targets are those of checkChangeUser.
func checkSendReset(portal bool) checker {
	return func(t *testing.T, m *mx, s *subject) {
		ok := http.StatusAccepted
		if portal {
			ok = http.StatusSeeOther
		}
		ask := func(id string) response {
			if portal {
				return m.page(t, s, http.MethodPost, "/coworkers/users/"+id+"/password-reset", nil)
			}
			return m.api(t, s, http.MethodPost, "/api/v1/users/"+id+"/password-reset", nil)
		}
		other := "OUT"
		if s.company() == other {
			other = "PE"
		}
		targets := append(slices.Clone(m.byCompany[s.company()]), m.userOf(other, true))
		for _, u := range append([]*subject{{}}, targets...) {
			id, d := missingNumber, policy.Decision{}
			if u.user.ID != 0 {
				id, d = strconv.FormatInt(u.user.ID, 10), policy.SendPasswordReset(s.actor, u.user)
			}
			m.answers(t, s, "send reset "+id, ask(id), d, ok, http.StatusForbidden, id, missingNumber, ask)
		}
	}
}

// portalFrame is the header every page has: a signed-in user's navigation,
// name and sign-out form, or the brand alone.
var portalFrame = regexp.MustCompile(`(?s)<header class="bar">.*?</header>`)

// withoutFrame is a page without its header (portalFrame).
func withoutFrame(body []byte) string {
	return portalFrame.ReplaceAllString(string(body), "<header/>")
}
