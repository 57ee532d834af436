package web

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/disclose"
)

// The fuzz targets of the HTTP layer: what a request carries before any
// service sees it. They are internal tests (package web) because the
// functions they hold to their promises are unexported; their seeds are
// below and in testdata/fuzz, and .ci/fuzz-targets lists every target.

// maxMessage bounds an error message about a hostile request: values are
// quoted clipped (clipParam: 40 bytes, each quoted as at most 4), so a
// message does not grow with its input.
const maxMessage = 500

// FuzzCursor: a sealed cursor opens to the position it sealed, and only
// under the key and the binding it was sealed with; a cursor changed in
// any one character, or in any one bit of what it encodes, is refused;
// whatever opens is exactly a cursor the server would issue.
func FuzzCursor(f *testing.F) {
	key := []byte("0123456789abcdef0123456789abcdef")
	for _, s := range [][4]string{
		{"SUB-310501", listBinding("KESSELBACH-RES", entitle.ListFilter{}), "", ""},
		{"2027-12-31 SUB-310501", listBinding("ACME", entitle.ListFilter{Order: entitle.ByEndDate}), listBinding("ACME", entitle.ListFilter{Order: entitle.ByEndDateDesc}), ""},
		{"42", bind("audit", "ACME", ""), bind("audit", "ACME", "OTHER"), "NDI"},
		{"x", "", "\x00", "eA"},
		{"", "", "", ""},
		{"p\x00q", "a\x00b", "a", "!!!!"},
		{strings.Repeat("z", 1000), "b", "B", strings.Repeat("A", 40)},
	} {
		f.Add(key, s[0], s[1], s[2], s[3], uint16(7))
	}
	f.Add([]byte{}, "SUB-1", "b", "c", "U1VCLTE", uint16(0))
	f.Fuzz(func(t *testing.T, key []byte, position, bound, other, cursor string, at uint16) {
		s := &Server{cfg: Config{Secret: key}}
		sealed := s.sealCursor(position, bound)
		got, err := s.openCursor(sealed, bound)
		if err != nil || got != position {
			t.Fatalf("sealed %q opens to %q, %v", position, got, err)
		}
		if position == "" {
			if sealed != "" {
				t.Fatalf("no position is sealed as %q", sealed)
			}
		} else {
			if other != bound {
				if p, err := s.openCursor(sealed, other); err == nil {
					t.Fatalf("a cursor bound to %q opens for %q, to %q", bound, other, p)
				}
			}
			otherKey := append(slices.Clone(key), 'k')
			if p, err := (&Server{cfg: Config{Secret: otherKey}}).openCursor(sealed, bound); err == nil {
				t.Fatalf("a cursor opens under another key, to %q", p)
			}
			// One character changed, to each other character of the
			// alphabet or to some outside it, or one inserted.
			i := int(at) % len(sealed)
			for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/. \r\n" {
				for _, edited := range []string{sealed[:i] + string(c) + sealed[i+1:], sealed[:i] + string(c) + sealed[i:]} {
					if p, err := s.openCursor(edited, bound); err == nil && edited != sealed {
						t.Fatalf("cursor %q edited to %q opens, to %q", sealed, edited, p)
					}
				}
			}
			// One bit of the encoded bytes flipped.
			raw, _ := base64.RawURLEncoding.DecodeString(sealed)
			j := int(at) % (8 * len(raw))
			raw[j/8] ^= 1 << (j % 8)
			if p, err := s.openCursor(base64.RawURLEncoding.EncodeToString(raw), bound); err == nil {
				t.Fatalf("cursor %q with bit %d flipped opens, to %q", sealed, j, p)
			}
		}
		// Any text: it opens only if it is what the server issues for the
		// position it opens to, and a refusal is invalid_cursor.
		p, err := s.openCursor(cursor, bound)
		if err == nil && s.sealCursor(p, bound) != cursor {
			t.Fatalf("%q opens to %q, which is sealed as %q", cursor, p, s.sealCursor(p, bound))
		}
		if err != nil && codeOf(err) != codeInvalidCursor {
			t.Fatalf("%q refused with %v", cursor, err)
		}
	})
}

func codeOf(err error) string {
	var e *entitle.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// listParams are the parameters of GET /api/v1/entitlements (and of the
// portal's list) but the cursor.
var listParams = []string{"role", "sku", "status", "expires_before", "sort", "company", "limit", "q"}

// FuzzListFilter: a query that is accepted gives exactly the filter it
// names, one the store accepts (a known basis, a SKU that is a key, a known
// status and order, a real date, a limit in range); written back as a query
// it reads the same; the cursor's binding holds each field apart. A query
// that is refused is 422 invalid_input, with a message of bounded length.
func FuzzListFilter(f *testing.F) {
	for _, s := range []string{
		"", "role=reseller&status=active&expires_before=2027-12-31", "sort=end_date&limit=5", "sort=-end_date&limit=500",
		"sort=subscription_id", "sku=SKU-1&role=delegate", "limit=0", "limit=501", "limit=1e2", "limit=+5", "limit=05",
		"role=Reseller", "role=", "status=", "sku=a%00b", "sku=" + strings.Repeat("A", 65), "expires_before=2024-02-29",
		"expires_before=2023-02-29", "expires_before=0001-01-01", "expires_before=2027-1-31", "role=owner&role=reseller",
		"rolE=owner", "cursor=abc", "a=1;b=2", "%zz", "role=%ZZ", "&&&", "=x", "sku=%E2%80%AE", strings.Repeat("x", 5000) + "=1",
		"status=expired&sort=-end_date&sku=A.B_C-D&expires_before=9999-12-31&role=vendor&limit=1",
		"company=ACME-DIST", "company=a+b", "company=",
		"q=sub-3", "q=Company%20A&sku=x", "q=a%01b", "q=" + strings.Repeat("é", 101), "q=%FF",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q := newQuery(&http.Request{URL: &url.URL{RawQuery: raw}}, append(slices.Clone(listParams), "cursor")...)
		fl := listFilter(q)
		limit := q.limit(defaultLimit, maxLimit)
		if q.err != nil {
			if codeOf(q.err) != codeInvalid || len(q.err.Error()) > maxMessage {
				t.Fatalf("%q refused with %s: %.400s", raw, codeOf(q.err), q.err)
			}
			return
		}
		v, err := url.ParseQuery(raw)
		if err != nil {
			t.Fatalf("%q accepted, but it is not a query: %v", raw, err)
		}
		// Exactly what the query names.
		want := entitle.ListFilter{Basis: entitle.Basis(v.Get("role")), SKU: v.Get("sku"), Status: entitle.Status(v.Get("status")),
			Company: v.Get("company"), Search: entitle.Search{Text: v.Get("q")}}
		if o := v.Get("sort"); o != "subscription_id" {
			want.Order = entitle.ListOrder(o)
		}
		if fl.ExpiresBefore.String() != v.Get("expires_before") {
			t.Fatalf("%q: expires_before %q read as %q", raw, v.Get("expires_before"), fl.ExpiresBefore)
		}
		want.ExpiresBefore = fl.ExpiresBefore
		if fl != want {
			t.Fatalf("%q read as %+v, want %+v", raw, fl, want)
		}
		if n, err := strconv.Atoi(v.Get("limit")); v.Has("limit") && (err != nil || n != limit) || !v.Has("limit") && limit != defaultLimit {
			t.Fatalf("%q: limit %d", raw, limit)
		}
		// A filter the store accepts.
		if _, ok := entitle.ParseBasis(string(fl.Basis)); fl.Basis != "" && !ok {
			t.Fatalf("%q: basis %q", raw, fl.Basis)
		}
		if fl.Company != "" && !entitle.ValidKey(fl.Company) {
			t.Fatalf("%q: company %q", raw, fl.Company)
		}
		if fl.SKU != "" && !entitle.ValidKey(fl.SKU) {
			t.Fatalf("%q: SKU %q", raw, fl.SKU)
		}
		if !slices.Contains([]entitle.Status{"", entitle.StatusFuture, entitle.StatusActive, entitle.StatusExpired}, fl.Status) {
			t.Fatalf("%q: status %q", raw, fl.Status)
		}
		if !slices.Contains(entitle.ListOrders, fl.Order) {
			t.Fatalf("%q: order %q", raw, fl.Order)
		}
		if limit < 1 || limit > disclose.MaxLimit {
			t.Fatalf("%q: limit %d", raw, limit)
		}
		// Written back, it reads the same.
		back := url.Values{}
		for name, val := range map[string]string{"role": string(fl.Basis), "sku": fl.SKU, "status": string(fl.Status),
			"expires_before": fl.ExpiresBefore.String(), "sort": string(fl.Order), "company": fl.Company, "q": fl.Search.Text} {
			if val != "" {
				back.Set(name, val)
			}
		}
		back.Set("limit", strconv.Itoa(limit))
		q2 := newQuery(&http.Request{URL: &url.URL{RawQuery: back.Encode()}}, listParams...)
		if fl2, limit2 := listFilter(q2), q2.limit(defaultLimit, maxLimit); q2.err != nil || fl2 != fl || limit2 != limit {
			t.Fatalf("%q read as %+v, written back as %q and read as %+v, %v", raw, fl, back.Encode(), fl2, q2.err)
		}
		// The cursor's binding holds each field apart.
		parts := strings.Split(listBinding("ACME", fl), "\x00")
		wantParts := []string{"entitlements", "ACME", string(fl.Basis), fl.SKU, string(fl.Status), fl.ExpiresBefore.String(), string(fl.Order), "company=" + fl.Company}
		if fl.Search.Text != "" {
			wantParts = append(wantParts, "q="+fl.Search.Text)
		}
		if !slices.Equal(parts, wantParts) {
			t.Fatalf("%q: binding %q", raw, parts)
		}
	})
}

// FuzzLocalPath: the return path after sign-in is the path given or "/",
// never one a browser reads as another host or scheme — neither as
// localPath returns it (a form field) nor as http.Redirect writes it in
// Location — and it holds no control character (browsers drop tabs and
// newlines anywhere in a URL: "/\t/evil.example" is "//evil.example").
func FuzzLocalPath(f *testing.F) {
	for _, s := range []string{
		"/", "/entitlements/SUB-310501", "/orders?po=KB-0113#lines", "", "entitlements", "//evil.example", "///evil.example",
		"/\\evil.example", "\\\\evil.example", "/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "/\t\\evil.example",
		"/%2F%2Fevil.example", "/%5Cevil.example", "https://evil.example", "javascript:alert(1)", " /evil", "\t//evil.example",
		"/\x00/evil.example", "/\x7f/evil.example", "/../..//evil.example", "/.//evil.example", "/a/../\\evil.example",
		"/\u3000/evil.example", "/\u2028/evil", "/\ufeff//evil.example", "/foo\r\nSet-Cookie: x=1", "/?next=//evil.example",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got := localPath(p)
		if got != p && got != "/" {
			t.Fatalf("localPath(%q) = %q", p, got)
		}
		if strings.ContainsFunc(got, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			t.Fatalf("localPath(%q) = %q: a control character", p, got)
		}
		if where := browserReads(got); where != "" {
			t.Fatalf("localPath(%q) = %q, which a browser reads as %s", p, got, where)
		}
		w := httptest.NewRecorder()
		http.Redirect(w, httptest.NewRequest(http.MethodPost, "/login", nil), got, http.StatusSeeOther)
		if loc := w.Header().Get("Location"); browserReads(loc) != "" {
			t.Fatalf("localPath(%q) = %q, redirected to %q, which a browser reads as %s", p, got, loc, browserReads(loc))
		}
	})
}

// browserReads returns what a browser reads ref as, relative to a page of
// an http(s) portal, when that is not a path of the same host ("" when it
// is): the URL Standard's parser drops leading and trailing C0 controls and
// spaces and every tab and newline, and reads a backslash as a slash; two
// slashes start another host, a scheme another URL.
func browserReads(ref string) string {
	ref = strings.TrimFunc(ref, func(r rune) bool { return r <= 0x20 })
	ref = strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/").Replace(ref)
	if strings.HasPrefix(ref, "//") {
		return "another host"
	}
	if i := strings.IndexByte(ref, ':'); i > 0 && strings.IndexFunc(ref[:i], func(r rune) bool {
		return !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '+' || r == '-' || r == '.'))
	}) < 0 && unicode.IsLetter(rune(ref[0])) {
		return "another scheme"
	}
	return ""
}

// FuzzDecode: a JSON body is accepted exactly when it is one JSON object,
// nested at most maxJSONDepth deep, whose keys are known fields of the
// request (as encoding/json matches them: without regard to case) and
// unique in each object (likewise), with values of the fields' types —
// and then it decodes to what encoding/json reads. A refusal is 400, 413,
// 415 or 422, never a panic.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"email":"a@x.com","password":"p"}`, `{"delegate":"ASHCOMBE-CONS","subscription_ids":["SUB-310001"],"expires_at":"2027-12-31T00:00:00Z"}`,
		`{"status":"disabled","admin":true}`, `{"email":"a@x.com","admin":false}`, `{}`, ` {} `, "", " ", "null", "[]", `"x"`, `1`,
		`{"email":"a","email":"b"}`, `{"email":"a","EMAIL":"b"}`, `{"email":"a","Email":"b"}`, `{"EMAIL":"a"}`,
		`{"\u212Aey":1}`, `{"admin":true,"ADMIN":false}`, `{"subscription_ids":[{"a":1,"a":2}]}`, `{"status":"x"}{}`,
		`{"status":"x"} x`, `{"status":"x"`, `{"status":}`, `{"status":"\ud800"}`, "{\"status\":\"\xff\"}",
		`{"nope":1}`, `{"admin":"true"}`, `{"subscription_ids":null}`, `{"subscription_ids":[1]}`, `{"status":null}`,
		strings.Repeat(`{"a":`, 40) + "1" + strings.Repeat("}", 40), `{"subscription_ids":` + strings.Repeat("[", 31) + strings.Repeat("]", 31) + "}",
		`{"subscription_ids":` + strings.Repeat("[", 32) + strings.Repeat("]", 32) + "}", "\xef\xbb\xbf{}", `{"email":"a@x.com"}` + "\n",
	} {
		f.Add([]byte(s), "application/json")
	}
	f.Add([]byte(`{}`), "")
	f.Add([]byte(`{}`), "text/plain")
	f.Add([]byte(`{}`), "application/problem+json; charset=utf-8")
	f.Add([]byte(`{}`), "application/json; charset")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		checkDecode[inviteRequest](t, body, contentType)
		checkDecode[disclose.Grant](t, body, contentType)
		checkDecode[userPatch](t, body, contentType)
	})
}

func checkDecode[T any](t *testing.T, body []byte, contentType string) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/api/v1/x", bytes.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	var got T
	err := decode(httptest.NewRecorder(), r, &got)
	// What the API promises, written independently of decode.
	var strict T
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var ctErr error
	if mt, _, err := mime.ParseMediaType(contentType); contentType != "" && (err != nil || mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		ctErr = errors.New("not JSON")
	}
	wellFormed := json.Valid(body) && bytes.HasPrefix(bytes.TrimLeft(body, " \t\r\n"), []byte("{"))
	shape := ""
	if wellFormed {
		shape = jsonShape(body)
	}
	decErr := dec.Decode(&strict)
	ok := ctErr == nil && len(body) <= maxBody && wellFormed && shape == "" && decErr == nil && !unknownField[T](body)
	if ok != (err == nil) {
		t.Fatalf("%T: decode(%q, %q) = %v; want it accepted: %v (media type %v, JSON object %v, %s, strict decoding %v)",
			got, body, contentType, err, ok, ctErr, wellFormed, shape, decErr)
	}
	if err != nil {
		var tooLarge *http.MaxBytesError
		code := codeOf(err)
		if !errors.As(err, &tooLarge) && code != codeBadRequest && code != codeInvalid && code != codeUnsupportedMedia {
			t.Fatalf("%T: decode(%q) refused with %v (%s)", got, body, err, code)
		}
		return
	}
	if !cmp.Equal(got, strict) {
		t.Fatalf("%T: decode(%q) = %+v, encoding/json reads %+v", got, body, got, strict)
	}
}

// unknownField reports whether the object in body has a key that names
// no field of T.
func unknownField[T any](body []byte) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return true
	}
	var names []string
	rt := reflect.TypeFor[T]()
	for i := range rt.NumField() {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		names = append(names, name)
	}
	for k := range m {
		if !slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, k) }) {
			return true
		}
	}
	return false
}

// jsonShape walks well-formed JSON and says what is wrong with its shape
// for a request body ("" when nothing is): two keys of one object that
// encoding/json takes for one field (they fold to the same name), or
// nesting deeper than maxJSONDepth.
func jsonShape(body []byte) string {
	type container struct {
		object  bool
		keys    []string
		wantKey bool // in an object: the next string is a key
	}
	var stack []*container
	dec := json.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return ""
		}
		if err != nil {
			return "not JSON: " + err.Error()
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			stack = append(stack, &container{object: tok == json.Delim('{'), wantKey: true})
			if len(stack) > maxJSONDepth {
				return "nested deeper than " + strconv.Itoa(maxJSONDepth)
			}
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			if len(stack) > 0 {
				stack[len(stack)-1].wantKey = true // the container was a value
			}
			continue
		}
		top := stack[len(stack)-1]
		switch {
		case !top.object:
		case top.wantKey:
			k := tok.(string)
			for _, seen := range top.keys {
				if strings.EqualFold(seen, k) {
					return "keys " + strconv.Quote(seen) + " and " + strconv.Quote(k) + " name one field"
				}
			}
			top.keys, top.wantKey = append(top.keys, k), false
		default:
			top.wantKey = true
		}
	}
}
