package workflow

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/store"
)

// Notification events: the values of Notification.Event and of a webhook
// subscription's events.
const (
	// EventFeedbackIssued: a feedback letter went to a local government;
	// region: the inspected region.
	EventFeedbackIssued = "feedback_issued"
	// EventBulletinPublished: a batch's bulletin was published; region: the
	// campaign's (the nation for a national campaign, which therefore reaches
	// only subscriptions at the nation).
	EventBulletinPublished = "bulletin_published"
	// EventDeadlineReminder: a deadline is near; region: where the case or
	// inspection sits.
	EventDeadlineReminder = "deadline_reminder"
	// EventEscalation: a complaint case was raised up the tree; region: where
	// the case sat before (so every subscription above it hears), with the
	// region it was raised to in the data.
	EventEscalation = "escalation"
)

// NotificationEvents lists every event, in the order the API documents them.
var NotificationEvents = []string{EventFeedbackIssued, EventBulletinPublished, EventDeadlineReminder, EventEscalation}

// TypeWebhookDelivery is the outbox task type that delivers one notice to
// one subscription; its payload is {"delivery_id": n}.
const TypeWebhookDelivery = "webhook_delivery"

// maxNotificationData bounds a notice's data: a notice says what happened
// and where to read more, it does not carry the document.
const maxNotificationData = 64 << 10

// Notification is something that happened which other systems may subscribe
// to (DOMAIN.md §4–5).
type Notification struct {
	// Event is one of NotificationEvents.
	Event string
	// RegionCode is the region the event concerns, a well-formed code ("0" is
	// the nation). Subscriptions whose region is this region or an ancestor
	// receive it.
	RegionCode string
	// Entity and EntityID name what changed, as the audit log names it
	// (e.g. "complaint", "42"); at most 32 and 64 characters.
	Entity   string
	EntityID string
	// Data is sent as is to other systems: identifiers, numbers, states and
	// titles, never personal data (a complainant's name or phone) or a whole
	// document. It must marshal to JSON of at most 64 KiB; nil sends {}.
	Data map[string]any
	// OccurredAt is when it happened; zero means now.
	OccurredAt time.Time
}

// WebhookPayload is the JSON body of every delivery.
type WebhookPayload struct {
	// ID is the delivery's id, the same on every attempt and in the
	// X-Ducha-Delivery header: a receiver that has seen it may ignore it.
	ID         string          `json:"id"`
	Event      string          `json:"event"`
	RegionCode string          `json:"region_code"`
	Entity     string          `json:"entity"`
	EntityID   string          `json:"entity_id"`
	OccurredAt time.Time       `json:"occurred_at"`
	Data       json.RawMessage `json:"data"`
}

type deliveryTask struct {
	DeliveryID int64 `json:"delivery_id"`
}

// Notify records ev for delivery to every subscription that wants it, inside
// the caller's transaction tx: one webhook_deliveries row and one outbox task
// (TypeWebhookDelivery) per live subscription whose events include ev.Event
// and whose region is ev.RegionCode or one of its ancestors. Call it in the
// same transaction as the change it announces, with that transaction's now:
//
//   - if tx commits, every notice is recorded with the change and will be
//     delivered (retried until a receiver answers 2xx or the attempts run
//     out), even if the process dies right after the commit;
//   - if tx rolls back, nothing was recorded and nothing is ever sent.
//
// Notify sends nothing itself and never waits on the network; it costs one
// read of the subscriptions and two inserts per matching subscription. With
// no matching subscription it writes nothing and returns nil.
//
// The body of each delivery is fixed here: later changes to the entity do not
// alter a notice already recorded. Deliveries run concurrently and are
// retried independently, so receivers get them in no particular order:
// occurred_at orders them.
//
// Notify returns an error — which should roll the caller's transaction back,
// as any failed write does — when the database fails, and, as a programming
// error, when ev is malformed (unknown event, malformed region code, empty or
// overlong entity or id, data that does not marshal or exceeds 64 KiB).
func Notify(ctx context.Context, tx *store.Tx, now time.Time, ev Notification) error {
	data, err := checkNotification(ev)
	if err != nil {
		return err
	}
	if ev.OccurredAt.IsZero() {
		ev.OccurredAt = now
	}
	ev.OccurredAt = ev.OccurredAt.UTC()
	subs, err := tx.WebhooksIn(append(domain.AncestorCodes(ev.RegionCode), ev.RegionCode))
	if err != nil {
		return fmt.Errorf("notify %s: %w", ev.Event, err)
	}
	for _, w := range subs {
		if !slices.Contains(w.Events, ev.Event) {
			continue
		}
		uid, err := newDeliveryID()
		if err != nil {
			return fmt.Errorf("notify %s: %w", ev.Event, err)
		}
		body, err := encodeJSON(WebhookPayload{ID: uid, Event: ev.Event, RegionCode: ev.RegionCode, Entity: ev.Entity,
			EntityID: ev.EntityID, OccurredAt: ev.OccurredAt, Data: data})
		if err != nil {
			return fmt.Errorf("notify %s: %w", ev.Event, err)
		}
		d, err := tx.CreateDelivery(store.WebhookDelivery{UID: uid, WebhookID: w.ID, Event: ev.Event,
			RegionCode: ev.RegionCode, Entity: ev.Entity, EntityID: ev.EntityID, Body: body, OccurredAt: ev.OccurredAt}, now)
		if err != nil {
			return fmt.Errorf("notify %s: %w", ev.Event, err)
		}
		if _, err := tx.Enqueue(TypeWebhookDelivery, deliveryTask{DeliveryID: d.ID}, now, now); err != nil {
			return fmt.Errorf("notify %s: %w", ev.Event, err)
		}
	}
	return nil
}

// checkNotification rejects a malformed notification and returns its data
// as JSON.
func checkNotification(ev Notification) (json.RawMessage, error) {
	switch {
	case !slices.Contains(NotificationEvents, ev.Event):
		return nil, fmt.Errorf("notify: unknown event %q", ev.Event)
	case !validRegionCode(ev.RegionCode):
		return nil, fmt.Errorf("notify %s: malformed region code %q", ev.Event, ev.RegionCode)
	case ev.Entity == "" || utf8.RuneCountInString(ev.Entity) > 32:
		return nil, fmt.Errorf("notify %s: entity %q must be 1 to 32 characters", ev.Event, ev.Entity)
	case ev.EntityID == "" || utf8.RuneCountInString(ev.EntityID) > 64:
		return nil, fmt.Errorf("notify %s: entity id %q must be 1 to 64 characters", ev.Event, ev.EntityID)
	}
	if ev.Data == nil {
		return json.RawMessage("{}"), nil
	}
	data, err := encodeJSON(ev.Data)
	if err != nil {
		return nil, fmt.Errorf("notify %s: data: %w", ev.Event, err)
	}
	if len(data) > maxNotificationData {
		return nil, fmt.Errorf("notify %s: data is %d bytes, more than %d", ev.Event, len(data), maxNotificationData)
	}
	return data, nil
}

func validRegionCode(code string) bool {
	_, ok := domain.LevelOfCode(code)
	return ok
}

// encodeJSON marshals v without escaping <, > and &, which receivers would
// only have to unescape, and without the encoder's trailing newline.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// newDeliveryID returns a random UUID (version 4). A random id rather than
// the row's number stays unique across databases restored from a backup, so
// a receiver's deduplication never drops a genuinely new notice.
func newDeliveryID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32], nil
}
