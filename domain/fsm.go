package domain

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
)

// State is a state of one of the workflow machines, e.g. "self_check".
type State string

// Event names a transition, e.g. "submit_self_check". A client sends it as
// {"event": …} to POST /api/v1/{resource}/{id}/transitions.
type Event string

// Transition is one row of a machine's table: in state From, Event (with
// Branch, when the event has several outcomes) leads to To.
//
// The table says what may happen and who may do it; it does not check region
// scope, and it does not evaluate guards: Guard names a condition that the
// workflow code checks before it applies the row (Machine.Guards describes
// each name).
type Transition struct {
	From  State `json:"from"`
	Event Event `json:"event"`
	To    State `json:"to"`
	// Branch tells apart rows of one (From, Event) with different outcomes,
	// e.g. a complaint callback "satisfied" or "unsatisfied", or a batch's
	// start_site_review "forced" past the deadline. "" is the plain row.
	Branch string `json:"branch,omitempty"`
	// Guard names the condition that must hold; "" for none.
	Guard string `json:"guard,omitempty"`
	// Roles may fire the event. A row with Automatic set and no roles is fired
	// by the system only.
	Roles []Role `json:"roles"`
	// Automatic rows are fired by the system as a consequence of another
	// change (e.g. a campaign activates when its first batch launches).
	Automatic bool `json:"automatic"`
	// NeedsReason rows refuse an empty "reason".
	NeedsReason bool `json:"needs_reason"`
	// Params lists the other body fields the event needs (besides "event"
	// and "reason"), e.g. "region_code".
	Params []string `json:"params,omitempty"`
}

// MarshalJSON writes Roles as [] rather than null for system-only rows.
func (t Transition) MarshalJSON() ([]byte, error) {
	type plain Transition
	p := plain(t)
	if p.Roles == nil {
		p.Roles = []Role{}
	}
	return json.Marshal(p)
}

// Machine is a state machine as data: the API serves it as-is at
// GET /api/v1/workflows/{name}, and Next is the one place that decides
// whether an event may move a resource.
type Machine struct {
	Name        string       `json:"name"`
	Initial     State        `json:"initial"`
	States      []State      `json:"states"`
	Final       []State      `json:"final"`
	Transitions []Transition `json:"transitions"`
	// Guards maps each guard name used by a row to a human description.
	Guards map[string]string `json:"guards"`
}

// MarshalJSON adds "events", every event of the table sorted, to the fields.
func (m Machine) MarshalJSON() ([]byte, error) {
	type plain Machine
	p := plain(m)
	if p.Guards == nil {
		p.Guards = map[string]string{}
	}
	return json.Marshal(struct {
		plain
		Events []Event `json:"events"`
	}{p, m.Events()})
}

// HasState reports whether s is one of the machine's states.
func (m Machine) HasState(s State) bool { return slices.Contains(m.States, s) }

// IsFinal reports whether s is a final state (one with no way out).
func (m Machine) IsFinal(s State) bool { return slices.Contains(m.Final, s) }

// Events returns every event of the table, sorted and unique.
func (m Machine) Events() []Event {
	out := make([]Event, 0, len(m.Transitions))
	for _, t := range m.Transitions {
		out = append(out, t.Event)
	}
	return sortedUnique(out)
}

// Allowed returns the events that have a row from state from, sorted and
// unique, whoever may fire them (automatic ones included); never nil.
func (m Machine) Allowed(from State) []Event {
	out := []Event{}
	for _, t := range m.Transitions {
		if t.From == from {
			out = append(out, t.Event)
		}
	}
	return sortedUnique(out)
}

// AllowedFor returns the events from state from that role may fire, sorted
// and unique; never nil. Use it to show a user what they can do next.
func (m Machine) AllowedFor(from State, role Role) []Event {
	out := []Event{}
	for _, t := range m.Transitions {
		if t.From == from && m.Permits(t, role) {
			out = append(out, t.Event)
		}
	}
	return sortedUnique(out)
}

// Permits reports whether role may fire t. No role may fire a system-only
// row (Automatic with no Roles): the system applies those itself, without
// asking Permits.
func (m Machine) Permits(t Transition, role Role) bool {
	return slices.Contains(t.Roles, role)
}

// Next returns the row that event ev (with branch, "" for the plain row)
// fires in state from.
//
// When no row has (from, ev) it returns an EIllegalTransition *Error whose
// Extra holds "state" (string), "event" (string) and "allowed_events"
// ([]string, sorted and unique, as Allowed). When rows have (from, ev) but
// none has branch, the event itself is legal but the request does not say
// which outcome it is: it returns an EInvalid *Error whose Extra holds
// "state", "event" and "allowed_branches" ([]string, sorted).
//
// Next checks neither roles (Permits) nor guards.
func (m Machine) Next(from State, ev Event, branch string) (Transition, error) {
	var branches []string
	for _, t := range m.Transitions {
		if t.From != from || t.Event != ev {
			continue
		}
		if t.Branch == branch {
			return t, nil
		}
		branches = append(branches, t.Branch)
	}
	if branches == nil {
		allowed := []string{}
		for _, e := range m.Allowed(from) {
			allowed = append(allowed, string(e))
		}
		return Transition{}, &Error{
			Code:    EIllegalTransition,
			Message: fmt.Sprintf("%s: event %q is not allowed in state %q", m.Name, ev, from),
			Extra:   map[string]any{"state": string(from), "event": string(ev), "allowed_events": allowed},
		}
	}
	sort.Strings(branches)
	return Transition{}, &Error{
		Code:    EInvalid,
		Message: fmt.Sprintf("%s: event %q in state %q has no outcome %q", m.Name, ev, from, branch),
		Extra:   map[string]any{"state": string(from), "event": string(ev), "allowed_branches": branches},
	}
}

// Validate checks that the table is well formed: a name; the initial state,
// every final state and every row's states are listed in States, with no
// state listed twice; no two rows share (From, Event, Branch); final states
// have no rows out and every other state has one; every state is reachable
// from Initial; every row has an event and roles unless it is automatic,
// and only known roles; every guard used is described and every guard
// described is used. It reports every problem found, joined.
func (m Machine) Validate() error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("machine %q: "+format, append([]any{m.Name}, args...)...))
	}
	if m.Name == "" {
		bad("no name")
	}
	seen := map[State]bool{}
	for _, s := range m.States {
		if s == "" {
			bad("empty state")
		}
		if seen[s] {
			bad("state %q listed twice", s)
		}
		seen[s] = true
	}
	if !seen[m.Initial] {
		bad("initial state %q is not a state", m.Initial)
	}
	final := map[State]bool{}
	for _, s := range m.Final {
		if !seen[s] {
			bad("final state %q is not a state", s)
		}
		final[s] = true
	}
	type key struct {
		from   State
		ev     Event
		branch string
	}
	rows := map[key]bool{}
	outgoing := map[State]bool{}
	next := map[State][]State{}
	used := map[string]bool{}
	for i, t := range m.Transitions {
		if !seen[t.From] {
			bad("row %d (%s): from state %q is not a state", i, t.Event, t.From)
		}
		if !seen[t.To] {
			bad("row %d (%s): to state %q is not a state", i, t.Event, t.To)
		}
		if t.Event == "" {
			bad("row %d: empty event", i)
		}
		k := key{t.From, t.Event, t.Branch}
		if rows[k] {
			bad("row %d: duplicate row (%s, %s, %q)", i, t.From, t.Event, t.Branch)
		}
		rows[k] = true
		if final[t.From] {
			bad("row %d (%s): final state %q has a row out", i, t.Event, t.From)
		}
		outgoing[t.From] = true
		next[t.From] = append(next[t.From], t.To)
		if len(t.Roles) == 0 && !t.Automatic {
			bad("row %d (%s from %s): nobody may fire it", i, t.Event, t.From)
		}
		for _, r := range t.Roles {
			if !r.Valid() {
				bad("row %d (%s from %s): unknown role %q", i, t.Event, t.From, r)
			}
		}
		if t.Guard != "" {
			used[t.Guard] = true
			if m.Guards[t.Guard] == "" {
				bad("row %d (%s from %s): guard %q is not described", i, t.Event, t.From, t.Guard)
			}
		}
	}
	for _, g := range slices.Sorted(maps.Keys(m.Guards)) {
		if !used[g] {
			bad("guard %q is described but no row uses it", g)
		}
	}
	for _, s := range m.States {
		if !final[s] && !outgoing[s] {
			bad("state %q is not final but has no row out", s)
		}
	}
	reached := map[State]bool{m.Initial: true}
	queue := []State{m.Initial}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, n := range next[s] {
			if !reached[n] {
				reached[n] = true
				queue = append(queue, n)
			}
		}
	}
	for _, s := range m.States {
		if !reached[s] {
			bad("state %q is not reachable from %q", s, m.Initial)
		}
	}
	return errors.Join(errs...)
}

func sortedUnique(evs []Event) []Event {
	slices.Sort(evs)
	return slices.Compact(evs)
}
