package api_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/ducha/ducha/app"
	"github.com/ducha/ducha/testenv"
)

func TestHealth(t *testing.T) {
	a := testenv.StartApp(t, testenv.AppOptions{})

	t.Run("healthz200", func(t *testing.T) {
		m := a.Must(200, "GET", "/healthz", "", nil).Map(t)
		if m["status"] != "ok" {
			t.Errorf("healthz: %v", m)
		}
	})

	t.Run("readyz200", func(t *testing.T) {
		var out struct {
			Status string            `json:"status"`
			Checks map[string]string `json:"checks"`
		}
		a.Must(200, "GET", "/readyz", "", nil).JSON(t, &out)
		if out.Status != "ok" || out.Checks["database"] != "ok" || out.Checks["queue"] != "ok" {
			t.Errorf("readyz: %+v", out)
		}
	})

	t.Run("metrics200", func(t *testing.T) {
		a.Must(200, "GET", "/api/v1/me", a.AdminToken, nil)
		a.Do("GET", "/api/v1/nowhere", a.AdminToken, nil)
		r := a.Must(200, "GET", "/metrics", "", nil)
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			t.Errorf("metrics Content-Type %q", ct)
		}
		body := string(r.Body)
		for _, re := range []string{
			`(?m)^ducha_echo_requests_total\{.*url="/api/v1/me".*\} [1-9]`,
			`(?m)^ducha_echo_request_duration_seconds_bucket\{.*url="/api/v1/me"`,
			`(?m)^ducha_echo_requests_total\{.*code="404".*\} [1-9]`,
			`(?m)^go_goroutines `,
		} {
			if !regexp.MustCompile(re).MatchString(body) {
				t.Errorf("metrics lack %s", re)
			}
		}
	})

	t.Run("metricsBounded200", func(t *testing.T) {
		// Clients choose paths and Host headers; neither may mint new series.
		for i := range 5 {
			req, err := http.NewRequest("GET", fmt.Sprintf("%s/no/such/path/%d", a.URL, i), nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Host = fmt.Sprintf("attacker-%d.example", i)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
		}
		body := string(a.Must(200, "GET", "/metrics", "", nil).Body)
		if strings.Contains(body, "/no/such/path") || strings.Contains(body, "attacker-") {
			t.Errorf("metrics carry client-chosen label values:\n%s", grep(body, "ducha_echo_requests_total"))
		}
	})

	t.Run("openapi200", func(t *testing.T) {
		r := a.Must(200, "GET", "/openapi.json", "", nil)
		var doc struct {
			OpenAPI string                                `json:"openapi"`
			Paths   map[string]map[string]json.RawMessage `json:"paths"`
		}
		if err := json.Unmarshal(r.Body, &doc); err != nil {
			t.Fatalf("openapi.json is not JSON: %v", err)
		}
		if !strings.HasPrefix(doc.OpenAPI, "3.") {
			t.Errorf("openapi version %q", doc.OpenAPI)
		}
		// Every route the router serves, but the documents themselves and
		// the non-JSON endpoints, is in the document with its method.
		e, ok := a.API.Handler().(*echo.Echo)
		if !ok {
			t.Fatalf("the API handler is a %T, not Echo", a.API.Handler())
		}
		param := regexp.MustCompile(`:([A-Za-z_]+)`)
		n := 0
		for _, rt := range e.Routes() {
			switch {
			case rt.Path == "/metrics", strings.HasPrefix(rt.Path, "/admin/queues"), strings.HasPrefix(rt.Path, "/openapi"),
				strings.HasPrefix(rt.Path, "/docs"), strings.HasPrefix(rt.Path, "/schemas"), rt.Method == echo.RouteNotFound:
				continue
			}
			path := param.ReplaceAllString(rt.Path, "{$1}")
			ops, ok := doc.Paths[path]
			if !ok {
				t.Errorf("route %s %s is not in openapi.json", rt.Method, path)
				continue
			}
			if _, ok := ops[strings.ToLower(rt.Method)]; !ok {
				t.Errorf("route %s %s: the document lists only %v", rt.Method, path, keys(ops))
			}
			n++
		}
		for _, p := range []string{"/healthz", "/readyz", "/api/v1/auth/login", "/api/v1/me", "/api/v1/users",
			"/api/v1/regions", "/api/v1/regions/{code}", "/api/v1/audit"} {
			if _, ok := doc.Paths[p]; !ok {
				t.Errorf("openapi.json lacks %s", p)
			}
		}
		if n < 8 {
			t.Errorf("only %d routes checked", n)
		}
	})
}

func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestNotReady points the queue at a closed port: /readyz is a 503 problem
// that says which check failed without the cause's text (host names).
func TestNotReady(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()
	a := testenv.StartApp(t, testenv.AppOptions{NoWorker: true, Config: func(c *app.Config) { c.Redis = closed }})
	a.Must(200, "GET", "/healthz", "", nil)
	r := a.Do("GET", "/readyz", "", nil)
	p := checkProblem(t, "readyz with Redis down", r, 503)
	checks, _ := p["checks"].(map[string]any)
	if checks["database"] != "ok" || checks["queue"] == "ok" || checks["queue"] == nil {
		t.Errorf("checks %v", checks)
	}
	if strings.Contains(string(r.Body), closed) || strings.Contains(string(r.Body), "dial") {
		t.Errorf("readyz shows the cause to an anonymous caller: %s", r.Body)
	}
}
