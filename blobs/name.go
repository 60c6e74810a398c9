package blobs

import (
	"path"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxNameBytes bounds a sanitised file name: what common file systems allow
// for one name, and what a VARCHAR(255) column holds in any character set.
const MaxNameBytes = 255

// SanitizeName makes a client's file name safe to store and to offer back in
// a download: the last element of any path (either separator), valid UTF-8,
// no control or invisible formatting characters (such as the right-to-left
// override that disguises "exe.pdf"), none of <>:"/\|?*, whitespace folded to
// single spaces, no leading or trailing dots or spaces, not a reserved
// Windows device name, at most MaxNameBytes bytes (the extension kept). It
// returns "" when nothing usable remains. Names stay in any script: 检查报告.pdf
// is kept as is.
func SanitizeName(name string) string {
	name = strings.ToValidUTF8(name, "_")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	space := false
	for _, r := range name {
		switch {
		case unicode.IsSpace(r):
			space = true
			continue
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), r == utf8.RuneError:
			continue
		case strings.ContainsRune(`<>:"|?*`, r):
			r = '_'
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	name = strings.Trim(b.String(), ". ")
	if name == "" {
		return ""
	}
	stem, _, _ := strings.Cut(name, ".")
	if reservedWindowsName(stem) {
		name = "_" + name
	}
	return truncateName(name, MaxNameBytes)
}

func reservedWindowsName(stem string) bool {
	s := strings.ToUpper(strings.TrimSpace(stem))
	switch s {
	case "CON", "PRN", "AUX", "NUL":
		return true
	}
	if len(s) == 4 && (strings.HasPrefix(s, "COM") || strings.HasPrefix(s, "LPT")) && s[3] >= '1' && s[3] <= '9' {
		return true
	}
	return false
}

// truncateName shortens name to at most max bytes on a rune boundary,
// keeping a short extension.
func truncateName(name string, max int) string {
	if len(name) <= max {
		return name
	}
	ext := path.Ext(name)
	if len(ext) > 16 || !utf8.ValidString(ext) {
		ext = ""
	}
	stem := name[:len(name)-len(ext)]
	cut := max - len(ext)
	for cut > 0 && !utf8.RuneStart(stem[cut]) {
		cut--
	}
	return strings.TrimRight(stem[:cut], ". ") + ext
}

// DownloadName is the name to offer when serving a file of media type ct
// stored under name: name itself when its extension belongs to ct, else name
// with ct's usual extension appended ("photo.html" holding a PNG is offered
// as "photo.html.png", so that no program opens sniffed bytes as something
// else). An empty name becomes "attachment" plus the extension.
func DownloadName(name, ct string) string {
	if name == "" {
		return "attachment" + Extension(ct)
	}
	exts := extensions[ct]
	if len(exts) == 0 || slices.Contains(exts, strings.ToLower(path.Ext(name))) {
		return name
	}
	return name + exts[0]
}
