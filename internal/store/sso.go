package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/entitle-portal/entitle"
)

// Single sign-on: each company's OpenID Connect configuration, the domains
// it vouches for, and the sign-ins under way at a provider.

// SetSSO records company c.Company's configuration, replacing any it had,
// with sealed (its client secret as internal/sso sealed it; "" keeps the
// secret already recorded) and its audit event, in one transaction. A
// domain another company vouches for is refused (a conflict naming it and
// that company), and nothing changes.
func (db *DB) SetSSO(ctx context.Context, c entitle.SSOConfig, sealed string, ev entitle.AuditEvent) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		var cid int64
		err := tx.QueryRowContext(ctx, db.d.q(`SELECT id FROM companies WHERE key = ?`), c.Company).Scan(&cid)
		if errors.Is(err, sql.ErrNoRows) {
			return entitle.Errorf(entitle.CodeNotFound, "there is no company with key %s", c.Company)
		}
		if err != nil {
			return err
		}
		var ps entitle.Problems
		for _, d := range c.Domains {
			var other string
			err := tx.QueryRowContext(ctx, db.d.q(`SELECT c.key FROM sso_domains d JOIN companies c ON c.id = d.company_id
				WHERE d.domain = ? AND d.company_id <> ?`), d, cid).Scan(&other)
			switch {
			case err == nil:
				ps.Add("domains", "%s is already vouched for by company %s: a domain signs in at one company's provider only (remove it there first)", d, other)
			case !errors.Is(err, sql.ErrNoRows):
				return err
			}
		}
		if err := ps.Err(); err != nil {
			return entitle.Errorf(entitle.CodeConflict, "%s", strings.Join(problemMessages(ps), "; "))
		}
		if sealed == "" {
			err := tx.QueryRowContext(ctx, db.d.q(`SELECT client_secret FROM sso_configs WHERE company_id = ?`), cid).Scan(&sealed)
			if errors.Is(err, sql.ErrNoRows) {
				return entitle.Errorf(entitle.CodeInvalid, "the client secret is required for a company without single sign-on yet")
			}
			if err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, db.d.q(`INSERT INTO sso_configs (company_id, issuer, client_id, client_secret, password_login, updated_at, updated_by)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (company_id) DO UPDATE SET issuer = excluded.issuer, client_id = excluded.client_id,
				client_secret = excluded.client_secret, password_login = excluded.password_login,
				updated_at = excluded.updated_at, updated_by = excluded.updated_by`),
			cid, c.Issuer, c.ClientID, sealed, c.PasswordLogin, c.UpdatedAt.UnixMicro(), c.UpdatedBy); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, db.d.q(`DELETE FROM sso_domains WHERE company_id = ?`), cid); err != nil {
			return err
		}
		for _, d := range c.Domains {
			if _, err := tx.ExecContext(ctx, db.d.q(`INSERT INTO sso_domains (domain, company_id) VALUES (?, ?)`), d, cid); err != nil {
				return err
			}
		}
		return db.appendAudit(ctx, tx, ev)
	})
}

func problemMessages(ps entitle.Problems) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Message)
	}
	return out
}

// RemoveSSO removes company's configuration, with its audit event: its
// users sign in with passwords again, and sign-ins under way at its
// provider fail at the callback. Not found when it had none.
func (db *DB) RemoveSSO(ctx context.Context, company string, ev entitle.AuditEvent) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.d.q(`DELETE FROM sso_configs WHERE company_id = (SELECT id FROM companies WHERE key = ?)`), company)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return entitle.ErrNotFound
		}
		return db.appendAudit(ctx, tx, ev)
	})
}

const ssoColumns = `c.key, s.issuer, s.client_id, s.client_secret, s.password_login, s.updated_at, s.updated_by`

func (db *DB) scanSSO(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, row interface{ Scan(...any) error }) (entitle.SSOConfig, string, error) {
	var c entitle.SSOConfig
	var sealed string
	var at int64
	if err := row.Scan(&c.Company, &c.Issuer, &c.ClientID, &sealed, &c.PasswordLogin, &at, &c.UpdatedBy); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return c, "", entitle.ErrNotFound
		}
		return c, "", err
	}
	c.UpdatedAt = time.UnixMicro(at).UTC()
	rows, err := q.QueryContext(ctx, db.d.q(`SELECT d.domain FROM sso_domains d JOIN companies c ON c.id = d.company_id
		WHERE c.key = ? ORDER BY d.domain`), c.Company)
	if err != nil {
		return c, "", err
	}
	defer rows.Close()
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return c, "", err
		}
		c.Domains = append(c.Domains, d)
	}
	return c, sealed, rows.Err()
}

// SSOConfig returns company's configuration and its sealed client secret;
// entitle.ErrNotFound when it has none.
func (db *DB) SSOConfig(ctx context.Context, company string) (entitle.SSOConfig, string, error) {
	r := db.r()
	return db.scanSSO(ctx, r, r.QueryRowContext(ctx, db.d.q(`SELECT `+ssoColumns+`
		FROM sso_configs s JOIN companies c ON c.id = s.company_id WHERE c.key = ?`), company))
}

// SSOConfigByDomain returns the configuration of the company that vouches
// for domain, and its sealed client secret; entitle.ErrNotFound when none
// does.
func (db *DB) SSOConfigByDomain(ctx context.Context, domain string) (entitle.SSOConfig, string, error) {
	r := db.r()
	return db.scanSSO(ctx, r, r.QueryRowContext(ctx, db.d.q(`SELECT `+ssoColumns+`
		FROM sso_domains d JOIN sso_configs s ON s.company_id = d.company_id JOIN companies c ON c.id = s.company_id
		WHERE d.domain = ?`), strings.ToLower(domain)))
}

// SSOConfigs returns every company's configuration, by company key (the
// secrets are not read).
func (db *DB) SSOConfigs(ctx context.Context) ([]entitle.SSOConfig, error) {
	r := db.r()
	rows, err := r.QueryContext(ctx, db.d.q(`SELECT c.key FROM sso_configs s JOIN companies c ON c.id = s.company_id ORDER BY c.key`))
	if err != nil {
		return nil, err
	}
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return nil, err
		}
		keys = append(keys, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]entitle.SSOConfig, 0, len(keys))
	for _, k := range keys {
		c, _, err := db.SSOConfig(ctx, k)
		if errors.Is(err, entitle.ErrNotFound) {
			continue // removed meanwhile
		}
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// PasswordLoginAllowed reports whether company's users may sign in with a
// password: yes unless its single sign-on says otherwise.
func (db *DB) PasswordLoginAllowed(ctx context.Context, company string) (bool, error) {
	var allowed bool
	err := db.r().QueryRowContext(ctx, db.d.q(`SELECT s.password_login FROM sso_configs s JOIN companies c ON c.id = s.company_id
		WHERE c.key = ?`), company).Scan(&allowed)
	if errors.Is(err, sql.ErrNoRows) {
		return true, nil
	}
	return allowed, err
}

// AddSSOLogin records a sign-in under way, and forgets the expired ones.
func (db *DB) AddSSOLogin(ctx context.Context, l entitle.SSOLogin) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, db.d.q(`DELETE FROM sso_logins WHERE expires_at <= ?`), l.CreatedAt.UnixMicro()); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, db.d.q(`INSERT INTO sso_logins (state_hash, binding_hash, company_id, nonce, verifier, next, created_at, expires_at)
			SELECT ?, ?, id, ?, ?, ?, ?, ? FROM companies WHERE key = ?`),
			l.StateHash, l.BindingHash, l.Nonce, l.Verifier, l.Next, l.CreatedAt.UnixMicro(), l.ExpiresAt.UnixMicro(), l.Company)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return entitle.Errorf(entitle.CodeNotFound, "there is no company with key %s", l.Company)
		}
		return nil
	})
}

// TakeSSOLogin returns and forgets the sign-in under way with stateHash:
// a state is good once. entitle.ErrNotFound when there is none, or it
// expired by now (forgotten as well).
func (db *DB) TakeSSOLogin(ctx context.Context, stateHash string, now time.Time) (entitle.SSOLogin, error) {
	var l entitle.SSOLogin
	var created, expires int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, db.d.q(`DELETE FROM sso_logins WHERE state_hash = ?
			RETURNING state_hash, binding_hash, (SELECT key FROM companies WHERE id = company_id), nonce, verifier, next, created_at, expires_at`), stateHash).
			Scan(&l.StateHash, &l.BindingHash, &l.Company, &l.Nonce, &l.Verifier, &l.Next, &created, &expires)
		if errors.Is(err, sql.ErrNoRows) {
			return entitle.ErrNotFound
		}
		return err
	})
	if err != nil {
		return entitle.SSOLogin{}, err
	}
	l.CreatedAt, l.ExpiresAt = time.UnixMicro(created).UTC(), time.UnixMicro(expires).UTC()
	if !now.Before(l.ExpiresAt) {
		return entitle.SSOLogin{}, entitle.ErrNotFound
	}
	return l, nil
}

// AddSSOUser records a person signed in for the first time by company's
// provider as an active member of company (no password: they sign in at
// the provider), with its audit event, in one transaction. A conflict when
// the address has a user already (of any company).
func (db *DB) AddSSOUser(ctx context.Context, u entitle.User, now time.Time, ev entitle.AuditEvent) (entitle.UserRecord, error) {
	u.Email = entitle.NormalizeEmail(u.Email)
	u.Admin, u.Status = false, entitle.UserActive
	if err := u.Validate(); err != nil {
		return entitle.UserRecord{}, err
	}
	err := db.tx(ctx, func(tx *sql.Tx) (err error) {
		if u, err = db.insertUser(ctx, tx, u, "", now); err != nil {
			return err
		}
		ev.Object = u.Email
		return db.appendAudit(ctx, tx, ev)
	})
	if err != nil {
		return entitle.UserRecord{}, err
	}
	return entitle.UserRecord{User: u}, nil
}
