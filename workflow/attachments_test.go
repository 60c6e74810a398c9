package workflow_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ducha/ducha/blobs"
	"github.com/ducha/ducha/blobs/blobstest"
	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/policies"
	"github.com/ducha/ducha/store"
	"github.com/ducha/ducha/testenv"
	"github.com/ducha/ducha/workflow"
)

// fakeBlobs is a blob store in memory that can be told to fail.
type fakeBlobs struct {
	mu      sync.Mutex
	data    map[string][]byte
	puts    int
	failPut error
}

func (f *fakeBlobs) Put(ctx context.Context, sum string, r io.Reader) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.puts++
	if f.failPut != nil {
		return f.failPut
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	f.data[sum] = b
	return nil
}

func (f *fakeBlobs) Open(ctx context.Context, sum string) (io.ReadCloser, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.data[sum]
	if !ok {
		return nil, os.ErrNotExist
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func (f *fakeBlobs) Exists(ctx context.Context, sum string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.data[sum]
	return ok, nil
}

type attachmentsEnv struct {
	svc   *workflow.Attachments
	store *store.Store
	blobs *fakeBlobs
	spool string
	actor domain.Actor
}

func newAttachmentsEnv(t *testing.T, max int64) *attachmentsEnv {
	t.Helper()
	s := testenv.Store(t)
	authz, err := policies.New()
	if err != nil {
		t.Fatal(err)
	}
	clock := testenv.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	var u store.User
	err = s.Tx(context.Background(), func(tx *store.Tx) error {
		u, err = tx.CreateUser(store.User{Username: "bj", PasswordHash: "x", Role: domain.RoleProvinceCoordinator,
			RegionCode: "11"}, 0, clock.Now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	e := &attachmentsEnv{store: s, blobs: &fakeBlobs{data: map[string][]byte{}}, spool: t.TempDir(), actor: u.Actor()}
	e.svc = workflow.NewAttachments(workflow.Deps{Store: s, Authz: authz, Clock: clock, Log: testenv.Logger(t)},
		e.blobs, workflow.AttachmentConfig{MaxSize: max, SpoolDir: e.spool})
	return e
}

func (e *attachmentsEnv) spooled(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir(e.spool)
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

func TestReceive(t *testing.T) {
	ctx := context.Background()
	e := newAttachmentsEnv(t, 1000)
	pdf := append(bytes.Clone(blobstest.MinimalPDF), bytes.Repeat([]byte(" "), 1000-len(blobstest.MinimalPDF))...)

	rec, err := e.svc.Receive(ctx, bytes.NewReader(pdf))
	if err != nil {
		t.Fatal(err)
	}
	if rec.Size != 1000 || rec.ContentType != domain.TypePDF || !blobs.ValidSHA256(rec.SHA256) {
		t.Errorf("received %+v", rec)
	}
	if e.spooled(t) != 1 {
		t.Error("no spool file while received")
	}
	rec.Discard()
	rec.Discard()
	if n := e.spooled(t); n != 0 {
		t.Errorf("%d spool files after Discard", n)
	}

	_, err = e.svc.Receive(ctx, bytes.NewReader(append(pdf, ' ')))
	if domain.ErrorCode(err) != domain.ETooLarge {
		t.Errorf("one byte over: %v", err)
	}
	outer := domain.Errorf(domain.ETooLarge, "request too large")
	_, err = e.svc.Receive(ctx, io.MultiReader(strings.NewReader("%PDF-"), iotestErr{outer}))
	if !errors.Is(err, outer) {
		t.Errorf("a reader's domain error: %v", err)
	}
	_, err = e.svc.Receive(ctx, io.MultiReader(strings.NewReader("%PDF-"), iotestErr{io.ErrUnexpectedEOF}))
	if domain.ErrorCode(err) != domain.EBadRequest {
		t.Errorf("a broken upload: %v", err)
	}
	if n := e.spooled(t); n != 0 {
		t.Errorf("%d spool files left by failed receives", n)
	}
}

type iotestErr struct{ err error }

func (r iotestErr) Read([]byte) (int, error) { return 0, r.err }

func receive(t *testing.T, e *attachmentsEnv, data []byte) *workflow.Received {
	t.Helper()
	rec, err := e.svc.Receive(context.Background(), bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rec.Discard)
	return rec
}

// The bytes go to the blob store before any row names them: when storing
// them fails, nothing is recorded.
func TestCreateStoresBytesBeforeRows(t *testing.T) {
	ctx := context.Background()
	e := newAttachmentsEnv(t, 1<<20)
	e.blobs.failPut = errors.New("disk full")
	_, err := e.svc.Create(ctx, e.actor, workflow.NewAttachment{File: receive(t, e, blobstest.MinimalPDF), FileName: "a.pdf"})
	if err == nil || domain.ErrorCode(err) != domain.EInternal {
		t.Fatalf("Create with a failing blob store: %v", err)
	}
	if n, _ := e.store.Read(ctx).CountBlobs(); n != 0 {
		t.Errorf("%d blob rows recorded without bytes", n)
	}
	audit, _ := e.store.Read(ctx).ListAudit(store.AuditFilter{Entity: "attachment"}, 0, 10)
	if len(audit) != 0 {
		t.Errorf("audited a failed upload: %+v", audit)
	}
}

func TestCreateDedupAndOpen(t *testing.T) {
	ctx := context.Background()
	e := newAttachmentsEnv(t, 1<<20)
	png := blobstest.PNG(t)
	var made []domain.Attachment
	for _, name := range []string{"../../现场.png", ""} {
		a, err := e.svc.Create(ctx, e.actor, workflow.NewAttachment{File: receive(t, e, png), FileName: name,
			RegionCode: "1101"})
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, a)
	}
	if e.blobs.puts != 1 {
		t.Errorf("bytes stored %d times, want once", e.blobs.puts)
	}
	if made[0].FileName != "现场.png" || made[1].FileName != "attachment.png" {
		t.Errorf("names %q, %q", made[0].FileName, made[1].FileName)
	}
	if made[0].RegionCode != "1101" || made[0].UploadedBy != e.actor.UserID || made[0].ContentType != domain.TypePNG {
		t.Errorf("attachment %+v", made[0])
	}
	a, rc, err := e.svc.Open(ctx, e.actor, made[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if a != made[1] || !bytes.Equal(got, png) {
		t.Errorf("Open = %+v, %d bytes", a, len(got))
	}

	// A row whose bytes are gone is the server's fault, not a 404.
	delete(e.blobs.data, made[0].SHA256)
	if _, _, err := e.svc.Open(ctx, e.actor, made[0].ID); domain.ErrorCode(err) != domain.EInternal {
		t.Errorf("Open without bytes: %v", err)
	}
}
