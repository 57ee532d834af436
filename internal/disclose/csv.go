package disclose

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/entitle-portal/entitle"
)

// CSV writes entitlements as CSV rows, one per entitlement, after a header:
// the CLI's export and the portal's download. Owner & location columns are
// there only for a caller who may see them on some entitlement (the vendor,
// an owner); a row whose entitlement does not disclose them leaves them
// empty.
type CSV struct {
	w         *csv.Writer
	withOwner bool
}

// NewCSV writes the header to w and returns the writer of the rows.
func NewCSV(w io.Writer, withOwner bool) (*CSV, error) {
	c := &CSV{w: csv.NewWriter(w), withOwner: withOwner}
	header := []string{"subscription_id", "sku", "quantity", "start_date", "end_date", "po_number", "status", "access"}
	if withOwner {
		header = append(header, "owner_key", "owner_name", "installation_site_name", "installation_site_address", "installation_site_country")
	}
	return c, c.w.Write(header)
}

// Write writes one entitlement's row.
func (c *CSV) Write(x Entitlement) error {
	access := make([]string, len(x.Access))
	for i, b := range x.Access {
		access[i] = string(b)
	}
	row := []string{x.SubscriptionID, x.SKU, strconv.FormatInt(x.Quantity, 10), x.StartDate.String(), x.EndDate.String(),
		x.PONumber, string(x.Status), strings.Join(access, ";")}
	if c.withOwner {
		owner, site := Party{}, entitle.Address{}
		if x.Owner != nil {
			owner = *x.Owner
		}
		if x.InstallationSite != nil {
			site = *x.InstallationSite
		}
		row = append(row, owner.Key, owner.Name, site.Name, site.Address, site.Country)
	}
	if err := c.w.Write(row); err != nil {
		return err
	}
	c.w.Flush()
	return c.w.Error()
}
