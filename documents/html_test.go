package documents

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ducha/ducha/domain"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata from the current output")

// golden compares got with testdata/name byte for byte, or rewrites the file
// under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./documents -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < max(len(gl), len(wl)); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs from the golden file at line %d:\n got: %s\nwant: %s\n(run go test ./documents -update if the change is intended)", path, i+1, g, w)
			}
		}
		t.Fatalf("%s differs from the golden file", path)
	}
}

func renderFeedback(t *testing.T, l FeedbackLetter) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := RenderFeedbackHTML(&buf, l); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func renderBulletin(t *testing.T, b Bulletin) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := RenderBulletinHTML(&buf, b); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestFeedbackHTMLGolden(t *testing.T) {
	got := renderFeedback(t, fixtureLetter(t))
	golden(t, "feedback.golden.html", got)
	if again := renderFeedback(t, fixtureLetter(t)); !bytes.Equal(got, again) {
		t.Error("two renderings of the same letter differ")
	}
}

func TestBulletinHTMLGolden(t *testing.T) {
	got := renderBulletin(t, fixtureBulletin(t))
	golden(t, "bulletin.golden.html", got)
	if again := renderBulletin(t, fixtureBulletin(t)); !bytes.Equal(got, again) {
		t.Error("two renderings of the same bulletin differ")
	}
}

// The golden files pin every byte; these checks say what matters in them,
// so that a wrong golden file cannot be accepted by -update unnoticed.
func TestFeedbackHTMLContent(t *testing.T) {
	l := fixtureLetter(t)
	html := string(renderFeedback(t, l))
	for _, want := range []string{
		`<html lang="zh-CN">`,
		`size: A4;`,
		`margin: 37mm 26mm 35mm 28mm;`,
		`<div class="docno">督查反馈〔2026〕3号</div>`,
		`<h1 class="title">关于广西壮族自治区流动人口计划生育管理和服务工作检查评估情况的反馈意见</h1>`,
		`<p class="addressee">广西壮族自治区人民政府:</p>`,
		"对你区流动人口计划生育管理和服务工作进行了检查评估",
		"保障权益(IN12)、落实三个“严禁”(OUT10)计0分",
		"(一)严重问题", "(二)一般问题", "(三)轻微问题",
		"孕检率&lt;80%的有7个", "“&lt;待补充&gt;”“A&amp;B”",
		"于二〇二六年五月三十一日前将整改情况书面报告国家人口计生委督查组",
		"完成时限:二〇二六年四月十五日前。",
		`<div class="date">二〇二六年三月二日</div>`,
		"一票否决", "暂定", "不适用", "查无此人率 12.9%(目标≤5%)", "82.8%(目标≥90%)",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the letter lacks %q", want)
		}
	}
	for _, bad := range []string{"<80%", "<待补充>", "A&B"} {
		if strings.Contains(html, bad) {
			t.Errorf("the letter contains unescaped %q", bad)
		}
	}
	// Scores are printed rounded to one decimal.
	total := FormatScore(l.Total.Score)
	if !strings.Contains(html, "总得分"+total+"分") {
		t.Errorf("the letter lacks the total %s", total)
	}
}

func TestBulletinHTMLContent(t *testing.T) {
	b := fixtureBulletin(t)
	html := string(renderBulletin(t, b))
	for _, want := range []string{
		`<html lang="zh-CN">`,
		`<div class="docno">督查通报〔2026〕1号</div>`,
		"<p>二〇二六年一月十二日至二月六日,国家人口和计划生育委员会按照",
		"对广东省、广西壮族自治区2个省(区、市)",
		"其中,广西壮族自治区因发生经查属实的恶性案件",
		"表1 检查评估得分及排名", "表2 流入地各类指标得分", "表3 流出地各类指标得分", "表4 投诉举报受理及查实情况(件)",
		"2个省(区、市)存在此类问题(广东省、广西壮族自治区)",
		"“一站式”服务 &amp; 免费孕检上门服务。",
		"共受理涉及本批受检省(区、市)的投诉举报28件,经查属实9件",
		"已完成对12个省(区、市)的检查评估,占全部31个的38.7%;尚有天津市、山西省",
		"宁夏回族自治区、新疆维吾尔自治区19个省(区、市)将在后续批次中安排检查评估",
		`<div class="date">二〇二六年三月二十日</div>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the bulletin lacks %q", want)
		}
	}
	if strings.Index(html, "<td class=\"c\">广东省</td>") > strings.Index(html, "<td class=\"c\">广西壮族自治区</td>") {
		t.Error("广东省 (no veto) should rank above 广西壮族自治区 (vetoed)")
	}
}

func TestRenderRefusesIncompleteDocuments(t *testing.T) {
	l := fixtureLetter(t)
	l.Number, l.Addressee = "", " "
	l.Findings = append(l.Findings, Finding{Severity: "grave", Text: "x"})
	var buf bytes.Buffer
	err := RenderFeedbackHTML(&buf, l)
	var e *domain.Error
	if !errors.As(err, &e) || e.Code != domain.EInvalid {
		t.Fatalf("RenderFeedbackHTML = %v, want an EInvalid error", err)
	}
	var locs []string
	for _, f := range e.Fields {
		locs = append(locs, f.Location)
	}
	if got, want := strings.Join(locs, " "), "number addressee findings[6].severity"; got != want {
		t.Errorf("field errors at %q, want %q", got, want)
	}
	if buf.Len() != 0 {
		t.Error("a refused letter was partly written")
	}

	b := fixtureBulletin(t)
	b.Ranking = nil
	b.Complaints[0].Substantiated = 99
	b.Period.To = b.Period.From.AddDate(0, 0, -1)
	err = RenderBulletinHTML(&buf, b)
	if !errors.As(err, &e) || e.Code != domain.EInvalid {
		t.Fatalf("RenderBulletinHTML = %v, want an EInvalid error", err)
	}
	locs = nil
	for _, f := range e.Fields {
		locs = append(locs, f.Location)
	}
	if got, want := strings.Join(locs, " "), "ranking period.to complaints[0].substantiated"; got != want {
		t.Errorf("field errors at %q, want %q", got, want)
	}
}
