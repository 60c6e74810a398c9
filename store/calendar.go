package store

import (
	"fmt"
	"slices"

	"gorm.io/gorm"

	"github.com/ducha/ducha/domain"
)

// The working-day calendar that admins load year by year: public holidays
// (days off, even on a weekday) and swapped working days (weekend days that
// are worked).

const (
	dayHoliday = "holiday"
	dayWorkday = "workday"
)

type calendarDayRow struct {
	Day  string `gorm:"primaryKey"`
	Year int
	Kind string
}

func (calendarDayRow) TableName() string { return "calendar_days" }

// CalendarYear returns one year's holidays and swapped working days, each
// sorted; both empty when the year was never loaded.
func (tx *Tx) CalendarYear(year int) (holidays, workdays []domain.CivilDate, err error) {
	return tx.calendarDays(tx.db.Where("year = ?", year))
}

// Calendar returns the working-day calendar with every loaded year.
func (tx *Tx) Calendar() (*domain.Calendar, error) {
	hol, work, err := tx.calendarDays(tx.db)
	if err != nil {
		return nil, err
	}
	cal, err := domain.NewCalendar(domain.ChinaTime, hol, work)
	if err != nil {
		return nil, fmt.Errorf("store: stored calendar: %w", err)
	}
	return cal, nil
}

func (tx *Tx) calendarDays(q *gorm.DB) (holidays, workdays []domain.CivilDate, err error) {
	var rows []calendarDayRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, nil, fmt.Errorf("store: calendar: %w", err)
	}
	holidays, workdays = []domain.CivilDate{}, []domain.CivilDate{}
	for _, r := range rows {
		d, err := domain.ParseCivilDate(r.Day)
		if err != nil {
			return nil, nil, fmt.Errorf("store: calendar day %q: %w", r.Day, err)
		}
		if r.Kind == dayWorkday {
			workdays = append(workdays, d)
		} else {
			holidays = append(holidays, d)
		}
	}
	slices.SortFunc(holidays, domain.CivilDate.Compare)
	slices.SortFunc(workdays, domain.CivilDate.Compare)
	return holidays, workdays, nil
}

// ReplaceCalendarYear makes year's holidays and swapped working days exactly
// those given. The caller has validated them (each in year, no date in both).
func (tx *Tx) ReplaceCalendarYear(year int, holidays, workdays []domain.CivilDate) error {
	if err := tx.db.Where("year = ?", year).Delete(&calendarDayRow{}).Error; err != nil {
		return fmt.Errorf("store: clear calendar %d: %w", year, err)
	}
	rows := make([]calendarDayRow, 0, len(holidays)+len(workdays))
	for _, d := range holidays {
		rows = append(rows, calendarDayRow{Day: d.String(), Year: year, Kind: dayHoliday})
	}
	for _, d := range workdays {
		rows = append(rows, calendarDayRow{Day: d.String(), Year: year, Kind: dayWorkday})
	}
	if len(rows) == 0 {
		return nil
	}
	if err := tx.db.Create(&rows).Error; err != nil {
		return fmt.Errorf("store: load calendar %d: %w", year, err)
	}
	return nil
}
