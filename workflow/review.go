package workflow

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/store"
)

// Reviews runs the site review (督查): the inspectors rate every
// qualitative indicator and verify the figures of every quantitative one,
// record findings and rectification requirements, and may override the
// one-vote veto with a reason; complete_review waits until every indicator
// is rated or verified (CheckRated).
//
// Who reviews: the inspectors assigned to the batch (national inspectors
// for a national campaign; for a provincial one, users of the province its
// coordinator assigns) and the campaign's managers (national admins; the
// province coordinator of a provincial campaign). A region never reviews
// itself: the reviewer's region may not lie within the inspected region.
type Reviews struct {
	Deps
	// VetoIndicators are the indicators a veto_override may be given on;
	// nil means domain.DefaultScoring's.
	VetoIndicators []string
}

// Limits of a review.
const (
	maxFindingRunes     = 4000
	maxRequirements     = 50
	maxRequirementRunes = 4000
	maxInspectors       = 100
)

// FindingInput is the finding of a review request.
type FindingInput struct {
	Severity domain.Severity
	Text     string
}

// RequirementInput is a rectification requirement of a review request.
type RequirementInput struct {
	Text  string
	DueAt time.Time
}

// ReviewInput is the review of one indicator as a request gives it: a
// rating (qualitative) or verified figures for every measure
// (quantitative; a measure may be verified as not applicable), an optional
// finding, the rectification requirements, and on a veto indicator an
// optional override of the veto with its reason (nil: none). A review
// replaces the indicator's earlier review, finding and requirements.
type ReviewInput struct {
	Rating       domain.Rating
	Measures     map[string]FigureInput
	Finding      *FindingInput
	Requirements []RequirementInput
	VetoOverride *string
}

func (s *Reviews) vetoIndicators() []string {
	if s.VetoIndicators != nil {
		return s.VetoIndicators
	}
	return domain.DefaultScoring().VetoIndicators
}

// mayReview refuses (403) an actor who does not review this inspection: the
// one rule of who reviews (see Reviews), for the review writes and for the
// inspection events begin_review, return and complete_review (checkSide).
// The actor's region may not lie within the inspected region and must be on
// the campaign's branch; then the campaign's managers (campaigns:transition
// and inspections:review on the campaign's region: national admins, the
// province coordinator of a provincial campaign) may, and otherwise only a
// user assigned to the inspection's batch (PUT /batches/{id}/inspectors).
func (d Deps) mayReview(tx *store.Tx, actor domain.Actor, c domain.Campaign, in domain.Inspection) error {
	if domain.Within(actor.RegionCode, in.RegionCode) {
		return domain.Errorf(domain.EForbidden, "a region never reviews itself: %s lies within the inspected region %s",
			actor.RegionCode, in.RegionCode)
	}
	if !domain.Within(actor.RegionCode, c.RegionCode) && !domain.Within(c.RegionCode, actor.RegionCode) {
		return domain.Errorf(domain.EForbidden, "region %s has no part in campaign %d of region %s", actor.RegionCode, c.ID, c.RegionCode)
	}
	// The campaign's managers.
	if d.Authz.Allowed(actor.Role, "campaigns", "transition", actor.RegionCode, c.RegionCode) &&
		d.Authz.Allowed(actor.Role, "inspections", "review", actor.RegionCode, c.RegionCode) {
		return nil
	}
	ok, err := tx.IsBatchInspector(in.BatchID, actor.UserID)
	if err != nil {
		return err
	}
	if !ok || actor.UserID == 0 {
		return domain.Errorf(domain.EForbidden, "only the inspectors assigned to batch %d and the campaign's managers review inspection %d",
			in.BatchID, in.ID)
	}
	return nil
}

// Put records the review of one indicator, replacing its earlier review,
// finding and requirements: 403 for who may not review (mayReview), 404 for
// an indicator not in the campaign's sets, 409 unless the inspection is in
// site_review, 422 listing every problem of the body.
func (s *Reviews) Put(ctx context.Context, actor domain.Actor, inspectionID int64, code string, r ReviewInput) (domain.Review, error) {
	now := s.now()
	var out domain.Review
	err := s.Store.Tx(ctx, func(tx *store.Tx) error {
		ic, err := loadInspection(tx, inspectionID, true)
		if err != nil {
			return err
		}
		in, c := ic.in, ic.c
		if err := s.mayReview(tx, actor, c, in); err != nil {
			return err
		}
		ind, _, err := ic.indicatorOf(code)
		if err != nil {
			return err
		}
		if err := needState(in, domain.InspectionSiteReview, "it is reviewed"); err != nil {
			return err
		}
		var v domain.Validation
		lv, _ := domain.LevelOfCode(in.RegionCode)
		if !assessable(ind, lv) {
			v.AddValue("path.indicator_code", code, "indicator %s is not assessed for a %s (%s): nothing to review", code, lv, levelText(ind.Level))
		}
		rv, findings, reqs := checkReview(&v, ind, r, slices.Contains(s.vetoIndicators(), ind.Code), now)
		if err := v.Err(); err != nil {
			return err
		}
		rv.InspectionID, rv.IndicatorCode, rv.ReviewedBy, rv.ReviewedAt = in.ID, ind.Code, actor.UserID, now
		if out, err = tx.PutReview(rv, findings, reqs); err != nil {
			return err
		}
		detail := map[string]any{"indicator_code": ind.Code, "revision": out.Revision}
		if rv.Rating != "" {
			detail["rating"] = string(rv.Rating)
		}
		if len(rv.Measures) > 0 {
			detail["measures"] = rv.Measures
		}
		if len(findings) > 0 {
			detail["finding"] = map[string]any{"severity": string(findings[0].Severity)}
		}
		if len(reqs) > 0 {
			detail["requirements"] = len(reqs)
		}
		reason := ""
		if rv.VetoOverride != "" {
			detail["veto_override"] = true
			reason = rv.VetoOverride
		}
		return audit(ctx, tx, actor, now, store.AuditEntry{Entity: entityInspection, EntityID: id64(in.ID),
			RegionCode: in.RegionCode, Event: "review", Reason: reason, Detail: detail})
	})
	return out, err
}

// checkReview validates a review body against its indicator.
func checkReview(v *domain.Validation, ind domain.Indicator, r ReviewInput, veto bool, now time.Time) (domain.Review, []domain.Finding, []domain.Requirement) {
	var out domain.Review
	if !ind.Quantitative() {
		switch {
		case r.Rating == "":
			v.Add("body.rating", "a qualitative indicator is rated %q, %q or %q", domain.RatingMet, domain.RatingLargelyMet, domain.RatingNotMet)
		case !r.Rating.Valid():
			v.AddValue("body.rating", string(r.Rating), "must be %q, %q or %q", domain.RatingMet, domain.RatingLargelyMet, domain.RatingNotMet)
		default:
			out.Rating = r.Rating
		}
		if len(r.Measures) > 0 {
			v.Add("body.measures", "indicator %s is qualitative: it is rated, it has no measures", ind.Code)
		}
	} else {
		if r.Rating != "" {
			v.AddValue("body.rating", string(r.Rating), "indicator %s is quantitative: verify the figures of its measures (%s) instead of rating it",
				ind.Code, measureCodes(ind))
		}
		if len(r.Measures) == 0 {
			v.Add("body.measures", "a quantitative indicator is reviewed with the verified figures of each of its measures (%s)", measureCodes(ind))
		} else {
			out.Measures = map[string]domain.VerifiedFigure{}
			for _, code := range sortedCodes(r.Measures) {
				if !slices.ContainsFunc(ind.Measures, func(m domain.Measure) bool { return m.Code == code }) {
					v.AddValue("body.measures."+code, code, "not a measure of indicator %s (%s)", ind.Code, measureCodes(ind))
				}
			}
			for _, m := range ind.Measures {
				f, ok := r.Measures[m.Code]
				loc := "body.measures." + m.Code
				switch {
				case !ok:
					v.Add(loc, "the verified figures of measure %s are missing (or say it does not apply)", m.Code)
				case f.NotApplicable:
					if f.Numerator != nil || f.Denominator != nil {
						v.Add(loc, "a measure that does not apply has no figures")
					}
					out.Measures[m.Code] = domain.VerifiedFigure{NotApplicable: true}
				default:
					if n, d, ok := checkCounts(v, loc, f); ok {
						out.Measures[m.Code] = domain.VerifiedFigure{Numerator: n, Denominator: d}
					}
				}
			}
		}
	}
	var findings []domain.Finding
	if f := r.Finding; f != nil {
		if !f.Severity.Valid() {
			v.AddValue("body.finding.severity", string(f.Severity), "must be %q, %q or %q",
				domain.SeveritySerious, domain.SeverityGeneral, domain.SeverityMinor)
		}
		checkNonEmpty(v, "body.finding.text", f.Text, maxFindingRunes)
		findings = append(findings, domain.Finding{Severity: f.Severity, Text: strings.TrimSpace(f.Text)})
	}
	if len(r.Requirements) > maxRequirements {
		v.Add("body.requirements", "at most %d requirements", maxRequirements)
	}
	var reqs []domain.Requirement
	for i, q := range r.Requirements {
		loc := "body.requirements[" + itoa(i) + "]"
		checkNonEmpty(v, loc+".text", q.Text, maxRequirementRunes)
		switch {
		case q.DueAt.IsZero():
			v.Add(loc+".due_at", "is required: when the rectification is due")
		case !q.DueAt.After(now):
			v.AddValue(loc+".due_at", q.DueAt, "must be in the future")
		}
		reqs = append(reqs, domain.Requirement{Text: strings.TrimSpace(q.Text), DueAt: q.DueAt})
	}
	if r.VetoOverride != nil {
		if !veto {
			v.Add("body.veto_override", "indicator %s is not a one-vote veto indicator", ind.Code)
		} else {
			checkReason(v, "body.veto_override.reason", *r.VetoOverride, "overriding the one-vote veto")
			out.VetoOverride = strings.TrimSpace(*r.VetoOverride)
		}
	}
	return out, findings, reqs
}

func checkNonEmpty(v *domain.Validation, loc, text string, max int) {
	switch {
	case strings.TrimSpace(text) == "":
		v.Add(loc, "must not be empty")
	case utf8.RuneCountInString(text) > max:
		v.Add(loc, "must be at most %d characters", max)
	}
}

// ReviewView is an inspection's site review so far.
type ReviewView struct {
	InspectionID int64                `json:"inspection_id"`
	State        domain.State         `json:"state"`
	Complete     bool                 `json:"complete"`
	Unrated      []string             `json:"unrated"`
	Reviews      []domain.Review      `json:"reviews"`
	Findings     []domain.Finding     `json:"findings"`
	Requirements []domain.Requirement `json:"requirements"`
	// Complaints are the hotline's figures for cases accusing the inspected
	// region (or a region below it) received in the campaign's window, by
	// category — what the reviewers check the region's rights protection
	// (IN11, IN12, OUT10) against, and the input of the one-vote veto.
	Complaints store.ComplaintFigures `json:"complaints"`
}

// View returns an inspection's reviews, findings and requirements, and the
// indicators not rated or verified yet. Anyone who may read the inspection
// may read it.
func (s *Reviews) View(ctx context.Context, actor domain.Actor, inspectionID int64) (ReviewView, error) {
	tx := s.Store.Read(ctx)
	ic, err := loadInspection(tx, inspectionID, false)
	if err != nil {
		return ReviewView{}, err
	}
	if err := s.Authz.Check(actor, "inspections", "read", ic.in.RegionCode); err != nil {
		return ReviewView{}, err
	}
	out := ReviewView{InspectionID: ic.in.ID, State: ic.in.State}
	if out.Reviews, err = tx.Reviews(ic.in.ID); err != nil {
		return ReviewView{}, err
	}
	if out.Findings, err = tx.Findings(ic.in.ID); err != nil {
		return ReviewView{}, err
	}
	if out.Requirements, err = tx.Requirements(ic.in.ID); err != nil {
		return ReviewView{}, err
	}
	from, to := CampaignWindow(ic.c)
	if out.Complaints, err = tx.ComplaintCounts(ic.in.RegionCode, from, to); err != nil {
		return ReviewView{}, err
	}
	out.Unrated = unrated(&ic.sets, ic.in.RegionCode, out.Reviews)
	out.Complete = len(out.Unrated) == 0
	if out.Reviews == nil {
		out.Reviews = []domain.Review{}
	}
	return out, nil
}

// unrated lists the indicators assessed for region that have no rating
// (qualitative) or no verified figures for some measure (quantitative).
func unrated(sets *campaignSets, region string, reviews []domain.Review) []string {
	lv, _ := domain.LevelOfCode(region)
	by := map[string]*domain.Review{}
	for i := range reviews {
		by[reviews[i].IndicatorCode] = &reviews[i]
	}
	out := []string{}
	for _, set := range sets.each() {
		for _, ind := range set.Indicators {
			if !assessable(ind, lv) {
				continue
			}
			r := by[ind.Code]
			done := r != nil
			if done && ind.Quantitative() {
				for _, m := range ind.Measures {
					if _, ok := r.Measures[m.Code]; !ok {
						done = false
					}
				}
			} else if done {
				done = r.Rating.Valid()
			}
			if !done {
				out = append(out, ind.Code)
			}
		}
	}
	return out
}

// CheckRated is the complete_review guard (Campaigns.Checks): every
// indicator assessed for the inspected region is rated or verified.
// Otherwise it is EInvalid with one field error per unrated indicator and
// "unrated" listing their codes.
func (s *Reviews) CheckRated(ctx context.Context, tx *store.Tx, c domain.Campaign, in domain.Inspection) error {
	sets, err := loadSets(tx, c)
	if err != nil {
		return err
	}
	reviews, err := tx.Reviews(in.ID)
	if err != nil {
		return err
	}
	missing := unrated(&sets, in.RegionCode, reviews)
	if len(missing) == 0 {
		return nil
	}
	var v domain.Validation
	for _, code := range missing {
		v.AddValue("review."+code, code, "indicator %s is not rated or verified", code)
	}
	e := v.Err().(*domain.Error)
	e.Message = "the review is incomplete: " + strings.Join(missing, ", ") + " not rated or verified"
	e.Extra = map[string]any{"guard": domain.GuardAllIndicatorsRated, "unrated": missing}
	return e
}

// SetInspectors replaces the inspectors assigned to a batch: the
// campaign's managers assign them (batches:transition on the campaign's
// region). A national campaign's inspectors are national inspectors; a
// provincial campaign's are officers of its province (not viewers or
// hotline operators). Every id must name such a user, once (422).
func (s *Reviews) SetInspectors(ctx context.Context, actor domain.Actor, batchID int64, userIDs []int64) ([]store.User, error) {
	now := s.now()
	var out []store.User
	err := s.Store.Tx(ctx, func(tx *store.Tx) error {
		b, err := tx.Batch(batchID, true)
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
		if err := s.Authz.Check(actor, "batches", "transition", c.RegionCode); err != nil {
			return err
		}
		if b.State == domain.BatchCancelled || b.State == domain.BatchBulletined {
			return &domain.Error{Code: domain.EConflict, Message: "batch " + id64(b.ID) + " is " + string(b.State) + ": its inspectors no longer change",
				Extra: map[string]any{"state": string(b.State)}}
		}
		var v domain.Validation
		if len(userIDs) > maxInspectors {
			v.Add("body.user_ids", "at most %d inspectors", maxInspectors)
		}
		seen := map[int64]int{}
		for i, id := range userIDs {
			loc := "body.user_ids[" + itoa(i) + "]"
			if j, dup := seen[id]; dup {
				v.AddValue(loc, id, "duplicates user_ids[%d]", j)
				continue
			}
			seen[id] = i
			u, err := tx.UserByID(id)
			if err != nil {
				if domain.ErrorCode(err) != domain.ENotFound {
					return err
				}
				v.AddValue(loc, id, "no such user")
				continue
			}
			switch {
			case u.Disabled:
				v.AddValue(loc, id, "user %s is disabled", u.Username)
			case c.National() && u.Role != domain.RoleNationalInspector:
				v.AddValue(loc, id, "user %s is a %s; a national campaign's inspectors are national inspectors", u.Username, u.Role)
			case !c.National() && (!domain.Within(u.RegionCode, c.RegionCode) || u.Role == domain.RoleViewer ||
				u.Role == domain.RoleHotlineOperator || u.Role == domain.RoleNationalAdmin || u.Role == domain.RoleNationalInspector):
				v.AddValue(loc, id, "user %s (%s of %s) is no officer of the campaign's province %s", u.Username, u.Role,
					u.RegionCode, c.RegionCode)
			default:
				out = append(out, u)
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		if err := tx.SetBatchInspectors(b.ID, userIDs, actor.UserID, now); err != nil {
			return err
		}
		slices.SortFunc(out, func(a, b store.User) int { return int(a.ID - b.ID) })
		return audit(ctx, tx, actor, now, store.AuditEntry{Entity: entityBatch, EntityID: id64(b.ID),
			RegionCode: c.RegionCode, Event: "assign_inspectors", Detail: map[string]any{"user_ids": userIDs}})
	})
	if out == nil {
		out = []store.User{}
	}
	return out, err
}

// Inspectors lists the inspectors assigned to a batch, for whoever may
// read the batch.
func (s *Reviews) Inspectors(ctx context.Context, actor domain.Actor, batchID int64) ([]store.User, error) {
	tx := s.Store.Read(ctx)
	if _, _, err := readableBatch(tx, s.Deps, actor, batchID); err != nil {
		return nil, err
	}
	return tx.BatchInspectors(batchID)
}
