package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/ducha/ducha/app"
)

// AdminPassword is the first admin's password in every test app.
const AdminPassword = "admin-password-for-tests"

// App is a whole ducha process on a loopback port.
type App struct {
	*app.App
	T          testing.TB
	URL        string
	Clock      *Clock
	AdminToken string
	client     *http.Client
}

// AppOptions change the test app.
type AppOptions struct {
	// NoWorker leaves the relay and the worker stopped.
	NoWorker bool
	// DSN reuses a database (e.g. to restart an app on the same data).
	DSN string
	// Clock is a fake clock; nil starts one at a fixed time.
	Clock *Clock
	// Config edits the configuration before start.
	Config func(*app.Config)
	// NoAnswerChecks turns off the guards that submit_self_check and
	// complete_review take from the self-check and the review (every
	// indicator answered, rated), for tests about the phases alone.
	NoAnswerChecks bool
}

// StartApp boots an app on a fresh database, its own queue name, and a free
// loopback port, signs the admin in, and stops everything when the test ends.
func StartApp(t testing.TB, o AppOptions) *App {
	t.Helper()
	if o.DSN == "" {
		o.DSN = DSN(t)
	}
	if o.Clock == nil {
		o.Clock = NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	}
	cfg := app.Config{Addr: "127.0.0.1:0", DB: o.DSN, Redis: RedisAddr(), Queue: "ducha-test-" + randomSuffix(),
		AdminPassword: AdminPassword, TokenTTL: 12 * time.Hour, Files: t.TempDir(), MaxUpload: 20 << 20,
		EncryptionKey: "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", Workers: 4, ShutdownGrace: 5 * time.Second}
	if o.Config != nil {
		o.Config(&cfg)
	}
	a, err := app.New(context.Background(), cfg, Logger(t), app.Options{Clock: o.Clock, Hashing: CheapHashing})
	if err != nil {
		t.Fatalf("start app: %v", err)
	}
	if o.NoAnswerChecks {
		a.Campaigns.Checks.AllIndicatorsAnswered = nil
		a.Campaigns.Checks.AllIndicatorsRated = nil
	}
	if !o.NoWorker {
		if err := a.StartWorker(); err != nil {
			a.Close()
			t.Fatal(err)
		}
	}
	if err := a.Listen(); err != nil {
		a.Shutdown(context.Background())
		t.Fatal(err)
	}
	go a.Serve()
	ta := &App{App: a, T: t, URL: a.URL(), Clock: o.Clock, client: &http.Client{Timeout: 30 * time.Second}}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		a.Shutdown(ctx)
	})
	ta.AdminToken = ta.Login("admin", AdminPassword)
	return ta
}

// Response is an answer with its body read.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test on error.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Map decodes the body as a JSON object.
func (r *Response) Map(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	r.JSON(t, &m)
	return m
}

// Do sends a request. body may be nil, a []byte or string (sent as is), or
// any other value (sent as JSON). headers come in name, value pairs.
func (a *App) Do(method, path, token string, body any, headers ...string) *Response {
	a.T.Helper()
	var rd io.Reader
	ct := "application/json"
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		j, err := json.Marshal(b)
		if err != nil {
			a.T.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, a.URL+path, rd)
	if err != nil {
		a.T.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", ct)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := a.client.Do(req)
	if err != nil {
		a.T.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		a.T.Fatal(err)
	}
	return &Response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// Must is Do that fails the test unless the status is want.
func (a *App) Must(want int, method, path, token string, body any, headers ...string) *Response {
	a.T.Helper()
	r := a.Do(method, path, token, body, headers...)
	if r.Status != want {
		a.T.Fatalf("%s %s: status %d, want %d: %s", method, path, r.Status, want, r.Body)
	}
	return r
}

// Login signs a user in and returns the token.
func (a *App) Login(username, password string) string {
	a.T.Helper()
	var out struct{ Token string }
	a.Must(200, "POST", "/api/v1/auth/login", "", map[string]string{"username": username, "password": password}).JSON(a.T, &out)
	return out.Token
}

// UserPassword is the password of users made by NewUser.
const UserPassword = "user-password-123"

// NewUser creates a user as the admin and returns its token.
func (a *App) NewUser(username, role, region string) string {
	a.T.Helper()
	a.Must(201, "POST", "/api/v1/users", a.AdminToken, map[string]string{
		"username": username, "password": UserPassword, "role": role, "region_code": region})
	return a.Login(username, UserPassword)
}
