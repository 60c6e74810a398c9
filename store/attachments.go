package store

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm/clause"

	"github.com/ducha/ducha/domain"
)

// Attachment is domain.Attachment, named here too so that code validating
// attachment ids needs only this package.
type Attachment = domain.Attachment

// Blob describes stored bytes, one row per SHA-256.
type Blob struct {
	SHA256      string
	Size        int64
	ContentType string
}

type blobRow struct {
	SHA256      string `gorm:"column:sha256;primaryKey"`
	Size        int64
	ContentType string
	CreatedAt   time.Time
}

func (blobRow) TableName() string { return "attachment_blobs" }

type attachmentRow struct {
	ID          int64  `gorm:"primaryKey"`
	SHA256      string `gorm:"column:sha256"`
	FileName    string
	Size        int64
	ContentType string
	RegionCode  string
	UploadedBy  int64
	CreatedAt   time.Time
}

func (attachmentRow) TableName() string { return "attachments" }

func (r attachmentRow) toDomain() Attachment {
	return Attachment{ID: r.ID, SHA256: r.SHA256, Size: r.Size, ContentType: r.ContentType, FileName: r.FileName,
		RegionCode: r.RegionCode, UploadedBy: r.UploadedBy, CreatedAt: r.CreatedAt}
}

// PutBlob records stored bytes; it reports false when a row for the hash
// already existed (the bytes were uploaded before), and leaves that row as it
// was.
func (tx *Tx) PutBlob(b Blob, now time.Time) (created bool, err error) {
	res := tx.db.Clauses(clause.OnConflict{DoNothing: true}).
		Create(&blobRow{SHA256: b.SHA256, Size: b.Size, ContentType: b.ContentType, CreatedAt: now})
	if res.Error != nil {
		return false, fmt.Errorf("store: put blob: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// CountBlobs counts the blob rows (for tests and tools).
func (tx *Tx) CountBlobs() (int64, error) {
	var n int64
	if err := tx.db.Model(&blobRow{}).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("store: count blobs: %w", err)
	}
	return n, nil
}

// CreateAttachment stores an attachment whose blob row exists (PutBlob);
// the ID is assigned.
func (tx *Tx) CreateAttachment(a Attachment) (Attachment, error) {
	row := attachmentRow{SHA256: a.SHA256, FileName: a.FileName, Size: a.Size, ContentType: a.ContentType,
		RegionCode: a.RegionCode, UploadedBy: a.UploadedBy, CreatedAt: a.CreatedAt}
	if err := tx.db.Create(&row).Error; err != nil {
		return Attachment{}, fmt.Errorf("store: create attachment: %w", err)
	}
	return row.toDomain(), nil
}

// Attachment returns one attachment, or ENotFound.
func (tx *Tx) Attachment(id int64) (Attachment, error) {
	var r attachmentRow
	if err := tx.db.Take(&r, "id = ?", id).Error; err != nil {
		return Attachment{}, notFound(err, "attachment %d not found", id)
	}
	return r.toDomain(), nil
}

// Attachments returns the attachments with the given ids, in the order given
// and each once. When some do not exist it returns an EInvalid error whose
// message names them and whose field errors point at their positions as
// "body.attachment_ids[i]" (the field a self-check answer sends); a caller
// with another field name may rewrite the locations.
func (tx *Tx) Attachments(ids []int64) ([]Attachment, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []attachmentRow
	if err := tx.db.Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: attachments: %w", err)
	}
	byID := make(map[int64]attachmentRow, len(rows))
	for _, r := range rows {
		byID[r.ID] = r
	}
	out := make([]Attachment, 0, len(rows))
	seen := make(map[int64]bool, len(ids))
	var missing []string
	var fields []domain.FieldError
	for i, id := range ids {
		r, ok := byID[id]
		if !ok {
			missing = append(missing, strconv.FormatInt(id, 10))
			fields = append(fields, domain.FieldError{Location: fmt.Sprintf("body.attachment_ids[%d]", i),
				Message: "no such attachment", Value: id})
			continue
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, r.toDomain())
		}
	}
	if len(missing) > 0 {
		return nil, &domain.Error{Code: domain.EInvalid,
			Message: "no attachments with ids " + strings.Join(missing, ", "), Fields: fields}
	}
	return out, nil
}
