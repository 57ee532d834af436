// Package ratelimit limits how often something may happen — sign-in
// attempts per account and per client address, invitations per user and
// per company — across every server process on one database.
//
// A [Limit] allows N events per period. Hits are counted per bucket in fixed
// windows of one period, kept in the database (the rate_limits table), and a
// request is weighed against a sliding window: the current window's hits
// plus the previous window's, scaled by the share of it the sliding window
// still covers (the estimate Cloudflare and nginx use). It never lets a burst
// of 2N through at a window boundary, needs two rows per bucket, and stays
// exact enough for abuse protection. Two processes checking at the very same
// instant may each let one request through past the limit; no more.
//
// The bucket stored is a hash of what is limited, so the table holds no
// email or address in the clear.
package ratelimit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Limit allows N events per Per. N <= 0 is no limit.
type Limit struct {
	N   int
	Per time.Duration
}

// MaxPer is the longest period a limit may have.
const MaxPer = 24 * time.Hour

// Off reports whether the limit allows everything.
func (l Limit) Off() bool { return l.N <= 0 }

// String writes the limit as Parse reads it: "10/15m", "20/1h", "off".
func (l Limit) String() string {
	if l.Off() {
		return "off"
	}
	return strconv.Itoa(l.N) + "/" + shortDuration(l.Per)
}

func shortDuration(d time.Duration) string {
	s := d.String()
	// Drop only zero units ("1h0m0s" -> "1h"), never a digit of "10m" or "30s".
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// Parse reads a limit written "N/PERIOD" (a Go duration: "10/15m", "20/1h";
// a bare unit means one of it: "20/h", "5/m"), or "off" (also "0").
func Parse(s string) (Limit, error) {
	s = strings.TrimSpace(s)
	if s == "off" || s == "0" {
		return Limit{}, nil
	}
	n, per, ok := strings.Cut(s, "/")
	if !ok {
		return Limit{}, fmt.Errorf("limit %q: write it N/PERIOD, e.g. 10/15m or 20/1h, or off", s)
	}
	count, err := strconv.Atoi(n)
	if err != nil || count < 0 {
		return Limit{}, fmt.Errorf("limit %q: %q is not a whole number of events", s, n)
	}
	if per == "h" || per == "m" || per == "s" {
		per = "1" + per
	}
	d, err := time.ParseDuration(per)
	if err != nil || d < time.Second || d > MaxPer {
		return Limit{}, fmt.Errorf("limit %q: the period must be a duration from 1s to 24h, e.g. 15m or 1h", s)
	}
	return Limit{N: count, Per: d}, nil
}

// Set and Type make a *Limit a flag.Value.
func (l *Limit) Set(s string) error {
	v, err := Parse(s)
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// Type names the flag's value in usage messages.
func (l *Limit) Type() string { return "N/PERIOD" }

// Exceeded is the error of a refused event: what was limited, and when to
// try again.
type Exceeded struct {
	What       string // e.g. "sign-in attempts for this account"
	Limit      Limit
	RetryAfter time.Duration // whole seconds, at least one
}

func (e *Exceeded) Error() string {
	return fmt.Sprintf("too many %s (at most %d per %s): try again in %s",
		e.What, e.Limit.N, humanPeriod(e.Limit.Per), humanPeriod(e.RetryAfter))
}

// humanPeriod writes a duration for people: "15 minutes", "1 hour", "40 seconds".
func humanPeriod(d time.Duration) string {
	unit := func(n int64, one string) string {
		if n == 1 {
			return "1 " + one
		}
		return strconv.FormatInt(n, 10) + " " + one + "s"
	}
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		return unit(int64(d/time.Hour), "hour")
	case d >= time.Minute:
		return unit(int64((d+time.Minute-1)/time.Minute), "minute")
	}
	return unit(int64((d+time.Second-1)/time.Second), "second")
}

// Store keeps the hits of each bucket per window (store.DB).
type Store interface {
	RateHits(ctx context.Context, bucket string, prev, cur int64) (p, c int, err error)
	AddRateHit(ctx context.Context, bucket string, cur int64) error
	PruneRateHits(ctx context.Context, before int64) error
}

// Limiter checks and counts events against limits kept in a Store.
type Limiter struct {
	Store Store

	mu         sync.Mutex
	lastPruned time.Time
}

// pruneEvery is how often a Limiter forgets windows no limit can need.
const pruneEvery = 10 * time.Minute

// Check reports whether one more event for key may happen at now under lim:
// nil, or an *Exceeded saying when to try again. It counts nothing.
func (l *Limiter) Check(ctx context.Context, lim Limit, what, key string, now time.Time) error {
	if lim.Off() {
		return nil
	}
	bucket, prev, cur := window(lim, key, now)
	p, c, err := l.Store.RateHits(ctx, bucket, prev, cur)
	if err != nil {
		return err
	}
	if retry, ok := Admit(lim, p, c, now); !ok {
		return &Exceeded{What: what, Limit: lim, RetryAfter: retry}
	}
	return nil
}

// Hit counts one event for key at now under lim.
func (l *Limiter) Hit(ctx context.Context, lim Limit, key string, now time.Time) error {
	if lim.Off() {
		return nil
	}
	bucket, _, cur := window(lim, key, now)
	if err := l.Store.AddRateHit(ctx, bucket, cur); err != nil {
		return err
	}
	l.mu.Lock()
	prune := now.Sub(l.lastPruned) > pruneEvery
	if prune {
		l.lastPruned = now
	}
	l.mu.Unlock()
	if prune {
		return l.Store.PruneRateHits(ctx, now.Add(-2*MaxPer).UnixMicro())
	}
	return nil
}

// Take checks, then counts, one event for key at now under lim.
func (l *Limiter) Take(ctx context.Context, lim Limit, what, key string, now time.Time) error {
	if err := l.Check(ctx, lim, what, key, now); err != nil {
		return err
	}
	return l.Hit(ctx, lim, key, now)
}

// window returns key's bucket under lim and the starts of the previous and
// the current window at now, in microseconds since the epoch.
func window(lim Limit, key string, now time.Time) (bucket string, prev, cur int64) {
	per := lim.Per.Microseconds()
	t := now.UnixMicro()
	cur = t - ((t%per)+per)%per // floor, also before 1970
	sum := sha256.Sum256([]byte(lim.Per.String() + "\x00" + key))
	return hex.EncodeToString(sum[:16]), cur - per, cur
}

// Admit decides one more event at now under lim, given the hits of the
// previous (p) and the current (c) window: whether it may happen, and if
// not, how long until it may (whole seconds, at least one).
func Admit(lim Limit, p, c int, now time.Time) (retryAfter time.Duration, ok bool) {
	if lim.Off() {
		return 0, true
	}
	// Exact integer arithmetic in micros: with floats, p*(1-f) can come out a
	// hair above its true value, so that waiting the RetryAfter given is
	// still refused.
	per := uint64(lim.Per.Microseconds())
	t := now.UnixMicro()
	gone := uint64(((t % int64(per)) + int64(per)) % int64(per)) // micros of the current window gone
	room := uint64(lim.N - 1)                                    // the estimate may be at most this before one more
	pp, cc := uint64(max(p, 0)), uint64(max(c, 0))
	var at uint64 // the least micros from the window's start at which one more fits
	if cc <= room {
		if pp <= room-cc {
			return 0, true // even all of p leaves room
		}
		// The previous window's weight must fade: p*(per-at) <= (room-c)*per.
		at = per - mulDiv(room-cc, per, pp)
		if gone >= at {
			return 0, true
		}
	} else {
		// Wait for the next window, where c becomes the previous one's:
		// c*(2*per-at) <= room*per.
		at = 2*per - mulDiv(room, per, cc)
	}
	wait := time.Duration((at-gone+999_999)/1_000_000) * time.Second
	return max(wait, time.Second), false
}

// mulDiv returns a*b/c rounded down; a < c, so it is less than b.
func mulDiv(a, b, c uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	q, _ := bits.Div64(hi, lo, c)
	return q
}
