package documents

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/ducha/ducha/domain"
)

func scoredTotal(code string, score float64) domain.Total {
	set := func(k domain.SetKind) domain.SetScore {
		return domain.SetScore{Kind: k, MeanScore: domain.MeanScore{Status: domain.StatusScored, Score: score},
			Categories: []domain.CategoryScore{
				{Category: domain.CategoryGuarantee, MeanScore: domain.MeanScore{Status: domain.StatusScored, Score: score}},
				{Category: domain.CategoryService, MeanScore: domain.MeanScore{Status: domain.StatusPending}},
			}}
	}
	return domain.Total{RegionCode: code, Status: domain.StatusScored, Score: score, Inflow: set(domain.KindInflow), Outflow: set(domain.KindOutflow)}
}

func TestRankRegions(t *testing.T) {
	pending := domain.Total{RegionCode: "11", Status: domain.StatusPending, Incomplete: true,
		Inflow:  domain.SetScore{Kind: domain.KindInflow, MeanScore: domain.MeanScore{Status: domain.StatusScored, Score: 70}},
		Outflow: domain.SetScore{Kind: domain.KindOutflow, MeanScore: domain.MeanScore{Status: domain.StatusPending}}}
	vetoed := scoredTotal("45", 80)
	vetoed.Veto = &domain.VetoOutcome{Vetoed: true}
	totals := []domain.Total{pending, scoredTotal("44", 80), vetoed, scoredTotal("33", 91.25)}
	got := RankRegions(totals, map[string]string{"44": "广东省", "45": "广西壮族自治区", "33": "浙江省"})

	var lines []string
	for _, r := range got {
		lines = append(lines, strings.Join([]string{FormatScore(float64(r.Rank)), r.RegionCode, r.RegionName}, " "))
	}
	want := []string{"1.0 33 浙江省", "2.0 44 广东省", "2.0 45 广西壮族自治区", "0.0 11 11"}
	if !slices.Equal(lines, want) {
		t.Fatalf("ranking %q, want %q", lines, want)
	}
	if r := got[0]; *r.Total != 91.25 || *r.Inflow != 91.25 || r.InflowCategories[domain.CategoryGuarantee] != 91.25 {
		t.Errorf("浙江省 %+v", r)
	}
	if _, ok := got[0].InflowCategories[domain.CategoryService]; ok {
		t.Error("a pending category has a score in the ranking")
	}
	if !got[2].Vetoed || got[1].Vetoed {
		t.Error("only 广西 is vetoed")
	}
	if r := got[3]; r.Total != nil || r.Inflow == nil || *r.Inflow != 70 || r.Outflow != nil || !r.Incomplete || r.Status != domain.StatusPending {
		t.Errorf("the unranked region %+v", r)
	}
}

func TestCommonProblems(t *testing.T) {
	regions := []RegionFindings{
		{RegionCode: "45", RegionName: "广西壮族自治区", Findings: []Finding{
			{IndicatorCode: "IN07", Severity: SeverityMinor, Text: "广西 IN07 轻微"},
			{IndicatorCode: "IN07", Severity: SeveritySerious, Text: "广西 IN07 严重"},
			{IndicatorCode: "IN17", Severity: SeverityGeneral, Text: "广西 IN17"},
			{Severity: SeverityGeneral, Text: "no indicator"},
		}},
		{RegionCode: "44", RegionName: "广东省", Findings: []Finding{
			{IndicatorCode: "IN07", Severity: SeverityGeneral, Text: "广东 IN07"},
			{IndicatorCode: "OUT10", Severity: SeveritySerious, Text: "广东 OUT10"},
			{IndicatorCode: "IN17", Severity: SeverityGeneral, Text: "广东 IN17"},
		}},
		{RegionCode: "33", RegionName: "浙江省", Findings: []Finding{
			{IndicatorCode: "IN17", Severity: SeverityMinor, Text: "浙江 IN17"},
		}},
	}
	names := map[string]string{"IN07": "双向管理", "IN17": "流动人口免费孕检率"}
	got := CommonProblems(regions, names, 2, 2)
	want := []ProblemGroup{
		{IndicatorCode: "IN17", IndicatorName: "流动人口免费孕检率", Regions: []string{"浙江省", "广东省", "广西壮族自治区"}, Count: 3,
			Examples: []string{"广东 IN17", "广西 IN17"}},
		{IndicatorCode: "IN07", IndicatorName: "双向管理", Regions: []string{"广东省", "广西壮族自治区"}, Count: 2,
			Examples: []string{"广西 IN07 严重", "广东 IN07"}},
	}
	gj, _ := json.Marshal(got)
	wj, _ := json.Marshal(want)
	if !bytes.Equal(gj, wj) {
		t.Fatalf("CommonProblems =\n%s\nwant\n%s", gj, wj)
	}
	slices.Reverse(regions)
	if again, _ := json.Marshal(CommonProblems(regions, names, 2, 2)); !bytes.Equal(again, gj) {
		t.Error("the result depends on the order of the regions")
	}
	all := CommonProblems(regions, nil, 0, 0)
	if len(all) != 3 || all[2].IndicatorCode != "OUT10" || all[2].IndicatorName != "OUT10" || len(all[2].Examples) != 0 {
		t.Errorf("minRegions 0 gives %+v", all)
	}
}

// The issued content is stored as JSON and rendered again later: the JSON
// must carry everything the documents show.
func TestJSONRoundTripRendersTheSame(t *testing.T) {
	l := fixtureLetter(t)
	var l2 FeedbackLetter
	roundTrip(t, l, &l2)
	if !bytes.Equal(renderFeedback(t, l), renderFeedback(t, l2)) {
		t.Error("the letter renders differently after a JSON round trip")
	}
	b := fixtureBulletin(t)
	var b2 Bulletin
	roundTrip(t, b, &b2)
	if !bytes.Equal(renderBulletin(t, b), renderBulletin(t, b2)) {
		t.Error("the bulletin renders differently after a JSON round trip")
	}
	js, _ := json.Marshal(b)
	for _, key := range []string{`"number":"督查通报〔2026〕1号"`, `"issued_at":"2026-03-20T15:00:00+08:00"`, `"inflow_categories":{`, `"common_problems":[`, `"category":"vicious_case"`, `"rank":1`} {
		if !bytes.Contains(js, []byte(key)) {
			t.Errorf("the bulletin's JSON lacks %s", key)
		}
	}
}

func roundTrip(t *testing.T, in, out any) {
	t.Helper()
	js, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(js, out); err != nil {
		t.Fatal(err)
	}
}

// A letter before every indicator is rated, with nothing found, and a bulletin
// with only the required sections still read as documents.
func TestSparseDocuments(t *testing.T) {
	l := fixtureLetter(t)
	l.Findings, l.Requirements = nil, nil
	l.Total.Status, l.Total.Score, l.Total.Pending = domain.StatusPending, 0, []string{"IN05"}
	html := string(renderFeedback(t, l))
	for _, want := range []string{"你区尚有指标未完成评定,总得分暂缺;流入地指标综合得分", "尚未完成评定的指标:工作规范(IN05)。",
		"本次检查评估未发现需要反馈的问题。", "三、整改要求", "书面报告国家人口计生委督查组。</p>"} {
		if !strings.Contains(html, want) {
			t.Errorf("the sparse letter lacks %q", want)
		}
	}

	b := fixtureBulletin(t)
	b.CommonProblems, b.GoodPractices, b.Complaints, b.Requirements, b.Addressee = nil, nil, nil, nil, ""
	b.Coverage = Coverage{Inspected: 31, Total: 31}
	html = string(renderBulletin(t, b))
	for _, want := range []string{"<h2>二、投诉举报情况</h2>", "未受理涉及本批受检省(区、市)的投诉举报。",
		"<h2>三、检查评估进度</h2>", "已完成对全部31个省(区、市)的检查评估。"} {
		if !strings.Contains(html, want) {
			t.Errorf("the sparse bulletin lacks %q", want)
		}
	}
	for _, bad := range []string{"共性问题", "好的做法", "工作要求", "表4", `class="addressee"`} {
		if strings.Contains(html, bad) {
			t.Errorf("the sparse bulletin has %q", bad)
		}
	}
}
