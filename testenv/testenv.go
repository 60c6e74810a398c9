// Package testenv boots real parts for tests: a fresh database (an SQLite
// file always; a fresh MySQL/MariaDB database when DUCHA_TEST_MYSQL is set),
// Redis (DUCHA_TEST_REDIS, else the embedded server), and the whole app on a
// loopback port, plus a fake clock and small HTTP helpers.
//
//	DUCHA_TEST_MYSQL=mysql://root@tcp(127.0.0.1:3306)/ducha_test
//	DUCHA_TEST_REDIS=127.0.0.1:6379
//
// With DUCHA_TEST_MYSQL set, each test gets its own database on that server
// (named after the DSN's database plus a random suffix), dropped afterwards.
package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"
	mysqldriver "github.com/go-sql-driver/mysql"

	"github.com/ducha/ducha/store"
)

// MySQLDSN returns DUCHA_TEST_MYSQL, or "" when tests run on SQLite only.
func MySQLDSN() string { return os.Getenv("DUCHA_TEST_MYSQL") }

// RedisAddr returns DUCHA_TEST_REDIS, or "" for the embedded server.
func RedisAddr() string { return os.Getenv("DUCHA_TEST_REDIS") }

// Logger discards logs unless DUCHA_TEST_LOG is set.
func Logger(t testing.TB) *slog.Logger {
	if os.Getenv("DUCHA_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// CheapHashing keeps argon2id fast in tests.
var CheapHashing = &argon2id.Params{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// DSN returns the DSN of a fresh, empty database for this test and drops it
// (or removes the file) when the test ends.
func DSN(t testing.TB) string {
	t.Helper()
	base := MySQLDSN()
	if base == "" {
		return filepath.Join(t.TempDir(), "ducha.db")
	}
	c, err := mysqldriver.ParseDSN(strings.TrimPrefix(base, store.MySQLPrefix))
	if err != nil {
		t.Fatalf("DUCHA_TEST_MYSQL: %v", err)
	}
	prefix := c.DBName
	if prefix == "" {
		prefix = "ducha_test"
	}
	name := prefix + "_" + randomSuffix()
	c.DBName = ""
	admin, err := sql.Open("mysql", c.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		admin.Close()
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP DATABASE IF EXISTS `" + name + "`"); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
		admin.Close()
	})
	c.DBName = name
	return store.MySQLPrefix + c.FormatDSN()
}

// Store opens and migrates a fresh database.
func Store(t testing.TB) *store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, DSN(t), Logger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// Clock is a fake clock that moves only when told.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock starts a fake clock at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t.UTC().Truncate(time.Microsecond)} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t.UTC().Truncate(time.Microsecond)
	c.mu.Unlock()
}

// Eventually polls cond every 20 ms until it holds or the timeout passes.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out after %v waiting for %s", timeout, what)
}

// Engine names the database the tests run on, for test names and logs.
func Engine() string {
	if MySQLDSN() != "" {
		return "mysql"
	}
	return "sqlite"
}
