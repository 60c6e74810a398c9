package api_test

import (
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/ducha/ducha/api"
	"github.com/ducha/ducha/app"
	"github.com/ducha/ducha/testenv"
)

// hotline is a test app with the users the complaint tests need, all
// signed in.
type hotline struct {
	*testenv.App
	operator  string // hotline_operator at the nation
	sichuan   string // province_coordinator of 51 四川省
	chengdu   string // prefecture_officer of 5101 成都市
	jinjiang  string // county_officer of 510104 锦江区
	jinjiang2 string // another county_officer of 510104
	liwan     string // county_officer of 440103 广州市荔湾区
	inspector string // national_inspector
	viewer    string // viewer of 51
}

var userSeq int

// newHotline starts an app whose tokens outlive the fake clock's jumps.
func newHotline(t *testing.T, o testenv.AppOptions) *hotline {
	t.Helper()
	return withUsers(testenv.StartApp(t, longTokens(o)))
}

func longTokens(o testenv.AppOptions) testenv.AppOptions {
	edit := o.Config
	o.Config = func(c *app.Config) {
		c.TokenTTL = 10 * 365 * 24 * time.Hour
		if edit != nil {
			edit(c)
		}
	}
	return o
}

func withUsers(a *testenv.App) *hotline {
	userSeq++
	n := func(s string) string { return fmt.Sprintf("%s%d", s, userSeq) }
	return &hotline{App: a,
		operator:  a.NewUser(n("operator"), "hotline_operator", "0"),
		sichuan:   a.NewUser(n("sichuan"), "province_coordinator", "51"),
		chengdu:   a.NewUser(n("chengdu"), "prefecture_officer", "5101"),
		jinjiang:  a.NewUser(n("jinjiang"), "county_officer", "510104"),
		jinjiang2: a.NewUser(n("jinjiangb"), "county_officer", "510104"),
		liwan:     a.NewUser(n("liwan"), "county_officer", "440103"),
		inspector: a.NewUser(n("inspector"), "national_inspector", "0"),
		viewer:    a.NewUser(n("viewer"), "viewer", "51"),
	}
}

// caseBody is a valid intake: a Chengdu county accused of taking a deposit
// from a worker in Guangzhou, with the complainant's details; over replaces
// or (with a nil value) removes fields.
func caseBody(over map[string]any) map[string]any {
	b := map[string]any{
		"channel": "hotline", "category": "illegal_fees",
		"occurred_region_code": "440103", "accused_region_code": "510104",
		"summary": "办理婚育证明被收取押金", "details": "来电人称外出务工前办理婚育证明时被收取500元押金。",
		"complainant": map[string]any{"name": "张三", "phone": "138 1234 5678"},
	}
	maps.Copy(b, over)
	for k, v := range over {
		if v == nil {
			delete(b, k)
		}
	}
	return b
}

func decodeCase(t testing.TB, r *testenv.Response) api.ComplaintOut {
	t.Helper()
	var c api.ComplaintOut
	r.JSON(t, &c)
	return c
}

// intake logs a case as the operator and returns it.
func (h *hotline) intake(t testing.TB, over map[string]any) api.ComplaintOut {
	t.Helper()
	return decodeCase(t, h.Must(201, "POST", "/api/v1/complaints", h.operator, caseBody(over)))
}

func (h *hotline) get(t testing.TB, token string, id int64) api.ComplaintOut {
	t.Helper()
	return decodeCase(t, h.Must(200, "GET", fmt.Sprintf("/api/v1/complaints/%d", id), token, nil))
}

func (h *hotline) fire(token string, id int64, body map[string]any, headers ...string) *testenv.Response {
	h.T.Helper()
	return h.Do("POST", fmt.Sprintf("/api/v1/complaints/%d/transitions", id), token, body, headers...)
}

// mustFire fires an event that must succeed and returns the case.
func (h *hotline) mustFire(t testing.TB, token string, id int64, body map[string]any) api.ComplaintOut {
	t.Helper()
	r := h.fire(token, id, body)
	if r.Status != 200 {
		t.Fatalf("%v on complaint %d: %d %s", body["event"], id, r.Status, r.Body)
	}
	return decodeCase(t, r)
}

// complaintProblem is an error answer.
type complaintProblem struct {
	Type          string   `json:"type"`
	Status        int      `json:"status"`
	Detail        string   `json:"detail"`
	AllowedEvents []string `json:"allowed_events"`
	Errors        []struct {
		Location string `json:"location"`
		Message  string `json:"message"`
	} `json:"errors"`
}

func complaintProblemOf(t testing.TB, r *testenv.Response) complaintProblem {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("content type %q, want application/problem+json", ct)
	}
	var p complaintProblem
	r.JSON(t, &p)
	return p
}

// locations lists the locations of a 422's field errors.
func (p complaintProblem) locations() map[string]bool {
	out := map[string]bool{}
	for _, e := range p.Errors {
		out[e.Location] = true
	}
	return out
}

// countRows counts rows of a table with a condition, straight from the database.
func countRows(t testing.TB, a *testenv.App, table, where string, args ...any) int {
	t.Helper()
	q := "SELECT COUNT(*) FROM " + table
	if where != "" {
		q += " WHERE " + where
	}
	var n int
	if err := a.Store.SQL().QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}
