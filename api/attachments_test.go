package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"testing"

	"github.com/ducha/ducha/app"
	"github.com/ducha/ducha/blobs/blobstest"
	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/testenv"
)

type attachment struct {
	ID          int64  `json:"id"`
	SHA256      string `json:"sha256"`
	Size        int64  `json:"size"`
	ContentType string `json:"content_type"`
	FileName    string `json:"file_name"`
	RegionCode  string `json:"region_code"`
	UploadedBy  int64  `json:"uploaded_by"`
	CreatedAt   string `json:"created_at"`
}

type uploadProblem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Location string `json:"location"`
		Message  string `json:"message"`
	} `json:"errors"`
	DetectedType string `json:"detected_type"`
	MaxBytes     int64  `json:"max_bytes"`
}

// part is one part of a multipart body: a file when fileName or ct is set.
type part struct {
	field, fileName, ct string
	data                []byte
}

func multipartBody(t testing.TB, parts ...part) (body []byte, contentType string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		cd := fmt.Sprintf(`form-data; name=%q`, p.field)
		if p.fileName != "" {
			// Raw UTF-8, as browsers and Go's CreateFormFile send it.
			cd += fmt.Sprintf(`; filename=%q`, p.fileName)
		}
		h.Set("Content-Disposition", cd)
		if p.ct != "" {
			h.Set("Content-Type", p.ct)
		}
		pw, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		pw.Write(p.data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), w.FormDataContentType()
}

func upload(a *testenv.App, token string, parts ...part) *testenv.Response {
	a.T.Helper()
	body, ct := multipartBody(a.T, parts...)
	return a.Do("POST", "/api/v1/attachments", token, body, "Content-Type", ct)
}

func file(name string, data []byte) part {
	return part{field: "file", fileName: name, ct: "application/octet-stream", data: data}
}

func mustUpload(a *testenv.App, token string, parts ...part) attachment {
	a.T.Helper()
	r := upload(a, token, parts...)
	if r.Status != http.StatusCreated {
		a.T.Fatalf("upload: status %d: %s", r.Status, r.Body)
	}
	var out attachment
	r.JSON(a.T, &out)
	if loc := r.Header.Get("Location"); loc != "/api/v1/attachments/"+strconv.FormatInt(out.ID, 10) {
		a.T.Errorf("Location = %q", loc)
	}
	return out
}

func sum(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:]) }

func decodeProblem(t testing.TB, r *testenv.Response) uploadProblem {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type = %q, want application/problem+json", ct)
	}
	var p uploadProblem
	r.JSON(t, &p)
	return p
}

func TestAttachmentUploadKinds201(t *testing.T) {
	a := testenv.StartApp(t, testenv.AppOptions{NoWorker: true})
	tok := a.NewUser("bj_coord", "province_coordinator", "11")
	tests := []struct {
		name, fileName string
		data           []byte
		want           string
	}{
		{"pdf", "自查报告.pdf", blobstest.MinimalPDF, domain.TypePDF},
		{"png", "现场照片.png", blobstest.PNG(t), domain.TypePNG},
		{"docx", "说明.docx", blobstest.DOCX(t), domain.TypeDOCX},
		{"xlsx", "台账.xlsx", blobstest.XLSX(t), domain.TypeXLSX},
		{"doc", "old.doc", blobstest.CFB([]string{"WordDocument", "1Table"}, 0), domain.TypeDOC},
		{"xls", "old.xls", blobstest.CFB([]string{"Workbook"}, 0), domain.TypeXLS},
		{"odt", "open.odt", blobstest.ODF(t, domain.TypeODT), domain.TypeODT},
		{"jpeg", "scan.jpg", blobstest.JPEG(t), domain.TypeJPEG},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := mustUpload(a, tok, file(tc.fileName, tc.data))
			want := attachment{ID: got.ID, SHA256: sum(tc.data), Size: int64(len(tc.data)), ContentType: tc.want,
				FileName: tc.fileName, RegionCode: "11", UploadedBy: got.UploadedBy, CreatedAt: got.CreatedAt}
			if got != want || got.ID == 0 || got.UploadedBy == 0 || got.CreatedAt == "" {
				t.Errorf("got %+v\nwant %+v", got, want)
			}
		})
	}
}

// The bytes decide the type: a declared Content-Type or extension that
// disagrees is ignored, and the sniffed type is recorded and served.
func TestAttachmentDeclaredTypeIgnored201(t *testing.T) {
	a := testenv.StartApp(t, testenv.AppOptions{NoWorker: true})
	png := blobstest.PNG(t)
	got := mustUpload(a, a.AdminToken, part{field: "file", fileName: "scan.pdf", ct: "application/pdf", data: png})
	if got.ContentType != domain.TypePNG || got.FileName != "scan.pdf" || got.RegionCode != domain.NationCode {
		t.Fatalf("got %+v", got)
	}
	r := a.Must(200, "GET", fmt.Sprintf("/api/v1/attachments/%d/content", got.ID), a.AdminToken, nil)
	if ct := r.Header.Get("Content-Type"); ct != domain.TypePNG {
		t.Errorf("served as %q", ct)
	}
	// Offered under a name whose extension matches what the bytes are.
	if _, params, _ := mime.ParseMediaType(r.Header.Get("Content-Disposition")); params["filename"] != "scan.pdf.png" {
		t.Errorf("Content-Disposition %q", r.Header.Get("Content-Disposition"))
	}
}

// Equal bytes are stored once; each upload is its own attachment.
func TestAttachmentDedup201(t *testing.T) {
	a := testenv.StartApp(t, testenv.AppOptions{NoWorker: true})
	tok := a.NewUser("bj_coord", "province_coordinator", "11")
	data := blobstest.MinimalPDF
	first := mustUpload(a, tok, file("a.pdf", data))
	second := mustUpload(a, a.AdminToken, file("b.pdf", data), part{field: "region_code", data: []byte("1101")})
	if first.ID == second.ID {
		t.Fatal("two uploads share an attachment id")
	}
	if first.SHA256 != second.SHA256 || first.SHA256 != sum(data) {
		t.Fatalf("hashes %s, %s", first.SHA256, second.SHA256)
	}
	if second.FileName != "b.pdf" || second.RegionCode != "1101" || second.UploadedBy == first.UploadedBy {
		t.Errorf("second = %+v", second)
	}
	if n, err := a.Blobs.Count(); err != nil || n != 1 {
		t.Errorf("blob files = %d, %v; want 1", n, err)
	}
	if n, err := a.Store.Read(context.Background()).CountBlobs(); err != nil || n != 1 {
		t.Errorf("blob rows = %d, %v; want 1", n, err)
	}
	for _, at := range []attachment{first, second} {
		r := a.Must(200, "GET", fmt.Sprintf("/api/v1/attachments/%d/content", at.ID), a.AdminToken, nil)
		if !bytes.Equal(r.Body, data) {
			t.Errorf("attachment %d: served %q", at.ID, r.Body)
		}
	}
	// The audit log records each upload, and which one reused stored bytes.
	var entries struct {
		Items []map[string]any `json:"items"`
	}
	a.Must(200, "GET", "/api/v1/audit?entity=attachment", a.AdminToken, nil).JSON(t, &entries)
	if len(entries.Items) != 2 {
		t.Fatalf("audit entries: %+v", entries.Items)
	}
	newest := entries.Items[0]
	if newest["entity_id"] != strconv.FormatInt(second.ID, 10) || newest["event"] != "create" ||
		newest["actor"] != "admin" || newest["region_code"] != "1101" {
		t.Errorf("audit entry %v", newest)
	}
	if d, _ := newest["detail"].(map[string]any); d["sha256"] != second.SHA256 || d["deduplicated"] != true {
		t.Errorf("audit detail %v", newest["detail"])
	}
}

func TestAttachmentDownload200(t *testing.T) {
	a := testenv.StartApp(t, testenv.AppOptions{NoWorker: true})
	tok := a.NewUser("bj_coord", "province_coordinator", "11")
	data := blobstest.XLSX(t)
	const name = "北京市 2026年 自查台账（终稿）.xlsx"
	at := mustUpload(a, tok, file(name, data))
	if at.FileName != name {
		t.Fatalf("file_name %q", at.FileName)
	}
	path := fmt.Sprintf("/api/v1/attachments/%d", at.ID)
	var meta attachment
	a.Must(200, "GET", path, tok, nil).JSON(t, &meta)
	if meta != at {
		t.Errorf("metadata %+v, want %+v", meta, at)
	}

	r := a.Must(200, "GET", path+"/content", tok, nil)
	if !bytes.Equal(r.Body, data) {
		t.Fatal("downloaded bytes differ from those uploaded")
	}
	h := r.Header
	if h.Get("Content-Type") != domain.TypeXLSX || h.Get("Content-Length") != strconv.Itoa(len(data)) ||
		h.Get("ETag") != `"`+at.SHA256+`"` || h.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("headers %v", h)
	}
	cd := h.Get("Content-Disposition")
	disp, params, err := mime.ParseMediaType(cd) // decodes filename* (RFC 2231/5987)
	if err != nil || disp != "attachment" || params["filename"] != name {
		t.Errorf("Content-Disposition %q parses to %q %v (%v)", cd, disp, params, err)
	}
	if !strings.Contains(cd, `filename*=UTF-8''`) || !strings.Contains(cd, "%E5%8C%97%E4%BA%AC") {
		t.Errorf("Content-Disposition %q lacks the RFC 5987 name", cd)
	}
	if ascii, _, _ := strings.Cut(cd, "filename*"); strings.ContainsFunc(ascii, func(r rune) bool { return r > 0x7e }) {
		t.Errorf("Content-Disposition %q is not ASCII", cd)
	}

	a.Must(304, "GET", path+"/content", tok, nil, "If-None-Match", h.Get("ETag"))
	part := a.Must(206, "GET", path+"/content", tok, nil, "Range", "bytes=0-3")
	if !bytes.Equal(part.Body, data[:4]) {
		t.Errorf("range 0-3 = %q", part.Body)
	}
}

// Reading follows the region lineage: up and down the caller's line, not
// across into another province.
func TestAttachmentScope403(t *testing.T) {
	a := testenv.StartApp(t, testenv.AppOptions{NoWorker: true})
	bj := a.NewUser("bj_coord", "province_coordinator", "11")
	bjCounty := a.NewUser("dongcheng", "county_officer", "110101")
	sh := a.NewUser("sh_coord", "province_coordinator", "31")
	inspector := a.NewUser("inspector", "national_inspector", domain.NationCode)
	hotline := a.NewUser("hotline", "hotline_operator", "11")
	at := mustUpload(a, bj, file("bj.pdf", blobstest.MinimalPDF))
	path := fmt.Sprintf("/api/v1/attachments/%d", at.ID)

	for _, tok := range []string{bj, bjCounty, inspector, a.AdminToken} {
		a.Must(200, "GET", path, tok, nil)
		a.Must(200, "GET", path+"/content", tok, nil)
	}
	for who, tok := range map[string]string{"another province": sh, "a role without attachments:read": hotline} {
		for _, p := range []string{path, path + "/content"} {
			r := a.Do("GET", p, tok, nil)
			if r.Status != 403 {
				t.Errorf("%s: GET %s: status %d: %s", who, p, r.Status, r.Body)
			}
			decodeProblem(t, r)
		}
	}
	a.Must(401, "GET", path, "", nil)
	a.Must(404, "GET", "/api/v1/attachments/999999", bj, nil)
	a.Must(404, "GET", "/api/v1/attachments/999999/content", bj, nil)

	// Uploads go to the caller's subtree only.
	r := upload(a, bjCounty, file("x.pdf", blobstest.MinimalPDF), part{field: "region_code", data: []byte("11")})
	if r.Status != 403 {
		t.Errorf("county officer uploading for the province: %d %s", r.Status, r.Body)
	}
	r = upload(a, bj, file("x.pdf", blobstest.MinimalPDF), part{field: "region_code", data: []byte("31")})
	if r.Status != 403 {
		t.Errorf("Beijing uploading for Shanghai: %d %s", r.Status, r.Body)
	}
	a.Must(403, "POST", "/api/v1/attachments", hotline, nil)
}

func TestAttachmentUnsupported415(t *testing.T) {
	a := testenv.StartApp(t, testenv.AppOptions{NoWorker: true})
	tests := []struct {
		name string
		p    part
		want string
	}{
		{"elf renamed", part{field: "file", fileName: "report.pdf", ct: "application/pdf", data: blobstest.ELF}, "application/x-elf"},
		{"exe renamed", file("photo.png", []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00")), "application/vnd.microsoft.portable-executable"},
		{"html renamed", part{field: "file", fileName: "report.pdf", ct: "application/pdf", data: blobstest.HTML}, "text/html"},
		{"zip", file("docs.docx", blobstest.Zip(t, map[string]string{"a.txt": "x"})), "application/zip"},
		{"macro docm", file("report.docx", blobstest.OOXML(t, "word/document.xml", true)), "application/vnd.ms-word.document.macroEnabled.12"},
		{"msi", file("setup.doc", blobstest.CFB([]string{"\u4840\u3f3f\u4577\u446c"}, 0)), "application/x-ole-storage"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := upload(a, a.AdminToken, tc.p)
			if r.Status != 415 {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			p := decodeProblem(t, r)
			if p.DetectedType != tc.want || !strings.Contains(p.Detail, tc.want) {
				t.Errorf("uploadProblem %+v does not name %s", p, tc.want)
			}
		})
	}
	// Not multipart at all.
	r := a.Do("POST", "/api/v1/attachments", a.AdminToken, blobstest.MinimalPDF, "Content-Type", "application/pdf")
	if r.Status != 415 {
		t.Errorf("raw PDF body: status %d: %s", r.Status, r.Body)
	}
	if n, _ := a.Blobs.Count(); n != 0 {
		t.Errorf("%d refused files were stored", n)
	}
}

func TestAttachmentInvalid422(t *testing.T) {
	a := testenv.StartApp(t, testenv.AppOptions{NoWorker: true})
	tests := []struct {
		name     string
		parts    []part
		location string
	}{
		{"no file field", []part{{field: "region_code", data: []byte("11")}}, "body.file"},
		{"file under another name", []part{{field: "upload", fileName: "a.pdf", data: blobstest.MinimalPDF}}, "body.file"},
		{"empty body", nil, "body.file"},
		{"empty file", []part{file("empty.pdf", nil)}, "body.file"},
		{"two files", []part{file("a.pdf", blobstest.MinimalPDF), file("b.pdf", blobstest.MinimalPDF)}, "body.file"},
		{"bad region", []part{file("a.pdf", blobstest.MinimalPDF), {field: "region_code", data: []byte("north")}}, "body.region_code"},
		{"unknown region", []part{file("a.pdf", blobstest.MinimalPDF), {field: "region_code", data: []byte("99")}}, "body.region_code"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := upload(a, a.AdminToken, tc.parts...)
			if r.Status != 422 {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			p := decodeProblem(t, r)
			if len(p.Errors) == 0 || p.Errors[0].Location != tc.location {
				t.Errorf("errors %+v, want one at %s", p.Errors, tc.location)
			}
		})
	}
	r := a.Do("POST", "/api/v1/attachments", a.AdminToken, "--x\r\nnot a part", "Content-Type", "multipart/form-data; boundary=x")
	if r.Status != 400 {
		t.Errorf("malformed multipart: status %d: %s", r.Status, r.Body)
	}
}

func TestAttachmentTooLarge413(t *testing.T) {
	const limit = 1000
	a := testenv.StartApp(t, testenv.AppOptions{NoWorker: true, Config: func(c *app.Config) { c.MaxUpload = limit }})
	pdf := func(n int) []byte {
		return append(bytes.Clone(blobstest.MinimalPDF), bytes.Repeat([]byte("%"), n-len(blobstest.MinimalPDF))...)
	}

	// Exactly at the limit is fine.
	if at := mustUpload(a, a.AdminToken, file("max.pdf", pdf(limit))); at.Size != limit {
		t.Errorf("size %d", at.Size)
	}
	check := func(what string, r *http.Response, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		if r.StatusCode != 413 || r.Header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("%s: status %d %s: %s", what, r.StatusCode, r.Header.Get("Content-Type"), b)
		}
		var p uploadProblem
		json.Unmarshal(b, &p)
		if p.Status != 413 || p.MaxBytes != limit || !strings.Contains(p.Detail, strconv.Itoa(limit)) {
			t.Errorf("%s: uploadProblem %s", what, b)
		}
	}
	post := func(body io.Reader, ct string, length int64) (*http.Response, error) {
		req, _ := http.NewRequest("POST", a.URL+"/api/v1/attachments", body)
		req.ContentLength = length
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Authorization", "Bearer "+a.AdminToken)
		return http.DefaultClient.Do(req)
	}

	// A file one byte over, in a body well within the request limit: the
	// file's own limit stops it.
	body, ct := multipartBody(t, file("big.pdf", pdf(limit+1)))
	res, err := post(bytes.NewReader(body), ct, int64(len(body)))
	check("file over the limit", res, err)

	// A declared length over the request limit is refused before reading.
	body, ct = multipartBody(t, file("huge.pdf", pdf(200<<10)))
	res, err = post(bytes.NewReader(body), ct, int64(len(body)))
	check("Content-Length over the limit", res, err)

	// Without a declared length (chunked), reading stops at the limit: the
	// client may keep sending, the server does not keep reading.
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		w, _ := mw.CreateFormFile("file", "stream.pdf")
		w.Write(blobstest.MinimalPDF)
		chunk := bytes.Repeat([]byte("%"), 32<<10)
		for range 64 { // 2 MiB
			if _, err := w.Write(chunk); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		mw.Close()
		pw.Close()
	}()
	res, err = post(pr, mw.FormDataContentType(), -1)
	check("chunked body over the limit", res, err)
	if n, _ := a.Blobs.Count(); n != 1 {
		t.Errorf("blob files = %d, want only the one at the limit", n)
	}
}

func TestAttachmentOpenAPI(t *testing.T) {
	a := testenv.StartApp(t, testenv.AppOptions{NoWorker: true})
	var doc struct {
		Paths map[string]map[string]struct {
			RequestBody struct {
				Content map[string]struct {
					Schema struct {
						Required   []string                  `json:"required"`
						Properties map[string]map[string]any `json:"properties"`
					} `json:"schema"`
				} `json:"content"`
			} `json:"requestBody"`
			Responses map[string]any `json:"responses"`
		} `json:"paths"`
	}
	a.Must(200, "GET", "/openapi.json", "", nil).JSON(t, &doc)
	post := doc.Paths["/api/v1/attachments"]["post"]
	mp, ok := post.RequestBody.Content["multipart/form-data"]
	if !ok || len(mp.Schema.Required) != 1 || mp.Schema.Required[0] != "file" || mp.Schema.Properties["file"]["format"] != "binary" {
		t.Errorf("upload request body %+v", post.RequestBody)
	}
	for _, status := range []string{"201", "413", "415", "422"} {
		if post.Responses[status] == nil {
			t.Errorf("upload documents no %s", status)
		}
	}
	if doc.Paths["/api/v1/attachments/{id}/content"]["get"].Responses["200"] == nil {
		t.Error("download not documented")
	}
}
