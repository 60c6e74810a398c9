package store

import (
	"context"
	"fmt"
	"iter"
	"strings"

	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/migrations"
)

type regionRow struct {
	Code       string `gorm:"primaryKey"`
	ParentCode string
	Name       string
	Level      int
}

func (regionRow) TableName() string { return "regions" }

func (r regionRow) toDomain() domain.Region {
	return domain.Region{Code: r.Code, Name: r.Name, Level: domain.Level(r.Level), ParentCode: r.ParentCode}
}

// Region returns one region, or ENotFound.
func (tx *Tx) Region(code string) (domain.Region, error) {
	var r regionRow
	if err := tx.db.Take(&r, "code = ?", code).Error; err != nil {
		return domain.Region{}, notFound(err, "region %q not found", code)
	}
	return r.toDomain(), nil
}

// RegionChildren lists the children of parent ordered by code, after the
// code `after` ("" for the first page), at most limit of them.
func (tx *Tx) RegionChildren(parent, after string, limit int) ([]domain.Region, error) {
	var rows []regionRow
	q := tx.db.Where("parent_code = ?", parent)
	if after != "" {
		q = q.Where("code > ?", after)
	}
	if err := q.Order("code").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: region children: %w", err)
	}
	out := make([]domain.Region, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out, nil
}

// MissingRegions returns those of codes that are not in the tree, in the
// order given.
func (tx *Tx) MissingRegions(codes []string) ([]string, error) {
	if len(codes) == 0 {
		return nil, nil
	}
	var found []string
	if err := tx.db.Model(&regionRow{}).Where("code IN ?", codes).Pluck("code", &found).Error; err != nil {
		return nil, fmt.Errorf("store: regions exist: %w", err)
	}
	have := make(map[string]bool, len(found))
	for _, c := range found {
		have[c] = true
	}
	var missing []string
	for _, c := range codes {
		if !have[c] {
			missing = append(missing, c)
		}
	}
	return missing, nil
}

// CountRegions counts the regions of each level.
func (tx *Tx) CountRegions() (map[domain.Level]int64, error) {
	var rows []struct {
		Level int
		N     int64
	}
	if err := tx.db.Model(&regionRow{}).Select("level, COUNT(*) AS n").Group("level").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("store: count regions: %w", err)
	}
	out := map[domain.Level]int64{}
	for _, r := range rows {
		out[domain.Level(r.Level)] = r.N
	}
	return out, nil
}

// ImportRegions upserts a stream of regions in batches of batchSize rows
// per statement, each batch its own short transaction so that a large import
// never holds the database for long. It stops at the first error of the
// stream or the database and returns how many rows it wrote.
func (s *Store) ImportRegions(ctx context.Context, regions iter.Seq2[domain.Region, error], batchSize int) (int, error) {
	if batchSize <= 0 {
		batchSize = 1000
	}
	if s.dialect == migrations.SQLite && batchSize > 100 {
		// The SQLite driver binds each parameter by scanning all of them, so
		// a statement costs the square of its rows: 1000-row batches took
		// 32 s for the full village file here, 100-row batches 11-12 s.
		batchSize = 100
	}
	var upsert string
	switch s.dialect {
	case "mysql":
		upsert = " ON DUPLICATE KEY UPDATE name = VALUES(name), parent_code = VALUES(parent_code), level = VALUES(level)"
	default:
		upsert = " ON CONFLICT (code) DO UPDATE SET name = excluded.name, parent_code = excluded.parent_code, level = excluded.level"
	}
	stmt := func(n int) string {
		var sb strings.Builder
		sb.WriteString("INSERT INTO regions (code, parent_code, name, level) VALUES ")
		for i := range n {
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString("(?,?,?,?)")
		}
		sb.WriteString(upsert)
		return sb.String()
	}
	full := stmt(batchSize)
	args := make([]any, 0, 4*batchSize)
	total := 0
	flush := func() error {
		n := len(args) / 4
		if n == 0 {
			return nil
		}
		q := full
		if n != batchSize {
			q = stmt(n)
		}
		if _, err := s.sqlDB.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("store: import regions: %w", err)
		}
		total += n
		args = args[:0]
		return nil
	}
	for r, err := range regions {
		if err != nil {
			return total, err
		}
		args = append(args, r.Code, r.ParentCode, r.Name, int(r.Level))
		if len(args) == 4*batchSize {
			if err := flush(); err != nil {
				return total, err
			}
		}
	}
	return total, flush()
}
