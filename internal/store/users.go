package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/entitle-portal/entitle"
)

// AddUser records a new user. The email must be new (compared
// case-insensitively) and the company must exist.
func (db *DB) AddUser(ctx context.Context, u entitle.User, passwordHash string, now time.Time) (entitle.User, error) {
	u.Email = entitle.NormalizeEmail(u.Email)
	if u.Status == "" {
		u.Status = entitle.UserActive
	}
	if err := u.Validate(); err != nil {
		return u, err
	}
	err := db.tx(ctx, func(tx *sql.Tx) (err error) {
		u, err = db.insertUser(ctx, tx, u, passwordHash, now)
		return err
	})
	return u, err
}

// insertUser records u, with passwordHash ("" : none), in tx: its company
// must exist and its email be new (compared case-insensitively, u.Email
// normalized already).
func (db *DB) insertUser(ctx context.Context, tx *sql.Tx, u entitle.User, passwordHash string, now time.Time) (entitle.User, error) {
	var cid int64
	err := tx.QueryRowContext(ctx, db.d.q(`SELECT id FROM companies WHERE key = ?`), u.Company).Scan(&cid)
	if errors.Is(err, sql.ErrNoRows) {
		return u, entitle.Errorf(entitle.CodeNotFound, "no company with key %s", u.Company)
	}
	if err != nil {
		return u, err
	}
	var exists int
	if err := tx.QueryRowContext(ctx, db.d.q(`SELECT COUNT(*) FROM users WHERE email = ?`), u.Email).Scan(&exists); err != nil {
		return u, err
	}
	if exists > 0 {
		return u, entitle.Errorf(entitle.CodeConflict, "a user with email %s already exists", u.Email)
	}
	u.CreatedAt = now.UTC().Truncate(time.Microsecond)
	err = tx.QueryRowContext(ctx, db.d.q(`INSERT INTO users (email, name, company_id, admin, status, password_hash, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		u.Email, u.Name, cid, u.Admin, string(u.Status), passwordHash, now.UnixMicro()).Scan(&u.ID)
	return u, err
}

// AddUsers records many users in one transaction (the demo and benchmark
// channels); companies must exist and emails be new.
func (db *DB) AddUsers(ctx context.Context, users []entitle.UserRecord, now time.Time) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		ins, err := tx.PrepareContext(ctx, db.d.q(`INSERT INTO users (email, name, company_id, admin, status, password_hash, created_at)
			SELECT ?, ?, id, ?, ?, ?, ? FROM companies WHERE key = ?`))
		if err != nil {
			return err
		}
		defer ins.Close()
		for _, u := range users {
			if u.Status == "" {
				u.Status = entitle.UserActive
			}
			u.Email = entitle.NormalizeEmail(u.Email)
			if err := u.Validate(); err != nil {
				return err
			}
			res, err := ins.ExecContext(ctx, u.Email, u.Name, u.Admin, string(u.Status), u.PasswordHash, now.UnixMicro(), u.Company)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return entitle.Errorf(entitle.CodeNotFound, "no company with key %s (user %s)", u.Company, u.Email)
			}
		}
		return nil
	})
}

const userColumns = `u.id, u.email, u.name, c.key, u.admin, u.status, u.password_hash, u.created_at, u.language`

func scanUser(row interface{ Scan(...any) error }, extra ...any) (entitle.UserRecord, error) {
	var u entitle.UserRecord
	var created int64
	err := row.Scan(append([]any{&u.ID, &u.Email, &u.Name, &u.Company, &u.Admin, &u.Status, &u.PasswordHash, &created, &u.Language}, extra...)...)
	u.CreatedAt = time.UnixMicro(created).UTC()
	return u, err
}

// UserByEmail returns the user with email (compared case-insensitively).
func (db *DB) UserByEmail(ctx context.Context, email string) (entitle.UserRecord, error) {
	u, err := scanUser(db.r().QueryRowContext(ctx, db.d.q(`SELECT `+userColumns+`
		FROM users u JOIN companies c ON c.id = u.company_id WHERE u.email = ?`), entitle.NormalizeEmail(email)))
	if errors.Is(err, sql.ErrNoRows) {
		return u, entitle.ErrNotFound
	}
	return u, err
}

// UsersOf returns the users of a company, by email.
func (db *DB) UsersOf(ctx context.Context, company string) ([]entitle.UserRecord, error) {
	rows, err := db.r().QueryContext(ctx, db.d.q(`SELECT `+userColumns+`
		FROM users u JOIN companies c ON c.id = u.company_id WHERE c.key = ? ORDER BY u.email`), company)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []entitle.UserRecord
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// AddToken records an API token of a user by its hash (hex SHA-256), the
// token itself is never stored, expiring at expires (zero: never), with
// its scopes and, when ev.Action is set, its audit event.
func (db *DB) AddToken(ctx context.Context, userID int64, name, hash string, scopes entitle.Scopes, now, expires time.Time, ev entitle.AuditEvent) (int64, error) {
	var id int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, db.d.q(`INSERT INTO api_tokens (user_id, name, hash, scopes, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`),
			userID, strings.TrimSpace(name), hash, scopes.String(), now.UnixMicro(), micros(expires)).Scan(&id); err != nil {
			return err
		}
		if ev.Action == "" {
			return nil
		}
		return db.appendAudit(ctx, tx, ev)
	})
	return id, err
}

// UserByToken returns the user owning the token with hash, if it is
// neither revoked nor expired at now, and the token: its scopes and when
// it was last used (zero if never).
func (db *DB) UserByToken(ctx context.Context, hash string, now time.Time) (entitle.UserRecord, entitle.APIToken, error) {
	var last sql.NullInt64
	var scopes string
	db.traceStmt(db.stmt.userByToken, hash, now.UnixMicro())
	u, err := scanUser(db.stmt.userByToken.QueryRowContext(ctx, hash, now.UnixMicro()), &last, &scopes)
	if errors.Is(err, sql.ErrNoRows) {
		return u, entitle.APIToken{}, entitle.ErrNotFound
	}
	if err != nil {
		return u, entitle.APIToken{}, err
	}
	return u, entitle.APIToken{LastUsedAt: fromMicros(last), Scopes: storedScopes(scopes)}, nil
}

// storedScopes reads a token's scopes column. A name this version does not
// know (written by a newer one) is dropped: a token is never given more
// than the column says.
func storedScopes(text string) entitle.Scopes {
	var out entitle.Scopes
	for _, f := range strings.Fields(text) {
		if ss, err := entitle.ParseScopes(f); err == nil {
			out = append(out, ss...)
		}
	}
	ss, _ := entitle.ScopesOf(out.Strings())
	return ss
}

// SetUserStatus enables or disables the user with email, with its audit
// event, in one transaction. A disabled user's sessions and tokens stop
// working on the next request: authentication reads the status every time.
func (db *DB) SetUserStatus(ctx context.Context, email string, status entitle.UserStatus, ev entitle.AuditEvent) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.d.q(`UPDATE users SET status = ? WHERE email = ?`), string(status), entitle.NormalizeEmail(email))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return entitle.ErrNotFound
		}
		return db.appendAudit(ctx, tx, ev)
	})
}

// RevokeTokens revokes the user's unrevoked API tokens — those labelled
// name, or all when name is "" — with its audit event, and returns how many.
func (db *DB) RevokeTokens(ctx context.Context, userID int64, name string, now time.Time, ev entitle.AuditEvent) (int, error) {
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		q, args := `UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL`, []any{now.UnixMicro(), userID}
		if name != "" {
			q, args = q+` AND name = ?`, append(args, strings.TrimSpace(name))
		}
		res, err := tx.ExecContext(ctx, db.d.q(q), args...)
		if err != nil {
			return err
		}
		if n, _ = res.RowsAffected(); n == 0 {
			return nil
		}
		ev.Detail = strings.TrimSpace(ev.Detail + " " + strconv.FormatInt(n, 10) + " revoked")
		return db.appendAudit(ctx, tx, ev)
	})
	return int(n), err
}

// UserByID returns the user with id (ErrNotFound).
func (db *DB) UserByID(ctx context.Context, id int64) (entitle.UserRecord, error) {
	u, err := scanUser(db.r().QueryRowContext(ctx, db.d.q(`SELECT `+userColumns+`
		FROM users u JOIN companies c ON c.id = u.company_id WHERE u.id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return u, entitle.ErrNotFound
	}
	return u, err
}

// CompanyUsers returns a page of the company's users by email, after the
// address after.
func (db *DB) CompanyUsers(ctx context.Context, company, after string, limit int) ([]entitle.UserRecord, error) {
	rows, err := db.r().QueryContext(ctx, db.d.q(`SELECT `+userColumns+`
		FROM users u JOIN companies c ON c.id = u.company_id WHERE c.key = ? AND u.email > ? ORDER BY u.email LIMIT ?`), company, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []entitle.UserRecord
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// ChangeUser applies ch to the user with id, in one transaction: check first
// sees the user and how many other active administrators the company has (so
// that a rule such as "the last active administrator stays" holds even
// against a concurrent change) and may refuse; its error is returned as is.
// Each effective change is audited as its own event (user.disable,
// user.enable, user.promote, user.demote) from the template ev. Disabling
// ends the user's sessions; their API tokens stop working while disabled
// (authentication reads the status on every request). A change to what the
// user already is changes and records nothing.
func (db *DB) ChangeUser(ctx context.Context, id int64, ch entitle.UserChange, check func(u entitle.UserRecord, otherActiveAdmins int) error, ev entitle.AuditEvent) (entitle.UserRecord, error) {
	var u entitle.UserRecord
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		u, err = scanUser(tx.QueryRowContext(ctx, db.d.q(`SELECT `+userColumns+`
			FROM users u JOIN companies c ON c.id = u.company_id WHERE u.id = ?`), id))
		if errors.Is(err, sql.ErrNoRows) {
			return entitle.ErrNotFound
		}
		if err != nil {
			return err
		}
		var others int
		if err := tx.QueryRowContext(ctx, db.d.q(`SELECT COUNT(*) FROM users
			WHERE company_id = (SELECT company_id FROM users WHERE id = ?) AND admin AND status = ? AND id <> ?`),
			id, string(entitle.UserActive), id).Scan(&others); err != nil {
			return err
		}
		if err := check(u, others); err != nil {
			return err
		}
		ev.Object = u.Email
		if ch.Status != nil && *ch.Status != u.Status {
			if _, err := tx.ExecContext(ctx, db.d.q(`UPDATE users SET status = ? WHERE id = ?`), string(*ch.Status), id); err != nil {
				return err
			}
			ev.Action = "user.enable"
			if *ch.Status == entitle.UserDisabled {
				ev.Action = "user.disable"
				if _, err := tx.ExecContext(ctx, db.d.q(`DELETE FROM sessions WHERE user_id = ?`), id); err != nil {
					return err
				}
			}
			u.Status = *ch.Status
			if err := db.appendAudit(ctx, tx, ev); err != nil {
				return err
			}
		}
		if ch.Admin != nil && *ch.Admin != u.Admin {
			if _, err := tx.ExecContext(ctx, db.d.q(`UPDATE users SET admin = ? WHERE id = ?`), *ch.Admin, id); err != nil {
				return err
			}
			ev.Action = "user.demote"
			if *ch.Admin {
				ev.Action = "user.promote"
			}
			u.Admin = *ch.Admin
			if err := db.appendAudit(ctx, tx, ev); err != nil {
				return err
			}
		}
		return nil
	})
	return u, err
}

// ActiveAdminReaders returns a company's active administrators, by email,
// each with the language they read mails in ("" when left to the
// browser): who is told of what concerns the company (transfers).
func (db *DB) ActiveAdminReaders(ctx context.Context, company string) ([]entitle.Recipient, error) {
	return db.recipients(ctx, `SELECT u.email, u.language FROM users u JOIN companies c ON c.id = u.company_id
		WHERE c.key = ? AND u.admin AND u.status = ? ORDER BY u.email`, company, string(entitle.UserActive))
}

// recipients returns the addresses and languages that query selects, in
// its order (nil when no row).
func (db *DB) recipients(ctx context.Context, query string, args ...any) ([]entitle.Recipient, error) {
	rows, err := db.r().QueryContext(ctx, db.d.q(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []entitle.Recipient
	for rows.Next() {
		var r entitle.Recipient
		if err := rows.Scan(&r.Email, &r.Language); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// strings returns the one text column that query selects, in its order
// (nil when no row).
func (db *DB) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := db.r().QueryContext(ctx, db.d.q(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
