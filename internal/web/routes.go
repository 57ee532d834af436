package web

import (
	"net/http"

	"github.com/entitle-portal/entitle"
)

// routes lists every route of the server. Each is registered through
// handle, which also records its pattern for Routes. An authenticated API
// route (s.api) also needs its scope in apiScopes, below.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	s.mux = mux
	handle := func(pattern string, h http.Handler) {
		mux.Handle(pattern, h)
		s.patterns = append(s.patterns, pattern)
		if _, ok := h.(apiRoute); ok {
			s.authenticated = append(s.authenticated, pattern)
		}
	}

	// Authentication (SPEC §5).
	handle("POST /api/v1/login", s.public(s.login))
	handle("POST /api/v1/logout", s.public(s.logout))
	handle("POST /api/v1/login/totp", s.public(s.loginTOTP))
	handle("POST /api/v1/sso/start", s.public(s.ssoStart))

	// The JSON API; every handler gets the authenticated caller.
	handle("GET /api/v1/me", s.api(s.me))
	handle("POST /api/v1/password/forgot", s.public(s.forgotPassword))
	handle("POST /api/v1/password/reset", s.public(s.resetPassword))
	handle("POST /api/v1/password", s.api(s.changePassword))
	handle("GET /api/v1/me/sessions", s.api(s.listSessions))
	handle("DELETE /api/v1/me/sessions/{id}", s.api(s.endSession))
	handle("POST /api/v1/me/sessions/end-others", s.api(s.endOtherSessions))
	handle("GET /api/v1/me/tokens", s.api(s.listTokens))
	handle("POST /api/v1/me/tokens", s.api(s.createToken))
	handle("DELETE /api/v1/me/tokens/{id}", s.api(s.revokeToken))
	handle("GET /api/v1/me/totp", s.api(s.getTOTP))
	handle("POST /api/v1/me/totp", s.api(s.startTOTP))
	handle("POST /api/v1/me/totp/confirm", s.api(s.confirmTOTP))
	handle("POST /api/v1/me/totp/recovery-codes", s.api(s.regenerateRecoveryCodes))
	handle("DELETE /api/v1/me/totp", s.api(s.disableTOTP))
	handle("GET /api/v1/me/notices", s.api(s.getNotices))
	handle("PUT /api/v1/me/notices", s.api(s.putNotices))
	handle("GET /api/v1/webhooks", s.api(s.listWebhooks))
	handle("POST /api/v1/webhooks", s.api(s.addWebhook))
	handle("DELETE /api/v1/webhooks/{id}", s.api(s.removeWebhook))
	handle("POST /api/v1/webhooks/{id}/test", s.api(s.testWebhook))
	handle("GET /api/v1/webhooks/{id}/deliveries", s.api(s.webhookDeliveries))
	handle("GET /api/v1/entitlements", s.api(s.listEntitlements))
	handle("GET /api/v1/entitlements/{id}", s.api(s.getEntitlement))
	handle("GET /api/v1/entitlements/{id}/access", s.api(s.entitlementAccess))
	handle("GET /api/v1/entitlements/{id}/access/history", s.api(s.entitlementAccessHistory))
	handle("GET /api/v1/orders", s.api(s.listOrders))
	handle("GET /api/v1/orders/{po}", s.api(s.getOrder))
	handle("GET /api/v1/orders/{po}/entitlements", s.api(s.orderEntitlements))
	handle("GET /api/v1/entitlements/{id}/renewal", s.api(s.renewalOptions))
	handle("POST /api/v1/entitlements/{id}/renewal-requests", s.api(s.requestRenewal))
	handle("POST /api/v1/entitlements/{id}/transfers", s.api(s.offerTransfer))
	handle("GET /api/v1/renewal-requests", s.api(s.listRenewalRequests))
	handle("PATCH /api/v1/renewal-requests/{id}", s.api(s.updateRenewalRequest))
	handle("GET /api/v1/transfers", s.api(s.listTransfers))
	handle("POST /api/v1/transfers/{id}/{action}", s.api(s.decideTransfer))
	handle("POST /api/v1/access-requests", s.api(s.createAccessRequest))
	handle("GET /api/v1/access-requests", s.api(s.listAccessRequests))
	handle("POST /api/v1/access-requests/{id}/withdraw", s.api(s.withdrawAccessRequest))
	handle("GET /api/v1/access-requests/link/{secret}", s.api(s.openAccessLink))
	handle("POST /api/v1/access-requests/link/{secret}/approve", s.api(s.approveAccessLink))
	handle("POST /api/v1/access-requests/link/{secret}/decline", s.api(s.declineAccessLink))
	handle("GET /api/v1/company", s.api(s.getCompany))
	handle("PATCH /api/v1/company", s.api(s.patchCompany))
	handle("PUT /api/v1/company/two-factor", s.api(s.requireTwoFactor))
	handle("GET /api/v1/partners", s.api(s.listPartners))
	handle("POST /api/v1/delegations", s.api(s.grantDelegation))
	handle("GET /api/v1/delegations", s.api(s.listDelegations))
	handle("DELETE /api/v1/delegations/{id}", s.api(s.revokeDelegation))
	handle("POST /api/v1/delegations/revoke", s.api(s.bulkRevokeDelegations))
	handle("POST /api/v1/invitations", s.api(s.invite))
	handle("GET /api/v1/invitations", s.api(s.listInvitations))
	handle("DELETE /api/v1/invitations/{id}", s.api(s.revokeInvitation))
	handle("POST /api/v1/invitations/{id}/resend", s.api(s.resendInvitation))
	handle("POST /api/v1/invitations/accept", s.public(s.acceptInvitation))
	handle("GET /api/v1/users", s.api(s.listUsers))
	handle("PATCH /api/v1/users/{id}", s.api(s.changeUser))
	handle("POST /api/v1/users/{id}/password-reset", s.api(s.sendPasswordReset))
	handle("GET /api/v1/audit", s.api(s.auditEvents))
	handle("POST /api/v1/imports", s.api(s.createImport))
	handle("GET /api/v1/imports", s.api(s.listImports))
	handle("GET /api/v1/imports/{id}", s.api(s.getImport))
	handle("GET /api/v1/openapi.json", s.public(s.openAPI))
	handle("/api/", s.public(s.apiNotFound))

	// Operations.
	handle("GET /healthz", s.public(s.healthz))
	handle("GET /readyz", s.public(s.readyz))
	// 404 without Config.MetricsToken: serve's --metrics-addr has them.
	handle("GET /metrics", s.publicMetrics())

	// Pages for visitors: sign in, accept an invitation.
	handle("GET /login", s.page(s.loginPage))
	handle("POST /login", s.page(s.loginForm))
	handle("POST /logout", s.page(s.logoutForm))
	handle("GET /login/two-factor", s.page(s.secondFactorPage))
	handle("POST /login/two-factor", s.page(s.secondFactorForm))
	handle("GET /sso/callback", s.page(s.ssoCallback))
	handle("GET /invitations/accept", s.page(s.acceptPage))
	handle("POST /invitations/accept", s.page(s.acceptForm))
	handle("GET /password/forgot", s.page(s.forgotPage))
	handle("POST /password/forgot", s.page(s.forgotForm))
	handle("GET /password/reset", s.page(s.resetPage))
	handle("POST /password/reset", s.page(s.resetForm))

	// The portal (portal_*.go): signed-in pages; every POST carries the
	// session's CSRF token.
	handle("GET /{$}", s.portal("entitlements", s.entitlementsPage))
	handle("GET /entitlements.csv", s.portal("entitlements", s.entitlementsCSV))
	handle("POST /entitlements/bulk", s.portal("entitlements", s.bulkDelegationForm))
	handle("GET /entitlements/{id}", s.portal("entitlements", s.entitlementPage))
	handle("GET /entitlements/{id}/access-history", s.portal("entitlements", s.accessHistoryPage))
	handle("GET /entitlements/{id}/renew", s.portal("renewals", s.renewPage))
	handle("POST /entitlements/{id}/renew", s.portal("renewals", s.renewForm))
	handle("POST /entitlements/{id}/transfer", s.portal("transfers", s.offerTransferForm))
	handle("GET /orders", s.portal("orders", s.ordersPage))
	handle("GET /orders.csv", s.portal("orders", s.ordersCSV))
	handle("GET /delegations", s.portal("delegations", s.delegationsPage))
	handle("POST /delegations", s.portal("delegations", s.grantDelegationForm))
	handle("POST /delegations/{id}/revoke", s.portal("delegations", s.revokeDelegationForm))
	handle("GET /renewals", s.portal("renewals", s.renewalsPage))
	handle("POST /renewals/{id}", s.portal("renewals", s.renewalAnswerForm))
	handle("GET /transfers", s.portal("transfers", s.transfersPage))
	handle("POST /transfers/{id}/{action}", s.portal("transfers", s.transferAnswerForm))
	handle("GET /access-requests", s.portal("accessrequests", s.accessRequestsPage))
	handle("POST /access-requests", s.portal("accessrequests", s.createAccessRequestForm))
	handle("POST /access-requests/{id}/withdraw", s.portal("accessrequests", s.withdrawAccessRequestForm))
	handle("GET /access-requests/open", s.portal("accessrequests", s.accessLinkPage))
	handle("POST /access-requests/open", s.portal("accessrequests", s.accessLinkForm))
	handle("GET /where-to-buy", s.portal("wheretobuy", s.whereToBuyPage))
	handle("GET /company", s.portal("company", s.companyPage))
	handle("POST /company", s.portal("company", s.companyForm))
	handle("GET /coworkers", s.portal("coworkers", s.coworkersPage))
	handle("POST /coworkers/invite", s.portal("coworkers", s.inviteForm))
	handle("POST /coworkers/invitations/{id}/revoke", s.portal("coworkers", s.revokeInvitationForm))
	handle("POST /coworkers/invitations/{id}/resend", s.portal("coworkers", s.resendInvitationForm))
	handle("POST /coworkers/users/{id}", s.portal("coworkers", s.changeUserForm))
	handle("POST /coworkers/users/{id}/password-reset", s.portal("coworkers", s.sendResetForm))
	handle("GET /account", s.portal("account", s.accountPage))
	handle("POST /account/password", s.portal("account", s.changePasswordForm))
	handle("POST /account/tokens", s.portal("account", s.createTokenForm))
	handle("POST /account/tokens/{id}/revoke", s.portal("account", s.revokeTokenForm))
	handle("POST /account/sessions/{id}/end", s.portal("account", s.endSessionForm))
	handle("POST /account/sessions/end-others", s.portal("account", s.endOtherSessionsForm))
	handle("POST /account/notices", s.portal("account", s.noticesForm))
	handle("POST /account/language", s.portal("account", s.languageForm))
	handle("GET /webhooks", s.portal("webhooks", s.webhooksPage))
	handle("POST /webhooks", s.portal("webhooks", s.addWebhookForm))
	handle("GET /webhooks/{id}", s.portal("webhooks", s.webhookPage))
	handle("POST /webhooks/{id}/test", s.portal("webhooks", s.testWebhookForm))
	handle("POST /webhooks/{id}/remove", s.portal("webhooks", s.removeWebhookForm))
	handle("GET /audit", s.portal("audit", s.auditPage))
	handle("GET /account/two-factor", s.portal("account", s.twoFactorPage))
	handle("POST /account/two-factor/start", s.portal("account", s.startTOTPForm))
	handle("POST /account/two-factor/confirm", s.portal("account", s.confirmTOTPForm))
	handle("POST /account/two-factor/recovery-codes", s.portal("account", s.recoveryCodesForm))
	handle("POST /account/two-factor/disable", s.portal("account", s.disableTOTPForm))
	handle("POST /account/two-factor/require", s.portal("account", s.requireTwoFactorForm))
	handle("POST /announcements/{id}/dismiss", s.portal("entitlements", s.dismissAnnouncementForm))
	handle("GET /vendor/companies", s.portal("vendor", s.companiesPage))
	handle("GET /vendor/msas", s.portal("vendor", s.msasPage))
	handle("GET /vendor/import", s.portal("vendor", s.importPage))
	handle("POST /vendor/import", s.portal("vendor", s.importForm))
	handle("GET /vendor/announcements", s.portal("vendor", s.announcementsPage))
	handle("POST /vendor/announcements", s.portal("vendor", s.announceForm))
	handle("POST /vendor/announcements/{id}/end", s.portal("vendor", s.endAnnouncementForm))
	handle("GET /vendor/sso", s.portal("vendor", s.ssoPage))
	handle("POST /vendor/sso", s.portal("vendor", s.ssoForm))
	handle("POST /vendor/sso/{company}/remove", s.portal("vendor", s.ssoRemoveForm))
	handle("GET /static/", http.FileServerFS(staticFS))
	handle("/", s.page(s.notFoundPage))

	// Cross-site state-changing requests are refused (a cookie alone must
	// never authorize them); then metrics and request logs.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(s.crossOrigin))
	return s.observe(cop.Handler(mux))
}

// The scopes of API tokens (README, "Scoped API tokens"). A request with an
// API token is refused before its handler runs, 403 insufficient_scope,
// unless the token holds the scope its route needs here; a session is not
// limited by scopes. A scope is only a ceiling: the user's role and the gate
// decide everything else, and no scope grants what the user cannot do.
//
// Every route adapted by s.api has its line here (TestEveryAPIRouteHasScope);
// a route missing from the table refuses every token.
const (
	read   = entitle.ScopeRead   // reading data
	write  = entitle.ScopeWrite  // changing data that is not administration
	admin  = entitle.ScopeAdmin  // administering the company
	ingest = entitle.ScopeImport // the ingest API

	// sessionOnly marks the routes that change how the account signs in —
	// its password, its second factor, its sessions, its API tokens. No
	// token may use them, whatever its scopes: a stolen token must not be
	// able to lock its user out (a second factor of the thief's), outlive
	// its own revocation (a new token) or widen its own scopes. They answer
	// a token 403 session_required.
	sessionOnly entitle.Scope = "session"
)

var apiScopes = map[string]entitle.Scope{
	"GET /api/v1/me":                                     read,
	"POST /api/v1/password":                              sessionOnly,
	"GET /api/v1/me/sessions":                            read,
	"DELETE /api/v1/me/sessions/{id}":                    sessionOnly,
	"POST /api/v1/me/sessions/end-others":                sessionOnly,
	"GET /api/v1/me/tokens":                              read,
	"POST /api/v1/me/tokens":                             sessionOnly,
	"DELETE /api/v1/me/tokens/{id}":                      sessionOnly,
	"GET /api/v1/me/totp":                                read,
	"POST /api/v1/me/totp":                               sessionOnly,
	"POST /api/v1/me/totp/confirm":                       sessionOnly,
	"POST /api/v1/me/totp/recovery-codes":                sessionOnly,
	"DELETE /api/v1/me/totp":                             sessionOnly,
	"GET /api/v1/me/notices":                             read,
	"PUT /api/v1/me/notices":                             write,
	"GET /api/v1/webhooks":                               admin,
	"POST /api/v1/webhooks":                              admin,
	"DELETE /api/v1/webhooks/{id}":                       admin,
	"POST /api/v1/webhooks/{id}/test":                    admin,
	"GET /api/v1/webhooks/{id}/deliveries":               admin,
	"GET /api/v1/entitlements":                           read,
	"GET /api/v1/entitlements/{id}":                      read,
	"GET /api/v1/entitlements/{id}/access":               read,
	"GET /api/v1/entitlements/{id}/access/history":       read,
	"GET /api/v1/orders":                                 read,
	"GET /api/v1/orders/{po}":                            read,
	"GET /api/v1/orders/{po}/entitlements":               read,
	"GET /api/v1/entitlements/{id}/renewal":              read,
	"POST /api/v1/entitlements/{id}/renewal-requests":    write,
	"POST /api/v1/entitlements/{id}/transfers":           write,
	"GET /api/v1/renewal-requests":                       read,
	"PATCH /api/v1/renewal-requests/{id}":                write,
	"GET /api/v1/transfers":                              read,
	"POST /api/v1/transfers/{id}/{action}":               write,
	"POST /api/v1/access-requests":                       write,
	"GET /api/v1/access-requests":                        read,
	"POST /api/v1/access-requests/{id}/withdraw":         write,
	"GET /api/v1/access-requests/link/{secret}":          read,
	"POST /api/v1/access-requests/link/{secret}/approve": write,
	"POST /api/v1/access-requests/link/{secret}/decline": write,
	"GET /api/v1/company":                                read,
	"PATCH /api/v1/company":                              admin,
	"PUT /api/v1/company/two-factor":                     admin,
	"GET /api/v1/partners":                               read,
	"POST /api/v1/delegations":                           write,
	"GET /api/v1/delegations":                            read,
	"DELETE /api/v1/delegations/{id}":                    write,
	"POST /api/v1/delegations/revoke":                    write,
	"POST /api/v1/invitations":                           admin,
	"GET /api/v1/invitations":                            admin,
	"DELETE /api/v1/invitations/{id}":                    admin,
	"POST /api/v1/invitations/{id}/resend":               admin,
	"GET /api/v1/users":                                  admin,
	"PATCH /api/v1/users/{id}":                           admin,
	"POST /api/v1/users/{id}/password-reset":             admin,
	"GET /api/v1/audit":                                  admin,
	"POST /api/v1/imports":                               ingest,
	"GET /api/v1/imports":                                ingest,
	"GET /api/v1/imports/{id}":                           ingest,
}
