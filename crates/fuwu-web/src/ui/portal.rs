//! The customer portal: the contact's own events, a request form for the
//! customer's own assets, and the contracts with what they include. Scope is
//! the server's: every list and record goes through the customer scope.

use super::form::{Fields, Problems, get};
use super::queues::{Row, to_rows};
use super::{Ctx, fail, render, render_status};
use crate::AppState;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get as get_route;
use fuwu_app::AppError;
use fuwu_app::records::{ListParams, list};
use fuwu_core::records::{Asset, Contract, ServiceLevel};
use std::collections::BTreeMap;

pub fn routes() -> Router<AppState> {
    Router::new().route("/portal", get_route(home)).route("/portal/new", get_route(new_page))
}

pub struct ContractView {
    pub number: String,
    pub level: String,
    pub start: String,
    pub end: String,
    pub in_period: bool,
    pub coverage: String,
    pub onsite: bool,
    pub targets: Vec<(String, i64, Option<i64>, i64)>,
    /// The year's contracted services: the level's, with the contract's overrides.
    pub quotas: Option<fuwu_core::records::Quotas>,
}

#[derive(Template)]
#[template(path = "portal.html")]
struct PortalPage<'a> {
    ctx: &'a Ctx,
    rows: Vec<Row>,
    contracts: Vec<ContractView>,
    plan: super::plan::PortalPlan,
}

fn params(per_page: i64) -> ListParams {
    ListParams { q: None, sort: None, page: None, per_page: Some(per_page), filters: BTreeMap::new() }
}

pub async fn contracts(s: &AppState, ctx: &Ctx) -> Result<Vec<ContractView>, AppError> {
    let levels = list::<ServiceLevel>(&s.app, &ctx.caller, &params(200)).await?.items;
    let today = fuwu_core::entitlement::service_date(s.app.clock.now()).to_string();
    Ok(list::<Contract>(&s.app, &ctx.caller, &params(200))
        .await?
        .items
        .into_iter()
        .map(|c| {
            let level = levels.iter().find(|l| l.id == c.data.service_level_id.0);
            ContractView {
                quotas: level.map(|l| c.data.quota_overrides.apply(&l.data.quotas)),
                number: c.data.number.clone(),
                level: level.map(|l| l.data.name.clone()).unwrap_or_default(),
                in_period: c.data.start_date.as_str() <= today.as_str() && today.as_str() <= c.data.end_date.as_str(),
                start: c.data.start_date,
                end: c.data.end_date,
                coverage: level.map(|l| super::code(&l.data.coverage)).unwrap_or_default(),
                onsite: level.is_some_and(|l| l.data.onsite_included),
                targets: level
                    .map(|l| {
                        l.data
                            .targets
                            .iter()
                            .map(|t| {
                                (super::code(&t.priority), t.response_minutes, t.onsite_minutes, t.resolution_minutes)
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            }
        })
        .collect())
}

async fn home(State(s): State<AppState>, ctx: Ctx) -> Response {
    let r = async {
        let mut p = params(50);
        p.filters.insert("queue".into(), "all".into());
        let events = fuwu_app::events::queues::list(&s.app, &ctx.caller, &p).await?;
        let rows = to_rows(&s, &ctx, &events.items).await?;
        let contracts = contracts(&s, &ctx).await?;
        let plan = super::plan::portal(&s, &ctx).await?;
        Ok::<_, AppError>((rows, contracts, plan))
    }
    .await;
    match r {
        Ok((rows, contracts, plan)) => render(&PortalPage { ctx: &ctx, rows, contracts, plan }),
        Err(e) => fail(&ctx, e),
    }
}

pub struct AssetOption {
    pub id: i64,
    pub label: String,
}

#[derive(Template)]
#[template(path = "portal_new.html")]
struct NewPage<'a> {
    ctx: &'a Ctx,
    assets: Vec<AssetOption>,
    problems: Problems,
    sent: Fields,
}

impl NewPage<'_> {
    fn was(&self, name: &str) -> &str {
        get(&self.sent, name).unwrap_or("")
    }

    /// The token that makes this form record once, however often it is sent.
    fn token(&self) -> String {
        super::form::record_token(&self.sent)
    }
}

/// The request form (again, with the problems, when a submission was refused).
pub async fn new_form(s: &AppState, ctx: &Ctx, problems: Problems, sent: Fields) -> Response {
    let assets = match list::<Asset>(&s.app, &ctx.caller, &params(200)).await {
        Ok(p) => p.items,
        Err(e) => return fail(ctx, e),
    };
    let assets = assets
        .into_iter()
        .map(|a| AssetOption { id: a.id, label: format!("{} · {}", a.data.product_model, a.data.serial_number) })
        .collect();
    let status = if problems.any() { axum::http::StatusCode::UNPROCESSABLE_ENTITY } else { axum::http::StatusCode::OK };
    render_status(status, &NewPage { ctx, assets, problems, sent })
}

async fn new_page(State(s): State<AppState>, ctx: Ctx) -> Response {
    new_form(&s, &ctx, Problems::default(), Vec::new()).await
}
