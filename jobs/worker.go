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

// Worker runs handlers for tasks taken from the queue.
type Worker struct {
	q        *Queue
	store    *store.Store
	clock    Clock
	log      *slog.Logger
	handlers Handlers
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
		task, err := tx.OutboxTaskByID(id)
		if err != nil {
			return err
		}
		return h(ctx, tx, task, now)
	})
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

type asynqLogger struct{ l *slog.Logger }

func (a asynqLogger) Debug(args ...any) { a.l.Debug(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Info(args ...any)  { a.l.Info(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Warn(args ...any)  { a.l.Warn(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Error(args ...any) { a.l.Error(fmt.Sprint(args...), "component", "asynq") }
func (a asynqLogger) Fatal(args ...any) { a.l.Error(fmt.Sprint(args...), "component", "asynq") }
