package web_test

import (
	"bufio"
	"io"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/entitle-portal/entitle/internal/web"
)

// TestEveryAnswerIsJSON: every error of the HTTP layer is JSON in the
// documented shape, with its own status: those of the router and the
// handlers (no such route, another method, a body too large, a cross-origin
// change) and those net/http writes itself before any handler runs (header
// fields too large, a request that is not HTTP/1.1 as the server takes it).
// Each is sent over a real TCP connection to a real http.Server set up as
// serve sets it up (web.Listener, 64 KiB of headers), as raw bytes.
func TestEveryAnswerIsJSON(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: w.web, MaxHeaderBytes: 64 << 10, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(web.Listener(ln))
	t.Cleanup(func() { hs.Close() })
	addr := ln.Addr().String()

	body := `{"email":"` + strings.Repeat("a", 100<<10) + `@plant.example","password":"x"}`
	for _, tc := range []struct {
		name, request string
		method, path  string // the request's, for the OpenAPI check; "" when it has none
		status        int
		code          string
	}{
		{"no such route", "GET /api/v1/nowhere HTTP/1.1\r\nHost: x\r\n\r\n", "GET", "/api/v1/nowhere", 404, "not_found"},
		{"another method", "PUT /api/v1/me HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", "PUT", "/api/v1/me", 405, "method_not_allowed"},
		{"a body too large", "POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
			strconv.Itoa(len(body)) + "\r\n\r\n" + body, "POST", "/api/v1/login", 413, "payload_too_large"},
		{"a cross-origin change", "POST /api/v1/login HTTP/1.1\r\nHost: x\r\nSec-Fetch-Site: cross-site\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
			"POST", "/api/v1/login", 403, "forbidden"},
		{"a cross-origin change to no route", "DELETE /api/v1/nowhere HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.example\r\n\r\n",
			"DELETE", "/api/v1/nowhere", 403, "forbidden"},
		{"a query string too large", "GET /api/v1/entitlements?sku=" + strings.Repeat("A", 100<<10) + " HTTP/1.1\r\nHost: x\r\n\r\n",
			"GET", "/api/v1/entitlements", 431, "header_too_large"},
		{"header fields too large", "GET /api/v1/me HTTP/1.1\r\nHost: x\r\nX-Padding: " + strings.Repeat("p", 100<<10) + "\r\n\r\n",
			"GET", "/api/v1/me", 431, "header_too_large"},
		{"a malformed request line", "GARBAGE\r\n\r\n", "", "", 400, "bad_request"},
		{"no Host", "GET /api/v1/me HTTP/1.1\r\n\r\n", "", "", 400, "bad_request"},
		{"an invalid header", "GET /api/v1/me HTTP/1.1\r\nHost: x\r\nBad Name: x\r\n\r\n", "", "", 400, "bad_request"},
		{"an unknown transfer encoding", "POST /api/v1/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", "", "", 501, "unsupported_transfer_encoding"},
		{"HTTP/2 as text", "GET /api/v1/me HTTP/2.0\r\nHost: x\r\n\r\n", "", "", 505, "unsupported_http_version"},
	} {
		res := rawRequest(t, addr, "", tc.request)
		checkJSONError(t, tc.name, res, tc.status, tc.code)
		if tc.path != "" {
			if err := checkResponse(tc.method, tc.path, res.status, res.header, res.body); err != nil {
				t.Errorf("%s: OpenAPI: %v", tc.name, err)
			}
		}
	}

	// On a connection that served a request already, too.
	res := rawRequest(t, addr, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /api/v1/entitlements?sku="+strings.Repeat("A", 100<<10)+" HTTP/1.1\r\nHost: x\r\n\r\n")
	checkJSONError(t, "a query string too large, second on its connection", res, 431, "header_too_large")

	// A cross-origin form of the portal gets the portal's page.
	res = rawRequest(t, addr, "", "POST /login HTTP/1.1\r\nHost: x\r\nSec-Fetch-Site: cross-site\r\nContent-Type: application/x-www-form-urlencoded\r\n"+
		"Content-Length: 7\r\n\r\nemail=x")
	if mt, _, _ := mime.ParseMediaType(res.header.Get("Content-Type")); res.status != 403 || mt != "text/html" || !strings.Contains(string(res.body), "<html") {
		t.Errorf("a cross-origin form: %d %s %s", res.status, res.header.Get("Content-Type"), clipBody(res.body))
	}
}

// checkJSONError checks an answer is the error status with code, as JSON in
// the documented shape.
func checkJSONError(t *testing.T, what string, res response, status int, code string) {
	t.Helper()
	if mt, _, _ := mime.ParseMediaType(res.header.Get("Content-Type")); res.status != status || mt != "application/json" {
		t.Errorf("%s: %d %s %q, want %d application/json", what, res.status, res.header.Get("Content-Type"), clipBody(res.body), status)
		return
	}
	d, err := loadAPIDoc()
	if err != nil {
		t.Fatal(err)
	}
	if err := validateJSON(d.schemas["Error"], res.body, "#/components/schemas/Error"); err != nil {
		t.Errorf("%s: %v", what, err)
	}
	if res.errCode() != code || res.errMessage() == "" {
		t.Errorf("%s: %s, want code %s and a message", what, res.body, code)
	}
}

// rawRequest sends first (when not "") and then request as raw bytes on
// one connection to addr, and returns the answer to request.
func rawRequest(t *testing.T, addr, first, request string) response {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	br := bufio.NewReader(c)
	if first != "" {
		if _, err := io.WriteString(c, first); err != nil {
			t.Fatal(err)
		}
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	// The server may answer before it has read all of a request that is too
	// large: write while reading.
	go io.WriteString(c, request)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("%.60q: %v", request, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// TestListenerLeavesHandlersAnswers: web.Listener rewrites only what
// net/http writes by itself; a handler's answer passes as it is, even one
// with the same status and words.
func TestListenerLeavesHandlersAnswers(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		http.Error(w, "431 Request Header Fields Too Large", http.StatusRequestHeaderFieldsTooLarge)
	})}
	go hs.Serve(web.Listener(ln))
	t.Cleanup(func() { hs.Close() })
	res := rawRequest(t, ln.Addr().String(), "", "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if res.status != 431 || !strings.HasPrefix(res.header.Get("Content-Type"), "text/plain") || string(res.body) != "431 Request Header Fields Too Large\n" {
		t.Errorf("a handler's own 431: %d %s %q", res.status, res.header.Get("Content-Type"), res.body)
	}
}
