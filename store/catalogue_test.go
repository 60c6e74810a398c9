package store_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/ducha/ducha/catalogue"
	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/migrations"
	"github.com/ducha/ducha/store"
	"github.com/ducha/ducha/testenv"
)

// The migration loads the notice's two sets exactly as catalogue.National
// gives them: published, at the nation, as of the notice's date.
func TestNationalSetsSeeded(t *testing.T) {
	s := testenv.Store(t)
	want, err := catalogue.National()
	if err != nil {
		t.Fatal(err)
	}
	tx := s.Read(context.Background())
	for _, w := range want {
		got, err := tx.IndicatorSetByCode(w.Code)
		if err != nil {
			t.Fatal(err)
		}
		if got.Kind != w.Kind || got.Name != w.Name || got.NameEN != w.NameEN || got.RegionCode != domain.NationCode ||
			got.ParentID != nil || got.Status != domain.SetPublished || got.Version != 1 ||
			got.PublishedAt == nil || !got.PublishedAt.Equal(migrations.NoticeDate) || len(got.Removed) != 0 {
			t.Errorf("%s: %+v", w.Code, got)
		}
		if !reflect.DeepEqual(got.Indicators, w.Indicators) {
			for i := range w.Indicators {
				if i >= len(got.Indicators) || !reflect.DeepEqual(got.Indicators[i], w.Indicators[i]) {
					t.Fatalf("%s indicator %d:\n got %+v\nwant %+v", w.Code, i, got.Indicators[i], w.Indicators[i])
				}
			}
			t.Fatalf("%s: %d indicators, want %d", w.Code, len(got.Indicators), len(w.Indicators))
		}
		byID, err := tx.IndicatorSet(got.ID)
		if err != nil || !reflect.DeepEqual(byID, got) {
			t.Errorf("by id: %v %+v", err, byID)
		}
	}
	if _, err := tx.IndicatorSet(999999); domain.ErrorCode(err) != domain.ENotFound {
		t.Errorf("missing set: %v", err)
	}
}

func national(t *testing.T, s *store.Store, code string) domain.IndicatorSet {
	t.Helper()
	set, err := s.Read(context.Background()).IndicatorSetByCode(code)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// No store method changes a published set, whatever it is asked.
func TestPublishedSetNeverChanges(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	in := national(t, s, catalogue.CodeNationalInflow)
	before := jsonOf(t, in)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	name, w, target := "改名", 2.0, 50.0
	for what, change := range map[string]func(tx *store.Tx) error{
		"touch":   func(tx *store.Tx) error { return tx.TouchDraft(in.ID, in.Version, now) },
		"publish": func(tx *store.Tx) error { return tx.PublishIndicatorSet(in.ID, in.Version, now) },
		"update": func(tx *store.Tx) error {
			return tx.UpdateSetIndicator(in.ID, "IN01", store.IndicatorUpdate{Name: &name, Weight: &w})
		},
		"target": func(tx *store.Tx) error { return tx.SetMeasureTarget(in.ID, "IN14a", &target) },
		"add": func(tx *store.Tx) error {
			return tx.AddSetIndicator(in.ID, domain.Indicator{Code: "0-L01", Category: domain.CategoryGuarantee,
				Item: "x", Name: "x", Explanation: "x", Weight: 1, Position: 1})
		},
		"remove": func(tx *store.Tx) error { return tx.RemoveSetIndicator(in.ID, "IN02", "no", 0, now) },
		"delete": func(tx *store.Tx) error { return tx.DeleteSetIndicator(in.ID, "IN03") },
	} {
		err := s.Tx(ctx, change)
		if domain.ErrorCode(err) != domain.EConflict {
			t.Errorf("%s on a published set: %v, want a conflict", what, err)
		}
	}
	if after := jsonOf(t, national(t, s, catalogue.CodeNationalInflow)); after != before {
		t.Errorf("published set changed:\n%s\n%s", before, after)
	}
}

// A draft changes through the same methods; MySQL's count of changed rows
// does not make an update to the same value look like a missing row.
func TestDraftChanges(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	parent := national(t, s, catalogue.CodeNationalOutflow)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	pid := parent.ID
	draft := domain.IndicatorSet{Code: "44-OUTFLOW-1", Kind: parent.Kind, Name: "广东", RegionCode: "44", ParentID: &pid,
		Status: domain.SetDraft, Version: 1, CreatedAt: now, Indicators: parent.Indicators}
	var id int64
	err := s.Tx(ctx, func(tx *store.Tx) error {
		var err error
		id, err = tx.CreateIndicatorSet(draft, 0, now)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	five, w := 5.0, 3.0
	name := "工作规范(广东)"
	steps := []func(tx *store.Tx) error{
		func(tx *store.Tx) error { return tx.TouchDraft(id, 1, now) },
		func(tx *store.Tx) error { return tx.SetMeasureTarget(id, "OUT15b", &five) },
		func(tx *store.Tx) error { return tx.SetMeasureTarget(id, "OUT15b", &five) }, // same value again
		func(tx *store.Tx) error {
			return tx.UpdateSetIndicator(id, "OUT05", store.IndicatorUpdate{Name: &name, Weight: &w})
		},
		func(tx *store.Tx) error {
			return tx.UpdateSetIndicator(id, "OUT05", store.IndicatorUpdate{Name: &name, Weight: &w})
		},
		func(tx *store.Tx) error { return tx.RemoveSetIndicator(id, "OUT06", "本省不设", 0, now) },
		func(tx *store.Tx) error {
			return tx.AddSetIndicator(id, domain.Indicator{Code: "44-L01", Category: domain.CategoryManagement,
				Item: "地方", Name: "本地", Explanation: "解释", Weight: 1, Position: 7, Local: true,
				Level: domain.LevelSpec{Lowest: domain.LevelCounty, Highest: domain.LevelCounty}})
		},
	}
	for i, step := range steps {
		if err := s.Tx(ctx, step); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	got, err := s.Read(ctx).IndicatorSet(id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 2 || got.Status != domain.SetDraft || len(got.Indicators) != 18 || len(got.Removed) != 1 ||
		got.Removed[0].Code != "OUT06" || got.Removed[0].Reason != "本省不设" || got.Removed[0].Name != "基层管理" {
		t.Fatalf("%+v", got)
	}
	for i, in := range got.Indicators {
		if in.Position != i+1 {
			t.Errorf("%s at position %d, want %d", in.Code, in.Position, i+1)
		}
	}
	if in := got.Indicators[4]; in.Code != "OUT05" || in.Name != name || in.Weight != 3 {
		t.Errorf("OUT05: %+v", in)
	}
	if in := got.Indicators[6]; in.Code != "44-L01" || !in.Local {
		t.Errorf("position 7: %+v", in)
	}
	if m := got.Measures()["OUT15b"]; m.Target == nil || *m.Target != 5 {
		t.Errorf("OUT15b: %+v", m)
	}
	// Missing things are ENotFound; a stale version is a conflict.
	for what, change := range map[string]func(tx *store.Tx) error{
		"indicator": func(tx *store.Tx) error {
			return tx.UpdateSetIndicator(id, "OUT99", store.IndicatorUpdate{Name: &name})
		},
		"removed": func(tx *store.Tx) error {
			return tx.UpdateSetIndicator(id, "OUT06", store.IndicatorUpdate{Name: &name})
		},
		"measure": func(tx *store.Tx) error { return tx.SetMeasureTarget(id, "OUT15c", &five) },
		"set":     func(tx *store.Tx) error { return tx.TouchDraft(id+100, 1, now) },
	} {
		if err := s.Tx(ctx, change); domain.ErrorCode(err) != domain.ENotFound {
			t.Errorf("%s: %v, want not found", what, err)
		}
	}
	if err := s.Tx(ctx, func(tx *store.Tx) error { return tx.TouchDraft(id, 1, now) }); domain.ErrorCode(err) != domain.EConflict {
		t.Errorf("stale version: %v", err)
	}
	// Publishing freezes it.
	if err := s.Tx(ctx, func(tx *store.Tx) error { return tx.PublishIndicatorSet(id, 2, now) }); err != nil {
		t.Fatal(err)
	}
	if err := s.Tx(ctx, func(tx *store.Tx) error { return tx.SetMeasureTarget(id, "OUT15b", nil) }); domain.ErrorCode(err) != domain.EConflict {
		t.Errorf("change after publishing: %v", err)
	}
	pub, _ := s.Read(ctx).IndicatorSet(id)
	if pub.Status != domain.SetPublished || pub.Version != 3 || pub.PublishedAt == nil {
		t.Errorf("published: %+v", pub)
	}
}

func TestListIndicatorSetsVisibility(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	parent := national(t, s, catalogue.CodeNationalInflow)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	pid := parent.ID
	ids := map[string]int64{}
	for _, region := range []string{"44", "4401", "45"} {
		err := s.Tx(ctx, func(tx *store.Tx) error {
			id, err := tx.CreateIndicatorSet(domain.IndicatorSet{Code: region + "-INFLOW-1", Kind: domain.KindInflow,
				Name: region, RegionCode: region, ParentID: &pid, Status: domain.SetDraft, CreatedAt: now}, 0, now)
			ids[region] = id
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	codes := func(f store.IndicatorSetFilter) []string {
		sets, err := s.Read(ctx).ListIndicatorSets(f, 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, x := range sets {
			out = append(out, x.Code)
		}
		return out
	}
	for _, tc := range []struct {
		f    store.IndicatorSetFilter
		want []string
	}{
		{store.IndicatorSetFilter{}, []string{"NATIONAL-INFLOW-2007", "NATIONAL-OUTFLOW-2007", "44-INFLOW-1", "4401-INFLOW-1", "45-INFLOW-1"}},
		{store.IndicatorSetFilter{VisibleTo: "44"}, []string{"NATIONAL-INFLOW-2007", "NATIONAL-OUTFLOW-2007", "44-INFLOW-1", "4401-INFLOW-1"}},
		{store.IndicatorSetFilter{VisibleTo: "4401"}, []string{"NATIONAL-INFLOW-2007", "NATIONAL-OUTFLOW-2007", "44-INFLOW-1", "4401-INFLOW-1"}},
		{store.IndicatorSetFilter{VisibleTo: "440103"}, []string{"NATIONAL-INFLOW-2007", "NATIONAL-OUTFLOW-2007", "44-INFLOW-1", "4401-INFLOW-1"}},
		{store.IndicatorSetFilter{VisibleTo: "4402"}, []string{"NATIONAL-INFLOW-2007", "NATIONAL-OUTFLOW-2007", "44-INFLOW-1"}},
		{store.IndicatorSetFilter{VisibleTo: "45", Status: domain.SetDraft}, []string{"45-INFLOW-1"}},
		{store.IndicatorSetFilter{Kind: domain.KindOutflow}, []string{"NATIONAL-OUTFLOW-2007"}},
		{store.IndicatorSetFilter{RegionCode: "4401"}, []string{"4401-INFLOW-1"}},
		{store.IndicatorSetFilter{ParentID: pid, VisibleTo: "45"}, []string{"45-INFLOW-1"}},
	} {
		if got := codes(tc.f); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%+v: %v, want %v", tc.f, got, tc.want)
		}
	}
	// Duplicate codes are a conflict.
	err := s.Tx(ctx, func(tx *store.Tx) error {
		_, err := tx.CreateIndicatorSet(domain.IndicatorSet{Code: "44-INFLOW-1", Kind: domain.KindInflow, Name: "x",
			RegionCode: "44", ParentID: &pid, Status: domain.SetDraft, CreatedAt: now}, 0, now)
		return err
	})
	if domain.ErrorCode(err) != domain.EConflict {
		t.Errorf("duplicate code: %v", err)
	}
}
