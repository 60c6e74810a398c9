// Package catalogue ships the two national indicator sets of the 2007 notice
// of the National Population and Family Planning Commission (国家人口计生委关于印发
// 流动人口计生管理和服务工作检查评估指标(试行)的通知, signed 2007-12-03): the
// inflow set (流入地, 21 indicators, IN01–IN21) and the outflow set (流出地,
// 18 indicators, OUT01–OUT18), in the notice's row order.
//
// The data lives in national.json, embedded in the binary and decoded afresh
// by [National]. It was transcribed from the notice's two box-drawn tables
// (the project's copy is seeds/000_0ebad96c10a0ce82.txt) by these
// rules, which another
// transcription follows too, so that the two can be compared field by field:
//
//   - A cell's text is its wrapped lines joined with nothing in between;
//     spaces just before a '│' are wrap artefacts and are dropped; every other
//     character is kept as the notice has it, including its ASCII
//     parentheses, commas and semicolons, its quirks (OUT15's "①查询反馈率;")
//     and a final "。" where there is one.
//   - A level cell that spans several rows applies to every row it spans.
//     Its machine form: "X以上" is X up to the nation, and above; "省级" is the
//     province only; "乡(镇…)、村居" and "乡(镇)、村(居)" are village up to
//     township; "社区(村居)" is the village only.
//   - The performance rows have no level in the notice. By a product decision
//     (DOMAIN.md §3) they are assessed at county level and above: Text "",
//     county up to the nation, and above.
//   - A performance row's explanation is its formula cell; where one cell
//     holds two formulas (IN18, OUT15) they are separated by one "\n". Each
//     formula is a [domain.Measure] coded by the indicator code plus a, b, …,
//     whose numerator and denominator are the text either side of "/",
//     without "×100%" and without a "①查询反馈率;" style label. Every measure
//     is higher-is-better except OUT15b 查无此人率. The national sets set no
//     targets.
//   - Every indicator has weight 1. English labels are ours; the Chinese text
//     is authoritative.
package catalogue
