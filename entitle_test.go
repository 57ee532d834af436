package entitle_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/entitle-portal/entitle"
)

func TestDate(t *testing.T) {
	// 0001-01-01 is the zero time, a Date's "no date" (found by FuzzParseDate).
	for _, s := range []string{"", "2026-1-01", "2026-02-30", "26-01-01", "2026-01-01T00:00:00Z", "2026-01-01 ", "0001-01-01"} {
		if _, err := entitle.ParseDate(s); err == nil {
			t.Errorf("ParseDate(%q) accepted", s)
		}
	}
	d := entitle.MustDate("2024-02-28")
	if got := d.AddDays(1).String(); got != "2024-02-29" {
		t.Errorf("leap day: %s", got)
	}
	if d.DaysUntil(entitle.MustDate("2024-03-01")) != 2 || !d.Before(d.AddDays(1)) || d.After(d) {
		t.Error("date arithmetic")
	}
	if got := entitle.DateOf(time.Date(2026, 1, 1, 23, 30, 0, 0, time.FixedZone("X", -2*3600))); got.String() != "2026-01-02" {
		t.Errorf("DateOf takes the UTC date: %s", got)
	}
}

// TestParseDateAgreesWithTimeParse: ParseDate's fast path (digits read by
// hand) accepts exactly what time.Parse accepts, as the same day: every
// day of 1899–2101 and the strings around them.
func TestParseDateAgreesWithTimeParse(t *testing.T) {
	var cases []string
	for d := time.Date(1899, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() < 2102; d = d.AddDate(0, 0, 1) {
		cases = append(cases, d.Format(entitle.DateLayout))
	}
	for _, y := range []int{0, 1, 999, 1000, 2024, 2025, 9999} {
		for m := 0; m <= 13; m++ {
			for day := 0; day <= 32; day++ {
				cases = append(cases, fmt.Sprintf("%04d-%02d-%02d", y, m, day))
			}
		}
	}
	cases = append(cases, "2026-0a-01", "2026-01-0 ", "+026-01-01", "2026/01/01", "2026-01-001", "-2026-01-01", "20260101")
	for _, s := range cases {
		want, werr := time.Parse(entitle.DateLayout, s)
		d, err := entitle.ParseDate(s)
		switch {
		case werr != nil || want.IsZero():
			if err == nil {
				t.Errorf("ParseDate(%q) = %s, time.Parse refuses it", s, d)
			}
		case err != nil:
			t.Errorf("ParseDate(%q): %v, time.Parse gives %s", s, err, want)
		case !d.Time().Equal(want):
			t.Errorf("ParseDate(%q) = %s, time.Parse gives %s", s, d.Time(), want)
		}
	}
}

func TestDecimal(t *testing.T) {
	for _, ok := range []entitle.Decimal{"0", "120.00", "0.5", "999999999999999999.999999"} {
		if err := ok.Validate(); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []entitle.Decimal{"", "-1.00", "1e3", "01.0", "1.", ".5", "1,00", " 1", "1.1234567", "NaN"} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if got := entitle.Decimal("120.00").Times(3); got != "360.00" {
		t.Errorf("Times: %s", got)
	}
	if got := entitle.Decimal("0.10").Times(3); got != "0.30" { // exact, where float64 would give 0.30000000000000004
		t.Errorf("Times: %s", got)
	}
	if got := entitle.Sum("0.1", "0.20", "3"); got != "3.30" {
		t.Errorf("Sum: %s", got)
	}
	if long := entitle.Decimal(strings.Repeat("9", 10000)).Validate(); long == nil || len(long.Error()) > 200 {
		t.Errorf("a huge value makes a huge message: %d bytes", len(long.Error()))
	}
}

// fields lists the fields named by err's problems.
func fields(err error) []string {
	ps, _ := err.(entitle.Problems)
	var out []string
	for _, p := range ps {
		out = append(out, p.Field)
	}
	return out
}

func line(mut func(*entitle.Line)) entitle.Line {
	l := entitle.Line{Line: 1, SKU: "SKU-1", Quantity: 2, UnitPrice: "10.00", SubscriptionID: "S-1",
		StartDate: entitle.MustDate("2026-01-01"), EndDate: entitle.MustDate("2026-12-31")}
	if mut != nil {
		mut(&l)
	}
	return l
}

func order(mut func(*entitle.Order)) entitle.Order {
	o := entitle.Order{PONumber: "PO-1", MSA: "MSA-1", OrderDate: entitle.MustDate("2025-12-01"), Currency: "EUR",
		PurchasingEntity: "DIST", Owner: "CUST", Resellers: []string{"RES"}, Lines: []entitle.Line{line(nil)}}
	if mut != nil {
		mut(&o)
	}
	return o
}

func TestValidateNamesTheField(t *testing.T) {
	for name, tc := range map[string]struct {
		err  error
		want string
	}{
		"company key":          {entitle.Company{Key: "A B", Name: "x", Kind: "customer"}.Validate(), "key"},
		"company long key":     {entitle.Company{Key: strings.Repeat("K", 65), Name: "x", Kind: "customer"}.Validate(), "key"},
		"company name":         {entitle.Company{Key: "A", Name: " ", Kind: "customer"}.Validate(), "name"},
		"company kind":         {entitle.Company{Key: "A", Name: "x", Kind: "partner"}.Validate(), "kind"},
		"msa dates":            {entitle.MSA{Number: "M", Company: "C", Start: entitle.MustDate("2026-01-02"), End: entitle.MustDate("2026-01-01")}.Validate(), "end"},
		"msa start":            {entitle.MSA{Number: "M", Company: "C", End: entitle.MustDate("2026-01-01")}.Validate(), "start"},
		"order currency":       {order(func(o *entitle.Order) { o.Currency = "euro" }).Validate(), "currency"},
		"order no lines":       {order(func(o *entitle.Order) { o.Lines = nil }).Validate(), "lines"},
		"order reseller twice": {order(func(o *entitle.Order) { o.Resellers = []string{"R", "R"} }).Validate(), "resellers[1]"},
		"order bill_to":        {order(func(o *entitle.Order) { o.BillTo = &entitle.Address{Name: "x", Country: "France"} }).Validate(), "bill_to.country"},
		"order site":           {order(func(o *entitle.Order) { o.InstallationSite = &entitle.Address{} }).Validate(), "installation_site.name"},
		"line quantity":        {order(func(o *entitle.Order) { o.Lines[0].Quantity = 0 }).Validate(), "lines[0].quantity"},
		"line negative":        {order(func(o *entitle.Order) { o.Lines[0].Quantity = -3 }).Validate(), "lines[0].quantity"},
		"line price":           {order(func(o *entitle.Order) { o.Lines[0].UnitPrice = "12.5.0" }).Validate(), "lines[0].unit_price"},
		"line dates":           {order(func(o *entitle.Order) { o.Lines[0].EndDate = entitle.MustDate("2025-01-01") }).Validate(), "lines[0].end_date"},
		"line sku":             {order(func(o *entitle.Order) { o.Lines[0].SKU = "SKU/1" }).Validate(), "lines[0].sku"},
		"line number twice": {order(func(o *entitle.Order) {
			o.Lines = append(o.Lines, line(func(l *entitle.Line) { l.SubscriptionID = "S-2" }))
		}).Validate(), "lines[1].line"},
		"subscription twice": {order(func(o *entitle.Order) { o.Lines = append(o.Lines, line(func(l *entitle.Line) { l.Line = 2 })) }).Validate(), "lines[1].subscription_id"},
		"delegation to self": {entitle.Delegation{Owner: "A", Delegate: "A"}.Validate(), "delegate"},
		"delegation empty":   {entitle.Delegation{Owner: "A", Delegate: "B", SubscriptionIDs: []string{}}.Validate(), "subscription_ids"},
		"user email":         {entitle.User{Email: "Bob <bob@x.com>", Name: "Bob", Company: "A", Status: entitle.UserActive}.Validate(), "email"},
	} {
		if got := fields(tc.err); len(got) == 0 || got[0] != tc.want {
			t.Errorf("%s: fields %v, want %q first (%v)", name, got, tc.want, tc.err)
		}
	}
	if err := order(nil).Validate(); err != nil {
		t.Errorf("a valid order: %v", err)
	}
}

func TestStatusAndPartnerOfRecord(t *testing.T) {
	e := entitle.Entitlement{StartDate: entitle.MustDate("2026-01-01"), EndDate: entitle.MustDate("2026-12-31")}
	for day, want := range map[string]entitle.Status{"2025-12-31": entitle.StatusFuture, "2026-01-01": entitle.StatusActive,
		"2026-12-31": entitle.StatusActive, "2027-01-01": entitle.StatusExpired} {
		if got := e.StatusOn(entitle.MustDate(day)); got != want {
			t.Errorf("%s: %s, want %s (dates are inclusive)", day, got, want)
		}
	}
	if p := order(nil).PartnerOfRecord(); p != "RES" {
		t.Errorf("with a reseller: %q", p)
	}
	if p := order(func(o *entitle.Order) { o.Resellers = nil }).PartnerOfRecord(); p != "DIST" {
		t.Errorf("without a reseller: %q", p)
	}
	if p := order(func(o *entitle.Order) { o.Resellers = nil; o.PurchasingEntity = "CUST" }).PartnerOfRecord(); p != "" {
		t.Errorf("a direct purchase has no partner of record: %q", p)
	}
	if got := order(func(o *entitle.Order) { o.Lines[0].Quantity = 3; o.Lines[0].UnitPrice = "0.10" }).Total(); got != "0.30" {
		t.Errorf("total %s", got)
	}
}

func TestDelegationActive(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	d := entitle.Delegation{SubscriptionIDs: []string{"S-1"}}
	if !d.ActiveAt(now) || !d.Covers("S-1") || d.Covers("S-2") || d.All() {
		t.Error("a listed, open delegation")
	}
	d.ExpiresAt = now
	if d.ActiveAt(now) || !d.ActiveAt(now.Add(-time.Nanosecond)) {
		t.Error("expiry is the first instant it no longer works")
	}
	d.ExpiresAt, d.RevokedAt = time.Time{}, now
	if d.ActiveAt(now) || !d.ActiveAt(now.Add(-time.Second)) {
		t.Error("revocation works from its instant")
	}
	if !(entitle.Delegation{}).All() || !(entitle.Delegation{}).Covers("anything") {
		t.Error("an all-scope delegation covers everything of its owner")
	}
}

// catalog is an in-memory entitle.Catalog.
type catalog struct {
	companies map[string]entitle.Company
	msas      map[string]entitle.MSA
	orders    []entitle.Order
}

func (c catalog) Company(_ context.Context, k string) (entitle.Company, bool, error) {
	x, ok := c.companies[k]
	return x, ok, nil
}
func (c catalog) VendorKey(context.Context) (string, error) {
	for k, x := range c.companies {
		if x.Kind == entitle.KindVendor {
			return k, nil
		}
	}
	return "", nil
}
func (c catalog) MSA(_ context.Context, n string) (entitle.MSA, bool, error) {
	x, ok := c.msas[n]
	return x, ok, nil
}
func (c catalog) Order(_ context.Context, pe, po string) (entitle.Order, bool, error) {
	for _, o := range c.orders {
		if o.PurchasingEntity == pe && o.PONumber == po {
			return o, true, nil
		}
	}
	return entitle.Order{}, false, nil
}
func (c catalog) SubscriptionOrder(_ context.Context, sub string) (string, string, bool, error) {
	for _, o := range c.orders {
		for _, l := range o.Lines {
			if l.SubscriptionID == sub {
				return o.PurchasingEntity, o.PONumber, true, nil
			}
		}
	}
	return "", "", false, nil
}

func TestBatchValidate(t *testing.T) {
	recorded := catalog{
		companies: map[string]entitle.Company{"V": {Key: "V", Name: "Vendor", Kind: entitle.KindVendor}, "DIST": {Key: "DIST", Name: "D", Kind: "distributor"},
			"CUST": {Key: "CUST", Name: "C", Kind: "customer"}, "RES": {Key: "RES", Name: "R", Kind: "reseller"}},
		msas:   map[string]entitle.MSA{"MSA-1": {Number: "MSA-1", Company: "DIST", Start: entitle.MustDate("2025-01-01"), End: entitle.MustDate("2027-01-01")}},
		orders: []entitle.Order{order(nil)},
	}
	src := func(o entitle.Order, ln int) entitle.Sourced[entitle.Order] {
		return entitle.Sourced[entitle.Order]{File: "f.jsonl", Line: ln, Record: o}
	}
	for name, tc := range map[string]struct {
		b    entitle.Batch
		want []string // "line field" of each problem
	}{
		"identical re-import": {entitle.Batch{Orders: []entitle.Sourced[entitle.Order]{src(order(nil), 1)}}, nil},
		"same PO, other PE": {entitle.Batch{Orders: []entitle.Sourced[entitle.Order]{src(order(func(o *entitle.Order) {
			o.PurchasingEntity, o.Lines[0].SubscriptionID = "RES", "S-9"
		}), 1)}}, []string{"1 msa"}},
		"changed order": {entitle.Batch{Orders: []entitle.Sourced[entitle.Order]{src(order(func(o *entitle.Order) { o.Currency = "USD" }), 3)}}, []string{"3 po_number"}},
		"sub taken":     {entitle.Batch{Orders: []entitle.Sourced[entitle.Order]{src(order(func(o *entitle.Order) { o.PONumber = "PO-2" }), 2)}}, []string{"2 lines[0].subscription_id"}},
		"unknown parties": {entitle.Batch{Orders: []entitle.Sourced[entitle.Order]{src(order(func(o *entitle.Order) {
			o.PONumber, o.Owner, o.Installers, o.Lines[0].SubscriptionID = "PO-3", "X", []string{"Y"}, "S-3"
		}), 1)}}, []string{"1 owner", "1 installers[0]"}},
		"msa not in force": {entitle.Batch{Orders: []entitle.Sourced[entitle.Order]{src(order(func(o *entitle.Order) {
			o.PONumber, o.OrderDate, o.Lines[0].SubscriptionID = "PO-4", entitle.MustDate("2030-01-01"), "S-4"
		}), 1)}}, []string{"1 order_date"}},
		"second vendor":  {entitle.Batch{Companies: []entitle.Sourced[entitle.Company]{{Line: 5, Record: entitle.Company{Key: "W", Name: "W", Kind: entitle.KindVendor}}}}, []string{"5 kind"}},
		"vendor demoted": {entitle.Batch{Companies: []entitle.Sourced[entitle.Company]{{Line: 1, Record: entitle.Company{Key: "V", Name: "Vendor", Kind: entitle.KindCustomer}}}}, []string{"1 kind"}},
		"duplicates in file": {entitle.Batch{
			Companies: []entitle.Sourced[entitle.Company]{{Line: 1, Record: entitle.Company{Key: "N", Name: "N", Kind: "customer"}}, {Line: 2, Record: entitle.Company{Key: "N", Name: "N", Kind: "customer"}}},
			Orders: []entitle.Sourced[entitle.Order]{
				src(order(func(o *entitle.Order) { o.PONumber, o.Lines[0].SubscriptionID = "PO-5", "S-5" }), 3),
				src(order(func(o *entitle.Order) { o.PONumber, o.Lines[0].SubscriptionID = "PO-6", "S-5" }), 4),
				src(order(func(o *entitle.Order) { o.PONumber, o.Lines[0].SubscriptionID = "PO-5", "S-7" }), 5),
			}}, []string{"2 key", "4 lines[0].subscription_id", "5 po_number"}},
		"msa of another company": {entitle.Batch{MSAs: []entitle.Sourced[entitle.MSA]{{Line: 1, Record: entitle.MSA{Number: "MSA-1", Company: "RES",
			Start: entitle.MustDate("2025-01-01"), End: entitle.MustDate("2027-01-01")}}}}, []string{"1 company"}},
		"csv row": {entitle.Batch{Orders: []entitle.Sourced[entitle.Order]{{File: "o.csv", Line: 2, Rows: []int{2, 3}, Record: order(func(o *entitle.Order) {
			o.PONumber, o.BillTo = "PO-7", &entitle.Address{Name: "B", Country: "fr"}
			o.Lines[0].SubscriptionID = "S-8"
			o.Lines = append(o.Lines, line(func(l *entitle.Line) { l.Line, l.SubscriptionID, l.Quantity = 2, "S-9", 0 }))
		})}}}, []string{"2 bill_to_country", "3 quantity"}},
	} {
		ps, err := tc.b.Validate(context.Background(), recorded)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range ps {
			got = append(got, strings.TrimSpace(strings.Join([]string{strconv.Itoa(p.Line), p.Field}, " ")))
		}
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%s: problems %q, want %q\n%v", name, got, tc.want, ps)
		}
	}
}

func TestCheckPlainEmail(t *testing.T) {
	for _, ok := range []string{"bob@example.com", " Bob.Smith+tag@Mail.Example.co.uk ", "a@b.io", "o'neil@x-y.example"} {
		if err := entitle.CheckPlainEmail(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "bob", "bob@", "@x.com", "a b@x.com", "Bob <bob@x.com>", "bob@x.com (Bob)", `"bob"@x.com`,
		"bob@[127.0.0.1]", "bob@127.0.0.1", "bob@x.com.", "bob@x", "bob@x..com", "bob@-x.com", ".bob@x.com", "bo..b@x.com",
		"bob@x.com\r\nBcc: eve@y.com", "bob@x.com, eve@y.com", "bob@x.com;eve@y.com", strings.Repeat("a", 250) + "@x.com", "bob@exa_mple.com"} {
		if err := entitle.CheckPlainEmail(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestNormalizeEmail: trimmed, ASCII lower-cased, nothing else — a refused
// address does not become an accepted one (found by FuzzEmail: Unicode
// lower-casing turns the Kelvin sign and a dotted capital I into ASCII).
func TestNormalizeEmail(t *testing.T) {
	for in, want := range map[string]string{
		" Bob.Smith@Mail.Example.COM\t": "bob.smith@mail.example.com",
		"\u212Aate@x.com":               "\u212Aate@x.com",
		"\u0130@x.com":                  "\u0130@x.com",
		"\xff@X.com":                    "\xff@x.com",
	} {
		if got := entitle.NormalizeEmail(in); got != want {
			t.Errorf("NormalizeEmail(%q) = %q, want %q", in, got, want)
		}
		if (entitle.CheckPlainEmail(in) == nil) != (entitle.CheckPlainEmail(want) == nil) {
			t.Errorf("%q and its normal form %q are not both accepted or both refused", in, want)
		}
	}
}

func TestPartnerOfRecord(t *testing.T) {
	ra := func(role entitle.Role, co string) entitle.RoleAssignment {
		return entitle.RoleAssignment{Role: role, Company: co}
	}
	for _, tc := range []struct {
		name    string
		roles   []entitle.RoleAssignment
		owner   string
		partner string
	}{
		{"the reseller", []entitle.RoleAssignment{ra(entitle.RolePurchasingEntity, "DIST"), ra(entitle.RoleOwner, "CUST"), ra(entitle.RoleReseller, "RES")}, "CUST", "RES"},
		{"the first of several resellers", []entitle.RoleAssignment{ra(entitle.RoleReseller, "R1"), ra(entitle.RolePurchasingEntity, "DIST"), ra(entitle.RoleReseller, "R2")}, "CUST", "R1"},
		{"no reseller: the purchasing entity", []entitle.RoleAssignment{ra(entitle.RolePurchasingEntity, "DIST"), ra(entitle.RoleOwner, "CUST"), ra(entitle.RoleInstaller, "MSP")}, "CUST", "DIST"},
		{"a direct purchase has none", []entitle.RoleAssignment{ra(entitle.RolePurchasingEntity, "CUST"), ra(entitle.RoleOwner, "CUST"), ra(entitle.RoleInstaller, "MSP")}, "CUST", ""},
		{"a reseller on a direct purchase", []entitle.RoleAssignment{ra(entitle.RolePurchasingEntity, "CUST"), ra(entitle.RoleOwner, "CUST"), ra(entitle.RoleReseller, "RES")}, "CUST", "RES"},
		{"no roles", nil, "CUST", ""},
	} {
		got, ok := entitle.PartnerOfRecord(tc.roles, tc.owner)
		if got != tc.partner || ok != (tc.partner != "") {
			t.Errorf("%s: %q %v, want %q", tc.name, got, ok, tc.partner)
		}
	}
}

func TestPlusPercent(t *testing.T) {
	for _, tc := range []struct{ d, pct, want entitle.Decimal }{
		{"120.00", "10", "132.00"},
		{"120", "10", "132.00"},
		{"99.99", "12.5", "112.49"}, // 112.48875 rounds up
		{"0.05", "10", "0.06"},      // 0.055: half away from zero
		{"1000", "0", "1000.00"},
	} {
		if got := tc.d.PlusPercent(tc.pct); got != tc.want {
			t.Errorf("%s + %s%% = %s, want %s", tc.d, tc.pct, got, tc.want)
		}
	}
}
