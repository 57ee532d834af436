package store

import (
	"context"
	"strings"

	"github.com/entitle-portal/entitle"
)

// Reads for the portal's vendor pages (companies, MSAs) and its audit page
// (newest first). The vendor's pages show the vendor's whole record (R6);
// internal/policy decides who gets them.

// CompanySummaries returns up to limit companies after the one with key
// after (""; from the first), by key.
func (db *DB) CompanySummaries(ctx context.Context, after string, limit int) ([]entitle.CompanySummary, error) {
	rows, err := db.r().QueryContext(ctx, db.d.q(`SELECT c.key, c.name, c.kind, c.contact_email, c.contact_phone, c.website, c.listed,
		(SELECT COUNT(*) FROM users u WHERE u.company_id = c.id),
		(SELECT COUNT(*) FROM users u WHERE u.company_id = c.id AND u.status = 'active'),
		(SELECT COUNT(*) FROM users u WHERE u.company_id = c.id AND u.status = 'active' AND u.admin)
		FROM companies c WHERE c.key > ? ORDER BY c.key LIMIT ?`), after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []entitle.CompanySummary
	for rows.Next() {
		var s entitle.CompanySummary
		p := &s.Profile
		if err := rows.Scan(&p.Company.Key, &p.Company.Name, &p.Company.Kind, &p.ContactEmail, &p.ContactPhone, &p.Website, &p.Listed,
			&s.Users, &s.Active, &s.Admins); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// MSAs returns up to limit MSAs after the one numbered after ("": from the
// first), by number.
func (db *DB) MSAs(ctx context.Context, after string, limit int) ([]entitle.MSARecord, error) {
	rows, err := db.r().QueryContext(ctx, db.d.q(`SELECT m.number, c.key, c.name, m.start_date, m.end_date
		FROM msas m JOIN companies c ON c.id = m.company_id WHERE m.number > ? ORDER BY m.number LIMIT ?`), after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []entitle.MSARecord
	for rows.Next() {
		var m entitle.MSARecord
		var start, end string
		if err := rows.Scan(&m.Number, &m.Company, &m.CompanyName, &start, &end); err != nil {
			return nil, err
		}
		if m.Start, err = entitle.ParseDate(start); err != nil {
			return nil, err
		}
		if m.End, err = entitle.ParseDate(end); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// AuditEventsNewest returns up to limit events before the one with ID
// before (0: from the newest), newest first: of one company, or of all
// when company is "". [DB.AuditEvents] reads oldest first.
func (db *DB) AuditEventsNewest(ctx context.Context, company string, before int64, limit int) ([]entitle.AuditEvent, error) {
	var where []string
	var args []any
	if before > 0 {
		where, args = append(where, `a.id < ?`), append(args, before)
	}
	if company != "" {
		where, args = append(where, `a.company_id = (SELECT id FROM companies WHERE key = ?)`), append(args, company)
	}
	q := `SELECT ` + auditColumns + ` FROM ` + auditFrom
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	return db.queryAuditEvents(ctx, q+` ORDER BY a.id DESC LIMIT ?`, append(args, limit)...)
}
