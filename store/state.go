package store

import (
	"fmt"
	"regexp"
	"time"

	"github.com/ducha/ducha/domain"
)

// Stateful tables (campaigns, batches, inspections, complaints, …) share
// three columns: state, version and updated_at. Only SetState writes state,
// and only through workflow's one transition function.

var tableName = regexp.MustCompile(`^[a-z_]+$`)

// SetState moves row id of table from state `from` at version `version` to
// state `to`, bumps the version and applies the extra column updates, in one
// statement. It reports false, changing nothing, when the row is no longer
// at that state and version (someone else moved it first).
func (tx *Tx) SetState(table string, id int64, from domain.State, version int, to domain.State, now time.Time, extra map[string]any) (bool, error) {
	if !tableName.MatchString(table) {
		return false, fmt.Errorf("store: bad table name %q", table)
	}
	set := map[string]any{"state": string(to), "version": gormExpr("version + 1"), "updated_at": now}
	for k, v := range extra {
		set[k] = v
	}
	res := tx.db.Table(table).Where("id = ? AND state = ? AND version = ?", id, string(from), version).Updates(set)
	if res.Error != nil {
		return false, fmt.Errorf("store: set state of %s %d: %w", table, id, res.Error)
	}
	return res.RowsAffected == 1, nil
}

// CurrentState reads a stateful row's state and version.
func (tx *Tx) CurrentState(table string, id int64) (domain.State, int, error) {
	if !tableName.MatchString(table) {
		return "", 0, fmt.Errorf("store: bad table name %q", table)
	}
	var row struct {
		State   string
		Version int
	}
	res := tx.db.Table(table).Select("state, version").Where("id = ?", id).Take(&row)
	if res.Error != nil {
		return "", 0, notFound(res.Error, "%s %d not found", table, id)
	}
	return domain.State(row.State), row.Version, nil
}
