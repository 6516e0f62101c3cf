//! Queues: lists of events with filters, sorting and pages, and counts per queue.

use super::{Event, act, event_scope, load, work};
use crate::caller::Caller;
use crate::error::AppError;
use crate::records::{ListParams, Stored, page_bounds, parse_filters};
use crate::{App, Page};
use fuwu_core::access::Cap;
use fuwu_core::flow::{self, ActionKind};
use fuwu_core::role::Role;
use fuwu_store::crud::{self, ListSpec, Val};
use fuwu_store::tables;
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

/// The queues every list can be narrowed to.
pub const QUEUES: [&str; 8] = ["mine", "team", "unassigned", "approvals", "major", "at_risk", "open", "all"];

const OPEN: &str = "state NOT IN ('closed', 'cancelled')";

fn queue_cond(c: &Caller, queue: &str) -> Result<Option<(String, Vec<Val>)>, AppError> {
    let me = Val::Int(Some(c.id().0));
    Ok(match queue {
        "all" => None,
        "open" => Some((OPEN.into(), vec![])),
        "mine" => Some(match c.role() {
            Role::PartnerEngineer => (
                format!("{OPEN} AND (assignee_id = ? OR (partner_id = ? AND assignee_id IS NULL))"),
                vec![me, Val::Int(c.actor.partner_id.map(|p| p.0))],
            ),
            Role::Engineer => (format!("{OPEN} AND assignee_id = ?"), vec![me]),
            _ => (format!("{OPEN} AND recorded_by = ?"), vec![me]),
        }),
        "team" => Some((format!("{OPEN} AND team_id = ?"), vec![Val::Int(c.actor.team_id.map(|t| t.0))])),
        "unassigned" => Some(("state = 'recorded'".into(), vec![])),
        "approvals" => Some(match c.role() {
            Role::Manager => ("state = 'awaiting_approval'".into(), vec![]),
            Role::Specialist => ("state = 'awaiting_approval' AND awaiting_approver = 'specialist'".into(), vec![]),
            _ => ("1 = 0".into(), vec![]),
        }),
        "major" => Some((format!("{OPEN} AND major = 1"), vec![])),
        // Breaching soon: a running clock past its warning share, or past its target.
        "at_risk" => Some((format!("{OPEN} AND sla_state IS NOT NULL"), vec![])),
        other => {
            return Err(AppError::bad(format!("unknown queue {other}; queues: {}", QUEUES.join(", ")), Some("queue")));
        }
    })
}

/// A value's code as it is serialised (`in_progress`, `P1`).
fn code_of<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// What a queue with filters selects, before paging: the same for a page and an export.
fn select(c: &Caller, p: &ListParams) -> Result<ListSpec, AppError> {
    c.require(Cap::ReadEvents)?;
    let def = &tables::EVENT;
    let mut filters_in = p.filters.clone();
    let queue = filters_in.remove("queue").unwrap_or_else(|| "all".into());
    let filters = parse_filters(def, &filters_in, "queue, ")?;
    let sort = match p.sort.as_deref().unwrap_or("-created_at") {
        "created_at" => ("created_at".to_owned(), false),
        "-created_at" => ("created_at".to_owned(), true),
        "priority" => ("priority".to_owned(), false),
        "-priority" => ("priority".to_owned(), true),
        "updated_at" => ("updated_at".to_owned(), false),
        "-updated_at" => ("updated_at".to_owned(), true),
        other => {
            return Err(AppError::bad(
                format!("cannot sort events by {other}; use created_at, priority, updated_at (- for descending)"),
                Some("sort"),
            ));
        }
    };
    let mut conds = Vec::new();
    conds.extend(event_scope(c));
    conds.extend(queue_cond(c, &queue)?);
    Ok(ListSpec {
        filters,
        conds,
        q: p.q.as_deref().and_then(fuwu_core::text::needle),
        scope: None,
        sort: Some(sort),
        no_count: false,
        ..Default::default()
    })
}

/// A page of events in a queue, with filters; newest first unless `sort=created_at`.
pub async fn list(app: &App, c: &Caller, p: &ListParams) -> Result<Page<Stored<Event>>, AppError> {
    let (page, per_page) = page_bounds(p)?;
    let spec = ListSpec { limit: per_page, offset: (page - 1).saturating_mul(per_page), ..select(c, p)? };
    let mut conn = app.db.reader().acquire().await?;
    let (rows, total) = crud::list(&mut conn, &tables::EVENT, &spec).await?;
    let items =
        rows.into_iter().map(|m| Stored::from_map(m).map(|e| super::view_for(c, e))).collect::<Result<Vec<_>, _>>()?;
    Ok(Page { items, page, per_page, total })
}

/// A queue with its filters as a table to export (every matching event up to
/// `export::MAX_ROWS`), headers in `lang`, times in `tz`; the same events the
/// list pages through, as the caller may see them.
pub async fn export(
    app: &App,
    c: &Caller,
    p: &ListParams,
    lang: fuwu_core::role::Language,
) -> Result<crate::export::Table, AppError> {
    use crate::export::{Cell, MAX_ROWS, Table};
    use fuwu_core::i18n::t;
    let spec = ListSpec { limit: MAX_ROWS, offset: 0, ..select(c, p)? };
    let mut conn = app.db.reader().acquire().await?;
    let (rows, total) = crud::list(&mut conn, &tables::EVENT, &spec).await?;
    let events = rows.into_iter().map(Stored::<Event>::from_map).collect::<Result<Vec<_>, _>>()?;
    let name_map = |rows: Vec<serde_json::Map<String, Value>>| -> std::collections::HashMap<i64, String> {
        rows.into_iter().filter_map(|m| Some((m.get("id")?.as_i64()?, m.get("name")?.as_str()?.to_owned()))).collect()
    };
    let ids = |f: &dyn Fn(&Event) -> Option<i64>| {
        let mut v: Vec<i64> = events.iter().filter_map(|e| f(&e.data)).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let customer_ids = ids(&|e| Some(e.customer_id.0));
    let user_ids = ids(&|e| e.assignee_id.map(|u| u.0));
    let team_ids = ids(&|e| e.team_id.map(|u| u.0));
    let customers = name_map(crud::get_many(&mut conn, &tables::CUSTOMER, &customer_ids).await?);
    let users = name_map(crud::get_many(&mut conn, &tables::USER, &user_ids).await?);
    let teams = name_map(crud::get_many(&mut conn, &tables::TEAM, &team_ids).await?);
    let staff = c.role() != Role::Customer;
    let label = |group: &str, code: String| Cell::Text(t(lang, &format!("{group}.{code}")).to_owned());
    let keys: &[&str] = if staff {
        &[
            "event.number",
            "event.title",
            "event.customer",
            "event.kind",
            "event.priority",
            "event.state",
            "event.tier",
            "event.assignee",
            "export.team",
            "event.major",
            "export.sla",
            "event.created",
            "export.updated",
        ]
    } else {
        &[
            "event.number",
            "event.title",
            "event.customer",
            "event.kind",
            "event.priority",
            "event.state",
            "event.created",
            "export.updated",
        ]
    };
    let headers: Vec<String> = keys.iter().map(|k| t(lang, k).to_owned()).collect();
    let at = |s: &str| s.parse::<jiff::Timestamp>().map(Cell::Time).unwrap_or(Cell::Empty);
    let rows = events
        .iter()
        .map(|e| {
            let d = &e.data;
            let mut r: Vec<Cell> = vec![
                d.number.as_str().into(),
                d.title.as_str().into(),
                customers.get(&d.customer_id.0).cloned().unwrap_or_default().into(),
                label("kind", code_of(&d.kind)),
                code_of(&d.priority).into(),
                label("state", code_of(&d.state)),
            ];
            if staff {
                r.push(label("tier", code_of(&d.tier)));
                r.push(d.assignee_id.and_then(|u| users.get(&u.0).cloned()).unwrap_or_default().into());
                r.push(d.team_id.and_then(|u| teams.get(&u.0).cloned()).unwrap_or_default().into());
                r.push(if d.major { t(lang, "export.yes") } else { "" }.into());
                r.push(d.sla_state.as_deref().map_or(Cell::Empty, |s| label("standing", s.to_owned())));
            }
            r.push(at(&e.created_at));
            r.push(at(&e.updated_at));
            r
        })
        .collect();
    Ok(Table {
        name: t(lang, "nav.queues").to_owned(),
        headers,
        rows,
        tz: jiff::tz::TimeZone::get(&c.user.data.time_zone)
            .unwrap_or_else(|_| jiff::tz::TimeZone::fixed(jiff::tz::offset(8))),
        left_out: (total - MAX_ROWS).max(0),
    })
}

/// How many events each queue holds for the caller.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QueueCount {
    pub queue: &'static str,
    pub count: i64,
}

pub async fn counts(app: &App, c: &Caller) -> Result<Vec<QueueCount>, AppError> {
    c.require(Cap::ReadEvents)?;
    let mut conn = app.db.reader().acquire().await?;
    let mut out = Vec::new();
    for q in QUEUES {
        let mut conds = Vec::new();
        conds.extend(event_scope(c));
        conds.extend(queue_cond(c, q)?);
        let spec = ListSpec { conds, limit: 1, ..Default::default() };
        out.push(QueueCount { queue: q, count: crud::list(&mut conn, &tables::EVENT, &spec).await?.1 });
    }
    Ok(out)
}

/// The department's overview: open events counted by priority, tier and branch
/// (branch names; events without a branch under an empty name).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Overview {
    pub by_priority: Vec<(String, i64)>,
    pub by_tier: Vec<(String, i64)>,
    pub by_branch: Vec<(String, i64)>,
}

pub async fn overview(app: &App, c: &Caller) -> Result<Overview, AppError> {
    c.require(Cap::Oversee)?;
    let mut conn = app.db.reader().acquire().await?;
    let by_priority = fuwu_store::events::open_counts_by(&mut conn, "priority").await?;
    let by_tier = fuwu_store::events::open_counts_by(&mut conn, "tier").await?;
    let raw = fuwu_store::events::open_counts_by(&mut conn, "branch_id").await?;
    let ids: Vec<i64> = raw.iter().filter_map(|(k, _)| k.parse().ok()).collect();
    let branches = crud::get_many(&mut conn, &tables::BRANCH, &ids).await?;
    let name_of = |id: i64| {
        branches.iter().find(|b| b.get("id").and_then(Value::as_i64) == Some(id)).and_then(|b| b.get("name")?.as_str())
    };
    let by_branch = raw
        .into_iter()
        .map(|(k, n)| (k.parse::<i64>().ok().and_then(name_of).unwrap_or_default().to_owned(), n))
        .collect();
    Ok(Overview { by_priority, by_tier, by_branch })
}

/// One event with everything its page shows: the actions the caller may take
/// now, approvals, work records, reports, attachments, who was told of a major
/// incident, and the journal (staff only).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventDetail {
    #[schema(value_type = Object)]
    pub event: Stored<Event>,
    pub available_actions: Vec<ActionKind>,
    #[schema(value_type = Vec<Object>)]
    pub approvals: Vec<Value>,
    #[schema(value_type = Vec<Object>)]
    pub work: Vec<Value>,
    #[schema(value_type = Vec<Object>)]
    pub reports: Vec<Value>,
    #[schema(value_type = Vec<Object>)]
    pub attachments: Vec<Value>,
    /// Major incident: who was told, when.
    #[schema(value_type = Vec<Object>)]
    pub told: Vec<Value>,
    #[schema(value_type = Vec<Object>)]
    pub journal: Vec<Value>,
    /// The SLA clocks with their readings now (used, paused, remaining, due, standing).
    #[schema(value_type = Vec<Object>)]
    pub clocks: Vec<Value>,
    /// Each clock's figures: working and wall time taken, met or breached.
    pub figures: Vec<fuwu_core::sla::Figure>,
    /// The customer's rating of the service, once given.
    #[schema(value_type = Option<Object>)]
    pub rating: Option<Value>,
    /// Whether the caller may rate the service now.
    pub may_rate: bool,
    /// The customer, site, contact, device, project and sibling events beside it.
    pub context: super::context::EventContext,
}

/// The clocks' readings and figures now, under the event's calendar (read once).
async fn clock_readings(
    conn: &mut fuwu_store::Conn,
    now: jiff::Timestamp,
    e: &Event,
) -> Result<(Vec<Value>, Vec<fuwu_core::sla::Figure>), AppError> {
    let Some(set) = &e.clocks else { return Ok((vec![], vec![])) };
    let cal = crate::calendars::calendar(conn, &set.calendar, "calendar").await?;
    let share = crate::sla::settings(conn).await?.share();
    let mut out = Vec::new();
    for ec in &set.clocks {
        let r = ec.clock.read(&cal, now, share).map_err(|x| AppError::Internal(x.to_string()))?;
        out.push(json!({"scope": ec.scope, "kind": ec.clock.kind, "calendar": set.calendar, "clock": ec.clock, "reading": r}));
    }
    let figures = set.figures(&cal, now).map_err(|x| AppError::Internal(x.to_string()))?;
    Ok((out, figures))
}

pub async fn detail(app: &App, c: &Caller, id: i64) -> Result<EventDetail, AppError> {
    let mut conn = app.db.reader().acquire().await?;
    let (e, _) = load(&mut conn, c, id).await?;
    let available_actions = flow::available(&e.data.flow, &super::flow_actor(c));
    let staff = c.role() != Role::Customer;
    let approvals = if staff { act::approvals(&mut conn, id).await? } else { vec![] };
    let journal = if staff { journal(&mut conn, id).await? } else { vec![] };
    let (clocks, figures) = clock_readings(&mut conn, app.clock.now(), &e.data).await?;
    Ok(EventDetail {
        available_actions,
        approvals,
        work: work::work(&mut conn, c, id).await?,
        reports: work::reports(&mut conn, c, id).await?,
        attachments: work::attachments(&mut conn, c, id).await?,
        told: act::told_of_major(&mut conn, id).await?,
        journal,
        clocks,
        figures,
        rating: work::rating(&mut conn, id).await?,
        may_rate: flow::may_rate(&e.data.flow, &super::flow_actor(c)),
        context: super::context::of(&mut conn, c, &e).await?,
        event: super::view_for(c, e),
    })
}

/// The journal of an event the caller may see (staff only).
pub async fn journal_of(app: &App, c: &Caller, id: i64) -> Result<Vec<Value>, AppError> {
    let mut conn = app.db.reader().acquire().await?;
    load(&mut conn, c, id).await?;
    if c.role() == Role::Customer {
        return Err(AppError::Forbidden("the journal is for staff".into()));
    }
    journal(&mut conn, id).await
}

/// The journal rows of an event, in order.
pub async fn journal(conn: &mut fuwu_store::Conn, id: i64) -> Result<Vec<Value>, AppError> {
    let spec = ListSpec {
        filters: vec![("event_id".into(), Val::Int(Some(id)))],
        sort: Some(("seq".into(), false)),
        limit: 100_000,
        ..Default::default()
    };
    Ok(crud::list(conn, &tables::JOURNAL, &spec).await?.0.into_iter().map(Value::Object).collect())
}

/// Replays an event's journal and compares it with the stored event: `None`
/// when they agree, else the differing fields.
pub async fn verify_journal(app: &App, id: i64) -> Result<Option<Value>, AppError> {
    let mut conn = app.db.reader().acquire().await?;
    let rows = journal(&mut conn, id).await?;
    let changes: Vec<serde_json::Map<String, Value>> =
        rows.iter().filter_map(|r| r.get("changes").and_then(Value::as_object).cloned()).collect();
    let rebuilt = fuwu_core::journal::replay(&changes);
    let (_, stored) = super::load_raw(&mut conn, id).await?;
    let mut stored = super::fields(&stored);
    stored.retain(|_, v| !v.is_null());
    let d = fuwu_core::journal::diff(&rebuilt, &stored);
    Ok((!d.is_empty()).then(|| json!(d)))
}
