package domain

// Scoring: the default rules of DOMAIN.md §4 as pure functions.
//
// The chain is measure → indicator → category → set → total, and every
// result on it carries its inputs, the formula it used as a short string and
// its value, so that a person can redo the arithmetic by hand. Everything is
// float64 from start to end; Round exists for display only.

import (
	"math"
	"slices"
	"strconv"
	"strings"
)

// Rating is a reviewer's verdict on a qualitative indicator.
type Rating string

const (
	RatingMet        Rating = "met"         // 达标
	RatingLargelyMet Rating = "largely_met" // 基本达标
	RatingNotMet     Rating = "not_met"     // 未达标
)

// Valid reports whether r is one of the three ratings. The empty rating is
// not valid: it means "not rated yet" (pending).
func (r Rating) Valid() bool {
	return r == RatingMet || r == RatingLargelyMet || r == RatingNotMet
}

// RatingScores gives the points, 0–100, that each rating scores.
type RatingScores struct {
	Met        float64 `json:"met"`
	LargelyMet float64 `json:"largely_met"`
	NotMet     float64 `json:"not_met"`
}

// Score returns the points of r, and false when r is not a valid rating.
func (s RatingScores) Score(r Rating) (float64, bool) {
	switch r {
	case RatingMet:
		return s.Met, true
	case RatingLargelyMet:
		return s.LargelyMet, true
	case RatingNotMet:
		return s.NotMet, true
	}
	return 0, false
}

// Weights are the weights of the two sets in a region's total.
type Weights struct {
	Inflow  float64 `json:"inflow"`
	Outflow float64 `json:"outflow"`
}

// WeightTolerance is how far inflow + outflow may be from 1.
const WeightTolerance = 1e-9

// ValidateWeights returns nil when both weights are finite and >= 0, sum to
// 1 (within WeightTolerance) and the inflow weight is strictly greater than
// the outflow weight (the notice: 流入地检查评估指标的权重大于流出地).
// Otherwise it returns an EInvalid *Error whose fields are
// "weights.inflow" and "weights.outflow"; a rule that joins the two (the sum,
// the order) is reported on both fields, so a form can mark both.
func ValidateWeights(w Weights) error {
	var v Validation
	checkWeights(&v, w)
	return v.Err()
}

func checkWeights(v *Validation, w Weights) {
	ok := true
	for _, f := range []struct {
		loc string
		x   float64
	}{{"weights.inflow", w.Inflow}, {"weights.outflow", w.Outflow}} {
		if !(f.x >= 0) || math.IsInf(f.x, 0) { // !(x >= 0) also catches NaN
			addNumber(v, f.loc, f.x, "must be a finite number >= 0")
			ok = false
		}
	}
	if !ok {
		return
	}
	if sum := w.Inflow + w.Outflow; math.Abs(sum-1) > WeightTolerance {
		msg := "weights.inflow + weights.outflow must be 1, is " + num(sum)
		v.AddValue("weights.inflow", w.Inflow, "%s", msg)
		v.AddValue("weights.outflow", w.Outflow, "%s", msg)
	}
	if !(w.Inflow > w.Outflow) {
		msg := "the inflow set must weigh more than the outflow set (流入地检查评估指标的权重大于流出地)"
		v.AddValue("weights.inflow", w.Inflow, "%s", msg)
		v.AddValue("weights.outflow", w.Outflow, "%s", msg)
	}
}

// ScoringConfig is a campaign's scoring rules. DefaultScoring gives the
// defaults of DOMAIN.md; Validate states what a campaign may set.
type ScoringConfig struct {
	Ratings RatingScores `json:"ratings"`
	Weights Weights      `json:"weights"`
	// VetoIndicators are the indicator codes that the one-vote veto
	// (一票否决) scores 0, in whichever set they occur.
	VetoIndicators []string `json:"veto_indicators"`
}

// DefaultScoring returns the default rules: met 100, largely met 60, not
// met 0; weights 0.6 / 0.4; veto indicators IN12 and OUT10. Each call returns
// a fresh value that the caller may change.
func DefaultScoring() ScoringConfig {
	return ScoringConfig{
		Ratings:        RatingScores{Met: 100, LargelyMet: 60, NotMet: 0},
		Weights:        Weights{Inflow: 0.6, Outflow: 0.4},
		VetoIndicators: []string{"IN12", "OUT10"},
	}
}

// Validate returns nil when every rating scores a finite 0–100 with
// met >= largely_met >= not_met, the weights pass ValidateWeights and no
// veto code is empty; otherwise an EInvalid *Error listing every problem
// ("ratings.met", "weights.inflow", "veto_indicators[1]", …).
func (c ScoringConfig) Validate() error {
	var v Validation
	checkConfig(&v, &c)
	return v.Err()
}

func checkConfig(v *Validation, c *ScoringConfig) {
	ok := true
	for _, f := range []struct {
		loc string
		x   float64
	}{{"ratings.met", c.Ratings.Met}, {"ratings.largely_met", c.Ratings.LargelyMet}, {"ratings.not_met", c.Ratings.NotMet}} {
		if !(f.x >= 0 && f.x <= 100) {
			addNumber(v, f.loc, f.x, "must be a score from 0 to 100")
			ok = false
		}
	}
	if ok && !(c.Ratings.Met >= c.Ratings.LargelyMet && c.Ratings.LargelyMet >= c.Ratings.NotMet) {
		v.AddValue("ratings.largely_met", c.Ratings.LargelyMet, "must lie between not_met (%s) and met (%s)",
			num(c.Ratings.NotMet), num(c.Ratings.Met))
	}
	checkWeights(v, c.Weights)
	for i, code := range c.VetoIndicators {
		if code == "" {
			v.Add("veto_indicators["+strconv.Itoa(i)+"]", "must be an indicator code")
		}
	}
}

// Figures are the counts behind one rate: rate = 100 × numerator / denominator.
type Figures struct {
	Numerator   float64 `json:"numerator"`
	Denominator float64 `json:"denominator"`
}

// MaxFigure bounds every numerator and denominator: below it float64 holds
// every whole count exactly, so sums of counts do not drift.
const MaxFigure = 1e15

// FigureSource says which figure a measure was scored from.
type FigureSource string

const (
	SourceVerified     FigureSource = "verified"      // checked by the site review
	SourceSelfReported FigureSource = "self_reported" // the region's own claim; the score is provisional
)

// ScoreStatus says whether a result has a score, and why not.
type ScoreStatus string

const (
	StatusScored        ScoreStatus = "scored"
	StatusNotApplicable ScoreStatus = "not_applicable" // excluded from every mean
	StatusPending       ScoreStatus = "pending"        // not rated yet: excluded and listed; the result is incomplete
)

// MeasureInput is one measure of a quantitative indicator for one region.
//
// Contract: Code is required; Direction is valid; Target, when set, is a
// percentage in [0, 100]. Unless NotApplicable, at least one of SelfReported
// and Verified is given, and every figure given is finite, 0 <= numerator <=
// denominator <= MaxFigure and denominator > 0 (a rate of nothing is not
// applicable: say so). Verified wins over SelfReported when both are given.
type MeasureInput struct {
	Code          string    `json:"code"`
	Direction     Direction `json:"direction"`
	Target        *float64  `json:"target,omitempty"`
	NotApplicable bool      `json:"not_applicable,omitempty"`
	SelfReported  *Figures  `json:"self_reported,omitempty"`
	Verified      *Figures  `json:"verified,omitempty"`
}

// NewMeasureInput starts a MeasureInput from a catalogue measure: code,
// direction and target (copied), no figures.
func NewMeasureInput(m Measure) MeasureInput {
	return MeasureInput{Code: m.Code, Direction: m.Direction, Target: copyPtr(m.Target)}
}

// MeasureScore is the score of one measure.
//
// When Status is not_applicable only Code, Direction and Target are set.
// Otherwise Rate = 100 × numerator / denominator of the figure named by
// Source (RateFormula shows it), and Score follows Formula:
//
//	higher is better, target t > 0:  100 × min(1, rate / t)
//	lower is better, target t < 100: 100 × min(1, (100 − rate) / (100 − t))
//	higher is better, target 0; lower is better, target 100: 100
//	no target: rate (higher is better) or 100 − rate (lower is better)
type MeasureScore struct {
	Code         string       `json:"code"`
	Direction    Direction    `json:"direction"`
	Target       *float64     `json:"target,omitempty"`
	Status       ScoreStatus  `json:"status"` // scored or not_applicable
	SelfReported *Figures     `json:"self_reported,omitempty"`
	Verified     *Figures     `json:"verified,omitempty"`
	Source       FigureSource `json:"source,omitempty"`
	Rate         float64      `json:"rate"`
	RateFormula  string       `json:"rate_formula,omitempty"`
	Score        float64      `json:"score"`
	Formula      string       `json:"formula"`
	Provisional  bool         `json:"provisional"` // scored from a self-reported figure
}

// ScoreMeasure scores one measure (see MeasureScore for the formulas). It
// returns an EInvalid *Error listing every problem when m breaks the
// MeasureInput contract; locations are relative to the measure
// ("self_reported.numerator").
func ScoreMeasure(m MeasureInput) (MeasureScore, error) {
	var v Validation
	s := scoreMeasure(&v, nil, &m)
	if err := v.Err(); err != nil {
		return MeasureScore{}, err
	}
	return s, nil
}

func scoreMeasure(v *Validation, at *loc, m *MeasureInput) MeasureScore {
	out := MeasureScore{Code: m.Code, Direction: m.Direction, Target: copyPtr(m.Target)}
	ok := true
	if m.Code == "" {
		v.Add(at.at("code"), "is required")
		ok = false
	}
	if !m.Direction.Valid() {
		v.AddValue(at.at("direction"), string(m.Direction), "must be %q or %q", HigherIsBetter, LowerIsBetter)
		ok = false
	}
	if t := m.Target; t != nil && !(*t >= 0 && *t <= 100) {
		addNumber(v, at.at("target"), *t, "must be a percentage from 0 to 100")
		ok = false
	}
	if m.NotApplicable {
		out.Status = StatusNotApplicable
		out.Formula = "not applicable: excluded"
		return out
	}
	out.SelfReported, out.Verified = copyPtr(m.SelfReported), copyPtr(m.Verified)
	if m.SelfReported == nil && m.Verified == nil {
		v.Add(at.at("self_reported"), "a self-reported or verified figure is required unless the measure is not applicable")
		return out
	}
	if m.SelfReported != nil && !checkFigures(v, at, "self_reported", *m.SelfReported, false) {
		ok = false
	}
	if m.Verified != nil && !checkFigures(v, at, "verified", *m.Verified, false) {
		ok = false
	}
	if !ok {
		return out
	}
	f, src := m.Verified, SourceVerified
	if f == nil {
		f, src = m.SelfReported, SourceSelfReported
	}
	out.Status = StatusScored
	out.Source = src
	out.Provisional = src == SourceSelfReported
	// 100 × n first: for whole counts it is exact, so the rate is rounded once.
	out.Rate = clamp100(100 * f.Numerator / f.Denominator)
	out.RateFormula = "100 × " + num(f.Numerator) + " / " + num(f.Denominator)
	out.Score, out.Formula = rateScore(m.Direction, m.Target, out.Rate)
	return out
}

// rateScore applies the measure formulas to a valid rate in [0, 100].
func rateScore(d Direction, target *float64, rate float64) (float64, string) {
	r := num(rate)
	switch {
	case d == HigherIsBetter && target == nil:
		return rate, r + " (no target: the rate itself)"
	case d == HigherIsBetter && *target == 0:
		return 100, "100 (target 0: every rate meets it)"
	case d == HigherIsBetter:
		t := *target
		return clamp100(100 * math.Min(1, rate/t)), "100 × min(1, " + r + " / " + num(t) + ")"
	case target == nil:
		return clamp100(100 - rate), "100 − " + r + " (no target)"
	case *target == 100:
		return 100, "100 (target 100: every rate meets it)"
	default:
		t := *target
		return clamp100(100 * math.Min(1, (100-rate)/(100-t))),
			"100 × min(1, (100 − " + r + ") / (100 − " + num(t) + "))"
	}
}

// checkFigures validates f at at.name and reports whether it is valid. A
// zero denominator is allowed only for the parts of a roll-up.
func checkFigures(v *Validation, at *loc, name string, f Figures, zeroDenominatorOK bool) bool {
	ok := true
	path := func(field string) string {
		if name == "" {
			return at.at(field)
		}
		return at.at(name + "." + field)
	}
	good := func(field string, x float64) bool {
		switch {
		case math.IsNaN(x) || math.IsInf(x, 0):
			v.Add(path(field), "must be a finite number")
		case x < 0:
			v.AddValue(path(field), x, "must not be negative")
		case x > MaxFigure:
			v.AddValue(path(field), x, "must be at most %s", num(MaxFigure))
		default:
			return true
		}
		ok = false
		return false
	}
	n, d := good("numerator", f.Numerator), good("denominator", f.Denominator)
	if d && f.Denominator == 0 && !zeroDenominatorOK {
		v.AddValue(path("denominator"), f.Denominator, "must be greater than 0; mark the measure not applicable when there is nothing to count")
		ok = false
	}
	if n && d && f.Numerator > f.Denominator {
		v.AddValue(path("numerator"), f.Numerator, "must not exceed the denominator (%s)", num(f.Denominator))
		ok = false
	}
	return ok
}

// SumFigures rolls figures up the region tree: Σ numerators over Σ
// denominators of the lower regions, never a mean of their rates (90/100 and
// 1/10 give 91/110). Each part must be finite with 0 <= numerator <=
// denominator <= MaxFigure; a part of 0/0 (nothing to count there) is fine.
// Otherwise it returns an EInvalid *Error with locations "parts[i].numerator".
func SumFigures(parts []Figures) (Figures, error) {
	var v Validation
	var sum Figures
	for i, p := range parts {
		pl := loc{name: "parts", index: i}
		if checkFigures(&v, &pl, "", p, true) {
			sum.Numerator += p.Numerator
			sum.Denominator += p.Denominator
		}
	}
	if err := v.Err(); err != nil {
		return Figures{}, err
	}
	return sum, nil
}

// RollUpMeasure sums one measure over lower regions (SumFigures' rule),
// e.g. a province's figures from its counties. Every part must have the same
// code, direction and target; parts that are not applicable are left out.
//
// The result's Verified is Σ verified only once every applicable part is
// verified: until then it is nil and the measure scores provisionally from
// SelfReported, so no rate mixes the two sources. SelfReported is Σ
// self-reported, where a part that was verified without ever being
// self-reported counts with its verified figure. The result is not applicable
// when every part is, or when the figure it would be scored from has a
// zero denominator (nobody to count in the whole region).
func RollUpMeasure(parts []MeasureInput) (MeasureInput, error) {
	var v Validation
	if len(parts) == 0 {
		v.Add("parts", "must list at least one lower region")
		return MeasureInput{}, v.Err()
	}
	first := &parts[0]
	out := MeasureInput{Code: first.Code, Direction: first.Direction, Target: copyPtr(first.Target)}
	var self, ver Figures
	applicable, verified := 0, 0
	for i := range parts {
		p := &parts[i]
		pl := loc{name: "parts", index: i}
		if p.Code != first.Code {
			v.AddValue(pl.at("code"), p.Code, "must be the same as parts[0].code (%s)", first.Code)
		}
		if p.Direction != first.Direction {
			v.AddValue(pl.at("direction"), string(p.Direction), "must be the same as parts[0].direction (%s)", first.Direction)
		}
		if !sameTarget(p.Target, first.Target) {
			v.Add(pl.at("target"), "must be the same as parts[0].target")
		}
		if p.NotApplicable {
			continue
		}
		applicable++
		if p.SelfReported == nil && p.Verified == nil {
			v.Add(pl.at("self_reported"), "a self-reported or verified figure is required unless the measure is not applicable")
			continue
		}
		if p.SelfReported != nil && checkFigures(&v, &pl, "self_reported", *p.SelfReported, true) {
			self.Numerator += p.SelfReported.Numerator
			self.Denominator += p.SelfReported.Denominator
		}
		if p.Verified != nil && checkFigures(&v, &pl, "verified", *p.Verified, true) {
			verified++
			ver.Numerator += p.Verified.Numerator
			ver.Denominator += p.Verified.Denominator
			if p.SelfReported == nil {
				self.Numerator += p.Verified.Numerator
				self.Denominator += p.Verified.Denominator
			}
		}
	}
	if err := v.Err(); err != nil {
		return MeasureInput{}, err
	}
	if applicable == 0 {
		out.NotApplicable = true
		return out, nil
	}
	out.SelfReported = &self
	scored := out.SelfReported
	if verified == applicable {
		out.Verified = &ver
		scored = out.Verified
	}
	if scored.Denominator == 0 {
		out.NotApplicable = true
	}
	return out, nil
}

func sameTarget(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// IndicatorInput is one indicator of a set for one region.
//
// Contract: Code is required and unique in its set; Category is valid;
// Weight is finite and >= 0, where 0 means the default 1 (leave an indicator
// out of the set to drop it). An indicator with Measures is quantitative and
// must not carry a Rating; one without is qualitative, and its Rating is
// empty (pending: not rated yet) or valid. Measure codes are unique.
type IndicatorInput struct {
	Code     string         `json:"code"`
	Category Category       `json:"category"`
	Weight   float64        `json:"weight,omitempty"`
	Rating   Rating         `json:"rating,omitempty"`
	Measures []MeasureInput `json:"measures,omitempty"`
}

// NewIndicatorInput starts an IndicatorInput from a catalogue indicator:
// code, category, weight and measures (NewMeasureInput), no rating or figures.
func NewIndicatorInput(ind Indicator) IndicatorInput {
	in := IndicatorInput{Code: ind.Code, Category: ind.Category, Weight: ind.Weight}
	if len(ind.Measures) > 0 {
		in.Measures = make([]MeasureInput, len(ind.Measures))
		for i, m := range ind.Measures {
			in.Measures[i] = NewMeasureInput(m)
		}
	}
	return in
}

// VetoOutcome records the one-vote veto (一票否决) where it was triggered.
type VetoOutcome struct {
	Vetoed     bool     `json:"vetoed"` // the veto indicators scored 0
	Overridden bool     `json:"overridden"`
	Reason     string   `json:"reason,omitempty"` // the reviewer's reason for overriding
	Cases      []string `json:"cases,omitempty"`
	// Indicators are the veto indicators concerned (set and total only).
	Indicators []string `json:"indicators,omitempty"`
}

// IndicatorScore is the score of one indicator. Weight is the weight used
// (1 when the input said 0).
//
// Formula: a qualitative indicator scores its rating's points ("met = 100");
// a quantitative one the plain mean of its applicable measures, and is not
// applicable when none is; a qualitative one with no rating is pending. A
// vetoed indicator scores 0 whatever its rating or measures, and is neither
// pending nor provisional. Provisional: an applicable measure was scored
// from a self-reported figure.
type IndicatorScore struct {
	Code         string         `json:"code"`
	Category     Category       `json:"category"`
	Weight       float64        `json:"weight"`
	Quantitative bool           `json:"quantitative"`
	Rating       Rating         `json:"rating,omitempty"`
	Measures     []MeasureScore `json:"measures,omitempty"`
	Status       ScoreStatus    `json:"status"`
	Score        float64        `json:"score"`
	Formula      string         `json:"formula"`
	Provisional  bool           `json:"provisional"`
	Veto         *VetoOutcome   `json:"veto,omitempty"` // set when this is a veto indicator and the veto was triggered
}

// Veto is what the one-vote veto needs to know about a region.
//
// Contract: Triggered when the region had a substantiated vicious case
// (恶性案件) or three-prohibition violation in the campaign window; Cases
// names them, for the record. Overridden only when Triggered, and then
// Reason is required.
type Veto struct {
	Triggered  bool     `json:"triggered"`
	Cases      []string `json:"cases,omitempty"`
	Overridden bool     `json:"overridden"`
	Reason     string   `json:"reason,omitempty"`
}

func checkVeto(v *Validation, w Veto) {
	if w.Overridden && !w.Triggered {
		v.Add("veto.overridden", "there is no veto to override")
	}
	if w.Overridden && strings.TrimSpace(w.Reason) == "" {
		v.Add("veto.reason", "is required to override the one-vote veto")
	}
}

func scoreIndicator(v *Validation, at *loc, cfg *ScoringConfig, in *IndicatorInput, veto *Veto) IndicatorScore {
	out := IndicatorScore{Code: in.Code, Category: in.Category, Weight: in.Weight, Quantitative: len(in.Measures) > 0, Rating: in.Rating}
	if in.Code == "" {
		v.Add(at.at("code"), "is required")
	}
	if !in.Category.Valid() {
		v.AddValue(at.at("category"), string(in.Category), "must be one of guarantee, management, service, performance, incentive")
	}
	switch {
	case !(in.Weight >= 0) || math.IsInf(in.Weight, 0):
		addNumber(v, at.at("weight"), in.Weight, "must be a finite number >= 0 (0 means the default 1)")
	case in.Weight == 0:
		out.Weight = 1
	}

	if out.Quantitative {
		if in.Rating != "" {
			v.AddValue(at.at("rating"), string(in.Rating), "a quantitative indicator is scored from its measures, not rated")
		}
		out.Measures = make([]MeasureScore, len(in.Measures))
		var sum float64
		n := 0
		for i := range in.Measures {
			m := &in.Measures[i]
			ml := loc{up: at, name: "measures", index: i}
			for j := range i {
				if m.Code != "" && in.Measures[j].Code == m.Code {
					v.AddValue(ml.at("code"), m.Code, "duplicates measures[%d]", j)
					break
				}
			}
			ms := scoreMeasure(v, &ml, m)
			out.Measures[i] = ms
			if ms.Status == StatusScored {
				sum += ms.Score
				n++
				out.Provisional = out.Provisional || ms.Provisional
			}
		}
		if n == 0 {
			out.Status = StatusNotApplicable
			out.Formula = "not applicable: no measure applies"
		} else {
			out.Status = StatusScored
			out.Score = clamp100(sum / float64(n))
			out.Formula = measureMeanFormula(out.Measures, n)
		}
	} else {
		switch points, ok := cfg.Ratings.Score(in.Rating); {
		case in.Rating == "":
			out.Status = StatusPending
			out.Formula = "pending: not rated yet"
		case !ok:
			v.AddValue(at.at("rating"), string(in.Rating), "must be %q, %q or %q (or empty while pending)", RatingMet, RatingLargelyMet, RatingNotMet)
		default:
			out.Status = StatusScored
			out.Score = points
			out.Formula = string(in.Rating) + " = " + num(points)
		}
	}

	if veto.Triggered && slices.Contains(cfg.VetoIndicators, in.Code) {
		out.Veto = &VetoOutcome{Vetoed: !veto.Overridden, Overridden: veto.Overridden, Reason: veto.Reason, Cases: slices.Clone(veto.Cases)}
		if !veto.Overridden {
			out.Formula = "0 (one-vote veto; otherwise " + out.Formula + ")"
			out.Status = StatusScored
			out.Score = 0
			out.Provisional = false
		}
	}
	return out
}

func measureMeanFormula(ms []MeasureScore, n int) string {
	var b strings.Builder
	b.WriteByte('(')
	first := true
	for i := range ms {
		if ms[i].Status != StatusScored {
			continue
		}
		if !first {
			b.WriteString(" + ")
		}
		first = false
		b.WriteString(num(ms[i].Score))
	}
	b.WriteString(") / ")
	b.WriteString(strconv.Itoa(n))
	return b.String()
}

// SetInput is one indicator set (inflow or outflow) for one region.
// Contract: Kind is valid and there is at least one indicator, each keeping
// the IndicatorInput contract.
type SetInput struct {
	Kind       SetKind          `json:"kind"`
	Indicators []IndicatorInput `json:"indicators"`
}

// NewSetInput starts a SetInput from a catalogue set's indicators, in their
// order, with no ratings or figures.
func NewSetInput(kind SetKind, inds []Indicator) SetInput {
	s := SetInput{Kind: kind, Indicators: make([]IndicatorInput, len(inds))}
	for i, ind := range inds {
		s.Indicators[i] = NewIndicatorInput(ind)
	}
	return s
}

// MeanScore is a weighted mean of indicator scores: Σ(weight × score) / Σ
// weight over the indicators whose status is scored. Included lists those,
// Pending and NotApplicable the ones left out. Status is scored when at
// least one indicator was; else pending when one is pending; else
// not_applicable (Score is then 0). Incomplete: something is pending.
// Provisional: an indicator in the mean is provisional.
type MeanScore struct {
	Score         float64     `json:"score"`
	Status        ScoreStatus `json:"status"`
	Formula       string      `json:"formula"`
	WeightSum     float64     `json:"weight_sum"`
	Included      []string    `json:"included"`
	Pending       []string    `json:"pending,omitempty"`
	NotApplicable []string    `json:"not_applicable,omitempty"`
	Provisional   bool        `json:"provisional"`
	Incomplete    bool        `json:"incomplete"`
}

// CategoryScore is the sub-score of one category within a set.
type CategoryScore struct {
	Category Category `json:"category"`
	MeanScore
}

// SetScore is a set's score: the weighted mean of all its scored indicators,
// with the category sub-scores (in the notice's order, the categories the set
// has), the process sub-total (qualitative indicators) and the outcome
// sub-total (quantitative, i.e. performance, indicators).
type SetScore struct {
	Kind SetKind `json:"kind"`
	MeanScore
	Categories []CategoryScore  `json:"categories"`
	Process    MeanScore        `json:"process"`
	Outcome    MeanScore        `json:"outcome"`
	Indicators []IndicatorScore `json:"indicators"`     // in the input's order
	Veto       *VetoOutcome     `json:"veto,omitempty"` // set when the veto was triggered
}

// ScoreSet scores one set for one region under cfg, applying the region's
// veto. It returns an EInvalid *Error listing every problem when cfg fails
// Validate, in breaks the SetInput contract or veto the Veto contract;
// locations look like "indicators[3].measures[0].verified.numerator".
func ScoreSet(cfg ScoringConfig, in SetInput, veto Veto) (SetScore, error) {
	var v Validation
	checkConfig(&v, &cfg)
	checkVeto(&v, veto)
	s := scoreSet(&v, nil, &cfg, &in, &veto, "")
	if err := v.Err(); err != nil {
		return SetScore{}, err
	}
	return s, nil
}

// scoreSet scores a set; want, when not empty, is the kind the set must be.
func scoreSet(v *Validation, at *loc, cfg *ScoringConfig, in *SetInput, veto *Veto, want SetKind) SetScore {
	switch {
	case want != "" && in.Kind != want:
		v.AddValue(at.at("kind"), string(in.Kind), "must be %q", want)
	case !in.Kind.Valid():
		v.AddValue(at.at("kind"), string(in.Kind), "must be %q or %q", KindInflow, KindOutflow)
	}
	if len(in.Indicators) == 0 {
		v.Add(at.at("indicators"), "must list at least one indicator")
	}
	out := SetScore{Kind: in.Kind, Indicators: make([]IndicatorScore, len(in.Indicators))}
	for i := range in.Indicators {
		ind := &in.Indicators[i]
		il := loc{up: at, name: "indicators", index: i}
		for j := range i {
			if ind.Code != "" && in.Indicators[j].Code == ind.Code {
				v.AddValue(il.at("code"), ind.Code, "duplicates indicators[%d]", j)
				break
			}
		}
		out.Indicators[i] = scoreIndicator(v, &il, cfg, ind, veto)
	}
	if !v.OK() {
		return out
	}

	all := out.Indicators
	out.MeanScore = meanOver(all, func(*IndicatorScore) bool { return true })
	for _, c := range Categories {
		if slices.ContainsFunc(all, func(s IndicatorScore) bool { return s.Category == c }) {
			in := func(s *IndicatorScore) bool { return s.Category == c }
			out.Categories = append(out.Categories, CategoryScore{Category: c, MeanScore: meanOver(all, in)})
		}
	}
	out.Process = meanOver(all, func(s *IndicatorScore) bool { return !s.Quantitative })
	out.Outcome = meanOver(all, func(s *IndicatorScore) bool { return s.Quantitative })
	if veto.Triggered {
		out.Veto = &VetoOutcome{Vetoed: !veto.Overridden, Overridden: veto.Overridden, Reason: veto.Reason, Cases: slices.Clone(veto.Cases)}
		for i := range all {
			if all[i].Veto != nil {
				out.Veto.Indicators = append(out.Veto.Indicators, all[i].Code)
			}
		}
	}
	return out
}

// meanOver is the weighted mean of the scored indicators that keep selects.
func meanOver(inds []IndicatorScore, keep func(*IndicatorScore) bool) MeanScore {
	m := MeanScore{Included: []string{}}
	unit := true
	for i := range inds {
		if s := &inds[i]; s.Status == StatusScored && keep(s) && s.Weight != 1 {
			unit = false
		}
	}
	var sum float64
	var b strings.Builder
	b.WriteByte('(')
	for i := range inds {
		s := &inds[i]
		if !keep(s) {
			continue
		}
		switch s.Status {
		case StatusPending:
			m.Pending = append(m.Pending, s.Code)
			continue
		case StatusNotApplicable:
			m.NotApplicable = append(m.NotApplicable, s.Code)
			continue
		}
		if len(m.Included) > 0 {
			b.WriteString(" + ")
		}
		m.Included = append(m.Included, s.Code)
		if !unit {
			b.WriteString(num(s.Weight))
			b.WriteString(" × ")
		}
		b.WriteString(num(s.Score))
		sum += s.Weight * s.Score
		m.WeightSum += s.Weight
		m.Provisional = m.Provisional || s.Provisional
	}
	m.Incomplete = len(m.Pending) > 0
	switch {
	case len(m.Included) > 0:
		m.Status = StatusScored
		m.Score = clamp100(sum / m.WeightSum)
		b.WriteString(") / ")
		b.WriteString(num(m.WeightSum))
		m.Formula = b.String()
	case m.Incomplete:
		m.Status = StatusPending
		m.Formula = "no score yet: every indicator is pending or not applicable"
	default:
		m.Status = StatusNotApplicable
		m.Formula = "not applicable: no indicator applies"
	}
	return m
}

// RegionInput is everything needed to score one inspected region: both sets
// and the veto, which applies to the veto indicators of either set.
// Contract: RegionCode is a statistical division code; Inflow.Kind is inflow
// and Outflow.Kind is outflow; the sets and the veto keep their contracts.
type RegionInput struct {
	RegionCode string   `json:"region_code"`
	Inflow     SetInput `json:"inflow"`
	Outflow    SetInput `json:"outflow"`
	Veto       Veto     `json:"veto"`
}

// Total is a region's total: Weights.Inflow × inflow score + Weights.Outflow
// × outflow score. It is scored only when both sets are; otherwise Status is
// pending (a set has no score yet) or not_applicable, and Score is 0.
// Provisional, Incomplete and Pending gather those of both sets.
type Total struct {
	RegionCode  string       `json:"region_code"`
	Score       float64      `json:"score"`
	Status      ScoreStatus  `json:"status"`
	Formula     string       `json:"formula"`
	Weights     Weights      `json:"weights"`
	Provisional bool         `json:"provisional"`
	Incomplete  bool         `json:"incomplete"`
	Pending     []string     `json:"pending,omitempty"`
	Veto        *VetoOutcome `json:"veto,omitempty"` // set when the veto was triggered
	Inflow      SetScore     `json:"inflow"`
	Outflow     SetScore     `json:"outflow"`
}

// ScoreTotal scores both sets of a region (ScoreSet) and combines them. It
// returns an EInvalid *Error listing every problem of cfg and in together;
// set locations are prefixed "inflow." and "outflow.".
func ScoreTotal(cfg ScoringConfig, in RegionInput) (Total, error) {
	var v Validation
	checkConfig(&v, &cfg)
	if _, ok := LevelOfCode(in.RegionCode); !ok {
		v.AddValue("region_code", in.RegionCode, "must be a statistical division code")
	}
	checkVeto(&v, in.Veto)
	inflow := scoreSet(&v, &loc{name: "inflow", index: -1}, &cfg, &in.Inflow, &in.Veto, KindInflow)
	outflow := scoreSet(&v, &loc{name: "outflow", index: -1}, &cfg, &in.Outflow, &in.Veto, KindOutflow)
	if err := v.Err(); err != nil {
		return Total{}, err
	}
	t := Total{
		RegionCode:  in.RegionCode,
		Weights:     cfg.Weights,
		Provisional: inflow.Provisional || outflow.Provisional,
		Incomplete:  inflow.Incomplete || outflow.Incomplete,
		Pending:     append(slices.Clip(inflow.Pending), outflow.Pending...),
		Inflow:      inflow,
		Outflow:     outflow,
	}
	switch {
	case inflow.Status == StatusScored && outflow.Status == StatusScored:
		t.Status = StatusScored
		t.Score = clamp100(cfg.Weights.Inflow*inflow.Score + cfg.Weights.Outflow*outflow.Score)
		t.Formula = num(cfg.Weights.Inflow) + " × " + num(inflow.Score) + " + " + num(cfg.Weights.Outflow) + " × " + num(outflow.Score)
	case inflow.Status == StatusPending || outflow.Status == StatusPending:
		t.Status = StatusPending
		t.Formula = "no total yet: a set has no score"
	default:
		t.Status = StatusNotApplicable
		t.Formula = "not applicable: a set has no applicable indicator"
	}
	if in.Veto.Triggered {
		t.Veto = &VetoOutcome{Vetoed: !in.Veto.Overridden, Overridden: in.Veto.Overridden, Reason: in.Veto.Reason, Cases: slices.Clone(in.Veto.Cases)}
		for _, s := range []*SetScore{&inflow, &outflow} {
			if s.Veto != nil {
				t.Veto.Indicators = append(t.Veto.Indicators, s.Veto.Indicators...)
			}
		}
	}
	return t, nil
}

// RankEntry is one line of a ranking.
type RankEntry struct {
	Rank        int         `json:"rank"` // from 1; 0 when the total has no score
	RegionCode  string      `json:"region_code"`
	Score       float64     `json:"score"`
	Status      ScoreStatus `json:"status"`
	Provisional bool        `json:"provisional"`
	Incomplete  bool        `json:"incomplete"`
}

// Rank orders regions by total, highest first. Equal totals share a rank
// and the next rank skips (1, 2, 2, 4); regions with equal totals, and the
// unranked ones, are listed by region code. Totals are equal when they agree
// to 9 decimal places: that absorbs float noise from adding the same scores
// in another order, far below any displayed precision. Totals that are not
// scored come last with rank 0. totals is not modified.
func Rank(totals []Total) []RankEntry {
	out := make([]RankEntry, len(totals))
	for i := range totals {
		t := &totals[i]
		out[i] = RankEntry{RegionCode: t.RegionCode, Score: t.Score, Status: t.Status, Provisional: t.Provisional, Incomplete: t.Incomplete}
	}
	slices.SortStableFunc(out, func(a, b RankEntry) int {
		as, bs := a.Status == StatusScored, b.Status == StatusScored
		switch {
		case as && !bs:
			return -1
		case !as && bs:
			return 1
		case as:
			if ka, kb := rankKey(a.Score), rankKey(b.Score); ka != kb {
				if ka > kb {
					return -1
				}
				return 1
			}
		}
		return strings.Compare(a.RegionCode, b.RegionCode)
	})
	for i := range out {
		switch {
		case out[i].Status != StatusScored:
			out[i].Rank = 0
		case i > 0 && out[i-1].Status == StatusScored && rankKey(out[i-1].Score) == rankKey(out[i].Score):
			out[i].Rank = out[i-1].Rank
		default:
			out[i].Rank = i + 1
		}
	}
	return out
}

func rankKey(score float64) float64 { return math.Round(score * 1e9) }

// Round rounds x to places decimal places, half away from zero, for display
// only: nothing in scoring rounds. It rounds the shortest decimal that
// prints as x, so Round(2.675, 2) is 2.68 and Round(1.005, 2) is 1.01 as a
// person expects, though neither is exactly representable in binary. places
// below 0 count as 0; NaN and ±Inf come back unchanged.
func Round(x float64, places int) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) || x == 0 {
		return x
	}
	places = max(places, 0)
	s := strconv.FormatFloat(math.Abs(x), 'f', -1, 64)
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) <= places {
		return x
	}
	digits := []byte(whole + frac[:places])
	if frac[places] >= '5' { // the shortest form: a 5 here means at least half
		i := len(digits) - 1
		for ; i >= 0 && digits[i] == '9'; i-- {
			digits[i] = '0'
		}
		if i < 0 {
			digits = append([]byte{'1'}, digits...)
		} else {
			digits[i]++
		}
	}
	cut := len(digits) - places
	r, err := strconv.ParseFloat(string(digits[:cut])+"."+string(digits[cut:]), 64)
	if err != nil || r == 0 {
		return 0
	}
	if x < 0 {
		return -r
	}
	return r
}

// loc is a field location built only when a problem is reported, so that
// valid input costs no string building: name, or name[index] when index >= 0,
// under up.
type loc struct {
	up    *loc
	name  string
	index int
}

func (l *loc) String() string {
	if l == nil {
		return ""
	}
	s := l.up.String()
	if l.name != "" {
		if s != "" {
			s += "."
		}
		s += l.name
	}
	if l.index >= 0 {
		s += "[" + strconv.Itoa(l.index) + "]"
	}
	return s
}

// at returns the location of field under l; an empty field is l itself.
func (l *loc) at(field string) string {
	s := l.String()
	switch {
	case field == "":
		return s
	case s == "":
		return field
	}
	return s + "." + field
}

// addNumber reports a problem with a number, echoing it only when finite
// (NaN and ±Inf cannot travel in JSON).
func addNumber(v *Validation, location string, x float64, msg string) {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		v.Add(location, "%s", msg)
		return
	}
	v.AddValue(location, x, "%s", msg)
}

// num prints x as the shortest decimal that reads back as x, never in
// exponent form, so formulas can be retyped into a calculator.
func num(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// clamp100 keeps a result that is within [0, 100] in exact arithmetic there
// after float rounding (e.g. a weighted mean of 100s at 100.00000000000001).
func clamp100(x float64) float64 { return math.Min(100, math.Max(0, x)) }

func copyPtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	c := *p
	return &c
}
