package blobs

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf16"

	"github.com/ducha/ducha/domain"
)

// Media types Sniff names for files ducha refuses, so that a refusal can say
// what the file is.
const (
	TypeOLE2        = "application/x-ole-storage" // a compound file that is no Word, Excel or PowerPoint file (MSI, MSG, encrypted OOXML)
	TypeZip         = "application/zip"
	TypeDOCM        = "application/vnd.ms-word.document.macroEnabled.12"
	TypeXLSM        = "application/vnd.ms-excel.sheet.macroEnabled.12"
	TypePPTM        = "application/vnd.ms-powerpoint.presentation.macroEnabled.12"
	TypeELF         = "application/x-elf"
	TypePE          = "application/vnd.microsoft.portable-executable"
	TypeMachO       = "application/x-mach-binary"
	TypeOctetStream = "application/octet-stream"
)

var (
	sigOLE2 = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	sigZip  = []byte("PK\x03\x04")
)

// Sniff returns the media type of the size bytes in r, judged from the bytes
// alone (without parameters such as charset): net/http.DetectContentType,
// preceded by signatures it lacks — Word, Excel and PowerPoint files in both
// their compound-file (OLE2) and zip (OOXML) forms, OpenDocument files,
// macro-enabled Office files, and executables. It reads the first 512 bytes,
// and for compound files their directory and for zip files their central
// directory plus two small entries; never the whole file.
func Sniff(r io.ReaderAt, size int64) (string, error) {
	head := make([]byte, min(size, 512))
	if _, err := r.ReadAt(head, 0); err != nil && err != io.EOF {
		return "", err
	}
	switch {
	case bytes.HasPrefix(head, sigOLE2):
		return sniffOLE2(r, size), nil
	case bytes.HasPrefix(head, sigZip):
		return sniffZip(r, size), nil
	case bytes.HasPrefix(head, []byte("\x7fELF")):
		return TypeELF, nil
	case bytes.HasPrefix(head, []byte("MZ")):
		return TypePE, nil
	case len(head) >= 4 && isMachO(binary.BigEndian.Uint32(head)):
		return TypeMachO, nil
	}
	ct := http.DetectContentType(head)
	if mt, _, err := mime.ParseMediaType(ct); err == nil {
		ct = mt
	}
	return ct, nil
}

func isMachO(magic uint32) bool {
	switch magic {
	case 0xFEEDFACE, 0xFEEDFACF, 0xCEFAEDFE, 0xCFFAEDFE:
		return true
	}
	return false
}

// sniffZip tells OOXML and OpenDocument files from other zip archives by
// their entries: OOXML has [Content_Types].xml and a word/, xl/ or ppt/
// folder; OpenDocument starts with a "mimetype" entry naming its type.
func sniffZip(r io.ReaderAt, size int64) string {
	zr, err := zip.NewReader(io.NewSectionReader(r, 0, size), size)
	if err != nil {
		return TypeZip
	}
	var contentTypes, mimetype *zip.File
	folders := map[string]bool{}
	for _, f := range zr.File {
		switch name := f.Name; {
		case name == "[Content_Types].xml":
			contentTypes = f
		case name == "mimetype":
			mimetype = f
		default:
			if top, _, ok := strings.Cut(name, "/"); ok {
				folders[top] = true
			}
		}
	}
	if mimetype != nil {
		switch t := strings.TrimSpace(readSmall(mimetype, 256)); t {
		case domain.TypeODT, domain.TypeODS, domain.TypeODP:
			return t
		}
	}
	if contentTypes == nil {
		return TypeZip
	}
	// Macros are declared in [Content_Types].xml (a vbaProject part, a
	// macroEnabled main part): such files are a different, refused type.
	ct := strings.ToLower(readSmall(contentTypes, 1<<20))
	macros := strings.Contains(ct, "vbaproject") || strings.Contains(ct, "macroenabled")
	switch {
	case folders["word"]:
		return pick(macros, TypeDOCM, domain.TypeDOCX)
	case folders["xl"]:
		return pick(macros, TypeXLSM, domain.TypeXLSX)
	case folders["ppt"]:
		return pick(macros, TypePPTM, domain.TypePPTX)
	}
	return TypeZip
}

func pick(cond bool, yes, no string) string {
	if cond {
		return yes
	}
	return no
}

// readSmall returns at most limit bytes of a zip entry ("" when unreadable);
// the limit also bounds the work a compression bomb can cause.
func readSmall(f *zip.File, limit int64) string {
	rc, err := f.Open()
	if err != nil {
		return ""
	}
	defer rc.Close()
	b, _ := io.ReadAll(io.LimitReader(rc, limit))
	return string(b)
}

// Compound File Binary (MS-CFB) constants.
const (
	cfbEndOfChain = 0xFFFFFFFE
	cfbDirEntry   = 128
	cfbHeaderFAT  = 109 // FAT sector numbers kept in the header's DIFAT
)

// sniffOLE2 reads a compound file's directory and names the Office
// application whose main stream it holds.
func sniffOLE2(r io.ReaderAt, size int64) string {
	names := cfbNames(r, size)
	has := func(want ...string) bool {
		for _, n := range names {
			for _, w := range want {
				if strings.EqualFold(n, w) {
					return true
				}
			}
		}
		return false
	}
	switch {
	case has("WordDocument"):
		return domain.TypeDOC
	case has("Workbook", "Book"):
		return domain.TypeXLS
	case has("PowerPoint Document"):
		return domain.TypePPT
	}
	return TypeOLE2
}

// cfbNames lists the names in a compound file's directory, or nil when the
// file is malformed. Every chain it follows is bounded by the file's size, so
// a crafted loop ends.
func cfbNames(r io.ReaderAt, size int64) []string {
	hdr := make([]byte, 512)
	if _, err := r.ReadAt(hdr, 0); err != nil {
		return nil
	}
	le := binary.LittleEndian
	shift := le.Uint16(hdr[0x1E:])
	if shift != 9 && shift != 12 {
		return nil
	}
	sector := int64(1) << shift
	perSector := uint32(sector / 4) // 32-bit entries per sector
	maxSectors := uint32(size/sector) + 1
	readU32 := func(off int64) (uint32, bool) {
		var b [4]byte
		if off < 0 || off+4 > size {
			return 0, false
		}
		if _, err := r.ReadAt(b[:], off); err != nil {
			return 0, false
		}
		return le.Uint32(b[:]), true
	}
	offset := func(s uint32) int64 { return (int64(s) + 1) * sector }
	// fatSector returns the sector holding the i-th sector of the FAT.
	fatSector := func(i uint32) (uint32, bool) {
		if i < cfbHeaderFAT {
			return le.Uint32(hdr[0x4C+4*i:]), true
		}
		i -= cfbHeaderFAT
		s := le.Uint32(hdr[0x44:]) // first DIFAT sector
		for hops := uint32(0); i >= perSector-1; hops++ {
			if hops > maxSectors {
				return 0, false
			}
			next, ok := readU32(offset(s) + int64(perSector-1)*4)
			if !ok {
				return 0, false
			}
			s, i = next, i-(perSector-1)
		}
		return readU32(offset(s) + int64(i)*4)
	}
	next := func(s uint32) (uint32, bool) {
		fs, ok := fatSector(s / perSector)
		if !ok {
			return 0, false
		}
		return readU32(offset(fs) + int64(s%perSector)*4)
	}
	var names []string
	buf := make([]byte, sector)
	s := le.Uint32(hdr[0x30:]) // first directory sector
	for hops := uint32(0); s != cfbEndOfChain; hops++ {
		if hops > maxSectors || offset(s)+sector > size {
			return names
		}
		if _, err := r.ReadAt(buf, offset(s)); err != nil {
			return names
		}
		for e := int64(0); e+cfbDirEntry <= sector; e += cfbDirEntry {
			entry := buf[e : e+cfbDirEntry]
			n := int(le.Uint16(entry[0x40:]))
			if kind := entry[0x42]; kind == 0 || n < 2 || n > 64 {
				continue // unused entry
			}
			u := make([]uint16, n/2-1) // without the terminating NUL
			for i := range u {
				u[i] = le.Uint16(entry[2*i:])
			}
			names = append(names, string(utf16.Decode(u)))
		}
		var ok bool
		if s, ok = next(s); !ok {
			return names
		}
	}
	return names
}

// extensions lists the file-name extensions of each accepted type, the
// usual one first.
var extensions = map[string][]string{
	domain.TypePDF:  {".pdf"},
	domain.TypePNG:  {".png"},
	domain.TypeJPEG: {".jpg", ".jpeg", ".jpe", ".jfif"},
	domain.TypeGIF:  {".gif"},
	domain.TypeWebP: {".webp"},
	domain.TypeDOC:  {".doc", ".dot"},
	domain.TypeXLS:  {".xls", ".xlt"},
	domain.TypePPT:  {".ppt", ".pps", ".pot"},
	domain.TypeDOCX: {".docx", ".dotx"},
	domain.TypeXLSX: {".xlsx", ".xltx"},
	domain.TypePPTX: {".pptx", ".ppsx", ".potx"},
	domain.TypeODT:  {".odt"},
	domain.TypeODS:  {".ods"},
	domain.TypeODP:  {".odp"},
}

// Extension returns the usual file-name extension of a media type, or "".
func Extension(ct string) string {
	if e := extensions[ct]; len(e) > 0 {
		return e[0]
	}
	return ""
}
