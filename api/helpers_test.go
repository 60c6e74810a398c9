package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/ducha/ducha/testenv"
)

// checkProblem asserts that r is an RFC 9457 problem with the given status
// (0: any 4xx) and returns its body. A 422 must list the offending fields.
func checkProblem(t testing.TB, what string, r *testenv.Response, status int) map[string]any {
	t.Helper()
	if status == 0 {
		if r.Status < 400 || r.Status > 499 {
			t.Errorf("%s: status %d, want a 4xx: %.300s", what, r.Status, r.Body)
			return nil
		}
	} else if r.Status != status {
		t.Errorf("%s: status %d, want %d: %.300s", what, r.Status, status, r.Body)
		return nil
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("%s: Content-Type %q, want application/problem+json", what, ct)
	}
	var p map[string]any
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Errorf("%s: body is not JSON: %v: %.300s", what, err, r.Body)
		return nil
	}
	for _, k := range []string{"type", "title", "detail"} {
		if s, _ := p[k].(string); s == "" {
			t.Errorf("%s: problem without %q: %s", what, k, r.Body)
		}
	}
	if s, _ := p["status"].(float64); int(s) != r.Status {
		t.Errorf("%s: problem status %v, HTTP status %d", what, p["status"], r.Status)
	}
	if r.Status == http.StatusUnprocessableEntity {
		errs, _ := p["errors"].([]any)
		if len(errs) == 0 {
			t.Errorf("%s: validation problem without an errors list: %s", what, r.Body)
		}
		for _, e := range errs {
			m, _ := e.(map[string]any)
			if s, _ := m["message"].(string); s == "" {
				t.Errorf("%s: field error without a message: %v", what, e)
			}
		}
	}
	return p
}

// fieldErrors returns the locations named in a problem's errors list.
func fieldErrors(p map[string]any) []string {
	var out []string
	errs, _ := p["errors"].([]any)
	for _, e := range errs {
		m, _ := e.(map[string]any)
		loc, _ := m["location"].(string)
		out = append(out, loc)
	}
	return out
}

func hasField(p map[string]any, loc string) bool {
	for _, l := range fieldErrors(p) {
		if l == loc {
			return true
		}
	}
	return false
}

func login(username, password string) map[string]string {
	return map[string]string{"username": username, "password": password}
}
