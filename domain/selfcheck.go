package domain

import "time"

// Answer is one self-check answer: one indicator of one inspection, for one
// region of the inspected region's subtree. A qualitative indicator is
// answered with a narrative and evidence (attachment ids), a quantitative
// one with figures for every measure (each measure may instead be not
// applicable, with a reason), and either kind may be answered as not
// applicable as a whole, with a reason.
type Answer struct {
	ID            int64                    `json:"id"`
	InspectionID  int64                    `json:"inspection_id"`
	IndicatorCode string                   `json:"indicator_code"`
	RegionCode    string                   `json:"region_code"`
	Revision      int                      `json:"revision"` // 1 for the first answer, +1 for each change
	Narrative     string                   `json:"narrative,omitempty"`
	AttachmentIDs []int64                  `json:"attachment_ids,omitempty"`
	Measures      map[string]MeasureAnswer `json:"measures,omitempty"`
	NotApplicable bool                     `json:"not_applicable,omitempty"`
	Reason        string                   `json:"reason,omitempty"`
	AnsweredBy    int64                    `json:"answered_by"`
	AnsweredAt    time.Time                `json:"answered_at"`
}

// MeasureAnswer is a region's self-reported figures for one measure, or its
// statement that the measure does not apply there (with a reason).
type MeasureAnswer struct {
	Numerator     float64 `json:"numerator"`
	Denominator   float64 `json:"denominator"`
	NotApplicable bool    `json:"not_applicable,omitempty"`
	Reason        string  `json:"reason,omitempty"`
}
