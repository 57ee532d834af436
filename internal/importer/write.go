package importer

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/entitle-portal/entitle"
)

// WriteJSONL writes b as JSONL in the format [ReadJSONL] reads: companies,
// then MSAs, then prices, then orders, one record per line, fields in the
// SPEC's order, optional fields (resellers, installers, bill_to,
// installation_site, a line's description, an address's address and country)
// omitted when empty.
// Reading the output back gives the same records (their File and Line aside).
func WriteJSONL(w io.Writer, b entitle.Batch) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	var buf []byte
	for _, c := range b.Companies {
		buf = appendCompany(buf[:0], c.Record)
		bw.Write(buf) // a write error is sticky; Flush reports it
	}
	for _, m := range b.MSAs {
		buf = appendMSA(buf[:0], m.Record)
		bw.Write(buf)
	}
	for _, p := range b.Prices {
		buf = appendPrice(buf[:0], p.Record)
		bw.Write(buf)
	}
	for _, o := range b.Orders {
		buf = appendOrder(buf[:0], o.Record)
		bw.Write(buf)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write jsonl: %w", err)
	}
	return nil
}

func appendCompany(b []byte, c entitle.Company) []byte {
	b = append(b, `{"type":"company","key":`...)
	b = appendString(b, c.Key)
	b = append(b, `,"name":`...)
	b = appendString(b, c.Name)
	b = append(b, `,"kind":`...)
	b = appendString(b, string(c.Kind))
	return append(b, "}\n"...)
}

func appendMSA(b []byte, m entitle.MSA) []byte {
	b = append(b, `{"type":"msa","number":`...)
	b = appendString(b, m.Number)
	b = append(b, `,"company":`...)
	b = appendString(b, m.Company)
	b = append(b, `,"start":`...)
	b = appendDate(b, m.Start)
	b = append(b, `,"end":`...)
	b = appendDate(b, m.End)
	return append(b, "}\n"...)
}

func appendPrice(b []byte, p entitle.Price) []byte {
	b = append(b, `{"type":"price","sku":`...)
	b = appendString(b, p.SKU)
	b = append(b, `,"currency":`...)
	b = appendString(b, p.Currency)
	b = append(b, `,"partner_price":`...)
	b = appendString(b, string(p.PartnerPrice))
	return append(b, "}\n"...)
}

func appendOrder(b []byte, o entitle.Order) []byte {
	b = append(b, `{"type":"order","po_number":`...)
	b = appendString(b, o.PONumber)
	b = append(b, `,"msa":`...)
	b = appendString(b, o.MSA)
	b = append(b, `,"order_date":`...)
	b = appendDate(b, o.OrderDate)
	b = append(b, `,"currency":`...)
	b = appendString(b, o.Currency)
	b = append(b, `,"purchasing_entity":`...)
	b = appendString(b, o.PurchasingEntity)
	if len(o.Resellers) > 0 {
		b = append(b, `,"resellers":`...)
		b = appendStrings(b, o.Resellers)
	}
	b = append(b, `,"owner":`...)
	b = appendString(b, o.Owner)
	if len(o.Installers) > 0 {
		b = append(b, `,"installers":`...)
		b = appendStrings(b, o.Installers)
	}
	if o.BillTo != nil {
		b = append(b, `,"bill_to":`...)
		b = appendAddress(b, *o.BillTo)
	}
	if o.InstallationSite != nil {
		b = append(b, `,"installation_site":`...)
		b = appendAddress(b, *o.InstallationSite)
	}
	b = append(b, `,"lines":[`...)
	for i, l := range o.Lines {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"line":`...)
		b = strconv.AppendInt(b, int64(l.Line), 10)
		b = append(b, `,"sku":`...)
		b = appendString(b, l.SKU)
		if l.Description != "" {
			b = append(b, `,"description":`...)
			b = appendString(b, l.Description)
		}
		b = append(b, `,"quantity":`...)
		b = strconv.AppendInt(b, l.Quantity, 10)
		b = append(b, `,"unit_price":`...)
		b = appendString(b, string(l.UnitPrice))
		b = append(b, `,"subscription_id":`...)
		b = appendString(b, l.SubscriptionID)
		b = append(b, `,"start_date":`...)
		b = appendDate(b, l.StartDate)
		b = append(b, `,"end_date":`...)
		b = appendDate(b, l.EndDate)
		b = append(b, '}')
	}
	return append(b, "]}\n"...)
}

func appendAddress(b []byte, a entitle.Address) []byte {
	b = append(b, `{"name":`...)
	b = appendString(b, a.Name)
	if a.Address != "" {
		b = append(b, `,"address":`...)
		b = appendString(b, a.Address)
	}
	if a.Country != "" {
		b = append(b, `,"country":`...)
		b = appendString(b, a.Country)
	}
	return append(b, '}')
}

func appendStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

// appendDate writes d as a JSON string; the zero Date is "".
func appendDate(b []byte, d entitle.Date) []byte {
	b = append(b, '"')
	if !d.IsZero() {
		b = d.Time().AppendFormat(b, entitle.DateLayout)
	}
	return append(b, '"')
}

// appendString writes s as a JSON string. Like encoding/json it writes
// invalid UTF-8 as U+FFFD; it escapes only what JSON requires.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
