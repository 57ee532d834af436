package web_test

import (
	"context"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/http"
	netmail "net/mail"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/entitle-portal/entitle"
)

// TestLanguageOfPages: a visitor reads the portal in the browser's language
// (Accept-Language); a signed-in user in their own setting, whatever the
// browser asks, or the browser's when they chose none. The choice is the
// user's alone, audited, and a language the portal does not have is refused
// next to the form, changing nothing.
func TestLanguageOfPages(t *testing.T) {
	w := newWorld(t)
	visitor := &vendBrowser{t: t, w: w, c: w.browser(), accept: "de-CH,de;q=0.9,en;q=0.5"}
	st, page := visitor.get("/login")
	for _, want := range []string{`<html lang="de">`, "<title>Anmelden · entitle</title>", `<label for="email">E-Mail-Adresse</label>`,
		`<button type="submit">Anmelden</button>`, `<a href="/password/forgot">Passwort vergessen?</a>`, `<a class="skip" href="#main">Zum Inhalt springen</a>`} {
		if !strings.Contains(page, want) {
			t.Errorf("German sign-in page: no %s", want)
		}
	}
	if st != http.StatusOK || strings.Contains(page, "Email address") || strings.Contains(page, "Forgot your password") {
		t.Errorf("German sign-in page: %d, or English words\n%s", st, page)
	}
	if _, page := visitor.get("/password/forgot"); !strings.Contains(page, "<h1>Passwort vergessen?</h1>") {
		t.Errorf("German forgot page:\n%s", page)
	}
	if _, page := (&vendBrowser{t: t, w: w, c: w.browser(), accept: "fr-FR"}).get("/login"); !strings.Contains(page, `<html lang="en">`) ||
		!strings.Contains(page, "<h1>Sign in</h1>") {
		t.Errorf("a browser asking for French gets English:\n%s", page)
	}

	// Signed in with an English browser: English, until the user chooses
	// German; then German whatever the browser asks.
	plant := vendSignIn(t, w, "member@plant.example")
	plant.accept = "en-GB"
	if _, page := plant.get("/"); !strings.Contains(page, `<html lang="en">`) || !strings.Contains(page, ">My entitlements</a>") {
		t.Errorf("English before the choice:\n%s", page)
	}
	st, _, h := plant.post("/account/language", url.Values{"language": {"de"}})
	if st != http.StatusSeeOther || h.Get("Location") != "/account" {
		t.Fatalf("choose German: %d %v", st, h)
	}
	_, page = plant.get("/account")
	for _, want := range []string{`<html lang="de">`, `<p class="flash" role="status">Das Portal spricht jetzt Deutsch mit Ihnen.</p>`,
		`>Berechtigungen</a>`, `<button type="submit" class="secondary">Abmelden</button>`, `<option value="de" lang="de" selected>Deutsch</option>`} {
		if !strings.Contains(page, want) {
			t.Errorf("after choosing German: no %s", want)
		}
	}
	// The choice is the user's: a co-worker with the same browser reads English.
	shop := vendSignIn(t, w, "admin@shop.example")
	shop.accept = "en-GB"
	if _, page := shop.get("/"); !strings.Contains(page, `<html lang="en">`) {
		t.Error("another user's pages turned German")
	}

	// Refused: nothing changes (and the refusal is in German).
	st, page, _ = plant.post("/account/language", url.Values{"language": {"fr"}})
	if st != http.StatusUnprocessableEntity || !strings.Contains(page, `<p class="error" role="alert" id="language-error">&#34;fr&#34; ist keine Sprache des Portals`) {
		t.Errorf("French: %d\n%s", st, page)
	}
	if _, page := plant.get("/"); !strings.Contains(page, `<html lang="de">`) {
		t.Error("a refused choice changed the language")
	}

	// Back to the browser's: English again.
	if st, _, _ := plant.post("/account/language", url.Values{"language": {""}}); st != http.StatusSeeOther {
		t.Fatalf("choose the browser's: %d", st)
	}
	if _, page := plant.get("/account"); !strings.Contains(page, `<html lang="en">`) || !strings.Contains(page, "The portal speaks English to you now.") ||
		!strings.Contains(page, `<option value="" selected>Your browser's language (now English)</option>`) {
		t.Errorf("back to the browser's language:\n%s", page)
	}

	events, err := w.db.AuditEvents(context.Background(), "PLANT", 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var changes []string
	for _, e := range events {
		if e.Action == "account.language" {
			changes = append(changes, e.Actor+" "+e.Detail)
		}
	}
	if strings.Join(changes, ",") != "member@plant.example language=,member@plant.example language=de" &&
		strings.Join(changes, ",") != "member@plant.example language=de,member@plant.example language=" {
		t.Errorf("audit: %v", changes)
	}
}

// TestGermanInvitation: SPEC §4's outcomes of an invitation on a German
// page, and the mail written in the inviter's language (the invitee has no
// account to choose one); the English API keeps the SPEC's English words.
func TestGermanInvitation(t *testing.T) {
	w := newWorld(t)
	plant := vendSignIn(t, w, "member@plant.example")
	if st, _, _ := plant.post("/account/language", url.Values{"language": {"de"}}); st != http.StatusSeeOther {
		t.Fatalf("choose German: %d", st)
	}
	for _, c := range []struct{ email, want string }{
		{"", "Bitte geben Sie eine E-Mail-Adresse ein"},
		{"Bob <bob@x.com>", "Sie haben eine ungültige E-Mail-Adresse eingegeben. Bitte geben Sie die E-Mail-Adresse erneut ein."},
		{"admin@shop.example", "Dieser Kollege wurde bereits in das Portal eingeladen. Bitte laden Sie einen anderen Kollegen ein."},
	} {
		st, page, _ := plant.post("/coworkers/invite", url.Values{"email": {c.email}})
		if st < 400 || !strings.Contains(page, `<p class="field-error" id="invite-email-error" role="alert">`+c.want+`</p>`) {
			t.Errorf("invite %q: %d, want %q", c.email, st, c.want)
		}
	}
	st, _, h := plant.post("/coworkers/invite", url.Values{"email": {"neu@plant.example"}})
	if st != http.StatusSeeOther {
		t.Fatalf("invite: %d %v", st, h)
	}
	if _, page := plant.get("/coworkers"); !strings.Contains(page, "Ihre Einladung wurde gesendet. Danke, dass Sie das Portal mit Ihrem Kollegen teilen.") ||
		!strings.Contains(page, "<h2 id=\"invitations-heading\">Offene Einladungen</h2>") || !strings.Contains(page, ">offen</span>") {
		t.Errorf("German co-workers page after inviting:\n%s", page)
	}
	m, token := outboxMail(t, w)
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(subject, "hat Sie eingeladen, Company PLANT im ") || !strings.Contains(subject, " beizutreten") {
		t.Errorf("German subject: %q", subject)
	}
	raw, err := io.ReadAll(quotedprintable.NewReader(m.Body))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Guten Tag,", "Company PLANT im Portal beitreten", "Der Link ist einmal verwendbar und gilt bis "} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("German mail: no %q in\n%s", want, raw)
		}
	}
	// The invitee's browser asks for German: the page behind the link is.
	invitee := &vendBrowser{t: t, w: w, c: w.browser(), accept: "de"}
	if _, page := invitee.get("/invitations/accept?token=" + url.QueryEscape(token)); !strings.Contains(page, "<h1>Dem Portal beitreten</h1>") ||
		!strings.Contains(page, "Sie wurden als <strong>neu@plant.example</strong> eingeladen.") {
		t.Errorf("German accept page:\n%s", page)
	}

	// The API answers in the SPEC's English, whatever the user reads.
	if res := invite(w, w.member["PLANT"], ""); res.status != http.StatusUnprocessableEntity || !strings.Contains(string(res.body), `"message":"Please enter email address"`) {
		t.Errorf("API: %d %s", res.status, res.body)
	}
}

// TestGermanPasswordReset: the mail with a link to set a new password speaks
// the language of the browser that asked, unless its user chose one.
func TestGermanPasswordReset(t *testing.T) {
	w := newWorld(t)
	// SHOP's admin chose English; PLANT's member chose nothing.
	shop := vendSignIn(t, w, "admin@shop.example")
	if st, _, _ := shop.post("/account/language", url.Values{"language": {"en"}}); st != http.StatusSeeOther {
		t.Fatalf("choose English: %d", st)
	}
	visitor := &vendBrowser{t: t, w: w, c: w.browser(), accept: "de-DE"}
	for _, email := range []string{"member@plant.example", "admin@shop.example"} {
		if st, page, _ := visitor.send(http.MethodPost, "/password/forgot", "application/x-www-form-urlencoded",
			strings.NewReader(url.Values{"email": {email}}.Encode())); st != http.StatusAccepted ||
			!strings.Contains(page, "Falls ein Konto diese Adresse verwendet") {
			t.Errorf("forgot %s: %d\n%s", email, st, page)
		}
	}
	w.svc.Accounts.Wait()
	subjects := outboxMails(t, w.outbox)
	if s := strings.Join(subjects["member@plant.example"], ", "); !strings.HasPrefix(s, "Neues Passwort für das ") {
		t.Errorf("PLANT's member (no choice, a German browser): %q (all: %v)", s, subjects)
	}
	if s := strings.Join(subjects["admin@shop.example"], ", "); !strings.HasPrefix(s, "Set a new password on the ") {
		t.Errorf("SHOP's admin (chose English): %q (all: %v)", s, subjects)
	}
}

// TestGermanRenewalMail: a renewal request reaches the partner's
// administrators each in their own language — one who chose German reads
// German, the others the English of before — and names the owner in
// neither.
func TestGermanRenewalMail(t *testing.T) {
	w := lifecycleWorld(t)
	ctx := context.Background()
	w.user("SHOP", "second@shop.example", true)
	u, err := w.db.UserByEmail(ctx, "admin@shop.example")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.db.SetUserLanguage(ctx, u.ID, "de", entitle.AuditEvent{At: w.clock.Now(), Actor: u.Email, Company: "SHOP",
		Action: "account.language", Object: u.Email, Outcome: "ok"}); err != nil {
		t.Fatal(err)
	}
	res := w.do(request{method: "POST", path: "/api/v1/entitlements/S-100/renewal-requests", token: w.member["PLANT"],
		body: map[string]any{"message": "Bitte 5 weitere Lizenzen."}})
	if res.status != http.StatusCreated {
		t.Fatalf("ask: %d %s", res.status, res.body)
	}
	subjects := outboxMails(t, w.outbox, "PLANT", "plant.example") // the partner never learns who asks
	if s := strings.Join(subjects["admin@shop.example"], ", "); s != "Verlängerungsanfrage für Abonnement S-100" {
		t.Errorf("to the administrator who chose German: %q (all: %v)", s, subjects)
	}
	if s := strings.Join(subjects["second@shop.example"], ", "); s != "Renewal request for subscription S-100" {
		t.Errorf("to the administrator who chose nothing: %q (all: %v)", s, subjects)
	}
}

// TestGermanAccessRequestMails: the mails to the one person who asked — the
// link to send, the answer — are in that person's language.
func TestGermanAccessRequestMails(t *testing.T) {
	w := newAccessWorld(t, nil)
	ctx := context.Background()
	u, err := w.db.UserByEmail(ctx, "asker@msp.example")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.db.SetUserLanguage(ctx, u.ID, "de", entitle.AuditEvent{At: w.clock.Now(), Actor: u.Email, Company: "MSP",
		Action: "account.language", Object: u.Email, Outcome: "ok"}); err != nil {
		t.Fatal(err)
	}
	_, secret := w.ask(t, 30)
	if res := w.link(w.ownAdmin, secret, "decline", map[string]any{"reason": "No contract with you."}); res.status != http.StatusOK {
		t.Fatalf("decline: %d %s", res.status, res.body)
	}
	subjects := outboxMails(t, w.outbox)["asker@msp.example"]
	slices.Sort(subjects)
	if want := []string{"Ihre Zugriffsanfrage wurde abgelehnt", "Ihre Zugriffsanfrage: der Link zum Versenden"}; !slices.Equal(subjects, want) {
		t.Errorf("the asker's mails: %q, want %q", subjects, want)
	}
}

// outboxMails reads every mail in the outbox: each recipient's subjects,
// decoded. A mail whose body holds one of the words not is an error of the
// test.
func outboxMails(t *testing.T, outbox string, not ...string) map[string][]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(outbox, "*.eml"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, f := range files {
		r, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := netmail.ReadMessage(r)
		if err != nil {
			r.Close()
			t.Fatal(err)
		}
		body, err := io.ReadAll(m.Body)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
		if err != nil {
			t.Fatal(err)
		}
		to := m.Header.Get("To")
		for _, w := range not {
			if strings.Contains(string(body), w) {
				t.Errorf("the mail to %s (%s) holds %q", to, subject, w)
			}
		}
		out[to] = append(out[to], subject)
	}
	return out
}
