package blobs_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ducha/ducha/blobs"
	"github.com/ducha/ducha/domain"
)

func TestSanitizeName(t *testing.T) {
	long := strings.Repeat("检", 100) + ".pdf" // 304 bytes
	tests := []struct{ in, want string }{
		{"检查报告.pdf", "检查报告.pdf"},
		{"自查 材料（2026）.docx", "自查 材料（2026）.docx"},
		{"../../etc/passwd", "passwd"},
		{`C:\Users\张三\Desktop\report.xlsx`, "report.xlsx"},
		{"a\x00b\x1fc.pdf", "abc.pdf"},
		{"invoice\u202Efdp.exe", "invoicefdp.exe"}, // right-to-left override
		{"zero\u200Bwidth.png", "zerowidth.png"},
		{`what?<is>"this"|*:.pdf`, "what__is__this____.pdf"},
		{"  lots \t of\n space .pdf  ", "lots of space .pdf"},
		{"...hidden", "hidden"},
		{"trailing.pdf...", "trailing.pdf"},
		{"CON.pdf", "_CON.pdf"},
		{"lpt1", "_lpt1"},
		{"console.pdf", "console.pdf"},
		{"bad\xffutf8.pdf", "bad_utf8.pdf"},
		{"", ""},
		{" . ", ""},
		{"/", ""},
	}
	for _, tc := range tests {
		if got := blobs.SanitizeName(tc.in); got != tc.want {
			t.Errorf("SanitizeName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	got := blobs.SanitizeName(long)
	if len(got) > blobs.MaxNameBytes || !utf8.ValidString(got) || !strings.HasSuffix(got, ".pdf") {
		t.Errorf("SanitizeName(long) = %q (%d bytes)", got, len(got))
	}
}

func TestDownloadName(t *testing.T) {
	tests := []struct{ name, ct, want string }{
		{"检查报告.pdf", domain.TypePDF, "检查报告.pdf"},
		{"SCAN.JPEG", domain.TypeJPEG, "SCAN.JPEG"},
		{"photo.html", domain.TypePNG, "photo.html.png"},
		{"report.pdf", domain.TypeDOCX, "report.pdf.docx"},
		{"noext", domain.TypeXLSX, "noext.xlsx"},
		{"", domain.TypePDF, "attachment.pdf"},
		{"x.bin", "application/unknown", "x.bin"},
	}
	for _, tc := range tests {
		if got := blobs.DownloadName(tc.name, tc.ct); got != tc.want {
			t.Errorf("DownloadName(%q, %q) = %q, want %q", tc.name, tc.ct, got, tc.want)
		}
	}
}
