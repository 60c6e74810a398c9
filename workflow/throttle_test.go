package workflow_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/ducha/ducha/testenv"
	"github.com/ducha/ducha/workflow"
)

// TestThrottleShared checks that two throttles on one Redis share a sliding
// window that matches the in-process one, and fall back when Redis goes.
func TestThrottleShared(t *testing.T) {
	m := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: m.Addr(), MaxRetries: -1})
	t.Cleanup(func() { rdb.Close() })
	clock := testenv.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	cfg := workflow.ThrottleConfig{PerUser: 3, PerAddress: 10, Window: time.Minute,
		Shared: workflow.NewRedisFailures(rdb, "t"), Log: log}
	a, b := workflow.NewThrottle(cfg, clock), workflow.NewThrottle(cfg, clock)
	ref := workflow.NewThrottle(workflow.ThrottleConfig{PerUser: 3, PerAddress: 10, Window: time.Minute}, clock)
	ctx := context.Background()

	for i, th := range []*workflow.Throttle{a, b, a} {
		if w := a.Blocked(ctx, "u", "x"); w != 0 {
			t.Fatalf("blocked after %d failures: %s", i, w)
		}
		th.Fail(ctx, "u", "x")
		ref.Fail(ctx, "u", "x")
		clock.Advance(10 * time.Second)
	}
	for _, th := range []*workflow.Throttle{a, b} {
		if got, want := th.Blocked(ctx, "u", "x"), ref.Blocked(ctx, "u", "x"); got != want || got != 30*time.Second {
			t.Errorf("wait %s, in-process %s, want 30s", got, want)
		}
		if w := th.Blocked(ctx, "v", "y"); w != 0 {
			t.Errorf("another user and address blocked: %s", w)
		}
	}
	clock.Advance(30 * time.Second) // the first failure leaves the window exactly now
	if w := b.Blocked(ctx, "u", "x"); w != 0 {
		t.Errorf("still blocked once the first failure left the window: %s", w)
	}
	a.Fail(ctx, "u", "x")
	if got, want := b.Blocked(ctx, "u", "x"), ref.Blocked(ctx, "u", "x"); got != 10*time.Second || want != 0 {
		t.Errorf("wait %s (in-process alone %s), want 10s", got, want)
	}
	b.Succeed(ctx, "u")
	if w := a.Blocked(ctx, "u", "x"); w != 0 {
		t.Errorf("blocked after a success on the other throttle: %s", w)
	}

	// Redis goes away: a falls back to its own counts, logged once.
	m.Close()
	for range 3 {
		a.Fail(ctx, "w", "z")
	}
	if w := a.Blocked(ctx, "w", "z"); w != time.Minute {
		t.Errorf("fallback wait %s, want 1m", w)
	}
	if w := b.Blocked(ctx, "w", "z"); w != 0 {
		t.Errorf("the other process saw failures without Redis: %s", w)
	}
	if n := strings.Count(logs.String(), "shared counter unavailable"); n != 2 {
		t.Errorf("%d warnings from two throttles, want 2:\n%s", n, logs.String())
	}
}
