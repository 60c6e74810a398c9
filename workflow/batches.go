package workflow

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/store"
)

// NewBatch is a request to schedule a batch of regions in a campaign.
type NewBatch struct {
	Name          string
	RegionCodes   []string
	SelfCheckDue  time.Time
	SiteReviewDue time.Time
	FeedbackDue   time.Time
}

// maxBatchRegions bounds a batch: more than every county of the largest
// province, far fewer than a request could carry.
const maxBatchRegions = 500

func batchCurrent(b domain.Batch, c domain.Campaign) Current {
	return Current{Entity: entityBatch, Table: "batches", ID: b.ID, Region: c.RegionCode, State: b.State,
		Version: b.Version}
}

// CreateBatch schedules a batch in a campaign that is in planning or
// active. Its regions must be of the level the campaign inspects
// (provinces for a national campaign, counties for a provincial one) and
// inside the campaign's region, each once; its deadlines must be ordered
// (self-check, site review, feedback) and fall in the campaign's years.
// Scheduling a region that another batch already schedules is allowed and
// shows in the coverage as duplicated (only one of the two may launch).
func (s *Campaigns) CreateBatch(ctx context.Context, actor domain.Actor, campaignID int64, in NewBatch) (domain.Batch, error) {
	now := s.now()
	var out domain.Batch
	err := s.Store.Tx(ctx, func(tx *store.Tx) error {
		c, err := tx.Campaign(campaignID, true)
		if err != nil {
			return err
		}
		if err := s.Authz.Check(actor, "campaigns", "read", c.RegionCode); err != nil {
			return err
		}
		if err := s.Authz.Check(actor, "batches", "create", c.RegionCode); err != nil {
			return err
		}
		if c.State != domain.CampaignPlanning && c.State != domain.CampaignActive {
			return &domain.Error{Code: domain.EConflict,
				Message: "campaign " + id64(c.ID) + " is " + string(c.State) + "; batches are added in planning or active",
				Extra:   map[string]any{"state": string(c.State)}}
		}
		var v domain.Validation
		checkName(&v, "body.name", in.Name)
		if err := checkBatchRegions(tx, &v, c, in.RegionCodes); err != nil {
			return err
		}
		checkDeadlines(&v, c, in)
		if err := v.Err(); err != nil {
			return err
		}
		b, err := tx.CreateBatch(domain.Batch{CampaignID: c.ID, Name: strings.TrimSpace(in.Name),
			RegionCodes: in.RegionCodes, SelfCheckDue: in.SelfCheckDue, SiteReviewDue: in.SiteReviewDue,
			FeedbackDue: in.FeedbackDue, State: domain.BatchMachine().Initial}, now)
		if err != nil {
			return err
		}
		out = b
		return audit(ctx, tx, actor, now, store.AuditEntry{Entity: entityBatch, EntityID: id64(b.ID),
			RegionCode: c.RegionCode, Event: "create", ToState: string(b.State),
			Detail: map[string]any{"campaign_id": c.ID, "name": b.Name, "region_codes": b.RegionCodes,
				"self_check_due": b.SelfCheckDue, "site_review_due": b.SiteReviewDue, "feedback_due": b.FeedbackDue}})
	})
	return out, err
}

// checkBatchRegions names every bad region code of a batch.
func checkBatchRegions(tx *store.Tx, v *domain.Validation, c domain.Campaign, codes []string) error {
	if len(codes) == 0 {
		v.Add("body.region_codes", "must list at least one region")
		return nil
	}
	if len(codes) > maxBatchRegions {
		v.Add("body.region_codes", "must list at most %d regions", maxBatchRegions)
		return nil
	}
	want := domain.InspectedLevel(c.RegionCode)
	known, err := tx.RegionsByCode(codes)
	if err != nil {
		return err
	}
	seen := map[string]int{}
	for i, code := range codes {
		loc := "body.region_codes[" + strconv.Itoa(i) + "]"
		if j, dup := seen[code]; dup {
			v.AddValue(loc, code, "listed twice (also at %d)", j)
			continue
		}
		seen[code] = i
		lv, ok := domain.LevelOfCode(code)
		switch {
		case !ok:
			v.AddValue(loc, code, "not a region code")
		case !domain.Within(code, c.RegionCode) || code == c.RegionCode:
			v.AddValue(loc, code, "not inside the campaign's region %s", c.RegionCode)
		case lv != want:
			v.AddValue(loc, code, "a %s; this campaign inspects regions of level %s", lv, want)
		default:
			if _, ok := known[code]; !ok {
				v.AddValue(loc, code, "no such region")
			}
		}
	}
	return nil
}

// checkDeadlines checks that the three deadlines are set, ordered and fall
// in the campaign's years (read in China time).
func checkDeadlines(v *domain.Validation, c domain.Campaign, in NewBatch) {
	dues := []struct {
		loc string
		t   time.Time
	}{{"body.self_check_due", in.SelfCheckDue}, {"body.site_review_due", in.SiteReviewDue},
		{"body.feedback_due", in.FeedbackDue}}
	for i, d := range dues {
		if d.t.IsZero() {
			v.Add(d.loc, "must be set")
			continue
		}
		if y := domain.YearOf(d.t); y < c.StartYear || y > c.EndYear {
			v.AddValue(d.loc, d.t, "falls in %d, outside the campaign's years %d–%d", y, c.StartYear, c.EndYear)
		}
		if i > 0 && !dues[i-1].t.IsZero() && !d.t.After(dues[i-1].t) {
			v.AddValue(d.loc, d.t, "must be after %s", strings.TrimPrefix(dues[i-1].loc, "body."))
		}
	}
}

// GetBatch returns a batch the actor may read (one of a campaign it may read).
func (s *Campaigns) GetBatch(ctx context.Context, actor domain.Actor, id int64) (domain.Batch, error) {
	b, _, err := readableBatch(s.Store.Read(ctx), s.Deps, actor, id)
	return b, err
}

// readableInspection reads an inspection, locking its row for the rest of
// the transaction, and its campaign, if actor may read the inspection
// (inspections:read on the inspected region).
func readableInspection(tx *store.Tx, d Deps, actor domain.Actor, id int64) (domain.Inspection, domain.Campaign, error) {
	in, err := tx.Inspection(id, true)
	if err != nil {
		return domain.Inspection{}, domain.Campaign{}, err
	}
	if err := d.Authz.Check(actor, "inspections", "read", in.RegionCode); err != nil {
		return domain.Inspection{}, domain.Campaign{}, err
	}
	c, err := tx.Campaign(in.CampaignID, false)
	if err != nil {
		return domain.Inspection{}, domain.Campaign{}, err
	}
	return in, c, nil
}

// readableBatch reads a batch and its campaign, if actor may read the batch
// (batches:read on the campaign's region).
func readableBatch(tx *store.Tx, d Deps, actor domain.Actor, id int64) (domain.Batch, domain.Campaign, error) {
	b, err := tx.Batch(id, false)
	if err != nil {
		return domain.Batch{}, domain.Campaign{}, err
	}
	c, err := tx.Campaign(b.CampaignID, false)
	if err != nil {
		return domain.Batch{}, domain.Campaign{}, err
	}
	if err := d.Authz.Check(actor, "batches", "read", c.RegionCode); err != nil {
		return domain.Batch{}, domain.Campaign{}, err
	}
	return b, c, nil
}

// Batches lists a campaign's batches.
func (s *Campaigns) Batches(ctx context.Context, actor domain.Actor, campaignID int64, p Page) (Paged[domain.Batch], error) {
	c, err := s.Get(ctx, actor, campaignID)
	if err != nil {
		return Paged[domain.Batch]{}, err
	}
	if err := s.Authz.Check(actor, "batches", "read", c.RegionCode); err != nil {
		return Paged[domain.Batch]{}, err
	}
	after, err := DecodeIDCursor(p.Cursor)
	if err != nil {
		return Paged[domain.Batch]{}, err
	}
	n := p.Size()
	bs, err := s.Store.Read(ctx).ListBatches(campaignID, after, n+1)
	if err != nil {
		return Paged[domain.Batch]{}, err
	}
	return page(bs, n, func(b domain.Batch) int64 { return b.ID }), nil
}

// FireBatch applies an event to a batch, with its guards and what follows
// from it: launching creates the inspections, schedules their deadline
// tasks and activates the campaign on its first launch; a bulletin or a
// cancellation may complete the campaign.
//
// Set Fire.Branch to domain.BranchForced (the API's "force": true) to move
// a batch to site review past its self-check deadline with a reason, while
// some self-checks are still out.
func (s *Campaigns) FireBatch(ctx context.Context, actor domain.Actor, id int64, f Fire) (domain.Batch, error) {
	now := s.now()
	var out domain.Batch
	err := s.Store.Tx(ctx, func(tx *store.Tx) error {
		// Lock order: campaign, batch, inspections.
		b, err := tx.Batch(id, false)
		if err != nil {
			return err
		}
		c, err := tx.Campaign(b.CampaignID, true)
		if err != nil {
			return err
		}
		if b, err = tx.Batch(id, true); err != nil {
			return err
		}
		if err := s.Authz.Check(actor, "batches", "transition", c.RegionCode); err != nil {
			return err
		}
		ins, err := tx.BatchInspections(b.ID, true)
		if err != nil {
			return err
		}
		guard := func(t domain.Transition) error { return s.batchGuard(tx, t, c, b, ins, now) }
		t, err := apply(ctx, tx, domain.BatchMachine(), actor, batchCurrent(b, c), f, now, FireOptions{Guard: guard,
			Set: launchedAt(f.Event, now)})
		if err != nil {
			return err
		}
		switch t.Event {
		case domain.BatchLaunch:
			if err := s.launch(ctx, tx, actor, c, b, now); err != nil {
				return err
			}
		case domain.BatchPublishBulletin, domain.BatchCancel:
			if err := s.maybeComplete(ctx, tx, actor, c, cause(entityBatch, b.ID, t.Event), now); err != nil {
				return err
			}
		}
		if s.AfterBatch != nil {
			if err := s.AfterBatch(ctx, tx, actor, c, b, t, now); err != nil {
				return err
			}
		}
		out, err = tx.Batch(id, false)
		return err
	})
	return out, err
}

func launchedAt(ev domain.Event, now time.Time) map[string]any {
	if ev == domain.BatchLaunch {
		return map[string]any{"launched_at": now}
	}
	return nil
}

// batchGuard decides a batch row's guard, and refuses to launch a batch of
// a campaign that is over or whose regions another launched batch covers.
func (s *Campaigns) batchGuard(tx *store.Tx, t domain.Transition, c domain.Campaign, b domain.Batch, ins []domain.Inspection, now time.Time) error {
	if t.Event == domain.BatchLaunch {
		if c.State != domain.CampaignPlanning && c.State != domain.CampaignActive {
			return &domain.Error{Code: domain.EConflict,
				Message: "campaign " + id64(c.ID) + " is " + string(c.State) + "; its batches can no longer launch",
				Extra:   map[string]any{"campaign_state": string(c.State)}}
		}
		taken, err := tx.LaunchedRegions(c.ID, b.ID, b.RegionCodes)
		if err != nil {
			return err
		}
		if len(taken) > 0 {
			var v domain.Validation
			for i, code := range b.RegionCodes {
				if other, ok := taken[code]; ok {
					v.AddValue("region_codes["+strconv.Itoa(i)+"]", code,
						"already inspected in batch %d of this campaign; a region is inspected once per campaign", other)
				}
			}
			return v.Err()
		}
	}
	switch t.Guard {
	case "":
		return nil
	case domain.GuardSelfCheckDeadlinePassed:
		if !now.After(b.SelfCheckDue) {
			return &domain.Error{Code: domain.EInvalid,
				Message: "the self-check deadline " + b.SelfCheckDue.Format(time.RFC3339) +
					" has not passed; a batch may be forced to site review only after it",
				Extra: map[string]any{"guard": t.Guard, "self_check_due": b.SelfCheckDue}}
		}
		return nil
	}
	min, ok := domain.BatchNeeds(t.Event)
	if !ok {
		return nil
	}
	holdouts := domain.Holdouts(ins, min)
	if len(holdouts) == 0 {
		return nil
	}
	msg := strconv.Itoa(len(holdouts)) + " of the batch's " + strconv.Itoa(len(ins)) +
		" inspections have not reached " + string(min)
	if t.Event == domain.BatchStartSiteReview {
		if now.After(b.SelfCheckDue) {
			msg += `; the self-check deadline has passed, so an admin may force the move with "force": true and a reason`
		} else {
			msg += "; after the self-check deadline (" + b.SelfCheckDue.Format(time.RFC3339) +
				`) an admin may force the move with "force": true and a reason`
		}
	}
	return &domain.Error{Code: domain.EInvalid, Message: msg,
		Extra: map[string]any{"guard": t.Guard, "holdouts": holdouts}}
}

// launch opens the batch: one inspection per region, created planned and
// moved to self_check by the automatic open_self_check (so each has its
// audit row), the deadline tasks in the outbox, and the campaign activated
// on its first launch.
func (s *Campaigns) launch(ctx context.Context, tx *store.Tx, actor domain.Actor, c domain.Campaign, b domain.Batch, now time.Time) error {
	im := domain.InspectionMachine()
	why := cause(entityBatch, b.ID, domain.BatchLaunch)
	for _, code := range b.RegionCodes {
		in, err := tx.CreateInspection(domain.Inspection{CampaignID: c.ID, BatchID: b.ID, RegionCode: code,
			Deadlines: b.Deadlines(), State: im.Initial}, now)
		if err != nil {
			return err
		}
		if _, err := apply(ctx, tx, im, actor, inspectionCurrent(in), Fire{Event: domain.InspectionOpenSelfCheck}, now,
			FireOptions{System: true, Detail: why}); err != nil {
			return err
		}
	}
	if err := s.enqueueDeadlines(tx, b, now); err != nil {
		return err
	}
	if c.State == domain.CampaignPlanning {
		_, err := apply(ctx, tx, domain.CampaignMachine(), actor, campaignCurrent(c),
			Fire{Event: domain.CampaignActivate}, now, FireOptions{System: true, Detail: why})
		return err
	}
	return nil
}
