package workflow_test

import (
	"context"
	"testing"
	"time"

	"github.com/ducha/ducha/catalogue"
	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/regions"
	"github.com/ducha/ducha/store"
	"github.com/ducha/ducha/testenv"
	"github.com/ducha/ducha/workflow"
)

// BenchmarkBatchTotalsNational scores a national batch of all 31 provinces
// whose quantitative indicators are answered by every one of the 2,978
// counties (11 indicators, 13 measures each: 32,758 answers), with every
// qualitative indicator rated, through the store and Scoring.BatchTotals,
// then ranks them: one op is what GET /batches/{id}/ranking computes.
func BenchmarkBatchTotalsNational(b *testing.B) {
	ctx := context.Background()
	s := testenv.Store(b)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	base, err := regions.Base()
	if err != nil {
		b.Fatal(err)
	}
	var batchID int64
	err = s.Tx(ctx, func(tx *store.Tx) error {
		u, err := tx.CreateUser(store.User{Username: "bench", PasswordHash: "x", Role: domain.RoleNationalAdmin,
			RegionCode: domain.NationCode}, 0, now)
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
		c, err := tx.CreateCampaign(domain.Campaign{Name: "bench", RegionCode: "0", StartYear: 2026, EndYear: 2028,
			InflowSetID: in.ID, OutflowSetID: out.ID, Weights: domain.Weights{Inflow: 0.6, Outflow: 0.4},
			Targets: map[string]float64{"IN14a": 90}, Round: 1, State: domain.CampaignActive}, now)
		if err != nil {
			return err
		}
		var provinces []string
		for _, r := range base {
			if r.Level == domain.LevelProvince {
				provinces = append(provinces, r.Code)
			}
		}
		bt, err := tx.CreateBatch(domain.Batch{CampaignID: c.ID, Name: "all", RegionCodes: provinces,
			SelfCheckDue: now.AddDate(0, 1, 0), SiteReviewDue: now.AddDate(0, 2, 0), FeedbackDue: now.AddDate(0, 3, 0),
			State: domain.BatchSiteReview}, now)
		if err != nil {
			return err
		}
		batchID = bt.ID
		inspection := map[string]int64{}
		for _, p := range provinces {
			ins, err := tx.CreateInspection(domain.Inspection{CampaignID: c.ID, BatchID: bt.ID, RegionCode: p,
				Deadlines: bt.Deadlines(), State: domain.InspectionSiteReview}, now)
			if err != nil {
				return err
			}
			inspection[p] = ins.ID
			for _, set := range []domain.IndicatorSet{in, out} {
				for _, ind := range set.Indicators {
					if !ind.Quantitative() {
						if _, err := tx.PutReview(domain.Review{InspectionID: ins.ID, IndicatorCode: ind.Code,
							Rating: domain.RatingMet, ReviewedBy: u.ID, ReviewedAt: now}, nil, nil); err != nil {
							return err
						}
					}
				}
			}
		}
		var answers []domain.Answer
		n := 0
		for _, r := range base {
			if r.Level != domain.LevelCounty {
				continue
			}
			n++
			for _, set := range []domain.IndicatorSet{in, out} {
				for _, ind := range set.Indicators {
					if !ind.Quantitative() {
						continue
					}
					ms := map[string]domain.MeasureAnswer{}
					for i, m := range ind.Measures {
						d := float64(100 + (n*7+i)%900)
						ms[m.Code] = domain.MeasureAnswer{Numerator: d - float64((n+i)%50), Denominator: d}
					}
					answers = append(answers, domain.Answer{InspectionID: inspection[r.Code[:2]], IndicatorCode: ind.Code,
						RegionCode: r.Code, Measures: ms, AnsweredBy: u.ID, AnsweredAt: now})
				}
			}
		}
		if n != 2978 {
			b.Fatalf("%d counties", n)
		}
		return tx.PutAnswers(answers)
	})
	if err != nil {
		b.Fatal(err)
	}
	sc := &workflow.Scoring{}
	b.ResetTimer()
	for b.Loop() {
		err := s.Tx(ctx, func(tx *store.Tx) error {
			totals, err := sc.BatchTotals(ctx, tx, batchID)
			if err != nil {
				return err
			}
			rank := domain.Rank(totals)
			if len(rank) != 31 || rank[0].Status != domain.StatusScored || !rank[0].Provisional {
				b.Fatalf("ranking %+v", rank[0])
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
