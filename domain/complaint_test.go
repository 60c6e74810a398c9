package domain_test

import (
	"testing"

	"github.com/ducha/ducha/domain"
)

func TestNormalizePhone(t *testing.T) {
	for in, want := range map[string]string{
		"13812345678":       "13812345678",
		"138 1234 5678":     "13812345678",
		"138-1234-5678":     "13812345678",
		"+86 138 1234 5678": "13812345678",
		"008613812345678":   "13812345678",
		"19912345678":       "19912345678",
		"010-12345678":      "01012345678",
		"(0755) 8765 4321":  "075587654321",
		"0571-8765432":      "05718765432",
		"12812345678":       "", // no 12x mobiles
		"1381234567":        "", // ten digits
		"138123456789":      "",
		"010-1234567":       "", // a local number starts with 2 to 9
		"010-0234567":       "",
		"+1 415 555 0100":   "",
		"13812345678x":      "",
		"":                  "",
	} {
		got, ok := domain.NormalizePhone(in)
		if ok != (want != "") || got != want {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func TestMasking(t *testing.T) {
	for in, want := range map[string]string{"张三": "张*", "欧阳娜娜": "欧***", "李": "*", "": "", " 王五 ": "王*", "John Smith": "J*********"} {
		if got := domain.MaskName(in); got != want {
			t.Errorf("MaskName(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"13812345678": "138****5678", "01012345678": "010****5678",
		"075587654321": "075*****4321", "12345": "***45", "": ""} {
		if got := domain.MaskPhone(in); got != want {
			t.Errorf("MaskPhone(%q) = %q, want %q", in, got, want)
		}
	}
	c := domain.Complainant{Name: "张三", Phone: "13812345678"}.Masked()
	if c.Name != "张*" || c.Phone != "138****5678" {
		t.Errorf("Masked = %+v", c)
	}
}

func TestPhaseOfEveryState(t *testing.T) {
	m := domain.ComplaintMachine()
	for _, s := range m.States {
		p := domain.PhaseOf(s)
		if (p == "") != m.IsFinal(s) {
			t.Errorf("state %s: phase %q", s, p)
		}
	}
}

func TestCategories(t *testing.T) {
	vetoes := map[domain.ComplaintCategory]bool{domain.CategoryCrossProvinceStation: true, domain.CategoryForcedReturnCheck: true,
		domain.CategoryIllegalFees: true, domain.CategoryViciousCase: true, domain.CategoryOther: false}
	for c, want := range vetoes {
		if !c.Valid() || c.Vetoes() != want {
			t.Errorf("%s: valid %v vetoes %v", c, c.Valid(), c.Vetoes())
		}
	}
	if domain.ComplaintCategory("fees").Valid() || domain.ComplaintChannel("fax").Valid() || !domain.ChannelVisit.Valid() {
		t.Error("validity of unknown values")
	}
	for c, r := range domain.DefaultComplaintRules() {
		if err := r.Validate(); err != nil {
			t.Errorf("default rules of %s: %v", c, err)
		}
	}
	if err := (domain.ComplaintRules{}).Validate(); err == nil {
		t.Error("zero-day rules accepted")
	}
}

func TestEscalationPath(t *testing.T) {
	c := domain.Complaint{AccusedRegionCode: "510104"}
	var path []string
	for from := c.EscalationFrom(); ; {
		to, ok := domain.EscalationTarget(from)
		if !ok {
			break
		}
		path = append(path, to)
		c.EscalationRegionCode = to
		from = c.EscalationFrom()
	}
	if got := len(path); got != 3 || path[0] != "5101" || path[1] != "51" || path[2] != "0" {
		t.Errorf("escalation path from a county = %v", path)
	}
	// Assigned elsewhere, the case starts again from its assignee.
	c = domain.Complaint{AccusedRegionCode: "510104", AssigneeRegionCode: "440103", EscalationRegionCode: "5101"}
	if got := c.EscalationFrom(); got != "440103" {
		t.Errorf("EscalationFrom after reassignment = %s", got)
	}
	c.EscalationRegionCode = "44"
	if got := c.EscalationFrom(); got != "44" {
		t.Errorf("EscalationFrom under the raised region = %s", got)
	}
	if got := domain.ViciousTargets("440103"); len(got) != 2 || got[0] != "44" || got[1] != "0" {
		t.Errorf("ViciousTargets(county) = %v", got)
	}
	if got := domain.ViciousTargets("44"); len(got) != 1 || got[0] != "0" {
		t.Errorf("ViciousTargets(province) = %v", got)
	}
}

// TestComplaintDeadlines runs a case's clocks across the 2025 National Day
// holiday (October 1–8 off, Sunday September 28 and Saturday October 11
// worked).
func TestComplaintDeadlines(t *testing.T) {
	cal := nationalDay2025(t)
	rules := domain.DefaultComplaintRules()[domain.CategoryIllegalFees]
	c := domain.Complaint{State: domain.ComplaintReceived, Rules: rules,
		Assign: domain.PhaseClock{StartedAt: at("2025-09-30 10:00")}}
	c.Recompute(cal)
	if want := at("2025-10-09 10:00"); !c.CurrentDue().Equal(want) {
		t.Fatalf("assign due %s, want %s (the holiday does not count)", c.CurrentDue().In(domain.ChinaTime), want)
	}
	// Assigned on Thursday 10-09 at 11:00: 15 working days, the swapped
	// Saturday 10-11 among them: 10-10, 10-11, 10-13 … 10-17, 10-20 … 10-24, 10-27 … 10-29.
	c.State = domain.ComplaintAssigned
	c.Assign.DoneAt = at("2025-10-09 11:00")
	c.Resolve = domain.PhaseClock{StartedAt: at("2025-10-09 11:00")}
	c.Recompute(cal)
	if want := at("2025-10-29 11:00"); !c.CurrentDue().Equal(want) {
		t.Fatalf("resolve due %s, want %s", c.CurrentDue().In(domain.ChinaTime), want)
	}
	// Waiting on the complainant stops the clock…
	c.State = domain.ComplaintWaitingComplainant
	c.Pauses = []domain.Pause{{From: at("2025-10-13 11:00")}}
	c.Recompute(cal)
	if !c.CurrentDue().IsZero() || c.Overdue(at("2025-12-31 00:00")) {
		t.Fatalf("paused: due %s", c.CurrentDue())
	}
	// …and two working days waiting push the deadline two working days back.
	c.State = domain.ComplaintInvestigating
	c.Pauses[0].To = at("2025-10-15 11:00")
	c.Recompute(cal)
	if want := at("2025-10-31 11:00"); !c.CurrentDue().Equal(want) {
		t.Fatalf("resolve due after the pause %s, want %s", c.CurrentDue().In(domain.ChinaTime), want)
	}
	// An approved extension of 3 days adds three more working days.
	c.ExtensionDays = 3
	c.Recompute(cal)
	if want := at("2025-11-05 11:00"); !c.CurrentDue().Equal(want) {
		t.Fatalf("resolve due with the extension %s, want %s", c.CurrentDue().In(domain.ChinaTime), want)
	}
	if !c.Overdue(at("2025-11-05 11:01")) || c.Overdue(at("2025-11-05 11:00")) {
		t.Error("overdue flag at the deadline")
	}
	// Reminders: a working day before a longer deadline, halfway through
	// the working time for a one-day one.
	if got := domain.ReminderAt(cal, rules.Resolve, at("2025-10-09 11:00"), at("2025-10-29 11:00")); !got.Equal(at("2025-10-28 11:00")) {
		t.Errorf("reminder of the resolve deadline at %s", got.In(domain.ChinaTime))
	}
	if got := domain.ReminderAt(cal, rules.Assign, at("2025-09-30 10:00"), at("2025-10-09 10:00")); !got.Equal(at("2025-09-30 22:00")) {
		t.Errorf("reminder of the assign deadline at %s", got.In(domain.ChinaTime))
	}
	// Overdue periods: each one more full rule later, on the calendar.
	if got := domain.NextPeriod(cal, rules.Assign, at("2025-09-30 10:00")); !got.Equal(at("2025-10-09 10:00")) {
		t.Errorf("next period %s", got.In(domain.ChinaTime))
	}
}
