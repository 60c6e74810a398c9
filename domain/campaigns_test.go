package domain_test

import (
	"slices"
	"testing"
	"time"

	"github.com/ducha/ducha/domain"
)

func TestPhaseDone(t *testing.T) {
	// For each phase, the inspection states in which its work is done.
	done := map[domain.Phase][]domain.State{
		domain.PhaseSelfCheck: {domain.InspectionSelfCheckSubmitted, domain.InspectionSiteReview,
			domain.InspectionReviewed, domain.InspectionFeedbackIssued, domain.InspectionRectificationSubmitted,
			domain.InspectionClosed, domain.InspectionCancelled},
		domain.PhaseSiteReview: {domain.InspectionReviewed, domain.InspectionFeedbackIssued,
			domain.InspectionRectificationSubmitted, domain.InspectionClosed, domain.InspectionCancelled},
		domain.PhaseFeedback: {domain.InspectionFeedbackIssued, domain.InspectionRectificationSubmitted,
			domain.InspectionClosed, domain.InspectionCancelled},
	}
	for _, p := range domain.Phases {
		for _, s := range domain.InspectionMachine().States {
			if got, want := domain.PhaseDone(p, s), slices.Contains(done[p], s); got != want {
				t.Errorf("PhaseDone(%s, %s) = %v, want %v", p, s, got, want)
			}
		}
	}
}

func TestOverdue(t *testing.T) {
	t0 := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	d := domain.Deadlines{SelfCheck: t0, SiteReview: t0.AddDate(0, 1, 0), Feedback: t0.AddDate(0, 2, 0)}
	for _, c := range []struct {
		state domain.State
		now   time.Time
		want  domain.Phase
	}{
		{domain.InspectionSelfCheck, t0.Add(-time.Second), ""},
		{domain.InspectionSelfCheck, t0, domain.PhaseSelfCheck}, // at the deadline it is overdue
		{domain.InspectionSelfCheckSubmitted, t0.Add(time.Hour), ""},
		{domain.InspectionSelfCheck, d.SiteReview, domain.PhaseSiteReview}, // the latest phase missed
		{domain.InspectionSiteReview, d.SiteReview.Add(time.Hour), domain.PhaseSiteReview},
		{domain.InspectionReviewed, d.SiteReview.Add(time.Hour), ""},
		{domain.InspectionReviewed, d.Feedback, domain.PhaseFeedback},
		{domain.InspectionFeedbackIssued, d.Feedback.AddDate(1, 0, 0), ""},
		{domain.InspectionCancelled, d.Feedback.AddDate(1, 0, 0), ""},
	} {
		p, since := domain.Overdue(c.state, d, c.now)
		if p != c.want {
			t.Errorf("Overdue(%s, %v) = %q, want %q", c.state, c.now, p, c.want)
		}
		if p != "" && (since == nil || !since.Equal(d.Due(p))) {
			t.Errorf("Overdue(%s, %v) since %v, want %v", c.state, c.now, since, d.Due(p))
		}
		if p == "" && since != nil {
			t.Errorf("Overdue(%s, %v) since %v with no phase", c.state, c.now, since)
		}
	}
}

func TestHoldouts(t *testing.T) {
	ins := []domain.Inspection{
		{ID: 1, RegionCode: "11", State: domain.InspectionSelfCheck},
		{ID: 2, RegionCode: "12", State: domain.InspectionSelfCheckSubmitted},
		{ID: 3, RegionCode: "13", State: domain.InspectionReviewed},
		{ID: 4, RegionCode: "14", State: domain.InspectionCancelled},
	}
	ids := func(hs []domain.Holdout) []int64 {
		out := []int64{}
		for _, h := range hs {
			out = append(out, h.InspectionID)
		}
		return out
	}
	for _, c := range []struct {
		ev   domain.Event
		want []int64
	}{
		{domain.BatchStartSiteReview, []int64{1}},
		{domain.BatchStartFeedback, []int64{1, 2}},
		{domain.BatchPublishBulletin, []int64{1, 2, 3}},
	} {
		min, ok := domain.BatchNeeds(c.ev)
		if !ok {
			t.Fatalf("BatchNeeds(%s) = false", c.ev)
		}
		if got := ids(domain.Holdouts(ins, min)); !slices.Equal(got, c.want) {
			t.Errorf("%s: holdouts %v, want %v", c.ev, got, c.want)
		}
	}
	for _, ev := range []domain.Event{domain.BatchLaunch, domain.BatchCancel} {
		if _, ok := domain.BatchNeeds(ev); ok {
			t.Errorf("BatchNeeds(%s) = true", ev)
		}
	}
}

func TestComputeCoverage(t *testing.T) {
	scope := []string{"11", "12", "13", "14"}
	for _, c := range []struct {
		name       string
		batches    [][]string
		complete   bool
		unsched    []string
		duplicated []string
	}{
		{"none", nil, false, []string{"11", "12", "13", "14"}, []string{}},
		{"exact", [][]string{{"12", "11"}, {"14", "13"}}, true, []string{}, []string{}},
		{"gap and twice", [][]string{{"11", "12"}, {"12", "14"}}, false, []string{"13"}, []string{"12"}},
	} {
		cv := domain.ComputeCoverage(scope, c.batches)
		if cv.Complete != c.complete || !slices.Equal(cv.Unscheduled, c.unsched) || !slices.Equal(cv.Duplicated, c.duplicated) {
			t.Errorf("%s: %+v", c.name, cv)
		}
		if cv.Total != 4 || cv.Scheduled != 4-len(c.unsched) {
			t.Errorf("%s: total %d scheduled %d", c.name, cv.Total, cv.Scheduled)
		}
	}
}

func TestYearOfReadsChinaTime(t *testing.T) {
	ts := time.Date(2026, 12, 31, 16, 0, 0, 0, time.UTC) // 2027-01-01 00:00 in Beijing
	if y := domain.YearOf(ts); y != 2027 {
		t.Errorf("YearOf(%v) = %d, want 2027", ts, y)
	}
}
