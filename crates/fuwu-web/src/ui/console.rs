//! The hotline console (客服工作台): one search box for a phone number, a
//! name, a serial number, a project or a contract; the entitlement at a glance;
//! the event form with customer, asset and contract filled in. Recording leads
//! to the event page, where the routing suggestion waits with its reasons for
//! the one click that dispatches it.

use super::form::{Fields, Problems, check_csrf, decode, get};
use super::{Ctx, fail, render_status};
use crate::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get as get_route, post};
use fuwu_app::AppError;
use fuwu_app::events::intake::NewEvent;
use fuwu_app::lookup::{CustomerCard, LookupQuery, LookupResult, lookup};
use fuwu_core::access::Cap;
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console", get_route(console))
        .route("/events/new", post(record))
        .route("/events/new-caller", post(record_unknown))
}

#[derive(Deserialize)]
struct Search {
    #[serde(default)]
    q: String,
    /// The customer picked from several matches.
    #[serde(default)]
    c: Option<i64>,
}

#[derive(Template)]
#[template(path = "console.html")]
struct ConsolePage<'a> {
    ctx: &'a Ctx,
    q: String,
    result: Option<LookupResult>,
    /// Several customers matched and none is picked yet: the short list.
    choose: bool,
    problems: Problems,
    /// The form as sent, when it was refused.
    sent: Fields,
}

impl ConsolePage<'_> {
    /// A value the refused form had, to keep what the specialist typed.
    fn was(&self, name: &str) -> &str {
        get(&self.sent, name).unwrap_or("")
    }

    /// The token that makes this form record once, however often it is sent.
    fn token(&self) -> String {
        super::form::record_token(&self.sent)
    }

    fn picked(&self, name: &str, value: &str) -> bool {
        get(&self.sent, name) == Some(value)
    }

    /// The search text for a link back to this search.
    fn q_enc(&self) -> String {
        super::queues::urlencode(&self.q)
    }

    /// A site's name and full address.
    fn site_text(&self, card: &CustomerCard, id: Option<i64>) -> String {
        let Some(site) = id.and_then(|i| card.sites.iter().find(|s| s.id == i)) else { return String::new() };
        let city = fuwu_core::divisions::full_name(&site.data.city_code).unwrap_or_default();
        format!("{} · {} {}", site.data.name, city, site.data.address.clone().unwrap_or_default())
    }

    fn site_of(&self, card: &CustomerCard, st: &fuwu_app::records::Stored<fuwu_core::records::Site>) -> String {
        self.site_text(card, Some(st.id))
    }

    fn is_preselected(&self, card: &CustomerCard, a: &fuwu_app::lookup::AssetView) -> bool {
        self.preselected(card) == Some(a.asset.id)
    }

    fn contact_is(&self, card: &CustomerCard, p: &fuwu_app::records::Stored<fuwu_core::records::Contact>) -> bool {
        self.contact_preselected(card) == Some(p.id)
    }

    /// Where an asset stands.
    fn asset_site(&self, card: &CustomerCard, a: &fuwu_app::lookup::AssetView) -> String {
        self.site_text(card, a.asset.data.site_id.map(|s| s.0))
    }

    /// The asset the form starts with: the one the caller's number or serial found,
    /// else the matched contact's site's only asset, else the customer's only asset.
    fn preselected(&self, card: &CustomerCard) -> Option<i64> {
        if let Some(a) = get(&self.sent, "asset_id") {
            return a.parse().ok();
        }
        if let Some(a) = card.matched_asset_ids.first() {
            return Some(*a);
        }
        let site = card
            .matched_contact_ids
            .first()
            .and_then(|c| card.contacts.iter().find(|p| p.id == *c))
            .and_then(|p| p.data.site_id.map(|s| s.0));
        let at_site: Vec<i64> = card
            .assets
            .iter()
            .filter(|a| site.is_some() && a.asset.data.site_id.map(|s| s.0) == site)
            .map(|a| a.asset.id)
            .collect();
        match (at_site.as_slice(), card.assets.as_slice()) {
            ([one], _) => Some(*one),
            (_, [one]) => Some(one.asset.id),
            _ => None,
        }
    }

    /// The contact the form starts with.
    fn contact_preselected(&self, card: &CustomerCard) -> Option<i64> {
        match get(&self.sent, "contact_id") {
            Some(c) => c.parse().ok(),
            None => card.matched_contact_ids.first().copied(),
        }
    }
}

/// Finds the caller from whatever the box holds (one free-text lookup).
async fn search(s: &AppState, ctx: &Ctx, q: &str) -> Result<Option<LookupResult>, AppError> {
    let q = q.trim();
    if q.is_empty() {
        return Ok(None);
    }
    let t = LookupQuery { q: Some(q.into()), ..LookupQuery::default() };
    lookup(&s.app, &ctx.caller, &t).await.map(Some)
}

async fn show(s: &AppState, ctx: &Ctx, q: String, pick: Option<i64>, problems: Problems, sent: Fields) -> Response {
    if let Err(e) = ctx.caller.require(Cap::Lookup) {
        return fail(ctx, e);
    }
    let pick = pick.or_else(|| get(&sent, "customer_id").and_then(|c| c.parse().ok()));
    match search(s, ctx, &q).await {
        Ok(mut result) => {
            if let (Some(r), Some(c)) = (result.as_mut(), pick) {
                r.customers.retain(|card| card.customer.id == c);
            }
            let choose = result.as_ref().is_some_and(|r| r.customers.len() > 1);
            let status =
                if problems.any() { axum::http::StatusCode::UNPROCESSABLE_ENTITY } else { axum::http::StatusCode::OK };
            render_status(status, &ConsolePage { ctx, q, result, choose, problems, sent })
        }
        Err(e) => fail(ctx, e),
    }
}

async fn console(State(s): State<AppState>, ctx: Ctx, Query(q): Query<Search>) -> Response {
    show(&s, &ctx, q.q, q.c, Problems::default(), Vec::new()).await
}

/// Records an event from the console (or the portal): the API's intake.
async fn record(State(s): State<AppState>, ctx: Ctx, Form(f): Form<Fields>) -> Response {
    if let Err(e) = check_csrf(&ctx, &f) {
        return fail(&ctx, e);
    }
    let back_to_portal = get(&f, "from") == Some("portal");
    let q = get(&f, "q").unwrap_or_default().to_owned();
    // A repeat call about an open event: noted on that event, no duplicate.
    if let Some(follow) = get(&f, "follow_up").filter(|v| !v.is_empty()) {
        let Ok(event_id) = follow.parse::<i64>() else {
            return fail(&ctx, AppError::NotFound("event"));
        };
        let title = get(&f, "title").unwrap_or_default();
        let r = fuwu_app::events::work::follow_up(&s.app, &ctx.caller, event_id, title, get(&f, "description")).await;
        return match r {
            Ok(_) => Redirect::to(&format!("/events/{event_id}")).into_response(),
            Err(e @ (AppError::Invalid(_) | AppError::BadRequest { .. } | AppError::Conflict { .. })) => {
                show(&s, &ctx, q, None, Problems::of(ctx.lang, &e), f).await
            }
            Err(e) => fail(&ctx, e),
        };
    }
    let to_top = get(&f, "dispatch.top").is_some();
    let outcome = match decode::<NewEvent>(&f, &["q", "from", "follow_up", "dispatch.top"]) {
        Ok(mut n) => {
            if to_top && n.dispatch.is_none() {
                n.dispatch = Some(Default::default());
            }
            fuwu_app::events::intake::record(&s.app, &ctx.caller, n).await
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(e) => {
            let held = e.data.assignee_id.is_some() || e.data.team_id.is_some() || e.data.partner_id.is_some();
            let done = if held { "dispatched" } else { "recorded" };
            Redirect::to(&format!("/events/{}?done={done}", e.id)).into_response()
        }
        Err(e) if back_to_portal => super::portal::new_form(&s, &ctx, Problems::of(ctx.lang, &e), f).await,
        Err(e @ (AppError::Invalid(_) | AppError::BadRequest { .. })) => {
            show(&s, &ctx, q, None, Problems::of(ctx.lang, &e), f).await
        }
        Err(e) => fail(&ctx, e),
    }
}

/// A caller nobody knows yet: customer, contact and event recorded in one step.
async fn record_unknown(State(s): State<AppState>, ctx: Ctx, Form(f): Form<Fields>) -> Response {
    if let Err(e) = check_csrf(&ctx, &f) {
        return fail(&ctx, e);
    }
    // Shown again on a problem: the search that found nobody (or the number typed).
    let q = get(&f, "q").filter(|q| !q.trim().is_empty()).or(get(&f, "phone")).unwrap_or_default().to_owned();
    let outcome = match decode::<fuwu_app::events::intake::UnknownCaller>(&f, &["q"]) {
        Ok(u) => fuwu_app::events::intake::record_unknown_caller(&s.app, &ctx.caller, u).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(e) => Redirect::to(&format!("/events/{}", e.id)).into_response(),
        Err(e @ (AppError::Invalid(_) | AppError::BadRequest { .. } | AppError::Conflict { .. })) => {
            show(&s, &ctx, q, None, Problems::of(ctx.lang, &e), f).await
        }
        Err(e) => fail(&ctx, e),
    }
}
