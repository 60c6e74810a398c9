package api_test

import (
	"testing"

	"github.com/ducha/ducha/api"
	"github.com/ducha/ducha/testenv"
)

// derive makes a region's draft of a published set, sets targets on one
// indicator, and publishes it unless draft is true; it returns the set's id.
func (e *campEnv) derive(token string, parent int64, region, indicator string, targets map[string]float64, draft bool) int64 {
	e.t.Helper()
	var s api.SetSummary
	e.Must(201, "POST", "/api/v1/indicator-sets", token,
		map[string]any{"parent_id": parent, "region_code": region, "name": "derived " + region}).JSON(e.t, &s)
	if len(targets) > 0 {
		e.Must(200, "PATCH", campPath("indicator-sets", s.ID)+"/indicators/"+indicator, token,
			map[string]any{"targets": targets})
	}
	if !draft {
		e.Must(200, "POST", campPath("indicator-sets", s.ID)+"/publish", token, nil)
	}
	return s.ID
}

// TestCampaignSetsAndTargets pins sets and checks targets on the real
// catalogue: published sets of the right kind, of the campaign's region or
// above it, and targets no stricter than the sets allow (不得层层加码).
func TestCampaignSetsAndTargets(t *testing.T) {
	e := newCampEnv(t, testenv.AppOptions{})
	in, out := e.sets()
	gd, gx := e.coordinator("44"), e.coordinator("45")
	// Guangdong's own sets: 90 % for IN14a (higher is better), at most 5 %
	// for OUT15b (查无此人率, lower is better).
	gdIn := e.derive(gd, in, "44", "IN14", map[string]float64{"IN14a": 90}, false)
	gdOut := e.derive(gd, out, "44", "OUT15", map[string]float64{"OUT15b": 5}, false)
	gdDraft := e.derive(gd, in, "44", "", nil, true)
	gxIn := e.derive(gx, in, "45", "", nil, false)
	gxDraft := e.derive(gx, in, "45", "", nil, true)

	body := func(inID, outID int64, targets map[string]float64) map[string]any {
		b := e.campaignBody("sets", "44", 2026, 2026)
		b["inflow_set_id"], b["outflow_set_id"] = inID, outID
		if targets != nil {
			b["targets"] = targets
		}
		return b
	}
	// 201: the national sets, or the province's own, with targets as strict
	// as the sets allow and no stricter.
	e.createCampaign(gd, body(in, out, map[string]float64{"IN14a": 99, "OUT15b": 0}))
	c := e.createCampaign(gd, body(gdIn, gdOut, map[string]float64{"IN14a": 90, "IN15a": 80, "OUT15b": 5, "OUT12a": 70}))
	if c.InflowSetID != gdIn || c.OutflowSetID != gdOut || c.Targets["IN14a"] != 90 || len(c.Targets) != 4 {
		t.Errorf("created %+v", c)
	}
	e.createCampaign(gd, body(gdIn, out, map[string]float64{"IN14a": 85}))

	for _, tc := range []struct {
		what   string
		token  string
		body   map[string]any
		fields []string
	}{
		{"no such set", gd, body(999, 998, nil), []string{"body.inflow_set_id", "body.outflow_set_id"}},
		{"kinds swapped", gd, body(out, in, nil), []string{"body.inflow_set_id", "body.outflow_set_id"}},
		{"a draft", gd, body(gdDraft, out, nil), []string{"body.inflow_set_id"}},
		{"another province's set", gd, body(gxIn, out, nil), []string{"body.inflow_set_id"}},
		{"another province's draft", gd, body(gxDraft, out, nil), []string{"body.inflow_set_id"}},
		{"a province's set in a national campaign", e.admin(), func() map[string]any {
			b := e.campaignBody("x", "0", 2026, 2028)
			b["inflow_set_id"] = gdIn
			return b
		}(), []string{"body.inflow_set_id"}},
		{"higher-is-better target piled on", gd, body(gdIn, gdOut, map[string]float64{"IN14a": 95}),
			[]string{"body.targets.IN14a"}},
		{"lower-is-better target piled on", gd, body(gdIn, gdOut, map[string]float64{"OUT15b": 3}),
			[]string{"body.targets.OUT15b"}},
		{"every offence named", gd, body(gdIn, gdOut, map[string]float64{"IN14a": 91, "OUT15b": 4.5, "IN99z": 1, "IN15a": 101}),
			[]string{"body.targets.IN14a", "body.targets.OUT15b", "body.targets.IN99z", "body.targets.IN15a"}},
		{"not a measure", gd, body(in, out, map[string]float64{"IN01a": 50}), []string{"body.targets.IN01a"}},
		{"negative target", gd, body(in, out, map[string]float64{"IN14a": -1}), []string{"body.targets.IN14a"}},
	} {
		p := campProblem(t, tc.what, e.Do("POST", "/api/v1/campaigns", tc.token, tc.body), 422)
		for _, loc := range tc.fields {
			if p != nil && !campHasField(p, loc) {
				t.Errorf("%s: no error at %s: %v", tc.what, loc, p["errors"])
			}
		}
		if tc.what == "higher-is-better target piled on" && p != nil {
			vs, _ := p["violations"].([]any)
			if len(vs) != 1 {
				t.Fatalf("%s: violations %v", tc.what, p["violations"])
			}
			v := vs[0].(map[string]any)
			if v["measure"] != "IN14a" || v["target"] != float64(95) || v["parent_target"] != float64(90) {
				t.Errorf("%s: violation %v", tc.what, v)
			}
		}
	}
	var l api.List[api.CampaignOut]
	e.Must(200, "GET", "/api/v1/campaigns", gd, nil).JSON(t, &l)
	if len(l.Items) != 3 {
		t.Errorf("%d campaigns after the refusals, want the 3 created", len(l.Items))
	}
}
