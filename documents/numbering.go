package documents

import (
	"strconv"
	"strings"
	"time"

	"github.com/ducha/ducha/domain"
)

// Prefixes of the document numbers (发文字号): the organ's code word, then the
// year in 六角括号 〔〕 and the sequence number with 号, as GB/T 9704 writes them.
const (
	FeedbackPrefix = "督查反馈"
	BulletinPrefix = "督查通报"
)

// FeedbackNumber returns a feedback letter's number: FeedbackNumber(2026, 3)
// is "督查反馈〔2026〕3号". seq counts from 1 within the year; it is printed
// without leading zeros, as the standard asks.
func FeedbackNumber(year, seq int) string { return docNumber(FeedbackPrefix, year, seq) }

// BulletinNumber returns a bulletin's number: BulletinNumber(2026, 1) is
// "督查通报〔2026〕1号".
func BulletinNumber(year, seq int) string { return docNumber(BulletinPrefix, year, seq) }

func docNumber(prefix string, year, seq int) string {
	return prefix + "〔" + strconv.Itoa(year) + "〕" + strconv.Itoa(seq) + "号"
}

// beijing is China Standard Time. A fixed zone is exact: China has kept
// UTC+8 without daylight saving since 1991, and it needs no tzdata.
var beijing = time.FixedZone("CST", 8*60*60)

// ChineseDate writes t's date in Beijing time the way an official document
// dates itself: the year digit by digit with 〇, month and day as numbers in
// words. ChineseDate of 2026-03-02 is "二〇二六年三月二日", of 2026-12-31
// "二〇二六年十二月三十一日". The zero time, and any time whose year is not
// from 1 to 9999, gives "" (no date).
func ChineseDate(t time.Time) string {
	d := t.In(beijing)
	if t.IsZero() || d.Year() < 1 || d.Year() > 9999 {
		return ""
	}
	var b strings.Builder
	for _, c := range strconv.Itoa(d.Year()) {
		b.WriteString(digitZH[c-'0'])
	}
	b.WriteString("年")
	b.WriteString(ChineseNumber(int(d.Month())))
	b.WriteString("月")
	b.WriteString(ChineseNumber(d.Day()))
	b.WriteString("日")
	return b.String()
}

// chineseDateRange writes a span of days, leaving out the second year when
// it is the first's: 二〇二六年一月十二日至二月六日.
func chineseDateRange(from, to time.Time) string {
	f, t := ChineseDate(from), ChineseDate(to)
	if from.In(beijing).Year() == to.In(beijing).Year() {
		if _, rest, ok := strings.Cut(t, "年"); ok {
			t = rest
		}
	}
	return f + "至" + t
}

var digitZH = [...]string{"〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"}

// ChineseNumber writes n (0–99) in words as headings and dates count:
// 1 一, 10 十, 11 十一, 20 二十, 31 三十一. Other numbers come back in
// Arabic digits: no document numbers a hundred sections.
func ChineseNumber(n int) string {
	switch {
	case n < 0 || n > 99:
		return strconv.Itoa(n)
	case n == 0:
		return "零"
	case n < 10:
		return digitZH[n]
	}
	tens, ones := n/10, n%10
	s := "十"
	if tens > 1 {
		s = digitZH[tens] + s
	}
	if ones > 0 {
		s += digitZH[ones]
	}
	return s
}

// GovernmentOf names the government of a region, the addressee (主送机关) of
// its feedback letter, from the region's name as the statistical division
// data spells it and its level:
//
//   - the nation: 国务院;
//   - a name that already is an organ (…人民政府, …办事处, …委员会, …村委会,
//     …居委会, …管委会, …行政公署) is returned as it is;
//   - a prefecture-level 地区 or 盟 is governed by its 行政公署
//     (阿克苏地区 → 阿克苏地区行政公署);
//   - a township-level 街道, and a Beijing township-level 地区, by its
//     办事处 (南磨房地区 → 南磨房地区办事处);
//   - a village 村 by its 村民委员会 (大石村 → 大石村村民委员会), a 社区 by
//     its 居民委员会 (东华门社区 → 东华门社区居民委员会);
//   - every other region by its 人民政府: 广东省 → 广东省人民政府, 北京市 →
//     北京市人民政府, 广西壮族自治区 → 广西壮族自治区人民政府, 天河区 →
//     天河区人民政府, 凉山彝族自治州 → 凉山彝族自治州人民政府.
//
// The data's placeholders that are no government (市辖区,
// 省直辖县级行政区划, 自治区直辖县级行政区划) and an empty name give "": the
// caller must address the parent instead.
func GovernmentOf(regionName string, level domain.Level) string {
	name := strings.TrimSpace(regionName)
	if level == domain.LevelNation {
		return "国务院"
	}
	if name == "" || name == "市辖区" || strings.HasSuffix(name, "直辖县级行政区划") {
		return ""
	}
	for _, organ := range []string{"人民政府", "办事处", "委员会", "村委会", "居委会", "管委会", "行政公署"} {
		if strings.HasSuffix(name, organ) {
			return name
		}
	}
	switch level {
	case domain.LevelPrefecture:
		if strings.HasSuffix(name, "地区") || strings.HasSuffix(name, "盟") {
			return name + "行政公署"
		}
	case domain.LevelTownship:
		if strings.HasSuffix(name, "街道") || strings.HasSuffix(name, "地区") {
			return name + "办事处"
		}
	case domain.LevelVillage:
		switch {
		case strings.HasSuffix(name, "社区"):
			return name + "居民委员会"
		case strings.HasSuffix(name, "村"):
			return name + "村民委员会"
		}
	}
	return name + "人民政府"
}

// regionYou is how a letter addresses the region in its body: 你省, 你区
// (an autonomous region or a district), 你市, 你县, 你旗, 你州, 你盟, 你地区,
// or 你地 when the name's ending says nothing.
func regionYou(name string) string {
	for _, s := range []struct{ suffix, you string }{
		{"自治区", "你区"}, {"自治州", "你州"}, {"自治县", "你县"}, {"自治旗", "你旗"}, {"地区", "你地区"},
		{"省", "你省"}, {"市", "你市"}, {"区", "你区"}, {"县", "你县"}, {"旗", "你旗"},
		{"盟", "你盟"}, {"州", "你州"}, {"镇", "你镇"}, {"乡", "你乡"}, {"街道", "你街道"},
	} {
		if strings.HasSuffix(name, s.suffix) {
			return s.you
		}
	}
	return "你地"
}

// regionUnit is how a bulletin counts regions of a level: "省(区、市)" for
// provinces, "市(州、盟)" for prefectures, "县(市、区)" for counties.
func regionUnit(level domain.Level) string {
	switch level {
	case domain.LevelPrefecture:
		return "市(州、盟)"
	case domain.LevelCounty:
		return "县(市、区)"
	case domain.LevelTownship:
		return "乡(镇、街道)"
	case domain.LevelVillage:
		return "村(居)"
	}
	return "省(区、市)"
}
