package domain

import (
	"fmt"
	"slices"
	"time"
)

// ChinaTime is China Standard Time, a fixed UTC+08:00, so that no tzdata is
// needed. Mainland China has kept +08:00 without daylight saving since 1991,
// so for any later date it agrees with the tz database's Asia/Shanghai.
var ChinaTime = time.FixedZone("Asia/Shanghai", 8*60*60)

const day = 24 * time.Hour

// CivilDate is a date on the calendar, without a time or a zone.
type CivilDate struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the date of t in loc (ChinaTime when loc is nil).
func DateOf(t time.Time, loc *time.Location) CivilDate {
	if loc == nil {
		loc = ChinaTime
	}
	y, m, d := t.In(loc).Date()
	return CivilDate{y, m, d}
}

// ParseCivilDate parses "2006-01-02".
func ParseCivilDate(s string) (CivilDate, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return CivilDate{}, fmt.Errorf("date %q: want YYYY-MM-DD", s)
	}
	return DateOf(t, time.UTC), nil
}

// String formats d as "2006-01-02".
func (d CivilDate) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// MarshalText lets a CivilDate travel as "2006-01-02".
func (d CivilDate) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses "2006-01-02".
func (d *CivilDate) UnmarshalText(b []byte) error {
	v, err := ParseCivilDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Valid reports whether d names a real day (not 2025-02-30).
func (d CivilDate) Valid() bool { return DateOf(d.midnight(time.UTC), time.UTC) == d }

// AddDays returns the date n days after d (before, for negative n).
func (d CivilDate) AddDays(n int) CivilDate {
	return DateOf(d.midnight(time.UTC).AddDate(0, 0, n), time.UTC)
}

// Weekday returns d's day of the week.
func (d CivilDate) Weekday() time.Weekday { return d.midnight(time.UTC).Weekday() }

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d CivilDate) Compare(e CivilDate) int {
	return d.midnight(time.UTC).Compare(e.midnight(time.UTC))
}

func (d CivilDate) midnight(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// Calendar tells working days from days off: Monday to Friday work, Saturday
// and Sunday are off, except for the configured public holidays (法定节假日,
// days off even on a weekday) and swapped working days (调休, weekend days
// that are worked). Dates are read in the calendar's location.
//
// The zero Calendar, and a nil *Calendar, count Monday to Friday in
// ChinaTime. A Calendar is immutable and safe for concurrent use.
//
// Durations ("working time") are measured on the wall clock of the
// location: each working day counts 24 hours, from 00:00 to 24:00. In a
// fixed zone such as ChinaTime that is real elapsed time.
type Calendar struct {
	loc      *time.Location
	holidays map[CivilDate]bool
	swapped  map[CivilDate]bool
}

// NewCalendar returns a calendar in loc (ChinaTime when nil) with the given
// public holidays and swapped working days. It refuses, as an EInvalid
// *Error naming each offending entry, a date that is not a real day, a date
// in both lists, and a swapped working day that is not a Saturday or Sunday.
// A holiday that falls on a weekend is accepted (official holiday lists
// include them) and changes nothing.
func NewCalendar(loc *time.Location, holidays, swappedWorkdays []CivilDate) (*Calendar, error) {
	if loc == nil {
		loc = ChinaTime
	}
	c := &Calendar{loc: loc, holidays: map[CivilDate]bool{}, swapped: map[CivilDate]bool{}}
	var v Validation
	for i, d := range holidays {
		if !d.Valid() {
			v.AddValue(fmt.Sprintf("holidays[%d]", i), d, "not a date")
			continue
		}
		c.holidays[d] = true
	}
	for i, d := range swappedWorkdays {
		switch {
		case !d.Valid():
			v.AddValue(fmt.Sprintf("swapped_workdays[%d]", i), d, "not a date")
		case c.holidays[d]:
			v.AddValue(fmt.Sprintf("swapped_workdays[%d]", i), d.String(), "%s is also a holiday", d)
		case d.Weekday() != time.Saturday && d.Weekday() != time.Sunday:
			v.AddValue(fmt.Sprintf("swapped_workdays[%d]", i), d.String(), "%s is a %s, not a weekend day", d, d.Weekday())
		default:
			c.swapped[d] = true
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

// Location returns the calendar's location.
func (c *Calendar) Location() *time.Location {
	if c == nil || c.loc == nil {
		return ChinaTime
	}
	return c.loc
}

// IsWorkingDate reports whether d is a working day.
func (c *Calendar) IsWorkingDate(d CivilDate) bool {
	if c != nil {
		if c.swapped[d] {
			return true
		}
		if c.holidays[d] {
			return false
		}
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// IsWorkingDay reports whether t falls, in the calendar's location, on a
// working day.
func (c *Calendar) IsWorkingDay(t time.Time) bool { return c.IsWorkingDate(DateOf(t, c.Location())) }

// AddWorkingDays returns the deadline n working days after start: the
// earliest instant by which n×24 hours of working-day time have passed since
// start (see AddWorkingTime). In the calendar's location, that is:
//
//   - start on a working day: the n-th working day after start's date, at
//     start's clock time (Friday 10:00 + 1 = Monday 10:00);
//   - start on a day off: the clock starts at 00:00 of the next working day,
//     so the deadline is the end (24:00, written as 00:00 of the following
//     date) of the n-th working day after start's date (Saturday 10:00 + 1 =
//     Tuesday 00:00, the end of Monday);
//   - n = 0: start itself, even on a day off;
//   - n < 0: the mirror image, the latest instant with |n|×24 hours of
//     working-day time between it and start (Monday 10:00 − 1 = Friday
//     10:00; Saturday 10:00 − 1 = Friday 00:00). Use it for reminders.
//
// The result is in the calendar's location.
func (c *Calendar) AddWorkingDays(start time.Time, n int) time.Time {
	return c.AddWorkingTime(start, time.Duration(n)*day)
}

// AddWorkingTime returns the earliest instant t ≥ start with
// WorkingTime(start, t) == d, for d ≥ 0; for d < 0, the latest instant
// t ≤ start with WorkingTime(t, start) == −d. Time on days off does not
// count. The result is in the calendar's location.
func (c *Calendar) AddWorkingTime(start time.Time, d time.Duration) time.Time {
	return c.add(start, d, c.IsWorkingDate)
}

// WorkingTime returns how much working-day time lies in [a, b); negative
// when b is before a.
func (c *Calendar) WorkingTime(a, b time.Time) time.Duration { return c.measure(a, b, c.IsWorkingDate) }

// WorkingDaysBetween returns the whole working days of working-day time from
// a to b, truncated toward zero (negative when b is before a). It is the
// inverse of AddWorkingDays: WorkingDaysBetween(s, AddWorkingDays(s, n)) ==
// n, and Monday 10:00 to Tuesday 09:59 is 0 working days. For how late a
// deadline is, call it with (deadline, now).
func (c *Calendar) WorkingDaysBetween(a, b time.Time) int {
	return int(c.WorkingTime(a, b) / day)
}

// Pause is an interval [From, To) during which a deadline's clock stops,
// e.g. while a complaint waits for the complainant. A zero To means the
// pause is still open.
type Pause struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to,omitzero"`
}

// PausedDeadline returns the deadline of days working days from start when
// the clock stops during pauses: the earliest instant by which days×24
// hours of working-day time outside every pause have passed since start.
// Equivalently, AddWorkingDays(start, days) pushed back by the working-day
// time spent paused before the deadline is reached.
//
// Pauses may overlap or come in any order; the parts before start count for
// nothing, and so does a pause that begins at or after the deadline it would
// push back (the case was already due). Only working-day time inside a
// pause matters: a pause over a holiday pushes nothing back.
//
// An open pause (zero To) that begins before the deadline is reached stops
// the clock for good: PausedDeadline returns the zero Time, meaning "no
// deadline while paused". Pass To = now instead to get the deadline as if
// the pause ended now. For days ≤ 0, pauses are ignored and the result is
// AddWorkingDays(start, days).
func (c *Calendar) PausedDeadline(start time.Time, days int, pauses []Pause) time.Time {
	return c.paused(start, time.Duration(days)*day, pauses, c.IsWorkingDate)
}

// Deadline is a configurable time limit: Days calendar days, or Days
// working days when Working is set (e.g. resolve within 15 days).
type Deadline struct {
	Days    int  `json:"days"`
	Working bool `json:"working"`
}

// Valid reports whether the rule counts forward (Days ≥ 0).
func (d Deadline) Valid() bool { return d.Days >= 0 }

func (d Deadline) String() string {
	if d.Working {
		return fmt.Sprintf("%d working days", d.Days)
	}
	return fmt.Sprintf("%d days", d.Days)
}

// Due returns when the limit runs out for something that started at start:
// c.AddWorkingDays(start, Days) when Working, else the same clock time Days
// calendar days later in c's location. c may be nil (Monday to Friday,
// ChinaTime).
func (d Deadline) Due(c *Calendar, start time.Time) time.Time {
	return d.DueWithPauses(c, start, nil)
}

// DueWithPauses is Due with the clock stopped during pauses, by the rule of
// Calendar.PausedDeadline; for calendar days every paused hour counts.
func (d Deadline) DueWithPauses(c *Calendar, start time.Time, pauses []Pause) time.Time {
	counts := everyDay
	if d.Working {
		counts = c.IsWorkingDate
	}
	return c.paused(start, time.Duration(d.Days)*day, pauses, counts)
}

func everyDay(CivilDate) bool { return true }

// civil splits t into its date and wall-clock time of day in c's location.
func (c *Calendar) civil(t time.Time) (CivilDate, time.Duration) {
	t = t.In(c.Location())
	y, m, d := t.Date()
	h, mi, s := t.Clock()
	return CivilDate{y, m, d}, time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute +
		time.Duration(s)*time.Second + time.Duration(t.Nanosecond())
}

// at is the instant at wall-clock time clock (0 to 24h) on date d.
func (c *Calendar) at(d CivilDate, clock time.Duration) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, int(clock), c.Location())
}

func (c *Calendar) add(start time.Time, d time.Duration, counts func(CivilDate) bool) time.Time {
	date, clock := c.civil(start)
	switch {
	case d == 0:
		return start.In(c.Location())
	case d > 0:
		for {
			if counts(date) {
				left := day - clock
				if d <= left {
					return c.at(date, clock+d)
				}
				d -= left
			}
			date, clock = date.AddDays(1), 0
		}
	default:
		d = -d
		for {
			if counts(date) {
				if d <= clock {
					return c.at(date, clock-d)
				}
				d -= clock
			}
			date, clock = date.AddDays(-1), day
		}
	}
}

func (c *Calendar) measure(a, b time.Time, counts func(CivilDate) bool) time.Duration {
	if b.Before(a) {
		return -c.measure(b, a, counts)
	}
	da, ca := c.civil(a)
	db, cb := c.civil(b)
	if da == db {
		if counts(da) {
			return cb - ca
		}
		return 0
	}
	var sum time.Duration
	if counts(da) {
		sum += day - ca
	}
	for d := da.AddDays(1); d.Compare(db) < 0; d = d.AddDays(1) {
		if counts(d) {
			sum += day
		}
	}
	if counts(db) {
		sum += cb
	}
	return sum
}

func (c *Calendar) paused(start time.Time, target time.Duration, pauses []Pause, counts func(CivilDate) bool) time.Time {
	if target <= 0 {
		return c.add(start, target, counts)
	}
	ps := slices.Clone(pauses)
	slices.SortFunc(ps, func(p, q Pause) int { return p.From.Compare(q.From) })
	cur, left := start, target
	for _, p := range ps {
		open := p.To.IsZero()
		if !open && (!p.To.After(p.From) || !p.To.After(cur)) {
			continue // empty, or over before the clock reached it
		}
		if p.From.After(cur) {
			w := c.measure(cur, p.From, counts)
			if w >= left {
				break // due before this pause begins, hence before every later one
			}
			left -= w
		}
		if open {
			return time.Time{}
		}
		cur = p.To
	}
	return c.add(cur, left, counts)
}
