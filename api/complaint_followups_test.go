package api_test

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ducha/ducha/api"
	"github.com/ducha/ducha/app"
	"github.com/ducha/ducha/testenv"
)

// Deadlines and the background follow-ups of complaint cases: the fake
// clock moves, the outbox relay hands due tasks to Asynq, the worker runs
// them.

// settle waits until every outbox task due by the fake clock has run.
func settle(t *testing.T, a *testenv.App) {
	t.Helper()
	testenv.Eventually(t, 20*time.Second, "due outbox tasks to run", func() bool {
		return countRows(t, a, "outbox", "done_at IS NULL AND run_at <= ?", a.Clock.Now()) == 0
	})
}

func (h *hotline) escalations(t *testing.T, id int64) []api.EscalationOut {
	t.Helper()
	return h.get(t, h.operator, id).Escalations
}

func levels(es []api.EscalationOut) string {
	s := ""
	for _, e := range es {
		s += fmt.Sprintf("%s>%s ", e.From, e.To)
	}
	return s
}

// TestComplaintDeadlinesOnHolidayCalendar counts a case's deadlines in
// working days across the 2025 National Day holiday and its swapped working
// days, with a pause and an extension.
func TestComplaintDeadlinesOnHolidayCalendar(t *testing.T) {
	cn := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, time.FixedZone("CST", 8*3600))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	h := newHotline(t, testenv.AppOptions{Clock: testenv.NewClock(cn("2025-09-30 10:00"))})
	holidays := []string{"2025-10-01", "2025-10-02", "2025-10-03", "2025-10-04", "2025-10-05", "2025-10-06", "2025-10-07", "2025-10-08"}
	var y struct {
		Year               int
		Holidays, Workdays []string
	}
	h.Must(200, "PUT", "/api/v1/holidays/2025", h.AdminToken, map[string]any{
		"holidays": holidays, "workdays": []string{"2025-10-11", "2025-09-28"}}).JSON(t, &y)
	if y.Year != 2025 || len(y.Holidays) != 8 || fmt.Sprint(y.Workdays) != "[2025-09-28 2025-10-11]" {
		t.Fatalf("PUT answered %+v", y)
	}
	y.Holidays = nil
	h.Must(200, "GET", "/api/v1/holidays/2025", h.jinjiang, nil).JSON(t, &y)
	if fmt.Sprint(y.Holidays) != fmt.Sprint(holidays) {
		t.Errorf("GET holidays %v", y.Holidays)
	}
	settle(t, h.App) // the replan task of the PUT

	due := func(c api.ComplaintOut, phase string) time.Time {
		t.Helper()
		d := c.Deadlines[phase].Due
		if d == nil {
			t.Fatalf("%s has no deadline: %+v", phase, c.Deadlines[phase])
		}
		return *d
	}
	c := h.intake(t, nil)
	// Tuesday 10:00 + 1 working day: the holiday is skipped, Thursday 10-09 10:00.
	if got := due(c, "assign"); !got.Equal(cn("2025-10-09 10:00")) {
		t.Errorf("assign due %s", got)
	}
	h.Clock.Set(cn("2025-10-09 09:00"))
	c = h.mustFire(t, h.operator, c.ID, map[string]any{"event": "assign", "region_code": "510104"})
	// 15 working days from Thursday 10-09 09:00: 10-10, the swapped Saturday 10-11, 10-13 … 10-29.
	if got := due(c, "resolve"); !got.Equal(cn("2025-10-29 09:00")) {
		t.Errorf("resolve due %s", got)
	}
	if c.Overdue || c.Deadlines["assign"].Overdue || c.Deadlines["assign"].DoneAt == nil {
		t.Errorf("assigned in time: %+v", c.Deadlines["assign"])
	}
	h.mustFire(t, h.jinjiang, c.ID, map[string]any{"event": "accept"})
	h.Clock.Set(cn("2025-10-13 09:00"))
	c = h.mustFire(t, h.jinjiang, c.ID, map[string]any{"event": "await_complainant"})
	if d := c.Deadlines["resolve"]; !d.Paused || d.Due != nil {
		t.Errorf("waiting: %+v", d)
	}
	h.Clock.Set(cn("2025-10-15 09:00"))
	c = h.mustFire(t, h.jinjiang, c.ID, map[string]any{"event": "complainant_replied"})
	// Two working days waiting push the deadline two working days back.
	if got := due(c, "resolve"); !got.Equal(cn("2025-10-31 09:00")) {
		t.Errorf("resolve due after the pause %s", got)
	}
	h.mustFire(t, h.jinjiang, c.ID, map[string]any{"event": "request_extension", "reason": "需外省协查", "days": 3})
	c = h.mustFire(t, h.chengdu, c.ID, map[string]any{"event": "approve_extension"})
	if got := due(c, "resolve"); !got.Equal(cn("2025-11-05 09:00")) || c.Deadlines["resolve"].Rule.Days != 18 {
		t.Errorf("resolve due with 3 more days %s (%+v)", got, c.Deadlines["resolve"].Rule)
	}
	h.Clock.Set(cn("2025-11-03 09:00"))
	c = h.mustFire(t, h.jinjiang, c.ID, map[string]any{"event": "resolve", "finding": "substantiated", "action": "退还押金"})
	// Callback within 3 working days of resolution: Monday → Thursday.
	if got := due(c, "callback"); !got.Equal(cn("2025-11-06 09:00")) || c.Deadlines["resolve"].Overdue {
		t.Errorf("callback due %s", got)
	}
}

// TestComplaintReplanAfterHolidays moves an open case's deadline when a
// holiday is loaded over it; the task of the old deadline goes stale.
func TestComplaintReplanAfterHolidays(t *testing.T) {
	h := newHotline(t, testenv.AppOptions{}) // Monday 2026-03-02 17:00 China time
	c := h.intake(t, nil)
	if d := c.Deadlines["assign"].Due; d == nil || !d.Equal(time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)) {
		t.Fatalf("assign due %v", d)
	}
	h.Must(200, "PUT", "/api/v1/holidays/2026", h.AdminToken, map[string]any{"holidays": []string{"2026-03-03"}})
	want := time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)
	testenv.Eventually(t, 10*time.Second, "the deadline to move", func() bool {
		d := h.get(t, h.operator, c.ID).Deadlines["assign"].Due
		return d != nil && d.Equal(want)
	})
	if n := countRows(t, h.App, "audit_log", "event = 'deadline_moved' AND entity_id = ?", fmt.Sprint(c.ID)); n != 1 {
		t.Errorf("%d deadline_moved audit rows", n)
	}
	h.Clock.Set(time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC))
	settle(t, h.App)
	if es := h.escalations(t, c.ID); len(es) != 0 {
		t.Errorf("escalated on the old deadline: %s", levels(es))
	}
	h.Clock.Set(want.Add(time.Minute))
	testenv.Eventually(t, 10*time.Second, "escalation on the new deadline", func() bool {
		return len(h.escalations(t, c.ID)) == 1
	})
}

// TestComplaintRemindersAndEscalations follows an unassigned case up the
// region tree, one step per overdue period, and a vicious case raised at
// once.
func TestComplaintRemindersAndEscalations(t *testing.T) {
	h := newHotline(t, testenv.AppOptions{}) // Monday 2026-03-02 17:00 China time
	c := h.intake(t, nil)                    // accused: 510104 锦江区 (county)

	// Halfway through the working day allowed: a reminder.
	h.Clock.Advance(12*time.Hour + time.Minute)
	testenv.Eventually(t, 10*time.Second, "a reminder", func() bool {
		return countRows(t, h.App, "complaint_reminders", "complaint_id = ?", c.ID) == 1
	})
	if n := countRows(t, h.App, "audit_log", "event = 'remind' AND entity_id = ?", fmt.Sprint(c.ID)); n != 1 {
		t.Errorf("%d remind audit rows", n)
	}
	steps := []struct{ level, region string }{{"prefecture", "5101"}, {"province", "51"}, {"nation", "0"}}
	due := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	for i, s := range steps {
		// Each further working day overdue raises it one more step.
		h.Clock.Set(due.AddDate(0, 0, i).Add(time.Second))
		testenv.Eventually(t, 10*time.Second, "escalation to "+s.level, func() bool {
			got := h.get(t, h.operator, c.ID)
			return got.EscalationLevel != nil && got.EscalationLevel.String() == s.level && len(got.Escalations) == i+1
		})
	}
	got := h.get(t, h.operator, c.ID)
	if levels(got.Escalations) != "county>prefecture prefecture>province province>nation " || !got.Overdue ||
		*got.EscalationRegion != "0" {
		t.Errorf("escalations %s", levels(got.Escalations))
	}
	e := got.Escalations[0]
	if e.FromRegionCode != "510104" || e.ToRegionCode != "5101" || e.Phase != "assign" || !e.Due.Equal(due) || e.Why == "" ||
		!e.At.Equal(due.Add(time.Second)) {
		t.Errorf("first escalation %+v", e)
	}
	// At the nation there is nowhere higher.
	h.Clock.Set(due.AddDate(0, 0, 7))
	settle(t, h.App)
	if n := len(h.escalations(t, c.ID)); n != 3 {
		t.Errorf("%d escalations after the nation", n)
	}
	if n := countRows(t, h.App, "audit_log", "event = 'escalate' AND entity_id = ?", fmt.Sprint(c.ID)); n != 3 {
		t.Errorf("%d escalate audit rows", n)
	}
	var l api.List[api.ComplaintOut]
	h.Must(200, "GET", "/api/v1/complaints?escalated=true&overdue=true", h.operator, nil).JSON(t, &l)
	if len(l.Items) != 1 || l.Items[0].ID != c.ID {
		t.Errorf("escalated and overdue: %d items", len(l.Items))
	}

	// A vicious case goes to the province and the nation on intake.
	v := h.intake(t, map[string]any{"category": "vicious_case", "accused_region_code": "440103"})
	if v.EscalationLevel == nil || v.EscalationLevel.String() != "nation" || levels(v.Escalations) != "county>province province>nation " ||
		v.Escalations[0].ToRegionCode != "44" || v.Escalations[0].Phase != "intake" {
		t.Errorf("vicious case: %v %s", v.EscalationLevel, levels(v.Escalations))
	}
	if n := countRows(t, h.App, "audit_log", "event = 'escalate' AND entity_id = ?", fmt.Sprint(v.ID)); n != 2 {
		t.Errorf("%d escalate audit rows for the vicious case", n)
	}
}

// TestComplaintPausedCaseDoesNotEscalate: while the case waits on the
// complainant its deadline is stopped, and the task of the old one is stale.
func TestComplaintPausedCaseDoesNotEscalate(t *testing.T) {
	h := newHotline(t, testenv.AppOptions{})
	c := h.intake(t, nil)
	h.mustFire(t, h.operator, c.ID, map[string]any{"event": "assign", "region_code": "510104"})
	h.mustFire(t, h.jinjiang, c.ID, map[string]any{"event": "accept"})
	h.mustFire(t, h.jinjiang, c.ID, map[string]any{"event": "await_complainant"})
	h.Clock.Advance(60 * 24 * time.Hour)
	settle(t, h.App)
	got := h.get(t, h.operator, c.ID)
	if len(got.Escalations) != 0 || got.Overdue || !got.Deadlines["resolve"].Paused {
		t.Errorf("paused case: escalations %s, overdue %v, %+v", levels(got.Escalations), got.Overdue, got.Deadlines["resolve"])
	}
	// Once the complainant replies, the clock runs again from the time left.
	got = h.mustFire(t, h.jinjiang, c.ID, map[string]any{"event": "complainant_replied"})
	if d := got.Deadlines["resolve"].Due; d == nil || !d.After(h.Clock.Now().Add(14*24*time.Hour)) {
		t.Errorf("resumed deadline %v", d)
	}
}

// TestComplaintEscalatesOnceWithTwoWorkers runs two processes on one
// database and one queue, with their sweeps forced to race too: each
// overdue case is escalated exactly once.
func TestComplaintEscalatesOnceWithTwoWorkers(t *testing.T) {
	clock := testenv.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	h := newHotline(t, testenv.AppOptions{Clock: clock})
	second := testenv.StartApp(t, longTokens(testenv.AppOptions{DSN: h.Config.DB, Clock: clock,
		Config: func(c *app.Config) { c.Redis, c.Queue = h.Queue.Addr(), h.Queue.Name() }}))
	var ids []int64
	for i := range 8 {
		ids = append(ids, h.intake(t, map[string]any{"summary": fmt.Sprintf("案件 %d", i)}).ID)
	}
	clock.Advance(24*time.Hour + time.Second)
	var wg sync.WaitGroup
	for _, a := range []*app.App{h.App.App, second.App, h.App.App, second.App} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := a.Complaints.Sweep(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for _, id := range ids {
		testenv.Eventually(t, 10*time.Second, "escalation", func() bool { return len(h.escalations(t, id)) > 0 })
	}
	settle(t, h.App)
	for _, id := range ids {
		if es := h.escalations(t, id); levels(es) != "county>prefecture " {
			t.Errorf("complaint %d: %s", id, levels(es))
		}
	}
	if n := countRows(t, h.App, "complaint_escalations", ""); n != len(ids) {
		t.Errorf("%d escalation rows for %d cases", n, len(ids))
	}
	if n := countRows(t, h.App, "audit_log", "event = 'escalate'"); n != len(ids) {
		t.Errorf("%d escalate audit rows for %d cases", n, len(ids))
	}
	// The second process serves the same cases.
	if got := decodeCase(t, second.Must(200, "GET", fmt.Sprintf("/api/v1/complaints/%d", ids[0]), h.operator, nil)); got.EscalationLevel == nil {
		t.Error("the second process does not see the escalation")
	}
}

// TestComplaintIntakeWhileRedisDown logs cases while the queue's Redis does
// not answer, then restarts on the same database with a working Redis: the
// cases are all there and their follow-ups fire.
func TestComplaintIntakeWhileRedisDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	l.Close()
	redis.SetLogger(quietRedis{}) // go-redis logs every failed dial to stderr
	dsn := testenv.DSN(t)
	clock := testenv.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	h := newHotline(t, testenv.AppOptions{DSN: dsn, Clock: clock, Config: func(c *app.Config) { c.Redis = dead }})
	if r := h.Do("GET", "/readyz", "", nil); r.Status != 503 {
		t.Errorf("readyz with Redis down: %d", r.Status)
	}
	var ids []int64
	start := time.Now()
	for i := range 5 {
		ids = append(ids, h.intake(t, map[string]any{"summary": fmt.Sprintf("Redis 停机时的来电 %d", i)}).ID)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("intake took %s with Redis down", d)
	}
	if n := countRows(t, h.App, "outbox", "done_at IS NULL AND task_type = 'complaint:escalate'"); n != 5 {
		t.Errorf("%d escalation tasks waiting in the outbox", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := h.Shutdown(ctx); err != nil {
		t.Logf("shutdown with Redis down: %v", err)
	}

	clock.Advance(24*time.Hour + time.Second)
	back := testenv.StartApp(t, longTokens(testenv.AppOptions{DSN: dsn, Clock: clock}))
	for _, id := range ids {
		testenv.Eventually(t, 15*time.Second, "the follow-up to fire", func() bool {
			c := decodeCase(t, back.Must(200, "GET", fmt.Sprintf("/api/v1/complaints/%d", id), h.operator, nil))
			return len(c.Escalations) == 1 && c.EscalationLevel != nil && c.EscalationLevel.String() == "prefecture"
		})
	}
	if n := countRows(t, back, "complaints", ""); n != 5 {
		t.Errorf("%d complaints after the restart", n)
	}
}

// TestComplaintSweepRepairsLostEscalation: an escalation task marked done
// without running (lost) is made up by the worker's periodic sweep.
func TestComplaintSweepRepairsLostEscalation(t *testing.T) {
	h := newHotline(t, testenv.AppOptions{})
	c := h.intake(t, nil)
	if _, err := h.Store.SQL().Exec("UPDATE outbox SET done_at = ? WHERE task_type = 'complaint:escalate' AND done_at IS NULL",
		h.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	h.Clock.Advance(24*time.Hour + 6*time.Minute) // past the deadline and a sweep's time
	testenv.Eventually(t, 10*time.Second, "the sweep's escalation", func() bool {
		return len(h.escalations(t, c.ID)) == 1
	})
	if n := countRows(t, h.App, "audit_log", "event = 'escalate' AND entity_id = ?", fmt.Sprint(c.ID)); n != 1 {
		t.Errorf("%d escalate audit rows", n)
	}
}

type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}
