//! Queues: my work, my team, unassigned, awaiting my approval, major
//! incidents, breaching soon — with counts, filters, sorting, pages, and a
//! fragment the page polls to stay current without reloading.

use super::{Ctx, Lite, fail, render};
use crate::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use fuwu_app::events::Event;
use fuwu_app::events::queues::{self, QueueCount};
use fuwu_app::records::{ListParams, Stored};
use fuwu_app::{AppError, Page};
use fuwu_core::role::Role;
use fuwu_store::tables;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/queues", get(page))
        .route("/queues/rows", get(rows))
        .route("/queues/export", get(export))
        .route("/approvals", get(approvals))
}

#[derive(Debug, Default, Deserialize, Clone)]
pub struct QueueQuery {
    #[serde(default)]
    pub queue: Option<String>,
    #[serde(default)]
    pub q: Option<String>,
    #[serde(default)]
    pub priority: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub sort: Option<String>,
    #[serde(default)]
    pub page: Option<i64>,
    /// `rows`: the live fragment without the queue tabs (the portal's list).
    #[serde(default)]
    pub part: Option<String>,
}

impl QueueQuery {
    fn query_string(&self) -> String {
        let mut parts = Vec::new();
        for (k, v) in [
            ("queue", &self.queue),
            ("q", &self.q),
            ("priority", &self.priority),
            ("state", &self.state),
            ("sort", &self.sort),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                parts.push(format!("{k}={}", urlencode(v)));
            }
        }
        if let Some(p) = self.page.filter(|p| *p > 1) {
            parts.push(format!("page={p}"));
        }
        parts.join("&")
    }
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One event in a list.
pub struct Row {
    pub id: i64,
    pub number: String,
    pub title: String,
    pub customer: String,
    pub priority: String,
    pub state: String,
    pub tier: String,
    pub assignee: String,
    pub major: bool,
    pub sla: String,
    pub created: String,
    /// The earliest due time of a running SLA clock (RFC 3339), for the countdown.
    pub due: String,
}

/// The earliest due instant among an event's running clocks.
fn earliest_due(
    e: &Event,
    cals: &HashMap<String, fuwu_core::calendar::Calendar>,
    now: jiff::Timestamp,
) -> Option<jiff::Timestamp> {
    let set = e.clocks.as_ref()?;
    set.earliest_due(cals.get(&set.calendar)?, now)
}

/// Names of records by id (customers, users, teams).
pub async fn names(
    conn: &mut fuwu_store::Conn,
    def: &tables::TableDef,
    ids: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, String>, AppError> {
    let mut ids: Vec<i64> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    let rows = fuwu_store::crud::get_many(conn, def, &ids).await?;
    Ok(rows
        .into_iter()
        .filter_map(|m| {
            let id = m.get("id")?.as_i64()?;
            let name = m.get("name")?.as_str()?.to_owned();
            Some((id, name))
        })
        .collect())
}

pub async fn to_rows(s: &AppState, ctx: &Ctx, events: &[Stored<Event>]) -> Result<Vec<Row>, AppError> {
    let mut conn = s.app.db.reader().acquire().await?;
    let customers = names(&mut conn, &tables::CUSTOMER, events.iter().map(|e| e.data.customer_id.0)).await?;
    let users = names(&mut conn, &tables::USER, events.iter().filter_map(|e| e.data.assignee_id.map(|u| u.0))).await?;
    // Held by a partner firm (no engineer named yet): the firm is who has it.
    let partners = names(
        &mut conn,
        &tables::PARTNER,
        events.iter().filter(|e| e.data.assignee_id.is_none()).filter_map(|e| e.data.partner_id.map(|p| p.0)),
    )
    .await?;
    let mut cals = HashMap::new();
    for e in events {
        if let Some(set) = &e.data.clocks
            && !cals.contains_key(&set.calendar)
        {
            let cal = fuwu_app::calendars::calendar(&mut conn, &set.calendar, "calendar").await?;
            cals.insert(set.calendar.clone(), cal);
        }
    }
    let now = s.app.clock.now();
    Ok(events
        .iter()
        .map(|e| Row {
            id: e.id,
            number: e.data.number.clone(),
            title: e.data.title.clone(),
            customer: customers.get(&e.data.customer_id.0).cloned().unwrap_or_default(),
            priority: super::code(&e.data.priority),
            state: super::code(&e.data.state),
            tier: super::code(&e.data.tier),
            assignee: e
                .data
                .assignee_id
                .and_then(|u| users.get(&u.0).cloned())
                .or_else(|| e.data.partner_id.and_then(|p| partners.get(&p.0).cloned()))
                .unwrap_or_default(),
            major: e.data.major,
            sla: e.data.sla_state.clone().unwrap_or_default(),
            created: ctx.at(&e.created_at),
            due: earliest_due(&e.data, &cals, now).map(|t| t.to_string()).unwrap_or_default(),
        })
        .collect())
}

/// The queues a role works from, in tab order.
fn tabs(role: Role) -> &'static [&'static str] {
    match role {
        Role::Specialist | Role::Manager => &["mine", "unassigned", "approvals", "major", "at_risk", "open", "all"],
        Role::Engineer => &["mine", "team", "at_risk", "major", "open", "all"],
        Role::PartnerEngineer => &["mine", "open", "all"],
        Role::Admin => &["open", "major", "at_risk", "all"],
        Role::Customer => &["open", "all"],
    }
}

#[derive(Template)]
#[template(path = "queues.html")]
struct QueuesPage<'a> {
    ctx: &'a Ctx,
    queue: String,
    tabs: Vec<(String, i64)>,
    filter: QueueQuery,
    rows: Vec<Row>,
    page: i64,
    pages: i64,
    total: i64,
    refresh: String,
    /// The list's filters for its export links (without the page).
    export_query: String,
}

#[derive(Template)]
#[template(path = "queue_rows.html")]
struct RowsFragment<'a> {
    ctx: &'a Ctx,
    rows: Vec<Row>,
    total: i64,
}

#[derive(Template)]
#[template(path = "queue_live.html")]
struct LiveFragment<'a> {
    ctx: &'a Ctx,
    queue: String,
    tabs: Vec<(String, i64)>,
    rows: Vec<Row>,
    total: i64,
}

async fn tab_counts(s: &AppState, ctx: &Ctx) -> Result<Vec<(String, i64)>, AppError> {
    let counts: Vec<QueueCount> = queues::counts(&s.app, &ctx.caller).await?;
    Ok(tabs(ctx.role())
        .iter()
        .map(|q| ((*q).to_owned(), counts.iter().find(|c| c.queue == *q).map_or(0, |c| c.count)))
        .collect())
}

async fn load(
    s: &AppState,
    ctx: &Ctx,
    f: &QueueQuery,
    queue: &str,
) -> Result<(Page<Stored<Event>>, Vec<Row>), AppError> {
    let mut filters = BTreeMap::new();
    filters.insert("queue".to_owned(), queue.to_owned());
    for (k, v) in [("priority", &f.priority), ("state", &f.state)] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            filters.insert(k.to_owned(), v.to_owned());
        }
    }
    let p = ListParams {
        q: f.q.clone().filter(|q| !q.trim().is_empty()),
        sort: f.sort.clone().filter(|s| !s.is_empty()),
        page: f.page,
        per_page: Some(25),
        filters,
    };
    let page = queues::list(&s.app, &ctx.caller, &p).await?;
    let rows = to_rows(s, ctx, &page.items).await?;
    Ok((page, rows))
}

#[derive(Debug, Default, Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    pub format: Option<String>,
    #[serde(flatten)]
    pub list: QueueQuery,
}

/// The queue as it is shown, with its filters, as an Excel or CSV file.
async fn export(State(s): State<AppState>, ctx: Ctx, Query(f): Query<ExportQuery>) -> Response {
    let Some(format) = fuwu_app::export::FileFormat::parse(f.format.as_deref().unwrap_or("xlsx")) else {
        return fail(&ctx, AppError::bad("format must be xlsx or csv", Some("format")));
    };
    let q = f.list;
    let queue = q.queue.clone().unwrap_or_else(|| default_queue(ctx.role()).into());
    let mut filters = BTreeMap::new();
    filters.insert("queue".to_owned(), queue);
    for (k, v) in [("priority", &q.priority), ("state", &q.state)] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            filters.insert(k.to_owned(), v.to_owned());
        }
    }
    let p = ListParams {
        q: q.q.clone().filter(|x| !x.trim().is_empty()),
        sort: q.sort.clone().filter(|x| !x.is_empty()),
        page: None,
        per_page: None,
        filters,
    };
    let file = match queues::export(&s.app, &ctx.caller, &p, ctx.lang).await {
        Ok(t) => fuwu_app::export::write(&t, format),
        Err(e) => Err(e),
    };
    match file {
        Ok(bytes) => crate::api::events::file_response(
            &crate::api::events::export_name(&s.app, "events", format),
            bytes,
            format.content_type(),
        ),
        Err(e) => fail(&ctx, e),
    }
}

fn default_queue(role: Role) -> &'static str {
    tabs(role).first().copied().unwrap_or("open")
}

async fn show(s: &AppState, ctx: &Ctx, f: QueueQuery) -> Response {
    let queue = f.queue.clone().unwrap_or_else(|| default_queue(ctx.role()).into());
    let tabs = match tab_counts(s, ctx).await {
        Ok(c) => c,
        Err(e) => return fail(ctx, e),
    };
    let (page, rows) = match load(s, ctx, &f, &queue).await {
        Ok(x) => x,
        Err(e) => return fail(ctx, e),
    };
    let mut fq = f.clone();
    fq.queue = Some(queue.clone());
    let refresh = format!("/queues/rows?{}", fq.query_string());
    let export_query = QueueQuery { page: None, ..fq.clone() }.query_string();
    let pages = (page.total + page.per_page - 1) / page.per_page.max(1);
    render(&QueuesPage {
        ctx,
        queue,
        tabs,
        filter: fq,
        rows,
        page: page.page,
        pages: pages.max(1),
        total: page.total,
        refresh,
        export_query,
    })
}

async fn page(State(s): State<AppState>, ctx: Ctx, Query(f): Query<QueueQuery>) -> Response {
    show(&s, &ctx, f).await
}

/// A request waiting for the user's decision, with the entitlement it rests on.
pub struct Request {
    pub row: Row,
    pub version: i64,
    pub purpose: String,
    pub special_case: bool,
    pub requested_by: String,
    pub requested_at: String,
    pub contract: String,
    pub level: String,
    pub period: String,
    pub in_period: bool,
    pub period_dates: String,
    pub onsite_included: bool,
    pub approver: String,
    /// The requester's reason and handover note.
    pub request_reason: String,
    pub handover: String,
}

#[derive(Template)]
#[template(path = "approvals.html")]
struct ApprovalsPage<'a> {
    ctx: &'a Ctx,
    requests: Vec<Request>,
    /// "The decision is saved", after deciding on the event page.
    flash: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ApprovalsQuery {
    #[serde(default)]
    pub done: Option<String>,
}

/// The approvals inbox: each waiting request with its entitlement snapshot beside
/// it, approve or reject in place (an L2 request names its engineer on the event page).
async fn approvals(State(s): State<AppState>, ctx: Ctx, Query(q): Query<ApprovalsQuery>) -> Response {
    let flash = (q.done.as_deref() == Some("decided")).then(|| ctx.t("done.decided").to_owned());
    let r = async {
        let mut filters = BTreeMap::new();
        filters.insert("queue".to_owned(), "approvals".to_owned());
        let p = ListParams { q: None, sort: Some("created_at".into()), page: None, per_page: Some(50), filters };
        let page = queues::list(&s.app, &ctx.caller, &p).await?;
        let rows = to_rows(&s, &ctx, &page.items).await?;
        let mut conn = s.app.db.reader().acquire().await?;
        let mut out = Vec::new();
        let mut asked_by = Vec::new();
        for (e, row) in page.items.iter().zip(rows) {
            let all = fuwu_app::events::act::approvals(&mut conn, e.id).await?;
            let pending = all.into_iter().rev().find(|a| a.get("decision").is_none_or(serde_json::Value::is_null));
            let a = pending.unwrap_or(serde_json::Value::Null);
            let ent = a.get("entitlement").cloned().unwrap_or(serde_json::Value::Null);
            let txt = |v: &serde_json::Value, k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or_default().to_owned();
            asked_by.push(a.get("requested_by").and_then(serde_json::Value::as_i64).unwrap_or_default());
            out.push(Request {
                row,
                version: e.version,
                purpose: txt(&a, "purpose"),
                special_case: a.get("special_case").and_then(serde_json::Value::as_bool).unwrap_or(false),
                requested_by: String::new(),
                requested_at: ctx.at(&txt(&a, "created_at")),
                contract: txt(&ent, "contract_number"),
                level: txt(&ent, "level_name"),
                period: txt(&ent, "period"),
                in_period: ent.get("in_period").and_then(serde_json::Value::as_bool).unwrap_or(false),
                period_dates: format!("{} – {}", txt(&ent, "start_date"), txt(&ent, "end_date")),
                onsite_included: ent.get("onsite_included").and_then(serde_json::Value::as_bool).unwrap_or(false),
                approver: txt(&a, "approver"),
                request_reason: txt(&a, "request_reason"),
                handover: txt(&a, "handover"),
            });
        }
        let who = names(&mut conn, &tables::USER, asked_by.iter().copied()).await?;
        for (r, id) in out.iter_mut().zip(asked_by) {
            r.requested_by = who.get(&id).cloned().unwrap_or_default();
        }
        Ok::<_, AppError>(out)
    }
    .await;
    match r {
        Ok(requests) => render(&ApprovalsPage { ctx: &ctx, requests, flash }),
        Err(e) => fail(&ctx, e),
    }
}

async fn rows(State(s): State<AppState>, Lite(ctx): Lite, Query(f): Query<QueueQuery>) -> Response {
    let queue = f.queue.clone().unwrap_or_else(|| default_queue(ctx.role()).into());
    if f.part.as_deref() == Some("rows") {
        return match load(&s, &ctx, &f, &queue).await {
            Ok((page, rows)) => render(&RowsFragment { ctx: &ctx, rows, total: page.total }),
            Err(e) => fail(&ctx, e),
        };
    }
    let r = async {
        let tabs = tab_counts(&s, &ctx).await?;
        let (page, rows) = load(&s, &ctx, &f, &queue).await?;
        Ok::<_, AppError>(LiveFragment { ctx: &ctx, queue: queue.clone(), tabs, rows, total: page.total })
    }
    .await;
    match r {
        Ok(p) => render(&p),
        Err(e) => fail(&ctx, e),
    }
}
