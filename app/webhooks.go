package app

import (
	"context"
	"time"

	"github.com/ducha/ducha/jobs"
	"github.com/ducha/ducha/store"
	"github.com/ducha/ducha/workflow"
)

// calls lists the task types whose work is a request to another system: the
// worker runs them with no transaction open (jobs.Call), then records their
// outcome in the transaction that marks the task done.
func (a *App) calls() jobs.Calls {
	return jobs.Calls{
		workflow.TypeWebhookDelivery: a.callWebhook,
	}
}

// callWebhook makes one attempt of a webhook delivery (Webhooks.Attempt).
func (a *App) callWebhook(ctx context.Context, t store.OutboxTask, now time.Time) (jobs.Handler, error) {
	record, err := a.Webhooks.Attempt(ctx, t.Payload, now)
	if err != nil || record == nil {
		return nil, err
	}
	return func(_ context.Context, tx *store.Tx, _ store.OutboxTask, _ time.Time) error { return record(tx) }, nil
}
