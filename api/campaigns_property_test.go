package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/ducha/ducha/app"
	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/testenv"
)

// TestCampaignMachinesProperty drives random sequences of events, fired by
// random users, over a national campaign with three batches (one of which
// schedules a region twice) and their inspections, through the API. After
// every request it reads everything back and checks that:
//   - every state reached is a state of its machine, and every change of
//     state is a row of the machine's table, with the version one up;
//   - an applied event moved its target exactly as the table says;
//   - every refusal is 403, 409, 412 or 422 (never 500) and changes nothing;
//     a 409 for an illegal event lists the events allowed in the state; a
//     412 happens only to a stale If-Match;
//   - a batch never runs ahead of its inspections, nor an inspection ahead
//     of its batch.
func TestCampaignMachinesProperty(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	e := newCampEnv(t, testenv.AppOptions{NoWorker: true, Clock: testenv.NewClock(t0),
		Config: func(c *app.Config) { c.TokenTTL = 100000 * time.Hour }})
	users := map[string]string{
		"admin": e.admin(), "inspector": e.inspector(),
		"coord11": e.coordinator("11"), "coord12": e.coordinator("12"), "coord13": e.coordinator("13"),
		"coord44": e.coordinator("44"), "viewer": e.user("viewer", "viewer", "0"),
		"pref1101":     e.user("pref1101", "prefecture_officer", "1101"),
		"county110101": e.user("county110101", "county_officer", "110101"),
	}
	names := make([]string, 0, len(users))
	for n := range users {
		names = append(names, n)
	}
	slices.Sort(names)
	machines := map[string]domain.Machine{"campaigns": domain.CampaignMachine(), "batches": domain.BatchMachine(),
		"inspections": domain.InspectionMachine()}
	// Who is on the right side of an inspection event.
	rightActor := func(kind string, ev domain.Event, region string) string {
		switch kind {
		case "inspections":
			switch eventSideName(ev) {
			case "inspected":
				return "coord" + region
			case "reviewer":
				return "inspector"
			}
		}
		return "admin"
	}
	var stats struct{ steps, applied int }
	reached := map[string]map[domain.State]bool{"campaigns": {}, "batches": {}, "inspections": {}}
	statuses := map[int]int{}

	rapid.Check(t, func(rt *rapid.T) {
		e.Clock.Set(t0)
		c := e.createCampaign(e.admin(), e.campaignBody("property", "0", 2026, 2028))
		for _, regions := range [][]string{{"11", "12"}, {"13"}, {"12"}} {
			e.createBatch(e.admin(), c.ID, e.batchBody("b", regions))
		}
		prev := campSnap(rt, e, c.ID)
		steps := rapid.IntRange(1, 120).Draw(rt, "steps")
		for range steps {
			stats.steps++
			if rapid.IntRange(0, 40).Draw(rt, "advance") == 40 {
				// Past every batch's self-check deadline.
				e.Clock.Set(t0.Add(31 * 24 * time.Hour))
				continue
			}
			// Mostly guided: an event some role may fire in the target's
			// state, by whoever should fire it. Sometimes wild: any event on
			// anything, by anyone.
			type move struct {
				kind string
				id   int64
				ev   domain.Event
			}
			var moves []move
			// Cancelling ends most of the story: keep it rare.
			cancels := rapid.IntRange(0, 9).Draw(rt, "allow cancel") == 9
			for _, k := range []string{"campaigns", "batches", "inspections"} {
				for _, x := range prev.list(k) {
					for _, tr := range machines[k].Transitions {
						if tr.Event == "cancel" && !cancels {
							continue
						}
						if tr.From == x.State && len(tr.Roles) > 0 && !slices.Contains(moves, move{k, x.ID, tr.Event}) {
							moves = append(moves, move{k, x.ID, tr.Event})
						}
					}
				}
			}
			if len(moves) == 0 && !cancels {
				break // nothing left to do but refusals
			}
			var mv move
			guided := len(moves) > 0 && rapid.IntRange(0, 19).Draw(rt, "guided") < 17
			if guided {
				mv = rapid.SampledFrom(moves).Draw(rt, "move")
			} else {
				mv.kind = rapid.SampledFrom([]string{"campaigns", "batches", "inspections"}).Draw(rt, "kind")
				ids := prev.ids(mv.kind)
				if len(ids) == 0 {
					continue
				}
				mv.id = rapid.SampledFrom(ids).Draw(rt, "id")
				mv.ev = rapid.SampledFrom(append(machines[mv.kind].Events(), "bogus")).Draw(rt, "any event")
			}
			kind, id, ev := mv.kind, mv.id, mv.ev
			cur := prev.get(kind, id)
			m := machines[kind]
			actor := rightActor(kind, ev, cur.Region)
			if !guided || rapid.IntRange(0, 9).Draw(rt, "random actor") == 9 {
				actor = rapid.SampledFrom(names).Draw(rt, "actor")
			}
			extra := map[string]any{}
			if rapid.IntRange(0, 9).Draw(rt, "reason") < 8 {
				extra["reason"] = "理由"
			}
			force := kind == "batches" && rapid.IntRange(0, 19).Draw(rt, "force") == 19
			if ev == domain.BatchStartSiteReview && kind == "batches" {
				force = rapid.Bool().Draw(rt, "force start_site_review")
			}
			if force {
				extra["force"] = true
			}
			stale := false
			// rapid favours small numbers: the common cases get them.
			switch rapid.IntRange(0, 9).Draw(rt, "if-match") {
			case 8:
				extra["if_match"] = fmt.Sprintf(`"%d"`, cur.Version)
			case 9:
				extra["if_match"] = fmt.Sprintf(`"%d"`, cur.Version+rapid.SampledFrom([]int{-1, 1, 5}).Draw(rt, "off"))
				stale = true
			}
			r := e.fire(users[actor], kind, id, string(ev), extra)
			statuses[r.Status]++
			next := campSnap(rt, e, c.ID)
			what := fmt.Sprintf("%s fires %s on %s %d (%s v%d) %v", actor, ev, kind, id, cur.State, cur.Version, extra)

			// Every state is in its table; every change is a row, one version up.
			next.check(rt, prev, machines)
			switch r.Status {
			case 200:
				stats.applied++
				var out struct {
					State   domain.State `json:"state"`
					Version int          `json:"version"`
				}
				if err := json.Unmarshal(r.Body, &out); err != nil {
					rt.Fatal(err)
				}
				branch := ""
				if force {
					branch = domain.BranchForced
				}
				row, err := m.Next(cur.State, ev, branch)
				if err != nil {
					rt.Fatalf("%s: applied, but the table has no such row: %v", what, err)
				}
				if stale {
					rt.Fatalf("%s: applied with a stale If-Match", what)
				}
				got := next.get(kind, id)
				if out.State != row.To || got.State != row.To || out.Version != cur.Version+1 || got.Version != out.Version {
					rt.Fatalf("%s: answered %s v%d, stored %s v%d; want %s v%d", what, out.State, out.Version,
						got.State, got.Version, row.To, cur.Version+1)
				}
				if kind == "batches" && ev == domain.BatchStartSiteReview && !force {
					for _, in := range prev.inspections {
						if in.Batch == id && !domain.InspectionAtLeast(in.State, domain.InspectionSelfCheckSubmitted) {
							rt.Fatalf("%s: moved to site review with inspection %d in %s", what, in.ID, in.State)
						}
					}
				}
			case 403, 409, 412, 422:
				if !next.equal(prev) {
					rt.Fatalf("%s: refused with %d but changed data: %s", what, r.Status, r.Body)
				}
				var p map[string]any
				if err := json.Unmarshal(r.Body, &p); err != nil {
					rt.Fatalf("%s: %d with a body that is not JSON: %s", what, r.Status, r.Body)
				}
				if r.Status == 412 && !stale {
					rt.Fatalf("%s: 412 without a stale If-Match: %s", what, r.Body)
				}
				if p["type"] == "urn:ducha:problem:illegal_transition" {
					var got []string
					for _, a := range p["allowed_events"].([]any) {
						got = append(got, a.(string))
					}
					want := eventsStrings(m.Allowed(cur.State))
					if !slices.Equal(got, want) {
						rt.Fatalf("%s: allowed_events %v, want %v", what, got, want)
					}
					if slices.Contains(m.Allowed(cur.State), ev) {
						rt.Fatalf("%s: illegal, but the table allows it", what)
					}
				}
			default:
				rt.Fatalf("%s: status %d: %s", what, r.Status, r.Body)
			}
			next.checkOrder(rt, what)
			for _, k := range []string{"campaigns", "batches", "inspections"} {
				for _, x := range next.list(k) {
					reached[k][x.State] = true
				}
			}
			prev = next
		}
	})
	t.Logf("%d steps, %d applied; answers by status %v", stats.steps, stats.applied, statuses)
	for k, m := range machines {
		var got []string
		for _, st := range m.States {
			if reached[k][st] {
				got = append(got, string(st))
			}
		}
		t.Logf("%s states reached: %v", k, got)
	}
}

func eventSideName(ev domain.Event) string {
	switch ev {
	case domain.InspectionSubmitSelfCheck, domain.InspectionSubmitRectification:
		return "inspected"
	case domain.InspectionBeginReview, domain.InspectionReturn, domain.InspectionCompleteReview:
		return "reviewer"
	}
	return "manager"
}

func eventsStrings(es []domain.Event) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, string(e))
	}
	return out
}

type campEntity struct {
	ID      int64
	State   domain.State
	Version int
	Region  string
	Batch   int64 // inspections
	Regions int   // batches: how many regions
}

// campSnapshot is everything of one campaign, read straight from the store.
type campSnapshot struct {
	campaign    campEntity
	batches     []campEntity
	inspections []campEntity
}

func campSnap(t interface{ Fatal(...any) }, e *campEnv, id int64) campSnapshot {
	read := e.Store.Read(context.Background())
	c, err := read.Campaign(id, false)
	if err != nil {
		t.Fatal(err)
	}
	s := campSnapshot{campaign: campEntity{ID: c.ID, State: c.State, Version: c.Version, Region: c.RegionCode}}
	bs, err := read.CampaignBatches(id)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bs {
		s.batches = append(s.batches, campEntity{ID: b.ID, State: b.State, Version: b.Version, Regions: len(b.RegionCodes)})
	}
	ins, err := read.CampaignInspections(id)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range ins {
		s.inspections = append(s.inspections, campEntity{ID: in.ID, State: in.State, Version: in.Version,
			Region: in.RegionCode, Batch: in.BatchID})
	}
	return s
}

func (s campSnapshot) list(kind string) []campEntity {
	switch kind {
	case "campaigns":
		return []campEntity{s.campaign}
	case "batches":
		return s.batches
	}
	return s.inspections
}

func (s campSnapshot) ids(kind string) []int64 {
	var out []int64
	for _, x := range s.list(kind) {
		out = append(out, x.ID)
	}
	return out
}

func (s campSnapshot) get(kind string, id int64) campEntity {
	for _, x := range s.list(kind) {
		if x.ID == id {
			return x
		}
	}
	return campEntity{}
}

func (s campSnapshot) equal(o campSnapshot) bool {
	return s.campaign == o.campaign && slices.Equal(s.batches, o.batches) && slices.Equal(s.inspections, o.inspections)
}

// check compares s with the snapshot before: every state is in its table,
// and every change of state is one row of the table with the version one up.
func (s campSnapshot) check(t *rapid.T, prev campSnapshot, machines map[string]domain.Machine) {
	for _, kind := range []string{"campaigns", "batches", "inspections"} {
		m := machines[kind]
		for _, x := range s.list(kind) {
			if !m.HasState(x.State) {
				t.Fatalf("%s %d is in %q, not a state of the table", kind, x.ID, x.State)
			}
			before := prev.get(kind, x.ID)
			if before.ID == 0 {
				// Inspections are born at launch: planned, then opened.
				if kind != "inspections" || x.State != domain.InspectionSelfCheck || x.Version != 2 {
					t.Fatalf("new %s %d in %s v%d", kind, x.ID, x.State, x.Version)
				}
				continue
			}
			if before.State == x.State {
				if before.Version != x.Version {
					t.Fatalf("%s %d: version %d → %d without a change of state", kind, x.ID, before.Version, x.Version)
				}
				continue
			}
			if x.Version != before.Version+1 {
				t.Fatalf("%s %d: %s v%d → %s v%d", kind, x.ID, before.State, before.Version, x.State, x.Version)
			}
			row := false
			for _, tr := range m.Transitions {
				row = row || (tr.From == before.State && tr.To == x.State)
			}
			if !row {
				t.Fatalf("%s %d moved %s → %s, which no row of the table does", kind, x.ID, before.State, x.State)
			}
		}
	}
}

// checkOrder checks that no batch runs ahead of its inspections and no
// inspection ahead of its batch.
func (s campSnapshot) checkOrder(t *rapid.T, what string) {
	launched := false
	for _, b := range s.batches {
		var ins []campEntity
		for _, in := range s.inspections {
			if in.Batch == b.ID {
				ins = append(ins, in)
			}
		}
		switch b.State {
		case domain.BatchPlanning, domain.BatchCancelled:
			if len(ins) != 0 {
				t.Fatalf("%s: batch %d in %s has %d inspections", what, b.ID, b.State, len(ins))
			}
			continue
		}
		launched = true
		if len(ins) != b.Regions {
			t.Fatalf("%s: batch %d has %d inspections for %d regions", what, b.ID, len(ins), b.Regions)
		}
		for _, in := range ins {
			var min domain.State
			switch b.State {
			case domain.BatchFeedback:
				min = domain.InspectionReviewed
			case domain.BatchBulletined:
				min = domain.InspectionFeedbackIssued
			}
			if min != "" && !domain.InspectionAtLeast(in.State, min) {
				t.Fatalf("%s: batch %d is in %s ahead of inspection %d in %s", what, b.ID, b.State, in.ID, in.State)
			}
			// An inspection is reviewed only in site review or later, gets
			// its feedback only in feedback or later.
			var need []domain.State
			switch {
			case domain.InspectionAtLeast(in.State, domain.InspectionFeedbackIssued):
				need = []domain.State{domain.BatchFeedback, domain.BatchBulletined}
			case domain.InspectionAtLeast(in.State, domain.InspectionSiteReview):
				need = []domain.State{domain.BatchSiteReview, domain.BatchFeedback, domain.BatchBulletined}
			}
			if need != nil && !slices.Contains(need, b.State) {
				t.Fatalf("%s: inspection %d in %s is ahead of its batch %d in %s", what, in.ID, in.State, b.ID, b.State)
			}
		}
	}
	// The campaign is active exactly when a batch has launched (it cannot
	// complete here: three batches do not cover 31 provinces).
	if want := launched; (s.campaign.State == domain.CampaignActive) != want && s.campaign.State != domain.CampaignCancelled {
		t.Fatalf("%s: campaign %s with a batch launched: %v", what, s.campaign.State, launched)
	}
}
