package app

import (
	"context"
	"strconv"
	"time"

	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/store"
)

// TypePing is a no-op task that proves the outbox → Redis → worker path
// works end to end: it writes one audit row. ducha enqueues none itself;
// tests and operators do.
const TypePing = "ping"

func (a *App) handlePing(ctx context.Context, tx *store.Tx, t store.OutboxTask, now time.Time) error {
	return tx.Audit(store.AuditEntry{At: now, Entity: "outbox", EntityID: strconv.FormatInt(t.ID, 10), Event: "ping"},
		domain.SystemActor)
}
