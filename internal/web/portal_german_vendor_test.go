package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Where to buy, the company profile, the vendor's pages (companies, MSAs,
// import, announcements, single sign-on) and the error pages in German
// (issue 17): a user who chose German reads their headings, labels,
// buttons, states and the messages of their forms in German; the data
// (company names and keys, dates, file names) stays as it is; a user who
// did not choose reads them in English as before. The helpers dgPage,
// dgCheck, dgGerman and dgFollow are portal_german_delegations_test.go's.

func TestGermanVendorPages(t *testing.T) {
	w := newWorld(t)
	vendor := vendSignIn(t, w, "admin@maker.example")
	vendor.accept = "en-GB"

	// English as it was, before the choice.
	dgPage(t, vendor, "/vendor/companies", http.StatusOK, `<html lang="en">`, "<title>Companies · entitle</title>",
		`<nav class="subnav" aria-label="Vendor pages"><ul>`, `<li><a href="/vendor/companies" aria-current="page">Companies</a></li>`,
		`<li><a href="/vendor/msas">MSAs</a></li>`, `<li><a href="/vendor/sso">Single sign-on</a></li>`,
		`<h1>Companies</h1>`, `<th scope="col" class="num">Active users</th>`, `<td>customer</td>`)
	dgPage(t, vendor, "/vendor/msas", http.StatusOK, `<h1>MSAs</h1>`, `<li><a href="/vendor/msas" aria-current="page">MSAs</a></li>`,
		`<th scope="col">In force</th>`, `<span class="badge active">in force</span>`, "whether it is in force today (2026-06-01)")
	dgPage(t, vendor, "/vendor/import", http.StatusOK, `<h1>Import</h1>`, `<label for="import-file">File to import</label>`,
		`<label for="import-dry-run">Validate only (write nothing)</label>`, `<button type="submit">Import</button>`, "An import is all or nothing")
	dgPage(t, vendor, "/vendor/announcements", http.StatusOK, `<h1>Announcements</h1>`, `<label for="ann-starts">First day</label>`,
		`placeholder="YYYY-MM-DD"`, `<button type="submit">Post announcement</button>`, "No announcements yet — post one above: every user")
	dgPage(t, vendor, "/vendor/sso", http.StatusOK, `<h1>Single sign-on</h1>`, `<label for="sso-issuer">Issuer URL</label>`,
		`<button type="submit">Save single sign-on</button>`, "No company signs in with single sign-on yet: set one up below.")
	dgPage(t, vendor, "/no-such-page", http.StatusNotFound, "<title>Not Found · entitle</title>", "<h1>Not Found</h1>")
	if st, page := vendor.upload("orders.txt", "x", false); st != http.StatusUnprocessableEntity ||
		!strings.Contains(page, `role="alert">orders.txt is not an import file: choose a .jsonl file`) {
		t.Errorf("English upload of a .txt: %d\n%s", st, page)
	}

	dgGerman(t, vendor)
	dgPage(t, vendor, "/vendor/companies", http.StatusOK, `<html lang="de">`, "<title>Firmen · entitle</title>",
		`<nav class="subnav" aria-label="Seiten des Herstellers"><ul>`, `<li><a href="/vendor/companies" aria-current="page">Firmen</a></li>`,
		`<li><a href="/vendor/msas">Rahmenverträge</a></li>`, `<li><a href="/vendor/announcements">Ankündigungen</a></li>`,
		`<li><a href="/vendor/sso">Single Sign-on</a></li>`, `<h1>Firmen</h1>`, `<th scope="col">Schlüssel</th>`,
		`<th scope="col" class="num">Aktive Benutzer</th>`, `<td>Kunde</td>`, `<td>Hersteller</td>`, "<td>MAKER</td>")
	dgPage(t, vendor, "/vendor/msas", http.StatusOK, "<title>Rahmenverträge · entitle</title>", `<h1>Rahmenverträge</h1>`,
		`<li><a href="/vendor/msas" aria-current="page">Rahmenverträge</a></li>`, `<th scope="col">Gültig</th>`,
		`<span class="badge active">gültig</span>`, "ob er heute (2026-06-01) gilt", "<td>MSA-NORTH</td>")
	dgPage(t, vendor, "/vendor/import", http.StatusOK, `<h1>Import</h1>`, `<h2>Eine Datei hochladen</h2>`,
		`<label for="import-file">Zu importierende Datei</label>`, `<label for="import-dry-run">Nur prüfen (nichts schreiben)</label>`,
		`<button type="submit">Importieren</button>`, "Ein Import gilt ganz oder gar nicht", "höchstens 32 MB")
	dgPage(t, vendor, "/vendor/sso", http.StatusOK, "<title>Single Sign-on · entitle</title>", `<h1>Single Sign-on</h1>`,
		`<label for="sso-company">Firmenschlüssel</label>`, `<label for="sso-issuer">Issuer-URL</label>`,
		`<button type="submit">Single Sign-on speichern</button>`, "Noch meldet sich keine Firma mit Single Sign-on an: Richten Sie unten eines ein.")

	// The import's messages and report.
	if st, page := vendor.upload("orders.txt", "x", false); st != http.StatusUnprocessableEntity {
		t.Errorf("German upload of a .txt: %d", st)
	} else {
		dgCheck(t, "German upload of a .txt", page, `<h2>Eine Datei hochladen</h2>`,
			`role="alert">orders.txt ist keine Importdatei: Wählen Sie eine .jsonl-Datei`)
	}
	if st, page := vendor.upload("new.jsonl", vendValidImport, true); st != http.StatusOK {
		t.Errorf("German validation of new.jsonl: %d", st)
	} else {
		dgCheck(t, "German validation of new.jsonl", page, `<h2 id="report">new.jsonl: 3 Datensätze gültig — es wurde nichts geschrieben (nur prüfen)</h2>`,
			`<th scope="col">Datensätze</th><th scope="col" class="num">Angelegt</th>`, `<th scope="row">Firmen</th>`,
			`<th scope="row">Rahmenverträge</th>`, `<th scope="row">Berechtigungen</th>`)
	}

	// Announcements: the form, a flash after posting, the state, ending.
	dgPage(t, vendor, "/vendor/announcements", http.StatusOK, "<title>Ankündigungen · entitle</title>", `<h1>Ankündigungen</h1>`,
		`<h2>Eine Ankündigung veröffentlichen</h2>`, `<label for="ann-title">Titel</label>`, `<label for="ann-starts">Erster Tag</label>`,
		`<label for="ann-link-text">Linktext (optional)</label>`, `placeholder="JJJJ-MM-TT"`, `value="2026-06-01"`,
		`<button type="submit">Ankündigung veröffentlichen</button>`, "Noch keine Ankündigungen — veröffentlichen Sie oben eine")
	st, page := dgFollow(vendor, "/vendor/announcements", url.Values{"title": {"Webinar"}, "text": {"Donnerstag, 15 Uhr."},
		"link": {"https://maker.example/webinar"}, "starts": {"2026-06-01"}, "ends": {"2026-06-04"}})
	if st != http.StatusOK {
		t.Errorf("German post: %d", st)
	}
	dgCheck(t, "after posting", page,
		`<p class="flash" role="status">Ihre Ankündigung wurde veröffentlicht: Jeder Benutzer sieht sie vom 2026-06-01 bis zum 2026-06-04, sofern er sie nicht vorher ausblendet.</p>`,
		`<th scope="col">Stand</th>`, `<span class="badge active">wird angezeigt</span>`, "2026-06-01 bis 2026-06-04",
		`>Mehr zu „Webinar“</a>`, `aria-label="Jetzt beenden: Webinar">Jetzt beenden</button>`, `<span class="visually-hidden">Aktionen</span>`)
	id := ""
	if i := strings.Index(page, `action="/vendor/announcements/`); i >= 0 {
		id, _, _ = strings.Cut(page[i+len(`action="/vendor/announcements/`):], "/")
	}
	if id == "" {
		t.Fatalf("no End now form:\n%s", page)
	}
	st, page = dgFollow(vendor, "/vendor/announcements/"+id+"/end", nil)
	if st != http.StatusOK {
		t.Errorf("German end: %d", st)
	}
	dgCheck(t, "after ending", page, `<p class="flash" role="status">Die Ankündigung ist beendet: Sie wird niemandem mehr angezeigt.</p>`,
		`<span class="badge revoked">vorzeitig beendet</span>`, " von admin@maker.example</span>")

	// An error page's title.
	dgPage(t, vendor, "/no-such-page", http.StatusNotFound, `<html lang="de">`, "<title>Nicht gefunden · entitle</title>", "<h1>Nicht gefunden</h1>",
		`<a href="/">Zurück zur Startseite</a>`)

	// Somebody else still reads English.
	other := vendSignIn(t, w, "member@maker.example")
	dgPage(t, other, "/vendor/announcements", http.StatusOK, `<html lang="en">`, `<h1>Announcements</h1>`,
		`<span class="badge revoked">ended early</span>`, `<th scope="col">State</th>`)
	dgPage(t, other, "/no-such-page", http.StatusNotFound, "<title>Not Found · entitle</title>")
}

func TestGermanCompanyPages(t *testing.T) {
	w := lifecycleWorld(t) // SHOP is a reseller, not listed; RIVAL is listed
	shop := vendSignIn(t, w, "admin@shop.example")
	shop.accept = "en-GB"

	// English as it was, before the choice.
	dgPage(t, shop, "/where-to-buy", http.StatusOK, "<title>Where to buy · entitle</title>", "<h1>Where to buy</h1>",
		`<h2 id="partners-h">Partners</h2>`, `<h2 id="direct-h">Direct from the vendor</h2>`, "<dt>Phone</dt>",
		"Buying direct from the vendor, at the partner price plus 10 %.", `open it under <a href="/">My entitlements</a>`)
	dgPage(t, shop, "/company", http.StatusOK, "<title>Company profile · entitle</title>", "<h1>Company profile</h1>",
		"<dt>Kind</dt><dd>reseller</dd>", `<label for="profile-email">Contact email</label>`,
		`<label for="profile-listed">List Company SHOP in the partner directory</label>`, `<button type="submit">Save the profile</button>`)

	dgGerman(t, shop)
	dgPage(t, shop, "/where-to-buy", http.StatusOK, `<html lang="de">`, "<title>Wo kaufen · entitle</title>", "<h1>Wo kaufen</h1>",
		`<p class="notice" id="recommendation">Wir empfehlen, über einen Partner zu kaufen`, `<h2 id="partners-h">Partner</h2>`,
		"Rival Resellers", "<dt>Telefon</dt>", `<h2 id="direct-h">Direkt beim Hersteller</h2>`,
		"Direktkauf beim Hersteller, zum Partnerpreis zuzüglich 10 %.", `öffnen Sie es unter <a href="/">Berechtigungen</a>`)
	dgPage(t, shop, "/company", http.StatusOK, "<title>Firmenprofil · entitle</title>", "<h1>Firmenprofil</h1>",
		`So erreichen Kunden <strong>Company SHOP</strong>`, `<h2 id="record-h">Der Datensatz des Herstellers</h2>`,
		"<dt>Name</dt><dd>Company SHOP</dd>", "<dt>Firmenschlüssel</dt><dd>SHOP</dd>", "<dt>Art</dt><dd>Reseller</dd>",
		`<label for="profile-email">Kontakt-E-Mail</label>`, `<label for="profile-phone">Telefon</label>`,
		`<label for="profile-listed">Company SHOP im Partnerverzeichnis eintragen</label>`, `<button type="submit">Profil speichern</button>`,
		`value="sales@shop.example"`)

	// Saved: the message in German; listed under Where to buy.
	st, page := dgFollow(shop, "/company", url.Values{"contact_email": {"quotes@shop.example"}, "contact_phone": {""},
		"website": {"https://shop.example"}, "listed": {"true"}})
	if st != http.StatusOK {
		t.Errorf("German save: %d", st)
	}
	dgCheck(t, "after saving", page,
		`<p class="flash" role="status">Das Profil von Company SHOP ist gespeichert. Es ist unter Wo kaufen eingetragen.</p>`,
		`value="quotes@shop.example"`, "<h1>Firmenprofil</h1>")
	dgPage(t, shop, "/where-to-buy", http.StatusOK, `Company SHOP <span class="hint">(Ihre Firma)</span>`)

	// A bad field: the page in German, the status's words too.
	st, page = dgFollow(shop, "/company", url.Values{"contact_email": {"not an address"}, "website": {"https://shop.example"}})
	if st != http.StatusUnprocessableEntity {
		t.Errorf("German bad email: %d", st)
	}
	dgCheck(t, "bad email", page, "<h1>Firmenprofil</h1>", `id="profile-email-error" role="alert"`,
		`id="profile-cancel">Abbrechen</a>`)

	// A member reads the profile without a form; their post is refused.
	member := vendSignIn(t, w, "member@shop.example")
	dgGerman(t, member)
	dgPage(t, member, "/company", http.StatusOK, "<dt>Kontakt-E-Mail</dt>", "<dt>Partnerverzeichnis</dt>",
		`<dd>eingetragen unter <a href="/where-to-buy">Wo kaufen</a></dd>`, "<dt>Telefon</dt><dd><span class=\"hint\">nicht angegeben</span></dd>",
		"Nur die Administratoren Ihrer Firma können das Profil ändern.")
	if st, page, _ := member.post("/company", url.Values{"contact_email": {"x@shop.example"}}); st != http.StatusForbidden {
		t.Errorf("German member's post: %d", st)
	} else {
		dgCheck(t, "member's post", page, "<title>Kein Zugriff · entitle</title>", "<h1>Kein Zugriff</h1>")
	}

	// The vendor's own profile: its kind, not listable.
	vendor := vendSignIn(t, w, "admin@maker.example")
	dgGerman(t, vendor)
	dgPage(t, vendor, "/company", http.StatusOK, "<dt>Art</dt><dd>Hersteller</dd>",
		"Der Hersteller steht nicht im Partnerverzeichnis: Seine Kontakte sind der direkte Weg unter Wo kaufen.")

	// Somebody who did not choose reads English.
	rival := vendSignIn(t, w, "admin@rival.example")
	dgPage(t, rival, "/where-to-buy", http.StatusOK, "<h1>Where to buy</h1>", `Company SHOP</h3>`)
}
