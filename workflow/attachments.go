package workflow

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/ducha/ducha/blobs"
	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/store"
)

// Blobs keeps the bytes of attachments by their SHA-256 (lower-case hex).
// blobs.Disk is the local-disk implementation; an object store can be
// another. Put must never leave partial bytes readable under a hash, must
// refuse bytes that do not hash to sum, and may skip a hash it already has.
type Blobs interface {
	Put(ctx context.Context, sum string, r io.Reader) error
	Open(ctx context.Context, sum string) (io.ReadCloser, error)
	Exists(ctx context.Context, sum string) (bool, error)
}

// DefaultMaxUpload is the largest attachment when none is configured.
const DefaultMaxUpload = 20 << 20

// AttachmentConfig limits and places uploads.
type AttachmentConfig struct {
	// MaxSize is the largest file accepted, in bytes (DefaultMaxUpload when 0).
	MaxSize int64
	// SpoolDir holds uploads while they are checked (os.TempDir() when "");
	// best on the blob store's file system.
	SpoolDir string
}

// Attachments receives, stores and serves uploaded files.
type Attachments struct {
	Deps
	blobStore Blobs
	cfg       AttachmentConfig
}

// NewAttachments returns the attachment use cases.
func NewAttachments(d Deps, bs Blobs, cfg AttachmentConfig) *Attachments {
	if cfg.MaxSize <= 0 {
		cfg.MaxSize = DefaultMaxUpload
	}
	return &Attachments{Deps: d, blobStore: bs, cfg: cfg}
}

// MaxSize is the largest file accepted, in bytes.
func (s *Attachments) MaxSize() int64 { return s.cfg.MaxSize }

// Received is an uploaded file held in a spool file, hashed, measured and
// sniffed, until Create stores it. Discard it when done (also after Create).
type Received struct {
	f           *os.File
	SHA256      string
	Size        int64
	ContentType string
}

// Discard removes the spool file; it may be called on nil and more than once.
func (r *Received) Discard() {
	if r == nil || r.f == nil {
		return
	}
	r.f.Close()
	os.Remove(r.f.Name())
	r.f = nil
}

// Receive reads an upload into a spool file, hashing it on the way, and
// sniffs its type from the bytes. Bytes beyond MaxSize are not read: the
// answer is ETooLarge. A reader failing with a *domain.Error (such as a
// request-size limit) fails Receive with that error; other read errors are
// EBadRequest (the client broke off).
func (s *Attachments) Receive(ctx context.Context, r io.Reader) (*Received, error) {
	f, err := os.CreateTemp(s.cfg.SpoolDir, "upload-*")
	if err != nil {
		return nil, fmt.Errorf("attachments: spool: %w", err)
	}
	rec := &Received{f: f}
	ok := false
	defer func() {
		if !ok {
			rec.Discard()
		}
	}()
	h := sha256.New()
	src := &readErrs{r: io.LimitReader(ctxReader{ctx, r}, s.cfg.MaxSize+1)}
	n, err := io.Copy(f, io.TeeReader(src, h))
	if err != nil {
		if src.err == nil {
			return nil, fmt.Errorf("attachments: spool: %w", err)
		}
		var de *domain.Error
		if errors.As(src.err, &de) {
			return nil, src.err
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, domain.Errorf(domain.EBadRequest, "the upload broke off: %v", src.err)
	}
	if n > s.cfg.MaxSize {
		return nil, tooLarge(s.cfg.MaxSize)
	}
	rec.SHA256, rec.Size = hex.EncodeToString(h.Sum(nil)), n
	if rec.ContentType, err = blobs.Sniff(f, n); err != nil {
		return nil, fmt.Errorf("attachments: sniff: %w", err)
	}
	ok = true
	return rec, nil
}

func tooLarge(max int64) error {
	return &domain.Error{Code: domain.ETooLarge, Message: fmt.Sprintf("the file is larger than the limit of %d bytes", max),
		Extra: map[string]any{"max_bytes": max}}
}

// readErrs remembers the error of its reader, to tell a client's broken
// upload from a failing disk.
type readErrs struct {
	r   io.Reader
	err error
}

func (e *readErrs) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		e.err = err
	}
	return n, err
}

// ctxReader stops a read once its context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// NewAttachment is a request to store a received file.
type NewAttachment struct {
	// File is nil when the request carried no file.
	File *Received
	// FileName is the client's name for the file; it is sanitised.
	FileName string
	// RegionCode is the region the file is evidence for; "" is the actor's.
	RegionCode string
}

// Create stores a received file as an attachment of a region in the actor's
// subtree. The type sniffed from the bytes must be one of
// domain.AttachmentTypes (else EUnsupportedMedia naming it); what the client
// declared does not count. Equal bytes are stored once; every upload gets its
// own attachment. The blob is stored before the rows, so that no row ever
// names missing bytes (a failure in between leaves an unreferenced blob,
// which a later upload of the same bytes reuses).
func (s *Attachments) Create(ctx context.Context, actor domain.Actor, in NewAttachment) (domain.Attachment, error) {
	var v domain.Validation
	if in.File == nil {
		v.Add("body.file", "required: send the file as the multipart part named file")
	} else if in.File.Size == 0 {
		v.Add("body.file", "the file is empty")
	}
	region := in.RegionCode
	if region == "" {
		region = actor.RegionCode
	}
	if _, ok := domain.LevelOfCode(region); !ok {
		v.AddValue("body.region_code", region, "not a region code")
	} else if _, err := s.Store.Read(ctx).Region(region); err != nil {
		if domain.ErrorCode(err) != domain.ENotFound {
			return domain.Attachment{}, err
		}
		v.AddValue("body.region_code", region, "no such region")
	}
	if err := v.Err(); err != nil {
		return domain.Attachment{}, err
	}
	if err := s.Authz.Check(actor, "attachments", "create", region); err != nil {
		return domain.Attachment{}, err
	}
	if !domain.Within(region, actor.RegionCode) {
		return domain.Attachment{}, domain.Errorf(domain.EForbidden,
			"region %s is outside the subtree of %s: attach files only to your own region or those below it", region, actor.RegionCode)
	}
	f := in.File
	if !domain.AttachmentTypeAllowed(f.ContentType) {
		return domain.Attachment{}, &domain.Error{Code: domain.EUnsupportedMedia,
			Message: fmt.Sprintf("files of type %s are not accepted (the type is read from the bytes; accepted_types lists those accepted)", f.ContentType),
			Extra:   map[string]any{"detected_type": f.ContentType, "accepted_types": domain.AttachmentTypes}}
	}
	name := blobs.SanitizeName(in.FileName)
	if name == "" {
		name = blobs.DownloadName("", f.ContentType)
	}

	have, err := s.blobStore.Exists(ctx, f.SHA256)
	if err != nil {
		return domain.Attachment{}, fmt.Errorf("attachments: %w", err)
	}
	if !have {
		if _, err := f.f.Seek(0, io.SeekStart); err != nil {
			return domain.Attachment{}, fmt.Errorf("attachments: rewind spool: %w", err)
		}
		if err := s.blobStore.Put(ctx, f.SHA256, f.f); err != nil {
			return domain.Attachment{}, fmt.Errorf("attachments: %w", err)
		}
	}

	now := s.now()
	var a domain.Attachment
	err = s.Store.Tx(ctx, func(tx *store.Tx) error {
		created, err := tx.PutBlob(store.Blob{SHA256: f.SHA256, Size: f.Size, ContentType: f.ContentType}, now)
		if err != nil {
			return err
		}
		a, err = tx.CreateAttachment(domain.Attachment{SHA256: f.SHA256, Size: f.Size, ContentType: f.ContentType,
			FileName: name, RegionCode: region, UploadedBy: actor.UserID, CreatedAt: now})
		if err != nil {
			return err
		}
		return audit(ctx, tx, actor, now, store.AuditEntry{Entity: "attachment", EntityID: strconv.FormatInt(a.ID, 10),
			RegionCode: region, Event: "create", Detail: map[string]any{"sha256": a.SHA256, "size": a.Size,
				"content_type": a.ContentType, "file_name": a.FileName, "deduplicated": !created}})
	})
	return a, err
}

// Get returns an attachment's metadata, if the actor may read attachments of
// its region (policy attachments:read, usually the caller's lineage).
func (s *Attachments) Get(ctx context.Context, actor domain.Actor, id int64) (domain.Attachment, error) {
	a, err := s.Store.Read(ctx).Attachment(id)
	if err != nil {
		return domain.Attachment{}, err
	}
	if err := s.Authz.Check(actor, "attachments", "read", a.RegionCode); err != nil {
		return domain.Attachment{}, err
	}
	return a, nil
}

// Open returns an attachment and its bytes, under the same rule as Get. The
// caller closes the reader; with blobs.Disk it is also an io.ReadSeeker.
func (s *Attachments) Open(ctx context.Context, actor domain.Actor, id int64) (domain.Attachment, io.ReadCloser, error) {
	a, err := s.Get(ctx, actor, id)
	if err != nil {
		return domain.Attachment{}, nil, err
	}
	rc, err := s.blobStore.Open(ctx, a.SHA256)
	if err != nil {
		// A row without its bytes is our fault, not the client's.
		return domain.Attachment{}, nil, fmt.Errorf("attachments: blob of attachment %d: %w", id, err)
	}
	return a, rc, nil
}
