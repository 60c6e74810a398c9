package documents

import (
	"strconv"
	"strings"

	"github.com/ducha/ducha/domain"
)

// ScorePlaces is how many decimal places documents print a score or a rate
// with. Scores are rounded with domain.Round (half away from zero, on the
// shortest decimal form) when printed and at no other point.
const ScorePlaces = 1

// FormatScore prints a score as documents show it: rounded to ScorePlaces
// decimals and always with them, 82.36 → "82.4", 100 → "100.0".
func FormatScore(x float64) string {
	return strconv.FormatFloat(domain.Round(x, ScorePlaces), 'f', ScorePlaces, 64)
}

// formatPercent prints a rate (already in percent) as "92.5%".
func formatPercent(x float64) string { return FormatScore(x) + "%" }

// formatPlain prints a weight or a target as its shortest decimal: 0.6, 95.
func formatPlain(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

var ratingZH = map[domain.Rating]string{
	domain.RatingMet: "达标", domain.RatingLargelyMet: "基本达标", domain.RatingNotMet: "未达标",
}

var setKindZH = map[domain.SetKind]string{domain.KindInflow: "流入地", domain.KindOutflow: "流出地"}

// joinNames lists names the Chinese way: 广东省、四川省.
func joinNames(names []string) string { return strings.Join(names, "、") }

// nameOf is an indicator's (or measure's) Chinese name, or its code when
// the letter does not name it.
func nameOf(names map[string]string, code string) string {
	if n := names[code]; n != "" {
		return n
	}
	return code
}

// indicatorLabel labels a finding or requirement by its indicator:
// "保障权益(IN12)", or "" when it has none.
func indicatorLabel(names map[string]string, code string) string {
	if code == "" {
		return ""
	}
	if n := names[code]; n != "" {
		return n + "(" + code + ")"
	}
	return code
}

// sentence ends s with a full stop unless it already ends a sentence
// (。!?… possibly inside closing quotes or brackets), so that text typed
// with or without the stop reads the same.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	core := strings.TrimRight(s, "”’」』)】》\"')")
	if strings.HasSuffix(core, "。") || strings.HasSuffix(core, "!") || strings.HasSuffix(core, "?") ||
		strings.HasSuffix(core, "…") || strings.HasSuffix(core, "!") || strings.HasSuffix(core, "?") || strings.HasSuffix(core, ".") {
		return s
	}
	return s + "。"
}

// clause trims s's final stop or separator, for text that goes inside a
// sentence: "理由:" + clause(reason) + "。".
func clause(s string) string {
	return strings.TrimRight(strings.TrimSpace(s), "。;,、;,.")
}

// clauses joins texts into one sentence: a;b;c。
func clauses(texts []string) string {
	parts := make([]string, 0, len(texts))
	for _, t := range texts {
		if c := clause(t); c != "" {
			parts = append(parts, c)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, ";") + "。"
}
