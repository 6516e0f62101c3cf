//! Planned services (SPEC §4): what a contract's service level promises to
//! deliver during each contract year — inspections (巡检), on-site standby
//! (现场值守), training (培训), optimisation reviews (系统优化) and
//! disaster-recovery drills (灾难演练).
//!
//! Three pieces, all pure:
//! - **the plan**: [`contract_years`] cuts a service period into contract years
//!   and [`slots`] spreads each year's quota evenly over it (4 a year → one per
//!   quarter), each with a suggested date on a working day of the calendar;
//! - **the engagement state table** ([`RULES`], like `flow::RULES`): planned →
//!   date agreed → in progress → report submitted → confirmed by the customer →
//!   closed, or postponed / cancelled with a reason, and who may take each step;
//!   [`decide`] and [`available`] read the same rows and guards;
//! - **quota accounting** ([`usage`], [`over_quota`]): delivered / scheduled /
//!   remaining per kind, never negative; an engagement beyond the quota is
//!   chargeable and needs the department manager's approval before it starts.
//!
//! What each kind records when it is done (the inspection checklist, the
//! drill's steps and measured RTO, the standby roster, the attendance of a
//! training) is not here yet: a report is a submitted summary for every kind.

use crate::flow::Refusal;
use crate::ids::{CustomerId, TeamId, UserId};
use crate::records::Quotas;
use crate::role::Role;
use crate::said::Said;
use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The kinds of planned service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// 巡检: a periodic health check with its checklist.
    Inspection,
    /// 现场值守 / 重大项目现场保障: engineers stationed on site; counted in days.
    Standby,
    /// 产品和维护培训.
    Training,
    /// 系统优化服务.
    OptimisationReview,
    /// 灾难演练.
    DrDrill,
}

impl Kind {
    pub const ALL: [Kind; 5] =
        [Kind::Inspection, Kind::Standby, Kind::Training, Kind::OptimisationReview, Kind::DrDrill];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Inspection => "inspection",
            Kind::Standby => "standby",
            Kind::Training => "training",
            Kind::OptimisationReview => "optimisation_review",
            Kind::DrDrill => "dr_drill",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The yearly quota of this kind (standby: days).
    pub fn quota(self, q: &Quotas) -> i64 {
        match self {
            Kind::Inspection => q.inspections,
            Kind::Standby => q.standby_days,
            Kind::Training => q.trainings,
            Kind::OptimisationReview => q.optimisation_reviews,
            Kind::DrDrill => q.dr_drills,
        }
        .max(0)
    }

    /// Whether the plan spreads this kind over the year. Standby is booked when
    /// the customer has an important period (a go-live, a major event), against
    /// its quota of days, so the plan holds no windows for it.
    pub fn spread(self) -> bool {
        self != Kind::Standby
    }
}

/// Where an engagement stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// 待约定: in the plan, with its target window.
    Planned,
    /// 已约定: a date agreed with the customer.
    DateAgreed,
    /// 进行中.
    InProgress,
    /// 报告已提交: waiting for the customer's confirmation.
    ReportSubmitted,
    /// 客户已确认: delivered.
    Confirmed,
    /// 已关闭.
    Closed,
    /// 已延期: a new date is to be agreed.
    Postponed,
    /// 已取消.
    Cancelled,
}

impl State {
    pub const ALL: [State; 8] = [
        State::Planned,
        State::DateAgreed,
        State::InProgress,
        State::ReportSubmitted,
        State::Confirmed,
        State::Closed,
        State::Postponed,
        State::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Planned => "planned",
            State::DateAgreed => "date_agreed",
            State::InProgress => "in_progress",
            State::ReportSubmitted => "report_submitted",
            State::Confirmed => "confirmed",
            State::Closed => "closed",
            State::Postponed => "postponed",
            State::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<State> {
        State::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Delivered: the customer confirmed the report.
    pub fn delivered(self) -> bool {
        matches!(self, State::Confirmed | State::Closed)
    }

    /// Still to be delivered.
    pub fn open(self) -> bool {
        !self.delivered() && self != State::Cancelled
    }
}

/// The part of an engagement the rules decide on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Engagement {
    pub kind: Kind,
    pub state: State,
    pub customer: CustomerId,
    /// The dedicated L1 team of the project (its lead plans with the service centre).
    pub team: Option<TeamId>,
    pub engineer: Option<UserId>,
    /// The contract year it belongs to (inclusive dates).
    #[schema(value_type = String)]
    pub year_start: Date,
    #[schema(value_type = String)]
    pub year_end: Date,
    /// The target window (inclusive dates).
    #[schema(value_type = String)]
    pub window_start: Date,
    #[schema(value_type = String)]
    pub window_end: Date,
    /// A date the planner proposed, for the customer to accept.
    #[schema(value_type = Option<String>)]
    pub proposed_date: Option<Date>,
    #[schema(value_type = Option<String>)]
    pub agreed_date: Option<Date>,
    /// Beyond the year's quota: chargeable, and the manager approves it before it starts.
    pub over_quota: bool,
    pub approved: bool,
    pub report_submitted: bool,
    pub customer_confirmed: bool,
}

/// Who is acting, as the plan's rules see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanActor {
    pub user: UserId,
    pub role: Role,
    /// A customer contact's customer.
    pub customer: Option<CustomerId>,
    /// The teams this user leads.
    pub leads: Vec<TeamId>,
}

/// What someone does to an engagement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Move the target window (inside the contract year).
    AdjustWindow {
        start: Date,
        end: Date,
    },
    /// Propose a date for the customer to accept.
    ProposeDate {
        date: Date,
    },
    /// The customer accepts the proposed date.
    AcceptDate,
    /// Record a date agreed with the customer (by phone, on site).
    AgreeDate {
        date: Date,
    },
    /// Name the engineer who delivers it.
    Assign {
        engineer: UserId,
    },
    /// The department manager approves an engagement beyond the quota.
    Approve,
    /// The engineer starts the work.
    Start,
    /// The engineer submits the report (again: a new version, to be confirmed again).
    SubmitReport,
    /// The customer confirms the report.
    Confirm,
    Close,
    Postpone {
        reason: String,
    },
    Cancel {
        reason: String,
    },
}

/// The kind of an action, the table's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    AdjustWindow,
    ProposeDate,
    AcceptDate,
    AgreeDate,
    Assign,
    Approve,
    Start,
    SubmitReport,
    Confirm,
    Close,
    Postpone,
    Cancel,
}

impl ActionKind {
    pub const ALL: [ActionKind; 12] = [
        ActionKind::AdjustWindow,
        ActionKind::ProposeDate,
        ActionKind::AcceptDate,
        ActionKind::AgreeDate,
        ActionKind::Assign,
        ActionKind::Approve,
        ActionKind::Start,
        ActionKind::SubmitReport,
        ActionKind::Confirm,
        ActionKind::Close,
        ActionKind::Postpone,
        ActionKind::Cancel,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::AdjustWindow => "adjust_window",
            ActionKind::ProposeDate => "propose_date",
            ActionKind::AcceptDate => "accept_date",
            ActionKind::AgreeDate => "agree_date",
            ActionKind::Assign => "assign",
            ActionKind::Approve => "approve",
            ActionKind::Start => "start",
            ActionKind::SubmitReport => "submit_report",
            ActionKind::Confirm => "confirm",
            ActionKind::Close => "close",
            ActionKind::Postpone => "postpone",
            ActionKind::Cancel => "cancel",
        }
    }
}

impl Action {
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::AdjustWindow { .. } => ActionKind::AdjustWindow,
            Action::ProposeDate { .. } => ActionKind::ProposeDate,
            Action::AcceptDate => ActionKind::AcceptDate,
            Action::AgreeDate { .. } => ActionKind::AgreeDate,
            Action::Assign { .. } => ActionKind::Assign,
            Action::Approve => ActionKind::Approve,
            Action::Start => ActionKind::Start,
            Action::SubmitReport => ActionKind::SubmitReport,
            Action::Confirm => ActionKind::Confirm,
            Action::Close => ActionKind::Close,
            Action::Postpone { .. } => ActionKind::Postpone,
            Action::Cancel { .. } => ActionKind::Cancel,
        }
    }
}

/// Who may take an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// Planners: the service centre's specialists, the department manager, and
    /// the lead of the engagement's dedicated team.
    Planner,
    /// The department manager.
    Manager,
    /// The engineer assigned to the engagement.
    Engineer,
    /// A contact of the engagement's customer.
    Customer,
}

fn matches(who: Who, e: &Engagement, a: &PlanActor) -> bool {
    match who {
        Who::Planner => {
            matches!(a.role, Role::Specialist | Role::Manager)
                || (a.role == Role::Engineer && e.team.is_some_and(|t| a.leads.contains(&t)))
        }
        Who::Manager => a.role == Role::Manager,
        Who::Engineer => matches!(a.role, Role::Engineer | Role::PartnerEngineer) && e.engineer == Some(a.user),
        Who::Customer => a.role == Role::Customer && a.customer == Some(e.customer),
    }
}

/// Whether an actor plans this engagement (adjusts, agrees dates, assigns).
pub fn is_planner(e: &Engagement, a: &PlanActor) -> bool {
    matches(Who::Planner, e, a)
}

type Guard = fn(&Engagement, &Action) -> Result<(), Said>;

/// One row of the engagement state table.
pub struct Rule {
    pub action: ActionKind,
    pub from: &'static [State],
    pub who: &'static [Who],
    pub guard: Guard,
}

use State::*;

fn ok(_: &Engagement, _: &Action) -> Result<(), Said> {
    Ok(())
}

fn in_year(e: &Engagement, d: Date) -> Result<(), Said> {
    if d < e.year_start || d > e.year_end {
        return Err(Said::new("plan_outside_year")
            .with("start", e.year_start.to_string())
            .with("end", e.year_end.to_string()));
    }
    Ok(())
}

fn window_guard(e: &Engagement, a: &Action) -> Result<(), Said> {
    match a {
        Action::AdjustWindow { start, end } => {
            if end < start {
                return Err(Said::new("plan_window_order"));
            }
            in_year(e, *start)?;
            in_year(e, *end)
        }
        _ => Ok(()),
    }
}

fn date_guard(e: &Engagement, a: &Action) -> Result<(), Said> {
    match a {
        Action::ProposeDate { date } | Action::AgreeDate { date } => in_year(e, *date),
        _ => Ok(()),
    }
}

fn accept_guard(e: &Engagement, _: &Action) -> Result<(), Said> {
    if e.proposed_date.is_none() {
        return Err(Said::new("plan_no_proposal"));
    }
    Ok(())
}

fn approve_guard(e: &Engagement, _: &Action) -> Result<(), Said> {
    if !e.over_quota {
        return Err(Said::new("plan_within_quota"));
    }
    if e.approved {
        return Err(Said::new("plan_already_approved"));
    }
    Ok(())
}

fn start_guard(e: &Engagement, _: &Action) -> Result<(), Said> {
    if e.over_quota && !e.approved {
        return Err(Said::new("plan_needs_approval"));
    }
    if e.agreed_date.is_none() {
        return Err(Said::new("plan_no_date"));
    }
    Ok(())
}

fn confirm_guard(e: &Engagement, _: &Action) -> Result<(), Said> {
    if !e.report_submitted {
        return Err(Said::new("plan_no_report"));
    }
    Ok(())
}

/// The close guard: a submitted report the customer confirmed, and the
/// manager's approval of an engagement beyond the quota.
pub fn close_guard(e: &Engagement, _: &Action) -> Result<(), Said> {
    if !e.report_submitted {
        return Err(Said::new("plan_no_report"));
    }
    if !e.customer_confirmed {
        return Err(Said::new("plan_not_confirmed"));
    }
    if e.over_quota && !e.approved {
        return Err(Said::new("plan_needs_approval"));
    }
    Ok(())
}

fn reason_guard(_: &Engagement, a: &Action) -> Result<(), Said> {
    match a {
        Action::Postpone { reason } | Action::Cancel { reason } if reason.trim().is_empty() => {
            Err(Said::new("plan_reason_required"))
        }
        _ => Ok(()),
    }
}

const NOT_STARTED: &[State] = &[Planned, DateAgreed, Postponed];
const UNDELIVERED: &[State] = &[Planned, DateAgreed, InProgress, ReportSubmitted, Postponed];

/// The engagement state table.
pub static RULES: &[Rule] = &[
    Rule { action: ActionKind::AdjustWindow, from: &[Planned, Postponed], who: &[Who::Planner], guard: window_guard },
    Rule { action: ActionKind::ProposeDate, from: NOT_STARTED, who: &[Who::Planner], guard: date_guard },
    Rule { action: ActionKind::AcceptDate, from: &[Planned, Postponed], who: &[Who::Customer], guard: accept_guard },
    Rule { action: ActionKind::AgreeDate, from: NOT_STARTED, who: &[Who::Planner], guard: date_guard },
    Rule {
        action: ActionKind::Assign,
        from: &[Planned, DateAgreed, Postponed, InProgress],
        who: &[Who::Planner],
        guard: ok,
    },
    Rule { action: ActionKind::Approve, from: UNDELIVERED, who: &[Who::Manager], guard: approve_guard },
    Rule { action: ActionKind::Start, from: &[DateAgreed], who: &[Who::Engineer], guard: start_guard },
    Rule { action: ActionKind::SubmitReport, from: &[InProgress, ReportSubmitted], who: &[Who::Engineer], guard: ok },
    Rule { action: ActionKind::Confirm, from: &[ReportSubmitted], who: &[Who::Customer], guard: confirm_guard },
    Rule { action: ActionKind::Close, from: &[Confirmed], who: &[Who::Planner], guard: close_guard },
    Rule { action: ActionKind::Postpone, from: &[Planned, DateAgreed], who: &[Who::Planner], guard: reason_guard },
    Rule {
        action: ActionKind::Cancel,
        from: &[Planned, DateAgreed, Postponed, InProgress],
        who: &[Who::Planner],
        guard: reason_guard,
    },
];

/// A representative action of a kind whose parameters pass the parameter
/// checks, so [`available`] tests only the engagement's own guards.
fn probe(kind: ActionKind, e: &Engagement) -> Action {
    let reason = "-".to_owned();
    match kind {
        ActionKind::AdjustWindow => Action::AdjustWindow { start: e.year_start, end: e.year_end },
        ActionKind::ProposeDate => Action::ProposeDate { date: e.window_start.max(e.year_start) },
        ActionKind::AcceptDate => Action::AcceptDate,
        ActionKind::AgreeDate => Action::AgreeDate { date: e.window_start.max(e.year_start) },
        ActionKind::Assign => Action::Assign { engineer: UserId(0) },
        ActionKind::Approve => Action::Approve,
        ActionKind::Start => Action::Start,
        ActionKind::SubmitReport => Action::SubmitReport,
        ActionKind::Confirm => Action::Confirm,
        ActionKind::Close => Action::Close,
        ActionKind::Postpone => Action::Postpone { reason },
        ActionKind::Cancel => Action::Cancel { reason },
    }
}

/// The actions an actor may take now (pages offer only these).
pub fn available(e: &Engagement, a: &PlanActor) -> Vec<ActionKind> {
    RULES
        .iter()
        .filter(|r| r.from.contains(&e.state) && r.who.iter().any(|w| matches(*w, e, a)))
        .filter(|r| (r.guard)(e, &probe(r.action, e)).is_ok())
        .map(|r| r.action)
        .collect()
}

/// Decides an action: the engagement after it, or why not (403: not this
/// actor's; 409: not in this state, or a guard does not hold).
pub fn decide(e: &Engagement, action: &Action, a: &PlanActor) -> Result<Engagement, Refusal> {
    let kind = action.kind();
    let Some(rule) = RULES.iter().find(|r| r.action == kind) else {
        return Err(Refusal::Said { forbidden: false, said: Said::new("plan_not_now") });
    };
    if !rule.who.iter().any(|w| matches(*w, e, a)) {
        let said = Said::new("plan_not_yours").with("role", a.role.as_str()).with("plan_action", kind.as_str());
        return Err(Refusal::Said { forbidden: true, said });
    }
    if !rule.from.contains(&e.state) {
        let said = Said::new("plan_not_now").with("plan_action", kind.as_str()).with("plan_state", e.state.as_str());
        return Err(Refusal::Said { forbidden: false, said });
    }
    (rule.guard)(e, action).map_err(|said| Refusal::Said { forbidden: false, said })?;
    Ok(apply(e, action))
}

fn apply(e: &Engagement, action: &Action) -> Engagement {
    let mut n = e.clone();
    match action {
        Action::AdjustWindow { start, end } => {
            n.window_start = *start;
            n.window_end = *end;
        }
        Action::ProposeDate { date } => {
            n.state = Planned;
            n.proposed_date = Some(*date);
            n.agreed_date = None;
        }
        Action::AcceptDate => {
            n.state = DateAgreed;
            n.agreed_date = e.proposed_date;
            n.proposed_date = None;
        }
        Action::AgreeDate { date } => {
            n.state = DateAgreed;
            n.agreed_date = Some(*date);
            n.proposed_date = None;
        }
        Action::Assign { engineer } => n.engineer = Some(*engineer),
        Action::Approve => n.approved = true,
        Action::Start => n.state = InProgress,
        Action::SubmitReport => {
            n.state = ReportSubmitted;
            n.report_submitted = true;
            n.customer_confirmed = false;
        }
        Action::Confirm => {
            n.state = Confirmed;
            n.customer_confirmed = true;
        }
        Action::Close => n.state = Closed,
        Action::Postpone { .. } => {
            n.state = Postponed;
            n.agreed_date = None;
            n.proposed_date = None;
        }
        Action::Cancel { .. } => n.state = Cancelled,
    }
    n
}

/// One contract year: its first and last day (the last year of a period may be shorter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct ContractYear {
    /// 1 for the first year of the period.
    pub index: i32,
    #[schema(value_type = String)]
    pub start: Date,
    #[schema(value_type = String)]
    pub end: Date,
    /// Days in a whole year from `start` (365 or 366); `end - start + 1` is less in a short last year.
    pub full_days: i32,
}

impl ContractYear {
    pub fn days(&self) -> i32 {
        days_between(self.start, self.end) + 1
    }

    pub fn whole(&self) -> bool {
        self.days() >= self.full_days
    }
}

fn days_between(a: Date, b: Date) -> i32 {
    a.until(b).map(|s| s.get_days()).unwrap_or(0)
}

fn add_days(d: Date, n: i32) -> Date {
    d.checked_add(i64::from(n).days()).unwrap_or(d)
}

/// How many contract years a period may have (a typing error must not plan a century).
pub const MAX_YEARS: i32 = 10;

/// The contract years of a service period `[start, end]`: each starts on the
/// anniversary of `start`; the last ends with the period.
pub fn contract_years(start: Date, end: Date) -> Vec<ContractYear> {
    let mut out = Vec::new();
    for k in 0..MAX_YEARS {
        let Ok(s) = start.checked_add(i64::from(k).years()) else { break };
        if s > end {
            break;
        }
        let Ok(next) = start.checked_add(i64::from(k + 1).years()) else { break };
        let last_of_full = add_days(next, -1);
        out.push(ContractYear { index: k + 1, start: s, end: last_of_full.min(end), full_days: days_between(s, next) });
    }
    out
}

/// The contract year a date falls in.
pub fn year_of(years: &[ContractYear], d: Date) -> Option<ContractYear> {
    years.iter().copied().find(|y| y.start <= d && d <= y.end)
}

/// How many of a yearly quota a contract year holds: all of it in a whole
/// year, a share rounded to the nearest in a short last year; never more than
/// one a day.
pub fn quota_in(year: &ContractYear, quota: i64) -> i64 {
    let q = quota.max(0);
    let n = if year.whole() {
        q
    } else {
        let (len, full) = (i64::from(year.days()), i64::from(year.full_days.max(1)));
        (q * len + full / 2) / full
    };
    n.min(i64::from(year.days()))
}

/// One planned engagement of a contract year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Slot {
    pub kind: Kind,
    pub year: ContractYear,
    /// 1-based, within the kind and year.
    pub seq: i64,
    #[schema(value_type = String)]
    pub window_start: Date,
    #[schema(value_type = String)]
    pub window_end: Date,
    /// A working day inside the window (its middle, or the nearest working day to it).
    #[schema(value_type = String)]
    pub suggested: Date,
}

/// The windows of `n` engagements in a year, spread evenly: in a whole year
/// of at most 12, on month boundaries (4 → the four quarters, 12 → the
/// months); otherwise by days.
pub fn windows(year: &ContractYear, n: i64) -> Vec<(Date, Date)> {
    if n <= 0 {
        return Vec::new();
    }
    if year.whole() && n <= 12 {
        let month = |i: i64| year.start.checked_add((i * 12 / n).months()).unwrap_or(year.end);
        return (0..n)
            .map(|i| {
                let s = month(i);
                let e = if i + 1 == n { year.end } else { add_days(month(i + 1), -1) };
                (s, e.max(s))
            })
            .collect();
    }
    let len = i64::from(year.days());
    let n = n.min(len);
    let at = |k: i64| add_days(year.start, (k * len / n) as i32);
    (0..n)
        .map(|i| {
            let s = at(i);
            let e = if i + 1 == n { year.end } else { add_days(at(i + 1), -1) };
            (s, e.max(s))
        })
        .collect()
}

/// The working day nearest the middle of a window (later days first), or the
/// middle itself when the window has none.
pub fn suggest(start: Date, end: Date, working: &dyn Fn(Date) -> bool) -> Date {
    let mid = add_days(start, days_between(start, end) / 2);
    let span = days_between(start, end);
    for k in 0..=span {
        for d in [add_days(mid, k), add_days(mid, -k)] {
            if d >= start && d <= end && working(d) {
                return d;
            }
        }
    }
    mid
}

/// The plan of a service period: for every contract year and every spread
/// kind, its quota's engagements with windows and suggested working days.
/// `working` says whether a day is a working day (the business calendar).
pub fn slots(start: Date, end: Date, quotas: &Quotas, working: &dyn Fn(Date) -> bool) -> Vec<Slot> {
    let mut out = Vec::new();
    for year in contract_years(start, end) {
        for kind in Kind::ALL.into_iter().filter(|k| k.spread()) {
            let n = quota_in(&year, kind.quota(quotas));
            for (i, (ws, we)) in windows(&year, n).into_iter().enumerate() {
                out.push(Slot {
                    kind,
                    year,
                    seq: i as i64 + 1,
                    window_start: ws,
                    window_end: we,
                    suggested: suggest(ws, we, working),
                });
            }
        }
    }
    out
}

/// What an engagement counts against its quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    pub state: State,
    /// 1, or the days of a standby.
    pub units: i64,
    pub over_quota: bool,
}

/// The quota use of one kind in one contract year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct QuotaUse {
    pub kind: Kind,
    /// What the year holds (standby: days).
    pub quota: i64,
    /// Confirmed by the customer (or closed).
    pub delivered: i64,
    /// Planned and not yet delivered (not counting cancelled ones).
    pub scheduled: i64,
    /// Still owed to the customer: the quota less what was delivered, never negative.
    pub remaining: i64,
    /// Beyond the quota, charged to the customer.
    pub chargeable: i64,
}

/// Delivered / scheduled / remaining of a kind against its quota.
pub fn usage(kind: Kind, quota: i64, items: &[Counted]) -> QuotaUse {
    let quota = quota.max(0);
    let sum = |f: &dyn Fn(&Counted) -> bool| items.iter().filter(|c| f(c)).map(|c| c.units.max(0)).sum::<i64>();
    let delivered = sum(&|c| c.state.delivered());
    let scheduled = sum(&|c| c.state.open());
    let chargeable = sum(&|c| c.over_quota && c.state != State::Cancelled);
    QuotaUse { kind, quota, delivered, scheduled, remaining: (quota - delivered).max(0), chargeable }
}

/// Whether another engagement of `units` would exceed the quota, given what
/// the year already holds (cancelled ones give their share back).
pub fn over_quota(quota: i64, items: &[Counted], units: i64) -> bool {
    let held: i64 = items.iter().filter(|c| c.state != State::Cancelled).map(|c| c.units.max(0)).sum();
    held.saturating_add(units.max(0)) > quota.max(0)
}

/// The most days one standby engagement may book.
pub const MAX_STANDBY_DAYS: i64 = 60;

#[cfg(test)]
mod tests;
