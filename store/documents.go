package store

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/migrations"
)

// Issued documents (feedback letters, bulletins), their numbers, the
// regions' rectification answers with the decisions on them, the
// escalations of overdue requirements, and a batch's good practices.
//
// A document is written once by CreateDocument and never updated: there is
// no method that changes one.

// Document kinds.
const (
	KindFeedback = "feedback"
	KindBulletin = "bulletin"
)

// Document is an issued document: its number, its content as JSON (the
// documents package's value) and its rendered HTML.
type Document struct {
	ID int64
	// Kind is KindFeedback (EntityID an inspection) or KindBulletin
	// (EntityID a batch).
	Kind       string
	EntityID   int64
	CampaignID int64
	BatchID    int64
	// RegionCode is the inspected region (feedback) or the campaign's
	// (bulletin).
	RegionCode string
	Number     string
	Year       int
	Seq        int
	Title      string
	IssuedAt   time.Time
	Content    []byte
	HTML       string
	CreatedAt  time.Time
}

type documentRow struct {
	ID         int64 `gorm:"primaryKey"`
	Kind       string
	EntityID   int64
	CampaignID int64
	BatchID    int64
	RegionCode string
	Number     string
	Year       int
	Seq        int
	Title      string
	IssuedAt   time.Time
	Content    string
	HTML       string `gorm:"column:html"`
	CreatedAt  time.Time
}

func (documentRow) TableName() string { return "documents" }

func (r documentRow) toDocument() Document {
	return Document{ID: r.ID, Kind: r.Kind, EntityID: r.EntityID, CampaignID: r.CampaignID, BatchID: r.BatchID,
		RegionCode: r.RegionCode, Number: r.Number, Year: r.Year, Seq: r.Seq, Title: r.Title, IssuedAt: r.IssuedAt,
		Content: []byte(r.Content), HTML: r.HTML, CreatedAt: r.CreatedAt}
}

type documentNumberRow struct {
	ID        int64 `gorm:"primaryKey"`
	Kind      string
	Year      int
	Seq       int
	EntityID  int64
	CreatedAt time.Time
}

func (documentNumberRow) TableName() string { return "document_numbers" }

// TakeDocumentNumber returns the sequence number of the document of kind
// for entityID in year: the one it already has if a number was taken for
// it before (in a transaction that committed), else the year's next one
// (from 1). The unique keys (kind, year, seq) and (kind, entity_id) are the
// backstop: a concurrent taker of the same number fails with an error and
// its task is retried.
func (tx *Tx) TakeDocumentNumber(kind string, year int, entityID int64, now time.Time) (int, error) {
	var have documentNumberRow
	err := tx.db.Where("kind = ? AND entity_id = ?", kind, entityID).Limit(1).Find(&have).Error
	if err != nil {
		return 0, fmt.Errorf("store: document number: %w", err)
	}
	if have.ID != 0 {
		return have.Seq, nil
	}
	var last struct{ Seq *int }
	q := tx.db.Model(&documentNumberRow{}).Select("MAX(seq) AS seq").Where("kind = ? AND year = ?", kind, year)
	if tx.dialect == migrations.MySQL {
		// Serialise takers of the same year's numbers (SQLite's writer
		// lock already does).
		q = tx.maybeLock(q, true)
	}
	if err := q.Scan(&last).Error; err != nil {
		return 0, fmt.Errorf("store: document number: %w", err)
	}
	seq := 1
	if last.Seq != nil {
		seq = *last.Seq + 1
	}
	row := documentNumberRow{Kind: kind, Year: year, Seq: seq, EntityID: entityID, CreatedAt: now}
	if err := tx.db.Create(&row).Error; err != nil {
		if isDuplicate(err) {
			return 0, domain.Errorf(domain.EConflict, "document number %s %d/%d was taken concurrently", kind, year, seq)
		}
		return 0, fmt.Errorf("store: document number: %w", err)
	}
	return seq, nil
}

// CreateDocument stores an issued document. A second document of the same
// kind for the same entity, or with the same number, is EConflict.
func (tx *Tx) CreateDocument(d Document, now time.Time) (Document, error) {
	row := documentRow{Kind: d.Kind, EntityID: d.EntityID, CampaignID: d.CampaignID, BatchID: d.BatchID,
		RegionCode: d.RegionCode, Number: d.Number, Year: d.Year, Seq: d.Seq, Title: d.Title, IssuedAt: d.IssuedAt.UTC(),
		Content: string(d.Content), HTML: d.HTML, CreatedAt: now}
	if err := tx.db.Create(&row).Error; err != nil {
		if isDuplicate(err) {
			return Document{}, domain.Errorf(domain.EConflict, "%s %d is already issued", d.Kind, d.EntityID)
		}
		return Document{}, fmt.Errorf("store: create document: %w", err)
	}
	return row.toDocument(), nil
}

// DocumentFor returns the document of kind issued for an entity, or
// ENotFound.
func (tx *Tx) DocumentFor(kind string, entityID int64) (Document, error) {
	var r documentRow
	if err := tx.db.Take(&r, "kind = ? AND entity_id = ?", kind, entityID).Error; err != nil {
		return Document{}, notFound(err, "no %s issued for %d", kind, entityID)
	}
	return r.toDocument(), nil
}

// DocumentByID returns a document of kind by its id, or ENotFound.
func (tx *Tx) DocumentByID(kind string, id int64) (Document, error) {
	var r documentRow
	if err := tx.db.Take(&r, "kind = ? AND id = ?", kind, id).Error; err != nil {
		return Document{}, notFound(err, "%s %d not found", kind, id)
	}
	return r.toDocument(), nil
}

// ListDocuments lists documents of kind by id after `after`, of one batch
// when batchID is not 0, without their content and HTML.
func (tx *Tx) ListDocuments(kind string, batchID, after int64, limit int) ([]Document, error) {
	q := tx.db.Model(&documentRow{}).Omit("content", "html").Where("kind = ? AND id > ?", kind, after)
	if batchID != 0 {
		q = q.Where("batch_id = ?", batchID)
	}
	var rows []documentRow
	if err := q.Order("id").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: list documents: %w", err)
	}
	out := make([]Document, len(rows))
	for i, r := range rows {
		out[i] = r.toDocument()
	}
	return out, nil
}

// CountDocumentNumbers counts the numbers taken of kind (for tests and
// checks: one per issued document).
func (tx *Tx) CountDocumentNumbers(kind string) (int64, error) {
	var n int64
	err := tx.db.Model(&documentNumberRow{}).Where("kind = ?", kind).Count(&n).Error
	return n, err
}

// --- rectification ---

// RectificationAnswer is a region's answer to one requirement, with the
// reviewers' decision (Accepted nil: none yet).
type RectificationAnswer struct {
	InspectionID  int64      `json:"inspection_id"`
	RequirementID int64      `json:"requirement_id"`
	Narrative     string     `json:"narrative"`
	AttachmentIDs []int64    `json:"attachment_ids"`
	AnsweredBy    int64      `json:"answered_by"`
	AnsweredAt    time.Time  `json:"answered_at"`
	Accepted      *bool      `json:"accepted"`
	Reason        string     `json:"reason,omitempty"`
	DecidedBy     *int64     `json:"decided_by,omitempty"`
	DecidedAt     *time.Time `json:"decided_at,omitempty"`
	Version       int        `json:"version"`
}

type rectificationAnswerRow struct {
	ID            int64 `gorm:"primaryKey"`
	InspectionID  int64
	RequirementID int64
	Narrative     string
	AttachmentIDs string `gorm:"column:attachment_ids"`
	AnsweredBy    int64
	AnsweredAt    time.Time
	Accepted      *bool
	Reason        string
	DecidedBy     *int64
	DecidedAt     *time.Time
	Version       int
}

func (rectificationAnswerRow) TableName() string { return "rectification_answers" }

func (r rectificationAnswerRow) toAnswer() RectificationAnswer {
	a := RectificationAnswer{InspectionID: r.InspectionID, RequirementID: r.RequirementID, Narrative: r.Narrative,
		AnsweredBy: r.AnsweredBy, AnsweredAt: r.AnsweredAt, Accepted: r.Accepted, Reason: r.Reason,
		DecidedBy: r.DecidedBy, DecidedAt: r.DecidedAt, Version: r.Version, AttachmentIDs: []int64{}}
	_ = json.Unmarshal([]byte(r.AttachmentIDs), &a.AttachmentIDs)
	return a
}

// RectificationAnswers returns an inspection's answers by requirement id.
func (tx *Tx) RectificationAnswers(inspectionID int64) (map[int64]RectificationAnswer, error) {
	var rows []rectificationAnswerRow
	if err := tx.db.Where("inspection_id = ?", inspectionID).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: rectification answers: %w", err)
	}
	out := make(map[int64]RectificationAnswer, len(rows))
	for _, r := range rows {
		out[r.RequirementID] = r.toAnswer()
	}
	return out, nil
}

// PutRectificationAnswer creates or replaces the answer to a requirement;
// a replaced answer loses its decision (it awaits a new one).
func (tx *Tx) PutRectificationAnswer(a RectificationAnswer) (RectificationAnswer, error) {
	ids, err := json.Marshal(a.AttachmentIDs)
	if err != nil {
		return RectificationAnswer{}, err
	}
	var r rectificationAnswerRow
	if err := tx.db.Where("requirement_id = ?", a.RequirementID).Limit(1).Find(&r).Error; err != nil {
		return RectificationAnswer{}, fmt.Errorf("store: rectification answer: %w", err)
	}
	if r.ID == 0 {
		r = rectificationAnswerRow{InspectionID: a.InspectionID, RequirementID: a.RequirementID, Narrative: a.Narrative,
			AttachmentIDs: string(ids), AnsweredBy: a.AnsweredBy, AnsweredAt: a.AnsweredAt.UTC(), Version: 1}
		if err := tx.db.Create(&r).Error; err != nil {
			return RectificationAnswer{}, fmt.Errorf("store: rectification answer: %w", err)
		}
		return r.toAnswer(), nil
	}
	err = tx.db.Model(&rectificationAnswerRow{}).Where("id = ?", r.ID).Updates(map[string]any{
		"narrative": a.Narrative, "attachment_ids": string(ids), "answered_by": a.AnsweredBy,
		"answered_at": a.AnsweredAt.UTC(), "accepted": nil, "reason": "", "decided_by": nil, "decided_at": nil,
		"version": gormExpr("version + 1")}).Error
	if err != nil {
		return RectificationAnswer{}, fmt.Errorf("store: rectification answer: %w", err)
	}
	if err := tx.db.Take(&r, "id = ?", r.ID).Error; err != nil {
		return RectificationAnswer{}, fmt.Errorf("store: rectification answer: %w", err)
	}
	return r.toAnswer(), nil
}

// DecideRectification records the decision on an answered requirement; it
// returns ENotFound when the requirement has no answer.
func (tx *Tx) DecideRectification(requirementID int64, accepted bool, reason string, by int64, now time.Time) (RectificationAnswer, error) {
	res := tx.db.Model(&rectificationAnswerRow{}).Where("requirement_id = ?", requirementID).Updates(map[string]any{
		"accepted": accepted, "reason": reason, "decided_by": by, "decided_at": now.UTC(),
		"version": gormExpr("version + 1")})
	if res.Error != nil {
		return RectificationAnswer{}, fmt.Errorf("store: decide rectification: %w", res.Error)
	}
	var r rectificationAnswerRow
	if err := tx.db.Take(&r, "requirement_id = ?", requirementID).Error; err != nil {
		return RectificationAnswer{}, notFound(err, "requirement %d has no answer", requirementID)
	}
	return r.toAnswer(), nil
}

// Escalation is one step an overdue requirement was raised up the region tree.
type Escalation struct {
	InspectionID  int64     `json:"inspection_id"`
	RequirementID int64     `json:"requirement_id"`
	Step          int       `json:"step"`
	From          string    `json:"from"`
	To            string    `json:"to"`
	Reason        string    `json:"reason"`
	At            time.Time `json:"at"`
}

type rectEscalationRow struct {
	ID            int64 `gorm:"primaryKey"`
	InspectionID  int64
	RequirementID int64
	Step          int
	FromRegion    string
	ToRegion      string
	Reason        string
	At            time.Time
}

func (rectEscalationRow) TableName() string { return "rectification_escalations" }

// RecordEscalation stores step e.Step of a requirement's escalation; it
// reports false, storing nothing, when that step was recorded before.
func (tx *Tx) RecordEscalation(e Escalation) (bool, error) {
	var n int64
	if err := tx.db.Model(&rectEscalationRow{}).Where("requirement_id = ? AND step = ?", e.RequirementID, e.Step).
		Count(&n).Error; err != nil {
		return false, fmt.Errorf("store: escalation: %w", err)
	}
	if n > 0 {
		return false, nil
	}
	row := rectEscalationRow{InspectionID: e.InspectionID, RequirementID: e.RequirementID, Step: e.Step,
		FromRegion: e.From, ToRegion: e.To, Reason: e.Reason, At: e.At.UTC()}
	if err := tx.db.Create(&row).Error; err != nil {
		return false, fmt.Errorf("store: escalation: %w", err)
	}
	return true, nil
}

// Escalations lists an inspection's escalations in the order they happened.
func (tx *Tx) Escalations(inspectionID int64) ([]Escalation, error) {
	var rows []rectEscalationRow
	if err := tx.db.Where("inspection_id = ?", inspectionID).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: escalations: %w", err)
	}
	out := make([]Escalation, len(rows))
	for i, r := range rows {
		out[i] = Escalation{InspectionID: r.InspectionID, RequirementID: r.RequirementID, Step: r.Step,
			From: r.FromRegion, To: r.ToRegion, Reason: r.Reason, At: r.At}
	}
	return out, nil
}

// --- good practices ---

// GoodPractice is one good practice a bulletin passes on.
type GoodPractice struct {
	RegionCode string `json:"region_code"`
	Text       string `json:"text"`
}

type goodPracticesRow struct {
	BatchID   int64 `gorm:"primaryKey;autoIncrement:false"`
	Items     string
	UpdatedBy int64
	UpdatedAt time.Time
}

func (goodPracticesRow) TableName() string { return "good_practices" }

// SetGoodPractices replaces a batch's good practices.
func (tx *Tx) SetGoodPractices(batchID int64, items []GoodPractice, by int64, now time.Time) error {
	b, err := json.Marshal(items)
	if err != nil {
		return err
	}
	if err := tx.db.Where("batch_id = ?", batchID).Delete(&goodPracticesRow{}).Error; err != nil {
		return fmt.Errorf("store: good practices: %w", err)
	}
	row := goodPracticesRow{BatchID: batchID, Items: string(b), UpdatedBy: by, UpdatedAt: now}
	if err := tx.db.Create(&row).Error; err != nil {
		return fmt.Errorf("store: good practices: %w", err)
	}
	return nil
}

// GoodPractices returns a batch's good practices (none when never set).
func (tx *Tx) GoodPractices(batchID int64) ([]GoodPractice, error) {
	var rows []goodPracticesRow
	if err := tx.db.Where("batch_id = ?", batchID).Limit(1).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: good practices: %w", err)
	}
	out := []GoodPractice{}
	if len(rows) == 1 {
		_ = json.Unmarshal([]byte(rows[0].Items), &out)
	}
	return out, nil
}
