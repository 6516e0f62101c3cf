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
use fuwu_app::lookup::{LookupQuery, LookupResult, lookup};
use fuwu_core::access::Cap;
use serde::Deserialize;
use serde_json::Value;

pub fn routes() -> Router<AppState> {
    Router::new().route("/console", get_route(console)).route("/events/new", post(record))
}

#[derive(Deserialize)]
struct Search {
    #[serde(default)]
    q: String,
}

/// An open event in the lookup.
pub struct OpenRow {
    pub id: i64,
    pub number: String,
    pub title: String,
    pub state: String,
    pub priority: String,
}

#[derive(Template)]
#[template(path = "console.html")]
struct ConsolePage<'a> {
    ctx: &'a Ctx,
    q: String,
    result: Option<LookupResult>,
    /// Open events per customer card, in card order.
    open: Vec<Vec<OpenRow>>,
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
}

fn phone_like(q: &str) -> bool {
    let digits = q.chars().filter(char::is_ascii_digit).count();
    digits >= 7 && q.chars().all(|c| c.is_ascii_digit() || " +-()#转ext".contains(c))
}

/// Tries the box's text as a phone, serial, contract, project, then customer name.
async fn search(s: &AppState, ctx: &Ctx, q: &str) -> Result<Option<LookupResult>, AppError> {
    let q = q.trim();
    if q.is_empty() {
        return Ok(None);
    }
    let mut tries: Vec<LookupQuery> = Vec::new();
    let base = LookupQuery::default();
    if phone_like(q) {
        tries.push(LookupQuery { phone: Some(q.into()), ..base.clone() });
    }
    tries.push(LookupQuery { serial: Some(q.into()), ..base.clone() });
    tries.push(LookupQuery { contract: Some(q.into()), ..base.clone() });
    tries.push(LookupQuery { project: Some(q.into()), ..base.clone() });
    tries.push(LookupQuery { customer: Some(q.into()), ..base });
    let mut last = None;
    for t in tries {
        match lookup(&s.app, &ctx.caller, &t).await {
            Ok(r) if !r.customers.is_empty() => return Ok(Some(r)),
            Ok(r) => last = Some(r),
            Err(AppError::Invalid(_)) | Err(AppError::BadRequest { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(last)
}

fn open_rows(r: &LookupResult) -> Vec<Vec<OpenRow>> {
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
    r.customers
        .iter()
        .map(|c| {
            c.open_events
                .iter()
                .map(|e| OpenRow {
                    id: e.get("id").and_then(Value::as_i64).unwrap_or_default(),
                    number: s(e, "number"),
                    title: s(e, "title"),
                    state: s(e, "state"),
                    priority: s(e, "priority"),
                })
                .collect()
        })
        .collect()
}

async fn show(s: &AppState, ctx: &Ctx, q: String, problems: Problems, sent: Fields) -> Response {
    if let Err(e) = ctx.caller.require(Cap::Lookup) {
        return fail(ctx, e);
    }
    match search(s, ctx, &q).await {
        Ok(result) => {
            let open = result.as_ref().map(open_rows).unwrap_or_default();
            let status =
                if problems.any() { axum::http::StatusCode::UNPROCESSABLE_ENTITY } else { axum::http::StatusCode::OK };
            render_status(status, &ConsolePage { ctx, q, result, open, problems, sent })
        }
        Err(e) => fail(ctx, e),
    }
}

async fn console(State(s): State<AppState>, ctx: Ctx, Query(q): Query<Search>) -> Response {
    show(&s, &ctx, q.q, Problems::default(), Vec::new()).await
}

/// Records an event from the console (or the portal): the API's intake.
async fn record(State(s): State<AppState>, ctx: Ctx, Form(f): Form<Fields>) -> Response {
    if let Err(e) = check_csrf(&ctx, &f) {
        return fail(&ctx, e);
    }
    let back_to_portal = get(&f, "from") == Some("portal");
    let q = get(&f, "q").unwrap_or_default().to_owned();
    let outcome = match decode::<NewEvent>(&f, &["q", "from"]) {
        Ok(n) => fuwu_app::events::intake::record(&s.app, &ctx.caller, n).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(e) => Redirect::to(&format!("/events/{}", e.id)).into_response(),
        Err(e) if back_to_portal => super::portal::new_form(&s, &ctx, Problems::of(ctx.lang, &e), f).await,
        Err(e @ (AppError::Invalid(_) | AppError::BadRequest { .. })) => {
            show(&s, &ctx, q, Problems::of(ctx.lang, &e), f).await
        }
        Err(e) => fail(&ctx, e),
    }
}
