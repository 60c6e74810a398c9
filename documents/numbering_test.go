package documents

import (
	"testing"
	"time"

	"github.com/ducha/ducha/domain"
)

func TestChineseDate(t *testing.T) {
	for _, tc := range []struct {
		in   time.Time
		want string
	}{
		{time.Date(2026, 3, 2, 10, 0, 0, 0, beijing), "二〇二六年三月二日"},
		{time.Date(2007, 12, 3, 0, 0, 0, 0, beijing), "二〇〇七年十二月三日"},
		{time.Date(2026, 10, 10, 0, 0, 0, 0, beijing), "二〇二六年十月十日"},
		{time.Date(2026, 11, 11, 0, 0, 0, 0, beijing), "二〇二六年十一月十一日"},
		{time.Date(2026, 1, 20, 0, 0, 0, 0, beijing), "二〇二六年一月二十日"},
		{time.Date(2030, 12, 31, 0, 0, 0, 0, beijing), "二〇三〇年十二月三十一日"},
		{time.Date(2026, 5, 21, 0, 0, 0, 0, beijing), "二〇二六年五月二十一日"},
		// 2026-03-01 23:00 UTC is already 2 March in Beijing.
		{time.Date(2026, 3, 1, 23, 0, 0, 0, time.UTC), "二〇二六年三月二日"},
		// New Year's Eve in New York is New Year's Day in Beijing.
		{time.Date(2025, 12, 31, 12, 0, 0, 0, time.FixedZone("EST", -5*3600)), "二〇二六年一月一日"},
		{time.Time{}, ""},
	} {
		if got := ChineseDate(tc.in); got != tc.want {
			t.Errorf("ChineseDate(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestChineseNumber(t *testing.T) {
	for n, want := range map[int]string{
		0: "零", 1: "一", 9: "九", 10: "十", 11: "十一", 19: "十九", 20: "二十", 21: "二十一", 30: "三十",
		99: "九十九", 100: "100", -1: "-1",
	} {
		if got := ChineseNumber(n); got != want {
			t.Errorf("ChineseNumber(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestGovernmentOf(t *testing.T) {
	for _, tc := range []struct {
		name  string
		level domain.Level
		want  string
	}{
		{"广东省", domain.LevelProvince, "广东省人民政府"},
		{"北京市", domain.LevelProvince, "北京市人民政府"},
		{"广西壮族自治区", domain.LevelProvince, "广西壮族自治区人民政府"},
		{"新疆维吾尔自治区", domain.LevelProvince, "新疆维吾尔自治区人民政府"},
		{"广州市", domain.LevelPrefecture, "广州市人民政府"},
		{"凉山彝族自治州", domain.LevelPrefecture, "凉山彝族自治州人民政府"},
		{"阿克苏地区", domain.LevelPrefecture, "阿克苏地区行政公署"},
		{"锡林郭勒盟", domain.LevelPrefecture, "锡林郭勒盟行政公署"},
		{"天河区", domain.LevelCounty, "天河区人民政府"},
		{"昌平区", domain.LevelCounty, "昌平区人民政府"},
		{"正定县", domain.LevelCounty, "正定县人民政府"},
		{"鄂托克旗", domain.LevelCounty, "鄂托克旗人民政府"},
		{"乌拉盖管理区管委会", domain.LevelCounty, "乌拉盖管理区管委会"},
		{"石牌街道", domain.LevelTownship, "石牌街道办事处"},
		{"南磨房地区", domain.LevelTownship, "南磨房地区办事处"},
		{"太和镇", domain.LevelTownship, "太和镇人民政府"},
		{"东华门社区", domain.LevelVillage, "东华门社区居民委员会"},
		{"大石村", domain.LevelVillage, "大石村村民委员会"},
		{"大石村委会", domain.LevelVillage, "大石村委会"},
		{"广东省人民政府", domain.LevelProvince, "广东省人民政府"},
		{" 广东省 ", domain.LevelProvince, "广东省人民政府"},
		{"中国", domain.LevelNation, "国务院"},
		{"市辖区", domain.LevelPrefecture, ""},
		{"省直辖县级行政区划", domain.LevelPrefecture, ""},
		{"自治区直辖县级行政区划", domain.LevelPrefecture, ""},
		{"", domain.LevelProvince, ""},
	} {
		if got := GovernmentOf(tc.name, tc.level); got != tc.want {
			t.Errorf("GovernmentOf(%q, %s) = %q, want %q", tc.name, tc.level, got, tc.want)
		}
	}
}

func TestDocumentNumbers(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{FeedbackNumber(2026, 3), "督查反馈〔2026〕3号"},
		{FeedbackNumber(2026, 12), "督查反馈〔2026〕12号"},
		{FeedbackNumber(2008, 1), "督查反馈〔2008〕1号"},
		{BulletinNumber(2026, 1), "督查通报〔2026〕1号"},
		{BulletinNumber(2027, 105), "督查通报〔2027〕105号"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestFormatScore(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want string
	}{
		{82.36, "82.4"}, {82.35, "82.4"}, {82.34999, "82.3"}, {100, "100.0"}, {0, "0.0"},
		{99.95, "100.0"}, {2.25, "2.3"}, {60, "60.0"}, {88.88888888888889, "88.9"},
	} {
		if got := FormatScore(tc.in); got != tc.want {
			t.Errorf("FormatScore(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestRegionWords(t *testing.T) {
	for name, want := range map[string]string{
		"广东省": "你省", "北京市": "你市", "广西壮族自治区": "你区", "天河区": "你区", "正定县": "你县",
		"凉山彝族自治州": "你州", "鄂托克旗": "你旗", "锡林郭勒盟": "你盟", "阿克苏地区": "你地区", "某地": "你地",
	} {
		if got := regionYou(name); got != want {
			t.Errorf("regionYou(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestSentence(t *testing.T) {
	for in, want := range map[string]string{
		"文本": "文本。", "文本。": "文本。", " 文本 ": "文本。", "他说:“好。”": "他说:“好。”", "真的?": "真的?",
		"“<待补充>”": "“<待补充>”。", "": "",
	} {
		if got := sentence(in); got != want {
			t.Errorf("sentence(%q) = %q, want %q", in, got, want)
		}
	}
	if got := clauses([]string{"甲。", "乙;", " ", "丙"}); got != "甲;乙;丙。" {
		t.Errorf("clauses = %q", got)
	}
}

func TestChineseDateRange(t *testing.T) {
	jan12, feb6 := time.Date(2026, 1, 12, 9, 0, 0, 0, beijing), time.Date(2026, 2, 6, 0, 0, 0, 0, beijing)
	if got := chineseDateRange(jan12, feb6); got != "二〇二六年一月十二日至二月六日" {
		t.Errorf("same year: %q", got)
	}
	dec28 := time.Date(2025, 12, 28, 0, 0, 0, 0, beijing)
	if got := chineseDateRange(dec28, feb6); got != "二〇二五年十二月二十八日至二〇二六年二月六日" {
		t.Errorf("across years: %q", got)
	}
}
