package web_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
)

// lifecycleWorld is the basics world where SHOP (the reseller of N-77) is a
// reseller that keeps a profile, another reseller lists itself in the
// directory, and the price list has S-100's SKU.
func lifecycleWorld(t *testing.T) *world {
	t.Helper()
	w := newWorld(t)
	w.importBatch(entitle.Batch{
		Companies: []entitle.Sourced[entitle.Company]{
			{Record: entitle.Company{Key: "SHOP", Name: "Company SHOP", Kind: entitle.KindReseller}},
			{Record: entitle.Company{Key: "RIVAL", Name: "Rival Resellers", Kind: entitle.KindReseller}},
		},
		Prices: []entitle.Sourced[entitle.Price]{{Record: entitle.Price{SKU: "SKU-S100", Currency: "EUR", PartnerPrice: "120.00"}}},
	}, nil)
	w.admin["RIVAL"] = w.user("RIVAL", "admin@rival.example", true)
	patch := func(token string, body map[string]any) {
		t.Helper()
		if res := w.do(request{method: "PATCH", path: "/api/v1/company", token: token, body: body}); res.status != http.StatusOK {
			t.Fatalf("profile: %d %s", res.status, res.body)
		}
	}
	patch(w.admin["SHOP"], map[string]any{"contact_email": "Sales@Shop.example", "website": "https://shop.example"})
	patch(w.admin["RIVAL"], map[string]any{"listed": true, "contact_phone": "+44 20 7946 0000"})
	return w
}

// TestSoldVia: the owner, its delegates and the vendor see the partner of
// record and how to reach it; the partner itself, the purchasing entity and
// the installer do not get the field; a direct purchase has none.
func TestSoldVia(t *testing.T) {
	w := lifecycleWorld(t)
	type ent struct {
		SoldVia *struct {
			Key, Name    string
			ContactEmail string `json:"contact_email"`
			Website      string
		} `json:"sold_via"`
	}
	for _, tc := range []struct {
		token string
		who   string
		want  bool
	}{
		{w.member["PLANT"], "owner member", true},
		{w.admin["MAKER"], "vendor", true},
		{w.admin["SHOP"], "the partner itself", false},
		{w.admin["NORTH"], "purchasing entity", false},
		{w.admin["FITTER"], "installer", false},
	} {
		var e ent
		w.get("/api/v1/entitlements/S-100", tc.token).json(t, &e)
		if got := e.SoldVia != nil; got != tc.want {
			t.Errorf("%s: sold_via present %v, want %v", tc.who, got, tc.want)
			continue
		}
		if tc.want && (e.SoldVia.Key != "SHOP" || e.SoldVia.ContactEmail != "sales@shop.example" || e.SoldVia.Website != "https://shop.example") {
			t.Errorf("%s: sold_via %+v", tc.who, *e.SoldVia)
		}
		var page struct{ Items []ent }
		w.get("/api/v1/entitlements", tc.token).json(t, &page)
		for _, it := range page.Items {
			if (it.SoldVia != nil) != tc.want {
				t.Errorf("%s: list item sold_via present %v", tc.who, it.SoldVia != nil)
			}
		}
	}
	// N-78 was sold by NORTH straight to OTHERCO: NORTH is the partner of record.
	var e ent
	w.get("/api/v1/entitlements/S-200", w.admin["OTHERCO"]).json(t, &e)
	if e.SoldVia == nil || e.SoldVia.Key != "NORTH" {
		t.Errorf("S-200 sold via %+v, want NORTH", e.SoldVia)
	}
}

type optionsAnswer struct {
	Recommendation  string
	RequestsAllowed bool `json:"requests_allowed"`
	TransferAllowed bool `json:"transfer_allowed"`
	TransferDirect  bool `json:"transfer_direct"`
	Options         []struct {
		Route       string
		Recommended bool
		Partner     struct{ Key string }
		UnitPrice   string `json:"unit_price"`
		Total       string
		Premium     string `json:"premium_percent"`
	}
}

// TestRenewalOptions: partner of record first (recommended), then listed
// partners, then the vendor direct at the partner price plus the premium.
func TestRenewalOptions(t *testing.T) {
	w := lifecycleWorld(t)
	var o optionsAnswer
	res := w.get("/api/v1/entitlements/S-100/renewal", w.member["PLANT"])
	res.json(t, &o)
	if res.status != http.StatusOK || !o.RequestsAllowed || !strings.Contains(o.Recommendation, "Company SHOP") {
		t.Fatalf("options: %d %s", res.status, res.body)
	}
	var got []string
	for _, op := range o.Options {
		got = append(got, fmt.Sprintf("%s %s rec=%v %s %s %s", op.Route, op.Partner.Key, op.Recommended, op.UnitPrice, op.Total, op.Premium))
	}
	want := []string{ // S-100 is line 1: quantity 1
		"partner_of_record SHOP rec=true 120.00 120.00 ",
		"partner RIVAL rec=false 120.00 120.00 ",
		"direct MAKER rec=false 132.00 132.00 10",
	}
	if !slices.Equal(got, want) {
		t.Errorf("options:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// No price for S-101's SKU: the same routes, no figures.
	o = optionsAnswer{}
	w.get("/api/v1/entitlements/S-101/renewal", w.member["PLANT"]).json(t, &o)
	for _, op := range o.Options {
		if op.UnitPrice != "" || op.Total != "" {
			t.Errorf("unpriced SKU has figures: %+v", op)
		}
	}
	for _, tc := range []struct {
		name   string
		token  string
		status int
		// transfer_allowed and transfer_direct, as policy.OfferTransfer
		// decides: the owner's admins offer, the vendor's move at once.
		transfer, direct bool
	}{
		{"owner member", w.member["PLANT"], http.StatusOK, false, false},
		{"owner admin", w.admin["PLANT"], http.StatusOK, true, false},
		{"vendor admin", w.admin["MAKER"], http.StatusOK, true, true},
		{"reseller", w.admin["SHOP"], http.StatusForbidden, false, false},
		{"installer", w.admin["FITTER"], http.StatusForbidden, false, false},
		{"outsider", w.admin["NOBODY"], http.StatusNotFound, false, false},
	} {
		res := w.get("/api/v1/entitlements/S-100/renewal", tc.token)
		if res.status != tc.status {
			t.Errorf("%s: options: %d %s; want %d", tc.name, res.status, res.body, tc.status)
			continue
		}
		if res.status != http.StatusOK {
			continue
		}
		var o optionsAnswer
		res.json(t, &o)
		if o.TransferAllowed != tc.transfer || o.TransferDirect != tc.direct {
			t.Errorf("%s: transfer_allowed %v, transfer_direct %v; want %v, %v", tc.name, o.TransferAllowed, o.TransferDirect, tc.transfer, tc.direct)
		}
	}
}

type renewalItem struct {
	ID          int64
	Entitlement struct {
		SubscriptionID string `json:"subscription_id"`
		SKU            string
	}
	Route       string
	Recipient   *struct{ Key string }
	RequestedBy string `json:"requested_by"`
	Message     string
	Status      string
	Note        string
}

// TestRenewalRequests: the owner asks; the partner of record sees the
// entitlement and the message only, in its inbox and by mail, and answers;
// outsiders see nothing; a long-expired entitlement cannot be renewed.
func TestRenewalRequests(t *testing.T) {
	w := lifecycleWorld(t)
	ask := func(token, sub string, body map[string]any) response {
		return w.do(request{method: "POST", path: "/api/v1/entitlements/" + sub + "/renewal-requests", token: token, body: body})
	}
	res := ask(w.member["PLANT"], "S-100", map[string]any{"message": "Please quote 5 more seats. Call Ann on 555-0100."})
	var sent renewalItem
	res.json(t, &sent)
	if res.status != http.StatusCreated || sent.Route != "partner_of_record" || sent.Recipient == nil || sent.Recipient.Key != "SHOP" || sent.RequestedBy != "member@plant.example" {
		t.Fatalf("ask: %d %s", res.status, res.body)
	}
	if res := ask(w.member["PLANT"], "S-100", map[string]any{}); res.status != http.StatusConflict {
		t.Errorf("asking twice: %d %s", res.status, res.body)
	}
	// The partner's inbox: the entitlement and the message, never who asked.
	res = w.get("/api/v1/renewal-requests", w.member["SHOP"])
	var inbox struct{ Items []renewalItem }
	res.json(t, &inbox)
	if len(inbox.Items) != 1 || inbox.Items[0].Entitlement.SubscriptionID != "S-100" || inbox.Items[0].Message == "" {
		t.Fatalf("SHOP inbox: %s", res.body)
	}
	if body := string(res.body); strings.Contains(body, "PLANT") || strings.Contains(body, "plant.example") {
		t.Errorf("the partner learns who the owner is: %s", body)
	}
	// The mail to SHOP's administrators says the same.
	files, _ := filepath.Glob(filepath.Join(w.outbox, "*.eml"))
	found := false
	for _, f := range files {
		data, _ := os.ReadFile(f)
		m := strings.ReplaceAll(string(data), "=\r\n", "")
		if strings.Contains(m, "To: admin@shop.example") && strings.Contains(m, "Renewal request for subscription S-100") {
			found = true
			if strings.Contains(m, "PLANT") || strings.Contains(m, "plant.example") {
				t.Errorf("the mail names the owner:\n%s", m)
			}
		}
	}
	if !found {
		t.Errorf("no renewal mail to SHOP's administrator among %d messages", len(files))
	}
	for _, tc := range []struct {
		token string
		n     int
	}{{w.admin["NOBODY"], 0}, {w.admin["NORTH"], 0}, {w.admin["PLANT"], 0}} {
		var other struct{ Items []renewalItem }
		w.get("/api/v1/renewal-requests", tc.token).json(t, &other)
		if len(other.Items) != tc.n {
			t.Errorf("received box of another company: %+v", other.Items)
		}
	}
	var mine struct{ Items []renewalItem }
	w.get("/api/v1/renewal-requests?box=sent", w.admin["PLANT"]).json(t, &mine)
	if len(mine.Items) != 1 || mine.Items[0].ID != sent.ID {
		t.Errorf("PLANT's sent box: %+v", mine.Items)
	}

	patch := func(token string, id int64, body map[string]any) response {
		return w.do(request{method: "PATCH", path: fmt.Sprintf("/api/v1/renewal-requests/%d", id), token: token, body: body})
	}
	if res := patch(w.admin["NORTH"], sent.ID, map[string]any{"status": "won"}); res.status != http.StatusNotFound {
		t.Errorf("a third company answers: %d %s", res.status, res.body)
	}
	if res := patch(w.member["PLANT"], sent.ID, map[string]any{"status": "won"}); res.status != http.StatusUnprocessableEntity {
		t.Errorf("the requester marks it won: %d %s", res.status, res.body)
	}
	if res := patch(w.member["SHOP"], sent.ID, map[string]any{"status": "quoted", "note": "Quote Q-17 sent to Ann."}); res.status != http.StatusOK {
		t.Errorf("quoted: %d %s", res.status, res.body)
	}
	if res := patch(w.member["SHOP"], sent.ID, map[string]any{"status": "won"}); res.status != http.StatusOK {
		t.Errorf("won: %d %s", res.status, res.body)
	}
	if res := patch(w.member["SHOP"], sent.ID, map[string]any{"status": "lost"}); res.status != http.StatusConflict {
		t.Errorf("a closed request changes: %d %s", res.status, res.body)
	}
	if res := patch(w.member["PLANT"], sent.ID, map[string]any{"status": "lost"}); res.status != http.StatusUnprocessableEntity {
		t.Errorf("the requester marks a closed request lost: %d %s", res.status, res.body)
	}
	w.get("/api/v1/renewal-requests?box=sent", w.admin["PLANT"]).json(t, &mine)
	if mine.Items[0].Status != "won" || mine.Items[0].Note != "Quote Q-17 sent to Ann." {
		t.Errorf("the requester sees the answer: %+v", mine.Items[0])
	}

	// Other routes: a listed partner, the vendor direct; refusals.
	if res := ask(w.member["PLANT"], "S-101", map[string]any{"route": "partner", "partner": "RIVAL"}); res.status != http.StatusCreated {
		t.Errorf("to a listed partner: %d %s", res.status, res.body)
	}
	if res := ask(w.member["PLANT"], "S-101", map[string]any{"route": "partner", "partner": "NORTH"}); res.status != http.StatusUnprocessableEntity {
		t.Errorf("to an unlisted company: %d %s", res.status, res.body)
	}
	if res := ask(w.member["PLANT"], "S-101", map[string]any{"route": "direct"}); res.status != http.StatusCreated {
		t.Errorf("direct: %d %s", res.status, res.body)
	}
	var vendorBox struct{ Items []renewalItem }
	w.get("/api/v1/renewal-requests", w.admin["MAKER"]).json(t, &vendorBox)
	if len(vendorBox.Items) != 1 || vendorBox.Items[0].Route != "direct" {
		t.Errorf("the vendor's inbox: %+v", vendorBox.Items)
	}
	for _, tc := range []struct {
		token, sub string
		body       map[string]any
		status     int
	}{
		{w.admin["SHOP"], "S-100", map[string]any{}, http.StatusForbidden},  // the reseller is no owner
		{w.admin["MAKER"], "S-100", map[string]any{}, http.StatusForbidden}, // the vendor answers, it does not ask
		{w.admin["NOBODY"], "S-100", map[string]any{}, http.StatusNotFound}, // R7
		{w.member["PLANT"], "S-100", map[string]any{"route": "bogus"}, 422}, // a route that does not exist
		{w.member["PLANT"], "S-100", map[string]any{"message": strings.Repeat("x", 2001)}, 422},
	} {
		if res := ask(tc.token, tc.sub, tc.body); res.status != tc.status {
			t.Errorf("ask %v: %d %s; want %d", tc.body, res.status, res.body, tc.status)
		}
	}
	// Long after its end (355 days from now, plus the 90-day grace): refused.
	w.clock.Advance(450 * 24 * time.Hour)
	if res := ask(w.member["PLANT"], "S-101", map[string]any{"route": "partner", "partner": "RIVAL", "message": "late"}); res.status != http.StatusUnprocessableEntity || !strings.Contains(res.errMessage(), "no longer be renewed") {
		t.Errorf("long expired: %d %s", res.status, res.body)
	}
}

type transferItem struct {
	ID       int64
	From, To struct{ Key string }
	Status   string
}

// TestTransfers: the owner offers an entitlement; the recipient accepts;
// the new owner sees it with owner & location (its own name, not the old
// site), the old owner loses it and its delegations of it end; offers are
// refused to non-owners and expire; the vendor moves ownership directly.
func TestTransfers(t *testing.T) {
	w := lifecycleWorld(t)
	w.admin["NEWCO"] = ""
	w.importBatch(entitle.Batch{Companies: []entitle.Sourced[entitle.Company]{{Record: entitle.Company{Key: "NEWCO", Name: "New Owner Ltd", Kind: entitle.KindCustomer}}}}, nil)
	w.admin["NEWCO"] = w.user("NEWCO", "admin@newco.example", true)
	w.member["NEWCO"] = w.user("NEWCO", "member@newco.example", false)
	// PLANT delegates S-100 and S-101 to NOBODY first.
	res := w.do(request{method: "POST", path: "/api/v1/delegations", token: w.admin["PLANT"],
		body: map[string]any{"delegate": "NOBODY", "subscription_ids": []string{"S-100"}}})
	if res.status != http.StatusCreated {
		t.Fatalf("delegate: %d %s", res.status, res.body)
	}
	offer := func(token, sub string, body map[string]any) response {
		return w.do(request{method: "POST", path: "/api/v1/entitlements/" + sub + "/transfers", token: token, body: body})
	}
	decide := func(token string, id int64, action string) response {
		return w.do(request{method: "POST", path: fmt.Sprintf("/api/v1/transfers/%d/%s", id, action), token: token})
	}
	for _, tc := range []struct {
		token  string
		body   map[string]any
		status int
	}{
		{w.member["PLANT"], map[string]any{"to": "NEWCO"}, http.StatusForbidden}, // members may not
		{w.admin["SHOP"], map[string]any{"to": "NEWCO"}, http.StatusForbidden},   // not the owner
		{w.admin["OTHERCO"], map[string]any{"to": "NEWCO"}, http.StatusNotFound}, // R7
		{w.admin["PLANT"], map[string]any{"to": "GHOST"}, http.StatusUnprocessableEntity},
		{w.admin["PLANT"], map[string]any{"to": "PLANT"}, http.StatusUnprocessableEntity},
	} {
		if res := offer(tc.token, "S-100", tc.body); res.status != tc.status {
			t.Errorf("offer %v: %d %s; want %d", tc.body, res.status, res.body, tc.status)
		}
	}
	res = offer(w.admin["PLANT"], "S-100", map[string]any{"to": "NEWCO", "message": "As agreed in the sale of plant 3."})
	var tr transferItem
	res.json(t, &tr)
	if res.status != http.StatusCreated || tr.Status != "offered" || tr.To.Key != "NEWCO" {
		t.Fatalf("offer: %d %s", res.status, res.body)
	}
	if res := offer(w.admin["PLANT"], "S-100", map[string]any{"to": "SHOP"}); res.status != http.StatusConflict {
		t.Errorf("a second offer: %d %s", res.status, res.body)
	}
	var received struct{ Items []transferItem }
	w.get("/api/v1/transfers", w.member["NEWCO"]).json(t, &received)
	if len(received.Items) != 1 || received.Items[0].ID != tr.ID {
		t.Errorf("NEWCO's offers: %+v", received.Items)
	}
	if res := decide(w.member["NEWCO"], tr.ID, "accept"); res.status != http.StatusForbidden {
		t.Errorf("a member accepts: %d %s", res.status, res.body)
	}
	if res := decide(w.admin["SHOP"], tr.ID, "accept"); res.status != http.StatusNotFound {
		t.Errorf("a third company accepts: %d %s", res.status, res.body)
	}
	if res := decide(w.admin["PLANT"], tr.ID, "accept"); res.status != http.StatusForbidden {
		t.Errorf("the offering company accepts: %d %s", res.status, res.body)
	}
	if res := decide(w.admin["NEWCO"], tr.ID, "frobnicate"); res.status != http.StatusNotFound {
		t.Errorf("an unknown action: %d %s", res.status, res.body)
	}
	res = decide(w.admin["NEWCO"], tr.ID, "accept")
	res.json(t, &tr)
	if res.status != http.StatusOK || tr.Status != "accepted" {
		t.Fatalf("accept: %d %s", res.status, res.body)
	}
	if res := decide(w.admin["NEWCO"], tr.ID, "decline"); res.status != http.StatusConflict {
		t.Errorf("answering twice: %d %s", res.status, res.body)
	}
	// Who may answer is decided before the state: a party that may not is
	// refused, closed offer or not.
	if res := decide(w.admin["PLANT"], tr.ID, "accept"); res.status != http.StatusForbidden {
		t.Errorf("the offering company accepts a closed offer: %d %s", res.status, res.body)
	}

	// NEWCO owns S-100 now: owner & location with its own name, no site.
	var got struct {
		Access           []string
		Owner            *struct{ Key, Name string }
		InstallationSite *struct{ Name string } `json:"installation_site"`
	}
	res = w.get("/api/v1/entitlements/S-100", w.member["NEWCO"])
	res.json(t, &got)
	if res.status != http.StatusOK || !slices.Equal(got.Access, []string{"owner"}) || got.Owner == nil || got.Owner.Key != "NEWCO" || got.Owner.Name != "New Owner Ltd" || got.InstallationSite != nil {
		t.Errorf("the new owner's view: %d %s", res.status, res.body)
	}
	// PLANT held no other role on N-77: S-100 is gone for it, S-101 stays.
	if res := w.get("/api/v1/entitlements/S-100", w.admin["PLANT"]); res.status != http.StatusNotFound {
		t.Errorf("the former owner still sees it: %d %s", res.status, res.body)
	}
	var plant struct {
		Items []struct {
			SubscriptionID string `json:"subscription_id"`
		}
	}
	w.get("/api/v1/entitlements", w.admin["PLANT"]).json(t, &plant)
	if len(plant.Items) != 1 || plant.Items[0].SubscriptionID != "S-101" {
		t.Errorf("PLANT's list: %+v", plant.Items)
	}
	// PLANT's delegation of S-100 to NOBODY ended with the ownership.
	if res := w.get("/api/v1/entitlements/S-100", w.admin["NOBODY"]); res.status != http.StatusNotFound {
		t.Errorf("the former owner's delegate still sees it: %d %s", res.status, res.body)
	}
	// The others keep their roles; the reseller's view names no owner.
	for _, who := range []string{"NORTH", "SHOP", "FITTER", "MAKER"} {
		res := w.get("/api/v1/entitlements/S-100", w.admin[who])
		if res.status != http.StatusOK {
			t.Errorf("%s after the transfer: %d %s", who, res.status, res.body)
		}
		if strings.Contains(string(res.body), "NEWCO") != (who == "MAKER") {
			t.Errorf("%s sees the owner: %s", who, res.body)
		}
	}
	// The vendor's explanation says who owns it now.
	res = w.get("/api/v1/entitlements/S-100/access", w.admin["MAKER"])
	if !strings.Contains(string(res.body), "NEWCO") || strings.Contains(string(res.body), `"PLANT"`) {
		t.Errorf("access after the transfer: %s", res.body)
	}
	// NORTH's lookup of its own PO shows S-100 without owner & location.
	res = w.get("/api/v1/orders/N-77/entitlements", w.admin["NORTH"])
	if res.status != http.StatusOK || strings.Contains(string(res.body), "NEWCO") {
		t.Errorf("the purchasing entity's PO lookup: %d %s", res.status, res.body)
	}

	// An offer expires; the vendor moves ownership directly.
	res = offer(w.admin["NEWCO"], "S-100", map[string]any{"to": "OTHERCO"})
	res.json(t, &tr)
	w.clock.Advance(15 * 24 * time.Hour)
	if res := decide(w.admin["OTHERCO"], tr.ID, "accept"); res.status != http.StatusConflict || !strings.Contains(res.errMessage(), "expired") {
		t.Errorf("accepting an expired offer: %d %s", res.status, res.body)
	}
	res = offer(w.admin["MAKER"], "S-100", map[string]any{"to": "PLANT", "message": "Acquisition of NEWCO by PLANT."})
	res.json(t, &tr)
	if res.status != http.StatusCreated || tr.Status != "done" {
		t.Fatalf("the vendor's direct move: %d %s", res.status, res.body)
	}
	if res := w.get("/api/v1/entitlements/S-100", w.admin["PLANT"]); res.status != http.StatusOK {
		t.Errorf("PLANT owns it again: %d %s", res.status, res.body)
	}
	if res := w.get("/api/v1/entitlements/S-100", w.member["NEWCO"]); res.status != http.StatusNotFound {
		t.Errorf("NEWCO lost it: %d %s", res.status, res.body)
	}
	var events struct {
		Items []struct{ Action, Outcome string }
	}
	w.get("/api/v1/audit?limit=500", w.admin["MAKER"]).json(t, &events)
	var actions []string
	for _, e := range events.Items {
		if strings.HasPrefix(e.Action, "transfer.") && e.Outcome == "ok" {
			actions = append(actions, e.Action)
		}
	}
	if !slices.Equal(actions, []string{"transfer.offer", "transfer.accept", "transfer.offer", "transfer.direct"}) {
		t.Errorf("audited transfers: %v", actions)
	}
}

// TestRenewalRequestsAfterTransfer: when the entitlement changes hands, its
// former owner's open requests close (transferred): the former owner keeps
// the request but no longer the entitlement's details, nobody can act on
// it, and the new owner asks anew. Asking again while a request is quoted
// says the partner has answered.
func TestRenewalRequestsAfterTransfer(t *testing.T) {
	w := lifecycleWorld(t)
	w.importBatch(entitle.Batch{Companies: []entitle.Sourced[entitle.Company]{{Record: entitle.Company{Key: "NEWCO", Name: "New Owner Ltd", Kind: entitle.KindCustomer}}}}, nil)
	w.admin["NEWCO"] = w.user("NEWCO", "admin@newco.example", true)
	ask := func(token string) response {
		return w.do(request{method: "POST", path: "/api/v1/entitlements/S-100/renewal-requests", token: token, body: map[string]any{"message": "5 more"}})
	}
	patch := func(token string, id int64, status string) response {
		return w.do(request{method: "PATCH", path: fmt.Sprintf("/api/v1/renewal-requests/%d", id), token: token, body: map[string]any{"status": status}})
	}
	var sent renewalItem
	ask(w.member["PLANT"]).json(t, &sent)
	if res := patch(w.member["SHOP"], sent.ID, "quoted"); res.status != http.StatusOK {
		t.Fatalf("quoted: %d %s", res.status, res.body)
	}
	// Asking again: the partner has answered with a quote.
	if res := ask(w.member["PLANT"]); res.status != http.StatusConflict || !strings.Contains(res.errMessage(), "they sent a quote (request") ||
		strings.Contains(res.errMessage(), "wait for") {
		t.Errorf("asking again while quoted: %d %s", res.status, res.body)
	}

	// The vendor moves S-100 to NEWCO.
	if res := w.do(request{method: "POST", path: "/api/v1/entitlements/S-100/transfers", token: w.admin["MAKER"], body: map[string]any{"to": "NEWCO"}}); res.status != http.StatusCreated {
		t.Fatalf("transfer: %d %s", res.status, res.body)
	}
	// The former owner keeps its request, closed, with nothing of the
	// entitlement but its subscription ID.
	res := w.get("/api/v1/renewal-requests?box=sent", w.admin["PLANT"])
	var box struct {
		Items []map[string]any
	}
	res.json(t, &box)
	if len(box.Items) != 1 || box.Items[0]["status"] != "transferred" {
		t.Fatalf("PLANT's sent box: %s", res.body)
	}
	if e, _ := box.Items[0]["entitlement"].(map[string]any); len(e) != 1 || e["subscription_id"] != "S-100" {
		t.Errorf("the former owner still sees the entitlement's details: %v", box.Items[0]["entitlement"])
	}
	// The partner of record, which still sees S-100 as its reseller, sees
	// it closed with its details.
	var inbox struct{ Items []renewalItem }
	w.get("/api/v1/renewal-requests", w.admin["SHOP"]).json(t, &inbox)
	if len(inbox.Items) != 1 || inbox.Items[0].Status != "transferred" || inbox.Items[0].Entitlement.SKU == "" {
		t.Errorf("SHOP's inbox: %+v", inbox.Items)
	}
	// Nobody acts on it any more.
	for _, tc := range []struct{ token, status string }{{w.admin["SHOP"], "won"}, {w.admin["SHOP"], "lost"}, {w.admin["PLANT"], "withdrawn"}} {
		if res := patch(tc.token, sent.ID, tc.status); res.status != http.StatusConflict || !strings.Contains(res.errMessage(), "changed hands") {
			t.Errorf("%s after the transfer: %d %s", tc.status, res.status, res.body)
		}
	}
	if res := patch(w.admin["NEWCO"], sent.ID, "withdrawn"); res.status != http.StatusNotFound {
		t.Errorf("the new owner acts on the former owner's request: %d %s", res.status, res.body)
	}
	// The new owner asks the same partner anew.
	if res := ask(w.admin["NEWCO"]); res.status != http.StatusCreated {
		t.Errorf("the new owner asks: %d %s", res.status, res.body)
	}
}

// TestRenewalMailToListedPartner: a listed partner, which holds no role on
// the order, is told in its notification mail what its view of the request
// shows — the entitlement without the purchasing entity's PO number.
func TestRenewalMailToListedPartner(t *testing.T) {
	w := lifecycleWorld(t)
	if res := w.do(request{method: "POST", path: "/api/v1/entitlements/S-101/renewal-requests", token: w.member["PLANT"],
		body: map[string]any{"route": "partner", "partner": "RIVAL"}}); res.status != http.StatusCreated {
		t.Fatalf("ask: %d %s", res.status, res.body)
	}
	files, _ := filepath.Glob(filepath.Join(w.outbox, "*.eml"))
	found := false
	for _, f := range files {
		data, _ := os.ReadFile(f)
		m := strings.ReplaceAll(string(data), "=\r\n", "")
		if !strings.Contains(m, "To: admin@rival.example") {
			continue
		}
		found = true
		if !strings.Contains(m, "S-101") || strings.Contains(m, "N-77") || strings.Contains(m, "PO number") {
			t.Errorf("the listed partner's mail:\n%s", m)
		}
	}
	if !found {
		t.Errorf("no renewal mail to RIVAL's administrator among %d messages", len(files))
	}
	res := w.get("/api/v1/renewal-requests", w.admin["RIVAL"])
	if strings.Contains(string(res.body), "N-77") || !strings.Contains(string(res.body), "S-101") {
		t.Errorf("RIVAL's inbox: %s", res.body)
	}
}
