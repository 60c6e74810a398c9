package api_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
	"github.com/labstack/echo/v4"

	"github.com/ducha/ducha/store"
	"github.com/ducha/ducha/testenv"
)

// TestIntakeLoad measures complaint intake through the whole app — bearer
// token, validation, region checks, sealing the complainant's details, the
// idempotency key, the case, its audit row and two outbox tasks in one
// transaction — at 32 concurrent clients on MySQL/MariaDB, beside a bare
// Echo handler that decodes the same body and inserts the same row with
// database/sql, measured in the same run on the same database. Loopback
// only, a bounded number of requests.
//
//	DUCHA_LOADTEST=1 DUCHA_TEST_MYSQL='mysql://root@tcp(127.0.0.1:3306)/ducha_test' \
//	DUCHA_TEST_REDIS=127.0.0.1:6379 go test ./api -run TestIntakeLoad -v
//
// DUCHA_LOADTEST_REQUESTS sets the requests per side (default 8000),
// DUCHA_LOADTEST_CLIENTS the concurrent clients (default 32).
func TestIntakeLoad(t *testing.T) {
	if os.Getenv("DUCHA_LOADTEST") == "" || testenv.MySQLDSN() == "" {
		t.Skip("set DUCHA_LOADTEST=1 and DUCHA_TEST_MYSQL to measure intake")
	}
	clients, requests := 32, 8000
	if n, err := strconv.Atoi(os.Getenv("DUCHA_LOADTEST_CLIENTS")); err == nil && n > 0 {
		clients = min(n, 256)
	}
	if n, err := strconv.Atoi(os.Getenv("DUCHA_LOADTEST_REQUESTS")); err == nil && n > 0 {
		requests = min(n, 200_000)
	}
	h := newHotline(t, testenv.AppOptions{})
	body, err := json.Marshal(caseBody(nil))
	if err != nil {
		t.Fatal(err)
	}

	bare := bareIntake(t, h.Config.DB)
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: 2 * clients, MaxIdleConnsPerHost: 2 * clients, IdleConnTimeout: time.Minute}}
	var seq atomic.Int64
	appReq := func() (*http.Request, error) {
		r, err := http.NewRequest("POST", h.URL+"/api/v1/complaints", bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer "+h.operator)
		r.Header.Set("Idempotency-Key", "load-"+strconv.FormatInt(seq.Add(1), 10))
		return r, nil
	}
	bareReq := func() (*http.Request, error) {
		r, err := http.NewRequest("POST", bare+"/complaints", bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Idempotency-Key", "bare-"+strconv.FormatInt(seq.Add(1), 10))
		return r, nil
	}
	// Warm both up (connections, prepared statements), then measure each.
	load(t, client, appReq, clients, 500)
	load(t, client, bareReq, clients, 500)
	a := load(t, client, appReq, clients, requests)
	b := load(t, client, bareReq, clients, requests)
	t.Logf("%d clients", clients)
	t.Logf("intake, whole app:          %s", a)
	t.Logf("bare Echo + database/sql:   %s", b)
	t.Logf("the app serves %.0f%% of the bare insert's rate", 100*a.rate/b.rate)
	if a.failed > 0 || b.failed > 0 {
		t.Errorf("%d app and %d bare requests failed", a.failed, b.failed)
	}
}

type loadResult struct {
	n, failed          int
	elapsed            time.Duration
	rate               float64
	p50, p99, p999, mx time.Duration
}

func (r loadResult) String() string {
	return fmt.Sprintf("%d requests in %s: %.0f req/s, p50 %s, p99 %s, p99.9 %s, max %s, %d failed", r.n,
		r.elapsed.Round(time.Millisecond), r.rate, r.p50.Round(10*time.Microsecond), r.p99.Round(10*time.Microsecond),
		r.p999.Round(10*time.Microsecond), r.mx.Round(10*time.Microsecond), r.failed)
}

func load(t *testing.T, c *http.Client, mk func() (*http.Request, error), clients, n int) loadResult {
	t.Helper()
	lat := make([]time.Duration, n)
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				req, err := mk()
				if err != nil {
					failed.Add(1)
					continue
				}
				t0 := time.Now()
				res, err := c.Do(req)
				if err == nil {
					_, _ = bytes.NewBuffer(nil).ReadFrom(res.Body)
					res.Body.Close()
					if res.StatusCode != 201 {
						err = fmt.Errorf("status %d", res.StatusCode)
					}
				}
				lat[i] = time.Since(t0)
				if err != nil {
					if failed.Add(1) == 1 {
						t.Logf("first failure: %v", err)
					}
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(lat)
	q := func(p float64) time.Duration { return lat[min(n-1, int(float64(n)*p))] }
	return loadResult{n: n, failed: int(failed.Load()), elapsed: elapsed, rate: float64(n) / elapsed.Seconds(),
		p50: q(0.50), p99: q(0.99), p999: q(0.999), mx: lat[n-1]}
}

// bareIntake serves POST /complaints on loopback: Echo binds the same JSON
// and one prepared INSERT writes the same complaints row, nothing else. It
// returns the server's base URL.
func bareIntake(t *testing.T, dsn string) string {
	t.Helper()
	cfg, err := mysqldriver.ParseDSN(strings.TrimPrefix(dsn, store.MySQLPrefix))
	if err != nil {
		t.Fatal(err)
	}
	cfg.ParseTime, cfg.Loc = true, time.UTC
	cfg.Params = map[string]string{"charset": "utf8mb4"}
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(64)
	db.SetMaxIdleConns(32)
	t.Cleanup(func() { db.Close() })
	ins, err := db.Prepare("INSERT INTO complaints (state, version, created_by, idempotency_key, body_hash, channel, " +
		"category, received_at, occurred_region_code, accused_region_code, summary, details, complainant_name, " +
		"complainant_phone, action_taken, callback_note, pauses, rules, assign_started_at, assign_due, current_due, " +
		"created_at, updated_at) VALUES ('received', 1, 1, ?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', '', '{}', ?, ?, ?, ?, ?)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ins.Close() })
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.POST("/complaints", func(c echo.Context) error {
		var in struct {
			Channel            string `json:"channel"`
			Category           string `json:"category"`
			OccurredRegionCode string `json:"occurred_region_code"`
			AccusedRegionCode  string `json:"accused_region_code"`
			Summary            string `json:"summary"`
			Details            string `json:"details"`
			Complainant        *struct {
				Name  string `json:"name"`
				Phone string `json:"phone"`
			} `json:"complainant"`
		}
		if err := c.Bind(&in); err != nil {
			return err
		}
		var name, phone string
		if in.Complainant != nil {
			name, phone = in.Complainant.Name, in.Complainant.Phone
		}
		now := time.Now().UTC().Truncate(time.Microsecond)
		due := now.Add(24 * time.Hour)
		res, err := ins.ExecContext(c.Request().Context(), c.Request().Header.Get("Idempotency-Key"), in.Channel,
			in.Category, now, in.OccurredRegionCode, in.AccusedRegionCode, in.Summary, in.Details, name, phone,
			now, due, due, now, now)
		if err != nil {
			return err
		}
		id, _ := res.LastInsertId()
		return c.JSON(http.StatusCreated, map[string]any{"id": id, "state": "received"})
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: e}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	return "http://" + l.Addr().String()
}
