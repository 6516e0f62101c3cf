//! The entitlement lookup, administrative divisions and the audit trail.

use super::doc::{Doc, Op, path_param, query_param};
use super::records::{Pairs, paging, pairs};
use crate::AppState;
use crate::error::ApiResult;
use crate::extract::Auth;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use fuwu_app::AppError;
use fuwu_app::lookup::{LookupQuery, LookupResult, lookup};
use fuwu_core::access::Cap;
use fuwu_core::divisions::{self, Division};
use serde_json::{Value, json};

async fn lookup_h(State(s): State<AppState>, Auth(c): Auth, q: Pairs) -> ApiResult<Json<LookupResult>> {
    let mut lq = LookupQuery::default();
    for (k, v) in pairs(q)? {
        match k.as_str() {
            "q" => lq.q = Some(v),
            "phone" => lq.phone = Some(v),
            "customer" => lq.customer = Some(v),
            "project" => lq.project = Some(v),
            "serial" => lq.serial = Some(v),
            "contract" => lq.contract = Some(v),
            "at" => {
                lq.at = Some(v.parse().map_err(|_| {
                    AppError::bad("at must be an RFC 3339 time, e.g. 2026-05-01T10:00:00+08:00", Some("at"))
                })?)
            }
            other => {
                return Err(AppError::bad(format!("unknown parameter {other}"), Some(other)).into());
            }
        }
    }
    Ok(Json(lookup(&s.app, &c, &lq).await?))
}

/// A division with its full name and the city it rolls up to.
fn division_json(d: &Division) -> Value {
    json!({"code": d.code, "name": d.name, "level": d.level, "full_name": divisions::full_name(&d.code), "city_code": divisions::city_code(&d.code)})
}

async fn divisions_h(Auth(_c): Auth, q: Pairs) -> ApiResult<Json<Value>> {
    let mut text = String::new();
    let mut limit = 20usize;
    let mut pickable = false;
    for (k, v) in pairs(q)? {
        match k.as_str() {
            "q" => text = v,
            "pickable" => pickable = v == "true",
            "limit" => {
                limit = v
                    .parse()
                    .ok()
                    .filter(|l| (1..=200).contains(l))
                    .ok_or_else(|| AppError::bad("limit must be 1–200", Some("limit")))?
            }
            other => {
                return Err(AppError::bad(format!("unknown parameter {other}"), Some(other)).into());
            }
        }
    }
    let found = if pickable { divisions::suggest(&text, limit) } else { divisions::search(&text, limit) };
    let items: Vec<Value> = found.into_iter().map(division_json).collect();
    Ok(Json(json!({ "items": items })))
}

async fn division_h(Auth(_c): Auth, Path(code): Path<String>) -> ApiResult<Json<Value>> {
    let d = divisions::get(&code).ok_or(AppError::NotFound("division"))?;
    Ok(Json(
        json!({"code": d.code, "name": d.name, "level": d.level, "full_name": divisions::full_name(&d.code), "city_code": divisions::city_code(&d.code)}),
    ))
}

async fn audit_h(State(s): State<AppState>, Auth(c): Auth, q: Pairs) -> ApiResult<Json<Value>> {
    c.require(Cap::ReadAudit)?;
    let ((page, per_page), rest) = paging(pairs(q)?, &["entity", "entity_id"])?;
    let (mut entity, mut entity_id) = (None, None);
    for (k, v) in rest {
        if k == "entity" {
            entity = Some(v);
        } else {
            entity_id =
                Some(v.parse::<i64>().map_err(|_| AppError::bad("entity_id must be an integer", Some("entity_id")))?);
        }
    }
    let mut conn = s.app.db.reader().acquire().await.map_err(AppError::from)?;
    let items =
        fuwu_store::audit::list(&mut conn, entity.as_deref(), entity_id, per_page, (page - 1).saturating_mul(per_page))
            .await
            .map_err(AppError::from)?;
    Ok(Json(json!({"items": items, "page": page, "per_page": per_page})))
}

async fn sla_due_h(State(s): State<AppState>, Auth(c): Auth, q: Pairs) -> ApiResult<Json<Value>> {
    let (mut start, mut duration, mut calendar) = (None, None, "5x8".to_owned());
    for (k, v) in pairs(q)? {
        match k.as_str() {
            "start" => start = Some(v),
            "duration" => duration = Some(v),
            "calendar" => calendar = v,
            other => return Err(AppError::bad(format!("unknown parameter {other}"), Some(other)).into()),
        }
    }
    let start = start.ok_or_else(|| AppError::bad("start is required", Some("start")))?;
    let duration = duration.ok_or_else(|| AppError::bad("duration is required", Some("duration")))?;
    let due = fuwu_app::calendars::preview(&s.app, Some(&c), &calendar, &start, &duration).await?;
    Ok(Json(json!({"calendar": calendar, "start": start, "duration": duration, "due": due})))
}

pub fn routes(r: Router<AppState>, doc: &mut Doc) -> Router<AppState> {
    let res = doc.schema::<LookupResult>();
    let div = doc.schema::<Division>();
    doc.op(Op {
        method: "get",
        path: "/api/v1/lookup",
        tag: "Hotline",
        summary: "Entitlement lookup: exactly one of q, phone, customer, project, serial, contract; optional at",
        params: vec![
            query_param(
                "q",
                "string",
                "free text: a phone number or its last 4+ digits, a serial number or part of it, a contract or project, part of a customer's or contact's name, or a customer's pinyin initials; `matched_by` says which",
            ),
            query_param("phone", "string", "a caller's number in any common form"),
            query_param("customer", "string", "part of a customer's name"),
            query_param("project", "string", "a project code, or part of its name"),
            query_param("serial", "string", "an asset's serial number"),
            query_param("contract", "string", "a contract number"),
            query_param("at", "string", "RFC 3339 moment to evaluate contracts at (default now)"),
        ],
        body: None,
        ok_status: 200,
        ok: Some(res),
        errors: &[403, 422],
    });
    doc.op(Op {
        method: "get",
        path: "/api/v1/divisions",
        tag: "Reference",
        summary: "Search China's administrative divisions",
        params: vec![
            query_param("q", "string", "part of a name, or a code prefix"),
            query_param("limit", "integer", "1–200, default 20"),
            query_param(
                "pickable",
                "boolean",
                "true: the city type-ahead — only divisions a site may record (cities, districts, counties), \
                 every word matched against the full name, a city's districts after it",
            ),
        ],
        body: None,
        ok_status: 200,
        ok: Some(json!({"type": "object", "properties": {"items": {"type": "array", "items": div.clone()}}})),
        errors: &[],
    });
    doc.op(Op {
        method: "get",
        path: "/api/v1/divisions/{code}",
        tag: "Reference",
        summary: "One administrative division",
        params: vec![path_param("code", "string")],
        body: None,
        ok_status: 200,
        ok: Some(div),
        errors: &[404],
    });
    doc.op(Op {
        method: "get",
        path: "/api/v1/audit",
        tag: "Audit",
        summary: "The audit trail, newest first (admins and managers)",
        params: vec![
            query_param("entity", "string", "e.g. customer"),
            query_param("entity_id", "integer", "one record"),
            query_param("page", "integer", "from 1"),
            query_param("per_page", "integer", "1–200"),
        ],
        body: None,
        ok_status: 200,
        ok: None,
        errors: &[403],
    });
    doc.op(Op {
        method: "get",
        path: "/api/v1/sla/due",
        tag: "SLA",
        summary: "Preview when working time runs out under a calendar (5x8 or 7x24)",
        params: vec![
            query_param("start", "string", "RFC 3339 start"),
            query_param("duration", "string", "like 4h, 90m, 1h30m"),
            query_param("calendar", "string", "5x8 (default), 7x24, or a calendar an administrator defined"),
        ],
        body: None,
        ok_status: 200,
        ok: None,
        errors: &[422],
    });
    r.route("/api/v1/lookup", get(lookup_h))
        .route("/api/v1/sla/due", get(sla_due_h))
        .route("/api/v1/divisions", get(divisions_h))
        .route("/api/v1/divisions/{code}", get(division_h))
        .route("/api/v1/audit", get(audit_h))
}
