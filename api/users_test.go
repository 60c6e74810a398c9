package api_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/ducha/ducha/testenv"
)

func newUser(username, role, region string) map[string]string {
	return map[string]string{"username": username, "password": testenv.UserPassword, "role": role, "region_code": region}
}

func TestUsers(t *testing.T) {
	a := testenv.StartApp(t, testenv.AppOptions{NoWorker: true})
	prov := a.NewUser("prov41", "province_coordinator", "41")
	pref := a.NewUser("pref4101", "prefecture_officer", "4101")
	county := a.NewUser("county410102", "county_officer", "410102")
	viewer := a.NewUser("viewer41", "viewer", "41")
	hotline := a.NewUser("hotline41", "hotline_operator", "41")
	a.NewUser("prov11", "province_coordinator", "11")
	a.NewUser("county110101", "county_officer", "110101")

	t.Run("create201", func(t *testing.T) {
		cases := []struct {
			name, token string
			body        map[string]string
		}{
			{"province below itself", prov, newUser("pref4102", "prefecture_officer", "4102")},
			{"province at its own level", prov, newUser("prov41b", "province_coordinator", "41")},
			{"province, a viewer deep down", prov, newUser("viewer410102", "viewer", "410102")},
			{"prefecture, a county", pref, newUser("county410103", "county_officer", "410103")},
			{"county, a hotline operator at home", county, newUser("hotline410102", "hotline_operator", "410102")},
			{"admin, a national inspector", a.AdminToken, newUser("inspector", "national_inspector", "0")},
			{"admin, another admin", a.AdminToken, newUser("admin2", "national_admin", "0")},
		}
		for _, c := range cases {
			var out struct {
				ID         int64  `json:"id"`
				Username   string `json:"username"`
				Role       string `json:"role"`
				RegionCode string `json:"region_code"`
			}
			a.Must(201, "POST", "/api/v1/users", c.token, c.body).JSON(t, &out)
			if out.ID == 0 || out.Username != c.body["username"] || out.Role != c.body["role"] || out.RegionCode != c.body["region_code"] {
				t.Errorf("%s: created %+v from %v", c.name, out, c.body)
			}
			a.Login(c.body["username"], testenv.UserPassword)
		}
		if body := string(a.Must(200, "GET", "/api/v1/users?limit=500", a.AdminToken, nil).Body); strings.Contains(body, "argon2") ||
			strings.Contains(body, "password") {
			t.Errorf("a user listing shows password material: %s", body)
		}
	})

	t.Run("create401", func(t *testing.T) {
		checkProblem(t, "no token", a.Do("POST", "/api/v1/users", "", newUser("x-user", "viewer", "41")), 401)
	})

	t.Run("create403", func(t *testing.T) {
		cases := []struct {
			name, token string
			body        map[string]string
		}{
			{"outside the subtree: another province", prov, newUser("xx1", "prefecture_officer", "1101")},
			{"outside the subtree: a sibling prefecture", pref, newUser("xx2", "county_officer", "410202")},
			{"outside the subtree: another province's county", county, newUser("xx3", "viewer", "110101")},
			{"above its level: the parent prefecture", county, newUser("xx4", "prefecture_officer", "4101")},
			{"above its level: the province", pref, newUser("xx5", "province_coordinator", "41")},
			{"above its level: the nation", prov, newUser("xx6", "national_inspector", "0")},
			{"a national admin, by a province", prov, newUser("xx7", "national_admin", "0")},
			{"a role without users:create (viewer)", viewer, newUser("xx8", "viewer", "41")},
			{"a role without users:create (hotline)", hotline, newUser("xx9", "viewer", "41")},
		}
		for _, c := range cases {
			checkProblem(t, c.name, a.Do("POST", "/api/v1/users", c.token, c.body), 403)
		}
	})

	t.Run("create409", func(t *testing.T) {
		checkProblem(t, "duplicate username", a.Do("POST", "/api/v1/users", a.AdminToken, newUser("prov41", "viewer", "41")), 409)
		checkProblem(t, "duplicate of the admin", a.Do("POST", "/api/v1/users", prov, newUser("admin", "viewer", "41")), 409)
	})

	t.Run("create422", func(t *testing.T) {
		cases := []struct {
			name, token string
			body        any
			field       string
		}{
			{"county officer at a prefecture", prov, newUser("yy1", "county_officer", "4101"), "body.role"},
			{"province coordinator at a county", a.AdminToken, newUser("yy2", "province_coordinator", "410102"), "body.role"},
			{"national admin at a province", a.AdminToken, newUser("yy3", "national_admin", "41"), "body.role"},
			{"unknown region", prov, newUser("yy4", "county_officer", "419999"), "body.region_code"},
			{"unknown province", a.AdminToken, newUser("yy5", "province_coordinator", "99"), "body.region_code"},
			{"malformed region", prov, newUser("yy6", "county_officer", "41ab"), "body.region_code"},
			{"empty region", prov, newUser("yy7", "county_officer", ""), "body.region_code"},
			{"unknown role", prov, newUser("yy8", "mayor", "41"), "body.role"},
			{"short password", prov, map[string]string{"username": "yy9", "password": "short", "role": "viewer", "region_code": "41"}, "body.password"},
			{"bad username", prov, newUser("a b", "viewer", "41"), "body.username"},
		}
		for _, c := range cases {
			p := checkProblem(t, c.name, a.Do("POST", "/api/v1/users", c.token, c.body), 422)
			if p != nil && !hasField(p, c.field) {
				t.Errorf("%s: errors %v should name %s", c.name, fieldErrors(p), c.field)
			}
		}
		// Every wrong field is reported at once.
		p := checkProblem(t, "all wrong", a.Do("POST", "/api/v1/users", prov,
			map[string]string{"username": "!", "password": "short", "role": "viewer", "region_code": "419999"}), 422)
		for _, f := range []string{"body.username", "body.password", "body.region_code"} {
			if p != nil && !hasField(p, f) {
				t.Errorf("all wrong: errors %v should name %s", fieldErrors(p), f)
			}
		}
	})

	t.Run("list200", func(t *testing.T) {
		walk := func(token string) []string {
			t.Helper()
			var names []string
			cursor := ""
			for page := 0; ; page++ {
				if page > 100 {
					t.Fatal("more pages than users")
				}
				q := "/api/v1/users?limit=1"
				if cursor != "" {
					q += "&cursor=" + url.QueryEscape(cursor)
				}
				var out struct {
					Items []struct {
						Username   string `json:"username"`
						RegionCode string `json:"region_code"`
					} `json:"items"`
					Next *string `json:"next"`
				}
				a.Must(200, "GET", q, token, nil).JSON(t, &out)
				if len(out.Items) > 1 {
					t.Fatalf("limit=1 gave %d items", len(out.Items))
				}
				for _, u := range out.Items {
					names = append(names, u.Username)
				}
				if out.Next == nil {
					return names
				}
				if len(out.Items) == 0 {
					t.Fatal("an empty page with a next cursor")
				}
				cursor = *out.Next
			}
		}
		got := walk(prov)
		want := []string{"prov41", "pref4101", "county410102", "viewer41", "hotline41",
			"pref4102", "prov41b", "viewer410102", "county410103", "hotline410102"}
		if !slices.Equal(got, want) {
			t.Errorf("the province sees %v, want %v (its subtree, by id)", got, want)
		}
		got = walk(pref)
		want = []string{"pref4101", "county410102", "viewer410102", "county410103", "hotline410102"}
		if !slices.Equal(got, want) {
			t.Errorf("the prefecture sees %v, want %v", got, want)
		}
		all := walk(a.AdminToken)
		for _, u := range []string{"admin", "prov11", "county110101", "inspector", "prov41"} {
			if !slices.Contains(all, u) {
				t.Errorf("the admin does not see %s in %v", u, all)
			}
		}
		var out struct {
			Items []any   `json:"items"`
			Next  *string `json:"next"`
		}
		a.Must(200, "GET", "/api/v1/users", county, nil).JSON(t, &out)
		if len(out.Items) != 3 || out.Next != nil {
			t.Errorf("the county sees %d users (next %v), want 3 and no next page", len(out.Items), out.Next)
		}
	})

	t.Run("list403", func(t *testing.T) {
		checkProblem(t, "viewer lists users", a.Do("GET", "/api/v1/users", viewer, nil), 403)
	})

	t.Run("list422", func(t *testing.T) {
		checkProblem(t, "limit=0", a.Do("GET", "/api/v1/users?limit=0", prov, nil), 422)
		checkProblem(t, "limit=501", a.Do("GET", "/api/v1/users?limit=501", prov, nil), 422)
		checkProblem(t, "limit=x", a.Do("GET", "/api/v1/users?limit=x", prov, nil), 422)
		checkProblem(t, "garbage cursor", a.Do("GET", "/api/v1/users?cursor=%25%25%25", prov, nil), 422)
		checkProblem(t, "non-numeric cursor", a.Do("GET", "/api/v1/users?cursor=YWJj", prov, nil), 422)
	})

	t.Run("me200", func(t *testing.T) {
		var me struct {
			ID          int64    `json:"id"`
			Username    string   `json:"username"`
			Role        string   `json:"role"`
			RegionCode  string   `json:"region_code"`
			Level       string   `json:"level"`
			Permissions []string `json:"permissions"`
		}
		a.Must(200, "GET", "/api/v1/me", pref, nil).JSON(t, &me)
		if me.Username != "pref4101" || me.Role != "prefecture_officer" || me.RegionCode != "4101" || me.Level != "prefecture" || me.ID == 0 {
			t.Errorf("me = %+v", me)
		}
		for _, p := range []string{"users:create@subtree", "campaigns:read@lineage", "regions:read@any"} {
			if !slices.Contains(me.Permissions, p) {
				t.Errorf("permissions %v lack %s", me.Permissions, p)
			}
		}
		if slices.Contains(me.Permissions, "queues:admin@subtree") {
			t.Errorf("a prefecture officer may administer queues? %v", me.Permissions)
		}
		a.Must(200, "GET", "/api/v1/me", a.AdminToken, nil).JSON(t, &me)
		if me.Username != "admin" || me.Role != "national_admin" || me.RegionCode != "0" || me.Level != "nation" {
			t.Errorf("admin me = %+v", me)
		}
	})
}
