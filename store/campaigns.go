package store

import (
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/ducha/ducha/domain"
)

// Campaigns, batches, inspections, deadline notices and carried-over items.
// Their state columns move only through SetState (workflow's apply); the
// methods here create rows and read them.
//
// Methods taking `lock` read with SELECT … FOR UPDATE on MySQL, so that a
// transaction that decides on what it read (a guard, an automatic event)
// serialises with others deciding on the same rows. SQLite needs nothing:
// its transactions begin IMMEDIATE and so run one at a time. Lock order is
// campaign, then batch, then inspections.

func (tx *Tx) maybeLock(q *gorm.DB, lock bool) *gorm.DB {
	if lock {
		return q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	return q
}

// inLineage restricts col to regions in scope's subtree or on its path to
// the nation (the policy's "lineage" scope); the nation sees everything.
func inLineage(q *gorm.DB, col, scope string) *gorm.DB {
	if scope == "" || scope == domain.NationCode {
		return q
	}
	return q.Where("("+col+" LIKE ? OR "+col+" IN ?)", scope+"%", domain.AncestorCodes(scope))
}

// inSubtree restricts col to regions in code's subtree.
func inSubtree(q *gorm.DB, col, code string) *gorm.DB {
	if code == "" || code == domain.NationCode {
		return q
	}
	return q.Where(col+" LIKE ?", code+"%")
}

// --- campaigns ---

type campaignRow struct {
	ID            int64 `gorm:"primaryKey"`
	Name          string
	RegionCode    string
	StartYear     int
	EndYear       int
	InflowSetID   int64
	OutflowSetID  int64
	WeightInflow  float64
	WeightOutflow float64
	Targets       string
	Focus         string
	Round         int
	PreviousID    *int64
	State         string
	Version       int
	CreatedBy     *int64
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

func (campaignRow) TableName() string { return "campaigns" }

func (r campaignRow) toDomain() domain.Campaign {
	c := domain.Campaign{ID: r.ID, Name: r.Name, RegionCode: r.RegionCode, StartYear: r.StartYear, EndYear: r.EndYear,
		InflowSetID: r.InflowSetID, OutflowSetID: r.OutflowSetID,
		Weights: domain.Weights{Inflow: r.WeightInflow, Outflow: r.WeightOutflow}, Focus: r.Focus, Round: r.Round,
		PreviousID: r.PreviousID, State: domain.State(r.State), Version: r.Version, CreatedAt: r.CreatedAt,
		UpdatedAt: r.UpdatedAt, Targets: map[string]float64{}}
	if r.CreatedBy != nil {
		c.CreatedBy = *r.CreatedBy
	}
	_ = json.Unmarshal([]byte(r.Targets), &c.Targets)
	return c
}

// CreateCampaign stores a new campaign (its State must be set) and returns
// it with its id and version 1. A second next round of one campaign is
// EConflict.
func (tx *Tx) CreateCampaign(c domain.Campaign, now time.Time) (domain.Campaign, error) {
	targets := c.Targets
	if targets == nil {
		targets = map[string]float64{}
	}
	b, err := json.Marshal(targets)
	if err != nil {
		return domain.Campaign{}, fmt.Errorf("store: campaign targets: %w", err)
	}
	row := campaignRow{Name: c.Name, RegionCode: c.RegionCode, StartYear: c.StartYear, EndYear: c.EndYear,
		InflowSetID: c.InflowSetID, OutflowSetID: c.OutflowSetID, WeightInflow: c.Weights.Inflow,
		WeightOutflow: c.Weights.Outflow, Targets: string(b), Focus: c.Focus, Round: max(c.Round, 1),
		PreviousID: c.PreviousID, State: string(c.State), Version: 1, CreatedAt: now, UpdatedAt: now}
	if c.CreatedBy != 0 {
		row.CreatedBy = &c.CreatedBy
	}
	if err := tx.db.Create(&row).Error; err != nil {
		if isDuplicate(err) {
			return domain.Campaign{}, domain.Errorf(domain.EConflict, "campaign %d already has a next round", *c.PreviousID)
		}
		return domain.Campaign{}, fmt.Errorf("store: create campaign: %w", err)
	}
	return row.toDomain(), nil
}

// Campaign returns one campaign or ENotFound; lock takes its row lock.
func (tx *Tx) Campaign(id int64, lock bool) (domain.Campaign, error) {
	var r campaignRow
	if err := tx.maybeLock(tx.db, lock).Take(&r, "id = ?", id).Error; err != nil {
		return domain.Campaign{}, notFound(err, "campaign %d not found", id)
	}
	return r.toDomain(), nil
}

// NextRoundOf returns the campaign whose previous round is id, or ENotFound.
func (tx *Tx) NextRoundOf(id int64) (domain.Campaign, error) {
	var r campaignRow
	if err := tx.db.Take(&r, "previous_id = ?", id).Error; err != nil {
		return domain.Campaign{}, notFound(err, "campaign %d has no next round", id)
	}
	return r.toDomain(), nil
}

// CampaignFilter selects campaigns; empty fields match everything.
type CampaignFilter struct {
	// Scope keeps the campaigns whose region is in this region's lineage:
	// its subtree and its ancestors.
	Scope string
	State domain.State
	// RegionCode keeps the campaigns of exactly this region.
	RegionCode string
}

// ListCampaigns lists campaigns by id, after the id `after`.
func (tx *Tx) ListCampaigns(f CampaignFilter, after int64, limit int) ([]domain.Campaign, error) {
	q := inLineage(tx.db.Model(&campaignRow{}), "region_code", f.Scope).Where("id > ?", after)
	if f.State != "" {
		q = q.Where("state = ?", string(f.State))
	}
	if f.RegionCode != "" {
		q = q.Where("region_code = ?", f.RegionCode)
	}
	var rows []campaignRow
	if err := q.Order("id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: list campaigns: %w", err)
	}
	out := make([]domain.Campaign, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// --- batches ---

type batchRow struct {
	ID            int64 `gorm:"primaryKey"`
	CampaignID    int64
	Name          string
	SelfCheckDue  time.Time
	SiteReviewDue time.Time
	FeedbackDue   time.Time
	State         string
	Version       int
	LaunchedAt    *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

func (batchRow) TableName() string { return "batches" }

func (r batchRow) toDomain(regions []string) domain.Batch {
	if regions == nil {
		regions = []string{}
	}
	return domain.Batch{ID: r.ID, CampaignID: r.CampaignID, Name: r.Name, RegionCodes: regions,
		SelfCheckDue: r.SelfCheckDue, SiteReviewDue: r.SiteReviewDue, FeedbackDue: r.FeedbackDue,
		State: domain.State(r.State), Version: r.Version, LaunchedAt: r.LaunchedAt, CreatedAt: r.CreatedAt,
		UpdatedAt: r.UpdatedAt}
}

type batchRegionRow struct {
	BatchID    int64 `gorm:"primaryKey"`
	CampaignID int64
	RegionCode string `gorm:"primaryKey"`
	Position   int
}

func (batchRegionRow) TableName() string { return "batch_regions" }

// CreateBatch stores a batch and its regions (State must be set).
func (tx *Tx) CreateBatch(b domain.Batch, now time.Time) (domain.Batch, error) {
	row := batchRow{CampaignID: b.CampaignID, Name: b.Name, SelfCheckDue: b.SelfCheckDue.UTC(),
		SiteReviewDue: b.SiteReviewDue.UTC(), FeedbackDue: b.FeedbackDue.UTC(), State: string(b.State), Version: 1,
		CreatedAt: now, UpdatedAt: now}
	if err := tx.db.Create(&row).Error; err != nil {
		return domain.Batch{}, fmt.Errorf("store: create batch: %w", err)
	}
	regions := make([]batchRegionRow, len(b.RegionCodes))
	for i, c := range b.RegionCodes {
		regions[i] = batchRegionRow{BatchID: row.ID, CampaignID: b.CampaignID, RegionCode: c, Position: i}
	}
	if len(regions) > 0 {
		if err := tx.db.CreateInBatches(regions, 200).Error; err != nil {
			if isDuplicate(err) {
				return domain.Batch{}, domain.Errorf(domain.EInvalid, "a region is listed twice")
			}
			return domain.Batch{}, fmt.Errorf("store: create batch regions: %w", err)
		}
	}
	return row.toDomain(append([]string(nil), b.RegionCodes...)), nil
}

// Batch returns one batch with its regions, or ENotFound; lock takes its
// row lock.
func (tx *Tx) Batch(id int64, lock bool) (domain.Batch, error) {
	var r batchRow
	if err := tx.maybeLock(tx.db, lock).Take(&r, "id = ?", id).Error; err != nil {
		return domain.Batch{}, notFound(err, "batch %d not found", id)
	}
	regions, err := tx.batchRegions([]int64{id})
	if err != nil {
		return domain.Batch{}, err
	}
	return r.toDomain(regions[id]), nil
}

func (tx *Tx) batchRegions(ids []int64) (map[int64][]string, error) {
	out := map[int64][]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []batchRegionRow
	if err := tx.db.Where("batch_id IN ?", ids).Order("batch_id, position").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: batch regions: %w", err)
	}
	for _, r := range rows {
		out[r.BatchID] = append(out[r.BatchID], r.RegionCode)
	}
	return out, nil
}

func (tx *Tx) batchesWithRegions(rows []batchRow) ([]domain.Batch, error) {
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	regions, err := tx.batchRegions(ids)
	if err != nil {
		return nil, err
	}
	out := make([]domain.Batch, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain(regions[r.ID])
	}
	return out, nil
}

// ListBatches lists a campaign's batches by id, after the id `after`.
func (tx *Tx) ListBatches(campaignID, after int64, limit int) ([]domain.Batch, error) {
	var rows []batchRow
	err := tx.db.Where("campaign_id = ? AND id > ?", campaignID, after).Order("id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: list batches: %w", err)
	}
	return tx.batchesWithRegions(rows)
}

// CampaignBatches returns every batch of a campaign, by id.
func (tx *Tx) CampaignBatches(campaignID int64) ([]domain.Batch, error) {
	var rows []batchRow
	if err := tx.db.Where("campaign_id = ?", campaignID).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: campaign batches: %w", err)
	}
	return tx.batchesWithRegions(rows)
}

// RegionCodesAt returns the codes of the regions of level lv in scope's
// subtree, sorted.
func (tx *Tx) RegionCodesAt(scope string, lv domain.Level) ([]string, error) {
	var codes []string
	q := inSubtree(tx.db.Model(&regionRow{}), "code", scope).Where("level = ?", int(lv))
	if err := q.Order("code").Pluck("code", &codes).Error; err != nil {
		return nil, fmt.Errorf("store: regions at level: %w", err)
	}
	return codes, nil
}

// RegionsByCode returns the regions with the given codes that exist, by code.
func (tx *Tx) RegionsByCode(codes []string) (map[string]domain.Region, error) {
	out := map[string]domain.Region{}
	if len(codes) == 0 {
		return out, nil
	}
	var rows []regionRow
	if err := tx.db.Where("code IN ?", codes).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: regions: %w", err)
	}
	for _, r := range rows {
		out[r.Code] = r.toDomain()
	}
	return out, nil
}

// --- inspections ---

type inspectionRow struct {
	ID            int64 `gorm:"primaryKey"`
	CampaignID    int64
	BatchID       int64
	RegionCode    string
	SelfCheckDue  time.Time
	SiteReviewDue time.Time
	FeedbackDue   time.Time
	OverduePhase  *string
	OverdueSince  *time.Time
	State         string
	Version       int
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

func (inspectionRow) TableName() string { return "inspections" }

func (r inspectionRow) toDomain() domain.Inspection {
	in := domain.Inspection{ID: r.ID, CampaignID: r.CampaignID, BatchID: r.BatchID, RegionCode: r.RegionCode,
		Deadlines:    domain.Deadlines{SelfCheck: r.SelfCheckDue, SiteReview: r.SiteReviewDue, Feedback: r.FeedbackDue},
		OverdueSince: r.OverdueSince, State: domain.State(r.State), Version: r.Version, CreatedAt: r.CreatedAt,
		UpdatedAt: r.UpdatedAt}
	if r.OverduePhase != nil {
		in.OverduePhase = domain.Phase(*r.OverduePhase)
	}
	return in
}

// CreateInspection stores a new inspection (State must be set).
func (tx *Tx) CreateInspection(in domain.Inspection, now time.Time) (domain.Inspection, error) {
	row := inspectionRow{CampaignID: in.CampaignID, BatchID: in.BatchID, RegionCode: in.RegionCode,
		SelfCheckDue: in.Deadlines.SelfCheck.UTC(), SiteReviewDue: in.Deadlines.SiteReview.UTC(),
		FeedbackDue: in.Deadlines.Feedback.UTC(), State: string(in.State), Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := tx.db.Create(&row).Error; err != nil {
		if isDuplicate(err) {
			return domain.Inspection{}, domain.Errorf(domain.EConflict, "batch %d already inspects %s", in.BatchID, in.RegionCode)
		}
		return domain.Inspection{}, fmt.Errorf("store: create inspection: %w", err)
	}
	return row.toDomain(), nil
}

// Inspection returns one inspection or ENotFound; lock takes its row lock.
func (tx *Tx) Inspection(id int64, lock bool) (domain.Inspection, error) {
	var r inspectionRow
	if err := tx.maybeLock(tx.db, lock).Take(&r, "id = ?", id).Error; err != nil {
		return domain.Inspection{}, notFound(err, "inspection %d not found", id)
	}
	return r.toDomain(), nil
}

// BatchInspections returns every inspection of a batch by id; lock takes
// their row locks.
func (tx *Tx) BatchInspections(batchID int64, lock bool) ([]domain.Inspection, error) {
	var rows []inspectionRow
	if err := tx.maybeLock(tx.db, lock).Where("batch_id = ?", batchID).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: batch inspections: %w", err)
	}
	return inspectionsOf(rows), nil
}

// CampaignInspections returns every inspection of a campaign by id.
func (tx *Tx) CampaignInspections(campaignID int64) ([]domain.Inspection, error) {
	var rows []inspectionRow
	if err := tx.db.Where("campaign_id = ?", campaignID).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: campaign inspections: %w", err)
	}
	return inspectionsOf(rows), nil
}

func inspectionsOf(rows []inspectionRow) []domain.Inspection {
	out := make([]domain.Inspection, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out
}

// LaunchedRegions returns, among codes, those that an inspection of another
// batch of the campaign already covers (a launched batch), each with that
// batch's id.
func (tx *Tx) LaunchedRegions(campaignID, exceptBatch int64, codes []string) (map[string]int64, error) {
	out := map[string]int64{}
	if len(codes) == 0 {
		return out, nil
	}
	var rows []inspectionRow
	err := tx.db.Select("batch_id, region_code").
		Where("campaign_id = ? AND batch_id <> ? AND region_code IN ? AND state <> ?", campaignID, exceptBatch, codes,
			string(domain.InspectionCancelled)).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: launched regions: %w", err)
	}
	for _, r := range rows {
		out[r.RegionCode] = r.BatchID
	}
	return out, nil
}

// InspectionFilter selects inspections; zero fields match everything.
type InspectionFilter struct {
	// Scope keeps the inspections whose region is in this region's lineage.
	Scope      string
	CampaignID int64
	BatchID    int64
	// RegionCode keeps the inspections in this region's subtree.
	RegionCode string
	State      domain.State
	// Overdue keeps the marked (true) or unmarked (false) inspections.
	Overdue *bool
}

// ListInspections lists inspections by id, after the id `after`.
func (tx *Tx) ListInspections(f InspectionFilter, after int64, limit int) ([]domain.Inspection, error) {
	q := inLineage(tx.db.Model(&inspectionRow{}), "region_code", f.Scope)
	q = inSubtree(q, "region_code", f.RegionCode).Where("id > ?", after)
	if f.CampaignID != 0 {
		q = q.Where("campaign_id = ?", f.CampaignID)
	}
	if f.BatchID != 0 {
		q = q.Where("batch_id = ?", f.BatchID)
	}
	if f.State != "" {
		q = q.Where("state = ?", string(f.State))
	}
	if f.Overdue != nil {
		if *f.Overdue {
			q = q.Where("overdue_phase IS NOT NULL")
		} else {
			q = q.Where("overdue_phase IS NULL")
		}
	}
	var rows []inspectionRow
	if err := q.Order("id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: list inspections: %w", err)
	}
	return inspectionsOf(rows), nil
}

// OverdueColumns are the column updates that set an inspection's overdue
// mark to (phase, since), or clear it when phase is "".
func OverdueColumns(phase domain.Phase, since *time.Time) map[string]any {
	if phase == "" {
		return map[string]any{"overdue_phase": nil, "overdue_since": nil}
	}
	return map[string]any{"overdue_phase": string(phase), "overdue_since": since.UTC()}
}

// SetOverdue writes an inspection's overdue mark. The mark is not part of
// the state machine: it leaves state and version alone, so that a client's
// If-Match stays good.
func (tx *Tx) SetOverdue(id int64, phase domain.Phase, since *time.Time) error {
	res := tx.db.Model(&inspectionRow{}).Where("id = ?", id).Updates(OverdueColumns(phase, since))
	if res.Error != nil {
		return fmt.Errorf("store: set overdue: %w", res.Error)
	}
	return nil
}

// --- deadline notices ---

// Notice kinds.
const (
	NoticeOverdue = "overdue"
	// Reminders are "reminder_" plus how long before the deadline, e.g.
	// reminder_72h, reminder_24h.
	NoticeReminderPrefix = "reminder_"
)

// DeadlineNotice records a reminder sent or an overdue mark made.
type DeadlineNotice struct {
	InspectionID int64        `json:"inspection_id"`
	Phase        domain.Phase `json:"phase"`
	Kind         string       `json:"kind"`
	DueAt        time.Time    `json:"due_at"`
	SentAt       time.Time    `json:"sent_at"`
}

type noticeRow struct {
	ID           int64 `gorm:"primaryKey"`
	InspectionID int64
	Phase        string
	Kind         string
	DueAt        time.Time
	SentAt       time.Time
}

func (noticeRow) TableName() string { return "deadline_notices" }

// RecordNotice stores a notice; it reports false, storing nothing, when the
// same notice (inspection, phase, kind) was recorded before. Call it holding
// the inspection's lock; the unique key is the backstop.
//
// (It looks first rather than inserting with ON CONFLICT DO NOTHING: on
// MariaDB GORM adds RETURNING, which returns the existing row, so the
// affected-row count cannot tell a duplicate from an insert.)
func (tx *Tx) RecordNotice(n DeadlineNotice) (bool, error) {
	var found int64
	err := tx.db.Model(&noticeRow{}).Where("inspection_id = ? AND phase = ? AND kind = ?", n.InspectionID,
		string(n.Phase), n.Kind).Count(&found).Error
	if err != nil {
		return false, fmt.Errorf("store: record notice: %w", err)
	}
	if found > 0 {
		return false, nil
	}
	row := noticeRow{InspectionID: n.InspectionID, Phase: string(n.Phase), Kind: n.Kind, DueAt: n.DueAt.UTC(),
		SentAt: n.SentAt.UTC()}
	if err := tx.db.Create(&row).Error; err != nil {
		return false, fmt.Errorf("store: record notice: %w", err)
	}
	return true, nil
}

// Notices lists an inspection's notices in the order they were recorded.
func (tx *Tx) Notices(inspectionID int64) ([]DeadlineNotice, error) {
	var rows []noticeRow
	if err := tx.db.Where("inspection_id = ?", inspectionID).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: notices: %w", err)
	}
	out := make([]DeadlineNotice, len(rows))
	for i, r := range rows {
		out[i] = DeadlineNotice{InspectionID: r.InspectionID, Phase: domain.Phase(r.Phase), Kind: r.Kind, DueAt: r.DueAt,
			SentAt: r.SentAt}
	}
	return out, nil
}

// --- carried-over items ---

type carriedItemRow struct {
	ID               int64 `gorm:"primaryKey"`
	CampaignID       int64
	FromCampaignID   int64
	FromInspectionID int64
	RegionCode       string
	FromState        string
	State            string
	Version          int
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

func (carriedItemRow) TableName() string { return "carried_items" }

// CreateCarriedItems stores open items carried into a campaign.
func (tx *Tx) CreateCarriedItems(items []domain.CarriedItem, now time.Time) error {
	if len(items) == 0 {
		return nil
	}
	rows := make([]carriedItemRow, len(items))
	for i, it := range items {
		rows[i] = carriedItemRow{CampaignID: it.CampaignID, FromCampaignID: it.FromCampaignID,
			FromInspectionID: it.FromInspectionID, RegionCode: it.RegionCode, FromState: string(it.FromState),
			State: string(it.State), Version: 1, CreatedAt: now, UpdatedAt: now}
	}
	if err := tx.db.CreateInBatches(rows, 200).Error; err != nil {
		return fmt.Errorf("store: carried items: %w", err)
	}
	var reqs []carriedRequirementRow
	for i, it := range items {
		for _, q := range it.Requirements {
			r := carriedRequirementRow{CarriedItemID: rows[i].ID, RequirementID: q.RequirementID,
				IndicatorCode: q.IndicatorCode, Text: q.Text, AnswerState: string(q.Answer), Reason: q.Reason,
				CreatedAt: now}
			if !q.DueAt.IsZero() {
				d := q.DueAt.UTC()
				r.DueAt = &d
			}
			reqs = append(reqs, r)
		}
	}
	if len(reqs) > 0 {
		if err := tx.db.CreateInBatches(reqs, 200).Error; err != nil {
			return fmt.Errorf("store: carried requirements: %w", err)
		}
	}
	return nil
}

type carriedRequirementRow struct {
	ID            int64 `gorm:"primaryKey"`
	CarriedItemID int64
	RequirementID int64
	IndicatorCode string
	Text          string
	DueAt         *time.Time
	AnswerState   string
	Reason        string
	CreatedAt     time.Time
}

func (carriedRequirementRow) TableName() string { return "carried_requirements" }

// ListCarriedItems lists the items carried into a campaign by id, after the
// id `after`.
func (tx *Tx) ListCarriedItems(campaignID, after int64, limit int) ([]domain.CarriedItem, error) {
	var rows []carriedItemRow
	err := tx.db.Where("campaign_id = ? AND id > ?", campaignID, after).Order("id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: list carried items: %w", err)
	}
	out := make([]domain.CarriedItem, len(rows))
	at := make(map[int64]int, len(rows))
	ids := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = domain.CarriedItem{ID: r.ID, CampaignID: r.CampaignID, FromCampaignID: r.FromCampaignID,
			FromInspectionID: r.FromInspectionID, RegionCode: r.RegionCode, FromState: domain.State(r.FromState),
			State: domain.State(r.State), Requirements: []domain.CarriedRequirement{}, Version: r.Version,
			CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
		at[r.ID] = i
		ids[i] = r.ID
	}
	if len(ids) == 0 {
		return out, nil
	}
	var reqs []carriedRequirementRow
	if err := tx.db.Where("carried_item_id IN ?", ids).Order("carried_item_id, requirement_id").Find(&reqs).Error; err != nil {
		return nil, fmt.Errorf("store: list carried requirements: %w", err)
	}
	for _, q := range reqs {
		i, ok := at[q.CarriedItemID]
		if !ok {
			continue
		}
		cr := domain.CarriedRequirement{RequirementID: q.RequirementID, IndicatorCode: q.IndicatorCode, Text: q.Text,
			Answer: domain.CarriedAnswer(q.AnswerState), Reason: q.Reason}
		if q.DueAt != nil {
			cr.DueAt = q.DueAt.UTC()
		}
		out[i].Requirements = append(out[i].Requirements, cr)
	}
	return out, nil
}
