//! Work on an event: work records, service and fault reports with the
//! customer's confirmation, and attachments.

use super::{Event, flow_actor, journal, load, load_raw, save};
use crate::App;
use crate::auth::{digest, new_secret};
use crate::caller::Caller;
use crate::error::AppError;
use crate::records::Stored;
use fuwu_core::FieldErrors;
use fuwu_core::flow::{self, Action, FlowActor, Refusal};
use fuwu_core::ids::*;
use fuwu_core::role::Role;
use fuwu_store::crud::{self, ListSpec, Val};
use fuwu_store::{Conn, tables};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

pub use fuwu_core::flow::WorkKind;
use fuwu_core::said::Said;

/// A work record to add.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkInput {
    pub kind: WorkKind,
    /// Hidden from the customer.
    #[serde(default)]
    pub internal: bool,
    #[serde(default)]
    pub body: Option<String>,
    /// Time spent, in minutes.
    #[serde(default)]
    pub minutes: Option<i64>,
    /// Visits: RFC 3339 times.
    #[serde(default)]
    pub planned_at: Option<String>,
    #[serde(default)]
    pub arrived_at: Option<String>,
    #[serde(default)]
    pub departed_at: Option<String>,
}

fn refusal(r: Refusal) -> AppError {
    AppError::from(r)
}

fn time(errs: &mut FieldErrors, field: &str, v: &Option<String>) -> Option<jiff::Timestamp> {
    let s = v.as_deref()?;
    match s.parse::<jiff::Timestamp>() {
        Ok(t) => Some(t),
        Err(_) => {
            errs.add(
                field,
                "invalid_time",
                format!("{field} must be an RFC 3339 time, e.g. 2026-05-01T09:30:00+08:00"),
            );
            None
        }
    }
}

fn obj(v: Value) -> Result<Map<String, Value>, AppError> {
    match v {
        Value::Object(m) => Ok(m),
        _ => Err(AppError::Internal("not an object".into())),
    }
}

/// How long a repeated identical note or report counts as the same one.
pub const REPEAT_WINDOW_MS: i64 = 60_000;

/// Adds a work record (an identical one by the same author within
/// [`REPEAT_WINDOW_MS`] answers with the first instead).
pub async fn add_work(app: &App, c: &Caller, event_id: i64, w: WorkInput) -> Result<Value, AppError> {
    let mut tx = app.db.begin().await?;
    let saved = add_work_in(&mut tx, app.clock.now(), c, event_id, w).await?;
    tx.commit().await?;
    Ok(saved)
}

/// A repeat call about an open event: recorded on it as a call (no duplicate
/// event), and whoever holds it is told.
pub async fn follow_up(
    app: &App,
    c: &Caller,
    event_id: i64,
    title: &str,
    text: Option<&str>,
) -> Result<Value, AppError> {
    let body = match text.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => format!("{}\n{t}", title.trim()),
        None => title.trim().to_owned(),
    };
    let mut tx = app.db.begin().await?;
    let w = WorkInput {
        kind: WorkKind::Call,
        internal: false,
        body: Some(body),
        minutes: None,
        planned_at: None,
        arrived_at: None,
        departed_at: None,
    };
    let now = app.clock.now();
    let saved = add_work_in(&mut tx, now, c, event_id, w).await?;
    let (e, _) = load(&mut tx, c, event_id).await?;
    if let Some(holder) = e.data.assignee_id.filter(|h| *h != c.id()) {
        let n = crate::mail::Notice::new("follow_up", "notice.follow_up", event_id, &e.data.number, &e.data.title);
        crate::mail::notify(&mut tx, now, &[holder.0], &n).await?;
    }
    tx.commit().await?;
    Ok(saved)
}

async fn add_work_in(
    tx: &mut Conn,
    now: jiff::Timestamp,
    c: &Caller,
    event_id: i64,
    mut w: WorkInput,
) -> Result<Value, AppError> {
    let (e, before) = load(tx, c, event_id).await?;
    match flow::may_add_work(&e.data.flow, &flow_actor(c), w.kind) {
        Ok(may_be_internal) => w.internal &= may_be_internal,
        Err(flow::WorkRefusal::Closed) => {
            return Err(AppError::Conflict { message: "the event is closed".into(), field: None, current: None });
        }
        Err(flow::WorkRefusal::CustomersAddNotes) => {
            return Err(AppError::invalid("kind", "not_allowed", "customers add notes"));
        }
        Err(flow::WorkRefusal::NotOnsiteHolder) => {
            return Err(AppError::refused_at("kind", Said::new("visit_not_holder")));
        }
    }
    let mut errs = FieldErrors::new();
    errs.opt_text("body", &mut w.body, 20_000);
    if w.kind == WorkKind::Note && w.body.is_none() {
        errs.add("body", "required", "a note needs text");
    }
    if let Some(m) = w.minutes
        && !(0..=24 * 60).contains(&m)
    {
        errs.add("minutes", "out_of_range", "minutes must be between 0 and 1440");
    }
    let planned = time(&mut errs, "planned_at", &w.planned_at);
    let arrived = time(&mut errs, "arrived_at", &w.arrived_at);
    let departed = time(&mut errs, "departed_at", &w.departed_at);
    let _ = planned;
    for (field, t) in [("arrived_at", arrived), ("departed_at", departed)] {
        if let Some(t) = t
            && !flow::visit_time_plausible(t, now)
        {
            errs.add(field, "in_future", format!("{field} must not be in the future"));
        }
    }
    if let (Some(a), Some(d)) = (arrived, departed)
        && d < a
    {
        errs.add("departed_at", "before_arrival", "departed_at must not be before arrived_at");
    }
    errs.into_result()?;
    // The same record sent again within a minute (a double tap, a resent form, a
    // client's retry) is the first one: answered with it, not recorded twice.
    // The event's row is held first, so two sends at once take turns.
    fuwu_store::events::lock_event(&mut *tx, event_id).await?;
    if let Some(body) = w.body.as_deref()
        && arrived.is_none()
        && departed.is_none()
        && w.planned_at.is_none()
    {
        let since = now.as_millisecond() - REPEAT_WINDOW_MS;
        let kind = json!(w.kind).as_str().unwrap_or_default().to_owned();
        if let Some(id) =
            fuwu_store::events::same_work_since(&mut *tx, event_id, c.id().0, &kind, body, w.internal, w.minutes, since)
                .await?
        {
            let first =
                crud::get(&mut *tx, &tables::WORK_RECORD, id).await?.ok_or(AppError::NotFound("work record"))?;
            return Ok(Value::Object(first));
        }
    }
    let row = json!({
        "event_id": event_id, "kind": w.kind, "internal": w.internal, "body": w.body, "author_id": c.id(),
        "minutes": w.minutes, "planned_at": w.planned_at, "arrived_at": w.arrived_at, "departed_at": w.departed_at,
    });
    let id = crud::insert(&mut *tx, &tables::WORK_RECORD, &obj(row)?, now.as_millisecond()).await?;
    journal(
        &mut *tx,
        now,
        event_id,
        Some(c.id()),
        "work_record",
        json!({"work_record_id": id, "kind": w.kind, "internal": w.internal}),
        Map::new(),
    )
    .await?;
    // The engineer's arrival on site stops the on-site clock.
    if let (WorkKind::Visit, Some(at)) = (w.kind, arrived) {
        let mut ev = e.data.clone();
        let notes = ev.clocks.as_mut().map(|set| set.arrived(at)).unwrap_or_default();
        if !notes.is_empty() {
            save(&mut *tx, now, &before, &mut ev, Some(c.id()), "visit_arrival", json!({"work_record_id": id})).await?;
            super::journal_clocks(&mut *tx, now, event_id, Some(c.id()), &notes).await?;
        }
    }
    let saved = crud::get(&mut *tx, &tables::WORK_RECORD, id).await?.ok_or(AppError::NotFound("work record"))?;
    Ok(Value::Object(saved))
}

/// One tap on site.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VisitStep {
    /// Arrived now: opens a visit and stops the on-site clock.
    Arrive,
    /// Leaving now: closes the caller's open visit with its time on site.
    Depart,
}

/// An arrival or departure recorded with the server's time.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitInput {
    pub step: VisitStep,
    /// What was done (departure) or found (arrival).
    #[serde(default)]
    pub body: Option<String>,
}

/// The caller's visit on this event that has an arrival and no departure yet.
fn open_visit(rows: &[Map<String, Value>], author: i64) -> Option<&Map<String, Value>> {
    rows.iter().rev().find(|r| {
        r.get("kind").and_then(Value::as_str) == Some("visit")
            && r.get("author_id").and_then(Value::as_i64) == Some(author)
            && r.get("arrived_at").is_some_and(|v| !v.is_null())
            && r.get("departed_at").is_none_or(Value::is_null)
    })
}

/// Records the engineer's arrival or departure with the current time: one tap on a phone.
pub async fn visit_step(app: &App, c: &Caller, event_id: i64, v: VisitInput) -> Result<Value, AppError> {
    let now = app.clock.now();
    let mut conn = app.db.reader().acquire().await?;
    let (e, _) = load(&mut conn, c, event_id).await?;
    flow::may_add_work(&e.data.flow, &flow_actor(c), WorkKind::Visit)
        .map_err(|_| AppError::refused_at("step", Said::new("visit_not_holder")))?;
    let rows = children(&mut conn, &tables::WORK_RECORD, event_id).await?;
    let open = open_visit(&rows, c.id().0).cloned();
    drop(conn);
    match (v.step, open) {
        (VisitStep::Arrive, Some(_)) => Err(AppError::refused_at("step", Said::new("visit_already_open"))),
        (VisitStep::Arrive, None) => {
            let w = WorkInput {
                kind: WorkKind::Visit,
                internal: false,
                body: v.body,
                minutes: None,
                planned_at: None,
                arrived_at: Some(now.to_string()),
                departed_at: None,
            };
            add_work(app, c, event_id, w).await
        }
        (VisitStep::Depart, None) => Err(AppError::refused_at("step", Said::new("visit_none_open"))),
        (VisitStep::Depart, Some(row)) => {
            let id = row.get("id").and_then(Value::as_i64).ok_or(AppError::NotFound("work record"))?;
            let version = row.get("version").and_then(Value::as_i64).unwrap_or(1);
            let arrived = row
                .get("arrived_at")
                .and_then(Value::as_str)
                .and_then(|a| a.parse::<jiff::Timestamp>().ok())
                .unwrap_or(now);
            let mut data = row.clone();
            data.insert("departed_at".into(), json!(now.to_string()));
            data.insert("minutes".into(), json!(flow::visit_minutes(arrived, now)));
            if let Some(mut b) = v.body {
                let mut errs = FieldErrors::new();
                errs.text("body", &mut b, 20_000);
                errs.into_result()?;
                let text = match row.get("body").and_then(Value::as_str) {
                    Some(old) if !old.is_empty() => format!("{old}\n{b}"),
                    _ => b,
                };
                data.insert("body".into(), json!(text));
            }
            let mut tx = app.db.begin().await?;
            load(&mut tx, c, event_id).await?;
            if !crud::update(&mut tx, &tables::WORK_RECORD, id, version, &data, now.as_millisecond()).await? {
                return Err(AppError::refused(false, Said::new("visit_changed")));
            }
            journal(&mut tx, now, event_id, Some(c.id()), "visit_departure", json!({"work_record_id": id}), Map::new())
                .await?;
            let saved = crud::get(&mut tx, &tables::WORK_RECORD, id).await?.ok_or(AppError::NotFound("work record"))?;
            tx.commit().await?;
            Ok(Value::Object(saved))
        }
    }
}

/// Rows of an event's child table, oldest first.
pub async fn children(
    conn: &mut Conn,
    def: &'static tables::TableDef,
    event_id: i64,
) -> Result<Vec<Map<String, Value>>, AppError> {
    let spec =
        ListSpec { filters: vec![("event_id".into(), Val::Int(Some(event_id)))], limit: 10_000, ..Default::default() };
    Ok(crud::list(conn, def, &spec).await?.0)
}

/// Work records the caller may see (customers: not internal ones).
pub async fn work(conn: &mut Conn, c: &Caller, event_id: i64) -> Result<Vec<Value>, AppError> {
    let rows = children(conn, &tables::WORK_RECORD, event_id).await?;
    Ok(rows
        .into_iter()
        .filter(|r| c.role() != Role::Customer || r.get("internal") != Some(&Value::Bool(true)))
        .map(Value::Object)
        .collect())
}

/// 服务报告 or 故障报告.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    Service,
    Fault,
}

/// A report's content.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportInput {
    pub kind: ReportKind,
    /// What was found.
    pub findings: String,
    /// What was done.
    pub actions_taken: String,
    #[serde(default)]
    pub parts_changed: Vec<String>,
    #[serde(default)]
    pub versions_changed: Vec<String>,
    /// Engineers who did the work (besides the author).
    #[serde(default)]
    pub engineers: Vec<UserId>,
    #[serde(default)]
    pub started_at: Option<String>,
    #[serde(default)]
    pub finished_at: Option<String>,
}

/// The hash that freezes a report's content.
pub fn content_hash(content: &Value) -> String {
    hex::encode(Sha256::digest(content.to_string().as_bytes()))
}

/// Submits a report (a new version each time; earlier versions are kept).
pub async fn submit_report(app: &App, c: &Caller, event_id: i64, mut r: ReportInput) -> Result<Value, AppError> {
    let now = app.clock.now();
    let mut errs = FieldErrors::new();
    errs.text("findings", &mut r.findings, 20_000);
    errs.text("actions_taken", &mut r.actions_taken, 20_000);
    time(&mut errs, "started_at", &r.started_at);
    time(&mut errs, "finished_at", &r.finished_at);
    errs.into_result()?;
    let mut tx = app.db.begin().await?;
    let (e, before) = load(&mut tx, c, event_id).await?;
    fuwu_store::events::lock_event(&mut tx, event_id).await?;
    let content = json!({
        "event_number": e.data.number, "kind": r.kind, "findings": r.findings, "actions_taken": r.actions_taken,
        "parts_changed": r.parts_changed, "versions_changed": r.versions_changed, "engineers": r.engineers,
        "author_id": c.id(), "author_name": c.user.data.name, "started_at": r.started_at, "finished_at": r.finished_at,
    });
    let hash = content_hash(&content);
    let existing = children(&mut tx, &tables::REPORT, event_id).await?;
    // The same report sent again within a minute is the version already made.
    let since = now.as_millisecond() - REPEAT_WINDOW_MS;
    if let Some(first) = existing.iter().find(|x| {
        x.get("superseded") == Some(&Value::Bool(false))
            && x.get("content_hash").and_then(Value::as_str) == Some(hash.as_str())
            && x.get("author_id").and_then(Value::as_i64) == Some(c.id().0)
            && x.get("created_at")
                .and_then(Value::as_str)
                .and_then(|t| t.parse::<jiff::Timestamp>().ok())
                .is_some_and(|t| t.as_millisecond() >= since)
    }) {
        return Ok(Value::Object(first.clone()));
    }
    let outcome = flow::decide(&e.data.flow, &Action::SubmitReport, &flow_actor(c)).map_err(refusal)?;
    let same_kind: Vec<&Map<String, Value>> =
        existing.iter().filter(|x| x.get("kind") == Some(&json!(r.kind))).collect();
    let next_version =
        same_kind.iter().filter_map(|x| x.get("report_version").and_then(Value::as_i64)).max().unwrap_or(0) + 1;
    for old in same_kind.iter().filter(|x| x.get("superseded") == Some(&Value::Bool(false))) {
        let mut o = (*old).clone();
        let id = o.get("id").and_then(Value::as_i64).unwrap_or_default();
        let v = o.get("version").and_then(Value::as_i64).unwrap_or_default();
        o.insert("superseded".into(), Value::Bool(true));
        crud::update(&mut tx, &tables::REPORT, id, v, &o, now.as_millisecond()).await?;
    }
    let row = json!({
        "event_id": event_id, "kind": r.kind, "report_version": next_version, "content_hash": hash,
        "content": content, "state": "submitted", "author_id": c.id(), "superseded": false,
    });
    let id = crud::insert(&mut tx, &tables::REPORT, &obj(row)?, now.as_millisecond()).await?;
    if r.kind == ReportKind::Service {
        let mut ev = e.data.clone();
        ev.flow = outcome.flow;
        save(
            &mut tx,
            now,
            &before,
            &mut ev,
            Some(c.id()),
            "submit_report",
            json!({"report_id": id, "report_version": next_version}),
        )
        .await?;
    } else {
        journal(
            &mut tx,
            now,
            event_id,
            Some(c.id()),
            "fault_report",
            json!({"report_id": id, "report_version": next_version}),
            Map::new(),
        )
        .await?;
    }
    let saved = crud::get(&mut tx, &tables::REPORT, id).await?.ok_or(AppError::NotFound("report"))?;
    tx.commit().await?;
    Ok(Value::Object(saved))
}

/// The customer's signature captured on the engineer's device.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    pub signer_name: String,
    /// A PNG image as a data URL: `data:image/png;base64,…`.
    pub signature: String,
}

const MAX_SIGNATURE: usize = 400_000;

async fn current_report(conn: &mut Conn, event_id: i64, report_id: i64) -> Result<Map<String, Value>, AppError> {
    let r = crud::get(conn, &tables::REPORT, report_id).await?.ok_or(AppError::NotFound("report"))?;
    if r.get("event_id").and_then(Value::as_i64) != Some(event_id) {
        return Err(AppError::NotFound("report"));
    }
    if r.get("kind") != Some(&json!("service")) || r.get("superseded") == Some(&Value::Bool(true)) {
        return Err(AppError::refused(false, Said::new("report_not_current")));
    }
    if r.get("state") == Some(&json!("confirmed")) {
        return Err(AppError::refused(false, Said::new("report_already_confirmed")));
    }
    let content = r.get("content").cloned().unwrap_or(Value::Null);
    if r.get("content_hash").and_then(Value::as_str) != Some(content_hash(&content).as_str()) {
        return Err(AppError::Internal(format!("report {report_id} content does not match its hash")));
    }
    Ok(r)
}

/// Who confirmed a report, and how.
struct Confirmation<'a> {
    signer: &'a str,
    signature: Option<&'a str>,
    method: &'a str,
}

#[allow(clippy::too_many_arguments)]
async fn confirm(
    conn: &mut Conn,
    now: jiff::Timestamp,
    e: &Stored<Event>,
    before: &Map<String, Value>,
    actor: &FlowActor,
    journal_actor: Option<UserId>,
    mut report: Map<String, Value>,
    how: Confirmation<'_>,
    files_dir: &std::path::Path,
) -> Result<(Value, std::path::PathBuf), AppError> {
    let Confirmation { signer, signature, method } = how;
    let outcome = flow::decide(&e.data.flow, &Action::ConfirmReport, actor).map_err(refusal)?;
    let rid = report.get("id").and_then(Value::as_i64).unwrap_or_default();
    let v = report.get("version").and_then(Value::as_i64).unwrap_or_default();
    report.insert("state".into(), json!("confirmed"));
    report.insert("signer_name".into(), json!(signer));
    report.insert("signature".into(), json!(signature));
    report.insert("confirm_method".into(), json!(method));
    report.insert("confirmed_at".into(), json!(now.as_millisecond()));
    report.insert("confirm_token_hash".into(), Value::Null);
    report.insert("confirm_token_expires".into(), Value::Null);
    if !crud::update(conn, &tables::REPORT, rid, v, &report, now.as_millisecond()).await? {
        return Err(AppError::Conflict { message: "the report changed meanwhile".into(), field: None, current: None });
    }
    let mut ev = e.data.clone();
    ev.flow = outcome.flow;
    save(
        conn,
        now,
        before,
        &mut ev,
        journal_actor,
        "confirm_report",
        json!({"report_id": rid, "signer_name": signer, "method": method}),
    )
    .await?;
    // The customer's copy of the confirmed version, as a PDF attachment of the event.
    let file = super::document::attach_confirmed(conn, now, files_dir, e.id, rid, journal_actor.map(|u| u.0)).await?;
    let saved = crud::get(conn, &tables::REPORT, rid).await?.ok_or(AppError::NotFound("report"))?;
    Ok((Value::Object(saved), file))
}

/// Commits a confirmation; should it fail, the PDF written for it goes too.
async fn commit_confirmed(tx: fuwu_store::Tx, out: (Value, std::path::PathBuf)) -> Result<Value, AppError> {
    let (value, file) = out;
    if let Err(e) = tx.commit().await {
        let _ = tokio::fs::remove_file(&file).await;
        return Err(e.into());
    }
    Ok(value)
}

/// The customer signs the service report on the engineer's phone or tablet.
pub async fn sign_report(
    app: &App,
    c: &Caller,
    event_id: i64,
    report_id: i64,
    s: Signature,
) -> Result<Value, AppError> {
    let mut errs = FieldErrors::new();
    let mut signer = s.signer_name.clone();
    errs.text("signer_name", &mut signer, 100);
    let png = s.signature.strip_prefix("data:image/png;base64,");
    if png.is_none_or(|b| {
        b.len() < 40 || !b.bytes().all(|x| x.is_ascii_alphanumeric() || matches!(x, b'+' | b'/' | b'='))
    }) {
        errs.add("signature", "invalid_signature", "signature must be a PNG image as a data URL");
    } else if s.signature.len() > MAX_SIGNATURE {
        errs.add("signature", "too_large", "the signature image is too large");
    }
    errs.into_result()?;
    let mut tx = app.db.begin().await?;
    let (e, before) = load(&mut tx, c, event_id).await?;
    let report = current_report(&mut tx, event_id, report_id).await?;
    let out = confirm(
        &mut tx,
        app.clock.now(),
        &e,
        &before,
        &flow_actor(c),
        Some(c.id()),
        report,
        Confirmation { signer: &signer, signature: Some(&s.signature), method: "signature" },
        &app.config.files_dir,
    )
    .await?;
    commit_confirmed(tx, out).await
}

/// A one-time confirmation link for the customer contact.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConfirmationLink {
    /// The path to send (prefix it with the server's address); valid once, for 7 days.
    pub path: String,
    pub token: String,
    pub expires_at: String,
}

/// Creates a one-time confirmation link (the holder or the service centre).
pub async fn confirmation_link(
    app: &App,
    c: &Caller,
    event_id: i64,
    report_id: i64,
) -> Result<ConfirmationLink, AppError> {
    let mut tx = app.db.begin().await?;
    let (e, _) = load(&mut tx, c, event_id).await?;
    if !flow::may_send_confirmation_link(&e.data.flow, &flow_actor(c)) {
        return Err(AppError::Forbidden(
            "the engineer holding the event or the service centre sends confirmation links".into(),
        ));
    }
    let mut report = current_report(&mut tx, event_id, report_id).await?;
    let token = new_secret("c_");
    let now = app.clock.now();
    let expires = now.as_millisecond() + 7 * 24 * 3_600_000;
    let v = report.get("version").and_then(Value::as_i64).unwrap_or_default();
    report.insert("confirm_token_hash".into(), json!(digest(&token)));
    report.insert("confirm_token_expires".into(), json!(expires));
    crud::update(&mut tx, &tables::REPORT, report_id, v, &report, now.as_millisecond()).await?;
    journal(&mut tx, now, event_id, Some(c.id()), "confirmation_link", json!({"report_id": report_id}), Map::new())
        .await?;
    tx.commit().await?;
    Ok(ConfirmationLink { path: format!("/confirm/{token}"), token, expires_at: fuwu_store::ms_to_rfc3339(expires) })
}

async fn by_token(conn: &mut Conn, now: jiff::Timestamp, token: &str) -> Result<Map<String, Value>, AppError> {
    let spec = ListSpec {
        conds: vec![("confirm_token_hash = ?".into(), vec![Val::Text(Some(digest(token)))])],
        limit: 1,
        ..Default::default()
    };
    let r = crud::list(conn, &tables::REPORT, &spec)
        .await?
        .0
        .into_iter()
        .next()
        .ok_or(AppError::NotFound("confirmation link"))?;
    if r.get("confirm_token_expires").and_then(Value::as_i64).is_none_or(|x| x < now.as_millisecond()) {
        return Err(AppError::NotFound("confirmation link"));
    }
    Ok(r)
}

/// What the contact sees behind a confirmation link.
pub async fn view_by_token(app: &App, token: &str) -> Result<Value, AppError> {
    let mut conn = app.db.reader().acquire().await?;
    let r = by_token(&mut conn, app.clock.now(), token).await?;
    let event_id = r.get("event_id").and_then(Value::as_i64).unwrap_or_default();
    let (e, _) = load_raw(&mut conn, event_id).await?;
    Ok(
        json!({"event_number": e.data.number, "title": e.data.title, "report_version": r.get("report_version"), "content": r.get("content")}),
    )
}

/// The contact confirms through the link; the link is spent.
pub async fn confirm_by_token(app: &App, token: &str, signer_name: &str) -> Result<Value, AppError> {
    let signer = signer_name.trim();
    if signer.is_empty() || signer.chars().count() > 100 {
        return Err(AppError::invalid("signer_name", "required", "signer_name must be 1–100 characters"));
    }
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let r = by_token(&mut tx, now, token).await?;
    let event_id = r.get("event_id").and_then(Value::as_i64).unwrap_or_default();
    let report_id = r.get("id").and_then(Value::as_i64).unwrap_or_default();
    let (e, before) = load_raw(&mut tx, event_id).await?;
    let report = current_report(&mut tx, event_id, report_id).await?;
    let actor = FlowActor {
        user: UserId(0),
        role: Role::Customer,
        tier: None,
        partner: None,
        customer: Some(e.data.customer_id),
    };
    let out = confirm(
        &mut tx,
        now,
        &e,
        &before,
        &actor,
        None,
        report,
        Confirmation { signer, signature: None, method: "link" },
        &app.config.files_dir,
    )
    .await?;
    commit_confirmed(tx, out).await
}

/// Reports the caller may see (all versions; signatures only for staff).
pub async fn reports(conn: &mut Conn, c: &Caller, event_id: i64) -> Result<Vec<Value>, AppError> {
    Ok(children(conn, &tables::REPORT, event_id)
        .await?
        .into_iter()
        .map(|mut r| {
            r.remove("confirm_token_hash");
            if c.role() == Role::Customer {
                r.remove("signature");
            }
            Value::Object(r)
        })
        .collect())
}

/// Cleans a file name for storage metadata and download headers: no path, no
/// control characters, no direction overrides or other invisible marks.
pub fn clean_file_name(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| {
            !c.is_control()
                && !fuwu_core::text::is_invisible_format(*c)
                && !matches!(c, '"' | '<' | '>' | '|' | ':' | '*' | '?')
        })
        .take(200)
        .collect();
    let t = cleaned.trim().trim_start_matches('.').to_owned();
    (!t.is_empty()).then_some(t)
}

/// Stores an attachment: the bytes under a generated name outside the web root.
pub async fn upload(
    app: &App,
    c: &Caller,
    event_id: i64,
    file_name: &str,
    internal: bool,
    bytes: &[u8],
) -> Result<Value, AppError> {
    let name =
        clean_file_name(file_name).ok_or_else(|| AppError::invalid("file_name", "required", "give the file's name"))?;
    if bytes.is_empty() {
        return Err(AppError::invalid("file", "empty", "the file is empty"));
    }
    if bytes.len() > app.config.attachment_max_bytes {
        return Err(AppError::TooLarge(app.config.attachment_max_bytes));
    }
    let internal = internal && c.role() != Role::Customer;
    let mut tx = app.db.begin().await?;
    let (e, _) = load(&mut tx, c, event_id).await?;
    if !e.data.state.is_open() {
        return Err(AppError::Conflict { message: "the event is closed".into(), field: None, current: None });
    }
    let stored = new_secret("");
    let dir = app.config.files_dir.clone();
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|x| AppError::Internal(format!("cannot create {}: {x}", dir.display())))?;
    let path = dir.join(&stored);
    tokio::fs::write(&path, bytes).await.map_err(|x| AppError::Internal(format!("cannot write attachment: {x}")))?;
    let row = json!({
        "event_id": event_id, "file_name": name, "stored_name": stored, "content_type": "application/octet-stream",
        "size": bytes.len(), "sha256": hex::encode(Sha256::digest(bytes)), "internal": internal, "uploaded_by": c.id(),
    });
    let now = app.clock.now();
    let written = async {
        let id = crud::insert(&mut tx, &tables::ATTACHMENT, &obj(row)?, now.as_millisecond()).await?;
        journal(
            &mut tx,
            now,
            event_id,
            Some(c.id()),
            "attachment",
            json!({"attachment_id": id, "file_name": name}),
            Map::new(),
        )
        .await?;
        let saved = crud::get(&mut tx, &tables::ATTACHMENT, id).await?.ok_or(AppError::NotFound("attachment"))?;
        tx.commit().await?;
        Ok::<_, AppError>(saved)
    }
    .await;
    match written {
        Ok(mut saved) => {
            saved.remove("stored_name");
            Ok(Value::Object(saved))
        }
        Err(err) => {
            let _ = tokio::fs::remove_file(&path).await;
            Err(err)
        }
    }
}

/// Attachments the caller may see (customers: not internal ones).
pub async fn attachments(conn: &mut Conn, c: &Caller, event_id: i64) -> Result<Vec<Value>, AppError> {
    Ok(children(conn, &tables::ATTACHMENT, event_id)
        .await?
        .into_iter()
        .filter(|a| c.role() != Role::Customer || a.get("internal") != Some(&Value::Bool(true)))
        .map(|mut a| {
            a.remove("stored_name");
            Value::Object(a)
        })
        .collect())
}

/// An attachment's name and bytes, if the caller may see it.
pub async fn download(app: &App, c: &Caller, event_id: i64, attachment_id: i64) -> Result<(String, Vec<u8>), AppError> {
    let mut conn = app.db.reader().acquire().await?;
    load(&mut conn, c, event_id).await?;
    let a = crud::get(&mut conn, &tables::ATTACHMENT, attachment_id).await?.ok_or(AppError::NotFound("attachment"))?;
    if a.get("event_id").and_then(Value::as_i64) != Some(event_id)
        || (c.role() == Role::Customer && a.get("internal") == Some(&Value::Bool(true)))
    {
        return Err(AppError::NotFound("attachment"));
    }
    let stored = a.get("stored_name").and_then(Value::as_str).unwrap_or_default();
    if stored.is_empty() || !stored.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::Internal("attachment has no valid stored name".into()));
    }
    let bytes = match tokio::fs::read(app.config.files_dir.join(stored)).await {
        Ok(b) => b,
        // The row outlived its file (a copy restored without the files, a
        // folder lost): the file is gone, which is the client's answer, not a 500.
        Err(x) if x.kind() == std::io::ErrorKind::NotFound => {
            tracing::warn!(attachment = attachment_id, stored, "attachment file missing");
            return Err(AppError::Gone("the file of this attachment is missing from the server".into()));
        }
        Err(x) => return Err(AppError::Internal(format!("attachment file: {x}"))),
    };
    Ok((a.get("file_name").and_then(Value::as_str).unwrap_or("file").to_owned(), bytes))
}

/// The customer's contact confirms the current service report in the portal:
/// their login is the credential (as the one-time link's token is), so no
/// drawing is needed; the report records who confirmed it and how.
pub async fn confirm_in_portal(app: &App, c: &Caller, event_id: i64, report_id: i64) -> Result<Value, AppError> {
    if !flow::confirms_in_portal(&flow_actor(c)) {
        return Err(AppError::refused(true, Said::new("portal_confirm_customer")));
    }
    let mut tx = app.db.begin().await?;
    let (e, before) = load(&mut tx, c, event_id).await?;
    let report = current_report(&mut tx, event_id, report_id).await?;
    let signer = match crud::get(&mut tx, &tables::USER, c.id().0).await? {
        Some(u) => u.get("name").and_then(Value::as_str).unwrap_or_default().to_owned(),
        None => String::new(),
    };
    let how = Confirmation { signer: &signer, signature: None, method: "portal" };
    let now = app.clock.now();
    let out =
        confirm(&mut tx, now, &e, &before, &flow_actor(c), Some(c.id()), report, how, &app.config.files_dir).await?;
    commit_confirmed(tx, out).await
}

/// The customer's rating of the service.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingInput {
    /// 1 (poor) to 5 (excellent).
    pub score: i64,
    #[serde(default)]
    pub comment: Option<String>,
}

/// Rates the service once the resolution is confirmed; rating again replaces the
/// first rating (one per event), kept with the engineer who held the event.
pub async fn rate(app: &App, c: &Caller, event_id: i64, mut r: RatingInput) -> Result<Value, AppError> {
    let mut errs = FieldErrors::new();
    if !flow::rating_valid(r.score) {
        errs.add("score", "out_of_range", "score must be between 1 and 5");
    }
    errs.opt_text("comment", &mut r.comment, 2_000);
    errs.into_result()?;
    let now = app.clock.now();
    let mut tx = app.db.begin().await?;
    let (e, _) = load(&mut tx, c, event_id).await?;
    if !flow::may_rate(&e.data.flow, &flow_actor(c)) {
        return Err(AppError::refused(false, Said::new("rate_after_confirm")));
    }
    let row = json!({
        "event_id": event_id, "engineer_id": e.data.assignee_id, "rated_by": c.id(),
        "score": r.score, "comment": r.comment,
    });
    let existing = children(&mut tx, &tables::RATING, event_id).await?.into_iter().next();
    let id = match existing {
        Some(old) => {
            let id = old.get("id").and_then(Value::as_i64).unwrap_or_default();
            let version = old.get("version").and_then(Value::as_i64).unwrap_or(1);
            if !crud::update(&mut tx, &tables::RATING, id, version, &obj(row)?, now.as_millisecond()).await? {
                return Err(AppError::Conflict {
                    message: "the rating changed meanwhile".into(),
                    field: None,
                    current: None,
                });
            }
            id
        }
        None => crud::insert(&mut tx, &tables::RATING, &obj(row)?, now.as_millisecond()).await?,
    };
    journal(&mut tx, now, event_id, Some(c.id()), "rating", json!({"score": r.score}), Map::new()).await?;
    let saved = crud::get(&mut tx, &tables::RATING, id).await?.ok_or(AppError::NotFound("rating"))?;
    tx.commit().await?;
    Ok(Value::Object(saved))
}

/// The event's rating, if the customer gave one.
pub async fn rating(conn: &mut Conn, event_id: i64) -> Result<Option<Value>, AppError> {
    Ok(children(conn, &tables::RATING, event_id).await?.into_iter().next().map(Value::Object))
}
