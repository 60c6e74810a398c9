package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ducha/ducha/api"
	"github.com/ducha/ducha/testenv"
)

// The complaint API, grouped by the status each request must get. Each test
// runs on SQLite and, with DUCHA_TEST_MYSQL set, on MySQL.

func TestComplaints201And200(t *testing.T) {
	h := newHotline(t, testenv.AppOptions{})

	t.Run("intake", func(t *testing.T) {
		r := h.Must(201, "POST", "/api/v1/complaints", h.operator, caseBody(nil))
		c := decodeCase(t, r)
		if c.ID == 0 || c.State != "received" || c.Version != 1 || c.Channel != "hotline" || c.Category != "illegal_fees" ||
			c.AccusedRegionCode != "510104" || c.OccurredRegionCode != "440103" || c.AssigneeRegionCode != nil {
			t.Fatalf("created %+v", c)
		}
		if loc := r.Header.Get("Location"); loc != fmt.Sprintf("/api/v1/complaints/%d", c.ID) {
			t.Errorf("Location %q", loc)
		}
		if r.Header.Get("ETag") != `"1"` {
			t.Errorf("ETag %q", r.Header.Get("ETag"))
		}
		if !c.ReceivedAt.Equal(h.Clock.Now()) {
			t.Errorf("received_at %s, want now %s", c.ReceivedAt, h.Clock.Now())
		}
		if c.Anonymous || c.Complainant == nil || c.Complainant.Masked || c.Complainant.Name != "张三" ||
			c.Complainant.Phone != "13812345678" {
			t.Errorf("the operator (read_personal) sees %+v", c.Complainant)
		}
		d, ok := c.Deadlines["assign"]
		// 2026-03-02 is a Monday, 17:00 in China: one working day later.
		if !ok || d.Due == nil || !d.Due.Equal(time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)) || d.Paused || d.Overdue {
			t.Errorf("assign deadline %+v", d)
		}
		if c.Overdue || c.EscalationLevel != nil || len(c.Escalations) != 0 {
			t.Errorf("overdue %v, escalation %v %v", c.Overdue, c.EscalationLevel, c.Escalations)
		}
		if len(c.AllowedEvents) != 1 || c.AllowedEvents[0] != "assign" {
			t.Errorf("allowed events %v", c.AllowedEvents)
		}
	})

	t.Run("anonymous, by a county officer of the accused region, received earlier", func(t *testing.T) {
		at := h.Clock.Now().Add(-73 * time.Hour)
		c := decodeCase(t, h.Must(201, "POST", "/api/v1/complaints", h.jinjiang, caseBody(map[string]any{
			"complainant": nil, "channel": "letter", "received_at": at.In(time.FixedZone("", 8*3600)).Format(time.RFC3339)})))
		if !c.Anonymous || c.Complainant != nil || !c.ReceivedAt.Equal(at) {
			t.Errorf("anonymous %v %+v received %s", c.Anonymous, c.Complainant, c.ReceivedAt)
		}
		// Received on Friday 16:00 China time: due on Monday at 16:00, an hour ago.
		if d := c.Deadlines["assign"]; !c.Overdue || d.Due == nil || !d.Due.Equal(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)) {
			t.Errorf("overdue %v, assign deadline %+v", c.Overdue, d)
		}
		// complainant: null is anonymous too.
		r := h.Must(201, "POST", "/api/v1/complaints", h.operator, caseBody(map[string]any{"complainant": nil}))
		r2 := h.Must(201, "POST", "/api/v1/complaints", h.operator,
			strings.Replace(string(mustJSON(t, caseBody(map[string]any{"complainant": nil}))), "}", `,"complainant":null}`, 1))
		if !decodeCase(t, r).Anonymous || !decodeCase(t, r2).Anonymous {
			t.Error("not anonymous")
		}
	})

	t.Run("same key, same body: one complaint, 201 then 200 with the same body", func(t *testing.T) {
		first := h.Must(201, "POST", "/api/v1/complaints", h.operator, caseBody(nil), "Idempotency-Key", "retry-1")
		again := h.Must(200, "POST", "/api/v1/complaints", h.operator, caseBody(nil), "Idempotency-Key", "retry-1")
		if string(first.Body) != string(again.Body) {
			t.Errorf("replay differs:\n%s\n%s", first.Body, again.Body)
		}
		if again.Header.Get("Idempotent-Replayed") != "true" {
			t.Error("no Idempotent-Replayed header")
		}
		// Key order and whitespace do not make another body.
		reordered := `{"summary":"办理婚育证明被收取押金","accused_region_code":"510104","occurred_region_code":"440103",` +
			`"category":"illegal_fees","channel":"hotline","details":"来电人称外出务工前办理婚育证明时被收取500元押金。",` +
			`"complainant":{"phone":"138 1234 5678","name":"张三"}}`
		r := h.Must(200, "POST", "/api/v1/complaints", h.operator, reordered, "Idempotency-Key", "retry-1")
		if decodeCase(t, r).ID != decodeCase(t, first).ID {
			t.Error("reordered body made another complaint")
		}
		// Another user's key space is its own.
		other := h.Must(201, "POST", "/api/v1/complaints", h.sichuan, caseBody(nil), "Idempotency-Key", "retry-1")
		if decodeCase(t, other).ID == decodeCase(t, first).ID {
			t.Error("another user's key replayed the operator's complaint")
		}
	})

	t.Run("20 concurrent retries with one key make one complaint", func(t *testing.T) {
		before := countRows(t, h.App, "complaints", "")
		var wg sync.WaitGroup
		statuses := make([]int, 20)
		ids := make([]int64, 20)
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := h.Do("POST", "/api/v1/complaints", h.operator, caseBody(map[string]any{"summary": "并发重试"}),
					"Idempotency-Key", "concurrent-key")
				statuses[i] = r.Status
				if r.Status < 300 {
					var c api.ComplaintOut
					r.JSON(t, &c)
					ids[i] = c.ID
				}
			}()
		}
		wg.Wait()
		created, replayed := 0, 0
		for i, s := range statuses {
			switch s {
			case 201:
				created++
			case 200:
				replayed++
			default:
				t.Errorf("request %d: status %d", i, s)
			}
			if ids[i] != ids[0] {
				t.Errorf("request %d got complaint %d, request 0 got %d", i, ids[i], ids[0])
			}
		}
		if created != 1 || replayed != 19 {
			t.Errorf("%d created, %d replayed", created, replayed)
		}
		if n := countRows(t, h.App, "complaints", ""); n != before+1 {
			t.Errorf("%d complaints made", n-before)
		}
		if n := countRows(t, h.App, "audit_log", "entity = 'complaint' AND event = 'create' AND entity_id = ?",
			fmt.Sprint(ids[0])); n != 1 {
			t.Errorf("%d create audit rows", n)
		}
	})

	t.Run("get, list, stats", func(t *testing.T) {
		c := h.intake(t, map[string]any{"category": "forced_return_check"})
		if got := h.get(t, h.jinjiang, c.ID); got.ID != c.ID || got.Summary != c.Summary {
			t.Errorf("get %+v", got)
		}
		var l api.List[api.ComplaintOut]
		h.Must(200, "GET", "/api/v1/complaints?category=forced_return_check", h.sichuan, nil).JSON(t, &l)
		if len(l.Items) != 1 || l.Items[0].ID != c.ID || l.Next != nil {
			t.Errorf("list %+v", l)
		}
		h.Must(200, "GET", "/api/v1/complaints/stats?group_by=category", h.viewer, nil)
	})

	t.Run("workflow served", func(t *testing.T) {
		h.Must(200, "GET", "/api/v1/workflows/complaint", h.operator, nil)
	})
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestComplaints401(t *testing.T) {
	h := newHotline(t, testenv.AppOptions{})
	c := h.intake(t, nil)
	for _, rq := range []struct{ method, path string }{
		{"POST", "/api/v1/complaints"},
		{"GET", "/api/v1/complaints"},
		{"GET", "/api/v1/complaints/stats"},
		{"GET", fmt.Sprintf("/api/v1/complaints/%d", c.ID)},
		{"POST", fmt.Sprintf("/api/v1/complaints/%d/transitions", c.ID)},
		{"GET", "/api/v1/holidays/2026"},
		{"PUT", "/api/v1/holidays/2026"},
	} {
		for _, tok := range []string{"", "not-a-token"} {
			r := h.Do(rq.method, rq.path, tok, map[string]any{"event": "assign", "region_code": "510104"})
			if r.Status != http.StatusUnauthorized {
				t.Errorf("%s %s with token %q: %d", rq.method, rq.path, tok, r.Status)
			}
			if r.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s %s: no WWW-Authenticate", rq.method, rq.path)
			}
		}
	}
	if got := h.get(t, h.operator, c.ID); got.State != "received" || got.Version != 1 {
		t.Errorf("changed by unauthenticated calls: %s v%d", got.State, got.Version)
	}
}

func TestComplaints403(t *testing.T) {
	h := newHotline(t, testenv.AppOptions{})
	c := h.intake(t, nil) // accused 510104 (Chengdu), occurred 440103 (Guangzhou)
	sichuanOnly := h.intake(t, map[string]any{"occurred_region_code": "510104"})
	path := func(id int64) string { return fmt.Sprintf("/api/v1/complaints/%d", id) }

	for _, tc := range []struct {
		name, token, method, path string
		body                      any
	}{
		{"a viewer may not log complaints", h.viewer, "POST", "/api/v1/complaints", caseBody(nil)},
		{"a viewer may not read cases", h.viewer, "GET", path(c.ID), nil},
		{"a viewer may not list cases", h.viewer, "GET", "/api/v1/complaints", nil},
		{"an inspector may not log complaints", h.inspector, "POST", "/api/v1/complaints", caseBody(nil)},
		{"outside the creator's subtree", h.liwan, "POST", "/api/v1/complaints",
			caseBody(map[string]any{"occurred_region_code": "510104"})},
		{"a case in none of the reader's regions", h.liwan, "GET", path(sichuanOnly.ID), nil},
		{"transition on a case out of scope", h.liwan, "POST", path(sichuanOnly.ID) + "/transitions",
			map[string]any{"event": "assign", "region_code": "440103"}},
		{"an inspector's role may not assign", h.inspector, "POST", path(c.ID) + "/transitions",
			map[string]any{"event": "assign", "region_code": "510104"}},
		{"assigning outside the assigner's subtree", h.liwan, "POST", path(c.ID) + "/transitions",
			map[string]any{"event": "assign", "region_code": "510104"}},
		{"stats of a region outside the caller's", h.viewer, "GET", "/api/v1/complaints/stats?region_code=44", nil},
		{"holidays are the national admin's", h.operator, "PUT", "/api/v1/holidays/2026", map[string]any{"holidays": []string{}}},
	} {
		r := h.Do(tc.method, tc.path, tc.token, tc.body)
		if r.Status != http.StatusForbidden {
			t.Errorf("%s: %d %s", tc.name, r.Status, r.Body)
			continue
		}
		complaintProblemOf(t, r)
	}

	// The assignee's events belong to the assignee region and those above it.
	h.mustFire(t, h.operator, c.ID, map[string]any{"event": "assign", "region_code": "510104"})
	if r := h.fire(h.liwan, c.ID, map[string]any{"event": "accept"}); r.Status != 403 {
		t.Errorf("accept by another county (which sees the case where it happened): %d %s", r.Status, r.Body)
	}
	h.mustFire(t, h.jinjiang, c.ID, map[string]any{"event": "accept"})
	h.mustFire(t, h.jinjiang, c.ID, map[string]any{"event": "request_extension", "reason": "需外省协查", "days": 5})
	// An extension is approved by a superior: not the assignee county itself.
	if r := h.fire(h.jinjiang2, c.ID, map[string]any{"event": "approve_extension"}); r.Status != 403 {
		t.Errorf("approval by the assignee's own county: %d %s", r.Status, r.Body)
	}
	if r := h.fire(h.liwan, c.ID, map[string]any{"event": "approve_extension"}); r.Status != 403 {
		t.Errorf("approval by an unrelated county: %d %s", r.Status, r.Body)
	}
	got := h.mustFire(t, h.chengdu, c.ID, map[string]any{"event": "approve_extension"})
	if got.Extension.ApprovedDays != 5 || got.State != "investigating" {
		t.Errorf("after approval: %+v %s", got.Extension, got.State)
	}
	if n := countRows(t, h.App, "audit_log", "entity = 'complaint' AND entity_id = ?", fmt.Sprint(c.ID)); n != 5 {
		t.Errorf("%d audit rows: refused requests must leave none", n)
	}
}

func TestComplaints404(t *testing.T) {
	h := newHotline(t, testenv.AppOptions{})
	h.intake(t, nil)
	for _, rq := range []struct{ method, path string }{
		{"GET", "/api/v1/complaints/999999"},
		{"POST", "/api/v1/complaints/999999/transitions"},
		{"GET", "/api/v1/complaintz"},
	} {
		r := h.Do(rq.method, rq.path, h.operator, map[string]any{"event": "assign", "region_code": "510104"})
		if r.Status != http.StatusNotFound {
			t.Errorf("%s %s: %d %s", rq.method, rq.path, r.Status, r.Body)
		}
	}
}

func TestComplaints409IllegalTransition(t *testing.T) {
	h := newHotline(t, testenv.AppOptions{})
	c := h.intake(t, nil)
	r := h.fire(h.jinjiang, c.ID, map[string]any{"event": "resolve", "finding": "substantiated", "action": "退还押金"})
	if r.Status != http.StatusConflict {
		t.Fatalf("resolve a received case: %d %s", r.Status, r.Body)
	}
	p := complaintProblemOf(t, r)
	if len(p.AllowedEvents) != 1 || p.AllowedEvents[0] != "assign" || p.Type != "urn:ducha:problem:illegal_transition" {
		t.Errorf("complaintProblem %+v", p)
	}
	// An unknown event, and a callback before resolution, are illegal too.
	for _, body := range []map[string]any{{"event": "escalate"}, {"event": "callback", "satisfied": true, "note": "好"}} {
		if r := h.fire(h.operator, c.ID, body); r.Status != http.StatusConflict {
			t.Errorf("%v: %d %s", body, r.Status, r.Body)
		}
	}
	// Closing is only after resolution.
	h.mustFire(t, h.operator, c.ID, map[string]any{"event": "assign", "region_code": "510104"})
	r = h.fire(h.operator, c.ID, map[string]any{"event": "close", "reason": "重复来电"})
	if p := complaintProblemOf(t, r); r.Status != 409 || strings.Join(p.AllowedEvents, ",") != "accept,send_back" {
		t.Errorf("close an assigned case: %d %+v", r.Status, p)
	}
	if got := h.get(t, h.operator, c.ID); got.State != "assigned" || got.Version != 2 {
		t.Errorf("after refusals: %s v%d", got.State, got.Version)
	}
}

func TestComplaints412StaleIfMatch(t *testing.T) {
	h := newHotline(t, testenv.AppOptions{})
	c := h.intake(t, nil)
	h.mustFire(t, h.operator, c.ID, map[string]any{"event": "assign", "region_code": "510104"})
	for _, ifMatch := range []string{`"1"`, `W/"1"`, "1"} {
		r := h.fire(h.jinjiang, c.ID, map[string]any{"event": "accept"}, "If-Match", ifMatch)
		if r.Status != http.StatusPreconditionFailed {
			t.Errorf("If-Match %s: %d %s", ifMatch, r.Status, r.Body)
		}
	}
	got := h.get(t, h.jinjiang, c.ID)
	if got.State != "assigned" || got.Version != 2 {
		t.Errorf("stale If-Match changed the case: %s v%d", got.State, got.Version)
	}
	r := h.fire(h.jinjiang, c.ID, map[string]any{"event": "accept"}, "If-Match", `"2"`)
	if r.Status != 200 || decodeCase(t, r).Version != 3 || r.Header.Get("ETag") != `"3"` {
		t.Errorf("current If-Match: %d %s", r.Status, r.Body)
	}
}

func TestComplaints422(t *testing.T) {
	h := newHotline(t, testenv.AppOptions{})
	c := h.intake(t, nil)
	before := countRows(t, h.App, "complaints", "")

	t.Run("intake lists every field error at once", func(t *testing.T) {
		r := h.Do("POST", "/api/v1/complaints", h.operator, map[string]any{
			"channel": "fax", "received_at": h.Clock.Now().Add(time.Hour).Format(time.RFC3339), "category": "bribery",
			"occurred_region_code": "999999", "accused_region_code": "0", "summary": strings.Repeat("长", 201),
			"details": "ok", "complainant": map[string]any{"name": strings.Repeat("名", 51), "phone": "12345"},
		}, "Idempotency-Key", "has space")
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		p := complaintProblemOf(t, r)
		for _, loc := range []string{"body.channel", "body.received_at", "body.category", "body.occurred_region_code",
			"body.accused_region_code", "body.summary", "body.complainant.name", "body.complainant.phone",
			"header.Idempotency-Key"} {
			if !p.locations()[loc] {
				t.Errorf("no error for %s in %s", loc, r.Body)
			}
		}
		// Required fields, malformed time.
		r = h.Do("POST", "/api/v1/complaints", h.operator, map[string]any{"received_at": "yesterday"})
		p = complaintProblemOf(t, r)
		for _, loc := range []string{"body.channel", "body.received_at", "body.category", "body.occurred_region_code",
			"body.accused_region_code", "body.summary"} {
			if !p.locations()[loc] {
				t.Errorf("no error for %s in %s", loc, r.Body)
			}
		}
		// Wrong JSON types and unknown fields are refused by the schema, never a 500.
		for _, b := range []string{`{"channel": 5}`, `{"summary": "x", "password": "y"}`, `{"complainant": "张三"}`, `[1,2]`, `{`} {
			if r := h.Do("POST", "/api/v1/complaints", h.operator, b); r.Status != 422 && r.Status != 400 {
				t.Errorf("%s: %d %s", b, r.Status, r.Body)
			}
		}
	})

	t.Run("same key, another body", func(t *testing.T) {
		h.Must(201, "POST", "/api/v1/complaints", h.operator, caseBody(nil), "Idempotency-Key", "k-422")
		r := h.Do("POST", "/api/v1/complaints", h.operator, caseBody(map[string]any{"summary": "另一件事"}),
			"Idempotency-Key", "k-422")
		if p := complaintProblemOf(t, r); r.Status != 422 || !p.locations()["header.Idempotency-Key"] {
			t.Errorf("%d %s", r.Status, r.Body)
		}
		before++
	})

	t.Run("transition fields", func(t *testing.T) {
		r := h.fire(h.operator, c.ID, map[string]any{"event": "assign"})
		if p := complaintProblemOf(t, r); r.Status != 422 || !p.locations()["body.region_code"] {
			t.Errorf("assign without region: %d %s", r.Status, r.Body)
		}
		for _, rc := range []string{"0", "5", "990101"} {
			if r := h.fire(h.operator, c.ID, map[string]any{"event": "assign", "region_code": rc}); r.Status != 422 {
				t.Errorf("assign to %s: %d %s", rc, r.Status, r.Body)
			}
		}
		h.mustFire(t, h.operator, c.ID, map[string]any{"event": "assign", "region_code": "510104"})
		r = h.fire(h.jinjiang, c.ID, map[string]any{"event": "send_back", "reason": "  "})
		if p := complaintProblemOf(t, r); r.Status != 422 || !p.locations()["body.reason"] {
			t.Errorf("send_back without reason: %d %s", r.Status, r.Body)
		}
		h.mustFire(t, h.jinjiang, c.ID, map[string]any{"event": "accept"})
		r = h.fire(h.jinjiang, c.ID, map[string]any{"event": "request_extension", "days": 0})
		if p := complaintProblemOf(t, r); r.Status != 422 || !p.locations()["body.reason"] || !p.locations()["body.days"] {
			t.Errorf("request_extension: %d %s", r.Status, r.Body)
		}
		r = h.fire(h.jinjiang, c.ID, map[string]any{"event": "resolve", "finding": "maybe"})
		if p := complaintProblemOf(t, r); r.Status != 422 || !p.locations()["body.finding"] || !p.locations()["body.action"] {
			t.Errorf("resolve: %d %s", r.Status, r.Body)
		}
		h.mustFire(t, h.jinjiang, c.ID, map[string]any{"event": "resolve", "finding": "substantiated", "action": "已责令退还押金"})
		r = h.fire(h.operator, c.ID, map[string]any{"event": "callback"})
		if p := complaintProblemOf(t, r); r.Status != 422 || !p.locations()["body.satisfied"] || !p.locations()["body.note"] {
			t.Errorf("callback: %d %s", r.Status, r.Body)
		}
		if r := h.fire(h.operator, c.ID, map[string]any{"event": "close"}, "If-Match", "abc"); r.Status != 422 && r.Status != 412 {
			t.Errorf("malformed If-Match: %d %s", r.Status, r.Body)
		}
		if got := h.get(t, h.operator, c.ID); got.State != "resolved" || got.Version != 4 {
			t.Errorf("after refusals: %s v%d", got.State, got.Version)
		}
	})

	t.Run("queries", func(t *testing.T) {
		r := h.Do("GET", "/api/v1/complaints?state=lost&category=x&region_code=9&overdue=maybe&escalated=2&from=never&to=1999-99-99", h.operator, nil)
		p := complaintProblemOf(t, r)
		for _, loc := range []string{"query.state", "query.category", "query.region_code", "query.overdue",
			"query.escalated", "query.from", "query.to"} {
			if !p.locations()[loc] {
				t.Errorf("no error for %s in %s", loc, r.Body)
			}
		}
		if r := h.Do("GET", "/api/v1/complaints?cursor=!!", h.operator, nil); r.Status != 422 {
			t.Errorf("bad cursor: %d", r.Status)
		}
		r = h.Do("GET", "/api/v1/complaints/stats?group_by=state&level=galaxy&region_code=77", h.operator, nil)
		p = complaintProblemOf(t, r)
		for _, loc := range []string{"query.group_by", "query.level", "query.region_code"} {
			if !p.locations()[loc] {
				t.Errorf("no error for %s in %s", loc, r.Body)
			}
		}
		if r := h.Do("GET", "/api/v1/complaints/stats?level=nation", h.sichuan, nil); r.Status != 422 {
			t.Errorf("stats above the caller's level: %d %s", r.Status, r.Body)
		}
	})

	t.Run("holidays", func(t *testing.T) {
		r := h.Do("PUT", "/api/v1/holidays/2025", h.AdminToken, map[string]any{
			"holidays": []string{"2025-10-01", "2024-10-01", "2025-02-30", "2025-10-01"},
			"workdays": []string{"2025-09-29", "2025-10-01", "2025-09-28"},
		})
		p := complaintProblemOf(t, r)
		for _, loc := range []string{"body.holidays[1]", "body.holidays[2]", "body.holidays[3]", "body.workdays[0]", "body.workdays[1]"} {
			if !p.locations()[loc] {
				t.Errorf("no error for %s in %s", loc, r.Body)
			}
		}
		if p.locations()["body.workdays[2]"] || p.locations()["body.holidays[0]"] {
			t.Errorf("valid dates refused: %s", r.Body)
		}
		if r := h.Do("PUT", "/api/v1/holidays/1066", h.AdminToken, map[string]any{}); r.Status != 422 {
			t.Errorf("year 1066: %d", r.Status)
		}
		var y struct{ Holidays []string }
		h.Must(200, "GET", "/api/v1/holidays/2025", h.operator, nil).JSON(t, &y)
		if len(y.Holidays) != 0 {
			t.Errorf("refused calendar stored: %v", y.Holidays)
		}
	})

	if n := countRows(t, h.App, "complaints", ""); n != before {
		t.Errorf("bad requests made %d complaints", n-before)
	}
}

func TestComplaintMasking(t *testing.T) {
	h := newHotline(t, testenv.AppOptions{})
	c := h.intake(t, map[string]any{"complainant": map[string]any{"name": "欧阳娜娜", "phone": "+86 139-0000-1234"}})
	for _, tc := range []struct {
		who, token  string
		name, phone string
		masked      bool
	}{
		{"hotline operator", h.operator, "欧阳娜娜", "13900001234", false},
		{"province coordinator", h.sichuan, "欧阳娜娜", "13900001234", false},
		{"county officer of the accused county", h.jinjiang, "欧阳娜娜", "13900001234", false},
		{"national admin", h.AdminToken, "欧阳娜娜", "13900001234", false},
		{"national inspector (no read_personal)", h.inspector, "欧***", "139****1234", true},
	} {
		got := h.get(t, tc.token, c.ID)
		if got.Complainant == nil || got.Complainant.Name != tc.name || got.Complainant.Phone != tc.phone ||
			got.Complainant.Masked != tc.masked {
			t.Errorf("%s sees %+v", tc.who, got.Complainant)
		}
	}
	// Listings mask the same way.
	var l api.List[api.ComplaintOut]
	h.Must(200, "GET", "/api/v1/complaints", h.inspector, nil).JSON(t, &l)
	if len(l.Items) != 1 || l.Items[0].Complainant == nil || l.Items[0].Complainant.Phone != "139****1234" {
		t.Errorf("inspector's list: %+v", l.Items)
	}
	// At rest the details are sealed, never in clear.
	var name, phone string
	if err := h.Store.SQL().QueryRow("SELECT complainant_name, complainant_phone FROM complaints WHERE id = ?", c.ID).
		Scan(&name, &phone); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(name, "v1:") || !strings.HasPrefix(phone, "v1:") || strings.Contains(name+phone, "欧阳") ||
		strings.Contains(name+phone, "1234") {
		t.Errorf("stored %q %q", name, phone)
	}
	// Nor in the audit log.
	if n := countRows(t, h.App, "audit_log", "detail LIKE ? OR detail LIKE ?", "%欧阳%", "%13900001234%"); n != 0 {
		t.Errorf("%d audit rows hold personal data", n)
	}
}

// TestComplaintLifecycle walks a case through every event of its machine.
func TestComplaintLifecycle(t *testing.T) {
	h := newHotline(t, testenv.AppOptions{})
	c := h.intake(t, nil)
	id := c.ID
	step := func(token string, body map[string]any, state string) api.ComplaintOut {
		t.Helper()
		h.Clock.Advance(time.Hour)
		got := h.mustFire(t, token, id, body)
		if string(got.State) != state {
			t.Fatalf("%v: state %s, want %s", body["event"], got.State, state)
		}
		return got
	}
	step(h.operator, map[string]any{"event": "assign", "region_code": "440103"}, "assigned")
	got := step(h.liwan, map[string]any{"event": "send_back", "reason": "被投诉方在成都，非本区管辖"}, "received")
	if got.AssigneeRegionCode != nil || got.Deadlines["assign"].DoneAt != nil || got.Deadlines["resolve"].StartedAt != (time.Time{}) {
		t.Errorf("after send_back: assignee %v, deadlines %+v", got.AssigneeRegionCode, got.Deadlines)
	}
	got = step(h.sichuan, map[string]any{"event": "assign", "region_code": "510104"}, "assigned")
	if got.AssigneeRegionCode == nil || *got.AssigneeRegionCode != "510104" || got.Deadlines["resolve"].Due == nil {
		t.Fatalf("after assign: %+v", got)
	}
	step(h.jinjiang, map[string]any{"event": "accept"}, "investigating")
	got = step(h.jinjiang, map[string]any{"event": "await_complainant"}, "waiting_complainant")
	if d := got.Deadlines["resolve"]; !d.Paused || d.Due != nil || got.Overdue {
		t.Errorf("waiting: %+v", d)
	}
	got = step(h.jinjiang, map[string]any{"event": "complainant_replied"}, "investigating")
	if d := got.Deadlines["resolve"]; d.Paused || d.Due == nil {
		t.Errorf("replied: %+v", d)
	}
	got = step(h.jinjiang, map[string]any{"event": "request_extension", "reason": "需外省协查", "days": 10}, "extension_requested")
	if got.Extension.RequestedDays != 10 {
		t.Errorf("extension %+v", got.Extension)
	}
	got = step(h.sichuan, map[string]any{"event": "reject_extension", "reason": "可在期限内办结"}, "investigating")
	if got.Extension.RequestedDays != 0 || got.Extension.ApprovedDays != 0 {
		t.Errorf("rejected extension %+v", got.Extension)
	}
	step(h.jinjiang, map[string]any{"event": "request_extension", "reason": "需外省协查", "days": 3}, "extension_requested")
	dueBefore := *h.get(t, h.jinjiang, id).Deadlines["resolve"].Due
	got = step(h.chengdu, map[string]any{"event": "approve_extension"}, "investigating")
	if got.Extension.ApprovedDays != 3 || !got.Deadlines["resolve"].Due.After(dueBefore) || got.Deadlines["resolve"].Rule.Days != 18 {
		t.Errorf("approved extension %+v, deadline %+v (was %s)", got.Extension, got.Deadlines["resolve"], dueBefore)
	}
	got = step(h.jinjiang, map[string]any{"event": "resolve", "finding": "substantiated", "action": "责令退还押金并通报批评"}, "resolved")
	if got.Finding == nil || *got.Finding != "substantiated" || got.Deadlines["callback"].Due == nil ||
		got.Deadlines["resolve"].DoneAt == nil {
		t.Errorf("resolved: %+v", got)
	}
	got = step(h.operator, map[string]any{"event": "callback", "satisfied": false, "note": "押金尚未退还"}, "investigating")
	if got.Callback == nil || got.Callback.Satisfied || got.Deadlines["resolve"].DoneAt != nil || got.Extension.ApprovedDays != 0 {
		t.Errorf("reopened: %+v", got)
	}
	step(h.jinjiang, map[string]any{"event": "resolve", "finding": "substantiated", "action": "押金已退还"}, "resolved")
	got = step(h.operator, map[string]any{"event": "callback", "satisfied": true, "note": "已退还，满意"}, "closed")
	if got.Callback == nil || !got.Callback.Satisfied || got.Overdue || len(got.AllowedEvents) != 0 {
		t.Errorf("closed: %+v", got)
	}
	// Another case closed without a callback.
	c2 := h.intake(t, nil)
	h.mustFire(t, h.operator, c2.ID, map[string]any{"event": "assign", "region_code": "510104"})
	h.mustFire(t, h.jinjiang, c2.ID, map[string]any{"event": "accept"})
	h.mustFire(t, h.jinjiang, c2.ID, map[string]any{"event": "resolve", "finding": "unsubstantiated", "action": "经核查不属实"})
	if got := h.mustFire(t, h.operator, c2.ID, map[string]any{"event": "close", "reason": "来电人电话无法接通"}); got.State != "closed" {
		t.Errorf("close: %s", got.State)
	}

	// Every step is audited, with its reason.
	var audit api.List[struct {
		Event, FromState, ToState, Reason, Actor string
	}]
	h.Must(200, "GET", fmt.Sprintf("/api/v1/audit?entity=complaint&id=%d&limit=100", id), h.AdminToken, nil).JSON(t, &audit)
	var events []string
	for i := len(audit.Items) - 1; i >= 0; i-- {
		events = append(events, audit.Items[i].Event)
	}
	want := "create assign send_back assign accept await_complainant complainant_replied request_extension " +
		"reject_extension request_extension approve_extension resolve callback resolve callback"
	if strings.Join(events, " ") != want {
		t.Errorf("audit events\n got %s\nwant %s", strings.Join(events, " "), want)
	}
	for _, e := range audit.Items {
		if e.Event == "send_back" && e.Reason != "被投诉方在成都，非本区管辖" {
			t.Errorf("send_back reason %q", e.Reason)
		}
	}
}

func TestComplaintListAndStats(t *testing.T) {
	h := newHotline(t, testenv.AppOptions{})
	// Two cases accusing Chengdu's 锦江区, one Guangzhou's 荔湾区, one a vicious case in 越秀区.
	a := h.intake(t, nil)
	b := h.intake(t, map[string]any{"category": "cross_province_station", "occurred_region_code": "510104"})
	c := h.intake(t, map[string]any{"accused_region_code": "440103", "occurred_region_code": "440103"})
	v := h.intake(t, map[string]any{"category": "vicious_case", "accused_region_code": "440104", "occurred_region_code": "440104"})
	h.mustFire(t, h.operator, a.ID, map[string]any{"event": "assign", "region_code": "510104"})
	ids := func(path, token string) []int64 {
		t.Helper()
		var l api.List[api.ComplaintOut]
		h.Must(200, "GET", path, token, nil).JSON(t, &l)
		out := []int64{}
		for _, it := range l.Items {
			out = append(out, it.ID)
		}
		return out
	}
	eq := func(got []int64, want ...int64) bool { return fmt.Sprint(got) == fmt.Sprint(want) }
	for _, tc := range []struct {
		path, token string
		want        []int64
	}{
		{"/api/v1/complaints", h.operator, []int64{v.ID, c.ID, b.ID, a.ID}},
		{"/api/v1/complaints?state=assigned", h.operator, []int64{a.ID}},
		{"/api/v1/complaints?category=cross_province_station", h.operator, []int64{b.ID}},
		{"/api/v1/complaints?region_code=5101", h.operator, []int64{b.ID, a.ID}},
		// a happened in 440103: Guangzhou sees it too.
		{"/api/v1/complaints?region_code=4401", h.operator, []int64{v.ID, c.ID, a.ID}},
		{"/api/v1/complaints", h.liwan, []int64{c.ID, a.ID}},
		{"/api/v1/complaints", h.jinjiang, []int64{b.ID, a.ID}},
		{"/api/v1/complaints?escalated=true", h.operator, []int64{v.ID}},
		{"/api/v1/complaints?escalated=false&overdue=false", h.operator, []int64{c.ID, b.ID, a.ID}},
		{"/api/v1/complaints?overdue=true", h.operator, []int64{}},
		{"/api/v1/complaints?from=2026-03-02&to=2026-03-03", h.operator, []int64{v.ID, c.ID, b.ID, a.ID}},
		{"/api/v1/complaints?to=2026-03-02", h.operator, []int64{}},
	} {
		if got := ids(tc.path, tc.token); !eq(got, tc.want...) {
			t.Errorf("%s: %v, want %v", tc.path, got, tc.want)
		}
	}
	// Pages of two.
	var page api.List[api.ComplaintOut]
	h.Must(200, "GET", "/api/v1/complaints?limit=2", h.operator, nil).JSON(t, &page)
	if len(page.Items) != 2 || page.Next == nil {
		t.Fatalf("first page %+v", page)
	}
	var page2 api.List[api.ComplaintOut]
	h.Must(200, "GET", "/api/v1/complaints?limit=2&cursor="+*page.Next, h.operator, nil).JSON(t, &page2)
	if len(page2.Items) != 2 || page2.Items[0].ID != b.ID || page2.Items[1].ID != a.ID || page2.Next != nil {
		t.Errorf("second page %+v", page2)
	}
	// Overdue once the assign deadline passes (a vicious case's too).
	h.Clock.Advance(25 * time.Hour)
	if got := ids("/api/v1/complaints?overdue=true", h.operator); !eq(got, v.ID, c.ID, b.ID) {
		t.Errorf("overdue: %v", got)
	}

	type stats struct {
		Level  *string `json:"level"`
		Total  struct{ Total, Overdue int64 }
		Groups []struct {
			Category   string `json:"category"`
			RegionCode string `json:"region_code"`
			RegionName string `json:"region_name"`
			Total      int64
			Overdue    int64
			ByState    map[string]int64 `json:"by_state"`
		}
	}
	var s stats
	h.Must(200, "GET", "/api/v1/complaints/stats?group_by=region", h.AdminToken, nil).JSON(t, &s)
	if s.Total.Total != 4 || s.Total.Overdue != 3 || s.Level == nil || *s.Level != "province" || len(s.Groups) != 2 ||
		s.Groups[0].RegionCode != "44" || s.Groups[0].Total != 2 || s.Groups[1].RegionCode != "51" ||
		s.Groups[1].RegionName != "四川省" || s.Groups[1].ByState["assigned"] != 1 || s.Groups[1].ByState["received"] != 1 {
		t.Errorf("by province: %+v", s)
	}
	s = stats{}
	h.Must(200, "GET", "/api/v1/complaints/stats?group_by=category,region", h.sichuan, nil).JSON(t, &s)
	if s.Total.Total != 2 || *s.Level != "prefecture" || len(s.Groups) != 2 || s.Groups[0].RegionCode != "5101" ||
		s.Groups[0].Category != "cross_province_station" || s.Groups[1].Category != "illegal_fees" {
		t.Errorf("Sichuan by prefecture and category: %+v", s)
	}
	s = stats{}
	h.Must(200, "GET", "/api/v1/complaints/stats?group_by=region&level=county&region_code=44", h.AdminToken, nil).JSON(t, &s)
	if len(s.Groups) != 2 || s.Groups[0].RegionCode != "440103" || s.Groups[1].RegionCode != "440104" || s.Groups[1].Overdue != 1 {
		t.Errorf("Guangdong by county: %+v", s)
	}
	s = stats{}
	h.Must(200, "GET", "/api/v1/complaints/stats", h.viewer, nil).JSON(t, &s)
	if s.Total.Total != 2 || len(s.Groups) != 0 {
		t.Errorf("viewer's totals: %+v", s)
	}
}
