package jobs

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"time"

	"github.com/hibiken/asynq"

	"github.com/ducha/ducha/store"
)

// Clock tells the time.
type Clock interface{ Now() time.Time }

// Relay hands due outbox rows to the queue.
type Relay struct {
	q     *Queue
	store *store.Store
	clock Clock
	log   *slog.Logger
}

// NewRelay returns a relay over q and s.
func NewRelay(q *Queue, s *store.Store, clock Clock, log *slog.Logger) *Relay {
	return &Relay{q: q, store: s, clock: clock, log: log}
}

// TaskID is the Asynq task ID of an outbox row.
func TaskID(outboxID int64) string { return "outbox:" + strconv.FormatInt(outboxID, 10) }

// Run relays until ctx ends. Errors (Redis or the database down) are logged
// and retried on the next tick: nothing is lost, only delayed.
func (r *Relay) Run(ctx context.Context) {
	t := time.NewTicker(r.q.cfg.RelayInterval)
	defer t.Stop()
	failing := false
	for {
		n, err := r.RelayOnce(ctx)
		switch {
		case err != nil && !failing:
			r.log.Warn("outbox relay failing; will retry", "err", err)
			failing = true
		case err == nil && failing:
			r.log.Info("outbox relay recovered")
			failing = false
		}
		if err == nil && n > 0 {
			continue // more may be waiting
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RelayOnce hands over one batch of due tasks and returns how many.
func (r *Relay) RelayOnce(ctx context.Context) (int, error) {
	now := r.clock.Now().UTC()
	due, err := r.store.Read(ctx).OutboxDue(now, now.Add(-r.q.cfg.StaleAfter), 200)
	if err != nil {
		return 0, err
	}
	for i, t := range due {
		payload := []byte(strconv.FormatInt(t.ID, 10))
		_, err := r.q.client.EnqueueContext(ctx, asynq.NewTask(t.Type, payload),
			asynq.TaskID(TaskID(t.ID)), asynq.Queue(r.q.cfg.Queue), asynq.MaxRetry(r.q.cfg.MaxRetry),
			asynq.Retention(24*time.Hour))
		if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
			return i, err
		}
		// A conflict means Redis still holds the task (queued, retrying or
		// just finished): it was not lost, so only the timestamp moves.
		if err := r.store.Read(ctx).MarkEnqueued(t.ID, now); err != nil {
			return i, err
		}
	}
	return len(due), nil
}
