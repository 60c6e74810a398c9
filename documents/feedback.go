package documents

import (
	"strconv"
	"strings"
	"time"

	"github.com/ducha/ducha/domain"
)

// Severity grades a finding of the site review.
type Severity string

const (
	SeveritySerious Severity = "serious" // 严重
	SeverityGeneral Severity = "general" // 一般
	SeverityMinor   Severity = "minor"   // 轻微
)

// Severities lists the severities from the most serious down: the order in
// which a letter presents its findings.
var Severities = []Severity{SeveritySerious, SeverityGeneral, SeverityMinor}

var severityZH = map[Severity]string{SeveritySerious: "严重", SeverityGeneral: "一般", SeverityMinor: "轻微"}

// Valid reports whether s is one of the three severities.
func (s Severity) Valid() bool { _, ok := severityZH[s]; return ok }

// Chinese returns the severity's Chinese word: 严重, 一般 or 轻微 ("" when
// s is not valid).
func (s Severity) Chinese() string { return severityZH[s] }

// Finding is one problem the inspectors found, as the letter states it.
type Finding struct {
	// IndicatorCode is the indicator the problem is about, e.g. "IN12"; ""
	// for a problem that concerns no single indicator.
	IndicatorCode string   `json:"indicator_code,omitempty"`
	Severity      Severity `json:"severity"`
	Text          string   `json:"text"`
}

// Requirement is one rectification requirement (整改要求).
type Requirement struct {
	ID            int64  `json:"id"`
	IndicatorCode string `json:"indicator_code,omitempty"` // "" when it concerns no single indicator
	Text          string `json:"text"`
	// DueAt is this requirement's own deadline; the zero time means the
	// letter's RectificationDue.
	DueAt time.Time `json:"due_at"`
}

// FeedbackLetter is the feedback letter (反馈意见书) that goes back to the
// government of one inspected region: its scores, the findings and the
// rectification requirements with their due date. It is the content that
// is stored when the letter is issued and that never changes afterwards.
type FeedbackLetter struct {
	Number   string    `json:"number"` // FeedbackNumber(Year, Seq), e.g. 督查反馈〔2026〕3号
	Year     int       `json:"year"`
	Seq      int       `json:"seq"`
	IssuedAt time.Time `json:"issued_at"`
	// Masthead is the issuing organ's mark printed in red at the top
	// (发文机关标志), e.g. 国家人口和计划生育委员会; Issuer when empty.
	Masthead string `json:"masthead,omitempty"`
	// Title is the letter's title; FeedbackTitle(RegionName) when empty.
	Title string `json:"title,omitempty"`
	// Addressee is the government the letter goes to (主送机关), e.g.
	// 广东省人民政府: GovernmentOf(RegionName, level).
	Addressee    string `json:"addressee"`
	RegionCode   string `json:"region_code"`
	RegionName   string `json:"region_name"`
	CampaignName string `json:"campaign_name"`
	BatchName    string `json:"batch_name"`
	// Total is the region's score with both sets, their categories and
	// indicators, as domain.ScoreTotal computed it (unrounded).
	Total domain.Total `json:"total"`
	// IndicatorNames gives each indicator code its Chinese name (指标名称),
	// for the score tables and for findings and requirements; it may also
	// name the measures of an indicator that has several (IN18a, OUT15b:
	// 查询反馈率), which the tables then label. A missing name prints the code.
	IndicatorNames map[string]string `json:"indicator_names"`
	// Findings in the order the letter lists them within each severity.
	Findings         []Finding     `json:"findings"`
	Requirements     []Requirement `json:"requirements"`
	RectificationDue time.Time     `json:"rectification_due"`
	// Issuer signs the letter (发文机关署名), e.g. 国家人口计生委督查组.
	Issuer string `json:"issuer"`
}

// FeedbackTitle is a letter's default title:
// 关于广东省流动人口计划生育管理和服务工作检查评估情况的反馈意见.
func FeedbackTitle(regionName string) string {
	return "关于" + regionName + "流动人口计划生育管理和服务工作检查评估情况的反馈意见"
}

// Validate returns nil when the letter can be issued, else an EInvalid
// *domain.Error listing every problem: number, issue date, addressee, region
// (a statistical division code and a name), campaign name, issuer and
// rectification due date are required; the total must be the region's; each
// finding needs a valid severity and a text; each requirement a text.
// Renderers call it first, so a half-blank letter is never printed.
func (l FeedbackLetter) Validate() error {
	var v domain.Validation
	required := func(loc, s string) {
		if strings.TrimSpace(s) == "" {
			v.Add(loc, "is required")
		}
	}
	required("number", l.Number)
	if l.IssuedAt.IsZero() {
		v.Add("issued_at", "is required")
	}
	required("addressee", l.Addressee)
	required("region_name", l.RegionName)
	required("campaign_name", l.CampaignName)
	required("issuer", l.Issuer)
	if _, ok := domain.LevelOfCode(l.RegionCode); !ok {
		v.AddValue("region_code", l.RegionCode, "must be a statistical division code")
	}
	if l.Total.RegionCode != l.RegionCode {
		v.AddValue("total.region_code", l.Total.RegionCode, "must be the letter's region_code (%s)", l.RegionCode)
	}
	if l.RectificationDue.IsZero() {
		v.Add("rectification_due", "is required")
	}
	for i, f := range l.Findings {
		at := "findings[" + strconv.Itoa(i) + "]"
		if !f.Severity.Valid() {
			v.AddValue(at+".severity", string(f.Severity), "must be %q, %q or %q", SeveritySerious, SeverityGeneral, SeverityMinor)
		}
		required(at+".text", f.Text)
	}
	for i, r := range l.Requirements {
		required("requirements["+strconv.Itoa(i)+"].text", r.Text)
	}
	return v.Err()
}
