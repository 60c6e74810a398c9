package workflow

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/ducha/ducha/domain"
	"github.com/ducha/ducha/store"
)

// Fire asks to apply an event to a stateful entity.
type Fire struct {
	Event  domain.Event
	Branch string // for events with two outcomes (complaint callback, forced batch moves)
	Reason string
	// IfMatch is the version the client last saw (If-Match); nil skips the check.
	IfMatch *int
}

// Current is a stateful row as read at the start of the transaction.
type Current struct {
	Entity  string // audit entity name: "campaign", "batch", "inspection", "complaint"
	Table   string // its table
	ID      int64
	Region  string // the region the entity belongs to, for scope checks and the audit log
	State   domain.State
	Version int
}

// FireOptions tune apply.
type FireOptions struct {
	// System fires automatic events on the system's behalf; the role check
	// is skipped.
	System bool
	// Guard checks the row's guard (named in t.Guard) against the database;
	// it returns a domain error (EInvalid listing what is missing) to refuse.
	Guard func(t domain.Transition) error
	// Set are further columns to write with the state (e.g. assignee).
	Set map[string]any
	// Detail goes into the audit row.
	Detail map[string]any
}

// apply is the one function that moves a state machine: it checks If-Match
// (412), the machine's table (409 with the allowed events), the actor's role
// (403), the reason, the guard, then moves the row with optimistic locking
// (a lost race is 409 with the events allowed now) and writes the audit row,
// all inside tx. The caller has already checked the actor's region scope.
func apply(ctx context.Context, tx *store.Tx, m domain.Machine, actor domain.Actor, cur Current, f Fire, now time.Time, o FireOptions) (domain.Transition, error) {
	if f.IfMatch != nil && *f.IfMatch != cur.Version {
		return domain.Transition{}, &domain.Error{Code: domain.EPreconditionFailed,
			Message: "the " + cur.Entity + " changed since version " + strconv.Itoa(*f.IfMatch) + "; it is at version " + strconv.Itoa(cur.Version),
			Extra:   map[string]any{"version": cur.Version, "state": string(cur.State)}}
	}
	t, err := m.Next(cur.State, f.Event, f.Branch)
	if err != nil {
		return t, err
	}
	if !o.System && !m.Permits(t, actor.Role) {
		return t, &domain.Error{Code: domain.EForbidden,
			Message: "role " + string(actor.Role) + " may not " + string(f.Event) + " a " + cur.Entity,
			Extra:   map[string]any{"allowed_events": eventsOf(m.AllowedFor(cur.State, actor.Role))}}
	}
	if t.NeedsReason && strings.TrimSpace(f.Reason) == "" {
		var v domain.Validation
		v.Add("body.reason", "the event %s needs a reason", f.Event)
		return t, v.Err()
	}
	if o.Guard != nil {
		if err := o.Guard(t); err != nil {
			return t, err
		}
	}
	ok, err := tx.SetState(cur.Table, cur.ID, cur.State, cur.Version, t.To, now, o.Set)
	if err != nil {
		return t, err
	}
	if !ok {
		state, _, err := tx.CurrentState(cur.Table, cur.ID)
		if err != nil {
			return t, err
		}
		return t, &domain.Error{Code: domain.EConflict,
			Message: "the " + cur.Entity + " was changed by someone else; it is now " + string(state),
			Extra:   map[string]any{"state": string(state), "allowed_events": eventsOf(m.Allowed(state))}}
	}
	detail := o.Detail
	if f.Branch != "" {
		if detail == nil {
			detail = map[string]any{}
		}
		detail["branch"] = f.Branch
	}
	err = audit(ctx, tx, actor, now, store.AuditEntry{Entity: cur.Entity, EntityID: strconv.FormatInt(cur.ID, 10),
		RegionCode: cur.Region, Event: string(f.Event), FromState: string(cur.State), ToState: string(t.To),
		Reason: f.Reason, Detail: detail})
	return t, err
}

func eventsOf(es []domain.Event) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = string(e)
	}
	return out
}
