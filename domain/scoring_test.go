package domain

import (
	"encoding/json"
	"errors"
	"math"
	"regexp"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

func fig(n, d float64) *Figures { return &Figures{Numerator: n, Denominator: d} }
func ptr(x float64) *float64    { return &x }

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9 }

// nationalSets is the measure layout of DOMAIN.md §3: 21 inflow indicators
// (IN14–IN19 quantitative, IN18 with two measures) and 18 outflow ones
// (OUT12–OUT16 quantitative, OUT15 with two, OUT15b lower is better).
// Targets are made up for the tests.
func nationalSets() (inflow, outflow []Indicator) {
	build := func(prefix string, n int, cats map[int]Category, measures map[int][]Measure) []Indicator {
		var out []Indicator
		for i := 1; i <= n; i++ {
			code := prefix + twoDigits(i)
			ind := Indicator{Code: code, Category: cats[i], Weight: 1, Position: i}
			for j, m := range measures[i] {
				m.Code = MeasureCode(code, j)
				ind.Measures = append(ind.Measures, m)
			}
			out = append(out, ind)
		}
		return out
	}
	span := func(m map[int]Category, from, to int, c Category) {
		for i := from; i <= to; i++ {
			m[i] = c
		}
	}
	up := func(target float64) Measure {
		if target < 0 {
			return Measure{Direction: HigherIsBetter}
		}
		return Measure{Direction: HigherIsBetter, Target: ptr(target)}
	}
	in := map[int]Category{}
	span(in, 1, 4, CategoryGuarantee)
	span(in, 5, 8, CategoryManagement)
	span(in, 9, 13, CategoryService)
	span(in, 14, 19, CategoryPerformance)
	span(in, 20, 21, CategoryIncentive)
	inM := map[int][]Measure{
		14: {up(95)}, 15: {up(90)}, 16: {up(100)}, 17: {up(80)},
		18: {up(90), up(85)}, 19: {up(-1)},
	}
	out := map[int]Category{}
	span(out, 1, 4, CategoryGuarantee)
	span(out, 5, 8, CategoryManagement)
	span(out, 9, 11, CategoryService)
	span(out, 12, 16, CategoryPerformance)
	span(out, 17, 18, CategoryIncentive)
	outM := map[int][]Measure{
		12: {up(95)}, 13: {up(90)}, 14: {up(-1)},
		15: {up(90), {Direction: LowerIsBetter, Target: ptr(5)}}, 16: {up(-1)},
	}
	return build("IN", 21, in, inM), build("OUT", 18, out, outM)
}

func twoDigits(i int) string { return string([]byte{byte('0' + i/10), byte('0' + i%10)}) }

func fieldLocations(t *testing.T, err error) []string {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not a *domain.Error", err)
	}
	if e.Code != EInvalid {
		t.Fatalf("code = %s, want %s", e.Code, EInvalid)
	}
	var locs []string
	for _, f := range e.Fields {
		locs = append(locs, f.Location)
	}
	return locs
}

func TestScoreMeasure(t *testing.T) {
	tests := []struct {
		name        string
		in          MeasureInput
		rate, score float64
		formula     string
		rateFormula string
		source      FigureSource
		provisional bool
		status      ScoreStatus
	}{
		{"higher, target, below", MeasureInput{Code: "IN14a", Direction: HigherIsBetter, Target: ptr(95), Verified: fig(925, 1000)},
			92.5, 100 * math.Min(1, 92.5/95), "100 × min(1, 92.5 / 95)", "100 × 925 / 1000", SourceVerified, false, StatusScored},
		{"higher, target, above caps at 100", MeasureInput{Code: "IN14a", Direction: HigherIsBetter, Target: ptr(95), Verified: fig(98, 100)},
			98, 100, "100 × min(1, 98 / 95)", "100 × 98 / 100", SourceVerified, false, StatusScored},
		{"higher, target, exactly met", MeasureInput{Code: "IN14a", Direction: HigherIsBetter, Target: ptr(95), Verified: fig(95, 100)},
			95, 100, "100 × min(1, 95 / 95)", "100 × 95 / 100", SourceVerified, false, StatusScored},
		{"higher, no target: the rate", MeasureInput{Code: "IN19a", Direction: HigherIsBetter, Verified: fig(925, 1000)},
			92.5, 92.5, "92.5 (no target: the rate itself)", "100 × 925 / 1000", SourceVerified, false, StatusScored},
		{"higher, target 0: any rate meets it", MeasureInput{Code: "X1a", Direction: HigherIsBetter, Target: ptr(0), Verified: fig(0, 10)},
			0, 100, "100 (target 0: every rate meets it)", "100 × 0 / 10", SourceVerified, false, StatusScored},
		{"higher, target 100, rate 0", MeasureInput{Code: "X1a", Direction: HigherIsBetter, Target: ptr(100), Verified: fig(0, 10)},
			0, 0, "100 × min(1, 0 / 100)", "100 × 0 / 10", SourceVerified, false, StatusScored},
		{"lower, target, above target", MeasureInput{Code: "OUT15b", Direction: LowerIsBetter, Target: ptr(5), Verified: fig(10, 100)},
			10, 100 * math.Min(1, 90.0/95), "100 × min(1, (100 − 10) / (100 − 5))", "100 × 10 / 100", SourceVerified, false, StatusScored},
		{"lower, target, below target caps at 100", MeasureInput{Code: "OUT15b", Direction: LowerIsBetter, Target: ptr(5), Verified: fig(3, 100)},
			3, 100, "100 × min(1, (100 − 3) / (100 − 5))", "100 × 3 / 100", SourceVerified, false, StatusScored},
		{"lower, no target: 100 − rate", MeasureInput{Code: "OUT15b", Direction: LowerIsBetter, Verified: fig(32, 1000)},
			3.2, 96.8, "100 − 3.2 (no target)", "100 × 32 / 1000", SourceVerified, false, StatusScored},
		{"lower, target 100: any rate meets it", MeasureInput{Code: "OUT15b", Direction: LowerIsBetter, Target: ptr(100), Verified: fig(100, 100)},
			100, 100, "100 (target 100: every rate meets it)", "100 × 100 / 100", SourceVerified, false, StatusScored},
		{"lower, target 0, rate 100", MeasureInput{Code: "OUT15b", Direction: LowerIsBetter, Target: ptr(0), Verified: fig(7, 7)},
			100, 0, "100 × min(1, (100 − 100) / (100 − 0))", "100 × 7 / 7", SourceVerified, false, StatusScored},
		{"self-reported only: provisional", MeasureInput{Code: "IN14a", Direction: HigherIsBetter, Target: ptr(95), SelfReported: fig(95, 100)},
			95, 100, "100 × min(1, 95 / 95)", "100 × 95 / 100", SourceSelfReported, true, StatusScored},
		{"verified wins over self-reported", MeasureInput{Code: "IN14a", Direction: HigherIsBetter, Target: ptr(95), SelfReported: fig(99, 100), Verified: fig(76, 100)},
			76, 80, "100 × min(1, 76 / 95)", "100 × 76 / 100", SourceVerified, false, StatusScored},
		{"not applicable", MeasureInput{Code: "IN16a", Direction: HigherIsBetter, NotApplicable: true},
			0, 0, "not applicable: excluded", "", "", false, StatusNotApplicable},
		{"not applicable ignores a 0/0 figure", MeasureInput{Code: "IN16a", Direction: HigherIsBetter, NotApplicable: true, SelfReported: fig(0, 0)},
			0, 0, "not applicable: excluded", "", "", false, StatusNotApplicable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ScoreMeasure(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got.Rate != tt.rate || !near(got.Score, tt.score) || got.Formula != tt.formula || got.RateFormula != tt.rateFormula ||
				got.Source != tt.source || got.Provisional != tt.provisional || got.Status != tt.status {
				t.Errorf("got rate %v score %v formula %q rate formula %q source %q provisional %v status %s\nwant rate %v score %v formula %q rate formula %q source %q provisional %v status %s",
					got.Rate, got.Score, got.Formula, got.RateFormula, got.Source, got.Provisional, got.Status,
					tt.rate, tt.score, tt.formula, tt.rateFormula, tt.source, tt.provisional, tt.status)
			}
			if got.Code != tt.in.Code || got.Direction != tt.in.Direction || !sameTarget(got.Target, tt.in.Target) {
				t.Errorf("inputs not echoed: %+v", got)
			}
		})
	}
}

func TestScoreMeasureInvalid(t *testing.T) {
	ok := MeasureInput{Code: "IN14a", Direction: HigherIsBetter, SelfReported: fig(1, 2)}
	with := func(f func(*MeasureInput)) MeasureInput { m := ok; f(&m); return m }
	tests := []struct {
		name string
		in   MeasureInput
		want []string
	}{
		{"negative numerator", with(func(m *MeasureInput) { m.SelfReported = fig(-1, 2) }), []string{"self_reported.numerator"}},
		{"negative denominator", with(func(m *MeasureInput) { m.SelfReported = fig(0, -2) }), []string{"self_reported.denominator"}},
		{"numerator above denominator", with(func(m *MeasureInput) { m.SelfReported = fig(3, 2) }), []string{"self_reported.numerator"}},
		{"denominator 0 without not applicable", with(func(m *MeasureInput) { m.SelfReported = fig(0, 0) }), []string{"self_reported.denominator"}},
		{"NaN", with(func(m *MeasureInput) { m.Verified = fig(math.NaN(), 2) }), []string{"verified.numerator"}},
		{"Inf", with(func(m *MeasureInput) { m.Verified = fig(1, math.Inf(1)) }), []string{"verified.denominator"}},
		{"too large", with(func(m *MeasureInput) { m.Verified = fig(1, 2e15) }), []string{"verified.denominator"}},
		{"invalid self-report is reported even when verified", with(func(m *MeasureInput) { m.SelfReported = fig(5, 2); m.Verified = fig(1, 2) }), []string{"self_reported.numerator"}},
		{"no figure", with(func(m *MeasureInput) { m.SelfReported = nil }), []string{"self_reported"}},
		{"unknown direction", with(func(m *MeasureInput) { m.Direction = "sideways" }), []string{"direction"}},
		{"target above 100", with(func(m *MeasureInput) { m.Target = ptr(120) }), []string{"target"}},
		{"target NaN", with(func(m *MeasureInput) { m.Target = ptr(math.NaN()) }), []string{"target"}},
		{"target negative, even when not applicable", with(func(m *MeasureInput) { m.Target = ptr(-1); m.NotApplicable = true }), []string{"target"}},
		{"no code", with(func(m *MeasureInput) { m.Code = "" }), []string{"code"}},
		{"every problem at once", MeasureInput{Direction: "x", Target: ptr(101), SelfReported: fig(-1, 0), Verified: fig(math.NaN(), -3)},
			[]string{"code", "direction", "target", "self_reported.numerator", "verified.numerator", "verified.denominator"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ScoreMeasure(tt.in)
			if err == nil {
				t.Fatalf("no error; got %+v", got)
			}
			locs := fieldLocations(t, err)
			for _, w := range tt.want {
				if !slices.Contains(locs, w) {
					t.Errorf("locations %v lack %q", locs, w)
				}
			}
			if _, jerr := json.Marshal(err.(*Error).Fields); jerr != nil {
				t.Errorf("field errors do not marshal: %v", jerr)
			}
		})
	}
}

// qual and quant build indicator inputs tersely.
func qual(code string, c Category, r Rating) IndicatorInput {
	return IndicatorInput{Code: code, Category: c, Rating: r}
}

func quant(code string, ms ...MeasureInput) IndicatorInput {
	return IndicatorInput{Code: code, Category: CategoryPerformance, Measures: ms}
}

func up(code string, target *float64, self, verified *Figures) MeasureInput {
	return MeasureInput{Code: code, Direction: HigherIsBetter, Target: target, SelfReported: self, Verified: verified}
}

func findIndicator(t *testing.T, s SetScore, code string) IndicatorScore {
	t.Helper()
	for _, i := range s.Indicators {
		if i.Code == code {
			return i
		}
	}
	t.Fatalf("no indicator %s", code)
	return IndicatorScore{}
}

func findCategory(t *testing.T, s SetScore, c Category) CategoryScore {
	t.Helper()
	for _, cs := range s.Categories {
		if cs.Category == c {
			return cs
		}
	}
	t.Fatalf("no category %s", c)
	return CategoryScore{}
}

func TestScoreIndicator(t *testing.T) {
	cfg := DefaultScoring()
	tests := []struct {
		name        string
		in          IndicatorInput
		status      ScoreStatus
		score       float64
		formula     string
		provisional bool
	}{
		{"met", qual("IN01", CategoryGuarantee, RatingMet), StatusScored, 100, "met = 100", false},
		{"largely met", qual("IN01", CategoryGuarantee, RatingLargelyMet), StatusScored, 60, "largely_met = 60", false},
		{"not met", qual("IN01", CategoryGuarantee, RatingNotMet), StatusScored, 0, "not_met = 0", false},
		{"not rated yet: pending", qual("IN01", CategoryGuarantee, ""), StatusPending, 0, "pending: not rated yet", false},
		{"one measure", quant("IN14", up("IN14a", nil, nil, fig(9, 10))), StatusScored, 90, "(90) / 1", false},
		{"two measures averaged", quant("IN18", up("IN18a", nil, nil, fig(9, 10)), up("IN18b", nil, nil, fig(8, 10))),
			StatusScored, 85, "(90 + 80) / 2", false},
		{"a not-applicable measure is left out", quant("IN18", up("IN18a", nil, nil, fig(9, 10)), MeasureInput{Code: "IN18b", Direction: HigherIsBetter, NotApplicable: true}),
			StatusScored, 90, "(90) / 1", false},
		{"every measure not applicable", quant("IN18", MeasureInput{Code: "IN18a", Direction: HigherIsBetter, NotApplicable: true}, MeasureInput{Code: "IN18b", Direction: HigherIsBetter, NotApplicable: true}),
			StatusNotApplicable, 0, "not applicable: no measure applies", false},
		{"one self-reported measure makes it provisional", quant("IN18", up("IN18a", nil, nil, fig(9, 10)), up("IN18b", nil, fig(8, 10), nil)),
			StatusScored, 85, "(90 + 80) / 2", true},
		{"verified measures: not provisional", quant("IN18", up("IN18a", nil, fig(1, 10), fig(9, 10)), up("IN18b", nil, fig(1, 10), fig(8, 10))),
			StatusScored, 85, "(90 + 80) / 2", false},
		{"a provisional measure that is not applicable does not count", quant("IN18", up("IN18a", nil, nil, fig(9, 10)), MeasureInput{Code: "IN18b", Direction: HigherIsBetter, NotApplicable: true, SelfReported: fig(1, 1)}),
			StatusScored, 90, "(90) / 1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ScoreSet(cfg, SetInput{Kind: KindInflow, Indicators: []IndicatorInput{tt.in}}, Veto{})
			if err != nil {
				t.Fatal(err)
			}
			got := s.Indicators[0]
			if got.Status != tt.status || !near(got.Score, tt.score) || got.Formula != tt.formula || got.Provisional != tt.provisional {
				t.Errorf("got %s %v %q provisional %v, want %s %v %q provisional %v",
					got.Status, got.Score, got.Formula, got.Provisional, tt.status, tt.score, tt.formula, tt.provisional)
			}
			if got.Weight != 1 {
				t.Errorf("weight %v, want the default 1", got.Weight)
			}
		})
	}
}

func TestRatingValid(t *testing.T) {
	for _, r := range []Rating{RatingMet, RatingLargelyMet, RatingNotMet} {
		if !r.Valid() {
			t.Errorf("%q not valid", r)
		}
	}
	for _, r := range []Rating{"", "MET", "达标", "excellent"} {
		if r.Valid() {
			t.Errorf("%q valid", r)
		}
		if _, ok := DefaultScoring().Ratings.Score(r); ok {
			t.Errorf("%q scores", r)
		}
	}
}

func TestCustomRatings(t *testing.T) {
	cfg := DefaultScoring()
	cfg.Ratings = RatingScores{Met: 90, LargelyMet: 75, NotMet: 10}
	s, err := ScoreSet(cfg, SetInput{Kind: KindInflow, Indicators: []IndicatorInput{
		qual("IN01", CategoryGuarantee, RatingMet), qual("IN02", CategoryGuarantee, RatingLargelyMet), qual("IN03", CategoryGuarantee, RatingNotMet),
	}}, Veto{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Score != (90.0+75+10)/3 || s.Formula != "(90 + 75 + 10) / 3" {
		t.Errorf("score %v %q", s.Score, s.Formula)
	}
}

func TestScoreSet(t *testing.T) {
	in := SetInput{Kind: KindInflow, Indicators: []IndicatorInput{
		qual("IN01", CategoryGuarantee, RatingMet),
		{Code: "IN02", Category: CategoryGuarantee, Rating: RatingLargelyMet, Weight: 3},
		qual("IN05", CategoryManagement, RatingNotMet),
		qual("IN06", CategoryManagement, ""), // pending
		quant("IN14", up("IN14a", ptr(95), fig(90, 100), nil)),
		quant("IN16", MeasureInput{Code: "IN16a", Direction: HigherIsBetter, NotApplicable: true}),
		quant("IN18", up("IN18a", nil, nil, fig(9, 10)), up("IN18b", nil, nil, fig(8, 10))),
		{Code: "IN20", Category: CategoryIncentive, Rating: RatingMet, Weight: 2},
	}}
	s, err := ScoreSet(DefaultScoring(), in, Veto{})
	if err != nil {
		t.Fatal(err)
	}
	in14 := 100 * math.Min(1, 90.0/95)
	// Set: IN01 1×100, IN02 3×60, IN05 1×0, IN14 1×in14, IN18 1×85, IN20 2×100; IN06 pending, IN16 n/a.
	wantSet := (100 + 3*60 + 0 + in14 + 85 + 2*100) / 9
	if !near(s.Score, wantSet) || s.WeightSum != 9 || s.Status != StatusScored {
		t.Errorf("set %v (weights %v, %s), want %v", s.Score, s.WeightSum, s.Status, wantSet)
	}
	if want := "(1 × 100 + 3 × 60 + 1 × 0 + 1 × " + num(in14) + " + 1 × 85 + 2 × 100) / 9"; s.Formula != want {
		t.Errorf("formula %q, want %q", s.Formula, want)
	}
	if !slices.Equal(s.Included, []string{"IN01", "IN02", "IN05", "IN14", "IN18", "IN20"}) ||
		!slices.Equal(s.Pending, []string{"IN06"}) || !slices.Equal(s.NotApplicable, []string{"IN16"}) {
		t.Errorf("included %v pending %v n/a %v", s.Included, s.Pending, s.NotApplicable)
	}
	if !s.Incomplete || !s.Provisional {
		t.Errorf("incomplete %v provisional %v, want both (IN06 pending, IN14 self-reported)", s.Incomplete, s.Provisional)
	}

	var cats []Category
	for _, c := range s.Categories {
		cats = append(cats, c.Category)
	}
	if !slices.Equal(cats, []Category{CategoryGuarantee, CategoryManagement, CategoryPerformance, CategoryIncentive}) {
		t.Errorf("categories %v: want the notice's order, only those present", cats)
	}
	g := findCategory(t, s, CategoryGuarantee)
	if g.Score != (100+3*60)/4.0 || g.Formula != "(1 × 100 + 3 × 60) / 4" || g.Incomplete || g.Provisional {
		t.Errorf("guarantee %+v", g)
	}
	m := findCategory(t, s, CategoryManagement)
	if m.Score != 0 || !m.Incomplete || !slices.Equal(m.Pending, []string{"IN06"}) || m.Formula != "(0) / 1" {
		t.Errorf("management %+v", m)
	}
	p := findCategory(t, s, CategoryPerformance)
	if !near(p.Score, (in14+85)/2) || !p.Provisional || p.Incomplete || !slices.Equal(p.NotApplicable, []string{"IN16"}) {
		t.Errorf("performance %+v", p)
	}
	if p.Formula != "("+num(in14)+" + 85) / 2" {
		t.Errorf("performance formula %q", p.Formula)
	}
	if s.Process.Score != (100+3*60+0+2*100)/7.0 || !s.Process.Incomplete || s.Process.Provisional {
		t.Errorf("process %+v", s.Process)
	}
	if !near(s.Outcome.Score, (in14+85)/2) || s.Outcome.Incomplete || !s.Outcome.Provisional {
		t.Errorf("outcome %+v", s.Outcome)
	}
}

func TestNotApplicableIndicatorRenormalises(t *testing.T) {
	na := MeasureInput{Code: "IN16a", Direction: HigherIsBetter, NotApplicable: true}
	s, err := ScoreSet(DefaultScoring(), SetInput{Kind: KindInflow, Indicators: []IndicatorInput{
		qual("IN01", CategoryGuarantee, RatingMet),
		qual("IN02", CategoryGuarantee, RatingLargelyMet),
		{Code: "IN16", Category: CategoryPerformance, Weight: 5, Measures: []MeasureInput{na}},
	}}, Veto{})
	if err != nil {
		t.Fatal(err)
	}
	if s.Score != 80 || s.WeightSum != 2 || s.Incomplete {
		t.Errorf("score %v weights %v incomplete %v: want 80 over weight 2, IN16 left out", s.Score, s.WeightSum, s.Incomplete)
	}
	if s.Outcome.Status != StatusNotApplicable || s.Outcome.Score != 0 {
		t.Errorf("outcome %+v", s.Outcome)
	}
	if c := findCategory(t, s, CategoryPerformance); c.Status != StatusNotApplicable {
		t.Errorf("performance %+v", c)
	}
}

func TestEverythingPending(t *testing.T) {
	cfg := DefaultScoring()
	tot, err := ScoreTotal(cfg, RegionInput{RegionCode: "11",
		Inflow:  SetInput{Kind: KindInflow, Indicators: []IndicatorInput{qual("IN01", CategoryGuarantee, "")}},
		Outflow: SetInput{Kind: KindOutflow, Indicators: []IndicatorInput{qual("OUT01", CategoryGuarantee, RatingMet)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if tot.Status != StatusPending || tot.Score != 0 || !tot.Incomplete || !slices.Equal(tot.Pending, []string{"IN01"}) {
		t.Errorf("total %+v", tot)
	}
	if tot.Inflow.Status != StatusPending {
		t.Errorf("inflow %s", tot.Inflow.Status)
	}
}

func TestSumFigures(t *testing.T) {
	// Two counties, 90/100 and 1/10: the province has 91/110 (82.7%), not
	// the mean of 90% and 10% (50%).
	got, err := SumFigures([]Figures{{90, 100}, {1, 10}})
	if err != nil {
		t.Fatal(err)
	}
	if got != (Figures{91, 110}) {
		t.Fatalf("got %+v, want 91/110", got)
	}
	ms, err := ScoreMeasure(MeasureInput{Code: "IN14a", Direction: HigherIsBetter, Verified: &got})
	if err != nil {
		t.Fatal(err)
	}
	if ms.Rate != 100*91.0/110 || ms.RateFormula != "100 × 91 / 110" || near(ms.Rate, 50) {
		t.Errorf("rate %v %q", ms.Rate, ms.RateFormula)
	}
	if got, err := SumFigures([]Figures{{0, 0}, {3, 4}}); err != nil || got != (Figures{3, 4}) {
		t.Errorf("a 0/0 part: %+v %v", got, err)
	}
	if got, err := SumFigures(nil); err != nil || got != (Figures{}) {
		t.Errorf("no parts: %+v %v", got, err)
	}
	_, err = SumFigures([]Figures{{1, 2}, {3, 2}, {-1, math.NaN()}})
	if locs := fieldLocations(t, err); !slices.Equal(locs, []string{"parts[1].numerator", "parts[2].numerator", "parts[2].denominator"}) {
		t.Errorf("locations %v", locs)
	}
}

func TestRollUpMeasure(t *testing.T) {
	base := MeasureInput{Code: "IN14a", Direction: HigherIsBetter, Target: ptr(95)}
	part := func(self, ver *Figures) MeasureInput {
		m := base
		m.Target = ptr(95)
		m.SelfReported, m.Verified = self, ver
		return m
	}
	na := base
	na.NotApplicable = true
	tests := []struct {
		name       string
		parts      []MeasureInput
		self, ver  *Figures
		notApplies bool
	}{
		{"all verified", []MeasureInput{part(fig(95, 100), fig(90, 100)), part(fig(2, 10), fig(1, 10))}, fig(97, 110), fig(91, 110), false},
		{"partly verified: self-reported totals, provisional", []MeasureInput{part(fig(95, 100), fig(90, 100)), part(fig(2, 10), nil)}, fig(97, 110), nil, false},
		{"verified without a self-report stands in for it", []MeasureInput{part(nil, fig(90, 100)), part(fig(2, 10), nil)}, fig(92, 110), nil, false},
		{"not-applicable parts are left out", []MeasureInput{part(fig(90, 100), nil), na, part(fig(1, 10), nil)}, fig(91, 110), nil, false},
		{"0/0 parts add nothing", []MeasureInput{part(fig(0, 0), nil), part(fig(1, 10), nil)}, fig(1, 10), nil, false},
		{"every part not applicable", []MeasureInput{na, na}, nil, nil, true},
		{"nothing to count anywhere", []MeasureInput{part(fig(0, 0), fig(0, 0)), part(nil, fig(0, 0))}, fig(0, 0), fig(0, 0), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := RollUpMeasure(tt.parts)
			if err != nil {
				t.Fatal(err)
			}
			eq := func(a, b *Figures) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }
			if !eq(got.SelfReported, tt.self) || !eq(got.Verified, tt.ver) || got.NotApplicable != tt.notApplies {
				t.Errorf("got self %v verified %v n/a %v", got.SelfReported, got.Verified, got.NotApplicable)
			}
			if got.Code != "IN14a" || got.Direction != HigherIsBetter || got.Target == nil || *got.Target != 95 {
				t.Errorf("identity not kept: %+v", got)
			}
			if _, err := ScoreMeasure(got); err != nil {
				t.Errorf("the roll-up does not score: %v", err)
			}
		})
	}

	other := part(fig(1, 2), nil)
	other.Code, other.Direction, other.Target = "IN15a", LowerIsBetter, nil
	_, err := RollUpMeasure([]MeasureInput{part(fig(1, 2), nil), other, part(nil, nil), part(fig(3, 2), nil)})
	want := []string{"parts[1].code", "parts[1].direction", "parts[1].target", "parts[2].self_reported", "parts[3].self_reported.numerator"}
	if locs := fieldLocations(t, err); !slices.Equal(locs, want) {
		t.Errorf("locations %v, want %v", locs, want)
	}
	if _, err := RollUpMeasure(nil); err == nil {
		t.Error("no parts: no error")
	}
}

func TestVeto(t *testing.T) {
	cfg := DefaultScoring()
	region := func(v Veto) RegionInput {
		return RegionInput{RegionCode: "11", Veto: v,
			Inflow: SetInput{Kind: KindInflow, Indicators: []IndicatorInput{
				qual("IN11", CategoryService, RatingMet), qual("IN12", CategoryService, RatingMet)}},
			Outflow: SetInput{Kind: KindOutflow, Indicators: []IndicatorInput{
				qual("OUT09", CategoryService, RatingMet), qual("OUT10", CategoryService, "")}}, // OUT10 pending
		}
	}

	t.Run("not triggered", func(t *testing.T) {
		tot, err := ScoreTotal(cfg, region(Veto{}))
		if err != nil {
			t.Fatal(err)
		}
		if tot.Veto != nil || tot.Inflow.Veto != nil || findIndicator(t, tot.Inflow, "IN12").Veto != nil {
			t.Error("a veto recorded though none was triggered")
		}
		if tot.Inflow.Score != 100 || !tot.Incomplete {
			t.Errorf("inflow %v incomplete %v", tot.Inflow.Score, tot.Incomplete)
		}
	})

	t.Run("triggered: IN12 and OUT10 score 0", func(t *testing.T) {
		tot, err := ScoreTotal(cfg, region(Veto{Triggered: true, Cases: []string{"C-2009-17"}}))
		if err != nil {
			t.Fatal(err)
		}
		in12 := findIndicator(t, tot.Inflow, "IN12")
		if in12.Score != 0 || in12.Status != StatusScored || in12.Veto == nil || !in12.Veto.Vetoed || in12.Veto.Overridden {
			t.Errorf("IN12 %+v veto %+v", in12, in12.Veto)
		}
		if in12.Formula != "0 (one-vote veto; otherwise met = 100)" {
			t.Errorf("IN12 formula %q", in12.Formula)
		}
		out10 := findIndicator(t, tot.Outflow, "OUT10")
		if out10.Score != 0 || out10.Status != StatusScored {
			t.Errorf("OUT10 %+v: a vetoed indicator is scored 0 even before it is rated", out10)
		}
		if tot.Inflow.Score != 50 || tot.Outflow.Score != 50 || tot.Score != 50 || tot.Incomplete {
			t.Errorf("inflow %v outflow %v total %v incomplete %v", tot.Inflow.Score, tot.Outflow.Score, tot.Score, tot.Incomplete)
		}
		if findIndicator(t, tot.Inflow, "IN11").Veto != nil {
			t.Error("IN11 is not a veto indicator")
		}
		v := tot.Veto
		if v == nil || !v.Vetoed || v.Overridden || !slices.Equal(v.Indicators, []string{"IN12", "OUT10"}) || !slices.Equal(v.Cases, []string{"C-2009-17"}) {
			t.Errorf("total veto %+v", v)
		}
	})

	t.Run("overridden with a reason", func(t *testing.T) {
		reason := "the case was handled by another province's station"
		tot, err := ScoreTotal(cfg, region(Veto{Triggered: true, Overridden: true, Reason: reason}))
		if err != nil {
			t.Fatal(err)
		}
		in12 := findIndicator(t, tot.Inflow, "IN12")
		if in12.Score != 100 || in12.Veto == nil || in12.Veto.Vetoed || !in12.Veto.Overridden || in12.Veto.Reason != reason {
			t.Errorf("IN12 %+v veto %+v", in12, in12.Veto)
		}
		if out10 := findIndicator(t, tot.Outflow, "OUT10"); out10.Status != StatusPending {
			t.Errorf("OUT10 %s: overridden, it waits for its rating", out10.Status)
		}
		if tot.Veto == nil || tot.Veto.Vetoed || !tot.Veto.Overridden || tot.Veto.Reason != reason {
			t.Errorf("total veto %+v", tot.Veto)
		}
		if tot.Score != 100 {
			t.Errorf("total %v", tot.Score)
		}
	})

	t.Run("configured veto indicators", func(t *testing.T) {
		c := DefaultScoring()
		c.VetoIndicators = []string{"IN11"}
		tot, err := ScoreTotal(c, region(Veto{Triggered: true}))
		if err != nil {
			t.Fatal(err)
		}
		if findIndicator(t, tot.Inflow, "IN11").Score != 0 || findIndicator(t, tot.Inflow, "IN12").Score != 100 {
			t.Error("the configured veto indicator was not the one vetoed")
		}
		if !slices.Equal(tot.Veto.Indicators, []string{"IN11"}) || tot.Outflow.Veto == nil || tot.Outflow.Veto.Indicators != nil {
			t.Errorf("veto %+v outflow %+v", tot.Veto, tot.Outflow.Veto)
		}
	})

	t.Run("invalid overrides", func(t *testing.T) {
		for _, tt := range []struct {
			veto Veto
			want []string
		}{
			{Veto{Triggered: true, Overridden: true, Reason: "  "}, []string{"veto.reason"}},
			{Veto{Overridden: true, Reason: "why not"}, []string{"veto.overridden"}},
			{Veto{Overridden: true}, []string{"veto.overridden", "veto.reason"}},
		} {
			_, err := ScoreTotal(cfg, region(tt.veto))
			if locs := fieldLocations(t, err); !slices.Equal(locs, tt.want) {
				t.Errorf("%+v: locations %v, want %v", tt.veto, locs, tt.want)
			}
		}
	})
}

func TestValidateWeights(t *testing.T) {
	both := []string{"weights.inflow", "weights.outflow"}
	tests := []struct {
		name string
		w    Weights
		want []string
	}{
		{"default", Weights{0.6, 0.4}, nil},
		{"all inflow", Weights{1, 0}, nil},
		{"0.51 / 0.49", Weights{0.51, 0.49}, nil},
		{"float noise in the sum", Weights{0.1 + 0.2 + 0.4, 0.3}, nil},
		{"within tolerance", Weights{0.6 + 1e-10, 0.4}, nil},
		{"beyond tolerance", Weights{0.6 + 1e-8, 0.4}, both},
		{"equal weights", Weights{0.5, 0.5}, both},
		{"outflow heavier", Weights{0.4, 0.6}, both},
		{"sum above 1", Weights{0.7, 0.4}, both},
		{"sum below 1 and outflow heavier", Weights{0.2, 0.3}, append(slices.Clone(both), both...)},
		{"negative", Weights{1.1, -0.1}, []string{"weights.outflow"}},
		{"NaN", Weights{math.NaN(), 0.4}, []string{"weights.inflow"}},
		{"Inf", Weights{math.Inf(1), math.Inf(-1)}, both},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateWeights(tt.w)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("unexpected %v", err)
				}
				return
			}
			if locs := fieldLocations(t, err); !slices.Equal(locs, tt.want) {
				t.Errorf("locations %v, want %v", locs, tt.want)
			}
			if _, jerr := json.Marshal(err.(*Error).Fields); jerr != nil {
				t.Errorf("field errors do not marshal: %v", jerr)
			}
		})
	}
}

func TestScoringConfigValidate(t *testing.T) {
	if err := DefaultScoring().Validate(); err != nil {
		t.Fatalf("default: %v", err)
	}
	c := DefaultScoring()
	c.Ratings = RatingScores{Met: 101, LargelyMet: math.NaN(), NotMet: -1}
	c.Weights = Weights{0.4, 0.6}
	c.VetoIndicators = []string{"IN12", ""}
	want := []string{"ratings.met", "ratings.largely_met", "ratings.not_met", "weights.inflow", "weights.outflow", "veto_indicators[1]"}
	if locs := fieldLocations(t, c.Validate()); !slices.Equal(locs, want) {
		t.Errorf("locations %v, want %v", locs, want)
	}
	c = DefaultScoring()
	c.Ratings.LargelyMet = 100.5 - 0.5 + 1e-9
	if locs := fieldLocations(t, c.Validate()); !slices.Equal(locs, []string{"ratings.largely_met"}) {
		t.Errorf("inverted ratings: %v", locs)
	}
	// ScoreSet refuses a bad config too.
	c = DefaultScoring()
	c.Weights = Weights{0.5, 0.5}
	if _, err := ScoreSet(c, SetInput{Kind: KindInflow, Indicators: []IndicatorInput{qual("IN01", CategoryGuarantee, RatingMet)}}, Veto{}); err == nil {
		t.Error("ScoreSet took equal weights")
	}
}

func TestScoreTotal(t *testing.T) {
	region := RegionInput{RegionCode: "32",
		Inflow: SetInput{Kind: KindInflow, Indicators: []IndicatorInput{
			qual("IN01", CategoryGuarantee, RatingMet), quant("IN14", up("IN14a", ptr(95), fig(925, 1000), nil))}},
		Outflow: SetInput{Kind: KindOutflow, Indicators: []IndicatorInput{
			qual("OUT01", CategoryGuarantee, RatingLargelyMet),
			{Code: "OUT15", Category: CategoryPerformance, Measures: []MeasureInput{
				{Code: "OUT15a", Direction: HigherIsBetter, Verified: fig(9, 10)},
				{Code: "OUT15b", Direction: LowerIsBetter, Target: ptr(5), Verified: fig(10, 100)}}}}},
	}
	tot, err := ScoreTotal(DefaultScoring(), region)
	if err != nil {
		t.Fatal(err)
	}
	in14 := 100 * 92.5 / 95
	out15 := (90 + 100*90.0/95) / 2
	wantIn, wantOut := (100+in14)/2, (60+out15)/2
	if !near(tot.Inflow.Score, wantIn) || !near(tot.Outflow.Score, wantOut) || !near(tot.Score, 0.6*wantIn+0.4*wantOut) {
		t.Errorf("inflow %v outflow %v total %v", tot.Inflow.Score, tot.Outflow.Score, tot.Score)
	}
	if want := "0.6 × " + num(tot.Inflow.Score) + " + 0.4 × " + num(tot.Outflow.Score); tot.Formula != want {
		t.Errorf("formula %q, want %q", tot.Formula, want)
	}
	if !tot.Provisional || tot.Outflow.Provisional || !tot.Inflow.Provisional || tot.Incomplete || tot.Status != StatusScored {
		t.Errorf("provisional %v (in %v, out %v) incomplete %v status %s", tot.Provisional, tot.Inflow.Provisional, tot.Outflow.Provisional, tot.Incomplete, tot.Status)
	}
	if tot.RegionCode != "32" || tot.Weights != (Weights{0.6, 0.4}) {
		t.Errorf("inputs not echoed: %q %+v", tot.RegionCode, tot.Weights)
	}

	// Verifying IN14a makes everything final.
	region.Inflow.Indicators[1].Measures[0].Verified = fig(900, 1000)
	tot, err = ScoreTotal(DefaultScoring(), region)
	if err != nil {
		t.Fatal(err)
	}
	if tot.Provisional || !near(tot.Inflow.Score, (100+100*90.0/95)/2) {
		t.Errorf("after verification: provisional %v inflow %v", tot.Provisional, tot.Inflow.Score)
	}

	cfg := DefaultScoring()
	cfg.Weights = Weights{0.7, 0.3}
	tot, err = ScoreTotal(cfg, region)
	if err != nil {
		t.Fatal(err)
	}
	if !near(tot.Score, 0.7*tot.Inflow.Score+0.3*tot.Outflow.Score) || !strings.HasPrefix(tot.Formula, "0.7 × ") {
		t.Errorf("custom weights: %v %q", tot.Score, tot.Formula)
	}
}

func TestScoreTotalInvalid(t *testing.T) {
	cfg := DefaultScoring()
	cfg.Weights = Weights{0.4, 0.6}
	_, err := ScoreTotal(cfg, RegionInput{RegionCode: "x1",
		Inflow: SetInput{Kind: KindOutflow, Indicators: []IndicatorInput{
			{Code: "IN01", Category: "bogus", Rating: "excellent", Weight: -1},
			{Code: "IN01", Category: CategoryGuarantee, Rating: RatingMet},
			{Code: "IN14", Category: CategoryPerformance, Rating: RatingMet, Measures: []MeasureInput{
				{Code: "IN14a", Direction: HigherIsBetter, SelfReported: fig(5, 0)},
				{Code: "IN14a", Direction: HigherIsBetter, NotApplicable: true}}},
		}},
		Outflow: SetInput{Kind: KindOutflow},
	})
	want := []string{
		"weights.inflow", "weights.outflow", "region_code",
		"inflow.kind",
		"inflow.indicators[0].category", "inflow.indicators[0].weight", "inflow.indicators[0].rating",
		"inflow.indicators[1].code",
		"inflow.indicators[2].rating",
		"inflow.indicators[2].measures[0].self_reported.denominator", "inflow.indicators[2].measures[0].self_reported.numerator",
		"inflow.indicators[2].measures[1].code",
		"outflow.indicators",
	}
	locs := fieldLocations(t, err)
	if !slices.Equal(locs, want) {
		t.Errorf("locations\n%v\nwant\n%v", strings.Join(locs, "\n"), strings.Join(want, "\n"))
	}
}

func TestRank(t *testing.T) {
	tot := func(code string, score float64) Total {
		return Total{RegionCode: code, Score: score, Status: StatusScored}
	}
	noise := 0.1 + 0.2 // 0.30000000000000004
	got := Rank([]Total{
		tot("44", 70), tot("11", 90), tot("32", 80), tot("31", 80),
		{RegionCode: "12", Status: StatusPending}, tot("65", 60+noise), tot("15", 60.3),
		tot("33", 90.5),
	})
	want := []RankEntry{
		{Rank: 1, RegionCode: "33", Score: 90.5},
		{Rank: 2, RegionCode: "11", Score: 90},
		{Rank: 3, RegionCode: "31", Score: 80},
		{Rank: 3, RegionCode: "32", Score: 80},
		{Rank: 5, RegionCode: "44", Score: 70},
		{Rank: 6, RegionCode: "15", Score: 60.3},
		{Rank: 6, RegionCode: "65", Score: 60 + noise},
		{Rank: 0, RegionCode: "12", Status: StatusPending},
	}
	for i := range want {
		if want[i].Status == "" {
			want[i].Status = StatusScored
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}

	got = Rank([]Total{tot("21", 80), tot("13", 90), tot("12", 80), tot("11", 80)})
	var ranks []int
	for _, e := range got {
		ranks = append(ranks, e.Rank)
	}
	if !slices.Equal(ranks, []int{1, 2, 2, 2}) || got[1].RegionCode != "11" || got[3].RegionCode != "21" {
		t.Errorf("ties: %+v", got)
	}
	if len(Rank(nil)) != 0 {
		t.Error("empty ranking not empty")
	}
}

func TestRound(t *testing.T) {
	tests := []struct {
		x      float64
		places int
		want   float64
	}{
		{2.675, 2, 2.68}, // 2.67499999999999982236431605997495353221893310546875 in binary
		{1.005, 2, 1.01},
		{0.125, 2, 0.13},
		{2.5, 0, 3},
		{-2.5, 0, -3},
		{-1.005, 2, -1.01},
		{97.36842105263158, 2, 97.37},
		{97.36842105263158, 1, 97.4},
		{99.995, 2, 100},
		{9.96, 1, 10},
		{12.3, 3, 12.3},
		{85, 2, 85},
		{0.004, 2, 0},
		{-0.004, 2, 0},
		{1e-20, 2, 0},
		{123.456, -1, 123},
		{2.4999999, 0, 2},
	}
	for _, tt := range tests {
		if got := Round(tt.x, tt.places); got != tt.want || math.Signbit(got) != math.Signbit(tt.want) {
			t.Errorf("Round(%v, %d) = %v, want %v", tt.x, tt.places, got, tt.want)
		}
	}
	if !math.IsNaN(Round(math.NaN(), 2)) || !math.IsInf(Round(math.Inf(-1), 2), -1) {
		t.Error("NaN or Inf changed")
	}
}

func TestNewSetInputFromCatalogue(t *testing.T) {
	inflow, outflow := nationalSets()
	in, out := NewSetInput(KindInflow, inflow), NewSetInput(KindOutflow, outflow)
	if len(in.Indicators) != 21 || len(out.Indicators) != 18 {
		t.Fatalf("%d and %d indicators", len(in.Indicators), len(out.Indicators))
	}
	in18 := in.Indicators[17]
	if in18.Code != "IN18" || len(in18.Measures) != 2 || in18.Measures[1].Code != "IN18b" || *in18.Measures[1].Target != 85 {
		t.Errorf("IN18 %+v", in18)
	}
	*in18.Measures[1].Target = 1
	if *inflow[17].Measures[1].Target != 85 {
		t.Error("the input shares its target with the catalogue")
	}
	if out.Indicators[14].Measures[1].Direction != LowerIsBetter {
		t.Errorf("OUT15b %+v", out.Indicators[14].Measures[1])
	}
}

// TestJSONTags checks that every key of a full result is snake_case, so the
// API can serve results as they are.
func TestJSONTags(t *testing.T) {
	inflow, outflow := nationalSets()
	r := syntheticRegion("11", inflow, outflow, 7)
	r.Veto = Veto{Triggered: true, Cases: []string{"1"}}
	tot, err := ScoreTotal(DefaultScoring(), r)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(tot)
	if err != nil {
		t.Fatal(err)
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	snake := regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	keys := map[string]bool{}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				keys[k] = true
				if !snake.MatchString(k) {
					t.Errorf("key %q is not snake_case", k)
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	for _, k := range []string{"region_code", "rate_formula", "self_reported", "weight_sum", "included", "categories", "process", "outcome", "veto", "vetoed"} {
		if !keys[k] {
			t.Errorf("no key %q in %s", k, b)
		}
	}
	b, _ = json.Marshal(Rank([]Total{tot}))
	if !strings.Contains(string(b), `"rank":1`) {
		t.Errorf("ranking %s", b)
	}
}

// syntheticRegion fills every indicator of the national sets: qualitative
// ones rated, quantitative ones self-reported and mostly verified, from seed.
func syntheticRegion(code string, inflow, outflow []Indicator, seed uint64) RegionInput {
	x := seed*2862933555777941757 + 3037000493
	next := func(n uint64) uint64 { x = x*6364136223846793005 + 1442695040888963407; return (x >> 33) % n }
	ratings := []Rating{RatingMet, RatingLargelyMet, RatingNotMet}
	fill := func(s SetInput) SetInput {
		for i := range s.Indicators {
			ind := &s.Indicators[i]
			if len(ind.Measures) == 0 {
				ind.Rating = ratings[next(3)]
				continue
			}
			for j := range ind.Measures {
				d := float64(100 + next(1000))
				n := float64(next(uint64(d) + 1))
				ind.Measures[j].SelfReported = fig(n, d)
				if next(4) != 0 {
					ind.Measures[j].Verified = fig(math.Max(0, n-float64(next(10))), d)
				}
			}
		}
		return s
	}
	return RegionInput{RegionCode: code, Inflow: fill(NewSetInput(KindInflow, inflow)), Outflow: fill(NewSetInput(KindOutflow, outflow))}
}

// Properties.

func genFigures(t *rapid.T, label string) *Figures {
	d := rapid.IntRange(1, 1_000_000_000).Draw(t, label+".denominator")
	n := rapid.IntRange(0, d).Draw(t, label+".numerator")
	return fig(float64(n), float64(d))
}

func genMeasure(t *rapid.T, code string) MeasureInput {
	m := MeasureInput{Code: code, Direction: rapid.SampledFrom([]Direction{HigherIsBetter, LowerIsBetter}).Draw(t, "direction")}
	if rapid.Bool().Draw(t, "has_target") {
		m.Target = ptr(rapid.SampledFrom([]float64{0, 100, 50, 95, 5}).Draw(t, "edge_target"))
		if rapid.Bool().Draw(t, "any_target") {
			m.Target = ptr(rapid.Float64Range(0, 100).Draw(t, "target"))
		}
	}
	switch rapid.IntRange(0, 3).Draw(t, "figures") {
	case 0:
		m.NotApplicable = true
	case 1:
		m.SelfReported = genFigures(t, "self")
	case 2:
		m.Verified = genFigures(t, "verified")
	default:
		m.SelfReported, m.Verified = genFigures(t, "self"), genFigures(t, "verified")
	}
	return m
}

func genSet(t *rapid.T, kind SetKind, prefix string) SetInput {
	n := rapid.IntRange(1, 25).Draw(t, prefix+".n")
	s := SetInput{Kind: kind}
	for i := range n {
		code := prefix + twoDigits(i+1)
		ind := IndicatorInput{
			Code:     code,
			Category: rapid.SampledFrom(Categories).Draw(t, "category"),
			Weight:   rapid.SampledFrom([]float64{0, 1, 0.5, 2, 3.7, 1e-6, 1e6}).Draw(t, "weight"),
		}
		if rapid.Bool().Draw(t, "quantitative") {
			for j := range rapid.IntRange(1, 3).Draw(t, "measures") {
				ind.Measures = append(ind.Measures, genMeasure(t, MeasureCode(code, j)))
			}
		} else {
			ind.Rating = rapid.SampledFrom([]Rating{"", RatingMet, RatingLargelyMet, RatingNotMet}).Draw(t, "rating")
		}
		s.Indicators = append(s.Indicators, ind)
	}
	return s
}

func genConfig(t *rapid.T) ScoringConfig {
	c := DefaultScoring()
	lo := rapid.Float64Range(0, 100).Draw(t, "not_met")
	mid := rapid.Float64Range(lo, 100).Draw(t, "largely_met")
	c.Ratings = RatingScores{NotMet: lo, LargelyMet: mid, Met: rapid.Float64Range(mid, 100).Draw(t, "met")}
	out := rapid.Float64Range(0, 0.4999).Draw(t, "w_out")
	c.Weights = Weights{Inflow: 1 - out, Outflow: out}
	return c
}

func checkRange(t *rapid.T, what string, x float64) {
	if !(x >= 0 && x <= 100) {
		t.Fatalf("%s = %v, outside [0, 100]", what, x)
	}
}

func checkMean(t *rapid.T, what string, m MeanScore) {
	checkRange(t, what, m.Score)
	if m.Status != StatusScored && m.Score != 0 {
		t.Fatalf("%s: %s with score %v", what, m.Status, m.Score)
	}
}

// Every score at every step lies in [0, 100] and is never NaN.
func TestPropertyScoresWithinRange(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		in := RegionInput{RegionCode: "11", Inflow: genSet(t, KindInflow, "IN"), Outflow: genSet(t, KindOutflow, "OUT")}
		in.Veto.Triggered = rapid.Bool().Draw(t, "veto")
		if in.Veto.Triggered && rapid.Bool().Draw(t, "override") {
			in.Veto.Overridden, in.Veto.Reason = true, "checked"
		}
		tot, err := ScoreTotal(genConfig(t), in)
		if err != nil {
			t.Fatal(err)
		}
		checkRange(t, "total", tot.Score)
		for _, s := range []SetScore{tot.Inflow, tot.Outflow} {
			checkMean(t, string(s.Kind), s.MeanScore)
			checkMean(t, "process", s.Process)
			checkMean(t, "outcome", s.Outcome)
			for _, c := range s.Categories {
				checkMean(t, string(c.Category), c.MeanScore)
			}
			for _, ind := range s.Indicators {
				checkRange(t, ind.Code, ind.Score)
				for _, m := range ind.Measures {
					checkRange(t, m.Code+" rate", m.Rate)
					checkRange(t, m.Code, m.Score)
				}
			}
		}
	})
}

// A verified figure always wins: the measure scores exactly as if only the
// verified figure had been given, and is not provisional.
func TestPropertyVerifiedWins(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := genMeasure(t, "IN14a")
		m.NotApplicable = false
		m.SelfReported, m.Verified = genFigures(t, "self"), genFigures(t, "verified")
		both, err := ScoreMeasure(m)
		if err != nil {
			t.Fatal(err)
		}
		m.SelfReported = nil
		only, err := ScoreMeasure(m)
		if err != nil {
			t.Fatal(err)
		}
		if both.Source != SourceVerified || both.Provisional || both.Rate != only.Rate || both.Score != only.Score || both.Formula != only.Formula {
			t.Fatalf("with self-report %+v, verified only %+v", both, only)
		}
	})
}

// A roll-up's rate lies between its parts' lowest and highest rates (it is a
// mediant, never a mean), and equals Σ numerators / Σ denominators.
func TestPropertyRollUpIsRatioOfSums(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 40).Draw(t, "counties")
		parts := make([]Figures, n)
		lo, hi := 100.0, 0.0
		var sn, sd float64
		for i := range parts {
			parts[i] = *genFigures(t, "county")
			r := 100 * parts[i].Numerator / parts[i].Denominator
			lo, hi = math.Min(lo, r), math.Max(hi, r)
			sn += parts[i].Numerator
			sd += parts[i].Denominator
		}
		sum, err := SumFigures(parts)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Numerator != sn || sum.Denominator != sd {
			t.Fatalf("sum %+v, want %v/%v", sum, sn, sd)
		}
		rate := 100 * sum.Numerator / sum.Denominator
		if rate < lo-1e-9 || rate > hi+1e-9 {
			t.Fatalf("rate %v outside the parts' [%v, %v]", rate, lo, hi)
		}
	})
}

// Whatever comes in, ScoreTotal never panics: it returns an EInvalid error,
// or scores within [0, 100].
func TestPropertyNoPanicOnAnyInput(t *testing.T) {
	anyFloat := rapid.OneOf(rapid.Float64(), rapid.SampledFrom([]float64{math.NaN(), math.Inf(1), math.Inf(-1), -1, 0, 1, 100, 101, 2e15}))
	rapid.Check(t, func(t *rapid.T) {
		var inds []IndicatorInput
		for range rapid.IntRange(0, 4).Draw(t, "n") {
			ind := IndicatorInput{
				Code:     rapid.SampledFrom([]string{"", "IN01", "IN12", "IN14"}).Draw(t, "code"),
				Category: rapid.SampledFrom(append([]Category{"", "x"}, Categories...)).Draw(t, "category"),
				Weight:   anyFloat.Draw(t, "weight"),
				Rating:   rapid.SampledFrom([]Rating{"", "x", RatingMet}).Draw(t, "rating"),
			}
			for range rapid.IntRange(0, 2).Draw(t, "measures") {
				m := MeasureInput{
					Code:          rapid.SampledFrom([]string{"", "a", "b"}).Draw(t, "mcode"),
					Direction:     rapid.SampledFrom([]Direction{"", HigherIsBetter, LowerIsBetter}).Draw(t, "direction"),
					NotApplicable: rapid.Bool().Draw(t, "na"),
				}
				if rapid.Bool().Draw(t, "target") {
					m.Target = ptr(anyFloat.Draw(t, "t"))
				}
				if rapid.Bool().Draw(t, "self") {
					m.SelfReported = fig(anyFloat.Draw(t, "sn"), anyFloat.Draw(t, "sd"))
				}
				if rapid.Bool().Draw(t, "verified") {
					m.Verified = fig(anyFloat.Draw(t, "vn"), anyFloat.Draw(t, "vd"))
				}
				ind.Measures = append(ind.Measures, m)
			}
			inds = append(inds, ind)
		}
		cfg := DefaultScoring()
		cfg.Weights = Weights{anyFloat.Draw(t, "wi"), anyFloat.Draw(t, "wo")}
		tot, err := ScoreTotal(cfg, RegionInput{RegionCode: "11",
			Inflow:  SetInput{Kind: KindInflow, Indicators: inds},
			Outflow: SetInput{Kind: KindOutflow, Indicators: []IndicatorInput{qual("OUT01", CategoryGuarantee, RatingMet)}},
		})
		if err != nil {
			if ErrorCode(err) != EInvalid {
				t.Fatalf("error %v is not EInvalid", err)
			}
			if _, jerr := json.Marshal(err.(*Error).Fields); jerr != nil {
				t.Fatalf("field errors do not marshal: %v", jerr)
			}
			return
		}
		checkRange(t, "total", tot.Score)
		if _, jerr := json.Marshal(tot); jerr != nil {
			t.Fatalf("total does not marshal: %v", jerr)
		}
	})
}
