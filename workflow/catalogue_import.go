package workflow

import (
	"context"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/ducha/ducha/catalogue/xlsx"
	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/store"
)

// Import derives a draft from a published set, as Derive does, with the
// content of a workbook in the notice's layout (package catalogue/xlsx),
// usually one exported from another set and edited:
//
//   - a row whose code is one of the parent's indicators keeps the parent's
//     category, item, level wording and measures; its name, explanation,
//     weight and targets are taken from the sheet (empty English labels
//     are the parent's);
//   - any other row is a local indicator, checked as AddIndicator checks one;
//   - a parent's indicator missing from the sheet must be listed, with a
//     reason, on the sheet 删除的指标, and is removed.
//
// The workbook is read only once the actor may derive for the region.
// Nothing is stored unless the whole sheet is right; otherwise one EInvalid
// error names every offending cell (file.row[7].指标名称).
func (c *Catalogue) Import(ctx context.Context, actor domain.Actor, d Derivation, workbook io.Reader, filename string) (domain.IndicatorSet, error) {
	if err := c.checkImport(ctx, actor, &d); err != nil {
		return domain.IndicatorSet{}, err
	}
	sh, err := xlsx.Read(workbook)
	if err != nil {
		return domain.IndicatorSet{}, err
	}
	return c.importSheet(ctx, actor, d, sh, filename)
}

// ImportSheet is Import of a workbook already read.
func (c *Catalogue) ImportSheet(ctx context.Context, actor domain.Actor, d Derivation, sh xlsx.Sheet, filename string) (domain.IndicatorSet, error) {
	if err := c.checkImport(ctx, actor, &d); err != nil {
		return domain.IndicatorSet{}, err
	}
	return c.importSheet(ctx, actor, d, sh, filename)
}

func (c *Catalogue) checkImport(ctx context.Context, actor domain.Actor, d *Derivation) error {
	var v domain.Validation
	if err := c.checkDerivation(ctx, &v, d, func(f string) string { return "body." + f }); err != nil {
		return err
	}
	if err := v.Err(); err != nil {
		return err
	}
	return c.Authz.Check(actor, "catalogue", "write", d.RegionCode)
}

func (c *Catalogue) importSheet(ctx context.Context, actor domain.Actor, d Derivation, sh xlsx.Sheet, filename string) (domain.IndicatorSet, error) {
	now := c.now()
	var out domain.IndicatorSet
	err := c.Store.Tx(ctx, func(tx *store.Tx) error {
		var v domain.Validation
		parent, ok, err := parentFor(tx, actor, &v, d, func(f string) string { return "body." + f })
		if err != nil || !ok {
			return firstErr(err, v)
		}
		draft := newDraft(parent, d, now)
		draft.Indicators, draft.Removed = fromSheet(&v, parent, d.RegionCode, sh, now)
		if err := v.Err(); err != nil {
			return err
		}
		out, err = c.create(ctx, tx, actor, draft, now, "import", map[string]any{"parent_id": parent.ID,
			"parent_code": parent.Code, "file": filename, "indicators": len(draft.Indicators), "removed": len(draft.Removed)})
		return err
	})
	return out, err
}

// sheetLocator names the cells of one sheet indicator.
func sheetLocator(si xlsx.Indicator) locator {
	cols := map[string]string{"code": xlsx.ColCode, "category": xlsx.ColCategory, "item": xlsx.ColItem,
		"item_en": xlsx.ColItemEN, "name": xlsx.ColName, "name_en": xlsx.ColNameEN, "explanation": xlsx.ColExplanation,
		"level": xlsx.ColLevel, "weight": xlsx.ColWeight, "measures": xlsx.ColMeasure}
	mcols := map[string]string{"code": xlsx.ColMeasure, "name": xlsx.ColMeasureName, "name_en": xlsx.ColMeasureNameEN,
		"numerator": xlsx.ColNumerator, "denominator": xlsx.ColDenominator, "direction": xlsx.ColDirection,
		"target": xlsx.ColTarget}
	return func(field string, measure int) string {
		if measure < 0 || measure >= len(si.MeasureRows) {
			return xlsx.Loc(si.Row, cols[field])
		}
		return xlsx.Loc(si.MeasureRows[measure], mcols[field])
	}
}

// fromSheet turns a sheet into the indicators and removals of a set
// derived from parent, adding what is wrong to v.
func fromSheet(v *domain.Validation, parent domain.IndicatorSet, region string, sh xlsx.Sheet, now time.Time) ([]domain.Indicator, []domain.RemovedIndicator) {
	removed := map[string]bool{}
	var rms []domain.RemovedIndicator
	for _, rm := range sh.Removed {
		p, ok := parent.Indicator(rm.Code)
		switch {
		case !ok:
			v.AddValue(xlsx.RemovedLoc(rm.Row, xlsx.ColCode), rm.Code, "not an indicator of the parent set %s", parent.Code)
			continue
		case removed[rm.Code]:
			v.AddValue(xlsx.RemovedLoc(rm.Row, xlsx.ColCode), rm.Code, "listed twice")
			continue
		}
		removed[rm.Code] = true
		reason := strings.TrimSpace(rm.Reason)
		checkText(v, xlsx.RemovedLoc(rm.Row, xlsx.ColReason), reason, 1000, true)
		rms = append(rms, domain.RemovedIndicator{Code: rm.Code, Name: p.Name, Reason: reason, RemovedAt: now})
	}
	var ins []domain.Indicator
	inSheet := map[string]bool{}
	for _, si := range sh.Indicators {
		loc := sheetLocator(si)
		inSheet[si.Code] = true
		if removed[si.Code] {
			v.AddValue(loc("code", -1), si.Code, "is also listed on sheet %s as removed", xlsx.RemovedSheet)
			continue
		}
		var in domain.Indicator
		if p, ok := parent.Indicator(si.Code); ok {
			in = inherited(v, loc, p, si)
		} else {
			in = si.Indicator
			checkLocal(v, loc, region, &in)
			in.Local = true
		}
		in.Position = len(ins) + 1
		ins = append(ins, in)
	}
	for _, p := range parent.Indicators {
		if !inSheet[p.Code] && !removed[p.Code] {
			v.AddValue("file", p.Code, "indicator %s (%s) of the parent set %s is missing; to drop it, list it with a reason on sheet %s",
				p.Code, p.Name, parent.Code, xlsx.RemovedSheet)
		}
	}
	return ins, rms
}

// inherited applies a sheet row to the parent's indicator p: what a derived
// set may change is taken, anything else must be as in the parent.
func inherited(v *domain.Validation, loc locator, p domain.Indicator, si xlsx.Indicator) domain.Indicator {
	keep := "a derived set keeps the parent's category, item, level and measures; only name, explanation, weight and targets change"
	differs := func(where string, got, want any) {
		v.AddValue(where, got, "differs from the parent set's %v; %s", want, keep)
	}
	if si.Category != p.Category {
		differs(loc("category", -1), si.Category.Chinese(), p.Category.Chinese())
	}
	if si.Item != p.Item {
		differs(loc("item", -1), si.Item, p.Item)
	}
	if si.ItemEN != "" && si.ItemEN != p.ItemEN {
		differs(loc("item_en", -1), si.ItemEN, p.ItemEN)
	}
	if si.NameEN != "" && si.NameEN != p.NameEN {
		differs(loc("name_en", -1), si.NameEN, p.NameEN)
	}
	if si.Level.Text != p.Level.Text {
		differs(loc("level", -1), si.Level.Text, p.Level.Text)
	}
	in := p
	in.Measures = slices.Clone(p.Measures)
	in.Name = strings.TrimSpace(si.Name)
	in.Explanation = strings.TrimSpace(si.Explanation)
	in.Weight = si.Weight
	checkText(v, loc("name", -1), in.Name, 255, true)
	checkText(v, loc("explanation", -1), in.Explanation, 4000, true)
	checkWeight(v, loc("weight", -1), in.Weight)
	if len(si.Measures) != len(p.Measures) {
		v.AddValue(loc("measures", -1), len(si.Measures), "the parent's indicator %s has %d measure(s): %s; %s",
			p.Code, len(p.Measures), measureCodes(p), keep)
		return in
	}
	for i, sm := range si.Measures {
		pm := p.Measures[i]
		if sm.Code != pm.Code {
			differs(loc("code", i), sm.Code, pm.Code)
		}
		if sm.Name != "" && sm.Name != pm.Name {
			differs(loc("name", i), sm.Name, pm.Name)
		}
		if sm.NameEN != "" && sm.NameEN != pm.NameEN {
			differs(loc("name_en", i), sm.NameEN, pm.NameEN)
		}
		if sm.Numerator != pm.Numerator {
			differs(loc("numerator", i), sm.Numerator, pm.Numerator)
		}
		if sm.Denominator != pm.Denominator {
			differs(loc("denominator", i), sm.Denominator, pm.Denominator)
		}
		if sm.Direction != pm.Direction {
			differs(loc("direction", i), sm.Direction, pm.Direction)
		}
		in.Measures[i].Target = nil
		if sm.Target != nil {
			t := *sm.Target
			checkTarget(v, loc("target", i), t)
			in.Measures[i].Target = &t
		}
	}
	return in
}
