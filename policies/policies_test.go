package policies_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/policies"
	"github.com/ducha/ducha/regions"
)

// seat is where a test user of a role sits, and the four kinds of target
// region each decision is tried on: its own region, a region below it, a
// region above it on its own branch, and a region of the same level in
// another province. "" marks a target that does not exist at that level
// (nothing is above the nation, nothing is below a village, nothing of the
// nation's level is foreign).
type seat struct {
	home, below, above, foreign string
}

// Henan (41) › Zhengzhou (4101) › Zhongyuan (410102) › a township › a
// village; the foreign targets are Beijing's (11 › 1101 › 110101 › …).
var seats = map[domain.Role]seat{
	domain.RoleNationalAdmin:       {"0", "41", "", ""},
	domain.RoleNationalInspector:   {"0", "41", "", ""},
	domain.RoleProvinceCoordinator: {"41", "4101", "0", "11"},
	domain.RolePrefectureOfficer:   {"4101", "410102", "41", "1101"},
	domain.RoleCountyOfficer:       {"410102", "410102001", "4101", "110101"},
	domain.RoleTownshipOfficer:     {"410102001", "410102001001", "410102", "110101001"},
	domain.RoleVillageOfficer:      {"410102001001", "", "410102001", "110101001001"},
	domain.RoleHotlineOperator:     {"41", "4101", "0", "11"},
	domain.RoleViewer:              {"410102", "410102001", "4101", "110101"},
}

// permissions lists every (object, action) of policy.csv; "me" is granted as
// "*" and asked for as "read", the way GET /me asks.
var permissions = []string{
	"me:read",
	"users:create", "users:read",
	"regions:read",
	"catalogue:read", "catalogue:write",
	"campaigns:read", "campaigns:create", "campaigns:transition",
	"batches:read", "batches:create", "batches:transition",
	"inspections:read", "inspections:review", "inspections:transition",
	"selfcheck:write",
	"rectification:write",
	"attachments:create", "attachments:read",
	"complaints:create", "complaints:read", "complaints:transition", "complaints:read_personal",
	"complaint_stats:read",
	"bulletins:read",
	"feedback:read",
	"audit:read",
	"workflows:read",
	"queues:admin",
	"webhooks:create", "webhooks:read", "webhooks:delete",
}

// expected is the access matrix, written out by hand rather than derived from
// the policy. Each value has one character per target of the role's seat, in
// the order own, below, above, foreign: A allowed, . denied, - no such target.
var expected = map[domain.Role]map[string]string{
	domain.RoleNationalAdmin: {
		"me:read":      "AA--",
		"users:create": "AA--", "users:read": "AA--",
		"regions:read":   "AA--",
		"catalogue:read": "AA--", "catalogue:write": "AA--",
		"campaigns:read": "AA--", "campaigns:create": "AA--", "campaigns:transition": "AA--",
		"batches:read": "AA--", "batches:create": "AA--", "batches:transition": "AA--",
		"inspections:read": "AA--", "inspections:review": "AA--", "inspections:transition": "AA--",
		"selfcheck:write":     "AA--",
		"rectification:write": "AA--",
		"attachments:create":  "AA--", "attachments:read": "AA--",
		"complaints:create": "AA--", "complaints:read": "AA--", "complaints:transition": "AA--", "complaints:read_personal": "AA--",
		"complaint_stats:read": "AA--",
		"bulletins:read":       "AA--",
		"feedback:read":        "AA--",
		"audit:read":           "AA--",
		"workflows:read":       "AA--",
		"queues:admin":         "AA--",
		"webhooks:create":      "AA--", "webhooks:read": "AA--", "webhooks:delete": "AA--",
	},
	domain.RoleNationalInspector: {
		"me:read":      "AA--",
		"users:create": "..--", "users:read": "..--",
		"regions:read":   "AA--",
		"catalogue:read": "AA--", "catalogue:write": "..--",
		"campaigns:read": "AA--", "campaigns:create": "..--", "campaigns:transition": "..--",
		"batches:read": "AA--", "batches:create": "..--", "batches:transition": "..--",
		"inspections:read": "AA--", "inspections:review": "AA--", "inspections:transition": "AA--",
		"selfcheck:write":     "..--",
		"rectification:write": "..--",
		"attachments:create":  "AA--", "attachments:read": "AA--",
		"complaints:create": "..--", "complaints:read": "AA--", "complaints:transition": "..--", "complaints:read_personal": "..--",
		"complaint_stats:read": "AA--",
		"bulletins:read":       "AA--",
		"feedback:read":        "AA--",
		"audit:read":           "AA--",
		"workflows:read":       "AA--",
		"queues:admin":         "..--",
		"webhooks:create":      "..--", "webhooks:read": "..--", "webhooks:delete": "..--",
	},
	domain.RoleProvinceCoordinator: {
		"me:read":      "AAAA",
		"users:create": "AA..", "users:read": "AA..",
		"regions:read":   "AAAA",
		"catalogue:read": "AAAA", "catalogue:write": "AA..",
		"campaigns:read": "AAA.", "campaigns:create": "AA..", "campaigns:transition": "AA..",
		"batches:read": "AAA.", "batches:create": "AA..", "batches:transition": "AA..",
		"inspections:read": "AAA.", "inspections:review": "AA..", "inspections:transition": "AA..",
		"selfcheck:write":     "AA..",
		"rectification:write": "AA..",
		"attachments:create":  "AAAA", "attachments:read": "AAA.",
		"complaints:create": "AA..", "complaints:read": "AA..", "complaints:transition": "AA..", "complaints:read_personal": "AA..",
		"complaint_stats:read": "AA..",
		"bulletins:read":       "AAAA",
		"feedback:read":        "AAA.",
		"audit:read":           "AA..",
		"workflows:read":       "AAAA",
		"queues:admin":         "....",
		"webhooks:create":      "AA..", "webhooks:read": "AA..", "webhooks:delete": "AA..",
	},
	domain.RolePrefectureOfficer: {
		"me:read":      "AAAA",
		"users:create": "AA..", "users:read": "AA..",
		"regions:read":   "AAAA",
		"catalogue:read": "AAAA", "catalogue:write": "AA..",
		"campaigns:read": "AAA.", "campaigns:create": "....", "campaigns:transition": "....",
		"batches:read": "AAA.", "batches:create": "....", "batches:transition": "....",
		"inspections:read": "AAA.", "inspections:review": "....", "inspections:transition": "AA..",
		"selfcheck:write":     "AA..",
		"rectification:write": "AA..",
		"attachments:create":  "AAAA", "attachments:read": "AAA.",
		"complaints:create": "AA..", "complaints:read": "AA..", "complaints:transition": "AA..", "complaints:read_personal": "AA..",
		"complaint_stats:read": "AA..",
		"bulletins:read":       "AAAA",
		"feedback:read":        "AAA.",
		"audit:read":           "AA..",
		"workflows:read":       "AAAA",
		"queues:admin":         "....",
		"webhooks:create":      "....", "webhooks:read": "....", "webhooks:delete": "....",
	},
	domain.RoleCountyOfficer: {
		"me:read":      "AAAA",
		"users:create": "AA..", "users:read": "AA..",
		"regions:read":   "AAAA",
		"catalogue:read": "AAAA", "catalogue:write": "....",
		"campaigns:read": "AAA.", "campaigns:create": "....", "campaigns:transition": "....",
		"batches:read": "AAA.", "batches:create": "....", "batches:transition": "....",
		"inspections:read": "AAA.", "inspections:review": "....", "inspections:transition": "AA..",
		"selfcheck:write":     "AA..",
		"rectification:write": "AA..",
		"attachments:create":  "AAAA", "attachments:read": "AAA.",
		"complaints:create": "AA..", "complaints:read": "AA..", "complaints:transition": "AA..", "complaints:read_personal": "AA..",
		"complaint_stats:read": "AA..",
		"bulletins:read":       "AAAA",
		"feedback:read":        "AAA.",
		"audit:read":           "....",
		"workflows:read":       "AAAA",
		"queues:admin":         "....",
		"webhooks:create":      "....", "webhooks:read": "....", "webhooks:delete": "....",
	},
	domain.RoleTownshipOfficer: {
		"me:read":      "AAAA",
		"users:create": "....", "users:read": "....",
		"regions:read":   "AAAA",
		"catalogue:read": "AAAA", "catalogue:write": "....",
		"campaigns:read": "AAA.", "campaigns:create": "....", "campaigns:transition": "....",
		"batches:read": "AAA.", "batches:create": "....", "batches:transition": "....",
		"inspections:read": "AAA.", "inspections:review": "....", "inspections:transition": "....",
		"selfcheck:write":     "AA..",
		"rectification:write": "....",
		"attachments:create":  "AAAA", "attachments:read": "AAA.",
		"complaints:create": "....", "complaints:read": "AA..", "complaints:transition": "AA..", "complaints:read_personal": "....",
		"complaint_stats:read": "....",
		"bulletins:read":       "AAAA",
		"feedback:read":        "....",
		"audit:read":           "....",
		"workflows:read":       "AAAA",
		"queues:admin":         "....",
		"webhooks:create":      "....", "webhooks:read": "....", "webhooks:delete": "....",
	},
	domain.RoleVillageOfficer: {
		"me:read":      "A-AA",
		"users:create": ".-..", "users:read": ".-..",
		"regions:read":   "A-AA",
		"catalogue:read": "A-AA", "catalogue:write": ".-..",
		"campaigns:read": "A-A.", "campaigns:create": ".-..", "campaigns:transition": ".-..",
		"batches:read": "A-A.", "batches:create": ".-..", "batches:transition": ".-..",
		"inspections:read": "A-A.", "inspections:review": ".-..", "inspections:transition": ".-..",
		"selfcheck:write":     "A-..",
		"rectification:write": ".-..",
		"attachments:create":  "A-AA", "attachments:read": "A-A.",
		"complaints:create": ".-..", "complaints:read": ".-..", "complaints:transition": ".-..", "complaints:read_personal": ".-..",
		"complaint_stats:read": ".-..",
		"bulletins:read":       "A-AA",
		"feedback:read":        ".-..",
		"audit:read":           ".-..",
		"workflows:read":       "A-AA",
		"queues:admin":         ".-..",
		"webhooks:create":      ".-..", "webhooks:read": ".-..", "webhooks:delete": ".-..",
	},
	domain.RoleHotlineOperator: {
		"me:read":      "AAAA",
		"users:create": "....", "users:read": "....",
		"regions:read":   "AAAA",
		"catalogue:read": "AAAA", "catalogue:write": "....",
		"campaigns:read": "....", "campaigns:create": "....", "campaigns:transition": "....",
		"batches:read": "....", "batches:create": "....", "batches:transition": "....",
		"inspections:read": "....", "inspections:review": "....", "inspections:transition": "....",
		"selfcheck:write":     "....",
		"rectification:write": "....",
		"attachments:create":  "....", "attachments:read": "....",
		"complaints:create": "AA..", "complaints:read": "AA..", "complaints:transition": "AA..", "complaints:read_personal": "AA..",
		"complaint_stats:read": "AA..",
		"bulletins:read":       "AAAA",
		"feedback:read":        "....",
		"audit:read":           "....",
		"workflows:read":       "AAAA",
		"queues:admin":         "....",
		"webhooks:create":      "....", "webhooks:read": "....", "webhooks:delete": "....",
	},
	domain.RoleViewer: {
		"me:read":      "AAAA",
		"users:create": "....", "users:read": "....",
		"regions:read":   "AAAA",
		"catalogue:read": "AAAA", "catalogue:write": "....",
		"campaigns:read": "AAA.", "campaigns:create": "....", "campaigns:transition": "....",
		"batches:read": "AAA.", "batches:create": "....", "batches:transition": "....",
		"inspections:read": "AAA.", "inspections:review": "....", "inspections:transition": "....",
		"selfcheck:write":     "....",
		"rectification:write": "....",
		"attachments:create":  "....", "attachments:read": "....",
		"complaints:create": "....", "complaints:read": "....", "complaints:transition": "....", "complaints:read_personal": "....",
		"complaint_stats:read": "AA..",
		"bulletins:read":       "AAAA",
		"feedback:read":        "AAA.",
		"audit:read":           "....",
		"workflows:read":       "AAAA",
		"queues:admin":         "....",
		"webhooks:create":      "....", "webhooks:read": "....", "webhooks:delete": "....",
	},
}

func newAuthorizer(t testing.TB) *policies.Authorizer {
	t.Helper()
	a, err := policies.New()
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestMatrix(t *testing.T) {
	a := newAuthorizer(t)
	for _, role := range domain.Roles {
		s, ok := seats[role]
		if !ok {
			t.Fatalf("no seat for role %s", role)
		}
		rows := expected[role]
		if len(rows) != len(permissions) {
			t.Fatalf("%s: %d rows in the matrix, want one per permission (%d)", role, len(rows), len(permissions))
		}
		targets := []struct{ name, code string }{{"own", s.home}, {"below", s.below}, {"above", s.above}, {"foreign", s.foreign}}
		for _, p := range permissions {
			want, ok := rows[p]
			if !ok || len(want) != len(targets) {
				t.Fatalf("%s %s: matrix row %q missing or malformed", role, p, want)
			}
			obj, act, _ := strings.Cut(p, ":")
			for i, tg := range targets {
				t.Run(fmt.Sprintf("%s/%s/%s", role, p, tg.name), func(t *testing.T) {
					if (tg.code == "") != (want[i] == '-') {
						t.Fatalf("target %q but expectation %q", tg.code, want[i])
					}
					if tg.code == "" {
						return
					}
					got := a.Allowed(role, obj, act, s.home, tg.code)
					if got != (want[i] == 'A') {
						t.Errorf("%s at %s: %s %s in %s: allowed=%v, want %v", role, s.home, act, obj, tg.code, got, !got)
					}
				})
			}
		}
	}
}

// TestMatrixCoversPolicy fails when policy.csv grants something the matrix
// above does not list, so that a new permission gets its expectations.
func TestMatrixCoversPolicy(t *testing.T) {
	a := newAuthorizer(t)
	for _, role := range domain.Roles {
		for _, g := range a.Grants(role) {
			obj, act := g[0], g[1]
			if obj == "*" {
				continue // the national admin's wildcard
			}
			if act == "*" {
				act = "read"
			}
			if !slices.Contains(permissions, obj+":"+act) {
				t.Errorf("%s is granted %s:%s (%s), which the matrix does not list", role, g[0], g[1], g[2])
			}
		}
	}
}

func TestDeniedWhatever(t *testing.T) {
	a := newAuthorizer(t)
	cases := []struct {
		name                         string
		role                         domain.Role
		object, action, home, target string
	}{
		{"unknown role", "mayor", "regions", "read", "41", "41"},
		{"empty role", "", "regions", "read", "41", "41"},
		{"unknown object", domain.RoleProvinceCoordinator, "secrets", "read", "41", "41"},
		{"unknown action", domain.RoleProvinceCoordinator, "campaigns", "delete", "41", "41"},
		{"empty target, subtree", domain.RoleProvinceCoordinator, "users", "read", "41", ""},
		{"empty target, lineage", domain.RoleProvinceCoordinator, "campaigns", "read", "41", ""},
		{"empty home, lineage", domain.RoleProvinceCoordinator, "campaigns", "read", "", "41"},
		{"malformed target below home", domain.RolePrefectureOfficer, "users", "read", "4101", "41010"},
		{"admin on a malformed target", domain.RoleNationalAdmin, "users", "create", "0", "41x"},
		{"admin with an empty home", domain.RoleNationalAdmin, "users", "create", "", "41"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if a.Allowed(c.role, c.object, c.action, c.home, c.target) {
				t.Errorf("allowed, want denied")
			}
		})
	}
}

func TestCheck(t *testing.T) {
	a := newAuthorizer(t)
	county := domain.Actor{UserID: 7, Username: "c", Role: domain.RoleCountyOfficer, RegionCode: "410102"}
	if err := a.Check(county, "users", "create", "410102001"); err != nil {
		t.Errorf("county creating below itself: %v", err)
	}
	err := a.Check(county, "users", "create", "4101")
	if domain.ErrorCode(err) != domain.EForbidden {
		t.Fatalf("county creating above itself: %v, want forbidden", err)
	}
	if !strings.Contains(err.Error(), "4101") {
		t.Errorf("the refusal should name the target region: %v", err)
	}
	if err := a.Check(county, "audit", "read", ""); domain.ErrorCode(err) != domain.EForbidden {
		t.Errorf("county reading audit: %v, want forbidden", err)
	}
}

func TestInScope(t *testing.T) {
	cases := []struct {
		scope, home, target string
		want                bool
	}{
		// any: the target may be anywhere, even nowhere in particular.
		{"any", "41", "41", true},
		{"any", "41", "11", true},
		{"any", "410102001001", "0", true},
		{"any", "41", "", true},

		// subtree: own region and below.
		{"subtree", "0", "0", true},
		{"subtree", "0", "41", true},
		{"subtree", "0", "110101001001", true},
		{"subtree", "41", "41", true},
		{"subtree", "41", "4101", true},
		{"subtree", "41", "410102001001", true},
		{"subtree", "41", "0", false},
		{"subtree", "41", "11", false},
		{"subtree", "41", "1141", false},
		{"subtree", "4101", "4102", false},
		{"subtree", "4101", "41", false},
		{"subtree", "410102", "410103", false},
		{"subtree", "410102001", "410102002001", false},
		{"subtree", "410102001001", "410102001001", true},
		{"subtree", "410102001001", "410102001002", false},
		// malformed or missing codes are within nothing
		{"subtree", "0", "", false},
		{"subtree", "0", "x", false},
		{"subtree", "0", "123", false},
		{"subtree", "41", "", false},
		{"subtree", "41", "410", false},
		{"subtree", "4101", "41019", false},
		{"subtree", "41", "41ab", false},
		{"subtree", "", "41", false},
		{"subtree", "", "", false},
		{"subtree", "4", "41", false},

		// lineage: own subtree, or above on the own branch.
		{"lineage", "410102", "410102", true},
		{"lineage", "410102", "410102001", true},
		{"lineage", "410102", "4101", true},
		{"lineage", "410102", "41", true},
		{"lineage", "410102", "0", true},
		{"lineage", "410102", "410103", false},
		{"lineage", "410102", "4102", false},
		{"lineage", "410102", "11", false},
		{"lineage", "410102", "110101", false},
		{"lineage", "0", "41", true},
		{"lineage", "410102", "", false},
		{"lineage", "", "41", false},
		{"lineage", "410102", "410", false},

		// an unknown scope allows nothing
		{"", "41", "41", false},
		{"everything", "41", "41", false},
		{"Subtree", "41", "41", false},
	}
	for _, c := range cases {
		if got := policies.InScope(c.scope, c.home, c.target); got != c.want {
			t.Errorf("InScope(%q, home %q, target %q) = %v, want %v", c.scope, c.home, c.target, got, c.want)
		}
	}
}

// population is synthetic users over the whole tree: real provinces,
// prefectures and counties, three made-up townships per county and two
// made-up villages per township, each seat holding every role allowed at its
// level in turn.
type synthUser struct {
	role domain.Role
	home string
}

func population(tb testing.TB, n int) (users []synthUser, codes []string) {
	tb.Helper()
	base, err := regions.Base()
	if err != nil {
		tb.Fatal(err)
	}
	for _, r := range base {
		codes = append(codes, r.Code)
		if r.Level == domain.LevelCounty {
			for t := 1; t <= 3; t++ {
				town := fmt.Sprintf("%s%03d", r.Code, t)
				codes = append(codes, town)
				for v := 1; v <= 2; v++ {
					codes = append(codes, fmt.Sprintf("%s%03d", town, v))
				}
			}
		}
	}
	byLevel := map[domain.Level][]domain.Role{}
	for _, role := range domain.Roles {
		for _, lv := range role.Levels() {
			byLevel[lv] = append(byLevel[lv], role)
		}
	}
	seen := map[domain.Role]bool{}
	next := map[domain.Level]int{}
	for i := 0; len(users) < n; i++ {
		home := codes[(i*7919)%len(codes)] // a prime stride visits every code
		lv, _ := domain.LevelOfCode(home)
		roles := byLevel[lv]
		role := roles[next[lv]%len(roles)]
		next[lv]++
		seen[role] = true
		users = append(users, synthUser{role: role, home: home})
	}
	if len(seen) != len(domain.Roles) {
		tb.Fatalf("population holds %d of %d roles", len(seen), len(domain.Roles))
	}
	return users, codes
}

// BenchmarkDecision100kUsers decides one request per iteration for the next
// of 100,000 users, on a target region that is its own, above, below or
// elsewhere. The cost must not depend on the number of users: bindings are
// not in the policy.
func BenchmarkDecision100kUsers(b *testing.B) {
	a := newAuthorizer(b)
	users, codes := population(b, 100_000)
	type req struct{ obj, act string }
	reqs := make([]req, len(permissions))
	for i, p := range permissions {
		obj, act, _ := strings.Cut(p, ":")
		reqs[i] = req{obj, act}
	}
	allowed, i := 0, 0
	b.ReportAllocs()
	for ; b.Loop(); i++ {
		u := users[i%len(users)]
		r := reqs[i%len(reqs)]
		var target string
		switch i % 4 {
		case 0:
			target = u.home
		case 1:
			target = domain.ParentCode(u.home)
			if target == "" {
				target = u.home
			}
		default:
			target = codes[(i*104729)%len(codes)]
		}
		if a.Allowed(u.role, r.obj, r.act, u.home, target) {
			allowed++
		}
	}
	b.ReportMetric(float64(allowed)/float64(i), "allowed/op")
}
