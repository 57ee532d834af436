// Package demoidp is a minimal OpenID Connect provider for demonstrations
// only: `entitle serve --demo` runs it inside the demo server so that a
// newcomer can watch single sign-on work without an identity provider of
// their own. It is NOT an identity provider: it asks for no password — its
// sign-in page signs in whoever is picked or typed, of the one domain it
// serves — and it keeps its codes in memory. Never configure it for a real
// company.
//
// What it does do correctly, so that the portal's side is exercised as
// with a real provider: discovery, a JWKS with its RSA key, the
// authorization code flow with PKCE (S256 only) and the client's secret,
// single-use codes that expire within a minute, and RS256-signed ID tokens
// with iss, sub, aud, exp, iat, nonce, email, email_verified and name.
package demoidp

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Identity is a person the demo provider offers on its sign-in page.
type Identity struct {
	Email, Name, Note string
}

// Config is what the demo provider serves.
type Config struct {
	Issuer       string // e.g. http://127.0.0.1:8080/demo-idp
	ClientID     string
	ClientSecret string
	RedirectURI  string     // the one redirect URI the client registered
	Domain       string     // the email domain it signs in, e.g. grauwald.example
	Identities   []Identity // offered on the sign-in page
	Now          func() time.Time
}

// Provider is the demo provider. Serve it at Issuer's path (Handler with the
// path prefix stripped).
type Provider struct {
	Config
	key   *rsa.PrivateKey
	mu    sync.Mutex
	codes map[string]grant
}

type grant struct {
	email, name, nonce, challenge string
	expires                       time.Time
}

// New returns a provider with a fresh signing key.
func New(c Config) (*Provider, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return &Provider{Config: c, key: key, codes: map[string]grant{}}, nil
}

const kid = "demo-1"

// Handler serves the provider's endpoints: /.well-known/openid-configuration,
// /jwks, /authorize (GET: the sign-in page; POST: its form), /token.
func (p *Provider) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /jwks", p.jwks)
	mux.HandleFunc("GET /authorize", p.authorizePage)
	mux.HandleFunc("POST /authorize", p.authorize)
	mux.HandleFunc("POST /token", p.token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		mux.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func (p *Provider) discovery(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                p.Issuer,
		"authorization_endpoint":                p.Issuer + "/authorize",
		"token_endpoint":                        p.Issuer + "/token",
		"jwks_uri":                              p.Issuer + "/jwks",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"scopes_supported":                      []string{"openid", "email", "profile"},
		"code_challenge_methods_supported":      []string{"S256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
	})
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func (p *Provider) jwks(w http.ResponseWriter, r *http.Request) {
	pub := p.key.PublicKey
	writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid,
		"n": b64(pub.N.Bytes()), "e": b64(big.NewInt(int64(pub.E)).Bytes()),
	}}})
}

// request is an authorization request, checked.
type request struct {
	ClientID, RedirectURI, State, Nonce, Challenge, Hint string
}

func (p *Provider) check(v url.Values) (request, string) {
	req := request{ClientID: v.Get("client_id"), RedirectURI: v.Get("redirect_uri"), State: v.Get("state"), Nonce: v.Get("nonce"),
		Challenge: v.Get("code_challenge"), Hint: v.Get("login_hint")}
	switch {
	case req.ClientID != p.ClientID:
		return req, "unknown client_id"
	case req.RedirectURI != p.RedirectURI:
		return req, "redirect_uri is not the one registered"
	case v.Get("response_type") != "code":
		return req, "response_type must be code"
	case !strings.Contains(" "+v.Get("scope")+" ", " openid "):
		return req, "scope must include openid"
	case req.Challenge == "" || v.Get("code_challenge_method") != "S256":
		return req, "PKCE with S256 is required"
	case req.State == "":
		return req, "state is required"
	}
	return req, ""
}

var page = template.Must(template.New("").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Demo identity provider</title>
<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
.warn{background:#fff4ce;border:1px solid #d9b300;padding:.6rem .8rem;border-radius:.4rem}
form{margin:.8rem 0}button{font:inherit;padding:.45rem .9rem;cursor:pointer}label{display:block;margin:.4rem 0 .2rem}
input{font:inherit;padding:.4rem;width:100%;box-sizing:border-box}.note{color:#555;font-size:.9rem}</style></head>
<body><main>
<h1>Demo identity provider</h1>
<p class="warn">This is the <strong>demo</strong> provider built into <code>entitle serve --demo</code>. It asks for no password:
it signs in whoever you pick, to show single sign-on at work. Addresses of <strong>{{.Domain}}</strong> only.</p>
{{with .Error}}<p class="warn" role="alert">{{.}}</p>{{end}}
<h2>Sign in as</h2>
{{range .Identities}}<form method="post" action="authorize">{{template "hidden" $.Req}}
<input type="hidden" name="email" value="{{.Email}}"><input type="hidden" name="name" value="{{.Name}}">
<button type="submit" id="as-{{.Email}}">{{.Name}} &lt;{{.Email}}&gt;</button> <span class="note">{{.Note}}</span></form>{{end}}
<form method="post" action="authorize">{{template "hidden" .Req}}
<label for="email">Or any address of {{.Domain}}</label>
<input id="email" name="email" type="email" value="{{.Req.Hint}}" required>
<label for="name">Name</label><input id="name" name="name" value="">
<p><button type="submit" id="demo-sign-in">Sign in</button></p></form>
</main></body></html>
{{define "hidden"}}<input type="hidden" name="client_id" value="{{.ClientID}}"><input type="hidden" name="redirect_uri" value="{{.RedirectURI}}">
<input type="hidden" name="state" value="{{.State}}"><input type="hidden" name="nonce" value="{{.Nonce}}">
<input type="hidden" name="code_challenge" value="{{.Challenge}}"><input type="hidden" name="login_hint" value="{{.Hint}}">{{end}}`))

func (p *Provider) authorizePage(w http.ResponseWriter, r *http.Request) {
	req, problem := p.check(r.URL.Query())
	if problem != "" {
		http.Error(w, "demo provider: "+problem, http.StatusBadRequest)
		return
	}
	p.render(w, http.StatusOK, req, "")
}

func (p *Provider) render(w http.ResponseWriter, status int, req request, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' "+origin(p.RedirectURI))
	w.WriteHeader(status)
	page.Execute(w, map[string]any{"Domain": p.Domain, "Identities": p.Identities, "Req": req, "Error": msg})
}

func origin(u string) string {
	x, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return x.Scheme + "://" + x.Host
}

func random() string {
	b := make([]byte, 32)
	rand.Read(b)
	return b64(b)
}

// authorize signs in the person picked and sends the browser back with a
// code.
func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "demo provider: the form could not be read", http.StatusBadRequest)
		return
	}
	v := r.PostForm
	v.Set("response_type", "code")
	v.Set("scope", "openid")
	v.Set("code_challenge_method", "S256")
	req, problem := p.check(v)
	if problem != "" {
		http.Error(w, "demo provider: "+problem, http.StatusBadRequest)
		return
	}
	email := strings.ToLower(strings.TrimSpace(v.Get("email")))
	at := strings.LastIndexByte(email, '@')
	if at < 1 || email[at+1:] != p.Domain {
		p.render(w, http.StatusUnprocessableEntity, req, "The demo provider signs in addresses of "+p.Domain+" only.")
		return
	}
	name := strings.TrimSpace(v.Get("name"))
	code := random()
	p.mu.Lock()
	now := p.Now()
	for c, g := range p.codes {
		if now.After(g.expires) {
			delete(p.codes, c)
		}
	}
	p.codes[code] = grant{email: email, name: name, nonce: req.Nonce, challenge: req.Challenge, expires: now.Add(time.Minute)}
	p.mu.Unlock()
	back, _ := url.Parse(req.RedirectURI)
	q := back.Query()
	q.Set("code", code)
	q.Set("state", req.State)
	back.RawQuery = q.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

// token exchanges a code for an ID token: the client's secret, the PKCE
// verifier and the redirect URI must match; a code works once.
func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "the form could not be read")
		return
	}
	id, secret, ok := r.BasicAuth()
	if ok {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != p.ClientID || subtle.ConstantTimeCompare([]byte(secret), []byte(p.ClientSecret)) != 1 {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "unknown client or wrong secret")
		return
	}
	if r.PostForm.Get("grant_type") != "authorization_code" || r.PostForm.Get("redirect_uri") != p.RedirectURI {
		oauthError(w, http.StatusBadRequest, "invalid_grant", "grant_type must be authorization_code, with the registered redirect_uri")
		return
	}
	code := r.PostForm.Get("code")
	p.mu.Lock()
	g, found := p.codes[code]
	delete(p.codes, code)
	now := p.Now()
	p.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	switch {
	case !found || now.After(g.expires):
		oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown, used or expired code")
		return
	case subtle.ConstantTimeCompare([]byte(b64(sum[:])), []byte(g.challenge)) != 1:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "the code_verifier does not match the code_challenge")
		return
	}
	claims := map[string]any{"iss": p.Issuer, "sub": "demo:" + g.email, "aud": p.ClientID, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"nonce": g.nonce, "email": g.email, "email_verified": true}
	if g.name != "" {
		claims["name"] = g.name
	}
	idToken, err := p.sign(claims)
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", "the ID token could not be signed")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"access_token": random(), "token_type": "Bearer", "expires_in": 300, "id_token": idToken})
}

func (p *Provider) sign(claims map[string]any) (string, error) {
	h, err := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": kid})
	if err != nil {
		return "", err
	}
	c, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := b64(h) + "." + b64(c)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, p.key, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	return input + "." + b64(sig), nil
}
