package store

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/migrations"
)

// Self-check answers. The current answer of (inspection, indicator, region)
// is a row of self_check_answers; every answer ever given, the current one
// included, is a row of self_check_revisions. Only PutAnswer writes either.

// answerContent is what an answer row's content column holds.
type answerContent struct {
	Narrative     string                          `json:"narrative,omitempty"`
	AttachmentIDs []int64                         `json:"attachment_ids,omitempty"`
	Measures      map[string]domain.MeasureAnswer `json:"measures,omitempty"`
	NotApplicable bool                            `json:"not_applicable,omitempty"`
	Reason        string                          `json:"reason,omitempty"`
}

type answerRow struct {
	ID            int64 `gorm:"primaryKey"`
	InspectionID  int64
	IndicatorCode string
	RegionCode    string
	Revision      int
	Content       string
	AnsweredBy    int64
	AnsweredAt    time.Time
}

func (answerRow) TableName() string { return "self_check_answers" }

type answerRevisionRow struct {
	ID            int64 `gorm:"primaryKey"`
	AnswerID      int64
	InspectionID  int64
	IndicatorCode string
	RegionCode    string
	Revision      int
	Content       string
	AnsweredBy    int64
	AnsweredAt    time.Time
}

func (answerRevisionRow) TableName() string { return "self_check_revisions" }

func answerOf(id, inspection int64, indicator, region string, revision int, content string, by int64, at time.Time) (domain.Answer, error) {
	var c answerContent
	if err := json.Unmarshal([]byte(content), &c); err != nil {
		return domain.Answer{}, fmt.Errorf("store: answer %d content: %w", id, err)
	}
	return domain.Answer{ID: id, InspectionID: inspection, IndicatorCode: indicator, RegionCode: region,
		Revision: revision, Narrative: c.Narrative, AttachmentIDs: c.AttachmentIDs, Measures: c.Measures,
		NotApplicable: c.NotApplicable, Reason: c.Reason, AnsweredBy: by, AnsweredAt: at}, nil
}

func (r answerRow) toDomain() (domain.Answer, error) {
	return answerOf(r.ID, r.InspectionID, r.IndicatorCode, r.RegionCode, r.Revision, r.Content, r.AnsweredBy, r.AnsweredAt)
}

// PutAnswer records a's content as the current answer of (a.InspectionID,
// a.IndicatorCode, a.RegionCode), one revision after the one it replaces
// (revision 1 for a first answer), and keeps it as a revision too. It
// returns the answer as stored, with its id and revision. Call it holding
// the inspection's lock, so that two writers do not race for a revision.
func (tx *Tx) PutAnswer(a domain.Answer) (domain.Answer, error) {
	b, err := json.Marshal(answerContent{Narrative: a.Narrative, AttachmentIDs: a.AttachmentIDs, Measures: a.Measures,
		NotApplicable: a.NotApplicable, Reason: a.Reason})
	if err != nil {
		return domain.Answer{}, fmt.Errorf("store: answer content: %w", err)
	}
	var row answerRow
	err = tx.db.Where("inspection_id = ? AND indicator_code = ? AND region_code = ?", a.InspectionID, a.IndicatorCode,
		a.RegionCode).Limit(1).Find(&row).Error
	if err != nil {
		return domain.Answer{}, fmt.Errorf("store: put answer: %w", err)
	}
	at := a.AnsweredAt.UTC()
	if row.ID == 0 {
		row = answerRow{InspectionID: a.InspectionID, IndicatorCode: a.IndicatorCode, RegionCode: a.RegionCode,
			Revision: 1, Content: string(b), AnsweredBy: a.AnsweredBy, AnsweredAt: at}
		if err := tx.db.Create(&row).Error; err != nil {
			if isDuplicate(err) {
				return domain.Answer{}, domain.Errorf(domain.EConflict, "another answer for %s of %s was stored at the same time; try again",
					a.IndicatorCode, a.RegionCode)
			}
			return domain.Answer{}, fmt.Errorf("store: put answer: %w", err)
		}
	} else {
		row.Revision++
		row.Content, row.AnsweredBy, row.AnsweredAt = string(b), a.AnsweredBy, at
		res := tx.db.Model(&answerRow{}).Where("id = ? AND revision = ?", row.ID, row.Revision-1).
			Updates(map[string]any{"revision": row.Revision, "content": row.Content, "answered_by": row.AnsweredBy,
				"answered_at": at})
		if res.Error != nil {
			return domain.Answer{}, fmt.Errorf("store: put answer: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			return domain.Answer{}, domain.Errorf(domain.EConflict, "the answer for %s of %s changed at the same time; try again",
				a.IndicatorCode, a.RegionCode)
		}
	}
	rev := answerRevisionRow{AnswerID: row.ID, InspectionID: row.InspectionID, IndicatorCode: row.IndicatorCode,
		RegionCode: row.RegionCode, Revision: row.Revision, Content: row.Content, AnsweredBy: row.AnsweredBy,
		AnsweredAt: at}
	if err := tx.db.Create(&rev).Error; err != nil {
		return domain.Answer{}, fmt.Errorf("store: answer revision: %w", err)
	}
	return row.toDomain()
}

// Answers returns the current answers of an inspection, by indicator code
// and region code.
func (tx *Tx) Answers(inspectionID int64) ([]domain.Answer, error) {
	m, err := tx.AnswersOf([]int64{inspectionID})
	if err != nil {
		return nil, err
	}
	return m[inspectionID], nil
}

// AnswersOf returns the current answers of several inspections (a batch's),
// by inspection, each list by indicator code and region code.
func (tx *Tx) AnswersOf(inspectionIDs []int64) (map[int64][]domain.Answer, error) {
	out := map[int64][]domain.Answer{}
	if len(inspectionIDs) == 0 {
		return out, nil
	}
	var rows []answerRow
	err := tx.db.Where("inspection_id IN ?", inspectionIDs).Order("inspection_id, indicator_code, region_code").
		Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: answers: %w", err)
	}
	for _, r := range rows {
		a, err := r.toDomain()
		if err != nil {
			return nil, err
		}
		out[r.InspectionID] = append(out[r.InspectionID], a)
	}
	return out, nil
}

// answerFigures is the part of an answer's content that scoring reads.
// Decoding into it skips the narrative and attachment ids (encoding/json
// only scans fields a struct does not name).
type answerFigures struct {
	Measures      map[string]domain.MeasureAnswer `json:"measures,omitempty"`
	NotApplicable bool                            `json:"not_applicable,omitempty"`
}

// AnswerFiguresOf returns the current answers of several inspections like
// AnswersOf, in the same order, but with only what scoring and roll-ups
// read: ID, InspectionID, IndicatorCode, RegionCode, Measures and
// NotApplicable. The rest (narrative, attachments, reasons, revision,
// author, time) is left zero.
//
// It exists because scoring a national batch reads tens of thousands of
// answers: selecting four columns, scanning them without GORM's per-row
// reflection and decoding only the figures is several times faster than
// AnswersOf (docs/performance.md).
func (tx *Tx) AnswerFiguresOf(inspectionIDs []int64) (map[int64][]domain.Answer, error) {
	out := map[int64][]domain.Answer{}
	if len(inspectionIDs) == 0 {
		return out, nil
	}
	rows, err := tx.db.Model(&answerRow{}).Select("id, inspection_id, indicator_code, region_code, content").
		Where("inspection_id IN ?", inspectionIDs).Order("inspection_id, indicator_code, region_code").Rows()
	if err != nil {
		return nil, fmt.Errorf("store: answer figures: %w", err)
	}
	defer rows.Close()
	var content sql.RawBytes // reused row to row: Unmarshal copies what it keeps
	for rows.Next() {
		var a domain.Answer
		if err := rows.Scan(&a.ID, &a.InspectionID, &a.IndicatorCode, &a.RegionCode, &content); err != nil {
			return nil, fmt.Errorf("store: answer figures: %w", err)
		}
		var f answerFigures
		if err := json.Unmarshal(content, &f); err != nil {
			return nil, fmt.Errorf("store: answer %d content: %w", a.ID, err)
		}
		a.Measures, a.NotApplicable = f.Measures, f.NotApplicable
		out[a.InspectionID] = append(out[a.InspectionID], a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: answer figures: %w", err)
	}
	return out, nil
}

// AnswerRevisions returns every answer given for an indicator of an
// inspection, for all its regions, oldest first.
func (tx *Tx) AnswerRevisions(inspectionID int64, indicatorCode string) ([]domain.Answer, error) {
	var rows []answerRevisionRow
	err := tx.db.Where("inspection_id = ? AND indicator_code = ?", inspectionID, indicatorCode).Order("id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: answer revisions: %w", err)
	}
	out := make([]domain.Answer, len(rows))
	for i, r := range rows {
		a, err := answerOf(r.AnswerID, r.InspectionID, r.IndicatorCode, r.RegionCode, r.Revision, r.Content,
			r.AnsweredBy, r.AnsweredAt)
		if err != nil {
			return nil, err
		}
		out[i] = a
	}
	return out, nil
}

// PutAnswers stores many first answers at once (no revisions of earlier
// ones): for seeding large self-checks in tools and benchmarks. Every
// (inspection, indicator, region) must be new.
func (tx *Tx) PutAnswers(as []domain.Answer) error {
	if len(as) == 0 {
		return nil
	}
	rows := make([]answerRow, len(as))
	for i, a := range as {
		b, err := json.Marshal(answerContent{Narrative: a.Narrative, AttachmentIDs: a.AttachmentIDs,
			Measures: a.Measures, NotApplicable: a.NotApplicable, Reason: a.Reason})
		if err != nil {
			return fmt.Errorf("store: answer content: %w", err)
		}
		rows[i] = answerRow{InspectionID: a.InspectionID, IndicatorCode: a.IndicatorCode, RegionCode: a.RegionCode,
			Revision: 1, Content: string(b), AnsweredBy: a.AnsweredBy, AnsweredAt: a.AnsweredAt.UTC()}
	}
	size := 500
	if tx.dialect == migrations.SQLite {
		size = 100
	}
	if err := tx.db.CreateInBatches(rows, size).Error; err != nil {
		return fmt.Errorf("store: put answers: %w", err)
	}
	revs := make([]answerRevisionRow, len(rows))
	for i, r := range rows {
		revs[i] = answerRevisionRow{AnswerID: r.ID, InspectionID: r.InspectionID, IndicatorCode: r.IndicatorCode,
			RegionCode: r.RegionCode, Revision: 1, Content: r.Content, AnsweredBy: r.AnsweredBy, AnsweredAt: r.AnsweredAt}
	}
	if err := tx.db.CreateInBatches(revs, size).Error; err != nil {
		return fmt.Errorf("store: put answer revisions: %w", err)
	}
	return nil
}
