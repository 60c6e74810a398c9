package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/ducha/ducha/store"
	"github.com/ducha/ducha/workflow"
)

// WebhookOut is a subscription as the API shows it; the secret appears only
// in the answer to its creation.
type WebhookOut struct {
	ID         int64     `json:"id"`
	URL        string    `json:"url"`
	Events     []string  `json:"events" nullable:"false"`
	RegionCode string    `json:"region_code"`
	CreatedAt  time.Time `json:"created_at"`
}

func webhookOut(w store.Webhook) WebhookOut {
	out := WebhookOut{ID: w.ID, URL: w.URL, Events: w.Events, RegionCode: w.RegionCode, CreatedAt: w.CreatedAt}
	if out.Events == nil {
		out.Events = []string{}
	}
	return out
}

type createdWebhookOut struct {
	WebhookOut
	Secret string `json:"secret" doc:"Keys the X-Ducha-Signature of every delivery. Shown only in this answer: keep it."`
}

// DeliveryOut is one entry of a subscription's delivery log.
type DeliveryOut struct {
	ID             string     `json:"id" doc:"The body's id and the X-Ducha-Delivery header, the same on every attempt."`
	Event          string     `json:"event"`
	RegionCode     string     `json:"region_code"`
	Entity         string     `json:"entity"`
	EntityID       string     `json:"entity_id"`
	State          string     `json:"state" enum:"pending,delivered,failed,cancelled"`
	Attempts       int        `json:"attempts"`
	LastStatusCode *int       `json:"last_status_code" nullable:"true" doc:"The receiver's HTTP status at the last attempt; null when it did not answer."`
	LastError      string     `json:"last_error" doc:"Why the last attempt failed; empty after a success."`
	LastAttemptAt  *time.Time `json:"last_attempt_at" nullable:"true"`
	DeliveredAt    *time.Time `json:"delivered_at" nullable:"true"`
	OccurredAt     time.Time  `json:"occurred_at"`
	CreatedAt      time.Time  `json:"created_at"`
}

func deliveryOut(d store.WebhookDelivery) DeliveryOut {
	return DeliveryOut{ID: d.UID, Event: d.Event, RegionCode: d.RegionCode, Entity: d.Entity, EntityID: d.EntityID,
		State: d.State, Attempts: d.Attempts, LastStatusCode: d.LastStatus, LastError: d.LastError,
		LastAttemptAt: d.LastAttemptAt, DeliveredAt: d.DeliveredAt, OccurredAt: d.OccurredAt, CreatedAt: d.CreatedAt}
}

type createWebhookIn struct {
	Body struct {
		URL    string   `json:"url" maxLength:"2048" doc:"http or https; receives a signed POST per notice."`
		Events []string `json:"events" maxItems:"16" enum:"feedback_issued,bulletin_published,deadline_reminder,escalation"`
		// The default is the caller's region.
		RegionCode string `json:"region_code,omitempty" maxLength:"12" doc:"Only events in this subtree; default the caller's region."`
		Secret     string `json:"secret,omitempty" maxLength:"256" doc:"16 to 256 bytes; generated when left out."`
	}
}

type webhookIDIn struct {
	ID int64 `path:"id" minimum:"1"`
}

type deliveriesIn struct {
	PageParams
	ID int64 `path:"id" minimum:"1"`
}

const webhooksDoc = "Every notice is a POST of JSON `{\"id\",\"event\",\"region_code\",\"entity\",\"entity_id\",\"occurred_at\",\"data\"}` " +
	"with headers X-Ducha-Event, X-Ducha-Delivery (the id, the same on every attempt: deduplicate by it), X-Ducha-Timestamp " +
	"(Unix seconds) and X-Ducha-Signature: `sha256=` and the hex HMAC-SHA256 of `<timestamp>.<body>` keyed by the secret. " +
	"A 2xx answer delivers it; anything else is retried with exponential backoff (capped at 5 minutes) until the attempts run out. " +
	"Events: feedback_issued, bulletin_published, deadline_reminder, escalation; a subscription hears the events in its region's subtree."

func (s *Server) webhookRoutes() {
	tags := []string{"webhooks"}
	register(s, huma.Operation{OperationID: "create-webhook", Method: http.MethodPost, Path: "/api/v1/webhooks",
		Summary: "Subscribe a URL to notices", Description: webhooksDoc, Tags: tags,
		DefaultStatus: http.StatusCreated}, needs("webhooks", "create"),
		func(ctx context.Context, in *createWebhookIn) (*body[createdWebhookOut], error) {
			w, err := s.Webhooks.Create(ctx, actor(ctx), workflow.NewWebhook{URL: in.Body.URL, Events: in.Body.Events,
				RegionCode: in.Body.RegionCode, Secret: in.Body.Secret})
			if err != nil {
				return nil, err
			}
			return &body[createdWebhookOut]{createdWebhookOut{WebhookOut: webhookOut(w), Secret: w.Secret}}, nil
		})
	register(s, huma.Operation{OperationID: "list-webhooks", Method: http.MethodGet, Path: "/api/v1/webhooks",
		Summary: "Subscriptions in the caller's subtree", Tags: tags}, needs("webhooks", "read"),
		func(ctx context.Context, in *PageParams) (*body[List[WebhookOut]], error) {
			p, err := s.Webhooks.List(ctx, actor(ctx), in.page())
			if err != nil {
				return nil, err
			}
			out := workflow.Paged[WebhookOut]{Items: make([]WebhookOut, len(p.Items)), Next: p.Next}
			for i, w := range p.Items {
				out.Items[i] = webhookOut(w)
			}
			return &body[List[WebhookOut]]{listOf(out)}, nil
		})
	register(s, huma.Operation{OperationID: "get-webhook", Method: http.MethodGet, Path: "/api/v1/webhooks/{id}",
		Summary: "One subscription", Tags: tags, Errors: []int{404}}, needs("webhooks", "read"),
		func(ctx context.Context, in *webhookIDIn) (*body[WebhookOut], error) {
			w, err := s.Webhooks.Get(ctx, actor(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			return &body[WebhookOut]{webhookOut(w)}, nil
		})
	register(s, huma.Operation{OperationID: "delete-webhook", Method: http.MethodDelete, Path: "/api/v1/webhooks/{id}",
		Summary: "Unsubscribe", Description: "Deliveries not yet made are cancelled.", Tags: tags,
		DefaultStatus: http.StatusNoContent, Errors: []int{404}}, needs("webhooks", "delete"),
		func(ctx context.Context, in *webhookIDIn) (*struct{}, error) {
			return nil, s.Webhooks.Delete(ctx, actor(ctx), in.ID)
		})
	register(s, huma.Operation{OperationID: "list-webhook-deliveries", Method: http.MethodGet,
		Path: "/api/v1/webhooks/{id}/deliveries", Summary: "A subscription's delivery log, newest first", Tags: tags,
		Errors: []int{404}}, needs("webhooks", "read"),
		func(ctx context.Context, in *deliveriesIn) (*body[List[DeliveryOut]], error) {
			p, err := s.Webhooks.Deliveries(ctx, actor(ctx), in.ID, in.page())
			if err != nil {
				return nil, err
			}
			out := workflow.Paged[DeliveryOut]{Items: make([]DeliveryOut, len(p.Items)), Next: p.Next}
			for i, d := range p.Items {
				out.Items[i] = deliveryOut(d)
			}
			return &body[List[DeliveryOut]]{listOf(out)}, nil
		})
}
