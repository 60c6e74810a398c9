package api_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ducha/ducha/api"
	"github.com/ducha/ducha/documents"
	"github.com/ducha/ducha/store"
	"github.com/ducha/ducha/testenv"
	"github.com/ducha/ducha/workflow"
)

// TestBulletinJobKilledMidway stops the worker inside the bulletin job,
// after it took its number and before it stored the document, shuts the
// app down, and starts a new app on the same database: exactly one
// bulletin is issued, with the year's first number. The bulletin also
// carries the hotline's real figures for the batch's window.
func TestBulletinJobKilledMidway(t *testing.T) {
	t.Parallel()
	dsn := testenv.DSN(t)
	clock := testenv.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	e := newResEnv(t, testenv.AppOptions{DSN: dsn, Clock: clock})
	e.App.Results.Sources.Complaints = workflowDefaultComplaints(e.App) // the hotline's, as shipped
	_, b, ins := e.toFeedback("44")
	for _, in := range ins {
		e.mustFire(e.admin(), "inspections", in.ID, "issue_feedback", nil)
		testenv.Eventually(t, 30*time.Second, "the letter", func() bool {
			return e.feedback(e.admin(), in.ID)["status"] == "issued"
		})
	}
	// A complaint against Guangdong inside the batch's window.
	e.advance(time.Hour)
	e.Must(201, "POST", "/api/v1/complaints", e.admin(), map[string]any{"channel": "hotline",
		"received_at": e.Clock.Now().Add(-30 * time.Minute).Format(time.RFC3339), "category": "illegal_fees",
		"occurred_region_code": "440106", "accused_region_code": "440106", "summary": "办证收取押金",
		"details": "外出务工办理婚育证明时被收取押金"})

	reached := make(chan struct{})
	var once sync.Once
	killed := errors.New("worker killed")
	e.App.Results.Pause = func(ctx context.Context, kind string, _ int64) error {
		if kind != store.KindBulletin {
			return nil
		}
		once.Do(func() { close(reached) })
		return killed // every attempt dies here: the worker is gone
	}
	e.mustFire(e.admin(), "batches", b.ID, "publish_bulletin", nil)
	select {
	case <-reached:
	case <-time.After(30 * time.Second):
		t.Fatal("the bulletin job never started")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := e.App.Shutdown(ctx); err != nil {
		t.Logf("shutdown: %v", err)
	}
	// Nothing of the dead attempts remains: no document, no number.
	check, err := store.Open(context.Background(), dsn, testenv.Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := check.Read(context.Background()).DocumentFor(store.KindBulletin, b.ID); err == nil {
		t.Fatal("a bulletin was stored by a job that died")
	}
	if n, _ := check.Read(context.Background()).CountDocumentNumbers(store.KindBulletin); n != 0 {
		t.Fatalf("%d bulletin numbers taken by jobs that died", n)
	}
	check.Close()

	// A new process on the same data, past the hand-over's staleness.
	clock.Advance(5 * time.Minute)
	a2 := testenv.StartApp(t, testenv.AppOptions{DSN: dsn, Clock: clock})
	e2 := &resEnv{campEnv: &campEnv{App: a2, t: t, tokens: map[string]string{"admin": a2.AdminToken}}, src: e.src}
	id := e2.waitBulletin(b.ID)
	var bo map[string]any
	e2.Must(200, "GET", campPath("bulletins", id), a2.AdminToken, nil).JSON(t, &bo)
	if bo["number"] != "督查通报〔2026〕1号" {
		t.Errorf("number %v", bo["number"])
	}
	cs, _ := bo["complaints"].([]any)
	if len(cs) != 1 || cs[0].(map[string]any)["category"] != "illegal_fees" || cs[0].(map[string]any)["received"] != float64(1) {
		t.Errorf("hotline figures %v", cs)
	}
	// The job delivered once more changes nothing: one bulletin, one number.
	runTwice(t, a2, workflow.TypePublishBulletin, map[string]int64{"batch_id": b.ID}, a2.Results.HandleBulletinTask)
	var l api.List[api.BulletinSummary]
	e2.Must(200, "GET", "/api/v1/bulletins", a2.AdminToken, nil).JSON(t, &l)
	if len(l.Items) != 1 || l.Items[0].ID != id {
		t.Errorf("bulletins %+v", l.Items)
	}
	if n, _ := a2.Store.Read(context.Background()).CountDocumentNumbers(store.KindBulletin); n != 1 {
		t.Errorf("%d bulletin numbers", n)
	}
}

// TestFeedbackJobRunTwice hands a second feedback task for an inspection
// whose letter is issued, and runs the handler twice in a row: one letter,
// one number, one notice.
func TestFeedbackJobRunTwice(t *testing.T) {
	t.Parallel()
	e := newResEnv(t, testenv.AppOptions{})
	_, _, ins := e.toFeedback("44", "45")
	in := ins["45"]
	e.mustFire(e.admin(), "inspections", in.ID, "issue_feedback", nil)
	first := e.waitFeedback(in.ID)
	runTwice(t, e.App, workflow.TypeIssueFeedback, map[string]int64{"inspection_id": in.ID}, e.App.Results.HandleFeedbackTask)
	if again := e.feedback(e.admin(), in.ID); again["number"] != first["number"] || again["id"] != first["id"] ||
		again["issued_at"] != first["issued_at"] {
		t.Errorf("the letter changed: %v → %v", first, again)
	}
	if n, _ := e.Store.Read(context.Background()).CountDocumentNumbers(store.KindFeedback); n != 1 {
		t.Errorf("%d feedback numbers", n)
	}
	var issued int
	for _, a := range e.audit("inspection", in.ID) {
		if a["event"] == "document_issued" {
			issued++
		}
	}
	if issued != 1 {
		t.Errorf("%d document_issued audit rows", issued)
	}
}

// runTwice records a new outbox task with payload and runs handler on it
// twice, each in its own transaction, as a redelivery would.
func runTwice(t *testing.T, a *testenv.App, typ string, payload any, h func(context.Context, *store.Tx, store.OutboxTask, time.Time) error) {
	t.Helper()
	ctx := context.Background()
	var task store.OutboxTask
	err := a.Store.Tx(ctx, func(tx *store.Tx) error {
		id, err := tx.Enqueue(typ, payload, a.Clock.Now().Add(24*time.Hour), a.Clock.Now())
		if err != nil {
			return err
		}
		task, err = tx.OutboxTaskByID(id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := a.Store.Tx(ctx, func(tx *store.Tx) error { return h(ctx, tx, task, a.Clock.Now()) }); err != nil {
			t.Fatalf("run %d of task %s: %v", i+1, strconv.FormatInt(task.ID, 10), err)
		}
	}
}

// workflowDefaultComplaints is the complaint source a fresh Results has.
func workflowDefaultComplaints(a *testenv.App) func(context.Context, *store.Tx, string, time.Time, time.Time) ([]documents.ComplaintFigure, error) {
	return workflow.NewResults(workflow.Deps{Store: a.Store, Authz: a.Authz, Clock: a.Clock, Log: a.Log},
		workflow.ResultsConfig{}, a.Scoring).Sources.Complaints
}
