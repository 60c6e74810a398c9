package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ducha/ducha/api"
	"github.com/ducha/ducha/blobs/blobstest"
	"github.com/ducha/ducha/documents"
	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/store"
	"github.com/ducha/ducha/testenv"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata")

// fakeSources stand in for the review's findings and requirements and the
// hotline's figures (workflow.ResultSources), keyed by inspection id and
// region code; the worker reads them concurrently.
type fakeSources struct {
	mu         sync.Mutex
	findings   map[int64][]documents.Finding
	reqs       map[int64][]documents.Requirement
	complaints map[string][]documents.ComplaintFigure
}

func (f *fakeSources) setRequirements(id int64, rs ...documents.Requirement) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs[id] = rs
}

func (f *fakeSources) setFindings(id int64, fs ...documents.Finding) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.findings[id] = fs
}

// resEnv is a campaign env whose results read fakeSources.
type resEnv struct {
	*campEnv
	src *fakeSources
}

func newResEnv(t *testing.T, o testenv.AppOptions) *resEnv {
	t.Helper()
	e := &resEnv{campEnv: newCampEnv(t, o), src: &fakeSources{findings: map[int64][]documents.Finding{},
		reqs: map[int64][]documents.Requirement{}, complaints: map[string][]documents.ComplaintFigure{}}}
	e.install(e.App)
	return e
}

// install points an app's results at the env's fake sources.
func (e *resEnv) install(a *testenv.App) {
	src := e.src
	a.Results.Sources.Findings = func(_ context.Context, _ *store.Tx, id int64) ([]documents.Finding, error) {
		src.mu.Lock()
		defer src.mu.Unlock()
		return append([]documents.Finding(nil), src.findings[id]...), nil
	}
	a.Results.Sources.Requirements = func(_ context.Context, _ *store.Tx, id int64) ([]documents.Requirement, error) {
		src.mu.Lock()
		defer src.mu.Unlock()
		return append([]documents.Requirement(nil), src.reqs[id]...), nil
	}
	a.Results.Sources.Complaints = func(_ context.Context, _ *store.Tx, code string, _, _ time.Time) ([]documents.ComplaintFigure, error) {
		src.mu.Lock()
		defer src.mu.Unlock()
		return append([]documents.ComplaintFigure(nil), src.complaints[code]...), nil
	}
}

// toFeedback drives a national campaign with one batch of the given
// provinces up to the feedback phase, with every inspection reviewed, and
// returns the batch and its inspections by region.
func (e *resEnv) toFeedback(provinces ...string) (api.CampaignOut, api.BatchOut, map[string]api.InspectionOut) {
	e.t.Helper()
	c := e.createCampaign(e.admin(), e.campaignBody("2026年流动人口计划生育督查", "0", 2026, 2028))
	b := e.createBatch(e.admin(), c.ID, e.batchBody("第一批", provinces))
	e.mustFire(e.admin(), "batches", b.ID, "launch", nil)
	ins := map[string]api.InspectionOut{}
	for _, in := range e.inspections(e.admin(), "batch_id="+campItoa(b.ID)) {
		ins[in.RegionCode] = in
		e.mustFire(e.coordinator(in.RegionCode), "inspections", in.ID, "submit_self_check", nil)
	}
	e.mustFire(e.admin(), "batches", b.ID, "start_site_review", nil)
	for _, in := range ins {
		e.mustFire(e.inspector(), "inspections", in.ID, "begin_review", nil)
		e.mustFire(e.inspector(), "inspections", in.ID, "complete_review", nil)
	}
	e.mustFire(e.admin(), "batches", b.ID, "start_feedback", nil)
	return c, b, ins
}

// feedback reads an inspection's letter as JSON.
func (e *resEnv) feedback(token string, id int64) map[string]any {
	e.t.Helper()
	return e.Must(200, "GET", campPath("inspections", id)+"/feedback", token, nil).Map(e.t)
}

// waitFeedback waits until an inspection's letter is issued and returns it.
func (e *resEnv) waitFeedback(id int64) map[string]any {
	e.t.Helper()
	var out map[string]any
	testenv.Eventually(e.t, 30*time.Second, "the feedback letter", func() bool {
		out = e.feedback(e.admin(), id)
		return out["status"] == "issued"
	})
	return out
}

// waitBulletin waits until a batch's bulletin is issued and returns its id.
func (e *resEnv) waitBulletin(batchID int64) int64 {
	e.t.Helper()
	var l api.List[api.BulletinSummary]
	testenv.Eventually(e.t, 30*time.Second, "the bulletin", func() bool {
		e.Must(200, "GET", "/api/v1/bulletins?batch_id="+campItoa(batchID), e.admin(), nil).JSON(e.t, &l)
		return len(l.Items) > 0
	})
	if len(l.Items) != 1 {
		e.t.Fatalf("%d bulletins of batch %d", len(l.Items), batchID)
	}
	return l.Items[0].ID
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *updateGolden {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (go test ./api -run %s -update creates it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the served document (go test ./api -run %s -update if intended)", p, t.Name())
	}
}

func decodeLetter(t *testing.T, raw []byte) documents.FeedbackLetter {
	t.Helper()
	var l documents.FeedbackLetter
	if err := json.Unmarshal(raw, &l); err != nil {
		t.Fatal(err)
	}
	return l
}

func req(id int64, code, text string, due time.Time) documents.Requirement {
	return documents.Requirement{ID: id, IndicatorCode: code, Text: text, DueAt: due}
}

func finding(code string, sev documents.Severity, text string) documents.Finding {
	return documents.Finding{IndicatorCode: code, Severity: sev, Text: text}
}

var _ = domain.NationCode

// uploadPDF uploads a small PDF as token and returns its id.
func uploadPDF(t *testing.T, a *testenv.App, token string) int64 {
	t.Helper()
	return mustUpload(a, token, file("整改报告.pdf", blobstest.MinimalPDF)).ID
}
