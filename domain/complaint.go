package domain

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Complaint cases of the rights-protection hotline (DOMAIN.md §5). The state
// machine is ComplaintMachine; this file holds the case itself, its
// vocabulary, its deadline rules and the masking of personal data.

// ComplaintChannel is how a complaint reached the hotline.
type ComplaintChannel string

const (
	ChannelHotline ComplaintChannel = "hotline"
	ChannelEmail   ComplaintChannel = "email"
	ChannelLetter  ComplaintChannel = "letter"
	ChannelVisit   ComplaintChannel = "visit"
)

// ComplaintChannels lists every channel.
var ComplaintChannels = []ComplaintChannel{ChannelHotline, ChannelEmail, ChannelLetter, ChannelVisit}

// Valid reports whether c is a known channel.
func (c ComplaintChannel) Valid() bool { return slices.Contains(ComplaintChannels, c) }

// ComplaintCategory is what a complaint is about: one of the three
// prohibitions (三个"严禁"), a vicious case (恶性案件), or anything else.
type ComplaintCategory string

const (
	CategoryCrossProvinceStation ComplaintCategory = "cross_province_station" // 严禁跨省设站,开展孕情检查
	CategoryForcedReturnCheck    ComplaintCategory = "forced_return_check"    // 严禁强迫返乡孕检
	CategoryIllegalFees          ComplaintCategory = "illegal_fees"           // 严禁乱收费…押金、保证金
	CategoryViciousCase          ComplaintCategory = "vicious_case"           // 杜绝恶性案件
	CategoryOther                ComplaintCategory = "other"
)

// ComplaintCategories lists every category.
var ComplaintCategories = []ComplaintCategory{
	CategoryCrossProvinceStation, CategoryForcedReturnCheck, CategoryIllegalFees, CategoryViciousCase, CategoryOther,
}

// Valid reports whether c is a known category.
func (c ComplaintCategory) Valid() bool { return slices.Contains(ComplaintCategories, c) }

// ThreeProhibitions reports whether c is one of the three prohibitions.
func (c ComplaintCategory) ThreeProhibitions() bool {
	return c == CategoryCrossProvinceStation || c == CategoryForcedReturnCheck || c == CategoryIllegalFees
}

// Vetoes reports whether a substantiated case of category c triggers the
// one-vote veto (一票否决) of IN12 and OUT10: a vicious case or a violation of
// one of the three prohibitions.
func (c ComplaintCategory) Vetoes() bool { return c == CategoryViciousCase || c.ThreeProhibitions() }

// ComplaintFinding is the outcome of an investigation. (Named so as not to
// clash with Finding, a site review's finding.)
type ComplaintFinding string

const (
	FindingSubstantiated   ComplaintFinding = "substantiated"
	FindingUnsubstantiated ComplaintFinding = "unsubstantiated"
)

// Valid reports whether f is a known finding.
func (f ComplaintFinding) Valid() bool {
	return f == FindingSubstantiated || f == FindingUnsubstantiated
}

// ComplaintPhase is a stretch of a case's life that has a deadline.
type ComplaintPhase string

const (
	// PhaseAssign runs from receipt (or a send-back) until the case is assigned.
	PhaseAssign ComplaintPhase = "assign"
	// PhaseResolve runs from assignment (or a reopening) until the case is
	// resolved; it pauses while the case waits on the complainant and an
	// approved extension lengthens it.
	PhaseResolve ComplaintPhase = "resolve"
	// PhaseCallback runs from resolution until the complainant is called back
	// (or the case is closed).
	PhaseCallback ComplaintPhase = "callback"
)

// ComplaintPhases lists the phases in order.
var ComplaintPhases = []ComplaintPhase{PhaseAssign, PhaseResolve, PhaseCallback}

// PhaseOf returns the phase whose clock runs in state s, "" when none does
// (a closed case).
func PhaseOf(s State) ComplaintPhase {
	switch s {
	case ComplaintReceived:
		return PhaseAssign
	case ComplaintAssigned, ComplaintInvestigating, ComplaintWaitingComplainant, ComplaintExtensionRequested:
		return PhaseResolve
	case ComplaintResolved:
		return PhaseCallback
	}
	return ""
}

// ComplaintRules are the deadlines of one category's phases.
type ComplaintRules struct {
	Assign   Deadline `json:"assign"`
	Resolve  Deadline `json:"resolve"`
	Callback Deadline `json:"callback"`
}

// Of returns the rule of phase p.
func (r ComplaintRules) Of(p ComplaintPhase) Deadline {
	switch p {
	case PhaseAssign:
		return r.Assign
	case PhaseResolve:
		return r.Resolve
	case PhaseCallback:
		return r.Callback
	}
	return Deadline{}
}

// Validate refuses a rule of fewer than 1 or more than 365 days: a zero
// period would make the "each further overdue period" escalation loop.
func (r ComplaintRules) Validate() error {
	var v Validation
	for _, p := range ComplaintPhases {
		if d := r.Of(p); d.Days < 1 || d.Days > 365 {
			v.AddValue(string(p)+".days", d.Days, "must be 1 to 365")
		}
	}
	return v.Err()
}

// DefaultComplaintRules are DOMAIN.md §5's deadlines, in working days:
// assign within 1, resolve within 15, call back within 3 of resolution. A
// vicious case is shorter: assigned within 1 calendar day (no waiting over a
// weekend or holiday), resolved within 5 working days, called back within 1.
func DefaultComplaintRules() map[ComplaintCategory]ComplaintRules {
	std := ComplaintRules{Assign: Deadline{Days: 1, Working: true}, Resolve: Deadline{Days: 15, Working: true},
		Callback: Deadline{Days: 3, Working: true}}
	out := map[ComplaintCategory]ComplaintRules{}
	for _, c := range ComplaintCategories {
		out[c] = std
	}
	out[CategoryViciousCase] = ComplaintRules{Assign: Deadline{Days: 1}, Resolve: Deadline{Days: 5, Working: true},
		Callback: Deadline{Days: 1, Working: true}}
	return out
}

// PhaseClock is one phase's deadline as the case records it. Due is zero
// while the phase's clock is stopped (waiting on the complainant); DoneAt
// is zero while the phase is open.
type PhaseClock struct {
	StartedAt time.Time
	Due       time.Time
	DoneAt    time.Time
}

// Started reports whether the phase has begun.
func (p PhaseClock) Started() bool { return !p.StartedAt.IsZero() }

// Complainant is a complainant's contact details, personal data: stored
// encrypted, shown only to those allowed to read it.
type Complainant struct {
	Name  string `json:"name,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// Masked returns the details with most characters hidden: 张* and 138****5678.
func (c Complainant) Masked() Complainant {
	return Complainant{Name: MaskName(c.Name), Phone: MaskPhone(c.Phone)}
}

// ComplaintEscalation records that a case was raised one or more steps up
// the region tree.
type ComplaintEscalation struct {
	At        time.Time      `json:"at"`
	Phase     ComplaintPhase `json:"phase"` // the phase overdue, or "intake" for a vicious case
	Due       time.Time      `json:"due"`   // the deadline passed (the receipt time for "intake")
	Period    int            `json:"period"`
	FromCode  string         `json:"from_region_code"`
	ToCode    string         `json:"to_region_code"`
	FromLevel Level          `json:"from"`
	ToLevel   Level          `json:"to"`
	Why       string         `json:"why"`
}

// PhaseIntake is the escalation phase of a vicious case raised on receipt.
const PhaseIntake ComplaintPhase = "intake"

// Complaint is one case.
type Complaint struct {
	ID                 int64
	State              State
	Version            int
	Channel            ComplaintChannel
	ReceivedAt         time.Time
	Category           ComplaintCategory
	OccurredRegionCode string
	AccusedRegionCode  string
	// AssigneeRegionCode is the region the case is assigned to; "" while it
	// waits for assignment (received, also after a send-back).
	AssigneeRegionCode string
	Summary            string
	Details            string
	// Complainant is nil for an anonymous complaint.
	Complainant *Complainant

	Finding           ComplaintFinding
	Action            string
	CallbackSatisfied *bool
	CallbackNote      string
	// ExtensionRequestedDays is the pending request; ExtensionDays the
	// approved total of the current resolve phase.
	ExtensionRequestedDays int
	ExtensionDays          int
	// Pauses are the current resolve phase's waits on the complainant; the
	// last one is open (zero To) while the case is waiting_complainant.
	Pauses []Pause

	Assign, Resolve, Callback PhaseClock
	// Rules are the category's deadlines as they were at intake: a later
	// change of configuration does not move an open case's deadlines.
	Rules ComplaintRules

	// EscalationRegionCode is the region the case has been raised to, "" if
	// it never was.
	EscalationRegionCode string
	Escalations          []ComplaintEscalation

	CreatedBy int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Clock returns phase p's clock.
func (c *Complaint) Clock(p ComplaintPhase) *PhaseClock {
	switch p {
	case PhaseAssign:
		return &c.Assign
	case PhaseResolve:
		return &c.Resolve
	case PhaseCallback:
		return &c.Callback
	}
	return nil
}

// Phase is the phase whose clock runs now, "" for a closed case.
func (c *Complaint) Phase() ComplaintPhase { return PhaseOf(c.State) }

// CurrentDue is the deadline of the running phase; zero when the case is
// closed or its clock is stopped.
func (c *Complaint) CurrentDue() time.Time {
	if pc := c.Clock(c.Phase()); pc != nil {
		return pc.Due
	}
	return time.Time{}
}

// Overdue reports whether the running phase's deadline has passed.
func (c *Complaint) Overdue(now time.Time) bool {
	due := c.CurrentDue()
	return !due.IsZero() && now.After(due)
}

// Recompute sets the running phase's Due from its start, the case's rules,
// its approved extension and its pauses, on calendar cal. Finished phases
// keep the deadline they had.
func (c *Complaint) Recompute(cal *Calendar) {
	p := c.Phase()
	pc := c.Clock(p)
	if pc == nil || !pc.Started() {
		return
	}
	rule := c.Rules.Of(p)
	var pauses []Pause
	if p == PhaseResolve {
		rule.Days += c.ExtensionDays
		pauses = c.Pauses
	}
	pc.Due = trunc(rule.DueWithPauses(cal, pc.StartedAt, pauses))
}

// BaseRegion is where the case sits: its assignee's region, or before
// assignment the accused region. Escalation starts from here.
func (c *Complaint) BaseRegion() string {
	if c.AssigneeRegionCode != "" {
		return c.AssigneeRegionCode
	}
	return c.AccusedRegionCode
}

// EscalationFrom is the region a further escalation starts from: the region
// the case was last raised to when that lies above where it sits now, else
// where it sits (a case reassigned out of the raised region's subtree starts
// again from its new assignee).
func (c *Complaint) EscalationFrom() string {
	base := c.BaseRegion()
	if c.EscalationRegionCode != "" && Within(base, c.EscalationRegionCode) {
		return c.EscalationRegionCode
	}
	return base
}

// EscalationLevel is the level of the region the case was raised to; false
// when it never was.
func (c *Complaint) EscalationLevel() (Level, bool) {
	if c.EscalationRegionCode == "" {
		return 0, false
	}
	return LevelOfCode(c.EscalationRegionCode)
}

// Regions are the regions a case touches, each once: accused, occurred and
// assignee. A user sees a case when any of them lies in the user's subtree.
func (c *Complaint) Regions() []string {
	out := []string{c.AccusedRegionCode}
	for _, r := range []string{c.OccurredRegionCode, c.AssigneeRegionCode} {
		if r != "" && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// ReminderAt is when to remind of a deadline due at due for a phase that
// started at start under rule: one day (working or calendar, as the rule
// counts) before it, or for a one-day deadline halfway through the time it
// allows (working time for working days).
func ReminderAt(cal *Calendar, rule Deadline, start, due time.Time) time.Time {
	switch {
	case rule.Days >= 2 && rule.Working:
		return trunc(cal.AddWorkingDays(due, -1))
	case rule.Days >= 2:
		return trunc(due.Add(-24 * time.Hour))
	case rule.Working:
		return trunc(cal.AddWorkingTime(start, cal.WorkingTime(start, due)/2))
	}
	return trunc(start.Add(due.Sub(start) / 2))
}

// NextPeriod is the end of the overdue period after the one that ended at
// boundary: one more full length of the phase's rule.
func NextPeriod(cal *Calendar, rule Deadline, boundary time.Time) time.Time {
	return trunc(rule.Due(cal, boundary))
}

func trunc(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Microsecond)
}

var (
	mobileRE   = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
	landlineRE = regexp.MustCompile(`^0[1-9][0-9]{1,2}[2-9][0-9]{6,7}$`)
	phoneStrip = strings.NewReplacer(" ", "", "-", "", "(", "", ")", "", "（", "", "）", "")
)

// NormalizePhone checks a Chinese phone number and returns it in the form
// stored: a mobile number as 11 digits (13812345678; a +86 or 0086 prefix is
// dropped) or a landline as area code and number (01012345678, 075512345678);
// spaces, hyphens and brackets are ignored. It reports false for anything
// else.
func NormalizePhone(s string) (string, bool) {
	p := phoneStrip.Replace(strings.TrimSpace(s))
	for _, prefix := range []string{"+86", "0086"} {
		if rest, ok := strings.CutPrefix(p, prefix); ok && mobileRE.MatchString(rest) {
			p = rest
		}
	}
	if mobileRE.MatchString(p) || landlineRE.MatchString(p) {
		return p, true
	}
	return "", false
}

// MaskPhone keeps a phone number's first three and last four digits:
// 138****5678, 010****5678. Shorter strings keep only their last two.
func MaskPhone(p string) string {
	r := []rune(p)
	switch {
	case len(r) == 0:
		return ""
	case len(r) >= 9:
		return string(r[:3]) + strings.Repeat("*", len(r)-7) + string(r[len(r)-4:])
	case len(r) > 2:
		return strings.Repeat("*", len(r)-2) + string(r[len(r)-2:])
	}
	return strings.Repeat("*", len(r))
}

// MaskName keeps a name's first character: 张三 → 张*, 欧阳娜娜 → 欧***; a
// one-character name becomes *.
func MaskName(n string) string {
	r := []rune(strings.TrimSpace(n))
	switch len(r) {
	case 0:
		return ""
	case 1:
		return "*"
	}
	return string(r[0]) + strings.Repeat("*", len(r)-1)
}

// CheckText adds a field error unless s, trimmed, has between min and max
// characters and no control characters other than newlines and tabs.
func CheckText(v *Validation, loc, s string, min, max int) {
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0 && min > 0:
		v.Add(loc, "is required")
	case n < min || n > max:
		v.Add(loc, "must be %d to %d characters long, not %d", min, max, n)
	case strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 && r != '\n' && r != '\t' && r != '\r' || r == 0x7f }):
		v.Add(loc, "must not contain control characters")
	}
}

// EscalationTarget is where an escalation from region `from` goes: one step
// up the tree, its parent. It reports false at the nation, above which
// nothing is.
func EscalationTarget(from string) (string, bool) {
	p := ParentCode(from)
	return p, p != ""
}

// ViciousTargets are the regions a vicious case is raised to at once on
// intake: the accused region's province, then the nation (just the nation
// when the accused region is a province).
func ViciousTargets(accused string) []string {
	lv, ok := LevelOfCode(accused)
	if !ok || lv == LevelNation {
		return nil
	}
	if lv == LevelProvince {
		return []string{NationCode}
	}
	return []string{accused[:codeLengths[LevelProvince]], NationCode}
}

// String describes the escalation for logs.
func (e ComplaintEscalation) String() string {
	return fmt.Sprintf("%s %s → %s %s (%s)", e.FromLevel, e.FromCode, e.ToLevel, e.ToCode, e.Why)
}

// CodeLength is the length of a region code at level l (1 for the nation's
// "0", 2 for a province … 12 for a village).
func CodeLength(l Level) int {
	if !l.Valid() {
		return 0
	}
	return codeLengths[l]
}
