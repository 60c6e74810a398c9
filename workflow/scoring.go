package workflow

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/store"
)

// Scoring scores inspections (DOMAIN.md §4) from what the self-check and
// the site review recorded, under the campaign's rules: its weights, its
// targets (which override the sets' own measure targets) and the one-vote
// veto. The arithmetic is domain's (ScoreTotal, RollUpMeasure, Rank); this
// use case only gathers the inputs.
//
// What goes in, per inspection:
//   - Indicators that no level of the inspected region's subtree is
//     assessed at (IN05 省级 for a county) are left out of the sets; see
//     assessable.
//   - A qualitative indicator scores its review rating; unrated, it is
//     pending.
//   - A measure scores its verified figures once the site review gave them,
//     else the self-reported ones, rolled up the region tree (see RollUp),
//     and is then provisional. A quantitative indicator with no figures at
//     all yet is pending.
//   - The veto is triggered when VetoCases counts a case in the campaign's
//     window; a reviewer's veto_override on a veto indicator overrides it.
//
// Nothing is rounded: every score is the full float64 and rounding is for
// display (domain.Round).
type Scoring struct {
	Deps
	// VetoCases counts the substantiated vicious cases and three-prohibition
	// violations in a region from `from` (inclusive) to `to` (exclusive).
	// nil means no veto ever; the app wires HotlineVetoCases.
	VetoCases func(ctx context.Context, tx *store.Tx, regionCode string, from, to time.Time) (int64, error)
	// Config returns the scoring rules of a campaign; nil means
	// domain.DefaultScoring with the campaign's weights.
	Config func(c domain.Campaign) domain.ScoringConfig
}

// HotlineVetoCases is VetoCases from the hotline's figures: the
// substantiated vicious cases and three-prohibition violations among the
// complaints accusing a region in regionCode's subtree, received in the
// window (store.Tx.ComplaintCounts).
func HotlineVetoCases(_ context.Context, tx *store.Tx, regionCode string, from, to time.Time) (int64, error) {
	f, err := tx.ComplaintCounts(regionCode, from, to)
	if err != nil {
		return 0, err
	}
	return f.VetoSubstantiated, nil
}

// CampaignWindow is the span a campaign's veto looks at: from 1 January of
// its start year to 1 January after its end year, China time.
func CampaignWindow(c domain.Campaign) (from, to time.Time) {
	return time.Date(c.StartYear, 1, 1, 0, 0, 0, 0, domain.ChinaTime),
		time.Date(c.EndYear+1, 1, 1, 0, 0, 0, 0, domain.ChinaTime)
}

func (s *Scoring) config(c domain.Campaign) domain.ScoringConfig {
	if s.Config != nil {
		return s.Config(c)
	}
	cfg := domain.DefaultScoring()
	cfg.Weights = c.Weights
	return cfg
}

// campaignSets is a campaign's two pinned sets.
type campaignSets struct {
	inflow, outflow domain.IndicatorSet
}

func (cs *campaignSets) each() []*domain.IndicatorSet {
	return []*domain.IndicatorSet{&cs.inflow, &cs.outflow}
}

// indicator finds an indicator in either set.
func (cs *campaignSets) indicator(code string) (domain.Indicator, domain.SetKind, bool) {
	for _, set := range cs.each() {
		if ind, ok := set.Indicator(code); ok {
			return ind, set.Kind, true
		}
	}
	return domain.Indicator{}, "", false
}

func loadSets(tx *store.Tx, c domain.Campaign) (campaignSets, error) {
	in, err := tx.IndicatorSet(c.InflowSetID)
	if err != nil {
		return campaignSets{}, fmt.Errorf("campaign %d inflow set: %w", c.ID, err)
	}
	out, err := tx.IndicatorSet(c.OutflowSetID)
	if err != nil {
		return campaignSets{}, fmt.Errorf("campaign %d outflow set: %w", c.ID, err)
	}
	return campaignSets{inflow: in, outflow: out}, nil
}

// assessable reports whether an indicator is assessed anywhere in the
// subtree of a region of level lv: its lowest level is lv or below. (A
// province's subtree has every level from province to village; a county's
// has no province, so 省级 indicators are not assessed for a county.)
func assessable(ind domain.Indicator, lv domain.Level) bool { return ind.Level.Lowest >= lv }

// InspectionTotal scores one inspection as it stands: domain.Total with the
// whole chain (measure → indicator → category → set → total). It runs in
// tx and checks no permission: the caller has.
func (s *Scoring) InspectionTotal(ctx context.Context, tx *store.Tx, inspectionID int64) (domain.Total, error) {
	in, err := tx.Inspection(inspectionID, false)
	if err != nil {
		return domain.Total{}, err
	}
	c, err := tx.Campaign(in.CampaignID, false)
	if err != nil {
		return domain.Total{}, err
	}
	sets, err := loadSets(tx, c)
	if err != nil {
		return domain.Total{}, err
	}
	answers, err := tx.Answers(in.ID)
	if err != nil {
		return domain.Total{}, err
	}
	reviews, err := tx.Reviews(in.ID)
	if err != nil {
		return domain.Total{}, err
	}
	return s.total(ctx, tx, c, &sets, in, answers, reviews)
}

// BatchTotals scores every inspection of a batch (cancelled ones aside), in
// inspection id order; domain.Rank ranks them. It runs in tx and checks no
// permission.
func (s *Scoring) BatchTotals(ctx context.Context, tx *store.Tx, batchID int64) ([]domain.Total, error) {
	totals, _, err := s.batchTotals(ctx, tx, batchID)
	return totals, err
}

// batchTotals is BatchTotals that also returns the inspections scored.
func (s *Scoring) batchTotals(ctx context.Context, tx *store.Tx, batchID int64) ([]domain.Total, []domain.Inspection, error) {
	b, err := tx.Batch(batchID, false)
	if err != nil {
		return nil, nil, err
	}
	c, err := tx.Campaign(b.CampaignID, false)
	if err != nil {
		return nil, nil, err
	}
	sets, err := loadSets(tx, c)
	if err != nil {
		return nil, nil, err
	}
	all, err := tx.BatchInspections(batchID, false)
	if err != nil {
		return nil, nil, err
	}
	ins := slices.DeleteFunc(all, func(in domain.Inspection) bool { return in.State == domain.InspectionCancelled })
	ids := make([]int64, len(ins))
	for i, in := range ins {
		ids[i] = in.ID
	}
	// Only the figures: a national batch has tens of thousands of answers.
	answers, err := tx.AnswerFiguresOf(ids)
	if err != nil {
		return nil, nil, err
	}
	reviews, err := tx.ReviewsOf(ids)
	if err != nil {
		return nil, nil, err
	}
	out := make([]domain.Total, len(ins))
	for i, in := range ins {
		if out[i], err = s.total(ctx, tx, c, &sets, in, answers[in.ID], reviews[in.ID]); err != nil {
			return nil, nil, err
		}
	}
	return out, ins, nil
}

// veto looks up the one-vote veto of an inspected region.
func (s *Scoring) veto(ctx context.Context, tx *store.Tx, cfg *domain.ScoringConfig, c domain.Campaign, in domain.Inspection, reviews []domain.Review) (domain.Veto, error) {
	if s.VetoCases == nil {
		return domain.Veto{}, nil
	}
	from, to := CampaignWindow(c)
	n, err := s.VetoCases(ctx, tx, in.RegionCode, from, to)
	if err != nil {
		return domain.Veto{}, fmt.Errorf("veto of %s: %w", in.RegionCode, err)
	}
	if n == 0 {
		return domain.Veto{}, nil
	}
	v := domain.Veto{Triggered: true, Cases: []string{fmt.Sprintf(
		"%d substantiated vicious-case or three-prohibition complaint(s) in %s from %s to %s",
		n, in.RegionCode, from.Format(time.DateOnly), to.AddDate(0, 0, -1).Format(time.DateOnly))}}
	var reasons []string
	for _, r := range reviews {
		if r.VetoOverride != "" && slices.Contains(cfg.VetoIndicators, r.IndicatorCode) {
			reasons = append(reasons, r.IndicatorCode+": "+r.VetoOverride)
		}
	}
	if len(reasons) > 0 {
		v.Overridden, v.Reason = true, strings.Join(reasons, "; ")
	}
	return v, nil
}

// total scores one inspection from its answers and reviews.
func (s *Scoring) total(ctx context.Context, tx *store.Tx, c domain.Campaign, sets *campaignSets, in domain.Inspection, answers []domain.Answer, reviews []domain.Review) (domain.Total, error) {
	cfg := s.config(c)
	veto, err := s.veto(ctx, tx, &cfg, c, in, reviews)
	if err != nil {
		return domain.Total{}, err
	}
	return scoreInspection(cfg, c, sets, in.RegionCode, answers, reviews, veto)
}

// scoreInspection builds the domain's input from the records and scores it.
func scoreInspection(cfg domain.ScoringConfig, c domain.Campaign, sets *campaignSets, region string, answers []domain.Answer, reviews []domain.Review, veto domain.Veto) (domain.Total, error) {
	lv, ok := domain.LevelOfCode(region)
	if !ok {
		return domain.Total{}, fmt.Errorf("scoring: inspected region %q is no region code", region)
	}
	byIndicator := map[string][]domain.Answer{}
	for _, a := range answers {
		byIndicator[a.IndicatorCode] = append(byIndicator[a.IndicatorCode], a)
	}
	review := map[string]*domain.Review{}
	for i := range reviews {
		review[reviews[i].IndicatorCode] = &reviews[i]
	}
	in := domain.RegionInput{RegionCode: region, Veto: veto}
	pending := map[string]bool{} // quantitative indicators with no figures yet
	for _, set := range sets.each() {
		var inds []domain.Indicator
		for _, ind := range set.Indicators {
			if assessable(ind, lv) {
				inds = append(inds, ind)
			}
		}
		si := domain.NewSetInput(set.Kind, inds)
		for i := range si.Indicators {
			ii := &si.Indicators[i]
			rv := review[ii.Code]
			if len(ii.Measures) == 0 {
				if rv != nil {
					ii.Rating = rv.Rating
				}
				continue
			}
			given := 0
			parts := newRollUpParts(byIndicator[ii.Code], region)
			for j := range ii.Measures {
				m := &ii.Measures[j]
				if t, ok := c.Targets[m.Code]; ok {
					m.Target = &t
				}
				ru, err := parts.rollUp(m.Code, m.Direction)
				if err != nil {
					return domain.Total{}, err
				}
				if ru.Answered {
					given++
					m.NotApplicable = ru.Input.NotApplicable
					m.SelfReported = ru.Input.SelfReported
				}
				if rv != nil {
					if f, ok := rv.Measures[m.Code]; ok {
						given++
						if f.NotApplicable {
							m.NotApplicable, m.Verified = true, nil
						} else {
							m.NotApplicable = false
							m.Verified = &domain.Figures{Numerator: f.Numerator, Denominator: f.Denominator}
						}
					}
				}
				if !m.NotApplicable && m.SelfReported == nil && m.Verified == nil {
					// Answered as a whole (another measure has figures) but
					// with none for this one: it counts as not applicable
					// rather than as a figure of nothing.
					m.NotApplicable = true
				}
			}
			if given == 0 {
				// Nothing yet: pending, which the domain expresses for an
				// indicator without measures; markPending restores the kind.
				ii.Measures = nil
				pending[ii.Code] = true
			}
		}
		if set.Kind == domain.KindInflow {
			in.Inflow = si
		} else {
			in.Outflow = si
		}
	}
	t, err := domain.ScoreTotal(cfg, in)
	if err != nil {
		return domain.Total{}, fmt.Errorf("scoring %s: %w", region, err)
	}
	if len(pending) > 0 {
		markPending(&t.Inflow, pending)
		markPending(&t.Outflow, pending)
	}
	return t, nil
}

// markPending restores quantitative indicators that were scored as pending
// qualitative ones (they had no figures at all): they count among the
// outcome sub-total's pending indicators, not the process one's. The
// scores are unchanged: pending indicators are in no mean.
func markPending(s *domain.SetScore, pending map[string]bool) {
	for i := range s.Indicators {
		ind := &s.Indicators[i]
		if !pending[ind.Code] || ind.Status != domain.StatusPending {
			continue
		}
		ind.Quantitative = true
		ind.Formula = "pending: no figures yet"
		s.Process.Pending = slices.DeleteFunc(s.Process.Pending, func(c string) bool { return c == ind.Code })
		s.Outcome.Pending = append(s.Outcome.Pending, ind.Code)
	}
	fixMean(&s.Process)
	fixMean(&s.Outcome)
}

// fixMean recomputes a mean's status after its pending list changed, as
// the domain's rule says: scored when something is included, else pending
// when something is pending, else not applicable.
func fixMean(m *domain.MeanScore) {
	if len(m.Pending) == 0 {
		m.Pending = nil
	}
	m.Incomplete = len(m.Pending) > 0
	if len(m.Included) > 0 {
		return
	}
	if m.Incomplete {
		m.Status = domain.StatusPending
		m.Formula = "no score yet: every indicator is pending or not applicable"
	} else {
		m.Status = domain.StatusNotApplicable
		m.Formula = "not applicable: no indicator applies"
	}
}

// MeasureRollUp is one measure's self-reported figures for an inspected
// region, and where they come from.
//
// The rule (DOMAIN.md: figures are summed upward): a region's figure is
// the one it gave itself, if any; otherwise Σ numerators / Σ denominators
// of the figures of the regions below it, applying the same rule at every
// level — never a mean of rates. So a figure given directly at the
// inspected region wins over the roll-up of its counties (the region's own
// signed claim; Below still shows what the lower regions add up to, for
// the reviewer to compare), and a prefecture's figure replaces its
// counties'. Regions that said the measure does not apply are left out;
// when every answer does, the measure is not applicable.
type MeasureRollUp struct {
	Code string `json:"code"`
	// Answered: at least one region answered the measure's indicator.
	Answered bool `json:"answered"`
	// Input is the measure as scoring receives it: SelfReported is the
	// figure used, or NotApplicable.
	Input domain.MeasureInput `json:"-"`
	// Figures is the figure used (nil when not applicable or unanswered).
	Figures *domain.Figures `json:"figures,omitempty"`
	// Rate is 100 × numerator / denominator of Figures.
	Rate *float64 `json:"rate,omitempty"`
	// NotApplicable: every region that answered said it does not apply.
	NotApplicable bool `json:"not_applicable"`
	// Source is "inspected_region" when the inspected region gave the
	// figure itself, "roll_up" when it is the sum of lower regions'.
	Source string `json:"source,omitempty"`
	// Regions are the regions whose figures were summed (or the inspected
	// region alone); NotApplicableIn those that said it does not apply;
	// Superseded those whose figures a region above them replaced.
	Regions         []string `json:"regions"`
	NotApplicableIn []string `json:"not_applicable_in,omitempty"`
	Superseded      []string `json:"superseded,omitempty"`
	Formula         string   `json:"formula,omitempty"`
	// Below is the roll-up of the regions below the inspected region, shown
	// when the inspected region also gave a figure of its own.
	Below *domain.Figures `json:"below,omitempty"`
}

// RollUp rolls one measure's self-reported figures up to region from the
// current answers of its indicator (all in region's subtree), by the rule
// of MeasureRollUp, through domain.RollUpMeasure.
func RollUp(answers []domain.Answer, measure string, dir domain.Direction, region string) (MeasureRollUp, error) {
	return newRollUpParts(answers, region).rollUp(measure, dir)
}

// rollUpParts is which of an indicator's answers a roll-up to region sums:
// the same for each of the indicator's measures, so scoring finds them once
// per indicator rather than once per measure.
type rollUpParts struct {
	answers    []domain.Answer
	region     string
	top        []int    // topMost's indexes
	superseded []string // topMost's superseded regions
}

func newRollUpParts(answers []domain.Answer, region string) *rollUpParts {
	p := &rollUpParts{answers: answers, region: region}
	if len(answers) > 0 {
		p.top, p.superseded = topMost(answers, region, false)
	}
	return p
}

// rollUp is RollUp of one measure.
func (p *rollUpParts) rollUp(measure string, dir domain.Direction) (MeasureRollUp, error) {
	answers, region, top := p.answers, p.region, p.top
	out := MeasureRollUp{Code: measure, Regions: []string{}}
	if len(answers) == 0 {
		return out, nil
	}
	out.Answered = true
	out.Superseded = slices.Clone(p.superseded)
	in, used, na, err := sumParts(answers, top, measure, dir)
	if err != nil {
		return out, err
	}
	out.Input, out.Regions, out.NotApplicableIn = in, used, na
	if len(top) == 1 && answers[top[0]].RegionCode == region {
		out.Source = "inspected_region"
		if below, _ := topMost(answers, region, true); len(below) > 0 {
			if bin, _, _, err := sumParts(answers, below, measure, dir); err == nil && !bin.NotApplicable && bin.SelfReported != nil {
				out.Below = bin.SelfReported
			}
		}
	} else {
		out.Source = "roll_up"
	}
	if in.NotApplicable || in.SelfReported == nil {
		out.NotApplicable = true
		out.Input.NotApplicable = true
		out.Input.SelfReported = nil
		return out, nil
	}
	f := *in.SelfReported
	out.Figures = &f
	rate := 100 * f.Numerator / f.Denominator
	out.Rate = &rate
	out.Formula = rollUpFormula(answers, top, measure, f)
	return out, nil
}

// topMost returns the indexes of the answers that no answer of a region
// above them (within region's subtree) replaces, and the regions of the
// others. With below, the inspected region's own answer is left out first.
func topMost(answers []domain.Answer, region string, below bool) (top []int, superseded []string) {
	at := make(map[string]bool, len(answers))
	for _, a := range answers {
		if below && a.RegionCode == region {
			continue
		}
		at[a.RegionCode] = true
	}
	for i, a := range answers {
		if below && a.RegionCode == region {
			continue
		}
		covered := false
		// The parent chain, not AncestorCodes: no slice per answer.
		for up := domain.ParentCode(a.RegionCode); up != ""; up = domain.ParentCode(up) {
			if at[up] && domain.Within(up, region) {
				covered = true
				break
			}
		}
		if covered {
			superseded = append(superseded, a.RegionCode)
		} else {
			top = append(top, i)
		}
	}
	return top, superseded
}

// sumParts sums the measure over the chosen answers with domain.RollUpMeasure.
func sumParts(answers []domain.Answer, idx []int, measure string, dir domain.Direction) (domain.MeasureInput, []string, []string, error) {
	parts := make([]domain.MeasureInput, 0, len(idx))
	used := []string{}
	var na []string
	for _, i := range idx {
		a := &answers[i]
		p := domain.MeasureInput{Code: measure, Direction: dir}
		m, ok := a.Measures[measure]
		switch {
		case a.NotApplicable || !ok || m.NotApplicable:
			p.NotApplicable = true
			na = append(na, a.RegionCode)
		default:
			p.SelfReported = &domain.Figures{Numerator: m.Numerator, Denominator: m.Denominator}
			used = append(used, a.RegionCode)
		}
		parts = append(parts, p)
	}
	in, err := domain.RollUpMeasure(parts)
	if err != nil {
		return domain.MeasureInput{}, nil, nil, fmt.Errorf("roll-up of %s: %w", measure, err)
	}
	return in, used, na, nil
}

// rollUpFormula shows the sum: (90 + 1) / (100 + 10) = 91 / 110. Past a
// dozen parts it gives the totals and the count only.
func rollUpFormula(answers []domain.Answer, idx []int, measure string, sum domain.Figures) string {
	figures := func(a *domain.Answer) (domain.MeasureAnswer, bool) {
		m, ok := a.Measures[measure]
		return m, ok && !a.NotApplicable && !m.NotApplicable
	}
	n := 0
	for _, i := range idx {
		if _, ok := figures(&answers[i]); ok {
			n++
		}
	}
	total := num(sum.Numerator) + " / " + num(sum.Denominator)
	switch {
	case n == 1:
		return total
	case n > 12:
		// Counted, not formatted: a province's roll-up has hundreds of parts.
		return fmt.Sprintf("Σ numerators / Σ denominators over %d regions = %s", n, total)
	}
	var ns, ds []string
	for _, i := range idx {
		if m, ok := figures(&answers[i]); ok {
			ns = append(ns, num(m.Numerator))
			ds = append(ds, num(m.Denominator))
		}
	}
	return "(" + strings.Join(ns, " + ") + ") / (" + strings.Join(ds, " + ") + ") = " + total
}

// InspectionScore is an inspection's total with where it comes from.
type InspectionScore struct {
	InspectionID int64        `json:"inspection_id"`
	CampaignID   int64        `json:"campaign_id"`
	BatchID      int64        `json:"batch_id"`
	State        domain.State `json:"state"`
	// NotAssessed lists the indicators of the sets that no level of the
	// inspected region's subtree is assessed at; they are left out.
	NotAssessed []string `json:"not_assessed"`
	domain.Total
}

// Score returns an inspection's score for whoever may read the inspection.
func (s *Scoring) Score(ctx context.Context, actor domain.Actor, inspectionID int64) (InspectionScore, error) {
	var out InspectionScore
	err := s.Store.Tx(ctx, func(tx *store.Tx) error {
		ic, err := loadInspection(tx, inspectionID, false)
		if err != nil {
			return err
		}
		if err := s.Authz.Check(actor, "inspections", "read", ic.in.RegionCode); err != nil {
			return err
		}
		t, err := s.InspectionTotal(ctx, tx, inspectionID)
		if err != nil {
			return err
		}
		out = InspectionScore{InspectionID: ic.in.ID, CampaignID: ic.c.ID, BatchID: ic.in.BatchID, State: ic.in.State,
			NotAssessed: notAssessed(&ic.sets, ic.in.RegionCode), Total: t}
		return nil
	})
	return out, err
}

func notAssessed(sets *campaignSets, region string) []string {
	lv, _ := domain.LevelOfCode(region)
	out := []string{}
	for _, set := range sets.each() {
		for _, ind := range set.Indicators {
			if !assessable(ind, lv) {
				out = append(out, ind.Code)
			}
		}
	}
	return out
}

// RankingLine is one region of a batch's ranking.
type RankingLine struct {
	domain.RankEntry
	InspectionID int64        `json:"inspection_id"`
	RegionName   string       `json:"region_name"`
	State        domain.State `json:"state"`
	// Inflow and Outflow are the two set scores (0 when not scored).
	Inflow        float64            `json:"inflow"`
	InflowStatus  domain.ScoreStatus `json:"inflow_status"`
	Outflow       float64            `json:"outflow"`
	OutflowStatus domain.ScoreStatus `json:"outflow_status"`
	Vetoed        bool               `json:"vetoed"`
}

// BatchRanking is a batch's regions ranked by total (domain.Rank).
type BatchRanking struct {
	BatchID    int64          `json:"batch_id"`
	CampaignID int64          `json:"campaign_id"`
	State      domain.State   `json:"state"`
	Weights    domain.Weights `json:"weights"`
	Lines      []RankingLine  `json:"lines"`
	// Totals are the regions' whole scores, in ranking order.
	Totals []domain.Total `json:"totals,omitempty"`
}

// Ranking ranks a batch's regions. It is for the campaign's own region and
// above (the managers and inspectors of the campaign; the inspected regions
// see their own scores, and the ranking once a bulletin publishes it).
func (s *Scoring) Ranking(ctx context.Context, actor domain.Actor, batchID int64, withTotals bool) (BatchRanking, error) {
	var out BatchRanking
	err := s.Store.Tx(ctx, func(tx *store.Tx) error {
		b, err := tx.Batch(batchID, false)
		if err != nil {
			return err
		}
		c, err := tx.Campaign(b.CampaignID, false)
		if err != nil {
			return err
		}
		if err := s.Authz.Check(actor, "batches", "read", c.RegionCode); err != nil {
			return err
		}
		if !domain.Within(c.RegionCode, actor.RegionCode) {
			return domain.Errorf(domain.EForbidden, "the ranking of batch %d is for the campaign's region %s and above until a bulletin publishes it",
				b.ID, c.RegionCode)
		}
		totals, ins, err := s.batchTotals(ctx, tx, batchID)
		if err != nil {
			return err
		}
		codes := make([]string, len(ins))
		byRegion := map[string]int{}
		for i, in := range ins {
			codes[i] = in.RegionCode
			byRegion[in.RegionCode] = i
		}
		regions, err := tx.RegionsByCode(codes)
		if err != nil {
			return err
		}
		out = BatchRanking{BatchID: b.ID, CampaignID: c.ID, State: b.State, Weights: s.config(c).Weights,
			Lines: []RankingLine{}}
		for _, e := range domain.Rank(totals) {
			i := byRegion[e.RegionCode]
			t := &totals[i]
			out.Lines = append(out.Lines, RankingLine{RankEntry: e, InspectionID: ins[i].ID,
				RegionName: regions[e.RegionCode].Name, State: ins[i].State, Inflow: t.Inflow.Score,
				InflowStatus: t.Inflow.Status, Outflow: t.Outflow.Score, OutflowStatus: t.Outflow.Status,
				Vetoed: t.Veto != nil && t.Veto.Vetoed})
			if withTotals {
				out.Totals = append(out.Totals, *t)
			}
		}
		return nil
	})
	return out, err
}
