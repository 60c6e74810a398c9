package blobs_test

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/ducha/ducha/blobs"
	"github.com/ducha/ducha/blobs/blobstest"
	"github.com/ducha/ducha/domain"
)

func TestSniff(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"pdf", blobstest.MinimalPDF, domain.TypePDF},
		{"png", blobstest.PNG(t), domain.TypePNG},
		{"jpeg", blobstest.JPEG(t), domain.TypeJPEG},
		{"gif", blobstest.GIF(t), domain.TypeGIF},
		{"webp", blobstest.WebP, domain.TypeWebP},
		{"doc", blobstest.CFB([]string{"WordDocument", "1Table", "\x05SummaryInformation"}, 0), domain.TypeDOC},
		{"xls", blobstest.CFB([]string{"Workbook", "\x05SummaryInformation"}, 0), domain.TypeXLS},
		{"xls BIFF5", blobstest.CFB([]string{"Book"}, 0), domain.TypeXLS},
		{"ppt", blobstest.CFB([]string{"Current User", "PowerPoint Document"}, 0), domain.TypePPT},
		{"doc with a directory beyond the header's FAT list", blobstest.CFB([]string{"WordDocument"}, 14000), domain.TypeDOC},
		{"msi", blobstest.CFB([]string{"\u4840\u3f3f\u4577\u446c"}, 0), blobs.TypeOLE2},
		{"encrypted xlsx", blobstest.EncryptedXLSX(t), blobs.TypeOLE2},
		{"docx", blobstest.DOCX(t), domain.TypeDOCX},
		{"xlsx", blobstest.XLSX(t), domain.TypeXLSX},
		{"pptx", blobstest.OOXML(t, "ppt/presentation.xml", false), domain.TypePPTX},
		{"docm", blobstest.OOXML(t, "word/document.xml", true), blobs.TypeDOCM},
		{"odt", blobstest.ODF(t, domain.TypeODT), domain.TypeODT},
		{"ods", blobstest.ODF(t, domain.TypeODS), domain.TypeODS},
		{"odg", blobstest.ODF(t, "application/vnd.oasis.opendocument.graphics"), blobs.TypeZip},
		{"zip", blobstest.Zip(t, map[string]string{"a.txt": "hello"}), blobs.TypeZip},
		{"broken zip", []byte("PK\x03\x04 not really"), blobs.TypeZip},
		{"elf", blobstest.ELF, blobs.TypeELF},
		{"exe", []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff"), blobs.TypePE},
		{"mach-o", []byte{0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1}, blobs.TypeMachO},
		{"html", blobstest.HTML, "text/html"},
		{"svg", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>`), "text/xml"},
		{"text", []byte("just some words"), "text/plain"},
		{"empty", nil, "text/plain"},
		{"garbage", []byte{0, 1, 2, 3, 4, 5, 0xfe, 0xff}, blobs.TypeOctetStream},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := blobs.Sniff(bytes.NewReader(tc.data), int64(len(tc.data)))
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("Sniff = %q, want %q", got, tc.want)
			}
		})
	}
}

// Malformed compound files must not hang or panic: every chain is bounded.
func TestSniffMalformedOLE2(t *testing.T) {
	good := blobstest.CFB([]string{"WordDocument"}, 0)
	loop := bytes.Clone(good)
	// Point the directory sector's FAT entry at itself.
	dir := binary.LittleEndian.Uint32(loop[0x30:])
	binary.LittleEndian.PutUint32(loop[512+4*dir:], dir)
	for name, data := range map[string][]byte{
		"truncated":    good[:600],
		"header only":  good[:512],
		"bad shift":    func() []byte { b := bytes.Clone(good); b[0x1E] = 30; return b }(),
		"chain loops":  loop,
		"dir past end": func() []byte { b := bytes.Clone(good); binary.LittleEndian.PutUint32(b[0x30:], 1<<30); return b }(),
	} {
		t.Run(name, func(t *testing.T) {
			got, err := blobs.Sniff(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			if got != blobs.TypeOLE2 && got != domain.TypeDOC {
				t.Errorf("Sniff = %q", got)
			}
		})
	}
}
