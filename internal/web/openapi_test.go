package web_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// This file holds the API's contract test: internal/web/openapi.json is the
// OpenAPI 3.1 document of the API, and every answer any test of this package
// receives is checked against it (the hook below), so that the document and
// the code cannot drift apart unnoticed: an undocumented status, a field
// that is not in the schema, a field the schema requires that is missing, a
// null where the document says absent — each is a test failure naming the
// request.

func init() {
	responseHooks = append(responseHooks, func(t testing.TB, req *http.Request, status int, header http.Header, body []byte) {
		t.Helper()
		if err := checkResponse(req.Method, req.URL.EscapedPath(), status, header, body); err != nil {
			t.Errorf("OpenAPI: %s %s → %d: %v\nbody: %s", req.Method, req.URL.RequestURI(), status, err, clipBody(body))
		}
	})
}

const openAPIFile = "openapi.json"

// docURL is the URL under which the document is compiled; its schemas are
// compiled at JSON pointers into it, so $refs to #/components/... resolve.
const docURL = "https://entitle.invalid/openapi.json"

// apiDoc is the loaded document with every schema it uses compiled.
type apiDoc struct {
	raw       map[string]any
	templates []pathTemplate
	ops       map[string]*apiOperation      // "METHOD normalized-path"
	schemas   map[string]*jsonschema.Schema // components/schemas, by name
	catchAll  map[int]*apiResponse          // the catch-all's answers: 404, 405
}

// pathTemplate is one path of the document, split into segments; a
// wildcard segment ({name}) is "{}".
type pathTemplate struct {
	path     string
	segments []string
	literals int
}

type apiOperation struct {
	method, path string
	responses    map[string]*apiResponse // by status ("200") or "default"
}

type apiResponse struct {
	where   string                        // a JSON pointer, for messages
	content map[string]*jsonschema.Schema // media type → schema; nil schema: any
}

var (
	docOnce sync.Once
	docVal  *apiDoc
	docErr  error
)

// loadAPIDoc parses and compiles the document once for the whole test binary.
func loadAPIDoc() (*apiDoc, error) {
	docOnce.Do(func() { docVal, docErr = compileAPIDoc() })
	return docVal, docErr
}

// pointer builds a JSON pointer fragment from tokens, escaped for a URL.
func pointer(tokens ...string) string {
	var b strings.Builder
	for _, tok := range tokens {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1")
		b.WriteByte('/')
		b.WriteString(url.PathEscape(tok))
	}
	return b.String()
}

var wildcard = regexp.MustCompile(`\{[^}]*\}`)

// normalizePath replaces every wildcard of a path template ({id},
// {subscription_id}, {po...}) by {}, so that the document's and the
// router's names need not agree.
func normalizePath(p string) string { return wildcard.ReplaceAllString(p, "{}") }

var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

func compileAPIDoc() (*apiDoc, error) {
	data, err := os.ReadFile(openAPIFile)
	if err != nil {
		return nil, err
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s is not JSON: %v", openAPIFile, err)
	}
	if v, _ := raw["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		return nil, fmt.Errorf("openapi is %q, want 3.1.x", v)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(docURL, inst); err != nil {
		return nil, err
	}
	compile := func(ptr string) (*jsonschema.Schema, error) {
		s, err := c.Compile(docURL + "#" + ptr)
		if err != nil {
			return nil, fmt.Errorf("schema at %s: %v", ptr, err)
		}
		return s, nil
	}
	d := &apiDoc{raw: raw, ops: map[string]*apiOperation{}, schemas: map[string]*jsonschema.Schema{}, catchAll: map[int]*apiResponse{}}
	comps, _ := raw["components"].(map[string]any)
	schemas, _ := comps["schemas"].(map[string]any)
	for name := range schemas {
		if d.schemas[name], err = compile(pointer("components", "schemas", name)); err != nil {
			return nil, err
		}
	}
	if d.schemas["Error"] == nil {
		return nil, errors.New("no components/schemas/Error")
	}
	// response compiles the schemas of a response object found at where.
	response := func(where string, resp map[string]any) (*apiResponse, error) {
		ar := &apiResponse{where: where, content: map[string]*jsonschema.Schema{}}
		content, _ := resp["content"].(map[string]any)
		for mt, media := range content {
			var sch *jsonschema.Schema
			if mm, _ := media.(map[string]any); mm["schema"] != nil {
				if sch, err = compile(where + pointer("content", mt, "schema")); err != nil {
					return nil, err
				}
			}
			ar.content[mt] = sch
		}
		return ar, nil
	}
	responses, _ := comps["responses"].(map[string]any)
	for status, name := range map[int]string{http.StatusNotFound: "NotFound", http.StatusMethodNotAllowed: "MethodNotAllowed",
		http.StatusForbidden: "CrossOrigin", http.StatusRequestHeaderFieldsTooLarge: "HeaderTooLarge"} {
		resp, ok := responses[name].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("no components/responses/%s (the catch-all's %d)", name, status)
		}
		if d.catchAll[status], err = response(pointer("components", "responses", name), resp); err != nil {
			return nil, err
		}
	}
	paths, ok := raw["paths"].(map[string]any)
	if !ok {
		return nil, errors.New("no paths")
	}
	for p, item := range paths {
		segs := strings.Split(p, "/")
		tpl := pathTemplate{path: p, segments: segs}
		for i, s := range segs {
			if wildcard.MatchString(s) {
				if wildcard.FindString(s) != s {
					return nil, fmt.Errorf("path %s: a wildcard must be a whole segment", p)
				}
				tpl.segments[i] = "{}"
			} else {
				tpl.literals++
			}
		}
		d.templates = append(d.templates, tpl)
		ops, _ := item.(map[string]any)
		for _, m := range methods {
			op, ok := ops[m].(map[string]any)
			if !ok {
				continue
			}
			o := &apiOperation{method: strings.ToUpper(m), path: p, responses: map[string]*apiResponse{}}
			// The schemas of the parameters and the request body must
			// compile too, though only answers are checked.
			params, _ := op["parameters"].([]any)
			for i, prm := range params {
				if pm, _ := prm.(map[string]any); pm["schema"] != nil {
					if _, err := compile(pointer("paths", p, m, "parameters", strconv.Itoa(i), "schema")); err != nil {
						return nil, err
					}
				}
			}
			if rb, _ := op["requestBody"].(map[string]any); rb != nil {
				content, _ := rb["content"].(map[string]any)
				for mt := range content {
					if _, err := compile(pointer("paths", p, m, "requestBody", "content", mt, "schema")); err != nil {
						return nil, err
					}
				}
			}
			rs, _ := op["responses"].(map[string]any)
			if len(rs) == 0 {
				return nil, fmt.Errorf("%s %s: no responses", o.method, p)
			}
			for status, r := range rs {
				where := pointer("paths", p, m, "responses", status)
				resp, _ := r.(map[string]any)
				if ref, ok := resp["$ref"].(string); ok {
					name, ok := strings.CutPrefix(ref, "#/components/responses/")
					if resp, _ = responses[name].(map[string]any); !ok || resp == nil {
						return nil, fmt.Errorf("%s: $ref %s does not resolve", where, ref)
					}
					where = pointer("components", "responses", name)
				}
				if o.responses[status], err = response(where, resp); err != nil {
					return nil, err
				}
			}
			d.ops[o.method+" "+normalizePath(p)] = o
		}
	}
	// The most literal template wins (a/b before a/{}), as in the router.
	slices.SortFunc(d.templates, func(a, b pathTemplate) int { return b.literals - a.literals })
	return d, nil
}

// match returns the document's path template that the (escaped) request
// path falls under, "" if none.
func (d *apiDoc) match(escapedPath string) string {
	segs := strings.Split(escapedPath, "/")
next:
	for _, t := range d.templates {
		if len(t.segments) != len(segs) {
			continue
		}
		for i, s := range t.segments {
			if s == "{}" {
				if segs[i] == "" {
					continue next
				}
				continue
			}
			if u, err := url.PathUnescape(segs[i]); err != nil || u != s {
				continue next
			}
		}
		return t.path
	}
	return ""
}

// isAPIPath reports whether a request path is the API's (everything else is
// a page or an asset of the portal).
func isAPIPath(p string) bool {
	return strings.HasPrefix(p, "/api/") || p == "/healthz" || p == "/readyz" || p == "/metrics"
}

// checkResponse checks one answer against the document: the operation of
// method and path must document status, and a JSON body must match the
// status's schema. Requests to pages are not the API's and pass; requests
// under /api/ that no operation takes (the 404/405 catch-all) must be
// answered with the Error schema.
func checkResponse(method, escapedPath string, status int, header http.Header, body []byte) error {
	d, err := loadAPIDoc()
	if err != nil {
		return err
	}
	if !isAPIPath(escapedPath) {
		return nil
	}
	if method == http.MethodHead {
		method = http.MethodGet // the router answers HEAD with the GET route
	}
	mt := ""
	if ct := header.Get("Content-Type"); ct != "" {
		if mt, _, err = mime.ParseMediaType(ct); err != nil {
			return fmt.Errorf("Content-Type %q: %v", ct, err)
		}
	}
	tpl := d.match(escapedPath)
	op := d.ops[method+" "+normalizePath(tpl)]
	if tpl == "" || op == nil {
		// The catch-all: 404 not_found, or 405 method_not_allowed for a
		// path that other methods take; 403 for a cross-origin
		// state-changing request and 431 for header fields too large,
		// both refused before routing.
		r := d.catchAll[status]
		switch {
		case status >= 300 && status < 400:
			return nil // the router's redirect to a clean path
		case r == nil:
			return fmt.Errorf("no operation %s %s in the document, and the answer is %d, not the catch-all's 404, 405, 403 or 431", method, escapedPath, status)
		case len(body) == 0 && method == http.MethodGet:
			return nil // HEAD
		case mt != "application/json":
			return fmt.Errorf("the catch-all answered %q, not application/json", mt)
		}
		return validateJSON(r.content["application/json"], body, r.where)
	}
	r := op.responses[strconv.Itoa(status)]
	if r == nil {
		r = op.responses[fmt.Sprintf("%dXX", status/100)]
	}
	if r == nil {
		r = op.responses["default"]
	}
	if r == nil {
		var documented []string
		for s := range op.responses {
			documented = append(documented, s)
		}
		slices.Sort(documented)
		return fmt.Errorf("status %d is not documented for %s %s (documented: %s)", status, op.method, op.path, strings.Join(documented, ", "))
	}
	if len(body) == 0 {
		return nil // 204, or an answer to HEAD
	}
	if len(r.content) == 0 {
		return fmt.Errorf("%s %s %d: the document says no body, the answer has %d bytes", op.method, op.path, status, len(body))
	}
	sch, ok := r.content[mt]
	if !ok {
		var documented []string
		for m := range r.content {
			documented = append(documented, m)
		}
		slices.Sort(documented)
		return fmt.Errorf("%s %s %d: Content-Type %q is not documented (documented: %s)", op.method, op.path, status, mt, strings.Join(documented, ", "))
	}
	if sch == nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return nil
	}
	return validateJSON(sch, body, r.where)
}

// validateJSON validates a JSON body against a compiled schema.
func validateJSON(sch *jsonschema.Schema, body []byte, where string) error {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("the body is not JSON: %v", err)
	}
	if err := sch.Validate(v); err != nil {
		return fmt.Errorf("the body does not match %s: %v", where, err)
	}
	return nil
}

func clipBody(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "…"
	}
	return string(b)
}

// routeRE finds the routes of routes.go: handle("METHOD /path", handler).
var routeRE = regexp.MustCompile(`\bhandle\("(?:([A-Z]+) )?(/[^"]*)",\s*([^\n]*)\)\n`)

type route struct {
	method, path, handler string
}

// apiRoutes reads the API routes from routes.go's source: every route with
// a method that is not a page or a static asset. The catch-alls ("/api/",
// "/") take every method and are not operations.
func apiRoutes(t *testing.T) []route {
	t.Helper()
	src, err := os.ReadFile("routes.go")
	if err != nil {
		t.Fatal(err)
	}
	var out []route
	for _, m := range routeRE.FindAllStringSubmatch(string(src), -1) {
		r := route{method: m[1], path: m[2], handler: strings.TrimSpace(m[3])}
		switch {
		case r.method == "": // a catch-all
		case strings.HasPrefix(r.handler, "s.page("), strings.HasPrefix(r.handler, "s.portal("): // a page of the portal
		case strings.HasPrefix(r.path, "/static/"):
		default:
			out = append(out, r)
		}
	}
	if len(out) < 10 {
		t.Fatalf("found only %d API routes in routes.go: %v", len(out), out)
	}
	return out
}

// TestOpenAPIDocument checks the document itself: it parses, it is OpenAPI
// 3.1, every schema compiles, and its operations are exactly the routes of
// routes.go, with the security the router gives them.
func TestOpenAPIDocument(t *testing.T) {
	d, err := loadAPIDoc()
	if err != nil {
		t.Fatal(err)
	}
	if got := d.raw["openapi"]; got != "3.1.0" {
		t.Errorf("openapi = %v, want 3.1.0", got)
	}
	if info, _ := d.raw["info"].(map[string]any); info["title"] == nil || info["version"] == nil {
		t.Errorf("info needs a title and a version: %v", info)
	}
	comps, _ := d.raw["components"].(map[string]any)
	schemes, _ := comps["securitySchemes"].(map[string]any)
	if b, _ := schemes["bearer"].(map[string]any); b["type"] != "http" || b["scheme"] != "bearer" {
		t.Errorf("securitySchemes.bearer = %v, want http bearer", b)
	}
	if c, _ := schemes["cookie"].(map[string]any); c["type"] != "apiKey" || c["in"] != "cookie" || c["name"] != "entitle_session" {
		t.Errorf("securitySchemes.cookie = %v, want the apiKey cookie entitle_session", c)
	}

	// The document is kept formatted: 2-space indentation, one final newline.
	data, err := os.ReadFile(openAPIFile)
	if err != nil {
		t.Fatal(err)
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, bytes.TrimSpace(data), "", "  "); err != nil {
		t.Fatal(err)
	}
	pretty.WriteByte('\n')
	if !bytes.Equal(pretty.Bytes(), data) {
		t.Errorf("%s is not formatted with 2-space indentation", openAPIFile)
	}

	// Every schema of the document compiled (loadAPIDoc compiles the
	// components, the parameters', the request bodies' and the responses'
	// schemas, and fails on the first that does not).
	if comps, _ := d.raw["components"].(map[string]any); len(d.schemas) != len(comps["schemas"].(map[string]any)) || len(d.schemas) == 0 {
		t.Errorf("%d component schemas compiled, of %d", len(d.schemas), len(comps["schemas"].(map[string]any)))
	}

	// The operations are exactly the routes.
	routes := apiRoutes(t)
	routed := map[string]route{}
	for _, r := range routes {
		routed[r.method+" "+normalizePath(r.path)] = r
	}
	for key, r := range routed {
		op := d.ops[key]
		if op == nil {
			t.Errorf("route %s %s (routes.go) is not in %s", r.method, r.path, openAPIFile)
			continue
		}
		raw := d.raw["paths"].(map[string]any)[op.path].(map[string]any)[strings.ToLower(op.method)].(map[string]any)
		sec, hasSec := raw["security"].([]any)
		public := hasSec && len(sec) == 0
		switch {
		case strings.HasPrefix(r.handler, "s.api("):
			if public {
				t.Errorf("%s %s: routed through s.api (authenticated) but documented with security: []", op.method, op.path)
			}
			if op.responses["401"] == nil {
				t.Errorf("%s %s: authenticated, but 401 is not documented", op.method, op.path)
			}
		default:
			if !public {
				t.Errorf("%s %s: public (%s) but not documented with security: []", op.method, op.path, r.handler)
			}
		}
		// Every wildcard of the path is a documented path parameter.
		declared := map[string]bool{}
		params, _ := raw["parameters"].([]any)
		for _, p := range params {
			if pm, _ := p.(map[string]any); pm["in"] == "path" {
				declared[pm["name"].(string)] = true
			}
		}
		for _, w := range wildcard.FindAllString(op.path, -1) {
			if name := strings.Trim(w, "{}"); !declared[name] {
				t.Errorf("%s %s: path parameter %s is not declared", op.method, op.path, name)
			} else {
				delete(declared, name)
			}
		}
		for name := range declared {
			t.Errorf("%s %s: path parameter %s is not in the path", op.method, op.path, name)
		}
		// Refusals that come before any handler, and the database's
		// absence, are documented where they can happen: 431 on every
		// route, 403 (cross-origin) on every change, 503 wherever the
		// caller is looked up.
		if op.responses["431"] == nil {
			t.Errorf("%s %s: 431 (header fields too large, on any route) is not documented", op.method, op.path)
		}
		if op.method != http.MethodGet && op.responses["403"] == nil {
			t.Errorf("%s %s: a change, but 403 (a cross-origin request, refused) is not documented", op.method, op.path)
		}
		if strings.HasPrefix(r.handler, "s.api(") && op.responses["503"] == nil {
			t.Errorf("%s %s: authenticated, but 503 (the database is unavailable) is not documented", op.method, op.path)
		}
		success := false
		for s := range op.responses {
			success = success || strings.HasPrefix(s, "2")
		}
		if !success {
			t.Errorf("%s %s: no success response", op.method, op.path)
		}
	}
	for key, op := range d.ops {
		if _, ok := routed[key]; !ok {
			t.Errorf("%s %s is documented but not routed in routes.go", op.method, op.path)
		}
	}
}

// TestOpenAPIServed checks that the server serves the document as it is.
func TestOpenAPIServed(t *testing.T) {
	t.Parallel()
	want, err := os.ReadFile(openAPIFile)
	if err != nil {
		t.Fatal(err)
	}
	ts := newServer(t, testNow)
	r := ts.get("/api/v1/openapi.json", "")
	if r.status != http.StatusOK {
		t.Fatalf("status %d, want 200", r.status)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	if !bytes.Equal(r.body, want) {
		t.Errorf("the served document (%d bytes) differs from %s (%d bytes)", len(r.body), openAPIFile, len(want))
	}
}

// TestOpenAPIValidationCatchesDrift proves that the response check catches
// what it is there for, on crafted answers.
func TestOpenAPIValidationCatchesDrift(t *testing.T) {
	t.Parallel()
	jsonHeader := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	textHeader := http.Header{"Content-Type": {"text/plain; charset=utf-8"}}
	const ent = `{"subscription_id":"SUB-1","sku":"EBO-ENT-1Y","quantity":10,"start_date":"2026-02-01","end_date":"2027-01-31","po_number":"PO-1001","status":"active","access":["reseller"]%s}`
	const order = `{"po_number":"PO-1","purchasing_entity":{"key":"ACME","name":"Acme"},"msa":"MSA-7","order_date":"2026-01-15","currency":"EUR",
		"resellers":[],"installers":[{"key":"MSP-1","name":"MSP"}],"lines":[{"line":1,"subscription_id":"SUB-1","sku":"S","quantity":2,"unit_price":"1.50","amount":"3.00","start_date":"2026-02-01","end_date":"2027-01-31"}],
		"total":"3.00","access":["purchasing_entity"]%s}`
	const delegations = `{"granted":[{"id":"d1","owner":{"key":"OWN","name":"Own"},"delegate":{"key":"DEL","name":"Del"},"scope":"listed","subscription_ids":["SUB-1"],"status":"active",%s"created_at":"2026-06-15T10:00:00Z"}],
		"received":[{"id":"d2","owner":{"key":"OTHER","name":"Other"},"delegate":{"key":"OWN","name":"Own"},"scope":"all","status":"revoked",%s"created_at":"2026-06-15T10:00:00Z","revoked_at":"2026-06-16T10:00:00.5Z"}]}`
	cases := []struct {
		name, method, path string
		status             int
		header             http.Header
		body               string
		ok                 bool
	}{
		{"entitlement", "GET", "/api/v1/entitlements/SUB-1", 200, jsonHeader, fmt.Sprintf(ent, ""), true},
		{"entitlement of the owner", "GET", "/api/v1/entitlements/SUB-1", 200, jsonHeader,
			fmt.Sprintf(ent, `,"owner":{"key":"CUST-1","name":"Customer"},"installation_site":{"name":"Plant","address":"1 rue X","country":"FR"}`), true},
		{"escaped subscription ID", "GET", "/api/v1/entitlements/SUB%2F1", 200, jsonHeader, fmt.Sprintf(ent, ""), true},
		{"owner null", "GET", "/api/v1/entitlements/SUB-1", 200, jsonHeader, fmt.Sprintf(ent, `,"owner":null`), false},
		{"installation_site null", "GET", "/api/v1/entitlements/SUB-1", 200, jsonHeader, fmt.Sprintf(ent, `,"installation_site":null`), false},
		{"extra field", "GET", "/api/v1/entitlements/SUB-1", 200, jsonHeader, fmt.Sprintf(ent, `,"purchasing_entity":"ACME"`), false},
		{"access missing", "GET", "/api/v1/entitlements/SUB-1", 200, jsonHeader,
			`{"subscription_id":"SUB-1","sku":"S","quantity":1,"start_date":"2026-02-01","end_date":"2027-01-31","po_number":"PO-1","status":"active"}`, false},
		{"bad date", "GET", "/api/v1/entitlements/SUB-1", 200, jsonHeader, strings.Replace(fmt.Sprintf(ent, ""), "2027-01-31", "31/01/2027", 1), false},
		{"unknown basis", "GET", "/api/v1/entitlements/SUB-1", 200, jsonHeader, strings.Replace(fmt.Sprintf(ent, ""), `"reseller"`, `"partner"`, 1), false},
		{"entitlement in a page", "GET", "/api/v1/entitlements", 200, jsonHeader, `{"items":[` + fmt.Sprintf(ent, `,"owner":null`) + `]}`, false},
		{"page", "GET", "/api/v1/entitlements", 200, jsonHeader, `{"items":[` + fmt.Sprintf(ent, "") + `],"next_cursor":"abc"}`, true},
		{"order", "GET", "/api/v1/orders/PO-1", 200, jsonHeader, fmt.Sprintf(order, ""), true},
		{"order amount as a number", "GET", "/api/v1/orders/PO-1", 200, jsonHeader, strings.Replace(fmt.Sprintf(order, ""), `"amount":"3.00"`, `"amount":3`, 1), false},
		{"order bill_to null", "GET", "/api/v1/orders/PO-1", 200, jsonHeader, fmt.Sprintf(order, `,"bill_to":null`), false},
		{"error", "GET", "/api/v1/entitlements/SUB-1", 404, jsonHeader, `{"error":{"code":"not_found","message":"entitlement SUB-1 not found"}}`, true},
		{"error without code", "GET", "/api/v1/entitlements/SUB-1", 404, jsonHeader, `{"error":{"message":"entitlement SUB-1 not found"}}`, false},
		{"error with the wrong code for its status", "GET", "/api/v1/entitlements/SUB-1", 404, jsonHeader, `{"error":{"code":"forbidden","message":"no"}}`, false},
		{"error with an unknown code", "GET", "/api/v1/entitlements", 422, jsonHeader, `{"error":{"code":"bad_limit","message":"no"}}`, false},
		{"error with problems", "POST", "/api/v1/delegations", 422, jsonHeader,
			`{"error":{"code":"invalid_input","message":"2 problems","problems":[{"field":"delegate","message":"required"},{"message":"x"}]}}`, true},
		{"error with empty problems", "POST", "/api/v1/delegations", 422, jsonHeader, `{"error":{"code":"invalid_input","message":"x","problems":[]}}`, false},
		{"undocumented status", "GET", "/api/v1/entitlements/SUB-1", 418, jsonHeader, `{"error":{"code":"internal","message":"teapot"}}`, false},
		{"undocumented media type", "GET", "/api/v1/me", 200, textHeader, "hello", false},
		{"cross-origin refusal", "POST", "/api/v1/login", 403, jsonHeader, `{"error":{"code":"forbidden","message":"cross-origin requests are refused"}}`, true},
		{"cross-origin refusal as text", "POST", "/api/v1/login", 403, textHeader, "cross-origin request detected\n", false},
		{"cross-origin refusal on no route", "DELETE", "/api/v1/nowhere", 403, jsonHeader, `{"error":{"code":"forbidden","message":"cross-origin requests are refused"}}`, true},
		{"cross-origin refusal on no route as text", "DELETE", "/api/v1/nowhere", 403, textHeader, "cross-origin request detected\n", false},
		{"header fields too large", "GET", "/api/v1/entitlements", 431, jsonHeader, `{"error":{"code":"header_too_large","message":"too large"}}`, true},
		{"header fields too large as text", "GET", "/api/v1/entitlements", 431, textHeader, "431 Request Header Fields Too Large", false},
		{"header fields too large on no route", "GET", "/api/v1/nowhere", 431, jsonHeader, `{"error":{"code":"header_too_large","message":"too large"}}`, true},
		{"delegations", "GET", "/api/v1/delegations", 200, jsonHeader, fmt.Sprintf(delegations, `"created_by":"a@own.example",`, ""), true},
		{"received delegation naming a user of the owner", "GET", "/api/v1/delegations", 200, jsonHeader, fmt.Sprintf(delegations, "", `"created_by":"a@own.example",`), false},
		{"listed delegation without its subscriptions", "POST", "/api/v1/delegations", 201, jsonHeader,
			`{"id":"d1","owner":{"key":"OWN","name":"Own"},"delegate":{"key":"DEL","name":"Del"},"scope":"listed","status":"active","created_at":"2026-06-15T10:00:00Z"}`, false},
		{"revoked delegation without revoked_at", "POST", "/api/v1/delegations", 201, jsonHeader,
			`{"id":"d1","owner":{"key":"OWN","name":"Own"},"delegate":{"key":"DEL","name":"Del"},"scope":"all","status":"revoked","created_at":"2026-06-15T10:00:00Z"}`, false},
		{"no content", "DELETE", "/api/v1/delegations/d1", 204, http.Header{}, "", true},
		{"body where none is documented", "DELETE", "/api/v1/delegations/d1", 204, jsonHeader, `{}`, false},
		{"metrics", "GET", "/metrics", 200, http.Header{"Content-Type": {"text/plain; version=0.0.4; charset=utf-8"}}, "# HELP x\n", true},
		{"metrics without their token", "GET", "/metrics", 404, http.Header{"Content-Type": {"text/html; charset=utf-8"}}, "<html>", true},
		{"ready", "GET", "/readyz", 200, jsonHeader, `{"status":"ready","version":"v1.2.3","schema":20}`, true},
		{"ready, but saying ok", "GET", "/readyz", 200, jsonHeader, `{"status":"ok","version":"v1.2.3"}`, false},
		{"not ready", "GET", "/readyz", 503, jsonHeader, `{"error":{"code":"unavailable","message":"the database schema is at version 19, this server needs 20: run entitle migrate"}}`, true},
		{"catch-all", "GET", "/api/v1/nowhere", 404, jsonHeader, `{"error":{"code":"not_found","message":"no API route"}}`, true},
		{"catch-all 405", "PUT", "/api/v1/me", 405, jsonHeader, `{"error":{"code":"method_not_allowed","message":"use GET"}}`, true},
		{"catch-all with a bad body", "GET", "/api/v1/nowhere", 404, jsonHeader, `{"error":"not found"}`, false},
		{"catch-all with the wrong code", "GET", "/api/v1/nowhere", 404, jsonHeader, `{"error":{"code":"method_not_allowed","message":"no"}}`, false},
		{"catch-all with a 200", "GET", "/api/v1/nowhere", 200, jsonHeader, `{}`, false},
		{"page of the portal", "GET", "/login", 200, textHeader, "<html>", true},
	}
	for _, c := range cases {
		err := checkResponse(c.method, c.path, c.status, c.header, []byte(c.body))
		switch {
		case c.ok && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case !c.ok && err == nil:
			t.Errorf("%s: the check passed %s %s → %d %s", c.name, c.method, c.path, c.status, c.body)
		}
	}
}
