package workflow_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ducha/ducha/catalogue"
	"github.com/ducha/ducha/catalogue/xlsx"
	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/policies"
	"github.com/ducha/ducha/store"
	"github.com/ducha/ducha/testenv"
	"github.com/ducha/ducha/workflow"
)

var (
	admin  = domain.Actor{Username: "admin", Role: domain.RoleNationalAdmin, RegionCode: domain.NationCode}
	gd     = domain.Actor{Username: "gd", Role: domain.RoleProvinceCoordinator, RegionCode: "44"}
	gz     = domain.Actor{Username: "gz", Role: domain.RolePrefectureOfficer, RegionCode: "4401"}
	sz     = domain.Actor{Username: "sz", Role: domain.RolePrefectureOfficer, RegionCode: "4403"}
	gx     = domain.Actor{Username: "gx", Role: domain.RoleProvinceCoordinator, RegionCode: "45"}
	county = domain.Actor{Username: "yx", Role: domain.RoleCountyOfficer, RegionCode: "440103"}
)

type fixture struct {
	t   *testing.T
	ctx context.Context
	s   *store.Store
	c   *workflow.Catalogue
	clk *testenv.Clock
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	s := testenv.Store(t)
	authz, err := policies.New()
	if err != nil {
		t.Fatal(err)
	}
	clk := testenv.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	return &fixture{t: t, ctx: context.Background(), s: s, clk: clk,
		c: &workflow.Catalogue{Deps: workflow.Deps{Store: s, Authz: authz, Clock: clk, Log: testenv.Logger(t)}}}
}

func pct(x float64) *float64 { return &x }

func (f *fixture) national(code string) domain.IndicatorSet {
	f.t.Helper()
	s, err := f.s.Read(f.ctx).IndicatorSetByCode(code)
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

func (f *fixture) derive(a domain.Actor, parent int64, region string) domain.IndicatorSet {
	f.t.Helper()
	s, err := f.c.Derive(f.ctx, a, workflow.Derivation{ParentID: parent, RegionCode: region, Name: "derived for " + region})
	if err != nil {
		f.t.Fatalf("derive %d for %s: %v", parent, region, err)
	}
	return s
}

// targets sets the given measures' targets (nil clears) on a draft.
func (f *fixture) targets(a domain.Actor, set int64, ts map[string]*float64) {
	f.t.Helper()
	byIndicator := map[string]map[string]*float64{}
	for m, t := range ts {
		code := strings.TrimRight(m, "abcdefghijklmnopqrstuvwxyz")
		if byIndicator[code] == nil {
			byIndicator[code] = map[string]*float64{}
		}
		byIndicator[code][m] = t
	}
	for code, mts := range byIndicator {
		if _, err := f.c.UpdateIndicator(f.ctx, a, set, code, workflow.IndicatorChange{Targets: mts}, 0); err != nil {
			f.t.Fatalf("targets %v: %v", mts, err)
		}
	}
}

func (f *fixture) publish(a domain.Actor, set int64) domain.IndicatorSet {
	f.t.Helper()
	s, err := f.c.Publish(f.ctx, a, set, 0)
	if err != nil {
		f.t.Fatalf("publish %d: %v", set, err)
	}
	return s
}

func (f *fixture) get(id int64) domain.IndicatorSet {
	f.t.Helper()
	s, err := f.s.Read(f.ctx).IndicatorSet(id)
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

func domainError(t *testing.T, err error, code domain.Code) *domain.Error {
	t.Helper()
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != code {
		t.Fatalf("got %v, want a %s error", err, code)
	}
	return de
}

func locations(de *domain.Error) []string {
	var out []string
	for _, f := range de.Fields {
		out = append(out, f.Location)
	}
	slices.Sort(out)
	return out
}

// violationsOf returns the "violations" of a piling-on error as JSON
// objects, by measure.
func violationsOf(t *testing.T, de *domain.Error) map[string]map[string]any {
	t.Helper()
	b, err := json.Marshal(de.Extra["violations"])
	if err != nil {
		t.Fatal(err)
	}
	var vs []map[string]any
	if err := json.Unmarshal(b, &vs); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]any{}
	for _, v := range vs {
		out[v["measure"].(string)] = v
	}
	return out
}

func checkViolation(t *testing.T, v map[string]any, target, parentTarget float64, parentSet int64, dir domain.Direction) {
	t.Helper()
	if v == nil {
		t.Fatal("missing violation")
	}
	if v["target"] != target || v["parent_target"] != parentTarget || v["parent_set_id"] != float64(parentSet) ||
		v["direction"] != string(dir) {
		t.Errorf("violation %v; want target %v, parent target %v of set %d, %s", v, target, parentTarget, parentSet, dir)
	}
}

// The piling-on rule for higher-is-better measures along nation →
// province (44) → prefecture (4401), checked up the whole chain: a measure
// the province left without a target is still bound by the nation's.
func TestPilingOnHigherIsBetterThreeLevels(t *testing.T) {
	f := newFixture(t)
	in := f.national(catalogue.CodeNationalInflow)
	nation := f.derive(admin, in.ID, domain.NationCode)
	f.targets(admin, nation.ID, map[string]*float64{"IN14a": pct(90), "IN18a": pct(80)})
	f.publish(admin, nation.ID)

	prov := f.derive(gd, nation.ID, "44")
	if m := prov.Measures()["IN14a"]; m.Target == nil || *m.Target != 90 {
		t.Fatalf("a derived set copies its parent's targets: %+v", m)
	}
	f.targets(gd, prov.ID, map[string]*float64{"IN14a": pct(95), "IN18a": pct(85)})
	before := f.get(prov.ID)
	_, err := f.c.Publish(f.ctx, gd, prov.ID, 0)
	de := domainError(t, err, domain.EInvalid)
	if got, want := locations(de), []string{"indicators.IN14.targets.IN14a", "indicators.IN18.targets.IN18a"}; !reflect.DeepEqual(got, want) {
		t.Errorf("locations %v, want %v", got, want)
	}
	vs := violationsOf(t, de)
	checkViolation(t, vs["IN14a"], 95, 90, nation.ID, domain.HigherIsBetter)
	checkViolation(t, vs["IN18a"], 85, 80, nation.ID, domain.HigherIsBetter)
	if after := f.get(prov.ID); !reflect.DeepEqual(after, before) {
		t.Errorf("a refused publication changed the set:\n%+v\n%+v", before, after)
	}
	// Looser, or no target at all, is fine.
	f.targets(gd, prov.ID, map[string]*float64{"IN14a": pct(85), "IN18a": nil, "IN15a": pct(99)})
	f.publish(gd, prov.ID)

	pref := f.derive(gz, prov.ID, "4401")
	f.targets(gz, pref.ID, map[string]*float64{"IN14a": pct(88), "IN18a": pct(81), "IN18b": pct(100), "IN15a": pct(99.5)})
	_, err = f.c.Publish(f.ctx, gz, pref.ID, 0)
	de = domainError(t, err, domain.EInvalid)
	vs = violationsOf(t, de)
	if len(vs) != 3 {
		t.Fatalf("violations %v", vs)
	}
	checkViolation(t, vs["IN14a"], 88, 85, prov.ID, domain.HigherIsBetter)
	checkViolation(t, vs["IN18a"], 81, 80, nation.ID, domain.HigherIsBetter) // the grandparent's
	checkViolation(t, vs["IN15a"], 99.5, 99, prov.ID, domain.HigherIsBetter)
	// IN18b has no target anywhere above: unconstrained. Equal is not stricter.
	f.targets(gz, pref.ID, map[string]*float64{"IN14a": pct(85), "IN18a": pct(80), "IN15a": pct(60)})
	got := f.publish(gz, pref.ID)
	if got.Status != domain.SetPublished || got.PublishedAt == nil {
		t.Errorf("%+v", got)
	}
}

// Lower-is-better (OUT15b 查无此人率): a lower target is the stricter one.
func TestPilingOnLowerIsBetter(t *testing.T) {
	f := newFixture(t)
	out := f.national(catalogue.CodeNationalOutflow)
	if out.Measures()["OUT15b"].Direction != domain.LowerIsBetter {
		t.Fatal("OUT15b is lower-is-better")
	}
	nation := f.derive(admin, out.ID, domain.NationCode)
	f.targets(admin, nation.ID, map[string]*float64{"OUT15a": pct(90), "OUT15b": pct(5)})
	f.publish(admin, nation.ID)

	prov := f.derive(gd, nation.ID, "44")
	f.targets(gd, prov.ID, map[string]*float64{"OUT15a": pct(95), "OUT15b": pct(3)})
	_, err := f.c.Publish(f.ctx, gd, prov.ID, 0)
	de := domainError(t, err, domain.EInvalid)
	vs := violationsOf(t, de)
	checkViolation(t, vs["OUT15a"], 95, 90, nation.ID, domain.HigherIsBetter)
	checkViolation(t, vs["OUT15b"], 3, 5, nation.ID, domain.LowerIsBetter)
	for _, fe := range de.Fields {
		if fe.Location == "indicators.OUT15.targets.OUT15b" && !strings.Contains(fe.Message, "at least 5") {
			t.Errorf("message %q", fe.Message)
		}
	}
	f.targets(gd, prov.ID, map[string]*float64{"OUT15a": pct(85), "OUT15b": pct(8)})
	f.publish(gd, prov.ID)

	pref := f.derive(gz, prov.ID, "4401")
	f.targets(gz, pref.ID, map[string]*float64{"OUT15b": pct(6)})
	_, err = f.c.Publish(f.ctx, gz, pref.ID, 0)
	checkViolation(t, violationsOf(t, domainError(t, err, domain.EInvalid))["OUT15b"], 6, 8, prov.ID, domain.LowerIsBetter)
	f.targets(gz, pref.ID, map[string]*float64{"OUT15b": pct(12)})
	f.publish(gz, pref.ID)
}

// A region re-deriving from its own published set revises its own targets:
// the earlier version does not bind it, the sets above still do.
func TestSameRegionRevision(t *testing.T) {
	f := newFixture(t)
	in := f.national(catalogue.CodeNationalInflow)
	nation := f.derive(admin, in.ID, domain.NationCode)
	f.targets(admin, nation.ID, map[string]*float64{"IN14a": pct(90)})
	f.publish(admin, nation.ID)
	v1 := f.derive(gd, nation.ID, "44")
	f.targets(gd, v1.ID, map[string]*float64{"IN14a": pct(80)})
	f.publish(gd, v1.ID)
	v2 := f.derive(gd, v1.ID, "44")
	if v2.Code != "44-INFLOW-2" {
		t.Errorf("code %s", v2.Code)
	}
	f.targets(gd, v2.ID, map[string]*float64{"IN14a": pct(92)})
	_, err := f.c.Publish(f.ctx, gd, v2.ID, 0)
	checkViolation(t, violationsOf(t, domainError(t, err, domain.EInvalid))["IN14a"], 92, 90, nation.ID, domain.HigherIsBetter)
	f.targets(gd, v2.ID, map[string]*float64{"IN14a": pct(88)})
	f.publish(gd, v2.ID)
}

// CheckTargets holds a campaign's targets to the set it pins and its chain.
func TestCheckTargets(t *testing.T) {
	f := newFixture(t)
	in := f.national(catalogue.CodeNationalInflow)
	out := f.national(catalogue.CodeNationalOutflow)
	nation := f.derive(admin, out.ID, domain.NationCode)
	f.targets(admin, nation.ID, map[string]*float64{"OUT15b": pct(5), "OUT12a": pct(90)})
	f.publish(admin, nation.ID)
	prov := f.derive(gd, nation.ID, "44")
	f.targets(gd, prov.ID, map[string]*float64{"OUT12a": pct(80), "OUT15b": nil})
	f.publish(gd, prov.ID)

	check := func(set int64, ts map[string]float64) error {
		return f.s.Tx(f.ctx, func(tx *store.Tx) error { return f.c.CheckTargets(f.ctx, tx, set, ts) })
	}
	if err := check(in.ID, map[string]float64{"IN14a": 100, "IN18b": 0}); err != nil {
		t.Errorf("the national sets set no targets: %v", err)
	}
	if err := check(prov.ID, map[string]float64{"OUT12a": 80, "OUT15b": 5, "OUT13a": 100}); err != nil {
		t.Errorf("equal targets: %v", err)
	}
	err := check(prov.ID, map[string]float64{"OUT12a": 81, "OUT15b": 4, "IN14a": 50, "OUT13a": 101, "OUT14a": 70})
	de := domainError(t, err, domain.EInvalid)
	want := []string{"body.targets.IN14a", "body.targets.OUT12a", "body.targets.OUT13a", "body.targets.OUT15b"}
	if got := locations(de); !reflect.DeepEqual(got, want) {
		t.Errorf("locations %v, want %v", got, want)
	}
	vs := violationsOf(t, de)
	checkViolation(t, vs["OUT12a"], 81, 80, prov.ID, domain.HigherIsBetter) // the set's own target
	checkViolation(t, vs["OUT15b"], 4, 5, nation.ID, domain.LowerIsBetter)  // from higher up
	if err := check(987654, nil); domain.ErrorCode(err) != domain.ENotFound {
		t.Errorf("missing set: %v", err)
	}
}

// A campaign pins a set by id. A published set never changes, whatever is
// derived from it or published after it: it stays byte for byte the same.
func TestPublishedSetStaysIdentical(t *testing.T) {
	f := newFixture(t)
	in := f.national(catalogue.CodeNationalInflow)
	prov := f.derive(gd, in.ID, "44")
	f.targets(gd, prov.ID, map[string]*float64{"IN14a": pct(90), "IN19a": pct(95)})
	if _, err := f.c.RemoveIndicator(f.ctx, gd, prov.ID, "IN13", "本省以流动人口服务中心代替协会", 0); err != nil {
		t.Fatal(err)
	}
	pinned := f.publish(gd, prov.ID)
	snapshot := func() (string, []byte) {
		s, err := f.c.Get(f.ctx, gz, pinned.ID)
		if err != nil {
			t.Fatal(err)
		}
		j, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var x bytes.Buffer
		if err := xlsx.Write(&x, s); err != nil {
			t.Fatal(err)
		}
		return string(j), x.Bytes()
	}
	j0, x0 := snapshot()
	nationalBefore, _ := json.Marshal(f.get(in.ID))

	f.clk.Advance(48 * time.Hour)
	// Later work: a prefecture derives and publishes, the province derives a
	// new version, everyone tries to change the pinned set.
	pref := f.derive(gz, pinned.ID, "4401")
	f.targets(gz, pref.ID, map[string]*float64{"IN14a": pct(85)})
	if _, err := f.c.UpdateIndicator(f.ctx, gz, pref.ID, "IN01", workflow.IndicatorChange{Name: pct2("新名称"), Weight: pct(2)}, 0); err != nil {
		t.Fatal(err)
	}
	f.publish(gz, pref.ID)
	v2 := f.derive(gd, pinned.ID, "44")
	f.targets(gd, v2.ID, map[string]*float64{"IN14a": pct(70)})
	f.publish(gd, v2.ID)
	for what, err := range map[string]error{
		"update": second(f.c.UpdateIndicator(f.ctx, gd, pinned.ID, "IN14", workflow.IndicatorChange{Targets: map[string]*float64{"IN14a": pct(1)}}, 0)),
		"add": second(f.c.AddIndicator(f.ctx, gd, pinned.ID, domain.Indicator{Code: "44-L01", Category: domain.CategoryGuarantee,
			Item: "x", Name: "x", Explanation: "x", Level: domain.LevelSpec{Lowest: domain.LevelCounty, Highest: domain.LevelCounty}}, 0)),
		"remove":  second(f.c.RemoveIndicator(f.ctx, gd, pinned.ID, "IN01", "x", 0)),
		"publish": second(f.c.Publish(f.ctx, gd, pinned.ID, 0)),
	} {
		domainError(t, err, domain.EConflict)
		_ = what
	}
	j1, x1 := snapshot()
	if j1 != j0 {
		t.Errorf("the pinned set changed:\n%s\n%s", j0, j1)
	}
	if !bytes.Equal(x0, x1) {
		t.Error("the pinned set's workbook changed")
	}
	if nationalAfter, _ := json.Marshal(f.get(in.ID)); !bytes.Equal(nationalBefore, nationalAfter) {
		t.Error("the national set changed")
	}
}

func pct2(s string) *string { return &s }

func second[T any](_ T, err error) error { return err }

func TestDeriveRules(t *testing.T) {
	f := newFixture(t)
	in := f.national(catalogue.CodeNationalInflow)
	draft := f.derive(gd, in.ID, "44")
	if draft.Status != domain.SetDraft || draft.Code != "44-INFLOW-1" || draft.Kind != domain.KindInflow ||
		*draft.ParentID != in.ID || draft.Version != 1 || len(draft.Indicators) != 21 {
		t.Fatalf("%+v", draft)
	}
	for _, tc := range []struct {
		name  string
		actor domain.Actor
		d     workflow.Derivation
		code  domain.Code
		loc   []string
	}{
		{"fields", gd, workflow.Derivation{ParentID: 0, RegionCode: "4x", Name: " "}, domain.EInvalid,
			[]string{"body.name", "body.parent_id", "body.region_code"}},
		{"no such region", gd, workflow.Derivation{ParentID: in.ID, RegionCode: "4499", Name: "x"}, domain.EInvalid,
			[]string{"body.region_code"}},
		{"no such parent", gd, workflow.Derivation{ParentID: 424242, RegionCode: "44", Name: "x"}, domain.EInvalid,
			[]string{"body.parent_id"}},
		{"draft parent", gz, workflow.Derivation{ParentID: draft.ID, RegionCode: "4401", Name: "x"}, domain.EInvalid,
			[]string{"body.parent_id"}},
		{"invisible draft parent", gx, workflow.Derivation{ParentID: draft.ID, RegionCode: "45", Name: "x"}, domain.EInvalid,
			[]string{"body.parent_id"}},
		{"foreign region", gx, workflow.Derivation{ParentID: in.ID, RegionCode: "44", Name: "x"}, domain.EForbidden, nil},
		{"above own region", gz, workflow.Derivation{ParentID: in.ID, RegionCode: "44", Name: "x"}, domain.EForbidden, nil},
		{"no write permission", county, workflow.Derivation{ParentID: in.ID, RegionCode: "440103", Name: "x"}, domain.EForbidden, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.c.Derive(f.ctx, tc.actor, tc.d)
			de := domainError(t, err, tc.code)
			if tc.loc != nil && !reflect.DeepEqual(locations(de), tc.loc) {
				t.Errorf("locations %v, want %v", locations(de), tc.loc)
			}
		})
	}
	// The region must lie within the parent's region.
	f.publish(gd, draft.ID)
	_, err := f.c.Derive(f.ctx, admin, workflow.Derivation{ParentID: draft.ID, RegionCode: "45", Name: "x"})
	if got := locations(domainError(t, err, domain.EInvalid)); !reflect.DeepEqual(got, []string{"body.region_code"}) {
		t.Errorf("%v", got)
	}
	sets, _ := f.s.Read(f.ctx).ListIndicatorSets(store.IndicatorSetFilter{}, 0, 100)
	if len(sets) != 3 {
		t.Errorf("refused derivations stored sets: %d", len(sets))
	}
}

// A draft is visible only in its region's lineage; published sets to all.
func TestVisibility(t *testing.T) {
	f := newFixture(t)
	in := f.national(catalogue.CodeNationalInflow)
	draft := f.derive(gd, in.ID, "44")
	for _, a := range []domain.Actor{admin, gd, gz, county} {
		if _, err := f.c.Get(f.ctx, a, draft.ID); err != nil {
			t.Errorf("%s: %v", a.Username, err)
		}
	}
	if _, err := f.c.Get(f.ctx, gx, draft.ID); domain.ErrorCode(err) != domain.ENotFound {
		t.Errorf("a foreign province sees the draft: %v", err)
	}
	// Seen, but not writable, from below.
	_, err := f.c.UpdateIndicator(f.ctx, gz, draft.ID, "IN14", workflow.IndicatorChange{Targets: map[string]*float64{"IN14a": pct(1)}}, 0)
	domainError(t, err, domain.EForbidden)
	_, err = f.c.UpdateIndicator(f.ctx, gx, draft.ID, "IN14", workflow.IndicatorChange{Targets: map[string]*float64{"IN14a": pct(1)}}, 0)
	domainError(t, err, domain.ENotFound)
	list := func(a domain.Actor, flt workflow.SetFilter) []string {
		p, err := f.c.List(f.ctx, a, flt, workflow.Page{})
		if err != nil {
			t.Fatal(err)
		}
		var codes []string
		for _, s := range p.Items {
			codes = append(codes, s.Code)
		}
		return codes
	}
	if got := list(gx, workflow.SetFilter{}); len(got) != 2 {
		t.Errorf("45 lists %v", got)
	}
	if got := list(gz, workflow.SetFilter{Status: domain.SetDraft}); !reflect.DeepEqual(got, []string{"44-INFLOW-1"}) {
		t.Errorf("4401 lists %v", got)
	}
	f.publish(gd, draft.ID)
	if _, err := f.c.Get(f.ctx, gx, draft.ID); err != nil {
		t.Errorf("published sets are visible to all: %v", err)
	}
	// Paging.
	p1, err := f.c.List(f.ctx, gx, workflow.SetFilter{}, workflow.Page{Limit: 2})
	if err != nil || len(p1.Items) != 2 || p1.Next == "" {
		t.Fatalf("%+v %v", p1, err)
	}
	p2, err := f.c.List(f.ctx, gx, workflow.SetFilter{}, workflow.Page{Limit: 2, Cursor: p1.Next})
	if err != nil || len(p2.Items) != 1 || p2.Next != "" || p2.Items[0].Code != "44-INFLOW-1" {
		t.Fatalf("%+v %v", p2, err)
	}
	_, err = f.c.List(f.ctx, gx, workflow.SetFilter{Kind: "sideways"}, workflow.Page{Cursor: "!!"})
	domainError(t, err, domain.EInvalid)
}

func TestEditDraft(t *testing.T) {
	f := newFixture(t)
	out := f.national(catalogue.CodeNationalOutflow)
	d := f.derive(gd, out.ID, "44")

	// Bad changes are refused whole, naming every field, and change nothing.
	before := f.get(d.ID)
	for _, tc := range []struct {
		code string
		ch   workflow.IndicatorChange
		want domain.Code
		locs []string
	}{
		{"OUT15", workflow.IndicatorChange{}, domain.EInvalid, []string{"body"}},
		{"OUT15", workflow.IndicatorChange{Targets: map[string]*float64{"OUT15a": pct(101), "OUT15b": pct(-1)}, Weight: pct(0),
			Name: pct2(""), Explanation: pct2(strings.Repeat("长", 4001))}, domain.EInvalid,
			[]string{"body.explanation", "body.name", "body.targets.OUT15a", "body.targets.OUT15b", "body.weight"}},
		{"OUT15", workflow.IndicatorChange{Targets: map[string]*float64{"OUT15c": pct(1), "OUT14a": pct(1), "OUT15a": pct(50)}},
			domain.EInvalid, []string{"body.targets.OUT14a", "body.targets.OUT15c"}},
		{"OUT01", workflow.IndicatorChange{Targets: map[string]*float64{"OUT01a": pct(1)}}, domain.EInvalid,
			[]string{"body.targets.OUT01a"}},
		{"OUT99", workflow.IndicatorChange{Weight: pct(2)}, domain.ENotFound, nil},
	} {
		_, err := f.c.UpdateIndicator(f.ctx, gd, d.ID, tc.code, tc.ch, 0)
		de := domainError(t, err, tc.want)
		if tc.locs != nil && !reflect.DeepEqual(locations(de), tc.locs) {
			t.Errorf("%s: locations %v, want %v", tc.code, locations(de), tc.locs)
		}
	}
	if after := f.get(d.ID); !reflect.DeepEqual(before, after) {
		t.Errorf("refused changes changed the draft")
	}

	// A good change, then a stale If-Match.
	s, err := f.c.UpdateIndicator(f.ctx, gd, d.ID, "OUT15", workflow.IndicatorChange{
		Targets: map[string]*float64{"OUT15b": pct(10)}, Weight: pct(2.5), Name: pct2(" 信息平台 "), Explanation: pct2("新解释")}, 1)
	if err != nil {
		t.Fatal(err)
	}
	in, _ := s.Indicator("OUT15")
	if s.Version != 2 || in.Name != "信息平台" || in.Explanation != "新解释" || in.Weight != 2.5 ||
		*in.Measures[1].Target != 10 || in.Measures[0].Target != nil {
		t.Errorf("%+v", in)
	}
	_, err = f.c.UpdateIndicator(f.ctx, gd, d.ID, "OUT15", workflow.IndicatorChange{Weight: pct(3)}, 1)
	domainError(t, err, domain.EPreconditionFailed)

	// Local indicators.
	local := domain.Indicator{Code: "44-L01", Category: domain.CategoryPerformance, Item: "积分管理", Name: "积分落实率",
		Level:    domain.LevelSpec{Lowest: domain.LevelCounty, Highest: domain.LevelNation, AndAbove: true},
		Measures: []domain.Measure{{Numerator: "已落实积分人数", Denominator: "应落实积分人数", Target: pct(80)}}}
	bad := local
	bad.Code, bad.Category, bad.Measures = "45-L01", domain.CategoryIncentive, []domain.Measure{{Code: "x", Direction: "up", Target: pct(120)}}
	bad.Level = domain.LevelSpec{Lowest: domain.LevelProvince, Highest: domain.LevelCounty}
	_, err = f.c.AddIndicator(f.ctx, gd, d.ID, bad, 0)
	want := []string{"body.code", "body.level", "body.measures", "body.measures[0].code", "body.measures[0].denominator",
		"body.measures[0].direction", "body.measures[0].numerator", "body.measures[0].target"}
	if got := locations(domainError(t, err, domain.EInvalid)); !reflect.DeepEqual(got, want) {
		t.Errorf("locations %v\nwant %v", got, want)
	}
	s, err = f.c.AddIndicator(f.ctx, gd, d.ID, local, 0)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := s.Indicator("44-L01")
	if got.Position != 17 || !got.Local || got.Weight != 1 || got.Explanation != "已落实积分人数/应落实积分人数×100%" ||
		got.Measures[0].Code != "44-L01a" || got.Measures[0].Name != "积分落实率" || got.Measures[0].Direction != domain.HigherIsBetter {
		t.Errorf("%+v", got)
	}
	if s.Indicators[17].Code != "OUT17" || s.Indicators[17].Position != 18 {
		t.Errorf("the incentive indicators follow: %+v", s.Indicators[17])
	}
	_, err = f.c.AddIndicator(f.ctx, gd, d.ID, local, 0)
	domainError(t, err, domain.EConflict)

	// Removing: a reason is required; the parent's are kept as removed, a
	// local one is deleted.
	_, err = f.c.RemoveIndicator(f.ctx, gd, d.ID, "OUT05", "  ", 0)
	domainError(t, err, domain.EInvalid)
	if _, err = f.c.RemoveIndicator(f.ctx, gd, d.ID, "OUT05", "本省另有规定", 0); err != nil {
		t.Fatal(err)
	}
	s, err = f.c.RemoveIndicator(f.ctx, gd, d.ID, "44-L01", "试点结束", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Indicators) != 17 || len(s.Removed) != 1 || s.Removed[0].Code != "OUT05" || s.Removed[0].Reason != "本省另有规定" {
		t.Errorf("%d indicators, removed %+v", len(s.Indicators), s.Removed)
	}
	for i, in := range s.Indicators {
		if in.Position != i+1 {
			t.Errorf("%s at %d", in.Code, in.Position)
		}
	}
	_, err = f.c.RemoveIndicator(f.ctx, gd, d.ID, "OUT05", "again", 0)
	domainError(t, err, domain.ENotFound)

	// Every change is audited, with the reasons.
	entries, err := f.s.Read(f.ctx).ListAudit(store.AuditFilter{Entity: "indicator_set"}, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var events []string
	for _, e := range entries {
		events = append(events, e.Event+":"+e.Reason)
	}
	wantEvents := []string{"remove_indicator:试点结束", "remove_indicator:本省另有规定", "add_indicator:", "update_indicator:", "derive:"}
	if !reflect.DeepEqual(events, wantEvents) {
		t.Errorf("audit %v, want %v", events, wantEvents)
	}
	if s.Version != 5 {
		t.Errorf("version %d", s.Version)
	}
}

func TestImportRoundTrip(t *testing.T) {
	f := newFixture(t)
	out := f.national(catalogue.CodeNationalOutflow)
	d := f.derive(gd, out.ID, "44")
	f.targets(gd, d.ID, map[string]*float64{"OUT12a": pct(95), "OUT15b": pct(4.5)})
	if _, err := f.c.UpdateIndicator(f.ctx, gd, d.ID, "OUT02", workflow.IndicatorChange{Name: pct2("部门协作"), Weight: pct(1.5),
		Explanation: pct2("新的解释\n第二行")}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.AddIndicator(f.ctx, gd, d.ID, domain.Indicator{Code: "44-L01", Category: domain.CategoryPerformance,
		Item: "积分管理", ItemEN: "Points", Name: "积分落实率", NameEN: "Points rate",
		Level: domain.LevelSpec{Text: "县(市、区)", Lowest: domain.LevelCounty, Highest: domain.LevelPrefecture},
		Measures: []domain.Measure{{Name: "甲率", NameEN: "A", Numerator: "甲", Denominator: "乙", Target: pct(70)},
			{Name: "丙率", Numerator: "丙", Denominator: "丁", Direction: domain.LowerIsBetter}}}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.AddIndicator(f.ctx, gd, d.ID, domain.Indicator{Code: "44-L02", Category: domain.CategoryGuarantee,
		Item: "地方保障", Name: "专项资金", Explanation: "设立专项资金", Weight: 2,
		Level: domain.LevelSpec{Text: "省级", Lowest: domain.LevelProvince, Highest: domain.LevelProvince}}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := f.c.RemoveIndicator(f.ctx, gd, d.ID, "OUT09", "由卫生部门负责", 0); err != nil {
		t.Fatal(err)
	}
	d = f.get(d.ID)
	var buf bytes.Buffer
	if err := xlsx.Write(&buf, d); err != nil {
		t.Fatal(err)
	}
	sh, err := xlsx.Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	imp, err := f.c.ImportSheet(f.ctx, gd, workflow.Derivation{ParentID: out.ID, RegionCode: "44", Name: "导入"}, sh, "44.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	if imp.ID == d.ID || imp.Code != "44-OUTFLOW-2" || imp.Status != domain.SetDraft || *imp.ParentID != out.ID {
		t.Errorf("%+v", imp)
	}
	if !reflect.DeepEqual(imp.Indicators, d.Indicators) {
		for i := range d.Indicators {
			if !reflect.DeepEqual(imp.Indicators[i], d.Indicators[i]) {
				t.Errorf("indicator %d:\n got %+v\nwant %+v", i, imp.Indicators[i], d.Indicators[i])
			}
		}
	}
	if len(imp.Removed) != 1 || imp.Removed[0].Code != "OUT09" || imp.Removed[0].Reason != "由卫生部门负责" ||
		imp.Removed[0].Name != d.Removed[0].Name {
		t.Errorf("removed %+v", imp.Removed)
	}
	entries, _ := f.s.Read(f.ctx).ListAudit(store.AuditFilter{Entity: "indicator_set"}, 0, 1)
	if len(entries) != 1 || entries[0].Event != "import" || entries[0].Detail["file"] != "44.xlsx" {
		t.Errorf("audit %+v", entries)
	}
	// The national set itself survives the trip too.
	buf.Reset()
	if err := xlsx.Write(&buf, out); err != nil {
		t.Fatal(err)
	}
	sh, _ = xlsx.Read(&buf)
	imp, err = f.c.ImportSheet(f.ctx, admin, workflow.Derivation{ParentID: out.ID, RegionCode: "0", Name: "copy"}, sh, "")
	if err != nil || !reflect.DeepEqual(imp.Indicators, out.Indicators) {
		t.Errorf("national round trip: %v", err)
	}
}

// A sheet that does not fit its parent is refused whole, naming each cell.
func TestImportErrors(t *testing.T) {
	f := newFixture(t)
	in := f.national(catalogue.CodeNationalInflow)
	var buf bytes.Buffer
	if err := xlsx.Write(&buf, in); err != nil {
		t.Fatal(err)
	}
	sh, err := xlsx.Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	rowOf := map[string]xlsx.Indicator{}
	for _, si := range sh.Indicators {
		rowOf[si.Code] = si
	}
	edit := func(code string, fn func(*xlsx.Indicator)) {
		for i := range sh.Indicators {
			if sh.Indicators[i].Code == code {
				fn(&sh.Indicators[i])
			}
		}
	}
	edit("IN01", func(si *xlsx.Indicator) { si.Category = domain.CategoryIncentive; si.Name = "" })
	edit("IN14", func(si *xlsx.Indicator) { si.Measures[0].Target = pct(150); si.Measures[0].Numerator = "改了" })
	edit("IN18", func(si *xlsx.Indicator) {
		si.Measures, si.MeasureRows = si.Measures[:1], si.MeasureRows[:1]
	})
	edit("IN05", func(si *xlsx.Indicator) { si.Code = "99-L01" })
	sh.Indicators = slices.DeleteFunc(sh.Indicators, func(si xlsx.Indicator) bool { return si.Code == "IN07" })
	sh.Removed = []xlsx.Removal{{Code: "IN08", Row: 2}, {Code: "IN99", Row: 3, Reason: "x"}}
	r := func(code string, col string) string { return xlsx.Loc(rowOf[code].Row, col) }
	_, err = f.c.ImportSheet(f.ctx, gd, workflow.Derivation{ParentID: in.ID, RegionCode: "44", Name: "坏表"}, sh, "bad.xlsx")
	de := domainError(t, err, domain.EInvalid)
	want := []string{
		"file", // IN05 and IN07 of the parent are missing
		"file",
		"file." + xlsx.RemovedSheet + ".row[2]." + xlsx.ColReason,
		"file." + xlsx.RemovedSheet + ".row[3]." + xlsx.ColCode,
		r("IN01", xlsx.ColCategory), r("IN01", xlsx.ColName),
		r("IN05", xlsx.ColCode),
		r("IN08", xlsx.ColCode), // listed as removed too
		xlsx.Loc(rowOf["IN14"].MeasureRows[0], xlsx.ColNumerator), xlsx.Loc(rowOf["IN14"].MeasureRows[0], xlsx.ColTarget),
		r("IN18", xlsx.ColMeasure),
	}
	slices.Sort(want)
	if got := locations(de); !reflect.DeepEqual(got, want) {
		t.Errorf("locations\n got %v\nwant %v", got, want)
	}
	sets, _ := f.s.Read(f.ctx).ListIndicatorSets(store.IndicatorSetFilter{}, 0, 100)
	if len(sets) != 2 {
		t.Errorf("a refused import stored a set")
	}
}

func TestPublishEmptySet(t *testing.T) {
	f := newFixture(t)
	in := f.national(catalogue.CodeNationalInflow)
	d := f.derive(gd, in.ID, "44")
	for _, x := range d.Indicators {
		if _, err := f.c.RemoveIndicator(f.ctx, gd, d.ID, x.Code, "不适用", 0); err != nil {
			t.Fatal(err)
		}
	}
	_, err := f.c.Publish(f.ctx, gd, d.ID, 0)
	if got := locations(domainError(t, err, domain.EInvalid)); !reflect.DeepEqual(got, []string{"indicators"}) {
		t.Errorf("%v", got)
	}
	if s := f.get(d.ID); s.Status != domain.SetDraft || len(s.Removed) != 21 {
		t.Errorf("%+v", s)
	}
}
