// Package blobs keeps the bytes of attachments and knows about file formats:
// a content-addressed blob store on the local disk, the media type of a file
// sniffed from its bytes (including the Office formats that
// net/http.DetectContentType does not know), and safe file names.
package blobs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Disk stores blobs under root, content-addressed by SHA-256:
//
//	root/blobs/ab/ab12…ef   (the hash's first two hex digits fan the files out)
//	root/tmp/               (files being written; never a final name)
//
// A blob appears under its final name only complete and synced: Put writes a
// temporary file, fsyncs it, renames it into place and fsyncs the directory,
// so a crash leaves at worst a stray file in tmp/, which NewDisk sweeps once
// it is a day old. Blobs are immutable; storing the same hash twice keeps the
// first copy. Disk is safe for concurrent use, also by several processes
// sharing root.
type Disk struct {
	root string
}

// staleTemp is how old a file in tmp/ must be before NewDisk removes it; far
// longer than any upload takes, so a live process's files are never swept.
const staleTemp = 24 * time.Hour

// NewDisk opens (creating if needed) a blob store under root.
func NewDisk(root string) (*Disk, error) {
	d := &Disk{root: root}
	for _, dir := range []string{d.blobDir(), d.TempDir()} {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("blobs: %w", err)
		}
	}
	d.sweep(time.Now().Add(-staleTemp))
	return d, nil
}

func (d *Disk) blobDir() string { return filepath.Join(d.root, "blobs") }

// TempDir is where Disk writes files before renaming them into place; other
// temporary files of the same uploads (spools) may go there too, on the same
// file system.
func (d *Disk) TempDir() string { return filepath.Join(d.root, "tmp") }

// sweep removes temporary files last written before cutoff: leftovers of a
// crash.
func (d *Disk) sweep(cutoff time.Time) {
	entries, err := os.ReadDir(d.TempDir())
	if err != nil {
		return
	}
	for _, e := range entries {
		if info, err := e.Info(); err == nil && info.Mode().IsRegular() && info.ModTime().Before(cutoff) {
			_ = os.Remove(filepath.Join(d.TempDir(), e.Name()))
		}
	}
}

// ValidSHA256 reports whether s is a SHA-256 in lower-case hex.
func ValidSHA256(s string) bool {
	if len(s) != sha256.Size*2 {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// path is the final name of a blob; sum must be valid.
func (d *Disk) path(sum string) string { return filepath.Join(d.blobDir(), sum[:2], sum) }

func checkSum(sum string) error {
	if !ValidSHA256(sum) {
		return fmt.Errorf("blobs: %q is not a lower-case hex SHA-256", sum)
	}
	return nil
}

// Put stores the bytes of r under sum, their SHA-256 in lower-case hex. It
// hashes what it writes and refuses (keeping nothing) when the bytes do not
// match sum. Storing a hash that is already present reads nothing and keeps
// the first copy.
func (d *Disk) Put(ctx context.Context, sum string, r io.Reader) (err error) {
	if err := checkSum(sum); err != nil {
		return err
	}
	final := d.path(sum)
	if _, err := os.Stat(final); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(final), 0o750); err != nil {
		return fmt.Errorf("blobs: %w", err)
	}
	tmp, err := os.CreateTemp(d.TempDir(), "blob-*")
	if err != nil {
		return fmt.Errorf("blobs: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	if _, err := io.Copy(tmp, io.TeeReader(ctxReader{ctx, r}, h)); err != nil {
		return fmt.Errorf("blobs: write blob: %w", err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sum {
		return fmt.Errorf("blobs: content hashes to %s, not %s", got, sum)
	}
	if err := tmp.Chmod(0o440); err != nil {
		return fmt.Errorf("blobs: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("blobs: sync blob: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("blobs: close blob: %w", err)
	}
	// Renaming over an existing blob (a concurrent Put of the same bytes)
	// replaces equal bytes with equal bytes, atomically.
	if err := os.Rename(tmp.Name(), final); err != nil {
		return fmt.Errorf("blobs: %w", err)
	}
	return syncDir(filepath.Dir(final))
}

// syncDir makes a rename into dir durable.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("blobs: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("blobs: sync %s: %w", dir, err)
	}
	return nil
}

// Open returns the blob's bytes: an *os.File, so also an io.ReadSeeker. It
// returns an error wrapping fs.ErrNotExist when the blob is missing.
func (d *Disk) Open(ctx context.Context, sum string) (io.ReadCloser, error) {
	if err := checkSum(sum); err != nil {
		return nil, err
	}
	f, err := os.Open(d.path(sum))
	if err != nil {
		return nil, fmt.Errorf("blobs: open blob: %w", err)
	}
	return f, nil
}

// Exists reports whether the blob is stored.
func (d *Disk) Exists(ctx context.Context, sum string) (bool, error) {
	if err := checkSum(sum); err != nil {
		return false, err
	}
	_, err := os.Stat(d.path(sum))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, fmt.Errorf("blobs: %w", err)
}

// Count returns how many blobs are stored (for tests and tools; it walks the
// tree).
func (d *Disk) Count() (int, error) {
	n := 0
	err := filepath.WalkDir(d.blobDir(), func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.Type().IsRegular() && ValidSHA256(e.Name()) {
			n++
		}
		return nil
	})
	return n, err
}

// ctxReader stops a copy once its context is done.
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
