// Package migrations holds ducha's versioned schema, one folder of SQL per
// dialect (sqlite/, mysql/) plus Go migrations for seed data that reads the
// same on both (the shipped region tree, the notice's indicator catalogue).
//
// Up applies everything pending under a lock (a table lock on MySQL, a lock
// row on SQLite), so that processes starting together do not collide, and
// is what `ducha migrate` and every start-up call.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed sqlite/*.sql mysql/*.sql
var files embed.FS

// Dialect names a supported database engine.
type Dialect string

const (
	SQLite Dialect = "sqlite"
	MySQL  Dialect = "mysql"
)

// goMigrations are the seed-data migrations, numbered between the SQL files.
func goMigrations() []*goose.Migration {
	return []*goose.Migration{
		goose.NewGoMigration(2, &goose.GoFunc{RunTx: seedBaseRegions}, nil),
		goose.NewGoMigration(11, &goose.GoFunc{RunTx: seedNationalCatalogue}, &goose.GoFunc{RunTx: unseedNationalCatalogue}),
	}
}

// Up applies every pending migration and returns the resulting version.
func Up(ctx context.Context, db *sql.DB, d Dialect, log *slog.Logger) (int64, error) {
	p, err := provider(db, d, log)
	if err != nil {
		return 0, err
	}
	if _, err := p.Up(ctx); err != nil {
		return 0, fmt.Errorf("migrations: up: %w", err)
	}
	v, err := p.GetDBVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("migrations: version: %w", err)
	}
	return v, nil
}

func provider(db *sql.DB, d Dialect, log *slog.Logger) (*goose.Provider, error) {
	sub, err := fs.Sub(files, string(d))
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	opts := []goose.ProviderOption{
		goose.WithGoMigrations(goMigrations()...),
		goose.WithDisableGlobalRegistry(true),
	}
	if log != nil {
		opts = append(opts, goose.WithSlog(log))
	}
	var gd goose.Dialect
	switch d {
	case SQLite:
		gd = goose.DialectSQLite3
		opts = append(opts, goose.WithLocker(newSQLiteLocker()))
	case MySQL:
		gd = goose.DialectMySQL
		locker, err := lock.NewMySQLTableLocker()
		if err != nil {
			return nil, fmt.Errorf("migrations: locker: %w", err)
		}
		opts = append(opts, goose.WithLocker(locker))
	default:
		return nil, fmt.Errorf("migrations: unknown dialect %q", d)
	}
	p, err := goose.NewProvider(gd, db, sub, opts...)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return p, nil
}
