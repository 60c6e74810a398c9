package workflow

import (
	"sync"
	"time"
)

// ThrottleConfig limits failed sign-ins within a sliding window.
type ThrottleConfig struct {
	Window     time.Duration // default 15 minutes
	PerUser    int           // failures per username in the window; default 5
	PerAddress int           // failures per client address in the window; default 20
	MaxTracked int           // keys remembered at most, oldest dropped; default 100,000
}

// Throttle counts failed sign-ins per username and per address. It lives in
// the process: each replica throttles on its own, which bounds guessing to
// (replicas × limit) per window — acceptable for a handful of replicas.
type Throttle struct {
	cfg   ThrottleConfig
	clock Clock
	mu    sync.Mutex
	fails map[string][]time.Time
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
	return &Throttle{cfg: cfg, clock: clock, fails: map[string][]time.Time{}}
}

// Blocked returns how long the caller must wait, 0 when it may try.
func (t *Throttle) Blocked(user, addr string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.clock.Now()
	w := t.wait("u:"+user, t.cfg.PerUser, now)
	if a := t.wait("a:"+addr, t.cfg.PerAddress, now); a > w {
		w = a
	}
	return w
}

func (t *Throttle) wait(key string, limit int, now time.Time) time.Duration {
	recent := t.prune(key, now)
	if len(recent) < limit {
		return 0
	}
	return recent[len(recent)-limit].Add(t.cfg.Window).Sub(now)
}

func (t *Throttle) prune(key string, now time.Time) []time.Time {
	list := t.fails[key]
	i := 0
	for i < len(list) && now.Sub(list[i]) >= t.cfg.Window {
		i++
	}
	list = list[i:]
	if len(list) == 0 {
		delete(t.fails, key)
	} else {
		t.fails[key] = list
	}
	return list
}

// Fail records a failed attempt.
func (t *Throttle) Fail(user, addr string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.clock.Now()
	if len(t.fails) >= t.cfg.MaxTracked {
		// Forget everything rather than grow without bound under a spray of
		// random usernames; the per-address limit still holds per window.
		clear(t.fails)
	}
	for _, k := range []string{"u:" + user, "a:" + addr} {
		t.fails[k] = append(t.prune(k, now), now)
	}
}

// Succeed forgets a user's failures.
func (t *Throttle) Succeed(user string) {
	t.mu.Lock()
	delete(t.fails, "u:"+user)
	t.mu.Unlock()
}
