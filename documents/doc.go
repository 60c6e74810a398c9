// Package documents renders the two documents that an inspection round
// issues (DOMAIN.md §4, "Results go back to each local government … and to
// the whole country"):
//
//   - the feedback letter (反馈意见书) to one inspected region's government:
//     its scores, findings and rectification requirements with a due date;
//   - the bulletin (通报) to the whole country, one per batch: the ranking,
//     category scores, common problems, good practices, complaint figures and
//     how far the campaign has got.
//
// Each document is a plain value ([FeedbackLetter], [Bulletin]) that the
// background job assembles once, stores as the issued content and never
// changes; this package only turns such a value into a print-ready HTML5
// page (html/template: every string is escaped) or an .xlsx workbook
// (excelize). The functions are pure: no database, no clock, no network, and
// the same value always renders to the same bytes.
//
// Rounding happens here and only here: scores arrive as the full float64 of
// package domain and are printed to one decimal place with [domain.Round]
// (half away from zero), rates likewise as percentages. Workbooks keep the
// full value in the cell and show one decimal through the cell's number
// format, so a reader can redo the arithmetic.
//
// Dates are printed as Chinese official documents print them (二〇二六年三月二日)
// in Beijing time (UTC+8, no daylight saving since 1991), whatever the
// location of the time.Time passed in.
package documents
