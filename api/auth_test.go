package api_test

import (
	"bytes"
	"context"
	"log/slog"
	"regexp"
	"testing"
	"time"

	"github.com/ducha/ducha/app"
	"github.com/ducha/ducha/testenv"
)

func TestLogin(t *testing.T) {
	a := testenv.StartApp(t, testenv.AppOptions{NoWorker: true})

	t.Run("login200", func(t *testing.T) {
		var out struct {
			Token     string    `json:"token"`
			ExpiresAt time.Time `json:"expires_at"`
			User      struct {
				Username   string `json:"username"`
				Role       string `json:"role"`
				RegionCode string `json:"region_code"`
			} `json:"user"`
		}
		a.Must(200, "POST", "/api/v1/auth/login", "", login("admin", testenv.AdminPassword)).JSON(t, &out)
		if out.Token == "" {
			t.Fatal("no token")
		}
		if want := a.Clock.Now().Add(12 * time.Hour); !out.ExpiresAt.Equal(want) {
			t.Errorf("expires_at %v, want %v (now + TTL on the app's clock)", out.ExpiresAt, want)
		}
		if out.User.Username != "admin" || out.User.Role != "national_admin" || out.User.RegionCode != "0" {
			t.Errorf("user %+v", out.User)
		}
		a.Must(200, "GET", "/api/v1/me", out.Token, nil)
	})

	t.Run("login401", func(t *testing.T) {
		wrong := checkProblem(t, "wrong password", a.Do("POST", "/api/v1/auth/login", "", login("admin", "not-the-password")), 401)
		unknown := checkProblem(t, "unknown user", a.Do("POST", "/api/v1/auth/login", "", login("nobody", "not-the-password")), 401)
		if wrong["detail"] != unknown["detail"] || wrong["type"] != unknown["type"] {
			t.Errorf("a wrong password and an unknown user must look the same: %v / %v", wrong, unknown)
		}
	})

	t.Run("login422", func(t *testing.T) {
		checkProblem(t, "empty username", a.Do("POST", "/api/v1/auth/login", "", login("", "x")), 422)
		checkProblem(t, "no password", a.Do("POST", "/api/v1/auth/login", "", map[string]string{"username": "admin"}), 422)
	})
}

func TestLoginThrottle(t *testing.T) {
	a := testenv.StartApp(t, testenv.AppOptions{NoWorker: true})
	a.NewUser("prov41", "province_coordinator", "41")

	t.Run("throttle429", func(t *testing.T) {
		for i := range 5 {
			checkProblem(t, "failure", a.Do("POST", "/api/v1/auth/login", "", login("prov41", "wrong-password")), 401)
			_ = i
		}
		// The sixth try is refused before the password is looked at, even the right one.
		p := checkProblem(t, "sixth try", a.Do("POST", "/api/v1/auth/login", "", login("prov41", testenv.UserPassword)), 429)
		if s, _ := p["retry_after_seconds"].(float64); s <= 0 {
			t.Errorf("no retry_after_seconds: %v", p)
		}
		// Another user from the same address is not locked out by prov41's failures.
		a.Must(200, "POST", "/api/v1/auth/login", "", login("admin", testenv.AdminPassword))
	})

	t.Run("throttle200AfterWindow", func(t *testing.T) {
		a.Clock.Advance(15*time.Minute + time.Second)
		a.Must(200, "POST", "/api/v1/auth/login", "", login("prov41", testenv.UserPassword))
	})

	t.Run("throttlePerAddress429", func(t *testing.T) {
		a.Clock.Advance(15*time.Minute + time.Second)
		// 20 failures from one address over many usernames lock the address out.
		for i := range 20 {
			checkProblem(t, "spray", a.Do("POST", "/api/v1/auth/login", "", login("ghost"+string(rune('a'+i)), "wrong-password")), 401)
		}
		checkProblem(t, "after the spray", a.Do("POST", "/api/v1/auth/login", "", login("admin", testenv.AdminPassword)), 429)
	})
}

func TestTokens(t *testing.T) {
	t.Run("expired401", func(t *testing.T) {
		a := testenv.StartApp(t, testenv.AppOptions{NoWorker: true})
		tok := a.Login("admin", testenv.AdminPassword)
		a.Clock.Advance(12*time.Hour - time.Second)
		a.Must(200, "GET", "/api/v1/me", tok, nil)
		a.Clock.Advance(2 * time.Second)
		r := a.Do("GET", "/api/v1/me", tok, nil)
		checkProblem(t, "expired token", r, 401)
		if r.Header.Get("WWW-Authenticate") == "" {
			t.Error("401 without WWW-Authenticate")
		}
	})

	t.Run("missing401", func(t *testing.T) {
		a := testenv.StartApp(t, testenv.AppOptions{NoWorker: true})
		checkProblem(t, "no token", a.Do("GET", "/api/v1/me", "", nil), 401)
		checkProblem(t, "garbage", a.Do("GET", "/api/v1/me", "garbage", nil), 401)
		checkProblem(t, "basic auth", a.Do("GET", "/api/v1/me", "", nil, "Authorization", "Basic YWRtaW46eA=="), 401)
		// A token signed with another secret (another app) is refused.
		b := testenv.StartApp(t, testenv.AppOptions{NoWorker: true})
		checkProblem(t, "foreign token", a.Do("GET", "/api/v1/me", b.AdminToken, nil), 401)
	})

	t.Run("logout401", func(t *testing.T) {
		a := testenv.StartApp(t, testenv.AppOptions{NoWorker: true})
		t1 := a.Login("admin", testenv.AdminPassword)
		t2 := a.Login("admin", testenv.AdminPassword)
		a.Must(204, "POST", "/api/v1/auth/logout", t1, nil)
		checkProblem(t, "the token that logged out", a.Do("GET", "/api/v1/me", t1, nil), 401)
		checkProblem(t, "an earlier token of the same user", a.Do("GET", "/api/v1/me", t2, nil), 401)
		checkProblem(t, "logging out twice", a.Do("POST", "/api/v1/auth/logout", t1, nil), 401)
		a.Must(200, "GET", "/api/v1/me", a.Login("admin", testenv.AdminPassword), nil)
	})

	t.Run("logoutLeavesOthers200", func(t *testing.T) {
		a := testenv.StartApp(t, testenv.AppOptions{NoWorker: true})
		other := a.NewUser("prov41", "province_coordinator", "41")
		a.Must(204, "POST", "/api/v1/auth/logout", a.AdminToken, nil)
		a.Must(200, "GET", "/api/v1/me", other, nil)
	})

	t.Run("password204", func(t *testing.T) {
		a := testenv.StartApp(t, testenv.AppOptions{NoWorker: true})
		tok := a.NewUser("prov41", "province_coordinator", "41")
		earlier := a.Login("prov41", testenv.UserPassword)
		a.Must(204, "POST", "/api/v1/auth/password", tok,
			map[string]string{"old_password": testenv.UserPassword, "new_password": "a-brand-new-password"})
		checkProblem(t, "token before the change", a.Do("GET", "/api/v1/me", tok, nil), 401)
		checkProblem(t, "another earlier token", a.Do("GET", "/api/v1/me", earlier, nil), 401)
		checkProblem(t, "old password", a.Do("POST", "/api/v1/auth/login", "", login("prov41", testenv.UserPassword)), 401)
		a.Must(200, "GET", "/api/v1/me", a.Login("prov41", "a-brand-new-password"), nil)
	})

	t.Run("password422", func(t *testing.T) {
		a := testenv.StartApp(t, testenv.AppOptions{NoWorker: true})
		tok := a.NewUser("prov41", "province_coordinator", "41")
		p := checkProblem(t, "wrong old password", a.Do("POST", "/api/v1/auth/password", tok,
			map[string]string{"old_password": "not-my-password", "new_password": "a-brand-new-password"}), 422)
		if !hasField(p, "body.old_password") {
			t.Errorf("errors should name body.old_password: %v", fieldErrors(p))
		}
		p = checkProblem(t, "short new password", a.Do("POST", "/api/v1/auth/password", tok,
			map[string]string{"old_password": testenv.UserPassword, "new_password": "short"}), 422)
		if !hasField(p, "body.new_password") {
			t.Errorf("errors should name body.new_password: %v", fieldErrors(p))
		}
		// Nothing changed: the token still works.
		a.Must(200, "GET", "/api/v1/me", tok, nil)
	})
}

// TestFirstAdmin starts the app on an empty database without
// DUCHA_ADMIN_PASSWORD: it must create admin with a random password shown
// once in the log, and not again on the next start.
func TestFirstAdmin(t *testing.T) {
	ctx := context.Background()
	dsn := testenv.DSN(t)
	cfg := app.Config{Addr: "127.0.0.1:0", DB: dsn, Redis: testenv.RedisAddr(), Queue: "ducha-test-first-admin",
		TokenTTL: time.Hour, Files: t.TempDir(), Workers: 1}
	start := func() (*app.App, string) {
		var logs bytes.Buffer
		a, err := app.New(ctx, cfg, slog.New(slog.NewTextHandler(&logs, nil)), app.Options{Hashing: testenv.CheapHashing})
		if err != nil {
			t.Fatal(err)
		}
		return a, logs.String()
	}
	a, logs := start()
	m := regexp.MustCompile(`password=(\S+)`).FindStringSubmatch(logs)
	if m == nil {
		a.Close()
		t.Fatalf("no generated password in the log:\n%s", logs)
	}
	password := m[1]
	if len(password) < 16 {
		t.Errorf("generated password %q is short", password)
	}
	s, err := a.Auth.Login(ctx, "admin", password, "127.0.0.1")
	if err != nil {
		t.Fatalf("admin cannot sign in with the logged password: %v", err)
	}
	if s.User.Role != "national_admin" || s.User.RegionCode != "0" {
		t.Errorf("first admin is %+v", s.User)
	}
	a.Close()

	b, logs := start()
	defer b.Close()
	if regexp.MustCompile(`password=`).MatchString(logs) {
		t.Errorf("a second start printed a password again:\n%s", logs)
	}
	if _, err := b.Auth.Login(ctx, "admin", password, "127.0.0.1"); err != nil {
		t.Errorf("the admin of the first start is gone: %v", err)
	}
}
