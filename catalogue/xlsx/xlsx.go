// Package xlsx writes an indicator set as an .xlsx workbook in the notice's
// own table layout and reads such a workbook back, so that a province can
// edit its derived set in a spreadsheet.
//
// The first sheet holds the indicators. Above the table are a title row (the
// set's name) and a line naming the set; both are ignored on import, which
// looks for the header row (the first row holding 编码 and 指标名称) among
// the first ten rows and maps columns by their header, so columns may come
// in any order. The columns are the notice's 类别, 项目, 指标名称, 指标解释,
// 考评层级, plus:
//
//	编码          indicator code: IN01…, OUT01…, or a local code such as 44-L01
//	层级范围      the level's machine form: "county+" (county and above),
//	              "province" (one level), "township-village" (a range,
//	              highest first); when empty it is read from 考评层级's wording
//	权重          weight (empty: 1)
//	测量编码, 测量名称, 分子, 分母, 方向 (越高越好 / 越低越好), 目标值(%)
//	              one row per measure of a quantitative indicator
//	项目(英文), 指标名称(英文), 测量名称(英文)   our English labels
//
// As in the notice, a cell may span rows (merged cells): 类别 spans its
// category, 项目 its item, and the indicator's own cells span its measure
// rows. On import a merged cell's value applies to every row it spans.
//
// A second sheet, 删除的指标, lists the parent's indicators that a derived
// set removed: 编码, 指标名称, 删除原因.
//
// Errors name the cell: "file.row[7].指标名称" is row 7 (as the spreadsheet
// numbers it) in column 指标名称.
package xlsx

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/ducha/ducha/domain"
)

// ContentType is the media type of an .xlsx workbook.
const ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// Column headers.
const (
	ColCategory      = "类别"
	ColItem          = "项目"
	ColCode          = "编码"
	ColName          = "指标名称"
	ColExplanation   = "指标解释"
	ColLevel         = "考评层级"
	ColLevelRange    = "层级范围"
	ColWeight        = "权重"
	ColMeasure       = "测量编码"
	ColMeasureName   = "测量名称"
	ColNumerator     = "分子"
	ColDenominator   = "分母"
	ColDirection     = "方向"
	ColTarget        = "目标值(%)"
	ColItemEN        = "项目(英文)"
	ColNameEN        = "指标名称(英文)"
	ColMeasureNameEN = "测量名称(英文)"

	ColReason = "删除原因"
)

// columns is the order Write uses.
var columns = []string{ColCategory, ColItem, ColCode, ColName, ColExplanation, ColLevel, ColLevelRange, ColWeight,
	ColMeasure, ColMeasureName, ColNumerator, ColDenominator, ColDirection, ColTarget,
	ColItemEN, ColNameEN, ColMeasureNameEN}

// RemovedSheet is the name of the sheet of removed indicators.
const RemovedSheet = "删除的指标"

var removedColumns = []string{ColCode, ColName, ColReason}

// Direction wording in the sheet.
const (
	HigherIsBetter = "越高越好"
	LowerIsBetter  = "越低越好"
)

// Limits on what Read accepts.
const (
	MaxRows     = 2000
	maxUnzipped = 32 << 20
)

// Loc names a cell of the indicator sheet in an error: file.row[7].指标名称.
func Loc(row int, column string) string { return fmt.Sprintf("file.row[%d].%s", row, column) }

// RemovedLoc names a cell of the removed-indicators sheet.
func RemovedLoc(row int, column string) string {
	return fmt.Sprintf("file.%s.row[%d].%s", RemovedSheet, row, column)
}

// FormatRange gives a level's machine form: "county+", "province",
// "township-village".
func FormatRange(l domain.LevelSpec) string {
	switch {
	case l.AndAbove && l.Highest == domain.LevelNation:
		return l.Lowest.String() + "+"
	case l.Highest == l.Lowest:
		return l.Lowest.String()
	}
	return l.Highest.String() + "-" + l.Lowest.String()
}

// ParseRange reads FormatRange's output (Text stays empty).
func ParseRange(s string) (domain.LevelSpec, bool) {
	s = strings.TrimSpace(s)
	if low, ok := strings.CutSuffix(s, "+"); ok {
		lv, ok := domain.ParseLevel(low)
		return domain.LevelSpec{Lowest: lv, Highest: domain.LevelNation, AndAbove: true}, ok
	}
	if hi, low, ok := strings.Cut(s, "-"); ok {
		h, ok1 := domain.ParseLevel(hi)
		l, ok2 := domain.ParseLevel(low)
		return domain.LevelSpec{Lowest: l, Highest: h}, ok1 && ok2 && h <= l
	}
	lv, ok := domain.ParseLevel(s)
	return domain.LevelSpec{Lowest: lv, Highest: lv}, ok
}

// levelWords maps level wording to levels; a word is taken out of the text
// once read, so the longer ones come first (社区 is a village, not 区, a
// county; 地区 a prefecture).
var levelWords = []struct {
	word  string
	level domain.Level
}{
	{"社区", domain.LevelVillage}, {"村", domain.LevelVillage}, {"居", domain.LevelVillage},
	{"街道", domain.LevelTownship}, {"乡", domain.LevelTownship}, {"镇", domain.LevelTownship},
	{"地区", domain.LevelPrefecture}, {"地市", domain.LevelPrefecture}, {"地级", domain.LevelPrefecture},
	{"自治州", domain.LevelPrefecture}, {"州", domain.LevelPrefecture}, {"盟", domain.LevelPrefecture},
	{"县", domain.LevelCounty}, {"区", domain.LevelCounty}, {"旗", domain.LevelCounty},
	{"市", domain.LevelPrefecture},
	{"省", domain.LevelProvince}, {"全国", domain.LevelNation}, {"国家", domain.LevelNation},
}

// LevelFromText reads the notice's wording of an assessment level
// (考评层级) into its machine form, by the rules of the catalogue package:
// parenthesised alternatives name the same level ("县(市、区)" is the
// county), "X以上" is X up to the nation, "A、B" is the range from A to B.
// It reports false when the text names no level.
func LevelFromText(text string) (domain.LevelSpec, bool) {
	t := stripParens(text)
	seen := map[domain.Level]bool{}
	for _, w := range levelWords {
		if strings.Contains(t, w.word) {
			seen[w.level] = true
			t = strings.ReplaceAll(t, w.word, "")
		}
	}
	if len(seen) == 0 {
		return domain.LevelSpec{}, false
	}
	hi, lo := domain.LevelVillage, domain.LevelNation
	for lv := range seen {
		hi, lo = min(hi, lv), max(lo, lv)
	}
	spec := domain.LevelSpec{Text: text, Lowest: lo, Highest: hi}
	if strings.Contains(text, "以上") {
		spec.Highest, spec.AndAbove = domain.LevelNation, true
	}
	return spec, true
}

func stripParens(s string) string {
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch r {
		case '(', '（':
			depth++
		case ')', '）':
			if depth > 0 {
				depth--
			}
		default:
			if depth == 0 {
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

// Write renders the set as a workbook.
func Write(w io.Writer, s domain.IndicatorSet) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := "流入地"
	if s.Kind == domain.KindOutflow {
		sheet = "流出地"
	}
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	at := s.CreatedAt
	if s.PublishedAt != nil {
		at = *s.PublishedAt
	}
	// Fixed properties: the same published set always gives the same workbook.
	if err := f.SetDocProps(&excelize.DocProperties{Title: s.Name, Subject: s.Code, Creator: "ducha",
		Created: at.UTC().Format(time.RFC3339), Modified: at.UTC().Format(time.RFC3339)}); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	wr := &writer{f: f, sheet: sheet}
	if err := wr.styles(); err != nil {
		return err
	}
	last := colName(len(columns))
	wr.set("A1", s.Name)
	wr.merge("A1", last+"1")
	wr.style("A1", "A1", wr.title)
	wr.set("A2", fmt.Sprintf("编码 %s · 地区 %s · 状态 %s · 版本 %d", s.Code, s.RegionCode, s.Status, s.Version))
	wr.merge("A2", last+"2")
	for i, c := range columns {
		wr.set(fmt.Sprintf("%s3", colName(i+1)), c)
	}
	wr.style("A3", last+"3", wr.header)
	col := map[string]string{}
	for i, c := range columns {
		col[c] = colName(i + 1)
	}
	row := 4
	first := row
	catStart, itemStart := row, row
	for i, in := range s.Indicators {
		n := max(1, len(in.Measures))
		top, bottom := row, row+n-1
		cell := func(c string, r int) string { return fmt.Sprintf("%s%d", col[c], r) }
		// A merged cell keeps the value of its top-left cell only.
		newCategory := i == 0 || s.Indicators[i-1].Category != in.Category
		if newCategory {
			wr.set(cell(ColCategory, top), in.Category.Chinese())
		}
		if newCategory || !sameItem(s.Indicators[i-1], in) {
			wr.set(cell(ColItem, top), in.Item)
			wr.set(cell(ColItemEN, top), in.ItemEN)
		}
		for _, c := range []struct {
			name string
			v    any
		}{{ColCode, in.Code}, {ColName, in.Name}, {ColExplanation, in.Explanation}, {ColLevel, in.Level.Text},
			{ColLevelRange, FormatRange(in.Level)}, {ColWeight, in.Weight}, {ColNameEN, in.NameEN}} {
			wr.set(cell(c.name, top), c.v)
			if n > 1 {
				wr.merge(cell(c.name, top), cell(c.name, bottom))
			}
		}
		for j, m := range in.Measures {
			r := top + j
			wr.set(cell(ColMeasure, r), m.Code)
			wr.set(cell(ColMeasureName, r), m.Name)
			wr.set(cell(ColMeasureNameEN, r), m.NameEN)
			wr.set(cell(ColNumerator, r), m.Numerator)
			wr.set(cell(ColDenominator, r), m.Denominator)
			wr.set(cell(ColDirection, r), directionText(m.Direction))
			if m.Target != nil {
				wr.set(cell(ColTarget, r), *m.Target)
			}
		}
		row = bottom + 1
		next := i + 1
		if next == len(s.Indicators) || s.Indicators[next].Category != in.Category {
			wr.mergeCol(col[ColCategory], catStart, bottom)
			catStart = row
		}
		if next == len(s.Indicators) || s.Indicators[next].Category != in.Category || !sameItem(s.Indicators[next], in) {
			wr.mergeCol(col[ColItem], itemStart, bottom)
			wr.mergeCol(col[ColItemEN], itemStart, bottom)
			itemStart = row
		}
	}
	if row > first {
		wr.style("A"+strconv.Itoa(first), fmt.Sprintf("%s%d", last, row-1), wr.body)
	}
	for i, c := range columns {
		width := 12.0
		switch c {
		case ColExplanation, ColNumerator, ColDenominator:
			width = 40
		case ColName, ColNameEN, ColItemEN, ColMeasureName, ColMeasureNameEN:
			width = 24
		}
		if err := f.SetColWidth(sheet, colName(i+1), colName(i+1), width); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
	}
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 3, TopLeftCell: "A4", ActivePane: "bottomLeft"}); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	if len(s.Removed) > 0 {
		if _, err := f.NewSheet(RemovedSheet); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
		rw := &writer{f: f, sheet: RemovedSheet, err: wr.err}
		for i, c := range removedColumns {
			rw.set(fmt.Sprintf("%s1", colName(i+1)), c)
		}
		rw.style("A1", "C1", wr.header)
		for i, rm := range s.Removed {
			rw.set(fmt.Sprintf("A%d", i+2), rm.Code)
			rw.set(fmt.Sprintf("B%d", i+2), rm.Name)
			rw.set(fmt.Sprintf("C%d", i+2), rm.Reason)
		}
		if err := f.SetColWidth(RemovedSheet, "B", "C", 40); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
		wr.err = rw.err
	}
	if wr.err != nil {
		return fmt.Errorf("xlsx: %w", wr.err)
	}
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("xlsx: write: %w", err)
	}
	return nil
}

func sameItem(a, b domain.Indicator) bool { return a.Item == b.Item && a.ItemEN == b.ItemEN }

func directionText(d domain.Direction) string {
	if d == domain.LowerIsBetter {
		return LowerIsBetter
	}
	return HigherIsBetter
}

func colName(i int) string {
	n, _ := excelize.ColumnNumberToName(i)
	return n
}

// writer keeps the first error of a run of cell writes.
type writer struct {
	f                   *excelize.File
	sheet               string
	err                 error
	title, header, body int
}

func (w *writer) styles() error {
	border := []excelize.Border{{Type: "left", Color: "000000", Style: 1}, {Type: "top", Color: "000000", Style: 1},
		{Type: "right", Color: "000000", Style: 1}, {Type: "bottom", Color: "000000", Style: 1}}
	var err error
	if w.title, err = w.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14},
		Alignment: &excelize.Alignment{Horizontal: "center"}}); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	if w.header, err = w.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Border: border,
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}}); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	if w.body, err = w.f.NewStyle(&excelize.Style{Border: border,
		Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}}); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	return nil
}

func (w *writer) set(cell string, v any) {
	if w.err == nil {
		w.err = w.f.SetCellValue(w.sheet, cell, v)
	}
}

func (w *writer) merge(a, b string) {
	if w.err == nil && a != b {
		w.err = w.f.MergeCell(w.sheet, a, b)
	}
}

func (w *writer) mergeCol(col string, top, bottom int) {
	if bottom > top {
		w.merge(fmt.Sprintf("%s%d", col, top), fmt.Sprintf("%s%d", col, bottom))
	}
}

func (w *writer) style(a, b string, id int) {
	if w.err == nil {
		w.err = w.f.SetCellStyle(w.sheet, a, b, id)
	}
}
