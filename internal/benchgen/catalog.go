package benchgen

import "github.com/entitle-portal/entitle"

// sku is one product of the vendor's price list.
type sku struct {
	code        string
	description string
	years       int // term of the subscription
	maxQty      int // quantity is uniform in 1 … maxQty
	price       entitle.Decimal
}

// skus is the vendor's small price list. It is never modified.
var skus = []sku{
	{"EBO-ENT-1Y", "Building Operation Enterprise Server, 1 year", 1, 3, "1200.00"},
	{"EBO-ENT-3Y", "Building Operation Enterprise Server, 3 years", 3, 3, "3240.00"},
	{"EBO-WS-1Y", "Building Operation WorkStation seat, 1 year", 1, 50, "120.00"},
	{"EBO-WS-3Y", "Building Operation WorkStation seat, 3 years", 3, 50, "324.00"},
	{"EBO-SRV-1Y", "Building Operation Automation Server, 1 year", 1, 20, "450.00"},
	{"EBO-API-1Y", "Building Operation Web Services API, 1 year", 1, 5, "95.50"},
	{"PME-STD-1Y", "Power Monitoring Expert Standard, 1 year", 1, 2, "800.00"},
	{"PME-STD-2Y", "Power Monitoring Expert Standard, 2 years", 2, 2, "1520.00"},
	{"PME-DEV-1Y", "Power Monitoring Expert device licence, 1 year", 1, 250, "12.75"},
	{"SEC-EXP-1Y", "Security Expert door licence, 1 year", 1, 100, "60.00"},
	{"SUP-PREM-1Y", "Premium support, 1 year", 1, 1, "2500.00"},
	{"SUP-BASIC-3Y", "Basic support, 3 years", 3, 1, "1800.00"},
}

// nameStems start company names.
var nameStems = []string{
	"Northwind", "Contoso", "Fabrikam", "Tailspin", "Adatum", "Litware", "Proseware",
	"Wingtip", "Woodgrove", "Alpine", "Blue Yonder", "Coho", "Lucerne", "Trey",
	"VanArsdel", "Wide World", "Humongous", "Relecloud", "Southridge", "Fourth Coffee",
}

// customerKinds end customers' names.
var customerKinds = []string{
	"Hospital", "Airport", "University", "Logistics", "Hotels", "Retail", "Data Center",
	"Foods", "Pharma", "Offices", "Stadium", "Museum",
}

var firstNames = []string{
	"Camille", "Lucas", "Emma", "Noah", "Léa", "Hugo", "Sofia", "Jonas", "Mia", "Elias",
	"Olivia", "Liam", "Ana", "Mateo", "Ingrid", "Lars", "Chloé", "Tom", "Aisha", "Ravi",
}

var lastNames = []string{
	"Martin", "Bernard", "Dubois", "Müller", "Schmidt", "Smith", "Johnson", "García",
	"Rossi", "Jansen", "de Vries", "Andersson", "Nielsen", "Novak", "Peeters", "Moreau",
}

// place is a country with a few cities and streets for addresses.
type place struct {
	country string
	cities  []string
	streets []string
}

var places = []place{
	{"FR", []string{"Paris", "Lyon", "Grenoble", "Lille"}, []string{"rue de la Paix", "avenue Jean Jaurès", "boulevard Voltaire"}},
	{"DE", []string{"Berlin", "München", "Hamburg", "Köln"}, []string{"Hauptstraße", "Bahnhofstraße", "Gartenweg"}},
	{"US", []string{"Boston", "Austin", "Denver", "Seattle"}, []string{"Main Street", "Oak Avenue", "Market Street"}},
	{"GB", []string{"London", "Leeds", "Bristol", "Glasgow"}, []string{"High Street", "Station Road", "Church Lane"}},
	{"NL", []string{"Amsterdam", "Utrecht", "Eindhoven"}, []string{"Kerkstraat", "Dorpsstraat", "Stationsweg"}},
	{"ES", []string{"Madrid", "Barcelona", "Valencia"}, []string{"Calle Mayor", "Gran Vía", "Avenida de la Constitución"}},
	{"IT", []string{"Milano", "Torino", "Bologna"}, []string{"Via Roma", "Corso Italia", "Via Garibaldi"}},
	{"SE", []string{"Stockholm", "Göteborg", "Malmö"}, []string{"Storgatan", "Drottninggatan", "Kungsgatan"}},
}
