// Package jobs runs ducha's background work on Asynq: a relay that hands the
// database outbox to Redis, and a worker that runs each task's handler in a
// transaction that also marks the outbox row done.
//
// The outbox, not Redis, is the record of what must run: a change and the
// tasks it causes commit together; the relay (re)hands a task to Redis until
// its row is done, with the row's id as Asynq's task ID so that a task is
// never queued twice at once; the handler marks the row done in its own
// transaction, so a task delivered twice does its work once.
package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// Config tunes the queue.
type Config struct {
	// Redis is host:port of a Redis server; "" starts an embedded one.
	Redis string
	// RedisDB selects the Redis database number.
	RedisDB int
	// Queue is the Asynq queue name; tests use a fresh one each.
	Queue string
	// Concurrency is how many tasks a worker runs at once.
	Concurrency int
	// RelayInterval is how often the relay looks for due tasks.
	RelayInterval time.Duration
	// StaleAfter is how long a handed-over task may stay unfinished before the
	// relay hands it over again (Redis may have lost it; if not, Asynq refuses
	// the duplicate ID and nothing happens).
	StaleAfter time.Duration
	// MaxRetry is how often Asynq retries a failing task.
	MaxRetry int
}

func (c *Config) defaults() {
	if c.Queue == "" {
		c.Queue = "ducha"
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 10
	}
	if c.RelayInterval <= 0 {
		c.RelayInterval = 250 * time.Millisecond
	}
	if c.StaleAfter <= 0 {
		c.StaleAfter = 2 * time.Minute
	}
	if c.MaxRetry <= 0 {
		c.MaxRetry = 20
	}
}

// Queue is a connection to Redis (or the embedded server) shared by the
// relay, the worker, the inspector and the dashboard.
type Queue struct {
	cfg       Config
	rdb       *redis.Client
	embedded  *miniredis.Miniredis
	client    *asynq.Client
	inspector *asynq.Inspector
	log       *slog.Logger
}

// OpenQueue connects to cfg.Redis, or starts an embedded Redis-compatible
// server on loopback when it is empty. The embedded server keeps nothing
// across restarts, which the outbox makes harmless.
func OpenQueue(cfg Config, log *slog.Logger) (*Queue, error) {
	cfg.defaults()
	q := &Queue{cfg: cfg, log: log}
	addr := cfg.Redis
	if addr == "" {
		m := miniredis.NewMiniRedis()
		if err := m.StartAddr("127.0.0.1:0"); err != nil {
			return nil, fmt.Errorf("jobs: embedded redis: %w", err)
		}
		q.embedded, addr = m, m.Addr()
		log.Info("embedded redis started", "addr", addr)
	}
	q.rdb = redis.NewClient(&redis.Options{Addr: addr, DB: cfg.RedisDB,
		DialTimeout: 2 * time.Second, ReadTimeout: 3 * time.Second, WriteTimeout: 3 * time.Second})
	q.client = asynq.NewClientFromRedisClient(q.rdb)
	q.inspector = asynq.NewInspectorFromRedisClient(q.rdb)
	return q, nil
}

// Addr is the Redis address in use.
func (q *Queue) Addr() string { return q.rdb.Options().Addr }

// Name is the Asynq queue name.
func (q *Queue) Name() string { return q.cfg.Queue }

// Redis returns the shared client.
func (q *Queue) Redis() *redis.Client { return q.rdb }

// Inspector returns an Asynq inspector on the queue's Redis.
func (q *Queue) Inspector() *asynq.Inspector { return q.inspector }

// Ping checks that Redis answers.
func (q *Queue) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := q.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("jobs: redis ping: %w", err)
	}
	return nil
}

// Close closes the connections and stops the embedded server.
func (q *Queue) Close() error {
	err := q.rdb.Close()
	if q.embedded != nil {
		q.embedded.Close()
	}
	return err
}
