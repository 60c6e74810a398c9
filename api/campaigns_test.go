package api_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ducha/ducha/api"
	"github.com/ducha/ducha/testenv"
)

// The campaign API by answer: 201/200, 401, 403, 404, 409, 412, 422. Every
// refusal is a problem+json, and leaves the data as it was.

// campFixture is a national campaign with one launched batch (11, 12) and
// one planned batch (13), and a provincial campaign of Guangdong with one
// launched batch of two counties.
type campFixture struct {
	*campEnv
	national, provincial   api.CampaignOut
	launched, planned, gdB api.BatchOut
	bj, tj                 api.InspectionOut // national inspections of 11 and 12
	gz                     api.InspectionOut // provincial inspection of 440103
}

func newCampFixture(t *testing.T) *campFixture {
	e := newCampEnv(t, testenv.AppOptions{})
	f := &campFixture{campEnv: e}
	f.national = e.createCampaign(e.admin(), e.campaignBody("national", "0", 2026, 2028))
	f.launched = e.createBatch(e.admin(), f.national.ID, e.batchBody("first", []string{"11", "12"}))
	f.planned = e.createBatch(e.admin(), f.national.ID, e.batchBody("second", []string{"13"}))
	e.mustFire(e.admin(), "batches", f.launched.ID, "launch", nil)
	for _, in := range e.inspections(e.admin(), "batch_id="+campItoa(f.launched.ID)) {
		switch in.RegionCode {
		case "11":
			f.bj = in
		case "12":
			f.tj = in
		}
	}
	f.provincial = e.createCampaign(e.coordinator("44"), e.campaignBody("guangdong", "44", 2026, 2026))
	f.gdB = e.createBatch(e.coordinator("44"), f.provincial.ID, e.batchBody("gd", []string{"440103", "440104"}))
	e.mustFire(e.coordinator("44"), "batches", f.gdB.ID, "launch", nil)
	for _, in := range e.inspections(e.coordinator("44"), "batch_id="+campItoa(f.gdB.ID)) {
		if in.RegionCode == "440103" {
			f.gz = in
		}
	}
	if f.bj.ID == 0 || f.tj.ID == 0 || f.gz.ID == 0 {
		t.Fatal("fixture inspections missing")
	}
	return f
}

// snapshot is what a refused request must not change.
func (f *campFixture) snapshot() string {
	f.t.Helper()
	var sb strings.Builder
	var cs api.List[api.CampaignOut]
	f.Must(200, "GET", "/api/v1/campaigns?limit=500", f.admin(), nil).JSON(f.t, &cs)
	for _, c := range cs.Items {
		fmt.Fprintf(&sb, "c%d:%s:%d:%v;", c.ID, c.State, c.Version, c.Weights)
		var bs api.List[api.BatchOut]
		f.Must(200, "GET", campPath("campaigns", c.ID)+"/batches?limit=500", f.admin(), nil).JSON(f.t, &bs)
		for _, b := range bs.Items {
			fmt.Fprintf(&sb, "b%d:%s:%d:%v;", b.ID, b.State, b.Version, b.RegionCodes)
		}
	}
	for _, in := range f.inspections(f.admin(), "") {
		fmt.Fprintf(&sb, "i%d:%s:%d;", in.ID, in.State, in.Version)
	}
	return sb.String()
}

func TestCampaignAPI200(t *testing.T) {
	f := newCampFixture(t)
	gd, gx := f.coordinator("44"), f.coordinator("45")
	county := f.user("county440103", "county_officer", "440103")

	// Create answers the resource with its ETag.
	r := f.Must(201, "POST", "/api/v1/campaigns", f.admin(), f.campaignBody("another", "0", 2027, 2031))
	var c api.CampaignOut
	r.JSON(t, &c)
	if r.Header.Get("ETag") != `"1"` || c.State != "planning" || c.Weights.Inflow != 0.6 || c.Targets == nil {
		t.Errorf("created %+v, ETag %q", c, r.Header.Get("ETag"))
	}
	// Weights default to 0.6 / 0.4.
	body := f.campaignBody("default weights", "0", 2027, 2029)
	delete(body, "weights")
	f.Must(201, "POST", "/api/v1/campaigns", f.admin(), body).JSON(t, &c)
	if c.Weights.Inflow != 0.6 || c.Weights.Outflow != 0.4 {
		t.Errorf("default weights %+v", c.Weights)
	}

	// Listings are scoped: a province sees the national campaigns and its
	// own; another province sees the national ones only.
	ids := func(tok string) []int64 {
		var l api.List[api.CampaignOut]
		f.Must(200, "GET", "/api/v1/campaigns", tok, nil).JSON(t, &l)
		var out []int64
		for _, c := range l.Items {
			out = append(out, c.ID)
		}
		return out
	}
	if got := ids(gd); !slices.Contains(got, f.provincial.ID) || !slices.Contains(got, f.national.ID) {
		t.Errorf("Guangdong lists %v", got)
	}
	if got := ids(gx); slices.Contains(got, f.provincial.ID) || !slices.Contains(got, f.national.ID) {
		t.Errorf("Guangxi lists %v", got)
	}
	if got := ids(county); !slices.Contains(got, f.provincial.ID) {
		t.Errorf("a Guangdong county lists %v", got)
	}
	var l api.List[api.CampaignOut]
	f.Must(200, "GET", "/api/v1/campaigns?state=active&region_code=0", f.admin(), nil).JSON(t, &l)
	if len(l.Items) != 1 || l.Items[0].ID != f.national.ID {
		t.Errorf("active national campaigns: %+v", l.Items)
	}
	// Cursor paging walks every campaign once.
	var seen []int64
	cursor := ""
	for {
		var p api.List[api.CampaignOut]
		f.Must(200, "GET", "/api/v1/campaigns?limit=1&cursor="+cursor, f.admin(), nil).JSON(t, &p)
		for _, c := range p.Items {
			seen = append(seen, c.ID)
		}
		if p.Next == nil {
			break
		}
		cursor = *p.Next
	}
	if len(seen) != 4 || !slices.IsSorted(seen) {
		t.Errorf("paged through %v", seen)
	}

	// GET one, with its ETag.
	r = f.Must(200, "GET", campPath("campaigns", f.national.ID), gd, nil)
	if r.Header.Get("ETag") != `"2"` { // planning → active
		t.Errorf("ETag %q", r.Header.Get("ETag"))
	}
	f.Must(200, "GET", campPath("batches", f.launched.ID), gd, nil)
	f.Must(200, "GET", campPath("campaigns", f.national.ID)+"/batches", county, nil)

	// Coverage of the national campaign: 11–13 scheduled, 28 provinces not.
	cv := f.coverage(f.admin(), f.national.ID)
	if cv["complete"] != false || len(cv["unscheduled"].([]any)) != 28 || len(cv["duplicated"].([]any)) != 0 {
		t.Errorf("coverage %v", cv)
	}

	// Inspections: a province sees its own national inspection and those of
	// its provincial campaign; a county its own and its province's.
	regions := func(tok, q string) []string {
		var out []string
		for _, in := range f.inspections(tok, q) {
			out = append(out, in.RegionCode)
		}
		slices.Sort(out)
		return out
	}
	if got := regions(gd, ""); !slices.Equal(got, []string{"440103", "440104"}) {
		t.Errorf("Guangdong sees %v", got)
	}
	if got := regions(f.coordinator("11"), ""); !slices.Equal(got, []string{"11"}) {
		t.Errorf("Beijing sees %v", got)
	}
	if got := regions(county, ""); !slices.Equal(got, []string{"440103"}) {
		t.Errorf("county 440103 sees %v", got)
	}
	if got := regions(f.inspector(), ""); !slices.Equal(got, []string{"11", "12", "440103", "440104"}) {
		t.Errorf("the national inspector sees %v", got)
	}
	if got := regions(f.admin(), "region_code=44&state=self_check&batch_id="+campItoa(f.gdB.ID)); len(got) != 2 {
		t.Errorf("filtered: %v", got)
	}
	if got := regions(f.admin(), "state=closed"); len(got) != 0 {
		t.Errorf("closed: %v", got)
	}
	if got := regions(f.admin(), "overdue=false"); len(got) != 4 {
		t.Errorf("not overdue: %v", got)
	}
	r = f.Must(200, "GET", campPath("inspections", f.bj.ID), f.coordinator("11"), nil)
	var in api.InspectionOut
	r.JSON(t, &in)
	if r.Header.Get("ETag") != `"2"` || in.State != "self_check" || in.Overdue || !in.Deadlines.SelfCheck.Equal(f.launched.SelfCheckDue) {
		t.Errorf("inspection %+v ETag %q", in, r.Header.Get("ETag"))
	}

	// A transition answers the new state and version, with the ETag; If-Match
	// with the current version is accepted.
	r = f.fire(f.coordinator("11"), "inspections", f.bj.ID, "submit_self_check", map[string]any{"if_match": `"2"`})
	if r.Status != 200 || r.Header.Get("ETag") != `"3"` {
		t.Fatalf("submit: %d %s ETag %q", r.Status, r.Body, r.Header.Get("ETag"))
	}
	r.JSON(t, &in)
	if in.State != "self_check_submitted" || in.Version != 3 {
		t.Errorf("after submit: %+v", in)
	}
	// … and the audit log has it.
	au := f.audit("inspection", f.bj.ID)
	last := au[len(au)-1]
	if last["event"] != "submit_self_check" || last["from_state"] != "self_check" ||
		last["to_state"] != "self_check_submitted" || last["actor"] != "coord11" {
		t.Errorf("audit %v", last)
	}

	// Cancelling a campaign in planning cancels its batches.
	var planned api.CampaignOut
	f.Must(201, "POST", "/api/v1/campaigns", gd, f.campaignBody("gd 2027", "44", 2027, 2027)).JSON(t, &planned)
	b := f.createBatch(gd, planned.ID, map[string]any{"name": "x", "region_codes": []string{"440105"},
		"self_check_due": "2027-03-01T00:00:00+08:00", "site_review_due": "2027-06-01T00:00:00+08:00",
		"feedback_due": "2027-09-01T00:00:00+08:00"})
	out := f.mustFire(gd, "campaigns", planned.ID, "cancel", map[string]any{"reason": "合并到下一年度"})
	if out["state"] != "cancelled" {
		t.Errorf("cancel: %v", out)
	}
	if got := f.batch(gd, b.ID).State; got != "cancelled" {
		t.Errorf("the cancelled campaign's batch is %s", got)
	}
}

func TestCampaignAPI401(t *testing.T) {
	e := newCampEnv(t, testenv.AppOptions{})
	for _, rt := range [][2]string{
		{"POST", "/api/v1/campaigns"}, {"GET", "/api/v1/campaigns"}, {"GET", "/api/v1/campaigns/1"},
		{"POST", "/api/v1/campaigns/1/transitions"}, {"GET", "/api/v1/campaigns/1/coverage"},
		{"POST", "/api/v1/campaigns/1/next-round"}, {"GET", "/api/v1/campaigns/1/carried-items"},
		{"POST", "/api/v1/campaigns/1/batches"}, {"GET", "/api/v1/campaigns/1/batches"},
		{"GET", "/api/v1/batches/1"}, {"POST", "/api/v1/batches/1/transitions"},
		{"GET", "/api/v1/inspections"}, {"GET", "/api/v1/inspections/1"},
		{"POST", "/api/v1/inspections/1/transitions"},
	} {
		for _, tok := range []string{"", "not-a-token"} {
			r := e.Do(rt[0], rt[1], tok, map[string]any{"event": "launch"})
			campProblem(t, rt[0]+" "+rt[1], r, 401)
		}
	}
}

func TestCampaignAPI403(t *testing.T) {
	f := newCampFixture(t)
	before := f.snapshot()
	gx := f.coordinator("45")
	gd := f.coordinator("44")
	for _, c := range []struct {
		what, method, path, token string
		body                      any
	}{
		// Another province sees nothing of Guangdong's campaign.
		{"foreign campaign", "GET", campPath("campaigns", f.provincial.ID), gx, nil},
		{"foreign coverage", "GET", campPath("campaigns", f.provincial.ID) + "/coverage", gx, nil},
		{"foreign batches", "GET", campPath("campaigns", f.provincial.ID) + "/batches", gx, nil},
		{"foreign batch", "GET", campPath("batches", f.gdB.ID), gx, nil},
		{"foreign inspection", "GET", campPath("inspections", f.gz.ID), gx, nil},
		{"another province's national inspection", "GET", campPath("inspections", f.bj.ID), gx, nil},
		{"foreign batch creation", "POST", campPath("campaigns", f.provincial.ID) + "/batches", gx,
			f.batchBody("x", []string{"440105"})},
		{"foreign batch transition", "POST", campPath("batches", f.gdB.ID) + "/transitions", gx,
			map[string]any{"event": "start_site_review"}},
		{"foreign inspection transition", "POST", campPath("inspections", f.gz.ID) + "/transitions", gx,
			map[string]any{"event": "submit_self_check"}},
		{"foreign campaign transition", "POST", campPath("campaigns", f.provincial.ID) + "/transitions", gx,
			map[string]any{"event": "cancel", "reason": "x"}},
		{"campaign for another province", "POST", "/api/v1/campaigns", gx, f.campaignBody("x", "44", 2026, 2026)},
		{"national campaign by a province", "POST", "/api/v1/campaigns", gd, f.campaignBody("x", "0", 2026, 2028)},
		{"campaign by a prefecture", "POST", "/api/v1/campaigns",
			f.user("pref4401", "prefecture_officer", "4401"), f.campaignBody("x", "44", 2026, 2026)},
		{"inspections by the hotline", "GET", "/api/v1/inspections",
			f.user("hotline", "hotline_operator", "0"), nil},
		// A province may not run the national campaign's batches …
		{"national batch by a province", "POST", campPath("batches", f.planned.ID) + "/transitions",
			f.coordinator("13"), map[string]any{"event": "launch"}},
		// … nor answer for its counties in its own provincial campaign.
		{"province answers for a county", "POST", campPath("inspections", f.gz.ID) + "/transitions", gd,
			map[string]any{"event": "submit_self_check"}},
		// The inspector does not answer, the viewer does nothing.
		{"inspector answers", "POST", campPath("inspections", f.bj.ID) + "/transitions", f.inspector(),
			map[string]any{"event": "submit_self_check"}},
		{"viewer fires", "POST", campPath("inspections", f.bj.ID) + "/transitions",
			f.user("viewer", "viewer", "0"), map[string]any{"event": "submit_self_check"}},
		// Automatic events are the system's.
		{"activate by hand", "POST", campPath("campaigns", f.provincial.ID) + "/transitions", f.admin(),
			map[string]any{"event": "complete"}},
		{"next round by another province", "POST", campPath("campaigns", f.provincial.ID) + "/next-round", gx, nil},
	} {
		p := campProblem(t, c.what, f.Do(c.method, c.path, c.token, c.body), 403)
		if c.what == "activate by hand" && p != nil {
			if _, ok := p["allowed_events"]; !ok {
				t.Errorf("%s: no allowed_events in %v", c.what, p)
			}
		}
	}
	if f.snapshot() != before {
		t.Error("a 403 changed data")
	}
	// A province coordinator may not issue feedback on its own national
	// inspection, even once the batch is in feedback.
	f.mustFire(f.coordinator("12"), "inspections", f.tj.ID, "submit_self_check", nil)
	f.mustFire(f.coordinator("11"), "inspections", f.bj.ID, "submit_self_check", nil)
	f.mustFire(f.admin(), "batches", f.launched.ID, "start_site_review", nil)
	// … nor review its own national inspection …
	campProblem(t, "own national review", f.fire(f.coordinator("11"), "inspections", f.bj.ID, "begin_review", nil), 403)
	for _, in := range []api.InspectionOut{f.bj, f.tj} {
		f.mustFire(f.inspector(), "inspections", in.ID, "begin_review", nil)
		f.mustFire(f.inspector(), "inspections", in.ID, "complete_review", nil)
	}
	f.mustFire(f.admin(), "batches", f.launched.ID, "start_feedback", nil)
	campProblem(t, "own feedback", f.fire(f.coordinator("11"), "inspections", f.bj.ID, "issue_feedback", nil), 403)
}

func TestCampaignAPI404(t *testing.T) {
	e := newCampEnv(t, testenv.AppOptions{})
	for _, rt := range [][2]string{
		{"GET", "/api/v1/campaigns/999"}, {"GET", "/api/v1/campaigns/999/coverage"},
		{"GET", "/api/v1/campaigns/999/batches"}, {"GET", "/api/v1/campaigns/999/carried-items"},
		{"POST", "/api/v1/campaigns/999/transitions"}, {"POST", "/api/v1/campaigns/999/next-round"},
		{"POST", "/api/v1/campaigns/999/batches"},
		{"GET", "/api/v1/batches/999"}, {"POST", "/api/v1/batches/999/transitions"},
		{"GET", "/api/v1/inspections/999"}, {"POST", "/api/v1/inspections/999/transitions"},
	} {
		var body any
		if rt[0] == "POST" {
			body = map[string]any{"event": "cancel", "reason": "x"}
			if strings.HasSuffix(rt[1], "/batches") {
				body = e.batchBody("x", []string{"11"})
			}
			if strings.HasSuffix(rt[1], "/next-round") {
				body = nil
			}
		}
		campProblem(t, rt[0]+" "+rt[1], e.Do(rt[0], rt[1], e.admin(), body), 404)
	}
}

func TestCampaignAPI409(t *testing.T) {
	f := newCampFixture(t)
	// An illegal event names the events allowed in the current state.
	for _, c := range []struct {
		kind    string
		id      int64
		event   string
		allowed []string
	}{
		{"batches", f.launched.ID, "launch", []string{"start_site_review"}},
		{"batches", f.launched.ID, "publish_bulletin", []string{"start_site_review"}},
		{"batches", f.planned.ID, "start_feedback", []string{"cancel", "launch"}},
		{"campaigns", f.national.ID, "cancel", []string{"complete"}},
		{"inspections", f.bj.ID, "complete_review", []string{"submit_self_check"}},
		{"inspections", f.bj.ID, "no_such_event", []string{"submit_self_check"}},
	} {
		before := f.snapshot()
		p := campProblem(t, c.kind+" "+c.event, f.fire(f.admin(), c.kind, c.id, c.event, map[string]any{"reason": "r"}), 409)
		if p == nil {
			continue
		}
		var got []string
		for _, e := range p["allowed_events"].([]any) {
			got = append(got, e.(string))
		}
		if !slices.Equal(got, c.allowed) {
			t.Errorf("%s %s: allowed_events %v, want %v", c.kind, c.event, got, c.allowed)
		}
		if p["state"] == nil {
			t.Errorf("%s %s: no state in %v", c.kind, c.event, p)
		}
		if f.snapshot() != before {
			t.Errorf("%s %s changed data", c.kind, c.event)
		}
	}
	// A next round needs a completed campaign.
	campProblem(t, "next round of an active campaign", f.Do("POST", campPath("campaigns", f.national.ID)+"/next-round", f.admin(), nil), 409)
	// A cancelled campaign takes no more batches.
	gd := f.coordinator("44")
	c := f.createCampaign(gd, f.campaignBody("to cancel", "44", 2026, 2026))
	f.mustFire(gd, "campaigns", c.ID, "cancel", map[string]any{"reason": "r"})
	campProblem(t, "batch in a cancelled campaign", f.Do("POST", campPath("campaigns", c.ID)+"/batches", gd,
		f.batchBody("x", []string{"440105"})), 409)
}

func TestCampaignAPI412(t *testing.T) {
	f := newCampFixture(t)
	before := f.snapshot()
	// The planned batch is at version 1; a client that saw version 0 (or any
	// other) is stale.
	// A tag never issued matches no version either (RFC 9110 §13.1.1).
	for _, tag := range []string{`"0"`, `"7"`, `W/"2"`, `5`, "yesterday"} {
		p := campProblem(t, "stale "+tag, f.fire(f.admin(), "batches", f.planned.ID, "launch", map[string]any{"if_match": tag}), 412)
		if p != nil && tag != "yesterday" && p["version"] != float64(1) {
			t.Errorf("412 body %v: want the current version", p)
		}
	}
	campProblem(t, "stale inspection", f.fire(f.coordinator("11"), "inspections", f.bj.ID, "submit_self_check",
		map[string]any{"if_match": `"1"`}), 412)
	campProblem(t, "stale campaign", f.fire(f.coordinator("44"), "campaigns", f.provincial.ID, "cancel",
		map[string]any{"if_match": `"1"`, "reason": "r"}), 412)
	if f.snapshot() != before {
		t.Error("a 412 changed data")
	}
	// Two clients that both saw version 1: the first wins, the second is stale.
	f.mustFire(f.admin(), "batches", f.planned.ID, "launch", map[string]any{"if_match": `"1"`})
	campProblem(t, "second of two", f.fire(f.admin(), "batches", f.planned.ID, "launch", map[string]any{"if_match": `"1"`}), 412)
}

func TestCampaignAPI422(t *testing.T) {
	f := newCampFixture(t)
	gd := f.coordinator("44")
	planning := f.createCampaign(gd, f.campaignBody("planning", "44", 2027, 2027))
	before := f.snapshot()
	campaign := func(edit func(map[string]any)) map[string]any {
		b := f.campaignBody("x", "0", 2026, 2028)
		edit(b)
		return b
	}
	nat := campPath("campaigns", f.national.ID) + "/batches"
	prov := campPath("campaigns", f.provincial.ID) + "/batches"
	batch := func(regions []string, edit func(map[string]any)) map[string]any {
		b := f.batchBody("x", regions)
		if edit != nil {
			edit(b)
		}
		return b
	}
	for _, c := range []struct {
		what, path, token string
		body              any
		fields            []string // locations the problem must name
	}{
		{"inflow lighter than outflow", "/api/v1/campaigns", f.admin(), campaign(func(b map[string]any) {
			b["weights"] = map[string]float64{"inflow": 0.4, "outflow": 0.6}
		}), []string{"body.weights.inflow", "body.weights.outflow"}},
		{"equal weights", "/api/v1/campaigns", f.admin(), campaign(func(b map[string]any) {
			b["weights"] = map[string]float64{"inflow": 0.5, "outflow": 0.5}
		}), []string{"body.weights.inflow"}},
		{"weights not summing to 1", "/api/v1/campaigns", f.admin(), campaign(func(b map[string]any) {
			b["weights"] = map[string]float64{"inflow": 0.7, "outflow": 0.4}
		}), []string{"body.weights.inflow"}},
		{"negative weight", "/api/v1/campaigns", f.admin(), campaign(func(b map[string]any) {
			b["weights"] = map[string]float64{"inflow": 1.2, "outflow": -0.2}
		}), []string{"body.weights.outflow"}},
		{"national campaign of 2 years", "/api/v1/campaigns", f.admin(), campaign(func(b map[string]any) {
			b["end_year"] = 2027
		}), []string{"body.start_year", "body.end_year"}},
		{"national campaign of 6 years", "/api/v1/campaigns", f.admin(), campaign(func(b map[string]any) {
			b["end_year"] = 2031
		}), []string{"body.end_year"}},
		{"end before start", "/api/v1/campaigns", gd, f.campaignBody("x", "44", 2027, 2026), []string{"body.end_year"}},
		{"year out of range", "/api/v1/campaigns", gd, f.campaignBody("x", "44", 1900, 1900), []string{"body.start_year"}},
		{"prefecture campaign", "/api/v1/campaigns", f.admin(), f.campaignBody("x", "4401", 2026, 2026), []string{"body.region_code"}},
		{"unknown region", "/api/v1/campaigns", f.admin(), f.campaignBody("x", "99", 2026, 2026), []string{"body.region_code"}},
		{"not a code", "/api/v1/campaigns", f.admin(), f.campaignBody("x", "abc", 2026, 2026), []string{"body.region_code"}},
		{"everything wrong at once", "/api/v1/campaigns", f.admin(), map[string]any{"name": " ", "region_code": "0",
			"start_year": 2026, "end_year": 2026, "inflow_set_id": 0, "outflow_set_id": 0,
			"weights": map[string]float64{"inflow": 0.3, "outflow": 0.7}, "targets": map[string]float64{"IN14a": 120}},
			[]string{"body.name", "body.end_year", "body.weights.inflow", "body.inflow_set_id", "body.targets.IN14a"}},
		{"missing fields", "/api/v1/campaigns", f.admin(), map[string]any{"name": "x"}, nil},
		{"unknown field", "/api/v1/campaigns", f.admin(), campaign(func(b map[string]any) { b["colour"] = "red" }), nil},
		{"wrong type", "/api/v1/campaigns", f.admin(), campaign(func(b map[string]any) { b["start_year"] = "2026" }), nil},
		// Batches: regions at the wrong level or outside the campaign, each named.
		{"county in a national batch", nat, f.admin(), batch([]string{"14", "440103", "4401", "99", "14"}, nil),
			[]string{"body.region_codes[1]", "body.region_codes[2]", "body.region_codes[3]", "body.region_codes[4]"}},
		{"province or foreign county in a provincial batch", prov, gd, batch([]string{"44", "450102", "440105", "4401"}, nil),
			[]string{"body.region_codes[0]", "body.region_codes[1]", "body.region_codes[3]"}},
		{"no regions", nat, f.admin(), batch([]string{}, nil), []string{"body.region_codes"}},
		{"deadlines out of order", nat, f.admin(), batch([]string{"14"}, func(b map[string]any) {
			b["site_review_due"], b["feedback_due"] = b["feedback_due"], b["site_review_due"]
		}), []string{"body.feedback_due"}},
		{"deadline after the campaign's years", nat, f.admin(), batch([]string{"14"}, func(b map[string]any) {
			b["feedback_due"] = "2029-01-01T00:00:00+08:00"
		}), []string{"body.feedback_due"}},
		{"deadline not a time", nat, f.admin(), batch([]string{"14"}, func(b map[string]any) { b["self_check_due"] = "soon" }), nil},
		{"empty name", nat, f.admin(), batch([]string{"14"}, func(b map[string]any) { b["name"] = "" }), []string{"body.name"}},
		// Transitions.
		{"cancel without a reason", campPath("campaigns", planning.ID) + "/transitions", gd,
			map[string]any{"event": "cancel"}, nil},
		{"no event", campPath("batches", f.planned.ID) + "/transitions", f.admin(), map[string]any{}, nil},
		{"force a batch that has no forced branch", campPath("batches", f.planned.ID) + "/transitions", f.admin(),
			map[string]any{"event": "launch", "force": true, "reason": "r"}, nil},
		{"force before the deadline", campPath("batches", f.launched.ID) + "/transitions", f.admin(),
			map[string]any{"event": "start_site_review", "force": true, "reason": "late"}, nil},
		{"bad JSON", campPath("batches", f.planned.ID) + "/transitions", f.admin(), `{"event":`, nil},
		// Listings.
		{"bad cursor", "/api/v1/inspections?cursor=!!", f.admin(), nil, nil},
		{"unknown state", "/api/v1/inspections?state=dreaming", f.admin(), nil, []string{"query.state"}},
		{"bad overdue", "/api/v1/inspections?overdue=maybe", f.admin(), nil, nil},
		{"bad region filter", "/api/v1/campaigns?region_code=x", f.admin(), nil, []string{"query.region_code"}},
		{"unknown region filter", "/api/v1/inspections?region_code=419999", f.admin(), nil, []string{"query.region_code"}},
		{"unknown campaign region", "/api/v1/campaigns?region_code=419999", f.admin(), nil, []string{"query.region_code"}},
	} {
		method := "POST"
		if c.body == nil {
			method = "GET"
		}
		var r *testenv.Response
		if m, ok := c.body.(map[string]any); ok && m["if_match"] != nil {
			tag := m["if_match"].(string)
			delete(m, "if_match")
			r = f.Do(method, c.path, c.token, m, "If-Match", tag)
		} else {
			r = f.Do(method, c.path, c.token, c.body)
		}
		want := 422
		if c.what == "bad JSON" {
			want = 400
		}
		p := campProblem(t, c.what, r, want)
		for _, loc := range c.fields {
			if p != nil && !campHasField(p, loc) {
				t.Errorf("%s: no error at %s in %s", c.what, loc, r.Body)
			}
		}
	}
	if f.snapshot() != before {
		t.Error("a 422 changed data")
	}

	// A guard refusal lists the inspections that hold the batch up.
	f.mustFire(f.coordinator("11"), "inspections", f.bj.ID, "submit_self_check", nil)
	campProblem(t, "begin review with the batch in self_check", f.fire(f.inspector(), "inspections", f.bj.ID, "begin_review", nil), 422)
	p := campProblem(t, "start_site_review with Tianjin out", f.fire(f.admin(), "batches", f.launched.ID, "start_site_review", nil), 422)
	if p != nil {
		hs := p["holdouts"].([]any)
		if len(hs) != 1 || hs[0].(map[string]any)["region_code"] != "12" || hs[0].(map[string]any)["state"] != "self_check" {
			t.Errorf("holdouts %v", hs)
		}
	}
	// Past the self-check deadline an admin may force it, with a reason.
	f.setClock(f.launched.SelfCheckDue.Add(time.Minute))
	campProblem(t, "forced without a reason", f.fire(f.admin(), "batches", f.launched.ID, "start_site_review",
		map[string]any{"force": true}), 422)
	out := f.mustFire(f.admin(), "batches", f.launched.ID, "start_site_review", map[string]any{"force": true, "reason": "逾期未报"})
	if out["state"] != "site_review" {
		t.Errorf("forced: %v", out)
	}
	au := f.audit("batch", f.launched.ID)
	if d, _ := au[len(au)-1]["detail"].(map[string]any); d["branch"] != "forced" || au[len(au)-1]["reason"] != "逾期未报" {
		t.Errorf("forced audit %v", au[len(au)-1])
	}
	if got := f.inspection(f.admin(), f.tj.ID).State; got != "self_check" {
		t.Errorf("Tianjin after the forced move: %s", got)
	}

	// Coverage: a region may be scheduled twice, and shows as duplicated,
	// but only one of its batches may launch.
	dup := f.createBatch(f.admin(), f.national.ID, f.batchBody("again", []string{"14", "11"}))
	cv := f.coverage(f.admin(), f.national.ID)
	if d := cv["duplicated"].([]any); len(d) != 1 || d[0] != "11" {
		t.Errorf("coverage %v", cv)
	}
	p = campProblem(t, "launch a duplicate", f.fire(f.admin(), "batches", dup.ID, "launch", nil), 422)
	if p != nil && !campHasField(p, "region_codes[1]") {
		t.Errorf("the duplicate launch does not name 11: %v", p)
	}
	f.mustFire(f.admin(), "batches", dup.ID, "cancel", map[string]any{"reason": "重复"})
	if cv := f.coverage(f.admin(), f.national.ID); len(cv["duplicated"].([]any)) != 0 {
		t.Errorf("a cancelled batch still counts: %v", cv)
	}
}

// campProblem checks that r is a problem+json of the given status and
// returns its body.
func campProblem(t *testing.T, what string, r *testenv.Response, status int) map[string]any {
	t.Helper()
	if r.Status != status {
		t.Errorf("%s: status %d, want %d: %.400s", what, r.Status, status, r.Body)
		return nil
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("%s: Content-Type %q", what, ct)
	}
	var p map[string]any
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Errorf("%s: %v: %s", what, err, r.Body)
		return nil
	}
	if p["status"] != float64(status) || p["title"] == nil || p["type"] == nil {
		t.Errorf("%s: problem %v", what, p)
	}
	return p
}

func campHasField(p map[string]any, loc string) bool {
	errs, _ := p["errors"].([]any)
	for _, e := range errs {
		if m, ok := e.(map[string]any); ok && m["location"] == loc {
			return true
		}
	}
	return false
}
