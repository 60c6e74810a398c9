package workflow

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/store"
)

// Holidays keeps the working-day calendar that deadlines are counted on:
// per year, the public holidays (法定节假日) and the swapped working days
// (调休) that the State Council announces. A year never loaded counts Monday
// to Friday.
type Holidays struct{ Deps }

// HolidayYear is one year of the calendar.
type HolidayYear struct {
	Year     int                `json:"year"`
	Holidays []domain.CivilDate `json:"holidays"`
	Workdays []domain.CivilDate `json:"workdays"`
}

func checkYear(v *domain.Validation, year int) {
	if year < 2000 || year > 2100 {
		v.AddValue("path.year", year, "must be 2000 to 2100")
	}
}

// Get returns a year's holidays and swapped working days (empty lists when
// the year was never loaded).
func (s *Holidays) Get(ctx context.Context, year int) (HolidayYear, error) {
	var v domain.Validation
	checkYear(&v, year)
	if err := v.Err(); err != nil {
		return HolidayYear{}, err
	}
	hol, work, err := s.Store.Read(ctx).CalendarYear(year)
	if err != nil {
		return HolidayYear{}, err
	}
	return HolidayYear{Year: year, Holidays: hol, Workdays: work}, nil
}

// Put replaces a year's holidays and swapped working days (national admins).
// Every date must be a real date of that year, listed once; a swapped working
// day must be a Saturday or Sunday and not also a holiday. Open cases'
// deadlines are then computed again (TypeComplaintReplan, in the same
// transaction).
func (s *Holidays) Put(ctx context.Context, actor domain.Actor, year int, holidays, workdays []string) (HolidayYear, error) {
	var v domain.Validation
	checkYear(&v, year)
	seen := map[domain.CivilDate]string{}
	parse := func(list string, in []string, weekendOnly bool) []domain.CivilDate {
		out := make([]domain.CivilDate, 0, len(in))
		for i, s := range in {
			loc := fmt.Sprintf("body.%s[%d]", list, i)
			d, err := domain.ParseCivilDate(s)
			switch {
			case err != nil:
				v.AddValue(loc, s, "must be a date, YYYY-MM-DD")
				continue
			case d.Year != year:
				v.AddValue(loc, s, "is not in %d", year)
				continue
			case seen[d] != "":
				v.AddValue(loc, s, "is already listed in %s", seen[d])
				continue
			case weekendOnly && d.Weekday() != time.Saturday && d.Weekday() != time.Sunday:
				v.AddValue(loc, s, "is a %s: a swapped working day is a Saturday or Sunday that is worked", d.Weekday())
				continue
			}
			seen[d] = list
			out = append(out, d)
		}
		return out
	}
	hol := parse("holidays", holidays, false)
	work := parse("workdays", workdays, true)
	if err := v.Err(); err != nil {
		return HolidayYear{}, err
	}
	if err := s.Authz.Check(actor, "holidays", "write", domain.NationCode); err != nil {
		return HolidayYear{}, err
	}
	now := s.now()
	err := s.Store.Tx(ctx, func(tx *store.Tx) error {
		if err := tx.ReplaceCalendarYear(year, hol, work); err != nil {
			return err
		}
		err := audit(ctx, tx, actor, now, store.AuditEntry{Entity: "calendar", EntityID: strconv.Itoa(year),
			RegionCode: domain.NationCode, Event: "replace",
			Detail: map[string]any{"holidays": len(hol), "workdays": len(work)}})
		if err != nil {
			return err
		}
		_, err = tx.Enqueue(TypeComplaintReplan, map[string]int{"year": year}, now, now)
		return err
	})
	if err != nil {
		return HolidayYear{}, err
	}
	return s.Get(ctx, year)
}
