package api_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/ducha/ducha/api"
	"github.com/ducha/ducha/documents"
	"github.com/ducha/ducha/testenv"
)

// The API tests of feedback letters, rectification and bulletins, grouped
// by the status they expect.

// hookReceiver records the webhook deliveries it gets.
type hookReceiver struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []hookReq
}

type hookReq struct {
	header http.Header
	body   []byte
}

func newHookReceiver(t *testing.T) *hookReceiver {
	r := &hookReceiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, q *http.Request) {
		b, _ := io.ReadAll(q.Body)
		r.mu.Lock()
		r.reqs = append(r.reqs, hookReq{q.Header.Clone(), b})
		r.mu.Unlock()
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *hookReceiver) got() []hookReq {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.reqs)
}

func TestResults200(t *testing.T) {
	t.Parallel()
	e := newResEnv(t, testenv.AppOptions{NoWorker: true})
	rc := newHookReceiver(t)
	var hook struct {
		ID     int64  `json:"id"`
		Secret string `json:"secret"`
	}
	e.Must(201, "POST", "/api/v1/webhooks", e.admin(), map[string]any{"url": rc.URL + "/hook",
		"events": []string{"feedback_issued", "bulletin_published"}}).JSON(t, &hook)

	_, b, ins := e.toFeedback("44", "45")
	gd, gx := ins["44"], ins["45"]
	due := e.Clock.Now().Add(120 * 24 * time.Hour).UTC()
	e.src.setRequirements(gd.ID, req(9101, "IN17", "扩大工业园区孕检服务覆盖面", due), req(9102, "", "完善自查报告的问题分析", time.Time{}))
	e.src.setRequirements(gx.ID, req(9201, "IN07", "建立与主要流出地的双向协作机制", due))
	e.src.setFindings(gd.ID, finding("IN17", documents.SeverityGeneral, "孕检服务覆盖不足"),
		finding("IN08", documents.SeverityMinor, "数据交换不够及时"))
	e.src.setFindings(gx.ID, finding("IN17", documents.SeveritySerious, "免费孕检率<80%"),
		finding("IN07", documents.SeverityGeneral, "协作机制尚未建立"))
	e.src.mu.Lock()
	e.src.complaints["45"] = []documents.ComplaintFigure{{Category: documents.ComplaintIllegalFees, Received: 3, Substantiated: 1}}
	e.src.mu.Unlock()

	// Before issue_feedback there is no letter; after it, pending until
	// the job has run.
	checkProblem(t, "feedback before issue", e.Do("GET", campPath("inspections", gd.ID)+"/feedback", e.admin(), nil), 404)
	e.mustFire(e.admin(), "inspections", gd.ID, "issue_feedback", nil)
	if p := e.feedback(e.admin(), gd.ID); p["status"] != "pending" || p["number"] != nil {
		t.Fatalf("feedback before the job: %v", p)
	}
	checkProblem(t, "html while pending", e.Do("GET", campPath("inspections", gd.ID)+"/feedback?format=html", e.admin(), nil), 404)
	if err := e.StartWorker(); err != nil {
		t.Fatal(err)
	}
	l1 := e.waitFeedback(gd.ID)
	e.mustFire(e.admin(), "inspections", gx.ID, "issue_feedback", nil)
	l2 := e.waitFeedback(gx.ID)
	if l1["number"] != "督查反馈〔2026〕1号" || l2["number"] != "督查反馈〔2026〕2号" {
		t.Errorf("numbers %v, %v", l1["number"], l2["number"])
	}
	if l1["addressee"] != "广东省人民政府" || l2["addressee"] != "广西壮族自治区人民政府" || l1["issued_at"] == nil ||
		l1["inspection_id"] != float64(gd.ID) || len(l1["requirements"].([]any)) != 2 || len(l1["findings"].([]any)) != 2 {
		t.Errorf("letter %v", l1)
	}
	// The coordinator of Guangdong reads its own letter.
	e.feedback(e.coordinator("44"), gd.ID)

	// The HTML served is the stored rendering of the stored content.
	raw := e.Must(200, "GET", campPath("inspections", gd.ID)+"/feedback", e.admin(), nil).Body
	letter := decodeLetter(t, raw)
	var want bytes.Buffer
	if err := documents.RenderFeedbackHTML(&want, letter); err != nil {
		t.Fatal(err)
	}
	h := e.Must(200, "GET", campPath("inspections", gd.ID)+"/feedback?format=html", e.admin(), nil)
	if !strings.HasPrefix(h.Header.Get("Content-Type"), "text/html") || !bytes.Equal(h.Body, want.Bytes()) {
		t.Errorf("served HTML (%s) is not the rendering of the stored content", h.Header.Get("Content-Type"))
	}
	if !strings.Contains(h.Header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Errorf("CSP %q", h.Header.Get("Content-Security-Policy"))
	}
	golden(t, "feedback_api.golden.html", h.Body)
	// The workbook parses back.
	x := e.Must(200, "GET", campPath("inspections", gd.ID)+"/feedback?format=xlsx", e.admin(), nil)
	if !strings.Contains(x.Header.Get("Content-Disposition"), "filename*=UTF-8''") {
		t.Errorf("Content-Disposition %q", x.Header.Get("Content-Disposition"))
	}
	f, err := excelize.OpenReader(bytes.NewReader(x.Body))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows(documents.SheetRequirements)
	if err != nil || len(rows) != 3 || !slices.ContainsFunc(rows, func(r []string) bool {
		return slices.Contains(r, "扩大工业园区孕检服务覆盖面")
	}) {
		t.Errorf("requirements sheet %v (%v)", rows, err)
	}
	info, _ := f.GetRows(documents.SheetInfo)
	if !slices.ContainsFunc(info, func(r []string) bool { return slices.Contains(r, letter.Number) }) {
		t.Errorf("info sheet %v lacks %s", info, letter.Number)
	}

	// Rectification: answer, submit, judge, send back, answer again, close.
	coord := e.coordinator("44")
	rect := campPath("inspections", gd.ID) + "/rectification"
	var att struct {
		ID int64 `json:"id"`
	}
	att.ID = uploadPDF(t, e.App, coord)
	e.Must(200, "PUT", rect+"/9101", coord, map[string]any{"narrative": "已在工业园区新设服务点12个", "attachment_ids": []int64{att.ID}})
	p := checkProblem(t, "submit with one answer", e.fire(coord, "inspections", gd.ID, "submit_rectification", nil), 422)
	if p != nil && (p["guard"] != "all_requirements_answered" || len(p["requirements"].([]any)) != 1) {
		t.Errorf("problem %v", p)
	}
	e.Must(200, "PUT", rect+"/9102", coord, map[string]any{"narrative": "已补充问题分析"})
	e.mustFire(coord, "inspections", gd.ID, "submit_rectification", nil)
	e.Must(200, "POST", rect+"/9101/decision", e.inspector(), map[string]any{"accepted": true})
	e.Must(200, "POST", rect+"/9102/decision", e.inspector(), map[string]any{"accepted": false, "reason": "分析仍不深入"})
	checkProblem(t, "accept with a rejection", e.fire(e.admin(), "inspections", gd.ID, "accept_rectification", nil), 422)
	e.mustFire(e.admin(), "inspections", gd.ID, "reject_rectification", map[string]any{"reason": "9102 未通过"})
	checkProblem(t, "change an accepted answer", e.Do("PUT", rect+"/9101", coord, map[string]any{"narrative": "x"}), 409)
	e.Must(200, "PUT", rect+"/9102", coord, map[string]any{"narrative": "已逐项分析原因并制定措施"})
	e.mustFire(coord, "inspections", gd.ID, "submit_rectification", nil)
	e.Must(200, "POST", rect+"/9102/decision", e.inspector(), map[string]any{"accepted": true})
	if out := e.mustFire(e.admin(), "inspections", gd.ID, "accept_rectification", nil); out["state"] != "closed" {
		t.Fatalf("after acceptance: %v", out)
	}
	var rv api.RectificationOut
	e.Must(200, "GET", rect, coord, nil).JSON(t, &rv)
	if rv.State != "closed" || len(rv.Requirements) != 2 || rv.Requirements[0].Answer == nil ||
		!*rv.Requirements[0].Answer.Accepted || rv.Requirements[1].DueAt.IsZero() {
		t.Errorf("rectification %+v", rv)
	}

	// The bulletin: good practices first, then publish.
	e.Must(200, "PUT", campPath("batches", b.ID)+"/good-practices", e.admin(), map[string]any{
		"items": []map[string]any{{"region_code": "44", "text": "建立流动人口服务中心"}}})
	e.mustFire(e.admin(), "batches", b.ID, "publish_bulletin", nil)
	bid := e.waitBulletin(b.ID)
	// Every user reads it.
	viewer := e.user("viewer33", "viewer", "33")
	var bo map[string]any
	e.Must(200, "GET", campPath("bulletins", bid), viewer, nil).JSON(t, &bo)
	if bo["number"] != "督查通报〔2026〕1号" || bo["status"] != "issued" || bo["batch_id"] != float64(b.ID) ||
		len(bo["ranking"].([]any)) != 2 || len(bo["good_practices"].([]any)) != 1 {
		t.Errorf("bulletin %v", bo)
	}
	if cp := bo["common_problems"].([]any); len(cp) != 1 || cp[0].(map[string]any)["indicator_code"] != "IN17" {
		t.Errorf("common problems %v", cp)
	}
	if cs := bo["complaints"].([]any); len(cs) != 1 || cs[0].(map[string]any)["region_name"] != "广西壮族自治区" {
		t.Errorf("complaints %v", cs)
	}
	if cv := bo["coverage"].(map[string]any); cv["inspected"] != float64(2) || cv["total"] != float64(31) ||
		len(cv["remaining"].([]any)) != 29 {
		t.Errorf("coverage %v", cv)
	}
	var stored documents.Bulletin
	raw = e.Must(200, "GET", campPath("bulletins", bid)+"?format=json", viewer, nil).Body
	if err := json.Unmarshal(raw, &stored); err != nil {
		t.Fatal(err)
	}
	want.Reset()
	if err := documents.RenderBulletinHTML(&want, stored); err != nil {
		t.Fatal(err)
	}
	h = e.Must(200, "GET", campPath("bulletins", bid)+"?format=html", viewer, nil)
	if !bytes.Equal(h.Body, want.Bytes()) {
		t.Error("served bulletin HTML is not the rendering of the stored content")
	}
	golden(t, "bulletin_api.golden.html", h.Body)
	x = e.Must(200, "GET", campPath("bulletins", bid)+"?format=xlsx", viewer, nil)
	f, err = excelize.OpenReader(bytes.NewReader(x.Body))
	if err != nil {
		t.Fatal(err)
	}
	if rows, err := f.GetRows(documents.SheetRanking); err != nil || len(rows) != 3 {
		t.Errorf("ranking sheet %v (%v)", rows, err)
	}
	var list api.List[api.BulletinSummary]
	e.Must(200, "GET", "/api/v1/bulletins", viewer, nil).JSON(t, &list)
	if len(list.Items) != 1 || list.Items[0].Number != "督查通报〔2026〕1号" {
		t.Errorf("listing %+v", list)
	}

	// The receiver hears of each letter and of the bulletin once, signed.
	testenv.Eventually(t, 30*time.Second, "three deliveries", func() bool { return len(rc.got()) >= 3 })
	time.Sleep(1500 * time.Millisecond)
	seen := map[string]int{}
	for _, q := range rc.got() {
		var body struct {
			Event    string `json:"event"`
			EntityID string `json:"entity_id"`
		}
		if err := json.Unmarshal(q.body, &body); err != nil {
			t.Fatal(err)
		}
		seen[body.Event+" "+body.EntityID]++
		ts := q.header.Get("X-Ducha-Timestamp")
		mac := hmac.New(sha256.New, []byte(hook.Secret))
		mac.Write([]byte(ts + "." + string(q.body)))
		if got := q.header.Get("X-Ducha-Signature"); got != "sha256="+hex.EncodeToString(mac.Sum(nil)) {
			t.Errorf("%s: signature %q", body.Event, got)
		}
	}
	wantSeen := map[string]int{"feedback_issued " + campItoa(gd.ID): 1, "feedback_issued " + campItoa(gx.ID): 1,
		"bulletin_published " + campItoa(b.ID): 1}
	for k, n := range wantSeen {
		if seen[k] != n {
			t.Errorf("receiver saw %q %d times, want %d (all: %v)", k, seen[k], n, seen)
		}
	}
	if len(seen) != 3 {
		t.Errorf("receiver saw %v", seen)
	}
}
