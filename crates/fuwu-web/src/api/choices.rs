//! The type-ahead of reference fields: `GET /api/v1/choices/{kind}?q=…`.

use super::doc::{Doc, Op, path_param, query_param};
use super::records::{Pairs, pairs};
use crate::AppState;
use crate::error::ApiResult;
use crate::extract::Auth;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use fuwu_app::AppError;
use fuwu_app::choices::{Choice, ChoiceQuery, KINDS, choices};
use serde_json::{Value, json};

/// The entity behind a kind's URL name (`service-levels` → `service_level`).
pub fn entity_of(kind: &str) -> Option<&'static str> {
    crate::ui::records::KINDS.iter().find(|(slug, _)| *slug == kind).map(|(_, e)| *e).filter(|e| KINDS.contains(e))
}

async fn choices_h(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(kind): Path<String>,
    q: Pairs,
) -> ApiResult<Json<Value>> {
    let entity = entity_of(&kind).ok_or(AppError::NotFound("record kind"))?;
    let mut cq = ChoiceQuery::default();
    for (k, v) in pairs(q)? {
        match k.as_str() {
            "q" => cq.q = Some(v),
            "limit" => {
                cq.limit = Some(v.parse().map_err(|_| AppError::bad("limit must be an integer", Some("limit")))?)
            }
            "id" => {
                for part in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    let id = part.parse().map_err(|_| AppError::bad("id must be an integer", Some("id")))?;
                    cq.ids.get_or_insert_with(Vec::new).push(id);
                }
            }
            _ => {
                if cq.filters.insert(k.clone(), v).is_some() {
                    return Err(AppError::bad(format!("{k} is given twice"), Some(&k)).into());
                }
            }
        }
    }
    let items: Vec<Choice> = choices(&s.app, &c, entity, &cq).await?;
    Ok(Json(json!({ "items": items })))
}

pub fn routes(r: Router<AppState>, doc: &mut Doc) -> Router<AppState> {
    let choice = doc.schema::<Choice>();
    let kinds: Vec<&str> =
        crate::ui::records::KINDS.iter().filter(|(_, e)| KINDS.contains(e)).map(|(slug, _)| *slug).collect();
    doc.op(Op {
        method: "get",
        path: "/api/v1/choices/{kind}",
        tag: "Reference",
        summary: &format!(
            "Type-ahead for reference fields: records of one kind ({}) found by name, each with its context \
             (customer · name · city). Reads exactly what the kind's list shows the caller: the same capability \
             (403 otherwise) and customer scope; an id outside it is answered like an absent one (not listed)",
            kinds.join(", ")
        ),
        params: vec![
            path_param("kind", "string"),
            query_param("q", "string", "words typed; each must be found in the record, its customer's name or its city"),
            query_param("id", "string", "only these ids (comma-separated or repeated), to name chosen values"),
            query_param("limit", "integer", "1–50, default 20 (with id: up to 200)"),
            query_param("customer_id", "integer", "records of one customer (any filter the kind's list takes)"),
        ],
        body: None,
        ok_status: 200,
        ok: Some(json!({"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": choice}}})),
        errors: &[400, 403, 404],
    });
    r.route("/api/v1/choices/{kind}", get(choices_h))
}
