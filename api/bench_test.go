package api_test

import (
	"context"
	"testing"

	"github.com/ducha/ducha/testenv"
)

// BenchmarkAuthenticateAndAuthorize is what every request pays before its
// handler: verify the token, load its user, and decide the permission.
func BenchmarkAuthenticateAndAuthorize(b *testing.B) {
	a := testenv.StartApp(b, testenv.AppOptions{NoWorker: true})
	token := a.NewUser("county410102", "county_officer", "410102")
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		u, err := a.Auth.Authenticate(ctx, token)
		if err != nil {
			b.Fatal(err)
		}
		if !a.Authz.Allowed(u.Role, "campaigns", "read", u.RegionCode, "4101") {
			b.Fatal("denied")
		}
	}
}

// BenchmarkGetMe is one whole signed-in request over loopback HTTP.
func BenchmarkGetMe(b *testing.B) {
	a := testenv.StartApp(b, testenv.AppOptions{NoWorker: true})
	token := a.NewUser("county410102", "county_officer", "410102")
	b.ReportAllocs()
	for b.Loop() {
		if r := a.Do("GET", "/api/v1/me", token, nil); r.Status != 200 {
			b.Fatalf("status %d", r.Status)
		}
	}
}
