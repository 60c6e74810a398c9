// Package store keeps ducha's data in a relational database through GORM:
// an SQLite file by default (pure Go, no cgo), MySQL/MariaDB in production.
//
// Rows are GORM structs private to this package, converted to and from the
// domain types. A workflow opens one transaction with Store.Tx and calls the
// small methods of *Tx; reads that need no transaction use Store.Read.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	mysqldriver "github.com/go-sql-driver/mysql"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/migrations"
)

// Store is a connection pool to one database.
type Store struct {
	db      *gorm.DB
	sqlDB   *sql.DB
	dialect migrations.Dialect
	log     *slog.Logger
}

// MySQLPrefix marks a DSN as MySQL/MariaDB; what follows is a
// go-sql-driver DSN such as "user:pass@tcp(127.0.0.1:3306)/ducha".
const MySQLPrefix = "mysql://"

// Open connects to the database named by dsn: "mysql://…" for MySQL, else a
// path (or "file:" URI) of an SQLite file, created if missing. It does not
// migrate; call Migrate.
func Open(ctx context.Context, dsn string, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.Default()
	}
	cfg := &gorm.Config{
		// Each write below runs in an explicit transaction or is a single
		// statement; GORM's implicit per-create transaction only costs round trips.
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
		Logger:                 newGormLogger(log),
		TranslateError:         true,
	}
	var (
		dialector gorm.Dialector
		dialect   migrations.Dialect
	)
	if strings.HasPrefix(dsn, MySQLPrefix) {
		mdsn, err := mysqlDSN(strings.TrimPrefix(dsn, MySQLPrefix))
		if err != nil {
			return nil, err
		}
		dialector, dialect = mysql.Open(mdsn), migrations.MySQL
		// The DSN interpolates parameters (one round trip a statement). GORM's
		// PrepareStmt is off: inside a transaction it prepared and closed every
		// statement anew, three round trips each.
	} else {
		dialector, dialect = sqlite.Open(sqliteDSN(dsn)), migrations.SQLite
	}
	db, err := gorm.Open(dialector, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", dialect, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if dialect == migrations.SQLite {
		// One writer at a time is all SQLite allows; a few readers under WAL.
		sqlDB.SetMaxOpenConns(8)
	} else {
		sqlDB.SetMaxOpenConns(64)
		sqlDB.SetMaxIdleConns(32)
		sqlDB.SetConnMaxLifetime(30 * time.Minute)
	}
	s := &Store{db: db, sqlDB: sqlDB, dialect: dialect, log: log}
	if err := s.Ping(ctx); err != nil {
		sqlDB.Close()
		return nil, err
	}
	return s, nil
}

// sqliteDSN adds the pragmas ducha relies on: WAL so readers never block the
// writer, a busy timeout instead of immediate SQLITE_BUSY, foreign keys, and
// synchronous=FULL: under WAL, NORMAL may lose the last commits on a power
// cut, and a change acknowledged with a 2xx must survive one. (_txlock is
// listed for the record; the driver stops reading at _time_format, which is
// why Store.Tx takes the write lock itself.)
func sqliteDSN(path string) string {
	if !strings.HasPrefix(path, "file:") {
		path = "file:" + path
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
		"&_pragma=synchronous(FULL)&_txlock=immediate&_time_format=sqlite"
}

// mysqlDSN forces what the schema needs: parsed UTC times and utf8mb4.
func mysqlDSN(dsn string) (string, error) {
	c, err := mysqldriver.ParseDSN(dsn)
	if err != nil {
		return "", fmt.Errorf("store: malformed MySQL DSN: %w", err)
	}
	c.ParseTime = true
	c.Loc = time.UTC
	if c.Params == nil {
		c.Params = map[string]string{}
	}
	c.Params["charset"] = "utf8mb4"
	c.Collation = "utf8mb4_bin"
	// FormatDSN escapes parameter values itself; escaping here too sent
	// "%27%2B00%3A00%27" to the server, a syntax error on every connection.
	c.Params["time_zone"] = "'+00:00'"
	// Client-side interpolation: one round trip a statement, in or out of a
	// transaction (safe with utf8mb4).
	c.InterpolateParams = true
	return c.FormatDSN(), nil
}

// Dialect reports the database engine.
func (s *Store) Dialect() migrations.Dialect { return s.dialect }

// Migrate applies pending migrations.
func (s *Store) Migrate(ctx context.Context) error {
	v, err := migrations.Up(ctx, s.sqlDB, s.dialect, nil)
	if err != nil {
		return err
	}
	s.log.Info("database migrated", "dialect", s.dialect, "version", v)
	return nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := s.sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// Close closes the pool.
func (s *Store) Close() error { return s.sqlDB.Close() }

// SQL returns the underlying pool, for benchmarks and tools.
func (s *Store) SQL() *sql.DB { return s.sqlDB }

// Tx is a handle on the database, inside a transaction or not.
type Tx struct {
	db      *gorm.DB
	dialect migrations.Dialect
}

// Read returns a handle for reads (and single-statement writes) outside a
// transaction.
func (s *Store) Read(ctx context.Context) *Tx {
	return &Tx{db: s.db.WithContext(ctx), dialect: s.dialect}
}

// Tx runs fn in one transaction, committed when fn returns nil.
func (s *Store) Tx(ctx context.Context, fn func(tx *Tx) error) error {
	return s.db.WithContext(ctx).Transaction(func(db *gorm.DB) error {
		if s.dialect == migrations.SQLite {
			// glebarez/go-sqlite v1.21 stops reading the DSN at _time_format
			// and never sees _txlock=immediate, so BEGIN is DEFERRED: a
			// transaction that reads and then writes while another writer
			// commits fails with SQLITE_BUSY, which busy_timeout cannot wait
			// out. A write as the first statement takes the write lock
			// up front (waiting for it under busy_timeout), as IMMEDIATE would.
			if err := db.Exec("UPDATE settings SET value = value WHERE 0 = 1").Error; err != nil {
				return fmt.Errorf("store: begin: %w", err)
			}
		}
		return fn(&Tx{db: db, dialect: s.dialect})
	})
}

// Dialect reports the database engine.
func (tx *Tx) Dialect() migrations.Dialect { return tx.dialect }

// notFound maps gorm's not-found error to a domain ENotFound naming what.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return domain.Errorf(domain.ENotFound, format, args...)
	}
	return err
}

// isDuplicate reports a unique-key violation.
func isDuplicate(err error) bool { return errors.Is(err, gorm.ErrDuplicatedKey) }

func newGormLogger(log *slog.Logger) logger.Interface {
	return logger.NewSlogLogger(log, logger.Config{
		SlowThreshold:             500 * time.Millisecond,
		LogLevel:                  logger.Warn,
		IgnoreRecordNotFoundError: true,
		ParameterizedQueries:      true,
	})
}
