package domain

import (
	"fmt"
	"time"
)

// SetKind says which side of the two-way assessment a set measures.
type SetKind string

const (
	KindInflow  SetKind = "inflow"  // 流入地
	KindOutflow SetKind = "outflow" // 流出地
)

// Valid reports whether k is inflow or outflow.
func (k SetKind) Valid() bool { return k == KindInflow || k == KindOutflow }

// Category is one of the notice's five indicator categories.
type Category string

const (
	CategoryGuarantee   Category = "guarantee"   // 保障指标
	CategoryManagement  Category = "management"  // 管理指标
	CategoryService     Category = "service"     // 服务指标
	CategoryPerformance Category = "performance" // 绩效指标 (quantitative)
	CategoryIncentive   Category = "incentive"   // 激励指标
)

// Categories lists the five categories in the notice's order.
var Categories = []Category{CategoryGuarantee, CategoryManagement, CategoryService, CategoryPerformance, CategoryIncentive}

var categoryZH = map[Category]string{
	CategoryGuarantee: "保障指标", CategoryManagement: "管理指标", CategoryService: "服务指标",
	CategoryPerformance: "绩效指标", CategoryIncentive: "激励指标",
}

// Chinese returns the notice's name of the category.
func (c Category) Chinese() string { return categoryZH[c] }

// Valid reports whether c is one of the five categories.
func (c Category) Valid() bool { _, ok := categoryZH[c]; return ok }

// CategoryFromChinese maps the notice's wording to a Category.
func CategoryFromChinese(s string) (Category, bool) {
	for c, zh := range categoryZH {
		if zh == s {
			return c, true
		}
	}
	return "", false
}

// Direction says whether a higher rate is better (most measures) or worse
// (OUT15b 查无此人率).
type Direction string

const (
	HigherIsBetter Direction = "higher_is_better"
	LowerIsBetter  Direction = "lower_is_better"
)

// Valid reports whether d is one of the two directions.
func (d Direction) Valid() bool { return d == HigherIsBetter || d == LowerIsBetter }

// Stricter reports whether target a is stricter than target b under d:
// higher for higher-is-better, lower for lower-is-better. Equal is not stricter.
func (d Direction) Stricter(a, b float64) bool {
	if d == LowerIsBetter {
		return a < b
	}
	return a > b
}

// Measure is one rate of a performance indicator: numerator / denominator × 100%.
type Measure struct {
	Code        string    `json:"code"` // indicator code plus a letter: IN14a, OUT15b
	Name        string    `json:"name"` // e.g. 查询反馈率; the indicator's name when it has one measure
	NameEN      string    `json:"name_en,omitempty"`
	Numerator   string    `json:"numerator"`   // the notice's wording
	Denominator string    `json:"denominator"` // the notice's wording
	Direction   Direction `json:"direction"`
	// Target is the rate in percent (0–100) that scores 100; nil when none is set.
	Target *float64 `json:"target,omitempty"`
}

// LevelSpec is an indicator's assessment level (考评层级): the notice's
// wording and a machine form, the range of levels it covers.
type LevelSpec struct {
	Text     string `json:"text"`      // verbatim, e.g. "县(市、区)以上"; "" where the notice gives none
	Lowest   Level  `json:"lowest"`    // the lowest level assessed, e.g. county
	Highest  Level  `json:"highest"`   // the highest level assessed; nation when "and above"
	AndAbove bool   `json:"and_above"` // the wording means "this level and above" (以上)
}

// Covers reports whether a region of level lv is assessed for the indicator.
func (s LevelSpec) Covers(lv Level) bool { return lv >= s.Highest && lv <= s.Lowest }

// Indicator is one row of the notice's tables, or a local addition.
type Indicator struct {
	Code        string    `json:"code"` // IN01–IN21, OUT01–OUT18, or a local code prefixed by the region
	Category    Category  `json:"category"`
	Item        string    `json:"item"` // 项目, e.g. 领导机制
	ItemEN      string    `json:"item_en,omitempty"`
	Name        string    `json:"name"` // 指标名称
	NameEN      string    `json:"name_en,omitempty"`
	Explanation string    `json:"explanation"` // 指标解释, verbatim
	Level       LevelSpec `json:"level"`
	Measures    []Measure `json:"measures,omitempty"` // performance indicators only
	Weight      float64   `json:"weight"`             // relative weight inside its set; 1 by default
	Position    int       `json:"position"`           // order in the set, from 1
	Local       bool      `json:"local,omitempty"`    // added by a derived set
}

// Quantitative reports whether the indicator is scored from rates.
func (in Indicator) Quantitative() bool { return len(in.Measures) > 0 }

// MeasureCode builds a measure code from an indicator code and a 0-based index.
func MeasureCode(indicatorCode string, i int) string {
	return fmt.Sprintf("%s%c", indicatorCode, 'a'+i)
}

// SetStatus is the life of an indicator set: a draft may change; a
// published set never does.
type SetStatus string

const (
	SetDraft     SetStatus = "draft"
	SetPublished SetStatus = "published"
)

// IndicatorSet is one version of a catalogue: a national set of the notice,
// or a set a region derived from its parent (part 二 of the notice).
type IndicatorSet struct {
	ID          int64       `json:"id"`
	Code        string      `json:"code"`
	Kind        SetKind     `json:"kind"`
	Name        string      `json:"name"`
	NameEN      string      `json:"name_en,omitempty"`
	RegionCode  string      `json:"region_code"` // "0" for the national sets
	ParentID    *int64      `json:"parent_id"`   // nil for the national sets
	Status      SetStatus   `json:"status"`
	Version     int         `json:"version"` // optimistic-lock counter of the draft
	CreatedAt   time.Time   `json:"created_at"`
	PublishedAt *time.Time  `json:"published_at"`
	Indicators  []Indicator `json:"indicators"`
	// Removed lists the parent's indicators that this derived set dropped,
	// each with the recorded reason; they are not part of the set.
	Removed []RemovedIndicator `json:"removed,omitempty"`
}

// RemovedIndicator is one of the parent's indicators that a derived set
// dropped, with why and when.
type RemovedIndicator struct {
	Code      string    `json:"code"`
	Name      string    `json:"name"`
	Reason    string    `json:"reason"`
	RemovedAt time.Time `json:"removed_at"`
}

// Indicator returns the indicator with the given code.
func (s IndicatorSet) Indicator(code string) (Indicator, bool) {
	for _, in := range s.Indicators {
		if in.Code == code {
			return in, true
		}
	}
	return Indicator{}, false
}

// Measures returns every measure of the set by code.
func (s IndicatorSet) Measures() map[string]Measure {
	out := map[string]Measure{}
	for _, in := range s.Indicators {
		for _, m := range in.Measures {
			out[m.Code] = m
		}
	}
	return out
}
