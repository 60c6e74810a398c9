package workflow

import (
	"context"

	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/store"
)

func inspectionCurrent(in domain.Inspection) Current {
	return Current{Entity: entityInspection, Table: "inspections", ID: in.ID, Region: in.RegionCode, State: in.State,
		Version: in.Version}
}

// side says who fires an inspection event, beyond the machine's roles.
type side int

const (
	sideAny       side = iota
	sideInspected      // the inspected region's own officers answer
	sideReviewer       // the batch's assigned inspectors and the campaign's managers review (mayReview)
	sideManager        // the campaign's managers decide
)

var eventSide = map[domain.Event]side{
	domain.InspectionSubmitSelfCheck:     sideInspected,
	domain.InspectionSubmitRectification: sideInspected,
	domain.InspectionBeginReview:         sideReviewer,
	domain.InspectionReturn:              sideReviewer,
	domain.InspectionCompleteReview:      sideReviewer,
	domain.InspectionIssueFeedback:       sideManager,
	domain.InspectionAcceptRectification: sideManager,
	domain.InspectionRejectRectification: sideManager,
}

// checkSide refuses an actor who holds the right role but sits on the wrong
// side of the inspection: a province coordinator may answer its own national
// inspection but not review or judge it, and in its own provincial campaign
// it reviews and judges but does not answer for its counties. The review
// events (begin_review, return, complete_review) follow the rule of the
// review writes (mayReview): only the inspectors assigned to the batch and
// the campaign's managers, never a region within the inspected one.
func (s *Campaigns) checkSide(tx *store.Tx, actor domain.Actor, ev domain.Event, c domain.Campaign, in domain.Inspection) error {
	switch eventSide[ev] {
	case sideInspected:
		// Inside the inspected region (checked by the scope) and strictly
		// below the campaign's region.
		if actor.RegionCode == c.RegionCode || !domain.Within(actor.RegionCode, c.RegionCode) ||
			!domain.Within(in.RegionCode, actor.RegionCode) {
			return domain.Errorf(domain.EForbidden, "only the officers of the inspected region %s may %s", in.RegionCode, ev)
		}
	case sideReviewer:
		if err := s.mayReview(tx, actor, c, in); err != nil {
			return err
		}
	case sideManager:
		if !s.Authz.Allowed(actor.Role, "campaigns", "transition", actor.RegionCode, c.RegionCode) {
			return domain.Errorf(domain.EForbidden, "only the managers of the campaign's region %s may %s", c.RegionCode, ev)
		}
	}
	return nil
}

// FireInspection applies an event to an inspection: the actor must be in
// scope of the inspected region and on the right side of it (checkSide; the
// review events only by the batch's assigned inspectors and the campaign's
// managers);
// begin_review needs its batch in site_review and issue_feedback its batch
// in feedback; submit_self_check and complete_review ask Checks. The
// overdue mark is recomputed for the new state.
func (s *Campaigns) FireInspection(ctx context.Context, actor domain.Actor, id int64, f Fire) (domain.Inspection, error) {
	now := s.now()
	var out domain.Inspection
	err := s.Store.Tx(ctx, func(tx *store.Tx) error {
		// Lock order: batch, then inspection (a batch's guards read its
		// inspections under the batch's lock).
		in, err := tx.Inspection(id, false)
		if err != nil {
			return err
		}
		b, err := tx.Batch(in.BatchID, true)
		if err != nil {
			return err
		}
		if in, err = tx.Inspection(id, true); err != nil {
			return err
		}
		if err := s.Authz.Check(actor, "inspections", "transition", in.RegionCode); err != nil {
			return err
		}
		c, err := tx.Campaign(in.CampaignID, false)
		if err != nil {
			return err
		}
		m := domain.InspectionMachine()
		guard := func(t domain.Transition) error {
			if err := s.checkSide(tx, actor, t.Event, c, in); err != nil {
				return err
			}
			return s.inspectionGuard(ctx, tx, t, c, b, in)
		}
		o := FireOptions{Guard: guard}
		if t, err := m.Next(in.State, f.Event, f.Branch); err == nil {
			// apply fires this very row; the mark follows its target state.
			phase, since := domain.Overdue(t.To, in.Deadlines, now)
			o.Set = store.OverdueColumns(phase, since)
		}
		t, err := apply(ctx, tx, m, actor, inspectionCurrent(in), f, now, o)
		if err != nil {
			return err
		}
		if s.AfterInspection != nil {
			if err := s.AfterInspection(ctx, tx, actor, c, in, t, now); err != nil {
				return err
			}
		}
		out, err = tx.Inspection(id, false)
		return err
	})
	return out, err
}

func (s *Campaigns) inspectionGuard(ctx context.Context, tx *store.Tx, t domain.Transition, c domain.Campaign, b domain.Batch, in domain.Inspection) error {
	needBatch := func(st domain.State) error {
		if b.State == st {
			return nil
		}
		return &domain.Error{Code: domain.EInvalid,
			Message: "batch " + id64(b.ID) + " is in " + string(b.State) + "; " + string(t.Event) + " needs it in " + string(st),
			Extra:   map[string]any{"guard": t.Guard, "batch_state": string(b.State)}}
	}
	switch t.Guard {
	case domain.GuardBatchInSiteReview:
		return needBatch(domain.BatchSiteReview)
	case domain.GuardBatchInFeedback:
		return needBatch(domain.BatchFeedback)
	case domain.GuardAllIndicatorsAnswered:
		if s.Checks.AllIndicatorsAnswered != nil {
			return s.Checks.AllIndicatorsAnswered(ctx, tx, c, in)
		}
	case domain.GuardAllIndicatorsRated:
		if s.Checks.AllIndicatorsRated != nil {
			return s.Checks.AllIndicatorsRated(ctx, tx, c, in)
		}
	case domain.GuardAllRequirementsAnswered:
		if s.Checks.AllRequirementsAnswered != nil {
			return s.Checks.AllRequirementsAnswered(ctx, tx, c, in)
		}
	case domain.GuardAllRequirementsAccepted:
		if s.Checks.AllRequirementsAccepted != nil {
			return s.Checks.AllRequirementsAccepted(ctx, tx, c, in)
		}
	}
	return nil
}

// GetInspection returns an inspection the actor may read, with the
// deadline notices sent for it.
func (s *Campaigns) GetInspection(ctx context.Context, actor domain.Actor, id int64) (domain.Inspection, []store.DeadlineNotice, error) {
	read := s.Store.Read(ctx)
	in, err := read.Inspection(id, false)
	if err != nil {
		return domain.Inspection{}, nil, err
	}
	if err := s.Authz.Check(actor, "inspections", "read", in.RegionCode); err != nil {
		return domain.Inspection{}, nil, err
	}
	ns, err := read.Notices(id)
	return in, ns, err
}

// InspectionQuery filters a listing of inspections; zero fields match all.
type InspectionQuery struct {
	CampaignID int64
	BatchID    int64
	RegionCode string
	State      domain.State
	Overdue    *bool
}

// Inspections lists the inspections the actor may read: those of its own
// region and below, and those of the regions above it on its branch (a
// province sees its own national inspection and those of its provincial
// campaigns, nothing of another province); national roles see all.
func (s *Campaigns) Inspections(ctx context.Context, actor domain.Actor, q InspectionQuery, p Page) (Paged[domain.Inspection], error) {
	if err := s.Authz.Check(actor, "inspections", "read", actor.RegionCode); err != nil {
		return Paged[domain.Inspection]{}, err
	}
	var v domain.Validation
	if q.State != "" && !domain.InspectionMachine().HasState(q.State) {
		v.AddValue("query.state", q.State, "not an inspection state")
	}
	if err := checkRegionFilter(s.Store.Read(ctx), &v, q.RegionCode); err != nil {
		return Paged[domain.Inspection]{}, err
	}
	after, err := DecodeIDCursor(p.Cursor)
	if err != nil {
		return Paged[domain.Inspection]{}, err
	}
	if err := v.Err(); err != nil {
		return Paged[domain.Inspection]{}, err
	}
	n := p.Size()
	ins, err := s.Store.Read(ctx).ListInspections(store.InspectionFilter{Scope: actor.RegionCode,
		CampaignID: q.CampaignID, BatchID: q.BatchID, RegionCode: q.RegionCode, State: q.State, Overdue: q.Overdue},
		after, n+1)
	if err != nil {
		return Paged[domain.Inspection]{}, err
	}
	return page(ins, n, func(in domain.Inspection) int64 { return in.ID }), nil
}
