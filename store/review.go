package store

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/ducha/ducha/domain"
)

// Site reviews, their findings and rectification requirements, and the
// inspectors assigned to a batch.

type reviewRow struct {
	ID            int64 `gorm:"primaryKey"`
	InspectionID  int64
	IndicatorCode string
	Rating        *string
	Measures      string
	VetoOverride  *string
	Revision      int
	ReviewedBy    int64
	ReviewedAt    time.Time
}

func (reviewRow) TableName() string { return "reviews" }

func (r reviewRow) toDomain() (domain.Review, error) {
	out := domain.Review{ID: r.ID, InspectionID: r.InspectionID, IndicatorCode: r.IndicatorCode, Revision: r.Revision,
		ReviewedBy: r.ReviewedBy, ReviewedAt: r.ReviewedAt}
	if r.Rating != nil {
		out.Rating = domain.Rating(*r.Rating)
	}
	if r.VetoOverride != nil {
		out.VetoOverride = *r.VetoOverride
	}
	if r.Measures != "" && r.Measures != "{}" {
		if err := json.Unmarshal([]byte(r.Measures), &out.Measures); err != nil {
			return domain.Review{}, fmt.Errorf("store: review %d measures: %w", r.ID, err)
		}
	}
	return out, nil
}

type findingRow struct {
	ID            int64 `gorm:"primaryKey"`
	InspectionID  int64
	IndicatorCode string
	Severity      string
	Text          string
	CreatedBy     int64
	CreatedAt     time.Time
}

func (findingRow) TableName() string { return "findings" }

type requirementRow struct {
	ID            int64 `gorm:"primaryKey"`
	InspectionID  int64
	IndicatorCode string
	Text          string
	DueAt         time.Time
	CreatedBy     int64
	CreatedAt     time.Time
}

func (requirementRow) TableName() string { return "requirements" }

// PutReview records r as the review of (r.InspectionID, r.IndicatorCode),
// replacing an earlier one (its revision is one more), and replaces that
// indicator's findings and requirements with the ones given (their
// InspectionID, IndicatorCode and CreatedAt are taken from r). It returns
// the review as stored. Call it holding the inspection's lock.
func (tx *Tx) PutReview(r domain.Review, findings []domain.Finding, reqs []domain.Requirement) (domain.Review, error) {
	measures := "{}"
	if len(r.Measures) > 0 {
		b, err := json.Marshal(r.Measures)
		if err != nil {
			return domain.Review{}, fmt.Errorf("store: review measures: %w", err)
		}
		measures = string(b)
	}
	at := r.ReviewedAt.UTC()
	row := reviewRow{InspectionID: r.InspectionID, IndicatorCode: r.IndicatorCode, Measures: measures,
		ReviewedBy: r.ReviewedBy, ReviewedAt: at}
	if r.Rating != "" {
		s := string(r.Rating)
		row.Rating = &s
	}
	if r.VetoOverride != "" {
		s := r.VetoOverride
		row.VetoOverride = &s
	}
	var old reviewRow
	err := tx.db.Where("inspection_id = ? AND indicator_code = ?", r.InspectionID, r.IndicatorCode).Limit(1).Find(&old).Error
	if err != nil {
		return domain.Review{}, fmt.Errorf("store: put review: %w", err)
	}
	if old.ID == 0 {
		row.Revision = 1
		if err := tx.db.Create(&row).Error; err != nil {
			if isDuplicate(err) {
				return domain.Review{}, domain.Errorf(domain.EConflict, "another review of %s was stored at the same time; try again", r.IndicatorCode)
			}
			return domain.Review{}, fmt.Errorf("store: put review: %w", err)
		}
	} else {
		row.ID, row.Revision = old.ID, old.Revision+1
		res := tx.db.Model(&reviewRow{}).Where("id = ? AND revision = ?", old.ID, old.Revision).
			Updates(map[string]any{"rating": row.Rating, "measures": row.Measures, "veto_override": row.VetoOverride,
				"revision": row.Revision, "reviewed_by": row.ReviewedBy, "reviewed_at": at})
		if res.Error != nil {
			return domain.Review{}, fmt.Errorf("store: put review: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			return domain.Review{}, domain.Errorf(domain.EConflict, "the review of %s changed at the same time; try again", r.IndicatorCode)
		}
	}
	where := "inspection_id = ? AND indicator_code = ?"
	if err := tx.db.Where(where, r.InspectionID, r.IndicatorCode).Delete(&findingRow{}).Error; err != nil {
		return domain.Review{}, fmt.Errorf("store: replace findings: %w", err)
	}
	if err := tx.db.Where(where, r.InspectionID, r.IndicatorCode).Delete(&requirementRow{}).Error; err != nil {
		return domain.Review{}, fmt.Errorf("store: replace requirements: %w", err)
	}
	for _, f := range findings {
		fr := findingRow{InspectionID: r.InspectionID, IndicatorCode: r.IndicatorCode, Severity: string(f.Severity),
			Text: f.Text, CreatedBy: r.ReviewedBy, CreatedAt: at}
		if err := tx.db.Create(&fr).Error; err != nil {
			return domain.Review{}, fmt.Errorf("store: finding: %w", err)
		}
	}
	for _, q := range reqs {
		qr := requirementRow{InspectionID: r.InspectionID, IndicatorCode: r.IndicatorCode, Text: q.Text,
			DueAt: q.DueAt.UTC(), CreatedBy: r.ReviewedBy, CreatedAt: at}
		if err := tx.db.Create(&qr).Error; err != nil {
			return domain.Review{}, fmt.Errorf("store: requirement: %w", err)
		}
	}
	return row.toDomain()
}

// Reviews returns the reviews of an inspection by indicator code.
func (tx *Tx) Reviews(inspectionID int64) ([]domain.Review, error) {
	m, err := tx.ReviewsOf([]int64{inspectionID})
	if err != nil {
		return nil, err
	}
	return m[inspectionID], nil
}

// ReviewsOf returns the reviews of several inspections, by inspection, each
// list by indicator code.
func (tx *Tx) ReviewsOf(inspectionIDs []int64) (map[int64][]domain.Review, error) {
	out := map[int64][]domain.Review{}
	if len(inspectionIDs) == 0 {
		return out, nil
	}
	var rows []reviewRow
	if err := tx.db.Where("inspection_id IN ?", inspectionIDs).Order("inspection_id, indicator_code").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: reviews: %w", err)
	}
	for _, r := range rows {
		rv, err := r.toDomain()
		if err != nil {
			return nil, err
		}
		out[r.InspectionID] = append(out[r.InspectionID], rv)
	}
	return out, nil
}

// Findings returns the findings of an inspection's site review in id order.
func (tx *Tx) Findings(inspectionID int64) ([]domain.Finding, error) {
	var rows []findingRow
	if err := tx.db.Where("inspection_id = ?", inspectionID).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: findings: %w", err)
	}
	out := make([]domain.Finding, len(rows))
	for i, r := range rows {
		out[i] = domain.Finding{ID: r.ID, InspectionID: r.InspectionID, IndicatorCode: r.IndicatorCode,
			Severity: domain.Severity(r.Severity), Text: r.Text, CreatedAt: r.CreatedAt}
	}
	return out, nil
}

// Requirements returns the rectification requirements of an inspection's
// site review in id order.
func (tx *Tx) Requirements(inspectionID int64) ([]domain.Requirement, error) {
	var rows []requirementRow
	if err := tx.db.Where("inspection_id = ?", inspectionID).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: requirements: %w", err)
	}
	out := make([]domain.Requirement, len(rows))
	for i, r := range rows {
		out[i] = domain.Requirement{ID: r.ID, InspectionID: r.InspectionID, IndicatorCode: r.IndicatorCode,
			Text: r.Text, DueAt: r.DueAt, CreatedAt: r.CreatedAt}
	}
	return out, nil
}

// --- inspectors assigned to a batch ---

type batchInspectorRow struct {
	BatchID    int64 `gorm:"primaryKey"`
	UserID     int64 `gorm:"primaryKey"`
	AssignedBy int64
	AssignedAt time.Time
}

func (batchInspectorRow) TableName() string { return "batch_inspectors" }

// SetBatchInspectors replaces the inspectors assigned to a batch.
func (tx *Tx) SetBatchInspectors(batchID int64, userIDs []int64, by int64, now time.Time) error {
	if err := tx.db.Where("batch_id = ?", batchID).Delete(&batchInspectorRow{}).Error; err != nil {
		return fmt.Errorf("store: batch inspectors: %w", err)
	}
	if len(userIDs) == 0 {
		return nil
	}
	rows := make([]batchInspectorRow, len(userIDs))
	for i, id := range userIDs {
		rows[i] = batchInspectorRow{BatchID: batchID, UserID: id, AssignedBy: by, AssignedAt: now.UTC()}
	}
	if err := tx.db.Create(&rows).Error; err != nil {
		return fmt.Errorf("store: batch inspectors: %w", err)
	}
	return nil
}

// BatchInspectors returns the users assigned to a batch, by user id.
func (tx *Tx) BatchInspectors(batchID int64) ([]User, error) {
	var rows []userRow
	err := tx.db.Where("id IN (SELECT user_id FROM batch_inspectors WHERE batch_id = ?)", batchID).Order("id").
		Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: batch inspectors: %w", err)
	}
	out := make([]User, len(rows))
	for i, r := range rows {
		out[i] = r.toUser()
	}
	return out, nil
}

// IsBatchInspector reports whether a user is assigned to a batch.
func (tx *Tx) IsBatchInspector(batchID, userID int64) (bool, error) {
	var n int64
	err := tx.db.Model(&batchInspectorRow{}).Where("batch_id = ? AND user_id = ?", batchID, userID).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("store: batch inspector: %w", err)
	}
	return n > 0, nil
}
