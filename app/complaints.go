package app

import (
	"context"
	"time"

	"github.com/ducha/ducha/jobs"
	"github.com/ducha/ducha/workflow"
)

// initComplaints builds the hotline's use cases: the complaint cases and the
// holiday calendar.
func (a *App) initComplaints(ctx context.Context, deps workflow.Deps, sealer *workflow.Sealer) error {
	rules, err := workflow.ParseComplaintRules(a.Config.ComplaintDeadlines)
	if err != nil {
		return err
	}
	a.Complaints, err = workflow.NewComplaints(deps, workflow.ComplaintsConfig{Sealer: sealer, Rules: rules})
	if err != nil {
		return err
	}
	a.Holidays = &workflow.Holidays{Deps: deps}
	return nil
}

// runRelayAndSweeper runs the outbox relay and, beside it, the complaint
// sweeper, until ctx ends.
func (a *App) runRelayAndSweeper(ctx context.Context, relay *jobs.Relay) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.Complaints.RunSweeper(ctx, time.Second)
	}()
	relay.Run(ctx)
	<-done
}
