package api_test

import (
	"slices"
	"testing"

	"github.com/ducha/ducha/api"
	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/testenv"
)

// runCampaign drives a campaign from creation to completion: batches that
// cover its scope, launch, self-check by the inspected regions, review,
// feedback, bulletin. answerer returns the token of whoever answers for an
// inspected region; manager manages the campaign; reviewer reviews. It
// returns the campaign's inspections.
func runCampaign(t *testing.T, e *campEnv, c api.CampaignOut, scope []string, nBatches int,
	manager, reviewer string, answerer func(region string) string) []api.InspectionOut {
	t.Helper()
	cv := e.coverage(manager, c.ID)
	if cv["complete"] != false || len(cv["unscheduled"].([]any)) != len(scope) {
		t.Fatalf("coverage before any batch: %v, want %d unscheduled", cv, len(scope))
	}
	var batches []api.BatchOut
	for i, part := range campSplit(scope, nBatches) {
		batches = append(batches, e.createBatch(manager, c.ID, e.batchBody("batch "+string(rune('A'+i)), part)))
	}
	cv = e.coverage(manager, c.ID)
	if cv["complete"] != true || len(cv["unscheduled"].([]any)) != 0 || len(cv["duplicated"].([]any)) != 0 {
		t.Fatalf("coverage after scheduling everything: %v", cv)
	}
	for i, b := range batches {
		out := e.mustFire(manager, "batches", b.ID, "launch", nil)
		if out["state"] != "self_check" {
			t.Fatalf("launched batch: %v", out)
		}
		if got := e.campaign(manager, c.ID).State; got != "active" {
			t.Fatalf("after launch %d the campaign is %s, want active", i, got)
		}
	}
	for bi, b := range batches {
		ins := e.inspections(manager, "batch_id="+campItoa(b.ID))
		if len(ins) != len(b.RegionCodes) {
			t.Fatalf("batch %d has %d inspections, want %d", b.ID, len(ins), len(b.RegionCodes))
		}
		// Review cannot start before every self-check is in (nor feedback, nor the bulletin).
		r := e.fire(manager, "batches", b.ID, "start_site_review", nil)
		if r.Status != 422 || len(r.Map(t)["holdouts"].([]any)) != len(ins) {
			t.Fatalf("start_site_review with no self-check in: %d %s", r.Status, r.Body)
		}
		for _, in := range ins {
			if in.State != "self_check" {
				t.Fatalf("inspection %d is %s after launch", in.ID, in.State)
			}
			e.mustFire(answerer(in.RegionCode), "inspections", in.ID, "submit_self_check", nil)
		}
		e.mustFire(manager, "batches", b.ID, "start_site_review", nil)
		for _, in := range ins {
			e.mustFire(reviewer, "inspections", in.ID, "begin_review", nil)
		}
		if r := e.fire(manager, "batches", b.ID, "start_feedback", nil); r.Status != 422 {
			t.Fatalf("start_feedback with reviews open: %d %s", r.Status, r.Body)
		}
		for _, in := range ins {
			e.mustFire(reviewer, "inspections", in.ID, "complete_review", nil)
		}
		e.mustFire(manager, "batches", b.ID, "start_feedback", nil)
		for _, in := range ins {
			e.mustFire(manager, "inspections", in.ID, "issue_feedback", nil)
		}
		if got := e.campaign(manager, c.ID).State; got != "active" {
			t.Fatalf("before the last bulletin the campaign is %s", got)
		}
		out := e.mustFire(manager, "batches", b.ID, "publish_bulletin", nil)
		if out["state"] != "bulletined" {
			t.Fatalf("bulletin: %v", out)
		}
		want := domain.State("active")
		if bi == len(batches)-1 {
			want = "completed"
		}
		if got := e.campaign(manager, c.ID).State; got != want {
			t.Fatalf("after bulletin %d the campaign is %s, want %s", bi, got, want)
		}
	}
	all := e.inspections(manager, "campaign_id="+campItoa(c.ID))
	var regions []string
	for _, in := range all {
		regions = append(regions, in.RegionCode)
		if in.State != "feedback_issued" {
			t.Errorf("inspection %d of %s ends in %s", in.ID, in.RegionCode, in.State)
		}
	}
	slices.Sort(regions)
	if !slices.Equal(regions, scope) {
		t.Errorf("inspected %d regions, want the %d in scope", len(regions), len(scope))
	}
	// The campaign's audit trail: created, activated by the first launch,
	// completed by the last bulletin.
	var events []string
	for _, a := range e.audit("campaign", c.ID) {
		events = append(events, a["event"].(string))
	}
	if !slices.Equal(events, []string{"create", "activate", "complete"}) {
		t.Errorf("campaign audit events %v", events)
	}
	return all
}

func TestCampaignNationalEndToEnd(t *testing.T) {
	e := newCampEnv(t, testenv.AppOptions{})
	c := e.createCampaign(e.admin(), e.campaignBody("2026–2028 全国督查", "0", 2026, 2028))
	if c.State != "planning" || c.Version != 1 || c.Round != 1 {
		t.Fatalf("new campaign %+v", c)
	}
	provinces := e.regionCodes("0")
	if len(provinces) != 31 {
		t.Fatalf("%d provinces", len(provinces))
	}
	ins := runCampaign(t, e, c, provinces, 3, e.admin(), e.inspector(), e.coordinator)

	// Rectification: a few provinces answer and are accepted, one is
	// rejected once; the rest stay open and carry over to the next round.
	closed := map[int64]bool{}
	for i, in := range ins[:5] {
		e.mustFire(e.coordinator(in.RegionCode), "inspections", in.ID, "submit_rectification", nil)
		if i == 0 {
			e.mustFire(e.admin(), "inspections", in.ID, "reject_rectification", map[string]any{"reason": "整改不到位"})
			continue
		}
		e.mustFire(e.admin(), "inspections", in.ID, "accept_rectification", nil)
		closed[in.ID] = true
	}
	var next api.CampaignOut
	e.Must(201, "POST", campPath("campaigns", c.ID)+"/next-round", e.admin(), nil).JSON(t, &next)
	if next.State != "planning" || next.RegionCode != "0" || next.StartYear != 2029 || next.EndYear != 2031 ||
		next.Round != 2 || next.PreviousID == nil || *next.PreviousID != c.ID ||
		next.InflowSetID != c.InflowSetID || next.OutflowSetID != c.OutflowSetID {
		t.Fatalf("next round %+v", next)
	}
	var items api.List[api.CarriedItemOut]
	e.Must(200, "GET", campPath("campaigns", next.ID)+"/carried-items?limit=500", e.admin(), nil).JSON(t, &items)
	if len(items.Items) != len(ins)-len(closed) {
		t.Fatalf("%d carried items, want %d", len(items.Items), len(ins)-len(closed))
	}
	for _, it := range items.Items {
		// Nothing was reviewed with requirements: each item carries an empty list.
		if closed[it.FromInspectionID] || it.State != "open" || it.FromCampaignID != c.ID ||
			it.Requirements == nil || len(it.Requirements) != 0 {
			t.Errorf("carried item %+v", it)
		}
	}
	// One next round per campaign.
	e.Must(409, "POST", campPath("campaigns", c.ID)+"/next-round", e.admin(), nil)
}

func TestCampaignProvincialEndToEnd(t *testing.T) {
	e := newCampEnv(t, testenv.AppOptions{})
	gd := e.coordinator("44")
	c := e.createCampaign(gd, e.campaignBody("广东省流动人口计生督查", "44", 2026, 2026))
	counties := e.counties("44")
	slices.Sort(counties)
	if len(counties) < 100 {
		t.Fatalf("Guangdong has %d counties?", len(counties))
	}
	// Each prefecture's officer answers for its counties.
	answerer := func(county string) string {
		return e.user("pref"+county[:4], "prefecture_officer", county[:4])
	}
	runCampaign(t, e, c, counties, 4, gd, gd, answerer)

	// Nothing of it is visible to another province.
	gx := e.coordinator("45")
	e.Must(403, "GET", campPath("campaigns", c.ID), gx, nil)
	if got := e.inspections(gx, "campaign_id="+campItoa(c.ID)); len(got) != 0 {
		t.Errorf("Guangxi sees %d of Guangdong's inspections", len(got))
	}
}
