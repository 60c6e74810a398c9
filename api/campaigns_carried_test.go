package api_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/ducha/ducha/api"
	"github.com/ducha/ducha/testenv"
)

// TestNextRoundCarriesUnacceptedRequirements runs a national campaign over
// every province to completion with the rectifications left in every
// state, starts the next round and reads what each carried item lists:
// Guangdong (44) one requirement accepted and one rejected (the rejected
// one only); Guangxi (45) one answered and awaiting a decision; Hainan (46)
// one never answered; Beijing (11) all accepted and closed (carried not at
// all); every other province no requirement (carried with an empty list).
func TestNextRoundCarriesUnacceptedRequirements(t *testing.T) {
	t.Parallel()
	e := newResEnv(t, testenv.AppOptions{})
	provinces := e.regionCodes("0")
	c, b, ins := e.toFeedback(provinces...)
	due1 := e.Clock.Now().Add(60 * 24 * time.Hour).UTC()
	const (
		text1      = "建立与主要流出省份的双向协作机制"
		text2      = "完善流动人口婚育证明查验和信息通报制度"
		text3      = "落实免费技术服务"
		text4      = "健全流动人口信息共享平台"
		text5      = "开展流入人口计生服务专项检查"
		rejectWhy  = "未见信息通报的落实情况"
		gd, gx, hn = "44", "45", "46"
	)
	e.src.setRequirements(ins[gd].ID, req(8101, "IN07", text1, due1), req(8102, "IN09", text2, time.Time{}))
	e.src.setRequirements(ins[gx].ID, req(8201, "IN03", text3, due1))
	e.src.setRequirements(ins[hn].ID, req(8301, "", text4, time.Time{}))
	e.src.setRequirements(ins["11"].ID, req(8401, "IN01", text5, due1))
	for _, in := range ins {
		e.mustFire(e.admin(), "inspections", in.ID, "issue_feedback", nil)
	}
	for _, p := range []string{gd, gx, hn, "11"} {
		e.waitFeedback(ins[p].ID)
	}
	rect := func(p string) string { return campPath("inspections", ins[p].ID) + "/rectification" }
	insp := e.inspector()

	// Guangdong: 8101 accepted, 8102 rejected, sent back.
	e.Must(200, "PUT", rect(gd)+"/8101", e.coordinator(gd), map[string]any{"narrative": "已签订双向协作协议"})
	e.Must(200, "PUT", rect(gd)+"/8102", e.coordinator(gd), map[string]any{"narrative": "已印发查验制度"})
	e.mustFire(e.coordinator(gd), "inspections", ins[gd].ID, "submit_rectification", nil)
	e.Must(200, "POST", rect(gd)+"/8101/decision", insp, map[string]any{"accepted": true})
	e.Must(200, "POST", rect(gd)+"/8102/decision", insp, map[string]any{"accepted": false, "reason": rejectWhy})
	e.mustFire(e.admin(), "inspections", ins[gd].ID, "reject_rectification", map[string]any{"reason": "整改要求 8102 未通过"})
	// Guangxi: answered and submitted, no decision yet.
	e.Must(200, "PUT", rect(gx)+"/8201", e.coordinator(gx), map[string]any{"narrative": "已开展免费技术服务"})
	e.mustFire(e.coordinator(gx), "inspections", ins[gx].ID, "submit_rectification", nil)
	// Hainan: never answered. Beijing: accepted and closed.
	e.Must(200, "PUT", rect("11")+"/8401", e.coordinator("11"), map[string]any{"narrative": "已开展专项检查"})
	e.mustFire(e.coordinator("11"), "inspections", ins["11"].ID, "submit_rectification", nil)
	e.Must(200, "POST", rect("11")+"/8401/decision", insp, map[string]any{"accepted": true})
	if out := e.mustFire(e.admin(), "inspections", ins["11"].ID, "accept_rectification", nil); out["state"] != "closed" {
		t.Fatalf("Beijing after accept_rectification: %v", out)
	}
	// The due dates the rectification shows (the letter's for those that
	// name none) are the ones carried over.
	dueOf := map[int64]time.Time{}
	for _, p := range []string{gd, gx, hn} {
		var ro api.RectificationOut
		e.Must(200, "GET", rect(p), e.admin(), nil).JSON(t, &ro)
		for _, q := range ro.Requirements {
			if q.DueAt.IsZero() {
				t.Fatalf("%s: requirement %d has no due date", p, q.ID)
			}
			dueOf[q.ID] = q.DueAt
		}
	}
	if !dueOf[8101].Equal(due1) || dueOf[8102].Equal(due1) {
		t.Fatalf("due dates %v", dueOf)
	}

	e.mustFire(e.admin(), "batches", b.ID, "publish_bulletin", nil)
	if st := e.campaign(e.admin(), c.ID).State; st != "completed" {
		t.Fatalf("campaign is %s after the bulletin", st)
	}
	var next api.CampaignOut
	e.Must(201, "POST", campPath("campaigns", c.ID)+"/next-round", e.admin(), nil).JSON(t, &next)

	list := func() map[string]api.CarriedItemOut {
		t.Helper()
		var l api.List[api.CarriedItemOut]
		e.Must(200, "GET", campPath("campaigns", next.ID)+"/carried-items?limit=500", e.admin(), nil).JSON(t, &l)
		out := map[string]api.CarriedItemOut{}
		for _, it := range l.Items {
			out[it.RegionCode] = it
		}
		return out
	}
	items := list()
	if len(items) != len(provinces)-1 {
		t.Fatalf("%d carried items, want %d (all but Beijing)", len(items), len(provinces)-1)
	}
	if _, ok := items["11"]; ok {
		t.Errorf("closed Beijing carried: %+v", items["11"])
	}
	type want struct {
		id             int64
		code, text     string
		answer, reason string
	}
	check := func(p string, ws ...want) {
		t.Helper()
		it, ok := items[p]
		if !ok {
			t.Fatalf("%s not carried", p)
		}
		if it.FromInspectionID != ins[p].ID || it.State != "open" || it.FromCampaignID != c.ID {
			t.Errorf("%s: carried item %+v", p, it)
		}
		if len(it.Requirements) != len(ws) {
			t.Fatalf("%s: carried requirements %+v, want %d", p, it.Requirements, len(ws))
		}
		for i, w := range ws {
			q := it.Requirements[i]
			if q.ID != w.id || q.IndicatorCode != w.code || q.Text != w.text || q.Answer != w.answer || q.Reason != w.reason ||
				q.DueAt == nil || !q.DueAt.Equal(dueOf[w.id]) {
				t.Errorf("%s: carried requirement %+v (due %v), want %+v due %v", p, q, q.DueAt, w, dueOf[w.id])
			}
		}
	}
	check(gd, want{8102, "IN09", text2, "rejected", rejectWhy})
	check(gx, want{8201, "IN03", text3, "answered", ""})
	check(hn, want{8301, "", text4, "none", ""})
	for _, p := range provinces {
		switch p {
		case gd, gx, hn, "11":
			continue
		}
		check(p)
	}

	// On the wire: an empty list is [], never null.
	raw := e.Must(200, "GET", campPath("campaigns", next.ID)+"/carried-items?limit=500", e.admin(), nil).Body
	var wire struct {
		Items []map[string]json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(raw, &wire); err != nil {
		t.Fatal(err)
	}
	for _, it := range wire.Items {
		if r, ok := it["requirements"]; !ok || string(r) == "null" {
			t.Fatalf("carried item without a requirements list: %s", raw)
		}
	}

	// The list is what stood when the round started: deciding Guangxi's
	// answer afterwards does not change it.
	e.Must(200, "POST", rect(gx)+"/8201/decision", insp, map[string]any{"accepted": true})
	items = list()
	check(gx, want{8201, "IN03", text3, "answered", ""})

	// The audit of the new campaign counts them.
	created := false
	for _, a := range e.audit("campaign", next.ID) {
		if a["event"] == "create" {
			created = true
			d, _ := a["detail"].(map[string]any)
			if d["carried_items"] != float64(len(provinces)-1) || d["carried_requirements"] != float64(3) {
				t.Errorf("audit detail %v", d)
			}
		}
	}
	if !created {
		t.Errorf("the next round's creation is not audited")
	}
}
