package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/store"
	"github.com/ducha/ducha/testenv"
)

func TestAttachments(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	sum := strings.Repeat("ab", 32)
	var ids []int64
	err := s.Tx(ctx, func(tx *store.Tx) error {
		u, err := tx.CreateUser(store.User{Username: "uploader", PasswordHash: "x", Role: domain.RoleProvinceCoordinator,
			RegionCode: "11"}, 0, now)
		if err != nil {
			return err
		}
		for i, wantCreated := range []bool{true, false} {
			created, err := tx.PutBlob(store.Blob{SHA256: sum, Size: 3, ContentType: domain.TypePDF}, now)
			if err != nil {
				return err
			}
			if created != wantCreated {
				t.Errorf("PutBlob #%d created = %v, want %v", i+1, created, wantCreated)
			}
			a, err := tx.CreateAttachment(store.Attachment{SHA256: sum, Size: 3, ContentType: domain.TypePDF,
				FileName: "报告.pdf", RegionCode: "11", UploadedBy: u.ID, CreatedAt: now})
			if err != nil {
				return err
			}
			ids = append(ids, a.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	read := s.Read(ctx)
	if n, err := read.CountBlobs(); err != nil || n != 1 {
		t.Fatalf("CountBlobs = %d, %v", n, err)
	}
	a, err := read.Attachment(ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if a.SHA256 != sum || a.FileName != "报告.pdf" || a.RegionCode != "11" || !a.CreatedAt.Equal(now) {
		t.Errorf("Attachment = %+v", a)
	}
	if _, err := read.Attachment(ids[1] + 100); domain.ErrorCode(err) != domain.ENotFound {
		t.Errorf("missing attachment: %v", err)
	}

	got, err := read.Attachments([]int64{ids[1], ids[0], ids[1]})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != ids[1] || got[1].ID != ids[0] {
		t.Errorf("Attachments = %+v, want ids %d, %d once each in that order", got, ids[1], ids[0])
	}
	if got, err := read.Attachments(nil); err != nil || len(got) != 0 {
		t.Errorf("Attachments(nil) = %v, %v", got, err)
	}
	_, err = read.Attachments([]int64{ids[0], 9998, 9999})
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.EInvalid {
		t.Fatalf("missing ids: %v, want EInvalid", err)
	}
	if !strings.Contains(de.Message, "9998") || !strings.Contains(de.Message, "9999") {
		t.Errorf("message %q does not name the missing ids", de.Message)
	}
	if len(de.Fields) != 2 || de.Fields[0].Location != "body.attachment_ids[1]" || de.Fields[1].Value != int64(9999) {
		t.Errorf("fields = %+v", de.Fields)
	}
}
