package regions

import (
	"strings"
	"testing"

	"github.com/ducha/ducha/domain"
)

func TestBaseCountsAndParents(t *testing.T) {
	all, err := Base()
	if err != nil {
		t.Fatal(err)
	}
	count := map[domain.Level]int{}
	seen := map[string]bool{}
	for _, r := range all {
		count[r.Level]++
		if r.Code != domain.NationCode && !seen[r.ParentCode] {
			t.Errorf("%s (%s) comes before its parent %s or the parent is missing", r.Code, r.Name, r.ParentCode)
		}
		seen[r.Code] = true
	}
	want := map[domain.Level]int{domain.LevelNation: 1, domain.LevelProvince: 31, domain.LevelPrefecture: 342, domain.LevelCounty: 2978}
	for lv, n := range want {
		if count[lv] != n {
			t.Errorf("%s: %d regions, want %d", lv, count[lv], n)
		}
	}
	if !seen["440106"] || !seen["4401"] || !seen["44"] {
		t.Error("Guangzhou's Tianhe district and its ancestors are missing")
	}
}

func TestReadCSVRejectsMalformedRows(t *testing.T) {
	in := "code,name,areaCode\n110101001,东华门街道,110101\n1101x1002,坏,110101\n"
	var got []domain.Region
	var gotErr error
	for r, err := range ReadCSV(strings.NewReader(in)) {
		if err != nil {
			gotErr = err
			break
		}
		got = append(got, r)
	}
	if len(got) != 1 || got[0].ParentCode != "110101" || got[0].Level != domain.LevelTownship {
		t.Fatalf("got %+v", got)
	}
	if gotErr == nil || !strings.Contains(gotErr.Error(), "line 3") {
		t.Fatalf("want an error naming line 3, got %v", gotErr)
	}
}
