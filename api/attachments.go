package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humaecho"

	"github.com/ducha/ducha/blobs"
	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/workflow"
)

// AttachmentOut is an attachment as the API shows it.
type AttachmentOut struct {
	ID     int64  `json:"id"`
	SHA256 string `json:"sha256" doc:"SHA-256 of the bytes, lower-case hex; also the download's ETag."`
	Size   int64  `json:"size" doc:"Bytes."`
	// The type sniffed from the bytes, not the one the client declared.
	ContentType string    `json:"content_type" doc:"Media type read from the bytes; what the client declared is ignored."`
	FileName    string    `json:"file_name" doc:"The client's file name, sanitised."`
	RegionCode  string    `json:"region_code"`
	UploadedBy  int64     `json:"uploaded_by" doc:"Id of the user who uploaded it."`
	CreatedAt   time.Time `json:"created_at"`
}

func attachmentOut(a domain.Attachment) AttachmentOut {
	return AttachmentOut{ID: a.ID, SHA256: a.SHA256, Size: a.Size, ContentType: a.ContentType, FileName: a.FileName,
		RegionCode: a.RegionCode, UploadedBy: a.UploadedBy, CreatedAt: a.CreatedAt}
}

// uploadIn hands the raw request to the handler, which streams the multipart
// body itself: huma's own multipart support parses the whole form first,
// spilling files to disk without a size limit.
type uploadIn struct {
	req *http.Request
}

func (in *uploadIn) Resolve(ctx huma.Context) []error {
	in.req = humaecho.Unwrap(ctx).Request()
	return nil
}

type uploadOut struct {
	Location string `header:"Location"`
	Body     AttachmentOut
}

type attachmentIn struct {
	ID int64 `path:"id" minimum:"1"`
}

type attachmentContentOut struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition" doc:"attachment, with the file name as filename (ASCII) and filename* (UTF-8, RFC 5987)"`
	ETag               string `header:"ETag" doc:"The quoted SHA-256 of the bytes; If-None-Match gets 304."`
	ContentTypeOptions string `header:"X-Content-Type-Options"`
	CacheControl       string `header:"Cache-Control"`
	Body               func(huma.Context)
}

// uploadOverhead is what a multipart body may carry beyond the file itself:
// part headers, boundaries and the region_code field.
const uploadOverhead = 64 << 10

// maxUploadParts bounds the parts of an upload; unknown fields are skipped.
const maxUploadParts = 16

const attachmentsPath = "/api/v1/attachments"

func (s *Server) attachmentRoutes() {
	maxBody := s.Attachments.MaxSize() + uploadOverhead
	register(s, huma.Operation{OperationID: "upload-attachment", Method: http.MethodPost, Path: attachmentsPath,
		Summary: "Upload a file",
		Description: fmt.Sprintf("multipart/form-data with the part `file` and optionally `region_code` (default the "+
			"caller's region; within the caller's subtree). At most %d bytes (413). The type is read from the bytes "+
			"and must be one of %s (415 names the type found); a declared Content-Type or file extension is ignored. "+
			"Equal bytes are stored once; every upload gets its own attachment.",
			s.Attachments.MaxSize(), strings.Join(domain.AttachmentTypes, ", ")),
		Tags: []string{"attachments"}, DefaultStatus: http.StatusCreated,
		// huma does not read this body (uploadIn has none); the limit is
		// enforced while streaming, and recorded here for the document.
		MaxBodyBytes: maxBody,
		Errors:       []int{400, 413, 415}}, needs("attachments", "create"),
		func(ctx context.Context, in *uploadIn) (*uploadOut, error) {
			a, err := s.upload(ctx, in.req, maxBody)
			if err != nil {
				return nil, err
			}
			return &uploadOut{Location: attachmentsPath + "/" + strconv.FormatInt(a.ID, 10), Body: attachmentOut(a)}, nil
		})
	// huma would read and decode any body it is told about, so the multipart
	// schema is added to the document only after registration.
	if item := s.huma.OpenAPI().Paths[attachmentsPath]; item != nil && item.Post != nil {
		item.Post.RequestBody = &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{
			"multipart/form-data": {
				Schema: &huma.Schema{Type: "object", Required: []string{"file"}, Properties: map[string]*huma.Schema{
					"file": {Type: "string", Format: "binary",
						Description: "The file; its part's filename is kept (sanitised) as file_name."},
					"region_code": {Type: "string", MaxLength: ptr(12),
						Description: "The region the file is evidence for; default the caller's."},
				}},
				Encoding: map[string]*huma.Encoding{"file": {ContentType: "application/octet-stream"}},
			},
		}}
	}

	register(s, huma.Operation{OperationID: "get-attachment", Method: http.MethodGet, Path: attachmentsPath + "/{id}",
		Summary: "An attachment's metadata", Description: "Readable where its region lies in the caller's lineage.",
		Tags: []string{"attachments"}, Errors: []int{404}}, needs("attachments", "read"),
		func(ctx context.Context, in *attachmentIn) (*body[AttachmentOut], error) {
			a, err := s.Attachments.Get(ctx, actor(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			return &body[AttachmentOut]{attachmentOut(a)}, nil
		})

	register(s, huma.Operation{OperationID: "get-attachment-content", Method: http.MethodGet,
		Path: attachmentsPath + "/{id}/content", Summary: "Download an attachment",
		Description: "The bytes, with their sniffed type. Supports Range and If-None-Match (the ETag is the SHA-256).",
		Tags:        []string{"attachments"}, Errors: []int{404},
		Responses: map[string]*huma.Response{"200": {Description: "The file's bytes", Content: map[string]*huma.MediaType{
			"application/octet-stream": {Schema: &huma.Schema{Type: "string", Format: "binary"}}}}}},
		needs("attachments", "read"),
		func(ctx context.Context, in *attachmentIn) (*attachmentContentOut, error) {
			a, rc, err := s.Attachments.Open(ctx, actor(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			return &attachmentContentOut{ContentType: a.ContentType,
				ContentDisposition: contentDisposition("attachment", "", blobs.DownloadName(a.FileName, a.ContentType)),
				ETag:               `"` + a.SHA256 + `"`, ContentTypeOptions: "nosniff", CacheControl: "private, no-cache",
				Body: func(hc huma.Context) {
					defer rc.Close()
					c := humaecho.Unwrap(hc)
					if rs, ok := rc.(io.ReadSeeker); ok {
						// Range, If-None-Match and If-Modified-Since for free.
						http.ServeContent(c.Response(), c.Request(), "", a.CreatedAt, rs)
						return
					}
					hc.SetHeader("Content-Length", strconv.FormatInt(a.Size, 10))
					hc.SetStatus(http.StatusOK)
					if _, err := io.Copy(hc.BodyWriter(), rc); err != nil {
						s.Log.Warn("attachment download broke off", "id", a.ID, "err", err)
					}
				}}, nil
		})
}

func ptr[T any](v T) *T { return &v }

// upload streams a multipart upload: the file part goes to the use case as it
// arrives (spooled, hashed and sniffed there); nothing holds the whole body
// in memory, and nothing reads beyond maxBody bytes.
func (s *Server) upload(ctx context.Context, r *http.Request, maxBody int64) (domain.Attachment, error) {
	if r.ContentLength > maxBody {
		return domain.Attachment{}, bodyTooLarge(maxBody)
	}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return domain.Attachment{}, domain.Errorf(domain.EUnsupportedMedia,
			"send the file as multipart/form-data, in the part named file")
	}
	body := &limitedBody{r: r.Body, left: maxBody, max: maxBody}
	mr := multipart.NewReader(body, params["boundary"])
	var (
		rec    *workflow.Received
		name   string
		region string
	)
	defer func() { rec.Discard() }()
	fail := func(err error) (domain.Attachment, error) {
		if body.hit {
			return domain.Attachment{}, bodyTooLarge(maxBody)
		}
		var de *domain.Error
		if errors.As(err, &de) || errors.Is(err, context.Canceled) {
			return domain.Attachment{}, err
		}
		return domain.Attachment{}, domain.Errorf(domain.EBadRequest, "malformed multipart body: %v", err)
	}
	for parts := 0; ; parts++ {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fail(err)
		}
		if parts == maxUploadParts {
			return domain.Attachment{}, domain.Errorf(domain.EBadRequest, "more than %d parts", maxUploadParts)
		}
		switch p.FormName() {
		case "file":
			if rec != nil {
				var v domain.Validation
				v.Add("body.file", "send one file per request")
				return domain.Attachment{}, v.Err()
			}
			if rec, err = s.Attachments.Receive(ctx, p); err != nil {
				return fail(err)
			}
			name = p.FileName()
		case "region_code":
			b, err := io.ReadAll(io.LimitReader(p, 64))
			if err != nil {
				return fail(err)
			}
			region = strings.TrimSpace(string(b))
		}
		// Other parts are skipped; NextPart discards what is left of this one.
	}
	return s.Attachments.Create(ctx, actor(ctx), workflow.NewAttachment{File: rec, FileName: name, RegionCode: region})
}

func bodyTooLarge(max int64) error {
	file := max - uploadOverhead
	return &domain.Error{Code: domain.ETooLarge,
		Message: fmt.Sprintf("the request body is larger than %d bytes: files may have at most %d bytes", max, file),
		Extra:   map[string]any{"max_bytes": file}}
}

// limitedBody reads at most max bytes of a request body; a byte more fails
// the read and sets hit.
type limitedBody struct {
	r         io.Reader
	left, max int64
	hit       bool
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// Exactly max bytes are fine: only a further byte is too many.
		var one [1]byte
		n, err := b.r.Read(one[:])
		if n > 0 {
			b.hit = true
			return 0, bodyTooLarge(b.max)
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}

// contentDisposition formats a Content-Disposition header whose file name
// survives any client: filename="…" for old clients — the ASCII fallback when
// given, else name with non-ASCII and unsafe characters replaced by '_' — and
// filename*=UTF-8”… (RFC 5987/6266) with the exact name for the rest.
func contentDisposition(kind, fallback, name string) string {
	if fallback == "" {
		fallback = name
	}
	var ascii, ext strings.Builder
	for _, r := range fallback {
		if r < 0x20 || r >= 0x7f || r == '"' || r == '\\' || r == '%' {
			ascii.WriteByte('_')
		} else {
			ascii.WriteRune(r)
		}
	}
	const hex = "0123456789ABCDEF"
	for _, c := range []byte(name) {
		if isAttrChar(c) {
			ext.WriteByte(c)
		} else {
			ext.WriteByte('%')
			ext.WriteByte(hex[c>>4])
			ext.WriteByte(hex[c&0xF])
		}
	}
	return kind + `; filename="` + ascii.String() + `"; filename*=UTF-8''` + ext.String()
}

// isAttrChar reports RFC 5987's attr-char: what filename* carries unescaped.
func isAttrChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$&+-.^_`|~", c) >= 0
}
