package catalogue

import (
	"fmt"
	"strings"
	"testing"
	"unicode"

	"github.com/ducha/ducha/domain"
)

func national(t *testing.T) (in, out Set) {
	t.Helper()
	sets, err := National()
	if err != nil {
		t.Fatal(err)
	}
	return sets[0], sets[1]
}

func TestNationalSets(t *testing.T) {
	in, out := national(t)
	for _, tc := range []struct {
		set    Set
		kind   domain.SetKind
		code   string
		prefix string
		n      int
		// last code of each category, in domain.Categories order
		ends []int
	}{
		{in, domain.KindInflow, CodeNationalInflow, "IN", 21, []int{4, 8, 13, 19, 21}},
		{out, domain.KindOutflow, CodeNationalOutflow, "OUT", 18, []int{4, 8, 11, 16, 18}},
	} {
		t.Run(tc.code, func(t *testing.T) {
			s := tc.set
			if s.Kind != tc.kind || s.Code != tc.code {
				t.Errorf("set is %s %s, want %s %s", s.Kind, s.Code, tc.kind, tc.code)
			}
			if !strings.HasPrefix(s.Name, "流动人口计划生育管理和服务工作检查评估指标") || strings.ContainsAny(s.Name, boxChars) {
				t.Errorf("name %q", s.Name)
			}
			if s.NameEN == "" {
				t.Error("no English name")
			}
			if len(s.Indicators) != tc.n {
				t.Fatalf("%d indicators, want %d", len(s.Indicators), tc.n)
			}
			cat := 0
			for i, ind := range s.Indicators {
				if want := fmt.Sprintf("%s%02d", tc.prefix, i+1); ind.Code != want {
					t.Errorf("indicator %d: code %s, want %s", i, ind.Code, want)
				}
				if ind.Position != i+1 {
					t.Errorf("%s: position %d, want %d", ind.Code, ind.Position, i+1)
				}
				if i+1 > tc.ends[cat] {
					cat++
				}
				if want := domain.Categories[cat]; ind.Category != want {
					t.Errorf("%s: category %s, want %s", ind.Code, ind.Category, want)
				}
				if ind.Weight != 1 || ind.Local {
					t.Errorf("%s: weight %v, local %v; want 1, false", ind.Code, ind.Weight, ind.Local)
				}
			}
		})
	}
}

// The English labels and the Chinese text must be there; the Chinese text
// must carry no wrap artefacts from the notice's box-drawn tables.
func TestNationalText(t *testing.T) {
	in, out := national(t)
	for _, s := range []Set{in, out} {
		for _, ind := range s.Indicators {
			zh := map[string]string{"item": ind.Item, "name": ind.Name, "explanation": ind.Explanation}
			en := map[string]string{"item_en": ind.ItemEN, "name_en": ind.NameEN}
			if ind.Level.Text != "" {
				zh["level.text"] = ind.Level.Text
			}
			for _, m := range ind.Measures {
				zh[m.Code+".name"] = m.Name
				zh[m.Code+".numerator"] = m.Numerator
				zh[m.Code+".denominator"] = m.Denominator
				en[m.Code+".name_en"] = m.NameEN
			}
			for field, v := range zh {
				checkChinese(t, ind.Code+" "+field, v)
			}
			for field, v := range en {
				if strings.TrimSpace(v) != v || v == "" || strings.ContainsAny(v, boxChars) {
					t.Errorf("%s %s: %q", ind.Code, field, v)
				}
			}
			// Only a two-formula explanation has a line break.
			if n := strings.Count(ind.Explanation, "\n"); n > 0 && n != len(ind.Measures)-1 {
				t.Errorf("%s: %d line breaks for %d measures", ind.Code, n, len(ind.Measures))
			}
		}
	}
}

const boxChars = "─│┌┐└┘├┤┬┴┼"

func checkChinese(t *testing.T, where, v string) {
	t.Helper()
	if v == "" {
		t.Errorf("%s: empty", where)
		return
	}
	if strings.ContainsAny(v, boxChars) {
		t.Errorf("%s: box-drawing character in %q", where, v)
	}
	if strings.ContainsAny(v, " \t\r\u3000") {
		t.Errorf("%s: space in %q", where, v)
	}
	han := false
	for _, r := range v {
		if unicode.Is(unicode.Han, r) {
			han = true
		}
	}
	if !han {
		t.Errorf("%s: no Chinese in %q", where, v)
	}
}

func TestNationalMeasures(t *testing.T) {
	in, out := national(t)
	multi := map[string]int{"IN18": 2, "OUT15": 2}
	for _, s := range []Set{in, out} {
		for _, ind := range s.Indicators {
			perf := ind.Category == domain.CategoryPerformance
			if perf != ind.Quantitative() {
				t.Errorf("%s (%s): %d measures", ind.Code, ind.Category, len(ind.Measures))
				continue
			}
			if !perf {
				continue
			}
			want := 1
			if n, ok := multi[ind.Code]; ok {
				want = n
			}
			if len(ind.Measures) != want {
				t.Errorf("%s: %d measures, want %d", ind.Code, len(ind.Measures), want)
			}
			formulas := strings.Split(ind.Explanation, "\n")
			if len(formulas) != len(ind.Measures) {
				t.Errorf("%s: %d formulas for %d measures", ind.Code, len(formulas), len(ind.Measures))
			}
			for i, m := range ind.Measures {
				if want := domain.MeasureCode(ind.Code, i); m.Code != want {
					t.Errorf("%s: measure %d coded %s, want %s", ind.Code, i, m.Code, want)
				}
				wantDir := domain.HigherIsBetter
				if m.Code == "OUT15b" {
					wantDir = domain.LowerIsBetter
				}
				if m.Direction != wantDir {
					t.Errorf("%s: direction %s, want %s", m.Code, m.Direction, wantDir)
				}
				if m.Target != nil {
					t.Errorf("%s: national target %v", m.Code, *m.Target)
				}
				if len(ind.Measures) == 1 && m.Name != ind.Name {
					t.Errorf("%s: name %q, want the indicator's %q", m.Code, m.Name, ind.Name)
				}
				for _, part := range []string{m.Numerator, m.Denominator} {
					if strings.ContainsAny(part, "/×%①②;:") {
						t.Errorf("%s: formula residue in %q", m.Code, part)
					}
				}
				// The measure's wording is the formula's, in order.
				if i < len(formulas) {
					f := formulas[i]
					if !strings.HasSuffix(f, m.Numerator+"/"+m.Denominator+"×100%") {
						t.Errorf("%s: %q / %q is not the formula %q", m.Code, m.Numerator, m.Denominator, f)
					}
				}
			}
		}
	}
}

func TestNationalLevels(t *testing.T) {
	in, out := national(t)
	for _, s := range []Set{in, out} {
		for _, ind := range s.Indicators {
			l := ind.Level
			if !l.Lowest.Valid() || !l.Highest.Valid() || l.Highest > l.Lowest {
				t.Errorf("%s: level %s..%s", ind.Code, l.Highest, l.Lowest)
			}
			if l.AndAbove != (l.Highest == domain.LevelNation) {
				t.Errorf("%s: and_above %v but highest %s", ind.Code, l.AndAbove, l.Highest)
			}
			if l.AndAbove != strings.HasSuffix(l.Text, "以上") && l.Text != "" {
				t.Errorf("%s: and_above %v for %q", ind.Code, l.AndAbove, l.Text)
			}
			if (l.Text == "") != (ind.Category == domain.CategoryPerformance) {
				t.Errorf("%s (%s): level text %q", ind.Code, ind.Category, l.Text)
			}
			if l.Text == "" && (l.Lowest != domain.LevelCounty || !l.AndAbove) {
				t.Errorf("%s: performance rows are county and above, got %+v", ind.Code, l)
			}
			if !l.Covers(l.Lowest) || !l.Covers(l.Highest) {
				t.Errorf("%s: %+v does not cover its own ends", ind.Code, l)
			}
		}
	}
}

// National hands out fresh copies: changing one must not change the next.
func TestNationalFresh(t *testing.T) {
	a, _ := national(t)
	a.Indicators[0].Name = "changed"
	a.Indicators[13].Measures[0].Name = "changed"
	b, _ := national(t)
	if b.Indicators[0].Name == "changed" || b.Indicators[13].Measures[0].Name == "changed" {
		t.Error("National returned shared data")
	}
}
