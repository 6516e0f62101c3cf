//! The event page: header with the SLA clocks counting down, the actions the
//! flow's table allows this user now (and only those), approvals with the
//! entitlement snapshot, work records, attachments, the service report editor,
//! on-site signing, the one-time confirmation link, the printable report, and
//! the timeline from the journal.

use super::form::{Fields, Problems, check_csrf, decode, get};
use super::queues::names;
use super::{Ctx, Lite, code, fail, render, render_status};
use crate::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get as get_route, post};
use fuwu_app::AppError;
use fuwu_app::events::act::ActionInput;
use fuwu_app::events::choices::{DispatchChoices, EngineerChoice};
use fuwu_app::events::document::{self, ServiceReportDoc};
use fuwu_app::events::queues::{EventDetail, detail};
use fuwu_app::events::work::{self, RatingInput, ReportInput, Signature, VisitInput, WorkInput};
use fuwu_core::flow::{self, ActionKind, Purpose, WorkKind};
use fuwu_core::role::{Role, Tier};
use fuwu_core::routing::Candidate;
use fuwu_store::tables;
use serde_json::Value;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/events/{id}", get_route(page))
        .route("/events/{id}/version", get_route(version))
        .route("/events/{id}/act", post(act))
        .route("/events/{id}/work", post(add_work))
        .route("/events/{id}/visit", post(visit))
        .route("/events/{id}/rating", post(rate))
        .route("/events/{id}/reports/{rid}/confirm", post(portal_confirm))
        .route("/events/{id}/report", post(report))
        .route("/events/{id}/attachments", post(upload).layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024)))
        .route("/events/{id}/attachments/{aid}", get_route(download))
        .route("/events/{id}/reports/{rid}/sign", get_route(sign_page).post(sign))
        .route("/events/{id}/reports/{rid}/link", post(link))
        .route("/events/{id}/reports/{rid}/print", get_route(print))
        .route("/events/{id}/reports/{rid}/pdf", get_route(pdf))
        .route("/confirm/{token}", get_route(confirm_page).post(confirm))
}

fn s(v: &Value, k: &str) -> String {
    match v.get(k) {
        Some(Value::String(x)) => x.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn i(v: &Value, k: &str) -> i64 {
    v.get(k).and_then(Value::as_i64).unwrap_or_default()
}

fn b(v: &Value, k: &str) -> bool {
    v.get(k).and_then(Value::as_bool).unwrap_or(false)
}

pub struct ClockView {
    pub kind: String,
    pub scope: String,
    pub standing: String,
    pub due: String,
    pub due_local: String,
    pub remaining: i64,
}

pub struct ApprovalView {
    pub purpose: String,
    pub approver: String,
    pub decision: String,
    pub reason: String,
    pub special_case: bool,
    pub request_reason: String,
    pub handover: String,
    pub contract: String,
    pub level: String,
    pub in_period: bool,
    pub period: String,
    pub onsite_included: bool,
    pub at: String,
}

pub struct WorkView {
    pub kind: String,
    pub body: String,
    pub internal: bool,
    pub minutes: i64,
    pub author: String,
    pub at: String,
    pub arrived: String,
    pub departed: String,
}

pub struct ReportView {
    pub id: i64,
    pub version: i64,
    pub kind: String,
    pub state: String,
    pub findings: String,
    pub actions_taken: String,
    pub parts: String,
    pub versions: String,
    pub signer: String,
    pub signature: String,
    pub confirmed_at: String,
    pub method: String,
    pub superseded: bool,
    pub hash: String,
}

pub struct FileView {
    pub id: i64,
    pub name: String,
    pub size: i64,
    pub internal: bool,
}

pub struct JournalView {
    pub action: String,
    pub who: String,
    pub at: String,
    pub note: String,
}

/// One action the user may take now, with what its form needs.
pub struct ActionView {
    pub kind: String,
    pub danger: bool,
    /// The step the process expects next: its panel is open.
    pub primary: bool,
}

/// Which action is the natural next step, when several are allowed.
const PRIMARY: [ActionKind; 10] = [
    ActionKind::Approve,
    ActionKind::Assign,
    ActionKind::Accept,
    ActionKind::Confirm,
    ActionKind::Resolve,
    ActionKind::Document,
    ActionKind::Review,
    ActionKind::Close,
    ActionKind::CustomerResponded,
    ActionKind::FinishOnsite,
];

#[derive(Template)]
#[template(path = "event.html")]
struct EventPage<'a> {
    ctx: &'a Ctx,
    d: EventDetail,
    customer: String,
    assignee: String,
    team: String,
    clocks: Vec<ClockView>,
    actions: Vec<ActionView>,
    candidates: Vec<Candidate>,
    /// Everyone else the event may be dispatched to (when it may be dispatched).
    choices: Option<DispatchChoices>,
    l2: Vec<EngineerChoice>,
    l3: Vec<EngineerChoice>,
    /// On site: `Some(true)` while the user's arrival is recorded without a departure.
    visit_open: Option<bool>,
    /// (arrived, departed) of the engineer's last visit here, local times.
    my_visit: Option<(String, String)>,
    approval_for_l2: bool,
    approvals: Vec<ApprovalView>,
    /// Per clock: kind, scope, working time, wall time, met (`met` / `breached` / running).
    figures: Vec<(String, String, String, String, String)>,
    work: Vec<WorkView>,
    reports: Vec<ReportView>,
    files: Vec<FileView>,
    journal: Vec<JournalView>,
    told: Vec<(String, String)>,
    /// The work records this user may add now (the core's `may_add_work`).
    work_kinds: Vec<String>,
    /// Whether their notes and files may be internal.
    may_internal: bool,
    may_report: bool,
    /// The report may be confirmed (signed) now by this user or the customer beside them.
    may_sign: bool,
    may_link: bool,
    /// What `/events/{id}/version` answers while the page is current.
    watch: String,
    /// A one-time confirmation link just made: its full address, until when, and its QR code (SVG).
    made_link: Option<(String, String, String)>,
    problems: Problems,
    flash: Option<String>,
}

impl EventPage<'_> {
    fn reason_text(&self, r: &str) -> String {
        match r.split_once(':') {
            Some((head, rest)) => format!("{} {rest}", self.ctx.label("reason", head)),
            None => self.ctx.label("reason", r),
        }
    }

    fn pick(&self, c: &Candidate) -> String {
        match (c.engineer_id, c.partner_id, c.team_id) {
            (Some(u), _, _) => format!("engineer:{}", u.0),
            (None, Some(p), _) => format!("partner:{}", p.0),
            (None, None, Some(t)) => format!("team:{}", t.0),
            _ => String::new(),
        }
    }

    fn report_open(&self) -> Option<&ReportView> {
        self.reports.iter().find(|r| !r.superseded)
    }

    /// The contract the event was recorded under: number, level, in period, period, on-site included.
    fn contract_bits(&self) -> (String, String, bool, String, bool) {
        entitlement_bits(self.d.event.data.entitlement.as_ref())
    }

    fn contract_dates(&self) -> String {
        let e = self.d.event.data.entitlement.clone().unwrap_or(Value::Null);
        format!("{} – {}", s(&e, "start_date"), s(&e, "end_date"))
    }

    fn stars(&self, r: &Value) -> String {
        let n = i(r, "score").clamp(0, 5) as usize;
        format!("{}{}", "★".repeat(n), "☆".repeat(5 - n))
    }

    fn rating_comment(&self, r: &Value) -> String {
        s(r, "comment")
    }

    /// A file's size as people read it: `820 B`, `31 KB`, `2.4 MB`.
    fn size_text(&self, bytes: &i64) -> String {
        let b = *bytes as f64;
        if b < 1024.0 {
            format!("{bytes} B")
        } else if b < 1024.0 * 1024.0 {
            format!("{:.0} KB", b / 1024.0)
        } else {
            format!("{:.1} MB", b / 1024.0 / 1024.0)
        }
    }

    /// The score already given (0 when none): the form shows it, not a default.
    fn saved_score(&self) -> i64 {
        self.d.rating.as_ref().map_or(0, |r| i(r, "score"))
    }

    fn saved_comment(&self) -> String {
        self.d.rating.as_ref().map(|r| s(r, "comment")).unwrap_or_default()
    }
}

fn entitlement_bits(v: Option<&Value>) -> (String, String, bool, String, bool) {
    let e = v.cloned().unwrap_or(Value::Null);
    (s(&e, "contract_number"), s(&e, "level_name"), b(&e, "in_period"), s(&e, "period"), b(&e, "onsite_included"))
}

async fn build<'a>(
    s_: &AppState,
    ctx: &'a Ctx,
    id: i64,
    problems: Problems,
    flash: Option<String>,
) -> Result<EventPage<'a>, AppError> {
    let d = detail(&s_.app, &ctx.caller, id).await?;
    let e = &d.event.data;
    let mut conn = s_.app.db.reader().acquire().await?;
    let customer =
        names(&mut conn, &tables::CUSTOMER, [e.customer_id.0]).await?.remove(&e.customer_id.0).unwrap_or_default();
    let mut user_ids: Vec<i64> = e.assignee_id.map(|u| u.0).into_iter().collect();
    user_ids.extend(d.work.iter().map(|w| i(w, "author_id")));
    user_ids.extend(d.journal.iter().map(|j| i(j, "actor_id")));
    user_ids.extend(d.told.iter().map(|t| i(t, "user_id")));
    // Who each dispatch or approval handed the event to (the journal's changes).
    let changes_of = |j: &Value| -> serde_json::Map<String, Value> {
        match j.get("changes") {
            Some(Value::Object(m)) => m.clone(),
            Some(Value::String(t)) => serde_json::from_str(t).unwrap_or_default(),
            _ => serde_json::Map::new(),
        }
    };
    let handed: Vec<serde_json::Map<String, Value>> = d.journal.iter().map(changes_of).collect();
    let id_in = |m: &serde_json::Map<String, Value>, k: &str| m.get(k).and_then(Value::as_i64);
    user_ids.extend(handed.iter().filter_map(|m| id_in(m, "assignee_id")));
    let users = names(&mut conn, &tables::USER, user_ids).await?;
    let handed_teams = names(&mut conn, &tables::TEAM, handed.iter().filter_map(|m| id_in(m, "team_id"))).await?;
    let handed_partners =
        names(&mut conn, &tables::PARTNER, handed.iter().filter_map(|m| id_in(m, "partner_id"))).await?;
    let team = match e.team_id {
        Some(t) => names(&mut conn, &tables::TEAM, [t.0]).await?.remove(&t.0).unwrap_or_default(),
        None => String::new(),
    };
    let mut assignee = e.assignee_id.and_then(|u| users.get(&u.0).cloned()).unwrap_or_default();
    if assignee.is_empty()
        && let Some(p) = e.partner_id
    {
        assignee = names(&mut conn, &tables::PARTNER, [p.0]).await?.remove(&p.0).unwrap_or_default();
    }
    // "Recorded and dispatched to …": whoever holds it now.
    let flash = flash.map(|f| {
        let who = [assignee.as_str(), team.as_str()]
            .iter()
            .filter(|x| !x.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" · ");
        f.replace("{who}", if who.is_empty() { "—" } else { &who })
    });
    let clocks = d
        .clocks
        .iter()
        .map(|c| {
            let r = c.get("reading").cloned().unwrap_or(Value::Null);
            let due = s(&r, "due");
            ClockView {
                kind: s(c, "kind"),
                scope: s(c, "scope"),
                standing: s(&r, "standing"),
                due_local: if due.is_empty() { String::new() } else { ctx.at(&due) },
                due,
                remaining: i(&r, "remaining"),
            }
        })
        .collect();
    let primary = PRIMARY.iter().find(|k| d.available_actions.contains(k)).or(d.available_actions.first()).copied();
    let actions: Vec<ActionView> = d
        .available_actions
        .iter()
        .map(|k| ActionView {
            kind: code(k),
            danger: matches!(k, ActionKind::Cancel | ActionKind::Reject),
            primary: Some(*k) == primary,
        })
        .collect();
    let staff = ctx.is_staff();
    let candidates = if d.available_actions.contains(&ActionKind::Assign) {
        fuwu_app::events::intake::suggest(&s_.app, &ctx.caller, id).await?
    } else {
        Vec::new()
    };
    let approval_for_l2 = e.flow.pending.as_ref().is_some_and(|p| p.purpose == Purpose::EscalateL2);
    let choices = if d.available_actions.contains(&ActionKind::Assign) {
        Some(fuwu_app::events::choices::dispatch(&s_.app, &ctx.caller).await?)
    } else {
        None
    };
    let l2 = if approval_for_l2 && d.available_actions.contains(&ActionKind::Approve) {
        fuwu_app::events::choices::engineers(&s_.app, &ctx.caller, Tier::L2).await?
    } else {
        Vec::new()
    };
    let l3 = if d.available_actions.contains(&ActionKind::ConsultL3) {
        fuwu_app::events::choices::engineers(&s_.app, &ctx.caller, Tier::L3).await?
    } else {
        Vec::new()
    };
    let approvals = d
        .approvals
        .iter()
        .map(|a| {
            let (contract, level, in_period, period, onsite_included) = entitlement_bits(a.get("entitlement"));
            ApprovalView {
                purpose: s(a, "purpose"),
                approver: s(a, "approver"),
                decision: s(a, "decision"),
                reason: s(a, "decision_reason"),
                special_case: b(a, "special_case"),
                request_reason: s(a, "request_reason"),
                handover: s(a, "handover"),
                contract,
                level,
                in_period,
                period,
                onsite_included,
                at: ctx.at(&s(a, "created_at")),
            }
        })
        .collect();
    // Visit times are stored as RFC 3339 text, as entered.
    let ms = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(|x| ctx.at(x)).unwrap_or_default();
    let work = d
        .work
        .iter()
        .map(|w| WorkView {
            kind: s(w, "kind"),
            body: s(w, "body"),
            internal: b(w, "internal"),
            minutes: i(w, "minutes"),
            author: users.get(&i(w, "author_id")).cloned().unwrap_or_default(),
            at: ctx.at(&s(w, "created_at")),
            arrived: ms(w, "arrived_at"),
            departed: ms(w, "departed_at"),
        })
        .collect();
    let reports = d.reports.iter().map(|r| report_view(ctx, r)).collect::<Vec<_>>();
    let figures = d
        .figures
        .iter()
        .map(|f| {
            let met = match (f.met, f.finished) {
                (Some(true), _) => "met",
                (Some(false), _) => "breached",
                (None, true) => "cancelled",
                (None, false) => "running",
            };
            (code(&f.kind), code(&f.scope), ctx.work_span(f.business_seconds), ctx.span(f.wall_seconds), met.to_owned())
        })
        .collect();
    let files = d
        .attachments
        .iter()
        .map(|a| FileView { id: i(a, "id"), name: s(a, "file_name"), size: i(a, "size"), internal: b(a, "internal") })
        .collect();
    let work_by_id: std::collections::HashMap<i64, &Value> = d.work.iter().map(|w| (i(w, "id"), w)).collect();
    let journal = d
        .journal
        .iter()
        .zip(&handed)
        .rev()
        .map(|(j, changed)| {
            let detail = j.get("detail").cloned().unwrap_or(Value::Null);
            // Codes read in the user's language; what people wrote stays as written.
            let coded = |group: &str, k: &str| detail.get(k).and_then(Value::as_str).map(|v| ctx.label(group, v));
            let action = s(j, "action");
            let mut parts: Vec<String> = Vec::new();
            match action.as_str() {
                "clock" | "sla_alert" => {
                    parts.extend(coded("clock", "kind"));
                    parts.extend(coded("clock_change", "change"));
                }
                "work_record" => parts.extend(coded("work", "kind")),
                _ => {}
            }
            // A work record, an arrival or a departure says what was done and when
            // (only what this reader may see of it: the work list is already filtered).
            if let Some(w) = detail.get("work_record_id").and_then(Value::as_i64).and_then(|id| work_by_id.get(&id)) {
                let body = s(w, "body");
                if !body.is_empty() && matches!(action.as_str(), "work_record") {
                    let short: String = body.chars().take(120).collect();
                    parts.push(if short.len() < body.len() { format!("{short}…") } else { short });
                }
                let arrived = ms(w, "arrived_at");
                let departed = ms(w, "departed_at");
                if action == "visit_arrival" && !arrived.is_empty() {
                    parts.push(arrived);
                } else if action == "visit_departure" && !departed.is_empty() {
                    parts.push(departed);
                }
            }
            // To whom: the engineer, else the team or the partner firm it went to.
            if matches!(action.as_str(), "assign" | "approve" | "record") {
                let to = id_in(changed, "assignee_id")
                    .and_then(|u| users.get(&u).cloned())
                    .or_else(|| id_in(changed, "team_id").and_then(|t| handed_teams.get(&t).cloned()))
                    .or_else(|| id_in(changed, "partner_id").and_then(|p| handed_partners.get(&p).cloned()));
                if let Some(to) = to {
                    parts.push(format!("→ {to}"));
                }
            }
            for k in ["reason", "override_reason", "resolution", "handover"] {
                parts.extend(detail.get(k).and_then(Value::as_str).map(str::to_owned));
            }
            let note = parts.join(" · ");
            JournalView {
                action,
                who: users.get(&i(j, "actor_id")).cloned().unwrap_or_else(|| ctx.t("journal.system").to_owned()),
                at: ctx.at(&s(j, "created_at")),
                note,
            }
        })
        .collect();
    let told = d
        .told
        .iter()
        .map(|t| (users.get(&i(t, "user_id")).cloned().unwrap_or_default(), ctx.at(&s(t, "at"))))
        .collect();
    // What the forms offer comes from the core's rules for this user, never from a guess here.
    let actor = fuwu_app::events::flow_actor(&ctx.caller);
    let work_kinds = [WorkKind::Note, WorkKind::Call, WorkKind::Remote, WorkKind::Visit]
        .into_iter()
        .filter(|k| flow::may_add_work(&e.flow, &actor, *k).is_ok())
        .map(|k| code(&k))
        .collect();
    let may_internal = matches!(flow::may_add_work(&e.flow, &actor, WorkKind::Note), Ok(true));
    let me = ctx.caller.id().0;
    let visit_open = flow::may_add_work(&e.flow, &actor, WorkKind::Visit).is_ok().then(|| {
        d.work.iter().any(|w| {
            s(w, "kind") == "visit"
                && i(w, "author_id") == me
                && !s(w, "arrived_at").is_empty()
                && w.get("departed_at").is_none_or(Value::is_null)
        })
    });
    // The engineer's own last visit: when they checked in (and out), shown on the check-in card.
    let my_visit = d
        .work
        .iter()
        .rev()
        .find(|w| s(w, "kind") == "visit" && i(w, "author_id") == me && !s(w, "arrived_at").is_empty())
        .map(|w| {
            (
                ctx.at(&s(w, "arrived_at")),
                w.get("departed_at").and_then(Value::as_str).map(|x| ctx.at(x)).unwrap_or_default(),
            )
        });
    let may_report = d.available_actions.contains(&ActionKind::SubmitReport);
    let may_sign = d.available_actions.contains(&ActionKind::ConfirmReport);
    let may_link = flow::may_send_confirmation_link(&e.flow, &actor);
    let watch = if staff {
        format!("{}-{}", d.event.version, fuwu_store::events::next_seq(&mut conn, id).await?)
    } else {
        d.event.version.to_string()
    };
    Ok(EventPage {
        ctx,
        customer,
        assignee,
        team,
        clocks,
        actions,
        candidates,
        choices,
        l2,
        l3,
        visit_open,
        my_visit,
        approval_for_l2,
        approvals,
        figures,
        work,
        reports,
        files,
        journal,
        told,
        work_kinds,
        may_internal,
        may_report,
        may_sign,
        may_link,
        watch,
        made_link: None,
        problems,
        flash,
        d,
    })
}

fn report_view(ctx: &Ctx, r: &Value) -> ReportView {
    let c = r.get("content").cloned().unwrap_or(Value::Null);
    let lines = |k: &str| {
        c.get(k)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("\n"))
            .unwrap_or_default()
    };
    ReportView {
        id: i(r, "id"),
        version: i(r, "report_version"),
        kind: s(r, "kind"),
        state: s(r, "state"),
        findings: s(&c, "findings"),
        actions_taken: s(&c, "actions_taken"),
        parts: lines("parts_changed"),
        versions: lines("versions_changed"),
        signer: s(r, "signer_name"),
        signature: s(r, "signature"),
        confirmed_at: r.get("confirmed_at").and_then(Value::as_i64).map(|x| ctx.at_ms(x)).unwrap_or_default(),
        method: s(r, "confirm_method"),
        superseded: b(r, "superseded"),
        hash: s(r, "content_hash"),
    }
}

async fn show(s_: &AppState, ctx: &Ctx, id: i64, problems: Problems, flash: Option<String>) -> Response {
    shown(s_, ctx, id, problems, flash, axum::http::StatusCode::UNPROCESSABLE_ENTITY).await
}

/// The page, answered with `status` when there are problems to show.
async fn shown(
    s_: &AppState,
    ctx: &Ctx,
    id: i64,
    problems: Problems,
    flash: Option<String>,
    status: axum::http::StatusCode,
) -> Response {
    let failed = problems.any();
    match build(s_, ctx, id, problems, flash).await {
        Ok(p) if failed => render_status(status, &p),
        Ok(p) => render(&p),
        Err(e) => fail(ctx, e),
    }
}

/// The event's version, for the page to notice that someone else changed it.
async fn version(State(s_): State<AppState>, Lite(ctx): Lite, Path(id): Path<i64>) -> Response {
    let r = async {
        let mut conn = s_.app.db.reader().acquire().await?;
        let (e, _) = fuwu_app::events::load(&mut conn, &ctx.caller, id).await?;
        // Staff: the record's version and the journal's length (a note or a file changes
        // the second). Customers: the version alone (internal notes are not theirs to count).
        if ctx.is_customer() {
            return Ok::<_, AppError>(e.version.to_string());
        }
        let seq = fuwu_store::events::next_seq(&mut conn, id).await?;
        Ok(format!("{}-{seq}", e.version))
    }
    .await;
    match r {
        Ok(v) => ([(header::CACHE_CONTROL, "no-store")], v.to_string()).into_response(),
        Err(e) => {
            let (status, _) = crate::error::ApiError(e).parts();
            status.into_response()
        }
    }
}

#[derive(serde::Deserialize)]
struct Done {
    #[serde(default)]
    done: Option<String>,
}

async fn page(State(s_): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Query(q): Query<Done>) -> Response {
    // A word that what the user just did has been done (only known words; the rest is ignored).
    let flash = q.done.and_then(|d| match d.as_str() {
        "report_confirmed" | "rated" | "dispatched" | "recorded" | "arrived" | "departed" => {
            Some(ctx.t(&format!("done.{d}")).to_owned())
        }
        // An action of the flow: its label.
        other => other
            .strip_prefix("act.")
            .filter(|k| fuwu_core::i18n::has(&format!("action.{k}")))
            .map(|k| ctx.t("done.acted").replace("{action}", &ctx.label("action", k))),
    });
    show(&s_, &ctx, id, Problems::default(), flash).await
}

/// After a form: back to the page, or the page again with the problems beside the fields.
async fn after(s_: &AppState, ctx: &Ctx, id: i64, r: Result<(), AppError>) -> Response {
    match r {
        Ok(()) => Redirect::to(&format!("/events/{id}")).into_response(),
        Err(e @ (AppError::Invalid(_) | AppError::BadRequest { .. } | AppError::Conflict { .. })) => {
            let problems = Problems::of(ctx.lang, &e);
            let status = crate::error::ApiError(e).parts().0;
            shown(s_, ctx, id, problems, None, status).await
        }
        Err(e) => fail(ctx, e),
    }
}

async fn act(State(s_): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<Fields>) -> Response {
    if let Err(e) = check_csrf(&ctx, &f) {
        return fail(&ctx, e);
    }
    // The assign form names its choice `pick` = `engineer:12`, `team:3` or `partner:5`,
    // or `other` with the choice in the `other` list (everyone the event may go to).
    let mut f = f;
    let sent = f.clone();
    let pick = match get(&f, "pick") {
        Some("other") => get(&f, "other").map(str::to_owned),
        p => p.map(str::to_owned),
    };
    if let Some(pick) = pick
        && let Some((kind, val)) = pick.split_once(':')
        && matches!(kind, "engineer" | "team" | "partner")
    {
        f.push((format!("target.{kind}_id"), val.to_owned()));
    }
    let r = match decode::<ActionInput>(&f, &["pick", "other"]) {
        Ok(input) => {
            let decided = matches!(input.action, ActionKind::Approve | ActionKind::Reject | ActionKind::ReferToManager);
            let input_kind = input.action;
            match fuwu_app::events::act::act(&s_.app, &ctx.caller, id, input).await {
                // The approver goes back to the inbox of requests still waiting.
                Ok(_) if decided && matches!(ctx.caller.role(), Role::Specialist | Role::Manager) => {
                    return Redirect::to("/approvals?done=decided").into_response();
                }
                Ok(_) => {
                    let kind = serde_json::to_value(input_kind).ok().and_then(|v| v.as_str().map(str::to_owned));
                    let done = if input_kind == ActionKind::Assign {
                        "dispatched".to_owned()
                    } else {
                        format!("act.{}", kind.unwrap_or_default())
                    };
                    return Redirect::to(&format!("/events/{id}?done={done}")).into_response();
                }
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    };
    let r = match r {
        Err(e @ (AppError::Invalid(_) | AppError::BadRequest { .. } | AppError::Conflict { field: Some(_), .. })) => {
            let problems = Problems::of(ctx.lang, &e).keep(&sent, &["action", "pick", "other", "reason", "handover"]);
            let status = crate::error::ApiError(e).parts().0;
            return shown(&s_, &ctx, id, problems, None, status).await;
        }
        r => r,
    };
    match r {
        // The page offered it, the flow now refuses: someone else acted first (or
        // the user's role changed). Show the event as it is now, and say so.
        Err(e @ (AppError::Forbidden(_) | AppError::Refused { .. } | AppError::Conflict { field: None, .. })) => {
            let status = crate::error::ApiError(e).parts().0;
            let problems = Problems { general: Some(ctx.t("event.action_stale").to_owned()), ..Problems::default() };
            shown(&s_, &ctx, id, problems, None, status).await
        }
        r => after(&s_, &ctx, id, r).await,
    }
}

/// `datetime-local` values (`2026-11-25T10:30`) in the user's zone → RFC 3339.
fn local_times(ctx: &Ctx, f: &mut Fields) {
    for (k, v) in f.iter_mut() {
        if matches!(k.as_str(), "planned_at" | "arrived_at" | "departed_at" | "started_at" | "finished_at")
            && !v.is_empty()
            && let Ok(dt) = v.parse::<jiff::civil::DateTime>()
            && let Ok(z) = dt.to_zoned_datetime(ctx.tz.clone())
        {
            *v = z.timestamp().to_string();
        }
    }
}

/// A form that becomes an API input `T` on this event: CSRF, local times, decoding,
/// the app call, then back to the page (or the page with the problems).
async fn submit<T, F, Fut>(s_: &AppState, ctx: &Ctx, id: i64, mut f: Fields, call: F) -> Response
where
    T: serde::de::DeserializeOwned,
    F: FnOnce(T) -> Fut,
    Fut: std::future::Future<Output = Result<(), AppError>>,
{
    if let Err(e) = check_csrf(ctx, &f) {
        return fail(ctx, e);
    }
    local_times(ctx, &mut f);
    let r = match decode::<T>(&f, &[]) {
        Ok(input) => call(input).await,
        Err(e) => Err(e),
    };
    after(s_, ctx, id, r).await
}

async fn add_work(State(s_): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<Fields>) -> Response {
    submit(&s_, &ctx, id, f, |w: WorkInput| async { work::add_work(&s_.app, &ctx.caller, id, w).await.map(|_| ()) })
        .await
}

async fn visit(State(s_): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<Fields>) -> Response {
    let done = if get(&f, "step") == Some("depart") { "departed" } else { "arrived" };
    let r = submit(&s_, &ctx, id, f, |v: VisitInput| async {
        work::visit_step(&s_.app, &ctx.caller, id, v).await.map(|_| ())
    })
    .await;
    // Saved: the page again, saying so at the top (where the button was).
    if r.status() == axum::http::StatusCode::SEE_OTHER {
        return Redirect::to(&format!("/events/{id}?done={done}")).into_response();
    }
    r
}

async fn rate(State(s_): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<Fields>) -> Response {
    if let Err(e) = check_csrf(&ctx, &f) {
        return fail(&ctx, e);
    }
    let r = match decode::<RatingInput>(&f, &[]) {
        Ok(input) => work::rate(&s_.app, &ctx.caller, id, input).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match r {
        Ok(()) => Redirect::to(&format!("/events/{id}?done=rated")).into_response(),
        r => after(&s_, &ctx, id, r).await,
    }
}

/// The customer's button: confirms the service report, then shows the event with a word that it is done.
async fn portal_confirm(
    State(s_): State<AppState>,
    ctx: Ctx,
    Path((id, rid)): Path<(i64, i64)>,
    Form(f): Form<Fields>,
) -> Response {
    if let Err(e) = check_csrf(&ctx, &f) {
        return fail(&ctx, e);
    }
    match work::confirm_in_portal(&s_.app, &ctx.caller, id, rid).await {
        Ok(_) => Redirect::to(&format!("/events/{id}?done=report_confirmed")).into_response(),
        r => after(&s_, &ctx, id, r.map(|_| ())).await,
    }
}

async fn report(State(s_): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<Fields>) -> Response {
    submit(&s_, &ctx, id, f, |r: ReportInput| async {
        work::submit_report(&s_.app, &ctx.caller, id, r).await.map(|_| ())
    })
    .await
}

async fn upload(State(s_): State<AppState>, ctx: Ctx, Path(id): Path<i64>, mut m: Multipart) -> Response {
    let (mut csrf, mut internal, mut file) = (String::new(), false, None);
    loop {
        match m.next_field().await {
            Ok(Some(field)) => match field.name().unwrap_or_default() {
                "csrf" => csrf = field.text().await.unwrap_or_default(),
                "internal" => internal = true,
                "file" => {
                    let name = field.file_name().unwrap_or("file").to_owned();
                    match field.bytes().await {
                        Ok(bytes) => file = Some((name, bytes)),
                        Err(_) => return fail(&ctx, AppError::TooLarge(64 * 1024 * 1024)),
                    }
                }
                _ => {}
            },
            Ok(None) => break,
            Err(e) => return fail(&ctx, AppError::bad(format!("upload: {e}"), Some("file"))),
        }
    }
    if let Err(e) = check_csrf(&ctx, &vec![("csrf".into(), csrf)]) {
        return fail(&ctx, e);
    }
    let r = match file {
        Some((name, bytes)) if !bytes.is_empty() => {
            work::upload(&s_.app, &ctx.caller, id, &name, internal && ctx.is_staff(), &bytes).await.map(|_| ())
        }
        _ => Err(AppError::invalid("file", "required", ctx.t("attachment.choose"))),
    };
    after(&s_, &ctx, id, r).await
}

async fn download(State(s_): State<AppState>, ctx: Ctx, Path((id, aid)): Path<(i64, i64)>) -> Response {
    match work::download(&s_.app, &ctx.caller, id, aid).await {
        Ok((name, bytes)) => {
            let mut r = bytes.into_response();
            let h = r.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
            let ascii: String =
                name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_".contains(c) { c } else { '_' }).collect();
            let encoded = super::queues::urlencode(&name);
            if let Ok(v) =
                HeaderValue::from_str(&format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"))
            {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox"));
            r
        }
        Err(e) => fail(&ctx, e),
    }
}

/// A customer's name for a page header (empty if it cannot be read).
async fn customer_name(s_: &AppState, id: i64) -> String {
    match s_.app.db.reader().acquire().await {
        Ok(mut conn) => {
            names(&mut conn, &tables::CUSTOMER, [id]).await.ok().and_then(|mut m| m.remove(&id)).unwrap_or_default()
        }
        Err(_) => String::new(),
    }
}

#[derive(Template)]
#[template(path = "sign.html")]
struct SignPage<'a> {
    ctx: &'a Ctx,
    event_id: i64,
    number: String,
    title: String,
    customer: String,
    r: ReportView,
    problems: Problems,
}

async fn sign_view(
    s_: &AppState,
    ctx: &Ctx,
    id: i64,
    rid: i64,
    problems: Problems,
    status: axum::http::StatusCode,
) -> Response {
    let d = match detail(&s_.app, &ctx.caller, id).await {
        Ok(d) => d,
        Err(e) => return fail(ctx, e),
    };
    let Some(r) = d.reports.iter().find(|r| i(r, "id") == rid) else {
        return fail(ctx, AppError::NotFound("report"));
    };
    let customer = customer_name(s_, d.event.data.customer_id.0).await;
    let failed = problems.any();
    let page = SignPage {
        ctx,
        event_id: id,
        number: d.event.data.number.clone(),
        title: d.event.data.title.clone(),
        customer,
        r: report_view(ctx, r),
        problems,
    };
    if failed { render_status(status, &page) } else { render(&page) }
}

async fn sign_page(State(s_): State<AppState>, ctx: Ctx, Path((id, rid)): Path<(i64, i64)>) -> Response {
    sign_view(&s_, &ctx, id, rid, Problems::default(), axum::http::StatusCode::OK).await
}

async fn sign(
    State(s_): State<AppState>,
    ctx: Ctx,
    Path((id, rid)): Path<(i64, i64)>,
    Form(f): Form<Fields>,
) -> Response {
    if let Err(e) = check_csrf(&ctx, &f) {
        return fail(&ctx, e);
    }
    let r = match decode::<Signature>(&f, &[]) {
        Ok(sig) => work::sign_report(&s_.app, &ctx.caller, id, rid, sig).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match r {
        Ok(()) => Redirect::to(&format!("/events/{id}/reports/{rid}/print")).into_response(),
        Err(e @ (AppError::Invalid(_) | AppError::BadRequest { .. } | AppError::Conflict { .. })) => {
            let problems = Problems::of(ctx.lang, &e);
            let status = crate::error::ApiError(e).parts().0;
            sign_view(&s_, &ctx, id, rid, problems, status).await
        }
        Err(e) => fail(&ctx, e),
    }
}

async fn link(
    State(s_): State<AppState>,
    ctx: Ctx,
    Path((id, rid)): Path<(i64, i64)>,
    headers: axum::http::HeaderMap,
    Form(f): Form<Fields>,
) -> Response {
    if let Err(e) = check_csrf(&ctx, &f) {
        return fail(&ctx, e);
    }
    match work::confirmation_link(&s_.app, &ctx.caller, id, rid).await {
        Ok(l) => {
            // The full address to hand over: the configured public one, or the host the engineer used.
            let base = match &s_.config.public_url {
                Some(u) => u.trim_end_matches('/').to_owned(),
                None => {
                    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
                    let scheme = if s_.config.cookie_secure { "https" } else { "http" };
                    format!("{scheme}://{host}")
                }
            };
            let url = format!("{base}{}", l.path);
            let svg = qrcode::QrCode::new(url.as_bytes())
                .map(|q| q.render::<qrcode::render::svg::Color>().min_dimensions(180, 180).build())
                .unwrap_or_default();
            match build(&s_, &ctx, id, Problems::default(), Some(ctx.t("report.link_made").to_owned())).await {
                Ok(mut p) => {
                    p.made_link = Some((url, ctx.at(&l.expires_at), svg));
                    render(&p)
                }
                Err(e) => fail(&ctx, e),
            }
        }
        Err(e) => after(&s_, &ctx, id, Err(e)).await,
    }
}

#[derive(Template)]
#[template(path = "print.html")]
struct PrintPage<'a> {
    ctx: &'a Ctx,
    kind_title: String,
    d: ServiceReportDoc,
}

impl PrintPage<'_> {
    fn when(&self, ms: &Option<i64>) -> String {
        ms.map(|m| self.ctx.at_ms(m)).unwrap_or_else(|| "—".into())
    }

    fn at(&self, ms: &i64) -> String {
        self.ctx.at_ms(*ms)
    }
}

/// The customer's copy, printable (the print stylesheet shows only the report).
async fn print(State(s_): State<AppState>, ctx: Ctx, Path((id, rid)): Path<(i64, i64)>) -> Response {
    match document::of(&s_.app, &ctx.caller, id, rid).await {
        Ok(d) => {
            let kind_title =
                ctx.t(if d.kind == "fault" { "doc.fault_report" } else { "doc.service_report" }).to_owned();
            render(&PrintPage { ctx: &ctx, kind_title, d })
        }
        Err(e) => fail(&ctx, e),
    }
}

/// The customer's copy as a PDF file.
async fn pdf(State(s_): State<AppState>, ctx: Ctx, Path((id, rid)): Path<(i64, i64)>) -> Response {
    match document::pdf(&s_.app, &ctx.caller, id, rid).await {
        Ok((name, bytes)) => crate::api::events::pdf_response(&name, bytes),
        Err(e) => fail(&ctx, e),
    }
}

const CONFIRM_CSRF: &str = "fuwu_confirm_csrf";

/// The public page behind a one-time confirmation link (no login).
#[derive(Template)]
#[template(path = "confirm.html")]
struct ConfirmPage {
    lang: &'static str,
    t: ConfirmTexts,
    token: String,
    csrf: String,
    number: String,
    title: String,
    findings: String,
    actions_taken: String,
    error: Option<String>,
    done: bool,
}

struct ConfirmTexts {
    heading: &'static str,
    findings: &'static str,
    actions: &'static str,
    signer: &'static str,
    submit: &'static str,
    done: &'static str,
}

fn confirm_texts(lang: fuwu_core::role::Language) -> ConfirmTexts {
    use fuwu_core::i18n::t;
    ConfirmTexts {
        heading: t(lang, "confirm.heading"),
        findings: t(lang, "report.findings"),
        actions: t(lang, "report.actions_taken"),
        signer: t(lang, "report.signer"),
        submit: t(lang, "confirm.submit"),
        done: t(lang, "confirm.done"),
    }
}

fn confirm_lang(h: &axum::http::HeaderMap) -> fuwu_core::role::Language {
    fuwu_core::i18n::language(h.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("zh-CN"))
}

async fn confirm_page(State(s_): State<AppState>, h: axum::http::HeaderMap, Path(token): Path<String>) -> Response {
    let lang = confirm_lang(&h);
    match work::view_by_token(&s_.app, &token).await {
        Ok(v) => {
            let c = v.get("content").cloned().unwrap_or(Value::Null);
            let csrf = fuwu_app::auth::new_secret("");
            let secure = if s_.config.cookie_secure { "; Secure" } else { "" };
            let mut r = render(&ConfirmPage {
                lang: fuwu_core::i18n::code(lang),
                t: confirm_texts(lang),
                token,
                csrf: csrf.clone(),
                number: s(&v, "event_number"),
                title: s(&v, "title"),
                findings: s(&c, "findings"),
                actions_taken: s(&c, "actions_taken"),
                error: None,
                done: false,
            });
            if let Ok(v) = HeaderValue::from_str(&format!(
                "{CONFIRM_CSRF}={csrf}; Path=/confirm; HttpOnly; SameSite=Strict{secure}"
            )) {
                r.headers_mut().append(header::SET_COOKIE, v);
            }
            r
        }
        Err(_) => {
            (axum::http::StatusCode::NOT_FOUND, fuwu_core::i18n::t(lang, "confirm.invalid").to_owned()).into_response()
        }
    }
}

async fn confirm(
    State(s_): State<AppState>,
    h: axum::http::HeaderMap,
    Path(token): Path<String>,
    Form(f): Form<Fields>,
) -> Response {
    // The token in the path is the credential (single use, 7 days); the form has no session.
    let lang = confirm_lang(&h);
    let expected = crate::extract::cookie(&h, CONFIRM_CSRF).unwrap_or_default();
    let sent = get(&f, "csrf").unwrap_or_default();
    if expected.is_empty() || !crate::extract::same_secret(sent, &expected) {
        return (axum::http::StatusCode::FORBIDDEN, "CSRF 校验失败 / CSRF check failed").into_response();
    }
    let signer = get(&f, "signer_name").unwrap_or_default().to_owned();
    let view = work::view_by_token(&s_.app, &token).await;
    let Ok(v) = view else {
        return (axum::http::StatusCode::NOT_FOUND, fuwu_core::i18n::t(lang, "confirm.invalid").to_owned())
            .into_response();
    };
    let c = v.get("content").cloned().unwrap_or(Value::Null);
    let mut page = ConfirmPage {
        lang: fuwu_core::i18n::code(lang),
        t: confirm_texts(lang),
        token: token.clone(),
        csrf: sent.to_owned(),
        number: s(&v, "event_number"),
        title: s(&v, "title"),
        findings: s(&c, "findings"),
        actions_taken: s(&c, "actions_taken"),
        error: None,
        done: false,
    };
    match work::confirm_by_token(&s_.app, &token, &signer).await {
        Ok(_) => {
            page.done = true;
            render(&page)
        }
        Err(e) => {
            page.error = Some(e.to_string());
            render_status(axum::http::StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}
