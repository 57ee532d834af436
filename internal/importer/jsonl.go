package importer

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/entitle-portal/entitle"
)

// maxLineBytes bounds one line of an import file. A longer line is reported
// and skipped without being held in memory.
const maxLineBytes = 16 << 20

// maxCache bounds the decoder's caches of repeated strings and dates.
const maxCache = 1 << 16

// ReadJSONL parses a JSONL import stream: one company, msa, order or price
// record per line (SPEC §5). name is the file name used in problems.
//
// It returns the records it could parse, each an [entitle.Sourced] with
// File = name and the 1-based Line, and every syntax and type problem found,
// each naming its line and field. A record with any such problem is left
// out of the batch, so that [entitle.Batch.Validate] (which the caller runs
// next for the value and reference rules) does not report it a second time.
// Missing fields and JSON nulls are left as zero values for Validate to
// report. err is only for I/O errors of r.
func ReadJSONL(r io.Reader, name string) (entitle.Batch, entitle.Problems, error) {
	return readJSONL(r, name, maxLineBytes)
}

// readJSONL is ReadJSONL with lines limited to limit bytes.
func readJSONL(r io.Reader, name string, limit int) (entitle.Batch, entitle.Problems, error) {
	d := newDecoder(name)
	d.limit = limit
	err := d.read(r)
	return d.batch, d.problems, err
}

// read decodes every line of r. An error of r, or of d.orders, stops it.
func (d *decoder) read(r io.Reader) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var long []byte // a line longer than br's buffer
	skipping := false
	lineNo := 0
	for {
		chunk, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			if !skipping {
				if len(long)+len(chunk) > d.limit+2 { // +2: room for "\r\n"
					skipping, long = true, long[:0]
				} else {
					long = append(long, chunk...)
				}
			}
			continue
		}
		if err != nil && err != io.EOF {
			return fmt.Errorf("read %s: %w", d.file, err)
		}
		if len(chunk) > 0 || len(long) > 0 || skipping {
			lineNo++
			line := chunk
			if len(long) > 0 {
				long = append(long, chunk...)
				line = long
			}
			d.line(lineNo, line, skipping)
			if d.err != nil {
				return d.err
			}
			long, skipping = long[:0], false
		}
		if err == io.EOF {
			return nil
		}
	}
}

// decoder turns the lines of one JSONL file into records.
type decoder struct {
	file     string
	limit    int // of a line's length in bytes
	scan     jsonScanner
	batch    entitle.Batch
	problems entitle.Problems

	lineNo int  // the line being decoded
	bad    bool // the record on this line has a problem
	count  int  // problems found on this line

	strs  map[string]string // repeated values (keys, SKUs, prices…), shared
	dates map[string]entitle.Date

	// orders, when set, is given each order instead of the batch; an error
	// stops the reading (d.err). With ordersOnly, companies, MSAs and
	// prices are left out of the batch (read again for their orders).
	orders     func(entitle.Sourced[entitle.Order]) error
	ordersOnly bool
	err        error
}

func newDecoder(file string) *decoder {
	return &decoder{file: file, strs: map[string]string{}, dates: map[string]entitle.Date{}}
}

// maxLineProblems bounds the problems listed for one line, so that a
// hostile line cannot make the list many times larger than the file.
const maxLineProblems = 100

// fail records a problem with field of the current line's record.
func (d *decoder) fail(field, format string, args ...any) {
	d.bad = true
	d.count++
	switch {
	case d.count < maxLineProblems:
		d.problems = append(d.problems, entitle.Problem{File: d.file, Line: d.lineNo, Field: field, Message: fmt.Sprintf(format, args...)})
	case d.count == maxLineProblems:
		d.problems = append(d.problems, entitle.Problem{File: d.file, Line: d.lineNo, Message: "too many problems on this line; the rest are not listed"})
	}
}

// bom is the UTF-8 byte order mark, which some tools write at the start of a file.
const bom = "\xEF\xBB\xBF"

// line decodes one line (with its end-of-line bytes) and adds its record to
// the batch when it has no problem.
func (d *decoder) line(n int, line []byte, tooLong bool) {
	d.lineNo, d.bad, d.count = n, false, 0
	if n == 1 {
		line = bytes.TrimPrefix(line, []byte(bom))
	}
	line = bytes.TrimSuffix(line, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	if tooLong || len(line) > d.limit {
		d.fail("", "line is longer than %s: a record must fit on one line", size(d.limit))
		return
	}
	if blank(line) {
		return
	}
	if err := d.scan.scan(line); err != nil {
		col := utf8.RuneCount(line[:min(err.off, len(line))]) + 1
		d.fail("", "not valid JSON: %s at column %d", err.msg, col)
		return
	}
	if d.scan.nodes[0].kind != jsonObject {
		d.fail("", "a record must be a JSON object such as {\"type\":\"order\",…}, not %s", d.describe(0))
		return
	}
	typ, ok := d.recordType()
	if !ok {
		return
	}
	switch typ {
	case "company":
		if d.ordersOnly {
			return
		}
		c := d.company()
		if !d.bad {
			d.batch.Companies = append(d.batch.Companies, entitle.Sourced[entitle.Company]{File: d.file, Line: n, Record: c})
		}
	case "msa":
		if d.ordersOnly {
			return
		}
		m := d.msa()
		if !d.bad {
			d.batch.MSAs = append(d.batch.MSAs, entitle.Sourced[entitle.MSA]{File: d.file, Line: n, Record: m})
		}
	case "order":
		o := d.order()
		switch {
		case d.bad:
		case d.orders != nil:
			d.err = d.orders(entitle.Sourced[entitle.Order]{File: d.file, Line: n, Record: o})
		default:
			d.batch.Orders = append(d.batch.Orders, entitle.Sourced[entitle.Order]{File: d.file, Line: n, Record: o})
		}
	case "price":
		if d.ordersOnly {
			return
		}
		p := d.price()
		if !d.bad {
			d.batch.Prices = append(d.batch.Prices, entitle.Sourced[entitle.Price]{File: d.file, Line: n, Record: p})
		}
	}
}

// size formats a number of bytes for a problem message.
func size(n int) string {
	if n%(1<<20) == 0 {
		return valuef("%d MiB", n>>20)
	}
	return valuef("%d bytes", n)
}

// valuef words a value a problem's message fills in ("a number (3)"): a
// page reads it in its reader's language as it reads the message
// (internal/i18n's catalogue of refusals has it).
func valuef(format string, args ...any) string {
	return fmt.Sprintf(format, args...)
}

// blank reports whether line holds only spaces and tabs.
func blank(line []byte) bool {
	for _, c := range line {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}

const typeHint = `"company", "msa", "order" or "price"`

// recordType returns the value of the root object's first "type" member.
func (d *decoder) recordType() (string, bool) {
	root := d.scan.nodes[0]
	k := 1
	for range root.len {
		v := k + 1
		if d.keyIs(k, "type") {
			n := d.scan.nodes[v]
			if n.kind != jsonString {
				d.fail("type", "must be %s, not %s", typeHint, d.describe(v))
				return "", false
			}
			switch t := d.str(v); t {
			case "company", "msa", "order", "price":
				return t, true
			default:
				d.fail("type", "%q is not a record type; use %s", clip(t), typeHint)
				return "", false
			}
		}
		k = d.scan.nodes[v].next
	}
	d.fail("type", "missing; every record needs \"type\": %s", typeHint)
	return "", false
}

// Field lists of each kind of object, in the SPEC's order, and the hint an
// unknown field gets.
var (
	companyFields = []string{"type", "key", "name", "kind"}
	msaFields     = []string{"type", "number", "company", "start", "end"}
	orderFields   = []string{"type", "po_number", "msa", "order_date", "currency", "purchasing_entity", "resellers",
		"owner", "installers", "bill_to", "installation_site", "lines"}
	priceFields   = []string{"type", "sku", "currency", "partner_price"}
	addressFields = []string{"name", "address", "country"}
	lineFields    = []string{"line", "sku", "description", "quantity", "unit_price", "subscription_id",
		"start_date", "end_date", "amount"}
)

const (
	companyHint = "a company record has type, key, name and kind"
	msaHint     = "an msa record has type, number, company, start and end"
	orderHint   = "an order record has type, po_number, msa, order_date, currency, purchasing_entity, resellers, owner, installers, bill_to, installation_site and lines"
	priceHint   = "a price record has type, sku, currency and partner_price"
	addressHint = "an address has name, address and country"
	lineHint    = "an order line has line, sku, description, quantity, unit_price, subscription_id, start_date and end_date"
)

// path names where an object is in the record, to name its fields in
// problems: the record itself (the zero path), "bill_to", or an element of
// "lines".
type path struct {
	parent  string
	index   int // element of parent, when indexed
	indexed bool
}

func (p path) field(name string) string {
	switch {
	case p.parent == "":
		return name
	case p.indexed && name == "":
		return fmt.Sprintf("%s[%d]", p.parent, p.index)
	case p.indexed:
		return fmt.Sprintf("%s[%d].%s", p.parent, p.index, name)
	default:
		return p.parent + "." + name
	}
}

// fields walks the members of object node obj. For each member named in
// names it calls set with the name's index and the value node; it reports
// every unknown and repeated field.
func (d *decoder) fields(obj int, at path, names []string, hint string, set func(f, v int)) {
	var seen, repeated uint64
	var unknown []string
	k := obj + 1
	for range d.scan.nodes[obj].len {
		v := k + 1
		key := d.keyBytes(k)
		f := -1
		for i, name := range names {
			if string(key) == name {
				f = i
				break
			}
		}
		switch {
		case f < 0:
			name := string(key)
			if d.count >= maxLineProblems {
				break // not listed anyway
			}
			if !slices.Contains(unknown, name) {
				unknown = append(unknown, name)
				d.unknownField(at, name, names, hint)
			}
		case seen&(1<<f) != 0:
			if repeated&(1<<f) == 0 {
				repeated |= 1 << f
				d.fail(at.field(names[f]), "appears more than once in the same object; give each field once")
			}
		default:
			seen |= 1 << f
			set(f, v)
		}
		k = d.scan.nodes[v].next
	}
}

func (d *decoder) unknownField(at path, name string, names []string, hint string) {
	for _, n := range names {
		if strings.EqualFold(n, name) {
			d.fail(at.field(clip(name)), "unknown field (did you mean %q?); %s", n, hint)
			return
		}
	}
	d.fail(at.field(clip(name)), "unknown field; %s", hint)
}

// keyBytes returns the name of key node k, decoded.
func (d *decoder) keyBytes(k int) []byte {
	n := d.scan.nodes[k]
	b := d.scan.data[n.start:n.end]
	if n.escaped {
		return []byte(unescape(b))
	}
	return b
}

func (d *decoder) keyIs(k int, name string) bool { return string(d.keyBytes(k)) == name }

// str returns the value of string node v as a new string.
func (d *decoder) str(v int) string {
	n := d.scan.nodes[v]
	b := d.scan.data[n.start:n.end]
	if n.escaped {
		return unescape(b)
	}
	return string(b)
}

// shared is str for values that repeat across records (company keys, SKUs,
// prices, currencies…): it returns one string per distinct value.
func (d *decoder) shared(v int) string {
	n := d.scan.nodes[v]
	b := d.scan.data[n.start:n.end]
	if n.escaped || len(b) > 256 {
		return d.str(v)
	}
	if s, ok := d.strs[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(d.strs) < maxCache {
		d.strs[s] = s
	}
	return s
}

// describe names the type and value of node v for a problem message.
func (d *decoder) describe(v int) string {
	n := d.scan.nodes[v]
	switch n.kind {
	case jsonNull:
		return "null"
	case jsonBool:
		return valuef("a boolean (%s)", string(d.scan.data[n.start:n.end]))
	case jsonNumber:
		return valuef("a number (%s)", clip(string(d.scan.data[n.start:n.end])))
	case jsonString:
		return valuef("a string (%q)", clip(d.str(v)))
	case jsonArray:
		return valuef("an array")
	default:
		return valuef("an object")
	}
}

// clip shortens s for a problem message.
func clip(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

// text returns the string at v (null gives ""). When share, the value is
// expected to repeat across records.
func (d *decoder) text(v int, at path, name string, share bool) string {
	switch d.scan.nodes[v].kind {
	case jsonString:
		if share {
			return d.shared(v)
		}
		return d.str(v)
	case jsonNull:
		return ""
	}
	d.fail(at.field(name), "must be a string, not %s", d.describe(v))
	return ""
}

// date returns the date at v; null and "" give the zero Date.
func (d *decoder) date(v int, at path, name string) entitle.Date {
	n := d.scan.nodes[v]
	switch n.kind {
	case jsonNull:
		return entitle.Date{}
	case jsonString:
	default:
		d.fail(at.field(name), "must be a date string such as \"2026-01-31\", not %s", d.describe(v))
		return entitle.Date{}
	}
	b := d.scan.data[n.start:n.end]
	if len(b) == 0 {
		return entitle.Date{}
	}
	if t, ok := d.dates[string(b)]; ok && !n.escaped {
		return t
	}
	s := d.str(v)
	t, err := entitle.ParseDate(clip(s)) // a long string is no date; keep the message short
	if err != nil {
		d.fail(at.field(name), "%v", err)
		return entitle.Date{}
	}
	if len(d.dates) < maxCache && !n.escaped {
		d.dates[s] = t
	}
	return t
}

// whole returns the integer at v (null gives 0). Negative numbers and zero
// are returned for Validate to report; fractions, exponents, strings and
// numbers beyond int64 are problems here.
func (d *decoder) whole(v int, at path, name, example string) int64 {
	n := d.scan.nodes[v]
	switch n.kind {
	case jsonNull:
		return 0
	case jsonNumber:
	default:
		d.fail(at.field(name), "must be a positive whole number such as %s, not %s", example, d.describe(v))
		return 0
	}
	b := d.scan.data[n.start:n.end]
	x, ok := parseWhole(b)
	if !ok {
		d.fail(at.field(name), "must be a positive whole number such as %s, not %s%s", example, clip(string(b)), tooLarge(b))
		return 0
	}
	return x
}

// parseWhole parses an optionally negative run of decimal digits that fits
// an int64.
func parseWhole[S string | []byte](b S) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, false
	}
	var x uint64
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c < '0' || c > '9' || x > (1<<63)/10 {
			return 0, false
		}
		x = x*10 + uint64(c-'0')
		if x > 1<<63 || !neg && x > 1<<63-1 {
			return 0, false
		}
	}
	if neg {
		return int64(-x), true // also right for -1<<63
	}
	return int64(x), true
}

// tooLarge explains why a whole number that parseWhole refused is wrong,
// when it is because of its size.
func tooLarge[S string | []byte](b S) string {
	if len(b) > 0 && b[0] == '-' {
		b = b[1:]
	}
	for i := 0; i < len(b); i++ {
		if b[i] < '0' || b[i] > '9' {
			return ""
		}
	}
	if len(b) == 0 {
		return ""
	}
	return " (too large)"
}

// decimal returns the decimal string at v (null gives "").
func (d *decoder) decimal(v int, at path, name string) entitle.Decimal {
	switch d.scan.nodes[v].kind {
	case jsonString:
		return entitle.Decimal(d.shared(v))
	case jsonNull:
		return ""
	case jsonNumber:
		n := d.scan.nodes[v]
		d.fail(at.field(name), "must be a decimal string such as \"120.00\", not a number (%s); amounts are never floats", clip(string(d.scan.data[n.start:n.end])))
		return ""
	}
	d.fail(at.field(name), "must be a decimal string such as \"120.00\", not %s", d.describe(v))
	return ""
}

// keys returns the array of company keys at v (null and [] give nil).
func (d *decoder) keys(v int, name string) []string {
	n := d.scan.nodes[v]
	switch n.kind {
	case jsonNull:
		return nil
	case jsonArray:
	default:
		d.fail(name, "must be an array of company keys such as [\"BETA-RES\"], not %s", d.describe(v))
		return nil
	}
	if n.len == 0 {
		return nil
	}
	keys := make([]string, 0, n.len)
	e := v + 1
	for i := range n.len {
		if d.scan.nodes[e].kind == jsonString {
			keys = append(keys, d.shared(e))
		} else {
			d.fail(fmt.Sprintf("%s[%d]", name, i), "must be a company key string, not %s", d.describe(e))
		}
		e = d.scan.nodes[e].next
	}
	return keys
}

// address returns the address object at v (null gives nil).
func (d *decoder) address(v int, name string) *entitle.Address {
	switch d.scan.nodes[v].kind {
	case jsonNull:
		return nil
	case jsonObject:
	default:
		d.fail(name, "must be an object with name, address and country, not %s", d.describe(v))
		return nil
	}
	at := path{parent: name}
	a := new(entitle.Address)
	d.fields(v, at, addressFields, addressHint, func(f, v int) {
		switch f {
		case 0:
			a.Name = d.text(v, at, "name", true)
		case 1:
			a.Address = d.text(v, at, "address", true)
		case 2:
			a.Country = d.text(v, at, "country", true)
		}
	})
	return a
}

func (d *decoder) company() entitle.Company {
	var c entitle.Company
	var at path // the record itself
	d.fields(0, at, companyFields, companyHint, func(f, v int) {
		switch f {
		case 1:
			c.Key = d.text(v, at, "key", true)
		case 2:
			c.Name = d.text(v, at, "name", false)
		case 3:
			c.Kind = entitle.Kind(d.text(v, at, "kind", true))
		}
	})
	return c
}

func (d *decoder) msa() entitle.MSA {
	var m entitle.MSA
	var at path // the record itself
	d.fields(0, at, msaFields, msaHint, func(f, v int) {
		switch f {
		case 1:
			m.Number = d.text(v, at, "number", true)
		case 2:
			m.Company = d.text(v, at, "company", true)
		case 3:
			m.Start = d.date(v, at, "start")
		case 4:
			m.End = d.date(v, at, "end")
		}
	})
	return m
}

func (d *decoder) price() entitle.Price {
	var p entitle.Price
	var at path // the record itself
	d.fields(0, at, priceFields, priceHint, func(f, v int) {
		switch f {
		case 1:
			p.SKU = d.text(v, at, "sku", true)
		case 2:
			p.Currency = d.text(v, at, "currency", true)
		case 3:
			p.PartnerPrice = d.decimal(v, at, "partner_price")
		}
	})
	return p
}

func (d *decoder) order() entitle.Order {
	var o entitle.Order
	var at path // the record itself
	d.fields(0, at, orderFields, orderHint, func(f, v int) {
		switch f {
		case 1:
			o.PONumber = d.text(v, at, "po_number", false)
		case 2:
			o.MSA = d.text(v, at, "msa", true)
		case 3:
			o.OrderDate = d.date(v, at, "order_date")
		case 4:
			o.Currency = d.text(v, at, "currency", true)
		case 5:
			o.PurchasingEntity = d.text(v, at, "purchasing_entity", true)
		case 6:
			o.Resellers = d.keys(v, "resellers")
		case 7:
			o.Owner = d.text(v, at, "owner", true)
		case 8:
			o.Installers = d.keys(v, "installers")
		case 9:
			o.BillTo = d.address(v, "bill_to")
		case 10:
			o.InstallationSite = d.address(v, "installation_site")
		case 11:
			o.Lines = d.lines(v)
		}
	})
	return o
}

// lines returns the array of order lines at v (null and [] give nil).
func (d *decoder) lines(v int) []entitle.Line {
	n := d.scan.nodes[v]
	switch n.kind {
	case jsonNull:
		return nil
	case jsonArray:
	default:
		d.fail("lines", "must be an array of order lines, not %s", d.describe(v))
		return nil
	}
	if n.len == 0 {
		return nil
	}
	lines := make([]entitle.Line, n.len)
	e := v + 1
	for i := range n.len {
		at := path{parent: "lines", index: i, indexed: true}
		if d.scan.nodes[e].kind == jsonObject {
			d.line1(e, at, &lines[i])
		} else {
			d.fail(at.field(""), "must be an order line object, not %s", d.describe(e))
		}
		e = d.scan.nodes[e].next
	}
	return lines
}

// line1 decodes the order line object at v into l.
func (d *decoder) line1(v int, at path, l *entitle.Line) {
	d.fields(v, at, lineFields, lineHint, func(f, v int) {
		switch f {
		case 0:
			l.Line = int(d.whole(v, at, "line", "1"))
		case 1:
			l.SKU = d.text(v, at, "sku", true)
		case 2:
			l.Description = d.text(v, at, "description", true)
		case 3:
			l.Quantity = d.whole(v, at, "quantity", "10")
		case 4:
			l.UnitPrice = d.decimal(v, at, "unit_price")
		case 5:
			l.SubscriptionID = d.text(v, at, "subscription_id", false)
		case 6:
			l.StartDate = d.date(v, at, "start_date")
		case 7:
			l.EndDate = d.date(v, at, "end_date")
		case 8:
			d.fail(at.field("amount"), "amount is computed from quantity × unit_price; remove it")
		}
	})
}
