//! The service-request flow (SPEC §3) as one transition table:
//! `(action, from states, who may act, guard) → (next state, effects)`.
//!
//! Everything the process demands is a guard here: on-site work needs the
//! specialist's approval (granted automatically when the contract snapshot
//! includes on-site service inside its period, otherwise a special case for the
//! department manager); an L2 request needs the specialist's approval and a
//! named L2 engineer (or the manager, for a customer without a valid contract,
//! or when the specialist refers it); an L2 on-site trip needs the manager; a
//! rejection returns the event to where it was, with the reason; closing needs
//! the customer's confirmation, the service report (confirmed by signature when
//! there was on-site work), the documentation step and, for a major incident, a
//! review. The app layer only loads, calls [`decide`] and writes the outcome.

use crate::ids::{CustomerId, PartnerId, TeamId, UserId};
use crate::priority::{Impact, Urgency};
use crate::role::{Role, Tier};
use crate::said::Said;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where an event stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// 已记录: recorded, entitlement snapshot taken.
    Recorded,
    /// 已分派: routed to a team or engineer at a tier.
    Assigned,
    /// 处理中: phone or remote work at the current tier.
    InProgress,
    /// 待审批: an approval is pending.
    AwaitingApproval,
    /// 现场处理: an on-site visit is planned or under way.
    Onsite,
    /// 待客户反馈: waiting on the customer.
    AwaitingCustomer,
    /// 已解决: fix delivered; customer confirmation pending.
    Resolved,
    /// 已关闭.
    Closed,
    /// 已取消.
    Cancelled,
}

impl State {
    pub const ALL: [State; 9] = [
        State::Recorded,
        State::Assigned,
        State::InProgress,
        State::AwaitingApproval,
        State::Onsite,
        State::AwaitingCustomer,
        State::Resolved,
        State::Closed,
        State::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Recorded => "recorded",
            State::Assigned => "assigned",
            State::InProgress => "in_progress",
            State::AwaitingApproval => "awaiting_approval",
            State::Onsite => "onsite",
            State::AwaitingCustomer => "awaiting_customer",
            State::Resolved => "resolved",
            State::Closed => "closed",
            State::Cancelled => "cancelled",
        }
    }

    pub fn is_open(self) -> bool {
        !matches!(self, State::Closed | State::Cancelled)
    }
}

/// What an approval is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// 现场服务: an on-site visit at the current tier.
    Onsite,
    /// 二线服务请求: hand the event to a named L2 engineer.
    EscalateL2,
}

/// Who decides an approval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Approver {
    Specialist,
    Manager,
}

/// A pending approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Pending {
    pub purpose: Purpose,
    pub approver: Approver,
    /// Outside the contract (no valid contract, or on-site not included): 特殊情况.
    pub special_case: bool,
    pub requested_by: UserId,
    /// The state the event returns to on rejection.
    pub return_state: State,
}

/// The entitlement snapshot as the flow sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct Entitled {
    pub has_contract: bool,
    pub in_period: bool,
    pub onsite_included: bool,
}

impl Entitled {
    /// Covered by a contract inside its service period.
    pub fn valid(self) -> bool {
        self.has_contract && self.in_period
    }
}

/// The service report's progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    #[default]
    None,
    Draft,
    Submitted,
    /// Confirmed by the customer (signature or one-time link): frozen.
    Confirmed,
}

/// The part of an event the flow decides on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Flow {
    pub state: State,
    pub tier: Tier,
    pub customer: CustomerId,
    pub team: Option<TeamId>,
    pub assignee: Option<UserId>,
    pub partner: Option<PartnerId>,
    pub impact: Impact,
    pub urgency: Urgency,
    pub major: bool,
    pub entitled: Entitled,
    pub pending: Option<Pending>,
    pub had_onsite: bool,
    pub report: ReportState,
    pub customer_confirmed: bool,
    pub documented: bool,
    pub reviewed: bool,
    /// L3 experts asked for advice.
    pub consultants: Vec<UserId>,
}

impl Flow {
    /// A freshly recorded event.
    pub fn recorded(customer: CustomerId, impact: Impact, urgency: Urgency, entitled: Entitled) -> Flow {
        Flow {
            state: State::Recorded,
            tier: Tier::L1,
            customer,
            team: None,
            assignee: None,
            partner: None,
            impact,
            urgency,
            major: impact.is_major(),
            entitled,
            pending: None,
            had_onsite: false,
            report: ReportState::None,
            customer_confirmed: false,
            documented: false,
            reviewed: false,
            consultants: Vec::new(),
        }
    }
}

/// Who is acting, as the flow needs to see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowActor {
    pub user: UserId,
    pub role: Role,
    pub tier: Option<Tier>,
    pub partner: Option<PartnerId>,
    pub customer: Option<CustomerId>,
}

/// Where to send an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Target {
    pub team: Option<TeamId>,
    pub assignee: Option<UserId>,
    pub partner: Option<PartnerId>,
    /// The tier the target works at (checked by the app against the records).
    pub tier: Tier,
}

/// What someone does to an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Dispatch (or re-dispatch) to a team, engineer or partner firm.
    Assign(Target),
    /// The holder takes the work up.
    Accept,
    /// Ask to work on site.
    RequestOnsite,
    /// L1 asks for L2.
    RequestL2,
    /// The specialist passes a pending approval to the department manager.
    ReferToManager,
    /// Grant the pending approval; an L2 request names the L2 engineer.
    Approve {
        l2: Option<Target>,
    },
    Reject {
        reason: String,
    },
    /// L1 or L2 asks an L3 expert for advice.
    ConsultL3 {
        expert: UserId,
    },
    /// The on-site visit is over; work continues remotely.
    FinishOnsite,
    WaitForCustomer,
    CustomerResponded,
    Resolve,
    /// The service report is submitted (a new version each time).
    SubmitReport,
    /// The customer confirmed the service report (signature or one-time link).
    ConfirmReport,
    /// The customer confirms the event is resolved (事件确认).
    Confirm,
    Reopen {
        reason: String,
    },
    /// The documentation step: a knowledge article linked or written, or why none is needed.
    Document,
    /// The review (回顾) of a major incident.
    Review,
    /// Impact or urgency changed.
    Reclassify {
        impact: Impact,
        urgency: Urgency,
    },
    Close,
    Cancel {
        reason: String,
    },
}

/// The kind of an action, the table's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Assign,
    Accept,
    RequestOnsite,
    RequestL2,
    ReferToManager,
    Approve,
    Reject,
    ConsultL3,
    FinishOnsite,
    WaitForCustomer,
    CustomerResponded,
    Resolve,
    SubmitReport,
    ConfirmReport,
    Confirm,
    Reopen,
    Document,
    Review,
    Reclassify,
    Close,
    Cancel,
}

impl Action {
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::Assign(_) => ActionKind::Assign,
            Action::Accept => ActionKind::Accept,
            Action::RequestOnsite => ActionKind::RequestOnsite,
            Action::RequestL2 => ActionKind::RequestL2,
            Action::ReferToManager => ActionKind::ReferToManager,
            Action::Approve { .. } => ActionKind::Approve,
            Action::Reject { .. } => ActionKind::Reject,
            Action::ConsultL3 { .. } => ActionKind::ConsultL3,
            Action::FinishOnsite => ActionKind::FinishOnsite,
            Action::WaitForCustomer => ActionKind::WaitForCustomer,
            Action::CustomerResponded => ActionKind::CustomerResponded,
            Action::Resolve => ActionKind::Resolve,
            Action::SubmitReport => ActionKind::SubmitReport,
            Action::ConfirmReport => ActionKind::ConfirmReport,
            Action::Confirm => ActionKind::Confirm,
            Action::Reopen { .. } => ActionKind::Reopen,
            Action::Document => ActionKind::Document,
            Action::Review => ActionKind::Review,
            Action::Reclassify { .. } => ActionKind::Reclassify,
            Action::Close => ActionKind::Close,
            Action::Cancel { .. } => ActionKind::Cancel,
        }
    }
}

/// Who may take an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// The service centre: specialists and the department manager.
    Dispatcher,
    /// The department manager.
    Manager,
    /// The engineer holding the event, or an engineer of the partner firm holding it.
    Holder,
    /// Whoever decides the pending approval (the manager may decide any).
    Approver,
    /// A contact of the event's customer.
    Customer,
}

fn matches(who: Who, f: &Flow, a: &FlowActor) -> bool {
    match who {
        Who::Dispatcher => matches!(a.role, Role::Specialist | Role::Manager),
        Who::Manager => a.role == Role::Manager,
        Who::Holder => match a.role {
            Role::Engineer => f.assignee == Some(a.user),
            Role::PartnerEngineer => {
                f.partner.is_some() && f.partner == a.partner && f.assignee.is_none_or(|u| u == a.user)
            }
            _ => false,
        },
        Who::Approver => match f.pending.as_ref().map(|p| p.approver) {
            Some(Approver::Specialist) => matches!(a.role, Role::Specialist | Role::Manager),
            Some(Approver::Manager) => a.role == Role::Manager,
            None => false,
        },
        Who::Customer => a.role == Role::Customer && a.customer == Some(f.customer),
    }
}

/// What a transition causes besides the new flow state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum Effect {
    /// Create an approval record for the pending request.
    ApprovalRequested {
        purpose: Purpose,
        approver: Approver,
        special_case: bool,
    },
    ApprovalGranted {
        purpose: Purpose,
    },
    ApprovalRejected {
        purpose: Purpose,
    },
    ApprovalReferred,
    /// Tell the department managers at once (major incident, special case, L2 on-site trip).
    NotifyManagers {
        reason: NotifyReason,
    },
    /// Tell one person (new holder, consulted expert, requester of a decided approval).
    NotifyUser {
        user: UserId,
        reason: NotifyReason,
    },
    /// Tell the customer's portal users (the contacts of the event's customer with a login).
    NotifyCustomer {
        reason: NotifyReason,
    },
}

/// Why someone is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NotifyReason {
    MajorIncident,
    ApprovalNeeded,
    ApprovalDecided,
    Assigned,
    Consultation,
    Reopened,
    /// The event is resolved: the customer is asked to confirm and to rate the service.
    Resolved,
}

/// Why an action is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Coded refusals: not this actor's (403), or not in this state or a guard
    /// does not hold (409).
    Said { forbidden: bool, said: crate::said::Said },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Said { said, .. } => write!(f, "{said}"),
        }
    }
}

fn code_of<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// The result of an allowed action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub flow: Flow,
    pub effects: Vec<Effect>,
}

type Guard = fn(&Flow, &Action) -> Result<(), Said>;

/// One row of the transition table.
pub struct Rule {
    pub action: ActionKind,
    pub from: &'static [State],
    pub who: &'static [Who],
    pub guard: Guard,
}

use State::*;

const OPEN: &[State] = &[Recorded, Assigned, InProgress, AwaitingApproval, Onsite, AwaitingCustomer, Resolved];

fn ok(_: &Flow, _: &Action) -> Result<(), Said> {
    Ok(())
}

fn needs_reason(_: &Flow, a: &Action) -> Result<(), Said> {
    match a {
        Action::Reject { reason } | Action::Reopen { reason } | Action::Cancel { reason }
            if reason.trim().is_empty() =>
        {
            Err(Said::new("reason_required"))
        }
        _ => Ok(()),
    }
}

fn assign_guard(_: &Flow, a: &Action) -> Result<(), Said> {
    match a {
        Action::Assign(t) if t.assignee.is_none() && t.team.is_none() && t.partner.is_none() => {
            Err(Said::new("assign_target"))
        }
        _ => Ok(()),
    }
}

fn onsite_guard(f: &Flow, _: &Action) -> Result<(), Said> {
    if f.pending.is_some() {
        return Err(Said::new("approval_pending"));
    }
    Ok(())
}

fn l2_guard(f: &Flow, _: &Action) -> Result<(), Said> {
    if f.tier != Tier::L1 {
        return Err(Said::new("l2_from_l1_only").with("tier", format!("{:?}", f.tier)));
    }
    onsite_guard(f, &Action::RequestL2)
}

fn refer_guard(f: &Flow, _: &Action) -> Result<(), Said> {
    match &f.pending {
        Some(p) if p.approver == Approver::Specialist => Ok(()),
        _ => Err(Said::new("refer_specialist_only")),
    }
}

fn approve_guard(f: &Flow, a: &Action) -> Result<(), Said> {
    match (&f.pending, a) {
        (None, _) => Err(Said::new("no_approval")),
        (Some(p), Action::Approve { l2 }) if p.purpose == Purpose::EscalateL2 => match l2 {
            Some(t) if t.tier == Tier::L2 && t.assignee.is_some() => Ok(()),
            _ => Err(Said::new("l2_named")),
        },
        _ => Ok(()),
    }
}

fn reject_guard(f: &Flow, a: &Action) -> Result<(), Said> {
    if f.pending.is_none() {
        return Err(Said::new("no_approval"));
    }
    needs_reason(f, a)
}

fn consult_guard(f: &Flow, a: &Action) -> Result<(), Said> {
    if f.tier == Tier::L3 {
        return Err(Said::new("with_l3"));
    }
    match a {
        Action::ConsultL3 { expert } if f.consultants.contains(expert) => Err(Said::new("expert_consulted")),
        _ => Ok(()),
    }
}

fn resolve_guard(f: &Flow, _: &Action) -> Result<(), Said> {
    if f.had_onsite && f.report < ReportState::Submitted {
        return Err(Said::new("report_before_resolve"));
    }
    Ok(())
}

fn confirm_report_guard(f: &Flow, _: &Action) -> Result<(), Said> {
    match f.report {
        ReportState::Submitted => Ok(()),
        ReportState::Confirmed => Err(Said::new("report_confirmed")),
        _ => Err(Said::new("no_report")),
    }
}

fn confirm_guard(f: &Flow, _: &Action) -> Result<(), Said> {
    if f.customer_confirmed {
        return Err(Said::new("customer_confirmed"));
    }
    if f.had_onsite && f.report != ReportState::Confirmed {
        return Err(Said::new("signature_first"));
    }
    Ok(())
}

fn review_guard(f: &Flow, _: &Action) -> Result<(), Said> {
    if !f.major {
        return Err(Said::new("review_needed"));
    }
    Ok(())
}

/// The close guard: every condition of SPEC step 9.
pub fn close_guard(f: &Flow, _: &Action) -> Result<(), Said> {
    let mut missing = Vec::new();
    if !f.customer_confirmed {
        missing.push("confirmation");
    }
    if f.report < ReportState::Submitted {
        missing.push("report");
    }
    if f.had_onsite && f.report != ReportState::Confirmed {
        missing.push("signature");
    }
    if !f.documented {
        missing.push("documentation");
    }
    if f.major && !f.reviewed {
        missing.push("review");
    }
    if missing.is_empty() { Ok(()) } else { Err(Said::new("close_missing").with("missing", missing.join(","))) }
}

/// The transition table.
pub static RULES: &[Rule] = &[
    Rule {
        action: ActionKind::Assign,
        from: &[Recorded, Assigned, InProgress, AwaitingCustomer],
        who: &[Who::Dispatcher],
        guard: assign_guard,
    },
    Rule { action: ActionKind::Accept, from: &[Assigned], who: &[Who::Holder], guard: ok },
    Rule { action: ActionKind::RequestOnsite, from: &[InProgress], who: &[Who::Holder], guard: onsite_guard },
    Rule { action: ActionKind::RequestL2, from: &[InProgress], who: &[Who::Holder], guard: l2_guard },
    Rule { action: ActionKind::ReferToManager, from: &[AwaitingApproval], who: &[Who::Dispatcher], guard: refer_guard },
    Rule { action: ActionKind::Approve, from: &[AwaitingApproval], who: &[Who::Approver], guard: approve_guard },
    Rule { action: ActionKind::Reject, from: &[AwaitingApproval], who: &[Who::Approver], guard: reject_guard },
    Rule {
        action: ActionKind::ConsultL3,
        from: &[Assigned, InProgress, Onsite, AwaitingCustomer],
        who: &[Who::Holder],
        guard: consult_guard,
    },
    Rule { action: ActionKind::FinishOnsite, from: &[Onsite], who: &[Who::Holder], guard: ok },
    Rule { action: ActionKind::WaitForCustomer, from: &[InProgress], who: &[Who::Holder, Who::Dispatcher], guard: ok },
    Rule {
        action: ActionKind::CustomerResponded,
        from: &[AwaitingCustomer],
        who: &[Who::Holder, Who::Dispatcher, Who::Customer],
        guard: ok,
    },
    Rule { action: ActionKind::Resolve, from: &[InProgress, Onsite], who: &[Who::Holder], guard: resolve_guard },
    Rule { action: ActionKind::SubmitReport, from: &[InProgress, Onsite, Resolved], who: &[Who::Holder], guard: ok },
    Rule {
        action: ActionKind::ConfirmReport,
        from: &[InProgress, Onsite, Resolved],
        who: &[Who::Holder, Who::Customer],
        guard: confirm_report_guard,
    },
    Rule {
        action: ActionKind::Confirm,
        from: &[Resolved],
        who: &[Who::Customer, Who::Dispatcher],
        guard: confirm_guard,
    },
    Rule { action: ActionKind::Reopen, from: &[Resolved], who: &[Who::Customer, Who::Dispatcher], guard: needs_reason },
    Rule { action: ActionKind::Document, from: WORKING_AND_RESOLVED, who: &[Who::Holder, Who::Dispatcher], guard: ok },
    Rule {
        action: ActionKind::Review,
        from: WORKING_AND_RESOLVED,
        who: &[Who::Holder, Who::Dispatcher],
        guard: review_guard,
    },
    Rule { action: ActionKind::Reclassify, from: OPEN, who: &[Who::Holder, Who::Dispatcher], guard: ok },
    Rule { action: ActionKind::Close, from: &[Resolved], who: &[Who::Dispatcher], guard: close_guard },
    Rule {
        action: ActionKind::Cancel,
        from: &[Recorded, Assigned, InProgress, AwaitingApproval, AwaitingCustomer],
        who: &[Who::Dispatcher],
        guard: needs_reason,
    },
];

const WORKING_AND_RESOLVED: &[State] = &[Assigned, InProgress, Onsite, AwaitingCustomer, Resolved];

/// A representative action of a kind, with parameters that satisfy the
/// parameter checks, so that [`available`] tests only the event's own guards.
fn probe(kind: ActionKind, f: &Flow) -> Action {
    let l2 = Target { team: None, assignee: Some(UserId(0)), partner: None, tier: Tier::L2 };
    let reason = "-".to_owned();
    match kind {
        ActionKind::Assign => {
            Action::Assign(Target { team: f.team, assignee: Some(UserId(0)), partner: None, tier: f.tier })
        }
        ActionKind::Accept => Action::Accept,
        ActionKind::RequestOnsite => Action::RequestOnsite,
        ActionKind::RequestL2 => Action::RequestL2,
        ActionKind::ReferToManager => Action::ReferToManager,
        ActionKind::Approve => Action::Approve { l2: Some(l2) },
        ActionKind::Reject => Action::Reject { reason },
        ActionKind::ConsultL3 => Action::ConsultL3 { expert: UserId(0) },
        ActionKind::FinishOnsite => Action::FinishOnsite,
        ActionKind::WaitForCustomer => Action::WaitForCustomer,
        ActionKind::CustomerResponded => Action::CustomerResponded,
        ActionKind::Resolve => Action::Resolve,
        ActionKind::SubmitReport => Action::SubmitReport,
        ActionKind::ConfirmReport => Action::ConfirmReport,
        ActionKind::Confirm => Action::Confirm,
        ActionKind::Reopen => Action::Reopen { reason },
        ActionKind::Document => Action::Document,
        ActionKind::Review => Action::Review,
        ActionKind::Reclassify => Action::Reclassify { impact: f.impact, urgency: f.urgency },
        ActionKind::Close => Action::Close,
        ActionKind::Cancel => Action::Cancel { reason },
    }
}

/// The actions a caller may take now: allowed for its role and with the
/// event's guards holding (pages show only these).
pub fn available(f: &Flow, actor: &FlowActor) -> Vec<ActionKind> {
    RULES
        .iter()
        .filter(|r| r.from.contains(&f.state) && r.who.iter().any(|w| matches(*w, f, actor)))
        .filter(|r| (r.guard)(f, &probe(r.action, f)).is_ok())
        .map(|r| r.action)
        .collect()
}

/// Decides an action: the next flow and its effects, or why not.
pub fn decide(f: &Flow, action: &Action, actor: &FlowActor) -> Result<Outcome, Refusal> {
    let kind = action.kind();
    let rule = RULES
        .iter()
        .find(|r| r.action == kind)
        .ok_or_else(|| Refusal::Said { forbidden: false, said: Said::new("unknown_action") })?;
    if !rule.who.iter().any(|w| matches(*w, f, actor)) {
        let said = crate::said::Said::new("not_yours").with("role", actor.role.as_str()).with("action", code_of(&kind));
        return Err(Refusal::Said { forbidden: true, said });
    }
    if !rule.from.contains(&f.state) {
        let said = crate::said::Said::new("not_now").with("action", code_of(&kind)).with("state", f.state.as_str());
        return Err(Refusal::Said { forbidden: false, said });
    }
    (rule.guard)(f, action).map_err(|said| Refusal::Said { forbidden: false, said })?;
    Ok(apply(f, action, actor))
}

fn apply(f: &Flow, action: &Action, actor: &FlowActor) -> Outcome {
    let mut n = f.clone();
    let mut fx = Vec::new();
    match action {
        Action::Assign(t) => {
            n.state = Assigned;
            n.team = t.team;
            n.assignee = t.assignee;
            n.partner = t.partner;
            n.tier = t.tier;
            if let Some(u) = t.assignee {
                fx.push(Effect::NotifyUser { user: u, reason: NotifyReason::Assigned });
            }
        }
        Action::Accept | Action::FinishOnsite | Action::CustomerResponded => n.state = InProgress,
        Action::RequestOnsite => {
            let l1 = f.tier == Tier::L1;
            let entitled = f.entitled.valid() && f.entitled.onsite_included;
            // An entitled L1 request: the specialist checks the service period and the
            // on-site entitlement, and decides. L1 outside the contract is a special
            // case; an L2/L3 trip needs the manager anyway.
            let (approver, special_case) =
                if l1 && entitled { (Approver::Specialist, false) } else { (Approver::Manager, !entitled) };
            n.state = AwaitingApproval;
            n.pending = Some(Pending {
                purpose: Purpose::Onsite,
                approver,
                special_case,
                requested_by: actor.user,
                return_state: f.state,
            });
            fx.push(Effect::ApprovalRequested { purpose: Purpose::Onsite, approver, special_case });
            if approver == Approver::Manager {
                fx.push(Effect::NotifyManagers { reason: NotifyReason::ApprovalNeeded });
            }
        }
        Action::RequestL2 => {
            let special = !f.entitled.valid();
            let approver = if special { Approver::Manager } else { Approver::Specialist };
            n.state = AwaitingApproval;
            n.pending = Some(Pending {
                purpose: Purpose::EscalateL2,
                approver,
                special_case: special,
                requested_by: actor.user,
                return_state: f.state,
            });
            fx.push(Effect::ApprovalRequested { purpose: Purpose::EscalateL2, approver, special_case: special });
            if special {
                fx.push(Effect::NotifyManagers { reason: NotifyReason::ApprovalNeeded });
            }
        }
        Action::ReferToManager => {
            if let Some(p) = n.pending.as_mut() {
                p.approver = Approver::Manager;
            }
            fx.push(Effect::ApprovalReferred);
            fx.push(Effect::NotifyManagers { reason: NotifyReason::ApprovalNeeded });
        }
        Action::Approve { l2 } => {
            if let Some(p) = n.pending.take() {
                fx.push(Effect::ApprovalGranted { purpose: p.purpose });
                fx.push(Effect::NotifyUser { user: p.requested_by, reason: NotifyReason::ApprovalDecided });
                match (p.purpose, l2) {
                    (Purpose::EscalateL2, Some(t)) => {
                        n.state = Assigned;
                        n.tier = Tier::L2;
                        n.team = t.team;
                        n.assignee = t.assignee;
                        n.partner = None;
                        if let Some(u) = t.assignee {
                            fx.push(Effect::NotifyUser { user: u, reason: NotifyReason::Assigned });
                        }
                    }
                    _ => {
                        n.state = Onsite;
                        n.had_onsite = true;
                    }
                }
            }
        }
        Action::Reject { .. } => {
            if let Some(p) = n.pending.take() {
                n.state = p.return_state;
                fx.push(Effect::ApprovalRejected { purpose: p.purpose });
                fx.push(Effect::NotifyUser { user: p.requested_by, reason: NotifyReason::ApprovalDecided });
            }
        }
        Action::ConsultL3 { expert } => {
            n.consultants.push(*expert);
            fx.push(Effect::NotifyUser { user: *expert, reason: NotifyReason::Consultation });
        }
        Action::WaitForCustomer => n.state = AwaitingCustomer,
        Action::Resolve => {
            n.state = Resolved;
            fx.push(Effect::NotifyCustomer { reason: NotifyReason::Resolved });
        }
        Action::SubmitReport => n.report = ReportState::Submitted,
        Action::ConfirmReport => n.report = ReportState::Confirmed,
        Action::Confirm => n.customer_confirmed = true,
        Action::Reopen { .. } => {
            n.state = InProgress;
            n.customer_confirmed = false;
            if let Some(u) = f.assignee {
                fx.push(Effect::NotifyUser { user: u, reason: NotifyReason::Reopened });
            }
        }
        Action::Document => n.documented = true,
        Action::Review => n.reviewed = true,
        Action::Reclassify { impact, urgency } => {
            n.impact = *impact;
            n.urgency = *urgency;
            if impact.is_major() && !f.major {
                n.major = true;
                fx.push(Effect::NotifyManagers { reason: NotifyReason::MajorIncident });
            }
        }
        Action::Close => n.state = Closed,
        Action::Cancel { .. } => {
            n.state = Cancelled;
            n.pending = None;
        }
    }
    Outcome { flow: n, effects: fx }
}

/// An event recorded by the engineer (or partner engineer) the customer called
/// directly (SPEC §3 step 2): that engineer holds it and is already working on
/// it; the service centre sees it at once like any other event.
pub fn taken_directly(f: Flow, by: Target) -> Flow {
    Flow { state: InProgress, tier: by.tier, team: by.team, assignee: by.assignee, partner: by.partner, ..f }
}

/// Kinds of work record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WorkKind {
    /// A note (internal, or visible to the customer).
    Note,
    /// A phone call.
    Call,
    /// A remote session.
    Remote,
    /// An on-site visit: planned time, arrival, departure.
    Visit,
}

/// Why a work record may not be added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkRefusal {
    /// The event is closed or cancelled.
    Closed,
    /// Customers add notes, nothing else.
    CustomersAddNotes,
    /// Visits are entered by the holder of an event with approved on-site work.
    NotOnsiteHolder,
}

/// Whether an actor who can see the event may add a work record of this kind;
/// `Ok(true)` when it may also be internal (hidden from the customer).
pub fn may_add_work(f: &Flow, a: &FlowActor, kind: WorkKind) -> Result<bool, WorkRefusal> {
    if !f.state.is_open() {
        return Err(WorkRefusal::Closed);
    }
    if a.role == Role::Customer {
        return if kind == WorkKind::Note { Ok(false) } else { Err(WorkRefusal::CustomersAddNotes) };
    }
    if kind == WorkKind::Visit && !(matches(Who::Holder, f, a) && (f.state == Onsite || f.had_onsite)) {
        return Err(WorkRefusal::NotOnsiteHolder);
    }
    Ok(true)
}

/// Whether an actor may rate the service: a contact of the event's customer,
/// once it has confirmed the resolution (a rating is kept per event).
pub fn may_rate(f: &Flow, a: &FlowActor) -> bool {
    a.role == Role::Customer && matches(Who::Customer, f, a) && f.customer_confirmed
}

/// A rating is a whole number of stars from 1 to 5.
pub fn rating_valid(score: i64) -> bool {
    (1..=5).contains(&score)
}

/// Whether an actor confirms the service report in the portal (logged in as the
/// customer's contact, which is the credential, like the one-time link).
pub fn confirms_in_portal(a: &FlowActor) -> bool {
    a.role == Role::Customer
}

/// Who dispatches an event as it is recorded (the hotline's one click): the service centre.
pub fn dispatches_at_intake(role: Role) -> bool {
    matches!(role, Role::Specialist | Role::Manager)
}

/// How far ahead of the server's clock a recorded arrival or departure may lie
/// (phones' clocks drift; a visit hours ahead is a typing error).
pub const VISIT_FUTURE_TOLERANCE_SECS: i64 = 5 * 60;

/// Whether a recorded visit time is plausible now: not more than the tolerance in the future.
pub fn visit_time_plausible(at: jiff::Timestamp, now: jiff::Timestamp) -> bool {
    at.as_second() <= now.as_second() + VISIT_FUTURE_TOLERANCE_SECS
}

/// Minutes on site from an arrival to a departure (at most a day, never negative).
pub fn visit_minutes(arrived: jiff::Timestamp, departed: jiff::Timestamp) -> i64 {
    ((departed.as_second() - arrived.as_second()) / 60).clamp(0, 24 * 60)
}

/// Whether an actor may send the customer a one-time link to confirm the
/// service report: the holder, or the service centre.
pub fn may_send_confirmation_link(f: &Flow, a: &FlowActor) -> bool {
    matches(Who::Holder, f, a) || matches(Who::Dispatcher, f, a)
}

/// The effects of recording an event: a major incident tells the managers at once.
pub fn intake_effects(f: &Flow) -> Vec<Effect> {
    if f.major { vec![Effect::NotifyManagers { reason: NotifyReason::MajorIncident }] } else { vec![] }
}

#[cfg(test)]
mod tests;
