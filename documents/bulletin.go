package documents

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ducha/ducha/domain"
)

// ComplaintCategory is what a complaint is about (API.md: a complaint's
// category): one of the three prohibitions, a vicious case, or other.
type ComplaintCategory string

const (
	ComplaintCrossProvinceStation ComplaintCategory = "cross_province_station" // 跨省设站孕检
	ComplaintForcedReturnCheck    ComplaintCategory = "forced_return_check"    // 强迫返乡孕检
	ComplaintIllegalFees          ComplaintCategory = "illegal_fees"           // 乱收费
	ComplaintViciousCase          ComplaintCategory = "vicious_case"           // 恶性案件
	ComplaintOther                ComplaintCategory = "other"                  // 其他
)

// ComplaintCategories lists the categories in the order a bulletin's
// table has them: the three prohibitions in the notice's order, vicious
// cases, other.
var ComplaintCategories = []ComplaintCategory{
	ComplaintCrossProvinceStation, ComplaintForcedReturnCheck, ComplaintIllegalFees, ComplaintViciousCase, ComplaintOther,
}

var complaintZH = map[ComplaintCategory]string{
	ComplaintCrossProvinceStation: "跨省设站孕检", ComplaintForcedReturnCheck: "强迫返乡孕检",
	ComplaintIllegalFees: "乱收费", ComplaintViciousCase: "恶性案件", ComplaintOther: "其他",
}

// Valid reports whether c is one of the five categories.
func (c ComplaintCategory) Valid() bool { _, ok := complaintZH[c]; return ok }

// Chinese returns the category's Chinese name ("" when c is not valid).
func (c ComplaintCategory) Chinese() string { return complaintZH[c] }

// Period is the span of the site reviews a bulletin reports on.
type Period struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// RankedRegion is one line of a bulletin's ranking. Scores are unrounded;
// a nil score, and a category missing from a map, has no score (pending or
// not applicable).
type RankedRegion struct {
	Rank       int    `json:"rank"` // from 1, equal totals share a rank; 0 when unranked (no total)
	RegionCode string `json:"region_code"`
	RegionName string `json:"region_name"`
	// Status is the total's status: only scored regions are ranked.
	Status  domain.ScoreStatus `json:"status"`
	Total   *float64           `json:"total"`
	Inflow  *float64           `json:"inflow"`
	Outflow *float64           `json:"outflow"`
	// InflowCategories and OutflowCategories are the category sub-scores of
	// each set, for the categories that have a score.
	InflowCategories  map[domain.Category]float64 `json:"inflow_categories"`
	OutflowCategories map[domain.Category]float64 `json:"outflow_categories"`
	Provisional       bool                        `json:"provisional"` // some score rests on self-reported figures
	Incomplete        bool                        `json:"incomplete"`  // some indicator is still pending
	Vetoed            bool                        `json:"vetoed"`      // the one-vote veto scored IN12/OUT10 at 0
}

// RankRegions turns the batch's totals into ranking lines in domain.Rank's
// order and ranks (highest total first, ties share a rank, unscored last),
// with the region names from names (code → name; the code itself where a
// name is missing). totals is not modified.
func RankRegions(totals []domain.Total, names map[string]string) []RankedRegion {
	byCode := make(map[string]*domain.Total, len(totals))
	for i := range totals {
		byCode[totals[i].RegionCode] = &totals[i]
	}
	ranks := domain.Rank(totals)
	out := make([]RankedRegion, 0, len(ranks))
	for _, e := range ranks {
		t := byCode[e.RegionCode]
		name := names[e.RegionCode]
		if name == "" {
			name = e.RegionCode
		}
		r := RankedRegion{
			Rank: e.Rank, RegionCode: e.RegionCode, RegionName: name, Status: e.Status,
			Provisional: e.Provisional, Incomplete: e.Incomplete,
			Vetoed:           t.Veto != nil && t.Veto.Vetoed,
			InflowCategories: categoryScores(t.Inflow), OutflowCategories: categoryScores(t.Outflow),
		}
		if t.Status == domain.StatusScored {
			r.Total = ptr(t.Score)
		}
		if t.Inflow.Status == domain.StatusScored {
			r.Inflow = ptr(t.Inflow.Score)
		}
		if t.Outflow.Status == domain.StatusScored {
			r.Outflow = ptr(t.Outflow.Score)
		}
		out = append(out, r)
	}
	return out
}

func categoryScores(s domain.SetScore) map[domain.Category]float64 {
	m := map[domain.Category]float64{}
	for _, c := range s.Categories {
		if c.Status == domain.StatusScored {
			m[c.Category] = c.Score
		}
	}
	return m
}

func ptr[T any](v T) *T { return &v }

// ProblemGroup is one common problem (共性问题): an indicator on which
// several inspected regions fell short, the regions (names) and a few
// examples from the findings.
type ProblemGroup struct {
	IndicatorCode string   `json:"indicator_code"`
	IndicatorName string   `json:"indicator_name"`
	Regions       []string `json:"regions"`
	Count         int      `json:"count"` // how many regions; len(Regions) when CommonProblems built it
	Examples      []string `json:"examples"`
}

// RegionFindings is one inspected region's findings: what CommonProblems
// groups.
type RegionFindings struct {
	RegionCode string    `json:"region_code"`
	RegionName string    `json:"region_name"`
	Findings   []Finding `json:"findings"`
}

// CommonProblems groups the batch's findings by indicator and keeps the
// indicators that at least minRegions regions share (minRegions below 1
// counts as 1). Findings without an indicator code are left out. Regions are
// listed by region code; Examples are up to maxExamples finding texts, the
// more serious first, then by region code, then in the region's order.
// Groups come most widespread first, then by indicator code; names gives
// each indicator's name (the code where missing). The result is the same
// whatever the order of regions.
func CommonProblems(regions []RegionFindings, names map[string]string, minRegions, maxExamples int) []ProblemGroup {
	type example struct {
		sev        int
		regionCode string
		pos        int
		text       string
	}
	type group struct {
		regions  map[string]string // code → name
		examples []example
	}
	groups := map[string]*group{}
	for _, r := range regions {
		for i, f := range r.Findings {
			if f.IndicatorCode == "" {
				continue
			}
			g := groups[f.IndicatorCode]
			if g == nil {
				g = &group{regions: map[string]string{}}
				groups[f.IndicatorCode] = g
			}
			g.regions[r.RegionCode] = r.RegionName
			sev := slices.Index(Severities, f.Severity)
			if sev < 0 {
				sev = len(Severities)
			}
			g.examples = append(g.examples, example{sev, r.RegionCode, i, f.Text})
		}
	}
	out := []ProblemGroup{}
	for code, g := range groups {
		if len(g.regions) < max(minRegions, 1) {
			continue
		}
		codes := make([]string, 0, len(g.regions))
		for c := range g.regions {
			codes = append(codes, c)
		}
		slices.Sort(codes)
		p := ProblemGroup{IndicatorCode: code, IndicatorName: names[code], Count: len(codes), Regions: make([]string, len(codes)), Examples: []string{}}
		if p.IndicatorName == "" {
			p.IndicatorName = code
		}
		for i, c := range codes {
			p.Regions[i] = g.regions[c]
		}
		slices.SortFunc(g.examples, func(a, b example) int {
			return cmp.Or(cmp.Compare(a.sev, b.sev), strings.Compare(a.regionCode, b.regionCode), cmp.Compare(a.pos, b.pos))
		})
		for _, e := range g.examples[:min(max(maxExamples, 0), len(g.examples))] {
			p.Examples = append(p.Examples, e.text)
		}
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b ProblemGroup) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.IndicatorCode, b.IndicatorCode))
	})
	return out
}

// Practice is a good practice (好的做法) worth passing on to the country.
type Practice struct {
	RegionName string `json:"region_name"`
	Text       string `json:"text"`
}

// ComplaintFigure counts one region's complaints of one category during
// the campaign window: received and, of those, substantiated.
type ComplaintFigure struct {
	RegionCode    string            `json:"region_code"`
	RegionName    string            `json:"region_name"`
	Category      ComplaintCategory `json:"category"`
	Received      int               `json:"received"`
	Substantiated int               `json:"substantiated"`
}

// Coverage says how far the campaign has got: Inspected of Total regions
// in scope, and the names of the Remaining ones.
type Coverage struct {
	Inspected int      `json:"inspected"`
	Total     int      `json:"total"`
	Remaining []string `json:"remaining"`
}

// Bulletin is the bulletin (通报) on one batch that goes to the whole
// country. It is the content stored when the bulletin is issued and never
// changes afterwards.
type Bulletin struct {
	Number   string    `json:"number"` // BulletinNumber(Year, Seq), e.g. 督查通报〔2026〕1号
	Year     int       `json:"year"`
	Seq      int       `json:"seq"`
	IssuedAt time.Time `json:"issued_at"`
	// Masthead is the issuing organ's mark printed in red at the top
	// (发文机关标志); Issuer when empty.
	Masthead string `json:"masthead,omitempty"`
	Title    string `json:"title"` // e.g. 关于2026年第一批流动人口计划生育管理和服务工作检查评估情况的通报
	// Addressee is who the bulletin goes to (主送机关), e.g.
	// 各省、自治区、直辖市人口计生委; none is printed when empty.
	Addressee    string `json:"addressee,omitempty"`
	CampaignName string `json:"campaign_name"`
	BatchName    string `json:"batch_name"`
	Period       Period `json:"period"`
	// Ranking in rank order (RankRegions builds it).
	Ranking        []RankedRegion    `json:"ranking"`
	CommonProblems []ProblemGroup    `json:"common_problems"`
	GoodPractices  []Practice        `json:"good_practices"`
	Complaints     []ComplaintFigure `json:"complaints"`
	Coverage       Coverage          `json:"coverage"`
	// Requirements are the closing work requirements (工作要求), one
	// paragraph each; the section is left out when there are none.
	Requirements []string `json:"requirements,omitempty"`
	Issuer       string   `json:"issuer"` // signs the bulletin, e.g. 国家人口计生委办公厅
}

// Validate returns nil when the bulletin can be issued, else an EInvalid
// *domain.Error listing every problem: number, issue date, title, issuer,
// campaign name and period (From not after To) are required; the ranking
// lists at least one region, each with a statistical division code and a
// name; complaint figures need a valid category, a region name and
// 0 <= substantiated <= received; coverage has 0 <= inspected <= total.
// Renderers call it first.
func (b Bulletin) Validate() error {
	var v domain.Validation
	required := func(loc, s string) {
		if strings.TrimSpace(s) == "" {
			v.Add(loc, "is required")
		}
	}
	required("number", b.Number)
	required("title", b.Title)
	required("issuer", b.Issuer)
	required("campaign_name", b.CampaignName)
	if len(b.Ranking) == 0 {
		v.Add("ranking", "must list at least one region")
	}
	if b.IssuedAt.IsZero() {
		v.Add("issued_at", "is required")
	}
	if b.Period.From.IsZero() || b.Period.To.IsZero() {
		v.Add("period", "from and to are required")
	} else if b.Period.To.Before(b.Period.From) {
		v.Add("period.to", "must not be before period.from")
	}
	for i, r := range b.Ranking {
		at := "ranking[" + strconv.Itoa(i) + "]"
		if _, ok := domain.LevelOfCode(r.RegionCode); !ok {
			v.AddValue(at+".region_code", r.RegionCode, "must be a statistical division code")
		}
		required(at+".region_name", r.RegionName)
	}
	for i, c := range b.Complaints {
		at := "complaints[" + strconv.Itoa(i) + "]"
		if !c.Category.Valid() {
			v.AddValue(at+".category", string(c.Category), "must be one of cross_province_station, forced_return_check, illegal_fees, vicious_case, other")
		}
		required(at+".region_name", c.RegionName)
		if c.Received < 0 {
			v.AddValue(at+".received", c.Received, "must not be negative")
		}
		if c.Substantiated < 0 || c.Substantiated > c.Received {
			v.AddValue(at+".substantiated", c.Substantiated, "must be from 0 to received (%d)", c.Received)
		}
	}
	if b.Coverage.Inspected < 0 || b.Coverage.Inspected > b.Coverage.Total {
		v.AddValue("coverage.inspected", b.Coverage.Inspected, "must be from 0 to coverage.total (%d)", b.Coverage.Total)
	}
	return v.Err()
}
