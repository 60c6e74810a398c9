// Package regions reads the region tree: the nation, provinces, prefectures
// and counties that ship inside the binary, and the township and village
// files (streets.csv, villages.csv.gz) of the china-division data that
// `ducha regions import DIR` loads on demand.
//
// The codes are statistical division codes (统计用区划代码); a region's parent
// is derived from its code (domain.ParentCode), so no file needs a parent
// column.
package regions

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"strings"

	"github.com/ducha/ducha/domain"
)

//go:embed base.tsv
var baseTSV []byte

// NationName is the name of the root region.
const NationName = "全国"

// Base returns the nation, 31 provinces, 342 prefectures and 2,978 counties,
// parents before children.
func Base() ([]domain.Region, error) {
	out := []domain.Region{{Code: domain.NationCode, Name: NationName, Level: domain.LevelNation}}
	sc := bufio.NewScanner(bytes.NewReader(baseTSV))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		code, name, ok := strings.Cut(line, "\t")
		if !ok {
			return nil, fmt.Errorf("regions: base.tsv line %d: no tab", n)
		}
		r, err := newRegion(code, name)
		if err != nil {
			return nil, fmt.Errorf("regions: base.tsv line %d: %w", n, err)
		}
		out = append(out, r)
	}
	return out, sc.Err()
}

func newRegion(code, name string) (domain.Region, error) {
	lv, ok := domain.LevelOfCode(code)
	if !ok || lv == domain.LevelNation {
		return domain.Region{}, fmt.Errorf("malformed region code %q", code)
	}
	if name == "" {
		return domain.Region{}, fmt.Errorf("region %s has no name", code)
	}
	return domain.Region{Code: code, Name: name, Level: lv, ParentCode: domain.ParentCode(code)}, nil
}

// Files names the files of a china-division folder that Import reads, in the
// order they must be loaded (parents first).
var Files = []string{"streets.csv", "villages.csv.gz"}

// ReadDir streams the townships and then the villages found in dir. It yields
// an error (and stops) on the first malformed row; a missing file is an error.
// Files ending in .gz are decompressed on the fly.
func ReadDir(dir string) iter.Seq2[domain.Region, error] {
	return func(yield func(domain.Region, error) bool) {
		for _, f := range Files {
			if !readFile(filepath.Join(dir, f), yield) {
				return
			}
		}
	}
}

func readFile(path string, yield func(domain.Region, error) bool) bool {
	f, err := os.Open(path)
	if err != nil {
		yield(domain.Region{}, fmt.Errorf("regions: %w", err))
		return false
	}
	defer f.Close()
	var r io.Reader = bufio.NewReaderSize(f, 1<<16)
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(r)
		if err != nil {
			yield(domain.Region{}, fmt.Errorf("regions: %s: %w", path, err))
			return false
		}
		defer gz.Close()
		r = gz
	}
	for reg, err := range ReadCSV(r) {
		if err != nil {
			err = fmt.Errorf("regions: %s: %w", filepath.Base(path), err)
		}
		if !yield(reg, err) || err != nil {
			return false
		}
	}
	return true
}

// ReadCSV streams regions from a china-division CSV: a header row, then rows
// whose first two columns are code and name (the other columns repeat the
// ancestors' codes and are ignored).
func ReadCSV(r io.Reader) iter.Seq2[domain.Region, error] {
	return func(yield func(domain.Region, error) bool) {
		cr := csv.NewReader(r)
		cr.FieldsPerRecord = -1
		cr.ReuseRecord = true
		header := true
		for {
			rec, err := cr.Read()
			if err == io.EOF {
				return
			}
			if err != nil {
				yield(domain.Region{}, err)
				return
			}
			if header {
				header = false
				continue
			}
			if len(rec) < 2 {
				line, _ := cr.FieldPos(0)
				yield(domain.Region{}, fmt.Errorf("line %d: want at least code and name", line))
				return
			}
			reg, err := newRegion(rec[0], strings.TrimSpace(rec[1]))
			if err != nil {
				line, _ := cr.FieldPos(0)
				err = fmt.Errorf("line %d: %w", line, err)
			}
			if !yield(reg, err) || err != nil {
				return
			}
		}
	}
}
