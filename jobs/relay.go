package jobs

import (
	"context"
	"errors"
	"fmt"
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
		err := r.enqueue(ctx, t.Type, t.ID)
		if errors.Is(err, asynq.ErrTaskIDConflict) && t.EnqueuedAt != nil {
			err = r.revive(ctx, t.Type, t.ID)
		}
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

// revive hands a task over again when Redis holds it only as archived: Asynq
// archives a task whose retries ran out, and an archived task keeps its ID,
// so without this its outbox row would stay pending for ever. The archived
// copy is deleted and the task queued afresh, with a fresh set of retries;
// a task that can never succeed thus keeps failing visibly (attempts and
// last_error on its row, the dashboard) instead of being dropped.
func (r *Relay) revive(ctx context.Context, typ string, id int64) error {
	info, err := r.q.inspector.GetTaskInfo(r.q.cfg.Queue, TaskID(id))
	if err != nil || info.State != asynq.TaskStateArchived {
		return asynq.ErrTaskIDConflict // still queued, retrying or done: leave it
	}
	if err := r.q.inspector.DeleteTask(r.q.cfg.Queue, TaskID(id)); err != nil {
		return fmt.Errorf("jobs: delete archived task %d: %w", id, err)
	}
	r.log.Warn("handing over again a task whose retries ran out", "outbox_id", id, "type", typ)
	return r.enqueue(ctx, typ, id)
}

// enqueue hands outbox row id to Asynq under its task ID; the payload is the
// row id, the row itself is the record.
func (r *Relay) enqueue(ctx context.Context, typ string, id int64) error {
	_, err := r.q.client.EnqueueContext(ctx, asynq.NewTask(typ, []byte(strconv.FormatInt(id, 10))),
		asynq.TaskID(TaskID(id)), asynq.Queue(r.q.cfg.Queue), asynq.MaxRetry(r.q.cfg.MaxRetry),
		asynq.Retention(24*time.Hour))
	return err
}
