package api_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ducha/ducha/api"
	"github.com/ducha/ducha/testenv"
)

// The review events (begin_review, return, complete_review) follow the rule
// of the review writes: only the inspectors assigned to the batch and the
// campaign's managers fire them, and never a region within the inspected one.

// reviewRefused fires an event that must be refused with 403 and a detail
// containing want, and checks that the inspection did not move.
func reviewRefused(t *testing.T, e *campEnv, what, token string, id int64, event, want string) {
	t.Helper()
	before := e.inspection(e.admin(), id)
	p := campProblem(t, what, e.fire(token, "inspections", id, event, map[string]any{"reason": "复核"}), 403)
	if p != nil {
		if d, _ := p["detail"].(string); !strings.Contains(d, want) {
			t.Errorf("%s: detail %q, want it to say %q", what, d, want)
		}
	}
	if after := e.inspection(e.admin(), id); after.State != before.State || after.Version != before.Version {
		t.Errorf("%s: refused, but the inspection moved %s v%d → %s v%d", what, before.State, before.Version,
			after.State, after.Version)
	}
}

func TestReviewEventsNeedAssignment(t *testing.T) {
	e := newCampEnv(t, testenv.AppOptions{NoWorker: true})
	c := e.createCampaign(e.admin(), e.campaignBody("national", "0", 2026, 2028))
	b := e.createBatch(e.admin(), c.ID, e.batchBody("first", []string{"11", "12"}))
	b2 := e.createBatch(e.admin(), c.ID, e.batchBody("second", []string{"13"}))
	e.mustFire(e.admin(), "batches", b.ID, "launch", nil)
	ins := map[string]int64{}
	for _, in := range e.inspections(e.admin(), "batch_id="+campItoa(b.ID)) {
		ins[in.RegionCode] = in.ID
		e.mustFire(e.coordinator(in.RegionCode), "inspections", in.ID, "submit_self_check", nil)
	}
	e.mustFire(e.admin(), "batches", b.ID, "start_site_review", nil)

	// The env assigned its inspector; another national inspector is not.
	insp := e.inspector()
	other := e.user("inspector2", "national_inspector", "0")
	const unassigned, self = "assigned to batch", "never reviews itself"

	// Each review event, refused to the unassigned inspector and to the
	// inspected province itself, allowed to the assigned inspector (Beijing)
	// and to a national admin (Tianjin).
	for _, x := range []struct {
		region, token, who string
	}{{"11", insp, "assigned inspector"}, {"12", e.admin(), "national admin"}} {
		id, coord := ins[x.region], e.coordinator(x.region)
		reviewRefused(t, e, "begin_review by an unassigned inspector", other, id, "begin_review", unassigned)
		reviewRefused(t, e, "begin_review by the inspected region", coord, id, "begin_review", self)
		e.mustFire(x.token, "inspections", id, "begin_review", nil)

		reviewRefused(t, e, "return by an unassigned inspector", other, id, "return", unassigned)
		reviewRefused(t, e, "return by the inspected region", coord, id, "return", self)
		e.mustFire(x.token, "inspections", id, "return", map[string]any{"reason": "材料不全,退回补充"})

		e.mustFire(coord, "inspections", id, "submit_self_check", nil)
		e.mustFire(x.token, "inspections", id, "begin_review", nil)
		reviewRefused(t, e, "complete_review by an unassigned inspector", other, id, "complete_review", unassigned)
		reviewRefused(t, e, "complete_review by the inspected region", coord, id, "complete_review", self)
		if out := e.mustFire(x.token, "inspections", id, "complete_review", nil); out["state"] != "reviewed" {
			t.Errorf("complete_review by the %s: %v", x.who, out)
		}
	}

	// Assignment is per batch: on a batch with only the other inspector
	// assigned, it fires them and the env's inspector does not.
	e.assignInspectors(b2.ID, other)
	e.mustFire(e.admin(), "batches", b2.ID, "launch", nil)
	id := e.inspections(e.admin(), "batch_id="+campItoa(b2.ID))[0].ID
	e.mustFire(e.coordinator("13"), "inspections", id, "submit_self_check", nil)
	e.mustFire(e.admin(), "batches", b2.ID, "start_site_review", nil)
	reviewRefused(t, e, "begin_review by an inspector of another batch", insp, id, "begin_review", unassigned)
	e.mustFire(other, "inspections", id, "begin_review", nil)
	e.mustFire(other, "inspections", id, "complete_review", nil)
}

func TestReviewEventsProvincial(t *testing.T) {
	e := newCampEnv(t, testenv.AppOptions{NoWorker: true})
	gd := e.coordinator("44")
	c := e.createCampaign(gd, e.campaignBody("guangdong", "44", 2026, 2026))
	b := e.createBatch(gd, c.ID, e.batchBody("gd", []string{"440103"}))
	e.mustFire(gd, "batches", b.ID, "launch", nil)
	id := e.inspections(gd, "batch_id="+campItoa(b.ID))[0].ID
	e.mustFire(e.user("yuexiu", "county_officer", "440103"), "inspections", id, "submit_self_check", nil)
	e.mustFire(gd, "batches", b.ID, "start_site_review", nil)

	// A national inspector holds the permission but is no inspector of a
	// provincial campaign; another province has no part in it.
	reviewRefused(t, e, "national inspector", e.inspector(), id, "begin_review", "assigned to batch")
	reviewRefused(t, e, "another province", e.coordinator("45"), id, "begin_review", "may not")
	// The province coordinator of the campaign's region reviews; so does a
	// national admin.
	e.mustFire(gd, "inspections", id, "begin_review", nil)
	e.mustFire(e.admin(), "inspections", id, "return", map[string]any{"reason": "退回"})
}

// Rectification decisions follow the same rule: the unassigned inspector
// and the inspected province are refused (and nothing is recorded), the
// assigned inspector and a national admin decide.
func TestRectificationDecisionNeedsAssignment(t *testing.T) {
	e := newResEnv(t, testenv.AppOptions{})
	_, _, ins := e.toFeedback("44", "45")
	gd, gx := ins["44"], ins["45"]
	e.src.setRequirements(gd.ID, req(9601, "IN07", "建立双向协作机制", time.Time{}))
	e.src.setRequirements(gx.ID, req(9701, "IN03", "落实免费技术服务", time.Time{}))
	for _, in := range []api.InspectionOut{gd, gx} {
		e.mustFire(e.admin(), "inspections", in.ID, "issue_feedback", nil)
		e.waitFeedback(in.ID)
	}
	other := e.user("inspector2", "national_inspector", "0")
	const unassigned, self = "assigned to batch", "never reviews itself"
	for _, x := range []struct {
		region, req, token, who string
	}{{"44", "9601", e.inspector(), "assigned inspector"}, {"45", "9701", e.admin(), "national admin"}} {
		id, coord := ins[x.region].ID, e.coordinator(x.region)
		path := campPath("inspections", id) + "/rectification/" + x.req
		e.Must(200, "PUT", path, coord, map[string]any{"narrative": "已整改"})
		e.mustFire(coord, "inspections", id, "submit_rectification", nil)
		for _, r := range []struct{ what, token, want string }{
			{"decision by an unassigned inspector", other, unassigned},
			{"decision by the inspected province", coord, self},
		} {
			p := checkProblem(t, r.what, e.Do("POST", path+"/decision", r.token, map[string]any{"accepted": true}), 403)
			if d, _ := p["detail"].(string); p != nil && !strings.Contains(d, r.want) {
				t.Errorf("%s: detail %q, want it to say %q", r.what, d, r.want)
			}
		}
		var rv api.RectificationOut
		e.Must(200, "GET", campPath("inspections", id)+"/rectification", e.admin(), nil).JSON(t, &rv)
		if len(rv.Requirements) != 1 || rv.Requirements[0].Answer == nil || rv.Requirements[0].Answer.Accepted != nil {
			t.Errorf("%s: refused decisions recorded something: %+v", x.region, rv.Requirements)
		}
		e.Must(200, "POST", path+"/decision", x.token, map[string]any{"accepted": true})
		if out := e.mustFire(e.admin(), "inspections", id, "accept_rectification", nil); out["state"] != "closed" {
			t.Errorf("after the %s's decision: %v", x.who, out)
		}
	}
}
