package domain_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/ducha/ducha/domain"
)

func TestMachinesValidate(t *testing.T) {
	ms := domain.Machines()
	if len(ms) != 4 {
		t.Fatalf("Machines() has %d machines, want 4", len(ms))
	}
	for name, m := range ms {
		if m.Name != name {
			t.Errorf("Machines()[%q].Name = %q", name, m.Name)
		}
		if err := m.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestUnlistedPairsRefused tries every state of a machine with every event
// known to any machine (and one unknown): a pair without a row is an
// EIllegalTransition listing the state's allowed events; a pair with rows
// gives back exactly those rows, branch by branch.
func TestUnlistedPairsRefused(t *testing.T) {
	var events []domain.Event
	for _, m := range domain.Machines() {
		events = append(events, m.Events()...)
	}
	events = append(events, "no_such_event", "")
	for name, m := range domain.Machines() {
		for _, s := range append(slices.Clone(m.States), "no_such_state") {
			allowed := m.Allowed(s)
			wantAllowed := make([]string, len(allowed))
			for i, e := range allowed {
				wantAllowed[i] = string(e)
			}
			for _, ev := range events {
				var rows []domain.Transition
				for _, tr := range m.Transitions {
					if tr.From == s && tr.Event == ev {
						rows = append(rows, tr)
					}
				}
				if len(rows) == 0 {
					_, err := m.Next(s, ev, "")
					var de *domain.Error
					if !errors.As(err, &de) || de.Code != domain.EIllegalTransition {
						t.Fatalf("%s: Next(%s, %s) = %v, want illegal transition", name, s, ev, err)
					}
					if got := de.Extra["allowed_events"].([]string); !slices.Equal(got, wantAllowed) {
						t.Errorf("%s: Next(%s, %s) allowed_events = %v, want %v", name, s, ev, got, wantAllowed)
					}
					if de.Extra["state"] != string(s) || de.Extra["event"] != string(ev) {
						t.Errorf("%s: Next(%s, %s) extra = %v", name, s, ev, de.Extra)
					}
					if slices.Contains(allowed, ev) {
						t.Errorf("%s: %s is allowed in %s but has no row", name, ev, s)
					}
					continue
				}
				if !slices.Contains(allowed, ev) {
					t.Errorf("%s: %s has a row from %s but is not in Allowed", name, ev, s)
				}
				for _, row := range rows {
					got, err := m.Next(s, ev, row.Branch)
					if err != nil || got.To != row.To || got.Branch != row.Branch {
						t.Errorf("%s: Next(%s, %s, %q) = %+v, %v; want %+v", name, s, ev, row.Branch, got, err, row)
					}
				}
			}
		}
	}
}

func TestAllowedSortedUniqueNeverNil(t *testing.T) {
	for name, m := range domain.Machines() {
		for _, s := range m.States {
			a := m.Allowed(s)
			if a == nil {
				t.Errorf("%s: Allowed(%s) is nil", name, s)
			}
			if !slices.IsSorted(a) || len(slices.Compact(slices.Clone(a))) != len(a) {
				t.Errorf("%s: Allowed(%s) = %v, not sorted and unique", name, s, a)
			}
			if m.IsFinal(s) != (len(a) == 0) {
				t.Errorf("%s: state %s final=%v with allowed %v", name, s, m.IsFinal(s), a)
			}
		}
	}
	got := domain.ComplaintMachine().Allowed(domain.ComplaintResolved)
	want := []domain.Event{domain.ComplaintCallback, domain.ComplaintClose}
	if !slices.Equal(got, want) {
		t.Errorf("complaint Allowed(resolved) = %v, want %v (callback once)", got, want)
	}
}

func TestNextBranches(t *testing.T) {
	m := domain.ComplaintMachine()
	for _, tc := range []struct {
		branch string
		to     domain.State
	}{
		{domain.BranchSatisfied, domain.ComplaintClosed},
		{domain.BranchUnsatisfied, domain.ComplaintInvestigating},
	} {
		tr, err := m.Next(domain.ComplaintResolved, domain.ComplaintCallback, tc.branch)
		if err != nil || tr.To != tc.to {
			t.Errorf("callback %s: %+v, %v", tc.branch, tr, err)
		}
	}
	for _, branch := range []string{"", "maybe"} {
		_, err := m.Next(domain.ComplaintResolved, domain.ComplaintCallback, branch)
		var de *domain.Error
		if !errors.As(err, &de) || de.Code != domain.EInvalid {
			t.Fatalf("callback %q: %v, want invalid", branch, err)
		}
		want := []string{domain.BranchSatisfied, domain.BranchUnsatisfied}
		if got := de.Extra["allowed_branches"].([]string); !slices.Equal(got, want) {
			t.Errorf("callback %q: allowed_branches %v, want %v", branch, got, want)
		}
	}
	// A plain event with a branch it does not have.
	if _, err := m.Next(domain.ComplaintAssigned, domain.ComplaintAccept, "forced"); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("accept with a branch: %v, want invalid", err)
	}

	b := domain.BatchMachine()
	plain, err := b.Next(domain.BatchSelfCheck, domain.BatchStartSiteReview, "")
	if err != nil || plain.Guard != domain.GuardAllSelfChecksSubmitted || plain.NeedsReason {
		t.Errorf("start_site_review plain: %+v, %v", plain, err)
	}
	forced, err := b.Next(domain.BatchSelfCheck, domain.BatchStartSiteReview, domain.BranchForced)
	if err != nil || forced.Guard != domain.GuardSelfCheckDeadlinePassed || !forced.NeedsReason ||
		!slices.Equal(forced.Params, []string{domain.ParamForce}) || forced.To != domain.BatchSiteReview {
		t.Errorf("start_site_review forced: %+v, %v", forced, err)
	}
}

// walk fires the steps in order from the initial state, each as its role (the
// system for automatic rows), and returns the state it ends in.
func walk(t *testing.T, m domain.Machine, steps []step) domain.State {
	t.Helper()
	s := m.Initial
	for i, st := range steps {
		tr, err := m.Next(s, st.ev, st.branch)
		if err != nil {
			t.Fatalf("%s step %d: %s from %s: %v", m.Name, i, st.ev, s, err)
		}
		if st.role == "" {
			if !tr.Automatic || len(tr.Roles) != 0 {
				t.Fatalf("%s step %d: %s is not system-only", m.Name, i, st.ev)
			}
		} else if !m.Permits(tr, st.role) {
			t.Fatalf("%s step %d: %s may not fire %s", m.Name, i, st.role, st.ev)
		}
		if tr.NeedsReason != st.reason {
			t.Fatalf("%s step %d: %s needs reason = %v", m.Name, i, st.ev, tr.NeedsReason)
		}
		s = tr.To
	}
	return s
}

type step struct {
	ev     domain.Event
	branch string
	role   domain.Role // "" for the system
	reason bool
}

func TestPaths(t *testing.T) {
	const (
		admin     = domain.RoleNationalAdmin
		inspector = domain.RoleNationalInspector
		prov      = domain.RoleProvinceCoordinator
		county    = domain.RoleCountyOfficer
		township  = domain.RoleTownshipOfficer
		pref      = domain.RolePrefectureOfficer
		hotline   = domain.RoleHotlineOperator
		system    = domain.Role("")
	)
	cases := []struct {
		name  string
		m     domain.Machine
		steps []step
		want  domain.State
	}{
		{"campaign completes", domain.CampaignMachine(), []step{
			{ev: domain.CampaignActivate, role: system},
			{ev: domain.CampaignComplete, role: system},
		}, domain.CampaignCompleted},
		{"campaign cancelled", domain.CampaignMachine(), []step{
			{ev: domain.CampaignCancel, role: prov, reason: true},
		}, domain.CampaignCancelled},
		{"batch to bulletin, forced past the deadline", domain.BatchMachine(), []step{
			{ev: domain.BatchLaunch, role: admin},
			{ev: domain.BatchStartSiteReview, branch: domain.BranchForced, role: admin, reason: true},
			{ev: domain.BatchStartFeedback, role: admin},
			{ev: domain.BatchPublishBulletin, role: prov},
		}, domain.BatchBulletined},
		{"batch cancelled", domain.BatchMachine(), []step{
			{ev: domain.BatchCancel, role: admin, reason: true},
		}, domain.BatchCancelled},
		{"inspection returned once, rectification rejected once", domain.InspectionMachine(), []step{
			{ev: domain.InspectionOpenSelfCheck, role: system},
			{ev: domain.InspectionSubmitSelfCheck, role: prov},
			{ev: domain.InspectionBeginReview, role: inspector},
			{ev: domain.InspectionReturn, role: inspector, reason: true},
			{ev: domain.InspectionSubmitSelfCheck, role: county},
			{ev: domain.InspectionBeginReview, role: prov},
			{ev: domain.InspectionCompleteReview, role: inspector},
			{ev: domain.InspectionIssueFeedback, role: admin},
			{ev: domain.InspectionSubmitRectification, role: prov},
			{ev: domain.InspectionRejectRectification, role: admin, reason: true},
			{ev: domain.InspectionSubmitRectification, role: pref},
			{ev: domain.InspectionAcceptRectification, role: admin},
		}, domain.InspectionClosed},
		{"inspection cancelled with its batch", domain.InspectionMachine(), []step{
			{ev: domain.InspectionCancel, role: system},
		}, domain.InspectionCancelled},
		{"complaint: sent back, waits, extended, reopened, closed", domain.ComplaintMachine(), []step{
			{ev: domain.ComplaintAssign, role: hotline},
			{ev: domain.ComplaintSendBack, role: county, reason: true},
			{ev: domain.ComplaintAssign, role: prov},
			{ev: domain.ComplaintAccept, role: township},
			{ev: domain.ComplaintAwaitComplainant, role: township},
			{ev: domain.ComplaintComplainantReplied, role: township},
			{ev: domain.ComplaintRequestExtension, role: township, reason: true},
			{ev: domain.ComplaintRejectExtension, role: pref, reason: true},
			{ev: domain.ComplaintRequestExtension, role: county, reason: true},
			{ev: domain.ComplaintApproveExtension, role: pref},
			{ev: domain.ComplaintResolve, role: county},
			{ev: domain.ComplaintCallback, branch: domain.BranchUnsatisfied, role: hotline},
			{ev: domain.ComplaintResolve, role: hotline},
			{ev: domain.ComplaintCallback, branch: domain.BranchSatisfied, role: admin},
		}, domain.ComplaintClosed},
		{"anonymous complaint closed without callback", domain.ComplaintMachine(), []step{
			{ev: domain.ComplaintAssign, role: county},
			{ev: domain.ComplaintAccept, role: county},
			{ev: domain.ComplaintResolve, role: county},
			{ev: domain.ComplaintClose, role: hotline, reason: true},
		}, domain.ComplaintClosed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := walk(t, tc.m, tc.steps); got != tc.want {
				t.Errorf("ended in %s, want %s", got, tc.want)
			}
		})
	}
}

func TestPermits(t *testing.T) {
	type check struct {
		m      domain.Machine
		from   domain.State
		ev     domain.Event
		branch string
		role   domain.Role
		want   bool
	}
	c, b, in, co := domain.CampaignMachine(), domain.BatchMachine(), domain.InspectionMachine(), domain.ComplaintMachine()
	for _, k := range []check{
		{c, domain.CampaignPlanning, domain.CampaignActivate, "", domain.RoleNationalAdmin, false},
		{c, domain.CampaignPlanning, domain.CampaignCancel, "", domain.RoleNationalInspector, false},
		{b, domain.BatchPlanning, domain.BatchLaunch, "", domain.RolePrefectureOfficer, false},
		{b, domain.BatchPlanning, domain.BatchLaunch, "", domain.RoleProvinceCoordinator, true},
		{in, domain.InspectionPlanned, domain.InspectionOpenSelfCheck, "", domain.RoleNationalAdmin, false},
		{in, domain.InspectionSelfCheck, domain.InspectionSubmitSelfCheck, "", domain.RoleNationalAdmin, false},
		{in, domain.InspectionSelfCheck, domain.InspectionSubmitSelfCheck, "", domain.RoleTownshipOfficer, false},
		{in, domain.InspectionSiteReview, domain.InspectionCompleteReview, "", domain.RoleNationalInspector, true},
		{in, domain.InspectionReviewed, domain.InspectionIssueFeedback, "", domain.RoleNationalInspector, false},
		{co, domain.ComplaintReceived, domain.ComplaintAssign, "", domain.RoleTownshipOfficer, false},
		{co, domain.ComplaintAssigned, domain.ComplaintAccept, "", domain.RoleTownshipOfficer, true},
		{co, domain.ComplaintAssigned, domain.ComplaintAccept, "", domain.RoleVillageOfficer, false},
		{co, domain.ComplaintExtensionRequested, domain.ComplaintApproveExtension, "", domain.RoleCountyOfficer, false},
		{co, domain.ComplaintResolved, domain.ComplaintCallback, domain.BranchSatisfied, domain.RoleCountyOfficer, false},
		{co, domain.ComplaintResolved, domain.ComplaintClose, "", domain.RoleViewer, false},
	} {
		tr, err := k.m.Next(k.from, k.ev, k.branch)
		if err != nil {
			t.Fatalf("%s %s: %v", k.m.Name, k.ev, err)
		}
		if got := k.m.Permits(tr, k.role); got != k.want {
			t.Errorf("%s: Permits(%s, %s) = %v, want %v", k.m.Name, k.ev, k.role, got, k.want)
		}
	}
	// Nobody but the listed roles, and no viewer or village officer anywhere.
	for name, m := range domain.Machines() {
		for _, tr := range m.Transitions {
			for _, r := range []domain.Role{domain.RoleViewer, domain.RoleVillageOfficer} {
				if m.Permits(tr, r) {
					t.Errorf("%s: %s may fire %s", name, r, tr.Event)
				}
			}
		}
	}
	got := co.AllowedFor(domain.ComplaintResolved, domain.RoleHotlineOperator)
	if want := []domain.Event{domain.ComplaintCallback, domain.ComplaintClose}; !slices.Equal(got, want) {
		t.Errorf("AllowedFor(resolved, hotline) = %v, want %v", got, want)
	}
	if got := in.AllowedFor(domain.InspectionPlanned, domain.RoleNationalAdmin); len(got) != 0 || got == nil {
		t.Errorf("AllowedFor(planned, admin) = %#v, want empty", got)
	}
}

func TestValidateFindsProblems(t *testing.T) {
	ok := func() domain.Machine {
		return domain.Machine{
			Name: "toy", Initial: "a", States: []domain.State{"a", "b", "c"}, Final: []domain.State{"c"},
			Transitions: []domain.Transition{
				{From: "a", Event: "go", To: "b", Roles: []domain.Role{domain.RoleNationalAdmin}, Guard: "g"},
				{From: "b", Event: "end", To: "c", Automatic: true},
			},
			Guards: map[string]string{"g": "always"},
		}
	}
	if err := ok().Validate(); err != nil {
		t.Fatalf("toy machine: %v", err)
	}
	for _, tc := range []struct {
		name   string
		mutate func(*domain.Machine)
		want   string
	}{
		{"no name", func(m *domain.Machine) { m.Name = "" }, "no name"},
		{"unknown initial", func(m *domain.Machine) { m.Initial = "z" }, `initial state "z" is not a state`},
		{"state twice", func(m *domain.Machine) { m.States = append(m.States, "a") }, `state "a" listed twice`},
		{"unknown final", func(m *domain.Machine) { m.Final = append(m.Final, "z") }, `final state "z" is not a state`},
		{"unknown to", func(m *domain.Machine) { m.Transitions[0].To = "z" }, `to state "z" is not a state`},
		{"unknown from", func(m *domain.Machine) { m.Transitions[1].From = "z" }, `from state "z" is not a state`},
		{"duplicate row", func(m *domain.Machine) {
			m.Transitions = append(m.Transitions, domain.Transition{From: "a", Event: "go", To: "c", Automatic: true})
		}, "duplicate row (a, go, \"\")"},
		{"final with a row out", func(m *domain.Machine) {
			m.Transitions = append(m.Transitions, domain.Transition{From: "c", Event: "again", To: "a", Automatic: true})
		}, `final state "c" has a row out`},
		{"dead end", func(m *domain.Machine) { m.Final = nil }, `state "c" is not final but has no row out`},
		{"unreachable", func(m *domain.Machine) {
			m.States = append(m.States, "d")
			m.Final = append(m.Final, "d")
		}, `state "d" is not reachable from "a"`},
		{"guard not described", func(m *domain.Machine) { m.Transitions[1].Guard = "h" }, `guard "h" is not described`},
		{"guard unused", func(m *domain.Machine) { m.Guards["x"] = "never" }, `guard "x" is described but no row uses it`},
		{"nobody may fire", func(m *domain.Machine) { m.Transitions[0].Roles = nil }, "nobody may fire it"},
		{"unknown role", func(m *domain.Machine) { m.Transitions[0].Roles = []domain.Role{"king"} }, `unknown role "king"`},
		{"empty event", func(m *domain.Machine) { m.Transitions[0].Event = "" }, "empty event"},
	} {
		m := ok()
		tc.mutate(&m)
		err := m.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Validate() = %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestMachineJSON(t *testing.T) {
	b, err := json.Marshal(domain.CampaignMachine())
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"name", "initial", "states", "final", "transitions", "guards", "events"} {
		if _, ok := got[k]; !ok {
			t.Errorf("machine JSON lacks %q: %s", k, b)
		}
	}
	tr := got["transitions"].([]any)[0].(map[string]any)
	for _, k := range []string{"from", "event", "to", "roles", "automatic", "needs_reason", "guard"} {
		if _, ok := tr[k]; !ok {
			t.Errorf("transition JSON lacks %q: %v", k, tr)
		}
	}
	if roles, ok := tr["roles"].([]any); !ok || len(roles) != 0 {
		t.Errorf("system-only roles = %#v, want []", tr["roles"])
	}
	if evs := got["events"].([]any); len(evs) != 3 || evs[0] != "activate" {
		t.Errorf("events = %v", evs)
	}
	// It reads back into a Machine equal to the table.
	var m domain.Machine
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if err := m.Validate(); err != nil || len(m.Transitions) != 3 || m.Transitions[2].Roles[0] != domain.RoleNationalAdmin {
		t.Errorf("round trip: %+v, %v", m, err)
	}
	b, _ = json.Marshal(domain.ComplaintMachine())
	if !strings.Contains(string(b), `"guards":{}`) || !strings.Contains(string(b), `"branch":"satisfied"`) {
		t.Errorf("complaint JSON: %s", b)
	}
}

func TestMachinesAreFresh(t *testing.T) {
	m := domain.BatchMachine()
	m.Transitions[0].Roles[0] = domain.RoleViewer
	m.Guards["x"] = "y"
	if domain.BatchMachine().Transitions[0].Roles[0] == domain.RoleViewer {
		t.Error("changing one machine's roles changed the table")
	}
	for _, tr := range domain.BatchMachine().Transitions {
		if domain.BatchMachine().Permits(tr, domain.RoleViewer) {
			t.Error("roles are shared between rows")
		}
	}
}

// TestRandomEventsStayInStates fires random events (known, unknown, with
// random branches) from the initial state: every accepted event lands on a
// listed state, every refused one leaves the state unchanged with an
// EIllegalTransition (no row) or EInvalid (no such branch), and acceptance
// agrees with Allowed.
func TestRandomEventsStayInStates(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		names := []string{domain.MachineCampaign, domain.MachineBatch, domain.MachineInspection, domain.MachineComplaint}
		m := domain.Machines()[rapid.SampledFrom(names).Draw(t, "machine")]
		events := append(m.Events(), "no_such_event", "cancel", "return")
		branches := []string{"", domain.BranchForced, domain.BranchSatisfied, domain.BranchUnsatisfied, "other"}
		s := m.Initial
		n := rapid.IntRange(0, 60).Draw(t, "steps")
		for i := 0; i < n; i++ {
			ev := rapid.SampledFrom(events).Draw(t, "event")
			br := rapid.SampledFrom(branches).Draw(t, "branch")
			tr, err := m.Next(s, ev, br)
			switch domain.ErrorCode(err) {
			case "":
				if tr.From != s || tr.Event != ev || tr.Branch != br {
					t.Fatalf("Next(%s, %s, %q) gave row %+v", s, ev, br, tr)
				}
				if !m.HasState(tr.To) {
					t.Fatalf("Next(%s, %s, %q) reached unlisted state %q", s, ev, br, tr.To)
				}
				s = tr.To
			case domain.EIllegalTransition:
				if slices.Contains(m.Allowed(s), ev) {
					t.Fatalf("Next(%s, %s) refused an allowed event", s, ev)
				}
			case domain.EInvalid:
				if !slices.Contains(m.Allowed(s), ev) {
					t.Fatalf("Next(%s, %s, %q) said bad branch for an event not allowed", s, ev, br)
				}
			default:
				t.Fatalf("Next(%s, %s, %q): unexpected %v", s, ev, br, err)
			}
			if !m.HasState(s) {
				t.Fatalf("current state %q is not listed", s)
			}
		}
	})
}
