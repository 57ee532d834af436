package store

import (
	"context"
	"database/sql"
)

// RateHits returns a rate-limit bucket's hits in the windows starting at
// prev and cur (micros since the epoch; see internal/ratelimit).
func (db *DB) RateHits(ctx context.Context, bucket string, prev, cur int64) (p, c int, err error) {
	rows, err := db.r().QueryContext(ctx, db.d.q(`SELECT window_start, hits FROM rate_limits WHERE bucket = ? AND window_start IN (?, ?)`), bucket, prev, cur)
	if err != nil {
		return 0, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var start int64
		var hits int
		if err := rows.Scan(&start, &hits); err != nil {
			return 0, 0, err
		}
		if start == cur {
			c = hits
		} else {
			p = hits
		}
	}
	return p, c, rows.Err()
}

// AddRateHit counts one hit of bucket in the window starting at cur.
func (db *DB) AddRateHit(ctx context.Context, bucket string, cur int64) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.d.q(`INSERT INTO rate_limits (bucket, window_start, hits) VALUES (?, ?, 1)
			ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1`), bucket, cur)
		return err
	})
}

// PruneRateHits forgets the windows that started before before.
func (db *DB) PruneRateHits(ctx context.Context, before int64) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.d.q(`DELETE FROM rate_limits WHERE window_start < ?`), before)
		return err
	})
}
