package app

import (
	"context"

	"github.com/ducha/ducha/workflow"
)

// initComplaints builds the hotline's use cases (the complaint cases and the
// holiday calendar) and makes sure the complaint sweep's chain of tasks runs.
func (a *App) initComplaints(ctx context.Context, deps workflow.Deps) error {
	rules, err := workflow.ParseComplaintRules(a.Config.ComplaintDeadlines)
	if err != nil {
		return err
	}
	a.Complaints, err = workflow.NewComplaints(deps, workflow.ComplaintsConfig{EncryptionKey: a.Config.EncryptionKey,
		Rules: rules})
	if err != nil {
		return err
	}
	a.Holidays = &workflow.Holidays{Deps: deps}
	return a.Complaints.EnsureSweep(ctx)
}
