package workflow

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// ThrottleConfig limits failed sign-ins within a sliding window.
type ThrottleConfig struct {
	Window     time.Duration // default 15 minutes
	PerUser    int           // failures per username in the window; default 5
	PerAddress int           // failures per client address in the window; default 20
	MaxTracked int           // keys remembered in the process at most, oldest dropped; default 100,000
	// Shared, when set, counts failures for all replicas (RedisFailures),
	// so that N replicas do not allow N × limit guesses per window. The
	// process keeps its own counts as well: when Shared errors, the throttle
	// falls back to them for that call (per-replica limits, not reset by a
	// success on another replica) and never refuses or fails a sign-in
	// because of the error.
	Shared FailureCounter
	// Log reports the shared counter failing and recovering; nil is quiet.
	Log *slog.Logger
}

// FailureCounter keeps the times of failed sign-ins per key. Times come from
// the caller (the injected clock), never from the counter's own clock.
type FailureCounter interface {
	// Wait returns how long key stays blocked at now: 0 while fewer than
	// limit failures lie within (now-window, now], otherwise until the
	// limit-th most recent of them leaves the window.
	Wait(ctx context.Context, key string, limit int, window time.Duration, now time.Time) (time.Duration, error)
	// Fail records a failure of key at now.
	Fail(ctx context.Context, key string, window time.Duration, now time.Time) error
	// Reset forgets key's failures.
	Reset(ctx context.Context, key string) error
}

// sharedTimeout bounds each use of the shared counter, so that a Redis that
// does not answer delays a sign-in by at most this much per step; after a
// failure the counter is left alone for sharedPause (wall-clock time: this
// is about Redis's health, not the window) so that an outage does not slow
// every sign-in.
const (
	sharedTimeout = time.Second
	sharedPause   = 5 * time.Second
)

// Throttle counts failed sign-ins per username and per address, in the
// process and, when configured, in a counter shared by all replicas.
type Throttle struct {
	cfg      ThrottleConfig
	clock    Clock
	local    *MemoryFailures
	degraded atomic.Bool
	pausedTo atomic.Int64 // wall-clock UnixNano before which Shared is skipped
}

// NewThrottle applies defaults to cfg.
func NewThrottle(cfg ThrottleConfig, clock Clock) *Throttle {
	if cfg.Window <= 0 {
		cfg.Window = 15 * time.Minute
	}
	if cfg.PerUser <= 0 {
		cfg.PerUser = 5
	}
	if cfg.PerAddress <= 0 {
		cfg.PerAddress = 20
	}
	if cfg.MaxTracked <= 0 {
		cfg.MaxTracked = 100_000
	}
	return &Throttle{cfg: cfg, clock: clock, local: NewMemoryFailures(cfg.MaxTracked)}
}

type throttleKey struct {
	key   string
	limit int
}

func (t *Throttle) keys(user, addr string) []throttleKey {
	return []throttleKey{{"u:" + user, t.cfg.PerUser}, {"a:" + addr, t.cfg.PerAddress}}
}

// Blocked returns how long the caller must wait, 0 when it may try. It asks
// the shared counter when there is one, and the process's own counts when
// there is none or it fails.
func (t *Throttle) Blocked(ctx context.Context, user, addr string) time.Duration {
	now := t.clock.Now()
	if t.useShared() {
		if w, err := t.wait(ctx, t.cfg.Shared, now, user, addr); t.shared(err) {
			return w
		}
	}
	w, _ := t.wait(ctx, t.local, now, user, addr)
	return w
}

func (t *Throttle) wait(ctx context.Context, c FailureCounter, now time.Time, user, addr string) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, sharedTimeout)
	defer cancel()
	var w time.Duration
	for _, k := range t.keys(user, addr) {
		d, err := c.Wait(ctx, k.key, k.limit, t.cfg.Window, now)
		if err != nil {
			return 0, err
		}
		w = max(w, d)
	}
	return w, nil
}

// Fail records a failed attempt.
func (t *Throttle) Fail(ctx context.Context, user, addr string) {
	now := t.clock.Now()
	for _, k := range t.keys(user, addr) {
		_ = t.local.Fail(ctx, k.key, t.cfg.Window, now)
	}
	if t.useShared() {
		ctx, cancel := context.WithTimeout(ctx, sharedTimeout)
		defer cancel()
		for _, k := range t.keys(user, addr) {
			if !t.shared(t.cfg.Shared.Fail(ctx, k.key, t.cfg.Window, now)) {
				break
			}
		}
	}
}

// Succeed forgets a user's failures.
func (t *Throttle) Succeed(ctx context.Context, user string) {
	_ = t.local.Reset(ctx, "u:"+user)
	if t.useShared() {
		ctx, cancel := context.WithTimeout(ctx, sharedTimeout)
		defer cancel()
		t.shared(t.cfg.Shared.Reset(ctx, "u:"+user))
	}
}

func (t *Throttle) useShared() bool {
	return t.cfg.Shared != nil && time.Now().UnixNano() >= t.pausedTo.Load()
}

// shared reports whether a use of the shared counter worked, logging once
// when it starts failing and once when it works again.
func (t *Throttle) shared(err error) bool {
	if err != nil {
		t.pausedTo.Store(time.Now().Add(sharedPause).UnixNano())
		if t.degraded.CompareAndSwap(false, true) && t.cfg.Log != nil {
			t.cfg.Log.Warn("sign-in throttle: shared counter unavailable, counting in this process only", "err", err)
		}
		return false
	}
	if t.degraded.CompareAndSwap(true, false) && t.cfg.Log != nil {
		t.cfg.Log.Info("sign-in throttle: shared counter available again")
	}
	return true
}

// MemoryFailures is a FailureCounter in the process.
type MemoryFailures struct {
	max   int
	mu    sync.Mutex
	fails map[string][]time.Time
}

// NewMemoryFailures remembers at most max keys; past that it forgets them all.
func NewMemoryFailures(max int) *MemoryFailures {
	return &MemoryFailures{max: max, fails: map[string][]time.Time{}}
}

// Wait implements FailureCounter.
func (m *MemoryFailures) Wait(_ context.Context, key string, limit int, window time.Duration, now time.Time) (time.Duration, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	recent := m.prune(key, window, now)
	if len(recent) < limit {
		return 0, nil
	}
	return recent[len(recent)-limit].Add(window).Sub(now), nil
}

func (m *MemoryFailures) prune(key string, window time.Duration, now time.Time) []time.Time {
	list := m.fails[key]
	i := 0
	for i < len(list) && now.Sub(list[i]) >= window {
		i++
	}
	list = list[i:]
	if len(list) == 0 {
		delete(m.fails, key)
	} else {
		m.fails[key] = list
	}
	return list
}

// Fail implements FailureCounter.
func (m *MemoryFailures) Fail(_ context.Context, key string, window time.Duration, now time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.fails[key]; !ok && len(m.fails) >= m.max {
		// Forget everything rather than grow without bound under a spray of
		// random usernames; the per-address limit still holds per window.
		clear(m.fails)
	}
	m.fails[key] = append(m.prune(key, window, now), now)
	return nil
}

// Reset implements FailureCounter.
func (m *MemoryFailures) Reset(_ context.Context, key string) error {
	m.mu.Lock()
	delete(m.fails, key)
	m.mu.Unlock()
	return nil
}

// RedisFailures is a FailureCounter shared through Redis: one sorted set per
// key, scored by each failure's time in microseconds on the caller's clock.
// The window is cut by those scores, so a fake clock behaves as in memory.
// Each set also expires, on Redis's own clock, a window after its last
// failure; that only collects idle keys. With the wall clock it never drops
// a failure still inside the window; with a fake clock that runs slower than
// real time it could, after a real window without failures.
type RedisFailures struct {
	rdb    redis.UniversalClient
	prefix string
}

// NewRedisFailures keeps its keys under "ducha:signin:<namespace>:".
func NewRedisFailures(rdb redis.UniversalClient, namespace string) *RedisFailures {
	return &RedisFailures{rdb: rdb, prefix: "ducha:signin:" + namespace + ":"}
}

func micros(t time.Time) string { return strconv.FormatInt(t.UnixMicro(), 10) }

// Wait implements FailureCounter.
func (r *RedisFailures) Wait(ctx context.Context, key string, limit int, window time.Duration, now time.Time) (time.Duration, error) {
	k := r.prefix + key
	var nth *redis.ZSliceCmd
	_, err := r.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.ZRemRangeByScore(ctx, k, "-inf", micros(now.Add(-window)))
		nth = p.ZRevRangeWithScores(ctx, k, int64(limit-1), int64(limit-1))
		return nil
	})
	if err != nil {
		return 0, err
	}
	zs := nth.Val()
	if len(zs) == 0 {
		return 0, nil
	}
	return time.UnixMicro(int64(zs[0].Score)).Add(window).Sub(now), nil
}

// Fail implements FailureCounter.
func (r *RedisFailures) Fail(ctx context.Context, key string, window time.Duration, now time.Time) error {
	k := r.prefix + key
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	_, err := r.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZRemRangeByScore(ctx, k, "-inf", micros(now.Add(-window)))
		p.ZAdd(ctx, k, redis.Z{Score: float64(now.UnixMicro()), Member: micros(now) + ":" + hex.EncodeToString(b)})
		p.PExpire(ctx, k, window)
		return nil
	})
	return err
}

// Reset implements FailureCounter.
func (r *RedisFailures) Reset(ctx context.Context, key string) error {
	return r.rdb.Del(ctx, r.prefix+key).Err()
}
