package api_test

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/ducha/ducha/api"
	"github.com/ducha/ducha/jobs"
	"github.com/ducha/ducha/store"
	"github.com/ducha/ducha/testenv"
	"github.com/ducha/ducha/workflow"
)

// campDeadlineBatch launches a national batch of 11, 12, 13 with its
// self-check due in 10 days, site review in 20, feedback in 30.
func campDeadlineBatch(t *testing.T, e *campEnv) (api.BatchOut, map[string]api.InspectionOut) {
	t.Helper()
	c := e.createCampaign(e.admin(), e.campaignBody("deadlines", "0", 2026, 2028))
	t0 := e.Clock.Now()
	day := 24 * time.Hour
	b := e.createBatch(e.admin(), c.ID, map[string]any{"name": "b", "region_codes": []string{"11", "12", "13"},
		"self_check_due":  t0.Add(10 * day).Format(time.RFC3339),
		"site_review_due": t0.Add(20 * day).Format(time.RFC3339),
		"feedback_due":    t0.Add(30 * day).Format(time.RFC3339)})
	e.mustFire(e.admin(), "batches", b.ID, "launch", nil)
	ins := map[string]api.InspectionOut{}
	for _, in := range e.inspections(e.admin(), "batch_id="+campItoa(b.ID)) {
		ins[in.RegionCode] = in
	}
	return b, ins
}

// notices returns an inspection's notice kinds as "phase/kind".
func (e *campEnv) notices(id int64) []string {
	e.t.Helper()
	var out []string
	for _, n := range e.inspection(e.admin(), id).Notices {
		out = append(out, string(n.Phase)+"/"+n.Kind)
	}
	return out
}

func (e *campEnv) waitNotice(id int64, notice string) {
	e.t.Helper()
	testenv.Eventually(e.t, 15*time.Second, "notice "+notice+" of inspection "+campItoa(id), func() bool {
		return slices.Contains(e.notices(id), notice)
	})
}

func (e *campEnv) overdueRegions() []string {
	var out []string
	for _, in := range e.inspections(e.admin(), "overdue=true") {
		out = append(out, in.RegionCode+":"+string(*in.OverduePhase))
	}
	slices.Sort(out)
	return out
}

// TestCampaignDeadlines runs reminders and overdue marks through the real
// outbox → Asynq → worker path at the fake clock's times, and shows that a
// task delivered twice, or recorded twice, does its work once.
func TestCampaignDeadlines(t *testing.T) {
	e := newCampEnv(t, testenv.AppOptions{})
	// Tianjin's system listens for reminders of its own region.
	var hook struct {
		ID int64 `json:"id"`
	}
	e.Must(201, "POST", "/api/v1/webhooks", e.coordinator("12"), map[string]any{
		"url": "https://receiver.example.org/ducha", "events": []string{"deadline_reminder"}}).JSON(t, &hook)
	b, ins := campDeadlineBatch(t, e)
	bj, tj, hb := ins["11"], ins["12"], ins["13"]

	// Just before the first reminder, nothing has gone out.
	e.setClock(b.SelfCheckDue.Add(-72*time.Hour - time.Minute))
	time.Sleep(800 * time.Millisecond) // three relay ticks
	for _, in := range ins {
		if n := e.notices(in.ID); len(n) != 0 {
			t.Fatalf("notices before their time: %v", n)
		}
	}
	// 72 hours before the deadline every self-check is reminded.
	e.setClock(b.SelfCheckDue.Add(-72 * time.Hour))
	for _, in := range ins {
		e.waitNotice(in.ID, "self_check/reminder_72h")
	}
	// Beijing submits; the 24-hour reminder and the overdue mark pass it by.
	e.mustFire(e.coordinator("11"), "inspections", bj.ID, "submit_self_check", nil)
	e.setClock(b.SelfCheckDue.Add(-24 * time.Hour))
	e.waitNotice(tj.ID, "self_check/reminder_24h")
	e.waitNotice(hb.ID, "self_check/reminder_24h")
	if got := len(e.overdueRegions()); got != 0 {
		t.Fatalf("%d overdue before the deadline", got)
	}
	e.setClock(b.SelfCheckDue)
	e.waitNotice(tj.ID, "self_check/overdue")
	e.waitNotice(hb.ID, "self_check/overdue")
	if got := e.notices(bj.ID); !slices.Equal(got, []string{"self_check/reminder_72h"}) {
		t.Errorf("Beijing, which submitted in time, got %v", got)
	}
	if got := e.overdueRegions(); !slices.Equal(got, []string{"12:self_check", "13:self_check"}) {
		t.Errorf("overdue: %v", got)
	}
	in := e.inspection(e.admin(), tj.ID)
	if !in.Overdue || in.OverdueSince == nil || !in.OverdueSince.Equal(b.SelfCheckDue) {
		t.Errorf("Tianjin: %+v", in)
	}
	// The mark is not a state change: the version (If-Match) stays.
	if in.Version != tj.Version {
		t.Errorf("the overdue mark moved the version from %d to %d", tj.Version, in.Version)
	}
	var events []string
	for _, a := range e.audit("inspection", tj.ID) {
		events = append(events, a["event"].(string))
	}
	if !slices.Equal(events, []string{"open_self_check", "deadline_reminder", "deadline_reminder", "overdue"}) {
		t.Errorf("Tianjin's audit: %v", events)
	}
	// Each reminder of Tianjin's inspection was recorded for its webhook.
	var deliveries api.List[map[string]any]
	e.Must(200, "GET", campPath("webhooks", hook.ID)+"/deliveries", e.coordinator("12"), nil).JSON(t, &deliveries)
	if len(deliveries.Items) != 2 {
		t.Errorf("%d webhook deliveries for Tianjin, want its two reminders: %v", len(deliveries.Items), deliveries.Items)
	}
	for _, d := range deliveries.Items {
		if d["event"] != "deadline_reminder" || d["entity_id"] != campItoa(tj.ID) {
			t.Errorf("delivery %v", d)
		}
	}
	// A late submission lifts the mark.
	e.mustFire(e.coordinator("12"), "inspections", tj.ID, "submit_self_check", nil)
	if got := e.overdueRegions(); !slices.Equal(got, []string{"13:self_check"}) {
		t.Errorf("overdue after Tianjin submits: %v", got)
	}

	// A duplicate delivery of a finished task does nothing.
	before := e.campNoticeCount(ins)
	auditBefore := len(e.audit("inspection", hb.ID))
	id, payload := campDoneTask(t, e, workflow.TypeDeadlineOverdue)
	client := asynq.NewClientFromRedisClient(e.Queue.Redis())
	if _, err := client.Enqueue(asynq.NewTask(workflow.TypeDeadlineOverdue, []byte(strconv.FormatInt(id, 10))),
		asynq.Queue(e.Queue.Name()), asynq.TaskID("duplicate-"+strconv.FormatInt(id, 10))); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 15*time.Second, "the duplicate to be processed", func() bool {
		m := e.Must(200, "GET", "/metrics", "", nil)
		return strings.Contains(string(m.Body),
			`ducha_jobs_processed_total{outcome="duplicate",type="`+workflow.TypeDeadlineOverdue+`"} 1`)
	})
	// The same task recorded twice in the outbox: the second finds every
	// notice recorded and does nothing either.
	var again int64
	err := e.Store.Tx(context.Background(), func(tx *store.Tx) error {
		var err error
		again, err = tx.Enqueue(workflow.TypeDeadlineOverdue, json.RawMessage(payload), e.Clock.Now(), e.Clock.Now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 15*time.Second, "the second copy to run", func() bool {
		task, err := e.Store.Read(context.Background()).OutboxTaskByID(again)
		return err == nil && task.DoneAt != nil
	})
	if after := e.campNoticeCount(ins); after != before {
		t.Errorf("notices went from %d to %d", before, after)
	}
	if got := e.audit("inspection", hb.ID); len(got) != auditBefore {
		t.Errorf("Hebei's audit rows went from %d to %d: %v", auditBefore, len(got), got)
	}

	// At the site-review deadline nobody has been reviewed: all three are
	// overdue for it, Hebei's latest missed phase included.
	e.setClock(b.SiteReviewDue)
	for _, in := range ins {
		e.waitNotice(in.ID, "site_review/overdue")
	}
	if got := e.overdueRegions(); !slices.Equal(got, []string{"11:site_review", "12:site_review", "13:site_review"}) {
		t.Errorf("overdue at the site-review deadline: %v", got)
	}
}

func (e *campEnv) campNoticeCount(ins map[string]api.InspectionOut) int {
	n := 0
	for _, in := range ins {
		n += len(e.notices(in.ID))
	}
	return n
}

// campDoneTask returns a finished outbox task of a type, and its payload.
func campDoneTask(t *testing.T, e *campEnv, typ string) (int64, string) {
	t.Helper()
	var id int64
	var payload string
	err := e.Store.SQL().QueryRow("SELECT id, payload FROM outbox WHERE task_type = ? AND done_at IS NOT NULL ORDER BY id LIMIT 1",
		typ).Scan(&id, &payload)
	if err != nil {
		t.Fatal(err)
	}
	return id, payload
}

// TestCampaignDeadlinesSurviveLostRedis hands a due reminder to Redis, loses
// it there, and shows that the outbox hands it over again.
func TestCampaignDeadlinesSurviveLostRedis(t *testing.T) {
	e := newCampEnv(t, testenv.AppOptions{NoWorker: true})
	b, ins := campDeadlineBatch(t, e)
	e.setClock(b.SelfCheckDue.Add(-72 * time.Hour))
	relay := jobs.NewRelay(e.Queue, e.Store, e.Clock, testenv.Logger(t))
	n, err := relay.RelayOnce(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("relayed %d, %v; want the one due reminder", n, err)
	}
	if _, err := e.Queue.Inspector().DeleteAllPendingTasks(e.Queue.Name()); err != nil {
		t.Fatal(err)
	}
	if err := e.StartWorker(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	for _, in := range ins {
		if got := e.notices(in.ID); len(got) != 0 {
			t.Fatalf("a lost task ran: %v", got)
		}
	}
	// After the relay's stale period the row is handed over again.
	e.advance(3 * time.Minute)
	for _, in := range ins {
		e.waitNotice(in.ID, "self_check/reminder_72h")
	}
}
