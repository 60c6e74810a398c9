package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ducha/ducha/store"
)

// Handler does a task's work inside the transaction that marks its outbox
// row done: if the handler fails, the row stays pending and the task is
// retried; if the task is delivered again after success, the handler is not
// called. Handlers with effects outside the database must be idempotent.
type Handler func(ctx context.Context, tx *store.Tx, task store.OutboxTask, now time.Time) error

// Handlers maps task types to handlers.
type Handlers map[string]Handler

// Call is the first half of a task whose work is a slow request to another
// system (an HTTP call): the worker runs it with no transaction open, so that
// a slow peer holds no database locks — on SQLite an open write transaction
// holds the whole database — and then runs the Handler it returns (nil: none)
// in the transaction that marks the row done, to record the outcome.
//
// An error from Call is a failed attempt: no transaction opens, the row stays
// pending and the task is retried, so a Call that wants the failure recorded
// writes it itself. The done check before the call is a plain read: a task
// delivered twice at the same moment may call twice, so the other system
// must tolerate a repeat (deduplicate by an id that the task carries).
type Call func(ctx context.Context, task store.OutboxTask, now time.Time) (Handler, error)

// Calls maps task types to calls.
type Calls map[string]Call

// Worker runs handlers for tasks taken from the queue.
type Worker struct {
	q        *Queue
	store    *store.Store
	clock    Clock
	log      *slog.Logger
	handlers Handlers
	calls    Calls
	srv      *asynq.Server
	metrics  *Metrics
}

// Metrics counts processed tasks; register it once per process.
type Metrics struct {
	Processed *prometheus.CounterVec
	Duration  *prometheus.HistogramVec
}

// NewMetrics creates the job metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Processed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ducha_jobs_processed_total",
			Help: "Background tasks processed, by type and outcome (ok, failed, duplicate)."}, []string{"type", "outcome"}),
		Duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "ducha_job_duration_seconds",
			Help: "Time spent in a background task's handler.", Buckets: prometheus.DefBuckets}, []string{"type"}),
	}
	if reg != nil {
		reg.MustRegister(m.Processed, m.Duration)
	}
	return m
}

// NewWorker prepares a worker; Start runs it.
func NewWorker(q *Queue, s *store.Store, clock Clock, log *slog.Logger, h Handlers, m *Metrics) *Worker {
	if m == nil {
		m = NewMetrics(nil)
	}
	return &Worker{q: q, store: s, clock: clock, log: log, handlers: h, metrics: m}
}

// WithCalls adds task types whose work runs outside a transaction (see Call).
func (w *Worker) WithCalls(c Calls) *Worker {
	w.calls = c
	return w
}

// Start begins taking tasks; Stop ends it.
func (w *Worker) Start() error {
	w.srv = asynq.NewServerFromRedisClient(w.q.rdb, asynq.Config{
		Concurrency:              w.q.cfg.Concurrency,
		Queues:                   map[string]int{w.q.cfg.Queue: 1},
		TaskCheckInterval:        100 * time.Millisecond,
		DelayedTaskCheckInterval: time.Second,
		ShutdownTimeout:          10 * time.Second,
		Logger:                   asynqLogger{w.log},
		LogLevel:                 asynq.WarnLevel,
		RetryDelayFunc: func(n int, _ error, _ *asynq.Task) time.Duration {
			// 1 s, 2 s, 4 s … capped at 5 minutes.
			return min(time.Duration(1<<min(n, 9))*time.Second, 5*time.Minute)
		},
	})
	mux := asynq.NewServeMux()
	for typ := range w.handlers {
		mux.HandleFunc(typ, w.process)
	}
	for typ := range w.calls {
		mux.HandleFunc(typ, w.process)
	}
	if err := w.srv.Start(mux); err != nil {
		return fmt.Errorf("jobs: worker: %w", err)
	}
	return nil
}

// Stop waits for running tasks (up to the shutdown timeout) and stops.
func (w *Worker) Stop() {
	if w.srv != nil {
		w.srv.Shutdown()
	}
}

var errDuplicate = errors.New("already done")

func (w *Worker) process(ctx context.Context, t *asynq.Task) error {
	id, err := strconv.ParseInt(string(t.Payload()), 10, 64)
	if err != nil {
		return fmt.Errorf("%w: bad payload %q", asynq.SkipRetry, t.Payload())
	}
	h := w.handlers[t.Type()]
	start := time.Now()
	now := w.clock.Now().UTC().Truncate(time.Microsecond)
	if call, ok := w.calls[t.Type()]; ok {
		h, err = w.call(ctx, call, id, now)
	}
	if err == nil {
		err = w.store.Tx(ctx, func(tx *store.Tx) error {
			// Marking first takes the row's lock: a second delivery running at the
			// same moment waits here, then finds the row done and skips.
			first, err := tx.MarkDone(id, now)
			if err != nil {
				return err
			}
			if !first {
				return errDuplicate
			}
			if h == nil {
				return nil
			}
			task, err := tx.OutboxTaskByID(id)
			if err != nil {
				return err
			}
			return h(ctx, tx, task, now)
		})
	}
	w.metrics.Duration.WithLabelValues(t.Type()).Observe(time.Since(start).Seconds())
	switch {
	case errors.Is(err, errDuplicate):
		w.metrics.Processed.WithLabelValues(t.Type(), "duplicate").Inc()
		return nil
	case err != nil:
		w.metrics.Processed.WithLabelValues(t.Type(), "failed").Inc()
		if merr := w.store.Read(context.WithoutCancel(ctx)).MarkFailed(id, err.Error()); merr != nil {
			w.log.Warn("recording a task failure", "id", id, "err", merr)
		}
		w.log.Warn("task failed; will retry", "type", t.Type(), "outbox_id", id, "err", err)
		return err
	}
	w.metrics.Processed.WithLabelValues(t.Type(), "ok").Inc()
	return nil
}

// call runs a Call unless its task is already done.
func (w *Worker) call(ctx context.Context, c Call, id int64, now time.Time) (Handler, error) {
	task, err := w.store.Read(ctx).OutboxTaskByID(id)
	if err != nil {
		return nil, err
	}
	if task.DoneAt != nil {
		return nil, errDuplicate
	}
	return c(ctx, task, now)
}

type asynqLogger struct{ l *slog.Logger }

func (a asynqLogger) Debug(args ...any) { a.l.Debug(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Info(args ...any)  { a.l.Info(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Warn(args ...any)  { a.l.Warn(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Error(args ...any) { a.l.Error(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Fatal(args ...any) { a.l.Error(fmt.Sprint(args...), "component", "asynq") }
