package notices

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// Scheduler runs a Service in the background of a server: once at start,
// then every Interval, one run at a time, until its context ends.
type Scheduler struct {
	Service  *Service
	Interval time.Duration // between the starts of two runs; a Scheduler with none does nothing
}

// Run runs the service at once and then every Interval until ctx is done,
// and returns when the run in progress (stopped by ctx) has ended. A run
// that outlasts the interval is followed by the next one at once, never by
// two. Failures are logged; the next run tries again.
func (sc *Scheduler) Run(ctx context.Context) {
	if sc.Interval <= 0 || sc.Service == nil {
		return
	}
	t := time.NewTicker(sc.Interval)
	defer t.Stop()
	for {
		sc.once(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Start runs sc in a goroutine and returns a function that waits for it to
// end (after ctx is done).
func (sc *Scheduler) Start(ctx context.Context) (wait func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc.Run(ctx)
	}()
	return func() { <-done }
}

func (sc *Scheduler) once(ctx context.Context) {
	log := sc.Service.log()
	rep, err := sc.Service.Run(ctx)
	switch {
	case err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()):
		log.InfoContext(ctx, "expiry notices stopped by shutdown; the next start goes on", slog.Int("sent", rep.Digests))
	case err != nil:
		log.ErrorContext(ctx, "expiry notices run failed; the next run tries again", slog.Any("err", err))
	case rep.Digests > 0 || rep.Failed > 0:
		log.InfoContext(ctx, "expiry notices", slog.Int("sent", rep.Digests), slog.Int("entitlements", rep.Entitlements),
			slog.Int("failed", rep.Failed), slog.Int("skipped", rep.Skipped))
	default:
		log.DebugContext(ctx, "expiry notices: none due", slog.Int("skipped", rep.Skipped))
	}
}
