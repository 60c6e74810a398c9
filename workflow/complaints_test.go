package workflow_test

import (
	"bytes"
	"encoding/base64"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/policies"
	"github.com/ducha/ducha/testenv"
	"github.com/ducha/ducha/workflow"
)

func TestSealer(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	s, err := workflow.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.Seal("complainant.phone", "13812345678")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := s.Seal("complainant.phone", "13812345678")
	if a == b || !strings.HasPrefix(a, "v1:") || strings.Contains(a, "5678") {
		t.Errorf("sealed %q and %q", a, b)
	}
	if got, err := s.Open("complainant.phone", a); err != nil || got != "13812345678" {
		t.Errorf("open: %q %v", got, err)
	}
	if _, err := s.Open("complainant.name", a); err == nil {
		t.Error("a phone opened as a name")
	}
	tampered := a[:len(a)-2] + "AA"
	if _, err := s.Open("complainant.phone", tampered); err == nil {
		t.Error("tampered value opened")
	}
	other, _ := workflow.NewSealer(bytes.Repeat([]byte{8}, 32))
	if _, err := other.Open("complainant.phone", a); err == nil {
		t.Error("opened with another key")
	}
	if v, err := s.Seal("x", ""); v != "" || err != nil {
		t.Errorf("empty sealed to %q", v)
	}
	if _, err := workflow.NewSealer(key[:16]); err == nil {
		t.Error("16-byte key accepted")
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawURLEncoding} {
		if k, err := workflow.ParseSealerKey(enc.EncodeToString(key)); err != nil || !bytes.Equal(k, key) {
			t.Errorf("parse key: %v", err)
		}
	}
	for _, bad := range []string{"", "not base64!", base64.StdEncoding.EncodeToString(key[:31])} {
		if _, err := workflow.ParseSealerKey(bad); err == nil {
			t.Errorf("key %q accepted", bad)
		}
	}
}

func TestParseComplaintRules(t *testing.T) {
	rules, err := workflow.ParseComplaintRules("")
	if err != nil || rules[domain.CategoryOther].Resolve != (domain.Deadline{Days: 15, Working: true}) {
		t.Fatalf("defaults: %+v %v", rules, err)
	}
	rules, err = workflow.ParseComplaintRules(`{"vicious_case":{"resolve":{"days":3,"working":true}},"other":{"callback":{"days":5}}}`)
	if err != nil {
		t.Fatal(err)
	}
	if v := rules[domain.CategoryViciousCase]; v.Resolve.Days != 3 || v.Assign != (domain.Deadline{Days: 1}) {
		t.Errorf("vicious: %+v", v)
	}
	if o := rules[domain.CategoryOther]; o.Callback != (domain.Deadline{Days: 5}) || o.Resolve.Days != 15 {
		t.Errorf("other: %+v", o)
	}
	for _, bad := range []string{`{"bribery":{}}`, `{"other":{"appeal":{"days":1}}}`, `{"other":{"resolve":{"days":0}}}`,
		`{"other":{"resolve":{"dayz":3}}}`, `[`} {
		if _, err := workflow.ParseComplaintRules(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// TestGeneratedEncryptionKey: without a configured key one is generated
// once, kept in the database for every process, with a warning.
func TestGeneratedEncryptionKey(t *testing.T) {
	st := testenv.Store(t)
	authz, err := policies.New()
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	deps := workflow.Deps{Store: st, Authz: authz, Clock: testenv.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)),
		Log: slog.New(slog.NewTextHandler(&logs, nil))}
	if _, err := workflow.NewComplaints(deps, workflow.ComplaintsConfig{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "DUCHA_ENCRYPTION_KEY is not set") {
		t.Errorf("no warning: %s", logs.String())
	}
	first, err := st.SettingOrInit("complaint_encryption_key", func() (string, error) { return "other", nil })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := workflow.NewComplaints(deps, workflow.ComplaintsConfig{}); err != nil {
		t.Fatal(err)
	}
	again, _ := st.SettingOrInit("complaint_encryption_key", func() (string, error) { return "other", nil })
	if first == "other" || first != again {
		t.Errorf("key %q then %q", first, again)
	}
	if _, err := workflow.NewComplaints(deps, workflow.ComplaintsConfig{EncryptionKey: "short"}); err == nil {
		t.Error("a bad configured key accepted")
	}
}
