package importer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/entitle-portal/entitle"
)

// column is a column of the CSV orders file.
type column int

// The columns, in the order WriteOrdersCSV writes them. Order-level columns
// come first, then line columns.
const (
	colPONumber column = iota
	colMSA
	colOrderDate
	colCurrency
	colPurchasingEntity
	colResellers
	colOwner
	colInstallers
	colBillToName
	colBillToAddress
	colBillToCountry
	colSiteName
	colSiteAddress
	colSiteCountry
	colLine
	colSKU
	colDescription
	colQuantity
	colUnitPrice
	colSubscriptionID
	colStartDate
	colEndDate
	numColumns
)

func (c column) String() string {
	return [numColumns]string{
		"po_number", "msa", "order_date", "currency", "purchasing_entity", "resellers", "owner", "installers",
		"bill_to_name", "bill_to_address", "bill_to_country",
		"installation_site_name", "installation_site_address", "installation_site_country",
		"line", "sku", "description", "quantity", "unit_price", "subscription_id", "start_date", "end_date",
	}[c]
}

func (c column) required() bool {
	switch c {
	case colResellers, colInstallers, colDescription,
		colBillToName, colBillToAddress, colBillToCountry, colSiteName, colSiteAddress, colSiteCountry:
		return false
	}
	return true
}

// orderLevel reports whether the column is a field of the order (on which
// the rows of one PO must agree) rather than of the line. The PO number and
// purchasing entity are the grouping key, so they agree by construction.
func (c column) orderLevel() bool { return c > colPONumber && c < colLine && c != colPurchasingEntity }

// ReadCSV parses a CSV orders file: a header row, then one row per order
// line (SPEC §5). name is the file name used in problems.
//
// Columns are matched by name, after trimming spaces and ignoring case, and
// may come in any order. Rows are grouped into orders by (purchasing_entity,
// po_number), in the order of their first row; the rows of one PO must agree
// on every order-level column. An order's Line is the line of its first row
// and Rows the line of each of its rows (the row's first line when a quoted
// field spans lines), so that [entitle.Batch.Validate] reports a problem with
// lines[i] on its row. resellers and installers hold company keys separated
// by ";". The bill-to (installation site) is present when any bill_to_*
// (installation_site_*) column is non-empty.
//
// As with [ReadJSONL], an order with any syntax or type problem is left out of
// the batch, and empty cells are left for Validate to report. When the
// header has a problem no order is returned, but the rows are still checked.
// err is only for I/O errors of r.
func ReadCSV(r io.Reader, name string) (entitle.Batch, entitle.Problems, error) {
	return readCSV(r, name, maxLineBytes)
}

// readCSV is ReadCSV with lines limited to limit bytes.
func readCSV(r io.Reader, name string, limit int) (entitle.Batch, entitle.Problems, error) {
	lim := &lineLimiter{r: r, max: limit + 1} // +1: a "\r" before "\n"
	br := bufio.NewReaderSize(lim, 64<<10)
	if b, _ := br.Peek(len(bom)); string(b) == bom {
		br.Discard(len(bom))
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1 // checked here, to report and go on
	cr.ReuseRecord = true

	p := csvParser{file: name, groups: map[poKey]*csvOrder{}}
	header := true
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			var tl *lineTooLongError
			switch {
			case errors.As(err, &pe):
				msg := fmt.Sprintf("not valid CSV: %v at byte %d of the line", pe.Err, pe.Column)
				if pe.StartLine != pe.Line {
					msg += fmt.Sprintf(" (in the row that starts on line %d)", pe.StartLine)
				}
				p.add(pe.Line, "", "%s", msg)
				if !header {
					continue
				}
				// Without a header the rows cannot be read.
				p.badHeader, header = true, false
			case errors.As(err, &tl):
				p.add(tl.line, "", "line is longer than %s; stopped reading the file here", size(limit))
				p.badHeader, header = true, false // the file is cut short: return nothing
			default:
				return entitle.Batch{}, p.problems, fmt.Errorf("read %s: %w", name, err)
			}
			break
		}
		line, _ := cr.FieldPos(0)
		if header {
			p.header(line, rec)
			header = false
			continue
		}
		p.row(line, rec)
	}
	if header {
		p.add(1, "", "no header row; a CSV orders file starts with a header row naming its columns (po_number, msa, …)")
		return entitle.Batch{}, p.problems, nil
	}
	var b entitle.Batch
	if p.badHeader {
		return b, p.problems, nil
	}
	for _, o := range p.orders {
		// An order whose first row could not be read is left out (its
		// order fields are that row's); one that lost rows is checked
		// as far as it goes, so that one run names every problem.
		if !o.bad && len(o.order.Lines) > 0 {
			b.Orders = append(b.Orders, entitle.Sourced[entitle.Order]{File: name, Line: o.firstRow, Record: o.order, Rows: o.rows, Partial: o.partial})
		}
	}
	return b, p.problems, nil
}

type poKey struct{ pe, po string }

// csvOrder is an order being assembled from its rows.
type csvOrder struct {
	order entitle.Order
	rows  []int              // the input line of each of order.Lines
	first [numColumns]string // the first row's order-level cells, normalised
	// firstRow is the input line of its first row
	firstRow int
	bad      bool // its first row's order fields could not be read
	// partial: a row of its lines could not be read and is left out (its
	// problems are reported); the order is checked, never written
	partial bool
}

// csvParser holds the state of one CSV file being read.
type csvParser struct {
	file      string
	problems  entitle.Problems
	index     [numColumns]int // column → field index in a row, or -1
	width     int             // number of fields in the header
	badHeader bool
	orders    []*csvOrder
	groups    map[poKey]*csvOrder
}

func (p *csvParser) add(line int, field, format string, args ...any) {
	p.problems = append(p.problems, entitle.Problem{File: p.file, Line: line, Field: field, Message: fmt.Sprintf(format, args...)})
}

// columnList is the list of valid column names, for problem messages.
func columnList() string {
	names := make([]string, numColumns)
	for c := range numColumns {
		names[c] = c.String()
	}
	return strings.Join(names, ", ")
}

func (p *csvParser) header(line int, rec []string) {
	n := 0
	fail := func(field, format string, args ...any) {
		p.badHeader = true
		switch n++; {
		case n < maxLineProblems:
			p.add(line, field, format, args...)
		case n == maxLineProblems:
			p.add(line, "", "too many problems on this line; the rest are not listed")
		}
	}
	p.width = len(rec)
	for c := range p.index {
		p.index[c] = -1
	}
	for i, cell := range rec {
		name := strings.ToLower(strings.TrimSpace(cell))
		c := column(-1)
		for k := range numColumns {
			if k.String() == name {
				c = k
				break
			}
		}
		switch {
		case name == "":
			fail("", "column %d of the header has no name", i+1)
		case c < 0:
			fail(clip(strings.TrimSpace(cell)), "unknown column; the columns are %s", columnList())
		case p.index[c] >= 0:
			fail(c.String(), "column appears twice in the header (columns %d and %d)", p.index[c]+1, i+1)
		default:
			p.index[c] = i
		}
	}
	for c := range numColumns {
		if c.required() && p.index[c] < 0 {
			fail(c.String(), "required column is missing from the header")
		}
	}
}

// cell returns the row's value of column c, "" when the file has no such column.
func (p *csvParser) cell(rec []string, c column) string {
	if i := p.index[c]; i >= 0 {
		return rec[i]
	}
	return ""
}

// normal returns the cell of an order-level column as it is compared
// between the rows of one PO: the parsed list for a list of keys.
func (p *csvParser) normal(rec []string, c column) string {
	s := p.cell(rec, c)
	if c == colResellers || c == colInstallers {
		return strings.Join(splitKeys(s), ";")
	}
	return s
}

// splitKeys splits a list of company keys separated by ";", ignoring
// spaces around keys and empty entries.
func splitKeys(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var keys []string
	for k := range strings.SplitSeq(s, ";") {
		if k = strings.TrimSpace(k); k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}

func (p *csvParser) row(line int, rec []string) {
	if len(rec) != p.width {
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			return // a blank line with spaces
		}
		p.add(line, "", "has %d fields but the header has %d", len(rec), p.width)
		return
	}
	blank := true
	for _, f := range rec {
		if f != "" {
			blank = false
			break
		}
	}
	if blank {
		return // e.g. ",,,," left by a spreadsheet
	}
	k := poKey{p.cell(rec, colPurchasingEntity), p.cell(rec, colPONumber)}
	o := p.groups[k]
	bad := false
	fail := func(c column, format string, args ...any) {
		p.add(line, c.String(), format, args...)
		bad = true
	}
	first := o == nil
	if o == nil {
		o = &csvOrder{firstRow: line}
		p.groups[k] = o
		p.orders = append(p.orders, o)
		for c := range colLine {
			if c.orderLevel() {
				o.first[c] = p.normal(rec, c)
			}
		}
		o.order = entitle.Order{
			PONumber:         k.po,
			MSA:              p.cell(rec, colMSA),
			OrderDate:        csvDate(rec, p, colOrderDate, fail),
			Currency:         p.cell(rec, colCurrency),
			PurchasingEntity: k.pe,
			Owner:            p.cell(rec, colOwner),
			Resellers:        splitKeys(p.cell(rec, colResellers)),
			Installers:       splitKeys(p.cell(rec, colInstallers)),
			BillTo:           p.address(rec, colBillToName),
			InstallationSite: p.address(rec, colSiteName),
		}
	} else {
		for c := range colLine {
			if !c.orderLevel() {
				continue
			}
			if v := p.normal(rec, c); v != o.first[c] {
				fail(c, "%q differs from %q on line %d for PO %s of %s; the rows of one PO must agree on its order fields",
					clip(v), clip(o.first[c]), o.firstRow, clip(k.po), clip(k.pe))
			}
		}
	}
	orderBad := bad // the first row's order date, or a disagreement with it
	lineBad := false
	failLine := func(c column, format string, args ...any) {
		fail(c, format, args...)
		lineBad = true
	}
	l := entitle.Line{
		Line:           int(csvWhole(rec, p, colLine, "1", failLine)),
		SKU:            p.cell(rec, colSKU),
		Description:    p.cell(rec, colDescription),
		Quantity:       csvWhole(rec, p, colQuantity, "10", failLine),
		UnitPrice:      entitle.Decimal(p.cell(rec, colUnitPrice)),
		SubscriptionID: p.cell(rec, colSubscriptionID),
		StartDate:      csvDate(rec, p, colStartDate, failLine),
		EndDate:        csvDate(rec, p, colEndDate, failLine),
	}
	switch {
	case first && orderBad:
		o.bad = true // its order fields are this row's
	case lineBad:
		o.partial = true // the other rows are still checked
	default:
		// A row that disagrees on an order field still brings its line.
		o.order.Lines = append(o.order.Lines, l)
		o.rows = append(o.rows, line)
	}
}

// address returns the address in the three columns from name on, nil when
// they are all empty.
func (p *csvParser) address(rec []string, name column) *entitle.Address {
	a := entitle.Address{Name: p.cell(rec, name), Address: p.cell(rec, name+1), Country: p.cell(rec, name+2)}
	if a == (entitle.Address{}) {
		return nil
	}
	return &a
}

func csvDate(rec []string, p *csvParser, c column, fail func(column, string, ...any)) entitle.Date {
	s := p.cell(rec, c)
	if s == "" {
		return entitle.Date{}
	}
	d, err := entitle.ParseDate(clip(s)) // a long string is no date; keep the message short
	if err != nil {
		fail(c, "%v", err)
	}
	return d
}

func csvWhole(rec []string, p *csvParser, c column, example string, fail func(column, string, ...any)) int64 {
	s := p.cell(rec, c)
	if s == "" {
		return 0
	}
	x, ok := parseWhole(s)
	if !ok {
		fail(c, "must be a positive whole number such as %s, not %q%s", example, clip(s), tooLarge(s))
	}
	return x
}

// lineLimiter passes a reader through until one of its lines is longer
// than max bytes; from there on it fails with a *lineTooLongError.
type lineLimiter struct {
	r     io.Reader
	max   int
	run   int // bytes of the current line so far
	lines int // complete lines so far
	err   error
}

type lineTooLongError struct{ line, max int }

func (e *lineTooLongError) Error() string {
	return fmt.Sprintf("line %d is longer than %d bytes", e.line, e.max)
}

func (l *lineLimiter) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	n, err := l.r.Read(p)
	b := p[:n]
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		seg := i
		if i < 0 {
			seg = len(b)
		}
		if l.run+seg > l.max {
			l.err = &lineTooLongError{line: l.lines + 1, max: l.max}
			return n - len(b) + (l.max - l.run), nil
		}
		if i < 0 {
			l.run += len(b)
			break
		}
		l.run = 0
		l.lines++
		b = b[i+1:]
	}
	return n, err
}

// WriteOrdersCSV writes orders in the CSV format [ReadCSV] reads: a header
// with every column, then one row per order line. Reading the output back
// gives the same orders, except that an address whose fields are all empty
// reads back as no address. An order without lines, or with a reseller or
// installer key that is empty or contains ";", cannot be written.
func WriteOrdersCSV(w io.Writer, orders []entitle.Order) error {
	cw := csv.NewWriter(w)
	row := make([]string, numColumns)
	for c := range numColumns {
		row[c] = c.String()
	}
	if err := cw.Write(row); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	for _, o := range orders {
		if len(o.Lines) == 0 {
			return fmt.Errorf("write csv: PO %s of %s has no lines: a CSV file has one row per order line", o.PONumber, o.PurchasingEntity)
		}
		resellers, err := joinKeys(o, "reseller", o.Resellers)
		if err != nil {
			return err
		}
		installers, err := joinKeys(o, "installer", o.Installers)
		if err != nil {
			return err
		}
		clear(row)
		row[colPONumber] = o.PONumber
		row[colMSA] = o.MSA
		row[colOrderDate] = o.OrderDate.String()
		row[colCurrency] = o.Currency
		row[colPurchasingEntity] = o.PurchasingEntity
		row[colResellers] = resellers
		row[colOwner] = o.Owner
		row[colInstallers] = installers
		if a := o.BillTo; a != nil {
			row[colBillToName], row[colBillToAddress], row[colBillToCountry] = a.Name, a.Address, a.Country
		}
		if a := o.InstallationSite; a != nil {
			row[colSiteName], row[colSiteAddress], row[colSiteCountry] = a.Name, a.Address, a.Country
		}
		for _, l := range o.Lines {
			row[colLine] = strconv.Itoa(l.Line)
			row[colSKU] = l.SKU
			row[colDescription] = l.Description
			row[colQuantity] = strconv.FormatInt(l.Quantity, 10)
			row[colUnitPrice] = string(l.UnitPrice)
			row[colSubscriptionID] = l.SubscriptionID
			row[colStartDate] = l.StartDate.String()
			row[colEndDate] = l.EndDate.String()
			if err := cw.Write(row); err != nil {
				return fmt.Errorf("write csv: %w", err)
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}

func joinKeys(o entitle.Order, role string, keys []string) (string, error) {
	for _, k := range keys {
		if k == "" || strings.Contains(k, ";") || strings.TrimSpace(k) != k {
			return "", fmt.Errorf("write csv: PO %s of %s: %s key %q cannot be written in a \";\"-separated list", o.PONumber, o.PurchasingEntity, role, k)
		}
	}
	return strings.Join(keys, ";"), nil
}
