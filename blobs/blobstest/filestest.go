// Package blobstest makes small files of every format ducha sniffs, for
// tests: real ones (written by image/*, archive/zip, excelize) or built to
// the format's specification (compound files).
package blobstest

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"
)

// MinimalPDF is a tiny but well-formed PDF.
var MinimalPDF = []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n" +
	"trailer<</Root 1 0 R>>\n%%EOF\n")

// ELF is the start of a Linux executable.
var ELF = append([]byte("\x7fELF\x02\x01\x01\x00"), make([]byte, 56)...)

func encodeImage(t testing.TB, enc func(*bytes.Buffer, image.Image) error) []byte {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, 4, 4))
	m.Set(1, 1, color.RGBA{200, 10, 10, 255})
	var b bytes.Buffer
	if err := enc(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// PNG is a 4×4 picture.
func PNG(t testing.TB) []byte {
	return encodeImage(t, func(b *bytes.Buffer, m image.Image) error { return png.Encode(b, m) })
}

// Zip is an archive of entries, in order when given.
func Zip(t testing.TB, entries map[string]string, order ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	if len(order) == 0 {
		for name := range entries {
			order = append(order, name)
		}
	}
	for _, name := range order {
		f, err := w.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte(entries[name]))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// OOXML is a minimal Office Open XML package whose main part is main.
func OOXML(t testing.TB, main string, macros bool) []byte {
	ct := `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="xml" ContentType="application/xml"/>`
	if macros {
		ct += `<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>` +
			`<Override PartName="/word/document.xml" ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/>`
	}
	ct += `</Types>`
	return Zip(t, map[string]string{
		"[Content_Types].xml": ct,
		"_rels/.rels":         `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>`,
		main:                  `<?xml version="1.0"?><document/>`,
	}, "[Content_Types].xml", "_rels/.rels", main)
}

// DOCX is a minimal Word document.
func DOCX(t testing.TB) []byte { return OOXML(t, "word/document.xml", false) }

// XLSX is a workbook written by excelize.
func XLSX(t testing.TB) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	f.SetCellValue("Sheet1", "A1", "自查")
	f.SetCellValue("Sheet1", "B1", 42)
	b, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// EncryptedXLSX is a password-protected workbook: a compound file holding
// EncryptionInfo and EncryptedPackage streams, nothing ducha can inspect.
func EncryptedXLSX(t testing.TB) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	b, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	enc, err := excelize.Encrypt(b.Bytes(), &excelize.Options{Password: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	return enc
}

// ODF is a minimal OpenDocument file of media type mt.
func ODF(t testing.TB, mt string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	f, err := w.CreateHeader(&zip.FileHeader{Name: "mimetype", Method: zip.Store})
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte(mt))
	f, _ = w.Create("content.xml")
	f.Write([]byte(`<?xml version="1.0"?><office:document-content/>`))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// CFB builds a compound file (MS-CFB, version 3, 512-byte sectors) whose
// directory lists names as streams, after pad unused sectors; a large pad
// puts the directory beyond the 109 FAT sectors the header lists, so that the
// DIFAT chain must be followed.
func CFB(names []string, pad int) []byte {
	const (
		sector   = 512
		per      = sector / 4
		free     = 0xFFFFFFFF
		endChain = 0xFFFFFFFE
		fatSect  = 0xFFFFFFFD
		difSect  = 0xFFFFFFFC
	)
	entries := append([]string{"Root Entry"}, names...)
	nDir := (len(entries) + 3) / 4
	nFAT, nDIF := 1, 0
	for {
		total := nFAT + nDIF + pad + nDir
		needFAT := (total + per - 1) / per
		needDIF := 0
		if needFAT > 109 {
			needDIF = (needFAT - 109 + per - 2) / (per - 1)
		}
		if needFAT == nFAT && needDIF == nDIF {
			break
		}
		nFAT, nDIF = needFAT, needDIF
	}
	total := nFAT + nDIF + pad + nDir
	dirStart := nFAT + nDIF + pad
	out := make([]byte, (total+1)*sector)
	le := binary.LittleEndian
	sec := func(s int) []byte { return out[(s+1)*sector : (s+2)*sector] }

	fat := make([]uint32, nFAT*per)
	for i := range fat {
		fat[i] = free
	}
	for i := 0; i < nFAT; i++ {
		fat[i] = fatSect
	}
	for i := 0; i < nDIF; i++ {
		fat[nFAT+i] = difSect
	}
	for i := 0; i < nDir; i++ {
		fat[dirStart+i] = uint32(dirStart + i + 1)
	}
	fat[dirStart+nDir-1] = endChain
	for i, v := range fat {
		le.PutUint32(sec(i / per)[4*(i%per):], v)
	}

	h := out[:sector]
	copy(h, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
	le.PutUint16(h[0x18:], 0x3E)
	le.PutUint16(h[0x1A:], 3)
	le.PutUint16(h[0x1C:], 0xFFFE)
	le.PutUint16(h[0x1E:], 9)
	le.PutUint16(h[0x20:], 6)
	le.PutUint32(h[0x2C:], uint32(nFAT))
	le.PutUint32(h[0x30:], uint32(dirStart))
	le.PutUint32(h[0x38:], 4096)
	le.PutUint32(h[0x3C:], endChain)
	le.PutUint32(h[0x44:], endChain)
	le.PutUint32(h[0x48:], uint32(nDIF))
	for i := 0; i < 109; i++ {
		v := uint32(free)
		if i < nFAT {
			v = uint32(i)
		}
		le.PutUint32(h[0x4C+4*i:], v)
	}
	if nDIF > 0 {
		le.PutUint32(h[0x44:], uint32(nFAT))
		k := 109
		for d := 0; d < nDIF; d++ {
			s := sec(nFAT + d)
			for j := 0; j < per-1; j++ {
				v := uint32(free)
				if k < nFAT {
					v = uint32(k)
				}
				le.PutUint32(s[4*j:], v)
				k++
			}
			next := uint32(endChain)
			if d+1 < nDIF {
				next = uint32(nFAT + d + 1)
			}
			le.PutUint32(s[4*(per-1):], next)
		}
	}

	for i, name := range entries {
		e := sec(dirStart + i/4)[(i%4)*128 : (i%4+1)*128]
		u := utf16.Encode([]rune(name))
		for j, c := range u {
			le.PutUint16(e[2*j:], c)
		}
		le.PutUint16(e[0x40:], uint16(2*len(u)+2))
		e[0x42] = 2 // stream
		if i == 0 {
			e[0x42] = 5 // root storage
		}
		for _, off := range []int{0x44, 0x48, 0x4C} { // no siblings, no child
			le.PutUint32(e[off:], free)
		}
		le.PutUint32(e[0x74:], endChain)
	}
	return out
}

// JPEG is a 4×4 picture.
func JPEG(t testing.TB) []byte {
	return encodeImage(t, func(b *bytes.Buffer, m image.Image) error { return jpeg.Encode(b, m, nil) })
}

// GIF is a 4×4 picture.
func GIF(t testing.TB) []byte {
	return encodeImage(t, func(b *bytes.Buffer, m image.Image) error { return gif.Encode(b, m, nil) })
}

// WebP is the start of a lossless WebP picture (enough to sniff).
var WebP = append([]byte("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f"), make([]byte, 16)...)

// HTML is a web page with a script.
var HTML = []byte("<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>")
