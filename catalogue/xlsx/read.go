package xlsx

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/ducha/ducha/domain"
)

// Sheet is a workbook read back: indicators in sheet order and the removed
// indicators, each with the rows it came from so that later checks can
// name the offending cell.
type Sheet struct {
	Indicators []Indicator
	Removed    []Removal
}

// Indicator is one indicator of the sheet. Position is its 1-based order in
// the sheet; Weight defaults to 1; Local is left false (whether it is local
// is decided against the parent set).
type Indicator struct {
	domain.Indicator
	Row         int   // the sheet row of the indicator (its first row)
	MeasureRows []int // the sheet row of each measure
}

// Removal is one row of the removed-indicators sheet.
type Removal struct {
	Code   string
	Name   string
	Reason string
	Row    int
}

// Read parses a workbook. A file that is not a workbook, or cells that
// cannot be read (an unknown category, a weight that is not a number, …)
// give one EInvalid error naming every offending cell. What the cells mean
// for a set (codes, targets against the parent) is the caller's to check.
func Read(r io.Reader) (Sheet, error) {
	f, err := excelize.OpenReader(r, excelize.Options{RawCellValue: true,
		UnzipSizeLimit: maxUnzipped, UnzipXMLSizeLimit: maxUnzipped})
	if err != nil {
		var v domain.Validation
		v.Add("file", "not an .xlsx workbook")
		return Sheet{}, v.Err()
	}
	defer f.Close()
	sheets := f.GetSheetList()
	var v domain.Validation
	grid, err := readGrid(f, sheets[0])
	if err != nil {
		v.Add("file", "cannot read the sheet %q", sheets[0])
		return Sheet{}, v.Err()
	}
	if len(grid) > MaxRows {
		v.Add("file", "has %d rows; at most %d are read", len(grid), MaxRows)
		return Sheet{}, v.Err()
	}
	var out Sheet
	out.Indicators = readIndicators(&v, grid)
	for _, name := range sheets[1:] {
		if name != RemovedSheet {
			continue
		}
		g, err := readGrid(f, name)
		if err != nil || len(g) > MaxRows {
			v.Add("file", "cannot read the sheet %q", name)
			break
		}
		out.Removed = readRemoved(&v, g)
	}
	return out, v.Err()
}

// grid is a sheet's cells as text, merged cells filled in.
type grid [][]string

func (g grid) cell(r, c int) string {
	if r < 0 || r >= len(g) || c < 0 || c >= len(g[r]) {
		return ""
	}
	return strings.TrimSpace(g[r][c])
}

func readGrid(f *excelize.File, sheet string) (grid, error) {
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, err
	}
	if len(rows) > MaxRows {
		return rows, nil
	}
	merges, err := f.GetMergeCells(sheet, true)
	if err != nil {
		return nil, err
	}
	for _, m := range merges {
		c1, r1, err1 := excelize.CellNameToCoordinates(m.GetStartAxis())
		c2, r2, err2 := excelize.CellNameToCoordinates(m.GetEndAxis())
		if err := errors.Join(err1, err2); err != nil || r2 > MaxRows || c2 > 64 {
			continue
		}
		val := grid(rows).cell(r1-1, c1-1)
		for r := r1; r <= r2; r++ {
			for len(rows) < r {
				rows = append(rows, nil)
			}
			for c := c1; c <= c2; c++ {
				for len(rows[r-1]) < c {
					rows[r-1] = append(rows[r-1], "")
				}
				rows[r-1][c-1] = val
			}
		}
	}
	return rows, nil
}

// header finds the header row among the first ten and maps column names to
// indexes; it returns -1 when there is none.
func (g grid) header(must ...string) (int, map[string]int) {
	for r := 0; r < min(10, len(g)); r++ {
		cols := map[string]int{}
		for c := range g[r] {
			if h := g.cell(r, c); h != "" {
				if _, dup := cols[h]; !dup {
					cols[h] = c
				}
			}
		}
		ok := true
		for _, m := range must {
			if _, has := cols[m]; !has {
				ok = false
			}
		}
		if ok {
			return r, cols
		}
	}
	return -1, nil
}

func readIndicators(v *domain.Validation, g grid) []Indicator {
	hr, cols := g.header(ColCode, ColName)
	if hr < 0 {
		v.Add("file", "no header row holding %s and %s in the first ten rows of the first sheet", ColCode, ColName)
		return nil
	}
	for _, c := range []string{ColCategory, ColItem, ColExplanation, ColLevel} {
		if _, ok := cols[c]; !ok {
			v.Add(fmt.Sprintf("file.row[%d]", hr+1), "no column %s", c)
		}
	}
	get := func(r int, name string) string {
		c, ok := cols[name]
		if !ok {
			return ""
		}
		return g.cell(r, c)
	}
	var out []Indicator
	seen := map[string]int{} // code → sheet row
	for r := hr + 1; r < len(g); r++ {
		row := r + 1 // as the spreadsheet numbers it
		empty := true
		for _, c := range g[r] {
			if strings.TrimSpace(c) != "" {
				empty = false
				break
			}
		}
		if empty {
			continue
		}
		code := get(r, ColCode)
		hasMeasure := get(r, ColMeasure) != "" || get(r, ColNumerator) != "" || get(r, ColDenominator) != ""
		n := len(out)
		if code == "" && hasMeasure && n > 0 && len(out[n-1].Measures) > 0 {
			code = out[n-1].Code // a measure row left blank rather than merged
		}
		if code == "" {
			v.Add(Loc(row, ColCode), "required")
			continue
		}
		if n > 0 && out[n-1].Code == code && seen[code] == out[n-1].Row {
			// A further row of the same indicator: one more measure.
			in := &out[n-1]
			if !hasMeasure || len(in.Measures) == 0 {
				v.AddValue(Loc(row, ColCode), code, "repeats the indicator of row %d; only a quantitative indicator spans rows, one per measure", in.Row)
				continue
			}
			in.Measures = append(in.Measures, readMeasure(v, row, get))
			in.MeasureRows = append(in.MeasureRows, row)
			continue
		}
		if first, dup := seen[code]; dup {
			v.AddValue(Loc(row, ColCode), code, "appears again (first in row %d)", first)
			continue
		}
		seen[code] = row
		in := Indicator{Row: row, Indicator: domain.Indicator{Code: code, Item: get(r, ColItem),
			ItemEN: get(r, ColItemEN), Name: get(r, ColName), NameEN: get(r, ColNameEN),
			Explanation: get(r, ColExplanation), Position: n + 1, Weight: 1}}
		// As in the notice, 类别 and 项目 written once apply to the rows below
		// until the next value, merged or not.
		if n > 0 && in.Item == "" && get(r, ColCategory) == "" {
			in.Item, in.ItemEN = out[n-1].Item, out[n-1].ItemEN
		}
		catText := get(r, ColCategory)
		if catText == "" && n > 0 {
			catText = string(out[n-1].Category)
		}
		if cat, ok := domain.CategoryFromChinese(catText); ok {
			in.Category = cat
		} else if domain.Category(catText).Valid() {
			in.Category = domain.Category(catText)
		} else {
			v.AddValue(Loc(row, ColCategory), catText, "must be one of 保障指标, 管理指标, 服务指标, 绩效指标, 激励指标")
		}
		if w := get(r, ColWeight); w != "" {
			if x, ok := number(w); ok {
				in.Weight = x
			} else {
				v.AddValue(Loc(row, ColWeight), w, "must be a number")
			}
		}
		levelText := get(r, ColLevel)
		if rng := get(r, ColLevelRange); rng != "" {
			if l, ok := ParseRange(rng); ok {
				l.Text = levelText
				in.Level = l
			} else {
				v.AddValue(Loc(row, ColLevelRange), rng, "must be a level (nation, province, prefecture, county, township, village) with + for \"and above\", or two levels highest first, e.g. county+, province, township-village")
			}
		} else if levelText != "" {
			if l, ok := LevelFromText(levelText); ok {
				in.Level = l
			} else {
				v.AddValue(Loc(row, ColLevel), levelText, "names no level; fill %s (e.g. county+)", ColLevelRange)
			}
		} else if in.Category == domain.CategoryPerformance {
			// The notice gives the performance rows no level (DOMAIN.md §3).
			in.Level = domain.LevelSpec{Lowest: domain.LevelCounty, Highest: domain.LevelNation, AndAbove: true}
		} else {
			v.Add(Loc(row, ColLevel), "required")
		}
		if hasMeasure {
			in.Measures = []domain.Measure{readMeasure(v, row, get)}
			in.MeasureRows = []int{row}
		}
		out = append(out, in)
	}
	return out
}

func readMeasure(v *domain.Validation, row int, get func(int, string) string) domain.Measure {
	r := row - 1
	m := domain.Measure{Code: get(r, ColMeasure), Name: get(r, ColMeasureName), NameEN: get(r, ColMeasureNameEN),
		Numerator: get(r, ColNumerator), Denominator: get(r, ColDenominator), Direction: domain.HigherIsBetter}
	switch d := get(r, ColDirection); d {
	case "", HigherIsBetter, string(domain.HigherIsBetter):
	case LowerIsBetter, string(domain.LowerIsBetter):
		m.Direction = domain.LowerIsBetter
	default:
		v.AddValue(Loc(row, ColDirection), d, "must be %s or %s", HigherIsBetter, LowerIsBetter)
	}
	if t := get(r, ColTarget); t != "" {
		if x, ok := number(strings.TrimSuffix(t, "%")); ok {
			m.Target = &x
		} else {
			v.AddValue(Loc(row, ColTarget), t, "must be a number (a percentage)")
		}
	}
	return m
}

func number(s string) (float64, bool) {
	x, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return x, err == nil && !math.IsNaN(x) && !math.IsInf(x, 0)
}

func readRemoved(v *domain.Validation, g grid) []Removal {
	hr, cols := g.header(ColCode, ColReason)
	if hr < 0 {
		v.Add("file."+RemovedSheet, "no header row holding %s and %s", ColCode, ColReason)
		return nil
	}
	get := func(r int, name string) string {
		c, ok := cols[name]
		if !ok {
			return ""
		}
		return g.cell(r, c)
	}
	var out []Removal
	for r := hr + 1; r < len(g); r++ {
		rm := Removal{Code: get(r, ColCode), Name: get(r, ColName), Reason: get(r, ColReason), Row: r + 1}
		if rm.Code == "" && rm.Name == "" && rm.Reason == "" {
			continue
		}
		if rm.Code == "" {
			v.Add(RemovedLoc(rm.Row, ColCode), "required")
			continue
		}
		out = append(out, rm)
	}
	return out
}
