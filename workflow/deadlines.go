package workflow

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/store"
)

// Task types of a batch's phase deadlines. A launch writes them to the
// outbox in its own transaction: per phase, a reminder at each of
// CampaignsConfig.Reminders before the deadline and an overdue mark at it.
const (
	TypeDeadlineReminder = "campaigns:deadline_reminder"
	TypeDeadlineOverdue  = "campaigns:deadline_overdue"
)

// DeadlineTask is the payload of both task types.
type DeadlineTask struct {
	BatchID int64        `json:"batch_id"`
	Phase   domain.Phase `json:"phase"`
	Due     time.Time    `json:"due"`
	// Before is how long before Due a reminder goes out; 0 for the overdue mark.
	Before time.Duration `json:"before,omitempty"`
}

// enqueueDeadlines records a launched batch's deadline tasks. Reminders
// whose time has already passed are skipped; an overdue mark whose deadline
// has passed runs at once.
func (s *Campaigns) enqueueDeadlines(tx *store.Tx, b domain.Batch, now time.Time) error {
	d := b.Deadlines()
	for _, p := range domain.Phases {
		due := d.Due(p)
		for _, before := range s.cfg.Reminders {
			at := due.Add(-before)
			if at.Before(now) {
				continue
			}
			if _, err := tx.Enqueue(TypeDeadlineReminder, DeadlineTask{BatchID: b.ID, Phase: p, Due: due, Before: before},
				at, now); err != nil {
				return err
			}
		}
		if _, err := tx.Enqueue(TypeDeadlineOverdue, DeadlineTask{BatchID: b.ID, Phase: p, Due: due}, due, now); err != nil {
			return err
		}
	}
	return nil
}

// HandleDeadlineTask runs a reminder or an overdue mark (jobs.Handler: it
// runs in the transaction that marks the outbox row done). For each
// inspection of the batch whose work in the phase is still undone it records
// the notice once (a second run finds it recorded and does nothing), with an
// audit row; a reminder also notifies the webhooks subscribed to
// deadline_reminder for the inspected region, an overdue mark sets the
// inspection's overdue phase.
// Inspections that have moved past the phase are left alone.
func (s *Campaigns) HandleDeadlineTask(ctx context.Context, tx *store.Tx, task store.OutboxTask, now time.Time) error {
	var p DeadlineTask
	if err := json.Unmarshal(task.Payload, &p); err != nil || !p.Phase.Valid() {
		// Retrying cannot fix a payload; say so and drop it.
		s.Log.Error("dropping a malformed deadline task", "outbox_id", task.ID, "payload", string(task.Payload))
		return nil
	}
	overdue := task.Type == TypeDeadlineOverdue
	kind := store.NoticeOverdue
	event := "overdue"
	if !overdue {
		kind = store.NoticeReminderPrefix + durationLabel(p.Before)
		event = "deadline_reminder"
	}
	// Lock order: batch, then its inspections.
	if _, err := tx.Batch(p.BatchID, true); err != nil {
		if domain.ErrorCode(err) == domain.ENotFound {
			return nil
		}
		return err
	}
	ins, err := tx.BatchInspections(p.BatchID, true)
	if err != nil {
		return err
	}
	for _, in := range ins {
		if domain.PhaseDone(p.Phase, in.State) {
			continue
		}
		first, err := tx.RecordNotice(store.DeadlineNotice{InspectionID: in.ID, Phase: p.Phase, Kind: kind, DueAt: p.Due,
			SentAt: now})
		if err != nil {
			return err
		}
		if !first {
			continue
		}
		detail := map[string]any{"phase": string(p.Phase), "due": p.Due, "state": string(in.State)}
		if overdue {
			// Read at the deadline at the earliest, so that the phase itself
			// counts even if the clock lags the task.
			at := now
			if at.Before(p.Due) {
				at = p.Due
			}
			phase, since := domain.Overdue(in.State, in.Deadlines, at)
			if err := tx.SetOverdue(in.ID, phase, since); err != nil {
				return err
			}
		} else {
			detail["before"] = durationLabel(p.Before)
			// Subscribed systems hear of it too (webhooks).
			if err := Notify(ctx, tx, now, Notification{Event: EventDeadlineReminder, RegionCode: in.RegionCode,
				Entity: entityInspection, EntityID: id64(in.ID), OccurredAt: now,
				Data: map[string]any{"inspection_id": in.ID, "batch_id": in.BatchID, "campaign_id": in.CampaignID,
					"phase": string(p.Phase), "due": p.Due, "before": durationLabel(p.Before), "state": string(in.State)}}); err != nil {
				return err
			}
		}
		if err := audit(ctx, tx, domain.SystemActor, now, store.AuditEntry{Entity: entityInspection,
			EntityID: id64(in.ID), RegionCode: in.RegionCode, Event: event, Detail: detail}); err != nil {
			return err
		}
	}
	return nil
}

// durationLabel writes whole hours as "72h", anything else as Go does.
func durationLabel(d time.Duration) string {
	if d > 0 && d%time.Hour == 0 {
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	}
	return d.String()
}
