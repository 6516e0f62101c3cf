//! The service-request flow's endpoints.

use super::doc::{Doc, Op, page_of, path_param, query_param};
use super::records::{Pairs, list_params, paging, pairs};
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Auth, Id, Ids, JsonBody};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use fuwu_app::AppError;
use fuwu_app::events::act::{ActionInput, act};
use fuwu_app::events::intake::{NewEvent, knowledge, record, suggest};
use fuwu_app::events::queues::{self, EventDetail, QueueCount};
use fuwu_app::events::work::{self, ConfirmationLink, RatingInput, ReportInput, Signature, VisitInput, WorkInput};
use fuwu_app::events::{self as ev, Event};
use fuwu_app::records::Stored;
use fuwu_app::sla::SlaSettings;
use fuwu_app::vendor::VendorSettings;
use fuwu_core::priority::PriorityMatrix;
use fuwu_core::routing::Candidate;
use serde::Deserialize;
use serde_json::{Value, json};

async fn list(State(s): State<AppState>, Auth(c): Auth, q: Pairs) -> ApiResult<Json<fuwu_app::Page<Stored<Event>>>> {
    Ok(Json(queues::list(&s.app, &c, &list_params(pairs(q)?)?).await?))
}

/// The export's file format (`format=xlsx|csv`, Excel by default), taken out of the list's parameters.
pub fn export_format(q: &mut Vec<(String, String)>) -> Result<fuwu_app::export::FileFormat, ApiError> {
    let mut format = fuwu_app::export::FileFormat::Xlsx;
    let mut seen = false;
    for (k, v) in q.iter().filter(|(k, _)| k == "format") {
        if seen {
            return Err(AppError::bad(format!("{k} is given twice"), Some("format")).into());
        }
        seen = true;
        format = fuwu_app::export::FileFormat::parse(v)
            .ok_or_else(|| AppError::bad("format must be xlsx or csv", Some("format")))?;
    }
    q.retain(|(k, _)| k != "format");
    for (k, _) in q.iter() {
        if k == "page" || k == "per_page" {
            return Err(AppError::bad(format!("{k}: an export holds the whole list"), Some(k)).into());
        }
    }
    Ok(format)
}

/// A file named for what it holds and the day: `events-20270301.xlsx`.
pub fn export_name(app: &fuwu_app::App, base: &str, f: fuwu_app::export::FileFormat) -> String {
    let day = fuwu_core::entitlement::service_date(app.clock.now());
    format!("{base}-{}.{}", day.strftime("%Y%m%d"), f.extension())
}

async fn export(State(s): State<AppState>, Auth(c): Auth, q: Pairs) -> ApiResult<Response> {
    let mut q = pairs(q)?;
    let format = export_format(&mut q)?;
    let table = queues::export(&s.app, &c, &list_params(q)?, c.user.data.language).await?;
    let bytes = fuwu_app::export::write(&table, format)?;
    Ok(file_response(&export_name(&s.app, "events", format), bytes, format.content_type()))
}

async fn create(
    State(s): State<AppState>,
    Auth(c): Auth,
    JsonBody(n): JsonBody<NewEvent>,
) -> ApiResult<(StatusCode, Json<Stored<Event>>)> {
    Ok((StatusCode::CREATED, Json(record(&s.app, &c, n).await?)))
}

async fn counts(State(s): State<AppState>, Auth(c): Auth) -> ApiResult<Json<Value>> {
    let items: Vec<QueueCount> = queues::counts(&s.app, &c).await?;
    Ok(Json(json!({ "items": items })))
}

async fn detail(State(s): State<AppState>, Auth(c): Auth, Id(id): Id) -> ApiResult<Json<EventDetail>> {
    Ok(Json(queues::detail(&s.app, &c, id).await?))
}

async fn action(
    State(s): State<AppState>,
    Auth(c): Auth,
    Id(id): Id,
    JsonBody(a): JsonBody<ActionInput>,
) -> ApiResult<Json<Stored<Event>>> {
    Ok(Json(act(&s.app, &c, id, a).await?))
}

async fn journal(State(s): State<AppState>, Auth(c): Auth, Id(id): Id) -> ApiResult<Json<Value>> {
    Ok(Json(json!({ "items": queues::journal_of(&s.app, &c, id).await? })))
}

async fn routing(State(s): State<AppState>, Auth(c): Auth, Id(id): Id) -> ApiResult<Json<Value>> {
    let items: Vec<Candidate> = suggest(&s.app, &c, id).await?;
    Ok(Json(json!({ "items": items })))
}

async fn add_work(
    State(s): State<AppState>,
    Auth(c): Auth,
    Id(id): Id,
    JsonBody(w): JsonBody<WorkInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    Ok((StatusCode::CREATED, Json(work::add_work(&s.app, &c, id, w).await?)))
}

async fn visit(
    State(s): State<AppState>,
    Auth(c): Auth,
    Id(id): Id,
    JsonBody(v): JsonBody<VisitInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    Ok((StatusCode::CREATED, Json(work::visit_step(&s.app, &c, id, v).await?)))
}

async fn add_report(
    State(s): State<AppState>,
    Auth(c): Auth,
    Id(id): Id,
    JsonBody(r): JsonBody<ReportInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    Ok((StatusCode::CREATED, Json(work::submit_report(&s.app, &c, id, r).await?)))
}

async fn sign(
    State(s): State<AppState>,
    Auth(c): Auth,
    Ids(id, rid): Ids,
    JsonBody(sig): JsonBody<Signature>,
) -> ApiResult<Json<Value>> {
    Ok(Json(work::sign_report(&s.app, &c, id, rid, sig).await?))
}

async fn portal_confirm(State(s): State<AppState>, Auth(c): Auth, Ids(id, rid): Ids) -> ApiResult<Json<Value>> {
    Ok(Json(work::confirm_in_portal(&s.app, &c, id, rid).await?))
}

async fn rate(
    State(s): State<AppState>,
    Auth(c): Auth,
    Id(id): Id,
    JsonBody(r): JsonBody<RatingInput>,
) -> ApiResult<Json<Value>> {
    Ok(Json(work::rate(&s.app, &c, id, r).await?))
}

async fn link(
    State(s): State<AppState>,
    Auth(c): Auth,
    Ids(id, rid): Ids,
) -> ApiResult<(StatusCode, Json<ConfirmationLink>)> {
    Ok((StatusCode::CREATED, Json(work::confirmation_link(&s.app, &c, id, rid).await?)))
}

async fn view_link(State(s): State<AppState>, Path(token): Path<String>) -> ApiResult<Json<Value>> {
    Ok(Json(work::view_by_token(&s.app, &token).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkConfirmation {
    /// The name of the person confirming.
    pub signer_name: String,
}

async fn confirm_link(
    State(s): State<AppState>,
    Path(token): Path<String>,
    JsonBody(b): JsonBody<LinkConfirmation>,
) -> ApiResult<Json<Value>> {
    Ok(Json(work::confirm_by_token(&s.app, &token, &b.signer_name).await?))
}

async fn upload(
    State(s): State<AppState>,
    Auth(c): Auth,
    Id(id): Id,
    q: Pairs,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let body = body.map_err(|_| ApiError(AppError::TooLarge(s.app.config.attachment_max_bytes)))?;
    let mut name = None;
    let mut internal = false;
    for (k, v) in pairs(q)? {
        match k.as_str() {
            "file_name" => name = Some(v),
            "internal" => internal = matches!(v.as_str(), "true" | "1"),
            other => return Err(AppError::bad(format!("unknown parameter {other}"), Some(other)).into()),
        }
    }
    let name = name.ok_or_else(|| ApiError(AppError::invalid("file_name", "required", "give ?file_name=")))?;
    Ok((StatusCode::CREATED, Json(work::upload(&s.app, &c, id, &name, internal, &body).await?)))
}

async fn download(State(s): State<AppState>, Auth(c): Auth, Ids(id, aid): Ids) -> ApiResult<Response> {
    let (name, bytes) = work::download(&s.app, &c, id, aid).await?;
    Ok(file_response(&name, bytes, "application/octet-stream"))
}

async fn notifications(State(s): State<AppState>, Auth(c): Auth, q: Pairs) -> ApiResult<Json<Value>> {
    let (page, per_page) = paging(pairs(q)?, &[])?.0;
    let (items, total) = fuwu_app::mail::inbox(&s.app, &c, per_page, (page - 1).saturating_mul(per_page)).await?;
    let unread = fuwu_app::mail::unread(&s.app, &c).await?;
    Ok(Json(json!({"items": items, "page": page, "per_page": per_page, "total": total, "unread": unread})))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkRead {
    /// The notifications to mark read; empty: all of the caller's.
    #[serde(default)]
    pub ids: Vec<i64>,
}

async fn mark_read(
    State(s): State<AppState>,
    Auth(c): Auth,
    JsonBody(m): JsonBody<MarkRead>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!({ "marked": fuwu_app::mail::mark_read(&s.app, &c, &m.ids).await? })))
}

async fn get_matrix(State(s): State<AppState>, Auth(_c): Auth) -> ApiResult<Json<PriorityMatrix>> {
    let mut conn = s.app.db.reader().acquire().await.map_err(AppError::from)?;
    Ok(Json(ev::matrix(&mut conn).await?))
}

async fn put_matrix(
    State(s): State<AppState>,
    Auth(c): Auth,
    JsonBody(m): JsonBody<PriorityMatrix>,
) -> ApiResult<Json<PriorityMatrix>> {
    Ok(Json(ev::set_matrix(&s.app, &c, m).await?))
}

async fn get_sla(State(s): State<AppState>, Auth(_c): Auth) -> ApiResult<Json<SlaSettings>> {
    let mut conn = s.app.db.reader().acquire().await.map_err(AppError::from)?;
    Ok(Json(fuwu_app::sla::settings(&mut conn).await?))
}

async fn put_sla(
    State(s): State<AppState>,
    Auth(c): Auth,
    JsonBody(m): JsonBody<SlaSettings>,
) -> ApiResult<Json<SlaSettings>> {
    Ok(Json(fuwu_app::sla::set_settings(&s.app, &c, m).await?))
}

/// The media types a table may be sent as: CSV text, or an Excel workbook.
const SHEET_TYPES: [&str; 4] = [
    "text/csv",
    "text/plain",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-excel",
];

async fn import_official_days(
    State(s): State<AppState>,
    Auth(c): Auth,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> ApiResult<Json<fuwu_app::calendars::OfficialDaysImport>> {
    let ct = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !SHEET_TYPES.iter().any(|t| ct.starts_with(t)) {
        return Err(
            AppError::UnsupportedMediaType(format!("send the file as one of {}", SHEET_TYPES.join(", "))).into()
        );
    }
    Ok(Json(fuwu_app::calendars::import_official_days(&s.app, &c, &body).await?))
}

async fn get_vendor(State(s): State<AppState>, Auth(c): Auth) -> ApiResult<Json<VendorSettings>> {
    Ok(Json(fuwu_app::vendor::read(&s.app, &c).await?))
}

async fn put_vendor(
    State(s): State<AppState>,
    Auth(c): Auth,
    JsonBody(v): JsonBody<VendorSettings>,
) -> ApiResult<Json<VendorSettings>> {
    Ok(Json(fuwu_app::vendor::set_settings(&s.app, &c, v).await?))
}

/// A file to download: always an attachment with its name (ASCII and UTF-8),
/// never sniffed, sandboxed if a browser opens it anyway.
pub fn file_response(name: &str, bytes: Vec<u8>, content_type: &'static str) -> Response {
    let ascii: String = name
        .chars()
        .map(|ch| if ch.is_ascii_alphanumeric() || matches!(ch, '.' | '-' | '_') { ch } else { '_' })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; sandbox"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

/// A report's customer copy as a PDF download.
pub fn pdf_response(name: &str, bytes: Vec<u8>) -> Response {
    file_response(name, bytes, "application/pdf")
}

async fn report_pdf(State(s): State<AppState>, Auth(c): Auth, Ids(id, rid): Ids) -> ApiResult<Response> {
    let (name, bytes) = fuwu_app::events::document::pdf(&s.app, &c, id, rid).await?;
    Ok(pdf_response(&name, bytes))
}

async fn knowledge_h(State(s): State<AppState>, Auth(c): Auth, q: Pairs) -> ApiResult<Json<Value>> {
    let mut text = None;
    for (k, v) in pairs(q)? {
        match k.as_str() {
            "q" => text = Some(v),
            other => return Err(AppError::bad(format!("unknown parameter {other}"), Some(other)).into()),
        }
    }
    Ok(Json(json!({ "items": knowledge(&s.app, &c, text.as_deref()).await? })))
}

pub fn routes(r: Router<AppState>, doc: &mut Doc) -> Router<AppState> {
    let t = "Events";
    let event = doc.record::<Event>();
    let new_event = doc.schema::<NewEvent>();
    let action_in = doc.schema::<ActionInput>();
    let detail_s = doc.schema::<EventDetail>();
    let work_in = doc.schema::<WorkInput>();
    let visit_in = doc.schema::<VisitInput>();
    let rating_in = doc.schema::<RatingInput>();
    let report_in = doc.schema::<ReportInput>();
    let sig = doc.schema::<Signature>();
    let link_s = doc.schema::<ConfirmationLink>();
    let link_in = doc.schema::<LinkConfirmation>();
    let matrix = doc.schema::<PriorityMatrix>();
    let mark = doc.schema::<MarkRead>();
    let cand = doc.schema::<Candidate>();
    let id = || vec![path_param("id", "integer")];
    let ids = |second: &str| vec![path_param("id", "integer"), path_param(second, "integer")];
    let mut list_params = vec![
        query_param("queue", "string", "mine, team, unassigned, approvals, major, open, all (default)"),
        query_param("q", "string", "text in number, title or description"),
        query_param(
            "sort",
            "string",
            "-created_at (default, newest first), created_at, priority, -priority, updated_at",
        ),
        query_param("page", "integer", "from 1"),
        query_param("per_page", "integer", "1–200, default 50"),
    ];
    for f in fuwu_store::tables::EVENT.filters {
        list_params.push(query_param(f, "string", "equality filter"));
    }
    let mut export_params: Vec<_> =
        list_params.iter().filter(|p| !matches!(p["name"].as_str(), Some("page" | "per_page"))).cloned().collect();
    export_params.push(query_param(
        "format",
        "string",
        "xlsx (default: an Excel workbook, frozen header, real dates) or csv (UTF-8 with BOM)",
    ));
    doc.op(Op {
        method: "get",
        path: "/api/v1/events/export",
        tag: t,
        summary: "A queue with its filters as an Excel or CSV file: every matching event (up to 20,000), headers in the caller's language",
        params: export_params,
        body: None,
        ok_status: 200,
        ok: None,
        errors: &[400, 403],
    });
    doc.op(Op {
        method: "get",
        path: "/api/v1/events",
        tag: t,
        summary: "Queues: events the caller may see, by queue and filters",
        params: list_params,
        body: None,
        ok_status: 200,
        ok: Some(page_of(event.clone())),
        errors: &[403],
    });
    doc.op(Op {
        method: "post",
        path: "/api/v1/events",
        tag: t,
        summary: "Record an event (entitlement snapshot, priority, routing; dispatch at once with `dispatch`)",
        params: vec![],
        body: Some(new_event),
        ok_status: 201,
        ok: Some(event.clone()),
        errors: &[403, 409, 422],
    });
    doc.op(Op {
        method: "get",
        path: "/api/v1/events/queues",
        tag: t,
        summary: "Counts per queue for the caller",
        params: vec![],
        body: None,
        ok_status: 200,
        ok: None,
        errors: &[],
    });
    doc.op(Op {
        method: "get",
        path: "/api/v1/events/{id}",
        tag: t,
        summary: "An event with its available actions, approvals, work, reports, attachments and journal",
        params: id(),
        body: None,
        ok_status: 200,
        ok: Some(detail_s),
        errors: &[404],
    });
    doc.op(Op {
        method: "post",
        path: "/api/v1/events/{id}/actions",
        tag: t,
        summary: "Act on an event through the flow's transition table (403 not allowed, 409 not now)",
        params: id(),
        body: Some(action_in),
        ok_status: 200,
        ok: Some(event),
        errors: &[403, 404, 409, 422],
    });
    doc.op(Op {
        method: "get",
        path: "/api/v1/events/{id}/journal",
        tag: t,
        summary: "The event's journal (staff)",
        params: id(),
        body: None,
        ok_status: 200,
        ok: None,
        errors: &[403, 404],
    });
    doc.op(Op {
        method: "get",
        path: "/api/v1/events/{id}/routing",
        tag: t,
        summary: "Routing candidates now, ranked with reasons",
        params: id(),
        body: None,
        ok_status: 200,
        ok: Some(json!({"type": "object", "properties": {"items": {"type": "array", "items": cand}}})),
        errors: &[403, 404],
    });
    doc.op(Op {
        method: "post",
        path: "/api/v1/events/{id}/work",
        tag: t,
        summary: "Add a work record (note, call, remote session, on-site visit)",
        params: id(),
        body: Some(work_in),
        ok_status: 201,
        ok: None,
        errors: &[404, 409, 422],
    });
    let imported = doc.schema::<fuwu_app::calendars::OfficialDaysImport>();
    doc.op(Op {
        method: "post",
        path: "/api/v1/holidays/import",
        tag: "SLA",
        summary: "Import official days from the published file (text/csv: date,weekday,kind,holiday_en,holiday_zh,in_lieu_day), or the same columns in an Excel workbook's first sheet (application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, application/vnd.ms-excel); all or nothing, each bad line or row named",
        params: vec![],
        body: None,
        ok_status: 200,
        ok: Some(imported),
        errors: &[403, 415, 422],
    });
    doc.op(Op {
        method: "post",
        path: "/api/v1/events/{id}/rating",
        tag: t,
        summary: "The customer rates the service (1–5 and a comment) once the resolution is confirmed; again replaces it",
        params: id(),
        body: Some(rating_in),
        ok_status: 200,
        ok: None,
        errors: &[404, 409, 422],
    });
    doc.op(Op {
        method: "post",
        path: "/api/v1/events/{id}/reports/{report_id}/confirmation",
        tag: t,
        summary: "The customer's contact confirms the current service report, logged in (the portal's button)",
        params: ids("report_id"),
        body: None,
        ok_status: 200,
        ok: None,
        errors: &[403, 404, 409],
    });
    doc.op(Op {
        method: "post",
        path: "/api/v1/events/{id}/visit",
        tag: t,
        summary: "One tap on site: record the caller's arrival (stops the on-site clock) or departure, with the server's time",
        params: id(),
        body: Some(visit_in),
        ok_status: 201,
        ok: None,
        errors: &[404, 409, 422],
    });
    doc.op(Op {
        method: "post",
        path: "/api/v1/events/{id}/reports",
        tag: t,
        summary: "Submit a service or fault report (a new version each time)",
        params: id(),
        body: Some(report_in),
        ok_status: 201,
        ok: None,
        errors: &[403, 404, 409, 422],
    });
    doc.op(Op {
        method: "post",
        path: "/api/v1/events/{id}/reports/{report_id}/signature",
        tag: t,
        summary: "The customer signs the service report on the engineer's device",
        params: ids("report_id"),
        body: Some(sig),
        ok_status: 200,
        ok: None,
        errors: &[403, 404, 409, 422],
    });
    doc.op(Op {
        method: "post",
        path: "/api/v1/events/{id}/reports/{report_id}/confirmation-link",
        tag: t,
        summary: "A one-time link for the contact to confirm the report",
        params: ids("report_id"),
        body: None,
        ok_status: 201,
        ok: Some(link_s),
        errors: &[403, 404, 409],
    });
    doc.op(Op {
        method: "get",
        path: "/api/v1/confirm/{token}",
        tag: t,
        summary: "What a confirmation link shows (no login)",
        params: vec![path_param("token", "string")],
        body: None,
        ok_status: 200,
        ok: None,
        errors: &[404],
    });
    doc.op(Op {
        method: "post",
        path: "/api/v1/confirm/{token}",
        tag: t,
        summary: "Confirm through a one-time link (no login); the link is spent",
        params: vec![path_param("token", "string")],
        body: Some(link_in),
        ok_status: 200,
        ok: None,
        errors: &[404, 409, 422],
    });
    doc.op(Op {
        method: "post",
        path: "/api/v1/events/{id}/attachments",
        tag: t,
        summary: "Upload a file (raw body; ?file_name=…&internal=true|false)",
        params: vec![
            path_param("id", "integer"),
            query_param("file_name", "string", "the file's name"),
            query_param("internal", "boolean", "hidden from the customer"),
        ],
        body: None,
        ok_status: 201,
        ok: None,
        errors: &[404, 409, 413, 422],
    });
    doc.op(Op {
        method: "get",
        path: "/api/v1/events/{id}/attachments/{attachment_id}",
        tag: t,
        summary: "Download a file (always as a download, never rendered)",
        params: ids("attachment_id"),
        body: None,
        ok_status: 200,
        ok: None,
        errors: &[404, 410],
    });
    doc.op(Op {
        method: "get",
        path: "/api/v1/notifications",
        tag: t,
        summary: "The caller's notifications, newest first, with the unread count",
        params: vec![query_param("page", "integer", "from 1"), query_param("per_page", "integer", "1–200")],
        body: None,
        ok_status: 200,
        ok: None,
        errors: &[],
    });
    doc.op(Op {
        method: "post",
        path: "/api/v1/notifications/read",
        tag: t,
        summary: "Mark notifications read",
        params: vec![],
        body: Some(mark),
        ok_status: 200,
        ok: None,
        errors: &[422],
    });
    doc.op(Op {
        method: "get",
        path: "/api/v1/settings/priority-matrix",
        tag: "Settings",
        summary: "The ITIL impact × urgency matrix",
        params: vec![],
        body: None,
        ok_status: 200,
        ok: Some(matrix.clone()),
        errors: &[],
    });
    doc.op(Op {
        method: "put",
        path: "/api/v1/settings/priority-matrix",
        tag: "Settings",
        summary: "Replace the matrix (admins)",
        params: vec![],
        body: Some(matrix.clone()),
        ok_status: 200,
        ok: Some(matrix),
        errors: &[403, 422],
    });
    let sla_s = doc.schema::<SlaSettings>();
    doc.op(Op {
        method: "get",
        path: "/api/v1/settings/sla",
        tag: "Settings",
        summary: "SLA settings: the warning share",
        params: vec![],
        body: None,
        ok_status: 200,
        ok: Some(sla_s.clone()),
        errors: &[],
    });
    doc.op(Op {
        method: "put",
        path: "/api/v1/settings/sla",
        tag: "Settings",
        summary: "Change the SLA settings (admins; warning share 50–95 %)",
        params: vec![],
        body: Some(sla_s.clone()),
        ok_status: 200,
        ok: Some(sla_s),
        errors: &[403, 422],
    });
    let vendor_s = doc.schema::<VendorSettings>();
    doc.op(Op {
        method: "get",
        path: "/api/v1/settings/vendor",
        tag: "Settings",
        summary: "The vendor header of service reports: name, hotline, address line, logo (staff)",
        params: vec![],
        body: None,
        ok_status: 200,
        ok: Some(vendor_s.clone()),
        errors: &[403],
    });
    doc.op(Op {
        method: "put",
        path: "/api/v1/settings/vendor",
        tag: "Settings",
        summary: "Change the vendor header (admins; logo a PNG or SVG data URL of at most 200 KB)",
        params: vec![],
        body: Some(vendor_s.clone()),
        ok_status: 200,
        ok: Some(vendor_s),
        errors: &[403, 422],
    });
    doc.op(Op {
        method: "get",
        path: "/api/v1/events/{id}/reports/{report_id}/pdf",
        tag: t,
        summary: "The customer's copy of a report as a PDF file (application/pdf), in the caller's language",
        params: ids("report_id"),
        body: None,
        ok_status: 200,
        ok: None,
        errors: &[404],
    });
    doc.op(Op {
        method: "get",
        path: "/api/v1/knowledge",
        tag: t,
        summary: "Knowledge articles (staff)",
        params: vec![query_param("q", "string", "text")],
        body: None,
        ok_status: 200,
        ok: None,
        errors: &[403],
    });
    let upload_limit = 64 * 1024 * 1024;
    r.route("/api/v1/events", get(list).post(create))
        .route("/api/v1/events/export", get(export))
        .route("/api/v1/events/queues", get(counts))
        .route("/api/v1/events/{id}", get(detail))
        .route("/api/v1/events/{id}/actions", post(action))
        .route("/api/v1/events/{id}/journal", get(journal))
        .route("/api/v1/events/{id}/routing", get(routing))
        .route("/api/v1/events/{id}/work", post(add_work))
        .route("/api/v1/events/{id}/visit", post(visit))
        .route("/api/v1/events/{id}/rating", post(rate))
        .route("/api/v1/events/{id}/reports/{report_id}/confirmation", post(portal_confirm))
        .route("/api/v1/events/{id}/reports", post(add_report))
        .route("/api/v1/events/{id}/reports/{report_id}/signature", post(sign))
        .route("/api/v1/events/{id}/reports/{report_id}/confirmation-link", post(link))
        .route("/api/v1/confirm/{token}", get(view_link).post(confirm_link))
        .route("/api/v1/events/{id}/attachments", post(upload).layer(DefaultBodyLimit::max(upload_limit)))
        .route("/api/v1/events/{id}/attachments/{attachment_id}", get(download))
        .route("/api/v1/notifications", get(notifications))
        .route("/api/v1/notifications/read", post(mark_read))
        .route("/api/v1/settings/priority-matrix", get(get_matrix).put(put_matrix))
        .route("/api/v1/settings/sla", get(get_sla).put(put_sla))
        .route("/api/v1/holidays/import", post(import_official_days))
        .route("/api/v1/settings/vendor", get(get_vendor).put(put_vendor))
        .route("/api/v1/events/{id}/reports/{report_id}/pdf", get(report_pdf))
        .route("/api/v1/knowledge", get(knowledge_h))
}
