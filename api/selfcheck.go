package api

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/workflow"
)

// The self-check, the site review, inspectors of a batch, scores and
// rankings (API.md).

type figureBody struct {
	Numerator     *float64 `json:"numerator,omitempty" doc:"A whole count >= 0."`
	Denominator   *float64 `json:"denominator,omitempty" doc:"A whole count > 0, not below the numerator."`
	NotApplicable bool     `json:"not_applicable,omitempty" doc:"The measure does not apply (nobody to count); leave the figures out."`
	Reason        string   `json:"reason,omitempty" maxLength:"4000" doc:"Why it does not apply (self-check: required with not_applicable)."`
}

func figureInputs(m map[string]figureBody) map[string]workflow.FigureInput {
	if m == nil {
		return nil
	}
	out := make(map[string]workflow.FigureInput, len(m))
	for k, f := range m {
		out[k] = workflow.FigureInput{Numerator: f.Numerator, Denominator: f.Denominator, NotApplicable: f.NotApplicable, Reason: f.Reason}
	}
	return out
}

type InspectionIndicator struct {
	ID   int64  `path:"id" minimum:"1"`
	Code string `path:"indicator_code" maxLength:"32"`
}

type answerIn struct {
	InspectionIndicator
	Body struct {
		RegionCode    string                `json:"region_code,omitempty" maxLength:"12" doc:"The region the answer is for: the inspected region (default) or one below it, at a level the indicator is assessed at."`
		Narrative     string                `json:"narrative,omitempty" doc:"Qualitative: what was done (required); quantitative: an optional note."`
		AttachmentIDs []int64               `json:"attachment_ids,omitempty" doc:"Evidence: ids from POST /attachments, uploaded within the inspected region."`
		Measures      map[string]figureBody `json:"measures,omitempty" doc:"Quantitative: every measure of the indicator, by measure code."`
		NotApplicable bool                  `json:"not_applicable,omitempty" doc:"The whole indicator does not apply to the region; give a reason."`
		Reason        string                `json:"reason,omitempty" maxLength:"4000"`
	}
}

type answerOut struct {
	Status int
	Body   domain.Answer
}

type reviewIn struct {
	InspectionIndicator
	Body struct {
		Rating   string                `json:"rating,omitempty" doc:"Qualitative indicators: met, largely_met or not_met."`
		Measures map[string]figureBody `json:"measures,omitempty" doc:"Quantitative indicators: the verified figures of every measure for the inspected region (or not_applicable)."`
		Finding  *struct {
			Severity string `json:"severity" doc:"serious, general or minor"`
			Text     string `json:"text"`
		} `json:"finding,omitempty" doc:"What the review found wrong; replaces the indicator's earlier finding (leave out to clear it)."`
		Requirements []struct {
			Text  string    `json:"text"`
			DueAt time.Time `json:"due_at"`
		} `json:"requirements,omitempty" doc:"Rectification requirements with due dates; replace the indicator's earlier ones."`
		VetoOverride *struct {
			Reason string `json:"reason"`
		} `json:"veto_override,omitempty" doc:"IN12 and OUT10 only: override the one-vote veto, with the reason."`
	}
}

type reviewOut struct {
	Status int
	Body   domain.Review
}

type inspectorsIn struct {
	ID   int64 `path:"id" minimum:"1"`
	Body struct {
		UserIDs []int64 `json:"user_ids" doc:"Replaces the batch's inspectors; [] clears them."`
	}
}

type formatIn struct {
	ID     int64  `path:"id" minimum:"1"`
	Format string `query:"format" enum:"json,xlsx" default:"json" doc:"json, or xlsx: a workbook with numbers as numeric cells."`
}

type fileOut struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               any
}

const roundingNote = " Every score, rate and sub-total is the full floating-point value: nothing is rounded on the " +
	"way, so the formulas can be redone by hand; round only for display (documents show one decimal, half away " +
	"from zero on the shortest decimal form)."

func (s *Server) selfCheckRoutes() {
	tags := []string{"self-check"}
	register(s, huma.Operation{OperationID: "answer-self-check", Method: http.MethodPut,
		Path: "/api/v1/inspections/{id}/self-check/{indicator_code}", Summary: "Answer one indicator of a self-check",
		Tags: tags, Errors: []int{404, 409},
		Description: "Qualitative: `{\"narrative\",\"attachment_ids\"}`; quantitative: `{\"measures\":{\"IN14a\":" +
			"{\"numerator\",\"denominator\"}}}` with every measure (or `{\"not_applicable\":true,\"reason\"}` for a " +
			"measure); either kind: `{\"not_applicable\":true,\"reason\"}`. Figures are whole numbers, numerator <= " +
			"denominator, denominator > 0. `region_code` (default the inspected region) must lie in the inspected " +
			"region's subtree at a level the indicator is assessed at, and within the writer's region. Only while " +
			"the inspection is in self_check (409). The answer replaces the region's earlier one, which is kept as a " +
			"revision: 201 for a first answer, 200 for a new revision. Figures roll up as Σ numerators / Σ " +
			"denominators; a figure given at a region replaces the sum of those below it."},
		needs("selfcheck", "write"),
		func(ctx context.Context, in *answerIn) (*answerOut, error) {
			b := in.Body
			a, err := s.SelfChecks.Answer(ctx, actor(ctx), in.ID, in.Code, workflow.AnswerInput{RegionCode: b.RegionCode,
				Narrative: b.Narrative, AttachmentIDs: b.AttachmentIDs, Measures: figureInputs(b.Measures),
				NotApplicable: b.NotApplicable, Reason: b.Reason})
			if err != nil {
				return nil, err
			}
			st := http.StatusOK
			if a.Revision == 1 {
				st = http.StatusCreated
			}
			return &answerOut{Status: st, Body: a}, nil
		})
	register(s, huma.Operation{OperationID: "get-self-check", Method: http.MethodGet,
		Path: "/api/v1/inspections/{id}/self-check", Summary: "A self-check: every answer, the roll-ups and what is missing",
		Tags: tags, Errors: []int{404},
		Description: "Every indicator assessed for the inspected region, with its current answers by region and, for " +
			"quantitative ones, each measure rolled up to the inspected region (the figures used, from which regions, " +
			"the formula). `missing` lists what submit_self_check still waits for."},
		needs("inspections", "read"),
		func(ctx context.Context, in *idIn) (*body[workflow.SelfCheckView], error) {
			v, err := s.SelfChecks.View(ctx, actor(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			return &body[workflow.SelfCheckView]{v}, nil
		})
	register(s, huma.Operation{OperationID: "get-self-check-indicator", Method: http.MethodGet,
		Path: "/api/v1/inspections/{id}/self-check/{indicator_code}", Summary: "One indicator of a self-check, with every earlier answer",
		Tags: tags, Errors: []int{404}}, needs("inspections", "read"),
		func(ctx context.Context, in *InspectionIndicator) (*body[workflow.IndicatorHistory], error) {
			h, err := s.SelfChecks.History(ctx, actor(ctx), in.ID, in.Code)
			if err != nil {
				return nil, err
			}
			return &body[workflow.IndicatorHistory]{h}, nil
		})

	tags = []string{"review"}
	register(s, huma.Operation{OperationID: "review-indicator", Method: http.MethodPut,
		Path: "/api/v1/inspections/{id}/review/{indicator_code}", Summary: "Review one indicator on site",
		Tags: tags, Errors: []int{404, 409},
		Description: "`{\"rating\":\"met\"|\"largely_met\"|\"not_met\"}` for a qualitative indicator, or the verified " +
			"figures of every measure `{\"measures\":{\"IN14a\":{\"numerator\",\"denominator\"}}}` for a quantitative " +
			"one; optional `finding` `{\"severity\":\"serious\"|\"general\"|\"minor\",\"text\"}`, `requirements` " +
			"`[{\"text\",\"due_at\"}]` and, on IN12 and OUT10, `veto_override` `{\"reason\"}`. The review replaces the " +
			"indicator's earlier review, finding and requirements. Only while the inspection is in site_review (409); " +
			"by the inspectors assigned to the batch or the campaign's managers, never by the inspected region or " +
			"one within it (403). 201 for a first review, 200 for a new revision."},
		needs("inspections", "read"),
		func(ctx context.Context, in *reviewIn) (*reviewOut, error) {
			b := in.Body
			r := workflow.ReviewInput{Rating: domain.Rating(b.Rating), Measures: figureInputs(b.Measures)}
			if b.Finding != nil {
				r.Finding = &workflow.FindingInput{Severity: domain.Severity(b.Finding.Severity), Text: b.Finding.Text}
			}
			for _, q := range b.Requirements {
				r.Requirements = append(r.Requirements, workflow.RequirementInput{Text: q.Text, DueAt: q.DueAt})
			}
			if b.VetoOverride != nil {
				r.VetoOverride = &b.VetoOverride.Reason
			}
			rv, err := s.Reviews.Put(ctx, actor(ctx), in.ID, in.Code, r)
			if err != nil {
				return nil, err
			}
			st := http.StatusOK
			if rv.Revision == 1 {
				st = http.StatusCreated
			}
			return &reviewOut{Status: st, Body: rv}, nil
		})
	register(s, huma.Operation{OperationID: "get-review", Method: http.MethodGet,
		Path: "/api/v1/inspections/{id}/review", Summary: "A site review: ratings, verified figures, findings, requirements",
		Tags: tags, Errors: []int{404}, Description: "`unrated` lists what complete_review still waits for."},
		needs("inspections", "read"),
		func(ctx context.Context, in *idIn) (*body[workflow.ReviewView], error) {
			v, err := s.Reviews.View(ctx, actor(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			return &body[workflow.ReviewView]{v}, nil
		})
	register(s, huma.Operation{OperationID: "set-batch-inspectors", Method: http.MethodPut,
		Path: "/api/v1/batches/{id}/inspectors", Summary: "Assign the inspectors of a batch", Tags: tags,
		Errors: []int{404, 409},
		Description: "By the campaign's managers. National campaign: national inspectors; provincial campaign: " +
			"officers of the province. Replaces the list."},
		needs("batches", "transition"),
		func(ctx context.Context, in *inspectorsIn) (*body[List[UserOut]], error) {
			us, err := s.Reviews.SetInspectors(ctx, actor(ctx), in.ID, in.Body.UserIDs)
			if err != nil {
				return nil, err
			}
			out := List[UserOut]{Items: make([]UserOut, len(us))}
			for i, u := range us {
				out.Items[i] = userOut(u)
			}
			return &body[List[UserOut]]{out}, nil
		})
	register(s, huma.Operation{OperationID: "get-batch-inspectors", Method: http.MethodGet,
		Path: "/api/v1/batches/{id}/inspectors", Summary: "The inspectors of a batch", Tags: tags, Errors: []int{404}},
		needs("batches", "read"),
		func(ctx context.Context, in *idIn) (*body[List[UserOut]], error) {
			us, err := s.Reviews.Inspectors(ctx, actor(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			out := List[UserOut]{Items: make([]UserOut, len(us))}
			for i, u := range us {
				out.Items[i] = userOut(u)
			}
			return &body[List[UserOut]]{out}, nil
		})

	tags = []string{"scores"}
	schema := func(t reflect.Type, name string) *huma.Schema {
		return s.huma.OpenAPI().Components.Schemas.Schema(t, true, name)
	}
	register(s, huma.Operation{OperationID: "inspection-score", Method: http.MethodGet,
		Path: "/api/v1/inspections/{id}/score", Summary: "An inspection's score, measure by measure up to the total",
		Tags: tags, Errors: []int{404},
		Description: "measure → indicator → category → set → total, with the process (qualitative) and outcome " +
			"(quantitative) sub-totals, each with its inputs and formula. Qualitative indicators score their rating " +
			"(met 100, largely met 60, not met 0); a measure scores 100 × min(1, rate / target) (higher is better) or " +
			"100 × min(1, (100 − rate) / (100 − target)) (lower is better), with the campaign's target where it sets " +
			"one, else the set's; an indicator averages its measures; a set is the weighted mean of its indicators; " +
			"the total is w_in × inflow + w_out × outflow. Until the review verifies a figure the self-reported one " +
			"(rolled up as Σ numerators / Σ denominators) is used and the result is provisional; what is not rated yet " +
			"is pending and listed. A substantiated vicious case or three-prohibition violation in the campaign's " +
			"years scores IN12 and OUT10 at 0 unless a reviewer overrode the veto with a reason." + roundingNote +
			" `?format=xlsx` gives the same as a workbook.",
		Responses: map[string]*huma.Response{"200": {Description: "The score", Content: map[string]*huma.MediaType{
			"application/json": {Schema: schema(reflect.TypeFor[workflow.InspectionScore](), "InspectionScore")},
			xlsxContentType:    {Schema: &huma.Schema{Type: "string", Format: "binary"}},
		}}}},
		needs("inspections", "read"),
		func(ctx context.Context, in *formatIn) (*fileOut, error) {
			sc, err := s.Scoring.Score(ctx, actor(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			if in.Format != "xlsx" {
				return &fileOut{Body: sc}, nil
			}
			b, err := scoreXLSX(sc)
			if err != nil {
				return nil, err
			}
			name := fmt.Sprintf("score-inspection-%d-%s.xlsx", sc.InspectionID, sc.RegionCode)
			return &fileOut{ContentType: xlsxContentType, ContentDisposition: contentDisposition("attachment", name, name), Body: b}, nil
		})
	register(s, huma.Operation{OperationID: "batch-ranking", Method: http.MethodGet,
		Path: "/api/v1/batches/{id}/ranking", Summary: "A batch's regions ranked by total", Tags: tags,
		Errors: []int{404},
		Description: "Highest total first; equal totals share a rank and the next rank skips (1, 2, 2, 4); regions " +
			"without a total yet come last with rank 0. For the campaign's own region and above." + roundingNote +
			" `?format=xlsx` gives the ranking and every region's indicator scores as a workbook.",
		Responses: map[string]*huma.Response{"200": {Description: "The ranking", Content: map[string]*huma.MediaType{
			"application/json": {Schema: schema(reflect.TypeFor[workflow.BatchRanking](), "BatchRanking")},
			xlsxContentType:    {Schema: &huma.Schema{Type: "string", Format: "binary"}},
		}}}},
		needs("batches", "read"),
		func(ctx context.Context, in *formatIn) (*fileOut, error) {
			r, err := s.Scoring.Ranking(ctx, actor(ctx), in.ID, in.Format == "xlsx")
			if err != nil {
				return nil, err
			}
			if in.Format != "xlsx" {
				return &fileOut{Body: r}, nil
			}
			b, err := rankingXLSX(r)
			if err != nil {
				return nil, err
			}
			name := fmt.Sprintf("ranking-batch-%d.xlsx", r.BatchID)
			return &fileOut{ContentType: xlsxContentType, ContentDisposition: contentDisposition("attachment", name, name), Body: b}, nil
		})
}
