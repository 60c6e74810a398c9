package api_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/ducha/ducha/testenv"
)

// The 4xx battery walks the served OpenAPI document, so that every endpoint
// registered, now or later, is covered without touching this file: each one
// gets malformed and oversize bodies, unknown fields, wrong types, missing
// or bad tokens, bad query and path parameters, and unknown region codes
// wherever it takes a region. Every answer must be a 4xx problem+json,
// never a 500 and never a success.

// unknownRegion is a well-formed county code that is in no region table.
const unknownRegion = "419999"

type schema = map[string]any

type operation struct {
	method, path string
	op           schema
}

func TestBattery(t *testing.T) {
	a := testenv.StartApp(t, testenv.AppOptions{NoWorker: true})
	var doc schema
	a.Must(200, "GET", "/openapi.json", "", nil).JSON(t, &doc)
	components, _ := dig(doc, "components", "schemas").(schema)
	resolve := func(s schema) schema {
		for range 10 {
			ref, ok := s["$ref"].(string)
			if !ok {
				break
			}
			s, _ = components[strings.TrimPrefix(ref, "#/components/schemas/")].(schema)
		}
		return s
	}

	var ops []operation
	paths, _ := doc["paths"].(schema)
	for _, p := range slices.Sorted(maps.Keys(paths)) {
		item, _ := paths[p].(schema)
		for _, m := range []string{"get", "put", "post", "patch", "delete"} {
			if op, ok := item[m].(schema); ok {
				ops = append(ops, operation{strings.ToUpper(m), p, op})
			}
		}
	}
	if len(ops) < 10 {
		t.Fatalf("only %d operations in the document", len(ops))
	}

	for _, o := range ops {
		t.Run(o.method+" "+o.path, func(t *testing.T) {
			params := parameters(o.op)
			path := fillPath(o.path, params, nil)
			_, secured := o.op["security"]

			if secured {
				checkProblem(t, "no token", a.Do(o.method, path, "", nil), 401)
				checkProblem(t, "a malformed token", a.Do(o.method, path, "not.a.token", nil), 401)
				checkProblem(t, "a token from another app", a.Do(o.method, path, otherToken(t), nil), 401)
			}
			token := a.AdminToken

			for _, p := range params {
				name, in := p["name"].(string), p["in"].(string)
				typ := typeOf(resolve(schemaOf(p)))
				var bad []string
				if typ == "integer" || typ == "number" {
					bad = append(bad, "not-a-number", "1e999")
				}
				if typ == "boolean" {
					bad = append(bad, "maybe")
				}
				if regionish(name, o.path) {
					bad = append(bad, unknownRegion, "x1")
				}
				for _, v := range bad {
					what := in + " " + name + "=" + v
					switch in {
					case "query":
						sep := "?"
						if strings.Contains(path, "?") {
							sep = "&"
						}
						checkProblem(t, what, a.Do(o.method, path+sep+name+"="+v, token, nil), 0)
					case "path":
						checkProblem(t, what, a.Do(o.method, fillPath(o.path, params, map[string]string{name: v}), token, nil), 0)
					}
				}
			}

			rb, ok := o.op["requestBody"].(schema)
			if !ok {
				return
			}
			content, _ := rb["content"].(schema)
			js, isJSON := content["application/json"].(schema)
			var body schema
			if isJSON {
				body = resolve(schemaOf(js))
			}
			strict := func(status int) int {
				if isJSON {
					return status
				}
				return 0 // another media type: any 4xx will do
			}

			checkProblem(t, "malformed JSON", a.Do(o.method, path, token, `{"a": `), 0)
			checkProblem(t, "not an object", a.Do(o.method, path, token, `[1, 2, 3]`), 0)
			checkProblem(t, "empty body", a.Do(o.method, path, token, ``), 0)
			checkProblem(t, "trailing garbage", a.Do(o.method, path, token, `{} {}`), 0)
			checkProblem(t, "not UTF-8", a.Do(o.method, path, token, []byte("{\"a\": \"\xff\xfe\"}")), 0)
			oversize := `{"padding": "` + strings.Repeat("a", 1<<20+1024) + `"}`
			checkProblem(t, "an oversize body", a.Do(o.method, path, token, oversize), strict(http.StatusRequestEntityTooLarge))

			if body == nil {
				return
			}
			unknown := sample(body, "", resolve)
			if m, ok := unknown.(map[string]any); ok {
				m["no_such_field"] = 1
				p := checkProblem(t, "an unknown field", a.Do(o.method, path, token, m), strict(422))
				if p != nil && !strings.Contains(string(must(json.Marshal(p))), "no_such_field") {
					t.Errorf("an unknown field: the problem does not name it: %v", p)
				}
			}
			props, _ := body["properties"].(schema)
			for _, name := range slices.Sorted(maps.Keys(props)) {
				ps := resolve(props[name].(schema))
				b, _ := sample(body, "", resolve).(map[string]any)
				b[name] = wrongValue(typeOf(ps))
				p := checkProblem(t, "wrong type of "+name, a.Do(o.method, path, token, b), strict(422))
				if p != nil && !slices.ContainsFunc(fieldErrors(p), func(l string) bool { return strings.Contains(l, name) }) {
					t.Errorf("wrong type of %s: errors %v do not name it", name, fieldErrors(p))
				}
			}
			b, _ := sample(body, "", resolve).(map[string]any)
			if withUnknownRegions(b, body, resolve) {
				checkProblem(t, "unknown region codes", a.Do(o.method, path, token, b), 0)
			}
		})
	}

	t.Run("unknown routes", func(t *testing.T) {
		for _, r := range []struct{ method, path, token string }{
			{"GET", "/nowhere", ""},
			{"GET", "/api/v1/nowhere", ""},
			{"GET", "/api/v1/nowhere", a.AdminToken},
			{"POST", "/api/v1/nowhere", a.AdminToken},
			{"GET", "/api/v2/me", a.AdminToken},
		} {
			checkProblem(t, r.method+" "+r.path, a.Do(r.method, r.path, r.token, nil), 404)
		}
		// Echo hands the rest of the path to a trailing parameter, slashes
		// and all, so this reaches GET /regions/{code}; a 4xx all the same.
		checkProblem(t, "below a leaf route", a.Do("GET", "/api/v1/regions/41/children/x", a.AdminToken, nil), 0)
		checkProblem(t, "DELETE /api/v1/me", a.Do("DELETE", "/api/v1/me", a.AdminToken, nil), 405)
		checkProblem(t, "PUT /api/v1/auth/login", a.Do("PUT", "/api/v1/auth/login", "", login("admin", "x")), 405)
	})

	// Nothing above may have changed anything: the admin token still works.
	a.Must(200, "GET", "/api/v1/me", a.AdminToken, nil)
}

var otherApp struct{ token string }

// otherToken is the admin token of a second app: well-formed, wrongly signed.
func otherToken(t *testing.T) string {
	if otherApp.token == "" {
		b := testenv.StartApp(t, testenv.AppOptions{NoWorker: true})
		otherApp.token = b.AdminToken
	}
	return otherApp.token
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func dig(m schema, keys ...string) any {
	var cur any = m
	for _, k := range keys {
		mm, ok := cur.(schema)
		if !ok {
			return nil
		}
		cur = mm[k]
	}
	return cur
}

func parameters(op schema) []schema {
	var out []schema
	ps, _ := op["parameters"].([]any)
	for _, p := range ps {
		if m, ok := p.(schema); ok {
			out = append(out, m)
		}
	}
	return out
}

func schemaOf(m schema) schema {
	s, _ := m["schema"].(schema)
	if s == nil {
		s = schema{}
	}
	return s
}

// typeOf returns a schema's type; for a list such as ["string", "null"] the
// first that is not null.
func typeOf(s schema) string {
	switch t := s["type"].(type) {
	case string:
		return t
	case []any:
		for _, v := range t {
			if v != "null" {
				return v.(string)
			}
		}
	}
	if _, ok := s["properties"]; ok {
		return "object"
	}
	return ""
}

// regionish reports whether a parameter names a region.
func regionish(name, path string) bool {
	return strings.Contains(name, "region") || name == "parent" || (name == "code" && strings.Contains(path, "/regions/"))
}

// fillPath puts a plausible value in each path parameter, or the one given.
func fillPath(path string, params []schema, override map[string]string) string {
	for _, p := range params {
		if p["in"] != "path" {
			continue
		}
		name := p["name"].(string)
		v, ok := override[name]
		if !ok {
			v = "1"
			if regionish(name, path) {
				v = "41"
			}
		}
		path = strings.ReplaceAll(path, "{"+name+"}", v)
	}
	return path
}

func wrongValue(typ string) any {
	switch typ {
	case "string":
		return 12345
	case "integer", "number":
		return "not-a-number"
	case "boolean":
		return "maybe"
	case "array":
		return "not-an-array"
	case "object":
		return "not-an-object"
	}
	return []any{map[string]any{"unexpected": true}}
}

// sample builds a value that satisfies s as far as the schema tells: the
// first enum value, the minimum, a string of an allowed length.
func sample(s schema, name string, resolve func(schema) schema) any {
	s = resolve(s)
	if e, ok := s["enum"].([]any); ok && len(e) > 0 {
		return e[0]
	}
	switch typeOf(s) {
	case "object":
		out := map[string]any{}
		props, _ := s["properties"].(schema)
		req, _ := s["required"].([]any)
		for _, r := range req {
			k := r.(string)
			if ps, ok := props[k].(schema); ok {
				out[k] = sample(ps, k, resolve)
			}
		}
		return out
	case "array":
		items, _ := s["items"].(schema)
		n := 1
		if m, ok := s["minItems"].(float64); ok && int(m) > n {
			n = int(m)
		}
		out := make([]any, n)
		for i := range out {
			out[i] = sample(items, name, resolve)
		}
		return out
	case "integer", "number":
		if m, ok := s["minimum"].(float64); ok {
			return m
		}
		return 1
	case "boolean":
		return false
	case "string":
		switch s["format"] {
		case "date-time":
			return "2026-03-02T09:00:00Z"
		case "date":
			return "2026-03-02"
		case "email":
			return "battery@example.com"
		}
		v := "battery-value-0001"
		if m, ok := s["maxLength"].(float64); ok && int(m) < len(v) {
			v = v[:int(m)]
		}
		if m, ok := s["minLength"].(float64); ok && int(m) > len(v) {
			v += strings.Repeat("x", int(m)-len(v))
		}
		return v
	}
	return nil
}

// withUnknownRegions puts unknownRegion in every region field of body
// (top-level and nested objects), adding optional ones, and reports whether
// there was any.
func withUnknownRegions(b map[string]any, s schema, resolve func(schema) schema) bool {
	found := false
	props, _ := resolve(s)["properties"].(schema)
	for name, p := range props {
		ps := resolve(p.(schema))
		switch {
		case regionish(name, "") && typeOf(ps) == "string":
			b[name], found = unknownRegion, true
		case regionish(name, "") && typeOf(ps) == "array":
			b[name], found = []any{unknownRegion}, true
		case typeOf(ps) == "object":
			sub, ok := b[name].(map[string]any)
			if !ok {
				sub, _ = sample(ps, name, resolve).(map[string]any)
			}
			if sub != nil && withUnknownRegions(sub, ps, resolve) {
				b[name], found = sub, true
			}
		}
	}
	return found
}
