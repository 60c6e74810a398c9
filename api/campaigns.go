package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/store"
	"github.com/ducha/ducha/workflow"
)

// Campaigns, batches and inspections (API.md): creation, listings, the
// transitions of their three machines, coverage and next rounds.

// CampaignOut is a campaign as the API shows it.
type CampaignOut struct {
	ID           int64              `json:"id"`
	Name         string             `json:"name"`
	RegionCode   string             `json:"region_code"`
	StartYear    int                `json:"start_year"`
	EndYear      int                `json:"end_year"`
	InflowSetID  int64              `json:"inflow_set_id"`
	OutflowSetID int64              `json:"outflow_set_id"`
	Weights      domain.Weights     `json:"weights"`
	Targets      map[string]float64 `json:"targets"`
	Focus        string             `json:"focus"`
	Round        int                `json:"round" doc:"1 for a first campaign, n+1 for the next round of round n."`
	PreviousID   *int64             `json:"previous_id" doc:"The campaign this one is the next round of."`
	State        domain.State       `json:"state"`
	Version      int                `json:"version"`
	CreatedAt    time.Time          `json:"created_at"`
	UpdatedAt    time.Time          `json:"updated_at"`
}

func campaignOut(c domain.Campaign) CampaignOut {
	t := c.Targets
	if t == nil {
		t = map[string]float64{}
	}
	return CampaignOut{ID: c.ID, Name: c.Name, RegionCode: c.RegionCode, StartYear: c.StartYear, EndYear: c.EndYear,
		InflowSetID: c.InflowSetID, OutflowSetID: c.OutflowSetID, Weights: c.Weights, Targets: t, Focus: c.Focus,
		Round: c.Round, PreviousID: c.PreviousID, State: c.State, Version: c.Version, CreatedAt: c.CreatedAt,
		UpdatedAt: c.UpdatedAt}
}

// BatchOut is a batch as the API shows it.
type BatchOut struct {
	ID            int64        `json:"id"`
	CampaignID    int64        `json:"campaign_id"`
	Name          string       `json:"name"`
	RegionCodes   []string     `json:"region_codes"`
	SelfCheckDue  time.Time    `json:"self_check_due"`
	SiteReviewDue time.Time    `json:"site_review_due"`
	FeedbackDue   time.Time    `json:"feedback_due"`
	State         domain.State `json:"state"`
	Version       int          `json:"version"`
	LaunchedAt    *time.Time   `json:"launched_at"`
	CreatedAt     time.Time    `json:"created_at"`
	UpdatedAt     time.Time    `json:"updated_at"`
}

func batchOut(b domain.Batch) BatchOut {
	return BatchOut{ID: b.ID, CampaignID: b.CampaignID, Name: b.Name, RegionCodes: b.RegionCodes,
		SelfCheckDue: b.SelfCheckDue, SiteReviewDue: b.SiteReviewDue, FeedbackDue: b.FeedbackDue, State: b.State,
		Version: b.Version, LaunchedAt: b.LaunchedAt, CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt}
}

// InspectionOut is an inspection as the API shows it.
type InspectionOut struct {
	ID         int64            `json:"id"`
	CampaignID int64            `json:"campaign_id"`
	BatchID    int64            `json:"batch_id"`
	RegionCode string           `json:"region_code"`
	State      domain.State     `json:"state"`
	Version    int              `json:"version"`
	Deadlines  domain.Deadlines `json:"deadlines"`
	Overdue    bool             `json:"overdue" doc:"A phase deadline has passed with its work undone."`
	// OverduePhase is the latest such phase; null when not overdue.
	OverduePhase *domain.Phase `json:"overdue_phase" enum:"self_check,site_review,feedback"`
	OverdueSince *time.Time    `json:"overdue_since"`
	CreatedAt    time.Time     `json:"created_at"`
	UpdatedAt    time.Time     `json:"updated_at"`
	// Notices are the reminders sent and overdue marks made (one inspection only).
	Notices []store.DeadlineNotice `json:"notices,omitempty"`
}

func inspectionOut(in domain.Inspection) InspectionOut {
	out := InspectionOut{ID: in.ID, CampaignID: in.CampaignID, BatchID: in.BatchID, RegionCode: in.RegionCode,
		State: in.State, Version: in.Version, Deadlines: in.Deadlines, Overdue: in.OverduePhase != "",
		OverdueSince: in.OverdueSince, CreatedAt: in.CreatedAt, UpdatedAt: in.UpdatedAt}
	if in.OverduePhase != "" {
		p := in.OverduePhase
		out.OverduePhase = &p
	}
	return out
}

// CarriedItemOut is an unaccepted rectification carried into a next round,
// with the requirements still open.
type CarriedItemOut struct {
	ID               int64                   `json:"id"`
	CampaignID       int64                   `json:"campaign_id"`
	FromCampaignID   int64                   `json:"from_campaign_id"`
	FromInspectionID int64                   `json:"from_inspection_id"`
	RegionCode       string                  `json:"region_code"`
	FromState        domain.State            `json:"from_state" doc:"The inspection's state when it was carried over."`
	State            domain.State            `json:"state"`
	Requirements     []CarriedRequirementOut `json:"requirements" nullable:"false" doc:"The inspection's rectification requirements that were not accepted when the round started, by id; empty when it had none (e.g. never reviewed)."`
	Version          int                     `json:"version"`
	CreatedAt        time.Time               `json:"created_at"`
}

// CarriedRequirementOut is one unaccepted rectification requirement of a
// carried item, as it stood when the next round started.
type CarriedRequirementOut struct {
	ID            int64      `json:"id" doc:"The requirement's id in the previous round."`
	IndicatorCode string     `json:"indicator_code" doc:"The indicator it concerns; \"\" when none."`
	Text          string     `json:"text"`
	DueAt         *time.Time `json:"due_at" doc:"Its due date (the feedback letter's when it named none); null when neither named one."`
	Answer        string     `json:"answer" enum:"none,answered,rejected" doc:"The state of its answer: none (never answered), answered (awaiting a decision), rejected."`
	Reason        string     `json:"reason,omitempty" doc:"The rejection's reason, when rejected."`
}

func carriedItemOut(it domain.CarriedItem) CarriedItemOut {
	reqs := make([]CarriedRequirementOut, len(it.Requirements))
	for i, q := range it.Requirements {
		reqs[i] = CarriedRequirementOut{ID: q.RequirementID, IndicatorCode: q.IndicatorCode, Text: q.Text,
			Answer: string(q.Answer), Reason: q.Reason}
		if !q.DueAt.IsZero() {
			d := q.DueAt
			reqs[i].DueAt = &d
		}
	}
	return CarriedItemOut{ID: it.ID, CampaignID: it.CampaignID, FromCampaignID: it.FromCampaignID,
		FromInspectionID: it.FromInspectionID, RegionCode: it.RegionCode, FromState: it.FromState, State: it.State,
		Requirements: reqs, Version: it.Version, CreatedAt: it.CreatedAt}
}

func mapList[T, U any](p workflow.Paged[T], f func(T) U) List[U] {
	out := List[U]{Items: make([]U, len(p.Items))}
	for i, x := range p.Items {
		out.Items[i] = f(x)
	}
	if p.Next != "" {
		n := p.Next
		out.Next = &n
	}
	return out
}

// tagged is a versioned resource with its ETag.
type tagged[T any] struct {
	ETag string `header:"ETag"`
	Body T
}

type idIn struct {
	ID int64 `path:"id" minimum:"1"`
}

type createCampaignIn struct {
	Body struct {
		Name         string             `json:"name" maxLength:"200"`
		RegionCode   string             `json:"region_code" maxLength:"12" doc:"\"0\" for a national campaign, a province's code for a provincial one."`
		StartYear    int                `json:"start_year"`
		EndYear      int                `json:"end_year" doc:"A national campaign spans 3 to 5 years, both ends included."`
		InflowSetID  int64              `json:"inflow_set_id" doc:"A published inflow indicator set of the campaign's region or an ancestor."`
		OutflowSetID int64              `json:"outflow_set_id" doc:"A published outflow indicator set of the campaign's region or an ancestor."`
		Weights      *domain.Weights    `json:"weights,omitempty" doc:"Default 0.6 / 0.4; the inflow set must weigh more, and the two sum to 1."`
		Targets      map[string]float64 `json:"targets,omitempty" doc:"Target rates in percent by measure code; never stricter than the sets allow."`
		Focus        string             `json:"focus,omitempty" maxLength:"4000" doc:"The year's focus (年度工作重点)."`
	}
}

type listCampaignsIn struct {
	PageParams
	State      string `query:"state" enum:"planning,active,completed,cancelled"`
	RegionCode string `query:"region_code" maxLength:"12" doc:"Only the campaigns of exactly this region (\"0\": national)."`
}

type transitionIn struct {
	ID int64 `path:"id" minimum:"1"`
	IfMatch
	Body struct {
		Event  string `json:"event" minLength:"1" maxLength:"64"`
		Reason string `json:"reason,omitempty" maxLength:"4000"`
		Force  bool   `json:"force,omitempty" doc:"Batch start_site_review only: move past the self-check deadline with self-checks still out (needs a reason)."`
	}
}

func (in *transitionIn) fire() (workflow.Fire, error) {
	v, err := in.version()
	if err != nil {
		return workflow.Fire{}, err
	}
	f := workflow.Fire{Event: domain.Event(in.Body.Event), Reason: in.Body.Reason, IfMatch: v}
	if in.Body.Force {
		f.Branch = domain.BranchForced
	}
	return f, nil
}

type nextRoundIn struct {
	ID   int64 `path:"id" minimum:"1"`
	Body *struct {
		Name  string  `json:"name,omitempty" maxLength:"200"`
		Focus *string `json:"focus,omitempty" maxLength:"4000"`
	} `required:"false"`
}

type createBatchIn struct {
	ID   int64 `path:"id" minimum:"1"`
	Body struct {
		Name          string    `json:"name" maxLength:"200"`
		RegionCodes   []string  `json:"region_codes" maxItems:"500"`
		SelfCheckDue  time.Time `json:"self_check_due"`
		SiteReviewDue time.Time `json:"site_review_due"`
		FeedbackDue   time.Time `json:"feedback_due"`
	}
}

type listByIDIn struct {
	ID int64 `path:"id" minimum:"1"`
	PageParams
}

type listInspectionsIn struct {
	PageParams
	CampaignID int64  `query:"campaign_id" minimum:"0"`
	BatchID    int64  `query:"batch_id" minimum:"0"`
	RegionCode string `query:"region_code" maxLength:"12" doc:"Inspections of this region and below."`
	State      string `query:"state" maxLength:"32"`
	Overdue    string `query:"overdue" enum:"true,false" doc:"true: only inspections with a phase deadline passed and its work undone."`
}

func (s *Server) campaignRoutes() {
	tags := []string{"campaigns"}
	register(s, huma.Operation{OperationID: "create-campaign", Method: http.MethodPost, Path: "/api/v1/campaigns",
		Summary: "Create a campaign", Tags: tags, DefaultStatus: http.StatusCreated,
		Description: "National (region \"0\", by a national admin) or provincial (a province's code, by its " +
			"coordinator); in planning until its first batch launches."},
		needs("campaigns", "create"),
		func(ctx context.Context, in *createCampaignIn) (*tagged[CampaignOut], error) {
			b := in.Body
			c, err := s.Campaigns.Create(ctx, actor(ctx), workflow.NewCampaign{Name: b.Name, RegionCode: b.RegionCode,
				StartYear: b.StartYear, EndYear: b.EndYear, InflowSetID: b.InflowSetID, OutflowSetID: b.OutflowSetID,
				Weights: b.Weights, Targets: b.Targets, Focus: b.Focus})
			if err != nil {
				return nil, err
			}
			return &tagged[CampaignOut]{etag(c.Version), campaignOut(c)}, nil
		})
	register(s, huma.Operation{OperationID: "list-campaigns", Method: http.MethodGet, Path: "/api/v1/campaigns",
		Summary: "Campaigns the caller may see", Tags: tags,
		Description: "The national campaigns and those of the caller's own region and below; never another province's."},
		needs("campaigns", "read"),
		func(ctx context.Context, in *listCampaignsIn) (*body[List[CampaignOut]], error) {
			p, err := s.Campaigns.List(ctx, actor(ctx), workflow.CampaignQuery{State: domain.State(in.State),
				RegionCode: in.RegionCode}, in.page())
			if err != nil {
				return nil, err
			}
			return &body[List[CampaignOut]]{mapList(p, campaignOut)}, nil
		})
	register(s, huma.Operation{OperationID: "get-campaign", Method: http.MethodGet, Path: "/api/v1/campaigns/{id}",
		Summary: "One campaign", Tags: tags, Errors: []int{404}}, needs("campaigns", "read"),
		func(ctx context.Context, in *idIn) (*tagged[CampaignOut], error) {
			c, err := s.Campaigns.Get(ctx, actor(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			return &tagged[CampaignOut]{etag(c.Version), campaignOut(c)}, nil
		})
	register(s, huma.Operation{OperationID: "campaign-transition", Method: http.MethodPost,
		Path: "/api/v1/campaigns/{id}/transitions", Summary: "Fire an event on a campaign", Tags: tags,
		Description: "Only cancel (from planning, with a reason) is a user's; activate and complete are the system's.",
		Errors:      []int{404, 409, 412}}, needs("campaigns", "transition"),
		func(ctx context.Context, in *transitionIn) (*tagged[CampaignOut], error) {
			f, err := in.fire()
			if err != nil {
				return nil, err
			}
			c, err := s.Campaigns.FireCampaign(ctx, actor(ctx), in.ID, f)
			if err != nil {
				return nil, err
			}
			return &tagged[CampaignOut]{etag(c.Version), campaignOut(c)}, nil
		})
	register(s, huma.Operation{OperationID: "campaign-coverage", Method: http.MethodGet,
		Path: "/api/v1/campaigns/{id}/coverage", Summary: "How the batches cover the campaign's scope", Tags: tags,
		Description: "Every province (national) or county (provincial) in scope must be in exactly one batch; " +
			"cancelled batches do not count.", Errors: []int{404}}, needs("campaigns", "read"),
		func(ctx context.Context, in *idIn) (*body[domain.Coverage], error) {
			cv, err := s.Campaigns.Coverage(ctx, actor(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			return &body[domain.Coverage]{cv}, nil
		})
	register(s, huma.Operation{OperationID: "campaign-next-round", Method: http.MethodPost,
		Path: "/api/v1/campaigns/{id}/next-round", Summary: "Start the next cycle of a completed campaign", Tags: tags,
		DefaultStatus: http.StatusCreated, Errors: []int{404, 409},
		Description: "A new campaign in planning over the same region, sets, weights and targets, for the years that " +
			"follow; every inspection not closed is carried over as an open item (GET …/carried-items) with its " +
			"rectification requirements that were not accepted."},
		needs("campaigns", "create"),
		func(ctx context.Context, in *nextRoundIn) (*tagged[CampaignOut], error) {
			var nr workflow.NextRound
			if in.Body != nil {
				nr = workflow.NextRound{Name: in.Body.Name, Focus: in.Body.Focus}
			}
			c, err := s.Campaigns.NextRound(ctx, actor(ctx), in.ID, nr)
			if err != nil {
				return nil, err
			}
			return &tagged[CampaignOut]{etag(c.Version), campaignOut(c)}, nil
		})
	register(s, huma.Operation{OperationID: "campaign-carried-items", Method: http.MethodGet,
		Path: "/api/v1/campaigns/{id}/carried-items", Summary: "Open items carried over from the previous round",
		Tags: tags, Errors: []int{404}}, needs("campaigns", "read"),
		func(ctx context.Context, in *listByIDIn) (*body[List[CarriedItemOut]], error) {
			p, err := s.Campaigns.CarriedItems(ctx, actor(ctx), in.ID, in.page())
			if err != nil {
				return nil, err
			}
			return &body[List[CarriedItemOut]]{mapList(p, carriedItemOut)}, nil
		})
	s.batchRoutes()
	s.inspectionRoutes()
}

func (s *Server) batchRoutes() {
	tags := []string{"batches"}
	register(s, huma.Operation{OperationID: "create-batch", Method: http.MethodPost,
		Path: "/api/v1/campaigns/{id}/batches", Summary: "Schedule a batch of regions", Tags: tags,
		DefaultStatus: http.StatusCreated, Errors: []int{404, 409},
		Description: "Provinces for a national campaign, counties of the province for a provincial one; deadlines " +
			"ordered and within the campaign's years."},
		needs("batches", "create"),
		func(ctx context.Context, in *createBatchIn) (*tagged[BatchOut], error) {
			b := in.Body
			out, err := s.Campaigns.CreateBatch(ctx, actor(ctx), in.ID, workflow.NewBatch{Name: b.Name,
				RegionCodes: b.RegionCodes, SelfCheckDue: b.SelfCheckDue, SiteReviewDue: b.SiteReviewDue,
				FeedbackDue: b.FeedbackDue})
			if err != nil {
				return nil, err
			}
			return &tagged[BatchOut]{etag(out.Version), batchOut(out)}, nil
		})
	register(s, huma.Operation{OperationID: "list-batches", Method: http.MethodGet,
		Path: "/api/v1/campaigns/{id}/batches", Summary: "A campaign's batches", Tags: tags, Errors: []int{404}},
		needs("batches", "read"),
		func(ctx context.Context, in *listByIDIn) (*body[List[BatchOut]], error) {
			p, err := s.Campaigns.Batches(ctx, actor(ctx), in.ID, in.page())
			if err != nil {
				return nil, err
			}
			return &body[List[BatchOut]]{mapList(p, batchOut)}, nil
		})
	register(s, huma.Operation{OperationID: "get-batch", Method: http.MethodGet, Path: "/api/v1/batches/{id}",
		Summary: "One batch", Tags: tags, Errors: []int{404}}, needs("batches", "read"),
		func(ctx context.Context, in *idIn) (*tagged[BatchOut], error) {
			b, err := s.Campaigns.GetBatch(ctx, actor(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			return &tagged[BatchOut]{etag(b.Version), batchOut(b)}, nil
		})
	register(s, huma.Operation{OperationID: "batch-transition", Method: http.MethodPost,
		Path: "/api/v1/batches/{id}/transitions", Summary: "Fire an event on a batch", Tags: tags,
		Description: "launch creates the inspections and schedules the deadline reminders; start_site_review, " +
			"start_feedback and publish_bulletin wait for every inspection (422 lists the holdouts); past the " +
			"self-check deadline, start_site_review may be forced with \"force\": true and a reason.",
		Errors: []int{404, 409, 412}}, needs("batches", "transition"),
		func(ctx context.Context, in *transitionIn) (*tagged[BatchOut], error) {
			f, err := in.fire()
			if err != nil {
				return nil, err
			}
			b, err := s.Campaigns.FireBatch(ctx, actor(ctx), in.ID, f)
			if err != nil {
				return nil, err
			}
			return &tagged[BatchOut]{etag(b.Version), batchOut(b)}, nil
		})
}

func (s *Server) inspectionRoutes() {
	tags := []string{"inspections"}
	register(s, huma.Operation{OperationID: "list-inspections", Method: http.MethodGet, Path: "/api/v1/inspections",
		Summary: "Inspections the caller may see", Tags: tags,
		Description: "A region sees its own inspections, those below it and those of the regions above it on its " +
			"branch; national roles see all."},
		needs("inspections", "read"),
		func(ctx context.Context, in *listInspectionsIn) (*body[List[InspectionOut]], error) {
			q := workflow.InspectionQuery{CampaignID: in.CampaignID, BatchID: in.BatchID, RegionCode: in.RegionCode,
				State: domain.State(in.State)}
			if in.Overdue != "" {
				o := in.Overdue == "true"
				q.Overdue = &o
			}
			p, err := s.Campaigns.Inspections(ctx, actor(ctx), q, in.page())
			if err != nil {
				return nil, err
			}
			return &body[List[InspectionOut]]{mapList(p, inspectionOut)}, nil
		})
	register(s, huma.Operation{OperationID: "get-inspection", Method: http.MethodGet, Path: "/api/v1/inspections/{id}",
		Summary: "One inspection, with the deadline notices sent for it", Tags: tags, Errors: []int{404}},
		needs("inspections", "read"),
		func(ctx context.Context, in *idIn) (*tagged[InspectionOut], error) {
			ins, notices, err := s.Campaigns.GetInspection(ctx, actor(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			out := inspectionOut(ins)
			out.Notices = notices
			return &tagged[InspectionOut]{etag(ins.Version), out}, nil
		})
	register(s, huma.Operation{OperationID: "inspection-transition", Method: http.MethodPost,
		Path: "/api/v1/inspections/{id}/transitions", Summary: "Fire an event on an inspection", Tags: tags,
		Description: "The inspected region answers (submit_self_check, submit_rectification), the campaign's " +
			"inspectors review (begin_review, return, complete_review), its managers decide (issue_feedback, " +
			"accept_rectification, reject_rectification). The review events are for the inspectors assigned to the " +
			"batch (PUT /batches/{id}/inspectors) and the campaign's managers only, never for the inspected region " +
			"or one within it (403).",
		Errors: []int{404, 409, 412}}, needs("inspections", "transition"),
		func(ctx context.Context, in *transitionIn) (*tagged[InspectionOut], error) {
			f, err := in.fire()
			if err != nil {
				return nil, err
			}
			ins, err := s.Campaigns.FireInspection(ctx, actor(ctx), in.ID, f)
			if err != nil {
				return nil, err
			}
			return &tagged[InspectionOut]{etag(ins.Version), inspectionOut(ins)}, nil
		})
}
