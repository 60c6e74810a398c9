package store

import (
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

type settingRow struct {
	Name  string `gorm:"primaryKey"`
	Value string
}

func (settingRow) TableName() string { return "settings" }

func gormExpr(sql string) clause.Expr { return gorm.Expr(sql) }

// SettingOrInit returns the stored value of name; when there is none it
// stores init() and returns it. Two processes racing both get the one value
// that was stored first.
func (s *Store) SettingOrInit(name string, init func() (string, error)) (string, error) {
	var r settingRow
	err := s.db.Take(&r, "name = ?", name).Error
	if err == nil {
		return r.Value, nil
	}
	if err != gorm.ErrRecordNotFound {
		return "", fmt.Errorf("store: setting %s: %w", name, err)
	}
	v, err := init()
	if err != nil {
		return "", err
	}
	if err := s.db.Clauses(clause.OnConflict{DoNothing: true}).Create(&settingRow{Name: name, Value: v}).Error; err != nil {
		return "", fmt.Errorf("store: setting %s: %w", name, err)
	}
	if err := s.db.Take(&r, "name = ?", name).Error; err != nil {
		return "", fmt.Errorf("store: setting %s: %w", name, err)
	}
	return r.Value, nil
}
