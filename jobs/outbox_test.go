package jobs_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/hibiken/asynq"

	"github.com/ducha/ducha/app"
	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/jobs"
	"github.com/ducha/ducha/store"
	"github.com/ducha/ducha/testenv"
)

const wait = 30 * time.Second

// enqueue records n ping tasks in one transaction, due now on the app's clock.
func enqueue(t *testing.T, a *testenv.App, taskType string, n int) []int64 {
	t.Helper()
	var ids []int64
	now := a.Clock.Now()
	err := a.Store.Tx(context.Background(), func(tx *store.Tx) error {
		for range n {
			id, err := tx.Enqueue(taskType, map[string]int{"n": n}, now, now)
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// pings counts the audit rows the ping handler wrote for outbox row id.
func pings(t *testing.T, a *testenv.App, id int64) int {
	t.Helper()
	es, err := a.Store.Read(context.Background()).ListAudit(store.AuditFilter{Entity: "outbox", EntityID: strconv.FormatInt(id, 10)}, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range es {
		if e.Event == "ping" {
			n++
		}
	}
	return n
}

func task(t *testing.T, a *testenv.App, id int64) store.OutboxTask {
	t.Helper()
	ot, err := a.Store.Read(context.Background()).OutboxTaskByID(id)
	if err != nil {
		t.Fatal(err)
	}
	return ot
}

func done(t *testing.T, a *testenv.App, id int64) bool { return task(t, a, id).DoneAt != nil }

// processed reads the ducha_jobs_processed_total counter of one outcome.
func processed(t *testing.T, a *testenv.App, typ, outcome string) float64 {
	t.Helper()
	mfs, err := a.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "ducha_jobs_processed_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["type"] == typ && labels["outcome"] == outcome {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func relay(t *testing.T, a *testenv.App) *jobs.Relay {
	return jobs.NewRelay(a.Queue, a.Store, a.Clock, testenv.Logger(t))
}

func TestPingRunsOnce(t *testing.T) {
	a := testenv.StartApp(t, testenv.AppOptions{})
	ids := enqueue(t, a, app.TypePing, 3)
	testenv.Eventually(t, wait, "the pings to be done", func() bool {
		for _, id := range ids {
			if !done(t, a, id) {
				return false
			}
		}
		return true
	})
	for _, id := range ids {
		if n := pings(t, a, id); n != 1 {
			t.Errorf("outbox %d: %d ping audit rows, want 1", id, n)
		}
		if ot := task(t, a, id); ot.Attempts != 1 || ot.EnqueuedAt == nil || ot.LastError != "" {
			t.Errorf("outbox %d: %+v", id, ot)
		}
	}
	// The counter moves just after the task's transaction commits, so it may
	// trail the done_at the loop above saw.
	testenv.Eventually(t, wait, "three pings counted as processed ok", func() bool {
		return processed(t, a, app.TypePing, "ok") == 3
	})
}

// TestRolledBackTaskNeverRuns: a task recorded in a transaction that rolls
// back does not exist.
func TestRolledBackTaskNeverRuns(t *testing.T) {
	a := testenv.StartApp(t, testenv.AppOptions{NoWorker: true})
	boom := errors.New("boom")
	err := a.Store.Tx(context.Background(), func(tx *store.Tx) error {
		if _, err := tx.Enqueue(app.TypePing, nil, a.Clock.Now(), a.Clock.Now()); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if n, err := relay(t, a).RelayOnce(context.Background()); err != nil || n != 0 {
		t.Errorf("relayed %d (%v) after a rollback, want 0", n, err)
	}
}

// TestDeliveredTwiceRunsOnce hands the same outbox row to the queue twice
// and delivers it a second time after it ran: the work happens once.
func TestDeliveredTwiceRunsOnce(t *testing.T) {
	ctx := context.Background()
	a := testenv.StartApp(t, testenv.AppOptions{NoWorker: true})
	r := relay(t, a)
	id := enqueue(t, a, app.TypePing, 1)[0]

	if n, err := r.RelayOnce(ctx); err != nil || n != 1 {
		t.Fatalf("first relay: %d, %v", n, err)
	}
	// Forget that it was handed over, as if the relay had crashed before
	// recording it: the second hand-over is refused by the task ID.
	if _, err := a.Store.SQL().ExecContext(ctx, "UPDATE outbox SET enqueued_at = NULL WHERE id = ?", id); err != nil {
		t.Fatal(err)
	}
	if n, err := r.RelayOnce(ctx); err != nil || n != 1 {
		t.Fatalf("second relay: %d, %v", n, err)
	}
	info, err := a.Queue.Inspector().GetQueueInfo(a.Queue.Name())
	if err != nil {
		t.Fatal(err)
	}
	if info.Pending != 1 {
		t.Errorf("%d tasks pending in the queue, want 1", info.Pending)
	}

	if err := a.StartWorker(); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, wait, "the ping to be done", func() bool { return done(t, a, id) })

	// A redelivery after success (Asynq is at least once): the same
	// payload under another task ID, and the same ID once Redis forgot it.
	client := asynq.NewClientFromRedisClient(a.Queue.Redis())
	payload := []byte(strconv.FormatInt(id, 10))
	if _, err := client.Enqueue(asynq.NewTask(app.TypePing, payload), asynq.Queue(a.Queue.Name()), asynq.TaskID("again-1")); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, wait, "the redelivery to be seen", func() bool { return processed(t, a, app.TypePing, "duplicate") >= 1 })
	testenv.Eventually(t, wait, "the completed task to be retained", func() bool {
		_, err := a.Queue.Inspector().GetTaskInfo(a.Queue.Name(), jobs.TaskID(id))
		return err == nil
	})
	if err := a.Queue.Inspector().DeleteTask(a.Queue.Name(), jobs.TaskID(id)); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Enqueue(asynq.NewTask(app.TypePing, payload), asynq.Queue(a.Queue.Name()), asynq.TaskID(jobs.TaskID(id))); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, wait, "the second redelivery to be seen", func() bool { return processed(t, a, app.TypePing, "duplicate") >= 2 })

	if n := pings(t, a, id); n != 1 {
		t.Errorf("%d ping audit rows after three deliveries, want 1", n)
	}
	if n := processed(t, a, app.TypePing, "ok"); n != 1 {
		t.Errorf("%v pings ran, want 1", n)
	}
	// A done row is never relayed again, however stale.
	a.Clock.Advance(time.Hour)
	if n, err := r.RelayOnce(ctx); err != nil || n != 0 {
		t.Errorf("relayed %d (%v) done tasks", n, err)
	}
}

// TestLostTaskIsRelayedAgain: Redis drops a task that was handed over; once
// the hand-over is stale the relay hands it over again.
func TestLostTaskIsRelayedAgain(t *testing.T) {
	ctx := context.Background()
	a := testenv.StartApp(t, testenv.AppOptions{NoWorker: true})
	r := relay(t, a)
	id := enqueue(t, a, app.TypePing, 1)[0]
	if n, err := r.RelayOnce(ctx); err != nil || n != 1 {
		t.Fatalf("relay: %d, %v", n, err)
	}
	if n, err := a.Queue.Inspector().DeleteAllPendingTasks(a.Queue.Name()); err != nil || n != 1 {
		t.Fatalf("losing the task: %d, %v", n, err)
	}
	if n, err := r.RelayOnce(ctx); err != nil || n != 0 {
		t.Fatalf("relayed %d (%v) before the hand-over went stale", n, err)
	}
	a.Clock.Advance(3 * time.Minute)
	if n, err := r.RelayOnce(ctx); err != nil || n != 1 {
		t.Fatalf("relay after the hand-over went stale: %d, %v", n, err)
	}
	if err := a.StartWorker(); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, wait, "the ping to be done", func() bool { return done(t, a, id) })
	if n := pings(t, a, id); n != 1 {
		t.Errorf("%d ping audit rows, want 1", n)
	}
}

// TestFailedTaskIsRetried: a handler error rolls its transaction back (the
// row stays pending, the failure is recorded) and the queue retries it.
func TestFailedTaskIsRetried(t *testing.T) {
	ctx := context.Background()
	a := testenv.StartApp(t, testenv.AppOptions{NoWorker: true})
	var calls atomic.Int32
	h := jobs.Handlers{"flaky": func(ctx context.Context, tx *store.Tx, ot store.OutboxTask, now time.Time) error {
		if err := tx.Audit(store.AuditEntry{At: now, Entity: "outbox", EntityID: strconv.FormatInt(ot.ID, 10), Event: "ping"}, domain.SystemActor); err != nil {
			return err
		}
		if calls.Add(1) == 1 {
			return errors.New("first attempt fails")
		}
		return nil
	}}
	w := jobs.NewWorker(a.Queue, a.Store, a.Clock, testenv.Logger(t), h, nil)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	id := enqueue(t, a, "flaky", 1)[0]
	if _, err := relay(t, a).RelayOnce(ctx); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, wait, "the first attempt to fail", func() bool { return task(t, a, id).LastError != "" })
	if done(t, a, id) || pings(t, a, id) != 0 {
		t.Fatalf("a failed attempt left its writes: %+v, %d audit rows", task(t, a, id), pings(t, a, id))
	}
	testenv.Eventually(t, wait, "the retry to succeed", func() bool { return done(t, a, id) })
	if ot := task(t, a, id); ot.Attempts != 2 || pings(t, a, id) != 1 {
		t.Errorf("after the retry: %+v, %d audit rows", ot, pings(t, a, id))
	}
}

// TestRedisOutage cuts the connection to Redis: tasks recorded meanwhile stay
// pending in the database, and all run once Redis is back.
func TestRedisOutage(t *testing.T) {
	ctx := context.Background()
	target := testenv.RedisAddr()
	if target == "" {
		m := miniredis.RunT(t)
		target = m.Addr()
	}
	p := startProxy(t, target)
	a := testenv.StartApp(t, testenv.AppOptions{Config: func(c *app.Config) { c.Redis = p.addr }})

	first := enqueue(t, a, app.TypePing, 1)[0]
	testenv.Eventually(t, wait, "a ping before the outage", func() bool { return done(t, a, first) })

	p.cut()
	testenv.Eventually(t, wait, "/readyz to notice", func() bool { return a.Do("GET", "/readyz", "", nil).Status == 503 })
	ids := enqueue(t, a, app.TypePing, 5)
	if _, err := relay(t, a).RelayOnce(ctx); err == nil {
		t.Fatal("the relay reports no error with Redis unreachable")
	}
	for _, id := range ids {
		if ot := task(t, a, id); ot.DoneAt != nil || ot.EnqueuedAt != nil {
			t.Fatalf("outbox %d during the outage: %+v", id, ot)
		}
	}
	pending, _, err := a.Store.Read(ctx).OutboxCounts()
	if err != nil || pending != 5 {
		t.Fatalf("%d pending (%v), want 5", pending, err)
	}

	p.restore()
	testenv.Eventually(t, wait, "every ping after the outage", func() bool {
		for _, id := range ids {
			if !done(t, a, id) {
				return false
			}
		}
		return true
	})
	for _, id := range append(ids, first) {
		if n := pings(t, a, id); n != 1 {
			t.Errorf("outbox %d: %d ping audit rows, want 1", id, n)
		}
	}
	a.Must(200, "GET", "/readyz", "", nil)
}

// proxy forwards TCP to a target until cut, and listens on the same address
// again when restored: a Redis that goes away and comes back.
type proxy struct {
	t      *testing.T
	target string
	addr   string
	mu     sync.Mutex
	l      net.Listener
	conns  map[net.Conn]struct{}
}

func startProxy(t *testing.T, target string) *proxy {
	p := &proxy{t: t, target: target, addr: "127.0.0.1:0", conns: map[net.Conn]struct{}{}}
	p.restore()
	t.Cleanup(p.cut)
	return p
}

func (p *proxy) restore() {
	p.t.Helper()
	l, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatalf("proxy listen: %v", err)
	}
	p.mu.Lock()
	p.l, p.addr = l, l.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go p.serve(c)
		}
	}()
}

func (p *proxy) serve(c net.Conn) {
	u, err := net.DialTimeout("tcp", p.target, 2*time.Second)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	if p.l == nil { // cut meanwhile
		p.mu.Unlock()
		c.Close()
		u.Close()
		return
	}
	p.conns[c], p.conns[u] = struct{}{}, struct{}{}
	p.mu.Unlock()
	go func() { io.Copy(u, c); u.Close(); c.Close() }()
	io.Copy(c, u)
	c.Close()
	u.Close()
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.l != nil {
		p.l.Close()
		p.l = nil
	}
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

// TestArchivedTaskIsRelayedAgain: a task whose retries ran out is archived by
// Asynq under its ID; once its hand-over is stale the relay deletes the
// archived copy and queues it afresh, so the outbox row is not stuck.
func TestArchivedTaskIsRelayedAgain(t *testing.T) {
	ctx := context.Background()
	a := testenv.StartApp(t, testenv.AppOptions{NoWorker: true})
	r := relay(t, a)
	id := enqueue(t, a, app.TypePing, 1)[0]
	if n, err := r.RelayOnce(ctx); err != nil || n != 1 {
		t.Fatalf("relay: %d, %v", n, err)
	}
	if err := a.Queue.Inspector().ArchiveTask(a.Queue.Name(), jobs.TaskID(id)); err != nil {
		t.Fatalf("archiving the task: %v", err)
	}
	a.Clock.Advance(3 * time.Minute)
	if n, err := r.RelayOnce(ctx); err != nil || n != 1 {
		t.Fatalf("relay after the hand-over went stale: %d, %v", n, err)
	}
	info, err := a.Queue.Inspector().GetTaskInfo(a.Queue.Name(), jobs.TaskID(id))
	if err != nil || info.State == asynq.TaskStateArchived {
		t.Fatalf("after the relay the task is %+v (%v), want queued afresh", info, err)
	}
	if err := a.StartWorker(); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, wait, "the ping to be done", func() bool { return done(t, a, id) })
	if n := pings(t, a, id); n != 1 {
		t.Errorf("%d ping audit rows, want 1", n)
	}
}
