package catalogue_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ducha/ducha/catalogue"
	"github.com/ducha/ducha/domain"
)

// noticeRow is one row of the notice's two tables, transcribed by hand into
// testdata/notice_tables.json independently of the shipped catalogue.
type noticeRow struct {
	Code         string          `json:"code"`
	Kind         domain.SetKind  `json:"kind"`
	Category     domain.Category `json:"category"`
	CategoryZH   string          `json:"category_zh"`
	Item         string          `json:"item"`
	Name         string          `json:"name"`
	Explanation  string          `json:"explanation"`
	LevelText    string          `json:"level_text"`
	LevelLowest  domain.Level    `json:"level_lowest"`
	LevelHighest domain.Level    `json:"level_highest"`
	AndAbove     bool            `json:"and_above"`
	Measures     []noticeMeasure `json:"measures"`
}

type noticeMeasure struct {
	Code        string           `json:"code"`
	Name        string           `json:"name"` // given only where the notice names the rate
	Numerator   string           `json:"numerator"`
	Denominator string           `json:"denominator"`
	Direction   domain.Direction `json:"direction"`
}

func loadNoticeTables(t *testing.T) []noticeRow {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "notice_tables.json"))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var rows []noticeRow
	if err := dec.Decode(&rows); err != nil {
		t.Fatalf("decode fixture: %v", err)
	}
	return rows
}

// TestFixtureIsWellFormed guards the fixture itself, so that a broken
// transcription is not mistaken for a broken catalogue.
func TestFixtureIsWellFormed(t *testing.T) {
	rows := loadNoticeTables(t)
	counts := map[domain.SetKind]int{}
	seen := map[string]bool{}
	for _, r := range rows {
		counts[r.Kind]++
		if seen[r.Code] {
			t.Errorf("fixture: duplicate code %s", r.Code)
		}
		seen[r.Code] = true
		if !r.Kind.Valid() {
			t.Errorf("fixture %s: invalid kind %q", r.Code, r.Kind)
		}
		if !r.Category.Valid() || r.Category.Chinese() != r.CategoryZH {
			t.Errorf("fixture %s: category %q does not match category_zh %q", r.Code, r.Category, r.CategoryZH)
		}
		if (r.Category == domain.CategoryPerformance) != (len(r.Measures) > 0) {
			t.Errorf("fixture %s: category %s with %d measures", r.Code, r.Category, len(r.Measures))
		}
		for i, m := range r.Measures {
			if want := domain.MeasureCode(r.Code, i); m.Code != want {
				t.Errorf("fixture %s: measure %d code %q, want %q", r.Code, i, m.Code, want)
			}
			if !m.Direction.Valid() {
				t.Errorf("fixture %s: invalid direction %q", m.Code, m.Direction)
			}
		}
	}
	if counts[domain.KindInflow] != 21 || counts[domain.KindOutflow] != 18 || len(rows) != 39 {
		t.Errorf("fixture: %d inflow + %d outflow rows (%d in all), want 21 + 18", counts[domain.KindInflow], counts[domain.KindOutflow], len(rows))
	}
}

// TestNationalMatchesNoticeTables compares the shipped national catalogue
// with the hand transcription of the notice's tables, field by field, and
// reports every difference in one run.
func TestNationalMatchesNoticeTables(t *testing.T) {
	rows := loadNoticeTables(t)

	sets, err := catalogue.National()
	if err != nil {
		t.Fatalf("catalogue.National(): %v", err)
	}
	wantKinds := []domain.SetKind{domain.KindInflow, domain.KindOutflow}
	wantCounts := map[domain.SetKind]int{domain.KindInflow: 21, domain.KindOutflow: 18}
	if len(sets) != len(wantKinds) {
		t.Errorf("catalogue.National(): %d sets, want 2 (inflow, outflow)", len(sets))
	}

	type located struct {
		kind domain.SetKind
		ind  domain.Indicator
	}
	byCode := map[string]located{}
	for i, s := range sets {
		if i < len(wantKinds) && s.Kind != wantKinds[i] {
			t.Errorf("set %d (%s): kind %q, want %q", i, s.Code, s.Kind, wantKinds[i])
		}
		if want, ok := wantCounts[s.Kind]; ok && len(s.Indicators) != want {
			t.Errorf("set %s (%s): %d indicators, want %d", s.Code, s.Kind, len(s.Indicators), want)
		}
		for _, in := range s.Indicators {
			if prev, dup := byCode[in.Code]; dup {
				t.Errorf("%s: appears twice (in %s and %s sets)", in.Code, prev.kind, s.Kind)
				continue
			}
			byCode[in.Code] = located{s.Kind, in}
		}
	}

	// Order: the codes of each set, in the notice's row order.
	for _, kind := range wantKinds {
		var want, got []string
		for _, r := range rows {
			if r.Kind == kind {
				want = append(want, r.Code)
			}
		}
		for _, s := range sets {
			if s.Kind == kind {
				for _, in := range s.Indicators {
					got = append(got, in.Code)
				}
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s order: catalogue %v, notice %v", kind, got, want)
		}
	}

	// Every field of every indicator.
	inNotice := map[string]bool{}
	for _, r := range rows {
		inNotice[r.Code] = true
		loc, ok := byCode[r.Code]
		if !ok {
			t.Errorf("%s: missing from the catalogue", r.Code)
			continue
		}
		in := loc.ind
		str := func(field, got, want string) {
			if got != want {
				t.Errorf("%s %s: catalogue %q, notice %q", r.Code, field, got, want)
			}
		}
		str("kind", string(loc.kind), string(r.Kind))
		str("category", string(in.Category), string(r.Category))
		str("category (Chinese)", in.Category.Chinese(), r.CategoryZH)
		str("item", in.Item, r.Item)
		str("name", in.Name, r.Name)
		str("explanation", in.Explanation, r.Explanation)
		str("level text", in.Level.Text, r.LevelText)
		str("level lowest", in.Level.Lowest.String(), r.LevelLowest.String())
		str("level highest", in.Level.Highest.String(), r.LevelHighest.String())
		if in.Level.AndAbove != r.AndAbove {
			t.Errorf("%s level and_above: catalogue %t, notice %t", r.Code, in.Level.AndAbove, r.AndAbove)
		}

		if len(in.Measures) != len(r.Measures) {
			t.Errorf("%s measures: catalogue has %d, notice %d", r.Code, len(in.Measures), len(r.Measures))
		}
		for i := range min(len(in.Measures), len(r.Measures)) {
			got, want := in.Measures[i], r.Measures[i]
			field := func(name string) string { return "measure " + want.Code + " " + name }
			str(field("code"), got.Code, want.Code)
			str(field("numerator"), got.Numerator, want.Numerator)
			str(field("denominator"), got.Denominator, want.Denominator)
			str(field("direction"), string(got.Direction), string(want.Direction))
			if want.Name != "" {
				str(field("name"), got.Name, want.Name)
			}
		}
		for _, m := range in.Measures[min(len(in.Measures), len(r.Measures)):] {
			t.Errorf("%s: extra measure %s in the catalogue", r.Code, m.Code)
		}
		for _, m := range r.Measures[min(len(in.Measures), len(r.Measures)):] {
			t.Errorf("%s: measure %s missing from the catalogue", r.Code, m.Code)
		}
	}
	for code := range byCode {
		if !inNotice[code] {
			t.Errorf("%s: in the catalogue but not in the notice's tables", code)
		}
	}
}
