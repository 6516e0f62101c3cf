//! Planned services (issue 11): a contract's plan of engagements generated
//! from its level's quotas, the engagement state table applied to what people
//! do, and quota use per contract year.
//!
//! - **Generation** (`generate_in`) is idempotent: each contract year, kind and
//!   number (`seq`) is one row (a unique index), so running it again creates
//!   only what is missing — after a contract is created or changed (longer
//!   period, other level, higher override) through the record service, by
//!   `POST /api/v1/contracts/{id}/plan`, and by `fuwu plan generate --year`.
//!   It never removes: an engagement a smaller quota no longer holds is the
//!   planner's to cancel, with a reason.
//! - **Visibility** is the customer scope of every customer-side record (a
//!   customer its own, a partner its firm's customers, an L1 engineer the
//!   customers of the team's projects), plus the engagements assigned to the
//!   caller; a foreign id answers like an absent one.
//! - **Every write** is one transaction with its audit row (entity
//!   `engagement`, the action, before and after): the audit rows are the
//!   engagement's history.

use crate::caller::Caller;
use crate::error::AppError;
use crate::records::{ListParams, Stored, page_bounds, parse_filters};
use crate::{App, Page};
use fuwu_core::access::{Cap, CustomerScope};
use fuwu_core::ids::*;
use fuwu_core::plan::{self, ActionKind, ContractYear, Counted, Kind, PlanActor, QuotaUse, State};
use fuwu_core::records::{Contract, Project, ServiceLevel, User};
use fuwu_core::role::Role;
use fuwu_store::crud::{self, ListSpec, Val};
use fuwu_store::{Conn, tables};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// Where an engagement came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Generated from the quota.
    Plan,
    /// Added by a planner (beyond the quota it is chargeable).
    Extra,
}

/// An engagement as stored.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Engagement {
    pub contract_id: ContractId,
    pub customer_id: CustomerId,
    pub project_id: Option<ProjectId>,
    pub kind: Kind,
    pub origin: Origin,
    /// 1 for the first contract year of the period.
    pub year_index: i64,
    pub year_start: String,
    pub year_end: String,
    /// The number within its kind, year and origin (2 of 4 inspections).
    pub seq: i64,
    /// What it counts against the quota: 1, or a standby's days.
    pub units: i64,
    /// The target window (inclusive, YYYY-MM-DD).
    pub window_start: String,
    pub window_end: String,
    /// A working day inside the window, as generated.
    pub suggested_date: Option<String>,
    /// Proposed to the customer, who accepts it.
    pub proposed_date: Option<String>,
    pub agreed_date: Option<String>,
    pub state: State,
    /// The project's dedicated L1 team.
    pub team_id: Option<TeamId>,
    pub engineer_id: Option<UserId>,
    /// Beyond the year's quota: chargeable, approved by the department manager before it starts.
    pub over_quota: bool,
    pub approved: bool,
    pub approved_by: Option<UserId>,
    /// The report as submitted (a summary for now; each kind's own record comes later).
    pub report_summary: Option<String>,
    /// Incremented by each submission.
    pub report_version: i64,
    pub report_submitted: bool,
    pub customer_confirmed: bool,
    pub confirmed_by: Option<UserId>,
    /// The reason of the last postponement or cancellation.
    pub reason: Option<String>,
    pub notes: Option<String>,
}

fn date(s: &str, field: &str) -> Result<Date, AppError> {
    fuwu_core::text::parse_date(s)
        .ok_or_else(|| AppError::invalid(field, "invalid_date", format!("{field} must be a date written YYYY-MM-DD")))
}

fn stored_date(s: &str) -> Result<Date, AppError> {
    s.parse().map_err(|_| AppError::Internal(format!("stored engagement date unreadable: {s}")))
}

impl Engagement {
    /// The rules' view.
    pub fn core(&self) -> Result<plan::Engagement, AppError> {
        let opt = |s: &Option<String>| s.as_deref().map(stored_date).transpose();
        Ok(plan::Engagement {
            kind: self.kind,
            state: self.state,
            customer: self.customer_id,
            team: self.team_id,
            engineer: self.engineer_id,
            year_start: stored_date(&self.year_start)?,
            year_end: stored_date(&self.year_end)?,
            window_start: stored_date(&self.window_start)?,
            window_end: stored_date(&self.window_end)?,
            proposed_date: opt(&self.proposed_date)?,
            agreed_date: opt(&self.agreed_date)?,
            over_quota: self.over_quota,
            approved: self.approved,
            report_submitted: self.report_submitted,
            customer_confirmed: self.customer_confirmed,
        })
    }

    /// Takes the rules' decision over.
    fn set(&mut self, e: &plan::Engagement) {
        self.state = e.state;
        self.engineer_id = e.engineer;
        self.window_start = e.window_start.to_string();
        self.window_end = e.window_end.to_string();
        self.proposed_date = e.proposed_date.map(|d| d.to_string());
        self.agreed_date = e.agreed_date.map(|d| d.to_string());
        self.approved = e.approved;
        self.report_submitted = e.report_submitted;
        self.customer_confirmed = e.customer_confirmed;
    }

    fn counted(&self) -> Counted {
        Counted { state: self.state, units: self.units, over_quota: self.over_quota }
    }
}

fn to_map<T: Serialize>(t: &T) -> Result<Map<String, Value>, AppError> {
    match serde_json::to_value(t) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(AppError::Internal("record did not serialise to an object".into())),
    }
}

/// The SQL condition of the engagements a caller may see (`None`: all).
fn scope_cond(c: &Caller) -> Option<(String, Vec<Val>)> {
    let me = Val::Int(Some(c.id().0));
    match c.scope() {
        CustomerScope::All => None,
        CustomerScope::Nothing => Some(("1 = 0".into(), vec![])),
        CustomerScope::Customer(id) => Some(("customer_id = ?".into(), vec![Val::Int(Some(id.0))])),
        CustomerScope::Partner(p) => Some((
            "engineer_id = ? OR customer_id IN (SELECT customer_id FROM projects WHERE partner_id = ?)".into(),
            vec![me, Val::Int(Some(p.0))],
        )),
        CustomerScope::Team { team, engineer } => Some((
            "engineer_id = ? OR customer_id IN (SELECT customer_id FROM projects WHERE implementation_engineer_id = ? OR dedicated_team_id = ?)".into(),
            vec![me, Val::Int(Some(engineer.0)), Val::Int(team.map(|t| t.0))],
        )),
    }
}

async fn visible(conn: &mut Conn, c: &Caller, e: &Engagement) -> Result<bool, AppError> {
    if e.engineer_id == Some(c.id()) {
        return Ok(true);
    }
    Ok(match c.scope() {
        CustomerScope::All => true,
        scope => crud::customer_in_scope(conn, &scope, e.customer_id.0).await?,
    })
}

/// Loads an engagement the caller may see, or 404.
async fn load(conn: &mut Conn, c: &Caller, id: i64) -> Result<(Stored<Engagement>, Map<String, Value>), AppError> {
    let not_found = AppError::NotFound("engagement");
    if !c.can(Cap::ReadEvents) {
        return Err(not_found);
    }
    let m = crud::get(conn, &tables::ENGAGEMENT, id).await?.ok_or(AppError::NotFound("engagement"))?;
    let e: Stored<Engagement> = Stored::from_map(m.clone())?;
    if !visible(conn, c, &e.data).await? {
        return Err(not_found);
    }
    Ok((e, m))
}

/// The teams a user leads.
async fn leads_of(conn: &mut Conn, user: UserId) -> Result<Vec<TeamId>, AppError> {
    let spec = ListSpec {
        conds: vec![("lead_user_id = ? AND active = 1".into(), vec![Val::Int(Some(user.0))])],
        limit: 100,
        no_count: true,
        ..Default::default()
    };
    Ok(crud::list(conn, &tables::TEAM, &spec)
        .await?
        .0
        .iter()
        .filter_map(|m| m.get("id")?.as_i64())
        .map(TeamId)
        .collect())
}

/// The rules' view of the caller.
pub async fn plan_actor(conn: &mut Conn, c: &Caller) -> Result<PlanActor, AppError> {
    let leads = if c.role() == Role::Engineer { leads_of(conn, c.id()).await? } else { vec![] };
    Ok(PlanActor { user: c.id(), role: c.role(), customer: c.actor.customer_id, leads })
}

/// A contract, its level's quotas with the contract's overrides, and its years.
struct ContractPlan {
    contract: Stored<Contract>,
    quotas: fuwu_core::records::Quotas,
    years: Vec<ContractYear>,
}

async fn contract_plan(conn: &mut Conn, contract_id: i64) -> Result<ContractPlan, AppError> {
    let contract: Stored<Contract> = Stored::from_map(
        crud::get(conn, &tables::CONTRACT, contract_id).await?.ok_or(AppError::NotFound("contract"))?,
    )?;
    let level: Stored<ServiceLevel> = Stored::from_map(
        crud::get(conn, &tables::SERVICE_LEVEL, contract.data.service_level_id.0)
            .await?
            .ok_or(AppError::NotFound("service_level"))?,
    )?;
    let quotas = contract.data.quota_overrides.apply(&level.data.quotas);
    let years = match (
        fuwu_core::text::parse_date(&contract.data.start_date),
        fuwu_core::text::parse_date(&contract.data.end_date),
    ) {
        (Some(s), Some(e)) => plan::contract_years(s, e),
        _ => vec![],
    };
    Ok(ContractPlan { contract, quotas, years })
}

/// The project an engagement of a contract concerns, and its dedicated team:
/// the first covered project, else the customer's first project with a team.
async fn project_of(conn: &mut Conn, c: &Contract) -> Result<(Option<ProjectId>, Option<TeamId>), AppError> {
    let ids: Vec<i64> = c.covered_project_ids.iter().map(|p| p.0).collect();
    let rows = if ids.is_empty() {
        let spec = ListSpec {
            filters: vec![("customer_id".into(), Val::Int(Some(c.customer_id.0)))],
            limit: 50,
            no_count: true,
            ..Default::default()
        };
        crud::list(conn, &tables::PROJECT, &spec).await?.0
    } else {
        let mut rows = crud::get_many(conn, &tables::PROJECT, &ids).await?;
        rows.sort_by_key(|m| m.get("id").and_then(Value::as_i64));
        rows
    };
    let projects = rows.into_iter().map(Stored::<Project>::from_map).collect::<Result<Vec<_>, _>>()?;
    let best = projects.iter().find(|p| p.data.dedicated_team_id.is_some()).or(projects.first());
    Ok(best.map_or((None, None), |p| (Some(ProjectId(p.id)), p.data.dedicated_team_id)))
}

/// The engagements of a contract (all of them; a contract holds tens to hundreds).
async fn of_contract(conn: &mut Conn, contract_id: i64) -> Result<Vec<Stored<Engagement>>, AppError> {
    let spec = ListSpec {
        filters: vec![("contract_id".into(), Val::Int(Some(contract_id)))],
        sort: Some(("window_start".into(), false)),
        limit: 10_000,
        no_count: true,
        ..Default::default()
    };
    crud::list(conn, &tables::ENGAGEMENT, &spec).await?.0.into_iter().map(Stored::from_map).collect()
}

/// What a generation created.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Generated {
    pub contract_id: ContractId,
    pub contract_number: String,
    /// The engagements created now (none when the plan was already whole).
    pub created: Vec<Created>,
}

/// One engagement a generation created.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
    pub kind: Kind,
    pub year_index: i64,
    pub seq: i64,
    /// How many the year holds of this kind.
    pub of: i64,
    pub window_start: String,
    pub window_end: String,
    pub suggested_date: Option<String>,
}

/// Generates the missing engagements of a contract's plan inside a transaction
/// the caller holds: every contract year of the period, or only the years that
/// begin in `year`. Idempotent.
pub async fn generate_in(
    conn: &mut Conn,
    at: Timestamp,
    caller: Option<&Caller>,
    contract_id: i64,
    year: Option<i16>,
) -> Result<Generated, AppError> {
    let cp = contract_plan(conn, contract_id).await?;
    let number = cp.contract.data.number.clone();
    let (Some(start), Some(end)) = (
        fuwu_core::text::parse_date(&cp.contract.data.start_date),
        fuwu_core::text::parse_date(&cp.contract.data.end_date),
    ) else {
        return Ok(Generated { contract_id: ContractId(contract_id), contract_number: number, created: vec![] });
    };
    // Planned visits fall on the engineers' working days: the 5×8 calendar
    // with the official holidays and adjusted working days (and those added).
    let cal = crate::calendars::calendar(conn, "5x8", "calendar").await?;
    let working = |d: Date| cal.is_working_day(d);
    let slots: Vec<plan::Slot> = plan::slots(start, end, &cp.quotas, &working)
        .into_iter()
        .filter(|s| year.is_none_or(|y| s.year.start.year() == y))
        .collect();
    let existing = of_contract(conn, contract_id).await?;
    let has = |s: &plan::Slot| {
        existing.iter().any(|e| {
            e.data.origin == Origin::Plan
                && e.data.kind == s.kind
                && e.data.year_index == i64::from(s.year.index)
                && e.data.seq == s.seq
        })
    };
    let missing: Vec<&plan::Slot> = slots.iter().filter(|s| !has(s)).collect();
    if missing.is_empty() {
        return Ok(Generated { contract_id: ContractId(contract_id), contract_number: number, created: vec![] });
    }
    let (project, team) = project_of(conn, &cp.contract.data).await?;
    let mut rows = Vec::with_capacity(missing.len());
    for s in &missing {
        let e = Engagement {
            contract_id: ContractId(contract_id),
            customer_id: cp.contract.data.customer_id,
            project_id: project,
            kind: s.kind,
            origin: Origin::Plan,
            year_index: i64::from(s.year.index),
            year_start: s.year.start.to_string(),
            year_end: s.year.end.to_string(),
            seq: s.seq,
            units: 1,
            window_start: s.window_start.to_string(),
            window_end: s.window_end.to_string(),
            suggested_date: Some(s.suggested.to_string()),
            proposed_date: None,
            agreed_date: None,
            state: State::Planned,
            team_id: team,
            engineer_id: None,
            over_quota: false,
            approved: false,
            approved_by: None,
            report_summary: None,
            report_version: 0,
            report_submitted: false,
            customer_confirmed: false,
            confirmed_by: None,
            reason: None,
            notes: None,
        };
        rows.push(to_map(&e)?);
    }
    let now = at.as_millisecond();
    for chunk in rows.chunks(150) {
        crud::insert_many(conn, &tables::ENGAGEMENT, chunk, now).await?;
    }
    let after = of_contract(conn, contract_id).await?;
    let mut created = Vec::new();
    let mut audit = Vec::new();
    for e in after {
        let Some(s) = missing.iter().find(|s| {
            e.data.origin == Origin::Plan
                && e.data.kind == s.kind
                && e.data.year_index == i64::from(s.year.index)
                && e.data.seq == s.seq
        }) else {
            continue;
        };
        let of = slots.iter().filter(|x| x.kind == s.kind && x.year.index == s.year.index).count() as i64;
        created.push(Created {
            id: e.id,
            kind: s.kind,
            year_index: e.data.year_index,
            seq: e.data.seq,
            of,
            window_start: e.data.window_start.clone(),
            window_end: e.data.window_end.clone(),
            suggested_date: e.data.suggested_date.clone(),
        });
        audit.push((e.id, serde_json::to_value(&e).map_err(|x| AppError::Internal(x.to_string()))?));
    }
    fuwu_store::audit::record_many(conn, now, caller.map(|c| c.id().0), "engagement", "plan", &audit).await?;
    created.sort_by_key(|c| (c.year_index, c.kind, c.seq));
    Ok(Generated { contract_id: ContractId(contract_id), contract_number: number, created })
}

/// Who may generate plans and add engagements: the service centre.
fn require_planner(c: &Caller) -> Result<(), AppError> {
    c.require(Cap::WriteCustomers)
}

/// Generates a contract's missing engagements (planners; idempotent).
pub async fn generate(app: &App, c: &Caller, contract_id: i64) -> Result<Generated, AppError> {
    crate::records::get::<Contract>(app, c, contract_id).await?;
    require_planner(c)?;
    let mut tx = app.db.begin().await?;
    let out = generate_in(&mut tx, app.clock.now(), Some(c), contract_id, None).await?;
    tx.commit().await?;
    Ok(out)
}

/// For operators (`fuwu plan generate --year`): every contract's missing
/// engagements of the contract years that begin in `year`, one transaction per contract.
pub async fn generate_year(app: &App, year: i16) -> Result<Vec<Generated>, AppError> {
    // A contract year that begins in `year` lies inside the period, so the period overlaps `year`.
    let ids: Vec<i64> = {
        let mut conn = app.db.reader().acquire().await?;
        let spec = ListSpec {
            conds: vec![(
                "start_date <= ? AND end_date >= ?".into(),
                vec![Val::Text(Some(format!("{year:04}-12-31"))), Val::Text(Some(format!("{year:04}-01-01")))],
            )],
            limit: 1_000_000,
            no_count: true,
            ..Default::default()
        };
        crud::list(&mut conn, &tables::CONTRACT, &spec).await?.0.iter().filter_map(|m| m.get("id")?.as_i64()).collect()
    };
    let mut out = Vec::new();
    for id in ids {
        let mut tx = app.db.begin().await?;
        let g = generate_in(&mut tx, app.clock.now(), None, id, Some(year)).await?;
        tx.commit().await?;
        out.push(g);
    }
    Ok(out)
}

/// A page of engagements the caller may see. Filters: the table's; default
/// order the window's start.
pub async fn list(app: &App, c: &Caller, params: &ListParams) -> Result<Page<Stored<Engagement>>, AppError> {
    c.require(Cap::ReadEvents)?;
    let (page, per_page) = page_bounds(params)?;
    let mut given = params.filters.clone();
    let mut conds: Vec<(String, Vec<Val>)> = scope_cond(c).into_iter().collect();
    // `open=true`: not yet delivered nor cancelled (the planner's worklist).
    match given.remove("open").as_deref() {
        None | Some("false") | Some("0") => {}
        Some("true") | Some("1") => conds.push((
            "state IN ('planned', 'date_agreed', 'in_progress', 'report_submitted', 'postponed')".into(),
            vec![],
        )),
        Some(_) => return Err(AppError::bad("open must be true or false", Some("open"))),
    }
    let filters = parse_filters(&tables::ENGAGEMENT, &given, "open, ")?;
    let sort = match params.sort.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => ("window_start".to_owned(), false),
        Some(s) => {
            let (col, desc) = s.strip_prefix('-').map_or((s, false), |c| (c, true));
            if !(["id", "created_at", "updated_at"].contains(&col) || tables::ENGAGEMENT.sortable.contains(&col)) {
                return Err(AppError::bad(
                    format!(
                        "cannot sort by {col}; engagements sort by: id, {}",
                        tables::ENGAGEMENT.sortable.join(", ")
                    ),
                    Some("sort"),
                ));
            }
            (col.to_owned(), desc)
        }
    };
    let spec = ListSpec {
        filters,
        q: params.q.as_deref().and_then(fuwu_core::text::needle),
        conds,
        sort: Some(sort),
        limit: per_page,
        offset: (page - 1).saturating_mul(per_page),
        ..Default::default()
    };
    let mut conn = app.db.reader().acquire().await?;
    let (rows, total) = crud::list(&mut conn, &tables::ENGAGEMENT, &spec).await?;
    let items = rows.into_iter().map(Stored::from_map).collect::<Result<Vec<_>, _>>()?;
    Ok(Page { items, page, per_page, total })
}

/// The names a list of engagements shows: customers, contracts, engineers.
#[derive(Debug, Clone, Default)]
pub struct Labels {
    pub customers: std::collections::HashMap<i64, String>,
    pub contracts: std::collections::HashMap<i64, String>,
    pub users: std::collections::HashMap<i64, String>,
}

/// The names for engagements the caller was given (already within its scope).
pub async fn labels(app: &App, items: &[Stored<Engagement>]) -> Result<Labels, AppError> {
    let mut conn = app.db.reader().acquire().await?;
    let ids = |f: &dyn Fn(&Engagement) -> Option<i64>| {
        let mut v: Vec<i64> = items.iter().filter_map(|e| f(&e.data)).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let named = |rows: Vec<Map<String, Value>>, field: &str| {
        rows.iter()
            .filter_map(|m| Some((m.get("id")?.as_i64()?, m.get(field)?.as_str()?.to_owned())))
            .collect::<std::collections::HashMap<_, _>>()
    };
    let customers =
        named(crud::get_many(&mut conn, &tables::CUSTOMER, &ids(&|e| Some(e.customer_id.0))).await?, "name");
    let contracts =
        named(crud::get_many(&mut conn, &tables::CONTRACT, &ids(&|e| Some(e.contract_id.0))).await?, "number");
    let users = named(crud::get_many(&mut conn, &tables::USER, &ids(&|e| e.engineer_id.map(|u| u.0))).await?, "name");
    Ok(Labels { customers, contracts, users })
}

/// One step of an engagement's history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Step {
    /// `plan`, `create` or an action (`agree_date`, …).
    pub action: String,
    pub at: String,
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    pub reason: Option<String>,
}

/// An engineer one may assign, the project's dedicated people first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EngineerChoice {
    pub id: UserId,
    pub name: String,
    /// The project's implementation engineer or a member of its dedicated team.
    pub dedicated: bool,
}

/// An engagement with what the caller may do and its history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EngagementDetail {
    #[schema(value_type = Object)]
    pub engagement: Stored<Engagement>,
    pub available: Vec<ActionKind>,
    pub contract_number: String,
    pub customer_name: String,
    pub engineer_name: Option<String>,
    pub history: Vec<Step>,
    /// For planners: engineers to assign, the dedicated people first.
    pub engineers: Vec<EngineerChoice>,
}

fn name_of(m: &Map<String, Value>) -> String {
    m.get("name").and_then(Value::as_str).unwrap_or_default().to_owned()
}

/// An engagement, its available actions and its history.
pub async fn detail(app: &App, c: &Caller, id: i64) -> Result<EngagementDetail, AppError> {
    let mut conn = app.db.reader().acquire().await?;
    let (e, _) = load(&mut conn, c, id).await?;
    let actor = plan_actor(&mut conn, c).await?;
    let core = e.data.core()?;
    let available = plan::available(&core, &actor);
    let contract_number = crud::get(&mut conn, &tables::CONTRACT, e.data.contract_id.0)
        .await?
        .and_then(|m| m.get("number").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default();
    let customer_name =
        crud::get(&mut conn, &tables::CUSTOMER, e.data.customer_id.0).await?.map(|m| name_of(&m)).unwrap_or_default();
    let rows = fuwu_store::audit::list(&mut conn, Some("engagement"), Some(id), 500, 0).await?;
    let mut people: Vec<i64> = rows.iter().filter_map(|r| r.actor_id).collect();
    people.extend(e.data.engineer_id.map(|u| u.0));
    people.sort_unstable();
    people.dedup();
    let names: std::collections::HashMap<i64, String> = crud::get_many(&mut conn, &tables::USER, &people)
        .await?
        .iter()
        .filter_map(|m| Some((m.get("id")?.as_i64()?, name_of(m))))
        .collect();
    let history = rows
        .into_iter()
        .rev()
        .map(|r| Step {
            reason: match r.action.as_str() {
                "postpone" | "cancel" => {
                    r.after.as_ref().and_then(|a| a.get("reason")).and_then(Value::as_str).map(str::to_owned)
                }
                _ => None,
            },
            actor_name: r.actor_id.and_then(|a| names.get(&a).cloned()),
            action: r.action,
            at: r.at,
            actor_id: r.actor_id,
        })
        .collect();
    let engineers =
        if available.contains(&ActionKind::Assign) { candidates(&mut conn, &e.data).await? } else { vec![] };
    Ok(EngagementDetail {
        engineer_name: e.data.engineer_id.and_then(|u| names.get(&u.0).cloned()),
        engagement: e,
        available,
        contract_number,
        customer_name,
        history,
        engineers,
    })
}

/// Engineers to assign: the project's implementation engineer and its
/// dedicated team's engineers first, then every other active engineer.
async fn candidates(conn: &mut Conn, e: &Engagement) -> Result<Vec<EngineerChoice>, AppError> {
    let project: Option<Stored<Project>> = match e.project_id {
        Some(p) => crud::get(conn, &tables::PROJECT, p.0).await?.map(Stored::from_map).transpose()?,
        None => None,
    };
    let implementer = project.as_ref().and_then(|p| p.data.implementation_engineer_id);
    let spec = ListSpec {
        conds: vec![("active = 1 AND role IN ('engineer', 'partner_engineer')".into(), vec![])],
        sort: Some(("name".into(), false)),
        limit: 2000,
        no_count: true,
        ..Default::default()
    };
    let users = crud::list(conn, &tables::USER, &spec).await?.0;
    let mut out: Vec<EngineerChoice> = Vec::new();
    for m in users {
        let u: Stored<User> = Stored::from_map(m)?;
        let dedicated = Some(UserId(u.id)) == implementer || (e.team_id.is_some() && u.data.team_id == e.team_id);
        out.push(EngineerChoice { id: UserId(u.id), name: u.data.name, dedicated });
    }
    out.sort_by_key(|c| !c.dedicated);
    Ok(out)
}

/// An action on an engagement. Which fields matter depends on `action`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionInput {
    pub action: ActionKind,
    /// The engagement version the action is based on; a stale one gets 409.
    #[serde(default)]
    pub version: Option<i64>,
    /// `propose_date`, `agree_date`: YYYY-MM-DD inside the contract year.
    #[serde(default)]
    pub date: Option<String>,
    /// `adjust_window`.
    #[serde(default)]
    pub window_start: Option<String>,
    #[serde(default)]
    pub window_end: Option<String>,
    /// `assign`: an active engineer.
    #[serde(default)]
    pub engineer_id: Option<UserId>,
    /// `postpone`, `cancel`: why.
    #[serde(default)]
    pub reason: Option<String>,
    /// `submit_report`: what was done and found.
    #[serde(default)]
    pub summary: Option<String>,
}

fn required_text(v: &Option<String>, field: &str, max: usize) -> Result<String, AppError> {
    let t = v.as_deref().map(str::trim).unwrap_or_default();
    if t.is_empty() {
        return Err(AppError::invalid(field, "required", format!("{field} is required")));
    }
    if t.chars().count() > max {
        return Err(AppError::invalid(field, "too_long", format!("{field} is longer than {max} characters")));
    }
    Ok(t.to_owned())
}

fn required_date(v: &Option<String>, field: &str) -> Result<Date, AppError> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => date(s, field),
        None => Err(AppError::invalid(field, "required", format!("{field} is required"))),
    }
}

/// The core action of an input, its parameters checked (422 naming the field).
async fn to_action(conn: &mut Conn, input: &ActionInput) -> Result<plan::Action, AppError> {
    use plan::Action as A;
    Ok(match input.action {
        ActionKind::AdjustWindow => A::AdjustWindow {
            start: required_date(&input.window_start, "window_start")?,
            end: required_date(&input.window_end, "window_end")?,
        },
        ActionKind::ProposeDate => A::ProposeDate { date: required_date(&input.date, "date")? },
        ActionKind::AgreeDate => A::AgreeDate { date: required_date(&input.date, "date")? },
        ActionKind::AcceptDate => A::AcceptDate,
        ActionKind::Assign => {
            let id = input
                .engineer_id
                .ok_or_else(|| AppError::invalid("engineer_id", "required", "engineer_id is required"))?;
            let ok = crud::get(conn, &tables::USER, id.0)
                .await?
                .map(Stored::<User>::from_map)
                .transpose()?
                .is_some_and(|u| u.data.active && matches!(u.data.role, Role::Engineer | Role::PartnerEngineer));
            if !ok {
                return Err(AppError::invalid("engineer_id", "unknown_id", "engineer_id: no such active engineer"));
            }
            A::Assign { engineer: id }
        }
        ActionKind::Approve => A::Approve,
        ActionKind::Start => A::Start,
        ActionKind::SubmitReport => {
            required_text(&input.summary, "summary", 20_000)?;
            A::SubmitReport
        }
        ActionKind::Confirm => A::Confirm,
        ActionKind::Close => A::Close,
        ActionKind::Postpone => A::Postpone { reason: required_text(&input.reason, "reason", 2000)? },
        ActionKind::Cancel => A::Cancel { reason: required_text(&input.reason, "reason", 2000)? },
    })
}

/// Takes an action on an engagement: the state table decides, the engagement
/// and its audit row are written in one transaction.
pub async fn act(app: &App, c: &Caller, id: i64, input: ActionInput) -> Result<Stored<Engagement>, AppError> {
    let mut tx = app.db.begin().await?;
    let (e, before) = load(&mut tx, c, id).await?;
    if let Some(v) = input.version
        && v != e.version
    {
        return Err(AppError::Conflict {
            message: format!(
                "the engagement was changed by someone else (now version {}); reload and try again",
                e.version
            ),
            field: Some("version".into()),
            current: Some(Value::Object(before)),
        });
    }
    let actor = plan_actor(&mut tx, c).await?;
    let action = to_action(&mut tx, &input).await?;
    let next = plan::decide(&e.data.core()?, &action, &actor).map_err(|r| match r {
        // A refusal about one input names it, so the page shows it beside the field.
        fuwu_core::flow::Refusal::Said { forbidden: false, said } => match (said.code, input.action) {
            ("plan_outside_year", ActionKind::AdjustWindow) => AppError::refused_at("window_start", said),
            ("plan_outside_year", _) => AppError::refused_at("date", said),
            ("plan_window_order", _) => AppError::refused_at("window_end", said),
            ("plan_reason_required", _) => AppError::refused_at("reason", said),
            _ => AppError::from(fuwu_core::flow::Refusal::Said { forbidden: false, said }),
        },
        other => AppError::from(other),
    })?;
    let mut n = e.data.clone();
    n.set(&next);
    match input.action {
        ActionKind::Approve => n.approved_by = Some(c.id()),
        ActionKind::SubmitReport => {
            n.report_summary = input.summary.as_deref().map(str::trim).map(str::to_owned);
            n.report_version += 1;
            n.confirmed_by = None;
        }
        ActionKind::Confirm => n.confirmed_by = Some(c.id()),
        ActionKind::Postpone | ActionKind::Cancel => {
            n.reason = input.reason.as_deref().map(str::trim).map(str::to_owned);
        }
        _ => {}
    }
    let now = app.clock.now_ms();
    let data = to_map(&n)?;
    if !crud::update(&mut tx, &tables::ENGAGEMENT, id, e.version, &data, now).await? {
        return Err(AppError::Conflict {
            message: "the engagement was changed by someone else meanwhile; reload and try again".into(),
            field: Some("version".into()),
            current: crud::get(&mut tx, &tables::ENGAGEMENT, id).await?.map(Value::Object),
        });
    }
    let after = crud::get(&mut tx, &tables::ENGAGEMENT, id).await?.ok_or(AppError::NotFound("engagement"))?;
    fuwu_store::audit::record(
        &mut tx,
        now,
        Some(c.id().0),
        "engagement",
        id,
        input.action.as_str(),
        Some(&Value::Object(before)),
        Some(&Value::Object(after.clone())),
    )
    .await?;
    tx.commit().await?;
    Stored::from_map(after)
}

/// An engagement added by a planner: a standby for an important period, or one
/// more of a kind. Beyond the year's quota it is chargeable and waits for the
/// department manager's approval before it can start.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEngagement {
    pub contract_id: ContractId,
    pub kind: Kind,
    /// The target window (YYYY-MM-DD, inside one contract year of the period).
    pub window_start: String,
    pub window_end: String,
    /// Standby: the days booked (1–60); other kinds count 1.
    #[serde(default)]
    pub units: Option<i64>,
    /// What it is for (a go-live, a major event, the customer's request).
    #[serde(default)]
    pub notes: Option<String>,
}

/// Adds an engagement to a contract (planners).
pub async fn add(app: &App, c: &Caller, input: NewEngagement) -> Result<Stored<Engagement>, AppError> {
    crate::records::get::<Contract>(app, c, input.contract_id.0)
        .await
        .map_err(|_| AppError::invalid("contract_id", "unknown_id", "contract_id: no such contract"))?;
    let ws = date(input.window_start.trim(), "window_start")?;
    let we = date(input.window_end.trim(), "window_end")?;
    if we < ws {
        return Err(AppError::invalid("window_end", "before_start", "window_end must not be before window_start"));
    }
    let units = match (input.kind, input.units) {
        (Kind::Standby, Some(u)) if !(1..=plan::MAX_STANDBY_DAYS).contains(&u) => {
            return Err(AppError::invalid("units", "out_of_range", "units: a standby books 1 to 60 days"));
        }
        (Kind::Standby, u) => u.unwrap_or(1),
        (_, Some(u)) if u != 1 => {
            return Err(AppError::invalid("units", "not_allowed", "units: only a standby counts days"));
        }
        _ => 1,
    };
    let mut notes = input.notes.clone();
    let mut errs = fuwu_core::FieldErrors::new();
    errs.opt_text("notes", &mut notes, 4000);
    errs.into_result()?;
    let mut tx = app.db.begin().await?;
    let cp = contract_plan(&mut tx, input.contract_id.0).await?;
    let year = plan::year_of(&cp.years, ws).ok_or_else(|| {
        AppError::invalid(
            "window_start",
            "outside_period",
            "window_start must lie inside the contract's service period",
        )
    })?;
    if we > year.end {
        return Err(AppError::invalid(
            "window_end",
            "outside_year",
            format!("window_end must lie inside the same contract year (ending {})", year.end),
        ));
    }
    let (project, team) = project_of(&mut tx, &cp.contract.data).await?;
    let actor = plan_actor(&mut tx, c).await?;
    let probe = plan::Engagement {
        kind: input.kind,
        state: State::Planned,
        customer: cp.contract.data.customer_id,
        team,
        engineer: None,
        year_start: year.start,
        year_end: year.end,
        window_start: ws,
        window_end: we,
        proposed_date: None,
        agreed_date: None,
        over_quota: false,
        approved: false,
        report_submitted: false,
        customer_confirmed: false,
    };
    if !plan::is_planner(&probe, &actor) {
        let said = fuwu_core::said::Said::new("role_may_not").with("role", c.role().as_str());
        return Err(AppError::Refused { forbidden: true, said, field: None });
    }
    let same: Vec<Stored<Engagement>> = of_contract(&mut tx, input.contract_id.0)
        .await?
        .into_iter()
        .filter(|e| e.data.kind == input.kind && e.data.year_index == i64::from(year.index))
        .collect();
    let counted: Vec<Counted> = same.iter().map(|e| e.data.counted()).collect();
    let quota = plan::quota_in(&year, input.kind.quota(&cp.quotas));
    let over = plan::over_quota(quota, &counted, units);
    let seq = same.iter().filter(|e| e.data.origin == Origin::Extra).map(|e| e.data.seq).max().unwrap_or(0) + 1;
    let e = Engagement {
        contract_id: input.contract_id,
        customer_id: cp.contract.data.customer_id,
        project_id: project,
        kind: input.kind,
        origin: Origin::Extra,
        year_index: i64::from(year.index),
        year_start: year.start.to_string(),
        year_end: year.end.to_string(),
        seq,
        units,
        window_start: ws.to_string(),
        window_end: we.to_string(),
        suggested_date: None,
        proposed_date: None,
        agreed_date: None,
        state: State::Planned,
        team_id: team,
        engineer_id: None,
        over_quota: over,
        approved: false,
        approved_by: None,
        report_summary: None,
        report_version: 0,
        report_submitted: false,
        customer_confirmed: false,
        confirmed_by: None,
        reason: None,
        notes,
    };
    let now = app.clock.now_ms();
    let id = crud::insert(&mut tx, &tables::ENGAGEMENT, &to_map(&e)?, now).await?;
    let stored = crud::get(&mut tx, &tables::ENGAGEMENT, id).await?.ok_or(AppError::NotFound("engagement"))?;
    fuwu_store::audit::record(
        &mut tx,
        now,
        Some(c.id().0),
        "engagement",
        id,
        "create",
        None,
        Some(&Value::Object(stored.clone())),
    )
    .await?;
    tx.commit().await?;
    Stored::from_map(stored)
}

/// The quota use of one contract year.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct YearUse {
    pub index: i32,
    pub start: String,
    pub end: String,
    /// Per kind with a quota or engagements.
    pub kinds: Vec<QuotaUse>,
}

/// A contract's plan: quota use per year and its engagements.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Plan {
    pub contract_id: ContractId,
    pub years: Vec<YearUse>,
    #[schema(value_type = Vec<Object>)]
    pub engagements: Vec<Stored<Engagement>>,
}

/// Quota use per contract year and kind, from the engagements of the contract.
pub fn year_uses(
    years: &[ContractYear],
    quotas: &fuwu_core::records::Quotas,
    all: &[Stored<Engagement>],
) -> Vec<YearUse> {
    years
        .iter()
        .map(|y| {
            let kinds = Kind::ALL
                .into_iter()
                .filter_map(|k| {
                    let items: Vec<Counted> = all
                        .iter()
                        .filter(|e| e.data.kind == k && e.data.year_index == i64::from(y.index))
                        .map(|e| e.data.counted())
                        .collect();
                    let quota = plan::quota_in(y, k.quota(quotas));
                    (quota > 0 || !items.is_empty()).then(|| plan::usage(k, quota, &items))
                })
                .collect();
            YearUse { index: y.index, start: y.start.to_string(), end: y.end.to_string(), kinds }
        })
        .collect()
}

/// A contract's plan and quota use, for whoever may see the contract.
pub async fn of(app: &App, c: &Caller, contract_id: i64) -> Result<Plan, AppError> {
    crate::records::get::<Contract>(app, c, contract_id).await?;
    let mut conn = app.db.reader().acquire().await?;
    let cp = contract_plan(&mut conn, contract_id).await?;
    let all = of_contract(&mut conn, contract_id).await?;
    let years = year_uses(&cp.years, &cp.quotas, &all);
    Ok(Plan { contract_id: ContractId(contract_id), years, engagements: all })
}

/// One contract's quota use in the contract year of a day (the hotline card).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContractUse {
    pub contract_id: ContractId,
    pub year: YearUse,
}

/// The quota use of the contract year `day` falls in, for contracts whose
/// customer the caller was already allowed to see (the lookup's card).
pub async fn use_on(conn: &mut Conn, contract_ids: &[i64], day: Date) -> Result<Vec<ContractUse>, AppError> {
    let mut out = Vec::new();
    for id in contract_ids {
        let cp = contract_plan(conn, *id).await?;
        let Some(year) = plan::year_of(&cp.years, day) else { continue };
        let all = of_contract(conn, *id).await?;
        if let Some(u) = year_uses(&[year], &cp.quotas, &all).into_iter().next()
            && !u.kinds.is_empty()
        {
            out.push(ContractUse { contract_id: ContractId(*id), year: u });
        }
    }
    Ok(out)
}

/// The current contract year's quota use of each of a customer's contracts
/// in force on `day` (the portal, the hotline card).
pub async fn customer_use(
    app: &App,
    c: &Caller,
    customer_id: CustomerId,
    day: Date,
) -> Result<Vec<(String, YearUse)>, AppError> {
    let params = ListParams {
        filters: [("customer_id".to_owned(), customer_id.0.to_string())].into_iter().collect(),
        per_page: Some(crate::records::MAX_PER_PAGE),
        ..Default::default()
    };
    let contracts = crate::records::list::<Contract>(app, c, &params).await?;
    let mut conn = app.db.reader().acquire().await?;
    let mut out = Vec::new();
    for k in contracts.items {
        let cp = contract_plan(&mut conn, k.id).await?;
        let Some(year) = plan::year_of(&cp.years, day) else { continue };
        let all = of_contract(&mut conn, k.id).await?;
        if let Some(u) = year_uses(&[year], &cp.quotas, &all).into_iter().next()
            && !u.kinds.is_empty()
        {
            out.push((k.data.number, u));
        }
    }
    Ok(out)
}
