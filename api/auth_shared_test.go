package api_test

import (
	"net"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ducha/ducha/app"
	"github.com/ducha/ducha/testenv"
)

// TestLoginThrottleSharedByReplicas runs two processes on one database and
// one Redis: failures on either count against the same limit.
func TestLoginThrottleSharedByReplicas(t *testing.T) {
	first := testenv.StartApp(t, testenv.AppOptions{NoWorker: true})
	second := testenv.StartApp(t, testenv.AppOptions{NoWorker: true, DSN: first.Config.DB, Clock: first.Clock,
		Config: func(c *app.Config) { c.Redis, c.Queue = first.Queue.Addr(), first.Queue.Name() }})
	first.NewUser("prov42", "province_coordinator", "42")

	for i, a := range []*testenv.App{first, second, first, second, first} {
		checkProblem(t, "failure", a.Do("POST", "/api/v1/auth/login", "", login("prov42", "wrong-password")), 401)
		_ = i
	}
	for name, a := range map[string]*testenv.App{"first": first, "second": second} {
		p := checkProblem(t, "sixth try on "+name, a.Do("POST", "/api/v1/auth/login", "", login("prov42", testenv.UserPassword)), 429)
		if s, _ := p["retry_after_seconds"].(float64); s <= 0 {
			t.Errorf("no retry_after_seconds on %s: %v", name, p)
		}
	}

	first.Clock.Advance(15*time.Minute + time.Second)
	second.Must(200, "POST", "/api/v1/auth/login", "", login("prov42", testenv.UserPassword))
	// A success on one replica resets the user's count on both.
	for range 4 {
		checkProblem(t, "failure", first.Do("POST", "/api/v1/auth/login", "", login("prov42", "wrong-password")), 401)
	}
	second.Must(200, "POST", "/api/v1/auth/login", "", login("prov42", testenv.UserPassword))
	checkProblem(t, "failure after reset", first.Do("POST", "/api/v1/auth/login", "", login("prov42", "wrong-password")), 401)
	first.Must(200, "POST", "/api/v1/auth/login", "", login("prov42", testenv.UserPassword))
}

// TestLoginThrottleWithoutRedis signs in while Redis does not answer: the
// throttle falls back to the process's own counts.
func TestLoginThrottleWithoutRedis(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	l.Close()
	redis.SetLogger(quietRedis{})
	a := testenv.StartApp(t, testenv.AppOptions{NoWorker: true, Config: func(c *app.Config) { c.Redis = dead }})
	a.NewUser("prov43", "province_coordinator", "43")

	start := time.Now()
	a.Must(200, "POST", "/api/v1/auth/login", "", login("prov43", testenv.UserPassword))
	for range 5 {
		checkProblem(t, "failure", a.Do("POST", "/api/v1/auth/login", "", login("prov43", "wrong-password")), 401)
	}
	checkProblem(t, "sixth try", a.Do("POST", "/api/v1/auth/login", "", login("prov43", testenv.UserPassword)), 429)
	a.Must(200, "POST", "/api/v1/auth/login", "", login("admin", testenv.AdminPassword))
	t.Logf("9 sign-ins in %s", time.Since(start))
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("sign-ins took %s with Redis down", d)
	}
	a.Clock.Advance(15*time.Minute + time.Second)
	a.Must(200, "POST", "/api/v1/auth/login", "", login("prov43", testenv.UserPassword))
}
