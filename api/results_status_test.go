package api_test

import (
	"context"
	"testing"
	"time"

	"github.com/ducha/ducha/api"
	"github.com/ducha/ducha/store"
	"github.com/ducha/ducha/testenv"
)

// resFixture is a batch of Guangdong and Guangxi with Guangdong's letter
// issued (requirement 7101 due in 30 days) and Guangxi reviewed.
type resFixture struct {
	*resEnv
	batch  api.BatchOut
	gd, gx api.InspectionOut
	due    time.Time
}

func newResFixture(t *testing.T) *resFixture {
	t.Helper()
	e := newResEnv(t, testenv.AppOptions{})
	_, b, ins := e.toFeedback("44", "45")
	f := &resFixture{resEnv: e, batch: b, gd: ins["44"], gx: ins["45"], due: e.Clock.Now().Add(30 * 24 * time.Hour)}
	e.src.setRequirements(f.gd.ID, req(7101, "IN09", "落实免费技术服务", f.due))
	e.mustFire(e.admin(), "inspections", f.gd.ID, "issue_feedback", nil)
	e.waitFeedback(f.gd.ID)
	return f
}

func (f *resFixture) rect(id int64) string { return campPath("inspections", id) + "/rectification" }

func TestResults401(t *testing.T) {
	t.Parallel()
	a := testenv.StartApp(t, testenv.AppOptions{NoWorker: true})
	for _, c := range []struct{ method, path string }{
		{"GET", "/api/v1/inspections/1/feedback"}, {"GET", "/api/v1/inspections/1/rectification"},
		{"PUT", "/api/v1/inspections/1/rectification/1"}, {"POST", "/api/v1/inspections/1/rectification/1/decision"},
		{"GET", "/api/v1/bulletins"}, {"GET", "/api/v1/bulletins/1"}, {"GET", "/api/v1/batches/1/good-practices"},
		{"PUT", "/api/v1/batches/1/good-practices"},
	} {
		checkProblem(t, c.method+" "+c.path, a.Do(c.method, c.path, "", map[string]any{}), 401)
		checkProblem(t, c.method+" "+c.path+" bad token", a.Do(c.method, c.path, "nope", map[string]any{}), 401)
	}
}

func TestResults403And404(t *testing.T) {
	t.Parallel()
	f := newResFixture(t)
	gdPath := campPath("inspections", f.gd.ID)
	answer := map[string]any{"narrative": "已整改"}
	// Another province reads neither Guangdong's letter nor answers for it.
	checkProblem(t, "Guangxi reads Guangdong's letter", f.Do("GET", gdPath+"/feedback", f.coordinator("45"), nil), 403)
	checkProblem(t, "Guangxi answers for Guangdong", f.Do("PUT", f.rect(f.gd.ID)+"/7101", f.coordinator("45"), answer), 403)
	// The commission does not answer for the region; the region does not judge itself.
	checkProblem(t, "the admin answers", f.Do("PUT", f.rect(f.gd.ID)+"/7101", f.admin(), answer), 403)
	f.Must(200, "PUT", f.rect(f.gd.ID)+"/7101", f.coordinator("44"), answer)
	f.mustFire(f.coordinator("44"), "inspections", f.gd.ID, "submit_rectification", nil)
	checkProblem(t, "the region judges itself", f.Do("POST", f.rect(f.gd.ID)+"/7101/decision", f.coordinator("44"),
		map[string]any{"accepted": true}), 403)
	// Roles without the permission.
	hotline := f.user("hot", "hotline_operator", "0")
	checkProblem(t, "hotline reads a letter", f.Do("GET", gdPath+"/feedback", hotline, nil), 403)
	checkProblem(t, "viewer sets good practices", f.Do("PUT", campPath("batches", f.batch.ID)+"/good-practices",
		f.user("viewer0", "viewer", "0"), map[string]any{"items": []any{}}), 403)

	checkProblem(t, "no such inspection", f.Do("GET", "/api/v1/inspections/99999/feedback", f.admin(), nil), 404)
	checkProblem(t, "no feedback issued yet", f.Do("GET", campPath("inspections", f.gx.ID)+"/feedback", f.admin(), nil), 404)
	checkProblem(t, "no such requirement", f.Do("PUT", f.rect(f.gd.ID)+"/424242", f.coordinator("44"), answer), 404)
	checkProblem(t, "no such bulletin", f.Do("GET", "/api/v1/bulletins/99999", f.admin(), nil), 404)
	checkProblem(t, "no such batch", f.Do("GET", "/api/v1/batches/99999/good-practices", f.admin(), nil), 404)
}

func TestResults409And422(t *testing.T) {
	t.Parallel()
	f := newResFixture(t)
	coord := f.coordinator("44")
	put := func(body any) *testenv.Response { return f.Do("PUT", f.rect(f.gd.ID)+"/7101", coord, body) }

	// 422: bad input, and nothing is stored.
	checkProblem(t, "empty narrative", put(map[string]any{"narrative": ""}), 422)
	checkProblem(t, "blank narrative", put(map[string]any{"narrative": "   "}), 422)
	checkProblem(t, "unknown attachment", put(map[string]any{"narrative": "x", "attachment_ids": []int64{987654}}), 422)
	checkProblem(t, "not JSON", put("{"), 0)
	checkProblem(t, "bad format", f.Do("GET", campPath("inspections", f.gd.ID)+"/feedback?format=pdf", f.admin(), nil), 422)
	checkProblem(t, "unknown batch filter", f.Do("GET", "/api/v1/bulletins?batch_id=99999", f.admin(), nil), 422)
	checkProblem(t, "practice of a region outside the batch", f.Do("PUT", campPath("batches", f.batch.ID)+"/good-practices",
		f.admin(), map[string]any{"items": []map[string]any{{"region_code": "11", "text": "x"}}}), 422)
	p := checkProblem(t, "submit unanswered", f.fire(coord, "inspections", f.gd.ID, "submit_rectification", nil), 422)
	if p != nil && p["guard"] != "all_requirements_answered" {
		t.Errorf("problem %v", p)
	}
	var rv api.RectificationOut
	f.Must(200, "GET", f.rect(f.gd.ID), coord, nil).JSON(t, &rv)
	if len(rv.Requirements) != 1 || rv.Requirements[0].Answer != nil || rv.State != "feedback_issued" {
		t.Fatalf("bad input left data: %+v", rv)
	}

	// 409: the wrong phase.
	checkProblem(t, "decision before submission", f.Do("POST", f.rect(f.gd.ID)+"/7101/decision", f.inspector(),
		map[string]any{"accepted": true}), 422) // not answered yet: invalid before the phase
	f.Must(200, "PUT", f.rect(f.gd.ID)+"/7101", coord, map[string]any{"narrative": "已整改"})
	checkProblem(t, "decision while feedback_issued", f.Do("POST", f.rect(f.gd.ID)+"/7101/decision", f.inspector(),
		map[string]any{"accepted": true}), 409)
	f.mustFire(coord, "inspections", f.gd.ID, "submit_rectification", nil)
	checkProblem(t, "answer after submission", put(map[string]any{"narrative": "改"}), 409)
	checkProblem(t, "reject without reason", f.Do("POST", f.rect(f.gd.ID)+"/7101/decision", f.inspector(),
		map[string]any{"accepted": false}), 422)
	checkProblem(t, "accept_rectification with nothing accepted",
		f.fire(f.admin(), "inspections", f.gd.ID, "accept_rectification", nil), 422)
	checkProblem(t, "answer for an inspection without feedback", f.Do("PUT", f.rect(f.gx.ID)+"/7101",
		f.coordinator("45"), map[string]any{"narrative": "x"}), 404)
	f.Must(200, "GET", f.rect(f.gd.ID), coord, nil).JSON(t, &rv)
	if a := rv.Requirements[0].Answer; a == nil || a.Narrative != "已整改" || a.Accepted != nil || rv.State != "rectification_submitted" {
		t.Fatalf("refused requests changed data: %+v", rv)
	}

	// Good practices are frozen once the bulletin is out.
	f.mustFire(f.admin(), "inspections", f.gx.ID, "issue_feedback", nil)
	f.mustFire(f.admin(), "batches", f.batch.ID, "publish_bulletin", nil)
	checkProblem(t, "practices after the bulletin", f.Do("PUT", campPath("batches", f.batch.ID)+"/good-practices",
		f.admin(), map[string]any{"items": []any{}}), 409)
	f.waitBulletin(f.batch.ID)
}

// TestRectificationEscalates lets a requirement's due date pass without
// acceptance: it is raised from the province to the nation, listed, audited
// and notified; once the nation has it, nothing more happens.
func TestRectificationEscalates(t *testing.T) {
	t.Parallel()
	f := newResFixture(t)
	f.Must(201, "POST", "/api/v1/webhooks", f.admin(), map[string]any{"url": "http://127.0.0.1:9/hook",
		"events": []string{"escalation"}})
	f.setClock(f.due.Add(time.Minute))
	var rv api.RectificationOut
	testenv.Eventually(t, 30*time.Second, "the escalation", func() bool {
		f.Must(200, "GET", f.rect(f.gd.ID), f.admin(), nil).JSON(t, &rv)
		return len(rv.Requirements) == 1 && len(rv.Requirements[0].Escalations) == 1
	})
	r := rv.Requirements[0]
	if !r.Overdue || r.EscalatedTo != "0" || r.Escalations[0].From != "44" || r.Escalations[0].Step != 1 {
		t.Errorf("escalated requirement %+v", r)
	}
	var n int
	for _, a := range f.audit("inspection", f.gd.ID) {
		if a["event"] == "escalate" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d escalate audit rows", n)
	}
	var deliveries int64
	err := f.Store.Tx(context.Background(), func(tx *store.Tx) error {
		ds, err := tx.ListDeliveries(1, 0, 10)
		deliveries = int64(len(ds))
		return err
	})
	if err != nil || deliveries != 1 {
		t.Errorf("%d escalation notices (%v)", deliveries, err)
	}
	f.advance(40 * 24 * time.Hour)
	time.Sleep(time.Second)
	f.Must(200, "GET", f.rect(f.gd.ID), f.admin(), nil).JSON(t, &rv)
	if len(rv.Requirements[0].Escalations) != 1 {
		t.Errorf("escalated past the nation: %+v", rv.Requirements[0].Escalations)
	}
}
