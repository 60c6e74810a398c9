package domain

// The four workflow machines of DOMAIN.md §4 and §5. Each constructor returns
// a fresh Machine, so a caller may not change another's table.

// Machine names, as served at GET /api/v1/workflows/{machine}.
const (
	MachineCampaign   = "campaign"
	MachineBatch      = "batch"
	MachineInspection = "inspection"
	MachineComplaint  = "complaint"
)

// Campaign states and events.
const (
	CampaignPlanning  State = "planning"
	CampaignActive    State = "active"
	CampaignCompleted State = "completed"
	CampaignCancelled State = "cancelled"

	CampaignActivate Event = "activate" // automatic: its first batch launches
	CampaignComplete Event = "complete" // automatic: every batch bulletined, scope covered
	CampaignCancel   Event = "cancel"
)

// Batch states and events.
const (
	BatchPlanning   State = "planning"
	BatchSelfCheck  State = "self_check"
	BatchSiteReview State = "site_review"
	BatchFeedback   State = "feedback"
	BatchBulletined State = "bulletined"
	BatchCancelled  State = "cancelled"

	BatchLaunch          Event = "launch"
	BatchStartSiteReview Event = "start_site_review"
	BatchStartFeedback   Event = "start_feedback"
	BatchPublishBulletin Event = "publish_bulletin"
	BatchCancel          Event = "cancel"
)

// Inspection states and events.
const (
	InspectionPlanned                State = "planned"
	InspectionSelfCheck              State = "self_check"
	InspectionSelfCheckSubmitted     State = "self_check_submitted"
	InspectionSiteReview             State = "site_review"
	InspectionReviewed               State = "reviewed"
	InspectionFeedbackIssued         State = "feedback_issued"
	InspectionRectificationSubmitted State = "rectification_submitted"
	InspectionClosed                 State = "closed"
	InspectionCancelled              State = "cancelled"

	InspectionOpenSelfCheck       Event = "open_self_check" // automatic: its batch launches
	InspectionSubmitSelfCheck     Event = "submit_self_check"
	InspectionBeginReview         Event = "begin_review"
	InspectionReturn              Event = "return"
	InspectionCompleteReview      Event = "complete_review"
	InspectionIssueFeedback       Event = "issue_feedback"
	InspectionSubmitRectification Event = "submit_rectification"
	InspectionAcceptRectification Event = "accept_rectification"
	InspectionRejectRectification Event = "reject_rectification"
	InspectionCancel              Event = "cancel" // automatic: its batch is cancelled
)

// Complaint states and events.
const (
	ComplaintReceived           State = "received"
	ComplaintAssigned           State = "assigned"
	ComplaintInvestigating      State = "investigating"
	ComplaintWaitingComplainant State = "waiting_complainant" // deadlines pause
	ComplaintExtensionRequested State = "extension_requested"
	ComplaintResolved           State = "resolved"
	ComplaintClosed             State = "closed"

	ComplaintAssign             Event = "assign"
	ComplaintSendBack           Event = "send_back" // 退单
	ComplaintAccept             Event = "accept"
	ComplaintAwaitComplainant   Event = "await_complainant"
	ComplaintComplainantReplied Event = "complainant_replied"
	ComplaintRequestExtension   Event = "request_extension"
	ComplaintApproveExtension   Event = "approve_extension"
	ComplaintRejectExtension    Event = "reject_extension"
	ComplaintResolve            Event = "resolve"
	ComplaintCallback           Event = "callback"
	ComplaintClose              Event = "close"
)

// Branches: the outcomes of events that have more than one.
const (
	// BranchForced is a batch's start_site_review past the self-check
	// deadline with "force": true and a reason; the plain row needs every
	// self-check submitted.
	BranchForced = "forced"
	// BranchSatisfied and BranchUnsatisfied are a complaint callback's
	// outcomes, from "satisfied": true / false.
	BranchSatisfied   = "satisfied"
	BranchUnsatisfied = "unsatisfied"
)

// Guard names. The workflow code evaluates each one before it applies a row
// that names it.
const (
	GuardBatchLaunched           = "batch_launched"
	GuardCampaignDone            = "all_batches_bulletined_and_scope_covered"
	GuardAllSelfChecksSubmitted  = "all_self_checks_submitted"
	GuardSelfCheckDeadlinePassed = "self_check_deadline_passed"
	GuardAllInspectionsReviewed  = "all_inspections_reviewed"
	GuardAllFeedbackIssued       = "all_feedback_issued"
	GuardAllIndicatorsAnswered   = "all_indicators_answered"
	GuardBatchInSiteReview       = "batch_in_site_review"
	GuardAllIndicatorsRated      = "all_indicators_rated"
	GuardBatchInFeedback         = "batch_in_feedback"
	GuardAllRequirementsAnswered = "all_requirements_answered"
	GuardAllRequirementsAccepted = "all_requirements_accepted"
)

// Body fields that events need (Transition.Params).
const (
	ParamRegionCode = "region_code"
	ParamFinding    = "finding"
	ParamAction     = "action"
	ParamSatisfied  = "satisfied"
	ParamNote       = "note"
	ParamForce      = "force"
)

var (
	campaignManagers = []Role{RoleNationalAdmin, RoleProvinceCoordinator}
	// The coordinator of an inspected region: a national campaign inspects
	// provinces, a provincial one its counties (via prefectures).
	inspectedCoordinators = []Role{RoleProvinceCoordinator, RolePrefectureOfficer, RoleCountyOfficer}
	reviewers             = []Role{RoleNationalInspector, RoleNationalAdmin, RoleProvinceCoordinator}
	// The officers of the region a complaint is assigned to, and the hotline.
	assigneeOfficers = []Role{
		RoleProvinceCoordinator, RolePrefectureOfficer, RoleCountyOfficer, RoleTownshipOfficer, RoleHotlineOperator,
	}
	assigners = []Role{
		RoleHotlineOperator, RoleNationalAdmin, RoleProvinceCoordinator, RolePrefectureOfficer, RoleCountyOfficer,
	}
	// A superior of the assignee; the level check is the workflow's.
	extensionApprovers = []Role{RoleNationalAdmin, RoleProvinceCoordinator, RolePrefectureOfficer}
	callbackers        = []Role{RoleHotlineOperator, RoleNationalAdmin}
)

// roles returns a copy, so that no two rows (or machines) share a slice.
func roles(rs []Role) []Role { return append([]Role(nil), rs...) }

// CampaignMachine is a campaign's life: planning until its first batch
// launches, active until every batch is bulletined and its whole scope
// covered. Cancelling is for campaigns that never started; a province
// coordinator may cancel only its own provincial campaigns (scope is checked
// by the workflow).
func CampaignMachine() Machine {
	return Machine{
		Name:    MachineCampaign,
		Initial: CampaignPlanning,
		States:  []State{CampaignPlanning, CampaignActive, CampaignCompleted, CampaignCancelled},
		Final:   []State{CampaignCompleted, CampaignCancelled},
		Transitions: []Transition{
			{From: CampaignPlanning, Event: CampaignActivate, To: CampaignActive, Automatic: true, Guard: GuardBatchLaunched},
			{From: CampaignActive, Event: CampaignComplete, To: CampaignCompleted, Automatic: true, Guard: GuardCampaignDone},
			{From: CampaignPlanning, Event: CampaignCancel, To: CampaignCancelled, Roles: roles(campaignManagers), NeedsReason: true},
		},
		Guards: map[string]string{
			GuardBatchLaunched: "one of the campaign's batches has launched (fired by the system when the first one does)",
			GuardCampaignDone: "every batch of the campaign is bulletined (cancelled batches aside) and every region in its " +
				"scope was inspected exactly once in them (checked by the system after each bulletin)",
		},
	}
}

// BatchMachine is a batch's phases. A province coordinator manages only the
// batches of its own provincial campaigns (scope is checked by the workflow).
func BatchMachine() Machine {
	return Machine{
		Name:    MachineBatch,
		Initial: BatchPlanning,
		States:  []State{BatchPlanning, BatchSelfCheck, BatchSiteReview, BatchFeedback, BatchBulletined, BatchCancelled},
		Final:   []State{BatchBulletined, BatchCancelled},
		Transitions: []Transition{
			{From: BatchPlanning, Event: BatchLaunch, To: BatchSelfCheck, Roles: roles(campaignManagers)},
			{From: BatchSelfCheck, Event: BatchStartSiteReview, To: BatchSiteReview, Roles: roles(campaignManagers),
				Guard: GuardAllSelfChecksSubmitted},
			{From: BatchSelfCheck, Event: BatchStartSiteReview, Branch: BranchForced, To: BatchSiteReview,
				Roles: roles(campaignManagers), Guard: GuardSelfCheckDeadlinePassed, NeedsReason: true,
				Params: []string{ParamForce}},
			{From: BatchSiteReview, Event: BatchStartFeedback, To: BatchFeedback, Roles: roles(campaignManagers),
				Guard: GuardAllInspectionsReviewed},
			{From: BatchFeedback, Event: BatchPublishBulletin, To: BatchBulletined, Roles: roles(campaignManagers),
				Guard: GuardAllFeedbackIssued},
			{From: BatchPlanning, Event: BatchCancel, To: BatchCancelled, Roles: roles(campaignManagers), NeedsReason: true},
		},
		Guards: map[string]string{
			GuardAllSelfChecksSubmitted: "every inspection of the batch has submitted its self-check " +
				"(is in self_check_submitted or a later state)",
			GuardSelfCheckDeadlinePassed: "the batch's self_check_due has passed; the request sends \"force\": true " +
				"and a reason, and inspections still in self_check stay there",
			GuardAllInspectionsReviewed: "every inspection of the batch is reviewed (reviewed or a later state)",
			GuardAllFeedbackIssued:      "every inspection of the batch has had its feedback issued (feedback_issued or a later state)",
		},
	}
}

// InspectionMachine is one inspected region's way through a batch. The
// inspected region's coordinator answers (self-check, rectification); the
// reviewers rate; the campaign's managers issue feedback and judge the
// rectification. Region scope is checked by the workflow.
func InspectionMachine() Machine {
	return Machine{
		Name:    MachineInspection,
		Initial: InspectionPlanned,
		States: []State{
			InspectionPlanned, InspectionSelfCheck, InspectionSelfCheckSubmitted, InspectionSiteReview,
			InspectionReviewed, InspectionFeedbackIssued, InspectionRectificationSubmitted, InspectionClosed,
			InspectionCancelled,
		},
		Final: []State{InspectionClosed, InspectionCancelled},
		Transitions: []Transition{
			{From: InspectionPlanned, Event: InspectionOpenSelfCheck, To: InspectionSelfCheck, Automatic: true},
			{From: InspectionPlanned, Event: InspectionCancel, To: InspectionCancelled, Automatic: true},
			{From: InspectionSelfCheck, Event: InspectionSubmitSelfCheck, To: InspectionSelfCheckSubmitted,
				Roles: roles(inspectedCoordinators), Guard: GuardAllIndicatorsAnswered},
			{From: InspectionSelfCheckSubmitted, Event: InspectionBeginReview, To: InspectionSiteReview,
				Roles: roles(reviewers), Guard: GuardBatchInSiteReview},
			{From: InspectionSiteReview, Event: InspectionReturn, To: InspectionSelfCheck,
				Roles: roles(reviewers), NeedsReason: true},
			{From: InspectionSiteReview, Event: InspectionCompleteReview, To: InspectionReviewed,
				Roles: roles(reviewers), Guard: GuardAllIndicatorsRated},
			{From: InspectionReviewed, Event: InspectionIssueFeedback, To: InspectionFeedbackIssued,
				Roles: roles(campaignManagers), Guard: GuardBatchInFeedback},
			{From: InspectionFeedbackIssued, Event: InspectionSubmitRectification, To: InspectionRectificationSubmitted,
				Roles: roles(inspectedCoordinators), Guard: GuardAllRequirementsAnswered},
			{From: InspectionRectificationSubmitted, Event: InspectionAcceptRectification, To: InspectionClosed,
				Roles: roles(campaignManagers), Guard: GuardAllRequirementsAccepted},
			{From: InspectionRectificationSubmitted, Event: InspectionRejectRectification, To: InspectionFeedbackIssued,
				Roles: roles(campaignManagers), NeedsReason: true},
		},
		Guards: map[string]string{
			GuardAllIndicatorsAnswered: "every indicator of both sets assessed at the inspected region's levels has a " +
				"self-check answer (a narrative, or figures for every measure)",
			GuardBatchInSiteReview: "the inspection's batch is in site_review",
			GuardAllIndicatorsRated: "every indicator of both sets has a review: a rating, or verified figures " +
				"for every measure",
			GuardBatchInFeedback: "the inspection's batch is in feedback",
			GuardAllRequirementsAnswered: "every rectification requirement of the feedback letter has an answer " +
				"(narrative and attachments)",
			GuardAllRequirementsAccepted: "the reviewers have accepted the answer to every rectification requirement",
		},
	}
}

// ComplaintMachine is a complaint case's life. "Assignee officers" are the
// officers of the region the case is assigned to, checked by the workflow;
// the approver of an extension must sit above the assignee, also checked by
// the workflow. Deadlines pause while the case is waiting_complainant.
func ComplaintMachine() Machine {
	return Machine{
		Name:    MachineComplaint,
		Initial: ComplaintReceived,
		States: []State{
			ComplaintReceived, ComplaintAssigned, ComplaintInvestigating, ComplaintWaitingComplainant,
			ComplaintExtensionRequested, ComplaintResolved, ComplaintClosed,
		},
		Final: []State{ComplaintClosed},
		Transitions: []Transition{
			{From: ComplaintReceived, Event: ComplaintAssign, To: ComplaintAssigned, Roles: roles(assigners),
				Params: []string{ParamRegionCode}},
			{From: ComplaintAssigned, Event: ComplaintSendBack, To: ComplaintReceived, Roles: roles(assigneeOfficers),
				NeedsReason: true},
			{From: ComplaintAssigned, Event: ComplaintAccept, To: ComplaintInvestigating, Roles: roles(assigneeOfficers)},
			{From: ComplaintInvestigating, Event: ComplaintAwaitComplainant, To: ComplaintWaitingComplainant,
				Roles: roles(assigneeOfficers)},
			{From: ComplaintWaitingComplainant, Event: ComplaintComplainantReplied, To: ComplaintInvestigating,
				Roles: roles(assigneeOfficers)},
			{From: ComplaintInvestigating, Event: ComplaintRequestExtension, To: ComplaintExtensionRequested,
				Roles: roles(assigneeOfficers), NeedsReason: true},
			{From: ComplaintExtensionRequested, Event: ComplaintApproveExtension, To: ComplaintInvestigating,
				Roles: roles(extensionApprovers)},
			{From: ComplaintExtensionRequested, Event: ComplaintRejectExtension, To: ComplaintInvestigating,
				Roles: roles(extensionApprovers), NeedsReason: true},
			{From: ComplaintInvestigating, Event: ComplaintResolve, To: ComplaintResolved, Roles: roles(assigneeOfficers),
				Params: []string{ParamFinding, ParamAction}},
			{From: ComplaintResolved, Event: ComplaintCallback, Branch: BranchSatisfied, To: ComplaintClosed,
				Roles: roles(callbackers), Params: []string{ParamSatisfied, ParamNote}},
			{From: ComplaintResolved, Event: ComplaintCallback, Branch: BranchUnsatisfied, To: ComplaintInvestigating,
				Roles: roles(callbackers), Params: []string{ParamSatisfied, ParamNote}},
			{From: ComplaintResolved, Event: ComplaintClose, To: ComplaintClosed, Roles: roles(callbackers),
				NeedsReason: true},
		},
		Guards: map[string]string{},
	}
}

// Machines returns the four machines by name.
func Machines() map[string]Machine {
	return map[string]Machine{
		MachineCampaign:   CampaignMachine(),
		MachineBatch:      BatchMachine(),
		MachineInspection: InspectionMachine(),
		MachineComplaint:  ComplaintMachine(),
	}
}
