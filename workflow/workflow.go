// Package workflow holds ducha's use cases: sign-in and users, the indicator
// catalogue, campaigns and their phases, self-checks and reviews, complaint
// cases, feedback letters and bulletins. Each public method takes the acting
// user, checks what that user may do, opens one transaction, takes one `now`
// from the injected clock, writes the change and its audit row together, and
// records the jobs the change causes in the outbox of the same transaction.
//
// The API handlers and the background jobs call the same methods.
package workflow

import (
	"context"
	"log/slog"
	"time"

	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/policies"
	"github.com/ducha/ducha/store"
)

// Clock tells the time; tests pass a fake one to move deadlines.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock, in UTC at microsecond precision (what the
// databases store).
type SystemClock struct{}

// Now returns the current time.
func (SystemClock) Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// Deps are what every use case needs.
type Deps struct {
	Store *store.Store
	Authz *policies.Authorizer
	Clock Clock
	Log   *slog.Logger
}

func (d Deps) now() time.Time { return d.Clock.Now().UTC().Truncate(time.Microsecond) }

type requestIDKey struct{}

// WithRequestID tags ctx with the id of the request that causes a change, so
// that the audit log can name it.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the id set by WithRequestID, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// audit writes one audit row in tx, filling the time and the request id.
func audit(ctx context.Context, tx *store.Tx, actor domain.Actor, now time.Time, e store.AuditEntry) error {
	e.At = now
	e.RequestID = RequestID(ctx)
	return tx.Audit(e, actor)
}

// Page asks for one page of a listing.
type Page struct {
	Limit  int
	Cursor string
}

// Default and largest page sizes (API.md).
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// Size returns the page size, clamped to [1, MaxLimit].
func (p Page) Size() int {
	switch {
	case p.Limit <= 0:
		return DefaultLimit
	case p.Limit > MaxLimit:
		return MaxLimit
	}
	return p.Limit
}
