package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/store"
	"github.com/ducha/ducha/testenv"
)

// These run on SQLite and, with DUCHA_TEST_MYSQL set, on MySQL.

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func newCase(accused string, cat domain.ComplaintCategory) store.ComplaintRecord {
	c := domain.Complaint{State: domain.ComplaintReceived, Channel: domain.ChannelHotline, ReceivedAt: t0,
		Category: cat, OccurredRegionCode: accused, AccusedRegionCode: accused, Summary: "s",
		Rules: domain.DefaultComplaintRules()[cat], Assign: domain.PhaseClock{StartedAt: t0, Due: t0.Add(24 * time.Hour)},
		CreatedAt: t0, UpdatedAt: t0}
	return store.ComplaintRecord{Complaint: c}
}

func create(t *testing.T, s *store.Store, r store.ComplaintRecord) int64 {
	t.Helper()
	var id int64
	err := s.Tx(context.Background(), func(tx *store.Tx) (err error) {
		id, err = tx.CreateComplaint(r)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestComplaintRoundTrip(t *testing.T) {
	s := testenv.Store(t)
	r := newCase("510104", domain.CategoryIllegalFees)
	r.SealedName, r.SealedPhone, r.IdempotencyKey, r.BodyHash = "v1:name", "v1:phone", "key-1", "hash"
	sat := false
	r.Complaint.CallbackSatisfied = &sat
	r.Complaint.Pauses = []domain.Pause{{From: t0, To: t0.Add(time.Hour)}, {From: t0.Add(2 * time.Hour)}}
	r.Complaint.CreatedBy = 7
	id := create(t, s, r)
	got, err := s.Read(context.Background()).Complaint(id)
	if err != nil {
		t.Fatal(err)
	}
	c := got.Complaint
	if c.ID != id || c.State != domain.ComplaintReceived || c.Version != 1 || !c.ReceivedAt.Equal(t0) ||
		got.SealedName != "v1:name" || got.SealedPhone != "v1:phone" || got.IdempotencyKey != "key-1" ||
		got.BodyHash != "hash" || c.CallbackSatisfied == nil || *c.CallbackSatisfied || len(c.Pauses) != 2 ||
		!c.Pauses[1].To.IsZero() || !c.Assign.Due.Equal(t0.Add(24*time.Hour)) || c.Rules.Resolve.Days != 15 ||
		c.CreatedBy != 7 || c.Escalations == nil {
		t.Errorf("round trip: %+v", got)
	}
	if _, err := s.Read(context.Background()).Complaint(id + 100); domain.ErrorCode(err) != domain.ENotFound {
		t.Errorf("missing complaint: %v", err)
	}
	// The same user's key again is refused by the unique index.
	err = s.Tx(context.Background(), func(tx *store.Tx) error { _, err := tx.CreateComplaint(r); return err })
	if !errors.Is(err, store.ErrIntakeKeyTaken) {
		t.Errorf("second use of a key: %v", err)
	}
	r.Complaint.CreatedBy = 8
	create(t, s, r) // another user's key space
	byKey, err := s.Read(context.Background()).ComplaintByIntakeKey(7, "key-1")
	if err != nil || byKey.ID != id {
		t.Errorf("by key: %v %v", byKey.ID, err)
	}
}

// TestEscalationOnce races many transactions to record the same escalation:
// exactly one records it.
func TestEscalationOnce(t *testing.T) {
	s := testenv.Store(t)
	id := create(t, s, newCase("510104", domain.CategoryOther))
	e := domain.ComplaintEscalation{At: t0, Phase: domain.PhaseAssign, Due: t0.Add(24 * time.Hour), Period: 1,
		FromCode: "510104", ToCode: "5101"}
	var wg sync.WaitGroup
	var mu sync.Mutex
	inserted := 0
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.Tx(context.Background(), func(tx *store.Tx) error {
				ok, err := tx.AddEscalation(id, e)
				if ok {
					mu.Lock()
					inserted++
					mu.Unlock()
				}
				return err
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if inserted != 1 {
		t.Errorf("%d transactions recorded the escalation", inserted)
	}
	// Another period, or another deadline, is another escalation.
	for _, other := range []domain.ComplaintEscalation{
		{At: t0, Phase: domain.PhaseAssign, Due: e.Due, Period: 2, FromCode: "5101", ToCode: "51"},
		{At: t0, Phase: domain.PhaseResolve, Due: e.Due, Period: 1, FromCode: "5101", ToCode: "51"},
	} {
		if ok, err := s.Read(context.Background()).AddEscalation(id, other); !ok || err != nil {
			t.Errorf("%+v: %v %v", other, ok, err)
		}
	}
	got, err := s.Read(context.Background()).Complaint(id)
	if err != nil || len(got.Escalations) != 3 || got.Escalations[0].ToLevel != domain.LevelPrefecture {
		t.Errorf("escalations %+v %v", got.Escalations, err)
	}
	if ok, err := s.Read(context.Background()).AddReminder(id, domain.PhaseAssign, e.Due, t0); !ok || err != nil {
		t.Errorf("first reminder %v %v", ok, err)
	}
	if ok, err := s.Read(context.Background()).AddReminder(id, domain.PhaseAssign, e.Due, t0.Add(time.Minute)); ok || err != nil {
		t.Errorf("second reminder %v %v", ok, err)
	}
}

func TestComplaintCounts(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	add := func(accused string, cat domain.ComplaintCategory, state domain.State, finding domain.ComplaintFinding, received time.Time) {
		r := newCase(accused, cat)
		r.Complaint.State, r.Complaint.Finding, r.Complaint.ReceivedAt = state, finding, received
		create(t, s, r)
	}
	in := t0.Add(-10 * 24 * time.Hour)
	add("510104", domain.CategoryIllegalFees, domain.ComplaintClosed, domain.FindingSubstantiated, in)
	add("510104", domain.CategoryIllegalFees, domain.ComplaintResolved, domain.FindingUnsubstantiated, in)
	add("510105", domain.CategoryOther, domain.ComplaintClosed, domain.FindingSubstantiated, in) // "other" never vetoes
	add("5101", domain.CategoryViciousCase, domain.ComplaintInvestigating, "", in)
	add("440103", domain.CategoryViciousCase, domain.ComplaintClosed, domain.FindingSubstantiated, in) // Guangdong
	add("510104", domain.CategoryForcedReturnCheck, domain.ComplaintClosed, domain.FindingSubstantiated,
		t0.Add(-400*24*time.Hour)) // before the window

	f, err := s.Read(ctx).ComplaintCounts("51", t0.Add(-30*24*time.Hour), t0)
	if err != nil {
		t.Fatal(err)
	}
	if f.Total != (store.ComplaintCount{Received: 4, Open: 2, Closed: 2, Substantiated: 2, Unsubstantiated: 1}) {
		t.Errorf("Sichuan total %+v", f.Total)
	}
	if got := f.ByCategory[domain.CategoryIllegalFees]; got != (store.ComplaintCount{Received: 2, Open: 1, Closed: 1,
		Substantiated: 1, Unsubstantiated: 1}) {
		t.Errorf("illegal fees %+v", got)
	}
	if len(f.ByCategory) != len(domain.ComplaintCategories) || f.ByCategory[domain.CategoryCrossProvinceStation].Received != 0 {
		t.Errorf("by category %+v", f.ByCategory)
	}
	if f.VetoSubstantiated != 1 || !f.Veto() {
		t.Errorf("veto input %d", f.VetoSubstantiated)
	}
	// A county without substantiated prohibited cases in the window: no veto.
	f, err = s.Read(ctx).ComplaintCounts("510105", t0.Add(-30*24*time.Hour), t0)
	if err != nil || f.Veto() || f.Total.Substantiated != 1 {
		t.Errorf("510105: %+v %v", f, err)
	}
	// Open bounds and the whole nation.
	f, err = s.Read(ctx).ComplaintCounts("0", time.Time{}, time.Time{})
	if err != nil || f.Total.Received != 6 || f.VetoSubstantiated != 3 {
		t.Errorf("nation: %+v %v", f, err)
	}
}

func TestCalendarYear(t *testing.T) {
	s := testenv.Store(t)
	ctx := context.Background()
	d := func(x string) domain.CivilDate { v, _ := domain.ParseCivilDate(x); return v }
	err := s.Tx(ctx, func(tx *store.Tx) error {
		return tx.ReplaceCalendarYear(2025, []domain.CivilDate{d("2025-10-02"), d("2025-10-01")}, []domain.CivilDate{d("2025-09-28")})
	})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Tx(ctx, func(tx *store.Tx) error {
		return tx.ReplaceCalendarYear(2025, []domain.CivilDate{d("2025-10-01"), d("2025-10-03")}, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	hol, work, err := s.Read(ctx).CalendarYear(2025)
	if err != nil || len(hol) != 2 || hol[0] != d("2025-10-01") || hol[1] != d("2025-10-03") || len(work) != 0 {
		t.Errorf("2025 after replace: %v %v %v", hol, work, err)
	}
	cal, err := s.Read(ctx).Calendar()
	if err != nil || cal.IsWorkingDate(d("2025-10-03")) || !cal.IsWorkingDate(d("2025-10-02")) {
		t.Errorf("calendar: %v", err)
	}
}
