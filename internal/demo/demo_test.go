package demo

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/entitle-portal/entitle"
)

// emptyCatalog is a portal with nothing recorded yet.
type emptyCatalog struct{}

func (emptyCatalog) Company(context.Context, string) (entitle.Company, bool, error) {
	return entitle.Company{}, false, nil
}
func (emptyCatalog) VendorKey(context.Context) (string, error) { return "", nil }
func (emptyCatalog) MSA(context.Context, string) (entitle.MSA, bool, error) {
	return entitle.MSA{}, false, nil
}
func (emptyCatalog) Order(context.Context, string, string) (entitle.Order, bool, error) {
	return entitle.Order{}, false, nil
}
func (emptyCatalog) SubscriptionOrder(context.Context, string) (string, string, bool, error) {
	return "", "", false, nil
}

// days on which the channel is checked: an ordinary day, a leap day, the
// first and last day of a year.
var days = []string{"2026-06-01", "2028-02-29", "2027-01-01", "2026-12-31"}

func TestBatchValid(t *testing.T) {
	for _, d := range days {
		c := New(entitle.MustDate(d))
		ps, err := c.Batch.Validate(context.Background(), emptyCatalog{})
		if err != nil {
			t.Fatalf("%s: Validate: %v", d, err)
		}
		for _, p := range ps {
			t.Errorf("%s: %s", d, p)
		}
	}
}

func TestSize(t *testing.T) {
	c := New(entitle.MustDate("2026-06-01"))
	kinds := map[entitle.Kind]int{}
	for _, co := range c.Batch.Companies {
		kinds[co.Record.Kind]++
	}
	want := map[entitle.Kind]int{entitle.KindVendor: 1, entitle.KindDistributor: 2, entitle.KindReseller: 3, entitle.KindMSP: 2, entitle.KindCustomer: 7}
	if !reflect.DeepEqual(kinds, want) {
		t.Errorf("companies by kind = %v, want %v", kinds, want)
	}
	lines := 0
	for _, o := range c.Batch.Orders {
		lines += len(o.Record.Lines)
	}
	if n := len(c.Batch.Orders); n < 18 || n > 22 {
		t.Errorf("%d orders, want about 20", n)
	}
	if lines < 36 || lines > 44 {
		t.Errorf("%d order lines, want about 40", lines)
	}
}

func TestUsers(t *testing.T) {
	c := New(entitle.MustDate("2026-06-01"))
	companies := companyKeys(c)
	seen := map[string]bool{}
	admins := map[string]int{}
	perCompany := map[string]int{}
	for _, u := range c.Users {
		if err := u.User.Validate(); err != nil {
			t.Errorf("user %s: %v", u.Email, err)
		}
		e := entitle.NormalizeEmail(u.Email)
		if seen[e] {
			t.Errorf("email %s appears twice", u.Email)
		}
		seen[e] = true
		if e != u.Email {
			t.Errorf("email %q is not in normal form", u.Email)
		}
		if !companies[u.Company] {
			t.Errorf("user %s: unknown company %s", u.Email, u.Company)
		}
		if u.Status != entitle.UserActive {
			t.Errorf("user %s: status %q, want active", u.Email, u.Status)
		}
		if u.Password != Password || len(u.Password) < 12 {
			t.Errorf("user %s: password %q, want the shared %q", u.Email, u.Password, Password)
		}
		if u.Role == "" {
			t.Errorf("user %s: no role description", u.Email)
		}
		if perCompany[u.Company] == 0 && !u.Admin {
			t.Errorf("user %s is the first of %s but not its admin", u.Email, u.Company)
		}
		perCompany[u.Company]++
		if u.Admin {
			admins[u.Company]++
		}
	}
	for k := range companies {
		if admins[k] == 0 {
			t.Errorf("company %s has no admin user", k)
		}
		if n := perCompany[k]; n < 1 || n > 3 {
			t.Errorf("company %s has %d users, want 1 to 3", k, n)
		}
	}
}

func TestDelegations(t *testing.T) {
	today := entitle.MustDate("2026-06-01")
	c := New(today)
	now := today.Time()
	companies := companyKeys(c)
	owners := map[string]string{} // subscription ID → owner
	for _, o := range c.Batch.Orders {
		for _, e := range o.Record.Entitlements() {
			owners[e.SubscriptionID] = e.Owner
		}
	}
	admins := map[string]string{} // email → company of an admin
	for _, u := range c.Users {
		if u.Admin {
			admins[u.Email] = u.Company
		}
	}
	var listed, all, expired, revoked int
	for i, d := range c.Delegations {
		if err := d.Validate(); err != nil {
			t.Errorf("%s: %v", d.ID, err)
		}
		if want := "DLG-DEMO-" + string(rune('1'+i)); d.ID != want {
			t.Errorf("delegation %d: ID %s, want %s", i, d.ID, want)
		}
		if !companies[d.Owner] || !companies[d.Delegate] {
			t.Errorf("%s: unknown owner %s or delegate %s", d.ID, d.Owner, d.Delegate)
		}
		if admins[d.CreatedBy] != d.Owner {
			t.Errorf("%s: created by %s, not an admin of %s", d.ID, d.CreatedBy, d.Owner)
		}
		if !d.CreatedAt.Before(now) {
			t.Errorf("%s: created %v, not before today", d.ID, d.CreatedAt)
		}
		for _, s := range d.SubscriptionIDs {
			if owners[s] != d.Owner {
				t.Errorf("%s: subscription %s is owned by %q, not by %s", d.ID, s, owners[s], d.Owner)
			}
		}
		if d.All() {
			all++
		} else {
			listed++
		}
		switch {
		case !d.RevokedAt.IsZero():
			revoked++
			if admins[d.RevokedBy] != d.Owner {
				t.Errorf("%s: revoked by %s, not an admin of %s", d.ID, d.RevokedBy, d.Owner)
			}
			if d.ActiveAt(now) {
				t.Errorf("%s: revoked but active", d.ID)
			}
		case !d.ExpiresAt.IsZero() && !d.ExpiresAt.After(now):
			expired++
			if d.ActiveAt(now) {
				t.Errorf("%s: expired but active", d.ID)
			}
		default:
			if !d.ActiveAt(now) {
				t.Errorf("%s: should be active today", d.ID)
			}
		}
	}
	if listed == 0 || all == 0 || expired == 0 || revoked == 0 {
		t.Errorf("delegations: %d listed, %d all-scope, %d expired, %d revoked; want each at least 1", listed, all, expired, revoked)
	}
}

func TestDeterministic(t *testing.T) {
	for _, d := range days {
		a, b := New(entitle.MustDate(d)), New(entitle.MustDate(d))
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: two calls of New differ", d)
		}
	}
}

func TestLogins(t *testing.T) {
	c := New(entitle.MustDate("2026-06-01"))
	companies := companyKeys(c)
	logins := Logins(c)
	if len(logins) != len(loginEmails) {
		t.Fatalf("Logins returned %d users, want %d", len(logins), len(loginEmails))
	}
	roles := map[string]bool{}
	loginCompanies := map[string]bool{}
	for _, u := range logins {
		if roles[u.Role] {
			t.Errorf("role %q appears twice", u.Role)
		}
		roles[u.Role] = true
		loginCompanies[u.Company] = true
		if !companies[u.Company] {
			t.Errorf("login %s: unknown company %s", u.Email, u.Company)
		}
		if u.Password != Password {
			t.Errorf("login %s: password %q", u.Email, u.Password)
		}
	}
	// The outsider's company holds no role and no delegation.
	out := logins[len(logins)-1]
	for _, o := range c.Batch.Orders {
		for _, a := range o.Record.Assignments() {
			if a.Company == out.Company {
				t.Errorf("outsider %s holds %s on %s", out.Company, a.Role, o.Record.PONumber)
			}
		}
	}
	for _, d := range c.Delegations {
		if d.Owner == out.Company || d.Delegate == out.Company {
			t.Errorf("outsider %s is in delegation %s", out.Company, d.ID)
		}
	}
	// The delegate's company sees something only by delegation.
	del := logins[len(logins)-2]
	if !strings.HasPrefix(del.Role, "delegate") {
		t.Fatalf("second-to-last login %s is %q, want the delegate", del.Email, del.Role)
	}
	for _, o := range c.Batch.Orders {
		for _, a := range o.Record.Assignments() {
			if a.Company == del.Company {
				t.Errorf("delegate %s holds %s on %s", del.Company, a.Role, o.Record.PONumber)
			}
		}
	}
	if len(Logins(Channel{})) != 0 {
		t.Errorf("Logins of an empty channel is not empty")
	}
}

func TestStatuses(t *testing.T) {
	for _, d := range days {
		today := entitle.MustDate(d)
		c := New(today)
		statuses := map[entitle.Status]int{}
		var within30, within60, within90 int
		for _, o := range c.Batch.Orders {
			if o.Record.OrderDate.After(today) {
				t.Errorf("%s: PO %s is dated %s, after today", d, o.Record.PONumber, o.Record.OrderDate)
			}
			for _, e := range o.Record.Entitlements() {
				s := e.StatusOn(today)
				statuses[s]++
				if s != entitle.StatusActive {
					continue
				}
				switch n := today.DaysUntil(e.EndDate); {
				case n <= 30:
					within30++
				case n <= 60:
					within60++
				case n <= 90:
					within90++
				}
			}
		}
		for _, s := range []entitle.Status{entitle.StatusFuture, entitle.StatusActive, entitle.StatusExpired} {
			if statuses[s] == 0 {
				t.Errorf("%s: no %s entitlement", d, s)
			}
		}
		if within30 == 0 || within60 == 0 || within90 == 0 {
			t.Errorf("%s: active entitlements ending within 30/31–60/61–90 days: %d/%d/%d, want each at least 1", d, within30, within60, within90)
		}
	}
}

// TestRuleCases checks that the channel shows every case of the rules.
func TestRuleCases(t *testing.T) {
	c := New(entitle.MustDate("2026-06-01"))
	kind := map[string]entitle.Kind{}
	for _, co := range c.Batch.Companies {
		kind[co.Record.Key] = co.Record.Kind
	}
	cases := map[string]bool{}
	pes := map[string][]string{} // PO number → purchasing entities
	for _, s := range c.Batch.Orders {
		o := s.Record
		pes[o.PONumber] = append(pes[o.PONumber], o.PurchasingEntity)
		switch {
		case o.PurchasingEntity == o.Owner:
			cases["direct purchase"] = true
		case kind[o.PurchasingEntity] == entitle.KindDistributor && len(o.Resellers) > 0:
			cases["distributor with reseller"] = true
		case kind[o.PurchasingEntity] == entitle.KindDistributor:
			cases["distributor without reseller"] = true
		case kind[o.PurchasingEntity] == entitle.KindReseller:
			cases["reseller directly"] = true
		}
		for _, i := range o.Installers {
			if kind[i] == entitle.KindMSP {
				cases["MSP installer"] = true
			}
		}
		roles := map[string]int{}
		for _, a := range o.Assignments() {
			roles[a.Company]++
		}
		for _, n := range roles {
			if n > 1 {
				cases["two roles on one order"] = true
			}
		}
		if o.BillTo == nil || o.InstallationSite == nil || o.BillTo.Country == "" || o.InstallationSite.Country == "" {
			t.Errorf("PO %s of %s lacks a bill-to or installation site with a country", o.PONumber, o.PurchasingEntity)
		}
		for _, l := range o.Lines {
			if l.Description == "" {
				t.Errorf("PO %s line %d: no description", o.PONumber, l.Line)
			}
		}
	}
	for _, list := range pes {
		if len(list) > 1 {
			cases["same PO number, two purchasing entities"] = true
		}
	}
	for _, want := range []string{"direct purchase", "distributor with reseller", "distributor without reseller",
		"reseller directly", "MSP installer", "two roles on one order", "same PO number, two purchasing entities"} {
		if !cases[want] {
			t.Errorf("no order shows %q", want)
		}
	}
}

func companyKeys(c Channel) map[string]bool {
	keys := map[string]bool{}
	for _, co := range c.Batch.Companies {
		keys[co.Record.Key] = true
	}
	return keys
}
