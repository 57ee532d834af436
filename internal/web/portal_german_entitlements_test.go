package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/i18n"
)

// dgGerman, which chooses German, is portal_german_delegations_test.go's.

// germanPageCase is a page read in German: what it must show, and English
// words of its own it must no longer show.
type germanPageCase struct {
	path      string
	status    int
	want      []string
	noEnglish []string
}

// checkGerman reads each page as b and checks it against its case.
func checkGerman(t *testing.T, who string, b *vendBrowser, cases []germanPageCase) {
	t.Helper()
	for _, c := range cases {
		st, page := b.get(c.path)
		if st != c.status {
			t.Errorf("%s, %s: %d, want %d", who, c.path, st, c.status)
		}
		if !strings.Contains(page, `<html lang="de">`) {
			t.Errorf("%s, %s: not German", who, c.path)
		}
		for _, want := range c.want {
			if !strings.Contains(page, want) {
				t.Errorf("%s, %s: no %s", who, c.path, want)
			}
		}
		for _, en := range c.noEnglish {
			if strings.Contains(page, en) {
				t.Errorf("%s, %s: English %q is left", who, c.path, en)
			}
		}
		if i := strings.Index(page, "[entitlement"); i >= 0 {
			t.Errorf("%s, %s: a message ID instead of words: %s", who, c.path, page[i:min(len(page), i+60)])
		}
	}
}

// TestGermanEntitlementPages: My entitlements, an entitlement, its access
// history and the orders read in German for a user who chose it — headings,
// labels, table headers, status badges, days from today, the words of the
// helpers (bases, why the company sees it) — with no English word of the
// page left; values sent in forms and URLs stay the API's; another user's
// pages stay English, word for word as before.
func TestGermanEntitlementPages(t *testing.T) {
	w := newWorld(t)

	// PLANT owns S-100 and S-101 (N-77), which end in 355 days; its
	// administrator may pick them for a delegation.
	plant := vendSignIn(t, w, "admin@plant.example")
	dgGerman(t, plant)
	checkGerman(t, "PLANT", plant, []germanPageCase{{
		path: "/", status: http.StatusOK,
		want: []string{"<title>Meine Berechtigungen · entitle</title>", "<h1>Meine Berechtigungen</h1>",
			"<p>Was <strong>Company PLANT</strong> sehen darf, und warum.</p>",
			`aria-label="Die Liste filtern"`, `<label for="f-q">Suche</label>`, `<label for="f-role">Ihre Rolle</label>`,
			`<option value="">alle</option>`, `<option value="purchasing_entity" >Besteller</option>`, `<option value="owner" >Eigentümer</option>`,
			`<option value="active" >aktiv</option>`, `<option value="expired" >abgelaufen</option>`, `<option value="future" >künftig</option>`,
			`<label for="f-exp">Endet vor dem</label>`, `placeholder="JJJJ-MM-TT"`, `<label for="f-sort">Reihenfolge</label>`,
			`<option value="" selected>Abonnement-ID</option>`, `<option value="end_date" >früheste Enddaten zuerst</option>`,
			`<button type="submit">Filtern</button>`,
			`<h2 id="expiring-heading">Läuft bald ab</h2>`, `id="expiring-none">Nichts, was Sie sehen dürfen, endet in den nächsten 90 Tagen.</p>`,
			`download>CSV herunterladen</a>`, `<span class="hint">genau das, was Ihre Firma sehen darf</span>`,
			`<caption class="visually-hidden">Berechtigungen, die Ihre Firma sehen darf, nach Abonnement-ID;`,
			`<span class="visually-hidden">Auswahl</span>`, `aria-label="S-100 auswählen"`,
			`<a class="sort" href="/">Abonnement</a>`, `<th scope="col" class="num">Menge</th>`, `<th scope="col">Beginn</th>`,
			`<a class="sort" href="/?sort=end_date">Ende</a>`, `<th scope="col">Bestellnummer</th>`, `<th scope="col">Warum Sie sie sehen</th>`,
			`<span class="badge active">aktiv</span>`, `<span class="hint">(in 355 Tagen)</span>`, `<td class="wrap">Eigentümer</td>`,
			`<legend id="bulk-title">Mit den ausgewählten Berechtigungen</legend>`, `auf der Seite <a href="/delegations">Delegierungen</a>.`,
			`<label for="bulk-delegate">Firmenschlüssel</label>`, `Zugriff endet am <span class="hint">(optional, beim Delegieren; frühestens 2026-06-02)</span>`,
			`id="bulk-grant">Delegieren</button>`, `id="bulk-revoke" class="secondary">Zugriff entziehen</button>`,
			`<nav class="pager" aria-label="Seiten">`},
		noEnglish: []string{"My entitlements", "may see, and why", "Your basis", ">any<", "Ends before", "YYYY-MM-DD", ">Filter<",
			"Expiring soon", "Nothing you may see", "Download CSV", "Subscription<", ">Qty<", ">Start<", ">End<", ">PO<", "Why you see it",
			">active<", ">owner<", "purchasing entity", " days", "ends first", "picked entitlements", "Company key", "Revoke access",
			`aria-label="Pages"`},
	}, {
		path: "/?status=expired", status: http.StatusOK,
		want:      []string{`<option value="expired" selected>abgelaufen</option>`, `Keine Berechtigung passt zu diesen Filtern. <a href="/">Alle anzeigen</a>`},
		noEnglish: []string{"No entitlement matches", "Show all"},
	}, {
		path: "/?sort=-end_date", status: http.StatusOK,
		want: []string{`<option value="-end_date" selected>späteste Enddaten zuerst</option>`,
			`aria-sort="descending"><a class="sort" href="/?sort=end_date">Ende</a>`,
			`<caption class="visually-hidden">Berechtigungen, die Ihre Firma sehen darf, die zuletzt endende zuerst;`},
		noEnglish: []string{"ends last", "the last to end first"},
	}, {
		path: "/entitlements/S-100", status: http.StatusOK,
		want: []string{"<title>Berechtigung S-100 · entitle</title>", "<h1>Berechtigung S-100</h1>",
			`<p class="notice">Sie sehen diese Berechtigung, weil sie Ihrer Firma gehört (Bestellnummer N-77).</p>`,
			"<dt>Menge</dt>", "<dt>Beginn</dt>", "<dt>Ende</dt>", "(in 355 Tagen)", `<dd><span class="badge active">aktiv</span></dd>`,
			"<dt>Bestellnummer</dt>", "<dt>Eigentümer</dt>", "<dt>Installationsort</dt>",
			"<h2>Wer Zugriff hat, und warum</h2>", `id="access-caption">Firmen mit Zugriff auf diese Berechtigung</caption>`,
			`<th scope="col">Firma</th><th scope="col">Grundlage</th><th scope="col">Delegierung</th>`,
			"<td>Eigentümer</td>", "<td>Reseller</td>", "<td>Besteller</td>", "<td>Installationspartner</td>", "<td>Hersteller</td>",
			`/access-history">Zugriffsverlauf</a>`},
		noEnglish: []string{"You see this", "your company", "purchase order", "Quantity", "Installation site", "Who has access",
			"Companies with access", ">Company<", ">Basis<", ">Delegation<", ">owner<", ">installer<", ">vendor<", "Access history", " days"},
	}, {
		path: "/entitlements/S-100/access-history", status: http.StatusOK,
		want: []string{"<title>Zugriffsverlauf von S-100 · entitle</title>", "<h1>Zugriffsverlauf von S-100</h1>",
			`<a href="/entitlements/S-100">Zurück zur Berechtigung S-100</a>`,
			"Jede Firma, die diese Berechtigung sehen konnte, warum und wann – im Zeitraum 2026-06-01 12:00:00 UTC – bis heute. " +
				"Ihre Firma sieht die Zeit, in der ihr die Berechtigung gehört hat.</p>",
			`id="history-caption">Wer diese Berechtigung sehen konnte, und wann</caption>`,
			`<th scope="col">Von</th><th scope="col">Bis</th>`, "<td>bis heute</td>", "<td>Eigentümer</td>",
			"<h2>Wer sie zu einem Zeitpunkt sehen konnte</h2>", `<label for="at">Datum und Uhrzeit <span class="hint">(UTC)</span></label>`,
			`<button type="submit">Wer sie damals sehen konnte</button>`},
		noEnglish: []string{"Access history", "Back to entitlement", "Every company", "Your company sees", "Who could see",
			">From<", ">To<", ">still<", "Date and time", ">owner<"},
	}, {
		path: "/entitlements/S-100/access-history?at=soon", status: http.StatusUnprocessableEntity,
		want:      []string{`id="at-error" role="alert">Geben Sie ein Datum oder ein Datum mit Uhrzeit (UTC) ein.</p>`},
		noEnglish: []string{"Enter a date"},
	}, {
		path: "/entitlements/S-100/access-history?at=2030-01-01", status: http.StatusUnprocessableEntity,
		want:      []string{"Dieser Zeitpunkt liegt in der Zukunft: Die Tabelle oben zeigt, wer jetzt Zugriff hat."},
		noEnglish: []string{"in the future"},
	}, {
		// PLANT placed no order: the list is empty, and says where its
		// entitlements are.
		path: "/orders", status: http.StatusOK,
		want: []string{"<title>Bestellungen · entitle</title>", "<h1>Bestellungen</h1>", `aria-label="Eine Bestellung nachschlagen"`,
			`<label for="po">Bestellnummer</label>`, `<button type="submit">Nachschlagen</button>`,
			`<h2 id="my-orders-title">Bestellungen Ihrer Firma</h2>`, `aria-label="Die Bestellungen filtern"`,
			`<label for="f-po">Bestellnummer beginnt mit</label>`, `<label for="f-from">Bestellt ab</label>`, `<label for="f-to">Bestellt bis</label>`,
			"Ihre Firma hat noch keine Bestellungen aufgegeben.", `finden Sie ihre Berechtigungen unter <a href="/">Meine Berechtigungen</a>.`},
		noEnglish: []string{"Orders<", "Look up", "PO number", "Your company's orders", "Ordered from", "No orders placed", "Only the company"},
	}, {
		path: "/orders?po=", status: http.StatusUnprocessableEntity,
		want:      []string{`id="po-error" role="alert">Geben Sie die Bestellnummer einer Bestellung Ihrer Firma ein.</p>`},
		noEnglish: []string{"Enter the PO number"},
	}, {
		path: "/orders?po=N-77", status: http.StatusNotFound,
		want: []string{"<title>Bestellung nicht gefunden · entitle</title>",
			"Unter den Bestellungen Ihrer Firma gibt es keine mit der Bestellnummer N-77."},
		noEnglish: []string{"Order not found", "No order with"},
	}})

	// The bulk form's refusals.
	st, page, _ := plant.post("/entitlements/bulk", url.Values{"action": {"grant"}, "delegate": {"SHOP"}})
	if st != http.StatusUnprocessableEntity || !strings.Contains(page, `id="bulk-problem">Wählen Sie mindestens eine Berechtigung über ihr Kontrollkästchen aus.</p>`) {
		t.Errorf("PLANT, nothing picked: %d\n%s", st, page)
	}

	// NORTH placed N-77: its order, in German.
	north := vendSignIn(t, w, "member@north.example")
	dgGerman(t, north)
	checkGerman(t, "NORTH", north, []germanPageCase{{
		path: "/orders", status: http.StatusOK,
		want: []string{`<section class="order" aria-label="Bestellung N-77">`, "bestellt am 2026-05-02 · EUR · MSA",
			`<th scope="col" class="num">Pos.</th><th scope="col">Abonnement</th><th scope="col">SKU</th><th scope="col">Beschreibung</th>`,
			`<th scope="col" class="num">Einzelpreis (EUR)</th><th scope="col" class="num">Betrag (EUR)</th>`,
			`<th scope="row" colspan="6" class="num">Summe</th>`, `download>CSV herunterladen</a>`, "eine Zeile pro Position, mit Preisen"},
		noEnglish: []string{`aria-label="Order `, "ordered 2026", "Line<", "Description", "Unit price", "Amount", "Total", "one row per line"},
	}, {
		path: "/orders?po=N-77", status: http.StatusOK,
		want: []string{"<title>Bestellung N-77 · entitle</title>", "<h1>Bestellung N-77</h1>",
			`<p class="notice">Sie sehen die Details dieser Bestellung, weil Ihre Firma die Bestellung aufgegeben hat.</p>`,
			"<dt>Bestelldatum</dt><dd>2026-05-02 <span class=\"hint\">(vor 30 Tagen)</span></dd>", "<dt>Währung</dt>",
			"<dt>Besteller</dt>", "<dt>Reseller</dt>", "<dt>Installationspartner</dt>", "<dt>Rechnungsempfänger</dt>",
			`<h2 id="lines-title">Positionen</h2>`, `<th scope="col" class="num">Menge</th>`},
		noEnglish: []string{"Order N-77", "You see this", "Order date", "Currency", "Purchasing entity", "Installers", "Bill to",
			"Lines<", "days ago", "Quantity"},
	}})

	// The vendor's filters and list.
	maker := vendSignIn(t, w, "admin@maker.example")
	dgGerman(t, maker)
	checkGerman(t, "MAKER", maker, []germanPageCase{{
		path: "/", status: http.StatusOK,
		want: []string{`<label for="f-company">Firma <span class="hint">(beliebige Rolle in der Bestellung)</span></label>`,
			`<th scope="col">Eigentümer</th><th scope="col">Besteller</th><th scope="col">Reseller</th>`, `<td class="wrap">Hersteller</td>`},
		noEnglish: []string{"any role on the order", ">Owner<", ">Purchasing entity<", ">Resellers<", ">vendor<"},
	}, {
		path: "/orders", status: http.StatusOK,
		want: []string{`<label for="pe">Besteller <span class="hint">(Firmenschlüssel)</span></label>`,
			`<span class="hint" id="pe-hint">leer: die Bestellungen Ihrer eigenen Firma</span>`,
			"bestellt am 2026-05-02 von Company NORTH (NORTH) · EUR · MSA MSA-NORTH</span>"},
		noEnglish: []string{"company key", "empty: your own", " by Company"},
	}, {
		// The vendor may ask about any instant: before the record began,
		// nobody could see it.
		path: "/entitlements/S-100/access-history?at=2026-05-31T12:00", status: http.StatusOK,
		want: []string{"<h3>Am 2026-05-31 12:00:00 UTC</h3>", `id="at-caption">Wer diese Berechtigung am 2026-05-31 12:00:00 UTC sehen konnte</caption>`,
			`<td colspan="3">Niemand: Die Berechtigung war damals noch nicht im Portal.</td>`},
		noEnglish: []string{"At 2026", "Who could see", "Nobody", "Your company sees"},
	}})

	// English is as it was once PLANT's administrator goes back to the
	// browser's language; NORTH's administrator never left it.
	plantEN := vendSignIn(t, w, "admin@plant.example")
	plantEN.accept = "en-GB"
	if st, _, _ := plantEN.post("/account/language", url.Values{"language": {""}}); st != http.StatusSeeOther {
		t.Fatalf("back to English: %d", st)
	}
	english := map[string][]string{
		"/": {`<html lang="en">`, "<title>My entitlements · entitle</title>", "<h1>My entitlements</h1>", "</strong> may see, and why.</p>",
			`<label for="f-role">Your basis</label>`, `<option value="">any</option>`, `<option value="purchasing_entity" >purchasing entity</option>`,
			`<option value="active" >active</option>`, `placeholder="YYYY-MM-DD"`, `<option value="" selected>subscription ID</option>`,
			`<option value="-end_date" >ends last</option>`, `id="expiring-none">Nothing you may see ends in the next 90 days.</p>`,
			`<caption class="visually-hidden">Entitlements your company may see, by subscription ID; the Subscription and End headers sort the whole list</caption>`,
			`aria-label="Pick S-100"`, `<th scope="col">PO</th>`, `<th scope="col">Why you see it</th>`,
			`<span class="badge active">active</span>`, `<span class="hint">(in 355 days)</span>`, `<td class="wrap">owner</td>`,
			`<label for="bulk-expires">Access ends on <span class="hint">(optional, when delegating; 2026-06-02 at the earliest)</span></label>`,
			`on the <a href="/delegations">Delegations</a> page.</p>`},
		"/entitlements/S-100": {"<h1>Entitlement S-100</h1>", `<p class="notice">You see this because your company owns it (purchase order N-77).</p>`,
			"<td>purchasing entity</td>", `<dd><span class="badge active">active</span></dd>`, "(in 355 days)",
			`<span class="hint">— who could see it, when; and who could see it at a past instant</span>`},
		"/entitlements/S-100/access-history": {"<h1>Access history of S-100</h1>", "<td>still</td>",
			"Every company that could see this entitlement, why, and when — over 2026-06-01 12:00:00 UTC – still. Your company sees the time it has owned the entitlement.</p>"},
		"/orders": {"<h1>Orders</h1>", `<h2 id="my-orders-title">Your company's orders</h2>`, "No orders placed by your company yet.\nOnly the company that placed a PO lists it here;"},
	}
	for path, wants := range english {
		_, page := plantEN.get(path)
		for _, want := range wants {
			if !strings.Contains(page, want) {
				t.Errorf("English %s: no %s", path, want)
			}
		}
	}
	northEN := vendSignIn(t, w, "admin@north.example")
	if _, page := northEN.get("/orders?po=N-77"); !strings.Contains(page, "You see this order's details because your company placed the purchase order.") ||
		!strings.Contains(page, `<span class="hint">(30 days ago)</span>`) || !strings.Contains(page, `<th scope="col" class="num">Unit price (EUR)</th>`) {
		t.Errorf("English order N-77:\n%s", page)
	}
}

// TestBasisAndStatusWordsKnown: every basis and every status has its words
// in every language. The helpers build these IDs from the value
// ("basis."+b, "because."+b, "status."+s), so TestEveryIDKnown does not see
// them; a value without words would show as "[basis.x]". In English a
// basis's and a status's name is its API name, with spaces for underscores.
func TestBasisAndStatusWordsKnown(t *testing.T) {
	names := map[string]string{} // ID → its English words
	for _, b := range entitle.Bases {
		names["basis."+string(b)] = strings.ReplaceAll(string(b), "_", " ")
		names["because."+string(b)] = ""
	}
	for _, s := range []entitle.Status{entitle.StatusFuture, entitle.StatusActive, entitle.StatusExpired} {
		names["status."+string(s)] = string(s)
	}
	for id, english := range names {
		for _, l := range i18n.Langs {
			if got := i18n.For(l).T(id); strings.HasPrefix(got, "[") {
				t.Errorf("%s: no words for %s", l, id)
			} else if l == i18n.English && english != "" && got != english {
				t.Errorf("English words for %s: %q, want %q", id, got, english)
			}
		}
	}
}
