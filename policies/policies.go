// Package policies decides who may do what: a Casbin model and base policy,
// embedded, granting (object, action) pairs to roles with a region scope.
//
// Bindings of users to roles and regions stay in ducha's own tables; a
// decision takes the caller's role and home region from the authenticated
// user, so it does not grow with the number of users.
package policies

import (
	_ "embed"
	"fmt"
	"strings"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"
	fileadapter "github.com/casbin/casbin/v2/persist/file-adapter"

	"github.com/ducha/ducha/domain"
)

//go:embed model.conf
var modelConf string

//go:embed policy.csv
var policyCSV string

// Scopes a permission may carry.
const (
	ScopeAny     = "any"
	ScopeSubtree = "subtree"
	ScopeLineage = "lineage"
)

// Authorizer answers access questions. It is safe for concurrent use.
//
// Casbin evaluates the matcher against every policy line, so the policy is
// split by role into one enforcer each: a decision scans only the caller's
// role's dozen lines instead of all of them (the model and the rules are the
// same; only the scan is shorter).
type Authorizer struct {
	byRole map[domain.Role]*casbin.SyncedEnforcer
}

// New builds an Authorizer from the embedded model and policy.
func New() (*Authorizer, error) {
	rules, err := parsePolicy()
	if err != nil {
		return nil, err
	}
	a := &Authorizer{byRole: map[domain.Role]*casbin.SyncedEnforcer{}}
	for _, role := range domain.Roles {
		m, err := model.NewModelFromString(modelConf)
		if err != nil {
			return nil, fmt.Errorf("policies: model: %w", err)
		}
		e, err := casbin.NewSyncedEnforcer(m, fileadapter.NewAdapter(""))
		if err != nil {
			return nil, fmt.Errorf("policies: enforcer: %w", err)
		}
		e.AddFunction("inScope", inScopeFunc)
		var mine [][]string
		for _, r := range rules {
			if r[0] == string(role) {
				mine = append(mine, r)
			}
		}
		if len(mine) > 0 {
			if _, err := e.AddPolicies(mine); err != nil {
				return nil, fmt.Errorf("policies: %w", err)
			}
		}
		a.byRole[role] = e
	}
	return a, nil
}

// parsePolicy reads policy.csv into (role, object, action, scope) rules.
func parsePolicy() ([][]string, error) {
	var rules [][]string
	for n, line := range strings.Split(policyCSV, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, ",")
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		if len(f) != 5 || f[0] != "p" {
			return nil, fmt.Errorf("policies: policy.csv line %d: want p, role, object, action, scope", n+1)
		}
		if !domain.Role(f[1]).Valid() {
			return nil, fmt.Errorf("policies: policy.csv line %d: unknown role %q", n+1, f[1])
		}
		switch f[4] {
		case ScopeAny, ScopeSubtree, ScopeLineage:
		default:
			return nil, fmt.Errorf("policies: policy.csv line %d: unknown scope %q", n+1, f[4])
		}
		rules = append(rules, f[1:])
	}
	return rules, nil
}

func inScopeFunc(args ...any) (any, error) {
	if len(args) != 3 {
		return false, fmt.Errorf("inScope: want 3 arguments")
	}
	scope, _ := args[0].(string)
	home, _ := args[1].(string)
	target, _ := args[2].(string)
	return InScope(scope, home, target), nil
}

// InScope applies a permission's scope to a caller's home region and a
// target region.
func InScope(scope, home, target string) bool {
	switch scope {
	case ScopeAny:
		return true
	case ScopeSubtree:
		return domain.Within(target, home)
	case ScopeLineage:
		return domain.Within(target, home) || domain.Within(home, target)
	}
	return false
}

// Allowed reports whether role, sitting at home, may act on object in target.
func (a *Authorizer) Allowed(role domain.Role, object, action, home, target string) bool {
	e, known := a.byRole[role]
	if !known {
		return false
	}
	ok, err := e.Enforce(string(role), object, action, home, target)
	return err == nil && ok
}

// Check is Allowed that returns an EForbidden error naming what was refused.
func (a *Authorizer) Check(actor domain.Actor, object, action, target string) error {
	if a.Allowed(actor.Role, object, action, actor.RegionCode, target) {
		return nil
	}
	if target == "" || target == actor.RegionCode {
		return domain.Errorf(domain.EForbidden, "role %s may not %s %s", actor.Role, action, object)
	}
	return domain.Errorf(domain.EForbidden, "role %s in region %s may not %s %s of region %s",
		actor.Role, actor.RegionCode, action, object, target)
}

// Permission is an (object, action) pair.
type Permission struct{ Object, Action string }

// Grants lists the (object, action, scope) triples of a role, for /me and docs.
func (a *Authorizer) Grants(role domain.Role) [][3]string {
	e, known := a.byRole[role]
	if !known {
		return nil
	}
	rules, _ := e.GetFilteredPolicy(0, string(role))
	out := make([][3]string, 0, len(rules))
	for _, r := range rules {
		out = append(out, [3]string{r[1], r[2], r[3]})
	}
	return out
}
