package workflow

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/ducha/ducha/documents"
	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/store"
)

// Results sends an inspection round's results back (DOMAIN.md §4): the
// feedback letter to each inspected region's government (反馈当地政府), the
// region's rectification (整改) judged requirement by requirement, and the
// bulletin on each batch to the whole country (通报全国).
//
// Documents are produced by background jobs. The transition that asks for
// one (issue_feedback, publish_bulletin) records its task in the outbox in
// its own transaction (Campaigns.AfterInspection / AfterBatch → Hook…);
// the job assembles the document, takes its number, renders it and stores
// content and HTML once, in the transaction that marks the task done, with
// the webhook notice (Notify). A job that runs again finds the document
// issued and does nothing; a job that dies midway leaves nothing behind, not
// even a number.
type Results struct {
	Deps
	cfg ResultsConfig
	// Sources are the inputs that other use cases own; NewResults fills
	// defaults that need nothing of them.
	Sources ResultSources
	// Pause, when set, is called inside a document job after its number is
	// taken and before the document is stored; an error (or a block) there
	// is a job dying midway. For tests only: nil in production.
	Pause func(ctx context.Context, kind string, entityID int64) error
}

// ResultsConfig tunes the results.
type ResultsConfig struct {
	// RectificationPeriod is how long a region has to rectify when its
	// requirements name no due date of their own; default 90 days.
	RectificationPeriod time.Duration
	// EscalateEvery is how long after one escalation of an overdue
	// requirement the next step up follows; default 15 days.
	EscalateEvery time.Duration
}

// ResultSources are what the results read from the other use cases: scores
// (review and scoring), findings and rectification requirements (review),
// complaint figures (hotline). Each field is called inside the job's or the
// request's transaction.
type ResultSources struct {
	// Total is an inspected region's total.
	Total func(ctx context.Context, tx *store.Tx, c domain.Campaign, in domain.Inspection) (domain.Total, error)
	// BatchTotals are the totals of a batch's inspections (cancelled ones
	// aside).
	BatchTotals func(ctx context.Context, tx *store.Tx, c domain.Campaign, ins []domain.Inspection) ([]domain.Total, error)
	// Findings are an inspection's findings, in the letter's order.
	Findings func(ctx context.Context, tx *store.Tx, inspectionID int64) ([]documents.Finding, error)
	// Requirements are an inspection's rectification requirements by id.
	Requirements func(ctx context.Context, tx *store.Tx, inspectionID int64) ([]documents.Requirement, error)
	// Complaints are the complaint figures of the cases that accuse a
	// region in regionCode's subtree received in [from, to), one per
	// category with any (RegionCode and RegionName are the caller's to fill).
	Complaints func(ctx context.Context, tx *store.Tx, regionCode string, from, to time.Time) ([]documents.ComplaintFigure, error)
}

// Task types of the results.
const (
	TypeIssueFeedback        = "results:issue_feedback"
	TypePublishBulletin      = "results:publish_bulletin"
	TypeRectificationOverdue = "results:rectification_overdue"
)

type documentTask struct {
	InspectionID int64 `json:"inspection_id,omitempty"`
	BatchID      int64 `json:"batch_id,omitempty"`
}

// NewResults returns the results use cases reading their inputs from the
// other use cases: scores from scoring, findings and requirements from the
// site review, complaint figures from the hotline (store.ComplaintCounts).
func NewResults(d Deps, cfg ResultsConfig, scoring *Scoring) *Results {
	if cfg.RectificationPeriod <= 0 {
		cfg.RectificationPeriod = 90 * 24 * time.Hour
	}
	if cfg.EscalateEvery <= 0 {
		cfg.EscalateEvery = 15 * 24 * time.Hour
	}
	r := &Results{Deps: d, cfg: cfg}
	r.Sources = ResultSources{
		Total: func(ctx context.Context, tx *store.Tx, _ domain.Campaign, in domain.Inspection) (domain.Total, error) {
			return scoring.InspectionTotal(ctx, tx, in.ID)
		},
		BatchTotals: func(ctx context.Context, tx *store.Tx, _ domain.Campaign, ins []domain.Inspection) ([]domain.Total, error) {
			if len(ins) == 0 {
				return nil, nil
			}
			return scoring.BatchTotals(ctx, tx, ins[0].BatchID)
		},
		Findings:     reviewFindings,
		Requirements: reviewRequirements,
		Complaints:   hotlineFigures,
	}
	return r
}

// reviewFindings are the site review's findings, as the letter prints them.
func reviewFindings(_ context.Context, tx *store.Tx, inspectionID int64) ([]documents.Finding, error) {
	fs, err := tx.Findings(inspectionID)
	if err != nil {
		return nil, err
	}
	out := make([]documents.Finding, len(fs))
	for i, f := range fs {
		out[i] = documents.Finding{IndicatorCode: f.IndicatorCode, Severity: documents.Severity(f.Severity), Text: f.Text}
	}
	return out, nil
}

// reviewRequirements are the site review's rectification requirements.
func reviewRequirements(_ context.Context, tx *store.Tx, inspectionID int64) ([]documents.Requirement, error) {
	rs, err := tx.Requirements(inspectionID)
	if err != nil {
		return nil, err
	}
	out := make([]documents.Requirement, len(rs))
	for i, q := range rs {
		out[i] = documents.Requirement{ID: q.ID, IndicatorCode: q.IndicatorCode, Text: q.Text, DueAt: q.DueAt}
	}
	return out, nil
}

// hotlineFigures are the hotline's figures of the cases accusing a region
// in regionCode's subtree received in [from, to), by category.
func hotlineFigures(_ context.Context, tx *store.Tx, regionCode string, from, to time.Time) ([]documents.ComplaintFigure, error) {
	f, err := tx.ComplaintCounts(regionCode, from, to)
	if err != nil {
		return nil, err
	}
	var out []documents.ComplaintFigure
	for _, c := range domain.ComplaintCategories {
		n := f.ByCategory[c]
		out = append(out, documents.ComplaintFigure{Category: documents.ComplaintCategory(c), Received: int(n.Received),
			Substantiated: int(n.Substantiated)})
	}
	return out, nil
}

// Hook wires the results into the campaigns: the tasks of issue_feedback
// and publish_bulletin, the guards of submit_rectification and
// accept_rectification, and the requirements a next round carries over.
func (r *Results) Hook(c *Campaigns) {
	c.AfterInspection = r.afterInspection
	c.AfterBatch = r.afterBatch
	c.Checks.AllRequirementsAnswered = r.allAnswered
	c.Checks.AllRequirementsAccepted = r.allAccepted
	c.CarryRequirements = r.unacceptedRequirements
}

func (r *Results) afterInspection(_ context.Context, tx *store.Tx, _ domain.Actor, _ domain.Campaign, in domain.Inspection, t domain.Transition, now time.Time) error {
	if t.Event != domain.InspectionIssueFeedback {
		return nil
	}
	_, err := tx.Enqueue(TypeIssueFeedback, documentTask{InspectionID: in.ID}, now, now)
	return err
}

func (r *Results) afterBatch(_ context.Context, tx *store.Tx, _ domain.Actor, _ domain.Campaign, b domain.Batch, t domain.Transition, now time.Time) error {
	if t.Event != domain.BatchPublishBulletin {
		return nil
	}
	_, err := tx.Enqueue(TypePublishBulletin, documentTask{BatchID: b.ID}, now, now)
	return err
}

// organ names who issues a campaign's documents.
type organ struct {
	masthead, inspectors, office, bulletinTo string
}

func organOf(tx *store.Tx, c domain.Campaign) (organ, error) {
	if c.RegionCode == domain.NationCode {
		return organ{masthead: "国家人口和计划生育委员会", inspectors: "国家人口计生委督查组", office: "国家人口计生委办公厅",
			bulletinTo: "各省、自治区、直辖市人口计生委"}, nil
	}
	reg, err := tx.Region(c.RegionCode)
	if err != nil {
		return organ{}, err
	}
	return organ{masthead: reg.Name + "人口和计划生育委员会", inspectors: reg.Name + "人口计生委督查组",
		office: reg.Name + "人口计生委办公室", bulletinTo: "各市(州、盟)、县(市、区)人口计生委"}, nil
}

// indicatorNames names the indicators of the campaign's sets, and the
// measures of those with several.
func indicatorNames(tx *store.Tx, c domain.Campaign) (map[string]string, error) {
	names := map[string]string{}
	for _, id := range []int64{c.InflowSetID, c.OutflowSetID} {
		set, err := tx.IndicatorSet(id)
		if err != nil {
			return nil, err
		}
		for _, ind := range set.Indicators {
			names[ind.Code] = ind.Name
			if len(ind.Measures) > 1 {
				for _, m := range ind.Measures {
					names[m.Code] = m.Name
				}
			}
		}
	}
	return names, nil
}

// addressee is the government a region's letter goes to: its own, or for
// the data's placeholders its parent's.
func addressee(tx *store.Tx, code string) (string, error) {
	for code != "" {
		reg, err := tx.Region(code)
		if err != nil {
			return "", err
		}
		if g := documents.GovernmentOf(reg.Name, reg.Level); g != "" {
			return g, nil
		}
		code = domain.ParentCode(code)
	}
	return "", nil
}

// takeNumber takes the document's number and gives the pause hook its
// chance.
func (r *Results) takeNumber(ctx context.Context, tx *store.Tx, kind string, entityID int64, now time.Time) (year, seq int, err error) {
	year = domain.YearOf(now)
	if seq, err = tx.TakeDocumentNumber(kind, year, entityID, now); err != nil {
		return 0, 0, err
	}
	if r.Pause != nil {
		if err := r.Pause(ctx, kind, entityID); err != nil {
			return 0, 0, err
		}
	}
	return year, seq, nil
}

// HandleFeedbackTask issues an inspection's feedback letter (jobs.Handler:
// it runs in the transaction that marks its outbox row done). It does
// nothing when the letter is already issued or the inspection cancelled;
// otherwise it assembles the letter, takes the year's next feedback number,
// renders and stores it, schedules the escalation of each requirement at its
// due date, notifies feedback_issued and writes the audit row.
func (r *Results) HandleFeedbackTask(ctx context.Context, tx *store.Tx, task store.OutboxTask, now time.Time) error {
	var p documentTask
	if err := json.Unmarshal(task.Payload, &p); err != nil || p.InspectionID == 0 {
		r.Log.Error("dropping a malformed feedback task", "outbox_id", task.ID, "payload", string(task.Payload))
		return nil
	}
	in, err := tx.Inspection(p.InspectionID, true)
	if domain.ErrorCode(err) == domain.ENotFound {
		return nil
	} else if err != nil {
		return err
	}
	if _, err := tx.DocumentFor(store.KindFeedback, in.ID); err == nil {
		return nil
	} else if domain.ErrorCode(err) != domain.ENotFound {
		return err
	}
	if in.State == domain.InspectionCancelled {
		return nil
	}
	letter, err := r.assembleLetter(ctx, tx, in, now)
	if err != nil {
		return err
	}
	if letter.Year, letter.Seq, err = r.takeNumber(ctx, tx, store.KindFeedback, in.ID, now); err != nil {
		return err
	}
	letter.Number = documents.FeedbackNumber(letter.Year, letter.Seq)
	content, html, err := renderStored(letter, documents.RenderFeedbackHTML)
	if err != nil {
		return fmt.Errorf("feedback letter of inspection %d: %w", in.ID, err)
	}
	doc, err := tx.CreateDocument(store.Document{Kind: store.KindFeedback, EntityID: in.ID, CampaignID: in.CampaignID,
		BatchID: in.BatchID, RegionCode: in.RegionCode, Number: letter.Number, Year: letter.Year, Seq: letter.Seq,
		Title: letter.Title, IssuedAt: letter.IssuedAt, Content: content, HTML: html}, now)
	if err != nil {
		return err
	}
	for _, q := range letter.Requirements {
		due := q.DueAt
		if due.IsZero() {
			due = letter.RectificationDue
		}
		if _, err := tx.Enqueue(TypeRectificationOverdue, overdueTask{InspectionID: in.ID, RequirementID: q.ID,
			Due: due, Step: 1}, due, now); err != nil {
			return err
		}
	}
	data := map[string]any{"document_id": doc.ID, "number": doc.Number, "inspection_id": in.ID,
		"campaign_id": in.CampaignID, "batch_id": in.BatchID, "issued_at": doc.IssuedAt,
		"rectification_due": letter.RectificationDue, "requirements": len(letter.Requirements)}
	if letter.Total.Status == domain.StatusScored {
		data["total"] = letter.Total.Score
	}
	if err := Notify(ctx, tx, now, Notification{Event: EventFeedbackIssued, RegionCode: in.RegionCode,
		Entity: entityInspection, EntityID: id64(in.ID), OccurredAt: now, Data: data}); err != nil {
		return err
	}
	return audit(ctx, tx, domain.SystemActor, now, store.AuditEntry{Entity: entityInspection, EntityID: id64(in.ID),
		RegionCode: in.RegionCode, Event: "document_issued",
		Detail: map[string]any{"kind": store.KindFeedback, "document_id": doc.ID, "number": doc.Number}})
}

func (r *Results) assembleLetter(ctx context.Context, tx *store.Tx, in domain.Inspection, now time.Time) (documents.FeedbackLetter, error) {
	c, err := tx.Campaign(in.CampaignID, false)
	if err != nil {
		return documents.FeedbackLetter{}, err
	}
	b, err := tx.Batch(in.BatchID, false)
	if err != nil {
		return documents.FeedbackLetter{}, err
	}
	reg, err := tx.Region(in.RegionCode)
	if err != nil {
		return documents.FeedbackLetter{}, err
	}
	org, err := organOf(tx, c)
	if err != nil {
		return documents.FeedbackLetter{}, err
	}
	to, err := addressee(tx, in.RegionCode)
	if err != nil {
		return documents.FeedbackLetter{}, err
	}
	names, err := indicatorNames(tx, c)
	if err != nil {
		return documents.FeedbackLetter{}, err
	}
	total, err := r.Sources.Total(ctx, tx, c, in)
	if err != nil {
		return documents.FeedbackLetter{}, err
	}
	findings, err := r.Sources.Findings(ctx, tx, in.ID)
	if err != nil {
		return documents.FeedbackLetter{}, err
	}
	reqs, err := r.Sources.Requirements(ctx, tx, in.ID)
	if err != nil {
		return documents.FeedbackLetter{}, err
	}
	due := now.Add(r.cfg.RectificationPeriod)
	if len(reqs) > 0 {
		// The letter's date is the latest of the requirements' own.
		latest := time.Time{}
		for _, q := range reqs {
			if q.DueAt.After(latest) {
				latest = q.DueAt
			}
		}
		if !latest.IsZero() && slices.IndexFunc(reqs, func(q documents.Requirement) bool { return q.DueAt.IsZero() }) < 0 {
			due = latest
		} else if latest.After(due) {
			due = latest
		}
	}
	if findings == nil {
		findings = []documents.Finding{}
	}
	if reqs == nil {
		reqs = []documents.Requirement{}
	}
	return documents.FeedbackLetter{IssuedAt: now, Masthead: org.masthead, Title: documents.FeedbackTitle(reg.Name),
		Addressee: to, RegionCode: reg.Code, RegionName: reg.Name, CampaignName: c.Name, BatchName: b.Name,
		Total: total, IndicatorNames: names, Findings: findings, Requirements: reqs, RectificationDue: due,
		Issuer: org.inspectors}, nil
}

// renderStored marshals a document's content and renders its HTML.
func renderStored[T any](v T, render func(io.Writer, T) error) ([]byte, string, error) {
	content, err := json.Marshal(v)
	if err != nil {
		return nil, "", err
	}
	var buf bytes.Buffer
	if err := render(&buf, v); err != nil {
		return nil, "", err
	}
	return content, buf.String(), nil
}

// HandleBulletinTask publishes a batch's bulletin (jobs.Handler). It does
// nothing when the bulletin is already issued; otherwise it compiles the
// ranking over the batch's totals, category scores, common problems (the
// indicators on which at least two of the batch's regions have findings;
// one for a batch of one), the good practices set for the batch, the
// hotline's figures by category and region since the batch launched, and
// the campaign's coverage so far; takes the year's next bulletin number,
// renders and stores it, notifies bulletin_published and audits.
func (r *Results) HandleBulletinTask(ctx context.Context, tx *store.Tx, task store.OutboxTask, now time.Time) error {
	var p documentTask
	if err := json.Unmarshal(task.Payload, &p); err != nil || p.BatchID == 0 {
		r.Log.Error("dropping a malformed bulletin task", "outbox_id", task.ID, "payload", string(task.Payload))
		return nil
	}
	b, err := tx.Batch(p.BatchID, true)
	if domain.ErrorCode(err) == domain.ENotFound {
		return nil
	} else if err != nil {
		return err
	}
	if _, err := tx.DocumentFor(store.KindBulletin, b.ID); err == nil {
		return nil
	} else if domain.ErrorCode(err) != domain.ENotFound {
		return err
	}
	c, err := tx.Campaign(b.CampaignID, false)
	if err != nil {
		return err
	}
	bl, err := r.assembleBulletin(ctx, tx, c, b, now)
	if err != nil {
		return err
	}
	if bl.Year, bl.Seq, err = r.takeNumber(ctx, tx, store.KindBulletin, b.ID, now); err != nil {
		return err
	}
	bl.Number = documents.BulletinNumber(bl.Year, bl.Seq)
	content, html, err := renderStored(bl, documents.RenderBulletinHTML)
	if err != nil {
		return fmt.Errorf("bulletin of batch %d: %w", b.ID, err)
	}
	doc, err := tx.CreateDocument(store.Document{Kind: store.KindBulletin, EntityID: b.ID, CampaignID: c.ID,
		BatchID: b.ID, RegionCode: c.RegionCode, Number: bl.Number, Year: bl.Year, Seq: bl.Seq, Title: bl.Title,
		IssuedAt: bl.IssuedAt, Content: content, HTML: html}, now)
	if err != nil {
		return err
	}
	if err := Notify(ctx, tx, now, Notification{Event: EventBulletinPublished, RegionCode: c.RegionCode,
		Entity: entityBatch, EntityID: id64(b.ID), OccurredAt: now,
		Data: map[string]any{"document_id": doc.ID, "number": doc.Number, "title": doc.Title, "batch_id": b.ID,
			"campaign_id": c.ID, "issued_at": doc.IssuedAt, "regions": len(bl.Ranking)}}); err != nil {
		return err
	}
	return audit(ctx, tx, domain.SystemActor, now, store.AuditEntry{Entity: entityBatch, EntityID: id64(b.ID),
		RegionCode: c.RegionCode, Event: "document_issued",
		Detail: map[string]any{"kind": store.KindBulletin, "document_id": doc.ID, "number": doc.Number}})
}

func (r *Results) assembleBulletin(ctx context.Context, tx *store.Tx, c domain.Campaign, b domain.Batch, now time.Time) (documents.Bulletin, error) {
	all, err := tx.BatchInspections(b.ID, false)
	if err != nil {
		return documents.Bulletin{}, err
	}
	var ins []domain.Inspection
	for _, in := range all {
		if in.State != domain.InspectionCancelled {
			ins = append(ins, in)
		}
	}
	org, err := organOf(tx, c)
	if err != nil {
		return documents.Bulletin{}, err
	}
	names, err := indicatorNames(tx, c)
	if err != nil {
		return documents.Bulletin{}, err
	}
	cv, err := coverage(tx, c)
	if err != nil {
		return documents.Bulletin{}, err
	}
	scope, err := tx.RegionCodesAt(c.RegionCode, domain.InspectedLevel(c.RegionCode))
	if err != nil {
		return documents.Bulletin{}, err
	}
	codes := slices.Clone(scope)
	for _, in := range ins {
		codes = append(codes, in.RegionCode)
	}
	regions, err := tx.RegionsByCode(codes)
	if err != nil {
		return documents.Bulletin{}, err
	}
	regionNames := make(map[string]string, len(regions))
	for code, reg := range regions {
		regionNames[code] = reg.Name
	}

	totals, err := r.Sources.BatchTotals(ctx, tx, c, ins)
	if err != nil {
		return documents.Bulletin{}, err
	}
	var found []documents.RegionFindings
	for _, in := range ins {
		fs, err := r.Sources.Findings(ctx, tx, in.ID)
		if err != nil {
			return documents.Bulletin{}, err
		}
		found = append(found, documents.RegionFindings{RegionCode: in.RegionCode, RegionName: regionNames[in.RegionCode],
			Findings: fs})
	}
	minRegions := 2
	if len(ins) < 2 {
		minRegions = 1
	}
	gps, err := tx.GoodPractices(b.ID)
	if err != nil {
		return documents.Bulletin{}, err
	}
	practices := []documents.Practice{}
	for _, g := range gps {
		practices = append(practices, documents.Practice{RegionName: regionNames[g.RegionCode], Text: g.Text})
	}
	from := b.CreatedAt
	if b.LaunchedAt != nil {
		from = *b.LaunchedAt
	}
	figures := []documents.ComplaintFigure{}
	for _, in := range ins {
		fs, err := r.Sources.Complaints(ctx, tx, in.RegionCode, from, now)
		if err != nil {
			return documents.Bulletin{}, err
		}
		for _, f := range fs {
			if f.Received == 0 {
				continue
			}
			f.RegionCode, f.RegionName = in.RegionCode, regionNames[in.RegionCode]
			figures = append(figures, f)
		}
	}
	// Coverage so far: the regions of the campaign's bulletined batches.
	bs, err := tx.CampaignBatches(c.ID)
	if err != nil {
		return documents.Bulletin{}, err
	}
	done := map[string]bool{}
	for _, ob := range bs {
		if ob.State == domain.BatchBulletined || ob.ID == b.ID {
			for _, code := range ob.RegionCodes {
				done[code] = true
			}
		}
	}
	cov := documents.Coverage{Total: cv.Total, Remaining: []string{}}
	for _, code := range scope {
		if done[code] {
			cov.Inspected++
		} else {
			cov.Remaining = append(cov.Remaining, regionNames[code])
		}
	}
	return documents.Bulletin{IssuedAt: now, Masthead: org.masthead,
		Title:     "关于" + c.Name + strings.TrimSpace(b.Name) + "检查评估情况的通报",
		Addressee: org.bulletinTo, CampaignName: c.Name, BatchName: b.Name,
		Period:         documents.Period{From: from, To: now},
		Ranking:        documents.RankRegions(totals, regionNames),
		CommonProblems: documents.CommonProblems(found, names, minRegions, 3),
		GoodPractices:  practices, Complaints: figures, Coverage: cov, Issuer: org.office}, nil
}

// --- reading documents ---

// FeedbackView is an inspection's feedback: its letter once issued; nil
// while the job that issues it has not run (pending).
type FeedbackView struct {
	Inspection domain.Inspection
	Document   *store.Document
}

// Feedback returns an inspection's feedback letter: ENotFound when no
// feedback was issued for it (it has not reached feedback_issued), a view
// without a document while the letter is being prepared.
func (r *Results) Feedback(ctx context.Context, actor domain.Actor, inspectionID int64) (FeedbackView, error) {
	read := r.Store.Read(ctx)
	in, err := read.Inspection(inspectionID, false)
	if err != nil {
		return FeedbackView{}, err
	}
	if err := r.Authz.Check(actor, "feedback", "read", in.RegionCode); err != nil {
		return FeedbackView{}, err
	}
	v := FeedbackView{Inspection: in}
	doc, err := read.DocumentFor(store.KindFeedback, in.ID)
	switch {
	case err == nil:
		v.Document = &doc
		return v, nil
	case domain.ErrorCode(err) != domain.ENotFound:
		return FeedbackView{}, err
	case !domain.InspectionAtLeast(in.State, domain.InspectionFeedbackIssued):
		return FeedbackView{}, domain.Errorf(domain.ENotFound, "no feedback has been issued for inspection %d (it is %s)",
			in.ID, in.State)
	}
	return v, nil
}

// Bulletins lists the issued bulletins, of one batch when batchID is not 0
// (an unknown batch is EInvalid). Every user may read every bulletin.
func (r *Results) Bulletins(ctx context.Context, actor domain.Actor, batchID int64, p Page) (Paged[store.Document], error) {
	if err := r.Authz.Check(actor, "bulletins", "read", actor.RegionCode); err != nil {
		return Paged[store.Document]{}, err
	}
	read := r.Store.Read(ctx)
	var v domain.Validation
	if batchID != 0 {
		if _, err := read.Batch(batchID, false); domain.ErrorCode(err) == domain.ENotFound {
			v.AddValue("query.batch_id", batchID, "no such batch")
		} else if err != nil {
			return Paged[store.Document]{}, err
		}
	}
	after, err := DecodeIDCursor(p.Cursor)
	if err != nil {
		return Paged[store.Document]{}, err
	}
	if err := v.Err(); err != nil {
		return Paged[store.Document]{}, err
	}
	n := p.Size()
	docs, err := read.ListDocuments(store.KindBulletin, batchID, after, n+1)
	if err != nil {
		return Paged[store.Document]{}, err
	}
	return page(docs, n, func(d store.Document) int64 { return d.ID }), nil
}

// Bulletin returns one issued bulletin.
func (r *Results) Bulletin(ctx context.Context, actor domain.Actor, id int64) (store.Document, error) {
	if err := r.Authz.Check(actor, "bulletins", "read", actor.RegionCode); err != nil {
		return store.Document{}, err
	}
	return r.Store.Read(ctx).DocumentByID(store.KindBulletin, id)
}

// maxPractices bounds a batch's good practices; maxPracticeRunes each text.
const (
	maxPractices     = 100
	maxPracticeRunes = 2000
)

// SetGoodPractices replaces the good practices that a batch's bulletin will
// pass on: each names one of the batch's regions and says what it does
// well. Only the campaign's managers set them, and only until the bulletin
// is published (EConflict after).
func (r *Results) SetGoodPractices(ctx context.Context, actor domain.Actor, batchID int64, items []store.GoodPractice) ([]store.GoodPractice, error) {
	now := r.now()
	err := r.Store.Tx(ctx, func(tx *store.Tx) error {
		b, err := tx.Batch(batchID, true)
		if err != nil {
			return err
		}
		c, err := tx.Campaign(b.CampaignID, false)
		if err != nil {
			return err
		}
		if err := r.Authz.Check(actor, "batches", "read", c.RegionCode); err != nil {
			return err
		}
		if err := r.Authz.Check(actor, "batches", "transition", c.RegionCode); err != nil {
			return err
		}
		var v domain.Validation
		if len(items) > maxPractices {
			v.Add("body.items", "must list at most %d practices", maxPractices)
		}
		for i, g := range items {
			at := fmt.Sprintf("body.items[%d]", i)
			if !slices.Contains(b.RegionCodes, g.RegionCode) {
				v.AddValue(at+".region_code", g.RegionCode, "not a region of batch %d", b.ID)
			}
			checkText(&v, at+".text", g.Text, maxPracticeRunes, true)
			items[i].Text = strings.TrimSpace(g.Text)
		}
		if err := v.Err(); err != nil {
			return err
		}
		if b.State == domain.BatchBulletined || b.State == domain.BatchCancelled {
			return &domain.Error{Code: domain.EConflict,
				Message: "batch " + id64(b.ID) + " is " + string(b.State) + "; good practices are set before the bulletin",
				Extra:   map[string]any{"state": string(b.State)}}
		}
		if err := tx.SetGoodPractices(b.ID, items, actor.UserID, now); err != nil {
			return err
		}
		return audit(ctx, tx, actor, now, store.AuditEntry{Entity: entityBatch, EntityID: id64(b.ID),
			RegionCode: c.RegionCode, Event: "set_good_practices", Detail: map[string]any{"count": len(items)}})
	})
	if err != nil {
		return nil, err
	}
	return items, nil
}

// GoodPractices returns the good practices set for a batch.
func (r *Results) GoodPractices(ctx context.Context, actor domain.Actor, batchID int64) ([]store.GoodPractice, error) {
	read := r.Store.Read(ctx)
	b, _, err := readableBatch(read, r.Deps, actor, batchID)
	if err != nil {
		return nil, err
	}
	return read.GoodPractices(b.ID)
}
