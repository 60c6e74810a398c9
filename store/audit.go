package store

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/ducha/ducha/domain"
)

// AuditEntry is one recorded change: who did what to which entity, when,
// from which state to which, and why.
type AuditEntry struct {
	ID         int64          `json:"id"`
	At         time.Time      `json:"at"`
	ActorID    int64          `json:"actor_id,omitempty"`
	Actor      string         `json:"actor"`
	ActorRole  domain.Role    `json:"actor_role,omitempty"`
	Entity     string         `json:"entity"`
	EntityID   string         `json:"entity_id"`
	RegionCode string         `json:"region_code,omitempty"`
	Event      string         `json:"event"`
	FromState  string         `json:"from_state,omitempty"`
	ToState    string         `json:"to_state,omitempty"`
	Reason     string         `json:"reason,omitempty"`
	Detail     map[string]any `json:"detail,omitempty"`
	RequestID  string         `json:"request_id,omitempty"`
}

type auditRow struct {
	ID         int64 `gorm:"primaryKey"`
	At         time.Time
	ActorID    *int64
	Actor      string
	ActorRole  string
	Entity     string
	EntityID   string
	RegionCode string
	Event      string
	FromState  string
	ToState    string
	Reason     string
	Detail     string
	RequestID  string
}

func (auditRow) TableName() string { return "audit_log" }

// Audit appends an entry; call it in the transaction of the change itself.
func (tx *Tx) Audit(e AuditEntry, actor domain.Actor) error {
	row := auditRow{At: e.At, Actor: actor.Username, ActorRole: string(actor.Role), Entity: e.Entity,
		EntityID: e.EntityID, RegionCode: e.RegionCode, Event: e.Event, FromState: e.FromState,
		ToState: e.ToState, Reason: e.Reason, RequestID: e.RequestID}
	if actor.UserID != 0 {
		id := actor.UserID
		row.ActorID = &id
	}
	if len(e.Detail) > 0 {
		b, err := json.Marshal(e.Detail)
		if err != nil {
			return fmt.Errorf("store: audit detail: %w", err)
		}
		row.Detail = string(b)
	}
	if err := tx.db.Create(&row).Error; err != nil {
		return fmt.Errorf("store: audit: %w", err)
	}
	return nil
}

// AuditFilter selects audit entries; empty fields match everything.
type AuditFilter struct {
	Entity   string
	EntityID string
	// Scope restricts to entries whose region lies in this subtree
	// (entries with no region are visible to national users only).
	Scope string
}

// ListAudit lists entries newest first, before the id `before` (0: from the newest).
func (tx *Tx) ListAudit(f AuditFilter, before int64, limit int) ([]AuditEntry, error) {
	q := tx.db.Model(&auditRow{})
	if f.Entity != "" {
		q = q.Where("entity = ?", f.Entity)
	}
	if f.EntityID != "" {
		q = q.Where("entity_id = ?", f.EntityID)
	}
	if f.Scope != "" && f.Scope != domain.NationCode {
		q = q.Where("region_code LIKE ?", f.Scope+"%")
	}
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	var rows []auditRow
	if err := q.Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: list audit: %w", err)
	}
	out := make([]AuditEntry, len(rows))
	for i, r := range rows {
		e := AuditEntry{ID: r.ID, At: r.At, Actor: r.Actor, ActorRole: domain.Role(r.ActorRole), Entity: r.Entity,
			EntityID: r.EntityID, RegionCode: r.RegionCode, Event: r.Event, FromState: r.FromState,
			ToState: r.ToState, Reason: r.Reason, RequestID: r.RequestID}
		if r.ActorID != nil {
			e.ActorID = *r.ActorID
		}
		if r.Detail != "" {
			_ = json.Unmarshal([]byte(r.Detail), &e.Detail)
		}
		out[i] = e
	}
	return out, nil
}
