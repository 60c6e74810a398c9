package workflow_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ducha/ducha/app"
	"github.com/ducha/ducha/store"
	"github.com/ducha/ducha/testenv"
	"github.com/ducha/ducha/workflow"
)

// receiver is a webhook receiver on a loopback port that records every
// request and answers with respond(n) for the n-th (from 1) on each path.
type receiver struct {
	*httptest.Server
	mu      sync.Mutex
	reqs    []receivedReq
	respond func(path string, n int) int
}

type receivedReq struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
	Status int
}

func newReceiver(t *testing.T, respond func(path string, n int) int) *receiver {
	r := &receiver{respond: respond}
	if r.respond == nil {
		r.respond = func(string, int) int { return http.StatusOK }
	}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		n := 1
		for _, q := range r.reqs {
			if q.Path == req.URL.Path {
				n++
			}
		}
		i := len(r.reqs)
		r.reqs = append(r.reqs, receivedReq{Method: req.Method, Path: req.URL.Path, Header: req.Header.Clone(), Body: b})
		r.mu.Unlock()
		status := r.respond(req.URL.Path, n) // may take its time: unlocked
		r.mu.Lock()
		r.reqs[i].Status = status
		r.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

// requests returns the requests so far, on path if it is not "".
func (r *receiver) requests(path string) []receivedReq {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []receivedReq
	for _, q := range r.reqs {
		if path == "" || q.Path == path {
			out = append(out, q)
		}
	}
	return out
}

type webhook struct {
	ID     int64  `json:"id"`
	Secret string `json:"secret"`
}

func subscribe(t *testing.T, a *testenv.App, token, url, region string, events ...string) webhook {
	t.Helper()
	in := map[string]any{"url": url, "events": events}
	if region != "" {
		in["region_code"] = region
	}
	var w webhook
	a.Must(201, "POST", "/api/v1/webhooks", token, in).JSON(t, &w)
	return w
}

type delivery struct {
	ID             string     `json:"id"`
	Event          string     `json:"event"`
	EntityID       string     `json:"entity_id"`
	State          string     `json:"state"`
	Attempts       int        `json:"attempts"`
	LastStatusCode *int       `json:"last_status_code"`
	LastError      string     `json:"last_error"`
	DeliveredAt    *time.Time `json:"delivered_at"`
}

func deliveries(t *testing.T, a *testenv.App, id int64) []delivery {
	t.Helper()
	var out struct{ Items []delivery }
	a.Must(200, "GET", "/api/v1/webhooks/"+strconv.FormatInt(id, 10)+"/deliveries", a.AdminToken, nil).JSON(t, &out)
	return out.Items
}

// settled waits until every delivery of webhook id has left pending and
// returns them.
func settled(t *testing.T, a *testenv.App, id int64, want int, timeout time.Duration) []delivery {
	t.Helper()
	var ds []delivery
	testenv.Eventually(t, timeout, "deliveries settled", func() bool {
		ds = deliveries(t, a, id)
		if len(ds) != want {
			return false
		}
		for _, d := range ds {
			if d.State == "pending" {
				return false
			}
		}
		return true
	})
	return ds
}

func notify(t *testing.T, a *testenv.App, ev workflow.Notification) {
	t.Helper()
	ctx := context.Background()
	err := a.Store.Tx(ctx, func(tx *store.Tx) error { return workflow.Notify(ctx, tx, a.Clock.Now(), ev) })
	if err != nil {
		t.Fatal(err)
	}
}

func outboxPending(t *testing.T, a *testenv.App) int64 {
	t.Helper()
	p, _, err := a.Store.Read(context.Background()).OutboxCounts()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNotifyDeliversOnceSigned(t *testing.T) {
	t.Parallel()
	a := testenv.StartApp(t, testenv.AppOptions{})
	rc := newReceiver(t, nil)
	w := subscribe(t, a, a.AdminToken, rc.URL+"/hook", "", workflow.EventFeedbackIssued)
	occurred := time.Date(2026, 3, 1, 8, 30, 0, 0, time.UTC)
	notify(t, a, workflow.Notification{Event: workflow.EventFeedbackIssued, RegionCode: "110101", Entity: "inspection",
		EntityID: "7", OccurredAt: occurred,
		Data: map[string]any{"number": "人口督反〔2026〕1号", "total": 87.5, "note": "<b>&"}})

	ds := settled(t, a, w.ID, 1, 10*time.Second)
	d := ds[0]
	if d.State != "delivered" || d.Attempts != 1 || d.LastStatusCode == nil || *d.LastStatusCode != 200 ||
		d.DeliveredAt == nil || d.LastError != "" {
		t.Fatalf("delivery log: %+v", d)
	}
	reqs := rc.requests("")
	if len(reqs) != 1 {
		t.Fatalf("receiver got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != "POST" || r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("%s with content type %q", r.Method, r.Header.Get("Content-Type"))
	}
	if got := r.Header.Get("X-Ducha-Event"); got != "feedback_issued" {
		t.Errorf("X-Ducha-Event %q", got)
	}
	if got := r.Header.Get("X-Ducha-Delivery"); got != d.ID || got == "" {
		t.Errorf("X-Ducha-Delivery %q, delivery log id %q", got, d.ID)
	}
	ts := r.Header.Get("X-Ducha-Timestamp")
	if ts != strconv.FormatInt(a.Clock.Now().Unix(), 10) {
		t.Errorf("X-Ducha-Timestamp %q, clock %d", ts, a.Clock.Now().Unix())
	}
	// The receiver's side: recompute the HMAC of "<timestamp>.<body>".
	mac := hmac.New(sha256.New, []byte(w.Secret))
	mac.Write([]byte(ts + "." + string(r.Body)))
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	if got := r.Header.Get("X-Ducha-Signature"); !hmac.Equal([]byte(got), []byte(want)) {
		t.Errorf("X-Ducha-Signature %q, want %q", got, want)
	}
	var body struct {
		ID         string         `json:"id"`
		Event      string         `json:"event"`
		RegionCode string         `json:"region_code"`
		Entity     string         `json:"entity"`
		EntityID   string         `json:"entity_id"`
		OccurredAt time.Time      `json:"occurred_at"`
		Data       map[string]any `json:"data"`
	}
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatalf("body %s: %v", r.Body, err)
	}
	if body.ID != d.ID || body.Event != "feedback_issued" || body.RegionCode != "110101" || body.Entity != "inspection" ||
		body.EntityID != "7" || !body.OccurredAt.Equal(occurred) {
		t.Errorf("body %s", r.Body)
	}
	if body.Data["number"] != "人口督反〔2026〕1号" || body.Data["total"] != 87.5 || body.Data["note"] != "<b>&" {
		t.Errorf("data %v", body.Data)
	}

	// Nothing more arrives: the task is done and is not run again.
	time.Sleep(1500 * time.Millisecond)
	if n := len(rc.requests("")); n != 1 {
		t.Fatalf("receiver got %d requests, want 1", n)
	}
	if p := outboxPending(t, a); p != 0 {
		t.Fatalf("%d outbox tasks pending", p)
	}
}

func TestNotifyRetriesUntilDelivered(t *testing.T) {
	t.Parallel()
	a := testenv.StartApp(t, testenv.AppOptions{})
	// Fails twice, then succeeds; counts what it processed (2xx answers).
	rc := newReceiver(t, func(_ string, n int) int {
		switch n {
		case 1:
			return http.StatusInternalServerError
		case 2:
			return http.StatusServiceUnavailable
		}
		return http.StatusNoContent
	})
	w := subscribe(t, a, a.AdminToken, rc.URL, "", workflow.EventEscalation)
	notify(t, a, workflow.Notification{Event: workflow.EventEscalation, RegionCode: "3301", Entity: "complaint",
		EntityID: "42", Data: map[string]any{"to_region_code": "33"}})

	// While it retries, the log shows the failed attempt.
	testenv.Eventually(t, 10*time.Second, "a failed attempt in the log", func() bool {
		ds := deliveries(t, a, w.ID)
		return len(ds) == 1 && ds[0].State == "pending" && ds[0].Attempts >= 1 &&
			ds[0].LastStatusCode != nil && *ds[0].LastStatusCode >= 500 && strings.Contains(ds[0].LastError, "answered 5")
	})
	d := settled(t, a, w.ID, 1, 20*time.Second)[0]
	if d.State != "delivered" || d.Attempts != 3 || d.LastStatusCode == nil || *d.LastStatusCode != 204 || d.LastError != "" {
		t.Fatalf("delivery log: %+v", d)
	}
	time.Sleep(1500 * time.Millisecond)
	reqs := rc.requests("")
	if len(reqs) != 3 {
		t.Fatalf("receiver got %d requests, want 3", len(reqs))
	}
	processed := 0
	for _, r := range reqs {
		if r.Header.Get("X-Ducha-Delivery") != d.ID || string(r.Body) != string(reqs[0].Body) {
			t.Errorf("attempts differ: %s %s vs %s", r.Header.Get("X-Ducha-Delivery"), r.Body, reqs[0].Body)
		}
		if r.Status/100 == 2 {
			processed++
		}
	}
	if processed != 1 {
		t.Fatalf("processed %d times, want once", processed)
	}
	if p := outboxPending(t, a); p != 0 {
		t.Fatalf("%d outbox tasks pending", p)
	}
}

func TestNotifyRegionFilter(t *testing.T) {
	t.Parallel()
	a := testenv.StartApp(t, testenv.AppOptions{})
	rc := newReceiver(t, nil)
	all := workflow.NotificationEvents
	subs := map[string]webhook{
		"/nation": subscribe(t, a, a.AdminToken, rc.URL+"/nation", "0", all...),
		"/11":     subscribe(t, a, a.AdminToken, rc.URL+"/11", "11", workflow.EventFeedbackIssued),
		"/1101":   subscribe(t, a, a.AdminToken, rc.URL+"/1101", "1101", workflow.EventFeedbackIssued),
		"/12":     subscribe(t, a, a.AdminToken, rc.URL+"/12", "12", workflow.EventFeedbackIssued, workflow.EventBulletinPublished),
		"/11-esc": subscribe(t, a, a.AdminToken, rc.URL+"/11-esc", "11", workflow.EventEscalation),
	}
	notify(t, a, workflow.Notification{Event: workflow.EventFeedbackIssued, RegionCode: "110101", Entity: "inspection", EntityID: "1"})
	notify(t, a, workflow.Notification{Event: workflow.EventBulletinPublished, RegionCode: "0", Entity: "bulletin", EntityID: "2"})
	notify(t, a, workflow.Notification{Event: workflow.EventEscalation, RegionCode: "120101", Entity: "complaint", EntityID: "3"})
	notify(t, a, workflow.Notification{Event: workflow.EventFeedbackIssued, RegionCode: "1102", Entity: "inspection", EntityID: "4"})

	want := map[string][]string{
		"/nation": {"1", "2", "3", "4"},
		"/11":     {"1", "4"},
		"/1101":   {"1"},
		"/12":     nil,
		"/11-esc": nil,
	}
	for path, ids := range want {
		settled(t, a, subs[path].ID, len(ids), 10*time.Second)
	}
	testenv.Eventually(t, 10*time.Second, "outbox drained", func() bool { return outboxPending(t, a) == 0 })
	for path, ids := range want {
		var got []string
		for _, r := range rc.requests(path) {
			var b struct {
				EntityID string `json:"entity_id"`
			}
			_ = json.Unmarshal(r.Body, &b)
			got = append(got, b.EntityID)
		}
		slices.Sort(got) // deliveries run concurrently: no order is promised
		if strings.Join(got, ",") != strings.Join(ids, ",") {
			t.Errorf("%s got entities %v, want %v", path, got, ids)
		}
	}
}

func TestNotifyRolledBackSendsNothing(t *testing.T) {
	t.Parallel()
	a := testenv.StartApp(t, testenv.AppOptions{})
	rc := newReceiver(t, nil)
	w := subscribe(t, a, a.AdminToken, rc.URL, "", workflow.NotificationEvents...)
	ctx := context.Background()
	errRollback := errors.New("the change failed")
	err := a.Store.Tx(ctx, func(tx *store.Tx) error {
		if err := workflow.Notify(ctx, tx, a.Clock.Now(), workflow.Notification{Event: workflow.EventFeedbackIssued,
			RegionCode: "11", Entity: "inspection", EntityID: "rolled-back"}); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatalf("tx: %v", err)
	}
	if ds := deliveries(t, a, w.ID); len(ds) != 0 {
		t.Fatalf("deliveries after rollback: %+v", ds)
	}
	if p := outboxPending(t, a); p != 0 {
		t.Fatalf("%d outbox tasks after rollback", p)
	}
	// A committed notice after it arrives alone: the rolled-back one, had it
	// been queued, would have been handed over first.
	notify(t, a, workflow.Notification{Event: workflow.EventFeedbackIssued, RegionCode: "11", Entity: "inspection", EntityID: "committed"})
	settled(t, a, w.ID, 1, 10*time.Second)
	time.Sleep(time.Second)
	reqs := rc.requests("")
	if len(reqs) != 1 || !strings.Contains(string(reqs[0].Body), `"entity_id":"committed"`) {
		t.Fatalf("receiver got %d requests: %v", len(reqs), reqs)
	}
}

func TestNotifyGivesUpAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	a := testenv.StartApp(t, testenv.AppOptions{Config: func(c *app.Config) { c.WebhookMaxAttempts = 2 }})
	rc := newReceiver(t, func(string, int) int { return http.StatusBadGateway })
	w := subscribe(t, a, a.AdminToken, rc.URL, "", workflow.EventDeadlineReminder)
	notify(t, a, workflow.Notification{Event: workflow.EventDeadlineReminder, RegionCode: "44", Entity: "complaint", EntityID: "9"})
	d := settled(t, a, w.ID, 1, 15*time.Second)[0]
	if d.State != "failed" || d.Attempts != 2 || d.LastStatusCode == nil || *d.LastStatusCode != 502 ||
		!strings.Contains(d.LastError, "502") || d.DeliveredAt != nil {
		t.Fatalf("delivery log: %+v", d)
	}
	testenv.Eventually(t, 5*time.Second, "outbox drained", func() bool { return outboxPending(t, a) == 0 })
	time.Sleep(1500 * time.Millisecond)
	if n := len(rc.requests("")); n != 2 {
		t.Fatalf("receiver got %d requests, want 2", n)
	}
}

func TestNotifyFailuresRecorded(t *testing.T) {
	t.Parallel()
	a := testenv.StartApp(t, testenv.AppOptions{Config: func(c *app.Config) {
		c.WebhookMaxAttempts = 1
		c.WebhookTimeout = 300 * time.Millisecond
	}})
	rc := newReceiver(t, func(path string, _ int) int {
		switch path {
		case "/redirect":
			return http.StatusFound // not followed: only the registered address gets the notice
		case "/gone":
			return http.StatusGone
		case "/slow":
			time.Sleep(time.Second)
		}
		return http.StatusOK
	})
	// Nothing listens on a closed server's port.
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	cases := []struct {
		url    string
		status int // 0: no answer
		err    string
	}{
		{rc.URL + "/redirect", 302, "answered 302"},
		{rc.URL + "/gone", 410, "answered 410"},
		{rc.URL + "/slow", 0, "no answer within 300ms"},
		{closed.URL, 0, "connection refused"},
	}
	subs := make([]webhook, len(cases))
	for i, c := range cases {
		subs[i] = subscribe(t, a, a.AdminToken, c.url, "", workflow.EventFeedbackIssued)
	}
	notify(t, a, workflow.Notification{Event: workflow.EventFeedbackIssued, RegionCode: "11", Entity: "inspection", EntityID: "5"})
	for i, c := range cases {
		d := settled(t, a, subs[i].ID, 1, 10*time.Second)[0]
		if d.State != "failed" || d.Attempts != 1 || !strings.Contains(d.LastError, c.err) {
			t.Errorf("%s: %+v", c.url, d)
		}
		if (c.status == 0) != (d.LastStatusCode == nil) || (d.LastStatusCode != nil && *d.LastStatusCode != c.status) {
			t.Errorf("%s: last status %v, want %d", c.url, d.LastStatusCode, c.status)
		}
	}
	if n := len(rc.requests("/redirect")); n != 1 {
		t.Errorf("redirect target hit %d times", n)
	}
}

// A receiver that takes its time holds no database lock: the API keeps
// writing meanwhile (on SQLite an open write transaction would block it).
func TestSlowReceiverHoldsNoLock(t *testing.T) {
	t.Parallel()
	a := testenv.StartApp(t, testenv.AppOptions{})
	arrived, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	rc := newReceiver(t, func(string, int) int {
		once.Do(func() { close(arrived) })
		select {
		case <-release:
		case <-time.After(8 * time.Second):
		}
		return http.StatusOK
	})
	w := subscribe(t, a, a.AdminToken, rc.URL, "", workflow.EventBulletinPublished)
	notify(t, a, workflow.Notification{Event: workflow.EventBulletinPublished, RegionCode: "0", Entity: "bulletin", EntityID: "1"})
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the notice never arrived")
	}
	start := time.Now()
	a.NewUser("writer", "viewer", "11")
	subscribe(t, a, a.AdminToken, rc.URL+"/other", "", workflow.EventEscalation)
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("writes took %v while a delivery was in flight", d)
	}
	close(release)
	if d := settled(t, a, w.ID, 1, 10*time.Second)[0]; d.State != "delivered" {
		t.Fatalf("delivery log: %+v", d)
	}
}

func TestSubscriptionDeletedBeforeDelivery(t *testing.T) {
	t.Parallel()
	a := testenv.StartApp(t, testenv.AppOptions{NoWorker: true})
	rc := newReceiver(t, nil)
	w := subscribe(t, a, a.AdminToken, rc.URL, "", workflow.EventFeedbackIssued)
	notify(t, a, workflow.Notification{Event: workflow.EventFeedbackIssued, RegionCode: "11", Entity: "inspection", EntityID: "1"})
	a.Must(204, "DELETE", "/api/v1/webhooks/"+strconv.FormatInt(w.ID, 10), a.AdminToken, nil)
	if err := a.StartWorker(); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 10*time.Second, "outbox drained", func() bool { return outboxPending(t, a) == 0 })
	ds, err := a.Store.Read(context.Background()).ListDeliveries(w.ID, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].State != store.DeliveryCancelled || ds[0].Attempts != 0 {
		t.Fatalf("deliveries: %+v", ds)
	}
	if n := len(rc.requests("")); n != 0 {
		t.Fatalf("receiver got %d requests", n)
	}
}

func TestNotifyRejectsMalformed(t *testing.T) {
	t.Parallel()
	s := testenv.Store(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	ok := workflow.Notification{Event: workflow.EventEscalation, RegionCode: "11", Entity: "complaint", EntityID: "1"}
	cases := map[string]func(n *workflow.Notification){
		"unknown event":     func(n *workflow.Notification) { n.Event = "complaint_closed" },
		"empty region":      func(n *workflow.Notification) { n.RegionCode = "" },
		"malformed region":  func(n *workflow.Notification) { n.RegionCode = "11x" },
		"no entity":         func(n *workflow.Notification) { n.Entity = "" },
		"no entity id":      func(n *workflow.Notification) { n.EntityID = "" },
		"long entity id":    func(n *workflow.Notification) { n.EntityID = strings.Repeat("9", 65) },
		"unmarshalable":     func(n *workflow.Notification) { n.Data = map[string]any{"f": func() {}} },
		"data over 64 KiB":  func(n *workflow.Notification) { n.Data = map[string]any{"text": strings.Repeat("x", 70_000)} },
		"nested NaN number": func(n *workflow.Notification) { n.Data = map[string]any{"score": []any{nanValue()}} },
	}
	for name, edit := range cases {
		n := ok
		edit(&n)
		err := s.Tx(ctx, func(tx *store.Tx) error { return workflow.Notify(ctx, tx, now, n) })
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// With no subscription a well-formed notice writes nothing.
	if err := s.Tx(ctx, func(tx *store.Tx) error { return workflow.Notify(ctx, tx, now, ok) }); err != nil {
		t.Fatal(err)
	}
	if p, d, _ := s.Read(ctx).OutboxCounts(); p+d != 0 {
		t.Fatalf("%d outbox rows without subscriptions", p+d)
	}
}

func nanValue() float64 {
	zero := 0.0
	return zero / zero
}
