package documents

import (
	"testing"
	"time"

	"github.com/ducha/ducha/catalogue"
	"github.com/ducha/ducha/domain"
)

// The fixture: the first batch of a national campaign, two provinces scored
// on the real national sets. 广东省 is verified throughout; 广西壮族自治区
// has a substantiated vicious case (the one-vote veto), a self-reported
// figure (provisional), a measure with nothing to count (not applicable)
// and findings of every severity, one of them with text that must be
// escaped ("<80%", "<待补充>", "A&B").

func at(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, beijing) }

type figure struct {
	self, verified *domain.Figures
	na             bool
}

func verified(n, d float64) figure {
	return figure{verified: &domain.Figures{Numerator: n, Denominator: d}}
}
func selfOnly(n, d float64) figure {
	return figure{self: &domain.Figures{Numerator: n, Denominator: d}}
}

// campaignTargets are the campaign's targets (percent); OUT15b is lower-is-better.
var campaignTargets = map[string]float64{"IN14a": 95, "IN15a": 90, "IN17a": 90, "OUT13a": 90, "OUT15b": 5}

type province struct {
	code, name string
	ratings    map[string]domain.Rating // qualitative indicators not listed are met
	figures    map[string]figure
	veto       domain.Veto
	findings   []Finding
}

var guangdong = province{
	code: "44", name: "广东省",
	ratings: map[string]domain.Rating{"IN06": domain.RatingLargelyMet, "IN07": domain.RatingLargelyMet, "IN13": domain.RatingNotMet, "OUT09": domain.RatingLargelyMet},
	figures: map[string]figure{
		"IN14a": verified(9120, 9600), "IN15a": verified(8710, 9600), "IN16a": verified(1432, 1500),
		"IN17a": verified(20310, 24000), "IN18a": verified(3012, 3300), "IN18b": verified(2890, 3300),
		"IN19a": verified(5620, 5900), "OUT12a": verified(4210, 4500), "OUT13a": verified(3980, 4500),
		"OUT14a": verified(3650, 4100), "OUT15a": verified(1870, 2000), "OUT15b": verified(96, 1870),
		"OUT16a": verified(2410, 2500),
	},
	findings: []Finding{
		{IndicatorCode: "IN17", Severity: SeverityGeneral, Text: "孕检服务覆盖不足,部分工业园区未设服务点。"},
		{IndicatorCode: "IN07", Severity: SeverityGeneral, Text: "与主要流出地签订协作协议的比例不高"},
		{IndicatorCode: "IN08", Severity: SeverityMinor, Text: "信息系统与国家交换平台的数据交换不够及时。"},
	},
}

var guangxi = province{
	code: "45", name: "广西壮族自治区",
	ratings: map[string]domain.Rating{"IN07": domain.RatingNotMet, "IN13": domain.RatingLargelyMet, "OUT05": domain.RatingLargelyMet, "OUT11": domain.RatingLargelyMet},
	figures: map[string]figure{
		"IN14a": verified(3010, 3600), "IN15a": verified(2980, 3600), "IN16a": verified(410, 450),
		"IN17a": selfOnly(5020, 7200), "IN18a": verified(880, 1100), "IN18b": verified(790, 1100),
		"IN19a": {na: true}, "OUT12a": verified(8120, 9000), "OUT13a": verified(7650, 9000),
		"OUT14a": verified(6900, 8100), "OUT15a": verified(2400, 3000), "OUT15b": verified(310, 2400),
		"OUT16a": verified(3100, 3300),
	},
	veto: domain.Veto{Triggered: true, Cases: []string{"TS-2026-0131"}},
	findings: []Finding{
		{IndicatorCode: "IN07", Severity: SeverityGeneral, Text: "与主要流出地的双向协作机制尚未建立,信息通报不及时。"},
		{IndicatorCode: "IN12", Severity: SeveritySerious, Text: "南宁市某城区发生一起强迫流动人口返乡孕检并造成人身伤害的恶性案件,群众反映强烈。"},
		{IndicatorCode: "OUT10", Severity: SeveritySerious, Text: "部分县为外出务工人员办理婚育证明时收取押金、保证金"},
		{IndicatorCode: "IN17", Severity: SeverityGeneral, Text: "流动人口免费孕检率偏低,抽查的12个乡镇中孕检率<80%的有7个。"},
		{IndicatorCode: "IN13", Severity: SeverityMinor, Text: "个别社区流动人口协会台账中仍有“<待补充>”“A&B”等占位内容。"},
		{Severity: SeverityGeneral, Text: "自查报告对存在问题的分析不够深入。"},
	},
}

// nationalNames names every national indicator and, where an indicator has
// several measures, each measure.
func nationalNames(t testing.TB) (map[string]string, []catalogue.Set) {
	t.Helper()
	sets, err := catalogue.National()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for _, s := range sets {
		for _, ind := range s.Indicators {
			names[ind.Code] = ind.Name
			if len(ind.Measures) > 1 {
				for _, m := range ind.Measures {
					names[m.Code] = m.Name
				}
			}
		}
	}
	return names, sets
}

func scoreProvince(t testing.TB, sets []catalogue.Set, p province) domain.Total {
	t.Helper()
	in := domain.RegionInput{RegionCode: p.code, Veto: p.veto}
	for _, s := range sets {
		si := domain.NewSetInput(s.Kind, s.Indicators)
		for i := range si.Indicators {
			ind := &si.Indicators[i]
			if len(ind.Measures) == 0 {
				ind.Rating = domain.RatingMet
				if r, ok := p.ratings[ind.Code]; ok {
					ind.Rating = r
				}
				continue
			}
			for j := range ind.Measures {
				m := &ind.Measures[j]
				if target, ok := campaignTargets[m.Code]; ok {
					m.Target = &target
				}
				f, ok := p.figures[m.Code]
				if !ok {
					t.Fatalf("%s: no figure for %s", p.name, m.Code)
				}
				m.NotApplicable, m.SelfReported, m.Verified = f.na, f.self, f.verified
			}
		}
		if s.Kind == domain.KindInflow {
			in.Inflow = si
		} else {
			in.Outflow = si
		}
	}
	total, err := domain.ScoreTotal(domain.DefaultScoring(), in)
	if err != nil {
		t.Fatal(err)
	}
	return total
}

const (
	fixtureCampaign = "全国流动人口计划生育管理和服务工作检查评估(2026—2028年)"
	fixtureBatch    = "第一批"
)

// fixtureLetter is the feedback letter to 广西壮族自治区.
func fixtureLetter(t testing.TB) FeedbackLetter {
	names, sets := nationalNames(t)
	return FeedbackLetter{
		Number:         FeedbackNumber(2026, 3),
		Year:           2026,
		Seq:            3,
		IssuedAt:       at(2026, time.March, 2, 10),
		Masthead:       "国家人口和计划生育委员会",
		Addressee:      GovernmentOf(guangxi.name, domain.LevelProvince),
		RegionCode:     guangxi.code,
		RegionName:     guangxi.name,
		CampaignName:   fixtureCampaign,
		BatchName:      fixtureBatch,
		Total:          scoreProvince(t, sets, guangxi),
		IndicatorNames: names,
		Findings:       guangxi.findings,
		Requirements: []Requirement{
			{ID: 101, IndicatorCode: "IN12", Text: "依法严肃查处恶性案件责任人,向社会公布处理结果,并建立责任追究制度", DueAt: at(2026, time.April, 15, 0)},
			{ID: 102, IndicatorCode: "OUT10", Text: "立即清退违规收取的押金、保证金,全面清理收费项目。"},
			{ID: 103, IndicatorCode: "IN17", Text: "将免费孕检服务延伸到流动人口集中居住地,年内免费孕检率达到90%以上。"},
			{ID: 104, Text: "建立整改台账,逐项销号。"},
		},
		RectificationDue: at(2026, time.May, 31, 0),
		Issuer:           "国家人口计生委督查组",
	}
}

// fixtureBulletin is the bulletin on the batch of both provinces.
func fixtureBulletin(t testing.TB) Bulletin {
	names, sets := nationalNames(t)
	totals := []domain.Total{scoreProvince(t, sets, guangxi), scoreProvince(t, sets, guangdong)}
	regionNames := map[string]string{guangdong.code: guangdong.name, guangxi.code: guangxi.name}
	var rf []RegionFindings
	for _, p := range []province{guangxi, guangdong} {
		rf = append(rf, RegionFindings{RegionCode: p.code, RegionName: p.name, Findings: p.findings})
	}
	return Bulletin{
		Number:         BulletinNumber(2026, 1),
		Year:           2026,
		Seq:            1,
		IssuedAt:       at(2026, time.March, 20, 15),
		Masthead:       "国家人口和计划生育委员会",
		Title:          "关于2026年第一批流动人口计划生育管理和服务工作检查评估情况的通报",
		Addressee:      "各省、自治区、直辖市人口计生委,新疆生产建设兵团人口计生委",
		CampaignName:   fixtureCampaign,
		BatchName:      fixtureBatch,
		Period:         Period{From: at(2026, time.January, 12, 9), To: at(2026, time.February, 6, 17)},
		Ranking:        RankRegions(totals, regionNames),
		CommonProblems: CommonProblems(rf, names, 2, 3),
		GoodPractices: []Practice{
			{RegionName: "广东省", Text: "在外来务工人员集中的工业园区设立流动人口计划生育服务站,提供“一站式”服务 & 免费孕检上门服务"},
			{RegionName: "广西壮族自治区", Text: "与广东省建立劳务输出协作机制,流出人口婚育证明网上办理。"},
		},
		Complaints: []ComplaintFigure{
			{RegionCode: "45", RegionName: "广西壮族自治区", Category: ComplaintForcedReturnCheck, Received: 4, Substantiated: 2},
			{RegionCode: "45", RegionName: "广西壮族自治区", Category: ComplaintIllegalFees, Received: 6, Substantiated: 3},
			{RegionCode: "45", RegionName: "广西壮族自治区", Category: ComplaintViciousCase, Received: 1, Substantiated: 1},
			{RegionCode: "45", RegionName: "广西壮族自治区", Category: ComplaintOther, Received: 2, Substantiated: 0},
			{RegionCode: "44", RegionName: "广东省", Category: ComplaintCrossProvinceStation, Received: 3, Substantiated: 1},
			{RegionCode: "44", RegionName: "广东省", Category: ComplaintIllegalFees, Received: 5, Substantiated: 2},
			{RegionCode: "44", RegionName: "广东省", Category: ComplaintOther, Received: 7, Substantiated: 0},
		},
		Coverage: Coverage{Inspected: 12, Total: 31, Remaining: []string{
			"天津市", "山西省", "内蒙古自治区", "吉林省", "黑龙江省", "江西省", "河南省", "湖南省", "海南省", "重庆市",
			"四川省", "贵州省", "云南省", "西藏自治区", "陕西省", "甘肃省", "青海省", "宁夏回族自治区", "新疆维吾尔自治区",
		}},
		Requirements: []string{
			"各地要对照检查评估指标和本通报指出的问题,举一反三,认真自查自纠,切实加强流动人口计划生育基层基础工作",
			"要坚持依法行政,严格落实三个“严禁”,坚决杜绝恶性案件,切实维护流动人口的合法权益。",
		},
		Issuer: "国家人口计生委办公厅",
	}
}
