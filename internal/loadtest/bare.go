package loadtest

import (
	"net/http"
	"time"
)

// BareBody is the bare handler's answer: a fixed JSON object of 325 bytes,
// the size of an entitlement with its owner view.
var BareBody = []byte(`{"subscription_id":"SUB-0000001","sku":"WIDGET-PRO-1Y","quantity":25,` +
	`"start_date":"2026-01-15","end_date":"2027-01-14","po_number":"PO-000123","status":"active",` +
	`"access":["owner"],"owner":{"key":"CUST-000001","name":"Customer 000001 Ltd"},` +
	`"installation_site":{"line1":"1 Example Street","city":"Springfield","country":"DE"}}` + "\n")

// BareHandler is the ceiling the API is compared with: net/http answering
// every request with BareBody as JSON, and nothing else.
func BareHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write(BareBody)
	})
}

// NewServer returns an http.Server for h with the settings `entitle serve`
// uses (cmd/entitle/serve.go), so that the bare handler and the API are
// served alike.
func NewServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
}
