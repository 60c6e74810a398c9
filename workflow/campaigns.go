package workflow

import (
	"context"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/policies"
	"github.com/ducha/ducha/store"
)

// CampaignsConfig tunes the campaign use cases.
type CampaignsConfig struct {
	// Reminders are how long before each phase deadline a reminder goes
	// out; default 72 h and 24 h. A reminder whose time has passed when the
	// batch launches is not sent.
	Reminders []time.Duration
}

// InspectionCheck decides one of the inspection guards that belong to other
// use cases; it returns nil to allow, or a domain error (EInvalid naming
// what is missing) to refuse.
type InspectionCheck func(ctx context.Context, tx *store.Tx, c domain.Campaign, in domain.Inspection) error

// InspectionChecks are the guards of the inspection machine that the
// self-check and review use cases own: "every indicator answered" before
// submit_self_check, "every indicator rated" before complete_review. A nil
// check allows the event; the self-check and review code plugs its own in
// (Campaigns.Checks) when it lands.
type InspectionChecks struct {
	AllIndicatorsAnswered InspectionCheck
	AllIndicatorsRated    InspectionCheck
	// AllRequirementsAnswered (submit_rectification) and
	// AllRequirementsAccepted (accept_rectification) belong to the results
	// use case (Results.Checks).
	AllRequirementsAnswered InspectionCheck
	AllRequirementsAccepted InspectionCheck
}

// AfterInspection is called inside FireInspection's transaction once an
// event has moved an inspection (in as read before the move, t the
// transition applied), with the transaction's now; an error rolls the
// whole change back. The results use case hooks in here to queue the
// feedback letter on issue_feedback.
type AfterInspection func(ctx context.Context, tx *store.Tx, actor domain.Actor, c domain.Campaign, in domain.Inspection, t domain.Transition, now time.Time) error

// AfterBatch is AfterInspection for FireBatch (b as read before the move):
// the results use case queues the bulletin on publish_bulletin.
type AfterBatch func(ctx context.Context, tx *store.Tx, actor domain.Actor, c domain.Campaign, b domain.Batch, t domain.Transition, now time.Time) error

// CarryRequirements returns the rectification requirements of an inspection
// that NextRound carries into the next round with it: those not accepted,
// with the state of their answer. It runs inside NextRound's transaction.
// The results use case owns the requirements and plugs it in (Results.Hook).
type CarryRequirements func(ctx context.Context, tx *store.Tx, in domain.Inspection) ([]domain.CarriedRequirement, error)

// Campaigns runs campaigns, their batches and inspections (DOMAIN.md §4):
// creation, the three state machines, coverage, deadlines and next rounds.
type Campaigns struct {
	Deps
	cfg       CampaignsConfig
	catalogue *Catalogue // pins sets and checks targets
	// Checks are the pluggable inspection guards; zero allows everything.
	Checks InspectionChecks
	// AfterInspection and AfterBatch, when set, run inside the transaction
	// of every inspection and batch event that applied (nil: nothing).
	AfterInspection AfterInspection
	AfterBatch      AfterBatch
	// CarryRequirements, when set, lists the unaccepted requirements each
	// carried item brings along (nil: every item carries an empty list).
	CarryRequirements CarryRequirements
}

// NewCampaigns returns the campaign use cases.
func NewCampaigns(d Deps, cfg CampaignsConfig) *Campaigns {
	if len(cfg.Reminders) == 0 {
		cfg.Reminders = []time.Duration{72 * time.Hour, 24 * time.Hour}
	}
	return &Campaigns{Deps: d, cfg: cfg, catalogue: &Catalogue{Deps: d}}
}

// Entity and table names of the three machines, for apply and the audit log.
const (
	entityCampaign   = "campaign"
	entityBatch      = "batch"
	entityInspection = "inspection"
)

func id64(id int64) string { return strconv.FormatInt(id, 10) }

// NewCampaign is a request to create a campaign.
type NewCampaign struct {
	Name         string
	RegionCode   string
	StartYear    int
	EndYear      int
	InflowSetID  int64
	OutflowSetID int64
	// Weights default to domain.DefaultScoring's (0.6 / 0.4) when nil.
	Weights *domain.Weights
	Targets map[string]float64
	Focus   string
}

const (
	maxNameRunes  = 200
	maxFocusRunes = 4000
)

func checkName(v *domain.Validation, loc, name string) {
	if strings.TrimSpace(name) == "" {
		v.Add(loc, "must not be empty")
	} else if utf8.RuneCountInString(name) > maxNameRunes {
		v.Add(loc, "must be at most %d characters", maxNameRunes)
	}
}

// checkCampaignYears checks the years of a campaign of region.
func checkCampaignYears(v *domain.Validation, region string, start, end int) {
	okYears := true
	for _, y := range []struct {
		loc string
		y   int
	}{{"body.start_year", start}, {"body.end_year", end}} {
		if y.y < domain.MinCampaignYear || y.y > domain.MaxCampaignYear {
			v.AddValue(y.loc, y.y, "must be a year from %d to %d", domain.MinCampaignYear, domain.MaxCampaignYear)
			okYears = false
		}
	}
	if !okYears {
		return
	}
	if end < start {
		v.AddValue("body.end_year", end, "must not be before start_year (%d)", start)
		return
	}
	if region == domain.NationCode {
		if n := end - start + 1; n < domain.NationalMinYears || n > domain.NationalMaxYears {
			msg := "a national campaign covers every province within %d to %d years; %d–%d is %d"
			v.AddValue("body.start_year", start, msg, domain.NationalMinYears, domain.NationalMaxYears, start, end, n)
			v.AddValue("body.end_year", end, msg, domain.NationalMinYears, domain.NationalMaxYears, start, end, n)
		}
	}
}

// checkCampaignRegion checks that code names the nation or a province that
// exists; it reports whether the code is well formed enough to check scope.
func checkCampaignRegion(tx *store.Tx, v *domain.Validation, code string) (bool, error) {
	lv, ok := domain.LevelOfCode(code)
	if !ok {
		v.AddValue("body.region_code", code, "not a region code")
		return false, nil
	}
	if lv != domain.LevelNation && lv != domain.LevelProvince {
		v.AddValue("body.region_code", code, "a campaign is national (\"0\") or provincial (a province's code), not of a %s", lv)
		return false, nil
	}
	if _, err := tx.Region(code); err != nil {
		if domain.ErrorCode(err) != domain.ENotFound {
			return false, err
		}
		v.AddValue("body.region_code", code, "no such region")
		return false, nil
	}
	return true, nil
}

// Create makes a campaign in planning: national (region "0") or provincial
// (a province's code), over pinned published indicator sets, with weights
// that favour the inflow set and targets no stricter than the sets allow.
func (s *Campaigns) Create(ctx context.Context, actor domain.Actor, in NewCampaign) (domain.Campaign, error) {
	now := s.now()
	var out domain.Campaign
	err := s.Store.Tx(ctx, func(tx *store.Tx) error {
		var v domain.Validation
		checkName(&v, "body.name", in.Name)
		if utf8.RuneCountInString(in.Focus) > maxFocusRunes {
			v.Add("body.focus", "must be at most %d characters", maxFocusRunes)
		}
		okRegion, err := checkCampaignRegion(tx, &v, in.RegionCode)
		if err != nil {
			return err
		}
		if okRegion {
			// Scope before anything that reads the catalogue: a foreign
			// province learns nothing about sets.
			if err := s.Authz.Check(actor, "campaigns", "create", in.RegionCode); err != nil {
				return err
			}
		}
		checkCampaignYears(&v, in.RegionCode, in.StartYear, in.EndYear)
		w := domain.DefaultScoring().Weights
		if in.Weights != nil {
			w = *in.Weights
		}
		addFields(&v, "body.", domain.ValidateWeights(w))
		var setRegion string
		if okRegion {
			setRegion = in.RegionCode
		}
		violations, err := s.checkSets(ctx, tx, &v, setRegion, in.InflowSetID, in.OutflowSetID, in.Targets)
		if err != nil {
			return err
		}
		if err := v.Err(); err != nil {
			if len(violations) > 0 {
				err.(*domain.Error).Extra = map[string]any{"violations": violations}
			}
			return err
		}
		c, err := tx.CreateCampaign(domain.Campaign{Name: strings.TrimSpace(in.Name), RegionCode: in.RegionCode,
			StartYear: in.StartYear, EndYear: in.EndYear, InflowSetID: in.InflowSetID, OutflowSetID: in.OutflowSetID,
			Weights: w, Targets: in.Targets, Focus: in.Focus, Round: 1, State: domain.CampaignMachine().Initial,
			CreatedBy: actor.UserID}, now)
		if err != nil {
			return err
		}
		out = c
		return audit(ctx, tx, actor, now, store.AuditEntry{Entity: entityCampaign, EntityID: id64(c.ID),
			RegionCode: c.RegionCode, Event: "create", ToState: string(c.State),
			Detail: map[string]any{"name": c.Name, "start_year": c.StartYear, "end_year": c.EndYear,
				"inflow_set_id": c.InflowSetID, "outflow_set_id": c.OutflowSetID}})
	})
	return out, err
}

// addFields copies the field errors of a domain EInvalid error into v,
// prefixing their locations.
func addFields(v *domain.Validation, prefix string, err error) {
	if err == nil {
		return
	}
	de, ok := err.(*domain.Error)
	if !ok || len(de.Fields) == 0 {
		v.Add(strings.TrimSuffix(prefix, "."), "%s", err.Error())
		return
	}
	for _, f := range de.Fields {
		v.AddValue(prefix+f.Location, f.Value, "%s", f.Message)
	}
}

// checkSets validates the pinned indicator sets and the campaign's targets:
// each id names a published set of the right kind (inflow, outflow) whose
// region is the campaign's or one of its ancestors; every target names a
// measure of one of the two sets, is a rate from 0 to 100, and is no
// stricter than that set, or any set higher up its chain, allows (the
// catalogue's CheckTargets). Problems go to v; the piling-on violations,
// with both targets, are returned for the problem's "violations".
func (s *Campaigns) checkSets(ctx context.Context, tx *store.Tx, v *domain.Validation, region string, inflowID, outflowID int64, targets map[string]float64) ([]Violation, error) {
	pinned := map[domain.SetKind]*domain.IndicatorSet{}
	for _, p := range []struct {
		loc  string
		id   int64
		kind domain.SetKind
	}{{"body.inflow_set_id", inflowID, domain.KindInflow}, {"body.outflow_set_id", outflowID, domain.KindOutflow}} {
		set, err := tx.IndicatorSet(p.id)
		switch {
		case domain.ErrorCode(err) == domain.ENotFound:
			v.AddValue(p.loc, p.id, "no such indicator set")
			continue
		case err != nil:
			return nil, err
		}
		ok := true
		if set.Status != domain.SetPublished {
			// A draft of another region answers as if it did not exist, as
			// the catalogue does.
			if !policies.InScope(policies.ScopeLineage, region, set.RegionCode) {
				v.AddValue(p.loc, p.id, "no such indicator set")
				continue
			}
			v.AddValue(p.loc, p.id, "indicator set %s is a draft; a campaign pins a published set", set.Code)
			ok = false
		}
		if set.Kind != p.kind {
			v.AddValue(p.loc, p.id, "indicator set %s is an %s set, not %s", set.Code, set.Kind, p.kind)
			ok = false
		}
		if region != "" && !domain.Within(region, set.RegionCode) {
			v.AddValue(p.loc, p.id, "indicator set %s belongs to region %s, which is neither the campaign's region %s nor above it",
				set.Code, set.RegionCode, region)
			ok = false
		}
		if ok {
			pinned[p.kind] = &set
		}
	}
	checkTargetRates(v, targets)
	// Split the targets between the two sets; a code in neither is named.
	split := map[domain.SetKind]map[string]float64{}
	for _, code := range sortedCodes(targets) {
		x := targets[code]
		if math.IsNaN(x) || x < 0 || x > 100 {
			continue
		}
		found := false
		for _, kind := range []domain.SetKind{domain.KindInflow, domain.KindOutflow} {
			set := pinned[kind]
			if set == nil {
				continue
			}
			if _, ok := set.Measures()[code]; ok {
				if split[kind] == nil {
					split[kind] = map[string]float64{}
				}
				split[kind][code] = x
				found = true
				break
			}
		}
		if !found && pinned[domain.KindInflow] != nil && pinned[domain.KindOutflow] != nil {
			v.AddValue("body.targets."+code, x, "not a measure of the campaign's indicator sets")
		}
	}
	var violations []Violation
	for _, kind := range []domain.SetKind{domain.KindInflow, domain.KindOutflow} {
		if len(split[kind]) == 0 {
			continue
		}
		err := s.catalogue.CheckTargets(ctx, tx, pinned[kind].ID, split[kind])
		if err == nil {
			continue
		}
		de, ok := err.(*domain.Error)
		if !ok || de.Code != domain.EInvalid {
			return nil, err
		}
		for _, f := range de.Fields {
			v.AddValue(f.Location, f.Value, "%s", f.Message)
		}
		if vs, ok := de.Extra["violations"].([]Violation); ok {
			violations = append(violations, vs...)
		}
	}
	return violations, nil
}

// checkTargetRates checks that every target is a rate in percent.
func checkTargetRates(v *domain.Validation, targets map[string]float64) {
	for _, code := range sortedCodes(targets) {
		if x := targets[code]; math.IsNaN(x) || x < 0 || x > 100 {
			v.AddValue("body.targets."+code, x, "a target is a rate in percent, from 0 to 100")
		}
	}
}

func sortedCodes[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Get returns a campaign the actor may read.
func (s *Campaigns) Get(ctx context.Context, actor domain.Actor, id int64) (domain.Campaign, error) {
	c, err := s.Store.Read(ctx).Campaign(id, false)
	if err != nil {
		return domain.Campaign{}, err
	}
	if err := s.Authz.Check(actor, "campaigns", "read", c.RegionCode); err != nil {
		return domain.Campaign{}, err
	}
	return c, nil
}

// CampaignQuery filters a listing of campaigns.
type CampaignQuery struct {
	State      domain.State
	RegionCode string
}

// List lists the campaigns the actor may read: those of its own region and
// below, and those above it on its branch (a province sees the national
// campaigns and its own, never another province's).
func (s *Campaigns) List(ctx context.Context, actor domain.Actor, q CampaignQuery, p Page) (Paged[domain.Campaign], error) {
	if err := s.Authz.Check(actor, "campaigns", "read", actor.RegionCode); err != nil {
		return Paged[domain.Campaign]{}, err
	}
	var v domain.Validation
	if q.State != "" && !domain.CampaignMachine().HasState(q.State) {
		v.AddValue("query.state", q.State, "not a campaign state")
	}
	if err := checkRegionFilter(s.Store.Read(ctx), &v, q.RegionCode); err != nil {
		return Paged[domain.Campaign]{}, err
	}
	after, err := DecodeIDCursor(p.Cursor)
	if err != nil {
		return Paged[domain.Campaign]{}, err
	}
	if err := v.Err(); err != nil {
		return Paged[domain.Campaign]{}, err
	}
	n := p.Size()
	cs, err := s.Store.Read(ctx).ListCampaigns(store.CampaignFilter{Scope: actor.RegionCode, State: q.State,
		RegionCode: q.RegionCode}, after, n+1)
	if err != nil {
		return Paged[domain.Campaign]{}, err
	}
	return page(cs, n, func(c domain.Campaign) int64 { return c.ID }), nil
}

// checkRegionFilter checks a listing's region_code: "" (none), or a region
// that exists.
func checkRegionFilter(tx *store.Tx, v *domain.Validation, code string) error {
	if code == "" {
		return nil
	}
	return validateRegion(tx, v, "query.region_code", code)
}

// Coverage reports how the campaign's batches cover its scope.
func (s *Campaigns) Coverage(ctx context.Context, actor domain.Actor, id int64) (domain.Coverage, error) {
	c, err := s.Get(ctx, actor, id)
	if err != nil {
		return domain.Coverage{}, err
	}
	return coverage(s.Store.Read(ctx), c)
}

// coverage computes a campaign's coverage: a national campaign's scope is
// the provinces, a provincial one's the counties under its province.
func coverage(tx *store.Tx, c domain.Campaign) (domain.Coverage, error) {
	scope, err := tx.RegionCodesAt(c.RegionCode, domain.InspectedLevel(c.RegionCode))
	if err != nil {
		return domain.Coverage{}, err
	}
	bs, err := tx.CampaignBatches(c.ID)
	if err != nil {
		return domain.Coverage{}, err
	}
	var lists [][]string
	for _, b := range bs {
		if b.State != domain.BatchCancelled {
			lists = append(lists, b.RegionCodes)
		}
	}
	return domain.ComputeCoverage(scope, lists), nil
}

// FireCampaign applies an event to a campaign. Only cancel is a user's to
// fire (activate and complete are the system's); cancelling a campaign
// cancels its batches, all of which are still in planning.
func (s *Campaigns) FireCampaign(ctx context.Context, actor domain.Actor, id int64, f Fire) (domain.Campaign, error) {
	now := s.now()
	var out domain.Campaign
	err := s.Store.Tx(ctx, func(tx *store.Tx) error {
		c, err := tx.Campaign(id, true)
		if err != nil {
			return err
		}
		if err := s.Authz.Check(actor, "campaigns", "transition", c.RegionCode); err != nil {
			return err
		}
		t, err := apply(ctx, tx, domain.CampaignMachine(), actor, campaignCurrent(c), f, now, FireOptions{})
		if err != nil {
			return err
		}
		if t.Event == domain.CampaignCancel {
			bs, err := tx.CampaignBatches(c.ID)
			if err != nil {
				return err
			}
			for _, b := range bs {
				if b.State != domain.BatchPlanning {
					continue
				}
				_, err := apply(ctx, tx, domain.BatchMachine(), actor, batchCurrent(b, c),
					Fire{Event: domain.BatchCancel, Reason: "campaign cancelled: " + f.Reason}, now,
					FireOptions{System: true, Detail: cause(entityCampaign, c.ID, domain.CampaignCancel)})
				if err != nil {
					return err
				}
			}
		}
		out, err = tx.Campaign(id, false)
		return err
	})
	return out, err
}

// cause is the audit detail of an automatic event: what caused it.
func cause(entity string, id int64, ev domain.Event) map[string]any {
	return map[string]any{"automatic": true, "cause": entity + " " + id64(id) + " " + string(ev)}
}

func campaignCurrent(c domain.Campaign) Current {
	return Current{Entity: entityCampaign, Table: "campaigns", ID: c.ID, Region: c.RegionCode, State: c.State,
		Version: c.Version}
}

// maybeComplete completes an active campaign once every batch is bulletined
// (cancelled ones aside) and its scope is covered exactly once. c must have
// been read with its lock.
func (s *Campaigns) maybeComplete(ctx context.Context, tx *store.Tx, actor domain.Actor, c domain.Campaign, why map[string]any, now time.Time) error {
	if c.State != domain.CampaignActive {
		return nil
	}
	bs, err := tx.CampaignBatches(c.ID)
	if err != nil {
		return err
	}
	bulletined := 0
	for _, b := range bs {
		switch b.State {
		case domain.BatchCancelled:
		case domain.BatchBulletined:
			bulletined++
		default:
			return nil
		}
	}
	if bulletined == 0 {
		return nil
	}
	cv, err := coverage(tx, c)
	if err != nil || !cv.Complete {
		return err
	}
	why["batches_bulletined"] = bulletined
	why["regions"] = cv.Total
	_, err = apply(ctx, tx, domain.CampaignMachine(), actor, campaignCurrent(c), Fire{Event: domain.CampaignComplete},
		now, FireOptions{System: true, Detail: why})
	return err
}

// NextRound asks for the next cycle of a completed campaign.
type NextRound struct {
	// Name defaults to the previous round's name with the round number.
	Name string
	// Focus defaults to the previous round's.
	Focus *string
}

// NextRound starts the next cycle of a completed campaign: a new campaign in
// planning over the same region, sets, weights and targets, for the years
// that follow (as many as the previous round spanned), carrying over every
// unaccepted rectification (each inspection not closed) as an open item
// with its requirements not accepted (CarryRequirements). A campaign has at most one next round (EConflict).
func (s *Campaigns) NextRound(ctx context.Context, actor domain.Actor, id int64, in NextRound) (domain.Campaign, error) {
	now := s.now()
	var out domain.Campaign
	err := s.Store.Tx(ctx, func(tx *store.Tx) error {
		prev, err := tx.Campaign(id, true)
		if err != nil {
			return err
		}
		if err := s.Authz.Check(actor, "campaigns", "read", prev.RegionCode); err != nil {
			return err
		}
		if err := s.Authz.Check(actor, "campaigns", "create", prev.RegionCode); err != nil {
			return err
		}
		if prev.State != domain.CampaignCompleted {
			return &domain.Error{Code: domain.EConflict,
				Message: "only a completed campaign starts a next round; campaign " + id64(id) + " is " + string(prev.State),
				Extra:   map[string]any{"state": string(prev.State)}}
		}
		if next, err := tx.NextRoundOf(id); err == nil {
			return &domain.Error{Code: domain.EConflict,
				Message: "campaign " + id64(id) + " already has a next round: campaign " + id64(next.ID),
				Extra:   map[string]any{"next_id": next.ID}}
		} else if domain.ErrorCode(err) != domain.ENotFound {
			return err
		}
		var v domain.Validation
		name := in.Name
		if strings.TrimSpace(name) == "" {
			name = prev.Name
			if i := strings.LastIndex(name, " — round "); i > 0 {
				name = name[:i]
			}
			name += " — round " + strconv.Itoa(prev.Round+1)
			if utf8.RuneCountInString(name) > maxNameRunes {
				name = string([]rune(name)[:maxNameRunes])
			}
		}
		checkName(&v, "body.name", name)
		focus := prev.Focus
		if in.Focus != nil {
			focus = *in.Focus
		}
		if utf8.RuneCountInString(focus) > maxFocusRunes {
			v.Add("body.focus", "must be at most %d characters", maxFocusRunes)
		}
		start := prev.EndYear + 1
		end := start + prev.EndYear - prev.StartYear
		if end > domain.MaxCampaignYear {
			v.AddValue("body", end, "the next round would end after %d", domain.MaxCampaignYear)
		}
		if err := v.Err(); err != nil {
			return err
		}
		pid := prev.ID
		c, err := tx.CreateCampaign(domain.Campaign{Name: strings.TrimSpace(name), RegionCode: prev.RegionCode,
			StartYear: start, EndYear: end, InflowSetID: prev.InflowSetID, OutflowSetID: prev.OutflowSetID,
			Weights: prev.Weights, Targets: prev.Targets, Focus: focus, Round: prev.Round + 1, PreviousID: &pid,
			State: domain.CampaignMachine().Initial, CreatedBy: actor.UserID}, now)
		if err != nil {
			return err
		}
		ins, err := tx.CampaignInspections(prev.ID)
		if err != nil {
			return err
		}
		var items []domain.CarriedItem
		nReqs := 0
		for _, in := range ins {
			if in.State == domain.InspectionClosed || in.State == domain.InspectionCancelled {
				continue
			}
			reqs := []domain.CarriedRequirement{}
			if s.CarryRequirements != nil {
				rs, err := s.CarryRequirements(ctx, tx, in)
				if err != nil {
					return err
				}
				reqs = append(reqs, rs...)
			}
			nReqs += len(reqs)
			items = append(items, domain.CarriedItem{CampaignID: c.ID, FromCampaignID: prev.ID,
				FromInspectionID: in.ID, RegionCode: in.RegionCode, FromState: in.State, State: domain.CarriedOpen,
				Requirements: reqs})
		}
		if err := tx.CreateCarriedItems(items, now); err != nil {
			return err
		}
		out = c
		return audit(ctx, tx, actor, now, store.AuditEntry{Entity: entityCampaign, EntityID: id64(c.ID),
			RegionCode: c.RegionCode, Event: "create", ToState: string(c.State),
			Detail: map[string]any{"name": c.Name, "previous_id": prev.ID, "round": c.Round,
				"start_year": c.StartYear, "end_year": c.EndYear, "carried_items": len(items),
				"carried_requirements": nReqs}})
	})
	return out, err
}

// CarriedItems lists the open items carried into a campaign from its
// previous round.
func (s *Campaigns) CarriedItems(ctx context.Context, actor domain.Actor, id int64, p Page) (Paged[domain.CarriedItem], error) {
	if _, err := s.Get(ctx, actor, id); err != nil {
		return Paged[domain.CarriedItem]{}, err
	}
	after, err := DecodeIDCursor(p.Cursor)
	if err != nil {
		return Paged[domain.CarriedItem]{}, err
	}
	n := p.Size()
	items, err := s.Store.Read(ctx).ListCarriedItems(id, after, n+1)
	if err != nil {
		return Paged[domain.CarriedItem]{}, err
	}
	return page(items, n, func(it domain.CarriedItem) int64 { return it.ID }), nil
}
