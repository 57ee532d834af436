package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/entitle-portal/entitle"
)

const announcementColumns = `a.id, a.title, a.body, a.link, a.link_text, a.starts_at, a.ends_at, a.created_at, a.created_by, a.ended_at, a.ended_by`

func scanAnnouncement(row interface{ Scan(...any) error }) (entitle.Announcement, error) {
	var a entitle.Announcement
	var starts, ends, created int64
	var ended sql.NullInt64
	err := row.Scan(&a.ID, &a.Title, &a.Text, &a.Link, &a.LinkText, &starts, &ends, &created, &a.CreatedBy, &ended, &a.EndedBy)
	a.Starts, a.Ends, a.CreatedAt = time.UnixMicro(starts).UTC(), time.UnixMicro(ends).UTC(), time.UnixMicro(created).UTC()
	a.EndedAt = fromMicros(ended)
	return a, err
}

// PostAnnouncement records a new announcement (its ID is ignored) with its
// audit event, whose Object becomes the new announcement's ID, and returns
// it as recorded.
func (db *DB) PostAnnouncement(ctx context.Context, a entitle.Announcement, ev entitle.AuditEvent) (entitle.Announcement, error) {
	if !a.Starts.Before(a.Ends) {
		return a, errors.New("an announcement must start before it ends")
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, db.d.q(`INSERT INTO announcements (title, body, link, link_text, starts_at, ends_at, created_at, created_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			a.Title, a.Text, a.Link, a.LinkText, a.Starts.UnixMicro(), a.Ends.UnixMicro(), a.CreatedAt.UnixMicro(), a.CreatedBy).Scan(&a.ID)
		if err != nil {
			return err
		}
		ev.Object = strconv.FormatInt(a.ID, 10)
		return db.appendAudit(ctx, tx, ev)
	})
	if err != nil {
		return a, err
	}
	return db.Announcement(ctx, a.ID)
}

// Announcement returns the announcement with id (ErrNotFound).
func (db *DB) Announcement(ctx context.Context, id int64) (entitle.Announcement, error) {
	a, err := scanAnnouncement(db.r().QueryRowContext(ctx, db.d.q(`SELECT `+announcementColumns+` FROM announcements a WHERE a.id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, entitle.ErrNotFound
	}
	return a, err
}

// Announcements returns up to limit announcements, newest first, before
// the one with ID before (0: from the newest).
func (db *DB) Announcements(ctx context.Context, before int64, limit int) ([]entitle.Announcement, error) {
	q, args := `SELECT `+announcementColumns+` FROM announcements a`, []any{}
	if before > 0 {
		q, args = q+` WHERE a.id < ?`, append(args, before)
	}
	return db.announcements(ctx, q+` ORDER BY a.id DESC LIMIT ?`, append(args, limit)...)
}

// Banners returns the announcements in force at now that the user with ID
// user has not dismissed, the first to start first.
func (db *DB) Banners(ctx context.Context, user int64, now time.Time) ([]entitle.Announcement, error) {
	t := now.UnixMicro()
	return db.announcements(ctx, `SELECT `+announcementColumns+` FROM announcements a
		WHERE a.ends_at > ? AND a.starts_at <= ? AND a.ended_at IS NULL
		AND NOT EXISTS (SELECT 1 FROM announcement_dismissals d WHERE d.user_id = ? AND d.announcement_id = a.id)
		ORDER BY a.starts_at, a.id`, t, t, user)
}

func (db *DB) announcements(ctx context.Context, q string, args ...any) ([]entitle.Announcement, error) {
	rows, err := db.r().QueryContext(ctx, db.d.q(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []entitle.Announcement
	for rows.Next() {
		a, err := scanAnnouncement(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// EndAnnouncement ends the announcement with id at now, before its time,
// with its audit event (ErrNotFound). One already over is left as it is
// and no event is recorded; changed says whether it was ended now.
func (db *DB) EndAnnouncement(ctx context.Context, id int64, by string, now time.Time, ev entitle.AuditEvent) (changed bool, err error) {
	err = db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.d.q(`UPDATE announcements SET ended_at = ?, ended_by = ? WHERE id = ? AND ended_at IS NULL AND ends_at > ?`),
			now.UnixMicro(), by, id, now.UnixMicro())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			changed = true
			return db.appendAudit(ctx, tx, ev)
		}
		var one int
		err = tx.QueryRowContext(ctx, db.d.q(`SELECT 1 FROM announcements WHERE id = ?`), id).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return entitle.ErrNotFound
		}
		return err
	})
	return changed, err
}

// DismissAnnouncement hides the announcement with id from the user with ID
// user from now on (ErrNotFound when there is no such announcement).
// Dismissing it again changes nothing.
func (db *DB) DismissAnnouncement(ctx context.Context, id, user int64, now time.Time) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, db.d.q(`SELECT 1 FROM announcements WHERE id = ?`), id).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return entitle.ErrNotFound
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, db.d.q(`INSERT INTO announcement_dismissals (announcement_id, user_id, dismissed_at) VALUES (?, ?, ?)
			ON CONFLICT (user_id, announcement_id) DO NOTHING`), id, user, now.UnixMicro())
		return err
	})
}
