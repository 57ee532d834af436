package web

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routes lists every route of the server. Each is registered through
// handle, which also records its pattern for Routes.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	s.mux = mux
	handle := func(pattern string, h http.Handler) {
		mux.Handle(pattern, h)
		s.patterns = append(s.patterns, pattern)
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
	handle("GET /api/v1/entitlements", s.api(s.listEntitlements))
	handle("GET /api/v1/entitlements/{id}", s.api(s.getEntitlement))
	handle("GET /api/v1/entitlements/{id}/access", s.api(s.entitlementAccess))
	handle("GET /api/v1/orders/{po}", s.api(s.getOrder))
	handle("GET /api/v1/orders/{po}/entitlements", s.api(s.orderEntitlements))
	handle("GET /api/v1/entitlements/{id}/renewal", s.api(s.renewalOptions))
	handle("POST /api/v1/entitlements/{id}/renewal-requests", s.api(s.requestRenewal))
	handle("POST /api/v1/entitlements/{id}/transfers", s.api(s.offerTransfer))
	handle("GET /api/v1/renewal-requests", s.api(s.listRenewalRequests))
	handle("PATCH /api/v1/renewal-requests/{id}", s.api(s.updateRenewalRequest))
	handle("GET /api/v1/transfers", s.api(s.listTransfers))
	handle("POST /api/v1/transfers/{id}/{action}", s.api(s.decideTransfer))
	handle("GET /api/v1/company", s.api(s.getCompany))
	handle("PATCH /api/v1/company", s.api(s.patchCompany))
	handle("PUT /api/v1/company/two-factor", s.api(s.requireTwoFactor))
	handle("GET /api/v1/partners", s.api(s.listPartners))
	handle("POST /api/v1/delegations", s.api(s.grantDelegation))
	handle("GET /api/v1/delegations", s.api(s.listDelegations))
	handle("DELETE /api/v1/delegations/{id}", s.api(s.revokeDelegation))
	handle("POST /api/v1/invitations", s.api(s.invite))
	handle("GET /api/v1/invitations", s.api(s.listInvitations))
	handle("DELETE /api/v1/invitations/{id}", s.api(s.revokeInvitation))
	handle("POST /api/v1/invitations/{id}/resend", s.api(s.resendInvitation))
	handle("POST /api/v1/invitations/accept", s.public(s.acceptInvitation))
	handle("GET /api/v1/users", s.api(s.listUsers))
	handle("PATCH /api/v1/users/{id}", s.api(s.changeUser))
	handle("POST /api/v1/users/{id}/password-reset", s.api(s.sendPasswordReset))
	handle("GET /api/v1/audit", s.api(s.auditEvents))
	handle("GET /api/v1/openapi.json", s.public(s.openAPI))
	handle("/api/", s.public(s.apiNotFound))

	// Operations.
	handle("GET /healthz", s.public(s.healthz))
	handle("GET /metrics", promhttp.HandlerFor(s.cfg.Registry, promhttp.HandlerOpts{}))

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
	handle("GET /entitlements/{id}", s.portal("entitlements", s.entitlementPage))
	handle("GET /entitlements/{id}/renew", s.portal("renewals", s.renewPage))
	handle("POST /entitlements/{id}/renew", s.portal("renewals", s.renewForm))
	handle("POST /entitlements/{id}/transfer", s.portal("transfers", s.offerTransferForm))
	handle("GET /orders", s.portal("orders", s.ordersPage))
	handle("GET /delegations", s.portal("delegations", s.delegationsPage))
	handle("POST /delegations", s.portal("delegations", s.grantDelegationForm))
	handle("POST /delegations/{id}/revoke", s.portal("delegations", s.revokeDelegationForm))
	handle("GET /renewals", s.portal("renewals", s.renewalsPage))
	handle("POST /renewals/{id}", s.portal("renewals", s.renewalAnswerForm))
	handle("GET /transfers", s.portal("transfers", s.transfersPage))
	handle("POST /transfers/{id}/{action}", s.portal("transfers", s.transferAnswerForm))
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
