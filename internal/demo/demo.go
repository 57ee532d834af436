package demo

import (
	"maps"
	"slices"
	"time"

	"github.com/entitle-portal/entitle"
)

// Password is the password of every demo user. It is printed for newcomers to
// log in and must never be used outside a demonstration.
const Password = "schnell-demo-2026"

// User is a demo user with the password printed for newcomers to log in.
type User struct {
	entitle.User        // Email, Name, Company (key), Admin, Status active
	Password     string // always [Password]: every demo user shares it
	Role         string // what this login shows, e.g. "reseller member (entitlement info only)"
}

// Channel is the whole demo channel: what an import would carry, plus the
// users and the delegations the owners granted.
type Channel struct {
	Batch       entitle.Batch        // companies, MSAs, the price list, orders (Sourced.Line 0: not from a file)
	Users       []User               // first user of each company is its admin
	Delegations []entitle.Delegation // IDs DLG-DEMO-1…; granted by an owner admin before today
	Profiles    []Profile            // how partners are reached; which are in the partner directory
	// AccessRequests are open access requests (their links' secrets are
	// made when seeded, and shown to nobody: the demo's sent box is not
	// empty; a walk-through makes its own).
	AccessRequests []entitle.AccessRequest
}

// Profile is a company's profile as its administrators would keep it.
type Profile struct {
	Company                             string
	ContactEmail, ContactPhone, Website string
	Listed                              bool
}

// VendorKey is the demo vendor's company key.
const VendorKey = vendor

// Company keys of the demo channel.
const (
	vendor     = "SCHNELL"
	norrvik    = "NORRVIK-DIST"
	tamberlin  = "TAMBERLIN-DIST"
	kesselbach = "KESSELBACH-RES"
	ridgeford  = "RIDGEFORD-RES"
	bellerive  = "BELLERIVE-RES"
	vanterpool = "VANTERPOOL-MSP"
	ashcombe   = "ASHCOMBE-CONS"
	grauwald   = "CUST-GRAUWALD"
	haverlock  = "CUST-HAVERLOCK"
	pellham    = "CUST-PELLHAM"
	orsolini   = "CUST-ORSOLINI"
	fjordby    = "CUST-FJORDBY"
	corrie     = "CUST-CORRIEBRACK"
	quillfield = "CUST-QUILLFIELD"
)

// The users Logins returns, in the order it returns them.
var loginEmails = []string{
	"greta.hoffmann@schnellwerk.example",
	"sofia.lindqvist@norrvik.example",
	"mira.vogt@kesselbach.example",
	"katharina.brunner@grauwald.example",
	"rhys.morgan@haverlock.example",
	"lotte.bakker@vanterpool.example",
	"eleanor.whitfield@ashcombe.example",
	"nadia.quinn@quillfield.example",
}

// skus describes the vendor's price list: SKU → description.
var skus = map[string]string{
	"RKM-DCIM-STD-1Y":  "Rackmind DCIM Standard, 1-year subscription, per 100 racks",
	"RKM-DCIM-PRO-1Y":  "Rackmind DCIM Pro, 1-year subscription, per 100 racks",
	"RKM-DCIM-ENT-1Y":  "Rackmind DCIM Enterprise, 1-year subscription, per 100 racks",
	"RKM-CFD-ADD-1Y":   "Rackmind cooling and CFD simulation add-on, 1-year subscription, per site",
	"GRD-SCADA-STD-3Y": "Gridwarden SCADA Standard, 3-year subscription, per server",
	"GRD-TAG1K-3Y":     "Gridwarden 1,000-tag pack, 3-year subscription",
	"GRD-HIST-3Y":      "Gridwarden Historian, 3-year subscription, per server",
	"FLX-STD-1Y":       "Flux Energy Suite Standard, 1-year subscription, per site",
	"FLX-ENT-1Y":       "Flux Energy Suite Enterprise, 1-year subscription, per site",
	"SUP-PREM-1Y":      "Premium Support, 1 year, 24x7, per contract",
	"ACA-LEARN-1Y":     "Schnellwerk Academy online learning, 1-year subscription, per learner",
}

// builder places dates relative to today.
type builder struct {
	today entitle.Date
}

// term is the start and end date of an entitlement.
type term struct{ start, end entitle.Date }

// from is a term of n years (365 days each) starting days after today
// (before today when days is negative).
func (b builder) from(days, years int) term {
	s := b.today.AddDays(days)
	return term{s, s.AddDays(365*years - 1)}
}

// until is a term of n years ending days after today.
func (b builder) until(days, years int) term {
	e := b.today.AddDays(days)
	return term{e.AddDays(-365*years + 1), e}
}

// line returns order line n.
func line(n int, sub, sku string, qty int64, price string, t term) entitle.Line {
	return entitle.Line{
		Line: n, SKU: sku, Description: skus[sku], Quantity: qty,
		UnitPrice: entitle.Decimal(price), SubscriptionID: sub,
		StartDate: t.start, EndDate: t.end,
	}
}

// partnerPrices is the vendor's partner price list in EUR; GBP and USD
// prices follow from it.
var partnerPrices = map[string]entitle.Decimal{
	"RKM-DCIM-STD-1Y": "1650.00", "RKM-DCIM-PRO-1Y": "2350.00", "RKM-DCIM-ENT-1Y": "3400.00",
	"RKM-CFD-ADD-1Y": "3900.00", "GRD-SCADA-STD-3Y": "5200.00", "GRD-TAG1K-3Y": "1450.00",
	"GRD-HIST-3Y": "2900.00", "FLX-STD-1Y": "980.00", "FLX-ENT-1Y": "1890.00",
	"SUP-PREM-1Y": "4800.00", "ACA-LEARN-1Y": "240.00",
}

// profiles are the partners' contacts; the resellers, the MSP and one
// distributor are listed in the partner directory.
var profiles = []Profile{
	{Company: norrvik, ContactEmail: "partner.sales@norrvik.example", ContactPhone: "+46 8 555 018 00", Website: "https://norrvik.example"},
	{Company: tamberlin, ContactEmail: "renewals@tamberlin.example", ContactPhone: "+44 118 496 0321", Website: "https://tamberlin.example", Listed: true},
	{Company: kesselbach, ContactEmail: "vertrieb@kesselbach.example", ContactPhone: "+49 40 555 2230", Website: "https://kesselbach.example", Listed: true},
	{Company: ridgeford, ContactEmail: "sales@ridgeford.example", ContactPhone: "+1 614 555 0142", Website: "https://ridgeford.example", Listed: true},
	{Company: bellerive, ContactEmail: "contact@bellerive.example", ContactPhone: "+33 4 72 55 01 90", Listed: true},
	{Company: vanterpool, ContactEmail: "service@vanterpool.example", Website: "https://vanterpool.example", Listed: true},
	{Company: vendor, ContactEmail: "sales@schnellwerk.example", ContactPhone: "+49 89 555 7000", Website: "https://schnellwerk.example"},
}

// Bill-to addresses of the purchasing entities.
var billTo = map[string]entitle.Address{
	norrvik:    {Name: "Norrvik Distribution AB, Accounts Payable", Address: "Hamngatan 18, 111 47 Stockholm", Country: "SE"},
	tamberlin:  {Name: "Tamberlin Distribution Ltd, Finance", Address: "4 Kingsway Business Park, Reading RG2 6UB", Country: "GB"},
	kesselbach: {Name: "Kesselbach Systemhaus GmbH, Buchhaltung", Address: "Hafenstrasse 22, 20457 Hamburg", Country: "DE"},
	ridgeford:  {Name: "Ridgeford Systems Inc., Accounts Payable", Address: "1800 Lakeshore Drive, Suite 400, Columbus, OH 43215", Country: "US"},
	haverlock:  {Name: "Haverlock Data Centres plc, Accounts Payable", Address: "120 Bath Road, Slough SL1 3XE", Country: "GB"},
}

// Installation sites of the owners.
var (
	siteGrauwaldInnsbruck = entitle.Address{Name: "Grauwald Klinikum Innsbruck, server room B", Address: "Anichstrasse 35, 6020 Innsbruck", Country: "AT"}
	siteGrauwaldSalzburg  = entitle.Address{Name: "Grauwald Klinik Salzburg, east wing", Address: "Muellner Hauptstrasse 48, 5020 Salzburg", Country: "AT"}
	siteFjordby           = entitle.Address{Name: "Fjordby Forsyning, control centre", Address: "Havnevej 7, 9000 Aalborg", Country: "DK"}
	siteOrsoliniLyon      = entitle.Address{Name: "Orsolini Farmaceutici, site de Lyon-Gerland", Address: "12 rue Jean Baldassini, 69007 Lyon", Country: "FR"}
	siteOrsoliniMilano    = entitle.Address{Name: "Orsolini Farmaceutici, stabilimento di Milano", Address: "Via Pietro Mascagni 14, 20122 Milano", Country: "IT"}
	siteOrsoliniFrankfurt = entitle.Address{Name: "Orsolini Farmaceutici, Labor Frankfurt", Address: "Industriepark 9, 65929 Frankfurt am Main", Country: "DE"}
	siteHaverlockLON2     = entitle.Address{Name: "Haverlock LON2 data centre", Address: "14 Edison Road, Slough SL1 4QP", Country: "GB"}
	siteHaverlockMAN1     = entitle.Address{Name: "Haverlock MAN1 data centre", Address: "Westinghouse Road, Trafford Park, Manchester M17 1PY", Country: "GB"}
	siteHaverlockPAR1     = entitle.Address{Name: "Haverlock PAR1 data centre", Address: "21 avenue des Entrepreneurs, 93200 Saint-Denis", Country: "FR"}
	sitePellham           = entitle.Address{Name: "Pellham Valley University, Facilities Operations", Address: "500 College Avenue, Pellham, PA 18501", Country: "US"}
	siteCorrieSavannah    = entitle.Address{Name: "Corriebrack Cold Chain, Savannah warehouse", Address: "2200 Port Road, Savannah, GA 31408", Country: "US"}
	siteCorrieRotterdam   = entitle.Address{Name: "Corriebrack Cold Chain, Rotterdam hub", Address: "Distripark Maasvlakte 3, 3199 LH Rotterdam", Country: "NL"}
)

// New builds the channel with dates relative to today (so statuses
// future/active/expired and "expires in N days" look alive whatever the day).
// The same today always gives the same channel.
func New(today entitle.Date) Channel {
	b := builder{today}
	var c Channel

	for _, co := range []entitle.Company{
		{Key: vendor, Name: "Schnellwerk Software GmbH", Kind: entitle.KindVendor},
		{Key: norrvik, Name: "Norrvik Distribution AB", Kind: entitle.KindDistributor},
		{Key: tamberlin, Name: "Tamberlin Distribution Ltd", Kind: entitle.KindDistributor},
		{Key: kesselbach, Name: "Kesselbach Systemhaus GmbH", Kind: entitle.KindReseller},
		{Key: ridgeford, Name: "Ridgeford Systems Inc.", Kind: entitle.KindReseller},
		{Key: bellerive, Name: "Bellerive Facility Solutions SARL", Kind: entitle.KindReseller},
		{Key: vanterpool, Name: "Vanterpool Managed Services B.V.", Kind: entitle.KindMSP},
		{Key: ashcombe, Name: "Ashcombe Energy Advisors Ltd", Kind: entitle.KindMSP},
		{Key: grauwald, Name: "Grauwald Kliniken AG", Kind: entitle.KindCustomer},
		{Key: haverlock, Name: "Haverlock Data Centres plc", Kind: entitle.KindCustomer},
		{Key: pellham, Name: "Pellham Valley University", Kind: entitle.KindCustomer},
		{Key: orsolini, Name: "Orsolini Farmaceutici S.p.A.", Kind: entitle.KindCustomer},
		{Key: fjordby, Name: "Fjordby Forsyning A/S", Kind: entitle.KindCustomer},
		{Key: corrie, Name: "Corriebrack Cold Chain Ltd", Kind: entitle.KindCustomer},
		{Key: quillfield, Name: "Quillfield Logistics Ltd", Kind: entitle.KindCustomer},
	} {
		c.Batch.Companies = append(c.Batch.Companies, entitle.Sourced[entitle.Company]{Record: co})
	}

	// One MSA per purchasing entity, on calendar years around today: each
	// starts at least four years ago and runs past today, so it is in force
	// on every order date (the oldest order is three years old).
	year := today.Time().Year()
	jan1 := func(y int) entitle.Date { return entitle.DateOf(time.Date(y, time.January, 1, 0, 0, 0, 0, time.UTC)) }
	dec31 := func(y int) entitle.Date { return entitle.DateOf(time.Date(y, time.December, 31, 0, 0, 0, 0, time.UTC)) }
	for _, m := range []entitle.MSA{
		{Number: "MSA-1407", Company: norrvik, Start: jan1(year - 5), End: dec31(year + 2)},
		{Number: "MSA-2031", Company: tamberlin, Start: jan1(year - 4), End: dec31(year + 1)},
		{Number: "MSA-3008", Company: kesselbach, Start: jan1(year - 4), End: dec31(year + 2)},
		{Number: "MSA-3019", Company: ridgeford, Start: jan1(year - 4), End: dec31(year + 1)},
		{Number: "MSA-4002", Company: haverlock, Start: jan1(year - 4), End: dec31(year + 3)},
	} {
		c.Batch.MSAs = append(c.Batch.MSAs, entitle.Sourced[entitle.MSA]{Record: m})
	}
	msaOf := map[string]string{}
	for _, m := range c.Batch.MSAs {
		msaOf[m.Record.Company] = m.Record.Number
	}

	addr := func(a entitle.Address) *entitle.Address { return &a }
	order := func(pe, po string, ordered int, currency, owner string, resellers, installers []string, site entitle.Address, lines ...entitle.Line) {
		bt := billTo[pe]
		c.Batch.Orders = append(c.Batch.Orders, entitle.Sourced[entitle.Order]{Record: entitle.Order{
			PONumber: po, MSA: msaOf[pe], OrderDate: today.AddDays(ordered), Currency: currency,
			PurchasingEntity: pe, Owner: owner, Resellers: resellers, Installers: installers,
			BillTo: addr(bt), InstallationSite: addr(site), Lines: lines,
		}})
	}
	list := func(keys ...string) []string { return keys }

	// Norrvik (distributor) with Kesselbach (reseller) for Grauwald, installed
	// by Vanterpool: last year's DCIM, now expired, and its renewal.
	order(norrvik, "4500017350", -400, "EUR", grauwald, list(kesselbach), list(vanterpool), siteGrauwaldInnsbruck,
		line(1, "SUB-310001", "RKM-DCIM-PRO-1Y", 4, "2400.00", b.from(-380, 1)),
		line(2, "SUB-310002", "RKM-CFD-ADD-1Y", 1, "3900.00", b.from(-380, 1)))
	order(norrvik, "4500019822", -30, "EUR", grauwald, list(kesselbach), list(vanterpool), siteGrauwaldInnsbruck,
		line(1, "SUB-310101", "RKM-DCIM-PRO-1Y", 5, "2350.00", b.from(-15, 1)),
		line(2, "SUB-310102", "RKM-CFD-ADD-1Y", 1, "3900.00", b.from(-15, 1)),
		line(3, "SUB-310103", "SUP-PREM-1Y", 1, "4800.00", b.from(-15, 1)))
	// A new wing opening soon: future entitlements, no installer named.
	order(norrvik, "4500020410", -20, "EUR", grauwald, list(kesselbach), nil, siteGrauwaldSalzburg,
		line(1, "SUB-310201", "FLX-ENT-1Y", 3, "1850.00", b.from(40, 1)),
		line(2, "SUB-310202", "ACA-LEARN-1Y", 10, "290.00", b.from(40, 1)))
	// Kesselbach (reseller) placing a PO directly: partner of record is the
	// purchasing entity.
	order(kesselbach, "KB-0113", -715, "EUR", grauwald, nil, nil, siteGrauwaldInnsbruck,
		line(1, "SUB-320001", "GRD-SCADA-STD-3Y", 2, "9600.00", b.from(-700, 3)),
		line(2, "SUB-320002", "GRD-TAG1K-3Y", 5, "1450.00", b.from(-700, 3)))
	// Norrvik selling to Fjordby without a reseller, Vanterpool installing:
	// SCADA ending within 60 days, support ending within 30.
	order(norrvik, "4500018004", -1065, "EUR", fjordby, nil, list(vanterpool), siteFjordby,
		line(1, "SUB-310301", "GRD-SCADA-STD-3Y", 1, "9800.00", b.until(44, 3)),
		line(2, "SUB-310302", "GRD-TAG1K-3Y", 8, "1500.00", b.until(44, 3)),
		line(3, "SUB-310303", "GRD-HIST-3Y", 1, "5200.00", b.until(44, 3)))
	order(norrvik, "4500021177", -370, "EUR", fjordby, nil, list(vanterpool), siteFjordby,
		line(1, "SUB-310401", "SUP-PREM-1Y", 1, "4800.00", b.until(12, 1)),
		line(2, "SUB-310402", "FLX-STD-1Y", 2, "780.00", b.until(12, 1)))
	// Tamberlin with Bellerive, which resells AND installs (two roles on one
	// order), for Orsolini's Lyon site: ending within 90 days.
	order(tamberlin, "TD-88213", -300, "EUR", orsolini, list(bellerive), list(bellerive), siteOrsoliniLyon,
		line(1, "SUB-330001", "FLX-ENT-1Y", 6, "1800.00", b.until(80, 1)),
		line(2, "SUB-330002", "RKM-DCIM-STD-1Y", 2, "1200.00", b.until(80, 1)))
	order(tamberlin, "TD-90544", -200, "EUR", orsolini, list(bellerive), list(bellerive), siteOrsoliniLyon,
		line(1, "SUB-330101", "GRD-SCADA-STD-3Y", 1, "9600.00", b.from(-185, 3)),
		line(2, "SUB-330102", "GRD-TAG1K-3Y", 3, "1450.00", b.from(-185, 3)))
	// Tamberlin for Haverlock, before Haverlock bought direct: expired.
	order(tamberlin, "TD-87102", -520, "GBP", haverlock, nil, list(vanterpool), siteHaverlockLON2,
		line(1, "SUB-330201", "RKM-DCIM-ENT-1Y", 10, "1650.00", b.from(-500, 1)))
	// Haverlock buying direct under its own MSA (purchasing entity = owner,
	// no partner of record). Its PO number 4500017350 is also a Norrvik PO.
	order(haverlock, "4500017350", -150, "GBP", haverlock, nil, nil, siteHaverlockLON2,
		line(1, "SUB-340001", "RKM-DCIM-ENT-1Y", 12, "1890.00", b.from(-135, 1)),
		line(2, "SUB-340002", "RKM-CFD-ADD-1Y", 2, "4450.00", b.from(-135, 1)),
		line(3, "SUB-340003", "SUP-PREM-1Y", 1, "5500.00", b.from(-135, 1)))
	order(haverlock, "4500018120", -5, "GBP", haverlock, nil, nil, siteHaverlockMAN1,
		line(1, "SUB-340101", "RKM-DCIM-ENT-1Y", 4, "1890.00", b.from(25, 1)))
	// Ridgeford (reseller) placing POs directly for Pellham: expired,
	// ending within 60 days, and one where it also installs.
	order(ridgeford, "RPS-10457", -815, "USD", pellham, nil, nil, sitePellham,
		line(1, "SUB-350001", "FLX-ENT-1Y", 1, "19500.00", b.from(-800, 1)),
		line(2, "SUB-350002", "ACA-LEARN-1Y", 20, "320.00", b.from(-800, 1)))
	order(ridgeford, "RPS-11032", -320, "USD", pellham, nil, nil, sitePellham,
		line(1, "SUB-350101", "FLX-ENT-1Y", 1, "19900.00", b.until(58, 1)),
		line(2, "SUB-350102", "ACA-LEARN-1Y", 25, "320.00", b.until(58, 1)))
	order(ridgeford, "RPS-11240", -250, "USD", pellham, nil, list(ridgeford), sitePellham,
		line(1, "SUB-350201", "GRD-SCADA-STD-3Y", 1, "11200.00", b.from(-230, 3)),
		line(2, "SUB-350202", "GRD-HIST-3Y", 1, "6100.00", b.from(-230, 3)))
	order(ridgeford, "RPS-11388", -12, "USD", corrie, nil, nil, siteCorrieSavannah,
		line(1, "SUB-350301", "RKM-DCIM-STD-1Y", 1, "1400.00", b.from(10, 1)))
	// Tamberlin with Ridgeford for Corriebrack's US warehouse, and with
	// Kesselbach for its Rotterdam hub (ending within 30 days).
	order(tamberlin, "TD-91630", -190, "USD", corrie, list(ridgeford), nil, siteCorrieSavannah,
		line(1, "SUB-330301", "FLX-STD-1Y", 4, "820.00", b.from(-170, 1)),
		line(2, "SUB-330302", "ACA-LEARN-1Y", 5, "320.00", b.from(-170, 1)))
	order(tamberlin, "TD-92011", -345, "EUR", corrie, list(kesselbach), list(vanterpool), siteCorrieRotterdam,
		line(1, "SUB-330401", "FLX-ENT-1Y", 2, "1800.00", b.until(27, 1)))
	// Kesselbach directly for Orsolini's Frankfurt lab: expired.
	order(kesselbach, "KB-0987", -440, "EUR", orsolini, nil, nil, siteOrsoliniFrankfurt,
		line(1, "SUB-320101", "RKM-DCIM-STD-1Y", 1, "1200.00", b.from(-425, 1)))
	// Norrvik with Kesselbach for Orsolini's Milan plant: ending within 90 days.
	order(norrvik, "4500022301", -280, "EUR", orsolini, list(kesselbach), list(vanterpool), siteOrsoliniMilano,
		line(1, "SUB-310501", "FLX-STD-1Y", 3, "780.00", b.until(88, 1)),
		line(2, "SUB-310502", "ACA-LEARN-1Y", 6, "290.00", b.until(88, 1)))
	// Tamberlin with Bellerive for Haverlock's Paris data centre.
	order(tamberlin, "TD-93307", -45, "EUR", haverlock, list(bellerive), list(vanterpool), siteHaverlockPAR1,
		line(1, "SUB-330501", "RKM-DCIM-ENT-1Y", 6, "1750.00", b.from(-30, 1)),
		line(2, "SUB-330502", "RKM-CFD-ADD-1Y", 1, "4100.00", b.from(-30, 1)),
		line(3, "SUB-330503", "SUP-PREM-1Y", 1, "5200.00", b.from(-30, 1)))

	// Users: the first of each company is its administrator.
	user := func(email, name, company string, admin bool, role string) {
		c.Users = append(c.Users, User{
			User:     entitle.User{Email: email, Name: name, Company: company, Admin: admin, Status: entitle.UserActive},
			Password: Password,
			Role:     role,
		})
	}
	user("greta.hoffmann@schnellwerk.example", "Greta Hoffmann", vendor, true, "vendor admin (sees everything)")
	user("tobias.reinhardt@schnellwerk.example", "Tobias Reinhardt", vendor, false, "vendor member (sees everything)")
	user("leonie.brandt@schnellwerk.example", "Leonie Brandt", vendor, false, "vendor member (sees everything)")
	user("sofia.lindqvist@norrvik.example", "Sofia Lindqvist", norrvik, true, "distributor admin (purchasing entity on its POs: order details, lookup by PO)")
	user("erik.nyberg@norrvik.example", "Erik Nyberg", norrvik, false, "distributor member (purchasing entity)")
	user("oliver.bennett@tamberlin.example", "Oliver Bennett", tamberlin, true, "distributor admin (purchasing entity)")
	user("priya.shah@tamberlin.example", "Priya Shah", tamberlin, false, "distributor member (purchasing entity)")
	user("hannah.cole@tamberlin.example", "Hannah Cole", tamberlin, false, "distributor member (purchasing entity)")
	user("jonas.keller@kesselbach.example", "Jonas Keller", kesselbach, true, "reseller admin (reseller on distributor POs, purchasing entity on its own)")
	user("mira.vogt@kesselbach.example", "Mira Vogt", kesselbach, false, "reseller member (entitlement info only on distributor POs; order details on its own POs)")
	user("marcus.reed@ridgeford.example", "Marcus Reed", ridgeford, true, "reseller admin (purchasing entity and installer on RPS-11240)")
	user("alicia.romero@ridgeford.example", "Alicia Romero", ridgeford, false, "reseller member (purchasing entity on its own POs)")
	user("camille.durand@bellerive.example", "Camille Durand", bellerive, true, "reseller admin (reseller and installer on one order)")
	user("lotte.bakker@vanterpool.example", "Lotte Bakker", vanterpool, true, "MSP admin (installer; delegate of everything CUST-GRAUWALD owns)")
	user("daan.visser@vanterpool.example", "Daan Visser", vanterpool, false, "MSP member (installer)")
	user("eleanor.whitfield@ashcombe.example", "Eleanor Whitfield", ashcombe, true, "delegate (sees the two subscriptions CUST-ORSOLINI delegated)")
	user("katharina.brunner@grauwald.example", "Katharina Brunner", grauwald, true, "customer admin (owner: owner & location, grants delegations)")
	user("felix.gruber@grauwald.example", "Felix Gruber", grauwald, false, "customer member (owner)")
	user("anna.steiner@grauwald.example", "Anna Steiner", grauwald, false, "customer member (owner)")
	user("amelia.hughes@haverlock.example", "Amelia Hughes", haverlock, true, "customer admin (owner; purchasing entity of its direct POs)")
	user("rhys.morgan@haverlock.example", "Rhys Morgan", haverlock, false, "customer member (owner; direct purchases: order details too)")
	user("david.kim@pellham.example", "David Kim", pellham, true, "customer admin (owner)")
	user("grace.okafor@pellham.example", "Grace Okafor", pellham, false, "customer member (owner)")
	user("giulia.ferri@orsolini.example", "Giulia Ferri", orsolini, true, "customer admin (owner; granted a listed delegation)")
	user("luca.moretti@orsolini.example", "Luca Moretti", orsolini, false, "customer member (owner)")
	user("mette.larsen@fjordby.example", "Mette Larsen", fjordby, true, "customer admin (owner; revoked a delegation)")
	user("sean.murphy@corriebrack.example", "Sean Murphy", corrie, true, "customer admin (owner)")
	user("aoife.byrne@corriebrack.example", "Aoife Byrne", corrie, false, "customer member (owner)")
	user("nadia.quinn@quillfield.example", "Nadia Quinn", quillfield, true, "outsider (a company with no orders: sees nothing)")

	// Delegations, granted (and one revoked) in the office hours of days
	// before today.
	at := func(days, hour, minute int) time.Time {
		return today.Time().AddDate(0, 0, days).Add(time.Duration(hour)*time.Hour + time.Duration(minute)*time.Minute)
	}
	c.Delegations = []entitle.Delegation{
		{ID: "DLG-DEMO-1", Owner: orsolini, Delegate: ashcombe,
			SubscriptionIDs: []string{"SUB-310501", "SUB-330001"},
			ExpiresAt:       at(90, 0, 0),
			CreatedAt:       at(-14, 10, 15), CreatedBy: "giulia.ferri@orsolini.example"},
		{ID: "DLG-DEMO-2", Owner: grauwald, Delegate: vanterpool,
			CreatedAt: at(-200, 9, 30), CreatedBy: "katharina.brunner@grauwald.example"},
		{ID: "DLG-DEMO-3", Owner: haverlock, Delegate: kesselbach,
			SubscriptionIDs: []string{"SUB-340001", "SUB-340003"},
			ExpiresAt:       at(-10, 0, 0),
			CreatedAt:       at(-60, 14, 5), CreatedBy: "amelia.hughes@haverlock.example"},
		{ID: "DLG-DEMO-4", Owner: fjordby, Delegate: ashcombe,
			CreatedAt: at(-120, 11, 0), CreatedBy: "mette.larsen@fjordby.example",
			RevokedAt: at(-7, 16, 40), RevokedBy: "mette.larsen@fjordby.example"},
	}
	for _, sku := range slices.Sorted(maps.Keys(partnerPrices)) {
		eur := partnerPrices[sku]
		for _, p := range []entitle.Price{
			{SKU: sku, Currency: "EUR", PartnerPrice: eur},
			{SKU: sku, Currency: "GBP", PartnerPrice: eur.PlusPercent("-14")},
			{SKU: sku, Currency: "USD", PartnerPrice: eur.PlusPercent("8")},
		} {
			c.Batch.Prices = append(c.Batch.Prices, entitle.Sourced[entitle.Price]{Record: p})
		}
	}
	c.Profiles = profiles
	c.AccessRequests = []entitle.AccessRequest{
		{Requester: ashcombe, RequestedBy: "eleanor.whitfield@ashcombe.example", Days: 365,
			Message:   "Ashcombe Energy Advisors will run your building management systems from next month. Please give us access to your licences so that we can plan the renewals.",
			CreatedAt: at(-2, 11, 20), ExpiresAt: at(-2, 11, 20).Add(entitle.AccessRequestTTL)},
	}
	return c
}

// Logins returns one user per role kind, for `serve --demo` to print (EMAIL /
// PASSWORD beside role and company): vendor, distributor, reseller, customer
// (owner) admin, customer member, MSP/installer, a delegate, and an outsider
// company's user who sees nothing. A user missing from c is left out.
func Logins(c Channel) []User {
	var out []User
	for _, email := range loginEmails {
		for _, u := range c.Users {
			if entitle.NormalizeEmail(u.Email) == email {
				out = append(out, u)
				break
			}
		}
	}
	return out
}

// The demo's single sign-on: serve --demo configures CUST-GRAUWALD to sign
// in at the built-in demo provider (internal/demoidp), for every address of
// SSODomain. Password sign-in stays allowed, so the logins above still work.
const (
	SSOCompany = grauwald
	SSODomain  = "grauwald.example"
	// SSONewcomer is an address of the domain without an account: its first
	// sign-in makes a new member of the company (just in time).
	SSONewcomer = "jonas.weber@grauwald.example"
)
