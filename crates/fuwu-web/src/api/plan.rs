//! The planned services' endpoints (issue 11): a contract's plan and quota
//! use, its generation, the engagements and the actions of their state table.

use super::doc::{Doc, Op, page_of, path_param, query_param};
use super::records::{Pairs, list_params, pairs};
use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Auth, Id, JsonBody};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use fuwu_app::Page;
use fuwu_app::plan::{self, ActionInput, Engagement, EngagementDetail, Generated, NewEngagement, Plan};
use fuwu_app::records::Stored;

async fn list(State(s): State<AppState>, Auth(c): Auth, q: Pairs) -> ApiResult<Json<Page<Stored<Engagement>>>> {
    Ok(Json(plan::list(&s.app, &c, &list_params(pairs(q)?)?).await?))
}

async fn create(
    State(s): State<AppState>,
    Auth(c): Auth,
    JsonBody(n): JsonBody<NewEngagement>,
) -> ApiResult<(StatusCode, Json<Stored<Engagement>>)> {
    Ok((StatusCode::CREATED, Json(plan::add(&s.app, &c, n).await?)))
}

async fn detail(State(s): State<AppState>, Auth(c): Auth, Id(id): Id) -> ApiResult<Json<EngagementDetail>> {
    Ok(Json(plan::detail(&s.app, &c, id).await?))
}

async fn action(
    State(s): State<AppState>,
    Auth(c): Auth,
    Id(id): Id,
    JsonBody(a): JsonBody<ActionInput>,
) -> ApiResult<Json<Stored<Engagement>>> {
    Ok(Json(plan::act(&s.app, &c, id, a).await?))
}

async fn contract_plan(State(s): State<AppState>, Auth(c): Auth, Id(id): Id) -> ApiResult<Json<Plan>> {
    Ok(Json(plan::of(&s.app, &c, id).await?))
}

async fn generate(State(s): State<AppState>, Auth(c): Auth, Id(id): Id) -> ApiResult<Json<Generated>> {
    Ok(Json(plan::generate(&s.app, &c, id).await?))
}

use axum::extract::State;

pub fn routes(r: Router<AppState>, doc: &mut Doc) -> Router<AppState> {
    let t = "Planned services";
    let engagement = doc.record::<Engagement>();
    let new_s = doc.schema::<NewEngagement>();
    let action_s = doc.schema::<ActionInput>();
    let detail_s = doc.schema::<EngagementDetail>();
    let plan_s = doc.schema::<Plan>();
    let generated = doc.schema::<Generated>();
    let id = || vec![path_param("id", "integer")];
    let mut params = vec![
        query_param("q", "string", "text in the notes or the report"),
        query_param("sort", "string", "window_start (default), -window_end, agreed_date, state, kind, …"),
        query_param("page", "integer", "from 1"),
        query_param("per_page", "integer", "1–200, default 50"),
    ];
    for f in fuwu_store::tables::ENGAGEMENT.filters {
        params.push(query_param(f, "string", "equality filter"));
    }
    doc.op(Op {
        method: "get",
        path: "/api/v1/engagements",
        tag: t,
        summary: "Engagements the caller may see (the customer scope, and those assigned to the caller)",
        params,
        body: None,
        ok_status: 200,
        ok: Some(page_of(engagement.clone())),
        errors: &[403],
    });
    doc.op(Op {
        method: "post",
        path: "/api/v1/engagements",
        tag: t,
        summary: "Add an engagement to a contract (planners); beyond the year's quota it is chargeable and needs the manager's approval before it starts",
        params: vec![],
        body: Some(new_s),
        ok_status: 201,
        ok: Some(engagement.clone()),
        errors: &[403, 409, 422],
    });
    doc.op(Op {
        method: "get",
        path: "/api/v1/engagements/{id}",
        tag: t,
        summary: "An engagement with the actions the caller may take, its history and, for planners, engineers to assign",
        params: id(),
        body: None,
        ok_status: 200,
        ok: Some(detail_s),
        errors: &[404],
    });
    doc.op(Op {
        method: "post",
        path: "/api/v1/engagements/{id}/actions",
        tag: t,
        summary: "Act on an engagement through its state table (403 not this caller's, 409 not now)",
        params: id(),
        body: Some(action_s),
        ok_status: 200,
        ok: Some(engagement),
        errors: &[403, 404, 409, 422],
    });
    doc.op(Op {
        method: "get",
        path: "/api/v1/contracts/{id}/plan",
        tag: t,
        summary: "A contract's plan: quota use per contract year and kind (delivered / scheduled / remaining) and its engagements",
        params: id(),
        body: None,
        ok_status: 200,
        ok: Some(plan_s),
        errors: &[404],
    });
    doc.op(Op {
        method: "post",
        path: "/api/v1/contracts/{id}/plan",
        tag: t,
        summary: "Generate the contract's missing engagements from its quotas (idempotent: again creates nothing)",
        params: id(),
        body: None,
        ok_status: 200,
        ok: Some(generated),
        errors: &[403, 404],
    });
    r.route("/api/v1/engagements", get(list).post(create))
        .route("/api/v1/engagements/{id}", get(detail))
        .route("/api/v1/engagements/{id}/actions", post(action))
        .route("/api/v1/contracts/{id}/plan", get(contract_plan).post(generate))
}
