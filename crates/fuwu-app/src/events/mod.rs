//! The service-request flow's use cases: intake, actions through the core's
//! transition table, work records, reports, attachments, queues. Every change
//! writes the event and its journal row in one transaction.

pub mod act;
pub mod choices;
pub mod context;
pub mod document;
pub mod intake;
pub mod queues;
pub mod sweep;
pub mod work;
pub mod writer;

use crate::App;
use crate::caller::Caller;
use crate::error::AppError;
use crate::records::Stored;
use fuwu_core::access::Cap;
use fuwu_core::flow::{Flow, FlowActor};
use fuwu_core::ids::*;
use fuwu_core::priority::{Impact, PriorityMatrix, Urgency};
use fuwu_core::records::Priority;
use fuwu_core::role::{Role, Tier};
use fuwu_store::crud::{self, Val};
use fuwu_store::{Conn, tables};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// How an event reached the organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// 400 热线.
    Hotline,
    /// The customer called its engineer directly.
    Direct,
    Email,
    Portal,
    Api,
    DeviceAlert,
}

/// 技术咨询, 故障, 服务请求.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Consultation,
    Fault,
    ServiceRequest,
}

/// 电话, 远程, 现场.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ServiceMode {
    Phone,
    Remote,
    Onsite,
}

/// Caches shared by requests (short-lived; see each user).
#[derive(Debug, Default)]
pub struct Cache {
    pub refdata: Ttl<std::sync::Arc<intake::RefData>>,
    pub matrix: Ttl<PriorityMatrix>,
    /// The group-commit writer of intake, started on first use.
    pub intake_writer: std::sync::OnceLock<tokio::sync::mpsc::Sender<writer::Job>>,
    /// The server secret that signs login forms (`auth::login_form_token`), read once.
    pub form_secret: std::sync::OnceLock<String>,
}

/// A value kept for a short time, shared by the requests of one process.
#[derive(Debug)]
pub struct Ttl<T> {
    slot: std::sync::Mutex<Option<(std::time::Instant, T)>>,
}

impl<T> Default for Ttl<T> {
    fn default() -> Self {
        Ttl { slot: std::sync::Mutex::new(None) }
    }
}

impl<T: Clone> Ttl<T> {
    /// The value if it was stored less than `ttl` ago.
    pub fn get(&self, ttl: std::time::Duration) -> Option<T> {
        let g = self.slot.lock().ok()?;
        g.as_ref().filter(|(at, _)| at.elapsed() < ttl).map(|(_, v)| v.clone())
    }

    pub fn put(&self, v: T) {
        if let Ok(mut g) = self.slot.lock() {
            *g = Some((std::time::Instant::now(), v));
        }
    }

    pub fn clear(&self) {
        if let Ok(mut g) = self.slot.lock() {
            *g = None;
        }
    }
}

/// How long a server may use the priority matrix it read. The server that
/// changes it forgets its copy at once; others within this time.
const MATRIX_TTL: std::time::Duration = std::time::Duration::from_secs(10);

/// The priority matrix, read at most every few seconds.
pub async fn cached_matrix(app: &App, conn: &mut Conn) -> Result<PriorityMatrix, AppError> {
    if let Some(m) = app.cache.matrix.get(MATRIX_TTL) {
        return Ok(m);
    }
    let m = matrix(conn).await?;
    app.cache.matrix.put(m.clone());
    Ok(m)
}

/// An event as stored.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Event {
    /// Readable number, e.g. `FW-2026-000123`.
    pub number: String,
    pub channel: Channel,
    pub kind: EventKind,
    pub service_mode: ServiceMode,
    pub customer_id: CustomerId,
    pub site_id: Option<SiteId>,
    pub project_id: Option<ProjectId>,
    pub asset_id: Option<AssetId>,
    pub contact_id: Option<ContactId>,
    pub title: String,
    pub description: Option<String>,
    pub impact: Impact,
    pub urgency: Urgency,
    pub priority: Priority,
    /// Mirrors `flow.state` for queries.
    pub state: fuwu_core::flow::State,
    pub tier: Tier,
    pub team_id: Option<TeamId>,
    pub assignee_id: Option<UserId>,
    pub partner_id: Option<PartnerId>,
    /// The branch covering the site's city.
    pub branch_id: Option<BranchId>,
    /// 重大事件.
    pub major: bool,
    pub contract_id: Option<ContractId>,
    /// Covered by a contract inside its service period at intake.
    pub entitled: bool,
    /// The entitlement snapshot taken at intake (null: no covering contract).
    #[schema(value_type = Object)]
    pub entitlement: Option<Value>,
    pub flow: Flow,
    /// `specialist` or `manager` while an approval waits.
    pub awaiting_approver: Option<String>,
    pub recorded_by: UserId,
    /// The routing ranking at intake, with reasons.
    #[schema(value_type = Object)]
    pub routing: Option<Value>,
    #[schema(value_type = Object)]
    pub documentation: Option<Value>,
    #[schema(value_type = Object)]
    pub review: Option<Value>,
    pub resolution: Option<String>,
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    /// SLA clocks (none without a covering contract).
    #[serde(default)]
    pub clocks: Option<fuwu_core::sla::ClockSet>,
    /// When the SLA sweeper must next look (ms). Scheduling data, not journaled.
    #[serde(default)]
    pub next_check_at: Option<i64>,
    /// `warning` or `breached` while a running clock has passed its warning share
    /// or its target (the "breaching soon" queue); none otherwise.
    #[serde(default)]
    pub sla_state: Option<String>,
    /// The client's token for this recording (idempotency): the same token never records twice.
    #[serde(default)]
    pub client_token: Option<String>,
}

/// Fields that schedule work rather than describe the event; kept out of the journal.
pub const UNJOURNALED: &[&str] = &["next_check_at"];

/// Saves schedule the first check at the lowest warning share an administrator
/// may set, so a check is never late whatever the setting (`core::sla`).
const LOWEST_SHARE: f64 = fuwu_core::sla::MIN_WARN_PERCENT as f64 / 100.0;

impl Event {
    /// The contract's targets for the event's priority, in seconds.
    pub fn targets(&self) -> Option<fuwu_core::sla::Targets> {
        let list: Vec<fuwu_core::records::PriorityTarget> =
            serde_json::from_value(self.entitlement.as_ref()?.get("targets")?.clone()).ok()?;
        let t = list.into_iter().find(|t| t.priority == self.priority)?;
        Some(fuwu_core::sla::Targets {
            response: t.response_minutes * 60,
            onsite: t.onsite_minutes.map(|m| m * 60),
            resolution: t.resolution_minutes * 60,
        })
    }
}

/// Writes one journal row per clock change.
pub async fn journal_clocks(
    conn: &mut Conn,
    now: Timestamp,
    event_id: i64,
    actor: Option<UserId>,
    notes: &[fuwu_core::sla::ClockNote],
) -> Result<(), AppError> {
    for n in notes {
        let detail = serde_json::json!({"change": n.change, "scope": n.scope, "kind": n.kind});
        journal(conn, now, event_id, actor, "clock", detail, Map::new()).await?;
    }
    Ok(())
}

impl Event {
    /// Keeps the query columns in step with the flow.
    pub fn sync(&mut self) {
        self.state = self.flow.state;
        self.tier = self.flow.tier;
        self.team_id = self.flow.team;
        self.assignee_id = self.flow.assignee;
        self.partner_id = self.flow.partner;
        self.major = self.flow.major;
        self.impact = self.flow.impact;
        self.urgency = self.flow.urgency;
        self.next_check_at =
            self.clocks.as_ref().and_then(|c| c.earliest_check(LOWEST_SHARE)).map(|t| t.as_millisecond());
        self.sla_state = self.clocks.as_ref().and_then(|set| set.alert()).map(str::to_owned);
        self.awaiting_approver = self.flow.pending.as_ref().map(|p| match p.approver {
            fuwu_core::flow::Approver::Specialist => "specialist".to_owned(),
            fuwu_core::flow::Approver::Manager => "manager".to_owned(),
        });
    }
}

/// The flow's view of the caller.
pub fn flow_actor(c: &Caller) -> FlowActor {
    FlowActor {
        user: c.id(),
        role: c.role(),
        tier: c.actor.tier,
        partner: c.actor.partner_id,
        customer: c.actor.customer_id,
    }
}

/// The SQL condition limiting events to what the caller may see (`None`: all).
pub fn event_scope(c: &Caller) -> Option<(String, Vec<Val>)> {
    let me = Val::Int(Some(c.id().0));
    match c.role() {
        Role::Admin | Role::Manager | Role::Specialist => None,
        Role::Engineer if matches!(c.actor.tier, Some(Tier::L2) | Some(Tier::L3)) => None,
        Role::Engineer => Some((
            "assignee_id = ? OR recorded_by = ? OR team_id = ?".into(),
            vec![me.clone(), me, Val::Int(c.actor.team_id.map(|t| t.0))],
        )),
        Role::PartnerEngineer => Some((
            "partner_id = ? OR assignee_id = ? OR recorded_by = ?".into(),
            vec![Val::Int(c.actor.partner_id.map(|p| p.0)), me.clone(), me],
        )),
        Role::Customer => Some(("customer_id = ?".into(), vec![Val::Int(c.actor.customer_id.map(|x| x.0))])),
    }
}

/// Whether the caller may see a stored event.
pub fn can_see(c: &Caller, e: &Event) -> bool {
    match c.role() {
        Role::Admin | Role::Manager | Role::Specialist => true,
        Role::Engineer if matches!(c.actor.tier, Some(Tier::L2) | Some(Tier::L3)) => true,
        Role::Engineer => {
            e.assignee_id == Some(c.id())
                || e.recorded_by == c.id()
                || (e.team_id.is_some() && e.team_id == c.actor.team_id)
                || e.flow.consultants.contains(&c.id())
        }
        Role::PartnerEngineer => {
            (e.partner_id.is_some() && e.partner_id == c.actor.partner_id)
                || e.assignee_id == Some(c.id())
                || e.recorded_by == c.id()
        }
        Role::Customer => Some(e.customer_id) == c.actor.customer_id,
    }
}

/// The fields of an event only the organisation sees: the routing ranking at
/// intake (engineers by name and id, their load and scores, partner firms).
const STAFF_ONLY: &[&str] = &["routing"];

/// An event as the caller may see it: the one place that hides the
/// organisation's internals from a customer, applied to every answer that
/// carries an event (intake, actions, lists, detail, a conflict's current copy).
pub fn view_for(c: &Caller, mut e: Stored<Event>) -> Stored<Event> {
    if c.role() == Role::Customer {
        e.data.routing = None;
    }
    e
}

/// [`view_for`] on a stored event's map (the `current` of a 409).
pub fn view_map_for(c: &Caller, mut m: Map<String, Value>) -> Map<String, Value> {
    if c.role() == Role::Customer {
        for k in STAFF_ONLY {
            if let Some(v) = m.get_mut(*k) {
                *v = Value::Null;
            }
        }
    }
    m
}

/// An error as the caller may see it: a conflict's current event through [`view_for`].
pub fn view_error_for(c: &Caller, e: AppError) -> AppError {
    match e {
        AppError::Conflict { message, field, current: Some(Value::Object(m)) } => {
            AppError::Conflict { message, field, current: Some(Value::Object(view_map_for(c, m))) }
        }
        other => other,
    }
}

/// Loads an event the caller may see, or 404.
pub async fn load(conn: &mut Conn, c: &Caller, id: i64) -> Result<(Stored<Event>, Map<String, Value>), AppError> {
    c.require(Cap::ReadEvents).map_err(|_| AppError::NotFound("event"))?;
    let m = crud::get(conn, &tables::EVENT, id).await?.ok_or(AppError::NotFound("event"))?;
    let e: Stored<Event> = Stored::from_map(m.clone())?;
    if !can_see(c, &e.data) {
        return Err(AppError::NotFound("event"));
    }
    Ok((e, m))
}

/// Reads an event by id (no visibility check).
pub async fn load_raw(conn: &mut Conn, id: i64) -> Result<(Stored<Event>, Map<String, Value>), AppError> {
    let m = crud::get(conn, &tables::EVENT, id).await?.ok_or(AppError::NotFound("event"))?;
    Ok((Stored::from_map(m.clone())?, m))
}

/// The record fields of a stored map (without id, version, times and scheduling data).
pub fn fields(m: &Map<String, Value>) -> Map<String, Value> {
    let mut f = m.clone();
    for k in ["id", "version", "created_at", "updated_at"].iter().chain(UNJOURNALED) {
        f.remove(*k);
    }
    f
}

fn to_map<T: Serialize>(t: &T) -> Result<Map<String, Value>, AppError> {
    match serde_json::to_value(t) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(AppError::Internal("record did not serialise to an object".into())),
    }
}

/// Appends a journal row: the action, its details and what it changed.
pub async fn journal(
    conn: &mut Conn,
    now: Timestamp,
    event_id: i64,
    actor: Option<UserId>,
    action: &str,
    detail: Value,
    changes: Map<String, Value>,
) -> Result<(), AppError> {
    let seq = fuwu_store::events::next_seq(conn, event_id).await?;
    journal_at(conn, now, event_id, seq, actor, action, detail, changes).await
}

/// Writes the journal row with a known sequence number.
#[allow(clippy::too_many_arguments)]
pub async fn journal_at(
    conn: &mut Conn,
    now: Timestamp,
    event_id: i64,
    seq: i64,
    actor: Option<UserId>,
    action: &str,
    detail: Value,
    changes: Map<String, Value>,
) -> Result<(), AppError> {
    let row = serde_json::json!({
        "event_id": event_id, "seq": seq, "actor_id": actor.map(|a| a.0), "action": action,
        "detail": detail, "changes": Value::Object(changes),
    });
    let Value::Object(m) = row else { return Err(AppError::Internal("journal row".into())) };
    crud::insert(conn, &tables::JOURNAL, &m, now.as_millisecond()).await?;
    Ok(())
}

/// Writes a changed event (if it is still at the version read) and its journal row.
pub async fn save(
    conn: &mut Conn,
    now: Timestamp,
    before: &Map<String, Value>,
    event: &mut Event,
    actor: Option<UserId>,
    action: &str,
    detail: Value,
) -> Result<Stored<Event>, AppError> {
    event.sync();
    save_synced(conn, now, before, event, actor, action, detail).await
}

/// Writes an event whose query columns are already in step (the sweeper sets an exact check time).
pub async fn save_synced(
    conn: &mut Conn,
    now: Timestamp,
    before: &Map<String, Value>,
    event: &mut Event,
    actor: Option<UserId>,
    action: &str,
    detail: Value,
) -> Result<Stored<Event>, AppError> {
    let id = before.get("id").and_then(Value::as_i64).unwrap_or_default();
    let version = before.get("version").and_then(Value::as_i64).unwrap_or_default();
    let after = to_map(event)?;
    if !crud::update(conn, &tables::EVENT, id, version, &after, now.as_millisecond()).await? {
        let current = crud::get(conn, &tables::EVENT, id).await?.map(Value::Object);
        return Err(AppError::Conflict {
            message: "the event was changed by someone else meanwhile; reload and try again".into(),
            field: Some("version".into()),
            current,
        });
    }
    journal(conn, now, id, actor, action, detail, fuwu_core::journal::diff(&fields(before), &fields(&after))).await?;
    let m = crud::get(conn, &tables::EVENT, id).await?.ok_or(AppError::NotFound("event"))?;
    Stored::from_map(m)
}

/// The admin-editable priority matrix.
pub async fn matrix(conn: &mut Conn) -> Result<PriorityMatrix, AppError> {
    match fuwu_store::events::setting(conn, "priority_matrix").await? {
        Some(s) => serde_json::from_str(&s).map_err(|e| AppError::Internal(format!("priority matrix unreadable: {e}"))),
        None => Ok(PriorityMatrix::default()),
    }
}

/// Replaces the priority matrix (admins).
pub async fn set_matrix(app: &App, c: &Caller, m: PriorityMatrix) -> Result<PriorityMatrix, AppError> {
    c.require(Cap::ManageSettings)?;
    m.check()?;
    let mut tx = app.db.begin().await?;
    let before = matrix(&mut tx).await?;
    let text = serde_json::to_string(&m).map_err(|e| AppError::Internal(e.to_string()))?;
    let now = app.clock.now_ms();
    fuwu_store::events::put_setting(&mut tx, "priority_matrix", &text, now).await?;
    let b = serde_json::to_value(&before).ok();
    let a = serde_json::to_value(&m).ok();
    fuwu_store::audit::record(&mut tx, now, Some(c.id().0), "setting", 0, "priority_matrix", b.as_ref(), a.as_ref())
        .await?;
    tx.commit().await?;
    app.cache.matrix.clear();
    Ok(m)
}
