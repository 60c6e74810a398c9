package store_test

import (
	"context"
	"testing"

	"github.com/ducha/ducha/catalogue"
	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/store"
	"github.com/ducha/ducha/testenv"
)

// AnswerFiguresOf must give scoring exactly what AnswersOf gives, in the
// same order: it only leaves out what scoring does not read.
func TestAnswerFiguresOfMatchesAnswersOf(t *testing.T) {
	s := testenv.Store(t)
	err := s.Tx(context.Background(), func(tx *store.Tx) error {
		u, err := tx.CreateUser(store.User{Username: "a", PasswordHash: "x", Role: domain.RoleNationalAdmin,
			RegionCode: domain.NationCode}, 0, t0)
		if err != nil {
			return err
		}
		in, err := tx.IndicatorSetByCode(catalogue.CodeNationalInflow)
		if err != nil {
			return err
		}
		out, err := tx.IndicatorSetByCode(catalogue.CodeNationalOutflow)
		if err != nil {
			return err
		}
		c, err := tx.CreateCampaign(domain.Campaign{Name: "c", RegionCode: "0", StartYear: 2026, EndYear: 2028,
			InflowSetID: in.ID, OutflowSetID: out.ID, Weights: domain.Weights{Inflow: 0.6, Outflow: 0.4},
			Round: 1, State: domain.CampaignActive}, t0)
		if err != nil {
			return err
		}
		b, err := tx.CreateBatch(domain.Batch{CampaignID: c.ID, Name: "b", RegionCodes: []string{"44", "51"},
			SelfCheckDue: t0.AddDate(0, 1, 0), SiteReviewDue: t0.AddDate(0, 2, 0), FeedbackDue: t0.AddDate(0, 3, 0),
			State: domain.BatchSelfCheck}, t0)
		if err != nil {
			return err
		}
		var ids []int64
		for _, r := range []string{"44", "51"} {
			ins, err := tx.CreateInspection(domain.Inspection{CampaignID: c.ID, BatchID: b.ID, RegionCode: r,
				Deadlines: b.Deadlines(), State: domain.InspectionSelfCheck}, t0)
			if err != nil {
				return err
			}
			ids = append(ids, ins.ID)
		}
		given := []domain.Answer{
			{InspectionID: ids[0], IndicatorCode: "IN14", RegionCode: "440103", Measures: map[string]domain.MeasureAnswer{
				"IN14a": {Numerator: 9, Denominator: 10}, "IN14b": {NotApplicable: true, Reason: "none here"}}},
			{InspectionID: ids[0], IndicatorCode: "IN14", RegionCode: "44", Narrative: "province \"own\" figure",
				AttachmentIDs: []int64{3}, Measures: map[string]domain.MeasureAnswer{"IN14a": {Numerator: 1, Denominator: 2}}},
			{InspectionID: ids[0], IndicatorCode: "IN01", RegionCode: "4401", NotApplicable: true, Reason: "n/a"},
			{InspectionID: ids[1], IndicatorCode: "IN14", RegionCode: "510105", Narrative: "only words"},
		}
		for _, a := range given {
			a.AnsweredBy, a.AnsweredAt = u.ID, t0
			if _, err := tx.PutAnswer(a); err != nil {
				return err
			}
		}
		full, err := tx.AnswersOf(ids)
		if err != nil {
			return err
		}
		lean, err := tx.AnswerFiguresOf(ids)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if len(lean[id]) != len(full[id]) {
				t.Fatalf("inspection %d: %d figures, %d answers", id, len(lean[id]), len(full[id]))
			}
			for i, f := range full[id] {
				want := domain.Answer{ID: f.ID, InspectionID: f.InspectionID, IndicatorCode: f.IndicatorCode,
					RegionCode: f.RegionCode, Measures: f.Measures, NotApplicable: f.NotApplicable}
				if got := lean[id][i]; !equalAnswer(got, want) {
					t.Errorf("inspection %d answer %d:\n got %+v\nwant %+v", id, i, got, want)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func equalAnswer(a, b domain.Answer) bool {
	if a.ID != b.ID || a.InspectionID != b.InspectionID || a.IndicatorCode != b.IndicatorCode ||
		a.RegionCode != b.RegionCode || a.NotApplicable != b.NotApplicable || len(a.Measures) != len(b.Measures) ||
		(a.Measures == nil) != (b.Measures == nil) || a.Narrative != "" || a.AttachmentIDs != nil || a.Revision != 0 {
		return false
	}
	for k, m := range b.Measures {
		if a.Measures[k] != m {
			return false
		}
	}
	return true
}
