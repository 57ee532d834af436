package disclose

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/entitle-portal/entitle"
	"github.com/entitle-portal/entitle/internal/policy"
)

// ExportCSV writes every entitlement a may see (with the filter f) to w as
// CSV, one row per entitlement after a header, and audits the export as
// Export does. Its columns follow from the views the policy grants a on a
// list (policy.ListViews): owner & location columns only for a company
// that may see them on some entitlement (the vendor, an owner); a row
// whose entitlement does not disclose them leaves them empty.
func (s *Service) ExportCSV(ctx context.Context, a entitle.Actor, f entitle.ListFilter, w io.Writer) (int, error) {
	views, err := s.listViews(ctx, a)
	if err != nil {
		return 0, err
	}
	cw, err := newCSV(w, views)
	if err != nil {
		return 0, err
	}
	n, err := s.Export(ctx, a, f, cw.write)
	if err != nil {
		return n, err
	}
	cw.w.Flush()
	return n, cw.w.Error()
}

// csvWriter writes entitlements as CSV rows.
type csvWriter struct {
	w     *csv.Writer
	views policy.View
}

// csvColumns are the columns of each view, in order.
var csvColumns = []struct {
	view    policy.View
	columns []string
}{
	{policy.ViewEntitlement, []string{"subscription_id", "sku", "quantity", "start_date", "end_date", "po_number", "status", "access"}},
	{policy.ViewOwner, []string{"owner_key", "owner_name", "installation_site_name", "installation_site_address", "installation_site_country"}},
}

// newCSV writes the header of the columns of views to w and returns the
// writer of the rows.
func newCSV(w io.Writer, views policy.View) (*csvWriter, error) {
	c := &csvWriter{w: csv.NewWriter(w), views: views}
	var header []string
	for _, g := range csvColumns {
		if views.Has(g.view) {
			header = append(header, g.columns...)
		}
	}
	return c, c.w.Write(header)
}

// write writes one entitlement's row, flushed (a download streams).
func (c *csvWriter) write(x Entitlement) error {
	var row []string
	if c.views.Has(policy.ViewEntitlement) {
		access := make([]string, len(x.Access))
		for i, b := range x.Access {
			access[i] = string(b)
		}
		row = append(row, x.SubscriptionID, x.SKU, strconv.FormatInt(x.Quantity, 10), x.StartDate.String(), x.EndDate.String(),
			x.PONumber, string(x.Status), strings.Join(access, ";"))
	}
	if c.views.Has(policy.ViewOwner) {
		owner, site := Party{}, entitle.Address{}
		if x.Owner != nil {
			owner = *x.Owner
		}
		if x.InstallationSite != nil {
			site = *x.InstallationSite
		}
		row = append(row, owner.Key, owner.Name, site.Name, site.Address, site.Country)
	}
	for i, cell := range row {
		row[i] = SafeCell(cell)
	}
	if err := c.w.Write(row); err != nil {
		return err
	}
	c.w.Flush()
	return c.w.Error()
}

// SafeCell neutralises a CSV cell that a spreadsheet would execute as a
// formula (OWASP, "CSV Injection"): one that begins with =, +, -, @, a tab
// or a carriage return gets a leading single quote, which spreadsheets show
// as text and do not display. Every CSV the product writes for people goes
// through it (SPEC §6).
func SafeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
