package api_test

import (
	"testing"

	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/workflow"
)

// TestReviewShowsComplaintFigures: the site review shows the hotline's cases
// that accuse the inspected region or a region below it in the campaign's
// window, by category; another province's cases do not count.
func TestReviewShowsComplaintFigures(t *testing.T) {
	f := newScoreFixture(t, nil)
	f.Must(201, "POST", "/api/v1/complaints", f.admin(), caseBody(map[string]any{
		"accused_region_code": "440103", "occurred_region_code": "510104"}))
	f.Must(201, "POST", "/api/v1/complaints", f.admin(), caseBody(map[string]any{
		"accused_region_code": "440106", "category": "forced_return_check"}))
	f.Must(201, "POST", "/api/v1/complaints", f.admin(), caseBody(nil)) // accuses Sichuan's 510104

	var rv workflow.ReviewView
	f.Must(200, "GET", campPath("inspections", f.ins["44"].ID)+"/review", f.admin(), nil).JSON(t, &rv)
	got := rv.Complaints
	if got.Total.Received != 2 {
		t.Errorf("total received %d, want 2 (Guangdong's two cases only)", got.Total.Received)
	}
	if n := got.ByCategory[domain.CategoryIllegalFees].Received; n != 1 {
		t.Errorf("illegal_fees %d, want 1", n)
	}
	if n := got.ByCategory[domain.CategoryForcedReturnCheck].Received; n != 1 {
		t.Errorf("forced_return_check %d, want 1", n)
	}
	if got.Veto() {
		t.Error("no case is substantiated yet, so no veto")
	}
}
