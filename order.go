package entitle

import (
	"fmt"
	"regexp"
	"slices"
)

// Address is a bill-to party or an installation site.
type Address struct {
	Name    string `json:"name"`
	Address string `json:"address"`
	Country string `json:"country"` // ISO 3166-1 alpha-2
}

var countryRE = regexp.MustCompile(`^[A-Z]{2}$`)
var currencyRE = regexp.MustCompile(`^[A-Z]{3}$`)

// Validate checks an address's fields.
func (a Address) Validate() error {
	var ps Problems
	checkText(&ps, "name", a.Name, true)
	checkText(&ps, "address", a.Address, false)
	if a.Country != "" && !countryRE.MatchString(a.Country) {
		ps.Add("country", "%q is not a two-letter country code such as FR", clip(a.Country))
	}
	return ps.Err()
}

// Order is a purchase order (PO) placed with the vendor by its purchasing
// entity under an MSA. The PO number is unique per purchasing entity, not
// globally. Each line yields one entitlement.
type Order struct {
	PONumber         string
	MSA              string
	OrderDate        Date
	Currency         string // ISO 4217, e.g. EUR
	PurchasingEntity string
	Owner            string
	Resellers        []string
	Installers       []string
	BillTo           *Address
	InstallationSite *Address
	Lines            []Line
}

// Line is one line of an order; it yields one entitlement.
type Line struct {
	Line           int
	SKU            string
	Description    string
	Quantity       int64
	UnitPrice      Decimal
	SubscriptionID string
	StartDate      Date
	EndDate        Date
}

// Amount is quantity × unit price, computed, never imported.
func (l Line) Amount() Decimal { return l.UnitPrice.Times(l.Quantity) }

// Total is the sum of the lines' amounts.
func (o Order) Total() Decimal {
	amounts := make([]Decimal, len(o.Lines))
	for i, l := range o.Lines {
		amounts[i] = l.Amount()
	}
	return Sum(amounts...)
}

// Assignments lists the order's role assignments: one purchasing entity, one
// owner, then resellers and installers.
func (o Order) Assignments() []RoleAssignment {
	as := []RoleAssignment{{RolePurchasingEntity, o.PurchasingEntity}, {RoleOwner, o.Owner}}
	for _, r := range o.Resellers {
		as = append(as, RoleAssignment{RoleReseller, r})
	}
	for _, i := range o.Installers {
		as = append(as, RoleAssignment{RoleInstaller, i})
	}
	return as
}

// PartnerOfRecord is the company to which the owner goes back for renewals:
// the (first) reseller on the order if there is one, else the purchasing
// entity when it is not the owner. A direct purchase has none ("").
func (o Order) PartnerOfRecord() string {
	if len(o.Resellers) > 0 {
		return o.Resellers[0]
	}
	if o.PurchasingEntity != o.Owner {
		return o.PurchasingEntity
	}
	return ""
}

// Entitlements returns the entitlements the order's lines yield.
func (o Order) Entitlements() []Entitlement {
	es := make([]Entitlement, len(o.Lines))
	for i, l := range o.Lines {
		es[i] = Entitlement{
			SubscriptionID:   l.SubscriptionID,
			SKU:              l.SKU,
			Quantity:         l.Quantity,
			StartDate:        l.StartDate,
			EndDate:          l.EndDate,
			PONumber:         o.PONumber,
			PurchasingEntity: o.PurchasingEntity,
			Owner:            o.Owner,
			Line:             l.Line,
		}
	}
	return es
}

// MaxLines bounds the lines of one order.
const MaxLines = 10000

// Validate checks the order's own fields and lines. References to other
// records (companies, the MSA, existing POs and subscription IDs) are checked
// by the importer against the file and the database.
func (o Order) Validate() error {
	var ps Problems
	checkKey(&ps, "po_number", o.PONumber)
	checkKey(&ps, "msa", o.MSA)
	if o.OrderDate.IsZero() {
		ps.Add("order_date", "required")
	}
	if !currencyRE.MatchString(o.Currency) {
		if o.Currency == "" {
			ps.Add("currency", "required")
		} else {
			ps.Add("currency", "%q is not a three-letter currency code such as EUR", clip(o.Currency))
		}
	}
	checkKey(&ps, "purchasing_entity", o.PurchasingEntity)
	checkKey(&ps, "owner", o.Owner)
	checkKeyList(&ps, "resellers", o.Resellers)
	checkKeyList(&ps, "installers", o.Installers)
	if o.BillTo != nil {
		if err := o.BillTo.Validate(); err != nil {
			ps = append(ps, err.(Problems).Prefixed("bill_to")...)
		}
	}
	if o.InstallationSite != nil {
		if err := o.InstallationSite.Validate(); err != nil {
			ps = append(ps, err.(Problems).Prefixed("installation_site")...)
		}
	}
	switch {
	case len(o.Lines) == 0:
		ps.Add("lines", "an order needs at least one line")
	case len(o.Lines) > MaxLines:
		ps.Add("lines", "too many lines (%d, at most %d)", len(o.Lines), MaxLines)
	}
	lineNos := map[int]bool{}
	subs := map[string]bool{}
	for i, l := range o.Lines {
		prefix := fmt.Sprintf("lines[%d]", i)
		if err := l.Validate(); err != nil {
			ps = append(ps, err.(Problems).Prefixed(prefix)...)
		}
		if lineNos[l.Line] && l.Line > 0 {
			ps.Add(prefix+".line", "line number %d appears twice in PO %s", l.Line, o.PONumber)
		}
		lineNos[l.Line] = true
		if subs[l.SubscriptionID] && l.SubscriptionID != "" {
			ps.Add(prefix+".subscription_id", "subscription ID %s appears twice in PO %s", l.SubscriptionID, o.PONumber)
		}
		subs[l.SubscriptionID] = true
	}
	return ps.Err()
}

func checkKeyList(ps *Problems, field string, keys []string) {
	for i, k := range keys {
		checkKey(ps, fmt.Sprintf("%s[%d]", field, i), k)
		if slices.Index(keys, k) < i {
			ps.Add(fmt.Sprintf("%s[%d]", field, i), "%s is listed twice", k)
		}
	}
}

// Validate checks one order line.
func (l Line) Validate() error {
	var ps Problems
	if l.Line <= 0 {
		ps.Add("line", "must be a positive line number")
	}
	checkKey(&ps, "sku", l.SKU)
	checkText(&ps, "description", l.Description, false)
	if l.Quantity <= 0 {
		ps.Add("quantity", "must be a positive whole number, not %d", l.Quantity)
	}
	if err := l.UnitPrice.Validate(); err != nil {
		ps.Add("unit_price", "%v", err)
	}
	checkKey(&ps, "subscription_id", l.SubscriptionID)
	if l.StartDate.IsZero() {
		ps.Add("start_date", "required")
	}
	if l.EndDate.IsZero() {
		ps.Add("end_date", "required")
	}
	if !l.StartDate.IsZero() && !l.EndDate.IsZero() && l.EndDate.Before(l.StartDate) {
		ps.Add("end_date", "%s is before start_date %s", l.EndDate, l.StartDate)
	}
	return ps.Err()
}

// Equal reports whether two orders are the same record (a re-import).
func (o Order) Equal(p Order) bool {
	eqAddr := func(a, b *Address) bool {
		if a == nil || b == nil {
			return a == nil && b == nil
		}
		return *a == *b
	}
	return o.PONumber == p.PONumber && o.MSA == p.MSA && o.OrderDate == p.OrderDate &&
		o.Currency == p.Currency && o.PurchasingEntity == p.PurchasingEntity && o.Owner == p.Owner &&
		slices.Equal(o.Resellers, p.Resellers) && slices.Equal(o.Installers, p.Installers) &&
		eqAddr(o.BillTo, p.BillTo) && eqAddr(o.InstallationSite, p.InstallationSite) &&
		slices.Equal(o.Lines, p.Lines)
}
