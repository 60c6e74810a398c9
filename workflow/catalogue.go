package workflow

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/policies"
	"github.com/ducha/ducha/store"
)

// Catalogue manages the indicator sets (DOMAIN.md §3): the notice's two
// national sets, seeded by a migration, and the sets that regions derive
// from a published set (part 二 of the notice) — a draft copy in which the
// region sets targets and weights, rewords, adds local indicators and
// removes some of the parent's, until it publishes it. A published set never
// changes; a new version is a new derivation with a new id, so that
// whatever pins a set by id (a campaign) keeps exactly what it pinned.
//
// Visibility: every published set is visible to every role; a draft only
// within its region's lineage (the region's subtree and its ancestors).
// Anything else answers ENotFound, as if it did not exist.
//
// The piling-on rule (不得层层加码): no measure of a set may have a target
// stricter than one set higher up its chain of parents — higher for
// higher-is-better, lower for lower-is-better. Only parents of a higher
// region constrain: a region re-deriving from its own earlier set is
// revising its own targets, not piling on another level's. A measure that
// has no target higher up is not constrained. Publish enforces the rule, and
// CheckTargets applies it to a campaign's targets.
type Catalogue struct{ Deps }

// Audit entity of every change to a set.
const auditIndicatorSet = "indicator_set"

// visible reports whether actor may see set s at all.
func visible(actor domain.Actor, s domain.IndicatorSet) bool {
	return s.Status == domain.SetPublished || policies.InScope(policies.ScopeLineage, actor.RegionCode, s.RegionCode)
}

func setNotFound(id int64) error {
	return domain.Errorf(domain.ENotFound, "indicator set %d not found", id)
}

// Get returns a set whole: indicators with their measures and targets in
// order, and the parent's indicators it removed.
func (c *Catalogue) Get(ctx context.Context, actor domain.Actor, id int64) (domain.IndicatorSet, error) {
	s, err := c.Store.Read(ctx).IndicatorSet(id)
	if err != nil {
		return domain.IndicatorSet{}, err
	}
	if !visible(actor, s) {
		return domain.IndicatorSet{}, setNotFound(id)
	}
	if err := c.Authz.Check(actor, "catalogue", "read", s.RegionCode); err != nil {
		return domain.IndicatorSet{}, err
	}
	return s, nil
}

// SetFilter selects sets in List; empty fields match everything.
type SetFilter struct {
	Kind       domain.SetKind
	Status     domain.SetStatus
	RegionCode string
	ParentID   int64
}

// List lists the sets the actor may see, by id, without their indicators.
func (c *Catalogue) List(ctx context.Context, actor domain.Actor, f SetFilter, p Page) (Paged[domain.IndicatorSet], error) {
	var v domain.Validation
	if f.Kind != "" && !f.Kind.Valid() {
		v.AddValue("query.kind", f.Kind, "must be inflow or outflow")
	}
	if f.Status != "" && f.Status != domain.SetDraft && f.Status != domain.SetPublished {
		v.AddValue("query.status", f.Status, "must be draft or published")
	}
	if err := checkRegionFilter(c.Store.Read(ctx), &v, f.RegionCode); err != nil {
		return Paged[domain.IndicatorSet]{}, err
	}
	if f.ParentID < 0 {
		v.AddValue("query.parent_id", f.ParentID, "must be a set id")
	}
	if err := v.Err(); err != nil {
		return Paged[domain.IndicatorSet]{}, err
	}
	if err := c.Authz.Check(actor, "catalogue", "read", actor.RegionCode); err != nil {
		return Paged[domain.IndicatorSet]{}, err
	}
	after, err := DecodeIDCursor(p.Cursor)
	if err != nil {
		return Paged[domain.IndicatorSet]{}, err
	}
	n := p.Size()
	sets, err := c.Store.Read(ctx).ListIndicatorSets(store.IndicatorSetFilter{Kind: f.Kind, Status: f.Status,
		RegionCode: f.RegionCode, ParentID: f.ParentID, VisibleTo: actor.RegionCode}, after, n+1)
	if err != nil {
		return Paged[domain.IndicatorSet]{}, err
	}
	return page(sets, n, func(x domain.IndicatorSet) int64 { return x.ID }), nil
}

// Derivation asks for a draft copy of a published set for a region.
type Derivation struct {
	ParentID   int64
	RegionCode string
	Name       string
}

// checkDerivation validates a derivation's own fields; loc names a field.
func (c *Catalogue) checkDerivation(ctx context.Context, v *domain.Validation, d *Derivation, loc func(string) string) error {
	d.Name = strings.TrimSpace(d.Name)
	if d.ParentID <= 0 {
		v.AddValue(loc("parent_id"), d.ParentID, "must be the id of a published indicator set")
	}
	checkText(v, loc("name"), d.Name, 255, true)
	if _, ok := domain.LevelOfCode(d.RegionCode); !ok {
		v.AddValue(loc("region_code"), d.RegionCode, "not a region code")
	} else if _, err := c.Store.Read(ctx).Region(d.RegionCode); err != nil {
		if domain.ErrorCode(err) != domain.ENotFound {
			return err
		}
		v.AddValue(loc("region_code"), d.RegionCode, "no such region")
	}
	return nil
}

// parentFor returns the published set to derive from, or adds what is
// wrong with it to v (a set the actor cannot see reads as missing).
func parentFor(tx *store.Tx, actor domain.Actor, v *domain.Validation, d Derivation, loc func(string) string) (domain.IndicatorSet, bool, error) {
	parent, err := tx.IndicatorSet(d.ParentID)
	if err != nil && domain.ErrorCode(err) != domain.ENotFound {
		return parent, false, err
	}
	switch {
	case err != nil || !visible(actor, parent):
		v.AddValue(loc("parent_id"), d.ParentID, "no such indicator set")
		return parent, false, nil
	case parent.Status != domain.SetPublished:
		v.AddValue(loc("parent_id"), d.ParentID, "set %s is a draft; only a published set can be derived from", parent.Code)
		return parent, false, nil
	case !domain.Within(d.RegionCode, parent.RegionCode):
		v.AddValue(loc("region_code"), d.RegionCode, "must lie within the region of the parent set %s (%s)", parent.Code, parent.RegionCode)
		return parent, false, nil
	}
	return parent, true, nil
}

// Derive makes a draft copy of a published set for a region within the
// parent's region, which the actor may write to. The draft's code is its
// region, its kind and a number: 44-INFLOW-1.
func (c *Catalogue) Derive(ctx context.Context, actor domain.Actor, d Derivation) (domain.IndicatorSet, error) {
	body := func(f string) string { return "body." + f }
	var v domain.Validation
	if err := c.checkDerivation(ctx, &v, &d, body); err != nil {
		return domain.IndicatorSet{}, err
	}
	if err := v.Err(); err != nil {
		return domain.IndicatorSet{}, err
	}
	if err := c.Authz.Check(actor, "catalogue", "write", d.RegionCode); err != nil {
		return domain.IndicatorSet{}, err
	}
	now := c.now()
	var out domain.IndicatorSet
	err := c.Store.Tx(ctx, func(tx *store.Tx) error {
		parent, ok, err := parentFor(tx, actor, &v, d, body)
		if err != nil || !ok {
			return firstErr(err, v)
		}
		draft := newDraft(parent, d, now)
		draft.Indicators = parent.Indicators
		out, err = c.create(ctx, tx, actor, draft, now, "derive", map[string]any{"parent_id": parent.ID,
			"parent_code": parent.Code})
		return err
	})
	return out, err
}

// firstErr returns err, or else v's error.
func firstErr(err error, v domain.Validation) error {
	if err != nil {
		return err
	}
	return v.Err()
}

func newDraft(parent domain.IndicatorSet, d Derivation, now time.Time) domain.IndicatorSet {
	pid := parent.ID
	return domain.IndicatorSet{Kind: parent.Kind, Name: d.Name, RegionCode: d.RegionCode, ParentID: &pid,
		Status: domain.SetDraft, Version: 1, CreatedAt: now}
}

// create numbers and stores a new draft, audits it and returns it as stored.
func (c *Catalogue) create(ctx context.Context, tx *store.Tx, actor domain.Actor, s domain.IndicatorSet, now time.Time,
	event string, detail map[string]any) (domain.IndicatorSet, error) {
	n, err := tx.CountIndicatorSets(s.RegionCode, s.Kind)
	if err != nil {
		return domain.IndicatorSet{}, err
	}
	s.Code = fmt.Sprintf("%s-%s-%d", s.RegionCode, strings.ToUpper(string(s.Kind)), n+1)
	id, err := tx.CreateIndicatorSet(s, actor.UserID, now)
	if err != nil {
		if domain.ErrorCode(err) == domain.EConflict {
			return domain.IndicatorSet{}, domain.Errorf(domain.EConflict, "another set was derived for region %s at the same time; try again", s.RegionCode)
		}
		return domain.IndicatorSet{}, err
	}
	detail["code"], detail["name"] = s.Code, s.Name
	if err := audit(ctx, tx, actor, now, store.AuditEntry{Entity: auditIndicatorSet, EntityID: strconv.FormatInt(id, 10),
		RegionCode: s.RegionCode, Event: event, ToState: string(domain.SetDraft), Detail: detail}); err != nil {
		return domain.IndicatorSet{}, err
	}
	return tx.IndicatorSet(id)
}

// draft locks set id for a change and returns it whole, once it is sure
// that the actor may see and change it, that it is a draft, and that it is
// at version ifVersion (0: any version).
func (c *Catalogue) draft(tx *store.Tx, actor domain.Actor, id int64, ifVersion int) (domain.IndicatorSet, error) {
	h, err := tx.LockIndicatorSet(id)
	if err != nil {
		return domain.IndicatorSet{}, err
	}
	if !visible(actor, h) {
		return domain.IndicatorSet{}, setNotFound(id)
	}
	if err := c.Authz.Check(actor, "catalogue", "write", h.RegionCode); err != nil {
		return domain.IndicatorSet{}, err
	}
	if h.Status != domain.SetDraft {
		return domain.IndicatorSet{}, domain.Errorf(domain.EConflict,
			"indicator set %s is published and never changes; derive a new set from it", h.Code)
	}
	if ifVersion != 0 && h.Version != ifVersion {
		return domain.IndicatorSet{}, domain.Errorf(domain.EPreconditionFailed,
			"indicator set %s is at version %d, not %d; read it again", h.Code, h.Version, ifVersion)
	}
	return tx.IndicatorSet(id)
}

// IndicatorChange edits one indicator of a draft; nil fields stay as they
// are. A nil target clears that measure's target.
type IndicatorChange struct {
	Targets     map[string]*float64
	Weight      *float64
	Name        *string
	Explanation *string
}

// UpdateIndicator changes targets, weight, name or explanation of one
// indicator of a draft. Targets may be piled on here (a draft is work in
// progress); Publish refuses them.
func (c *Catalogue) UpdateIndicator(ctx context.Context, actor domain.Actor, setID int64, code string, ch IndicatorChange, ifVersion int) (domain.IndicatorSet, error) {
	var v domain.Validation
	if ch.Targets == nil && ch.Weight == nil && ch.Name == nil && ch.Explanation == nil {
		v.Add("body", "nothing to change: send targets, weight, name or explanation")
	}
	for _, mc := range sortedKeys(ch.Targets) {
		if t := ch.Targets[mc]; t != nil {
			checkTarget(&v, "body.targets."+mc, *t)
		}
	}
	if ch.Weight != nil {
		checkWeight(&v, "body.weight", *ch.Weight)
	}
	if ch.Name != nil {
		*ch.Name = strings.TrimSpace(*ch.Name)
		checkText(&v, "body.name", *ch.Name, 255, true)
	}
	if ch.Explanation != nil {
		*ch.Explanation = strings.TrimSpace(*ch.Explanation)
		checkText(&v, "body.explanation", *ch.Explanation, 4000, true)
	}
	if err := v.Err(); err != nil {
		return domain.IndicatorSet{}, err
	}
	now := c.now()
	var out domain.IndicatorSet
	err := c.Store.Tx(ctx, func(tx *store.Tx) error {
		s, in, err := c.draftIndicator(tx, actor, setID, code, ifVersion)
		if err != nil {
			return err
		}
		before := map[string]any{}
		after := map[string]any{}
		for _, mc := range sortedKeys(ch.Targets) {
			i := slices.IndexFunc(in.Measures, func(m domain.Measure) bool { return m.Code == mc })
			if i < 0 {
				v.AddValue("body.targets."+mc, mc, "not a measure of indicator %s; its measures are %s", code, measureCodes(in))
				continue
			}
			before["targets."+mc], after["targets."+mc] = in.Measures[i].Target, ch.Targets[mc]
		}
		if err := v.Err(); err != nil {
			return err
		}
		if err := tx.TouchDraft(setID, s.Version, now); err != nil {
			return err
		}
		if err := tx.UpdateSetIndicator(setID, code, store.IndicatorUpdate{Name: ch.Name, Explanation: ch.Explanation,
			Weight: ch.Weight}); err != nil {
			return err
		}
		for _, mc := range sortedKeys(ch.Targets) {
			if err := tx.SetMeasureTarget(setID, mc, ch.Targets[mc]); err != nil {
				return err
			}
		}
		if ch.Weight != nil {
			before["weight"], after["weight"] = in.Weight, *ch.Weight
		}
		if ch.Name != nil {
			before["name"], after["name"] = in.Name, *ch.Name
		}
		if ch.Explanation != nil {
			before["explanation"], after["explanation"] = in.Explanation, *ch.Explanation
		}
		if err := c.auditChange(ctx, tx, actor, s, now, "update_indicator", "", map[string]any{"indicator": code,
			"before": before, "after": after}); err != nil {
			return err
		}
		out, err = tx.IndicatorSet(setID)
		return err
	})
	return out, err
}

func (c *Catalogue) auditChange(ctx context.Context, tx *store.Tx, actor domain.Actor, s domain.IndicatorSet, now time.Time,
	event, reason string, detail map[string]any) error {
	detail["version"] = s.Version + 1
	return audit(ctx, tx, actor, now, store.AuditEntry{Entity: auditIndicatorSet, EntityID: strconv.FormatInt(s.ID, 10),
		RegionCode: s.RegionCode, Event: event, Reason: reason, Detail: detail})
}

func measureCodes(in domain.Indicator) string {
	if len(in.Measures) == 0 {
		return "none (it is qualitative)"
	}
	var cs []string
	for _, m := range in.Measures {
		cs = append(cs, m.Code)
	}
	return strings.Join(cs, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// AddIndicator adds a local indicator to a draft, after the last indicator
// of its category. Its code is the set's region code, "-L" and a number
// (44-L01, 4401-L02); a quantitative (performance) indicator has measures
// coded by the indicator's code plus a, b, … (44-L01a).
func (c *Catalogue) AddIndicator(ctx context.Context, actor domain.Actor, setID int64, in domain.Indicator, ifVersion int) (domain.IndicatorSet, error) {
	now := c.now()
	var out domain.IndicatorSet
	err := c.Store.Tx(ctx, func(tx *store.Tx) error {
		s, err := c.draft(tx, actor, setID, ifVersion)
		if err != nil {
			return err
		}
		var v domain.Validation
		checkLocal(&v, bodyLocator("body."), s.RegionCode, &in)
		if err := v.Err(); err != nil {
			return err
		}
		if _, ok := s.Indicator(in.Code); ok || slices.ContainsFunc(s.Removed, func(r domain.RemovedIndicator) bool { return r.Code == in.Code }) {
			return domain.Errorf(domain.EConflict, "indicator set %s already has an indicator %s", s.Code, in.Code)
		}
		in.Local = true
		in.Position = insertPosition(s.Indicators, in.Category)
		if err := tx.TouchDraft(setID, s.Version, now); err != nil {
			return err
		}
		if err := tx.AddSetIndicator(setID, in); err != nil {
			return err
		}
		if err := c.auditChange(ctx, tx, actor, s, now, "add_indicator", "", map[string]any{"indicator": in.Code,
			"name": in.Name, "category": in.Category}); err != nil {
			return err
		}
		out, err = tx.IndicatorSet(setID)
		return err
	})
	return out, err
}

// insertPosition is the position after the last indicator of category cat,
// or where cat's place in the notice's order of categories is.
func insertPosition(ins []domain.Indicator, cat domain.Category) int {
	rank := slices.Index(domain.Categories, cat)
	pos := 1
	for _, in := range ins {
		if slices.Index(domain.Categories, in.Category) <= rank {
			pos = in.Position + 1
		}
	}
	return pos
}

// RemoveIndicator drops an indicator from a draft for a reason, which is
// kept on record: one of the parent's is listed among the set's removed
// indicators; a local one the draft added itself is simply deleted.
func (c *Catalogue) RemoveIndicator(ctx context.Context, actor domain.Actor, setID int64, code, reason string, ifVersion int) (domain.IndicatorSet, error) {
	reason = strings.TrimSpace(reason)
	var v domain.Validation
	checkText(&v, "body.reason", reason, 1000, true)
	if err := v.Err(); err != nil {
		return domain.IndicatorSet{}, err
	}
	now := c.now()
	var out domain.IndicatorSet
	err := c.Store.Tx(ctx, func(tx *store.Tx) error {
		s, in, err := c.draftIndicator(tx, actor, setID, code, ifVersion)
		if err != nil {
			return err
		}
		parent, err := tx.IndicatorSet(*s.ParentID)
		if err != nil {
			return err
		}
		_, inherited := parent.Indicator(code)
		if err := tx.TouchDraft(setID, s.Version, now); err != nil {
			return err
		}
		if inherited {
			err = tx.RemoveSetIndicator(setID, code, reason, actor.UserID, now)
		} else {
			err = tx.DeleteSetIndicator(setID, code)
		}
		if err != nil {
			return err
		}
		if err := c.auditChange(ctx, tx, actor, s, now, "remove_indicator", reason, map[string]any{"indicator": code,
			"name": in.Name, "inherited": inherited}); err != nil {
			return err
		}
		out, err = tx.IndicatorSet(setID)
		return err
	})
	return out, err
}

// Violation is a target piled on: stricter than one set higher up.
type Violation struct {
	Indicator      string           `json:"indicator"`
	Measure        string           `json:"measure"`
	Target         float64          `json:"target"`
	ParentTarget   float64          `json:"parent_target"`
	ParentSetID    int64            `json:"parent_set_id"`
	ParentSetCode  string           `json:"parent_set_code"`
	ParentRegion   string           `json:"parent_region_code"`
	Direction      domain.Direction `json:"direction"`
	indicatorIndex int
}

// limit is the loosest target a measure may have, and the set that sets it.
type limit struct {
	target float64
	set    domain.IndicatorSet
}

// limits returns, per measure of s, the binding limit of the chain: the
// least strict target among s's parents of a higher region (and s itself
// when self), since a target may be stricter than none of them.
func limits(tx *store.Tx, s domain.IndicatorSet, self bool) (map[string]limit, error) {
	dirs := map[string]domain.Direction{}
	for code, m := range s.Measures() {
		dirs[code] = m.Direction
	}
	out := map[string]limit{}
	consider := func(a domain.IndicatorSet) {
		for _, in := range a.Indicators {
			for _, m := range in.Measures {
				d, ok := dirs[m.Code]
				if !ok || m.Target == nil {
					continue
				}
				if cur, has := out[m.Code]; !has || d.Stricter(cur.target, *m.Target) {
					out[m.Code] = limit{target: *m.Target, set: a}
				}
			}
		}
	}
	if self {
		consider(s)
	}
	seen := map[int64]bool{s.ID: true}
	for p := s.ParentID; p != nil; {
		if seen[*p] {
			return nil, fmt.Errorf("catalogue: indicator set %d is its own ancestor", *p)
		}
		seen[*p] = true
		a, err := tx.IndicatorSet(*p)
		if err != nil {
			return nil, err
		}
		if a.RegionCode != s.RegionCode {
			consider(a)
		}
		p = a.ParentID
	}
	return out, nil
}

// violations lists the measures of s whose targets are piled on.
func violations(tx *store.Tx, s domain.IndicatorSet) ([]Violation, error) {
	lims, err := limits(tx, s, false)
	if err != nil {
		return nil, err
	}
	var out []Violation
	for i, in := range s.Indicators {
		for _, m := range in.Measures {
			l, ok := lims[m.Code]
			if !ok || m.Target == nil || !m.Direction.Stricter(*m.Target, l.target) {
				continue
			}
			out = append(out, Violation{Indicator: in.Code, Measure: m.Code, Target: *m.Target, ParentTarget: l.target,
				ParentSetID: l.set.ID, ParentSetCode: l.set.Code, ParentRegion: l.set.RegionCode, Direction: m.Direction,
				indicatorIndex: i})
		}
	}
	return out, nil
}

func (vi Violation) message() string {
	bound := "at most"
	if vi.Direction == domain.LowerIsBetter {
		bound = "at least"
	}
	return fmt.Sprintf("target %s is stricter than %s set by %s (region %s): %s, so it may be %s %s (不得层层加码)",
		num(vi.Target), num(vi.ParentTarget), vi.ParentSetCode, vi.ParentRegion,
		strings.ReplaceAll(string(vi.Direction), "_", " "), bound, num(vi.ParentTarget))
}

func num(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

func pilingError(vs []Violation, loc func(Violation) string) error {
	e := &domain.Error{Code: domain.EInvalid,
		Message: fmt.Sprintf("%d target(s) are stricter than a set higher up allows (不得层层加码)", len(vs)),
		Extra:   map[string]any{"violations": vs}}
	for _, vi := range vs {
		e.Fields = append(e.Fields, domain.FieldError{Location: loc(vi), Message: vi.message(), Value: vi.Target})
	}
	return e
}

// Publish makes a draft a published set, which never changes again. It
// refuses (EInvalid) a set with no indicators, and a set in which any
// measure's target is stricter than a set higher up its chain allows,
// naming every such measure with both targets.
func (c *Catalogue) Publish(ctx context.Context, actor domain.Actor, setID int64, ifVersion int) (domain.IndicatorSet, error) {
	now := c.now()
	var out domain.IndicatorSet
	err := c.Store.Tx(ctx, func(tx *store.Tx) error {
		s, err := c.draft(tx, actor, setID, ifVersion)
		if err != nil {
			return err
		}
		if len(s.Indicators) == 0 {
			var v domain.Validation
			v.Add("indicators", "a set needs at least one indicator")
			return v.Err()
		}
		vs, err := violations(tx, s)
		if err != nil {
			return err
		}
		if len(vs) > 0 {
			return pilingError(vs, func(vi Violation) string {
				return fmt.Sprintf("indicators.%s.targets.%s", vi.Indicator, vi.Measure)
			})
		}
		if err := tx.PublishIndicatorSet(setID, s.Version, now); err != nil {
			return err
		}
		if err := audit(ctx, tx, actor, now, store.AuditEntry{Entity: auditIndicatorSet, EntityID: strconv.FormatInt(setID, 10),
			RegionCode: s.RegionCode, Event: "publish", FromState: string(domain.SetDraft), ToState: string(domain.SetPublished),
			Detail: map[string]any{"code": s.Code, "version": s.Version + 1}}); err != nil {
			return err
		}
		out, err = tx.IndicatorSet(setID)
		return err
	})
	return out, err
}

// CheckTargets checks a campaign's targets against the set it pins, inside
// the caller's transaction: each code must be a measure of the set, each
// target a percentage from 0 to 100 that is not stricter than the set's own
// target nor than any set higher up its chain (the piling-on rule). It
// returns one EInvalid error naming every offending measure at
// "body.targets.<code>", with the violations (both targets) under
// "violations". It does not look at the set's status: pinning a draft is the
// caller's to refuse.
func (c *Catalogue) CheckTargets(ctx context.Context, tx *store.Tx, setID int64, targets map[string]float64) error {
	s, err := tx.IndicatorSet(setID)
	if err != nil {
		return err
	}
	lims, err := limits(tx, s, true)
	if err != nil {
		return err
	}
	ms := s.Measures()
	var v domain.Validation
	var vs []Violation
	for _, code := range sortedKeys(targets) {
		t := targets[code]
		loc := "body.targets." + code
		m, ok := ms[code]
		if !ok {
			v.AddValue(loc, code, "not a measure of indicator set %s", s.Code)
			continue
		}
		if !checkTarget(&v, loc, t) {
			continue
		}
		if l, ok := lims[code]; ok && m.Direction.Stricter(t, l.target) {
			vs = append(vs, Violation{Indicator: indicatorOf(s, code), Measure: code, Target: t, ParentTarget: l.target,
				ParentSetID: l.set.ID, ParentSetCode: l.set.Code, ParentRegion: l.set.RegionCode, Direction: m.Direction})
		}
	}
	if len(vs) > 0 {
		e := pilingError(vs, func(vi Violation) string { return "body.targets." + vi.Measure }).(*domain.Error)
		if other := v.Err(); other != nil {
			e.Fields = append(other.(*domain.Error).Fields, e.Fields...)
		}
		return e
	}
	return v.Err()
}

func indicatorOf(s domain.IndicatorSet, measure string) string {
	for _, in := range s.Indicators {
		for _, m := range in.Measures {
			if m.Code == measure {
				return in.Code
			}
		}
	}
	return ""
}

// --- field checks shared by the API's bodies and imported sheets ---

func checkText(v *domain.Validation, loc, s string, max int, required bool) bool {
	switch n := utf8.RuneCountInString(s); {
	case required && n == 0:
		v.Add(loc, "required")
	case n > max:
		v.Add(loc, "at most %d characters", max)
	case !utf8.ValidString(s):
		v.Add(loc, "not valid UTF-8")
	default:
		return true
	}
	return false
}

func checkTarget(v *domain.Validation, loc string, t float64) bool {
	if math.IsNaN(t) || t < 0 || t > 100 {
		v.AddValue(loc, t, "a target is a percentage from 0 to 100")
		return false
	}
	return true
}

func checkWeight(v *domain.Validation, loc string, w float64) bool {
	if math.IsNaN(w) || w <= 0 || w > 100 {
		v.AddValue(loc, w, "a weight is a number above 0 and at most 100")
		return false
	}
	return true
}

// locator names the field of an indicator (measure -1) or of its measure
// number `measure` in an error.
type locator func(field string, measure int) string

func bodyLocator(prefix string) locator {
	return func(field string, measure int) string {
		if measure < 0 {
			return prefix + field
		}
		return fmt.Sprintf("%smeasures[%d].%s", prefix, measure, field)
	}
}

// LocalCodePattern is the form of a local indicator's code, %s being the
// set's region code.
const LocalCodePattern = `^%s-L[0-9]{2,3}$`

// checkLocal validates a local indicator for a set of region `region`,
// filling defaults: measure codes, a single measure's name, a quantitative
// indicator's explanation (its formulas), weight 1, higher-is-better.
func checkLocal(v *domain.Validation, loc locator, region string, in *domain.Indicator) {
	for _, p := range []*string{&in.Code, &in.Item, &in.ItemEN, &in.Name, &in.NameEN, &in.Explanation, &in.Level.Text} {
		*p = strings.TrimSpace(*p)
	}
	if !regexp.MustCompile(fmt.Sprintf(LocalCodePattern, regexp.QuoteMeta(region))).MatchString(in.Code) {
		v.AddValue(loc("code", -1), in.Code, "a local indicator's code is the set's region code, -L and a number: %s-L01", region)
	}
	if !in.Category.Valid() {
		v.AddValue(loc("category", -1), in.Category, "must be guarantee, management, service, performance or incentive")
	}
	checkText(v, loc("item", -1), in.Item, 255, true)
	checkText(v, loc("item_en", -1), in.ItemEN, 255, false)
	checkText(v, loc("name", -1), in.Name, 255, true)
	checkText(v, loc("name_en", -1), in.NameEN, 255, false)
	checkText(v, loc("level", -1), in.Level.Text, 64, false)
	l := in.Level
	switch {
	case !l.Lowest.Valid() || !l.Highest.Valid():
		v.Add(loc("level", -1), "unknown level")
	case l.Highest > l.Lowest:
		v.Add(loc("level", -1), "the highest level (%s) lies below the lowest (%s)", l.Highest, l.Lowest)
	case l.AndAbove && l.Highest != domain.LevelNation:
		v.Add(loc("level", -1), "\"and above\" reaches the nation; the highest level must be nation")
	}
	if in.Weight == 0 {
		in.Weight = 1
	}
	checkWeight(v, loc("weight", -1), in.Weight)
	quantitative := in.Category == domain.CategoryPerformance
	switch {
	case quantitative && len(in.Measures) == 0:
		v.Add(loc("measures", -1), "a performance indicator is quantitative: give at least one measure")
	case !quantitative && len(in.Measures) > 0 && in.Category.Valid():
		v.Add(loc("measures", -1), "only a performance indicator has measures")
	case len(in.Measures) > 26:
		v.Add(loc("measures", -1), "at most 26 measures")
	}
	var formulas []string
	for i := range in.Measures {
		m := &in.Measures[i]
		for _, p := range []*string{&m.Code, &m.Name, &m.NameEN, &m.Numerator, &m.Denominator} {
			*p = strings.TrimSpace(*p)
		}
		want := domain.MeasureCode(in.Code, i)
		if m.Code == "" {
			m.Code = want
		} else if m.Code != want {
			v.AddValue(loc("code", i), m.Code, "measure %d of %s is coded %s", i+1, in.Code, want)
		}
		if m.Name == "" && len(in.Measures) == 1 {
			m.Name = in.Name
		}
		checkText(v, loc("name", i), m.Name, 255, true)
		checkText(v, loc("name_en", i), m.NameEN, 255, false)
		checkText(v, loc("numerator", i), m.Numerator, 1000, true)
		checkText(v, loc("denominator", i), m.Denominator, 1000, true)
		if m.Direction == "" {
			m.Direction = domain.HigherIsBetter
		}
		if !m.Direction.Valid() {
			v.AddValue(loc("direction", i), m.Direction, "must be higher_is_better or lower_is_better")
		}
		if m.Target != nil {
			checkTarget(v, loc("target", i), *m.Target)
		}
		formulas = append(formulas, m.Numerator+"/"+m.Denominator+"×100%")
	}
	if in.Explanation == "" && len(formulas) > 0 {
		in.Explanation = strings.Join(formulas, "\n")
	}
	checkText(v, loc("explanation", -1), in.Explanation, 4000, true)
}

// draftIndicator reads a draft the actor may change (as draft does) and one
// of its indicators, ENotFound when the draft has no such indicator.
func (c *Catalogue) draftIndicator(tx *store.Tx, actor domain.Actor, setID int64, code string, ifVersion int) (domain.IndicatorSet, domain.Indicator, error) {
	s, err := c.draft(tx, actor, setID, ifVersion)
	if err != nil {
		return domain.IndicatorSet{}, domain.Indicator{}, err
	}
	in, ok := s.Indicator(code)
	if !ok {
		return domain.IndicatorSet{}, domain.Indicator{}, domain.Errorf(domain.ENotFound, "indicator set %s has no indicator %q", s.Code, code)
	}
	return s, in, nil
}
