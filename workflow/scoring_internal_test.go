package workflow

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/ducha/ducha/catalogue"
	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/store"
)

// Table tests of the roll-up and the scoring inputs, on the national sets
// and hand-made answers and reviews (no database).

func nationalSets(t *testing.T) campaignSets {
	t.Helper()
	ns, err := catalogue.National()
	if err != nil {
		t.Fatal(err)
	}
	return campaignSets{
		inflow:  domain.IndicatorSet{ID: 1, Kind: domain.KindInflow, Indicators: ns[0].Indicators},
		outflow: domain.IndicatorSet{ID: 2, Kind: domain.KindOutflow, Indicators: ns[1].Indicators},
	}
}

// figs answers a measure with figures; na says it does not apply.
func figs(n, d float64) domain.MeasureAnswer {
	return domain.MeasureAnswer{Numerator: n, Denominator: d}
}

var na = domain.MeasureAnswer{NotApplicable: true, Reason: "nobody to count"}

func ans(region, indicator string, ms map[string]domain.MeasureAnswer) domain.Answer {
	return domain.Answer{RegionCode: region, IndicatorCode: indicator, Measures: ms}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestRollUpCountiesToProvince(t *testing.T) {
	m := func(region string, f domain.MeasureAnswer) domain.Answer {
		return ans(region, "IN14", map[string]domain.MeasureAnswer{"IN14a": f})
	}
	cases := []struct {
		name       string
		answers    []domain.Answer
		want       *domain.Figures // nil: not applicable
		source     string
		regions    []string
		superseded []string
		below      *domain.Figures
	}{
		{name: "counties summed, never a mean of rates",
			answers: []domain.Answer{m("440103", figs(90, 100)), m("440104", figs(1, 10))},
			want:    &domain.Figures{Numerator: 91, Denominator: 110}, source: "roll_up", regions: []string{"440103", "440104"}},
		{name: "counties of two prefectures",
			answers: []domain.Answer{m("440103", figs(90, 100)), m("440104", figs(1, 10)), m("440303", figs(7, 8))},
			want:    &domain.Figures{Numerator: 98, Denominator: 118}, source: "roll_up", regions: []string{"440103", "440104", "440303"}},
		{name: "a county where the measure does not apply is left out",
			answers: []domain.Answer{m("440103", figs(90, 100)), m("440104", na)},
			want:    &domain.Figures{Numerator: 90, Denominator: 100}, source: "roll_up", regions: []string{"440103"}},
		{name: "a county whose whole indicator does not apply is left out",
			answers: []domain.Answer{m("440103", figs(90, 100)), {RegionCode: "440104", IndicatorCode: "IN14", NotApplicable: true, Reason: "无"}},
			want:    &domain.Figures{Numerator: 90, Denominator: 100}, source: "roll_up", regions: []string{"440103"}},
		{name: "a county with 0 / 0 adds nothing",
			answers: []domain.Answer{m("440103", figs(90, 100)), m("440104", figs(0, 0))},
			want:    &domain.Figures{Numerator: 90, Denominator: 100}, source: "roll_up", regions: []string{"440103", "440104"}},
		{name: "every county not applicable: not applicable",
			answers: []domain.Answer{m("440103", na), m("440104", na)}, source: "roll_up", regions: []string{}},
		{name: "the province's own figure wins over its counties'",
			answers: []domain.Answer{m("44", figs(50, 100)), m("440103", figs(90, 100)), m("440104", figs(1, 10))},
			want:    &domain.Figures{Numerator: 50, Denominator: 100}, source: "inspected_region", regions: []string{"44"},
			superseded: []string{"440103", "440104"}, below: &domain.Figures{Numerator: 91, Denominator: 110}},
		{name: "a prefecture's figure replaces its counties'",
			answers: []domain.Answer{m("4401", figs(10, 20)), m("440103", figs(90, 100)), m("440303", figs(5, 10))},
			want:    &domain.Figures{Numerator: 15, Denominator: 30}, source: "roll_up", regions: []string{"4401", "440303"},
			superseded: []string{"440103"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ru, err := RollUp(c.answers, "IN14a", domain.HigherIsBetter, "44")
			if err != nil {
				t.Fatal(err)
			}
			if c.want == nil {
				if !ru.NotApplicable || ru.Figures != nil || !ru.Input.NotApplicable {
					t.Fatalf("want not applicable, got %+v", ru)
				}
			} else if ru.NotApplicable || ru.Figures == nil || *ru.Figures != *c.want ||
				!near(*ru.Rate, 100*c.want.Numerator/c.want.Denominator) || *ru.Input.SelfReported != *c.want {
				t.Fatalf("figures %+v (rate %v), want %+v", ru.Figures, ru.Rate, c.want)
			}
			if ru.Source != c.source || !slices.Equal(ru.Regions, c.regions) || !slices.Equal(ru.Superseded, c.superseded) {
				t.Errorf("source %s regions %v superseded %v, want %s %v %v", ru.Source, ru.Regions, ru.Superseded,
					c.source, c.regions, c.superseded)
			}
			if (ru.Below == nil) != (c.below == nil) || (c.below != nil && *ru.Below != *c.below) {
				t.Errorf("below %+v, want %+v", ru.Below, c.below)
			}
		})
	}
	if ru, _ := RollUp(nil, "IN14a", domain.HigherIsBetter, "44"); ru.Answered {
		t.Errorf("no answers: %+v", ru)
	}
}

// fullRecords answers and reviews every indicator assessed for a province:
// qualitative ones rated met, quantitative ones self-reported by two
// counties at 90% each and not verified.
func fullRecords(sets *campaignSets) ([]domain.Answer, []domain.Review) {
	var as []domain.Answer
	var rs []domain.Review
	for _, set := range sets.each() {
		for _, ind := range set.Indicators {
			if !ind.Quantitative() {
				rs = append(rs, domain.Review{IndicatorCode: ind.Code, Rating: domain.RatingMet})
				continue
			}
			for _, county := range []string{"440103", "440104"} {
				ms := map[string]domain.MeasureAnswer{}
				for _, m := range ind.Measures {
					ms[m.Code] = figs(45, 50)
				}
				as = append(as, ans(county, ind.Code, ms))
			}
		}
	}
	return as, rs
}

func indicatorScore(t *testing.T, tot domain.Total, code string) domain.IndicatorScore {
	t.Helper()
	for _, s := range []domain.SetScore{tot.Inflow, tot.Outflow} {
		for _, ind := range s.Indicators {
			if ind.Code == code {
				return ind
			}
		}
	}
	t.Fatalf("no indicator %s in the total", code)
	return domain.IndicatorScore{}
}

func TestScoreInspectionInputs(t *testing.T) {
	pct := func(x float64) *float64 { return &x }
	camp := domain.Campaign{ID: 1, RegionCode: "0", StartYear: 2026, EndYear: 2028, Weights: domain.Weights{Inflow: 0.6, Outflow: 0.4}}
	type rec struct {
		answers []domain.Answer
		reviews []domain.Review
	}
	cases := []struct {
		name  string
		edit  func(sets *campaignSets, c *domain.Campaign, r *rec, veto *domain.Veto)
		check func(t *testing.T, tot domain.Total)
	}{
		{name: "self-reported figures score provisionally",
			check: func(t *testing.T, tot domain.Total) {
				in := indicatorScore(t, tot, "IN14")
				if in.Status != domain.StatusScored || !in.Provisional || !near(in.Score, 90) || in.Measures[0].Source != domain.SourceSelfReported ||
					in.Measures[0].SelfReported.Numerator != 90 || in.Measures[0].SelfReported.Denominator != 100 {
					t.Errorf("IN14 %+v", in)
				}
				if tot.Status != domain.StatusScored || !tot.Provisional || tot.Incomplete {
					t.Errorf("total %s provisional %v incomplete %v", tot.Status, tot.Provisional, tot.Incomplete)
				}
			}},
		{name: "verified figures win and are not provisional",
			edit: func(_ *campaignSets, _ *domain.Campaign, r *rec, _ *domain.Veto) {
				r.reviews = append(r.reviews, domain.Review{IndicatorCode: "IN14",
					Measures: map[string]domain.VerifiedFigure{"IN14a": {Numerator: 70, Denominator: 100}}})
			},
			check: func(t *testing.T, tot domain.Total) {
				in := indicatorScore(t, tot, "IN14")
				if in.Provisional || !near(in.Score, 70) || in.Measures[0].Source != domain.SourceVerified {
					t.Errorf("IN14 %+v", in)
				}
			}},
		{name: "lower is better: OUT15b 查无此人率",
			edit: func(sets *campaignSets, _ *domain.Campaign, r *rec, _ *domain.Veto) {
				setTarget(sets, "OUT15b", pct(10))
				r.reviews = append(r.reviews, domain.Review{IndicatorCode: "OUT15", Measures: map[string]domain.VerifiedFigure{
					"OUT15a": {Numerator: 100, Denominator: 100}, "OUT15b": {Numerator: 20, Denominator: 100}}})
			},
			check: func(t *testing.T, tot domain.Total) {
				in := indicatorScore(t, tot, "OUT15")
				b := in.Measures[1]
				// 100 × min(1, (100 − 20) / (100 − 10)) = 88.888…
				if b.Code != "OUT15b" || b.Direction != domain.LowerIsBetter || !near(b.Score, 100*80.0/90) ||
					!near(in.Score, (100+100*80.0/90)/2) {
					t.Errorf("OUT15 %+v", in)
				}
			}},
		{name: "the campaign's target overrides the set's",
			edit: func(sets *campaignSets, c *domain.Campaign, r *rec, _ *domain.Veto) {
				setTarget(sets, "IN14a", pct(95))
				setTarget(sets, "IN15a", pct(95))
				c.Targets = map[string]float64{"IN14a": 90}
				r.reviews = append(r.reviews,
					domain.Review{IndicatorCode: "IN14", Measures: map[string]domain.VerifiedFigure{"IN14a": {Numerator: 81, Denominator: 100}}},
					domain.Review{IndicatorCode: "IN15", Measures: map[string]domain.VerifiedFigure{"IN15a": {Numerator: 81, Denominator: 100}}})
			},
			check: func(t *testing.T, tot domain.Total) {
				in14, in15 := indicatorScore(t, tot, "IN14"), indicatorScore(t, tot, "IN15")
				if *in14.Measures[0].Target != 90 || !near(in14.Score, 90) {
					t.Errorf("IN14 under the campaign's 90: %+v", in14.Measures[0])
				}
				if *in15.Measures[0].Target != 95 || !near(in15.Score, 100*81.0/95) {
					t.Errorf("IN15 under the set's 95: %+v", in15.Measures[0])
				}
			}},
		{name: "the veto scores IN12 and OUT10 at 0",
			edit: func(_ *campaignSets, _ *domain.Campaign, _ *rec, v *domain.Veto) {
				*v = domain.Veto{Triggered: true, Cases: []string{"case"}}
			},
			check: func(t *testing.T, tot domain.Total) {
				for _, code := range []string{"IN12", "OUT10"} {
					if in := indicatorScore(t, tot, code); in.Score != 0 || in.Veto == nil || !in.Veto.Vetoed {
						t.Errorf("%s under the veto: %+v", code, in)
					}
				}
				if tot.Veto == nil || !tot.Veto.Vetoed || !slices.Equal(tot.Veto.Indicators, []string{"IN12", "OUT10"}) {
					t.Errorf("total veto %+v", tot.Veto)
				}
				// 20 of 21 inflow indicators at 100 (IN14–19 at 90), IN12 at 0.
				if want := (14*100 + 6*90 + 0) / 21.0; !near(tot.Inflow.Score, want) {
					t.Errorf("inflow %v, want %v", tot.Inflow.Score, want)
				}
			}},
		{name: "an overridden veto, with its reason, scores the ratings",
			edit: func(_ *campaignSets, _ *domain.Campaign, _ *rec, v *domain.Veto) {
				*v = domain.Veto{Triggered: true, Cases: []string{"case"}, Overridden: true, Reason: "IN12: 已依法处理"}
			},
			check: func(t *testing.T, tot domain.Total) {
				in := indicatorScore(t, tot, "IN12")
				if in.Score != 100 || in.Veto == nil || in.Veto.Vetoed || !in.Veto.Overridden || in.Veto.Reason != "IN12: 已依法处理" {
					t.Errorf("IN12 overridden: %+v", in)
				}
			}},
		{name: "weights 0.7 / 0.3",
			edit: func(_ *campaignSets, c *domain.Campaign, r *rec, _ *domain.Veto) {
				c.Weights = domain.Weights{Inflow: 0.7, Outflow: 0.3}
				for i := range r.reviews {
					if r.reviews[i].IndicatorCode == "OUT01" {
						r.reviews[i].Rating = domain.RatingNotMet
					}
				}
			},
			check: func(t *testing.T, tot domain.Total) {
				if !near(tot.Score, 0.7*tot.Inflow.Score+0.3*tot.Outflow.Score) || tot.Weights.Inflow != 0.7 ||
					tot.Formula != "0.7 × "+num(tot.Inflow.Score)+" + 0.3 × "+num(tot.Outflow.Score) {
					t.Errorf("total %v = %s", tot.Score, tot.Formula)
				}
				// OUT01 not met; OUT15 averages OUT15a (90) and OUT15b, lower
				// is better with no target: 100 − 10.
				if want := (12*100 + 4*90 + (90+10)/2 + 0) / 18.0; !near(tot.Outflow.Score, want) {
					t.Errorf("outflow %v, want %v", tot.Outflow.Score, want)
				}
			}},
		{name: "unrated and unanswered indicators are pending",
			edit: func(_ *campaignSets, _ *domain.Campaign, r *rec, _ *domain.Veto) {
				r.answers = slices.DeleteFunc(r.answers, func(a domain.Answer) bool { return a.IndicatorCode == "IN16" })
				r.reviews = slices.DeleteFunc(r.reviews, func(rv domain.Review) bool { return rv.IndicatorCode == "IN03" })
			},
			check: func(t *testing.T, tot domain.Total) {
				in16 := indicatorScore(t, tot, "IN16")
				if in16.Status != domain.StatusPending || !in16.Quantitative {
					t.Errorf("IN16 %+v", in16)
				}
				if !slices.Equal(tot.Inflow.Outcome.Pending, []string{"IN16"}) || !slices.Equal(tot.Inflow.Process.Pending, []string{"IN03"}) ||
					!tot.Incomplete || !slices.Equal(tot.Pending, []string{"IN03", "IN16"}) {
					t.Errorf("pending: outcome %v process %v total %v", tot.Inflow.Outcome.Pending, tot.Inflow.Process.Pending, tot.Pending)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sets := nationalSets(t)
			cp := camp
			as, rs := fullRecords(&sets)
			r := rec{answers: as, reviews: rs}
			var veto domain.Veto
			if c.edit != nil {
				c.edit(&sets, &cp, &r, &veto)
			}
			// Later reviews of an indicator replace earlier ones, as in the store.
			byCode := map[string]domain.Review{}
			var order []string
			for _, rv := range r.reviews {
				if _, ok := byCode[rv.IndicatorCode]; !ok {
					order = append(order, rv.IndicatorCode)
				}
				byCode[rv.IndicatorCode] = rv
			}
			var reviews []domain.Review
			for _, code := range order {
				reviews = append(reviews, byCode[code])
			}
			cfg := domain.DefaultScoring()
			cfg.Weights = cp.Weights
			tot, err := scoreInspection(cfg, cp, &sets, "44", r.answers, reviews, veto)
			if err != nil {
				t.Fatal(err)
			}
			c.check(t, tot)
		})
	}
}

func setTarget(sets *campaignSets, measure string, target *float64) {
	for _, set := range sets.each() {
		for i := range set.Indicators {
			for j := range set.Indicators[i].Measures {
				if set.Indicators[i].Measures[j].Code == measure {
					set.Indicators[i].Measures[j].Target = target
				}
			}
		}
	}
}

// The veto's input: VetoCases over the campaign's window in China time,
// and an override given on a veto indicator's review.
func TestScoringVeto(t *testing.T) {
	camp := domain.Campaign{ID: 1, RegionCode: "0", StartYear: 2026, EndYear: 2028}
	var gotFrom, gotTo time.Time
	s := &Scoring{VetoCases: func(_ context.Context, _ *store.Tx, region string, from, to time.Time) (int64, error) {
		gotFrom, gotTo = from, to
		if region == "44" {
			return 2, nil
		}
		return 0, nil
	}}
	cfg := domain.DefaultScoring()
	in := domain.Inspection{ID: 7, RegionCode: "44"}
	v, err := s.veto(context.Background(), nil, &cfg, camp, in, nil)
	if err != nil || !v.Triggered || v.Overridden || len(v.Cases) != 1 {
		t.Fatalf("veto %+v %v", v, err)
	}
	if !gotFrom.Equal(time.Date(2025, 12, 31, 16, 0, 0, 0, time.UTC)) || !gotTo.Equal(time.Date(2028, 12, 31, 16, 0, 0, 0, time.UTC)) {
		t.Errorf("window %v – %v", gotFrom, gotTo)
	}
	reviews := []domain.Review{{IndicatorCode: "IN11", VetoOverride: "not a veto indicator"},
		{IndicatorCode: "OUT10", VetoOverride: "已核实为误报"}}
	v, _ = s.veto(context.Background(), nil, &cfg, camp, in, reviews)
	if !v.Overridden || v.Reason != "OUT10: 已核实为误报" {
		t.Errorf("override %+v", v)
	}
	if v, _ := s.veto(context.Background(), nil, &cfg, camp, domain.Inspection{RegionCode: "45"}, reviews); v.Triggered {
		t.Errorf("no cases, yet %+v", v)
	}
	if v, _ := (&Scoring{}).veto(context.Background(), nil, &cfg, camp, in, nil); v.Triggered {
		t.Errorf("no VetoCases, yet %+v", v)
	}
}
