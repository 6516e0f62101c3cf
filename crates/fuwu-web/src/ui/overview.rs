//! The department manager's overview: open events by priority, tier and
//! branch; major incidents; approvals waiting; clocks at risk.

use super::queues::{Row, to_rows};
use super::{Ctx, fail, render};
use crate::AppState;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use fuwu_app::AppError;
use fuwu_app::records::ListParams;
use std::collections::BTreeMap;

pub fn routes() -> Router<AppState> {
    Router::new().route("/overview", get(page))
}

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage<'a> {
    ctx: &'a Ctx,
    by_priority: Vec<(String, i64)>,
    by_tier: Vec<(String, i64)>,
    by_branch: Vec<(String, i64)>,
    major: Vec<Row>,
    at_risk: Vec<Row>,
    approvals: i64,
}

async fn queue(s: &AppState, ctx: &Ctx, q: &str) -> Result<(Vec<Row>, i64), AppError> {
    let mut filters = BTreeMap::new();
    filters.insert("queue".to_owned(), q.to_owned());
    let p = ListParams { q: None, sort: Some("priority".into()), page: None, per_page: Some(20), filters };
    let page = fuwu_app::events::queues::list(&s.app, &ctx.caller, &p).await?;
    Ok((to_rows(s, ctx, &page.items).await?, page.total))
}

async fn page(State(s): State<AppState>, ctx: Ctx) -> Response {
    let r = async {
        let o = fuwu_app::events::queues::overview(&s.app, &ctx.caller).await?;
        let no_branch = ctx.t("overview.no_branch");
        let by_branch =
            o.by_branch.into_iter().map(|(k, n)| (if k.is_empty() { no_branch.to_owned() } else { k }, n)).collect();
        let (by_priority, by_tier) = (o.by_priority, o.by_tier);
        let (major, _) = queue(&s, &ctx, "major").await?;
        let (at_risk, _) = queue(&s, &ctx, "at_risk").await?;
        let (_, approvals) = queue(&s, &ctx, "approvals").await?;
        Ok::<_, AppError>(OverviewPage { ctx: &ctx, by_priority, by_tier, by_branch, major, at_risk, approvals })
    }
    .await;
    match r {
        Ok(p) => render(&p),
        Err(e) => fail(&ctx, e),
    }
}
