package entitle

// Price is the vendor's partner price of a SKU in a currency: what a
// partner pays for one unit. The price list changes over time: importing a
// price for a (SKU, currency) already recorded replaces it.
type Price struct {
	SKU          string  `json:"sku"`
	Currency     string  `json:"currency"` // ISO 4217, e.g. EUR
	PartnerPrice Decimal `json:"partner_price"`
}

// Validate checks the price's own fields.
func (p Price) Validate() error {
	var ps Problems
	checkKey(&ps, "sku", p.SKU)
	checkCurrency(&ps, "currency", p.Currency)
	if err := p.PartnerPrice.Validate(); err != nil {
		ps.Add("partner_price", "%v", err)
	}
	return ps.Err()
}

// checkCurrency adds a problem to ps when s is not a three-letter currency
// code (the rule and messages of an order's currency).
func checkCurrency(ps *Problems, field, s string) {
	switch {
	case s == "":
		ps.Add(field, "required")
	case !currencyRE.MatchString(s):
		ps.Add(field, "%q is not a three-letter currency code such as EUR", clip(s))
	}
}
