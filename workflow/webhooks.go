package workflow

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/store"
)

// WebhookConfig tunes deliveries.
type WebhookConfig struct {
	// Timeout bounds one attempt, from connecting to reading the answer;
	// default 10 s.
	Timeout time.Duration
	// MaxAttempts is how many attempts a delivery gets before it is marked
	// failed; default 20. The queue retries a failed attempt with exponential
	// backoff capped at 5 minutes (jobs.Worker), so 20 attempts span about an
	// hour. It must not exceed the queue's retries + 1 (21 by default), or the
	// queue gives up first and the delivery stays pending.
	MaxAttempts int
	// Transport makes the requests; nil clones http.DefaultTransport.
	Transport http.RoundTripper
	// Sealer seals the subscriptions' secrets at rest: the process's one
	// sealer (LoadSealer), the complaints' too. Without it no subscription
	// is created.
	Sealer *Sealer
}

// webhookSecretField is the additional data of a sealed webhook secret.
const webhookSecretField = "webhook.secret"

// Webhooks manages subscriptions of other systems to ducha's notices (see
// Notify) and delivers the notices.
type Webhooks struct {
	Deps
	cfg    WebhookConfig
	client *http.Client
}

// NewWebhooks applies defaults to cfg.
func NewWebhooks(d Deps, cfg WebhookConfig) *Webhooks {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 20
	}
	if cfg.Transport == nil {
		cfg.Transport = http.DefaultTransport
		if t, ok := http.DefaultTransport.(*http.Transport); ok {
			cfg.Transport = t.Clone()
		}
	}
	return &Webhooks{Deps: d, cfg: cfg, client: &http.Client{
		Transport: cfg.Transport,
		Timeout:   cfg.Timeout,
		// A redirect is an answer other than 2xx, hence a failed attempt: the
		// signed notice goes only to the address that was registered.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// NewWebhook is a request to subscribe.
type NewWebhook struct {
	URL    string
	Events []string
	// RegionCode limits the subscription to events in that subtree; "" means
	// the actor's own region.
	RegionCode string
	// Secret keys the signatures; "" generates one.
	Secret string
}

// Create subscribes URL to events in a subtree within the actor's. The
// returned Webhook carries the secret: the only time it is shown.
func (s *Webhooks) Create(ctx context.Context, actor domain.Actor, in NewWebhook) (store.Webhook, error) {
	if in.RegionCode == "" {
		in.RegionCode = actor.RegionCode
	}
	var v domain.Validation
	checkWebhookURL(&v, in.URL)
	events := checkEvents(&v, in.Events)
	if in.Secret != "" && (len(in.Secret) < 16 || len(in.Secret) > 256) {
		v.Add("body.secret", "must be 16 to 256 bytes long; leave it out to have one generated")
	}
	okCode := validRegionCode(in.RegionCode)
	if !okCode {
		v.AddValue("body.region_code", in.RegionCode, "not a region code")
	}
	read := s.Store.Read(ctx)
	if okCode {
		if _, err := read.Region(in.RegionCode); err != nil {
			if domain.ErrorCode(err) != domain.ENotFound {
				return store.Webhook{}, err
			}
			v.AddValue("body.region_code", in.RegionCode, "no such region")
		}
	}
	if err := v.Err(); err != nil {
		return store.Webhook{}, err
	}
	if err := s.Authz.Check(actor, "webhooks", "create", in.RegionCode); err != nil {
		return store.Webhook{}, err
	}
	if in.Secret == "" {
		var err error
		if in.Secret, err = randomString(32); err != nil {
			return store.Webhook{}, err
		}
	}
	if s.cfg.Sealer == nil {
		return store.Webhook{}, errors.New("webhooks: no sealer configured for the secrets")
	}
	sealed, err := s.cfg.Sealer.Seal(webhookSecretField, in.Secret)
	if err != nil {
		return store.Webhook{}, err
	}
	now := s.now()
	var w store.Webhook
	err = s.Store.Tx(ctx, func(tx *store.Tx) error {
		var err error
		if w, err = tx.CreateWebhook(store.Webhook{URL: in.URL, Events: events, RegionCode: in.RegionCode,
			Secret: sealed, CreatedBy: actor.UserID}, now); err != nil {
			return err
		}
		w.Secret = in.Secret // shown once, plain
		return audit(ctx, tx, actor, now, store.AuditEntry{Entity: "webhook", EntityID: strconv.FormatInt(w.ID, 10),
			RegionCode: w.RegionCode, Event: "create", Detail: map[string]any{"url": w.URL, "events": w.Events}})
	})
	return w, err
}

func checkWebhookURL(v *domain.Validation, raw string) {
	const loc = "body.url"
	if raw == "" {
		v.Add(loc, "required")
		return
	}
	if len(raw) > 2048 {
		v.Add(loc, "must be at most 2048 bytes long")
		return
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		v.AddValue(loc, raw, "not a URL")
	case u.Scheme != "http" && u.Scheme != "https":
		v.AddValue(loc, raw, "must be an http or https URL")
	case u.Hostname() == "":
		v.AddValue(loc, raw, "must name a host")
	case u.User != nil:
		v.AddValue(loc, "(redacted)", "must not carry credentials: receivers authenticate deliveries by their signature")
	case u.Fragment != "" || strings.HasSuffix(raw, "#"):
		v.AddValue(loc, raw, "must not have a fragment")
	}
}

// checkEvents reports unknown events and returns the known ones without
// repeats, in the order given.
func checkEvents(v *domain.Validation, in []string) []string {
	if len(in) == 0 {
		v.Add("body.events", "name at least one of %s", strings.Join(NotificationEvents, ", "))
		return nil
	}
	var out []string
	for i, e := range in {
		switch {
		case !slices.Contains(NotificationEvents, e):
			v.AddValue(fmt.Sprintf("body.events[%d]", i), e, "unknown event; one of %s", strings.Join(NotificationEvents, ", "))
		case !slices.Contains(out, e):
			out = append(out, e)
		}
	}
	return out
}

// List lists the live subscriptions in the actor's subtree.
func (s *Webhooks) List(ctx context.Context, actor domain.Actor, p Page) (Paged[store.Webhook], error) {
	if err := s.Authz.Check(actor, "webhooks", "read", actor.RegionCode); err != nil {
		return Paged[store.Webhook]{}, err
	}
	after, err := DecodeIDCursor(p.Cursor)
	if err != nil {
		return Paged[store.Webhook]{}, err
	}
	n := p.Size()
	ws, err := s.Store.Read(ctx).ListWebhooks(actor.RegionCode, after, n+1)
	if err != nil {
		return Paged[store.Webhook]{}, err
	}
	return page(ws, n, func(x store.Webhook) int64 { return x.ID }), nil
}

// Get returns a live subscription the actor may read: ENotFound when there
// is none, EForbidden when it lies outside the actor's subtree.
func (s *Webhooks) Get(ctx context.Context, actor domain.Actor, id int64) (store.Webhook, error) {
	return s.get(s.Store.Read(ctx), actor, id, "read")
}

func (s *Webhooks) get(tx *store.Tx, actor domain.Actor, id int64, action string) (store.Webhook, error) {
	w, err := tx.Webhook(id)
	if err != nil {
		return store.Webhook{}, err
	}
	if w.DeletedAt != nil {
		return store.Webhook{}, domain.Errorf(domain.ENotFound, "webhook %d not found", id)
	}
	if err := s.Authz.Check(actor, "webhooks", action, w.RegionCode); err != nil {
		return store.Webhook{}, err
	}
	return w, nil
}

// Delete unsubscribes: deliveries not yet made are cancelled, the delivery
// log stays in the database.
func (s *Webhooks) Delete(ctx context.Context, actor domain.Actor, id int64) error {
	now := s.now()
	return s.Store.Tx(ctx, func(tx *store.Tx) error {
		w, err := s.get(tx, actor, id, "delete")
		if err != nil {
			return err
		}
		if err := tx.DeleteWebhook(id, now); err != nil {
			return err
		}
		return audit(ctx, tx, actor, now, store.AuditEntry{Entity: "webhook", EntityID: strconv.FormatInt(id, 10),
			RegionCode: w.RegionCode, Event: "delete", Detail: map[string]any{"url": w.URL}})
	})
}

// Deliveries lists a live subscription's deliveries, newest first.
func (s *Webhooks) Deliveries(ctx context.Context, actor domain.Actor, id int64, p Page) (Paged[store.WebhookDelivery], error) {
	read := s.Store.Read(ctx)
	if _, err := s.get(read, actor, id, "read"); err != nil {
		return Paged[store.WebhookDelivery]{}, err
	}
	before, err := DecodeIDCursor(p.Cursor)
	if err != nil {
		return Paged[store.WebhookDelivery]{}, err
	}
	n := p.Size()
	ds, err := read.ListDeliveries(id, before, n+1)
	if err != nil {
		return Paged[store.WebhookDelivery]{}, err
	}
	return page(ds, n, func(x store.WebhookDelivery) int64 { return x.ID }), nil
}

// Attempt makes one attempt of the delivery named by a TypeWebhookDelivery
// task's payload. It is the task's jobs.Call: it runs with no transaction
// open, because the receiver may take up to the timeout to answer and an
// open transaction would hold database locks all that time (on SQLite, the
// whole database). Before the request it only reads; after it, it writes the
// outcome once:
//
//   - a 2xx answer, the attempts running out, or a deleted subscription
//     (nothing is sent) settle the delivery: Attempt returns record, which
//     the worker runs in the transaction that marks the task done, so that
//     the delivery and its task are settled together;
//   - any other answer or a network error is recorded at once in a
//     statement of its own and returned as an error: the task stays pending
//     and the queue retries it with backoff.
//
// A receiver thus sees each notice once, except when the outcome of a
// successful attempt cannot be written (the database is down, the process
// stops) or the queue runs a task twice at once: then it is sent again with
// the same X-Ducha-Delivery id, by which the receiver deduplicates.
func (s *Webhooks) Attempt(ctx context.Context, payload []byte, now time.Time) (record func(*store.Tx) error, err error) {
	var t deliveryTask
	if err := json.Unmarshal(payload, &t); err != nil || t.DeliveryID <= 0 {
		// Retrying cannot mend a payload; settle the task.
		s.Log.Error("webhook delivery: malformed task payload; dropped", "payload", string(payload))
		return nil, nil
	}
	read := s.Store.Read(ctx)
	d, err := read.Delivery(t.DeliveryID)
	if domain.ErrorCode(err) == domain.ENotFound {
		s.Log.Error("webhook delivery: no such delivery; dropped", "delivery_id", t.DeliveryID)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if d.State != store.DeliveryPending {
		return nil, nil
	}
	w, werr := read.Webhook(d.WebhookID)
	if werr != nil && domain.ErrorCode(werr) != domain.ENotFound {
		return nil, werr
	}
	settle := func(a store.DeliveryAttempt) func(*store.Tx) error {
		return func(tx *store.Tx) error {
			_, err := tx.RecordDeliveryAttempt(d.ID, a)
			return err
		}
	}
	if werr != nil || w.DeletedAt != nil {
		return settle(store.DeliveryAttempt{At: now, State: store.DeliveryCancelled,
			Error: "not sent: the subscription was deleted"}), nil
	}
	status, err := s.post(ctx, w, d, now)
	a := store.DeliveryAttempt{At: now, Status: status, State: store.DeliveryDelivered}
	if err == nil {
		return settle(a), nil
	}
	a.Error = truncate(err.Error(), 1000)
	if d.Attempts+1 >= s.cfg.MaxAttempts {
		a.State = store.DeliveryFailed
		s.Log.Warn("webhook delivery failed; giving up", "webhook", w.ID, "delivery", d.UID, "attempts", d.Attempts+1, "err", err)
		return settle(a), nil
	}
	a.State = store.DeliveryPending
	if _, rerr := s.Store.Read(context.WithoutCancel(ctx)).RecordDeliveryAttempt(d.ID, a); rerr != nil {
		s.Log.Warn("recording a webhook delivery attempt", "delivery", d.UID, "err", rerr)
	}
	return nil, fmt.Errorf("webhook %d, delivery %s, attempt %d: %w", w.ID, d.UID, d.Attempts+1, err)
}

// secret returns the signing secret of a subscription as stored: a sealed
// one ("v1:…", every one created since secrets are sealed) is opened; a
// legacy one, stored plain before, is used as is. Such rows need no
// migration: they stay plain until the subscription is replaced. (A legacy
// secret chosen by its subscriber to begin with "v1:" would be taken for a
// sealed one and fail to open; generated secrets never do.)
func (s *Webhooks) secret(w store.Webhook) (string, error) {
	if !IsSealed(w.Secret) {
		return w.Secret, nil
	}
	if s.cfg.Sealer == nil {
		return "", errors.New("the subscription's secret is sealed and no sealer is configured")
	}
	plain, err := s.cfg.Sealer.Open(webhookSecretField, w.Secret)
	if err != nil {
		s.Log.Error("webhook secret cannot be opened: is DUCHA_ENCRYPTION_KEY the key it was sealed with?",
			"webhook", w.ID, "err", err)
		return "", errors.New("not sent: the subscription's secret cannot be opened with the configured encryption key")
	}
	return plain, nil
}

// post sends a delivery once and returns the answer's status (0 when there
// was none) and an error unless it is 2xx.
func (s *Webhooks) post(ctx context.Context, w store.Webhook, d store.WebhookDelivery, now time.Time) (int, error) {
	secret, err := s.secret(w)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(d.Body))
	if err != nil {
		return 0, err
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "ducha-webhooks/1")
	req.Header.Set("X-Ducha-Event", d.Event)
	req.Header.Set("X-Ducha-Delivery", d.UID)
	req.Header.Set("X-Ducha-Timestamp", ts)
	req.Header.Set("X-Ducha-Signature", SignWebhook(secret, ts, d.Body))
	res, err := s.client.Do(req)
	if err != nil {
		var ue *url.Error
		switch {
		case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ue) && ue.Timeout():
			return 0, fmt.Errorf("no answer within %v", s.cfg.Timeout)
		case errors.As(err, &ue):
			return 0, ue.Err // the URL is the subscription's own; no need to repeat it
		}
		return 0, err
	}
	defer res.Body.Close()
	// Drain a little so the connection can be reused; the answer's content
	// is never stored or shown (it could echo an internal service's data).
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return res.StatusCode, fmt.Errorf("the receiver answered %d %s", res.StatusCode, http.StatusText(res.StatusCode))
	}
	return res.StatusCode, nil
}

// SignWebhook returns the X-Ducha-Signature of a delivery: "sha256=" and the
// hex HMAC-SHA256, keyed by the subscription's secret, of the
// X-Ducha-Timestamp value, a dot, and the body exactly as sent. A receiver
// recomputes it, compares in constant time, and refuses timestamps far from
// its clock to stop replays.
func SignWebhook(secret, timestamp string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp))
	m.Write([]byte("."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
