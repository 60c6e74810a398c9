package workflow_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ducha/ducha/app"
	"github.com/ducha/ducha/testenv"
	"github.com/ducha/ducha/workflow"
)

// storedSecret reads a subscription's secret column as the database holds it.
func storedSecret(t *testing.T, a *testenv.App, id int64) string {
	t.Helper()
	var s string
	if err := a.Store.SQL().QueryRow("SELECT secret FROM webhooks WHERE id = ?", id).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// verifySigned checks, as a receiver would, that every request on path is
// signed with secret.
func verifySigned(t *testing.T, rc *receiver, path, secret string, want int) {
	t.Helper()
	reqs := rc.requests(path)
	if len(reqs) != want {
		t.Fatalf("%s: %d requests, want %d", path, len(reqs), want)
	}
	for _, r := range reqs {
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(r.Header.Get("X-Ducha-Timestamp") + "." + string(r.Body)))
		sig := "sha256=" + hex.EncodeToString(mac.Sum(nil))
		if got := r.Header.Get("X-Ducha-Signature"); !hmac.Equal([]byte(got), []byte(sig)) {
			t.Errorf("%s: X-Ducha-Signature %q, want %q", path, got, sig)
		}
	}
}

// Webhook secrets are sealed at rest with the complaints' sealer (the one
// key of DUCHA_ENCRYPTION_KEY); deliveries are still signed with the secret
// shown at creation; a legacy row holding its secret plain still works.
func TestWebhookSecretSealedAtRest(t *testing.T) {
	t.Parallel()
	a := testenv.StartApp(t, testenv.AppOptions{})
	rc := newReceiver(t, nil)
	gen := subscribe(t, a, a.AdminToken, rc.URL+"/generated", "", workflow.EventFeedbackIssued)
	var own webhook
	const ownSecret = "a-secret-of-my-own-0123456789"
	a.Must(201, "POST", "/api/v1/webhooks", a.AdminToken, map[string]any{"url": rc.URL + "/own",
		"events": []string{workflow.EventFeedbackIssued}, "secret": ownSecret}).JSON(t, &own)
	long := strings.Repeat("s", 256) // the longest secret fits its column sealed
	var longHook webhook
	a.Must(201, "POST", "/api/v1/webhooks", a.AdminToken, map[string]any{"url": rc.URL + "/long",
		"events": []string{workflow.EventFeedbackIssued}, "secret": long}).JSON(t, &longHook)
	legacy := subscribe(t, a, a.AdminToken, rc.URL+"/legacy", "", workflow.EventFeedbackIssued)
	if own.Secret != ownSecret || longHook.Secret != long || len(gen.Secret) < 32 {
		t.Fatalf("secrets shown at creation: %q, %q, %q", gen.Secret, own.Secret, longHook.Secret)
	}

	key, err := workflow.ParseSealerKey(a.Config.EncryptionKey)
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := workflow.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []webhook{gen, own, longHook} {
		col := storedSecret(t, a, w.ID)
		if col == w.Secret || strings.Contains(col, w.Secret) || !workflow.IsSealed(col) {
			t.Errorf("webhook %d: stored secret %q is not sealed", w.ID, col)
		}
		// Sealed under the configured key, the complaints' one.
		if plain, err := sealer.Open("webhook.secret", col); err != nil || plain != w.Secret {
			t.Errorf("webhook %d: the configured key opens %q (%v), want the secret", w.ID, plain, err)
		}
	}

	// A row from before sealing: its secret plain, used as is.
	const legacySecret = "legacy-plain-secret-0123456789"
	if _, err := a.Store.SQL().Exec("UPDATE webhooks SET secret = ? WHERE id = ?", legacySecret, legacy.ID); err != nil {
		t.Fatal(err)
	}

	notify(t, a, workflow.Notification{Event: workflow.EventFeedbackIssued, RegionCode: "110101", Entity: "inspection",
		EntityID: "7", OccurredAt: time.Date(2026, 3, 1, 8, 30, 0, 0, time.UTC), Data: map[string]any{"n": 1}})
	for _, w := range []webhook{gen, own, longHook, legacy} {
		if d := settled(t, a, w.ID, 1, 10*time.Second)[0]; d.State != "delivered" {
			t.Errorf("webhook %d: delivery %+v", w.ID, d)
		}
	}
	verifySigned(t, rc, "/generated", gen.Secret, 1)
	verifySigned(t, rc, "/own", ownSecret, 1)
	verifySigned(t, rc, "/long", long, 1)
	verifySigned(t, rc, "/legacy", legacySecret, 1)

	// The list and the single read never show the secret, sealed or not.
	for _, p := range []string{"/api/v1/webhooks", "/api/v1/webhooks/" + strconv.FormatInt(gen.ID, 10)} {
		body := string(a.Must(200, "GET", p, a.AdminToken, nil).Body)
		if strings.Contains(body, gen.Secret) || strings.Contains(body, "v1:") {
			t.Errorf("GET %s shows a secret: %s", p, body)
		}
	}
}

// A sealed secret that the configured key cannot open (another key, or
// tampered with) is never used to sign: the attempt fails with a reason.
func TestWebhookSecretUnopenable(t *testing.T) {
	t.Parallel()
	a := testenv.StartApp(t, testenv.AppOptions{Config: func(c *app.Config) { c.WebhookMaxAttempts = 1 }})
	rc := newReceiver(t, nil)
	w := subscribe(t, a, a.AdminToken, rc.URL+"/hook", "", workflow.EventFeedbackIssued)
	other, err := workflow.NewSealer([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	forged, err := other.Seal("webhook.secret", w.Secret)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Store.SQL().Exec("UPDATE webhooks SET secret = ? WHERE id = ?", forged, w.ID); err != nil {
		t.Fatal(err)
	}
	notify(t, a, workflow.Notification{Event: workflow.EventFeedbackIssued, RegionCode: "11", Entity: "inspection",
		EntityID: "8", OccurredAt: time.Date(2026, 3, 1, 8, 30, 0, 0, time.UTC)})
	d := settled(t, a, w.ID, 1, 10*time.Second)[0]
	if d.State != "failed" || !strings.Contains(d.LastError, "cannot be opened") {
		t.Errorf("delivery %+v", d)
	}
	if n := len(rc.requests("")); n != 0 {
		t.Errorf("receiver got %d requests", n)
	}
}
