package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/workflow"
)

// --- complaints (API.md; issue 6) ---

// The request types below leave enums, lengths and required fields to the
// use case, so that a 422 lists every bad field at once (huma's schema
// validation would stop at the first layer); their docs say what is checked.

type complainantIn struct {
	_     struct{} `nullable:"true"`
	Name  string   `json:"name,omitempty" doc:"Up to 50 characters."`
	Phone string   `json:"phone,omitempty" doc:"A mainland mobile (13812345678, +86 138 1234 5678) or a landline with its area code (010-12345678)."`
}

type complaintBody struct {
	Channel            string         `json:"channel,omitempty" doc:"Required: hotline, email, letter or visit."`
	ReceivedAt         string         `json:"received_at,omitempty" doc:"RFC 3339; not in the future; default now."`
	Category           string         `json:"category,omitempty" doc:"Required: cross_province_station, forced_return_check, illegal_fees, vicious_case or other."`
	OccurredRegionCode string         `json:"occurred_region_code,omitempty" doc:"Required: where it happened (a province or below)."`
	AccusedRegionCode  string         `json:"accused_region_code,omitempty" doc:"Required: the region accused (a province or below)."`
	Summary            string         `json:"summary,omitempty" doc:"Required, up to 200 characters."`
	Details            string         `json:"details,omitempty" doc:"Up to 10,000 characters."`
	Complainant        *complainantIn `json:"complainant,omitempty" doc:"Leave out (or null) for an anonymous complaint. Stored encrypted; masked for those without complaints:read_personal."`
}

type createComplaintIn struct {
	IdempotencyKey string `header:"Idempotency-Key" doc:"Up to 128 visible ASCII characters. The same key and body give the same complaint (201, then 200); the same key with another body is 422."`
	Body           complaintBody
}

// ComplainantOut is the complainant as the caller may see it.
type ComplainantOut struct {
	Name  string `json:"name,omitempty"`
	Phone string `json:"phone,omitempty"`
	// Masked is true when the caller lacks complaints:read_personal.
	Masked bool `json:"masked"`
	// Unreadable is true when the stored details cannot be decrypted.
	Unreadable bool `json:"unreadable,omitempty"`
}

// DeadlineOut is one phase's deadline.
type DeadlineOut struct {
	StartedAt time.Time `json:"started_at"`
	// Due is null while the clock is stopped (waiting on the complainant).
	Due    *time.Time `json:"due"`
	Paused bool       `json:"paused"`
	// DoneAt is when the phase ended; null while it runs.
	DoneAt *time.Time `json:"done_at"`
	// Overdue: the phase ended after its deadline, or is running past it.
	Overdue bool `json:"overdue"`
	// Rule is the time limit applied, approved extensions included.
	Rule domain.Deadline `json:"rule"`
}

// CallbackOut is the complainant's latest answer.
type CallbackOut struct {
	Satisfied bool   `json:"satisfied"`
	Note      string `json:"note"`
}

// ExtensionOut is the resolve phase's extension.
type ExtensionOut struct {
	RequestedDays int `json:"requested_days"`
	ApprovedDays  int `json:"approved_days"`
}

// ComplaintOut is a complaint case.
type ComplaintOut struct {
	ID                 int64                  `json:"id"`
	State              domain.State           `json:"state"`
	Version            int                    `json:"version"`
	Channel            string                 `json:"channel"`
	ReceivedAt         time.Time              `json:"received_at"`
	Category           string                 `json:"category"`
	OccurredRegionCode string                 `json:"occurred_region_code"`
	AccusedRegionCode  string                 `json:"accused_region_code"`
	AssigneeRegionCode *string                `json:"assignee_region_code"`
	Summary            string                 `json:"summary"`
	Details            string                 `json:"details"`
	Anonymous          bool                   `json:"anonymous"`
	Complainant        *ComplainantOut        `json:"complainant"`
	Finding            *string                `json:"finding"`
	Action             *string                `json:"action"`
	Callback           *CallbackOut           `json:"callback"`
	Extension          ExtensionOut           `json:"extension"`
	Deadlines          map[string]DeadlineOut `json:"deadlines" doc:"Per phase begun: assign, resolve, callback."`
	Overdue            bool                   `json:"overdue" doc:"The running phase is past its deadline."`
	EscalationLevel    *domain.Level          `json:"escalation_level" doc:"null, or the level the case has been raised to."`
	EscalationRegion   *string                `json:"escalation_region_code"`
	Escalations        []EscalationOut        `json:"escalations" nullable:"false"`
	AllowedEvents      []string               `json:"allowed_events" nullable:"false" doc:"What the caller's role may fire now (region rules apply on firing)."`
	CreatedAt          time.Time              `json:"created_at"`
	UpdatedAt          time.Time              `json:"updated_at"`
}

// EscalationOut is one escalation: when, from which level to which, why.
type EscalationOut struct {
	At             time.Time    `json:"at"`
	From           domain.Level `json:"from"`
	To             domain.Level `json:"to"`
	FromRegionCode string       `json:"from_region_code"`
	ToRegionCode   string       `json:"to_region_code"`
	Why            string       `json:"why"`
	Phase          string       `json:"phase"`
	Due            time.Time    `json:"due"`
	Period         int          `json:"period"`
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func complaintOut(v workflow.ComplaintView) ComplaintOut {
	c := v.Complaint
	out := ComplaintOut{ID: c.ID, State: c.State, Version: c.Version, Channel: string(c.Channel), ReceivedAt: c.ReceivedAt,
		Category: string(c.Category), OccurredRegionCode: c.OccurredRegionCode, AccusedRegionCode: c.AccusedRegionCode,
		AssigneeRegionCode: strPtr(c.AssigneeRegionCode), Summary: c.Summary, Details: c.Details,
		Anonymous: c.Complainant == nil && !v.Unreadable, Finding: strPtr(string(c.Finding)), Action: strPtr(c.Action),
		Extension: ExtensionOut{RequestedDays: c.ExtensionRequestedDays, ApprovedDays: c.ExtensionDays},
		Deadlines: map[string]DeadlineOut{}, Overdue: c.Overdue(v.Now), EscalationRegion: strPtr(c.EscalationRegionCode),
		Escalations: []EscalationOut{}, AllowedEvents: []string{}, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	if c.Complainant != nil {
		out.Complainant = &ComplainantOut{Name: c.Complainant.Name, Phone: c.Complainant.Phone, Masked: v.Masked}
	} else if v.Unreadable {
		out.Complainant = &ComplainantOut{Masked: true, Unreadable: true}
	}
	if c.CallbackSatisfied != nil {
		out.Callback = &CallbackOut{Satisfied: *c.CallbackSatisfied, Note: c.CallbackNote}
	}
	running := c.Phase()
	for _, p := range domain.ComplaintPhases {
		pc := c.Clock(p)
		if !pc.Started() {
			continue
		}
		rule := c.Rules.Of(p)
		if p == domain.PhaseResolve {
			rule.Days += c.ExtensionDays
		}
		d := DeadlineOut{StartedAt: pc.StartedAt, Due: timePtr(pc.Due), DoneAt: timePtr(pc.DoneAt), Rule: rule}
		d.Paused = p == running && pc.Due.IsZero() && pc.DoneAt.IsZero()
		if !pc.Due.IsZero() {
			end := v.Now
			if !pc.DoneAt.IsZero() {
				end = pc.DoneAt
			}
			d.Overdue = end.After(pc.Due)
		}
		out.Deadlines[string(p)] = d
	}
	if lv, ok := c.EscalationLevel(); ok {
		out.EscalationLevel = &lv
	}
	for _, e := range c.Escalations {
		out.Escalations = append(out.Escalations, EscalationOut{At: e.At, From: e.FromLevel, To: e.ToLevel,
			FromRegionCode: e.FromCode, ToRegionCode: e.ToCode, Why: e.Why, Phase: string(e.Phase), Due: e.Due, Period: e.Period})
	}
	for _, e := range v.AllowedEvents {
		out.AllowedEvents = append(out.AllowedEvents, string(e))
	}
	return out
}

type complaintCreated struct {
	Status   int
	ETag     string `header:"ETag"`
	Location string `header:"Location"`
	Replayed string `header:"Idempotent-Replayed" doc:"true when an earlier request with the same Idempotency-Key made the complaint."`
	Body     ComplaintOut
}

type complaintResp struct {
	ETag string `header:"ETag"`
	Body ComplaintOut
}

type complaintIDIn struct {
	ID int64 `path:"id" minimum:"1"`
}

type listComplaintsIn struct {
	PageParams
	State      string `query:"state" doc:"A state of the complaint workflow."`
	Category   string `query:"category"`
	RegionCode string `query:"region_code" doc:"Cases of which the accused, occurred or assignee region lies in this subtree."`
	Overdue    string `query:"overdue" doc:"true or false."`
	Escalated  string `query:"escalated" doc:"true or false."`
	From       string `query:"from" doc:"Received at or after: RFC 3339, or a date (00:00 China time)."`
	To         string `query:"to" doc:"Received before: RFC 3339, or a date (00:00 China time)."`
}

type statsIn struct {
	GroupBy    string `query:"group_by" doc:"category, region, or both (comma-separated)."`
	Level      string `query:"level" doc:"Level of the region groups; default the level below region_code's."`
	RegionCode string `query:"region_code" doc:"Count cases accusing a region in this subtree; default the caller's region."`
	Category   string `query:"category"`
	From       string `query:"from"`
	To         string `query:"to"`
}

type complaintTransitionIn struct {
	ID int64 `path:"id" minimum:"1"`
	IfMatch
	Body struct {
		Event      string `json:"event" doc:"See GET /api/v1/workflows/complaint."`
		Reason     string `json:"reason,omitempty" doc:"Required for send_back, request_extension, reject_extension and close."`
		RegionCode string `json:"region_code,omitempty" doc:"assign: the region to assign the case to."`
		Days       *int   `json:"days,omitempty" doc:"request_extension: 1 to 30 more days (counted like the resolve deadline)."`
		Finding    string `json:"finding,omitempty" doc:"resolve: substantiated or unsubstantiated."`
		Action     string `json:"action,omitempty" doc:"resolve: the action taken."`
		Satisfied  *bool  `json:"satisfied,omitempty" doc:"callback: false reopens the case."`
		Note       string `json:"note,omitempty" doc:"callback: the complainant's answer."`
	}
}

func (s *Server) complaintRoutes() {
	register(s, huma.Operation{OperationID: "create-complaint", Method: http.MethodPost, Path: "/api/v1/complaints",
		Summary: "Log a complaint", Description: "Honours Idempotency-Key. Anonymous when complainant is left out. " +
			"The accused or the occurred region must lie in the caller's subtree.",
		Tags: []string{"complaints"}, DefaultStatus: http.StatusCreated, Errors: []int{}}, needs("complaints", "create"),
		func(ctx context.Context, in *createComplaintIn) (*complaintCreated, error) {
			b := in.Body
			nc := workflow.NewComplaint{Channel: b.Channel, ReceivedAt: b.ReceivedAt, Category: b.Category,
				OccurredRegionCode: b.OccurredRegionCode, AccusedRegionCode: b.AccusedRegionCode, Summary: b.Summary,
				Details: b.Details, IdempotencyKey: in.IdempotencyKey}
			if b.Complainant != nil {
				nc.Complainant = &workflow.NewComplainant{Name: b.Complainant.Name, Phone: b.Complainant.Phone}
			}
			v, created, err := s.Complaints.Intake(ctx, actor(ctx), nc)
			if err != nil {
				return nil, err
			}
			out := &complaintCreated{Status: http.StatusCreated, ETag: etag(v.Version),
				Location: "/api/v1/complaints/" + strconv.FormatInt(v.ID, 10), Body: complaintOut(v)}
			if !created {
				out.Status, out.Replayed = http.StatusOK, "true"
			}
			return out, nil
		})
	register(s, huma.Operation{OperationID: "list-complaints", Method: http.MethodGet, Path: "/api/v1/complaints",
		Summary: "Complaints in the caller's scope, newest first", Tags: []string{"complaints"}},
		needs("complaints", "read"),
		func(ctx context.Context, in *listComplaintsIn) (*body[List[ComplaintOut]], error) {
			p, err := s.Complaints.List(ctx, actor(ctx), workflow.ComplaintQuery{State: in.State, Category: in.Category,
				RegionCode: in.RegionCode, Overdue: in.Overdue, Escalated: in.Escalated, From: in.From, To: in.To}, in.page())
			if err != nil {
				return nil, err
			}
			out := List[ComplaintOut]{Items: make([]ComplaintOut, len(p.Items))}
			for i, v := range p.Items {
				out.Items[i] = complaintOut(v)
			}
			if p.Next != "" {
				out.Next = &p.Next
			}
			return &body[List[ComplaintOut]]{out}, nil
		})
	register(s, huma.Operation{OperationID: "complaint-stats", Method: http.MethodGet, Path: "/api/v1/complaints/stats",
		Summary: "Complaint counts by state and overdue", Description: "A case counts for the region it accuses.",
		Tags: []string{"complaints"}}, needs("complaint_stats", "read"),
		func(ctx context.Context, in *statsIn) (*body[workflow.ComplaintStats], error) {
			st, err := s.Complaints.Stats(ctx, actor(ctx), workflow.StatsQuery{GroupBy: in.GroupBy, Level: in.Level,
				RegionCode: in.RegionCode, Category: in.Category, From: in.From, To: in.To})
			if err != nil {
				return nil, err
			}
			return &body[workflow.ComplaintStats]{st}, nil
		})
	register(s, huma.Operation{OperationID: "get-complaint", Method: http.MethodGet, Path: "/api/v1/complaints/{id}",
		Summary: "One complaint", Tags: []string{"complaints"}, Errors: []int{404}}, needs("complaints", "read"),
		func(ctx context.Context, in *complaintIDIn) (*complaintResp, error) {
			v, err := s.Complaints.Get(ctx, actor(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			return &complaintResp{ETag: etag(v.Version), Body: complaintOut(v)}, nil
		})
	register(s, huma.Operation{OperationID: "transition-complaint", Method: http.MethodPost,
		Path: "/api/v1/complaints/{id}/transitions", Summary: "Fire an event on a complaint",
		Description: "assign {region_code}, send_back {reason}, accept, await_complainant, complainant_replied, " +
			"request_extension {reason, days}, approve_extension, reject_extension {reason}, " +
			"resolve {finding, action}, callback {satisfied, note}, close {reason}.",
		Tags: []string{"complaints"}, Errors: []int{404, 409, 412}}, needs("complaints", "transition"),
		func(ctx context.Context, in *complaintTransitionIn) (*complaintResp, error) {
			ifMatch, err := in.version()
			if err != nil {
				return nil, err
			}
			b := in.Body
			v, err := s.Complaints.Transition(ctx, actor(ctx), in.ID, workflow.ComplaintTransition{
				Event: domain.Event(b.Event), Reason: b.Reason, RegionCode: b.RegionCode, Days: b.Days,
				Finding: b.Finding, Action: b.Action, Satisfied: b.Satisfied, Note: b.Note, IfMatch: ifMatch})
			if err != nil {
				return nil, err
			}
			return &complaintResp{ETag: etag(v.Version), Body: complaintOut(v)}, nil
		})
}

// --- holidays ---

type holidayYearIn struct {
	Year int `path:"year"`
}

type putHolidaysIn struct {
	Year int `path:"year"`
	Body struct {
		Holidays []string `json:"holidays,omitempty" nullable:"false" doc:"Public holidays of the year, YYYY-MM-DD."`
		Workdays []string `json:"workdays,omitempty" nullable:"false" doc:"Swapped working days (weekend days worked), YYYY-MM-DD."`
	}
}

func (s *Server) holidayRoutes() {
	register(s, huma.Operation{OperationID: "get-holidays", Method: http.MethodGet, Path: "/api/v1/holidays/{year}",
		Summary: "A year's public holidays and swapped working days", Tags: []string{"holidays"}}, signedIn,
		func(ctx context.Context, in *holidayYearIn) (*body[workflow.HolidayYear], error) {
			y, err := s.Holidays.Get(ctx, in.Year)
			if err != nil {
				return nil, err
			}
			return &body[workflow.HolidayYear]{y}, nil
		})
	register(s, huma.Operation{OperationID: "put-holidays", Method: http.MethodPut, Path: "/api/v1/holidays/{year}",
		Summary: "Load a year's public holidays and swapped working days",
		Description: "Replaces the year. Deadlines are counted in working days on this calendar; open complaints' " +
			"deadlines are computed again.", Tags: []string{"holidays"}}, needs("holidays", "write"),
		func(ctx context.Context, in *putHolidaysIn) (*body[workflow.HolidayYear], error) {
			y, err := s.Holidays.Put(ctx, actor(ctx), in.Year, in.Body.Holidays, in.Body.Workdays)
			if err != nil {
				return nil, err
			}
			return &body[workflow.HolidayYear]{y}, nil
		})
}
