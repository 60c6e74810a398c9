package api_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/ducha/ducha/testenv"
)

// The API tests of /webhooks, grouped by the status they expect.

const hookURL = "https://receiver.example.org/ducha"

type webhookBody struct {
	ID         int64    `json:"id"`
	URL        string   `json:"url"`
	Events     []string `json:"events"`
	RegionCode string   `json:"region_code"`
	Secret     *string  `json:"secret"`
}

func path(id int64, rest ...string) string {
	return "/api/v1/webhooks/" + strconv.FormatInt(id, 10) + strings.Join(rest, "")
}

func TestWebhooks201(t *testing.T) {
	t.Parallel()
	a := testenv.StartApp(t, testenv.AppOptions{NoWorker: true})

	var w webhookBody
	a.Must(201, "POST", "/api/v1/webhooks", a.AdminToken, map[string]any{
		"url": hookURL, "events": []string{"feedback_issued", "escalation", "feedback_issued"}}).JSON(t, &w)
	if w.ID == 0 || w.URL != hookURL || w.RegionCode != "0" || strings.Join(w.Events, ",") != "feedback_issued,escalation" {
		t.Fatalf("created %+v", w)
	}
	if w.Secret == nil || len(*w.Secret) < 32 {
		t.Fatalf("generated secret %v", w.Secret)
	}
	secret := *w.Secret

	// Shown once: never in a listing, a read or the audit log.
	for _, p := range []string{"/api/v1/webhooks", path(w.ID), "/api/v1/audit?entity=webhook"} {
		r := a.Must(200, "GET", p, a.AdminToken, nil)
		if strings.Contains(string(r.Body), secret) || strings.Contains(string(r.Body), `"secret"`) {
			t.Errorf("GET %s shows the secret: %s", p, r.Body)
		}
	}
	var audit struct{ Items []map[string]any }
	a.Must(200, "GET", "/api/v1/audit?entity=webhook&id="+strconv.FormatInt(w.ID, 10), a.AdminToken, nil).JSON(t, &audit)
	if len(audit.Items) != 1 || audit.Items[0]["event"] != "create" {
		t.Errorf("audit %v", audit.Items)
	}

	// A secret of one's own is kept and shown back once.
	var own webhookBody
	a.Must(201, "POST", "/api/v1/webhooks", a.AdminToken, map[string]any{
		"url": "http://127.0.0.1:9/x?token=1", "events": []string{"bulletin_published"}, "region_code": "33",
		"secret": "a-secret-of-my-own"}).JSON(t, &own)
	if own.Secret == nil || *own.Secret != "a-secret-of-my-own" || own.RegionCode != "33" {
		t.Fatalf("created %+v", own)
	}

	// A province coordinator subscribes for its own subtree; the default is
	// its own region.
	coord := a.NewUser("coord11", "province_coordinator", "11")
	var mine, below webhookBody
	a.Must(201, "POST", "/api/v1/webhooks", coord, map[string]any{"url": hookURL, "events": []string{"escalation"}}).JSON(t, &mine)
	a.Must(201, "POST", "/api/v1/webhooks", coord, map[string]any{"url": hookURL, "events": []string{"deadline_reminder"},
		"region_code": "1101"}).JSON(t, &below)
	if mine.RegionCode != "11" || below.RegionCode != "1101" {
		t.Fatalf("regions %q %q", mine.RegionCode, below.RegionCode)
	}
	var list struct {
		Items []webhookBody
		Next  *string
	}
	a.Must(200, "GET", "/api/v1/webhooks", coord, nil).JSON(t, &list)
	if len(list.Items) != 2 || list.Items[0].ID != mine.ID || list.Items[1].ID != below.ID || list.Next != nil {
		t.Fatalf("coordinator's list %+v", list)
	}
	a.Must(200, "GET", path(below.ID, "/deliveries"), coord, nil)

	// Pages.
	a.Must(200, "GET", "/api/v1/webhooks?limit=3", a.AdminToken, nil).JSON(t, &list)
	if len(list.Items) != 3 || list.Next == nil {
		t.Fatalf("first page %+v", list)
	}
	a.Must(200, "GET", "/api/v1/webhooks?limit=3&cursor="+*list.Next, a.AdminToken, nil).JSON(t, &list)
	if len(list.Items) != 1 || list.Items[0].ID != below.ID || list.Next != nil {
		t.Fatalf("second page %+v", list)
	}
}

func TestWebhooks204(t *testing.T) {
	t.Parallel()
	a := testenv.StartApp(t, testenv.AppOptions{NoWorker: true})
	coord := a.NewUser("coord11", "province_coordinator", "11")
	var w webhookBody
	a.Must(201, "POST", "/api/v1/webhooks", coord, map[string]any{"url": hookURL, "events": []string{"escalation"},
		"region_code": "1101"}).JSON(t, &w)
	a.Must(204, "DELETE", path(w.ID), coord, nil)
	a.Must(404, "DELETE", path(w.ID), coord, nil)
	a.Must(404, "GET", path(w.ID), coord, nil)
	a.Must(404, "GET", path(w.ID, "/deliveries"), a.AdminToken, nil)
	var list struct{ Items []webhookBody }
	a.Must(200, "GET", "/api/v1/webhooks", a.AdminToken, nil).JSON(t, &list)
	if len(list.Items) != 0 {
		t.Fatalf("deleted subscription still listed: %+v", list.Items)
	}
}

func TestWebhooks401(t *testing.T) {
	t.Parallel()
	a := testenv.StartApp(t, testenv.AppOptions{NoWorker: true})
	for _, r := range []struct{ method, path string }{
		{"POST", "/api/v1/webhooks"}, {"GET", "/api/v1/webhooks"}, {"GET", "/api/v1/webhooks/1"},
		{"DELETE", "/api/v1/webhooks/1"}, {"GET", "/api/v1/webhooks/1/deliveries"},
	} {
		a.Must(401, r.method, r.path, "", map[string]any{"url": hookURL, "events": []string{"escalation"}})
	}
}

func TestWebhooks403(t *testing.T) {
	t.Parallel()
	a := testenv.StartApp(t, testenv.AppOptions{NoWorker: true})
	coord := a.NewUser("coord11", "province_coordinator", "11")
	county := a.NewUser("county", "county_officer", "110101")
	var national, foreign webhookBody
	a.Must(201, "POST", "/api/v1/webhooks", a.AdminToken, map[string]any{"url": hookURL, "events": []string{"escalation"}}).JSON(t, &national)
	a.Must(201, "POST", "/api/v1/webhooks", a.AdminToken, map[string]any{"url": hookURL, "events": []string{"escalation"},
		"region_code": "12"}).JSON(t, &foreign)

	for name, c := range map[string]struct {
		token, method, path string
		body                any
	}{
		"foreign region":        {coord, "POST", "/api/v1/webhooks", map[string]any{"url": hookURL, "events": []string{"escalation"}, "region_code": "12"}},
		"foreign prefecture":    {coord, "POST", "/api/v1/webhooks", map[string]any{"url": hookURL, "events": []string{"escalation"}, "region_code": "1201"}},
		"above own region":      {coord, "POST", "/api/v1/webhooks", map[string]any{"url": hookURL, "events": []string{"escalation"}, "region_code": "0"}},
		"read foreign":          {coord, "GET", path(foreign.ID), nil},
		"read national":         {coord, "GET", path(national.ID), nil},
		"foreign deliveries":    {coord, "GET", path(foreign.ID, "/deliveries"), nil},
		"delete foreign":        {coord, "DELETE", path(foreign.ID), nil},
		"delete national":       {coord, "DELETE", path(national.ID), nil},
		"county may not create": {county, "POST", "/api/v1/webhooks", map[string]any{"url": hookURL, "events": []string{"escalation"}}},
		"county may not list":   {county, "GET", "/api/v1/webhooks", nil},
	} {
		r := a.Do(c.method, c.path, c.token, c.body)
		if r.Status != 403 || r.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %s", name, r.Status, r.Body)
		}
	}
	// The refusals changed nothing.
	a.Must(200, "GET", path(foreign.ID), a.AdminToken, nil)
	a.Must(200, "GET", path(national.ID), a.AdminToken, nil)
}

func TestWebhooks422(t *testing.T) {
	t.Parallel()
	a := testenv.StartApp(t, testenv.AppOptions{NoWorker: true})
	ev := []string{"escalation"}
	for name, c := range map[string]struct {
		body  any
		field string // a location among the problem's errors
	}{
		"ftp URL":           {map[string]any{"url": "ftp://example.org/x", "events": ev}, "body.url"},
		"relative URL":      {map[string]any{"url": "/hooks", "events": ev}, "body.url"},
		"no host":           {map[string]any{"url": "http://", "events": ev}, "body.url"},
		"not a URL":         {map[string]any{"url": "http://exa mple.org:port/", "events": ev}, "body.url"},
		"javascript":        {map[string]any{"url": "javascript:alert(1)", "events": ev}, "body.url"},
		"credentials":       {map[string]any{"url": "https://user:pw@example.org/", "events": ev}, "body.url"},
		"fragment":          {map[string]any{"url": "https://example.org/#x", "events": ev}, "body.url"},
		"empty URL":         {map[string]any{"url": "", "events": ev}, "body.url"},
		"URL too long":      {map[string]any{"url": "https://example.org/" + strings.Repeat("a", 2100), "events": ev}, "body.url"},
		"no events":         {map[string]any{"url": hookURL, "events": []string{}}, "body.events"},
		"events missing":    {map[string]any{"url": hookURL}, "body"},
		"unknown event":     {map[string]any{"url": hookURL, "events": []string{"escalation", "complaint_closed"}}, "body.events[1]"},
		"events not a list": {map[string]any{"url": hookURL, "events": "escalation"}, "body.events"},
		"region malformed":  {map[string]any{"url": hookURL, "events": ev, "region_code": "11a"}, "body.region_code"},
		"region unknown":    {map[string]any{"url": hookURL, "events": ev, "region_code": "99"}, "body.region_code"},
		"secret too short":  {map[string]any{"url": hookURL, "events": ev, "secret": "short"}, "body.secret"},
		"url not a string":  {map[string]any{"url": 5, "events": ev}, "body.url"},
	} {
		r := a.Do("POST", "/api/v1/webhooks", a.AdminToken, c.body)
		if r.Status != 422 {
			t.Errorf("%s: %d %s", name, r.Status, r.Body)
			continue
		}
		var p struct {
			Errors []struct{ Location string }
		}
		r.JSON(t, &p)
		found := false
		for _, e := range p.Errors {
			found = found || e.Location == c.field
		}
		if !found {
			t.Errorf("%s: no error at %s: %s", name, c.field, r.Body)
		}
	}
	// Every field error at once.
	r := a.Must(422, "POST", "/api/v1/webhooks", a.AdminToken, map[string]any{"url": "ftp://x", "events": []string{},
		"region_code": "99", "secret": "short"})
	var p struct{ Errors []struct{ Location string } }
	r.JSON(t, &p)
	if len(p.Errors) != 4 {
		t.Errorf("want 4 field errors: %s", r.Body)
	}
	var list struct{ Items []webhookBody }
	a.Must(200, "GET", "/api/v1/webhooks", a.AdminToken, nil).JSON(t, &list)
	if len(list.Items) != 0 {
		t.Fatalf("refused subscriptions stored: %+v", list.Items)
	}
}

// Malformed requests of every kind get a 4xx problem, never a 500.
func TestWebhooksNever500(t *testing.T) {
	t.Parallel()
	a := testenv.StartApp(t, testenv.AppOptions{NoWorker: true})
	var w webhookBody
	a.Must(201, "POST", "/api/v1/webhooks", a.AdminToken, map[string]any{"url": hookURL, "events": []string{"escalation"}}).JSON(t, &w)
	id := strconv.FormatInt(w.ID, 10)
	bodies := []any{nil, "", "null", "[]", "{", `{"url":null,"events":null}`, `{"url":["x"],"events":[1,2]}`,
		`{"url":"http://x","events":["escalation"],"region_code":5}`, `{"url":"http://x","events":["escalation"],"secret":null}`,
		`{"url":"http://x","events":["escalation"],"region_code":"` + strings.Repeat("1", 5000) + `"}`,
		`{"url":"http://\u0000x","events":["escalation"]}`, `{"url":"http://[::1","events":["escalation"]}`,
		`{"url":"http://x","events":["escalation"],"extra":{"deep":[[[[]]]]}}`,
		map[string]any{"url": hookURL, "events": make([]string, 100)}}
	for i, b := range bodies {
		r := a.Do("POST", "/api/v1/webhooks", a.AdminToken, b)
		if r.Status >= 500 || (r.Status >= 300 && r.Header.Get("Content-Type") != "application/problem+json") {
			t.Errorf("POST body %d: %d %s", i, r.Status, r.Body)
		}
	}
	for _, p := range []string{"abc", "-1", "0", "99999999999999999999", "1.5", id + "%00", "%20"} {
		for _, m := range []string{"GET", "DELETE"} {
			if r := a.Do(m, "/api/v1/webhooks/"+p, a.AdminToken, nil); r.Status >= 500 || r.Status < 400 {
				t.Errorf("%s %s: %d %s", m, p, r.Status, r.Body)
			}
		}
		if r := a.Do("GET", "/api/v1/webhooks/"+p+"/deliveries", a.AdminToken, nil); r.Status >= 500 || r.Status < 400 {
			t.Errorf("deliveries of %s: %d %s", p, r.Status, r.Body)
		}
	}
	for _, q := range []string{"limit=0", "limit=501", "limit=x", "cursor=!!!", "cursor=YWJj", "cursor=LTU", "cursor=" + strings.Repeat("A", 3000)} {
		for _, p := range []string{"/api/v1/webhooks", "/api/v1/webhooks/" + id + "/deliveries"} {
			if r := a.Do("GET", p+"?"+q, a.AdminToken, nil); r.Status >= 500 {
				t.Errorf("GET %s?%s: %d %s", p, q, r.Status, r.Body)
			}
		}
	}
	if r := a.Do("PUT", "/api/v1/webhooks/"+id, a.AdminToken, map[string]any{}); r.Status != 405 && r.Status != 404 {
		t.Errorf("PUT: %d %s", r.Status, r.Body)
	}
}

func TestWebhooksOpenAPI(t *testing.T) {
	t.Parallel()
	a := testenv.StartApp(t, testenv.AppOptions{NoWorker: true})
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	a.Must(200, "GET", "/openapi.json", "", nil).JSON(t, &doc)
	for p, methods := range map[string][]string{
		"/api/v1/webhooks":                 {"get", "post"},
		"/api/v1/webhooks/{id}":            {"get", "delete"},
		"/api/v1/webhooks/{id}/deliveries": {"get"},
	} {
		for _, m := range methods {
			if _, ok := doc.Paths[p][m]; !ok {
				t.Errorf("openapi.json lacks %s %s", strings.ToUpper(m), p)
			}
		}
	}
}
