package web

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routes lists every route of the server.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	s.mux = mux

	// Authentication (SPEC §5).
	mux.Handle("POST /api/v1/login", s.public(s.login))
	mux.Handle("POST /api/v1/logout", s.public(s.logout))

	// The JSON API; every handler gets the authenticated caller.
	mux.Handle("GET /api/v1/me", s.api(s.me))
	mux.Handle("GET /api/v1/entitlements", s.api(s.listEntitlements))
	mux.Handle("GET /api/v1/entitlements/{id}", s.api(s.getEntitlement))
	mux.Handle("GET /api/v1/entitlements/{id}/access", s.api(s.entitlementAccess))
	mux.Handle("GET /api/v1/orders/{po}", s.api(s.getOrder))
	mux.Handle("GET /api/v1/orders/{po}/entitlements", s.api(s.orderEntitlements))
	mux.Handle("GET /api/v1/entitlements/{id}/renewal", s.api(s.renewalOptions))
	mux.Handle("POST /api/v1/entitlements/{id}/renewal-requests", s.api(s.requestRenewal))
	mux.Handle("POST /api/v1/entitlements/{id}/transfers", s.api(s.offerTransfer))
	mux.Handle("GET /api/v1/renewal-requests", s.api(s.listRenewalRequests))
	mux.Handle("PATCH /api/v1/renewal-requests/{id}", s.api(s.updateRenewalRequest))
	mux.Handle("GET /api/v1/transfers", s.api(s.listTransfers))
	mux.Handle("POST /api/v1/transfers/{id}/{action}", s.api(s.decideTransfer))
	mux.Handle("GET /api/v1/company", s.api(s.getCompany))
	mux.Handle("PATCH /api/v1/company", s.api(s.patchCompany))
	mux.Handle("GET /api/v1/partners", s.api(s.listPartners))
	mux.Handle("POST /api/v1/delegations", s.api(s.grantDelegation))
	mux.Handle("GET /api/v1/delegations", s.api(s.listDelegations))
	mux.Handle("DELETE /api/v1/delegations/{id}", s.api(s.revokeDelegation))
	mux.Handle("POST /api/v1/invitations", s.api(s.invite))
	mux.Handle("GET /api/v1/invitations", s.api(s.listInvitations))
	mux.Handle("DELETE /api/v1/invitations/{id}", s.api(s.revokeInvitation))
	mux.Handle("POST /api/v1/invitations/{id}/resend", s.api(s.resendInvitation))
	mux.Handle("POST /api/v1/invitations/accept", s.public(s.acceptInvitation))
	mux.Handle("GET /api/v1/users", s.api(s.listUsers))
	mux.Handle("PATCH /api/v1/users/{id}", s.api(s.changeUser))
	mux.Handle("GET /api/v1/audit", s.api(s.auditEvents))
	mux.Handle("GET /api/v1/openapi.json", s.public(s.openAPI))
	mux.Handle("/api/", s.public(s.apiNotFound))

	// Operations.
	mux.Handle("GET /healthz", s.public(s.healthz))
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.cfg.Registry, promhttp.HandlerOpts{}))

	// Pages for visitors: sign in, accept an invitation.
	mux.Handle("GET /login", s.page(s.loginPage))
	mux.Handle("POST /login", s.page(s.loginForm))
	mux.Handle("POST /logout", s.page(s.logoutForm))
	mux.Handle("GET /invitations/accept", s.page(s.acceptPage))
	mux.Handle("POST /invitations/accept", s.page(s.acceptForm))

	// The portal (portal_*.go): signed-in pages; every POST carries the
	// session's CSRF token.
	mux.Handle("GET /{$}", s.portal("entitlements", s.entitlementsPage))
	mux.Handle("GET /entitlements.csv", s.portal("entitlements", s.entitlementsCSV))
	mux.Handle("GET /entitlements/{id}", s.portal("entitlements", s.entitlementPage))
	mux.Handle("GET /entitlements/{id}/renew", s.portal("renewals", s.renewPage))
	mux.Handle("POST /entitlements/{id}/renew", s.portal("renewals", s.renewForm))
	mux.Handle("POST /entitlements/{id}/transfer", s.portal("transfers", s.offerTransferForm))
	mux.Handle("GET /orders", s.portal("orders", s.ordersPage))
	mux.Handle("GET /delegations", s.portal("delegations", s.delegationsPage))
	mux.Handle("POST /delegations", s.portal("delegations", s.grantDelegationForm))
	mux.Handle("POST /delegations/{id}/revoke", s.portal("delegations", s.revokeDelegationForm))
	mux.Handle("GET /renewals", s.portal("renewals", s.renewalsPage))
	mux.Handle("POST /renewals/{id}", s.portal("renewals", s.renewalAnswerForm))
	mux.Handle("GET /transfers", s.portal("transfers", s.transfersPage))
	mux.Handle("POST /transfers/{id}/{action}", s.portal("transfers", s.transferAnswerForm))
	mux.Handle("GET /coworkers", s.portal("coworkers", s.coworkersPage))
	mux.Handle("POST /coworkers/invite", s.portal("coworkers", s.inviteForm))
	mux.Handle("POST /coworkers/invitations/{id}/revoke", s.portal("coworkers", s.revokeInvitationForm))
	mux.Handle("POST /coworkers/invitations/{id}/resend", s.portal("coworkers", s.resendInvitationForm))
	mux.Handle("POST /coworkers/users/{id}", s.portal("coworkers", s.changeUserForm))
	mux.Handle("GET /audit", s.portal("audit", s.auditPage))
	mux.Handle("POST /announcements/{id}/dismiss", s.portal("entitlements", s.dismissAnnouncementForm))
	mux.Handle("GET /vendor/companies", s.portal("vendor", s.companiesPage))
	mux.Handle("GET /vendor/msas", s.portal("vendor", s.msasPage))
	mux.Handle("GET /vendor/import", s.portal("vendor", s.importPage))
	mux.Handle("POST /vendor/import", s.portal("vendor", s.importForm))
	mux.Handle("GET /vendor/announcements", s.portal("vendor", s.announcementsPage))
	mux.Handle("POST /vendor/announcements", s.portal("vendor", s.announceForm))
	mux.Handle("POST /vendor/announcements/{id}/end", s.portal("vendor", s.endAnnouncementForm))
	mux.Handle("GET /static/", http.FileServerFS(staticFS))
	mux.Handle("/", s.page(s.notFoundPage))

	// Cross-site state-changing requests are refused (a cookie alone must
	// never authorize them); then metrics and request logs.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(s.crossOrigin))
	return s.observe(cop.Handler(mux))
}
