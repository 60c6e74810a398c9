package xlsx

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/ducha/ducha/catalogue"
	"github.com/ducha/ducha/domain"
)

func nationalSets(t *testing.T) []domain.IndicatorSet {
	t.Helper()
	sets, err := catalogue.National()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2007, 12, 3, 0, 0, 0, 0, time.UTC)
	var out []domain.IndicatorSet
	for i, s := range sets {
		out = append(out, domain.IndicatorSet{ID: int64(i + 1), Code: s.Code, Kind: s.Kind, Name: s.Name,
			NameEN: s.NameEN, RegionCode: "0", Status: domain.SetPublished, Version: 1, CreatedAt: at,
			PublishedAt: &at, Indicators: s.Indicators})
	}
	return out
}

func roundTrip(t *testing.T, s domain.IndicatorSet) Sheet {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, s); err != nil {
		t.Fatal(err)
	}
	sh, err := Read(&buf)
	if err != nil {
		t.Fatalf("read back: %v", err)
	}
	return sh
}

func indicators(sh Sheet) []domain.Indicator {
	out := make([]domain.Indicator, len(sh.Indicators))
	for i, in := range sh.Indicators {
		out[i] = in.Indicator
	}
	return out
}

// Both national sets survive a write and a read field by field, with the
// notice's merged cells filled back in.
func TestRoundTripNational(t *testing.T) {
	for _, s := range nationalSets(t) {
		t.Run(s.Code, func(t *testing.T) {
			sh := roundTrip(t, s)
			got := indicators(sh)
			if len(got) != len(s.Indicators) {
				t.Fatalf("%d indicators, want %d", len(got), len(s.Indicators))
			}
			for i := range got {
				if !reflect.DeepEqual(got[i], s.Indicators[i]) {
					t.Errorf("indicator %d:\n got %+v\nwant %+v", i, got[i], s.Indicators[i])
				}
			}
			// IN18 spans two measure rows.
			for _, in := range sh.Indicators {
				if len(in.MeasureRows) != len(in.Measures) {
					t.Errorf("%s: %d measure rows for %d measures", in.Code, len(in.MeasureRows), len(in.Measures))
				}
			}
		})
	}
}

func TestRoundTripTargetsLocalAndRemoved(t *testing.T) {
	s := nationalSets(t)[1]
	s.RegionCode, s.Status = "44", domain.SetDraft
	ninety, five := 90.5, 5.0
	for i := range s.Indicators {
		for j := range s.Indicators[i].Measures {
			switch s.Indicators[i].Measures[j].Code {
			case "OUT12a":
				s.Indicators[i].Measures[j].Target = &ninety
			case "OUT15b":
				s.Indicators[i].Measures[j].Target = &five
			}
		}
	}
	s.Indicators[2].Weight = 2.5
	s.Indicators = append(s.Indicators, domain.Indicator{Code: "44-L01", Category: domain.CategoryIncentive,
		Item: "地方特色", ItemEN: "Local", Name: "流动人口积分制", NameEN: "Points", Explanation: "实行积分制管理",
		Level:  domain.LevelSpec{Text: "县(市、区)", Lowest: domain.LevelCounty, Highest: domain.LevelPrefecture},
		Weight: 1, Position: len(s.Indicators) + 1, Local: false})
	s.Removed = []domain.RemovedIndicator{{Code: "OUT05", Name: "工作规范", Reason: "本省已另行规定"}}
	sh := roundTrip(t, s)
	if !reflect.DeepEqual(indicators(sh), s.Indicators) {
		t.Errorf("indicators differ:\n got %+v\nwant %+v", indicators(sh), s.Indicators)
	}
	if len(sh.Removed) != 1 || sh.Removed[0].Code != "OUT05" || sh.Removed[0].Reason != "本省已另行规定" || sh.Removed[0].Row != 2 {
		t.Errorf("removed: %+v", sh.Removed)
	}
}

func TestLevelFromTextMatchesTheNotice(t *testing.T) {
	for _, s := range nationalSets(t) {
		for _, in := range s.Indicators {
			if in.Level.Text == "" {
				continue
			}
			got, ok := LevelFromText(in.Level.Text)
			if !ok || got != in.Level {
				t.Errorf("%s %q: got %+v, %v; want %+v", in.Code, in.Level.Text, got, ok, in.Level)
			}
		}
	}
	for text, want := range map[string]domain.LevelSpec{
		"地区以上":     {Lowest: domain.LevelPrefecture, Highest: domain.LevelNation, AndAbove: true},
		"省、地市":     {Lowest: domain.LevelPrefecture, Highest: domain.LevelProvince},
		"县(市、区、旗)": {Lowest: domain.LevelCounty, Highest: domain.LevelCounty},
		"乡镇、社区":    {Lowest: domain.LevelVillage, Highest: domain.LevelTownship},
		"国家级":      {Lowest: domain.LevelNation, Highest: domain.LevelNation},
	} {
		want.Text = text
		if got, ok := LevelFromText(text); !ok || got != want {
			t.Errorf("%q: got %+v, want %+v", text, got, want)
		}
	}
	for _, text := range []string{"", "各级", "全部"} {
		if _, ok := LevelFromText(text); ok {
			t.Errorf("%q read as a level", text)
		}
	}
}

func TestRange(t *testing.T) {
	for _, l := range []domain.LevelSpec{
		{Lowest: domain.LevelCounty, Highest: domain.LevelNation, AndAbove: true},
		{Lowest: domain.LevelProvince, Highest: domain.LevelProvince},
		{Lowest: domain.LevelVillage, Highest: domain.LevelTownship},
	} {
		got, ok := ParseRange(FormatRange(l))
		if !ok || got != l {
			t.Errorf("%+v → %q → %+v, %v", l, FormatRange(l), got, ok)
		}
	}
	for _, s := range []string{"", "county-", "village-township", "moon", "+"} {
		if _, ok := ParseRange(s); ok {
			t.Errorf("%q parsed", s)
		}
	}
}

// sheet builds a workbook from rows of cells, the first being the header.
func sheet(t *testing.T, rows [][]any, extra func(f *excelize.File)) *bytes.Buffer {
	t.Helper()
	f := excelize.NewFile()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	if extra != nil {
		extra(f)
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return &buf
}

func fieldErrors(t *testing.T, err error) map[string]string {
	t.Helper()
	var de *domain.Error
	if err == nil || !errorsAs(err, &de) || de.Code != domain.EInvalid {
		t.Fatalf("want an EInvalid error, got %v", err)
	}
	out := map[string]string{}
	for _, f := range de.Fields {
		out[f.Location] = f.Message
	}
	return out
}

func TestReadRowErrors(t *testing.T) {
	head := []any{ColCategory, ColItem, ColCode, ColName, ColExplanation, ColLevel, ColLevelRange, ColWeight,
		ColMeasure, ColNumerator, ColDenominator, ColDirection, ColTarget}
	buf := sheet(t, [][]any{
		{"标题"},
		head,
		{"保障指标", "领导机制", "IN01", "纳入", "解释", "县(市、区)以上", "", "heavy"},
		{"坏类别", "x", "IN02", "y", "z", "省级"},
		{"管理指标", "x", "", "y", "z", "省级"},
		{"绩效指标", "x", "IN14", "y", "", "", "", "", "IN14a", "甲", "乙", "横着", "九十"},
		{"管理指标", "x", "IN01", "y", "z", "省级"},
		{"管理指标", "x", "IN05", "y", "z", "没有层级"},
		{"管理指标", "x", "IN06", "y", "z", "", "sideways"},
	}, nil)
	_, err := Read(buf)
	got := fieldErrors(t, err)
	for _, loc := range []string{
		"file.row[3].权重", "file.row[4].类别", "file.row[5].编码", "file.row[6].方向", "file.row[6].目标值(%)",
		"file.row[7].编码", "file.row[8].考评层级", "file.row[9].层级范围",
	} {
		if _, ok := got[loc]; !ok {
			t.Errorf("no error at %s; got %v", loc, got)
		}
	}
	if len(got) != 8 {
		t.Errorf("%d errors, want 8: %v", len(got), got)
	}
}

func TestReadNotAWorkbook(t *testing.T) {
	for _, b := range [][]byte{nil, []byte("编码,指标名称\nIN01,x\n"), []byte("PK\x03\x04garbage")} {
		got := fieldErrors(t, func() error { _, err := Read(bytes.NewReader(b)); return err }())
		if _, ok := got["file"]; !ok {
			t.Errorf("%q: %v", b, got)
		}
	}
	// A workbook without the header row.
	got := fieldErrors(t, func() error { _, err := Read(sheet(t, [][]any{{"a", "b"}}, nil)); return err }())
	if !strings.Contains(got["file"], "header") {
		t.Errorf("%v", got)
	}
}

// Measure rows may be merged (as Write does) or left blank under the code;
// 类别 and 项目 written once apply below, as in the notice.
func TestReadNoticeStyleSpans(t *testing.T) {
	head := []any{ColCategory, ColItem, ColCode, ColName, ColExplanation, ColLevel, ColMeasure, ColNumerator, ColDenominator}
	buf := sheet(t, [][]any{
		head,
		{"绩效指标", "信息交换", "IN18", "登录率", "公式", "", "IN18a", "甲", "乙"},
		{"", "", "", "", "", "", "IN18b", "丙", "丁"},
		{"", "综合指标", "IN19", "生育率", "公式", "", "IN19a", "戊", "己"},
	}, nil)
	sh, err := Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(sh.Indicators) != 2 {
		t.Fatalf("%+v", sh.Indicators)
	}
	in18, in19 := sh.Indicators[0], sh.Indicators[1]
	if len(in18.Measures) != 2 || in18.Measures[1].Code != "IN18b" || in18.MeasureRows[1] != 3 {
		t.Errorf("IN18: %+v", in18)
	}
	if in19.Category != domain.CategoryPerformance || in19.Item != "综合指标" || in19.Row != 4 {
		t.Errorf("IN19: %+v", in19)
	}
	if in19.Level != (domain.LevelSpec{Lowest: domain.LevelCounty, Highest: domain.LevelNation, AndAbove: true}) {
		t.Errorf("IN19 level: %+v", in19.Level)
	}
}

func errorsAs(err error, target **domain.Error) bool { return errors.As(err, target) }
