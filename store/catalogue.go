package store

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/migrations"
)

// Indicator sets (DOMAIN.md §3). A published set never changes: every
// statement below that writes to a set's indicators or measures carries the
// condition that the set is a draft, so that no code path, however it is
// called, updates a published set.

type indicatorSetRow struct {
	ID          int64 `gorm:"primaryKey"`
	Code        string
	Kind        string
	Name        string
	NameEN      string `gorm:"column:name_en"`
	RegionCode  string
	ParentID    *int64
	Status      string
	Version     int
	CreatedAt   time.Time
	UpdatedAt   time.Time
	PublishedAt *time.Time
	CreatedBy   *int64
}

func (indicatorSetRow) TableName() string { return "indicator_sets" }

func (r indicatorSetRow) toDomain() domain.IndicatorSet {
	return domain.IndicatorSet{ID: r.ID, Code: r.Code, Kind: domain.SetKind(r.Kind), Name: r.Name, NameEN: r.NameEN,
		RegionCode: r.RegionCode, ParentID: r.ParentID, Status: domain.SetStatus(r.Status), Version: r.Version,
		CreatedAt: r.CreatedAt, PublishedAt: r.PublishedAt}
}

type setIndicatorRow struct {
	SetID         int64  `gorm:"primaryKey"`
	Code          string `gorm:"primaryKey"`
	Position      int
	Category      string
	Item          string
	ItemEN        string `gorm:"column:item_en"`
	Name          string
	NameEN        string `gorm:"column:name_en"`
	Explanation   string
	LevelText     string
	LevelLowest   string
	LevelHighest  string
	LevelAndAbove bool
	Weight        float64
	Local         bool
	RemovedAt     *time.Time
	RemovedReason string
	RemovedBy     *int64
}

func (setIndicatorRow) TableName() string { return "set_indicators" }

type measureRow struct {
	SetID         int64  `gorm:"primaryKey"`
	Code          string `gorm:"primaryKey"`
	IndicatorCode string
	Position      int
	Name          string
	NameEN        string `gorm:"column:name_en"`
	Numerator     string
	Denominator   string
	Direction     string
	Target        *float64
}

func (measureRow) TableName() string { return "indicator_measures" }

func levelOf(name string) domain.Level {
	lv, _ := domain.ParseLevel(name)
	return lv
}

func (r setIndicatorRow) toDomain(ms []measureRow) domain.Indicator {
	in := domain.Indicator{Code: r.Code, Category: domain.Category(r.Category), Item: r.Item, ItemEN: r.ItemEN,
		Name: r.Name, NameEN: r.NameEN, Explanation: r.Explanation,
		Level: domain.LevelSpec{Text: r.LevelText, Lowest: levelOf(r.LevelLowest), Highest: levelOf(r.LevelHighest),
			AndAbove: r.LevelAndAbove},
		Weight: r.Weight, Position: r.Position, Local: r.Local}
	for _, m := range ms {
		in.Measures = append(in.Measures, domain.Measure{Code: m.Code, Name: m.Name, NameEN: m.NameEN,
			Numerator: m.Numerator, Denominator: m.Denominator, Direction: domain.Direction(m.Direction),
			Target: m.Target})
	}
	return in
}

func indicatorRows(setID int64, in domain.Indicator) (setIndicatorRow, []measureRow) {
	row := setIndicatorRow{SetID: setID, Code: in.Code, Position: in.Position, Category: string(in.Category),
		Item: in.Item, ItemEN: in.ItemEN, Name: in.Name, NameEN: in.NameEN, Explanation: in.Explanation,
		LevelText: in.Level.Text, LevelLowest: in.Level.Lowest.String(), LevelHighest: in.Level.Highest.String(),
		LevelAndAbove: in.Level.AndAbove, Weight: in.Weight, Local: in.Local}
	ms := make([]measureRow, len(in.Measures))
	for i, m := range in.Measures {
		ms[i] = measureRow{SetID: setID, Code: m.Code, IndicatorCode: in.Code, Position: i + 1, Name: m.Name,
			NameEN: m.NameEN, Numerator: m.Numerator, Denominator: m.Denominator, Direction: string(m.Direction),
			Target: m.Target}
	}
	return row, ms
}

// draftChildren restricts a statement on set_indicators or
// indicator_measures to the rows of set id while that set is a draft.
func draftChildren(db *gorm.DB, id int64) *gorm.DB {
	return db.Where("set_id = ? AND set_id IN (SELECT id FROM indicator_sets WHERE id = ? AND status = ?)",
		id, id, string(domain.SetDraft))
}

// IndicatorSet returns a set with its indicators and their measures in the
// set's order, and the parent's indicators it removed; ENotFound when there
// is no such set.
func (tx *Tx) IndicatorSet(id int64) (domain.IndicatorSet, error) {
	var r indicatorSetRow
	if err := tx.db.Take(&r, "id = ?", id).Error; err != nil {
		return domain.IndicatorSet{}, notFound(err, "indicator set %d not found", id)
	}
	return tx.fillSet(r)
}

// IndicatorSetByCode is IndicatorSet by the set's code.
func (tx *Tx) IndicatorSetByCode(code string) (domain.IndicatorSet, error) {
	var r indicatorSetRow
	if err := tx.db.Take(&r, "code = ?", code).Error; err != nil {
		return domain.IndicatorSet{}, notFound(err, "indicator set %q not found", code)
	}
	return tx.fillSet(r)
}

func (tx *Tx) fillSet(r indicatorSetRow) (domain.IndicatorSet, error) {
	s := r.toDomain()
	var ins []setIndicatorRow
	if err := tx.db.Where("set_id = ?", r.ID).Order("position, code").Find(&ins).Error; err != nil {
		return domain.IndicatorSet{}, fmt.Errorf("store: set indicators: %w", err)
	}
	var ms []measureRow
	if err := tx.db.Where("set_id = ?", r.ID).Order("indicator_code, position").Find(&ms).Error; err != nil {
		return domain.IndicatorSet{}, fmt.Errorf("store: set measures: %w", err)
	}
	byIndicator := map[string][]measureRow{}
	for _, m := range ms {
		byIndicator[m.IndicatorCode] = append(byIndicator[m.IndicatorCode], m)
	}
	s.Indicators = []domain.Indicator{}
	for _, in := range ins {
		if in.RemovedAt != nil {
			s.Removed = append(s.Removed, domain.RemovedIndicator{Code: in.Code, Name: in.Name,
				Reason: in.RemovedReason, RemovedAt: *in.RemovedAt})
			continue
		}
		s.Indicators = append(s.Indicators, in.toDomain(byIndicator[in.Code]))
	}
	slices.SortStableFunc(s.Removed, func(a, b domain.RemovedIndicator) int {
		if c := a.RemovedAt.Compare(b.RemovedAt); c != 0 {
			return c
		}
		return strings.Compare(a.Code, b.Code)
	})
	return s, nil
}

// LockIndicatorSet returns a set's own fields (no indicators) and, on
// MySQL, locks its row until the transaction ends, so that a change and a
// publication of the same draft are serialised. (SQLite transactions here
// begin IMMEDIATE and so already exclude other writers.)
func (tx *Tx) LockIndicatorSet(id int64) (domain.IndicatorSet, error) {
	q := tx.db
	if tx.dialect == migrations.MySQL {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var r indicatorSetRow
	if err := q.Take(&r, "id = ?", id).Error; err != nil {
		return domain.IndicatorSet{}, notFound(err, "indicator set %d not found", id)
	}
	return r.toDomain(), nil
}

// IndicatorSetFilter selects sets; empty fields match everything.
type IndicatorSetFilter struct {
	Kind       domain.SetKind
	Status     domain.SetStatus
	RegionCode string
	ParentID   int64
	// VisibleTo restricts to sets a user sitting at this region may see:
	// every published set, and drafts of its own lineage (its subtree and
	// its ancestors). "" or the nation sees everything.
	VisibleTo string
}

// ListIndicatorSets lists sets by id after the id `after`, without their
// indicators.
func (tx *Tx) ListIndicatorSets(f IndicatorSetFilter, after int64, limit int) ([]domain.IndicatorSet, error) {
	q := tx.db.Model(&indicatorSetRow{}).Where("id > ?", after)
	if f.Kind != "" {
		q = q.Where("kind = ?", string(f.Kind))
	}
	if f.Status != "" {
		q = q.Where("status = ?", string(f.Status))
	}
	if f.RegionCode != "" {
		q = q.Where("region_code = ?", f.RegionCode)
	}
	if f.ParentID != 0 {
		q = q.Where("parent_id = ?", f.ParentID)
	}
	if f.VisibleTo != "" && f.VisibleTo != domain.NationCode {
		lineage := append(domain.AncestorCodes(f.VisibleTo), f.VisibleTo)
		q = q.Where("(status = ? OR region_code LIKE ? OR region_code IN ?)",
			string(domain.SetPublished), f.VisibleTo+"%", lineage)
	}
	var rows []indicatorSetRow
	if err := q.Order("id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: list indicator sets: %w", err)
	}
	out := make([]domain.IndicatorSet, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// CountIndicatorSets counts the sets of one region and kind (for numbering
// a new derived set).
func (tx *Tx) CountIndicatorSets(region string, kind domain.SetKind) (int64, error) {
	var n int64
	err := tx.db.Model(&indicatorSetRow{}).Where("region_code = ? AND kind = ?", region, string(kind)).Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("store: count indicator sets: %w", err)
	}
	return n, nil
}

// CreateIndicatorSet stores a new set with its indicators, measures and
// removed indicators, and returns its id. A taken code is EConflict.
func (tx *Tx) CreateIndicatorSet(s domain.IndicatorSet, createdBy int64, now time.Time) (int64, error) {
	row := indicatorSetRow{Code: s.Code, Kind: string(s.Kind), Name: s.Name, NameEN: s.NameEN,
		RegionCode: s.RegionCode, ParentID: s.ParentID, Status: string(s.Status), Version: s.Version,
		CreatedAt: s.CreatedAt, UpdatedAt: now, PublishedAt: s.PublishedAt}
	if row.Version == 0 {
		row.Version = 1
	}
	if createdBy != 0 {
		row.CreatedBy = &createdBy
	}
	if err := tx.db.Create(&row).Error; err != nil {
		if isDuplicate(err) {
			return 0, domain.Errorf(domain.EConflict, "an indicator set with code %q exists", s.Code)
		}
		return 0, fmt.Errorf("store: create indicator set: %w", err)
	}
	var ins []setIndicatorRow
	var ms []measureRow
	for _, in := range s.Indicators {
		r, m := indicatorRows(row.ID, in)
		ins = append(ins, r)
		ms = append(ms, m...)
	}
	for _, rm := range s.Removed {
		at := rm.RemovedAt
		ins = append(ins, setIndicatorRow{SetID: row.ID, Code: rm.Code, Position: 0, Category: "",
			Name: rm.Name, LevelLowest: domain.LevelNation.String(), LevelHighest: domain.LevelNation.String(),
			RemovedAt: &at, RemovedReason: rm.Reason, RemovedBy: row.CreatedBy})
	}
	if len(ins) > 0 {
		if err := tx.db.CreateInBatches(ins, 100).Error; err != nil {
			return 0, fmt.Errorf("store: create set indicators: %w", err)
		}
	}
	if len(ms) > 0 {
		if err := tx.db.CreateInBatches(ms, 100).Error; err != nil {
			return 0, fmt.Errorf("store: create set measures: %w", err)
		}
	}
	return row.ID, nil
}

// TouchDraft bumps a draft's version from `version`, recording a change at
// now. It fails with EConflict when the set is published (or was changed
// meanwhile) and ENotFound when there is no such set.
func (tx *Tx) TouchDraft(id int64, version int, now time.Time) error {
	res := tx.db.Model(&indicatorSetRow{}).Where("id = ? AND status = ? AND version = ?", id, string(domain.SetDraft), version).
		Updates(map[string]any{"version": gorm.Expr("version + 1"), "updated_at": now})
	if res.Error != nil {
		return fmt.Errorf("store: touch draft: %w", res.Error)
	}
	if res.RowsAffected == 1 {
		return nil
	}
	return tx.whyNotDraft(id)
}

func (tx *Tx) whyNotDraft(id int64) error {
	var r indicatorSetRow
	if err := tx.db.Take(&r, "id = ?", id).Error; err != nil {
		return notFound(err, "indicator set %d not found", id)
	}
	if r.Status != string(domain.SetDraft) {
		return domain.Errorf(domain.EConflict, "indicator set %d is published and never changes; derive a new set from it", id)
	}
	return domain.Errorf(domain.EConflict, "indicator set %d was changed meanwhile; read it again", id)
}

// IndicatorUpdate changes the editable fields of a draft's indicator; nil
// fields stay as they are.
type IndicatorUpdate struct {
	Name        *string
	Explanation *string
	Weight      *float64
}

// UpdateSetIndicator changes one indicator of a draft; ENotFound when the
// draft has no such (unremoved) indicator.
func (tx *Tx) UpdateSetIndicator(setID int64, code string, u IndicatorUpdate) error {
	set := map[string]any{}
	if u.Name != nil {
		set["name"] = *u.Name
	}
	if u.Explanation != nil {
		set["explanation"] = *u.Explanation
	}
	if u.Weight != nil {
		set["weight"] = *u.Weight
	}
	if len(set) == 0 {
		return nil
	}
	res := draftChildren(tx.db.Model(&setIndicatorRow{}), setID).Where("code = ? AND removed_at IS NULL", code).Updates(set)
	if res.Error != nil {
		return fmt.Errorf("store: update set indicator: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return tx.whyNoIndicator(setID, code)
	}
	return nil
}

// whyNoIndicator explains an update of a draft's indicator that changed no
// row: the set is missing or published, the indicator is missing, or (on
// MySQL, which counts changed rows only) the values were already those.
func (tx *Tx) whyNoIndicator(setID int64, code string) error {
	return tx.whyNoRow(setID, &setIndicatorRow{}, "code = ? AND removed_at IS NULL", code,
		"indicator set %d has no indicator %q")
}

func (tx *Tx) whyNoRow(setID int64, model any, cond, code, notFoundMsg string) error {
	if err := tx.requireDraft(setID); err != nil {
		return err
	}
	var n int64
	if err := tx.db.Model(model).Where("set_id = ?", setID).Where(cond, code).Count(&n).Error; err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if n == 0 {
		return domain.Errorf(domain.ENotFound, notFoundMsg, setID, code)
	}
	return nil
}

// SetMeasureTarget sets (or, with nil, clears) one measure's target in a draft.
func (tx *Tx) SetMeasureTarget(setID int64, code string, target *float64) error {
	res := draftChildren(tx.db.Model(&measureRow{}), setID).Where("code = ?", code).Update("target", target)
	if res.Error != nil {
		return fmt.Errorf("store: set measure target: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return tx.whyNoRow(setID, &measureRow{}, "code = ?", code, "indicator set %d has no measure %q")
	}
	return nil
}

// AddSetIndicator inserts an indicator (with its measures) into a draft at
// in.Position, moving the indicators from that position on down by one.
func (tx *Tx) AddSetIndicator(setID int64, in domain.Indicator) error {
	if err := tx.requireDraft(setID); err != nil {
		return err
	}
	if err := draftChildren(tx.db.Model(&setIndicatorRow{}), setID).
		Where("position >= ? AND removed_at IS NULL", in.Position).
		Update("position", gorm.Expr("position + 1")).Error; err != nil {
		return fmt.Errorf("store: make room for indicator: %w", err)
	}
	row, ms := indicatorRows(setID, in)
	if err := tx.db.Create(&row).Error; err != nil {
		if isDuplicate(err) {
			return domain.Errorf(domain.EConflict, "indicator set %d already has (or removed) an indicator %q", setID, in.Code)
		}
		return fmt.Errorf("store: add set indicator: %w", err)
	}
	if len(ms) > 0 {
		if err := tx.db.Create(&ms).Error; err != nil {
			if isDuplicate(err) {
				return domain.Errorf(domain.EConflict, "indicator set %d already has one of the measures of %q", setID, in.Code)
			}
			return fmt.Errorf("store: add set measures: %w", err)
		}
	}
	return nil
}

// requireDraft fails unless set id exists and is a draft. Inserts cannot
// carry the draft condition that updates do, so they check first; the row
// lock of LockIndicatorSet (or SQLite's single writer) keeps the answer true
// until the transaction ends.
func (tx *Tx) requireDraft(id int64) error {
	var n int64
	if err := tx.db.Model(&indicatorSetRow{}).Where("id = ? AND status = ?", id, string(domain.SetDraft)).
		Count(&n).Error; err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if n == 1 {
		return nil
	}
	return tx.whyNotDraft(id)
}

// RemoveSetIndicator drops one of the parent's indicators from a draft,
// keeping it (and the reason) on record as removed.
func (tx *Tx) RemoveSetIndicator(setID int64, code, reason string, by int64, now time.Time) error {
	set := map[string]any{"removed_at": now, "removed_reason": reason}
	if by != 0 {
		set["removed_by"] = by
	}
	res := draftChildren(tx.db.Model(&setIndicatorRow{}), setID).Where("code = ? AND removed_at IS NULL", code).Updates(set)
	if res.Error != nil {
		return fmt.Errorf("store: remove set indicator: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		if err := tx.requireDraft(setID); err != nil {
			return err
		}
		return domain.Errorf(domain.ENotFound, "indicator set %d has no indicator %q", setID, code)
	}
	return tx.renumber(setID)
}

// DeleteSetIndicator deletes an indicator that the draft itself added
// (nothing of the parent's), with its measures.
func (tx *Tx) DeleteSetIndicator(setID int64, code string) error {
	if err := draftChildren(tx.db, setID).Where("indicator_code = ?", code).Delete(&measureRow{}).Error; err != nil {
		return fmt.Errorf("store: delete set measures: %w", err)
	}
	res := draftChildren(tx.db, setID).Where("code = ? AND removed_at IS NULL", code).Delete(&setIndicatorRow{})
	if res.Error != nil {
		return fmt.Errorf("store: delete set indicator: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		if err := tx.requireDraft(setID); err != nil {
			return err
		}
		return domain.Errorf(domain.ENotFound, "indicator set %d has no indicator %q", setID, code)
	}
	return tx.renumber(setID)
}

// renumber closes the gaps in a draft's positions: 1, 2, … in order.
func (tx *Tx) renumber(setID int64) error {
	var rows []setIndicatorRow
	if err := tx.db.Select("code", "position").Where("set_id = ? AND removed_at IS NULL", setID).
		Order("position, code").Find(&rows).Error; err != nil {
		return fmt.Errorf("store: renumber: %w", err)
	}
	for i, r := range rows {
		if r.Position == i+1 {
			continue
		}
		if err := draftChildren(tx.db.Model(&setIndicatorRow{}), setID).Where("code = ?", r.Code).
			Update("position", i+1).Error; err != nil {
			return fmt.Errorf("store: renumber: %w", err)
		}
	}
	return nil
}

// PublishIndicatorSet turns a draft at `version` into a published set,
// which from then on never changes.
func (tx *Tx) PublishIndicatorSet(id int64, version int, now time.Time) error {
	res := tx.db.Model(&indicatorSetRow{}).Where("id = ? AND status = ? AND version = ?", id, string(domain.SetDraft), version).
		Updates(map[string]any{"status": string(domain.SetPublished), "published_at": now,
			"version": gorm.Expr("version + 1"), "updated_at": now})
	if res.Error != nil {
		return fmt.Errorf("store: publish indicator set: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return tx.whyNotDraft(id)
	}
	return nil
}
