package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/store"
)

// Background tasks of complaint cases. Each is written to the outbox in the
// transaction of the change that causes it and run by a jobs.Handler (the
// Handle… methods, registered in app.handlers()) inside the transaction that
// marks its outbox row done.
const (
	// TypeComplaintReminder reminds the region holding a case that a
	// deadline is near. Payload: complaintTask.
	TypeComplaintReminder = "complaint:remind"
	// TypeComplaintEscalate raises an overdue case one step up the region
	// tree, once per (case, phase, deadline, overdue period). Payload:
	// complaintTask.
	TypeComplaintEscalate = "complaint:escalate"
	// TypeComplaintReplan recomputes the deadlines of open cases after the
	// holiday calendar changed. Payload: {"year": …}.
	TypeComplaintReplan = "complaint:replan"
)

// complaintTask names one deadline of one case: a reminder or escalation
// whose deadline the case no longer has is stale and does nothing.
type complaintTask struct {
	ComplaintID int64                 `json:"complaint_id"`
	Phase       domain.ComplaintPhase `json:"phase"`
	Due         time.Time             `json:"due"`
	Period      int                   `json:"period,omitempty"`
}

const (
	// maxPeriods bounds the overdue periods looked at: a village is five
	// steps below the nation.
	maxPeriods = 6
	// sweepBatch and sweepMax bound the cases one sweep reads.
	sweepBatch = 500
	sweepMax   = 20000
	// reminderHorizon is how far ahead a sweep looks for reminders due: one
	// working day before a deadline can be nine calendar days before it
	// across the National Day holiday.
	reminderHorizon = 15 * 24 * time.Hour
)

// errEscalatedElsewhere means another worker recorded the escalation first.
var errEscalatedElsewhere = errors.New("complaint escalation recorded by another worker")

// plan writes the reminder and escalation tasks of the running phase's
// deadline. Call it whenever that deadline changes; tasks of the old one go
// stale by themselves.
func (s *Complaints) plan(tx *store.Tx, c domain.Complaint, cal *domain.Calendar, now time.Time) error {
	p, due := c.Phase(), c.CurrentDue()
	if p == "" || due.IsZero() {
		return nil
	}
	rule := c.Rules.Of(p)
	if p == domain.PhaseResolve {
		rule.Days += c.ExtensionDays
	}
	task := complaintTask{ComplaintID: c.ID, Phase: p, Due: due}
	if at := domain.ReminderAt(cal, rule, c.Clock(p).StartedAt, due); at.After(now) {
		if _, err := tx.Enqueue(TypeComplaintReminder, task, at, now); err != nil {
			return err
		}
	}
	if c.EscalationFrom() != domain.NationCode {
		task.Period = 1
		if _, err := tx.Enqueue(TypeComplaintEscalate, task, due, now); err != nil {
			return err
		}
	}
	return nil
}

func escalation(p domain.ComplaintPhase, due time.Time, period int, now time.Time, from, to, why string) domain.ComplaintEscalation {
	fl, _ := domain.LevelOfCode(from)
	tl, _ := domain.LevelOfCode(to)
	return domain.ComplaintEscalation{At: now, Phase: p, Due: due, Period: period, FromCode: from, ToCode: to,
		FromLevel: fl, ToLevel: tl, Why: why}
}

// auditEscalation records an escalation and announces it to webhooks. The
// notice names the region the case was raised from, so that subscribers at
// every level above it hear of it; the target is in its data.
func auditEscalation(ctx context.Context, tx *store.Tx, c domain.Complaint, e domain.ComplaintEscalation) error {
	id := strconv.FormatInt(c.ID, 10)
	err := audit(ctx, tx, domain.SystemActor, e.At, store.AuditEntry{Entity: "complaint",
		EntityID: id, RegionCode: c.BaseRegion(), Event: "escalate", Reason: e.Why,
		Detail: map[string]any{"phase": e.Phase, "due": e.Due, "period": e.Period, "from_region_code": e.FromCode,
			"to_region_code": e.ToCode, "from": e.FromLevel, "to": e.ToLevel}})
	if err != nil {
		return err
	}
	return Notify(ctx, tx, e.At, Notification{Event: EventEscalation, RegionCode: e.FromCode, Entity: "complaint",
		EntityID: id, OccurredAt: e.At, Data: map[string]any{"category": c.Category, "phase": e.Phase,
			"due": e.Due, "period": e.Period, "from_region_code": e.FromCode, "to_region_code": e.ToCode,
			"to_level": e.ToLevel.String(), "why": e.Why}})
}

func hasEscalation(c domain.Complaint, p domain.ComplaintPhase, due time.Time, period int) bool {
	for _, e := range c.Escalations {
		if e.Phase == p && e.Due.Equal(due) && e.Period == period {
			return true
		}
	}
	return false
}

func chinaTime(t time.Time) string { return t.In(domain.ChinaTime).Format("2006-01-02 15:04") }

// overduePeriods returns how many overdue periods of the running phase's
// deadline have ended by now (the first at the deadline, each next one a
// full length of the phase's rule later; at most maxPeriods) and when the
// next one ends.
func overduePeriods(c domain.Complaint, cal *domain.Calendar, now time.Time) (int, time.Time) {
	p, due := c.Phase(), c.CurrentDue()
	if p == "" || due.IsZero() {
		return 0, time.Time{}
	}
	rule := c.Rules.Of(p)
	n, boundary := 0, due
	for n < maxPeriods && !boundary.After(now) {
		n++
		boundary = domain.NextPeriod(cal, rule, boundary)
	}
	return n, boundary
}

// owesEscalation reports whether an overdue period of the case has ended
// without its escalation while the case can still be raised.
func owesEscalation(c domain.Complaint, cal *domain.Calendar, now time.Time) bool {
	if c.EscalationFrom() == domain.NationCode {
		return false
	}
	n, _ := overduePeriods(c, cal, now)
	for period := 1; period <= n; period++ {
		if !hasEscalation(c, c.Phase(), c.CurrentDue(), period) {
			return true
		}
	}
	return false
}

// escalateOverdue locks case id and records every escalation it is owed for
// its running phase's deadline, one per overdue period ended by now, each
// one step up from where the case was last raised to, until the nation; then
// writes the case and plans the next period's task. When want is not nil (a
// task's deadline) and the case no longer has that deadline, it does
// nothing: the change that moved the deadline planned anew. It returns
// errEscalatedElsewhere when the unique key finds the escalation recorded
// already (the lock makes that rare); run it in a savepoint.
func (s *Complaints) escalateOverdue(ctx context.Context, tx *store.Tx, id int64, want *complaintTask, cal *domain.Calendar, now time.Time) (int, error) {
	rec, err := tx.LockComplaint(id)
	if domain.ErrorCode(err) == domain.ENotFound {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	c := rec.Complaint
	p, due := c.Phase(), c.CurrentDue()
	if want != nil && (p != want.Phase || !due.Equal(want.Due)) {
		return 0, nil
	}
	n, next := overduePeriods(c, cal, now)
	rule := c.Rules.Of(p)
	added := 0
	for period := 1; period <= n; period++ {
		if hasEscalation(c, p, due, period) {
			continue
		}
		from := c.EscalationFrom()
		to, ok := domain.EscalationTarget(from)
		if !ok {
			break
		}
		why := fmt.Sprintf("the %s deadline of %s (China time) has passed", p, chinaTime(due))
		if period > 1 {
			why += fmt.Sprintf(" and the case is still overdue %d period(s) of %s later", period-1, rule)
		}
		e := escalation(p, due, period, now, from, to, why)
		inserted, err := tx.AddEscalation(c.ID, e)
		if err != nil {
			return added, err
		}
		if !inserted {
			return added, errEscalatedElsewhere
		}
		if err := auditEscalation(ctx, tx, c, e); err != nil {
			return added, err
		}
		c.EscalationRegionCode = to
		c.Escalations = append(c.Escalations, e)
		added++
	}
	if added == 0 {
		return 0, nil
	}
	ok, err := tx.UpdateComplaint(c, c.Version, now)
	if err != nil {
		return added, err
	}
	if !ok {
		return added, domain.Errorf(domain.EConflict, "complaint %d changed while being escalated", c.ID)
	}
	s.Log.Info("complaint escalated", "complaint", c.ID, "phase", p, "due", due, "to", c.EscalationRegionCode)
	if n < maxPeriods && c.EscalationFrom() != domain.NationCode {
		_, err = tx.Enqueue(TypeComplaintEscalate, complaintTask{ComplaintID: c.ID, Phase: p, Due: due, Period: n + 1}, next, now)
	}
	return added, err
}

func (s *Complaints) taskOf(t store.OutboxTask) (complaintTask, bool) {
	var p complaintTask
	if err := json.Unmarshal(t.Payload, &p); err != nil || p.ComplaintID == 0 {
		s.Log.Error("complaint task with a bad payload; dropped", "outbox_id", t.ID, "payload", string(t.Payload))
		return p, false
	}
	return p, true
}

// current loads the case a task names and reports whether it still has the
// task's deadline.
func (s *Complaints) current(tx *store.Tx, p complaintTask) (domain.Complaint, bool, error) {
	rec, err := tx.Complaint(p.ComplaintID)
	if domain.ErrorCode(err) == domain.ENotFound {
		return domain.Complaint{}, false, nil
	}
	if err != nil {
		return domain.Complaint{}, false, err
	}
	c := rec.Complaint
	return c, c.Phase() == p.Phase && c.CurrentDue().Equal(p.Due), nil
}

// HandleEscalate is the jobs.Handler of TypeComplaintEscalate.
func (s *Complaints) HandleEscalate(ctx context.Context, tx *store.Tx, t store.OutboxTask, now time.Time) error {
	p, ok := s.taskOf(t)
	if !ok {
		return nil
	}
	cal, err := tx.Calendar()
	if err != nil {
		return err
	}
	err = tx.Savepoint(func(tx *store.Tx) error {
		_, err := s.escalateOverdue(ctx, tx, p.ComplaintID, &p, cal, now)
		return err
	})
	if errors.Is(err, errEscalatedElsewhere) {
		return nil
	}
	return err
}

// remind records and announces a reminder of the case's running deadline,
// once.
func (s *Complaints) remind(ctx context.Context, tx *store.Tx, c domain.Complaint, now time.Time) error {
	p, due := c.Phase(), c.CurrentDue()
	first, err := tx.AddReminder(c.ID, p, due, now)
	if err != nil || !first {
		return err
	}
	s.Log.Info("complaint deadline near", "complaint", c.ID, "phase", p, "due", due, "region", c.BaseRegion())
	id := strconv.FormatInt(c.ID, 10)
	err = audit(ctx, tx, domain.SystemActor, now, store.AuditEntry{Entity: "complaint",
		EntityID: id, RegionCode: c.BaseRegion(), Event: "remind",
		Reason: fmt.Sprintf("the %s deadline of %s (China time) is near", p, chinaTime(due)),
		Detail: map[string]any{"phase": p, "due": due, "region_code": c.BaseRegion()}})
	if err != nil {
		return err
	}
	return Notify(ctx, tx, now, Notification{Event: EventDeadlineReminder, RegionCode: c.BaseRegion(),
		Entity: "complaint", EntityID: id, Data: map[string]any{"category": c.Category, "phase": p, "due": due}})
}

// HandleReminder is the jobs.Handler of TypeComplaintReminder. A reminder
// that comes after its deadline is dropped: the escalation speaks then.
func (s *Complaints) HandleReminder(ctx context.Context, tx *store.Tx, t store.OutboxTask, now time.Time) error {
	p, ok := s.taskOf(t)
	if !ok {
		return nil
	}
	c, live, err := s.current(tx, p)
	if err != nil || !live || !now.Before(p.Due) {
		return err
	}
	return s.remind(ctx, tx, c, now)
}

// Sweep runs one repair pass now.
func (s *Complaints) Sweep(ctx context.Context) error {
	now := s.now()
	return s.Store.Tx(ctx, func(tx *store.Tx) error { return s.sweep(ctx, tx, now) })
}

// sweep records the escalations overdue cases are owed and the reminders
// whose time has come, whatever happened to their tasks. A case that
// changed meanwhile is skipped (its own change planned anew; the next sweep
// looks again).
func (s *Complaints) sweep(ctx context.Context, tx *store.Tx, now time.Time) error {
	cal, err := tx.Calendar()
	if err != nil {
		return err
	}
	escalated, reminded := 0, 0
	for after, seen := int64(0), 0; seen < sweepMax; {
		recs, err := tx.OverdueComplaints(now, after, sweepBatch)
		if err != nil {
			return err
		}
		for _, r := range recs {
			if !owesEscalation(r.Complaint, cal, now) {
				continue
			}
			err := tx.Savepoint(func(tx *store.Tx) error {
				n, err := s.escalateOverdue(ctx, tx, r.ID, nil, cal, now)
				escalated += n
				return err
			})
			if err != nil && !errors.Is(err, errEscalatedElsewhere) && domain.ErrorCode(err) != domain.EConflict {
				return err
			}
		}
		if len(recs) < sweepBatch {
			break
		}
		after, seen = recs[len(recs)-1].ID, seen+len(recs)
	}
	for after, seen := int64(0), 0; seen < sweepMax; {
		recs, err := tx.ComplaintsToRemind(now, now.Add(reminderHorizon), after, sweepBatch)
		if err != nil {
			return err
		}
		for _, r := range recs {
			c := r.Complaint
			p := c.Phase()
			rule := c.Rules.Of(p)
			if p == domain.PhaseResolve {
				rule.Days += c.ExtensionDays
			}
			if domain.ReminderAt(cal, rule, c.Clock(p).StartedAt, c.CurrentDue()).After(now) {
				continue
			}
			if err := s.remind(ctx, tx, c, now); err != nil {
				return err
			}
			reminded++
		}
		if len(recs) < sweepBatch {
			break
		}
		after, seen = recs[len(recs)-1].ID, seen+len(recs)
	}
	if escalated+reminded > 0 {
		s.Log.Info("complaint sweep repaired follow-ups", "escalations", escalated, "reminders", reminded)
	}
	return nil
}

// RunSweeper sweeps at start and then whenever the clock passes a whole
// SweepInterval, until ctx ends. It looks at the clock every poll, so that
// a test's fake clock is followed too. Every worker process runs one; a
// sweep is idempotent (the case's lock and the unique keys), so several
// at once repair each thing once. It keeps no state outside the process:
// nothing to lose when Redis is.
func (s *Complaints) RunSweeper(ctx context.Context, poll time.Duration) {
	t := time.NewTicker(poll)
	defer t.Stop()
	var next time.Time
	failing := false
	for {
		if now := s.now(); !now.Before(next) {
			err := s.Sweep(ctx)
			switch {
			case err != nil && ctx.Err() != nil:
				return
			case err != nil && !failing:
				s.Log.Warn("complaint sweep failing; will retry", "err", err)
			case err == nil && failing:
				s.Log.Info("complaint sweep recovered")
			}
			failing = err != nil
			next = now.Truncate(s.cfg.SweepInterval).Add(s.cfg.SweepInterval)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// HandleReplan is the jobs.Handler of TypeComplaintReplan: every open case's
// running deadline is computed again on the current calendar, and where it
// moved the case is updated, audited and its follow-ups planned anew.
func (s *Complaints) HandleReplan(ctx context.Context, tx *store.Tx, t store.OutboxTask, now time.Time) error {
	cal, err := tx.Calendar()
	if err != nil {
		return err
	}
	for after := int64(0); ; {
		recs, err := tx.OpenComplaints(after, sweepBatch)
		if err != nil {
			return err
		}
		for _, r := range recs {
			c := r.Complaint
			old := c.CurrentDue()
			c.Recompute(cal)
			if c.CurrentDue().Equal(old) {
				continue
			}
			ok, err := tx.UpdateComplaint(c, c.Version, now)
			if err != nil {
				return err
			}
			if !ok {
				continue // changed meanwhile; that change computed its own deadline
			}
			c.Version++
			err = audit(ctx, tx, domain.SystemActor, now, store.AuditEntry{Entity: "complaint",
				EntityID: strconv.FormatInt(c.ID, 10), RegionCode: c.BaseRegion(), Event: "deadline_moved",
				Reason: "the holiday calendar changed",
				Detail: map[string]any{"phase": c.Phase(), "old_due": old, "due": c.CurrentDue()}})
			if err != nil {
				return err
			}
			if err := s.plan(tx, c, cal, now); err != nil {
				return err
			}
		}
		if len(recs) < sweepBatch {
			return nil
		}
		after = recs[len(recs)-1].ID
	}
}
