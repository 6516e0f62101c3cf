//! The planned services' pages (issue 11): the planner's list of engagements,
//! an engagement with the actions its state table offers the reader, and the
//! plan and quota use shown on a contract and in the portal. Forms become the
//! API's `ActionInput` and go through the same `app::plan::act`.

use super::form::{Fields, Problems, check_csrf, decode};
use super::{Ctx, fail, render, render_status};
use crate::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use fuwu_app::AppError;
use fuwu_app::plan::{self, ActionInput, Engagement, EngagementDetail, YearUse};
use fuwu_app::records::{ListParams, Stored};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/plan", get(list_page))
        .route("/engagements/{id}", get(page))
        .route("/engagements/{id}/act", axum::routing::post(act))
}

/// One engagement in a list.
#[derive(Debug, Clone)]
pub struct Row {
    pub id: i64,
    pub kind: String,
    pub customer: String,
    pub contract: String,
    pub year: i64,
    pub seq: i64,
    pub window: String,
    /// The agreed date, or the proposed one (then `proposed`).
    pub date: String,
    pub proposed: bool,
    pub state: String,
    pub engineer: String,
    pub over_quota: bool,
}

/// The rows of engagements, with the names they show.
pub async fn rows(s: &AppState, items: &[Stored<Engagement>]) -> Result<Vec<Row>, AppError> {
    let l = plan::labels(&s.app, items).await?;
    Ok(items
        .iter()
        .map(|e| {
            let d = &e.data;
            Row {
                id: e.id,
                kind: d.kind.as_str().to_owned(),
                customer: l.customers.get(&d.customer_id.0).cloned().unwrap_or_default(),
                contract: l.contracts.get(&d.contract_id.0).cloned().unwrap_or_default(),
                year: d.year_index,
                seq: d.seq,
                window: format!("{} – {}", d.window_start, d.window_end),
                date: d.agreed_date.clone().or_else(|| d.proposed_date.clone()).unwrap_or_default(),
                proposed: d.agreed_date.is_none() && d.proposed_date.is_some(),
                state: d.state.as_str().to_owned(),
                engineer: d.engineer_id.and_then(|u| l.users.get(&u.0).cloned()).unwrap_or_default(),
                over_quota: d.over_quota,
            }
        })
        .collect())
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// `open` (default), `all`, or a state.
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    /// `1`: assigned to the reader.
    #[serde(default)]
    mine: Option<String>,
    /// One contract's engagements.
    #[serde(default)]
    contract: Option<i64>,
    #[serde(default)]
    page: Option<i64>,
}

#[derive(Template)]
#[template(path = "plan_list.html")]
struct ListPage<'a> {
    ctx: &'a Ctx,
    rows: Vec<Row>,
    total: i64,
    page: i64,
    pages: i64,
    state: String,
    kind: String,
    mine: bool,
    contract: Option<i64>,
    states: Vec<&'static str>,
    kinds: Vec<&'static str>,
}

impl ListPage<'_> {
    fn is_state(&self, s: &str) -> bool {
        self.state == s
    }

    fn is_kind(&self, k: &str) -> bool {
        self.kind == k
    }

    fn link(&self, page: i64) -> String {
        let mut l = format!("/plan?state={}&page={page}", self.state);
        if !self.kind.is_empty() {
            l.push_str(&format!("&kind={}", self.kind));
        }
        if self.mine {
            l.push_str("&mine=1");
        }
        if let Some(c) = self.contract {
            l.push_str(&format!("&contract={c}"));
        }
        l
    }
}

async fn list_page(
    State(s): State<AppState>,
    ctx: Ctx,
    q: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(q)) = q else {
        return fail(&ctx, AppError::bad("unknown or malformed parameter", None));
    };
    let state = q.state.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| "open".to_owned());
    let kind = q.kind.clone().unwrap_or_default();
    let mine = q.mine.as_deref() == Some("1");
    let mut p = ListParams { page: q.page, per_page: Some(50), sort: Some("window_end".into()), ..Default::default() };
    match state.as_str() {
        "open" => {
            p.filters.insert("open".into(), "true".into());
        }
        "all" => {}
        other => {
            p.filters.insert("state".into(), other.to_owned());
        }
    }
    if !kind.is_empty() {
        p.filters.insert("kind".into(), kind.clone());
    }
    if mine {
        p.filters.insert("engineer_id".into(), ctx.caller.id().0.to_string());
    }
    if let Some(c) = q.contract {
        p.filters.insert("contract_id".into(), c.to_string());
    }
    let r = async {
        let page = plan::list(&s.app, &ctx.caller, &p).await?;
        let rows = rows(&s, &page.items).await?;
        Ok::<_, AppError>((rows, page.total, page.page))
    }
    .await;
    match r {
        Ok((rows, total, page)) => render(&ListPage {
            ctx: &ctx,
            rows,
            total,
            page,
            pages: (total + 49) / 50,
            state,
            kind,
            mine,
            contract: q.contract,
            states: fuwu_core::plan::State::ALL.iter().map(|s| s.as_str()).collect(),
            kinds: fuwu_core::plan::Kind::ALL.iter().map(|k| k.as_str()).collect(),
        }),
        Err(e) => fail(&ctx, e),
    }
}

#[derive(Template)]
#[template(path = "engagement.html")]
struct Page<'a> {
    ctx: &'a Ctx,
    d: EngagementDetail,
    actions: Vec<&'static str>,
    problems: Problems,
}

impl Page<'_> {
    fn e(&self) -> &Engagement {
        &self.d.engagement.data
    }

    fn default_date(&self) -> String {
        let e = self.e();
        e.agreed_date
            .clone()
            .or_else(|| e.proposed_date.clone())
            .or_else(|| e.suggested_date.clone())
            .unwrap_or_default()
    }

    fn is_engineer(&self, id: &fuwu_core::ids::UserId) -> bool {
        self.e().engineer_id == Some(*id)
    }

    fn is(&self, a: &str, b: &str) -> bool {
        a == b
    }

    fn danger(&self, a: &str) -> bool {
        matches!(a, "cancel" | "postpone")
    }
}

async fn show(s: &AppState, ctx: &Ctx, id: i64, problems: Problems, status: StatusCode) -> Response {
    match plan::detail(&s.app, &ctx.caller, id).await {
        Ok(d) => {
            let actions = d.available.iter().map(|a| a.as_str()).collect();
            render_status(status, &Page { ctx, d, actions, problems })
        }
        Err(e) => fail(ctx, e),
    }
}

async fn page(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Response {
    show(&s, &ctx, id, Problems::default(), StatusCode::OK).await
}

async fn act(State(s): State<AppState>, ctx: Ctx, Path(id): Path<i64>, Form(f): Form<Fields>) -> Response {
    if let Err(e) = check_csrf(&ctx, &f) {
        return fail(&ctx, e);
    }
    let r = async {
        let input: ActionInput = decode(&f, &[])?;
        plan::act(&s.app, &ctx.caller, id, input).await
    }
    .await;
    match r {
        Ok(_) => Redirect::to(&format!("/engagements/{id}")).into_response(),
        // Not visible: the page says so as for any absent record.
        Err(e @ (AppError::NotFound(_) | AppError::Internal(_))) => fail(&ctx, e),
        Err(e) => {
            let problems = Problems::of(ctx.lang, &e);
            let (status, _) = crate::error::ApiError(e).parts();
            show(&s, &ctx, id, problems, status).await
        }
    }
}

/// A contract's plan on its page: quota use per year and the engagements.
pub struct PlanSection {
    pub years: Vec<YearUse>,
    pub rows: Vec<Row>,
}

/// The plan section of a contract's page, if the reader may see it.
pub async fn section(s: &AppState, ctx: &Ctx, contract_id: i64) -> Option<PlanSection> {
    let p = plan::of(&s.app, &ctx.caller, contract_id).await.ok()?;
    let rows = rows(s, &p.engagements).await.ok()?;
    Some(PlanSection { years: p.years, rows })
}

/// The portal's part: this contract year's quota use of each contract in
/// force, and what waits for the customer (a proposed date, a report to confirm).
pub struct PortalPlan {
    pub uses: Vec<(String, YearUse)>,
    pub waiting: Vec<Row>,
}

pub async fn portal(s: &AppState, ctx: &Ctx) -> Result<PortalPlan, AppError> {
    let Some(customer) = ctx.caller.actor.customer_id else {
        return Ok(PortalPlan { uses: vec![], waiting: vec![] });
    };
    let today = fuwu_core::entitlement::service_date(s.app.clock.now());
    let uses = plan::customer_use(&s.app, &ctx.caller, customer, today).await?;
    let mut waiting = Vec::new();
    for state in ["planned", "postponed", "report_submitted"] {
        let mut p = ListParams { per_page: Some(50), ..Default::default() };
        p.filters.insert("state".into(), state.into());
        let page = plan::list(&s.app, &ctx.caller, &p).await?;
        let items: Vec<Stored<Engagement>> =
            page.items.into_iter().filter(|e| state == "report_submitted" || e.data.proposed_date.is_some()).collect();
        waiting.extend(rows(s, &items).await?);
    }
    Ok(PortalPlan { uses, waiting })
}

/// Whether an action needs a form field (the template's switch).
pub fn needs(a: &str) -> &'static str {
    match a {
        "adjust_window" => "window",
        "propose_date" | "agree_date" => "date",
        "assign" => "engineer",
        "submit_report" => "summary",
        "postpone" | "cancel" => "reason",
        _ => "",
    }
}
