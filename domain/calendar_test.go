package domain_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/ducha/ducha/domain"
)

func date(s string) domain.CivilDate {
	d, err := domain.ParseCivilDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// at parses "2006-01-02 15:04" in China time.
func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, domain.ChinaTime)
	if err != nil {
		panic(err)
	}
	return t
}

// nationalDay2025 is the 2025 National Day and Mid-Autumn holiday: October
// 1–8 off; Sunday September 28 and Saturday October 11 worked.
//
//	Fri 9-26 W · Sat 9-27 off · Sun 9-28 W · Mon 9-29 W · Tue 9-30 W ·
//	Wed 10-1 … Wed 10-8 off · Thu 10-9 W · Fri 10-10 W · Sat 10-11 W ·
//	Sun 10-12 off · Mon 10-13 W
func nationalDay2025(t testing.TB) *domain.Calendar {
	var hol []domain.CivilDate
	for d := date("2025-10-01"); d.Compare(date("2025-10-08")) <= 0; d = d.AddDays(1) {
		hol = append(hol, d)
	}
	c, err := domain.NewCalendar(nil, hol, []domain.CivilDate{date("2025-09-28"), date("2025-10-11")})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestIsWorkingDay(t *testing.T) {
	c := nationalDay2025(t)
	for s, want := range map[string]bool{
		"2025-09-26": true, "2025-09-27": false, "2025-09-28": true, "2025-09-30": true,
		"2025-10-01": false, "2025-10-04": false, "2025-10-06": false, "2025-10-08": false,
		"2025-10-09": true, "2025-10-11": true, "2025-10-12": false, "2025-10-13": true,
	} {
		if got := c.IsWorkingDate(date(s)); got != want {
			t.Errorf("IsWorkingDate(%s) = %v, want %v", s, got, want)
		}
	}
	// The date is read in China time: 2025-09-30 17:00 UTC is October 1 in Beijing.
	if c.IsWorkingDay(time.Date(2025, 9, 30, 17, 0, 0, 0, time.UTC)) {
		t.Error("2025-10-01 01:00 +08:00 counted as a working day")
	}
	if !c.IsWorkingDay(time.Date(2025, 9, 30, 15, 59, 0, 0, time.UTC)) {
		t.Error("2025-09-30 23:59 +08:00 not counted as a working day")
	}
	var zero *domain.Calendar
	if zero.IsWorkingDate(date("2025-10-01")) != true || zero.IsWorkingDate(date("2025-10-04")) != false {
		t.Error("nil calendar is not plain Monday to Friday")
	}
}

func TestAddWorkingDays(t *testing.T) {
	c := nationalDay2025(t)
	for _, tc := range []struct {
		start string
		n     int
		want  string
	}{
		// n = 0 is start itself, working day or not.
		{"2025-09-30 10:00", 0, "2025-09-30 10:00"},
		{"2025-10-03 14:30", 0, "2025-10-03 14:30"},
		// Across the holiday.
		{"2025-09-30 10:00", 1, "2025-10-09 10:00"},
		{"2025-09-29 09:00", 3, "2025-10-10 09:00"},
		{"2025-10-09 16:00", 2, "2025-10-11 16:00"}, // the swapped Saturday counts
		{"2025-10-10 16:00", 2, "2025-10-13 16:00"},
		{"2025-09-26 15:00", 1, "2025-09-28 15:00"}, // Friday → the swapped Sunday
		{"2025-09-26 15:00", 15, "2025-10-23 15:00"},
		// From a day off: the end of the n-th working day after it.
		{"2025-10-03 14:30", 1, "2025-10-10 00:00"},
		{"2025-10-03 14:30", 2, "2025-10-11 00:00"},
		{"2025-09-27 08:00", 1, "2025-09-29 00:00"},
		{"2025-10-12 23:59", 1, "2025-10-14 00:00"},
		// An ordinary weekend.
		{"2025-06-06 16:00", 1, "2025-06-09 16:00"},
		{"2025-06-07 10:00", 1, "2025-06-10 00:00"},
		{"2025-06-06 00:00", 1, "2025-06-07 00:00"}, // the whole of Friday: due at its end
		// Backwards, for reminders.
		{"2025-10-09 10:00", -1, "2025-09-30 10:00"},
		{"2025-10-13 09:00", -3, "2025-10-09 09:00"},
		{"2025-10-05 10:00", -1, "2025-09-30 00:00"},
	} {
		got := c.AddWorkingDays(at(tc.start), tc.n)
		if !got.Equal(at(tc.want)) {
			t.Errorf("AddWorkingDays(%s, %d) = %s, want %s", tc.start, tc.n, got.Format(time.DateTime), tc.want)
		}
		if got.Location() != domain.ChinaTime {
			t.Errorf("AddWorkingDays(%s, %d) in %s", tc.start, tc.n, got.Location())
		}
	}
	// A start given in another zone is read in China time.
	got := c.AddWorkingDays(time.Date(2025, 9, 30, 2, 0, 0, 0, time.UTC), 1)
	if !got.Equal(at("2025-10-09 10:00")) {
		t.Errorf("UTC start: %s", got)
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	c := nationalDay2025(t)
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"2025-09-30 10:00", "2025-10-09 10:00", 1},
		{"2025-10-09 10:00", "2025-09-30 10:00", -1},
		{"2025-09-30 10:00", "2025-10-09 09:59", 0},
		{"2025-09-26 00:00", "2025-10-13 00:00", 7}, // 9-26, 9-28, 9-29, 9-30, 10-9, 10-10, 10-11
		{"2025-10-01 00:00", "2025-10-09 00:00", 0},
		{"2025-10-01 00:00", "2025-10-10 00:00", 1},
		{"2025-06-06 12:00", "2025-06-09 12:00", 1},
		{"2025-06-06 12:00", "2025-06-06 12:00", 0},
	} {
		if got := c.WorkingDaysBetween(at(tc.a), at(tc.b)); got != tc.want {
			t.Errorf("WorkingDaysBetween(%s, %s) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	if got := c.WorkingTime(at("2025-09-30 16:00"), at("2025-10-09 12:00")); got != 20*time.Hour {
		t.Errorf("WorkingTime over the holiday = %s, want 20h", got)
	}
}

func TestPausedDeadline(t *testing.T) {
	c := nationalDay2025(t)
	start := at("2025-09-29 10:00") // unpaused, 3 working days: 2025-10-10 10:00
	p := func(from, to string) domain.Pause {
		var t time.Time
		if to != "" {
			t = at(to)
		}
		return domain.Pause{From: at(from), To: t}
	}
	for _, tc := range []struct {
		name   string
		pauses []domain.Pause
		want   string
	}{
		{"none", nil, "2025-10-10 10:00"},
		// 8 h of 9-30 and 12 h of 10-9 are working time; the holiday between is not.
		{"spanning the holiday", []domain.Pause{p("2025-09-30 16:00", "2025-10-09 12:00")}, "2025-10-11 06:00"},
		{"inside the holiday", []domain.Pause{p("2025-10-02 09:00", "2025-10-06 18:00")}, "2025-10-10 10:00"},
		{"before start", []domain.Pause{p("2025-09-26 09:00", "2025-09-29 09:00")}, "2025-10-10 10:00"},
		{"straddling start", []domain.Pause{p("2025-09-26 09:00", "2025-09-29 12:00")}, "2025-10-10 12:00"},
		{"at the deadline", []domain.Pause{p("2025-10-10 10:00", "2025-10-10 15:00")}, "2025-10-10 10:00"},
		{"after the deadline", []domain.Pause{p("2025-10-10 11:00", "2025-10-13 15:00")}, "2025-10-10 10:00"},
		{"just before the deadline", []domain.Pause{p("2025-10-10 09:00", "2025-10-10 15:00")}, "2025-10-10 16:00"},
		{"overlapping, out of order", []domain.Pause{
			p("2025-09-29 14:00", "2025-09-29 18:00"),
			p("2025-09-29 12:00", "2025-09-29 16:00"),
			p("2025-09-29 13:00", "2025-09-29 13:30"),
		}, "2025-10-10 16:00"},
		{"empty and reversed", []domain.Pause{p("2025-09-30 12:00", "2025-09-30 12:00"), p("2025-09-30 15:00", "2025-09-30 14:00")},
			"2025-10-10 10:00"},
		// 70 h run before the pause; the last 2 h fall on the swapped Saturday.
		{"onto the swapped Saturday", []domain.Pause{p("2025-10-10 08:00", "2025-10-11 20:00")}, "2025-10-11 22:00"},
		{"over a weekend", []domain.Pause{p("2025-10-10 08:00", "2025-10-11 23:00")}, "2025-10-13 01:00"},
		{"open, before the deadline", []domain.Pause{p("2025-10-09 08:00", "")}, ""},
		{"open, after the deadline", []domain.Pause{p("2025-10-10 10:00", "")}, "2025-10-10 10:00"},
	} {
		got := c.PausedDeadline(start, 3, tc.pauses)
		if tc.want == "" {
			if !got.IsZero() {
				t.Errorf("%s: %s, want no deadline", tc.name, got)
			}
			continue
		}
		if !got.Equal(at(tc.want)) {
			t.Errorf("%s: PausedDeadline = %s, want %s", tc.name, got.Format(time.DateTime), tc.want)
		}
	}
	// Closing an open pause at now gives a deadline after now.
	now := at("2025-10-10 09:00")
	if got := c.PausedDeadline(start, 3, []domain.Pause{p("2025-10-09 08:00", "2025-10-10 09:00")}); !got.After(now) {
		t.Errorf("pause closed at now: deadline %s not after now", got)
	}
	if got := c.PausedDeadline(start, 0, []domain.Pause{p("2025-09-29 08:00", "2025-09-30 08:00")}); !got.Equal(start) {
		t.Errorf("n=0 with a pause: %s", got)
	}
}

func TestDeadlineRule(t *testing.T) {
	c := nationalDay2025(t)
	start := at("2025-09-30 10:00")
	for _, tc := range []struct {
		rule domain.Deadline
		cal  *domain.Calendar
		want string
	}{
		{domain.Deadline{Days: 1}, c, "2025-10-01 10:00"},
		{domain.Deadline{Days: 15}, c, "2025-10-15 10:00"},
		{domain.Deadline{Days: 3, Working: true}, c, "2025-10-11 10:00"},   // 10-9, 10-10, the swapped 10-11
		{domain.Deadline{Days: 3, Working: true}, nil, "2025-10-03 10:00"}, // no holidays known
		{domain.Deadline{Days: 0, Working: true}, c, "2025-09-30 10:00"},
	} {
		if got := tc.rule.Due(tc.cal, start); !got.Equal(at(tc.want)) {
			t.Errorf("%s (calendar %v): %s, want %s", tc.rule, tc.cal != nil, got.Format(time.DateTime), tc.want)
		}
	}
	// Calendar days count every paused hour, holiday or not.
	pause := []domain.Pause{{From: at("2025-10-02 09:00"), To: at("2025-10-03 15:00")}}
	if got := (domain.Deadline{Days: 3}).DueWithPauses(c, start, pause); !got.Equal(at("2025-10-04 16:00")) {
		t.Errorf("calendar days with a pause: %s", got.Format(time.DateTime))
	}
	if got := (domain.Deadline{Days: 3, Working: true}).DueWithPauses(c, start, pause); !got.Equal(at("2025-10-11 10:00")) {
		t.Errorf("working days with a pause in the holiday: %s", got.Format(time.DateTime))
	}
	var d domain.Deadline
	if err := json.Unmarshal([]byte(`{"days":15,"working":true}`), &d); err != nil || d != (domain.Deadline{Days: 15, Working: true}) {
		t.Errorf("Deadline JSON: %+v, %v", d, err)
	}
}

func TestNewCalendarRefuses(t *testing.T) {
	_, err := domain.NewCalendar(nil,
		[]domain.CivilDate{{Year: 2025, Month: 2, Day: 30}, date("2025-10-01")},
		[]domain.CivilDate{date("2025-10-01"), date("2025-09-29"), date("2025-09-28")})
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.EInvalid || len(de.Fields) != 3 {
		t.Fatalf("NewCalendar = %v, want 3 field errors", err)
	}
	for i, want := range []string{"holidays[0]", "swapped_workdays[0]", "swapped_workdays[1]"} {
		if de.Fields[i].Location != want {
			t.Errorf("field %d = %s, want %s", i, de.Fields[i].Location, want)
		}
	}
}

func TestCivilDate(t *testing.T) {
	d := date("2025-12-31")
	if d.AddDays(1) != date("2026-01-01") || d.AddDays(-365) != date("2024-12-31") || d.String() != "2025-12-31" {
		t.Errorf("date arithmetic: %s %s", d.AddDays(1), d.AddDays(-365))
	}
	if _, err := domain.ParseCivilDate("2025-02-30"); err == nil {
		t.Error("2025-02-30 parsed")
	}
	var got []domain.CivilDate
	if err := json.Unmarshal([]byte(`["2025-10-01","2025-10-08"]`), &got); err != nil || got[1] != date("2025-10-08") {
		t.Errorf("JSON dates: %v, %v", got, err)
	}
	b, _ := json.Marshal(date("2025-09-28"))
	if string(b) != `"2025-09-28"` {
		t.Errorf("JSON date: %s", b)
	}
}

// TestCalendarProperties checks the contracts on random starts, day counts
// and pauses around the 2025 National Day holiday.
func TestCalendarProperties(t *testing.T) {
	c := nationalDay2025(t)
	base := at("2025-09-20 00:00")
	instant := func(t *rapid.T, label string) time.Time {
		return base.Add(time.Duration(rapid.IntRange(0, 40*24*60).Draw(t, label)) * time.Minute)
	}
	rapid.Check(t, func(t *rapid.T) {
		start := instant(t, "start")
		n := rapid.IntRange(0, 20).Draw(t, "n")
		due := c.AddWorkingDays(start, n)
		if due.Before(start) || c.WorkingDaysBetween(start, due) != n || c.WorkingTime(start, due) != time.Duration(n)*24*time.Hour {
			t.Fatalf("AddWorkingDays(%s, %d) = %s", start, n, due)
		}
		// Earliest: a minute earlier is short of n days.
		if n > 0 && c.WorkingTime(start, due.Add(-time.Minute)) >= time.Duration(n)*24*time.Hour {
			t.Fatalf("AddWorkingDays(%s, %d) = %s is not the earliest", start, n, due)
		}
		if back := c.AddWorkingDays(due, -n); c.IsWorkingDay(start) && n > 0 && !back.Equal(start) {
			t.Fatalf("AddWorkingDays(%s, %d) then back = %s", start, n, back)
		}
		// With pauses: never earlier, and the unpaused working time equals n days.
		var pauses []domain.Pause
		for i := rapid.IntRange(0, 3).Draw(t, "pauses"); i > 0; i-- {
			a, b := instant(t, "from"), instant(t, "to")
			pauses = append(pauses, domain.Pause{From: a, To: b})
		}
		pd := c.PausedDeadline(start, n, pauses)
		if pd.Before(due) {
			t.Fatalf("paused deadline %s before unpaused %s", pd, due)
		}
		if got := c.WorkingTime(start, pd) - pausedWorking(c, start, pd, pauses); got != time.Duration(n)*24*time.Hour {
			t.Fatalf("PausedDeadline(%s, %d, %v) = %s counts %s", start, n, pauses, pd, got)
		}
	})
}

// pausedWorking is the working time in [a, b) covered by at least one pause,
// by brute force over minutes.
func pausedWorking(c *domain.Calendar, a, b time.Time, pauses []domain.Pause) time.Duration {
	var sum time.Duration
	for m := a; m.Before(b); m = m.Add(time.Minute) {
		if !c.IsWorkingDay(m) {
			continue
		}
		for _, p := range pauses {
			if !m.Before(p.From) && m.Before(p.To) {
				sum += time.Minute
				break
			}
		}
	}
	return sum
}
