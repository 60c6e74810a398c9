package migrations

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// sqliteLocker keeps processes that start together on one SQLite file from
// migrating it at once. SQLite serialises transactions, not decisions:
// without a lock two processes both read version 0 and both apply
// migration 1, and the second fails ("table regions already exists").
//
// The lock is one row of goose_lock. A row older than lease belongs to a
// process that died while migrating and is taken over; migrations here take
// seconds, far less than the lease.
type sqliteLocker struct {
	lease, poll, timeout time.Duration
}

func newSQLiteLocker() sqliteLocker {
	return sqliteLocker{lease: 2 * time.Minute, poll: 50 * time.Millisecond, timeout: 5 * time.Minute}
}

// Lock waits until it holds the lock, ctx ends or the timeout passes.
func (l sqliteLocker) Lock(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS goose_lock (id INTEGER PRIMARY KEY, locked_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("migrations: lock table: %w", err)
	}
	deadline := time.Now().Add(l.timeout)
	for {
		now := time.Now()
		res, err := db.ExecContext(ctx, `INSERT INTO goose_lock (id, locked_at) VALUES (1, ?)
			ON CONFLICT (id) DO UPDATE SET locked_at = excluded.locked_at WHERE goose_lock.locked_at < ?`,
			now.UnixMilli(), now.Add(-l.lease).UnixMilli())
		if err != nil {
			return fmt.Errorf("migrations: lock: %w", err)
		}
		if n, err := res.RowsAffected(); err == nil && n == 1 {
			return nil
		}
		if now.After(deadline) {
			return errors.New("migrations: another process has held the migration lock too long")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(l.poll):
		}
	}
}

// Unlock releases the lock.
func (sqliteLocker) Unlock(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, `DELETE FROM goose_lock WHERE id = 1`); err != nil {
		return fmt.Errorf("migrations: unlock: %w", err)
	}
	return nil
}
