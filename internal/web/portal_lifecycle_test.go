package web_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
)

// The lifecycle pages over HTTP: the renewal page, the renewal inbox and
// the transfers page, driven as a browser would (session cookie, CSRF
// token from the page, post/redirect/get).

// lifeBrowser is a signed-in browser session of one user.
type lifeBrowser struct {
	t     *testing.T
	w     *world
	c     *http.Client
	token string // the session's CSRF token, once a page showed it
}

func lifeSignIn(t *testing.T, w *world, email string) *lifeBrowser {
	t.Helper()
	b := &lifeBrowser{t: t, w: w, c: w.browser()}
	st, _, loc := b.send("POST", "/login", url.Values{"email": {email}, "password": {testPassword}})
	if st != http.StatusSeeOther || loc != "/" {
		t.Fatalf("sign in as %s: %d %s", email, st, loc)
	}
	return b
}

// send makes one request (form is posted when not nil) and returns the
// status, the body and the Location header.
func (b *lifeBrowser) send(method, path string, form url.Values) (int, string, string) {
	b.t.Helper()
	var res *http.Response
	var err error
	if method == "GET" {
		res, err = b.c.Get(b.w.srv.URL + path)
	} else {
		res, err = b.c.PostForm(b.w.srv.URL+path, form)
	}
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return res.StatusCode, string(body), res.Header.Get("Location")
}

func (b *lifeBrowser) get(path string) (int, string) {
	b.t.Helper()
	st, body, _ := b.send("GET", path, nil)
	return st, body
}

var lifeCSRF = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// post fills in a form of the page at from (with the CSRF token it shows,
// else the one an earlier page showed) and posts it to path.
func (b *lifeBrowser) post(from, path string, form url.Values) (int, string, string) {
	b.t.Helper()
	_, page := b.get(from)
	if m := lifeCSRF.FindStringSubmatch(page); m != nil {
		b.token = m[1]
	}
	if b.token == "" {
		b.t.Fatalf("no CSRF token on %s: %s", from, page)
	}
	form.Set("csrf", b.token)
	return b.send("POST", path, form)
}

// follow posts and, on a redirect, returns the page it leads to.
func (b *lifeBrowser) follow(from, path string, form url.Values) (int, string) {
	b.t.Helper()
	st, body, loc := b.post(from, path, form)
	if st != http.StatusSeeOther {
		return st, body
	}
	return b.get(loc)
}

// lifeSection returns the part of a page from the element with id on (to the
// next section).
func lifeSection(t *testing.T, body, id string) string {
	t.Helper()
	i := strings.Index(body, `<section id="`+id+`"`)
	if i < 0 {
		t.Fatalf("no section %s in %s", id, body)
	}
	rest := body[i:]
	if j := strings.Index(rest[1:], "<section "); j >= 0 {
		rest = rest[:j+1]
	}
	return rest
}

// lifeInOrder reports whether the strings appear in body in this order.
func lifeInOrder(body string, xs ...string) bool {
	at := 0
	for _, x := range xs {
		i := strings.Index(body[at:], x)
		if i < 0 {
			return false
		}
		at += i + len(x)
	}
	return true
}

// TestRenewPage: the owner sees the ways to renew in order with figures and
// the request form; only its administrators the transfer form, the vendor's
// the direct variant; the reseller is refused (403) and an outsider finds
// nothing (404).
func TestRenewPage(t *testing.T) {
	w := lifecycleWorld(t)
	owner := lifeSignIn(t, w, "member@plant.example")
	st, body := owner.get("/entitlements/S-100/renew")
	if st != http.StatusOK {
		t.Fatalf("renew page: %d %s", st, body)
	}
	if !strings.Contains(body, "<title>Renew S-100 · entitle</title>") || !strings.Contains(body, "<h1>Renew S-100</h1>") {
		t.Errorf("renew page title: %s", body)
	}
	// Partner of record first (recommended), then the listed partner, then
	// the vendor direct at the premium.
	if !lifeInOrder(body, "Company SHOP", "Recommended", "EUR 120.00", "sales@shop.example", "https://shop.example",
		"Rival Resellers", "EUR 120.00", "7946 0000", "Company MAKER", "plus 10 %", "EUR 132.00") {
		t.Errorf("options out of order or without figures: %s", body)
	}
	for _, want := range []string{
		"We recommend renewing through Company SHOP",
		`action="/entitlements/S-100/renew#request-h"`,
		`<input type="radio" id="renew-route-por" name="route" value="partner_of_record" checked`,
		`<label for="renew-route-partner">`, `<select id="renew-partner" name="partner"`, `<option value="RIVAL"`,
		`<label for="renew-route-direct">`, `<label for="renew-message">`,
		"Only this message is shared with the partner",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("renew page lacks %q", want)
		}
	}
	if strings.Contains(body, `action="/entitlements/S-100/transfer`) {
		t.Errorf("a member gets the transfer form")
	}
	// No price for S-101's SKU.
	if _, body := owner.get("/entitlements/S-101/renew"); !strings.Contains(body, "price on request") || strings.Contains(body, "EUR") {
		t.Errorf("unpriced renew page: %s", body)
	}

	admin := lifeSignIn(t, w, "admin@plant.example")
	if _, body := admin.get("/entitlements/S-100/renew"); !strings.Contains(body, `action="/entitlements/S-100/transfer#transfer-h"`) ||
		!strings.Contains(body, "Transfer ownership") || !strings.Contains(body, `<label for="transfer-to">Recipient company key</label>`) {
		t.Errorf("the owner's administrator has no transfer form: %s", body)
	}
	vendor := lifeSignIn(t, w, "admin@maker.example")
	if st, body := vendor.get("/entitlements/S-100/renew"); st != http.StatusOK || !strings.Contains(body, "Move ownership now") ||
		strings.Contains(body, `action="/entitlements/S-100/renew`) || !strings.Contains(body, "You cannot ask for a renewal here: only the owner") {
		t.Errorf("vendor's renew page: %d %s", st, body)
	}

	if st, body := lifeSignIn(t, w, "admin@shop.example").get("/entitlements/S-100/renew"); st != http.StatusForbidden ||
		!hasMessage(body, "only the owner, its delegates and the vendor") || strings.Contains(body, "EUR") {
		t.Errorf("the reseller's renew page: %d %s", st, body)
	}
	nobody := lifeSignIn(t, w, "admin@nobody.example")
	st, hidden := nobody.get("/entitlements/S-100/renew")
	st2, absent := nobody.get("/entitlements/S-999/renew")
	if st != http.StatusNotFound || st2 != http.StatusNotFound || strings.ReplaceAll(hidden, "S-100", "S-999") != absent {
		t.Errorf("an outsider's renew page: %d %s\nvs %d %s", st, hidden, st2, absent)
	}
	signedOut := &lifeBrowser{t: t, w: w, c: w.browser()}
	if st, _, loc := signedOut.send("GET", "/entitlements/S-100/renew", nil); st != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?next=") {
		t.Errorf("signed out: %d %s", st, loc)
	}
}

var renewalAction = regexp.MustCompile(`action="/renewals/(\d+)#`)

// TestRenewalPages: a request from the form lands in the partner of
// record's received box without the owner's identity; the partner marks it
// quoted with a note; the owner sees the note in its sent box and
// withdraws; refusals are shown next to the field or as alerts.
func TestRenewalPages(t *testing.T) {
	w := lifecycleWorld(t)
	owner := lifeSignIn(t, w, "member@plant.example")
	shop := lifeSignIn(t, w, "member@shop.example")
	if _, body := shop.get("/renewals"); !strings.Contains(lifeSection(t, body, "received"), "No renewal requests yet") ||
		!strings.Contains(lifeSection(t, body, "sent"), "No renewal requests yet") {
		t.Errorf("empty renewals page: %s", body)
	}

	// A post without the session's CSRF token changes nothing.
	if st, body, _ := owner.send("POST", "/entitlements/S-100/renew", url.Values{"route": {"partner_of_record"}}); st != http.StatusForbidden ||
		!strings.Contains(body, "did not come from this portal") {
		t.Errorf("CSRF-less request: %d %s", st, body)
	}
	// A message too long: the page again, the problem next to the field.
	long := strings.Repeat("x", 2001)
	st, body, _ := owner.post("/entitlements/S-100/renew", "/entitlements/S-100/renew",
		url.Values{"route": {"partner_of_record"}, "partner": {"RIVAL"}, "message": {long}})
	if st != http.StatusUnprocessableEntity || !strings.Contains(body, `<p class="field-error" id="renew-message-error" role="alert">At most 2000 characters</p>`) ||
		!strings.Contains(body, `aria-describedby="renew-message-hint renew-message-error"`) || !strings.Contains(body, long) {
		t.Errorf("long message: %d %s", st, body)
	}
	if _, body := owner.get("/renewals"); !strings.Contains(lifeSection(t, body, "sent"), "No renewal requests yet") {
		t.Errorf("a refused request was recorded: %s", body)
	}

	msg := "Please quote 5 more seats. Call Ann on 555-0100."
	st, body = owner.follow("/entitlements/S-100/renew", "/entitlements/S-100/renew",
		url.Values{"route": {"partner_of_record"}, "partner": {"RIVAL"}, "message": {msg}})
	if st != http.StatusOK || !strings.Contains(body, `<p class="flash" role="status">Your renewal request for S-100 was sent to Company SHOP.`) {
		t.Fatalf("request: %d %s", st, body)
	}
	if sent := lifeSection(t, body, "sent"); !strings.Contains(sent, "S-100") || !strings.Contains(sent, `<span class="badge open">open</span>`) ||
		!strings.Contains(sent, msg) || !strings.Contains(sent, "no answer yet") {
		t.Errorf("the owner's sent box: %s", sent)
	}
	// Asking twice: a conflict, said as an alert.
	st, body, _ = owner.post("/entitlements/S-100/renew", "/entitlements/S-100/renew", url.Values{"route": {"partner_of_record"}})
	if st != http.StatusConflict || !strings.Contains(body, `role="alert" id="request-alert">You asked Company SHOP to renew S-100 already (request 1, sent 2026-06-01): wait for their answer`) {
		t.Errorf("asking twice: %d %s", st, body)
	}

	// The partner of record's inbox: the entitlement and the message, never
	// who asked.
	_, body = shop.get("/renewals")
	received := lifeSection(t, body, "received")
	if !strings.Contains(received, "S-100") || !strings.Contains(received, msg) || !strings.Contains(received, "your company sold this subscription") {
		t.Fatalf("SHOP's received box: %s", received)
	}
	if strings.Contains(body, "PLANT") || strings.Contains(body, "plant.example") {
		t.Errorf("the partner learns who the owner is: %s", body)
	}
	m := renewalAction.FindStringSubmatch(received)
	if m == nil {
		t.Fatalf("no answer form: %s", received)
	}
	id := m[1]
	for _, want := range []string{`<label for="rr-` + id + `-note">`, `<input type="radio" id="rr-` + id + `-status-quoted" name="status" value="quoted" checked>`,
		`<label for="rr-` + id + `-status-won">`, `<label for="rr-` + id + `-status-lost">`} {
		if !strings.Contains(received, want) {
			t.Errorf("answer form lacks %q", want)
		}
	}
	// The recipient may not withdraw: the problem next to the status.
	st, body, _ = shop.post("/renewals", "/renewals/"+id, url.Values{"status": {"withdrawn"}, "note": {"n"}})
	if st != http.StatusUnprocessableEntity || !strings.Contains(body, `id="rr-`+id+`-status-error" role="alert">Must be &#34;quoted&#34;, &#34;won&#34; or &#34;lost&#34;`) {
		t.Errorf("the recipient withdraws: %d %s", st, body)
	}
	st, body = shop.follow("/renewals", "/renewals/"+id, url.Values{"status": {"quoted"}, "note": {"Quote Q-17 sent to Ann."}})
	if st != http.StatusOK || !strings.Contains(body, "is marked quoted") ||
		!strings.Contains(lifeSection(t, body, "received"), `<span class="badge quoted">quoted</span>`) {
		t.Errorf("quoted: %d %s", st, body)
	}
	// A third company finds no such request.
	if st, _, _ := lifeSignIn(t, w, "admin@otherco.example").post("/entitlements/S-200/renew", "/renewals/"+id, url.Values{"status": {"won"}}); st != http.StatusNotFound {
		t.Errorf("a third company answers: %d", st)
	}

	// The owner sees the answer, and withdraws.
	_, body = owner.get("/renewals")
	sent := lifeSection(t, body, "sent")
	if !strings.Contains(sent, `<span class="badge quoted">quoted</span>`) || !strings.Contains(sent, "Quote Q-17 sent to Ann.") ||
		!strings.Contains(sent, "Company SHOP") || strings.Contains(sent, `name="note"`) {
		t.Errorf("the owner's sent box after the answer: %s", sent)
	}
	st, body = owner.follow("/renewals", "/renewals/"+id, url.Values{"status": {"withdrawn"}})
	if st != http.StatusOK || !strings.Contains(body, "You withdrew renewal request "+id+" for S-100.") ||
		!strings.Contains(lifeSection(t, body, "sent"), `<span class="badge withdrawn">withdrawn</span>`) || strings.Contains(lifeSection(t, body, "sent"), ">Withdraw<") {
		t.Errorf("withdraw: %d %s", st, body)
	}
	// A closed request: the partner's answer is refused as an alert.
	st, body, _ = shop.post("/renewals", "/renewals/"+id, url.Values{"status": {"won"}, "note": {""}})
	if st != http.StatusConflict || !strings.Contains(body, `role="alert" id="renewals-alert">Renewal request `+id+`: this renewal request is withdrawn already`) {
		t.Errorf("answering a closed request: %d %s", st, body)
	}
	if _, body := shop.get("/renewals"); strings.Contains(body, `action="/renewals/`+id+`#`) {
		t.Errorf("a closed request still has forms: %s", body)
	}
}

// TestTransferPages: an offer made from the renewal page waits in the
// recipient's transfers; its members see it without buttons, its
// administrator accepts; the former owner then finds the entitlement gone;
// refusals are shown next to the field or as alerts; an unanswered offer
// shows as expired.
func TestTransferPages(t *testing.T) {
	w := lifecycleWorld(t)
	w.importBatch(entitle.Batch{Companies: []entitle.Sourced[entitle.Company]{{Record: entitle.Company{Key: "NEWCO", Name: "New Owner Ltd", Kind: entitle.KindCustomer}}}}, nil)
	w.admin["NEWCO"] = w.user("NEWCO", "admin@newco.example", true)
	w.member["NEWCO"] = w.user("NEWCO", "member@newco.example", false)
	plant := lifeSignIn(t, w, "admin@plant.example")
	if _, body := plant.get("/transfers"); !strings.Contains(body, "No transfer offers yet") || !strings.Contains(body, "No offers sent yet") {
		t.Errorf("empty transfers page: %s", body)
	}

	const renew = "/entitlements/S-100/renew"
	for _, tc := range []struct {
		to, want string
	}{
		{"", `<p class="field-error" id="transfer-to-error" role="alert">Required: the key of the company that is to own the entitlement</p>`},
		{"GHOST", `<p class="field-error" id="transfer-to-error" role="alert">No company with key GHOST</p>`},
		{"PLANT", `<p class="field-error" id="transfer-to-error" role="alert">PLANT owns this entitlement already</p>`},
	} {
		st, body, _ := plant.post(renew, "/entitlements/S-100/transfer", url.Values{"to": {tc.to}, "message": {"m"}})
		if st != http.StatusUnprocessableEntity || !strings.Contains(body, tc.want) || !strings.Contains(body, `aria-describedby="transfer-to-hint transfer-to-error"`) {
			t.Errorf("offer to %q: %d %s", tc.to, st, body)
		}
	}
	if st, _, _ := plant.send("POST", "/entitlements/S-100/transfer", url.Values{"to": {"NEWCO"}}); st != http.StatusForbidden {
		t.Errorf("CSRF-less offer: %d", st)
	}
	if st, _, _ := lifeSignIn(t, w, "member@plant.example").post(renew, "/entitlements/S-100/transfer", url.Values{"to": {"NEWCO"}}); st != http.StatusForbidden {
		t.Errorf("a member offers: %d", st)
	}
	if _, body := lifeSignIn(t, w, "admin@newco.example").get("/transfers"); !strings.Contains(body, "No transfer offers yet") {
		t.Errorf("a refused offer was recorded: %s", body)
	}

	st, body := plant.follow(renew, "/entitlements/S-100/transfer", url.Values{"to": {" NEWCO "}, "message": {"As agreed in the sale of plant 3."}})
	if st != http.StatusOK || !strings.Contains(body, "You offered S-100 to New Owner Ltd (NEWCO).") {
		t.Fatalf("offer: %d %s", st, body)
	}
	sent := lifeSection(t, body, "sent")
	m := regexp.MustCompile(`action="/transfers/(\d+)/cancel#`).FindStringSubmatch(sent)
	if m == nil || !strings.Contains(sent, `<span class="badge offered">offered</span>`) || !strings.Contains(sent, "in 14 days") {
		t.Fatalf("PLANT's sent offers: %s", sent)
	}
	id := m[1]
	st, body, _ = plant.post(renew, "/entitlements/S-100/transfer", url.Values{"to": {"SHOP"}})
	if st != http.StatusConflict || !strings.Contains(body, `role="alert" id="transfer-alert">S-100 is offered to NEWCO already`) {
		t.Errorf("a second offer: %d %s", st, body)
	}

	// A member of the recipient sees the offer, with no buttons.
	member := lifeSignIn(t, w, "member@newco.example")
	_, body = member.get("/transfers")
	received := lifeSection(t, body, "received")
	if !strings.Contains(received, "S-100") || !strings.Contains(received, "As agreed in the sale of plant 3.") || !strings.Contains(received, "in 14 days") ||
		strings.Contains(received, "/accept") || strings.Contains(received, "/decline") || !strings.Contains(received, "An administrator of your company can accept") {
		t.Errorf("NEWCO member's offers: %s", received)
	}
	// Its administrator accepts.
	admin := lifeSignIn(t, w, "admin@newco.example")
	_, body = admin.get("/transfers")
	if !strings.Contains(body, `action="/transfers/`+id+`/accept#`) || !strings.Contains(body, `action="/transfers/`+id+`/decline#`) {
		t.Fatalf("NEWCO admin's offers: %s", body)
	}
	if st, _, _ := admin.send("POST", "/transfers/"+id+"/accept", url.Values{}); st != http.StatusForbidden {
		t.Errorf("CSRF-less accept: %d", st)
	}
	st, body = admin.follow("/transfers", "/transfers/"+id+"/accept", url.Values{})
	if st != http.StatusOK || !strings.Contains(body, "You accepted S-100: your company owns it now.") ||
		!strings.Contains(lifeSection(t, body, "received"), `<span class="badge accepted">accepted</span>`) {
		t.Errorf("accept: %d %s", st, body)
	}
	st, body, _ = admin.post("/transfers", "/transfers/"+id+"/decline", url.Values{})
	if st != http.StatusConflict || !strings.Contains(body, `role="alert" id="transfers-alert">Transfer `+id+`: this transfer is accepted already`) {
		t.Errorf("answering twice: %d %s", st, body)
	}
	if st, body := admin.get("/entitlements/S-100"); st != http.StatusOK || !strings.Contains(body, "New Owner Ltd") {
		t.Errorf("the new owner's entitlement page: %d %s", st, body)
	}
	// The former owner held no other role on N-77: the entitlement is gone.
	if st, _ := plant.get("/entitlements/S-100"); st != http.StatusNotFound {
		t.Errorf("the former owner's entitlement page: %d", st)
	}
	if st, _ := plant.get(renew); st != http.StatusNotFound {
		t.Errorf("the former owner's renew page: %d", st)
	}
	if _, body := plant.get("/transfers"); !strings.Contains(lifeSection(t, body, "sent"), `<span class="badge accepted">accepted</span>`) {
		t.Errorf("PLANT's sent offers after the accept: %s", body)
	}

	// Another offer: a member of the recipient may not accept it (the page
	// showed no button; a hand-made post is refused), and nobody answers
	// it in time.
	st, body = plant.follow("/entitlements/S-101/renew", "/entitlements/S-101/transfer", url.Values{"to": {"NEWCO"}})
	id2 := regexp.MustCompile(`action="/transfers/(\d+)/cancel#`).FindStringSubmatch(body)
	if st != http.StatusOK || id2 == nil {
		t.Fatalf("second offer: %d %s", st, body)
	}
	// NEWCO owns S-100 now: its renew page has a form, for the CSRF token.
	if st, body, _ := member.post("/entitlements/S-100/renew", "/transfers/"+id2[1]+"/accept", url.Values{}); st != http.StatusForbidden ||
		!hasMessage(body, "only administrators of NEWCO") {
		t.Errorf("a member accepts: %d %s", st, body)
	}
	w.clock.Advance(16 * 24 * time.Hour)
	admin = lifeSignIn(t, w, "admin@newco.example")
	_, body = admin.get("/transfers")
	received = lifeSection(t, body, "received")
	if !strings.Contains(received, `S-101 from Company PLANT <span class="badge expired">expired</span>`) || !strings.Contains(received, "2 days ago") ||
		strings.Contains(received, "/accept") {
		t.Errorf("an expired offer: %s", received)
	}

	// The vendor moves ownership at once.
	vendor := lifeSignIn(t, w, "admin@maker.example")
	st, body = vendor.follow("/entitlements/S-101/renew", "/entitlements/S-101/transfer", url.Values{"to": {"NEWCO"}})
	if st != http.StatusOK || !strings.Contains(body, "S-101 now belongs to New Owner Ltd (NEWCO).") || !strings.Contains(body, "<h1>Entitlement S-101</h1>") {
		t.Errorf("the vendor's move: %d %s", st, body)
	}
}
