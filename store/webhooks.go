package store

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/ducha/ducha/domain"
)

// Webhook is another system's subscription to ducha's notices.
type Webhook struct {
	ID         int64
	URL        string
	Events     []string
	RegionCode string
	// Secret keys the HMAC signature of every delivery; the API shows it
	// only once, on creation. The store keeps what it is given: workflow
	// hands it the secret sealed (workflow.Sealer, "v1:…") and opens it to
	// sign; rows written before sealing began hold it plain.
	Secret    string
	CreatedBy int64
	CreatedAt time.Time
	DeletedAt *time.Time
}

type webhookRow struct {
	ID         int64 `gorm:"primaryKey"`
	URL        string
	Events     string // JSON array
	RegionCode string
	Secret     string
	CreatedBy  *int64
	CreatedAt  time.Time
	DeletedAt  *time.Time
}

func (webhookRow) TableName() string { return "webhooks" }

func (r webhookRow) toWebhook() Webhook {
	w := Webhook{ID: r.ID, URL: r.URL, RegionCode: r.RegionCode, Secret: r.Secret, CreatedAt: r.CreatedAt,
		DeletedAt: r.DeletedAt}
	if r.CreatedBy != nil {
		w.CreatedBy = *r.CreatedBy
	}
	_ = json.Unmarshal([]byte(r.Events), &w.Events)
	return w
}

// CreateWebhook stores a subscription.
func (tx *Tx) CreateWebhook(w Webhook, now time.Time) (Webhook, error) {
	ev, err := json.Marshal(w.Events)
	if err != nil {
		return Webhook{}, fmt.Errorf("store: webhook events: %w", err)
	}
	row := webhookRow{URL: w.URL, Events: string(ev), RegionCode: w.RegionCode, Secret: w.Secret, CreatedAt: now}
	if w.CreatedBy != 0 {
		row.CreatedBy = &w.CreatedBy
	}
	if err := tx.db.Create(&row).Error; err != nil {
		return Webhook{}, fmt.Errorf("store: create webhook: %w", err)
	}
	return row.toWebhook(), nil
}

// Webhook returns a subscription, deleted ones included (DeletedAt set), or
// ENotFound.
func (tx *Tx) Webhook(id int64) (Webhook, error) {
	var r webhookRow
	if err := tx.db.Take(&r, "id = ?", id).Error; err != nil {
		return Webhook{}, notFound(err, "webhook %d not found", id)
	}
	return r.toWebhook(), nil
}

// ListWebhooks lists the live subscriptions whose region lies in scope's
// subtree, by id, after the id `after`.
func (tx *Tx) ListWebhooks(scope string, after int64, limit int) ([]Webhook, error) {
	q := tx.db.Model(&webhookRow{}).Where("deleted_at IS NULL AND id > ?", after)
	if scope != domain.NationCode {
		q = q.Where("region_code LIKE ?", scope+"%")
	}
	var rows []webhookRow
	if err := q.Order("id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: list webhooks: %w", err)
	}
	out := make([]Webhook, len(rows))
	for i, r := range rows {
		out[i] = r.toWebhook()
	}
	return out, nil
}

// WebhooksIn lists the live subscriptions whose region is one of codes, by id.
func (tx *Tx) WebhooksIn(codes []string) ([]Webhook, error) {
	var rows []webhookRow
	if err := tx.db.Where("deleted_at IS NULL AND region_code IN ?", codes).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: webhooks in regions: %w", err)
	}
	out := make([]Webhook, len(rows))
	for i, r := range rows {
		out[i] = r.toWebhook()
	}
	return out, nil
}

// DeleteWebhook marks a live subscription deleted; ENotFound when there is
// none. Its delivery log stays.
func (tx *Tx) DeleteWebhook(id int64, now time.Time) error {
	res := tx.db.Model(&webhookRow{}).Where("id = ? AND deleted_at IS NULL", id).Update("deleted_at", now)
	if res.Error != nil {
		return fmt.Errorf("store: delete webhook: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return domain.Errorf(domain.ENotFound, "webhook %d not found", id)
	}
	return nil
}

// Delivery states. A delivery is pending until one attempt succeeds
// (delivered), the attempts run out (failed), or its subscription is
// deleted first (cancelled).
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
	DeliveryCancelled = "cancelled"
)

// WebhookDelivery is one notice on its way to one subscription.
type WebhookDelivery struct {
	ID int64
	// UID is the delivery's public id: the body's "id" and the
	// X-Ducha-Delivery header, the same on every attempt.
	UID        string
	WebhookID  int64
	Event      string
	RegionCode string
	Entity     string
	EntityID   string
	// Body is the exact JSON sent on every attempt, fixed when the notice
	// was recorded.
	Body          []byte
	State         string
	Attempts      int
	LastStatus    *int
	LastError     string
	LastAttemptAt *time.Time
	DeliveredAt   *time.Time
	OccurredAt    time.Time
	CreatedAt     time.Time
}

type deliveryRow struct {
	ID            int64 `gorm:"primaryKey"`
	UID           string
	WebhookID     int64
	Event         string
	RegionCode    string
	Entity        string
	EntityID      string
	Body          string
	State         string
	Attempts      int
	LastStatus    *int
	LastError     string
	LastAttemptAt *time.Time
	DeliveredAt   *time.Time
	OccurredAt    time.Time
	CreatedAt     time.Time
}

func (deliveryRow) TableName() string { return "webhook_deliveries" }

func (r deliveryRow) toDelivery() WebhookDelivery {
	return WebhookDelivery{ID: r.ID, UID: r.UID, WebhookID: r.WebhookID, Event: r.Event, RegionCode: r.RegionCode,
		Entity: r.Entity, EntityID: r.EntityID, Body: []byte(r.Body), State: r.State, Attempts: r.Attempts,
		LastStatus: r.LastStatus, LastError: r.LastError, LastAttemptAt: r.LastAttemptAt, DeliveredAt: r.DeliveredAt,
		OccurredAt: r.OccurredAt, CreatedAt: r.CreatedAt}
}

// CreateDelivery stores a pending delivery.
func (tx *Tx) CreateDelivery(d WebhookDelivery, now time.Time) (WebhookDelivery, error) {
	row := deliveryRow{UID: d.UID, WebhookID: d.WebhookID, Event: d.Event, RegionCode: d.RegionCode, Entity: d.Entity,
		EntityID: d.EntityID, Body: string(d.Body), State: DeliveryPending, OccurredAt: d.OccurredAt.UTC(), CreatedAt: now}
	if err := tx.db.Create(&row).Error; err != nil {
		return WebhookDelivery{}, fmt.Errorf("store: create delivery: %w", err)
	}
	return row.toDelivery(), nil
}

// Delivery returns one delivery or ENotFound.
func (tx *Tx) Delivery(id int64) (WebhookDelivery, error) {
	var r deliveryRow
	if err := tx.db.Take(&r, "id = ?", id).Error; err != nil {
		return WebhookDelivery{}, notFound(err, "delivery %d not found", id)
	}
	return r.toDelivery(), nil
}

// ListDeliveries lists a subscription's deliveries newest first, before the
// id `before` (0: from the newest).
func (tx *Tx) ListDeliveries(webhookID, before int64, limit int) ([]WebhookDelivery, error) {
	q := tx.db.Where("webhook_id = ?", webhookID)
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	var rows []deliveryRow
	if err := q.Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: list deliveries: %w", err)
	}
	out := make([]WebhookDelivery, len(rows))
	for i, r := range rows {
		out[i] = r.toDelivery()
	}
	return out, nil
}

// DeliveryAttempt is the outcome of one attempt to deliver.
type DeliveryAttempt struct {
	At     time.Time
	Status int // the receiver's HTTP status; 0 when there was no answer
	Error  string
	// State is the delivery's state after the attempt: pending when it will
	// be retried, delivered, failed, or cancelled (no attempt was made).
	State string
}

// RecordDeliveryAttempt counts an attempt on a pending delivery and moves
// it to a.State. It reports false, changing nothing, when the delivery is no
// longer pending (a concurrent attempt settled it first).
func (tx *Tx) RecordDeliveryAttempt(id int64, a DeliveryAttempt) (bool, error) {
	set := map[string]any{"state": a.State, "last_error": a.Error}
	if a.State != DeliveryCancelled {
		set["attempts"] = gormExpr("attempts + 1")
		set["last_attempt_at"] = a.At
		if a.Status != 0 {
			set["last_status"] = a.Status
		} else {
			set["last_status"] = nil
		}
	}
	if a.State == DeliveryDelivered {
		set["delivered_at"] = a.At
	}
	res := tx.db.Model(&deliveryRow{}).Where("id = ? AND state = ?", id, DeliveryPending).Updates(set)
	if res.Error != nil {
		return false, fmt.Errorf("store: record delivery attempt: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}
