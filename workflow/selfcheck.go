package workflow

import (
	"context"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/store"
)

// SelfChecks runs the self-check (自查): the inspected region and the
// regions below it answer every indicator of the campaign's two sets, and
// submit_self_check waits until they have (CheckAnswered).
type SelfChecks struct {
	Deps
}

// Limits of an answer.
const (
	maxNarrativeRunes = 20000
	maxReasonRunes    = 4000
	maxAttachments    = 50
)

// FigureInput is a measure's figures as a request gives them; nil marks a
// field left out. With NotApplicable the figures must be left out and
// Reason given (self-check) or may be (review).
type FigureInput struct {
	Numerator     *float64
	Denominator   *float64
	NotApplicable bool
	Reason        string
}

// AnswerInput is one self-check answer as a request gives it: a narrative
// with evidence (qualitative), figures for every measure (quantitative; a
// narrative and evidence may come along as notes), or NotApplicable with a
// Reason (either kind). RegionCode "" means the inspected region.
type AnswerInput struct {
	RegionCode    string
	Narrative     string
	AttachmentIDs []int64
	Measures      map[string]FigureInput
	NotApplicable bool
	Reason        string
}

// inspectionContext is what a self-check or review write reads first.
type inspectionContext struct {
	in   domain.Inspection
	c    domain.Campaign
	sets campaignSets
}

// loadInspection reads an inspection (locking its row), its campaign and
// sets.
func loadInspection(tx *store.Tx, id int64, lock bool) (inspectionContext, error) {
	in, err := tx.Inspection(id, lock)
	if err != nil {
		return inspectionContext{}, err
	}
	c, err := tx.Campaign(in.CampaignID, false)
	if err != nil {
		return inspectionContext{}, err
	}
	sets, err := loadSets(tx, c)
	if err != nil {
		return inspectionContext{}, err
	}
	return inspectionContext{in: in, c: c, sets: sets}, nil
}

// needState refuses (409) work on an inspection that is not in state st.
func needState(in domain.Inspection, st domain.State, what string) error {
	if in.State == st {
		return nil
	}
	return &domain.Error{Code: domain.EConflict,
		Message: "inspection " + id64(in.ID) + " is in " + string(in.State) + "; " + what + " only while it is in " + string(st),
		Extra:   map[string]any{"state": string(in.State)}}
}

// indicatorOf finds a path's indicator in the campaign's sets (404).
func (ic *inspectionContext) indicatorOf(code string) (domain.Indicator, domain.SetKind, error) {
	ind, kind, ok := ic.sets.indicator(code)
	if !ok {
		return domain.Indicator{}, "", domain.Errorf(domain.ENotFound, "indicator %s is not in the campaign's indicator sets", code)
	}
	return ind, kind, nil
}

// Answer records one self-check answer and keeps the one it replaces as a
// revision. The writer must sit strictly below the campaign's region, on
// the inspected region's branch (checkSide's rule for submit_self_check),
// and its region must contain the answer's region (selfcheck:write,
// subtree) — 403; the inspection must be in self_check (409); the answer
// must be whole and its region in the inspected region's subtree at a
// level the indicator is assessed at (422, every problem at once).
func (s *SelfChecks) Answer(ctx context.Context, actor domain.Actor, inspectionID int64, code string, a AnswerInput) (domain.Answer, error) {
	now := s.now()
	var out domain.Answer
	err := s.Store.Tx(ctx, func(tx *store.Tx) error {
		ic, err := loadInspection(tx, inspectionID, true)
		if err != nil {
			return err
		}
		in, c := ic.in, ic.c
		if err := s.Authz.Check(actor, "inspections", "read", in.RegionCode); err != nil {
			return err
		}
		if actor.RegionCode == c.RegionCode || !domain.Within(actor.RegionCode, c.RegionCode) ||
			!(domain.Within(actor.RegionCode, in.RegionCode) || domain.Within(in.RegionCode, actor.RegionCode)) {
			return domain.Errorf(domain.EForbidden, "only the officers of the inspected region %s and the regions below it answer its self-check", in.RegionCode)
		}
		ind, _, err := ic.indicatorOf(code)
		if err != nil {
			return err
		}
		region := a.RegionCode
		if region == "" {
			region = in.RegionCode
		}
		var v domain.Validation
		regionOK, err := checkAnswerRegion(tx, &v, in.RegionCode, region, ind)
		if err != nil {
			return err
		}
		if regionOK {
			if err := s.Authz.Check(actor, "selfcheck", "write", region); err != nil {
				return err
			}
		}
		if err := needState(in, domain.InspectionSelfCheck, "its self-check is answered"); err != nil {
			return err
		}
		ans := checkAnswer(&v, ind, a)
		if len(a.AttachmentIDs) > 0 && len(a.AttachmentIDs) <= maxAttachments {
			atts, err := tx.Attachments(a.AttachmentIDs)
			switch {
			case domain.ErrorCode(err) == domain.EInvalid:
				addFields(&v, "", err)
			case err != nil:
				return err
			}
			for _, at := range atts {
				if !domain.Within(at.RegionCode, in.RegionCode) {
					i := slices.Index(a.AttachmentIDs, at.ID)
					v.AddValue("body.attachment_ids["+itoa(i)+"]", at.ID,
						"attachment %d was uploaded in region %s, outside the inspected region %s", at.ID, at.RegionCode, in.RegionCode)
				}
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		ans.InspectionID, ans.IndicatorCode, ans.RegionCode = in.ID, ind.Code, region
		ans.AnsweredBy, ans.AnsweredAt = actor.UserID, now
		if out, err = tx.PutAnswer(ans); err != nil {
			return err
		}
		kind := "qualitative"
		switch {
		case ans.NotApplicable:
			kind = "not_applicable"
		case ind.Quantitative():
			kind = "quantitative"
		}
		return audit(ctx, tx, actor, now, store.AuditEntry{Entity: entityInspection, EntityID: id64(in.ID),
			RegionCode: in.RegionCode, Event: "self_check_answer",
			Detail: map[string]any{"indicator_code": ind.Code, "region_code": region, "revision": out.Revision,
				"answer": kind}})
	})
	return out, err
}

// checkAnswerRegion checks an answer's region: a region that exists, in
// the inspected region's subtree, at a level the indicator is assessed at.
// It reports whether the region is good enough to check the writer's scope.
func checkAnswerRegion(tx *store.Tx, v *domain.Validation, inspected, region string, ind domain.Indicator) (bool, error) {
	const loc = "body.region_code"
	lv, ok := domain.LevelOfCode(region)
	if !ok {
		v.AddValue(loc, region, "not a region code")
		return false, nil
	}
	if !domain.Within(region, inspected) {
		v.AddValue(loc, region, "must be the inspected region %s or a region below it", inspected)
		return false, nil
	}
	if _, err := tx.Region(region); err != nil {
		if domain.ErrorCode(err) != domain.ENotFound {
			return false, err
		}
		v.AddValue(loc, region, "no such region")
		return false, nil
	}
	if !ind.Level.Covers(lv) {
		v.AddValue(loc, region, "indicator %s is assessed at %s (%s to %s), not at a %s", ind.Code,
			levelText(ind.Level), ind.Level.Highest, ind.Level.Lowest, lv)
	}
	return true, nil
}

func levelText(l domain.LevelSpec) string {
	if l.Text == "" {
		return "the levels the catalogue gives"
	}
	return l.Text
}

// checkAnswer validates the body of an answer against its indicator and
// returns the answer to store.
func checkAnswer(v *domain.Validation, ind domain.Indicator, a AnswerInput) domain.Answer {
	out := domain.Answer{Narrative: strings.TrimSpace(a.Narrative), AttachmentIDs: a.AttachmentIDs}
	if utf8.RuneCountInString(a.Narrative) > maxNarrativeRunes {
		v.Add("body.narrative", "must be at most %d characters", maxNarrativeRunes)
	}
	if len(a.AttachmentIDs) > maxAttachments {
		v.Add("body.attachment_ids", "at most %d attachments", maxAttachments)
	}
	if a.NotApplicable {
		out.NotApplicable = true
		out.Reason = strings.TrimSpace(a.Reason)
		checkReason(v, "body.reason", a.Reason, "not_applicable")
		if len(a.Measures) > 0 {
			v.Add("body.measures", "an indicator that does not apply has no figures; leave measures out")
		}
		return out
	}
	if a.Reason != "" {
		v.Add("body.reason", "a reason goes with not_applicable only")
	}
	if !ind.Quantitative() {
		if out.Narrative == "" {
			v.Add("body.narrative", "a qualitative indicator is answered with a narrative (and evidence in attachment_ids), "+
				"or with not_applicable and a reason")
		}
		if len(a.Measures) > 0 {
			v.Add("body.measures", "indicator %s is qualitative: it has no measures", ind.Code)
		}
		return out
	}
	out.Measures = map[string]domain.MeasureAnswer{}
	if len(a.Measures) == 0 {
		v.Add("body.measures", "a quantitative indicator is answered with the figures of each of its measures (%s), "+
			"or with not_applicable and a reason", measureCodes(ind))
		return out
	}
	for _, code := range sortedCodes(a.Measures) {
		if !slices.ContainsFunc(ind.Measures, func(m domain.Measure) bool { return m.Code == code }) {
			v.AddValue("body.measures."+code, code, "not a measure of indicator %s (%s)", ind.Code, measureCodes(ind))
		}
	}
	for _, m := range ind.Measures {
		f, ok := a.Measures[m.Code]
		loc := "body.measures." + m.Code
		if !ok {
			v.Add(loc, "the figures of measure %s are missing (or say it does not apply, with a reason)", m.Code)
			continue
		}
		if f.NotApplicable {
			checkReason(v, loc+".reason", f.Reason, "a measure that does not apply")
			if f.Numerator != nil || f.Denominator != nil {
				v.Add(loc, "a measure that does not apply has no figures")
			}
			out.Measures[m.Code] = domain.MeasureAnswer{NotApplicable: true, Reason: strings.TrimSpace(f.Reason)}
			continue
		}
		if f.Reason != "" {
			v.Add(loc+".reason", "a reason goes with not_applicable only")
		}
		if n, d, ok := checkCounts(v, loc, f); ok {
			out.Measures[m.Code] = domain.MeasureAnswer{Numerator: n, Denominator: d}
		}
	}
	return out
}

func checkReason(v *domain.Validation, loc, reason, what string) {
	switch {
	case strings.TrimSpace(reason) == "":
		v.Add(loc, "%s needs a reason", what)
	case utf8.RuneCountInString(reason) > maxReasonRunes:
		v.Add(loc, "must be at most %d characters", maxReasonRunes)
	}
}

// checkCounts checks a numerator and a denominator: both given, whole
// numbers from 0 to domain.MaxFigure, the denominator above 0 and not below
// the numerator.
func checkCounts(v *domain.Validation, loc string, f FigureInput) (float64, float64, bool) {
	ok := true
	count := func(field string, x *float64) bool {
		switch {
		case x == nil:
			v.Add(loc+"."+field, "is required")
		case math.IsNaN(*x) || math.IsInf(*x, 0):
			v.Add(loc+"."+field, "must be a number")
		case *x < 0:
			v.AddValue(loc+"."+field, *x, "must not be negative")
		case *x != math.Trunc(*x):
			v.AddValue(loc+"."+field, *x, "must be a whole number: it counts people or cases")
		case *x > domain.MaxFigure:
			v.AddValue(loc+"."+field, *x, "must be at most %s", num(domain.MaxFigure))
		default:
			return true
		}
		ok = false
		return false
	}
	nOK, dOK := count("numerator", f.Numerator), count("denominator", f.Denominator)
	if dOK && *f.Denominator == 0 {
		v.AddValue(loc+".denominator", 0, "must be greater than 0; say the measure does not apply (not_applicable, with a reason) when there is nothing to count")
		ok = false
	}
	if nOK && dOK && *f.Numerator > *f.Denominator {
		v.AddValue(loc+".numerator", *f.Numerator, "must not exceed the denominator (%s)", num(*f.Denominator))
		ok = false
	}
	if !ok {
		return 0, 0, false
	}
	return *f.Numerator, *f.Denominator, true
}

func itoa(i int) string { return id64(int64(i)) }

// IndicatorAnswers is the self-check of one indicator: its current answers
// (by region) and, for a quantitative one, each measure rolled up to the
// inspected region.
type IndicatorAnswers struct {
	Code         string           `json:"code"`
	Kind         domain.SetKind   `json:"kind"`
	Name         string           `json:"name"`
	Category     domain.Category  `json:"category"`
	Level        domain.LevelSpec `json:"level"`
	Quantitative bool             `json:"quantitative"`
	Answered     bool             `json:"answered"`
	Answers      []domain.Answer  `json:"answers"`
	Measures     []MeasureRollUp  `json:"measures,omitempty"`
}

// SelfCheckView is an inspection's whole self-check.
type SelfCheckView struct {
	InspectionID int64        `json:"inspection_id"`
	RegionCode   string       `json:"region_code"`
	State        domain.State `json:"state"`
	// Complete: every indicator assessed for the region is answered, so
	// submit_self_check may go.
	Complete bool `json:"complete"`
	// Missing lists the indicators not answered yet; NotAssessed those that
	// no level of the inspected region's subtree is assessed at.
	Missing     []string           `json:"missing"`
	NotAssessed []string           `json:"not_assessed"`
	Indicators  []IndicatorAnswers `json:"indicators"`
}

// View returns an inspection's self-check: every indicator of both sets
// with its answers and roll-ups, and what is still missing. Anyone who may
// read the inspection may read it.
func (s *SelfChecks) View(ctx context.Context, actor domain.Actor, inspectionID int64) (SelfCheckView, error) {
	tx := s.Store.Read(ctx)
	ic, err := loadInspection(tx, inspectionID, false)
	if err != nil {
		return SelfCheckView{}, err
	}
	if err := s.Authz.Check(actor, "inspections", "read", ic.in.RegionCode); err != nil {
		return SelfCheckView{}, err
	}
	answers, err := tx.Answers(inspectionID)
	if err != nil {
		return SelfCheckView{}, err
	}
	return selfCheckView(&ic, answers)
}

func selfCheckView(ic *inspectionContext, answers []domain.Answer) (SelfCheckView, error) {
	in := ic.in
	out := SelfCheckView{InspectionID: in.ID, RegionCode: in.RegionCode, State: in.State, Missing: []string{},
		NotAssessed: []string{}, Indicators: []IndicatorAnswers{}}
	lv, _ := domain.LevelOfCode(in.RegionCode)
	byIndicator := map[string][]domain.Answer{}
	for _, a := range answers {
		byIndicator[a.IndicatorCode] = append(byIndicator[a.IndicatorCode], a)
	}
	for _, set := range ic.sets.each() {
		for _, ind := range set.Indicators {
			if !assessable(ind, lv) {
				out.NotAssessed = append(out.NotAssessed, ind.Code)
				continue
			}
			as := byIndicator[ind.Code]
			ia := IndicatorAnswers{Code: ind.Code, Kind: set.Kind, Name: ind.Name, Category: ind.Category,
				Level: ind.Level, Quantitative: ind.Quantitative(), Answered: len(as) > 0, Answers: as}
			if ia.Answers == nil {
				ia.Answers = []domain.Answer{}
			}
			for _, m := range ind.Measures {
				ru, err := RollUp(as, m.Code, m.Direction, in.RegionCode)
				if err != nil {
					return SelfCheckView{}, err
				}
				ia.Measures = append(ia.Measures, ru)
			}
			if !ia.Answered {
				out.Missing = append(out.Missing, ind.Code)
			}
			out.Indicators = append(out.Indicators, ia)
		}
	}
	out.Complete = len(out.Missing) == 0
	return out, nil
}

// IndicatorHistory is one indicator's current answers and every answer
// ever given for it, oldest first.
type IndicatorHistory struct {
	IndicatorAnswers
	Revisions []domain.Answer `json:"revisions"`
}

// History returns one indicator's self-check with its earlier answers.
func (s *SelfChecks) History(ctx context.Context, actor domain.Actor, inspectionID int64, code string) (IndicatorHistory, error) {
	tx := s.Store.Read(ctx)
	ic, err := loadInspection(tx, inspectionID, false)
	if err != nil {
		return IndicatorHistory{}, err
	}
	if err := s.Authz.Check(actor, "inspections", "read", ic.in.RegionCode); err != nil {
		return IndicatorHistory{}, err
	}
	if _, _, err := ic.indicatorOf(code); err != nil {
		return IndicatorHistory{}, err
	}
	answers, err := tx.Answers(inspectionID)
	if err != nil {
		return IndicatorHistory{}, err
	}
	view, err := selfCheckView(&ic, answers)
	if err != nil {
		return IndicatorHistory{}, err
	}
	out := IndicatorHistory{}
	for _, ia := range view.Indicators {
		if ia.Code == code {
			out.IndicatorAnswers = ia
		}
	}
	if out.Code == "" {
		ind, kind, _ := ic.sets.indicator(code)
		out.IndicatorAnswers = IndicatorAnswers{Code: code, Kind: kind, Name: ind.Name, Category: ind.Category,
			Level: ind.Level, Quantitative: ind.Quantitative(), Answers: []domain.Answer{}}
	}
	if out.Revisions, err = tx.AnswerRevisions(inspectionID, code); err != nil {
		return IndicatorHistory{}, err
	}
	if out.Revisions == nil {
		out.Revisions = []domain.Answer{}
	}
	return out, nil
}

// CheckAnswered is the submit_self_check guard (Campaigns.Checks): every
// indicator assessed for the inspected region has at least one answer.
// Otherwise it is EInvalid with one field error per missing indicator and
// "missing" listing their codes.
func (s *SelfChecks) CheckAnswered(ctx context.Context, tx *store.Tx, c domain.Campaign, in domain.Inspection) error {
	sets, err := loadSets(tx, c)
	if err != nil {
		return err
	}
	answers, err := tx.Answers(in.ID)
	if err != nil {
		return err
	}
	view, err := selfCheckView(&inspectionContext{in: in, c: c, sets: sets}, answers)
	if err != nil || view.Complete {
		return err
	}
	var v domain.Validation
	for _, code := range view.Missing {
		v.AddValue("self_check."+code, code, "indicator %s is not answered", code)
	}
	e := v.Err().(*domain.Error)
	e.Message = "the self-check is incomplete: " + strings.Join(view.Missing, ", ") + " not answered"
	e.Extra = map[string]any{"guard": domain.GuardAllIndicatorsAnswered, "missing": view.Missing}
	return e
}
