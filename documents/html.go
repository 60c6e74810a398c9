package documents

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/ducha/ducha/domain"
)

//go:embed templates/*.tmpl templates/document.css
var templateFS embed.FS

// templates are parsed once; a parse error is a programming error that
// every test run would catch, hence Must.
var templates = template.Must(template.New("documents").ParseFS(templateFS, "templates/*.tmpl"))

// documentCSS is the embedded style sheet, trusted because it is ours.
var documentCSS = func() template.CSS {
	b, err := templateFS.ReadFile("templates/document.css")
	if err != nil {
		panic(err) // embedded: cannot happen
	}
	return template.CSS(b)
}()

// RenderFeedbackHTML writes the letter as one print-ready HTML5 document
// (A4, Chinese official-document typography, the style sheet inline, no
// external resources). It returns the EInvalid *domain.Error of
// l.Validate without writing anything when the letter is incomplete; other
// errors come from w. The output depends on l only.
func RenderFeedbackHTML(w io.Writer, l FeedbackLetter) error {
	if err := l.Validate(); err != nil {
		return err
	}
	return render(w, "feedback", newFeedbackView(l))
}

// RenderBulletinHTML writes the bulletin as one print-ready HTML5 document,
// like RenderFeedbackHTML.
func RenderBulletinHTML(w io.Writer, b Bulletin) error {
	if err := b.Validate(); err != nil {
		return err
	}
	return render(w, "bulletin", newBulletinView(b))
}

// render executes into a buffer first, so that w never receives half a
// document.
func render(w io.Writer, name string, data any) error {
	var buf bytes.Buffer
	if err := templates.ExecuteTemplate(&buf, name, data); err != nil {
		return fmt.Errorf("documents: render %s: %w", name, err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("documents: write %s: %w", name, err)
	}
	return nil
}

// page is what the shared parts of both templates (head, masthead,
// signature) need.
type page struct {
	CSS      template.CSS
	Masthead string
	Number   string
	Title    string
	Issuer   string
	Date     string
}

func newPage(masthead, issuer, number, title string, date string) page {
	if strings.TrimSpace(masthead) == "" {
		masthead = issuer
	}
	return page{CSS: documentCSS, Masthead: masthead, Number: number, Title: title, Issuer: issuer, Date: date}
}

// ---- feedback letter ----

type feedbackView struct {
	P        page
	L        FeedbackLetter
	You      string // 你省
	Due      string
	Scores   scoresView
	Findings []findingGroup
	Reqs     []itemView
	Sets     []setView
	// Section numbers (一, 二, …), counted here so that a section can be
	// added or made optional without renumbering the template.
	SecScores, SecFindings, SecReqs string
}

type scoresView struct {
	Total, Inflow, Outflow string // "" when not scored
	WIn, WOut              string
	Categories             []catRow
	Provisional            bool
	Pending                string // the pending indicators, 、-joined
	Veto                   *vetoView
}

type catRow struct{ Name, Inflow, Outflow string }

type vetoView struct {
	Vetoed     bool
	Indicators string // 保障权益(IN12)、落实三个“严禁”(OUT10)
	Cases      string
	Reason     string
}

type findingGroup struct {
	Heading string // (一)严重问题
	Items   []itemView
}

type itemView struct {
	N     int
	Label string // 保障权益(IN12), or ""
	Text  string
	Due   string
}

type setView struct {
	N       int    // attachment number
	Heading string // 流入地指标得分明细
	Score   string
	Rows    []indRow
}

type indRow struct {
	Group      string // the category heading (一、保障指标) on the first row of a run of one category
	Code, Name string
	Assessment []string // one line per rating or measure
	Score      string
	Note       string
	Muted      bool // not applicable or pending
	Vetoed     bool
}

func newFeedbackView(l FeedbackLetter) feedbackView {
	title := l.Title
	if strings.TrimSpace(title) == "" {
		title = FeedbackTitle(l.RegionName)
	}
	v := feedbackView{
		P:   newPage(l.Masthead, l.Issuer, l.Number, title, ChineseDate(l.IssuedAt)),
		L:   l,
		You: regionYou(l.RegionName),
		Due: ChineseDate(l.RectificationDue),
	}
	v.Scores = newScoresView(l)
	sec := 0
	next := func() string { sec++; return ChineseNumber(sec) }
	v.SecScores = next()
	v.SecFindings = next()
	for _, sev := range Severities {
		var g findingGroup
		for _, f := range l.Findings {
			if f.Severity == sev {
				g.Items = append(g.Items, itemView{N: len(g.Items) + 1, Label: indicatorLabel(l.IndicatorNames, f.IndicatorCode), Text: sentence(f.Text)})
			}
		}
		if len(g.Items) > 0 {
			g.Heading = "(" + ChineseNumber(len(v.Findings)+1) + ")" + sev.Chinese() + "问题"
			v.Findings = append(v.Findings, g)
		}
	}
	v.SecReqs = next()
	for i, r := range l.Requirements {
		v.Reqs = append(v.Reqs, itemView{N: i + 1, Label: indicatorLabel(l.IndicatorNames, r.IndicatorCode), Text: sentence(r.Text), Due: ChineseDate(r.DueAt)})
	}
	for _, s := range []domain.SetScore{l.Total.Inflow, l.Total.Outflow} {
		if len(s.Indicators) == 0 {
			continue
		}
		v.Sets = append(v.Sets, setView{
			N:       len(v.Sets) + 1,
			Heading: setKindZH[s.Kind] + "指标得分明细",
			Score:   scoredOrEmpty(s.Status, s.Score),
			Rows:    indicatorRows(s, l.IndicatorNames),
		})
	}
	return v
}

func scoredOrEmpty(st domain.ScoreStatus, x float64) string {
	if st != domain.StatusScored {
		return ""
	}
	return FormatScore(x)
}

func newScoresView(l FeedbackLetter) scoresView {
	t := l.Total
	s := scoresView{
		Total:       scoredOrEmpty(t.Status, t.Score),
		Inflow:      scoredOrEmpty(t.Inflow.Status, t.Inflow.Score),
		Outflow:     scoredOrEmpty(t.Outflow.Status, t.Outflow.Score),
		WIn:         formatPlain(t.Weights.Inflow),
		WOut:        formatPlain(t.Weights.Outflow),
		Provisional: t.Provisional,
	}
	var pending []string
	for _, c := range t.Pending {
		pending = append(pending, indicatorLabel(l.IndicatorNames, c))
	}
	s.Pending = joinNames(pending)
	for _, c := range domain.Categories {
		if !hasCategory(t.Inflow, c) && !hasCategory(t.Outflow, c) {
			continue
		}
		s.Categories = append(s.Categories, catRow{Name: c.Chinese(), Inflow: categoryCell(t.Inflow, c), Outflow: categoryCell(t.Outflow, c)})
	}
	if t.Veto != nil {
		var inds []string
		for _, c := range t.Veto.Indicators {
			inds = append(inds, indicatorLabel(l.IndicatorNames, c))
		}
		s.Veto = &vetoView{Vetoed: t.Veto.Vetoed, Indicators: joinNames(inds), Cases: joinNames(t.Veto.Cases), Reason: clause(t.Veto.Reason)}
	}
	return s
}

func hasCategory(s domain.SetScore, c domain.Category) bool {
	return slices.ContainsFunc(s.Categories, func(cs domain.CategoryScore) bool { return cs.Category == c })
}

// categoryCell is a category's score in a set, "—" when the set has the
// category without a score, "" when it does not have it (the template
// prints "—" for that too).
func categoryCell(s domain.SetScore, c domain.Category) string {
	for _, cs := range s.Categories {
		if cs.Category == c {
			if cs.Status != domain.StatusScored {
				return "—"
			}
			return FormatScore(cs.Score)
		}
	}
	return ""
}

func indicatorRows(s domain.SetScore, names map[string]string) []indRow {
	rows := make([]indRow, len(s.Indicators))
	groups := 0
	for i, ind := range s.Indicators {
		r := indRow{Code: ind.Code, Name: nameOf(names, ind.Code)}
		// A heading row opens each run of one category. (Not a rowspan
		// cell: a browser will not break a page inside one, which leaves
		// half-empty pages before long categories.)
		if i == 0 || s.Indicators[i-1].Category != ind.Category {
			groups++
			r.Group = ChineseNumber(groups) + "、" + ind.Category.Chinese()
		}
		vetoed := ind.Veto != nil && ind.Veto.Vetoed
		switch {
		case ind.Quantitative:
			multi := len(ind.Measures) > 1
			for _, m := range ind.Measures {
				r.Assessment = append(r.Assessment, measureLine(m, names, multi))
			}
		case ind.Rating != "":
			r.Assessment = []string{ratingZH[ind.Rating]}
		}
		switch ind.Status {
		case domain.StatusScored:
			r.Score = FormatScore(ind.Score)
		case domain.StatusNotApplicable:
			r.Assessment, r.Score, r.Muted = []string{"不适用"}, "—", true
		case domain.StatusPending:
			r.Assessment, r.Score, r.Muted = []string{"待评"}, "—", true
		}
		var notes []string
		if vetoed {
			notes = append(notes, "一票否决")
			r.Vetoed = true
		} else if ind.Veto != nil && ind.Veto.Overridden {
			notes = append(notes, "不予否决")
		}
		if ind.Provisional {
			notes = append(notes, "暂定")
		}
		r.Note = strings.Join(notes, ",")
		rows[i] = r
	}
	return rows
}

// measureLine is one measure's result: "92.5%", "查询反馈率 96.0%(目标≥95%)",
// "80.0%(自报)", "不适用".
func measureLine(m domain.MeasureScore, names map[string]string, withName bool) string {
	var b strings.Builder
	if withName {
		b.WriteString(nameOf(names, m.Code))
		b.WriteString(" ")
	}
	if m.Status != domain.StatusScored {
		b.WriteString("不适用")
		return b.String()
	}
	b.WriteString(formatPercent(m.Rate))
	var notes []string
	if m.Target != nil {
		cmp := "≥"
		if m.Direction == domain.LowerIsBetter {
			cmp = "≤"
		}
		notes = append(notes, "目标"+cmp+formatPlain(*m.Target)+"%")
	}
	if m.Source == domain.SourceSelfReported {
		notes = append(notes, "自报")
	}
	if len(notes) > 0 {
		b.WriteString("(" + strings.Join(notes, ",") + ")")
	}
	return b.String()
}

// ---- bulletin ----

type bulletinView struct {
	P            page
	B            Bulletin
	Unit         string // 省(区、市)
	Period       string // 二〇二六年一月十二日至二月六日
	Regions      string // the inspected regions by code, 、-joined
	Count        int
	Order        string // 广东省(85.2分)、…
	Vetoed       string
	Ranking      []rankRow
	CatHeads     []string
	CatTables    []catTable
	Problems     []problemView
	Practices    []practiceView
	Complaints   complaintsView
	Coverage     coverageView
	Requirements []string
	Secs         map[string]string // section → 一, 二, …
	Tables       map[string]int    // table → number
}

type rankRow struct {
	Rank, Region, Total, Inflow, Outflow, Note string
}

type catTable struct {
	N       int
	Caption string
	Rows    []catTableRow
}

type catTableRow struct {
	Region string
	Cells  []string
}

type problemView struct {
	Heading  string // (一)保障权益(IN12)
	Count    int
	Regions  string
	Examples string // a;b。
}

type practiceView struct{ Heading, Region, Text string }

type complaintsView struct {
	Heads                      []string
	Rows                       []complaintRow
	Total                      complaintRow
	Received, Substantiated    int
	Vicious, ViciousConfirmed  int
	Prohibition, ProhibitionOK int // the three prohibitions: received, substantiated
}

type complaintRow struct {
	Region string
	Cells  []int // received, substantiated per category, then the totals
}

type coverageView struct {
	Show                   bool
	Inspected, Total, Left int
	Percent                string
	Remaining              string
	Complete               bool
}

func newBulletinView(b Bulletin) bulletinView {
	v := bulletinView{
		P:      newPage(b.Masthead, b.Issuer, b.Number, b.Title, ChineseDate(b.IssuedAt)),
		B:      b,
		Period: chineseDateRange(b.Period.From, b.Period.To),
		Secs:   map[string]string{},
		Tables: map[string]int{},
	}
	level := domain.LevelProvince
	if len(b.Ranking) > 0 {
		if lv, ok := domain.LevelOfCode(b.Ranking[0].RegionCode); ok {
			level = lv
		}
	}
	v.Unit = regionUnit(level)

	byCode := slices.Clone(b.Ranking)
	slices.SortStableFunc(byCode, func(a, c RankedRegion) int { return strings.Compare(a.RegionCode, c.RegionCode) })
	var names, order, vetoed []string
	for _, r := range byCode {
		names = append(names, r.RegionName)
	}
	v.Regions, v.Count = joinNames(names), len(names)
	for _, r := range b.Ranking {
		row := rankRow{Rank: "—", Region: r.RegionName, Total: scoreCell(r.Total), Inflow: scoreCell(r.Inflow), Outflow: scoreCell(r.Outflow)}
		if r.Rank > 0 {
			row.Rank = strconv.Itoa(r.Rank)
		}
		var notes []string
		if r.Vetoed {
			notes = append(notes, "一票否决")
			vetoed = append(vetoed, r.RegionName)
		}
		if r.Provisional {
			notes = append(notes, "暂定")
		}
		if r.Incomplete {
			notes = append(notes, "部分指标待评")
		}
		row.Note = strings.Join(notes, ",")
		v.Ranking = append(v.Ranking, row)
		if r.Total != nil {
			order = append(order, r.RegionName+"("+FormatScore(*r.Total)+"分)")
		}
	}
	v.Order, v.Vetoed = joinNames(order), joinNames(vetoed)

	sec := 0
	next := func(name string) { sec++; v.Secs[name] = ChineseNumber(sec) }
	table := 0
	nextTable := func(name string) int { table++; v.Tables[name] = table; return table }

	next("results")
	nextTable("ranking")
	for _, c := range domain.Categories {
		v.CatHeads = append(v.CatHeads, c.Chinese())
	}
	for _, side := range []struct {
		kind domain.SetKind
		get  func(RankedRegion) map[domain.Category]float64
	}{
		{domain.KindInflow, func(r RankedRegion) map[domain.Category]float64 { return r.InflowCategories }},
		{domain.KindOutflow, func(r RankedRegion) map[domain.Category]float64 { return r.OutflowCategories }},
	} {
		t := catTable{N: nextTable(string(side.kind)), Caption: setKindZH[side.kind] + "各类指标得分"}
		for _, r := range b.Ranking {
			row := catTableRow{Region: r.RegionName}
			m := side.get(r)
			for _, c := range domain.Categories {
				if x, ok := m[c]; ok {
					row.Cells = append(row.Cells, FormatScore(x))
				} else {
					row.Cells = append(row.Cells, "—")
				}
			}
			t.Rows = append(t.Rows, row)
		}
		v.CatTables = append(v.CatTables, t)
	}

	if len(b.CommonProblems) > 0 {
		next("problems")
		for i, p := range b.CommonProblems {
			name := p.IndicatorName
			if name == "" {
				name = p.IndicatorCode
			}
			h := "(" + ChineseNumber(i+1) + ")" + name
			if p.IndicatorCode != "" && p.IndicatorCode != name {
				h += "(" + p.IndicatorCode + ")"
			}
			v.Problems = append(v.Problems, problemView{Heading: h, Count: p.Count, Regions: joinNames(p.Regions), Examples: clauses(p.Examples)})
		}
	}
	if len(b.GoodPractices) > 0 {
		next("practices")
		for i, p := range b.GoodPractices {
			v.Practices = append(v.Practices, practiceView{Heading: "(" + ChineseNumber(i+1) + ")", Region: p.RegionName, Text: sentence(p.Text)})
		}
	}
	next("complaints")
	v.Complaints = newComplaintsView(b.Complaints)
	if len(v.Complaints.Rows) > 0 {
		nextTable("complaints")
	}
	if c := b.Coverage; c.Total > 0 {
		next("coverage")
		v.Coverage = coverageView{
			Show: true, Inspected: c.Inspected, Total: c.Total, Left: c.Total - c.Inspected,
			Percent: FormatScore(100 * float64(c.Inspected) / float64(c.Total)), Remaining: joinNames(c.Remaining),
			Complete: c.Inspected == c.Total,
		}
	}
	if len(b.Requirements) > 0 {
		next("requirements")
		for _, r := range b.Requirements {
			v.Requirements = append(v.Requirements, sentence(r))
		}
	}
	return v
}

func scoreCell(x *float64) string {
	if x == nil {
		return "—"
	}
	return FormatScore(*x)
}

// newComplaintsView pivots the figures: one row per region (by code), a
// received and a substantiated column per category, then the totals.
func newComplaintsView(figs []ComplaintFigure) complaintsView {
	var v complaintsView
	for _, c := range ComplaintCategories {
		v.Heads = append(v.Heads, c.Chinese())
	}
	n := len(ComplaintCategories)
	type key struct{ code, name string }
	rows := map[key][]int{}
	var keys []key
	v.Total = complaintRow{Region: "合计", Cells: make([]int, 2*n+2)}
	for _, f := range figs {
		k := key{f.RegionCode, f.RegionName}
		cells, ok := rows[k]
		if !ok {
			cells = make([]int, 2*n+2)
			rows[k] = cells
			keys = append(keys, k)
		}
		i := slices.Index(ComplaintCategories, f.Category)
		for _, cs := range [][]int{cells, v.Total.Cells} {
			cs[2*i] += f.Received
			cs[2*i+1] += f.Substantiated
			cs[2*n] += f.Received
			cs[2*n+1] += f.Substantiated
		}
		switch f.Category {
		case ComplaintViciousCase:
			v.Vicious += f.Received
			v.ViciousConfirmed += f.Substantiated
		case ComplaintCrossProvinceStation, ComplaintForcedReturnCheck, ComplaintIllegalFees:
			v.Prohibition += f.Received
			v.ProhibitionOK += f.Substantiated
		}
	}
	slices.SortFunc(keys, func(a, b key) int {
		if c := strings.Compare(a.code, b.code); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	for _, k := range keys {
		v.Rows = append(v.Rows, complaintRow{Region: k.name, Cells: rows[k]})
	}
	v.Received, v.Substantiated = v.Total.Cells[2*n], v.Total.Cells[2*n+1]
	return v
}
