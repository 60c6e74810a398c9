package api_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/ducha/ducha/catalogue"
	"github.com/ducha/ducha/catalogue/xlsx"
	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/testenv"
)

const sets = "/api/v1/indicator-sets"

// catalogueApp is an app with users in Guangdong (44), Guangzhou (4401) and
// Guangxi (45), and the ids of the national sets.
type catalogueApp struct {
	*testenv.App
	admin, gd, gz, gx, county, viewer string
	inflow, outflow                   int64
}

func startCatalogue(t *testing.T) *catalogueApp {
	t.Helper()
	a := testenv.StartApp(t, testenv.AppOptions{NoWorker: true})
	c := &catalogueApp{App: a, admin: a.AdminToken,
		gd:     a.NewUser("gd-coord", "province_coordinator", "44"),
		gz:     a.NewUser("gz-officer", "prefecture_officer", "4401"),
		gx:     a.NewUser("gx-coord", "province_coordinator", "45"),
		county: a.NewUser("yx-officer", "county_officer", "440103"),
		viewer: a.NewUser("gd-viewer", "viewer", "44")}
	var list struct {
		Items []struct {
			ID   int64
			Code string
		}
	}
	a.Must(200, "GET", sets+"?region_code=0", c.admin, nil).JSON(t, &list)
	for _, s := range list.Items {
		switch s.Code {
		case catalogue.CodeNationalInflow:
			c.inflow = s.ID
		case catalogue.CodeNationalOutflow:
			c.outflow = s.ID
		}
	}
	if c.inflow == 0 || c.outflow == 0 {
		t.Fatalf("national sets not listed: %+v", list)
	}
	return c
}

// set is a set as the API answers it.
type set struct {
	ID         int64              `json:"id"`
	Code       string             `json:"code"`
	Kind       string             `json:"kind"`
	Status     string             `json:"status"`
	ParentID   *int64             `json:"parent_id"`
	RegionCode string             `json:"region_code"`
	Version    int                `json:"version"`
	Indicators []domain.Indicator `json:"indicators"`
	Removed    []map[string]any   `json:"removed"`
}

func (c *catalogueApp) derive(token string, parent int64, region string) set {
	c.T.Helper()
	var s set
	c.Must(201, "POST", sets, token, map[string]any{"parent_id": parent, "region_code": region, "name": "派生 " + region}).JSON(c.T, &s)
	return s
}

func (c *catalogueApp) path(id int64, rest ...string) string {
	return fmt.Sprintf("%s/%d%s", sets, id, strings.Join(rest, ""))
}

func (c *catalogueApp) target(token string, id int64, indicator, measure string, t any) *testenv.Response {
	c.T.Helper()
	return c.Do("PATCH", c.path(id, "/indicators/", indicator), token, map[string]any{"targets": map[string]any{measure: t}})
}

// problem decodes a problem body and checks it is one.
type problem struct {
	Type, Title, Detail string
	Status              int
	Errors              []struct {
		Location, Message string
		Value             any
	}
	Violations []map[string]any
}

func problemOf(t testing.TB, r *testenv.Response, status int) problem {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("content type %q", ct)
	}
	var p problem
	r.JSON(t, &p)
	if p.Status != status || p.Title == "" || p.Type == "" {
		t.Errorf("problem %+v", p)
	}
	return p
}

func (p problem) locations() []string {
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Location)
	}
	return out
}

func multipartForm(t testing.TB, fields map[string]string, file []byte) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if file != nil {
		fw, err := w.CreateFormFile("file", "广东.xlsx")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(file)
	}
	w.Close()
	return w.FormDataContentType(), buf.Bytes()
}

func (c *catalogueApp) importSheet(token string, fields map[string]string, file []byte) *testenv.Response {
	c.T.Helper()
	ct, body := multipartForm(c.T, fields, file)
	return c.Do("POST", sets+"/import", token, body, "Content-Type", ct)
}

func TestCatalogue200(t *testing.T) {
	c := startCatalogue(t)
	var list struct {
		Items []map[string]any
		Next  *string
	}
	c.Must(200, "GET", sets, c.viewer, nil).JSON(t, &list)
	if len(list.Items) != 2 || list.Next != nil {
		t.Fatalf("%+v", list)
	}
	if _, has := list.Items[0]["indicators"]; has || list.Items[0]["code"] != catalogue.CodeNationalInflow ||
		list.Items[0]["status"] != "published" || list.Items[0]["parent_id"] != nil {
		t.Errorf("summary %v", list.Items[0])
	}
	for q, n := range map[string]int{"?kind=outflow": 1, "?status=draft": 0, "?status=published&kind=inflow": 1,
		"?region_code=44": 0, "?limit=1": 1} {
		c.Must(200, "GET", sets+q, c.county, nil).JSON(t, &list)
		if len(list.Items) != n {
			t.Errorf("%s: %d items", q, len(list.Items))
		}
	}
	c.Must(200, "GET", sets+"?limit=1", c.gd, nil).JSON(t, &list)
	c.Must(200, "GET", sets+"?limit=1&cursor="+url.QueryEscape(*list.Next), c.gd, nil).JSON(t, &list)
	if len(list.Items) != 1 || list.Items[0]["code"] != catalogue.CodeNationalOutflow || list.Next != nil {
		t.Errorf("second page %+v", list)
	}

	// Every role reads a whole set.
	national, _ := catalogue.National()
	for _, tok := range []string{c.admin, c.gd, c.gz, c.county, c.viewer, c.NewUser("hotline", "hotline_operator", "4401")} {
		r := c.Must(200, "GET", c.path(c.outflow), tok, nil)
		var s set
		r.JSON(t, &s)
		if s.Code != catalogue.CodeNationalOutflow || s.Kind != "outflow" || s.Status != "published" || s.ParentID != nil ||
			s.RegionCode != "0" || r.Header.Get("ETag") != `"1"` {
			t.Errorf("%+v %v", s, r.Header)
		}
		if !reflect.DeepEqual(s.Indicators, national[1].Indicators) {
			t.Errorf("the outflow set differs from the notice's")
		}
	}

	// As a workbook in the notice's layout.
	r := c.Must(200, "GET", c.path(c.inflow)+"?format=xlsx", c.gz, nil)
	if ct := r.Header.Get("Content-Type"); ct != xlsx.ContentType {
		t.Errorf("content type %q", ct)
	}
	cd := r.Header.Get("Content-Disposition")
	wantName := url.PathEscape(national[0].Name + ".xlsx")
	wantName = strings.NewReplacer("(", "%28", ")", "%29").Replace(wantName)
	if !strings.HasPrefix(cd, `attachment; filename="NATIONAL-INFLOW-2007.xlsx"; filename*=UTF-8''`) ||
		!strings.HasSuffix(cd, wantName) {
		t.Errorf("content disposition %q, want the name %s", cd, wantName)
	}
	sh, err := xlsx.Read(bytes.NewReader(r.Body))
	if err != nil || len(sh.Indicators) != 21 || sh.Indicators[20].Code != "IN21" {
		t.Errorf("workbook: %v %d", err, len(sh.Indicators))
	}
	f, _ := excelize.OpenReader(bytes.NewReader(r.Body))
	if head, _ := f.GetRows("流入地"); len(head) < 3 || !reflect.DeepEqual(head[2][:2], []string{"类别", "项目"}) {
		t.Errorf("header row %v", head[2])
	}

	// The OpenAPI document describes the routes.
	var doc struct{ Paths map[string]map[string]any }
	c.Must(200, "GET", "/openapi.json", "", nil).JSON(t, &doc)
	for _, p := range []string{"/api/v1/indicator-sets", "/api/v1/indicator-sets/{id}", "/api/v1/indicator-sets/{id}/publish",
		"/api/v1/indicator-sets/{id}/indicators/{code}", "/api/v1/indicator-sets/{id}/indicators", "/api/v1/indicator-sets/import"} {
		if doc.Paths[p] == nil {
			t.Errorf("openapi lacks %s", p)
		}
	}
}

// Derive, adjust, add, remove, publish, import: the whole life of a set.
func TestCatalogue201(t *testing.T) {
	c := startCatalogue(t)
	r := c.Must(201, "POST", sets, c.gd, map[string]any{"parent_id": c.inflow, "region_code": "44", "name": "广东省流入地指标"})
	var d set
	r.JSON(t, &d)
	if d.Code != "44-INFLOW-1" || d.Status != "draft" || *d.ParentID != c.inflow || d.Version != 1 || len(d.Indicators) != 21 ||
		r.Header.Get("Location") != c.path(d.ID) || r.Header.Get("ETag") != `"1"` {
		t.Fatalf("%+v %v", d, r.Header)
	}
	r = c.Must(200, "PATCH", c.path(d.ID, "/indicators/IN18"), c.gd,
		map[string]any{"targets": map[string]any{"IN18a": 90, "IN18b": 85.5}, "weight": 2, "name": "信息登录率"},
		"If-Match", `"1"`)
	var s set
	r.JSON(t, &s)
	in, _ := domainSet(s).Indicator("IN18")
	if s.Version != 2 || r.Header.Get("ETag") != `"2"` || in.Weight != 2 || in.Name != "信息登录率" ||
		*in.Measures[0].Target != 90 || *in.Measures[1].Target != 85.5 {
		t.Errorf("%+v", in)
	}
	var cleared set
	c.Must(200, "PATCH", c.path(d.ID, "/indicators/IN18"), c.gd, map[string]any{"targets": map[string]any{"IN18b": nil}}).JSON(t, &cleared)
	if in, _ := domainSet(cleared).Indicator("IN18"); in.Measures[1].Target != nil || *in.Measures[0].Target != 90 {
		t.Errorf("null clears a target: %+v", in.Measures[1])
	}
	s = set{}
	c.Must(201, "POST", c.path(d.ID, "/indicators"), c.gd, map[string]any{"code": "44-L01", "category": "incentive",
		"item": "积分管理", "name": "流动人口积分制", "explanation": "实行积分制服务管理",
		"level": map[string]any{"text": "县(市、区)以上", "lowest": "county", "and_above": true}}).JSON(t, &s)
	if in, ok := domainSet(s).Indicator("44-L01"); !ok || !in.Local || in.Position != 22 ||
		in.Level != (domain.LevelSpec{Text: "县(市、区)以上", Lowest: domain.LevelCounty, Highest: domain.LevelNation, AndAbove: true}) {
		t.Errorf("%+v", in)
	}
	c.Must(200, "DELETE", c.path(d.ID, "/indicators/IN13?reason=")+url.QueryEscape("本省未设协会"), c.gd, nil)
	s = set{}
	c.Must(200, "DELETE", c.path(d.ID, "/indicators/IN12"), c.gd, map[string]string{"reason": "并入IN11"}).JSON(t, &s)
	if len(s.Indicators) != 20 || len(s.Removed) != 2 || s.Removed[1]["code"] != "IN13" || s.Removed[1]["reason"] != "本省未设协会" {
		t.Errorf("%d indicators, removed %v", len(s.Indicators), s.Removed)
	}
	c.Must(200, "POST", c.path(d.ID, "/publish"), c.gd, nil, "If-Match", fmt.Sprintf(`"%d"`, s.Version)).JSON(t, &s)
	if s.Status != "published" {
		t.Errorf("%+v", s)
	}
	// Now Guangxi sees it too, and Guangzhou derives from it.
	c.Must(200, "GET", c.path(d.ID), c.gx, nil)
	q := c.derive(c.gz, d.ID, "4401")
	if q.Code != "4401-INFLOW-1" || len(q.Indicators) != 20 {
		t.Errorf("%+v", q)
	}
	// Audited.
	var audit struct {
		Items []struct{ Event, Reason string }
	}
	c.Must(200, "GET", fmt.Sprintf("/api/v1/audit?entity=indicator_set&id=%d", d.ID), c.gd, nil).JSON(t, &audit)
	var events []string
	for _, e := range audit.Items {
		events = append(events, e.Event)
	}
	if !reflect.DeepEqual(events, []string{"publish", "remove_indicator", "remove_indicator", "add_indicator",
		"update_indicator", "update_indicator", "derive"}) || audit.Items[1].Reason != "并入IN11" {
		t.Errorf("audit %+v", audit.Items)
	}

	// Export → import gives an equal set.
	book := c.Must(200, "GET", c.path(d.ID)+"?format=xlsx", c.gd, nil).Body
	r = c.importSheet(c.gd, map[string]string{"parent_id": fmt.Sprint(c.inflow), "region_code": "44", "name": "导入"}, book)
	if r.Status != 201 {
		t.Fatalf("import: %d %s", r.Status, r.Body)
	}
	var imp, orig set
	r.JSON(t, &imp)
	c.Must(200, "GET", c.path(d.ID), c.gd, nil).JSON(t, &orig)
	if imp.Code != "44-INFLOW-2" || imp.Status != "draft" || !reflect.DeepEqual(imp.Indicators, orig.Indicators) ||
		len(imp.Removed) != 2 || imp.Removed[1]["reason"] != orig.Removed[1]["reason"] {
		t.Errorf("import differs from the exported set:\n%+v\n%+v", imp, orig)
	}
}

// domainSet gives a decoded set the domain's helpers.
func domainSet(s set) domain.IndicatorSet { return domain.IndicatorSet{Indicators: s.Indicators} }

func TestCatalogue401(t *testing.T) {
	c := startCatalogue(t)
	for _, tok := range []string{"", "not-a-token"} {
		for _, req := range []struct{ method, path string }{
			{"GET", sets}, {"GET", c.path(c.inflow)}, {"GET", c.path(c.inflow) + "?format=xlsx"}, {"POST", sets},
			{"PATCH", c.path(c.inflow, "/indicators/IN14")}, {"POST", c.path(c.inflow, "/indicators")},
			{"DELETE", c.path(c.inflow, "/indicators/IN14")}, {"POST", c.path(c.inflow, "/publish")}, {"POST", sets + "/import"},
		} {
			r := c.Do(req.method, req.path, tok, map[string]any{})
			problemOf(t, r, 401)
			if r.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s %s: no WWW-Authenticate", req.method, req.path)
			}
		}
	}
}

func TestCatalogue403(t *testing.T) {
	c := startCatalogue(t)
	d := c.derive(c.gd, c.inflow, "44")
	body := map[string]any{"parent_id": c.inflow, "region_code": "44", "name": "x"}
	problemOf(t, c.Do("POST", sets, c.gx, body), 403)                                                                            // a foreign province
	problemOf(t, c.Do("POST", sets, c.gz, body), 403)                                                                            // above its own region
	problemOf(t, c.Do("POST", sets, c.county, map[string]any{"parent_id": c.inflow, "region_code": "440103", "name": "x"}), 403) // no write permission
	problemOf(t, c.Do("POST", sets, c.viewer, body), 403)
	problemOf(t, c.target(c.gz, d.ID, "IN14", "IN14a", 50), 403) // sees the province's draft, may not change it
	problemOf(t, c.Do("POST", c.path(d.ID, "/publish"), c.gz, nil), 403)
	problemOf(t, c.Do("DELETE", c.path(d.ID, "/indicators/IN01?reason=x"), c.gz, nil), 403)
	problemOf(t, c.importSheet(c.gx, map[string]string{"parent_id": fmt.Sprint(c.inflow), "region_code": "44", "name": "x"}, []byte("x")), 403)
	c.Must(200, "POST", c.path(d.ID, "/publish"), c.gd, nil)
	problemOf(t, c.target(c.gx, d.ID, "IN14", "IN14a", 50), 403) // published: visible, not Guangxi's
	problemOf(t, c.target(c.gd, c.inflow, "IN14", "IN14a", 50), 403)
}

func TestCatalogue404(t *testing.T) {
	c := startCatalogue(t)
	d := c.derive(c.gd, c.inflow, "44")
	problemOf(t, c.Do("GET", c.path(999999), c.gd, nil), 404)
	problemOf(t, c.Do("GET", c.path(0), c.gd, nil), 404)
	problemOf(t, c.Do("GET", c.path(d.ID), c.gx, nil), 404) // a draft outside Guangxi's lineage
	problemOf(t, c.Do("GET", c.path(d.ID)+"?format=xlsx", c.gx, nil), 404)
	problemOf(t, c.target(c.gx, d.ID, "IN14", "IN14a", 50), 404)
	problemOf(t, c.target(c.gd, 999999, "IN14", "IN14a", 50), 404)
	problemOf(t, c.target(c.gd, d.ID, "IN99", "IN99a", 50), 404)
	problemOf(t, c.Do("DELETE", c.path(d.ID, "/indicators/IN99?reason=x"), c.gd, nil), 404)
	problemOf(t, c.Do("POST", c.path(999999, "/publish"), c.gd, nil), 404)
	problemOf(t, c.Do("GET", sets+"/1/nothing", c.gd, nil), 404)
	var list struct{ Items []any }
	c.Must(200, "GET", sets+"?status=draft", c.gx, nil).JSON(t, &list)
	if len(list.Items) != 0 {
		t.Errorf("Guangxi lists Guangdong's draft")
	}
}

func TestCatalogue409(t *testing.T) {
	c := startCatalogue(t)
	local := map[string]any{"code": "44-L01", "category": "guarantee", "item": "x", "name": "x", "explanation": "x",
		"level": map[string]any{"lowest": "province"}}
	for _, id := range []int64{c.inflow} {
		problemOf(t, c.target(c.admin, id, "IN14", "IN14a", 50), 409)
		problemOf(t, c.Do("POST", c.path(id, "/indicators"), c.admin, map[string]any{"code": "0-L01", "category": "guarantee",
			"item": "x", "name": "x", "explanation": "x", "level": map[string]any{"lowest": "province"}}), 409)
		problemOf(t, c.Do("DELETE", c.path(id, "/indicators/IN01?reason=x"), c.admin, nil), 409)
		problemOf(t, c.Do("POST", c.path(id, "/publish"), c.admin, nil), 409)
	}
	d := c.derive(c.gd, c.inflow, "44")
	c.Must(201, "POST", c.path(d.ID, "/indicators"), c.gd, local)
	problemOf(t, c.Do("POST", c.path(d.ID, "/indicators"), c.gd, local), 409) // the code is taken
	before := c.Must(200, "GET", c.path(d.ID), c.gd, nil).Body
	c.Must(200, "POST", c.path(d.ID, "/publish"), c.gd, nil)
	published := c.Must(200, "GET", c.path(d.ID), c.gd, nil).Body
	problemOf(t, c.target(c.gd, d.ID, "IN14", "IN14a", 50), 409)
	problemOf(t, c.Do("DELETE", c.path(d.ID, "/indicators/44-L01"), c.gd, map[string]string{"reason": "x"}), 409)
	problemOf(t, c.Do("POST", c.path(d.ID, "/publish"), c.gd, nil), 409)
	if after := c.Must(200, "GET", c.path(d.ID), c.gd, nil).Body; !bytes.Equal(after, published) || bytes.Equal(before, published) {
		t.Errorf("a published set changed")
	}
}

func TestCatalogue412(t *testing.T) {
	c := startCatalogue(t)
	d := c.derive(c.gd, c.inflow, "44")
	c.Must(200, "PATCH", c.path(d.ID, "/indicators/IN14"), c.gd, map[string]any{"weight": 2}, "If-Match", `"1"`)
	problemOf(t, c.Do("PATCH", c.path(d.ID, "/indicators/IN14"), c.gd, map[string]any{"weight": 3}, "If-Match", `"1"`), 412)
	problemOf(t, c.Do("POST", c.path(d.ID, "/publish"), c.gd, nil, "If-Match", `"1"`), 412)
	problemOf(t, c.Do("POST", c.path(d.ID, "/publish"), c.gd, nil, "If-Match", `garbage`), 412)
	c.Must(200, "POST", c.path(d.ID, "/publish"), c.gd, nil, "If-Match", `W/"2"`)
}

// Bad input is a 4xx naming what is wrong, never a 500, and changes nothing.
func TestCatalogue422(t *testing.T) {
	c := startCatalogue(t)
	d := c.derive(c.gd, c.inflow, "44")
	id := d.ID
	before := c.Must(200, "GET", c.path(id), c.gd, nil).Body
	patch := c.path(id, "/indicators/IN14")

	// Malformed JSON cannot be read at all: 400, as everywhere in the API.
	for _, b := range []string{`{"parent_id":`, `[`, `{"targets":{"IN14a":90}`} {
		problemOf(t, c.Do("POST", sets, c.gd, b), 400)
		problemOf(t, c.Do("PATCH", patch, c.gd, b), 400)
	}
	for what, tc := range map[string]struct {
		method, path string
		body         any
		locs         []string
	}{
		"unknown field":       {"POST", sets, map[string]any{"parent_id": c.inflow, "region_code": "44", "name": "x", "colour": "red"}, nil},
		"wrong type":          {"POST", sets, map[string]any{"parent_id": "one", "region_code": 44, "name": "x"}, nil},
		"missing fields":      {"POST", sets, map[string]any{}, nil},
		"bad derivation":      {"POST", sets, map[string]any{"parent_id": 424242, "region_code": "4499", "name": ""}, []string{"body.name", "body.region_code"}},
		"parent is a draft":   {"POST", sets, map[string]any{"parent_id": id, "region_code": "4401", "name": "x"}, []string{"body.parent_id"}},
		"targets not a map":   {"PATCH", patch, map[string]any{"targets": []int{1}}, nil},
		"target not a number": {"PATCH", patch, map[string]any{"targets": map[string]any{"IN14a": "high"}}, nil},
		"weight not a number": {"PATCH", patch, map[string]any{"weight": "heavy"}, nil},
		"weight zero":         {"PATCH", patch, map[string]any{"weight": 0}, nil},
		"patch unknown field": {"PATCH", patch, map[string]any{"category": "incentive"}, nil},
		"nothing to change":   {"PATCH", patch, map[string]any{}, []string{"body"}},
		"target out of range": {"PATCH", patch, map[string]any{"targets": map[string]any{"IN14a": 100.5}}, []string{"body.targets.IN14a"}},
		"unknown measures": {"PATCH", patch, map[string]any{"targets": map[string]any{"IN14a": 90, "IN14b": 1, "OUT15b": 2}},
			[]string{"body.targets.IN14b", "body.targets.OUT15b"}},
		"no reason":        {"DELETE", c.path(id, "/indicators/IN01"), nil, []string{"body.reason"}},
		"blank reason":     {"DELETE", c.path(id, "/indicators/IN01"), map[string]string{"reason": "  "}, []string{"body.reason"}},
		"bad local":        {"POST", c.path(id, "/indicators"), map[string]any{"code": "45-L01", "category": "performance", "item": "x", "name": "x", "level": map[string]any{"lowest": "county", "highest": "village"}}, []string{"body.code", "body.level", "body.measures", "body.explanation"}},
		"bad local level":  {"POST", c.path(id, "/indicators"), map[string]any{"code": "44-L01", "category": "guarantee", "item": "x", "name": "x", "level": map[string]any{"lowest": "moon"}}, nil},
		"bad list filter":  {"GET", sets + "?kind=sideways", nil, nil},
		"bad cursor":       {"GET", sets + "?cursor=%21%21", nil, []string{"query.cursor"}},
		"bad id":           {"GET", sets + "/abc", nil, nil},
		"bad format":       {"GET", c.path(id) + "?format=pdf", nil, nil},
		"bad limit":        {"GET", sets + "?limit=501", nil, nil},
		"negative parent":  {"GET", sets + "?parent_id=-1", nil, []string{"query.parent_id"}},
		"bad region query": {"GET", sets + "?region_code=abc", nil, []string{"query.region_code"}},
	} {
		t.Run(what, func(t *testing.T) {
			p := problemOf(t, c.Do(tc.method, tc.path, c.gd, tc.body), 422)
			if len(p.Errors) == 0 {
				t.Errorf("no errors listed: %+v", p)
			}
			if tc.locs != nil && !reflect.DeepEqual(p.locations(), tc.locs) {
				t.Errorf("locations %v, want %v", p.locations(), tc.locs)
			}
		})
	}

	// Piled-on targets: publish names every measure with both targets.
	nation := c.derive(c.admin, c.outflow, "0")
	c.Must(200, "PATCH", c.path(nation.ID, "/indicators/OUT15"), c.admin, map[string]any{"targets": map[string]any{"OUT15a": 90, "OUT15b": 5}})
	c.Must(200, "POST", c.path(nation.ID, "/publish"), c.admin, nil)
	prov := c.derive(c.gd, nation.ID, "44")
	c.Must(200, "PATCH", c.path(prov.ID, "/indicators/OUT15"), c.gd, map[string]any{"targets": map[string]any{"OUT15a": 95, "OUT15b": 2}})
	provBefore := c.Must(200, "GET", c.path(prov.ID), c.gd, nil).Body
	p := problemOf(t, c.Do("POST", c.path(prov.ID, "/publish"), c.gd, nil), 422)
	if !reflect.DeepEqual(p.locations(), []string{"indicators.OUT15.targets.OUT15a", "indicators.OUT15.targets.OUT15b"}) ||
		len(p.Violations) != 2 {
		t.Fatalf("%+v", p)
	}
	v := p.Violations[1]
	if v["measure"] != "OUT15b" || v["target"] != 2.0 || v["parent_target"] != 5.0 || v["parent_set_id"] != float64(nation.ID) ||
		v["direction"] != "lower_is_better" || v["indicator"] != "OUT15" {
		t.Errorf("violation %v", v)
	}
	if after := c.Must(200, "GET", c.path(prov.ID), c.gd, nil).Body; !bytes.Equal(after, provBefore) {
		t.Errorf("a refused publication changed the set")
	}

	// Imports: a bad workbook is refused cell by cell; other bad forms too.
	fields := map[string]string{"parent_id": fmt.Sprint(c.inflow), "region_code": "44", "name": "导入"}
	book := c.Must(200, "GET", c.path(c.inflow)+"?format=xlsx", c.gd, nil).Body
	f, err := excelize.OpenReader(bytes.NewReader(book))
	if err != nil {
		t.Fatal(err)
	}
	// Row 4 is IN01, row 7 is IN04: blank IN04's name, garble IN01's weight,
	// give IN14 (row 17) a target of 150.
	f.SetCellValue("流入地", "D7", "")
	f.SetCellValue("流入地", "H4", "heavy")
	var bad bytes.Buffer
	f.WriteTo(&bad)
	p = problemOf(t, c.importSheet(c.gd, fields, bad.Bytes()), 422)
	if !reflect.DeepEqual(p.locations(), []string{"file.row[4].权重"}) {
		t.Errorf("sheet errors %v", p.locations())
	}
	f.SetCellValue("流入地", "H4", 1)
	f.SetCellValue("流入地", "N17", 150)
	bad.Reset()
	f.WriteTo(&bad)
	p = problemOf(t, c.importSheet(c.gd, fields, bad.Bytes()), 422)
	if !reflect.DeepEqual(p.locations(), []string{"file.row[7].指标名称", "file.row[17].目标值(%)"}) {
		t.Errorf("sheet errors %v", p.locations())
	}
	problemOf(t, c.importSheet(c.gd, fields, []byte("not a workbook")), 422)
	p = problemOf(t, c.importSheet(c.gd, map[string]string{"parent_id": "one"}, nil), 422)
	if !reflect.DeepEqual(p.locations(), []string{"body.parent_id", "body.file", "body.region_code", "body.name"}) {
		t.Errorf("form errors %v", p.locations())
	}
	problemOf(t, c.Do("POST", sets+"/import", c.gd, `{"parent_id":1}`), 415)

	// Nothing above changed the draft or stored a set.
	if after := c.Must(200, "GET", c.path(id), c.gd, nil).Body; !bytes.Equal(after, before) {
		t.Errorf("bad input changed the draft:\n%s\n%s", before, after)
	}
	var list struct{ Items []any }
	c.Must(200, "GET", sets, c.admin, nil).JSON(t, &list)
	if len(list.Items) != 5 {
		t.Errorf("%d sets", len(list.Items))
	}
}
