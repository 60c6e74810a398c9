package blobs_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ducha/ducha/blobs"
)

func sum(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:]) }

func TestDiskPutOpenExists(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	d, err := blobs.NewDisk(root)
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("evidence of a self-check")
	s := sum(data)
	if ok, err := d.Exists(ctx, s); err != nil || ok {
		t.Fatalf("Exists before Put = %v, %v", ok, err)
	}
	if _, err := d.Open(ctx, s); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Open before Put: %v, want fs.ErrNotExist", err)
	}
	if err := d.Put(ctx, s, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	// The second Put of a stored hash reads nothing.
	if err := d.Put(ctx, s, iotestErrReader{}); err != nil {
		t.Fatal(err)
	}
	if ok, err := d.Exists(ctx, s); err != nil || !ok {
		t.Fatalf("Exists after Put = %v, %v", ok, err)
	}
	rc, err := d.Open(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, data) {
		t.Fatalf("read %q", got)
	}
	if _, err := os.Stat(filepath.Join(root, "blobs", s[:2], s)); err != nil {
		t.Fatalf("blob not at its content address: %v", err)
	}
	if n, err := d.Count(); err != nil || n != 1 {
		t.Fatalf("Count = %d, %v", n, err)
	}
	if left, _ := os.ReadDir(d.TempDir()); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

type iotestErrReader struct{}

func (iotestErrReader) Read([]byte) (int, error) { return 0, errors.New("must not be read") }

func TestDiskRefusesWrongHashAndBadNames(t *testing.T) {
	ctx := context.Background()
	d, err := blobs.NewDisk(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	claimed := sum([]byte("one thing"))
	if err := d.Put(ctx, claimed, strings.NewReader("another thing")); err == nil {
		t.Fatal("Put accepted bytes that do not match the hash")
	}
	if ok, _ := d.Exists(ctx, claimed); ok {
		t.Fatal("a mismatching blob was kept")
	}
	if left, _ := os.ReadDir(d.TempDir()); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
	for _, bad := range []string{"", "../../etc/passwd", strings.Repeat("A", 64), strings.Repeat("a", 63)} {
		if err := d.Put(ctx, bad, strings.NewReader("x")); err == nil {
			t.Errorf("Put(%q) accepted", bad)
		}
		if _, err := d.Open(ctx, bad); err == nil {
			t.Errorf("Open(%q) accepted", bad)
		}
	}
}

// A reader failing half-way (a crash, a broken upload) leaves nothing under
// the final name.
func TestDiskPartialWriteLeavesNothing(t *testing.T) {
	ctx := context.Background()
	d, err := blobs.NewDisk(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("x"), 100000)
	s := sum(data)
	err = d.Put(ctx, s, io.MultiReader(bytes.NewReader(data[:5000]), iotestErrReader{}))
	if err == nil {
		t.Fatal("Put succeeded on a failing reader")
	}
	if ok, _ := d.Exists(ctx, s); ok {
		t.Fatal("a partial blob is visible under its hash")
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if err := d.Put(canceled, s, bytes.NewReader(data)); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put on a canceled context: %v", err)
	}
}

func TestDiskConcurrentPutsOfEqualBytes(t *testing.T) {
	ctx := context.Background()
	d, err := blobs.NewDisk(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("same "), 50000)
	s := sum(data)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() { errs <- d.Put(ctx, s, bytes.NewReader(data)) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := d.Count(); n != 1 {
		t.Fatalf("Count = %d, want 1", n)
	}
}

func TestNewDiskSweepsStaleTemporaries(t *testing.T) {
	root := t.TempDir()
	d, err := blobs.NewDisk(root)
	if err != nil {
		t.Fatal(err)
	}
	stale, fresh := filepath.Join(d.TempDir(), "blob-stale"), filepath.Join(d.TempDir(), "upload-fresh")
	for _, p := range []string{stale, fresh} {
		if err := os.WriteFile(p, []byte("half"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-48 * time.Hour)
	os.Chtimes(stale, old, old)
	if _, err := blobs.NewDisk(root); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stale temporary kept: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("fresh temporary removed: %v", err)
	}
}
