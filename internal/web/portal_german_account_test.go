package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The account, two-factor, webhooks and audit pages in German (issue 17):
// a user who chose German reads their headings, labels, buttons and the
// messages of their forms in German; the data (addresses, token names,
// scopes, dates) and the forms' values stay as they are; a user who did not
// choose reads them in English as before. The helpers dgPage, dgCheck,
// dgGerman and dgFollow are portal_german_delegations_test.go's.

func TestGermanAccountPage(t *testing.T) {
	w := lifecycleWorld(t)
	plant := vendSignIn(t, w, "admin@plant.example")
	plant.accept = "en-GB"

	// English as it was, before the choice.
	dgPage(t, plant, "/account", http.StatusOK, `<html lang="en">`, "<title>Account · entitle</title>", "<h1>Your account</h1>",
		`Signed in as <strong>admin@plant.example</strong>, an administrator of`,
		`<h2 id="password-heading">Password</h2>`, `<label for="current-password">Current password</label>`,
		`<button type="submit">Change the password</button>`, `<h2 id="two-factor-heading">Two-factor sign-in</h2>`,
		`>set it up, make new recovery codes or turn it off</a>, and require it of your company's users.</p>`,
		`<h2 id="notices-heading">Notices by mail</h2>`, `<legend>Send me</legend>`, `<label for="notice-expiry_digest">Expiry digests</label>`,
		`<button type="submit">Save the notice preferences</button>`, `<h2 id="tokens-heading">API tokens</h2>`,
		`<label for="token-name">What is it for?</label>`, `<option value="90" selected>90 days</option>`, `<legend>What may it do?</legend>`,
		`See entitlements, orders, delegations, partners, renewals and transfers.`, `<button type="submit">Create the token</button>`,
		`<td data-label="Last used">`, `<h2 id="sessions-heading">Where you are signed in</h2>`,
		`<th scope="col">Browser or program</th>`, `<span class="badge active">this session</span>`, `>Sign out</button>`, `<p class="hint">Times are UTC.</p>`)

	dgGerman(t, plant)
	page := dgPage(t, plant, "/account", http.StatusOK, `<html lang="de">`, "<title>Konto · entitle</title>", "<h1>Ihr Konto</h1>",
		`Angemeldet als <strong>admin@plant.example</strong>, Administrator von`,
		`<h2 id="password-heading">Passwort</h2>`, `<label for="current-password">Aktuelles Passwort</label>`,
		`<label for="new-password">Neues Passwort</label>`, `<button type="submit">Passwort ändern</button>`,
		`<h2 id="two-factor-heading">Zwei-Faktor-Anmeldung</h2>`, `>einrichten, neue Wiederherstellungscodes erzeugen oder ausschalten</a>`,
		`<h2 id="notices-heading">Benachrichtigungen per E-Mail</h2>`, `<legend>Senden Sie mir</legend>`,
		`<label for="notice-expiry_digest">Übersichten ablaufender Berechtigungen</label>`, `<label for="notice-renewal_requests">Verlängerungsanfragen</label>`,
		`<button type="submit">Benachrichtigungen speichern</button>`, `<h2 id="tokens-heading">API-Tokens</h2>`,
		`<code>Authorization: Bearer TOKEN</code>`, `<label for="token-name">Wofür ist es?</label>`, `<label for="token-days">Läuft ab nach</label>`,
		`<option value="90" selected>90 Tagen</option>`, `<legend>Was darf es tun?</legend>`, `<label for="token-scope-read">read</label>`,
		`Berechtigungen, Bestellungen, Delegierungen, Partner, Verlängerungen und Übertragungen sehen.`,
		`<button type="submit">Token erstellen</button>`, `<th scope="col">Zuletzt verwendet</th>`,
		`<h2 id="sessions-heading">Wo Sie angemeldet sind</h2>`, `<th scope="col">Browser oder Programm</th>`, `<td data-label="Zuletzt aktiv">`,
		`<span class="badge active">diese Sitzung</span>`, `aria-label="Die Sitzung von`, `>Abmelden</button>`, `<p class="hint">Zeiten in UTC.</p>`)
	for _, english := range []string{"Your account", "Change the password", "Notices by mail", "Create the token", "Where you are signed in", "this session"} {
		if strings.Contains(page, english) {
			t.Errorf("German account page: English %q", english)
		}
	}

	// A flash after saving the notice preferences.
	st, page := dgFollow(plant, "/account/notices", url.Values{"kind": {"expiry_digest"}})
	if st != http.StatusOK {
		t.Fatalf("save notices: %d", st)
	}
	dgCheck(t, "after saving notices", page, `<p class="flash" role="status">Ihre Einstellungen für Benachrichtigungen sind gespeichert.</p>`)

	// A new token, shown once in German; its name and scopes as they are.
	st, page, _ = plant.post("/account/tokens", url.Values{"name": {"ERP sync"}, "expires_in_days": {"30"}, "scope": {"read"}})
	if st != http.StatusCreated {
		t.Fatalf("create token: %d\n%s", st, page)
	}
	dgCheck(t, "new token", page, `Ihr neues Token <strong>ERP sync</strong>, gültig bis `, `mit den Geltungsbereichen <strong>read</strong>. Kopieren Sie es jetzt: Es wird nur dieses eine Mal angezeigt.`,
		`<th scope="col">Geltungsbereiche</th>`, `<td data-label="Zuletzt verwendet">nie</td>`,
		`aria-label="Das Token ERP sync widerrufen">Widerrufen</button>`)

	// A refusal keeps the service's words, next to the form with a German Cancel.
	st, page, _ = plant.post("/account/password", url.Values{"current_password": {"wrong"}, "new_password": {"x"}})
	if st < 400 {
		t.Fatalf("wrong password: %d", st)
	}
	dgCheck(t, "wrong password", page, `id="password-error"`, `<a href="/account" class="cancel" id="password-cancel">Abbrechen</a>`)

	// Signing out the other sessions: the count in German.
	vendSignIn(t, w, "admin@plant.example")
	st, page = dgFollow(plant, "/account/sessions/end-others", url.Values{})
	if st != http.StatusOK {
		t.Fatalf("end other sessions: %d", st)
	}
	dgCheck(t, "after ending the other sessions", page, `<p class="flash" role="status">Ihre andere Sitzung ist abgemeldet.</p>`)

	// English for a co-worker who chose nothing.
	shop := vendSignIn(t, w, "admin@shop.example")
	shop.accept = "en-GB"
	dgPage(t, shop, "/account", http.StatusOK, `<html lang="en">`, "<h1>Your account</h1>", `<button type="submit">Create the token</button>`)
	st, page = dgFollow(shop, "/account/notices", url.Values{"kind": {"expiry_digest"}})
	if st != http.StatusOK {
		t.Fatalf("save notices in English: %d", st)
	}
	dgCheck(t, "English notices saved", page, `<p class="flash" role="status">Your notice preferences are saved.</p>`)
}

func TestGermanTwoFactorPage(t *testing.T) {
	w := lifecycleWorld(t)
	plant := vendSignIn(t, w, "admin@plant.example")
	plant.accept = "en-GB"
	dgPage(t, plant, "/account/two-factor", http.StatusOK, "<title>Two-factor sign-in · entitle</title>", "<h1>Two-factor sign-in</h1>",
		`<span class="badge expired">off</span>`, `<button type="submit">Set up two-factor sign-in</button>`, `<h2 id="company-heading">Your company</h2>`,
		`<button type="submit">Require two-factor sign-in</button>`)

	dgGerman(t, plant)
	dgPage(t, plant, "/account/two-factor", http.StatusOK, `<html lang="de">`, "<title>Zwei-Faktor-Anmeldung · entitle</title>",
		"<h1>Zwei-Faktor-Anmeldung</h1>", `<a href="/account">Ihr Konto</a> › Zwei-Faktor-Anmeldung`, `<h2 id="status-heading">Ihr Konto</h2>`,
		`<span class="badge expired">aus</span>`, `<button type="submit">Zwei-Faktor-Anmeldung einrichten</button>`,
		`<h2 id="company-heading">Ihre Firma</h2>`, `schreibt die Zwei-Faktor-Anmeldung nicht vor.`,
		`<button type="submit">Zwei-Faktor-Anmeldung vorschreiben</button>`)

	// Setting up: the flash, the key and the form in German.
	st, page := dgFollow(plant, "/account/two-factor/start", url.Values{})
	if st != http.StatusOK {
		t.Fatalf("start: %d", st)
	}
	dgCheck(t, "setting up", page, `<p class="flash" role="status">Scannen Sie den QR-Code mit Ihrer Authenticator-App`,
		`<span class="badge pending">wird eingerichtet</span>`, `alt="QR-Code des Schlüssels, den Sie Ihrer Authenticator-App hinzufügen"`,
		`Scannen nicht möglich? Geben Sie diesen Schlüssel von Hand ein:`, `<label for="confirm-code">Code aus der App</label>`,
		`<button type="submit">Einschalten</button>`, `<button type="submit" class="secondary">Einrichtung abbrechen</button>`)

	// Cancelling it.
	st, page = dgFollow(plant, "/account/two-factor/disable", url.Values{})
	if st != http.StatusOK {
		t.Fatalf("cancel: %d", st)
	}
	dgCheck(t, "cancelled", page, `<p class="flash" role="status">Die Zwei-Faktor-Anmeldung ist für Ihr Konto ausgeschaltet.</p>`)
}

func TestGermanWebhooksAndAuditPages(t *testing.T) {
	w := lifecycleWorld(t)
	plant := vendSignIn(t, w, "admin@plant.example")
	plant.accept = "en-GB"
	dgPage(t, plant, "/webhooks", http.StatusOK, "<title>Webhooks · entitle</title>", "<h1>Webhooks</h1>", `<h2 id="add-heading">Add a webhook</h2>`,
		`<legend>Events (none ticked: all)</legend>`, `<button type="submit">Add the webhook</button>`, `<p class="hint" id="no-webhooks">Your company has no webhook.</p>`)
	dgPage(t, plant, "/audit", http.StatusOK, "<title>Audit · entitle</title>", "<h1>Audit</h1>", `<label for="a-order">Order</label>`,
		`>newest first</option>`, `<th scope="col">Time (UTC)</th>`, `<button type="submit">Show</button>`, `placeholder="YYYY-MM-DD"`)

	dgGerman(t, plant)
	dgPage(t, plant, "/webhooks", http.StatusOK, `<html lang="de">`, "<title>Webhooks · entitle</title>", "<h1>Webhooks</h1>",
		`signierter HTTPS-<code>POST</code>`, `<h2 id="add-heading">Webhook hinzufügen</h2>`, `<p class="hint" id="webhook-url-hint">Eine https-Adresse im Internet.</p>`,
		`<legend>Ereignisse (keines angekreuzt: alle)</legend>`, `<button type="submit">Webhook hinzufügen</button>`,
		`<h2 id="list-heading">Die Webhooks Ihrer Firma</h2>`, `<p class="hint" id="no-webhooks">Ihre Firma hat keinen Webhook.</p>`)
	st, page, _ := plant.post("/webhooks", url.Values{"url": {"http://insecure.example/"}})
	if st != http.StatusUnprocessableEntity {
		t.Errorf("an http webhook: %d", st)
	}
	dgCheck(t, "refused webhook", page, `id="webhook-error"`, `<a href="/webhooks" class="cancel" id="webhook-cancel">Abbrechen</a>`)

	page = dgPage(t, plant, "/audit", http.StatusOK, `<html lang="de">`, "<title>Prüfprotokoll · entitle</title>", "<h1>Prüfprotokoll</h1>",
		`Jede Offenlegung und jede Änderung durch die Benutzer von <strong>`, `aria-label="Ereignisse auswählen"`,
		`<label for="a-order">Reihenfolge</label>`, `>neueste zuerst</option>`, `<label for="a-user">Benutzer <span class="hint">(E-Mail-Adresse)</span></label>`,
		`<label for="a-from">Von</label>`, `<label for="a-to">Bis</label>`, `placeholder="JJJJ-MM-TT"`, `<button type="submit">Anzeigen</button>`,
		`<th scope="col">Zeit (UTC)</th>`, `<th scope="col">Ergebnis</th>`, `<span class="badge audit-ok">ok</span>`)
	if strings.Contains(page, "newest first") || strings.Contains(page, "Every disclosure") {
		t.Errorf("German audit page: English words")
	}
	dgPage(t, plant, "/audit?order=sideways", http.StatusUnprocessableEntity, `Die Reihenfolge muss newest oder oldest sein, nicht &#34;sideways&#34;`)
	dgPage(t, plant, "/audit?user=nobody@nowhere.example", http.StatusOK, `Kein Ereignis passt zu diesen Filtern. <a href="/audit">Alle anzeigen</a>`)
}
