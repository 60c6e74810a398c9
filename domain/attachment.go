package domain

import (
	"slices"
	"time"
)

// Attachment is one uploaded file: evidence for a self-check answer, a
// review finding or a complaint. Its bytes are stored once per SHA-256
// (several attachments may share them); the attachment row says who uploaded
// them, for which region, and under which name.
type Attachment struct {
	ID     int64  `json:"id"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	// ContentType is the type sniffed from the bytes, never the one the
	// client declared.
	ContentType string    `json:"content_type"`
	FileName    string    `json:"file_name"`
	RegionCode  string    `json:"region_code"`
	UploadedBy  int64     `json:"uploaded_by"`
	CreatedAt   time.Time `json:"created_at"`
}

// Media types of the files ducha accepts as attachments: documents and
// pictures an inspection produces. Anything else (archives, executables,
// HTML, macro-enabled Office files) is refused.
const (
	TypePDF  = "application/pdf"
	TypePNG  = "image/png"
	TypeJPEG = "image/jpeg"
	TypeGIF  = "image/gif"
	TypeWebP = "image/webp"
	TypeDOC  = "application/msword"
	TypeXLS  = "application/vnd.ms-excel"
	TypePPT  = "application/vnd.ms-powerpoint"
	TypeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	TypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	TypePPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
	TypeODT  = "application/vnd.oasis.opendocument.text"
	TypeODS  = "application/vnd.oasis.opendocument.spreadsheet"
	TypeODP  = "application/vnd.oasis.opendocument.presentation"
)

// AttachmentTypes lists the accepted media types.
var AttachmentTypes = []string{
	TypePDF, TypePNG, TypeJPEG, TypeGIF, TypeWebP,
	TypeDOC, TypeXLS, TypePPT, TypeDOCX, TypeXLSX, TypePPTX,
	TypeODT, TypeODS, TypeODP,
}

// AttachmentTypeAllowed reports whether files of media type ct are accepted.
func AttachmentTypeAllowed(ct string) bool { return slices.Contains(AttachmentTypes, ct) }
