package api

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/ducha/ducha/documents"
	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/store"
	"github.com/ducha/ducha/workflow"
)

// The results of a round (API.md): feedback letters, rectification,
// bulletins and the good practices a bulletin passes on.
//
// Documents are issued by background jobs: GET …/feedback answers
// {"status":"pending"} from the moment issue_feedback fired until the job
// has stored the letter, and 404 before issue_feedback (and for
// ?format=html|xlsx while pending: there is nothing to print yet). A
// bulletin is listed once issued. The JSON is the stored content as issued;
// ?format=html is the HTML stored with it; ?format=xlsx is rendered from the
// stored content on each request.

// FeedbackOut is an inspection's feedback letter: the issued letter's
// content (documents.FeedbackLetter) with its status, or only
// {"inspection_id","status":"pending"} while it is being prepared.
type FeedbackOut struct {
	ID           int64  `json:"id,omitempty" doc:"The document's id; absent while pending."`
	InspectionID int64  `json:"inspection_id"`
	Status       string `json:"status" enum:"pending,issued"`
	*documents.FeedbackLetter
}

// BulletinOut is an issued bulletin: its content (documents.Bulletin) with
// its ids and status.
type BulletinOut struct {
	ID         int64  `json:"id"`
	BatchID    int64  `json:"batch_id"`
	CampaignID int64  `json:"campaign_id"`
	Status     string `json:"status" enum:"issued"`
	documents.Bulletin
}

// BulletinSummary is a bulletin in a listing.
type BulletinSummary struct {
	ID         int64     `json:"id"`
	BatchID    int64     `json:"batch_id"`
	CampaignID int64     `json:"campaign_id"`
	RegionCode string    `json:"region_code"`
	Number     string    `json:"number"`
	Title      string    `json:"title"`
	Status     string    `json:"status" enum:"issued"`
	IssuedAt   time.Time `json:"issued_at"`
}

func bulletinSummary(d store.Document) BulletinSummary {
	return BulletinSummary{ID: d.ID, BatchID: d.BatchID, CampaignID: d.CampaignID, RegionCode: d.RegionCode,
		Number: d.Number, Title: d.Title, Status: "issued", IssuedAt: d.IssuedAt}
}

type documentIn struct {
	ID     int64  `path:"id" minimum:"1"`
	Format string `query:"format" enum:"json,html,xlsx" default:"json" doc:"json (the content), html (print-ready) or xlsx."`
}

// documentOut is a document in the format asked for.
type documentOut struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	ContentTypeOptions string `header:"X-Content-Type-Options"`
	CSP                string `header:"Content-Security-Policy"`
	Body               []byte
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// documentCSP lets the stored HTML use its inline style sheet and nothing
// else: it is served from the API's origin.
const documentCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

func jsonOut(v any) (*documentOut, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return &documentOut{ContentType: "application/json", Body: b}, nil
}

func htmlOut(d store.Document, name string) *documentOut {
	return &documentOut{ContentType: "text/html; charset=utf-8", ContentTypeOptions: "nosniff", CSP: documentCSP,
		ContentDisposition: contentDisposition("inline", name+".html", d.Number+".html"), Body: []byte(d.HTML)}
}

func xlsxOut(b []byte, d store.Document, name string) *documentOut {
	return &documentOut{ContentType: xlsxType, ContentTypeOptions: "nosniff",
		ContentDisposition: contentDisposition("attachment", name+".xlsx", d.Number+".xlsx"), Body: b}
}

// documentResponses describes the three formats of a document.
func (s *Server) documentResponses(t reflect.Type, what string) map[string]*huma.Response {
	// The documents package reuses type names of domain (Coverage), so its
	// types are named "Doc…" in a registry of their own, then copied in.
	docs := huma.NewMapRegistry("#/components/schemas/", func(t reflect.Type, hint string) string {
		n := huma.DefaultSchemaNamer(t, hint)
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.PkgPath() == reflect.TypeOf(documents.Bulletin{}).PkgPath() {
			return "Doc" + n
		}
		return n
	})
	// Domain types inside the documents (scores) are registered in the main
	// registry first, with their Go types, so that a later route that uses
	// them finds them there instead of a bare copy (huma refuses a name it
	// knows without its type).
	s.huma.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[domain.Total](), true, "Total")
	schema := docs.Schema(t, true, t.Name())
	main := s.huma.OpenAPI().Components.Schemas.Map()
	for name, sc := range docs.Map() {
		if _, taken := main[name]; !taken {
			main[name] = sc
		}
	}
	return map[string]*huma.Response{"200": {Description: what + " as JSON, print-ready HTML or an .xlsx workbook",
		Content: map[string]*huma.MediaType{
			"application/json": {Schema: schema},
			"text/html":        {Schema: &huma.Schema{Type: "string"}},
			xlsxType:           {Schema: &huma.Schema{Type: "string", Format: "binary"}},
		}}}
}

type rectificationAnswerIn struct {
	ID            int64 `path:"id" minimum:"1"`
	RequirementID int64 `path:"requirement_id" minimum:"1"`
	Body          struct {
		Narrative     string  `json:"narrative" maxLength:"20000" doc:"What the region did."`
		AttachmentIDs []int64 `json:"attachment_ids,omitempty" maxItems:"50" doc:"Evidence uploaded with POST /attachments."`
	}
}

type decisionIn struct {
	ID            int64 `path:"id" minimum:"1"`
	RequirementID int64 `path:"requirement_id" minimum:"1"`
	Body          struct {
		Accepted bool   `json:"accepted"`
		Reason   string `json:"reason,omitempty" maxLength:"4000" doc:"Required when rejecting."`
	}
}

// RectificationOut is an inspection's rectification: each requirement of
// its letter with the region's answer, the reviewers' decision, whether it
// is overdue and where it has been escalated.
type RectificationOut struct {
	InspectionID int64                      `json:"inspection_id"`
	State        domain.State               `json:"state"`
	Requirements []workflow.RequirementView `json:"requirements" nullable:"false"`
}

type listBulletinsIn struct {
	PageParams
	BatchID int64 `query:"batch_id" minimum:"0" doc:"Only this batch's bulletin."`
}

type goodPracticesIn struct {
	ID   int64 `path:"id" minimum:"1"`
	Body struct {
		Items []store.GoodPractice `json:"items" maxItems:"100" nullable:"false"`
	}
}

// GoodPracticesOut are the good practices set for a batch's bulletin.
type GoodPracticesOut struct {
	Items []store.GoodPractice `json:"items" nullable:"false"`
}

func (s *Server) resultRoutes() {
	tags := []string{"results"}
	register(s, huma.Operation{OperationID: "get-feedback", Method: http.MethodGet,
		Path: "/api/v1/inspections/{id}/feedback", Summary: "An inspection's feedback letter", Tags: tags,
		Description: "The letter issued to the inspected region's government: number, issue date, addressee, " +
			"scores, findings and rectification requirements. {\"status\":\"pending\"} from issue_feedback until " +
			"the background job has issued it; 404 before issue_feedback, and for html and xlsx while pending.",
		Errors: []int{404}, Responses: s.documentResponses(reflect.TypeOf(FeedbackOut{}), "The letter")},
		needs("feedback", "read"),
		func(ctx context.Context, in *documentIn) (*documentOut, error) {
			v, err := s.Results.Feedback(ctx, actor(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			if v.Document == nil {
				if in.Format != "json" {
					return nil, domain.Errorf(domain.ENotFound, "the feedback letter of inspection %d is being prepared", in.ID)
				}
				return jsonOut(FeedbackOut{InspectionID: in.ID, Status: "pending"})
			}
			d := *v.Document
			var l documents.FeedbackLetter
			if err := json.Unmarshal(d.Content, &l); err != nil {
				return nil, err
			}
			name := "feedback-" + strconv.FormatInt(in.ID, 10)
			switch in.Format {
			case "html":
				return htmlOut(d, name), nil
			case "xlsx":
				b, err := documents.FeedbackXLSX(l)
				if err != nil {
					return nil, err
				}
				return xlsxOut(b, d, name), nil
			}
			return jsonOut(FeedbackOut{ID: d.ID, InspectionID: in.ID, Status: "issued", FeedbackLetter: &l})
		})

	register(s, huma.Operation{OperationID: "get-rectification", Method: http.MethodGet,
		Path: "/api/v1/inspections/{id}/rectification", Summary: "An inspection's rectification", Tags: tags,
		Description: "Each requirement of the feedback letter with the region's answer, the decision on it, " +
			"whether it is overdue and its escalations.", Errors: []int{404}},
		needs("inspections", "read"),
		func(ctx context.Context, in *idIn) (*body[RectificationOut], error) {
			v, err := s.Results.Rectification(ctx, actor(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			return &body[RectificationOut]{RectificationOut{InspectionID: v.Inspection.ID, State: v.Inspection.State,
				Requirements: v.Requirements}}, nil
		})
	register(s, huma.Operation{OperationID: "answer-requirement", Method: http.MethodPut,
		Path: "/api/v1/inspections/{id}/rectification/{requirement_id}", Summary: "Answer a rectification requirement",
		Tags: tags, Description: "By the officers of the inspected region while the inspection is feedback_issued " +
			"(409 otherwise). Replaces an earlier answer, which loses its decision; an accepted answer is final (409).",
		Errors: []int{404, 409}}, needs("rectification", "write"),
		func(ctx context.Context, in *rectificationAnswerIn) (*body[store.RectificationAnswer], error) {
			a, err := s.Results.Answer(ctx, actor(ctx), in.ID, in.RequirementID, workflow.RectificationAnswer{
				Narrative: in.Body.Narrative, AttachmentIDs: in.Body.AttachmentIDs})
			if err != nil {
				return nil, err
			}
			return &body[store.RectificationAnswer]{a}, nil
		})
	register(s, huma.Operation{OperationID: "decide-requirement", Method: http.MethodPost,
		Path:    "/api/v1/inspections/{id}/rectification/{requirement_id}/decision",
		Summary: "Accept or reject the answer to a requirement", Tags: tags,
		Description: "By who reviews the inspection, as for the site review: the inspectors assigned to its batch and " +
			"the campaign's managers, never a user whose region lies within the inspected one (403 otherwise); " +
			"while the inspection is rectification_submitted (409 otherwise); a rejection needs a reason. accept_rectification needs every answer accepted; " +
			"reject_rectification sends the inspection back for the rejected ones.",
		Errors: []int{404, 409}}, needs("inspections", "review"),
		func(ctx context.Context, in *decisionIn) (*body[store.RectificationAnswer], error) {
			a, err := s.Results.Decide(ctx, actor(ctx), in.ID, in.RequirementID, in.Body.Accepted, in.Body.Reason)
			if err != nil {
				return nil, err
			}
			return &body[store.RectificationAnswer]{a}, nil
		})

	register(s, huma.Operation{OperationID: "list-bulletins", Method: http.MethodGet, Path: "/api/v1/bulletins",
		Summary: "Issued bulletins", Tags: tags, Description: "Every user reads every bulletin."},
		needs("bulletins", "read"),
		func(ctx context.Context, in *listBulletinsIn) (*body[List[BulletinSummary]], error) {
			p, err := s.Results.Bulletins(ctx, actor(ctx), in.BatchID, in.page())
			if err != nil {
				return nil, err
			}
			return &body[List[BulletinSummary]]{mapList(p, bulletinSummary)}, nil
		})
	register(s, huma.Operation{OperationID: "get-bulletin", Method: http.MethodGet, Path: "/api/v1/bulletins/{id}",
		Summary: "One bulletin", Tags: tags, Errors: []int{404},
		Description: "The ranking, category scores, common problems, good practices, complaint figures and " +
			"coverage, as issued.",
		Responses: s.documentResponses(reflect.TypeOf(BulletinOut{}), "The bulletin")},
		needs("bulletins", "read"),
		func(ctx context.Context, in *documentIn) (*documentOut, error) {
			d, err := s.Results.Bulletin(ctx, actor(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			var b documents.Bulletin
			if err := json.Unmarshal(d.Content, &b); err != nil {
				return nil, err
			}
			name := "bulletin-" + strconv.FormatInt(d.ID, 10)
			switch in.Format {
			case "html":
				return htmlOut(d, name), nil
			case "xlsx":
				x, err := documents.BulletinXLSX(b)
				if err != nil {
					return nil, err
				}
				return xlsxOut(x, d, name), nil
			}
			return jsonOut(BulletinOut{ID: d.ID, BatchID: d.BatchID, CampaignID: d.CampaignID, Status: "issued", Bulletin: b})
		})

	register(s, huma.Operation{OperationID: "get-good-practices", Method: http.MethodGet,
		Path: "/api/v1/batches/{id}/good-practices", Summary: "The good practices a batch's bulletin passes on",
		Tags: tags, Errors: []int{404}}, needs("batches", "read"),
		func(ctx context.Context, in *idIn) (*body[GoodPracticesOut], error) {
			items, err := s.Results.GoodPractices(ctx, actor(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			return &body[GoodPracticesOut]{GoodPracticesOut{Items: items}}, nil
		})
	register(s, huma.Operation{OperationID: "set-good-practices", Method: http.MethodPut,
		Path: "/api/v1/batches/{id}/good-practices", Summary: "Set the good practices a batch's bulletin passes on",
		Tags: tags, Description: "By the campaign's managers, before publish_bulletin (409 after). Each names one " +
			"of the batch's regions.", Errors: []int{404, 409}}, needs("batches", "transition"),
		func(ctx context.Context, in *goodPracticesIn) (*body[GoodPracticesOut], error) {
			items := in.Body.Items
			if items == nil {
				items = []store.GoodPractice{}
			}
			out, err := s.Results.SetGoodPractices(ctx, actor(ctx), in.ID, items)
			if err != nil {
				return nil, err
			}
			return &body[GoodPracticesOut]{GoodPracticesOut{Items: out}}, nil
		})
}
