package store

import (
	"encoding/json"
	"fmt"
	"time"
)

// OutboxTask is a background job recorded in the same transaction as the
// change that causes it. Redis only ever holds a copy: the relay hands
// pending rows to the queue, the handler marks them done, and a row that is
// not done is handed over again, so losing Redis loses nothing.
type OutboxTask struct {
	ID         int64
	Type       string
	Payload    []byte
	RunAt      time.Time
	CreatedAt  time.Time
	EnqueuedAt *time.Time
	DoneAt     *time.Time
	Attempts   int
	LastError  string
}

type outboxRow struct {
	ID         int64 `gorm:"primaryKey"`
	TaskType   string
	Payload    string
	RunAt      time.Time
	CreatedAt  time.Time
	EnqueuedAt *time.Time
	DoneAt     *time.Time
	Attempts   int
	LastError  string
}

func (outboxRow) TableName() string { return "outbox" }

func (r outboxRow) toTask() OutboxTask {
	return OutboxTask{ID: r.ID, Type: r.TaskType, Payload: []byte(r.Payload), RunAt: r.RunAt, CreatedAt: r.CreatedAt,
		EnqueuedAt: r.EnqueuedAt, DoneAt: r.DoneAt, Attempts: r.Attempts, LastError: r.LastError}
}

// Enqueue records a task to run at runAt (now or later) with a JSON payload.
func (tx *Tx) Enqueue(taskType string, payload any, runAt, now time.Time) (int64, error) {
	b, err := json.Marshal(payload)
	if err != nil {
		return 0, fmt.Errorf("store: outbox payload: %w", err)
	}
	row := outboxRow{TaskType: taskType, Payload: string(b), RunAt: runAt.UTC(), CreatedAt: now}
	if err := tx.db.Create(&row).Error; err != nil {
		return 0, fmt.Errorf("store: outbox: %w", err)
	}
	return row.ID, nil
}

// OutboxDue lists tasks that are not done and either were never handed to
// the queue or were handed over before staleBefore without finishing (the
// queue may have lost them), oldest first. Tasks due later than dueBy are
// left for a later pass.
func (tx *Tx) OutboxDue(dueBy, staleBefore time.Time, limit int) ([]OutboxTask, error) {
	var rows []outboxRow
	err := tx.db.Where("done_at IS NULL AND run_at <= ? AND (enqueued_at IS NULL OR enqueued_at < ?)", dueBy, staleBefore).
		Order("id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: outbox due: %w", err)
	}
	out := make([]OutboxTask, len(rows))
	for i, r := range rows {
		out[i] = r.toTask()
	}
	return out, nil
}

// MarkEnqueued records that the queue holds task id.
func (tx *Tx) MarkEnqueued(id int64, now time.Time) error {
	return tx.db.Model(&outboxRow{}).Where("id = ?", id).Update("enqueued_at", now).Error
}

// OutboxTaskByID returns one task or ENotFound.
func (tx *Tx) OutboxTaskByID(id int64) (OutboxTask, error) {
	var r outboxRow
	if err := tx.db.Take(&r, "id = ?", id).Error; err != nil {
		return OutboxTask{}, notFound(err, "outbox task %d not found", id)
	}
	return r.toTask(), nil
}

// MarkDone records that task id finished; it reports false when the task
// was already done (a duplicate delivery), so that a handler running in the
// same transaction can skip its work.
func (tx *Tx) MarkDone(id int64, now time.Time) (bool, error) {
	res := tx.db.Model(&outboxRow{}).Where("id = ? AND done_at IS NULL", id).
		Updates(map[string]any{"done_at": now, "attempts": gormExpr("attempts + 1")})
	if res.Error != nil {
		return false, fmt.Errorf("store: outbox done: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// MarkFailed records a failed attempt (the queue retries it).
func (tx *Tx) MarkFailed(id int64, msg string) error {
	return tx.db.Model(&outboxRow{}).Where("id = ?", id).
		Updates(map[string]any{"attempts": gormExpr("attempts + 1"), "last_error": msg}).Error
}

// OutboxCounts returns how many tasks are pending and done.
func (tx *Tx) OutboxCounts() (pending, done int64, err error) {
	if err = tx.db.Model(&outboxRow{}).Where("done_at IS NULL").Count(&pending).Error; err != nil {
		return
	}
	err = tx.db.Model(&outboxRow{}).Where("done_at IS NOT NULL").Count(&done).Error
	return
}
