package api_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/ducha/ducha/testenv"
)

// TestComplaintEscalationNotifiesWebhooks: a vicious case is raised to the
// province and the nation at intake, and a province's subscriber hears of
// each raise once, signed with its secret.
func TestComplaintEscalationNotifiesWebhooks(t *testing.T) {
	h := newHotline(t, testenv.AppOptions{})
	var (
		mu   sync.Mutex
		got  []map[string]any
		sigs []bool
	)
	var secret string
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(r.Header.Get("X-Ducha-Timestamp") + "." + string(b)))
		ok := r.Header.Get("X-Ducha-Signature") == "sha256="+hex.EncodeToString(mac.Sum(nil))
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		mu.Lock()
		got, sigs = append(got, m), append(sigs, ok)
		mu.Unlock()
	}))
	defer rcv.Close()
	var sub struct {
		ID     int64
		Secret string
	}
	h.Must(201, "POST", "/api/v1/webhooks", h.sichuan, map[string]any{"url": rcv.URL, "events": []string{"escalation"}}).JSON(t, &sub)
	secret = sub.Secret

	c := h.intake(t, map[string]any{"category": "vicious_case"})
	testenv.Eventually(t, 10*time.Second, "two escalation notices", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) >= 2
	})
	// Both deliveries settle as delivered: the log holds exactly the two
	// notices, each sent until its first success, so no third can follow.
	testenv.Eventually(t, 10*time.Second, "both deliveries delivered", func() bool {
		var log struct{ Items []struct{ State string } }
		h.Must(200, "GET", "/api/v1/webhooks/"+jsonID(sub.ID)+"/deliveries", h.AdminToken, nil).JSON(t, &log)
		n := 0
		for _, d := range log.Items {
			if d.State == "delivered" {
				n++
			}
		}
		if len(log.Items) != 2 {
			t.Fatalf("%d deliveries recorded, want 2", len(log.Items))
		}
		return n == 2
	})
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 {
		t.Fatalf("%d notices, want 2: %v", len(got), got)
	}
	to := map[string]bool{}
	for i, m := range got {
		if !sigs[i] {
			t.Errorf("notice %d: bad signature", i)
		}
		if m["event"] != "escalation" || m["entity"] != "complaint" || m["entity_id"] != jsonID(c.ID) {
			t.Errorf("notice %d: %v", i, m)
		}
		data, _ := m["data"].(map[string]any)
		to[data["to_region_code"].(string)] = true
	}
	if !to["51"] || !to["0"] {
		t.Errorf("raised to %v, want the province 51 and the nation", to)
	}
}

func jsonID(id int64) string {
	b, _ := json.Marshal(id)
	return string(b)
}
