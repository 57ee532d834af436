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

	// Pages.
	mux.Handle("GET /{$}", s.page(s.home))
	mux.Handle("POST /login", s.page(s.loginForm))
	mux.Handle("POST /logout", s.page(s.logoutForm))
	mux.Handle("GET /invitations/accept", s.page(s.acceptPage))
	mux.Handle("POST /invitations/accept", s.page(s.acceptForm))
	mux.Handle("GET /static/", http.FileServerFS(staticFS))
	mux.Handle("/", s.page(s.notFoundPage))

	// Cross-site state-changing requests are refused (a cookie alone must
	// never authorize them); then metrics and request logs.
	return s.observe(http.NewCrossOriginProtection().Handler(mux))
}
