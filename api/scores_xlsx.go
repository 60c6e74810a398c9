package api

import (
	"bytes"
	"fmt"

	"github.com/xuri/excelize/v2"

	"github.com/ducha/ducha/catalogue/xlsx"
	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/workflow"
)

// Workbooks of scores and rankings. Scores, rates, weights and figures are
// numeric cells holding the full value (a "0.0" format shows one decimal,
// so a spreadsheet sums the real numbers); a score that does not exist
// (pending, not applicable) is an empty cell and the status column says
// why.

const xlsxContentType = xlsx.ContentType

// book writes rows to sheets with a bold, frozen header row.
type book struct {
	f      *excelize.File
	header int
	score  int
	err    error
}

func newBook() *book {
	b := &book{f: excelize.NewFile()}
	b.header, b.err = b.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if b.err == nil {
		b.score, b.err = b.f.NewStyle(&excelize.Style{CustomNumFmt: ptrTo("0.0")})
	}
	return b
}

func ptrTo[T any](v T) *T { return &v }

// sheet adds a sheet with a header; score columns (0-based) get the "0.0" format.
func (b *book) sheet(name string, header []string, widths []float64, scoreCols []int, rows [][]any) {
	if b.err != nil {
		return
	}
	first := b.f.GetSheetName(0)
	if first == "Sheet1" {
		b.err = b.f.SetSheetName(first, name)
	} else {
		_, b.err = b.f.NewSheet(name)
	}
	if b.err != nil {
		return
	}
	sw, err := b.f.NewStreamWriter(name)
	if err != nil {
		b.err = err
		return
	}
	for i, w := range widths {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			b.err = err
			return
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		b.err = err
		return
	}
	cells := make([]any, len(header))
	for i, h := range header {
		cells[i] = excelize.Cell{StyleID: b.header, Value: h}
	}
	if err := sw.SetRow("A1", cells); err != nil {
		b.err = err
		return
	}
	isScore := map[int]bool{}
	for _, c := range scoreCols {
		isScore[c] = true
	}
	for r, row := range rows {
		out := make([]any, len(row))
		for i, v := range row {
			if isScore[i] && v != nil {
				out[i] = excelize.Cell{StyleID: b.score, Value: v}
			} else {
				out[i] = v
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, r+2)
		if err := sw.SetRow(cell, out); err != nil {
			b.err = err
			return
		}
	}
	b.err = sw.Flush()
}

func (b *book) bytes() ([]byte, error) {
	if b.err != nil {
		return nil, fmt.Errorf("xlsx: %w", b.err)
	}
	var buf bytes.Buffer
	if err := b.f.Write(&buf); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	return buf.Bytes(), nil
}

// scored is a score's cell: the number, or nothing when it has none.
func scored(st domain.ScoreStatus, x float64) any {
	if st != domain.StatusScored {
		return nil
	}
	return x
}

func figure(f *domain.Figures) (any, any) {
	if f == nil {
		return nil, nil
	}
	return f.Numerator, f.Denominator
}

var (
	totalHeader = []string{"region_code", "part", "category", "weight", "score", "status", "provisional", "incomplete", "formula"}
	indHeader   = []string{"region_code", "set", "indicator", "category", "weight", "quantitative", "rating", "score",
		"status", "provisional", "vetoed", "formula"}
	measHeader = []string{"region_code", "set", "indicator", "measure", "direction", "target", "self_reported_numerator",
		"self_reported_denominator", "verified_numerator", "verified_denominator", "source", "rate", "score", "status",
		"provisional", "rate_formula", "formula"}
)

// totalRows, indicatorRows and measureRows flatten a total for the sheets.
func totalRows(t *domain.Total) (tot, inds, meas [][]any) {
	tot = append(tot, []any{t.RegionCode, "total", "", nil, scored(t.Status, t.Score), string(t.Status), t.Provisional,
		t.Incomplete, t.Formula})
	for _, s := range []*domain.SetScore{&t.Inflow, &t.Outflow} {
		w := t.Weights.Inflow
		if s.Kind == domain.KindOutflow {
			w = t.Weights.Outflow
		}
		set := string(s.Kind)
		tot = append(tot, []any{t.RegionCode, set, "", w, scored(s.Status, s.Score), string(s.Status), s.Provisional,
			s.Incomplete, s.Formula})
		for _, c := range s.Categories {
			tot = append(tot, []any{t.RegionCode, set, string(c.Category), c.WeightSum, scored(c.Status, c.Score),
				string(c.Status), c.Provisional, c.Incomplete, c.Formula})
		}
		for _, p := range []struct {
			name string
			m    *domain.MeanScore
		}{{"process", &s.Process}, {"outcome", &s.Outcome}} {
			tot = append(tot, []any{t.RegionCode, set, p.name, p.m.WeightSum, scored(p.m.Status, p.m.Score),
				string(p.m.Status), p.m.Provisional, p.m.Incomplete, p.m.Formula})
		}
		for _, ind := range s.Indicators {
			vetoed := ind.Veto != nil && ind.Veto.Vetoed
			inds = append(inds, []any{t.RegionCode, set, ind.Code, string(ind.Category), ind.Weight, ind.Quantitative,
				string(ind.Rating), scored(ind.Status, ind.Score), string(ind.Status), ind.Provisional, vetoed, ind.Formula})
			for _, m := range ind.Measures {
				sn, sd := figure(m.SelfReported)
				vn, vd := figure(m.Verified)
				var target any
				if m.Target != nil {
					target = *m.Target
				}
				var rate any
				if m.Status == domain.StatusScored {
					rate = m.Rate
				}
				meas = append(meas, []any{t.RegionCode, set, ind.Code, m.Code, string(m.Direction), target, sn, sd, vn, vd,
					string(m.Source), rate, scored(m.Status, m.Score), string(m.Status), m.Provisional, m.RateFormula, m.Formula})
			}
		}
	}
	return tot, inds, meas
}

func scoreXLSX(sc workflow.InspectionScore) ([]byte, error) {
	tot, inds, meas := totalRows(&sc.Total)
	b := newBook()
	b.sheet("total", totalHeader, []float64{12, 10, 14, 8, 10, 14, 11, 11, 70}, []int{4}, tot)
	b.sheet("indicators", indHeader, []float64{12, 8, 10, 13, 8, 12, 12, 10, 14, 11, 8, 70}, []int{7}, inds)
	b.sheet("measures", measHeader, []float64{12, 8, 10, 10, 16, 8, 12, 12, 12, 12, 13, 10, 10, 14, 11, 30, 50},
		[]int{11, 12}, meas)
	return b.bytes()
}

func rankingXLSX(r workflow.BatchRanking) ([]byte, error) {
	var lines, tot, inds, meas [][]any
	for _, l := range r.Lines {
		var rank any
		if l.Rank > 0 {
			rank = l.Rank
		}
		lines = append(lines, []any{rank, l.RegionCode, l.RegionName, scored(l.Status, l.Score),
			scored(l.InflowStatus, l.Inflow), scored(l.OutflowStatus, l.Outflow), string(l.Status), l.Provisional,
			l.Incomplete, l.Vetoed, l.InspectionID, string(l.State)})
	}
	for i := range r.Totals {
		t, in, m := totalRows(&r.Totals[i])
		tot, inds, meas = append(tot, t...), append(inds, in...), append(meas, m...)
	}
	b := newBook()
	b.sheet("ranking", []string{"rank", "region_code", "region_name", "total", "inflow", "outflow", "status",
		"provisional", "incomplete", "vetoed", "inspection_id", "inspection_state"},
		[]float64{6, 12, 18, 10, 10, 10, 14, 11, 11, 8, 13, 22}, []int{3, 4, 5}, lines)
	b.sheet("totals", totalHeader, []float64{12, 10, 14, 8, 10, 14, 11, 11, 70}, []int{4}, tot)
	b.sheet("indicators", indHeader, []float64{12, 8, 10, 13, 8, 12, 12, 10, 14, 11, 8, 70}, []int{7}, inds)
	b.sheet("measures", measHeader, []float64{12, 8, 10, 10, 16, 8, 12, 12, 12, 12, 13, 10, 10, 14, 11, 30, 50},
		[]int{11, 12}, meas)
	return b.bytes()
}
