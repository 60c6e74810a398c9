package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"

	"github.com/ducha/ducha/catalogue/xlsx"
	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/workflow"
)

// --- indicator sets (the catalogue) ---

// SetSummary is an indicator set in a listing, without its indicators.
type SetSummary struct {
	ID          int64            `json:"id"`
	Code        string           `json:"code"`
	Kind        domain.SetKind   `json:"kind" enum:"inflow,outflow"`
	Name        string           `json:"name"`
	NameEN      string           `json:"name_en,omitempty"`
	RegionCode  string           `json:"region_code"`
	ParentID    *int64           `json:"parent_id"`
	Status      domain.SetStatus `json:"status" enum:"draft,published"`
	Version     int              `json:"version"`
	CreatedAt   time.Time        `json:"created_at"`
	PublishedAt *time.Time       `json:"published_at"`
}

func setSummary(s domain.IndicatorSet) SetSummary {
	return SetSummary{ID: s.ID, Code: s.Code, Kind: s.Kind, Name: s.Name, NameEN: s.NameEN, RegionCode: s.RegionCode,
		ParentID: s.ParentID, Status: s.Status, Version: s.Version, CreatedAt: s.CreatedAt, PublishedAt: s.PublishedAt}
}

type listSetsIn struct {
	PageParams
	Kind       string `query:"kind" enum:"inflow,outflow" doc:"Only sets of this kind."`
	Status     string `query:"status" enum:"draft,published" doc:"Only sets in this status."`
	RegionCode string `query:"region_code" maxLength:"12" doc:"Only sets of this region (0: the national sets)."`
	ParentID   int64  `query:"parent_id" doc:"Only sets derived from this set."`
}

// SetPath is the path parameter of one set.
type SetPath struct {
	ID int64 `path:"id" doc:"The set's id."`
}

type getSetIn struct {
	SetPath
	Format string `query:"format" enum:"json,xlsx" default:"json" doc:"json, or xlsx: the set as a workbook in the notice's table layout (see POST /indicator-sets/import)."`
}

// setOut answers with a whole set and its version as the ETag.
type setOut struct {
	ETag     string `header:"ETag"`
	Location string `header:"Location"`
	Body     domain.IndicatorSet
}

func newSetOut(s domain.IndicatorSet) *setOut {
	return &setOut{ETag: etag(s.Version), Body: s}
}

type getSetOut struct {
	ETag               string `header:"ETag"`
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               any
}

type deriveIn struct {
	Body struct {
		ParentID   int64  `json:"parent_id" doc:"The published set to derive from."`
		RegionCode string `json:"region_code" maxLength:"12" doc:"The deriving region; it must lie within the parent's region and the caller's scope."`
		Name       string `json:"name" maxLength:"255"`
	}
}

// IfMatchHeader is the optional If-Match of a change to a draft.
type IfMatchHeader struct {
	IfMatch string `header:"If-Match" doc:"The set's version in quotes, as its ETag gives it; 412 when the set has changed since."`
}

// IndicatorPath names one indicator of a set.
type IndicatorPath struct {
	SetPath
	IfMatchHeader
	Code string `path:"code" maxLength:"32" doc:"The indicator's code."`
}

type patchIndicatorIn struct {
	IndicatorPath
	Body struct {
		Targets     map[string]*float64 `json:"targets,omitempty" doc:"Measure code → target in percent (0–100); null clears a target."`
		Weight      *float64            `json:"weight,omitempty" exclusiveMinimum:"0" maximum:"100" doc:"Relative weight inside the set, above 0."`
		Name        *string             `json:"name,omitempty" maxLength:"255"`
		Explanation *string             `json:"explanation,omitempty" maxLength:"4000"`
	}
}

type measureIn struct {
	Code        string   `json:"code,omitempty" maxLength:"32" doc:"Defaults to the indicator's code plus a, b, …"`
	Name        string   `json:"name,omitempty" maxLength:"255" doc:"Defaults to the indicator's name when it has one measure."`
	NameEN      string   `json:"name_en,omitempty" maxLength:"255"`
	Numerator   string   `json:"numerator" maxLength:"1000"`
	Denominator string   `json:"denominator" maxLength:"1000"`
	Direction   string   `json:"direction,omitempty" enum:"higher_is_better,lower_is_better" doc:"Default higher_is_better."`
	Target      *float64 `json:"target,omitempty" doc:"Percent, 0–100."`
}

type levelIn struct {
	Text     string `json:"text,omitempty" maxLength:"64" doc:"The wording, e.g. 县(市、区)以上."`
	Lowest   string `json:"lowest" enum:"nation,province,prefecture,county,township,village" doc:"The lowest level assessed."`
	Highest  string `json:"highest,omitempty" enum:"nation,province,prefecture,county,township,village" doc:"The highest level assessed; default the nation when and_above, else lowest."`
	AndAbove bool   `json:"and_above,omitempty" doc:"The wording means this level and above (以上)."`
}

type addIndicatorIn struct {
	SetPath
	IfMatchHeader
	Body struct {
		Code        string      `json:"code" maxLength:"32" doc:"The set's region code, -L and a number: 44-L01."`
		Category    string      `json:"category" enum:"guarantee,management,service,performance,incentive"`
		Item        string      `json:"item" maxLength:"255" doc:"项目"`
		ItemEN      string      `json:"item_en,omitempty" maxLength:"255"`
		Name        string      `json:"name" maxLength:"255" doc:"指标名称"`
		NameEN      string      `json:"name_en,omitempty" maxLength:"255"`
		Explanation string      `json:"explanation,omitempty" maxLength:"4000" doc:"指标解释; a performance indicator's defaults to its formulas."`
		Level       levelIn     `json:"level"`
		Weight      *float64    `json:"weight,omitempty" exclusiveMinimum:"0" maximum:"100" doc:"Default 1."`
		Measures    []measureIn `json:"measures,omitempty" maxItems:"26" doc:"A performance indicator's rates; no other has any."`
	}
}

type removeIndicatorIn struct {
	IndicatorPath
	Reason string `query:"reason" maxLength:"1000" doc:"Why the indicator is removed (or send it in the body)."`
	Body   *struct {
		Reason string `json:"reason" maxLength:"1000"`
	}
}

type importIn struct {
	ContentType string `header:"Content-Type"`
	RawBody     []byte `contentType:"multipart/form-data"`
}

// MaxImportBytes bounds an imported workbook (an indicator set is a few
// dozen rows; 5 MiB leaves room for formatting).
const MaxImportBytes = 5 << 20

func (s *Server) catalogueRoutes() {
	tags := []string{"catalogue"}
	register(s, huma.Operation{OperationID: "list-indicator-sets", Method: http.MethodGet, Path: "/api/v1/indicator-sets",
		Summary: "Indicator sets", Tags: tags,
		Description: "Every published set, and the drafts of the caller's lineage (its region's subtree and ancestors), by id, without their indicators."},
		needs("catalogue", "read"),
		func(ctx context.Context, in *listSetsIn) (*body[List[SetSummary]], error) {
			p, err := s.Catalogue.List(ctx, actor(ctx), workflow.SetFilter{Kind: domain.SetKind(in.Kind),
				Status: domain.SetStatus(in.Status), RegionCode: in.RegionCode, ParentID: in.ParentID}, in.page())
			if err != nil {
				return nil, err
			}
			out := List[SetSummary]{Items: make([]SetSummary, len(p.Items))}
			for i, it := range p.Items {
				out.Items[i] = setSummary(it)
			}
			if p.Next != "" {
				out.Next = &p.Next
			}
			return &body[List[SetSummary]]{out}, nil
		})

	getOp := huma.Operation{OperationID: "get-indicator-set", Method: http.MethodGet, Path: "/api/v1/indicator-sets/{id}",
		Summary: "One indicator set, whole", Tags: tags, Errors: []int{404},
		Description: "Its indicators in order with their measures and targets, and the parent's indicators it removed. " +
			"`?format=xlsx` answers the set as a workbook in the notice's table layout.",
		Responses: map[string]*huma.Response{"200": {Description: "The set", Content: map[string]*huma.MediaType{
			"application/json": {Schema: s.huma.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[domain.IndicatorSet](), true, "IndicatorSet")},
			xlsx.ContentType:   {Schema: &huma.Schema{Type: "string", Format: "binary"}},
		}}}}
	register(s, getOp, needs("catalogue", "read"),
		func(ctx context.Context, in *getSetIn) (*getSetOut, error) {
			set, err := s.Catalogue.Get(ctx, actor(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			out := &getSetOut{ETag: etag(set.Version), Body: set}
			if in.Format == "xlsx" {
				var buf bytes.Buffer
				if err := xlsx.Write(&buf, set); err != nil {
					return nil, err
				}
				out.ContentType, out.Body = xlsx.ContentType, buf.Bytes()
				out.ContentDisposition = contentDisposition("attachment", set.Code+".xlsx", set.Name+".xlsx")
			}
			return out, nil
		})

	register(s, huma.Operation{OperationID: "derive-indicator-set", Method: http.MethodPost, Path: "/api/v1/indicator-sets",
		Summary: "Derive a draft set from a published one", Tags: tags, DefaultStatus: http.StatusCreated,
		Description: "A draft copy of the published parent for a region within the parent's region and the caller's scope. " +
			"Its code is the region, the kind and a number: 44-INFLOW-1."},
		needs("catalogue", "write"),
		func(ctx context.Context, in *deriveIn) (*setOut, error) {
			set, err := s.Catalogue.Derive(ctx, actor(ctx), workflow.Derivation{ParentID: in.Body.ParentID,
				RegionCode: in.Body.RegionCode, Name: in.Body.Name})
			if err != nil {
				return nil, err
			}
			out := newSetOut(set)
			out.Location = fmt.Sprintf("/api/v1/indicator-sets/%d", set.ID)
			return out, nil
		})

	register(s, huma.Operation{OperationID: "update-set-indicator", Method: http.MethodPatch,
		Path: "/api/v1/indicator-sets/{id}/indicators/{code}", Summary: "Adjust one indicator of a draft", Tags: tags,
		Description: "Targets, weight, name, explanation. A published set never changes (409). " +
			"Targets stricter than a parent's are accepted in a draft and refused when it is published.",
		Errors: []int{404, 409, 412}},
		needs("catalogue", "write"),
		func(ctx context.Context, in *patchIndicatorIn) (*setOut, error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			set, err := s.Catalogue.UpdateIndicator(ctx, actor(ctx), in.ID, in.Code, workflow.IndicatorChange{
				Targets: in.Body.Targets, Weight: in.Body.Weight, Name: in.Body.Name, Explanation: in.Body.Explanation}, v)
			if err != nil {
				return nil, err
			}
			return newSetOut(set), nil
		})

	register(s, huma.Operation{OperationID: "add-set-indicator", Method: http.MethodPost,
		Path: "/api/v1/indicator-sets/{id}/indicators", Summary: "Add a local indicator to a draft", Tags: tags,
		DefaultStatus: http.StatusCreated, Errors: []int{404, 409, 412},
		Description: "Placed after the last indicator of its category. Its code is the set's region code, -L and a number (44-L01); " +
			"a performance indicator has measures, coded by the indicator's code plus a, b, … (44-L01a)."},
		needs("catalogue", "write"),
		func(ctx context.Context, in *addIndicatorIn) (*setOut, error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			b := in.Body
			ind := domain.Indicator{Code: b.Code, Category: domain.Category(b.Category), Item: b.Item, ItemEN: b.ItemEN,
				Name: b.Name, NameEN: b.NameEN, Explanation: b.Explanation, Level: levelSpec(b.Level)}
			if b.Weight != nil {
				ind.Weight = *b.Weight
			}
			for _, m := range b.Measures {
				ind.Measures = append(ind.Measures, domain.Measure{Code: m.Code, Name: m.Name, NameEN: m.NameEN,
					Numerator: m.Numerator, Denominator: m.Denominator, Direction: domain.Direction(m.Direction), Target: m.Target})
			}
			set, err := s.Catalogue.AddIndicator(ctx, actor(ctx), in.ID, ind, v)
			if err != nil {
				return nil, err
			}
			return newSetOut(set), nil
		})

	register(s, huma.Operation{OperationID: "remove-set-indicator", Method: http.MethodDelete,
		Path: "/api/v1/indicator-sets/{id}/indicators/{code}", Summary: "Remove an indicator from a draft", Tags: tags,
		Description: "A reason is required (`?reason=` or a body `{\"reason\"}`) and recorded: one of the parent's indicators is " +
			"listed among the set's `removed`; a local one the draft added is deleted.",
		Errors: []int{404, 409, 412}},
		needs("catalogue", "write"),
		func(ctx context.Context, in *removeIndicatorIn) (*setOut, error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			reason := in.Reason
			if in.Body != nil && strings.TrimSpace(in.Body.Reason) != "" {
				reason = in.Body.Reason
			}
			set, err := s.Catalogue.RemoveIndicator(ctx, actor(ctx), in.ID, in.Code, reason, v)
			if err != nil {
				return nil, err
			}
			return newSetOut(set), nil
		})

	register(s, huma.Operation{OperationID: "publish-indicator-set", Method: http.MethodPost,
		Path: "/api/v1/indicator-sets/{id}/publish", Summary: "Publish a draft; it never changes again", Tags: tags,
		Description: "422 when any measure's target is stricter than a set higher up its chain of parents allows " +
			"(不得层层加码): `errors` names each (`indicators.IN14.targets.IN14a`) and `violations` gives both targets.",
		Errors: []int{404, 409, 412}},
		needs("catalogue", "write"),
		func(ctx context.Context, in *struct {
			SetPath
			IfMatchHeader
		}) (*setOut, error) {
			v, err := ifMatch(in.IfMatch)
			if err != nil {
				return nil, err
			}
			set, err := s.Catalogue.Publish(ctx, actor(ctx), in.ID, v)
			if err != nil {
				return nil, err
			}
			return newSetOut(set), nil
		})

	importSchema := &huma.Schema{Type: "object", Required: []string{"file", "parent_id", "region_code", "name"},
		Properties: map[string]*huma.Schema{
			"file":        {Type: "string", Format: "binary", Description: "An .xlsx workbook in the layout GET /indicator-sets/{id}?format=xlsx gives."},
			"parent_id":   {Type: "integer", Description: "The published set to derive from."},
			"region_code": {Type: "string", Description: "The deriving region."},
			"name":        {Type: "string", Description: "The new set's name."},
		}}
	register(s, huma.Operation{OperationID: "import-indicator-set", Method: http.MethodPost,
		Path: "/api/v1/indicator-sets/import", Summary: "Derive a draft set from a workbook", Tags: tags,
		DefaultStatus: http.StatusCreated, MaxBodyBytes: MaxImportBytes, SkipValidateBody: true,
		Errors: []int{413, 415},
		Description: "Multipart form: `file` (.xlsx in the notice's table layout, as exported), `parent_id`, `region_code`, `name`. " +
			"Rows of the parent's indicators may change name, explanation, weight and targets; other rows are local indicators; " +
			"a parent's indicator missing from the sheet must be listed with a reason on the sheet 删除的指标. " +
			"Errors name the cell: `file.row[7].指标名称`. Nothing is stored unless the whole sheet is right.",
		RequestBody: &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{
			"multipart/form-data": {Schema: importSchema}}}},
		needs("catalogue", "write"),
		func(ctx context.Context, in *importIn) (*setOut, error) {
			form, err := readImportForm(in.ContentType, in.RawBody)
			if err != nil {
				return nil, err
			}
			set, err := s.Catalogue.Import(ctx, actor(ctx), form.derivation, bytes.NewReader(form.file), form.filename)
			if err != nil {
				return nil, err
			}
			out := newSetOut(set)
			out.Location = fmt.Sprintf("/api/v1/indicator-sets/%d", set.ID)
			return out, nil
		})
}

func levelSpec(l levelIn) domain.LevelSpec {
	low, okLow := domain.ParseLevel(l.Lowest)
	spec := domain.LevelSpec{Text: l.Text, Lowest: low, Highest: low, AndAbove: l.AndAbove}
	if !okLow {
		spec.Lowest, spec.Highest = -1, -1
	}
	if l.AndAbove {
		spec.Highest = domain.LevelNation
	}
	if l.Highest != "" {
		if hi, ok := domain.ParseLevel(l.Highest); ok {
			spec.Highest = hi
		} else {
			spec.Highest = -1
		}
	}
	return spec
}

type importForm struct {
	derivation workflow.Derivation
	file       []byte
	filename   string
}

// readImportForm reads the multipart form of an import, collecting every
// field error; the workbook itself is read by the use case.
func readImportForm(contentType string, raw []byte) (importForm, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return importForm{}, domain.Errorf(domain.EUnsupportedMedia, "send a multipart/form-data form with file, parent_id, region_code and name")
	}
	var (
		out   importForm
		file  []byte
		seen  = map[string]bool{}
		v     domain.Validation
		parts = multipart.NewReader(bytes.NewReader(raw), params["boundary"])
	)
	for {
		p, err := parts.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return importForm{}, domain.Errorf(domain.EBadRequest, "malformed multipart form")
		}
		name := p.FormName()
		b, err := io.ReadAll(p)
		if err != nil {
			return importForm{}, domain.Errorf(domain.EBadRequest, "malformed multipart form")
		}
		if seen[name] {
			v.Add("body."+name, "sent twice")
			continue
		}
		seen[name] = true
		val := strings.TrimSpace(string(b))
		switch name {
		case "file":
			file, out.filename = b, p.FileName()
			if !utf8.ValidString(out.filename) || len(out.filename) > 255 {
				out.filename = ""
			}
		case "parent_id":
			id, err := strconv.ParseInt(val, 10, 64)
			if err != nil {
				v.AddValue("body.parent_id", val, "must be an integer: the id of a published indicator set")
			}
			out.derivation.ParentID = id
		case "region_code":
			out.derivation.RegionCode = val
		case "name":
			out.derivation.Name = val
		default:
			v.AddValue("body."+name, name, "unexpected field; send file, parent_id, region_code and name")
		}
	}
	for _, f := range []string{"file", "parent_id", "region_code", "name"} {
		if !seen[f] {
			v.Add("body."+f, "required")
		}
	}
	if seen["file"] && len(file) == 0 {
		v.Add("body.file", "empty")
	}
	out.file = file
	return out, v.Err()
}

// ifMatch reads an If-Match header as IfMatch.version does; 0 asks for no check.
func ifMatch(h string) (int, error) {
	v, err := IfMatch{IfMatch: h}.version()
	if err != nil || v == nil {
		return 0, err
	}
	return *v, nil
}
