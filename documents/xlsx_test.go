package documents

import (
	"bytes"
	"math"
	"slices"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/ducha/ducha/domain"
)

func openXLSX(t *testing.T, b []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// findRow returns the 1-based row whose cell in column col is value.
func findRow(t *testing.T, f *excelize.File, sheet, col, value string) int {
	t.Helper()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	c, err := excelize.ColumnNameToNumber(col)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		if len(r) >= c && r[c-1] == value {
			return i + 1
		}
	}
	t.Fatalf("%s: no row with %s = %q", sheet, col, value)
	return 0
}

type xlsxCell struct {
	t     *testing.T
	f     *excelize.File
	sheet string
}

func (x xlsxCell) ref(col string, row int) string { return col + strconv.Itoa(row) }

// number asserts a numeric cell and returns its full (raw) value.
func (x xlsxCell) number(col string, row int) float64 {
	x.t.Helper()
	ref := x.ref(col, row)
	typ, err := x.f.GetCellType(x.sheet, ref)
	if err != nil {
		x.t.Fatal(err)
	}
	raw, err := x.f.GetCellValue(x.sheet, ref, excelize.Options{RawCellValue: true})
	if err != nil {
		x.t.Fatal(err)
	}
	// excelize writes numbers without a type attribute (Unset) or as n.
	if typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber || raw == "" {
		x.t.Fatalf("%s!%s is %q of type %v, want a number", x.sheet, ref, raw, typ)
	}
	v, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		x.t.Fatalf("%s!%s: %v", x.sheet, ref, err)
	}
	return v
}

// shown is the cell as a spreadsheet shows it (its number format applied).
func (x xlsxCell) shown(col string, row int) string {
	x.t.Helper()
	v, err := x.f.GetCellValue(x.sheet, x.ref(col, row))
	if err != nil {
		x.t.Fatal(err)
	}
	return v
}

func (x xlsxCell) text(col string, row int, want string) {
	x.t.Helper()
	ref := x.ref(col, row)
	typ, _ := x.f.GetCellType(x.sheet, ref)
	if got := x.shown(col, row); got != want || (want != "" && typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString) {
		x.t.Errorf("%s!%s = %q (type %v), want the text %q", x.sheet, ref, got, typ, want)
	}
}

func (x xlsxCell) boolean(col string, row int, want bool) {
	x.t.Helper()
	ref := x.ref(col, row)
	typ, _ := x.f.GetCellType(x.sheet, ref)
	raw, _ := x.f.GetCellValue(x.sheet, ref, excelize.Options{RawCellValue: true})
	if typ != excelize.CellTypeBool || (raw == "1") != want {
		x.t.Errorf("%s!%s = %q (type %v), want the boolean %v", x.sheet, ref, raw, typ, want)
	}
}

func (x xlsxCell) empty(col string, row int) {
	x.t.Helper()
	if got := x.shown(col, row); got != "" {
		x.t.Errorf("%s!%s = %q, want an empty cell", x.sheet, x.ref(col, row), got)
	}
}

func (x xlsxCell) score(col string, row int, want float64) {
	x.t.Helper()
	if got := x.number(col, row); math.Abs(got-want) > 1e-9 {
		x.t.Errorf("%s!%s = %v, want %v", x.sheet, x.ref(col, row), got, want)
	}
	if got := x.shown(col, row); got != FormatScore(want) {
		x.t.Errorf("%s!%s shows %q, want %q as in the HTML", x.sheet, x.ref(col, row), got, FormatScore(want))
	}
}

// checkLayout asserts every sheet's bold, frozen header and column widths.
func checkLayout(t *testing.T, f *excelize.File, sheets []string, heads map[string][]string) {
	t.Helper()
	if got := f.GetSheetList(); !slices.Equal(got, sheets) {
		t.Fatalf("sheets %q, want %q", got, sheets)
	}
	for _, s := range sheets {
		rows, err := f.GetRows(s)
		if err != nil || len(rows) == 0 {
			t.Fatalf("%s: no rows (%v)", s, err)
		}
		if want, ok := heads[s]; ok && !slices.Equal(rows[0], want) {
			t.Errorf("%s header %q, want %q", s, rows[0], want)
		}
		id, err := f.GetCellStyle(s, "A1")
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil || st.Font == nil || !st.Font.Bold {
			t.Errorf("%s: header not bold (%v)", s, err)
		}
		p, err := f.GetPanes(s)
		if err != nil || !p.Freeze || p.YSplit != 1 || p.TopLeftCell != "A2" {
			t.Errorf("%s: header not frozen: %+v (%v)", s, p, err)
		}
		for i := range rows[0] {
			col, _ := excelize.ColumnNumberToName(i + 1)
			if w, err := f.GetColWidth(s, col); err != nil || w == defaultColWidth || w < 6 {
				t.Errorf("%s: column %s width %v not set (%v)", s, col, w, err)
			}
		}
	}
}

func TestFeedbackXLSX(t *testing.T) {
	l := fixtureLetter(t)
	b, err := FeedbackXLSX(l)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := FeedbackXLSX(l); !bytes.Equal(b, again) {
		t.Error("two workbooks of the same letter differ")
	}
	f := openXLSX(t, b)
	checkLayout(t, f, []string{SheetCategoryScores, SheetIndicatorScores, SheetMeasures, SheetFindings, SheetRequirements, SheetInfo},
		map[string][]string{
			SheetIndicatorScores: {"指标体系", "指标代码", "指标名称", "类别", "权重", "评定", "得分", "状态", "暂定", "一票否决", "计算式"},
			SheetRequirements:    {"编号", "指标代码", "指标名称", "整改要求", "完成时限"},
		})

	byCode := map[string]domain.IndicatorScore{}
	for _, s := range []domain.SetScore{l.Total.Inflow, l.Total.Outflow} {
		for _, ind := range s.Indicators {
			byCode[ind.Code] = ind
		}
	}

	// 指标得分: one row per indicator of both sets.
	x := xlsxCell{t, f, SheetIndicatorScores}
	if rows, _ := f.GetRows(SheetIndicatorScores); len(rows) != 1+21+18 {
		t.Errorf("%d indicator rows, want 39", len(rows)-1)
	}
	r := findRow(t, f, SheetIndicatorScores, "B", "IN12") // vetoed
	x.text("A", r, "流入地")
	x.text("C", r, "保障权益")
	x.text("D", r, "服务指标")
	x.text("F", r, "达标")
	x.score("G", r, 0)
	x.boolean("I", r, false)
	x.boolean("J", r, true)
	x.text("K", r, byCode["IN12"].Formula)
	r = findRow(t, f, SheetIndicatorScores, "B", "IN17") // provisional
	x.score("G", r, byCode["IN17"].Score)
	x.boolean("I", r, true)
	if w := x.number("E", r); w != 1 {
		t.Errorf("IN17 weight %v, want 1", w)
	}
	r = findRow(t, f, SheetIndicatorScores, "B", "IN19") // not applicable
	x.empty("G", r)
	x.text("H", r, "不适用")
	r = findRow(t, f, SheetIndicatorScores, "B", "OUT15")
	x.text("A", r, "流出地")
	x.score("G", r, byCode["OUT15"].Score)

	// 分类得分: categories, each set's score, the total.
	x = xlsxCell{t, f, SheetCategoryScores}
	r = findRow(t, f, SheetCategoryScores, "B", "总得分")
	x.score("D", r, l.Total.Score)
	x.boolean("F", r, true)
	x.text("H", r, l.Total.Formula)
	rows, _ := f.GetRows(SheetCategoryScores)
	if got := rows[2]; got[0] != "流入地" || got[1] != "管理指标" {
		t.Errorf("second category row %q", got)
	}
	x.score("D", 3, l.Total.Inflow.Categories[1].Score)

	// 绩效测量: figures as numbers.
	x = xlsxCell{t, f, SheetMeasures}
	r = findRow(t, f, SheetMeasures, "C", "IN17a")
	if n, d := x.number("H", r), x.number("I", r); n != 5020 || d != 7200 {
		t.Errorf("IN17a figures %v / %v, want 5020 / 7200", n, d)
	}
	x.text("D", r, "流动人口免费孕检率")
	x.text("G", r, "自报")
	x.score("J", r, 100*5020.0/7200)
	if tg := x.number("F", r); tg != 90 {
		t.Errorf("IN17a target %v, want 90", tg)
	}
	r = findRow(t, f, SheetMeasures, "C", "OUT15b")
	x.text("D", r, "查无此人率")
	x.text("E", r, "越低越好")
	r = findRow(t, f, SheetMeasures, "C", "IN19a")
	x.empty("H", r)
	x.empty("J", r)
	x.text("L", r, "不适用")

	// 存在问题: serious first, the text unescaped.
	x = xlsxCell{t, f, SheetFindings}
	x.number("A", 2)
	x.text("B", 2, "严重")
	x.text("C", 2, "IN12")
	r = findRow(t, f, SheetFindings, "C", "IN13")
	x.text("B", r, "轻微")
	x.text("E", r, "个别社区流动人口协会台账中仍有“<待补充>”“A&B”等占位内容。")
	if rows, _ := f.GetRows(SheetFindings); len(rows) != 1+len(l.Findings) {
		t.Errorf("%d finding rows, want %d", len(rows)-1, len(l.Findings))
	}

	// 整改要求: IDs as numbers, due dates as dates (the letter's when none).
	x = xlsxCell{t, f, SheetRequirements}
	if id := x.number("A", 2); id != 101 {
		t.Errorf("first requirement id %v, want 101", id)
	}
	if got := x.shown("E", 2); got != "2026-04-15" {
		t.Errorf("first due date shows %q, want 2026-04-15", got)
	}
	if serial := x.number("E", 3); serial != 46173 { // 2026-05-31 in Excel's 1900 date system
		t.Errorf("second due date serial %v, want 46173 (2026-05-31)", serial)
	}
	x.empty("B", 5)
}

func TestBulletinXLSX(t *testing.T) {
	bl := fixtureBulletin(t)
	b, err := BulletinXLSX(bl)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := BulletinXLSX(bl); !bytes.Equal(b, again) {
		t.Error("two workbooks of the same bulletin differ")
	}
	f := openXLSX(t, b)
	checkLayout(t, f, []string{SheetRanking, SheetCommonProblems, SheetGoodPractices, SheetComplaints, SheetInfo},
		map[string][]string{
			SheetComplaints: {"地区代码", "地区", "类别代码", "类别", "受理件数", "属实件数"},
		})

	x := xlsxCell{t, f, SheetRanking}
	rows, _ := f.GetRows(SheetRanking)
	if len(rows) != 3 || len(rows[0]) != 6+10+4 || rows[0][6] != "流入地保障指标" || rows[0][15] != "流出地激励指标" {
		t.Fatalf("ranking sheet %q", rows)
	}
	for i, r := range bl.Ranking {
		row := i + 2
		if rank := x.number("A", row); int(rank) != r.Rank {
			t.Errorf("row %d rank %v, want %d", row, rank, r.Rank)
		}
		x.text("B", row, r.RegionCode)
		x.text("C", row, r.RegionName)
		x.score("D", row, *r.Total)
		x.score("E", row, *r.Inflow)
		x.score("F", row, *r.Outflow)
		x.score("G", row, r.InflowCategories[domain.CategoryGuarantee])
		x.score("P", row, r.OutflowCategories[domain.CategoryIncentive])
		x.boolean("S", row, r.Incomplete)
		x.boolean("T", row, r.Vetoed)
	}
	x.text("C", 2, "广东省")
	x.boolean("T", 3, true)
	x.boolean("R", 3, true)

	x = xlsxCell{t, f, SheetCommonProblems}
	x.text("B", 2, "IN07")
	if n := x.number("D", 2); n != 2 {
		t.Errorf("IN07 regions %v, want 2", n)
	}
	x.text("E", 2, "广东省、广西壮族自治区")

	// 投诉举报: by region code, then category order; counts as numbers.
	x = xlsxCell{t, f, SheetComplaints}
	x.text("A", 2, "44")
	x.text("C", 2, "cross_province_station")
	x.text("D", 2, "跨省设站孕检")
	if rc, sb := x.number("E", 2), x.number("F", 2); rc != 3 || sb != 1 {
		t.Errorf("广东 跨省设站孕检 %v/%v, want 3/1", rc, sb)
	}
	r := findRow(t, f, SheetComplaints, "C", "vicious_case")
	x.text("B", r, "广西壮族自治区")
	if rc := x.number("E", r); rc != 1 {
		t.Errorf("vicious cases %v, want 1", rc)
	}
	if rows, _ := f.GetRows(SheetComplaints); len(rows) != 1+len(bl.Complaints) {
		t.Errorf("%d complaint rows, want %d", len(rows)-1, len(bl.Complaints))
	}

	x = xlsxCell{t, f, SheetInfo}
	r = findRow(t, f, SheetInfo, "A", "已检查地区数")
	if n := x.number("B", r); n != 12 {
		t.Errorf("inspected %v, want 12", n)
	}
	r = findRow(t, f, SheetInfo, "A", "发文日期")
	if got := x.shown("B", r); got != "2026-03-20" {
		t.Errorf("issue date shows %q", got)
	}
}

func TestXLSXRefusesIncompleteDocuments(t *testing.T) {
	l := fixtureLetter(t)
	l.Issuer = ""
	if _, err := FeedbackXLSX(l); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("FeedbackXLSX = %v, want an EInvalid error", err)
	}
	b := fixtureBulletin(t)
	b.Complaints[1].Category = "bribery"
	if _, err := BulletinXLSX(b); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("BulletinXLSX = %v, want an EInvalid error", err)
	}
}

// defaultColWidth is excelize's width of a column that was never set.
const defaultColWidth = 9.140625
