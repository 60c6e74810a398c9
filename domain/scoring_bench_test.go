package domain

import (
	"math"
	"strconv"
	"testing"
)

// nationalBatch is synthetic, deterministic input on the real scale: 31
// provinces and 2,978 counties spread unevenly over them, each county with
// self-reported (and mostly verified) figures for every measure of both
// national sets.
type nationalBatch struct {
	inflow, outflow []Indicator
	provinces       []string
	// counties[p][k] is the k-th county of province p: its inputs for both
	// sets, qualitative ratings filled in at province level below.
	counties [][]RegionInput
	ratings  []RegionInput // per province: the reviewer's ratings
	vetoes   []Veto
}

func newNationalBatch() *nationalBatch {
	const provinces, counties = 31, 2978
	b := &nationalBatch{}
	b.inflow, b.outflow = nationalSets()
	b.counties = make([][]RegionInput, provinces)
	for p := range provinces {
		b.provinces = append(b.provinces, strconv.Itoa(11+p))
	}
	// Uneven spread, from about 300 counties in the first province to about
	// 60 in the last: county i goes to province ⌊31 × (i / 2978)^1.5⌋.
	for i := range counties {
		p := int(provinces * math.Pow(float64(i)/counties, 1.5))
		code := b.provinces[p] + strconv.Itoa(1000+len(b.counties[p]))
		b.counties[p] = append(b.counties[p], syntheticRegion(code, b.inflow, b.outflow, uint64(i+1)))
	}
	for p := range provinces {
		b.ratings = append(b.ratings, syntheticRegion(b.provinces[p], b.inflow, b.outflow, uint64(10_000+p)))
		v := Veto{Triggered: p%10 == 3}
		if p == 23 {
			v.Overridden, v.Reason = true, "case outside the campaign window"
		}
		b.vetoes = append(b.vetoes, v)
	}
	return b
}

// provinceInput rolls the counties of province p up into one region input:
// every measure summed (RollUpMeasure), the ratings from the review.
func (b *nationalBatch) provinceInput(p int, parts []MeasureInput) (RegionInput, error) {
	r := RegionInput{RegionCode: b.provinces[p], Veto: b.vetoes[p],
		Inflow:  SetInput{Kind: KindInflow, Indicators: make([]IndicatorInput, len(b.inflow))},
		Outflow: SetInput{Kind: KindOutflow, Indicators: make([]IndicatorInput, len(b.outflow))},
	}
	counties := b.counties[p]
	for _, side := range []struct {
		dst  []IndicatorInput
		src  func(RegionInput) []IndicatorInput
		rate []IndicatorInput
	}{
		{r.Inflow.Indicators, func(x RegionInput) []IndicatorInput { return x.Inflow.Indicators }, b.ratings[p].Inflow.Indicators},
		{r.Outflow.Indicators, func(x RegionInput) []IndicatorInput { return x.Outflow.Indicators }, b.ratings[p].Outflow.Indicators},
	} {
		for i := range side.dst {
			ind := side.rate[i]
			if len(ind.Measures) > 0 {
				ind.Measures = make([]MeasureInput, len(ind.Measures))
				for j := range ind.Measures {
					parts = parts[:0]
					for _, c := range counties {
						parts = append(parts, side.src(c)[i].Measures[j])
					}
					m, err := RollUpMeasure(parts)
					if err != nil {
						return RegionInput{}, err
					}
					ind.Measures[j] = m
				}
			}
			side.dst[i] = ind
		}
	}
	return r, nil
}

func (b *nationalBatch) score(cfg ScoringConfig) ([]RankEntry, error) {
	totals := make([]Total, len(b.provinces))
	parts := make([]MeasureInput, 0, 200)
	for p := range b.provinces {
		in, err := b.provinceInput(p, parts)
		if err != nil {
			return nil, err
		}
		if totals[p], err = ScoreTotal(cfg, in); err != nil {
			return nil, err
		}
	}
	return Rank(totals), nil
}

func TestNationalBatch(t *testing.T) {
	b := newNationalBatch()
	n := 0
	for _, c := range b.counties {
		n += len(c)
	}
	if n != 2978 || len(b.provinces) != 31 || len(b.inflow) != 21 || len(b.outflow) != 18 {
		t.Fatalf("%d counties, %d provinces, %d + %d indicators", n, len(b.provinces), len(b.inflow), len(b.outflow))
	}
	ranking, err := b.score(DefaultScoring())
	if err != nil {
		t.Fatal(err)
	}
	for p, c := range b.counties {
		if len(c) == 0 {
			t.Fatalf("province %s has no county", b.provinces[p])
		}
	}
	if len(ranking) != 31 || ranking[0].Rank != 1 {
		t.Fatalf("ranking %+v", ranking)
	}
	for i := 1; i < len(ranking); i++ {
		if ranking[i].Score > ranking[i-1].Score || ranking[i].Status != StatusScored {
			t.Fatalf("ranking out of order at %d: %+v", i, ranking)
		}
	}
}

// BenchmarkScoreNationalBatch rolls 2,978 counties' figures up to their 31
// provinces, scores both sets for each province and ranks them.
func BenchmarkScoreNationalBatch(b *testing.B) {
	batch := newNationalBatch()
	cfg := DefaultScoring()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := batch.score(cfg); err != nil {
			b.Fatal(err)
		}
	}
}
