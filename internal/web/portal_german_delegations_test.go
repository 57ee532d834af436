package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/i18n"
)

// The Delegations, renewal, renewal requests, transfers and access request
// pages in German (issue 17): a user who chose German reads their headings,
// labels, buttons, badges and the messages of their forms in German; the
// data (company names, subscription IDs, dates) and the forms' values stay
// as they are; a user who did not choose reads them in English as before.

// dgPage fetches path and reports each want it lacks, and any message
// ID shown instead of words.
func dgPage(t *testing.T, b *vendBrowser, path string, status int, wants ...string) string {
	t.Helper()
	st, page := b.get(path)
	if st != status {
		t.Errorf("%s: %d, want %d", path, st, status)
	}
	dgCheck(t, path, page, wants...)
	return page
}

var dgShownID = regexp.MustCompile(`\[[a-z_]+\.[a-z_.]+\]`)

func dgCheck(t *testing.T, what, page string, wants ...string) {
	t.Helper()
	failed := false
	for _, want := range wants {
		if !strings.Contains(page, want) {
			t.Errorf("%s: no %s", what, want)
			failed = true
		}
	}
	if m := dgShownID.FindString(page); m != "" {
		t.Errorf("%s: a message ID instead of words: %s", what, m)
		failed = true
	}
	if failed {
		t.Logf("%s:\n%s", what, page)
	}
}

// dgGerman sets b's user's language to German, b's browser asking for
// English (en-GB): the pages are German because the setting wins over the
// browser. It is the set-up of every German page test
// (portal_german_*_test.go).
func dgGerman(t *testing.T, b *vendBrowser) {
	t.Helper()
	b.accept = "en-GB"
	if st, _, h := b.post("/account/language", url.Values{"language": {"de"}}); st != http.StatusSeeOther {
		t.Fatalf("choose German: %d %v", st, h)
	}
}

// dgFollow posts form to path and returns the page the answer leads to.
func dgFollow(b *vendBrowser, path string, form url.Values) (int, string) {
	b.t.Helper()
	st, page, h := b.post(path, form)
	if st != http.StatusSeeOther {
		return st, page
	}
	return b.get(h.Get("Location"))
}

func TestGermanDelegationsPage(t *testing.T) {
	w := lifecycleWorld(t)
	plant := vendSignIn(t, w, "admin@plant.example")
	plant.accept = "en-GB"

	// English as it was, before the choice.
	dgPage(t, plant, "/delegations", http.StatusOK, `<html lang="en">`, "<title>Delegations · entitle</title>", `<h1>Delegations</h1>`,
		`<label for="grant-delegate">Company key</label>`, `<legend>Scope</legend>`, `<label for="grant-scope-listed">Listed entitlements only</label>`,
		`placeholder="YYYY-MM-DD"`, `<button type="submit">Grant access</button>`, "No delegations granted yet — use the form above",
		"Access stops at 00:00 UTC on this day (YYYY-MM-DD, 2026-06-02 at the earliest).")

	dgGerman(t, plant)
	dgPage(t, plant, "/delegations", http.StatusOK, `<html lang="de">`, "<title>Delegierungen · entitle</title>", `<h1>Delegierungen</h1>`,
		`die <strong>Company PLANT</strong> gehören —`, `<h2 id="grant-title">Zugriff gewähren</h2>`,
		`<label for="grant-delegate">Firmenschlüssel</label>`, `<legend>Geltungsbereich</legend>`,
		`<label for="grant-scope-all">Alle Berechtigungen Ihrer Firma, jetzt und künftig</label>`,
		`<label for="grant-scope-listed">Nur aufgeführte Berechtigungen</label>`, `<label for="grant-subs">Abonnement-IDs</label>`,
		`<label for="grant-expires">Zugriff endet am <span class="hint">(optional)</span></label>`, `placeholder="JJJJ-MM-TT"`,
		"(JJJJ-MM-TT, frühestens 2026-06-02)", `<button type="submit">Zugriff gewähren</button>`,
		`<h2 id="granted-title">Von Ihrer Firma gewährt</h2>`, "Noch keine Delegierungen gewährt — mit dem Formular oben",
		`<h2 id="received-title">An Ihre Firma delegiert</h2>`, `<a href="/">Meine Berechtigungen</a>`,
		// The form's names and values stay as they are.
		`id="grant-delegate" name="delegate"`, `name="scope" value="all" checked`, `name="scope" value="listed"`)

	// The form's own refusals, in German next to their inputs.
	st, page, _ := plant.post("/delegations", url.Values{"delegate": {"SHOP"}, "scope": {"listed"}, "expires_at": {"tomorrow"}})
	if st != http.StatusUnprocessableEntity {
		t.Errorf("a refused grant: %d", st)
	}
	dgCheck(t, "a refused grant", page, `id="grant-subs-error" role="alert">Geben Sie mindestens eine Abonnement-ID an, oder wählen Sie „Alle Berechtigungen Ihrer Firma“</p>`,
		`id="grant-expires-error" role="alert">Geben Sie ein Datum als JJJJ-MM-TT ein, z. B. 2026-07-01</p>`, `id="grant-cancel">Abbrechen</a>`)

	// Grant all: the flash message and the row in German; the data as it is.
	st, page = dgFollow(plant, "/delegations", url.Values{"delegate": {"SHOP"}, "scope": {"all"}})
	if st != http.StatusOK {
		t.Fatalf("grant: %d\n%s", st, page)
	}
	dgCheck(t, "after granting", page, `<p class="flash" role="status">Zugriff gewährt: Company SHOP sieht jetzt alle Berechtigungen Ihrer Firma.</p>`,
		`<th scope="col">Firma</th><th scope="col">Geltungsbereich</th><th scope="col">Status</th><th scope="col">Läuft ab</th><th scope="col">Gewährt</th>`,
		`<td>Company SHOP <span class="hint">(SHOP)</span></td>`, `<td class="wrap">Alle Berechtigungen</td>`, `<span class="badge active">aktiv</span>`,
		`<span class="hint">nie</span>`, `<span class="hint">von admin@plant.example</span>`,
		`aria-label="Company SHOP den Zugriff entziehen (Alle Berechtigungen)">Entziehen</button>`)

	// Grant one listed entitlement until a date: the count and the days in German.
	until := w.clock.Now().AddDate(0, 0, 2).Format(time.DateOnly)
	_, page = dgFollow(plant, "/delegations", url.Values{"delegate": {"RIVAL"}, "scope": {"listed"}, "subscription_ids": {"S-100"}, "expires_at": {until}})
	dgCheck(t, "after granting one", page, "Zugriff gewährt: Rival Resellers sieht jetzt 1 aufgeführte Berechtigung, bis "+until+" 00:00 UTC.",
		`1 aufgeführte Berechtigung: <a href="/entitlements/S-100">S-100</a>`, `<span class="hint">(in 2 Tagen)</span>`)

	// Revoke: the flash message and the badge.
	m := revokeAction.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no revoke button:\n%s", page)
	}
	_, page = dgFollow(plant, m[1], nil)
	dgCheck(t, "after revoking", page, "Zugriff entzogen: ", "hat über diese Delegierung keinen Zugriff mehr auf", `<span class="badge revoked">entzogen</span>`)

	// What the delegate sees, in German.
	shop := vendSignIn(t, w, "admin@shop.example")
	dgGerman(t, shop)
	dgPage(t, shop, "/delegations", http.StatusOK, `<th scope="col">Von</th>`, `<th scope="col">Seit</th>`,
		`<a href="/?role=delegate">Alle Berechtigungen von Company PLANT</a>`)

	// A member of PLANT who chose nothing reads English, as before.
	member := vendSignIn(t, w, "member@plant.example")
	dgPage(t, member, "/delegations", http.StatusOK, `<html lang="en">`, `<h1>Delegations</h1>`,
		"Only administrators of a company that owns entitlements can grant or revoke delegations.\nAsk an administrator of your company.",
		`<td class="wrap">All entitlements</td>`, `<span class="badge active">active</span>`, `<span class="badge revoked">revoked</span>`,
		`<span class="hint">by admin@plant.example</span>`, `<span class="hint">(in 2 days)</span>`,
		"No delegations to your company yet — when a company that owns entitlements delegates access to yours")
}

func TestGermanRenewalAndTransferPages(t *testing.T) {
	w := lifecycleWorld(t)
	w.importBatch(entitle.Batch{Companies: []entitle.Sourced[entitle.Company]{{Record: entitle.Company{Key: "NEWCO", Name: "New Owner Ltd", Kind: entitle.KindCustomer}}}}, nil)
	w.admin["NEWCO"] = w.user("NEWCO", "admin@newco.example", true)
	plant := vendSignIn(t, w, "admin@plant.example")
	const renew = "/entitlements/S-100/renew"

	// English as it was.
	dgPage(t, plant, renew, http.StatusOK, "<title>Renew S-100 · entitle</title>", "<h1>Renew S-100</h1>",
		"We recommend renewing through Company SHOP, who sold you this subscription", "<legend>Who should renew it?</legend>",
		`<button type="submit">Send renewal request</button>`, `<h2 id="transfer-h">Transfer ownership</h2>`, `<span class="badge active">active</span>`)

	dgGerman(t, plant)
	dgPage(t, plant, renew, http.StatusOK, `<html lang="de">`, "<title>S-100 verlängern · entitle</title>",
		`<a href="/entitlements/S-100">Zurück zur Berechtigung S-100</a>`, "<h1>S-100 verlängern</h1>",
		"<dt>Artikelnummer</dt><dd>SKU-S100</dd>", "<dt>Menge</dt>", "<dt>Ende</dt>", `<span class="badge active">aktiv</span>`,
		`<p class="notice">Wir empfehlen, über Company SHOP zu verlängern, der Ihnen dieses Abonnement verkauft hat`,
		`<h2 id="options-h">Wege zur Verlängerung oder zum Zukauf</h2>`, `<span class="badge recommended">Empfohlen</span>`,
		"Ihr betreuender Partner: Er hat Ihnen dieses Abonnement verkauft.", "Ein Partner aus dem Partnerverzeichnis des Herstellers.",
		"<dt>Stückpreis</dt><dd>EUR 120,00</dd>", "<dt>Gesamt</dt>", "<dt>E-Mail</dt>", "<dt>Telefon</dt>",
		`<h2 id="request-h">Verlängerung anfragen</h2>`, "<legend>Wer soll verlängern?</legend>",
		`<label for="renew-route-por">Company SHOP, Ihr betreuender Partner (empfohlen)</label>`,
		`<label for="renew-route-partner">Ein Partner aus dem Verzeichnis</label>`, `<label for="renew-message">Nachricht</label>`,
		`<button type="submit">Verlängerungsanfrage senden</button>`, `id="renew-cancel">Abbrechen</a>`,
		`<h2 id="transfer-h">Eigentum übertragen</h2>`, `<label for="transfer-to">Firmenschlüssel des Empfängers</label>`,
		`<label for="transfer-message">Nachricht (optional)</label>`, `<button type="submit" class="danger">Übertragung anbieten</button>`,
		// Values stay as they are.
		`name="route" value="partner_of_record"`, `name="route" value="partner"`)

	// Ask for a renewal: the flash message on the renewal requests page.
	st, page := dgFollow(plant, renew, url.Values{"route": {"partner_of_record"}, "message": {"Bitte 5 Lizenzen mehr."}})
	if st != http.StatusOK {
		t.Fatalf("request: %d\n%s", st, page)
	}
	dgCheck(t, "after asking", page, `<p class="flash" role="status">Ihre Verlängerungsanfrage für S-100 wurde an Company SHOP gesendet.`,
		"<title>Verlängerungsanfragen · entitle</title>", "<h1>Verlängerungsanfragen</h1>", `<nav class="tabs" aria-label="Verlängerungsanfragen">`,
		`<h2 id="received-h">Erhalten</h2>`, `<h2 id="sent-h">Gesendet</h2>`, `<span class="badge open">offen</span>`,
		"<dt>Gesendet an</dt>", "(Ihr betreuender Partner)", "<dt>Ihre Nachricht</dt>", `<span class="hint">noch keine Antwort</span>`,
		`class="danger" aria-describedby="rs-1-h">Zurückziehen</button>`, "Noch keine Verlängerungsanfragen — bittet ein Kunde")

	// The partner answers, in German: the statuses it offers are German, their values English.
	shop := vendSignIn(t, w, "admin@shop.example")
	dgGerman(t, shop)
	dgPage(t, shop, "/renewals", http.StatusOK, "<dt>Warum Sie</dt><dd>Ihre Firma hat dieses Abonnement verkauft</dd>",
		`aria-label="Anfrage 1 beantworten"`, "<legend>Markieren als</legend>",
		`value="quoted" checked>`, `<label for="rr-1-status-quoted">Angebot gesendet</label>`, `<label for="rr-1-status-won">gewonnen</label>`,
		`<label for="rr-1-status-lost">verloren</label>`, `<label for="rr-1-note">Notiz für den Kunden</label>`, `<button type="submit">Antwort speichern</button>`)
	_, page = dgFollow(shop, "/renewals/1", url.Values{"status": {"quoted"}, "note": {"Angebot Q-7"}})
	dgCheck(t, "after answering", page, `<p class="flash" role="status">Verlängerungsanfrage 1 für S-100 ist als „Angebot gesendet“ markiert; der Kunde sieht Ihre Notiz.</p>`,
		`<span class="badge quoted">Angebot gesendet</span>`, "<dt>Ihre Notiz</dt>")

	// Offer the transfer: the flash message and the transfers page.
	st, page = dgFollow(plant, "/entitlements/S-100/transfer", url.Values{"to": {"NEWCO"}, "message": {"Wie vereinbart."}})
	if st != http.StatusOK {
		t.Fatalf("offer: %d\n%s", st, page)
	}
	dgCheck(t, "after offering", page, `<p class="flash" role="status">Sie haben S-100 an New Owner Ltd (NEWCO) angeboten. Deren Administratoren können das Angebot bis `,
		"<title>Eigentumsübertragungen · entitle</title>", "<h1>Eigentumsübertragungen</h1>", `<nav class="tabs" aria-label="Übertragungen">`,
		`<a href="#received">Ihnen angeboten <span class="count">(0)</span></a>`, `<h2 id="sent-h">Von Ihnen angeboten</h2>`,
		`S-100 an New Owner Ltd <span class="badge offered">angeboten</span>`, "<dt>Angebot</dt><dd>Nr. 1, erstellt ", " von admin@plant.example</dd>",
		"<dt>An</dt><dd>New Owner Ltd (NEWCO)</dd>", "<dt>Offen bis</dt>", `<span class="hint">(in 14 Tagen)</span>`,
		`>Angebot zurückziehen</button>`, "Noch keine Übertragungsangebote")
	newco := vendSignIn(t, w, "admin@newco.example")
	dgGerman(t, newco)
	dgPage(t, newco, "/transfers", http.StatusOK, `S-100 von Company PLANT <span class="badge offered">angeboten</span>`, "<dt>Antwort bis</dt>",
		`aria-describedby="tr-1-h">Annehmen</button>`, `aria-describedby="tr-1-h">Ablehnen</button>`, "Mit der Annahme wird Ihre Firma sofort Eigentümer.")

	// Offering again: the alert in German.
	st, page, _ = plant.post("/entitlements/S-100/transfer", url.Values{"to": {"NEWCO"}})
	if st != http.StatusConflict {
		t.Errorf("offer again: %d", st)
	}
	dgCheck(t, "offering again", page, `id="transfer-alert">S-100 ist NEWCO bereits angeboten (Angebot 1): Ziehen Sie dieses Angebot zuerst auf der Seite Übertragungen zurück.</p>`)

	// Cancel it.
	_, page = dgFollow(plant, "/transfers/1/cancel", nil)
	dgCheck(t, "after cancelling", page, `<p class="flash" role="status">Sie haben das Angebot für S-100 an NEWCO zurückgezogen.</p>`,
		`<span class="badge cancelled">zurückgezogen</span>`, "<dt>Entschieden</dt>")

	// A user who chose nothing reads English as before.
	rival := vendSignIn(t, w, "admin@rival.example")
	dgPage(t, rival, "/renewals", http.StatusOK, "<h1>Renewal requests</h1>", `<h2 id="received-h">Received</h2>`,
		"No renewal requests yet — when a customer asks your company", "No renewal requests yet — open one of <a href=\"/\">your entitlements</a>")
	member := vendSignIn(t, w, "member@plant.example")
	dgPage(t, member, "/renewals", http.StatusOK, `<span class="badge quoted">quoted</span>`, "<dt>Their note</dt>", "Angebot Q-7")
	dgPage(t, member, "/transfers", http.StatusOK, "<h1>Ownership transfers</h1>", `S-100 to New Owner Ltd <span class="badge cancelled">cancelled</span>`,
		"<dt>Offer</dt><dd>no. 1, made ", " by admin@plant.example</dd>", "<dt>Decided</dt>")
}

func TestGermanAccessRequestPages(t *testing.T) {
	aw := newAccessWorld(t, nil)
	w := &world{testServer: aw.testServer}
	asker := vendSignIn(t, w, "asker@msp.example")
	dgPage(t, asker, "/access-requests", http.StatusOK, "<h1>Access requests</h1>", `<label for="ask-days">Days of access</label>`,
		`<button type="submit">Create the link</button>`, "No requests sent yet.")

	dgGerman(t, asker)
	dgPage(t, asker, "/access-requests", http.StatusOK, "<title>Zugriffsanfragen · entitle</title>", "<h1>Zugriffsanfragen</h1>",
		`<h2 id="ask-h">Zugriff anfragen</h2>`, `<label for="ask-message">Nachricht</label>`, `<label for="ask-days">Tage Zugriff</label>`,
		"Von 1 bis 730; die Firma kann weniger gewähren.", `<label for="ask-subs">Abonnement-IDs <span class="hint">(optional)</span></label>`,
		`<button type="submit">Link erstellen</button>`, `<h2 id="sent-h">Von Ihrer Firma gesendet</h2>`, "Noch keine Anfragen gesendet.",
		`<h2 id="received-h">Von Ihrer Firma erhalten</h2>`)
	st, page, _ := asker.post("/access-requests", url.Values{"message": {"Wir betreuen Ihre Standorte."}, "days": {"45"}, "subscription_ids": {"SUB-A1"}})
	if st != http.StatusCreated {
		t.Fatalf("create: %d\n%s", st, page)
	}
	dgCheck(t, "the new link", page, `<h2 id="created-h">Ihr Link (wird nur einmal angezeigt)</h2>`, "Er ist einmal verwendbar und gilt bis ",
		`<label for="created-link">Link der Anfrage 1</label>`, `<span class="badge open">offen</span>`, `<span class="hint">bis `,
		`aria-label="Anfrage 1 zurückziehen">Zurückziehen</button>`)
	i := strings.Index(page, "/access-requests/open?token=")
	if i < 0 {
		t.Fatalf("no link:\n%s", page)
	}
	link := html.UnescapeString(page[i : i+strings.IndexByte(page[i:], '"')])

	owner := vendSignIn(t, w, "admin@own.example")
	dgGerman(t, owner)
	dgPage(t, owner, link, http.StatusOK, "<title>Zugriffsanfrage · entitle</title>", "<h1>Zugriffsanfrage</h1>",
		"<dt>Von</dt><dd>Company MSP", "<dt>Angefragter Zugriff</dt><dd>45 Tage</dd>", `<span class="badge open">offen</span>`,
		`<h2 id="approve-h">Genehmigen</h2>`, "<legend>Was Company MSP sehen darf</legend>",
		`<label for="scope-picked">Nur die, die ich unten auswähle</label>`, `<ul class="checks" aria-label="Berechtigungen Ihrer Firma">`,
		", Menge ", `<label for="approve-days">Tage Zugriff</label>`, "Höchstens die angefragten 45;",
		`<div><button type="submit">Genehmigen</button></div>`, `<h2 id="decline-h">Ablehnen</h2>`, `<label for="decline-reason">Begründung</label>`,
		"Company MSP liest sie, zusammen mit dem Namen Ihrer Firma.", `<button type="submit" class="danger">Ablehnen</button>`,
		`id="link-cancel">Später entscheiden</a>`, `<p><a href="/access-requests">Zugriffsanfragen</a></p>`)
	token := strings.TrimPrefix(link, "/access-requests/open?token=")
	_, page = dgFollow(owner, "/access-requests/open", url.Values{"token": {token}, "action": {"approve"}, "scope": {"picked"},
		"subscription_ids": {"SUB-A1", "SUB-A2"}, "days": {"20"}})
	dgCheck(t, "after approving", page, `<p class="flash" role="status">Sie haben die Zugriffsanfrage von Company MSP genehmigt: Sie ist jetzt eine Delegierung, die Sie hier entziehen können.</p>`,
		"<h1>Delegierungen</h1>", "2 aufgeführte Berechtigungen: ")
	dgPage(t, owner, "/access-requests", http.StatusOK, `<span class="badge approved">genehmigt</span>`, "von admin@own.example",
		`— <a href="/delegations">Delegierung</a>`)
	dgPage(t, asker, "/access-requests", http.StatusOK, `<span class="badge approved">genehmigt</span>`,
		`— siehe <a href="/delegations">Delegierungen</a>`)

	// English, as before, for a user who chose nothing.
	other := vendSignIn(t, w, "other@msp.example")
	dgPage(t, other, "/access-requests", http.StatusOK, `<span class="badge approved">approved</span>`, `— see <a href="/delegations">Delegations</a>`,
		"<td class=\"wrap\">no. 1, ", `<span class="hint">by asker@msp.example</span>`)
}

// TestStatusWordsKnown: every status these pages show has words in every
// language (a status without them would show as its value).
func TestStatusWordsKnown(t *testing.T) {
	for prefix, statuses := range map[string][]string{
		"delegations.status_":    {"active", "expired", "revoked"},
		"renewals.status_":       {entitle.RenewalOpen, entitle.RenewalQuoted, entitle.RenewalWon, entitle.RenewalLost, entitle.RenewalWithdrawn, entitle.RenewalTransferred},
		"transfers.status_":      {entitle.TransferOffered, entitle.TransferAccepted, entitle.TransferDeclined, entitle.TransferCancelled, entitle.TransferDone, entitle.TransferExpired},
		"accessrequests.status_": {entitle.AccessRequestOpen, entitle.AccessRequestApproved, entitle.AccessRequestDeclined, entitle.AccessRequestExpired, entitle.AccessRequestWithdrawn},
	} {
		for _, s := range statuses {
			for _, l := range i18n.Langs {
				if got := i18n.For(l).T(prefix + s); strings.HasPrefix(got, "[") {
					t.Errorf("%s: no words for %s%s", l, prefix, s)
				} else if l == i18n.English && got != s {
					t.Errorf("English words for %s%s: %q", prefix, s, got)
				}
			}
		}
	}
}
