package api_test

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/ducha/ducha/api"
	"github.com/ducha/ducha/documents"
	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/workflow"
)

// TestE2EResultsRealSources runs a national batch of Guangdong (44) and
// Guangxi (45) from the self-check answers to the bulletin through the API,
// with the results reading what the app wires in (scores, the site review's
// findings and requirements, the hotline's figures): no source is
// overridden. Guangdong gets one qualitative indicator "largely_met" with a
// serious finding and two rectification requirements; Guangxi none.
func TestE2EResultsRealSources(t *testing.T) {
	f := newScoreFixture(t, nil) // the answer and rating guards are on
	if err := f.StartWorker(); err != nil {
		t.Fatal(err)
	}
	// The results env only for its waiting helpers: its fake sources are
	// never installed.
	e := &resEnv{campEnv: f.campEnv}
	gd, gx := f.ins["44"], f.ins["45"]

	// --- 1. self-check, site review, feedback ---
	county := map[string]string{"44": "440103", "45": "450102"}
	claimed := map[string]float64{"44": 9, "45": 8}
	for _, p := range []string{"44", "45"} {
		f.answerAll(p, []string{county[p]}, func(string, string) (float64, float64) { return claimed[p], 10 })
		f.mustFire(f.coordinator(p), "inspections", f.ins[p].ID, "submit_self_check", nil)
	}
	f.mustFire(f.admin(), "batches", f.batch.ID, "start_site_review", nil)
	insp := f.inspector()
	f.Must(200, "PUT", campPath("batches", f.batch.ID)+"/inspectors", f.admin(),
		map[string]any{"user_ids": []int64{f.userID(insp)}})

	const (
		findingCode = "IN07"
		findingText = "流入人口双向协作机制尚未全面落实,部分区县未建立信息通报制度"
		req1Text    = "建立与主要流出省份的双向协作机制"
		req2Text    = "完善流动人口婚育证明查验和信息通报制度"
	)
	due1 := f.Clock.Now().Add(60 * 24 * time.Hour).UTC()
	due2 := f.Clock.Now().Add(90 * 24 * time.Hour).UTC()
	verified := map[string]float64{"44": 85, "45": 70}
	for _, p := range []string{"44", "45"} {
		f.mustFire(insp, "inspections", f.ins[p].ID, "begin_review", nil)
		if p == "44" {
			// A first review of the indicator with three requirements that
			// the second replaces: the letter's ids are then not 1 and 2,
			// nor positions.
			f.Must(201, "PUT", f.reviewPath(p, findingCode), insp, map[string]any{"rating": "not_met",
				"finding": map[string]any{"severity": "general", "text": "初稿"},
				"requirements": []map[string]any{{"text": "初稿一", "due_at": due1.Format(time.RFC3339)},
					{"text": "初稿二", "due_at": due1.Format(time.RFC3339)}, {"text": "初稿三", "due_at": due1.Format(time.RFC3339)}}})
		}
		for _, ind := range f.indicators() {
			body := map[string]any{}
			if len(ind.Measures) == 0 {
				body["rating"] = "met"
				if p == "44" && ind.Code == findingCode {
					body["rating"] = "largely_met"
					body["finding"] = map[string]any{"severity": "serious", "text": findingText}
					body["requirements"] = []map[string]any{
						{"text": req1Text, "due_at": due1.Format(time.RFC3339)},
						{"text": req2Text, "due_at": due2.Format(time.RFC3339)}}
				}
			} else {
				ms := map[string]any{}
				for _, m := range ind.Measures {
					ms[m] = map[string]any{"numerator": verified[p], "denominator": 100}
				}
				body["measures"] = ms
			}
			want := 201
			if p == "44" && ind.Code == findingCode {
				want = 200
			}
			f.Must(want, "PUT", f.reviewPath(p, ind.Code), insp, body)
		}
		f.mustFire(insp, "inspections", f.ins[p].ID, "complete_review", nil)
	}
	// The review's own view of Guangdong's requirements.
	var rv workflow.ReviewView
	f.Must(200, "GET", campPath("inspections", gd.ID)+"/review", f.admin(), nil).JSON(t, &rv)
	if len(rv.Requirements) != 2 || len(rv.Findings) != 1 {
		t.Fatalf("Guangdong's review: %d requirements, %d findings", len(rv.Requirements), len(rv.Findings))
	}
	reviewReqIDs := []int64{rv.Requirements[0].ID, rv.Requirements[1].ID}
	if rv.Findings[0].Text != findingText || rv.Requirements[0].Text != req1Text || reviewReqIDs[0] <= 3 {
		t.Fatalf("Guangdong's review: findings %+v, requirements %+v", rv.Findings, rv.Requirements)
	}

	f.mustFire(f.admin(), "batches", f.batch.ID, "start_feedback", nil)
	for _, in := range []api.InspectionOut{gd, gx} {
		f.mustFire(f.admin(), "inspections", in.ID, "issue_feedback", nil)
	}

	// --- 2. the letters ---
	scores := map[string]workflow.InspectionScore{}
	letters := map[string]documents.FeedbackLetter{}
	for _, p := range []string{"44", "45"} {
		id := f.ins[p].ID
		e.waitFeedback(id)
		var sc workflow.InspectionScore
		f.Must(200, "GET", campPath("inspections", id)+"/score", f.admin(), nil).JSON(t, &sc)
		if sc.Status != domain.StatusScored || sc.Provisional || sc.Incomplete {
			t.Fatalf("%s: score %s provisional %v incomplete %v", p, sc.Status, sc.Provisional, sc.Incomplete)
		}
		scores[p] = sc
		raw := f.Must(200, "GET", campPath("inspections", id)+"/feedback", f.admin(), nil).Body
		l := decodeLetter(t, raw)
		letters[p] = l
		if l.RegionCode != p || l.Total.Status != domain.StatusScored || l.Total.Score != sc.Score ||
			l.Total.Inflow.Score != sc.Inflow.Score || l.Total.Outflow.Score != sc.Outflow.Score {
			t.Errorf("%s: letter's total %v (%s), GET score %v", p, l.Total.Score, l.Total.Status, sc.Score)
		}
		// The raw JSON carries the same total (not a rounding of it).
		var m struct {
			Total struct {
				Score json.Number `json:"score"`
			} `json:"total"`
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		if x, err := strconv.ParseFloat(string(m.Total.Score), 64); err != nil || x != sc.Score {
			t.Errorf("%s: letter JSON total %q, want %v", p, m.Total.Score, sc.Score)
		}

		// HTML: the stored rendering, with the number (and the finding).
		h := f.Must(200, "GET", campPath("inspections", id)+"/feedback?format=html", f.admin(), nil)
		if !strings.HasPrefix(h.Header.Get("Content-Type"), "text/html") || !bytes.Contains(h.Body, []byte(l.Number)) {
			t.Errorf("%s: HTML (%s) lacks the number %q", p, h.Header.Get("Content-Type"), l.Number)
		}
		if p == "44" {
			for _, s := range []string{findingText, req1Text, req2Text} {
				if !bytes.Contains(h.Body, []byte(s)) {
					t.Errorf("Guangdong's HTML lacks %q", s)
				}
			}
		}
		// XLSX: parses, and its total is the score.
		x := f.Must(200, "GET", campPath("inspections", id)+"/feedback?format=xlsx", f.admin(), nil)
		book, err := excelize.OpenReader(bytes.NewReader(x.Body))
		if err != nil {
			t.Fatalf("%s: xlsx: %v", p, err)
		}
		rows, err := book.GetRows(documents.SheetCategoryScores, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		var got *float64
		for _, r := range rows {
			if len(r) > 3 && r[1] == "总得分" {
				if v, err := strconv.ParseFloat(r[3], 64); err == nil {
					got = &v
				}
			}
		}
		// Excel keeps 15 significant digits.
		if got == nil || math.Abs(*got-sc.Score) > 1e-9 {
			t.Errorf("%s: xlsx total %v, want %v (rows %v)", p, got, sc.Score, rows)
		}
		info, _ := book.GetRows(documents.SheetInfo)
		if !slices.ContainsFunc(info, func(r []string) bool { return slices.Contains(r, l.Number) }) {
			t.Errorf("%s: info sheet %v lacks %s", p, info, l.Number)
		}
		book.Close()
	}
	if scores["44"].Score == scores["45"].Score {
		t.Fatalf("both provinces scored %v: the ranking's order says nothing", scores["44"].Score)
	}
	t.Logf("totals: 44 %v, 45 %v; letters %s, %s", scores["44"].Score, scores["45"].Score, letters["44"].Number, letters["45"].Number)
	if letters["44"].Number == letters["45"].Number {
		t.Errorf("both letters are %s", letters["44"].Number)
	}

	// Guangdong's letter: the review's finding and requirements, with the
	// ids that its rectification answers to.
	gl := letters["44"]
	if len(gl.Findings) != 1 || gl.Findings[0].Text != findingText || gl.Findings[0].Severity != documents.SeveritySerious ||
		gl.Findings[0].IndicatorCode != findingCode {
		t.Errorf("Guangdong's findings %+v", gl.Findings)
	}
	rect := campPath("inspections", gd.ID) + "/rectification"
	var ro api.RectificationOut
	f.Must(200, "GET", rect, f.coordinator("44"), nil).JSON(t, &ro)
	if len(gl.Requirements) != 2 || len(ro.Requirements) != 2 {
		t.Fatalf("Guangdong: %d requirements in the letter, %d in the rectification", len(gl.Requirements), len(ro.Requirements))
	}
	var reqIDs []int64
	for i, q := range gl.Requirements {
		rq := ro.Requirements[i]
		want := []string{req1Text, req2Text}[i]
		wantDue := []time.Time{due1, due2}[i]
		if q.ID == 0 || q.ID != rq.ID || q.ID != reviewReqIDs[i] || q.Text != want || rq.Text != want ||
			q.IndicatorCode != findingCode || !q.DueAt.Equal(wantDue) || !rq.DueAt.Equal(wantDue) {
			t.Errorf("requirement %d: letter %+v, rectification %+v, review id %d", i, q, rq.Requirement, reviewReqIDs[i])
		}
		reqIDs = append(reqIDs, q.ID)
	}
	if !gl.RectificationDue.Equal(due2) {
		t.Errorf("the letter's rectification due %v, want the latest requirement's %v", gl.RectificationDue, due2)
	}
	if xl := letters["45"]; len(xl.Findings) != 0 || len(xl.Requirements) != 0 {
		t.Errorf("Guangxi's letter: findings %+v, requirements %+v", xl.Findings, xl.Requirements)
	}

	t.Logf("Guangdong's requirement ids %v", reqIDs)

	// --- 3. rectification with the real ids ---
	coord := f.coordinator("44")
	r1, r2 := campItoa(reqIDs[0]), campItoa(reqIDs[1])
	f.Must(200, "PUT", rect+"/"+r1, coord, map[string]any{"narrative": "已与四川、湖南等省签订双向协作协议"})
	p := checkProblem(t, "submit with one answer", f.fire(coord, "inspections", gd.ID, "submit_rectification", nil), 422)
	if p["guard"] != "all_requirements_answered" || !slices.Equal(anyIDs(p["requirements"]), reqIDs[1:]) {
		t.Errorf("submit with one answer: %v", p)
	}
	f.Must(200, "PUT", rect+"/"+r2, coord, map[string]any{"narrative": "已印发查验制度"})
	f.mustFire(coord, "inspections", gd.ID, "submit_rectification", nil)
	f.Must(200, "POST", rect+"/"+r1+"/decision", insp, map[string]any{"accepted": true})
	f.Must(200, "POST", rect+"/"+r2+"/decision", insp, map[string]any{"accepted": false, "reason": "未见信息通报的落实情况"})
	p = checkProblem(t, "accept with a rejection", f.fire(f.admin(), "inspections", gd.ID, "accept_rectification", nil), 422)
	if p["guard"] != "all_requirements_accepted" || !slices.Equal(anyIDs(p["requirements"]), reqIDs[1:]) {
		t.Errorf("accept with a rejection: %v", p)
	}
	if out := f.mustFire(f.admin(), "inspections", gd.ID, "reject_rectification",
		map[string]any{"reason": "整改要求 " + r2 + " 未通过"}); out["state"] != "feedback_issued" {
		t.Fatalf("after reject_rectification: %v", out)
	}
	checkProblem(t, "change the accepted answer", f.Do("PUT", rect+"/"+r1, coord, map[string]any{"narrative": "x"}), 409)
	f.Must(200, "PUT", rect+"/"+r2, coord, map[string]any{"narrative": "已印发查验制度,并建立月度信息通报"})
	f.mustFire(coord, "inspections", gd.ID, "submit_rectification", nil)
	f.Must(200, "POST", rect+"/"+r2+"/decision", insp, map[string]any{"accepted": true})
	if out := f.mustFire(f.admin(), "inspections", gd.ID, "accept_rectification", nil); out["state"] != "closed" {
		t.Fatalf("after accept_rectification: %v", out)
	}
	f.Must(200, "GET", rect, coord, nil).JSON(t, &ro)
	if ro.State != "closed" || len(ro.Requirements) != 2 {
		t.Fatalf("rectification %+v", ro)
	}
	for _, q := range ro.Requirements {
		if q.Answer == nil || q.Answer.Accepted == nil || !*q.Answer.Accepted || q.Overdue {
			t.Errorf("requirement %d: answer %+v, overdue %v", q.ID, q.Answer, q.Overdue)
		}
	}
	if st := f.inspection(f.admin(), gd.ID).State; st != "closed" {
		t.Errorf("Guangdong's inspection is %s", st)
	}

	// Guangxi has no requirement: the guards hold vacuously, it goes
	// straight through.
	f.Must(200, "GET", campPath("inspections", gx.ID)+"/rectification", f.coordinator("45"), nil).JSON(t, &ro)
	if len(ro.Requirements) != 0 || ro.State != "feedback_issued" {
		t.Fatalf("Guangxi's rectification %+v", ro)
	}
	f.mustFire(f.coordinator("45"), "inspections", gx.ID, "submit_rectification", nil)
	if out := f.mustFire(f.admin(), "inspections", gx.ID, "accept_rectification", nil); out["state"] != "closed" {
		t.Fatalf("Guangxi after accept_rectification: %v", out)
	}

	// --- 4. a complaint, then the bulletin ---
	f.advance(time.Hour) // after the batch's launch
	op := f.user("hotline", "hotline_operator", "0")
	f.Must(201, "POST", "/api/v1/complaints", op, map[string]any{
		"channel": "hotline", "category": "illegal_fees", "occurred_region_code": "440103",
		"accused_region_code": "440103", "summary": "办理婚育证明被收取押金",
		"details": "来电人称外出务工前办理婚育证明时被收取500元押金。"})
	f.advance(time.Hour) // the bulletin's window ends after the complaint
	f.mustFire(f.admin(), "batches", f.batch.ID, "publish_bulletin", nil)
	bid := e.waitBulletin(f.batch.ID)
	var bo api.BulletinOut
	f.Must(200, "GET", campPath("bulletins", bid), f.admin(), nil).JSON(t, &bo)
	var rk workflow.BatchRanking
	f.Must(200, "GET", campPath("batches", f.batch.ID)+"/ranking", f.admin(), nil).JSON(t, &rk)
	if len(bo.Ranking) != 2 || len(rk.Lines) != 2 {
		t.Fatalf("bulletin ranking %+v, API ranking %+v", bo.Ranking, rk.Lines)
	}
	hi, lo := "44", "45"
	if scores["45"].Score > scores["44"].Score {
		hi, lo = lo, hi
	}
	for i, code := range []string{hi, lo} {
		b, a := bo.Ranking[i], rk.Lines[i]
		if b.RegionCode != code || a.RegionCode != code || b.Rank != i+1 || a.Rank != i+1 || b.Total == nil ||
			*b.Total != a.Score || *b.Total != scores[code].Score || b.Vetoed {
			t.Errorf("rank %d: bulletin %+v (total %v), API %+v, want %s at %v", i+1, b, ptrVal(b.Total), a.RankEntry, code, scores[code].Score)
		}
	}
	// One finding in one region of two: no common problem (it takes two).
	if len(bo.CommonProblems) != 0 {
		t.Errorf("common problems %+v", bo.CommonProblems)
	}
	if len(bo.Complaints) != 1 {
		t.Fatalf("complaint figures %+v", bo.Complaints)
	}
	if c := bo.Complaints[0]; c.RegionCode != "44" || c.RegionName != "广东省" || c.Category != documents.ComplaintIllegalFees ||
		c.Received != 1 || c.Substantiated != 0 {
		t.Errorf("complaint figure %+v", c)
	}
	if bo.Coverage.Inspected != 2 {
		t.Errorf("coverage %+v", bo.Coverage)
	}
	var list api.List[api.BulletinSummary]
	f.Must(200, "GET", "/api/v1/bulletins?batch_id="+campItoa(f.batch.ID), f.admin(), nil).JSON(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != bid || list.Items[0].Number != bo.Number {
		t.Errorf("bulletins of the batch %+v", list.Items)
	}
	if st := f.campEnv.batch(f.admin(), f.batch.ID).State; st != "bulletined" {
		t.Errorf("batch is %s", st)
	}
}

// anyIDs reads a JSON list of ids.
func anyIDs(v any) []int64 {
	var out []int64
	l, _ := v.([]any)
	for _, x := range l {
		if n, ok := x.(float64); ok {
			out = append(out, int64(n))
		}
	}
	return out
}

func ptrVal(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
