package domain

import (
	"slices"
	"sort"
	"time"
)

// Campaign is one inspection campaign (DOMAIN.md §4): a span of years, the
// region whose subtree it inspects ("0" for a national campaign over the
// provinces, a province's code for a provincial one over its counties), the
// two pinned indicator sets with their weights and the campaign's own
// targets, and its state in CampaignMachine.
type Campaign struct {
	ID           int64
	Name         string
	RegionCode   string
	StartYear    int
	EndYear      int
	InflowSetID  int64
	OutflowSetID int64
	Weights      Weights
	// Targets maps measure codes (IN14a, OUT15b, …) to the campaign's target
	// rate in percent; never stricter than its sets allow.
	Targets map[string]float64
	Focus   string
	// Round counts the cycles: 1 for a first campaign, n+1 for the next round
	// of round n (PreviousID).
	Round      int
	PreviousID *int64
	State      State
	Version    int
	CreatedBy  int64
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Campaign year bounds.
const (
	// A national campaign covers every province "within 3 to 5 years".
	NationalMinYears = 3
	NationalMaxYears = 5
	MinCampaignYear  = 2000
	MaxCampaignYear  = 2100
)

// Years returns how many calendar years the campaign spans, both ends included.
func (c Campaign) Years() int { return c.EndYear - c.StartYear + 1 }

// National reports whether the campaign is the commission's own.
func (c Campaign) National() bool { return c.RegionCode == NationCode }

// InspectedLevel returns the level of the regions a campaign inspects: a
// national campaign inspects provinces, a provincial one counties.
func InspectedLevel(campaignRegion string) Level {
	if campaignRegion == NationCode {
		return LevelProvince
	}
	return LevelCounty
}

// YearOf returns the calendar year of t in China (ChinaTime): a deadline at
// 2027-01-01T00:00+08:00 falls in 2027 although it is 2026 in UTC.
func YearOf(t time.Time) int { return t.In(ChinaTime).Year() }

// Batch is one round of regions moving through the phases together.
type Batch struct {
	ID            int64
	CampaignID    int64
	Name          string
	RegionCodes   []string
	SelfCheckDue  time.Time
	SiteReviewDue time.Time
	FeedbackDue   time.Time
	State         State
	Version       int
	LaunchedAt    *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Phase names a deadline of a batch, and the work of an inspection that it
// bounds.
type Phase string

const (
	PhaseSelfCheck  Phase = "self_check"
	PhaseSiteReview Phase = "site_review"
	PhaseFeedback   Phase = "feedback"
)

// Phases lists the three phases in order.
var Phases = []Phase{PhaseSelfCheck, PhaseSiteReview, PhaseFeedback}

// Valid reports whether p is one of the three phases.
func (p Phase) Valid() bool { return slices.Contains(Phases, p) }

// Deadlines are a batch's three due times, copied onto each inspection.
type Deadlines struct {
	SelfCheck  time.Time `json:"self_check"`
	SiteReview time.Time `json:"site_review"`
	Feedback   time.Time `json:"feedback"`
}

// Due returns the deadline of phase p.
func (d Deadlines) Due(p Phase) time.Time {
	switch p {
	case PhaseSelfCheck:
		return d.SelfCheck
	case PhaseSiteReview:
		return d.SiteReview
	}
	return d.Feedback
}

// Deadlines returns the batch's three due times.
func (b Batch) Deadlines() Deadlines {
	return Deadlines{SelfCheck: b.SelfCheckDue, SiteReview: b.SiteReviewDue, Feedback: b.FeedbackDue}
}

// Inspection is one inspected region in one batch.
type Inspection struct {
	ID         int64
	CampaignID int64
	BatchID    int64
	RegionCode string
	Deadlines  Deadlines
	State      State
	Version    int
	// OverduePhase is the latest phase whose deadline has passed with its work
	// undone ("" when none); OverdueSince is that deadline.
	OverduePhase Phase
	OverdueSince *time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// inspectionOrder ranks the inspection states along the main path, so that
// "X or later" reads as a comparison. cancelled is off the path (-1).
var inspectionOrder = map[State]int{
	InspectionPlanned:                0,
	InspectionSelfCheck:              1,
	InspectionSelfCheckSubmitted:     2,
	InspectionSiteReview:             3,
	InspectionReviewed:               4,
	InspectionFeedbackIssued:         5,
	InspectionRectificationSubmitted: 6,
	InspectionClosed:                 7,
}

// InspectionAtLeast reports whether an inspection in state s has reached
// state min or a later one on the main path. A cancelled inspection has
// reached nothing.
func InspectionAtLeast(s, min State) bool {
	a, ok := inspectionOrder[s]
	b, ok2 := inspectionOrder[min]
	return ok && ok2 && a >= b
}

// PhaseDone reports whether an inspection in state s has nothing left to do
// in phase p: its self-check is submitted (self_check), its review is
// complete (site_review), its feedback is issued (feedback). A cancelled
// inspection has nothing left to do at all.
func PhaseDone(p Phase, s State) bool {
	if s == InspectionCancelled {
		return true
	}
	switch p {
	case PhaseSelfCheck:
		return InspectionAtLeast(s, InspectionSelfCheckSubmitted)
	case PhaseSiteReview:
		return InspectionAtLeast(s, InspectionReviewed)
	case PhaseFeedback:
		return InspectionAtLeast(s, InspectionFeedbackIssued)
	}
	return true
}

// Overdue returns the latest phase whose deadline is at or before now and
// whose work an inspection in state s has not done, with that deadline; ""
// when there is none. It is what an inspection's overdue mark says.
func Overdue(s State, d Deadlines, now time.Time) (Phase, *time.Time) {
	for i := len(Phases) - 1; i >= 0; i-- {
		p := Phases[i]
		due := d.Due(p)
		if !due.IsZero() && !due.After(now) && !PhaseDone(p, s) {
			return p, &due
		}
	}
	return "", nil
}

// batchNeeds is, for each batch event with a guard over its inspections,
// the state every inspection must have reached.
var batchNeeds = map[Event]State{
	BatchStartSiteReview: InspectionSelfCheckSubmitted,
	BatchStartFeedback:   InspectionReviewed,
	BatchPublishBulletin: InspectionFeedbackIssued,
}

// BatchNeeds returns the state every inspection of a batch must have reached
// (or passed) before the batch may fire ev, and false for events that need
// nothing of the inspections.
func BatchNeeds(ev Event) (State, bool) {
	s, ok := batchNeeds[ev]
	return s, ok
}

// Holdout is an inspection that holds a batch back.
type Holdout struct {
	InspectionID int64  `json:"inspection_id"`
	RegionCode   string `json:"region_code"`
	State        State  `json:"state"`
}

// Holdouts returns the inspections that have not reached state min, in the
// order given; cancelled inspections hold nothing back.
func Holdouts(ins []Inspection, min State) []Holdout {
	out := []Holdout{}
	for _, in := range ins {
		if in.State != InspectionCancelled && !InspectionAtLeast(in.State, min) {
			out = append(out, Holdout{InspectionID: in.ID, RegionCode: in.RegionCode, State: in.State})
		}
	}
	return out
}

// Coverage says how a campaign's batches cover its scope: every region in
// scope must be scheduled in exactly one batch (cancelled batches aside).
type Coverage struct {
	Complete    bool     `json:"complete"`
	Unscheduled []string `json:"unscheduled"`
	Duplicated  []string `json:"duplicated"`
	// Total is how many regions the scope has; Scheduled how many of them
	// are in at least one batch.
	Total     int `json:"total"`
	Scheduled int `json:"scheduled"`
}

// ComputeCoverage compares the regions in scope with the region lists of
// the campaign's batches that count (not cancelled). Both lists it returns
// are sorted and never nil.
func ComputeCoverage(scope []string, batches [][]string) Coverage {
	count := map[string]int{}
	for _, b := range batches {
		for _, c := range b {
			count[c]++
		}
	}
	cv := Coverage{Unscheduled: []string{}, Duplicated: []string{}, Total: len(scope)}
	for _, c := range scope {
		switch n := count[c]; {
		case n == 0:
			cv.Unscheduled = append(cv.Unscheduled, c)
		case n > 1:
			cv.Duplicated = append(cv.Duplicated, c)
			cv.Scheduled++
		default:
			cv.Scheduled++
		}
	}
	sort.Strings(cv.Unscheduled)
	sort.Strings(cv.Duplicated)
	cv.Complete = len(cv.Unscheduled) == 0 && len(cv.Duplicated) == 0
	return cv
}

// CarriedItem is an unaccepted rectification of one campaign carried over
// as an open item into its next round.
type CarriedItem struct {
	ID               int64
	CampaignID       int64 // the new campaign
	FromCampaignID   int64
	FromInspectionID int64
	RegionCode       string
	FromState        State // the inspection's state when carried over
	State            State // CarriedOpen
	// Requirements are the inspection's rectification requirements that
	// were not accepted when the round started, by requirement id; empty
	// (not nil) when it had none (e.g. never reviewed).
	Requirements []CarriedRequirement
	Version      int
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// CarriedRequirement is one unaccepted rectification requirement of a
// carried item, as it stood when the next round started.
type CarriedRequirement struct {
	RequirementID int64 // the requirement of the previous round
	IndicatorCode string
	Text          string
	// DueAt is the requirement's due date (the letter's when it names
	// none); zero when neither named one.
	DueAt time.Time
	// Answer is the state of its answer: none, answered (awaiting a
	// decision) or rejected.
	Answer CarriedAnswer
	// Reason is the rejection's reason ("" unless rejected).
	Reason string
}

// CarriedAnswer is the state of a carried requirement's answer.
type CarriedAnswer string

const (
	CarriedAnswerNone     CarriedAnswer = "none"
	CarriedAnswerAnswered CarriedAnswer = "answered"
	CarriedAnswerRejected CarriedAnswer = "rejected"
)

// CarriedOpen is the state of a carried-over item until someone deals with it.
const CarriedOpen State = "open"
