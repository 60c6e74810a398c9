package workflow

// Complaint cases of the rights-protection hotline (DOMAIN.md §5, issue 6).
//
// Scope. A case touches up to three regions: the accused region, the region
// where it happened, and the region it is assigned to. A user sees a case
// (reads it, lists it, calls back, closes) when at least one of the three
// lies in the user's subtree. Creating one needs the accused or the
// occurred region in the creator's subtree. Assigning needs the target
// region in the assigner's subtree. The assignee's events (send_back,
// accept, await_complainant, complainant_replied, request_extension,
// resolve) need the assignee region in the actor's subtree: the assignee
// region's own officers and those above them. Approving or rejecting an
// extension needs a strict superior: the actor's region a strict ancestor of
// the assignee region. Roles come from the machine's table (the role check
// is apply's); complaints:read_personal in scope shows the complainant's
// name and phone, everyone else sees them masked.
//
// Deadlines. Each category has rules (domain.ComplaintRules, configurable;
// DefaultComplaintRules otherwise) fixed on the case at intake. The assign
// phase runs from receipt (or from a send-back), resolve from assignment (or
// from a reopening by an unsatisfied callback) and stops while the case waits
// on the complainant, lengthened by approved extensions; callback from
// resolution. Days are counted on the holiday calendar admins load.
//
// Follow-ups. Every change that gives the running phase a new deadline writes,
// in its own transaction, a reminder task (one day before, or halfway for a
// one-day deadline) and an escalation task (at the deadline) to the outbox.
// A handler checks that the case still has that deadline (else a later
// change re-planned it and the task is stale) and acts once: the
// complaint_reminders and complaint_escalations tables have unique keys on
// (case, phase, deadline[, period]). An escalation raises the case one step
// up the region tree from where it sits (EscalationFrom) and plans the next
// one a full period later, until it reaches the nation. A vicious case is
// raised to its province and the nation on intake. A sweep in every worker
// process, every SweepInterval, repairs any escalation or reminder whose
// task went missing.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"

	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/store"
)

// ComplaintsConfig tunes the complaint cases.
type ComplaintsConfig struct {
	// EncryptionKey is the base64 of the 32-byte AES key of complainants'
	// personal data; "" generates one once and keeps it in the settings
	// table, with a warning. Ignored when Sealer is set.
	EncryptionKey string
	// Sealer, when set, is the process's sealer (LoadSealer), shared with
	// the webhooks; nil loads one from EncryptionKey.
	Sealer *Sealer
	// Rules are the deadlines per category; categories left out keep
	// domain.DefaultComplaintRules.
	Rules map[domain.ComplaintCategory]domain.ComplaintRules
	// SweepInterval is how often the repair sweep runs; default 5 minutes.
	SweepInterval time.Duration
}

// ParseComplaintRules reads DUCHA_COMPLAINT_DEADLINES: JSON such as
// {"vicious_case":{"resolve":{"days":3,"working":true}}}, laid over the
// defaults phase by phase. "" gives the defaults.
func ParseComplaintRules(s string) (map[domain.ComplaintCategory]domain.ComplaintRules, error) {
	rules := domain.DefaultComplaintRules()
	if strings.TrimSpace(s) == "" {
		return rules, nil
	}
	var in map[string]map[string]domain.Deadline
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return nil, fmt.Errorf("complaint deadlines: %w", err)
	}
	for cat, phases := range in {
		c := domain.ComplaintCategory(cat)
		if !c.Valid() {
			return nil, fmt.Errorf("complaint deadlines: unknown category %q", cat)
		}
		r := rules[c]
		for p, d := range phases {
			switch domain.ComplaintPhase(p) {
			case domain.PhaseAssign:
				r.Assign = d
			case domain.PhaseResolve:
				r.Resolve = d
			case domain.PhaseCallback:
				r.Callback = d
			default:
				return nil, fmt.Errorf("complaint deadlines: %s: unknown phase %q", cat, p)
			}
		}
		if err := r.Validate(); err != nil {
			return nil, fmt.Errorf("complaint deadlines: %s: %w", cat, err)
		}
		rules[c] = r
	}
	return rules, nil
}

// Complaints runs the hotline's cases.
type Complaints struct {
	Deps
	cfg          ComplaintsConfig
	sealer       *Sealer
	knownRegions sync.Map // region code → struct{}: seen to exist
}

// NewComplaints loads the encryption key and applies defaults.
func NewComplaints(d Deps, cfg ComplaintsConfig) (*Complaints, error) {
	defaults := domain.DefaultComplaintRules()
	rules := map[domain.ComplaintCategory]domain.ComplaintRules{}
	for _, c := range domain.ComplaintCategories {
		r, ok := cfg.Rules[c]
		if !ok {
			r = defaults[c]
		}
		if err := r.Validate(); err != nil {
			return nil, fmt.Errorf("complaints: rules of %s: %w", c, err)
		}
		rules[c] = r
	}
	cfg.Rules = rules
	if cfg.SweepInterval <= 0 {
		cfg.SweepInterval = 5 * time.Minute
	}
	sealer := cfg.Sealer
	if sealer == nil {
		var err error
		if sealer, err = LoadSealer(d, cfg.EncryptionKey); err != nil {
			return nil, err
		}
	}
	return &Complaints{Deps: d, cfg: cfg, sealer: sealer}, nil
}

// Rules returns the deadline rules in force for new cases.
func (s *Complaints) Rules() map[domain.ComplaintCategory]domain.ComplaintRules {
	out := make(map[domain.ComplaintCategory]domain.ComplaintRules, len(s.cfg.Rules))
	for k, v := range s.cfg.Rules {
		out[k] = v
	}
	return out
}

// ComplaintView is a case as one user may see it.
type ComplaintView struct {
	domain.Complaint
	// Masked is set when the complainant's details are masked for this user.
	Masked bool
	// Unreadable is set when the details could not be decrypted (the key
	// changed); they are then left out and the error is logged.
	Unreadable bool
	// AllowedEvents are the events the user's role may fire now (a hint:
	// the region checks come on firing).
	AllowedEvents []domain.Event
	// Now is when the view was taken, for overdue flags.
	Now time.Time
}

// NewComplaint is an intake request, as the client sent it: the fields are
// checked here, all at once.
type NewComplaint struct {
	Channel            string          `json:"channel"`
	ReceivedAt         string          `json:"received_at"`
	Category           string          `json:"category"`
	OccurredRegionCode string          `json:"occurred_region_code"`
	AccusedRegionCode  string          `json:"accused_region_code"`
	Summary            string          `json:"summary"`
	Details            string          `json:"details"`
	Complainant        *NewComplainant `json:"complainant"`
	// IdempotencyKey is the Idempotency-Key header: "" for none.
	IdempotencyKey string `json:"-"`
}

// NewComplainant is the optional complainant of an intake.
type NewComplainant struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
}

// hash is the SHA-256 of the canonical body: the fields as sent, in a fixed
// order, whatever the client's key order or whitespace.
func (in NewComplaint) hash() string {
	b, _ := json.Marshal(in)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Field limits of an intake.
const (
	MaxSummary           = 200
	MaxDetails           = 10000
	MaxComplainantName   = 50
	MaxIdempotencyKey    = 128
	MaxTransitionText    = 2000
	MaxExtensionDays     = 30
	earliestReceivedYear = 2000
)

func (s *Complaints) validateIntake(ctx context.Context, in NewComplaint, now time.Time) (domain.Complaint, *domain.Complainant, error) {
	var v domain.Validation
	c := domain.Complaint{Channel: domain.ComplaintChannel(in.Channel), Category: domain.ComplaintCategory(in.Category),
		OccurredRegionCode: in.OccurredRegionCode, AccusedRegionCode: in.AccusedRegionCode,
		Summary: strings.TrimSpace(in.Summary), Details: strings.TrimSpace(in.Details)}
	switch {
	case in.Channel == "":
		v.Add("body.channel", "is required")
	case !c.Channel.Valid():
		v.AddValue("body.channel", in.Channel, "must be one of %v", domain.ComplaintChannels)
	}
	if in.ReceivedAt == "" {
		c.ReceivedAt = now
	} else if t, err := time.Parse(time.RFC3339Nano, in.ReceivedAt); err != nil {
		v.AddValue("body.received_at", in.ReceivedAt, "must be an RFC 3339 time such as 2026-03-02T09:30:00+08:00")
	} else {
		c.ReceivedAt = t.UTC().Truncate(time.Microsecond)
		switch {
		case c.ReceivedAt.After(now):
			v.AddValue("body.received_at", in.ReceivedAt, "is in the future (now is %s)", now.Format(time.RFC3339))
		case c.ReceivedAt.Year() < earliestReceivedYear:
			v.AddValue("body.received_at", in.ReceivedAt, "is before %d", earliestReceivedYear)
		}
	}
	switch {
	case in.Category == "":
		v.Add("body.category", "is required")
	case !c.Category.Valid():
		v.AddValue("body.category", in.Category, "must be one of %v", domain.ComplaintCategories)
	}
	regionFields := []struct{ loc, code string }{
		{"body.occurred_region_code", in.OccurredRegionCode}, {"body.accused_region_code", in.AccusedRegionCode},
	}
	var codes []string
	for _, f := range regionFields {
		lv, ok := domain.LevelOfCode(f.code)
		switch {
		case f.code == "":
			v.Add(f.loc, "is required")
		case !ok:
			v.AddValue(f.loc, f.code, "not a region code")
		case lv == domain.LevelNation:
			v.AddValue(f.loc, f.code, "must be a province or a region below one, not the nation")
		default:
			codes = append(codes, f.code)
		}
	}
	if len(codes) > 0 {
		missing, err := s.missingRegions(ctx, codes)
		if err != nil {
			return c, nil, err
		}
		for _, f := range regionFields {
			if slices.Contains(missing, f.code) {
				v.AddValue(f.loc, f.code, "no such region")
			}
		}
	}
	domain.CheckText(&v, "body.summary", in.Summary, 1, MaxSummary)
	domain.CheckText(&v, "body.details", in.Details, 0, MaxDetails)
	var who *domain.Complainant
	if in.Complainant != nil && (in.Complainant.Name != "" || in.Complainant.Phone != "") {
		who = &domain.Complainant{Name: strings.TrimSpace(in.Complainant.Name)}
		if in.Complainant.Name != "" {
			domain.CheckText(&v, "body.complainant.name", in.Complainant.Name, 1, MaxComplainantName)
		}
		if in.Complainant.Phone != "" {
			p, ok := domain.NormalizePhone(in.Complainant.Phone)
			if !ok {
				v.Add("body.complainant.phone", "must be a mainland Chinese mobile number (13812345678, +8613812345678) "+
					"or a landline with its area code (010-12345678, 0755-1234567)")
			}
			who.Phone = p
		}
	}
	if k := in.IdempotencyKey; k != "" && (len(k) > MaxIdempotencyKey || strings.ContainsFunc(k, func(r rune) bool { return r < 0x21 || r > 0x7e })) {
		v.Add("header.Idempotency-Key", "must be 1 to %d visible ASCII characters", MaxIdempotencyKey)
	}
	return c, who, v.Err()
}

// missingRegions returns those of codes that are not in the region tree.
// Codes found once are remembered: the tree only ever grows (imports add
// townships and villages, nothing removes a region).
func (s *Complaints) missingRegions(ctx context.Context, codes []string) ([]string, error) {
	var unknown []string
	for _, c := range codes {
		if _, ok := s.knownRegions.Load(c); !ok {
			unknown = append(unknown, c)
		}
	}
	if len(unknown) == 0 {
		return nil, nil
	}
	missing, err := s.Store.Read(ctx).MissingRegions(unknown)
	if err != nil {
		return nil, err
	}
	for _, c := range unknown {
		if !slices.Contains(missing, c) {
			s.knownRegions.Store(c, struct{}{})
		}
	}
	return missing, nil
}

// Intake logs a complaint. With an idempotency key, the same key and body
// from the same user give the same case (created reports false on a replay)
// and the same key with another body is EInvalid; the key and the body's
// hash are stored with the case, under a unique index, so concurrent retries
// make one case.
func (s *Complaints) Intake(ctx context.Context, actor domain.Actor, in NewComplaint) (view ComplaintView, created bool, err error) {
	now := s.now()
	c, who, err := s.validateIntake(ctx, in, now)
	if err != nil {
		return ComplaintView{}, false, err
	}
	target := c.AccusedRegionCode
	if !domain.Within(target, actor.RegionCode) && domain.Within(c.OccurredRegionCode, actor.RegionCode) {
		target = c.OccurredRegionCode
	}
	if err := s.Authz.Check(actor, "complaints", "create", target); err != nil {
		return ComplaintView{}, false, err
	}
	// A retry is found by the unique index on (user, key): its insert fails
	// and the case it made is read back. First attempts, by far the most
	// common, pay no extra read.
	hash := in.hash()
	rec := store.ComplaintRecord{IdempotencyKey: in.IdempotencyKey, BodyHash: hash}
	if who != nil {
		if rec.SealedName, err = s.sealer.Seal("complainant.name", who.Name); err != nil {
			return ComplaintView{}, false, err
		}
		if rec.SealedPhone, err = s.sealer.Seal("complainant.phone", who.Phone); err != nil {
			return ComplaintView{}, false, err
		}
	}
	c.State, c.Version, c.Rules = domain.ComplaintReceived, 1, s.cfg.Rules[c.Category]
	c.CreatedBy, c.CreatedAt, c.UpdatedAt = actor.UserID, now, now
	c.Assign = domain.PhaseClock{StartedAt: c.ReceivedAt}
	for attempt := 1; ; attempt++ {
		var out domain.Complaint
		err = s.Store.Tx(ctx, func(tx *store.Tx) error {
			out = c
			out.Escalations = nil
			cal, err := tx.Calendar()
			if err != nil {
				return err
			}
			out.Recompute(cal)
			var raised []domain.ComplaintEscalation
			if out.Category == domain.CategoryViciousCase {
				from := out.AccusedRegionCode
				for i, to := range domain.ViciousTargets(out.AccusedRegionCode) {
					raised = append(raised, escalation(domain.PhaseIntake, out.ReceivedAt, i+1, now, from, to,
						"a vicious case (恶性案件) is raised to the province and the nation on intake"))
					from = to
				}
				if len(raised) > 0 {
					out.EscalationRegionCode = raised[len(raised)-1].ToCode
				}
			}
			rec.Complaint = out
			if out.ID, err = tx.CreateComplaint(rec); err != nil {
				return err
			}
			err = audit(ctx, tx, actor, now, store.AuditEntry{Entity: "complaint", EntityID: strconv.FormatInt(out.ID, 10),
				RegionCode: out.BaseRegion(), Event: "create", ToState: string(out.State),
				Detail: map[string]any{"channel": out.Channel, "category": out.Category,
					"accused_region_code": out.AccusedRegionCode, "occurred_region_code": out.OccurredRegionCode,
					"anonymous": who == nil}})
			if err != nil {
				return err
			}
			for _, e := range raised {
				if _, err := tx.AddEscalation(out.ID, e); err != nil {
					return err
				}
				if err := auditEscalation(ctx, tx, out, e); err != nil {
					return err
				}
				out.Escalations = append(out.Escalations, e)
			}
			return s.plan(tx, out, cal, now)
		})
		switch {
		case err == nil:
			out.Complainant = who
			return s.view(actor, out, false, now), true, nil
		case errors.Is(err, store.ErrIntakeKeyTaken):
			// A concurrent retry with the same key committed first.
			v, found, err := s.replay(ctx, actor, in.IdempotencyKey, hash)
			if !found && err == nil {
				err = fmt.Errorf("complaints: idempotency key taken but not found")
			}
			return v, false, err
		case isDeadlock(err) && attempt < 3:
			continue
		}
		return ComplaintView{}, false, err
	}
}

func isDeadlock(err error) bool {
	var me *mysqldriver.MySQLError
	return errors.As(err, &me) && (me.Number == 1213 || me.Number == 1205)
}

// replay answers a retried intake from the case its key made.
func (s *Complaints) replay(ctx context.Context, actor domain.Actor, key, hash string) (ComplaintView, bool, error) {
	rec, err := s.Store.Read(ctx).ComplaintByIntakeKey(actor.UserID, key)
	if domain.ErrorCode(err) == domain.ENotFound {
		return ComplaintView{}, false, nil
	}
	if err != nil {
		return ComplaintView{}, false, err
	}
	if rec.BodyHash != hash {
		var v domain.Validation
		v.AddValue("header.Idempotency-Key", key, "was already used for complaint %d with a different request body; "+
			"use a new key for a new complaint", rec.ID)
		return ComplaintView{}, true, v.Err()
	}
	return s.viewRecord(actor, rec, s.now()), true, nil
}

// visibleTarget returns the first region of the case that lies in the
// actor's subtree (assignee, accused, occurred), "" when none does.
func visibleTarget(actor domain.Actor, c domain.Complaint) string {
	for _, r := range []string{c.AssigneeRegionCode, c.AccusedRegionCode, c.OccurredRegionCode} {
		if r != "" && domain.Within(r, actor.RegionCode) {
			return r
		}
	}
	return ""
}

// checkVisible refuses, as EForbidden, an actor who may not act on the case.
func (s *Complaints) checkVisible(actor domain.Actor, c domain.Complaint, action string) error {
	target := visibleTarget(actor, c)
	if target == "" {
		target = c.AccusedRegionCode
	}
	return s.Authz.Check(actor, "complaints", action, target)
}

func (s *Complaints) viewRecord(actor domain.Actor, rec store.ComplaintRecord, now time.Time) ComplaintView {
	c := rec.Complaint
	unreadable := false
	if rec.SealedName != "" || rec.SealedPhone != "" {
		name, err1 := s.sealer.Open("complainant.name", rec.SealedName)
		phone, err2 := s.sealer.Open("complainant.phone", rec.SealedPhone)
		if err := errors.Join(err1, err2); err != nil {
			s.Log.Error("complainant details cannot be decrypted; was DUCHA_ENCRYPTION_KEY changed?", "complaint", c.ID, "err", err)
			unreadable = true
		} else {
			c.Complainant = &domain.Complainant{Name: name, Phone: phone}
		}
	}
	v := s.view(actor, c, unreadable, now)
	return v
}

func (s *Complaints) view(actor domain.Actor, c domain.Complaint, unreadable bool, now time.Time) ComplaintView {
	v := ComplaintView{Complaint: c, Unreadable: unreadable, Now: now,
		AllowedEvents: domain.ComplaintMachine().AllowedFor(c.State, actor.Role)}
	if c.Escalations == nil {
		v.Escalations = []domain.ComplaintEscalation{}
	}
	target := visibleTarget(actor, c)
	if c.Complainant != nil && (target == "" || !s.Authz.Allowed(actor.Role, "complaints", "read_personal", actor.RegionCode, target)) {
		m := c.Complainant.Masked()
		v.Complainant, v.Masked = &m, true
	}
	return v
}

// Get returns one case: ENotFound, or EForbidden outside the actor's scope.
func (s *Complaints) Get(ctx context.Context, actor domain.Actor, id int64) (ComplaintView, error) {
	rec, err := s.Store.Read(ctx).Complaint(id)
	if err != nil {
		return ComplaintView{}, err
	}
	if err := s.checkVisible(actor, rec.Complaint, "read"); err != nil {
		return ComplaintView{}, err
	}
	return s.viewRecord(actor, rec, s.now()), nil
}

// ComplaintQuery filters a listing; every field is as the client sent it
// ("" for no filter) and is checked here.
type ComplaintQuery struct {
	State, Category, RegionCode, Overdue, Escalated, From, To string
}

func parseBool(v *domain.Validation, loc, s string) *bool {
	switch s {
	case "":
		return nil
	case "true", "1":
		b := true
		return &b
	case "false", "0":
		b := false
		return &b
	}
	v.AddValue(loc, s, "must be true or false")
	return nil
}

// parseInstant reads an RFC 3339 time, or a date (its start, China time).
func parseInstant(v *domain.Validation, loc, s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC()
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, domain.ChinaTime); err == nil {
		return t.UTC()
	}
	v.AddValue(loc, s, "must be an RFC 3339 time or a date (YYYY-MM-DD, from 00:00 China time)")
	return time.Time{}
}

func (s *Complaints) parseQuery(ctx context.Context, q ComplaintQuery, now time.Time) (store.ComplaintFilter, error) {
	var v domain.Validation
	f := store.ComplaintFilter{Now: now, State: domain.State(q.State), Category: domain.ComplaintCategory(q.Category),
		Region: q.RegionCode}
	if q.State != "" && !domain.ComplaintMachine().HasState(f.State) {
		v.AddValue("query.state", q.State, "must be one of %v", domain.ComplaintMachine().States)
	}
	if q.Category != "" && !f.Category.Valid() {
		v.AddValue("query.category", q.Category, "must be one of %v", domain.ComplaintCategories)
	}
	if err := checkRegionFilter(s.Store.Read(ctx), &v, q.RegionCode); err != nil {
		return f, err
	}
	f.Overdue = parseBool(&v, "query.overdue", q.Overdue)
	f.Escalated = parseBool(&v, "query.escalated", q.Escalated)
	f.From = parseInstant(&v, "query.from", q.From)
	f.To = parseInstant(&v, "query.to", q.To)
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		v.AddValue("query.to", q.To, "must be after from")
	}
	return f, v.Err()
}

// List lists the cases the actor sees, newest first.
func (s *Complaints) List(ctx context.Context, actor domain.Actor, q ComplaintQuery, p Page) (Paged[ComplaintView], error) {
	if err := s.Authz.Check(actor, "complaints", "read", actor.RegionCode); err != nil {
		return Paged[ComplaintView]{}, err
	}
	now := s.now()
	f, err := s.parseQuery(ctx, q, now)
	before, cerr := DecodeIDCursor(p.Cursor)
	if err != nil || cerr != nil {
		return Paged[ComplaintView]{}, joinInvalid(err, cerr)
	}
	f.Scope = actor.RegionCode
	n := p.Size()
	recs, err := s.Store.Read(ctx).ListComplaints(f, before, n+1)
	if err != nil {
		return Paged[ComplaintView]{}, err
	}
	out := Paged[ComplaintView]{Items: make([]ComplaintView, 0, min(len(recs), n))}
	for i, r := range recs {
		if i == n {
			out.Next = EncodeIDCursor(recs[n-1].ID)
			break
		}
		out.Items = append(out.Items, s.viewRecord(actor, r, now))
	}
	return out, nil
}

// joinInvalid merges EInvalid errors into one listing every field; any
// other error wins as is.
func joinInvalid(errs ...error) error {
	var fields []domain.FieldError
	for _, err := range errs {
		if err == nil {
			continue
		}
		var de *domain.Error
		if !errors.As(err, &de) || de.Code != domain.EInvalid {
			return err
		}
		fields = append(fields, de.Fields...)
	}
	if len(fields) == 0 {
		return nil
	}
	return &domain.Error{Code: domain.EInvalid, Message: "validation failed", Fields: fields}
}

// ComplaintTransition asks to fire an event on a case, with what the event
// needs.
type ComplaintTransition struct {
	Event      domain.Event
	Reason     string
	RegionCode string // assign
	Days       *int   // request_extension
	Finding    string // resolve
	Action     string // resolve
	Satisfied  *bool  // callback
	Note       string // callback
	IfMatch    *int
}

// assigneeEvents are fired by the assignee region (or above it).
var assigneeEvents = []domain.Event{
	domain.ComplaintSendBack, domain.ComplaintAccept, domain.ComplaintAwaitComplainant,
	domain.ComplaintComplainantReplied, domain.ComplaintRequestExtension, domain.ComplaintResolve,
}

// Transition fires an event on a case. The checks come in apply's order:
// 404, 403 outside the case's scope, 412 for a stale If-Match, 409 for an
// event not allowed in the state (with the allowed events), 403 for the role
// and for the event's own region rule, 422 listing every bad field; then the
// move, its audit row, and the follow-ups of any new deadline, together.
func (s *Complaints) Transition(ctx context.Context, actor domain.Actor, id int64, in ComplaintTransition) (ComplaintView, error) {
	now := s.now()
	m := domain.ComplaintMachine()
	branch := ""
	if in.Event == domain.ComplaintCallback && in.Satisfied != nil {
		branch = domain.BranchUnsatisfied
		if *in.Satisfied {
			branch = domain.BranchSatisfied
		}
	}
	var out domain.Complaint
	var rec store.ComplaintRecord
	err := s.Store.Tx(ctx, func(tx *store.Tx) error {
		var err error
		if rec, err = tx.Complaint(id); err != nil {
			return err
		}
		c := rec.Complaint
		if err := s.checkVisible(actor, c, "transition"); err != nil {
			return err
		}
		if in.IfMatch == nil || *in.IfMatch == c.Version {
			probe := branch
			if in.Event == domain.ComplaintCallback && probe == "" {
				probe = domain.BranchSatisfied
			}
			if t, err := m.Next(c.State, in.Event, probe); err == nil && m.Permits(t, actor.Role) {
				if err := s.checkEventScope(actor, c, in); err != nil {
					return err
				}
				if err := checkTransitionFields(tx, t, in); err != nil {
					return err
				}
			}
		}
		cal, err := tx.Calendar()
		if err != nil {
			return err
		}
		next := c
		next.Pauses = slices.Clone(c.Pauses)
		var set map[string]any
		if t, err := m.Next(c.State, in.Event, branch); err == nil {
			next.State = t.To
			effects(&next, in, now)
			next.Recompute(cal)
			if set, err = store.ComplaintColumns(next); err != nil {
				return err
			}
		}
		_, err = apply(ctx, tx, m, actor, Current{Entity: "complaint", Table: store.ComplaintsTable, ID: c.ID,
			Region: next.BaseRegion(), State: c.State, Version: c.Version},
			Fire{Event: in.Event, Branch: branch, Reason: strings.TrimSpace(in.Reason), IfMatch: in.IfMatch}, now,
			FireOptions{Set: set, Detail: transitionDetail(in, next)})
		if err != nil {
			return err
		}
		next.Version, next.UpdatedAt = c.Version+1, now
		if next.Phase() != c.Phase() || !next.CurrentDue().Equal(c.CurrentDue()) {
			if err := s.plan(tx, next, cal, now); err != nil {
				return err
			}
		}
		out = next
		return nil
	})
	if err != nil {
		return ComplaintView{}, err
	}
	rec.Complaint = out
	return s.viewRecord(actor, rec, now), nil
}

func (s *Complaints) checkEventScope(actor domain.Actor, c domain.Complaint, in ComplaintTransition) error {
	switch {
	case in.Event == domain.ComplaintAssign:
		if _, ok := domain.LevelOfCode(in.RegionCode); ok {
			return s.Authz.Check(actor, "complaints", "transition", in.RegionCode)
		}
	case slices.Contains(assigneeEvents, in.Event):
		if !domain.Within(c.AssigneeRegionCode, actor.RegionCode) {
			return domain.Errorf(domain.EForbidden, "only the assignee region %s or a region above it may %s this case",
				c.AssigneeRegionCode, in.Event)
		}
	case in.Event == domain.ComplaintApproveExtension || in.Event == domain.ComplaintRejectExtension:
		if !domain.Within(c.AssigneeRegionCode, actor.RegionCode) || c.AssigneeRegionCode == actor.RegionCode {
			return domain.Errorf(domain.EForbidden, "only a superior of the assignee region %s (a region strictly above it) "+
				"may %s", c.AssigneeRegionCode, in.Event)
		}
	}
	return nil
}

// checkTransitionFields checks the reason and what the event needs, all at
// once.
func checkTransitionFields(tx *store.Tx, t domain.Transition, in ComplaintTransition) error {
	var v domain.Validation
	if t.NeedsReason {
		domain.CheckText(&v, "body.reason", in.Reason, 1, MaxTransitionText)
	} else if in.Reason != "" {
		domain.CheckText(&v, "body.reason", in.Reason, 0, MaxTransitionText)
	}
	switch in.Event {
	case domain.ComplaintAssign:
		lv, ok := domain.LevelOfCode(in.RegionCode)
		switch {
		case in.RegionCode == "":
			v.Add("body.region_code", "is required: the region to assign the case to")
		case !ok:
			v.AddValue("body.region_code", in.RegionCode, "not a region code")
		case lv == domain.LevelNation:
			v.AddValue("body.region_code", in.RegionCode, "a case is assigned to a province or a region below one")
		default:
			if _, err := tx.Region(in.RegionCode); err != nil {
				if domain.ErrorCode(err) != domain.ENotFound {
					return err
				}
				v.AddValue("body.region_code", in.RegionCode, "no such region")
			}
		}
	case domain.ComplaintRequestExtension:
		switch {
		case in.Days == nil:
			v.Add("body.days", "is required: how many more days are needed")
		case *in.Days < 1 || *in.Days > MaxExtensionDays:
			v.AddValue("body.days", *in.Days, "must be 1 to %d", MaxExtensionDays)
		}
	case domain.ComplaintResolve:
		switch f := domain.ComplaintFinding(in.Finding); {
		case in.Finding == "":
			v.Add("body.finding", "is required: substantiated or unsubstantiated")
		case !f.Valid():
			v.AddValue("body.finding", in.Finding, "must be substantiated or unsubstantiated")
		}
		domain.CheckText(&v, "body.action", in.Action, 1, MaxTransitionText)
	case domain.ComplaintCallback:
		if in.Satisfied == nil {
			v.Add("body.satisfied", "is required: whether the complainant is satisfied")
		}
		domain.CheckText(&v, "body.note", in.Note, 1, MaxTransitionText)
	}
	return v.Err()
}

// effects applies an event's changes (other than the state) to the case.
func effects(c *domain.Complaint, in ComplaintTransition, now time.Time) {
	restartResolve := func() {
		c.Resolve = domain.PhaseClock{StartedAt: now}
		c.Pauses, c.ExtensionDays, c.ExtensionRequestedDays = nil, 0, 0
		c.Callback = domain.PhaseClock{}
	}
	switch in.Event {
	case domain.ComplaintAssign:
		c.AssigneeRegionCode = in.RegionCode
		c.Assign.DoneAt = now
		restartResolve()
	case domain.ComplaintSendBack:
		c.AssigneeRegionCode = ""
		c.Assign = domain.PhaseClock{StartedAt: now}
		c.Resolve = domain.PhaseClock{}
		c.Pauses, c.ExtensionDays, c.ExtensionRequestedDays = nil, 0, 0
	case domain.ComplaintAwaitComplainant:
		c.Pauses = append(c.Pauses, domain.Pause{From: now})
	case domain.ComplaintComplainantReplied:
		if n := len(c.Pauses); n > 0 && c.Pauses[n-1].To.IsZero() {
			c.Pauses[n-1].To = now
		}
	case domain.ComplaintRequestExtension:
		if in.Days != nil {
			c.ExtensionRequestedDays = *in.Days
		}
	case domain.ComplaintApproveExtension:
		c.ExtensionDays += c.ExtensionRequestedDays
		c.ExtensionRequestedDays = 0
	case domain.ComplaintRejectExtension:
		c.ExtensionRequestedDays = 0
	case domain.ComplaintResolve:
		c.Finding, c.Action = domain.ComplaintFinding(in.Finding), strings.TrimSpace(in.Action)
		c.Resolve.DoneAt = now
		c.Callback = domain.PhaseClock{StartedAt: now}
	case domain.ComplaintCallback:
		sat := in.Satisfied != nil && *in.Satisfied
		c.CallbackSatisfied, c.CallbackNote = &sat, strings.TrimSpace(in.Note)
		if sat {
			c.Callback.DoneAt = now
		} else {
			restartResolve()
		}
	case domain.ComplaintClose:
		c.Callback.DoneAt = now
	}
}

func transitionDetail(in ComplaintTransition, next domain.Complaint) map[string]any {
	d := map[string]any{}
	switch in.Event {
	case domain.ComplaintAssign:
		d["region_code"] = in.RegionCode
	case domain.ComplaintRequestExtension:
		if in.Days != nil {
			d["days"] = *in.Days
		}
	case domain.ComplaintApproveExtension:
		d["extension_days"] = next.ExtensionDays
	case domain.ComplaintResolve:
		d["finding"], d["action"] = in.Finding, strings.TrimSpace(in.Action)
	case domain.ComplaintCallback:
		if in.Satisfied != nil {
			d["satisfied"] = *in.Satisfied
		}
		d["note"] = strings.TrimSpace(in.Note)
	}
	if due := next.CurrentDue(); !due.IsZero() {
		d["due"] = due
	}
	if len(d) == 0 {
		return nil
	}
	return d
}

// StatsQuery asks for complaint counts; fields as the client sent them.
type StatsQuery struct {
	GroupBy    string // comma-separated: category, region
	Level      string // the level of region groups; default one below the region's
	RegionCode string // default the caller's region
	Category   string
	From, To   string
}

// StatGroup is one group of ComplaintStats.
type StatGroup struct {
	Category   domain.ComplaintCategory `json:"category,omitempty"`
	RegionCode string                   `json:"region_code,omitempty"`
	RegionName string                   `json:"region_name,omitempty"`
	Total      int64                    `json:"total"`
	ByState    map[domain.State]int64   `json:"by_state"`
	Overdue    int64                    `json:"overdue"`
}

// ComplaintStats are case counts by state and overdue, grouped.
type ComplaintStats struct {
	RegionCode string        `json:"region_code"`
	GroupBy    []string      `json:"group_by"`
	Level      *domain.Level `json:"level"`
	At         time.Time     `json:"at"`
	Total      StatGroup     `json:"total"`
	Groups     []StatGroup   `json:"groups"`
}

// Stats counts the cases that accuse a region in the region's subtree
// (default the caller's; it must lie in the caller's subtree), by state and
// overdue, optionally grouped by category and by region at a level (default
// the level below the region's). A case counts for the region it accuses.
func (s *Complaints) Stats(ctx context.Context, actor domain.Actor, q StatsQuery) (ComplaintStats, error) {
	now := s.now()
	var v domain.Validation
	region := q.RegionCode
	if region == "" {
		region = actor.RegionCode
	}
	out := ComplaintStats{RegionCode: region, GroupBy: []string{}, At: now, Groups: []StatGroup{}}
	regionLevel, okRegion := domain.LevelOfCode(region)
	if !okRegion {
		v.AddValue("query.region_code", q.RegionCode, "not a region code")
	} else if _, err := s.Store.Read(ctx).Region(region); err != nil {
		if domain.ErrorCode(err) != domain.ENotFound {
			return out, err
		}
		v.AddValue("query.region_code", q.RegionCode, "no such region")
		okRegion = false
	}
	byCategory, byRegion := false, false
	if q.GroupBy != "" {
		for _, g := range strings.Split(q.GroupBy, ",") {
			switch g = strings.TrimSpace(g); g {
			case "category":
				byCategory = true
			case "region":
				byRegion = true
			default:
				v.AddValue("query.group_by", g, "must be category, region or both, comma-separated")
				continue
			}
			if !slices.Contains(out.GroupBy, g) {
				out.GroupBy = append(out.GroupBy, g)
			}
		}
	}
	level := min(regionLevel+1, domain.LevelVillage)
	if q.Level != "" {
		lv, ok := domain.ParseLevel(q.Level)
		switch {
		case !ok:
			v.AddValue("query.level", q.Level, "must be one of nation, province, prefecture, county, township, village")
		case okRegion && lv < regionLevel:
			v.AddValue("query.level", q.Level, "must be at or below the level of region %s (%s)", region, regionLevel)
		default:
			level = lv
		}
	}
	if q.Category != "" && !domain.ComplaintCategory(q.Category).Valid() {
		v.AddValue("query.category", q.Category, "must be one of %v", domain.ComplaintCategories)
	}
	f := store.ComplaintFilter{Now: now, Category: domain.ComplaintCategory(q.Category),
		From: parseInstant(&v, "query.from", q.From), To: parseInstant(&v, "query.to", q.To)}
	if err := v.Err(); err != nil {
		return out, err
	}
	if err := s.Authz.Check(actor, "complaint_stats", "read", region); err != nil {
		return out, err
	}
	regionLen := 0
	if byRegion {
		out.Level = &level
		if level != domain.LevelNation {
			regionLen = domain.CodeLength(level)
		}
	}
	read := s.Store.Read(ctx)
	rows, err := read.ComplaintStats(region, f, byCategory, regionLen)
	if err != nil {
		return out, err
	}
	type key struct{ cat, reg string }
	groups := map[key]*StatGroup{}
	var keys []key
	out.Total.ByState = map[domain.State]int64{}
	for _, r := range rows {
		k := key{r.Category, r.Region}
		if byRegion && level == domain.LevelNation {
			k.reg = domain.NationCode
		}
		g := groups[k]
		if g == nil {
			g = &StatGroup{Category: domain.ComplaintCategory(k.cat), RegionCode: k.reg, ByState: map[domain.State]int64{}}
			groups[k] = g
			keys = append(keys, k)
		}
		for _, t := range []*StatGroup{g, &out.Total} {
			t.Total += r.N
			t.ByState[domain.State(r.State)] += r.N
			if r.Overdue {
				t.Overdue += r.N
			}
		}
	}
	if !byCategory && !byRegion {
		return out, nil
	}
	slices.SortFunc(keys, func(a, b key) int {
		if c := strings.Compare(a.reg, b.reg); c != 0 {
			return c
		}
		return strings.Compare(a.cat, b.cat)
	})
	var codes []string
	for _, k := range keys {
		if k.reg != "" && !slices.Contains(codes, k.reg) {
			codes = append(codes, k.reg)
		}
	}
	names, err := read.RegionNames(codes)
	if err != nil {
		return out, err
	}
	for _, k := range keys {
		g := groups[k]
		g.RegionName = names[k.reg]
		out.Groups = append(out.Groups, *g)
	}
	return out, nil
}
