package api_test

import (
	"bytes"
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/ducha/ducha/api"
	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/testenv"
	"github.com/ducha/ducha/workflow"
)

// Self-check, site review, scores and rankings through the API, grouped by
// the status they answer. newScoreEnv keeps the guards that the campaign
// tests turn off: submit_self_check waits for every indicator answered,
// complete_review for every indicator rated.

func newScoreEnv(t *testing.T) *campEnv {
	t.Helper()
	a := testenv.StartApp(t, testenv.AppOptions{NoWorker: true})
	e := &campEnv{App: a, t: t, tokens: map[string]string{"admin": a.AdminToken}}
	// Townships and villages are loaded on demand; two of each for the
	// provinces the tests inspect.
	var rs []domain.Region
	for _, county := range []string{"440103", "450102"} {
		rs = append(rs,
			domain.Region{Code: county + "001", ParentCode: county, Name: county + " 街道", Level: domain.LevelTownship},
			domain.Region{Code: county + "001001", ParentCode: county + "001", Name: county + " 社区", Level: domain.LevelVillage})
	}
	seq := iter.Seq2[domain.Region, error](func(yield func(domain.Region, error) bool) {
		for _, r := range rs {
			if !yield(r, nil) {
				return
			}
		}
	})
	if _, err := a.Store.ImportRegions(context.Background(), seq, 100); err != nil {
		t.Fatal(err)
	}
	return e
}

// scoreFixture is a national campaign with one launched batch of
// Guangdong (44) and Guangxi (45).
type scoreFixture struct {
	*campEnv
	campaign api.CampaignOut
	batch    api.BatchOut
	ins      map[string]api.InspectionOut // by province
}

func newScoreFixture(t *testing.T, targets map[string]float64) *scoreFixture {
	e := newScoreEnv(t)
	body := e.campaignBody("2026–2028 全国督查", "0", 2026, 2028)
	if targets != nil {
		body["targets"] = targets
	}
	c := e.createCampaign(e.admin(), body)
	b := e.createBatch(e.admin(), c.ID, e.batchBody("第一批", []string{"44", "45"}))
	e.mustFire(e.admin(), "batches", b.ID, "launch", nil)
	f := &scoreFixture{campEnv: e, campaign: c, batch: b, ins: map[string]api.InspectionOut{}}
	for _, in := range e.inspections(e.admin(), "batch_id="+campItoa(b.ID)) {
		f.ins[in.RegionCode] = in
	}
	return f
}

func (f *scoreFixture) selfCheckPath(province, code string) string {
	return campPath("inspections", f.ins[province].ID) + "/self-check/" + code
}

func (f *scoreFixture) reviewPath(province, code string) string {
	return campPath("inspections", f.ins[province].ID) + "/review/" + code
}

// indicators lists the codes and measures of both national sets.
func (f *scoreFixture) indicators() []struct {
	Code     string
	Measures []string
	Lowest   string
	Highest  string
} {
	var out []struct {
		Code     string
		Measures []string
		Lowest   string
		Highest  string
	}
	in, outSet := f.sets()
	for _, id := range []int64{in, outSet} {
		var set domain.IndicatorSet
		f.Must(200, "GET", campPath("indicator-sets", id), f.admin(), nil).JSON(f.t, &set)
		for _, ind := range set.Indicators {
			x := struct {
				Code     string
				Measures []string
				Lowest   string
				Highest  string
			}{Code: ind.Code, Lowest: ind.Level.Lowest.String(), Highest: ind.Level.Highest.String()}
			for _, m := range ind.Measures {
				x.Measures = append(x.Measures, m.Code)
			}
			out = append(out, x)
		}
	}
	return out
}

// answerAll answers every indicator of a province's self-check as its
// coordinator: qualitative ones at the highest level the indicator allows
// in the province (a village or township where it must), quantitative ones
// per county from figures(county, measure).
func (f *scoreFixture) answerAll(province string, counties []string, figures func(county, measure string) (float64, float64)) {
	f.t.Helper()
	tok := f.coordinator(province)
	county := map[string]string{"44": "440103", "45": "450102"}[province]
	for _, ind := range f.indicators() {
		if len(ind.Measures) > 0 {
			for _, c := range counties {
				ms := map[string]any{}
				for _, m := range ind.Measures {
					n, d := figures(c, m)
					if d == 0 {
						ms[m] = map[string]any{"not_applicable": true, "reason": "无此类人员"}
					} else {
						ms[m] = map[string]any{"numerator": n, "denominator": d}
					}
				}
				f.mustAnswer(province, ind.Code, tok, map[string]any{"region_code": c, "measures": ms})
			}
			continue
		}
		region := province
		switch {
		case ind.Highest == "village":
			region = county + "001001"
		case ind.Highest == "township":
			region = county + "001"
		}
		f.mustAnswer(province, ind.Code, tok, map[string]any{"region_code": region, "narrative": "已落实 " + ind.Code})
	}
}

// mustAnswer puts an answer, first (201) or not (200).
func (f *scoreFixture) mustAnswer(province, code, token string, body map[string]any) {
	f.t.Helper()
	if r := f.Do("PUT", f.selfCheckPath(province, code), token, body); r.Status != 201 && r.Status != 200 {
		f.t.Fatalf("answer %s of %s: %d %s", code, province, r.Status, r.Body)
	}
}

func TestSelfCheck201And200(t *testing.T) {
	f := newScoreFixture(t, nil)
	gd := f.coordinator("44")
	// A first answer is 201, a change 200 with the next revision.
	var a domain.Answer
	f.Must(201, "PUT", f.selfCheckPath("44", "IN01"), gd, map[string]any{"narrative": "纳入目标管理责任制"}).JSON(t, &a)
	if a.Revision != 1 || a.RegionCode != "44" || a.Narrative != "纳入目标管理责任制" {
		t.Fatalf("first answer %+v", a)
	}
	f.Must(200, "PUT", f.selfCheckPath("44", "IN01"), gd, map[string]any{"narrative": "已纳入,并签订责任书"}).JSON(t, &a)
	if a.Revision != 2 {
		t.Fatalf("second answer %+v", a)
	}
	var h workflow.IndicatorHistory
	f.Must(200, "GET", f.selfCheckPath("44", "IN01"), gd, nil).JSON(t, &h)
	if len(h.Answers) != 1 || h.Answers[0].Revision != 2 || len(h.Revisions) != 2 ||
		h.Revisions[0].Narrative != "纳入目标管理责任制" || h.Revisions[1].Narrative != "已纳入,并签订责任书" {
		t.Fatalf("history %+v", h)
	}

	// Figures from counties, answered by the county officers themselves and
	// by the coordinator; one county has nobody to count.
	yx := f.user("yuexiu", "county_officer", "440103")
	f.Must(201, "PUT", f.selfCheckPath("44", "IN14"), yx,
		map[string]any{"measures": map[string]any{"IN14a": map[string]any{"numerator": 90, "denominator": 100}}, "region_code": "440103"})
	f.Must(201, "PUT", f.selfCheckPath("44", "IN14"), gd,
		map[string]any{"measures": map[string]any{"IN14a": map[string]any{"numerator": 1, "denominator": 10}}, "region_code": "440104"})
	f.Must(201, "PUT", f.selfCheckPath("44", "IN14"), gd,
		map[string]any{"measures": map[string]any{"IN14a": map[string]any{"not_applicable": true, "reason": "无流入人口"}}, "region_code": "440105"})
	// A village answers IN12, a township IN06; the level is the indicator's.
	f.Must(201, "PUT", f.selfCheckPath("44", "IN12"), gd, map[string]any{"narrative": "社区维权", "region_code": "440103001001"})
	f.Must(201, "PUT", f.selfCheckPath("44", "IN06"), gd, map[string]any{"not_applicable": true, "reason": "试点未覆盖", "region_code": "440103001"})

	var v workflow.SelfCheckView
	f.Must(200, "GET", campPath("inspections", f.ins["44"].ID)+"/self-check", gd, nil).JSON(t, &v)
	if v.Complete || len(v.Missing) != 39-4 || slices.Contains(v.Missing, "IN14") || !slices.Contains(v.Missing, "IN15") {
		t.Fatalf("missing %v", v.Missing)
	}
	for _, ind := range v.Indicators {
		if ind.Code != "IN14" {
			continue
		}
		m := ind.Measures[0]
		if !ind.Answered || len(ind.Answers) != 3 || m.Figures == nil || m.Figures.Numerator != 91 || m.Figures.Denominator != 110 ||
			m.Source != "roll_up" || !slices.Equal(m.NotApplicableIn, []string{"440105"}) || m.Formula != "(90 + 1) / (100 + 10) = 91 / 110" {
			t.Fatalf("IN14 %+v", ind)
		}
	}
	// The score already shows it, provisionally.
	sc := f.Must(200, "GET", campPath("inspections", f.ins["44"].ID)+"/score", gd, nil).Map(t)
	if sc["status"] != "pending" || sc["provisional"] != true {
		t.Fatalf("score %v %v", sc["status"], sc["provisional"])
	}
	// The audit trail has every answer.
	n := 0
	for _, a := range f.audit("inspection", f.ins["44"].ID) {
		if a["event"] == "self_check_answer" {
			n++
		}
	}
	if n != 7 {
		t.Errorf("%d self_check_answer audit rows, want 7", n)
	}
}

func TestSelfCheck401(t *testing.T) {
	f := newScoreFixture(t, nil)
	for _, r := range []struct{ method, path string }{
		{"PUT", f.selfCheckPath("44", "IN01")}, {"GET", campPath("inspections", f.ins["44"].ID) + "/self-check"},
		{"PUT", f.reviewPath("44", "IN01")}, {"GET", campPath("inspections", f.ins["44"].ID) + "/score"},
		{"GET", campPath("batches", f.batch.ID) + "/ranking"}, {"PUT", campPath("batches", f.batch.ID) + "/inspectors"},
	} {
		checkProblem(t, r.method+" "+r.path, f.Do(r.method, r.path, "", map[string]any{}), 401)
	}
}

func TestSelfCheck403(t *testing.T) {
	f := newScoreFixture(t, nil)
	gx := f.coordinator("45")
	yx := f.user("yuexiu", "county_officer", "440103")
	body := map[string]any{"narrative": "x"}
	// Another province answers Guangdong's self-check.
	checkProblem(t, "foreign province", f.Do("PUT", f.selfCheckPath("44", "IN01"), gx, body), 403)
	// A county answers for its neighbour.
	checkProblem(t, "neighbouring county", f.Do("PUT", f.selfCheckPath("44", "IN14"), yx,
		map[string]any{"region_code": "440104", "measures": map[string]any{"IN14a": map[string]any{"numerator": 1, "denominator": 2}}}), 403)
	// A county answers for the province itself.
	checkProblem(t, "county for the province", f.Do("PUT", f.selfCheckPath("44", "IN01"), yx, body), 403)
	// The inspecting side does not answer.
	checkProblem(t, "national admin", f.Do("PUT", f.selfCheckPath("44", "IN01"), f.admin(), body), 403)
	checkProblem(t, "inspector", f.Do("PUT", f.selfCheckPath("44", "IN01"), f.inspector(), body), 403)
	// Another province reads nothing of Guangdong's.
	checkProblem(t, "foreign read", f.Do("GET", campPath("inspections", f.ins["44"].ID)+"/self-check", gx, nil), 403)
	checkProblem(t, "foreign score", f.Do("GET", campPath("inspections", f.ins["44"].ID)+"/score", gx, nil), 403)
	// The ranking is for the campaign's own region.
	checkProblem(t, "province ranking", f.Do("GET", campPath("batches", f.batch.ID)+"/ranking", gx, nil), 403)
	// Only the campaign's managers assign inspectors.
	checkProblem(t, "assign by inspector", f.Do("PUT", campPath("batches", f.batch.ID)+"/inspectors", f.inspector(),
		map[string]any{"user_ids": []int64{}}), 403)

	// Review: bring Guangdong into site_review.
	f.answerAll("44", []string{"440103"}, func(string, string) (float64, float64) { return 9, 10 })
	f.mustFire(f.coordinator("44"), "inspections", f.ins["44"].ID, "submit_self_check", nil)
	f.answerAll("45", []string{"450102"}, func(string, string) (float64, float64) { return 9, 10 })
	f.mustFire(f.coordinator("45"), "inspections", f.ins["45"].ID, "submit_self_check", nil)
	f.mustFire(f.admin(), "batches", f.batch.ID, "start_site_review", nil)
	f.mustFire(f.inspector(), "inspections", f.ins["44"].ID, "begin_review", nil)
	rate := map[string]any{"rating": "met"}
	// An inspector not assigned to the batch (the fixture assigned it).
	f.assignInspectors(f.batch.ID)
	checkProblem(t, "unassigned inspector", f.Do("PUT", f.reviewPath("44", "IN01"), f.inspector(), rate), 403)
	// The inspected region reviews itself, nor does one of its counties.
	checkProblem(t, "self-review", f.Do("PUT", f.reviewPath("44", "IN01"), f.coordinator("44"), rate), 403)
	checkProblem(t, "own county", f.Do("PUT", f.reviewPath("44", "IN01"), yx, rate), 403)
	// Another province is no inspector of a national campaign.
	checkProblem(t, "another province", f.Do("PUT", f.reviewPath("44", "IN01"), gx, rate), 403)
	// Once assigned, the inspector reviews; national admins always may.
	f.Must(200, "PUT", campPath("batches", f.batch.ID)+"/inspectors", f.admin(),
		map[string]any{"user_ids": []int64{f.userID(f.inspector())}})
	f.Must(201, "PUT", f.reviewPath("44", "IN01"), f.inspector(), rate)
	f.Must(201, "PUT", f.reviewPath("44", "IN02"), f.admin(), rate)
	// Nothing the refusals sent was stored.
	var rv workflow.ReviewView
	f.Must(200, "GET", campPath("inspections", f.ins["44"].ID)+"/review", f.admin(), nil).JSON(t, &rv)
	if len(rv.Reviews) != 2 || rv.Reviews[0].Revision != 1 {
		t.Errorf("reviews %+v", rv.Reviews)
	}
}

func TestSelfCheck404(t *testing.T) {
	f := newScoreFixture(t, nil)
	gd := f.coordinator("44")
	checkProblem(t, "no inspection", f.Do("PUT", "/api/v1/inspections/999999/self-check/IN01", gd, map[string]any{"narrative": "x"}), 404)
	checkProblem(t, "no indicator", f.Do("PUT", f.selfCheckPath("44", "IN99"), gd, map[string]any{"narrative": "x"}), 404)
	checkProblem(t, "no indicator to read", f.Do("GET", f.selfCheckPath("44", "IN99"), gd, nil), 404)
	checkProblem(t, "no score", f.Do("GET", "/api/v1/inspections/999999/score", gd, nil), 404)
	checkProblem(t, "no ranking", f.Do("GET", "/api/v1/batches/999999/ranking", f.admin(), nil), 404)
	checkProblem(t, "no review", f.Do("PUT", "/api/v1/inspections/999999/review/IN01", f.admin(), map[string]any{"rating": "met"}), 404)
	checkProblem(t, "no batch", f.Do("PUT", "/api/v1/batches/999999/inspectors", f.admin(), map[string]any{"user_ids": []int64{}}), 404)
}

func TestSelfCheck409(t *testing.T) {
	f := newScoreFixture(t, nil)
	gd := f.coordinator("44")
	// A review while the self-check is open.
	p := checkProblem(t, "review in self_check", f.Do("PUT", f.reviewPath("44", "IN01"), f.admin(), map[string]any{"rating": "met"}), 409)
	if p["state"] != "self_check" {
		t.Errorf("409 without the state: %v", p)
	}
	// An answer once the self-check is submitted.
	f.answerAll("44", []string{"440103"}, func(string, string) (float64, float64) { return 9, 10 })
	f.mustFire(gd, "inspections", f.ins["44"].ID, "submit_self_check", nil)
	checkProblem(t, "answer after submit", f.Do("PUT", f.selfCheckPath("44", "IN01"), gd, map[string]any{"narrative": "late"}), 409)
	var h workflow.IndicatorHistory
	f.Must(200, "GET", f.selfCheckPath("44", "IN01"), gd, nil).JSON(t, &h)
	if len(h.Revisions) != 1 {
		t.Errorf("a refused answer was stored: %+v", h.Revisions)
	}
}

func TestSelfCheck422(t *testing.T) {
	f := newScoreFixture(t, nil)
	gd := f.coordinator("44")
	f.Must(201, "PUT", f.selfCheckPath("44", "IN18"), gd, map[string]any{"region_code": "440103",
		"measures": map[string]any{"IN18a": map[string]any{"numerator": 5, "denominator": 10}, "IN18b": map[string]any{"numerator": 1, "denominator": 2}}})
	// Every problem of a body at once.
	bad := map[string]any{"region_code": "440103", "reason": "stray", "measures": map[string]any{
		"IN18a": map[string]any{"numerator": 11, "denominator": 10},
		"IN18b": map[string]any{"numerator": -1, "denominator": 2.5},
		"IN18c": map[string]any{"numerator": 1, "denominator": 1},
	}}
	p := checkProblem(t, "bad figures", f.Do("PUT", f.selfCheckPath("44", "IN18"), gd, bad), 422)
	for _, loc := range []string{"body.reason", "body.measures.IN18a.numerator", "body.measures.IN18b.numerator",
		"body.measures.IN18b.denominator", "body.measures.IN18c"} {
		if !hasField(p, loc) {
			t.Errorf("no error at %s: %v", loc, fieldErrors(p))
		}
	}
	cases := []struct {
		name, code string
		body       map[string]any
		fields     []string
	}{
		{"missing measure and zero denominator", "IN18", map[string]any{"region_code": "440103", "measures": map[string]any{
			"IN18a": map[string]any{"numerator": 0, "denominator": 0}}}, []string{"body.measures.IN18a.denominator", "body.measures.IN18b"}},
		{"figures missing", "IN14", map[string]any{"measures": map[string]any{"IN14a": map[string]any{}}},
			[]string{"body.measures.IN14a.numerator", "body.measures.IN14a.denominator"}},
		{"not applicable without a reason", "IN14", map[string]any{"region_code": "440103", "measures": map[string]any{
			"IN14a": map[string]any{"not_applicable": true}}}, []string{"body.measures.IN14a.reason"}},
		{"quantitative with no figures", "IN14", map[string]any{"narrative": "x"}, []string{"body.measures"}},
		{"qualitative with no narrative, measures", "IN01", map[string]any{"measures": map[string]any{"IN01a": map[string]any{}}},
			[]string{"body.narrative", "body.measures"}},
		{"region below the indicator's level", "IN01", map[string]any{"narrative": "x", "region_code": "440103001"},
			[]string{"body.region_code"}},
		{"village-only indicator at the province", "IN12", map[string]any{"narrative": "x"}, []string{"body.region_code"}},
		{"region outside the inspection", "IN01", map[string]any{"narrative": "x", "region_code": "45"}, []string{"body.region_code"}},
		{"no such region", "IN01", map[string]any{"narrative": "x", "region_code": "449999"}, []string{"body.region_code"}},
		{"malformed region", "IN01", map[string]any{"narrative": "x", "region_code": "4x"}, []string{"body.region_code"}},
		{"no such attachment", "IN01", map[string]any{"narrative": "x", "attachment_ids": []int64{424242}}, []string{"body.attachment_ids[0]"}},
		{"not applicable without a reason", "IN01", map[string]any{"not_applicable": true}, []string{"body.reason"}},
	}
	for _, c := range cases {
		p := checkProblem(t, c.name, f.Do("PUT", f.selfCheckPath("44", c.code), gd, c.body), 422)
		for _, loc := range c.fields {
			if !hasField(p, loc) {
				t.Errorf("%s: no error at %s: %v", c.name, loc, fieldErrors(p))
			}
		}
	}
	// The refused bodies left the earlier answer as it was.
	var h workflow.IndicatorHistory
	f.Must(200, "GET", f.selfCheckPath("44", "IN18"), gd, nil).JSON(t, &h)
	if len(h.Revisions) != 1 || h.Measures[0].Figures.Numerator != 5 {
		t.Errorf("refused answers changed IN18: %+v", h)
	}

	// submit_self_check lists every indicator not answered.
	p = checkProblem(t, "submit incomplete", f.fire(gd, "inspections", f.ins["44"].ID, "submit_self_check", nil), 422)
	missing, _ := p["missing"].([]any)
	if len(missing) != 38 || !hasField(p, "self_check.IN01") || !hasField(p, "self_check.OUT18") || hasField(p, "self_check.IN18") {
		t.Errorf("submit: missing %v, fields %v", missing, fieldErrors(p))
	}
	if got := f.inspection(gd, f.ins["44"].ID).State; got != "self_check" {
		t.Errorf("refused submit moved the inspection to %s", got)
	}

	// Review bodies, and complete_review listing the unrated indicators.
	f.answerAll("44", []string{"440103"}, func(string, string) (float64, float64) { return 9, 10 })
	f.mustFire(gd, "inspections", f.ins["44"].ID, "submit_self_check", nil)
	f.answerAll("45", []string{"450102"}, func(string, string) (float64, float64) { return 9, 10 })
	f.mustFire(f.coordinator("45"), "inspections", f.ins["45"].ID, "submit_self_check", nil)
	f.mustFire(f.admin(), "batches", f.batch.ID, "start_site_review", nil)
	f.mustFire(f.admin(), "inspections", f.ins["44"].ID, "begin_review", nil)
	p = checkProblem(t, "bad review", f.Do("PUT", f.reviewPath("44", "IN11"), f.admin(), map[string]any{
		"rating": "excellent", "measures": map[string]any{"x": map[string]any{}},
		"finding":       map[string]any{"severity": "fatal", "text": " "},
		"requirements":  []map[string]any{{"text": "", "due_at": "2020-01-01T00:00:00Z"}},
		"veto_override": map[string]any{"reason": "no veto here"}}), 422)
	for _, loc := range []string{"body.rating", "body.measures", "body.finding.severity", "body.finding.text",
		"body.requirements[0].text", "body.requirements[0].due_at", "body.veto_override"} {
		if !hasField(p, loc) {
			t.Errorf("review: no error at %s: %v", loc, fieldErrors(p))
		}
	}
	p = checkProblem(t, "quantitative rated", f.Do("PUT", f.reviewPath("44", "IN14"), f.admin(), map[string]any{"rating": "met"}), 422)
	if !hasField(p, "body.rating") || !hasField(p, "body.measures") {
		t.Errorf("quantitative rated: %v", fieldErrors(p))
	}
	p = checkProblem(t, "veto override without reason", f.Do("PUT", f.reviewPath("44", "IN12"), f.admin(),
		map[string]any{"rating": "met", "veto_override": map[string]any{"reason": ""}}), 422)
	if !hasField(p, "body.veto_override.reason") {
		t.Errorf("veto reason: %v", fieldErrors(p))
	}
	f.Must(201, "PUT", f.reviewPath("44", "IN01"), f.admin(), map[string]any{"rating": "met"})
	p = checkProblem(t, "complete incomplete", f.fire(f.admin(), "inspections", f.ins["44"].ID, "complete_review", nil), 422)
	if unrated, _ := p["unrated"].([]any); len(unrated) != 38 || !hasField(p, "review.IN14") || hasField(p, "review.IN01") {
		t.Errorf("complete_review: unrated %v", p["unrated"])
	}
	// Inspectors: unknown users and wrong roles, all at once.
	p = checkProblem(t, "bad inspectors", f.Do("PUT", campPath("batches", f.batch.ID)+"/inspectors", f.admin(),
		map[string]any{"user_ids": []int64{999999, f.userID(gd), f.userID(f.inspector()), f.userID(f.inspector())}}), 422)
	for _, loc := range []string{"body.user_ids[0]", "body.user_ids[1]", "body.user_ids[3]"} {
		if !hasField(p, loc) {
			t.Errorf("inspectors: no error at %s: %v", loc, fieldErrors(p))
		}
	}
}

// TestNationalBatchFullPath: answers → submit → review → complete → score
// → ranking, with findings and requirements for the feedback letters.
func TestNationalBatchFullPath(t *testing.T) {
	f := newScoreFixture(t, map[string]float64{"IN14a": 90})
	gdCounties := []string{"440103", "440104", "440105"}
	f.answerAll("44", gdCounties, func(county, m string) (float64, float64) {
		if county == "440105" {
			return 0, 0 // not applicable there
		}
		if county == "440103" {
			return 90, 100
		}
		return 1, 10
	})
	f.answerAll("45", []string{"450102"}, func(string, string) (float64, float64) { return 80, 100 })
	for _, p := range []string{"44", "45"} {
		f.mustFire(f.coordinator(p), "inspections", f.ins[p].ID, "submit_self_check", nil)
	}
	f.mustFire(f.admin(), "batches", f.batch.ID, "start_site_review", nil)
	insp := f.inspector()
	f.Must(200, "PUT", campPath("batches", f.batch.ID)+"/inspectors", f.admin(), map[string]any{"user_ids": []int64{f.userID(insp)}})
	var assigned api.List[api.UserOut]
	f.Must(200, "GET", campPath("batches", f.batch.ID)+"/inspectors", f.admin(), nil).JSON(t, &assigned)
	if len(assigned.Items) != 1 || assigned.Items[0].Username != "inspector" {
		t.Fatalf("inspectors %+v", assigned.Items)
	}
	due := f.Clock.Now().Add(90 * 24 * time.Hour).Format(time.RFC3339)
	for _, p := range []string{"44", "45"} {
		f.mustFire(insp, "inspections", f.ins[p].ID, "begin_review", nil)
		for _, ind := range f.indicators() {
			body := map[string]any{}
			if len(ind.Measures) == 0 {
				body["rating"] = "met"
				if p == "45" && ind.Code == "IN07" {
					body["rating"] = "not_met"
					body["finding"] = map[string]any{"severity": "serious", "text": "双向管理未落实"}
					body["requirements"] = []map[string]any{{"text": "建立双向协作机制", "due_at": due}}
				}
			} else if p == "44" && ind.Code == "IN14" {
				// Guangdong's IN14 is verified lower than claimed.
				body["measures"] = map[string]any{"IN14a": map[string]any{"numerator": 81, "denominator": 110}}
			} else {
				ms := map[string]any{}
				for _, m := range ind.Measures {
					ms[m] = map[string]any{"numerator": map[string]float64{"44": 91, "45": 80}[p],
						"denominator": map[string]float64{"44": 110, "45": 100}[p]}
				}
				body["measures"] = ms
			}
			f.Must(201, "PUT", f.reviewPath(p, ind.Code), insp, body)
		}
		f.mustFire(insp, "inspections", f.ins[p].ID, "complete_review", nil)
	}

	var sc workflow.InspectionScore
	f.Must(200, "GET", campPath("inspections", f.ins["44"].ID)+"/score", f.coordinator("44"), nil).JSON(t, &sc)
	if sc.Status != domain.StatusScored || sc.Provisional || sc.Incomplete || len(sc.NotAssessed) != 0 {
		t.Fatalf("score %s provisional %v incomplete %v", sc.Status, sc.Provisional, sc.Incomplete)
	}
	in14 := sc.Inflow.Indicators[13]
	// 81/110 = 73.63…%, against the campaign's 90: 100 × 73.63… / 90.
	if in14.Code != "IN14" || *in14.Measures[0].Target != 90 || in14.Measures[0].SelfReported.Numerator != 91 ||
		!nearly(in14.Score, 100*(100*81.0/110)/90) {
		t.Fatalf("IN14 %+v", in14)
	}
	if !nearly(sc.Score, 0.6*sc.Inflow.Score+0.4*sc.Outflow.Score) {
		t.Errorf("total %v from %v and %v", sc.Score, sc.Inflow.Score, sc.Outflow.Score)
	}

	var r workflow.BatchRanking
	f.Must(200, "GET", campPath("batches", f.batch.ID)+"/ranking", f.admin(), nil).JSON(t, &r)
	if len(r.Lines) != 2 || r.Lines[0].Rank != 1 || r.Lines[1].Rank != 2 || r.Lines[0].Score < r.Lines[1].Score ||
		r.Lines[0].RegionName == "" {
		t.Fatalf("ranking %+v", r.Lines)
	}

	// The contract the feedback letters read: findings and requirements.
	tx := f.Store.Read(context.Background())
	fs, err := tx.Findings(f.ins["45"].ID)
	if err != nil || len(fs) != 1 || fs[0].Severity != domain.SeveritySerious || fs[0].IndicatorCode != "IN07" {
		t.Fatalf("findings %+v %v", fs, err)
	}
	rs, err := tx.Requirements(f.ins["45"].ID)
	if err != nil || len(rs) != 1 || rs[0].Text != "建立双向协作机制" || rs[0].DueAt.IsZero() {
		t.Fatalf("requirements %+v %v", rs, err)
	}
	totals, err := f.Scoring.BatchTotals(context.Background(), tx, f.batch.ID)
	if err != nil || len(totals) != 2 || !nearly(totals[0].Score, sc.Score) {
		t.Fatalf("batch totals %v", err)
	}

	// The workbooks: numbers are numeric cells holding the full value.
	res := f.Must(200, "GET", campPath("inspections", f.ins["44"].ID)+"/score?format=xlsx", f.admin(), nil)
	book, err := excelize.OpenReader(bytes.NewReader(res.Body))
	if err != nil || !strings.Contains(res.Header.Get("Content-Disposition"), ".xlsx") {
		t.Fatalf("score xlsx: %v %s", err, res.Header.Get("Content-Disposition"))
	}
	rows, _ := book.GetRows("total")
	typ, _ := book.GetCellType("total", "E2")
	v, _ := book.GetCellValue("total", "E2", excelize.Options{RawCellValue: true})
	var x float64
	_, _ = fmt.Sscan(v, &x)
	// Excel keeps 15 significant digits.
	if len(rows) < 3 || rows[1][1] != "total" || typ == excelize.CellTypeSharedString || !(x-sc.Score < 1e-9 && sc.Score-x < 1e-9) {
		t.Errorf("score sheet: type %v value %q, want %v", typ, v, sc.Score)
	}
	res = f.Must(200, "GET", campPath("batches", f.batch.ID)+"/ranking?format=xlsx", f.admin(), nil)
	book, err = excelize.OpenReader(bytes.NewReader(res.Body))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ = book.GetRows("ranking")
	if len(rows) != 3 || rows[1][0] != "1" || rows[1][1] != r.Lines[0].RegionCode {
		t.Errorf("ranking sheet %v", rows)
	}
	// Every write is in the audit trail.
	events := map[string]int{}
	for _, a := range f.audit("inspection", f.ins["45"].ID) {
		events[a["event"].(string)]++
	}
	if events["review"] != 39 || events["self_check_answer"] != 39 || events["complete_review"] != 1 {
		t.Errorf("audit events %v", events)
	}
}

func nearly(a, b float64) bool { d := a - b; return d < 1e-9 && d > -1e-9 }

// TestOneVoteVeto: a substantiated vicious case accusing a Guangdong county
// in the campaign's years scores Guangdong's IN12 and OUT10 at 0 until a
// reviewer overrides the veto with a reason; Guangxi is untouched.
func TestOneVoteVeto(t *testing.T) {
	f := newScoreFixture(t, nil)
	op := f.user("hotline", "hotline_operator", "0")
	liwan := f.user("liwan", "county_officer", "440103")
	var c struct {
		ID int64 `json:"id"`
	}
	f.Must(201, "POST", "/api/v1/complaints", op, map[string]any{
		"channel": "hotline", "category": "vicious_case", "occurred_region_code": "440103",
		"accused_region_code": "440103", "summary": "强制孕检致伤", "details": "来电人称被强制带回孕检并受伤。"}).JSON(t, &c)
	cp := campPath("complaints", c.ID) + "/transitions"
	f.Must(200, "POST", cp, op, map[string]any{"event": "assign", "region_code": "440103"})
	f.Must(200, "POST", cp, liwan, map[string]any{"event": "accept"})
	f.Must(200, "POST", cp, liwan, map[string]any{"event": "resolve", "finding": "substantiated", "action": "依法查处"})

	for _, p := range []string{"44", "45"} {
		f.answerAll(p, []string{map[string]string{"44": "440103", "45": "450102"}[p]},
			func(string, string) (float64, float64) { return 9, 10 })
		f.mustFire(f.coordinator(p), "inspections", f.ins[p].ID, "submit_self_check", nil)
	}
	score := func(p string) workflow.InspectionScore {
		var sc workflow.InspectionScore
		f.Must(200, "GET", campPath("inspections", f.ins[p].ID)+"/score", f.admin(), nil).JSON(t, &sc)
		return sc
	}
	gd := score("44")
	if gd.Veto == nil || !gd.Veto.Vetoed || !slices.Equal(gd.Veto.Indicators, []string{"IN12", "OUT10"}) {
		t.Fatalf("Guangdong's veto %+v", gd.Veto)
	}
	if gx := score("45"); gx.Veto != nil {
		t.Fatalf("Guangxi vetoed: %+v", gx.Veto)
	}
	f.mustFire(f.admin(), "batches", f.batch.ID, "start_site_review", nil)
	f.mustFire(f.admin(), "inspections", f.ins["44"].ID, "begin_review", nil)
	f.Must(201, "PUT", f.reviewPath("44", "IN12"), f.admin(), map[string]any{"rating": "met"})
	if in12 := score("44").Inflow.Indicators[11]; in12.Code != "IN12" || in12.Score != 0 || in12.Status != "scored" {
		t.Fatalf("vetoed IN12 %+v", in12)
	}
	f.Must(200, "PUT", f.reviewPath("44", "IN12"), f.admin(),
		map[string]any{"rating": "met", "veto_override": map[string]any{"reason": "系个别工作人员违规,已依法处理"}})
	gd = score("44")
	in12 := gd.Inflow.Indicators[11]
	if gd.Veto == nil || gd.Veto.Vetoed || !gd.Veto.Overridden || in12.Score != 100 ||
		gd.Veto.Reason != "IN12: 系个别工作人员违规,已依法处理" {
		t.Fatalf("overridden veto %+v, IN12 %+v", gd.Veto, in12)
	}
	var reason string
	for _, a := range f.audit("inspection", f.ins["44"].ID) {
		if a["event"] == "review" && a["reason"] != nil {
			reason, _ = a["reason"].(string)
		}
	}
	if reason != "系个别工作人员违规,已依法处理" {
		t.Errorf("the override's reason is not in the audit log: %q", reason)
	}
}
