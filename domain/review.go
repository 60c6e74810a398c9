package domain

import "time"

// The site review's record beyond the scores: findings graded by severity
// and rectification requirements with due dates. Feedback letters and
// bulletins read them (store.Tx.Findings, store.Tx.Requirements).

// Severity grades a finding of the site review.
type Severity string

const (
	SeveritySerious Severity = "serious" // 严重
	SeverityGeneral Severity = "general" // 一般
	SeverityMinor   Severity = "minor"   // 轻微
)

// Severities lists the grades, gravest first.
var Severities = []Severity{SeveritySerious, SeverityGeneral, SeverityMinor}

// Valid reports whether s is one of the three grades.
func (s Severity) Valid() bool {
	return s == SeveritySerious || s == SeverityGeneral || s == SeverityMinor
}

// Finding is what the site review found wrong with one indicator of an
// inspection.
type Finding struct {
	ID            int64     `json:"id"`
	InspectionID  int64     `json:"inspection_id"`
	IndicatorCode string    `json:"indicator_code"`
	Severity      Severity  `json:"severity"`
	Text          string    `json:"text"`
	CreatedAt     time.Time `json:"created_at"`
}

// Requirement is a rectification requirement (整改要求) the site review set
// on one indicator of an inspection, due by DueAt.
type Requirement struct {
	ID            int64     `json:"id"`
	InspectionID  int64     `json:"inspection_id"`
	IndicatorCode string    `json:"indicator_code"`
	Text          string    `json:"text"`
	DueAt         time.Time `json:"due_at"`
	CreatedAt     time.Time `json:"created_at"`
}

// Review is the site review of one indicator of an inspection: a rating for
// a qualitative indicator, or the verified figures of each measure of a
// quantitative one (a measure may be verified as not applicable). For a
// veto indicator, VetoOverride is the reviewer's reason for overriding the
// one-vote veto ("" when not overridden).
type Review struct {
	ID            int64                     `json:"id"`
	InspectionID  int64                     `json:"inspection_id"`
	IndicatorCode string                    `json:"indicator_code"`
	Rating        Rating                    `json:"rating,omitempty"`
	Measures      map[string]VerifiedFigure `json:"measures,omitempty"`
	VetoOverride  string                    `json:"veto_override,omitempty"`
	Revision      int                       `json:"revision"`
	ReviewedBy    int64                     `json:"reviewed_by"`
	ReviewedAt    time.Time                 `json:"reviewed_at"`
}

// VerifiedFigure is a measure's figures as the site review verified them
// for the inspected region, or its finding that the measure does not apply.
type VerifiedFigure struct {
	Numerator     float64 `json:"numerator"`
	Denominator   float64 `json:"denominator"`
	NotApplicable bool    `json:"not_applicable,omitempty"`
}
