package workflow

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ducha/ducha/documents"
	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/store"
)

// Rectification (整改): the inspected region answers each requirement of its
// feedback letter while the inspection is feedback_issued, then fires
// submit_rectification (guard: every requirement answered); the reviewers
// accept or reject each answer while it is rectification_submitted;
// accept_rectification needs every answer accepted, reject_rectification
// sends the inspection back and the region answers the rejected ones again
// (an accepted answer is final). A requirement whose due date passes
// unaccepted is escalated one step up the region tree, and again every
// ResultsConfig.EscalateEvery until it reaches the nation or is accepted.

// RequirementView is one requirement with its answer, decision and
// escalations.
type RequirementView struct {
	documents.Requirement
	// DueAt is the requirement's due date (the letter's when it names none).
	Overdue     bool                       `json:"overdue"`
	Answer      *store.RectificationAnswer `json:"answer"`
	Escalations []store.Escalation         `json:"escalations"`
	// EscalatedTo is the region it has been raised to; "" when never.
	EscalatedTo string `json:"escalated_to,omitempty"`
}

// RectificationView is an inspection's rectification.
type RectificationView struct {
	Inspection   domain.Inspection
	Requirements []RequirementView
}

// maxAnswerAttachments bounds a rectification answer's files; the text
// limits are the self-check's (maxNarrativeRunes, maxReasonRunes).
const maxAnswerAttachments = maxAttachments

// requirementsOf returns an inspection's requirements with their due dates
// resolved against the letter's (when issued).
func (r *Results) requirementsOf(ctx context.Context, tx *store.Tx, in domain.Inspection) ([]documents.Requirement, error) {
	reqs, err := r.Sources.Requirements(ctx, tx, in.ID)
	if err != nil {
		return nil, err
	}
	doc, err := tx.DocumentFor(store.KindFeedback, in.ID)
	if err != nil && domain.ErrorCode(err) != domain.ENotFound {
		return nil, err
	}
	if err == nil {
		var l documents.FeedbackLetter
		if json.Unmarshal(doc.Content, &l) == nil {
			for i := range reqs {
				if reqs[i].DueAt.IsZero() {
					reqs[i].DueAt = l.RectificationDue
				}
			}
		}
	}
	return reqs, nil
}

// Rectification returns an inspection's requirements with the answers,
// decisions and escalations so far.
func (r *Results) Rectification(ctx context.Context, actor domain.Actor, inspectionID int64) (RectificationView, error) {
	read := r.Store.Read(ctx)
	in, err := read.Inspection(inspectionID, false)
	if err != nil {
		return RectificationView{}, err
	}
	if err := r.Authz.Check(actor, "inspections", "read", in.RegionCode); err != nil {
		return RectificationView{}, err
	}
	return r.rectificationView(ctx, read, in, r.now())
}

func (r *Results) rectificationView(ctx context.Context, tx *store.Tx, in domain.Inspection, now time.Time) (RectificationView, error) {
	reqs, err := r.requirementsOf(ctx, tx, in)
	if err != nil {
		return RectificationView{}, err
	}
	answers, err := tx.RectificationAnswers(in.ID)
	if err != nil {
		return RectificationView{}, err
	}
	escs, err := tx.Escalations(in.ID)
	if err != nil {
		return RectificationView{}, err
	}
	open := in.State != domain.InspectionClosed && in.State != domain.InspectionCancelled
	v := RectificationView{Inspection: in, Requirements: []RequirementView{}}
	for _, q := range reqs {
		rv := RequirementView{Requirement: q, Escalations: []store.Escalation{}}
		if a, ok := answers[q.ID]; ok {
			rv.Answer = &a
		}
		accepted := rv.Answer != nil && rv.Answer.Accepted != nil && *rv.Answer.Accepted
		rv.Overdue = open && !accepted && !q.DueAt.IsZero() && !q.DueAt.After(now)
		for _, e := range escs {
			if e.RequirementID == q.ID {
				rv.Escalations = append(rv.Escalations, e)
				rv.EscalatedTo = e.To
			}
		}
		v.Requirements = append(v.Requirements, rv)
	}
	return v, nil
}

// findRequirement returns requirement id of the inspection, or ENotFound.
func findRequirement(reqs []documents.Requirement, inspectionID, id int64) (documents.Requirement, error) {
	for _, q := range reqs {
		if q.ID == id {
			return q, nil
		}
	}
	return documents.Requirement{}, domain.Errorf(domain.ENotFound, "inspection %d has no requirement %d", inspectionID, id)
}

// RectificationAnswer is a region's answer to one requirement.
type RectificationAnswer struct {
	Narrative     string
	AttachmentIDs []int64
}

// Answer records (or replaces) the inspected region's answer to one
// requirement. The inspection must be feedback_issued (EConflict
// otherwise); the actor's role must hold rectification:write and its region
// lie within the inspected region, below the campaign's own; the
// attachments must exist. An accepted answer is final (EConflict); a
// rejected one is replaced and awaits a new decision.
func (r *Results) Answer(ctx context.Context, actor domain.Actor, inspectionID, requirementID int64, a RectificationAnswer) (store.RectificationAnswer, error) {
	now := r.now()
	var out store.RectificationAnswer
	err := r.Store.Tx(ctx, func(tx *store.Tx) error {
		in, c, err := readableInspection(tx, r.Deps, actor, inspectionID)
		if err != nil {
			return err
		}
		if err := r.Authz.Check(actor, "rectification", "write", actor.RegionCode); err != nil {
			return err
		}
		if actor.RegionCode == c.RegionCode || !domain.Within(actor.RegionCode, in.RegionCode) {
			return domain.Errorf(domain.EForbidden, "only the officers of the inspected region %s answer its rectification",
				in.RegionCode)
		}
		reqs, err := r.requirementsOf(ctx, tx, in)
		if err != nil {
			return err
		}
		if _, err := findRequirement(reqs, in.ID, requirementID); err != nil {
			return err
		}
		var v domain.Validation
		checkText(&v, "body.narrative", a.Narrative, maxNarrativeRunes, true)
		if strings.TrimSpace(a.Narrative) == "" && a.Narrative != "" {
			v.Add("body.narrative", "required")
		}
		if len(a.AttachmentIDs) > maxAnswerAttachments {
			v.Add("body.attachment_ids", "at most %d attachments", maxAnswerAttachments)
		} else if _, err := tx.Attachments(a.AttachmentIDs); err != nil {
			if domain.ErrorCode(err) != domain.EInvalid {
				return err
			}
			addFields(&v, "", err)
		}
		if err := v.Err(); err != nil {
			return err
		}
		if in.State != domain.InspectionFeedbackIssued {
			return &domain.Error{Code: domain.EConflict,
				Message: "inspection " + id64(in.ID) + " is " + string(in.State) + "; rectification is answered while it is feedback_issued",
				Extra:   map[string]any{"state": string(in.State)}}
		}
		answers, err := tx.RectificationAnswers(in.ID)
		if err != nil {
			return err
		}
		if prev, ok := answers[requirementID]; ok && prev.Accepted != nil && *prev.Accepted {
			return &domain.Error{Code: domain.EConflict,
				Message: "the answer to requirement " + id64(requirementID) + " was accepted; it is final"}
		}
		ids := a.AttachmentIDs
		if ids == nil {
			ids = []int64{}
		}
		out, err = tx.PutRectificationAnswer(store.RectificationAnswer{InspectionID: in.ID, RequirementID: requirementID,
			Narrative: strings.TrimSpace(a.Narrative), AttachmentIDs: ids, AnsweredBy: actor.UserID, AnsweredAt: now})
		if err != nil {
			return err
		}
		return audit(ctx, tx, actor, now, store.AuditEntry{Entity: entityInspection, EntityID: id64(in.ID),
			RegionCode: in.RegionCode, Event: "answer_requirement",
			Detail: map[string]any{"requirement_id": requirementID, "attachment_ids": ids}})
	})
	return out, err
}

// Decide records the reviewers' decision on the answer to one requirement:
// the inspection must be rectification_submitted (EConflict otherwise), the
// actor one who reviews it (mayReview, the rule of the site review and the
// review events: the batch's assigned inspectors and the campaign's
// managers, never a region within the inspected one; 403 otherwise), the
// requirement answered; a rejection needs a reason.
func (r *Results) Decide(ctx context.Context, actor domain.Actor, inspectionID, requirementID int64, accepted bool, reason string) (store.RectificationAnswer, error) {
	now := r.now()
	var out store.RectificationAnswer
	err := r.Store.Tx(ctx, func(tx *store.Tx) error {
		in, c, err := readableInspection(tx, r.Deps, actor, inspectionID)
		if err != nil {
			return err
		}
		if err := r.mayReview(tx, actor, c, in); err != nil {
			return err
		}
		reqs, err := r.requirementsOf(ctx, tx, in)
		if err != nil {
			return err
		}
		if _, err := findRequirement(reqs, in.ID, requirementID); err != nil {
			return err
		}
		var v domain.Validation
		reason = strings.TrimSpace(reason)
		if !accepted && reason == "" {
			v.Add("body.reason", "a rejection needs a reason")
		}
		checkText(&v, "body.reason", reason, maxReasonRunes, false)
		answers, err := tx.RectificationAnswers(in.ID)
		if err != nil {
			return err
		}
		if _, ok := answers[requirementID]; !ok {
			v.AddValue("requirement_id", requirementID, "the requirement has not been answered")
		}
		if err := v.Err(); err != nil {
			return err
		}
		if in.State != domain.InspectionRectificationSubmitted {
			return &domain.Error{Code: domain.EConflict,
				Message: "inspection " + id64(in.ID) + " is " + string(in.State) + "; answers are judged while it is rectification_submitted",
				Extra:   map[string]any{"state": string(in.State)}}
		}
		if out, err = tx.DecideRectification(requirementID, accepted, reason, actor.UserID, now); err != nil {
			return err
		}
		event := "reject_requirement"
		if accepted {
			event = "accept_requirement"
		}
		return audit(ctx, tx, actor, now, store.AuditEntry{Entity: entityInspection, EntityID: id64(in.ID),
			RegionCode: in.RegionCode, Event: event, Reason: reason,
			Detail: map[string]any{"requirement_id": requirementID}})
	})
	return out, err
}

// allAnswered is the guard of submit_rectification.
func (r *Results) allAnswered(ctx context.Context, tx *store.Tx, _ domain.Campaign, in domain.Inspection) error {
	return r.requireAll(ctx, tx, in, GuardNameAnswered, func(a *store.RectificationAnswer) bool { return a != nil },
		"has no answer")
}

// allAccepted is the guard of accept_rectification.
func (r *Results) allAccepted(ctx context.Context, tx *store.Tx, _ domain.Campaign, in domain.Inspection) error {
	return r.requireAll(ctx, tx, in, GuardNameAccepted, func(a *store.RectificationAnswer) bool {
		return a != nil && a.Accepted != nil && *a.Accepted
	}, "is not accepted")
}

// unacceptedRequirements are the requirements of an inspection not
// accepted, in id order, with the state of their answer: what
// Campaigns.NextRound carries into the next round (CarryRequirements).
func (r *Results) unacceptedRequirements(ctx context.Context, tx *store.Tx, in domain.Inspection) ([]domain.CarriedRequirement, error) {
	reqs, err := r.requirementsOf(ctx, tx, in)
	if err != nil {
		return nil, err
	}
	answers, err := tx.RectificationAnswers(in.ID)
	if err != nil {
		return nil, err
	}
	out := []domain.CarriedRequirement{}
	for _, q := range reqs {
		cr := domain.CarriedRequirement{RequirementID: q.ID, IndicatorCode: q.IndicatorCode, Text: q.Text,
			DueAt: q.DueAt, Answer: domain.CarriedAnswerNone}
		if a, ok := answers[q.ID]; ok {
			switch {
			case a.Accepted == nil:
				cr.Answer = domain.CarriedAnswerAnswered
			case *a.Accepted:
				continue
			default:
				cr.Answer, cr.Reason = domain.CarriedAnswerRejected, a.Reason
			}
		}
		out = append(out, cr)
	}
	slices.SortFunc(out, func(a, b domain.CarriedRequirement) int { return cmp.Compare(a.RequirementID, b.RequirementID) })
	return out, nil
}

// Guard names as the problem's "guard" says them.
const (
	GuardNameAnswered = domain.GuardAllRequirementsAnswered
	GuardNameAccepted = domain.GuardAllRequirementsAccepted
)

func (r *Results) requireAll(ctx context.Context, tx *store.Tx, in domain.Inspection, guard string, ok func(*store.RectificationAnswer) bool, why string) error {
	reqs, err := r.requirementsOf(ctx, tx, in)
	if err != nil {
		return err
	}
	answers, err := tx.RectificationAnswers(in.ID)
	if err != nil {
		return err
	}
	var v domain.Validation
	missing := []int64{}
	for _, q := range reqs {
		var a *store.RectificationAnswer
		if x, found := answers[q.ID]; found {
			a = &x
		}
		if !ok(a) {
			missing = append(missing, q.ID)
			v.AddValue("requirements."+strconv.FormatInt(q.ID, 10), q.ID, "requirement %d %s: %s", q.ID, why, q.Text)
		}
	}
	err = v.Err()
	if err != nil {
		de := err.(*domain.Error)
		de.Message = strconv.Itoa(len(missing)) + " of " + strconv.Itoa(len(reqs)) + " requirements " + why
		de.Extra = map[string]any{"guard": guard, "requirements": missing}
	}
	return err
}

// --- overdue requirements ---

type overdueTask struct {
	InspectionID  int64     `json:"inspection_id"`
	RequirementID int64     `json:"requirement_id"`
	Due           time.Time `json:"due"`
	Step          int       `json:"step"`
}

// HandleOverdueTask escalates an overdue requirement one step up the region
// tree (jobs.Handler): unless the inspection is closed or cancelled or the
// answer accepted, it records step n (once), from the region the previous
// step raised it to (the inspected region at first) to that region's
// parent, audits it, notifies escalation, and schedules step n+1 after
// EscalateEvery unless the nation has it now.
func (r *Results) HandleOverdueTask(ctx context.Context, tx *store.Tx, task store.OutboxTask, now time.Time) error {
	var p overdueTask
	if err := json.Unmarshal(task.Payload, &p); err != nil || p.InspectionID == 0 || p.Step < 1 {
		r.Log.Error("dropping a malformed rectification task", "outbox_id", task.ID, "payload", string(task.Payload))
		return nil
	}
	in, err := tx.Inspection(p.InspectionID, true)
	if domain.ErrorCode(err) == domain.ENotFound {
		return nil
	} else if err != nil {
		return err
	}
	if in.State == domain.InspectionClosed || in.State == domain.InspectionCancelled {
		return nil
	}
	view, err := r.rectificationView(ctx, tx, in, now)
	if err != nil {
		return err
	}
	var rv *RequirementView
	for i := range view.Requirements {
		if view.Requirements[i].ID == p.RequirementID {
			rv = &view.Requirements[i]
		}
	}
	if rv == nil || (rv.Answer != nil && rv.Answer.Accepted != nil && *rv.Answer.Accepted) {
		return nil
	}
	from := in.RegionCode
	if rv.EscalatedTo != "" {
		from = rv.EscalatedTo
	}
	to := domain.ParentCode(from)
	if to == "" {
		return nil // the nation has it
	}
	reason := "requirement " + id64(p.RequirementID) + " was due " + p.Due.UTC().Format(time.RFC3339) + " and is not accepted"
	first, err := tx.RecordEscalation(store.Escalation{InspectionID: in.ID, RequirementID: p.RequirementID,
		Step: p.Step, From: from, To: to, Reason: reason, At: now})
	if err != nil || !first {
		return err
	}
	if err := audit(ctx, tx, domain.SystemActor, now, store.AuditEntry{Entity: entityInspection, EntityID: id64(in.ID),
		RegionCode: in.RegionCode, Event: "escalate", Reason: reason,
		Detail: map[string]any{"requirement_id": p.RequirementID, "step": p.Step, "from": from, "to": to}}); err != nil {
		return err
	}
	if err := Notify(ctx, tx, now, Notification{Event: EventEscalation, RegionCode: from, Entity: entityInspection,
		EntityID: id64(in.ID), OccurredAt: now,
		Data: map[string]any{"inspection_id": in.ID, "requirement_id": p.RequirementID, "step": p.Step, "from": from,
			"to": to, "due": p.Due, "state": string(in.State)}}); err != nil {
		return err
	}
	if to == domain.NationCode {
		return nil
	}
	next := now.Add(r.cfg.EscalateEvery)
	_, err = tx.Enqueue(TypeRectificationOverdue, overdueTask{InspectionID: in.ID, RequirementID: p.RequirementID,
		Due: p.Due, Step: p.Step + 1}, next, now)
	return err
}
