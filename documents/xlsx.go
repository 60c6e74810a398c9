package documents

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/ducha/ducha/domain"
)

// Sheet names of the workbooks.
const (
	SheetCategoryScores  = "分类得分"
	SheetIndicatorScores = "指标得分"
	SheetMeasures        = "绩效测量"
	SheetFindings        = "存在问题"
	SheetRequirements    = "整改要求"
	SheetRanking         = "排名"
	SheetCommonProblems  = "共性问题"
	SheetGoodPractices   = "好的做法"
	SheetComplaints      = "投诉举报"
	SheetInfo            = "文件信息"
)

// FeedbackXLSX returns the letter as an .xlsx workbook with the sheets
// 分类得分 (each set's categories and score, and the total), 指标得分 (per
// indicator: set, code, name, category, weight, rating, score, status,
// flags, formula), 绩效测量 (per measure: figures, rate, target, score,
// formulas), 存在问题, 整改要求 and 文件信息 (number, dates, addressee, …).
//
// Every sheet's first row is a bold header frozen in place with a filter;
// columns have set widths. Numbers are numeric cells: scores and rates keep
// their full value and show one decimal through the "0.0" format; counts
// are whole numbers, flags booleans and dates date cells (Beijing date,
// yyyy-mm-dd). A score that does not exist (pending, not applicable) is an
// empty cell, and the status column says why. It returns l.Validate's error
// when the letter is incomplete.
func FeedbackXLSX(l FeedbackLetter) ([]byte, error) {
	if err := l.Validate(); err != nil {
		return nil, err
	}
	t := l.Total
	cats := sheet{name: SheetCategoryScores, cols: []column{
		{"指标体系", 10, kText}, {"类别", 12, kText}, {"权重", 8, kPlain}, {"得分", 10, kScore},
		{"状态", 10, kText}, {"暂定", 8, kFlag}, {"待评", 8, kFlag}, {"计算式", 60, kText},
	}}
	for _, s := range []domain.SetScore{t.Inflow, t.Outflow} {
		kind := setKindZH[s.Kind]
		for _, c := range s.Categories {
			cats.add(kind, c.Category.Chinese(), nil, scoreOrNil(c.Status, c.Score), statusZH[c.Status], c.Provisional, c.Incomplete, c.Formula)
		}
		w := t.Weights.Inflow
		if s.Kind == domain.KindOutflow {
			w = t.Weights.Outflow
		}
		cats.add(kind, "综合得分", w, scoreOrNil(s.Status, s.Score), statusZH[s.Status], s.Provisional, s.Incomplete, s.Formula)
	}
	cats.add("合计", "总得分", nil, scoreOrNil(t.Status, t.Score), statusZH[t.Status], t.Provisional, t.Incomplete, t.Formula)

	inds := sheet{name: SheetIndicatorScores, cols: []column{
		{"指标体系", 10, kText}, {"指标代码", 10, kText}, {"指标名称", 36, kWrap}, {"类别", 10, kText},
		{"权重", 8, kPlain}, {"评定", 10, kText}, {"得分", 10, kScore}, {"状态", 10, kText},
		{"暂定", 8, kFlag}, {"一票否决", 10, kFlag}, {"计算式", 60, kText},
	}}
	meas := sheet{name: SheetMeasures, cols: []column{
		{"指标体系", 10, kText}, {"指标代码", 10, kText}, {"测量代码", 10, kText}, {"名称", 30, kWrap},
		{"方向", 10, kText}, {"目标(%)", 10, kPlain}, {"数据来源", 10, kText}, {"分子", 12, kCount},
		{"分母", 12, kCount}, {"率(%)", 10, kScore}, {"得分", 10, kScore}, {"状态", 10, kText},
		{"暂定", 8, kFlag}, {"率计算式", 28, kText}, {"得分计算式", 44, kText},
	}}
	for _, s := range []domain.SetScore{t.Inflow, t.Outflow} {
		kind := setKindZH[s.Kind]
		for _, ind := range s.Indicators {
			vetoed := ind.Veto != nil && ind.Veto.Vetoed
			inds.add(kind, ind.Code, nameOf(l.IndicatorNames, ind.Code), ind.Category.Chinese(), ind.Weight,
				emptyNil(ratingZH[ind.Rating]), scoreOrNil(ind.Status, ind.Score), statusZH[ind.Status],
				ind.Provisional, vetoed, ind.Formula)
			for _, m := range ind.Measures {
				var target, num, den, rate, score any
				if m.Target != nil {
					target = *m.Target
				}
				var f *domain.Figures
				switch m.Source {
				case domain.SourceVerified:
					f = m.Verified
				case domain.SourceSelfReported:
					f = m.SelfReported
				}
				if f != nil {
					num, den = f.Numerator, f.Denominator
				}
				if m.Status == domain.StatusScored {
					rate, score = m.Rate, m.Score
				}
				name := l.IndicatorNames[m.Code] // a measure of its own name (查询反馈率), else its indicator's
				if name == "" {
					name = nameOf(l.IndicatorNames, ind.Code)
				}
				meas.add(kind, ind.Code, m.Code, name, directionZH[m.Direction], target,
					emptyNil(sourceZH[m.Source]), num, den, rate, score, statusZH[m.Status], m.Provisional,
					emptyNil(m.RateFormula), m.Formula)
			}
		}
	}

	finds := sheet{name: SheetFindings, cols: []column{
		{"序号", 6, kCount}, {"严重程度", 10, kText}, {"指标代码", 10, kText}, {"指标名称", 30, kWrap}, {"问题", 80, kWrap},
	}}
	n := 0
	for _, sev := range Severities {
		for _, f := range l.Findings {
			if f.Severity == sev {
				n++
				finds.add(n, sev.Chinese(), emptyNil(f.IndicatorCode), codeName(l.IndicatorNames, f.IndicatorCode), f.Text)
			}
		}
	}
	reqs := sheet{name: SheetRequirements, cols: []column{
		{"编号", 8, kCount}, {"指标代码", 10, kText}, {"指标名称", 30, kWrap}, {"整改要求", 80, kWrap}, {"完成时限", 12, kDate},
	}}
	for _, r := range l.Requirements {
		due := r.DueAt
		if due.IsZero() {
			due = l.RectificationDue
		}
		reqs.add(r.ID, emptyNil(r.IndicatorCode), codeName(l.IndicatorNames, r.IndicatorCode), r.Text, sheetDate(due))
	}

	title := l.Title
	if strings.TrimSpace(title) == "" {
		title = FeedbackTitle(l.RegionName)
	}
	info := infoSheet(
		"文号", l.Number, "标题", title, "主送", l.Addressee, "地区代码", l.RegionCode, "地区", l.RegionName,
		"督查活动", l.CampaignName, "批次", l.BatchName, "发文机关", l.Issuer,
		"发文日期", sheetDate(l.IssuedAt), "整改期限", sheetDate(l.RectificationDue),
		"流入地权重", t.Weights.Inflow, "流出地权重", t.Weights.Outflow,
	)
	return writeWorkbook(docMeta{title: l.Number + " " + title, issuer: l.Issuer, issued: l.IssuedAt},
		[]sheet{cats, inds, meas, finds, reqs, info})
}

// BulletinXLSX returns the bulletin as an .xlsx workbook with the sheets
// 排名 (rank, region, total, both set scores, each set's five category
// scores, flags), 共性问题, 好的做法, 投诉举报 (one row per region and
// category: received, substantiated) and 文件信息, under the same rules as
// FeedbackXLSX. It returns b.Validate's error when the bulletin is
// incomplete.
func BulletinXLSX(b Bulletin) ([]byte, error) {
	if err := b.Validate(); err != nil {
		return nil, err
	}
	rank := sheet{name: SheetRanking, cols: []column{
		{"名次", 6, kCount}, {"地区代码", 10, kText}, {"地区", 16, kText}, {"总得分", 10, kScore},
		{"流入地得分", 12, kScore}, {"流出地得分", 12, kScore},
	}}
	for _, kind := range []domain.SetKind{domain.KindInflow, domain.KindOutflow} {
		for _, c := range domain.Categories {
			rank.cols = append(rank.cols, column{setKindZH[kind] + c.Chinese(), 14, kScore})
		}
	}
	rank.cols = append(rank.cols, column{"状态", 10, kText}, column{"暂定", 8, kFlag}, column{"待评", 8, kFlag}, column{"一票否决", 10, kFlag})
	for _, r := range b.Ranking {
		var rk any
		if r.Rank > 0 {
			rk = r.Rank
		}
		row := []any{rk, r.RegionCode, r.RegionName, floatOrNil(r.Total), floatOrNil(r.Inflow), floatOrNil(r.Outflow)}
		for _, m := range []map[domain.Category]float64{r.InflowCategories, r.OutflowCategories} {
			for _, c := range domain.Categories {
				if x, ok := m[c]; ok {
					row = append(row, x)
				} else {
					row = append(row, nil)
				}
			}
		}
		row = append(row, statusZH[r.Status], r.Provisional, r.Incomplete, r.Vetoed)
		rank.add(row...)
	}

	probs := sheet{name: SheetCommonProblems, cols: []column{
		{"序号", 6, kCount}, {"指标代码", 10, kText}, {"指标名称", 30, kWrap}, {"涉及地区数", 12, kCount},
		{"涉及地区", 40, kWrap}, {"主要表现", 80, kWrap},
	}}
	for i, p := range b.CommonProblems {
		probs.add(i+1, p.IndicatorCode, p.IndicatorName, p.Count, joinNames(p.Regions), strings.Join(p.Examples, "\n"))
	}
	prac := sheet{name: SheetGoodPractices, cols: []column{{"序号", 6, kCount}, {"地区", 16, kText}, {"做法", 90, kWrap}}}
	for i, p := range b.GoodPractices {
		prac.add(i+1, p.RegionName, p.Text)
	}
	comp := sheet{name: SheetComplaints, cols: []column{
		{"地区代码", 10, kText}, {"地区", 16, kText}, {"类别代码", 24, kText}, {"类别", 14, kText},
		{"受理件数", 10, kCount}, {"属实件数", 10, kCount},
	}}
	for _, f := range sortedFigures(b.Complaints) {
		comp.add(f.RegionCode, f.RegionName, string(f.Category), f.Category.Chinese(), f.Received, f.Substantiated)
	}

	info := infoSheet(
		"文号", b.Number, "标题", b.Title, "主送", b.Addressee, "督查活动", b.CampaignName, "批次", b.BatchName,
		"发文机关", b.Issuer, "发文日期", sheetDate(b.IssuedAt),
		"督查开始", sheetDate(b.Period.From), "督查结束", sheetDate(b.Period.To),
		"已检查地区数", b.Coverage.Inspected, "应检查地区数", b.Coverage.Total, "尚未检查", joinNames(b.Coverage.Remaining),
	)
	return writeWorkbook(docMeta{title: b.Number + " " + b.Title, issuer: b.Issuer, issued: b.IssuedAt},
		[]sheet{rank, probs, prac, comp, info})
}

var statusZH = map[domain.ScoreStatus]string{
	domain.StatusScored: "已评分", domain.StatusPending: "待评", domain.StatusNotApplicable: "不适用",
}

var sourceZH = map[domain.FigureSource]string{domain.SourceVerified: "核实", domain.SourceSelfReported: "自报"}

var directionZH = map[domain.Direction]string{domain.HigherIsBetter: "越高越好", domain.LowerIsBetter: "越低越好"}

func scoreOrNil(st domain.ScoreStatus, x float64) any {
	if st != domain.StatusScored {
		return nil
	}
	return x
}

func floatOrNil(x *float64) any {
	if x == nil {
		return nil
	}
	return *x
}

func emptyNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func codeName(names map[string]string, code string) any {
	if code == "" {
		return nil
	}
	return nameOf(names, code)
}

// sheetDate is t's Beijing date as a time that excelize stores as that
// date (it writes the wall clock of the time's own location), or nil.
func sheetDate(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	d := t.In(beijing)
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
}

// sortedFigures orders complaint figures by region code, then category in
// ComplaintCategories' order, without changing figs.
func sortedFigures(figs []ComplaintFigure) []ComplaintFigure {
	out := make([]ComplaintFigure, len(figs))
	copy(out, figs)
	slices.SortStableFunc(out, func(a, b ComplaintFigure) int {
		if c := strings.Compare(a.RegionCode, b.RegionCode); c != 0 {
			return c
		}
		return slices.Index(ComplaintCategories, a.Category) - slices.Index(ComplaintCategories, b.Category)
	})
	return out
}

// infoSheet is a two-column sheet of the document's particulars from
// label, value pairs; nil values are left out.
func infoSheet(pairs ...any) sheet {
	s := sheet{name: SheetInfo, cols: []column{{"项目", 14, kText}, {"内容", 80, kWrap}}}
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == nil {
			continue
		}
		s.add(pairs[i], pairs[i+1])
	}
	return s
}

// ---- the workbook writer ----

// kind is how a column's cells are stored and shown.
type kind int

const (
	kText  kind = iota // a string cell
	kWrap              // a string cell, wrapped
	kScore             // a number shown with one decimal ("0.0")
	kCount             // a whole number ("0")
	kPlain             // a number in the general format (weights, targets)
	kFlag              // a boolean
	kDate              // a date (yyyy-mm-dd)
)

type column struct {
	head  string
	width float64
	kind  kind
}

type sheet struct {
	name string
	cols []column
	rows [][]any // nil cells stay empty
}

func (s *sheet) add(cells ...any) { s.rows = append(s.rows, cells) }

type docMeta struct {
	title, issuer string
	issued        time.Time
}

// writeWorkbook writes the sheets in order into a new workbook. Document
// properties carry fixed times (the issue date), so the same input gives the
// same bytes.
func writeWorkbook(meta docMeta, sheets []sheet) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	styles, err := newStyles(f)
	if err != nil {
		return nil, err
	}
	for i, s := range sheets {
		if i == 0 {
			err = f.SetSheetName("Sheet1", s.name)
		} else {
			_, err = f.NewSheet(s.name)
		}
		if err != nil {
			return nil, fmt.Errorf("documents: sheet %s: %w", s.name, err)
		}
		if err := writeSheet(f, styles, s); err != nil {
			return nil, fmt.Errorf("documents: sheet %s: %w", s.name, err)
		}
	}
	f.SetActiveSheet(0)
	stamp := meta.issued.UTC().Format(time.RFC3339)
	if err := f.SetDocProps(&excelize.DocProperties{
		Title: meta.title, Creator: meta.issuer, LastModifiedBy: meta.issuer,
		Created: stamp, Modified: stamp, Language: "zh-CN",
	}); err != nil {
		return nil, fmt.Errorf("documents: properties: %w", err)
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, fmt.Errorf("documents: write workbook: %w", err)
	}
	return buf.Bytes(), nil
}

type styleSet struct {
	header int
	body   map[kind]int
}

func newStyles(f *excelize.File) (styleSet, error) {
	border := []excelize.Border{
		{Type: "left", Color: "999999", Style: 1}, {Type: "right", Color: "999999", Style: 1},
		{Type: "top", Color: "999999", Style: 1}, {Type: "bottom", Color: "999999", Style: 1},
	}
	s := styleSet{body: map[kind]int{}}
	var err error
	s.header, err = f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9D9D9"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
		Border:    border,
	})
	if err != nil {
		return s, fmt.Errorf("documents: header style: %w", err)
	}
	top := &excelize.Alignment{Vertical: "top"}
	fmts := map[kind]*excelize.Style{
		kText:  {Alignment: top, Border: border},
		kWrap:  {Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}, Border: border},
		kScore: {Alignment: top, Border: border, CustomNumFmt: ptr("0.0")},
		kCount: {Alignment: top, Border: border, NumFmt: 1},
		kPlain: {Alignment: top, Border: border},
		kFlag:  {Alignment: &excelize.Alignment{Vertical: "top", Horizontal: "center"}, Border: border},
		kDate:  {Alignment: top, Border: border, CustomNumFmt: ptr("yyyy-mm-dd")},
	}
	for _, k := range []kind{kText, kWrap, kScore, kCount, kPlain, kFlag, kDate} {
		id, err := f.NewStyle(fmts[k])
		if err != nil {
			return s, fmt.Errorf("documents: style: %w", err)
		}
		s.body[k] = id
	}
	return s, nil
}

func writeSheet(f *excelize.File, st styleSet, s sheet) error {
	for i, c := range s.cols {
		col, err := excelize.ColumnNumberToName(i + 1)
		if err != nil {
			return err
		}
		if err := f.SetColWidth(s.name, col, col, c.width); err != nil {
			return err
		}
		if err := f.SetCellStr(s.name, col+"1", c.head); err != nil {
			return err
		}
	}
	last, err := excelize.CoordinatesToCellName(len(s.cols), 1)
	if err != nil {
		return err
	}
	if err := f.SetCellStyle(s.name, "A1", last, st.header); err != nil {
		return err
	}
	for r, row := range s.rows {
		if len(row) != len(s.cols) {
			return fmt.Errorf("row %d has %d cells for %d columns", r+1, len(row), len(s.cols))
		}
		for i, v := range row {
			cell, err := excelize.CoordinatesToCellName(i+1, r+2)
			if err != nil {
				return err
			}
			if v != nil {
				if err := f.SetCellValue(s.name, cell, v); err != nil {
					return err
				}
			}
			k := s.cols[i].kind
			if _, ok := v.(time.Time); ok {
				k = kDate // a date in a mixed column (文件信息) is still shown as a date
			}
			if err := f.SetCellStyle(s.name, cell, cell, st.body[k]); err != nil {
				return err
			}
		}
	}
	if err := f.SetPanes(s.name, &excelize.Panes{
		Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}},
	}); err != nil {
		return err
	}
	if len(s.rows) > 0 {
		end, err := excelize.CoordinatesToCellName(len(s.cols), len(s.rows)+1)
		if err != nil {
			return err
		}
		if err := f.AutoFilter(s.name, "A1:"+end, nil); err != nil {
			return err
		}
	}
	return nil
}
