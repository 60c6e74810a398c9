package migrations

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/ducha/ducha/catalogue"
	"github.com/ducha/ducha/domain"
)

// NoticeDate is when the national sets were issued (the notice's signature,
// 2007-12-03); the seeded sets carry it as their creation and publication time.
var NoticeDate = time.Date(2007, 12, 3, 0, 0, 0, 0, time.UTC)

// seedNationalCatalogue loads the notice's two indicator sets exactly as
// catalogue.National gives them, published, at the nation.
func seedNationalCatalogue(ctx context.Context, tx *sql.Tx) error {
	sets, err := catalogue.National()
	if err != nil {
		return err
	}
	for _, s := range sets {
		res, err := tx.ExecContext(ctx, `INSERT INTO indicator_sets
			(code, kind, name, name_en, region_code, parent_id, status, version, created_at, updated_at, published_at, created_by)
			VALUES (?, ?, ?, ?, ?, NULL, ?, 1, ?, ?, ?, NULL)`,
			s.Code, string(s.Kind), s.Name, s.NameEN, domain.NationCode, string(domain.SetPublished),
			NoticeDate, NoticeDate, NoticeDate)
		if err != nil {
			return fmt.Errorf("seed catalogue %s: %w", s.Code, err)
		}
		id, err := res.LastInsertId()
		if err != nil {
			return fmt.Errorf("seed catalogue %s: %w", s.Code, err)
		}
		for _, in := range s.Indicators {
			if _, err := tx.ExecContext(ctx, `INSERT INTO set_indicators
				(set_id, code, position, category, item, item_en, name, name_en, explanation,
				 level_text, level_lowest, level_highest, level_and_above, weight, local, removed_reason)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '')`,
				id, in.Code, in.Position, string(in.Category), in.Item, in.ItemEN, in.Name, in.NameEN, in.Explanation,
				in.Level.Text, in.Level.Lowest.String(), in.Level.Highest.String(), in.Level.AndAbove, in.Weight, in.Local); err != nil {
				return fmt.Errorf("seed catalogue %s %s: %w", s.Code, in.Code, err)
			}
			for i, m := range in.Measures {
				if _, err := tx.ExecContext(ctx, `INSERT INTO indicator_measures
					(set_id, code, indicator_code, position, name, name_en, numerator, denominator, direction, target)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
					id, m.Code, in.Code, i+1, m.Name, m.NameEN, m.Numerator, m.Denominator, string(m.Direction), m.Target); err != nil {
					return fmt.Errorf("seed catalogue %s %s: %w", s.Code, m.Code, err)
				}
			}
		}
	}
	return nil
}

// unseedNationalCatalogue removes the national sets, which nothing else may
// reference once the later migrations are rolled back.
func unseedNationalCatalogue(ctx context.Context, tx *sql.Tx) error {
	for _, q := range []string{
		`DELETE FROM indicator_measures WHERE set_id IN (SELECT id FROM indicator_sets WHERE code IN (?, ?))`,
		`DELETE FROM set_indicators WHERE set_id IN (SELECT id FROM indicator_sets WHERE code IN (?, ?))`,
		`DELETE FROM indicator_sets WHERE code IN (?, ?)`,
	} {
		if _, err := tx.ExecContext(ctx, q, catalogue.CodeNationalInflow, catalogue.CodeNationalOutflow); err != nil {
			return fmt.Errorf("unseed catalogue: %w", err)
		}
	}
	return nil
}
