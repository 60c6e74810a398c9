package api_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/ducha/ducha/api"
	"github.com/ducha/ducha/testenv"
)

// campEnv is a whole app with the helpers the campaign tests share. Its
// names carry a "camp" prefix so as not to collide with the other API
// tests of this package.
type campEnv struct {
	*testenv.App
	t      testing.TB
	tokens map[string]string
	// the national sets, once looked up
	inflowSet, outflowSet int64
}

// newCampEnv starts an app for the campaign tests. They are about the
// phases: the guards that wait for every indicator to be answered and rated
// are off (NoAnswerChecks); the self-check and review tests keep them
// (newScoreEnv).
func newCampEnv(t testing.TB, o testenv.AppOptions) *campEnv {
	t.Helper()
	o.NoAnswerChecks = true
	a := testenv.StartApp(t, o)
	return &campEnv{App: a, t: t, tokens: map[string]string{"admin": a.AdminToken}}
}

// user returns the token of a user, creating it on first use.
func (e *campEnv) user(name, role, region string) string {
	e.t.Helper()
	if tok, ok := e.tokens[name]; ok {
		return tok
	}
	tok := e.NewUser(name, role, region)
	e.tokens[name] = tok
	return tok
}

func (e *campEnv) admin() string { return e.AdminToken }

// setClock moves the app's clock and signs everyone in again (tokens last
// 12 hours of the clock).
func (e *campEnv) setClock(t time.Time) {
	e.t.Helper()
	e.Clock.Set(t)
	e.relogin()
}

func (e *campEnv) advance(d time.Duration) { e.setClock(e.Clock.Now().Add(d)) }

func (e *campEnv) relogin() {
	e.t.Helper()
	for name := range e.tokens {
		if name == "admin" {
			e.AdminToken = e.Login("admin", testenv.AdminPassword)
			e.tokens[name] = e.AdminToken
			continue
		}
		e.tokens[name] = e.Login(name, testenv.UserPassword)
	}
}

// coordinator is the province coordinator of a province.
func (e *campEnv) coordinator(province string) string {
	return e.user("coord"+province, "province_coordinator", province)
}

func (e *campEnv) inspector() string { return e.user("inspector", "national_inspector", "0") }

// sets returns the ids of the published national inflow and outflow sets
// (seeded by the catalogue's migration).
func (e *campEnv) sets() (int64, int64) {
	e.t.Helper()
	if e.inflowSet == 0 {
		e.inflowSet = e.setID("inflow")
		e.outflowSet = e.setID("outflow")
	}
	return e.inflowSet, e.outflowSet
}

func (e *campEnv) setID(kind string) int64 {
	e.t.Helper()
	var l api.List[api.SetSummary]
	e.Must(200, "GET", "/api/v1/indicator-sets?region_code=0&status=published&kind="+kind, e.admin(), nil).JSON(e.t, &l)
	if len(l.Items) != 1 {
		e.t.Fatalf("%d national %s sets", len(l.Items), kind)
	}
	return l.Items[0].ID
}

func (e *campEnv) campaignBody(name, region string, start, end int) map[string]any {
	in, out := e.sets()
	return map[string]any{"name": name, "region_code": region, "start_year": start, "end_year": end,
		"inflow_set_id": in, "outflow_set_id": out, "weights": map[string]float64{"inflow": 0.6, "outflow": 0.4},
		"focus": "流动人口计划生育服务管理"}
}

func (e *campEnv) createCampaign(token string, body map[string]any) api.CampaignOut {
	e.t.Helper()
	var c api.CampaignOut
	e.Must(201, "POST", "/api/v1/campaigns", token, body).JSON(e.t, &c)
	return c
}

func (e *campEnv) campaign(token string, id int64) api.CampaignOut {
	e.t.Helper()
	var c api.CampaignOut
	e.Must(200, "GET", campPath("campaigns", id), token, nil).JSON(e.t, &c)
	return c
}

// batchBody schedules regions with deadlines 30, 60 and 90 days from the
// app's clock.
func (e *campEnv) batchBody(name string, regions []string) map[string]any {
	now := e.Clock.Now()
	return map[string]any{"name": name, "region_codes": regions,
		"self_check_due":  now.Add(30 * 24 * time.Hour).Format(time.RFC3339),
		"site_review_due": now.Add(60 * 24 * time.Hour).Format(time.RFC3339),
		"feedback_due":    now.Add(90 * 24 * time.Hour).Format(time.RFC3339)}
}

// createBatch creates a batch; a national campaign's batch gets the env's
// national inspector assigned (only assigned inspectors and the campaign's
// managers fire the review events and write reviews).
func (e *campEnv) createBatch(token string, campaignID int64, body map[string]any) api.BatchOut {
	e.t.Helper()
	var b api.BatchOut
	e.Must(201, "POST", campPath("campaigns", campaignID)+"/batches", token, body).JSON(e.t, &b)
	if e.campaign(e.admin(), campaignID).RegionCode == "0" {
		e.assignInspectors(b.ID, e.inspector())
	}
	return b
}

// assignInspectors replaces the inspectors assigned to a batch with the
// users of the tokens, as the admin.
func (e *campEnv) assignInspectors(batchID int64, tokens ...string) {
	e.t.Helper()
	ids := []int64{}
	for _, tok := range tokens {
		ids = append(ids, e.userID(tok))
	}
	e.Must(200, "PUT", campPath("batches", batchID)+"/inspectors", e.admin(), map[string]any{"user_ids": ids})
}

// userID returns the id of the user a token belongs to.
func (e *campEnv) userID(token string) int64 {
	e.t.Helper()
	var me struct {
		ID int64 `json:"id"`
	}
	e.Must(200, "GET", "/api/v1/me", token, nil).JSON(e.t, &me)
	return me.ID
}

func (e *campEnv) batch(token string, id int64) api.BatchOut {
	e.t.Helper()
	var b api.BatchOut
	e.Must(200, "GET", campPath("batches", id), token, nil).JSON(e.t, &b)
	return b
}

func (e *campEnv) inspection(token string, id int64) api.InspectionOut {
	e.t.Helper()
	var in api.InspectionOut
	e.Must(200, "GET", campPath("inspections", id), token, nil).JSON(e.t, &in)
	return in
}

// inspections lists every inspection the token sees under a query, page by page.
func (e *campEnv) inspections(token, query string) []api.InspectionOut {
	e.t.Helper()
	var all []api.InspectionOut
	cursor := ""
	for {
		q := "/api/v1/inspections?limit=100&" + query
		if cursor != "" {
			q += "&cursor=" + cursor
		}
		var p api.List[api.InspectionOut]
		e.Must(200, "GET", q, token, nil).JSON(e.t, &p)
		all = append(all, p.Items...)
		if p.Next == nil {
			return all
		}
		cursor = *p.Next
	}
}

func (e *campEnv) coverage(token string, campaignID int64) map[string]any {
	e.t.Helper()
	return e.Must(200, "GET", campPath("campaigns", campaignID)+"/coverage", token, nil).Map(e.t)
}

// fire posts a transition; extra are "reason", "force" and If-Match
// settings passed as a map (key "if_match" becomes the header).
func (e *campEnv) fire(token, kind string, id int64, event string, extra map[string]any) *testenv.Response {
	e.t.Helper()
	body := map[string]any{"event": event}
	var headers []string
	for k, v := range extra {
		if k == "if_match" {
			headers = append(headers, "If-Match", fmt.Sprint(v))
			continue
		}
		body[k] = v
	}
	return e.Do("POST", campPath(kind, id)+"/transitions", token, body, headers...)
}

// mustFire is fire that fails the test unless the answer is 200.
func (e *campEnv) mustFire(token, kind string, id int64, event string, extra map[string]any) map[string]any {
	e.t.Helper()
	r := e.fire(token, kind, id, event, extra)
	if r.Status != 200 {
		e.t.Fatalf("%s %d %s: status %d: %s", kind, id, event, r.Status, r.Body)
	}
	return r.Map(e.t)
}

func campPath(kind string, id int64) string {
	return "/api/v1/" + kind + "/" + strconv.FormatInt(id, 10)
}

// audit lists the audit rows of one entity, oldest first.
func (e *campEnv) audit(entity string, id int64) []map[string]any {
	e.t.Helper()
	var all []map[string]any
	cursor := ""
	for {
		q := "/api/v1/audit?limit=500&entity=" + entity + "&id=" + strconv.FormatInt(id, 10)
		if cursor != "" {
			q += "&cursor=" + cursor
		}
		var p api.List[map[string]any]
		e.Must(200, "GET", q, e.admin(), nil).JSON(e.t, &p)
		all = append(all, p.Items...)
		if p.Next == nil {
			break
		}
		cursor = *p.Next
	}
	for i, j := 0, len(all)-1; i < j; i, j = i+1, j-1 {
		all[i], all[j] = all[j], all[i]
	}
	return all
}

// children lists the codes of a region's children of one level, via the API.
func (e *campEnv) regionCodes(parent string) []string {
	e.t.Helper()
	var codes []string
	cursor := ""
	for {
		q := "/api/v1/regions?limit=500&parent=" + parent
		if cursor != "" {
			q += "&cursor=" + cursor
		}
		var p api.List[struct {
			Code string `json:"code"`
		}]
		e.Must(200, "GET", q, e.admin(), nil).JSON(e.t, &p)
		for _, r := range p.Items {
			codes = append(codes, r.Code)
		}
		if p.Next == nil {
			return codes
		}
		cursor = *p.Next
	}
}

// counties returns the county codes under a province, via its prefectures.
func (e *campEnv) counties(province string) []string {
	var out []string
	for _, pref := range e.regionCodes(province) {
		out = append(out, e.regionCodes(pref)...)
	}
	return out
}

// split cuts codes into n nearly equal consecutive parts.
func campSplit(codes []string, n int) [][]string {
	var out [][]string
	for i := range n {
		lo, hi := i*len(codes)/n, (i+1)*len(codes)/n
		out = append(out, codes[lo:hi])
	}
	return out
}

func campItoa(n int64) string { return strconv.FormatInt(n, 10) }
