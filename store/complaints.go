package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"

	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/migrations"
)

// ComplaintRecord is a complaint case as stored: the domain case (with
// Complainant left nil: the store never sees it in clear) plus the sealed
// contact details and the intake's idempotency key.
type ComplaintRecord struct {
	domain.Complaint
	// SealedName and SealedPhone are the complainant's encrypted details, ""
	// when not given.
	SealedName, SealedPhone string
	// IdempotencyKey is the intake's Idempotency-Key ("" for none), unique per
	// creating user; BodyHash is the SHA-256 of the canonical request body.
	IdempotencyKey string
	BodyHash       string
}

// ErrIntakeKeyTaken is returned by CreateComplaint when the creating user
// already used the idempotency key (a concurrent retry got there first).
var ErrIntakeKeyTaken = errors.New("store: idempotency key already used")

type complaintRow struct {
	ID                     int64 `gorm:"primaryKey"`
	State                  string
	Version                int
	CreatedBy              *int64
	IdempotencyKey         *string
	BodyHash               string
	Channel                string
	Category               string
	ReceivedAt             time.Time
	OccurredRegionCode     string
	AccusedRegionCode      string
	AssigneeRegionCode     string
	Summary                string
	Details                string
	ComplainantName        string
	ComplainantPhone       string
	Finding                string
	ActionTaken            string
	CallbackSatisfied      *bool
	CallbackNote           string
	ExtensionRequestedDays int
	ExtensionDays          int
	Pauses                 string
	Rules                  string
	AssignStartedAt        *time.Time
	AssignDue              *time.Time
	AssignDoneAt           *time.Time
	ResolveStartedAt       *time.Time
	ResolveDue             *time.Time
	ResolveDoneAt          *time.Time
	CallbackStartedAt      *time.Time
	CallbackDue            *time.Time
	CallbackDoneAt         *time.Time
	CurrentDue             *time.Time
	EscalationRegionCode   string
	CreatedAt              time.Time
	UpdatedAt              time.Time
}

func (complaintRow) TableName() string { return "complaints" }

// ComplaintsTable is the stateful table of complaint cases, for SetState.
const ComplaintsTable = "complaints"

func tptr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func tval(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// expectDuplicates is the handle for inserts whose unique-key violations are
// expected and answered (a retried intake, a second worker's escalation):
// GORM would log each as an error. Other errors are returned as usual.
func (tx *Tx) expectDuplicates() *gorm.DB {
	return tx.db.Session(&gorm.Session{Logger: logger.Discard})
}

// ComplaintColumns are the columns of a case that change over its life,
// keyed by column name, as store.SetState's extra columns and UpdateComplaint
// write them: everything but the id, state, version, intake data and
// timestamps.
func ComplaintColumns(c domain.Complaint) (map[string]any, error) {
	pauses, rules := "", ""
	if len(c.Pauses) > 0 {
		ps := make([]domain.Pause, len(c.Pauses))
		for i, p := range c.Pauses {
			ps[i] = domain.Pause{From: p.From.UTC(), To: tval(tptr(p.To))}
		}
		b, err := json.Marshal(ps)
		if err != nil {
			return nil, fmt.Errorf("store: complaint pauses: %w", err)
		}
		pauses = string(b)
	}
	b, err := json.Marshal(c.Rules)
	if err != nil {
		return nil, fmt.Errorf("store: complaint rules: %w", err)
	}
	rules = string(b)
	return map[string]any{
		"assignee_region_code":     c.AssigneeRegionCode,
		"finding":                  string(c.Finding),
		"action_taken":             c.Action,
		"callback_satisfied":       c.CallbackSatisfied,
		"callback_note":            c.CallbackNote,
		"extension_requested_days": c.ExtensionRequestedDays,
		"extension_days":           c.ExtensionDays,
		"pauses":                   pauses,
		"rules":                    rules,
		"assign_started_at":        tptr(c.Assign.StartedAt),
		"assign_due":               tptr(c.Assign.Due),
		"assign_done_at":           tptr(c.Assign.DoneAt),
		"resolve_started_at":       tptr(c.Resolve.StartedAt),
		"resolve_due":              tptr(c.Resolve.Due),
		"resolve_done_at":          tptr(c.Resolve.DoneAt),
		"callback_started_at":      tptr(c.Callback.StartedAt),
		"callback_due":             tptr(c.Callback.Due),
		"callback_done_at":         tptr(c.Callback.DoneAt),
		"current_due":              tptr(c.CurrentDue()),
		"escalation_region_code":   c.EscalationRegionCode,
	}, nil
}

func (r complaintRow) toRecord() (ComplaintRecord, error) {
	c := domain.Complaint{
		ID: r.ID, State: domain.State(r.State), Version: r.Version, Channel: domain.ComplaintChannel(r.Channel),
		ReceivedAt: r.ReceivedAt.UTC(), Category: domain.ComplaintCategory(r.Category),
		OccurredRegionCode: r.OccurredRegionCode, AccusedRegionCode: r.AccusedRegionCode,
		AssigneeRegionCode: r.AssigneeRegionCode, Summary: r.Summary, Details: r.Details,
		Finding: domain.ComplaintFinding(r.Finding), Action: r.ActionTaken, CallbackSatisfied: r.CallbackSatisfied,
		CallbackNote: r.CallbackNote, ExtensionRequestedDays: r.ExtensionRequestedDays, ExtensionDays: r.ExtensionDays,
		Assign:               domain.PhaseClock{StartedAt: tval(r.AssignStartedAt), Due: tval(r.AssignDue), DoneAt: tval(r.AssignDoneAt)},
		Resolve:              domain.PhaseClock{StartedAt: tval(r.ResolveStartedAt), Due: tval(r.ResolveDue), DoneAt: tval(r.ResolveDoneAt)},
		Callback:             domain.PhaseClock{StartedAt: tval(r.CallbackStartedAt), Due: tval(r.CallbackDue), DoneAt: tval(r.CallbackDoneAt)},
		EscalationRegionCode: r.EscalationRegionCode,
		CreatedAt:            r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(),
	}
	if r.CreatedBy != nil {
		c.CreatedBy = *r.CreatedBy
	}
	if r.Pauses != "" {
		if err := json.Unmarshal([]byte(r.Pauses), &c.Pauses); err != nil {
			return ComplaintRecord{}, fmt.Errorf("store: complaint %d pauses: %w", r.ID, err)
		}
	}
	if r.Rules != "" {
		if err := json.Unmarshal([]byte(r.Rules), &c.Rules); err != nil {
			return ComplaintRecord{}, fmt.Errorf("store: complaint %d rules: %w", r.ID, err)
		}
	}
	rec := ComplaintRecord{Complaint: c, SealedName: r.ComplainantName, SealedPhone: r.ComplainantPhone, BodyHash: r.BodyHash}
	if r.IdempotencyKey != nil {
		rec.IdempotencyKey = *r.IdempotencyKey
	}
	return rec, nil
}

// CreateComplaint stores a new case with its mutable columns as
// ComplaintColumns gives them, and returns its id. When the creating user
// already used the idempotency key it returns ErrIntakeKeyTaken; the
// caller's transaction is then to be rolled back.
func (tx *Tx) CreateComplaint(r ComplaintRecord) (int64, error) {
	c := r.Complaint
	cols, err := ComplaintColumns(c)
	if err != nil {
		return 0, err
	}
	row := complaintRow{
		State: string(c.State), Version: 1, BodyHash: r.BodyHash, Channel: string(c.Channel),
		Category: string(c.Category), ReceivedAt: c.ReceivedAt.UTC(), OccurredRegionCode: c.OccurredRegionCode,
		AccusedRegionCode: c.AccusedRegionCode, AssigneeRegionCode: c.AssigneeRegionCode, Summary: c.Summary,
		Details: c.Details, ComplainantName: r.SealedName, ComplainantPhone: r.SealedPhone,
		Finding: string(c.Finding), ActionTaken: c.Action, CallbackSatisfied: c.CallbackSatisfied,
		CallbackNote: c.CallbackNote, Pauses: cols["pauses"].(string), Rules: cols["rules"].(string),
		AssignStartedAt: tptr(c.Assign.StartedAt), AssignDue: tptr(c.Assign.Due), AssignDoneAt: tptr(c.Assign.DoneAt),
		CurrentDue: tptr(c.CurrentDue()), EscalationRegionCode: c.EscalationRegionCode,
		CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.CreatedAt.UTC(),
	}
	if c.CreatedBy != 0 {
		id := c.CreatedBy
		row.CreatedBy = &id
	}
	if r.IdempotencyKey != "" {
		k := r.IdempotencyKey
		row.IdempotencyKey = &k
	}
	if err := tx.expectDuplicates().Create(&row).Error; err != nil {
		if isDuplicate(err) {
			return 0, ErrIntakeKeyTaken
		}
		return 0, fmt.Errorf("store: create complaint: %w", err)
	}
	return row.ID, nil
}

// Complaint returns one case with its escalations, or ENotFound.
func (tx *Tx) Complaint(id int64) (ComplaintRecord, error) {
	var r complaintRow
	if err := tx.db.Take(&r, "id = ?", id).Error; err != nil {
		return ComplaintRecord{}, notFound(err, "complaint %d not found", id)
	}
	recs, err := tx.withEscalations([]complaintRow{r})
	if err != nil {
		return ComplaintRecord{}, err
	}
	return recs[0], nil
}

// LockComplaint is Complaint that also locks the case's row until the
// transaction ends (SELECT … FOR UPDATE on MySQL; on SQLite the transaction
// already holds the database's write lock), and reads its latest committed
// version. Background jobs take it before changing a case, so that two
// workers escalating one case wait for each other instead of deadlocking on
// the escalation's foreign key.
func (tx *Tx) LockComplaint(id int64) (ComplaintRecord, error) {
	q := tx.db
	if tx.dialect == migrations.MySQL {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var r complaintRow
	if err := q.Take(&r, "id = ?", id).Error; err != nil {
		return ComplaintRecord{}, notFound(err, "complaint %d not found", id)
	}
	recs, err := tx.withEscalations([]complaintRow{r})
	if err != nil {
		return ComplaintRecord{}, err
	}
	return recs[0], nil
}

// ComplaintByIntakeKey returns the case that user created with an
// idempotency key, or ENotFound.
func (tx *Tx) ComplaintByIntakeKey(userID int64, key string) (ComplaintRecord, error) {
	var r complaintRow
	if err := tx.db.Take(&r, "created_by = ? AND idempotency_key = ?", userID, key).Error; err != nil {
		return ComplaintRecord{}, notFound(err, "no complaint with that idempotency key")
	}
	recs, err := tx.withEscalations([]complaintRow{r})
	if err != nil {
		return ComplaintRecord{}, err
	}
	return recs[0], nil
}

// UpdateComplaint writes a case's mutable columns (ComplaintColumns) and
// bumps its version, for changes that are not transitions (escalations,
// deadlines moved by a new holiday calendar). It reports false, changing
// nothing, when the case is no longer at version.
func (tx *Tx) UpdateComplaint(c domain.Complaint, version int, now time.Time) (bool, error) {
	set, err := ComplaintColumns(c)
	if err != nil {
		return false, err
	}
	set["version"] = gormExpr("version + 1")
	set["updated_at"] = now
	res := tx.db.Model(&complaintRow{}).Where("id = ? AND version = ?", c.ID, version).Updates(set)
	if res.Error != nil {
		return false, fmt.Errorf("store: update complaint %d: %w", c.ID, res.Error)
	}
	return res.RowsAffected == 1, nil
}

type escalationRow struct {
	ID             int64 `gorm:"primaryKey"`
	ComplaintID    int64
	Phase          string
	Due            time.Time
	Period         int
	At             time.Time
	FromRegionCode string
	ToRegionCode   string
	Why            string
}

func (escalationRow) TableName() string { return "complaint_escalations" }

func (r escalationRow) toDomain() domain.ComplaintEscalation {
	from, _ := domain.LevelOfCode(r.FromRegionCode)
	to, _ := domain.LevelOfCode(r.ToRegionCode)
	return domain.ComplaintEscalation{At: r.At.UTC(), Phase: domain.ComplaintPhase(r.Phase), Due: r.Due.UTC(),
		Period: r.Period, FromCode: r.FromRegionCode, ToCode: r.ToRegionCode, FromLevel: from, ToLevel: to, Why: r.Why}
}

// AddEscalation records an escalation of case id. It reports false, writing
// nothing, when the case already has one for the same (phase, due, period):
// the unique key makes each escalation happen once however many workers race.
func (tx *Tx) AddEscalation(id int64, e domain.ComplaintEscalation) (bool, error) {
	row := escalationRow{ComplaintID: id, Phase: string(e.Phase), Due: e.Due.UTC(), Period: e.Period, At: e.At.UTC(),
		FromRegionCode: e.FromCode, ToRegionCode: e.ToCode, Why: e.Why}
	if err := tx.expectDuplicates().Create(&row).Error; err != nil {
		if isDuplicate(err) {
			return false, nil
		}
		return false, fmt.Errorf("store: add escalation: %w", err)
	}
	return true, nil
}

type reminderRow struct {
	ID          int64 `gorm:"primaryKey"`
	ComplaintID int64
	Phase       string
	Due         time.Time
	At          time.Time
}

func (reminderRow) TableName() string { return "complaint_reminders" }

// AddReminder records that a reminder of case id's deadline (phase, due) went
// out; false when one already had.
func (tx *Tx) AddReminder(id int64, phase domain.ComplaintPhase, due, at time.Time) (bool, error) {
	row := reminderRow{ComplaintID: id, Phase: string(phase), Due: due.UTC(), At: at.UTC()}
	if err := tx.expectDuplicates().Create(&row).Error; err != nil {
		if isDuplicate(err) {
			return false, nil
		}
		return false, fmt.Errorf("store: add reminder: %w", err)
	}
	return true, nil
}

// ComplaintReminders counts the reminders recorded for case id.
func (tx *Tx) ComplaintReminders(id int64) (int64, error) {
	var n int64
	err := tx.db.Model(&reminderRow{}).Where("complaint_id = ?", id).Count(&n).Error
	return n, err
}

func (tx *Tx) withEscalations(rows []complaintRow) ([]ComplaintRecord, error) {
	out := make([]ComplaintRecord, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	ids := make([]int64, len(rows))
	at := map[int64]int{}
	for i, r := range rows {
		rec, err := r.toRecord()
		if err != nil {
			return nil, err
		}
		out[i] = rec
		out[i].Escalations = []domain.ComplaintEscalation{}
		ids[i] = r.ID
		at[r.ID] = i
	}
	var es []escalationRow
	if err := tx.db.Where("complaint_id IN ?", ids).Order("id").Find(&es).Error; err != nil {
		return nil, fmt.Errorf("store: complaint escalations: %w", err)
	}
	for _, e := range es {
		i := at[e.ComplaintID]
		out[i].Escalations = append(out[i].Escalations, e.toDomain())
	}
	return out, nil
}

// ComplaintFilter selects cases; zero fields match everything.
type ComplaintFilter struct {
	// Scope and Region each keep the cases of which at least one region
	// (accused, occurred or assignee) lies in that subtree.
	Scope  string
	Region string
	State  domain.State
	// Category filters on one category.
	Category domain.ComplaintCategory
	// Overdue keeps the cases whose running phase is (true) or is not (false)
	// past its deadline at Now.
	Overdue   *bool
	Now       time.Time
	Escalated *bool
	// From and To bound received_at: From ≤ received_at < To.
	From, To time.Time
}

func anyRegionIn(q *gorm.DB, code string) *gorm.DB {
	if code == "" || code == domain.NationCode {
		return q
	}
	p := code + "%"
	return q.Where("(accused_region_code LIKE ? OR occurred_region_code LIKE ? OR assignee_region_code LIKE ?)", p, p, p)
}

func (f ComplaintFilter) apply(q *gorm.DB) *gorm.DB {
	q = anyRegionIn(q, f.Scope)
	q = anyRegionIn(q, f.Region)
	if f.State != "" {
		q = q.Where("state = ?", string(f.State))
	}
	if f.Category != "" {
		q = q.Where("category = ?", string(f.Category))
	}
	if f.Overdue != nil {
		if *f.Overdue {
			q = q.Where("current_due IS NOT NULL AND current_due < ?", f.Now.UTC())
		} else {
			q = q.Where("(current_due IS NULL OR current_due >= ?)", f.Now.UTC())
		}
	}
	if f.Escalated != nil {
		if *f.Escalated {
			q = q.Where("escalation_region_code <> ''")
		} else {
			q = q.Where("escalation_region_code = ''")
		}
	}
	if !f.From.IsZero() {
		q = q.Where("received_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("received_at < ?", f.To.UTC())
	}
	return q
}

// ListComplaints lists cases newest first, with ids below before (0: from
// the newest), at most limit of them, with their escalations.
func (tx *Tx) ListComplaints(f ComplaintFilter, before int64, limit int) ([]ComplaintRecord, error) {
	q := f.apply(tx.db.Model(&complaintRow{}))
	if before > 0 {
		q = q.Where("id < ?", before)
	}
	var rows []complaintRow
	if err := q.Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: list complaints: %w", err)
	}
	return tx.withEscalations(rows)
}

// ComplaintStatRow is one group of ComplaintStats.
type ComplaintStatRow struct {
	Category string
	Region   string
	State    string
	Overdue  bool
	N        int64
}

// ComplaintStats counts the cases accused of something in a region of the
// subtree of accusedIn (and matching the category and time bounds of f; its
// Scope and Region are ignored), grouped by state, overdue at f.Now, and, on
// request, by category and by the accused region's ancestor at regionLen
// characters of code (0: no region grouping; a code shorter than that is
// its own group).
func (tx *Tx) ComplaintStats(accusedIn string, f ComplaintFilter, byCategory bool, regionLen int) ([]ComplaintStatRow, error) {
	cat := "''"
	if byCategory {
		cat = "category"
	}
	reg := "''"
	if regionLen > 0 {
		reg = "SUBSTR(accused_region_code, 1, " + strconv.Itoa(regionLen) + ")"
	}
	q := tx.db.Model(&complaintRow{}).Select(cat+" AS category, "+reg+" AS region, state, "+
		"CASE WHEN current_due IS NOT NULL AND current_due < ? THEN 1 ELSE 0 END AS overdue, COUNT(*) AS n", f.Now.UTC())
	if accusedIn != "" && accusedIn != domain.NationCode {
		q = q.Where("accused_region_code LIKE ?", accusedIn+"%")
	}
	f.Scope, f.Region, f.Overdue = "", "", nil
	q = f.apply(q)
	var rows []struct {
		Category string
		Region   string
		State    string
		Overdue  int
		N        int64
	}
	if err := q.Group("1, 2, 3, 4").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: complaint stats: %w", err)
	}
	out := make([]ComplaintStatRow, len(rows))
	for i, r := range rows {
		out[i] = ComplaintStatRow{Category: r.Category, Region: r.Region, State: r.State, Overdue: r.Overdue == 1, N: r.N}
	}
	return out, nil
}

// ComplaintCount is a number of complaint cases, broken down.
type ComplaintCount struct {
	// Received counts every case of the window.
	Received int64 `json:"received"`
	// Open counts those not closed; Closed those closed.
	Open   int64 `json:"open"`
	Closed int64 `json:"closed"`
	// Substantiated and Unsubstantiated count the cases by their latest
	// finding; a case never resolved has neither.
	Substantiated   int64 `json:"substantiated"`
	Unsubstantiated int64 `json:"unsubstantiated"`
}

func (c *ComplaintCount) add(o ComplaintCount) {
	c.Received += o.Received
	c.Open += o.Open
	c.Closed += o.Closed
	c.Substantiated += o.Substantiated
	c.Unsubstantiated += o.Unsubstantiated
}

// ComplaintFigures are a region's complaint figures for a site review or a
// bulletin.
type ComplaintFigures struct {
	// ByCategory has an entry for every category, zero or not.
	ByCategory map[domain.ComplaintCategory]ComplaintCount `json:"by_category"`
	Total      ComplaintCount                              `json:"total"`
	// VetoSubstantiated counts the substantiated vicious cases and
	// three-prohibition violations: more than zero triggers the one-vote
	// veto (一票否决) of IN12 and OUT10 (DOMAIN.md §4).
	VetoSubstantiated int64 `json:"veto_substantiated"`
}

// Veto reports whether the figures trigger the one-vote veto.
func (f ComplaintFigures) Veto() bool { return f.VetoSubstantiated > 0 }

// ComplaintCounts returns the figures of the cases that accuse a region in
// regionCode's subtree ("0": everywhere) and were received in [from, to) —
// the input of site reviews, bulletins and the one-vote veto. A case counts
// for the region it accuses, not where it happened: an outflow county acting
// inside an inflow province answers for it. A zero from or to leaves that
// side open. It runs one grouped query and is safe inside or outside a
// transaction.
func (tx *Tx) ComplaintCounts(regionCode string, from, to time.Time) (ComplaintFigures, error) {
	q := tx.db.Model(&complaintRow{}).Select("category, finding, state, COUNT(*) AS n")
	if regionCode != "" && regionCode != domain.NationCode {
		q = q.Where("accused_region_code LIKE ?", regionCode+"%")
	}
	q = ComplaintFilter{From: from, To: to}.apply(q)
	var rows []struct {
		Category string
		Finding  string
		State    string
		N        int64
	}
	if err := q.Group("category, finding, state").Scan(&rows).Error; err != nil {
		return ComplaintFigures{}, fmt.Errorf("store: complaint counts: %w", err)
	}
	out := ComplaintFigures{ByCategory: map[domain.ComplaintCategory]ComplaintCount{}}
	for _, c := range domain.ComplaintCategories {
		out.ByCategory[c] = ComplaintCount{}
	}
	for _, r := range rows {
		c := ComplaintCount{Received: r.N}
		if r.State == string(domain.ComplaintClosed) {
			c.Closed = r.N
		} else {
			c.Open = r.N
		}
		switch domain.ComplaintFinding(r.Finding) {
		case domain.FindingSubstantiated:
			c.Substantiated = r.N
			if domain.ComplaintCategory(r.Category).Vetoes() {
				out.VetoSubstantiated += r.N
			}
		case domain.FindingUnsubstantiated:
			c.Unsubstantiated = r.N
		}
		cat := domain.ComplaintCategory(r.Category)
		cc := out.ByCategory[cat]
		cc.add(c)
		out.ByCategory[cat] = cc
		out.Total.add(c)
	}
	return out, nil
}

// OverdueComplaints lists open cases whose running phase's deadline passed by
// now and that can still be raised (not yet at the nation), by id after the
// id after, with their escalations.
func (tx *Tx) OverdueComplaints(now time.Time, after int64, limit int) ([]ComplaintRecord, error) {
	var rows []complaintRow
	err := tx.db.Where("current_due IS NOT NULL AND current_due <= ? AND escalation_region_code <> ? AND id > ?",
		now.UTC(), domain.NationCode, after).Order("id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: overdue complaints: %w", err)
	}
	return tx.withEscalations(rows)
}

// ComplaintsToRemind lists open cases whose running phase is due in
// (from, to] and has had no reminder yet, by id after the id after.
func (tx *Tx) ComplaintsToRemind(from, to time.Time, after int64, limit int) ([]ComplaintRecord, error) {
	var rows []complaintRow
	err := tx.db.Where("current_due > ? AND current_due <= ? AND id > ?", from.UTC(), to.UTC(), after).
		Where("NOT EXISTS (SELECT 1 FROM complaint_reminders r WHERE r.complaint_id = complaints.id AND r.due = complaints.current_due)").
		Order("id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: complaints to remind: %w", err)
	}
	out := make([]ComplaintRecord, len(rows))
	for i, r := range rows {
		if out[i], err = r.toRecord(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// OpenComplaints lists cases that are not closed, by id after the id after.
func (tx *Tx) OpenComplaints(after int64, limit int) ([]ComplaintRecord, error) {
	var rows []complaintRow
	err := tx.db.Where("id > ? AND state <> ?", after, string(domain.ComplaintClosed)).Order("id").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("store: open complaints: %w", err)
	}
	return tx.withEscalations(rows)
}

// Savepoint runs fn in a nested transaction (a savepoint): when fn fails,
// only its own writes are undone and the outer transaction goes on.
func (tx *Tx) Savepoint(fn func(tx *Tx) error) error {
	return tx.db.Transaction(func(db *gorm.DB) error { return fn(&Tx{db: db, dialect: tx.dialect}) })
}

// RegionNames returns the names of those of codes that exist.
func (tx *Tx) RegionNames(codes []string) (map[string]string, error) {
	out := map[string]string{}
	if len(codes) == 0 {
		return out, nil
	}
	var rows []regionRow
	if err := tx.db.Where("code IN ?", codes).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: region names: %w", err)
	}
	for _, r := range rows {
		out[r.Code] = r.Name
	}
	return out, nil
}
