package migrations

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/ducha/ducha/regions"
)

// seedBaseRegions loads the nation, provinces, prefectures and counties that
// ship in the binary. Townships and villages come later, on demand, through
// `ducha regions import`.
func seedBaseRegions(ctx context.Context, tx *sql.Tx) error {
	all, err := regions.Base()
	if err != nil {
		return err
	}
	const batch = 500
	for start := 0; start < len(all); start += batch {
		end := min(start+batch, len(all))
		var sb strings.Builder
		sb.WriteString("INSERT INTO regions (code, parent_code, name, level) VALUES ")
		args := make([]any, 0, 4*(end-start))
		for i, r := range all[start:end] {
			if i > 0 {
				sb.WriteString(",")
			}
			sb.WriteString("(?,?,?,?)")
			args = append(args, r.Code, r.ParentCode, r.Name, int(r.Level))
		}
		if _, err := tx.ExecContext(ctx, sb.String(), args...); err != nil {
			return fmt.Errorf("seed regions: %w", err)
		}
	}
	return nil
}
